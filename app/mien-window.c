/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienWindow: the photo in a GL preview beside the sliders.
 *
 * Opening a photo (file dialog, drag and drop, command line, recent files,
 * D-Bus) builds a MienSession on a worker thread: decode, find the faces,
 * prepare the largest one. A photo that cannot be read leaves the current
 * one in place and says why; a photo without a face is shown, with a
 * message, and the sliders wait for one.
 *
 * Every slider move posts a frame request to the engine worker, which always
 * renders the newest request, so the window never waits on the engine.
 * Undo records a step when the sliders have been still for a moment, so one
 * drag is one step, not sixty. */
#include "mien-window.h"

#include <glib/gi18n.h>
#include <string.h>

#include "io/mien-project.h"
#include "mien-application.h"
#include "mien-engine-worker.h"
#include "mien-export-dialog.h"
#include "mien-preferences-window.h"
#include "mien-preview.h"
#include "mien-session.h"
#include "mien-slider-panel.h"

#define UNDO_SETTLE_MS 400
#define UNDO_MAX_STEPS 200

struct _MienWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkStack *stack;
  MienPreview *preview;
  GtkBox *controls_box;
  GtkLabel *status_label;
  MienSliderPanel *sliders;
  GMenu *recent_section;

  GSettings *settings; /* NULL when the schema is not installed */
  GCancellable *load_cancellable;
  MienSession *session;
  GFile *photo_file;
  MienEngineWorker *worker;
  char *face_note; /* "face 1 of 3" for the status line */

  /* Responsiveness measurement, on when $MIEN_RESPONSIVENESS_LOG is set. */
  char *responsiveness_log;
  gint64 last_tick_us, max_tick_gap_us, n_ticks, n_long_gaps;
  guint64 last_change_serial;
  gint64 last_change_us, last_change_shown_us;
  guint64 n_frames_shown;
  gboolean measuring; /* from the first slider move on */
  double requested_scale; /* display scale of the last frame requested */

  /* Undo: `committed` is the state the undo stack's top leads to. */
  GArray *undo_stack, *redo_stack; /* of mien_driving */
  mien_driving committed;
  guint settle_source;
  gboolean restoring;
};

G_DEFINE_FINAL_TYPE (MienWindow, mien_window, ADW_TYPE_APPLICATION_WINDOW)

void
mien_window_show_message (MienWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- rendering ------------------------------------------------------------ */

typedef struct {
  MienSession *session;
  mien_driving c;
  mien_reswarp_mode mode;
  gboolean both_modes; /* split view: vanilla | multiscale */
  double display_scale; /* result pixels per crop pixel, ≤ 1 */
} FrameRequest;

typedef struct {
  MienSession *session;
  mien_rect crop;
  int width, height; /* of the pixels in a and b */
  GBytes *a, *b;
} FrameResult;

static void
frame_request_free (FrameRequest *request)
{
  mien_session_unref (request->session);
  g_free (request);
}

static void
frame_result_free (FrameResult *result)
{
  mien_session_unref (result->session);
  g_clear_pointer (&result->a, g_bytes_unref);
  g_clear_pointer (&result->b, g_bytes_unref);
  g_free (result);
}

/* On the engine thread. */
static gpointer
render_frame (gpointer data, gpointer user_data, GError **error)
{
  FrameRequest *request = data;
  FrameResult *result = g_new0 (FrameResult, 1);
  result->session = mien_session_ref (request->session);
  /* In the split view a is vanilla and b multiscale; otherwise a is the
   * chosen mode. */
  mien_reswarp_mode first = request->both_modes ? MIEN_RESWARP_VANILLA
                                                : request->mode;
  result->a = mien_session_render_crop (request->session, first, &request->c,
                                        request->display_scale, &result->width,
                                        &result->height, error);
  if (result->a != NULL && request->both_modes)
    result->b = mien_session_render_crop (request->session,
                                          MIEN_RESWARP_MULTISCALE, &request->c,
                                          request->display_scale,
                                          &result->width, &result->height,
                                          error);
  if (result->a == NULL || (request->both_modes && result->b == NULL))
    {
      frame_result_free (result);
      return NULL;
    }
  result->crop = *mien_session_get_crop (request->session);
  return result;
}

static mien_reswarp_mode
current_mode (MienWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "mode");
  g_autoptr (GVariant) state = g_action_get_state (action);
  return mien_reswarp_mode_from_string (g_variant_get_string (state, NULL))
                 == MIEN_RESWARP_VANILLA
             ? MIEN_RESWARP_VANILLA
             : MIEN_RESWARP_MULTISCALE;
}

