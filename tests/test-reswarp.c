/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The identity property (DESIGN.md): with F = 0 and O^r = down(I^h) both
 * modes return I^h, at sizes that are and are not multiples of 128 (with the
 * residual gain on, as by default). The warp moves content the way a backward
 * warp should. The residual gain is 1 for rigid motion and follows its ramps
 * for uniform squeezes and stretches, and scales the warped residual by
 * exactly that much. */
#include "mien-field.h"
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

/* A field of affine motion F(x) = A·(x − c) + t on the 128 grid. */
static mien_image *
affine_field (float a, float b, float c, float d, float tx, float ty)
{
  mien_image *f = mien_image_new (128, 128, 2, NULL);
  for (int y = 0; y < 128; y++)
    for (int x = 0; x < 128; x++)
      {
        float *p = f->data + 2 * ((size_t)y * 128 + (size_t)x);
        float dx = (float)x - 64.0f, dy = (float)y - 64.0f;
        p[0] = a * dx + b * dy + tx;
        p[1] = c * dx + d * dy + ty;
      }
  return f;
}

/* Largest |gain − want| over the grid. */
static float
gain_error (const mien_image *field, float want)
{
  mien_image *g = mien_image_new (128, 128, 1, NULL);
  mien_error err = { 0 };
  CHECK (mien_field_residual_gain (field, g, &err) == MIEN_OK, "%s",
         err.message);
  float worst = 0.0f;
  for (int i = 0; i < 128 * 128; i++)
    worst = fmaxf (worst, fabsf (g->data[i] - want));
  mien_image_free (g);
  return worst;
}

static void
test_residual_gain (void)
{
  const float rot = 0.3f; /* 17°: a tilt of the head */
  struct {
    const char *what;
    float a, b, c, d, tx, ty; /* F = A·(x − c) + t, A = [[a, b], [c, d]] */
    float want, tolerance;
  } cases[] = {
    { "still", 0, 0, 0, 0, 0, 0, 1.0f, 0.0f },
    { "translation", 0, 0, 0, 0, 3.0f, -2.0f, 1.0f, 0.0f },
    { "rotation", cosf (rot) - 1, -sinf (rot), sinf (rot), cosf (rot) - 1, 0,
      0, 1.0f, 0.0f },
    /* J = diag(1, 2.5): σ1 = 2.5 on the squeeze ramp 1.5 → 3. */
    { "squeeze", 0, 0, 0, 1.5f, 0, 0,
      (MIEN_GAIN_SQUEEZE_ZERO - 2.5f)
          / (MIEN_GAIN_SQUEEZE_ZERO - MIEN_GAIN_SQUEEZE_FULL), 1e-5f },
    /* J = diag(1, 0.25): σ2 = 0.25 on the stretch ramp 0.4 → 0.15. */
    { "stretch", 0, 0, 0, -0.75f, 0, 0,
      (0.25f - MIEN_GAIN_STRETCH_ZERO)
          / (MIEN_GAIN_STRETCH_FULL - MIEN_GAIN_STRETCH_ZERO), 1e-5f },
    /* Both at once, along different axes: the factors multiply. */
    { "squeeze and stretch", 1.5f, 0, 0, -0.75f, 0, 0,
      (MIEN_GAIN_SQUEEZE_ZERO - 2.5f)
          / (MIEN_GAIN_SQUEEZE_ZERO - MIEN_GAIN_SQUEEZE_FULL)
          * (0.25f - MIEN_GAIN_STRETCH_ZERO)
          / (MIEN_GAIN_STRETCH_FULL - MIEN_GAIN_STRETCH_ZERO), 1e-5f },
    { "crushed", 0, 0, 0, 4.0f, 0, 0, 0.0f, 0.0f },
    /* A shear is a squeeze and a stretch in rotated axes: σ1 = (3 + √13)/2
     * = 3.30 for [[1, 3], [0, 1]]. */
    { "shear", 0, 3.0f, 0, 0, 0, 0, 0.0f, 0.0f },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      mien_image *f = affine_field (cases[i].a, cases[i].b, cases[i].c,
                                    cases[i].d, cases[i].tx, cases[i].ty);
      float e = gain_error (f, cases[i].want);
      CHECK (e <= cases[i].tolerance, "gain for %s: off %g from %g",
             cases[i].what, e, cases[i].want);
      printf ("gain %-20s %.4f (off by %.1e)\n", cases[i].what, cases[i].want,
              e);
      mien_image_free (f);
    }
}

/* With a uniform gain g, O^h − B is g times the paper's, in both modes, where
 * B is the frame with the residuals dropped (gain 0): every level's residual
 * is scaled by g and up-sampling is linear. */
