/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Jacobian checks and the fold guard on fields whose answers are known. */
#include <math.h>

#include "mien-field.h"
#include "mien-test.h"

static mien_image *
field_new (int n)
{
  return mien_image_new_zeroed (n, n, 2, NULL);
}

static void
test_known (void)
{
  mien_image *f = field_new (16);
  CHECK (mien_field_min_jacobian (f) == 1.0f, "zero field");
  /* F = (a·x, 0): det = 1 + a. */
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 16; x++)
      f->data[2 * (y * 16 + x)] = -1.5f * (float)x;
  CHECK (fabsf (mien_field_min_jacobian (f) + 0.5f) < 1e-5f, "det 1 - 1.5 = -0.5, got %g",
         (double)mien_field_min_jacobian (f));
  float alpha = mien_field_limit_folds (f, 0.1f);
  CHECK (fabsf (alpha - 0.6f) < 0.01f, "alpha should be 0.6, got %g", (double)alpha);
  CHECK (mien_field_min_jacobian (f) >= 0.1f, "guarded det %g",
         (double)mien_field_min_jacobian (f));
  /* A local fold: one pixel jumps past its neighbour. */
  mien_image *g = field_new (16);
  g->data[2 * (8 * 16 + 8)] = 3.0f;
  CHECK (mien_field_min_jacobian (g) < 0.0f, "a fold must be found");
  CHECK (mien_field_border_max (g, 2) == 0.0f, "border is zero");
  g->data[2 * (0 * 16 + 5) + 1] = 0.25f;
  CHECK (mien_field_border_max (g, 2) == 0.25f, "border value seen");
  mien_image_free (f);
  mien_image_free (g);
}

static void
test_random_guard (void)
{
  mien_image *f = field_new (32);
  for (int trial = 0; trial < 50; trial++)
    {
      float amp = mien_test_uniform (0.1f, 20.0f);
      for (size_t i = 0; i < mien_image_n_floats (f); i++)
        f->data[i] = mien_test_uniform (-amp, amp);
      mien_field_limit_folds (f, 0.05f);
      CHECK (mien_field_min_jacobian (f) >= 0.05f - 1e-4f, "trial %d: det %g", trial,
             (double)mien_field_min_jacobian (f));
    }
  f->data[7] = NAN;
  CHECK (mien_field_limit_folds (f, 0.05f) == 0.0f && mien_image_all_finite (f),
         "NaN field zeroed");
  mien_image_free (f);
}

static void
test_color (void)
{
  mien_image *f = field_new (8), *rgb = mien_image_new (8, 8, 3, NULL);
  f->data[0] = 1.0f;
  CHECK (mien_field_to_color (f, 0.0f, rgb, NULL) == MIEN_OK, "colour");
  CHECK (rgb->data[3] == 1.0f && rgb->data[4] == 1.0f, "zero motion is white");
  CHECK (rgb->data[0] < 1.0f || rgb->data[1] < 1.0f || rgb->data[2] < 1.0f,
         "motion is coloured");
  mien_image_free (f);
  mien_image_free (rgb);
}

int
main (void)
{
  test_known ();
  test_random_guard ();
  test_color ();
  return mien_test_exit_code ();
}
