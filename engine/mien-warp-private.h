/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared between the fused kernel's two row implementations: the general
 * one in mien-warp.c (any channel count, one pixel at a time) and the
 * vector one in mien-warp-rows.c (3 or 4 channels, every frame and the
 * decomposition): the job, and the per-pixel helpers both use, so that
 * the two give the same bits. */
#pragma once

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "mien-image.h"
#include "mien-resample.h"
#include "mien-warp.h"

/* A run of output columns [x_begin, x_end) between two field nodes: the
 * horizontal field taps (i0, i1) are the same for all of them, so the field,
 * the gain and the displacement are affine in the tap weight there. */
typedef struct mien_warp_run {
  int x_begin, x_end;
  int i0, i1;
} mien_warp_run;

typedef struct compose_job {
  const mien_image *coarse;
  const mien_image *residual; /* may be NULL */
  /* Or the residual in 16 bits (mien_residual16's data, out's shape), read
   * by the vector rows only; then residual is NULL. */
  const int16_t *residual16;
  const mien_image *field;    /* may be NULL */
  const mien_image *gain;     /* 1 channel at the field's size; NULL: 1 */
  int cubic;                  /* the residual resampler: Keys cubic or bilinear */
  const float *nodes; /* transport: per field node dx, dy (out pixels), cos, sin */
  mien_image *out;
  int x_begin, x_end, y_begin; /* the region: rows y_begin + [0, n) */
  const mien_lerp_tap *coarse_x, *coarse_y;
  const mien_lerp_tap *field_x, *field_y;
  float scale_x, scale_y;
  /* The vector rows (NULL: the general rows): the horizontal taps as
   * separate arrays (i0 · channels, i1 · channels, w), and the field's runs. */
  const int *coarse_x0, *coarse_x1;
  const float *coarse_xw, *field_xw;
  const mien_warp_run *runs;
  int n_runs;
  /* Where the runs are short (the field magnified less than 16×), pass A
   * reads each pixel's two nodes through these instead: the field's
   * horizontal taps as element offsets (i0 · 2, i1 · 2); NULL: runs. */
  const int *field_x0, *field_x1;
  int isa_level; /* of the vector rows: 4, 3, 2 or 0 (mien-warp-rows.c) */
} compose_job;

/* The vertical halves of the bilinear up-samplings of row y, once per row
 * so that each pixel does only the horizontal half: the coarse image's two
 * rows into coarse_row, and (with a field) the field's and the gain's into
 * field_row and gain_row. Both row implementations start with it. */
