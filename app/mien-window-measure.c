/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Measuring: the quality of the result (Measure Quality… in the View menu:
 * identity, expression and fine detail against the photo, in both ResWarp
 * modes), and, for tests and benchmarks, how responsive the window stays
 * while the sliders move ($MIEN_RESPONSIVENESS_LOG). */
#include "mien-window-private.h"

#include <glib/gi18n.h>
#include <sys/resource.h>

/* ---- the quality of the result ------------------------------------------- */

static const char *const expression_names[MIEN_N_EXPRESSIONS] = {
  N_("neutral"), N_("happy"), N_("sad"), N_("angry"), N_("fearful"),
  N_("disgusted"), N_("surprised"),
};

typedef struct {
  MienSession *session;
  mien_driving c;
} MeasureJob;

static void
measure_job_free (MeasureJob *job)
{
  mien_session_unref (job->session);
  g_free (job);
}

static void
measure_in_thread (GTask *task, gpointer source, gpointer task_data,
                   GCancellable *cancellable)
{
  MeasureJob *job = task_data;
  mien_eval_result *out = g_new0 (mien_eval_result, 2);
  GError *error = NULL;
  if (mien_session_measure (job->session, &job->c, out, &error))
    g_task_return_pointer (task, out, g_free);
  else
    {
      g_free (out);
      g_task_return_error (task, error);
    }
}

static char *
format_measures (const mien_eval_result r[2])
{
  GString *text = g_string_new (NULL);
  const mien_eval_result *v = &r[MIEN_RESWARP_VANILLA];
  /* The expression face-api sees most in the result, and how it changed. */
  int top = 0;
  for (int i = 1; i < MIEN_N_EXPRESSIONS; i++)
    if (v->result_expressions[i] > v->result_expressions[top])
      top = i;
  if (v->found)
    {
      g_string_append_printf (text, _("Identity: cosine %.3f, distance %.2f "
                                      "(same person below 0.6)\n"),
                              v->cosine, v->distance);
      g_string_append_printf (text, _("Expression: %s %.0f %% (the photo: "
                                      "%.0f %%)\n"),
                              _(expression_names[top]),
                              100.0 * v->result_expressions[top],
                              100.0 * v->source_expressions[top]);
    }
  else
    g_string_append (text, _("The face was not found again in the result.\n"));
  g_string_append_printf (text, _("Fine detail kept: vanilla %.0f %%, "
                                  "multiscale %.0f %%\n"),
                          100.0 * r[MIEN_RESWARP_VANILLA].hf_ratio,
                          100.0 * r[MIEN_RESWARP_MULTISCALE].hf_ratio);
  g_string_append_printf (text, _("Sharpness (variance of the Laplacian): "
                                  "photo %.4g, vanilla %.4g, multiscale %.4g"),
                          v->laplacian_var[0],
                          r[MIEN_RESWARP_VANILLA].laplacian_var[1],
                          r[MIEN_RESWARP_MULTISCALE].laplacian_var[1]);
  return g_string_free (text, FALSE);
}

static void
on_measured (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (source);
  g_autoptr (GError) error = NULL;
  g_autofree mien_eval_result *r = g_task_propagate_pointer (G_TASK (result),
                                                             &error);
  mien_window_update_status (self, NULL);
  if (r == NULL)
    {
      mien_window_show_message (self, error->message);
      return;
    }
  g_autofree char *body = format_measures (r);
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self),
                                              _("Quality of this result"), body);
  /* No mnemonic: GTK 4.8 would read the button as "_Close Close"; Enter
   * and Escape close the dialog anyway. */
  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close",
                                   _("Close"));
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "close");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  gtk_window_present (GTK_WINDOW (dialog));
}

void
mien_window_measure_action (GtkWidget *widget, const char *action,
                            GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (self->session == NULL || mien_session_get_face_index (self->session) < 0)
    return;
  MeasureJob *job = g_new0 (MeasureJob, 1);
  job->session = mien_session_ref (self->session);
  mien_slider_panel_get_driving (self->sliders, &job->c);
  GTask *task = g_task_new (self, NULL, on_measured, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)measure_job_free);
  mien_window_update_status (self, _("measuring…"));
  g_task_run_in_thread (task, measure_in_thread);
  g_object_unref (task);
}

/* ---- responsiveness ------------------------------------------------------ */

