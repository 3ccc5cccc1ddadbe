/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MIEN_TYPE_PREFERENCES_WINDOW (mien_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (MienPreferencesWindow, mien_preferences_window, MIEN,
                      PREFERENCES_WINDOW, AdwPreferencesWindow)

/* settings may be NULL (schema not installed): the controls are then shown
 * but do not persist. */
GtkWindow *mien_preferences_window_new (GtkWindow *parent, GSettings *settings);

G_END_DECLS
