/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <cublas_v2.h>
#include <cudnn.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-cuda-nn.h"
#include "mien-cuda-private.h"
#include "mien-device.h"
#include "nn/mien-nn-cpu.h"
#include "nn/mien-nn-residency.h"

/* ---- kernels ----------------------------------------------------------------- */

struct act_dev {
  int type;
  float alpha;
};

/* mien_nn_act_apply. */
__device__ __forceinline__ float
act_apply (act_dev a, float x)
{
  switch (a.type)
    {
    case MIEN_NN_ACT_RELU: return x > 0.0f ? x : 0.0f;
    case MIEN_NN_ACT_LEAKY_RELU: return x < 0.0f ? a.alpha * x : x;
    case MIEN_NN_ACT_ELU: return x < 0.0f ? a.alpha * expm1f (x) : x;
    case MIEN_NN_ACT_TANH: return tanhf (x);
    case MIEN_NN_ACT_SIGMOID: return 1.0f / (1.0f + expf (-x));
    default: return x;
    }
}

/* y = act((x [+ b]) [· scale] [+ shift]) over n values of C channels. */
__global__ void
eltwise_kernel (const float *x, const float *b, const float *scale,
                const float *shift, float *y, size_t n, int C, act_dev act)
{
  size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  float v = x[i];
  if (b != nullptr)
    v += b[i];
  int c = (int)(i % (size_t)C);
  if (scale != nullptr)
    v *= scale[c];
  if (shift != nullptr)
    v += shift[c];
  y[i] = act_apply (act, v);
}

struct window {
  int N, H, W, C, OH, OW;
  int kh, kw, sh, sw, pt, pl;
};

/* The CPU's depthwise_rows: bias first, then taps in (ky, kx) order. */
__global__ void
depthwise_kernel (const float *x, const float *w, const float *bias,
                  float *y, window g, int M, act_dev act)
{
  size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  int OC = g.C * M;
  size_t total = (size_t)g.N * g.OH * g.OW * OC;
  if (i >= total)
    return;
  int oc = (int)(i % OC);
  size_t p = i / OC;
  int ox = (int)(p % g.OW), oy = (int)((p / g.OW) % g.OH);
  int n = (int)(p / ((size_t)g.OW * g.OH));
  int c = oc / M;
  float acc = bias != nullptr ? bias[oc] : 0.0f;
  const float *xn = x + (size_t)n * g.H * g.W * g.C;
  for (int ky = 0; ky < g.kh; ky++)
    {
      int iy = oy * g.sh - g.pt + ky;
      if (iy < 0 || iy >= g.H)
        continue;
      for (int kx = 0; kx < g.kw; kx++)
        {
          int ix = ox * g.sw - g.pl + kx;
          if (ix < 0 || ix >= g.W)
            continue;
          acc += xn[((size_t)iy * g.W + ix) * g.C + c]
                 * w[((size_t)ky * g.kw + kx) * OC + oc];
        }
    }
  y[i] = act_apply (act, acc);
}

/* The CPU's pool_rows. */
__global__ void
pool_kernel (const float *x, float *y, window g, int is_max,
             int count_include_pad)
{
  size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  size_t total = (size_t)g.N * g.OH * g.OW * g.C;
  if (i >= total)
    return;
  int c = (int)(i % g.C);
  size_t p = i / g.C;
  int ox = (int)(p % g.OW), oy = (int)((p / g.OW) % g.OH);
  int n = (int)(p / ((size_t)g.OW * g.OH));
  const float *xn = x + (size_t)n * g.H * g.W * g.C;
  float out = is_max ? -INFINITY : 0.0f;
  int count = 0;
  for (int ky = 0; ky < g.kh; ky++)
    {
      int iy = oy * g.sh - g.pt + ky;
      if (iy < 0 || iy >= g.H)
        continue;
      for (int kx = 0; kx < g.kw; kx++)
        {
          int ix = ox * g.sw - g.pl + kx;
          if (ix < 0 || ix >= g.W)
            continue;
          float v = xn[((size_t)iy * g.W + ix) * g.C + c];
          count++;
          if (is_max)
            out = v > out ? v : out;
          else
            out += v;
        }
    }
  if (is_max && count == 0)
    out = 0.0f;
  if (!is_max)
    {
      int div = count_include_pad ? g.kh * g.kw : count;
      out *= div > 0 ? 1.0f / (float)div : 0.0f;
    }
  y[i] = out;
}

