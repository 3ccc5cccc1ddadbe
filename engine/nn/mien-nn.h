/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Eager execution of ops: each call builds an op, allocates its output,
 * runs it on the context's backend (or on the CPU backend when that backend
 * does not support it) and returns the new tensor, which the caller frees.
 *
 * Errors are sticky, so that a network reads as a straight sequence of
 * calls: the first failure is recorded in the context, that call and every
 * later one return NULL (NULL inputs are accepted and give NULL), and the
 * caller checks once with mien_nn_take_error. */
#pragma once

#include "mien-nn-backend.h"
#include "mien-nn-cpu.h"
#include "mien-nn-op.h"
#include "mien-tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_nn mien_nn;

/* Takes ownership of backend; NULL creates a CPU backend on the default
 * pool. */
mien_nn *mien_nn_new (mien_nn_backend *backend, mien_error *err);
void mien_nn_free (mien_nn *nn);
mien_nn_backend *mien_nn_get_backend (mien_nn *nn);

/* With a backend that keeps device copies (CUDA), each op's output stays
 * on the device and the next op reads it there. By default every returned
 * tensor's data is also current on the host (one copy back per op). With
 * lazy set, it is not: the caller reads data through mien_tensor_host
 * (which copies it back then), and intermediate results never leave the
 * device. Ops on the CPU copy their inputs back themselves. */
void mien_nn_set_lazy_outputs (mien_nn *nn, int lazy);

/* 1 once an op has failed. */
int mien_nn_failed (const mien_nn *nn);
/* Copies the recorded error to err (if any), clears it and returns its
 * status (MIEN_OK when nothing failed). */
mien_status mien_nn_take_error (mien_nn *nn, mien_error *err);
/* Records an error from the caller's own code (e.g. a bad model shape). */
void mien_nn_fail (mien_nn *nn, const mien_error *err);

/* Runs a prepared op (its dst is ignored and allocated here). */
mien_tensor *mien_nn_run (mien_nn *nn, const mien_nn_op *op);

typedef enum mien_nn_padding_mode {
  MIEN_NN_PADDING_VALID = 0,
  MIEN_NN_PADDING_SAME,     /* TensorFlow: extra row/column at the end */
  MIEN_NN_PADDING_EXPLICIT,
} mien_nn_padding_mode;

typedef struct mien_nn_padding {
  mien_nn_padding_mode mode;
  int top, bottom, left, right; /* MIEN_NN_PADDING_EXPLICIT */
} mien_nn_padding;

static inline mien_nn_padding
mien_nn_padding_valid (void)
{
  mien_nn_padding p = { MIEN_NN_PADDING_VALID, 0, 0, 0, 0 };
  return p;
}

static inline mien_nn_padding
mien_nn_padding_same (void)
{
  mien_nn_padding p = { MIEN_NN_PADDING_SAME, 0, 0, 0, 0 };
  return p;
}

static inline mien_nn_padding
mien_nn_padding_explicit (int top, int bottom, int left, int right)
{
  mien_nn_padding p = { MIEN_NN_PADDING_EXPLICIT, top, bottom, left, right };
  return p;
}

static inline mien_nn_act
mien_nn_act_make (mien_nn_act_type type, float alpha)
{
  mien_nn_act a = { type, alpha };
  return a;
}

#define MIEN_NN_NO_ACT mien_nn_act_make (MIEN_NN_ACT_NONE, 0.0f)
#define MIEN_NN_RELU mien_nn_act_make (MIEN_NN_ACT_RELU, 0.0f)

/* TensorFlow's SAME padding of one axis: the output has ceil(in / stride)
 * samples and an odd total padding puts the extra sample after. */
void mien_nn_same_padding (int in, int kernel, int stride, int *before,
                           int *after);

mien_tensor *mien_nn_conv2d (mien_nn *nn, const mien_tensor *x,
                             const mien_tensor *filter,
                             const mien_tensor *bias, int stride,
                             mien_nn_padding padding, mien_nn_act act);
mien_tensor *mien_nn_depthwise_conv2d (mien_nn *nn, const mien_tensor *x,
                                       const mien_tensor *filter,
                                       const mien_tensor *bias, int stride,
                                       mien_nn_padding padding,
                                       mien_nn_act act);
/* Depthwise (no bias) then pointwise with bias and activation, as
 * tf.separableConv2d followed by a bias add. */
mien_tensor *mien_nn_separable_conv2d (mien_nn *nn, const mien_tensor *x,
                                       const mien_tensor *depthwise,
                                       const mien_tensor *pointwise,
                                       const mien_tensor *bias, int stride,
                                       mien_nn_padding padding,
                                       mien_nn_act act);
/* padding must be VALID or EXPLICIT (cropped from the full output). */
mien_tensor *mien_nn_conv2d_transpose (mien_nn *nn, const mien_tensor *x,
                                       const mien_tensor *filter,
                                       const mien_tensor *bias, int stride,
                                       mien_nn_padding padding,
                                       mien_nn_act act);
mien_tensor *mien_nn_fully_connected (mien_nn *nn, const mien_tensor *x,
                                      const mien_tensor *weights,
                                      const mien_tensor *bias,
                                      mien_nn_act act);
mien_tensor *mien_nn_max_pool (mien_nn *nn, const mien_tensor *x, int kernel,
                               int stride, mien_nn_padding padding);
mien_tensor *mien_nn_avg_pool (mien_nn *nn, const mien_tensor *x, int kernel,
                               int stride, mien_nn_padding padding,
                               int count_include_pad);
mien_tensor *mien_nn_global_avg_pool (mien_nn *nn, const mien_tensor *x);
mien_tensor *mien_nn_add (mien_nn *nn, const mien_tensor *a,
                          const mien_tensor *b, mien_nn_act act);
mien_tensor *mien_nn_channel_affine (mien_nn *nn, const mien_tensor *x,
                                     const mien_tensor *scale,
                                     const mien_tensor *shift,
                                     mien_nn_act act);
mien_tensor *mien_nn_activation (mien_nn *nn, const mien_tensor *x,
                                 mien_nn_act act);
mien_tensor *mien_nn_concat (mien_nn *nn, const mien_tensor *a,
                             const mien_tensor *b, int axis);
mien_tensor *mien_nn_pad (mien_nn *nn, const mien_tensor *x,
                          const int pads[][2], float value);
mien_tensor *mien_nn_instance_norm (mien_nn *nn, const mien_tensor *x,
                                    const mien_tensor *gamma,
                                    const mien_tensor *beta, float eps,
                                    mien_nn_act act);
mien_tensor *mien_nn_resize_bilinear (mien_nn *nn, const mien_tensor *x,
                                      int out_h, int out_w, int align_corners,
                                      int half_pixel_centers);
mien_tensor *mien_nn_upsample_nearest (mien_nn *nn, const mien_tensor *x,
                                       int scale_h, int scale_w);
mien_tensor *mien_nn_bilinear_sample (mien_nn *nn, const mien_tensor *x,
                                      const mien_tensor *positions,
                                      int border_clamp);
mien_tensor *mien_nn_softmax (mien_nn *nn, const mien_tensor *x);

#ifdef __cplusplus
}
#endif
