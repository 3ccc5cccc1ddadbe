/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _POSIX_C_SOURCE 200809L
#include "mien-c-locale.h"

#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* One C locale for the process; uselocale switches only the calling thread,
 * so the UI thread's localized formatting is never disturbed. */
static locale_t c_locale = (locale_t)0;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void
make_c_locale (void)
{
  c_locale = newlocale (LC_ALL_MASK, "C", (locale_t)0);
}

/* Switches this thread to the C locale; returns what to restore, or 0 when
 * no C locale could be made (then the process locale stays, as before). */
static locale_t
enter_c_locale (void)
{
  pthread_once (&c_locale_once, make_c_locale);
  return c_locale ? uselocale (c_locale) : (locale_t)0;
}

static void
leave_c_locale (locale_t previous)
{
  if (previous)
    uselocale (previous);
}

double
mien_strtod_c (const char *text, char **end)
{
  locale_t previous = enter_c_locale ();
  double v = strtod (text, end);
  leave_c_locale (previous);
  return v;
}
