/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Gaze on a photo whose eyes are shut (issue #25, bad input): the rig has
 * no iris to turn there, and moving the closed lid would smear the lashes,
 * so gaze leaves a shut eye alone and says so (mien_rig_stats.
 * gaze_shut_eyes). On the astronaut's fixture landmarks with the upper lid
 * points moved down onto the lower lid (openness under 0.12 of the eye's
 * width):
 *   - both eyes shut: the field of gaze_h = 1, gaze_v = -1 is bit for bit
 *     the field without gaze, and the rig reports 2 shut eyes;
 *   - one eye shut: the open eye still turns (the field differs there),
 *     the shut one does not, and the rig reports 1;
 *   - eyes open: gaze moves both and the rig reports 0; without gaze it
 *     reports 0 even for shut eyes (nothing was asked).
 * Skips (77) without the photo. */
#include "rig-astronaut.h"

static void
shut_eye (mien_point *lm, int side, float openness)
{
  int e0 = side ? 42 : 36;
  float w = hypotf (lm[e0 + 3].x - lm[e0].x, lm[e0 + 3].y - lm[e0].y);
  /* Upper lid points (e0+1, e0+2) just above the lower ones (e0+5, e0+4). */
  lm[e0 + 1] = (mien_point){ lm[e0 + 5].x, lm[e0 + 5].y - openness * w };
  lm[e0 + 2] = (mien_point){ lm[e0 + 4].x, lm[e0 + 4].y - openness * w };
}

static mien_image *
field_of (astronaut_rig *r, const mien_point *lm, const char *aus,
          int *shut)
{
  mien_error err = { 0 };
  mien_driving c;
  mien_driving_init (&c);
  CHECK (mien_driving_parse (&c, aus, &err) == MIEN_OK, "%s", err.message);
  CHECK (mien_generator_generate (r->gen, mien_animator_get_low (r->anim), &c,
                                  lm, &r->g, NULL, &err) == MIEN_OK,
         "%s", err.message);
  mien_rig_stats st;
  CHECK (mien_rig_get_stats (r->gen, &st), "a rig");
  *shut = st.gaze_shut_eyes;
  return mien_image_copy (r->g.field, NULL);
}

/* Largest |difference| of two fields within 0.6 iod of an eye's centre. */
static float
diff_near_eye (const mien_image *a, const mien_image *b, const mien_point *lm,
               int side)
{
  int e0 = side ? 42 : 36;
  float cx = 0.5f * (lm[e0].x + lm[e0 + 3].x);
  float cy = 0.5f * (lm[e0].y + lm[e0 + 3].y);
  float iod = hypotf (lm[45].x - lm[36].x, lm[45].y - lm[36].y) * 0.8f;
  float worst = 0.0f;
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      {
        if (hypotf ((float)x - cx, (float)y - cy) > 0.6f * iod)
          continue;
        for (int k = 0; k < 2; k++)
          worst = fmaxf (worst, fabsf (mien_image_row (a, y)[2 * x + k]
                                       - mien_image_row (b, y)[2 * x + k]));
      }
  return worst;
}

int
main (void)
{
  astronaut_rig r;
  int skip = astronaut_rig_open (&r);
  if (skip)
    return skip;
  mien_point open[MIEN_N_LANDMARKS], both[MIEN_N_LANDMARKS],
      one[MIEN_N_LANDMARKS];
  memcpy (open, r.lm, sizeof open);
  memcpy (both, r.lm, sizeof both);
  shut_eye (both, 0, 0.05f);
  shut_eye (both, 1, 0.05f);
  memcpy (one, r.lm, sizeof one);
  shut_eye (one, 1, 0.05f); /* the subject's left eye, image right */

  const char *gaze = "gaze_h=1,gaze_v=-1";
  int n0, n1;
  mien_image *still = field_of (&r, open, "gaze_h=0", &n0);
  mien_image *moved = field_of (&r, open, gaze, &n1);
  float d[2] = { diff_near_eye (still, moved, open, 0),
                 diff_near_eye (still, moved, open, 1) };
  printf ("open eyes: gaze moves the field by %.2f, %.2f px; shut eyes "
          "reported %d\n", (double)d[0], (double)d[1], n1);
  CHECK (d[0] > 0.3f && d[1] > 0.3f && n1 == 0 && n0 == 0,
         "open eyes turn, none reported shut");
  mien_image_free (still);
  mien_image_free (moved);

  still = field_of (&r, both, "gaze_h=0", &n0);
  moved = field_of (&r, both, gaze, &n1);
  size_t n = mien_image_n_floats (still);
  CHECK (memcmp (still->data, moved->data, n * sizeof (float)) == 0,
         "both eyes shut: gaze changed the field (%.3g px near the eyes)",
         (double)fmaxf (diff_near_eye (still, moved, both, 0),
                        diff_near_eye (still, moved, both, 1)));
  printf ("both eyes shut: shut eyes reported %d (without gaze %d)\n", n1, n0);
  CHECK (n1 == 2 && n0 == 0, "reported %d with gaze, %d without", n1, n0);
  mien_image_free (still);
  mien_image_free (moved);

  still = field_of (&r, one, "gaze_h=0", &n0);
  moved = field_of (&r, one, gaze, &n1);
  d[0] = diff_near_eye (still, moved, one, 0);
  d[1] = diff_near_eye (still, moved, one, 1);
  printf ("left eye shut: gaze moves the right eye by %.2f px, the left by "
          "%.3f; shut eyes reported %d\n", (double)d[0], (double)d[1], n1);
  CHECK (d[0] > 0.3f, "the open eye still turns");
  CHECK (d[1] == 0.0f, "the shut eye does not (%g)", (double)d[1]);
  CHECK (n1 == 1, "one eye reported shut (%d)", n1);
  mien_image_free (still);
  mien_image_free (moved);
  astronaut_rig_close (&r);
  return mien_test_exit_code ();
}
