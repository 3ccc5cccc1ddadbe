/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-rig.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-field.h"
#include "mien-reswarp.h"

/* ------------------------------------------------------------------------ */
/* Face frame */

typedef struct vec2 {
  float x, y;
} vec2;

static inline vec2 v_add (vec2 a, vec2 b) { return (vec2){ a.x + b.x, a.y + b.y }; }
static inline vec2 v_sub (vec2 a, vec2 b) { return (vec2){ a.x - b.x, a.y - b.y }; }
static inline vec2 v_mul (vec2 a, float s) { return (vec2){ a.x * s, a.y * s }; }
static inline float v_dot (vec2 a, vec2 b) { return a.x * b.x + a.y * b.y; }
static inline float v_len (vec2 a) { return sqrtf (v_dot (a, a)); }
static inline vec2 v_pt (mien_point p) { return (vec2){ p.x, p.y }; }

/* Origin between the eye centres; ex along the eye line towards the image's
 * right, ey perpendicular towards the chin; iod in grid pixels. Moves are
 * written in iod units so that they scale and rotate with the face.
 *
 * A turned head (yaw) shows a foreshortened iod, so moves scaled by it alone
 * came out too small, and the far side moved as much as the near side. The
 * frame therefore also holds the scales frame_delta uses: sy for "down" and
 * sx[side] for "out", from a cylinder model of the head. With the nose at
 * angle 0 and the cheek contour where the cylinder turns away, the contour's
 * half-widths from the nose bridge are R(1 ∓ sin yaw), so
 *   sin yaw = (w1 − w0) / (w1 + w0)   (> 0: side 0, image left, is far)
 * The eyes sit at φe = ±30° on it, so the apparent iod is the true one times
 * cos yaw, and a sideways move at an eye, brow or lip corner on side s is
 * foreshortened by cos(φe ± yaw) / cos φe (+ for the far side):
 *   sy = iod / cos yaw,   sx[s] = iod (1 ∓ tan φe · tan yaw).
 * For a frontal face both are the iod. |sin yaw| is clamped to YAW_MAX_SIN. */
typedef struct face_frame {
  vec2 origin, ex, ey;
  float iod;
  vec2 eye_centre[2]; /* [0] subject's right (image left), [1] left */
  float sx[2], sy;    /* grid pixels per iod unit: out on each side, down */
} face_frame;

#define YAW_MAX_SIN 0.7071f  /* 45° */
#define TAN_EYE_ANGLE 0.5774f /* tan 30° */

static vec2
mean_of (const mien_point *lm, int first, int n)
{
  vec2 s = { 0, 0 };
  for (int i = 0; i < n; i++)
    s = v_add (s, v_pt (lm[first + i]));
  return v_mul (s, 1.0f / (float)n);
}

static int
face_frame_init (face_frame *f, const mien_point *lm)
{
  f->eye_centre[0] = mean_of (lm, 36, 6);
  f->eye_centre[1] = mean_of (lm, 42, 6);
  vec2 d = v_sub (f->eye_centre[1], f->eye_centre[0]);
  f->iod = v_len (d);
  if (!(f->iod > 1.0f) || !isfinite (f->iod))
    return 0;
  f->ex = v_mul (d, 1.0f / f->iod);
  f->ey = (vec2){ -f->ex.y, f->ex.x };
  f->origin = v_mul (v_add (f->eye_centre[0], f->eye_centre[1]), 0.5f);
  /* Half-widths at cheek level: contour points 1–3 and 13–15 against the
   * nose bridge (27–30), along the eye line. */
  vec2 bridge = mean_of (lm, 27, 4);
  float w0 = v_dot (v_sub (bridge, mean_of (lm, 1, 3)), f->ex);
  float w1 = v_dot (v_sub (mean_of (lm, 13, 3), bridge), f->ex);
  float s = (w0 > 0.0f && w1 > 0.0f) ? (w1 - w0) / (w1 + w0) : 0.0f;
  s = s > YAW_MAX_SIN ? YAW_MAX_SIN : s < -YAW_MAX_SIN ? -YAW_MAX_SIN : s;
  float c = sqrtf (1.0f - s * s), tan_yaw = s / c;
  f->sy = f->iod / c;
  f->sx[0] = f->iod * (1.0f - TAN_EYE_ANGLE * tan_yaw);
  f->sx[1] = f->iod * (1.0f + TAN_EYE_ANGLE * tan_yaw);
  return 1;
}

/* A displacement of (out, down) iod units for a feature on `side` (0:
 * subject's right = image left, where "out" is -ex; 1: subject's left). */
static vec2
frame_delta (const face_frame *f, int side, float out, float down)
{
  float u = (side ? out : -out) * f->sx[side ? 1 : 0];
  return v_add (v_mul (f->ex, u), v_mul (f->ey, down * f->sy));
}

/* ------------------------------------------------------------------------ */
/* Landmark moves per AU (forward motion, in iod units: out, down) */

#define N_CHEEK 2 /* synthetic cheek points per side */

typedef struct rig_moves {
  vec2 lm[MIEN_N_LANDMARKS];   /* forward motion in grid pixels */
  vec2 cheek_rest[2][N_CHEEK]; /* synthetic cheek points */
  vec2 cheek[2][N_CHEEK];
} rig_moves;

typedef struct side_au {
  float au[MIEN_AU_N_OPENFACE]; /* intensity / 5 on this side, 0 … 1 */
} side_au;

static const int brow_idx[2][5] = { { 17, 18, 19, 20, 21 },
                                    { 26, 25, 24, 23, 22 } };
static const int corner_idx[2][2] = { { 48, 60 }, { 54, 64 } };
static const int upper_near[2] = { 49, 53 }, upper_mid[2] = { 50, 52 };
static const int lower_near[2] = { 59, 55 }, lower_mid[2] = { 58, 56 };
static const int inner_up[2] = { 61, 63 }, inner_low[2] = { 67, 65 };

static void
move (rig_moves *m, const face_frame *f, int idx, int side, float out,
      float down)
{
  m->lm[idx] = v_add (m->lm[idx], frame_delta (f, side, out, down));
}

static void
move_cheek (rig_moves *m, const face_frame *f, int side, float out, float down)
{
  for (int k = 0; k < N_CHEEK; k++)
    m->cheek[side][k]
        = v_add (m->cheek[side][k], frame_delta (f, side, out, down * (k ? 0.8f : 1.0f)));
}

static void
moves_brows (rig_moves *m, const face_frame *f, int s, const side_au *a)
{
  static const float au1[5] = { 0.02f, 0.05f, 0.10f, 0.15f, 0.19f };
  static const float au2[5] = { 0.18f, 0.17f, 0.12f, 0.06f, 0.02f };
  static const float au4_down[5] = { 0.03f, 0.06f, 0.08f, 0.10f, 0.11f };
  static const float au4_in[5] = { 0.0f, 0.01f, 0.03f, 0.05f, 0.07f };
  float a1 = a->au[MIEN_AU1], a2 = a->au[MIEN_AU2], a4 = a->au[MIEN_AU4];
  float a9 = a->au[MIEN_AU9], a6 = a->au[MIEN_AU6];
  for (int k = 0; k < 5; k++)
    move (m, f, brow_idx[s][k], s, -au4_in[k] * a4,
          -au1[k] * a1 - au2[k] * a2 + au4_down[k] * a4
              + (k >= 3 ? 0.03f * a9 : 0.0f) + (k == 0 ? 0.02f * a6 : 0.0f));
}

static void
moves_corner_group (rig_moves *m, const face_frame *f, int s, float out,
                    float down)
{
  /* The corner moves fully, its neighbours on both lips partly. */
  move (m, f, corner_idx[s][0], s, out, down);
  move (m, f, corner_idx[s][1], s, out, down);
  move (m, f, upper_near[s], s, 0.5f * out, 0.6f * down);
  move (m, f, lower_near[s], s, 0.5f * out, 0.5f * down);
  move (m, f, inner_up[s], s, 0.35f * out, 0.4f * down);
  move (m, f, inner_low[s], s, 0.35f * out, 0.4f * down);
  move (m, f, upper_mid[s], s, 0.2f * out, 0.25f * down);
  move (m, f, lower_mid[s], s, 0.2f * out, 0.25f * down);
}

static void
moves_lip_corners (rig_moves *m, const face_frame *f, int s, const side_au *a)
{
  float a12 = a->au[MIEN_AU12], a14 = a->au[MIEN_AU14];
  float a15 = a->au[MIEN_AU15], a20 = a->au[MIEN_AU20];
  float a23 = a->au[MIEN_AU23], a26 = a->au[MIEN_AU26];
  float out = 0.13f * a12 - 0.06f * a14 + 0.01f * a15 + 0.15f * a20
              - 0.06f * a23 - 0.02f * a26;
  /* AU15 at 5 drops the corner 0.20 iod (about 12 mm): most photos smile,
   * and a depressor that only brings a smile's raised corners back to
   * level (0.13 iod, the rig until session 6) left a smiling photo's
   * "angry" reading as a frowning smile; tools/calibrate: angry 14 -> 16
   * of 20 faces, and the same for 0.20-0.23. */
  float down = -0.14f * a12 - 0.01f * a14 + 0.20f * a15 + 0.02f * a20
               + 0.08f * a26;
  moves_corner_group (m, f, s, out, down);
  move_cheek (m, f, s, 0.02f * a12, -0.06f * a12 - 0.09f * a->au[MIEN_AU6]
                                        - 0.03f * a->au[MIEN_AU9]
                                        + 0.02f * a15);
}

