/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "mien-au.h"

G_BEGIN_DECLS

#define MIEN_TYPE_SLIDER_PANEL (mien_slider_panel_get_type ())
G_DECLARE_FINAL_TYPE (MienSliderPanel, mien_slider_panel, MIEN, SLIDER_PANEL,
                      GtkBox)

GtkWidget *mien_slider_panel_new (void);

void mien_slider_panel_get_driving (MienSliderPanel *self, mien_driving *c);
/* Moves every slider to c; emits "changed" once. */
void mien_slider_panel_set_driving (MienSliderPanel *self,
                                    const mien_driving *c);
/* Sets the sliders to a preset at intensity (0 … 1, which the Intensity
 * slider then shows) and highlights its button. */
void mien_slider_panel_apply_preset (MienSliderPanel *self,
                                     mien_expression_preset preset,
                                     double intensity);
/* The preset the sliders show, untouched since it was applied; -1 when a
 * slider changed it (or none was applied). */
int mien_slider_panel_get_active_preset (MienSliderPanel *self);
/* The face's "look at the camera" gaze (mien_iris_camera_gaze): the
 * preset sets gaze_h, gaze_v to it; without an iris (found FALSE) its
 * button is insensitive and says why. */
void mien_slider_panel_set_camera_gaze (MienSliderPanel *self, gboolean found,
                                        double gaze_h, double gaze_v);
/* Sets one channel by name ("AU12", "12L", "gaze_h"); FALSE if unknown. */
gboolean mien_slider_panel_set_value (MienSliderPanel *self, const char *name,
                                      double value);
/* Back to the neutral face (the Neutral preset, highlighted). */
void mien_slider_panel_reset (MienSliderPanel *self);

/* Signal "changed": the driving vector changed (once per user move or per
 * programmatic batch). */

G_END_DECLS
