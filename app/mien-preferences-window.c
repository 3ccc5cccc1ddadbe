/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienPreferencesWindow: the settings a user changes rarely, bound to
 * GSettings so that the window and the next start follow at once. */
#include "mien-preferences-window.h"

#include <glib/gi18n.h>

struct _MienPreferencesWindow {
  AdwPreferencesWindow parent_instance;
  AdwComboRow *mode_row;
  AdwActionRow *gpu_row;
  GtkSwitch *gpu_switch;
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
#ifdef MIEN_HAVE_CUDA
  adw_action_row_set_subtitle (self->gpu_row,
                               _("Use CUDA when an NVIDIA GPU is present"));
#else
  /* Say why the switch does nothing rather than hide it. */
  adw_action_row_set_subtitle (self->gpu_row,
                               _("This build of Mien has no CUDA support: it "
                                 "uses the CPU"));
  gtk_switch_set_active (self->gpu_switch, FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->gpu_switch), FALSE);
#endif
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
#ifdef MIEN_HAVE_CUDA
      g_settings_bind (settings, "use-gpu", self->gpu_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
#endif
    }
  return GTK_WINDOW (self);
}
