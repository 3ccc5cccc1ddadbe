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

/* The most threads $MIEN_THREADS may ask for. */
#define MIEN_POOL_MAX_THREADS 256

/* Parses a $MIEN_THREADS value: a whole decimal number in
 * 1 … MIEN_POOL_MAX_THREADS, nothing after it. Returns 0 for NULL, empty,
 * junk, or out of range (the caller then uses its default). */
int mien_pool_parse_threads (const char *text);

/* n_threads <= 0 picks $MIEN_THREADS when it parses (see
 * mien_pool_parse_threads), else the number of online CPUs. */
mien_pool *mien_pool_new (int n_threads);
void mien_pool_free (mien_pool *pool);
int mien_pool_get_n_threads (const mien_pool *pool);

/* Lowers the scheduling priority of the pool's worker threads to `nice`
 * (Linux nice values are per thread). An interactive app renders in the
 * background below its UI: on a 2-core laptop with a software GL renderer
 * the UI's drawing threads must not wait behind the engine. Raising a
 * priority again needs privileges, so this only ever lowers it. The calling
 * thread, which also works in parallel_for, sets its own. No effect on
 * systems without per-thread nice. */
void mien_pool_set_nice (mien_pool *pool, int nice);

/* The process-wide pool, created on first use. Never freed. */
mien_pool *mien_pool_default (void);

/* Calls fn over [0, n) split into chunks of at least `grain` indices.
 * pool may be NULL, meaning the default pool. Returns when all are done. */
void mien_pool_parallel_for (mien_pool *pool, int n, int grain,
                             mien_range_fn fn, void *user_data);

/* The same with `chunks_per_thread` chunks per thread instead of 4 (still
 * at least `grain` indices each). More, smaller chunks cost an atomic
 * increment each and let a thread that was held up (a busy machine, a VM
 * whose virtual CPU the host took away for a moment) hand its share to the
 * others, for work whose rows cost the same and that is long enough to
 * notice: the per-frame ResWarp. */
void mien_pool_parallel_for_chunks (mien_pool *pool, int n, int grain,
                                    int chunks_per_thread, mien_range_fn fn,
                                    void *user_data);

#ifdef __cplusplus
}
#endif
