/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A template, included by mien-warp-rows.c once per vector width with
 * GROUP_L (the lanes of one float vector: 8 for AVX2, 16 for AVX-512) and
 * GROUP(name) (the names to define) set; not a header of its own.
 *
 * A group is GROUP_L consecutive pixels of a chunk, computed channel
 * interleaved: C vectors of GROUP_L elements each, every lane one channel
 * of one pixel. Per-pixel values (weights, gain, tap offsets) reach the
 * lanes of their channels through constant permutations; the coarse
 * image's horizontal taps through the per-vector tables of
 * mien_warp_vector_prepare (a window of 2·GROUP_L elements and two
 * permutations). The residual's taps are contiguous loads: within a group
 * the integer offsets of the taps from each pixel differ by at most one on
 * each axis (the field is smooth), so every lane's four taps are among three
 * rows × three shifts of the window that starts at the smallest offsets,
 * selected per lane. A group where that does not hold, or whose window
 * leaves the image (clamped taps), returns 0 and the caller does its pixels
 * one by one. Each lane computes exactly what chunk_moving computes for its
 * channel, with the same operations in the same order, so the two agree bit
 * for bit. */

#ifndef GROUP_PREFETCH
#define GROUP_PREFETCH 384 /* floats ahead: 768 bytes */
#endif

typedef float GROUP (vf) __attribute__ ((vector_size (4 * GROUP_L)));
typedef int GROUP (vi) __attribute__ ((vector_size (4 * GROUP_L)));

