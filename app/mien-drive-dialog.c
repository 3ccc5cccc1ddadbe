/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienDriveDialog: the window, tracking and export; the preview (scrub and
 * Play) is mien-drive-dialog-preview.c, the shared state
 * mien-drive-dialog-private.h. */
#include "mien-drive-dialog-private.h"

G_DEFINE_FINAL_TYPE (MienDriveDialog, mien_drive_dialog, ADW_TYPE_WINDOW)

GQuark
drive_dialog_error_quark (void)
{
  return g_quark_from_static_string ("mien-drive-dialog-error");
}

mien_face_analyzer *
mien_drive_dialog_new_analyzer (GError **error)
{
  const char *dir = mien_model_dir_find ();
  if (dir == NULL)
    {
      g_set_error (error, drive_dialog_error_quark (), 0,
                   _("The face models are missing: run scripts/setup.sh "
                     "or set MIEN_MODEL_DIR"));
      return NULL;
    }
  mien_error err = { 0 };
  mien_face_analyzer *an = mien_face_analyzer_new (dir, NULL, &err);
  if (an == NULL)
    g_set_error (error, drive_dialog_error_quark (), 0, "%s", err.message);
  return an;
}

void
drive_dialog_set_status (MienDriveDialog *self, const char *text, gboolean error)
{
  gtk_label_set_text (self->status_label, text);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
update_sensitivity (MienDriveDialog *self)
{
  gboolean busy = self->cancellable != NULL;
  gtk_widget_set_sensitive (self->export_button, self->solved && !busy);
  gtk_widget_set_sensitive (self->scrub_box, self->solved && !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->progress_bar), busy);
  gtk_button_set_label (GTK_BUTTON (self->cancel_button),
                        busy ? _("Cancel") : _("Close"));
}

/* ---- progress, from the workers ------------------------------------------- */

typedef struct progress_update {
  MienDriveDialog *dialog;
  double fraction;
  char *text, *status;
} progress_update;

static gboolean
apply_progress (gpointer data)
{
  progress_update *u = data;
  MienDriveDialog *self = u->dialog;
  if (self->disposed || self->cancellable == NULL || g_cancellable_is_cancelled (self->cancellable))
    return G_SOURCE_REMOVE;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (u->fraction, 0, 1));
  gtk_progress_bar_set_text (self->progress_bar, u->text);
  if (u->status)
    drive_dialog_set_status (self, u->status, FALSE);
  return G_SOURCE_REMOVE;
}

static void
free_update (gpointer data)
{
  progress_update *u = data;
  g_object_unref (u->dialog);
  g_free (u->text);
  g_free (u->status);
  g_free (u);
}

/* Takes text and status. */
static void
post_progress (MienDriveDialog *self, double fraction, char *text,
               char *status)
{
  progress_update *u = g_new0 (progress_update, 1);
  u->dialog = g_object_ref (self);
  u->fraction = fraction, u->text = text, u->status = status;
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, apply_progress, u,
                              free_update);
}

/* ---- tracking --------------------------------------------------------------- */

typedef struct track_job {
  MienDriveDialog *dialog; /* the task's source; alive while it runs */
  GCancellable *cancellable;
  double duration; /* of the video, 0 when unknown */
  /* results, moved into the dialog on success */
  mien_drive_track track;
  mien_drive_result result;
  mien_project project;
  preview_state preview;
} track_job;

static void
preview_state_clear (preview_state *p)
{
  mien_video_reader_free (p->reader);
  mien_image_free (p->video_frame);
  mien_drive_clip_close (&p->clip);
  mien_generator_free (p->gen);
  memset (p, 0, sizeof *p);
}

static void
track_job_free (track_job *job)
{
  mien_drive_track_clear (&job->track);
  mien_drive_result_clear (&job->result);
  mien_project_clear (&job->project);
  preview_state_clear (&job->preview);
  g_free (job);
}

static int
track_progress (void *data, int frame, double time)
{
  track_job *job = data;
  if (g_cancellable_is_cancelled (job->cancellable))
    return 1;
  double fraction = job->duration > 0 ? time / job->duration : 0.0;
  post_progress (job->dialog, fraction,
                 g_strdup_printf (_("Tracking frame %d"), frame + 1), NULL);
  return 0;
}

