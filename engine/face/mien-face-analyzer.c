/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The face analyzer (mien-face-analyzer.h): its life, the checks of the
 * models' outputs, and the whole run (detection, then each face
 * described). The parts are listed in mien-face-analyzer-private.h. */
#include "mien-face-analyzer-private.h"
#include "nn/mien-nn-cpu.h"
#include "nn/mien-nn-device.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

mien_face_analyzer *
mien_face_analyzer_new (const char *model_dir, mien_pool *pool,
                        mien_error *err)
{
  mien_face_analyzer *fa = calloc (1, sizeof *fa);
  if (fa == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  fa->model_dir = strdup (model_dir ? model_dir : ".");
  if (fa->model_dir == NULL)
    {
      free (fa);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  /* CUDA when a device is there (engine/mien-device.h), else the CPU. */
  mien_nn_backend *backend = mien_nn_backend_new_default (pool, err);
  if (backend == NULL || (fa->nn = mien_nn_new (backend, err)) == NULL
      || face_detector_net_load (&fa->detector, model_dir, err) != MIEN_OK
      || face_feature_net_load (&fa->landmarks, model_dir,
                                "face_landmark_68_model",
                                2 * MIEN_N_LANDMARKS, err) != MIEN_OK
      || face_feature_net_load (&fa->expressions, model_dir,
                                "face_expression_model", MIEN_N_EXPRESSIONS,
                                err) != MIEN_OK
      || face_resnet_load (&fa->recognition, model_dir, err) != MIEN_OK)
    {
      mien_face_analyzer_free (fa);
      return NULL;
    }
  return fa;
}

mien_face_analyzer *
mien_face_analyzer_new_expressions (const mien_face_analyzer *like,
                                    mien_pool *pool, mien_error *err)
{
  if (!mien_nn_backend_is_cpu (mien_nn_get_backend (like->nn)))
    {
      mien_error_set (err, MIEN_ERR_UNSUPPORTED, "the face models do not "
                      "run on the CPU");
      return NULL;
    }
  mien_face_analyzer *fa = calloc (1, sizeof *fa);
  if (fa == NULL || (fa->model_dir = strdup (like->model_dir)) == NULL)
    {
      free (fa);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  mien_nn_backend *backend = mien_nn_cpu_backend_new (pool, 0, err);
  if (backend == NULL || (fa->nn = mien_nn_new (backend, err)) == NULL
      || face_feature_net_load (&fa->expressions, fa->model_dir,
                                "face_expression_model", MIEN_N_EXPRESSIONS,
                                err) != MIEN_OK)
    {
      mien_face_analyzer_free (fa);
      return NULL;
    }
  return fa;
}

int
face_analyzer_is_partial (const mien_face_analyzer *fa, mien_error *err)
{
  if (fa->detector.weights != NULL && fa->landmarks.weights != NULL)
    return 0;
  mien_error_set (err, MIEN_ERR_INVALID, "this face analyzer only runs the "
                  "expression net");
  return 1;
}

void
mien_face_analyzer_free (mien_face_analyzer *fa)
{
  if (fa == NULL)
    return;
  face_detector_net_clear (&fa->detector);
  face_feature_net_clear (&fa->landmarks);
  face_feature_net_clear (&fa->expressions);
  face_resnet_clear (&fa->recognition);
  face_eyes_clear (fa);
  face_head_clear (fa);
  face_mesh_clear (fa);
  mien_nn_free (fa->nn);
  free (fa->model_dir);
  free (fa);
}

void
mien_faces_free (mien_face *faces)
{
  free (faces);
}

/* ---- checks of the models' outputs ---- */

/* A landmark or box is absurd when it lies outside the image by more than
 * a face size (damaged weights give ±2e15, or inf). */
static int
point_plausible (double x, double y, double size, int width, int height)
{
  return isfinite (x) && isfinite (y) && x >= -size && y >= -size
         && x <= width + size && y <= height + size;
}

int
face_landmarks_plausible (const mien_point *pts, double size, int width,
                          int height)
{
  if (!(isfinite (size) && size > 0))
    return 0;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    if (!point_plausible (pts[i].x, pts[i].y, size, width, height))
      return 0;
  return 1;
}

int
face_box_plausible (mien_box b, int width, int height)
{
  double size = fmax (b.width, b.height);
  return isfinite (b.x) && isfinite (b.y) && isfinite (b.width)
         && isfinite (b.height) && b.width > 0 && b.height > 0
         && point_plausible (b.x, b.y, size, width, height)
         && point_plausible (b.x + b.width, b.y + b.height, size, width,
                             height);
}

int
face_all_finite (const float *v, int n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return 0;
  return 1;
}

mien_status
face_damaged (const mien_face_analyzer *fa, const char *what, const char *file,
              mien_error *err)
{
  return mien_error_set (err, MIEN_ERR_FORMAT,
                         "no face: the %s (%s/%s.bin) gives %s: its weights "
                         "are damaged", what, fa->model_dir, file,
                         strcmp (what, "landmark model") == 0
                             ? "landmarks that are not finite or lie outside "
                               "the photo"
                             : "numbers that are not finite");
}

mien_status
face_check_image (const mien_image *image, mien_error *err)
{
  if (image == NULL || image->data == NULL)
    return mien_error_set (err, MIEN_ERR_INVALID, "no image");
  if (image->channels != 1 && image->channels != 3 && image->channels != 4)
    return mien_error_set (err, MIEN_ERR_INVALID, "face analysis needs a "
                           "gray, RGB or RGBA image, not %d channels",
                           image->channels);
  return mien_image_check_size (image->width, image->height, image->channels,
                                err);
}

/* ---- the whole run ---- */

/* Describes each of faces[0 … *n_faces) in place and keeps those that
 * hold: a face whose crop is empty is dropped, as face-api drops it; one
 * whose model outputs are absurd is dropped too and remembered in
 * *damage. Any other error is returned. */
static mien_status
describe_found (mien_face_analyzer *fa, const mien_image *image,
                mien_face *faces, int *n_faces, int *damaged_seen,
                mien_error *damage, mien_error *err)
{
  int kept = 0;
  for (int i = 0; i < *n_faces; i++)
    {
      mien_face face = faces[i];
      mien_error local = { 0 };
      mien_status s = mien_face_analyzer_describe (fa, image, &face, &local);
      if (s == MIEN_ERR_INVALID)
        continue;
      if (s == MIEN_ERR_FORMAT)
        {
          if (!*damaged_seen)
            *damage = local;
          *damaged_seen = 1;
          continue;
        }
      if (s != MIEN_OK)
        {
          if (err != NULL)
            *err = local;
          return s;
        }
      /* The eyes are extra: where the iris model fails, the classical
       * fit stands in (ok = 0), and the face is kept. */
      if (mien_face_analyzer_eyes (fa, image, face.landmarks, face.eyes,
                                   NULL)
          != MIEN_OK)
        memset (face.eyes, 0, sizeof face.eyes);
      /* So is the head's matte: without it the rig bounds the head by its
       * fitted shape. */
      if (mien_face_analyzer_head (fa, image, face.landmarks, &face.head,
                                   NULL)
          != MIEN_OK)
        memset (&face.head, 0, sizeof face.head);
      faces[kept++] = face;
    }
  *n_faces = kept;
  return MIEN_OK;
}

/* A face the detector scores below this is weak: the photo whose every
 * face is weak gets the padded look too. In the full detection sweep a
 * close-up rolled 40° at 8K (liveportrait-d9, 90 % of the frame) gave the
 * 416 pass only one eye, at 0.54, with landmarks crumpled over it; the
 * padded views find the whole face. Every face of the sample photos scores
 * 0.62 or more; the driving photos' weakest are 0.51 and 0.55. */
#define WEAK_FACE_SCORE 0.6f

static int
all_weak (const mien_face *faces, int n)
{
  for (int i = 0; i < n; i++)
    if (!(faces[i].score < WEAK_FACE_SCORE))
      return 0;
  return 1;
}

/* The padded look's faces against those found: a padded face that holds
 * most of a weak face (PADDED_COVER of its box) and is at least
 * PADDED_GROWTH times its area replaces it (the eye above was such a
 * face); one that overlaps no face is added; the others are faces found
 * already. */
#define PADDED_COVER 0.6
#define PADDED_GROWTH 2.0

static int
replaces (mien_box padded, mien_box found)
{
  return face_box_cover (padded, found) >= PADDED_COVER
         && (double)padded.width * padded.height
                >= PADDED_GROWTH * found.width * found.height;
}

static int
overlaps (mien_box a, mien_box b)
{
  return face_box_cover (a, b) > 0.0;
}

/* Keeps, in order, the padded faces that would add or replace one. */
static int
keep_useful (const mien_face *faces, int n, mien_face *padded, int n_padded)
{
  int kept = 0;
  for (int p = 0; p < n_padded; p++)
    {
      int useful = 1;
      for (int i = 0; i < n && useful; i++)
        useful = !overlaps (padded[p].box, faces[i].box)
                 || replaces (padded[p].box, faces[i].box);
      if (useful)
        padded[kept++] = padded[p];
    }
  return kept;
}

/* Merges the padded look's faces (freed) into *faces (above). */
static mien_status
take_padded (mien_face **faces, int *n_faces, mien_face *padded, int n_padded,
             int max_faces, mien_error *err)
{
  if (n_padded == 0)
    {
      mien_faces_free (padded);
      return MIEN_OK;
    }
  if (*n_faces == 0)
    {
      mien_faces_free (*faces);
      *faces = padded;
      *n_faces = n_padded;
      return MIEN_OK;
    }
  mien_face *list = realloc (*faces, (size_t)(*n_faces + n_padded)
                                         * sizeof *list);
  if (list == NULL)
    {
      mien_faces_free (padded);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  *faces = list;
  int n = *n_faces;
  for (int p = 0; p < n_padded; p++)
    {
      int overlapped = 0, replaced = 0;
      for (int i = 0; i < n; i++)
        {
          if (!overlaps (padded[p].box, list[i].box))
            continue;
          overlapped = 1;
          if (!replaces (padded[p].box, list[i].box))
            continue;
          /* The first face it holds takes its place; any other goes. */
          if (!replaced)
            list[i] = padded[p];
          else
            {
              list[i] = list[--n];
              i--; /* the face moved here is looked at next */
            }
          replaced = 1;
        }
      if (!overlapped && n < max_faces)
        list[n++] = padded[p];
    }
  *n_faces = n;
  mien_faces_free (padded);
  return MIEN_OK;
}

mien_status
mien_face_analyzer_run (mien_face_analyzer *fa, const mien_image *image,
                        const mien_face_options *options, mien_face **faces,
                        int *n_faces, mien_error *err)
{
  mien_status s = mien_face_analyzer_detect (fa, image, options, faces,
                                             n_faces, err);
  int damaged_seen = 0;
  mien_error damage = { 0 };
  if (s == MIEN_OK)
    s = describe_found (fa, image, *faces, n_faces, &damaged_seen, &damage,
                        err);
  /* Nothing held, or only weak faces: the robust search's last look, in
   * padded views (not where a model's outputs were absurd: its faces would
   * be too). */
  if (s == MIEN_OK && !damaged_seen
      && (*n_faces == 0 || all_weak (*faces, *n_faces)))
    {
      mien_face *padded = NULL;
      int n_padded = 0;
      s = face_detect_padded (fa, image, options, &padded, &n_padded, err);
      /* Describing is the look's cost (the refinement and verification):
       * only the candidates that could add or replace a face. */
      if (s == MIEN_OK)
        n_padded = keep_useful (*faces, *n_faces, padded, n_padded);
      if (s == MIEN_OK)
        s = describe_found (fa, image, padded, &n_padded, &damaged_seen,
                            &damage, err);
      if (s == MIEN_OK)
        s = take_padded (faces, n_faces, padded, n_padded,
                         options != NULL && options->max_faces > 0
                                 && options->max_faces < MIEN_FACE_MAX_FACES
                             ? options->max_faces
                             : MIEN_FACE_MAX_FACES,
                         err);
      else
        mien_faces_free (padded);
    }
  if (s != MIEN_OK || *n_faces == 0)
    {
      mien_faces_free (*faces);
      *faces = NULL;
      *n_faces = 0;
    }
  if (s == MIEN_OK && *n_faces == 0 && damaged_seen)
    {
      if (err != NULL)
        *err = damage;
      return damage.status;
    }
  return s;
}

float
mien_face_descriptor_distance (const float *a, const float *b)
{
  double sum = 0;
  for (int i = 0; i < MIEN_DESCRIPTOR_SIZE; i++)
    sum += (double)(a[i] - b[i]) * (a[i] - b[i]);
  return (float)sqrt (sum);
}

float
mien_face_descriptor_cosine (const float *a, const float *b)
{
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < MIEN_DESCRIPTOR_SIZE; i++)
    {
      ab += (double)a[i] * b[i];
      aa += (double)a[i] * a[i];
      bb += (double)b[i] * b[i];
    }
  return aa > 0 && bb > 0 ? (float)(ab / sqrt (aa * bb)) : 0.0f;
}
