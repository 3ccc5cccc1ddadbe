/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-nn.h"

#include <stdlib.h>
#include <string.h>

struct mien_nn {
  mien_nn_backend *backend;
  mien_nn_backend *fallback; /* CPU, created when backend is not the CPU */
  int lazy_outputs;
  mien_error error;
};

mien_nn *
mien_nn_new (mien_nn_backend *backend, mien_error *err)
{
  mien_nn *nn = calloc (1, sizeof *nn);
  if (nn == NULL)
    {
      mien_nn_backend_free (backend);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  nn->backend = backend != NULL ? backend
                                : mien_nn_cpu_backend_new (NULL, 0, err);
  if (nn->backend != NULL && !mien_nn_backend_is_cpu (nn->backend))
    nn->fallback = mien_nn_cpu_backend_new (NULL, 0, err);
  if (nn->backend == NULL
      || (!mien_nn_backend_is_cpu (nn->backend) && nn->fallback == NULL))
    {
      mien_nn_free (nn);
      return NULL;
    }
  return nn;
}

void
mien_nn_free (mien_nn *nn)
{
  if (nn == NULL)
    return;
  mien_nn_backend_free (nn->backend);
  mien_nn_backend_free (nn->fallback);
  free (nn);
}

mien_nn_backend *
mien_nn_get_backend (mien_nn *nn)
{
  return nn->backend;
}

void
mien_nn_set_lazy_outputs (mien_nn *nn, int lazy)
{
  nn->lazy_outputs = lazy != 0;
}

int
mien_nn_failed (const mien_nn *nn)
{
  return nn->error.status != MIEN_OK;
}

mien_status
mien_nn_take_error (mien_nn *nn, mien_error *err)
{
  mien_status s = nn->error.status;
  if (s != MIEN_OK && err != NULL)
    *err = nn->error;
  mien_error_clear (&nn->error);
  return s;
}

void
mien_nn_fail (mien_nn *nn, const mien_error *err)
{
  if (nn->error.status == MIEN_OK && err != NULL && err->status != MIEN_OK)
    nn->error = *err;
}

mien_tensor *
mien_nn_run (mien_nn *nn, const mien_nn_op *op_in)
{
  if (mien_nn_failed (nn))
    return NULL;
  /* A NULL input means an earlier call failed; that error is recorded. */
  if (op_in->src[0] == NULL)
    return NULL;
  mien_nn_op op = *op_in;
  int rank, dims[MIEN_TENSOR_MAX_RANK];
  if (mien_nn_op_infer_shape (&op, &rank, dims, &nn->error) != MIEN_OK)
    return NULL;
  op.dst = mien_tensor_new (rank, dims, &nn->error);
  if (op.dst == NULL)
    return NULL;
  mien_nn_backend *backend = nn->backend;
  if (!mien_nn_backend_supports_op (backend, &op) && nn->fallback != NULL)
    backend = nn->fallback;
  if (mien_nn_backend_compute (backend, &op, &nn->error) != MIEN_OK
      || (!nn->lazy_outputs
          && mien_tensor_host (op.dst, &nn->error) == NULL))
    {
      mien_tensor_free (op.dst);
      return NULL;
    }
  return op.dst;
}

void
mien_nn_same_padding (int in, int kernel, int stride, int *before, int *after)
{
  int out = (in + stride - 1) / stride;
  int total = (out - 1) * stride + kernel - in;
  if (total < 0)
    total = 0;
  *before = total / 2;
  *after = total - *before;
}

static void
set_window (mien_nn_op *op, const mien_tensor *x, int kh, int kw, int stride,
            mien_nn_padding padding)
{
  mien_nn_op_params *p = &op->params;
  p->stride_h = p->stride_w = stride;
  if (padding.mode == MIEN_NN_PADDING_EXPLICIT)
    {
      p->pad_top = padding.top;
      p->pad_bottom = padding.bottom;
      p->pad_left = padding.left;
      p->pad_right = padding.right;
    }
  else if (padding.mode == MIEN_NN_PADDING_SAME && x != NULL && x->rank == 4
           && stride > 0)
    {
      mien_nn_same_padding (x->dims[1], kh, stride, &p->pad_top,
                            &p->pad_bottom);
      mien_nn_same_padding (x->dims[2], kw, stride, &p->pad_left,
                            &p->pad_right);
    }
}

static int
filter_dim (const mien_tensor *filter, int i)
{
  return filter != NULL && filter->rank == 4 ? filter->dims[i] : 1;
}

static mien_tensor *
run_conv (mien_nn *nn, mien_nn_op_type type, const mien_tensor *x,
          const mien_tensor *filter, const mien_tensor *bias, int stride,
          mien_nn_padding padding, mien_nn_act act)
{
  if (filter == NULL)
    return NULL;
  mien_nn_op op = { .type = type, .src = { x, filter, bias } };
  set_window (&op, x, filter_dim (filter, 0), filter_dim (filter, 1), stride,
              padding);
  op.params.act = act;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_conv2d (mien_nn *nn, const mien_tensor *x, const mien_tensor *filter,
                const mien_tensor *bias, int stride, mien_nn_padding padding,
                mien_nn_act act)
{
  return run_conv (nn, MIEN_NN_OP_CONV2D, x, filter, bias, stride, padding,
                   act);
}

mien_tensor *
mien_nn_depthwise_conv2d (mien_nn *nn, const mien_tensor *x,
                          const mien_tensor *filter, const mien_tensor *bias,
                          int stride, mien_nn_padding padding, mien_nn_act act)
{
  return run_conv (nn, MIEN_NN_OP_DEPTHWISE_CONV2D, x, filter, bias, stride,
                   padding, act);
}

mien_tensor *
mien_nn_separable_conv2d (mien_nn *nn, const mien_tensor *x,
                          const mien_tensor *depthwise,
                          const mien_tensor *pointwise,
                          const mien_tensor *bias, int stride,
                          mien_nn_padding padding, mien_nn_act act)
{
  mien_tensor *d = mien_nn_depthwise_conv2d (nn, x, depthwise, NULL, stride,
                                             padding, MIEN_NN_NO_ACT);
  mien_tensor *y = mien_nn_conv2d (nn, d, pointwise, bias, 1,
                                   mien_nn_padding_valid (), act);
  mien_tensor_free (d);
  return y;
}

mien_tensor *
mien_nn_conv2d_transpose (mien_nn *nn, const mien_tensor *x,
                          const mien_tensor *filter, const mien_tensor *bias,
                          int stride, mien_nn_padding padding, mien_nn_act act)
{
  if (padding.mode == MIEN_NN_PADDING_SAME)
    {
      mien_error e;
      mien_error_set (&e, MIEN_ERR_INVALID,
                      "conv2d_transpose: give explicit padding");
      mien_nn_fail (nn, &e);
      return NULL;
    }
  return run_conv (nn, MIEN_NN_OP_CONV2D_TRANSPOSE, x, filter, bias, stride,
                   padding, act);
}

mien_tensor *
mien_nn_fully_connected (mien_nn *nn, const mien_tensor *x,
                         const mien_tensor *weights, const mien_tensor *bias,
                         mien_nn_act act)
{
  if (weights == NULL)
    return NULL;
  mien_nn_op op = { .type = MIEN_NN_OP_FULLY_CONNECTED,
                    .src = { x, weights, bias } };
  op.params.act = act;
  return mien_nn_run (nn, &op);
}

static mien_tensor *
run_pool (mien_nn *nn, mien_nn_op_type type, const mien_tensor *x, int kernel,
          int stride, mien_nn_padding padding, int count_include_pad)
{
  mien_nn_op op = { .type = type, .src = { x } };
  op.params.kernel_h = op.params.kernel_w = kernel;
  op.params.count_include_pad = count_include_pad;
  set_window (&op, x, kernel, kernel, stride, padding);
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_max_pool (mien_nn *nn, const mien_tensor *x, int kernel, int stride,
                  mien_nn_padding padding)
{
  return run_pool (nn, MIEN_NN_OP_MAX_POOL, x, kernel, stride, padding, 0);
}

mien_tensor *
mien_nn_avg_pool (mien_nn *nn, const mien_tensor *x, int kernel, int stride,
                  mien_nn_padding padding, int count_include_pad)
{
  return run_pool (nn, MIEN_NN_OP_AVG_POOL, x, kernel, stride, padding,
                   count_include_pad);
}

mien_tensor *
mien_nn_global_avg_pool (mien_nn *nn, const mien_tensor *x)
{
  mien_nn_op op = { .type = MIEN_NN_OP_GLOBAL_AVG_POOL, .src = { x } };
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_add (mien_nn *nn, const mien_tensor *a, const mien_tensor *b,
             mien_nn_act act)
{
  if (b == NULL)
    return NULL;
  mien_nn_op op = { .type = MIEN_NN_OP_ADD, .src = { a, b } };
  op.params.act = act;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_channel_affine (mien_nn *nn, const mien_tensor *x,
                        const mien_tensor *scale, const mien_tensor *shift,
                        mien_nn_act act)
{
  mien_nn_op op = { .type = MIEN_NN_OP_CHANNEL_AFFINE,
                    .src = { x, scale, shift } };
  op.params.act = act;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_activation (mien_nn *nn, const mien_tensor *x, mien_nn_act act)
{
  mien_nn_op op = { .type = MIEN_NN_OP_ACTIVATION, .src = { x } };
  op.params.act = act;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_concat (mien_nn *nn, const mien_tensor *a, const mien_tensor *b,
                int axis)
{
  if (b == NULL)
    return NULL;
  mien_nn_op op = { .type = MIEN_NN_OP_CONCAT, .src = { a, b } };
  op.params.axis = axis;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_pad (mien_nn *nn, const mien_tensor *x, const int pads[][2],
             float value)
{
  mien_nn_op op = { .type = MIEN_NN_OP_PAD, .src = { x } };
  if (x != NULL)
    memcpy (op.params.pads, pads, (size_t)x->rank * sizeof pads[0]);
  op.params.pad_value = value;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_instance_norm (mien_nn *nn, const mien_tensor *x,
                       const mien_tensor *gamma, const mien_tensor *beta,
                       float eps, mien_nn_act act)
{
  mien_nn_op op = { .type = MIEN_NN_OP_INSTANCE_NORM,
                    .src = { x, gamma, beta } };
  op.params.eps = eps;
  op.params.act = act;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_resize_bilinear (mien_nn *nn, const mien_tensor *x, int out_h,
                         int out_w, int align_corners, int half_pixel_centers)
{
  mien_nn_op op = { .type = MIEN_NN_OP_RESIZE_BILINEAR, .src = { x } };
  op.params.out_h = out_h;
  op.params.out_w = out_w;
  op.params.align_corners = align_corners;
  op.params.half_pixel_centers = half_pixel_centers;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_upsample_nearest (mien_nn *nn, const mien_tensor *x, int scale_h,
                          int scale_w)
{
  mien_nn_op op = { .type = MIEN_NN_OP_UPSAMPLE_NEAREST, .src = { x } };
  op.params.scale_h = scale_h;
  op.params.scale_w = scale_w;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_bilinear_sample (mien_nn *nn, const mien_tensor *x,
                         const mien_tensor *positions, int border_clamp)
{
  if (positions == NULL)
    return NULL;
  mien_nn_op op = { .type = MIEN_NN_OP_BILINEAR_SAMPLE,
                    .src = { x, positions } };
  op.params.border_clamp = border_clamp;
  return mien_nn_run (nn, &op);
}

mien_tensor *
mien_nn_softmax (mien_nn *nn, const mien_tensor *x)
{
  mien_nn_op op = { .type = MIEN_NN_OP_SOFTMAX, .src = { x } };
  return mien_nn_run (nn, &op);
}
