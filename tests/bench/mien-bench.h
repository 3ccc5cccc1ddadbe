/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What every benchmark program needs: a monotonic clock in milliseconds and
 * a qsort comparison for the times it collects. */
#pragma once

#include <time.h>

static inline double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int
compare_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}