static void
request_frame (MienWindow *self)
{
  if (self->session == NULL || mien_session_get_face_index (self->session) < 0)
    return;
  FrameRequest *request = g_new0 (FrameRequest, 1);
  request->session = mien_session_ref (self->session);
  mien_slider_panel_get_driving (self->sliders, &request->c);
  request->mode = current_mode (self);
  request->both_modes = mien_preview_get_view (self->preview)
                        == MIEN_PREVIEW_VIEW_SPLIT;
  /* Twice the screen's resolution is enough for a sharp picture. */
  request->display_scale = MIN (1.0, 2.0 * mien_preview_get_scale (self->preview)
                                         * gtk_widget_get_scale_factor (
                                             GTK_WIDGET (self->preview)));
  self->requested_scale = request->display_scale;
  self->last_change_serial = mien_engine_worker_post (self->worker, request);
  self->last_change_us = g_get_monotonic_time ();
  self->last_change_shown_us = 0;
}

static void
update_status (MienWindow *self, const char *extra)
{
  if (self->session == NULL)
    {
      gtk_label_set_text (self->status_label, "");
      return;
    }
  const mien_image *photo = mien_session_get_photo (self->session);
  g_autofree char *name = g_file_get_basename (self->photo_file);
  GString *text = g_string_new (NULL);
  g_string_printf (text, "%s — %d × %d", name, photo->width, photo->height);
  if (self->face_note != NULL)
    g_string_append_printf (text, " — %s", self->face_note);
  if (mien_session_get_face_index (self->session) >= 0)
    g_string_append_printf (text, " — %s",
                            current_mode (self) == MIEN_RESWARP_VANILLA
                                ? _("vanilla ResWarp")
                                : _("multiscale ResWarp"));
  if (extra != NULL)
    g_string_append_printf (text, " — %s", extra);
  gtk_label_set_text (self->status_label, text->str);
  g_string_free (text, TRUE);
}

static void
on_frame_rendered (MienEngineWorker *worker, guint64 serial, gpointer data,
                   double ms, MienWindow *self)
{
  FrameResult *result = data;
  if (result->session != self->session)
    return; /* a frame of the previous photo */
  mien_preview_set_result (self->preview, result->crop.x, result->crop.y,
                           result->crop.width, result->crop.height,
                           result->width, result->height, result->a,
                           result->b);
  self->n_frames_shown++;
  if (serial == self->last_change_serial)
    self->last_change_shown_us = g_get_monotonic_time ();
  g_autofree char *timing = g_strdup_printf (_("frame %.0f ms"), ms);
  update_status (self, timing);
}

static void
on_frame_failed (MienEngineWorker *worker, guint64 serial, GError *error,
                 MienWindow *self)
{
  mien_window_show_message (self, error->message);
}

/* ---- undo ---------------------------------------------------------------- */

static gboolean
driving_equal (const mien_driving *a, const mien_driving *b)
{
  return memcmp (a->values, b->values, sizeof a->values) == 0;
}

static void
update_undo_actions (MienWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 self->undo_stack->len > 0
                                     || self->settle_source != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 self->redo_stack->len > 0);
}

/* Records the sliders' state as one undo step if it differs. */
static void
commit_undo_step (MienWindow *self)
{
  g_clear_handle_id (&self->settle_source, g_source_remove);
  mien_driving now;
  mien_slider_panel_get_driving (self->sliders, &now);
  if (!driving_equal (&now, &self->committed))
    {
      g_array_append_val (self->undo_stack, self->committed);
      if (self->undo_stack->len > UNDO_MAX_STEPS)
        g_array_remove_index (self->undo_stack, 0);
      g_array_set_size (self->redo_stack, 0);
      self->committed = now;
    }
  update_undo_actions (self);
}

static gboolean
on_settled (gpointer data)
{
  MienWindow *self = data;
  self->settle_source = 0;
  commit_undo_step (self);
  return G_SOURCE_REMOVE;
}

static void
on_sliders_changed (MienSliderPanel *panel, MienWindow *self)
{
  /* Measure from the first move: loading a photo is not dragging. */
  if (self->responsiveness_log != NULL && !self->measuring)
    {
      self->measuring = TRUE;
      self->last_tick_us = self->max_tick_gap_us = self->n_ticks
          = self->n_long_gaps = 0;
      self->n_frames_shown = 0;
    }
  request_frame (self);
  if (self->restoring)
    return;
  g_clear_handle_id (&self->settle_source, g_source_remove);
  self->settle_source = g_timeout_add (UNDO_SETTLE_MS, on_settled, self);
  update_undo_actions (self);
}

