/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the libFuzzer targets in tests/fuzz: a private folder for the
 * loaders that take a path, and the rule every target checks — a refusal
 * must say why. */
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mien-error.h"

/* A folder of this process (in /dev/shm when there, so that writing each
 * input costs no disk), made once. */
static const char *
fuzz_dir (void)
{
  static char dir[64];
  if (dir[0] == '\0')
    {
      snprintf (dir, sizeof dir, "%s/mien-fuzz-XXXXXX",
                access ("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
      if (mkdtemp (dir) == NULL)
        abort ();
    }
  return dir;
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
