/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Comparing: the result, the split view (vanilla | multiscale ResWarp), the
 * difference heat map against the photo, and the photo as it was while B is
 * held; and the ResWarp mode the result is rendered in. The view and the
 * mode are stateful actions ("win.view", "win.mode") so the View menu shows
 * them as radio items. */
#include "mien-window-private.h"
#include "mien-animator.h"

static const char *const view_names[] = { "result", "split", "difference" };

/* The split view names its sides; the difference view says what its
 * colours mean. */
static void
show_view_labels (MienWindow *self, MienPreviewView view)
{
  gtk_widget_set_visible (self->split_labels, view == MIEN_PREVIEW_VIEW_SPLIT);
  gtk_widget_set_visible (self->difference_legend,
                          view == MIEN_PREVIEW_VIEW_DIFFERENCE);
}

static void
set_view (MienWindow *self, MienPreviewView view)
{
  show_view_labels (self, view);
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
  /* This window only: the preference (Preferences, or the settings) is
   * the mode new windows start in. */
  g_simple_action_set_state (action, value);
  mien_window_request_frame (self);
  mien_window_update_status (self, NULL);
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

/* The paper's ResWarp (no residual fade) on or off: this window's
 * session renders the next frames with it. */
static void
change_paper_state (GSimpleAction *action, GVariant *value, gpointer user_data)
{
  MienWindow *self = user_data;
  g_simple_action_set_state (action, value);
  if (self->session != NULL)
    mien_session_set_paper_reswarp (self->session,
                                    g_variant_get_boolean (value));
  mien_window_request_frame (self);
  mien_window_update_status (self, NULL);
}

gboolean
mien_window_paper_reswarp (MienWindow *self)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self),
                                                "paper-reswarp");
  g_autoptr (GVariant) state = action ? g_action_get_state (action) : NULL;
  return state != NULL && g_variant_get_boolean (state);
}

/* "Teeth in opened mouths" changed in Preferences: the frame on screen is
 * rendered again with it. The engine's switch is set here too, as the
 * application's handler on its own GSettings object may run after this
 * one. */
static void
on_teeth_setting_changed (GSettings *settings, const char *key,
                          MienWindow *self)
{
  mien_animator_set_teeth_enabled (g_settings_get_boolean (settings, key));
  mien_window_request_frame (self);
}

/* "Sharper skin detail" changed in Preferences: the engine's switch is set
 * here too (the application's handler may run after this one), and the
 * session sets its animators' fade again before the frame asked for. */
static void
on_sharp_setting_changed (GSettings *settings, const char *key,
                          MienWindow *self)
{
  mien_reswarp_set_sharp_detail (g_settings_get_boolean (settings, key));
  mien_window_request_frame (self);
}

/* A menu that is open keeps its own keys (Esc closes it, letters pick). */
static gboolean
menu_has_focus (MienWindow *self)
{
  GtkWidget *focus = gtk_root_get_focus (GTK_ROOT (self));
  GtkWidget *popover = focus ? gtk_widget_get_ancestor (focus, GTK_TYPE_POPOVER)
                             : NULL;
  return popover != NULL && gtk_widget_get_mapped (popover);
}

/* Hold B to see the photo as it was; Esc goes back from a compare view to
 * the result. Seen in the capture phase, like the application's
 * accelerators, so these keys work wherever the focus is. */
static gboolean
on_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                GdkModifierType state, MienWindow *self)
{
  if (menu_has_focus (self))
    return FALSE;
  if (keyval == GDK_KEY_Escape
      && !(state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK))
      && mien_preview_get_view (self->preview) != MIEN_PREVIEW_VIEW_RESULT
      && self->view_before_b < 0)
    {
      set_view (self, MIEN_PREVIEW_VIEW_RESULT);
      return TRUE;
    }
  if ((keyval == GDK_KEY_b || keyval == GDK_KEY_B)
      && !(state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
      && mien_preview_get_view (self->preview) != MIEN_PREVIEW_VIEW_BEFORE)
    {
      self->view_before_b = mien_preview_get_view (self->preview);
      mien_preview_set_view (self->preview, MIEN_PREVIEW_VIEW_BEFORE);
      show_view_labels (self, MIEN_PREVIEW_VIEW_BEFORE);
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
      show_view_labels (self, (MienPreviewView)self->view_before_b);
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
    /* No parameter, a boolean state: activating toggles it (p). */
    { .name = "paper-reswarp", .state = "false",
      .change_state = change_paper_state },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (self), entries,
                                   G_N_ELEMENTS (entries), self);
  g_simple_action_set_state (
      G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self), "mode")),
      g_variant_new_string (mode));
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::reswarp-mode",
                             G_CALLBACK (on_mode_setting_changed), self, 0);
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::draw-teeth",
                             G_CALLBACK (on_teeth_setting_changed), self, 0);
  if (self->settings != NULL)
    g_signal_connect_object (self->settings, "changed::sharp-detail",
                             G_CALLBACK (on_sharp_setting_changed), self, 0);

  GtkEventController *keys = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (keys, GTK_PHASE_CAPTURE);
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed), self);
  g_signal_connect (keys, "key-released", G_CALLBACK (on_key_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}
