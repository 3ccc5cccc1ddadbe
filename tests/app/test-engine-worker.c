/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine worker serves the newest request: posts arriving faster than
 * renders are dropped, results arrive in order on the main loop, the last
 * one is the newest request, and failures are reported, not lost. */
#include <gio/gio.h>

#include "mien-engine-worker.h"
#include "mien-test.h"

/* Posts come in bursts of BURST within one main-loop callback, while a
 * render takes RENDER_US: whatever the machine's load, a burst arrives
 * faster than one render, so drops are certain, not a matter of timing. */
#define N_BURSTS 40
#define BURST 3
#define N_POSTS (N_BURSTS * BURST + 1)
#define RENDER_US 20000
/* The failing request is posted alone, and posting pauses until its
 * failure is reported, so it can never be dropped. */
#define FAIL_VALUE 1

static gpointer
render (gpointer request, gpointer user_data, GError **error)
{
  guint64 value = *(guint64 *)request;
  g_usleep (RENDER_US);
  if (value == FAIL_VALUE)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "value %d refused",
                   FAIL_VALUE);
      return NULL;
    }
  return g_memdup2 (&value, sizeof value);
}

typedef struct {
  MienEngineWorker *worker;
  GMainLoop *loop;
  guint64 posted, last_serial_seen, last_value_seen;
  int n_rendered, n_failed, out_of_order;
  gboolean main_thread_ok;
  GThread *main_thread;
  gboolean fail_reported;
} Fixture;

static void
on_rendered (MienEngineWorker *w, guint64 serial, gpointer result, double ms,
             Fixture *f)
{
  f->main_thread_ok &= g_thread_self () == f->main_thread;
  if (serial <= f->last_serial_seen)
    f->out_of_order++;
  f->last_serial_seen = serial;
  f->last_value_seen = *(guint64 *)result;
  f->n_rendered++;
  if (serial == N_POSTS)
    g_main_loop_quit (f->loop);
}

static void
on_failed (MienEngineWorker *w, guint64 serial, GError *error, Fixture *f)
{
  f->n_failed++;
  f->fail_reported = TRUE;
  if (serial <= f->last_serial_seen)
    f->out_of_order++;
  f->last_serial_seen = serial;
}

static void
post_value (Fixture *f)
{
  guint64 *value = g_new (guint64, 1);
  *value = ++f->posted;
  mien_engine_worker_post (f->worker, value);
}

static gboolean
post_burst (gpointer data)
{
  Fixture *f = data;
  if (f->posted == 0)
    {
      post_value (f); /* FAIL_VALUE, alone */
      return G_SOURCE_CONTINUE;
    }
  if (!f->fail_reported)
    return G_SOURCE_CONTINUE; /* wait until the failure is reported */
  for (int i = 0; i < BURST; i++)
    post_value (f);
  return f->posted < N_POSTS ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
give_up (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

int
main (void)
{
  Fixture f = { 0 };
  f.main_thread = g_thread_self ();
  f.main_thread_ok = TRUE;
  f.loop = g_main_loop_new (NULL, FALSE);
  f.worker = mien_engine_worker_new (render, NULL, g_free, g_free);
  g_signal_connect (f.worker, "rendered", G_CALLBACK (on_rendered), &f);
  g_signal_connect (f.worker, "failed", G_CALLBACK (on_failed), &f);
  g_timeout_add (5, post_burst, &f);
  guint timeout = g_timeout_add_seconds (60, give_up, f.loop);
  g_main_loop_run (f.loop);
  g_source_remove (timeout);

  guint64 dropped = mien_engine_worker_get_n_dropped (f.worker);
  printf ("posted %" G_GUINT64_FORMAT ", rendered %d, failed %d, dropped %"
          G_GUINT64_FORMAT "\n", f.posted, f.n_rendered, f.n_failed, dropped);
  CHECK (f.last_serial_seen == N_POSTS, "last result is for request %"
         G_GUINT64_FORMAT ", not the newest (%d)", f.last_serial_seen, N_POSTS);
  CHECK (f.last_value_seen == N_POSTS, "last value %" G_GUINT64_FORMAT,
         f.last_value_seen);
  CHECK (f.out_of_order == 0, "%d results out of order", f.out_of_order);
  CHECK (dropped > 0, "no request was dropped although posts outran renders");
  CHECK (f.n_rendered + f.n_failed + dropped == N_POSTS,
         "rendered + failed + dropped = %" G_GUINT64_FORMAT " ≠ posted",
         f.n_rendered + f.n_failed + dropped);
  CHECK (f.n_failed == 1, "the failing request was reported %d times",
         f.n_failed);
  CHECK (f.main_thread_ok, "a signal was emitted off the main thread");
  mien_engine_worker_shutdown (f.worker);
  g_object_unref (f.worker);
  g_main_loop_unref (f.loop);
  return mien_test_exit_code ();
}
