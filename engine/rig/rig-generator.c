/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rig as a mien_generator (mien-generator.h): I, c and the landmarks
 * in, F, O^w = warp(I, F) and O^r out, as ATW's generator (the paper's
 * Sec. 3.1: the motion network's field and the refinement network's O^r),
 * from anatomy instead of training. One frame:
 *
 *   face frame and per-side intensities     rig-frame.c
 *   landmark moves from the AU tables       rig-moves.c, rig-tables.c
 *   kernel field of the moves               rig-field.c
 *   lip seal or jaw opening, composed       rig-mouth.c
 *   eyelids and gaze, added                 rig-eyelids.c
 *   bounded by the head's region            rig-pose.c
 *   border window, fold guard               rig-guard.c, mien-field.c
 *   O^w = warp(I, F)                        mien-warp.c
 *   O^r = O^w + mouth, seam, wrinkles, folds  rig-paint.c
 *   head pose, composed with all of that   rig-pose.c */
#include "mien-rig.h"

#include <stdlib.h>
#include <string.h>

#include "mien-field.h"
#include "mien-warp.h"
#include "rig-private.h"

typedef struct mien_rig {
  mien_generator base;
  float *num, *den;
  size_t capacity; /* pixels */
  mien_rig_stats stats;
  rig_head *head; /* the head's fit, depth and region, once per photo */
  float photo_blur; /* the photo's softness, grid pixels (set_photo_blur) */
  int layered; /* the last frame turned the head as a layer */
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
  rig->stats.gaze_shut_eyes = 0;
  rig->stats.photo_yaw = rig->stats.yaw_used = 0.0f;
  rig->layered = 0;
  if (have_frame)
    {
      side_intensities (&c, sides, &mid);
      rig_moves_compute (&moves, &f, sides, &mid);
      st = rig_field_from_moves (out->field, &f, lm, &moves, rig->num,
                                 rig->den, err);
      if (st != MIEN_OK)
        return st;
      float closure = seal_closure (&mid);
      if (closure > 0.0f)
        compose_lip_seal (out->field, rig->num, &f, input, lm, &moves, closure);
      else
        {
          /* The moves without the opening channels: closed lips part by
           * what those ask for only (nothing when none is on). */
          side_au shut_sides[2] = { sides[0], sides[1] }, shut_mid = mid;
          int opening = 0;
          for (int i = 0; i < rig_n_seal_open; i++)
            {
              mien_au_channel ch = rig_seal_open[i];
              opening |= sides[0].au[ch] != 0.0f || sides[1].au[ch] != 0.0f
                         || mid.au[ch] != 0.0f;
              shut_sides[0].au[ch] = shut_sides[1].au[ch] = shut_mid.au[ch] = 0.0f;
            }
          rig_moves shut;
          if (opening)
            {
              memset (&shut, 0, sizeof shut);
              rig_moves_compute (&shut, &f, shut_sides, &shut_mid);
            }
          compose_mouth_opening (out->field, rig->num, &f, input, lm, &moves,
                                 opening ? &shut : &moves);
        }
      rig->stats.gaze_shut_eyes = add_eyelids (out->field, &f, lm, sides, &c);
      /* The head's region bounds every expression (issue #24). */
      st = rig_head_update (rig->head, input, lm, err);
      if (st != MIEN_OK)
        return st;
      rig_head_bound (rig->head, out->field);
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
  rig_guard_scale_lips (rig->stats.fold_alpha, &moves);
  if (out->interior)
    memset (out->interior->data, 0,
            sizeof (float) * mien_image_n_floats (out->interior));
  if (out->shade)
    for (size_t i = 0; i < mien_image_n_floats (out->shade); i++)
      out->shade->data[i] = 1.0f;
  rig->stats.mouth_painted = paint_mouth (out->refined, out->interior,
                                          out->field, lm, &moves,
                                          have_frame ? f.ey : (vec2){ 0, 1 });
  if (have_frame)
    {
      paint_lip_seam (out->refined, out->field, lm, &moves,
                      rig->stats.fold_alpha * seal_closure (&mid));
      /* The brows moved by the (guarded) field too. */
      rig_guard_scale_brows (rig->stats.fold_alpha, &moves, sides, &mid);
      paint_wrinkles (out->refined, out->shade, &f, lm, &moves, sides, &mid,
                      rig->photo_blur);
      paint_folds (out->refined, out->shade, &f, lm, &moves,
                   rig->stats.fold_alpha, sides, &mid);
    }
  if (have_frame && rig_pose_active (&c))
    {
      float pose_alpha = 1.0f;
      st = rig_pose_apply (rig->head, input, lm, &c, out, pool, &pose_alpha,
                           err);
      if (st != MIEN_OK)
        return st;
      rig->stats.fold_alpha *= pose_alpha;
      rig->layered = rig_head_layered (rig->head, NULL);
      rig_head_yaw (rig->head, &rig->stats.photo_yaw, &rig->stats.yaw_used);
      rig->stats.min_jacobian = mien_field_min_jacobian (out->field);
      rig->stats.max_displacement = max_abs (out->field);
    }
  return MIEN_OK;
}

static void
rig_free (mien_generator *gen)
{
  mien_rig *rig = (mien_rig *)gen;
  free (rig->num), free (rig->den);
  rig_head_free (rig->head);
  free (rig);
}

static void
rig_set_neighbours (mien_generator *gen, const mien_point *landmarks,
                    int n_faces)
{
  rig_head_set_neighbours (((mien_rig *)gen)->head, landmarks, n_faces);
}

static void
rig_set_head_matte (mien_generator *gen, const float *matte, int width,
                    int height)
{
  rig_head_set_matte (((mien_rig *)gen)->head, matte, width, height);
}

static void
rig_set_photo_blur (mien_generator *gen, float sigma)
{
  ((mien_rig *)gen)->photo_blur = sigma;
}

static const float *
rig_get_head_region (const mien_generator *gen, int *width, int *height)
{
  const mien_rig *rig = (const mien_rig *)gen;
  const float *region = rig_head_region (rig->head);
  if (region)
    rig_head_size (rig->head, width, height);
  return region;
}

static int
rig_get_head_layered (const mien_generator *gen, const float **others)
{
  const mien_rig *rig = (const mien_rig *)gen;
  if (!rig->layered)
    return 0;
  return rig_head_layered (rig->head, others);
}

static const mien_generator_class rig_class = {
  .name = "anatomical AU rig",
  .generate = rig_generate,
  .free = rig_free,
  .set_neighbours = rig_set_neighbours,
  .set_head_matte = rig_set_head_matte,
  .set_photo_blur = rig_set_photo_blur,
  .get_head_region = rig_get_head_region,
  .get_head_layered = rig_get_head_layered,
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
  rig->head = rig_head_new ();
  if (!rig->head)
    {
      free (rig);
      mien_error_set (err, MIEN_ERR_NOMEM, "rig: out of memory");
      return NULL;
    }
  return &rig->base;
}

const float *
mien_rig_get_head_region (const mien_generator *gen, int *width, int *height)
{
  int w = 0, h = 0;
  const float *region = gen && gen->klass == &rig_class
                            ? rig_get_head_region (gen, &w, &h)
                            : NULL;
  if (region && width && height)
    *width = w, *height = h;
  return region;
}

const float *
mien_rig_get_head_bound (const mien_generator *gen, int *width, int *height)
{
  if (!gen || gen->klass != &rig_class)
    return NULL;
  const mien_rig *rig = (const mien_rig *)gen;
  const float *bound = rig_head_bound_map (rig->head);
  if (bound && width && height)
    rig_head_size (rig->head, width, height);
  return bound;
}

int
mien_rig_get_stats (const mien_generator *gen, mien_rig_stats *stats)
{
  if (!gen || gen->klass != &rig_class)
    return 0;
  *stats = ((const mien_rig *)gen)->stats;
  return 1;
}
