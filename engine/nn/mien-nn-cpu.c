/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-nn-cpu.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct cpu_backend {
  mien_nn_backend base;
  mien_pool *pool;
} cpu_backend;

/* im2col is done in bands of output rows so that its buffer stays near this
 * many floats (16 MiB) whatever the input size. */
#define IM2COL_BAND_FLOATS ((size_t)4 << 20)

static mien_pool *
pool_of (mien_nn_backend *backend)
{
  return ((cpu_backend *)backend)->pool;
}

/* ---- epilogues: bias and activation over rows of a [rows, C] matrix ---- */

typedef struct epilogue_job {
  float *data;
  int channels;
  const float *scale; /* may be NULL */
  const float *shift; /* may be NULL */
  mien_nn_act act;
} epilogue_job;

static void
epilogue_rows (void *user_data, int begin, int end)
{
  const epilogue_job *job = user_data;
  int C = job->channels;
  for (int r = begin; r < end; r++)
    {
      float *row = job->data + (size_t)r * (size_t)C;
      if (job->scale != NULL)
        for (int c = 0; c < C; c++)
          row[c] *= job->scale[c];
      if (job->shift != NULL)
        for (int c = 0; c < C; c++)
          row[c] += job->shift[c];
      switch (job->act.type)
        {
        case MIEN_NN_ACT_NONE:
          break;
        case MIEN_NN_ACT_RELU:
          for (int c = 0; c < C; c++)
            row[c] = row[c] > 0.0f ? row[c] : 0.0f;
          break;
        default:
          for (int c = 0; c < C; c++)
            row[c] = mien_nn_act_apply (job->act, row[c]);
          break;
        }
    }
}

static void
run_epilogue (mien_pool *pool, float *data, size_t rows, int channels,
              const float *scale, const float *shift, mien_nn_act act)
{
  if (scale == NULL && shift == NULL && act.type == MIEN_NN_ACT_NONE)
    return;
  epilogue_job job = { data, channels, scale, shift, act };
  int grain = channels >= 4096 ? 1 : 4096 / channels;
  mien_pool_parallel_for (pool, (int)rows, grain, epilogue_rows, &job);
}

static const float *
opt_data (const mien_tensor *t)
{
  return t != NULL ? t->data : NULL;
}

/* C[m×n] = A[m×k] · B[k×n], all row-major and tight. */
static void
gemm (int m, int n, int k, const float *a, const float *b, float *c)
{
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, k,
               b, n, 0.0f, c, n);
}

/* ---- conv2d: im2col + sgemm ---- */

typedef struct im2col_job {
  const float *x; /* one image [H,W,C] */
  int H, W, C, KH, KW, OW;
  int sh, sw, pt, pl;
  int row0; /* first output row of the band */
  float *col;
} im2col_job;

static void
im2col_rows (void *user_data, int begin, int end)
{
  const im2col_job *j = user_data;
  size_t K = (size_t)j->KH * j->KW * j->C;
  size_t span = (size_t)j->C * sizeof (float);
  for (int r = begin; r < end; r++)
    {
      int oy = j->row0 + r;
      for (int ox = 0; ox < j->OW; ox++)
        {
          float *patch = j->col + ((size_t)r * j->OW + ox) * K;
          for (int ky = 0; ky < j->KH; ky++)
            {
              int iy = oy * j->sh - j->pt + ky;
              float *dst = patch + (size_t)ky * j->KW * j->C;
              if (iy < 0 || iy >= j->H)
                {
                  memset (dst, 0, span * (size_t)j->KW);
                  continue;
                }
              const float *src_row = j->x + (size_t)iy * j->W * j->C;
              for (int kx = 0; kx < j->KW; kx++)
                {
                  int ix = ox * j->sw - j->pl + kx;
                  if (ix < 0 || ix >= j->W)
                    memset (dst + (size_t)kx * j->C, 0, span);
                  else
                    memcpy (dst + (size_t)kx * j->C,
                            src_row + (size_t)ix * j->C, span);
                }
            }
        }
    }
}

