/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Operations of the runtime, as data: an enum of op types, one parameter
 * struct, and the op record (sources, destination, parameters) that a backend
 * executes. Ops are general (any stride, padding, kernel size, activation)
 * so that the face models and the ATW generator run through the same set.
 * Every op reads and writes float32 tensors; activations are NHWC. */
#pragma once

#include <math.h>

#include "mien-tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mien_nn_op_type {
  /* src0 x [N,H,W,Ci], src1 filter [KH,KW,Ci,Co], src2 bias [Co] or NULL. */
  MIEN_NN_OP_CONV2D = 0,
  /* src1 filter [KH,KW,C,M] (TensorFlow layout, M = channel multiplier),
   * output channel c*M+m; src2 bias [C*M] or NULL. */
  MIEN_NN_OP_DEPTHWISE_CONV2D,
  /* Transposed convolution (the gradient of CONV2D with the same
   * parameters): src1 filter [KH,KW,Co,Ci] (TensorFlow layout), output size
   * (H-1)*stride + KH - pad_top - pad_bottom (same for W). */
  MIEN_NN_OP_CONV2D_TRANSPOSE,
  /* src0 [N,...] flattened to [N,K], src1 weights [K,M], src2 bias [M] or
   * NULL; output [N,M]. */
  MIEN_NN_OP_FULLY_CONNECTED,
  /* Pooling over kernel_h × kernel_w windows; padded cells never win a max
   * and, unless count_include_pad, do not count in an average (TF). */
  MIEN_NN_OP_MAX_POOL,
  MIEN_NN_OP_AVG_POOL,
  /* Mean over H and W: [N,H,W,C] → [N,1,1,C]. */
  MIEN_NN_OP_GLOBAL_AVG_POOL,
  /* Elementwise src0 + src1 (same shape), then the activation. */
  MIEN_NN_OP_ADD,
  /* Per-channel x·src1[c] + src2[c] (either may be NULL), then the
   * activation: bias, scale layers and folded batch norm. */
  MIEN_NN_OP_CHANNEL_AFFINE,
  /* The activation alone. */
  MIEN_NN_OP_ACTIVATION,
  /* src0 ++ src1 along axis. */
  MIEN_NN_OP_CONCAT,
  /* Constant padding: pads[axis][0] before and pads[axis][1] after. */
  MIEN_NN_OP_PAD,
  /* Per (n, c) over H·W: (x − mean) / sqrt(var + eps), times src1[c] plus
   * src2[c] when given; biased variance, as PyTorch's InstanceNorm2d. */
  MIEN_NN_OP_INSTANCE_NORM,
  /* Bilinear resize to out_h × out_w with TensorFlow's align_corners and
   * half_pixel_centers semantics (both 0: the legacy mapping src = dst ·
   * in/out that face-api's models were trained with). */
  MIEN_NN_OP_RESIZE_BILINEAR,
  /* Nearest-neighbour up-sampling by integer factors scale_h, scale_w. */
  MIEN_NN_OP_UPSAMPLE_NEAREST,
  /* Bilinear sampling: src1 [N,Ho,Wo,2] holds (x, y) positions in pixels of
   * src0 (pixel centres at integers); positions outside read zeros, or the
   * nearest border pixel when border_clamp. Output [N,Ho,Wo,C]. */
  MIEN_NN_OP_BILINEAR_SAMPLE,
  /* Softmax over the last axis. */
  MIEN_NN_OP_SOFTMAX,
  MIEN_NN_OP_COUNT
} mien_nn_op_type;

typedef enum mien_nn_act_type {
  MIEN_NN_ACT_NONE = 0,
  MIEN_NN_ACT_RELU,
  MIEN_NN_ACT_LEAKY_RELU, /* x < 0 ? alpha·x : x */
  MIEN_NN_ACT_ELU,        /* x < 0 ? alpha·(e^x − 1) : x */
  MIEN_NN_ACT_TANH,
  MIEN_NN_ACT_SIGMOID,
} mien_nn_act_type;

typedef struct mien_nn_act {
  mien_nn_act_type type;
  float alpha;
} mien_nn_act;

typedef struct mien_nn_op_params {
  int stride_h, stride_w;
  int kernel_h, kernel_w; /* pooling */
  int pad_top, pad_bottom, pad_left, pad_right;
  int count_include_pad; /* average pooling */
  mien_nn_act act;
  int axis;              /* concat */
  int pads[MIEN_TENSOR_MAX_RANK][2];
  float pad_value;
  float eps;             /* instance norm */
  int out_h, out_w;      /* resize */
  int align_corners, half_pixel_centers;
  int scale_h, scale_w;  /* nearest up-sampling */
  int border_clamp;      /* bilinear sampling */
} mien_nn_op_params;

typedef struct mien_nn_op {
  mien_nn_op_type type;
  const mien_tensor *src[3];
  mien_tensor *dst;
  mien_nn_op_params params;
} mien_nn_op;

const char *mien_nn_op_type_name (mien_nn_op_type type);

/* Checks the sources and computes the destination's shape; fills err with
 * what is inconsistent. Backends may rely on ops that passed this. */
mien_status mien_nn_op_infer_shape (const mien_nn_op *op, int *rank,
                                    int dims[MIEN_TENSOR_MAX_RANK],
                                    mien_error *err);

/* Applies an activation to one value. Inline, because it runs once per
 * output value of every convolution: as a call into another file (and a
 * switch per value) it took 8.6 % of a video tracking run. Inlined, the
 * compiler moves the switch out of the loops. */
static inline float
mien_nn_act_apply (mien_nn_act act, float x)
{
  switch (act.type)
    {
    case MIEN_NN_ACT_NONE: return x;
    case MIEN_NN_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case MIEN_NN_ACT_LEAKY_RELU: return x < 0.0f ? act.alpha * x : x;
    case MIEN_NN_ACT_ELU: return x < 0.0f ? act.alpha * expm1f (x) : x;
    case MIEN_NN_ACT_TANH: return tanhf (x);
    case MIEN_NN_ACT_SIGMOID: return 1.0f / (1.0f + expf (-x));
    }
  return x;
}

#ifdef __cplusplus
}
#endif
