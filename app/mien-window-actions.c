/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's actions ("win.…"), installed on the class so that every
 * window has them; their handlers live with their concern. Their keys are
 * in the application's one accelerator table (mien-application.c), not
 * class bindings: application accelerators work wherever the focus is, and
 * the Shortcuts window can show them. */
#include "mien-window-private.h"

#include <glib/gi18n.h>

#include "mien-export-dialog.h"
#include "mien-preferences-window.h"

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

static void
reset_action (GtkWidget *widget, const char *action, GVariant *param)
{
  mien_slider_panel_reset (MIEN_WINDOW (widget)->sliders);
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
      mien_window_current_mode (self));
  mien_export_dialog_set_other_faces (
      dialog, mien_session_get_face (self->session, 0),
      mien_session_get_n_faces (self->session), face);
  /* NAME-EXPRESSION.mp4 in the Videos folder: one clip per photo and
   * expression, not one mien-animation.mp4 that each export replaces. */
  const char *videos = g_get_user_special_dir (G_USER_DIRECTORY_VIDEOS);
  g_autofree char *path = mien_window_suggest_path (
      self, videos ? videos : g_get_home_dir (), ".mp4");
  mien_export_dialog_set_destination (dialog, path);
  gtk_window_present (GTK_WINDOW (dialog));
}

/* F1: the user guide, HTML built from docs/USER-GUIDE.md; installed with
 * the app, or in the build tree when Mien runs uninstalled. */
static void
help_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  const char *const dirs[] = { MIEN_DOCDIR, MIEN_BUILD_DOCDIR };
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "user-guide.html",
                                                NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
      gtk_show_uri (GTK_WINDOW (self), uri, GDK_CURRENT_TIME);
      return;
    }
  mien_window_show_message (self, _("The user guide is not installed"));
}

static void
preferences_action (GtkWidget *widget, const char *action, GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  gtk_window_present (mien_preferences_window_new (GTK_WINDOW (self),
                                                   self->settings));
}

void
mien_window_class_install_actions (GtkWidgetClass *widget_class)
{
  static const struct {
    const char *name;
    const char *parameter_type;
    GtkWidgetActionActivateFunc activate;
  } actions[] = {
    { "win.open", NULL, mien_window_open_action },
    { "win.open-recent", "s", mien_window_open_recent_action },
    { "win.zoom-in", NULL, zoom_action },
    { "win.zoom-out", NULL, zoom_action },
    { "win.zoom-fit", NULL, zoom_action },
    { "win.zoom-100", NULL, zoom_action },
    { "win.toggle-split", NULL, mien_window_toggle_view_action },
    { "win.toggle-difference", NULL, mien_window_toggle_view_action },
    { "win.toggle-mode", NULL, mien_window_toggle_mode_action },
    { "win.measure", NULL, mien_window_measure_action },
    { "win.save-project", NULL, mien_window_save_project_action },
    { "win.save-image", NULL, mien_window_save_image_action },
    { "win.copy-image", NULL, mien_window_copy_image_action },
    { "win.export", NULL, export_action },
    { "win.drive", NULL, mien_window_drive_action },
    { "win.preferences", NULL, preferences_action },
    { "win.help", NULL, help_action },
    { "win.undo", NULL, mien_window_undo_action },
    { "win.redo", NULL, mien_window_undo_action },
    { "win.reset", NULL, reset_action },
  };
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i].name,
                                     actions[i].parameter_type,
                                     actions[i].activate);
}

/* A menu that closed after one of its items was activated left the
 * window's focus on a widget inside the closed popover (its scrolled
 * window), and GTK 4.8 then delivered no key to the window: no shortcut
 * worked after Open Recent until a menu was opened and closed again with
 * Esc. The focus goes back to the menu's button, as after Esc. */
static gboolean
refocus_after_menu (gpointer data)
{
  GtkMenuButton *button = data;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (button));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;
  GtkWidget *popover = focus ? gtk_widget_get_ancestor (focus, GTK_TYPE_POPOVER)
                             : NULL;
  if (popover != NULL && !gtk_widget_get_mapped (popover))
    gtk_widget_grab_focus (GTK_WIDGET (button));
  return G_SOURCE_REMOVE;
}

static void
on_menu_closed (GtkPopover *popover, GtkMenuButton *button)
{
  /* After the activated item's action has run and the popover is gone. */
  g_idle_add_full (G_PRIORITY_LOW, refocus_after_menu, g_object_ref (button),
                   g_object_unref);
}

void
mien_window_actions_init (MienWindow *self)
{
  GtkMenuButton *buttons[] = { self->menu_button, self->view_button };
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    g_signal_connect_object (gtk_menu_button_get_popover (buttons[i]),
                             "closed", G_CALLBACK (on_menu_closed), buttons[i],
                             0);
}
