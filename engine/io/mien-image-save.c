/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The image writer's dispatch: the format from the extension. */
#include "mien-image-io.h"
#include "mien-image-io-private.h"

#include <strings.h>

int
mien_image_save_supported (const char *path)
{
  const char *ext = mien_image_extension_of (path);
  return strcasecmp (ext, "png") == 0 || strcasecmp (ext, "jpg") == 0
         || strcasecmp (ext, "jpeg") == 0 || strcasecmp (ext, "pfm") == 0
         || strcasecmp (ext, "webp") == 0 || strcasecmp (ext, "tif") == 0
         || strcasecmp (ext, "tiff") == 0;
}

mien_status
mien_image_save_with (const mien_image *image, const mien_image_extras *extras,
                      const char *path, const mien_image_save_options *options,
                      const char **warning, mien_error *err)
{
  if (warning)
    *warning = NULL;
  int quality = options && options->quality ? options->quality
                                            : MIEN_IMAGE_DEFAULT_QUALITY;
  if (quality < 1 || quality > 100)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "cannot write %s: quality %d is not in 1–100",
                           path, quality);
  if (extras && extras->alpha
      && (extras->alpha->width != image->width
          || extras->alpha->height != image->height
          || extras->alpha->channels != 1))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "cannot write %s: the alpha plane is %d×%d, the "
                           "image %d×%d",
                           path, extras->alpha->width, extras->alpha->height,
                           image->width, image->height);
  const char *ext = mien_image_extension_of (path);
  if (strcasecmp (ext, "pfm") == 0)
    return mien_image_save_pfm (image, path, err);
  if (strcasecmp (ext, "png") == 0)
    return mien_png_save (image, extras, path, err);
  if (strcasecmp (ext, "tif") == 0 || strcasecmp (ext, "tiff") == 0)
    return mien_tiff_save (image, extras, path, err);
  if (strcasecmp (ext, "webp") == 0)
    return mien_pixbuf_save (image, extras, path, "webp", quality, err);
  if (strcasecmp (ext, "jpg") == 0 || strcasecmp (ext, "jpeg") == 0)
    {
      mien_status st = mien_pixbuf_save (image, extras, path, "jpeg", quality,
                                         err);
      if (st == MIEN_OK && warning && extras && extras->alpha)
        *warning = "JPEG has no transparency: the alpha channel was "
                   "flattened onto white (write .png, .webp or .tiff to keep "
                   "it)";
      return st;
    }
  return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                         "cannot write %s: unknown extension (use .png, .jpg, "
                         ".webp, .tiff or .pfm)",
                         path);
}

mien_status
mien_image_save_full (const mien_image *image, const mien_image_extras *extras,
                      const char *path, const char **warning, mien_error *err)
{
  return mien_image_save_with (image, extras, path, NULL, warning, err);
}

mien_status
mien_image_save (const mien_image *image, const char *path, mien_error *err)
{
  return mien_image_save_full (image, NULL, path, NULL, err);
}
