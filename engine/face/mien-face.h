/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the face models find in a photo. Shared by face analysis (detector,
 * landmarks, expression, descriptor), the generator (which moves landmarks)
 * and the headshot crop. Coordinates are in pixels of the photo as loaded
 * (EXIF orientation applied), x to the right, y down. */
#pragma once

#include <math.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The iBUG 300-W 68-point scheme used by face-api's landmark model:
 * 0–16 jaw, 17–21 right brow, 22–26 left brow (subject's right = image
 * left), 27–30 nose bridge, 31–35 nostrils, 36–41 right eye, 42–47 left eye,
 * 48–59 outer lips, 60–67 inner lips. */
#define MIEN_N_LANDMARKS 68
#define MIEN_N_EXPRESSIONS 7
#define MIEN_DESCRIPTOR_SIZE 128

/* face-api's expression classes, in its output order. */
typedef enum mien_expression_class {
  MIEN_EXPRESSION_NEUTRAL = 0,
  MIEN_EXPRESSION_HAPPY,
  MIEN_EXPRESSION_SAD,
  MIEN_EXPRESSION_ANGRY,
  MIEN_EXPRESSION_FEARFUL,
  MIEN_EXPRESSION_DISGUSTED,
  MIEN_EXPRESSION_SURPRISED,
} mien_expression_class;

typedef struct mien_point {
  float x;
  float y;
} mien_point;

typedef struct mien_box {
  float x, y, width, height;
} mien_box;

/* One eye as MediaPipe's iris model sees it (mien_face_analyzer_eyes), in
 * the photo's pixels: the iris's centre and radius (its 4 rim points'
 * mean distance), the eye's contour (the lower lid corner to corner in
 * 0–8, the upper lid in 0, 9–15, 8) and the opening: the lids' mean
 * distance over the contour's width. ok = 0 where the model is not
 * installed or did not run: mien_iris_find then fits the eye without it. */
typedef struct mien_eye_fit {
  int ok;
  mien_point iris_centre;
  float iris_radius;
  float openness;
  mien_point contour[16];
} mien_eye_fit;

/* The face as MediaPipe's face mesh model sees it
 * (mien_face_analyzer_mesh), in the photo's pixels: MediaPipe's 468
 * points (its own numbering: the inner lips are 78 … 308, see
 * mien_face_mesh_mouth), their depth (z, the same pixels, negative
 * towards the camera) and the model's face score (0 … 1). ok = 0 where
 * the model is not installed or did not run. */
#define MIEN_MESH_POINTS 468
typedef struct mien_face_mesh {
  int ok;
  float score;
  mien_point points[MIEN_MESH_POINTS];
  float z[MIEN_MESH_POINTS];
} mien_face_mesh;

/* The inner mouth and the eyes on a mesh: width (inner corners 78–308),
 * height (the mean of the inner lips' gaps 82–87, 13–14, 312–317), both
 * over the distance between the eyes' centres (the midpoints of each
 * eye's corners, 33–133 and 362–263), and that distance in pixels. */
typedef struct mien_mesh_mouth {
  float width, height, iod;
  mien_point centre;
} mien_mesh_mouth;
mien_mesh_mouth mien_face_mesh_mouth (const mien_face_mesh *mesh);

/* Where the person is around one face, by MediaPipe's selfie segmentation
 * model (mien_face_analyzer_head): the probability that a pixel is the
 * person (head, hair, body; 0 … 255) on a square view about the head,
 * upright in the face's frame. ok = 0 where the model is not installed or
 * did not run: the rig then bounds the head by its fitted ellipse alone. */
#define MIEN_HEAD_MATTE_SIZE 96
typedef struct mien_head_matte {
  int ok;
  /* The view: its centre in the photo's pixels, its turn (radians, the
   * face's roll) and the photo pixels per matte pixel. */
  float cx, cy, angle, scale;
  unsigned char person[MIEN_HEAD_MATTE_SIZE * MIEN_HEAD_MATTE_SIZE];
} mien_head_matte;

/* The matte's probability (0 … 1) at a point in the photo's pixels,
 * bilinear over the matte's pixel centres; 0 outside the view. */
static inline float
mien_head_matte_at (const mien_head_matte *m, float x, float y)
{
  if (!m->ok || !(m->scale > 0.0f))
    return 0.0f;
  float dx = x - m->cx, dy = y - m->cy;
  float c = cosf (m->angle), s = sinf (m->angle);
  /* Photo offset → the view's axes (the view is the photo turned by
   * angle about the centre). */
  float u = (c * dx + s * dy) / m->scale + 0.5f * MIEN_HEAD_MATTE_SIZE - 0.5f;
  float v = (-s * dx + c * dy) / m->scale + 0.5f * MIEN_HEAD_MATTE_SIZE - 0.5f;
  if (!(u > -1.0f && v > -1.0f && u < MIEN_HEAD_MATTE_SIZE
        && v < MIEN_HEAD_MATTE_SIZE))
    return 0.0f;
  int u0 = (int)floorf (u), v0 = (int)floorf (v);
  float fu = u - (float)u0, fv = v - (float)v0, acc = 0.0f;
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      {
        int uu = u0 + i, vv = v0 + j;
        if (uu < 0 || vv < 0 || uu >= MIEN_HEAD_MATTE_SIZE
            || vv >= MIEN_HEAD_MATTE_SIZE)
          continue;
        float wgt = (i ? fu : 1.0f - fu) * (j ? fv : 1.0f - fv);
        acc += wgt * (float)m->person[vv * MIEN_HEAD_MATTE_SIZE + uu];
      }
  return acc / 255.0f;
}

typedef struct mien_face {
  mien_box box;    /* detector box */
  float score;     /* detector confidence in [0, 1] */
  mien_point landmarks[MIEN_N_LANDMARKS];
  float expressions[MIEN_N_EXPRESSIONS]; /* probabilities, sum 1 */
  float descriptor[MIEN_DESCRIPTOR_SIZE]; /* identity embedding */
  /* The face's roll in radians (clockwise in the image, x right, y down),
   * from the robust search (0 for face-api's single-size search). box is
   * the face's box in its own upright frame, centred on the face: for a
   * rolled face it is that box turned by roll about its centre. */
  float roll;
  /* Internal to the analyzer: how the face was found (detect to
   * describe). */
  int found_by;
  /* The eyes (side 0: landmarks 36–41), from mien_face_analyzer_run;
   * zero (ok = 0) for a face made otherwise. */
  mien_eye_fit eyes[2];
  /* The person around the face, from mien_face_analyzer_run; ok = 0 for a
   * face made otherwise (mien_face_analyzer_head fills it). */
  mien_head_matte head;
} mien_face;

#ifdef __cplusplus
}
#endif