/* Bilateral lip and jaw AUs act on the midline points too. */
static void
moves_lips_mid (rig_moves *m, const face_frame *f, const side_au *a)
{
  float a9 = a->au[MIEN_AU9], a10 = a->au[MIEN_AU10], a17 = a->au[MIEN_AU17];
  float a20 = a->au[MIEN_AU20], a23 = a->au[MIEN_AU23], a25 = a->au[MIEN_AU25];
  float up_outer = -0.035f * a9 - 0.09f * a10 - 0.015f * a17 + 0.025f * a23
                   + 0.01f * a20;
  float up_inner = -0.03f * a9 - 0.085f * a10 - 0.015f * a25;
  float low_outer = -0.05f * a17 - 0.025f * a23 + 0.06f * a25 - 0.01f * a20;
  float low_inner = -0.045f * a17 + 0.07f * a25 - 0.01f * a20;
  move (m, f, 51, 0, 0, up_outer);
  move (m, f, 62, 0, 0, up_inner);
  move (m, f, 57, 0, 0, low_outer);
  move (m, f, 66, 0, 0, low_inner);
  for (int s = 0; s < 2; s++)
    {
      move (m, f, upper_mid[s], s, 0, 0.95f * up_outer);
      move (m, f, upper_near[s], s, -0.025f * a23, 0.65f * up_outer);
      move (m, f, inner_up[s], s, 0, 0.95f * up_inner);
      move (m, f, lower_mid[s], s, 0, low_outer);
      move (m, f, lower_near[s], s, -0.025f * a23, 0.75f * low_outer);
      move (m, f, inner_low[s], s, 0.06f * a20, 0.85f * low_inner);
    }
}

static void
moves_jaw (rig_moves *m, const face_frame *f, const side_au *a)
{
  /* AU26 rotates the mandible about the ears: the chin drops most. */
  static const float drop[9] = { 0.30f, 0.28f, 0.23f, 0.16f, 0.09f,
                                 0.04f, 0.01f, 0.0f, 0.0f };
  static const float raise17[9] = { 0.06f, 0.05f, 0.03f, 0.01f, 0, 0, 0, 0, 0 };
  float a26 = a->au[MIEN_AU26], a17 = a->au[MIEN_AU17];
  for (int k = 0; k <= 8; k++)
    for (int s = 0; s < (k ? 2 : 1); s++)
      move (m, f, s ? 8 + k : 8 - k, s, 0,
            drop[k] * a26 - raise17[k] * a17);
  move (m, f, 57, 0, 0, 0.26f * a26);
  move (m, f, 66, 0, 0, 0.27f * a26);
  for (int s = 0; s < 2; s++)
    {
      move (m, f, lower_mid[s], s, 0, 0.25f * a26);
      move (m, f, lower_near[s], s, 0, 0.20f * a26);
      move (m, f, inner_low[s], s, 0, 0.25f * a26);
    }
}

static void
moves_nose (rig_moves *m, const face_frame *f, const side_au *a)
{
  float a9 = a->au[MIEN_AU9], a10 = a->au[MIEN_AU10];
  move (m, f, 29, 0, 0, -0.01f * a9);
  move (m, f, 30, 0, 0, -0.02f * a9);
  move (m, f, 33, 0, 0, -0.035f * a9 - 0.01f * a10);
  for (int s = 0; s < 2; s++)
    {
      move (m, f, s ? 35 : 31, s, 0.01f * a9, -0.05f * a9 - 0.02f * a10);
      move (m, f, s ? 34 : 32, s, 0, -0.045f * a9 - 0.015f * a10);
    }
}

/* Bilateral AUs are the mean of the two sides' intensities (equal unless a
 * one-sided variant is set), so one-sided channels still act on midline
 * points by half. */
static void
side_intensities (const mien_driving *c, side_au sides[2], side_au *mid)
{
  for (int i = 0; i < MIEN_AU_N_OPENFACE; i++)
    {
      float r = mien_driving_side (c, (mien_au_channel)i, MIEN_AU_SIDE_RIGHT);
      float l = mien_driving_side (c, (mien_au_channel)i, MIEN_AU_SIDE_LEFT);
      sides[0].au[i] = r / MIEN_AU_MAX;
      sides[1].au[i] = l / MIEN_AU_MAX;
      mid->au[i] = 0.5f * (sides[0].au[i] + sides[1].au[i]);
    }
}

static void
rig_moves_compute (rig_moves *m, const face_frame *f, const mien_point *lm,
                   const side_au sides[2], const side_au *mid)
{
  memset (m, 0, sizeof *m);
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < N_CHEEK; k++)
      m->cheek_rest[s][k]
          = v_add (f->eye_centre[s],
                   frame_delta (f, s, k ? 0.30f : 0.05f, k ? 0.42f : 0.55f));
  for (int s = 0; s < 2; s++)
    {
      moves_brows (m, f, s, &sides[s]);
      moves_lip_corners (m, f, s, &sides[s]);
    }
  moves_lips_mid (m, f, mid);
  moves_jaw (m, f, mid);
  moves_nose (m, f, mid);
}

/* ------------------------------------------------------------------------ */
/* Dense field: normalized Wendland kernel average of control points */

#define MAX_CONTROLS 160

typedef struct control {
  vec2 q;     /* target position (where the feature ends up) */
  vec2 value; /* backward displacement there: -motion */
  float radius;
} control;

typedef struct control_set {
  control c[MAX_CONTROLS];
  int n;
} control_set;

static void
add_control (control_set *set, vec2 rest, vec2 motion, float radius)
{
  if (set->n >= MAX_CONTROLS)
    return;
  set->c[set->n++] = (control){ v_add (rest, motion), v_mul (motion, -1.0f),
                                radius };
}

static void
collect_controls (control_set *set, const face_frame *f, const mien_point *lm,
                  const rig_moves *m)
{
  float r = 0.5f * f->iod;
  set->n = 0;
  /* Eyes (36–47) are anchors here: the eyelid field moves the lids. */
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    add_control (set, v_pt (lm[i]), (i >= 36 && i <= 47) ? (vec2){ 0, 0 } : m->lm[i], r);
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < N_CHEEK; k++)
      add_control (set, m->cheek_rest[s][k], m->cheek[s][k], r);
  /* Forehead above the brows and a ring outside the jaw line stay still,
   * so brows and jaw move skin, not hairline, ears or background. */
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 5; k += 2)
      add_control (set, v_add (v_pt (lm[brow_idx[s][k]]), frame_delta (f, s, 0, -0.55f)),
                   (vec2){ 0, 0 }, r);
  vec2 centre = mean_of (lm, 0, 17);
  for (int i = 0; i <= 16; i += 2)
    {
      vec2 d = v_sub (v_pt (lm[i]), centre);
      float len = v_len (d);
      if (len > 1e-3f)
        add_control (set, v_add (v_pt (lm[i]), v_mul (d, 0.55f * f->iod / len)),
                     (vec2){ 0, 0 }, r);
    }
}

/* Wendland C2: smooth, positive, exactly 0 beyond radius 1. */
static inline float
wendland (float r2)
{
  if (r2 >= 1.0f)
    return 0.0f;
  float r = sqrtf (r2), t = 1.0f - r, t2 = t * t;
  return t2 * t2 * (4.0f * r + 1.0f);
}

/* Weight of "no motion" everywhere: makes the field vanish where no kernel
 * reaches and damps it where few do. */
#define BACKGROUND_WEIGHT 0.05f

static void
splat_controls (const control_set *set, mien_image *field, float *num,
                float *den)
{
  int w = field->width, h = field->height;
  memset (num, 0, sizeof (float) * 2 * (size_t)w * (size_t)h);
  memset (den, 0, sizeof (float) * (size_t)w * (size_t)h);
  for (int i = 0; i < set->n; i++)
    {
      const control *c = &set->c[i];
      int x0 = (int)floorf (c->q.x - c->radius), x1 = (int)ceilf (c->q.x + c->radius);
      int y0 = (int)floorf (c->q.y - c->radius), y1 = (int)ceilf (c->q.y + c->radius);
      x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
      x1 = x1 >= w ? w - 1 : x1, y1 = y1 >= h ? h - 1 : y1;
      float inv_r2 = 1.0f / (c->radius * c->radius);
      for (int y = y0; y <= y1; y++)
        for (int x = x0; x <= x1; x++)
          {
            float dx = (float)x - c->q.x, dy = (float)y - c->q.y;
            float k = wendland ((dx * dx + dy * dy) * inv_r2);
            size_t p = (size_t)y * (size_t)w + (size_t)x;
            num[2 * p] += k * c->value.x;
            num[2 * p + 1] += k * c->value.y;
            den[p] += k;
          }
    }
  for (size_t p = 0; p < (size_t)w * (size_t)h; p++)
    {
      float s = 1.0f / (den[p] + BACKGROUND_WEIGHT);
      field->data[2 * p] = num[2 * p] * s;
      field->data[2 * p + 1] = num[2 * p + 1] * s;
    }
}

/* Normalized kernel averages switch between clusters of controls (brow vs
 * eye anchors) faster than their spacing suggests; a small blur spreads
 * those transitions so the fold guard rarely has to act. Separable, radius
 * 3, sigma 1.2 grid pixels; edges clamp. */
static void
blur_field (mien_image *field, float *tmp)
{
  static const float k[7] = { 0.0297f, 0.1038f, 0.2215f, 0.2900f,
                              0.2215f, 0.1038f, 0.0297f };
  int w = field->width, h = field->height;
  for (int pass = 0; pass < 2; pass++)
    {
      const float *src = pass ? tmp : field->data;
      float *dst = pass ? field->data : tmp;
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          for (int c = 0; c < 2; c++)
            {
              float s = 0.0f;
              for (int i = -3; i <= 3; i++)
                {
                  int xx = pass ? x : x + i, yy = pass ? y + i : y;
                  xx = xx < 0 ? 0 : xx >= w ? w - 1 : xx;
                  yy = yy < 0 ? 0 : yy >= h ? h - 1 : yy;
                  s += k[i + 3] * src[2 * ((size_t)yy * w + xx) + c];
                }
              dst[2 * ((size_t)y * w + x) + c] = s;
            }
    }
}

/* ------------------------------------------------------------------------ */
/* Eyelids and gaze */

typedef struct eye_frame {
  vec2 centre, eu, ev; /* ev: down, perpendicular to the corner line */
  float half_width, up_peak, low_peak; /* lid heights above/below at s = 0 */
} eye_frame;