/* The CPU's global average: a double sum per (n, c), in pixel order. */
__global__ void
global_avg_kernel (const float *x, float *y, int N, size_t HW, int C)
{
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= N * C)
    return;
  int n = i / C, c = i % C;
  const float *xn = x + (size_t)n * HW * C;
  double sum = 0.0;
  for (size_t p = 0; p < HW; p++)
    sum += xn[p * C + c];
  y[i] = (float)(sum / (double)HW);
}

struct pad_dims {
  int xd[4], yd[4], before[4];
};

__global__ void
pad_kernel (const float *x, float *y, pad_dims d, float value, size_t n)
{
  size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (i >= n)
    return;
  size_t rest = i, src = 0, stride = 1;
  int inside = 1;
  for (int a = 3; a >= 0; a--)
    {
      int o = (int)(rest % d.yd[a]);
      rest /= d.yd[a];
      int s = o - d.before[a];
      inside &= s >= 0 && s < d.xd[a];
      src += (size_t)(s < 0 ? 0 : s) * stride;
      stride *= d.xd[a];
    }
  y[i] = inside ? x[src] : value;
}

/* The CPU's softmax, one row per thread (rows are short: 7 expressions). */
__global__ void
softmax_kernel (const float *x, float *y, size_t rows, int L)
{
  size_t r = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  if (r >= rows)
    return;
  const float *in = x + r * L;
  float *out = y + r * L;
  float m = -INFINITY;
  for (int i = 0; i < L; i++)
    m = in[i] > m ? in[i] : m;
  double sum = 0.0;
  for (int i = 0; i < L; i++)
    sum += out[i] = expf (in[i] - m);
  for (int i = 0; i < L; i++)
    out[i] = (float)(out[i] / sum);
}

/* HWIO [K][Ci][Co] (K = KH·KW) to cuDNN's NHWC filter [Co][K][Ci]. */
__global__ void
filter_to_ohwi_kernel (const float *f, float *o, int K, int Ci, int Co)
{
  size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
  size_t n = (size_t)K * Ci * Co;
  if (i >= n)
    return;
  int co = (int)(i % Co);
  size_t r = i / Co;
  int ci = (int)(r % Ci);
  int k = (int)(r / Ci);
  o[((size_t)co * K + k) * Ci + ci] = f[i];
}

/* ---- the backend ------------------------------------------------------------------ */

namespace {

/* Scratch: host inputs copied in for one op, padding, reordered filters,
 * cuDNN's workspace. Outputs and weights live in the residency. */
enum slot { SRC0, SRC1, SRC2, TMP_X, TMP_W, WORKSPACE, N_SLOTS };

struct conv_key {
  int n, h, w, ci, co, kh, kw, sh, sw, ph, pw;
};

struct conv_choice {
  conv_key key;
  cudnnConvolutionFwdAlgo_t algo;
  size_t workspace;
};

#define MAX_CONV_CHOICES 128

struct cuda_nn {
  mien_nn_backend base;
  mien_nn_backend *cpu;
  int broken;
  cudaStream_t stream;
  cudnnHandle_t cudnn;
  cublasHandle_t cublas;
  cudnnTensorDescriptor_t x_desc, y_desc;
  cudnnFilterDescriptor_t w_desc;
  cudnnConvolutionDescriptor_t conv_desc;
  void *buf[N_SLOTS];
  size_t cap[N_SLOTS];
  mien_residency *res;
  size_t input_uploads, input_upload_bytes;
  int n_choices;
  conv_choice choices[MAX_CONV_CHOICES];
};

} // namespace

static cuda_nn *
get (mien_nn_backend *b)
{
  return (cuda_nn *)b->context;
}

