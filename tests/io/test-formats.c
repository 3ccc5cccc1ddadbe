/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Issue #19 (formats) and #20 (what the image loader refuses): every photo
 * format opens (WebP, AVIF, HEIC, 16-bit PNG, 16-bit TIFF, CMYK JPEG, RGBA
 * PNG, gray, palette, TIFF); outputs keep alpha and the ICC profile byte for
 * byte; a 16-bit photo keeps 16-bit precision; a cut JPEG opens with the
 * share that is missing; lcms2's sRGB conversion matches the matrices;
 * FIFOs and folders are refused without blocking; memory is estimated
 * before decoding (within 20 % of the measured peak) and refused over the
 * cap; a NaN PFM is refused; the desktop file and metainfo claim exactly
 * the MIME types that open here.
 *
 * The fixtures are made in a temporary folder by make-format-images.py
 * (PIL, a hand-written 16-bit PNG, ImageMagick, heif-enc), from a profile
 * this test writes with lcms2: nothing binary is committed. */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lcms2.h>

#include "io/mien-image-io.h"
#include "mien-test.h"
#include "mien.h"

static char dir[512] = "/tmp/mien-test-formats-XXXXXX";
static unsigned char *adobe_icc;
static size_t adobe_icc_size;

enum { W = 64, H = 48 };

static const char *
path (const char *name)
{
  static char buf[8][1024];
  static int i;
  i = (i + 1) % 8;
  snprintf (buf[i], sizeof buf[i], "%s/%s", dir, name);
  return buf[i];
}

static int
exists (const char *name)
{
  struct stat st;
  return stat (path (name), &st) == 0;
}

/* The pattern of make-format-images.py: pattern8 (smooth) and pattern16. */
static float
pattern8 (int x, int y, int c)
{
  int v = c == 0   ? (x * 255) / (W - 1)
          : c == 1 ? (y * 255) / (H - 1)
                   : ((x + y) * 255) / (W + H - 2);
  return (float)v / 255.0f;
}

static unsigned
pattern16 (int x, int y, int c)
{
  return (unsigned)(((x * 1009 + y * 7919 + c * 4001) * 13) % 65536);
}

static float
alpha8 (int x, int y)
{
  return (float)((x * 4 + y * 3) % 256) / 255.0f;
}

/* An "Adobe RGB (1998)"-like profile: its primaries, D65, gamma 563/256. */
static const double adobe_xy[3][2] = { { 0.64, 0.33 }, { 0.21, 0.71 },
                                       { 0.15, 0.06 } };
static const double srgb_xy[3][2] = { { 0.64, 0.33 }, { 0.30, 0.60 },
                                      { 0.15, 0.06 } };
static const double d65[2] = { 0.3127, 0.3290 };

static void
write_adobe_profile (void)
{
  cmsCIExyY white = { d65[0], d65[1], 1.0 };
  cmsCIExyYTRIPLE prim = { { adobe_xy[0][0], adobe_xy[0][1], 1 },
                           { adobe_xy[1][0], adobe_xy[1][1], 1 },
                           { adobe_xy[2][0], adobe_xy[2][1], 1 } };
  cmsToneCurve *g = cmsBuildGamma (NULL, 563.0 / 256.0);
  cmsToneCurve *curves[3] = { g, g, g };
  cmsHPROFILE p = cmsCreateRGBProfile (&white, &prim, curves);
  cmsUInt32Number n = 0;
  cmsSaveProfileToMem (p, NULL, &n);
  adobe_icc = malloc (n);
  cmsSaveProfileToMem (p, adobe_icc, &n);
  adobe_icc_size = n;
  cmsCloseProfile (p);
  cmsFreeToneCurve (g);
  FILE *f = fopen (path ("adobe.icc"), "wb");
  if (f == NULL || fwrite (adobe_icc, 1, n, f) != n)
    {
      fprintf (stderr, "cannot write %s\n", path ("adobe.icc"));
      exit (99);
    }
  fclose (f);
}

static int
same_icc (const mien_image_extras *ex)
{
  return ex->icc && ex->icc_size == adobe_icc_size
         && memcmp (ex->icc, adobe_icc, adobe_icc_size) == 0;
}

/* Mean absolute difference from pattern8 (after an optional EXIF turn). */
static double
mean_error8 (const mien_image *im)
{
  double sum = 0;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      for (int c = 0; c < 3; c++)
        sum += fabs (mien_image_row (im, y)[3 * x + c] - pattern8 (x, y, c));
  return sum / (W * H * 3);
}

static mien_image *
load (const char *name, mien_image_extras *ex)
{
  mien_error err = { 0 };
  mien_image *im = mien_image_load_full (path (name), ex, &err);
  CHECK (im != NULL, "%s: %s", name, err.message);
  if (im)
    CHECK (im->channels == 3, "%s: %d channels", name, im->channels);
  return im;
}

