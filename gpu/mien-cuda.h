/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CUDA backend's entry point: is there a device we can use, and which.
 * Plain C API; no CUDA types leak out, so the engine's dispatch code
 * (engine/mien-device.c) and the tests include it without the toolkit's
 * headers. Built only with the `cuda` meson feature. */
#pragma once

#include <stddef.h>

#include "mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_cuda_device_info {
  int ordinal;              /* CUDA device number used (0) */
  char name[256];           /* "NVIDIA H100 80GB HBM3" */
  int cc_major, cc_minor;   /* compute capability */
  int sm_count;
  size_t total_memory;      /* bytes */
  size_t free_memory;       /* bytes, at probe time */
  int driver_version;       /* 13000 = CUDA 13.0; 0 when no driver */
  int runtime_version;      /* the runtime linked in */
} mien_cuda_device_info;

/* Looks for a device the kernels can run on: a driver new enough for the
 * runtime, a device, compute capability 8.0 or newer (the embedded PTX;
 * 9.0 has machine code), and the kernels' image loadable on it. On success
 * fills info and returns MIEN_OK; otherwise MIEN_ERR_UNSUPPORTED with the
 * reason in err ("no NVIDIA driver (libcuda.so.1 not found)", "driver 12.2
 * is older than CUDA 13.0 needs", ...). Safe to call any number of times. */
mien_status mien_cuda_probe (mien_cuda_device_info *info, mien_error *err);

#ifdef __cplusplus
}
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* Device memory bandwidth as a copy kernel achieves it (16-byte loads and
 * stores, bytes read + written per second), over a buffer of `bytes` (256
 * MiB is plenty), best of `repeats`. For the benchmark's roofline. */
mien_status mien_cuda_measure_bandwidth (size_t bytes, int repeats,
                                         double *gb_per_s, mien_error *err);

#ifdef __cplusplus
}
#endif
