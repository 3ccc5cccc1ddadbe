/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Save Image (Ctrl+Shift+S) and Copy Image (Ctrl+C): the current frame, the
 * whole photo at full resolution with the animated face in it, rendered the
 * way the CLI's mien-render writes a still (mien_session_render_full) and
 * written by the engine's mien_image_save_with, which picks the format from
 * the extension and keeps the photo's alpha, ICC profile, EXIF (JPEG and
 * PNG, with the orientation normalized: the pixels are upright) and bit
 * depth (16-bit PNG and TIFF) where the format can. JPEG and WebP are
 * written at the jpeg-quality preference.
 *
 * The suggested name is NAME-EXPRESSION.ext beside the photo. Replacing a
 * file asks first; replacing the photo that is open asks in stronger words,
 * even when the file chooser has already asked about replacing a file. */
#include "mien-window-private.h"

#include <glib/gi18n.h>
#include <string.h>

#include "io/mien-image-io.h"

/* The expression for file names: the preset's engine name ("happy") while
 * the sliders show it untouched, "neutral" for a face at rest, else
 * "edited". Not translated: the CLI writes the same names. */
const char *
mien_window_expression_name (MienWindow *self)
{
  int preset = mien_slider_panel_get_active_preset (self->sliders);
  if (preset >= 0)
    return mien_presets[preset].name;
  mien_driving c;
  mien_slider_panel_get_driving (self->sliders, &c);
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    if (c.values[ch] != 0.0f)
      return "edited";
  return "neutral";
}

/* NAME-EXPRESSION.ext in dir (the photo's folder when dir is NULL). */
char *
mien_window_suggest_path (MienWindow *self, const char *dir, const char *ext)
{
  g_autofree char *base = g_file_get_basename (self->photo_file);
  char *dot = strrchr (base, '.');
  if (dot != NULL && dot != base)
    *dot = '\0';
  g_autofree char *name = g_strdup_printf ("%s-%s%s", base,
                                           mien_window_expression_name (self),
                                           ext);
  if (dir != NULL)
    return g_build_filename (dir, name, NULL);
  g_autoptr (GFile) parent = g_file_get_parent (self->photo_file);
  g_autofree char *photo_dir = parent ? g_file_get_path (parent) : NULL;
  return g_build_filename (photo_dir ? photo_dir : g_get_home_dir (), name,
                           NULL);
}

/* The photo's own format when Mien writes it, else PNG. */
static const char *
image_extension (MienWindow *self)
{
  g_autofree char *base = g_file_get_basename (self->photo_file);
  const char *dot = strrchr (base, '.');
  static const char *const kept[] = { ".jpg", ".jpeg", ".png", ".webp",
                                      ".tif", ".tiff" };
  for (guint i = 0; dot != NULL && i < G_N_ELEMENTS (kept); i++)
    if (g_ascii_strcasecmp (dot, kept[i]) == 0
        && mien_image_save_supported (base))
      return kept[i];
  return ".png";
}

static gboolean
has_face (MienWindow *self)
{
  return self->session != NULL
         && mien_session_get_face_index (self->session) >= 0;
}

/* ---- rendering on a worker ------------------------------------------------ */

typedef struct {
  MienSession *session;
  mien_driving c;
  mien_reswarp_mode mode;
  char *path; /* NULL: copy to the clipboard */
  int quality; /* JPEG and WebP, 1–100 (the jpeg-quality preference) */
  gboolean lost_something; /* the format could not keep alpha or profile */
} ImageJob;

static void
image_job_free (ImageJob *job)
{
  mien_session_unref (job->session);
  g_free (job->path);
  g_free (job);
}

static ImageJob *
image_job_new (MienWindow *self, const char *path)
{
  ImageJob *job = g_new0 (ImageJob, 1);
  job->session = mien_session_ref (self->session);
  mien_slider_panel_get_driving (self->sliders, &job->c);
  job->mode = mien_window_current_mode (self);
  job->path = g_strdup (path);
  job->quality = self->settings
      ? g_settings_get_int (self->settings, "jpeg-quality")
      : MIEN_IMAGE_DEFAULT_QUALITY;
  return job;
}

