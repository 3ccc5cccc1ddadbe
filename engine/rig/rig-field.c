/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The dense field: the landmark moves spread over the 128² grid. It owns
 * the skin between the features (brows to hairline, cheeks, lips, chin).
 *
 * A normalized kernel average (Nadaraya–Watson) with compactly supported
 * Wendland C2 kernels (Wendland 1995) of the landmark displacements, set at
 * the landmarks' TARGET positions, so that the backward field says where
 * each output pixel comes from (ATW's F is backward: out(x) = in(x + F(x))).
 * Zero-displacement anchors on the eyes, the forehead above the brows and a
 * ring outside the jaw line keep the hairline, ears and background still;
 * a constant background weight makes the field fall to exactly 0 outside
 * every kernel's support. */
#include "rig-private.h"

#include <stdlib.h>
#include <string.h>

/* Kernel radius, iod. */
#define KERNEL_RADIUS 0.5f
/* Still anchors: above the brows and outside the jaw line, iod. */
#define FOREHEAD_ANCHOR_UP 0.55f
#define JAW_RING_OUT 0.55f

static int
is_eye (int i)
{
  return i >= MIEN_LM_RIGHT_EYE.first
         && i < MIEN_LM_LEFT_EYE.first + MIEN_LM_LEFT_EYE.count;
}

#define MAX_CONTROLS 160

typedef struct control {
  vec2 q;     /* target position (where the feature ends up) */
  vec2 value; /* backward displacement there: -motion */
  float radius;
  float weight; /* of its kernel: 1, or less for a corner-skin point */
} control;

typedef struct control_set {
  control c[MAX_CONTROLS];
  int n;
} control_set;

static void
add_weighted_control (control_set *set, vec2 rest, vec2 motion, float radius,
                      float weight)
{
  if (set->n >= MAX_CONTROLS)
    return;
  set->c[set->n++] = (control){ v_add (rest, motion), v_mul (motion, -1.0f),
                                radius, weight };
}

static void
add_control (control_set *set, vec2 rest, vec2 motion, float radius)
{
  add_weighted_control (set, rest, motion, radius, 1.0f);
}

static void
collect_controls (control_set *set, const face_frame *f, const mien_point *lm,
                  const rig_moves *m)
{
  float r = KERNEL_RADIUS * f->iod;
  set->n = 0;
  /* Eyes are anchors here: the eyelid field moves the lids. */
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    add_control (set, v_pt (lm[i]), is_eye (i) ? (vec2){ 0, 0 } : m->lm[i], r);
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < N_CHEEK; k++)
      add_control (set, m->cheek_rest[s][k], m->cheek[s][k], r);
  /* The skin beside the lip corners, only while a pucker moves it
   * (rig-private.h): it spreads a corner's pull over the cheek. Its weight
   * grows with its motion from 0, so that the field is continuous in the
   * AUs and every field without a pucker is bit for bit the one without
   * these points. (Moving it also as the other controls' field moves it
   * there, so as not to hold the skin against a smile, let the fold guard
   * scale O and U to 0.71-0.89 again; not kept.) */
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < N_CORNER_SKIN; k++)
      {
        const rig_cheek_point *c = &rig_corner_skin_points[k];
        vec2 motion = m->corner_skin[s][k];
        float weight = v_len (motion) / (RIG_CORNER_SKIN_FULL * f->iod);
        if (weight > 0.0f)
          add_weighted_control (set,
                                v_add (v_pt (lm[s ? 54 : 48]),
                                       frame_delta (f, s, c->rest_out,
                                                    c->rest_down)),
                                motion, r, fminf (weight, 1.0f));
      }
  /* Forehead above the brows and a ring outside the jaw line stay still,
   * so brows and jaw move skin, not hairline, ears or background. */
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 5; k += 2)
      add_control (set,
                   v_add (v_pt (lm[rig_brow_idx[s][k]]),
                          frame_delta (f, s, 0, -FOREHEAD_ANCHOR_UP)),
                   (vec2){ 0, 0 }, r);
  vec2 centre = lm_mean (lm, MIEN_LM_JAW);
  for (int i = 0; i <= 16; i += 2)
    {
      vec2 d = v_sub (v_pt (lm[i]), centre);
      float len = v_len (d);
      if (len > 1e-3f)
        add_control (set, v_add (v_pt (lm[i]), v_mul (d, JAW_RING_OUT * f->iod / len)),
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
      grid_box b = grid_box_around (c->q, c->radius, w, h, 0);
      float inv_r2 = 1.0f / (c->radius * c->radius);
      for (int y = b.y0; y <= b.y1; y++)
        for (int x = b.x0; x <= b.x1; x++)
          {
            float dx = (float)x - c->q.x, dy = (float)y - c->q.y;
            float k = wendland ((dx * dx + dy * dy) * inv_r2) * c->weight;
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

mien_status
rig_field_from_moves (mien_image *field, const face_frame *f,
                      const mien_point *lm, const rig_moves *m, float *num,
                      float *den, mien_error *err)
{
  control_set *set = malloc (sizeof *set);
  if (!set)
    return mien_error_set (err, MIEN_ERR_NOMEM, "rig: out of memory");
  collect_controls (set, f, lm, m);
  splat_controls (set, field, num, den);
  free (set);
  blur_field (field, num);
  return MIEN_OK;
}
