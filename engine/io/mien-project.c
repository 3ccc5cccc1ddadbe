/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-project.h"
#include "mien-c-locale.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-atomic-file.h"
#include "mien-json-file.h"

/* ---- small enums ---------------------------------------------------------- */

const char *
mien_clip_region_to_string (mien_clip_region region)
{
  return region == MIEN_CLIP_REGION_FACE ? "face" : "photo";
}

int
mien_clip_region_from_string (const char *name)
{
  if (name && strcmp (name, "photo") == 0)
    return MIEN_CLIP_REGION_PHOTO;
  if (name && strcmp (name, "face") == 0)
    return MIEN_CLIP_REGION_FACE;
  return -1;
}

static const char *const scale_names[] = { "full", "half", "max-side" };

static int
scale_from_string (const char *name)
{
  for (int i = 0; i < 3; i++)
    if (name && strcmp (name, scale_names[i]) == 0)
      return i;
  return -1;
}

/* ---- expressions and keyframes -------------------------------------------- */

void
mien_expression_spec_init (mien_expression_spec *spec)
{
  spec->preset = -1;
  spec->intensity = 1.0f;
  mien_driving_init (&spec->aus);
}

void
mien_expression_spec_to_driving (const mien_expression_spec *spec,
                                 mien_driving *c)
{
  mien_driving_init (c);
  if (spec->preset >= 0 && spec->preset < MIEN_N_PRESETS)
    mien_driving_add_preset (c, (mien_expression_preset)spec->preset,
                             spec->intensity);
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    c->values[i] += spec->aus.values[i];
  mien_driving_clamp (c);
}

static mien_status
check_aus (const mien_driving *aus, mien_error *err)
{
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    {
      const mien_au_info *info = &mien_au_channels[i];
      float v = aus->values[i];
      if (!(v >= info->min && v <= info->max))
        return mien_error_set (err, MIEN_ERR_INVALID,
                               "%s = %g is out of range (%g … %g)", info->name,
                               (double)v, (double)info->min, (double)info->max);
    }
  return MIEN_OK;
}

static mien_status
check_intensity (float k, mien_error *err)
{
  if (!(k >= 0.0f && k <= 1.0f))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "preset intensity %g is out of range (0 … 1)",
                           (double)k);
  return MIEN_OK;
}

/* A plain decimal number from text up to stop (or the end): "1.5", "0",
 * "2e-1", and nothing after it. strtod alone would also take "nan", "inf"
 * and hexadecimal ("0x1p1"), which no one means in a keyframe. */
static int
parse_decimal (const char *text, char stop, double *out)
{
  size_t n = strspn (text, "0123456789+-.eE");
  if (n == 0 || text[n] != stop)
    return 0;
  char *end;
  double v = mien_strtod_c (text, &end);
  /* Beyond any time or intensity, and beyond float: (float)2e39 is
   * undefined behaviour (found by tests/fuzz/fuzz-specs). */
  if (end != text + n || !(fabs (v) <= 1e9))
    return 0;
  *out = v;
  return 1;
}

/* "happy" or "happy@0.8" into spec. */
static mien_status
parse_preset (const char *text, mien_expression_spec *spec, mien_error *err)
{
  char name[64];
  const char *at = strchr (text, '@');
  size_t len = at ? (size_t)(at - text) : strlen (text);
  if (len >= sizeof name)
    len = sizeof name - 1;
  memcpy (name, text, len);
  name[len] = '\0';
  int p = mien_preset_from_name (name);
  if (p < 0)
    {
      char names[512];
      mien_preset_list_names (names, sizeof names);
      return mien_error_set (err, MIEN_ERR_INVALID,
                             "unknown preset '%s'; valid: %s", name, names);
    }
  spec->preset = p;
  spec->intensity = 1.0f;
  if (at)
    {
      double k;
      if (!parse_decimal (at + 1, '\0', &k))
        return mien_error_set (err, MIEN_ERR_INVALID,
                               "'%s': the intensity after @ must be a number",
                               text);
      spec->intensity = (float)k;
    }
  return check_intensity (spec->intensity, err);
}

mien_status
mien_expression_spec_parse (const char *text, mien_expression_spec *spec,
                            mien_error *err)
{
  mien_expression_spec out;
  mien_expression_spec_init (&out);
  if (!text || !*text)
    return mien_error_set (err, MIEN_ERR_INVALID, "empty expression");
  char buf[1024];
  if (strlen (text) >= sizeof buf)
    return mien_error_set (err, MIEN_ERR_INVALID, "expression too long");
  strcpy (buf, text);
  /* A leading term without '=' is the preset; the rest are AU=VALUE. */
  char *aus = buf;
  char *comma = strchr (buf, ',');
  char *eq = strchr (buf, '=');
  if (!eq || (comma && comma < eq))
    {
      if (comma)
        *comma = '\0';
      if (parse_preset (buf, &out, err) != MIEN_OK)
        return err ? err->status : MIEN_ERR_INVALID;
      aus = comma ? comma + 1 : NULL;
    }
  if (aus && *aus
      && (mien_driving_parse (&out.aus, aus, err) != MIEN_OK
          || check_aus (&out.aus, err) != MIEN_OK))
    return err ? err->status : MIEN_ERR_INVALID;
  *spec = out;
  return MIEN_OK;
}