static void
save_in_thread (GTask *task, gpointer source, gpointer task_data,
                GCancellable *cancellable)
{
  ImageJob *job = task_data;
  GError *error = NULL;
  mien_image *frame = mien_session_render_full (job->session, job->mode,
                                                &job->c, &error);
  if (frame == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* With the photo's alpha, ICC profile, EXIF and bit depth, as
   * mien-render writes a still; JPEG and WebP at the preference's
   * quality. */
  mien_error err = { 0 };
  const char *lost = NULL;
  mien_image_save_options options = { .quality = job->quality };
  mien_status status = mien_image_save_with (
      frame, mien_session_get_extras (job->session), job->path, &options,
      &lost, &err);
  mien_image_free (frame);
  if (status == MIEN_OK && lost != NULL)
    {
      g_message ("saving %s: %s", job->path, lost);
      job->lost_something = TRUE;
    }
  if (status != MIEN_OK)
    {
      g_autofree char *name = g_path_get_basename (job->path);
      g_warning ("saving %s: %s", job->path, err.message);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("“%s” could not be saved. Check that the "
                                 "folder exists and can be written."),
                               name);
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_image_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (source);
  ImageJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      mien_window_show_message (self, error->message);
      return;
    }
  mien_window_mark_saved (self, &job->c);
  g_autofree char *name = g_path_get_basename (job->path);
  g_autofree char *msg = job->lost_something
      ? g_strdup_printf (_("Saved the image as %s. This format cannot keep "
                           "everything the photo has (such as "
                           "transparency): PNG or TIFF can."), name)
      : g_strdup_printf (_("Saved the image as %s"), name);
  mien_window_show_message (self, msg);
}

static void
write_image (MienWindow *self, const char *path)
{
  GTask *task = g_task_new (self, NULL, on_image_saved, NULL);
  g_task_set_task_data (task, image_job_new (self, path),
                        (GDestroyNotify)image_job_free);
  g_task_run_in_thread (task, save_in_thread);
  g_object_unref (task);
}

/* ---- asking before replacing ----------------------------------------------- */

static void
on_replace_response (AdwMessageDialog *dialog, const char *response,
                     MienWindow *self)
{
  g_autofree char *path = g_steal_pointer (&self->replace_path);
  if (g_str_equal (response, "replace") && path != NULL && has_face (self))
    write_image (self, path);
}

