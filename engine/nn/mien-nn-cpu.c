/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CPU backend table, and its pooling, elementwise, layout, instance
 * norm and softmax ops; convolutions are in mien-nn-cpu-conv.c, resampling
 * in mien-nn-cpu-resample.c. */
#include "mien-nn-cpu.h"
#include "mien-nn-cpu-private.h"

#include <cblas.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>

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
  mien_pool_parallel_for (mien_nn_cpu_pool_of (backend),
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

/* Each case as its own loop (not a test per element), so that they
 * vectorize; the same operations per element as before: v = x (+ b) or
 * v = x (· scale[c]) (+ shift[c]), then the activation. */
MIEN_NN_CLONES static void
eltwise_chunks (void *user_data, int begin, int end)
{
  const eltwise_job *j = user_data;
  const mien_nn_op *op = j->op;
  const mien_tensor *x = op->src[0];
  const size_t C = (size_t)x->dims[x->rank - 1];
  const float *scale = mien_nn_cpu_opt_data (op->src[1]), *shift = mien_nn_cpu_opt_data (op->src[2]);
  for (int chunk = begin; chunk < end; chunk++)
    {
      size_t i0 = (size_t)chunk * ELTWISE_CHUNK;
      size_t i1 = i0 + ELTWISE_CHUNK < j->n ? i0 + ELTWISE_CHUNK : j->n;
      const float *xs = x->data; /* y may be x (in place) */
      float *y = op->dst->data;
      if (op->type == MIEN_NN_OP_ADD)
        {
          const float *b = op->src[1]->data;
          for (size_t i = i0; i < i1; i++)
            y[i] = xs[i] + b[i];
        }
      else if (op->type == MIEN_NN_OP_CHANNEL_AFFINE)
        /* In runs that end at a row of channels: c from 0 in each. */
        for (size_t i = i0; i < i1;)
          {
            size_t c0 = i % C, n = C - c0 < i1 - i ? C - c0 : i1 - i;
            if (scale != NULL && shift != NULL)
              for (size_t k = 0; k < n; k++)
                {
                  float v = xs[i + k] * scale[c0 + k];
                  y[i + k] = v + shift[c0 + k];
                }
            else if (scale != NULL)
              for (size_t k = 0; k < n; k++)
                y[i + k] = xs[i + k] * scale[c0 + k];
            else if (shift != NULL)
              for (size_t k = 0; k < n; k++)
                y[i + k] = xs[i + k] + shift[c0 + k];
            else
              for (size_t k = 0; k < n; k++)
                y[i + k] = xs[i + k];
            i += n;
          }
      else
        for (size_t i = i0; i < i1; i++)
          y[i] = xs[i];
      mien_nn_act_row (y + i0, i1 - i0, op->params.act);
    }
}

static mien_status
cpu_eltwise (mien_nn_backend *backend, const mien_nn_op *op)
{
  eltwise_job job = { op, mien_tensor_n_elements (op->dst) };
  int chunks = (int)((job.n + ELTWISE_CHUNK - 1) / ELTWISE_CHUNK);
  mien_pool_parallel_for (mien_nn_cpu_pool_of (backend), chunks, 1, eltwise_chunks, &job);
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
      mien_nn_cpu_run_epilogue (mien_nn_cpu_pool_of (backend), yn, HW, C, scale, shift, op->params.act);
    }
  free (mean);
  free (scale);
  return MIEN_OK;
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
cpu_compute_op (mien_nn_backend *backend, const mien_nn_op *op,
                mien_error *err)
{
  mien_status s = MIEN_OK;
  switch (op->type)
    {
    case MIEN_NN_OP_CONV2D: return mien_nn_cpu_conv2d (backend, op, err);
    case MIEN_NN_OP_DEPTHWISE_CONV2D: return mien_nn_cpu_depthwise (backend, op, err);
    case MIEN_NN_OP_CONV2D_TRANSPOSE:
      return mien_nn_cpu_conv2d_transpose (backend, op, err);
    case MIEN_NN_OP_FULLY_CONNECTED:
      return mien_nn_cpu_fully_connected (backend, op, err);
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
    case MIEN_NN_OP_RESIZE_BILINEAR:
    case MIEN_NN_OP_UPSAMPLE_NEAREST:
    case MIEN_NN_OP_BILINEAR_SAMPLE:
      return mien_nn_cpu_resample (backend, op);
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
  mien_nn_cpu_backend *cpu = calloc (1, sizeof *cpu);
  if (cpu == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  cpu->base.iface = &cpu_iface;
  cpu->base.context = cpu;
  cpu->pool = pool != NULL ? pool : mien_pool_default ();
  /* sgemm's rows are split over the pool (mien-nn-cpu-conv.c, gemm_ex) and
   * OpenBLAS runs each piece on one thread: its own threads spin on
   * sched_yield while they wait, and would oversubscribe the pool's. */
  (void)n_blas_threads;
  openblas_set_num_threads (1);
  return &cpu->base;
}

char *openblas_get_corename (void);

const char *
mien_nn_blas_better_core (void)
{
  if (getenv ("OPENBLAS_CORETYPE") != NULL)
    return NULL;
#if defined(__GNUC__) && defined(__x86_64__)
  /* The cores OpenBLAS falls back to, without AVX kernels. */
  static const char *const generic[] = { "Prescott", "Core2", "Penryn",
                                         "Dunnington", "Nehalem", "Atom",
                                         "Nano", "Banias", "Katmai" };
  const char *core = openblas_get_corename ();
  int fallback = 0;
  for (size_t i = 0; core != NULL && i < sizeof generic / sizeof *generic; i++)
    fallback |= strcasecmp (core, generic[i]) == 0;
  if (!fallback)
    return NULL;
  __builtin_cpu_init ();
  if (__builtin_cpu_supports ("avx512f") && __builtin_cpu_supports ("avx512bw")
      && __builtin_cpu_supports ("avx512vl")
      && __builtin_cpu_supports ("avx512dq"))
    return "SkylakeX";
  if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
    return "Haswell";
  if (__builtin_cpu_supports ("avx"))
    return "Sandybridge";
#endif
  return NULL;
}

int
mien_nn_backend_is_cpu (mien_nn_backend *backend)
{
  return backend != NULL && backend->iface == &cpu_iface;
}
