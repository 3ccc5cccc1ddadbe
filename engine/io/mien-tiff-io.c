/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 16-bit TIFF through libtiff (GdkPixbuf reads TIFF at 8 bits only), and
 * TIFF output at 8 or 16 bits with alpha and the ICC profile. Other TIFFs
 * (8-bit, tiled, palette, CMYK, YCbCr, float) are left to GdkPixbuf, which
 * reads them at 8 bits with their orientation. */
#include "mien-image-io-private.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tiffio.h>

#include "mien-atomic-file.h"

typedef struct {
  char message[200];
} tiff_messages;

static int
on_tiff_error (TIFF *tif, void *data, const char *module, const char *fmt,
               va_list ap)
{
  (void)tif;
  (void)module;
  tiff_messages *m = data;
  /* The first error is the cause; later ones are consequences. */
  if (m->message[0] == '\0')
    vsnprintf (m->message, sizeof m->message, fmt, ap);
  return 1;
}

static int
on_tiff_warning (TIFF *tif, void *data, const char *module, const char *fmt,
                 va_list ap)
{
  /* Unknown tags and the like: not the user's problem. */
  (void)tif, (void)data, (void)module, (void)fmt, (void)ap;
  return 1;
}

/* Opens fd (duplicated: TIFFClose closes its own copy) with our handlers. */
static TIFF *
open_fd (int fd, const char *path, const char *mode, tiff_messages *m)
{
  int copy = dup (fd);
  if (copy < 0)
    return NULL;
  if (mode[0] == 'r')
    lseek (copy, 0, SEEK_SET);
  TIFFOpenOptions *opts = TIFFOpenOptionsAlloc ();
  if (opts == NULL)
    {
      close (copy);
      return NULL;
    }
  TIFFOpenOptionsSetErrorHandlerExtR (opts, on_tiff_error, m);
  TIFFOpenOptionsSetWarningHandlerExtR (opts, on_tiff_warning, m);
  TIFF *tif = TIFFFdOpenExt (copy, path, mode, opts);
  TIFFOpenOptionsFree (opts);
  if (tif == NULL)
    close (copy);
  return tif;
}

typedef struct {
  uint32_t width, height;
  uint16_t bps, spp, photometric, planar, sample_format, orientation;
  uint16_t n_extra;
  const uint16_t *extra;
  int color; /* 3 (RGB) or 1 (gray) */
} tiff_layout;

/* 1 if this is a TIFF we read ourselves (16-bit unsigned, strips,
 * contiguous, RGB or gray). */
static int
read_layout (TIFF *tif, tiff_layout *l)
{
  memset (l, 0, sizeof *l);
  TIFFGetField (tif, TIFFTAG_IMAGEWIDTH, &l->width);
  TIFFGetField (tif, TIFFTAG_IMAGELENGTH, &l->height);
  TIFFGetFieldDefaulted (tif, TIFFTAG_BITSPERSAMPLE, &l->bps);
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLESPERPIXEL, &l->spp);
  TIFFGetFieldDefaulted (tif, TIFFTAG_PLANARCONFIG, &l->planar);
  TIFFGetFieldDefaulted (tif, TIFFTAG_SAMPLEFORMAT, &l->sample_format);
  TIFFGetFieldDefaulted (tif, TIFFTAG_ORIENTATION, &l->orientation);
  TIFFGetFieldDefaulted (tif, TIFFTAG_EXTRASAMPLES, &l->n_extra, &l->extra);
  if (!TIFFGetField (tif, TIFFTAG_PHOTOMETRIC, &l->photometric))
    return 0;
  l->color = l->photometric == PHOTOMETRIC_RGB          ? 3
             : l->photometric == PHOTOMETRIC_MINISBLACK ? 1
                                                        : 0;
  return l->bps == 16 && l->color != 0 && !TIFFIsTiled (tif)
         && l->sample_format == SAMPLEFORMAT_UINT
         && (l->spp == l->color || l->spp == l->color + 1)
         && (l->planar == PLANARCONFIG_CONTIG || l->spp == 1)
         && l->width > 0 && l->height > 0;
}

mien_status
mien_tiff_read_header (int fd, mien_image_header *h)
{
  tiff_messages m = { { 0 } };
  TIFF *tif = open_fd (fd, "", "rm", &m);
  if (tif == NULL)
    return MIEN_ERR_FORMAT;
  tiff_layout l;
  int ours = read_layout (tif, &l);
  TIFFClose (tif);
  /* Width and height also for a TIFF that GdkPixbuf will read, so that it
   * is refused before GdkPixbuf allocates. */
  *h = (mien_image_header){ .width = (int)l.width, .height = (int)l.height,
                            .channels = l.spp, .bit_depth = l.bps };
  if (l.width > (uint32_t)MIEN_IMAGE_MAX_SIDE
      || l.height > (uint32_t)MIEN_IMAGE_MAX_SIDE)
    h->width = h->height = MIEN_IMAGE_MAX_SIDE + 1;
  return ours ? MIEN_OK : MIEN_ERR_UNSUPPORTED;
}

