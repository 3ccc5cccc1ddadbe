/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The neural-network runtime's tensor: float32, row-major, up to rank 4.
 * Activations are rank 4 in NHWC order (batch, height, width, channels), the
 * layout of TensorFlow and of the face-api weights, so that a convolution's
 * patch of one output pixel is contiguous per input row and HWIO filters are
 * GEMM matrices as stored. Filters are HWIO, fully connected weights [in,
 * out], biases [out]. */
#pragma once

#include <stddef.h>

#include "../mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIEN_TENSOR_MAX_RANK 4
/* 2^28 floats = 1 GiB: far above any activation of the face models or the
 * generator, low enough that a corrupt shape is refused instead of
 * exhausting memory. */
#define MIEN_TENSOR_MAX_ELEMENTS ((size_t)1 << 28)

typedef struct mien_tensor {
  int rank;
  int dims[MIEN_TENSOR_MAX_RANK];
  float *data;  /* host memory, n_elements floats (NULL for a device-only tensor) */
  void *device; /* a backend's own buffer, NULL for host tensors */
} mien_tensor;

/* Checks rank and dimensions (all > 0, product within the limit). */
mien_status mien_tensor_check_dims (int rank, const int *dims,
                                    mien_error *err);
mien_tensor *mien_tensor_new (int rank, const int *dims, mien_error *err);
mien_tensor *mien_tensor_new_zeroed (int rank, const int *dims,
                                     mien_error *err);
mien_tensor *mien_tensor_new_4d (int n, int h, int w, int c, mien_error *err);
mien_tensor *mien_tensor_copy (const mien_tensor *src, mien_error *err);
void mien_tensor_free (mien_tensor *tensor);

size_t mien_tensor_n_elements (const mien_tensor *tensor);
int mien_tensor_same_shape (const mien_tensor *a, const mien_tensor *b);
/* Writes "[3,3,16,32]" into buf. */
const char *mien_tensor_shape_string (const mien_tensor *tensor, char *buf,
                                      size_t size);

/* NHWC accessors for rank-4 tensors. */
static inline int mien_tensor_n (const mien_tensor *t) { return t->dims[0]; }
static inline int mien_tensor_h (const mien_tensor *t) { return t->dims[1]; }
static inline int mien_tensor_w (const mien_tensor *t) { return t->dims[2]; }
static inline int mien_tensor_c (const mien_tensor *t) { return t->dims[3]; }

#ifdef __cplusplus
}
#endif
