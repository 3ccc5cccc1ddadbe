/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The identity property (DESIGN.md): with F = 0 and O^r = down(I^h) both
 * modes return I^h, at sizes that are and are not multiples of 128. And the
 * warp moves content the way a backward warp should. */
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

static void
test_identity (int w, int h, mien_reswarp_mode mode)
{
  mien_error err = { 0 };
  mien_image *hd = random_image (w, h, 3);
  mien_decomposition *dec = mien_decomposition_new (hd, 128, 128, mode, NULL,
                                                    &err);
  CHECK (dec != NULL, "decomposition %dx%d: %s", w, h, err.message);
  if (dec == NULL)
    {
      mien_image_free (hd);
      return;
    }
  /* O^r = down(I^h) computed independently of the decomposition. */
  mien_image *low = mien_image_new (128, 128, 3, NULL);
  mien_downsample_area (hd, low, NULL, NULL);
  float low_diff = mien_image_max_abs_diff (low, mien_decomposition_get_low (dec));
  CHECK (low_diff <= 1e-6f, "%s %dx%d: I differs from down(I^h) by %g",
         mien_reswarp_mode_to_string (mode), w, h, low_diff);
  mien_image *zero = mien_image_new_zeroed (128, 128, 2, NULL);
  mien_image *out = mien_image_new (w, h, 3, NULL);
  CHECK (mien_reswarp (dec, low, zero, out, NULL, &err) == MIEN_OK, "%s",
         err.message);
  float diff = mien_image_max_abs_diff (out, hd);
  CHECK (diff <= 1e-5f, "%s %dx%d: identity off by %g",
         mien_reswarp_mode_to_string (mode), w, h, diff);
  printf ("identity %-10s %5dx%-5d max abs error %.2e\n",
          mien_reswarp_mode_to_string (mode), w, h, diff);
  /* A second frame reuses the cached scratch buffers: same result. */
  CHECK (mien_reswarp (dec, low, zero, out, NULL, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (mien_image_max_abs_diff (out, hd) == diff, "second frame differs");
  mien_image_free (zero);
  mien_image_free (out);
  mien_image_free (low);
  mien_decomposition_free (dec);
  mien_image_free (hd);
}

/* A uniform field of (+3, −2) low-res pixels on a 512² photo samples the
 * residual 12 px right and 8 px up: check at interior pixels. */
static void
test_warp_direction (void)
{
  mien_image *src = random_image (64, 48, 1);
  mien_image *field = mien_image_new (64, 48, 2, NULL);
  for (int i = 0; i < 64 * 48; i++)
    field->data[2 * i] = 3.0f, field->data[2 * i + 1] = -2.0f;
  mien_image *out = mien_image_new (64, 48, 1, NULL);
  CHECK (mien_warp_bilinear (src, field, out, NULL, NULL) == MIEN_OK, "warp");
  float worst = 0;
  for (int y = 2; y < 48; y++)
    for (int x = 0; x < 61; x++)
      worst = fmaxf (worst, fabsf (mien_image_row (out, y)[x]
                                   - mien_image_row (src, y - 2)[x + 3]));
  CHECK (worst == 0.0f, "integer warp should copy exactly, off by %g", worst);
  /* Beyond the border the position clamps to the edge pixel. */
  CHECK (mien_image_row (out, 0)[63] == mien_image_row (src, 0)[63],
         "clamped sample");
  mien_image_free (src);
  mien_image_free (field);
  mien_image_free (out);
}

/* Bad frame inputs are refused with a message, not a crash. */
static void
test_frame_validation (void)
{
  mien_error err = { 0 };
  mien_image *hd = random_image (256, 256, 3);
  mien_decomposition *dec = mien_decomposition_new (hd, 128, 128,
                                                    MIEN_RESWARP_VANILLA, NULL,
                                                    &err);
  mien_image *low = mien_image_copy (mien_decomposition_get_low (dec), NULL);
  mien_image *field = mien_image_new_zeroed (128, 128, 2, NULL);
  mien_image *out = mien_image_new (256, 256, 3, NULL);
  mien_image *small_field = mien_image_new_zeroed (64, 64, 2, NULL);
  CHECK (mien_reswarp (dec, low, small_field, out, NULL, &err)
             == MIEN_ERR_INVALID, "mismatched field accepted");
  field->data[77] = NAN;
  CHECK (mien_reswarp (dec, low, field, out, NULL, &err) == MIEN_ERR_INVALID,
         "NaN field accepted");
  CHECK (err.message[0] != '\0', "no message");
  mien_image_free (hd);
  mien_image_free (low);
  mien_image_free (field);
  mien_image_free (out);
  mien_image_free (small_field);
  mien_decomposition_free (dec);
}

int
main (void)
{
  static const int sizes[][2] = {
    { 128, 128 }, { 512, 512 }, { 1000, 750 }, { 97, 161 }, { 4096, 4096 },
  };
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int mode = 0; mode < 2; mode++)
      test_identity (sizes[i][0], sizes[i][1], (mien_reswarp_mode)mode);
  test_warp_direction ();
  test_frame_validation ();
  return mien_test_exit_code ();
}
