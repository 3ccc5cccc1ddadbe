/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-atomic-file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct mien_atomic_file {
  char *path;
  char *tmp_path;
  FILE *stream;
  int write_failed;
  int saved_errno;
};

mien_atomic_file *
mien_atomic_file_open (const char *path, mien_error *err)
{
  mien_atomic_file *file = calloc (1, sizeof *file);
  if (file == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  file->path = strdup (path);
  const char *slash = strrchr (path, '/');
  size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
  const char *base = slash ? slash + 1 : path;
  /* ".name.XXXXXX" beside the target: hidden, and on the same file system. */
  size_t len = dir_len + strlen (base) + 16;
  file->tmp_path = malloc (len);
  if (file->path == NULL || file->tmp_path == NULL)
    {
      free (file->path);
      free (file->tmp_path);
      free (file);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  snprintf (file->tmp_path, len, "%.*s.%s.XXXXXX", (int)dir_len, path, base);
  int fd = mkstemp (file->tmp_path);
  if (fd < 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", path,
                      strerror (errno));
      free (file->path);
      free (file->tmp_path);
      free (file);
      return NULL;
    }
  /* mkstemp makes 0600; a saved picture should get the usual umask mode. */
  mode_t mask = umask (0);
  umask (mask);
  fchmod (fd, 0666 & ~mask);
  file->stream = fdopen (fd, "wb");
  if (file->stream == NULL)
    {
      close (fd);
      unlink (file->tmp_path);
      mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", path,
                      strerror (errno));
      free (file->path);
      free (file->tmp_path);
      free (file);
      return NULL;
    }
  return file;
}

FILE *
mien_atomic_file_stream (mien_atomic_file *file)
{
  return file->stream;
}

mien_status
mien_atomic_file_write (mien_atomic_file *file, const void *data, size_t size,
                        mien_error *err)
{
  if (size > 0 && fwrite (data, 1, size, file->stream) != size)
    {
      if (!file->write_failed)
        file->saved_errno = errno;
      file->write_failed = 1;
      return mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s",
                             file->path, strerror (file->saved_errno));
    }
  return MIEN_OK;
}

static void
atomic_file_free (mien_atomic_file *file)
{
  free (file->path);
  free (file->tmp_path);
  free (file);
}

void
mien_atomic_file_abort (mien_atomic_file *file)
{
  if (file == NULL)
    return;
  fclose (file->stream);
  unlink (file->tmp_path);
  atomic_file_free (file);
}

mien_status
mien_atomic_file_commit (mien_atomic_file *file, mien_error *err)
{
  int failed = file->write_failed || ferror (file->stream);
  int error_number = file->write_failed ? file->saved_errno : EIO;
  if (!failed && fflush (file->stream) != 0)
    failed = 1, error_number = errno;
  if (!failed && fsync (fileno (file->stream)) != 0 && errno != EINVAL)
    failed = 1, error_number = errno;
  if (fclose (file->stream) != 0 && !failed)
    failed = 1, error_number = errno;
  if (!failed && rename (file->tmp_path, file->path) != 0)
    failed = 1, error_number = errno;
  if (failed)
    {
      unlink (file->tmp_path);
      mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", file->path,
                      strerror (error_number));
      atomic_file_free (file);
      return MIEN_ERR_IO;
    }
  atomic_file_free (file);
  return MIEN_OK;
}

int
mien_path_same_file (const char *a, const char *b)
{
  struct stat sa, sb;
  return a != NULL && b != NULL && stat (a, &sa) == 0 && stat (b, &sb) == 0
         && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

int
mien_path_in_folder (const char *file, const char *folder)
{
  /* The real path, so that a link to a photo elsewhere counts where the
   * photo is. */
  char *real = file ? realpath (file, NULL) : NULL;
  char *slash = real ? strrchr (real, '/') : NULL;
  if (slash == NULL)
    {
      free (real);
      return 0;
    }
  slash[slash == real ? 1 : 0] = '\0';
  struct stat sf;
  int in = folder != NULL && stat (folder, &sf) == 0 && S_ISDIR (sf.st_mode)
           && mien_path_same_file (real, folder);
  free (real);
  return in;
}
