/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The iris fit of mien-iris.h. The search runs in the eye's own frame
 * (s along the corner line, t across it, in pixels from the opening's
 * centre) so that the lids are two curves t_up(s) < t_low(s) through the
 * landmarks, and any eye size works the same way: every measure samples
 * the photo bilinearly at sub-pixel positions, so a 20-pixel eye is fitted
 * without resampling the photo. */
#include "mien-iris.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Iris radius over the eye's width: an adult iris is about 11.7 mm across
 * and the eye opening 28-32 mm wide (0.18-0.21); the range allows for
 * landmark error and narrowed eyes. */
/* R_MIN was 0.13: discs that small were wrong fits on the sample faces
 * (a shadow in an eye's corner, a piece of lash line: r/w 0.11-0.16 in
 * tests/eval/test-gaze.c's re-fits), never an iris. With 0.17 and the
 * move's corner stop (mien_iris_move) test-gaze counted 253 of 352 cases
 * within 10 % of the width, against 251 before. */
#define R_MIN 0.17f
#define R_MAX 0.27f
#define N_RADII 12
/* The limbus is read on the lateral arcs, up to this angle from the eye
 * axis: above and below, the lids usually cover it. */
#define ARC_HALF (70.0f * 3.14159265f / 180.0f)
#define N_ARC 24
/* The landmarks sit on the lid margins; the opening reaches a little past
 * the lines between them (eyelid curvature), by this share of the width. */
#define LID_SLACK 0.03f
/* Below these the fit is not trusted (luma units, 0 … 1). */
#define MIN_EDGE 0.02f
#define MIN_CONTRAST 0.04f
/* Brighter than the sclera over this share of the iris's area: a glare. */
#define GLARE_SHARE 0.12f
#define GLARE_LUMA 0.92f
/* With the iris model (mien_iris_find_fitted): how far from its centre
 * the disc is sought, in eye widths (its iris radius is about 0.2). */
#define MODEL_REACH 0.08f

typedef struct eye_geom {
  float cx, cy, ux, uy; /* centre; unit axis; ev = (-uy, ux) points down */
  float w;              /* width */
  float s[4], up[4], low[4]; /* lid curves: knots at the corners and lid points */
} eye_geom;

/* The photo's luma as the fit reads it. The fit samples the same few
 * thousand pixels around one eye hundreds of thousands of times (every
 * centre, radius and arc sample of the search), so the luma of the eye's
 * neighbourhood is computed once per fit into `v`; a sample beyond that
 * rectangle reads the photo itself. Both give the same bits: the same
 * per-pixel expression, then the same bilinear blend. */
typedef struct luma_src {
  const mien_image *im;
  int x0, y0, w, h; /* the cached rectangle, image pixels */
  float *v;         /* w × h lumas; NULL: nothing cached */
} luma_src;

static float
pixel_luma (const mien_image *im, int x, int y)
{
  const float *p = mien_image_row (im, y) + (size_t)x * (size_t)im->channels;
  return im->channels >= 3 ? 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]
                           : p[0];
}

/* Caches the luma of the rectangle [x0, x1] × [y0, y1] (clipped to the
 * image); on an allocation failure every sample reads the photo. */
static void
luma_src_init (luma_src *L, const mien_image *im, float x0, float y0,
               float x1, float y1)
{
  memset (L, 0, sizeof *L);
  L->im = im;
  /* Clamped on both sides before the conversion (NaN clamps to 0): the
   * landmarks of a bad track can be anywhere. */
  float wmax = (float)(im->width - 1), hmax = (float)(im->height - 1);
  int ix0 = (int)fminf (fmaxf (floorf (x0), 0.0f), wmax);
  int iy0 = (int)fminf (fmaxf (floorf (y0), 0.0f), hmax);
  int ix1 = (int)fminf (fmaxf (ceilf (x1), 0.0f), wmax);
  int iy1 = (int)fminf (fmaxf (ceilf (y1), 0.0f), hmax);
  if (!(ix1 >= ix0 && iy1 >= iy0))
    return;
  L->v = malloc (sizeof (float) * (size_t)(ix1 - ix0 + 1)
                 * (size_t)(iy1 - iy0 + 1));
  if (L->v == NULL)
    return;
  L->x0 = ix0, L->y0 = iy0, L->w = ix1 - ix0 + 1, L->h = iy1 - iy0 + 1;
  for (int y = 0; y < L->h; y++)
    for (int x = 0; x < L->w; x++)
      L->v[(size_t)y * (size_t)L->w + (size_t)x]
          = pixel_luma (im, ix0 + x, iy0 + y);
}

/* Inlined: called a few hundred thousand times a fit, from the search's
 * inner loop (17 % of a driving run's CPU time before it was). */
static inline __attribute__ ((always_inline)) float
luma_at (const luma_src *L, float x, float y)
{
  const mien_image *im = L->im;
  float fx = fminf (fmaxf (x, 0.0f), (float)(im->width - 1));
  float fy = fminf (fmaxf (y, 0.0f), (float)(im->height - 1));
  int x0 = (int)fx, y0 = (int)fy;
  int x1 = x0 + 1 < im->width ? x0 + 1 : x0;
  int y1 = y0 + 1 < im->height ? y0 + 1 : y0;
  float ax = fx - (float)x0, ay = fy - (float)y0;
  float v[4];
  if (L->v != NULL && x0 >= L->x0 && y0 >= L->y0 && x1 < L->x0 + L->w
      && y1 < L->y0 + L->h)
    {
      const float *r0 = L->v + (size_t)(y0 - L->y0) * (size_t)L->w;
      const float *r1 = L->v + (size_t)(y1 - L->y0) * (size_t)L->w;
      v[0] = r0[x0 - L->x0], v[1] = r0[x1 - L->x0];
      v[2] = r1[x0 - L->x0], v[3] = r1[x1 - L->x0];
    }
  else
    {
      v[0] = pixel_luma (im, x0, y0), v[1] = pixel_luma (im, x1, y0);
      v[2] = pixel_luma (im, x0, y1), v[3] = pixel_luma (im, x1, y1);
    }
  return (1 - ay) * ((1 - ax) * v[0] + ax * v[1])
         + ay * ((1 - ax) * v[2] + ax * v[3]);
}

/* The search's angles, whose sines and cosines every circle repeats:
 * the limbus arcs (both halves) and the 16 ring directions. */
typedef struct circle_dirs {
  float arc_cos[2][N_ARC], arc_sin[2][N_ARC];
  float ring_cos[16], ring_sin[16];
} circle_dirs;