static mien_status
cpu_conv2d (mien_nn_backend *backend, const mien_nn_op *op, mien_error *err)
{
  const mien_tensor *x = op->src[0], *w = op->src[1];
  const mien_nn_op_params *p = &op->params;
  mien_tensor *y = op->dst;
  int N = x->dims[0], H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int KH = w->dims[0], KW = w->dims[1], O = w->dims[3];
  int OH = y->dims[1], OW = y->dims[2];
  int K = KH * KW * C;
  int direct = KH == 1 && KW == 1 && p->stride_h == 1 && p->stride_w == 1
               && p->pad_top == 0 && p->pad_left == 0 && OH == H && OW == W;
  if (direct)
    /* A 1×1 convolution of an NHWC tensor is one GEMM over all pixels. */
    gemm (N * H * W, O, C, x->data, w->data, y->data);
  else
    {
      size_t row_floats = (size_t)OW * (size_t)K;
      int band = (int)(IM2COL_BAND_FLOATS / row_floats);
      band = band < 1 ? 1 : band > OH ? OH : band;
      float *col = malloc ((size_t)band * row_floats * sizeof (float));
      if (col == NULL)
        return mien_error_set (err, MIEN_ERR_NOMEM,
                               "conv2d: out of memory for im2col");
      for (int n = 0; n < N; n++)
        for (int r0 = 0; r0 < OH; r0 += band)
          {
            int rows = OH - r0 < band ? OH - r0 : band;
            im2col_job job = {
              x->data + (size_t)n * H * W * C, H, W, C, KH, KW, OW,
              p->stride_h, p->stride_w, p->pad_top, p->pad_left, r0, col,
            };
            mien_pool_parallel_for (pool_of (backend), rows, 1, im2col_rows,
                                    &job);
            gemm (rows * OW, O, K, col, w->data,
                  y->data + ((size_t)n * OH + r0) * OW * O);
          }
      free (col);
    }
  run_epilogue (pool_of (backend), y->data, (size_t)N * OH * OW, O, NULL,
                opt_data (op->src[2]), p->act);
  return MIEN_OK;
}

/* ---- depthwise conv2d: direct loops over output rows ---- */

typedef struct depthwise_job {
  const mien_nn_op *op;
} depthwise_job;

static void
depthwise_rows (void *user_data, int begin, int end)
{
  const mien_nn_op *op = ((const depthwise_job *)user_data)->op;
  const mien_tensor *x = op->src[0], *w = op->src[1], *b = op->src[2];
  const mien_nn_op_params *p = &op->params;
  int H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int KH = w->dims[0], KW = w->dims[1], M = w->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2], OC = C * M;
  for (int row = begin; row < end; row++)
    {
      int n = row / OH, oy = row % OH;
      const float *xn = x->data + (size_t)n * H * W * C;
      for (int ox = 0; ox < OW; ox++)
        {
          float *out = op->dst->data + ((size_t)row * OW + ox) * OC;
          for (int c = 0; c < OC; c++)
            out[c] = b != NULL ? b->data[c] : 0.0f;
          for (int ky = 0; ky < KH; ky++)
            {
              int iy = oy * p->stride_h - p->pad_top + ky;
              if (iy < 0 || iy >= H)
                continue;
              for (int kx = 0; kx < KW; kx++)
                {
                  int ix = ox * p->stride_w - p->pad_left + kx;
                  if (ix < 0 || ix >= W)
                    continue;
                  const float *xp = xn + ((size_t)iy * W + ix) * C;
                  const float *wp = w->data + ((size_t)ky * KW + kx) * OC;
                  if (M == 1)
                    for (int c = 0; c < C; c++)
                      out[c] += xp[c] * wp[c];
                  else
                    for (int c = 0; c < C; c++)
                      for (int m = 0; m < M; m++)
                        out[c * M + m] += xp[c] * wp[c * M + m];
                }
            }
          if (p->act.type != MIEN_NN_ACT_NONE)
            for (int c = 0; c < OC; c++)
              out[c] = mien_nn_act_apply (p->act, out[c]);
        }
    }
}

