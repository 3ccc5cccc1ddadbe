/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Colour profiles. Stills keep the photo's ICC profile byte for byte (the
 * writers embed it); outputs that carry no profile (video, GIF, the
 * preview) have their pixels converted to sRGB here, with lcms2. */
#include "mien-image-io-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lcms2.h>

void
mien_icc_color_space (const unsigned char *icc, size_t size, char out[5])
{
  out[0] = '\0';
  /* 128-byte header; the data colour space is bytes 16–19. */
  if (icc == NULL || size < 128)
    return;
  memcpy (out, icc + 16, 4);
  out[4] = '\0';
  for (int i = 3; i >= 0 && out[i] == ' '; i--)
    out[i] = '\0';
}

/* Most photo profiles (Adobe RGB, Display P3, ProPhoto, camera sRGB) are
 * matrix-shaper profiles: three tone curves and a 3×3 matrix. For those,
 * relative colorimetric to sRGB is curves → one matrix → sRGB's curve,
 * which runs here from tables at about 100 Mpx/s; lcms2's own transform
 * (kept for every other profile) manages 14 Mpx/s on 16-bit samples and a
 * fifth of that on floats. The tables are fine enough that the result
 * matches lcms2 to about 2e-5. */
enum { LUT_SIZE = 4096 };

struct mien_srgb_transform {
  int identity;
  /* Matrix-shaper fast path. */
  int fast;
  float in_lut[3][LUT_SIZE + 1]; /* encoded → linear, per channel */
  float matrix[3][3];            /* linear photo RGB → linear sRGB */
  float out_lut[LUT_SIZE + 1];   /* linear → sRGB-encoded */
  /* Anything else. */
  cmsContext ctx;
  cmsHTRANSFORM lcms;
};

static inline float
lut_eval (const float *lut, float v)
{
  v = v > 0.0f ? (v < 1.0f ? v : 1.0f) : 0.0f; /* and NaN */
  float p = v * LUT_SIZE;
  int i = (int)p;
  if (i >= LUT_SIZE)
    return lut[LUT_SIZE];
  float f = p - (float)i;
  return lut[i] + f * (lut[i + 1] - lut[i]);
}

static int
read_colorants (cmsHPROFILE p, double m[3][3])
{
  static const cmsTagSignature tags[3] = { cmsSigRedColorantTag,
                                           cmsSigGreenColorantTag,
                                           cmsSigBlueColorantTag };
  for (int c = 0; c < 3; c++)
    {
      const cmsCIEXYZ *xyz = cmsReadTag (p, tags[c]);
      if (xyz == NULL)
        return 0;
      m[0][c] = xyz->X;
      m[1][c] = xyz->Y;
      m[2][c] = xyz->Z;
    }
  return 1;
}

static int
invert3 (const double m[3][3], double out[3][3])
{
  double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
               - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
               + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  if (!(fabs (det) > 1e-12))
    return 0;
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      {
        int a = (j + 1) % 3, b = (j + 2) % 3, c = (i + 1) % 3, d = (i + 2) % 3;
        out[i][j] = (m[a][c] * m[b][d] - m[a][d] * m[b][c]) / det;
      }
  return 1;
}

/* The fast path's tables, if in and srgb are both matrix-shaper. */
static int
setup_fast (mien_srgb_transform *t, cmsHPROFILE in, cmsHPROFILE srgb)
{
  if (!cmsIsMatrixShaper (in) || !cmsIsMatrixShaper (srgb))
    return 0;
  double m_in[3][3], m_srgb[3][3], inv[3][3];
  if (!read_colorants (in, m_in) || !read_colorants (srgb, m_srgb)
      || !invert3 (m_srgb, inv))
    return 0;
  static const cmsTagSignature trc[3] = { cmsSigRedTRCTag, cmsSigGreenTRCTag,
                                          cmsSigBlueTRCTag };
  for (int c = 0; c < 3; c++)
    {
      const cmsToneCurve *curve = cmsReadTag (in, trc[c]);
      if (curve == NULL)
        return 0;
      for (int i = 0; i <= LUT_SIZE; i++)
        t->in_lut[c][i]
            = cmsEvalToneCurveFloat (curve, (cmsFloat32Number)i / LUT_SIZE);
    }
  const cmsToneCurve *out = cmsReadTag (srgb, cmsSigRedTRCTag);
  cmsToneCurve *rev = out ? cmsReverseToneCurve (out) : NULL;
  if (rev == NULL)
    return 0;
  for (int i = 0; i <= LUT_SIZE; i++)
    t->out_lut[i] = cmsEvalToneCurveFloat (rev, (cmsFloat32Number)i / LUT_SIZE);
  cmsFreeToneCurve (rev);
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      {
        double v = 0;
        for (int k = 0; k < 3; k++)
          v += inv[r][k] * m_in[k][c];
        t->matrix[r][c] = (float)v;
      }
  return 1;
}