static void
circle_dirs_init (circle_dirs *d)
{
  for (int half = 0; half < 2; half++)
    for (int k = 0; k < N_ARC; k++)
      {
        float a = -ARC_HALF + 2.0f * ARC_HALF * ((float)k + 0.5f) / N_ARC;
        float ang = a + (half ? 3.14159265f : 0.0f);
        d->arc_cos[half][k] = cosf (ang), d->arc_sin[half][k] = sinf (ang);
      }
  for (int k = 0; k < 16; k++)
    {
      float ang = 2.0f * 3.14159265f * ((float)k + 0.5f) / 16.0f;
      d->ring_cos[k] = cosf (ang), d->ring_sin[k] = sinf (ang);
    }
}

/* Eye frame (s, t) to image (x, y). */
static void
to_image (const eye_geom *g, float s, float t, float *x, float *y)
{
  *x = g->cx + s * g->ux - t * g->uy;
  *y = g->cy + s * g->uy + t * g->ux;
}

static float
lid_at (const float *knot_s, const float *knot_t, float s)
{
  if (s <= knot_s[0])
    return knot_t[0];
  for (int k = 0; k < 3; k++)
    if (s <= knot_s[k + 1])
      {
        float d = knot_s[k + 1] - knot_s[k];
        float a = d > 1e-6f ? (s - knot_s[k]) / d : 0.0f;
        return knot_t[k] + a * (knot_t[k + 1] - knot_t[k]);
      }
  return knot_t[3];
}

/* 1 if (s, t) lies in the eye opening. */
static int
in_opening (const eye_geom *g, float s, float t)
{
  if (s <= g->s[0] || s >= g->s[3])
    return 0;
  float slack = LID_SLACK * g->w;
  return t >= lid_at (g->s, g->up, s) - slack
         && t <= lid_at (g->s, g->low, s) + slack;
}

/* The distance from (s, t) to the polyline through the knots (s_k,
 * t_k + off): the nearest of its three segments. */
static float
polyline_distance (const float *knot_s, const float *knot_t, float off,
                   float s, float t)
{
  float best = 1e30f;
  for (int k = 0; k < 3; k++)
    {
      float as = knot_s[k], at = knot_t[k] + off;
      float bs = knot_s[k + 1] - as, bt = knot_t[k + 1] + off - at;
      float len2 = bs * bs + bt * bt;
      float u = len2 > 0.0f ? ((s - as) * bs + (t - at) * bt) / len2 : 0.0f;
      u = fminf (fmaxf (u, 0.0f), 1.0f);
      best = fminf (best, hypotf (s - as - u * bs, t - at - u * bt));
    }
  return best;
}

/* The share of the pixel at (s, t) that the eye opening covers: its
 * signed distance to the opening's outline (the two lid curves, as
 * in_opening draws them, and the corners' lines), the nearest of them,
 * ramped over one pixel centred on the outline (a pixel's area coverage
 * of a straight edge; in_opening's hard test is this at 0.5). 0 … 1 and
 * continuous in the point and the landmarks, so that the iris move does
 * not flip single pixels at the lid's edge when the landmarks move by a
 * rounding error (the hard test did: 110-159 levels between landmarks
 * 2e-3 px apart, on a synthetic eye and the astronaut's; now under 1,
 * tests/eval/test-iris.c). A ramp inside the outline instead
 * (nothing beyond in_opening's region written) left the old iris showing
 * through the lid's last row: test-gaze's cases within 10 % of the width
 * fell from 230 to 221 of 336, against 235 for this one. */
static float
opening_coverage (const eye_geom *g, float s, float t)
{
  float slack = LID_SLACK * g->w;
  float d = fminf (s - g->s[0], g->s[3] - s);
  float du = polyline_distance (g->s, g->up, -slack, s, t);
  if (t < lid_at (g->s, g->up, s) - slack)
    du = -du;
  float dl = polyline_distance (g->s, g->low, slack, s, t);
  if (t > lid_at (g->s, g->low, s) + slack)
    dl = -dl;
  d = fminf (d, fminf (du, dl));
  return fminf (fmaxf (d + 0.5f, 0.0f), 1.0f);
}

/* Half the chord of a circle of radius r at distance dt from its centre;
 * 0 beyond it. */
static float
chord_half (float r, float dt)
{
  return r * r > dt * dt ? sqrtf (r * r - dt * dt) : 0.0f;
}

static void
geom_init (eye_geom *g, const mien_point *lm, int side)
{
  int e0 = side ? 42 : 36;
  mien_point a = lm[e0], b = lm[e0 + 3];
  float dx = b.x - a.x, dy = b.y - a.y;
  g->w = hypotf (dx, dy);
  g->cx = 0.5f * (a.x + b.x);
  g->cy = 0.5f * (a.y + b.y);
  g->ux = g->w > 0 ? dx / g->w : 1.0f;
  g->uy = g->w > 0 ? dy / g->w : 0.0f;
  /* Knots, image left to right: corner, two lid points, corner. The upper
   * lid's points are e0+1, e0+2; the lower lid's e0+5, e0+4. */
  const int up[4] = { e0, e0 + 1, e0 + 2, e0 + 3 };
  const int low[4] = { e0, e0 + 5, e0 + 4, e0 + 3 };
  for (int k = 0; k < 4; k++)
    {
      float px = lm[up[k]].x - g->cx, py = lm[up[k]].y - g->cy;
      float qx = lm[low[k]].x - g->cx, qy = lm[low[k]].y - g->cy;
      g->s[k] = px * g->ux + py * g->uy;
      g->up[k] = -px * g->uy + py * g->ux;
      g->low[k] = -qx * g->uy + qy * g->ux;
    }
  /* Keep the knots in order along s (a badly tracked eye may cross them). */
  for (int k = 1; k < 4; k++)
    g->s[k] = fmaxf (g->s[k], g->s[k - 1] + 1e-3f);
}

/* The median of n values (sorts them, by insertion: n ≤ 256). */
static float
median (float *v, int n)
{
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j] < v[j - 1]; j--)
      {
        float tmp = v[j];
        v[j] = v[j - 1];
        v[j - 1] = tmp;
      }
  return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct fit {
  float s, t, r, score, edge, contrast, sclera;
} fit;

/* The limbus step on the visible lateral arcs and the disc's darkness
 * against the sclera ring, for the circle (s, t, r) in the eye frame. */