static mien_status
cudnn_fail (mien_error *err, cudnnStatus_t s, const char *what)
{
  return mien_error_set (err, MIEN_ERR_UNSUPPORTED, "cuDNN: %s: %s", what,
                         cudnnGetErrorString (s));
}

#define CUDNN_TRY(call, what)                                                  \
  do                                                                           \
    {                                                                          \
      cudnnStatus_t s_ = (call);                                               \
      if (s_ != CUDNN_STATUS_SUCCESS)                                          \
        return cudnn_fail (err, s_, what);                                     \
    }                                                                          \
  while (0)

static mien_status
ensure (cuda_nn *nn, slot i, size_t bytes, mien_error *err)
{
  if (bytes <= nn->cap[i])
    return MIEN_OK;
  cudaFree (nn->buf[i]);
  nn->buf[i] = nullptr;
  nn->cap[i] = 0;
  /* Grow by half again so that a network's growing shapes settle fast. */
  size_t want = bytes + bytes / 2;
  MIEN_CUDA_TRY (cudaMalloc (&nn->buf[i], want), "allocating an nn buffer");
  nn->cap[i] = want;
  return MIEN_OK;
}

static size_t
tensor_bytes (const mien_tensor *t)
{
  return mien_tensor_n_elements (t) * sizeof (float);
}

/* The device pointers of the op's sources: an earlier op's output already
 * here, a weight uploaded once (kept until the tensor or the backend goes),
 * or a host tensor copied into scratch memory for this op alone (the caller
 * may change it before the next). Then the destination's own buffer, which
 * the output keeps on the device (host-stale). */
static mien_status
resolve_tensors (cuda_nn *nn, const mien_nn_op *op, float *dev[3], float **y,
                 mien_error *err)
{
  for (int i = 0; i < 3; i++)
    {
      dev[i] = nullptr;
      mien_tensor *t = (mien_tensor *)op->src[i];
      if (t == nullptr)
        continue;
      mien_tensor_device *d = mien_residency_find (nn->res, t);
      if (d != nullptr)
        {
          dev[i] = (float *)d->ptr;
          continue;
        }
      if (t->constant)
        {
          dev[i] = (float *)mien_residency_constant (nn->res, t, err);
          if (dev[i] == nullptr)
            return err->status;
          continue;
        }
      /* A host tensor, or another backend's copy (made current here). */
      mien_status s;
      if (t->device != nullptr && t->device->host_stale
          && (s = mien_tensor_device_to_host (t->device, err)) != MIEN_OK)
        return s;
      if ((s = ensure (nn, (slot)(SRC0 + i), tensor_bytes (t), err))
          != MIEN_OK)
        return s;
      dev[i] = (float *)nn->buf[SRC0 + i];
      MIEN_CUDA_TRY (cudaMemcpyAsync (dev[i], t->data, tensor_bytes (t),
                                      cudaMemcpyHostToDevice, nn->stream),
                     "uploading a tensor");
      nn->input_uploads++;
      nn->input_upload_bytes += tensor_bytes (t);
    }
  *y = (float *)mien_residency_output (nn->res, op->dst, err);
  return *y != nullptr ? MIEN_OK : err->status;
}

static act_dev
to_dev (mien_nn_act a)
{
  return act_dev{ (int)a.type, a.alpha };
}

static window
window_of (const mien_nn_op *op)
{
  const mien_tensor *x = op->src[0];
  const mien_nn_op_params *p = &op->params;
  window g;
  g.N = x->dims[0];
  g.H = x->dims[1];
  g.W = x->dims[2];
  g.C = x->dims[3];
  g.OH = op->dst->dims[1];
  g.OW = op->dst->dims[2];
  g.kh = p->kernel_h;
  g.kw = p->kernel_w;
  g.sh = p->stride_h;
  g.sw = p->stride_w;
  g.pt = p->pad_top;
  g.pl = p->pad_left;
  return g;
}

static void
launch_eltwise (cuda_nn *nn, const float *x, const float *b,
                const float *scale, const float *shift, float *y, size_t n,
                int C, mien_nn_act act)
{
  eltwise_kernel<<<mien_cuda_blocks (n, 256), 256, 0, nn->stream>>> (
      x, b, scale, shift, y, n, C, to_dev (act));
}

