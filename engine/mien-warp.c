/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-warp.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-field.h"
#include "mien-resample.h"
#include "mien-warp-private.h"

/* ---- the fused per-level kernel ---------------------------------------- */

/* compose_job is in mien-warp-private.h: mien-warp-rows.c does the default
 * case with vector code; compose_rows below does every case. */

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

typedef float v4f __attribute__ ((vector_size (16)));

/* Keys' cubic convolution weights (a = MIEN_WARP_CUBIC_A) of the taps at
 * −1, 0, 1, 2 for a sample at fraction t of [0, 1), as one vector: the
 * kernel at the distances 1 + t, t, 1 − t, 2 − t, each lane with its own
 * piece's coefficients, in Horner form. At t = 0 they are exactly
 * (0, 1, 0, 0) in float (a = −3/4 keeps every product exact), so integer
 * displacements (F = 0 above all) read the residual exactly: the identity
 * property does not depend on the fast path. */
static inline v4f
cubic_weights (float t)
{
  const float a = MIEN_WARP_CUBIC_A;
  const v4f c3 = { a, a + 2.0f, a + 2.0f, a };
  const v4f c2 = { -5.0f * a, -(a + 3.0f), -(a + 3.0f), -5.0f * a };
  const v4f c1 = { 8.0f * a, 0.0f, 0.0f, 8.0f * a };
  const v4f c0 = { -4.0f * a, 1.0f, 1.0f, -4.0f * a };
  const v4f base = { 1.0f, 0.0f, 1.0f, 2.0f };
  const v4f sign = { 1.0f, 1.0f, -1.0f, -1.0f };
  v4f d = base + sign * t;
  return ((c3 * d + c2) * d + c1) * d + c0;
}

static inline v4f
load4 (const float *p)
{
  v4f v;
  memcpy (&v, p, sizeof v); /* unaligned */
  return v;
}

