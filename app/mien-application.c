/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienApplication: one window per photo; `mien photo.jpg` opens it. The
 * main operations are GApplication actions so that they can be scripted
 * over D-Bus, e.g.
 *   gapplication action io.github.mien.Mien open-file "'/photos/me.jpg'"
 *   gapplication action io.github.mien.Mien apply-preset "('happy', 0.8)"
 *   gapplication action io.github.mien.Mien set-au "('AU12', 3.5)"
 *   gapplication action io.github.mien.Mien set-mode "'vanilla'"
 *   gapplication action io.github.mien.Mien save-image "'/photos/me-happy.png'"
 *   gapplication action io.github.mien.Mien drive-file "'/clips/talk.mp4'"
 *   gapplication action io.github.mien.Mien drive-export "'/clips/me.mp4'" */
#include "mien-application.h"

#include <epoxy/gl.h>
#include <glib-unix.h>
#include <signal.h>
#include <string.h>
#include <glib/gi18n.h>

#include "mien-accels.h"
#include "mien-animator.h"
#include "mien-device.h"
#include "mien-engine-worker.h"
#include "mien-drive-dialog.h"
#include "mien-export-dialog.h"
#include "mien-memory.h"
#include "mien-pool.h"
#include "mien-settings.h"
#include "mien-window.h"

struct _MienApplication {
  AdwApplication parent_instance;
  GSettings *settings; /* NULL when the schema is not installed */
};

G_DEFINE_FINAL_TYPE (MienApplication, mien_application, ADW_TYPE_APPLICATION)

static MienWindow *
active_or_new_window (MienApplication *self)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (self));
  if (window == NULL)
    window = GTK_WINDOW (mien_window_new (ADW_APPLICATION (self)));
  return MIEN_WINDOW (window);
}

static void
mien_application_activate (GApplication *app)
{
  gtk_window_present (GTK_WINDOW (active_or_new_window (MIEN_APPLICATION (app))));
}

static void
mien_application_open (GApplication *app, GFile **files, int n_files,
                       const char *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      /* The first photo goes to the current window, others to new ones. */
      MienWindow *window = i == 0 ? active_or_new_window (MIEN_APPLICATION (app))
                                  : mien_window_new (ADW_APPLICATION (app));
      mien_window_open_file (window, files[i]);
      gtk_window_present (GTK_WINDOW (window));
    }
}

static void
open_file_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  MienApplication *self = user_data;
  g_autoptr (GFile) file = g_file_new_for_commandline_arg (
      g_variant_get_string (param, NULL));
  MienWindow *window = active_or_new_window (self);
  mien_window_open_file (window, file);
  gtk_window_present (GTK_WINDOW (window));
}

static void
set_au_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  const char *name;
  double value;
  g_variant_get (param, "(&sd)", &name, &value);
  MienWindow *window = active_or_new_window (MIEN_APPLICATION (user_data));
  if (!mien_window_set_au (window, name, value))
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown Action Unit “%s”"), name);
      mien_window_show_message (window, msg);
    }
}

static void
apply_preset_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  const char *name;
  double intensity;
  g_variant_get (param, "(&sd)", &name, &intensity);
  MienWindow *window = active_or_new_window (MIEN_APPLICATION (user_data));
  if (!mien_window_apply_preset (window, name, intensity))
    {
      g_autofree char *msg = g_strdup_printf (_("Unknown expression “%s”"), name);
      mien_window_show_message (window, msg);
    }
}

static void
save_project_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  MienWindow *window = active_or_new_window (MIEN_APPLICATION (user_data));
  mien_window_save_project (window, g_variant_get_string (param, NULL));
}

static void
save_image_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  MienWindow *window = active_or_new_window (MIEN_APPLICATION (user_data));
  mien_window_save_image (window, g_variant_get_string (param, NULL));
}

/* Drive with Video or Photo without the file chooser. */
static void
drive_file_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  MienWindow *window = active_or_new_window (MIEN_APPLICATION (user_data));
  mien_window_drive_file (window, g_variant_get_string (param, NULL));
}

/* Export from the open drive dialog once it has tracked (an existing file
 * is not replaced). */
static void
drive_export_action (GSimpleAction *action, GVariant *param,
                     gpointer user_data)
{
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (MIEN_IS_DRIVE_DIALOG (l->data))
      {
        mien_drive_dialog_export (l->data, g_variant_get_string (param, NULL),
                                  FALSE);
        return;
      }
}

static void
set_mode_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  MienWindow *window = active_or_new_window (MIEN_APPLICATION (user_data));
  const char *mode = g_variant_get_string (param, NULL);
  if (g_str_equal (mode, "vanilla") || g_str_equal (mode, "multiscale"))
    g_action_group_change_action_state (G_ACTION_GROUP (window), "mode",
                                        g_variant_new_string (mode));
}