/* Asks before replacing a file; the photo that is open always asks. */
static void
save_image_checked (MienWindow *self, const char *path,
                    gboolean chooser_asked)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  gboolean is_photo = g_file_equal (file, self->photo_file);
  if (!is_photo && (chooser_asked || !g_file_test (path, G_FILE_TEST_EXISTS)))
    {
      write_image (self, path);
      return;
    }
  g_autofree char *name = g_path_get_basename (path);
  g_autofree char *heading = is_photo
      ? g_strdup (_("Replace the Original Photo?"))
      : g_strdup_printf (_("Replace “%s”?"), name);
  g_autofree char *body = is_photo
      ? g_strdup_printf (_("“%s” is the photo you opened. Saving over it "
                           "loses the original for good."), name)
      : g_strdup (_("A file with this name already exists. Replacing it "
                    "overwrites its contents."));
  AdwMessageDialog *dialog = ADW_MESSAGE_DIALOG (
      adw_message_dialog_new (GTK_WINDOW (self), heading, body));
  /* No mnemonics: GTK 4.8 reads a mnemonic response as "_Replace Replace". */
  adw_message_dialog_add_responses (dialog, "cancel", _("Cancel"), "replace",
                                    _("Replace"), NULL);
  adw_message_dialog_set_response_appearance (dialog, "replace",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (dialog, "cancel");
  adw_message_dialog_set_close_response (dialog, "cancel");
  g_free (self->replace_path);
  self->replace_path = g_strdup (path);
  g_signal_connect (dialog, "response", G_CALLBACK (on_replace_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* Scripting and tests: save to path, asking before replacing a file. */
void
mien_window_save_image (MienWindow *self, const char *path)
{
  g_return_if_fail (MIEN_IS_WINDOW (self));
  g_return_if_fail (path != NULL);
  if (!has_face (self))
    return;
  if (!mien_image_save_supported (path))
    {
      mien_window_show_message (self, _("Mien saves images as PNG, JPEG, "
                                        "WebP or TIFF: name the file .png, "
                                        ".jpg, .webp or .tif"));
      return;
    }
  save_image_checked (self, path, FALSE);
}

static void
on_save_image_response (GtkNativeDialog *dialog, int response,
                        MienWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path != NULL && has_face (self))
        {
          /* A name without a format Mien writes becomes a PNG. */
          g_autofree char *with_ext = mien_image_save_supported (path)
              ? g_strdup (path) : g_strconcat (path, ".png", NULL);
          /* GTK's chooser asked about replacing the file it returned; a
           * name Mien extended was not asked about. */
          save_image_checked (self, with_ext, g_str_equal (with_ext, path));
        }
    }
  g_object_unref (dialog);
}

void
mien_window_save_image_action (GtkWidget *widget, const char *action,
                               GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (!has_face (self))
    return;
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
      _("Save Image"), GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_SAVE,
      _("_Save"), _("_Cancel"));
  g_autofree char *path = mien_window_suggest_path (self, NULL,
                                                    image_extension (self));
  g_autoptr (GFile) suggested = g_file_new_for_path (path);
  g_autoptr (GFile) folder = g_file_get_parent (suggested);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (dialog), folder, NULL);
  g_autofree char *name = g_file_get_basename (suggested);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dialog), name);
  g_signal_connect (dialog, "response", G_CALLBACK (on_save_image_response),
                    self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

/* ---- Copy Image ------------------------------------------------------------ */

static void
copy_in_thread (GTask *task, gpointer source, gpointer task_data,
                GCancellable *cancellable)
{
  ImageJob *job = task_data;
  GError *error = NULL;
  mien_image *frame = mien_session_render_full (job->session, job->mode,
                                                &job->c, &error);
  if (frame == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  gsize stride = (gsize)frame->width * 3;
  guchar *pixels = g_try_malloc (stride * frame->height);
  if (pixels == NULL)
    {
      mien_image_free (frame);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "%s",
                               _("Not enough memory to copy the image"));
      return;
    }
  mien_image_to_rgb8 (frame, pixels, (int)stride);
  g_autoptr (GBytes) bytes = g_bytes_new_take (pixels, stride * frame->height);
  GdkTexture *texture = gdk_memory_texture_new (frame->width, frame->height,
                                                GDK_MEMORY_R8G8B8, bytes,
                                                stride);
  mien_image_free (frame);
  g_task_return_pointer (task, texture, g_object_unref);
}

static void
on_image_copied (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (source);
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkTexture) texture = g_task_propagate_pointer (G_TASK (result),
                                                             &error);
  if (texture == NULL)
    {
      mien_window_show_message (self, error->message);
      return;
    }
  gdk_clipboard_set_texture (gtk_widget_get_clipboard (GTK_WIDGET (self)),
                             texture);
  mien_window_show_message (self, _("Copied the image"));
}

void
mien_window_copy_image_action (GtkWidget *widget, const char *action,
                               GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (!has_face (self))
    return;
  GTask *task = g_task_new (self, NULL, on_image_copied, NULL);
  g_task_set_task_data (task, image_job_new (self, NULL),
                        (GDestroyNotify)image_job_free);
  g_task_run_in_thread (task, copy_in_thread);
  g_object_unref (task);
}
