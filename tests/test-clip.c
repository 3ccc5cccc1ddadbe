/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The clip (engine/mien-clip.h): rendering a timeline in both interpolation
 * modes.
 *  - the fold check of α·F over α in [0, 1] against brute force (1001
 *    scaled copies through mien_field_min_jacobian), on a field built to dip
 *    below 0 mid-way while fold-free at α = 1 (a swirl), and on random smooth fields;
 *  - field mode renders that dipping field fold-free on every frame (the
 *    guard acts only where needed);
 *  - on the astronaut's landmarks (fixture) with every preset: the first
 *    frame is the photo bit for bit in both modes, field mode's frame at
 *    α = 1 equals driving mode's target frame (to 1e-5), every frame's field
 *    has min Jacobian >= MIEN_RIG_JACOBIAN_MARGIN, α is monotone on the way
 *    up of an eased clip, and symmetric with ping-pong;
 *  - field mode refuses a clip whose first keyframe is not neutral. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "mien-clip.h"
#include "mien-field.h"
#include "mien-rig.h"
#include "mien-test-image.h"

static float
brute_min (const mien_image *f)
{
  mien_error err = { 0 };
  mien_image *g = mien_image_new (f->width, f->height, 2, &err);
  float m = FLT_MAX;
  for (int k = 0; k <= 1000; k++)
    {
      float a = k / 1000.0f;
      for (size_t i = 0; i < mien_image_n_floats (f); i++)
        g->data[i] = a * f->data[i];
      float j = mien_field_min_jacobian (g);
      m = j < m ? j : m;
    }
  mien_image_free (g);
  return m;
}

/* A swirl: x → R(θ(r))·x about the centre, θ = π inside r < 12 falling
 * smoothly to 0 at r = 56. The swirl itself is fold-free (a rotation per
 * ring), but the straight path x + α·F passes through (1 − 2α)·x at the
 * centre: the determinant is (1 − 2α)², 0 at α = 1/2. */
static mien_image *
swirl_field (void)
{
  mien_error err = { 0 };
  mien_image *f = mien_image_new_zeroed (128, 128, 2, &err);
  for (int y = 0; y < 128; y++)
    for (int x = 0; x < 128; x++)
      {
        float dx = x - 64.0f, dy = y - 64.0f, r = sqrtf (dx * dx + dy * dy);
        float w = r < 12.0f ? 1.0f : r < 56.0f ? (56.0f - r) / 44.0f : 0.0f;
        float th = (float)M_PI * w * w * (3 - 2 * w);
        float c = cosf (th), s = sinf (th);
        f->data[2 * (y * 128 + x)] = c * dx - s * dy - dx;
        f->data[2 * (y * 128 + x) + 1] = s * dx + c * dy - dy;
      }
  return f;
}

static void
test_fold_check (void)
{
  mien_image *f = swirl_field ();
  float at, m = mien_field_min_jacobian_over_alpha (f, &at);
  float b = brute_min (f);
  printf ("swirl: min det over α %.4f at α %.3f (brute force %.4f); at α = 1 "
          "%.4f\n", (double)m, (double)at, (double)b,
          (double)mien_field_min_jacobian (f));
  CHECK (m < 0.01f && fabsf (at - 0.5f) < 0.02f,
         "the swirl's path dips to 0 at α = 1/2: %g at %g", (double)m,
         (double)at);
  CHECK (m <= b + 1e-4f && b - m < 2e-3f, "exact %g vs sampled %g",
         (double)m, (double)b);
  CHECK (mien_field_min_jacobian (f) > 0.2f, "fold-free at α = 1: %g",
         (double)mien_field_min_jacobian (f));
  mien_image_free (f);

  /* Random smooth fields of several strengths. */
  for (int trial = 0; trial < 6; trial++)
    {
      mien_error err = { 0 };
      mien_image *g = mien_image_new_zeroed (40, 40, 2, &err);
      float amp = 0.5f + trial;
      float p[8];
      for (int i = 0; i < 8; i++)
        p[i] = mien_test_uniform (0.05f, 0.4f);
      for (int y = 0; y < 40; y++)
        for (int x = 0; x < 40; x++)
          {
            g->data[2 * (y * 40 + x)] = amp * sinf (p[0] * x + p[1] * y + p[2]);
            g->data[2 * (y * 40 + x) + 1] = amp * cosf (p[3] * x - p[4] * y + p[5]);
          }
      float e = mien_field_min_jacobian_over_alpha (g, NULL), s = brute_min (g);
      CHECK (e <= s + 1e-4f && s - e < 5e-3f * (1 + fabsf (s)),
             "random field %d: exact %g vs sampled %g", trial, (double)e,
             (double)s);
      mien_image_free (g);
    }
}