static void
restore (MienWindow *self, GArray *from, GArray *to)
{
  commit_undo_step (self);
  if (from->len == 0)
    return;
  g_array_append_val (to, self->committed);
  self->committed = g_array_index (from, mien_driving, from->len - 1);
  g_array_set_size (from, from->len - 1);
  self->restoring = TRUE;
  mien_slider_panel_set_driving (self->sliders, &self->committed);
  self->restoring = FALSE;
  update_undo_actions (self);
}

static void
undo_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (g_str_equal (action, "win.undo"))
    restore (self, self->undo_stack, self->redo_stack);
  else
    restore (self, self->redo_stack, self->undo_stack);
}

static void
reset_action (GtkWidget *widget, const char *action, GVariant *param)
{
  mien_slider_panel_reset (MIEN_WINDOW (widget)->sliders);
}

static void
reset_undo (MienWindow *self)
{
  g_clear_handle_id (&self->settle_source, g_source_remove);
  g_array_set_size (self->undo_stack, 0);
  g_array_set_size (self->redo_stack, 0);
  mien_slider_panel_get_driving (self->sliders, &self->committed);
  update_undo_actions (self);
}

/* ---- loading ------------------------------------------------------------- */

/* What the loader thread hands back: a session, and for a project file
 * (.mien) the expression and mode to restore. */
typedef struct {
  MienSession *session;
  gboolean from_project;
  mien_driving target;
  mien_reswarp_mode mode;
  char *photo_path;
} LoadResult;

static void
load_result_free (LoadResult *result)
{
  g_clear_pointer (&result->session, mien_session_unref);
  g_free (result->photo_path);
  g_free (result);
}

static gboolean
is_project_path (const char *path)
{
  return g_str_has_suffix (path, ".mien");
}

static void
load_in_thread (GTask *task, gpointer source, gpointer task_data,
                GCancellable *cancellable)
{
  GFile *file = task_data;
  g_autofree char *path = g_file_get_path (file);
  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be opened"));
      return;
    }
  LoadResult *result = g_new0 (LoadResult, 1);
  mien_project project;
  mien_project_init (&project);
  if (is_project_path (path))
    {
      mien_error err = { 0 };
      if (mien_project_load (path, &project, &err) != MIEN_OK)
        {
          mien_project_clear (&project);
          load_result_free (result);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                                   err.message);
          return;
        }
      result->from_project = TRUE;
      mien_expression_spec_to_driving (&project.target, &result->target);
      result->mode = project.settings.mode;
      result->photo_path = g_strdup (project.photo);
    }
  else
    result->photo_path = g_strdup (path);
  GError *error = NULL;
  const char *generator = g_object_get_data (G_OBJECT (task), "generator");
  result->session = mien_session_new_from_file (result->photo_path, generator,
                                                &error);
  if (result->session != NULL && result->from_project && project.face >= 0
      && project.face < mien_session_get_n_faces (result->session)
      && project.face != mien_session_get_face_index (result->session))
    mien_session_select_face (result->session, project.face, &error);
  mien_project_clear (&project);
  if (error != NULL)
    {
      load_result_free (result);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, result, (GDestroyNotify)load_result_free);
}

static void
set_face_note (MienWindow *self)
{
  g_clear_pointer (&self->face_note, g_free);
  int n = mien_session_get_n_faces (self->session);
  int i = mien_session_get_face_index (self->session);
  if (n == 0)
    self->face_note = g_strdup (_("no face found"));
  else if (n == 1)
    self->face_note = g_strdup (_("1 face"));
  else
    self->face_note = g_strdup_printf (_("face %d of %d (click a face to "
                                         "animate it)"), i + 1, n);
}