static const conv_choice *
find_choice (cuda_nn *nn, const conv_key *key)
{
  for (int i = 0; i < nn->n_choices; i++)
    if (memcmp (&nn->choices[i].key, key, sizeof *key) == 0)
      return &nn->choices[i];
  return nullptr;
}

/* Benchmarks cuDNN's algorithms once per shape and keeps the fastest that
 * computes in FP32 (TF32 tensor cores would cost ~1e-3 of accuracy). */
static mien_status
choose_algo (cuda_nn *nn, const conv_key *key, const conv_choice **out,
             mien_error *err)
{
  *out = find_choice (nn, key);
  if (*out != nullptr)
    return MIEN_OK;
  cudnnConvolutionFwdAlgoPerf_t perf[CUDNN_CONVOLUTION_FWD_ALGO_COUNT];
  int n = 0;
  CUDNN_TRY (cudnnFindConvolutionForwardAlgorithm (
                 nn->cudnn, nn->x_desc, nn->w_desc, nn->conv_desc, nn->y_desc,
                 CUDNN_CONVOLUTION_FWD_ALGO_COUNT, &n, perf),
             "choosing a convolution algorithm");
  for (int i = 0; i < n; i++)
    if (perf[i].status == CUDNN_STATUS_SUCCESS
        && perf[i].mathType != CUDNN_TENSOR_OP_MATH
        && perf[i].mathType != CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION)
      {
        int slot_i = nn->n_choices < MAX_CONV_CHOICES ? nn->n_choices++
                                                      : MAX_CONV_CHOICES - 1;
        nn->choices[slot_i] = conv_choice{ *key, perf[i].algo, perf[i].memory };
        *out = &nn->choices[slot_i];
        return MIEN_OK;
      }
  return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                         "cuDNN: no FP32 algorithm for this convolution");
}