/* A stub generator returning a fixed field and O^w = warp(I, F), O^r = O^w
 * plus a constant patch, to drive field mode with the swirl. */
typedef struct stub {
  mien_generator parent;
  mien_image *field;
} stub;

static mien_status
stub_generate (mien_generator *gen, const mien_image *in, const mien_driving *c,
               const mien_point lm[MIEN_N_LANDMARKS], mien_generator_output *out,
               mien_pool *pool, mien_error *err)
{
  stub *s = (stub *)gen;
  memcpy (out->field->data, s->field->data,
          sizeof (float) * mien_image_n_floats (s->field));
  mien_status st = mien_warp_bilinear (in, out->field, out->warped, pool, err);
  memcpy (out->refined->data, out->warped->data,
          sizeof (float) * mien_image_n_floats (out->warped));
  return st;
}

static const mien_generator_class stub_class = { "stub", stub_generate, NULL };

static void
test_guard_in_field_mode (const mien_image *photo, const mien_face *face)
{
  mien_error err = { 0 };
  stub s = { { &stub_class }, swirl_field () };
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  mien_driving target;
  mien_driving_init (&target);
  target.values[MIEN_AU12] = 3.0f;
  mien_timeline *tl = mien_clip_default_timeline (&target, 1.0, 0, &err);
  mien_clip *clip = mien_clip_new (anim, &s.parent, tl,
                                   MIEN_INTERPOLATION_FIELD, &err);
  CHECK (clip != NULL, "%s", err.message);
  int guarded = 0;
  float worst = 1.0f;
  for (int i = 0; clip && i <= 30; i++)
    {
      mien_clip_frame_info info;
      const mien_image *crop;
      CHECK (mien_clip_render (clip, i / 30.0, NULL, &crop, &info, &err)
                 == MIEN_OK, "%s", err.message);
      worst = info.min_jacobian < worst ? info.min_jacobian : worst;
      guarded += info.fold_scale < 1.0f;
    }
  printf ("swirl in field mode: %d of 31 frames guarded, worst det %.4f\n",
          guarded, (double)worst);
  CHECK (guarded > 0 && guarded < 31, "the guard acts only mid-way (%d)",
         guarded);
  CHECK (worst >= MIEN_RIG_JACOBIAN_MARGIN * 0.99f, "fold-free: %g",
         (double)worst);
  mien_clip_free (clip);
  mien_timeline_free (tl);
  mien_animator_free (anim);
  mien_image_free (s.field);
}

static float
max_diff (const mien_image *a, const mien_image *b)
{
  float m = 0.0f;
  for (size_t i = 0; i < mien_image_n_floats (a); i++)
    m = fmaxf (m, fabsf (a->data[i] - b->data[i]));
  return m;
}