static fit
score_circle (const luma_src *im, const circle_dirs *dirs, const eye_geom *g,
              float s, float t, float r)
{
  fit f = { s, t, r, -1e9f, 0, 0, 0 };
  float d = fmaxf (0.12f * r, 0.6f);
  float edge = 0.0f;
  int n_edge = 0;
  for (int half = 0; half < 2; half++)
    for (int k = 0; k < N_ARC; k++)
      {
        float cs = dirs->arc_cos[half][k], sn = dirs->arc_sin[half][k];
        float so = s + (r + d) * cs, to = t + (r + d) * sn;
        if (!in_opening (g, so, to))
          continue;
        float si = s + (r - d) * cs, ti = t + (r - d) * sn;
        float x, y, xi, yi;
        to_image (g, so, to, &x, &y);
        to_image (g, si, ti, &xi, &yi);
        edge += luma_at (im, x, y) - luma_at (im, xi, yi);
        n_edge++;
      }
  /* The limbus must be seen on a fair share of both arcs together. */
  if (n_edge < N_ARC / 2)
    return f;
  edge /= (float)n_edge;
  /* Inside: rings at 0.35 r and 0.7 r; sclera: the ring at 1.35 r, both
   * only where the opening shows them. (Medians instead of means made the
   * fits on the synthetic eyes of tests/eval/test-iris.c worse: 0.025 ->
   * 0.046 of the width.) */
  float in[32], out[16];
  f.sclera = 0.0f;
  int n_in = 0, n_out = 0;
  for (int k = 0; k < 16; k++)
    {
      float cs = dirs->ring_cos[k], sn = dirs->ring_sin[k];
      for (int ring = 0; ring < 3; ring++)
        {
          float rr = r * (ring == 0 ? 0.35f : ring == 1 ? 0.7f : 1.35f);
          float ss = s + rr * cs, tt = t + rr * sn, x, y;
          if (!in_opening (g, ss, tt))
            continue;
          to_image (g, ss, tt, &x, &y);
          float v = luma_at (im, x, y);
          if (ring < 2)
            in[n_in++] = v;
          else
            out[n_out++] = v;
        }
    }
  if (n_in < 6 || n_out < 3)
    return f;
  f.edge = edge;
  float sum_in = 0.0f, sum_out = 0.0f;
  for (int i = 0; i < n_in; i++)
    sum_in += in[i];
  for (int i = 0; i < n_out; i++)
    sum_out += out[i];
  f.sclera = sum_out / (float)n_out;
  f.contrast = f.sclera - sum_in / (float)n_in;
  f.score = edge + 0.5f * f.contrast;
  return f;
}

static fit
search (const luma_src *im, const circle_dirs *dirs, const eye_geom *g,
        float s0, float s1,
        float t0, float t1, float step, float r0, float r1, int n_r)
{
  fit best = { 0, 0, 0, -1e9f, 0, 0, 0 };
  for (float t = t0; t <= t1 + 1e-4f; t += step)
    for (float s = s0; s <= s1 + 1e-4f; s += step)
      {
        if (!in_opening (g, s, t))
          continue;
        for (int i = 0; i < n_r; i++)
          {
            float r = n_r > 1 ? r0 + (r1 - r0) * (float)i / (float)(n_r - 1)
                              : r0;
            fit f = score_circle (im, dirs, g, s, t, r);
            if (f.score > best.score)
              best = f;
          }
      }
  return best;
}

/* Mean luma on a circle of radius rr about the centre, the catchlight
 * excluded by taking the median of the samples. */
static float
ring_median (const luma_src *im, float cx, float cy, float rr)
{
  float v[24];
  for (int k = 0; k < 24; k++)
    {
      float ang = 2.0f * 3.14159265f * (float)k / 24.0f;
      v[k] = luma_at (im, cx + rr * cosf (ang), cy + rr * sinf (ang));
    }
  return median (v, 24);
}

static void
find_pupil_and_catchlight (const luma_src *im, mien_iris *out)
{
  float cx = out->centre.x, cy = out->centre.y, r = out->radius;
  /* The pupil: the largest outward step of the ring medians between 0.2 r
   * and 0.75 r. A dark iris (brown, in ordinary light) shows none. */
  float best = 0.0f, best_r = 0.0f;
  float prev = ring_median (im, cx, cy, 0.15f * r);
  for (int i = 1; i <= 12; i++)
    {
      float rr = r * (0.15f + 0.05f * (float)i);
      float v = ring_median (im, cx, cy, rr);
      if (rr >= 0.2f * r && v - prev > best)
        best = v - prev, best_r = rr - 0.025f * r;
      prev = v;
    }
  out->pupil_radius = best > 0.03f ? best_r : 0.0f;
  /* The catchlight: the brightest pixel inside 0.9 r, clearly above the
   * iris's median. */
  float iris = ring_median (im, cx, cy, 0.6f * r);
  float top = -1.0f;
  int n = (int)ceilf (0.9f * r);
  for (int dy = -n; dy <= n; dy++)
    for (int dx = -n; dx <= n; dx++)
      {
        if ((float)(dx * dx + dy * dy) > 0.81f * r * r)
          continue;
        float x = roundf (cx) + (float)dx, y = roundf (cy) + (float)dy;
        float v = luma_at (im, x, y);
        if (v > top)
          {
            top = v;
            out->catchlight = (mien_point){ x, y };
          }
      }
  out->has_catchlight = top > iris + 0.25f;
}

/* How soft the limbus is in the photo: the Gaussian blur σ (pixels) of a
 * step whose rise over ±1 pixel is this edge's rise over ±3 pixels times
 * q, q = erf (1/(σ√2)) / erf (3/(σ√2)), read on the disc's sides (within
 * 45° of the eye's axis, where the lids do not reach) and solved by
 * bisection. A small or blurred eye (a 1–2K photo's face, 20–40 px eyes)
 * has a limbus 2–4 px wide; moved with the one-pixel edge a sharp 4K
 * eye needs, its disc reads as pasted on and leaves its old rim behind as
 * a dark ring. 0.5 where the edge is too faint or the disc too small to
 * tell. */
