/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading a JSON file the user hands us (a project, a landmark file) before
 * json-glib parses it. json-glib (1.6) recurses once per nesting level with
 * no limit of its own, so a file of 100 000 '[' overflows the stack; and a
 * FIFO or a device given as the file would block or never end. So:
 *
 *   - the file is opened without blocking (O_NONBLOCK) and must be a regular
 *     file no larger than max_size;
 *   - the text is scanned for nesting depth and number of values (brackets
 *     and commas outside strings) before any parser sees it, and refused
 *     past the limits.
 *
 * This is a pre-scan, not a third JSON parser: it only counts brackets, and
 * json-glib still decides whether the text is valid JSON. */
#pragma once

#include <stddef.h>

#include "../mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Deeper than any schema of ours needs (a project is 4 levels, a landmark
 * file 5), shallow enough for json-glib's recursion on any stack. */
#define MIEN_JSON_FILE_MAX_DEPTH 64

/* Reads path whole into *text (malloc'd, NUL-terminated; *length excludes
 * the NUL). Refuses what is not a regular file, and files over max_size
 * bytes, naming the limit. Messages start with path. */
mien_status mien_json_file_read (const char *path, size_t max_size,
                                 char **text, size_t *length, mien_error *err);

/* MIEN_OK when no bracket nests deeper than max_depth and the text holds
 * at most about max_values values (counted as commas and brackets: json-glib
 * spends about 100 bytes on each, so this bounds its memory better than the
 * file size does); else MIEN_ERR_FORMAT with the line where the limit was
 * passed ("name: nested deeper than 64 levels (line 1)"). */
mien_status mien_json_check_shape (const char *text, size_t length,
                                   int max_depth, size_t max_values,
                                   const char *name, mien_error *err);

#ifdef __cplusplus
}
#endif