static mien_status
cpu_depthwise (mien_nn_backend *backend, const mien_nn_op *op, mien_error *err)
{
  depthwise_job job = { op };
  int rows = op->dst->dims[0] * op->dst->dims[1];
  mien_pool_parallel_for (pool_of (backend), rows, 1, depthwise_rows, &job);
  return MIEN_OK;
}

/* ---- transposed conv2d: sgemm to per-pixel contributions, then a gather
 * per output row (no two threads write the same output) ---- */

typedef struct transpose_job {
  const mien_nn_op *op;
  const float *col; /* [N·H·W, KH·KW·Co] */
} transpose_job;

static void
transpose_rows (void *user_data, int begin, int end)
{
  const transpose_job *j = user_data;
  const mien_nn_op *op = j->op;
  const mien_nn_op_params *p = &op->params;
  int H = op->src[0]->dims[1], W = op->src[0]->dims[2];
  int KH = op->src[1]->dims[0], KW = op->src[1]->dims[1];
  int Co = op->dst->dims[3], OH = op->dst->dims[1], OW = op->dst->dims[2];
  size_t KC = (size_t)KH * KW * Co;
  for (int row = begin; row < end; row++)
    {
      int n = row / OH, oy = row % OH;
      float *out_row = op->dst->data + (size_t)row * OW * Co;
      memset (out_row, 0, (size_t)OW * Co * sizeof (float));
      for (int ky = 0; ky < KH; ky++)
        {
          int ty = oy + p->pad_top - ky;
          if (ty < 0 || ty % p->stride_h != 0 || ty / p->stride_h >= H)
            continue;
          int iy = ty / p->stride_h;
          for (int ox = 0; ox < OW; ox++)
            for (int kx = 0; kx < KW; kx++)
              {
                int tx = ox + p->pad_left - kx;
                if (tx < 0 || tx % p->stride_w != 0 || tx / p->stride_w >= W)
                  continue;
                int ix = tx / p->stride_w;
                const float *src = j->col
                                   + (((size_t)n * H + iy) * W + ix) * KC
                                   + ((size_t)ky * KW + kx) * Co;
                float *dst = out_row + (size_t)ox * Co;
                for (int c = 0; c < Co; c++)
                  dst[c] += src[c];
              }
        }
    }
}

static mien_status
cpu_conv2d_transpose (mien_nn_backend *backend, const mien_nn_op *op,
                      mien_error *err)
{
  const mien_tensor *x = op->src[0], *w = op->src[1];
  int N = x->dims[0], H = x->dims[1], W = x->dims[2], Ci = x->dims[3];
  int KC = w->dims[0] * w->dims[1] * w->dims[2];
  size_t n_col = (size_t)N * H * W * (size_t)KC;
  if (n_col > MIEN_TENSOR_MAX_ELEMENTS)
    return mien_error_set (err, MIEN_ERR_NOMEM,
                           "conv2d_transpose: intermediate too large");
  float *col = malloc (n_col * sizeof (float));
  if (col == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM,
                           "conv2d_transpose: out of memory");
  /* The TF filter [KH,KW,Co,Ci] is a [KH·KW·Co, Ci] matrix: transpose it. */
  cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, N * H * W, KC, Ci,
               1.0f, x->data, Ci, w->data, Ci, 0.0f, col, KC);
  transpose_job job = { op, col };
  mien_pool_parallel_for (pool_of (backend), N * op->dst->dims[1], 1,
                          transpose_rows, &job);
  free (col);
  run_epilogue (pool_of (backend), op->dst->data,
                mien_tensor_n_elements (op->dst) / (size_t)op->dst->dims[3],
                op->dst->dims[3], NULL, opt_data (op->src[2]), op->params.act);
  return MIEN_OK;
}