static float
limbus_blur (const luma_src *L, const eye_geom *g, float cs, float ct,
             float r)
{
  if (r < 3.5f)
    return 0.5f;
  float rise1 = 0.0f, rise3 = 0.0f, wsum = 0.0f;
  for (int k = -4; k <= 4; k++)
    for (int side = -1; side <= 1; side += 2)
      {
        float ang = 0.19634954f * (float)k; /* ±45° in 9 steps */
        float ux = (float)side * cosf (ang), uy = sinf (ang);
        float w = opening_coverage (g, cs + (r + 3.0f) * ux,
                                    ct + (r + 3.0f) * uy)
                  * opening_coverage (g, cs + (r - 3.0f) * ux,
                                      ct + (r - 3.0f) * uy);
        if (w <= 0.0f)
          continue;
        float l[4];
        const float d[4] = { -3.0f, -1.0f, 1.0f, 3.0f };
        for (int i = 0; i < 4; i++)
          {
            float x, y;
            to_image (g, cs + (r + d[i]) * ux, ct + (r + d[i]) * uy, &x, &y);
            l[i] = luma_at (L, x, y);
          }
        rise1 += w * (l[2] - l[1]);
        rise3 += w * (l[3] - l[0]);
        wsum += w;
      }
  /* How much to trust the reading: none under 1 side's worth of points or
   * a rise of 0.02, all from 3 and 0.06, smoothly between, so that the
   * reading stays continuous in the landmarks and the fit. */
  float trust = fminf (fmaxf ((wsum - 1.0f) / 2.0f, 0.0f), 1.0f);
  float mean_rise = wsum > 0.0f ? rise3 / wsum : 0.0f;
  trust *= fminf (fmaxf ((mean_rise - 0.02f) / 0.04f, 0.0f), 1.0f);
  if (trust <= 0.0f)
    return 0.5f;
  float q = rise1 / rise3;
  if (q >= 0.95f)
    return 0.5f;
  /* q falls from 0.95 (σ 0.5) towards 1/3 (σ → ∞); past σ 3 it tells
   * little, so that is the most. */
  float lo = 0.5f, hi = 3.0f;
  for (int it = 0; it < 20; it++)
    {
      float sigma = 0.5f * (lo + hi), k = 1.0f / (sigma * 1.41421356f);
      if (erff (k) / erff (3.0f * k) > q)
        lo = sigma;
      else
        hi = sigma;
    }
  return 0.5f + trust * (0.5f * (lo + hi) - 0.5f);
}

mien_status
mien_iris_find (const mien_image *image,
                const mien_point landmarks[MIEN_N_LANDMARKS], int side,
                mien_iris *out, mien_error *err)
{
  return mien_iris_find_fitted (image, landmarks, side, NULL, out, err);
}

mien_status
mien_iris_find_fitted (const mien_image *image,
                       const mien_point landmarks[MIEN_N_LANDMARKS], int side,
                       const mien_eye_fit *model, mien_iris *out,
                       mien_error *err)
{
  if (!image || !landmarks || !out || (side != 0 && side != 1)
      || image->width < 1 || image->height < 1)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "iris: image, landmarks or side missing");
  memset (out, 0, sizeof *out);
  eye_geom g;
  geom_init (&g, landmarks, side);
  out->eye_centre = (mien_point){ g.cx, g.cy };
  out->eye_axis = (mien_point){ g.ux, g.uy };
  out->eye_width = g.w;
  float h = 0.5f * ((g.low[1] - g.up[1]) + (g.low[2] - g.up[2]));
  out->openness = g.w > 0 ? h / g.w : 0.0f;
  if (!(g.w >= MIEN_IRIS_MIN_EYE_WIDTH))
    {
      out->status = MIEN_IRIS_TOO_SMALL;
      return MIEN_OK;
    }
  /* The iris model's contour tells a shut eye better than the landmarks'
   * six points (which open an eye shut in the photo: sample2's); where it
   * ran, its opening decides. */
  const int use_model = model != NULL && model->ok;
  if (use_model ? !(model->openness >= MIEN_IRIS_MODEL_MIN_OPENNESS)
                : !(out->openness >= MIEN_IRIS_MIN_OPENNESS))
    {
      out->status = MIEN_IRIS_EYE_CLOSED;
      return MIEN_OK;
    }
  /* Coarse: centres every ~1/40 of the width (at least half a pixel);
   * then twice finer around the best, radii too. */
  float step = fmaxf (g.w / 40.0f, 0.5f);
  float tu = fminf (g.up[1], g.up[2]), tl = fmaxf (g.low[1], g.low[2]);
  /* Every sample lies within about 0.45 of the width beyond the eye's
   * corners and lids (the sclera ring at 1.35 r of a disc up to 0.27 w,
   * the glare check at 1.4 r); the cache covers that and a margin. */
  float reach = 0.5f * g.w + 3.0f;
  float bx0 = 1e30f, by0 = 1e30f, bx1 = -1e30f, by1 = -1e30f;
  for (int k = 0; k < 6; k++)
    {
      mien_point q = landmarks[(side ? 42 : 36) + k];
      bx0 = fminf (bx0, q.x), by0 = fminf (by0, q.y);
      bx1 = fmaxf (bx1, q.x), by1 = fmaxf (by1, q.y);
    }
  luma_src L;
  luma_src_init (&L, image, bx0 - reach, by0 - reach, bx1 + reach,
                 by1 + reach);
  circle_dirs dirs;
  circle_dirs_init (&dirs);
  fit best;
  float dr = (R_MAX - R_MIN) * g.w / (float)(N_RADII - 1);
  if (use_model)
    {
      /* The model says where the iris is; the limbus step places the disc
       * to the pixel (mien_iris_move moves that disc): centres within
       * MODEL_REACH of the eye's width about the model's, radii within
       * a fifth of its radius, the same score as the free search. */
      float px = model->iris_centre.x - g.cx, py = model->iris_centre.y - g.cy;
      float ms = px * g.ux + py * g.uy, mt = -px * g.uy + py * g.ux;
      float mr = fminf (fmaxf (model->iris_radius, R_MIN * g.w), R_MAX * g.w);
      /* The window and the radii snap to the free search's grid, so that
       * the model's last bits (another thread count, another backend) do
       * not move the candidates: the app's frames and mien-render's must
       * get the same disc (tests/ui/test_drive.py). */
      float reach = ceilf (MODEL_REACH * g.w / step) * step;
      ms = roundf (ms / step) * step, mt = roundf (mt / step) * step;
      float r0 = R_MIN * g.w + roundf ((0.8f * mr - R_MIN * g.w) / dr) * dr;
      int n_r = (int)lroundf (0.4f * mr / dr) + 1;
      best = search (&L, &dirs, &g, ms - reach, ms + reach, mt - reach,
                     mt + reach, step, r0, r0 + (float)(n_r - 1) * dr,
                     n_r < 2 ? 2 : n_r);
    }
  else
    best = search (&L, &dirs, &g, g.s[0] + 0.1f * g.w, g.s[3] - 0.1f * g.w,
                   tu, tl, step, R_MIN * g.w, R_MAX * g.w, N_RADII);
  for (int it = 0; it < 2 && best.score > -1e8f; it++)
    {
      step *= 0.5f;
      dr *= 0.5f;
      fit f = search (&L, &dirs, &g, best.s - 2 * step, best.s + 2 * step,
                      best.t - 2 * step, best.t + 2 * step, step,
                      best.r - 2 * dr, best.r + 2 * dr, 5);
      if (f.score > best.score)
        best = f;
    }
  if (!(best.edge >= MIN_EDGE && best.contrast >= MIN_CONTRAST))
    {
      out->status = MIEN_IRIS_NO_CONTRAST;
      out->edge = fmaxf (best.edge, 0.0f);
      out->contrast = fmaxf (best.contrast, 0.0f);
      free (L.v);
      return MIEN_OK;
    }
  /* A reflection on glasses (or a wet glare) brighter than the sclera over
   * a fair share of the iris's area: the disc found beside it is not to be
   * trusted. A catchlight covers 1-3 % of the disc. The sclera's level for
   * it: the fit's (the ring beside the disc), or
   * the opening's median luma where that is lower. A reflection beside the
   * disc can be the "sclera" of the fit itself: a dark disc next to a
   * white band has a strong edge (tests/eval/test-gaze-bad-input.c, a
   * band across the astronaut's 16-px eyes: the fit's sclera was 0.974 and
   * the glare went unseen; the disc found beside the band is 0.28 of the
   * width off the iris). */
  float open_v[256];
  int n_open = 0;
  for (int j = 0; j < 8; j++)
    for (int i = 0; i < 32; i++)
      {
        float ss = g.s[0] + (g.s[3] - g.s[0]) * ((float)i + 0.5f) / 32.0f;
        float tu = lid_at (g.s, g.up, ss), tl = lid_at (g.s, g.low, ss);
        float tt = tu + (tl - tu) * ((float)j + 0.5f) / 8.0f, x, y;
        if (!in_opening (&g, ss, tt))
          continue;
        to_image (&g, ss, tt, &x, &y);
        open_v[n_open++] = luma_at (&L, x, y);
      }
  float sclera_ref = best.sclera;
  if (n_open > 0)
    sclera_ref = fminf (sclera_ref, median (open_v, n_open));
  float glare = 0.0f, area = 3.14159265f * best.r * best.r;
  for (float t = -1.4f * best.r; t <= 1.4f * best.r; t += 0.5f)
    for (float s = -1.4f * best.r; s <= 1.4f * best.r; s += 0.5f)
      {
        float ss = best.s + s, tt = best.t + t, x, y;
        if (!in_opening (&g, ss, tt))
          continue;
        to_image (&g, ss, tt, &x, &y);
        if (luma_at (&L, x, y) > fmaxf (sclera_ref + 0.03f, GLARE_LUMA))
          glare += 0.25f; /* a 0.5 × 0.5 pixel sample */
      }
  if (glare > GLARE_SHARE * area)
    {
      out->status = MIEN_IRIS_GLARE;
      out->edge = best.edge;
      out->contrast = best.contrast;
      free (L.v);
      return MIEN_OK;
    }
  out->status = MIEN_IRIS_FOUND;
  to_image (&g, best.s, best.t, &out->centre.x, &out->centre.y);
  out->radius = best.r;
  out->edge = best.edge;
  out->contrast = best.contrast;
  out->limbus_blur = limbus_blur (&L, &g, best.s, best.t, best.r);
  find_pupil_and_catchlight (&L, out);
  free (L.v);
  return MIEN_OK;
}

