/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienWindow: the photo in a GL preview beside the sliders.
 *
 * This file holds the type, the frames and the status line; the other
 * concerns live in mien-window-*.c (see mien-window-private.h).
 *
 * Every slider move posts a frame request to the engine worker, which always
 * renders the newest request, so the window never waits on the engine. */
#include "mien-window-private.h"

#include <glib/gi18n.h>
#include <math.h>

#include "mien-settings.h"

G_DEFINE_FINAL_TYPE (MienWindow, mien_window, ADW_TYPE_APPLICATION_WINDOW)

void
mien_window_show_message (MienWindow *self, const char *message)
{
  g_return_if_fail (MIEN_IS_WINDOW (self));
  g_return_if_fail (message != NULL);
  /* A toast's title is Pango markup: a message quoting a file's content
   * ("<data>:1:1: …") would otherwise show nothing. */
  g_autofree char *escaped = g_markup_escape_text (message, -1);
  AdwToast *toast = adw_toast_new (escaped);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- rendering ------------------------------------------------------------ */

/* A frame is either the preview while a slider moves (a pyramid level,
 * only the visible region: mien_session_render_preview) or, once the
 * sliders rest, the refinement at full resolution area-averaged to twice
 * the screen's resolution (mien_session_render_refined). */
typedef struct {
  MienSession *session;
  mien_driving c;
  mien_reswarp_mode mode;
  gboolean both_modes; /* split view: vanilla | multiscale */
  gboolean refine;
  double display_scale; /* refine: result pixels per crop pixel, ≤ 1 */
  int level;            /* preview: the pyramid level */
  mien_rect region;     /* preview: in level pixels */
} FrameRequest;

typedef struct {
  MienSession *session;
  mien_rect crop;
  gboolean refine;
  MienSessionPicture a, b; /* b: only in the split view */
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
  mien_session_picture_clear (&result->a);
  mien_session_picture_clear (&result->b);
  g_free (result);
}

static gboolean
render_mode (FrameRequest *request, mien_reswarp_mode mode,
             MienSessionPicture *out, GError **error)
{
  if (request->refine)
    return mien_session_render_refined (request->session, mode, &request->c,
                                        request->display_scale, out, error);
  return mien_session_render_preview (request->session, mode, &request->c,
                                      request->level, &request->region, out,
                                      error);
}

/* On the engine thread. */
static gpointer
render_frame (gpointer data, gpointer user_data, GError **error)
{
  FrameRequest *request = data;
  FrameResult *result = g_new0 (FrameResult, 1);
  result->session = mien_session_ref (request->session);
  result->refine = request->refine;
  /* In the split view a is vanilla and b multiscale; otherwise a is the
   * chosen mode. */
  mien_reswarp_mode first = request->both_modes ? MIEN_RESWARP_VANILLA
                                                : request->mode;
  gboolean ok = render_mode (request, first, &result->a, error);
  if (ok && request->both_modes)
    ok = render_mode (request, MIEN_RESWARP_MULTISCALE, &result->b, error);
  if (!ok)
    {
      frame_result_free (result);
      return NULL;
    }
  result->crop = *mien_session_get_crop (request->session);
  return result;
}

mien_reswarp_mode
mien_window_current_mode (MienWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "mode");
  g_autoptr (GVariant) state = g_action_get_state (action);
  return mien_reswarp_mode_from_string (g_variant_get_string (state, NULL))
                 == MIEN_RESWARP_VANILLA
             ? MIEN_RESWARP_VANILLA
             : MIEN_RESWARP_MULTISCALE;
}

static FrameRequest *
new_request (MienWindow *self)
{
  FrameRequest *request = g_new0 (FrameRequest, 1);
  request->session = mien_session_ref (self->session);
  mien_slider_panel_get_driving (self->sliders, &request->c);
  request->mode = mien_window_current_mode (self);
  request->both_modes = mien_preview_get_view (self->preview)
                        == MIEN_PREVIEW_VIEW_SPLIT;
  return request;
}

