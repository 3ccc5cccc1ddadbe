/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-atomic-file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct mien_atomic_file {
  char *path;
  char *tmp_path;
  FILE *stream;
  int write_failed;
  int saved_errno;
};

/* ---- temporaries ---------------------------------------------------------- */

int
mien_atomic_temp_name_parse (const char *name, long *pid)
{
  /* ".NAME.mien-PID-XXXXXX" */
  if (name[0] != '.')
    return 0;
  size_t n = strlen (name);
  if (n < 1 + 6 + 2 + 6)
    return 0;
  const char *dash = name + n - 7;
  if (*dash != '-')
    return 0;
  const char *digits = dash;
  while (digits > name && digits[-1] >= '0' && digits[-1] <= '9')
    digits--;
  if (digits == dash || dash - digits > 10 || digits - name < 6
      || strncmp (digits - 6, ".mien-", 6) != 0)
    return 0;
  long v = 0;
  for (const char *c = digits; c < dash; c++)
    v = v * 10 + (*c - '0');
  if (v <= 0)
    return 0;
  *pid = v;
  return 1;
}

/* The plain files in the folder open as dfd, and the folder (name in
 * parent). What is not a plain file stays, and so does the folder. */
static void
remove_temp_folder (int parent, const char *name, int dfd)
{
  int fd = dup (dfd);
  DIR *d = fd >= 0 ? fdopendir (fd) : NULL;
  if (d == NULL)
    {
      if (fd >= 0)
        close (fd);
      return;
    }
  struct stat st;
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0
        && fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
        && S_ISREG (st.st_mode))
      unlinkat (dirfd (d), e->d_name, 0);
  closedir (d);
  unlinkat (parent, name, AT_REMOVEDIR);
}

int
mien_atomic_sweep (const char *folder)
{
  DIR *d = opendir (folder && *folder ? folder : ".");
  if (d == NULL)
    return 0;
  int removed = 0;
  long self = (long)getpid ();
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    {
      long pid;
      if (!mien_atomic_temp_name_parse (e->d_name, &pid) || pid == self)
        continue;
      /* Alive, or not ours to know (EPERM: another user's): keep. */
      if (pid > (long)INT32_MAX || kill ((pid_t)pid, 0) == 0 || errno != ESRCH)
        continue;
      int fd = openat (dirfd (d), e->d_name,
                       O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
      if (fd < 0)
        continue;
      struct stat st;
      /* The lock answers where the PID cannot (a writer in another PID
       * namespace, a PID reused since). */
      if (fstat (fd, &st) == 0 && flock (fd, LOCK_EX | LOCK_NB) == 0)
        {
          if (S_ISREG (st.st_mode))
            removed += unlinkat (dirfd (d), e->d_name, 0) == 0;
          else if (S_ISDIR (st.st_mode))
            {
              remove_temp_folder (dirfd (d), e->d_name, fd);
              removed += faccessat (dirfd (d), e->d_name, F_OK,
                                    AT_SYMLINK_NOFOLLOW) != 0;
            }
        }
      close (fd);
    }
  closedir (d);
  return removed;
}

int
mien_atomic_temp_create (const char *path, int folder, char **tmp_path,
                         mien_error *err)
{
  *tmp_path = NULL;
  const char *slash = strrchr (path, '/');
  size_t dir_len = slash ? (size_t)(slash - path + 1) : 0;
  const char *base = slash ? slash + 1 : path;
  char *dir = dir_len ? strndup (path, dir_len) : strdup (".");
  size_t len = dir_len + strlen (base) + 40;
  char *tmp = malloc (len);
  if (dir == NULL || tmp == NULL)
    {
      free (dir);
      free (tmp);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return -1;
    }
  mien_atomic_sweep (dir);
  free (dir);
  snprintf (tmp, len, "%.*s.%s.mien-%ld-XXXXXX", (int)dir_len, path, base,
            (long)getpid ());
  mode_t mask = umask (0);
  umask (mask);
  int fd;
  if (folder)
    {
      fd = -1;
      if (mkdtemp (tmp) != NULL)
        {
          /* mkdtemp makes 0700; an exported folder gets the usual mode. */
          chmod (tmp, 0777 & ~mask);
          fd = open (tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (fd < 0)
            rmdir (tmp);
        }
    }
  else
    {
      fd = mkostemp (tmp, O_CLOEXEC);
      /* mkstemp makes 0600; a saved picture gets the usual mode. */
      if (fd >= 0)
        fchmod (fd, 0666 & ~mask);
    }
  if (fd < 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", path,
                      strerror (errno));
      free (tmp);
      return -1;
    }
  /* Held until the descriptor is closed, so a sweep by another process
   * leaves this temporary alone even if it cannot see our PID. */
  flock (fd, LOCK_EX | LOCK_NB);
  *tmp_path = tmp;
  return fd;
}

/* ---- atomic files -------------------------------------------------------- */

mien_atomic_file *
mien_atomic_file_open (const char *path, mien_error *err)
{
  mien_atomic_file *file = calloc (1, sizeof *file);
  if (file == NULL || (file->path = strdup (path)) == NULL)
    {
      free (file);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  int fd = mien_atomic_temp_create (path, 0, &file->tmp_path, err);
  if (fd < 0)
    {
      free (file->path);
      free (file);
      return NULL;
    }
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
