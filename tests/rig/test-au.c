/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The AU table, driving-vector parsing, clamping, sides and presets. */
#include <math.h>
#include <string.h>

#include "mien-au.h"
#include "mien-test.h"

static void
test_table (void)
{
  static const int openface[MIEN_AU_N_OPENFACE] = { 1, 2, 4, 5, 6, 7, 9, 10, 12,
                                                    14, 15, 17, 20, 23, 25, 26, 45 };
  for (int i = 0; i < MIEN_AU_N_OPENFACE; i++)
    CHECK (mien_au_channels[i].facs_number == openface[i]
               && mien_au_channels[i].side == MIEN_AU_SIDE_BOTH,
           "channel %d is not OpenFace AU%d", i, openface[i]);
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    {
      const mien_au_info *a = &mien_au_channels[i];
      CHECK (a->name && a->facs_name && a->description && a->min < a->max,
             "channel %d incomplete", i);
      CHECK (mien_au_channel_from_name (a->name) == i, "%s does not round-trip",
             a->name);
      CHECK (mien_au_channels[a->bilateral].side == MIEN_AU_SIDE_BOTH
                 && mien_au_channels[a->bilateral].facs_number == a->facs_number,
             "%s: wrong bilateral channel", a->name);
    }
  CHECK (mien_au_channel_from_name ("12") == MIEN_AU12, "bare number");
  CHECK (mien_au_channel_from_name ("au12_l") == MIEN_AU12_L, "au12_l");
  CHECK (mien_au_channel_from_name ("AU3") == -1, "AU3 is not a channel");
  CHECK (mien_au_channel_from_name ("") == -1, "empty name");
}

static void
test_parse_and_clamp (void)
{
  mien_driving c;
  mien_error err = { 0 };
  mien_driving_init (&c);
  CHECK (mien_driving_parse (&c, "12=3.5,6=2, 45L=5,gaze_h=-0.5", &err) == MIEN_OK,
         "%s", err.message);
  CHECK (c.values[MIEN_AU12] == 3.5f && c.values[MIEN_AU6] == 2.0f
             && c.values[MIEN_AU45_L] == 5.0f && c.values[MIEN_GAZE_H] == -0.5f,
         "parsed values");
  CHECK (mien_driving_parse (&c, "13=1", &err) == MIEN_ERR_INVALID
             && strstr (err.message, "AU12L") != NULL,
         "unknown AU must list the valid names: %s", err.message);
  CHECK (mien_driving_parse (&c, "12=abc", &err) == MIEN_ERR_INVALID, "bad number");
  CHECK (mien_driving_parse (&c, "12", &err) == MIEN_ERR_INVALID, "no '='");
  mien_driving_init (&c);
  c.values[MIEN_AU1] = 9.0f, c.values[MIEN_AU2] = -1.0f, c.values[MIEN_GAZE_V] = NAN;
  CHECK (mien_driving_clamp (&c) == 3, "three values clamped");
  CHECK (c.values[MIEN_AU1] == 5.0f && c.values[MIEN_AU2] == 0.0f
             && c.values[MIEN_GAZE_V] == 0.0f, "clamped values");
  mien_driving_init (&c);
  c.values[MIEN_AU12] = 2.0f, c.values[MIEN_AU12_L] = 4.0f;
  CHECK (mien_driving_side (&c, MIEN_AU12, MIEN_AU_SIDE_LEFT) == 5.0f, "L capped");
  CHECK (mien_driving_side (&c, MIEN_AU12, MIEN_AU_SIDE_RIGHT) == 2.0f, "R");
}

static void
test_presets (void)
{
  for (int p = 0; p < MIEN_N_PRESETS; p++)
    {
      mien_driving c;
      mien_driving_init (&c);
      CHECK (mien_preset_from_name (mien_presets[p].name) == p, "%s", mien_presets[p].name);
      mien_driving_add_preset (&c, (mien_expression_preset)p, 1.0f);
      float sum = 0.0f;
      for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
        {
          CHECK (c.values[i] >= mien_au_channels[i].min
                     && c.values[i] <= mien_au_channels[i].max,
                 "%s: %s out of range", mien_presets[p].name, mien_au_channels[i].name);
          sum += c.values[i];
        }
      /* Neutral is nothing; a per-photo preset (look at the camera) is
       * nothing until an animator gives it the photo's values. */
      CHECK ((p == MIEN_PRESET_NEUTRAL
              || mien_presets[p].group == MIEN_PRESET_GROUP_GAZE)
                 == (sum == 0.0f), "%s: sum %g",
             mien_presets[p].name, (double)sum);
    }
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_HAPPY, 0.5f);
  CHECK (c.values[MIEN_AU12] > 1.0f && c.values[MIEN_AU6] > 1.0f, "happy = 6 + 12");
  CHECK (mien_preset_from_name ("joyful") == -1, "unknown preset");
}

int
main (void)
{
  test_table ();
  test_parse_and_clamp ();
  test_presets ();
  return mien_test_exit_code ();
}