/* The calling thread's CPU time (user + system), in microseconds: the main
 * thread's own work over the drag, which the machine's other load does not
 * change as much as it changes the gaps. */
static gint64
thread_cpu_us (void)
{
  struct rusage u;
  if (getrusage (RUSAGE_THREAD, &u) != 0)
    return 0;
  return (gint64)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * G_USEC_PER_SEC
         + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

/* Frame-clock ticks come every ~16 ms while the main loop is free; a long
 * gap between two is a stall the user would see as a frozen window. */
static gboolean
on_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  MienWindow *self = user_data;
  gint64 now = g_get_monotonic_time ();
  if (self->last_tick_us != 0)
    {
      gint64 gap = now - self->last_tick_us;
      /* The photo is open and the user has not moved a slider yet: the
       * opening's frames (its first draw, the tiles' uploads). */
      if (!self->measuring && self->session != NULL)
        self->opening_max_tick_gap_us = MAX (self->opening_max_tick_gap_us,
                                             gap);
      if (gap > self->max_tick_gap_us)
        self->max_tick_gap_at_ms = (now - self->measure_start_us) / 1000.0;
      self->max_tick_gap_us = MAX (self->max_tick_gap_us, gap);
      if (gap > 50000 && self->n_long_gaps < 16)
        {
          /* When (ms since the first move) and how long, for the log. */
          self->long_gap_at_ms[self->n_long_gaps]
              = (now - self->measure_start_us) / 1000.0;
          self->long_gap_ms[self->n_long_gaps] = gap / 1000.0;
        }
      self->n_long_gaps += gap > 50000;
    }
  self->last_tick_us = now;
  self->n_ticks++;
  return G_SOURCE_CONTINUE;
}

void
mien_window_responsiveness_init (MienWindow *self)
{
  self->responsiveness_log = g_strdup (g_getenv ("MIEN_RESPONSIVENESS_LOG"));
  if (self->responsiveness_log != NULL)
    gtk_widget_add_tick_callback (GTK_WIDGET (self->preview), on_tick, self,
                                  NULL);
}

/* Measure from the user's first move: loading a photo is not dragging.
 * (Until session 16 the sliders' reset when a photo opens started it, so
 * the opening's first frames counted as the drag's.) */
void
mien_window_responsiveness_note_change (MienWindow *self, gboolean by_user)
{
  if (self->responsiveness_log == NULL || self->measuring || !by_user)
    return;
  self->measuring = TRUE;
  self->last_tick_us = self->max_tick_gap_us = self->n_ticks
      = self->n_long_gaps = 0;
  self->n_frames_shown = 0;
  self->max_tick_gap_at_ms = 0.0;
  self->pending_moves = g_array_new (FALSE, FALSE, 2 * sizeof (gint64));
  self->move_latencies = g_array_new (FALSE, FALSE, sizeof (double));
  self->measure_start_us = g_get_monotonic_time ();
  self->measure_start_thread_cpu_us = thread_cpu_us ();
  /* $MIEN_RESPONSIVENESS_ZOOM (e.g. 1): the drag at that zoom, centred on
   * the face's crop, instead of the fitted view (tests/bench). */
  const char *zoom = g_getenv ("MIEN_RESPONSIVENESS_ZOOM");
  const mien_rect *crop = self->session ? mien_session_get_crop (self->session)
                                        : NULL;
  if (zoom != NULL && g_ascii_strtod (zoom, NULL) > 0.0 && crop != NULL)
    mien_preview_zoom_at (self->preview, g_ascii_strtod (zoom, NULL),
                          crop->x + crop->width / 2.0,
                          crop->y + crop->height / 2.0);
}