static void
on_photo_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (source);
  GFile *file = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  LoadResult *loaded = g_task_propagate_pointer (G_TASK (result), &error);
  if (loaded == NULL)
    {
      /* The photo that was open stays open, with its status line back. */
      update_status (self, NULL);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mien_window_show_message (self, error->message);
      return;
    }
  g_clear_pointer (&self->session, mien_session_unref);
  MienSession *session = self->session = g_steal_pointer (&loaded->session);
  /* For a project, the photo it names is what the window shows. */
  g_autoptr (GFile) photo_file = g_file_new_for_path (loaded->photo_path);
  g_set_object (&self->photo_file, photo_file);
  const mien_image *photo = mien_session_get_photo (session);
  mien_preview_set_photo (self->preview, mien_session_get_photo_rgb8 (session),
                          photo->width, photo->height);
  gtk_stack_set_visible_child_name (self->stack, "photo");
  g_autofree char *name = g_file_get_basename (file);
  adw_window_title_set_subtitle (self->window_title, name);
  if (loaded->from_project)
    {
      g_action_change_state (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                         "mode"),
                             g_variant_new_string (mien_reswarp_mode_to_string (
                                 loaded->mode)));
      self->restoring = TRUE;
      mien_slider_panel_set_driving (self->sliders, &loaded->target);
      self->restoring = FALSE;
    }
  load_result_free (loaded);
  set_face_note (self);
  update_status (self, NULL);
  gboolean has_face = mien_session_get_face_index (session) >= 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sliders), has_face);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", has_face);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.measure", has_face);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project", TRUE);
  if (mien_session_get_generator_note (session) != NULL)
    mien_window_show_message (self, mien_session_get_generator_note (session));
  if (!has_face)
    mien_window_show_message (self, _("No face found in this photo. Try one "
                                      "where the face is larger and turned "
                                      "towards the camera."));
  /* The sliders keep their position: the same expression on the new photo. */
  reset_undo (self);
  request_frame (self);

  g_autofree char *uri = g_file_get_uri (file);
  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
}

void
mien_window_open_file (MienWindow *self, GFile *file)
{
  g_return_if_fail (MIEN_IS_WINDOW (self));
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *loading = g_strdup_printf (_("Opening %s…"), name);
  gtk_label_set_text (self->status_label, loading);
  GTask *task = g_task_new (self, self->load_cancellable, on_photo_loaded,
                            NULL);
  g_task_set_task_data (task, g_object_ref (file), g_object_unref);
  if (self->settings != NULL)
    g_object_set_data_full (G_OBJECT (task), "generator",
                            g_settings_get_string (self->settings,
                                                   "generator-file"),
                            g_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
  g_object_unref (task);
}

/* Zooming in past what the last frame was rendered for: render again with
 * more pixels, up to the photo's own at 1:1. */
static void
on_zoom_changed (MienPreview *preview, GParamSpec *pspec, MienWindow *self)
{
  double wanted = MIN (1.0, 2.0 * mien_preview_get_scale (preview)
                                * gtk_widget_get_scale_factor (GTK_WIDGET (preview)));
  if (wanted > self->requested_scale * 1.01)
    request_frame (self);
}

/* ---- picking a face ------------------------------------------------------ */

static void
select_face_in_thread (GTask *task, gpointer source, gpointer task_data,
                       GCancellable *cancellable)
{
  MienSession *session = g_task_get_task_data (task);
  int index = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "face"));
  GError *error = NULL;
  if (mien_session_select_face (session, index, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_face_selected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (source);
  g_autoptr (GError) error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      mien_window_show_message (self, error->message);
      return;
    }
  set_face_note (self);
  update_status (self, NULL);
  mien_preview_clear_result (self->preview);
  request_frame (self);
}

static void
on_photo_clicked (MienPreview *preview, double x, double y, MienWindow *self)
{
  if (self->session == NULL)
    return;
  int face = mien_session_face_at (self->session, x, y);
  if (face < 0 || face == mien_session_get_face_index (self->session))
    return;
  GTask *task = g_task_new (self, NULL, on_face_selected, NULL);
  g_task_set_task_data (task, mien_session_ref (self->session),
                        (GDestroyNotify)mien_session_unref);
  g_object_set_data (G_OBJECT (task), "face", GINT_TO_POINTER (face));
  g_task_run_in_thread (task, select_face_in_thread);
  g_object_unref (task);
}

/* ---- scripting (also used by the app's D-Bus actions) -------------------- */

gboolean
mien_window_set_au (MienWindow *self, const char *name, double value)
{
  return mien_slider_panel_set_value (self->sliders, name, value);
}

gboolean
mien_window_apply_preset (MienWindow *self, const char *name, double intensity)
{
  int preset = mien_preset_from_name (name);
  if (preset < 0)
    return FALSE;
  mien_slider_panel_apply_preset (self->sliders, (mien_expression_preset)preset,
                                  CLAMP (intensity, 0.0, 1.0));
  return TRUE;
}

/* ---- open dialog and drag and drop --------------------------------------- */

static void
on_open_response (GtkNativeDialog *dialog, int response, MienWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (file != NULL)
        mien_window_open_file (self, file);
    }
  g_object_unref (dialog);
}

