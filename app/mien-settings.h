/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The app's GSettings, shared by the application and its windows without
 * either including the other. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define MIEN_SETTINGS_SCHEMA "io.github.mien.Mien"

/* The app's settings, or NULL when the schema is not installed (a build
 * tree run without GSETTINGS_SCHEMA_DIR): Mien then works without
 * remembering anything. */
GSettings *mien_settings_new_if_installed (void);

G_END_DECLS
