/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienWindow: the photo in a GL preview beside the controls. Opening a photo
 * (file dialog, drag and drop, command line, recent files) decodes it on a
 * worker thread, so a 4K JPEG never freezes the window; a photo that cannot
 * be read leaves the current one in place and says why in a toast. */
#include "mien-window.h"

#include <glib/gi18n.h>

#include "io/mien-image-io.h"
#include "mien-preview.h"

struct _MienWindow {
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toast_overlay;
  AdwWindowTitle *window_title;
  GtkStack *stack;
  MienPreview *preview;
  GtkBox *controls_box;
  GtkLabel *status_label;

  GSettings *settings; /* NULL when the schema is not installed */
  GCancellable *load_cancellable;
  mien_image *photo;   /* float RGB, the engine's copy */
  GFile *photo_file;
};

G_DEFINE_FINAL_TYPE (MienWindow, mien_window, ADW_TYPE_APPLICATION_WINDOW)

void
mien_window_show_message (MienWindow *self, const char *message)
{
  AdwToast *toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 6);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- loading ------------------------------------------------------------- */

typedef struct {
  mien_image *image;
  GBytes *rgb8;
} LoadedPhoto;

static void
loaded_photo_free (LoadedPhoto *loaded)
{
  mien_image_free (loaded->image);
  g_clear_pointer (&loaded->rgb8, g_bytes_unref);
  g_free (loaded);
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
  mien_error err = { 0 };
  mien_image *image = mien_image_load (path, &err);
  if (image == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                               err.message);
      return;
    }
  size_t n = (size_t)image->width * image->height * 3;
  guchar *pixels = g_try_malloc (n);
  if (pixels == NULL)
    {
      mien_image_free (image);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                               _("Not enough memory to show this photo"));
      return;
    }
  mien_image_to_rgb8 (image, pixels, image->width * 3);
  LoadedPhoto *loaded = g_new0 (LoadedPhoto, 1);
  loaded->image = image;
  loaded->rgb8 = g_bytes_new_take (pixels, n);
  g_task_return_pointer (task, loaded, (GDestroyNotify)loaded_photo_free);
}

static void
update_status (MienWindow *self, const char *extra)
{
  if (self->photo == NULL)
    {
      gtk_label_set_text (self->status_label, "");
      return;
    }
  g_autofree char *name = g_file_get_basename (self->photo_file);
  g_autofree char *text = g_strdup_printf ("%s — %d × %d%s%s", name,
                                           self->photo->width,
                                           self->photo->height,
                                           extra ? " — " : "", extra ? extra : "");
  gtk_label_set_text (self->status_label, text);
}

static void
on_photo_loaded (GObject *source, GAsyncResult *result, gpointer user_data)
{
  MienWindow *self = MIEN_WINDOW (source);
  GFile *file = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;
  LoadedPhoto *loaded = g_task_propagate_pointer (G_TASK (result), &error);
  if (loaded == NULL)
    {
      /* The photo that was open stays open, with its status line back. */
      update_status (self, NULL);
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        mien_window_show_message (self, error->message);
      return;
    }
  mien_image_free (self->photo);
  self->photo = g_steal_pointer (&loaded->image);
  g_set_object (&self->photo_file, file);
  mien_preview_set_photo (self->preview, loaded->rgb8, self->photo->width,
                          self->photo->height);
  loaded_photo_free (loaded);
  gtk_stack_set_visible_child_name (self->stack, "photo");
  g_autofree char *name = g_file_get_basename (file);
  adw_window_title_set_subtitle (self->window_title, name);
  update_status (self, NULL);

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
  g_task_set_return_on_cancel (task, TRUE);
  g_task_run_in_thread (task, load_in_thread);
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
  mien_preview_set_view (self->preview, view);
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

/* ---- settings and window state ------------------------------------------- */

static GSettings *
settings_new_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = source
      ? g_settings_schema_source_lookup (source, "io.github.mien.Mien", TRUE)
      : NULL;
  if (schema == NULL)
    {
      /* Running from a build tree without GSETTINGS_SCHEMA_DIR: work, just
       * without remembering anything. */
      g_message ("GSettings schema io.github.mien.Mien not found; preferences "
                 "will not be saved");
      return NULL;
    }
  return g_settings_new ("io.github.mien.Mien");
}

static gboolean
mien_window_close_request (GtkWindow *window)
{
  MienWindow *self = MIEN_WINDOW (window);
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
  gtk_widget_dispose_template (GTK_WIDGET (self), MIEN_TYPE_WINDOW);
  G_OBJECT_CLASS (mien_window_parent_class)->dispose (object);
}

static void
mien_window_finalize (GObject *object)
{
  MienWindow *self = MIEN_WINDOW (object);
  mien_image_free (self->photo);
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
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_m, 0,
                                       "win.toggle-mode", NULL);
}

static void
mien_window_init (MienWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->settings = settings_new_if_installed ();

  g_autofree char *mode = self->settings
      ? g_settings_get_string (self->settings, "reswarp-mode")
      : g_strdup ("multiscale");
  const GActionEntry entries[] = {
    { .name = "view", .parameter_type = "s", .state = "'result'",
      .change_state = change_view_state },
    { .name = "mode", .parameter_type = "s", .state = "'multiscale'",
      .change_state = change_mode_state },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries,
                                   G_N_ELEMENTS (entries), self);
  g_simple_action_set_state (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "mode")),
      g_variant_new_string (mode));

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
