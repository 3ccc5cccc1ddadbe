/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Shortcuts window (Ctrl+?) against the accelerator table (issue #27:
 * it showed keys for 2 of its 15 entries, because the keys were class
 * bindings it cannot see):
 *  - every entry of ui/gtk/help-overlay.ui shows a key: its action has
 *    accelerators in the application (mien_accels_install), or the entry
 *    names its key itself (hold B, Esc);
 *  - every action of the table is listed in the Shortcuts window;
 *  - every accelerator parses, and no key is given to two actions.
 * Needs a display (run under xvfb-run). */
#include <gtk/gtk.h>
#include <stdio.h>

#include "mien-accels.h"

static int failures, checks;

#define CHECK(cond, ...)                                                       \
  do                                                                           \
    {                                                                          \
      checks++;                                                                \
      if (!(cond))                                                             \
        {                                                                      \
          failures++;                                                          \
          printf ("FAIL: " __VA_ARGS__);                                       \
          printf ("\n");                                                       \
        }                                                                      \
    }                                                                          \
  while (0)

int
main (void)
{
  if (!gtk_init_check ())
    {
      printf ("no display: skipped\n");
      return 77;
    }
  GtkApplication *app = gtk_application_new ("io.github.mien.AccelsTest",
                                             G_APPLICATION_NON_UNIQUE);
  mien_accels_install (app);

  GtkBuilder *builder = gtk_builder_new_from_resource (
      "/io/github/mien/Mien/gtk/help-overlay.ui");
  GSList *objects = gtk_builder_get_objects (builder);
  int n_entries = 0, n_shown = 0;
  GPtrArray *listed = g_ptr_array_new_with_free_func (g_free);
  for (GSList *l = objects; l != NULL; l = l->next)
    {
      if (!GTK_IS_SHORTCUTS_SHORTCUT (l->data))
        continue;
      g_autofree char *title = NULL, *action = NULL, *accel = NULL;
      g_object_get (l->data, "title", &title, "action-name", &action,
                    "accelerator", &accel, NULL);
      n_entries++;
      g_auto (GStrv) keys = action
          ? gtk_application_get_accels_for_action (app, action) : NULL;
      gboolean shown = (keys != NULL && keys[0] != NULL)
                       || (accel != NULL && *accel != '\0');
      n_shown += shown;
      CHECK (shown, "“%s” (%s) shows no key", title,
             action ? action : "no action");
      if (action != NULL)
        g_ptr_array_add (listed, g_strdup (action));
    }
  printf ("%d of %d entries of the Shortcuts window show a key\n", n_shown,
          n_entries);
  CHECK (n_entries >= 20, "the Shortcuts window lists %d entries", n_entries);

  GHashTable *owner = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             NULL);
  for (guint i = 0; i < mien_n_accels; i++)
    {
      const MienAccel *a = &mien_accels[i];
      gboolean in_window = FALSE;
      for (guint j = 0; j < listed->len; j++)
        in_window |= g_str_equal (listed->pdata[j], a->action);
      CHECK (in_window, "%s has a key but is not in the Shortcuts window",
             a->action);
      for (int k = 0; a->accels[k] != NULL; k++)
        {
          guint key = 0;
          GdkModifierType mods = 0;
          CHECK (gtk_accelerator_parse (a->accels[k], &key, &mods),
                 "%s: “%s” does not parse", a->action, a->accels[k]);
          g_autofree char *name = gtk_accelerator_name (key, mods);
          const char *other = g_hash_table_lookup (owner, name);
          CHECK (other == NULL, "%s is given to %s and %s", name,
                 other ? other : "", a->action);
          g_hash_table_insert (owner, g_steal_pointer (&name),
                               (gpointer)a->action);
        }
    }
  g_hash_table_unref (owner);
  g_ptr_array_unref (listed);
  g_slist_free (objects);
  g_object_unref (builder);
  g_object_unref (app);
  printf ("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
