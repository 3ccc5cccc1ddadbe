/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-face-analyzer.h"
#include "nn/mien-nn-device.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mien-face-input.h"
#include "mien-face-nets.h"

struct mien_face_analyzer {
  char *model_dir; /* named in the messages about damaged weights */
  mien_nn *nn;
  face_detector_net detector;
  face_feature_net landmarks;
  face_feature_net expressions;
  face_resnet recognition;
};

/* face-api's constants (tinyFaceDetector/const.ts, FaceFeatureExtractor,
 * FaceRecognitionNet, FaceLandmarks). */
static const float detector_mean[3] = { 117.001f, 114.697f, 97.404f };
static const float face_mean[3] = { 122.782f, 117.001f, 104.298f };
static const double anchors[5][2] = {
  { 1.603231, 2.094468 }, { 6.041143, 7.080126 }, { 2.882459, 3.518061 },
  { 4.266906, 5.178857 }, { 9.041765, 10.66308 },
};
#define IOU_THRESHOLD 0.4
/* A detection straddles two faces when at least two stronger detections
 * each cover this share of its box. Boxes of neighbours in a group photo
 * overlap each other far less; a face partly hidden behind another is
 * covered by one box, not two. */
#define STRADDLE_COVER 0.25
#define LANDMARK_INPUT 112
#define DESCRIPTOR_INPUT 150
#define MIN_BOX_PADDING 0.2 /* alignMinBbox */
#define DLIB_REL_X 0.5
#define DLIB_REL_Y 0.43
#define DLIB_REL_SCALE 0.45

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

