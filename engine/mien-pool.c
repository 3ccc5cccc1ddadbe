/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-pool.h"

#include <errno.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

struct mien_pool {
  int n_threads; /* including the caller */
  pthread_t *workers;
  pthread_mutex_t lock;
  pthread_cond_t wake;
  pthread_cond_t done;
  pthread_mutex_t call_lock; /* serializes parallel_for callers */

  /* The job being run; valid while generation is odd-numbered work. */
  unsigned long generation;
  int quit;
  mien_range_fn fn;
  void *user_data;
  int n;
  int chunk;
  atomic_int next_chunk;
  atomic_int nice; /* wanted nice value of the workers; 0 = unchanged */
  int n_chunks;
  int busy_workers;
};

static void
run_chunks (mien_pool *pool)
{
  for (;;)
    {
      int c = atomic_fetch_add (&pool->next_chunk, 1);
      if (c >= pool->n_chunks)
        break;
      int begin = c * pool->chunk;
      int end = begin + pool->chunk;
      if (end > pool->n)
        end = pool->n;
      pool->fn (pool->user_data, begin, end);
    }
}

static void *
worker_main (void *arg)
{
  mien_pool *pool = arg;
  unsigned long seen = 0;
  int applied_nice = 0;
  pthread_mutex_lock (&pool->lock);
  for (;;)
    {
      while (!pool->quit && pool->generation == seen)
        pthread_cond_wait (&pool->wake, &pool->lock);
      if (pool->quit)
        break;
      seen = pool->generation;
      pthread_mutex_unlock (&pool->lock);
      int wanted = atomic_load (&pool->nice);
      if (wanted > applied_nice)
        {
          /* On Linux, PRIO_PROCESS with 0 affects the calling thread only. */
          if (setpriority (PRIO_PROCESS, 0, wanted) == 0)
            applied_nice = wanted;
        }
      run_chunks (pool);
      pthread_mutex_lock (&pool->lock);
      if (--pool->busy_workers == 0)
        pthread_cond_signal (&pool->done);
    }
  pthread_mutex_unlock (&pool->lock);
  return NULL;
}

int
mien_pool_parse_threads (const char *text)
{
  /* strtol rather than atoi: "8x", "1e3" or an overflowing number is junk,
   * not 8, 1 or INT_MAX threads. Only leading blanks are forgiven (strtol
   * skips them anyway); trailing ones would mean a hand-edited value with
   * something after it, which we do not guess at either. */
  if (text == NULL || *text == '\0')
    return 0;
  errno = 0;
  char *end = NULL;
  long v = strtol (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0')
    return 0;
  if (v < 1 || v > MIEN_POOL_MAX_THREADS)
    return 0;
  return (int)v;
}

static int
default_thread_count (void)
{
  /* A bad MIEN_THREADS falls back to the CPU count: a typo in an
   * environment variable must not start 10^9 threads or none. */
  int from_env = mien_pool_parse_threads (getenv ("MIEN_THREADS"));
  if (from_env > 0)
    return from_env;
  long n = sysconf (_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

mien_pool *
mien_pool_new (int n_threads)
{
  if (n_threads <= 0)
    n_threads = default_thread_count ();
  mien_pool *pool = calloc (1, sizeof *pool);
  if (pool == NULL)
    return NULL;
  pool->n_threads = n_threads;
  pthread_mutex_init (&pool->lock, NULL);
  pthread_mutex_init (&pool->call_lock, NULL);
  pthread_cond_init (&pool->wake, NULL);
  pthread_cond_init (&pool->done, NULL);
  pool->workers = calloc ((size_t)n_threads, sizeof (pthread_t));
  for (int i = 0; i + 1 < n_threads; i++)
    if (pthread_create (&pool->workers[i], NULL, worker_main, pool) != 0)
      {
        /* Fewer threads is slower, never wrong. */
        pool->n_threads = i + 1;
        break;
      }
  return pool;
}

void
mien_pool_free (mien_pool *pool)
{
  if (pool == NULL)
    return;
  pthread_mutex_lock (&pool->lock);
  pool->quit = 1;
  pthread_cond_broadcast (&pool->wake);
  pthread_mutex_unlock (&pool->lock);
  for (int i = 0; i + 1 < pool->n_threads; i++)
    pthread_join (pool->workers[i], NULL);
  free (pool->workers);
  pthread_mutex_destroy (&pool->lock);
  pthread_mutex_destroy (&pool->call_lock);
  pthread_cond_destroy (&pool->wake);
  pthread_cond_destroy (&pool->done);
  free (pool);
}

int
mien_pool_get_n_threads (const mien_pool *pool)
{
  return pool->n_threads;
}

void
mien_pool_set_nice (mien_pool *pool, int nice)
{
  if (pool == NULL)
    pool = mien_pool_default ();
  /* Applied by each worker at its next wake-up. */
  atomic_store (&pool->nice, nice);
}

static mien_pool *default_pool;
static pthread_once_t default_once = PTHREAD_ONCE_INIT;

static void
create_default_pool (void)
{
  default_pool = mien_pool_new (0);
}

mien_pool *
mien_pool_default (void)
{
  pthread_once (&default_once, create_default_pool);
  return default_pool;
}

void
mien_pool_parallel_for (mien_pool *pool, int n, int grain, mien_range_fn fn,
                        void *user_data)
{
  /* A few chunks per thread balance uneven rows without much overhead. */
  mien_pool_parallel_for_chunks (pool, n, grain, 4, fn, user_data);
}

void
mien_pool_parallel_for_chunks (mien_pool *pool, int n, int grain,
                               int chunks_per_thread, mien_range_fn fn,
                               void *user_data)
{
  if (n <= 0)
    return;
  if (pool == NULL)
    pool = mien_pool_default ();
  if (grain < 1)
    grain = 1;
  if (chunks_per_thread < 1)
    chunks_per_thread = 1;
  int chunk = n / (pool->n_threads * chunks_per_thread);
  if (chunk < grain)
    chunk = grain;
  int n_chunks = (n + chunk - 1) / chunk;
  if (pool->n_threads == 1 || n_chunks == 1)
    {
      fn (user_data, 0, n);
      return;
    }

  pthread_mutex_lock (&pool->call_lock);
  pthread_mutex_lock (&pool->lock);
  pool->fn = fn;
  pool->user_data = user_data;
  pool->n = n;
  pool->chunk = chunk;
  pool->n_chunks = n_chunks;
  atomic_store (&pool->next_chunk, 0);
  pool->busy_workers = pool->n_threads - 1;
  pool->generation++;
  pthread_cond_broadcast (&pool->wake);
  pthread_mutex_unlock (&pool->lock);

  run_chunks (pool);

  pthread_mutex_lock (&pool->lock);
  while (pool->busy_workers > 0)
    pthread_cond_wait (&pool->done, &pool->lock);
  pthread_mutex_unlock (&pool->lock);
  pthread_mutex_unlock (&pool->call_lock);
}
