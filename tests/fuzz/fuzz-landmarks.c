/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: landmark files (mien_landmark_file_load_from_data: the
 * pre-scan, json-glib, the schema, the in-photo check). A file that loads
 * must describe faces the rest of the engine can use: finite points within
 * a face's size of the photo, a box with area. */
#include <math.h>

#include "fuzz-common.h"
#include "io/mien-landmarks-io.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mien_error err = { 0 };
  mien_landmark_file lf;
  if (mien_landmark_file_load_from_data ((const char *)data, size, "fuzz.json",
                                         &lf, &err) != MIEN_OK)
    {
      fuzz_check_refusal (&err);
      return 0;
    }
  for (int i = 0; i < lf.n_faces; i++)
    {
      const mien_face *f = &lf.faces[i];
      if (!(f->box.width > 0 && f->box.height > 0))
        abort ();
      for (int k = 0; k < MIEN_N_LANDMARKS; k++)
        if (!isfinite (f->landmarks[k].x) || !isfinite (f->landmarks[k].y))
          abort ();
    }
  int largest = mien_landmark_file_largest_face (&lf);
  if (largest >= lf.n_faces || (lf.n_faces > 0 && largest < 0))
    abort ();
  mien_landmark_file_clear (&lf);
  return 0;
}