static mien_status
cpu_fully_connected (mien_nn_backend *backend, const mien_nn_op *op,
                     mien_error *err)
{
  const mien_tensor *x = op->src[0], *w = op->src[1];
  int N = x->dims[0], K = w->dims[0], M = w->dims[1];
  gemm (N, M, K, x->data, w->data, op->dst->data);
  run_epilogue (pool_of (backend), op->dst->data, (size_t)N, M, NULL,
                opt_data (op->src[2]), op->params.act);
  return MIEN_OK;
}

/* ---- pooling ---- */

typedef struct pool_job {
  const mien_nn_op *op;
  int is_max;
} pool_job;

static void
pool_rows (void *user_data, int begin, int end)
{
  const pool_job *j = user_data;
  const mien_nn_op *op = j->op;
  const mien_nn_op_params *p = &op->params;
  const mien_tensor *x = op->src[0];
  int H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2];
  for (int row = begin; row < end; row++)
    {
      int n = row / OH, oy = row % OH;
      const float *xn = x->data + (size_t)n * H * W * C;
      for (int ox = 0; ox < OW; ox++)
        {
          float *out = op->dst->data + ((size_t)row * OW + ox) * C;
          for (int c = 0; c < C; c++)
            out[c] = j->is_max ? -INFINITY : 0.0f;
          int count = 0;
          for (int ky = 0; ky < p->kernel_h; ky++)
            {
              int iy = oy * p->stride_h - p->pad_top + ky;
              if (iy < 0 || iy >= H)
                continue;
              for (int kx = 0; kx < p->kernel_w; kx++)
                {
                  int ix = ox * p->stride_w - p->pad_left + kx;
                  if (ix < 0 || ix >= W)
                    continue;
                  const float *xp = xn + ((size_t)iy * W + ix) * C;
                  count++;
                  if (j->is_max)
                    for (int c = 0; c < C; c++)
                      out[c] = xp[c] > out[c] ? xp[c] : out[c];
                  else
                    for (int c = 0; c < C; c++)
                      out[c] += xp[c];
                }
            }
          if (j->is_max && count == 0)
            for (int c = 0; c < C; c++)
              out[c] = 0.0f;
          if (!j->is_max)
            {
              int div = p->count_include_pad ? p->kernel_h * p->kernel_w
                                             : count;
              float inv = div > 0 ? 1.0f / (float)div : 0.0f;
              for (int c = 0; c < C; c++)
                out[c] *= inv;
            }
        }
    }
}

static mien_status
cpu_pool (mien_nn_backend *backend, const mien_nn_op *op, int is_max)
{
  pool_job job = { op, is_max };
  mien_pool_parallel_for (pool_of (backend),
                          op->dst->dims[0] * op->dst->dims[1], 1, pool_rows,
                          &job);
  return MIEN_OK;
}

static mien_status
cpu_global_avg_pool (const mien_nn_op *op)
{
  const mien_tensor *x = op->src[0];
  int N = x->dims[0], C = x->dims[3];
  size_t HW = (size_t)x->dims[1] * x->dims[2];
  double *sum = calloc ((size_t)C, sizeof (double));
  if (sum == NULL)
    return MIEN_ERR_NOMEM;
  for (int n = 0; n < N; n++)
    {
      memset (sum, 0, (size_t)C * sizeof (double));
      const float *xn = x->data + (size_t)n * HW * C;
      for (size_t i = 0; i < HW; i++)
        for (int c = 0; c < C; c++)
          sum[c] += xn[i * C + c];
      for (int c = 0; c < C; c++)
        op->dst->data[(size_t)n * C + c] = (float)(sum[c] / (double)HW);
    }
  free (sum);
  return MIEN_OK;
}

/* ---- elementwise ---- */

typedef struct eltwise_job {
  const mien_nn_op *op;
  size_t n;
} eltwise_job;

#define ELTWISE_CHUNK 16384

