/* SPDX-License-Identifier: GPL-3.0-or-later */
/* 8-bit photos through GdkPixbuf (JPEG, WebP, 8-bit TIFF, HEIF/AVIF, …):
 * fed in pieces so that the memory check comes before the decoder
 * allocates, damaged files shown with what they held; JPEG and WebP
 * written through it. */
#include "mien-image-io.h"
#include "mien-image-io-private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

#include "mien-atomic-file.h"

typedef struct {
  mien_load_context *lc;
  mien_error *err;
  mien_status refused;
  int width, height;
  int rows_done; /* the lowest row the decoder has reported */
} pixbuf_job;

static void
on_size_prepared (GdkPixbufLoader *loader, int width, int height,
                  gpointer data)
{
  pixbuf_job *job = data;
  job->width = width;
  job->height = height;
  /* Alpha, if any, is known only after decoding; the decoder's own share
   * is in pixbuf_bpp. */
  mien_image_header h = { .width = width, .height = height, .channels = 3,
                          .bit_depth = 8 };
  mien_status st = mien_image_check_size (width, height, 3, job->err);
  if (st == MIEN_OK)
    st = mien_image_check_memory (&h, job->lc, job->err);
  if (st != MIEN_OK)
    {
      job->refused = st;
      /* A 0×0 request makes the loader stop before it allocates (what
       * gdk_pixbuf_get_file_info does). */
      gdk_pixbuf_loader_set_size (loader, 0, 0);
    }
}

static void
on_area_updated (GdkPixbufLoader *loader, int x, int y, int width, int height,
                 gpointer data)
{
  (void)loader, (void)x, (void)width;
  pixbuf_job *job = data;
  if (y + height > job->rows_done)
    job->rows_done = y + height;
}

static mien_image *
pixbuf_to_image (GdkPixbuf *pixbuf, mien_image_extras *extras,
                 mien_error *err)
{
  int w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
  int n = gdk_pixbuf_get_n_channels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  const guchar *pixels = gdk_pixbuf_read_pixels (pixbuf);
  mien_image *image = mien_image_from_rgb8 (pixels, w, h, stride, n, err);
  if (image == NULL || extras == NULL || !gdk_pixbuf_get_has_alpha (pixbuf))
    return image;
  extras->alpha = mien_image_new (w, h, 1, err);
  if (extras->alpha == NULL)
    {
      mien_image_free (image);
      return NULL;
    }
  for (int y = 0; y < h; y++)
    {
      const guchar *in = pixels + (size_t)y * (size_t)stride;
      float *a = mien_image_row (extras->alpha, y);
      for (int x = 0; x < w; x++)
        a[x] = in[(size_t)x * (size_t)n + (size_t)n - 1] * (1.0f / 255.0f);
    }
  return image;
}

