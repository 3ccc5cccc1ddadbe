/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The Shortcuts window (Ctrl+?) against the accelerator table (issue #27:
 * it showed keys for 2 of its 15 entries, because the keys were class
 * bindings it cannot see). A GtkShortcutsShortcut with an action-name shows
 * the keys gtk_application_get_accels_for_action returns, i.e. those
 * mien_accels_install set from mien_accels[]; so, read from the compiled-in
 * ui/gtk/help-overlay.ui:
 *  - every entry shows a key: its action has accelerators in the table, or
 *    the entry names its key itself (hold B, Esc);
 *  - every action of the table is listed in the Shortcuts window;
 *  - every accelerator parses, and no key is given to two actions.
 * The .ui is parsed as XML, so the test needs no display (and GTK's
 * start-up leaks nothing into the sanitizer run). */
#include <gtk/gtk.h>
#include <stdio.h>
#include <string.h>

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

/* One <object class="GtkShortcutsShortcut"> of the .ui. */
typedef struct {
  char *title, *action, *accelerator;
} Entry;

typedef struct {
  GArray *entries;     /* of Entry */
  gboolean in_entry;   /* inside a GtkShortcutsShortcut object */
  char *property;      /* the <property name> being read, or NULL */
} Parse;

static void
on_start (GMarkupParseContext *context, const char *element,
          const char **names, const char **values, gpointer data,
          GError **error)
{
  Parse *p = data;
  if (g_str_equal (element, "object"))
    for (int i = 0; names[i]; i++)
      if (g_str_equal (names[i], "class")
          && g_str_equal (values[i], "GtkShortcutsShortcut"))
        {
          Entry e = { 0 };
          g_array_append_val (p->entries, e);
          p->in_entry = TRUE;
        }
  if (p->in_entry && g_str_equal (element, "property"))
    for (int i = 0; names[i]; i++)
      if (g_str_equal (names[i], "name"))
        p->property = g_strdup (values[i]);
}

static void
on_end (GMarkupParseContext *context, const char *element, gpointer data,
        GError **error)
{
  Parse *p = data;
  if (g_str_equal (element, "property"))
    g_clear_pointer (&p->property, g_free);
  else if (g_str_equal (element, "object"))
    p->in_entry = FALSE;
}

static void
on_text (GMarkupParseContext *context, const char *text, gsize len,
         gpointer data, GError **error)
{
  Parse *p = data;
  if (!p->in_entry || p->property == NULL)
    return;
  Entry *e = &g_array_index (p->entries, Entry, p->entries->len - 1);
  char **slot = g_str_equal (p->property, "title")           ? &e->title
                : g_str_equal (p->property, "action-name")   ? &e->action
                : g_str_equal (p->property, "accelerator")   ? &e->accelerator
                                                               : NULL;
  if (slot != NULL)
    {
      g_free (*slot);
      *slot = g_strndup (text, len);
    }
}

static const MienAccel *
table_row (const char *action)
{
  for (guint i = 0; i < mien_n_accels; i++)
    if (g_str_equal (mien_accels[i].action, action))
      return &mien_accels[i];
  return NULL;
}

int
main (void)
{
  g_autoptr (GBytes) ui = g_resources_lookup_data (
      "/io/github/mien/Mien/gtk/help-overlay.ui", 0, NULL);
  CHECK (ui != NULL, "help-overlay.ui is in the resources");
  if (ui == NULL)
    return 1;
  Parse p = { g_array_new (FALSE, FALSE, sizeof (Entry)), FALSE, NULL };
  const GMarkupParser parser = { on_start, on_end, on_text, NULL, NULL };
  g_autoptr (GMarkupParseContext) context = g_markup_parse_context_new (
      &parser, 0, &p, NULL);
  gsize size = 0;
  const char *xml = g_bytes_get_data (ui, &size);
  g_autoptr (GError) error = NULL;
  CHECK (g_markup_parse_context_parse (context, xml, size, &error),
         "help-overlay.ui parses: %s", error ? error->message : "");

  int n_shown = 0;
  for (guint i = 0; i < p.entries->len; i++)
    {
      Entry *e = &g_array_index (p.entries, Entry, i);
      const MienAccel *row = e->action ? table_row (e->action) : NULL;
      gboolean shown = (row != NULL && row->accels[0] != NULL)
                       || (e->accelerator != NULL && *e->accelerator != '\0');
      n_shown += shown;
      CHECK (shown, "“%s” (%s) shows no key", e->title,
             e->action ? e->action : "no action");
    }
  printf ("%d of %u entries of the Shortcuts window show a key\n", n_shown,
          p.entries->len);
  CHECK (p.entries->len >= 20, "the Shortcuts window lists %u entries",
         p.entries->len);

  GHashTable *owner = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                             NULL);
  for (guint i = 0; i < mien_n_accels; i++)
    {
      const MienAccel *a = &mien_accels[i];
      gboolean listed = FALSE;
      for (guint j = 0; j < p.entries->len; j++)
        {
          const char *action = g_array_index (p.entries, Entry, j).action;
          listed |= action != NULL && g_str_equal (action, a->action);
        }
      CHECK (listed, "%s has a key but is not in the Shortcuts window",
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
  for (guint i = 0; i < p.entries->len; i++)
    {
      Entry *e = &g_array_index (p.entries, Entry, i);
      g_free (e->title);
      g_free (e->action);
      g_free (e->accelerator);
    }
  g_array_unref (p.entries);
  printf ("%d checks, %d failed\n", checks, failures);
  return failures ? 1 : 0;
}