/* Screen pixels per photo pixel. */
static double
screen_scale (MienWindow *self)
{
  return mien_preview_get_scale (self->preview)
         * gtk_widget_get_scale_factor (GTK_WIDGET (self->preview));
}

/* The pyramid level that matches the zoom and the part of it on screen
 * (level pixels, 16 more on each side so that a small pan needs nothing
 * new); the whole level when the crop is not on screen at all. */
static int
visible_level_region (MienWindow *self, mien_rect *region)
{
  int level = mien_session_level_for_scale (self->session,
                                            screen_scale (self));
  mien_level_size size = mien_session_get_level_size (self->session, level);
  const mien_rect *crop = mien_session_get_crop (self->session);
  double x0, y0, x1, y1;
  mien_preview_get_visible (self->preview, &x0, &y0, &x1, &y1);
  double fx = (double)size.width / crop->width;
  double fy = (double)size.height / crop->height;
  int rx0 = MAX (0, (int)floor ((x0 - crop->x) * fx) - 16);
  int ry0 = MAX (0, (int)floor ((y0 - crop->y) * fy) - 16);
  int rx1 = MIN (size.width, (int)ceil ((x1 - crop->x) * fx) + 16);
  int ry1 = MIN (size.height, (int)ceil ((y1 - crop->y) * fy) + 16);
  if (rx1 <= rx0 || ry1 <= ry0)
    *region = (mien_rect){ 0, 0, size.width, size.height };
  else
    *region = (mien_rect){ rx0, ry0, rx1 - rx0, ry1 - ry0 };
  return level;
}

/* The sliders rest: the full resolution, unless the preview already was
 * (level 0 is the full render bit for bit where it is seen). */
static gboolean
on_refine (gpointer data)
{
  MienWindow *self = data;
  self->refine_source = 0;
  if (self->session == NULL || mien_session_get_face_index (self->session) < 0
      || !self->preview_posted || self->preview_level == 0)
    return G_SOURCE_REMOVE;
  FrameRequest *request = new_request (self);
  request->refine = TRUE;
  /* Twice the screen's resolution is enough for a sharp picture. */
  request->display_scale = MIN (1.0, 2.0 * screen_scale (self));
  self->requested_scale = request->display_scale;
  self->preview_posted = FALSE;
  mien_engine_worker_post (self->worker, request);
  return G_SOURCE_REMOVE;
}

void
mien_window_request_frame (MienWindow *self)
{
  if (self->session == NULL || mien_session_get_face_index (self->session) < 0)
    return;
  FrameRequest *request = new_request (self);
  request->level = visible_level_region (self, &request->region);
  self->preview_level = request->level;
  self->preview_region = request->region;
  self->preview_posted = TRUE;
  self->last_change_serial = mien_engine_worker_post (self->worker, request);
  self->last_change_us = g_get_monotonic_time ();
  self->last_change_shown_us = 0;
  if (self->measuring && self->pending_moves != NULL)
    {
      gint64 move[2] = { (gint64)self->last_change_serial,
                         self->last_change_us };
      g_array_append_vals (self->pending_moves, move, 1);
    }
  g_clear_handle_id (&self->refine_source, g_source_remove);
  self->refine_source = g_timeout_add (MIEN_WINDOW_REFINE_MS, on_refine,
                                       self);
}

void
mien_window_update_status (MienWindow *self, const char *extra)
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
                            mien_window_current_mode (self)
                                    == MIEN_RESWARP_VANILLA
                                ? _("vanilla ResWarp")
                                : _("multiscale ResWarp"));
  if (mien_session_get_face_index (self->session) >= 0
      && mien_window_paper_reswarp (self))
    g_string_append_printf (text, " %s", _("(the paper's, no fade)"));
  if (extra != NULL)
    g_string_append_printf (text, " — %s", extra);
  gtk_label_set_text (self->status_label, text->str);
  g_string_free (text, TRUE);
}

