/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target for the TensorFlow.js weight loader and its JSON parser.
 * The input is a manifest, a NUL byte, then the bytes every shard reads as
 * (the first shard gets them all, later shards get nothing), so the fuzzer
 * controls both the declared layout and the data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn/mien-weights.h"

typedef struct blob {
  const uint8_t *data;
  size_t size;
  int calls;
} blob;

static mien_status
read_blob (void *user_data, const char *name, unsigned char **data,
           size_t *size, mien_error *err)
{
  blob *b = user_data;
  size_t n = b->calls++ == 0 ? b->size : 0;
  *data = malloc (n ? n : 1);
  if (*data == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  memcpy (*data, b->data, n);
  *size = n;
  return MIEN_OK;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const uint8_t *nul = memchr (data, 0, size);
  size_t json_len = nul ? (size_t)(nul - data) : size;
  blob b = { nul ? nul + 1 : data + size, nul ? size - json_len - 1 : 0, 0 };
  mien_error err = { 0 };
  mien_weights *w = mien_weights_parse_tfjs ((const char *)data, json_len,
                                             "fuzz", read_blob, &b, &err);
  if (w != NULL)
    {
      for (int i = 0; i < mien_weights_count (w); i++)
        {
          const mien_tensor *t = mien_weights_tensor (w, i);
          volatile float sink = t->data[mien_tensor_n_elements (t) - 1];
          (void)sink;
        }
      mien_weights_free (w);
    }
  else if (err.status == MIEN_OK || err.message[0] == '\0')
    abort (); /* a refusal must say why */
  return 0;
}
