/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Gaze moves the irises (issue #25), measured on the RESULT: on every face
 * of the sample photos, the animator renders the crop (the rig, vanilla
 * ResWarp, the app's default) at gaze_h and gaze_v of ±0.5 and ±1, the
 * face is detected again on each rendered crop and its 68 landmarks found
 * again (mien_eval_match_face: detector + landmark net; never the rig's
 * own points), and the iris is fitted again on the result inside the
 * re-detected eye opening (mien_iris_find). The photo's own crop (gaze 0)
 * is measured the same way. Per eye:
 *   moved = (iris centre − eye centre)·axis / width on the result, minus
 *           the same on the photo's own crop (·normal for gaze_v), the
 *           eye's frame from each image's re-detected corners;
 *   asked = MIEN_IRIS_GAZE_H · gaze_h (MIEN_IRIS_GAZE_V · gaze_v), the
 *           fraction of the width mien_iris_move promises;
 *   ok    = |moved − asked| ≤ 0.10 (the issue's 10 % of the width) and
 *           the iris is found again inside the opening.
 * An eye whose iris the animator does not find in the photo (gaze then
 * leaves it alone and says so) or that the fit does not find on the
 * photo's own crop is reported and left out. The issue asks for every
 * eye; what holds now is recorded in MIN_OK_SHARE.
 * Then: gaze_h = +1 on the astronaut moves both irises to the image's right
 * by 0.25 ± 0.10 of the width (a test that fails when gaze moves the eye
 * region instead, or nothing); the photo's eyes shut (the lids' landmarks
 * moved together) make gaze do nothing, bit for bit, and the animator says
 * so; the preview's coarser level shows the moved iris as the full frame
 * does.
 * MIEN_GAZE_CROPS=DIR writes 1:1 crops of the eyes (photo, h −1, h +1,
 * v −1, v +1, stacked) per face, DIR/gaze-STEM-FACE.png (docs/images).
 * MIEN_GAZE_FIT=1 prints, per eye, the fit in the photo (the animator's, on
 * the fixture landmarks) beside the re-fit on the photo's own crop, and per
 * case where the iris was found again: what docs/QUALITY.md's classes of
 * misses are read from. MIEN_GAZE_ONLY=STEM/FACE[,...] measures only those
 * faces (the totals are then not checked).
 * Skips (77) without data/samples or the models. */
#include <math.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-clip.h"
#include "mien-eval.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien-test-image.h"
#include "mien-test.h"

static const char *const stems[] = { "astronaut", "sample1", "sample2",
                                     "sample3", "sample4", "sample5",
                                     "sample6" };
#define N_STEMS ((int)(sizeof stems / sizeof *stems))

typedef struct gaze_case {
  float h, v;
} gaze_case;
static const gaze_case cases[] = {
  { -1.0f, 0 }, { -0.5f, 0 }, { 0.5f, 0 }, { 1.0f, 0 },
  { 0, -1.0f }, { 0, -0.5f }, { 0, 0.5f }, { 0, 1.0f },
};
#define N_CASES ((int)(sizeof cases / sizeof *cases))
#define BOUND 0.10f
/* Share of the measured (eye, case) pairs within the bound, as measured on
 * 2026-12-02 (docs/QUALITY.md, "Gaze"): the issue's target is all. */
#define MIN_OK_SHARE 0.64f
/* And the count reached on 2026-12-05 with the iris model, the sclera
 * sliding with the iris, the hidden iris mirrored and the disc's edges as
 * soft as the photo's limbus (241 of 296, docs/QUALITY.md; the classical
 * fit alone, MIEN_GAZE_CLASSICAL=1: 257 of 352, with the shut eyes below
 * fitted as open; the flat fills of before, MIEN_IRIS_FLAT_FILL=1: 225 and
 * 253), less two: it fails when a change to the fit, the move or the
 * re-detection loses cases. */
#define MIN_OK 239
#define MIN_OK_CLASSICAL 255

/* Eyes the photos show shut or lowered to a slit (sample1/1 looks down
 * with her lids lowered; sample2's women have their eyes closed), which
 * the landmarks' six points open and the classical fit then fits: with
 * the iris model they must read as closed (gaze leaves them alone and
 * says so). */
static const char *const shut_eyes[] = { "sample1/1 R", "sample1/1 L",
                                         "sample2/1 R", "sample2/2 R",
                                         "sample2/2 L" };

/* The iris offset in the eye's frame, in fractions of the width (h along
 * the axis, v across it, + down). */
static void
offset_in_width (const mien_iris *iris, float *h, float *v)
{
  mien_iris_offset (iris, h, v);
  *h *= 0.5f, *v *= 0.5f;
}

/* The eyes seen by the iris model (the analyzer's, as mien-render and the
 * app see them), unless MIEN_GAZE_CLASSICAL=1: then the photo's fit and
 * every re-fit are the classical disc fit alone, as before the model (the
 * comparison in docs/QUALITY.md). */
static int
use_iris_model (void)
{
  const char *v = getenv ("MIEN_GAZE_CLASSICAL");
  return !(v && *v && strcmp (v, "0") != 0);
}

/* The face found again on a crop, and its irises. 0 if lost. */
static int
refit (mien_face_analyzer *fa, const mien_image *crop, const mien_box *box,
       mien_face *found, mien_iris iris[2])
{
  mien_error err = { 0 };
  float iou = 0.0f;
  mien_status st = mien_eval_match_face (fa, crop, box, 0.3f, found, &iou,
                                         &err);
  if (st != MIEN_OK || iou < 0.3f)
    return 0;
  memset (found->eyes, 0, sizeof found->eyes);
  if (use_iris_model ())
    CHECK (mien_face_analyzer_eyes (fa, crop, found->landmarks, found->eyes,
                                    &err)
               == MIEN_OK, "%s", err.message);
  for (int s = 0; s < 2; s++)
    CHECK (mien_iris_find_fitted (crop, found->landmarks, s, &found->eyes[s],
                                  &iris[s], &err)
               == MIEN_OK, "%s", err.message);
  return 1;
}

/* The eyes' box on a crop (both eyes, grown by half an eye's width). */
static mien_rect
eyes_box (const mien_point *lm, const mien_image *crop)
{
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  for (int i = 36; i < 48; i++)
    x0 = fminf (x0, lm[i].x), x1 = fmaxf (x1, lm[i].x),
    y0 = fminf (y0, lm[i].y), y1 = fmaxf (y1, lm[i].y);
  float m = 0.25f * (x1 - x0) / 2.0f;
  int bx0 = (int)fmaxf (x0 - m, 0), by0 = (int)fmaxf (y0 - 1.5f * m, 0);
  int bx1 = (int)fminf (x1 + m, (float)crop->width - 1);
  int by1 = (int)fminf (y1 + 1.5f * m, (float)crop->height - 1);
  return (mien_rect){ bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1 };
}

static void
copy_into (mien_image *dst, int dy, const mien_image *src, mien_rect r)
{
  for (int y = 0; y < r.height && dy + y < dst->height; y++)
    memcpy (mien_image_row (dst, dy + y),
            mien_image_row (src, r.y + y) + (size_t)r.x * 3,
            sizeof (float) * 3 * (size_t)(r.width < dst->width ? r.width
                                                               : dst->width));
}

static int n_measured, n_ok, n_left_out, n_shut_read;
static int n_ok_case[N_CASES], n_case[N_CASES], n_dir[N_CASES];
static float worst_err;

static void
measure_face (mien_face_analyzer *fa, mien_generator *rig,
              const mien_image *photo, const mien_face *face,
              const char *name, const char *crops_dir, const char *stem,
              int fi)
{
  mien_error err = { 0 };
  /* The photo's face with its eyes, as mien_face_analyzer_run gives it. */
  mien_face with_eyes = *face;
  memset (with_eyes.eyes, 0, sizeof with_eyes.eyes);
  if (use_iris_model ())
    CHECK (mien_face_analyzer_eyes (fa, photo, face->landmarks,
                                    with_eyes.eyes, &err)
               == MIEN_OK, "%s", err.message);
  face = &with_eyes;
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim != NULL, "%s", err.message);
  if (!anim)
    return;
  const mien_rect *cr = mien_animator_get_crop (anim);
  mien_box box = face->box;
  box.x -= (float)cr->x;
  box.y -= (float)cr->y;
  mien_driving c;
  mien_driving_init (&c);
  const mien_image *crop = NULL;
  CHECK (mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err)
             == MIEN_OK, "%s", err.message);
  mien_face f0;
  mien_iris i0[2];
  int found0 = crop && refit (fa, crop, &box, &f0, i0);
  const mien_iris *photo_iris[2] = { mien_animator_get_iris (anim, 0),
                                     mien_animator_get_iris (anim, 1) };
  mien_image *strip = NULL;
  mien_rect eb = { 0, 0, 0, 0 };
  const int strip_cases[4] = { 0, 3, 4, 7 }; /* h -1, h +1, v -1, v +1 */
  if (found0 && crops_dir)
    {
      eb = eyes_box (f0.landmarks, crop);
      strip = mien_image_new (eb.width, 5 * eb.height, 3, &err);
      if (strip)
        copy_into (strip, 0, crop, eb);
    }
  float moved[N_CASES][2];
  int ok[N_CASES][2], use[2];
  for (int s = 0; s < 2; s++)
    {
      char eye[80];
      snprintf (eye, sizeof eye, "%s %s", name, s ? "L" : "R");
      for (size_t k = 0; use_iris_model ()
                         && k < sizeof shut_eyes / sizeof *shut_eyes; k++)
        if (strcmp (eye, shut_eyes[k]) == 0)
          {
            CHECK (photo_iris[s]->status == MIEN_IRIS_EYE_CLOSED,
                   "%s: shut in the photo, read as %s", eye,
                   mien_iris_status_to_string (photo_iris[s]->status));
            n_shut_read++;
          }
      use[s] = found0 && i0[s].status == MIEN_IRIS_FOUND
               && photo_iris[s]->status == MIEN_IRIS_FOUND;
      if (!use[s])
        {
          printf ("%-12s %s eye left out: %s\n", name, s ? "left" : "right",
                  !found0 ? "face not found again on its own crop"
                  : photo_iris[s]->status != MIEN_IRIS_FOUND
                      ? mien_iris_status_to_string (photo_iris[s]->status)
                      : "no iris fitted on the photo's own crop");
          n_left_out++;
        }
    }
  for (int k = 0; k < N_CASES && (use[0] || use[1]); k++)
    {
      mien_driving_init (&c);
      c.values[MIEN_GAZE_H] = cases[k].h;
      c.values[MIEN_GAZE_V] = cases[k].v;
      CHECK (mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err)
                 == MIEN_OK, "%s", err.message);
      mien_face f1;
      mien_iris i1[2];
      int found1 = refit (fa, crop, &box, &f1, i1);
      for (int s = 0; s < 2; s++)
        {
          moved[k][s] = NAN;
          ok[k][s] = 0;
          if (!use[s])
            continue;
          float h0, v0, h1, v1;
          offset_in_width (&i0[s], &h0, &v0);
          if (found1 && i1[s].status == MIEN_IRIS_FOUND)
            {
              offset_in_width (&i1[s], &h1, &v1);
              moved[k][s] = cases[k].h != 0.0f ? h1 - h0 : v1 - v0;
              if (getenv ("MIEN_GAZE_FIT"))
                printf ("  %s %s h %+.1f v %+.1f: re-found at %+.3f %+.3f "
                        "r/w %.2f (own crop %+.3f %+.3f)\n", name,
                        s ? "L" : "R", (double)cases[k].h,
                        (double)cases[k].v, (double)h1, (double)v1,
                        (double)(i1[s].radius / i1[s].eye_width), (double)h0,
                        (double)v0);
            }
          float asked = cases[k].h != 0.0f ? MIEN_IRIS_GAZE_H * cases[k].h
                                           : MIEN_IRIS_GAZE_V * cases[k].v;
          float e = fabsf (moved[k][s] - asked);
          ok[k][s] = e <= BOUND; /* NaN (not found again): not ok */
          /* The right way by at least half the asked move. */
          n_dir[k] += moved[k][s] * asked >= 0.5f * asked * asked;
          worst_err = fmaxf (worst_err, isnan (e) ? 1.0f : e);
          n_measured++, n_case[k]++;
          n_ok += ok[k][s], n_ok_case[k] += ok[k][s];
        }
      for (int j = 0; j < 4; j++)
        if (strip && strip_cases[j] == k)
          copy_into (strip, (j + 1) * eb.height, crop, eb);
    }
  for (int s = 0; s < 2; s++)
    {
      if (!use[s])
        continue;
      printf ("%-10s %s", name, s ? "L" : "R");
      if (getenv ("MIEN_GAZE_FIT"))
        {
          float ph, pv, ch, cv;
          offset_in_width (photo_iris[s], &ph, &pv);
          offset_in_width (&i0[s], &ch, &cv);
          printf (" [open %.2f edge %.3f contrast %.3f blur %.2f r/w %.2f; "
                  "photo %+.3f %+.3f, own crop %+.3f %+.3f r/w %.2f]",
                  (double)photo_iris[s]->openness,
                  (double)photo_iris[s]->edge,
                  (double)photo_iris[s]->contrast,
                  (double)photo_iris[s]->limbus_blur,
                  (double)(photo_iris[s]->radius / photo_iris[s]->eye_width),
                  (double)ph, (double)pv, (double)ch, (double)cv,
                  (double)(i0[s].radius / i0[s].eye_width));
        }
      for (int k = 0; k < N_CASES; k++)
        printf (" %+6.3f%s", (double)moved[k][s], ok[k][s] ? " " : "*");
      printf ("\n");
    }
  if (strip)
    {
      char path[4096];
      snprintf (path, sizeof path, "%s/gaze-%s-%d.png", crops_dir, stem, fi);
      CHECK (mien_image_save (strip, path, &err) == MIEN_OK, "%s",
             err.message);
      mien_image_free (strip);
    }
  mien_animator_free (anim);
}

