/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Colour profiles. Stills keep the photo's ICC profile byte for byte (the
 * writers embed it); outputs that carry no profile (video, GIF, the
 * preview) have their pixels converted to sRGB here, with lcms2. */
#include "mien-image-io-private.h"

#include <math.h>
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

mien_status
mien_image_convert_to_srgb (mien_image *image, const unsigned char *icc,
                            size_t icc_size, mien_error *err)
{
  if (icc == NULL || icc_size == 0)
    return MIEN_OK;
  if (image->channels != 3)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "colour conversion needs an RGB image, not %d "
                           "channels",
                           image->channels);
  cmsContext ctx = cmsCreateContext (NULL, NULL);
  if (ctx == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  cmsHPROFILE in = cmsOpenProfileFromMemTHR (ctx, icc, (cmsUInt32Number)icc_size);
  if (in == NULL)
    {
      cmsDeleteContext (ctx);
      return mien_error_set (err, MIEN_ERR_FORMAT,
                             "the photo's colour profile cannot be read");
    }
  if (cmsGetColorSpace (in) != cmsSigRgbData)
    {
      char space[5];
      mien_icc_color_space (icc, icc_size, space);
      cmsCloseProfile (in);
      cmsDeleteContext (ctx);
      return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                             "the photo's colour profile is %s, not RGB",
                             space);
    }
  cmsHPROFILE srgb = cmsCreate_sRGBProfileTHR (ctx);
  /* Relative colorimetric keeps in-gamut colours exact and clips the rest,
   * the usual choice for photos going to an sRGB screen or video. */
  cmsHTRANSFORM t = srgb ? cmsCreateTransformTHR (ctx, in, TYPE_RGB_FLT, srgb,
                                                  TYPE_RGB_FLT,
                                                  INTENT_RELATIVE_COLORIMETRIC,
                                                  cmsFLAGS_NOCACHE)
                         : NULL;
  cmsCloseProfile (in);
  if (srgb)
    cmsCloseProfile (srgb);
  if (t == NULL)
    {
      cmsDeleteContext (ctx);
      return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                             "no conversion from the photo's colour profile "
                             "to sRGB");
    }
  for (int y = 0; y < image->height; y++)
    {
      float *row = mien_image_row (image, y);
      cmsDoTransform (t, row, row, (cmsUInt32Number)image->width);
      for (int i = 0; i < 3 * image->width; i++)
        row[i] = row[i] > 0.0f ? (row[i] < 1.0f ? row[i] : 1.0f) : 0.0f;
    }
  cmsDeleteTransform (t);
  cmsDeleteContext (ctx);
  return MIEN_OK;
}
