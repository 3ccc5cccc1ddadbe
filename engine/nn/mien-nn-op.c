/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-nn-op.h"

#include <math.h>
#include <string.h>

const char *
mien_nn_op_type_name (mien_nn_op_type type)
{
  switch (type)
    {
    case MIEN_NN_OP_CONV2D: return "conv2d";
    case MIEN_NN_OP_DEPTHWISE_CONV2D: return "depthwise_conv2d";
    case MIEN_NN_OP_CONV2D_TRANSPOSE: return "conv2d_transpose";
    case MIEN_NN_OP_FULLY_CONNECTED: return "fully_connected";
    case MIEN_NN_OP_MAX_POOL: return "max_pool";
    case MIEN_NN_OP_AVG_POOL: return "avg_pool";
    case MIEN_NN_OP_GLOBAL_AVG_POOL: return "global_avg_pool";
    case MIEN_NN_OP_ADD: return "add";
    case MIEN_NN_OP_CHANNEL_AFFINE: return "channel_affine";
    case MIEN_NN_OP_ACTIVATION: return "activation";
    case MIEN_NN_OP_CONCAT: return "concat";
    case MIEN_NN_OP_PAD: return "pad";
    case MIEN_NN_OP_INSTANCE_NORM: return "instance_norm";
    case MIEN_NN_OP_RESIZE_BILINEAR: return "resize_bilinear";
    case MIEN_NN_OP_UPSAMPLE_NEAREST: return "upsample_nearest";
    case MIEN_NN_OP_BILINEAR_SAMPLE: return "bilinear_sample";
    case MIEN_NN_OP_SOFTMAX: return "softmax";
    case MIEN_NN_OP_COUNT: break;
    }
  return "unknown";
}

static mien_status
need_rank (const mien_nn_op *op, int i, int rank, mien_error *err)
{
  const mien_tensor *t = op->src[i];
  if (t == NULL)
    return mien_error_set (err, MIEN_ERR_INVALID, "%s: input %d is missing",
                           mien_nn_op_type_name (op->type), i);
  if (rank > 0 && t->rank != rank)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "%s: input %d has rank %d, expected %d",
                           mien_nn_op_type_name (op->type), i, t->rank, rank);
  return MIEN_OK;
}

static mien_status
need_vector (const mien_nn_op *op, int i, int length, mien_error *err)
{
  const mien_tensor *t = op->src[i];
  if (t == NULL)
    return MIEN_OK; /* optional */
  if (t->rank != 1 || t->dims[0] != length)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "%s: input %d must be a vector of %d",
                           mien_nn_op_type_name (op->type), i, length);
  return MIEN_OK;
}

static mien_status
bad (const mien_nn_op *op, const char *what, mien_error *err)
{
  return mien_error_set (err, MIEN_ERR_INVALID, "%s: %s",
                         mien_nn_op_type_name (op->type), what);
}

static int
pads_ok (const mien_nn_op_params *p)
{
  return p->pad_top >= 0 && p->pad_bottom >= 0 && p->pad_left >= 0
         && p->pad_right >= 0;
}

/* Output extent of a window op; 0 or less when the window does not fit. */
static int
window_out (int in, int pad0, int pad1, int k, int stride)
{
  long span = (long)in + pad0 + pad1 - k;
  if (span < 0)
    return 0;
  return (int)(span / stride + 1);
}

static mien_status
infer_window (const mien_nn_op *op, int kh, int kw, int out_c, int *rank,
              int *dims, mien_error *err)
{
  const mien_nn_op_params *p = &op->params;
  if (p->stride_h < 1 || p->stride_w < 1 || !pads_ok (p) || kh < 1 || kw < 1)
    return bad (op, "stride, kernel and padding must be positive", err);
  const mien_tensor *x = op->src[0];
  int oh = window_out (x->dims[1], p->pad_top, p->pad_bottom, kh, p->stride_h);
  int ow = window_out (x->dims[2], p->pad_left, p->pad_right, kw, p->stride_w);
  if (oh < 1 || ow < 1)
    return bad (op, "the kernel is larger than the padded input", err);
  *rank = 4;
  dims[0] = x->dims[0];
  dims[1] = oh;
  dims[2] = ow;
  dims[3] = out_c;
  return MIEN_OK;
}