static void
open_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
      _("Open a Portrait"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
      _("_Open"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("Photos"));
  gtk_file_filter_add_pixbuf_formats (filter);
  gtk_file_filter_add_suffix (filter, "mien");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  g_signal_connect (dialog, "response", G_CALLBACK (on_open_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y,
         MienWindow *self)
{
  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = g_value_get_boxed (value);
      if (files == NULL)
        return FALSE;
      mien_window_open_file (self, files->data);
      return TRUE;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      mien_window_open_file (self, g_value_get_object (value));
      return TRUE;
    }
  return FALSE;
}

/* ---- view actions -------------------------------------------------------- */

static void
zoom_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (g_str_equal (action, "win.zoom-in"))
    mien_preview_zoom_by (self->preview, 1.25);
  else if (g_str_equal (action, "win.zoom-out"))
    mien_preview_zoom_by (self->preview, 0.8);
  else if (g_str_equal (action, "win.zoom-fit"))
    mien_preview_set_zoom (self->preview, 0.0);
  else
    mien_preview_set_zoom (self->preview, 1.0);
}

static const char *const view_names[] = { "result", "split", "difference" };

static void
set_view (MienWindow *self, MienPreviewView view)
{
  gboolean split_changed = (view == MIEN_PREVIEW_VIEW_SPLIT)
                           != (mien_preview_get_view (self->preview)
                               == MIEN_PREVIEW_VIEW_SPLIT);
  mien_preview_set_view (self->preview, view);
  if (split_changed)
    request_frame (self); /* the split needs both modes rendered */
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "view");
  if (view <= MIEN_PREVIEW_VIEW_DIFFERENCE)
    g_simple_action_set_state (G_SIMPLE_ACTION (action),
                               g_variant_new_string (view_names[view]));
}

static void
change_view_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  MienWindow *self = user_data;
  const char *name = g_variant_get_string (value, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (view_names); i++)
    if (g_str_equal (name, view_names[i]))
      set_view (self, (MienPreviewView)i);
}

static void
toggle_view_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  MienPreviewView wanted = g_str_equal (action, "win.toggle-split")
                               ? MIEN_PREVIEW_VIEW_SPLIT
                               : MIEN_PREVIEW_VIEW_DIFFERENCE;
  set_view (self, mien_preview_get_view (self->preview) == wanted
                      ? MIEN_PREVIEW_VIEW_RESULT
                      : wanted);
}

static void
change_mode_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  MienWindow *self = user_data;
  g_simple_action_set_state (action, value);
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "reswarp-mode",
                           g_variant_get_string (value, NULL));
  request_frame (self);
}

static void
toggle_mode_action (GtkWidget *widget, const char *name, GVariant *param)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (widget), "mode");
  g_autoptr (GVariant) state = g_action_get_state (action);
  gboolean vanilla = g_str_equal (g_variant_get_string (state, NULL), "vanilla");
  g_action_change_state (action,
                         g_variant_new_string (vanilla ? "multiscale" : "vanilla"));
}

/* Hold B to see the photo as it was. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, MienWindow *self)
{
  if ((keyval == GDK_KEY_b || keyval == GDK_KEY_B)
      && !(state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
      && mien_preview_get_view (self->preview) != MIEN_PREVIEW_VIEW_BEFORE)
    {
      g_object_set_data (G_OBJECT (self), "view-before-b",
                         GINT_TO_POINTER (mien_preview_get_view (self->preview) + 1));
      mien_preview_set_view (self->preview, MIEN_PREVIEW_VIEW_BEFORE);
      return TRUE;
    }
  return FALSE;
}

static void
on_key_released (GtkEventControllerKey *controller, guint keyval,
                 guint keycode, GdkModifierType state, MienWindow *self)
{
  int saved = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (self), "view-before-b"));
  if ((keyval == GDK_KEY_b || keyval == GDK_KEY_B) && saved > 0)
    {
      mien_preview_set_view (self->preview, (MienPreviewView)(saved - 1));
      g_object_set_data (G_OBJECT (self), "view-before-b", NULL);
    }
}

/* A project keeps the user's work: the photo (relative to the project when
 * possible), the face, the sliders and the mode. Saved atomically. */
static void
save_project_to (MienWindow *self, const char *path)
{
  mien_project project;
  mien_project_init (&project);
  mien_error err = { 0 };
  g_autofree char *photo = g_file_get_path (self->photo_file);
  mien_status status = mien_project_set_photo (&project, photo, &err);
  project.face = mien_session_get_face_index (self->session);
  project.target.preset = -1;
  mien_slider_panel_get_driving (self->sliders, &project.target.aus);
  project.settings.mode = current_mode (self);
  if (status == MIEN_OK)
    status = mien_project_save (&project, path, &err);
  mien_project_clear (&project);
  if (status != MIEN_OK)
    {
      mien_window_show_message (self, err.message);
      return;
    }
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *msg = g_strdup_printf (_("Saved the project as %s"), name);
  mien_window_show_message (self, msg);
}

