/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CPU backend: convolutions and fully connected layers as OpenBLAS
 * sgemm (im2col for k×k kernels, the activation tensor itself for 1×1),
 * everything else as loops split over the engine's thread pool. It supports
 * every op and is the fallback of other backends. */
#pragma once

#include "../mien-pool.h"
#include "mien-nn-backend.h"

#ifdef __cplusplus
extern "C" {
#endif

/* pool may be NULL (the default pool). n_blas_threads <= 0 gives OpenBLAS
 * the pool's thread count; OpenBLAS's setting is process-wide. */
mien_nn_backend *mien_nn_cpu_backend_new (mien_pool *pool, int n_blas_threads,
                                          mien_error *err);
int mien_nn_backend_is_cpu (mien_nn_backend *backend);

#ifdef __cplusplus
}
#endif
