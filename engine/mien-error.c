/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-error.h"

#include <stdio.h>
#include <string.h>

mien_status
mien_error_set (mien_error *err, mien_status status, const char *format, ...)
{
  if (err == NULL)
    return status;
  err->status = status;
  va_list args;
  va_start (args, format);
  vsnprintf (err->message, sizeof err->message, format, args);
  va_end (args);
  return status;
}

mien_status
mien_error_prefix (mien_error *err, const char *format, ...)
{
  if (err == NULL)
    return MIEN_OK;
  char prefix[MIEN_ERROR_MESSAGE_MAX];
  char old[MIEN_ERROR_MESSAGE_MAX];
  va_list args;
  va_start (args, format);
  vsnprintf (prefix, sizeof prefix, format, args);
  va_end (args);
  memcpy (old, err->message, sizeof old);
  /* Truncation of an overlong message is acceptable. */
  int n = snprintf (err->message, sizeof err->message, "%s: ", prefix);
  if (n >= 0 && (size_t)n < sizeof err->message)
    snprintf (err->message + n, sizeof err->message - (size_t)n, "%s", old);
  return err->status;
}

void
mien_error_clear (mien_error *err)
{
  if (err == NULL)
    return;
  err->status = MIEN_OK;
  err->message[0] = '\0';
}

const char *
mien_status_to_string (mien_status status)
{
  switch (status)
    {
    case MIEN_OK: return "ok";
    case MIEN_ERR_INVALID: return "invalid argument";
    case MIEN_ERR_IO: return "input/output error";
    case MIEN_ERR_FORMAT: return "malformed data";
    case MIEN_ERR_NOMEM: return "out of memory";
    case MIEN_ERR_UNSUPPORTED: return "unsupported";
    case MIEN_ERR_CANCELLED: return "cancelled";
    }
  return "unknown error";
}
