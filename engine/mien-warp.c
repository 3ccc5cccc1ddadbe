/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-warp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-field.h"
#include "mien-resample.h"
#include "mien-warp-private.h"

/* ---- the fused per-level kernel ---------------------------------------- */

/* compose_job is in mien-warp-private.h: mien-warp-rows.c does 3 and 4
 * channels with vector code; compose_rows below does every case, one
 * pixel at a time (MIEN_WARP_SCALAR=1, 1 or 2 channels). */

/* One output row. The vertical half of both bilinear up-samplings (coarse
 * image and field) is done once per row into `coarse_row` / `field_row`, so
 * each pixel only does the horizontal half: 2 taps instead of 4. */
static inline __attribute__ ((always_inline)) void
compose_row (const compose_job *job, int y, float *coarse_row,
             float *field_row, float *gain_row, const int C, const int cubic)
{
  const mien_image *res = job->residual;
  const mien_image *field = job->field;
  float *out = mien_image_row (job->out, y);

  mien_warp_vertical_halves (job, y, coarse_row, field_row, gain_row, C);

  for (int x = job->x_begin; x < job->x_end; x++)
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
          residual_at (job, x, y, u, v, g, value, C, cubic, 0);
          if (job->nodes != NULL && g < 1.0f)
            transport_residual (job, x, y, value, C, 0, 4);
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
  /* Constant channel counts let the compiler unroll the inner loops, and a
   * constant resampler keeps the bilinear path as lean as before the cubic
   * one existed. */
#define ROWS(C_)                                                             \
  if (job->cubic)                                                            \
    for (int y = begin; y < end; y++)                                        \
      compose_row (job, job->y_begin + y, coarse_row, field_row, gain_row,   \
                   C_, 1);                                                   \
  else                                                                       \
    for (int y = begin; y < end; y++)                                        \
      compose_row (job, job->y_begin + y, coarse_row, field_row, gain_row,   \
                   C_, 0);
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

/* 1 at or beyond `full`, 0 at or beyond `zero`, linear between (as
 * mien-field.c's). */
static float
ramp (float s, float full, float zero)
{
  float t = (s - zero) / (full - zero);
  return t >= 1.0f ? 1.0f : t <= 0.0f ? 0.0f : t;
}

/* Per field node: its displacement in output pixels, the rotation closest
 * to the Jacobian of x → x + F(x) measured in output pixels (the rotation of
 * its polar decomposition, in closed form), and the transport's share
 * (mien-warp.h) from σ1 ≥ σ2, the singular values as
 * mien_field_residual_gain computes them (grid units). */
typedef struct transport_nodes_job {
  const mien_image *field;
  float scale_x, scale_y;
  float *nodes;
} transport_nodes_job;

static void
transport_nodes_rows (void *data, int begin, int end)
{
  const transport_nodes_job *job = data;
  const mien_image *field = job->field;
  const float scale_x = job->scale_x, scale_y = job->scale_y;
  for (int y = begin; y < end; y++)
    for (int x = 0; x < field->width; x++)
      {
        const float *f = mien_image_row (field, y) + 2 * x;
        mien_jacobian j = mien_field_jacobian (field, x, y);
        /* In output pixels: off-diagonal terms scale by the aspect ratio. */
        float a = j.xx, b = j.xy * (scale_x / scale_y);
        float c = j.yx * (scale_y / scale_x), d = j.yy;
        float h = hypotf (a + d, c - b);
        float *n = job->nodes + 5 * ((size_t)y * field->width + x);
        n[0] = f[0] * scale_x;
        n[1] = f[1] * scale_y;
        n[2] = h > 0.0f ? (a + d) / h : 1.0f;
        n[3] = h > 0.0f ? (c - b) / h : 0.0f;
        float p = hypotf (j.xx + j.yy, j.yx - j.xy);
        float q = hypotf (j.xx - j.yy, j.yx + j.xy);
        float s1 = 0.5f * (p + q), s2 = 0.5f * fabsf (p - q);
        float share = ramp (s2, MIEN_GAIN_STRETCH_FULL, MIEN_GAIN_STRETCH_ZERO)
                      * (1.0f - ramp (s1, MIEN_GAIN_SQUEEZE_FULL,
                                      MIEN_GAIN_SQUEEZE_ZERO))
                      * ramp (s1, MIEN_TRANSPORT_SQUEEZE_FULL,
                              MIEN_TRANSPORT_SQUEEZE_ZERO);
        n[4] = share >= 0.0f ? share : 0.0f; /* NaN: none */
      }
}

/* On the pool's threads: three hypotf a node, for every level of every
 * frame, took 2–3 % of a 1K multiscale --sharp frame's samples on one
 * thread while the other waited. */
static float *
transport_nodes (const mien_image *field, float scale_x, float scale_y,
                 mien_pool *pool)
{
  float *nodes = malloc (sizeof (float) * 5 * (size_t)field->width
                         * (size_t)field->height);
  if (nodes == NULL)
    return NULL;
  transport_nodes_job job = { field, scale_x, scale_y, nodes };
  mien_pool_parallel_for (pool, field->height, 8, transport_nodes_rows, &job);
  return nodes;
}

static void
vector_rows (void *data, int begin, int end)
{
  mien_warp_vector_rows (data, begin, end);
}

mien_status
mien_warp_compose (const mien_image *coarse, const mien_image *residual,
                   const mien_image *field, const mien_image *gain,
                   mien_image *out, mien_pool *pool, mien_error *err)
{
  mien_warp_options options = { .gain = gain };
  return mien_warp_compose_ex (coarse, residual, field, &options, out, pool,
                               err);
}

int
mien_warp_reads_residual16 (int channels, const mien_warp_options *options)
{
  (void)options; /* either resampler, with or without the transport */
  return mien_warp_vector_rows_case (1, 1, channels);
}

mien_status
mien_warp_compose_ex (const mien_image *coarse, const mien_image *residual,
                      const mien_image *field,
                      const mien_warp_options *options, mien_image *out,
                      mien_pool *pool, mien_error *err)
{
  const mien_residual16 *residual16 = residual == NULL
                                          ? options->residual16 : NULL;
  if (residual16 != NULL
      && (residual16->width != out->width || residual16->height != out->height
          || residual16->channels != out->channels))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "warp: the 16-bit residual (%d×%d×%d) and output "
                           "(%d×%d×%d) must match", residual16->width,
                           residual16->height, residual16->channels,
                           out->width, out->height, out->channels);
  if (residual16 != NULL
      && !(mien_warp_reads_residual16 (out->channels, options)
           && mien_warp_vector_rows_case (out->width, out->height,
                                          out->channels)))
    {
      /* The general rows read floats: a copy for this call. */
      mien_image *copy = mien_residual16_to_image (residual16, pool, err);
      if (copy == NULL)
        return MIEN_ERR_NOMEM;
      mien_warp_options plain = *options;
      plain.residual16 = NULL;
      mien_status status = mien_warp_compose_ex (coarse, copy, field, &plain,
                                                 out, pool, err);
      mien_image_free (copy);
      return status;
    }
  const mien_image *gain = options->gain;
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
  if (options->transport && gain == NULL)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the texture transport needs a residual gain");

  mien_rect region = options->region;
  if (region.width == 0 || region.height == 0)
    region = (mien_rect){ 0, 0, out->width, out->height };
  if (region.x < 0 || region.y < 0 || region.width < 0 || region.height < 0
      || region.x > out->width - region.width
      || region.y > out->height - region.height)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "warp: the region %d×%d at (%d, %d) is not inside "
                           "the %d×%d output", region.width, region.height,
                           region.x, region.y, out->width, out->height);
  int W = out->width, H = out->height;
  /* One allocation for the four tap tables. */
  mien_lerp_tap *taps = malloc (sizeof *taps * 2 * ((size_t)W + (size_t)H));
  if (taps == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  compose_job job = {
    .coarse = coarse, .residual = residual, .field = field, .gain = gain,
    .residual16 = residual16 != NULL ? residual16->data : NULL,
    .cubic = options->resampler == MIEN_WARP_CUBIC, .out = out,
    .x_begin = region.x, .x_end = region.x + region.width,
    .y_begin = region.y,
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
  float *nodes = NULL;
  int fades = 0;
  if (options->transport && (residual != NULL || residual16 != NULL))
    for (size_t i = 0; i < mien_image_n_floats (gain) && !fades; i++)
      fades = gain->data[i] < 1.0f;
  if (fades)
    {
      nodes = transport_nodes (field, job.scale_x, job.scale_y, pool);
      if (nodes == NULL)
        {
          free (taps);
          return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
        }
      job.nodes = nodes;
    }
  void *vector_tables = NULL;
  if (mien_warp_vector_rows_apply (&job))
    {
      vector_tables = mien_warp_vector_prepare (&job, taps);
      if (vector_tables == NULL)
        {
          free (nodes);
          free (taps);
          return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
        }
    }
  /* 16 chunks a thread: measured (bench-reswarp, 4K multiscale, 2
   * threads, interleaved) 83–86 ms a frame against 100–141 ms with the
   * pool's default 4, whose last chunk (512 rows) waits on a thread the
   * host held up. */
  mien_pool_parallel_for_chunks (pool, region.height, 4, 16,
                                 vector_tables != NULL ? vector_rows
                                                       : compose_rows,
                                 &job);
  free (vector_tables);
  free (nodes);
  free (taps);
  return MIEN_OK;
}

/* ---- 16-bit residuals ----------------------------------------------------- */

typedef struct residual16_job {
  const mien_image *image;
  mien_residual16 *residual;
} residual16_job;

static void
quantize_rows (void *data, int begin, int end)
{
  residual16_job *job = data;
  const size_t row = (size_t)job->image->width * job->image->channels;
  const float inv = 1.0f / MIEN_RESIDUAL16_STEP;
  for (int y = begin; y < end; y++)
    {
      const float *src = mien_image_row (job->image, y);
      int16_t *dst = job->residual->data + (size_t)y * row;
      for (size_t i = 0; i < row; i++)
        {
          /* Round to nearest, clamped; a NaN goes to 0. */
          float q = floorf (src[i] * inv + 0.5f);
          dst[i] = q >= 32767.0f ? 32767 : q <= -32768.0f ? -32768
                   : q == q  ? (int16_t)q : 0;
        }
    }
}

static void
dequantize_rows (void *data, int begin, int end)
{
  residual16_job *job = data;
  const size_t row = (size_t)job->image->width * job->image->channels;
  for (int y = begin; y < end; y++)
    {
      const int16_t *src = job->residual->data + (size_t)y * row;
      float *dst = mien_image_row (job->image, y);
      for (size_t i = 0; i < row; i++)
        dst[i] = (float)src[i] * MIEN_RESIDUAL16_STEP;
    }
}

mien_residual16 *
mien_residual16_from_image (const mien_image *image, mien_pool *pool,
                            mien_error *err)
{
  mien_residual16 *r = calloc (1, sizeof *r);
  /* 8 spare values: the vector rows load a tap's pixel and the next one
   * together (8 values), also at the image's last pixel. */
  int16_t *data = malloc ((mien_image_n_floats (image) + 8) * sizeof *data);
  if (r == NULL || data == NULL)
    {
      free (r);
      free (data);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  *r = (mien_residual16){ image->width, image->height, image->channels, data };
  memset (data + mien_image_n_floats (image), 0, 8 * sizeof *data);
  residual16_job job = { image, r };
  mien_pool_parallel_for (pool, image->height, 16, quantize_rows, &job);
  return r;
}

mien_image *
mien_residual16_to_image (const mien_residual16 *residual, mien_pool *pool,
                          mien_error *err)
{
  mien_image *image = mien_image_new (residual->width, residual->height,
                                      residual->channels, err);
  if (image == NULL)
    return NULL;
  residual16_job job = { image, (mien_residual16 *)residual };
  mien_pool_parallel_for (pool, image->height, 16, dequantize_rows, &job);
  return image;
}

void
mien_residual16_free (mien_residual16 *residual)
{
  if (residual == NULL)
    return;
  free (residual->data);
  free (residual);
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