static void
on_save_response (GtkNativeDialog *dialog, int response, MienWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path != NULL)
        {
          g_autofree char *with_suffix = is_project_path (path)
              ? g_strdup (path) : g_strconcat (path, ".mien", NULL);
          save_project_to (self, with_suffix);
        }
    }
  g_object_unref (dialog);
}

static void
save_project_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (self->session == NULL)
    return;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
      _("Save the Project"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
      _("_Save"), _("_Cancel"));
  g_autofree char *base = g_file_get_basename (self->photo_file);
  char *dot = strrchr (base, '.');
  if (dot != NULL)
    *dot = '\0';
  g_autofree char *name = g_strconcat (base, ".mien", NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* Scripting and tests: save without a dialog. */
void
mien_window_save_project (MienWindow *self, const char *path)
{
  if (self->session != NULL)
    save_project_to (self, path);
}

/* ---- measuring the result (the Compare menu) ------------------------------ */

static const char *const expression_names[MIEN_N_EXPRESSIONS] = {
  N_("neutral"), N_("happy"), N_("sad"), N_("angry"), N_("fearful"),
  N_("disgusted"), N_("surprised"),
};

static void
measure_in_thread (GTask *task, gpointer source, gpointer task_data,
                   GCancellable *cancellable)
{
  MienSession *session = g_object_get_data (G_OBJECT (task), "session");
  mien_eval_result *out = g_new0 (mien_eval_result, 2);
  GError *error = NULL;
  if (mien_session_measure (session, task_data, out, &error))
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
  update_status (self, NULL);
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

static void
measure_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (self->session == NULL || mien_session_get_face_index (self->session) < 0)
    return;
  mien_driving *c = g_new (mien_driving, 1);
  mien_slider_panel_get_driving (self->sliders, c);
  GTask *task = g_task_new (self, NULL, on_measured, NULL);
  g_task_set_task_data (task, c, g_free);
  g_object_set_data_full (G_OBJECT (task), "session",
                          mien_session_ref (self->session),
                          (GDestroyNotify)mien_session_unref);
  update_status (self, _("measuring…"));
  g_task_run_in_thread (task, measure_in_thread);
  g_object_unref (task);
}

/* The export dialog animates from the neutral face to the sliders' state. */
static void
export_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  int face = self->session ? mien_session_get_face_index (self->session) : -1;
  if (face < 0)
    return;
  mien_driving target;
  mien_slider_panel_get_driving (self->sliders, &target);
  MienExportDialog *dialog = mien_export_dialog_new (
      GTK_WINDOW (self), mien_session_get_photo (self->session),
      mien_session_get_face (self->session, face), &target,
      current_mode (self));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
preferences_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  gtk_window_present (mien_preferences_window_new (GTK_WINDOW (self),
                                                   self->settings));
}

/* The preference is the mode new windows start in; it also switches the
 * open window, so the user sees what they chose. */
static void
on_mode_setting_changed (GSettings *settings, const char *key, MienWindow *self)
{
  g_autofree char *mode = g_settings_get_string (settings, key);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "mode");
  g_autoptr (GVariant) state = g_action_get_state (action);
  if (!g_str_equal (g_variant_get_string (state, NULL), mode))
    g_action_change_state (action, g_variant_new_string (mode));
}

/* "Open Recent": the photos this app opened last, newest first. */
static void
rebuild_recent_menu (GtkRecentManager *manager, MienWindow *self)
{
  GMenu *section = g_object_get_data (G_OBJECT (self), "recent-section");
  if (section == NULL)
    return;
  g_menu_remove_all (section);
  GList *items = gtk_recent_manager_get_items (manager);
  int n = 0;
  for (GList *l = items; l != NULL && n < 8; l = l->next)
    {
      GtkRecentInfo *info = l->data;
      if (!gtk_recent_info_has_application (info, g_get_application_name ())
          || !gtk_recent_info_is_local (info) || !gtk_recent_info_exists (info))
        continue;
      g_autoptr (GFile) file = g_file_new_for_uri (gtk_recent_info_get_uri (info));
      g_autofree char *path = g_file_get_path (file);
      if (path == NULL)
        continue;
      g_autoptr (GMenuItem) item = g_menu_item_new (
          gtk_recent_info_get_display_name (info), NULL);
      g_menu_item_set_action_and_target_value (item, "app.open-file",
                                               g_variant_new_string (path));
      g_menu_append_item (section, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify)gtk_recent_info_unref);
}