static void
track_thread (GTask *task, gpointer source, gpointer data,
              GCancellable *cancellable)
{
  track_job *job = data;
  MienDriveDialog *self = job->dialog;
  mien_error err = { 0 };
  GError *error = NULL;
  mien_video_reader *probe = mien_video_reader_open (self->video, 64, &err);
  if (probe == NULL)
    {
      g_task_return_new_error (task, drive_dialog_error_quark (), 0, "%s",
                               err.message);
      return;
    }
  job->duration = mien_video_reader_get_info (probe)->duration;
  mien_video_reader_free (probe);
  /* Clips carry no profile: their pixels become sRGB first (as
   * mien-render --drive does); only this task touches the photo now. */
  gsize icc_size = 0;
  const guchar *icc = self->icc ? g_bytes_get_data (self->icc, &icc_size)
                                : NULL;
  if (icc != NULL
      && mien_image_convert_to_srgb (self->photo, icc, icc_size, &err)
             != MIEN_OK)
    g_warning ("colours not converted to sRGB: %s", err.message);
  mien_face_analyzer *an = mien_drive_dialog_new_analyzer (&error);
  if (an == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  mien_drive_options dopt;
  mien_drive_options_init (&dopt);
  mien_drive_options_set_photo (&dopt, self->face.landmarks);
  mien_status st = mien_drive_track_video (an, self->video, &dopt,
                                           track_progress, job, &job->track,
                                           &err);
  mien_face_analyzer_free (an);
  if (st == MIEN_OK)
    {
      post_progress (self, 1.0, g_strdup (_("Solving…")), NULL);
      mien_generator *gen = mien_rig_new (&err);
      st = gen ? mien_drive_run_project (&job->track, gen, &dopt,
                                         &job->result, &job->project, NULL,
                                         &err)
               : err.status;
      mien_generator_free (gen);
    }
  /* The preview's own generator and clip (the export makes its own). */
  if (st == MIEN_OK)
    st = (job->preview.gen = mien_rig_new (&err)) ? MIEN_OK : err.status;
  if (st == MIEN_OK)
    st = mien_drive_clip_open (&job->preview.clip, &job->project, self->photo,
                               &self->face, &self->others_set,
                               job->preview.gen, &err);
  if (g_cancellable_is_cancelled (cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                             _("Tracking cancelled"));
  else if (st != MIEN_OK)
    g_task_return_new_error (task, drive_dialog_error_quark (), 0, "%s", err.message);
  else
    g_task_return_boolean (task, TRUE);
}


static void
on_track_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MienDriveDialog *self = MIEN_DRIVE_DIALOG (source);
  track_job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  g_clear_object (&self->cancellable);
  if (self->disposed)
    return;
  if (ok)
    {
      self->track = job->track, memset (&job->track, 0, sizeof job->track);
      self->result = job->result, memset (&job->result, 0, sizeof job->result);
      self->project = job->project;
      mien_project_init (&job->project);
      self->preview = job->preview, memset (&job->preview, 0, sizeof job->preview);
      self->solved = TRUE;
      const mien_drive_track *t = &self->track;
      g_autofree char *frames = g_strdup_printf (
          ngettext ("%d frame at %.3g fps", "%d frames at %.3g fps",
                    t->n_frames),
          t->n_frames, t->fps);
      g_autofree char *lost = g_strdup_printf (
          ngettext ("the face was lost on %d frame (held, then eased to rest)",
                    "the face was lost on %d frames (held, then eased to "
                    "rest)",
                    t->n_missing),
          t->n_missing);
      g_autofree char *line = g_strdup_printf ("%s; %s", frames, lost);
      gtk_label_set_text (self->faces_label, line);
      gtk_widget_set_visible (GTK_WIDGET (self->faces_label), TRUE);
      GtkAdjustment *adj = gtk_range_get_adjustment (GTK_RANGE (self->frame_scale));
      gtk_adjustment_configure (adj, 0, 0, MAX (0, t->n_frames - 1), 1, 10, 0);
      gtk_widget_set_visible (self->view_box, TRUE);
      gtk_widget_set_visible (self->scrub_box, TRUE);
      drive_dialog_set_status (self, _("Tracked. Scrub or play to compare, then export."),
                  FALSE);
      drive_dialog_request_preview (self, 0);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    drive_dialog_set_status (self, _("Tracking cancelled"), FALSE);
  else
    drive_dialog_set_status (self, error->message, TRUE);
  update_sensitivity (self);
  if (self->close_when_done)
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
start_tracking (MienDriveDialog *self)
{
  track_job *job = g_new0 (track_job, 1);
  job->dialog = self;
  mien_project_init (&job->project);
  self->cancellable = g_cancellable_new ();
  job->cancellable = self->cancellable;
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting…"));
  g_autofree char *name = g_path_get_basename (self->video);
  g_autofree char *text = g_strdup_printf (_("Tracking the face in “%s”…"),
                                           name);
  drive_dialog_set_status (self, text, FALSE);
  update_sensitivity (self);
  GTask *task = g_task_new (self, self->cancellable, on_track_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)track_job_free);
  g_task_run_in_thread (task, track_thread);
  g_object_unref (task);
}

/* ---- export ------------------------------------------------------------------ */

typedef struct export_job {
  MienDriveDialog *dialog;
  GCancellable *cancellable;
  char *path;
  gboolean overwrite;
  gint64 start_us;
} export_job;

static void
export_job_free (export_job *job)
{
  g_free (job->path);
  g_free (job);
}

static const char *
export_stop (void *data)
{
  export_job *job = data;
  return g_cancellable_is_cancelled (job->cancellable) ? "cancelled" : NULL;
}

static void
export_frame_done (void *data, int done, int n, double render_s,
                   double encode_s)
{
  export_job *job = data;
  double elapsed = (g_get_monotonic_time () - job->start_us) / 1e6;
  double left = done > 0 ? elapsed * (n - done) / done : 0.0;
  post_progress (job->dialog, (double)done / n,
                 g_strdup_printf (_("Frame %d of %d"), done, n),
                 done < n ? g_strdup_printf (_("About %.0f s left"), left + 0.5)
                          : g_strdup (_("Finishing…")));
}

static void
export_thread (GTask *task, gpointer source, gpointer data,
               GCancellable *cancellable)
{
  export_job *job = data;
  MienDriveDialog *self = job->dialog;
  mien_error err = { 0 };
  mien_generator *gen = mien_rig_new (&err);
  mien_status st = gen ? mien_drive_run_export (
                             &self->project, self->photo, &self->face,
                             &self->others_set, gen, self->track.n_frames,
                             job->path, job->overwrite,
                             export_stop, export_frame_done, job, NULL, &err)
                       : err.status;
  mien_generator_free (gen);
  if (st == MIEN_ERR_CANCELLED || g_cancellable_is_cancelled (cancellable))
    {
      if (st == MIEN_OK)
        {
          /* Finished as Cancel came: the clip is complete, keep it. */
          g_task_return_pointer (task, NULL, NULL);
          return;
        }
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                               _("Export cancelled; nothing was written"));
      return;
    }
  if (st != MIEN_OK)
    {
      g_task_return_new_error (task, drive_dialog_error_quark (), 0, "%s",
                               err.message);
      return;
    }
  int copied = 0;
  const char *why = NULL;
  mien_status a = mien_drive_run_audio (job->path, self->video, 0.0, 0.0,
                                        self->track.n_frames, self->track.fps,
                                        &copied, &why, &err);
  /* Without audio is not a failure: the clip is there (as mien-render
   * warns and goes on). */
  char *note = a != MIEN_OK ? g_strdup (err.message) : NULL;
  g_task_return_pointer (task, note, g_free);
}

static void
on_export_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MienDriveDialog *self = MIEN_DRIVE_DIALOG (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *note = g_task_propagate_pointer (G_TASK (result), &error);
  g_clear_object (&self->cancellable);
  self->exporting = FALSE;
  if (self->disposed)
    return;
  if (error == NULL)
    {
      g_autofree char *text = note
          ? g_strdup_printf (_("Saved to %s, without audio: %s"),
                             self->destination, note)
          : g_strdup_printf (_("Saved to %s"), self->destination);
      drive_dialog_set_status (self, text, FALSE);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    drive_dialog_set_status (self, _("Export cancelled; nothing was written"), FALSE);
  else
    drive_dialog_set_status (self, error->message, TRUE);
  update_sensitivity (self);
  if (self->close_when_done)
    gtk_window_destroy (GTK_WINDOW (self));
}

gboolean
mien_drive_dialog_export (MienDriveDialog *self, const char *path,
                          gboolean overwrite)
{
  g_return_val_if_fail (MIEN_IS_DRIVE_DIALOG (self), FALSE);
  if (!self->solved || self->cancellable != NULL)
    return FALSE;
  gtk_toggle_button_set_active (self->play_button, FALSE);
  g_free (self->destination);
  self->destination = g_strdup (path);
  export_job *job = g_new0 (export_job, 1);
  job->dialog = self;
  job->path = g_strdup (path);
  job->overwrite = overwrite;
  job->start_us = g_get_monotonic_time ();
  self->cancellable = g_cancellable_new ();
  job->cancellable = self->cancellable;
  self->exporting = TRUE;
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting…"));
  drive_dialog_set_status (self, _("Starting…"), FALSE);
  update_sensitivity (self);
  GTask *task = g_task_new (self, self->cancellable, on_export_done, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)export_job_free);
  g_task_run_in_thread (task, export_thread);
  g_object_unref (task);
  return TRUE;
}

static void
on_chooser_response (GtkNativeDialog *native, int response,
                     MienDriveDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      /* The chooser asked before replacing a file. */
      if (path)
        mien_drive_dialog_export (self, path, TRUE);
    }
  g_clear_object (&self->chooser);
}

