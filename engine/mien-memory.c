/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-memory.h"

#include "mien-c-locale.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static _Atomic uint64_t memory_cap_override;

int
mien_parse_byte_size (const char *text, uint64_t *bytes)
{
  char *end;
  double v = mien_strtod_c (text, &end);
  if (end == text || !isfinite (v) || v <= 0.0)
    return 0;
  while (*end == ' ')
    end++;
  double unit = 1.0;
  switch (*end)
    {
    case 'k': case 'K': unit = 1024.0; end++; break;
    case 'm': case 'M': unit = 1024.0 * 1024.0; end++; break;
    case 'g': case 'G': unit = 1024.0 * 1024.0 * 1024.0; end++; break;
    case 't': case 'T': unit = 1024.0 * 1024.0 * 1024.0 * 1024.0; end++; break;
    default: break;
    }
  if (unit > 1.0 && (*end == 'i' || *end == 'I'))
    end++;
  if (unit > 1.0 && (*end == 'b' || *end == 'B'))
    end++;
  if (*end != '\0' || v * unit >= 1.8e19)
    return 0;
  *bytes = (uint64_t)(v * unit);
  return *bytes > 0;
}

void
mien_memory_set_cap (uint64_t bytes)
{
  atomic_store (&memory_cap_override, bytes);
}

uint64_t
mien_memory_get_cap (void)
{
  uint64_t cap = atomic_load (&memory_cap_override);
  if (cap)
    return cap;
  const char *env = getenv ("MIEN_MEMORY_LIMIT");
  if (env && mien_parse_byte_size (env, &cap))
    return cap;
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0)
    return UINT64_MAX;
  return (uint64_t)pages * (uint64_t)page / 2;
}

const char *
mien_format_bytes (uint64_t bytes, char buf[32])
{
  double v = (double)bytes;
  if (v >= 1024.0 * 1024.0 * 1024.0)
    snprintf (buf, 32, "%.1f GiB", v / (1024.0 * 1024.0 * 1024.0));
  else
    snprintf (buf, 32, "%.0f MiB", ceil (v / (1024.0 * 1024.0)));
  return buf;
}