static void
about_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *developers[] = { "The Mien developers", NULL };
  adw_show_about_window (parent,
                         "application-name", _("Mien"),
                         "application-icon", "io.github.mien.Mien",
                         "version", MIEN_VERSION,
                         "comments", _("Animate the face in a still photo, at full resolution"),
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         NULL);
}

static void
quit_action (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (user_data));
  for (GList *l = windows; l != NULL;)
    {
      GList *next = l->next;
      gtk_window_close (l->data);
      l = next;
    }
}

/* "Use the GPU" off forces the engine onto the CPU, at once. */
static void
on_use_gpu_changed (GSettings *settings, const char *key, gpointer user_data)
{
  mien_device_force_cpu (!g_settings_get_boolean (settings, key));
}

/* "Teeth in opened mouths" for every animator, from the next frame on
 * (the windows render again themselves: mien-window-compare.c). */
static void
on_draw_teeth_changed (GSettings *settings, const char *key,
                       gpointer user_data)
{
  mien_animator_set_teeth_enabled (g_settings_get_boolean (settings, key));
}

/* "Sharper skin detail" for every decomposition made or whose fade is set
 * from now on; the windows' sessions set the fade of theirs again before
 * their next frame (mien-session.c, lock_frames). */
static void
on_sharp_detail_changed (GSettings *settings, const char *key,
                         gpointer user_data)
{
  mien_reswarp_set_sharp_detail (g_settings_get_boolean (settings, key));
}

/* The preference sets the cap for photos opened from now on; empty (or
 * unreadable) falls back to $MIEN_MEMORY_LIMIT, then half of memory. */
static void
on_memory_limit_changed (GSettings *settings, const char *key,
                         gpointer user_data)
{
  g_autofree char *text = g_settings_get_string (settings, key);
  uint64_t bytes = 0;
  if (*text && !mien_parse_byte_size (text, &bytes))
    g_warning ("memory-limit: '%s' is not a size like 8G or 512M; using the "
               "default", text);
  mien_memory_set_cap (bytes);
}

static void
log_device_message (const char *message, void *user_data)
{
  g_message ("%s", message);
}

static void
setup_device (MienApplication *self)
{
  mien_device_set_log_func (log_device_message, NULL);
  self->settings = mien_settings_new_if_installed ();
  if (self->settings == NULL)
    return;
  g_signal_connect (self->settings, "changed::use-gpu",
                    G_CALLBACK (on_use_gpu_changed), NULL);
  on_use_gpu_changed (self->settings, "use-gpu", NULL);
  g_signal_connect (self->settings, "changed::memory-limit",
                    G_CALLBACK (on_memory_limit_changed), NULL);
  on_memory_limit_changed (self->settings, "memory-limit", NULL);
  g_signal_connect (self->settings, "changed::draw-teeth",
                    G_CALLBACK (on_draw_teeth_changed), NULL);
  on_draw_teeth_changed (self->settings, "draw-teeth", NULL);
  g_signal_connect (self->settings, "changed::sharp-detail",
                    G_CALLBACK (on_sharp_detail_changed), NULL);
  on_sharp_detail_changed (self->settings, "sharp-detail", NULL);
}

/* GTK 4.8 composes windows with OpenGL. On a software GL (Mesa's llvmpipe,
 * what a laptop without a working GPU driver gets) that composition costs
 * more CPU than cairo's, and it competes with the engine for the same cores:
 * on a 2-core machine dragging a slider over a 4K photo stalled the main loop
 * 85 ms with the GL renderer and at most 46 ms with cairo
 * (tests/bench/run-ui-responsiveness.sh). So, unless the user chose a
 * renderer, the window uses cairo there; the preview itself still draws with
 * GL (GtkGLArea), on a hardware or software context alike. GSK reads
 * $GSK_RENDERER once, when the first window is realized, so this must run
 * before any window exists. */
static void
choose_window_renderer (void)
{
  if (g_getenv ("GSK_RENDERER") != NULL)
    return;
  GdkDisplay *display = gdk_display_get_default ();
  if (display == NULL)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GdkGLContext) context = gdk_display_create_gl_context (display,
                                                                    &error);
  if (context == NULL || !gdk_gl_context_realize (context, &error))
    return; /* no GL at all: GSK falls back to cairo by itself */
  gdk_gl_context_make_current (context);
  const char *renderer = (const char *)glGetString (GL_RENDERER);
  gboolean software = renderer != NULL
      && (strstr (renderer, "llvmpipe") != NULL
          || strstr (renderer, "softpipe") != NULL
          || strstr (renderer, "Software Rasterizer") != NULL);
  gdk_gl_context_clear_current ();
  if (software)
    {
      g_debug ("GL renderer is %s (software): windows use cairo", renderer);
      g_setenv ("GSK_RENDERER", "cairo", FALSE);
    }
}

