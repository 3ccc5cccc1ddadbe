/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienEngineWorker: one thread that renders frames for the UI. While the
 * user drags a slider the UI posts ~60 requests a second; a 4K frame on a
 * laptop CPU takes longer than that, so a queue would fall ever further
 * behind. Instead there is one waiting slot: a new post replaces what waits
 * there, and the worker, when done, takes the newest. The preview thus shows
 * intermediate positions while dragging and the final one within one frame
 * time after the last move, and the main loop never waits on the engine. */
#include "mien-engine-worker.h"

#include <gio/gio.h>
#include <sys/resource.h>

struct _MienEngineWorker {
  GObject parent_instance;

  MienRenderFunc render;
  gpointer user_data;
  GDestroyNotify request_free, result_free;
  GMainContext *main_context;

  GThread *thread;
  GMutex lock;
  GCond wake;
  gpointer waiting;        /* newest unrendered request, or NULL */
  guint64 waiting_serial;
  guint64 latest_serial;
  guint64 n_dropped;
  gboolean quit;
};

G_DEFINE_FINAL_TYPE (MienEngineWorker, mien_engine_worker, G_TYPE_OBJECT)

enum { SIGNAL_RENDERED, SIGNAL_FAILED, N_SIGNALS };
static guint signals[N_SIGNALS];

typedef struct {
  MienEngineWorker *worker; /* strong ref, released on the main thread */
  guint64 serial;
  gpointer result;
  GError *error;
  double milliseconds;
} Delivery;

static gboolean
deliver (gpointer data)
{
  Delivery *d = data;
  if (d->result != NULL)
    g_signal_emit (d->worker, signals[SIGNAL_RENDERED], 0, d->serial,
                   d->result, d->milliseconds);
  else
    g_signal_emit (d->worker, signals[SIGNAL_FAILED], 0, d->serial, d->error);
  if (d->result != NULL && d->worker->result_free != NULL)
    d->worker->result_free (d->result);
  g_clear_error (&d->error);
  g_object_unref (d->worker);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_thread (gpointer data)
{
  MienEngineWorker *self = data;
  /* Render below the UI's priority: the main loop and the GL driver's
   * threads must win the CPU on a 2-core machine (Linux: per thread). */
  if (setpriority (PRIO_PROCESS, 0, MIEN_ENGINE_NICE) != 0)
    g_debug ("could not lower the engine thread's priority");
  for (;;)
    {
      g_mutex_lock (&self->lock);
      while (!self->quit && self->waiting == NULL)
        g_cond_wait (&self->wake, &self->lock);
      if (self->quit)
        {
          g_mutex_unlock (&self->lock);
          return NULL;
        }
      gpointer request = self->waiting;
      guint64 serial = self->waiting_serial;
      self->waiting = NULL;
      g_mutex_unlock (&self->lock);

      Delivery *d = g_new0 (Delivery, 1);
      gint64 start = g_get_monotonic_time ();
      d->result = self->render (request, self->user_data, &d->error);
      d->milliseconds = (g_get_monotonic_time () - start) / 1000.0;
      d->serial = serial;
      if (d->result == NULL && d->error == NULL)
        g_set_error_literal (&d->error, G_IO_ERROR, G_IO_ERROR_FAILED,
                             "rendering failed");
      if (self->request_free != NULL)
        self->request_free (request);
      d->worker = g_object_ref (self);
      g_main_context_invoke_full (self->main_context, G_PRIORITY_DEFAULT,
                                  deliver, d, NULL);
    }
}

MienEngineWorker *
mien_engine_worker_new (MienRenderFunc render, gpointer user_data,
                        GDestroyNotify request_free,
                        GDestroyNotify result_free)
{
  MienEngineWorker *self = g_object_new (MIEN_TYPE_ENGINE_WORKER, NULL);
  self->render = render;
  self->user_data = user_data;
  self->request_free = request_free;
  self->result_free = result_free;
  self->main_context = g_main_context_ref_thread_default ();
  self->thread = g_thread_new ("mien-engine", worker_thread, self);
  return self;
}

guint64
mien_engine_worker_post (MienEngineWorker *self, gpointer request)
{
  g_mutex_lock (&self->lock);
  if (self->waiting != NULL)
    {
      if (self->request_free != NULL)
        self->request_free (self->waiting);
      self->n_dropped++;
    }
  self->waiting = request;
  self->waiting_serial = ++self->latest_serial;
  guint64 serial = self->latest_serial;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  return serial;
}

guint64
mien_engine_worker_get_latest_serial (MienEngineWorker *self)
{
  g_mutex_lock (&self->lock);
  guint64 serial = self->latest_serial;
  g_mutex_unlock (&self->lock);
  return serial;
}

guint64
mien_engine_worker_get_n_dropped (MienEngineWorker *self)
{
  g_mutex_lock (&self->lock);
  guint64 n = self->n_dropped;
  g_mutex_unlock (&self->lock);
  return n;
}

void
mien_engine_worker_shutdown (MienEngineWorker *self)
{
  g_mutex_lock (&self->lock);
  self->quit = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  if (self->thread != NULL)
    g_thread_join (self->thread);
  self->thread = NULL;
}

static void
mien_engine_worker_finalize (GObject *object)
{
  MienEngineWorker *self = MIEN_ENGINE_WORKER (object);
  /* The thread refs the worker for each delivery, so it must have been
   * stopped (mien_engine_worker_shutdown) while the worker was alive. */
  g_warn_if_fail (self->thread == NULL);
  if (self->waiting != NULL && self->request_free != NULL)
    self->request_free (self->waiting);
  g_main_context_unref (self->main_context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  G_OBJECT_CLASS (mien_engine_worker_parent_class)->finalize (object);
}

static void
mien_engine_worker_class_init (MienEngineWorkerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mien_engine_worker_finalize;
  signals[SIGNAL_RENDERED] = g_signal_new (
      "rendered", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_POINTER, G_TYPE_DOUBLE);
  signals[SIGNAL_FAILED] = g_signal_new (
      "failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
      NULL, G_TYPE_NONE, 2, G_TYPE_UINT64, G_TYPE_ERROR);
}

static void
mien_engine_worker_init (MienEngineWorker *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
}
