/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-resample.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
mien_lerp_taps_init (mien_lerp_tap *taps, int in_size, int out_size)
{
  double scale = (double)in_size / (double)out_size;
  for (int i = 0; i < out_size; i++)
    {
      double s = ((double)i + 0.5) * scale - 0.5;
      if (s < 0.0)
        s = 0.0;
      if (s > in_size - 1)
        s = in_size - 1;
      int i0 = (int)s;
      taps[i].i0 = i0;
      taps[i].i1 = i0 + 1 < in_size ? i0 + 1 : i0;
      taps[i].w = (float)(s - i0);
    }
}

/* Area weights of one axis: output j reads n[j] inputs from first[j],
 * with weights at weights[j * max_taps + t]. */
typedef struct area_axis {
  int *first;
  int *count;
  float *weights;
  int max_taps;
} area_axis;

static void
area_axis_free (area_axis *axis)
{
  free (axis->first);
  free (axis->count);
  free (axis->weights);
}

static int
area_axis_init (area_axis *axis, int in_size, int out_size)
{
  double f = (double)in_size / (double)out_size;
  axis->max_taps = (int)ceil (f) + 1;
  axis->first = malloc (sizeof (int) * (size_t)out_size);
  axis->count = malloc (sizeof (int) * (size_t)out_size);
  axis->weights = calloc ((size_t)out_size * (size_t)axis->max_taps,
                          sizeof (float));
  if (!axis->first || !axis->count || !axis->weights)
    {
      area_axis_free (axis);
      return 0;
    }
  for (int j = 0; j < out_size; j++)
    {
      double a = j * f, b = (j + 1) * f;
      int lo = (int)floor (a);
      int hi = (int)ceil (b); /* exclusive */
      if (hi > in_size)
        hi = in_size;
      int n = 0;
      float *w = axis->weights + (size_t)j * (size_t)axis->max_taps;
      axis->first[j] = lo;
      for (int i = lo; i < hi; i++)
        {
          double overlap = fmin (b, i + 1.0) - fmax (a, (double)i);
          w[n++] = overlap > 0.0 ? (float)(overlap / f) : 0.0f;
        }
      axis->count[j] = n;
    }
  return 1;
}

typedef struct area_job {
  const mien_image *src;
  mien_image *tmp; /* dst_w × src_h */
  mien_image *dst;
  const area_axis *ax;
  const area_axis *ay;
} area_job;

static void
area_rows_horizontal (void *data, int begin, int end)
{
  area_job *job = data;
  int C = job->src->channels;
  for (int y = begin; y < end; y++)
    {
      const float *in = mien_image_row (job->src, y);
      float *out = mien_image_row (job->tmp, y);
      for (int j = 0; j < job->tmp->width; j++)
        {
          const float *w = job->ax->weights + (size_t)j * job->ax->max_taps;
          const float *p = in + (size_t)job->ax->first[j] * C;
          for (int c = 0; c < C; c++)
            {
              float acc = 0.0f;
              for (int t = 0; t < job->ax->count[j]; t++)
                acc += w[t] * p[t * C + c];
              out[j * C + c] = acc;
            }
        }
    }
}

static void
area_rows_vertical (void *data, int begin, int end)
{
  area_job *job = data;
  size_t row_floats = (size_t)job->dst->width * job->dst->channels;
  for (int j = begin; j < end; j++)
    {
      float *out = mien_image_row (job->dst, j);
      const float *w = job->ay->weights + (size_t)j * job->ay->max_taps;
      memset (out, 0, row_floats * sizeof (float));
      for (int t = 0; t < job->ay->count[j]; t++)
        {
          const float *in = mien_image_row (job->tmp, job->ay->first[j] + t);
          for (size_t k = 0; k < row_floats; k++)
            out[k] += w[t] * in[k];
        }
    }
}

mien_status
mien_downsample_area (const mien_image *src, mien_image *dst, mien_pool *pool,
                      mien_error *err)
{
  if (src->channels != dst->channels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "down-sampling: %d channels into %d", src->channels,
                           dst->channels);
  area_axis ax = { 0 }, ay = { 0 };
  mien_image *tmp = NULL;
  mien_status status = MIEN_OK;
  if (!area_axis_init (&ax, src->width, dst->width)
      || !area_axis_init (&ay, src->height, dst->height))
    {
      status = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      goto out;
    }
  tmp = mien_image_new (dst->width, src->height, src->channels, err);
  if (tmp == NULL)
    {
      status = MIEN_ERR_NOMEM;
      goto out;
    }
  area_job job = { src, tmp, dst, &ax, &ay };
  mien_pool_parallel_for (pool, src->height, 8, area_rows_horizontal, &job);
  mien_pool_parallel_for (pool, dst->height, 4, area_rows_vertical, &job);
out:
  mien_image_free (tmp);
  area_axis_free (&ax);
  area_axis_free (&ay);
  return status;
}

typedef struct bilinear_job {
  const mien_image *src;
  mien_image *dst;
  const mien_lerp_tap *tx;
  const mien_lerp_tap *ty;
} bilinear_job;

static void
bilinear_rows (void *data, int begin, int end)
{
  bilinear_job *job = data;
  int C = job->src->channels;
  for (int y = begin; y < end; y++)
    {
      mien_lerp_tap ty = job->ty[y];
      const float *r0 = mien_image_row (job->src, ty.i0);
      const float *r1 = mien_image_row (job->src, ty.i1);
      float *out = mien_image_row (job->dst, y);
      for (int x = 0; x < job->dst->width; x++)
        {
          mien_lerp_tap tx = job->tx[x];
          /* Vertical first, then horizontal: the order ResWarp's fused
           * kernel uses, so both give the same bits. */
          for (int c = 0; c < C; c++)
            {
              float left = mien_lerp (r0[tx.i0 * C + c], r1[tx.i0 * C + c], ty.w);
              float right = mien_lerp (r0[tx.i1 * C + c], r1[tx.i1 * C + c], ty.w);
              out[x * C + c] = mien_lerp (left, right, tx.w);
            }
        }
    }
}

mien_status
mien_upsample_bilinear (const mien_image *src, mien_image *dst,
                        mien_pool *pool, mien_error *err)
{
  if (src->channels != dst->channels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "up-sampling: %d channels into %d", src->channels,
                           dst->channels);
  mien_lerp_tap *tx = malloc (sizeof *tx * (size_t)dst->width);
  mien_lerp_tap *ty = malloc (sizeof *ty * (size_t)dst->height);
  if (tx == NULL || ty == NULL)
    {
      free (tx);
      free (ty);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  mien_lerp_taps_init (tx, src->width, dst->width);
  mien_lerp_taps_init (ty, src->height, dst->height);
  bilinear_job job = { src, dst, tx, ty };
  mien_pool_parallel_for (pool, dst->height, 8, bilinear_rows, &job);
  free (tx);
  free (ty);
  return MIEN_OK;
}
