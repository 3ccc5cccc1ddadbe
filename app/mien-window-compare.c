/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Comparing: the result, the split view (vanilla | multiscale ResWarp), the
 * difference heat map against the photo, and the photo as it was while B is
 * held; and the ResWarp mode the result is rendered in. The view and the
 * mode are stateful actions ("win.view", "win.mode") so the View menu shows
 * them as radio items. */
#include "mien-window-private.h"

static const char *const view_names[] = { "result", "split", "difference" };

static void
set_view (MienWindow *self, MienPreviewView view)
{
  gboolean split_changed = (view == MIEN_PREVIEW_VIEW_SPLIT)
                           != (mien_preview_get_view (self->preview)
                               == MIEN_PREVIEW_VIEW_SPLIT);
  mien_preview_set_view (self->preview, view);
  if (split_changed)
    mien_window_request_frame (self); /* the split needs both modes rendered */
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

void
mien_window_toggle_view_action (GtkWidget *widget, const char *action,
                                GVariant *param)
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
  mien_window_request_frame (self);
}

void
mien_window_toggle_mode_action (GtkWidget *widget, const char *name,
                                GVariant *param)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (widget), "mode");
  g_autoptr (GVariant) state = g_action_get_state (action);
  gboolean vanilla = g_str_equal (g_variant_get_string (state, NULL), "vanilla");
  g_action_change_state (action,
                         g_variant_new_string (vanilla ? "multiscale" : "vanilla"));
}

/* The preference is the mode new windows start in; it also switches the
 * open window, so the user sees what they chose. */
static void
on_mode_setting_changed (GSettings *settings, const char *key, MienWindow *self)
{
  g_autofree char *mode = g_settings_get_string (settings, key);
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "mode");
  g_autoptr (GVariant) state = g_action_get_state (action);
  if (!g_str_equal (g_variant_get_string (state, NULL), mode))
    g_action_change_state (action, g_variant_new_string (mode));
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
      self->view_before_b = mien_preview_get_view (self->preview);
      mien_preview_set_view (self->preview, MIEN_PREVIEW_VIEW_BEFORE);
      return TRUE;
    }
  return FALSE;
}

static void
on_key_released (GtkEventControllerKey *controller, guint keyval,
                 guint keycode, GdkModifierType state, MienWindow *self)
{
  if ((keyval == GDK_KEY_b || keyval == GDK_KEY_B) && self->view_before_b >= 0)
    {
      mien_preview_set_view (self->preview,
                             (MienPreviewView)self->view_before_b);
      self->view_before_b = -1;
    }
}

void
mien_window_compare_init (MienWindow *self)
{
  self->view_before_b = -1;
  g_autofree char *mode = self->settings
      ? g_settings_get_string (self->settings, "reswarp-mode")
      : g_strdup ("vanilla");
  const GActionEntry entries[] = {
    { .name = "view", .parameter_type = "s", .state = "'result'",
      .change_state = change_view_state },
    { .name = "mode", .parameter_type = "s", .state = "'vanilla'",
      .change_state = change_mode_state },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries,
                                   G_N_ELEMENTS (entries), self);
  g_simple_action_set_state (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "mode")),
      g_variant_new_string (mode));
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::reswarp-mode",
                             G_CALLBACK (on_mode_setting_changed), self, 0);

  GtkEventController *keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (keys, "key-released", G_CALLBACK (on_key_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}