static gint
compare_doubles (gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

void
mien_window_responsiveness_write (MienWindow *self)
{
  if (self->responsiveness_log == NULL)
    return;
  double latency = self->last_change_shown_us > 0
      ? (self->last_change_shown_us - self->last_change_us) / 1000.0 : -1.0;
  /* A file for tests and tools: C-locale numbers whatever the UI's locale. */
  char gap_ms[G_ASCII_DTOSTR_BUF_SIZE], latency_ms[G_ASCII_DTOSTR_BUF_SIZE];
  char median_ms[G_ASCII_DTOSTR_BUF_SIZE], worst_ms[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (gap_ms, sizeof gap_ms, "%.1f", self->max_tick_gap_us / 1000.0);
  char gap_at_ms[G_ASCII_DTOSTR_BUF_SIZE], opening_gap_ms[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (opening_gap_ms, sizeof opening_gap_ms, "%.1f",
                   self->opening_max_tick_gap_us / 1000.0);
  g_ascii_formatd (gap_at_ms, sizeof gap_at_ms, "%.0f", self->max_tick_gap_at_ms);
  g_ascii_formatd (latency_ms, sizeof latency_ms, "%.1f", latency);
  /* Each slider move's time to the first frame that shows it (or a later
   * position): the median and the worst. */
  guint n_moves = self->move_latencies ? self->move_latencies->len : 0;
  double median = -1.0, worst = -1.0;
  if (n_moves > 0)
    {
      g_array_sort (self->move_latencies, compare_doubles);
      median = g_array_index (self->move_latencies, double, n_moves / 2);
      worst = g_array_index (self->move_latencies, double, n_moves - 1);
    }
  g_ascii_formatd (median_ms, sizeof median_ms, "%.1f", median);
  g_ascii_formatd (worst_ms, sizeof worst_ms, "%.1f", worst);
  /* The main thread's CPU time from the first move to now (the quit). */
  char main_cpu_ms[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (main_cpu_ms, sizeof main_cpu_ms, "%.0f",
                   self->measuring ? (thread_cpu_us ()
                                      - self->measure_start_thread_cpu_us)
                                         / 1000.0
                                   : -1.0);
  char uploaded_mb[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (uploaded_mb, sizeof uploaded_mb, "%.1f",
                   mien_preview_get_uploaded_bytes (self->preview) / 1e6);
  /* The most of the photo uploaded in one frame (its tiles, issue #22). */
  char photo_frame_mb[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (photo_frame_mb, sizeof photo_frame_mb, "%.2f",
                   mien_preview_get_photo_frame_bytes_max (self->preview)
                       / 1e6);
  GString *gaps = g_string_new ("[");
  for (int i = 0; i < MIN (self->n_long_gaps, 16); i++)
    {
      char at[G_ASCII_DTOSTR_BUF_SIZE], len[G_ASCII_DTOSTR_BUF_SIZE];
      g_ascii_formatd (at, sizeof at, "%.0f", self->long_gap_at_ms[i]);
      g_ascii_formatd (len, sizeof len, "%.0f", self->long_gap_ms[i]);
      g_string_append_printf (gaps, "%s[%s, %s]", i ? ", " : "", at, len);
    }
  g_string_append (gaps, "]");
  g_autofree char *json = g_strdup_printf (
      "{\"ticks\": %" G_GINT64_FORMAT ", \"max_tick_gap_ms\": %s, "
      "\"max_tick_gap_at_ms\": %s, \"opening_max_tick_gap_ms\": %s, "
      "\"gaps_over_50ms\": %" G_GINT64_FORMAT ", \"requests\": %" G_GUINT64_FORMAT
      ", \"dropped\": %" G_GUINT64_FORMAT ", \"frames_shown\": %" G_GUINT64_FORMAT
      ", \"last_change_to_screen_ms\": %s, \"moves_shown\": %u"
      ", \"move_to_screen_median_ms\": %s, \"move_to_screen_worst_ms\": %s"
      ", \"uploaded_mb\": %s, \"photo_upload_frame_max_mb\": %s"
      ", \"long_gaps_at_ms_and_ms\": %s, \"main_thread_cpu_ms\": %s"
      /* CLOCK_MONOTONIC of the first move, to line the gaps up with a
       * trace (perf record -k CLOCK_MONOTONIC). */
      ", \"measure_start_monotonic_us\": %" G_GINT64_FORMAT "}\n",
      self->n_ticks, gap_ms, gap_at_ms, opening_gap_ms, self->n_long_gaps,
      self->last_change_serial,
      self->worker ? mien_engine_worker_get_n_dropped (self->worker) : 0,
      self->n_frames_shown, latency_ms, n_moves, median_ms, worst_ms,
      uploaded_mb, photo_frame_mb, gaps->str, main_cpu_ms,
      self->measure_start_us);
  g_string_free (gaps, TRUE);
  g_file_set_contents (self->responsiveness_log, json, -1, NULL);
}
