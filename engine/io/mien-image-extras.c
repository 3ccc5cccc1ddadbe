/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What a photo carries besides its pixels: warnings (damaged files), the
 * ICC profile of a WebP, EXIF orientation, and the extras' lifetime. */
#include "mien-image-io.h"
#include "mien-image-io-private.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
mien_image_add_warning (mien_image_extras *extras, const char *fmt, ...)
{
  size_t used = strlen (extras->warning);
  if (used > 0 && used + 2 < sizeof extras->warning)
    {
      memcpy (extras->warning + used, "; ", 3);
      used += 2;
    }
  va_list ap;
  va_start (ap, fmt);
  vsnprintf (extras->warning + used, sizeof extras->warning - used, fmt, ap);
  va_end (ap);
}

void
mien_image_set_damaged (mien_image_extras *extras, const char *path, double missing)
{
  extras->damaged = 1;
  extras->missing_fraction = missing;
  if (missing <= 0.0)
    {
      mien_image_add_warning (extras,
                   "%s: this file is damaged: its end is missing (the "
                   "picture may be blurred)",
                   path);
      return;
    }
  /* Never say "0 %" or "100 %" of a photo that opened with a part missing.
   * The rows are the file's: after an EXIF rotation the grey part may be
   * at another side, the share is the same. */
  double pct = fmin (fmax (100.0 * missing, 1.0), 99.0);
  mien_image_add_warning (extras, "%s: this file is damaged: the lower %.0f %% is missing",
               path, pct);
}

/* webp-pixbuf-loader writes a profile but does not hand one back: read the
 * ICCP chunk of the RIFF container ourselves. */
void
mien_image_read_webp_icc (int fd, uint64_t file_size, mien_image_extras *extras)
{
  unsigned char head[12];
  if (pread (fd, head, 12, 0) != 12 || memcmp (head, "RIFF", 4) != 0
      || memcmp (head + 8, "WEBP", 4) != 0)
    return;
  uint64_t at = 12;
  while (at + 8 <= file_size)
    {
      unsigned char ch[8];
      if (pread (fd, ch, 8, (off_t)at) != 8)
        return;
      uint64_t size = (uint64_t)ch[4] | (uint64_t)ch[5] << 8
                      | (uint64_t)ch[6] << 16 | (uint64_t)ch[7] << 24;
      if (at + 8 + size > file_size)
        return;
      if (memcmp (ch, "ICCP", 4) == 0)
        {
          if (size == 0 || (extras->icc = malloc (size)) == NULL)
            return;
          if (pread (fd, extras->icc, size, (off_t)(at + 8)) != (ssize_t)size)
            {
              free (extras->icc);
              extras->icc = NULL;
              return;
            }
          extras->icc_size = size;
          return;
        }
      /* The profile comes before the image data, if at all. */
      if (memcmp (ch, "VP8 ", 4) == 0 || memcmp (ch, "VP8L", 4) == 0)
        return;
      at += 8 + size + (size & 1);
    }
}

/* ---- orientation ----------------------------------------------------------- */

mien_status
mien_image_apply_orientation (mien_image **image, int orientation,
                              mien_error *err)
{
  mien_image *src = *image;
  if (orientation <= 1 || orientation > 8)
    return MIEN_OK;
  int transpose = orientation >= 5;
  int W = transpose ? src->height : src->width;
  int H = transpose ? src->width : src->height;
  mien_image *dst = mien_image_new (W, H, src->channels, err);
  if (dst == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  int C = src->channels;
  for (int y = 0; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        /* Where output (x, y) comes from in the stored image (TIFF/EXIF
         * orientation: the stored row 0 is at the top, right, bottom or
         * left of the visual image, read left-to-right or mirrored). */
        int sx, sy;
        switch (orientation)
          {
          case 2: sx = W - 1 - x; sy = y; break;
          case 3: sx = W - 1 - x; sy = H - 1 - y; break;
          case 4: sx = x; sy = H - 1 - y; break;
          case 5: sx = y; sy = x; break;
          case 6: sx = y; sy = W - 1 - x; break;
          case 7: sx = H - 1 - y; sy = W - 1 - x; break;
          case 8: default: sx = H - 1 - y; sy = x; break;
          }
        memcpy (mien_image_row (dst, y) + (size_t)x * C,
                mien_image_row (src, sy) + (size_t)sx * C, sizeof (float) * C);
      }
  mien_image_free (src);
  *image = dst;
  return MIEN_OK;
}

void
mien_image_extras_clear (mien_image_extras *extras)
{
  if (extras == NULL)
    return;
  mien_image_free (extras->alpha);
  free (extras->icc);
  free (extras->exif);
  memset (extras, 0, sizeof *extras);
}

mien_status
mien_image_extras_crop (const mien_image_extras *src, int x, int y, int width,
                        int height, mien_image_extras *out, mien_error *err)
{
  memset (out, 0, sizeof *out);
  out->bit_depth = src->bit_depth;
  if (src->alpha)
    {
      out->alpha = mien_image_crop (src->alpha, x, y, width, height, err);
      if (out->alpha == NULL)
        return err ? err->status : MIEN_ERR_INVALID;
    }
  if (src->icc)
    {
      out->icc = malloc (src->icc_size);
      if (out->icc == NULL)
        {
          mien_image_extras_clear (out);
          return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
        }
      memcpy (out->icc, src->icc, src->icc_size);
      out->icc_size = src->icc_size;
    }
  /* The EXIF's pixel size says the photo's: a crop says its own. */
  if (src->exif)
    out->exif = mien_exif_normalize (src->exif, src->exif_size, width, height,
                                     &out->exif_size);
  return MIEN_OK;
}
