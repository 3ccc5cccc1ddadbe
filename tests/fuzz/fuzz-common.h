/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the libFuzzer targets in tests/fuzz: a private folder for the
 * loaders that take a path, and the rule every target checks — a refusal
 * must say why. */
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mien-error.h"

static char fuzz_dir_path[64];

/* At a normal exit: the folder's files (plain files only) and the folder.
 * After a crash it stays, with the input that caused it. */
static void
fuzz_dir_remove (void)
{
  DIR *d = opendir (fuzz_dir_path);
  if (d == NULL)
    return;
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      unlinkat (dirfd (d), e->d_name, 0);
  closedir (d);
  rmdir (fuzz_dir_path);
}

/* A folder of this process (in /dev/shm when there, so that writing each
 * input costs no disk), made once and removed at exit. */
static const char *
fuzz_dir (void)
{
  if (fuzz_dir_path[0] == '\0')
    {
      snprintf (fuzz_dir_path, sizeof fuzz_dir_path, "%s/mien-fuzz-XXXXXX",
                access ("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
      if (mkdtemp (fuzz_dir_path) == NULL)
        abort ();
      atexit (fuzz_dir_remove);
    }
  return fuzz_dir_path;
}

/* Writes data to fuzz_dir()/name and returns the path (static storage). */
static const char *
fuzz_write (const char *name, const uint8_t *data, size_t size)
{
  static char path[128];
  snprintf (path, sizeof path, "%s/%s", fuzz_dir (), name);
  FILE *f = fopen (path, "wb");
  if (f == NULL || (size && fwrite (data, 1, size, f) != size) || fclose (f))
    abort ();
  return path;
}

/* A copy with a terminating NUL, for the parsers of C strings. */
static char *
fuzz_string (const uint8_t *data, size_t size)
{
  char *s = malloc (size + 1);
  if (s == NULL)
    abort ();
  memcpy (s, data, size);
  s[size] = '\0';
  return s;
}

/* A refusal must come with a status and a message. */
static void
fuzz_check_refusal (const mien_error *err)
{
  if (err->status == MIEN_OK || err->message[0] == '\0')
    {
      fprintf (stderr, "refused without saying why\n");
      abort ();
    }
}