static mien_status
cuda_conv2d (cuda_nn *nn, const mien_nn_op *op, float *src[3], float *y,
             mien_error *err)
{
  const mien_tensor *x = op->src[0], *f = op->src[1];
  const mien_nn_op_params *p = &op->params;
  int N = x->dims[0], H = x->dims[1], W = x->dims[2], Ci = x->dims[3];
  int KH = f->dims[0], KW = f->dims[1], Co = f->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2];
  const float *xin = src[0];
  int ph = p->pad_top, pw = p->pad_left;
  mien_status s;
  if (p->pad_top != p->pad_bottom || p->pad_left != p->pad_right)
    {
      /* cuDNN pads symmetrically; TensorFlow's SAME with stride 2 does not:
       * pad explicitly with zeros and convolve without padding. */
      pad_dims d = { { N, H, W, Ci },
                     { N, H + p->pad_top + p->pad_bottom,
                       W + p->pad_left + p->pad_right, Ci },
                     { 0, p->pad_top, p->pad_left, 0 } };
      size_t n = (size_t)d.yd[0] * d.yd[1] * d.yd[2] * d.yd[3];
      if ((s = ensure (nn, TMP_X, n * sizeof (float), err)) != MIEN_OK)
        return s;
      pad_kernel<<<mien_cuda_blocks (n, 256), 256, 0, nn->stream>>> (
          src[0], (float *)nn->buf[TMP_X], d, 0.0f, n);
      MIEN_CUDA_CHECK_LAUNCH ("padding");
      xin = (const float *)nn->buf[TMP_X];
      H = d.yd[1];
      W = d.yd[2];
      ph = pw = 0;
    }
  size_t fn = mien_tensor_n_elements (f);
  if ((s = ensure (nn, TMP_W, fn * sizeof (float), err)) != MIEN_OK)
    return s;
  filter_to_ohwi_kernel<<<mien_cuda_blocks (fn, 256), 256, 0, nn->stream>>> (
      src[1], (float *)nn->buf[TMP_W], KH * KW, Ci, Co);
  MIEN_CUDA_CHECK_LAUNCH ("reordering a filter");

  CUDNN_TRY (cudnnSetTensor4dDescriptor (nn->x_desc, CUDNN_TENSOR_NHWC,
                                         CUDNN_DATA_FLOAT, N, Ci, H, W),
             "input descriptor");
  CUDNN_TRY (cudnnSetFilter4dDescriptor (nn->w_desc, CUDNN_DATA_FLOAT,
                                         CUDNN_TENSOR_NHWC, Co, Ci, KH, KW),
             "filter descriptor");
  CUDNN_TRY (cudnnSetConvolution2dDescriptor (nn->conv_desc, ph, pw,
                                              p->stride_h, p->stride_w, 1, 1,
                                              CUDNN_CROSS_CORRELATION,
                                              CUDNN_DATA_FLOAT),
             "convolution descriptor");
  CUDNN_TRY (cudnnSetConvolutionMathType (nn->conv_desc, CUDNN_FMA_MATH),
             "math type");
  int on, oc, oh, ow;
  CUDNN_TRY (cudnnGetConvolution2dForwardOutputDim (nn->conv_desc, nn->x_desc,
                                                    nn->w_desc, &on, &oc, &oh,
                                                    &ow),
             "output size");
  if (on != N || oc != Co || oh != OH || ow != OW)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "cuDNN: output %d×%d×%d, expected %d×%d×%d", oh, ow,
                           oc, OH, OW, Co);
  CUDNN_TRY (cudnnSetTensor4dDescriptor (nn->y_desc, CUDNN_TENSOR_NHWC,
                                         CUDNN_DATA_FLOAT, N, Co, OH, OW),
             "output descriptor");
  conv_key key = { N, H, W, Ci, Co, KH, KW, p->stride_h, p->stride_w, ph, pw };
  const conv_choice *choice;
  if ((s = choose_algo (nn, &key, &choice, err)) != MIEN_OK)
    return s;
  if ((s = ensure (nn, WORKSPACE, choice->workspace + 1, err)) != MIEN_OK)
    return s;
  const float one = 1.0f, zero = 0.0f;
  CUDNN_TRY (cudnnConvolutionForward (nn->cudnn, &one, nn->x_desc, xin,
                                      nn->w_desc, nn->buf[TMP_W],
                                      nn->conv_desc, choice->algo,
                                      nn->buf[WORKSPACE], choice->workspace,
                                      &zero, nn->y_desc, y),
             "convolution");
  if (src[2] != nullptr || p->act.type != MIEN_NN_ACT_NONE)
    {
      launch_eltwise (nn, y, nullptr, nullptr, src[2], y,
                      mien_tensor_n_elements (op->dst), Co, p->act);
      MIEN_CUDA_CHECK_LAUNCH ("bias and activation");
    }
  return MIEN_OK;
}

static mien_status
cuda_fully_connected (cuda_nn *nn, const mien_nn_op *op, float *src[3],
                      float *y, mien_error *err)
{
  int N = op->src[0]->dims[0];
  int K = op->src[1]->dims[0], M = op->src[1]->dims[1];
  const float one = 1.0f, zero = 0.0f;
  /* Row-major Y[N,M] = X[N,K]·W[K,M] is column-major Yᵀ = Wᵀ·Xᵀ. */
  cublasStatus_t s = cublasSgemm (nn->cublas, CUBLAS_OP_N, CUBLAS_OP_N, M, N,
                                  K, &one, src[1], M, src[0], K, &zero, y, M);
  if (s != CUBLAS_STATUS_SUCCESS)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED, "cuBLAS: sgemm: %s",
                           cublasGetStatusString (s));
  if (src[2] != nullptr || op->params.act.type != MIEN_NN_ACT_NONE)
    {
      launch_eltwise (nn, y, nullptr, nullptr, src[2], y, (size_t)N * M, M,
                      op->params.act);
      MIEN_CUDA_CHECK_LAUNCH ("bias and activation");
    }
  return MIEN_OK;
}

