/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The fused kernel's vector rows (issue #22): the same arithmetic as
 * compose_row in mien-warp.c for 3 or 4 channels, laid out for the vector
 * units, reading float or 16-bit residuals. The default case is the
 * bilinear residual warp without the texture transport; "Sharper skin
 * detail" (issue #26) asks for the cubic warp, whose weights pass B finds
 * across pixels and whose 16 taps pass C sums (cubic_taps, 4, 8 or 16
 * lanes at a time by instruction set), and for the transport, added over
 * each finished chunk with mien-warp-private.h's transport_residual as the
 * general rows add it.
 *
 * Each row is cut into chunks of up to CHUNK pixels, and each chunk is done
 * in three passes whose working set stays in the L1 cache:
 *   A. the field and the gain, per pixel: within a run of columns between
 *      two field nodes they are one interpolation per pixel between the
 *      run's two (vertically interpolated) nodes, a loop without gathers;
 *      where the runs are short (the field magnified less than 16×) each
 *      pixel reads its two nodes through the tap tables instead. A chunk
 *      where the field is zero skips pass B and reads the residual in place
 *      (compose_row's exact read);
 *   B. the sample positions, per pixel, across pixels (8 or 16 to a
 *      vector): integer and fraction from the displacement alone, clamped
 *      to the image as sample_position does, as element offsets of the four
 *      taps and two weights;
 *   C. the colours, per pixel, all channels in one 4-lane vector: the
 *      coarse image's horizontal taps, the residual's four taps, three
 *      interpolations and the gain. With 3 channels each load and store
 *      covers the next pixel's first value too, which the next pixel
 *      overwrites (the row's last pixel is stored channel by channel).
 * Pass C across pixels instead (8 or 16 at once, each lane one channel of
 * one pixel, the residual's taps as contiguous loads selected per lane) was
 * built and measured (commit 7df6936, mien-warp-group.h): 10–15 % slower
 * than one pixel per vector on this machine's AVX-512 and AVX2 at 1K and
 * 4K (the loop waits on the residual's loads either way), so it was taken
 * out again.
 * The result is compose_row's bit for bit: every lane does compose_row's
 * operations in the same order, and this file is built with
 * -ffp-contract=off (no multiply-add is fused into one rounding; the CUDA
 * kernels keep the same rule, --fmad=false), which tests/test-warp-vector.c
 * checks at every instruction set level. The rows are built for four
 * instruction sets (the baseline, x86-64-v2 with SSE4.2, v3 with AVX2 and
 * FMA, v4 with AVX-512) and the best the CPU has is chosen at run time
 * (mien_warp_vector_isa); no -march=native. */
#include "mien-warp-private.h"
#include "mien-warp.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define MIEN_X86_LEVELS 1
#define MIEN_TARGET(level) __attribute__ ((target ("arch=" level)))
#else
#define MIEN_X86_LEVELS 0
#define MIEN_TARGET(level)
#endif

enum { CHUNK = 256 };

static inline void
store4 (float *p, v4f v)
{
  memcpy (p, &v, sizeof v);
}

/* Two neighbouring pixels of a 16-bit residual from element i (C = 3 or
 * 4 channels), as floats q · 2^16: one 16-byte load, the values to the
 * upper halves of 32-bit lanes, a conversion. Without the arithmetic shift
 * that would give q itself: scaling by 2^16 commutes with every rounding
 * of the blend after it (no value comes near the subnormals or overflows),
 * and RESIDUAL16_STEP_WIDE takes it out again exactly, so the result is
 * bit for bit the same with two instructions fewer a tap row. */
static inline __attribute__ ((always_inline)) void
load_pair16 (const void *data, int i, const int C, v4f *left, v4f *right)
{
  v8s q;
  memcpy (&q, (const int16_t *)data + i, sizeof q);
  const v8s zero = { 0 };
  v4i lo = (v4i)__builtin_shufflevector (zero, q, 0, 8, 1, 9, 2, 10, 3, 11);
  v4i hi = C == 4 ? (v4i)__builtin_shufflevector (zero, q, 4, 12, 5, 13, 6,
                                                  14, 7, 15)
                  : (v4i)__builtin_shufflevector (zero, q, 3, 11, 4, 12, 5,
                                                  13, 6, 14);
  *left = __builtin_convertvector (lo, v4f);
  *right = __builtin_convertvector (hi, v4f);
}

int
mien_warp_vector_rows_case (int width, int height, int channels)
{
  const char *scalar = getenv ("MIEN_WARP_SCALAR");
  if (scalar != NULL && strcmp (scalar, "1") == 0)
    return 0;
  if (channels != 3 && channels != 4)
    return 0;
  /* Element offsets are ints in pass B. */
  uint64_t n = (uint64_t)width * (uint64_t)height * (uint64_t)channels;
  return n + 8 < (uint64_t)INT32_MAX;
}

int
mien_warp_vector_rows_apply (const compose_job *job)
{
  return mien_warp_vector_rows_case (job->out->width, job->out->height,
                                     job->out->channels);
}

/* The per-chunk arrays of passes A and B, one set per worker. */
typedef struct chunk_buffers {
  float u[CHUNK], v[CHUNK], g[CHUNK];
  float wx[CHUNK], wy[CHUNK];
  int tap[CHUNK];    /* element offset of the top-left residual tap */
  int right[CHUNK];  /* + this: the right taps (0 at the last column) */
  int down[CHUNK];   /* + this: the lower taps (0 at the last row) */
  /* The cubic rows: each pixel's horizontal and vertical weights of the
   * taps at −1, 0, 1, 2 (cubic_weights' lanes); tap is then the element
   * offset of the top-left of the 4 × 4 taps, or −1 where some tap is
   * clamped (the pixel goes through sample_residual). */
  float kx[4][CHUNK], ky[4][CHUNK];
  /* With the texture transport, per field column of the row's two field
   * rows: whether either node there has a share (transport_nodes' n[4] >
   * 0). Where neither of a run's columns has, transport_residual would
   * return at once for every pixel of it, so chunk_transport skips it. */
  unsigned char *active;
} chunk_buffers;

/* Pass A for columns [xa, xb): u, v (field units) and the gain. Either
 * per run between two field nodes (the loops are as long as the field's
 * magnification), or, where that is short, per pixel with its nodes read
 * through the tap tables (gathers from the row of nodes in L1); the same
 * operations either way. */
static inline void
field_pass (const compose_job *job, const float *field_row,
            const float *gain_row, int xa, int xb, chunk_buffers *b)
{
  if (job->field_x0 != NULL)
    {
      const int *f0 = job->field_x0 + xa, *f1 = job->field_x1 + xa;
      const float *w = job->field_xw + xa;
      const int n = xb - xa;
      for (int k = 0; k < n; k++)
        {
          const float u0 = field_row[f0[k]], v0 = field_row[f0[k] + 1];
          b->u[k] = u0 + w[k] * (field_row[f1[k]] - u0);
          b->v[k] = v0 + w[k] * (field_row[f1[k] + 1] - v0);
        }
      if (gain_row != NULL)
        for (int k = 0; k < n; k++)
          {
            const float g0 = gain_row[f0[k] / 2];
            b->g[k] = g0 + w[k] * (gain_row[f1[k] / 2] - g0);
          }
      else
        for (int k = 0; k < n; k++)
          b->g[k] = 1.0f;
      return;
    }
  int r = 0;
  while (job->runs[r].x_end <= xa)
    r++;
  for (; r < job->n_runs && job->runs[r].x_begin < xb; r++)
    {
      const mien_warp_run *run = &job->runs[r];
      int begin = run->x_begin > xa ? run->x_begin : xa;
      int end = run->x_end < xb ? run->x_end : xb;
      const float u0 = field_row[2 * run->i0], u1 = field_row[2 * run->i1];
      const float v0 = field_row[2 * run->i0 + 1];
      const float v1 = field_row[2 * run->i1 + 1];
      const float du = u1 - u0, dv = v1 - v0;
      const float *w = job->field_xw;
      float *u = b->u - xa, *v = b->v - xa, *g = b->g - xa;
      for (int x = begin; x < end; x++)
        {
          u[x] = u0 + w[x] * du;
          v[x] = v0 + w[x] * dv;
        }
      if (gain_row != NULL)
        {
          const float g0 = gain_row[run->i0], dg = gain_row[run->i1] - g0;
          for (int x = begin; x < end; x++)
            g[x] = g0 + w[x] * dg;
        }
      else
        for (int x = begin; x < end; x++)
          g[x] = 1.0f;
    }
}

/* Pass B for columns [xa, xb) of row y: sample_position of mien-warp.c on
 * both axes, written as selects without branches so that it runs across
 * pixels (the same values: d bounded to ±(n + 1), NaN to the lower bound,
 * floor, the left tap clamped to [0, n − 1] with its fraction 0 there). */
static inline int
position_pass (const compose_job *job, int y, int xa, int xb, const int C,
               chunk_buffers *b)
{
  const int W = job->out->width, H = job->out->height;
  const int stride = W * C;
  const float sx = job->scale_x, sy = job->scale_y;
  const float bound_x = (float)W + 1.0f, bound_y = (float)H + 1.0f;
  const int n = xb - xa;
  int reach = 0;
  for (int k = 0; k < n; k++)
    {
      float dx = b->u[k] * sx, dy = b->v[k] * sy;
      dx = dx > bound_x ? bound_x : dx;
      dx = dx >= -bound_x ? dx : -bound_x;
      dy = dy > bound_y ? bound_y : dy;
      dy = dy >= -bound_y ? dy : -bound_y;
      int wx = (int)dx, wy = (int)dy;
      wx -= (float)wx > dx;
      wy -= (float)wy > dy;
      float fx = dx - (float)wx, fy = dy - (float)wy;
      int left = xa + k + wx, top = y + wy;
      fx = (left < 0) | (left >= W - 1) ? 0.0f : fx;
      fy = (top < 0) | (top >= H - 1) ? 0.0f : fy;
      left = left < 0 ? 0 : left;
      left = left > W - 1 ? W - 1 : left;
      top = top < 0 ? 0 : top;
      top = top > H - 1 ? H - 1 : top;
      b->tap[k] = top * stride + left * C;
      b->right[k] = left < W - 1 ? C : 0;
      b->down[k] = top < H - 1 ? stride : 0;
      b->wx[k] = fx;
      b->wy[k] = fy;
      int furthest = b->tap[k] + b->right[k] + b->down[k];
      reach = furthest > reach ? furthest : reach;
    }
  /* The furthest element a 4-lane tap load starts at. */
  return reach;
}

/* Lane j of cubic_weights (t): the same operations on the same constants,
 * one lane at a time, so that pass B can run across pixels and still give
 * the general rows' weights bit for bit. j must be a constant (the loops
 * below are written out per lane), so that the constants fold into the
 * vector loop instead of being tables read per pixel. */
static inline __attribute__ ((always_inline)) float
cubic_weight (float t, const int j)
{
  const float a = MIEN_WARP_CUBIC_A;
  const float c3 = j == 0 || j == 3 ? a : a + 2.0f;
  const float c2 = j == 0 || j == 3 ? -5.0f * a : -(a + 3.0f);
  const float c1 = j == 0 || j == 3 ? 8.0f * a : 0.0f;
  const float c0 = j == 0 || j == 3 ? -4.0f * a : 1.0f;
  const float base = j == 0 ? 1.0f : j == 1 ? 0.0f : j == 2 ? 1.0f : 2.0f;
  const float sign = j < 2 ? 1.0f : -1.0f;
  float d = base + sign * t;
  return ((c3 * d + c2) * d + c1) * d + c0;
}

/* Pass B of the cubic rows for columns [xa, xb) of row y: the positions as
 * position_pass finds them, then the 16 taps' top-left element where all of
 * them are inside the image (sample_residual's fast case: x0 − 1 ≥ 0,
 * x0 + 3 < W, y0 − 1 ≥ 0, y0 + 2 < H), and the weights. The positions'
 * lines repeat position_pass's: one inline helper for both, returning
 * through pointers, measured 3–8 % slower at 4K (bench-reswarp). */
static inline void
position_pass_cubic (const compose_job *job, int y, int xa, int xb,
                     const int C, chunk_buffers *b, const int WIDE)
{
  /* cubic_taps' 16-lane loads of 3 channels read one value past the last
   * tap: inside the image except at its very end. */
  const int W = job->out->width, H = job->out->height;
  const int stride = W * C;
  const int last_wide = W * H * C - 16 - 3 * stride;
  const float sx = job->scale_x, sy = job->scale_y;
  const float bound_x = (float)W + 1.0f, bound_y = (float)H + 1.0f;
  const int n = xb - xa;
  const int fits = W >= 4 && H >= 3;
  for (int k = 0; k < n; k++)
    {
      float dx = b->u[k] * sx, dy = b->v[k] * sy;
      dx = dx > bound_x ? bound_x : dx;
      dx = dx >= -bound_x ? dx : -bound_x;
      dy = dy > bound_y ? bound_y : dy;
      dy = dy >= -bound_y ? dy : -bound_y;
      int wx = (int)dx, wy = (int)dy;
      wx -= (float)wx > dx;
      wy -= (float)wy > dy;
      float fx = dx - (float)wx, fy = dy - (float)wy;
      int left = xa + k + wx, top = y + wy;
      fx = (left < 0) | (left >= W - 1) ? 0.0f : fx;
      fy = (top < 0) | (top >= H - 1) ? 0.0f : fy;
      int inside = fits & ((unsigned)(left - 1) < (unsigned)(W - 4))
                   & ((unsigned)(top - 1) < (unsigned)(H - 3));
      int tap = (top - 1) * stride + (left - 1) * C;
      if (C == 3 && WIDE == 16)
        inside &= tap <= last_wide;
      b->tap[k] = inside ? tap : -1;
      b->wx[k] = fx;
      b->wy[k] = fy;
    }
#define WEIGHTS(j)                                                           \
  for (int k = 0; k < n; k++)                                                \
    {                                                                        \
      b->kx[j][k] = cubic_weight (b->wx[k], j);                              \
      b->ky[j][k] = cubic_weight (b->wy[k], j);                              \
    }
  WEIGHTS (0)
  WEIGHTS (1)
  WEIGHTS (2)
  WEIGHTS (3)
#undef WEIGHTS
}

static inline __attribute__ ((always_inline)) v4f
lerp4 (v4f a, v4f b, float w)
{
  return a + w * (b - a);
}

/* Pass C's inner loops, one per case, with as few live values as the
 * registers hold: k counts pixels from the chunk's first, out, cx0, cx1 and
 * cxw start there too. None may be given a 3-channel row's last pixel
 * (its 4-lane store would write the next row) or a pixel whose 4-lane
 * loads would read past the residual: those go to pixel_exact. */
static inline __attribute__ ((always_inline)) void
chunk_up (float *restrict out, const float *restrict crow,
          const int *restrict cx0, const int *restrict cx1,
          const float *restrict cxw, int n, const int C)
{
  for (int k = 0; k < n; k++)
    store4 (out + k * C, lerp4 (load4 (crow + cx0[k]), load4 (crow + cx1[k]),
                                cxw[k]));
}

static inline __attribute__ ((always_inline)) void
chunk_still (float *restrict out, const float *restrict crow,
             const int *restrict cx0, const int *restrict cx1,
             const float *restrict cxw, const void *restrict res, int n,
             const int C, const int R16)
{
  for (int k = 0; k < n; k++)
    store4 (out + k * C, lerp4 (load4 (crow + cx0[k]), load4 (crow + cx1[k]),
                                cxw[k])
                             + load_res (res, k * C, R16));
}

/* A field that is zero over the whole chunk (the background, most of a
 * crop): compose_row's exact read, value + g · r, without the taps. */
static inline __attribute__ ((always_inline)) void
chunk_still_gain (float *restrict out, const float *restrict crow,
                  const int *restrict cx0, const int *restrict cx1,
                  const float *restrict cxw, const void *restrict res,
                  const float *restrict g, int n, const int C, const int R16)
{
  for (int k = 0; k < n; k++)
    store4 (out + k * C, lerp4 (load4 (crow + cx0[k]), load4 (crow + cx1[k]),
                                cxw[k])
                             + g[k] * load_res (res, k * C, R16));
}

/* Whether pass A left any displacement in the chunk (NaN counts). */
static inline int
chunk_moves (const chunk_buffers *b, int n)
{
  int moves = 0;
  for (int k = 0; k < n; k++)
    moves |= (b->u[k] != 0.0f) | (b->v[k] != 0.0f);
  return moves;
}

static inline __attribute__ ((always_inline)) void
chunk_moving (float *restrict out, const float *restrict crow,
              const int *restrict cx0, const int *restrict cx1,
              const float *restrict cxw, const void *restrict rdata,
              const chunk_buffers *restrict b, int k0, int n, const int C,
              const int R16)
{
  for (int k = k0; k < k0 + n; k++)
    {
      v4f value = lerp4 (load4 (crow + cx0[k]), load4 (crow + cx1[k]),
                         cxw[k]);
      const int p = b->tap[k];
      const int r = b->right[k], d = b->down[k];
      const float wx = b->wx[k];
      if (R16)
        {
          /* Each tap row's two pixels in one load, converted to float as
           * q · 2^16 (load_pair16); the bilinear blend of those times the
           * step over 2^16 is the blend of the scaled values exactly (a
           * power of two commutes with every rounding above the
           * subnormals). The right tap is
           * read even where r = 0 (the last column): its weight wx is 0
           * there and any 16-bit value is finite, so it drops out as in
           * the general rows. */
          v4f tl, tr, bl, br;
          load_pair16 (rdata, p, C, &tl, &tr);
          load_pair16 (rdata, p + d, C, &bl, &br);
          v4f blend = lerp4 (lerp4 (tl, tr, wx), lerp4 (bl, br, wx),
                             b->wy[k]);
          value += b->g[k] * (blend * RESIDUAL16_STEP_WIDE);
          store4 (out + k * C, value);
          continue;
        }
      v4f top = lerp4 (load_res (rdata, p, R16), load_res (rdata, p + r, R16),
                       wx);
      v4f bot = lerp4 (load_res (rdata, p + d, R16),
                       load_res (rdata, p + d + r, R16), wx);
      value += b->g[k] * lerp4 (top, bot, b->wy[k]);
      store4 (out + k * C, value);
    }
}

/* Pass C of the cubic rows: compose_row's pixel with residual_at's cases
 * (an exact read where the pixel is still, the warped residual times the
 * gain where it moves and the gain is positive), the taps by cubic_taps.
 * Pixels with a clamped tap get the up-sampled coarse image here and their
 * residual from sample_residual itself in a second loop (adding to the
 * stored value is the same arithmetic, and keeps the call out of the
 * vector loop). x0 is the chunk's first column, own the residual's
 * element of its first pixel. */
static inline __attribute__ ((always_inline)) void
chunk_moving_cubic (const compose_job *job, float *restrict out,
                    const float *restrict crow, const int *restrict cx0,
                    const int *restrict cx1, const float *restrict cxw,
                    const void *restrict res, int own,
                    const chunk_buffers *restrict b, int x0, int y, int n,
                    const int C, const int WIDE, const int R16)
{
  const size_t stride = (size_t)job->out->width * C;
  int clamped = 0;
  for (int k = 0; k < n; k++)
    {
      v4f value = lerp4 (load4 (crow + cx0[k]), load4 (crow + cx1[k]),
                         cxw[k]);
      const float u = b->u[k], v = b->v[k], g = b->g[k];
      if (u == 0.0f && v == 0.0f)
        value += g * load_res (res, own + k * C, R16);
      else if (g > 0.0f && b->tap[k] >= 0)
        {
          /* The row below the taps is the one the next output row will
           * read first: fetching it now hides the miss. */
          __builtin_prefetch (R16 ? (const void *)((const int16_t *)res
                                                   + b->tap[k] + 4 * stride)
                                  : (const void *)((const float *)res
                                                   + b->tap[k] + 4 * stride));
          const float kx[4] = { b->kx[0][k], b->kx[1][k], b->kx[2][k],
                                b->kx[3][k] };
          const float ky[4] = { b->ky[0][k], b->ky[1][k], b->ky[2][k],
                                b->ky[3][k] };
          value += g * cubic_taps (res, b->tap[k], stride, kx, ky, C, WIDE,
                                   R16);
        }
      else
        clamped |= g > 0.0f;
      store4 (out + k * C, value);
    }
  if (!clamped)
    return;
  for (int k = 0; k < n; k++)
    {
      const float u = b->u[k], v = b->v[k], g = b->g[k];
      if ((u != 0.0f || v != 0.0f) && g > 0.0f && b->tap[k] < 0)
        {
          float acc[4];
          for (int c = 0; c < C; c++)
            acc[c] = out[k * C + c];
          sample_residual (job, x0 + k, y, u * job->scale_x,
                           v * job->scale_y, g, 1, acc, C, R16, 4);
          for (int c = 0; c < C; c++)
            out[k * C + c] = acc[c];
        }
    }
}

/* The texture transport over a finished chunk, where the gain fades: the
 * general rows add it after the residual, pixel by pixel, and so does
 * this, reading the pixel back. */
static inline __attribute__ ((always_inline)) void
chunk_transport (const compose_job *job, float *out, const chunk_buffers *b,
                 int x0, int y, int n, const int C, const int R16,
                 const int CUBIC_WIDE)
{
  const int x1 = x0 + n;
  /* The first run that ends after x0 (the runs tile [0, W) in order). */
  int lo = 0, hi = job->n_runs - 1;
  while (lo < hi)
    {
      int mid = (lo + hi) / 2;
      if (job->runs[mid].x_end <= x0)
        lo = mid + 1;
      else
        hi = mid;
    }
  for (int r = lo; r < job->n_runs && job->runs[r].x_begin < x1; r++)
    {
      const mien_warp_run *run = &job->runs[r];
      if (!(b->active[run->i0] | b->active[run->i1]))
        continue;
      const int kb = (run->x_begin > x0 ? run->x_begin : x0) - x0;
      const int ke = (run->x_end < x1 ? run->x_end : x1) - x0;
      for (int k = kb; k < ke; k++)
        if (b->g[k] < 1.0f)
          {
            float value[4];
            for (int c = 0; c < C; c++)
              value[c] = out[k * C + c];
            transport_residual (job, x0 + k, y, value, C, R16,
                                CUBIC_WIDE);
            for (int c = 0; c < C; c++)
              out[k * C + c] = value[c];
          }
    }
}

/* One pixel, channel by channel, with the same arithmetic per channel as
 * the loops above. res: NULL (up only), or the residual's data with `at`
 * the pixel's own element (still) or, moving, b and k giving the taps. */
static inline __attribute__ ((always_inline)) void
pixel_exact (float *out, const float *crow, int cx0, int cx1, float cxw,
             const void *res, int at, int still, float g,
             const chunk_buffers *b, int k, const int C, const int R16)
{
  for (int c = 0; c < C; c++)
    {
      float value = mien_lerp (crow[cx0 + c], crow[cx1 + c], cxw);
      if (res != NULL && still)
        value += g * load_res1 (res, at + c, R16);
      else if (res != NULL)
        {
          const int p = b->tap[k];
          const int r = b->right[k], d = b->down[k];
          float top = mien_lerp (load_res1 (res, p + c, R16),
                                 load_res1 (res, p + r + c, R16), b->wx[k]);
          float bot = mien_lerp (load_res1 (res, p + d + c, R16),
                                 load_res1 (res, p + d + r + c, R16),
                                 b->wx[k]);
          value += b->g[k] * mien_lerp (top, bot, b->wy[k]);
        }
      out[c] = value;
    }
}

/* One row; C and R16 (the residual in 16 bits) are constants in each
 * instantiation. */
static inline __attribute__ ((always_inline)) void
vector_row (const compose_job *job, int y, float *coarse_row, float *field_row,
            float *gain_row, chunk_buffers *b, const int C, const int R16,
            const int CUBIC)
{
  /* CUBIC: 0 for the bilinear warp, else cubic_taps' vector width. */
  const mien_image *field = job->field;
  const int W = job->out->width, H = job->out->height;
  float *out = mien_image_row (job->out, y);

  mien_warp_vertical_halves (job, y, coarse_row, field_row, gain_row, C);
  if (job->nodes != NULL)
    {
      const int fw = field->width;
      const mien_lerp_tap fy = job->field_y[y];
      const float *s0 = job->nodes + 5 * (size_t)fy.i0 * fw + 4;
      const float *s1 = job->nodes + 5 * (size_t)fy.i1 * fw + 4;
      for (int i = 0; i < fw; i++)
        b->active[i] = (s0[5 * i] > 0.0f) | (s1[5 * i] > 0.0f);
    }

  const int *cx0 = job->coarse_x0, *cx1 = job->coarse_x1;
  const float *cxw = job->coarse_xw;
  /* The residual has out's shape in either storage. */
  const void *rdata = R16 ? (const void *)job->residual16
                    : job->residual != NULL ? (const void *)job->residual->data
                                            : NULL;
  const int row_at = y * W * C; /* this row's first element */
  /* The last element a 4-lane load may start at inside the residual, and
   * whether this row's own pixels reach it (the image's last pixel). */
  const int last_load = W * H * C - 4;
  const int last_row = rdata != NULL && y == H - 1;

  for (int xa = job->x_begin; xa < job->x_end;)
    {
      /* Chunks end at multiples of CHUNK and at the region's end. */
      const int next = (xa / CHUNK + 1) * CHUNK;
      const int xb = next < job->x_end ? next : job->x_end;
      int n = xb - xa;
      /* Pixels [fast, n) go through pixel_exact: with 3 channels the last
       * one's 4-lane store would write the pixel after the region or row. */
      int fast = C == 3 && xb == job->x_end ? n - 1 : n;
      float *o = out + (size_t)xa * C;
      const float *crow = coarse_row;
      const int moving = rdata != NULL && field != NULL;
      int still_chunk = 0; /* a field, zero here */
      if (moving)
        {
          field_pass (job, field_row, job->gain != NULL ? gain_row : NULL, xa,
                      xb, b);
          still_chunk = !chunk_moves (b, n);
          if (still_chunk)
            {
              if (C == 3 && last_row && xb == W)
                fast = n - 1; /* its 4-lane load would leave the residual */
            }
          else if (CUBIC)
            position_pass_cubic (job, y, xa, xb, C, b, CUBIC);
          else if (C == 3 && position_pass (job, y, xa, xb, C, b) > last_load)
            fast = 0; /* some tap is the image's last pixel: rare */
          else if (C != 3)
            position_pass (job, y, xa, xb, C, b);
        }
      else if (rdata != NULL && C == 3 && last_row && xb == W)
        fast = n - 1; /* its 4-lane load would leave the residual */
      const int chunk_at = row_at + xa * C;
      if (rdata == NULL)
        chunk_up (o, crow, cx0 + xa, cx1 + xa, cxw + xa, fast, C);
      else if (!moving)
        chunk_still (o, crow, cx0 + xa, cx1 + xa, cxw + xa,
                     R16 ? (const void *)((const int16_t *)rdata + chunk_at)
                         : (const void *)((const float *)rdata + chunk_at),
                     fast, C, R16);
      else if (still_chunk)
        chunk_still_gain (o, crow, cx0 + xa, cx1 + xa, cxw + xa,
                          R16 ? (const void *)((const int16_t *)rdata
                                               + chunk_at)
                              : (const void *)((const float *)rdata
                                               + chunk_at),
                          b->g, fast, C, R16);
      else if (CUBIC)
        chunk_moving_cubic (job, o, crow, cx0 + xa, cx1 + xa, cxw + xa,
                            rdata, chunk_at, b, xa, y, fast, C, CUBIC, R16);
      else
        chunk_moving (o, crow, cx0 + xa, cx1 + xa, cxw + xa, rdata, b, 0,
                      fast, C, R16);
      int k;
      for (k = fast; k < n; k++)
        {
          const int x = xa + k;
          const int exact_read = !moving || still_chunk;
          if (CUBIC && !exact_read)
            {
              /* compose_row's pixel, channel by channel. */
              float value[4];
              for (int c = 0; c < C; c++)
                value[c] = mien_lerp (crow[cx0[x] + c], crow[cx1[x] + c],
                                      cxw[x]);
              residual_at (job, x, y, b->u[k], b->v[k], b->g[k], value, C, 1,
                           R16);
              for (int c = 0; c < C; c++)
                o[(size_t)k * C + c] = value[c];
              continue;
            }
          pixel_exact (o + (size_t)k * C, crow, cx0[x], cx1[x], cxw[x], rdata,
                       row_at + x * C, exact_read, moving ? b->g[k] : 1.0f, b,
                       k, C, R16);
        }
      if (moving && job->nodes != NULL)
        chunk_transport (job, o, b, xa, y, n, C, R16, CUBIC ? CUBIC : 4);
      xa = xb;
    }
}

/* Every row of [begin, end) with a worker's scratch: the coarse row (with
 * room for a window of 2 · 16 elements past its end), the field and gain
 * rows, the chunk buffers. */
static inline __attribute__ ((always_inline)) void
rows (const compose_job *job, int begin, int end, const int wide)
{
  const int C = job->out->channels;
  const size_t coarse_n = (size_t)job->coarse->width * C + 32;
  size_t n = coarse_n + (job->field ? (size_t)job->field->width * 3 : 0);
  float *scratch = malloc (n * sizeof (float));
  chunk_buffers *b = malloc (sizeof *b);
  unsigned char *active = malloc (job->field ? (size_t)job->field->width : 1);
  if (scratch == NULL || b == NULL || active == NULL)
    abort (); /* a few KB; cannot report from a worker, and cannot go on */
  b->active = active;
  float *coarse_row = scratch;
  float *field_row = scratch + coarse_n;
  float *gain_row = job->field ? field_row + (size_t)job->field->width * 2
                               : NULL;
  memset (coarse_row + coarse_n - 32, 0, 32 * sizeof (float));
#define ROWS(C_, R16_, CUBIC_)                                               \
  for (int y = begin; y < end; y++)                                          \
    vector_row (job, job->y_begin + y, coarse_row, field_row, gain_row, b,   \
                C_, R16_, CUBIC_);
  const int r16 = job->residual16 != NULL;
  if (C == 3 && job->cubic && r16)
    ROWS (3, 1, wide)
  else if (C == 3 && job->cubic)
    ROWS (3, 0, wide)
  else if (C == 3 && r16)
    ROWS (3, 1, 0)
  else if (C == 3)
    ROWS (3, 0, 0)
  else if (job->cubic && r16)
    ROWS (4, 1, wide)
  else if (job->cubic)
    ROWS (4, 0, wide)
  else if (r16)
    ROWS (4, 1, 0)
  else
    ROWS (4, 0, 0)
#undef ROWS
  free (active);
  free (b);
  free (scratch);
}

#if MIEN_X86_LEVELS
MIEN_TARGET ("x86-64-v4") static void
rows_v4 (const compose_job *job, int begin, int end)
{
  rows (job, begin, end, 16);
}

MIEN_TARGET ("x86-64-v3") static void
rows_v3 (const compose_job *job, int begin, int end)
{
  rows (job, begin, end, 8);
}

MIEN_TARGET ("x86-64-v2") static void
rows_v2 (const compose_job *job, int begin, int end)
{
  rows (job, begin, end, 4);
}
#endif

static void
rows_baseline (const compose_job *job, int begin, int end)
{
  rows (job, begin, end, 4);
}

/* The instruction set level: 4, 3, 2 or 0 (baseline). MIEN_WARP_ISA
 * (0, 2, 3 or 4) lowers it, so that tests and benchmarks can run every
 * level on one machine. */
static int
isa_level (void)
{
#if MIEN_X86_LEVELS
  const char *forced = getenv ("MIEN_WARP_ISA");
  int cap = forced != NULL ? atoi (forced) : 4;
  __builtin_cpu_init ();
  if (cap >= 4 && __builtin_cpu_supports ("x86-64-v4"))
    return 4;
  if (cap >= 3 && __builtin_cpu_supports ("x86-64-v3"))
    return 3;
  if (cap >= 2 && __builtin_cpu_supports ("x86-64-v2"))
    return 2;
#endif
  return 0;
}

void
mien_warp_vector_rows (const compose_job *job, int begin, int end)
{
  const int level = job->isa_level;
#if MIEN_X86_LEVELS
  if (level == 4)
    rows_v4 (job, begin, end);
  else if (level == 3)
    rows_v3 (job, begin, end);
  else if (level == 2)
    rows_v2 (job, begin, end);
  else
#endif
    rows_baseline (job, begin, end);
}

const char *
mien_warp_vector_isa (void)
{
  static const char *names[] = { "baseline", "baseline", "x86-64-v2",
                                 "x86-64-v3", "x86-64-v4" };
  return names[isa_level ()];
}

void *
mien_warp_vector_prepare (compose_job *job, const mien_lerp_tap *taps)
{
  const int W = job->out->width, C = job->out->channels;
  const int H = job->out->height;
  const int n_field = job->field != NULL ? job->field->width : 1;
  job->isa_level = isa_level ();
  size_t bytes = (size_t)W * (4 * sizeof (int) + 2 * sizeof (float))
                 + (size_t)(n_field + 1) * sizeof (mien_warp_run);
  char *mem = malloc (bytes);
  if (mem == NULL)
    return NULL;
  mien_warp_run *runs = (mien_warp_run *)mem;
  int *x0 = (int *)(runs + n_field + 1), *x1 = x0 + W;
  float *xw = (float *)(x1 + W), *fw = xw + W;
  int *fx0 = (int *)(fw + W), *fx1 = fx0 + W;
  const mien_lerp_tap *cx = taps, *fx = taps + W + H;
  for (int x = 0; x < W; x++)
    {
      x0[x] = cx[x].i0 * C;
      x1[x] = cx[x].i1 * C;
      xw[x] = cx[x].w;
    }
  int n_runs = 0;
  if (job->field != NULL)
    for (int x = 0; x < W; x++)
      {
        fw[x] = fx[x].w;
        fx0[x] = 2 * fx[x].i0;
        fx1[x] = 2 * fx[x].i1;
        if (n_runs == 0 || fx[x].i0 != runs[n_runs - 1].i0
            || fx[x].i1 != runs[n_runs - 1].i1)
          runs[n_runs++] = (mien_warp_run){ x, x + 1, fx[x].i0, fx[x].i1 };
        else
          runs[n_runs - 1].x_end = x + 1;
      }
  job->coarse_x0 = x0;
  job->coarse_x1 = x1;
  job->coarse_xw = xw;
  job->field_xw = fw;
  job->runs = runs;
  job->n_runs = n_runs;
  /* Runs shorter than 16 pixels on average: per pixel. */
  int per_pixel = job->field != NULL && n_runs > 0 && W < 16 * n_runs;
  job->field_x0 = per_pixel ? fx0 : NULL;
  job->field_x1 = per_pixel ? fx1 : NULL;
  return mem;
}

