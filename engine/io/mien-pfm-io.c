/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PFM (portable float map), read and written without loss. */
#include "mien-image-io.h"
#include "mien-c-locale.h"
#include "mien-image-io-private.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mien-atomic-file.h"

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
  int fd = mien_image_open_regular (path, &size, err);
  return fd < 0 ? NULL : mien_pfm_load_fd (fd, path, err);
}

/* Reads and closes fd. */
mien_image *
mien_pfm_load_fd (int fd, const char *path, mien_error *err)
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
  mien_load_context lc = { .path = path, .kind = MIEN_LOAD_PFM };
  mien_image_header hdr = { .width = (int)w, .height = (int)h,
                            .channels = channels, .bit_depth = 32 };
  if (mien_image_check_size (hdr.width, hdr.height, channels, err) != MIEN_OK
      || mien_image_check_memory (&hdr, &lc, err) != MIEN_OK)
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
