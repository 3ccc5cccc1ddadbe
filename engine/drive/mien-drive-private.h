/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal: what the parts of driving by example share (mien-drive.h; the
 * method is described in mien-drive.c).
 *
 *   mien-drive.c            options, parts, the method
 *   mien-drive-pose.c       the face frame and pose removal: the
 *                           similarity that aligns a frame onto the rest,
 *                           per-frame measures
 *   mien-drive-filter.c     the One Euro filter on the landmarks
 *   mien-drive-brows.c      the brows' height from the image
 *   mien-drive-track.c      following the face through the video
 *   mien-drive-solve.c      the rest, the inverse rig, the per-frame solve
 *   mien-drive-calibrate.c  how much of a rig move the landmark net reports
 *   mien-drive-curves.c     the solved values as keyframes or a timeline */
#pragma once

#include "mien-drive.h"

/* The probe intensity the inverse rig and the calibration render each
 * channel at (half the FACS range). */
#define PROBE_INTENSITY 2.5f

/* Seconds on a monotonic clock. */
double drive_now (void);

/* ---- pose (mien-drive-pose.c) ---- */

float drive_dist (mien_point a, mien_point b);

/* The similarity z ↦ a·z + t (complex a: rotation and scale) that best maps
 * src's stable points onto dst's. */
typedef struct sim2 {
  float ar, ai, tx, ty;
} sim2;

sim2 drive_fit_similarity (const mien_point *src, const mien_point *dst);
mien_point drive_sim_apply (sim2 s, mien_point p);

/* The rest's face frame: origin between the eyes, x along the eye line, y
 * towards the chin, unit the iod. */
typedef struct frame2 {
  mien_point o;
  float ex, ey, iod;
} frame2;

frame2 drive_frame_of (const mien_point *lm);
/* A point in the frame's coordinates (iod units). */
mien_point drive_to_frame (const frame2 *f, mien_point p);
/* lm in the rest's face frame after removing the similarity. */
void drive_normalise (const mien_point *lm, const mien_point *rest,
                      const frame2 *rf, mien_point *out);

/* ---- the One Euro filter (mien-drive-filter.c) ---- */

typedef struct one_euro {
  float x[2 * MIEN_N_LANDMARKS], dx[2 * MIEN_N_LANDMARKS];
  int primed;
} one_euro;

/* Filters lm in place; the unit is the face's iod so beta does not depend
 * on the video's size. */
void drive_one_euro_step (one_euro *f, const mien_one_euro_params *p,
                          float dt, mien_point *lm);

/* The same filter on one signal (the gaze, mien-drive-solve.c): value
 * units times iod_per_unit are iod, so min_cutoff and beta mean what they
 * mean for the landmarks. Returns the filtered value. */
typedef struct one_euro1 {
  float x, dx;
  int primed;
} one_euro1;

float drive_one_euro1_step (one_euro1 *f, const mien_one_euro_params *p,
                            float dt, float iod_per_unit, float v);

/* ---- the brows from the image (mien-drive-brows.c) ---- */

/* The median of v[0 … n-1] (n > 0; sorts v). */
float drive_median (float *v, int n);

/* Each brow point's upper-edge offset on the frame (brow_edge, brow_found
 * of mien_drive_frame) for landmarks lm. */
void drive_brow_edges (const mien_image *img, const mien_point *lm,
                       float *edge, int *found);
/* The offsets measured from the net's points (net) made relative to the
 * filtered ones (lm): the edge's own place, without the net's jitter. */
void drive_brow_edges_refer (const mien_point *net, const mien_point *lm,
                             float *edge);
/* After a video's tracking: moves every frame's brow points by their edge
 * offset less its median over the clip, filtered like the landmarks. */
void drive_brows_apply (mien_drive_track *t,
                        const mien_one_euro_params *filter);

/* ---- the lids from the iris model (mien-drive-lids.c) ---- */

/* Whether the lids are read from the iris model: yes unless
 * MIEN_DRIVE_LIDS=net (mien-drive-lids.c says why). */
int drive_lids_enabled (void);
/* The frame's lid_up and lid_low from the iris model, run on the net's
 * own (unfiltered) landmarks lm of that frame. */
void drive_lid_fit (mien_face_analyzer *an, const mien_image *img,
                    const mien_point *lm, mien_drive_frame *f);
/* After a video's tracking: sets each found frame's lid points so that
 * each one's height above (below) its eye's corners' line is its median
 * over the clip times the iris model's lid over that lid's median,
 * filtered like the landmarks. */
void drive_lids_apply (mien_drive_track *t,
                       const mien_one_euro_params *filter);
/* The rest's lids at least as open as the clip's usual: each lid point of
 * rest (in ref's pixels, ref a found frame of t) that lies nearer its
 * eye's corners' line than its median over t's found frames (each aligned
 * onto ref) is moved out to it. */
void drive_lids_open_rest (const mien_drive_track *t, const mien_point *ref,
                           mien_point *rest);

/* ---- the detector box from the landmarks (mien-drive-track.c) ---- */

typedef struct box_fit {
  float ocx, ocy, kw, kh; /* detector box from the landmarks' bounds */
} box_fit;

/* Where face's detector box sits relative to its landmarks' bounds. */
box_fit drive_box_fit_of (const mien_face *face);
/* The detector box for landmarks lm, placed as b says. */
mien_box drive_box_from_landmarks (const box_fit *b, const mien_point *lm);

/* ---- the inverse rig (mien-drive-solve.c) ---- */

/* The solved channels: the sided AUs per side, the midline AUs once. */
typedef struct solve_channel {
  mien_au_channel channel; /* what is probed */
  mien_au_channel bilateral;
  int side; /* 0 both, 1 left, 2 right */
} solve_channel;

#define MAX_SOLVE MIEN_AU_N_CHANNELS

typedef struct inverse_rig {
  int n;                     /* solved channels */
  solve_channel ch[MAX_SOLVE];
  float J[2 * MIEN_N_LANDMARKS][MAX_SOLVE]; /* iod per unit intensity */
  double A[MAX_SOLVE][MAX_SOLVE];           /* JᵀWJ + ridge + pairs */
  /* A nod and a turn of the rest's head by one degree (iod per degree,
   * after the similarity alignment) and the inverse of their normal
   * matrix on the skull's points; n_turn 0: none (no head fit). */
  int n_turn;
  float T[2 * MIEN_N_LANDMARKS][2];
  float z[MIEN_N_LANDMARKS]; /* the rest's depths (iod, + to the camera) */
  double Tinv[2][2];
  mien_point rest_frame[MIEN_N_LANDMARKS];  /* rest in its face frame */
} inverse_rig;

/* The head's turn against the rest off a frame's displacement d (2 × 68,
 * the rest's face frame), measured on the skull's points alone
 * (mien-drive-solve.c); *pitch and *yaw in degrees. */
void drive_remove_turn (const inverse_rig *ir, float *d, float *pitch,
                        float *yaw);
/* Landmark p's weight in the fit (the jaw line least, the lids most). */
float drive_landmark_weight (int p);

/* The generator's own landmark model on the rest shape: each channel's
 * landmark displacement per unit intensity (scaled by gains, 2 × 68 or
 * NULL), the normal matrix with the ridge and the opposing pairs' cost,
 * and the head's turn (T, z) where the rest's head can be fitted. */
mien_status drive_build_inverse_rig (inverse_rig *ir, mien_generator *gen,
                                     const mien_point *rest,
                                     const float *gains, float ridge,
                                     mien_error *err);