mien_image *
mien_pixbuf_load (int fd, mien_load_context *lc, mien_image_extras *extras,
                  mien_error *err)
{
  const char *path = lc->path;
  GdkPixbufLoader *loader = gdk_pixbuf_loader_new ();
  pixbuf_job job = { .lc = lc, .err = err };
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared),
                    &job);
  g_signal_connect (loader, "area-updated", G_CALLBACK (on_area_updated),
                    &job);
  GError *gerror = NULL;
  /* Fed in pieces so that a header that asks too much is refused before
   * the rest of the file is read. */
  unsigned char buf[65536];
  gboolean fed = TRUE;
  uint64_t offset = 0, last_sos = 0, last_eoi = 0;
  unsigned char prev = 0;
  lseek (fd, 0, SEEK_SET);
  for (;;)
    {
      ssize_t got = read (fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR)
        continue;
      if (got < 0)
        {
          mien_error_set (err, MIEN_ERR_IO, "cannot read %s: %s", path,
                          strerror (errno));
          gdk_pixbuf_loader_close (loader, NULL);
          g_object_unref (loader);
          return NULL;
        }
      if (got == 0 || job.refused != MIEN_OK)
        break;
      /* JPEG markers: in entropy-coded data every 0xff is followed by 0, so
       * FF DA (start of scan) and FF D9 (end of image) are markers. */
      for (ssize_t i = 0; i < got; i++)
        {
          if (prev == 0xff && buf[i] == 0xda)
            last_sos = offset + (uint64_t)i;
          else if (prev == 0xff && buf[i] == 0xd9)
            last_eoi = offset + (uint64_t)i;
          prev = buf[i];
        }
      offset += (uint64_t)got;
      if (!gdk_pixbuf_loader_write (loader, buf, (gsize)got, &gerror))
        {
          fed = FALSE;
          break;
        }
    }
  /* What the decoder had delivered when the data ran out: a JPEG decodes
   * rows as its data arrives, and on close fills what never came with
   * grey. */
  int rows_fed = job.rows_done;
  gboolean closed = gdk_pixbuf_loader_close (loader, fed ? &gerror : NULL);
  if (job.refused != MIEN_OK)
    {
      g_clear_error (&gerror);
      g_object_unref (loader);
      mien_error_prefix (err, "%s", path);
      return NULL;
    }
  GdkPixbuf *raw = gdk_pixbuf_loader_get_pixbuf (loader);
  if (raw)
    g_object_ref (raw);
  int complete = fed && closed;
  int height = raw ? gdk_pixbuf_get_height (raw) : 0;
  /* good_rows: rows known to be the photo's; damaged: the file is cut or
   * corrupt but what it held is shown. */
  int good_rows = height, damaged = 0;
  /* The loader may hold back the last rows until it is closed, so a JPEG
   * is cut only if it also lacks an end-of-image marker after its last
   * scan. (Data after the end, like a motion photo's video, comes after
   * all rows were decoded.) */
  if (raw && lc->is_jpeg && complete && rows_fed < height
      && last_eoi <= last_sos)
    {
      /* A baseline JPEG cut short: libjpeg made the missing rows grey
       * (128). On close it also decoded the rows the loader held back, so
       * the photo ends where the uniform grey begins. */
      good_rows = height;
      int n = gdk_pixbuf_get_n_channels (raw), w = gdk_pixbuf_get_width (raw);
      const guchar *pixels = gdk_pixbuf_read_pixels (raw);
      while (good_rows > rows_fed)
        {
          const guchar *row = pixels + (size_t)(good_rows - 1)
                                           * gdk_pixbuf_get_rowstride (raw);
          int x = 0;
          while (x < w && row[x * n] == 128 && row[x * n + 1] == 128
                 && row[x * n + 2] == 128)
            x++;
          if (x < w)
            break;
          good_rows--;
        }
      damaged = 1;
    }
  else if (raw && !complete && job.rows_done > 0)
    {
      /* The decoder failed but handed back what it had (a cut progressive
       * JPEG has every row, blurred). */
      good_rows = job.rows_done < height ? job.rows_done : height;
      damaged = 1;
    }
  if (raw == NULL || (!complete && !damaged) || (damaged && good_rows == 0))
    {
      if (raw && damaged)
        mien_error_set (err, MIEN_ERR_FORMAT,
                        "%s is damaged: none of its picture could be read",
                        path);
      else if (raw == NULL && gerror == NULL)
        mien_error_set (err, MIEN_ERR_FORMAT,
                        "%s is not an image in a format Mien can read", path);
      else if ((gerror && gerror->domain == GDK_PIXBUF_ERROR
                && gerror->code == GDK_PIXBUF_ERROR_UNKNOWN_TYPE)
               || job.width == 0)
        /* Not even a size could be read: as far as the user can tell, it
         * is not a picture (a JPEG header over zeros, a text file). */
        mien_error_set (err, MIEN_ERR_FORMAT,
                        "%s is not an image in a format Mien can read", path);
      else
        mien_error_set (err, MIEN_ERR_FORMAT, "cannot read %s: %s", path,
                        gerror ? gerror->message : "damaged file");
      g_clear_error (&gerror);
      if (raw)
        g_object_unref (raw);
      g_object_unref (loader);
      return NULL;
    }
  g_clear_error (&gerror);
  g_object_unref (loader);
  if (good_rows < height)
    {
      /* Whatever the loader left below the last decoded row is not the
       * photo: a flat grey, as libjpeg makes it. */
      int n = gdk_pixbuf_get_n_channels (raw);
      guchar *pixels = gdk_pixbuf_get_pixels (raw);
      for (int y = good_rows; y < height; y++)
        {
          guchar *row = pixels + (size_t)y * gdk_pixbuf_get_rowstride (raw);
          for (int x = 0; x < gdk_pixbuf_get_width (raw); x++)
            for (int c = 0; c < n; c++)
              row[x * n + c] = c < 3 ? 128 : 255;
        }
    }
  double missing = (double)(height - good_rows) / height;
  if (extras)
    {
      const gchar *b64 = gdk_pixbuf_get_option (raw, "icc-profile");
      if (b64)
        {
          gsize len = 0;
          guchar *bytes = g_base64_decode (b64, &len);
          if (bytes && len > 0 && (extras->icc = malloc (len)) != NULL)
            {
              memcpy (extras->icc, bytes, len);
              extras->icc_size = len;
            }
          g_free (bytes);
        }
      extras->bit_depth = 8;
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
  else if ((image = pixbuf_to_image (pixbuf, extras, err)) == NULL)
    mien_error_prefix (err, "%s", path);
  g_object_unref (pixbuf);
  if (image && extras && damaged)
    mien_image_set_damaged (extras, path, missing);
  return image;
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

/* JPEG and WebP through GdkPixbuf (8 bits). JPEG has no alpha: it is
 * flattened onto white, the background of most viewers and of paper. */
mien_status
mien_pixbuf_save (const mien_image *image, const mien_image_extras *extras,
                  const char *path, const char *type, int quality,
                  mien_error *err)
{
  const mien_image *alpha = extras ? extras->alpha : NULL;
  int keep_alpha = alpha && strcmp (type, "jpeg") != 0;
  GdkPixbuf *pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, keep_alpha, 8,
                                      image->width, image->height);
  if (pixbuf == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory saving %s",
                           path);
  guchar *pixels = gdk_pixbuf_get_pixels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  int n = keep_alpha ? 4 : 3, C = image->channels;
  for (int y = 0; y < image->height; y++)
    {
      const float *in = mien_image_row (image, y);
      const float *a = alpha ? mien_image_row (alpha, y) : NULL;
      guchar *out = pixels + (size_t)y * (size_t)stride;
      for (int x = 0; x < image->width; x++)
        {
          float av = a ? fminf (fmaxf (a[x], 0.0f), 1.0f) : 1.0f;
          for (int c = 0; c < 3; c++)
            {
              float v = in[x * C + (c < C ? c : 0)];
              if (a && !keep_alpha)
                v = v * av + (1.0f - av);
              out[n * x + c] = mien_to_u8 (v);
            }
          if (keep_alpha)
            out[n * x + 3] = mien_to_u8 (av);
        }
    }
  char *keys[3] = { NULL }, *values[3] = { NULL };
  int k = 0;
  char *icc64 = NULL;
  char space[5] = "";
  if (extras && extras->icc)
    mien_icc_color_space (extras->icc, extras->icc_size, space);
  if (strcmp (space, "RGB") == 0)
    {
      icc64 = g_base64_encode (extras->icc, extras->icc_size);
      keys[k] = "icc-profile";
      values[k++] = icc64;
    }
  char quality_text[16];
  snprintf (quality_text, sizeof quality_text, "%d", quality);
  keys[k] = "quality";
  values[k++] = quality_text;
  mien_atomic_file *file = mien_atomic_file_open (path, err);
  if (file == NULL)
    {
      g_free (icc64);
      g_object_unref (pixbuf);
      return MIEN_ERR_IO;
    }
  GError *gerror = NULL;
  gboolean ok;
  if (strcmp (type, "jpeg") == 0 && extras && extras->exif)
    {
      /* GdkPixbuf writes no EXIF: the JPEG is made in memory and the
       * photo's EXIF segment put in after its header. */
      gchar *jpeg = NULL;
      gsize jpeg_size = 0;
      ok = gdk_pixbuf_save_to_bufferv (pixbuf, &jpeg, &jpeg_size, type, keys,
                                       values, &gerror);
      if (ok
          && mien_exif_write_jpeg (file, (const unsigned char *)jpeg,
                                   jpeg_size, extras->exif, extras->exif_size,
                                   err) != MIEN_OK)
        {
          g_free (jpeg);
          g_free (icc64);
          g_object_unref (pixbuf);
          mien_atomic_file_abort (file);
          mien_error_prefix (err, "cannot write %s", path);
          return err ? err->status : MIEN_ERR_IO;
        }
      g_free (jpeg);
    }
  else
    ok = gdk_pixbuf_save_to_callbackv (pixbuf, write_to_atomic_file, file,
                                       type, keys, values, &gerror);
  g_free (icc64);
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
