/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every index is visited exactly once, with any thread count, grain and
 * number of chunks a thread (mien_pool_parallel_for_chunks), and
 * concurrent callers are serialized safely. */
#include <pthread.h>
#include <stdatomic.h>

#include "mien-test.h"
#include "mien.h"

typedef struct {
  atomic_int *hits;
} visit_ctx;

static void
visit (void *data, int begin, int end)
{
  visit_ctx *ctx = data;
  for (int i = begin; i < end; i++)
    atomic_fetch_add (&ctx->hits[i], 1);
}

/* chunks_per_thread 0: mien_pool_parallel_for (its default split). */
static int
all_once_chunks (mien_pool *pool, int n, int grain, int chunks_per_thread)
{
  atomic_int *hits = calloc ((size_t)n + 1, sizeof *hits);
  visit_ctx ctx = { hits };
  if (chunks_per_thread == 0)
    mien_pool_parallel_for (pool, n, grain, visit, &ctx);
  else
    mien_pool_parallel_for_chunks (pool, n, grain, chunks_per_thread, visit,
                                   &ctx);
  int ok = 1;
  for (int i = 0; i < n; i++)
    ok &= hits[i] == 1;
  free (hits);
  return ok;
}

static int
all_once (mien_pool *pool, int n, int grain)
{
  return all_once_chunks (pool, n, grain, 0);
}

static void *
hammer (void *pool)
{
  for (int r = 0; r < 200; r++)
    if (!all_once (pool, 1000, 1))
      return (void *)1;
  return NULL;
}

/* MIEN_THREADS is parsed strictly and bounded; junk means "use the default". */
static void
parse_threads (void)
{
  static const struct { const char *text; int want; } cases[] = {
    { "1", 1 },       { "8", 8 },         { "256", 256 },  { "  4", 4 },
    { "+3", 3 },      { "257", 0 },       { "0", 0 },      { "-2", 0 },
    { "", 0 },        { "8x", 0 },        { "x8", 0 },     { "4 ", 0 },
    { "1e3", 0 },     { "2.5", 0 },       { "0x10", 0 },
    { "99999999999999999999", 0 },        { "-99999999999999999999", 0 },
  };
  CHECK (mien_pool_parse_threads (NULL) == 0, "NULL");
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    CHECK (mien_pool_parse_threads (cases[i].text) == cases[i].want,
           "MIEN_THREADS \"%s\": got %d, want %d", cases[i].text,
           mien_pool_parse_threads (cases[i].text), cases[i].want);
}

int
main (void)
{
  parse_threads ();
  for (int threads = 1; threads <= 5; threads++)
    {
      mien_pool *pool = mien_pool_new (threads);
      CHECK (mien_pool_get_n_threads (pool) == threads, "threads");
      static const int ns[] = { 1, 2, 7, 100, 4096, 10007 };
      for (size_t i = 0; i < 6; i++)
        for (int grain = 1; grain <= 64; grain *= 8)
          {
            CHECK (all_once (pool, ns[i], grain), "threads %d n %d grain %d",
                   threads, ns[i], grain);
            /* The finer split the per-frame ResWarp uses, and nonsense. */
            for (int per = -1; per <= 64; per += per < 2 ? 1 : per)
              CHECK (all_once_chunks (pool, ns[i], grain, per),
                     "threads %d n %d grain %d, %d chunks a thread", threads,
                     ns[i], grain, per);
          }
      pthread_t other;
      pthread_create (&other, NULL, hammer, pool);
      void *r1 = hammer (pool);
      void *r2;
      pthread_join (other, &r2);
      CHECK (r1 == NULL && r2 == NULL, "concurrent callers, %d threads",
             threads);
      mien_pool_free (pool);
    }
  CHECK (all_once (NULL, 333, 1), "default pool");
  return mien_test_exit_code ();
}
