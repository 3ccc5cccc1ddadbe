/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Detection (mien_face_analyzer_detect): face-api's tiny face detector at
 * one input size with its box decoding and non-maximum suppression, and
 * the robust search's passes on views of the photo at other sizes and
 * turned (mien-face-view.c), merged across passes. */
#include "mien-face-analyzer-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* face-api's constants (tinyFaceDetector/const.ts). */
static const float detector_mean[3] = { 117.001f, 114.697f, 97.404f };
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

/* ---- face-api's single-size pass ---- */

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

/* Share of b's area that a covers (mien-face-analyzer-private.h). */
double
face_box_cover (mien_box a, mien_box b)
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
        if (!straddles[j] && face_box_cover (faces[j].box, faces[i].box)
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

/* How one detector pass reads the grid: box turns a candidate's centre
 * (gx, gy) and size (gw, gh), in cells, into a box in the units the pass's
 * suppression works in; place puts a picked candidate into the photo as a
 * face. */
typedef face_rect (*box_fn) (const void *pass, double gx, double gy,
                             double gw, double gh);
typedef void (*place_fn) (const candidate *c, const void *pass,
                          mien_face *face);

/* TinyYolov2Base.extractBoxes: rows × cols cells × 5 anchors × (x, y, w,
 * h, score). */
static int
decode_grid (const mien_tensor *out, box_fn box, const void *pass,
             double threshold, candidate *list)
{
  int rows = out->dims[1], cols = out->dims[2], n = 0;
  for (int row = 0; row < rows; row++)
    for (int col = 0; col < cols; col++)
      for (int a = 0; a < 5; a++)
        {
          const float *v = out->data + ((size_t)row * cols + col) * 25 + a * 5;
          double score = sigmoid (v[4]);
          if (!(score > threshold))
            continue;
          candidate c = { box (pass, col + sigmoid (v[0]), row + sigmoid (v[1]),
                               exp (v[2]) * anchors[a][0],
                               exp (v[3]) * anchors[a][1]),
                          score, n };
          list[n++] = c;
        }
  return n;
}

/* face-api's pass: the photo padded to a square, boxes relative to it. */
typedef struct faceapi_pass {
  int width, height; /* the photo */
  int cells;         /* of the square grid */
  double cfx, cfy;   /* the padded square over the photo's input */
} faceapi_pass;

static faceapi_pass
faceapi_pass_of (int width, int height, int input_size, int cells)
{
  double scale = (double)input_size / (width > height ? width : height);
  double rw = floor (width * scale + 0.5), rh = floor (height * scale + 0.5);
  double side = fmax (rw, rh);
  faceapi_pass p = { width, height, cells, side / rw, side / rh };
  return p;
}

static face_rect
box_faceapi (const void *pass, double gx, double gy, double gw, double gh)
{
  const faceapi_pass *p = pass;
  double cx = (gx / p->cells) * p->cfx;
  double cy = (gy / p->cells) * p->cfy;
  double w = (gw / p->cells) * p->cfx;
  double h = (gh / p->cells) * p->cfy;
  double x = cx - w / 2, y = cy - h / 2;
  /* BoundingBox(x, y, x + w, y + h): width = right − left. */
  return (face_rect){ x, y, (x + w) - x, (y + h) - y };
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

/* The detector's output (taken) as faces, the same for face-api's pass and
 * the robust search's views: refused when not finite (damaged weights),
 * decoded (decode_grid), thinned by non-maximum suppression on boxes scaled by
 * nms_scale, and placed. *result_out is NULL when nothing is found. */
static mien_status
faces_from_output (mien_face_analyzer *fa, mien_tensor *out,
                   double threshold, int nms_scale, box_fn box,
                   place_fn place, const void *pass, mien_face **result_out,
                   int *n_out, mien_error *err)
{
  size_t n_values = mien_tensor_n_elements (out);
  for (size_t i = 0; i < n_values; i++)
    if (!isfinite (out->data[i]))
      {
        mien_tensor_free (out);
        return face_damaged (fa, "face detector", "tiny_face_detector_model",
                             err);
      }
  size_t max = (size_t)out->dims[1] * out->dims[2] * 5;
  candidate *list = malloc ((max ? max : 1) * sizeof *list);
  int *pick = malloc ((max ? max : 1) * sizeof *pick);
  mien_face *result = calloc (max ? max : 1, sizeof *result);
  if (list == NULL || pick == NULL || result == NULL)
    {
      free (list);
      free (pick);
      free (result);
      mien_tensor_free (out);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  int n = decode_grid (out, box, pass, threshold, list);
  mien_tensor_free (out);
  int n_pick = non_max_suppression (list, n, nms_scale, pick);
  for (int i = 0; i < n_pick; i++)
    place (&list[pick[i]], pass, &result[i]);
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

/* ObjectDetection → FaceDetection: to image, to relative, to image. */
static void
place_faceapi (const candidate *c, const void *pass, mien_face *face)
{
  const faceapi_pass *p = pass;
  face_rect box = face_rect_to_image (c->rel, p->width, p->height);
  box = face_rect_to_image (face_rect_to_relative (box, p->width, p->height),
                            p->width, p->height);
  face->box = (mien_box){ (float)box.x, (float)box.y, (float)box.width,
                          (float)box.height };
  face->score = (float)c->score;
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
  faceapi_pass pass = faceapi_pass_of (image->width, image->height, size,
                                      out->dims[1]);
  return faces_from_output (fa, out, threshold, size, box_faceapi,
                            place_faceapi, &pass, result_out, n_out, err);
}

/* ---- the robust search ---- */

/* The robust search's other passes: the tiny detector on views of the
 * photo, each as many pixels as a square of this side (so a wide photo is
 * not padded to a square, and a face of 8 % of the longer side is still
 * 50 px), upright and, where asked, turned. 160 finds a close-up that
 * fills the frame; 640 small faces. Chosen with scripts/detection-sweep.py
 * (docs/QUALITY.md, "Detection"). */
static const int robust_scales[] = { 160, 640, 0 };
/* The padded views (face_detect_padded): their sizes, and how many times
 * smaller than the view the photo is. Of the full sweep's 5 faces missed
 * outright, 160 alone found 3, 416 alone 4, both all 5; 640 added none. */
static const int padded_scales[] = { 160, 416, 0 };
/* The rolls tried where nothing upright is found, and around the weak
 * candidates (WEAK_THRESHOLD) where something was (the detector finds
 * faces rolled up to about ±25°, so ±35° covers ±45°). */
static const double robust_rolls[] = { 35.0, -35.0 };
/* A face rolled 30–45° beside upright ones: the upright passes find the
 * upright faces, so the turned views above do not run, and give the
 * rolled face only a weak candidate (score 0.37–0.49 in the sweep's
 * misses). The robust search keeps the candidates of its upright passes
 * from WEAK_THRESHOLD, and looks again at the WEAK_MAX strongest that no
 * face found explains: turned by each of robust_rolls, in a view of
 * WEAK_VIEW² pixels, WEAK_EXTENT times the candidate's box (a rolled
 * face's upright box is off its centre). Two views of 160² cost about a
 * third of the 416 pass; a photo without such candidates pays nothing.
 * What they find is verified like every face of the extra passes. */
#define WEAK_THRESHOLD 0.2
#define WEAK_MAX 3
#define WEAK_VIEW 160
#define WEAK_EXTENT 2.0
#define DETECT_TAPS 2
#define MERGE_IOU 0.3
#define MERGE_COVER 0.6
#define EXTRA_THRESHOLD_DROP 0.1f
#define THOROUGH_THRESHOLD_DROP 0.1f
#define PAD_VIEW 1.4 /* the padded views' margin (padded_scales) */

static double
box_iou (mien_box a, mien_box b)
{
  face_rect ra = { a.x, a.y, a.width, a.height };
  face_rect rb = { b.x, b.y, b.width, b.height };
  return iou (ra, rb);
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
               || face_box_cover (list[j].box, more[i].box) >= MERGE_COVER
               || face_box_cover (more[i].box, list[j].box) >= MERGE_COVER;
      if (!same)
        list[n++] = more[i];
    }
  return n;
}

/* A pass on a view: candidates in view pixels (a cell is 32), faces with
 * the view's roll. */
typedef struct view_pass {
  const view_frame *vf;
  int found_by;
  double cell_w, cell_h;
} view_pass;

static face_rect
box_view (const void *pass, double gx, double gy, double gw, double gh)
{
  const view_pass *p = pass;
  double cx = gx * p->cell_w, cy = gy * p->cell_h;
  double bwv = gw * p->cell_w, bhv = gh * p->cell_h;
  return (face_rect){ cx - bwv / 2, cy - bhv / 2, bwv, bhv };
}

/* The face's upright box about its centre in the photo. */
static void
place_view (const candidate *c, const void *pass, mien_face *face)
{
  const view_pass *p = pass;
  face_rect r = c->rel;
  double x, yy;
  face_view_to_image (p->vf, r.x + r.width / 2, r.y + r.height / 2, &x, &yy);
  double fw = r.width * p->vf->k, fh = r.height * p->vf->k;
  face->box = (mien_box){ (float)(x - fw / 2), (float)(yy - fh / 2),
                          (float)fw, (float)fh };
  face->score = (float)c->score;
  face->roll = (float)p->vf->angle;
  face->found_by = p->found_by;
}

mien_status
face_detect_in_frame (mien_face_analyzer *fa, const mien_image *image,
                      view_frame vf, double threshold, int found_by,
                      mien_face **out, int *n_out, mien_error *err)
{
  *out = NULL;
  *n_out = 0;
  /* 2×2 taps: with bilinear's own reach that averages a 4×4 patch, enough
   * where a 4K photo shrinks to the detector's 640, and cheap. */
  mien_image *view = face_render_view (image, &vf, DETECT_TAPS, err);
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
  view_pass pass = { &vf, found_by, (double)vf.width / y->dims[2],
                     (double)vf.height / y->dims[1] };
  return faces_from_output (fa, y, threshold, 1, box_view, place_view,
                            &pass, out, n_out, err);
}

/* The tiny detector on the whole photo turned by `degrees`, as many
 * pixels as a square of side `area_side` (each side a multiple of 32, the
 * photo's shape kept; face-api pads to a square instead), the photo
 * `pad` times smaller than the view with black around it (1: none). */
static mien_status
detect_view (mien_face_analyzer *fa, const mien_image *image, double degrees,
             int area_side, double pad, double threshold, int found_by,
             mien_face **out, int *n_out, mien_error *err)
{
  double a = degrees * M_PI / 180.0;
  double ca = fabs (cos (a)), sa = fabs (sin (a));
  double bw = pad * (image->width * ca + image->height * sa);
  double bh = pad * (image->width * sa + image->height * ca);
  double k = sqrt (bw * bh) / area_side;
  int w = (int)ceil (bw / k / 32.0) * 32, h = (int)ceil (bh / k / 32.0) * 32;
  /* The view's centre is the photo's; the rounding up pads both ends. */
  view_frame vf = { image->width / 2.0, image->height / 2.0, a, k,
                    w < 32 ? 32 : w, h < 32 ? 32 : h };
  return face_detect_in_frame (fa, image, vf, threshold, found_by, out, n_out,
                               err);
}

/* Moves the faces of list below threshold to the end of *weak (grown);
 * returns how many stay in list, in their order. */
static int
split_weak (mien_face *list, int n, double threshold, mien_face **weak,
            int *n_weak, mien_status *st, mien_error *err)
{
  int kept = 0, n_low = 0;
  for (int i = 0; i < n; i++)
    n_low += !(list[i].score >= threshold);
  if (n_low == 0)
    return n;
  mien_face *grown = realloc (*weak, (size_t)(*n_weak + n_low)
                                         * sizeof **weak);
  if (grown == NULL)
    {
      *st = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return n;
    }
  *weak = grown;
  for (int i = 0; i < n; i++)
    if (list[i].score >= threshold)
      list[kept++] = list[i];
    else
      grown[(*n_weak)++] = list[i];
  return kept;
}

/* Merges more (n_more faces; freed) into *result (merge_faces). */
static mien_status
append_faces (mien_face **result, int *n, mien_face *more, int n_more,
              mien_error *err)
{
  mien_status st = MIEN_OK;
  if (n_more > 0)
    {
      mien_face *grown = realloc (*result, (size_t)(*n + n_more)
                                               * sizeof **result);
      if (grown == NULL)
        st = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      else
        {
          *result = grown;
          *n = merge_faces (grown, *n, *n + n_more, more, n_more);
        }
    }
  free (more);
  return st;
}

/* Is b one of the faces of list (merge_faces' test)? */
static int
overlaps_any (const mien_face *list, int n, mien_box b)
{
  for (int j = 0; j < n; j++)
    if (box_iou (list[j].box, b) > MERGE_IOU
        || face_box_cover (list[j].box, b) >= MERGE_COVER
        || face_box_cover (b, list[j].box) >= MERGE_COVER)
      return 1;
  return 0;
}

/* The weak candidates' second look (WEAK_THRESHOLD): the strongest
 * WEAK_MAX that neither a face found nor a candidate looked at already
 * explains, each in views turned by robust_rolls about its centre. */
static mien_status
look_again_turned (mien_face_analyzer *fa, const mien_image *image,
                   mien_face **result, int *n, mien_face *weak, int n_weak,
                   double threshold, mien_error *err)
{
  for (int i = 0; i < n_weak; i++)
    for (int j = i + 1; j < n_weak; j++)
      if (weak[j].score > weak[i].score)
        {
          mien_face t = weak[i];
          weak[i] = weak[j];
          weak[j] = t;
        }
  mien_face looked[WEAK_MAX];
  int n_looked = 0;
  mien_status st = MIEN_OK;
  for (int w = 0; w < n_weak && n_looked < WEAK_MAX && st == MIEN_OK; w++)
    {
      mien_box b = weak[w].box;
      if (overlaps_any (*result, *n, b) || overlaps_any (looked, n_looked, b))
        continue;
      looked[n_looked++] = weak[w];
      double k = fmax (b.width, b.height) * WEAK_EXTENT / WEAK_VIEW;
      for (size_t r = 0; r < sizeof robust_rolls / sizeof *robust_rolls
                         && st == MIEN_OK; r++)
        {
          view_frame vf = { b.x + b.width / 2.0, b.y + b.height / 2.0,
                            robust_rolls[r] * M_PI / 180.0, k, WEAK_VIEW,
                            WEAK_VIEW };
          mien_face *more = NULL;
          int n_more = 0;
          st = face_detect_in_frame (fa, image, vf, threshold, FOUND_ROTATED,
                                     &more, &n_more, err);
          if (st == MIEN_OK)
            st = append_faces (result, n, more, n_more, err);
          else
            free (more);
        }
    }
  return st;
}

/* The score the extra passes take candidates from (see the robust search
 * below): under the threshold, since each must still be verified. */
static double
extra_threshold (const mien_face_options *o)
{
  double thr = fmax (0.05, o->score_threshold - EXTRA_THRESHOLD_DROP);
  if (o->search == MIEN_FACE_SEARCH_THOROUGH)
    thr = fmax (0.05, thr - THOROUGH_THRESHOLD_DROP);
  return thr;
}

/* Gives the caller at most max_faces of result (n faces; freed when
 * none). */
static mien_status
hand_over (mien_face *result, int n, int max_faces, mien_face **faces,
           int *n_faces)
{
  if (n > max_faces)
    n = max_faces;
  if (n <= 0)
    {
      free (result);
      return MIEN_OK;
    }
  *faces = result;
  *n_faces = n;
  return MIEN_OK;
}

mien_status
mien_face_analyzer_detect (mien_face_analyzer *fa, const mien_image *image,
                           const mien_face_options *options, mien_face **faces,
                           int *n_faces, mien_error *err)
{
  *faces = NULL;
  *n_faces = 0;
  mien_face_options o = resolve_options (options);
  if (face_analyzer_is_partial (fa, err) || face_check_image (image, err)
      || check_options (&o, err))
    return err ? err->status : MIEN_ERR_INVALID;
  mien_face *result = NULL, *weak = NULL;
  int n = 0, n_weak = 0;
  /* The robust search keeps the weak candidates (WEAK_THRESHOLD). Those of
   * the 416 pass come from the same suppression: a box at or above the
   * threshold is only ever suppressed by a stronger one, so face-api's
   * list is what stays above it. */
  const int keep_weak = o.search == MIEN_FACE_SEARCH_ROBUST;
  const double weak_thr = fmin (WEAK_THRESHOLD, o.score_threshold);
  mien_status st = detect_at (fa, image, o.input_size,
                              keep_weak ? weak_thr : o.score_threshold,
                              &result, &n, err);
  if (st != MIEN_OK)
    return st;
  if (keep_weak)
    n = split_weak (result, n, o.score_threshold, &weak, &n_weak, &st, err);
  if (st != MIEN_OK)
    {
      free (result);
      return st;
    }
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
       * (face_verify), which is what keeps out things that are no face. A
       * face Mien has just animated can score 0.49 at 416 (sample2/1 sad). */
      double thr = extra_threshold (&o);
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
              int weak_too = keep_weak && r < 0;
              double take = weak_too ? fmin (weak_thr, thr) : thr;
              st = detect_view (fa, image, r < 0 ? 0.0 : robust_rolls[r],
                                sizes[i], 1.0, take,
                                r < 0 ? FOUND_OTHER_SIZE : FOUND_ROTATED,
                                &more, &n_more, err);
              if (st == MIEN_OK && weak_too)
                n_more = split_weak (more, n_more, thr, &weak, &n_weak, &st,
                                     err);
              if (st == MIEN_OK)
                st = append_faces (&result, &n, more, n_more, err);
              else
                free (more);
            }
          /* Faces were found upright: the turned views of the whole photo
           * do not run (below), the weak candidates get their look. */
          if (r < 0 && keep_weak && n > 0 && st == MIEN_OK)
            st = look_again_turned (fa, image, &result, &n, weak, n_weak,
                                    thr, err);
        }
      if (st != MIEN_OK)
        {
          free (weak);
          free (result);
          return st;
        }
      if (n > 0 && !o.keep_straddling)
        n = drop_straddling (result, n);
    }
  free (weak);
  return hand_over (result, n, o.max_faces, faces, n_faces);
}

