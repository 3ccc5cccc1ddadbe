/* SPDX-License-Identifier: GPL-3.0-or-later */
/* AU18, the lip pucker (FACS: incisivii labii; the lips push forward, the
 * mouth narrows and rounds), end to end on the astronaut's fixture
 * landmarks: the channel is in the table under its FACS number, the parser
 * knows it, and the rig
 *   - draws both lip corners towards the mouth's centre, more at 5 than at
 *     2.5, and by a fair share of the mouth's width at 5;
 *   - rounds the mouth: its height over its width grows;
 *   - keeps the field fold-free without the guard's help (its scale alpha
 *     stays 1), alone and with a dropped jaw or a smile.
 * The channel is not an OpenFace AU, so an ATW network trained on OpenFace
 * intensities never sees it (MIEN_AU_N_OPENFACE stays 17). Skips (77)
 * without the photo. */
#include "mien-field.h"
#include "rig-astronaut.h"

typedef struct mouth {
  float width, height; /* grid pixels: corner to corner, 51 to 57 */
  float in[2];         /* each corner's motion towards the centre */
} mouth;

static float
dist (mien_point a, mien_point b)
{
  return hypotf (a.x - b.x, a.y - b.y);
}

static mouth
measure (astronaut_rig *r, const char *aus)
{
  astronaut_rig_generate (r, aus);
  const mien_point *lm = r->lm;
  mien_point moved[4];
  const int idx[4] = { 48, 54, 51, 57 };
  for (int k = 0; k < 4; k++)
    {
      mien_point m = rig_motion_of (r->g.field, lm[idx[k]]);
      moved[k] = (mien_point){ lm[idx[k]].x + m.x, lm[idx[k]].y + m.y };
    }
  mouth mo = { dist (moved[0], moved[1]), dist (moved[2], moved[3]), { 0, 0 } };
  /* Along the line between the photo's corners, towards the centre. */
  float ux = lm[54].x - lm[48].x, uy = lm[54].y - lm[48].y;
  float len = hypotf (ux, uy);
  ux /= len, uy /= len;
  mo.in[0] = (moved[0].x - lm[48].x) * ux + (moved[0].y - lm[48].y) * uy;
  mo.in[1] = -((moved[1].x - lm[54].x) * ux + (moved[1].y - lm[54].y) * uy);
  return mo;
}

static void
check_no_guard (astronaut_rig *r, const char *aus)
{
  astronaut_rig_generate (r, aus);
  mien_rig_stats st;
  CHECK (mien_rig_get_stats (r->gen, &st), "a rig");
  printf ("%-12s fold guard alpha %.3f, min Jacobian %.3f, max |F| %.2f px\n",
          aus, st.fold_alpha, st.min_jacobian, st.max_displacement);
  CHECK (st.fold_alpha == 1.0f,
         "%s: the field folded, the guard scaled it by %.3f", aus,
         st.fold_alpha);
  CHECK (mien_field_min_jacobian (r->g.field) > MIEN_RIG_JACOBIAN_MARGIN,
         "%s: min Jacobian %.3f", aus, mien_field_min_jacobian (r->g.field));
}

int
main (void)
{
  int ch = mien_au_channel_from_name ("AU18");
  CHECK (ch >= 0, "AU18 is a channel");
  if (ch < 0)
    return mien_test_exit_code ();
  const mien_au_info *info = &mien_au_channels[ch];
  CHECK (info->facs_number == 18 && info->side == MIEN_AU_SIDE_BOTH
             && info->region == MIEN_AU_REGION_LIPS && info->max == MIEN_AU_MAX,
         "AU18's table row: FACS 18, both sides, lips, 0 … 5");
  CHECK (ch < MIEN_AU_N_BILATERAL && ch >= MIEN_AU_N_OPENFACE,
         "AU18 is bilateral and not an OpenFace channel (%d)", ch);
  CHECK (mien_au_channel_from_name ("18") == ch, "\"18\" names AU18");

  astronaut_rig r;
  int skip = astronaut_rig_open (&r);
  if (skip)
    return skip;
  mouth rest = measure (&r, "18=0");
  mouth half = measure (&r, "18=2.5");
  mouth full = measure (&r, "18=5");
  printf ("mouth width %.2f -> %.2f (2.5) -> %.2f (5) grid px; height / width "
          "%.3f -> %.3f; corners in %.2f, %.2f px\n",
          rest.width, half.width, full.width, rest.height / rest.width,
          full.height / full.width, full.in[0], full.in[1]);
  CHECK (rest.in[0] == 0.0f && rest.in[1] == 0.0f,
         "no AU, no motion (%g, %g)", rest.in[0], rest.in[1]);
  for (int s = 0; s < 2; s++)
    CHECK (full.in[s] > half.in[s] && half.in[s] > 0.3f,
           "corner %d should move in, more at 5 (%.3f) than at 2.5 (%.3f)", s,
           full.in[s], half.in[s]);
  CHECK (full.width < 0.9f * rest.width,
         "AU18 5 should narrow the mouth by 10 %% or more (%.2f -> %.2f)",
         rest.width, full.width);
  CHECK (full.height / full.width > 1.1f * rest.height / rest.width,
         "AU18 should round the mouth (height / width %.3f -> %.3f)",
         rest.height / rest.width, full.height / full.width);

  check_no_guard (&r, "18=5");
  check_no_guard (&r, "18=5,26=3");
  check_no_guard (&r, "18=5,12=3");
  astronaut_rig_close (&r);
  return mien_test_exit_code ();
}
