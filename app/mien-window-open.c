/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Opening photos and projects: the file dialog, drag and drop, the command
 * line, recent files and D-Bus all end in mien_window_open_file, which builds
 * a MienSession on a worker thread: decode, find the faces, prepare the
 * largest one. A photo that cannot be read leaves the current one in place
 * and says why; a photo without a face is shown, with a message, and the
 * sliders wait for one. Clicking another face in the photo prepares that one
 * instead. */
#include "mien-window-private.h"

#include <glib/gi18n.h>

#include "io/mien-project.h"

/* What the loader thread needs and hands back: for a project file (.mien)
 * the expression and mode to restore as well as the session. */
typedef struct {
  GFile *file;
  char *generator; /* the ATW weights file of the preferences, or NULL */
  MienSession *session;
  gboolean from_project;
  mien_driving target;
  mien_reswarp_mode mode;
  char *photo_path;
} LoadJob;

static void
load_job_free (LoadJob *job)
{
  g_clear_object (&job->file);
  g_free (job->generator);
  g_clear_pointer (&job->session, mien_session_unref);
  g_free (job->photo_path);
  g_free (job);
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
  LoadJob *job = task_data;
  g_autofree char *path = g_file_get_path (job->file);
  if (path == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                               _("Only local files can be opened"));
      return;
    }
  mien_project project;
  mien_project_init (&project);
  if (is_project_path (path))
    {
      mien_error err = { 0 };
      if (mien_project_load (path, &project, &err) != MIEN_OK)
        {
          mien_project_clear (&project);
          g_warning ("opening the project %s: %s", path, err.message);
          g_autofree char *name = g_path_get_basename (path);
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                                   _("“%s” is not a Mien project, or it is "
                                     "damaged."), name);
          return;
        }
      job->from_project = TRUE;
      mien_expression_spec_to_driving (&project.target, &job->target);
      job->mode = project.settings.mode;
      job->photo_path = g_strdup (project.photo);
    }
  else
    job->photo_path = g_strdup (path);
  GError *error = NULL;
  job->session = mien_session_new_from_file (job->photo_path, job->generator,
                                             &error);
  if (job->session != NULL && job->from_project && project.face >= 0
      && project.face < mien_session_get_n_faces (job->session)
      && project.face != mien_session_get_face_index (job->session))
    mien_session_select_face (job->session, project.face, &error);
  /* "Look at the camera" is this photo's gaze (issue #25): the spec's
   * preset alone does not know it, the session's iris fit does. */
  if (job->session != NULL && error == NULL && job->from_project
      && project.target.preset == MIEN_PRESET_LOOK_AT_CAMERA)
    {
      float h, v;
      if (mien_session_get_camera_gaze (job->session, &h, &v) > 0)
        {
          float k = project.target.intensity;
          float *gh = &job->target.values[MIEN_GAZE_H];
          float *gv = &job->target.values[MIEN_GAZE_V];
          *gh = CLAMP (*gh + h * k, -1.0f, 1.0f);
          *gv = CLAMP (*gv + v * k, -1.0f, 1.0f);
        }
    }
  mien_project_clear (&project);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static gboolean
keep_expression (MienWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self),
                                                "keep-expression");
  g_autoptr (GVariant) state = g_action_get_state (action);
  return g_variant_get_boolean (state);
}

/* The faces as outlines on the preview (shown while the pointer is over
 * it), the animated one highlighted. */
static void
show_face_outlines (MienWindow *self)
{
  int n = mien_session_get_n_faces (self->session);
  g_autofree MienPreviewFace *outlines = g_new0 (MienPreviewFace, MAX (n, 1));
  for (int i = 0; i < n; i++)
    {
      const mien_face *f = mien_session_get_face (self->session, i);
      outlines[i] = (MienPreviewFace){ f->box.x, f->box.y, f->box.width,
                                       f->box.height, f->roll };
    }
  mien_preview_set_faces (self->preview, outlines, n,
                          mien_session_get_face_index (self->session));
}

/* "Look at the camera" for the face shown: its irises were fitted in the
 * photo when the face was selected, on the loader's thread. */
static void
update_camera_gaze (MienWindow *self)
{
  float h = 0.0f, v = 0.0f;
  int found = mien_session_get_camera_gaze (self->session, &h, &v);
  mien_slider_panel_set_camera_gaze (self->sliders, found > 0, h, v);
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
  show_face_outlines (self);
  update_camera_gaze (self);
  GAction *again = g_action_map_lookup_action (G_ACTION_MAP (self),
                                               "find-faces-thorough");
  if (again != NULL)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (again), TRUE);
}