static mien_status
infer_conv (const mien_nn_op *op, int *rank, int *dims, mien_error *err)
{
  if (need_rank (op, 0, 4, err) || need_rank (op, 1, 4, err))
    return err ? err->status : MIEN_ERR_INVALID;
  const mien_tensor *x = op->src[0], *w = op->src[1];
  int out_c;
  switch (op->type)
    {
    case MIEN_NN_OP_CONV2D:
      if (w->dims[2] != x->dims[3])
        return bad (op, "filter input channels differ from the input's", err);
      out_c = w->dims[3];
      break;
    case MIEN_NN_OP_DEPTHWISE_CONV2D:
      if (w->dims[2] != x->dims[3])
        return bad (op, "filter channels differ from the input's", err);
      out_c = w->dims[2] * w->dims[3];
      break;
    default:
      return bad (op, "not a convolution", err);
    }
  if (need_vector (op, 2, out_c, err))
    return err ? err->status : MIEN_ERR_INVALID;
  return infer_window (op, w->dims[0], w->dims[1], out_c, rank, dims, err);
}

static mien_status
infer_conv_transpose (const mien_nn_op *op, int *rank, int *dims,
                      mien_error *err)
{
  if (need_rank (op, 0, 4, err) || need_rank (op, 1, 4, err))
    return err ? err->status : MIEN_ERR_INVALID;
  const mien_tensor *x = op->src[0], *w = op->src[1];
  const mien_nn_op_params *p = &op->params;
  if (w->dims[3] != x->dims[3])
    return bad (op, "filter input channels differ from the input's", err);
  if (p->stride_h < 1 || p->stride_w < 1 || !pads_ok (p))
    return bad (op, "stride and padding must be positive", err);
  long oh = (long)(x->dims[1] - 1) * p->stride_h + w->dims[0] - p->pad_top
            - p->pad_bottom;
  long ow = (long)(x->dims[2] - 1) * p->stride_w + w->dims[1] - p->pad_left
            - p->pad_right;
  if (oh < 1 || ow < 1 || oh > 1 << 24 || ow > 1 << 24)
    return bad (op, "output size out of range", err);
  if (need_vector (op, 2, w->dims[2], err))
    return err ? err->status : MIEN_ERR_INVALID;
  *rank = 4;
  dims[0] = x->dims[0];
  dims[1] = (int)oh;
  dims[2] = (int)ow;
  dims[3] = w->dims[2];
  return MIEN_OK;
}

static mien_status
infer_fully_connected (const mien_nn_op *op, int *rank, int *dims,
                       mien_error *err)
{
  if (need_rank (op, 0, 0, err) || need_rank (op, 1, 2, err))
    return err ? err->status : MIEN_ERR_INVALID;
  const mien_tensor *x = op->src[0], *w = op->src[1];
  size_t k = mien_tensor_n_elements (x) / (size_t)x->dims[0];
  if (x->rank < 2 || k != (size_t)w->dims[0])
    return bad (op, "input features differ from the weights' rows", err);
  if (need_vector (op, 2, w->dims[1], err))
    return err ? err->status : MIEN_ERR_INVALID;
  *rank = 2;
  dims[0] = x->dims[0];
  dims[1] = w->dims[1];
  return MIEN_OK;
}

static void
copy_shape (const mien_tensor *t, int *rank, int *dims)
{
  *rank = t->rank;
  memcpy (dims, t->dims, sizeof t->dims);
}

static mien_status
infer_concat (const mien_nn_op *op, int *rank, int *dims, mien_error *err)
{
  if (need_rank (op, 0, 0, err) || need_rank (op, 1, op->src[0]->rank, err))
    return err ? err->status : MIEN_ERR_INVALID;
  const mien_tensor *a = op->src[0], *b = op->src[1];
  int axis = op->params.axis;
  if (axis < 0 || axis >= a->rank)
    return bad (op, "axis out of range", err);
  for (int i = 0; i < a->rank; i++)
    if (i != axis && a->dims[i] != b->dims[i])
      return bad (op, "inputs differ outside the concatenation axis", err);
  copy_shape (a, rank, dims);
  dims[axis] = a->dims[axis] + b->dims[axis];
  return MIEN_OK;
}

static mien_status
infer_pad (const mien_nn_op *op, int *rank, int *dims, mien_error *err)
{
  if (need_rank (op, 0, 0, err))
    return err->status;
  copy_shape (op->src[0], rank, dims);
  for (int i = 0; i < *rank; i++)
    {
      const int *pp = op->params.pads[i];
      if (pp[0] < 0 || pp[1] < 0 || pp[0] > 1 << 24 || pp[1] > 1 << 24)
        return bad (op, "padding out of range", err);
      dims[i] += pp[0] + pp[1];
    }
  return MIEN_OK;
}

static mien_status
infer_sample (const mien_nn_op *op, int *rank, int *dims, mien_error *err)
{
  if (need_rank (op, 0, 4, err) || need_rank (op, 1, 4, err))
    return err ? err->status : MIEN_ERR_INVALID;
  const mien_tensor *x = op->src[0], *g = op->src[1];
  if (g->dims[0] != x->dims[0] || g->dims[3] != 2)
    return bad (op, "positions must be [N,H,W,2] with the input's N", err);
  *rank = 4;
  dims[0] = x->dims[0];
  dims[1] = g->dims[1];
  dims[2] = g->dims[2];
  dims[3] = x->dims[3];
  return MIEN_OK;
}

