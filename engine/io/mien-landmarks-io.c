/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-landmarks-io.h"
#include "mien-json-file.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FACES 4096

static int
get_number (JsonNode *node, double *out)
{
  if (!node || !JSON_NODE_HOLDS_VALUE (node))
    return 0;
  GType t = json_node_get_value_type (node);
  if (t != G_TYPE_DOUBLE && t != G_TYPE_INT64)
    return 0;
  *out = json_node_get_double (node);
  return isfinite (*out);
}

static JsonArray *
get_array (JsonObject *obj, const char *key, guint length)
{
  JsonNode *n = json_object_get_member (obj, key);
  if (!n || !JSON_NODE_HOLDS_ARRAY (n))
    return NULL;
  JsonArray *a = json_node_get_array (n);
  return (length == 0 || json_array_get_length (a) == length) ? a : NULL;
}

static mien_status
parse_face (JsonNode *node, int index, mien_face *face, mien_error *err)
{
  memset (face, 0, sizeof *face);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return mien_error_set (err, MIEN_ERR_FORMAT, "face %d is not an object", index);
  JsonObject *obj = json_node_get_object (node);
  JsonArray *box = get_array (obj, "box", 4);
  JsonArray *lm = get_array (obj, "landmarks", MIEN_N_LANDMARKS);
  if (!box || !lm)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "face %d needs \"box\" (4 numbers) and \"landmarks\" "
                           "(%d points)", index, MIEN_N_LANDMARKS);
  double v[4];
  for (guint i = 0; i < 4; i++)
    if (!get_number (json_array_get_element (box, i), &v[i]))
      return mien_error_set (err, MIEN_ERR_FORMAT, "face %d: bad box", index);
  face->box = (mien_box){ (float)v[0], (float)v[1], (float)v[2], (float)v[3] };
  double score = 1.0;
  if (json_object_has_member (obj, "score")
      && (!get_number (json_object_get_member (obj, "score"), &score)
          || score < 0.0 || score > 1.0))
    return mien_error_set (err, MIEN_ERR_FORMAT, "face %d: score not in [0, 1]", index);
  face->score = (float)score;
  for (guint i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      JsonNode *p = json_array_get_element (lm, i);
      JsonArray *xy = JSON_NODE_HOLDS_ARRAY (p) ? json_node_get_array (p) : NULL;
      double x, y;
      if (!xy || json_array_get_length (xy) != 2
          || !get_number (json_array_get_element (xy, 0), &x)
          || !get_number (json_array_get_element (xy, 1), &y)
          || fabs (x) > 1e6 || fabs (y) > 1e6)
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "face %d: landmark %u is not [x, y]", index, i);
      face->landmarks[i] = (mien_point){ (float)x, (float)y };
    }
  return MIEN_OK;
}

/* A face the photo can show: its landmarks span at least 2 px, and none
 * lies outside the photo by more than the face's size (the larger side of
 * the landmarks' bounding box). A chin slightly past the edge is fine; a
 * face described for another photo, or in other units, is not: animating
 * it would give back the photo unchanged and say nothing. */
static mien_status
check_face_in_photo (const mien_face *face, int index, int width, int height,
                     mien_error *err)
{
  float x0 = face->landmarks[0].x, x1 = x0;
  float y0 = face->landmarks[0].y, y1 = y0;
  for (int i = 1; i < MIEN_N_LANDMARKS; i++)
    {
      x0 = fminf (x0, face->landmarks[i].x), x1 = fmaxf (x1, face->landmarks[i].x);
      y0 = fminf (y0, face->landmarks[i].y), y1 = fmaxf (y1, face->landmarks[i].y);
    }
  float size = fmaxf (x1 - x0, y1 - y0);
  if (!(size >= 2.0f))
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "face %d: the landmarks span %.3g px, too small "
                           "for a face", index, (double)size);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      float x = face->landmarks[i].x, y = face->landmarks[i].y;
      if (x < -size || y < -size || x > (float)width + size
          || y > (float)height + size)
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "face %d: landmark %d at (%.1f, %.1f) is "
                               "outside the %d×%d photo by more than the "
                               "face's size (%.0f px)",
                               index, i, (double)x, (double)y, width, height,
                               (double)size);
    }
  if (!(face->box.width > 0.0f && face->box.height > 0.0f))
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "face %d: the box has no area (%g×%g)", index,
                           (double)face->box.width, (double)face->box.height);
  return MIEN_OK;
}

