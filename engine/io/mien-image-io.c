/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-image-io.h"
#include "mien-c-locale.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "mien-atomic-file.h"

static const char *
extension_of (const char *path)
{
  const char *slash = strrchr (path, '/');
  const char *dot = strrchr (path, '.');
  if (dot == NULL || (slash != NULL && dot < slash))
    return "";
  return dot + 1;
}

static int
is_pfm_path (const char *path)
{
  return strcasecmp (extension_of (path), "pfm") == 0;
}

int
mien_image_save_supported (const char *path)
{
  const char *ext = extension_of (path);
  return strcasecmp (ext, "png") == 0 || strcasecmp (ext, "jpg") == 0
         || strcasecmp (ext, "jpeg") == 0 || strcasecmp (ext, "pfm") == 0;
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

static unsigned char
to_byte (float v)
{
  if (!(v > 0.0f)) /* also NaN */
    return 0;
  if (v >= 1.0f)
    return 255;
  return (unsigned char)lrintf (v * 255.0f);
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
          out[3 * x + c] = to_byte (in[x * C + (c < C ? c : 0)]);
    }
}

static mien_image *
load_with_pixbuf (const char *path, mien_error *err)
{
  int width = 0, height = 0;
  GdkPixbufFormat *format = gdk_pixbuf_get_file_info (path, &width, &height);
  if (format == NULL)
    {
      FILE *probe = fopen (path, "rb");
      if (probe == NULL)
        mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                        strerror (errno));
      else
        {
          fclose (probe);
          mien_error_set (err, MIEN_ERR_FORMAT,
                          "%s is not an image in a format Mien can read",
                          path);
        }
      return NULL;
    }
  /* Refuse before decoding: a 20000×20000 JPEG would take 1.2 GB as 8-bit
   * pixels before we ever saw it. */
  if (mien_image_check_size (width, height, 3, err) != MIEN_OK)
    {
      mien_error_prefix (err, "%s", path);
      return NULL;
    }
  GError *gerror = NULL;
  GdkPixbuf *raw = gdk_pixbuf_new_from_file (path, &gerror);
  if (raw == NULL)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "cannot read %s: %s", path,
                      gerror ? gerror->message : "unknown error");
      g_clear_error (&gerror);
      return NULL;
    }
  GdkPixbuf *pixbuf = gdk_pixbuf_apply_embedded_orientation (raw);
  g_object_unref (raw);
  if (pixbuf == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory reading %s", path);
      return NULL;
    }
  mien_image *image = NULL;
  if (gdk_pixbuf_get_bits_per_sample (pixbuf) != 8
      || gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB)
    mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                    "%s: only 8-bit RGB images are supported", path);
  else
    {
      image = mien_image_from_rgb8 (gdk_pixbuf_read_pixels (pixbuf),
                                    gdk_pixbuf_get_width (pixbuf),
                                    gdk_pixbuf_get_height (pixbuf),
                                    gdk_pixbuf_get_rowstride (pixbuf),
                                    gdk_pixbuf_get_n_channels (pixbuf), err);
      if (image == NULL)
        mien_error_prefix (err, "%s", path);
    }
  g_object_unref (pixbuf);
  return image;
}

mien_image *
mien_image_load (const char *path, mien_error *err)
{
  if (is_pfm_path (path))
    return mien_image_load_pfm (path, err);
  return load_with_pixbuf (path, err);
}

static gboolean
write_to_atomic_file (const gchar *buf, gsize count, GError **error,
                      gpointer data)
{
  if (mien_atomic_file_write (data, buf, count, NULL) != MIEN_OK)
    {
      /* errno is still the failed write's: say why (disk full, EFBIG). */
      int error_number = errno;
      g_set_error_literal (error, G_FILE_ERROR,
                           g_file_error_from_errno (error_number),
                           g_strerror (error_number));
      return FALSE;
    }
  return TRUE;
}

static mien_status
save_with_pixbuf (const mien_image *image, const char *path, const char *type,
                  mien_error *err)
{
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8,
                                      image->width, image->height);
  if (pixbuf == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory saving %s",
                           path);
  mien_image_to_rgb8 (image, gdk_pixbuf_get_pixels (pixbuf),
                      gdk_pixbuf_get_rowstride (pixbuf));
  mien_atomic_file *file = mien_atomic_file_open (path, err);
  if (file == NULL)
    {
      g_object_unref (pixbuf);
      return MIEN_ERR_IO;
    }
  GError *gerror = NULL;
  gboolean ok;
  if (strcmp (type, "jpeg") == 0)
    ok = gdk_pixbuf_save_to_callback (pixbuf, write_to_atomic_file, file, type,
                                      &gerror, "quality", "95", NULL);
  else
    ok = gdk_pixbuf_save_to_callback (pixbuf, write_to_atomic_file, file, type,
                                      &gerror, NULL);
  g_object_unref (pixbuf);
  if (!ok)
    {
      mien_atomic_file_abort (file);
      mien_status s = mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s",
                                      path, gerror ? gerror->message : "error");
      g_clear_error (&gerror);
      return s;
    }
  return mien_atomic_file_commit (file, err);
}