static void
on_export_clicked (MienDriveDialog *self)
{
  if (self->chooser || !self->solved || self->cancellable)
    return;
  self->chooser = gtk_file_chooser_native_new (
      _("Export Driven Animation"), GTK_WINDOW (self),
      GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
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

/* ---- cancel and close ---------------------------------------------------------- */

static void
on_cancel_clicked (MienDriveDialog *self)
{
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  else
    gtk_window_close (GTK_WINDOW (self));
}

/* Closing while busy cancels and closes once the worker has cleaned up, so
 * no temporary outlives the window. */
static gboolean
on_close_request (GtkWindow *window)
{
  MienDriveDialog *self = MIEN_DRIVE_DIALOG (window);
  g_clear_handle_id (&self->play_source, g_source_remove);
  if (!self->cancellable)
    return FALSE;
  self->close_when_done = TRUE;
  g_cancellable_cancel (self->cancellable);
  return TRUE;
}

/* ---- the class --------------------------------------------------------------- */

static void
mien_drive_dialog_dispose (GObject *object)
{
  MienDriveDialog *self = MIEN_DRIVE_DIALOG (object);
  self->disposed = TRUE;
  g_clear_handle_id (&self->play_source, g_source_remove);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (mien_drive_dialog_parent_class)->dispose (object);
}

static void
mien_drive_dialog_finalize (GObject *object)
{
  MienDriveDialog *self = MIEN_DRIVE_DIALOG (object);
  preview_state_clear (&self->preview);
  mien_project_clear (&self->project);
  mien_drive_result_clear (&self->result);
  mien_drive_track_clear (&self->track);
  mien_image_free (self->photo);
  g_clear_pointer (&self->icc, g_bytes_unref);
  g_free (self->video);
  g_free (self->others);
  g_free (self->destination);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->chooser);
  G_OBJECT_CLASS (mien_drive_dialog_parent_class)->finalize (object);
}

static void
mien_drive_dialog_class_init (MienDriveDialogClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = mien_drive_dialog_dispose;
  G_OBJECT_CLASS (klass)->finalize = mien_drive_dialog_finalize;
  GTK_WINDOW_CLASS (klass)->close_request = on_close_request;
  gtk_widget_class_add_binding_action (GTK_WIDGET_CLASS (klass),
                                       GDK_KEY_Escape, 0, "window.close",
                                       NULL);
}

static GtkWidget *
labelled_picture (const char *title, GtkPicture **picture)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *label = gtk_label_new (title);
  gtk_widget_add_css_class (label, "heading");
  *picture = GTK_PICTURE (gtk_picture_new ());
  gtk_picture_set_can_shrink (*picture, TRUE);
  gtk_widget_set_size_request (GTK_WIDGET (*picture), 320, 320);
  gtk_widget_set_hexpand (GTK_WIDGET (*picture), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (*picture), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (*picture),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
  gtk_box_append (GTK_BOX (box), label);
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (*picture));
  return box;
}