/* ---- responsiveness measurement ------------------------------------------- */

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
      self->max_tick_gap_us = MAX (self->max_tick_gap_us, gap);
      self->n_long_gaps += gap > 50000;
    }
  self->last_tick_us = now;
  self->n_ticks++;
  return G_SOURCE_CONTINUE;
}

static void
write_responsiveness_log (MienWindow *self)
{
  double latency = self->last_change_shown_us > 0
      ? (self->last_change_shown_us - self->last_change_us) / 1000.0 : -1.0;
  /* A file for tests and tools: C-locale numbers whatever the UI's locale. */
  char gap_ms[G_ASCII_DTOSTR_BUF_SIZE], latency_ms[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (gap_ms, sizeof gap_ms, "%.1f", self->max_tick_gap_us / 1000.0);
  g_ascii_formatd (latency_ms, sizeof latency_ms, "%.1f", latency);
  g_autofree char *json = g_strdup_printf (
      "{\"ticks\": %" G_GINT64_FORMAT ", \"max_tick_gap_ms\": %s, "
      "\"gaps_over_50ms\": %" G_GINT64_FORMAT ", \"requests\": %" G_GUINT64_FORMAT
      ", \"dropped\": %" G_GUINT64_FORMAT ", \"frames_shown\": %" G_GUINT64_FORMAT
      ", \"last_change_to_screen_ms\": %s}\n",
      self->n_ticks, gap_ms, self->n_long_gaps,
      self->last_change_serial,
      self->worker ? mien_engine_worker_get_n_dropped (self->worker) : 0,
      self->n_frames_shown, latency_ms);
  g_file_set_contents (self->responsiveness_log, json, -1, NULL);
}

/* ---- settings and window state ------------------------------------------- */

static gboolean
mien_window_close_request (GtkWindow *window)
{
  MienWindow *self = MIEN_WINDOW (window);
  if (self->responsiveness_log != NULL)
    write_responsiveness_log (self);
  if (self->settings != NULL)
    {
      int w, h;
      gtk_window_get_default_size (window, &w, &h);
      g_settings_set (self->settings, "window-size", "(ii)", w, h);
      g_settings_set_boolean (self->settings, "window-maximized",
                              gtk_window_is_maximized (window));
    }
  return GTK_WINDOW_CLASS (mien_window_parent_class)->close_request (window);
}

/* ---- GObject ------------------------------------------------------------- */

static void
mien_window_dispose (GObject *object)
{
  MienWindow *self = MIEN_WINDOW (object);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_handle_id (&self->settle_source, g_source_remove);
  if (self->worker != NULL)
    {
      mien_engine_worker_shutdown (self->worker);
      g_signal_handlers_disconnect_by_data (self->worker, self);
    }
  g_clear_object (&self->worker);
  gtk_widget_dispose_template (GTK_WIDGET (self), MIEN_TYPE_WINDOW);
  G_OBJECT_CLASS (mien_window_parent_class)->dispose (object);
}

static void
mien_window_finalize (GObject *object)
{
  MienWindow *self = MIEN_WINDOW (object);
  g_clear_pointer (&self->session, mien_session_unref);
  g_clear_pointer (&self->face_note, g_free);
  g_clear_pointer (&self->responsiveness_log, g_free);
  g_array_unref (self->undo_stack);
  g_array_unref (self->redo_stack);
  g_clear_object (&self->photo_file);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (mien_window_parent_class)->finalize (object);
}

static void
mien_window_class_init (MienWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = mien_window_dispose;
  object_class->finalize = mien_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = mien_window_close_request;

  g_type_ensure (MIEN_TYPE_PREVIEW);
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/mien/Mien/ui/mien-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MienWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, MienWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, MienWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, MienWindow, preview);
  gtk_widget_class_bind_template_child (widget_class, MienWindow, controls_box);
  gtk_widget_class_bind_template_child (widget_class, MienWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, MienWindow, recent_section);

  /* Every accelerator of the window, in one place. */
  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o,
                                       GDK_CONTROL_MASK, "win.open", NULL);
  const struct { const char *name; guint key; } zooms[] = {
    { "win.zoom-in", GDK_KEY_plus }, { "win.zoom-out", GDK_KEY_minus },
    { "win.zoom-fit", GDK_KEY_0 }, { "win.zoom-100", GDK_KEY_1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (zooms); i++)
    {
      gtk_widget_class_install_action (widget_class, zooms[i].name, NULL,
                                       zoom_action);
      gtk_widget_class_add_binding_action (widget_class, zooms[i].key,
                                           GDK_CONTROL_MASK, zooms[i].name,
                                           NULL);
    }
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal,
                                       GDK_CONTROL_MASK, "win.zoom-in", NULL);
  gtk_widget_class_install_action (widget_class, "win.toggle-split", NULL,
                                   toggle_view_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, 0,
                                       "win.toggle-split", NULL);
  gtk_widget_class_install_action (widget_class, "win.toggle-difference", NULL,
                                   toggle_view_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, 0,
                                       "win.toggle-difference", NULL);
  gtk_widget_class_install_action (widget_class, "win.toggle-mode", NULL,
                                   toggle_mode_action);
  gtk_widget_class_install_action (widget_class, "win.measure", NULL,
                                   measure_action);
  gtk_widget_class_install_action (widget_class, "win.save-project", NULL,
                                   save_project_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s,
                                       GDK_CONTROL_MASK, "win.save-project",
                                       NULL);
  gtk_widget_class_install_action (widget_class, "win.export", NULL,
                                   export_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e,
                                       GDK_CONTROL_MASK, "win.export", NULL);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL,
                                   preferences_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma,
                                       GDK_CONTROL_MASK, "win.preferences",
                                       NULL);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, undo_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z,
                                       GDK_CONTROL_MASK, "win.undo", NULL);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, undo_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_z,
                                       GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.redo", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_y,
                                       GDK_CONTROL_MASK, "win.redo", NULL);
  gtk_widget_class_install_action (widget_class, "win.reset", NULL,
                                   reset_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r,
                                       GDK_CONTROL_MASK, "win.reset", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, 0,
                                       "win.toggle-mode", NULL);
}