static void
eye_frame_init (eye_frame *e, const mien_point *lm, int side)
{
  int c_left = side ? 42 : 36, c_right = side ? 45 : 39;
  int up[2] = { side ? 43 : 37, side ? 44 : 38 };
  int low[2] = { side ? 47 : 41, side ? 46 : 40 };
  vec2 a = v_pt (lm[c_left]), b = v_pt (lm[c_right]);
  e->centre = v_mul (v_add (a, b), 0.5f);
  vec2 d = v_sub (b, a);
  e->half_width = fmaxf (0.5f * v_len (d), 0.5f);
  e->eu = v_mul (d, 0.5f / e->half_width);
  e->ev = (vec2){ -e->eu.y, e->eu.x };
  float hu = 0, hl = 0;
  for (int k = 0; k < 2; k++)
    {
      hu += -v_dot (v_sub (v_pt (lm[up[k]]), e->centre), e->ev);
      hl += v_dot (v_sub (v_pt (lm[low[k]]), e->centre), e->ev);
    }
  /* The lid landmarks sit near s = ±1/3 on a parabola 1 - s². */
  e->up_peak = fmaxf (0.5f * hu / 0.89f, 0.2f);
  e->low_peak = fmaxf (0.5f * hl / 0.89f, 0.1f);
}

typedef struct lid_params {
  float closure;    /* AU45: 0 open … 1 upper lid meets the lower lid */
  float raise;      /* AU5: upper lid up, fraction of the opening */
  float lower_up;   /* AU6/AU7: lower lid up, fraction of the opening */
  float upper_down; /* AU7: upper lid down, fraction of the opening */
  float top, bottom; /* extent of the moving skin above / below, pixels */
} lid_params;

/* Backward vertical displacement at eye-frame row t for a column whose lids
 * are at yu < yl: a monotone piecewise-linear map, so it cannot fold. */
static float
lid_source (float t, float yu, float yl, const lid_params *p)
{
  float h = yl - yu;
  if (h <= 1e-4f)
    return 0.0f;
  float lo_new = yl - p->lower_up * h;
  float up_new = yu + (p->upper_down - p->raise) * h;
  up_new += p->closure * (lo_new - up_new);
  float top = yu - p->top, bottom = yl + p->bottom;
  /* A closing lid also hides a thin band at the lower margin: at 128² the
   * eye is a few pixels tall and bilinear sampling would let the iris's
   * last row show under the closed lid. */
  float yl_hidden = yl + fminf (p->closure * (0.3f * h + 0.6f), 0.5f * p->bottom);
  float src;
  if (t <= top || t >= bottom)
    return 0.0f;
  if (t < up_new)
    src = top + (t - top) * (yu - top) / (up_new - top);
  else if (t < lo_new)
    {
      float a = fmaxf (yu, up_new), b = fminf (yl, lo_new);
      src = a + (t - up_new) * (b - a) / (lo_new - up_new);
    }
  else
    src = yl_hidden + (t - lo_new) * (bottom - yl_hidden) / (bottom - lo_new);
  return src - t;
}

static void
add_eyelid_field (mien_image *field, const eye_frame *e, const lid_params *p,
                  const vec2 gaze)
{
  float ext = e->half_width + 1.0f, vext = e->up_peak + p->top + 1.0f;
  float vext2 = e->low_peak + p->bottom + 1.0f;
  float r = ext + vext + vext2;
  int x0 = (int)floorf (e->centre.x - r), x1 = (int)ceilf (e->centre.x + r);
  int y0 = (int)floorf (e->centre.y - r), y1 = (int)ceilf (e->centre.y + r);
  x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
  x1 = x1 >= field->width ? field->width - 1 : x1;
  y1 = y1 >= field->height ? field->height - 1 : y1;
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        vec2 d = v_sub ((vec2){ (float)x, (float)y }, e->centre);
        float s = v_dot (d, e->eu) / e->half_width, t = v_dot (d, e->ev);
        if (fabsf (s) >= 1.0f)
          continue;
        float prof = 1.0f - s * s;
        float yu = -e->up_peak * prof, yl = e->low_peak * prof;
        float dv = lid_source (t, yu, yl, p);
        /* Gaze: the eye's interior slides inside an ellipse. */
        float tc = 0.5f * (yu + yl), hv = 0.5f * (e->up_peak + e->low_peak);
        float rho2 = s * s + (t - tc) * (t - tc) / (hv * hv);
        float g = rho2 < 1.0f ? (1.0f - rho2) * (1.0f - rho2) : 0.0f;
        float du = -gaze.x * e->half_width * g;
        dv += -gaze.y * hv * g;
        float *f = field->data + 2 * ((size_t)y * (size_t)field->width + (size_t)x);
        f[0] += du * e->eu.x + dv * e->ev.x;
        f[1] += du * e->eu.y + dv * e->ev.y;
      }
}

static void
add_eyelids (mien_image *field, const face_frame *f, const mien_point *lm,
             const side_au sides[2], const mien_driving *c)
{
  /* gaze: ±0.3 of the half width sideways, ±0.2 of the opening up/down
   * (more would squash the white of the eye visibly). */
  float gh = c->values[MIEN_GAZE_H], gv = c->values[MIEN_GAZE_V];
  gh = isfinite (gh) ? fmaxf (-1.0f, fminf (1.0f, gh)) : 0.0f;
  gv = isfinite (gv) ? fmaxf (-1.0f, fminf (1.0f, gv)) : 0.0f;
  for (int s = 0; s < 2; s++)
    {
      const side_au *a = &sides[s];
      eye_frame e;
      eye_frame_init (&e, lm, s);
      lid_params p = {
        .closure = a->au[MIEN_AU45],
        .raise = 0.5f * a->au[MIEN_AU5],
        .lower_up = fminf (0.25f * a->au[MIEN_AU6] + 0.3f * a->au[MIEN_AU7], 0.45f),
        .upper_down = 0.15f * a->au[MIEN_AU7],
        .top = fmaxf (2.2f * e.up_peak, 0.25f * f->iod),
        .bottom = 0.22f * f->iod,
      };
      vec2 gaze = { 0.3f * gh, 0.4f * gv }; /* 0.4 hv = 0.2 opening */
      add_eyelid_field (field, &e, &p, gaze);
    }
}

/* ------------------------------------------------------------------------ */
/* Lip seal: closing a mouth that is open in the photo */

/* A smiling photo shows teeth; sad and angry faces press the lips together
 * (AU23 tightens them, AU17 pushes the lower lip up). Moving lip landmarks
 * with kernels cannot close a gap: the teeth would be squashed, not hidden.
 * Like the eyelid, the seal is a monotone piecewise-linear map along the
 * mouth's vertical: per column the skin above the upper inner lip slides
 * down and the skin below the lower inner lip slides up until they meet, and
 * the source rows between the lips (teeth, tongue) are skipped. A monotone
 * 1-D map cannot fold. It acts on the mouth as the AU moves leave it: the
 * field becomes F(x) = F_seal(x) + F_au(x + F_seal(x)), the composition of
 * two fold-free maps. */

#define SEAL_LOWER_SHARE 0.6f /* the lower lip travels 60 % of the gap */
#define SEAL_GAP 1.0f /* grid pixels left between the lips */
#define SEAM_DET_START 1.3f /* squeeze where the seam starts to darken */
#define SEAM_DET_RAMP 1.2f
#define SEAM_OPACITY 0.85f
/* The shadow line between closed lips. */
static const float seam_colour[3] = { 0.28f, 0.13f, 0.11f };

typedef struct lip_profile {
  float s[5], up[5], low[5]; /* inner lips at 5 columns, mouth frame */
} lip_profile;

typedef struct mouth_frame {
  vec2 centre, eu, ev;
  float half_width;
  lip_profile lips;
  vec2 photo_inner[8]; /* the photo's inner lips 60–67, widened */
} mouth_frame;

/* Piecewise-linear in s through n sorted knots. */
static float
profile_at_n (const float *s, const float *y, int n, float t)
{
  if (t <= s[0])
    return y[0];
  for (int k = 0; k + 1 < n; k++)
    if (t <= s[k + 1])
      {
        float d = s[k + 1] - s[k];
        return d > 1e-5f ? y[k] + (t - s[k]) * (y[k + 1] - y[k]) / d : y[k + 1];
      }
  return y[n - 1];
}

static float
profile_at (const float s[5], const float y[5], float t)
{
  return profile_at_n (s, y, 5, t);
}

/* Bilinear sample of the first n channels of an interleaved float image
 * (w×h, `channels` per pixel) at q, clamped to the grid. */
static void
bilinear_at (const float *data, int w, int h, int channels, int n, vec2 q,
             float *out)
{
  float sx = fminf (fmaxf (q.x, 0.0f), (float)(w - 1));
  float sy = fminf (fmaxf (q.y, 0.0f), (float)(h - 1));
  int ix = (int)sx, iy = (int)sy;
  ix = ix > w - 2 ? w - 2 : ix, iy = iy > h - 2 ? h - 2 : iy;
  float fx = sx - (float)ix, fy = sy - (float)iy;
  const float *p = data + (size_t)channels * ((size_t)iy * (size_t)w + (size_t)ix);
  const float *r = p + (size_t)channels * (size_t)w;
  for (int c = 0; c < n; c++)
    {
      float top = p[c] + fx * (p[c + channels] - p[c]);
      float bot = r[c] + fx * (r[c + channels] - r[c]);
      out[c] = top + fy * (bot - top);
    }
}

static vec2
sample_field (const float *field, int w, int h, vec2 q)
{
  float r[2];
  bilinear_at (field, w, h, 2, 2, q, r);
  return (vec2){ r[0], r[1] };
}

/* Where the AU field actually put source point p: the y with
 * y + F_au(y) = p. The kernel average moves the lips less than the
 * prescribed moves, so those are only the starting guess of a fixed-point
 * iteration (it converges: F_au is smooth and fold-free). */