mien_srgb_transform *
mien_srgb_transform_new (const unsigned char *icc, size_t icc_size,
                         mien_error *err)
{
  mien_srgb_transform *t = calloc (1, sizeof *t);
  if (t == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  if (icc == NULL || icc_size == 0)
    {
      t->identity = 1;
      return t;
    }
  t->ctx = cmsCreateContext (NULL, NULL);
  cmsHPROFILE in = t->ctx ? cmsOpenProfileFromMemTHR (t->ctx, icc,
                                                      (cmsUInt32Number)icc_size)
                          : NULL;
  if (in == NULL)
    {
      mien_error_set (err, MIEN_ERR_FORMAT,
                      "the photo's colour profile cannot be read");
      mien_srgb_transform_free (t);
      return NULL;
    }
  if (cmsGetColorSpace (in) != cmsSigRgbData)
    {
      char space[5];
      mien_icc_color_space (icc, icc_size, space);
      cmsCloseProfile (in);
      mien_srgb_transform_free (t);
      mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                      "the photo's colour profile is %s, not RGB", space);
      return NULL;
    }
  cmsHPROFILE srgb = cmsCreate_sRGBProfileTHR (t->ctx);
  t->fast = srgb && setup_fast (t, in, srgb);
  /* Relative colorimetric keeps in-gamut colours exact and clips the rest,
   * the usual choice for photos going to an sRGB screen or video. */
  if (!t->fast && srgb)
    t->lcms = cmsCreateTransformTHR (t->ctx, in, TYPE_RGB_16, srgb,
                                     TYPE_RGB_16, INTENT_RELATIVE_COLORIMETRIC,
                                     cmsFLAGS_NOCACHE);
  cmsCloseProfile (in);
  if (srgb)
    cmsCloseProfile (srgb);
  if (!t->fast && t->lcms == NULL)
    {
      mien_srgb_transform_free (t);
      mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                      "no conversion from the photo's colour profile to "
                      "sRGB");
      return NULL;
    }
  return t;
}

void
mien_srgb_transform_free (mien_srgb_transform *t)
{
  if (t == NULL)
    return;
  if (t->lcms)
    cmsDeleteTransform (t->lcms);
  if (t->ctx)
    cmsDeleteContext (t->ctx);
  free (t);
}

mien_status
mien_srgb_transform_apply (const mien_srgb_transform *t, mien_image *image,
                           mien_error *err)
{
  if (image->channels != 3)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "colour conversion needs an RGB image, not %d "
                           "channels",
                           image->channels);
  if (t->identity)
    return MIEN_OK;
  if (t->fast)
    {
      const float(*m)[3] = t->matrix;
      size_t n = (size_t)image->width * (size_t)image->height;
      float *p = image->data;
      for (size_t i = 0; i < n; i++, p += 3)
        {
          float r = lut_eval (t->in_lut[0], p[0]);
          float g = lut_eval (t->in_lut[1], p[1]);
          float b = lut_eval (t->in_lut[2], p[2]);
          p[0] = lut_eval (t->out_lut, m[0][0] * r + m[0][1] * g + m[0][2] * b);
          p[1] = lut_eval (t->out_lut, m[1][0] * r + m[1][1] * g + m[1][2] * b);
          p[2] = lut_eval (t->out_lut, m[2][0] * r + m[2][1] * g + m[2][2] * b);
        }
      return MIEN_OK;
    }
  uint16_t *row16 = malloc (sizeof *row16 * 3 * (size_t)image->width);
  if (row16 == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  for (int y = 0; y < image->height; y++)
    {
      float *row = mien_image_row (image, y);
      for (int i = 0; i < 3 * image->width; i++)
        row16[i] = mien_to_u16 (row[i]);
      cmsDoTransform (t->lcms, row16, row16, (cmsUInt32Number)image->width);
      for (int i = 0; i < 3 * image->width; i++)
        row[i] = (float)row16[i] / 65535.0f;
    }
  free (row16);
  return MIEN_OK;
}

mien_status
mien_image_convert_to_srgb (mien_image *image, const unsigned char *icc,
                            size_t icc_size, mien_error *err)
{
  if (image->channels != 3)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "colour conversion needs an RGB image, not %d "
                           "channels",
                           image->channels);
  mien_srgb_transform *t = mien_srgb_transform_new (icc, icc_size, err);
  if (t == NULL)
    return err ? err->status : MIEN_ERR_INVALID;
  mien_status st = mien_srgb_transform_apply (t, image, err);
  mien_srgb_transform_free (t);
  return st;
}
