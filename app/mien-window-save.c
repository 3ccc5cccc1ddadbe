/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Keeping the user's work. A project file (.mien) holds the photo (relative
 * to the project when possible), the face, the sliders and the mode; it is
 * written atomically. Closing the window, or opening another photo, with
 * slider work that is neither in a project nor in a saved image asks
 * Save / Discard / Cancel first. */
#include "mien-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "io/mien-project.h"

/* ---- what is saved ----------------------------------------------------------- */

void
mien_window_mark_saved (MienWindow *self, const mien_driving *c)
{
  if (c != NULL)
    self->saved = *c;
  else
    mien_slider_panel_get_driving (self->sliders, &self->saved);
}

gboolean
mien_window_has_unsaved_work (MienWindow *self)
{
  g_return_val_if_fail (MIEN_IS_WINDOW (self), FALSE);
  if (self->session == NULL || mien_session_get_face_index (self->session) < 0)
    return FALSE;
  mien_driving now;
  mien_slider_panel_get_driving (self->sliders, &now);
  return memcmp (now.values, self->saved.values, sizeof now.values) != 0;
}

/* ---- projects ---------------------------------------------------------------- */

static gboolean
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
  g_autofree char *name = g_path_get_basename (path);
  if (status != MIEN_OK)
    {
      mien_project_clear (&project);
      g_warning ("saving the project %s: %s", path, err.message);
      g_autofree char *msg = g_strdup_printf (
          _("The project “%s” could not be saved. Check that the folder "
            "exists and can be written."), name);
      mien_window_show_message (self, msg);
      return FALSE;
    }
  mien_window_mark_saved (self, &project.target.aus);
  mien_project_clear (&project);
  g_free (self->project_path);
  self->project_path = g_strdup (path);
  g_autofree char *msg = g_strdup_printf (_("Saved the project as %s"), name);
  mien_window_show_message (self, msg);
  return TRUE;
}

static void run_pending (MienWindow *self);
static void drop_pending (MienWindow *self);

static void
on_save_response (GtkNativeDialog *dialog, int response, MienWindow *self)
{
  gboolean saved = FALSE;
  if (response == GTK_RESPONSE_ACCEPT && self->session != NULL)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path != NULL)
        {
          g_autofree char *with_suffix = g_str_has_suffix (path, ".mien")
              ? g_strdup (path) : g_strconcat (path, ".mien", NULL);
          saved = save_project_to (self, with_suffix);
        }
    }
  g_object_unref (dialog);
  /* Saving on the way to closing or opening another photo: go on once the
   * work is safe, stay otherwise. */
  if (saved)
    run_pending (self);
  else
    drop_pending (self);
}

static void
choose_project_file (MienWindow *self)
{
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

void
mien_window_save_project_action (GtkWidget *widget, const char *action,
                                 GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (self->session != NULL)
    choose_project_file (self);
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

/* ---- asking before losing work ------------------------------------------------ */

static void
drop_pending (MienWindow *self)
{
  self->pending = MIEN_WINDOW_PENDING_NONE;
  g_clear_object (&self->pending_file);
}

static void
run_pending (MienWindow *self)
{
  MienWindowPending pending = self->pending;
  g_autoptr (GFile) file = g_steal_pointer (&self->pending_file);
  self->pending = MIEN_WINDOW_PENDING_NONE;
  if (pending == MIEN_WINDOW_PENDING_CLOSE)
    {
      self->close_confirmed = TRUE;
      gtk_window_close (GTK_WINDOW (self));
    }
  else if (pending == MIEN_WINDOW_PENDING_OPEN && file != NULL)
    mien_window_load_file (self, file);
}

static void
on_unsaved_response (AdwMessageDialog *dialog, const char *response,
                     MienWindow *self)
{
  /* The dialog is destroyed after this handler returns, and a destroyed
   * window lets go of its transient parent (gtk_window_set_transient_for
   * disconnects from it). Closing the window below can finalize it first:
   * the dialog then disconnected from a freed window ("instance with
   * invalid (NULL) class pointer", and now and then a segmentation fault as
   * the app quit after "Save" in ui-save-work). So it lets go now. */
  gtk_window_set_transient_for (GTK_WINDOW (dialog), NULL);
  if (g_str_equal (response, "discard"))
    run_pending (self);
  else if (g_str_equal (response, "save"))
    {
      if (self->project_path != NULL)
        {
          g_autofree char *path = g_strdup (self->project_path);
          if (save_project_to (self, path))
            run_pending (self);
          else
            drop_pending (self);
        }
      else
        choose_project_file (self);
    }
  else
    drop_pending (self);
}

void
mien_window_ask_about_unsaved_work (MienWindow *self,
                                    MienWindowPending pending, GFile *file)
{
  if (self->pending != MIEN_WINDOW_PENDING_NONE)
    return; /* already asking */
  self->pending = pending;
  g_set_object (&self->pending_file, file);
  g_autofree char *name = g_file_get_basename (self->photo_file);
  g_autofree char *body = g_strdup_printf (
      _("The expression on “%s” has not been saved. Save it as a project to "
        "come back to it later."), name);
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
      adw_message_dialog_new (GTK_WINDOW (self), _("Save Changes?"), body));
  /* No mnemonics: GTK 4.8 reads a mnemonic response as "_Save Save". */
  adw_message_dialog_add_responses (dialog, "cancel", _("Cancel"), "discard",
                                    _("Discard"), "save", _("Save"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (dialog, "save",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (dialog, "save");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_signal_connect (dialog, "response", G_CALLBACK (on_unsaved_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}
