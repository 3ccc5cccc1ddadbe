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

/* pool may be NULL (the default pool). Matrix products split their rows
 * over the pool, each piece on one OpenBLAS thread (OpenBLAS's setting is
 * process-wide); n_blas_threads is no longer used (the pool's threads are
 * the parallelism). */
mien_nn_backend *mien_nn_cpu_backend_new (mien_pool *pool, int n_blas_threads,
                                          mien_error *err);
int mien_nn_backend_is_cpu (mien_nn_backend *backend);

/* The OpenBLAS kernels worth asking for (the value for $OPENBLAS_CORETYPE),
 * or NULL when there is nothing to gain: OpenBLAS already has kernels for
 * this CPU's widest vectors, or $OPENBLAS_CORETYPE is set. OpenBLAS picks
 * its kernels by CPU model when it loads, so a CPU newer than the library
 * (Debian 12 has 0.3.21) gets its generic SSE3 "Prescott" kernels: on an
 * Intel Xeon of model 207 with AVX-512 the ATW generator ran 3.5× slower
 * on them than on "SkylakeX". The choice only takes effect in a process
 * started with the variable set (mien_cli_use_fast_blas re-executes). */
const char *mien_nn_blas_better_core (void);

#ifdef __cplusplus
}
#endif
