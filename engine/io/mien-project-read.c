/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Loading a project (mien_project_load): json-glib after the shape check
 * of mien-json-file.h, every member's type and range checked, nothing
 * changed unless all of it is good. */
#include "mien-project-private.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mien-json-file.h"

typedef struct reader {
  const char *file;
  mien_error *err;
} reader;

static mien_status
bad (reader *r, const char *what)
{
  return mien_error_set (r->err, MIEN_ERR_FORMAT, "%s: %s", r->file, what);
}

static int
member_number (JsonObject *o, const char *key, double *out)
{
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_VALUE (n))
    return 0;
  GType t = json_node_get_value_type (n);
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    return 0;
  *out = json_node_get_double (n);
  return isfinite (*out);
}

static const char *
member_string (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  if (!n || !JSON_NODE_HOLDS_VALUE (n)
      || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static JsonObject *
member_object (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

static mien_status
read_expression (reader *r, JsonObject *o, const char *where,
                 mien_expression_spec *spec)
{
  char msg[256];
  mien_expression_spec_init (spec);
  const char *preset = member_string (o, "preset");
  if (json_object_has_member (o, "preset") && !preset)
    {
      snprintf (msg, sizeof msg, "%s: \"preset\" must be a string", where);
      return bad (r, msg);
    }
  if (preset && (spec->preset = mien_preset_from_name (preset)) < 0)
    {
      snprintf (msg, sizeof msg, "%s: unknown preset '%s'", where, preset);
      return bad (r, msg);
    }
  double k = 1.0;
  if (json_object_has_member (o, "intensity")
      && (!member_number (o, "intensity", &k) || k < 0.0 || k > 1.0))
    {
      snprintf (msg, sizeof msg, "%s: \"intensity\" must be a number in 0 … 1",
                where);
      return bad (r, msg);
    }
  spec->intensity = (float)k;
  if (!json_object_has_member (o, "aus"))
    return MIEN_OK;
  JsonObject *aus = member_object (o, "aus");
  if (!aus)
    {
      snprintf (msg, sizeof msg, "%s: \"aus\" must be an object", where);
      return bad (r, msg);
    }
  GList *names = json_object_get_members (aus);
  mien_status st = MIEN_OK;
  for (GList *l = names; l && st == MIEN_OK; l = l->next)
    {
      const char *name = l->data;
      int ch = mien_au_channel_from_name (name);
      double v;
      if (ch < 0)
        snprintf (msg, sizeof msg, "%s: unknown Action Unit '%s'", where, name);
      else if (!member_number (aus, name, &v))
        snprintf (msg, sizeof msg, "%s: %s must be a number", where, name);
      else if (!(v >= mien_au_channels[ch].min && v <= mien_au_channels[ch].max))
        snprintf (msg, sizeof msg, "%s: %s = %g is out of range (%g … %g)",
                  where, name, v, (double)mien_au_channels[ch].min,
                  (double)mien_au_channels[ch].max);
      else
        {
          spec->aus.values[ch] = (float)v;
          continue;
        }
      st = bad (r, msg);
    }
  g_list_free (names);
  return st;
}

static mien_status
read_keyframes (reader *r, JsonObject *root, mien_project *p)
{
  JsonNode *n = json_object_get_member (root, "keyframes");
  if (!n)
    return MIEN_OK;
  if (!JSON_NODE_HOLDS_ARRAY (n))
    return bad (r, "\"keyframes\" must be an array");
  JsonArray *a = json_node_get_array (n);
  guint len = json_array_get_length (a);
  if (len > MIEN_PROJECT_MAX_KEYFRAMES)
    return bad (r, "too many keyframes");
  for (guint i = 0; i < len; i++)
    {
      char where[64], msg[128];
      snprintf (where, sizeof where, "keyframe %u", i + 1);
      JsonNode *e = json_array_get_element (a, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          snprintf (msg, sizeof msg, "%s must be an object", where);
          return bad (r, msg);
        }
      JsonObject *o = json_node_get_object (e);
      mien_keyframe_spec k = { .easing = MIEN_EASING_EASE_IN_OUT };
      if (!member_number (o, "time", &k.time) || k.time < 0.0
          || k.time > MIEN_TIMELINE_MAX_TIME)
        {
          snprintf (msg, sizeof msg, "%s: \"time\" must be seconds from 0 "
                    "to %g", where, MIEN_TIMELINE_MAX_TIME);
          return bad (r, msg);
        }
      const char *easing = member_string (o, "easing");
      int e_id = easing ? mien_easing_from_string (easing) : (int)k.easing;
      if ((json_object_has_member (o, "easing") && !easing) || e_id < 0)
        {
          snprintf (msg, sizeof msg, "%s: \"easing\" must be linear, "
                    "ease-in-out or hold", where);
          return bad (r, msg);
        }
      k.easing = (mien_easing)e_id;
      if (read_expression (r, o, where, &k.expression) != MIEN_OK
          || mien_project_add_keyframe (p, &k, r->err) != MIEN_OK)
        return r->err ? r->err->status : MIEN_ERR_FORMAT;
    }
  return MIEN_OK;
}

/* An enum member given by name: absent keeps *value. */
static mien_status
read_enum (reader *r, JsonObject *o, const char *key,
           int (*from_string) (const char *), const char *valid, int *value)
{
  if (!json_object_has_member (o, key))
    return MIEN_OK;
  const char *s = member_string (o, key);
  int v = s ? from_string (s) : -1;
  if (v < 0)
    {
      char msg[160];
      snprintf (msg, sizeof msg, "settings: \"%s\" must be %s", key, valid);
      return bad (r, msg);
    }
  *value = v;
  return MIEN_OK;
}

/* A number member in (0, max]: absent keeps *value. what says what it is
 * ("a number", "seconds") in the message. */
static mien_status
read_positive (reader *r, JsonObject *o, const char *key, const char *what,
               double max, double *value)
{
  if (!json_object_has_member (o, key))
    return MIEN_OK;
  double v;
  if (!member_number (o, key, &v) || !(v > 0.0 && v <= max))
    {
      char msg[96];
      snprintf (msg, sizeof msg, "settings: \"%s\" must be %s in (0, %g]",
                key, what, max);
      return bad (r, msg);
    }
  *value = v;
  return MIEN_OK;
}

static mien_status
read_settings (reader *r, JsonObject *root, mien_animation_settings *s)
{
  if (!json_object_has_member (root, "settings"))
    return MIEN_OK;
  JsonObject *o = member_object (root, "settings");
  if (!o)
    return bad (r, "\"settings\" must be an object");
  int mode = s->mode, scale = s->scale, interp = s->interpolation;
  int region = s->region;
  if (read_enum (r, o, "mode", mien_reswarp_mode_from_string,
                 "vanilla or multiscale", &mode) != MIEN_OK
      || read_enum (r, o, "scale", project_scale_from_string,
                    "full, half or max-side", &scale) != MIEN_OK
      || read_enum (r, o, "interpolation", mien_interpolation_from_string,
                    "driving or field", &interp) != MIEN_OK
      || read_enum (r, o, "region", mien_clip_region_from_string,
                    "photo or face", &region) != MIEN_OK)
    return r->err ? r->err->status : MIEN_ERR_FORMAT;
  s->mode = (mien_reswarp_mode)mode;
  s->scale = (mien_export_scale)scale;
  s->interpolation = (mien_interpolation)interp;
  s->region = (mien_clip_region)region;
  if (read_positive (r, o, "fps", "a number", MIEN_TIMELINE_MAX_FPS,
                     &s->fps) != MIEN_OK
      || read_positive (r, o, "duration", "seconds",
                        MIEN_TIMELINE_MAX_TIME, &s->duration) != MIEN_OK)
    return r->err ? r->err->status : MIEN_ERR_FORMAT;
  double v;
  if (json_object_has_member (o, "max_side"))
    {
      if (!member_number (o, "max_side", &v) || v < 2 || v > 1e6 || v != floor (v))
        return bad (r, "settings: \"max_side\" must be a whole number >= 2");
      s->max_side = (int)v;
    }
  if (json_object_has_member (o, "ping_pong"))
    {
      JsonNode *n = json_object_get_member (o, "ping_pong");
      if (!JSON_NODE_HOLDS_VALUE (n)
          || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
        return bad (r, "settings: \"ping_pong\" must be true or false");
      s->ping_pong = json_node_get_boolean (n);
    }
  return MIEN_OK;
}

static mien_status
read_header (reader *r, JsonNode *root_node)
{
  if (!root_node || !JSON_NODE_HOLDS_OBJECT (root_node))
    return bad (r, "not a Mien project (the top level is not an object)");
  JsonObject *root = json_node_get_object (root_node);
  const char *format = member_string (root, "format");
  if (!format || strcmp (format, MIEN_PROJECT_FORMAT) != 0)
    return bad (r, "not a Mien project (\"format\" is not \"mien-project\")");
  double version;
  if (!member_number (root, "version", &version) || version < 1
      || version != floor (version))
    return bad (r, "\"version\" must be a whole number >= 1");
  if (version > MIEN_PROJECT_VERSION)
    return mien_error_set (r->err, MIEN_ERR_UNSUPPORTED,
                           "%s: written by a newer Mien (project version %.0f; "
                           "this version reads up to %d)",
                           r->file, version, MIEN_PROJECT_VERSION);
  return MIEN_OK;
}

/* The photo path, resolved against the project's folder, must exist. */
static mien_status
read_photo (reader *r, JsonObject *root, mien_project *p)
{
  const char *photo = member_string (root, "photo");
  if (!photo || !*photo)
    return bad (r, "\"photo\" must be the photo's path");
  char *resolved;
  if (g_path_is_absolute (photo))
    resolved = g_canonicalize_filename (photo, NULL);
  else
    {
      char *dir = g_path_get_dirname (r->file);
      char *abs_dir = g_canonicalize_filename (dir, NULL);
      resolved = g_canonicalize_filename (photo, abs_dir);
      g_free (dir);
      g_free (abs_dir);
    }
  mien_status st = MIEN_OK;
  if (!g_file_test (resolved, G_FILE_TEST_IS_REGULAR))
    st = mien_error_set (r->err, MIEN_ERR_IO,
                         "%s: the photo is not where the project expects it: "
                         "%s (moved or deleted?)", r->file, resolved);
  else
    st = mien_project_set_photo (p, resolved, r->err);
  g_free (resolved);
  return st;
}

static mien_status
read_project (reader *r, JsonNode *root_node, mien_project *p)
{
  if (read_header (r, root_node) != MIEN_OK)
    return r->err ? r->err->status : MIEN_ERR_FORMAT;
  JsonObject *root = json_node_get_object (root_node);
  double face = -1;
  if (json_object_has_member (root, "face")
      && (!member_number (root, "face", &face) || face < -1
          || face != floor (face) || face > 100000))
    return bad (r, "\"face\" must be a face index >= 0 (or -1: the largest)");
  p->face = (int)face;
  JsonObject *target = member_object (root, "target");
  if (json_object_has_member (root, "target") && !target)
    return bad (r, "\"target\" must be an object");
  if ((target && read_expression (r, target, "target", &p->target) != MIEN_OK)
      || read_keyframes (r, root, p) != MIEN_OK
      || read_settings (r, root, &p->settings) != MIEN_OK
      || read_photo (r, root, p) != MIEN_OK)
    return r->err ? r->err->status : MIEN_ERR_FORMAT;
  /* Two keyframes at one time would be refused later; say it now. */
  /* ... and so would a clip of more frames than a clip may have. */
  mien_timeline *tl = mien_project_build_timeline (p, r->err);
  mien_status st = tl ? mien_timeline_check_frames (tl, p->settings.fps,
                                                    r->err)
                      : MIEN_ERR_FORMAT;
  mien_timeline_free (tl);
  if (st != MIEN_OK)
    {
      char reason[MIEN_ERROR_MESSAGE_MAX];
      snprintf (reason, sizeof reason, "%s", r->err->message);
      return mien_error_set (r->err, MIEN_ERR_FORMAT, "%s: %s", r->file,
                             reason);
    }
  return MIEN_OK;
}

/* Parses text (the contents of a project file at path, which names it in
 * messages and anchors a relative photo path) into *out. */
static mien_status
load_from_data (const char *text, size_t length, const char *path,
                mien_project *out, mien_error *err)
{
  mien_error local = { 0 };
  reader r = { path, err ? err : &local };
  if (mien_json_check_shape (text, length, MIEN_JSON_FILE_MAX_DEPTH,
                             MIEN_PROJECT_MAX_VALUES, path, r.err) != MIEN_OK)
    return r.err->status;
  JsonParser *parser = json_parser_new ();
  GError *gerr = NULL;
  mien_status st;
  if (!json_parser_load_from_data (parser, text, (gssize)length, &gerr))
    {
      st = mien_error_set (r.err, MIEN_ERR_FORMAT, "%s: %s", path,
                           gerr->message);
      g_error_free (gerr);
      g_object_unref (parser);
      return st;
    }
  mien_project p;
  mien_project_init (&p);
  st = read_project (&r, json_parser_get_root (parser), &p);
  g_object_unref (parser);
  if (st != MIEN_OK)
    {
      mien_project_clear (&p);
      return st;
    }
  mien_project_clear (out);
  *out = p;
  return MIEN_OK;
}

mien_status
mien_project_load_from_data (const char *text, size_t length,
                             const char *path, mien_project *out,
                             mien_error *err)
{
  if (length > MIEN_PROJECT_MAX_FILE_SIZE)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: over the limit of %d bytes for a project",
                           path, MIEN_PROJECT_MAX_FILE_SIZE);
  return load_from_data (text, length, path, out, err);
}

mien_status
mien_project_load (const char *path, mien_project *out, mien_error *err)
{
  char *text;
  size_t length;
  mien_status st = mien_json_file_read (path, MIEN_PROJECT_MAX_FILE_SIZE,
                                        &text, &length, err);
  if (st != MIEN_OK)
    return st;
  st = load_from_data (text, length, path, out, err);
  free (text);
  return st;
}