mien_status
mien_image_save (const mien_image *image, const char *path, mien_error *err)
{
  const char *ext = extension_of (path);
  if (strcasecmp (ext, "pfm") == 0)
    return mien_image_save_pfm (image, path, err);
  if (strcasecmp (ext, "png") == 0)
    return save_with_pixbuf (image, path, "png", err);
  if (strcasecmp (ext, "jpg") == 0 || strcasecmp (ext, "jpeg") == 0)
    return save_with_pixbuf (image, path, "jpeg", err);
  return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                         "cannot write %s: unknown extension (use .png, .jpg "
                         "or .pfm)",
                         path);
}

/* ---- PFM ------------------------------------------------------------------
 * Header: "PF" (RGB) or "Pf" (gray), whitespace, width, height, scale; one
 * whitespace byte; then rows of float32 from the bottom row up. A negative
 * scale means little-endian. */

static int
read_token (FILE *f, char *buf, size_t size)
{
  int c;
  do
    c = fgetc (f);
  while (c != EOF && isspace (c));
  size_t n = 0;
  while (c != EOF && !isspace (c) && n + 1 < size)
    {
      buf[n++] = (char)c;
      c = fgetc (f);
    }
  buf[n] = '\0';
  /* c is now the single whitespace byte that ends the header, or EOF. */
  return n > 0 && c != EOF && isspace (c);
}

static uint32_t
swap32 (uint32_t v)
{
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

mien_image *
mien_image_load_pfm (const char *path, mien_error *err)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                      strerror (errno));
      return NULL;
    }
  char magic[8], ws[16], hs[16], ss[32];
  mien_image *image = NULL;
  if (!read_token (f, magic, sizeof magic)
      || (strcmp (magic, "PF") != 0 && strcmp (magic, "Pf") != 0)
      || !read_token (f, ws, sizeof ws) || !read_token (f, hs, sizeof hs)
      || !read_token (f, ss, sizeof ss))
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s is not a PFM image", path);
      goto out;
    }
  char *end_w, *end_h, *end_s;
  long w = strtol (ws, &end_w, 10), h = strtol (hs, &end_h, 10);
  double scale = mien_strtod_c (ss, &end_s);
  if (*end_w || *end_h || *end_s || w <= 0 || h <= 0 || w > MIEN_IMAGE_MAX_SIDE
      || h > MIEN_IMAGE_MAX_SIDE || scale == 0.0 || !isfinite (scale))
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: invalid PFM header", path);
      goto out;
    }
  int channels = magic[1] == 'F' ? 3 : 1;
  image = mien_image_new ((int)w, (int)h, channels, err);
  if (image == NULL)
    {
      mien_error_prefix (err, "%s", path);
      goto out;
    }
  size_t row = (size_t)w * channels;
  for (long y = h - 1; y >= 0; y--)
    if (fread (mien_image_row (image, (int)y), sizeof (float), row, f) != row)
      {
        mien_error_set (err, MIEN_ERR_FORMAT,
                        "%s: truncated PFM (expected %ld×%ld×%d floats)", path,
                        w, h, channels);
        mien_image_free (image);
        image = NULL;
        goto out;
      }
  if (fgetc (f) != EOF)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: trailing data after PFM pixels",
                      path);
      mien_image_free (image);
      image = NULL;
      goto out;
    }
  int file_little = scale < 0.0;
  int host_little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
  if (file_little != host_little)
    {
      uint32_t *words = (uint32_t *)image->data;
      for (size_t i = 0; i < mien_image_n_floats (image); i++)
        words[i] = swap32 (words[i]);
    }
out:
  fclose (f);
  return image;
}

mien_status
mien_image_save_pfm (const mien_image *image, const char *path,
                     mien_error *err)
{
  if (image->channels != 1 && image->channels != 3)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "PFM holds 1 or 3 channels, not %d",
                           image->channels);
  mien_atomic_file *file = mien_atomic_file_open (path, err);
  if (file == NULL)
    return MIEN_ERR_IO;
  int host_little = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__;
  fprintf (mien_atomic_file_stream (file), "%s\n%d %d\n%s\n",
           image->channels == 3 ? "PF" : "Pf", image->width, image->height,
           host_little ? "-1.0" : "1.0");
  size_t row = (size_t)image->width * image->channels * sizeof (float);
  for (int y = image->height - 1; y >= 0; y--)
    if (mien_atomic_file_write (file, mien_image_row (image, y), row, err)
        != MIEN_OK)
      {
        mien_atomic_file_abort (file);
        return MIEN_ERR_IO;
      }
  return mien_atomic_file_commit (file, err);
}