static void
test_presets (const mien_image *photo, const mien_face *face)
{
  mien_error err = { 0 };
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_MULTISCALE,
                                           NULL, &err);
  mien_image *frame = mien_image_copy (photo, &err);
  mien_image *ref = mien_image_copy (photo, &err);
  float worst_over_alpha = 1.0f, worst_frame = 1.0f;
  int guarded = 0;
  for (int p = 1; p < MIEN_N_PRESETS; p++)
    {
      mien_driving target;
      mien_driving_init (&target);
      mien_driving_add_preset (&target, (mien_expression_preset)p, 1.0f);
      mien_timeline *tl = mien_clip_default_timeline (&target, 1.0, 1, &err);
      for (int mode = 0; mode < 2; mode++)
        {
          mien_clip *clip = mien_clip_new (anim, rig, tl,
                                           (mien_interpolation)mode, &err);
          CHECK (clip != NULL, "%s", err.message);
          if (!clip)
            continue;
          float prev = -1.0f;
          for (int i = 0; i <= 20; i++)
            {
              double t = i / 20.0;
              mien_clip_frame_info info;
              CHECK (mien_clip_render (clip, t, frame, NULL, &info, &err)
                         == MIEN_OK, "%s", err.message);
              if (i == 0)
                CHECK (mien_test_images_equal (frame, photo),
                       "%s %s: frame 0 is the photo", mien_presets[p].name,
                       mien_interpolation_to_string (mode));
              if (i <= 10)
                CHECK (info.alpha >= prev, "α monotone up to the target");
              else
                CHECK (fabsf (info.alpha
                              - mien_timeline_sample_alpha (tl, 1.0 - t))
                           < 1e-6f, "ping-pong mirrors α");
              prev = info.alpha;
              if (mode == MIEN_INTERPOLATION_FIELD)
                {
                  worst_frame = fminf (worst_frame, info.min_jacobian);
                  guarded += info.fold_scale < 1.0f;
                }
              /* At the target both modes give the same frame. */
              if (i == 10 && mode == MIEN_INTERPOLATION_DRIVING)
                memcpy (ref->data, frame->data,
                        sizeof (float) * mien_image_n_floats (frame));
              if (i == 10 && mode == MIEN_INTERPOLATION_FIELD)
                CHECK (max_diff (frame, ref) < 1e-5f,
                       "%s: field mode at α = 1 is the target frame (%g)",
                       mien_presets[p].name, (double)max_diff (frame, ref));
            }
          if (mode == MIEN_INTERPOLATION_FIELD)
            {
              float at, m = mien_clip_get_min_jacobian (clip, &at);
              printf ("%-10s min det of α·F over α in [0,1]: %.4f (α %.2f)\n",
                      mien_presets[p].name, (double)m, (double)at);
              worst_over_alpha = fminf (worst_over_alpha, m);
            }
          mien_clip_free (clip);
          /* Back to the photo for the next clip (frame 0 must match). */
          memcpy (frame->data, photo->data,
                  sizeof (float) * mien_image_n_floats (photo));
          mien_animator_free (anim);
          anim = mien_animator_new (photo, face, MIEN_RESWARP_MULTISCALE, NULL,
                                    &err);
        }
      mien_timeline_free (tl);
    }
  printf ("rig presets: worst det over α %.4f, worst frame det %.4f, %d "
          "frames guarded\n", (double)worst_over_alpha, (double)worst_frame,
          guarded);
  CHECK (worst_frame >= MIEN_RIG_JACOBIAN_MARGIN * 0.99f, "no frame folds");

  /* Field mode needs a neutral start. */
  mien_timeline *tl = mien_timeline_new (MIEN_AU_N_CHANNELS, &err);
  mien_driving a, b;
  mien_driving_init (&a), mien_driving_init (&b);
  a.values[MIEN_AU12] = 2.0f, b.values[MIEN_AU26] = 3.0f;
  mien_timeline_add_keyframe (tl, 0.0, a.values, MIEN_EASING_LINEAR, &err);
  mien_timeline_add_keyframe (tl, 1.0, b.values, MIEN_EASING_LINEAR, &err);
  mien_clip *clip = mien_clip_new (anim, rig, tl, MIEN_INTERPOLATION_FIELD,
                                   &err);
  CHECK (clip == NULL && strstr (err.message, "must be neutral"),
         "non-neutral start refused: %s", err.message);
  mien_clip_free (clip);
  mien_timeline_free (tl);
  mien_image_free (frame);
  mien_image_free (ref);
  mien_animator_free (anim);
  mien_generator_free (rig);
}

int
main (void)
{
  test_fold_check ();
  mien_landmark_file lm = { 0 };
  mien_image *photo = mien_test_fixture_photo (&lm);
  if (photo)
    {
      test_guard_in_field_mode (photo, &lm.faces[0]);
      test_presets (photo, &lm.faces[0]);
    }
  mien_image_free (photo);
  mien_landmark_file_clear (&lm);
  return mien_test_exit_code ();
}