/* Where the robust search found nothing that holds (no candidate, or none
 * that the refinement and verification kept; mien_face_analyzer_run), the
 * same views once more with the photo inside a black margin (PAD_VIEW),
 * upright and turned. A close-up cut by the frame's edge, or a face rolled
 * 40° near a corner, has its box partly outside the photo, and the
 * detector, trained on padded inputs, finds it once the box fits in the
 * view: the full detection sweep's 6 faces missed outright, found by
 * mien-faces on the photo padded 1.3 and 1.6 times (docs/QUALITY.md).
 * Photos where a face is found pay nothing. */
mien_status
face_detect_padded (mien_face_analyzer *fa, const mien_image *image,
                    const mien_face_options *options, mien_face **faces,
                    int *n_faces, mien_error *err)
{
  *faces = NULL;
  *n_faces = 0;
  mien_face_options o = resolve_options (options);
  if (o.search == MIEN_FACE_SEARCH_SINGLE)
    return MIEN_OK;
  double thr = extra_threshold (&o);
  mien_face *result = NULL;
  int n = 0;
  mien_status st = MIEN_OK;
  for (int r = -1; r < 2 && st == MIEN_OK; r++)
    for (int i = 0; padded_scales[i] && st == MIEN_OK; i++)
      {
        mien_face *more = NULL;
        int n_more = 0;
        st = detect_view (fa, image, r < 0 ? 0.0 : robust_rolls[r],
                          padded_scales[i], PAD_VIEW, thr,
                          r < 0 ? FOUND_OTHER_SIZE : FOUND_ROTATED, &more,
                          &n_more, err);
        if (st == MIEN_OK)
          st = append_faces (&result, &n, more, n_more, err);
        else
          free (more);
      }
  if (st != MIEN_OK)
    {
      free (result);
      return st;
    }
  if (n > 0 && !o.keep_straddling)
    n = drop_straddling (result, n);
  return hand_over (result, n, o.max_faces, faces, n_faces);
}

