/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-image-io.h"
#include "mien-c-locale.h"
#include "mien-image-io-private.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

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
         || strcasecmp (ext, "jpeg") == 0 || strcasecmp (ext, "pfm") == 0
         || strcasecmp (ext, "webp") == 0 || strcasecmp (ext, "tif") == 0
         || strcasecmp (ext, "tiff") == 0;
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

/* ---- memory -------------------------------------------------------------- */

static _Atomic uint64_t memory_cap_override;

int
mien_parse_byte_size (const char *text, uint64_t *bytes)
{
  char *end;
  double v = mien_strtod_c (text, &end);
  if (end == text || !isfinite (v) || v <= 0.0)
    return 0;
  while (*end == ' ')
    end++;
  double unit = 1.0;
  switch (*end)
    {
    case 'k': case 'K': unit = 1024.0; end++; break;
    case 'm': case 'M': unit = 1024.0 * 1024.0; end++; break;
    case 'g': case 'G': unit = 1024.0 * 1024.0 * 1024.0; end++; break;
    case 't': case 'T': unit = 1024.0 * 1024.0 * 1024.0 * 1024.0; end++; break;
    default: break;
    }
  if (unit > 1.0 && (*end == 'i' || *end == 'I'))
    end++;
  if (unit > 1.0 && (*end == 'b' || *end == 'B'))
    end++;
  if (*end != '\0' || v * unit >= 1.8e19)
    return 0;
  *bytes = (uint64_t)(v * unit);
  return *bytes > 0;
}

void
mien_image_set_memory_cap (uint64_t bytes)
{
  atomic_store (&memory_cap_override, bytes);
}

uint64_t
mien_image_get_memory_cap (void)
{
  uint64_t cap = atomic_load (&memory_cap_override);
  if (cap)
    return cap;
  const char *env = getenv ("MIEN_MEMORY_LIMIT");
  if (env && mien_parse_byte_size (env, &cap))
    return cap;
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0)
    return UINT64_MAX;
  return (uint64_t)pages * (uint64_t)page / 2;
}

static const char *
format_bytes (uint64_t bytes, char buf[32])
{
  double v = (double)bytes;
  if (v >= 1024.0 * 1024.0 * 1024.0)
    snprintf (buf, 32, "%.1f GiB", v / (1024.0 * 1024.0 * 1024.0));
  else
    snprintf (buf, 32, "%.0f MiB", ceil (v / (1024.0 * 1024.0)));
  return buf;
}

typedef enum { KIND_PNG, KIND_TIFF16, KIND_PIXBUF, KIND_PFM } load_kind;

typedef struct {
  const char *path;
  load_kind kind;
  uint64_t file_size;
  int want_extras;
  int is_jpeg;
  int is_heif; /* HEIF or AVIF (an ISO-BMFF 'ftyp' box) */
  /* Bytes per pixel the GdkPixbuf loader holds besides our floats,
   * measured per decoder (tests/io/test-formats.c): the 8-bit pixbuf (3
   * for JPEG and opaque WebP, 4 where alpha may come), and for HEIF/AVIF
   * also libheif's own image and planes (5 in all: HEIC measured 4.1,
   * AVIF 6.2). */
  double pixbuf_bpp;
} load_context;

/* What decoding costs at its peak, from the header alone. Each term is an
 * allocation that is alive at the peak (measured in tests/io: within 20 %).
 */
static uint64_t
decode_peak_bytes (const load_context *lc, const mien_image_header *h)
{
  uint64_t px = (uint64_t)h->width * (uint64_t)h->height;
  int has_alpha = h->channels == 2 || h->channels == 4;
  uint64_t floats = px * 3 * 4 + (lc->want_extras && has_alpha ? px * 4 : 0);
  switch (lc->kind)
    {
    case KIND_PNG:
      /* One raw row, or the whole raw image when interlaced. */
      return floats
             + (h->interlaced
                    ? px * (uint64_t)h->channels * (uint64_t)(h->bit_depth / 8)
                    : 0);
    case KIND_TIFF16:
      return floats;
    case KIND_PFM:
      return px * (uint64_t)h->channels * 4;
    case KIND_PIXBUF:
    default:
      /* Loaders decode incrementally (none keeps the whole file). */
      return floats + (uint64_t)((double)px * lc->pixbuf_bpp);
    }
}

