/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared between the parts of the CPU backend: mien-nn-cpu.c (the backend
 * table, pooling, elementwise, layout, instance norm, softmax),
 * mien-nn-cpu-conv.c and mien-nn-cpu-resample.c. Not for callers. */
#pragma once

#include <stddef.h>

#include "mien-nn-cpu.h"
#include "mien-nn-op.h"

/* The CPU backend's simple loops (bias, activation, elementwise, depthwise)
 * are built again for AVX2 and AVX-512 and chosen when the program loads
 * (GCC's target_clones, an ifunc): wider vectors for the same operations,
 * lane by lane, so the results are the baseline build's bit for bit. FMA is
 * deliberately not among the targets: a fused multiply-add rounds once
 * where the baseline rounds twice. In a tracking run these loops took a
 * third of the CPU at SSE2 width (issue #23). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) \
    && !defined(MIEN_NN_NO_CLONES)
#define MIEN_NN_CLONES __attribute__ ((target_clones ("default", "avx2", "avx512f")))
#else
#define MIEN_NN_CLONES
#endif

/* act over n values in place, with the switch outside the loop so that the
 * common activations (none, ReLU, leaky ReLU) are plain vector loops; the
 * same value per element as mien_nn_act_apply. */
static inline __attribute__ ((always_inline)) void
mien_nn_act_row (float *v, size_t n, mien_nn_act act)
{
  switch (act.type)
    {
    case MIEN_NN_ACT_NONE:
      return;
    case MIEN_NN_ACT_RELU:
      for (size_t i = 0; i < n; i++)
        v[i] = v[i] > 0.0f ? v[i] : 0.0f;
      return;
    case MIEN_NN_ACT_LEAKY_RELU:
      {
        const float alpha = act.alpha;
        for (size_t i = 0; i < n; i++)
          v[i] = v[i] < 0.0f ? alpha * v[i] : v[i];
        return;
      }
    default:
      for (size_t i = 0; i < n; i++)
        v[i] = mien_nn_act_apply (act, v[i]);
      return;
    }
}

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
