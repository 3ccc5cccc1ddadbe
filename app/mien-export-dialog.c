/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-export-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "io/mien-export.h"
#include "io/mien-project.h"
#include "mien-animator.h"
#include "mien-clip.h"
#include "mien-rig.h"

/* What the worker needs, copied so that the window can change meanwhile. */
typedef struct export_job {
  const mien_image *photo; /* the dialog's copy; the task keeps it alive */
  mien_face face;
  mien_face *others; /* every face of the photo (face is others[self]) */
  int n_others, self;
  mien_driving target;
  mien_animation_settings settings;
  mien_export_format format;
  char *path;
  gboolean overwrite; /* the user agreed to replace what is there */
  MienExportDialog *dialog; /* for progress; a reference is held */
  gint64 start_us;
} export_job;

struct _MienExportDialog {
  AdwWindow parent_instance;

  GtkWidget *cancel_button, *export_button, *choose_button;
  GtkDropDown *format_drop, *scale_drop, *mode_drop, *interpolation_drop,
      *region_drop;
  GtkSpinButton *fps_spin, *duration_spin;
  GtkCheckButton *ping_pong_check;
  GtkLabel *destination_label, *status_label;
  GtkProgressBar *progress_bar;
  GtkWidget *settings_grid;

  mien_image *photo;
  mien_face face;
  mien_face *others; /* mien_export_dialog_set_other_faces */
  int n_others, self_index;
  mien_driving target;
  char *destination;
  GCancellable *cancellable; /* non-NULL while exporting */
  gboolean close_when_done;
  gboolean replace_confirmed; /* while starting after "Replace" */
  GtkFileChooserNative *chooser;
};

G_DEFINE_FINAL_TYPE (MienExportDialog, mien_export_dialog, ADW_TYPE_WINDOW)

static const char *const extensions[] = { "", ".gif", ".mp4" };

static mien_export_format
selected_format (MienExportDialog *self)
{
  /* Dropdown order: MP4, GIF, PNG sequence. */
  switch (gtk_drop_down_get_selected (self->format_drop))
    {
    case 1: return MIEN_EXPORT_GIF;
    case 2: return MIEN_EXPORT_PNG_SEQUENCE;
    default: return MIEN_EXPORT_MP4;
    }
}

static void
show_destination (MienExportDialog *self)
{
  gtk_label_set_text (self->destination_label, self->destination);
}

/* The destination's name follows the format: clip.mp4 ↔ clip.gif ↔ clip. */
static void
on_format_changed (MienExportDialog *self)
{
  if (!self->destination)
    return;
  char *base = g_strdup (self->destination);
  for (guint i = 1; i < G_N_ELEMENTS (extensions); i++)
    if (g_str_has_suffix (base, extensions[i]))
      base[strlen (base) - strlen (extensions[i])] = '\0';
  g_free (self->destination);
  self->destination = g_strconcat (base, extensions[selected_format (self)],
                                   NULL);
  g_free (base);
  show_destination (self);
}

void
mien_export_dialog_set_other_faces (MienExportDialog *self,
                                    const mien_face *faces, int n_faces,
                                    int self_index)
{
  g_return_if_fail (MIEN_IS_EXPORT_DIALOG (self));
  g_free (self->others);
  self->others = faces && n_faces > 0
                     ? g_memdup2 (faces, sizeof (mien_face) * (gsize)n_faces)
                     : NULL;
  self->n_others = self->others ? n_faces : 0;
  self->self_index = self_index;
}

void
mien_export_dialog_set_destination (MienExportDialog *self, const char *path)
{
  g_return_if_fail (MIEN_IS_EXPORT_DIALOG (self));
  g_free (self->destination);
  self->destination = g_strdup (path);
  /* Dropdown order: MP4, GIF, PNG sequence. */
  mien_export_format from_path = mien_export_format_from_path (path);
  guint format = from_path == MIEN_EXPORT_GIF   ? 1
                 : from_path == MIEN_EXPORT_MP4 ? 0
                                                : 2;
  g_signal_handlers_block_by_func (self->format_drop, on_format_changed, self);
  gtk_drop_down_set_selected (self->format_drop, format);
  g_signal_handlers_unblock_by_func (self->format_drop, on_format_changed,
                                     self);
  show_destination (self);
}

static void
on_chooser_response (GtkNativeDialog *native, int response,
                     MienExportDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        {
          g_free (self->destination);
          self->destination = g_strdup (path);
          on_format_changed (self); /* add the format's extension */
        }
    }
  g_clear_object (&self->chooser);
}

