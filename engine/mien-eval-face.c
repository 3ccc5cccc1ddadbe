/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Identity and expression measures of mien-eval.h: face-api re-run on a
 * result frame, and mien_eval_measure that gathers every per-result measure
 * (the app's Compare view calls this one). */
#include "mien-eval.h"

#include <string.h>

mien_status
mien_eval_match_face (mien_face_analyzer *analyzer, const mien_image *frame,
                      const mien_box *source_box, float min_iou,
                      mien_face *out, float *iou, mien_error *err)
{
  mien_face *faces = NULL;
  int n = 0, best = -1;
  float best_iou = 0.0f;
  *iou = 0.0f;
  mien_status st = mien_face_analyzer_detect (analyzer, frame, NULL, &faces,
                                              &n, err);
  if (st != MIEN_OK)
    return st;
  for (int i = 0; i < n; i++)
    {
      float o = mien_eval_box_iou (&faces[i].box, source_box);
      if (o > best_iou)
        {
          best_iou = o;
          best = i;
        }
    }
  *iou = best_iou;
  if (best >= 0 && best_iou >= min_iou)
    {
      /* Describe only the matched face: the other faces of a group photo
       * are untouched and would cost a descriptor each. */
      st = mien_face_analyzer_describe (analyzer, frame, &faces[best], err);
      if (st == MIEN_OK)
        *out = faces[best];
    }
  mien_faces_free (faces);
  return st;
}

/* Face-api's boxes move a little when the expression changes; 0.5 keeps a
 * neighbouring face in a group photo from being taken for the animated one
 * (neighbours overlap far less). */
#define MATCH_MIN_IOU 0.5f

static mien_status
measure_identity (mien_face_analyzer *analyzer, const mien_face *source,
                  const mien_image *frame, mien_eval_result *out,
                  mien_error *err)
{
  mien_face found;
  mien_status st = mien_eval_match_face (analyzer, frame, &source->box,
                                         MATCH_MIN_IOU, &found, &out->iou, err);
  if (st != MIEN_OK || out->iou < MATCH_MIN_IOU)
    return st;
  out->found = 1;
  out->cosine = mien_face_descriptor_cosine (source->descriptor,
                                             found.descriptor);
  out->distance = mien_face_descriptor_distance (source->descriptor,
                                                 found.descriptor);
  memcpy (out->result_expressions, found.expressions,
          sizeof out->result_expressions);
  return MIEN_OK;
}

mien_status
mien_eval_measure (mien_face_analyzer *analyzer, const mien_image *photo,
                   const mien_face *source, const mien_rect *crop,
                   const mien_image *frame, mien_eval_result *out,
                   mien_pool *pool, mien_error *err)
{
  memset (out, 0, sizeof *out);
  if (!photo || !source || !crop || !frame
      || !mien_image_same_shape (photo, frame))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "measure: photo and frame missing or of different "
                           "sizes");
  memcpy (out->source_expressions, source->expressions,
          sizeof out->source_expressions);
  mien_status st = MIEN_OK;
  if (analyzer)
    st = measure_identity (analyzer, source, frame, out, err);
  mien_rect roi = mien_eval_face_rect (source, crop);
  mien_image *a = st == MIEN_OK ? mien_image_crop (photo, crop->x, crop->y,
                                                   crop->width, crop->height,
                                                   err)
                                : NULL;
  mien_image *b = a ? mien_image_crop (frame, crop->x, crop->y, crop->width,
                                       crop->height, err)
                    : NULL;
  if (st == MIEN_OK && !b)
    st = err ? err->status : MIEN_ERR_NOMEM;
  if (st == MIEN_OK && roi.width > 0)
    st = mien_eval_band_energy (a, &roi, &out->source_bands, pool, err);
  if (st == MIEN_OK && roi.width > 0)
    st = mien_eval_band_energy (b, &roi, &out->result_bands, pool, err);
  if (st == MIEN_OK)
    {
      out->hf_ratio = mien_eval_band_ratio (&out->result_bands,
                                            &out->source_bands, 0);
      out->hf_ratio_finest = mien_eval_band_ratio (&out->result_bands,
                                                   &out->source_bands, 1);
      out->laplacian_var[0] = mien_eval_laplacian_variance (a, &roi);
      out->laplacian_var[1] = mien_eval_laplacian_variance (b, &roi);
      out->gradient_mean[0] = mien_eval_gradient_mean (a, &roi);
      out->gradient_mean[1] = mien_eval_gradient_mean (b, &roi);
    }
  mien_image_free (a);
  mien_image_free (b);
  return st;
}