static void
eltwise_chunks (void *user_data, int begin, int end)
{
  const eltwise_job *j = user_data;
  const mien_nn_op *op = j->op;
  const mien_tensor *x = op->src[0];
  int C = x->dims[x->rank - 1];
  const float *scale = opt_data (op->src[1]), *shift = opt_data (op->src[2]);
  for (int chunk = begin; chunk < end; chunk++)
    {
      size_t i0 = (size_t)chunk * ELTWISE_CHUNK;
      size_t i1 = i0 + ELTWISE_CHUNK < j->n ? i0 + ELTWISE_CHUNK : j->n;
      float *y = op->dst->data;
      for (size_t i = i0; i < i1; i++)
        {
          float v = x->data[i];
          if (op->type == MIEN_NN_OP_ADD)
            v += op->src[1]->data[i];
          else if (op->type == MIEN_NN_OP_CHANNEL_AFFINE)
            {
              int c = (int)(i % (size_t)C);
              if (scale != NULL)
                v *= scale[c];
              if (shift != NULL)
                v += shift[c];
            }
          y[i] = mien_nn_act_apply (op->params.act, v);
        }
    }
}

static mien_status
cpu_eltwise (mien_nn_backend *backend, const mien_nn_op *op)
{
  eltwise_job job = { op, mien_tensor_n_elements (op->dst) };
  int chunks = (int)((job.n + ELTWISE_CHUNK - 1) / ELTWISE_CHUNK);
  mien_pool_parallel_for (pool_of (backend), chunks, 1, eltwise_chunks, &job);
  return MIEN_OK;
}

/* ---- layout ops ---- */

static size_t
product (const int *dims, int from, int to)
{
  size_t n = 1;
  for (int i = from; i < to; i++)
    n *= (size_t)dims[i];
  return n;
}

static mien_status
cpu_concat (const mien_nn_op *op)
{
  const mien_tensor *a = op->src[0], *b = op->src[1];
  int axis = op->params.axis;
  size_t outer = product (a->dims, 0, axis);
  size_t inner = product (a->dims, axis + 1, a->rank);
  size_t na = (size_t)a->dims[axis] * inner, nb = (size_t)b->dims[axis] * inner;
  float *y = op->dst->data;
  for (size_t o = 0; o < outer; o++)
    {
      memcpy (y, a->data + o * na, na * sizeof (float));
      memcpy (y + na, b->data + o * nb, nb * sizeof (float));
      y += na + nb;
    }
  return MIEN_OK;
}

static mien_status
cpu_pad (const mien_nn_op *op)
{
  const mien_tensor *x = op->src[0];
  mien_tensor *y = op->dst;
  /* As a rank-4 problem with leading axes of size 1. */
  int xd[4] = { 1, 1, 1, 1 }, yd[4] = { 1, 1, 1, 1 }, before[4] = { 0 };
  int shift = 4 - x->rank;
  for (int i = 0; i < x->rank; i++)
    {
      xd[shift + i] = x->dims[i];
      yd[shift + i] = y->dims[i];
      before[shift + i] = op->params.pads[i][0];
    }
  size_t n = mien_tensor_n_elements (y);
  for (size_t i = 0; i < n; i++)
    y->data[i] = op->params.pad_value;
  for (int i0 = 0; i0 < xd[0]; i0++)
    for (int i1 = 0; i1 < xd[1]; i1++)
      for (int i2 = 0; i2 < xd[2]; i2++)
        {
          const float *src
              = x->data + (((size_t)i0 * xd[1] + i1) * xd[2] + i2) * xd[3];
          float *dst = y->data
                       + ((((size_t)(i0 + before[0]) * yd[1] + i1 + before[1])
                           * yd[2] + i2 + before[2]) * yd[3] + before[3]);
          memcpy (dst, src, (size_t)xd[3] * sizeof (float));
        }
  return MIEN_OK;
}

/* ---- instance norm ---- */