/* gaze_h = +1 on the astronaut: both irises to the image's right by
 * MIEN_IRIS_GAZE_H of the width, within the bound; the note is NULL. */
static void
check_astronaut_right (mien_face_analyzer *fa, mien_generator *rig,
                       const mien_image *photo, const mien_face *face)
{
  mien_error err = { 0 };
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim != NULL, "%s", err.message);
  if (!anim)
    return;
  const mien_rect *cr = mien_animator_get_crop (anim);
  mien_box box = face->box;
  box.x -= (float)cr->x;
  box.y -= (float)cr->y;
  mien_driving c;
  mien_driving_init (&c);
  const mien_image *crop;
  CHECK (mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err)
             == MIEN_OK, "%s", err.message);
  mien_face f0, f1;
  mien_iris i0[2], i1[2];
  CHECK (refit (fa, crop, &box, &f0, i0), "astronaut found on its crop");
  c.values[MIEN_GAZE_H] = 1.0f;
  CHECK (mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err)
             == MIEN_OK, "%s", err.message);
  CHECK (mien_animator_get_gaze_note (anim) == NULL, "astronaut: note %s",
         mien_animator_get_gaze_note (anim));
  CHECK (refit (fa, crop, &box, &f1, i1), "astronaut found at gaze_h 1");
  for (int s = 0; s < 2; s++)
    {
      CHECK (i0[s].status == MIEN_IRIS_FOUND && i1[s].status == MIEN_IRIS_FOUND,
             "astronaut side %d: iris %s / %s", s,
             mien_iris_status_to_string (i0[s].status),
             mien_iris_status_to_string (i1[s].status));
      float h0, v0, h1, v1;
      offset_in_width (&i0[s], &h0, &v0);
      offset_in_width (&i1[s], &h1, &v1);
      printf ("astronaut gaze_h +1, side %d: the iris moved %+.3f of the "
              "width (asked %+.3f), across %+.3f\n", s, (double)(h1 - h0),
              (double)MIEN_IRIS_GAZE_H, (double)(v1 - v0));
      CHECK (fabsf (h1 - h0 - MIEN_IRIS_GAZE_H) <= BOUND,
             "astronaut side %d: moved %.3f, asked %.3f", s,
             (double)(h1 - h0), (double)MIEN_IRIS_GAZE_H);
      CHECK (fabsf (v1 - v0) <= BOUND, "astronaut side %d: across %.3f", s,
             (double)(v1 - v0));
    }
  /* The preview's level 1 shows the moved iris as the full frame,
   * area-averaged, does (the eyes' box, mean over the pixels). */
  if (mien_animator_get_n_levels (anim) > 1)
    {
      mien_image *full = mien_image_copy (crop, &err);
      mien_level_size l1 = mien_animator_get_level_size (anim, 1);
      mien_image *avg = mien_image_new (l1.width, l1.height, 3, &err);
      CHECK (full && avg
                 && mien_downsample_area (full, avg, NULL, &err) == MIEN_OK,
             "%s", err.message);
      const mien_image *lev = NULL;
      CHECK (mien_animator_render_preview (anim, rig, &c, 1, NULL, &lev, &err)
                 == MIEN_OK, "%s", err.message);
      /* And the level without gaze, for the size of the change. */
      mien_driving c0;
      mien_driving_init (&c0);
      mien_image *lev_gaze = lev ? mien_image_copy (lev, &err) : NULL;
      CHECK (mien_animator_render_preview (anim, rig, &c0, 1, NULL, &lev,
                                           &err) == MIEN_OK, "%s",
             err.message);
      float k = (float)l1.width / (float)cr->width;
      mien_point lm[MIEN_N_LANDMARKS];
      for (int i = 0; i < MIEN_N_LANDMARKS; i++)
        lm[i] = (mien_point){ f0.landmarks[i].x * k, f0.landmarks[i].y * k };
      mien_rect r = eyes_box (lm, avg);
      double d_full = 0, d_none = 0;
      for (int y = r.y; lev_gaze && y < r.y + r.height; y++)
        for (int x = r.x; x < r.x + r.width; x++)
          for (int ch = 0; ch < 3; ch++)
            {
              float a = mien_image_row (avg, y)[3 * x + ch];
              d_full += fabsf (mien_image_row (lev_gaze, y)[3 * x + ch] - a);
              d_none += fabsf (mien_image_row (lev, y)[3 * x + ch] - a);
            }
      printf ("preview level 1, eyes' box: mean |level − full frame "
              "area-averaged| %.4f with gaze, %.4f without\n",
              d_full / (3.0 * r.width * r.height),
              d_none / (3.0 * r.width * r.height));
      CHECK (d_full < 0.5 * d_none, "preview level 1 shows the moved iris "
             "(%.4f against %.4f)", d_full, d_none);
      mien_image_free (lev_gaze);
      mien_image_free (full);
      mien_image_free (avg);
    }
  mien_animator_free (anim);
}

