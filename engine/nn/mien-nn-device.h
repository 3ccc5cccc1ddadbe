/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The backend the engine's networks run on: CUDA when mien_device_probe
 * says so (a build with the `cuda` feature, a usable device, the CPU not
 * forced), the CPU otherwise. */
#pragma once

#include "mien-nn-backend.h"
#include "../mien-pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* pool is for the CPU backend (and the CUDA backend's CPU fallback); NULL
 * gives the default pool. A CUDA backend that cannot start is reported to
 * mien_device's log and replaced by the CPU backend. */
mien_nn_backend *mien_nn_backend_new_default (mien_pool *pool,
                                              mien_error *err);

#ifdef __cplusplus
}
#endif
