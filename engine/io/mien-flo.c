/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-flo.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mien-atomic-file.h"

/* Middlebury marks unknown flow with values above 1e9. */
#define FLO_UNKNOWN_THRESHOLD 1e9f

_Static_assert (__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
                ".flo I/O assumes a little-endian host");

mien_image *
mien_flo_load (const char *path, mien_error *err)
{
  /* O_NONBLOCK: a FIFO given as the field would block the open until a
   * writer came; it is refused below instead, as is anything that is not a
   * regular file (fseek/ftell give no size for it). */
  int fd = open (path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat (fd, &st) != 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                      strerror (errno));
      if (fd >= 0)
        close (fd);
      return NULL;
    }
  if (!S_ISREG (st.st_mode))
    {
      close (fd);
      mien_error_set (err, MIEN_ERR_IO, "cannot open %s: not a regular file",
                      path);
      return NULL;
    }
  FILE *f = fdopen (fd, "rb");
  if (f == NULL)
    {
      close (fd);
      mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                      strerror (errno));
      return NULL;
    }
  mien_image *field = NULL;
  float magic = 0.0f;
  int32_t size[2] = { 0, 0 };
  if (fread (&magic, 4, 1, f) != 1 || magic != MIEN_FLO_MAGIC)
    {
      mien_error_set (err, MIEN_ERR_FORMAT,
                      "%s is not a .flo file (wrong magic number)", path);
      goto out;
    }
  if (fread (size, 4, 2, f) != 2 || size[0] <= 0 || size[1] <= 0
      || size[0] > MIEN_IMAGE_MAX_SIDE || size[1] > MIEN_IMAGE_MAX_SIDE)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: invalid .flo size %d×%d",
                      path, size[0], size[1]);
      goto out;
    }
  /* Check the length before allocating, so a lying header costs nothing. */
  long expected = 12L + 8L * (long)size[0] * (long)size[1];
  if (fseek (f, 0, SEEK_END) != 0 || ftell (f) != expected
      || fseek (f, 12, SEEK_SET) != 0)
    {
      mien_error_set (err, MIEN_ERR_FORMAT,
                      "%s: file size does not match its %d×%d header (expected "
                      "%ld bytes)",
                      path, size[0], size[1], expected);
      goto out;
    }
  field = mien_image_new (size[0], size[1], 2, err);
  if (field == NULL)
    {
      mien_error_prefix (err, "%s", path);
      goto out;
    }
  size_t n = mien_image_n_floats (field);
  if (fread (field->data, sizeof (float), n, f) != n)
    {
      mien_error_set (err, MIEN_ERR_IO, "%s: read error", path);
      goto fail;
    }
  for (size_t i = 0; i < n; i++)
    {
      float v = field->data[i];
      if (!isfinite (v) || fabsf (v) >= FLO_UNKNOWN_THRESHOLD)
        {
          size_t pixel = i / 2;
          mien_error_set (err, MIEN_ERR_FORMAT,
                          "%s: %s flow value at pixel (%zu, %zu)", path,
                          isfinite (v) ? "unknown (≥ 1e9)" : "non-finite",
                          pixel % (size_t)size[0], pixel / (size_t)size[0]);
          goto fail;
        }
    }
  goto out;
fail:
  mien_image_free (field);
  field = NULL;
out:
  fclose (f);
  return field;
}

mien_status
mien_flo_save (const mien_image *field, const char *path, mien_error *err)
{
  if (field->channels != 2)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "a .flo field has 2 channels, not %d",
                           field->channels);
  mien_atomic_file *file = mien_atomic_file_open (path, err);
  if (file == NULL)
    return MIEN_ERR_IO;
  float magic = MIEN_FLO_MAGIC;
  int32_t size[2] = { field->width, field->height };
  if (mien_atomic_file_write (file, &magic, 4, err) != MIEN_OK
      || mien_atomic_file_write (file, size, 8, err) != MIEN_OK
      || mien_atomic_file_write (file, field->data,
                                 mien_image_n_floats (field) * sizeof (float),
                                 err)
             != MIEN_OK)
    {
      mien_atomic_file_abort (file);
      return MIEN_ERR_IO;
    }
  return mien_atomic_file_commit (file, err);
}