static mien_status
cuda_pad (cuda_nn *nn, const mien_nn_op *op, const float *x, float *y,
          mien_error *err)
{
  pad_dims d;
  int shift = 4 - op->src[0]->rank;
  for (int a = 0; a < 4; a++)
    d.xd[a] = d.yd[a] = 1, d.before[a] = 0;
  for (int i = 0; i < op->src[0]->rank; i++)
    {
      d.xd[shift + i] = op->src[0]->dims[i];
      d.yd[shift + i] = op->dst->dims[i];
      d.before[shift + i] = op->params.pads[i][0];
    }
  size_t n = mien_tensor_n_elements (op->dst);
  pad_kernel<<<mien_cuda_blocks (n, 256), 256, 0, nn->stream>>> (
      x, y, d, op->params.pad_value, n);
  MIEN_CUDA_CHECK_LAUNCH ("pad");
  return MIEN_OK;
}

static mien_status
run_on_device (cuda_nn *nn, const mien_nn_op *op, mien_error *err)
{
  float *src[3], *y = nullptr;
  mien_status s = resolve_tensors (nn, op, src, &y, err);
  if (s != MIEN_OK)
    return s;
  size_t n = mien_tensor_n_elements (op->dst);
  const mien_tensor *x = op->src[0];
  int C = x->dims[x->rank - 1];
  switch (op->type)
    {
    case MIEN_NN_OP_CONV2D: s = cuda_conv2d (nn, op, src, y, err); break;
    case MIEN_NN_OP_FULLY_CONNECTED:
      s = cuda_fully_connected (nn, op, src, y, err);
      break;
    case MIEN_NN_OP_DEPTHWISE_CONV2D:
      {
        window g = window_of (op);
        g.kh = op->src[1]->dims[0];
        g.kw = op->src[1]->dims[1];
        depthwise_kernel<<<mien_cuda_blocks (n, 256), 256, 0, nn->stream>>> (
            src[0], src[1], src[2], y, g, op->src[1]->dims[3],
            to_dev (op->params.act));
        break;
      }
    case MIEN_NN_OP_MAX_POOL:
    case MIEN_NN_OP_AVG_POOL:
      pool_kernel<<<mien_cuda_blocks (n, 256), 256, 0, nn->stream>>> (
          src[0], y, window_of (op), op->type == MIEN_NN_OP_MAX_POOL,
          op->params.count_include_pad);
      break;
    case MIEN_NN_OP_GLOBAL_AVG_POOL:
      global_avg_kernel<<<mien_cuda_blocks (n, 128), 128, 0, nn->stream>>> (
          src[0], y, x->dims[0], (size_t)x->dims[1] * x->dims[2], C);
      break;
    case MIEN_NN_OP_ADD:
      launch_eltwise (nn, src[0], src[1], nullptr, nullptr, y, n, C,
                      op->params.act);
      break;
    case MIEN_NN_OP_CHANNEL_AFFINE:
      launch_eltwise (nn, src[0], nullptr, src[1], src[2], y, n, C,
                      op->params.act);
      break;
    case MIEN_NN_OP_ACTIVATION:
      launch_eltwise (nn, src[0], nullptr, nullptr, nullptr, y, n, C,
                      op->params.act);
      break;
    case MIEN_NN_OP_PAD: s = cuda_pad (nn, op, src[0], y, err); break;
    case MIEN_NN_OP_SOFTMAX:
      softmax_kernel<<<mien_cuda_blocks (n / C, 128), 128, 0, nn->stream>>> (
          src[0], y, n / C, C);
      break;
    default:
      return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                             "%s: not a CUDA op", mien_nn_op_type_name (op->type));
    }
  if (s != MIEN_OK)
    return s;
  MIEN_CUDA_CHECK_LAUNCH (mien_nn_op_type_name (op->type));
  /* The output stays here; mien_tensor_host copies it back when asked.
   * Waiting for each op keeps a failure tied to the op that caused it, so
   * that op can still be recomputed on the CPU (its sources are current
   * on the host unless the caller chose lazy outputs). */
  MIEN_CUDA_TRY (cudaStreamSynchronize (nn->stream),
                 mien_nn_op_type_name (op->type));
  return MIEN_OK;
}

