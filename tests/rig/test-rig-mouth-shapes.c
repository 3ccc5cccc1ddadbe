/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The channels of issue #25, end to end on the astronaut's fixture
 * landmarks, as test-rig-au18 does for AU18:
 *   - AU22 (lip funneler), AU24 (lip pressor), AU27 (mouth stretch) and AU43
 *     (eyes closed, held) are table rows under their FACS numbers, bilateral
 *     and not OpenFace channels (an ATW network keeps its 17 inputs);
 *     AU43L / AU43R are its one-sided variants, like AU45L / AU45R;
 *   - AU22 narrows the mouth and parts the lips (inner lips apart);
 *   - AU24 moves the outer lip edges towards each other (thinner lips) and
 *     takes part in the lip seal (rig_seal_press);
 *   - AU27 opens the mouth as far as AU26 (the fold guard caps both) into a
 *     narrower, taller oval;
 *   - AU43L closes the subject's left eye only (image right), AU43 both,
 *     and AU43 + AU45 together close it no further than one of them;
 *   - the visemes are presets of the mouth group, made only of lip and jaw
 *     AUs, and appended after the expressions (earlier numbers stay).
 * Skips (77) without the photo (the table checks run first). */
#include "mien-field.h"
#include "rig-astronaut.h"

static mien_point
moved (astronaut_rig *r, int k)
{
  mien_point m = rig_motion_of (r->g.field, r->lm[k]);
  return (mien_point){ r->lm[k].x + m.x, r->lm[k].y + m.y };
}

typedef struct mouth {
  float width, outer_h, inner_h; /* 48-54, 51-57, 62-66 after the move */
} mouth;

static mouth
measure (astronaut_rig *r, const char *aus)
{
  astronaut_rig_generate (r, aus);
  mien_point p[5] = { moved (r, 48), moved (r, 54), moved (r, 51),
                      moved (r, 57), moved (r, 62) };
  mien_point q = moved (r, 66);
  return (mouth){ hypotf (p[1].x - p[0].x, p[1].y - p[0].y),
                  hypotf (p[3].x - p[2].x, p[3].y - p[2].y),
                  hypotf (q.x - p[4].x, q.y - p[4].y) };
}

/* How far the field reaches into eye e's opening: |F| at its centre. */
static float
eye_motion (astronaut_rig *r, const char *aus, int side)
{
  astronaut_rig_generate (r, aus);
  int e0 = side ? 42 : 36;
  mien_point c = { 0.5f * (r->lm[e0].x + r->lm[e0 + 3].x),
                   0.5f * (r->lm[e0].y + r->lm[e0 + 3].y) };
  return hypotf (rig_field_at (r->g.field, c, 0),
                 rig_field_at (r->g.field, c, 1));
}

static void
check_row (const char *name, int facs, mien_au_side side,
           mien_au_region region)
{
  int ch = mien_au_channel_from_name (name);
  CHECK (ch >= 0, "%s is a channel", name);
  if (ch < 0)
    return;
  const mien_au_info *info = &mien_au_channels[ch];
  CHECK (info->facs_number == facs && info->side == side
             && info->region == region && info->max == MIEN_AU_MAX,
         "%s's table row", name);
  if (side == MIEN_AU_SIDE_BOTH)
    CHECK (ch < MIEN_AU_N_BILATERAL && ch >= MIEN_AU_N_OPENFACE,
           "%s is bilateral and not an OpenFace channel (%d)", name, ch);
  else
    CHECK (ch >= MIEN_AU_N_BILATERAL
               && (int)info->bilateral == mien_au_channel_from_name ("AU43"),
           "%s is a one-sided variant of AU43", name);
}

static void
check_no_fold (astronaut_rig *r, const char *aus, float min_alpha)
{
  astronaut_rig_generate (r, aus);
  mien_rig_stats st;
  CHECK (mien_rig_get_stats (r->gen, &st), "a rig");
  printf ("%-22s fold guard alpha %.3f, min Jacobian %.3f\n", aus,
          (double)st.fold_alpha, (double)st.min_jacobian);
  CHECK (st.fold_alpha >= min_alpha, "%s: the guard scaled it by %.3f", aus,
         (double)st.fold_alpha);
  CHECK (mien_field_min_jacobian (r->g.field) > 0.0f, "%s: folds", aus);
}

