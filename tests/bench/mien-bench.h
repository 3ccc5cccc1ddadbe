/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every benchmark program needs: a monotonic clock in milliseconds and
 * a qsort comparison for the times it collects. */
#pragma once

#include <stdlib.h>
#include <time.h>

/* MIEN_BENCH_CLOCK=thread measures the calling thread's CPU time instead
 * of the wall clock: with 1 thread (where the pool runs the work on the
 * caller) it is what the work cost even on a machine busy with other
 * processes, where the wall clock is not. */
static inline double
now_ms (void)
{
  static int clock_id = -1;
  if (clock_id < 0)
    {
      const char *c = getenv ("MIEN_BENCH_CLOCK");
      clock_id = c != NULL && c[0] == 't' ? CLOCK_THREAD_CPUTIME_ID
                                          : CLOCK_MONOTONIC;
    }
  struct timespec ts;
  clock_gettime (clock_id, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int
compare_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
