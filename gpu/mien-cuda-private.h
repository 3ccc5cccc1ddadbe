/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the .cu files: turning CUDA errors into mien_error values. */
#pragma once

#include <cuda_runtime.h>

#include "mien-error.h"

/* Clears the runtime's last error (non-sticky ones) and records e in err.
 * Out of memory maps to MIEN_ERR_NOMEM so that callers can say so; every
 * other CUDA failure is MIEN_ERR_UNSUPPORTED ("this device cannot"), which
 * the engine answers by falling back to the CPU. */
static inline mien_status
mien_cuda_fail (mien_error *err, cudaError_t e, const char *what)
{
  (void)cudaGetLastError ();
  mien_status s = e == cudaErrorMemoryAllocation ? MIEN_ERR_NOMEM
                                                 : MIEN_ERR_UNSUPPORTED;
  return mien_error_set (err, s, "CUDA: %s: %s", what, cudaGetErrorString (e));
}

#define MIEN_CUDA_TRY(call, what)                                              \
  do                                                                           \
    {                                                                          \
      cudaError_t e_ = (call);                                                 \
      if (e_ != cudaSuccess)                                                   \
        return mien_cuda_fail (err, e_, what);                                 \
    }                                                                          \
  while (0)

/* Same, for a kernel launch just queued. */
#define MIEN_CUDA_CHECK_LAUNCH(what) MIEN_CUDA_TRY (cudaGetLastError (), what)

static inline unsigned
mien_cuda_blocks (size_t n, unsigned threads)
{
  return (unsigned)((n + threads - 1) / threads);
}
