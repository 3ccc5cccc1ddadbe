/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienSliderPanel: one slider per channel of the driving vector, built from
 * the engine's AU table (engine/mien-au.h) so that a channel added there
 * appears here. Sliders are grouped by face region; the one-sided variants
 * of a region sit in a collapsed "Left and right" expander, since most users
 * move both sides. Expression presets set the sliders, which stay editable:
 * a preset is a starting point, not a mode. The preset's button stays
 * pressed until a slider changes the expression.
 *
 * Intensity scales the whole expression: the panel keeps `base`, the
 * expression at intensity 1 (a preset plus the user's tweaks), and shows
 * base × intensity. A tweak at intensity i changes base to sliders / i, so
 * moving Intensity afterwards keeps the tweak in proportion.
 *
 * The head pose (the "Head" group: yaw, pitch, roll) is not part of the
 * expression: Intensity does not scale it and a preset keeps it; Reset
 * zeroes it with everything else. */
#include "mien-slider-panel.h"

#include <glib/gi18n.h>

struct _MienSliderPanel {
  GtkBox parent_instance;
  GtkRange *scales[MIEN_AU_N_CHANNELS];
  GtkRange *intensity;
  GtkToggleButton *preset_buttons[MIEN_N_PRESETS];
  int active_preset; /* the preset shown, untouched; -1: none */
  mien_driving base;  /* the expression at intensity 1 */
  int batch_depth; /* > 0 while setting many sliders: one "changed" at the end */
  /* "Look at the camera" for the face shown (per photo, issue #25). */
  gboolean camera_found;
  float camera_h, camera_v;
};

G_DEFINE_FINAL_TYPE (MienSliderPanel, mien_slider_panel, GTK_TYPE_BOX)

enum { SIGNAL_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

static const char *
region_title (mien_au_region region)
{
  switch (region)
    {
    case MIEN_AU_REGION_BROWS: return _("Brows");
    case MIEN_AU_REGION_EYES: return _("Eyes");
    case MIEN_AU_REGION_CHEEKS_NOSE: return _("Cheeks and Nose");
    case MIEN_AU_REGION_LIPS: return _("Lips");
    case MIEN_AU_REGION_JAW: return _("Jaw");
    case MIEN_AU_REGION_GAZE: return _("Gaze");
    case MIEN_AU_REGION_HEAD: return _("Head");
    default: return "";
    }
}

static char *
channel_label (const mien_au_info *info)
{
  if (info->side == MIEN_AU_SIDE_LEFT)
    return g_strdup_printf (_("%s, left"), info->facs_name);
  if (info->side == MIEN_AU_SIDE_RIGHT)
    return g_strdup_printf (_("%s, right"), info->facs_name);
  return g_strdup (info->facs_name);
}

static gboolean
is_pose (int channel)
{
  return mien_au_channels[channel].region == MIEN_AU_REGION_HEAD;
}

static void
show_active_preset (MienSliderPanel *self)
{
  for (int p = 0; p < MIEN_N_PRESETS; p++)
    gtk_toggle_button_set_active (self->preset_buttons[p],
                                  p == self->active_preset);
}

static void
set_intensity_quietly (MienSliderPanel *self, double value)
{
  self->batch_depth++; /* on_intensity_changed does nothing meanwhile */
  gtk_range_set_value (self->intensity, value);
  self->batch_depth--;
}

/* The sliders were set from outside base (a tweak, undo, a project): base
 * follows them. At intensity 0 there is no scale to divide by; the
 * expression starts again at full strength. */
static void
base_from_sliders (MienSliderPanel *self)
{
  mien_driving now;
  mien_slider_panel_get_driving (self, &now);
  double intensity = gtk_range_get_value (self->intensity);
  if (intensity < 0.01)
    {
      set_intensity_quietly (self, 1.0);
      intensity = 1.0;
    }
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    self->base.values[ch] = is_pose (ch) ? now.values[ch]
                                         : (float)(now.values[ch] / intensity);
  self->active_preset = -1;
  show_active_preset (self);
}

/* Shows base × intensity on the sliders; one "changed". */
static void
show_base (MienSliderPanel *self)
{
  mien_driving c = self->base;
  float intensity = (float)gtk_range_get_value (self->intensity);
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    if (!is_pose (ch))
      c.values[ch] *= intensity;
  mien_driving_clamp (&c);
  self->batch_depth++;
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    gtk_range_set_value (self->scales[ch], c.values[ch]);
  self->batch_depth--;
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static void
on_scale_changed (GtkRange *range, MienSliderPanel *self)
{
  if (self->batch_depth > 0)
    return;
  base_from_sliders (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

static GtkWidget *
make_slider_row (MienSliderPanel *self, int channel)
{
  const mien_au_info *info = &mien_au_channels[channel];
  g_autofree char *label = channel_label (info);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  GtkWidget *caption = gtk_label_new (NULL);
  g_autofree char *code = info->facs_number > 0
      ? g_strdup_printf ("%s  <span alpha=\"60%%\">AU%d%s</span>",
                         label, info->facs_number,
                         info->side == MIEN_AU_SIDE_LEFT ? "L"
                         : info->side == MIEN_AU_SIDE_RIGHT ? "R" : "")
      : g_markup_escape_text (label, -1);
  gtk_label_set_markup (GTK_LABEL (caption), code);
  gtk_label_set_xalign (GTK_LABEL (caption), 0.0f);
  gtk_box_append (GTK_BOX (row), caption);

  double step = (info->max - info->min) / 50.0;
  GtkWidget *scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL,
                                               info->min, info->max, step);
  gtk_scale_set_draw_value (GTK_SCALE (scale), TRUE);
  gtk_scale_set_value_pos (GTK_SCALE (scale), GTK_POS_RIGHT);
  gtk_scale_set_digits (GTK_SCALE (scale), 1);
  if (info->min < 0.0f)
    gtk_scale_add_mark (GTK_SCALE (scale), 0.0, GTK_POS_BOTTOM, NULL);
  gtk_range_set_value (GTK_RANGE (scale), 0.0);
  gtk_widget_set_tooltip_text (scale, info->description);
  gtk_widget_set_hexpand (scale, TRUE);
  /* The accessible name is the FACS name a user (or a test) looks for. */
  gtk_accessible_update_property (GTK_ACCESSIBLE (scale),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  info->description, -1);
  g_signal_connect (scale, "value-changed", G_CALLBACK (on_scale_changed),
                    self);
  self->scales[channel] = GTK_RANGE (scale);
  gtk_box_append (GTK_BOX (row), scale);
  return row;
}

static void
on_preset_clicked (GtkButton *button, MienSliderPanel *self)
{
  int preset = 0;
  while (preset < MIEN_N_PRESETS
         && self->preset_buttons[preset] != GTK_TOGGLE_BUTTON (button))
    preset++;
  g_return_if_fail (preset < MIEN_N_PRESETS);
  mien_slider_panel_apply_preset (self, (mien_expression_preset)preset,
                                  gtk_range_get_value (self->intensity));
}

static void
on_intensity_changed (GtkRange *range, MienSliderPanel *self)
{
  if (self->batch_depth == 0)
    show_base (self);
}

static void
on_reset_clicked (GtkButton *button, MienSliderPanel *self)
{
  mien_slider_panel_reset (self);
}

static GtkWidget *
make_presets (MienSliderPanel *self)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *title = gtk_label_new (_("Expressions"));
  gtk_widget_add_css_class (title, "region-title");
  gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
  gtk_box_append (GTK_BOX (box), title);

  GtkWidget *flow = gtk_flow_box_new ();
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (flow), GTK_SELECTION_NONE);
  gtk_flow_box_set_max_children_per_line (GTK_FLOW_BOX (flow), 4);
  gtk_flow_box_set_homogeneous (GTK_FLOW_BOX (flow), TRUE);
  for (int p = 0; p < MIEN_N_PRESETS; p++)
    {
      /* A toggle button: pressed while its preset is what the face shows,
       * which a screen reader announces too. */
      gboolean camera = p == MIEN_PRESET_LOOK_AT_CAMERA;
      GtkWidget *button = gtk_toggle_button_new_with_label (
          camera ? _("Look at the camera") : mien_presets[p].label);
      self->preset_buttons[p] = GTK_TOGGLE_BUTTON (button);
      gtk_widget_set_tooltip_text (
          button, camera ? _("Moves the irises to the middle of the eyes: "
                             "the photo's own gaze, measured on its irises, "
                             "cancelled.")
                         : mien_presets[p].description);
      g_signal_connect (button, "clicked", G_CALLBACK (on_preset_clicked), self);
      gtk_flow_box_append (GTK_FLOW_BOX (flow), button);
    }
  gtk_box_append (GTK_BOX (box), flow);

  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *label = gtk_label_new (_("Intensity"));
  gtk_box_append (GTK_BOX (row), label);
  GtkWidget *intensity = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL,
                                                   0.0, 1.0, 0.05);
  gtk_range_set_value (GTK_RANGE (intensity), 1.0);
  gtk_scale_set_draw_value (GTK_SCALE (intensity), TRUE);
  gtk_scale_set_digits (GTK_SCALE (intensity), 2);
  gtk_scale_set_value_pos (GTK_SCALE (intensity), GTK_POS_RIGHT);
  gtk_widget_set_hexpand (intensity, TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (intensity),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Preset intensity"), -1);
  g_signal_connect (intensity, "value-changed",
                    G_CALLBACK (on_intensity_changed), self);
  self->intensity = GTK_RANGE (intensity);
  gtk_box_append (GTK_BOX (row), intensity);
  GtkWidget *reset = gtk_button_new_with_label (_("Reset"));
  gtk_widget_set_tooltip_text (reset, _("All sliders back to zero (Ctrl+R)"));
  g_signal_connect (reset, "clicked", G_CALLBACK (on_reset_clicked), self);
  gtk_box_append (GTK_BOX (row), reset);
  gtk_box_append (GTK_BOX (box), row);
  return box;
}

static void
build_region (MienSliderPanel *self, mien_au_region region)
{
  GtkWidget *title = gtk_label_new (region_title (region));
  gtk_widget_add_css_class (title, "region-title");
  gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
  gtk_box_append (GTK_BOX (self), title);
  GtkWidget *sides = NULL;
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    {
      const mien_au_info *info = &mien_au_channels[ch];
      if (info->region != region)
        continue;
      if (info->side == MIEN_AU_SIDE_BOTH)
        {
          gtk_box_append (GTK_BOX (self), make_slider_row (self, ch));
          continue;
        }
      if (sides == NULL)
        {
          sides = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
          GtkWidget *expander = gtk_expander_new (_("Left and right"));
          g_autofree char *name = g_strdup_printf (_("%s: left and right"),
                                                   region_title (region));
          gtk_accessible_update_property (GTK_ACCESSIBLE (expander),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, name,
                                          -1);
          gtk_expander_set_child (GTK_EXPANDER (expander), sides);
          gtk_box_append (GTK_BOX (self), expander);
        }
      gtk_box_append (GTK_BOX (sides), make_slider_row (self, ch));
    }
}

/* ---- public API ---------------------------------------------------------- */

void
mien_slider_panel_get_driving (MienSliderPanel *self, mien_driving *c)
{
  g_return_if_fail (MIEN_IS_SLIDER_PANEL (self));
  g_return_if_fail (c != NULL);
  mien_driving_init (c);
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    c->values[ch] = (float)gtk_range_get_value (self->scales[ch]);
}

void
mien_slider_panel_set_driving (MienSliderPanel *self, const mien_driving *c)
{
  g_return_if_fail (MIEN_IS_SLIDER_PANEL (self));
  g_return_if_fail (c != NULL);
  self->batch_depth++;
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    gtk_range_set_value (self->scales[ch], c->values[ch]);
  self->batch_depth--;
  base_from_sliders (self);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
mien_slider_panel_apply_preset (MienSliderPanel *self,
                                mien_expression_preset preset,
                                double intensity)
{
  g_return_if_fail (MIEN_IS_SLIDER_PANEL (self));
  g_return_if_fail ((int)preset >= 0 && preset < MIEN_N_PRESETS);
  mien_driving pose = self->base;
  mien_driving_init (&self->base);
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    if (is_pose (ch))
      self->base.values[ch] = pose.values[ch];
  mien_driving_add_preset (&self->base, preset, 1.0f);
  if (preset == MIEN_PRESET_LOOK_AT_CAMERA && self->camera_found)
    {
      self->base.values[MIEN_GAZE_H] = self->camera_h;
      self->base.values[MIEN_GAZE_V] = self->camera_v;
    }
  set_intensity_quietly (self, CLAMP (intensity, 0.0, 1.0));
  self->active_preset = preset;
  show_active_preset (self);
  show_base (self);
}

void
mien_slider_panel_set_camera_gaze (MienSliderPanel *self, gboolean found,
                                   double gaze_h, double gaze_v)
{
  g_return_if_fail (MIEN_IS_SLIDER_PANEL (self));
  self->camera_found = found;
  self->camera_h = found ? (float)gaze_h : 0.0f;
  self->camera_v = found ? (float)gaze_v : 0.0f;
  GtkWidget *button
      = GTK_WIDGET (self->preset_buttons[MIEN_PRESET_LOOK_AT_CAMERA]);
  gtk_widget_set_sensitive (button, found);
  gtk_widget_set_tooltip_text (
      button, found ? _("Moves the irises to the middle of the eyes: the "
                        "photo's own gaze, measured on its irises, "
                        "cancelled.")
                    : _("No iris found in this face's eyes (eyes shut, too "
                        "small, or hidden by a reflection): gaze cannot be "
                        "turned to the camera."));
  /* The gaze sliders say what they do without an iris (the animator's
   * gaze note, mien_animator_get_gaze_note, in the panel's words). */
  for (int ch = MIEN_GAZE_H; ch <= MIEN_GAZE_V; ch++)
    gtk_widget_set_tooltip_text (
        GTK_WIDGET (self->scales[ch]),
        found ? mien_au_channels[ch].description
              : _("No iris found in this face's eyes: gaze moves the eye "
                  "region instead, and does nothing for a shut eye or an "
                  "eye a reflection covers."));
}

int
mien_slider_panel_get_active_preset (MienSliderPanel *self)
{
  g_return_val_if_fail (MIEN_IS_SLIDER_PANEL (self), -1);
  return self->active_preset;
}

gboolean
mien_slider_panel_set_value (MienSliderPanel *self, const char *name,
                             double value)
{
  g_return_val_if_fail (MIEN_IS_SLIDER_PANEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  int ch = mien_au_channel_from_name (name);
  if (ch < 0)
    return FALSE;
  gtk_range_set_value (self->scales[ch], value);
  return TRUE;
}

void
mien_slider_panel_reset (MienSliderPanel *self)
{
  g_return_if_fail (MIEN_IS_SLIDER_PANEL (self));
  for (int ch = 0; ch < MIEN_AU_N_CHANNELS; ch++)
    if (is_pose (ch))
      self->base.values[ch] = 0.0f;
  mien_slider_panel_apply_preset (self, MIEN_PRESET_NEUTRAL,
                                  gtk_range_get_value (self->intensity));
}

static void
mien_slider_panel_class_init (MienSliderPanelClass *klass)
{
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass),
                                          G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
}

static void
mien_slider_panel_init (MienSliderPanel *self)
{
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self),
                                  GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (GTK_BOX (self), 4);
  self->active_preset = -1;
  mien_driving_init (&self->base);
  gtk_box_append (GTK_BOX (self), make_presets (self));
  for (int r = 0; r < MIEN_AU_N_REGIONS; r++)
    build_region (self, (mien_au_region)r);
}

GtkWidget *
mien_slider_panel_new (void)
{
  return g_object_new (MIEN_TYPE_SLIDER_PANEL, NULL);
}