/* ---- is it a face? ---- */

/* Is there a face in frame f? The detector on an upright view of it, the
 * face centred and filling 1/VERIFY_EXTENT of the view, must find a box
 * over it. The robust search's extra sizes and rolls find things the
 * 416 pass does not, also things that are no face (a fold of cloth, a
 * patch, curls: the sweep's false positives); centred and upright, a face
 * scores high and they do not. */
#define VERIFY_SIDE 224
#define VERIFY_EXTENT 1.6
#define VERIFY_IOU 0.4
/* Where the detector does not find it with that margin, closer: a face
 * cut by the photo's edge, or filling it, shows more black than face at
 * 1.6 (the sweep: sample3's third face, scaled to 15, 60 and 90 % of the
 * frame and rolled, scored 0.39–0.46 at 1.6 and 0.58–0.81 at 1.25). */
#define VERIFY_EXTENT_CLOSE 1.25
mien_status
face_verify (mien_face_analyzer *fa, const mien_image *image, face_frame f,
             double threshold, int *is_face, mien_error *err)
{
  static const double extents[] = { VERIFY_EXTENT, VERIFY_EXTENT_CLOSE };
  mien_box want = { (float)(f.cx - f.width / 2), (float)(f.cy - f.height / 2),
                    (float)f.width, (float)f.height };
  mien_status st = MIEN_OK;
  *is_face = 0;
  for (size_t e = 0; e < sizeof extents / sizeof *extents && !*is_face
                     && st == MIEN_OK; e++)
    {
      double k = fmax (f.width, f.height) * extents[e] / VERIFY_SIDE;
      view_frame vf = { f.cx, f.cy, f.roll, k, VERIFY_SIDE, VERIFY_SIDE };
      mien_face *found = NULL;
      int n = 0;
      st = face_detect_in_frame (fa, image, vf, threshold, 0, &found, &n,
                                 err);
      for (int i = 0; i < n && !*is_face; i++)
        *is_face = box_iou (found[i].box, want) >= VERIFY_IOU;
      free (found);
    }
  return st;
}
