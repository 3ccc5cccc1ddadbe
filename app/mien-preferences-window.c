/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienPreferencesWindow: the settings a user changes rarely, bound to
 * GSettings so that the window and the next start follow at once. */
#include "mien-preferences-window.h"

#include <glib/gi18n.h>

#include "mien-device.h"
#include "mien-memory.h"

struct _MienPreferencesWindow {
  AdwPreferencesWindow parent_instance;
  AdwComboRow *mode_row;
  GtkSpinButton *jpeg_quality_spin;
  AdwActionRow *gpu_row;
  GtkSwitch *gpu_switch;
  GtkSwitch *teeth_switch;
  GtkSwitch *sharp_switch;
  GtkSpinButton *memory_spin;
  AdwActionRow *generator_row;
  GtkButton *generator_rig;
  GSettings *settings;
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

/* The memory-limit key holds the CLI's syntax ("8G"; empty: automatic);
 * the spin button shows GiB, 0 for automatic. */
static gboolean
limit_to_gib (GValue *value, GVariant *variant, gpointer user_data)
{
  uint64_t bytes = 0;
  const char *text = g_variant_get_string (variant, NULL);
  g_value_set_double (value, *text && mien_parse_byte_size (text, &bytes)
                                 ? (double)bytes / (1024.0 * 1024.0 * 1024.0)
                                 : 0.0);
  return TRUE;
}

static GVariant *
gib_to_limit (const GValue *value, const GVariantType *type,
              gpointer user_data)
{
  double gib = g_value_get_double (value);
  if (gib <= 0.0)
    return g_variant_new_string ("");
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  g_autofree char *text = g_strconcat (
      g_ascii_formatd (number, sizeof number, "%.1f", gib), "G", NULL);
  return g_variant_new_string (text);
}

static void
update_generator_row (MienPreferencesWindow *self)
{
  g_autofree char *file = self->settings
      ? g_settings_get_string (self->settings, "generator-file") : g_strdup ("");
  if (*file == '\0')
    adw_action_row_set_subtitle (self->generator_row,
                                 _("Anatomical Action Unit rig"));
  else
    {
      g_autofree char *name = g_path_get_basename (file);
      g_autofree char *text = g_strdup_printf (_("ATW network: %s"), name);
      adw_action_row_set_subtitle (self->generator_row, text);
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->generator_rig), *file != '\0');
}

static void
on_generator_chosen (GtkNativeDialog *dialog, int response,
                     MienPreferencesWindow *self)
{
  if (response == GTK_RESPONSE_ACCEPT && self->settings != NULL)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      if (path != NULL)
        g_settings_set_string (self->settings, "generator-file", path);
      update_generator_row (self);
    }
  g_object_unref (dialog);
}

static void
on_choose_generator (MienPreferencesWindow *self)
{
  GtkFileChooserNative *dialog = gtk_file_chooser_native_new (
      _("Choose an ATW Generator"), GTK_WINDOW (self),
      GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"), _("_Cancel"));
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, _("ATW weights (.safetensors)"));
  gtk_file_filter_add_suffix (filter, "safetensors");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (dialog), filter);
  g_object_unref (filter);
  g_signal_connect (dialog, "response", G_CALLBACK (on_generator_chosen), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (dialog));
}

static void
on_use_rig (MienPreferencesWindow *self)
{
  if (self->settings != NULL)
    g_settings_set_string (self->settings, "generator-file", "");
  update_generator_row (self);
}

static void
mien_preferences_window_finalize (GObject *object)
{
  g_clear_object (&MIEN_PREFERENCES_WINDOW (object)->settings);
  G_OBJECT_CLASS (mien_preferences_window_parent_class)->finalize (object);
}

static void
mien_preferences_window_class_init (MienPreferencesWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  gtk_widget_class_set_template_from_resource (
      widget_class, "/io/github/mien/Mien/ui/mien-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, mode_row);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, jpeg_quality_spin);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, gpu_row);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, gpu_switch);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, teeth_switch);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, sharp_switch);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, memory_spin);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, generator_row);
  gtk_widget_class_bind_template_child (widget_class, MienPreferencesWindow, generator_rig);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_generator);
  gtk_widget_class_bind_template_callback (widget_class, on_use_rig);
  G_OBJECT_CLASS (klass)->finalize = mien_preferences_window_finalize;
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
  self->settings = settings ? g_object_ref (settings) : NULL;
  update_generator_row (self);
  if (settings != NULL)
    {
      g_settings_bind_with_mapping (settings, "reswarp-mode", self->mode_row,
                                    "selected", G_SETTINGS_BIND_DEFAULT,
                                    mode_to_index, index_to_mode, NULL, NULL);
      /* The application applies it to the engine (mien-application.c). */
      g_settings_bind (settings, "draw-teeth", self->teeth_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (settings, "sharp-detail", self->sharp_switch, "active",
                       G_SETTINGS_BIND_DEFAULT);
      /* Save Image's JPEG quality (mien-window-image.c reads the key). */
      g_settings_bind (settings, "jpeg-quality", self->jpeg_quality_spin,
                       "value", G_SETTINGS_BIND_DEFAULT);
      g_settings_bind_with_mapping (settings, "memory-limit", self->memory_spin,
                                    "value", G_SETTINGS_BIND_DEFAULT,
                                    limit_to_gib, gib_to_limit, NULL, NULL);
      if (self->gpu_usable)
        g_settings_bind (settings, "use-gpu", self->gpu_switch, "active",
                         G_SETTINGS_BIND_DEFAULT);
      /* Restore the user's choice after probing without it. */
      mien_device_force_cpu (!g_settings_get_boolean (settings, "use-gpu"));
    }
  return GTK_WINDOW (self);
}
