/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The memory cap every large allocation is checked against before it is
 * made: a photo before decoding (engine/io), a face's ResWarp pyramid before
 * decomposing (mien-reswarp.h, mien-animator.h). Refusing up front, with the
 * sizes named, beats being killed by the kernel half-way through an export.
 *
 * The cap: what mien_memory_set_cap set (the CLIs' --memory-limit, the app's
 * preference), else $MIEN_MEMORY_LIMIT ("4G", "512M", bytes), else half of
 * physical memory. libc only, like the rest of the engine core. */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a refusal tells the user to change the cap (ends every message). */
#define MIEN_MEMORY_CAP_HINT                                                   \
  "the Memory limit preference, --memory-limit or MIEN_MEMORY_LIMIT "          \
  "changes it"

/* 0 restores the default (environment, then half of physical memory). */
void mien_memory_set_cap (uint64_t bytes);
uint64_t mien_memory_get_cap (void);

/* "4G", "512M", "1.5 GiB", "1000000" → bytes (binary units), read in the C
 * locale; 0 if not a positive size. For a CLI option or a preference. */
int mien_parse_byte_size (const char *text, uint64_t *bytes);

/* "1.5 GiB" or "37 MiB" (rounded up), for messages; returns buf. */
const char *mien_format_bytes (uint64_t bytes, char buf[32]);

#ifdef __cplusplus
}
#endif