static mien_status
cpu_instance_norm (mien_nn_backend *backend, const mien_nn_op *op)
{
  const mien_tensor *x = op->src[0];
  int N = x->dims[0], C = x->dims[3];
  size_t HW = (size_t)x->dims[1] * x->dims[2];
  double *mean = calloc ((size_t)C * 2, sizeof (double));
  float *scale = malloc ((size_t)C * 2 * sizeof (float));
  if (mean == NULL || scale == NULL)
    {
      free (mean);
      free (scale);
      return MIEN_ERR_NOMEM;
    }
  double *var = mean + C;
  float *shift = scale + C;
  for (int n = 0; n < N; n++)
    {
      const float *xn = x->data + (size_t)n * HW * C;
      memset (mean, 0, (size_t)C * 2 * sizeof (double));
      for (size_t i = 0; i < HW; i++)
        for (int c = 0; c < C; c++)
          mean[c] += xn[i * C + c];
      for (int c = 0; c < C; c++)
        mean[c] /= (double)HW;
      for (size_t i = 0; i < HW; i++)
        for (int c = 0; c < C; c++)
          {
            double d = xn[i * C + c] - mean[c];
            var[c] += d * d;
          }
      /* y = x·s + t with s = γ/σ, t = β − mean·s. */
      for (int c = 0; c < C; c++)
        {
          double s = 1.0 / sqrt (var[c] / (double)HW + op->params.eps);
          if (op->src[1] != NULL)
            s *= op->src[1]->data[c];
          double t = -mean[c] * s;
          if (op->src[2] != NULL)
            t += op->src[2]->data[c];
          scale[c] = (float)s;
          shift[c] = (float)t;
        }
      float *yn = op->dst->data + (size_t)n * HW * C;
      memcpy (yn, xn, HW * C * sizeof (float));
      run_epilogue (pool_of (backend), yn, HW, C, scale, shift, op->params.act);
    }
  free (mean);
  free (scale);
  return MIEN_OK;
}

/* ---- resampling ---- */

typedef struct resize_job {
  const mien_nn_op *op;
} resize_job;

/* TensorFlow's source coordinate for an output index. */
static double
resize_source (int out_index, double ratio, int half_pixel)
{
  return half_pixel ? ratio * (out_index + 0.5) - 0.5 : ratio * out_index;
}

static void
resize_rows (void *user_data, int begin, int end)
{
  const mien_nn_op *op = ((const resize_job *)user_data)->op;
  const mien_nn_op_params *p = &op->params;
  const mien_tensor *x = op->src[0];
  int H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2];
  int ac = p->align_corners;
  double ry = (double)(ac && OH > 1 ? H - 1 : H) / (ac && OH > 1 ? OH - 1 : OH);
  double rx = (double)(ac && OW > 1 ? W - 1 : W) / (ac && OW > 1 ? OW - 1 : OW);
  for (int row = begin; row < end; row++)
    {
      int n = row / OH, oy = row % OH;
      double sy = resize_source (oy, ry, p->half_pixel_centers);
      int y0 = (int)fmax (0.0, floor (sy));
      double fy = sy - y0;
      int y1 = (int)fmin (H - 1, ceil (sy));
      const float *top = x->data + ((size_t)n * H + y0) * W * C;
      const float *bot = x->data + ((size_t)n * H + y1) * W * C;
      for (int ox = 0; ox < OW; ox++)
        {
          double sx = resize_source (ox, rx, p->half_pixel_centers);
          int x0 = (int)fmax (0.0, floor (sx));
          double fx = sx - x0;
          int x1 = (int)fmin (W - 1, ceil (sx));
          float *out = op->dst->data + ((size_t)row * OW + ox) * C;
          for (int c = 0; c < C; c++)
            {
              double tl = top[(size_t)x0 * C + c], tr = top[(size_t)x1 * C + c];
              double bl = bot[(size_t)x0 * C + c], br = bot[(size_t)x1 * C + c];
              double t = tl + (tr - tl) * fx, b = bl + (br - bl) * fx;
              out[c] = (float)(t + (b - t) * fy);
            }
        }
    }
}