static inline __attribute__ ((always_inline)) GROUP (vf)
GROUP (loadf) (const float *p)
{
  GROUP (vf) v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline __attribute__ ((always_inline)) GROUP (vi)
GROUP (loadi) (const int *p)
{
  GROUP (vi) v;
  memcpy (&v, p, sizeof v);
  return v;
}

static inline __attribute__ ((always_inline)) void
GROUP (storef) (float *p, GROUP (vf) v)
{
  memcpy (p, &v, sizeof v);
}

/* A store that bypasses the caches where the vector is aligned: the frame
 * is written once and read much later (or by the next level, a whole image
 * later), so fetching its lines before writing them (as a normal store
 * must) doubles the writes' memory traffic. */
GROUP_TARGET static inline __attribute__ ((always_inline)) void
GROUP (stream) (float *p, GROUP (vf) v)
{
#if MIEN_X86_LEVELS
  if (((uintptr_t)p & (4 * GROUP_L - 1)) == 0)
    {
#if GROUP_L == 16
      _mm512_stream_ps (p, (__m512)v);
#else
      _mm256_stream_ps (p, (__m256)v);
#endif
      return;
    }
#endif
  memcpy (p, &v, sizeof v);
}

/* mask (all bits set or clear per lane) ? b : a */
static inline __attribute__ ((always_inline)) GROUP (vf)
GROUP (select) (GROUP (vi) mask, GROUP (vf) a, GROUP (vf) b)
{
  return (GROUP (vf))(((GROUP (vi))a & ~mask) | ((GROUP (vi))b & mask));
}

static inline __attribute__ ((always_inline)) GROUP (vf)
GROUP (lerp) (GROUP (vf) a, GROUP (vf) b, GROUP (vf) w)
{
  return a + w * (b - a);
}

/* The lanes of vector j of a group: pixel (j·GROUP_L + lane) / C, as
 * constants (C is 3 or 4; j < C). */
static inline __attribute__ ((always_inline)) GROUP (vi)
GROUP (spread) (int j, const int C)
{
#if GROUP_L == 16
  static const int three[3][16] = {
    { 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5 },
    { 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 10, 10 },
    { 10, 11, 11, 11, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15 },
  };
  static const int four[4][16] = {
    { 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3 },
    { 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7 },
    { 8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11 },
    { 12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15 },
  };
#else
  static const int three[3][8] = {
    { 0, 0, 0, 1, 1, 1, 2, 2 },
    { 2, 3, 3, 3, 4, 4, 4, 5 },
    { 5, 5, 6, 6, 6, 7, 7, 7 },
  };
  static const int four[4][8] = {
    { 0, 0, 0, 0, 1, 1, 1, 1 },
    { 2, 2, 2, 2, 3, 3, 3, 3 },
    { 4, 4, 4, 4, 5, 5, 5, 5 },
    { 6, 6, 6, 6, 7, 7, 7, 7 },
  };
#endif
  return GROUP (loadi) (C == 3 ? three[j] : four[j]);
}

/* up(coarse) for element vector v of the row (mien_warp_vector_prepare's
 * tables). */
static inline __attribute__ ((always_inline)) GROUP (vf)
GROUP (coarse) (const compose_job *job, const float *crow, int v)
{
  const float *window = crow + job->group_base[v];
  GROUP (vf) lo = GROUP (loadf) (window);
  GROUP (vf) hi = GROUP (loadf) (window + GROUP_L);
  const size_t e = (size_t)v * GROUP_L;
  GROUP (vf) a = __builtin_shuffle (lo, hi, GROUP (loadi) (job->group_i0 + e));
  GROUP (vf) b = __builtin_shuffle (lo, hi, GROUP (loadi) (job->group_i1 + e));
  return GROUP (lerp) (a, b, GROUP (loadf) (job->group_w + e));
}

/* The smallest and largest lane, by halving (log2 GROUP_L steps). */
static inline __attribute__ ((always_inline)) void
GROUP (range) (GROUP (vi) v, int *lo, int *hi)
{
  /* Rotations by half, a quarter, … of the lanes, as constants. */
#if GROUP_L == 16
  static const int turns[4][16] = {
    { 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7 },
    { 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3 },
    { 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0, 1 },
    { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0 },
  };
#else
  static const int turns[3][8] = {
    { 4, 5, 6, 7, 0, 1, 2, 3 },
    { 2, 3, 4, 5, 6, 7, 0, 1 },
    { 1, 2, 3, 4, 5, 6, 7, 0 },
  };
#endif
  GROUP (vi) a = v, b = v;
  for (unsigned t = 0; t < sizeof turns / sizeof turns[0]; t++)
    {
      const GROUP (vi) turn = GROUP (loadi) (turns[t]);
      GROUP (vi) sa = __builtin_shuffle (a, turn);
      GROUP (vi) sb = __builtin_shuffle (b, turn);
      GROUP (vi) less = sa < a, more = sb > b;
      a = (sa & less) | (a & ~less);
      b = (sb & more) | (b & ~more);
    }
  *lo = a[0];
  *hi = b[0];
}

/* Pixels k0 … k0 + GROUP_L − 1 of the chunk at column xa of row y (k0 a
 * multiple of GROUP_L): out and the residual as chunk_moving has them, or
 * (res_row, moving = 0) the still case, or (no residual) up(coarse) alone.
 * GROUP_TARGET: the instruction set attribute of this width.
 * Returns 0, having written nothing, where the group cannot be done. */
/* A function of its own, built for the instruction set of its width (a
 * call per group costs little), so that each width's rows can call it. */
GROUP_TARGET static int
GROUP (pixels) (const compose_job *job, float *out, const float *crow,
                const float *rdata, const float *res_row, int moving,
                const chunk_buffers *b, int xa, int k0, int y, const int C)
{
  const int W = job->out->width, H = job->out->height;
  const int stride = W * C;
  const int x0 = xa + k0;
  const int v0 = x0 * C / GROUP_L; /* the group's first element vector */
  if (rdata == NULL)
    {
      for (int j = 0; j < C; j++)
        GROUP (storef) (out + j * GROUP_L, GROUP (coarse) (job, crow, v0 + j));
      return 1;
    }
  if (!moving)
    {
      for (int j = 0; j < C; j++)
        GROUP (storef) (out + j * GROUP_L,
                        GROUP (coarse) (job, crow, v0 + j)
                            + GROUP (loadf) (res_row + j * GROUP_L));
      return 1;
    }
  GROUP (vi) ox = GROUP (loadi) (b->ox + k0), oy = GROUP (loadi) (b->oy + k0);
  int mx, Mx, my, My;
  GROUP (range) (ox, &mx, &Mx);
  GROUP (range) (oy, &my, &My);
  if (Mx - mx > 1 || My - my > 1)
    return 0;
  /* Every tap inside the image and not clamped: columns x0 + mx …
   * x0 + mx + GROUP_L + 1 (the window and its two shifts), rows y + my …
   * y + my + 2. */
  if (x0 + mx < 0 || x0 + mx + GROUP_L + 1 > W - 1 || y + my < 0
      || y + my + 2 > H - 1)
    return 0;
  const GROUP (vi) one = ox - ox + 1;
  const GROUP (vi) shift_x = ox - mx, shift_y = oy - my; /* 0 or 1 */
  const GROUP (vf) wx = GROUP (loadf) (b->wx + k0);
  const GROUP (vf) wy = GROUP (loadf) (b->wy + k0);
  const GROUP (vf) g = GROUP (loadf) (b->g + k0);
  const float *window = rdata + (size_t)(y + my) * stride + (size_t)(x0 + mx) * C;
  for (int j = 0; j < C; j++)
    {
      const GROUP (vi) lanes = GROUP (spread) (j, C);
      const GROUP (vf) ex = __builtin_shuffle (wx, lanes);
      const GROUP (vf) ey = __builtin_shuffle (wy, lanes);
      const GROUP (vf) eg = __builtin_shuffle (g, lanes);
      const GROUP (vi) sx = __builtin_shuffle (shift_x, lanes) == one;
      const GROUP (vi) sy = __builtin_shuffle (shift_y, lanes) == one;
      const float *p = window + j * GROUP_L;
      /* The third row is new to the cache in every output row (the two
       * above it were read by the rows before); asking for it a few groups
       * ahead hides most of the memory's latency. */
      __builtin_prefetch (p + 2 * (size_t)stride + GROUP_PREFETCH);
      GROUP (vf) h[3];
      for (int r = 0; r < 3; r++)
        {
          const float *q = p + (size_t)r * stride;
          GROUP (vf) a = GROUP (loadf) (q), m = GROUP (loadf) (q + C);
          GROUP (vf) z = GROUP (loadf) (q + 2 * C);
          h[r] = GROUP (lerp) (GROUP (select) (sx, a, m),
                               GROUP (select) (sx, m, z), ex);
        }
      GROUP (vf) top = GROUP (select) (sy, h[0], h[1]);
      GROUP (vf) bot = GROUP (select) (sy, h[1], h[2]);
      GROUP (vf) value = GROUP (coarse) (job, crow, v0 + j);
      value += eg * GROUP (lerp) (top, bot, ey);
      GROUP (storef) (out + j * GROUP_L, value);
    }
  return 1;
}