static mien_status
infer_resize (const mien_nn_op *op, int *rank, int *dims, mien_error *err)
{
  if (need_rank (op, 0, 4, err))
    return err ? err->status : MIEN_ERR_INVALID;
  const mien_nn_op_params *p = &op->params;
  copy_shape (op->src[0], rank, dims);
  if (op->type == MIEN_NN_OP_RESIZE_BILINEAR)
    {
      if (p->out_h < 1 || p->out_w < 1)
        return bad (op, "output size must be positive", err);
      dims[1] = p->out_h;
      dims[2] = p->out_w;
      return MIEN_OK;
    }
  if (p->scale_h < 1 || p->scale_w < 1 || p->scale_h > 1024 || p->scale_w > 1024)
    return bad (op, "scale factors must be in 1..1024", err);
  dims[1] *= p->scale_h;
  dims[2] *= p->scale_w;
  return MIEN_OK;
}

static mien_status
infer_shape (const mien_nn_op *op, int *rank, int *dims, mien_error *err)
{
  const mien_nn_op_params *p = &op->params;
  switch (op->type)
    {
    case MIEN_NN_OP_CONV2D:
    case MIEN_NN_OP_DEPTHWISE_CONV2D:
      return infer_conv (op, rank, dims, err);
    case MIEN_NN_OP_CONV2D_TRANSPOSE:
      return infer_conv_transpose (op, rank, dims, err);
    case MIEN_NN_OP_FULLY_CONNECTED:
      return infer_fully_connected (op, rank, dims, err);
    case MIEN_NN_OP_MAX_POOL:
    case MIEN_NN_OP_AVG_POOL:
      if (need_rank (op, 0, 4, err))
        return err->status;
      return infer_window (op, p->kernel_h, p->kernel_w, op->src[0]->dims[3],
                           rank, dims, err);
    case MIEN_NN_OP_GLOBAL_AVG_POOL:
      if (need_rank (op, 0, 4, err))
        return err->status;
      copy_shape (op->src[0], rank, dims);
      dims[1] = dims[2] = 1;
      return MIEN_OK;
    case MIEN_NN_OP_ADD:
      if (need_rank (op, 0, 0, err) || need_rank (op, 1, 0, err))
        return err->status;
      if (!mien_tensor_same_shape (op->src[0], op->src[1]))
        return bad (op, "inputs differ in shape", err);
      copy_shape (op->src[0], rank, dims);
      return MIEN_OK;
    case MIEN_NN_OP_CHANNEL_AFFINE:
    case MIEN_NN_OP_INSTANCE_NORM:
      if (need_rank (op, 0, op->type == MIEN_NN_OP_INSTANCE_NORM ? 4 : 0, err))
        return err->status;
      {
        int c = op->src[0]->dims[op->src[0]->rank - 1];
        if (need_vector (op, 1, c, err) || need_vector (op, 2, c, err))
          return err->status;
      }
      copy_shape (op->src[0], rank, dims);
      return MIEN_OK;
    case MIEN_NN_OP_ACTIVATION:
    case MIEN_NN_OP_SOFTMAX:
      if (need_rank (op, 0, 0, err))
        return err->status;
      copy_shape (op->src[0], rank, dims);
      return MIEN_OK;
    case MIEN_NN_OP_CONCAT:
      return infer_concat (op, rank, dims, err);
    case MIEN_NN_OP_PAD:
      return infer_pad (op, rank, dims, err);
    case MIEN_NN_OP_RESIZE_BILINEAR:
    case MIEN_NN_OP_UPSAMPLE_NEAREST:
      return infer_resize (op, rank, dims, err);
    case MIEN_NN_OP_BILINEAR_SAMPLE:
      return infer_sample (op, rank, dims, err);
    case MIEN_NN_OP_COUNT:
      break;
    }
  return bad (op, "unknown op", err);
}

mien_status
mien_nn_op_infer_shape (const mien_nn_op *op, int *rank,
                        int dims[MIEN_TENSOR_MAX_RANK], mien_error *err)
{
  /* need_rank and friends return err->status; give them a local error when
   * the caller passed none. */
  mien_error local;
  mien_error *e = err ? err : &local;
  memset (dims, 0, MIEN_TENSOR_MAX_RANK * sizeof (int));
  mien_status s = infer_shape (op, rank, dims, e);
  if (s != MIEN_OK)
    return s;
  return mien_tensor_check_dims (*rank, dims, err);
}
