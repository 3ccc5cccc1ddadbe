/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The landmark-based refinement: a face found by the robust search's other
 * sizes or turned views has no face-api crop of its own, so its crop is
 * re-made from its landmarks, upright by the roll of the eyes, until the
 * box holds still; a box that does not hold, or that the detector does
 * not find again centred, is no face. The settled box's landmarks are the
 * landmark net's mean over a few framings and their mirror images. */
#include "mien-face-analyzer-private.h"
#include "mien-landmarks.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The face's frame from its landmarks: roll from the eye centres, and the
 * box a detector gives for them, from the landmarks' extent in the
 * upright frame (BOX_FROM_LM_*, mien-face-analyzer-private.h). */
#define REFINE_MAX 4
/* How far the refinement may move a detection and still call it the same
 * face: half or twice the size, 50° of roll (an upright pass finds faces
 * rolled up to about 45°). */
#define REFINE_MIN_GROWTH 0.5
#define REFINE_MAX_TURN (50.0 * M_PI / 180.0)
#define REFINE_STABLE 0.02 /* of the box size, and 0.02 rad ≈ 1.1° */
/* The refined crop is rendered at most this many pixels across (the
 * landmark net reads 112, the descriptor 150), averaging up to
 * REFINE_TAPS² taps a pixel. */
#define REFINE_VIEW 160.0
#define REFINE_TAPS 4

double
face_eye_roll (const mien_point *pts)
{
  double rx, ry, lx, ly;
  mien_landmarks_eye_centre_d (pts, 0, &rx, &ry);
  mien_landmarks_eye_centre_d (pts, 1, &lx, &ly);
  return atan2 (ly - ry, lx - rx);
}

face_frame
face_frame_from_landmarks (const mien_point *pts)
{
  double roll = face_eye_roll (pts);
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

face_frame
face_frame_from_box (const mien_face *face)
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

/* The 68 points mirrored left to right (iBUG numbering). */
static const unsigned char mirror68[MIEN_N_LANDMARKS] = {
  16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,  /* jaw */
  26, 25, 24, 23, 22, 21, 20, 19, 18, 17,                    /* brows */
  27, 28, 29, 30, 35, 34, 33, 32, 31,                        /* nose */
  45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40,            /* eyes */
  54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55,            /* mouth */
  64, 63, 62, 61, 60, 67, 66, 65
};

/* The landmark net's answer moves 4–10 % of the inter-ocular distance
 * between framings of the same face (a box a few pixels off, another
 * resampling). So once the box has settled (one crop a step, as before)
 * the net is averaged over REFINE_FRAMINGS framings (the box, and shifted
 * by 4 % of its width either way), each as it is and mirrored (the points
 * mirrored back): 5 runs more a face. On the sample photos, refining
 * every face: 4.9 % of the iod from face-api's own landmarks with one
 * crop, 4.2 % mirrored, 4.0 % with the 3 framings mirrored, 4.0 % with 9
 * (shifts up and down and scales 0.93–1.08 too); those include face-api's
 * own framing noise, its landmarks being one crop's. In the detection
 * sweep, on 32 cases with faces of 15 and 90 % of the frame, the error of
 * the 17 whose faces are refined fell in 13 (mean of all 32: 6.29 →
 * 5.99 %; docs/QUALITY.md). */
typedef struct framing {
  double dx, dy, scale; /* of the box size, in the face's frame */
} framing;
static const framing framings[] = {
  { 0, 0, 1 }, { 0.04, 0, 1 }, { -0.04, 0, 1 },
};
#define REFINE_FRAMINGS 3

static void
mirror_view (mien_image *view)
{
  for (int y = 0; y < view->height; y++)
    {
      float *row = mien_image_row (view, y);
      for (int a = 0, b = view->width - 1; a < b; a++, b--)
        for (int c = 0; c < view->channels; c++)
          {
            float t = row[a * view->channels + c];
            row[a * view->channels + c] = row[b * view->channels + c];
            row[b * view->channels + c] = t;
          }
    }
}

/* face-api's landmark step on one framing of the face's box, turned
 * upright (mirrored: the view mirrored, the points mirrored back); the
 * points added to acc in the photo's coordinates. */
static mien_status
landmarks_in_view (mien_face_analyzer *fa, const mien_image *image,
                   face_frame f, int mirrored, double (*acc)[2],
                   mien_error *err)
{
  view_frame vf = view_of (f, 1.0);
  if (vf.width < 1 || vf.height < 1)
    return mien_error_set (err, MIEN_ERR_INVALID, "the face box is empty");
  mien_image *view = face_render_view (image, &vf, REFINE_TAPS, err);
  if (view == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  if (mirrored)
    mirror_view (view);
  mien_tensor *out = face_run_on_crop (fa, view, 0, 0, vf.width, vf.height,
                                       LANDMARK_INPUT, 0, err);
  mien_image_free (view);
  if (out == NULL)
    return mien_error_prefix (err, "landmark net");
  mien_point local[MIEN_N_LANDMARKS];
  face_landmarks_from_output (out->data, vf.width, vf.height, 0, 0, local);
  mien_tensor_free (out);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      const mien_point *p = &local[mirrored ? mirror68[i] : i];
      double u = mirrored ? vf.width - p->x : p->x, x, y;
      face_view_to_image (&vf, u, p->y, &x, &y);
      acc[i][0] += x;
      acc[i][1] += y;
    }
  return MIEN_OK;
}

/* face-api's landmark step on the face's box, turned upright: the mean
 * of the net's answers on the first n_framings framings, each as it is
 * and mirrored (n_framings 0: the box as it is, once). have_first: pts
 * are already the answer on the box as it is. */
static mien_status
landmarks_in_frame (mien_face_analyzer *fa, const mien_image *image,
                    face_frame f, int n_framings, int have_first,
                    mien_point *pts, mien_error *err)
{
  double acc[MIEN_N_LANDMARKS][2] = { { 0 } };
  int n = 0;
  if (have_first)
    {
      for (int i = 0; i < MIEN_N_LANDMARKS; i++)
        {
          acc[i][0] = pts[i].x;
          acc[i][1] = pts[i].y;
        }
      n = 1;
    }
  double c = cos (f.roll), s = sin (f.roll);
  for (int j = 0; j < (n_framings > 0 ? n_framings : 1); j++)
    for (int m = 0; m < (n_framings > 0 ? 2 : 1); m++)
      {
        if (j == 0 && m == 0 && have_first)
          continue;
        double du = framings[j].dx * f.width, dv = framings[j].dy * f.height;
        face_frame g = { f.cx + c * du - s * dv, f.cy + s * du + c * dv,
                         f.width * framings[j].scale,
                         f.height * framings[j].scale, f.roll };
        mien_status st = landmarks_in_view (fa, image, g, m, acc, err);
        if (st != MIEN_OK)
          return st;
        n++;
      }
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      pts[i].x = (float)(acc[i][0] / n);
      pts[i].y = (float)(acc[i][1] / n);
    }
  if (!face_landmarks_plausible (pts, fmax (f.width, f.height), image->width,
                                 image->height))
    return face_damaged (fa, "landmark model", "face_landmark_68_model", err);
  return MIEN_OK;
}

