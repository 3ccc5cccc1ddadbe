/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Which device runs the engine's hot path, and ResWarp on it.
 *
 * Builds with the `cuda` feature pick the CUDA backend at run time when a
 * usable device is present and the CPU otherwise; every other build is CPU
 * only. The CPU is forced by mien_device_force_cpu (1) (the tools' --cpu) or
 * by the environment variable MIEN_CPU=1.
 *
 * Any CUDA failure (no driver, a driver too old, out of device memory, a
 * kernel error) falls back to the CPU, which computes the same result; the
 * reason goes to the log function, if one is set (the engine itself never
 * prints). */
#pragma once

#include "mien-error.h"
#include "mien-image.h"
#include "mien-pool.h"
#include "mien-reswarp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mien_device_kind {
  MIEN_DEVICE_CPU = 0,
  MIEN_DEVICE_CUDA = 1,
} mien_device_kind;

typedef struct mien_device_info {
  mien_device_kind kind; /* what the engine will use */
  int cuda_built;        /* this build has the CUDA backend */
  char description[320]; /* "NVIDIA H100 80GB HBM3 (compute 9.0, 79.1 GiB,
                            driver 13.0)" or "CPU" */
  char reason[MIEN_ERROR_MESSAGE_MAX]; /* why not CUDA; "" when CUDA */
} mien_device_info;

const char *mien_device_kind_to_string (mien_device_kind kind);

/* 1 forces the CPU from now on (as MIEN_CPU=1 does); 0 lets the probe
 * decide again. */
void mien_device_force_cpu (int force);

/* What the engine would use now, and why. The CUDA probe runs once per
 * process (it is cached); forcing the CPU is checked on every call. info
 * may be NULL. */
mien_device_kind mien_device_probe (mien_device_info *info);

/* Where the engine reports falling back to the CPU ("CUDA: out of device
 * memory ...; using the CPU"). NULL (the default) drops the messages. */
typedef void (*mien_device_log_func) (const char *message, void *user_data);
void mien_device_set_log_func (mien_device_log_func func, void *user_data);
/* For the engine's backends: formats one line to the log function. */
void mien_device_log (const char *format, ...)
    __attribute__ ((format (printf, 1, 2)));

/* ---- ResWarp on the best device ------------------------------------------ */

typedef struct mien_device_reswarp mien_device_reswarp;

typedef enum mien_device_reswarp_flags {
  MIEN_DEVICE_RESWARP_DEFAULT = 0,
  /* Store CUDA residuals as half floats (see gpu/mien-cuda-reswarp.h). */
  MIEN_DEVICE_RESWARP_HALF = 1 << 0,
  /* The paper's equations exactly: no residual gain (mien-reswarp.h). */
  MIEN_DEVICE_RESWARP_NO_FADE = 1 << 1,
} mien_device_reswarp_flags;

/* Decomposes hd on the best backend that takes it (mien-reswarp-backend.h:
 * CUDA when mien_device_probe says so, else or on a device failure the
 * CPU). hd is not referenced after this returns: when a backend other than
 * the last is chosen, a copy is kept to rebuild on the next one should the
 * device fail in a later frame. */
mien_device_reswarp *mien_device_reswarp_new (const mien_image *hd, int low_w,
                                              int low_h,
                                              mien_reswarp_mode mode,
                                              unsigned flags, mien_pool *pool,
                                              mien_error *err);
void mien_device_reswarp_free (mien_device_reswarp *rw);

/* The device the next frame runs on. */
mien_device_kind mien_device_reswarp_get_kind (const mien_device_reswarp *rw);
/* I = down(I^h), the generator's input (the same on either device). */
const mien_image *mien_device_reswarp_get_low (const mien_device_reswarp *rw);

/* One frame, as mien_reswarp. On a device failure the frame is recomputed on
 * the next backend, and so are all later frames of this object. */
mien_status mien_device_reswarp_frame (mien_device_reswarp *rw,
                                       const mien_image *refined,
                                       const mien_image *field,
                                       mien_image *out, mien_error *err);

/* The residual fade on or off (mien_decomposition_set_residual_fade), on
 * whichever backend runs. */
void mien_device_reswarp_set_residual_fade (mien_device_reswarp *rw, int on);
/* Whether the frames warp the residual with the cubic resampler: the
 * residual fade is on (as created) and mien_reswarp_cubic_by_default says
 * so (the "Sharper skin detail" switch), on whichever backend runs. */
int mien_device_reswarp_warps_cubic (const mien_device_reswarp *rw);
/* The CPU decomposition when the CPU runs, for callers that look inside it
 * (debug pictures of the residual); NULL on a device. */
mien_decomposition *
mien_device_reswarp_get_cpu_decomposition (mien_device_reswarp *rw);

#ifdef __cplusplus
}
#endif
