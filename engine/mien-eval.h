/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Quality measures for one result (issue #8), callable from the app's
 * Compare view, the mien-eval tool and tests:
 *
 * - identity and expression: face-api's models re-run on the result frame;
 *   the animated face is found again by box overlap with the source face
 *   (mien_eval_match_face), then descriptor cosine / Euclidean distance and
 *   the probability of the preset's class, source vs result;
 * - HD detail: energy of the band-pass levels of a Laplacian pyramid of the
 *   luma inside the face rectangle, result relative to source
 *   (mien_eval_band_energy), and two no-reference sharpness measures:
 *   variance of the Laplacian and mean gradient magnitude;
 * - temporal coherence: the flow warping error between two frames of an
 *   animation whose motion is known, because both frames were rendered
 *   from the same crop with known fields (mien_eval_warp_error);
 * - the up-sampling baselines of the ATW paper's table 3 (bilinear is
 *   mien_upsample_bilinear; bicubic is here).
 *
 * Pixel measures use luma Y = 0.299 R + 0.587 G + 0.114 B of the sRGB-encoded
 * values in [0, 1]. Everything here is deterministic; nothing prints. The
 * face functions need libmien_face (the mien_eval library links both). */
#pragma once

#include "face/mien-face-analyzer.h"
#include "mien-au.h"
#include "mien-headshot.h"
#include "mien-image.h"
#include "mien-pool.h"
#include "mien-reswarp.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- regions and classes ------------------------------------------------ */

/* The face region inside a crop, in crop pixels: the bounding box of the
 * 68 landmarks grown by 10 % on each side (forehead 25 % up, where the brows
 * move skin), clipped to the crop. Empty (0 × 0) if the face misses it. */
mien_rect mien_eval_face_rect (const mien_face *face, const mien_rect *crop);

/* The face-api expression class a preset aims at, or -1 (contempt has no
 * face-api class). */
int mien_eval_preset_class (mien_expression_preset preset);
const char *mien_eval_expression_name (int expression_class);

/* Intersection over union of two boxes (0 if either is empty). */
float mien_eval_box_iou (const mien_box *a, const mien_box *b);

/* ---- HD detail and sharpness -------------------------------------------- */

typedef struct mien_eval_bands {
  int n;                                 /* band-pass levels, finest first */
  double energy[MIEN_PYRAMID_MAX_LEVELS]; /* mean squared luma residual */
} mien_eval_bands;

/* Band energies of image's luma inside roi (image pixels): the residual
 * levels R_k of the same Laplacian pyramid ResWarp uses (down to 128²),
 * each averaged over roi scaled to that level. A 128² image has no bands. */
mien_status mien_eval_band_energy (const mien_image *image,
                                   const mien_rect *roi, mien_eval_bands *out,
                                   mien_pool *pool, mien_error *err);

/* Σ result / Σ source over the bands both have, or over the finest only;
 * 0 when the source has no energy. */
double mien_eval_band_ratio (const mien_eval_bands *result,
                             const mien_eval_bands *source, int finest_only);

/* No-reference sharpness of the luma inside roi (1-pixel border excluded):
 * variance of the 4-neighbour Laplacian, and mean |∇| by central
 * differences. 0 for a roi smaller than 3 × 3. */
double mien_eval_laplacian_variance (const mien_image *image,
                                     const mien_rect *roi);
double mien_eval_gradient_mean (const mien_image *image, const mien_rect *roi);

/* Bicubic up- (or down-) sampling, Keys a = −0.5, pixel centres at
 * half-integers as mien_upsample_bilinear, edge pixels replicated; no
 * clamping of over/undershoot. */
mien_status mien_eval_resample_bicubic (const mien_image *src, mien_image *dst,
                                        mien_pool *pool, mien_error *err);

/* ---- temporal coherence -------------------------------------------------- */

typedef struct mien_eval_warp {
  double warp_error;  /* mean |warp(prev) − next| in 8-bit levels */
  double plain_error; /* mean |prev − next| in 8-bit levels (no warp) */
} mien_eval_warp;

/* prev and next are crops rendered from one source crop S with fields
 * field_prev and field_next (any grid, e.g. 128², backward convention,
 * displacements in grid pixels; up-sampled and scaled as ResWarp does), so
 * prev(y) ≈ S(y + F_prev(y)) and next(x) ≈ S(x + F_next(x)). The known
 * motion from next back to prev is y(x) solving y + F_prev(y) =
 * x + F_next(x) (fixed-point iterations); the warping error compares
 * prev(y(x)) with next(x) over roi. Paint that no warp explains (the rig's
 * mouth interior) counts as error, as occlusions do in flow benchmarks. */
mien_status mien_eval_warp_error (const mien_image *prev,
                                  const mien_image *next,
                                  const mien_image *field_prev,
                                  const mien_image *field_next,
                                  const mien_rect *roi, mien_eval_warp *out,
                                  mien_pool *pool, mien_error *err);

/* ---- identity and expression --------------------------------------------- */

/* Detects the faces of frame and describes the one whose box overlaps
 * source_box most. *iou gets that overlap; when no detected box reaches
 * min_iou, *iou is the best overlap found, out is untouched and the call
 * still returns MIEN_OK (the caller reports "face lost"). */
mien_status mien_eval_match_face (mien_face_analyzer *analyzer,
                                  const mien_image *frame,
                                  const mien_box *source_box, float min_iou,
                                  mien_face *out, float *iou, mien_error *err);

/* Everything one result gets measured by, against its source. */
typedef struct mien_eval_result {
  int found;       /* the face was detected again in the result */
  float iou;       /* its box overlap with the source box */
  float cosine;    /* descriptor cosine similarity, source vs result */
  float distance;  /* descriptor Euclidean distance (face-api: < 0.6) */
  float source_expressions[MIEN_N_EXPRESSIONS];
  float result_expressions[MIEN_N_EXPRESSIONS];
  mien_eval_bands source_bands, result_bands;
  double hf_ratio;        /* band energy, all bands, result / source */
  double hf_ratio_finest; /* the finest band only */
  double laplacian_var[2]; /* source, result */
  double gradient_mean[2]; /* source, result */
} mien_eval_result;

/* Measures frame (the photo with the result pasted) against photo for the
 * analysed source face (from mien_face_analyzer_run on photo) whose
 * headshot crop is crop. analyzer may be NULL: identity and expression are
 * then skipped (found = 0). */
mien_status mien_eval_measure (mien_face_analyzer *analyzer,
                               const mien_image *photo,
                               const mien_face *source, const mien_rect *crop,
                               const mien_image *frame, mien_eval_result *out,
                               mien_pool *pool, mien_error *err);

#ifdef __cplusplus
}
#endif
