/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Named weight tensors, loaded from the TensorFlow.js weight format: a
 * weights_manifest.json (an array of groups, each with "paths" to binary
 * shards and "weights" entries {name, shape, dtype, quantization?}) whose
 * shards, concatenated per group, hold the weights back to back. Supported:
 * dtype float32 and int32 (stored as float), quantization uint8/uint16
 * (value = q·scale + min) and float16.
 *
 * Everything the manifest declares is checked against the data: the shards
 * of a group must hold exactly the bytes its weights need, shapes must be
 * positive and bounded, float data must be finite; errors name the file and
 * the weight. Shard paths must be plain file names in the manifest's folder,
 * so a manifest cannot make the loader read elsewhere. */
#pragma once

#include <stddef.h>

#include "mien-json.h"
#include "mien-tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_weights mien_weights;

/* Reads the shards from the manifest's folder. */
mien_weights *mien_weights_load_tfjs (const char *manifest_path,
                                      mien_error *err);

/* Reads one shard: fills *data (malloc'd, freed by the loader) and *size. */
typedef mien_status (*mien_weights_read_fn) (void *user_data,
                                             const char *shard_name,
                                             unsigned char **data,
                                             size_t *size, mien_error *err);

/* Parses a manifest held in memory; origin names it in messages. */
mien_weights *mien_weights_parse_tfjs (const char *json, size_t length,
                                       const char *origin,
                                       mien_weights_read_fn read,
                                       void *user_data, mien_error *err);
/* The same from a manifest already parsed: a graph model's model.json
 * holds it as its "weightsManifest" member. */
mien_weights *mien_weights_from_tfjs_json (const mien_json *manifest,
                                           const char *origin,
                                           mien_weights_read_fn read,
                                           void *user_data, mien_error *err);
/* Same, reading the shards from the folder of json_path (the file that
 * held the manifest, named in the messages). */
mien_weights *mien_weights_load_tfjs_json (const mien_json *manifest,
                                           const char *json_path,
                                           mien_error *err);
void mien_weights_free (mien_weights *weights);

/* A whole file into memory (NUL-terminated; *size excludes the NUL),
 * refused over limit bytes; the errors name the path. */
mien_status mien_weights_read_file (const char *path, size_t limit,
                                    unsigned char **data, size_t *size,
                                    mien_error *err);

/* An empty set, for loaders of other formats (mien-safetensors.h). */
mien_weights *mien_weights_new (mien_error *err);
/* Adds tensor under name and takes ownership of it on success; refuses a
 * name already present (the caller keeps tensor then). */
mien_status mien_weights_add (mien_weights *weights, const char *name,
                              mien_tensor *tensor, mien_error *err);

int mien_weights_count (const mien_weights *weights);
const char *mien_weights_name (const mien_weights *weights, int index);
const mien_tensor *mien_weights_tensor (const mien_weights *weights,
                                        int index);
/* NULL when absent. */
const mien_tensor *mien_weights_find (const mien_weights *weights,
                                      const char *name);
/* Looks up a weight and checks its shape (rank entries of dims; -1 accepts
 * any size). Fills err naming the weight and both shapes when it differs. */
const mien_tensor *mien_weights_get (const mien_weights *weights,
                                     const char *name, int rank,
                                     const int *dims, mien_error *err);

#ifdef __cplusplus
}
#endif