/* A clip to gaze_h = +1: field scaling (the target's field scaled by α)
 * ends on the same frame as driving interpolation, so the scaled field
 * does not shift the eye region on top of the iris move. */
static void
check_clip_modes (mien_generator *rig, const mien_image *photo,
                  const mien_face *face)
{
  mien_error err = { 0 };
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim != NULL, "%s", err.message);
  if (!anim)
    return;
  mien_driving target;
  mien_driving_init (&target);
  target.values[MIEN_GAZE_H] = 1.0f;
  target.values[MIEN_AU12] = 3.0f; /* a field besides gaze */
  mien_timeline *tl = mien_clip_default_timeline (&target, 1.0, 0, &err);
  CHECK (tl != NULL, "%s", err.message);
  mien_image *ends[2] = { NULL, NULL };
  for (int mode = 0; tl && mode < 2; mode++)
    {
      mien_clip *clip = mien_clip_new (anim, rig, tl, (mien_interpolation)mode,
                                       &err);
      CHECK (clip != NULL, "%s", err.message);
      const mien_image *crop = NULL;
      if (clip
          && mien_clip_render (clip, 1.0, NULL, &crop, NULL, &err) == MIEN_OK)
        ends[mode] = mien_image_copy (crop, &err);
      CHECK (ends[mode] != NULL, "clip mode %d: %s", mode, err.message);
      mien_clip_free (clip);
    }
  if (ends[0] && ends[1])
    {
      float worst = 0.0f;
      for (size_t i = 0; i < mien_image_n_floats (ends[0]); i++)
        worst = fmaxf (worst, fabsf (ends[0]->data[i] - ends[1]->data[i]));
      printf ("clip to gaze_h +1 and AU12 3: driving and field interpolation "
              "end %.2g apart\n", (double)worst);
      CHECK (worst < 1e-4f, "clip modes end %g apart", (double)worst);
    }
  mien_image_free (ends[0]);
  mien_image_free (ends[1]);
  mien_timeline_free (tl);
  mien_animator_free (anim);
}