static vec2
moved_position (const float *field_au, int w, int h, vec2 p, vec2 guess)
{
  vec2 y = guess;
  for (int it = 0; it < 6; it++)
    y = v_sub (p, sample_field (field_au, w, h, y));
  return y;
}

/* face-api's inner-lip landmarks on a toothy smile often sit on the teeth,
 * not on the lips, so sealing them would leave a band of teeth. The photo
 * says where the opening really is: along each column from the outer upper
 * to the outer lower lip, samples much less red than the lower lip's body
 * (teeth) or much darker (mouth interior) belong to the opening. The inner
 * landmarks move out to its extent; they never move in. */
/* im has >= 3 channels (checked by the caller). */
static void
sample_rgb (const mien_image *im, vec2 q, float rgb[3])
{
  bilinear_at (im->data, im->width, im->height, im->channels, 3, q, rgb);
}

static void
redness_and_luma (const float rgb[3], float *q, float *luma)
{
  float sum = rgb[0] + rgb[1] + rgb[2];
  *q = (rgb[0] - rgb[1]) / fmaxf (sum, 1e-3f);
  *luma = sum / 3.0f;
}

#define OPENING_REDNESS 0.45f /* teeth: redness below this share of the lip's */
#define OPENING_DARK 0.5f     /* interior: luma below this share of the lip's */

/* Columns: inner upper, inner lower, outer upper, outer lower. */
static const int opening_cols[3][4] = { { 61, 67, 50, 58 }, { 62, 66, 51, 57 },
                                        { 63, 65, 52, 56 } };

/* The lower lip's body colour (redness, luma), the reference that tells
 * teeth and mouth interior from lip. Returns 0 when the lips are the colour
 * of teeth or too dark to tell. */
static int
lip_reference (const mien_image *photo, const mien_point *lm, float *q_lip,
               float *l_lip)
{
  *q_lip = 0.0f, *l_lip = 0.0f;
  if (photo->channels < 3)
    return 0;
  for (int k = 0; k < 3; k++)
    {
      float rgb[3], q, l;
      sample_rgb (photo, v_mul (v_add (v_pt (lm[opening_cols[k][1]]),
                                       v_pt (lm[opening_cols[k][3]])), 0.5f), rgb);
      redness_and_luma (rgb, &q, &l);
      *q_lip += q / 3.0f, *l_lip += l / 3.0f;
    }
  return *q_lip >= 0.04f && *l_lip >= 0.05f;
}

static void
find_mouth_opening (const mien_image *photo, const mien_point *lm, vec2 inner[8])
{
  const int (*cols)[4] = opening_cols;
  float q_lip, l_lip;
  if (!lip_reference (photo, lm, &q_lip, &l_lip))
    return;
  for (int k = 0; k < 3; k++)
    {
      vec2 o1 = v_pt (lm[cols[k][2]]), o2 = v_pt (lm[cols[k][3]]);
      vec2 d = v_sub (o2, o1);
      float len = v_len (d);
      if (len < 1.0f)
        continue;
      int n = (int)ceilf (len * 4.0f);
      float first = -1.0f, last = -1.0f;
      for (int i = 1; i < n; i++)
        {
          float t = (float)i / (float)n, rgb[3], q, l;
          sample_rgb (photo, v_add (o1, v_mul (d, t)), rgb);
          redness_and_luma (rgb, &q, &l);
          if (q < OPENING_REDNESS * q_lip || l < OPENING_DARK * l_lip)
            {
              if (first < 0.0f)
                first = t;
              last = t;
            }
        }
      if (first < 0.0f)
        continue;
      /* Compare along the column: only ever widen the opening. */
      vec2 *up = &inner[cols[k][0] - 60], *low = &inner[cols[k][1] - 60];
      if (v_dot (v_sub (*up, o1), d) / (len * len) > first)
        *up = v_add (o1, v_mul (d, first));
      if (v_dot (v_sub (*low, o1), d) / (len * len) < last)
        *low = v_add (o1, v_mul (d, last));
    }
}

/* From the inner-lip landmarks 60–67 where the AU field left them.
 * Returns 0 for a degenerate mouth. */
static int
mouth_frame_init (mouth_frame *mf, const mien_image *photo,
                  const mien_point *lm, const rig_moves *m,
                  const float *field_au, int w, int h)
{
  vec2 p[8];
  for (int i = 0; i < 8; i++)
    p[i] = v_pt (lm[60 + i]);
  find_mouth_opening (photo, lm, p);
  memcpy (mf->photo_inner, p, sizeof mf->photo_inner);
  for (int i = 0; i < 8; i++)
    p[i] = moved_position (field_au, w, h, p[i], v_add (p[i], m->lm[60 + i]));
  vec2 d = v_sub (p[4], p[0]);
  mf->half_width = 0.5f * v_len (d);
  if (!(mf->half_width > 0.5f))
    return 0;
  mf->centre = v_mul (v_add (p[0], p[4]), 0.5f);
  mf->eu = v_mul (d, 0.5f / mf->half_width);
  mf->ev = (vec2){ -mf->eu.y, mf->eu.x };
  static const int upper[5] = { 0, 1, 2, 3, 4 }, lower[5] = { 0, 7, 6, 5, 4 };
  float us[5], ls[5];
  for (int k = 0; k < 5; k++)
    {
      vec2 a = v_sub (p[upper[k]], mf->centre), b = v_sub (p[lower[k]], mf->centre);
      us[k] = v_dot (a, mf->eu) / mf->half_width;
      mf->lips.up[k] = v_dot (a, mf->ev);
      ls[k] = v_dot (b, mf->eu) / mf->half_width;
      mf->lips.low[k] = v_dot (b, mf->ev);
    }
  /* One set of knots for both lips: the mean column of each pair, kept
   * increasing (landmarks of a turned face can cross). */
  for (int k = 0; k < 5; k++)
    mf->lips.s[k] = 0.5f * (us[k] + ls[k]);
  mf->lips.s[0] = -1.0f, mf->lips.s[4] = 1.0f;
  for (int k = 1; k < 4; k++)
    mf->lips.s[k] = fminf (fmaxf (mf->lips.s[k], mf->lips.s[k - 1] + 0.01f), 1.0f - 0.01f * (4 - k));
  return 1;
}

/* Backward displacement along ev at row t of a column whose inner lips are
 * at yu < yl; top / bottom: extent of the sliding skin. */
static float
seal_source (float t, float yu, float yl, float top, float bottom, float closure)
{
  /* The closed gap keeps SEAL_GAP grid pixels: a true jump would snap the
   * seam to grid rows after bilinear up-sampling (a staircase); a one-pixel
   * ramp lets it follow the lips' curve. */
  float h = yl - yu, travel = closure * (h - SEAL_GAP);
  if (travel <= 0.0f || t <= top || t >= bottom)
    return 0.0f;
  float up_new = yu + (1.0f - SEAL_LOWER_SHARE) * travel;
  float lo_new = yl - SEAL_LOWER_SHARE * travel;
  float src;
  if (t < up_new)
    src = top + (t - top) * (yu - top) / (up_new - top);
  else if (t < lo_new)
    src = yu + (t - up_new) * h / (lo_new - up_new);
  else
    src = yl + (t - lo_new) * (bottom - yl) / (bottom - lo_new);
  return src - t;
}

/* How far AU23 and AU17 close the lips; an opening AU25/AU26 wins. */
static float
seal_closure (const side_au *mid)
{
  float press = fminf (mid->au[MIEN_AU23] + mid->au[MIEN_AU17], 1.0f);
  float open = fmaxf (mid->au[MIEN_AU25], mid->au[MIEN_AU26]);
  return press * (1.0f - open);
}

/* Backward displacement along ev at mouth-frame column s (-1 … 1) and row
 * t; 0 leaves the AU field alone there. */
typedef float (*mouth_map_fn) (float s, float t, const mouth_frame *mf,
                               const void *user);

/* Composes a 1-D map along the mouth's vertical with the AU field, within
 * r grid px of the mouth's centre: F(x) = F_map(x) + F_au(x + F_map(x)),
 * F_au bilinear from tmp (a copy of `field` on entry). The composition of
 * two fold-free maps. */
static void
compose_mouth_map (mien_image *field, const float *tmp, const mouth_frame *mf,
                   float r, mouth_map_fn map, const void *user)
{
  int w = field->width, h = field->height;
  int x0 = (int)floorf (mf->centre.x - r), x1 = (int)ceilf (mf->centre.x + r);
  int y0 = (int)floorf (mf->centre.y - r), y1 = (int)ceilf (mf->centre.y + r);
  x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
  x1 = x1 >= w ? w - 1 : x1, y1 = y1 >= h ? h - 1 : y1;
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        vec2 d = v_sub ((vec2){ (float)x, (float)y }, mf->centre);
        float s = v_dot (d, mf->eu) / mf->half_width, t = v_dot (d, mf->ev);
        if (fabsf (s) >= 1.0f)
          continue;
        float dv = map (s, t, mf, user);
        if (dv == 0.0f)
          continue;
        vec2 shift = v_mul (mf->ev, dv);
        vec2 au = sample_field (tmp, w, h, v_add ((vec2){ (float)x, (float)y }, shift));
        float *out = field->data + 2 * ((size_t)y * (size_t)w + (size_t)x);
        out[0] = shift.x + au.x, out[1] = shift.y + au.y;
      }
}

typedef struct seal_params {
  float top, bottom, closure;
} seal_params;

static float
seal_map (float s, float t, const mouth_frame *mf, const void *user)
{
  const seal_params *p = user;
  float yu = profile_at (mf->lips.s, mf->lips.up, s);
  float yl = profile_at (mf->lips.s, mf->lips.low, s);
  return seal_source (t, yu, yl, yu - p->top, yl + p->bottom, p->closure);
}

