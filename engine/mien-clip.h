/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Rendering an animation: a timeline of driving vectors (mien-timeline.h)
 * played through an animator (mien-animator.h), frame by frame.
 *
 * Two interpolation modes, as in the ATW paper:
 *
 *  - MIEN_INTERPOLATION_DRIVING: each frame runs the generator on c(t), the
 *    timeline's interpolated driving vector. Any keyframes work. Where c(t)
 *    is all zero the frame is the photo itself, bit for bit (the rig's own
 *    field for c = 0 is 0 only to float rounding).
 *
 *  - MIEN_INTERPOLATION_FIELD: the generator runs ONCE, for the target (the
 *    keyframe farthest from the first), giving F_t, O^w_t and O^r_t. Frame t
 *    uses α = α(t) from mien_timeline_sample_alpha and
 *        F_α   = α·F_t
 *        O^w_α = warp(I, F_α)
 *        O^r_α = O^w_α + α·(O^r_t − O^w_t)
 *    i.e. the rig's own warped result plus its mouth paint (the only thing
 *    O^r adds to O^w) faded in with α. At α = 0 this is F = 0 and O^r = I
 *    exactly, so the frame is the photo bit for bit; at α = 1 it is the
 *    target frame exactly. The paint sits where the target's open mouth is;
 *    for α < 1 the mouth is less open and the faded paint is faint at its
 *    rim, which reads as the shadow inside a parting mouth.
 *    The first keyframe must be neutral (all zero): the field is scaled from
 *    the photo's own expression, so a clip that starts elsewhere cannot be
 *    made this way (refused with a message).
 *
 * Folds: the generator guarantees x + F_t(x) is fold-free, but that says
 * nothing about α·F_t for α in (0, 1). A corner determinant of the scaled
 * field is q(α) = 1 + α·tr + α²·det — a quadratic with q(0) = 1 and
 * q(1) > 0 that can still dip below 0 in between (tr = −3, det = 2.25 gives
 * q(2/3) = 0). mien_clip_new finds the exact minimum of every corner's
 * quadratic over α in [0, 1] (mien_field_min_jacobian_over_alpha); frames
 * whose scaled field falls under MIEN_RIG_JACOBIAN_MARGIN are scaled down
 * further by mien_field_limit_folds, and the info says so. */
#pragma once

#include "mien-animator.h"
#include "mien-generator.h"
#include "mien-timeline.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mien_interpolation {
  MIEN_INTERPOLATION_DRIVING = 0,
  MIEN_INTERPOLATION_FIELD,
} mien_interpolation;

/* "driving" or "field". */
const char *mien_interpolation_to_string (mien_interpolation interpolation);
int mien_interpolation_from_string (const char *name); /* -1 if none */

/* The default clip: the photo's own expression (all zero) at t = 0 to
 * target, eased in and out, lasting duration seconds; with ping_pong the
 * target is reached at duration / 2 and the clip plays back to neutral, so
 * it still lasts duration. */
mien_timeline *mien_clip_default_timeline (const mien_driving *target,
                                           double duration, int ping_pong,
                                           mien_error *err);

/* min over α in [0, 1] and over all cell corners of the corner Jacobian
 * determinant of α·field (the same corners as mien_field_min_jacobian);
 * *at_alpha (may be NULL) gets the α where it is reached. */
float mien_field_min_jacobian_over_alpha (const mien_image *field,
                                          float *at_alpha);

typedef struct mien_clip mien_clip;

/* anim, gen and timeline must outlive the clip; the timeline holds
 * MIEN_AU_N_CHANNELS values per keyframe and at least one keyframe. In field
 * mode the target field is generated here. */
mien_clip *mien_clip_new (mien_animator *anim, mien_generator *gen,
                          const mien_timeline *timeline,
                          mien_interpolation interpolation, mien_error *err);
void mien_clip_free (mien_clip *clip);

mien_interpolation mien_clip_get_interpolation (const mien_clip *clip);
/* Field mode: the worst corner determinant over α in [0, 1] of α·F_t
 * before any per-frame guard, and where; 1 and 0 in driving mode. */
float mien_clip_get_min_jacobian (const mien_clip *clip, float *at_alpha);

typedef struct mien_clip_frame_info {
  double time;
  float alpha;      /* α(t); in driving mode too (for plots) */
  float fold_scale; /* extra scale the fold guard applied (1: none) */
  float min_jacobian; /* of the field this frame used */
} mien_clip_frame_info;

/* Renders the frame at time t. With frame (photo-sized, holding the photo or
 * a previous frame of this clip, see mien_animator_render) the whole photo
 * is updated. With frame NULL only the crop is rendered and *crop_out gets
 * it (owned by the animator, valid until the next render). info and
 * crop_out may be NULL. */
mien_status mien_clip_render (mien_clip *clip, double t, mien_image *frame,
                              const mien_image **crop_out,
                              mien_clip_frame_info *info, mien_error *err);

#ifdef __cplusplus
}
#endif