/* ---- SIGINT, SIGTERM, SIGHUP ----------------------------------------------
 * A terminal's Ctrl-C, a logout or `kill` must not leave an export's
 * temporary behind (issue #20). The first signal cancels every running
 * export (closing its dialog does: the worker aborts the exporter, which
 * removes the temporary and keeps what was at the target) and quits once
 * none is left; a second one ends the app at once. Unsaved slider work is
 * not asked about: nobody is there to answer. */

static int stop_signal;

static gboolean
quit_when_exports_done (gpointer user_data)
{
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (MIEN_IS_EXPORT_DIALOG (l->data) || MIEN_IS_DRIVE_DIALOG (l->data))
      return G_SOURCE_CONTINUE;
  g_message ("quit on %s", stop_signal == SIGINT    ? "SIGINT"
                           : stop_signal == SIGTERM ? "SIGTERM"
                                                    : "SIGHUP");
  g_application_quit (G_APPLICATION (user_data));
  return G_SOURCE_REMOVE;
}

static void
stop (MienApplication *self, int sig)
{
  if (stop_signal != 0)
    {
      /* Second signal: the default action, now. */
      signal (sig, SIG_DFL);
      raise (sig);
      return;
    }
  stop_signal = sig;
  g_autoptr (GList) toplevels = gtk_window_list_toplevels ();
  for (GList *l = toplevels; l != NULL; l = l->next)
    if (MIEN_IS_EXPORT_DIALOG (l->data) || MIEN_IS_DRIVE_DIALOG (l->data))
      gtk_window_close (l->data); /* cancels; closes when cleaned up */
  g_timeout_add (50, quit_when_exports_done, self);
}

static gboolean on_sigint (gpointer self) { stop (self, SIGINT); return G_SOURCE_CONTINUE; }
static gboolean on_sigterm (gpointer self) { stop (self, SIGTERM); return G_SOURCE_CONTINUE; }
static gboolean on_sighup (gpointer self) { stop (self, SIGHUP); return G_SOURCE_CONTINUE; }

static void
mien_application_startup (GApplication *app)
{
  G_APPLICATION_CLASS (mien_application_parent_class)->startup (app);
  choose_window_renderer ();
  setup_device (MIEN_APPLICATION (app));
  mien_pool_set_nice (NULL, MIEN_ENGINE_NICE);
  g_unix_signal_add (SIGINT, on_sigint, app);
  g_unix_signal_add (SIGTERM, on_sigterm, app);
  g_unix_signal_add (SIGHUP, on_sighup, app);
  static const GActionEntry entries[] = {
    { .name = "open-file", .activate = open_file_action, .parameter_type = "s" },
    { .name = "set-au", .activate = set_au_action, .parameter_type = "(sd)" },
    { .name = "apply-preset", .activate = apply_preset_action, .parameter_type = "(sd)" },
    { .name = "set-mode", .activate = set_mode_action, .parameter_type = "s" },
    { .name = "save-project", .activate = save_project_action, .parameter_type = "s" },
    { .name = "save-image", .activate = save_image_action, .parameter_type = "s" },
    { .name = "drive-file", .activate = drive_file_action, .parameter_type = "s" },
    { .name = "drive-export", .activate = drive_export_action, .parameter_type = "s" },
    { .name = "about", .activate = about_action },
    { .name = "quit", .activate = quit_action },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries,
                                   G_N_ELEMENTS (entries), app);
  mien_accels_install (GTK_APPLICATION (app));
  g_autoptr (GtkCssProvider) css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/io/github/mien/Mien/ui/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static void
mien_application_finalize (GObject *object)
{
  g_clear_object (&MIEN_APPLICATION (object)->settings);
  G_OBJECT_CLASS (mien_application_parent_class)->finalize (object);
}

/* `mien --version` answers without starting the UI or a D-Bus name. */
static int
mien_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("mien %s\n", MIEN_VERSION);
      return 0;
    }
  return -1;
}

static void
mien_application_class_init (MienApplicationClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = mien_application_finalize;
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  app_class->activate = mien_application_activate;
  app_class->open = mien_application_open;
  app_class->startup = mien_application_startup;
  app_class->handle_local_options = mien_application_handle_local_options;
}

static void
mien_application_init (MienApplication *self)
{
  g_application_add_main_option (G_APPLICATION (self), "version", 'v',
                                 G_OPTION_FLAG_NONE, G_OPTION_ARG_NONE,
                                 _("Print the version and exit"), NULL);
}

MienApplication *
mien_application_new (void)
{
  return g_object_new (MIEN_TYPE_APPLICATION,
                       "application-id", "io.github.mien.Mien",
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/io/github/mien/Mien",
                       NULL);
}
