/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-face-analyzer.h"
#include "nn/mien-nn-device.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-face-input.h"
#include "mien-face-nets.h"

struct mien_face_analyzer {
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
  free (fa);
}

void
mien_faces_free (mien_face *faces)
{
  free (faces);
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
                          MIEN_FACE_MAX_FACES, 0 };
  if (o != NULL)
    {
      if (o->input_size != 0)
        r.input_size = o->input_size;
      if (o->score_threshold != 0.0f)
        r.score_threshold = o->score_threshold;
      if (o->max_faces > 0 && o->max_faces < MIEN_FACE_MAX_FACES)
        r.max_faces = o->max_faces;
      r.keep_straddling = o->keep_straddling;
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
  mien_tensor *out = run_detector (fa, image, o.input_size, err);
  if (out == NULL)
    return err ? err->status : MIEN_ERR_INVALID;
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
  int n = extract_boxes (out, image->width, image->height, o.input_size,
                         o.score_threshold, list);
  mien_tensor_free (out);
  int n_pick = non_max_suppression (list, n, o.input_size, pick);
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
  if (n_pick > 0 && !o.keep_straddling)
    n_pick = drop_straddling (result, n_pick);
  if (n_pick > o.max_faces)
    n_pick = o.max_faces;
  if (n_pick <= 0)
    {
      free (result);
      return n_pick < 0 ? mien_error_set (err, MIEN_ERR_NOMEM, "out of memory")
                        : MIEN_OK;
    }
  *faces = result;
  *n_faces = n_pick;
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
  int crop_w = 0, crop_h = 0;
  if (describe_landmarks (fa, image, face, &crop_w, &crop_h, err) != MIEN_OK
      || describe_expressions (fa, image, face, err) != MIEN_OK
      || describe_identity (fa, image, face, crop_w, crop_h, err) != MIEN_OK)
    return err ? err->status : MIEN_ERR_INVALID;
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
  /* A face whose crop is empty is dropped, as face-api drops it. */
  int kept = 0;
  for (int i = 0; i < *n_faces; i++)
    {
      mien_face face = (*faces)[i];
      mien_error local;
      s = mien_face_analyzer_describe (fa, image, &face, &local);
      if (s == MIEN_ERR_INVALID)
        continue;
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