/* One channel of a pixel, bilinear, clamped to the image. */
static float
channel_at (const mien_image *im, float x, float y, int ch)
{
  float v[4];
  mien_image_sample_bilinear (im, x, y, v);
  return v[ch];
}

#define MAX_CHANNELS 4

/* The sclera's colour on the eye-frame row t, at s: interpolated between
 * the sclera just beyond the iris disc on either side of it (where the
 * opening shows sclera there), else the side that shows it, else `mean`. */
static void
sclera_at (const mien_image *src, const eye_geom *g, float cs, float ct,
           float r, float gap, float s, float t, const float *mean,
           float *out)
{
  float dt = t - ct;
  float half = r * r > dt * dt ? sqrtf (r * r - dt * dt) : 0.0f;
  float sl = cs - half - gap, sr = cs + half + gap;
  /* How far the opening shows each side (soft, as the mask): the four
   * cases (both, left, right, neither) blended by those shares, so the
   * fill is continuous in the landmarks. */
  float okl = opening_coverage (g, sl, t), okr = opening_coverage (g, sr, t);
  float xl, yl, xr, yr;
  to_image (g, sl, t, &xl, &yl);
  to_image (g, sr, t, &xr, &yr);
  float a = sr > sl ? (s - sl) / (sr - sl) : 0.5f;
  a = fminf (fmaxf (a, 0.0f), 1.0f);
  for (int ch = 0; ch < src->channels && ch < MAX_CHANNELS; ch++)
    {
      float vl = channel_at (src, xl, yl, ch), vr = channel_at (src, xr, yr, ch);
      out[ch] = okl * okr * ((1 - a) * vl + a * vr) + okl * (1 - okr) * vl
                + (1 - okl) * okr * vr + (1 - okl) * (1 - okr) * mean[ch];
    }
}

/* The mean colour of 32 points on a circle of radius about (cs, ct) in the
 * eye frame, counting only those inside the opening; fallback where none is. */
static void
ring_mean (const eye_geom *g, const mien_image *src, float cs, float ct,
           float radius, float fallback, float out[MAX_CHANNELS])
{
  /* Each point weighted by the opening's (soft) coverage there; under a
   * total weight of 1 the fallback makes up the rest, so the mean is
   * continuous in the landmarks. */
  float wsum = 0.0f;
  for (int ch = 0; ch < MAX_CHANNELS; ch++)
    out[ch] = 0.0f;
  for (int k = 0; k < 32; k++)
    {
      float ang = 6.2831853f * (float)k / 32.0f, x, y;
      float ss = cs + radius * cosf (ang), tt = ct + radius * sinf (ang);
      float w = opening_coverage (g, ss, tt);
      if (w <= 0.0f)
        continue;
      to_image (g, ss, tt, &x, &y);
      for (int ch = 0; ch < src->channels && ch < MAX_CHANNELS; ch++)
        out[ch] += w * channel_at (src, x, y, ch);
      wsum += w;
    }
  for (int ch = 0; ch < MAX_CHANNELS; ch++)
    out[ch] = wsum >= 1.0f ? out[ch] / wsum
                           : out[ch] + (1.0f - wsum) * fallback;
}