static uint64_t
working_frame_bytes (const mien_image_header *h)
{
  /* Every caller that animates the photo keeps one float RGB frame of its
   * size beside it (the output it pastes the face into). */
  return (uint64_t)h->width * (uint64_t)h->height * 3 * 4;
}

static mien_status
check_memory (const mien_image_header *h, void *data, mien_error *err)
{
  const load_context *lc = data;
  uint64_t decode = decode_peak_bytes (lc, h);
  uint64_t frame = working_frame_bytes (h);
  uint64_t cap = mien_image_get_memory_cap ();
  if (decode + frame <= cap)
    return MIEN_OK;
  char a[32], b[32], c[32], d[32];
  return mien_error_set (
      err, MIEN_ERR_NOMEM,
      "a %d×%d photo needs about %s to open and animate (%s to decode, %s "
      "for a working frame), more than the memory limit of %s (set "
      "MIEN_MEMORY_LIMIT to change it)",
      h->width, h->height, format_bytes (decode + frame, a),
      format_bytes (decode, b), format_bytes (frame, c), format_bytes (cap, d));
}

/* ---- opening -------------------------------------------------------------- */

static const char *
file_kind_name (mode_t mode)
{
  if (S_ISDIR (mode))
    return "a folder";
  if (S_ISFIFO (mode))
    return "a named pipe";
  if (S_ISSOCK (mode))
    return "a socket";
  if (S_ISCHR (mode) || S_ISBLK (mode))
    return "a device";
  return "not a regular file";
}

/* Refuses anything but a regular file before opening it for reading: a FIFO
 * would block the open (and the read) forever. The descriptor is checked
 * again after opening, without blocking, in case the path changed. */
static int
open_regular (const char *path, uint64_t *size, mien_error *err)
{
  struct stat st;
  if (stat (path, &st) != 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                      strerror (errno));
      return -1;
    }
  if (!S_ISREG (st.st_mode))
    {
      mien_error_set (err, MIEN_ERR_IO, "%s is %s, not a photo", path,
                      file_kind_name (st.st_mode));
      return -1;
    }
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                      strerror (errno));
      return -1;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      mien_error_set (err, MIEN_ERR_IO, "%s is %s, not a photo", path,
                      file_kind_name (st.st_mode));
      close (fd);
      return -1;
    }
  int flags = fcntl (fd, F_GETFL);
  if (flags >= 0)
    fcntl (fd, F_SETFL, flags & ~O_NONBLOCK);
  *size = (uint64_t)st.st_size;
  return fd;
}

static load_kind
sniff (int fd, const char *path, load_context *lc)
{
  unsigned char head[32] = { 0 };
  ssize_t n = pread (fd, head, sizeof head, 0);
  lc->is_jpeg = n >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff;
  lc->pixbuf_bpp = lc->is_jpeg ? 3.0 : 4.0;
  if (n == 32 && memcmp (head, "RIFF", 4) == 0
      && memcmp (head + 8, "WEBP", 4) == 0)
    {
      /* Alpha: VP8X flag 0x10; VP8L bit 28 after its 0x2f signature;
       * plain VP8 has none. */
      int alpha = memcmp (head + 12, "VP8X", 4) == 0   ? (head[20] & 0x10) != 0
                  : memcmp (head + 12, "VP8L", 4) == 0 ? (head[24] & 0x10) != 0
                                                       : 0;
      lc->pixbuf_bpp = alpha ? 4.0 : 3.0;
    }
  if (n >= 12 && memcmp (head + 4, "ftyp", 4) == 0)
    {
      lc->pixbuf_bpp = 5.0;
      lc->is_heif = 1;
    }
  if (n >= 8 && memcmp (head, "\x89PNG\r\n\x1a\n", 8) == 0)
    return KIND_PNG;
  if (n >= 4
      && (memcmp (head, "II*\0", 4) == 0 || memcmp (head, "MM\0*", 4) == 0))
    return KIND_TIFF16; /* if it is 16-bit; else GdkPixbuf */
  if (is_pfm_path (path))
    return KIND_PFM;
  return KIND_PIXBUF;
}

