/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The image loader's dispatch: which reader a file goes to (PNG, 16-bit
 * TIFF, PFM, else GdkPixbuf), and what every load does after it (opaque
 * alpha dropped, non-RGB profiles refused); 8-bit RGB ↔ float. Memory
 * estimates are in mien-image-memory.c, header probing in
 * mien-image-probe.c, extras in mien-image-extras.c, saving in
 * mien-image-save.c. */
#include "mien-image-io.h"
#include "mien-image-io-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *
mien_image_extension_of (const char *path)
{
  const char *slash = strrchr (path, '/');
  const char *dot = strrchr (path, '.');
  if (dot == NULL || (slash != NULL && dot < slash))
    return "";
  return dot + 1;
}

int
mien_image_is_pfm_path (const char *path)
{
  return strcasecmp (mien_image_extension_of (path), "pfm") == 0;
}

mien_image *
mien_image_from_rgb8 (const unsigned char *pixels, int width, int height,
                      int rowstride, int n_channels, mien_error *err)
{
  mien_image *image = mien_image_new (width, height, 3, err);
  if (image == NULL)
    return NULL;
  for (int y = 0; y < height; y++)
    {
      const unsigned char *in = pixels + (size_t)y * (size_t)rowstride;
      float *out = mien_image_row (image, y);
      for (int x = 0; x < width; x++)
        {
          const unsigned char *p = in + (size_t)x * (size_t)n_channels;
          /* Gray (1–2 channels) expands; alpha is dropped. */
          out[3 * x + 0] = p[0] * (1.0f / 255.0f);
          out[3 * x + 1] = p[n_channels >= 3 ? 1 : 0] * (1.0f / 255.0f);
          out[3 * x + 2] = p[n_channels >= 3 ? 2 : 0] * (1.0f / 255.0f);
        }
    }
  return image;
}

void
mien_image_to_rgb8 (const mien_image *image, unsigned char *pixels,
                    int rowstride)
{
  int C = image->channels;
  for (int y = 0; y < image->height; y++)
    {
      const float *in = mien_image_row (image, y);
      unsigned char *out = pixels + (size_t)y * (size_t)rowstride;
      for (int x = 0; x < image->width; x++)
        for (int c = 0; c < 3; c++)
          out[3 * x + c] = mien_to_u8 (in[x * C + (c < C ? c : 0)]);
    }
}

mien_image *
mien_image_load_full (const char *path, mien_image_extras *extras,
                      mien_error *err)
{
  if (extras)
    memset (extras, 0, sizeof *extras);
  mien_load_context lc = { .path = path, .want_extras = extras != NULL };
  int fd = mien_image_open_regular (path, &lc.file_size, err);
  if (fd < 0)
    return NULL;
  lc.kind = mien_image_sniff (fd, path, &lc);
  mien_image *image = NULL;
  if (lc.kind == MIEN_LOAD_PFM)
    {
      image = mien_pfm_load_fd (fd, path, err); /* closes fd */
      if (image && extras)
        extras->bit_depth = 32;
      return image;
    }
  if (lc.kind == MIEN_LOAD_PNG)
    {
      FILE *f = fdopen (fd, "rb");
      if (f == NULL)
        {
          close (fd);
          mien_error_set (err, MIEN_ERR_NOMEM, "out of memory reading %s",
                          path);
          return NULL;
        }
      image = mien_png_load (f, path, extras, mien_image_check_memory, &lc, err);
      fclose (f);
    }
  else
    {
      int is_tiff = lc.kind == MIEN_LOAD_TIFF16;
      if (lc.kind == MIEN_LOAD_TIFF16)
        {
          mien_error tiff_err = { 0 };
          image = mien_tiff_load (fd, path, extras, mien_image_check_memory, &lc,
                                  &tiff_err);
          if (image == NULL && tiff_err.status == MIEN_ERR_UNSUPPORTED
              && tiff_err.message[0] == '\0')
            lc.kind = MIEN_LOAD_PIXBUF; /* not 16-bit: GdkPixbuf reads it */
          else if (image == NULL && err)
            *err = tiff_err;
        }
      if (lc.kind == MIEN_LOAD_PIXBUF && (is_tiff || lc.is_heif))
        {
          /* Loaders that allocate (GdkPixbuf's TIFF) or decode (libheif)
           * before they report the size: check the header's first. */
          mien_image_header h = { 0 };
          mien_load_context probe = lc;
          probe.kind = is_tiff ? MIEN_LOAD_TIFF16 : MIEN_LOAD_PIXBUF;
          if (mien_image_read_header (fd, &probe, &h) == MIEN_OK
              && (mien_image_check_size (h.width, h.height, 3, err) != MIEN_OK
                  || mien_image_check_memory (&h, &lc, err) != MIEN_OK))
            {
              mien_error_prefix (err, "%s", path);
              close (fd);
              mien_image_extras_clear (extras);
              return NULL;
            }
        }
      if (lc.kind == MIEN_LOAD_PIXBUF)
        image = mien_pixbuf_load (fd, &lc, extras, err);
      if (image && extras && extras->icc == NULL)
        mien_image_read_webp_icc (fd, lc.file_size, extras);
      if (image && extras && lc.is_jpeg)
        mien_image_read_jpeg_exif (fd, lc.file_size, image->width,
                                   image->height, extras);
      close (fd);
    }
  if (image == NULL)
    {
      mien_image_extras_clear (extras);
      return NULL;
    }
  if (extras && extras->alpha)
    {
      /* Loaders that always hand back RGBA (TIFF, CMYK JPEG) and files
       * with an alpha channel that is opaque everywhere: no alpha. */
      const mien_image *a = extras->alpha;
      size_t i = 0, n = mien_image_n_floats (a);
      while (i < n && a->data[i] >= 1.0f)
        i++;
      if (i == n)
        {
          mien_image_free (extras->alpha);
          extras->alpha = NULL;
        }
    }
  if (extras && extras->icc)
    {
      char space[5];
      mien_icc_color_space (extras->icc, extras->icc_size, space);
      if (strcmp (space, "RGB") != 0)
        {
          /* A CMYK or gray profile cannot describe the RGB the engine
           * works in; GdkPixbuf has already converted CMYK naively. */
          mien_image_add_warning (extras,
                       "%s: its %s colour profile is not kept (Mien works "
                       "in RGB)",
                       path, space[0] ? space : "unreadable");
          free (extras->icc);
          extras->icc = NULL;
          extras->icc_size = 0;
        }
    }
  return image;
}

mien_image *
mien_image_load (const char *path, mien_error *err)
{
  return mien_image_load_full (path, NULL, err);
}
