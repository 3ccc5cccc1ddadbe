/* SPDX-License-Identifier: GPL-3.0-or-later */
/* These are application accelerators, which a window handles before its
 * focus widget sees the key: they work wherever the focus is, and the
 * Shortcuts window (Ctrl+?) lists them; class key bindings did neither.
 * The main window has no text entry whose letters or Ctrl+C they could
 * take; other windows (Preferences, Export) are not the application's and
 * keep their keys. Hold-B and Esc (back from a compare view) are not
 * actions: mien-window-compare.c handles them. */
#include "mien-accels.h"

const MienAccel mien_accels[] = {
  { "app.quit", { "<Control>q" } },
  { "win.show-help-overlay", { "<Control>question" } },
  { "win.help", { "F1" } },
  { "win.open", { "<Control>o" } },
  { "win.save-image", { "<Control><Shift>s" } },
  { "win.copy-image", { "<Control>c" } },
  { "win.save-project", { "<Control>s" } },
  { "win.export", { "<Control>e" } },
  { "win.drive", { "<Control>d" } },
  { "win.preferences", { "<Control>comma" } },
  { "win.undo", { "<Control>z" } },
  { "win.redo", { "<Control><Shift>z", "<Control>y" } },
  { "win.reset", { "<Control>r" } },
  { "win.zoom-in", { "<Control>plus", "<Control>equal" } },
  { "win.zoom-out", { "<Control>minus" } },
  { "win.zoom-fit", { "<Control>0" } },
  { "win.zoom-100", { "<Control>1" } },
  { "win.toggle-split", { "s" } },
  { "win.toggle-difference", { "d" } },
  { "win.toggle-mode", { "m" } },
  { "win.paper-reswarp", { "p" } },
};
const guint mien_n_accels = G_N_ELEMENTS (mien_accels);

void
mien_accels_install (GtkApplication *app)
{
  g_return_if_fail (GTK_IS_APPLICATION (app));
  for (guint i = 0; i < mien_n_accels; i++)
    gtk_application_set_accels_for_action (app, mien_accels[i].action,
                                           mien_accels[i].accels);
}
