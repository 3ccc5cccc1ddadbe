/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-reswarp.h"

#include "mien-field.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-resample.h"

struct mien_decomposition {
  mien_reswarp_mode mode;
  int width, height, channels;
  int n_sizes; /* pyramid sizes, full to low */
  mien_level_size sizes[MIEN_PYRAMID_MAX_LEVELS + 1];
  mien_image *low;
  int n_residuals;
  mien_image *residuals[MIEN_PYRAMID_MAX_LEVELS];
  /* Multiscale intermediate results per level, kept across frames so that the
   * hot path does not fault in fresh pages for every frame. */
  mien_image *scratch[MIEN_PYRAMID_MAX_LEVELS];
  /* The residual gain (mien_field_residual_gain), on unless turned off. */
  int residual_fade;
  mien_image *gain; /* low size, 1 channel; rebuilt every frame */
};

const char *
mien_reswarp_mode_to_string (mien_reswarp_mode mode)
{
  return mode == MIEN_RESWARP_MULTISCALE ? "multiscale" : "vanilla";
}

int
mien_reswarp_mode_from_string (const char *name)
{
  if (name == NULL)
    return -1;
  if (strcmp (name, "vanilla") == 0)
    return MIEN_RESWARP_VANILLA;
  if (strcmp (name, "multiscale") == 0)
    return MIEN_RESWARP_MULTISCALE;
  return -1;
}

static int
halve_side (int side, int low)
{
  int half = (side + 1) / 2;
  return half < low ? low : half;
}

int
mien_pyramid_level_sizes (int width, int height, int low_w, int low_h,
                          mien_level_size *sizes, int max_sizes)
{
  int n = 0;
  int w = width, h = height;
  sizes[n++] = (mien_level_size){ w, h };
  while ((w >= 2 * low_w || h >= 2 * low_h) && n < max_sizes - 1)
    {
      w = halve_side (w, low_w);
      h = halve_side (h, low_h);
      sizes[n++] = (mien_level_size){ w, h };
    }
  if ((w != low_w || h != low_h) && n < max_sizes)
    sizes[n++] = (mien_level_size){ low_w, low_h };
  return n;
}

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
mien_reswarp_compose_level (const mien_image *coarse,
                            const mien_image *residual,
                            const mien_image *field, mien_image *out,
                            mien_pool *pool, mien_error *err)
{
  return mien_reswarp_compose_level_gain (coarse, residual, field, NULL, out,
                                          pool, err);
}

mien_status
mien_reswarp_compose_level_gain (const mien_image *coarse,
                                 const mien_image *residual,
                                 const mien_image *field,
                                 const mien_image *gain, mien_image *out,
                                 mien_pool *pool, mien_error *err)
{
  if (coarse->channels != out->channels
      || (residual && !mien_image_same_shape (residual, out)))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "ResWarp level: the residual (%d×%d×%d) and output "
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
  return mien_reswarp_compose_level (&zero_pixel, src, field, out, pool, err);
}

/* ---- decomposition ------------------------------------------------------- */

typedef struct subtract_job {
  const mien_image *a;
  mien_image *b; /* b = a − b */
} subtract_job;

static void
subtract_rows (void *data, int begin, int end)
{
  subtract_job *job = data;
  size_t row = (size_t)job->a->width * job->a->channels;
  for (int y = begin; y < end; y++)
    {
      const float *a = mien_image_row (job->a, y);
      float *b = mien_image_row (job->b, y);
      for (size_t i = 0; i < row; i++)
        b[i] = a[i] - b[i];
    }
}

/* residual = fine − up(coarse), computed by the same kernel as the frame. */
static mien_image *
make_residual (const mien_image *fine, const mien_image *coarse,
               mien_pool *pool, mien_error *err)
{
  mien_image *res = mien_image_new (fine->width, fine->height, fine->channels,
                                    err);
  if (res == NULL)
    return NULL;
  if (mien_reswarp_compose_level (coarse, NULL, NULL, res, pool, err) != MIEN_OK)
    {
      mien_image_free (res);
      return NULL;
    }
  subtract_job job = { fine, res };
  mien_pool_parallel_for (pool, fine->height, 16, subtract_rows, &job);
  return res;
}