static void
on_choose_clicked (MienExportDialog *self)
{
  gboolean folder = selected_format (self) == MIEN_EXPORT_PNG_SEQUENCE;
  self->chooser = gtk_file_chooser_native_new (
      folder ? _("Export to a New Folder") : _("Export Animation"),
      GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
      _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  g_autofree char *name = g_path_get_basename (self->destination);
  g_autofree char *dir = g_path_get_dirname (self->destination);
  g_autoptr (GFile) dir_file = g_file_new_for_path (dir);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser),
                                       dir_file, NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->chooser), name);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response),
                    self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

/* ---- the worker ----------------------------------------------------------- */

typedef struct progress_update {
  MienExportDialog *dialog;
  int done, total;
  double elapsed;
  gboolean finishing;
} progress_update;

static gboolean
apply_progress (gpointer data)
{
  progress_update *u = data;
  MienExportDialog *self = u->dialog;
  if (self->cancellable == NULL)
    return G_SOURCE_REMOVE;
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 (double)u->done / u->total);
  g_autofree char *text = g_strdup_printf (_("Frame %d of %d"), u->done,
                                           u->total);
  gtk_progress_bar_set_text (self->progress_bar, text);
  g_autofree char *status = NULL;
  if (u->finishing)
    status = g_strdup (_("Finishing…"));
  else
    {
      double left = u->done > 0 ? u->elapsed * (u->total - u->done) / u->done
                                : 0.0;
      status = g_strdup_printf (_("About %.0f s left"), left + 0.5);
    }
  gtk_label_set_text (self->status_label, status);
  return G_SOURCE_REMOVE;
}

static void
free_update (gpointer data)
{
  progress_update *u = data;
  g_object_unref (u->dialog);
  g_free (u);
}

static void
post_progress (export_job *job, int done, int total, gboolean finishing)
{
  progress_update *u = g_new0 (progress_update, 1);
  u->dialog = g_object_ref (job->dialog);
  u->done = done, u->total = total, u->finishing = finishing;
  u->elapsed = (g_get_monotonic_time () - job->start_us) / 1e6;
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, apply_progress, u,
                              free_update);
}

static void
export_job_free (export_job *job)
{
  g_free (job->path);
  g_free (job->others);
  g_clear_object (&job->dialog);
  g_free (job);
}

typedef struct worker_state {
  mien_generator *gen;
  mien_animator *anim;
  mien_timeline *tl;
  mien_clip *clip;
  mien_image *frame;
  mien_exporter *ex;
} worker_state;

static void
worker_state_clear (worker_state *w)
{
  mien_exporter_abort (w->ex); /* NULL once finished */
  mien_image_free (w->frame);
  mien_clip_free (w->clip);
  mien_timeline_free (w->tl);
  mien_animator_free (w->anim);
  mien_generator_free (w->gen);
}

static mien_status
worker_prepare (export_job *job, worker_state *w, mien_error *err)
{
  const mien_animation_settings *s = &job->settings;
  int face_only = s->region == MIEN_CLIP_REGION_FACE;
  w->gen = mien_rig_new (err);
  w->anim = w->gen ? mien_animator_new (job->photo, &job->face, s->mode, NULL,
                                        err)
                   : NULL;
  if (w->anim)
    mien_animator_set_other_faces (w->anim, job->others, job->n_others,
                                   job->self);
  w->tl = w->anim ? mien_clip_default_timeline (&job->target, s->duration,
                                                s->ping_pong, err)
                  : NULL;
  w->clip = w->tl ? mien_clip_new (w->anim, w->gen, w->tl, s->interpolation,
                                   err)
                  : NULL;
  if (!w->clip)
    return err->status;
  if (!face_only && !(w->frame = mien_image_copy (job->photo, err)))
    return err->status;
  mien_export_options eo;
  mien_export_options_init (&eo);
  eo.fps_num = (int)s->fps, eo.fps_den = 1;
  eo.scale = s->scale, eo.max_side = s->max_side;
  eo.overwrite = job->overwrite;
  const mien_rect *cr = mien_animator_get_crop (w->anim);
  w->ex = mien_exporter_open (job->path, job->format, &eo,
                              face_only ? cr->width : job->photo->width,
                              face_only ? cr->height : job->photo->height, err);
  return w->ex ? MIEN_OK : err->status;
}

/* Frame by frame, checking for Cancel between frames; on any failure the
 * exporter is aborted, which removes its temporary: nothing is left. */