static void
on_photo_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (source);
  LoadJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* The photo that was open stays open, with its status line back. */
      mien_window_update_status (self, NULL);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mien_window_show_message (self, error->message);
      return;
    }
  g_clear_pointer (&self->session, mien_session_unref);
  MienSession *session = self->session = g_steal_pointer (&job->session);
  mien_session_set_paper_reswarp (session, mien_window_paper_reswarp (self));
  /* For a project, the photo it names is what the window shows. */
  g_autoptr (GFile) photo_file = g_file_new_for_path (job->photo_path);
  g_set_object (&self->photo_file, photo_file);
  const mien_image *photo = mien_session_get_photo (session);
  mien_preview_set_photo (self->preview, mien_session_get_photo_rgb8 (session),
                          photo->width, photo->height);
  gtk_stack_set_visible_child_name (self->stack, "photo");
  g_autofree char *name = g_file_get_basename (job->file);
  adw_window_title_set_subtitle (self->window_title, name);
  g_clear_pointer (&self->project_path, g_free);
  if (job->from_project)
    {
      g_action_change_state (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                         "mode"),
                             g_variant_new_string (mien_reswarp_mode_to_string (
                                 job->mode)));
      self->restoring = TRUE;
      mien_slider_panel_set_driving (self->sliders, &job->target);
      self->restoring = FALSE;
      self->project_path = g_file_get_path (job->file);
    }
  else if (!keep_expression (self))
    {
      /* A new photo starts at rest, unless the user keeps the expression
       * (Keep Expression in the main menu) to try it on another face. */
      self->restoring = TRUE;
      mien_slider_panel_reset (self->sliders);
      self->restoring = FALSE;
    }
  mien_window_mark_saved (self, NULL);
  set_face_note (self);
  mien_window_update_status (self, NULL);
  gboolean has_face = mien_session_get_face_index (session) >= 0;
  gtk_widget_set_sensitive (GTK_WIDGET (self->sliders), has_face);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export", has_face);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.drive", has_face);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.measure", has_face);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-project", TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-image", has_face);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.copy-image", has_face);
  if (mien_session_get_load_note (session) != NULL)
    mien_window_show_message (self, mien_session_get_load_note (session));
  if (mien_session_get_generator_note (session) != NULL)
    mien_window_show_message (self, mien_session_get_generator_note (session));
  if (!has_face)
    mien_window_show_message (self, _("No face found in this photo. Try one "
                                      "where the face is larger and turned "
                                      "towards the camera."));
  mien_window_undo_reset (self);
  mien_window_request_frame (self);

  g_autofree char *uri = g_file_get_uri (job->file);
  gtk_recent_manager_add_item (gtk_recent_manager_get_default (), uri);
}

void
mien_window_open_file (MienWindow *self, GFile *file)
{
  g_return_if_fail (MIEN_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  if (mien_window_has_unsaved_work (self))
    mien_window_ask_about_unsaved_work (self, MIEN_WINDOW_PENDING_OPEN, file);
  else
    mien_window_load_file (self, file);
}

void
mien_window_load_file (MienWindow *self, GFile *file)
{
  g_cancellable_cancel (self->load_cancellable);
  g_clear_object (&self->load_cancellable);
  self->load_cancellable = g_cancellable_new ();
  g_autofree char *name = g_file_get_basename (file);
  g_autofree char *loading = g_strdup_printf (_("Opening %s…"), name);
  gtk_label_set_text (self->status_label, loading);
  LoadJob *job = g_new0 (LoadJob, 1);
  job->file = g_object_ref (file);
  if (self->settings != NULL)
    job->generator = g_settings_get_string (self->settings, "generator-file");
  GTask *task = g_task_new (self, self->load_cancellable, on_photo_loaded,
                            NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)load_job_free);
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
  g_object_unref (task);
}

/* ---- picking a face ------------------------------------------------------ */

typedef struct {
  MienSession *session;
  int face;
} FaceJob;

static void
face_job_free (FaceJob *job)
{
  mien_session_unref (job->session);
  g_free (job);
}

static void
select_face_in_thread (GTask *task, gpointer source, gpointer task_data,
                       GCancellable *cancellable)
{
  FaceJob *job = task_data;
  GError *error = NULL;
  if (mien_session_select_face (job->session, job->face, &error))
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
  mien_window_update_status (self, NULL);
  mien_preview_clear_result (self->preview);
  mien_window_request_frame (self);
}

static void
select_face_async (MienWindow *self, int face)
{
  FaceJob *job = g_new0 (FaceJob, 1);
  job->session = mien_session_ref (self->session);
  job->face = face;
  GTask *task = g_task_new (self, NULL, on_face_selected, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify)face_job_free);
  g_task_run_in_thread (task, select_face_in_thread);
  g_object_unref (task);
}

static void
on_photo_clicked (MienPreview *preview, double x, double y, MienWindow *self)
{
  if (self->session == NULL)
    return;
  int face = mien_session_face_at (self->session, x, y);
  if (face < 0 || face == mien_session_get_face_index (self->session))
    return;
  select_face_async (self, face);
}

/* ---- Find Faces Again (thorough) ----------------------------------------- */

typedef struct {
  mien_face *faces;
  int n_faces;
} FoundFaces;