static void
mien_drive_dialog_init (MienDriveDialog *self)
{
  mien_project_init (&self->project);
  gtk_window_set_title (GTK_WINDOW (self), _("Drive with Video"));
  gtk_window_set_modal (GTK_WINDOW (self), TRUE);
  gtk_window_set_default_size (GTK_WINDOW (self), 760, 560);

  GtkWidget *content = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *header = adw_header_bar_new ();
  gtk_box_append (GTK_BOX (content), header);
  GtkWidget *body = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_margin_start (body, 18);
  gtk_widget_set_margin_end (body, 18);
  gtk_widget_set_margin_top (body, 12);
  gtk_widget_set_margin_bottom (body, 18);
  gtk_widget_set_vexpand (body, TRUE);
  gtk_box_append (GTK_BOX (content), body);

  self->view_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_box_set_homogeneous (GTK_BOX (self->view_box), TRUE);
  gtk_box_append (GTK_BOX (self->view_box),
                  labelled_picture (_("Driving video"), &self->video_picture));
  gtk_box_append (GTK_BOX (self->view_box),
                  labelled_picture (_("Result"), &self->result_picture));
  gtk_widget_set_visible (self->view_box, FALSE);
  gtk_box_append (GTK_BOX (body), self->view_box);

  self->scrub_box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->play_button = GTK_TOGGLE_BUTTON (gtk_toggle_button_new ());
  gtk_button_set_icon_name (GTK_BUTTON (self->play_button),
                            "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->play_button), _("Play"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->play_button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Play"),
                                  -1);
  g_signal_connect (self->play_button, "toggled", G_CALLBACK (drive_dialog_on_play_toggled),
                    self);
  self->frame_scale = GTK_SCALE (gtk_scale_new_with_range (
      GTK_ORIENTATION_HORIZONTAL, 0, 1, 1));
  gtk_scale_set_digits (self->frame_scale, 0);
  gtk_scale_set_draw_value (self->frame_scale, TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self->frame_scale), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->frame_scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Frame"),
                                  -1);
  g_signal_connect (self->frame_scale, "value-changed",
                    G_CALLBACK (drive_dialog_on_frame_changed), self);
  gtk_box_append (GTK_BOX (self->scrub_box), GTK_WIDGET (self->play_button));
  gtk_box_append (GTK_BOX (self->scrub_box), GTK_WIDGET (self->frame_scale));
  gtk_widget_set_visible (self->scrub_box, FALSE);
  gtk_box_append (GTK_BOX (body), self->scrub_box);

  self->faces_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->faces_label, 0.0f);
  gtk_label_set_wrap (self->faces_label, TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->faces_label), FALSE);
  gtk_box_append (GTK_BOX (body), GTK_WIDGET (self->faces_label));

  self->progress_bar = GTK_PROGRESS_BAR (gtk_progress_bar_new ());
  gtk_progress_bar_set_show_text (self->progress_bar, TRUE);
  gtk_box_append (GTK_BOX (body), GTK_WIDGET (self->progress_bar));
  self->status_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (self->status_label, 0.0f);
  gtk_label_set_wrap (self->status_label, TRUE);
  gtk_label_set_selectable (self->status_label, FALSE);
  gtk_box_append (GTK_BOX (body), GTK_WIDGET (self->status_label));

  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_set_valign (buttons, GTK_ALIGN_END);
  gtk_widget_set_vexpand (buttons, TRUE);
  self->cancel_button = gtk_button_new_with_label (_("Cancel"));
  g_signal_connect_swapped (self->cancel_button, "clicked",
                            G_CALLBACK (on_cancel_clicked), self);
  self->export_button = gtk_button_new_with_label (_("Export…"));
  gtk_widget_add_css_class (self->export_button, "suggested-action");
  g_signal_connect_swapped (self->export_button, "clicked",
                            G_CALLBACK (on_export_clicked), self);
  gtk_box_append (GTK_BOX (buttons), self->cancel_button);
  gtk_box_append (GTK_BOX (buttons), self->export_button);
  gtk_box_append (GTK_BOX (body), buttons);
  adw_window_set_content (ADW_WINDOW (self), content);
  update_sensitivity (self);
}