/* Composes the seal into `field` (F_au on entry); tmp holds 2·w·h floats. */
static void
compose_lip_seal (mien_image *field, float *tmp, const face_frame *f,
                  const mien_image *photo, const mien_point *lm, const rig_moves *m, float closure)
{
  mouth_frame mf;
  int w = field->width, h = field->height;
  if (closure <= 0.0f)
    return;
  memcpy (tmp, field->data, sizeof (float) * 2 * (size_t)w * (size_t)h);
  if (!mouth_frame_init (&mf, photo, lm, m, tmp, w, h))
    return;
  seal_params p = { 0.25f * f->iod, 0.35f * f->iod, closure };
  compose_mouth_map (field, tmp, &mf, mf.half_width + p.bottom + 2.0f,
                     seal_map, &p);
}

/* A mouth that is open in the photo opens further (AU25, AU26) like a jaw:
 * the upper teeth ride with the upper lip and the lower teeth with the lower
 * lip, at their own size, and only the gap between them -- the photo's
 * darkest point in each column of the opening -- stretches; paint_mouth
 * shades it as the mouth interior. The kernel average alone stretched
 * everything between the lips, teeth included, into long streaks. Like the
 * seal it is a monotone 1-D map along the mouth's vertical, composed with
 * the AU field: F(x) = F_open(x) + F_au(x + F_open(x)). */

#define OPENING_GAP_SLOPE 0.3f /* source rows per output row in the gap */
#define OPENING_BLEND 1.0f      /* grid px of extra opening to fade in over */
#define OPENING_MIN 1.5f        /* grid px: a photo's mouth open less is closed */

/* Split knots: the corners and 7 columns between them, so that the split
 * follows the dark gap between the teeth rather than cutting across them
 * (a cut through teeth shows as streaks where the gap stretches). */
#define OPENING_KNOTS 9

typedef struct opening_profile {
  float s[OPENING_KNOTS];       /* mouth-frame columns, increasing */
  float len_up[OPENING_KNOTS];  /* photo's length upper lip -> split, grid px */
  float len_low[OPENING_KNOTS]; /* photo's length split -> lower lip */
} opening_profile;

/* Luma of the photo at q, averaged with its neighbours +-0.75 px along `along`
 * (the mouth's width): one dark pixel between two teeth is not the gap. */
static float
luma_along (const mien_image *photo, vec2 q, vec2 along)
{
  float sum = 0.0f;
  for (int i = -1; i <= 1; i++)
    {
      float rgb[3], red, l;
      sample_rgb (photo, v_add (q, v_mul (along, 0.75f * (float)i)), rgb);
      redness_and_luma (rgb, &red, &l);
      sum += l;
    }
  return sum;
}

/* Where the jaw parts on the photo's segment a -> b (upper inner lip to
 * lower): below the upper teeth, in the middle of what follows them (the
 * dark gap above the lower teeth, or the lower lip when only the upper
 * teeth show); without teeth, at the darkest point of the middle (the
 * closed lips' line, or an open interior). */
static vec2
find_split (const mien_image *photo, vec2 a, vec2 b, vec2 along, float q_lip,
            float l_lip)
{
  vec2 d = v_sub (b, a);
  int n = (int)ceilf (v_len (d) * 4.0f);
  if (n < 2)
    return v_mul (v_add (a, b), 0.5f);
  float best = 1e9f, best_t = 0.5f, after_teeth = -1.0f, gap_end = 1.0f;
  int seen_teeth = 0;
  for (int i = 1; i < n; i++)
    {
      float t = (float)i / (float)n, rgb[3], q, l;
      vec2 p = v_add (a, v_mul (d, t));
      sample_rgb (photo, p, rgb);
      redness_and_luma (rgb, &q, &l);
      int tooth = q < OPENING_REDNESS * q_lip && l >= OPENING_DARK * l_lip;
      if (tooth && after_teeth >= 0.0f && gap_end >= 1.0f)
        gap_end = t; /* the lower teeth */
      if (tooth)
        seen_teeth = 1;
      else if (seen_teeth && after_teeth < 0.0f)
        after_teeth = t; /* the end of the first run of teeth */
      /* The 128² photo blurs lip into the ends: look in the middle. */
      float lum = luma_along (photo, p, along);
      if (t >= 0.2f && t <= 0.8f && lum < best)
        best = lum, best_t = t;
    }
  /* The middle of the gap below the upper teeth: its residual is the
   * smoothest to stretch (the teeth's edges would stretch into streaks). */
  if (seen_teeth)
    return v_add (a, v_mul (d, after_teeth >= 0.0f ? 0.5f * (after_teeth + gap_end) : 1.0f));
  return v_add (a, v_mul (d, best_t));
}

/* Point at parameter u in [0, 4] on a 5-point polyline. */
static vec2
polyline_at (const vec2 p[5], float u)
{
  int k = (int)floorf (u);
  k = k < 0 ? 0 : k > 3 ? 3 : k;
  return v_add (p[k], v_mul (v_sub (p[k + 1], p[k]), u - (float)k));
}

/* The split is found in the photo, column by column along the inner lips
 * (as find_mouth_opening widened them for the mouth frame); its knots sit
 * at the mouth frame's columns interpolated like the lips' own. */
static void
opening_profile_init (opening_profile *op, const mouth_frame *mf,
                      const mien_image *photo, const mien_point *lm)
{
  const vec2 *src = mf->photo_inner;
  static const int upper[5] = { 0, 1, 2, 3, 4 }, lower[5] = { 0, 7, 6, 5, 4 };
  vec2 up[5], low[5];
  for (int k = 0; k < 5; k++)
    up[k] = src[upper[k]], low[k] = src[lower[k]];
  vec2 along = v_sub (src[4], src[0]);
  float len = v_len (along), q_lip, l_lip;
  along = len > 1e-3f ? v_mul (along, 1.0f / len) : (vec2){ 1.0f, 0.0f };
  if (!lip_reference (photo, lm, &q_lip, &l_lip))
    q_lip = -1.0f, l_lip = 0.0f; /* no teeth test: darkest point only */
  for (int k = 0; k < OPENING_KNOTS; k++)
    {
      float u = 4.0f * (float)k / (float)(OPENING_KNOTS - 1);
      int i = (int)floorf (u);
      i = i > 3 ? 3 : i;
      op->s[k] = mf->lips.s[i] + (u - (float)i) * (mf->lips.s[i + 1] - mf->lips.s[i]);
      vec2 a = polyline_at (up, u), b = polyline_at (low, u);
      vec2 split = (k == 0 || k == OPENING_KNOTS - 1)
                       ? v_mul (v_add (a, b), 0.5f)
                       : find_split (photo, a, b, along, q_lip, l_lip);
      op->len_up[k] = v_len (v_sub (split, a));
      op->len_low[k] = v_len (v_sub (b, split));
    }
}

/* Backward displacement along ev at row t between the moved inner lips
 * a < b; lu, ll: the photo's lengths above and below the split (grid px).
 * The AU field is smooth across the opening, so the split moved to the same
 * fraction p of [a, b]. The upper part maps rigidly onto [a, p - gu], the
 * lower onto [p + gl, b] and the gap in between onto the thin band around
 * the split; continuous at a and b. Where the photo's mouth is barely open
 * (lu + ll of a pixel or two) it fades out to the AU field alone: there is
 * nothing to keep rigid, and the band would squeeze the lips. */
static float
opening_source (float t, float a, float b, float lu, float ll)
{
  if (t <= a || t >= b || lu + ll <= 0.0f)
    return 0.0f;
  float p = a + (b - a) * lu / (lu + ll);
  float weight = fminf (fmaxf ((lu + ll - OPENING_MIN) / OPENING_MIN, 0.0f), 1.0f);
  lu = fmaxf (lu, 0.5f), ll = fmaxf (ll, 0.5f);
  float e = (b - a) - lu - ll; /* output rows of gap */
  if (weight <= 0.0f || e <= 0.0f)
    return 0.0f;
  float gu = fminf (0.5f * OPENING_GAP_SLOPE * e, 0.5f * (p - a));
  float gl = fminf (0.5f * OPENING_GAP_SLOPE * e, 0.5f * (b - p));
  float top = a + lu, bottom = b - ll, src;
  if (t < top)
    src = a + (t - a) * (p - gu - a) / lu;
  else if (t > bottom)
    src = b - (b - t) * (b - p - gl) / ll;
  else
    src = p - gu + (t - top) * (gu + gl) / e;
  /* Fade in over the first pixel of extra opening, so the map is continuous
   * as the sliders move. A blend of two monotone maps with the same ends
   * stays monotone. */
  weight *= fminf (e / OPENING_BLEND, 1.0f);
  return weight * (src - t);
}

typedef struct opening_params {
  const opening_profile *op;
  float strength;
} opening_params;

static float
opening_map (float s, float t, const mouth_frame *mf, const void *user)
{
  const opening_params *p = user;
  const opening_profile *op = p->op;
  return p->strength
         * opening_source (t, profile_at (mf->lips.s, mf->lips.up, s),
                           profile_at (mf->lips.s, mf->lips.low, s),
                           profile_at_n (op->s, op->len_up, OPENING_KNOTS, s),
                           profile_at_n (op->s, op->len_low, OPENING_KNOTS, s));
}

/* The jaw opening's gap is the field's most stretched spot. Where the
 * photo's lips are tracked badly (a tilted head) it can fold where the AU
 * field alone did not, and the fold guard would then weaken the whole
 * expression: its strength halves until the field's minimum Jacobian
 * stays above the AU field's own (or OPENING_MIN_DET). The mouth frame and
 * the split depend on F_au only, so they are found once. */
#define OPENING_MIN_DET 0.15f

/* Composes the opening into `field` (F_au on entry); tmp holds 2·w·h floats
 * and keeps F_au, which also restores the field between tries. */