/* The photo's eyes shut (upper lid points moved onto the lower lid): gaze
 * does nothing, bit for bit, and says so; one eye shut: the other moves
 * and the note names the shut one. */
static void
check_eyes_closed (mien_generator *rig, const mien_image *photo,
                   const mien_face *face)
{
  for (int n_shut = 1; n_shut <= 2; n_shut++)
    {
      mien_face shut = *face;
      for (int side = 0; side < n_shut; side++)
        {
          int e0 = side ? 42 : 36;
          mien_point *lm = shut.landmarks;
          float w = hypotf (lm[e0 + 3].x - lm[e0].x, lm[e0 + 3].y - lm[e0].y);
          lm[e0 + 1] = (mien_point){ lm[e0 + 5].x, lm[e0 + 5].y - 0.05f * w };
          lm[e0 + 2] = (mien_point){ lm[e0 + 4].x, lm[e0 + 4].y - 0.05f * w };
        }
      mien_error err = { 0 };
      mien_animator *anim = mien_animator_new (photo, &shut,
                                               MIEN_RESWARP_VANILLA, NULL,
                                               &err);
      CHECK (anim != NULL, "%s", err.message);
      if (!anim)
        return;
      /* The frame without gaze (the shut lids' landmarks alone may make
       * the rig's eyelid field move a little): gaze must add nothing to
       * it. */
      mien_image *frame = mien_image_copy (photo, &err);
      mien_image *still = mien_image_copy (photo, &err);
      mien_driving c;
      mien_driving_init (&c);
      CHECK (mien_animator_render (anim, rig, &c, still, NULL, &err)
                 == MIEN_OK, "%s", err.message);
      mien_animator_restore (anim, frame, NULL);
      c.values[MIEN_GAZE_H] = 1.0f;
      c.values[MIEN_GAZE_V] = -1.0f;
      mien_rect pasted;
      CHECK (mien_animator_render (anim, rig, &c, frame, &pasted, &err)
                 == MIEN_OK, "%s", err.message);
      const char *note = mien_animator_get_gaze_note (anim);
      printf ("%d eye(s) shut: %s; pasted %d×%d\n", n_shut,
              note ? note : "(no note)", pasted.width, pasted.height);
      CHECK (mien_animator_get_iris (anim, 0)->status == MIEN_IRIS_EYE_CLOSED,
             "shut right eye: %s",
             mien_iris_status_to_string (
                 mien_animator_get_iris (anim, 0)->status));
      if (n_shut == 2)
        {
          CHECK (mien_test_images_equal (frame, still),
                 "both eyes shut: gaze changed the frame");
          CHECK (note && strstr (note, "does nothing")
                     && strstr (note, "shut"), "note: %s", note);
        }
      else
        {
          CHECK (!mien_test_images_equal (frame, still),
                 "one eye shut: the open one did not move");
          CHECK (note && strstr (note, "right eye: eye closed"), "note: %s",
                 note);
          /* Only the open (left) eye changed: nothing left of the nose. */
          float mid = shut.landmarks[27].x;
          int left_changed = 0;
          for (int y = pasted.y; y < pasted.y + pasted.height; y++)
            for (int x = pasted.x; x < (int)mid && x < pasted.x + pasted.width;
                 x++)
              for (int ch = 0; ch < photo->channels; ch++)
                left_changed
                    += mien_image_row (frame, y)[x * photo->channels + ch]
                       != mien_image_row (still, y)[x * photo->channels + ch];
          CHECK (left_changed == 0, "the shut eye's side changed (%d values)",
                 left_changed);
        }
      mien_image_free (frame);
      mien_image_free (still);
      mien_animator_free (anim);
    }
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  const char *crops_dir = getenv ("MIEN_GAZE_CROPS");
  char path[4096], models[4096];
  snprintf (models, sizeof models, "%s/data/models/face-api", root);
  mien_error err = { 0 };
  mien_image *astronaut = mien_test_sample_photo (root, "astronaut");
  if (!astronaut)
    {
      printf ("SKIP: data/samples/astronaut.png missing (scripts/setup.sh "
              "fetches it)\n");
      return 77;
    }
  mien_face_analyzer *fa = mien_face_analyzer_new (models, NULL, &err);
  if (!fa)
    {
      printf ("SKIP: face models: %s\n", err.message);
      mien_image_free (astronaut);
      return 77;
    }
  mien_generator *rig = mien_rig_new (&err);
  CHECK (rig != NULL, "%s", err.message);

  printf ("moved: the re-found iris's move in fractions of the eye's width "
          "(* : off the asked MIEN_IRIS_GAZE_H/V · gaze by more than "
          "%.2f)\n%-12s", (double)BOUND, "face eye");
  for (int k = 0; k < N_CASES; k++)
    printf (" %s%+4.1f ", cases[k].h != 0.0f ? "h" : "v",
            (double)(cases[k].h != 0.0f ? cases[k].h : cases[k].v));
  printf ("\n");
  for (int s = 0; s < N_STEMS; s++)
    {
      mien_image *photo = s == 0 ? astronaut : mien_test_sample_photo (root, stems[s]);
      if (!photo)
        {
          printf ("%s: photo missing, skipped\n", stems[s]);
          continue;
        }
      mien_landmark_file lf;
      snprintf (path, sizeof path, "%s/tests/data/landmarks/%s.json", root,
                stems[s]);
      CHECK (mien_landmark_file_load (path, &lf, &err) == MIEN_OK, "%s",
             err.message);
      for (int fi = 0; fi < lf.n_faces; fi++)
        {
          char name[64];
          snprintf (name, sizeof name, "%s/%d", stems[s], fi);
          /* MIEN_GAZE_ONLY=STEM/FACE[,...]: only those faces (a quick
           * look while working on the fit). */
          const char *only = getenv ("MIEN_GAZE_ONLY");
          if (only && !strstr (only, name))
            continue;
          measure_face (fa, rig, photo, &lf.faces[fi], name, crops_dir,
                        stems[s], fi);
        }
      if (s == 0 && lf.n_faces > 0)
        {
          check_astronaut_right (fa, rig, photo, &lf.faces[0]);
          check_eyes_closed (rig, photo, &lf.faces[0]);
          check_clip_modes (rig, photo, &lf.faces[0]);
        }
      mien_landmark_file_clear (&lf);
      if (s != 0)
        mien_image_free (photo);
    }
  printf ("per case, eyes within %.2f of the width:", (double)BOUND);
  for (int k = 0; k < N_CASES; k++)
    printf (" %s%+.1f %d/%d", cases[k].h != 0.0f ? "h" : "v",
            (double)(cases[k].h != 0.0f ? cases[k].h : cases[k].v),
            n_ok_case[k], n_case[k]);
  printf ("\nper case, eyes moved the right way by half the asked move or "
          "more:");
  for (int k = 0; k < N_CASES; k++)
    printf (" %s%+.1f %d/%d", cases[k].h != 0.0f ? "h" : "v",
            (double)(cases[k].h != 0.0f ? cases[k].h : cases[k].v),
            n_dir[k], n_case[k]);
  printf ("\n%d of %d (eye, gaze) cases within %.2f of the width, worst "
          "error %.3f; %d eyes left out\n", n_ok, n_measured, (double)BOUND,
          (double)worst_err, n_left_out);
  int all = getenv ("MIEN_GAZE_ONLY") == NULL;
  CHECK (!all || n_measured >= 100, "too few eyes measured (%d cases)",
         n_measured);
  CHECK (!all || n_ok >= MIN_OK_SHARE * (float)n_measured,
         "%d of %d within the bound (recorded share %.2f)", n_ok, n_measured,
         (double)MIN_OK_SHARE);
  int min_ok = use_iris_model () ? MIN_OK : MIN_OK_CLASSICAL;
  CHECK (!all || n_ok >= min_ok, "%d of %d within the bound (recorded: %d "
         "or more)", n_ok, n_measured, min_ok);
  CHECK (!all || !use_iris_model ()
             || n_shut_read == (int)(sizeof shut_eyes / sizeof *shut_eyes),
         "%d of the shut eyes looked at", n_shut_read);
  mien_image_free (astronaut);
  mien_generator_free (rig);
  mien_face_analyzer_free (fa);
  return mien_test_exit_code ();
}