static void
test_fade_scales_residual (mien_reswarp_mode mode)
{
  mien_error err = { 0 };
  mien_image *hd = random_image (300, 260, 3);
  mien_decomposition *dec = mien_decomposition_new (hd, 128, 128, mode, NULL,
                                                    &err);
  mien_image *f = affine_field (0, 0, 0, 1.5f, 0, 0); /* gain 1/3 */
  mien_image *crushed = affine_field (0, 0, 0, 4.0f, 0, 0); /* gain 0 */
  const mien_image *low = mien_decomposition_get_low (dec);
  mien_image *base = mien_image_new (300, 260, 3, NULL);
  mien_image *on = mien_image_new (300, 260, 3, NULL);
  mien_image *off = mien_image_new (300, 260, 3, NULL);
  CHECK (mien_decomposition_get_residual_fade (dec), "fade off by default");
  CHECK (mien_decomposition_get_texture_transport (dec)
             == mien_reswarp_transport_by_default ()
         && mien_decomposition_get_resampler (dec)
                    == (mien_reswarp_cubic_by_default () ? MIEN_WARP_CUBIC
                                                         : MIEN_WARP_BILINEAR),
         "the transport or the resampler not as the environment says");
  /* The gain alone, with the paper's resampler: the transport and the
   * cubic warp are tested below. */
  mien_decomposition_set_texture_transport (dec, 0);
  mien_decomposition_set_resampler (dec, MIEN_WARP_BILINEAR);
  CHECK (mien_reswarp (dec, low, crushed, base, NULL, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (mien_reswarp (dec, low, f, on, NULL, &err) == MIEN_OK, "%s",
         err.message);
  mien_decomposition_set_residual_fade (dec, 0);
  CHECK (mien_reswarp (dec, low, f, off, NULL, &err) == MIEN_OK, "%s",
         err.message);
  float worst = 0.0f, detail = 0.0f;
  for (size_t i = 0; i < mien_image_n_floats (on); i++)
    {
      float paper = off->data[i] - base->data[i];
      worst = fmaxf (worst, fabsf ((on->data[i] - base->data[i])
                                   - paper / 3.0f));
      detail = fmaxf (detail, fabsf (paper));
    }
  CHECK (detail > 0.1f, "the residual should carry detail (%g)", detail);
  CHECK (worst <= 1e-5f, "%s: faded residual off by %g",
         mien_reswarp_mode_to_string (mode), worst);
  printf ("fade %-10s residual × 1/3, off by %.1e\n",
          mien_reswarp_mode_to_string (mode), worst);
  mien_image_free (f);
  mien_image_free (crushed);
  mien_image_free (base);
  mien_image_free (on);
  mien_image_free (off);
  mien_decomposition_free (dec);
  mien_image_free (hd);
}

/* Mean square of the vertical and horizontal pixel differences of a − b
 * over the middle half of the columns and the rows between fractions top and
 * bottom of the height: the finest band of the residual term. */
static void
fine_energy_rows (const mien_image *a, const mien_image *b, double top,
                  double bottom, double *vert, double *horiz)
{
  double sv = 0.0, sh = 0.0;
  long n = 0;
  int C = a->channels;
  for (int y = (int)(top * a->height); y < (int)(bottom * a->height); y++)
    for (int x = a->width / 4; x < 3 * a->width / 4; x++)
      for (int c = 0; c < C; c++)
        {
          size_t i = ((size_t)y * a->width + x) * C + c;
          size_t down = i + (size_t)a->width * C, right = i + C;
          float r = a->data[i] - (b ? b->data[i] : 0.0f);
          float rd = a->data[down] - (b ? b->data[down] : 0.0f);
          float rr = a->data[right] - (b ? b->data[right] : 0.0f);
          sv += (double)(rd - r) * (rd - r);
          sh += (double)(rr - r) * (rr - r);
          n++;
        }
  *vert = sv / (double)n;
  *horiz = sh / (double)n;
}

/* The texture transport. A 2.9× vertical squeeze (gain 0.07, all of the
 * fade from the squeeze): the fade alone all but drops the residual, the
 * transport keeps its fine band at the photo's own scale, with about its
 * own energy and no more. A 10× stretch (an opened mouth) and a 5× squeeze
 * (a closed eye) are left to the fade: there the transport adds nothing. */
static void
test_texture_transport (mien_reswarp_mode mode)
{
  mien_error err = { 0 };
  const int W = 400, H = 360;
  const char *mname = mien_reswarp_mode_to_string (mode);
  mien_image *hd = random_image (W, H, 3);
  mien_decomposition *dec = mien_decomposition_new (hd, 128, 128, mode, NULL,
                                                    &err);
  const mien_image *low = mien_decomposition_get_low (dec);
  mien_image *zero = mien_image_new_zeroed (128, 128, 2, NULL);
  mien_image *squeeze = affine_field (0, 0, 0, 1.9f, 0, 0);
  mien_image *crushed = affine_field (0, 0, 0, 4.0f, 0, 0);
  mien_image *stretch = affine_field (0, 0, 0, -0.9f, 0, 0);
  mien_image *base = mien_image_new (W, H, 3, NULL);
  mien_image *still = mien_image_new (W, H, 3, NULL);
  mien_image *faded = mien_image_new (W, H, 3, NULL);
  mien_image *moved = mien_image_new (W, H, 3, NULL);
  /* No residual at all: up(O^r) alone, the low frequencies. */
  mien_decomposition_set_texture_transport (dec, 0);
  CHECK (mien_reswarp (dec, low, crushed, base, NULL, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (mien_reswarp (dec, low, zero, still, NULL, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (mien_reswarp (dec, low, squeeze, faded, NULL, &err) == MIEN_OK,
         "%s", err.message);
  mien_decomposition_set_texture_transport (dec, 1);
  CHECK (mien_reswarp (dec, low, squeeze, moved, NULL, &err) == MIEN_OK,
         "%s", err.message);
  /* Only the rows whose source stays inside the photo: the squeeze reads
   * 2.9 source rows per row about the middle, so rows 0.33–0.67 of the
   * height; outside, positions clamp to the border and repeat it. */
  double src_v, src_h, fade_v, fade_h, got_v, got_h;
  fine_energy_rows (still, base, 0.35, 0.65, &src_v, &src_h);
  fine_energy_rows (faded, base, 0.35, 0.65, &fade_v, &fade_h);
  fine_energy_rows (moved, base, 0.35, 0.65, &got_v, &got_h);
  printf ("transport %-10s 2.9x squeeze: fine band kept %.3f / %.3f "
          "(vertically / horizontally) with the transport, %.3f / %.3f "
          "faded\n",
          mname, got_v / src_v, got_h / src_h, fade_v / src_v, fade_h / src_h);
  /* What any warp of this white-noise residual keeps at sub-pixel shifts
   * (cubic interpolation correlates neighbouring samples of white noise):
   * a plain translation by 0.3 pixels in x and y (gain 1, no transport);
   * the transport's copies sit at many fractions. */
  mien_image *shift = affine_field (0, 0, 0, 0, 0.3f * 128.0f / W,
                                    0.3f * 128.0f / H);
  CHECK (mien_reswarp (dec, low, shift, faded, NULL, &err) == MIEN_OK, "%s",
         err.message);
  double tr_v, tr_h;
  fine_energy_rows (faded, base, 0.35, 0.65, &tr_v, &tr_h);
  mien_image_free (shift);
  printf ("transport %-10s a sub-pixel translation keeps %.3f / %.3f\n",
          mname, tr_v / src_v, tr_h / src_h);
  CHECK (fade_v / src_v < 0.02, "the fade alone should drop the residual");
  CHECK (got_v > 0.8 * tr_v && got_h > 0.8 * tr_h && got_v < 1.15 * src_v
             && got_h < 1.15 * src_h,
         "%s: the transport should keep the fine band as a translation "
         "does (%.3f, %.3f)", mname, got_v / src_v, got_h / src_h);
  /* Stretched or squeezed past the transport: exactly the fade. */
  const mien_image *left_alone[2] = { stretch, crushed };
  for (int k = 0; k < 2; k++)
    {
      mien_decomposition_set_texture_transport (dec, 0);
      CHECK (mien_reswarp (dec, low, left_alone[k], faded, NULL, &err)
                 == MIEN_OK, "%s", err.message);
      mien_decomposition_set_texture_transport (dec, 1);
      CHECK (mien_reswarp (dec, low, left_alone[k], moved, NULL, &err)
                 == MIEN_OK, "%s", err.message);
      float d = mien_image_max_abs_diff (faded, moved);
      CHECK (d == 0.0f, "%s: no transport for a %s (%g)", mname,
             k ? "5x squeeze" : "10x stretch", d);
    }
  mien_image_free (zero);
  mien_image_free (squeeze);
  mien_image_free (crushed);
  mien_image_free (stretch);
  mien_image_free (base);
  mien_image_free (still);
  mien_image_free (faded);
  mien_image_free (moved);
  mien_decomposition_free (dec);
  mien_image_free (hd);
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
  test_residual_gain ();
  test_fade_scales_residual (MIEN_RESWARP_VANILLA);
  test_fade_scales_residual (MIEN_RESWARP_MULTISCALE);
  test_texture_transport (MIEN_RESWARP_VANILLA);
  test_texture_transport (MIEN_RESWARP_MULTISCALE);
  /* The same with the cubic resampler (MIEN_RESWARP_CUBIC=1): the identity
   * holds exactly at integer displacements, and the transport keeps the
   * detail with it too. */
  setenv ("MIEN_RESWARP_CUBIC", "1", 1);
  setenv ("MIEN_RESWARP_TRANSPORT", "1", 1);
  CHECK (mien_reswarp_cubic_by_default (), "MIEN_RESWARP_CUBIC=1 ignored");
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    for (int mode = 0; mode < 2; mode++)
      test_identity (sizes[i][0], sizes[i][1], (mien_reswarp_mode)mode);
  test_texture_transport (MIEN_RESWARP_VANILLA);
  test_texture_transport (MIEN_RESWARP_MULTISCALE);
  test_frame_validation ();
  return mien_test_exit_code ();
}