static void
compose_mouth_opening (mien_image *field, float *tmp, const mien_image *photo,
                       const mien_point *lm, const rig_moves *m)
{
  mouth_frame mf;
  opening_profile op;
  int w = field->width, h = field->height;
  size_t bytes = sizeof (float) * 2 * (size_t)w * (size_t)h;
  memcpy (tmp, field->data, bytes);
  if (photo->channels < 3 || !mouth_frame_init (&mf, photo, lm, m, tmp, w, h))
    return;
  opening_profile_init (&op, &mf, photo, lm);
  float reach = 0.0f;
  for (int k = 0; k < 5; k++)
    reach = fmaxf (reach, fmaxf (fabsf (mf.lips.up[k]), fabsf (mf.lips.low[k])));
  float floor_det = fminf (mien_field_min_jacobian (field), OPENING_MIN_DET);
  for (float strength = 1.0f; strength > 0.1f; strength *= 0.5f)
    {
      opening_params p = { &op, strength };
      compose_mouth_map (field, tmp, &mf, fmaxf (mf.half_width, reach) + 2.0f,
                         opening_map, &p);
      if (mien_field_min_jacobian (field) >= floor_det)
        return;
      memcpy (field->data, tmp, bytes);
    }
}

/* ------------------------------------------------------------------------ */
/* Border window and mouth interior */

static void
apply_border_window (mien_image *field)
{
  const float ramp = 8.0f;
  for (int y = 0; y < field->height; y++)
    for (int x = 0; x < field->width; x++)
      {
        int d = x < y ? x : y;
        int dx = field->width - 1 - x, dy = field->height - 1 - y;
        d = d < dx ? d : dx, d = d < dy ? d : dy;
        float t = ((float)d - MIEN_RIG_ZERO_RING) / ramp;
        float w = t <= 0.0f ? 0.0f : t >= 1.0f ? 1.0f : t * t * (3.0f - 2.0f * t);
        float *f = field->data + 2 * ((size_t)y * (size_t)field->width + (size_t)x);
        f[0] *= w, f[1] *= w;
      }
}

static int
point_in_polygon (const vec2 *poly, int n, float x, float y)
{
  int inside = 0;
  for (int i = 0, j = n - 1; i < n; j = i++)
    if ((poly[i].y > y) != (poly[j].y > y)
        && x < (poly[j].x - poly[i].x) * (y - poly[i].y) / (poly[j].y - poly[i].y)
                   + poly[i].x)
      inside = !inside;
  return inside;
}

/* Jacobian determinant of x → x + F(x) by central differences. */
static float
local_det (const mien_image *f, int x, int y)
{
  int xm = x > 0 ? x - 1 : x, xp = x + 1 < f->width ? x + 1 : x;
  int ym = y > 0 ? y - 1 : y, yp = y + 1 < f->height ? y + 1 : y;
  const float *a = f->data + 2 * ((size_t)y * f->width + xm);
  const float *b = f->data + 2 * ((size_t)y * f->width + xp);
  const float *c = f->data + 2 * ((size_t)ym * f->width + x);
  const float *d = f->data + 2 * ((size_t)yp * f->width + x);
  float hx = (float)(xp - xm), hy = (float)(yp - ym);
  float j00 = 1 + (b[0] - a[0]) / hx, j10 = (b[1] - a[1]) / hx;
  float j01 = (d[0] - c[0]) / hy, j11 = 1 + (d[1] - c[1]) / hy;
  return j00 * j11 - j01 * j10;
}

/* The largest of the four one-sided Jacobian determinants at (x, y): a
 * pixel next to a stretched band is not itself stretched, though central
 * differences straddling the band's edge say so (the mouth paint would eat
 * a row into the teeth above the jaw's gap). */
static float
local_det_one_sided_max (const mien_image *f, int x, int y)
{
  const float *o = f->data + 2 * ((size_t)y * f->width + x);
  float best = -1e9f;
  for (int sx = -1; sx <= 1; sx += 2)
    for (int sy = -1; sy <= 1; sy += 2)
      {
        int xx = x + sx, yy = y + sy;
        if (xx < 0 || yy < 0 || xx >= f->width || yy >= f->height)
          continue;
        const float *a = f->data + 2 * ((size_t)y * f->width + xx);
        const float *b = f->data + 2 * ((size_t)yy * f->width + x);
        float j00 = 1 + (a[0] - o[0]) * sx, j10 = (a[1] - o[1]) * sx;
        float j01 = (b[0] - o[0]) * sy, j11 = 1 + (b[1] - o[1]) * sy;
        best = fmaxf (best, j00 * j11 - j01 * j10);
      }
  return best;
}

/* An opening mouth magnifies the thin strip between the lips; there O^r
 * shows a dark mouth interior instead of stretched lip texture. Coverage of
 * the moved inner-lip polygon is 4×4 supersampled for a soft edge. */
static float
paint_mouth (mien_image *refined, const mien_image *field,
             const mien_point *lm, const rig_moves *m)
{
  vec2 poly[8];
  float minx = 1e9f, maxx = -1e9f, miny = 1e9f, maxy = -1e9f;
  for (int i = 0; i < 8; i++)
    {
      poly[i] = v_add (v_pt (lm[60 + i]), m->lm[60 + i]);
      minx = fminf (minx, poly[i].x), maxx = fmaxf (maxx, poly[i].x);
      miny = fminf (miny, poly[i].y), maxy = fmaxf (maxy, poly[i].y);
    }
  int x0 = (int)floorf (minx) - 1, x1 = (int)ceilf (maxx) + 1;
  int y0 = (int)floorf (miny) - 1, y1 = (int)ceilf (maxy) + 1;
  x0 = x0 < 2 ? 2 : x0, y0 = y0 < 2 ? 2 : y0;
  x1 = x1 > refined->width - 3 ? refined->width - 3 : x1;
  y1 = y1 > refined->height - 3 ? refined->height - 3 : y1;
  float area = 0.0f, cy = 0.5f * (miny + maxy), hh = fmaxf (0.5f * (maxy - miny), 0.5f);
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        int hits = 0;
        for (int j = 0; j < 16; j++)
          hits += point_in_polygon (poly, 8, (float)x - 0.375f + 0.25f * (j & 3),
                                    (float)y - 0.375f + 0.25f * (j >> 2));
        if (!hits)
          continue;
        float stretch = (0.7f - local_det_one_sided_max (field, x, y)) / 0.4f;
        stretch = stretch < 0.0f ? 0.0f : stretch > 1.0f ? 1.0f : stretch;
        float a = stretch * (float)hits / 16.0f;
        if (a <= 0.0f)
          continue;
        /* Darker in the middle of the opening, a little lighter near lips. */
        float dv = fabsf ((float)y - cy) / hh;
        float shade = 0.55f + 0.45f * fminf (dv, 1.0f);
        const float base[3] = { 0.24f, 0.10f, 0.09f };
        float *px = mien_image_row (refined, y) + (size_t)x * refined->channels;
        for (int c = 0; c < refined->channels && c < 3; c++)
          px[c] += a * (base[c] * shade - px[c]);
        area += a;
      }
  return area;
}

/* Where the seal skipped the rows between the lips, the bilinear field
 * squeezes them into about one grid pixel; O^r darkens that band to the
 * shadow line between closed lips. The squeeze shows as a large Jacobian
 * determinant (the backward map spans many source rows per output row). */
static void
paint_lip_seam (mien_image *refined, const mien_image *field,
                const mien_point *lm, const rig_moves *m, float closure)
{
  if (closure <= 0.0f)
    return;
  float minx = 1e9f, maxx = -1e9f, miny = 1e9f, maxy = -1e9f;
  for (int i = 60; i < 68; i++)
    {
      vec2 p = v_add (v_pt (lm[i]), m->lm[i]);
      minx = fminf (minx, p.x), maxx = fmaxf (maxx, p.x);
      miny = fminf (miny, p.y), maxy = fmaxf (maxy, p.y);
    }
  int x0 = (int)floorf (minx) - 2, x1 = (int)ceilf (maxx) + 2;
  int y0 = (int)floorf (miny) - 3, y1 = (int)ceilf (maxy) + 3;
  x0 = x0 < 2 ? 2 : x0, y0 = y0 < 2 ? 2 : y0;
  x1 = x1 > refined->width - 3 ? refined->width - 3 : x1;
  y1 = y1 > refined->height - 3 ? refined->height - 3 : y1;
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        float a = (local_det (field, x, y) - SEAM_DET_START) / SEAM_DET_RAMP;
        a = a < 0.0f ? 0.0f : a > 1.0f ? 1.0f : a;
        if (a <= 0.0f)
          continue;
        float *px = mien_image_row (refined, y) + (size_t)x * refined->channels;
        for (int c = 0; c < refined->channels && c < 3; c++)
          px[c] += SEAM_OPACITY * a * (seam_colour[c] - px[c]);
      }
}

/* ------------------------------------------------------------------------ */
/* Wrinkles: appearance changes a warp cannot make */

/* Strengths and shapes of the shading, in iod units. A furrowed glabella is
 * what face-api's expression model reads as anger: moving the brows alone
 * left p(angry) near 0 on every sample face (tools/calibrate). Stronger
 * grooves raise it further but look painted on; these values were chosen
 * by eye on the contact sheets (docs/QUALITY.md), as a compromise. */
typedef struct wrinkle_style {
  float furrow_dark;  /* AU4: darkening at the groove, full intensity */
  float furrow_sep;   /* groove distance from the midline */
  float furrow_width; /* Gaussian sigma across the groove */
  float furrow_len;   /* half length along the face's vertical */
  float line_dark;    /* AU1/AU2: forehead line darkening */
  float line_gap;     /* spacing of the forehead lines above the brows */
  float line_width;   /* Gaussian sigma across a line */
  float furrow_shift; /* groove centre below the inner brows */
  float bulge;        /* lighter skin between the grooves, vs the darkening */
  float socket_dark;  /* AU4: shadow the lowered brow casts on the upper lid */
  float socket_drop;  /* its centre below the brow */
  float socket_width; /* Gaussian sigma of the shadow band */
} wrinkle_style;

static const wrinkle_style wrinkles = {
  .furrow_dark = 0.3f,
  .furrow_sep = 0.06f,
  .furrow_width = 0.03f,
  .furrow_len = 0.14f,   /* 0.16, 0.06 until session 6: the grooves ran */
  .furrow_shift = 0.0f,  /* down the nose bridge and read as one bar */
  .bulge = 0.4f,
  .line_dark = 0.12f,
  .line_gap = 0.12f,
  .line_width = 0.02f,
  .socket_dark = 0.25f,
  .socket_drop = 0.12f,
  .socket_width = 0.06f,
};

