/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienExportDialog under Xvfb, driven through its own widgets:
 *  - an export to GIF completes: "Saved to …", the file is there, no hidden
 *    temporary beside it;
 *  - Cancel midway through a long MP4: the status says cancelled and the
 *    folder is empty (mien_exporter_abort removed the temporary);
 *  - a folder that does not exist: the error is shown in the dialog (with
 *    the "error" style) and nothing is written;
 *  - every control of the form has an accessible label (labelled-by).
 * A screenshot of the dialog while exporting goes to ARTIFACT_DIR.
 * Usage: test-export-dialog LANDMARKS.json ARTIFACT_DIR [PHOTO] */
#include <adwaita.h>
#include <dirent.h>
#include <glib/gstdio.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-export-dialog.h"
#include "mien-test.h"

static GtkWidget *
child (MienExportDialog *d, const char *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (
      GTK_WIDGET (d), MIEN_TYPE_EXPORT_DIALOG, name));
}

/* "clicked" directly: gtk_widget_activate delays it behind a press
 * animation. */
static void
click (MienExportDialog *d, const char *name)
{
  g_signal_emit_by_name (child (d, name), "clicked");
}

static const char *
status (MienExportDialog *d)
{
  return gtk_label_get_text (GTK_LABEL (child (d, "status_label")));
}

/* Runs the main loop until the export button is sensitive again (done) or
 * timeout seconds pass. */
static gboolean
wait_done (MienExportDialog *d, double timeout)
{
  gint64 end = g_get_monotonic_time () + (gint64)(timeout * 1e6);
  g_main_context_iteration (NULL, FALSE);
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      if (gtk_widget_get_sensitive (child (d, "export_button"))
          && !gtk_widget_get_visible (child (d, "progress_bar")))
        return TRUE;
      g_usleep (2000);
    }
  return FALSE;
}

static int
n_entries (const char *dir)
{
  int n = 0;
  DIR *d = opendir (dir);
  for (struct dirent *e; d && (e = readdir (d));)
    n += strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0;
  if (d)
    closedir (d);
  return n;
}

/* The question a dialog asked, once it is on screen (NULL after timeout
 * seconds). */
static AdwMessageDialog *
wait_question (double timeout)
{
  gint64 end = g_get_monotonic_time () + (gint64)(timeout * 1e6);
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      GListModel *windows = gtk_window_get_toplevels ();
      for (guint i = 0; i < g_list_model_get_n_items (windows); i++)
        {
          g_autoptr (GObject) w = g_list_model_get_item (windows, i);
          if (ADW_IS_MESSAGE_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
            return ADW_MESSAGE_DIALOG (w);
        }
      g_usleep (2000);
    }
  return NULL;
}

static gboolean
file_starts_with (const char *path, const char *prefix)
{
  g_autofree char *text = NULL;
  gsize n = 0;
  return g_file_get_contents (path, &text, &n, NULL) && n >= strlen (prefix)
         && memcmp (text, prefix, strlen (prefix)) == 0;
}

/* GTK 4.8 has no getter for accessible relations, so the template itself
 * is checked: every control carries a labelled-by relation (or an
 * accessible label) whose target is a non-empty label of the template. */