/* The eyeball turns under the lids, and its white turns with the iris:
 * the sclera's own texture (its veins, its grain, its shading) slides with
 * the iris instead of a flat fill taking the iris's old place. On each
 * eye-frame row t the white between the row's own ends in the opening
 * (which stay, so that the lid's margin stays; and short of the corners by
 * the canthus, whose pink tissue does not turn with the eyeball) is
 * remapped piecewise linearly: the stretch between an end and
 * the old iris's chord (grown by the limbus's dark ring, `margin`) fills
 * the stretch between that end and the moved iris's chord. Where the moved
 * iris's row has no chord (the rows a vertical move uncovers) the two sides
 * meet, cross-faded over a few pixels so that no seam shows. The sides
 * never read the old iris or its ring, nor anything outside the row's
 * opening. */
typedef struct sclera_slide {
  float cs, ct, ds, dt, r, margin;
  /* The rows' ends in the opening, tabulated every ROW_STEP px of t from
   * t0: n rows, ok[i] 0 where the row shows no opening. */
  float t0;
  int n;
  float *a, *b;
  unsigned char *ok;
} sclera_slide;

#define ROW_STEP 0.25f

/* 1 if (s, t) is in the opening the move writes. */
static int
inside_lids (const eye_geom *g, float s, float t)
{
  return opening_coverage (g, s, t) >= 0.5f;
}

/* Where row t leaves the opening between s_in (inside) and s_out: the
 * last point inside, bisected to 2^-24 of the span. */
static float
opening_edge (const eye_geom *g, float t, float s_in, float s_out)
{
  for (int k = 0; k < 24; k++)
    {
      float mid = 0.5f * (s_in + s_out);
      if (inside_lids (g, mid, t))
        s_in = mid;
      else
        s_out = mid;
    }
  return s_in;
}

/* The ends of row t's opening: from a point inside, bisected outwards. */
static int
row_ends (const eye_geom *g, float t, float s_in, float *a, float *b)
{
  if (!inside_lids (g, s_in, t))
    {
      s_in = 0.5f * (g->s[1] + g->s[2]);
      if (!inside_lids (g, s_in, t))
        return 0;
    }
  *a = opening_edge (g, t, s_in, g->s[0]);
  *b = opening_edge (g, t, s_in, g->s[3]);
  return 1;
}

static int
sclera_slide_init (sclera_slide *m, const eye_geom *g)
{
  float slack = LID_SLACK * g->w;
  float t_lo = 1e30f, t_hi = -1e30f;
  for (int k = 0; k < 4; k++)
    {
      t_lo = fminf (t_lo, fminf (g->up[k], g->low[k]));
      t_hi = fmaxf (t_hi, fmaxf (g->up[k], g->low[k]));
    }
  m->t0 = t_lo - slack - 2.0f;
  m->n = (int)ceilf ((t_hi + slack + 2.0f - m->t0) / ROW_STEP) + 2;
  m->a = malloc (sizeof (float) * 2 * (size_t)m->n);
  m->ok = malloc ((size_t)m->n);
  if (!m->a || !m->ok)
    {
      free (m->a), free (m->ok);
      m->a = NULL, m->ok = NULL;
      return 0;
    }
  m->b = m->a + m->n;
  for (int i = 0; i < m->n; i++)
    m->ok[i] = (unsigned char)row_ends (g, m->t0 + ROW_STEP * (float)i,
                                        m->cs, &m->a[i], &m->b[i]);
  return 1;
}

static void
sclera_slide_clear (sclera_slide *m)
{
  free (m->a);
  free (m->ok);
}

/* Up to two source positions on row t for the white at s (the left and
 * the right side's), the second's weight, the slide's weight against the
 * fallback fill (under 1 where the row's opening ends) and each side's
 * (under 1 where it has no white to slide); 0 where nothing slides. */
static int
sclera_source (const eye_geom *g, const sclera_slide *m, float s, float t,
               float *src_a, float *src_b, float *wb, float *weight,
               float *side_left, float *side_right)
{
  float fi = (t - m->t0) / ROW_STEP;
  int i = (int)floorf (fi);
  if (i < 0 || i + 1 >= m->n || (!m->ok[i] && !m->ok[i + 1]))
    return 0;
  float f = fi - (float)i;
  /* Between a row with an opening and one without, the slide fades out
   * with the distance to the first (a row's ends jump where the lids'
   * outline ends), so that it is continuous in t and in the landmarks. */
  float fade = 1.0f;
  int i0 = i, i1 = i + 1;
  if (!m->ok[i0])
    i0 = i1, fade = f;
  else if (!m->ok[i1])
    i1 = i0, fade = 1.0f - f;
  float row_a = m->a[i0] + f * (m->a[i1] - m->a[i0]);
  float row_b = m->b[i0] + f * (m->b[i1] - m->b[i0]);
  float canthus = 0.15f * g->w;
  float s0 = fmaxf (row_a, g->s[0] + canthus);
  float s3 = fminf (row_b, g->s[3] - canthus);
  float h_old = chord_half (m->r + m->margin, t - m->ct);
  float h_new = chord_half (m->r, t - m->ct - m->dt);
  float c_new = m->cs + m->ds;
  float l_old = m->cs - h_old, r_old = m->cs + h_old;
  float l_new = c_new - h_new, r_new = c_new + h_new;
  /* The anchors never inside a chord, nor outside the row's opening. */
  s0 = fmaxf (fminf (s0, fminf (l_old, l_new) - 0.5f), row_a);
  s3 = fminf (fmaxf (s3, fmaxf (r_old, r_new) + 0.5f), row_b);
  /* A row of the opening too short to hold a slide fades it out. */
  fade *= fminf (fmaxf (0.5f * (s3 - s0 - 2.0f), 0.0f), 1.0f);
  if (s <= s0 || s >= s3 || fade <= 0.0f)
    return 0;
  /* A side with no white between the row's end and the old iris (the
   * iris reaching under the lid there) has nothing to slide: it gives way
   * to the fallback, over 2 px of white. */
  *side_left = fminf (fmaxf (0.5f * (l_old - s0), 0.0f), 1.0f);
  *side_right = fminf (fmaxf (0.5f * (s3 - r_old), 0.0f), 1.0f);
  float lo = s0 + 0.5f, hi = s3 - 0.5f;
  l_old = fminf (fmaxf (l_old, lo), hi);
  r_old = fminf (fmaxf (r_old, lo), hi);
  l_new = fminf (fmaxf (l_new, lo), hi);
  r_new = fminf (fmaxf (r_new, lo), hi);
  /* The left side, [s0, l_new] from [s0, l_old]; the right side,
   * [r_new, s3] from [r_old, s3]. Past its end a side holds its end. */
  float left = s0 + (fminf (s, l_new) - s0) * (l_old - s0)
                        / fmaxf (l_new - s0, 0.5f);
  float right = s3 - (s3 - fmaxf (s, r_new)) * (s3 - r_old)
                         / fmaxf (s3 - r_new, 0.5f);
  /* The sides meet in the middle of the moved chord: where the chord is
   * empty (no iris on the row) that is a seam, cross-faded over the ring
   * the sides skip (2 to 6 px); under the iris only its rim's blend sees
   * it. */
  float zone = fminf (fmaxf (h_old - h_new, 1.0f), 3.0f);
  float a = (s - 0.5f * (l_new + r_new) + zone) / (2.0f * zone);
  *src_a = left;
  *src_b = right;
  *wb = fminf (fmaxf (a, 0.0f), 1.0f);
  *weight = fade;
  return 1;
}

