/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-clip.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-field.h"
#include "mien-reswarp.h"
#include "mien-rig.h"

const char *
mien_interpolation_to_string (mien_interpolation interpolation)
{
  return interpolation == MIEN_INTERPOLATION_FIELD ? "field" : "driving";
}

int
mien_interpolation_from_string (const char *name)
{
  if (!name)
    return -1;
  if (strcmp (name, "driving") == 0)
    return MIEN_INTERPOLATION_DRIVING;
  if (strcmp (name, "field") == 0)
    return MIEN_INTERPOLATION_FIELD;
  return -1;
}

mien_timeline *
mien_clip_default_timeline (const mien_driving *target, double duration,
                            int ping_pong, mien_error *err)
{
  if (!(duration > 0.0 && duration <= MIEN_TIMELINE_MAX_TIME))
    {
      mien_error_set (err, MIEN_ERR_INVALID,
                      "the duration must be more than 0 s and at most %g s "
                      "(got %g)", MIEN_TIMELINE_MAX_TIME, duration);
      return NULL;
    }
  mien_timeline *tl = mien_timeline_new (MIEN_AU_N_CHANNELS, err);
  if (!tl)
    return NULL;
  mien_driving neutral;
  mien_driving_init (&neutral);
  double t_target = ping_pong ? duration / 2.0 : duration;
  if (mien_timeline_add_keyframe (tl, 0.0, neutral.values,
                                  MIEN_EASING_EASE_IN_OUT, err) != MIEN_OK
      || mien_timeline_add_keyframe (tl, t_target, target->values,
                                     MIEN_EASING_EASE_IN_OUT, err) != MIEN_OK)
    {
      mien_timeline_free (tl);
      return NULL;
    }
  mien_timeline_set_ping_pong (tl, ping_pong);
  return tl;
}

/* ---- exact fold check of α·F over α in [0, 1] --------------------------- */

static inline const float *
fat (const mien_image *f, int x, int y)
{
  return f->data + 2 * ((size_t)y * (size_t)f->width + (size_t)x);
}

/* Corner with horizontal edge offset (ha, hb) and vertical (va, vb):
 * det(α) = (1 + α ha)(1 + α vb) − α² hb va = 1 + α t + α² d. Its minimum
 * over [0, 1] is at an end or at the vertex −t / 2d when that lies inside
 * and the parabola opens upward. */
static void
corner_min (float ha, float hb, float va, float vb, float *best,
            float *best_alpha)
{
  double t = (double)ha + vb, d = (double)ha * vb - (double)hb * va;
  double a = 1.0, q = 1.0 + t + d;
  double m = q < 1.0 ? q : 1.0;
  if (q < 1.0)
    a = 1.0;
  if (d > 0.0)
    {
      double v = -t / (2.0 * d);
      if (v > 0.0 && v < 1.0)
        {
          double qv = 1.0 + v * t + v * v * d;
          if (qv < m)
            m = qv, a = v;
        }
    }
  if (!(m >= *best)) /* NaN counts as a fold */
    *best = (float)m, *best_alpha = (float)a;
}

float
mien_field_min_jacobian_over_alpha (const mien_image *f, float *at_alpha)
{
  float best = 1.0f, best_alpha = 0.0f;
  for (int y = 0; y + 1 < f->height; y++)
    for (int x = 0; x + 1 < f->width; x++)
      {
        const float *p = fat (f, x, y), *px = fat (f, x + 1, y);
        const float *py = fat (f, x, y + 1), *pxy = fat (f, x + 1, y + 1);
        float h0a = px[0] - p[0], h0b = px[1] - p[1];
        float h1a = pxy[0] - py[0], h1b = pxy[1] - py[1];
        float v0a = py[0] - p[0], v0b = py[1] - p[1];
        float v1a = pxy[0] - px[0], v1b = pxy[1] - px[1];
        corner_min (h0a, h0b, v0a, v0b, &best, &best_alpha);
        corner_min (h0a, h0b, v1a, v1b, &best, &best_alpha);
        corner_min (h1a, h1b, v0a, v0b, &best, &best_alpha);
        corner_min (h1a, h1b, v1a, v1b, &best, &best_alpha);
      }
  if (at_alpha)
    *at_alpha = best_alpha;
  return best;
}

