/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Drive with Video or Photo… (issue #23): a driving photo sets the sliders
 * to its expression and head turn (tracked and solved against the animated
 * face on a
 * worker thread, as mien-render PHOTO --drive PHOTO2 does, one undo step);
 * a driving video opens MienDriveDialog. */
#include "mien-window-private.h"

#include <glib/gi18n.h>

#include "drive/mien-drive.h"
#include "io/mien-image-io.h"
#include "mien-drive-dialog.h"
#include "mien-drive-run.h"
#include "mien-rig.h"

typedef struct photo_job {
  char *path;
  mien_point rest[MIEN_N_LANDMARKS]; /* the animated face's landmarks */
  mien_driving c;                    /* the result */
  gboolean no_face;
} photo_job;

static void
photo_job_free (photo_job *job)
{
  g_free (job->path);
  g_free (job);
}

static GQuark
drive_quark (void)
{
  return g_quark_from_static_string ("mien-window-drive");
}

static void
photo_thread (GTask *task, gpointer source, gpointer data,
              GCancellable *cancellable)
{
  photo_job *job = data;
  mien_error err = { 0 };
  GError *error = NULL;
  mien_image *driver = mien_image_load (job->path, &err);
  if (driver == NULL)
    {
      g_task_return_new_error (task, drive_quark (), 1, "%s", err.message);
      return;
    }
  mien_face_analyzer *an = mien_drive_dialog_new_analyzer (&error);
  mien_generator *gen = an ? mien_rig_new (&err) : NULL;
  if (an == NULL || gen == NULL)
    {
      mien_face_analyzer_free (an);
      mien_image_free (driver);
      if (error)
        g_task_return_error (task, error);
      else
        g_task_return_new_error (task, drive_quark (), 1, "%s", err.message);
      return;
    }
  mien_drive_options dopt;
  mien_drive_options_init (&dopt);
  mien_drive_options_set_photo (&dopt, job->rest);
  mien_drive_track track = { 0 };
  mien_drive_result result = { 0 };
  mien_status st = mien_drive_run_photo (an, gen, driver, &dopt, job->rest,
                                         &track, &result, &job->c, &err);
  /* The tracker fails with MIEN_ERR_FORMAT when the photo shows no face. */
  job->no_face = st != MIEN_OK && track.n_frames == 0
                 && err.status == MIEN_ERR_FORMAT;
  mien_drive_result_clear (&result);
  mien_drive_track_clear (&track);
  mien_generator_free (gen);
  mien_face_analyzer_free (an);
  mien_image_free (driver);
  if (st != MIEN_OK)
    g_task_return_new_error (task, drive_quark (), job->no_face ? 2 : 1, "%s",
                             err.message);
  else
    g_task_return_boolean (task, TRUE);
}

static void
on_photo_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MienWindow *self = MIEN_WINDOW (source);
  MienSession *session = data; /* the session the photo was driven for */
  photo_job *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  g_autofree char *name = g_path_get_basename (job->path);
  if (!ok)
    {
      g_autofree char *text
          = error->code == 2
                ? g_strdup_printf (_("No face found in “%s”; the sliders are "
                                     "unchanged"), name)
                : g_strdup_printf (_("Could not drive with “%s”: %s"), name,
                                   error->message);
      mien_window_show_message (self, text);
    }
  else if (session == self->session)
    {
      /* The driving photo sets what the solve measures: brows, eyes,
       * mouth and the head's turn. Gaze is not driven and stays as it
       * is. */
      mien_driving now;
      mien_slider_panel_get_driving (self->sliders, &now);
      for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
        if (mien_au_channels[k].region == MIEN_AU_REGION_GAZE)
          job->c.values[k] = now.values[k];
      /* One undo step: the change settles like one slider drag. */
      mien_slider_panel_set_driving (self->sliders, &job->c);
      g_autofree char *text = g_strdup_printf (_("The expression of “%s”"),
                                               name);
      mien_window_show_message (self, text);
    }
  mien_session_unref (session);
}

static void
drive_with_photo (MienWindow *self, const char *path)
{
  int face = mien_session_get_face_index (self->session);
  photo_job *job = g_new0 (photo_job, 1);
  job->path = g_strdup (path);
  memcpy (job->rest, mien_session_get_face (self->session, face)->landmarks,
          sizeof job->rest);
  GTask *task = g_task_new (self, NULL, on_photo_done,
                            mien_session_ref (self->session));
  g_task_set_task_data (task, job, (GDestroyNotify)photo_job_free);
  g_task_run_in_thread (task, photo_thread);
  g_object_unref (task);
}

void
mien_window_drive_file (MienWindow *self, const char *path)
{
  g_return_if_fail (MIEN_IS_WINDOW (self));
  int face = self->session ? mien_session_get_face_index (self->session) : -1;
  if (face < 0)
    {
      mien_window_show_message (self, _("Open a photo with a face to drive "
                                        "first"));
      return;
    }
  if (mien_drive_is_photo_path (path))
    {
      drive_with_photo (self, path);
      return;
    }
  const mien_image_extras *extras = mien_session_get_extras (self->session);
  MienDriveDialog *dialog = mien_drive_dialog_new (
      GTK_WINDOW (self), mien_session_get_photo (self->session),
      extras ? extras->icc : NULL, extras ? extras->icc_size : 0,
      mien_session_get_face (self->session, face), path);
  int n_faces = mien_session_get_n_faces (self->session);
  if (n_faces > 1)
    {
      g_autofree mien_face *all = g_new (mien_face, n_faces);
      for (int i = 0; i < n_faces; i++)
        all[i] = *mien_session_get_face (self->session, i);
      mien_drive_dialog_set_other_faces (dialog, all, n_faces, face);
    }
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_chooser_response (GtkNativeDialog *native, int response, MienWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path)
        mien_window_drive_file (self, path);
    }
  g_object_unref (native);
}

void
mien_window_drive_action (GtkWidget *widget, const char *action,
                          GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (!self->session || mien_session_get_face_index (self->session) < 0)
    return;
  /* GTK 4.8 has no GtkFileDialog: the native chooser, as Open uses. */
  GtkFileChooserNative *chooser = gtk_file_chooser_native_new (
      _("Drive with Video or Photo"), GTK_WINDOW (self),
      GTK_FILE_CHOOSER_ACTION_OPEN, _("_Drive"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  GtkFileFilter *both = gtk_file_filter_new ();
  gtk_file_filter_set_name (both, _("Videos and photos"));
  gtk_file_filter_add_mime_type (both, "video/*");
  gtk_file_filter_add_mime_type (both, "image/*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), both);
  GtkFileFilter *videos = gtk_file_filter_new ();
  gtk_file_filter_set_name (videos, _("Videos"));
  gtk_file_filter_add_mime_type (videos, "video/*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), videos);
  GtkFileFilter *photos = gtk_file_filter_new ();
  gtk_file_filter_set_name (photos, _("Photos"));
  gtk_file_filter_add_mime_type (photos, "image/*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), photos);
  gtk_file_chooser_set_filter (GTK_FILE_CHOOSER (chooser), both);
  g_object_unref (both);
  g_object_unref (videos);
  g_object_unref (photos);
  g_signal_connect (chooser, "response", G_CALLBACK (on_chooser_response),
                    self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
