/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Resampling against values computed by hand from the definitions. */
#include "mien-test.h"
#include "mien.h"

static mien_image *
random_image (int w, int h, int c)
{
  mien_image *img = mien_image_new (w, h, c, NULL);
  for (size_t i = 0; i < mien_image_n_floats (img); i++)
    img->data[i] = mien_test_uniform (0.0f, 1.0f);
  return img;
}

/* Integer factor: the area average is the plain block mean (the paper's
 * "average each grid cell"). */
static void
test_block_mean (int factor)
{
  int lw = 16, lh = 12;
  mien_image *src = random_image (lw * factor, lh * factor, 3);
  mien_image *dst = mien_image_new (lw, lh, 3, NULL);
  CHECK (mien_downsample_area (src, dst, NULL, NULL) == MIEN_OK, "status");
  float worst = 0.0f;
  for (int y = 0; y < lh; y++)
    for (int x = 0; x < lw; x++)
      for (int c = 0; c < 3; c++)
        {
          double sum = 0.0;
          for (int dy = 0; dy < factor; dy++)
            for (int dx = 0; dx < factor; dx++)
              sum += mien_image_row (src, y * factor + dy)[(x * factor + dx) * 3 + c];
          float want = (float)(sum / (factor * factor));
          float got = mien_image_row (dst, y)[x * 3 + c];
          worst = fmaxf (worst, fabsf (got - want));
        }
  CHECK (worst <= 1e-6f, "factor %d: block mean off by %g", factor, worst);
  mien_image_free (src);
  mien_image_free (dst);
}

/* Fractional factor 3 → 2: output 0 covers [0, 1.5) = in0 + half of in1. */
static void
test_fractional_area (void)
{
  mien_image *src = mien_image_new (3, 1, 1, NULL);
  src->data[0] = 1.0f, src->data[1] = 2.0f, src->data[2] = 4.0f;
  mien_image *dst = mien_image_new (2, 1, 1, NULL);
  mien_downsample_area (src, dst, NULL, NULL);
  float want0 = (1.0f * 1.0f + 2.0f * 0.5f) / 1.5f;
  float want1 = (2.0f * 0.5f + 4.0f * 1.0f) / 1.5f;
  CHECK (fabsf (dst->data[0] - want0) < 1e-6f, "got %g want %g", dst->data[0], want0);
  CHECK (fabsf (dst->data[1] - want1) < 1e-6f, "got %g want %g", dst->data[1], want1);
  mien_image_free (src);
  mien_image_free (dst);
}

/* Resampling preserves constants, and the area average preserves the mean. */
static void
test_constants_and_mean (void)
{
  mien_image *src = random_image (1000, 750, 3);
  mien_image *dst = mien_image_new (128, 128, 3, NULL);
  mien_downsample_area (src, dst, NULL, NULL);
  double ms = 0, md = 0;
  for (size_t i = 0; i < mien_image_n_floats (src); i++) ms += src->data[i];
  for (size_t i = 0; i < mien_image_n_floats (dst); i++) md += dst->data[i];
  ms /= mien_image_n_floats (src);
  md /= mien_image_n_floats (dst);
  CHECK (fabs (ms - md) < 1e-5, "mean %g vs %g", ms, md);

  mien_image *flat = mien_image_new (37, 29, 2, NULL);
  for (size_t i = 0; i < mien_image_n_floats (flat); i++) flat->data[i] = 0.25f;
  mien_image *big = mien_image_new (301, 97, 2, NULL);
  mien_upsample_bilinear (flat, big, NULL, NULL);
  float worst = 0;
  for (size_t i = 0; i < mien_image_n_floats (big); i++)
    worst = fmaxf (worst, fabsf (big->data[i] - 0.25f));
  CHECK (worst == 0.0f, "bilinear changed a constant by %g", worst);
  mien_image_free (src);
  mien_image_free (dst);
  mien_image_free (flat);
  mien_image_free (big);
}

/* 2× bilinear with half-pixel centres: output x reads input x/2 − 1/4. */
static void
test_bilinear_values (void)
{
  mien_image *src = mien_image_new (2, 1, 1, NULL);
  src->data[0] = 0.0f, src->data[1] = 1.0f;
  mien_image *dst = mien_image_new (4, 1, 1, NULL);
  mien_upsample_bilinear (src, dst, NULL, NULL);
  const float want[4] = { 0.0f, 0.25f, 0.75f, 1.0f }; /* ends clamp */
  for (int i = 0; i < 4; i++)
    CHECK (fabsf (dst->data[i] - want[i]) < 1e-7f, "x=%d got %g want %g", i,
           dst->data[i], want[i]);
  mien_image_free (src);
  mien_image_free (dst);
}

static void
test_level_sizes (void)
{
  mien_level_size s[MIEN_PYRAMID_MAX_LEVELS + 1];
  int n = mien_pyramid_level_sizes (1024, 1024, 128, 128, s, 17);
  CHECK (n == 4 && s[1].width == 512 && s[2].width == 256 && s[3].width == 128,
         "1024: %d levels", n);
  n = mien_pyramid_level_sizes (4096, 4096, 128, 128, s, 17);
  CHECK (n == 6 && s[5].width == 128 && s[1].width == 2048, "4096: %d", n);
  n = mien_pyramid_level_sizes (1000, 750, 128, 128, s, 17);
  CHECK (n == 4 && s[1].width == 500 && s[1].height == 375
             && s[2].width == 250 && s[2].height == 188 && s[3].width == 128,
         "1000x750: %d levels, level 2 %dx%d", n, s[2].width, s[2].height);
  n = mien_pyramid_level_sizes (128, 128, 128, 128, s, 17);
  CHECK (n == 1, "128: %d", n);
  n = mien_pyramid_level_sizes (100, 60, 128, 128, s, 17);
  CHECK (n == 2 && s[1].width == 128, "small: %d", n);
}

int
main (void)
{
  test_block_mean (2);
  test_block_mean (4);
  test_block_mean (8);
  test_fractional_area ();
  test_constants_and_mean ();
  test_bilinear_values ();
  test_level_sizes ();
  return mien_test_exit_code ();
}
