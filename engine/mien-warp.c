/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-warp.h"

#include <stdlib.h>

#include "mien-resample.h"

/* ---- the fused per-level kernel ---------------------------------------- */

typedef struct compose_job {
  const mien_image *coarse;
  const mien_image *residual; /* may be NULL */
  const mien_image *field;    /* may be NULL */
  const mien_image *gain;     /* 1 channel at the field's size; NULL: 1 */
  mien_image *out;
  const mien_lerp_tap *coarse_x, *coarse_y;
  const mien_lerp_tap *field_x, *field_y;
  float scale_x, scale_y;
} compose_job;

/* Bilinear sample position i + d clamped to [0, n − 1], split into the left
 * tap *i0 and the weight *w of the right one. */
static inline void
sample_position (int i, float d, int n, int *i0, float *w)
{
  /* Bound d first so that the int conversion stays defined; written as
   * comparisons because fminf/fmaxf are library calls at baseline x86-64,
   * and so that a NaN goes to the bound. */
  const float bound = (float)n + 1.0f;
  if (!(d >= -bound))
    d = -bound;
  else if (d > bound)
    d = bound;
  int whole = (int)d;
  whole -= (float)whole > d; /* floor for negative d */
  int left = i + whole;
  float frac = d - (float)whole;
  if (left < 0)
    left = 0, frac = 0.0f;
  else if (left >= n - 1)
    left = n - 1, frac = 0.0f;
  *i0 = left;
  *w = frac;
}

/* One output row. The vertical half of both bilinear up-samplings (coarse
 * image and field) is done once per row into `coarse_row` / `field_row`, so
 * each pixel only does the horizontal half: 2 taps instead of 4. */
static inline __attribute__ ((always_inline)) void
compose_row (const compose_job *job, int y, float *coarse_row,
             float *field_row, float *gain_row, const int C)
{
  const mien_image *coarse = job->coarse;
  const mien_image *res = job->residual;
  const mien_image *field = job->field;
  const int W = job->out->width;
  float *out = mien_image_row (job->out, y);

  mien_lerp_tap cy = job->coarse_y[y];
  const float *c0 = mien_image_row (coarse, cy.i0);
  const float *c1 = mien_image_row (coarse, cy.i1);
  for (int i = 0; i < coarse->width * C; i++)
    coarse_row[i] = mien_lerp (c0[i], c1[i], cy.w);
  if (field != NULL)
    {
      mien_lerp_tap fy = job->field_y[y];
      const float *f0 = mien_image_row (field, fy.i0);
      const float *f1 = mien_image_row (field, fy.i1);
      for (int i = 0; i < field->width * 2; i++)
        field_row[i] = mien_lerp (f0[i], f1[i], fy.w);
      if (job->gain != NULL)
        {
          const float *g0 = mien_image_row (job->gain, fy.i0);
          const float *g1 = mien_image_row (job->gain, fy.i1);
          for (int i = 0; i < field->width; i++)
            gain_row[i] = mien_lerp (g0[i], g1[i], fy.w);
        }
    }

  for (int x = 0; x < W; x++)
    {
      mien_lerp_tap cx = job->coarse_x[x];
      float value[4];
      for (int c = 0; c < C; c++)
        value[c] = mien_lerp (coarse_row[cx.i0 * C + c],
                              coarse_row[cx.i1 * C + c], cx.w);
      if (res != NULL)
        {
          float u = 0.0f, v = 0.0f, g = 1.0f;
          if (field != NULL)
            {
              mien_lerp_tap fx = job->field_x[x];
              u = mien_lerp (field_row[fx.i0 * 2], field_row[fx.i1 * 2], fx.w);
              v = mien_lerp (field_row[fx.i0 * 2 + 1], field_row[fx.i1 * 2 + 1],
                             fx.w);
              if (job->gain != NULL)
                g = mien_lerp (gain_row[fx.i0], gain_row[fx.i1], fx.w);
            }
          if (u == 0.0f && v == 0.0f)
            {
              /* Still pixels (background, hair): an exact read, no taps. The
               * gain is exactly 1 wherever the field is locally rigid. */
              const float *r = mien_image_row (res, y) + (size_t)x * C;
              for (int c = 0; c < C; c++)
                value[c] += g * r[c];
            }
          else
            {
              /* Integer and fractional parts come from the displacement
               * alone: x + dx in float32 would lose sub-pixel precision at 4K
               * (ulp of 4096 is 2.4e-4), and the residual is all high
               * frequencies. */
              int x0, y0;
              float wx, wy;
              sample_position (x, u * job->scale_x, res->width, &x0, &wx);
              sample_position (y, v * job->scale_y, res->height, &y0, &wy);
              int x1 = x0 + (x0 < res->width - 1);
              int y1 = y0 + (y0 < res->height - 1);
              const float *r0 = mien_image_row (res, y0);
              const float *r1 = mien_image_row (res, y1);
              for (int c = 0; c < C; c++)
                {
                  float top = mien_lerp (r0[x0 * C + c], r0[x1 * C + c], wx);
                  float bot = mien_lerp (r1[x0 * C + c], r1[x1 * C + c], wx);
                  value[c] += g * mien_lerp (top, bot, wy);
                }
            }
        }
      for (int c = 0; c < C; c++)
        out[x * C + c] = value[c];
    }
}

