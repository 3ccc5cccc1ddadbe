/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A minimal test harness: CHECK records a failure with its location and a
 * message and carries on, so one run reports every broken property; the
 * test's main returns mien_test_exit_code (). */
#pragma once

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int mien_test_failures;
static int mien_test_checks;

#define CHECK(cond, ...)                                                       \
  do                                                                           \
    {                                                                          \
      mien_test_checks++;                                                      \
      if (!(cond))                                                             \
        {                                                                      \
          mien_test_failures++;                                                \
          fprintf (stderr, "%s:%d: FAIL: %s: ", __FILE__, __LINE__, #cond);    \
          fprintf (stderr, __VA_ARGS__);                                       \
          fputc ('\n', stderr);                                                \
        }                                                                      \
    }                                                                          \
  while (0)

static inline int
mien_test_exit_code (void)
{
  printf ("%d checks, %d failed\n", mien_test_checks, mien_test_failures);
  return mien_test_failures ? 1 : 0;
}

/* Deterministic xorshift so failures reproduce. */
static uint64_t mien_test_rng_state = 0x9E3779B97F4A7C15ull;

static inline float
mien_test_uniform (float lo, float hi)
{
  uint64_t x = mien_test_rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  mien_test_rng_state = x;
  return lo + (hi - lo) * (float)((x >> 40) * (1.0 / 16777216.0));
}

/* A field of /proc/self/status in kB ("VmRSS:", "VmHWM:"), for the tests
 * that measure a peak; -1 when it cannot be read. */
static inline long
mien_test_status_kb (const char *key)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t n = strlen (key);
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, key, n) == 0)
      v = strtol (line + n + 1, NULL, 10);
  if (f)
    fclose (f);
  return v;
}
