/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A small persistent thread pool for data-parallel loops (rows of an image).
 * The per-frame work is ~10 ms, so threads are created once and parked on a
 * condition variable rather than spawned per call. The calling thread takes
 * part in the work. One parallel_for runs at a time per pool; calls from
 * several threads are serialized. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_pool mien_pool;

/* Work on the half-open index range [begin, end). */
typedef void (*mien_range_fn) (void *user_data, int begin, int end);

/* n_threads <= 0 picks the number of online CPUs (or $MIEN_THREADS). */
mien_pool *mien_pool_new (int n_threads);
void mien_pool_free (mien_pool *pool);
int mien_pool_get_n_threads (const mien_pool *pool);

/* The process-wide pool, created on first use. Never freed. */
mien_pool *mien_pool_default (void);

/* Calls fn over [0, n) split into chunks of at least `grain` indices.
 * pool may be NULL, meaning the default pool. Returns when all are done. */
void mien_pool_parallel_for (mien_pool *pool, int n, int grain,
                             mien_range_fn fn, void *user_data);

#ifdef __cplusplus
}
#endif
