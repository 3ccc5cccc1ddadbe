/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Face analysis: finds the faces in a photo with face-api's tiny face
 * detector and gives each its 68 landmarks, 7 expression probabilities and
 * 128-d identity descriptor, computed as @vladmandic/face-api 1.7.15 does
 * (detectAllFaces(tensor, TinyFaceDetectorOptions).withFaceLandmarks()
 * .withFaceExpressions().withFaceDescriptors()), including its
 * pre-processing and crops, so results match the package's own.
 *
 * The models are loaded once into an analyzer. An analyzer runs one call at
 * a time; use one per thread for parallel work. */
#pragma once

#include "../mien-image.h"
#include "../mien-pool.h"
#include "mien-face.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_face_analyzer mien_face_analyzer;

/* How hard detection looks (mien_face_options.search). */
typedef enum mien_face_search {
  /* The default: face-api's pass at input_size, then the tiny detector
   * on views of the photo at other sizes (a close-up that fills the frame
   * and a small face in a big photo are found at different sizes), merged
   * across sizes, and on views turned by ±35° where nothing upright is
   * found. A face found only by those views is refined from its 68
   * landmarks (the crop re-made, upright by the roll of the eyes, until
   * the box is stable) and kept only if the detector finds it again
   * centred and upright. Faces found at input_size keep face-api's exact
   * box, landmarks, expressions and descriptor. */
  MIEN_FACE_SEARCH_ROBUST = 0,
  /* face-api exactly: one input size (input_size), no refinement. */
  MIEN_FACE_SEARCH_SINGLE = 1,
  /* ROBUST plus the turned views on every photo (a rolled face beside
   * upright ones), a lower score threshold on the extra views, and the
   * landmarks of face-api's faces rolled more than 12° refined upright
   * (expressions and descriptor stay face-api's); slower. */
  MIEN_FACE_SEARCH_THOROUGH = 2,
} mien_face_search;

#define MIEN_FACE_MAX_SCALES 8

typedef struct mien_face_options {
  int input_size;        /* detector input, a multiple of 32; default 416 */
  float score_threshold; /* in (0, 1); default 0.5 */
  int max_faces;         /* keep the best ones; default (0) 256 */
  /* face-api keeps every box that survives non-maximum suppression, also
   * one that sits between two faces of a group photo and holds half of
   * each (sample6 has one). By default such a box is dropped: it is not a
   * face, and animating it would move parts of two people. 1 keeps it, as
   * face-api does (the parity test needs the package's exact list). */
  int keep_straddling;
  mien_face_search search; /* default (0) MIEN_FACE_SEARCH_ROBUST */
  /* The extra input sizes of the robust search, besides input_size,
   * 0-terminated; all 0: MIEN_FACE_ROBUST_SCALES. For measurements. */
  int scales[MIEN_FACE_MAX_SCALES];
} mien_face_options;

#define MIEN_FACE_DEFAULT_INPUT_SIZE 416
#define MIEN_FACE_DEFAULT_SCORE_THRESHOLD 0.5f
#define MIEN_FACE_MAX_FACES 256

/* Loads tiny_face_detector_model, face_landmark_68_model,
 * face_expression_model and face_recognition_model (TensorFlow.js
 * manifests + shards) from model_dir. pool may be NULL (default pool). */
mien_face_analyzer *mien_face_analyzer_new (const char *model_dir,
                                            mien_pool *pool, mien_error *err);
void mien_face_analyzer_free (mien_face_analyzer *analyzer);

/* Detects and analyses every face of image (RGB or gray, values in [0,1]).
 * On success *faces (free with mien_faces_free) holds *n_faces faces: those
 * found at face-api's input size first, in face-api's order (descending
 * score), then those only the robust search finds (descending score). Each
 * has its box (an app can outline and pick any of them), score and roll.
 * A photo without faces gives 0 faces and MIEN_OK. The models' outputs are
 * checked: a face whose box or landmarks are not finite, or lie outside the
 * image by more than a face size, is dropped, and when that leaves no face
 * the call fails with MIEN_ERR_FORMAT and a message naming the model file
 * (damaged weights). options may be NULL. */
mien_status mien_face_analyzer_run (mien_face_analyzer *analyzer,
                                    const mien_image *image,
                                    const mien_face_options *options,
                                    mien_face **faces, int *n_faces,
                                    mien_error *err);

/* The two stages of run, for callers that want only boxes and for
 * benchmarks: detection fills box, score and roll only; describe fills
 * landmarks, expressions and descriptor of one detected face (and, for a
 * face from the robust search, refines its box and roll from the
 * landmarks). describe returns MIEN_ERR_FORMAT for a face whose landmarks
 * fail the check above. */
