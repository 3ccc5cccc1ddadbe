/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienPreferencesWindow: the settings a user changes rarely, bound to
 * GSettings so that the window and the next start follow at once. */
#include "mien-preferences-window.h"

#include <glib/gi18n.h>

#include "mien-device.h"

struct _MienPreferencesWindow {
  AdwPreferencesWindow parent_instance;
  AdwComboRow *mode_row;
  AdwActionRow *gpu_row;
  GtkSwitch *gpu_switch;
  gboolean gpu_usable;
};

G_DEFINE_FINAL_TYPE (MienPreferencesWindow, mien_preferences_window,
                     ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
mode_to_index (GValue *value, GVariant *variant, gpointer user_data)
{
  g_value_set_uint (value,
                    g_str_equal (g_variant_get_string (variant, NULL), "vanilla")
                        ? 0 : 1);
  return TRUE;
}

static GVariant *
index_to_mode (const GValue *value, const GVariantType *type, gpointer user_data)
{
  return g_variant_new_string (g_value_get_uint (value) == 0 ? "vanilla"
                                                             : "multiscale");
}

static void
mien_preferences_window_class_init (MienPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/mien/Mien/ui/mien-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, mode_row);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, gpu_row);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, gpu_switch);
}

static void
mien_preferences_window_init (MienPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Ask the engine (without the user's choice) what it would use, and say
   * why the switch cannot help when there is no usable GPU. */
  mien_device_info info;
  mien_device_force_cpu (0);
  mien_device_probe (&info);
  self->gpu_usable = info.kind == MIEN_DEVICE_CUDA;
  if (self->gpu_usable)
    {
      g_autofree char *text = g_strdup_printf (_("Uses %s"), info.description);
      adw_action_row_set_subtitle (self->gpu_row, text);
    }
  else
    {
      g_autofree char *text = info.cuda_built
          ? g_strdup_printf (_("No usable GPU: %s. Mien uses the CPU."), info.reason)
          : g_strdup (_("This build of Mien has no CUDA support: it uses the CPU"));
      adw_action_row_set_subtitle (self->gpu_row, text);
      gtk_switch_set_active (self->gpu_switch, FALSE);
      gtk_widget_set_sensitive (GTK_WIDGET (self->gpu_switch), FALSE);
    }
}

GtkWindow *
mien_preferences_window_new (GtkWindow *parent, GSettings *settings)
{
  MienPreferencesWindow *self = g_object_new (MIEN_TYPE_PREFERENCES_WINDOW,
                                              "transient-for", parent,
                                              "modal", TRUE, NULL);
  if (settings != NULL)
    {
      g_settings_bind_with_mapping (settings, "reswarp-mode", self->mode_row,
                                    "selected", G_SETTINGS_BIND_DEFAULT,
                                    mode_to_index, index_to_mode, NULL, NULL);
      if (self->gpu_usable)
        g_settings_bind (settings, "use-gpu", self->gpu_switch, "active",
                         G_SETTINGS_BIND_DEFAULT);
      /* Restore the user's choice after probing without it. */
      mien_device_force_cpu (!g_settings_get_boolean (settings, "use-gpu"));
    }
  return GTK_WINDOW (self);
}