/* ---- the field scaler: a generator that replays α·(target) --------------- */

typedef struct field_scaler {
  mien_generator parent;
  mien_image *field;  /* F_t */
  mien_image *paint;  /* O^r_t / m − O^w_t (without the skin's shading) */
  mien_image *shade;  /* m: the skin's shading factors (NULL: none) */
  float alpha;        /* set before each frame */
  float fold_scale;   /* what the guard did on the last frame */
  float min_jacobian; /* of the last frame's field */
  float *region;      /* the target's head region (NULL: none) */
  int region_w, region_h;
  int layered;        /* the target moved the head as a layer */
  float *others;      /* and the other faces it left in front (NULL: none) */
} field_scaler;

static mien_status
scaler_generate (mien_generator *gen, const mien_image *input,
                 const mien_driving *c,
                 const mien_point landmarks[MIEN_N_LANDMARKS],
                 mien_generator_output *out, mien_pool *pool, mien_error *err)
{
  field_scaler *s = (field_scaler *)gen;
  size_t nf = mien_image_n_floats (s->field);
  for (size_t i = 0; i < nf; i++)
    out->field->data[i] = s->alpha * s->field->data[i];
  s->fold_scale = 1.0f;
  s->min_jacobian = mien_field_min_jacobian (out->field);
  if (!(s->min_jacobian >= MIEN_RIG_JACOBIAN_MARGIN))
    {
      s->fold_scale = mien_field_limit_folds (out->field,
                                              MIEN_RIG_JACOBIAN_MARGIN);
      s->min_jacobian = mien_field_min_jacobian (out->field);
    }
  mien_status st = mien_warp_bilinear (input, out->field, out->warped, pool,
                                       err);
  if (st != MIEN_OK)
    return st;
  /* The paint fades with the field actually used. At α = 0 the product is
   * +0 and O^r = O^w = I bit for bit, which paste-back relies on. */
  float k = s->alpha * s->fold_scale;
  size_t n = mien_image_n_floats (out->refined);
  for (size_t i = 0; i < n; i++)
    out->refined->data[i] = out->warped->data[i] + k * s->paint->data[i];
  /* The shading fades with it too: m(α) = 1 + k·(m − 1), exactly 1 at
   * α = 0. */
  if (out->shade && s->shade && out->shade->width == s->shade->width
      && out->shade->height == s->shade->height)
    {
      int pc = out->refined->channels, nc = pc < 3 ? pc : 3;
      size_t np = (size_t)out->shade->width * (size_t)out->shade->height;
      for (size_t i = 0; i < np; i++)
        for (int c = 0; c < 3; c++)
          {
            float m = 1.0f + k * (s->shade->data[3 * i + c] - 1.0f);
            out->shade->data[3 * i + c] = m;
            if (c < nc)
              out->refined->data[i * pc + c] *= m;
          }
    }
  return MIEN_OK;
}

static void
scaler_free (mien_generator *gen)
{
  field_scaler *s = (field_scaler *)gen;
  mien_image_free (s->field);
  mien_image_free (s->paint);
  mien_image_free (s->shade);
  free (s->region);
  free (s->others);
  free (s);
}

/* The head over the photo (mien-animator-head.c) as for the target. */
static const float *
scaler_get_head_region (const mien_generator *gen, int *width, int *height)
{
  const field_scaler *s = (const field_scaler *)gen;
  if (s->region)
    *width = s->region_w, *height = s->region_h;
  return s->region;
}

static int
scaler_get_head_layered (const mien_generator *gen, const float **others)
{
  const field_scaler *s = (const field_scaler *)gen;
  if (others)
    *others = s->layered ? s->others : NULL;
  return s->layered;
}

static const mien_generator_class scaler_class = {
  .name = "field-scaler",
  .generate = scaler_generate,
  .free = scaler_free,
  .get_head_region = scaler_get_head_region,
  .get_head_layered = scaler_get_head_layered,
};

/* ---- the identity: the photo's own expression --------------------------- */

/* The rig's field for c = 0 is 0 only to float rounding (|F| ~ 1e-6 px from
 * its kernel sums), enough to change a few 8-bit pixels of a frame that must
 * be the photo itself. An all-zero driving vector therefore renders through
 * this generator: F = 0 and O^w = O^r = I exactly. */