/* ---- the backend table ---------------------------------------------------------- */

static const char *
cuda_get_name (mien_nn_backend *backend)
{
  return "CUDA";
}

static void
cuda_free (mien_nn_backend *backend)
{
  cuda_nn *nn = get (backend);
  if (nn->stream != nullptr)
    cudaStreamSynchronize (nn->stream);
  /* Outputs still only here are copied back; weights' copies go. */
  mien_residency_free (nn->res);
  nn->res = nullptr;
  for (int i = 0; i < N_SLOTS; i++)
    cudaFree (nn->buf[i]);
  if (nn->x_desc) cudnnDestroyTensorDescriptor (nn->x_desc);
  if (nn->y_desc) cudnnDestroyTensorDescriptor (nn->y_desc);
  if (nn->w_desc) cudnnDestroyFilterDescriptor (nn->w_desc);
  if (nn->conv_desc) cudnnDestroyConvolutionDescriptor (nn->conv_desc);
  if (nn->cudnn) cudnnDestroy (nn->cudnn);
  if (nn->cublas) cublasDestroy (nn->cublas);
  if (nn->stream) cudaStreamDestroy (nn->stream);
  (void)cudaGetLastError ();
  mien_nn_backend_free (nn->cpu);
  free (nn);
}

static int
cuda_supports_op (mien_nn_backend *backend, const mien_nn_op *op)
{
  if (get (backend)->broken)
    return 0;
  for (int i = 0; i < 3; i++)
    if (op->src[i] != nullptr && op->src[i]->data == nullptr)
      return 0;
  if (op->dst == nullptr || op->dst->data == nullptr)
    return 0;
  switch (op->type)
    {
    case MIEN_NN_OP_CONV2D:
    case MIEN_NN_OP_DEPTHWISE_CONV2D:
    case MIEN_NN_OP_FULLY_CONNECTED:
    case MIEN_NN_OP_MAX_POOL:
    case MIEN_NN_OP_AVG_POOL:
    case MIEN_NN_OP_GLOBAL_AVG_POOL:
    case MIEN_NN_OP_ADD:
    case MIEN_NN_OP_CHANNEL_AFFINE:
    case MIEN_NN_OP_ACTIVATION:
    case MIEN_NN_OP_PAD:
    case MIEN_NN_OP_SOFTMAX:
      return 1;
    default:
      return 0;
    }
}

static mien_status
cuda_compute_op (mien_nn_backend *backend, const mien_nn_op *op,
                 mien_error *err)
{
  cuda_nn *nn = get (backend);
  mien_error cuda_err = { MIEN_OK, "" };
  if (!nn->broken && run_on_device (nn, op, &cuda_err) == MIEN_OK)
    return MIEN_OK;
  if (!nn->broken)
    {
      /* A sticky error (a faulted kernel) poisons the context: stop using
       * it. cuDNN refusing a shape, or memory running out, does not. */
      cudaError_t e = cudaStreamSynchronize (nn->stream);
      (void)cudaGetLastError ();
      if (e != cudaSuccess)
        nn->broken = 1;
      mien_device_log ("%s: %s; computing it on the CPU%s",
                       mien_nn_op_type_name (op->type), cuda_err.message,
                       nn->broken ? " from now on" : "");
    }
  return mien_nn_backend_compute (nn->cpu, op, err);
}

static const mien_nn_backend_iface cuda_iface = {
  cuda_get_name, cuda_free, cuda_supports_op, cuda_compute_op,
  nullptr,       nullptr,   nullptr,          nullptr,
  nullptr,       1, /* keeps_device_copies */
};

/* ---- the residency's device functions ---------------------------------------- */

static void *
res_alloc (void *ctx, size_t bytes)
{
  void *p = nullptr;
  if (cudaMalloc (&p, bytes) != cudaSuccess)
    {
      (void)cudaGetLastError (); /* out of memory is not sticky */
      return nullptr;
    }
  return p;
}

static void
res_free (void *ctx, void *ptr)
{
  cudaFree (ptr);
}

