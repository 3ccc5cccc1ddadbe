/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-field.h"

#include <float.h>
#include <math.h>
#include <string.h>

static inline const float *
at (const mien_image *f, int x, int y)
{
  return f->data + 2 * ((size_t)y * (size_t)f->width + (size_t)x);
}

/* Edge vectors of the mapped grid, as offsets from the identity edge. */
typedef struct edge {
  float a, b; /* horizontal edge = (1 + a, b); vertical edge = (a, 1 + b) */
} edge;

static edge
h_edge (const mien_image *f, int x, int y)
{
  const float *p = at (f, x, y), *q = at (f, x + 1, y);
  return (edge){ q[0] - p[0], q[1] - p[1] };
}

static edge
v_edge (const mien_image *f, int x, int y)
{
  const float *p = at (f, x, y), *q = at (f, x, y + 1);
  return (edge){ q[0] - p[0], q[1] - p[1] };
}

/* det(alpha) = 1 + alpha * t + alpha^2 * d for scaled field alpha * F. */
static void
corner_poly (edge h, edge v, float *t, float *d)
{
  *t = h.a + v.b;
  *d = h.a * v.b - h.b * v.a;
}

typedef void (*corner_fn) (float t, float d, void *user);

static void
for_each_corner (const mien_image *f, corner_fn fn, void *user)
{
  for (int y = 0; y + 1 < f->height; y++)
    for (int x = 0; x + 1 < f->width; x++)
      {
        edge h0 = h_edge (f, x, y), h1 = h_edge (f, x, y + 1);
        edge v0 = v_edge (f, x, y), v1 = v_edge (f, x + 1, y);
        float t, d;
        corner_poly (h0, v0, &t, &d), fn (t, d, user);
        corner_poly (h0, v1, &t, &d), fn (t, d, user);
        corner_poly (h1, v0, &t, &d), fn (t, d, user);
        corner_poly (h1, v1, &t, &d), fn (t, d, user);
      }
}

static void
min_det_fn (float t, float d, void *user)
{
  float *m = user, det = 1.0f + t + d;
  if (!(det >= *m))
    *m = det; /* NaN propagates as a failure */
}

float
mien_field_min_jacobian (const mien_image *field)
{
  float m = FLT_MAX;
  for_each_corner (field, min_det_fn, &m);
  return m == FLT_MAX ? 1.0f : m;
}

float
mien_field_border_max (const mien_image *field, int ring)
{
  float m = 0.0f;
  for (int y = 0; y < field->height; y++)
    for (int x = 0; x < field->width; x++)
      {
        int inner = x >= ring && y >= ring && x < field->width - ring
                    && y < field->height - ring;
        if (inner)
          continue;
        const float *p = at (field, x, y);
        m = fmaxf (m, fmaxf (fabsf (p[0]), fabsf (p[1])));
      }
  return m;
}

typedef struct limit_state {
  double margin;
  double alpha;
} limit_state;

/* Smallest alpha in (0, alpha) where 1 + alpha t + alpha^2 d = margin. */
static void
limit_fn (float tf, float df, void *user)
{
  limit_state *s = user;
  double t = tf, d = df, c = 1.0 - s->margin, root = INFINITY;
  if (fabs (d) < 1e-12)
    root = t < 0.0 ? c / -t : INFINITY;
  else
    {
      double disc = t * t - 4.0 * d * c;
      if (disc >= 0.0)
        {
          double sq = sqrt (disc);
          double r1 = (-t - sq) / (2.0 * d), r2 = (-t + sq) / (2.0 * d);
          if (r1 > 0.0)
            root = r1;
          if (r2 > 0.0 && r2 < root)
            root = r2;
        }
    }
  if (root < s->alpha)
    s->alpha = root;
}

static void
scale_field (mien_image *field, float alpha)
{
  size_t n = mien_image_n_floats (field);
  for (size_t i = 0; i < n; i++)
    field->data[i] *= alpha;
}

float
mien_field_limit_folds (mien_image *field, float margin)
{
  if (!mien_image_all_finite (field))
    {
      memset (field->data, 0, sizeof (float) * mien_image_n_floats (field));
      return 0.0f;
    }
  float total = 1.0f;
  /* One exact solve normally suffices; the loop only absorbs float
   * rounding at the root, shrinking a little more each time. */
  for (int iter = 0; iter < 8; iter++)
    {
      if (mien_field_min_jacobian (field) >= margin)
        return total;
      limit_state s = { margin, 1.0 };
      for_each_corner (field, limit_fn, &s);
      float alpha = (float)(s.alpha * (iter ? 0.9 : 0.995));
      scale_field (field, alpha);
      total *= alpha;
    }
  scale_field (field, 0.0f);
  return 0.0f;
}

/* ---- residual gain ----------------------------------------------------- */

/* Derivative of F's channel c along x (dx = 1) or y at node (x, y): central
 * differences inside, one-sided on the grid's edge. */
static float
node_derivative (const mien_image *f, int x, int y, int c, int along_x)
{
  int n = along_x ? f->width : f->height, i = along_x ? x : y;
  if (n < 2)
    return 0.0f;
  int lo = i > 0 ? i - 1 : i, hi = i + 1 < n ? i + 1 : i;
  const float *a = along_x ? at (f, lo, y) : at (f, x, lo);
  const float *b = along_x ? at (f, hi, y) : at (f, x, hi);
  return (b[c] - a[c]) / (float)(hi - lo);
}

