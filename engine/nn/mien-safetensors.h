/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Named weight tensors from a safetensors file (the format of Hugging Face's
 * safetensors package, written here by tools/train without that package):
 *
 *   8 bytes   N, little-endian unsigned 64-bit: the header's length
 *   N bytes   a JSON object: "__metadata__" (optional) maps names to string
 *             values; every other member is a tensor
 *             {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}
 *             with offsets relative to the byte buffer that follows
 *   the rest  the byte buffer, little-endian values, row-major
 *
 * Nothing the header says is trusted: the header must fit in the file and
 * under MIEN_JSON_MAX_SIZE; every tensor's range must lie in the buffer and
 * hold exactly the bytes its dtype and shape need; ranges must not overlap
 * and must cover the buffer without holes (as the format requires); shapes
 * must be positive and within the tensor limits; values must be finite.
 * Supported dtypes: F32, F16 and BF16 (stored as float32). Every refusal is
 * one line naming the file and the problem. */
#pragma once

#include <stddef.h>

#include "mien-weights.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest file accepted: paper-size ATW models are about 40 MB in float32. */
#define MIEN_SAFETENSORS_MAX_BYTES ((size_t)1 << 30)

typedef struct mien_safetensors mien_safetensors;

mien_safetensors *mien_safetensors_load (const char *path, mien_error *err);
/* Parses a file held in memory; origin names it in messages. */
mien_safetensors *mien_safetensors_parse (const unsigned char *data,
                                          size_t size, const char *origin,
                                          mien_error *err);
void mien_safetensors_free (mien_safetensors *st);

/* The tensors, by name (owned by st). */
const mien_weights *mien_safetensors_get_weights (const mien_safetensors *st);
/* A "__metadata__" value; NULL when absent. */
const char *mien_safetensors_get_metadata (const mien_safetensors *st,
                                           const char *key);

#ifdef __cplusplus
}
#endif