mien_image *
mien_tiff_load (int fd, const char *path, mien_image_extras *extras,
                mien_header_check check, void *check_data, mien_error *err)
{
  tiff_messages m = { { 0 } };
  TIFF *tif = open_fd (fd, path, "rm", &m);
  if (tif == NULL)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "cannot read %s: %s", path,
                      m.message[0] ? m.message : "not a TIFF");
      return NULL;
    }
  tiff_layout l;
  if (!read_layout (tif, &l))
    {
      TIFFClose (tif);
      mien_error_set (err, MIEN_ERR_UNSUPPORTED, "%s", "");
      return NULL;
    }
  mien_image_header h = { .width = (int)l.width, .height = (int)l.height,
                          .channels = l.spp, .bit_depth = 16 };
  mien_image *image = NULL, *alpha = NULL;
  uint16_t *row = NULL;
  mien_status st = l.width > (uint32_t)MIEN_IMAGE_MAX_SIDE
                           || l.height > (uint32_t)MIEN_IMAGE_MAX_SIDE
                       ? mien_image_check_size (MIEN_IMAGE_MAX_SIDE + 1, 1,
                                                3, err)
                       : mien_image_check_size (h.width, h.height, 3, err);
  if (st == MIEN_OK && check)
    st = check (&h, check_data, err);
  if (st != MIEN_OK)
    {
      mien_error_prefix (err, "%s", path);
      goto out;
    }
  int has_alpha = l.spp == l.color + 1;
  /* Associated (premultiplied) alpha is divided out below; anything else
   * in the extra sample is taken as plain alpha. */
  int premultiplied = has_alpha && l.n_extra >= 1
                      && l.extra[0] == EXTRASAMPLE_ASSOCALPHA;
  image = mien_image_new (h.width, h.height, 3, err);
  if (image && extras && has_alpha)
    alpha = mien_image_new (h.width, h.height, 1, err);
  tmsize_t line = TIFFScanlineSize (tif);
  if (image && (!extras || !has_alpha || alpha)
      && line >= (tmsize_t)l.width * l.spp * 2)
    row = _TIFFmalloc (line);
  if (row == NULL)
    {
      if (image && (!extras || !has_alpha || alpha))
        mien_error_set (err, MIEN_ERR_NOMEM, "out of memory reading %s",
                        path);
      else
        mien_error_prefix (err, "%s", path);
      st = MIEN_ERR_NOMEM;
      goto out;
    }
  int rows_read = 0;
  for (uint32_t y = 0; y < l.height; y++)
    {
      if (TIFFReadScanline (tif, row, y, 0) < 0)
        break;
      float *out = mien_image_row (image, (int)y);
      float *a = alpha ? mien_image_row (alpha, (int)y) : NULL;
      for (uint32_t x = 0; x < l.width; x++)
        {
          const uint16_t *p = row + (size_t)x * l.spp;
          float av = has_alpha ? p[l.spp - 1] / 65535.0f : 1.0f;
          for (int c = 0; c < 3; c++)
            {
              float v = p[l.color == 3 ? c : 0] / 65535.0f;
              if (premultiplied)
                v = av > 0.0f ? fminf (v / av, 1.0f) : 0.0f;
              out[3 * x + c] = v;
            }
          if (a)
            a[x] = av;
        }
      rows_read++;
    }
  if (rows_read == 0)
    {
      st = mien_error_set (err, MIEN_ERR_FORMAT, "cannot read %s: %s", path,
                           m.message[0] ? m.message : "no rows");
      goto out;
    }
  if (rows_read < h.height && extras)
    {
      /* Like a JPEG decoder: the rows that are not there are grey, and the
       * caller is told how much is missing. */
      extras->damaged = 1;
      extras->missing_fraction = (double)(h.height - rows_read) / h.height;
      snprintf (extras->warning, sizeof extras->warning,
                "%s: this file is damaged: the lower %.0f %% is missing",
                path, 100.0 * extras->missing_fraction);
    }
  for (int y = rows_read; y < h.height; y++)
    {
      float *out = mien_image_row (image, y);
      for (int i = 0; i < 3 * h.width; i++)
        out[i] = 0.5f;
      if (alpha)
        for (int x = 0; x < h.width; x++)
          mien_image_row (alpha, y)[x] = 1.0f;
    }
  if (extras)
    {
      uint32_t count = 0;
      void *data = NULL;
      extras->bit_depth = 16;
      if (TIFFGetField (tif, TIFFTAG_ICCPROFILE, &count, &data) && count > 0
          && (extras->icc = malloc (count)) != NULL)
        {
          memcpy (extras->icc, data, count);
          extras->icc_size = count;
        }
    }
  if (l.orientation > 1 && l.orientation <= 8)
    {
      st = mien_image_apply_orientation (&image, l.orientation, err);
      if (st == MIEN_OK && alpha)
        st = mien_image_apply_orientation (&alpha, l.orientation, err);
    }
