/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared between the parts of the CPU backend: mien-nn-cpu.c (the backend
 * table, pooling, elementwise, layout, instance norm, softmax),
 * mien-nn-cpu-conv.c and mien-nn-cpu-resample.c. Not for callers. */
#pragma once

#include <stddef.h>

#include "mien-nn-cpu.h"
#include "mien-nn-op.h"

typedef struct mien_nn_cpu_backend {
  mien_nn_backend base;
  mien_pool *pool;
} mien_nn_cpu_backend;

static inline mien_pool *
mien_nn_cpu_pool_of (mien_nn_backend *backend)
{
  return ((mien_nn_cpu_backend *)backend)->pool;
}

static inline const float *
mien_nn_cpu_opt_data (const mien_tensor *t)
{
  return t != NULL ? t->data : NULL;
}

/* Bias and activation over the rows of a [rows, channels] matrix in place:
 * row · scale + shift, then act (scale, shift may be NULL). */
void mien_nn_cpu_run_epilogue (mien_pool *pool, float *data, size_t rows,
                               int channels, const float *scale,
                               const float *shift, mien_nn_act act);

/* mien-nn-cpu-conv.c */
mien_status mien_nn_cpu_conv2d (mien_nn_backend *backend, const mien_nn_op *op,
                                mien_error *err);
mien_status mien_nn_cpu_depthwise (mien_nn_backend *backend,
                                   const mien_nn_op *op, mien_error *err);
mien_status mien_nn_cpu_conv2d_transpose (mien_nn_backend *backend,
                                          const mien_nn_op *op,
                                          mien_error *err);
mien_status mien_nn_cpu_fully_connected (mien_nn_backend *backend,
                                         const mien_nn_op *op,
                                         mien_error *err);

/* mien-nn-cpu-resample.c: MIEN_NN_OP_RESIZE_BILINEAR,
 * MIEN_NN_OP_UPSAMPLE_NEAREST and MIEN_NN_OP_BILINEAR_SAMPLE. */
mien_status mien_nn_cpu_resample (mien_nn_backend *backend,
                                  const mien_nn_op *op);
