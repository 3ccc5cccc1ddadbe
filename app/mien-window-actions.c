/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The window's actions ("win.…"), installed on the class so that every
 * window has them; their handlers live with their concern. */
#include "mien-window-private.h"

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
  gtk_window_present (GTK_WINDOW (dialog));
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
    GtkWidgetActionActivateFunc activate;
  } actions[] = {
    { "win.open", mien_window_open_action },
    { "win.zoom-in", zoom_action },
    { "win.zoom-out", zoom_action },
    { "win.zoom-fit", zoom_action },
    { "win.zoom-100", zoom_action },
    { "win.toggle-split", mien_window_toggle_view_action },
    { "win.toggle-difference", mien_window_toggle_view_action },
    { "win.toggle-mode", mien_window_toggle_mode_action },
    { "win.measure", mien_window_measure_action },
    { "win.save-project", mien_window_save_project_action },
    { "win.export", export_action },
    { "win.preferences", preferences_action },
    { "win.undo", mien_window_undo_action },
    { "win.redo", mien_window_undo_action },
    { "win.reset", reset_action },
  };
  for (guint i = 0; i < G_N_ELEMENTS (actions); i++)
    gtk_widget_class_install_action (widget_class, actions[i].name, NULL,
                                     actions[i].activate);

  /* Every accelerator of the window, in one place. */
  static const struct {
    guint key;
    GdkModifierType mods;
    const char *action;
  } keys[] = {
    { GDK_KEY_o, GDK_CONTROL_MASK, "win.open" },
    { GDK_KEY_plus, GDK_CONTROL_MASK, "win.zoom-in" },
    { GDK_KEY_equal, GDK_CONTROL_MASK, "win.zoom-in" },
    { GDK_KEY_minus, GDK_CONTROL_MASK, "win.zoom-out" },
    { GDK_KEY_0, GDK_CONTROL_MASK, "win.zoom-fit" },
    { GDK_KEY_1, GDK_CONTROL_MASK, "win.zoom-100" },
    { GDK_KEY_s, 0, "win.toggle-split" },
    { GDK_KEY_d, 0, "win.toggle-difference" },
    { GDK_KEY_m, 0, "win.toggle-mode" },
    { GDK_KEY_s, GDK_CONTROL_MASK, "win.save-project" },
    { GDK_KEY_e, GDK_CONTROL_MASK, "win.export" },
    { GDK_KEY_comma, GDK_CONTROL_MASK, "win.preferences" },
    { GDK_KEY_z, GDK_CONTROL_MASK, "win.undo" },
    { GDK_KEY_z, GDK_CONTROL_MASK | GDK_SHIFT_MASK, "win.redo" },
    { GDK_KEY_y, GDK_CONTROL_MASK, "win.redo" },
    { GDK_KEY_r, GDK_CONTROL_MASK, "win.reset" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    gtk_widget_class_add_binding_action (widget_class, keys[i].key,
                                         keys[i].mods, keys[i].action, NULL);
}
