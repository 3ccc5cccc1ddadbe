/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MIEN_TYPE_WINDOW (mien_window_get_type ())
G_DECLARE_FINAL_TYPE (MienWindow, mien_window, MIEN, WINDOW,
                      AdwApplicationWindow)

MienWindow *mien_window_new (AdwApplication *application);
/* Loads a photo or project in the background, first asking about unsaved
 * work (Save / Discard / Cancel); errors show in the window. */
void mien_window_open_file (MienWindow *self, GFile *file);
/* A short message at the bottom of the window (toast). */
void mien_window_show_message (MienWindow *self, const char *message);
/* Scripting: set one slider by channel name ("AU12", "12L", "gaze_h") or
 * apply a preset by name ("happy"); FALSE if the name is unknown. */
gboolean mien_window_set_au (MienWindow *self, const char *name, double value);
gboolean mien_window_apply_preset (MienWindow *self, const char *name,
                                   double intensity);
/* Saves the user's work as a project file (.mien), without a dialog. */
void mien_window_save_project (MienWindow *self, const char *path);
/* Saves the current frame at full resolution (format by extension), asking
 * first if the file exists. */
void mien_window_save_image (MienWindow *self, const char *path);
/* Drive with Video or Photo (issue #23): a driving photo (by extension)
 * sets the sliders to its expression; a video opens the drive dialog. */
void mien_window_drive_file (MienWindow *self, const char *path);
/* Slider work that is neither in a project nor in a saved image. */
gboolean mien_window_has_unsaved_work (MienWindow *self);

G_END_DECLS