static void
found_faces_free (FoundFaces *found)
{
  mien_faces_free (found->faces);
  g_free (found);
}

static void
search_faces_in_thread (GTask *task, gpointer source, gpointer task_data,
                        GCancellable *cancellable)
{
  FoundFaces *found = g_new0 (FoundFaces, 1);
  GError *error = NULL;
  if (mien_session_search_faces (task_data, TRUE, &found->faces,
                                 &found->n_faces, &error))
    g_task_return_pointer (task, found, (GDestroyNotify)found_faces_free);
  else
    {
      g_free (found);
      g_task_return_error (task, error);
    }
}

static void
on_faces_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (source);
  MienSession *searched = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  FoundFaces *found = g_task_propagate_pointer (G_TASK (result), &error);
  GAction *again = g_action_map_lookup_action (G_ACTION_MAP (self),
                                               "find-faces-thorough");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (again), TRUE);
  if (found == NULL)
    {
      mien_window_show_message (self, error->message);
      return;
    }
  if (self->session != searched)
    {
      /* Another photo was opened meanwhile. */
      found_faces_free (found);
      return;
    }
  int before = mien_session_get_n_faces (self->session);
  int n = found->n_faces;
  int face = mien_session_replace_faces (self->session, found->faces, n);
  found->faces = NULL;
  found_faces_free (found);
  g_autofree char *text
      = n == before ? g_strdup_printf (ngettext (
                          "The thorough search found the same %d face",
                          "The thorough search found the same %d faces", n),
                                       n)
                    : g_strdup_printf (ngettext (
                          "The thorough search found %d face (%d before)",
                          "The thorough search found %d faces (%d before)", n),
                                       n, before);
  mien_window_show_message (self, text);
  if (face >= 0 && face != mien_session_get_face_index (self->session))
    select_face_async (self, face); /* the animated face was not found again */
  set_face_note (self);
  mien_window_update_status (self, NULL);
}

static void
find_faces_thorough (GSimpleAction *action, GVariant *param,
                     gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (user_data);
  if (self->session == NULL)
    return;
  g_simple_action_set_enabled (action, FALSE);
  mien_window_show_message (self, _("Looking for faces more thoroughly…"));
  GTask *task = g_task_new (self, NULL, on_faces_found, NULL);
  g_task_set_task_data (task, mien_session_ref (self->session),
                        (GDestroyNotify)mien_session_unref);
  g_task_run_in_thread (task, search_faces_in_thread);
  g_object_unref (task);
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

void
mien_window_open_action (GtkWidget *widget, const char *action,
                         GVariant *param)
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

/* ---- Open Recent --------------------------------------------------------- */

/* In the window, not the application: this window asks about its unsaved
 * work before the photo replaces it. */
void
mien_window_open_recent_action (GtkWidget *widget, const char *action,
                                GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  g_autoptr (GFile) file = g_file_new_for_path (g_variant_get_string (param,
                                                                      NULL));
  mien_window_open_file (self, file);
}

/* "Open Recent": the photos this app opened last, newest first. */
static void
rebuild_recent_menu (GtkRecentManager *manager, MienWindow *self)
{
  g_menu_remove_all (self->recent_section);
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
      /* Menu labels are parsed for mnemonics: "a__b_c.png" would show as
       * "a_bc.png". Doubled, every underscore shows as itself. */
      g_auto (GStrv) parts = g_strsplit (gtk_recent_info_get_display_name (info),
                                         "_", -1);
      g_autofree char *label = g_strjoinv ("__", parts);
      g_autoptr (GMenuItem) item = g_menu_item_new (label, NULL);
      g_menu_item_set_action_and_target_value (item, "win.open-recent",
                                               g_variant_new_string (path));
      g_menu_append_item (self->recent_section, item);
      n++;
    }
  g_list_free_full (items, (GDestroyNotify)gtk_recent_info_unref);
}

static void
change_keep_expression (GSimpleAction *action, GVariant *value,
                        gpointer user_data)
{
  g_simple_action_set_state (action, value);
}

void
mien_window_open_init (MienWindow *self)
{
  const GActionEntry entries[] = {
    { .name = "keep-expression", .state = "false",
      .change_state = change_keep_expression },
    { .name = "find-faces-thorough", .activate = find_faces_thorough },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries,
                                   G_N_ELEMENTS (entries), self);
  /* Enabled once a photo is open (set_face_note). */
  g_simple_action_set_enabled (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self),
                                                   "find-faces-thorough")),
      FALSE);
  g_signal_connect (self->preview, "photo-clicked",
                    G_CALLBACK (on_photo_clicked), self);
  GtkRecentManager *recent = gtk_recent_manager_get_default ();
  g_signal_connect_object (recent, "changed", G_CALLBACK (rebuild_recent_menu),
                           self, 0);
  rebuild_recent_menu (recent, self);

  GtkDropTarget *drop = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (drop, (GType[]){ GDK_TYPE_FILE_LIST, G_TYPE_FILE }, 2);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));
}