static void
add_warning (mien_image_extras *extras, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));

static void
add_warning (mien_image_extras *extras, const char *fmt, ...)
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

static void
set_damaged (mien_image_extras *extras, const char *path, double missing)
{
  extras->damaged = 1;
  extras->missing_fraction = missing;
  if (missing <= 0.0)
    {
      add_warning (extras,
                   "%s: this file is damaged: its end is missing (the "
                   "picture may be blurred)",
                   path);
      return;
    }
  /* Never say "0 %" or "100 %" of a photo that opened with a part missing.
   * The rows are the file's: after an EXIF rotation the grey part may be
   * at another side, the share is the same. */
  double pct = fmin (fmax (100.0 * missing, 1.0), 99.0);
  add_warning (extras, "%s: this file is damaged: the lower %.0f %% is missing",
               path, pct);
}

/* ---- GdkPixbuf ------------------------------------------------------------ */

typedef struct {
  load_context *lc;
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
    st = check_memory (&h, job->lc, job->err);
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

static mien_image *
load_with_pixbuf (int fd, load_context *lc, mien_image_extras *extras,
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
    set_damaged (extras, path, missing);
  return image;
}

/* webp-pixbuf-loader writes a profile but does not hand one back: read the
 * ICCP chunk of the RIFF container ourselves. */
static void
read_webp_icc (int fd, uint64_t file_size, mien_image_extras *extras)
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

/* ---- loading --------------------------------------------------------------- */

static mien_image *load_pfm_fd (int fd, const char *path, mien_error *err);

/* HEIF and AVIF: the largest 'ispe' (image spatial extent) property in the
 * file's first 256 KiB, where the metadata is. libheif decodes before the
 * GdkPixbuf loader reports a size, so the check must come first. The
 * largest extent is the primary image's (others are thumbnails or tiles),
 * or an overestimate. */
static mien_status
heif_size (int fd, const load_context *lc, mien_image_header *h)
{
  size_t n = lc->file_size < 262144 ? (size_t)lc->file_size : 262144;
  unsigned char *buf = malloc (n > 0 ? n : 1);
  if (buf == NULL)
    return MIEN_ERR_NOMEM;
  ssize_t got = pread (fd, buf, n, 0);
  uint64_t best = 0;
  for (ssize_t i = 4; got > 0 && i + 16 <= got; i++)
    if (memcmp (buf + i, "ispe", 4) == 0)
      {
        const unsigned char *p = buf + i + 8; /* after version and flags */
        uint32_t w = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16
                     | (uint32_t)p[2] << 8 | p[3];
        uint32_t hh = (uint32_t)p[4] << 24 | (uint32_t)p[5] << 16
                      | (uint32_t)p[6] << 8 | p[7];
        if ((uint64_t)w * hh > best)
          {
            best = (uint64_t)w * hh;
            h->width = w > (uint32_t)MIEN_IMAGE_MAX_SIDE + 1
                           ? MIEN_IMAGE_MAX_SIDE + 1 : (int)w;
            h->height = hh > (uint32_t)MIEN_IMAGE_MAX_SIDE + 1
                            ? MIEN_IMAGE_MAX_SIDE + 1 : (int)hh;
          }
      }
  free (buf);
  h->channels = 3;
  h->bit_depth = 8;
  return best > 0 ? MIEN_OK : MIEN_ERR_FORMAT;
}

static mien_status
read_header (int fd, load_context *lc, mien_image_header *h)
{
  if (lc->kind == KIND_TIFF16)
    {
      mien_status st = mien_tiff_read_header (fd, h);
      if (st == MIEN_OK)
        return MIEN_OK;
      lc->kind = KIND_PIXBUF;
      if (st == MIEN_ERR_UNSUPPORTED)
        {
          h->channels = 3;
          h->bit_depth = 8;
          return MIEN_OK;
        }
    }
  if (lc->kind == KIND_PIXBUF && lc->is_heif)
    return heif_size (fd, lc, h);
  if (lc->kind == KIND_PNG)
    {
      int copy = dup (fd);
      FILE *f = copy >= 0 ? fdopen (copy, "rb") : NULL;
      if (f == NULL)
        {
          if (copy >= 0)
            close (copy);
          return MIEN_ERR_IO;
        }
      rewind (f);
      mien_status st = mien_png_read_header (f, h);
      fclose (f);
      return st;
    }
  if (lc->kind == KIND_PFM)
    return MIEN_ERR_UNSUPPORTED;
  int w = 0, hh = 0;
  if (gdk_pixbuf_get_file_info (lc->path, &w, &hh) == NULL)
    return MIEN_ERR_FORMAT;
  *h = (mien_image_header){ .width = w, .height = hh, .channels = 3,
                            .bit_depth = 8 };
  return MIEN_OK;
}

uint64_t
mien_image_estimate_load_bytes (const char *path, mien_error *err)
{
  load_context lc = { .path = path, .want_extras = 1 };
  int fd = open_regular (path, &lc.file_size, err);
  if (fd < 0)
    return 0;
  lc.kind = sniff (fd, path, &lc);
  mien_image_header h = { 0 };
  mien_status st = read_header (fd, &lc, &h);
  close (fd);
  if (st != MIEN_OK)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: cannot read its size", path);
      return 0;
    }
  return decode_peak_bytes (&lc, &h) + working_frame_bytes (&h);
}

