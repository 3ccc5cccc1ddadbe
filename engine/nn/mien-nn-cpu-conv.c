/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CPU backend's convolutions and fully connected layers: OpenBLAS
 * sgemm (im2col for k×k kernels, the activation tensor itself for 1×1),
 * then bias and activation in one pass over the rows. */
#include "mien-nn-cpu-private.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* im2col is done in bands of output rows so that its buffer stays near this
 * many floats (16 MiB) whatever the input size. */
#define IM2COL_BAND_FLOATS ((size_t)4 << 20)

/* ---- epilogues: bias and activation over rows of a [rows, C] matrix ---- */

typedef struct epilogue_job {
  float *data;
  int channels;
  const float *scale; /* may be NULL */
  const float *shift; /* may be NULL */
  mien_nn_act act;
} epilogue_job;

MIEN_NN_CLONES static void
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
      mien_nn_act_row (row, (size_t)C, job->act);
    }
}

void
mien_nn_cpu_run_epilogue (mien_pool *pool, float *data, size_t rows, int channels,
              const float *scale, const float *shift, mien_nn_act act)
{
  if (scale == NULL && shift == NULL && act.type == MIEN_NN_ACT_NONE)
    return;
  epilogue_job job = { data, channels, scale, shift, act };
  int grain = channels >= 4096 ? 1 : 4096 / channels;
  mien_pool_parallel_for (pool, (int)rows, grain, epilogue_rows, &job);
}

typedef struct gemm_job {
  int n, k, trans_b;
  const float *a, *b;
  float *c;
} gemm_job;

static void
gemm_rows (void *data, int begin, int end)
{
  const gemm_job *g = data;
  cblas_sgemm (CblasRowMajor, CblasNoTrans,
               g->trans_b ? CblasTrans : CblasNoTrans, end - begin, g->n,
               g->k, 1.0f, g->a + (size_t)begin * g->k, g->k, g->b,
               g->trans_b ? g->k : g->n, 0.0f, g->c + (size_t)begin * g->n,
               g->n);
}

/* C[m×n] = A[m×k] · B (B[k×n], or with trans_b B[n×k] transposed), all
 * row-major and tight, the rows of C split over the pool. OpenBLAS runs
 * single-threaded (mien_nn_cpu_backend_new): its own threads wait for work
 * by spinning on sched_yield, which took a fifth of a video tracking run's
 * time on the face nets' small matrices. Each row of C is the same sum
 * however the rows are split. */
static void
gemm_ex (mien_pool *pool, int m, int n, int k, const float *a, const float *b,
         int trans_b, float *c)
{
  /* At least about 64 k multiply-adds per piece. */
  long per_row = (long)n * k;
  int grain = per_row >= 65536 ? 1 : (int)(65536 / (per_row > 0 ? per_row : 1));
  gemm_job job = { n, k, trans_b, a, b, c };
  mien_pool_parallel_for (pool, m, grain, gemm_rows, &job);
}

static void
gemm (mien_pool *pool, int m, int n, int k, const float *a, const float *b,
      float *c)
{
  gemm_ex (pool, m, n, k, a, b, 0, c);
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

mien_status
mien_nn_cpu_conv2d (mien_nn_backend *backend, const mien_nn_op *op, mien_error *err)
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
    gemm (mien_nn_cpu_pool_of (backend), N * H * W, O, C, x->data, w->data,
          y->data);
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
            mien_pool_parallel_for (mien_nn_cpu_pool_of (backend), rows, 1, im2col_rows,
                                    &job);
            gemm (mien_nn_cpu_pool_of (backend), rows * OW, O, K, col, w->data,
                  y->data + ((size_t)n * OH + r0) * OW * O);
          }
      free (col);
    }
  mien_nn_cpu_run_epilogue (mien_nn_cpu_pool_of (backend), y->data, (size_t)N * OH * OW, O, NULL,
                mien_nn_cpu_opt_data (op->src[2]), p->act);
  return MIEN_OK;
}

/* ---- depthwise conv2d: direct loops over output rows ---- */

typedef struct depthwise_job {
  const mien_nn_op *op;
} depthwise_job;

MIEN_NN_CLONES static void
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
          mien_nn_act_row (out, (size_t)OC, p->act);
        }
    }
}

mien_status
mien_nn_cpu_depthwise (mien_nn_backend *backend, const mien_nn_op *op, mien_error *err)
{
  depthwise_job job = { op };
  int rows = op->dst->dims[0] * op->dst->dims[1];
  mien_pool_parallel_for (mien_nn_cpu_pool_of (backend), rows, 1, depthwise_rows, &job);
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

mien_status
mien_nn_cpu_conv2d_transpose (mien_nn_backend *backend, const mien_nn_op *op,
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
  gemm_ex (mien_nn_cpu_pool_of (backend), N * H * W, KC, Ci, x->data,
           w->data, 1, col);
  transpose_job job = { op, col };
  mien_pool_parallel_for (mien_nn_cpu_pool_of (backend), N * op->dst->dims[1], 1,
                          transpose_rows, &job);
  free (col);
  mien_nn_cpu_run_epilogue (mien_nn_cpu_pool_of (backend), op->dst->data,
                mien_tensor_n_elements (op->dst) / (size_t)op->dst->dims[3],
                op->dst->dims[3], NULL, mien_nn_cpu_opt_data (op->src[2]), op->params.act);
  return MIEN_OK;
}

mien_status
mien_nn_cpu_fully_connected (mien_nn_backend *backend, const mien_nn_op *op,
                     mien_error *err)
{
  const mien_tensor *x = op->src[0], *w = op->src[1];
  int N = x->dims[0], K = w->dims[0], M = w->dims[1];
  gemm (mien_nn_cpu_pool_of (backend), N, M, K, x->data, w->data,
        op->dst->data);
  mien_nn_cpu_run_epilogue (mien_nn_cpu_pool_of (backend), op->dst->data, (size_t)N, M, NULL,
                mien_nn_cpu_opt_data (op->src[2]), op->params.act);
  return MIEN_OK;
}
