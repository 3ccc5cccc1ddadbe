/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The iris and pupil of one eye, found in the photo by a classical fit
 * inside the eye opening that the 68 landmarks give (issue #25): the iris
 * is the disc whose edge (the limbus) is the strongest dark-to-bright step
 * on the arcs the lids leave visible, and whose inside is darker than the
 * sclera around it (Daugman's integro-differential operator, restricted to
 * the eye opening). Then, inside the iris: the pupil (a darker disc, when
 * the iris is light enough to tell it) and the catchlight (the brightest
 * spot).
 *
 * Plain C on the core (libc, libm). face-api's 68 points carry no iris; the
 * face-mesh/iris graph models of @vladmandic/human would need new nn ops.
 *
 * Coordinates are the photo's pixels, as the landmarks' (mien-face.h). */
#pragma once

#include "../mien-error.h"
#include "../mien-image.h"
#include "mien-face.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mien_iris_status {
  MIEN_IRIS_FOUND = 0,
  /* The lids are (nearly) shut: height / width of the opening below
   * MIEN_IRIS_MIN_OPENNESS. Nothing to fit, and gaze has nothing to move. */
  MIEN_IRIS_EYE_CLOSED,
  /* The eye is under MIEN_IRIS_MIN_EYE_WIDTH pixels wide. */
  MIEN_IRIS_TOO_SMALL,
  /* No disc inside the opening is darker than the sclera beside it with a
   * visible edge (a glare on glasses, a very dark or blurred eye). */
  MIEN_IRIS_NO_CONTRAST,
  /* Something brighter than the sclera (a reflection on glasses; luma
   * over 0.92 and over the sclera's level, the fit's or the opening's
   * median where lower) covers more than 12 % of the fitted disc's area
   * within 1.4 radii of it: the fit is not trusted. A fainter veil is not
   * seen (tests/BAD-INPUT.md, issue #25). */
  MIEN_IRIS_GLARE,
} mien_iris_status;

#define MIEN_IRIS_MIN_OPENNESS 0.12f
#define MIEN_IRIS_MIN_EYE_WIDTH 8.0f

typedef struct mien_iris {
  mien_iris_status status;
  /* The eye opening from the landmarks: corner to corner, its centre and
   * unit axis (image-left corner to image-right corner), and
   * openness = mean lid distance / width. Always filled. */
  mien_point eye_centre, eye_axis;
  float eye_width, openness;
  /* When found: the iris disc, its edge contrast (mean luma step across
   * the limbus, 0 … 1) and its inside's contrast with the sclera. */
  mien_point centre;
  float radius;
  float edge, contrast;
  /* The pupil's radius; 0 when a dark iris hides it. */
  float pupil_radius;
  /* How soft the limbus is in the photo: the Gaussian blur (pixels) its
   * edge's profile reads as, 0.5 … 3 (0 where not measured: as sharp as
   * 0.5). A gaze move gives the moved disc and the old disc's fill edges
   * as soft. Measured once, when the iris is found. */
  float limbus_blur;
  /* The brightest spot inside the iris, when it is clearly brighter than
   * the iris around it (a reflection of the light). */
  int has_catchlight;
  mien_point catchlight;
} mien_iris;

/* side 0: the subject's right eye (landmarks 36-41, image left); 1: the
 * left eye (42-47). image: RGB or gray, values in [0, 1]. Returns MIEN_OK
 * with out->status saying whether an iris was found; an error only for
 * bad arguments. */
mien_status mien_iris_find (const mien_image *image,
                            const mien_point landmarks[MIEN_N_LANDMARKS],
                            int side, mien_iris *out, mien_error *err);

/* The same, with the eye as MediaPipe's iris model saw it (mien_face.eyes;
 * NULL or ok = 0: mien_iris_find): the eye is shut where the model's
 * opening is under MIEN_IRIS_MODEL_MIN_OPENNESS (the landmarks' six
 * points open an eye that the photo shows shut), and the disc is sought
 * near the model's iris only. */
#define MIEN_IRIS_MODEL_MIN_OPENNESS 0.14f
mien_status mien_iris_find_fitted (const mien_image *image,
                                   const mien_point landmarks[MIEN_N_LANDMARKS],
                                   int side, const mien_eye_fit *model,
                                   mien_iris *out, mien_error *err);

/* Where the iris looks, in the eye opening's frame: h is the iris centre's
 * offset from the opening's centre along the eye axis over half the eye's
 * width (+: towards the image's right), v the offset across it over half
 * the width (+: down). 0, 0 for an iris not found. */
void mien_iris_offset (const mien_iris *iris, float *h, float *v);

/* "Look at the camera": the gaze_h, gaze_v (mien_iris_move's units) that
 * move the found irises of both eyes to the centres of their openings,
 * i.e. cancel the photo's own gaze (mien_iris_offset, the mean over the
 * eyes found, clamped to [-1, 1]). Returns the number of irises found
 * (0: both 0). */
int mien_iris_camera_gaze (const mien_iris iris[2], float *gaze_h,
                           float *gaze_v);

/* Gaze that moves the iris itself, at the image's own resolution: the
 * iris disc (with its pupil and catchlight) is moved rigidly inside the
 * eye opening, the lids stay where they are and cover it where it passes
 * under them (nothing outside the opening is written; its outline is
 * anti-aliased, each pixel by the share of it inside, so that the result
 * is continuous in the landmarks and the gaze), and the sclera
 * uncovered behind it is filled from the sclera beside it along each row
 * of the eye, not from smeared iris. gaze_h in [-1, 1] moves the centre
 * MIEN_IRIS_GAZE_H · gaze_h of the eye's width along its axis (+: towards
 * the image's right), gaze_v MIEN_IRIS_GAZE_V · gaze_v across it (+: down).
 * iris must come from mien_iris_find on the same image and landmarks;
 * for any other status the image is left alone and *moved (may be NULL)
 * is 0: gaze does nothing where no iris was found (a shut eye). */
#define MIEN_IRIS_GAZE_H 0.25f
#define MIEN_IRIS_GAZE_V 0.10f
mien_status mien_iris_move (mien_image *image,
                            const mien_point landmarks[MIEN_N_LANDMARKS],
                            int side, const mien_iris *iris, float gaze_h,
                            float gaze_v, int *moved, mien_error *err);

/* "found", "eye closed", "eye too small", "no iris contrast", "glare over
 * the eye". */
const char *mien_iris_status_to_string (mien_iris_status status);

#ifdef __cplusplus
}
#endif
