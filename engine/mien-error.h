/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Errors are values: every engine call that can fail returns a mien_status
 * and, when given a mien_error, fills in a one-line human-readable message.
 * Nothing in the engine prints or exits. */
#pragma once

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mien_status {
  MIEN_OK = 0,
  MIEN_ERR_INVALID,     /* bad argument, mismatched sizes, bad values */
  MIEN_ERR_IO,          /* a file could not be read or written */
  MIEN_ERR_FORMAT,      /* a file was read but its content is malformed */
  MIEN_ERR_NOMEM,       /* allocation failed or would exceed a stated limit */
  MIEN_ERR_UNSUPPORTED, /* valid request this build or device cannot do */
  MIEN_ERR_CANCELLED,   /* the caller asked to stop */
} mien_status;

#define MIEN_ERROR_MESSAGE_MAX 512

typedef struct mien_error {
  mien_status status;
  char message[MIEN_ERROR_MESSAGE_MAX];
} mien_error;

/* Records status and message in err (which may be NULL) and returns status,
 * so that callers can write `return mien_error_set (err, ...);`. */
mien_status mien_error_set (mien_error *err, mien_status status,
                            const char *format, ...)
    __attribute__ ((format (printf, 3, 4)));

/* Prefixes an already-set message with context ("reading x.flo: ...").
 * Returns err->status (MIEN_OK if err is NULL). */
mien_status mien_error_prefix (mien_error *err, const char *format, ...)
    __attribute__ ((format (printf, 2, 3)));

void mien_error_clear (mien_error *err);

const char *mien_status_to_string (mien_status status);

#ifdef __cplusplus
}
#endif