static void
export_thread (GTask *task, gpointer source, gpointer data,
               GCancellable *cancellable)
{
  export_job *job = data;
  mien_error err = { 0 };
  worker_state w = { 0 };
  mien_status st = worker_prepare (job, &w, &err);
  int n = st == MIEN_OK ? mien_timeline_get_n_frames (w.tl, job->settings.fps)
                        : 0;
  for (int i = 0; i < n && st == MIEN_OK; i++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        break;
      const mien_image *crop = NULL;
      double t = mien_timeline_get_frame_time (w.tl, job->settings.fps, i);
      st = mien_clip_render (w.clip, t, w.frame, &crop, NULL, &err);
      if (st == MIEN_OK)
        st = mien_exporter_add_frame (w.ex, w.frame ? w.frame : crop, &err);
      post_progress (job, i + 1, n, FALSE);
    }
  if (st == MIEN_OK && !g_cancellable_is_cancelled (cancellable))
    {
      post_progress (job, n, n, TRUE);
      st = mien_exporter_finish (w.ex, &err);
      w.ex = NULL;
    }
  worker_state_clear (&w);
  if (st != MIEN_OK)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                             err.message);
  else if (g_cancellable_is_cancelled (cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                             _("Export cancelled; nothing was written"));
  else
    g_task_return_boolean (task, TRUE);
}

/* ---- starting, finishing, cancelling -------------------------------------- */

