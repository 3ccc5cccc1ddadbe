/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening and probing a photo before any pixel is decoded: regular files
 * only, the format from its first bytes, and its size from its header. */
#include "mien-image-io.h"
#include "mien-image-io-private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gdk-pixbuf/gdk-pixbuf.h>

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
int
mien_image_open_regular (const char *path, uint64_t *size, mien_error *err)
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

mien_load_kind
mien_image_sniff (int fd, const char *path, mien_load_context *lc)
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
    return MIEN_LOAD_PNG;
  if (n >= 4
      && (memcmp (head, "II*\0", 4) == 0 || memcmp (head, "MM\0*", 4) == 0))
    return MIEN_LOAD_TIFF16; /* if it is 16-bit; else GdkPixbuf */
  if (mien_image_is_pfm_path (path))
    return MIEN_LOAD_PFM;
  return MIEN_LOAD_PIXBUF;
}

/* HEIF and AVIF: the largest 'ispe' (image spatial extent) property in the
 * file's first 256 KiB, where the metadata is. libheif decodes before the
 * GdkPixbuf loader reports a size, so the check must come first. The
 * largest extent is the primary image's (others are thumbnails or tiles),
 * or an overestimate. */
static mien_status
heif_size (int fd, const mien_load_context *lc, mien_image_header *h)
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

mien_status
mien_image_read_header (int fd, mien_load_context *lc, mien_image_header *h)
{
  if (lc->kind == MIEN_LOAD_TIFF16)
    {
      mien_status st = mien_tiff_read_header (fd, h);
      if (st == MIEN_OK)
        return MIEN_OK;
      lc->kind = MIEN_LOAD_PIXBUF;
      if (st == MIEN_ERR_UNSUPPORTED)
        {
          h->channels = 3;
          h->bit_depth = 8;
          return MIEN_OK;
        }
    }
  if (lc->kind == MIEN_LOAD_PIXBUF && lc->is_heif)
    return heif_size (fd, lc, h);
  if (lc->kind == MIEN_LOAD_PNG)
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
  if (lc->kind == MIEN_LOAD_PFM)
    return MIEN_ERR_UNSUPPORTED;
  int w = 0, hh = 0;
  if (gdk_pixbuf_get_file_info (lc->path, &w, &hh) == NULL)
    return MIEN_ERR_FORMAT;
  *h = (mien_image_header){ .width = w, .height = hh, .channels = 3,
                            .bit_depth = 8 };
  return MIEN_OK;
}