static mien_status
identity_generate (mien_generator *gen, const mien_image *input,
                   const mien_driving *c,
                   const mien_point landmarks[MIEN_N_LANDMARKS],
                   mien_generator_output *out, mien_pool *pool,
                   mien_error *err)
{
  memset (out->field->data, 0,
          sizeof (float) * mien_image_n_floats (out->field));
  size_t bytes = sizeof (float) * mien_image_n_floats (input);
  memcpy (out->warped->data, input->data, bytes);
  memcpy (out->refined->data, input->data, bytes);
  return MIEN_OK;
}

static const mien_generator_class identity_class = {
  .name = "identity",
  .generate = identity_generate,
};
static mien_generator identity_generator = { &identity_class };

static int
driving_is_zero (const mien_driving *c)
{
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    if (c->values[i] != 0.0f)
      return 0;
  return 1;
}

/* ---- the clip ------------------------------------------------------------ */

struct mien_clip {
  mien_animator *anim;
  mien_generator *gen;
  const mien_timeline *timeline;
  mien_interpolation interpolation;
  field_scaler *scaler; /* field mode */
  float min_jacobian, min_at_alpha;
};

/* The keyframe with the largest α (the one farthest from the first). */
static mien_status
target_vector (const mien_timeline *tl, mien_driving *target, mien_error *err)
{
  mien_driving first;
  if (mien_timeline_sample (tl, 0.0, first.values, err) != MIEN_OK)
    return err ? err->status : MIEN_ERR_INVALID;
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    if (first.values[i] != 0.0f)
      return mien_error_set (
          err, MIEN_ERR_INVALID,
          "field interpolation scales one target field from the photo's own "
          "expression: the first keyframe must be neutral (all zero)");
  int n = mien_timeline_get_n_keyframes (tl), best = 0;
  float best_alpha = -1.0f;
  for (int k = 0; k < n; k++)
    {
      double t = mien_timeline_get_keyframe_time (tl, k);
      float a = mien_timeline_sample_alpha (tl, t);
      if (a > best_alpha)
        best_alpha = a, best = k;
    }
  return mien_timeline_sample (tl, mien_timeline_get_keyframe_time (tl, best),
                               target->values, err);
}

static mien_status
clip_prepare_field (mien_clip *clip, mien_error *err)
{
  mien_driving target;
  mien_status st = target_vector (clip->timeline, &target, err);
  if (st != MIEN_OK)
    return st;
  /* Gaze moves the irises in the animator's frames (with c(t)'s gaze);
   * the scaled field must not shift the eye region as well. */
  if ((target.values[MIEN_GAZE_H] != 0.0f
       || target.values[MIEN_GAZE_V] != 0.0f)
      && mien_animator_gaze_moves_irises (clip->anim))
    target.values[MIEN_GAZE_H] = target.values[MIEN_GAZE_V] = 0.0f;
  const mien_image *low = mien_animator_get_low (clip->anim);
  mien_generator_output g;
  st = mien_generator_output_init (&g, low->width, low->height, low->channels,
                                   err);
  if (st != MIEN_OK)
    return st;
  mien_animator_prepare_generator (clip->anim, clip->gen);
  st = mien_generator_generate (clip->gen, low, &target,
                                mien_animator_get_grid_landmarks (clip->anim),
                                &g, NULL, err);
  field_scaler *s = st == MIEN_OK ? calloc (1, sizeof *s) : NULL;
  if (st == MIEN_OK && !s)
    st = mien_error_set (err, MIEN_ERR_NOMEM, "clip: out of memory");
  if (st == MIEN_OK)
    {
      s->parent.klass = &scaler_class;
      s->field = g.field, g.field = NULL;
      s->paint = g.refined, g.refined = NULL;
      s->shade = g.shade, g.shade = NULL;
      /* The paint without the skin's shading, which the animator lays at
       * the frame's resolution (mien_generator_output.shade): O^r = m·u. */
      mien_generator_unshade (s->paint, s->shade, 0, 0,
                              s->paint->width - 1, s->paint->height - 1);
      size_t n = mien_image_n_floats (s->paint);
      for (size_t i = 0; i < n; i++)
        s->paint->data[i] -= g.warped->data[i];
      int rw = 0, rh = 0;
      const float *region = mien_generator_get_head_region (clip->gen, &rw,
                                                            &rh);
      size_t rn = (size_t)rw * (size_t)rh;
      if (region && rn > 0 && (s->region = malloc (sizeof (float) * rn)))
        {
          memcpy (s->region, region, sizeof (float) * rn);
          s->region_w = rw, s->region_h = rh;
        }
      const float *others = NULL;
      s->layered = mien_generator_get_head_layered (clip->gen, &others);
      if (s->layered && others && s->region
          && (s->others = malloc (sizeof (float) * rn)))
        memcpy (s->others, others, sizeof (float) * rn);
      clip->scaler = s;
      clip->min_jacobian = mien_field_min_jacobian_over_alpha (
          s->field, &clip->min_at_alpha);
    }
  mien_generator_output_clear (&g);
  return st;
}

