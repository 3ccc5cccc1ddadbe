/* SPDX-License-Identifier: GPL-3.0-or-later */
/* PNG sequence: frame_00001.png, … written into a hidden temporary folder
 * beside the target, which is renamed into place by finish.
 *
 * Replacing a non-empty folder needs the overwrite option, and even then only
 * a folder of plain files (a previous export, say) is replaced: an exporter
 * has no business deleting a tree of subfolders the user pointed it at by
 * mistake. The old folder is swapped out atomically (renameat2 EXCHANGE) and
 * then its files are deleted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mien-atomic-file.h"
#include "mien-export-private.h"
#include "mien-image-io.h"

typedef struct png_state {
  char *path;
  char *tmp_dir;
  int lock_fd; /* the temporary folder, open and locked */
  int overwrite;
  int n_frames;
} png_state;

/* Deletes the plain files in dir (hidden ones too) and dir itself. Returns
 * 0, or an errno if something stayed (a subfolder, say). */
static int
remove_folder_of_files (const char *dir)
{
  DIR *d = opendir (dir);
  if (d == NULL)
    return errno;
  int fd = dirfd (d);
  int error_number = 0;
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0
        && unlinkat (fd, e->d_name, 0) != 0 && error_number == 0)
      error_number = errno;
  closedir (d);
  if (rmdir (dir) != 0 && error_number == 0)
    error_number = errno;
  return error_number;
}

/* 0 if dir is empty, 1 if it holds only plain files, 2 if anything else
 * (a subfolder, a link to one); -1 with errno if it cannot be read. */
static int
folder_contents (const char *dir)
{
  DIR *d = opendir (dir);
  if (d == NULL)
    return -1;
  int kind = 0;
  struct stat st;
  for (struct dirent *e; (e = readdir (d)) != NULL && kind < 2;)
    {
      if (strcmp (e->d_name, ".") == 0 || strcmp (e->d_name, "..") == 0)
        continue;
      if (fstatat (dirfd (d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0
          && S_ISREG (st.st_mode))
        kind = 1;
      else
        kind = 2;
    }
  closedir (d);
  return kind;
}

static mien_status
check_target (const char *path, int overwrite, mien_error *err)
{
  struct stat st;
  if (stat (path, &st) != 0)
    {
      if (errno == ENOENT)
        return MIEN_OK; /* the parent is checked by mkdtemp */
      return mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", path,
                             strerror (errno));
    }
  if (!S_ISDIR (st.st_mode))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "cannot write a PNG sequence to %s: it exists and "
                           "is not a folder",
                           path);
  int kind = folder_contents (path);
  if (kind < 0)
    return mien_error_set (err, MIEN_ERR_IO, "cannot read folder %s: %s",
                           path, strerror (errno));
  if (kind == 1 && !overwrite)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "folder %s is not empty; choose another folder or "
                           "allow overwriting",
                           path);
  if (kind == 2)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "folder %s holds subfolders or links; refusing to "
                           "replace it",
                           path);
  return MIEN_OK;
}

static void *
png_open (const char *path, const mien_export_options *options, int width,
          int height, mien_error *err)
{
  if (check_target (path, options->overwrite, err) != MIEN_OK)
    return NULL;
  png_state *s = calloc (1, sizeof *s);
  if (s == NULL || (s->path = strdup (path)) == NULL)
    {
      free (s);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  s->lock_fd = mien_atomic_temp_create (path, 1, &s->tmp_dir, err);
  if (s->lock_fd < 0)
    {
      free (s->path);
      free (s);
      return NULL;
    }
  s->overwrite = options->overwrite;
  return s;
}

static mien_status
png_add_frame (void *state, const mien_image *frame, mien_error *err)
{
  png_state *s = state;
  char name[32], *file;
  snprintf (name, sizeof name, "frame_%05d.png", s->n_frames + 1);
  if (asprintf (&file, "%s/%s", s->tmp_dir, name) < 0)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  mien_error save_err = { 0 };
  mien_status status = mien_image_save (frame, file, &save_err);
  if (status != MIEN_OK)
    {
      /* Name the target, not the hidden temporary, in the message. */
      size_t n = strlen (file);
      const char *reason = save_err.message;
      if (strncmp (reason, "cannot write ", 13) == 0
          && strncmp (reason + 13, file, n) == 0 && reason[13 + n] == ':')
        reason += 13 + n + 2;
      mien_error_set (err, status, "cannot write %s/%s: %s", s->path, name,
                      reason);
    }
  else
    s->n_frames++;
  free (file);
  return status;
}

static void
png_free (png_state *s)
{
  close (s->lock_fd);
  free (s->path);
  free (s->tmp_dir);
  free (s);
}

static void
png_abort (void *state)
{
  png_state *s = state;
  remove_folder_of_files (s->tmp_dir);
  png_free (s);
}

/* Puts tmp at path: a plain rename when path is absent or an empty folder,
 * an atomic exchange (then deleting the old files) when it is a folder of
 * files and overwriting was allowed at open. */
static int
move_into_place (const char *tmp, const char *path, int overwrite)
{
  if (rename (tmp, path) == 0)
    return 0;
  if (!overwrite || (errno != ENOTEMPTY && errno != EEXIST))
    return errno;
  if (renameat2 (AT_FDCWD, tmp, AT_FDCWD, path, RENAME_EXCHANGE) != 0)
    return errno;
  /* tmp now names the old folder. */
  remove_folder_of_files (tmp);
  return 0;
}

static mien_status
png_finish (void *state, mien_error *err)
{
  png_state *s = state;
  int error_number = move_into_place (s->tmp_dir, s->path, s->overwrite);
  if (error_number != 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", s->path,
                      strerror (error_number));
      png_abort (s);
      return MIEN_ERR_IO;
    }
  png_free (s);
  return MIEN_OK;
}

const mien_export_backend mien_export_png_backend = {
  .check = NULL,
  .open = png_open,
  .add_frame = png_add_frame,
  .finish = png_finish,
  .abort = png_abort,
};
