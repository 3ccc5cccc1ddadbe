/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every key of the app, in one table (the gnome-text-editor way). */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  const char *action;     /* "win.open" */
  const char *accels[3];  /* NULL-terminated */
} MienAccel;

/* The table, for the Shortcuts window's test. */
extern const MienAccel mien_accels[];
extern const guint mien_n_accels;

void mien_accels_install (GtkApplication *app);

G_END_DECLS