static mien_image *
downsample_to (const mien_image *src, int w, int h, mien_pool *pool,
               mien_error *err)
{
  mien_image *dst = mien_image_new (w, h, src->channels, err);
  if (dst != NULL && mien_downsample_area (src, dst, pool, err) != MIEN_OK)
    {
      mien_image_free (dst);
      dst = NULL;
    }
  return dst;
}

static int
decompose_vanilla (mien_decomposition *dec, const mien_image *hd,
                   mien_pool *pool, mien_error *err)
{
  mien_level_size low = dec->sizes[dec->n_sizes - 1];
  dec->low = downsample_to (hd, low.width, low.height, pool, err);
  if (dec->low == NULL)
    return 0;
  dec->residuals[0] = make_residual (hd, dec->low, pool, err);
  dec->n_residuals = dec->residuals[0] != NULL;
  return dec->n_residuals == 1;
}

static int
decompose_multiscale (mien_decomposition *dec, const mien_image *hd,
                      mien_pool *pool, mien_error *err)
{
  const mien_image *fine = hd;
  mien_image *owned_fine = NULL;
  for (int k = 0; k + 1 < dec->n_sizes; k++)
    {
      mien_level_size next = dec->sizes[k + 1];
      /* Intermediate levels cascade (cheap), but the top is averaged straight
       * from I^h: I = down(I^h) must not depend on the mode, and at sizes that
       * are not 128·2^k a cascade of area averages differs from one. The
       * pyramid telescopes whatever the levels are, so this stays exact. */
      const mien_image *source = k + 2 == dec->n_sizes ? hd : fine;
      mien_image *coarse = downsample_to (source, next.width, next.height,
                                          pool, err);
      if (coarse == NULL)
        {
          mien_image_free (owned_fine);
          return 0;
        }
      dec->residuals[k] = make_residual (fine, coarse, pool, err);
      mien_image_free (owned_fine);
      if (dec->residuals[k] == NULL)
        {
          mien_image_free (coarse);
          return 0;
        }
      dec->n_residuals = k + 1;
      fine = owned_fine = coarse;
    }
  /* The last level is I itself; with a single size the photo is I. */
  dec->low = owned_fine != NULL ? owned_fine : mien_image_copy (hd, err);
  return dec->low != NULL;
}