void
mien_drive_dialog_set_other_faces (MienDriveDialog *self,
                                   const mien_face *faces, int n_faces,
                                   int self_index)
{
  g_return_if_fail (MIEN_IS_DRIVE_DIALOG (self));
  g_free (self->others);
  self->others = faces && n_faces > 1
                     ? g_memdup2 (faces, sizeof (mien_face) * (gsize)n_faces)
                     : NULL;
  self->others_set = (mien_drive_faces){ self->others,
                                         self->others ? n_faces : 0,
                                         self_index };
}

MienDriveDialog *
mien_drive_dialog_new (GtkWindow *parent, const mien_image *photo,
                       const unsigned char *icc, gsize icc_size,
                       const mien_face *face, const char *video)
{
  g_return_val_if_fail (photo != NULL && face != NULL && video != NULL, NULL);
  MienDriveDialog *self = g_object_new (MIEN_TYPE_DRIVE_DIALOG,
                                        "transient-for", parent, NULL);
  mien_error err = { 0 };
  self->photo = mien_image_copy (photo, &err);
  self->icc = icc && icc_size ? g_bytes_new (icc, icc_size) : NULL;
  self->face = *face;
  self->video = g_strdup (video);
  /* NAME-driven.mp4 in the Videos folder. */
  const char *videos = g_get_user_special_dir (G_USER_DIRECTORY_VIDEOS);
  g_autofree char *base = g_path_get_basename (video);
  char *dot = strrchr (base, '.');
  if (dot)
    *dot = '\0';
  g_autofree char *name = g_strconcat (base, "-driven.mp4", NULL);
  self->destination = g_build_filename (videos ? videos : g_get_home_dir (),
                                        name, NULL);
  if (!self->photo)
    {
      drive_dialog_set_status (self, err.message, TRUE);
      return self;
    }
  start_tracking (self);
  return self;
}
