/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* The nice value of the engine thread and of the engine's thread pool while
 * the app runs: rendering happens below the UI's priority. */
#define MIEN_ENGINE_NICE 10

/* Runs on the worker thread: turns a request into a result (or NULL with
 * error set). Must not touch GTK. */
typedef gpointer (*MienRenderFunc) (gpointer request, gpointer user_data,
                                    GError **error);

#define MIEN_TYPE_ENGINE_WORKER (mien_engine_worker_get_type ())
G_DECLARE_FINAL_TYPE (MienEngineWorker, mien_engine_worker, MIEN,
                      ENGINE_WORKER, GObject)

/* The worker owns requests and results and frees them with the given
 * functions. Signals are emitted on the thread-default main context of the
 * thread that created the worker (the GTK main loop). */
MienEngineWorker *mien_engine_worker_new (MienRenderFunc render,
                                          gpointer user_data,
                                          GDestroyNotify request_free,
                                          GDestroyNotify result_free);

/* Posts a request and returns its serial number (1, 2, …). If the worker is
 * busy, the request waits; a newer post replaces a waiting one, which is
 * dropped unrendered: the worker always serves the newest request. */
guint64 mien_engine_worker_post (MienEngineWorker *self, gpointer request);

/* Stops the thread, waiting for a frame being rendered. The owner calls
 * this before dropping its reference (the thread holds references while it
 * delivers). Undelivered results are still delivered by the main loop. */
void mien_engine_worker_shutdown (MienEngineWorker *self);

/* Serial of the newest request posted; 0 before any. */
guint64 mien_engine_worker_get_latest_serial (MienEngineWorker *self);
/* Requests replaced before they were rendered. */
guint64 mien_engine_worker_get_n_dropped (MienEngineWorker *self);

/* Signals:
 *   "rendered" (guint64 serial, gpointer result, double milliseconds):
 *       the result is owned by the worker and valid during the emission;
 *   "failed" (guint64 serial, GError *error). */

G_END_DECLS
