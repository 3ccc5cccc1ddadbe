/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The anatomical Action Unit rig: the first mien_generator (implemented in
 * engine/rig/, one file per part of the face; rig-private.h maps them). It
 * needs no training data: each AU moves landmarks in a face-normalized
 * frame (origin between the eyes, x along the eye line, unit = inter-ocular
 * distance), and a dense field interpolates those moves over the 128² grid.
 *
 * The dense field is the sum of three parts, each fold-free by construction
 * or guarded:
 * - a normalized kernel average (Nadaraya–Watson with compactly supported
 *   Wendland kernels) of the landmark displacements, set at the landmarks'
 *   TARGET positions (so the backward field says where each output pixel
 *   comes from), with zero-displacement anchors on the nose bridge, the eyes,
 *   the forehead above the brows and a ring outside the jaw line; a constant
 *   background weight makes the field fall to exactly 0 outside every
 *   kernel's support;
 * - per eye, an eyelid field: a monotone piecewise-linear vertical map in the
 *   eye's frame that lets the upper-lid skin slide down over the eye (blink)
 *   or up (AU5) and the lower lid rise (AU6, AU7). Covered eye content is
 *   skipped, never squashed; a monotone 1-D map cannot fold;
 * - gaze: the eye interior shifts inside the eye's ellipse (the animator
 *   asks for it only where it found no iris to move, mien-animator.h);
 * - the lip seal (AU23, AU17 unless AU25/AU26 open the mouth): a monotone
 *   map along the mouth's vertical slides the lips together over teeth that
 *   the photo shows, composed with the kernel field (F = F_seal + F_au ∘
 *   (x + F_seal)); the opening's extent comes from the inner-lip landmarks,
 *   widened where the photo's colours say the teeth reach further.
 * The sum is bounded by the head's region (rig-pose.c: 0 outside it, so
 * expressions leave the background alone); a head pose (yaw, pitch, roll)
 * then turns the head as a 3-D body and is composed after it.
 * The sum is multiplied by a window that is exactly 0 on the outer 2 pixels
 * and then scaled by mien_field_limit_folds, which guarantees a positive
 * Jacobian determinant for ANY input.
 *
 * O^r is O^w with appearance a warp cannot make: the mouth interior painted
 * dark where an opening mouth stretched lip texture (inside the moved
 * inner-lip polygon, where the field magnifies the source); the shadow line
 * where the seal squeezed the skipped teeth; glabellar furrows and the
 * brow's shadow on the upper lid (AU4) and forehead lines (AU1, AU2). */
#pragma once

#include "mien-generator.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Smallest corner Jacobian determinant the rig allows. */
#define MIEN_RIG_JACOBIAN_MARGIN 0.02f
/* The field is exactly 0 on this many outer pixels of the grid (so that
 * bilinear up-sampling is 0 on the whole HD border). */
#define MIEN_RIG_ZERO_RING 2

mien_generator *mien_rig_new (mien_error *err);

/* What the last generate call did (for tools and tests). */
typedef struct mien_rig_stats {
  float fold_alpha;   /* scale applied by the fold guard (1: none needed) */
  float min_jacobian; /* after the guard */
  float max_displacement; /* largest |F| in grid pixels */
  float mouth_painted;    /* painted area in grid pixels */
  /* Eyes (0, 1 or 2) that the photo shows shut (the lids' landmarks under
   * 0.12 of the eye's width apart, as mien-iris.h's MIEN_IRIS_EYE_CLOSED):
   * gaze leaves them alone, since there is no iris to turn and moving the
   * closed lid would smear lashes. Counted only while gaze is asked for. */
  int gaze_shut_eyes;
  /* Head pose (last call with a pose): the photo's own yaw as the rig fits
   * it, and the yaw it turned by, in degrees. A photo already turned far
   * has the yaw limited so that both together stay within ±45°
   * (yaw_used != the yaw asked for). */
  float photo_yaw, yaw_used;
} mien_rig_stats;

/* The head's region of the last face the rig moved (rig-pose.c, once per
 * photo): width × height floats of the 128² grid, 1 inside, 0 outside.
 * With the face's person matte it is the head and hair the matte finds
 * near the fitted head; without, the fitted head's outline grown. NULL if
 * gen is not a rig or has not moved a face yet. */
const float *mien_rig_get_head_region (const mien_generator *gen, int *width,
                                       int *height);
/* The region and the margin in which the fields fade out (the same as the
 * region without a matte), in the same grid: outside it the field (pose
 * and expression) is exactly 0. */
const float *mien_rig_get_head_bound (const mien_generator *gen, int *width,
                                      int *height);

/* Returns 1 and fills stats if gen is a rig. */
int mien_rig_get_stats (const mien_generator *gen, mien_rig_stats *stats);

/* The head's orientation the rig reads from 68 landmarks (any position and
 * size): its generic 3-D face fitted under weak perspective, as the pose
 * channels use it (rig-pose-fit.c). R is row-major 3×3, the head's frame
 * in image axes. Returns 0 when the landmarks are degenerate. */
int mien_rig_fit_head (const mien_point *landmarks, float R[9]);
/* The pose channels' yaw, pitch and roll (degrees, the signs of mien-au.h)
 * of the turn from head frame `from` to head frame `to` (Rfromᵀ·Rto =
 * Rz(roll)·Rx(pitch)·Ry(yaw)): what the rig must be asked for to turn a
 * head seen as `from` the way `to` is turned. */
void mien_rig_pose_between (const float from[9], const float to[9],
                            float *yaw, float *pitch, float *roll);

#ifdef __cplusplus
}
#endif