mien_status mien_face_analyzer_detect (mien_face_analyzer *analyzer,
                                       const mien_image *image,
                                       const mien_face_options *options,
                                       mien_face **faces, int *n_faces,
                                       mien_error *err);
mien_status mien_face_analyzer_describe (mien_face_analyzer *analyzer,
                                         const mien_image *image,
                                         mien_face *face, mien_error *err);

/* describe, with flags: MIEN_FACE_NO_DESCRIPTOR leaves the identity
 * descriptor out (zeros), a third of describe's work, for callers that
 * only follow landmarks and expressions (video tracking). */
#define MIEN_FACE_NO_DESCRIPTOR 1u
/* MIEN_FACE_LANDMARKS_ONLY: the landmarks alone (expressions and descriptor
 * zero), for a face of face-api's own pass (found by the single-size search
 * or at input_size; others fail with MIEN_ERR_INVALID). It fails wherever
 * describe would fail before the expression net runs, including where the
 * expression net's crop lies outside the image, so mien_face_analyzer_expressions
 * on the result can only fail on the net itself (damaged weights, memory).
 * Landmarks alone and then the expressions give describe's landmarks and
 * expressions bit for bit; the two may run on two analyzers in two threads
 * (video tracking follows frame n + 1 while frame n's expressions run). */
#define MIEN_FACE_LANDMARKS_ONLY 2u
mien_status mien_face_analyzer_describe_ex (mien_face_analyzer *analyzer,
                                            const mien_image *image,
                                            mien_face *face, unsigned flags,
                                            mien_error *err);

/* The eyes of the face with these landmarks, by MediaPipe's iris model
 * (mien-face-eyes.c): eyes[0] the eye of landmarks 36–41, eyes[1] 42–47.
 * Where the model is not installed both have ok = 0 and the call succeeds
 * (mien_face_analyzer_run fills mien_face.eyes this way). The model is
 * human/iris.json beside the face-api folder, or $MIEN_IRIS_MODEL ("none":
 * not used, and not said). */
mien_status mien_face_analyzer_eyes (mien_face_analyzer *analyzer,
                                     const mien_image *image,
                                     const mien_point landmarks[MIEN_N_LANDMARKS],
                                     mien_eye_fit eyes[2], mien_error *err);

/* Where the person is around the face with these landmarks, by
 * MediaPipe's selfie segmentation model (mien-face-head.c): a small matte
 * about the head, upright in the face's frame. Where the model is not
 * installed matte->ok = 0 and the call succeeds (mien_face_analyzer_run
 * fills mien_face.head this way). The model is human/selfie.json beside
 * the face-api folder, or $MIEN_HEAD_MODEL ("none": not used, and not
 * said). */
mien_status mien_face_analyzer_head (mien_face_analyzer *analyzer,
                                     const mien_image *image,
                                     const mien_point landmarks[MIEN_N_LANDMARKS],
                                     mien_head_matte *matte, mien_error *err);

/* MediaPipe's face mesh (468 points) of the face with these landmarks
 * (mien-face-mesh.c), for measuring a result's mouth and eyes with a model
 * other than face-api's. Where the model is not installed mesh->ok = 0
 * and the call succeeds. The model is human/facemesh.json beside the
 * face-api folder, or $MIEN_MESH_MODEL ("none": not used, and not said). */
mien_status mien_face_analyzer_mesh (mien_face_analyzer *analyzer,
                                     const mien_image *image,
                                     const mien_point landmarks[MIEN_N_LANDMARKS],
                                     mien_face_mesh *mesh, mien_error *err);

/* face's 7 expression probabilities from its landmarks (face-api's aligned
 * crop), as describe computes them. Runs on either kind of analyzer. */
mien_status mien_face_analyzer_expressions (mien_face_analyzer *analyzer,
                                            const mien_image *image,
                                            mien_face *face, mien_error *err);

/* An analyzer with only the expression net, for a second thread beside
 * like's (an analyzer runs one call at a time): the expression model loaded
 * again from like's model folder, on the CPU, its layers split over pool
 * (NULL: the default pool). It can only run
 * mien_face_analyzer_expressions; detect and describe fail with
 * MIEN_ERR_INVALID. Fails with MIEN_ERR_UNSUPPORTED where like runs its
 * nets on a GPU. Free with mien_face_analyzer_free. */
mien_face_analyzer *mien_face_analyzer_new_expressions (
    const mien_face_analyzer *like, mien_pool *pool, mien_error *err);

void mien_faces_free (mien_face *faces);

/* Euclidean distance and cosine similarity of two descriptors (face-api
 * matches identities by Euclidean distance, 0.6 being its usual
 * threshold). */
float mien_face_descriptor_distance (const float *a, const float *b);
float mien_face_descriptor_cosine (const float *a, const float *b);

#ifdef __cplusplus
}
#endif