static void
to_preview_picture (const MienSessionPicture *in, MienPreviewPicture *out)
{
  *out = (MienPreviewPicture){
    .rgb8 = in->rgb8, .width = in->width, .height = in->height,
    .dirty_x = in->dirty.x, .dirty_y = in->dirty.y,
    .dirty_width = in->dirty.width, .dirty_height = in->dirty.height,
    .serial = in->serial, .version = in->version,
  };
}

static void
on_frame_rendered (MienEngineWorker *worker, guint64 serial, gpointer data,
                   double ms, MienWindow *self)
{
  FrameResult *result = data;
  if (result->session != self->session)
    return; /* a frame of the previous photo */
  MienPreviewPicture pa, pb;
  to_preview_picture (&result->a, &pa);
  to_preview_picture (&result->b, &pb);
  mien_preview_set_pictures (self->preview, result->crop.x, result->crop.y,
                             result->crop.width, result->crop.height, &pa,
                             result->b.rgb8 ? &pb : NULL);
  self->n_frames_shown++;
  gint64 now = g_get_monotonic_time ();
  if (serial == self->last_change_serial)
    self->last_change_shown_us = now;
  /* Every move up to this frame's is on screen now. */
  while (self->pending_moves != NULL && self->pending_moves->len > 0)
    {
      gint64 *move = &g_array_index (self->pending_moves, gint64, 0);
      if ((guint64)move[0] > serial)
        break;
      double latency_ms = (now - move[1]) / 1000.0;
      g_array_append_val (self->move_latencies, latency_ms);
      g_array_remove_index (self->pending_moves, 0);
    }
  g_autofree char *timing = g_strdup_printf (_("frame %.0f ms"), ms);
  mien_window_update_status (self, timing);
}

static void
on_frame_failed (MienEngineWorker *worker, guint64 serial, GError *error,
                 MienWindow *self)
{
  mien_window_show_message (self, error->message);
}

static void
on_sliders_changed (MienSliderPanel *panel, MienWindow *self)
{
  /* A reset or a restore (opening a photo, undo) is not the user's move. */
  mien_window_responsiveness_note_change (self, !self->restoring);
  mien_window_request_frame (self);
  mien_window_undo_note_change (self);
}

/* A zoom or a pan: render again when the level that matches the zoom is
 * another, or part of what is seen was not rendered (then the full
 * resolution follows as after a slider move). */
static void
on_view_changed (MienWindow *self)
{
  if (self->session == NULL || mien_session_get_face_index (self->session) < 0)
    return;
  mien_rect r;
  int level = visible_level_region (self, &r);
  mien_rect had = self->preview_region;
  gboolean inside = r.x >= had.x && r.y >= had.y
                    && r.x + r.width <= had.x + had.width
                    && r.y + r.height <= had.y + had.height;
  if (level != self->preview_level || !inside)
    mien_window_request_frame (self);
}

static void
on_zoom_changed (MienPreview *preview, GParamSpec *pspec, MienWindow *self)
{
  on_view_changed (self);
}

static void
on_pan (MienPreview *preview, MienWindow *self)
{
  on_view_changed (self);
}

/* ---- scripting (also used by the app's D-Bus actions) -------------------- */