out:
  if (row)
    _TIFFfree (row);
  TIFFClose (tif);
  if (st != MIEN_OK)
    {
      mien_image_free (image);
      mien_image_free (alpha);
      return NULL;
    }
  if (extras)
    extras->alpha = alpha;
  return image;
}

mien_status
mien_tiff_save (const mien_image *image, const mien_image_extras *extras,
                const char *path, mien_error *err)
{
  int depth = extras && extras->bit_depth == 16 ? 16 : 8;
  const mien_image *alpha = extras ? extras->alpha : NULL;
  int spp = alpha ? 4 : 3;
  size_t line = (size_t)image->width * (size_t)spp * (size_t)(depth / 8);
  unsigned char *row = malloc (line);
  if (row == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory saving %s",
                           path);
  mien_atomic_file *file = mien_atomic_file_open (path, err);
  if (file == NULL)
    {
      free (row);
      return MIEN_ERR_IO;
    }
  tiff_messages m = { { 0 } };
  TIFF *tif = open_fd (fileno (mien_atomic_file_stream (file)), path, "w", &m);
  int ok = tif != NULL;
  if (ok)
    {
      TIFFSetField (tif, TIFFTAG_IMAGEWIDTH, (uint32_t)image->width);
      TIFFSetField (tif, TIFFTAG_IMAGELENGTH, (uint32_t)image->height);
      TIFFSetField (tif, TIFFTAG_BITSPERSAMPLE, (uint16_t)depth);
      TIFFSetField (tif, TIFFTAG_SAMPLESPERPIXEL, (uint16_t)spp);
      TIFFSetField (tif, TIFFTAG_PHOTOMETRIC, PHOTOMETRIC_RGB);
      TIFFSetField (tif, TIFFTAG_PLANARCONFIG, PLANARCONFIG_CONTIG);
      TIFFSetField (tif, TIFFTAG_ORIENTATION, ORIENTATION_TOPLEFT);
      TIFFSetField (tif, TIFFTAG_COMPRESSION, COMPRESSION_ADOBE_DEFLATE);
      TIFFSetField (tif, TIFFTAG_PREDICTOR, PREDICTOR_HORIZONTAL);
      TIFFSetField (tif, TIFFTAG_ROWSPERSTRIP, TIFFDefaultStripSize (tif, 0));
      if (alpha)
        {
          uint16_t kind = EXTRASAMPLE_UNASSALPHA;
          TIFFSetField (tif, TIFFTAG_EXTRASAMPLES, 1, &kind);
        }
      char space[5];
      if (extras && extras->icc)
        mien_icc_color_space (extras->icc, extras->icc_size, space);
      if (extras && extras->icc && strcmp (space, "RGB") == 0)
        TIFFSetField (tif, TIFFTAG_ICCPROFILE, (uint32_t)extras->icc_size,
                      extras->icc);
    }
  int C = image->channels;
  for (int y = 0; ok && y < image->height; y++)
    {
      const float *in = mien_image_row (image, y);
      const float *a = alpha ? mien_image_row (alpha, y) : NULL;
      for (int x = 0; x < image->width; x++)
        for (int c = 0; c < spp; c++)
          {
            float v = c < 3 ? in[x * C + (c < C ? c : 0)] : a[x];
            size_t i = (size_t)x * (size_t)spp + (size_t)c;
            if (depth == 16)
              ((uint16_t *)row)[i] = mien_to_u16 (v);
            else
              row[i] = !(v > 0.0f) ? 0
                       : v >= 1.0f ? 255
                                   : (unsigned char)lrintf (v * 255.0f);
          }
      ok = TIFFWriteScanline (tif, row, (uint32_t)y, 0) >= 0;
    }
  if (ok)
    ok = TIFFFlush (tif) != 0;
  if (tif)
    TIFFClose (tif);
  free (row);
  if (!ok)
    {
      mien_atomic_file_abort (file);
      return mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", path,
                             m.message[0] ? m.message : "TIFF error");
    }
  return mien_atomic_file_commit (file, err);
}
