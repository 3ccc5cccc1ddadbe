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

/* A backend's copy of the tensor (mien-nn-residency.h). */
typedef struct mien_tensor_device mien_tensor_device;

typedef struct mien_tensor {
  int rank;
  int dims[MIEN_TENSOR_MAX_RANK];
  float *data; /* host memory, n_elements floats */
  /* A backend's copy (CUDA), NULL for none. When it is newer than data (an
   * op's output left on the device), read data through mien_tensor_host. */
  mien_tensor_device *device;
  /* 1: the values never change while the tensor lives (weights; set by
   * mien_weights), so a backend may keep its copy for good. */
  int constant;
} mien_tensor;

/* Checks rank and dimensions (all > 0, product within the limit). */
mien_status mien_tensor_check_dims (int rank, const int *dims,
                                    mien_error *err);
mien_tensor *mien_tensor_new (int rank, const int *dims, mien_error *err);
mien_tensor *mien_tensor_new_zeroed (int rank, const int *dims,
                                     mien_error *err);
mien_tensor *mien_tensor_new_4d (int n, int h, int w, int c, mien_error *err);
/* Copies the values (made current on the host first); no device copy. */
mien_tensor *mien_tensor_copy (const mien_tensor *src, mien_error *err);
/* Frees the tensor and any backend's copy of it. */
void mien_tensor_free (mien_tensor *tensor);

/* The host values, current: copies a backend's newer copy back first.
 * Tensors from mien_nn calls are current unless the context was told
 * otherwise (mien_nn_set_lazy_outputs). NULL with err if the copy fails. */
float *mien_tensor_host (mien_tensor *tensor, mien_error *err);
/* Drops a backend's copy of the tensor, keeping data as it is. Call it
 * after writing into data of a tensor a backend may hold (an op's output
 * used as the input of a later op), and before freeing a tensor that was
 * not made by mien_tensor_new. */
void mien_tensor_drop_device (mien_tensor *tensor);

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