/* Re-crops from the landmarks, upright by the eyes' roll, and runs the
 * landmark net again until the box is stable; then expressions and the
 * descriptor on the upright face. */
/* parts FACE_PARTS_LANDMARKS: box, roll and landmarks only; expressions
 * and descriptor stay as they are. FACE_PARTS_NO_DESCRIPTOR: no descriptor
 * (zeros). */
mien_status
face_describe_refined (mien_face_analyzer *fa, const mien_image *image,
                       mien_face *face, face_frame f, int verify, int parts,
                       mien_error *err)
{
  mien_point pts[MIEN_N_LANDMARKS];
  face_frame start = f;
  int settled = 0; /* pts are f's (the box as it is), f stable */
  for (int it = 0; it < REFINE_MAX && !settled; it++)
    {
      mien_status st = landmarks_in_frame (fa, image, f, 0, 0, pts, err);
      if (st != MIEN_OK)
        return st;
      face_frame g = face_frame_from_landmarks (pts);
      double size = fmax (f.width, f.height);
      double moved = fmax (hypot (g.cx - f.cx, g.cy - f.cy) / size,
                           fmax (fabs (g.width - f.width),
                                 fabs (g.height - f.height)) / size);
      double turned = fabs (remainder (g.roll - f.roll, 2 * M_PI));
      int stable = moved < REFINE_STABLE && turned < REFINE_STABLE;
      if (!isfinite (moved) || !isfinite (turned))
        return face_damaged (fa, "landmark model", "face_landmark_68_model",
                             err);
      if (stable)
        settled = 1; /* pts were found in f, which g confirms */
      else
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
  /* The settled box's landmarks, averaged over its framings (a box that
   * did not settle in REFINE_MAX steps: over the last one's). */
  {
    mien_status st = landmarks_in_frame (fa, image, f, REFINE_FRAMINGS,
                                         settled, pts, err);
    if (st != MIEN_OK)
      return st;
  }
  if (verify)
    {
      int is_face = 0;
      mien_status st = face_verify (fa, image, f,
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
  if (!face_box_plausible (face->box, image->width, image->height))
    return face_damaged (fa, "landmark model", "face_landmark_68_model", err);
  if (parts == FACE_PARTS_LANDMARKS)
    return MIEN_OK;
  /* Expressions and descriptor on an upright view twice the box. */
  view_frame vf = view_of (f, 2.0);
  mien_image *view = face_render_view (image, &vf, REFINE_TAPS, err);
  if (view == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_face up = *face;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      double u, v;
      face_image_to_view (&vf, pts[i].x, pts[i].y, &u, &v);
      up.landmarks[i] = (mien_point){ (float)u, (float)v };
    }
  mien_status st = face_describe_expressions (fa, view, &up, err);
  if (st == MIEN_OK && parts == FACE_PARTS_NO_DESCRIPTOR)
    memset (up.descriptor, 0, sizeof up.descriptor);
  else if (st == MIEN_OK)
    st = face_describe_identity (fa, view, &up, (int)floor (f.width / vf.k),
                                 (int)floor (f.height / vf.k), err);
  mien_image_free (view);
  if (st != MIEN_OK)
    return st;
  memcpy (face->expressions, up.expressions, sizeof up.expressions);
  memcpy (face->descriptor, up.descriptor, sizeof up.descriptor);
  return MIEN_OK;
}