static void
test_formats_open (void)
{
  /* name, lossy tolerance (mean abs error), has ICC, gray */
  static const struct {
    const char *name;
    double tolerance;
    int icc;
    int gray;
  } cases[] = {
    { "rgb.png", 1e-6, 1, 0 },    { "gray.png", 1e-6, 0, 1 },
    { "palette.png", 0.02, 0, 0 }, { "rgb.jpg", 0.01, 1, 0 },
    { "cmyk.jpg", 0.03, 0, 0 },   { "gray.jpg", 0.01, 0, 1 },
    { "rgb.webp", 1e-6, 1, 0 },   { "rgb.tiff", 1e-6, 1, 0 },
    { "rgb.heic", 0.02, 1, 0 },   { "rgb.avif", 0.02, 1, 0 },
    { "interlaced.png", 1e-6, 0, 0 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    {
      if (!exists (cases[i].name))
        {
          CHECK (0, "fixture %s was not made (heif-enc installed?)",
                 cases[i].name);
          continue;
        }
      mien_image_extras ex;
      mien_image *im = load (cases[i].name, &ex);
      if (im == NULL)
        continue;
      CHECK (im->width == W && im->height == H, "%s is %d×%d", cases[i].name,
             im->width, im->height);
      if (cases[i].gray)
        {
          /* Gray expands to R = G = B = the luma PIL computed. */
          double worst = 0;
          for (size_t p = 0; p < (size_t)W * H; p++)
            worst = fmax (worst, fabs (im->data[3 * p] - im->data[3 * p + 1])
                                     + fabs (im->data[3 * p] - im->data[3 * p + 2]));
          CHECK (worst == 0.0, "%s: gray is not R = G = B (%g)",
                 cases[i].name, worst);
        }
      else
        {
          double e = mean_error8 (im);
          CHECK (e <= cases[i].tolerance, "%s: mean error %g > %g",
                 cases[i].name, e, cases[i].tolerance);
        }
      CHECK (ex.alpha == NULL, "%s: an opaque photo has alpha", cases[i].name);
      CHECK (ex.bit_depth == 8, "%s: bit depth %d", cases[i].name,
             ex.bit_depth);
      if (cases[i].icc)
        CHECK (same_icc (&ex), "%s: ICC profile %zu bytes, not the source's "
               "%zu", cases[i].name, ex.icc_size, adobe_icc_size);
      CHECK (!ex.damaged && ex.warning[0] == '\0', "%s: warning '%s'",
             cases[i].name, ex.warning);
      mien_image_free (im);
      mien_image_extras_clear (&ex);
    }

  /* EXIF orientation 6: stored 64×48, shown 48×64, turned clockwise: the
   * shown (x, y) is the stored (y, H' - 1 - x) with H' the shown width. */
  mien_image_extras ex;
  mien_image *im = load ("orient6.jpg", &ex);
  if (im)
    {
      CHECK (im->width == H && im->height == W, "orient6 is %d×%d",
             im->width, im->height);
      double sum = 0;
      for (int y = 0; y < im->height; y++)
        for (int x = 0; x < im->width; x++)
          for (int c = 0; c < 3; c++)
            sum += fabs (mien_image_row (im, y)[3 * x + c]
                         - pattern8 (y, H - 1 - x, c));
      CHECK (sum / (W * H * 3) < 0.01, "orientation 6 applied wrongly (%g)",
             sum / (W * H * 3));
    }
  mien_image_free (im);
  mien_image_extras_clear (&ex);
}

/* Alpha and ICC through every still output. */
static void
test_alpha_and_profile_kept (void)
{
  static const char *sources[] = { "rgba.png", "rgba.webp" };
  for (int s = 0; s < 2; s++)
    {
      mien_image_extras ex;
      mien_image *im = load (sources[s], &ex);
      if (im == NULL)
        continue;
      CHECK (ex.alpha != NULL, "%s: alpha lost on load", sources[s]);
      CHECK (same_icc (&ex), "%s: ICC lost on load", sources[s]);
      double worst = 0;
      for (int y = 0; ex.alpha && y < H; y++)
        for (int x = 0; x < W; x++)
          worst = fmax (worst, fabs (mien_image_row (ex.alpha, y)[x]
                                     - alpha8 (x, y)));
      CHECK (worst < 1e-6, "%s: alpha differs by %g", sources[s], worst);

      static const char *outs[] = { "out.png", "out.webp", "out.tiff",
                                    "out.jpg" };
      for (int o = 0; o < 4; o++)
        {
          mien_error err = { 0 };
          const char *warning = "unset";
          CHECK (mien_image_save_full (im, &ex, path (outs[o]), &warning, &err)
                     == MIEN_OK,
                 "%s: %s", outs[o], err.message);
          int is_jpeg = strstr (outs[o], ".jpg") != NULL;
          CHECK (is_jpeg ? warning && strstr (warning, "flattened")
                         : warning == NULL,
                 "%s: warning '%s'", outs[o], warning ? warning : "(none)");
          mien_image_extras back;
          mien_image *b = load (outs[o], &back);
          CHECK (same_icc (&back), "%s from %s: ICC not kept byte for byte",
                 outs[o], sources[s]);
          if (is_jpeg)
            {
              /* Flattened onto white: c·a + (1 − a). */
              CHECK (back.alpha == NULL, "JPEG has alpha");
              double e = 0;
              for (int y = 0; b && y < H; y++)
                for (int x = 0; x < W; x++)
                  for (int c = 0; c < 3; c++)
                    e += fabs (mien_image_row (b, y)[3 * x + c]
                               - (pattern8 (x, y, c) * alpha8 (x, y)
                                  + 1.0f - alpha8 (x, y)));
              CHECK (e / (W * H * 3) < 0.02, "JPEG not flattened on white (%g)",
                     e / (W * H * 3));
            }
          else
            {
              double aw = back.alpha ? 0 : 1;
              for (int y = 0; back.alpha && y < H; y++)
                for (int x = 0; x < W; x++)
                  aw = fmax (aw, fabs (mien_image_row (back.alpha, y)[x]
                                       - alpha8 (x, y)));
              CHECK (aw < 1e-6, "%s from %s: alpha not kept (%g)", outs[o],
                     sources[s], aw);
            }
          mien_image_free (b);
          mien_image_extras_clear (&back);
        }

      /* 16-bit with alpha: the alpha plane keeps 16 bits too. */
      if (s == 0)
        for (int o = 0; o < 2; o++)
          {
            const char *name = o ? "rgba16.tiff" : "rgba16.png";
            mien_image_extras deep = ex;
            deep.bit_depth = 16;
            for (int y = 0; y < H; y++)
              mien_image_row (ex.alpha, y)[0] = 12345.0f / 65535.0f;
            mien_error err = { 0 };
            CHECK (mien_image_save_full (im, &deep, path (name), NULL, &err)
                       == MIEN_OK,
                   "%s", err.message);
            mien_image_extras back;
            mien_image *b = load (name, &back);
            CHECK (back.bit_depth == 16 && back.alpha
                       && fabsf (mien_image_row (back.alpha, 7)[0] * 65535.0f
                                 - 12345.0f) < 0.01f
                       && same_icc (&back),
                   "%s: 16-bit alpha", name);
            mien_image_free (b);
            mien_image_extras_clear (&back);
            for (int y = 0; y < H; y++)
              mien_image_row (ex.alpha, y)[0] = alpha8 (0, y);
          }

      /* A crop of the photo keeps the alpha of that crop. */
      mien_image_extras cropped;
      mien_error err = { 0 };
      mien_image *part = mien_image_crop (im, 10, 5, 20, 30, &err);
      CHECK (mien_image_extras_crop (&ex, 10, 5, 20, 30, &cropped, &err)
                 == MIEN_OK,
             "%s", err.message);
      CHECK (mien_image_save_full (part, &cropped, path ("crop.png"), NULL,
                                   &err)
                 == MIEN_OK,
             "%s", err.message);
      mien_image_extras back;
      mien_image *b = load ("crop.png", &back);
      CHECK (back.alpha && fabsf (mien_image_row (back.alpha, 0)[0]
                                  - alpha8 (10, 5)) < 1e-6,
             "cropped alpha");
      CHECK (mien_image_save_full (im, &cropped, path ("bad.png"), NULL, &err)
                 == MIEN_ERR_INVALID,
             "alpha of another size accepted");
      mien_image_free (b);
      mien_image_extras_clear (&back);
      mien_image_free (part);
      mien_image_extras_clear (&cropped);
      mien_image_free (im);
      mien_image_extras_clear (&ex);
    }
}

/* 16-bit in, 16-bit out: the error is float rounding, not 1/255. */
static void
test_16_bit (void)
{
  static const char *sources[] = { "rgb16.png", "rgb16.tiff" };
  for (int s = 0; s < 2; s++)
    {
      if (!exists (sources[s]))
        {
          CHECK (0, "fixture %s was not made (ImageMagick installed?)",
                 sources[s]);
          continue;
        }
      mien_image_extras ex;
      mien_image *im = load (sources[s], &ex);
      if (im == NULL)
        continue;
      CHECK (ex.bit_depth == 16, "%s: bit depth %d", sources[s], ex.bit_depth);
      CHECK (same_icc (&ex), "%s: ICC", sources[s]);
      double worst = 0;
      for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
          for (int c = 0; c < 3; c++)
            worst = fmax (worst, fabs (mien_image_row (im, y)[3 * x + c]
                                       * 65535.0 - pattern16 (x, y, c)));
      CHECK (worst < 0.01, "%s: read off by %g/65535", sources[s], worst);

      /* Through the float pipeline: an identity ResWarp (F = 0, O^r = I)
       * is the photo to float rounding; then out to 16 bits. */
      static const char *outs[] = { "out16.png", "out16.tiff" };
      for (int o = 0; o < 2; o++)
        {
          mien_error err = { 0 };
          CHECK (mien_image_save_full (im, &ex, path (outs[o]), NULL, &err)
                     == MIEN_OK,
                 "%s", err.message);
          mien_image_extras back;
          mien_image *b = load (outs[o], &back);
          CHECK (back.bit_depth == 16, "%s written at %d bits", outs[o],
                 back.bit_depth);
          CHECK (same_icc (&back), "%s: ICC", outs[o]);
          double w2 = 0;
          int levels_between = 0;
          for (int y = 0; b && y < H; y++)
            for (int x = 0; x < W; x++)
              for (int c = 0; c < 3; c++)
                {
                  double v = mien_image_row (b, y)[3 * x + c] * 65535.0;
                  w2 = fmax (w2, fabs (v - pattern16 (x, y, c)));
                  /* A value 8 bits cannot hold. */
                  levels_between += pattern16 (x, y, c) % 257 != 0;
                }
          CHECK (w2 < 0.01, "%s from %s: off by %g/65535 (8 bits would be "
                 "up to 128)", outs[o], sources[s], w2);
          CHECK (levels_between > W * H, "pattern too coarse to tell");
          mien_image_free (b);
          mien_image_extras_clear (&back);
        }
      mien_image_free (im);
      mien_image_extras_clear (&ex);
    }
  /* 16-bit gray expands to R = G = B at 16 bits. */
  mien_image_extras gx;
  mien_image *g16 = load ("gray16.png", &gx);
  double gw = g16 ? 0 : 1;
  for (int y = 0; g16 && y < H; y++)
    for (int x = 0; x < W; x++)
      for (int c = 0; c < 3; c++)
        gw = fmax (gw, fabs (mien_image_row (g16, y)[3 * x + c] * 65535.0
                             - pattern16 (x, y, 0)));
  CHECK (gx.bit_depth == 16 && gw < 0.01, "16-bit gray: depth %d, off by %g",
         gx.bit_depth, gw);
  mien_image_free (g16);
  mien_image_extras_clear (&gx);

  /* A plain save of an 8-bit source stays 8-bit. */
  mien_image_extras ex;
  mien_image *im = load ("rgb.png", &ex);
  mien_image_save_full (im, &ex, path ("out8.png"), NULL, NULL);
  mien_image_extras back;
  mien_image *b = load ("out8.png", &back);
  CHECK (back.bit_depth == 8, "an 8-bit source written at %d bits",
         back.bit_depth);
  mien_image_free (b);
  mien_image_free (im);
  mien_image_extras_clear (&ex);
  mien_image_extras_clear (&back);
}

static void
test_damaged (void)
{
  FILE *f = fopen (path ("cut.rows"), "r");
  int good = -1;
  if (f == NULL || fscanf (f, "%d", &good) != 1)
    good = -1;
  if (f)
    fclose (f);
  mien_image_extras ex;
  mien_image *im = load ("cut.jpg", &ex);
  CHECK (im && im->width == 256 && im->height == 256, "cut JPEG");
  /* PIL (its own libjpeg) says where the grey begins. */
  double want = good > 0 ? (256.0 - good) / 256.0 : -1;
  CHECK (ex.damaged && fabs (ex.missing_fraction - want) < 1.0 / 256,
         "missing %g, PIL says %g", ex.missing_fraction, want);
  char expect[64];
  snprintf (expect, sizeof expect, "the lower %.0f %% is missing",
            100.0 * want);
  CHECK (strstr (ex.warning, "this file is damaged") != NULL
             && strstr (ex.warning, expect) != NULL,
         "warning '%s' lacks '%s'", ex.warning, expect);
  if (im)
    CHECK (fabsf (mien_image_row (im, 255)[0] - 128.0f / 255.0f) < 1e-6,
           "missing rows are not grey");
  mien_image_free (im);
  mien_image_extras_clear (&ex);

  /* The same file whole has no warning; a plain load of the cut one opens. */
  im = load ("whole.jpg", &ex);
  CHECK (!ex.damaged && ex.warning[0] == '\0', "whole JPEG: '%s'", ex.warning);
  mien_image_free (im);
  mien_image_extras_clear (&ex);
  mien_error err = { 0 };
  im = mien_image_load (path ("cut.jpg"), &err);
  CHECK (im != NULL, "plain load of a cut JPEG: %s", err.message);
  mien_image_free (im);

  /* A JPEG marker over zeros has no size: not a picture at all (the app's
   * UI test looks for these words). */
  FILE *z = fopen (path ("zeros.jpg"), "wb");
  fwrite ("\xff\xd8\xff\xe0", 1, 4, z);
  for (int i = 0; i < 64; i++)
    fputc (0, z);
  fclose (z);
  CHECK (mien_image_load (path ("zeros.jpg"), &err) == NULL
             && strstr (err.message, "not an image in a format Mien can read"),
         "zeros.jpg: '%s'", err.message);
}

/* Relative colorimetric from a D65 profile to sRGB (D65) is the product of
 * the two RGB→XYZ matrices; the curves are gamma 563/256 and sRGB's. */
static void
rgb_to_xyz (const double xy[3][2], double m[3][3])
{
  double P[3][3], Pi[3][3];
  for (int i = 0; i < 3; i++)
    {
      P[0][i] = xy[i][0] / xy[i][1];
      P[1][i] = 1.0;
      P[2][i] = (1.0 - xy[i][0] - xy[i][1]) / xy[i][1];
    }
  double det = P[0][0] * (P[1][1] * P[2][2] - P[1][2] * P[2][1])
               - P[0][1] * (P[1][0] * P[2][2] - P[1][2] * P[2][0])
               + P[0][2] * (P[1][0] * P[2][1] - P[1][1] * P[2][0]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      {
        int a = (j + 1) % 3, b = (j + 2) % 3, c = (i + 1) % 3, d = (i + 2) % 3;
        Pi[i][j] = (P[a][c] * P[b][d] - P[a][d] * P[b][c]) / det;
      }
  double Wp[3] = { d65[0] / d65[1], 1.0, (1 - d65[0] - d65[1]) / d65[1] };
  for (int i = 0; i < 3; i++)
    {
      double s = Pi[i][0] * Wp[0] + Pi[i][1] * Wp[1] + Pi[i][2] * Wp[2];
      for (int r = 0; r < 3; r++)
        m[r][i] = P[r][i] * s;
    }
}

static void
invert3 (double m[3][3], double out[3][3])
{
  double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
               - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
               + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      {
        int a = (j + 1) % 3, b = (j + 2) % 3, c = (i + 1) % 3, d = (i + 2) % 3;
        out[i][j] = (m[a][c] * m[b][d] - m[a][d] * m[b][c]) / det;
      }
}

static void
test_to_srgb (void)
{
  double a2x[3][3], s2x[3][3], x2s[3][3];
  rgb_to_xyz (adobe_xy, a2x);
  rgb_to_xyz (srgb_xy, s2x);
  invert3 (s2x, x2s);
  mien_image *im = mien_image_new (4, 1, 3, NULL);
  const float in[4][3] = { { 0.2f, 0.6f, 0.3f }, { 0.5f, 0.5f, 0.5f },
                           { 0.8f, 0.4f, 0.1f }, { 0.3f, 0.3f, 0.7f } };
  memcpy (im->data, in, sizeof in);
  mien_error err = { 0 };
  CHECK (mien_image_convert_to_srgb (im, adobe_icc, adobe_icc_size, &err)
             == MIEN_OK,
         "%s", err.message);
  double worst = 0;
  for (int p = 0; p < 4; p++)
    {
      double lin[3], xyz[3] = { 0 }, out[3];
      for (int c = 0; c < 3; c++)
        lin[c] = pow (in[p][c], 563.0 / 256.0);
      for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
          xyz[r] += a2x[r][c] * lin[c];
      for (int r = 0; r < 3; r++)
        {
          double v = x2s[r][0] * xyz[0] + x2s[r][1] * xyz[1]
                     + x2s[r][2] * xyz[2];
          v = fmin (fmax (v, 0.0), 1.0);
          out[r] = v <= 0.0031308 ? 12.92 * v
                                  : 1.055 * pow (v, 1 / 2.4) - 0.055;
          worst = fmax (worst, fabs (out[r] - im->data[3 * p + r]));
        }
    }
  CHECK (worst < 2e-3, "Adobe RGB → sRGB off by %g", worst);
  /* The green of (0.2, 0.6, 0.3) is more saturated in Adobe RGB: it moved. */
  CHECK (fabsf (im->data[0] - 0.2f) + fabsf (im->data[1] - 0.6f)
             + fabsf (im->data[2] - 0.3f) > 0.05f,
         "nothing converted");

  /* lcms2's own float transform (slow, unoptimised) is the second
   * reference: the fast path's tables must not cost precision. */
  cmsHPROFILE ap = cmsOpenProfileFromMem (adobe_icc, adobe_icc_size);
  cmsHPROFILE sp = cmsCreate_sRGBProfile ();
  cmsHTRANSFORM ft = cmsCreateTransform (ap, TYPE_RGB_FLT, sp, TYPE_RGB_FLT,
                                         INTENT_RELATIVE_COLORIMETRIC,
                                         cmsFLAGS_NOOPTIMIZE);
  float ref[4][3];
  cmsDoTransform (ft, in, ref, 4);
  /* lcms2's float transforms are unbounded: clip, as relative
   * colorimetric to an 8- or 16-bit output does. */
  for (int p = 0; p < 4; p++)
    for (int c = 0; c < 3; c++)
      ref[p][c] = fminf (fmaxf (ref[p][c], 0.0f), 1.0f);
  double vs_lcms = 0;
  for (int p = 0; p < 4; p++)
    for (int c = 0; c < 3; c++)
      vs_lcms = fmax (vs_lcms, fabs (ref[p][c] - im->data[3 * p + c]));
  CHECK (vs_lcms < 1e-4, "fast path vs lcms2's float transform: %g", vs_lcms);
  cmsDeleteTransform (ft);

  /* A profile that is not matrix-shaper (the same colours as an A2B0
   * pipeline) goes through lcms2's general transform. */
  const cmsCIEXYZ *col[3] = { cmsReadTag (ap, cmsSigRedColorantTag),
                              cmsReadTag (ap, cmsSigGreenColorantTag),
                              cmsReadTag (ap, cmsSigBlueColorantTag) };
  cmsFloat64Number mat[9];
  for (int c = 0; c < 3; c++)
    {
      /* XYZ in the pipeline is in units of 1 + 32767/32768 (ICC's
       * encoding of XYZ for LUT-based profiles). */
      double k = 1.0 / (1.0 + 32767.0 / 32768.0);
      mat[0 + c] = col[c]->X * k;
      mat[3 + c] = col[c]->Y * k;
      mat[6 + c] = col[c]->Z * k;
    }
  cmsToneCurve *g = cmsBuildGamma (NULL, 563.0 / 256.0);
  cmsToneCurve *curves[3] = { g, g, g };
  cmsPipeline *pipe = cmsPipelineAlloc (NULL, 3, 3);
  cmsPipelineInsertStage (pipe, cmsAT_END,
                          cmsStageAllocToneCurves (NULL, 3, curves));
  cmsPipelineInsertStage (pipe, cmsAT_END,
                          cmsStageAllocMatrix (NULL, 3, 3, mat, NULL));
  /* lutAtoBType's "M curves, matrix, B curves" form. */
  cmsPipelineInsertStage (pipe, cmsAT_END,
                          cmsStageAllocToneCurves (NULL, 3, NULL));
  cmsHPROFILE lut = cmsCreateProfilePlaceholder (NULL);
  cmsSetProfileVersion (lut, 4.3);
  cmsSetDeviceClass (lut, cmsSigDisplayClass);
  cmsSetColorSpace (lut, cmsSigRgbData);
  cmsSetPCS (lut, cmsSigXYZData);
  cmsWriteTag (lut, cmsSigMediaWhitePointTag, cmsD50_XYZ ());
  cmsWriteTag (lut, cmsSigAToB0Tag, pipe);
  cmsUInt32Number lut_size = 0;
  cmsSaveProfileToMem (lut, NULL, &lut_size);
  unsigned char *lut_icc = malloc (lut_size);
  cmsSaveProfileToMem (lut, lut_icc, &lut_size);
  cmsHPROFILE lut_back = cmsOpenProfileFromMem (lut_icc, lut_size);
  CHECK (lut_back && !cmsIsMatrixShaper (lut_back), "LUT profile (%u bytes, "
         "%s)", (unsigned)lut_size, lut_back ? "matrix-shaper" : "unreadable");
  if (lut_back)
    cmsCloseProfile (lut_back);
  memcpy (im->data, in, sizeof in);
  CHECK (mien_image_convert_to_srgb (im, lut_icc, lut_size, &err) == MIEN_OK,
         "%s", err.message);
  double vs_lut = 0;
  for (int p = 0; p < 4; p++)
    for (int c = 0; c < 3; c++)
      vs_lut = fmax (vs_lut, fabs (ref[p][c] - im->data[3 * p + c]));
  /* lcms2's optimised 16-bit transform quantises dark values (a blue of
   * 0.011 comes out 0.014): at most one 8-bit level. */
  CHECK (vs_lut < 1.0 / 255, "general (lcms2) path off by %g", vs_lut);
  free (lut_icc);
  cmsCloseProfile (lut);
  cmsPipelineFree (pipe);
  cmsFreeToneCurve (g);
  cmsCloseProfile (ap);
  cmsCloseProfile (sp);

  memcpy (im->data, in, sizeof in);
  CHECK (mien_image_convert_to_srgb (im, NULL, 0, &err) == MIEN_OK
             && memcmp (im->data, in, sizeof in) == 0,
         "no profile must mean no change");
  unsigned char junk[200] = { 0 };
  CHECK (mien_image_convert_to_srgb (im, junk, sizeof junk, &err) != MIEN_OK
             && memcmp (im->data, in, sizeof in) == 0,
         "a junk profile must be an error, pixels unchanged");
  mien_image_free (im);
}

static void
test_not_regular (void)
{
  mien_error err = { 0 };
  CHECK (mkfifo (path ("pipe.png"), 0600) == 0, "mkfifo: %s",
         strerror (errno));
  /* A blocked open would hang here: the alarm turns that into a failure. */
  alarm (20);
  CHECK (mien_image_load (path ("pipe.png"), &err) == NULL
             && strstr (err.message, "named pipe") != NULL,
         "FIFO: '%s'", err.message);
  CHECK (mien_image_load_pfm (path ("pipe.png"), &err) == NULL
             && strstr (err.message, "named pipe") != NULL,
         "FIFO as PFM: '%s'", err.message);
  CHECK (mien_image_estimate_load_bytes (path ("pipe.png"), &err) == 0,
         "FIFO estimate");
  alarm (0);
  mkdir (path ("folder.jpg"), 0700);
  CHECK (mien_image_load (path ("folder.jpg"), &err) == NULL
             && strstr (err.message, "folder") != NULL,
         "folder: '%s'", err.message);
  CHECK (mien_image_load ("/dev/null", &err) == NULL
             && strstr (err.message, "device") != NULL,
         "/dev/null: '%s'", err.message);
}

static void
test_pfm_nan (void)
{
  mien_image *im = mien_image_new_zeroed (4, 3, 3, NULL);
  im->data[3 * (4 * 2 + 1) + 1] = NAN;
  mien_error err = { 0 };
  CHECK (mien_image_save_pfm (im, path ("nan.pfm"), &err) == MIEN_OK, "%s",
         err.message);
  CHECK (mien_image_load (path ("nan.pfm"), &err) == NULL
             && strstr (err.message, "non-finite") != NULL
             && strstr (err.message, "(1, 2)") != NULL,
         "NaN PFM: '%s'", err.message);
  im->data[3 * (4 * 2 + 1) + 1] = INFINITY;
  mien_image_save_pfm (im, path ("inf.pfm"), NULL);
  CHECK (mien_image_load_pfm (path ("inf.pfm"), &err) == NULL
             && strstr (err.message, "non-finite") != NULL,
         "Inf PFM: '%s'", err.message);
  /* A header that promises more than the file holds is refused before
   * the pixels are allocated. */
  FILE *f = fopen (path ("big.pfm"), "wb");
  fputs ("PF\n30000 4000\n-1.0\n", f);
  fclose (f);
  CHECK (mien_image_load (path ("big.pfm"), &err) == NULL
             && strstr (err.message, "truncated") != NULL,
         "short PFM: '%s'", err.message);
  mien_image_free (im);
}

/* ---- memory ---------------------------------------------------------------- */

/* The decoder's measured peak, in bytes: VmHWM after the load over VmRSS
 * before it, in a fresh process (this program run again with --peak: a
 * forked child would reuse memory its parent freed). A small file of the
 * same kind is loaded first, so the loader module and the libraries are
 * already in. */
static int
peak_main (const char *warm, const char *file)
{
  mien_image_free (mien_image_load (warm, NULL));
  long before = mien_test_status_kb ("VmRSS:");
  mien_image *im = mien_image_load (file, NULL);
  long peak = mien_test_status_kb ("VmHWM:");
  printf ("%.0f\n", im && before > 0 && peak > 0
                        ? (double)(peak - before) * 1024.0
                        : -1.0);
  mien_image_free (im);
  return 0;
}

static double
measured_peak (const char *warm, const char *name)
{
  char cmd[2048];
  snprintf (cmd, sizeof cmd, "/proc/%d/exe --peak '%s' '%s'", (int)getpid (),
            path (warm), path (name));
  FILE *p = popen (cmd, "r");
  double bytes = -1;
  if (p == NULL || fscanf (p, "%lf", &bytes) != 1)
    bytes = -1;
  if (p)
    pclose (p);
  return bytes;
}

static void
test_memory (void)
{
  /* Big enough that the pixels dwarf the libraries. */
  const int w = 3000, h = 2000;
  mien_image *im = mien_image_new (w, h, 3, NULL);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++)
        mien_image_row (im, y)[3 * x + c]
            = 0.5f + 0.4f * sinf (0.01f * (float)(x * (c + 1) + y * (3 - c)));
  static const mien_image_extras sixteen = { .bit_depth = 16 };
  static const struct {
    const char *name, *warm;
    const mien_image_extras *extras;
  } files[] = {
    { "big.png", "rgb.png", NULL },
    { "big16.png", "rgb.png", &sixteen },
    { "big.jpg", "rgb.jpg", NULL },
    { "big16.tiff", "rgb16.tiff", &sixteen },
    { "big.webp", "rgb.webp", NULL },
    { "big.avif", "rgb.avif", NULL }, /* from big.png by heif-enc, below */
  };
  int asan = getenv ("MIEN_TEST_SANITIZED") != NULL;
#if defined(__SANITIZE_ADDRESS__)
  asan = 1;
#endif
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  asan = 1;
#endif
#endif
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    {
      mien_error err = { 0 };
      if (strstr (files[i].name, ".avif"))
        {
          /* HEIC would take 20 s to encode here; AVIF 1.5 s. HEIC measured
           * once by hand: 96 MB against 99 MB estimated. */
          char cmd[2048];
          snprintf (cmd, sizeof cmd,
                    "heif-enc -A -q 80 -o '%s' '%s' > /dev/null",
                    path ("big.avif"), path ("big.png"));
          CHECK (system (cmd) == 0, "%s", cmd);
        }
      else
        CHECK (mien_image_save_full (im, files[i].extras,
                                     path (files[i].name), NULL, &err)
                   == MIEN_OK,
               "%s", err.message);
      uint64_t total = mien_image_estimate_load_bytes (path (files[i].name),
                                                       &err);
      double frame = (double)w * h * 12.0;
      double estimate = (double)total - frame;
      CHECK (total > frame, "%s: estimate %g", files[i].name, (double)total);
      if (asan)
        continue;
      double peak = measured_peak (files[i].warm, files[i].name);
      printf ("%s: decoding peak %.1f MB measured, %.1f MB estimated (%+.0f %%)"
              "\n",
              files[i].name, peak / 1e6, estimate / 1e6,
              100.0 * (estimate - peak) / peak);
      CHECK (peak > 0 && fabs (estimate - peak) <= 0.2 * peak,
             "%s: estimate %.1f MB vs peak %.1f MB", files[i].name,
             estimate / 1e6, peak / 1e6);
    }

  /* Over the cap: refused before decoding, naming the sizes. */
  mien_memory_set_cap (50u << 20);
  mien_error err = { 0 };
  CHECK (mien_image_load (path ("big.png"), &err) == NULL
             && err.status == MIEN_ERR_NOMEM
             && strstr (err.message, "3000×2000") != NULL
             && strstr (err.message, "memory limit of 50 MiB") != NULL,
         "cap: '%s'", err.message);
  CHECK (mien_image_load (path ("big.jpg"), &err) == NULL
             && strstr (err.message, "memory limit") != NULL,
         "cap (GdkPixbuf): '%s'", err.message);
  CHECK (mien_image_load (path ("big16.tiff"), &err) == NULL
             && strstr (err.message, "memory limit") != NULL,
         "cap (TIFF): '%s'", err.message);
  /* Every format's header is checked: a 64×48 photo needs about 90 KB. */
  mien_memory_set_cap (20000);
  static const char *all[] = { "rgb.png", "rgb16.png", "rgb.jpg", "cmyk.jpg",
                               "rgb.webp", "rgb.tiff", "rgb16.tiff",
                               "rgb.heic", "rgb.avif", "palette.png" };
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    {
      mien_image *im2 = mien_image_load (path (all[i]), &err);
      CHECK (im2 == NULL && strstr (err.message, "memory limit") != NULL,
             "%s under a 20 kB cap: '%s'", all[i], im2 ? "opened" : err.message);
      mien_image_free (im2);
    }
  mien_memory_set_cap (50u << 20);
  mien_image *small = mien_image_load (path ("rgb.png"), &err);
  CHECK (small != NULL, "a small photo under the cap: %s", err.message);
  mien_image_free (small);
  mien_memory_set_cap (0);
  setenv ("MIEN_MEMORY_LIMIT", "64M", 1);
  CHECK (mien_memory_get_cap () == 64u << 20, "MIEN_MEMORY_LIMIT");
  unsetenv ("MIEN_MEMORY_LIMIT");
  uint64_t b = 0;
  CHECK (mien_parse_byte_size ("1.5G", &b) && b == 3ull << 29, "1.5G");
  CHECK (mien_parse_byte_size ("512 MiB", &b) && b == 512ull << 20, "512 MiB");
  CHECK (!mien_parse_byte_size ("12 apples", &b), "junk size accepted");
  CHECK (!mien_parse_byte_size ("-1G", &b), "negative size accepted");
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGE_SIZE);
  CHECK (mien_memory_get_cap () == (uint64_t)pages * page / 2,
         "default cap is half of physical memory");
  mien_image_free (im);
}

/* ---- MIME types -------------------------------------------------------------- */

static const struct {
  const char *type, *file;
} mime_files[] = {
  { "image/jpeg", "rgb.jpg" }, { "image/png", "rgb.png" },
  { "image/webp", "rgb.webp" }, { "image/tiff", "rgb.tiff" },
  { "image/avif", "rgb.avif" }, { "image/heif", "rgb.heic" },
  { "image/heic", "rgb.heic" },
};
enum { N_MIME = sizeof mime_files / sizeof mime_files[0] };

static char *
read_text (const char *file)
{
  FILE *f = fopen (file, "rb");
  if (f == NULL)
    return NULL;
  static char buf[65536];
  size_t n = fread (buf, 1, sizeof buf - 1, f);
  buf[n] = '\0';
  fclose (f);
  return buf;
}

/* Every claimed type opens (a fixture of it loads), and every type that
 * opens is claimed. */
static void
check_claims (const char *what, char **claimed, int n)
{
  int seen[N_MIME] = { 0 };
  for (int i = 0; i < n; i++)
    {
      /* A project is not a photo: it opens through mien_project_load, and
       * the mime-type test (tests/app) checks its registration. */
      if (strcmp (claimed[i], "application/x-mien-project") == 0)
        continue;
      int k = 0;
      while (k < N_MIME && strcmp (mime_files[k].type, claimed[i]) != 0)
        k++;
      CHECK (k < N_MIME, "%s claims %s, which no test opens", what,
             claimed[i]);
      if (k < N_MIME)
        {
          seen[k] = 1;
          mien_image *im = mien_image_load (path (mime_files[k].file), NULL);
          CHECK (im != NULL, "%s claims %s, which does not open", what,
                 claimed[i]);
          mien_image_free (im);
        }
    }
  for (int k = 0; k < N_MIME; k++)
    CHECK (seen[k], "%s does not claim %s, which opens", what,
           mime_files[k].type);
}

static void
test_mime_types (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  if (root == NULL)
    {
      CHECK (0, "MIEN_SOURCE_ROOT is not set");
      return;
    }
  char file[1024];
  snprintf (file, sizeof file, "%s/data/io.github.mien.Mien.desktop.in", root);
  char *text = read_text (file);
  CHECK (text != NULL, "cannot read %s", file);
  char *line = text ? strstr (text, "\nMimeType=") : NULL;
  char *claimed[32];
  int n = 0;
  if (line)
    {
      line += strlen ("\nMimeType=");
      line[strcspn (line, "\n")] = '\0';
      for (char *t = strtok (line, ";"); t && n < 32; t = strtok (NULL, ";"))
        claimed[n++] = strdup (t);
    }
  check_claims ("the desktop file", claimed, n);
  for (int i = 0; i < n; i++)
    free (claimed[i]);

  snprintf (file, sizeof file, "%s/data/io.github.mien.Mien.metainfo.xml.in",
            root);
  text = read_text (file);
  CHECK (text != NULL, "cannot read %s", file);
  n = 0;
  for (char *p = text; p && (p = strstr (p, "<mediatype>")) != NULL && n < 32;)
    {
      p += strlen ("<mediatype>");
      size_t len = strcspn (p, "<");
      claimed[n++] = strndup (p, len);
    }
  check_claims ("the metainfo", claimed, n);
  for (int i = 0; i < n; i++)
    free (claimed[i]);
}

int
main (int argc, char **argv)
{
  if (argc == 4 && strcmp (argv[1], "--peak") == 0)
    return peak_main (argv[2], argv[3]);
  /* For test_render_formats.py: the same profile, written where it says. */
  if (argc == 3 && strcmp (argv[1], "--write-profile") == 0)
    {
      snprintf (dir, sizeof dir, "%s", argv[2]);
      write_adobe_profile ();
      free (adobe_icc);
      return 0;
    }
  if (mkdtemp (dir) == NULL)
    return 99;
  write_adobe_profile ();
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  char cmd[2048];
  snprintf (cmd, sizeof cmd,
            "/usr/bin/python3 '%s/tests/io/make-format-images.py' '%s' '%s'",
            root ? root : ".", dir, path ("adobe.icc"));
  if (system (cmd) != 0)
    {
      fprintf (stderr, "cannot make the fixtures: %s\n", cmd);
      return 99;
    }
  test_formats_open ();
  test_alpha_and_profile_kept ();
  test_16_bit ();
  test_damaged ();
  test_to_srgb ();
  test_not_regular ();
  test_pfm_nan ();
  test_memory ();
  test_mime_types ();
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
  free (adobe_icc);
  return mien_test_exit_code ();
}