static mien_status
parse_header (JsonObject *root, mien_landmark_file *out, mien_error *err)
{
  JsonNode *fmt = json_object_get_member (root, "format");
  if (!fmt || !JSON_NODE_HOLDS_VALUE (fmt)
      || json_node_get_value_type (fmt) != G_TYPE_STRING
      || strcmp (json_node_get_string (fmt), "mien-landmarks") != 0)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "not a mien-landmarks file (\"format\" missing)");
  double version, w, h;
  if (!get_number (json_object_get_member (root, "version"), &version)
      || version != 1.0)
    return mien_error_set (err, MIEN_ERR_FORMAT, "unsupported version (want 1)");
  if (!get_number (json_object_get_member (root, "width"), &w)
      || !get_number (json_object_get_member (root, "height"), &h) || w < 1
      || h < 1 || w > 1e6 || h > 1e6 || w != floor (w) || h != floor (h))
    return mien_error_set (err, MIEN_ERR_FORMAT, "bad \"width\" / \"height\"");
  out->width = (int)w, out->height = (int)h;
  return MIEN_OK;
}

static mien_status
parse_root (JsonNode *node, mien_landmark_file *out, mien_error *err)
{
  if (!node || !JSON_NODE_HOLDS_OBJECT (node))
    return mien_error_set (err, MIEN_ERR_FORMAT, "top level is not an object");
  JsonObject *root = json_node_get_object (node);
  mien_status st = parse_header (root, out, err);
  if (st != MIEN_OK)
    return st;
  JsonArray *faces = get_array (root, "faces", 0);
  if (!faces || json_array_get_length (faces) > MAX_FACES)
    return mien_error_set (err, MIEN_ERR_FORMAT, "\"faces\" missing or too long");
  int n = (int)json_array_get_length (faces);
  out->faces = calloc (n ? (size_t)n : 1, sizeof (mien_face));
  if (!out->faces)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  for (int i = 0; i < n; i++)
    if ((st = parse_face (json_array_get_element (faces, (guint)i), i,
                          &out->faces[i], err)) != MIEN_OK
        || (st = check_face_in_photo (&out->faces[i], i, out->width,
                                      out->height, err)) != MIEN_OK)
      return st;
  out->n_faces = n;
  return MIEN_OK;
}

mien_status
mien_landmark_file_load_from_data (const char *text, size_t length,
                                   const char *name, mien_landmark_file *out,
                                   mien_error *err)
{
  memset (out, 0, sizeof *out);
  if (length > MIEN_LANDMARK_FILE_MAX_SIZE)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: over the limit of %d bytes for a landmark "
                           "file", name, MIEN_LANDMARK_FILE_MAX_SIZE);
  mien_status st = mien_json_check_shape (text, length,
                                          MIEN_JSON_FILE_MAX_DEPTH,
                                          MIEN_LANDMARK_FILE_MAX_VALUES, name,
                                          err);
  if (st != MIEN_OK)
    return st;
  JsonParser *parser = json_parser_new ();
  GError *gerr = NULL;
  if (!json_parser_load_from_data (parser, text, (gssize)length, &gerr))
    {
      st = mien_error_set (err, MIEN_ERR_FORMAT, "%s: %s", name,
                           gerr ? gerr->message : "unreadable");
      g_clear_error (&gerr);
    }
  else if ((st = parse_root (json_parser_get_root (parser), out, err)) != MIEN_OK)
    mien_error_prefix (err, "%s", name);
  g_object_unref (parser);
  if (st != MIEN_OK)
    mien_landmark_file_clear (out);
  return st;
}

mien_status
mien_landmark_file_load (const char *path, mien_landmark_file *out,
                         mien_error *err)
{
  memset (out, 0, sizeof *out);
  char *text;
  size_t length;
  mien_status st = mien_json_file_read (path, MIEN_LANDMARK_FILE_MAX_SIZE,
                                        &text, &length, err);
  if (st != MIEN_OK)
    return st;
  st = mien_landmark_file_load_from_data (text, length, path, out, err);
  free (text);
  return st;
}

void
mien_landmark_file_clear (mien_landmark_file *file)
{
  free (file->faces);
  memset (file, 0, sizeof *file);
}

int
mien_landmark_file_largest_face (const mien_landmark_file *file)
{
  int best = -1;
  float area = -1.0f;
  for (int i = 0; i < file->n_faces; i++)
    {
      float a = file->faces[i].box.width * file->faces[i].box.height;
      if (a > area)
        area = a, best = i;
    }
  return best;
}