/* Shadows on skin keep more red than blue (light scattered under the
 * skin): a grey darkening reads as paint. Per channel share of `dark`. */
static const float shadow_tint[3] = { 0.8f, 1.0f, 1.15f };

static inline float
gauss (float d, float sigma)
{
  return expf (-0.5f * d * d / (sigma * sigma));
}

/* The brow's height at u, linear between the sorted brow points. */
static float
brow_height (const float brow_u[10], const float brow_v[10], float u)
{
  int k = 0;
  while (k < 8 && brow_u[k + 1] < u)
    k++;
  float t = (u - brow_u[k]) / fmaxf (brow_u[k + 1] - brow_u[k], 1e-4f);
  return brow_v[k] + t * (brow_v[k + 1] - brow_v[k]);
}

/* Darkening (0 … <1) of skin at face-frame position (u, v), iod units from
 * the moved inner-brow midpoint; brow_v[k] is the moved brow height at the
 * k-th of 10 brow points sorted along u (brow_u). */
static float
wrinkle_shade (const wrinkle_style *st, float u, float v, float a4,
               const float a1[2], const float a2[2], const float brow_u[10],
               const float brow_v[10])
{
  float dark = 0.0f;
  /* AU4: two vertical grooves between the brows (glabellar lines). */
  float vv = (v - st->furrow_shift) / st->furrow_len;
  if (a4 > 0.0f && fabsf (vv) < 1.0f)
    dark += st->furrow_dark * a4 * (1.0f - vv * vv) * (1.0f - vv * vv)
            * (gauss (fabsf (u) - st->furrow_sep, st->furrow_width)
               - st->bulge * gauss (u, st->furrow_width));
  /* AU1 (middle) and AU2 (sides): horizontal lines above the brows,
   * following the brow's arch. */
  int side = u > 0.0f;
  /* AU4: the lowered brow shades the upper lid below it. */
  if (a4 > 0.0f && st->socket_dark > 0.0f && brow_u[0] < u && u < brow_u[9])
    {
      float bv = brow_height (brow_u, brow_v, u);
      float edge = fminf (fminf (u - brow_u[0], brow_u[9] - u) / 0.15f, 1.0f);
      dark += st->socket_dark * a4 * edge
              * gauss (v - bv - st->socket_drop, st->socket_width);
    }
  float lift = a1[side] + a2[side];
  if (lift > 0.0f && brow_u[0] < u && u < brow_u[9])
    {
      float bv = brow_height (brow_u, brow_v, u);
      float centre = 1.0f - fminf (fabsf (u) / 0.45f, 1.0f); /* AU1 region */
      float w = a1[side] * centre + a2[side] * (1.0f - centre);
      float edge = fminf (fminf (u - brow_u[0], brow_u[9] - u) / 0.12f, 1.0f);
      for (int line = 1; line <= 3; line++)
        dark += st->line_dark * w * edge * (line == 3 ? 0.6f : 1.0f)
                * gauss (bv - line * st->line_gap - v, st->line_width);
    }
  return fminf (dark, 0.5f);
}

/* Darkens refined by shade (x, y) (a share, < 1; negative lightens) over
 * the square of half side r around centre, two pixels inside the border
 * (the field and the shading stay away from the crop's edge). */
typedef float (*shade_fn) (float x, float y, const void *user);

static void
shade_square (mien_image *refined, vec2 centre, float r, shade_fn shade,
              const void *user)
{
  int x0 = (int)floorf (centre.x - r), x1 = (int)ceilf (centre.x + r);
  int y0 = (int)floorf (centre.y - r), y1 = (int)ceilf (centre.y + r);
  x0 = x0 < 2 ? 2 : x0, y0 = y0 < 2 ? 2 : y0;
  x1 = x1 > refined->width - 3 ? refined->width - 3 : x1;
  y1 = y1 > refined->height - 3 ? refined->height - 3 : y1;
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        float dark = shade ((float)x, (float)y, user);
        if (fabsf (dark) <= 1e-4f)
          continue;
        float *px = mien_image_row (refined, y) + (size_t)x * refined->channels;
        for (int c = 0; c < refined->channels && c < 3; c++)
          px[c] *= 1.0f - dark * (refined->channels >= 3 ? shadow_tint[c] : 1.0f);
      }
}

typedef struct brow_shading {
  const face_frame *f;
  vec2 o; /* moved inner-brow midpoint */
  float a4, a1[2], a2[2];
  float brow_u[10], brow_v[10];
} brow_shading;

static float
brow_shade_at (float x, float y, const void *user)
{
  const brow_shading *sh = user;
  vec2 d = v_sub ((vec2){ x, y }, sh->o);
  float u = v_dot (d, sh->f->ex) / sh->f->iod;
  float v = v_dot (d, sh->f->ey) / sh->f->iod;
  return wrinkle_shade (&wrinkles, u, v, sh->a4, sh->a1, sh->a2, sh->brow_u,
                        sh->brow_v);
}

static void
paint_wrinkles (mien_image *refined, const face_frame *f,
                const mien_point *lm, const rig_moves *m,
                const side_au sides[2], const side_au *mid)
{
  float a4 = mid->au[MIEN_AU4];
  float a1[2] = { sides[0].au[MIEN_AU1], sides[1].au[MIEN_AU1] };
  float a2[2] = { sides[0].au[MIEN_AU2], sides[1].au[MIEN_AU2] };
  if (a4 <= 0.0f && a1[0] + a1[1] + a2[0] + a2[1] <= 0.0f)
    return;
  vec2 inner[2] = { v_add (v_pt (lm[21]), m->lm[21]),
                    v_add (v_pt (lm[22]), m->lm[22]) };
  vec2 o = v_mul (v_add (inner[0], inner[1]), 0.5f);
  /* Moved brow points in the frame, sorted along u (17 … 26 run left to
   * right in the image, i.e. along ex for an upright face). */
  float brow_u[10], brow_v[10];
  for (int k = 0; k < 10; k++)
    {
      vec2 d = v_sub (v_add (v_pt (lm[17 + k]), m->lm[17 + k]), o);
      brow_u[k] = v_dot (d, f->ex) / f->iod;
      brow_v[k] = v_dot (d, f->ey) / f->iod;
    }
  for (int i = 1; i < 10; i++) /* insertion sort: tilted heads */
    for (int j = i; j > 0 && brow_u[j - 1] > brow_u[j]; j--)
      {
        float tu = brow_u[j], tv = brow_v[j];
        brow_u[j] = brow_u[j - 1], brow_v[j] = brow_v[j - 1];
        brow_u[j - 1] = tu, brow_v[j - 1] = tv;
      }
  /* The shading lives between the brows and about 0.5 iod above them. */
  brow_shading sh = { f, o, a4, { a1[0], a1[1] }, { a2[0], a2[1] } };
  memcpy (sh.brow_u, brow_u, sizeof brow_u);
  memcpy (sh.brow_v, brow_v, sizeof brow_v);
  shade_square (refined, o, 1.2f * f->iod, brow_shade_at, &sh);
}

/* AU9 (nose wrinkler) and AU10 (upper lip raiser) deepen the nasolabial
 * furrow, and AU9 creases the skin across the root of the nose (FACS
 * manual, appearance changes). A warp cannot make a crease: it moves the
 * photo's pixels, and the photo has no furrow to move. Shapes in iod
 * units, chosen on the contact sheets. */
typedef struct fold_style {
  float fold_dark;   /* nasolabial darkening at full AU10 */
  float fold_width;  /* Gaussian sigma across the furrow */
  float fold_lift;   /* lighter cheek bulge beside it, vs the darkening */
  float ala_out;     /* furrow start: beside the nose wing */
  float corner_out;  /* furrow end: beside and below the lip corner */
  float corner_down;
  float bow;         /* the furrow bows out towards the cheek */
  float root_dark;   /* AU9: creases across the root of the nose */
  float root_gap;    /* their spacing */
  float root_width;  /* Gaussian sigma across a crease */
  float root_half;   /* their half length across the nose */
} fold_style;

static const fold_style folds = {
  .fold_dark = 0.45f,
  .fold_width = 0.035f,
  .fold_lift = 0.35f,
  .ala_out = 0.08f,
  .corner_out = 0.09f,
  .corner_down = 0.06f,
  .bow = 0.05f,
  .root_dark = 0.2f,
  .root_gap = 0.07f,
  .root_width = 0.02f,
  .root_half = 0.16f,
};

#define FOLD_SEGMENTS 12

typedef struct fold_shading {
  const face_frame *f;
  vec2 path[2][FOLD_SEGMENTS + 1]; /* furrow polylines, ala → corner */
  vec2 lo[2], hi[2];              /* their boxes, grown by the shading's reach */
  float strength[2];              /* per side, 0 … 1 */
  vec2 root;                      /* nose root (moved landmark 27/28) */
  float root_strength;
} fold_shading;

