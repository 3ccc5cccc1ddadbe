/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small strict JSON (RFC 8259) parser for weight manifests. Written here
 * rather than taken from json-glib so that engine/nn stays free of GLib and
 * builds on a bare GPU machine. Whole-document, into a tree; depth and size
 * are bounded, and every malformed input is refused with its line and
 * column. */
#pragma once

#include <stddef.h>

#include "../mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIEN_JSON_MAX_DEPTH 64
#define MIEN_JSON_MAX_SIZE ((size_t)64 << 20)

typedef enum mien_json_type {
  MIEN_JSON_NULL,
  MIEN_JSON_BOOL,
  MIEN_JSON_NUMBER,
  MIEN_JSON_STRING,
  MIEN_JSON_ARRAY,
  MIEN_JSON_OBJECT,
} mien_json_type;

typedef struct mien_json mien_json;

mien_json *mien_json_parse (const char *text, size_t length, mien_error *err);
void mien_json_free (mien_json *value);

/* Accessors accept NULL (an absent member): it reads as null, length 0. */
mien_json_type mien_json_get_type (const mien_json *value);
/* Number of elements (array) or members (object); 0 otherwise. */
size_t mien_json_length (const mien_json *value);
const mien_json *mien_json_array_get (const mien_json *array, size_t index);
/* NULL when absent or when object is not an object. */
const mien_json *mien_json_object_get (const mien_json *object,
                                       const char *key);
/* Members by position, in document order (duplicates included); NULL when
 * out of range or not an object. */
const char *mien_json_object_key (const mien_json *object, size_t index);
const mien_json *mien_json_object_value (const mien_json *object,
                                         size_t index);
double mien_json_number (const mien_json *value);
int mien_json_bool (const mien_json *value);
/* NUL-terminated UTF-8; NULL unless a string. Strings containing NUL are
 * refused by the parser, so this is the whole string. */
const char *mien_json_string (const mien_json *value);

#ifdef __cplusplus
}
#endif