static inline __attribute__ ((always_inline)) void
mien_warp_vertical_halves (const compose_job *job, int y, float *coarse_row,
                           float *field_row, float *gain_row, const int C)
{
  const mien_image *coarse = job->coarse, *field = job->field;
  mien_lerp_tap cy = job->coarse_y[y];
  const float *c0 = mien_image_row (coarse, cy.i0);
  const float *c1 = mien_image_row (coarse, cy.i1);
  for (int i = 0; i < coarse->width * C; i++)
    coarse_row[i] = mien_lerp (c0[i], c1[i], cy.w);
  if (field == NULL)
    return;
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

/* ---- per pixel, shared by both row implementations ---------------------
 * The general rows do every pixel with these; the vector rows do the pixels
 * they cannot take in vector form (borders, a row's last pixel) and the
 * texture transport with them, so that both give the same bits. */

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

typedef short v8s __attribute__ ((vector_size (16)));
typedef int v4i __attribute__ ((vector_size (16)));
typedef long long v2ll __attribute__ ((vector_size (16)));

/* The 16-bit residual's step for a value held as q · 2^16 (the 32-bit lane
 * with q in its upper half): exactly MIEN_RESIDUAL16_STEP / 2^16. */
#define RESIDUAL16_STEP_WIDE (MIEN_RESIDUAL16_STEP * (1.0f / 65536.0f))

/* Four residual values from element i of the residual's data: float, or
 * 16-bit (R16) scaled by the step, exactly q · 2^-14 as the float image
 * mien_residual16_to_image gives (so the arithmetic after it is the same). */
static inline __attribute__ ((always_inline)) v4f
load_res (const void *data, size_t i, const int R16)
{
  if (!R16)
    return load4 ((const float *)data + i);
  /* Each value into the upper half of a 32-bit lane, then an arithmetic
   * shift: the sign extension every level has (SSE2 unpack and shift), where
   * a conversion of a 4 × 16-bit vector compiles to shuffles. */
  long long bits; /* one 64-bit load (a movq), not through the stack */
  memcpy (&bits, (const int16_t *)data + i, sizeof bits);
  const v2ll lanes = { bits, 0 };
  const v8s q = (v8s)lanes, zero = { 0 };
  /* The upper halves hold q: the 32-bit lane is q · 2^16, exact as a float
   * (17 significant bits at most), and the step divided by 2^16 undoes it
   * exactly (both powers of two). */
  v4i wide = (v4i)__builtin_shufflevector (zero, q, 0, 8, 1, 9, 2, 10, 3, 11);
  return __builtin_convertvector (wide, v4f) * RESIDUAL16_STEP_WIDE;
}

static inline __attribute__ ((always_inline)) float
load_res1 (const void *data, size_t i, const int R16)
{
  return R16 ? (float)((const int16_t *)data)[i] * MIEN_RESIDUAL16_STEP
             : ((const float *)data)[i];
}

/* The job's residual data: R16 (a constant where the rows are
 * instantiated) says which storage. */
static inline __attribute__ ((always_inline)) const void *
residual_data (const compose_job *job, const int R16)
{
  return R16 ? (const void *)job->residual16
             : (const void *)job->residual->data;
}

static inline int
clamp_index (int i, int n)
{
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

typedef float v8f __attribute__ ((vector_size (32)));
typedef float v16f __attribute__ ((vector_size (64)));

/* The sum over the 16 taps of the pixel whose top-left tap is at r, its
 * weights kx and ky (cubic_weights' lanes): sample_residual's fast case,
 * the same operations in the same order on each lane:
 *   col_j = ((ky0 r(j, 0) + ky1 r(j, 1)) + ky2 r(j, 2)) + ky3 r(j, 3),
 *   sum = (((0 + kx0 col_0) + kx1 col_1) + kx2 col_2) + kx3 col_3
 * for the tap columns j, all channels at once. WIDE is how many lanes go
 * at once: 4 (one column per vector), 8 (two columns, AVX2) or 16 (all
 * four, AVX-512); with 3 channels a permutation spreads the columns' 12
 * values to 4 lanes each. */
typedef short v16s __attribute__ ((vector_size (32)));
typedef int v16i __attribute__ ((vector_size (64)));
typedef short v8s8 __attribute__ ((vector_size (16)));
typedef int v8i __attribute__ ((vector_size (32)));

/* WIDE residual values from element i, as floats: a 16-bit residual is
 * sign-extended, converted and scaled by the step (a power of two), exactly
 * q · 2^-14 as mien_residual16_to_image gives. */
static inline __attribute__ ((always_inline)) void
load16_res (v16f *out, const void *data, size_t i, const int R16)
{
  if (!R16)
    {
      memcpy (out, (const float *)data + i, sizeof *out);
      return;
    }
  v16s q;
  memcpy (&q, (const int16_t *)data + i, sizeof q);
  *out = __builtin_convertvector (__builtin_convertvector (q, v16i), v16f)
         * MIEN_RESIDUAL16_STEP;
}

static inline __attribute__ ((always_inline)) void
load8_res (v8f *out, const void *data, size_t i, const int R16)
{
  if (!R16)
    {
      memcpy (out, (const float *)data + i, sizeof *out);
      return;
    }
  v8s8 q;
  memcpy (&q, (const int16_t *)data + i, sizeof q);
  *out = __builtin_convertvector (__builtin_convertvector (q, v8i), v8f)
         * MIEN_RESIDUAL16_STEP;
}

static inline __attribute__ ((always_inline)) v4f
cubic_taps (const void *res, size_t r, size_t stride, const float *kx,
            const float *ky, const int C, const int WIDE, const int R16)
{
  const v4f zero = { 0.0f, 0.0f, 0.0f, 0.0f };
  if (WIDE == 16)
    {
      v16f row[4];
      for (int i = 0; i < 4; i++)
        {
          v16f l;
          load16_res (&l, res, r + i * stride, R16);
          row[i] = C == 4 ? l
                          : __builtin_shufflevector (l, l, 0, 1, 2, 3, 3, 4,
                                                     5, 6, 6, 7, 8, 9, 9, 10,
                                                     11, 12);
        }
      v16f col = ky[0] * row[0] + ky[1] * row[1] + ky[2] * row[2]
                 + ky[3] * row[3];
      /* The columns apart, each times its weight as a broadcast (one
       * 16-lane weight vector built from the four went through memory,
       * a stalled store forwarding, measured twice as slow). */
      v4f sum = zero + kx[0] * __builtin_shufflevector (col, col, 0, 1, 2, 3);
      sum += kx[1] * __builtin_shufflevector (col, col, 4, 5, 6, 7);
      sum += kx[2] * __builtin_shufflevector (col, col, 8, 9, 10, 11);
      sum += kx[3] * __builtin_shufflevector (col, col, 12, 13, 14, 15);
      return sum;
    }
  if (WIDE == 8)
    {
      v8f col[2];
      for (int half = 0; half < 2; half++)
        {
          v8f row[4];
          for (int i = 0; i < 4; i++)
            {
              v8f l;
              load8_res (&l, res, r + i * stride + half * 2 * C, R16);
              row[i] = C == 4 ? l
                              : __builtin_shufflevector (l, l, 0, 1, 2, 3, 3,
                                                         4, 5, 6);
            }
          col[half] = ky[0] * row[0] + ky[1] * row[1] + ky[2] * row[2]
                      + ky[3] * row[3];
        }
      v4f sum = zero
                + kx[0] * __builtin_shufflevector (col[0], col[0], 0, 1, 2, 3);
      sum += kx[1] * __builtin_shufflevector (col[0], col[0], 4, 5, 6, 7);
      sum += kx[2] * __builtin_shufflevector (col[1], col[1], 0, 1, 2, 3);
      sum += kx[3] * __builtin_shufflevector (col[1], col[1], 4, 5, 6, 7);
      return sum;
    }
  v4f sum = zero;
  for (int j = 0; j < 4; j++)
    {
      const size_t t = r + j * C;
      v4f col = ky[0] * load_res (res, t, R16)
                + ky[1] * load_res (res, t + stride, R16)
                + ky[2] * load_res (res, t + 2 * stride, R16)
                + ky[3] * load_res (res, t + 3 * stride, R16);
      sum += kx[j] * col;
    }
  return sum;
}

/* acc[c] += weight · res(x + dx, y + dy), bilinear or cubic, positions
 * clamped to the image and taps border-replicated; res is the job's
 * residual (out's shape), in 16 bits where R16. */
static inline __attribute__ ((always_inline)) void
sample_residual (const compose_job *job, int x, int y, float dx, float dy,
                 float weight, int cubic, float *acc, const int C,
                 const int R16, const int WIDE)
{
  const void *res = residual_data (job, R16);
  const int W = job->out->width, H = job->out->height;
  const size_t stride = (size_t)W * C;
  int x0, y0;
  float wx, wy;
  sample_position (x, dx, W, &x0, &wx);
  sample_position (y, dy, H, &y0, &wy);
  if (!cubic)
    {
      int x1 = x0 + (x0 < W - 1);
      int y1 = y0 + (y0 < H - 1);
      const size_t r0 = (size_t)y0 * stride, r1 = (size_t)y1 * stride;
      for (int c = 0; c < C; c++)
        {
          float top = mien_lerp (load_res1 (res, r0 + x0 * C + c, R16),
                                 load_res1 (res, r0 + x1 * C + c, R16), wx);
          float bot = mien_lerp (load_res1 (res, r1 + x0 * C + c, R16),
                                 load_res1 (res, r1 + x1 * C + c, R16), wx);
          acc[c] += weight * mien_lerp (top, bot, wy);
        }
      return;
    }
  const v4f kx = cubic_weights (wx), ky = cubic_weights (wy);
  /* x0 ≥ 1, x0 + 3 < width, y0 ≥ 1 and y0 + 2 < height, two compares. */
  if ((C == 3 || C == 4) && W >= 4 && H >= 3
      && (unsigned)(x0 - 1) < (unsigned)(W - 4)
      && (unsigned)(y0 - 1) < (unsigned)(H - 3))
    {
      /* Inside the image each tap's channels load as one short vector (for
       * 3 channels with the next pixel's first value in the unused lane,
       * which is why x0 + 3 must be inside too): the 16 taps are 16 vector
       * multiply-adds for all channels at once. The sum is the scalar
       * loop's up to float rounding order. */
      const size_t r = (size_t)(y0 - 1) * stride + (size_t)(x0 - 1) * C;
      const float kxs[4] = { kx[0], kx[1], kx[2], kx[3] };
      const float kys[4] = { ky[0], ky[1], ky[2], ky[3] };
      /* The last pixels of the image go 4 lanes at a time (the same sum). */
      const int wide_fits = C != 3 || WIDE != 16
                            || r + 3 * stride + 16 <= (size_t)H * stride;
      v4f sum = wide_fits ? cubic_taps (res, r, stride, kxs, kys, C, WIDE, R16)
                          : cubic_taps (res, r, stride, kxs, kys, C, 4, R16);
      for (int c = 0; c < C; c++)
        acc[c] += weight * sum[c];
      return;
    }
  size_t xs[4];
  for (int k = 0; k < 4; k++)
    xs[k] = (size_t)clamp_index (x0 + k - 1, W) * C;
  float sum[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
  for (int j = 0; j < 4; j++)
    {
      const size_t r = (size_t)clamp_index (y0 + j - 1, H) * stride;
      for (int c = 0; c < C; c++)
        sum[c] += ky[j] * (kx[0] * load_res1 (res, r + xs[0] + c, R16)
                           + kx[1] * load_res1 (res, r + xs[1] + c, R16)
                           + kx[2] * load_res1 (res, r + xs[2] + c, R16)
                           + kx[3] * load_res1 (res, r + xs[3] + c, R16));
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
                    const int C, const int R16, const int WIDE)
{
  mien_lerp_tap fx = job->field_x[x], fy = job->field_y[y];
  const int fw = job->field->width;
  const int ix[4] = { fx.i0, fx.i1, fx.i0, fx.i1 };
  const int iy[4] = { fy.i0, fy.i0, fy.i1, fy.i1 };
  const float w[4] = { (1.0f - fx.w) * (1.0f - fy.w), fx.w * (1.0f - fy.w),
                       (1.0f - fx.w) * fy.w, fx.w * fy.w };
  /* The transport's share, up-sampled like the gain: first, since it is 0
   * wherever the fade is the stretch's (an opened mouth) or the squeeze
   * is too deep (a closed eye), most pixels where the gain fades. */
  float share = 0.0f;
  for (int n = 0; n < 4; n++)
    share += w[n] * job->nodes[5 * ((size_t)iy[n] * fw + ix[n]) + 4];
  if (!(share > 0.0f))
    return;
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
      sample_residual (job, x, y, dx[n], dy[n], w[n] * scale, job->cubic,
                       acc, C, R16, WIDE);
}

/* The residual's share at output pixel (x, y) added to value[0..C),
 * given the field (u, v, in field units) and the gain g there: an exact
 * read where the pixel is still, else the warped residual (bilinear or
 * cubic) times g. The texture transport, if any, comes after it
 * (transport_residual where g < 1). */
static inline __attribute__ ((always_inline)) void
residual_at (const compose_job *job, int x, int y, float u, float v, float g,
             float *value, const int C, const int cubic, const int R16)
{
  if (u == 0.0f && v == 0.0f)
    {
      /* Still pixels (background, hair): an exact read, no taps. The gain
       * is exactly 1 wherever the field is locally rigid. */
      const void *res = residual_data (job, R16);
      const size_t at = ((size_t)y * job->out->width + x) * C;
      for (int c = 0; c < C; c++)
        value[c] += g * load_res1 (res, at + c, R16);
    }
  else if (g > 0.0f)
    /* Integer and fractional parts come from the displacement alone: x +
     * dx in float32 would lose sub-pixel precision at 4K (ulp of 4096 is
     * 2.4e-4), and the residual is all high frequencies. */
    sample_residual (job, x, y, u * job->scale_x, v * job->scale_y, g, cubic,
                     value, C, R16, 4);
}

/* Whether mien_warp_vector_rows can do this job: 3 or 4 channels, and
 * element offsets that fit an int (any resampler, with or without the
 * transport; MIEN_WARP_SCALAR=1 forces the general rows). */
int mien_warp_vector_rows_apply (const compose_job *job);
/* The same decision before a job exists. */
int mien_warp_vector_rows_case (int width, int height, int channels);

/* Fills the job's vector tables from the four tap tables of
 * mien_warp_compose_ex (coarse x, coarse y, field x, field y, in that order
 * in one array): one allocation, which the caller frees after the rows;
 * NULL when out of memory. */
void *mien_warp_vector_prepare (compose_job *job, const mien_lerp_tap *taps);

/* Rows [begin, end) of the job, as compose_rows in mien-warp.c would, bit
 * for bit; built for several instruction sets and chosen at run time. */
void mien_warp_vector_rows (const compose_job *job, int begin, int end);