mien_status
mien_iris_move (mien_image *image,
                const mien_point landmarks[MIEN_N_LANDMARKS], int side,
                const mien_iris *iris, float gaze_h, float gaze_v, int *moved,
                mien_error *err)
{
  if (moved)
    *moved = 0;
  if (!image || !landmarks || !iris || (side != 0 && side != 1))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "iris move: image, landmarks, iris or side missing");
  if (iris->status != MIEN_IRIS_FOUND || !(iris->radius > 0.0f))
    return MIEN_OK;
  gaze_h = isfinite (gaze_h) ? fminf (fmaxf (gaze_h, -1.0f), 1.0f) : 0.0f;
  gaze_v = isfinite (gaze_v) ? fminf (fmaxf (gaze_v, -1.0f), 1.0f) : 0.0f;
  eye_geom g;
  geom_init (&g, landmarks, side);
  float ds = MIEN_IRIS_GAZE_H * gaze_h * g.w, dt = MIEN_IRIS_GAZE_V * gaze_v * g.w;
  /* The iris centre in the eye frame. */
  float px = iris->centre.x - g.cx, py = iris->centre.y - g.cy;
  float cs = px * g.ux + py * g.uy, ct = -px * g.uy + py * g.ux;
  float r = iris->radius;
  /* The centre stays inside the opening, a quarter radius short of the
   * corners: an iris already off centre is not pushed past the corner
   * (sample6/1's left eye, at +0.33 of the width in the photo, went to
   * +0.58 at gaze_h +1, under the skin beyond the corner; now +0.43). The
   * move is then short of the asked one; it never goes backwards. */
  float lim0 = g.s[0] + 0.25f * r, lim1 = g.s[3] - 0.25f * r;
  if (ds > 0.0f)
    ds = fminf (ds, fmaxf (lim1 - cs, 0.0f));
  else if (ds < 0.0f)
    ds = fmaxf (ds, fminf (lim0 - cs, 0.0f));
  if (ds == 0.0f && dt == 0.0f)
    return MIEN_OK;
  /* Read from a copy of the eye's box: the moved disc and the fill both
   * read the photo as it was. */
  float ext = 0.5f * g.w + r + fabsf (ds) + fabsf (dt) + 2.0f;
  int x0 = (int)floorf (g.cx - ext), x1 = (int)ceilf (g.cx + ext);
  int y0 = (int)floorf (g.cy - ext), y1 = (int)ceilf (g.cy + ext);
  x0 = x0 < 0 ? 0 : x0;
  y0 = y0 < 0 ? 0 : y0;
  x1 = x1 > image->width - 1 ? image->width - 1 : x1;
  y1 = y1 > image->height - 1 ? image->height - 1 : y1;
  if (x0 > x1 || y0 > y1)
    return MIEN_OK;
  mien_image *src = mien_image_new (x1 - x0 + 1, y1 - y0 + 1, image->channels,
                                    err);
  if (!src)
    return err ? err->status : MIEN_ERR_NOMEM;
  int nc = image->channels;
  for (int y = y0; y <= y1; y++)
    memcpy (mien_image_row (src, y - y0),
            mien_image_row (image, y) + (size_t)x0 * (size_t)nc,
            sizeof (float) * (size_t)(x1 - x0 + 1) * (size_t)nc);
  /* The same geometry relative to the copy. */
  eye_geom gs = g;
  gs.cx -= (float)x0;
  gs.cy -= (float)y0;
  /* The sclera's mean colour, for rows that show none beside the iris. */
  float mean[MAX_CHANNELS];
  ring_mean (&gs, src, cs, ct, 1.4f * r, 0.85f, mean);
  /* The iris's mean colour, for the part of the moved disc whose source
   * the lids covered in the photo (it would bring lid skin along). */
  float iris_mean[MAX_CHANNELS];
  ring_mean (&gs, src, cs, ct, 0.7f * r, 0.3f, iris_mean);
  /* The disc's edges as soft as the photo's limbus: the moved disc fades
   * in over r ± soft, and the old one is filled out to its blurred rim
   * (r + 2 soft − 0.5); the sclera is read beyond that rim. A sharp
   * limbus gives soft = 0.5: the one-pixel anti-aliased edge. */
  float soft = fminf (fmaxf (0.8f * iris->limbus_blur, 0.5f),
                      fmaxf (0.35f * r, 0.5f));
  float rim = 2.0f * soft - 1.0f;
  /* MIEN_IRIS_FLAT_FILL=1: the flat fills of before the sclera slid and
   * the hidden iris was mirrored (for comparisons). */
  const char *flat_env = getenv ("MIEN_IRIS_FLAT_FILL");
  int flat_fill = flat_env != NULL && strcmp (flat_env, "1") == 0;
  sclera_slide slide = { cs, ct, ds, dt, r, 1.5f + 0.1f * r + rim, 0, 0,
                         NULL, NULL, NULL };
  if (!flat_fill && !sclera_slide_init (&slide, &g))
    {
      mien_image_free (src);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        float qx = (float)x - g.cx, qy = (float)y - g.cy;
        float s = qx * g.ux + qy * g.uy, t = -qx * g.uy + qy * g.ux;
        /* The lids stay: only the opening is written, each pixel by the
         * share of it that the opening covers. */
        float cover = opening_coverage (&g, s, t);
        if (cover <= 0.0f)
          continue;
        float d_old = hypotf (s - cs, t - ct);
        float d_new = hypotf (s - cs - ds, t - ct - dt);
        /* Coverage of the old and the moved disc, anti-aliased over a
         * pixel. */
        float a_old = fminf (
            fmaxf ((r + 2.0f * soft - 0.5f - d_old) / (2.0f * soft), 0.0f),
            1.0f);
        float a_new = fminf (
            fmaxf ((r + soft - d_new) / (2.0f * soft), 0.0f), 1.0f);
        float src_a = s, src_b = s, wb = 0.0f, w_slide = 0.0f;
        float ok_l = 0.0f, ok_r = 0.0f;
        int slides = !flat_fill && a_new < 1.0f
                     && sclera_source (&g, &slide, s, t, &src_a, &src_b,
                                       &wb, &w_slide, &ok_l, &ok_r);
        if (a_old == 0.0f && a_new == 0.0f && !slides)
          continue;
        float *p = mien_image_row (image, y) + (size_t)x * (size_t)nc;
        float base[MAX_CHANNELS];
        if (a_old > 0.0f)
          {
            /* Where the iris was: the sclera, blended at the disc's rim
             * (the slide's fallback). */
            float sc[MAX_CHANNELS];
            sclera_at (src, &gs, cs, ct, r, 1.5f + rim, s, t, mean, sc);
            for (int ch = 0; ch < nc && ch < MAX_CHANNELS; ch++)
              base[ch] = a_old * sc[ch] + (1 - a_old) * p[ch];
          }
        else
          for (int ch = 0; ch < nc && ch < MAX_CHANNELS; ch++)
            base[ch] = p[ch];
        if (slides)
          {
            /* The slid sclera, read where the opening showed it; where
             * its source lay under a lid, the fallback makes up the rest. */
            float xa, ya, xb, yb;
            to_image (&gs, src_a, t, &xa, &ya);
            to_image (&gs, src_b, t, &xb, &yb);
            float ka = w_slide * (1 - wb) * ok_l
                       * opening_coverage (&gs, src_a, t);
            float kb = w_slide * wb * ok_r * opening_coverage (&gs, src_b, t);
            for (int ch = 0; ch < nc && ch < MAX_CHANNELS; ch++)
              {
                float va = ka > 0.0f ? channel_at (src, xa, ya, ch) : 0.0f;
                float vb = kb > 0.0f ? channel_at (src, xb, yb, ch) : 0.0f;
                base[ch] = (1 - ka - kb) * base[ch] + ka * va + kb * vb;
              }
          }
        /* The moved disc: the photo's iris read rigidly from s - ds, where
         * the opening showed it (softly, as the mask). */
        float sx, sy;
        to_image (&gs, s - ds, t - dt, &sx, &sy);
        float seen = opening_coverage (&gs, s - ds, t - dt);
        /* Where a lid hid it, the iris mirrored across its own horizontal
         * axis (the same radius: its rings and its radial texture), where
         * that shows and is not a catchlight (no brighter than the iris's
         * mean by 0.2, fading over 0.1); else the iris's mean colour. */
        float hidden[MAX_CHANNELS];
        for (int ch = 0; ch < MAX_CHANNELS; ch++)
          hidden[ch] = iris_mean[ch];
        if (seen < 1.0f && !flat_fill)
          {
            float ms = s - ds, mt = 2.0f * ct - (t - dt), mx, my;
            to_image (&gs, ms, mt, &mx, &my);
            float seen_m = opening_coverage (&gs, ms, mt);
            if (seen_m > 0.0f && nc >= 3)
              {
                float m[MAX_CHANNELS];
                for (int ch = 0; ch < nc && ch < MAX_CHANNELS; ch++)
                  m[ch] = channel_at (src, mx, my, ch);
                float over = 0.299f * (m[0] - iris_mean[0])
                             + 0.587f * (m[1] - iris_mean[1])
                             + 0.114f * (m[2] - iris_mean[2]);
                float k = seen_m
                          * fminf (fmaxf ((0.3f - over) / 0.1f, 0.0f), 1.0f);
                for (int ch = 0; ch < nc && ch < MAX_CHANNELS; ch++)
                  hidden[ch] = k * m[ch] + (1 - k) * iris_mean[ch];
              }
          }
        for (int ch = 0; ch < nc && ch < MAX_CHANNELS; ch++)
          {
            float disc = seen > 0.0f ? seen * channel_at (src, sx, sy, ch)
                                           + (1 - seen) * hidden[ch]
                                     : hidden[ch];
            float v = a_new * disc + (1 - a_new) * base[ch];
            p[ch] = cover * v + (1 - cover) * p[ch];
          }
      }
  sclera_slide_clear (&slide);
  mien_image_free (src);
  if (moved)
    *moved = 1;
  return MIEN_OK;
}