static void
upsample_rows (void *user_data, int begin, int end)
{
  const mien_nn_op *op = ((const resize_job *)user_data)->op;
  const mien_tensor *x = op->src[0];
  int H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2];
  for (int row = begin; row < end; row++)
    {
      int n = row / OH, iy = (row % OH) / op->params.scale_h;
      const float *src = x->data + ((size_t)n * H + iy) * W * C;
      float *out = op->dst->data + (size_t)row * OW * C;
      for (int ox = 0; ox < OW; ox++)
        memcpy (out + (size_t)ox * C,
                src + (size_t)(ox / op->params.scale_w) * C,
                (size_t)C * sizeof (float));
    }
}

static float
sample_tap (const float *xn, int H, int W, int C, int iy, int ix, int c,
            int clamp)
{
  if (clamp)
    {
      iy = iy < 0 ? 0 : iy >= H ? H - 1 : iy;
      ix = ix < 0 ? 0 : ix >= W ? W - 1 : ix;
    }
  else if (iy < 0 || iy >= H || ix < 0 || ix >= W)
    return 0.0f;
  return xn[((size_t)iy * W + ix) * C + c];
}

static void
sample_rows (void *user_data, int begin, int end)
{
  const mien_nn_op *op = ((const resize_job *)user_data)->op;
  const mien_tensor *x = op->src[0], *g = op->src[1];
  int H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2];
  int clamp = op->params.border_clamp;
  for (int row = begin; row < end; row++)
    {
      int n = row / OH;
      const float *xn = x->data + (size_t)n * H * W * C;
      for (int ox = 0; ox < OW; ox++)
        {
          const float *pos = g->data + ((size_t)row * OW + ox) * 2;
          float *out = op->dst->data + ((size_t)row * OW + ox) * C;
          float sx = pos[0], sy = pos[1];
          if (!isfinite (sx) || !isfinite (sy) || fabsf (sx) > 1e7f
              || fabsf (sy) > 1e7f)
            {
              memset (out, 0, (size_t)C * sizeof (float));
              continue;
            }
          int x0 = (int)floorf (sx), y0 = (int)floorf (sy);
          float fx = sx - (float)x0, fy = sy - (float)y0;
          for (int c = 0; c < C; c++)
            {
              float v00 = sample_tap (xn, H, W, C, y0, x0, c, clamp);
              float v01 = sample_tap (xn, H, W, C, y0, x0 + 1, c, clamp);
              float v10 = sample_tap (xn, H, W, C, y0 + 1, x0, c, clamp);
              float v11 = sample_tap (xn, H, W, C, y0 + 1, x0 + 1, c, clamp);
              out[c] = (v00 * (1 - fx) + v01 * fx) * (1 - fy)
                       + (v10 * (1 - fx) + v11 * fx) * fy;
            }
        }
    }
}

static mien_status
cpu_softmax (const mien_nn_op *op)
{
  const mien_tensor *x = op->src[0];
  int L = x->dims[x->rank - 1];
  size_t rows = mien_tensor_n_elements (x) / (size_t)L;
  for (size_t r = 0; r < rows; r++)
    {
      const float *in = x->data + r * L;
      float *out = op->dst->data + r * L;
      float m = -INFINITY;
      for (int i = 0; i < L; i++)
        m = in[i] > m ? in[i] : m;
      double sum = 0.0;
      for (int i = 0; i < L; i++)
        sum += out[i] = expf (in[i] - m);
      for (int i = 0; i < L; i++)
        out[i] = (float)(out[i] / sum);
    }
  return MIEN_OK;
}

/* ---- the backend table ---- */

static const char *
cpu_get_name (mien_nn_backend *backend)
{
  return "CPU";
}

static void
cpu_free (mien_nn_backend *backend)
{
  free (backend);
}

