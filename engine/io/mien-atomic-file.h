/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Nothing half-written: a file is written to a temporary sibling in the same
 * folder (so rename is atomic on one file system) and renamed into place only
 * when complete and flushed. On any failure, or abort, the temporary is
 * removed and the target is untouched. */
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
/* 1 when folder exists and holds file (file's parent folder is folder, by
 * device and inode), else 0. */
int mien_path_in_folder (const char *file, const char *folder);

#ifdef __cplusplus
}
#endif