mien_clip *
mien_clip_new (mien_animator *anim, mien_generator *gen,
               const mien_timeline *timeline, mien_interpolation interpolation,
               mien_error *err)
{
  if (!anim || !gen || !timeline)
    {
      mien_error_set (err, MIEN_ERR_INVALID, "clip: missing argument");
      return NULL;
    }
  if (mien_timeline_get_n_values (timeline) != MIEN_AU_N_CHANNELS
      || mien_timeline_get_n_keyframes (timeline) < 1)
    {
      mien_error_set (err, MIEN_ERR_INVALID,
                      "clip: the timeline needs a keyframe of %d AU values",
                      MIEN_AU_N_CHANNELS);
      return NULL;
    }
  mien_clip *clip = calloc (1, sizeof *clip);
  if (!clip)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "clip: out of memory");
      return NULL;
    }
  *clip = (mien_clip){ anim, gen, timeline, interpolation, NULL, 1.0f, 0.0f };
  if (interpolation == MIEN_INTERPOLATION_FIELD
      && clip_prepare_field (clip, err) != MIEN_OK)
    {
      mien_clip_free (clip);
      return NULL;
    }
  return clip;
}

void
mien_clip_free (mien_clip *clip)
{
  if (!clip)
    return;
  if (clip->scaler)
    mien_generator_free (&clip->scaler->parent);
  free (clip);
}

mien_interpolation
mien_clip_get_interpolation (const mien_clip *clip)
{
  return clip->interpolation;
}

float
mien_clip_get_min_jacobian (const mien_clip *clip, float *at_alpha)
{
  if (at_alpha)
    *at_alpha = clip->min_at_alpha;
  return clip->min_jacobian;
}

mien_status
mien_clip_render (mien_clip *clip, double t, mien_image *frame,
                  const mien_image **crop_out, mien_clip_frame_info *info,
                  mien_error *err)
{
  mien_driving c;
  mien_status st = mien_timeline_sample (clip->timeline, t, c.values, err);
  if (st != MIEN_OK)
    return st;
  float alpha = mien_timeline_sample_alpha (clip->timeline, t);
  mien_generator *gen = clip->gen;
  if (driving_is_zero (&c))
    gen = &identity_generator;
  else if (clip->scaler)
    {
      clip->scaler->alpha = alpha;
      gen = &clip->scaler->parent;
    }
  const mien_generator_output *g = NULL;
  if (frame)
    st = mien_animator_render (clip->anim, gen, &c, frame, NULL, err);
  else
    st = mien_animator_render_crop (clip->anim, gen, &c, crop_out, &g, err);
  if (st != MIEN_OK || !info)
    return st;
  info->time = t;
  info->alpha = alpha;
  int scaled = clip->scaler && gen == &clip->scaler->parent;
  info->fold_scale = scaled ? clip->scaler->fold_scale : 1.0f;
  if (gen == &identity_generator)
    info->min_jacobian = 1.0f;
  else if (scaled)
    info->min_jacobian = clip->scaler->min_jacobian;
  else
    {
      mien_rig_stats rs;
      info->min_jacobian = mien_rig_get_stats (gen, &rs) ? rs.min_jacobian
                                                          : NAN;
    }
  return MIEN_OK;
}