static void
check_accessible_names (MienExportDialog *d)
{
  const char *controls[] = { "format_drop", "fps_spin", "duration_spin",
                             "scale_drop", "mode_drop", "interpolation_drop",
                             "region_drop", "ping_pong_check", "choose_button",
                             "export_button", "cancel_button",
                             "destination_label", "progress_bar",
                             "status_label" };
  g_autoptr (GBytes) ui = g_resources_lookup_data (
      "/io/github/mien/Mien/ui/mien-export-dialog.ui", 0, NULL);
  g_autofree char *text = g_strndup (g_bytes_get_data (ui, NULL),
                                     g_bytes_get_size (ui));
  for (guint i = 0; i < G_N_ELEMENTS (controls); i++)
    {
      CHECK (child (d, controls[i]) != NULL, "%s exists", controls[i]);
      /* The control's own markup: from its id to its grid <layout> or the
       * next control's id, whichever comes first. */
      g_autofree char *open = g_strdup_printf ("id=\"%s\"", controls[i]);
      const char *at = strstr (text, open);
      const char *end = at ? strstr (at, "<layout>") : NULL;
      for (guint j = 0; at && j < G_N_ELEMENTS (controls); j++)
        {
          g_autofree char *other = g_strdup_printf ("id=\"%s\"", controls[j]);
          const char *o = strstr (text, other);
          if (o > at && (!end || o < end))
            end = o;
        }
      g_autofree char *own = at ? g_strndup (at, end ? (gsize)(end - at)
                                                     : strlen (at))
                                : g_strdup ("");
      const char *rel = strstr (own, "<relation name=\"labelled-by\">");
      gboolean ok = strstr (own, "<accessibility>")
                    && (rel || strstr (own, "<accessibility><property name=\"label\""));
      if (ok && rel)
        {
          char target[64] = "";
          sscanf (rel + strlen ("<relation name=\"labelled-by\">"), "%63[^<]",
                  target);
          g_autofree char *tid = g_strdup_printf ("id=\"%s\"", target);
          const char *t = strstr (text, tid);
          ok = t && strstr (t, "<property name=\"label\" translatable=\"yes\">");
        }
      CHECK (ok, "%s has an accessible name", controls[i]);
    }
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    return 2;
  adw_init ();
  mien_error err = { 0 };
  mien_landmark_file lm = { 0 };
  CHECK (mien_landmark_file_load (argv[1], &lm, &err) == MIEN_OK, "%s",
         err.message);
  mien_image *photo = argc > 3 && g_file_test (argv[3], G_FILE_TEST_EXISTS)
                          ? mien_image_load (argv[3], &err)
                          : NULL;
  if (!photo)
    {
      photo = mien_image_new (lm.width, lm.height, 3, &err);
      for (size_t i = 0; i < mien_image_n_floats (photo); i++)
        photo->data[i] = mien_test_uniform (0.0f, 1.0f);
    }
  mien_driving happy;
  mien_driving_init (&happy);
  mien_driving_add_preset (&happy, MIEN_PRESET_HAPPY, 1.0f);
  g_autofree char *dir = g_dir_make_tmp ("mien-export-dialog-XXXXXX", NULL);

  MienExportDialog *d = mien_export_dialog_new (NULL, photo, &lm.faces[0],
                                                &happy, MIEN_RESWARP_VANILLA);
  gtk_window_present (GTK_WINDOW (d));
  check_accessible_names (d);

  /* 1. A short GIF completes. */
  g_autofree char *gif = g_build_filename (dir, "clip.gif", NULL);
  mien_export_dialog_set_destination (d, gif);
  CHECK (gtk_drop_down_get_selected (GTK_DROP_DOWN (child (d, "format_drop")))
             == 1, "a .gif destination selects GIF");
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (d, "duration_spin")), 0.5);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (d, "fps_spin")), 10);
  click (d, "export_button");
  CHECK (wait_done (d, 60), "GIF export finishes");
  CHECK (g_str_has_prefix (status (d), "Saved to"), "status: %s", status (d));
  CHECK (g_file_test (gif, G_FILE_TEST_IS_REGULAR) && n_entries (dir) == 1,
         "clip.gif written, nothing else (%d entries)", n_entries (dir));

  /* 1b. Exporting onto an existing file asks first (issue #27): Cancel
   * leaves the file as it was, Replace writes the clip. */
  g_file_set_contents (gif, "not a clip", -1, NULL);
  click (d, "export_button");
  AdwMessageDialog *question = wait_question (2.0);
  CHECK (question != NULL, "exporting onto clip.gif asks first");
  CHECK (!gtk_widget_get_visible (child (d, "progress_bar")),
         "nothing starts before the answer");
  if (question != NULL)
    {
      CHECK (strstr (adw_message_dialog_get_heading (question), "clip.gif")
                 != NULL,
             "the question names the file: %s",
             adw_message_dialog_get_heading (question));
      adw_message_dialog_response (question, "cancel");
      gtk_window_destroy (GTK_WINDOW (question));
    }
  CHECK (wait_done (d, 5) && file_starts_with (gif, "not a clip"),
         "Cancel keeps the file");
  click (d, "export_button");
  question = wait_question (2.0);
  CHECK (question != NULL, "asked again");
  if (question != NULL)
    {
      adw_message_dialog_response (question, "replace");
      gtk_window_destroy (GTK_WINDOW (question));
    }
  g_usleep (100000);
  CHECK (wait_done (d, 60) && file_starts_with (gif, "GIF8"),
         "Replace writes the clip over the file");
  g_remove (gif);

  /* 2. Cancel midway: nothing left. The format follows the dropdown. */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (d, "format_drop")), 0);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (d, "duration_spin")), 20);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (d, "fps_spin")), 30);
  click (d, "export_button");
  GtkProgressBar *bar = GTK_PROGRESS_BAR (child (d, "progress_bar"));
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (gtk_progress_bar_get_fraction (bar) < 0.02
         && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE);
  CHECK (gtk_progress_bar_get_fraction (bar) >= 0.02, "progress is shown");
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  if (argc > 2)
    {
      g_autofree char *shot = g_strdup_printf (
          "import -window root '%s/export-dialog.png' 2>/dev/null", argv[2]);
      g_mkdir_with_parents (argv[2], 0755);
      if (system (shot) != 0)
        printf ("(no screenshot)\n");
    }
  CHECK (strstr (status (d), "left") != NULL, "remaining time shown: %s",
         status (d));
  click (d, "cancel_button");
  CHECK (wait_done (d, 60), "cancel returns");
  CHECK (strstr (status (d), "cancelled") != NULL, "status: %s", status (d));
  CHECK (n_entries (dir) == 0, "nothing left after cancel (%d entries)",
         n_entries (dir));

  /* 3. A missing folder: the error in the dialog. */
  g_autofree char *bad = g_build_filename (dir, "no", "such", "clip.mp4", NULL);
  mien_export_dialog_set_destination (d, bad);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (child (d, "duration_spin")), 0.5);
  click (d, "export_button");
  CHECK (wait_done (d, 60), "failed export returns");
  /* The reason is the system's, in the user's language: check the path. */
  CHECK (strstr (status (d), "clip.mp4") != NULL
             && gtk_widget_has_css_class (child (d, "status_label"), "error"),
         "error shown: %s", status (d));
  CHECK (n_entries (dir) == 0, "nothing written on error");
  printf ("last status: %s\n", status (d));

  gtk_window_destroy (GTK_WINDOW (d));
  g_rmdir (dir);
  mien_image_free (photo);
  mien_landmark_file_clear (&lm);
  return mien_test_exit_code ();
}