void
mien_image_extras_clear (mien_image_extras *extras)
{
  if (extras == NULL)
    return;
  mien_image_free (extras->alpha);
  free (extras->icc);
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
  return MIEN_OK;
}

mien_image *
mien_image_load_full (const char *path, mien_image_extras *extras,
                      mien_error *err)
{
  if (extras)
    memset (extras, 0, sizeof *extras);
  load_context lc = { .path = path, .want_extras = extras != NULL };
  int fd = open_regular (path, &lc.file_size, err);
  if (fd < 0)
    return NULL;
  lc.kind = sniff (fd, path, &lc);
  mien_image *image = NULL;
  if (lc.kind == KIND_PFM)
    {
      image = load_pfm_fd (fd, path, err); /* closes fd */
      if (image && extras)
        extras->bit_depth = 32;
      return image;
    }
  if (lc.kind == KIND_PNG)
    {
      FILE *f = fdopen (fd, "rb");
      if (f == NULL)
        {
          close (fd);
          mien_error_set (err, MIEN_ERR_NOMEM, "out of memory reading %s",
                          path);
          return NULL;
        }
      image = mien_png_load (f, path, extras, check_memory, &lc, err);
      fclose (f);
    }
  else
    {
      int is_tiff = lc.kind == KIND_TIFF16;
      if (lc.kind == KIND_TIFF16)
        {
          mien_error tiff_err = { 0 };
          image = mien_tiff_load (fd, path, extras, check_memory, &lc,
                                  &tiff_err);
          if (image == NULL && tiff_err.status == MIEN_ERR_UNSUPPORTED
              && tiff_err.message[0] == '\0')
            lc.kind = KIND_PIXBUF; /* not 16-bit: GdkPixbuf reads it */
          else if (image == NULL && err)
            *err = tiff_err;
        }
      if (lc.kind == KIND_PIXBUF && (is_tiff || lc.is_heif))
        {
          /* Loaders that allocate (GdkPixbuf's TIFF) or decode (libheif)
           * before they report the size: check the header's first. */
          mien_image_header h = { 0 };
          load_context probe = lc;
          probe.kind = is_tiff ? KIND_TIFF16 : KIND_PIXBUF;
          if (read_header (fd, &probe, &h) == MIEN_OK
              && (mien_image_check_size (h.width, h.height, 3, err) != MIEN_OK
                  || check_memory (&h, &lc, err) != MIEN_OK))
            {
              mien_error_prefix (err, "%s", path);
              close (fd);
              mien_image_extras_clear (extras);
              return NULL;
            }
        }
      if (lc.kind == KIND_PIXBUF)
        image = load_with_pixbuf (fd, &lc, extras, err);
      if (image && extras && extras->icc == NULL)
        read_webp_icc (fd, lc.file_size, extras);
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
          add_warning (extras,
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

/* ---- writing --------------------------------------------------------------- */

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
static mien_status
save_with_pixbuf (const mien_image *image, const mien_image_extras *extras,
                  const char *path, const char *type, mien_error *err)
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
              out[n * x + c] = to_byte (v);
            }
          if (keep_alpha)
            out[n * x + 3] = to_byte (av);
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
  keys[k] = "quality";
  values[k++] = "95";
  mien_atomic_file *file = mien_atomic_file_open (path, err);
  if (file == NULL)
    {
      g_free (icc64);
      g_object_unref (pixbuf);
      return MIEN_ERR_IO;
    }
  GError *gerror = NULL;
  gboolean ok = gdk_pixbuf_save_to_callbackv (pixbuf, write_to_atomic_file,
                                              file, type, keys, values,
                                              &gerror);
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

mien_status
mien_image_save_full (const mien_image *image, const mien_image_extras *extras,
                      const char *path, const char **warning, mien_error *err)
{
  if (warning)
    *warning = NULL;
  if (extras && extras->alpha
      && (extras->alpha->width != image->width
          || extras->alpha->height != image->height
          || extras->alpha->channels != 1))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "cannot write %s: the alpha plane is %d×%d, the "
                           "image %d×%d",
                           path, extras->alpha->width, extras->alpha->height,
                           image->width, image->height);
  const char *ext = extension_of (path);
  if (strcasecmp (ext, "pfm") == 0)
    return mien_image_save_pfm (image, path, err);
  if (strcasecmp (ext, "png") == 0)
    return mien_png_save (image, extras, path, err);
  if (strcasecmp (ext, "tif") == 0 || strcasecmp (ext, "tiff") == 0)
    return mien_tiff_save (image, extras, path, err);
  if (strcasecmp (ext, "webp") == 0)
    return save_with_pixbuf (image, extras, path, "webp", err);
  if (strcasecmp (ext, "jpg") == 0 || strcasecmp (ext, "jpeg") == 0)
    {
      mien_status st = save_with_pixbuf (image, extras, path, "jpeg", err);
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
mien_image_save (const mien_image *image, const char *path, mien_error *err)
{
  return mien_image_save_full (image, NULL, path, NULL, err);
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
  uint64_t size;
  int fd = open_regular (path, &size, err);
  return fd < 0 ? NULL : load_pfm_fd (fd, path, err);
}

/* Reads and closes fd. */
static mien_image *
load_pfm_fd (int fd, const char *path, mien_error *err)
{
  struct stat st;
  FILE *f = fstat (fd, &st) == 0 ? fdopen (fd, "rb") : NULL;
  if (f == NULL)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                      strerror (errno));
      close (fd);
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
  /* The size is known from the header: a short file is refused before its
   * pixels are allocated, and so is one that needs too much memory. */
  long offset = ftell (f);
  uint64_t want = (uint64_t)w * (uint64_t)h * (uint64_t)channels * 4;
  if (offset >= 0 && (uint64_t)st.st_size < (uint64_t)offset + want)
    {
      mien_error_set (err, MIEN_ERR_FORMAT,
                      "%s: truncated PFM (expected %ld×%ld×%d floats)", path,
                      w, h, channels);
      goto out;
    }
  load_context lc = { .path = path, .kind = KIND_PFM };
  mien_image_header hdr = { .width = (int)w, .height = (int)h,
                            .channels = channels, .bit_depth = 32 };
  if (mien_image_check_size (hdr.width, hdr.height, channels, err) != MIEN_OK
      || check_memory (&hdr, &lc, err) != MIEN_OK)
    {
      mien_error_prefix (err, "%s", path);
      goto out;
    }
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
  /* As for .flo: a NaN or infinite sample would flow through every stage
   * and come out as a black or NaN result with exit 0. */
  if (!mien_image_all_finite (image))
    {
      size_t i = 0;
      while (isfinite (image->data[i]))
        i++;
      size_t px = i / (size_t)channels;
      mien_error_set (err, MIEN_ERR_FORMAT,
                      "%s: non-finite sample at (%zu, %zu) in PFM", path,
                      px % (size_t)w, px / (size_t)w);
      mien_image_free (image);
      image = NULL;
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