static void
mien_window_init (MienWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = mien_settings_new_if_installed ();
  self->undo_stack = g_array_new (FALSE, FALSE, sizeof (mien_driving));
  self->redo_stack = g_array_new (FALSE, FALSE, sizeof (mien_driving));
  mien_driving_init (&self->committed);

  self->sliders = MIEN_SLIDER_PANEL (mien_slider_panel_new ());
  gtk_widget_set_sensitive (GTK_WIDGET (self->sliders), FALSE);
  gtk_box_append (self->controls_box, GTK_WIDGET (self->sliders));
  g_signal_connect (self->sliders, "changed", G_CALLBACK (on_sliders_changed),
                    self);
  g_signal_connect (self->preview, "photo-clicked",
                    G_CALLBACK (on_photo_clicked), self);
  g_signal_connect (self->preview, "notify::zoom",
                    G_CALLBACK (on_zoom_changed), self);
  self->worker = mien_engine_worker_new (
      render_frame, NULL, (GDestroyNotify)frame_request_free,
      (GDestroyNotify)frame_result_free);
  g_signal_connect (self->worker, "rendered", G_CALLBACK (on_frame_rendered),
                    self);
  g_signal_connect (self->worker, "failed", G_CALLBACK (on_frame_failed),
                    self);
  update_undo_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.measure", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project", FALSE);

  self->responsiveness_log = g_strdup (g_getenv ("MIEN_RESPONSIVENESS_LOG"));
  if (self->responsiveness_log != NULL)
    gtk_widget_add_tick_callback (GTK_WIDGET (self->preview), on_tick, self,
                                  NULL);

  g_autofree char *mode = self->settings
      ? g_settings_get_string (self->settings, "reswarp-mode")
      : g_strdup ("vanilla");
  const GActionEntry entries[] = {
    { .name = "view", .parameter_type = "s", .state = "'result'",
      .change_state = change_view_state },
    { .name = "mode", .parameter_type = "s", .state = "'vanilla'",
      .change_state = change_mode_state },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries,
                                   G_N_ELEMENTS (entries), self);
  g_simple_action_set_state (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "mode")),
      g_variant_new_string (mode));

  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::reswarp-mode",
                             G_CALLBACK (on_mode_setting_changed), self, 0);
  g_object_set_data (G_OBJECT (self), "recent-section", self->recent_section);
  GtkRecentManager *recent = gtk_recent_manager_get_default ();
  g_signal_connect_object (recent, "changed", G_CALLBACK (rebuild_recent_menu),
                           self, 0);
  rebuild_recent_menu (recent, self);
  if (self->settings != NULL)
    {
      int w, h;
      g_settings_get (self->settings, "window-size", "(ii)", &w, &h);
      gtk_window_set_default_size (GTK_WINDOW (self), w, h);
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
    }

  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, (GType[]){ GDK_TYPE_FILE_LIST, G_TYPE_FILE }, 2);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  GtkEventController *keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (keys, "key-released", G_CALLBACK (on_key_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

MienWindow *
mien_window_new (AdwApplication *application)
{
  return g_object_new (MIEN_TYPE_WINDOW, "application", application, NULL);
}