int
main (void)
{
  check_row ("AU22", 22, MIEN_AU_SIDE_BOTH, MIEN_AU_REGION_LIPS);
  check_row ("AU24", 24, MIEN_AU_SIDE_BOTH, MIEN_AU_REGION_LIPS);
  check_row ("AU27", 27, MIEN_AU_SIDE_BOTH, MIEN_AU_REGION_JAW);
  check_row ("AU43", 43, MIEN_AU_SIDE_BOTH, MIEN_AU_REGION_EYES);
  check_row ("AU43L", 43, MIEN_AU_SIDE_LEFT, MIEN_AU_REGION_EYES);
  check_row ("AU43R", 43, MIEN_AU_SIDE_RIGHT, MIEN_AU_REGION_EYES);
  CHECK (MIEN_AU_N_OPENFACE == 17, "the ATW input count stays 17");

  /* Visemes: mouth group, after the expressions, lips and jaw only. */
  CHECK (MIEN_PRESET_VISEME_A > MIEN_PRESET_CONTEMPT, "visemes appended");
  int n_mouth = 0;
  for (int p = 0; p < MIEN_N_PRESETS; p++)
    {
      int mouth_group = mien_presets[p].group == MIEN_PRESET_GROUP_MOUTH;
      n_mouth += mouth_group;
      CHECK (mouth_group == (p >= MIEN_PRESET_VISEME_A
                             && p <= MIEN_PRESET_VISEME_MBP),
             "%s: group %d", mien_presets[p].name, mien_presets[p].group);
      if (!mouth_group)
        continue;
      mien_driving c;
      mien_driving_init (&c);
      mien_driving_add_preset (&c, (mien_expression_preset)p, 1.0f);
      for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
        if (c.values[i] != 0.0f)
          CHECK (mien_au_channels[i].region == MIEN_AU_REGION_LIPS
                     || mien_au_channels[i].region == MIEN_AU_REGION_JAW,
                 "%s uses %s, not a mouth AU", mien_presets[p].name,
                 mien_au_channels[i].name);
    }
  CHECK (n_mouth == 5, "five visemes (%d)", n_mouth);
  CHECK (mien_preset_from_name ("viseme-mbp") == MIEN_PRESET_VISEME_MBP,
         "viseme-mbp by name");

  astronaut_rig r;
  int skip = astronaut_rig_open (&r);
  if (skip)
    return skip;

  mouth rest = measure (&r, "22=0");
  mouth funnel = measure (&r, "22=5");
  mouth press = measure (&r, "24=5");
  mouth drop = measure (&r, "26=5");
  mouth stretch = measure (&r, "27=5");
  printf ("rest   width %.2f outer h %.2f inner h %.2f (grid px)\n",
          (double)rest.width, (double)rest.outer_h, (double)rest.inner_h);
  printf ("AU22=5 width %.2f outer h %.2f inner h %.2f\n",
          (double)funnel.width, (double)funnel.outer_h,
          (double)funnel.inner_h);
  printf ("AU24=5 width %.2f outer h %.2f inner h %.2f\n",
          (double)press.width, (double)press.outer_h, (double)press.inner_h);
  printf ("AU26=5 width %.2f outer h %.2f inner h %.2f\n",
          (double)drop.width, (double)drop.outer_h, (double)drop.inner_h);
  printf ("AU27=5 width %.2f outer h %.2f inner h %.2f\n",
          (double)stretch.width, (double)stretch.outer_h,
          (double)stretch.inner_h);
  CHECK (funnel.width < 0.9f * rest.width, "AU22 narrows the mouth");
  CHECK (funnel.inner_h > rest.inner_h + 0.5f, "AU22 parts the lips");
  CHECK (press.outer_h < 0.9f * rest.outer_h, "AU24 thins the lips");
  CHECK (press.width < rest.width, "AU24 draws the corners in");
  /* The guard caps the jaw near AU26's drop; AU27 is the narrower oval. */
  CHECK (stretch.inner_h > 0.95f * drop.inner_h
             && stretch.inner_h > rest.inner_h + 3.0f,
         "AU27 opens the mouth as far as AU26");
  CHECK (stretch.width < drop.width - 1.0f
             && stretch.inner_h / stretch.width > drop.inner_h / drop.width,
         "AU27's opening is a narrower, taller oval than AU26's");

  /* AU43: one eye or both; no further than closed. */
  float l = eye_motion (&r, "43L=5", 1), rr = eye_motion (&r, "43L=5", 0);
  float both = eye_motion (&r, "43=5", 0);
  float blink = eye_motion (&r, "45=5", 0);
  float twice = eye_motion (&r, "43=5,45=5", 0);
  printf ("|F| at the eye centre: 43L=5 left %.2f right %.2f; 43=5 %.2f; "
          "45=5 %.2f; 43+45 %.2f\n", (double)l, (double)rr, (double)both,
          (double)blink, (double)twice);
  CHECK (l > 1.0f && rr < 0.05f, "AU43L closes only the subject's left eye");
  CHECK (both > 1.0f, "AU43 closes both eyes");
  CHECK (fabsf (both - blink) < 1e-4f && fabsf (twice - blink) < 1e-4f,
         "AU43, AU45 and both together close the eye the same way");

  check_no_fold (&r, "22=5", 1.0f);
  check_no_fold (&r, "24=5", 1.0f);
  check_no_fold (&r, "43=5", 1.0f);
  check_no_fold (&r, "43=5,45=5,5=5", 1.0f);
  check_no_fold (&r, "27=5", 0.0f);
  check_no_fold (&r, "22=5,18=5,26=5", 0.0f);
  /* The pucker spreads its pull over the skin beside the corners
   * (rig_corner_skin_points): AU18 + AU22 at 5 and visemes O and U need
   * no guard (they were scaled to 0.87-0.93 here before; 0.71-0.97 over
   * the sample faces). */
  check_no_fold (&r, "18=5,22=5", 1.0f);
  check_no_fold (&r, "18=5,22=5,25=1", 1.0f);
  check_no_fold (&r, "18=5,22=3", 1.0f);
  mien_driving viseme;
  for (int p = MIEN_PRESET_VISEME_O; p <= MIEN_PRESET_VISEME_U; p++)
    {
      mien_error err = { 0 };
      mien_driving_init (&viseme);
      mien_driving_add_preset (&viseme, p, 1.0f);
      CHECK (mien_generator_generate (r.gen, mien_animator_get_low (r.anim),
                                      &viseme, r.lm, &r.g, NULL, &err)
                 == MIEN_OK,
             "%s: %s", mien_presets[p].name, err.message);
      mien_rig_stats st;
      CHECK (mien_rig_get_stats (r.gen, &st), "a rig");
      printf ("%-22s fold guard alpha %.3f, min Jacobian %.3f\n",
              mien_presets[p].name, (double)st.fold_alpha,
              (double)st.min_jacobian);
      CHECK (st.fold_alpha == 1.0f && st.min_jacobian > 0.0f,
             "%s: the guard scaled it by %.3f", mien_presets[p].name,
             (double)st.fold_alpha);
    }
  /* The skin points join the kernel average only as they move (their
   * weight grows with their motion from 0 to 1 at AU18 = 5): on a smile,
   * AU18 changes the field continuously, less at 0.1 than at 0.5, and
   * little at 0.1 (measured 0.10 and 0.49 grid px; 0.28 and 1.11 when the
   * weight reached 1 at AU18 = 1). */
  astronaut_rig_generate (&r, "12=5,6=3");
  size_t n_floats = mien_image_n_floats (r.g.field);
  float *smile = malloc (sizeof (float) * n_floats);
  CHECK (smile != NULL, "memory");
  if (smile)
    {
      memcpy (smile, r.g.field->data, sizeof (float) * n_floats);
      static const char *const specs[2] = { "12=5,6=3,18=0.1",
                                            "12=5,6=3,18=0.5" };
      float diff[2] = { 0.0f, 0.0f };
      for (int k = 0; k < 2; k++)
        {
          astronaut_rig_generate (&r, specs[k]);
          for (size_t i = 0; i < n_floats; i++)
            diff[k] = fmaxf (diff[k], fabsf (smile[i] - r.g.field->data[i]));
          printf ("12=5,6=3 against %s: max |dF| %.3f grid px\n", specs[k],
                  (double)diff[k]);
        }
      CHECK (diff[0] > 0.0f && diff[0] < diff[1] && diff[0] < 0.5f
                 && diff[1] < 2.0f,
             "AU18 changes a smile continuously (max |dF| %.3f at 0.1, %.3f "
             "at 0.5)", (double)diff[0], (double)diff[1]);
      free (smile);
    }
  astronaut_rig_close (&r);
  return mien_test_exit_code ();
}