mien_status
mien_keyframe_spec_parse (const char *text, mien_keyframe_spec *keyframe,
                          mien_error *err)
{
  const char *colon = text ? strchr (text, ':') : NULL;
  if (!colon)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "keyframe '%s' is not TIME:EXPRESSION (e.g. "
                           "1.5:happy@0.8 or 3:12=3,6=2)",
                           text ? text : "");
  double t;
  if (!parse_decimal (text, ':', &t)
      || !(t >= 0.0 && t <= MIEN_TIMELINE_MAX_TIME))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "keyframe '%s': the time must be a number of "
                           "seconds from 0 to %g", text,
                           MIEN_TIMELINE_MAX_TIME);
  mien_keyframe_spec k = { .time = t, .easing = MIEN_EASING_EASE_IN_OUT };
  mien_error sub = { 0 };
  if (mien_expression_spec_parse (colon + 1, &k.expression, &sub) != MIEN_OK)
    return mien_error_set (err, sub.status, "keyframe '%s': %s", text,
                           sub.message);
  *keyframe = k;
  return MIEN_OK;
}

/* ---- project lifetime ----------------------------------------------------- */

void
mien_animation_settings_init (mien_animation_settings *s)
{
  *s = (mien_animation_settings){
    .mode = MIEN_RESWARP_VANILLA,
    .fps = 30.0,
    .duration = 2.0,
    .scale = MIEN_EXPORT_SCALE_FULL,
    .max_side = 1024,
    .interpolation = MIEN_INTERPOLATION_DRIVING,
    .ping_pong = 0,
    .region = MIEN_CLIP_REGION_PHOTO,
  };
}

void
mien_project_init (mien_project *project)
{
  *project = (mien_project){ .face = -1 };
  mien_expression_spec_init (&project->target);
  mien_animation_settings_init (&project->settings);
}

void
mien_project_clear (mien_project *project)
{
  free (project->photo);
  free (project->keyframes);
  mien_project_init (project);
}

mien_status
mien_project_add_keyframe (mien_project *project,
                           const mien_keyframe_spec *keyframe, mien_error *err)
{
  if (project->n_keyframes >= MIEN_PROJECT_MAX_KEYFRAMES)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "more than %d keyframes", MIEN_PROJECT_MAX_KEYFRAMES);
  mien_keyframe_spec *k = realloc (project->keyframes,
                                   sizeof *k * (size_t)(project->n_keyframes + 1));
  if (!k)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  k[project->n_keyframes++] = *keyframe;
  project->keyframes = k;
  return MIEN_OK;
}

mien_status
mien_project_set_photo (mien_project *project, const char *photo,
                        mien_error *err)
{
  char *copy = photo ? strdup (photo) : NULL;
  if (photo && !copy)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  free (project->photo);
  project->photo = copy;
  return MIEN_OK;
}

mien_timeline *
mien_project_build_timeline (const mien_project *project, mien_error *err)
{
  const mien_animation_settings *s = &project->settings;
  mien_driving c;
  if (project->n_keyframes == 0)
    {
      mien_expression_spec_to_driving (&project->target, &c);
      return mien_clip_default_timeline (&c, s->duration, s->ping_pong, err);
    }
  mien_timeline *tl = mien_timeline_new (MIEN_AU_N_CHANNELS, err);
  for (int i = 0; tl && i < project->n_keyframes; i++)
    {
      const mien_keyframe_spec *k = &project->keyframes[i];
      mien_expression_spec_to_driving (&k->expression, &c);
      if (mien_timeline_add_keyframe (tl, k->time, c.values, k->easing, err)
          != MIEN_OK)
        {
          mien_timeline_free (tl);
          return NULL;
        }
    }
  if (tl)
    mien_timeline_set_ping_pong (tl, s->ping_pong);
  return tl;
}

/* ---- reading -------------------------------------------------------------- */

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
      || read_enum (r, o, "scale", scale_from_string,
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
  double v;
  if (json_object_has_member (o, "fps"))
    {
      if (!member_number (o, "fps", &v) || !(v > 0.0 && v <= MIEN_TIMELINE_MAX_FPS))
        {
          char msg[96];
          snprintf (msg, sizeof msg, "settings: \"fps\" must be a number in "
                    "(0, %g]", MIEN_TIMELINE_MAX_FPS);
          return bad (r, msg);
        }
      s->fps = v;
    }
  if (json_object_has_member (o, "duration"))
    {
      if (!member_number (o, "duration", &v)
          || !(v > 0.0 && v <= MIEN_TIMELINE_MAX_TIME))
        {
          char msg[96];
          snprintf (msg, sizeof msg, "settings: \"duration\" must be "
                    "seconds in (0, %g]", MIEN_TIMELINE_MAX_TIME);
          return bad (r, msg);
        }
      s->duration = v;
    }
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

/* ---- writing -------------------------------------------------------------- */

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
  json_builder_add_string_value (b, scale_names[s->scale <= 2 ? s->scale : 0]);
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