static int
cpu_supports_op (mien_nn_backend *backend, const mien_nn_op *op)
{
  /* Host memory only; every op type. */
  for (int i = 0; i < 3; i++)
    if (op->src[i] != NULL && op->src[i]->data == NULL)
      return 0;
  return op->type >= 0 && op->type < MIEN_NN_OP_COUNT && op->dst != NULL
         && op->dst->data != NULL;
}

static mien_status
cpu_rows (mien_nn_backend *backend, const mien_nn_op *op, mien_range_fn fn)
{
  resize_job job = { op };
  mien_pool_parallel_for (pool_of (backend),
                          op->dst->dims[0] * op->dst->dims[1], 1, fn, &job);
  return MIEN_OK;
}

static mien_status
cpu_compute_op (mien_nn_backend *backend, const mien_nn_op *op,
                mien_error *err)
{
  mien_status s = MIEN_OK;
  switch (op->type)
    {
    case MIEN_NN_OP_CONV2D: return cpu_conv2d (backend, op, err);
    case MIEN_NN_OP_DEPTHWISE_CONV2D: return cpu_depthwise (backend, op, err);
    case MIEN_NN_OP_CONV2D_TRANSPOSE:
      return cpu_conv2d_transpose (backend, op, err);
    case MIEN_NN_OP_FULLY_CONNECTED:
      return cpu_fully_connected (backend, op, err);
    case MIEN_NN_OP_MAX_POOL: return cpu_pool (backend, op, 1);
    case MIEN_NN_OP_AVG_POOL: return cpu_pool (backend, op, 0);
    case MIEN_NN_OP_GLOBAL_AVG_POOL: s = cpu_global_avg_pool (op); break;
    case MIEN_NN_OP_ADD:
    case MIEN_NN_OP_CHANNEL_AFFINE:
    case MIEN_NN_OP_ACTIVATION:
      return cpu_eltwise (backend, op);
    case MIEN_NN_OP_CONCAT: return cpu_concat (op);
    case MIEN_NN_OP_PAD: return cpu_pad (op);
    case MIEN_NN_OP_INSTANCE_NORM: s = cpu_instance_norm (backend, op); break;
    case MIEN_NN_OP_RESIZE_BILINEAR: return cpu_rows (backend, op, resize_rows);
    case MIEN_NN_OP_UPSAMPLE_NEAREST:
      return cpu_rows (backend, op, upsample_rows);
    case MIEN_NN_OP_BILINEAR_SAMPLE: return cpu_rows (backend, op, sample_rows);
    case MIEN_NN_OP_SOFTMAX: return cpu_softmax (op);
    case MIEN_NN_OP_COUNT: break;
    }
  if (s == MIEN_ERR_NOMEM)
    return mien_error_set (err, s, "%s: out of memory",
                           mien_nn_op_type_name (op->type));
  if (s != MIEN_OK || op->type >= MIEN_NN_OP_COUNT)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED, "unknown op %d",
                           (int)op->type);
  return MIEN_OK;
}

static const mien_nn_backend_iface cpu_iface = {
  .get_name = cpu_get_name,
  .free = cpu_free,
  .supports_op = cpu_supports_op,
  .compute_op = cpu_compute_op,
};

mien_nn_backend *
mien_nn_cpu_backend_new (mien_pool *pool, int n_blas_threads, mien_error *err)
{
  cpu_backend *cpu = calloc (1, sizeof *cpu);
  if (cpu == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  cpu->base.iface = &cpu_iface;
  cpu->base.context = cpu;
  cpu->pool = pool != NULL ? pool : mien_pool_default ();
  if (n_blas_threads <= 0)
    n_blas_threads = mien_pool_get_n_threads (cpu->pool);
  /* OpenBLAS threads only inside sgemm; the other ops use the pool. Both
   * sized to the cores so they never oversubscribe one another. */
  openblas_set_num_threads (n_blas_threads);
  return &cpu->base;
}

int
mien_nn_backend_is_cpu (mien_nn_backend *backend)
{
  return backend != NULL && backend->iface == &cpu_iface;
}