void
mien_iris_offset (const mien_iris *iris, float *h, float *v)
{
  *h = *v = 0.0f;
  if (iris->status != MIEN_IRIS_FOUND || !(iris->eye_width > 0))
    return;
  float dx = iris->centre.x - iris->eye_centre.x;
  float dy = iris->centre.y - iris->eye_centre.y;
  float half = 0.5f * iris->eye_width;
  *h = (dx * iris->eye_axis.x + dy * iris->eye_axis.y) / half;
  *v = (-dx * iris->eye_axis.y + dy * iris->eye_axis.x) / half;
}

int
mien_iris_camera_gaze (const mien_iris iris[2], float *gaze_h, float *gaze_v)
{
  *gaze_h = *gaze_v = 0.0f;
  int n = 0;
  float h = 0.0f, v = 0.0f;
  for (int s = 0; s < 2; s++)
    if (iris[s].status == MIEN_IRIS_FOUND)
      {
        float hs, vs;
        mien_iris_offset (&iris[s], &hs, &vs);
        h += hs, v += vs, n++;
      }
  if (n == 0)
    return 0;
  /* The offset is over half the eye's width; gaze 1 moves the iris
   * MIEN_IRIS_GAZE_H (_V) of the whole width. */
  h /= (float)n, v /= (float)n;
  *gaze_h = fminf (fmaxf (-0.5f * h / MIEN_IRIS_GAZE_H, -1.0f), 1.0f);
  *gaze_v = fminf (fmaxf (-0.5f * v / MIEN_IRIS_GAZE_V, -1.0f), 1.0f);
  return n;
}

const char *
mien_iris_status_to_string (mien_iris_status status)
{
  switch (status)
    {
    case MIEN_IRIS_FOUND: return "found";
    case MIEN_IRIS_EYE_CLOSED: return "eye closed";
    case MIEN_IRIS_TOO_SMALL: return "eye too small";
    case MIEN_IRIS_NO_CONTRAST: return "no iris contrast";
    case MIEN_IRIS_GLARE: return "glare over the eye";
    }
  return "?";
}