mien_decomposition *
mien_decomposition_new (const mien_image *hd, int low_w, int low_h,
                        mien_reswarp_mode mode, mien_pool *pool,
                        mien_error *err)
{
  if (low_w <= 0 || low_h <= 0)
    {
      mien_error_set (err, MIEN_ERR_INVALID, "invalid low-resolution size %d×%d",
                      low_w, low_h);
      return NULL;
    }
  if (mien_image_check_size (hd->width, hd->height, hd->channels, err)
      != MIEN_OK)
    return NULL;
  mien_decomposition *dec = calloc (1, sizeof *dec);
  if (dec == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  dec->mode = mode;
  dec->residual_fade = 1;
  dec->width = hd->width;
  dec->height = hd->height;
  dec->channels = hd->channels;
  dec->n_sizes = mien_pyramid_level_sizes (hd->width, hd->height, low_w, low_h,
                                           dec->sizes,
                                           MIEN_PYRAMID_MAX_LEVELS + 1);
  if (dec->sizes[dec->n_sizes - 1].width != low_w
      || dec->sizes[dec->n_sizes - 1].height != low_h)
    {
      /* Cannot happen within the image size limits; refuse rather than
       * produce a pyramid that ends at the wrong size. */
      mien_error_set (err, MIEN_ERR_INVALID, "pyramid too deep for %d×%d",
                      hd->width, hd->height);
      free (dec);
      return NULL;
    }
  int ok = mode == MIEN_RESWARP_MULTISCALE
               ? decompose_multiscale (dec, hd, pool, err)
               : decompose_vanilla (dec, hd, pool, err);
  if (!ok)
    {
      mien_decomposition_free (dec);
      return NULL;
    }
  return dec;
}

void
mien_decomposition_free (mien_decomposition *dec)
{
  if (dec == NULL)
    return;
  mien_image_free (dec->low);
  mien_image_free (dec->gain);
  for (int k = 0; k < MIEN_PYRAMID_MAX_LEVELS; k++)
    {
      mien_image_free (dec->residuals[k]);
      mien_image_free (dec->scratch[k]);
    }
  free (dec);
}

void
mien_decomposition_set_residual_fade (mien_decomposition *dec, int on)
{
  dec->residual_fade = on != 0;
}

int
mien_decomposition_get_residual_fade (const mien_decomposition *dec)
{
  return dec->residual_fade;
}

mien_reswarp_mode
mien_decomposition_get_mode (const mien_decomposition *dec)
{
  return dec->mode;
}

const mien_image *
mien_decomposition_get_low (const mien_decomposition *dec)
{
  return dec->low;
}

int
mien_decomposition_get_width (const mien_decomposition *dec)
{
  return dec->width;
}

int
mien_decomposition_get_height (const mien_decomposition *dec)
{
  return dec->height;
}

int
mien_decomposition_get_n_residuals (const mien_decomposition *dec)
{
  return dec->n_residuals;
}

const mien_image *
mien_decomposition_get_residual (const mien_decomposition *dec, int k)
{
  return k >= 0 && k < dec->n_residuals ? dec->residuals[k] : NULL;
}

/* ---- one frame ----------------------------------------------------------- */

static mien_status
check_frame_inputs (const mien_decomposition *dec, const mien_image *refined,
                    const mien_image *field, const mien_image *out,
                    mien_error *err)
{
  const mien_image *low = dec->low;
  if (!mien_image_same_shape (refined, low))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the low-resolution result is %d×%d with %d "
                           "channels; expected %d×%d with %d",
                           refined->width, refined->height, refined->channels,
                           low->width, low->height, low->channels);
  if (field->width != low->width || field->height != low->height
      || field->channels != 2)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the motion field is %d×%d with %d channels; "
                           "expected %d×%d with 2",
                           field->width, field->height, field->channels,
                           low->width, low->height);
  if (out->width != dec->width || out->height != dec->height
      || out->channels != dec->channels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the output is %d×%d×%d; expected %d×%d×%d",
                           out->width, out->height, out->channels, dec->width,
                           dec->height, dec->channels);
  if (!mien_image_all_finite (field))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the motion field contains NaN or infinite values");
  return MIEN_OK;
}

mien_status
mien_reswarp (mien_decomposition *dec, const mien_image *refined,
              const mien_image *field, mien_image *out, mien_pool *pool,
              mien_error *err)
{
  mien_status status = check_frame_inputs (dec, refined, field, out, err);
  if (status != MIEN_OK)
    return status;
  const mien_image *gain = NULL;
  if (dec->residual_fade)
    {
      if (dec->gain == NULL)
        dec->gain = mien_image_new (field->width, field->height, 1, err);
      if (dec->gain == NULL)
        return MIEN_ERR_NOMEM;
      status = mien_field_residual_gain (field, dec->gain, err);
      if (status != MIEN_OK)
        return status;
      gain = dec->gain;
    }
  if (dec->mode == MIEN_RESWARP_VANILLA)
    return mien_reswarp_compose_level_gain (refined, dec->residuals[0], field,
                                            gain, out, pool, err);

  if (dec->n_residuals == 0)
    {
      memcpy (out->data, refined->data,
              mien_image_n_floats (out) * sizeof (float));
      return MIEN_OK;
    }
  const mien_image *coarse = refined;
  for (int k = dec->n_residuals - 1; k >= 0; k--)
    {
      mien_image *dst = out;
      if (k > 0)
        {
          if (dec->scratch[k] == NULL)
            dec->scratch[k] = mien_image_new (dec->sizes[k].width,
                                              dec->sizes[k].height,
                                              dec->channels, err);
          if (dec->scratch[k] == NULL)
            return MIEN_ERR_NOMEM;
          dst = dec->scratch[k];
        }
      status = mien_reswarp_compose_level_gain (coarse, dec->residuals[k],
                                                field, gain, dst, pool, err);
      if (status != MIEN_OK)
        return status;
      coarse = dst;
    }
  return MIEN_OK;
}
