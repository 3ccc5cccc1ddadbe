/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: the strings users type: AU lists (mien_driving_parse,
 * "12=3.5,6=2"), expressions ("happy@0.8,12=1") and keyframes
 * ("1.5:happy@0.8"). What is accepted is finite and, for expressions and
 * keyframes, in range; junk after a number is refused. */
#include <math.h>

#include "fuzz-common.h"
#include "io/mien-project.h"
#include "mien-au.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  char *text = fuzz_string (data, size);
  mien_error err = { 0 };
  mien_driving c;
  mien_driving_init (&c);
  if (mien_driving_parse (&c, text, &err) == MIEN_OK)
    {
      for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
        if (!isfinite (c.values[i]))
          abort ();
    }
  else
    fuzz_check_refusal (&err);

  mien_error_clear (&err);
  mien_expression_spec spec;
  if (mien_expression_spec_parse (text, &spec, &err) == MIEN_OK)
    {
      if (!(spec.intensity >= 0.0f && spec.intensity <= 1.0f))
        abort ();
      for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
        if (!(spec.aus.values[i] >= mien_au_channels[i].min
              && spec.aus.values[i] <= mien_au_channels[i].max))
          abort ();
    }
  else
    fuzz_check_refusal (&err);

  mien_error_clear (&err);
  mien_keyframe_spec k;
  if (mien_keyframe_spec_parse (text, &k, &err) == MIEN_OK)
    {
      if (!(k.time >= 0.0 && k.time <= MIEN_TIMELINE_MAX_TIME))
        abort ();
    }
  else
    fuzz_check_refusal (&err);
  free (text);
  return 0;
}