static void
set_busy (MienExportDialog *self, gboolean busy)
{
  gtk_widget_set_sensitive (self->settings_grid, !busy);
  gtk_widget_set_sensitive (self->export_button, !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
}

static void
set_status (MienExportDialog *self, const char *text, gboolean error)
{
  gtk_label_set_text (self->status_label, text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
on_export_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MienExportDialog *self = MIEN_EXPORT_DIALOG (source);
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
  if (ok)
    {
      g_autofree char *text = g_strdup_printf (_("Saved to %s"),
                                               self->destination);
      set_status (self, text, FALSE);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    /* The task's own cancellation error is GIO's "Operation was
     * cancelled"; say what it means here. */
    set_status (self, _("Export cancelled; nothing was written"), FALSE);
  else
    set_status (self, error->message, TRUE);
  if (self->close_when_done)
    gtk_window_destroy (GTK_WINDOW (self));
}

static mien_animation_settings
read_settings (MienExportDialog *self)
{
  mien_animation_settings s;
  mien_animation_settings_init (&s);
  s.fps = gtk_spin_button_get_value_as_int (self->fps_spin);
  s.duration = gtk_spin_button_get_value (self->duration_spin);
  s.scale = (mien_export_scale)gtk_drop_down_get_selected (self->scale_drop);
  s.max_side = 1080;
  s.mode = gtk_drop_down_get_selected (self->mode_drop) == 1
               ? MIEN_RESWARP_VANILLA
               : MIEN_RESWARP_MULTISCALE;
  s.interpolation = (mien_interpolation)gtk_drop_down_get_selected (
      self->interpolation_drop);
  s.region = (mien_clip_region)gtk_drop_down_get_selected (self->region_drop);
  s.ping_pong = gtk_check_button_get_active (self->ping_pong_check);
  return s;
}

/* Something the export would replace: a file, or a folder with files in it
 * (a PNG sequence). */
static gboolean
destination_taken (const char *path)
{
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return g_file_test (path, G_FILE_TEST_EXISTS);
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  return dir != NULL && g_dir_read_name (dir) != NULL;
}

static void on_export_clicked (MienExportDialog *self);

static void
on_replace_response (AdwMessageDialog *dialog, const char *response,
                     MienExportDialog *self)
{
  if (!g_str_equal (response, "replace"))
    return;
  self->replace_confirmed = TRUE;
  on_export_clicked (self);
  self->replace_confirmed = FALSE;
}

/* Export never replaces a file without asking. */
static void
ask_before_replacing (MienExportDialog *self)
{
  g_autofree char *name = g_path_get_basename (self->destination);
  g_autofree char *heading = g_strdup_printf (_("Replace “%s”?"), name);
  gboolean folder = g_file_test (self->destination, G_FILE_TEST_IS_DIR);
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (adw_message_dialog_new (
      GTK_WINDOW (self), heading,
      folder ? _("This folder already has files in it. Replacing it deletes "
                 "them.")
             : _("A file with this name already exists. Replacing it "
                 "overwrites its contents.")));
  /* No mnemonics: GTK 4.8 reads a mnemonic response as "_Replace Replace". */
  adw_message_dialog_add_responses (dialog, "cancel", _("Cancel"), "replace",
                                    _("Replace"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "replace",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect_object (dialog, "response",
                           G_CALLBACK (on_replace_response), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_export_clicked (MienExportDialog *self)
{
  if (self->cancellable)
    return;
  if (!self->replace_confirmed && destination_taken (self->destination))
    {
      ask_before_replacing (self);
      return;
    }
  export_job *job = g_new0 (export_job, 1);
  job->photo = self->photo;
  job->face = self->face;
  job->others = self->n_others > 0
                    ? g_memdup2 (self->others,
                                 sizeof (mien_face) * (gsize)self->n_others)
                    : NULL;
  job->n_others = job->others ? self->n_others : 0;
  job->self = self->self_index;
  job->target = self->target;
  job->settings = read_settings (self);
  job->format = selected_format (self);
  job->path = g_strdup (self->destination);
  job->overwrite = self->replace_confirmed;
  job->dialog = g_object_ref (self);
  job->start_us = g_get_monotonic_time ();
  if (!job->photo)
    {
      export_job_free (job);
      return;
    }
  self->cancellable = g_cancellable_new ();
  set_busy (self, TRUE);
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  set_status (self, _("Starting…"), FALSE);
  GTask *task = g_task_new (self, self->cancellable, on_export_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)export_job_free);
  g_task_run_in_thread (task, export_thread);
  g_object_unref (task);
}

static void
on_cancel_clicked (MienExportDialog *self)
{
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

/* Closing while exporting cancels and closes once the worker has cleaned
 * up, so no temporary outlives the window. */
static gboolean
on_close_request (GtkWindow *window)
{
  MienExportDialog *self = MIEN_EXPORT_DIALOG (window);
  if (!self->cancellable)
    return FALSE;
  self->close_when_done = TRUE;
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

/* ---- the class ------------------------------------------------------------ */

static void
mien_export_dialog_finalize (GObject *object)
{
  MienExportDialog *self = MIEN_EXPORT_DIALOG (object);
  mien_image_free (self->photo);
  g_free (self->others);
  g_free (self->destination);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chooser);
  G_OBJECT_CLASS (mien_export_dialog_parent_class)->finalize (object);
}

static void
mien_export_dialog_class_init (MienExportDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->finalize = mien_export_dialog_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/mien/Mien/ui/mien-export-dialog.ui");
#define CHILD(name)                                                            \
  gtk_widget_class_bind_template_child (widget_class, MienExportDialog, name)
  CHILD (cancel_button);
  CHILD (export_button);
  CHILD (choose_button);
  CHILD (format_drop);
  CHILD (scale_drop);
  CHILD (mode_drop);
  CHILD (interpolation_drop);
  CHILD (region_drop);
  CHILD (fps_spin);
  CHILD (duration_spin);
  CHILD (ping_pong_check);
  CHILD (destination_label);
  CHILD (status_label);
  CHILD (progress_bar);
  CHILD (settings_grid);
#undef CHILD
  gtk_widget_class_bind_template_callback (widget_class, on_format_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_export_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "window.close", NULL);
}

static void
mien_export_dialog_init (MienExportDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  const char *videos = g_get_user_special_dir (G_USER_DIRECTORY_VIDEOS);
  self->destination = g_build_filename (videos ? videos : g_get_home_dir (),
                                        "mien-animation.mp4", NULL);
  show_destination (self);
}

MienExportDialog *
mien_export_dialog_new (GtkWindow *parent, const mien_image *photo,
                        const mien_face *face, const mien_driving *target,
                        mien_reswarp_mode mode)
{
  g_return_val_if_fail (photo != NULL && face != NULL && target != NULL, NULL);
  MienExportDialog *self = g_object_new (MIEN_TYPE_EXPORT_DIALOG,
                                         "transient-for", parent, NULL);
  mien_error err = { 0 };
  self->photo = mien_image_copy (photo, &err);
  self->face = *face;
  self->target = *target;
  /* The drop-down lists Multiscale, then Vanilla. */
  gtk_drop_down_set_selected (self->mode_drop,
                              mode == MIEN_RESWARP_VANILLA ? 1 : 0);
  if (!self->photo)
    {
      set_status (self, err.message, TRUE);
      gtk_widget_set_sensitive (self->export_button, FALSE);
    }
  return self;
}
