/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Undo and redo of slider work. A step is recorded when the sliders have
 * been still for a moment (MIEN_WINDOW_UNDO_SETTLE_MS), so one drag is one
 * step, not sixty. */
#include "mien-window-private.h"

#include <string.h>

static gboolean
driving_equal (const mien_driving *a, const mien_driving *b)
{
  return memcmp (a->values, b->values, sizeof a->values) == 0;
}

void
mien_window_undo_update_actions (MienWindow *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.undo",
                                 self->undo_stack->len > 0
                                     || self->settle_source != 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.redo",
                                 self->redo_stack->len > 0);
}

/* Records the sliders' state as one undo step if it differs. */
static void
commit_undo_step (MienWindow *self)
{
  g_clear_handle_id (&self->settle_source, g_source_remove);
  mien_driving now;
  mien_slider_panel_get_driving (self->sliders, &now);
  if (!driving_equal (&now, &self->committed))
    {
      g_array_append_val (self->undo_stack, self->committed);
      if (self->undo_stack->len > MIEN_WINDOW_UNDO_MAX_STEPS)
        g_array_remove_index (self->undo_stack, 0);
      g_array_set_size (self->redo_stack, 0);
      self->committed = now;
    }
  mien_window_undo_update_actions (self);
}

static gboolean
on_settled (gpointer data)
{
  MienWindow *self = data;
  self->settle_source = 0;
  commit_undo_step (self);
  return G_SOURCE_REMOVE;
}

void
mien_window_undo_note_change (MienWindow *self)
{
  if (self->restoring)
    return;
  g_clear_handle_id (&self->settle_source, g_source_remove);
  self->settle_source = g_timeout_add (MIEN_WINDOW_UNDO_SETTLE_MS, on_settled,
                                       self);
  mien_window_undo_update_actions (self);
}

static void
restore (MienWindow *self, GArray *from, GArray *to)
{
  commit_undo_step (self);
  if (from->len == 0)
    return;
  g_array_append_val (to, self->committed);
  self->committed = g_array_index (from, mien_driving, from->len - 1);
  g_array_set_size (from, from->len - 1);
  self->restoring = TRUE;
  mien_slider_panel_set_driving (self->sliders, &self->committed);
  self->restoring = FALSE;
  mien_window_undo_update_actions (self);
}

void
mien_window_undo_action (GtkWidget *widget, const char *action,
                         GVariant *param)
{
  MienWindow *self = MIEN_WINDOW (widget);
  if (g_str_equal (action, "win.undo"))
    restore (self, self->undo_stack, self->redo_stack);
  else
    restore (self, self->redo_stack, self->undo_stack);
}

/* A new photo starts a new history. */
void
mien_window_undo_reset (MienWindow *self)
{
  g_clear_handle_id (&self->settle_source, g_source_remove);
  g_array_set_size (self->undo_stack, 0);
  g_array_set_size (self->redo_stack, 0);
  mien_slider_panel_get_driving (self->sliders, &self->committed);
  mien_window_undo_update_actions (self);
}

void
mien_window_undo_init (MienWindow *self)
{
  self->undo_stack = g_array_new (FALSE, FALSE, sizeof (mien_driving));
  self->redo_stack = g_array_new (FALSE, FALSE, sizeof (mien_driving));
  mien_driving_init (&self->committed);
}

void
mien_window_undo_finalize (MienWindow *self)
{
  g_clear_handle_id (&self->settle_source, g_source_remove);
  g_clear_pointer (&self->undo_stack, g_array_unref);
  g_clear_pointer (&self->redo_stack, g_array_unref);
}
