/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Nothing half-written: a file is written to a temporary sibling in the same
 * folder (so rename is atomic on one file system) and renamed into place only
 * when complete and flushed. On any failure, or abort, the temporary is
 * removed and the target is untouched.
 *
 * Temporaries are named ".NAME.mien-PID-XXXXXX" (NAME the target's name, PID
 * the writer's process) and their writer holds an flock on them while it
 * writes. A writer killed outright (SIGKILL, a crash, a power cut) leaves its
 * temporary behind; the next temporary created in that folder first sweeps
 * away those whose writer is gone: the process PID no longer exists AND the
 * lock is free. A live export of another process (its PID exists, or it
 * holds the lock, say from another PID namespace) is never touched. */
#pragma once

#include <stddef.h>
#include <stdio.h>

#include "../mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_atomic_file mien_atomic_file;

mien_atomic_file *mien_atomic_file_open (const char *path, mien_error *err);
/* The stream to write to; errors are detected at commit. */
FILE *mien_atomic_file_stream (mien_atomic_file *file);
mien_status mien_atomic_file_write (mien_atomic_file *file, const void *data,
                                    size_t size, mien_error *err);
/* Flushes, syncs, closes and renames into place; frees file either way. */
mien_status mien_atomic_file_commit (mien_atomic_file *file, mien_error *err);
/* Removes the temporary and frees file. */
void mien_atomic_file_abort (mien_atomic_file *file);

/* 1 when a and b both exist and are the same file (same device and inode:
 * also through a symbolic or hard link, or another spelling of the path),
 * else 0. Writers use it to refuse replacing one of their own inputs, such
 * as the user's photo. */
int mien_path_same_file (const char *a, const char *b);

/* A new temporary file (folder == 0) or folder (folder != 0) beside path,
 * named as above, with the usual mode (umask applied), after sweeping the
 * folder of stale temporaries. Returns a file descriptor holding the lock
 * (for a file, open for writing; for a folder, the folder opened read-only)
 * and sets *tmp_path (malloc'd); -1 with err set on failure. The lock lasts
 * until the descriptor is closed: close it after the rename or removal. */
int mien_atomic_temp_create (const char *path, int folder, char **tmp_path,
                             mien_error *err);
/* Removes the temporaries in folder whose writer is gone (see above); for
 * a temporary folder, its plain files and then the folder. Returns how many
 * were removed. */
int mien_atomic_sweep (const char *folder);
/* 1 when name (a file name, no folder) is a temporary of this scheme, with
 * its writer's PID in *pid. */
int mien_atomic_temp_name_parse (const char *name, long *pid);
/* 1 when folder exists and holds file (file's parent folder is folder, by
 * device and inode), else 0. */
int mien_path_in_folder (const char *file, const char *folder);

#ifdef __cplusplus
}
#endif