mien_jacobian
mien_field_jacobian (const mien_image *field, int x, int y)
{
  return (mien_jacobian){
    .xx = 1.0f + node_derivative (field, x, y, 0, 1),
    .xy = node_derivative (field, x, y, 0, 0),
    .yx = node_derivative (field, x, y, 1, 1),
    .yy = 1.0f + node_derivative (field, x, y, 1, 0),
  };
}

/* 1 at or beyond `full`, 0 at or beyond `zero`, linear between (either
 * direction). */
static float
ramp (float s, float full, float zero)
{
  float t = (s - zero) / (full - zero);
  return t >= 1.0f ? 1.0f : t <= 0.0f ? 0.0f : t;
}

mien_status
mien_field_residual_gain (const mien_image *field, mien_image *gain,
                          mien_error *err)
{
  if (field->channels != 2 || gain->channels != 1
      || gain->width != field->width || gain->height != field->height)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "residual gain: a %d×%d×1 map for a %d×%d×2 field "
                           "(got %d×%d×%d and %d channels)",
                           field->width, field->height, field->width,
                           field->height, gain->width, gain->height,
                           gain->channels, field->channels);
  for (int y = 0; y < field->height; y++)
    for (int x = 0; x < field->width; x++)
      {
        /* J = [[a, b], [c, d]] of x → x + F(x). */
        mien_jacobian j = mien_field_jacobian (field, x, y);
        float a = j.xx, b = j.xy, c = j.yx, d = j.yy;
        /* Singular values of a 2×2 matrix in closed form. */
        float p = hypotf (a + d, c - b), q = hypotf (a - d, c + b);
        float s1 = 0.5f * (p + q), s2 = 0.5f * fabsf (p - q);
        float g = ramp (s1, MIEN_GAIN_SQUEEZE_FULL, MIEN_GAIN_SQUEEZE_ZERO)
                  * ramp (s2, MIEN_GAIN_STRETCH_FULL, MIEN_GAIN_STRETCH_ZERO);
        /* NaN (a non-finite field) fades to 0 rather than spreading. */
        gain->data[(size_t)y * gain->width + x] = g >= 0.0f ? g : 0.0f;
      }
  return MIEN_OK;
}

/* The Middlebury colour wheel: RY 15, YG 6, GC 4, CB 11, BM 13, MR 6. */
static void
wheel_color (float angle01, float out[3])
{
  static const int seg[6] = { 15, 6, 4, 11, 13, 6 };
  float cols[55][3];
  int k = 0;
  for (int i = 0; i < seg[0]; i++, k++)
    cols[k][0] = 1, cols[k][1] = (float)i / seg[0], cols[k][2] = 0;
  for (int i = 0; i < seg[1]; i++, k++)
    cols[k][0] = 1 - (float)i / seg[1], cols[k][1] = 1, cols[k][2] = 0;
  for (int i = 0; i < seg[2]; i++, k++)
    cols[k][0] = 0, cols[k][1] = 1, cols[k][2] = (float)i / seg[2];
  for (int i = 0; i < seg[3]; i++, k++)
    cols[k][0] = 0, cols[k][1] = 1 - (float)i / seg[3], cols[k][2] = 1;
  for (int i = 0; i < seg[4]; i++, k++)
    cols[k][0] = (float)i / seg[4], cols[k][1] = 0, cols[k][2] = 1;
  for (int i = 0; i < seg[5]; i++, k++)
    cols[k][0] = 1, cols[k][1] = 0, cols[k][2] = 1 - (float)i / seg[5];
  float fk = angle01 * 54.0f;
  int k0 = (int)fk, k1 = (k0 + 1) % 55;
  float w = fk - (float)k0;
  for (int c = 0; c < 3; c++)
    out[c] = (1 - w) * cols[k0][c] + w * cols[k1][c];
}

mien_status
mien_field_to_color (const mien_image *field, float max_magnitude,
                     mien_image *rgb, mien_error *err)
{
  if (field->channels != 2 || rgb->channels != 3
      || rgb->width != field->width || rgb->height != field->height)
    return mien_error_set (err, MIEN_ERR_INVALID, "field colour: bad shapes");
  size_t n = (size_t)field->width * (size_t)field->height;
  float maxm = max_magnitude;
  if (maxm <= 0.0f)
    for (size_t i = 0; i < n; i++)
      maxm = fmaxf (maxm, hypotf (field->data[2 * i], field->data[2 * i + 1]));
  if (maxm <= 0.0f)
    maxm = 1.0f;
  for (size_t i = 0; i < n; i++)
    {
      float u = field->data[2 * i] / maxm, v = field->data[2 * i + 1] / maxm;
      float r = fminf (hypotf (u, v), 1.0f);
      float a = atan2f (-v, -u) / (float)M_PI; /* -1 … 1 as Middlebury */
      float col[3];
      wheel_color ((a + 1.0f) * 0.5f, col);
      for (int c = 0; c < 3; c++)
        rgb->data[3 * i + c] = 1.0f - r * (1.0f - col[c]);
    }
  return MIEN_OK;
}