void
mien_face_analyzer_free (mien_face_analyzer *fa)
{
  if (fa == NULL)
    return;
  face_detector_net_clear (&fa->detector);
  face_feature_net_clear (&fa->landmarks);
  face_feature_net_clear (&fa->expressions);
  face_resnet_clear (&fa->recognition);
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

static int
landmarks_plausible (const mien_point *pts, double size, int width,
                     int height)
{
  if (!(isfinite (size) && size > 0))
    return 0;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    if (!point_plausible (pts[i].x, pts[i].y, size, width, height))
      return 0;
  return 1;
}

static int
box_plausible (mien_box b, int width, int height)
{
  double size = fmax (b.width, b.height);
  return isfinite (b.x) && isfinite (b.y) && isfinite (b.width)
         && isfinite (b.height) && b.width > 0 && b.height > 0
         && point_plausible (b.x, b.y, size, width, height)
         && point_plausible (b.x + b.width, b.y + b.height, size, width,
                             height);
}

static int
all_finite (const float *v, int n)
{
  for (int i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return 0;
  return 1;
}

static mien_status
damaged (const mien_face_analyzer *fa, const char *what, const char *file,
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

/* ---- detection ---- */

typedef struct candidate {
  face_rect rel; /* relative to the (reshaped) input, as face-api keeps it */
  double score;
  int order;
} candidate;

static double
sigmoid (double x)
{
  return 1.0 / (1.0 + exp (-x));
}

static double
iou (face_rect a, face_rect b)
{
  double w = fmax (0.0, fmin (a.x + a.width, b.x + b.width) - fmax (a.x, b.x));
  double h = fmax (0.0, fmin (a.y + a.height, b.y + b.height)
                            - fmax (a.y, b.y));
  double inter = w * h;
  return inter / (a.width * a.height + b.width * b.height - inter);
}

/* Share of b's area that a covers. */
static double
cover (mien_box a, mien_box b)
{
  double w = fmax (0.0, fmin (a.x + a.width, b.x + b.width) - fmax (a.x, b.x));
  double h = fmax (0.0, fmin (a.y + a.height, b.y + b.height)
                            - fmax (a.y, b.y));
  double area = (double)b.width * b.height;
  return area > 0.0 ? w * h / area : 0.0;
}

/* Drops the detections that straddle two stronger ones (see
 * mien_face_options.keep_straddling); faces are in descending score, and
 * the order of the rest is kept. Returns the new count. */
static int
drop_straddling (mien_face *faces, int n)
{
  char *straddles = calloc ((size_t)n + 1, 1);
  if (straddles == NULL)
    return n; /* keeping a false face is better than failing */
  for (int i = 0; i < n; i++)
    {
      int covered_by = 0;
      for (int j = 0; j < i; j++)
        if (!straddles[j] && cover (faces[j].box, faces[i].box)
                                 >= STRADDLE_COVER)
          covered_by++;
      straddles[i] = covered_by >= 2;
    }
  int kept = 0;
  for (int i = 0; i < n; i++)
    if (!straddles[i])
      faces[kept++] = faces[i];
  free (straddles);
  return kept;
}

static int
by_score_ascending (const void *pa, const void *pb)
{
  const candidate *a = pa, *b = pb;
  if (a->score != b->score)
    return a->score < b->score ? -1 : 1;
  return a->order - b->order; /* JavaScript's sort is stable */
}

/* TinyYolov2Base.extractBoxes: cells × anchors × (x, y, w, h, score). */
static int
extract_boxes (const mien_tensor *out, int width, int height, int input_size,
               double threshold, candidate *list)
{
  double scale = (double)input_size / (width > height ? width : height);
  double rw = floor (width * scale + 0.5), rh = floor (height * scale + 0.5);
  double side = fmax (rw, rh);
  double cfx = side / rw, cfy = side / rh;
  int cells = out->dims[1], n = 0;
  for (int row = 0; row < cells; row++)
    for (int col = 0; col < cells; col++)
      for (int a = 0; a < 5; a++)
        {
          const float *v = out->data + ((size_t)row * cells + col) * 25 + a * 5;
          double score = sigmoid (v[4]);
          if (!(score > threshold))
            continue;
          double cx = ((col + sigmoid (v[0])) / cells) * cfx;
          double cy = ((row + sigmoid (v[1])) / cells) * cfy;
          double w = ((exp (v[2]) * anchors[a][0]) / cells) * cfx;
          double h = ((exp (v[3]) * anchors[a][1]) / cells) * cfy;
          double x = cx - w / 2, y = cy - h / 2;
          /* BoundingBox(x, y, x + w, y + h): width = right − left. */
          candidate c = { { x, y, (x + w) - x, (y + h) - y }, score, n };
          list[n++] = c;
        }
  return n;
}

/* ops/nonMaxSuppression on the boxes scaled to the input size. */
static int
non_max_suppression (candidate *list, int n, int input_size, int *pick)
{
  qsort (list, (size_t)n, sizeof *list, by_score_ascending);
  int n_pick = 0, remaining = n;
  char *gone = calloc ((size_t)n + 1, 1);
  if (gone == NULL)
    return -1;
  while (remaining > 0)
    {
      int cur = -1;
      for (int i = n - 1; i >= 0 && cur < 0; i--)
        if (!gone[i])
          cur = i;
      gone[cur] = 1;
      remaining--;
      pick[n_pick++] = cur;
      face_rect a = list[cur].rel;
      a = (face_rect){ a.x * input_size, a.y * input_size,
                       a.width * input_size, a.height * input_size };
      for (int i = 0; i < n; i++)
        {
          if (gone[i])
            continue;
          face_rect b = list[i].rel;
          b = (face_rect){ b.x * input_size, b.y * input_size,
                           b.width * input_size, b.height * input_size };
          if (!(iou (a, b) <= IOU_THRESHOLD))
            {
              gone[i] = 1;
              remaining--;
            }
        }
    }
  free (gone);
  return n_pick;
}

static mien_status
check_options (const mien_face_options *o, mien_error *err)
{
  if (o->input_size < 32 || o->input_size % 32 != 0 || o->input_size > 4096)
    return mien_error_set (err, MIEN_ERR_INVALID, "detector input size %d "
                           "must be a multiple of 32 in 32..4096",
                           o->input_size);
  for (int i = 0; i < MIEN_FACE_MAX_SCALES && o->scales[i]; i++)
    if (o->scales[i] < 32 || o->scales[i] % 32 != 0 || o->scales[i] > 4096)
      return mien_error_set (err, MIEN_ERR_INVALID, "detector input size %d "
                             "must be a multiple of 32 in 32..4096",
                             o->scales[i]);
  if (o->search < MIEN_FACE_SEARCH_ROBUST
      || o->search > MIEN_FACE_SEARCH_THOROUGH)
    return mien_error_set (err, MIEN_ERR_INVALID, "unknown face search %d",
                           (int)o->search);
  if (!(o->score_threshold > 0.0f && o->score_threshold < 1.0f))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "score threshold must be in (0, 1)");
  return MIEN_OK;
}

static mien_face_options
resolve_options (const mien_face_options *o)
{
  mien_face_options r = { MIEN_FACE_DEFAULT_INPUT_SIZE,
                          MIEN_FACE_DEFAULT_SCORE_THRESHOLD,
                          MIEN_FACE_MAX_FACES, 0, MIEN_FACE_SEARCH_ROBUST,
                          { 0 } };
  if (o != NULL)
    {
      if (o->input_size != 0)
        r.input_size = o->input_size;
      if (o->score_threshold != 0.0f)
        r.score_threshold = o->score_threshold;
      if (o->max_faces > 0 && o->max_faces < MIEN_FACE_MAX_FACES)
        r.max_faces = o->max_faces;
      r.keep_straddling = o->keep_straddling;
      r.search = o->search;
      memcpy (r.scales, o->scales, sizeof r.scales);
    }
  return r;
}

static mien_status
check_image (const mien_image *image, mien_error *err)
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

static mien_tensor *
run_detector (mien_face_analyzer *fa, const mien_image *image, int size,
              mien_error *err)
{
  mien_tensor *x = face_input_tensor (image, 0, 0, image->width,
                                      image->height, 0, size, detector_mean,
                                      err);
  if (x == NULL)
    return NULL;
  mien_tensor *out = face_detector_net_forward (&fa->detector, fa->nn, x);
  mien_tensor_free (x);
  if (mien_nn_take_error (fa->nn, err) != MIEN_OK)
    {
      mien_tensor_free (out);
      mien_error_prefix (err, "face detector");
      return NULL;
    }
  return out;
}

/* One detector pass at input size `size` on image: face-api's boxes after
 * its non-maximum suppression, in image pixels, descending score. *result
 * is NULL when nothing is found. */
static mien_status
detect_at (mien_face_analyzer *fa, const mien_image *image, int size,
           double threshold, mien_face **result_out, int *n_out,
           mien_error *err)
{
  *result_out = NULL;
  *n_out = 0;
  mien_tensor *out = run_detector (fa, image, size, err);
  if (out == NULL)
    return err ? err->status : MIEN_ERR_INVALID;
  size_t n_values = mien_tensor_n_elements (out);
  for (size_t i = 0; i < n_values; i++)
    if (!isfinite (out->data[i]))
      {
        mien_tensor_free (out);
        return damaged (fa, "face detector", "tiny_face_detector_model",
                        err);
      }
  size_t max = (size_t)out->dims[1] * out->dims[2] * 5;
  candidate *list = malloc (max * sizeof *list);
  int *pick = malloc (max * sizeof *pick);
  mien_face *result = calloc (max ? max : 1, sizeof *result);
  if (list == NULL || pick == NULL || result == NULL)
    {
      free (list);
      free (pick);
      free (result);
      mien_tensor_free (out);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  int n = extract_boxes (out, image->width, image->height, size, threshold,
                         list);
  mien_tensor_free (out);
  int n_pick = non_max_suppression (list, n, size, pick);
  for (int i = 0; i < n_pick; i++)
    {
      /* ObjectDetection → FaceDetection: to image, to relative, to image. */
      face_rect box = face_rect_to_image (list[pick[i]].rel, image->width,
                                          image->height);
      box = face_rect_to_image (face_rect_to_relative (box, image->width,
                                                       image->height),
                                image->width, image->height);
      result[i].box = (mien_box){ (float)box.x, (float)box.y,
                                  (float)box.width, (float)box.height };
      result[i].score = (float)list[pick[i]].score;
    }
  free (list);
  free (pick);
  if (n_pick <= 0)
    {
      free (result);
      return n_pick < 0 ? mien_error_set (err, MIEN_ERR_NOMEM, "out of memory")
                        : MIEN_OK;
    }
  *result_out = result;
  *n_out = n_pick;
  return MIEN_OK;
}

/* ---- the robust search ---- */

/* mien_face.found_by. FOUND_EXACT: the single-size search, whose faces
 * are never refined (face-api's answer exactly). */
enum { FOUND_FACEAPI = 0, FOUND_OTHER_SIZE = 1, FOUND_ROTATED = 2,
       FOUND_EXACT = 3, FOUND_FACEAPI_THOROUGH = 4 };

/* The robust search's other passes: the tiny detector on views of the
 * photo, each as many pixels as a square of this side (so a wide photo is
 * not padded to a square, and a face of 8 % of the longer side is still
 * 50 px), upright and, where asked, turned. 160 finds a close-up that
 * fills the frame; 640 small faces. Chosen with scripts/detection-sweep.py
 * (docs/QUALITY.md, "Detection"). */
static const int robust_scales[] = { 160, 640, 0 };
/* The rolls tried where nothing upright is found (the detector finds faces
 * rolled up to about ±25°, so ±35° covers ±45°). */
static const double robust_rolls[] = { 35.0, -35.0 };
#define DETECT_TAPS 2
#define REFINE_TAPS 4
#define MERGE_IOU 0.3
#define MERGE_COVER 0.6
#define EXTRA_THRESHOLD_DROP 0.1f
#define THOROUGH_THRESHOLD_DROP 0.1f

static double
box_iou (mien_box a, mien_box b)
{
  face_rect ra = { a.x, a.y, a.width, a.height };
  face_rect rb = { b.x, b.y, b.width, b.height };
  return iou (ra, rb);
}

/* A view: an image resampled from src in a frame turned by angle (radians)
 * about (cx, cy), k source pixels per view pixel: view pixel centre (u, v)
 * shows source point c + R(angle)·((u + 0.5 − w/2)·k, (v + 0.5 − h/2)·k).
 * Each view pixel averages n×n bilinear taps (n from k), so that a big
 * photo shrinks without aliasing; outside the photo is black, as face-api
 * pads. */
typedef struct view_frame {
  double cx, cy, angle, k;
  int width, height;
} view_frame;

static void
view_to_image (const view_frame *vf, double u, double v, double *x, double *y)
{
  double du = (u - vf->width / 2.0) * vf->k, dv = (v - vf->height / 2.0) * vf->k;
  double c = cos (vf->angle), s = sin (vf->angle);
  *x = vf->cx + c * du - s * dv;
  *y = vf->cy + s * du + c * dv;
}

static void
image_to_view (const view_frame *vf, double x, double y, double *u, double *v)
{
  double dx = x - vf->cx, dy = y - vf->cy;
  double c = cos (vf->angle), s = sin (vf->angle);
  *u = (c * dx + s * dy) / vf->k + vf->width / 2.0;
  *v = (-s * dx + c * dy) / vf->k + vf->height / 2.0;
}

static void
bilinear (const mien_image *src, double x, double y, float rgb[3])
{
  /* Sample centres at integer + 0.5. */
  x -= 0.5;
  y -= 0.5;
  int x0 = (int)floor (x), y0 = (int)floor (y);
  double fx = x - x0, fy = y - y0;
  float acc[3] = { 0, 0, 0 };
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      {
        int xi = x0 + i, yj = y0 + j;
        if (xi < 0 || yj < 0 || xi >= src->width || yj >= src->height)
          continue;
        double w = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);
        const float *p = mien_image_row (src, yj)
                         + (size_t)xi * (size_t)src->channels;
        for (int c = 0; c < 3; c++)
          acc[c] += (float)(w * p[src->channels >= 3 ? c : 0]);
      }
  rgb[0] = acc[0];
  rgb[1] = acc[1];
  rgb[2] = acc[2];
}

/* A tap along one axis of an upright view: the two source samples and
 * the weight of the second (a weight of 0 where a sample is outside). */
typedef struct axis_tap {
  int i0, i1;
  float w0, w1;
} axis_tap;

static void
axis_taps (axis_tap *taps, int size, int n, double centre, double k,
           int extent)
{
  for (int u = 0; u < size; u++)
    for (int i = 0; i < n; i++)
      {
        double x = centre + (u + (i + 0.5) / n - size / 2.0) * k - 0.5;
        double f0 = floor (x);
        float fx = (float)(x - f0);
        /* Clamped only to keep the int in range: outside stays outside. */
        int x0 = (int)fmax (-2.0, fmin (f0, (double)extent + 1));
        axis_tap t = { x0, x0 + 1, 1.0f - fx, fx };
        if (t.i0 < 0 || t.i0 >= extent)
          t.w0 = 0.0f, t.i0 = 0;
        if (t.i1 < 0 || t.i1 >= extent)
          t.w1 = 0.0f, t.i1 = 0;
        taps[(size_t)u * n + i] = t;
      }
}

/* render_view for angle 0: bilinear is separable, so each tap's
 * positions and weights come from two small tables. */
static mien_image *
render_upright (const mien_image *src, const view_frame *vf, int n,
                mien_image *view)
{
  axis_tap *tx = malloc ((size_t)vf->width * n * sizeof *tx);
  axis_tap *ty = malloc ((size_t)vf->height * n * sizeof *ty);
  if (tx == NULL || ty == NULL)
    {
      free (tx);
      free (ty);
      mien_image_free (view);
      return NULL;
    }
  axis_taps (tx, vf->width, n, vf->cx, vf->k, src->width);
  axis_taps (ty, vf->height, n, vf->cy, vf->k, src->height);
  int sc = src->channels;
  float norm = 1.0f / (float)(n * n);
  for (int v = 0; v < vf->height; v++)
    {
      float *row = mien_image_row (view, v);
      for (int u = 0; u < vf->width; u++)
        {
          float sum[3] = { 0, 0, 0 };
          for (int j = 0; j < n; j++)
            {
              axis_tap y = ty[(size_t)v * n + j];
              const float *r0 = mien_image_row (src, y.i0);
              const float *r1 = mien_image_row (src, y.i1);
              for (int i = 0; i < n; i++)
                {
                  axis_tap x = tx[(size_t)u * n + i];
                  const float *a = r0 + (size_t)x.i0 * sc;
                  const float *b = r0 + (size_t)x.i1 * sc;
                  const float *cc = r1 + (size_t)x.i0 * sc;
                  const float *d = r1 + (size_t)x.i1 * sc;
                  for (int ch = 0; ch < 3; ch++)
                    sum[ch] += y.w0 * (x.w0 * a[ch] + x.w1 * b[ch])
                               + y.w1 * (x.w0 * cc[ch] + x.w1 * d[ch]);
                }
            }
          row[3 * u] = sum[0] * norm;
          row[3 * u + 1] = sum[1] * norm;
          row[3 * u + 2] = sum[2] * norm;
        }
    }
  free (tx);
  free (ty);
  return view;
}

static mien_image *
render_view (const mien_image *src, const view_frame *vf, int max_taps,
             mien_error *err)
{
  mien_image *view = mien_image_new (vf->width, vf->height, 3, err);
  if (view == NULL)
    return NULL;
  /* n×n taps, n ≈ k up to max_taps: an area average, so that a big photo
   * or face shrinks without aliasing. */
  int n = (int)ceil (vf->k - 1e-6);
  n = n < 1 ? 1 : n > max_taps ? max_taps : n;
  double c = cos (vf->angle), s = sin (vf->angle);
  int sw = src->width, sh = src->height, sc = src->channels;
  float norm = 1.0f / (float)(n * n);
  if (vf->angle == 0.0 && sc >= 3)
    return render_upright (src, vf, n, view);
  for (int v = 0; v < vf->height; v++)
    {
      float *row = mien_image_row (view, v);
      for (int u = 0; u < vf->width; u++)
        {
          float sum[3] = { 0, 0, 0 };
          for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
              {
                double du = (u + (i + 0.5) / n - vf->width / 2.0) * vf->k;
                double dv = (v + (j + 0.5) / n - vf->height / 2.0) * vf->k;
                /* Sample centres sit at integer + 0.5. */
                double x = vf->cx + c * du - s * dv - 0.5;
                double y = vf->cy + s * du + c * dv - 0.5;
                double fx0 = floor (x), fy0 = floor (y);
                if (fx0 >= 0 && fy0 >= 0 && fx0 + 1 < sw && fy0 + 1 < sh
                    && sc >= 3)
                  {
                    /* Inside: the four texels, no checks. */
                    int x0 = (int)fx0, y0 = (int)fy0;
                    float fx = (float)(x - fx0), fy = (float)(y - fy0);
                    const float *p0 = src->data + ((size_t)y0 * sw + x0) * sc;
                    const float *p1 = p0 + (size_t)sw * sc;
                    for (int ch = 0; ch < 3; ch++)
                      {
                        float top = p0[ch] + (p0[sc + ch] - p0[ch]) * fx;
                        float bot = p1[ch] + (p1[sc + ch] - p1[ch]) * fx;
                        sum[ch] += top + (bot - top) * fy;
                      }
                  }
                else
                  {
                    float rgb[3];
                    bilinear (src, x + 0.5, y + 0.5, rgb);
                    sum[0] += rgb[0];
                    sum[1] += rgb[1];
                    sum[2] += rgb[2];
                  }
              }
          row[3 * u] = sum[0] * norm;
          row[3 * u + 1] = sum[1] * norm;
          row[3 * u + 2] = sum[2] * norm;
        }
    }
  return view;
}

/* Appends the boxes of `more` that are not already in list (see
 * MERGE_IOU), in descending score. */
static int
merge_faces (mien_face *list, int n, int cap, mien_face *more, int n_more)
{
  for (int i = 0; i < n_more; i++)
    for (int j = i + 1; j < n_more; j++)
      if (more[j].score > more[i].score)
        {
          mien_face t = more[i];
          more[i] = more[j];
          more[j] = t;
        }
  for (int i = 0; i < n_more && n < cap; i++)
    {
      int same = 0;
      for (int j = 0; j < n && !same; j++)
        same = box_iou (list[j].box, more[i].box) > MERGE_IOU
               || cover (list[j].box, more[i].box) >= MERGE_COVER
               || cover (more[i].box, list[j].box) >= MERGE_COVER;
      if (!same)
        list[n++] = more[i];
    }
  return n;
}

/* The tiny detector on a view of the photo (w and h multiples of 32).
 * Boxes come back as the face's upright box about its centre in the
 * photo, with the view's roll. */
static mien_status
detect_in_frame (mien_face_analyzer *fa, const mien_image *image,
                 view_frame vf, double threshold, int found_by,
                 mien_face **out, int *n_out, mien_error *err)
{
  *out = NULL;
  *n_out = 0;
  double a = vf.angle, k = vf.k;
  int w = vf.width, h = vf.height;
  /* 2×2 taps: with bilinear's own reach that averages a 4×4 patch, enough
   * where a 4K photo shrinks to the detector's 640, and cheap. */
  mien_image *view = render_view (image, &vf, DETECT_TAPS, err);
  if (view == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_tensor *x = face_input_tensor_view (view, detector_mean, err);
  mien_image_free (view);
  if (x == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_tensor *y = face_detector_net_forward (&fa->detector, fa->nn, x);
  mien_tensor_free (x);
  if (mien_nn_take_error (fa->nn, err) != MIEN_OK)
    {
      mien_tensor_free (y);
      return mien_error_prefix (err, "face detector");
    }
  size_t n_values = mien_tensor_n_elements (y);
  for (size_t i = 0; i < n_values; i++)
    if (!isfinite (y->data[i]))
      {
        mien_tensor_free (y);
        return damaged (fa, "face detector", "tiny_face_detector_model", err);
      }
  int rows = y->dims[1], cols = y->dims[2];
  size_t max = (size_t)rows * cols * 5;
  candidate *list = malloc ((max ? max : 1) * sizeof *list);
  int *pick = malloc ((max ? max : 1) * sizeof *pick);
  mien_face *result = calloc (max ? max : 1, sizeof *result);
  if (list == NULL || pick == NULL || result == NULL)
    {
      free (list);
      free (pick);
      free (result);
      mien_tensor_free (y);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  /* extract_boxes on a rows × cols grid, in view pixels (a cell is 32). */
  double cell_w = (double)w / cols, cell_h = (double)h / rows;
  int n = 0;
  for (int row = 0; row < rows; row++)
    for (int col = 0; col < cols; col++)
      for (int an = 0; an < 5; an++)
        {
          const float *v = y->data + ((size_t)row * cols + col) * 25 + an * 5;
          double score = sigmoid (v[4]);
          if (!(score > threshold))
            continue;
          double cx = (col + sigmoid (v[0])) * cell_w;
          double cy = (row + sigmoid (v[1])) * cell_h;
          double bwv = exp (v[2]) * anchors[an][0] * cell_w;
          double bhv = exp (v[3]) * anchors[an][1] * cell_h;
          candidate c = { { cx - bwv / 2, cy - bhv / 2, bwv, bhv }, score, n };
          list[n++] = c;
        }
  mien_tensor_free (y);
  int n_pick = non_max_suppression (list, n, 1, pick);
  for (int i = 0; i < n_pick; i++)
    {
      face_rect r = list[pick[i]].rel;
      double x, yy;
      view_to_image (&vf, r.x + r.width / 2, r.y + r.height / 2, &x, &yy);
      double fw = r.width * k, fh = r.height * k;
      result[i].box = (mien_box){ (float)(x - fw / 2), (float)(yy - fh / 2),
                                  (float)fw, (float)fh };
      result[i].score = (float)list[pick[i]].score;
      result[i].roll = (float)a;
      result[i].found_by = found_by;
    }
  free (list);
  free (pick);
  if (n_pick <= 0)
    {
      free (result);
      return n_pick < 0 ? mien_error_set (err, MIEN_ERR_NOMEM, "out of memory")
                        : MIEN_OK;
    }
  *out = result;
  *n_out = n_pick;
  return MIEN_OK;
}

/* The tiny detector on the whole photo turned by `degrees`, as many
 * pixels as a square of side `area_side` (each side a multiple of 32, the
 * photo's shape kept; face-api pads to a square instead). */
static mien_status
detect_view (mien_face_analyzer *fa, const mien_image *image, double degrees,
             int area_side, double threshold, int found_by, mien_face **out,
             int *n_out, mien_error *err)
{
  double a = degrees * M_PI / 180.0;
  double ca = fabs (cos (a)), sa = fabs (sin (a));
  double bw = image->width * ca + image->height * sa;
  double bh = image->width * sa + image->height * ca;
  double k = sqrt (bw * bh) / area_side;
  int w = (int)ceil (bw / k / 32.0) * 32, h = (int)ceil (bh / k / 32.0) * 32;
  /* The view's centre is the photo's; the rounding up pads both ends. */
  view_frame vf = { image->width / 2.0, image->height / 2.0, a, k,
                    w < 32 ? 32 : w, h < 32 ? 32 : h };
  return detect_in_frame (fa, image, vf, threshold, found_by, out, n_out,
                          err);
}

mien_status
mien_face_analyzer_detect (mien_face_analyzer *fa, const mien_image *image,
                           const mien_face_options *options, mien_face **faces,
                           int *n_faces, mien_error *err)
{
  *faces = NULL;
  *n_faces = 0;
  mien_face_options o = resolve_options (options);
  if (check_image (image, err) || check_options (&o, err))
    return err ? err->status : MIEN_ERR_INVALID;
  mien_face *result = NULL;
  int n = 0;
  mien_status st = detect_at (fa, image, o.input_size, o.score_threshold,
                              &result, &n, err);
  if (st != MIEN_OK)
    return st;
  if (n > 0 && !o.keep_straddling)
    n = drop_straddling (result, n);
  if (o.search != MIEN_FACE_SEARCH_ROBUST)
    for (int i = 0; i < n; i++)
      result[i].found_by = o.search == MIEN_FACE_SEARCH_SINGLE
                               ? FOUND_EXACT
                               : FOUND_FACEAPI_THOROUGH;
  if (o.search != MIEN_FACE_SEARCH_SINGLE)
    {
      const int *sizes = o.scales[0] ? o.scales : robust_scales;
      /* The extra passes take candidates below the threshold: each must
       * still be found again centred and upright at the threshold itself
       * (verify_face), which is what keeps out things that are no face. A
       * face Mien has just animated can score 0.49 at 416 (sample2/1 sad). */
      double thr = fmax (0.05, o.score_threshold - EXTRA_THRESHOLD_DROP);
      if (o.search == MIEN_FACE_SEARCH_THOROUGH)
        thr = fmax (0.05, thr - THOROUGH_THRESHOLD_DROP);
      /* Upright at the other sizes, then turned where nothing was found
       * (always, when thorough). */
      for (int r = -1; r < 2 && st == MIEN_OK; r++)
        {
          if (r >= 0 && n > 0 && o.search != MIEN_FACE_SEARCH_THOROUGH)
            break;
          for (int i = 0; i < MIEN_FACE_MAX_SCALES && sizes[i]
                          && st == MIEN_OK; i++)
            {
              mien_face *more = NULL;
              int n_more = 0;
              st = detect_view (fa, image, r < 0 ? 0.0 : robust_rolls[r],
                                sizes[i], thr,
                                r < 0 ? FOUND_OTHER_SIZE : FOUND_ROTATED,
                                &more, &n_more, err);
              if (st == MIEN_OK && n_more > 0)
                {
                  mien_face *grown = realloc (result, (size_t)(n + n_more)
                                                          * sizeof *result);
                  if (grown == NULL)
                    st = mien_error_set (err, MIEN_ERR_NOMEM,
                                         "out of memory");
                  else
                    {
                      result = grown;
                      n = merge_faces (result, n, n + n_more, more, n_more);
                    }
                }
              free (more);
            }
        }
      if (st != MIEN_OK)
        {
          free (result);
          return st;
        }
      if (n > 0 && !o.keep_straddling)
        n = drop_straddling (result, n);
    }
  if (n > o.max_faces)
    n = o.max_faces;
  if (n <= 0)
    {
      free (result);
      return MIEN_OK;
    }
  *faces = result;
  *n_faces = n;
  return MIEN_OK;
}

/* ---- per-face nets ---- */

/* Runs a net on the face-api input of an integer crop. */
static mien_tensor *
run_on_crop (mien_face_analyzer *fa, const mien_image *image, int x, int y,
             int w, int h, int size, int which, mien_error *err)
{
  mien_tensor *in = face_input_tensor (image, x, y, w, h, 1, size, face_mean,
                                       err);
  if (in == NULL)
    return NULL;
  mien_tensor *out
      = which == 0 ? face_feature_net_forward (&fa->landmarks, fa->nn, in)
      : which == 1 ? face_feature_net_forward (&fa->expressions, fa->nn, in)
                   : face_resnet_forward (&fa->recognition, fa->nn, in);
  mien_tensor_free (in);
  if (mien_nn_take_error (fa->nn, err) != MIEN_OK)
    {
      mien_tensor_free (out);
      return NULL;
    }
  return out;
}

/* The detection box as extractFaceTensors sees it (after forSize). */
static face_rect
detection_rect (const mien_face *face, int width, int height)
{
  face_rect box = { face->box.x, face->box.y, face->box.width,
                    face->box.height };
  return face_rect_to_image (face_rect_to_relative (box, width, height),
                             width, height);
}

/* FaceLandmark68NetBase.postProcess (float32 tensor ops), then the
 * FaceLandmarks68 scaling to the crop and the shift by the detection box. */
static void
landmarks_from_output (const float *out, int cw, int ch, double shift_x,
                       double shift_y, mien_point *points)
{
  double scale = (double)LANDMARK_INPUT / (cw > ch ? cw : ch);
  double sw = cw * scale, sh = ch * scale;
  float pad_x = (float)(sw < sh ? fabs (sw - sh) / 2 : 0.0);
  float pad_y = (float)(sh < sw ? fabs (sw - sh) / 2 : 0.0);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      float rx = (out[2 * i] * (float)LANDMARK_INPUT - pad_x) / (float)sw;
      float ry = (out[2 * i + 1] * (float)LANDMARK_INPUT - pad_y) / (float)sh;
      points[i].x = (float)(rx * (double)cw + shift_x);
      points[i].y = (float)(ry * (double)ch + shift_y);
    }
}

/* FaceLandmarks.alignMinBbox(0.2) as a FaceDetection box. */
static face_rect
aligned_rect (const mien_point *pts, int width, int height)
{
  double min_x = INFINITY, min_y = INFINITY, max_x = 0, max_y = 0;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      min_x = pts[i].x < min_x ? pts[i].x : min_x;
      min_y = pts[i].y < min_y ? pts[i].y : min_y;
      max_x = max_x < pts[i].x ? pts[i].x : max_x;
      max_y = max_y < pts[i].y ? pts[i].y : max_y;
    }
  double w = max_x - min_x, h = max_y - min_y;
  double px = w * MIN_BOX_PADDING, py = h * MIN_BOX_PADDING;
  face_rect r = { min_x - px / 2, min_y - py / 2, w + px, h + py };
  /* new FaceDetection(score, rect.rescale(reverse)), then forSize. */
  r = face_rect_to_image (face_rect_to_relative (r, width, height), width,
                          height);
  return face_rect_to_image (face_rect_to_relative (r, width, height), width,
                             height);
}

static void
center_of (const mien_point *pts, int from, int to, double *x, double *y)
{
  double sx = 0, sy = 0;
  for (int i = from; i < to; i++)
    {
      sx += pts[i].x;
      sy += pts[i].y;
    }
  *x = sx / (to - from);
  *y = sy / (to - from);
}

/* FaceLandmarks.alignDlib: a square from the eye and mouth centres. */
static face_rect
dlib_rect (const mien_point *pts, int crop_w, int crop_h)
{
  double c[3][2];
  center_of (pts, 36, 42, &c[0][0], &c[0][1]);
  center_of (pts, 42, 48, &c[1][0], &c[1][1]);
  center_of (pts, 48, 68, &c[2][0], &c[2][1]);
  double d0 = hypot (c[2][0] - c[0][0], c[2][1] - c[0][1]);
  double d1 = hypot (c[2][0] - c[1][0], c[2][1] - c[1][1]);
  double size = floor (((d0 + d1) / 2) / DLIB_REL_SCALE);
  double rx = ((c[0][0] + c[1][0]) + c[2][0]) / 3;
  double ry = ((c[0][1] + c[1][1]) + c[2][1]) / 3;
  double x = floor (fmax (0, rx - DLIB_REL_X * size));
  double y = floor (fmax (0, ry - DLIB_REL_Y * size));
  face_rect r = { x, y, fmin (size, crop_w + x), fmin (size, crop_h + y) };
  return r;
}

/* ---- the landmark-based refinement ---- */

/* The face's frame from its landmarks: roll from the eye centres, and the
 * box a detector gives for them, from the landmarks' extent in the
 * upright frame. The ratios are face-api's own, measured on its detector
 * boxes and landmarks of the demo photos (21 faces; box width / landmark
 * width, etc.; scripts/detection-sweep.py --fit-box). */
#define BOX_FROM_LM_W 1.438
#define BOX_FROM_LM_H 1.375
#define BOX_FROM_LM_DX 0.0 /* measured −0.03 ± 0.05: taken as symmetric */
#define BOX_FROM_LM_DY -0.028
#define REFINE_MAX 4
/* How far the refinement may move a detection and still call it the same
 * face: half or twice the size, 50° of roll (an upright pass finds faces
 * rolled up to about 45°). */
#define REFINE_MIN_GROWTH 0.5
#define REFINE_MAX_TURN (50.0 * M_PI / 180.0)
/* The thorough search refines a face found as face-api finds it when its
 * eyes are rolled more than this: face-api's upright crop of a rolled face
 * gives poor landmarks (in the sweep, 10.5 % of the inter-ocular distance
 * at −40° against 4.8 % refined). */
#define UPRIGHT_ROLL (12.0 * M_PI / 180.0)
#define REFINE_STABLE 0.02 /* of the box size, and 0.02 rad ≈ 1.1° */
/* The refined crop is rendered at most this many pixels across (the
 * landmark net reads 112, the descriptor 150), averaging up to
 * REFINE_TAPS² taps a pixel. */
#define REFINE_VIEW 160.0

typedef struct face_frame {
  double cx, cy, width, height, roll;
} face_frame;

static double
eye_roll (const mien_point *pts)
{
  double rx, ry, lx, ly;
  center_of (pts, 36, 42, &rx, &ry);
  center_of (pts, 42, 48, &lx, &ly);
  return atan2 (ly - ry, lx - rx);
}

static face_frame
frame_from_landmarks (const mien_point *pts)
{
  double roll = eye_roll (pts);
  double c = cos (roll), s = sin (roll);
  double min_u = INFINITY, min_v = INFINITY, max_u = -INFINITY,
         max_v = -INFINITY;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      double u = c * pts[i].x + s * pts[i].y;
      double v = -s * pts[i].x + c * pts[i].y;
      min_u = fmin (min_u, u);
      max_u = fmax (max_u, u);
      min_v = fmin (min_v, v);
      max_v = fmax (max_v, v);
    }
  double lw = max_u - min_u, lh = max_v - min_v;
  double u = (min_u + max_u) / 2 + BOX_FROM_LM_DX * lw;
  double v = (min_v + max_v) / 2 + BOX_FROM_LM_DY * lh;
  face_frame f = { c * u - s * v, s * u + c * v, BOX_FROM_LM_W * lw,
                   BOX_FROM_LM_H * lh, roll };
  return f;
}

static face_frame
frame_from_box (const mien_face *face)
{
  face_frame f = { face->box.x + face->box.width / 2.0,
                   face->box.y + face->box.height / 2.0, face->box.width,
                   face->box.height, face->roll };
  return f;
}

static view_frame
view_of (face_frame f, double extent)
{
  double side = fmax (f.width, f.height);
  double k = fmax (1.0, side / REFINE_VIEW);
  view_frame vf = { f.cx, f.cy, f.roll, k,
                    (int)ceil (f.width * extent / k),
                    (int)ceil (f.height * extent / k) };
  return vf;
}

/* face-api's landmark step on the face's box, turned upright. */
static mien_status
landmarks_in_frame (mien_face_analyzer *fa, const mien_image *image,
                    face_frame f, mien_point *pts, mien_error *err)
{
  view_frame vf = view_of (f, 1.0);
  if (vf.width < 1 || vf.height < 1)
    return mien_error_set (err, MIEN_ERR_INVALID, "the face box is empty");
  mien_image *view = render_view (image, &vf, REFINE_TAPS, err);
  if (view == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_tensor *out = run_on_crop (fa, view, 0, 0, vf.width, vf.height,
                                  LANDMARK_INPUT, 0, err);
  mien_image_free (view);
  if (out == NULL)
    return mien_error_prefix (err, "landmark net");
  mien_point local[MIEN_N_LANDMARKS];
  landmarks_from_output (out->data, vf.width, vf.height, 0, 0, local);
  mien_tensor_free (out);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      double x, y;
      view_to_image (&vf, local[i].x, local[i].y, &x, &y);
      pts[i].x = (float)x;
      pts[i].y = (float)y;
    }
  if (!landmarks_plausible (pts, fmax (f.width, f.height), image->width,
                            image->height))
    return damaged (fa, "landmark model", "face_landmark_68_model", err);
  return MIEN_OK;
}

static mien_status describe_expressions (mien_face_analyzer *fa,
                                         const mien_image *image,
                                         mien_face *face, mien_error *err);
static mien_status describe_identity (mien_face_analyzer *fa,
                                      const mien_image *image,
                                      mien_face *face, int crop_w, int crop_h,
                                      mien_error *err);

/* Re-crops from the landmarks, upright by the eyes' roll, and runs the
 * landmark net again until the box is stable; then expressions and the
 * descriptor on the upright face. */
/* Is there a face in frame f? The detector on an upright view of it, the
 * face centred and filling 1/VERIFY_EXTENT of the view, must find a box
 * over it. The robust search's extra sizes and rolls find things the
 * 416 pass does not, also things that are no face (a fold of cloth, a
 * patch, curls: the sweep's false positives); centred and upright, a face
 * scores high and they do not. */
#define VERIFY_SIDE 224
#define VERIFY_EXTENT 1.6
#define VERIFY_IOU 0.4
static mien_status
verify_face (mien_face_analyzer *fa, const mien_image *image, face_frame f,
             double threshold, int *is_face, mien_error *err)
{
  double k = fmax (f.width, f.height) * VERIFY_EXTENT / VERIFY_SIDE;
  view_frame vf = { f.cx, f.cy, f.roll, k, VERIFY_SIDE, VERIFY_SIDE };
  mien_face *found = NULL;
  int n = 0;
  *is_face = 0;
  mien_status st = detect_in_frame (fa, image, vf, threshold, 0, &found, &n,
                                    err);
  mien_box want = { (float)(f.cx - f.width / 2), (float)(f.cy - f.height / 2),
                    (float)f.width, (float)f.height };
  for (int i = 0; i < n && !*is_face; i++)
    *is_face = box_iou (found[i].box, want) >= VERIFY_IOU;
  free (found);
  return st;
}

/* landmarks_only: box, roll and landmarks only; expressions and
 * descriptor stay as they are. */
static mien_status
describe_refined (mien_face_analyzer *fa, const mien_image *image,
                  mien_face *face, face_frame f, int verify,
                  int landmarks_only, mien_error *err)
{
  mien_point pts[MIEN_N_LANDMARKS];
  face_frame start = f;
  for (int it = 0; it < REFINE_MAX; it++)
    {
      mien_status st = landmarks_in_frame (fa, image, f, pts, err);
      if (st != MIEN_OK)
        return st;
      face_frame g = frame_from_landmarks (pts);
      double size = fmax (f.width, f.height);
      double moved = fmax (hypot (g.cx - f.cx, g.cy - f.cy) / size,
                           fmax (fabs (g.width - f.width),
                                 fabs (g.height - f.height)) / size);
      double turned = fabs (remainder (g.roll - f.roll, 2 * M_PI));
      int stable = moved < REFINE_STABLE && turned < REFINE_STABLE;
      if (!isfinite (moved) || !isfinite (turned))
        return damaged (fa, "landmark model", "face_landmark_68_model", err);
      if (stable)
        break; /* pts were found in f, which g confirms */
      f = g;
    }
  /* A box that is not a face does not hold still: its landmarks shrink to
   * a blob, or turn it upside down. Such a box is dropped (MIEN_ERR_INVALID:
   * not found, as for an empty crop); the sweep's false positives were all
   * of this kind. */
  double grew = fmax (f.width, f.height) / fmax (start.width, start.height);
  double turned = fabs (remainder (f.roll - start.roll, 2 * M_PI));
  if (!(grew >= REFINE_MIN_GROWTH && grew <= 1.0 / REFINE_MIN_GROWTH
        && turned <= REFINE_MAX_TURN))
    return mien_error_set (err, MIEN_ERR_INVALID, "not a face: its "
                           "landmarks do not hold the box");
  if (verify)
    {
      int is_face = 0;
      mien_status st = verify_face (fa, image, f,
                                    MIEN_FACE_DEFAULT_SCORE_THRESHOLD,
                                    &is_face, err);
      if (st != MIEN_OK)
        return st;
      if (!is_face)
        return mien_error_set (err, MIEN_ERR_INVALID, "not a face: the "
                               "detector does not find it centred");
    }
  /* The box is the one the last landmarks were found in; close to theirs
   * once stable. */
  memcpy (face->landmarks, pts, sizeof pts);
  face->box = (mien_box){ (float)(f.cx - f.width / 2),
                          (float)(f.cy - f.height / 2), (float)f.width,
                          (float)f.height };
  face->roll = (float)remainder (f.roll, 2 * M_PI);
  if (!box_plausible (face->box, image->width, image->height))
    return damaged (fa, "landmark model", "face_landmark_68_model", err);
  if (landmarks_only)
    return MIEN_OK;
  /* Expressions and descriptor on an upright view twice the box. */
  view_frame vf = view_of (f, 2.0);
  mien_image *view = render_view (image, &vf, REFINE_TAPS, err);
  if (view == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_face up = *face;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      double u, v;
      image_to_view (&vf, pts[i].x, pts[i].y, &u, &v);
      up.landmarks[i] = (mien_point){ (float)u, (float)v };
    }
  mien_status st = describe_expressions (fa, view, &up, err);
  if (st == MIEN_OK)
    st = describe_identity (fa, view, &up, (int)floor (f.width / vf.k),
                            (int)floor (f.height / vf.k), err);
  mien_image_free (view);
  if (st != MIEN_OK)
    return st;
  memcpy (face->expressions, up.expressions, sizeof up.expressions);
  memcpy (face->descriptor, up.descriptor, sizeof up.descriptor);
  return MIEN_OK;
}

static mien_status
describe_landmarks (mien_face_analyzer *fa, const mien_image *image,
                    mien_face *face, int *crop_w, int *crop_h, mien_error *err)
{
  int x, y, w, h;
  if (!face_rect_clip (detection_rect (face, image->width, image->height),
                       image->width, image->height, &x, &y, &w, &h))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the face box lies outside the image");
  mien_tensor *out = run_on_crop (fa, image, x, y, w, h, LANDMARK_INPUT, 0,
                                  err);
  if (out == NULL)
    return mien_error_prefix (err, "landmark net");
  landmarks_from_output (out->data, w, h, face->box.x, face->box.y,
                         face->landmarks);
  mien_tensor_free (out);
  *crop_w = w;
  *crop_h = h;
  return MIEN_OK;
}

static mien_status
describe_expressions (mien_face_analyzer *fa, const mien_image *image,
                      mien_face *face, mien_error *err)
{
  int x, y, w, h;
  face_rect r = aligned_rect (face->landmarks, image->width, image->height);
  if (!face_rect_clip (r, image->width, image->height, &x, &y, &w, &h))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the aligned face lies outside the image");
  mien_tensor *out = run_on_crop (fa, image, x, y, w, h, LANDMARK_INPUT, 1,
                                  err);
  mien_tensor *p = mien_nn_softmax (fa->nn, out);
  mien_tensor_free (out);
  if (mien_nn_take_error (fa->nn, err) != MIEN_OK || p == NULL)
    {
      mien_tensor_free (p);
      return mien_error_prefix (err, "expression net");
    }
  if (!all_finite (p->data, MIEN_N_EXPRESSIONS))
    {
      mien_tensor_free (p);
      return damaged (fa, "expression model", "face_expression_model", err);
    }
  memcpy (face->expressions, p->data, sizeof face->expressions);
  mien_tensor_free (p);
  return MIEN_OK;
}

static mien_status
describe_identity (mien_face_analyzer *fa, const mien_image *image,
                   mien_face *face, int crop_w, int crop_h, mien_error *err)
{
  int x, y, w, h;
  face_rect r = dlib_rect (face->landmarks, crop_w, crop_h);
  if (!face_rect_clip (r, image->width, image->height, &x, &y, &w, &h))
    {
      /* computeFaceDescriptor's answer for an empty face. */
      memset (face->descriptor, 0, sizeof face->descriptor);
      return MIEN_OK;
    }
  mien_tensor *out = run_on_crop (fa, image, x, y, w, h, DESCRIPTOR_INPUT, 2,
                                  err);
  if (out == NULL)
    return mien_error_prefix (err, "recognition net");
  if (!all_finite (out->data, MIEN_DESCRIPTOR_SIZE))
    {
      mien_tensor_free (out);
      return damaged (fa, "recognition model", "face_recognition_model", err);
    }
  memcpy (face->descriptor, out->data, sizeof face->descriptor);
  mien_tensor_free (out);
  return MIEN_OK;
}

mien_status
mien_face_analyzer_describe (mien_face_analyzer *fa, const mien_image *image,
                             mien_face *face, mien_error *err)
{
  if (check_image (image, err) != MIEN_OK)
    return err ? err->status : MIEN_ERR_INVALID;
  if (!box_plausible (face->box, image->width, image->height))
    return damaged (fa, "face detector", "tiny_face_detector_model", err);
  if (face->found_by != FOUND_FACEAPI && face->found_by != FOUND_EXACT
      && face->found_by != FOUND_FACEAPI_THOROUGH)
    return describe_refined (fa, image, face, frame_from_box (face), 1, 0,
                             err);
  int crop_w = 0, crop_h = 0;
  mien_status st = describe_landmarks (fa, image, face, &crop_w, &crop_h,
                                       err);
  if (st != MIEN_OK)
    return st;
  if (!landmarks_plausible (face->landmarks,
                            fmax (face->box.width, face->box.height),
                            image->width, image->height))
    return damaged (fa, "landmark model", "face_landmark_68_model", err);
  if (describe_expressions (fa, image, face, err) != MIEN_OK
      || describe_identity (fa, image, face, crop_w, crop_h, err) != MIEN_OK)
    return err ? err->status : MIEN_ERR_INVALID;
  /* A face found as face-api finds it keeps face-api's answer. Only the
   * thorough search refines a rolled one's landmarks, box and roll in an
   * upright crop (expressions and descriptor stay face-api's): in the
   * sweep that lowers their landmark error (at −40°, 10.5 → 4.8 % of the
   * iod), but the rig then moves sample1/1 (rolled 46°) differently and
   * face-api reads its happy result 0.87 instead of 0.999, failing
   * expression-agreement; the default keeps the figures it was tuned
   * with. If the refinement does not hold, face-api's landmarks stand. */
  if (face->found_by == FOUND_FACEAPI_THOROUGH
      && fabs (eye_roll (face->landmarks)) > UPRIGHT_ROLL)
    {
      mien_face refined = *face;
      mien_error local = { 0 };
      mien_status rs = describe_refined (fa, image, &refined,
                                         frame_from_landmarks (
                                             face->landmarks),
                                         0, 1, &local);
      if (rs == MIEN_OK)
        *face = refined;
      else if (rs != MIEN_ERR_INVALID)
        {
          if (err != NULL)
            *err = local;
          return rs;
        }
    }
  return MIEN_OK;
}

mien_status
mien_face_analyzer_run (mien_face_analyzer *fa, const mien_image *image,
                        const mien_face_options *options, mien_face **faces,
                        int *n_faces, mien_error *err)
{
  mien_status s = mien_face_analyzer_detect (fa, image, options, faces,
                                             n_faces, err);
  if (s != MIEN_OK)
    return s;
  /* A face whose crop is empty is dropped, as face-api drops it; one
   * whose model outputs are absurd is dropped too, and said when no face
   * is left. */
  int kept = 0, damaged_seen = 0;
  mien_error damage = { 0 };
  for (int i = 0; i < *n_faces; i++)
    {
      mien_face face = (*faces)[i];
      mien_error local = { 0 };
      s = mien_face_analyzer_describe (fa, image, &face, &local);
      if (s == MIEN_ERR_INVALID)
        continue;
      if (s == MIEN_ERR_FORMAT)
        {
          if (!damaged_seen)
            damage = local;
          damaged_seen = 1;
          continue;
        }
      if (s != MIEN_OK)
        {
          if (err != NULL)
            *err = local;
          mien_faces_free (*faces);
          *faces = NULL;
          *n_faces = 0;
          return s;
        }
      (*faces)[kept++] = face;
    }
  *n_faces = kept;
  if (kept == 0)
    {
      mien_faces_free (*faces);
      *faces = NULL;
      if (damaged_seen)
        {
          if (err != NULL)
            *err = damage;
          return damage.status;
        }
    }
  return MIEN_OK;
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
