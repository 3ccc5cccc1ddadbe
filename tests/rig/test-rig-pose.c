/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Head pose (issue #24, engine/rig/rig-pose.c) on the astronaut's fixture
 * landmarks:
 *   - the channels are in the table (yaw, pitch, roll; ±20°, the "head"
 *     region) and --pose's parser takes only them;
 *   - at 0° the field is bit for bit the expression's alone;
 *   - yaw ±15 turns the face the right way (the nose tip goes to +x for +,
 *     farther than the ear-side contour: a turn, not a shift), pitch +15
 *     raises the nose, roll +15 moves the forehead to +x and the chin to −x;
 *   - ±yaw are antisymmetric: the nose tip's motions are opposite within
 *     15 % of their size;
 *   - no fold at ±20 on each axis and at (20, 20, 20): the guard leaves the
 *     field alone (alpha 1) and the min Jacobian is > 0;
 *   - the field is exactly 0 outside the head's region (with a pose, and
 *     for expressions alone: a wide-open jaw, brows and smile), and the photo
 *     beyond the region plus a margin of 3 % of the face's width is the
 *     input bit for bit after ResWarp (the animator's full frame).
 *   - a photo turned far: the yaw is limited so that photo and turn stay
 *     within ±45° (synthetic profiles at ±35°, ±50°).
 * Skips (77) without the photo. */
#include "mien-field.h"
#include "mien-test-matte.h"
#include "rig-astronaut.h"
#include "rig/rig-private.h" /* rig_face_shape, for a synthetic profile */

#include <time.h>

/* The person matte for the faces, as the app's faces have it (NULL without
 * the face models: the region is then the fitted head's). */
static mien_face_analyzer *matte_fa;

/* Gives face `face` of r its person matte and makes its animator again,
 * with the matte handed to the generator (astronaut_rig_generate runs the
 * generator without the animator). */
static void
use_matte (astronaut_rig *r, int face)
{
  mien_error err = { 0 };
  if (!matte_fa
      || mien_face_analyzer_head (matte_fa, r->photo, r->lf.faces[face].landmarks,
                                  &r->lf.faces[face].head, &err)
             != MIEN_OK
      || !r->lf.faces[face].head.ok)
    return;
  mien_animator_free (r->anim);
  r->anim = mien_animator_new (r->photo, &r->lf.faces[face],
                               MIEN_RESWARP_MULTISCALE, NULL, &err);
  CHECK (r->anim != NULL, "%s", err.message);
  if (!r->anim)
    exit (mien_test_exit_code ());
  r->lm = mien_animator_get_grid_landmarks (r->anim);
  CHECK (mien_animator_get_grid_matte (r->anim) != NULL, "the matte reaches "
         "the animator");
  mien_generator_set_head_matte (r->gen, mien_animator_get_grid_matte (r->anim),
                                 MIEN_LOW_RES, MIEN_LOW_RES);
}

static mien_point
motion_at (astronaut_rig *r, int idx)
{
  return rig_motion_of (r->g.field, r->lm[idx]);
}

static int
outside_is_zero (astronaut_rig *r, const char *what)
{
  int w, h;
  const float *bound = mien_rig_get_head_bound (r->gen, &w, &h);
  const float *region = mien_rig_get_head_region (r->gen, NULL, NULL);
  CHECK (bound && region, "%s: the rig has a head region", what);
  if (!bound || !region)
    return 0;
  int bad = 0, inside = 0;
  for (int p = 0; p < w * h; p++)
    {
      inside += region[p] > 0.0f;
      if (bound[p] == 0.0f
          && (r->g.field->data[2 * p] != 0.0f || r->g.field->data[2 * p + 1] != 0.0f))
        bad++;
    }
  CHECK (bad == 0, "%s: %d grid nodes outside the head's bound move", what, bad);
  CHECK (inside > w * h / 20 && inside < w * h * 3 / 4,
         "%s: the region covers %d of %d nodes", what, inside, w * h);
  return bad == 0;
}

static void
check_no_fold (astronaut_rig *r, const char *spec, float min_alpha,
               int outside_zero)
{
  astronaut_rig_generate (r, spec);
  mien_rig_stats st;
  CHECK (mien_rig_get_stats (r->gen, &st), "a rig");
  printf ("%-24s alpha %.3f, min Jacobian %.3f, max |F| %.2f px\n", spec,
          st.fold_alpha, st.min_jacobian, st.max_displacement);
  CHECK (st.fold_alpha >= min_alpha, "%s: the guards scaled the turn by %.3f",
         spec, st.fold_alpha);
  CHECK (mien_field_min_jacobian (r->g.field) > 0.0f, "%s: min Jacobian %.3f",
         spec, mien_field_min_jacobian (r->g.field));
  if (outside_zero)
    outside_is_zero (r, spec);
}

/* The distance in grid cells from grid point g to the nearest node of map
 * within reach cells (1e9 where none). */
static float
nearest_node (const float *map, int w, int h, mien_point g, int reach)
{
  float best = 1e9f;
  int gx0 = (int)floorf (g.x), gy0 = (int)floorf (g.y);
  for (int j = gy0 - reach; j <= gy0 + reach + 1; j++)
    for (int i = gx0 - reach; i <= gx0 + reach + 1; i++)
      if (i >= 0 && j >= 0 && i < w && j < h && map[j * w + i] > 0.0f)
        best = fminf (best, hypotf ((float)i - g.x, (float)j - g.y));
  return best;
}

/* The full frame after ResWarp against the photo:
 * - beyond the head's bound (the region, and with the person matte the
 *   jaw's room and the margin where the fields fade) grown by 3 % of the
 *   face's width (jaw end to jaw end): bit for bit;
 * - beyond the region itself grown by the same 3 % (issue #24's bar):
 *   every pixel that differs from the photo shows the head, i.e. the
 *   field reads it from within 1.5 cells of a region node (a dropped jaw
 *   covers the collar beyond the region); background that shows
 *   background is the photo bit for bit, not bent.
 * Also prints how far beyond the region the farthest changed pixel lies,
 * and the farthest one showing background. */
static void
check_background (astronaut_rig *r, int face_index, const char *spec)
{
  mien_error err = { 0 };
  mien_driving c;
  mien_driving_init (&c);
  CHECK (mien_driving_parse (&c, spec, &err) == MIEN_OK, "%s", err.message);
  mien_image *frame = mien_image_copy (r->photo, &err);
  CHECK (frame && mien_animator_render (r->anim, r->gen, &c, frame, NULL, &err)
             == MIEN_OK, "%s: %s", spec, err.message);
  int w, h;
  const float *bound = mien_rig_get_head_bound (r->gen, &w, &h);
  const float *region = mien_rig_get_head_region (r->gen, NULL, NULL);
  if (!frame || !bound || !region)
    {
      mien_image_free (frame);
      return;
    }
  const mien_face *face = &r->lf.faces[face_index];
  float face_w = hypotf (face->landmarks[16].x - face->landmarks[0].x,
                         face->landmarks[16].y - face->landmarks[0].y);
  mien_rect crop = *mien_animator_get_crop (r->anim);
  float margin = 0.03f * face_w; /* photo pixels */
  float cell = (float)crop.width / (float)w;
  int reach = (int)ceilf (margin / cell) + 2;
  int changed = 0, checked = 0, moved_inside = 0, bent = 0;
  float max_diff = 0.0f, beyond_region = 0.0f, bent_reach = 0.0f;
  const mien_image *field = mien_animator_get_output (r->anim)->field;
  for (int y = 0; y < frame->height; y++)
    for (int x = 0; x < frame->width; x++)
      {
        /* The distance to the nearest bound node, in photo pixels (the
         * bound's own nodes count as their cell's centre). */
        mien_point g = mien_headshot_to_grid (&crop, w, (mien_point){ x + 0.5f, y + 0.5f });
        float best = nearest_node (bound, w, h, g, reach) * cell;
        const float *a = mien_image_row (frame, y) + (size_t)x * frame->channels;
        const float *b = mien_image_row (r->photo, y) + (size_t)x * r->photo->channels;
        int same = memcmp (a, b, sizeof (float) * 3) == 0;
        float diff = 0.0f;
        for (int k = 0; k < 3; k++)
          diff = fmaxf (diff, fabsf (a[k] - b[k]));
        if (best > margin)
          checked++, changed += !same, max_diff = fmaxf (max_diff, diff);
        else
          moved_inside += diff > 1e-3f;
        if (same)
          continue;
        float d = nearest_node (region, w, h, g, 2) * cell;
        if (d > cell)
          d = nearest_node (region, w, h, g, 32) * cell;
        if (diff > 0.5f / 255.0f)
          beyond_region = fmaxf (beyond_region, d);
        if (d > margin)
          {
            float f[2];
            mien_image_sample_bilinear (field, g.x, g.y, f);
            mien_point q = { g.x + f[0], g.y + f[1] };
            if (nearest_node (region, w, h, q, 2) >= 1.5f)
              bent++, bent_reach = fmaxf (bent_reach, d);
          }
      }
  printf ("%-24s %d of %d photo pixels beyond the bound + %.1f px differ "
          "(by at most %.2g); %d inside moved; the farthest pixel changed by "
          "half a level or more %.1f px (%.1f %% of the face's width) from "
          "the region; %d pixels showing background changed beyond the "
          "region's margin (the farthest %.1f px)\n",
          spec, changed, checked, margin, max_diff, moved_inside,
          beyond_region, 100.0f * beyond_region / face_w, bent, bent_reach);
  CHECK (bent == 0,
         "%s: %d pixels of background beyond the region's margin changed "
         "(as far as %.1f px from it)", spec, bent, bent_reach);
  CHECK (checked > 0 && changed == 0,
         "%s: %d pixels beyond the bound's margin changed (by up to %.3g)",
         spec, changed, max_diff);
  CHECK (moved_inside > 1000, "%s: the head moved (%d pixels)", spec,
         moved_inside);
  mien_image_free (frame);
}

/* The "the jaw no longer bends the background": on the sample
 * faces turned furthest (fixture landmarks; skipped without the photos), a
 * wide-open jaw leaves the photo bit for bit beyond the head's region and
 * its margin, and moves nothing outside the region. */
static void
check_turned_faces (void)
{
  static const struct { const char *stem; int face; } turned[] = {
    { "sample1", 0 }, { "sample2", 0 }, { "sample5", 1 }, { "sample5", 2 },
  };
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  for (size_t k = 0; k < sizeof turned / sizeof *turned; k++)
    {
      char path[4096];
      mien_error err = { 0 };
      astronaut_rig r;
      memset (&r, 0, sizeof r);
      snprintf (path, sizeof path, "%s/data/samples/%s.jpg", root,
                turned[k].stem);
      r.photo = mien_image_load (path, &err);
      if (!r.photo)
        {
          printf ("skip %s: %s\n", turned[k].stem, err.message);
          continue;
        }
      snprintf (path, sizeof path, "%s/tests/data/landmarks/%s.json", root,
                turned[k].stem);
      CHECK (mien_landmark_file_load (path, &r.lf, &err) == MIEN_OK, "%s",
             err.message);
      CHECK (r.lf.n_faces > turned[k].face, "%s has face %d", turned[k].stem,
             turned[k].face);
      if (r.lf.n_faces > turned[k].face)
        {
          r.anim = mien_animator_new (r.photo, &r.lf.faces[turned[k].face],
                                      MIEN_RESWARP_MULTISCALE, NULL, &err);
          r.gen = mien_rig_new (&err);
          CHECK (r.anim && r.gen
                     && mien_generator_output_init (&r.g, MIEN_LOW_RES,
                                                    MIEN_LOW_RES, 3, &err)
                            == MIEN_OK,
                 "%s", err.message);
          if (r.anim && r.gen)
            {
              r.lm = mien_animator_get_grid_landmarks (r.anim);
              use_matte (&r, turned[k].face);
              char what[64];
              snprintf (what, sizeof what, "%s/%d 25=5,26=5", turned[k].stem,
                        turned[k].face);
              /* The first call fits the head and builds its maps (once per
               * photo, at 128² whatever the photo's size); the second
               * finds them cached. Timings are printed, not checked. */
              struct timespec t0, t1, t2;
              clock_gettime (CLOCK_MONOTONIC, &t0);
              astronaut_rig_generate (&r, "25=5,26=5");
              clock_gettime (CLOCK_MONOTONIC, &t1);
              astronaut_rig_generate (&r, "25=5,26=5");
              clock_gettime (CLOCK_MONOTONIC, &t2);
              printf ("%-24s first frame %.1f ms (the head's fit and maps), "
                      "next %.1f ms\n", what,
                      1e3 * (t1.tv_sec - t0.tv_sec) + 1e-6 * (t1.tv_nsec - t0.tv_nsec),
                      1e3 * (t2.tv_sec - t1.tv_sec) + 1e-6 * (t2.tv_nsec - t1.tv_nsec));
              outside_is_zero (&r, what);
              check_background (&r, turned[k].face, "25=5,26=5");
            }
        }
      astronaut_rig_close (&r);
    }
}

/* Bad input: a face the photo shows turned 35° or 50° (the generic shape
 * projected at that yaw onto the astronaut's grid). The turn is limited so
 * that photo and turn stay within ±45°, and never reversed: from 50°, yaw
 * +20 does nothing and yaw -20 turns back in full; from 35°, +20 turns by
 * 10. */
static void
check_profile (astronaut_rig *r)
{
  static const struct { float photo, ask, want; } cases[] = {
    { 50, 20, 0 }, { 50, -20, -20 }, { 35, 20, 10 }, { -50, -15, 0 },
  };
  for (size_t k = 0; k < sizeof cases / sizeof *cases; k++)
    {
      mien_point lm[MIEN_N_LANDMARKS];
      float a = cases[k].photo * (float)(M_PI / 180.0);
      for (int i = 0; i < MIEN_N_LANDMARKS; i++)
        {
          const float *X = rig_face_shape[i];
          lm[i] = (mien_point){ 64.0f + 24.0f * (cosf (a) * X[0] + sinf (a) * X[2]),
                                58.0f + 24.0f * X[1] };
        }
      mien_driving c;
      mien_driving_init (&c);
      c.values[MIEN_HEAD_YAW] = cases[k].ask;
      mien_error err = { 0 };
      CHECK (mien_generator_generate (r->gen, mien_animator_get_low (r->anim),
                                      &c, lm, &r->g, NULL, &err) == MIEN_OK,
             "%s", err.message);
      mien_rig_stats st;
      mien_rig_get_stats (r->gen, &st);
      printf ("profile %+.0f°, yaw %+.0f: photo yaw %+.1f, turned %+.1f, "
              "min Jacobian %.3f\n", cases[k].photo, cases[k].ask,
              st.photo_yaw, st.yaw_used, st.min_jacobian);
      CHECK (fabsf (st.photo_yaw - cases[k].photo) < 1.0f,
             "the fit finds the profile's yaw %.0f (%.1f)", cases[k].photo,
             st.photo_yaw);
      CHECK (fabsf (st.yaw_used - cases[k].want) < 1.0f,
             "photo %.0f, yaw %.0f: turned by %.1f, want %.0f", cases[k].photo,
             cases[k].ask, st.yaw_used, cases[k].want);
      CHECK (st.min_jacobian > 0.0f, "no fold (%.3f)", st.min_jacobian);
    }
}

int
main (void)
{
  const char *names[3] = { "yaw", "pitch", "roll" };
  for (int k = 0; k < 3; k++)
    {
      int ch = mien_au_channel_from_name (names[k]);
      CHECK (ch == MIEN_HEAD_YAW + k, "%s is channel %d (%d)", names[k],
             MIEN_HEAD_YAW + k, ch);
      if (ch < 0)
        return mien_test_exit_code ();
      const mien_au_info *in = &mien_au_channels[ch];
      CHECK (in->region == MIEN_AU_REGION_HEAD && in->min == -20.0f
                 && in->max == 20.0f && in->facs_number == 0,
             "%s: head region, -20 … 20", names[k]);
    }
  mien_driving c;
  mien_error err = { 0 };
  mien_driving_init (&c);
  CHECK (mien_driving_parse_pose (&c, "yaw=15,pitch=-5,roll=3", &err) == MIEN_OK
             && c.values[MIEN_HEAD_YAW] == 15.0f
             && c.values[MIEN_HEAD_PITCH] == -5.0f
             && c.values[MIEN_HEAD_ROLL] == 3.0f,
         "--pose's spec: %s", err.message);
  CHECK (mien_driving_parse_pose (&c, "yaw=5,12=3", &err) != MIEN_OK,
         "--pose refuses an AU");
  c.values[MIEN_HEAD_YAW] = 35.0f;
  CHECK (mien_driving_clamp (&c) == 1 && c.values[MIEN_HEAD_YAW] == 20.0f,
         "yaw 35 clamps to 20");

  astronaut_rig r;
  int skip = astronaut_rig_open (&r);
  if (skip)
    return skip;
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  matte_fa = mien_test_matte_analyzer (root ? root : ".");
  use_matte (&r, 0);

  /* 0°: the expression's field, bit for bit. */
  astronaut_rig_generate (&r, "12=4,6=2");
  mien_image *smile = mien_image_copy (r.g.field, &err);
  astronaut_rig_generate (&r, "12=4,6=2,yaw=0,pitch=0,roll=0");
  CHECK (smile && memcmp (smile->data, r.g.field->data,
                          sizeof (float) * mien_image_n_floats (smile)) == 0,
         "pose 0: the field is the expression's, bit for bit");
  mien_image_free (smile);

  /* Directions. */
  astronaut_rig_generate (&r, "yaw=15");
  mien_point nose_p = motion_at (&r, 30), ear_p = motion_at (&r, 0);
  astronaut_rig_generate (&r, "yaw=-15");
  mien_point nose_m = motion_at (&r, 30);
  printf ("yaw ±15: nose tip %+.2f / %+.2f px, contour 0 %+.2f px\n",
          nose_p.x, nose_m.x, ear_p.x);
  CHECK (nose_p.x > 1.5f && nose_p.x > ear_p.x + 1.0f,
         "yaw +15: the nose tip goes right (%.2f px), more than the contour "
         "(%.2f)", nose_p.x, ear_p.x);
  CHECK (nose_m.x < -1.5f, "yaw -15: the nose tip goes left (%.2f)", nose_m.x);
  CHECK (fabsf (nose_p.x + nose_m.x) < 0.15f * fabsf (nose_p.x)
             && fabsf (nose_p.y + nose_m.y) < 0.15f * fabsf (nose_p.x),
         "±yaw antisymmetric at the nose tip: (%.2f, %.2f) vs (%.2f, %.2f)",
         nose_p.x, nose_p.y, nose_m.x, nose_m.y);
  astronaut_rig_generate (&r, "pitch=15");
  mien_point nose_up = motion_at (&r, 30);
  CHECK (nose_up.y < -1.0f, "pitch +15: the nose goes up (%.2f px)",
         nose_up.y);
  astronaut_rig_generate (&r, "roll=15");
  mien_point brow = motion_at (&r, 27), chin = motion_at (&r, 8);
  CHECK (brow.x > 0.5f && brow.x > chin.x + 0.5f,
         "roll +15: the top of the face goes right (%.2f px), the chin less "
         "(%.2f)", brow.x, chin.x);

  /* No fold, exactly 0 outside. */
  /* One axis at a time the turn needs no guard; all three at 20 (a 35°
   * turn) may be shrunk, but by half at most. */
  const char *specs[] = { "yaw=20", "yaw=-20", "pitch=20", "pitch=-20",
                          "roll=20", "roll=-20" };
  for (size_t i = 0; i < sizeof specs / sizeof *specs; i++)
    check_no_fold (&r, specs[i], 1.0f, 1);
  check_no_fold (&r, "yaw=20,pitch=20,roll=20", 0.5f, 1);
  check_no_fold (&r, "yaw=-20,pitch=-20,roll=-20", 0.5f, 1);
  /* A smile and an open jaw on a turned head, and expressions alone: the
   * head's region bounds the expression's field too. */
  check_no_fold (&r, "yaw=15,12=5,6=5,26=3", 1.0f, 1);
  /* (the guard scales this wide-open AU27 jaw by 0.373 with or without
   * the region) */
  check_no_fold (&r, "26=5,25=5,27=5", 0.0f, 1);
  check_no_fold (&r, "1=5,2=5,4=5,12=5,20=5", 1.0f, 1);
  check_background (&r, 0, "26=5,25=5,27=5");

  check_background (&r, 0, "yaw=20");
  check_background (&r, 0, "pitch=-20,roll=15");
  check_profile (&r);
  astronaut_rig_close (&r);
  check_turned_faces ();
  mien_face_analyzer_free (matte_fa);
  return mien_test_exit_code ();
}
