/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Saving a project (mien_project_save): json-glib's pretty printer, the
 * photo relative to the project's folder, written atomically. */
#include "mien-project-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "mien-atomic-file.h"

/* Floats as the user typed them: 0.8f is 0.800000011920929 as a double. */
static double
tidy (float v)
{
  return round ((double)v * 1e6) / 1e6;
}

static void
write_expression (JsonBuilder *b, const mien_expression_spec *e)
{
  if (e->preset >= 0 && e->preset < MIEN_N_PRESETS)
    {
      json_builder_set_member_name (b, "preset");
      json_builder_add_string_value (b, mien_presets[e->preset].name);
      json_builder_set_member_name (b, "intensity");
      json_builder_add_double_value (b, tidy (e->intensity));
    }
  int any = 0;
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    any |= e->aus.values[i] != 0.0f;
  if (!any)
    return;
  json_builder_set_member_name (b, "aus");
  json_builder_begin_object (b);
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    if (e->aus.values[i] != 0.0f)
      {
        json_builder_set_member_name (b, mien_au_channels[i].name);
        json_builder_add_double_value (b, tidy (e->aus.values[i]));
      }
  json_builder_end_object (b);
}

static void
write_settings (JsonBuilder *b, const mien_animation_settings *s)
{
  json_builder_set_member_name (b, "settings");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "mode");
  json_builder_add_string_value (b, mien_reswarp_mode_to_string (s->mode));
  json_builder_set_member_name (b, "fps");
  json_builder_add_double_value (b, s->fps);
  json_builder_set_member_name (b, "duration");
  json_builder_add_double_value (b, s->duration);
  json_builder_set_member_name (b, "scale");
  json_builder_add_string_value (
      b, project_scale_names[s->scale <= 2 ? s->scale : 0]);
  json_builder_set_member_name (b, "max_side");
  json_builder_add_int_value (b, s->max_side);
  json_builder_set_member_name (b, "interpolation");
  json_builder_add_string_value (b,
                                 mien_interpolation_to_string (s->interpolation));
  json_builder_set_member_name (b, "ping_pong");
  json_builder_add_boolean_value (b, s->ping_pong != 0);
  json_builder_set_member_name (b, "region");
  json_builder_add_string_value (b, mien_clip_region_to_string (s->region));
  json_builder_end_object (b);
}

/* photo relative to the folder of project_path, with ".." steps where
 * needed; absolute when they share nothing but the root. */
static char *
relative_photo (const char *photo, const char *project_path)
{
  char *dir0 = g_path_get_dirname (project_path);
  char *dir = g_canonicalize_filename (dir0, NULL);
  char *abs = g_canonicalize_filename (photo, NULL);
  char **a = g_strsplit (dir, "/", -1), **b = g_strsplit (abs, "/", -1);
  int common = 0;
  while (a[common] && b[common] && strcmp (a[common], b[common]) == 0)
    common++;
  char *result;
  if (common <= 1) /* only the root ("" before the first '/') in common */
    result = g_strdup (abs);
  else
    {
      GString *s = g_string_new (NULL);
      for (int i = common; a[i]; i++)
        if (*a[i])
          g_string_append (s, "../");
      for (int i = common; b[i]; i++)
        g_string_append_printf (s, "%s%s", b[i], b[i + 1] ? "/" : "");
      result = g_string_free (s, FALSE);
    }
  g_strfreev (a);
  g_strfreev (b);
  g_free (dir0);
  g_free (dir);
  g_free (abs);
  return result;
}

static char *
project_to_json (const mien_project *p, const char *path)
{
  JsonBuilder *b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, MIEN_PROJECT_FORMAT);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, MIEN_PROJECT_VERSION);
  char *photo = relative_photo (p->photo, path);
  json_builder_set_member_name (b, "photo");
  json_builder_add_string_value (b, photo);
  g_free (photo);
  json_builder_set_member_name (b, "face");
  json_builder_add_int_value (b, p->face);
  json_builder_set_member_name (b, "target");
  json_builder_begin_object (b);
  write_expression (b, &p->target);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "keyframes");
  json_builder_begin_array (b);
  for (int i = 0; i < p->n_keyframes; i++)
    {
      const mien_keyframe_spec *k = &p->keyframes[i];
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "time");
      json_builder_add_double_value (b, k->time);
      write_expression (b, &k->expression);
      json_builder_set_member_name (b, "easing");
      json_builder_add_string_value (b, mien_easing_to_string (k->easing));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  write_settings (b, &p->settings);
  json_builder_end_object (b);
  JsonGenerator *gen = json_generator_new ();
  JsonNode *root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  char *text = json_generator_to_data (gen, NULL);
  json_node_unref (root);
  g_object_unref (gen);
  g_object_unref (b);
  return text;
}

mien_status
mien_project_save (const mien_project *project, const char *path,
                   mien_error *err)
{
  if (!project->photo || !*project->photo)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the project has no photo to save");
  char *text = project_to_json (project, path);
  mien_atomic_file *f = mien_atomic_file_open (path, err);
  mien_status st = f ? MIEN_OK : (err ? err->status : MIEN_ERR_IO);
  if (f && mien_atomic_file_write (f, text, strlen (text), err) == MIEN_OK
      && mien_atomic_file_write (f, "\n", 1, err) == MIEN_OK)
    st = mien_atomic_file_commit (f, err);
  else if (f)
    {
      st = err ? err->status : MIEN_ERR_IO;
      mien_atomic_file_abort (f);
    }
  g_free (text);
  return st;
}
