/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keeping the user's work: a project file (.mien) holds the photo (relative
 * to the project when possible), the face, the sliders and the mode; it is
 * written atomically. */
#include "mien-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "io/mien-project.h"

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
  project.settings.mode = mien_window_current_mode (self);
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
          g_autofree char *with_suffix = g_str_has_suffix (path, ".mien")
              ? g_strdup (path) : g_strconcat (path, ".mien", NULL);
          save_project_to (self, with_suffix);
        }
    }
  g_object_unref (dialog);
}

void
mien_window_save_project_action (GtkWidget *widget, const char *action,
                                 GVariant *param)
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
  g_return_if_fail (MIEN_IS_WINDOW (self));
  g_return_if_fail (path != NULL);
  if (self->session != NULL)
    save_project_to (self, path);
}
