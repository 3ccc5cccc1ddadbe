/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The one landmark vocabulary: named points and ranges of the iBUG 300-W
 * 68-point scheme (face-api's landmark model), and the few measures every
 * user of the landmarks needs: the mean of a range, the eye centres and the
 * inter-ocular distance (iod), the face's unit of length.
 *
 * Sides are the SUBJECT's, as in FACS and mien-au.h: the subject's right
 * eye (36–41) is on the image's left in an unmirrored photo. */
#pragma once

#include "face/mien-face.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_lm_range {
  int first;
  int count;
} mien_lm_range;

#define MIEN_LM_RANGE(first, last) ((mien_lm_range){ (first), (last) - (first) + 1 })

/* Ranges, in the scheme's order. */
#define MIEN_LM_JAW         MIEN_LM_RANGE (0, 16)  /* image left ear → chin → right */
#define MIEN_LM_RIGHT_BROW  MIEN_LM_RANGE (17, 21) /* outer → inner */
#define MIEN_LM_LEFT_BROW   MIEN_LM_RANGE (22, 26) /* inner → outer */
#define MIEN_LM_NOSE_BRIDGE MIEN_LM_RANGE (27, 30) /* root → tip */
#define MIEN_LM_NOSTRILS    MIEN_LM_RANGE (31, 35) /* image left → right */
#define MIEN_LM_RIGHT_EYE   MIEN_LM_RANGE (36, 41) /* outer corner, clockwise */
#define MIEN_LM_LEFT_EYE    MIEN_LM_RANGE (42, 47) /* inner corner, clockwise */
#define MIEN_LM_OUTER_LIPS  MIEN_LM_RANGE (48, 59) /* right corner, clockwise */
#define MIEN_LM_INNER_LIPS  MIEN_LM_RANGE (60, 67) /* right corner, clockwise */
#define MIEN_LM_MOUTH       MIEN_LM_RANGE (48, 67) /* outer and inner lips */

/* Single points the rig and the crop name. */
enum {
  MIEN_LM_CHIN = 8,
  MIEN_LM_JAW_RIGHT_END = 0,  /* at the subject's right ear */
  MIEN_LM_JAW_LEFT_END = 16,
  MIEN_LM_NOSE_ROOT = 27,
  MIEN_LM_NOSE_TIP = 30,
  MIEN_LM_NOSE_BASE = 33,     /* below the tip, above the philtrum */
  MIEN_LM_RIGHT_EYE_OUTER = 36,
  MIEN_LM_RIGHT_EYE_INNER = 39,
  MIEN_LM_LEFT_EYE_INNER = 42,
  MIEN_LM_LEFT_EYE_OUTER = 45,
  MIEN_LM_MOUTH_RIGHT = 48,   /* outer lip corners */
  MIEN_LM_UPPER_LIP_TOP = 51,
  MIEN_LM_MOUTH_LEFT = 54,
  MIEN_LM_LOWER_LIP_BOTTOM = 57,
  MIEN_LM_INNER_RIGHT = 60,   /* inner lip corners */
  MIEN_LM_INNER_UPPER_MID = 62,
  MIEN_LM_INNER_LEFT = 64,
  MIEN_LM_INNER_LOWER_MID = 66,
};

/* Mean of a range: the sum in index order times 1/count, in float. */
mien_point mien_landmarks_mean (const mien_point *lm, mien_lm_range range);

/* Centre of one eye: the mean of its six points. side 0 is the subject's
 * right eye (36–41), 1 the left (42–47). */
mien_point mien_landmarks_eye_centre (const mien_point *lm, int side);

/* Distance between the eye centres (the iod), in the landmarks' pixels. */
float mien_landmarks_iod (const mien_point *lm);

/* The mean and the eye centre in doubles: the sum in index order divided
 * by the count, as face-api's JavaScript computes them (alignDlib, and the
 * face analyzer's roll of the eyes). The face analyzer reproduces face-api
 * operation for operation; in float its refined faces moved by up to
 * 4e-4 px. */
void mien_landmarks_mean_d (const mien_point *lm, mien_lm_range range,
                            double *x, double *y);
void mien_landmarks_eye_centre_d (const mien_point *lm, int side, double *x,
                                  double *y);

#ifdef __cplusplus
}
#endif
