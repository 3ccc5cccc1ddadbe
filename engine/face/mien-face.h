/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the face models find in a photo. Shared by face analysis (detector,
 * landmarks, expression, descriptor), the generator (which moves landmarks)
 * and the headshot crop. Coordinates are in pixels of the photo as loaded
 * (EXIF orientation applied), x to the right, y down. */
#pragma once

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
} mien_face;

#ifdef __cplusplus
}
#endif