static float
fold_shade_at (float x, float y, const void *user)
{
  const fold_shading *sh = user;
  const fold_style *st = &folds;
  vec2 q = { x, y };
  float iod = sh->f->iod, dark = 0.0f;
  for (int s = 0; s < 2; s++)
    {
      if (sh->strength[s] <= 0.0f || x < sh->lo[s].x || x > sh->hi[s].x
          || y < sh->lo[s].y || y > sh->hi[s].y)
        continue;
      /* Nearest point of the polyline: distance, its parameter along the
       * furrow and which side (towards the cheek is outward). */
      float best = 1e30f, best_t = 0.0f, best_side = 0.0f;
      for (int k = 0; k < FOLD_SEGMENTS; k++)
        {
          vec2 a = sh->path[s][k], ab = v_sub (sh->path[s][k + 1], a);
          float len2 = fmaxf (v_dot (ab, ab), 1e-8f);
          float t = fminf (fmaxf (v_dot (v_sub (q, a), ab) / len2, 0.0f), 1.0f);
          vec2 d = v_sub (q, v_add (a, v_mul (ab, t)));
          float d2 = v_dot (d, d);
          if (d2 < best)
            {
              best = d2;
              best_t = ((float)k + t) / FOLD_SEGMENTS;
              best_side = v_dot (d, sh->f->ex) * (s ? 1.0f : -1.0f);
            }
        }
      float dist = sqrtf (best) / iod, along = 4.0f * best_t * (1.0f - best_t);
      float lift = best_side > 0.0f
                       ? st->fold_lift * gauss (dist - 2.0f * st->fold_width,
                                                1.5f * st->fold_width)
                       : 0.0f;
      dark += st->fold_dark * sh->strength[s] * along
              * (gauss (dist, st->fold_width) - lift);
    }
  vec2 d = v_sub (q, sh->root);
  float u = v_dot (d, sh->f->ex) / iod, v = v_dot (d, sh->f->ey) / iod;
  if (sh->root_strength > 0.0f && fabsf (u) < st->root_half
      && fabsf (v) < st->root_gap + 4.0f * st->root_width)
    {
      float across = fmaxf (1.0f - (u * u) / (st->root_half * st->root_half),
                            0.0f);
      for (int line = -1; line <= 1; line++)
        dark += st->root_dark * sh->root_strength * across * across
                * (line ? 0.7f : 1.0f)
                * gauss (v - line * st->root_gap, st->root_width);
    }
  return fminf (dark, 0.5f);
}

/* alpha: the fold guard's scale, which the field's moves went through. */
static void
paint_folds (mien_image *refined, const face_frame *f, const mien_point *lm,
             const rig_moves *m, float alpha, const side_au sides[2],
             const side_au *mid)
{
  fold_shading sh;
  memset (&sh, 0, sizeof sh);
  sh.f = f;
  for (int s = 0; s < 2; s++)
    sh.strength[s] = fmaxf (sides[s].au[MIEN_AU10],
                            0.7f * sides[s].au[MIEN_AU9]);
  sh.root_strength = mid->au[MIEN_AU9];
  if (sh.strength[0] + sh.strength[1] + sh.root_strength <= 0.0f)
    return;
#define MOVED(i) v_add (v_pt (lm[i]), v_mul (m->lm[i], alpha))
  vec2 lo = { 1e30f, 1e30f }, hi = { -1e30f, -1e30f };
  /* How far from a furrow's curve it shades: 9.5 sigma of the crease, and
   * 5 sigma of the bulge beside it (centred 2 sigma out, 1.5 sigma wide);
   * beyond that the shading is below 1e-4, which shade_square skips. */
  float reach = 9.5f * folds.fold_width * f->iod;
  for (int s = 0; s < 2; s++)
    {
      vec2 slo = { 1e30f, 1e30f }, shi = { -1e30f, -1e30f };
      vec2 out = v_mul (f->ex, s ? f->iod : -f->iod);
      vec2 a = v_add (MOVED (s ? 35 : 31), v_mul (out, folds.ala_out));
      vec2 b = v_add (v_add (MOVED (s ? 54 : 48), v_mul (out, folds.corner_out)),
                      v_mul (f->ey, folds.corner_down * f->iod));
      vec2 c = v_add (v_mul (v_add (a, b), 0.5f), v_mul (out, folds.bow));
      for (int k = 0; k <= FOLD_SEGMENTS; k++)
        {
          float t = (float)k / FOLD_SEGMENTS; /* quadratic Bézier a, c, b */
          vec2 p = v_add (v_add (v_mul (a, (1 - t) * (1 - t)),
                                 v_mul (c, 2 * t * (1 - t))),
                          v_mul (b, t * t));
          sh.path[s][k] = p;
          slo = (vec2){ fminf (slo.x, p.x), fminf (slo.y, p.y) };
          shi = (vec2){ fmaxf (shi.x, p.x), fmaxf (shi.y, p.y) };
        }
      sh.lo[s] = (vec2){ slo.x - reach, slo.y - reach };
      sh.hi[s] = (vec2){ shi.x + reach, shi.y + reach };
      lo = (vec2){ fminf (lo.x, slo.x), fminf (lo.y, slo.y) };
      hi = (vec2){ fmaxf (hi.x, shi.x), fmaxf (hi.y, shi.y) };
    }
  sh.root = v_mul (v_add (MOVED (27), MOVED (28)), 0.5f);
#undef MOVED
  lo = (vec2){ fminf (lo.x, sh.root.x), fminf (lo.y, sh.root.y) };
  hi = (vec2){ fmaxf (hi.x, sh.root.x), fmaxf (hi.y, sh.root.y) };
  /* The square holds both furrows' boxes and the root creases (root_half
   * and root_gap + 4 root_width are inside reach). */
  float r = 0.5f * fmaxf (hi.x - lo.x, hi.y - lo.y) + reach;
  shade_square (refined, v_mul (v_add (lo, hi), 0.5f), r, fold_shade_at, &sh);
}

/* ------------------------------------------------------------------------ */
/* The generator */

typedef struct mien_rig {
  mien_generator base;
  float *num, *den;
  size_t capacity; /* pixels */
  mien_rig_stats stats;
} mien_rig;

static mien_status
rig_reserve (mien_rig *rig, int w, int h, mien_error *err)
{
  size_t n = (size_t)w * (size_t)h;
  if (n <= rig->capacity)
    return MIEN_OK;
  free (rig->num), free (rig->den);
  rig->num = malloc (sizeof (float) * 2 * n);
  rig->den = malloc (sizeof (float) * n);
  rig->capacity = (rig->num && rig->den) ? n : 0;
  if (!rig->capacity)
    return mien_error_set (err, MIEN_ERR_NOMEM, "rig: out of memory");
  return MIEN_OK;
}

static float
max_abs (const mien_image *f)
{
  float m = 0.0f;
  for (size_t i = 0; i < mien_image_n_floats (f); i++)
    m = fmaxf (m, fabsf (f->data[i]));
  return m;
}

static mien_status
rig_generate (mien_generator *gen, const mien_image *input,
              const mien_driving *c_in, const mien_point *lm,
              mien_generator_output *out, mien_pool *pool, mien_error *err)
{
  mien_rig *rig = (mien_rig *)gen;
  mien_driving c = *c_in;
  mien_driving_clamp (&c); /* the rig never trusts its input */
  face_frame f;
  mien_status st = rig_reserve (rig, input->width, input->height, err);
  if (st != MIEN_OK)
    return st;
  memset (out->field->data, 0, sizeof (float) * mien_image_n_floats (out->field));
  rig_moves moves;
  memset (&moves, 0, sizeof moves);
  side_au sides[2], mid;
  int have_frame = face_frame_init (&f, lm);
  if (have_frame)
    {
      side_intensities (&c, sides, &mid);
      rig_moves_compute (&moves, &f, lm, sides, &mid);
      control_set *set = malloc (sizeof *set);
      if (!set)
        return mien_error_set (err, MIEN_ERR_NOMEM, "rig: out of memory");
      collect_controls (set, &f, lm, &moves);
      splat_controls (set, out->field, rig->num, rig->den);
      free (set);
      blur_field (out->field, rig->num);
      float closure = seal_closure (&mid);
      if (closure > 0.0f)
        compose_lip_seal (out->field, rig->num, &f, input, lm, &moves, closure);
      else
        compose_mouth_opening (out->field, rig->num, input, lm, &moves);
      add_eyelids (out->field, &f, lm, sides, &c);
      apply_border_window (out->field);
    }
  rig->stats.fold_alpha = mien_field_limit_folds (out->field, MIEN_RIG_JACOBIAN_MARGIN);
  rig->stats.min_jacobian = mien_field_min_jacobian (out->field);
  rig->stats.max_displacement = max_abs (out->field);
  st = mien_warp_bilinear (input, out->field, out->warped, pool, err);
  if (st != MIEN_OK)
    return st;
  memcpy (out->refined->data, out->warped->data,
          sizeof (float) * mien_image_n_floats (out->warped));
  /* The moves were scaled with the field by the fold guard. */
  for (int i = 60; i < 68; i++)
    moves.lm[i] = v_mul (moves.lm[i], rig->stats.fold_alpha);
  rig->stats.mouth_painted = paint_mouth (out->refined, out->field, lm, &moves);
  if (have_frame)
    {
      paint_lip_seam (out->refined, out->field, lm, &moves,
                      rig->stats.fold_alpha * seal_closure (&mid));
      /* The brows moved by the (guarded) field too. */
      for (int i = 17; i < 27; i++)
        moves.lm[i] = v_mul (moves.lm[i], rig->stats.fold_alpha);
      for (int s = 0; s < 2; s++)
        for (int i = 0; i < MIEN_AU_N_OPENFACE; i++)
          sides[s].au[i] *= rig->stats.fold_alpha;
      mid.au[MIEN_AU4] *= rig->stats.fold_alpha;
      mid.au[MIEN_AU9] *= rig->stats.fold_alpha;
      paint_wrinkles (out->refined, &f, lm, &moves, sides, &mid);
      paint_folds (out->refined, &f, lm, &moves, rig->stats.fold_alpha, sides,
                   &mid);
    }
  return MIEN_OK;
}

static void
rig_free (mien_generator *gen)
{
  mien_rig *rig = (mien_rig *)gen;
  free (rig->num), free (rig->den);
  free (rig);
}

static const mien_generator_class rig_class = {
  .name = "anatomical AU rig",
  .generate = rig_generate,
  .free = rig_free,
};

mien_generator *
mien_rig_new (mien_error *err)
{
  mien_rig *rig = calloc (1, sizeof *rig);
  if (!rig)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "rig: out of memory");
      return NULL;
    }
  rig->base.klass = &rig_class;
  rig->stats.fold_alpha = 1.0f;
  return &rig->base;
}

int
mien_rig_get_stats (const mien_generator *gen, mien_rig_stats *stats)
{
  if (!gen || gen->klass != &rig_class)
    return 0;
  *stats = ((const mien_rig *)gen)->stats;
  return 1;
}