static mien_status
res_upload (void *ctx, void *dst, const float *src, size_t bytes,
            mien_error *err)
{
  cuda_nn *nn = (cuda_nn *)ctx;
  MIEN_CUDA_TRY (cudaMemcpyAsync (dst, src, bytes, cudaMemcpyHostToDevice,
                                  nn->stream),
                 "uploading weights");
  return MIEN_OK;
}

static mien_status
res_download (void *ctx, float *dst, const void *src, size_t bytes,
              mien_error *err)
{
  cuda_nn *nn = (cuda_nn *)ctx;
  MIEN_CUDA_TRY (cudaMemcpyAsync (dst, src, bytes, cudaMemcpyDeviceToHost,
                                  nn->stream),
                 "copying a tensor to the host");
  MIEN_CUDA_TRY (cudaStreamSynchronize (nn->stream),
                 "copying a tensor to the host");
  return MIEN_OK;
}

static const mien_residency_ops res_ops = { res_alloc, res_free, res_upload,
                                            res_download };

static mien_status
init_handles (cuda_nn *nn, mien_error *err)
{
  MIEN_CUDA_TRY (cudaStreamCreateWithFlags (&nn->stream,
                                            cudaStreamNonBlocking),
                 "creating a stream");
  CUDNN_TRY (cudnnCreate (&nn->cudnn), "starting cuDNN");
  CUDNN_TRY (cudnnSetStream (nn->cudnn, nn->stream), "starting cuDNN");
  CUDNN_TRY (cudnnCreateTensorDescriptor (&nn->x_desc), "descriptors");
  CUDNN_TRY (cudnnCreateTensorDescriptor (&nn->y_desc), "descriptors");
  CUDNN_TRY (cudnnCreateFilterDescriptor (&nn->w_desc), "descriptors");
  CUDNN_TRY (cudnnCreateConvolutionDescriptor (&nn->conv_desc), "descriptors");
  cublasStatus_t b = cublasCreate (&nn->cublas);
  if (b == CUBLAS_STATUS_SUCCESS)
    b = cublasSetStream (nn->cublas, nn->stream);
  /* FP32 GEMM, no TF32: results within float rounding of the CPU's. */
  if (b == CUBLAS_STATUS_SUCCESS)
    b = cublasSetMathMode (nn->cublas, CUBLAS_PEDANTIC_MATH);
  if (b != CUBLAS_STATUS_SUCCESS)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED, "cuBLAS: %s",
                           cublasGetStatusString (b));
  return MIEN_OK;
}

extern "C" mien_nn_backend *
mien_nn_cuda_backend_new (mien_pool *pool, mien_error *err)
{
  cuda_nn *nn = (cuda_nn *)calloc (1, sizeof *nn);
  if (nn == nullptr)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return nullptr;
    }
  nn->base.iface = &cuda_iface;
  nn->base.context = nn;
  nn->cpu = mien_nn_cpu_backend_new (pool, 0, err);
  /* Free buffers kept for reuse: up to 256 MiB (the face models' and the
   * generator's activations are a few MiB each). */
  if (nn->cpu == nullptr || init_handles (nn, err) != MIEN_OK
      || (nn->res = mien_residency_new (&res_ops, nn, (size_t)256 << 20,
                                        err)) == nullptr)
    {
      cuda_free (&nn->base);
      return nullptr;
    }
  return &nn->base;
}

extern "C" int
mien_nn_backend_is_cuda (mien_nn_backend *backend)
{
  return backend != nullptr && backend->iface == &cuda_iface;
}

extern "C" void
mien_nn_cuda_backend_get_stats (mien_nn_backend *backend,
                                mien_nn_cuda_stats *stats)
{
  memset (stats, 0, sizeof *stats);
  if (!mien_nn_backend_is_cuda (backend))
    return;
  cuda_nn *nn = get (backend);
  stats->input_uploads = nn->input_uploads;
  stats->input_upload_bytes = nn->input_upload_bytes;
  if (nn->res != nullptr)
    mien_residency_get_stats (nn->res, &stats->resident);
}