static void
compose_rows (void *data, int begin, int end)
{
  const compose_job *job = data;
  int C = job->out->channels;
  size_t n = (size_t)job->coarse->width * C
             + (job->field ? (size_t)job->field->width * 3 : 0);
  float *scratch = malloc (n * sizeof (float));
  if (scratch == NULL)
    abort (); /* a few KB; cannot report from a worker, and cannot go on */
  float *coarse_row = scratch;
  float *field_row = scratch + (size_t)job->coarse->width * C;
  float *gain_row = job->field ? field_row + (size_t)job->field->width * 2
                               : NULL;
  /* Constant channel counts let the compiler unroll the inner loops. */
#define ROWS(C_)                                                             \
  for (int y = begin; y < end; y++)                                          \
    compose_row (job, y, coarse_row, field_row, gain_row, C_);
  switch (C)
    {
    case 1: ROWS (1) break;
    case 2: ROWS (2) break;
    case 3: ROWS (3) break;
    default: ROWS (4) break;
    }
#undef ROWS
  free (scratch);
}

mien_status
mien_warp_compose (const mien_image *coarse, const mien_image *residual,
                   const mien_image *field, const mien_image *gain,
                   mien_image *out, mien_pool *pool, mien_error *err)
{
  if (coarse->channels != out->channels
      || (residual && !mien_image_same_shape (residual, out)))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "warp: the residual (%d×%d×%d) and output "
                           "(%d×%d×%d) must match, with the coarse image's "
                           "%d channels",
                           residual ? residual->width : 0,
                           residual ? residual->height : 0,
                           residual ? residual->channels : 0, out->width,
                           out->height, out->channels, coarse->channels);
  if (field != NULL && field->channels != 2)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "a motion field has 2 channels, not %d",
                           field->channels);
  if (gain != NULL
      && (field == NULL || gain->channels != 1 || gain->width != field->width
          || gain->height != field->height))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "a residual gain needs a field and must be 1 "
                           "channel at its size");

  int W = out->width, H = out->height;
  /* One allocation for the four tap tables. */
  mien_lerp_tap *taps = malloc (sizeof *taps * 2 * ((size_t)W + (size_t)H));
  if (taps == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  compose_job job = {
    .coarse = coarse, .residual = residual, .field = field, .gain = gain,
    .out = out,
    .coarse_x = taps, .coarse_y = taps + W,
    .field_x = taps + W + H, .field_y = taps + 2 * W + H,
  };
  mien_lerp_taps_init (taps, coarse->width, W);
  mien_lerp_taps_init (taps + W, coarse->height, H);
  if (field != NULL)
    {
      mien_lerp_taps_init (taps + W + H, field->width, W);
      mien_lerp_taps_init (taps + 2 * W + H, field->height, H);
      job.scale_x = (float)W / (float)field->width;
      job.scale_y = (float)H / (float)field->height;
    }
  mien_pool_parallel_for (pool, H, 4, compose_rows, &job);
  free (taps);
  return MIEN_OK;
}

/* ---- plain warp ---------------------------------------------------------- */

mien_status
mien_warp_bilinear (const mien_image *src, const mien_image *field,
                    mien_image *out, mien_pool *pool, mien_error *err)
{
  if (field->width != src->width || field->height != src->height)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "warp: field %d×%d does not match image %d×%d",
                           field->width, field->height, src->width,
                           src->height);
  /* A warp is a compose level whose "coarse" image is zero: reuse the kernel
   * by composing onto a zero image of 1×1. */
  mien_image zero_pixel = { 1, 1, src->channels, (float[4]){ 0, 0, 0, 0 } };
  return mien_warp_compose (&zero_pixel, src, field, NULL, out, pool, err);
}