static inline int
clamp_index (int i, int n)
{
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/* acc[c] += weight · res(x + dx, y + dy), bilinear or cubic, positions
 * clamped to the image and taps border-replicated. */
static inline __attribute__ ((always_inline)) void
sample_residual (const mien_image *res, int x, int y, float dx, float dy,
                 float weight, int cubic, float *acc, const int C)
{
  int x0, y0;
  float wx, wy;
  sample_position (x, dx, res->width, &x0, &wx);
  sample_position (y, dy, res->height, &y0, &wy);
  if (!cubic)
    {
      int x1 = x0 + (x0 < res->width - 1);
      int y1 = y0 + (y0 < res->height - 1);
      const float *r0 = mien_image_row (res, y0);
      const float *r1 = mien_image_row (res, y1);
      for (int c = 0; c < C; c++)
        {
          float top = mien_lerp (r0[x0 * C + c], r0[x1 * C + c], wx);
          float bot = mien_lerp (r1[x0 * C + c], r1[x1 * C + c], wx);
          acc[c] += weight * mien_lerp (top, bot, wy);
        }
      return;
    }
  const v4f kx = cubic_weights (wx), ky = cubic_weights (wy);
  /* x0 ≥ 1, x0 + 3 < width, y0 ≥ 1 and y0 + 2 < height, two compares. */
  if ((C == 3 || C == 4) && res->width >= 4 && res->height >= 3
      && (unsigned)(x0 - 1) < (unsigned)(res->width - 4)
      && (unsigned)(y0 - 1) < (unsigned)(res->height - 3))
    {
      /* Inside the image each tap's channels load as one short vector (for
       * 3 channels with the next pixel's first value in the unused lane,
       * which is why x0 + 3 must be inside too): the 16 taps are 16 vector
       * multiply-adds for all channels at once. The sum is the scalar
       * loop's up to float rounding order. */
      const size_t stride = (size_t)res->width * C;
      const float *r = mien_image_row (res, y0 - 1) + (size_t)(x0 - 1) * C;
      v4f sum = { 0.0f, 0.0f, 0.0f, 0.0f };
      for (int k = 0; k < 4; k++)
        {
          const float *t = r + k * C;
          v4f col = ky[0] * load4 (t) + ky[1] * load4 (t + stride)
                    + ky[2] * load4 (t + 2 * stride)
                    + ky[3] * load4 (t + 3 * stride);
          sum += kx[k] * col;
        }
      for (int c = 0; c < C; c++)
        acc[c] += weight * sum[c];
      return;
    }
  int xs[4];
  for (int k = 0; k < 4; k++)
    xs[k] = clamp_index (x0 + k - 1, res->width) * C;
  float sum[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
  for (int j = 0; j < 4; j++)
    {
      const float *r = mien_image_row (res, clamp_index (y0 + j - 1,
                                                         res->height));
      for (int c = 0; c < C; c++)
        sum[c] += ky[j] * (kx[0] * r[xs[0] + c] + kx[1] * r[xs[1] + c]
                           + kx[2] * r[xs[2] + c] + kx[3] * r[xs[3] + c]);
    }
  for (int c = 0; c < C; c++)
    acc[c] += weight * sum[c];
}

/* The texture transport at output pixel (x, y) (see mien-warp.h): the
 * residual carried by each of the four surrounding field nodes' rigid
 * motions, blended with the field's own bilinear weights and rescaled so that
 * the blend keeps the residual's energy where the copies are uncorrelated. */
static inline __attribute__ ((always_inline)) void
transport_residual (const compose_job *job, int x, int y, float *acc,
                    const int C)
{
  mien_lerp_tap fx = job->field_x[x], fy = job->field_y[y];
  const int fw = job->field->width;
  const int ix[4] = { fx.i0, fx.i1, fx.i0, fx.i1 };
  const int iy[4] = { fy.i0, fy.i0, fy.i1, fy.i1 };
  const float w[4] = { (1.0f - fx.w) * (1.0f - fy.w), fx.w * (1.0f - fy.w),
                       (1.0f - fx.w) * fy.w, fx.w * fy.w };
  float dx[4], dy[4];
  for (int n = 0; n < 4; n++)
    {
      const float *node = job->nodes + 5 * ((size_t)iy[n] * fw + ix[n]);
      /* x − p_n, with p_n the node's centre in output pixels. */
      float rx = (float)x - (((float)ix[n] + 0.5f) * job->scale_x - 0.5f);
      float ry = (float)y - (((float)iy[n] + 0.5f) * job->scale_y - 0.5f);
      float co = node[2] - 1.0f, si = node[3];
      dx[n] = node[0] + co * rx - si * ry;
      dy[n] = node[1] + si * rx + co * ry;
    }
  /* The transport's share, up-sampled like the gain. */
  float share = 0.0f;
  for (int n = 0; n < 4; n++)
    share += w[n] * job->nodes[5 * ((size_t)iy[n] * fw + ix[n]) + 4];
  if (!(share > 0.0f))
    return;
  float energy = 0.0f;
  for (int n = 0; n < 4; n++)
    {
      energy += w[n] * w[n];
      for (int m = n + 1; m < 4; m++)
        {
          float ex = dx[n] - dx[m], ey = dy[n] - dy[m];
          /* The copies' correlation: 1 where they coincide, falling to 0
           * at 2 pixels apart (pores are a few pixels), cheaper than a
           * Gaussian and as smooth where it matters. */
          float q = 1.0f - 0.25f * (ex * ex + ey * ey);
          energy += q > 0.0f ? 2.0f * w[n] * w[m] * q * q : 0.0f;
        }
    }
  float scale = share / sqrtf (energy);
  for (int n = 0; n < 4; n++)
    if (w[n] != 0.0f)
      sample_residual (job->residual, x, y, dx[n], dy[n], w[n] * scale,
                       job->cubic, acc, C);
}

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
          if (u == 0.0f && v == 0.0f)
            {
              /* Still pixels (background, hair): an exact read, no taps. The
               * gain is exactly 1 wherever the field is locally rigid. */
              const float *r = mien_image_row (res, y) + (size_t)x * C;
              for (int c = 0; c < C; c++)
                value[c] += g * r[c];
              if (job->nodes != NULL && g < 1.0f)
                transport_residual (job, x, y, value, C);
            }
          else
            {
              /* Integer and fractional parts come from the displacement
               * alone: x + dx in float32 would lose sub-pixel precision at 4K
               * (ulp of 4096 is 2.4e-4), and the residual is all high
               * frequencies. */
              if (g > 0.0f)
                sample_residual (res, x, y, u * job->scale_x,
                                 v * job->scale_y, g, cubic, value, C);
              if (job->nodes != NULL && g < 1.0f)
                transport_residual (job, x, y, value, C);
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
static float *
transport_nodes (const mien_image *field, float scale_x, float scale_y)
{
  float *nodes = malloc (sizeof (float) * 5 * (size_t)field->width
                         * (size_t)field->height);
  if (nodes == NULL)
    return NULL;
  for (int y = 0; y < field->height; y++)
    for (int x = 0; x < field->width; x++)
      {
        const float *f = mien_image_row (field, y) + 2 * x;
        mien_jacobian j = mien_field_jacobian (field, x, y);
        /* In output pixels: off-diagonal terms scale by the aspect ratio. */
        float a = j.xx, b = j.xy * (scale_x / scale_y);
        float c = j.yx * (scale_y / scale_x), d = j.yy;
        float h = hypotf (a + d, c - b);
        float *n = nodes + 5 * ((size_t)y * field->width + x);
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
  return mien_warp_vector_rows_case (1, 1, channels,
                                     options->resampler == MIEN_WARP_CUBIC,
                                     options->transport);
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
      && !mien_warp_vector_rows_case (out->width, out->height, out->channels,
                                      options->resampler == MIEN_WARP_CUBIC,
                                      options->transport))
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
  if (options->transport && residual != NULL)
    for (size_t i = 0; i < mien_image_n_floats (gain) && !fades; i++)
      fades = gain->data[i] < 1.0f;
  if (fades)
    {
      nodes = transport_nodes (field, job.scale_x, job.scale_y);
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