gboolean
mien_window_set_au (MienWindow *self, const char *name, double value)
{
  g_return_val_if_fail (MIEN_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  return mien_slider_panel_set_value (self->sliders, name, value);
}

gboolean
mien_window_apply_preset (MienWindow *self, const char *name, double intensity)
{
  g_return_val_if_fail (MIEN_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  int preset = mien_preset_from_name (name);
  if (preset < 0)
    return FALSE;
  mien_slider_panel_apply_preset (self->sliders, (mien_expression_preset)preset,
                                  CLAMP (intensity, 0.0, 1.0));
  return TRUE;
}

/* ---- window state and lifetime -------------------------------------------- */

static gboolean
mien_window_close_request (GtkWindow *window)
{
  MienWindow *self = MIEN_WINDOW (window);
  /* Before "Save changes?": the benchmark's quit leaves the question open. */
  mien_window_responsiveness_write (self);
  if (!self->close_confirmed && mien_window_has_unsaved_work (self))
    {
      mien_window_ask_about_unsaved_work (self, MIEN_WINDOW_PENDING_CLOSE,
                                          NULL);
      return TRUE; /* closes (or not) once the user has answered */
    }
  return GTK_WINDOW_CLASS (mien_window_parent_class)->close_request (window);
}

static void
mien_window_dispose (GObject *object)
{
  MienWindow *self = MIEN_WINDOW (object);
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  g_clear_handle_id (&self->settle_source, g_source_remove);
  g_clear_handle_id (&self->refine_source, g_source_remove);
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
  g_clear_pointer (&self->pending_moves, g_array_unref);
  g_clear_pointer (&self->move_latencies, g_array_unref);
  g_clear_pointer (&self->project_path, g_free);
  g_clear_pointer (&self->replace_path, g_free);
  g_clear_object (&self->pending_file);
  mien_window_undo_finalize (self);
  g_clear_object (&self->photo_file);
  g_clear_object (&self->settings);
  G_OBJECT_CLASS (mien_window_parent_class)->finalize (object);
}

/* The preview's GL is set up with the window, not when the first photo
 * shows: its shaders compile then (MienPreview's warm-up; on a software
 * GL ~0.1 s that would otherwise stall the first frame of the photo). */
static void
mien_window_realize (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (mien_window_parent_class)->realize (widget);
  gtk_widget_realize (GTK_WIDGET (MIEN_WINDOW (widget)->preview));
}

static void
mien_window_class_init (MienWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = mien_window_dispose;
  object_class->finalize = mien_window_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = mien_window_close_request;
  widget_class->realize = mien_window_realize;

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
  gtk_widget_class_bind_template_child (widget_class, MienWindow, menu_button);
  gtk_widget_class_bind_template_child (widget_class, MienWindow, view_button);
  gtk_widget_class_bind_template_child (widget_class, MienWindow, split_labels);
  gtk_widget_class_bind_template_child (widget_class, MienWindow,
                                        difference_legend);
  mien_window_class_install_actions (widget_class);
}

static void
mien_window_init (MienWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = mien_settings_new_if_installed ();
  mien_window_undo_init (self);

  self->sliders = MIEN_SLIDER_PANEL (mien_slider_panel_new ());
  gtk_widget_set_sensitive (GTK_WIDGET (self->sliders), FALSE);
  gtk_box_append (self->controls_box, GTK_WIDGET (self->sliders));
  g_signal_connect (self->sliders, "changed", G_CALLBACK (on_sliders_changed),
                    self);
  g_signal_connect (self->preview, "notify::zoom",
                    G_CALLBACK (on_zoom_changed), self);
  g_signal_connect (self->preview, "view-changed", G_CALLBACK (on_pan), self);
  self->worker = mien_engine_worker_new (
      render_frame, NULL, (GDestroyNotify)frame_request_free,
      (GDestroyNotify)frame_result_free);
  g_signal_connect (self->worker, "rendered", G_CALLBACK (on_frame_rendered),
                    self);
  g_signal_connect (self->worker, "failed", G_CALLBACK (on_frame_failed),
                    self);
  mien_window_undo_update_actions (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.drive", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.measure", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-image", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-image", FALSE);
  mien_driving_init (&self->saved);

  mien_window_actions_init (self);
  mien_window_responsiveness_init (self);
  mien_window_compare_init (self);
  mien_window_open_init (self);
  /* GTK keeps default-width/-height at the unmaximized size as the user
   * resizes: bound, the next window opens at the size this one had. */
  if (self->settings != NULL)
    {
      g_settings_bind (self->settings, "window-width", self, "default-width",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-height", self, "default-height",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "window-maximized", self, "maximized",
                       G_SETTINGS_BIND_DEFAULT);
    }
}

MienWindow *
mien_window_new (AdwApplication *application)
{
  g_return_val_if_fail (ADW_IS_APPLICATION (application), NULL);
  return g_object_new (MIEN_TYPE_WINDOW, "application", application, NULL);
}
