/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ResWarp: the HD half of Animating Through Warping.
 *
 * Decompose once per photo (face crop) I^h into a low-resolution image I and
 * high-frequency residuals; then, for every frame, rebuild an HD result from
 * the generator's refined low-resolution result O^r and motion field F:
 *
 *   vanilla     O^h = up(O^r) + warp(R, up(F)·s),  R = I^h − up(down(I^h))
 *   multiscale  O = O^r; for k = n−1 … 0: O = up(O) + warp(R_k, F_k)
 *               R_k = L_k − up(L_{k+1}), L_0 = I^h, L_n = I (Laplacian pyramid)
 *
 * In both modes I = down(I^h) is the direct grid-cell average of the photo;
 * multiscale levels between are 2× averages of the level above.
 *
 * F_k is F bilinearly up-sampled to level k and scaled by the size ratio, so
 * a displacement of one low-res pixel moves (W_k / low_w) level-k pixels.
 * With F = 0 and O^r = I both modes return I^h to float rounding.
 *
 * One departure from the paper, on by default: each warped residual is
 * multiplied by a gain G = up(mien_field_residual_gain (F)) that fades it
 * where the warp squeezes or stretches it so much that its detail would alias
 * into jagged lines or smear into streaks (a blink's lid seam, an opened
 * mouth). G is exactly 1 wherever F is locally rigid, so the identity
 * property and the seamless paste are untouched.
 *   vanilla     O^h = up(O^r) + G · warp(R, up(F)·s)
 *   multiscale  O = up(O) + G_k · warp(R_k, F_k)
 * Where G < 1 the faded share is not dropped but carried by a texture
 * transport that keeps the pores' size ((1 − G) · T, mien-warp.h), and the
 * residual warp is cubic rather than bilinear. */
#pragma once

#include "mien-image.h"
#include "mien-pool.h"
#include "mien-warp.h" /* MIEN_LOW_RES, the kernel and the plain warp */

#ifdef __cplusplus
extern "C" {
#endif

/* Enough levels for a 32768-pixel side over a 128 base. */
#define MIEN_PYRAMID_MAX_LEVELS 16

typedef enum mien_reswarp_mode {
  MIEN_RESWARP_VANILLA = 0,
  MIEN_RESWARP_MULTISCALE = 1,
} mien_reswarp_mode;

const char *mien_reswarp_mode_to_string (mien_reswarp_mode mode);
/* Parses "vanilla" / "multiscale"; returns -1 if neither. */
int mien_reswarp_mode_from_string (const char *name);

typedef struct mien_level_size {
  int width;
  int height;
} mien_level_size;

/* Sizes of the pyramid from (width, height) down to (low_w, low_h),
 * including both ends; returns the count (>= 1). Each step halves a side
 * (rounding up, never below the low size) while either side is at least twice
 * the low size; one last step then goes straight to the low size. For sides
 * of 128·2^k this is exactly the paper's pyramid. Odd sizes round up so that
 * no level loses a row or column of the photo. */
int mien_pyramid_level_sizes (int width, int height, int low_w, int low_h,
                              mien_level_size *sizes, int max_sizes);

typedef struct mien_decomposition mien_decomposition;

/* How the residuals are held (issue #22). 16 bits (mien_residual16) halve
 * the bytes every frame reads and the memory a photo holds; the output then
 * differs from float storage by at most 1/64 of an 8-bit level per pyramid
 * level (F = 0 gives the photo back within 0.05 of a level, not exactly).
 *   AUTO: 16 bits for a 3- or 4-channel photo whose samples are all on the
 *         8-bit grid (k/255: an 8-bit file, not resampled); float otherwise,
 *         so that a 16-bit or float source keeps its precision.
 *         MIEN_RESIDUAL_STORAGE=float or =16 overrides it.
 *   FLOAT32: float, the exact identity (F = 0 returns the photo to float
 *         rounding).
 *   FIXED16: 16 bits whatever the photo.
 * The kernel reads 16 bits in its default case (bilinear, no transport, 3 or
 * 4 channels); asking for another (cubic, transport) moves the residuals to
 * float at the next frame, for good. */
typedef enum mien_residual_storage {
  MIEN_RESIDUAL_AUTO = 0,
  MIEN_RESIDUAL_FLOAT32 = 1,
  MIEN_RESIDUAL_FIXED16 = 2,
} mien_residual_storage;

/* Decomposes hd (any size, 1–4 channels) for the given mode. The result
 * holds I (mien_decomposition_get_low) and the residual(s). Computed once per
 * photo and reused for every frame. */
mien_decomposition *mien_decomposition_new (const mien_image *hd, int low_w,
                                            int low_h, mien_reswarp_mode mode,
                                            mien_pool *pool, mien_error *err);
/* The same with a choice of storage; mien_decomposition_new is FLOAT32. */
mien_decomposition *mien_decomposition_new_ex (const mien_image *hd,
                                               int low_w, int low_h,
                                               mien_reswarp_mode mode,
                                               mien_residual_storage storage,
                                               mien_pool *pool,
                                               mien_error *err);
void mien_decomposition_free (mien_decomposition *dec);
/* FLOAT32 or FIXED16: how the residuals are held now. */
mien_residual_storage mien_decomposition_get_storage (const mien_decomposition *dec);

/* Memory: the most a decomposition of a width×height×channels photo holds at
 * once, in bytes, from mien_decomposition_new through its first frame: the
 * residuals, I, the per-level frames of multiscale, the gain and the
 * down-sampler's temporary (tests/test-memory.c measures it within 20 %). */
uint64_t mien_decomposition_estimate_bytes (int width, int height,
                                            int channels, int low_w,
                                            int low_h, mien_reswarp_mode mode);
/* Refuses (MIEN_ERR_NOMEM, naming the sizes) when held_bytes plus that
 * estimate is over the cap of mien-memory.h; held_bytes is what the caller
 * keeps for the same job (the photo, the frame it pastes into). */
mien_status mien_decomposition_check_memory (int width, int height,
                                             int channels, int low_w,
                                             int low_h, mien_reswarp_mode mode,
                                             uint64_t held_bytes,
                                             mien_error *err);

mien_reswarp_mode mien_decomposition_get_mode (const mien_decomposition *dec);
/* I = down(I^h), the generator's input. */
const mien_image *mien_decomposition_get_low (const mien_decomposition *dec);
int mien_decomposition_get_width (const mien_decomposition *dec);
int mien_decomposition_get_height (const mien_decomposition *dec);
/* Number of residual maps: 1 for vanilla, the pyramid depth for multiscale
 * (0 when the photo is already at the low size). */
int mien_decomposition_get_n_residuals (const mien_decomposition *dec);
/* Residual k: k = 0 is full size, higher k are coarser (multiscale).
 * NULL when it is held in 16 bits (then get_residual16 gives it);
 * copy_residual gives a float copy in either storage (free it). */
const mien_image *mien_decomposition_get_residual (const mien_decomposition *dec,
                                                   int k);
const mien_residual16 *
mien_decomposition_get_residual16 (const mien_decomposition *dec, int k);
mien_image *mien_decomposition_copy_residual (const mien_decomposition *dec,
                                              int k, mien_pool *pool,
                                              mien_error *err);

/* One frame: writes O^h into out (full size, same channels as the photo).
 * refined is O^r at the low size; field is F (2 channels) at the low size.
 * Uses scratch buffers inside dec: one frame at a time per decomposition. */
mien_status mien_reswarp (mien_decomposition *dec, const mien_image *refined,
                          const mien_image *field, mien_image *out,
                          mien_pool *pool, mien_error *err);

/* ---- the preview's frame (issue #22: a preview that follows the zoom) ---- */

/* The pyramid's sizes for this crop, full (0) to low (n − 1): the same in
 * both modes (mien_pyramid_level_sizes), so a vanilla preview uses them too. */
int mien_decomposition_get_n_levels (const mien_decomposition *dec);
mien_level_size mien_decomposition_get_level_size (const mien_decomposition *dec,
                                                   int level);
/* Multiscale: level k (1 ≤ k < n − 1) of the frame mien_reswarp computed
 * last (its out is level 0); NULL otherwise. For tests. */
const mien_image *mien_decomposition_get_frame_level (const mien_decomposition *dec,
                                                      int level);
/* Vanilla's coarser levels: the photo area-averaged to level k's size
 * (photo_k, not referenced after the call) gives the level's residual
 * R_k = photo_k − up(I), so that a level-k frame is vanilla ResWarp of the
 * photo at that size. One level is held at a time (another replaces it).
 * Multiscale needs nothing: returns MIEN_OK. */
mien_status mien_decomposition_set_level_photo (mien_decomposition *dec,
                                                int level,
                                                const mien_image *photo_k,
                                                mien_pool *pool,
                                                mien_error *err);
/* Whether level k can be rendered now (multiscale: always; vanilla: level 0,
 * the top, or after set_level_photo for k). */
int mien_decomposition_has_level (const mien_decomposition *dec, int level);

/* One frame at pyramid level `level`, only `region` of it (level pixels;
 * NULL or empty: all) written into out (level k's size, the photo's
 * channels; the rest of out is left as it is).
 *   multiscale: the levels n − 2 … level of mien_reswarp, stopped there: the
 *     pixels equal mien_reswarp's level k (its out at k = 0) bit for bit;
 *     coarser levels are computed only over the region's footprint (what
 *     up() reads of them, plus 2 pixels), in dec's scratch.
 *   vanilla: level 0 is mien_reswarp's frame bit for bit in the region; a
 *     coarser level is up(O^r) + G · warp(R_k, F · s_k) with R_k from
 *     set_level_photo: an approximation of the full frame area-averaged (the
 *     residual is warped at the level's resolution), exact where F = 0.
 * The top level is O^r itself. Same gain, resampler and transport as
 * mien_reswarp. */
mien_status mien_reswarp_level (mien_decomposition *dec,
                                const mien_image *refined,
                                const mien_image *field, int level,
                                const mien_rect *region, mien_image *out,
                                mien_pool *pool, mien_error *err);

/* The input check every backend makes before a frame (CPU and CUDA alike):
 * refined of low's shape, field low's size with 2 finite channels, out (may
 * be NULL: not checked) width×height×channels. */
mien_status mien_reswarp_check_inputs (const mien_image *low, int width,
                                       int height, int channels,
                                       const mien_image *refined,
                                       const mien_image *field,
                                       const mien_image *out, mien_error *err);

/* Mien's departures from the paper, on for a new decomposition: the
 * residual gain; with MIEN_RESWARP_TRANSPORT=1 in the environment the
 * texture transport where it fades, and with MIEN_RESWARP_CUBIC=1 the cubic
 * residual resampler (mien-warp.h). Both are off by default because each
 * moves one sample face's face-api score across the expression-agreement
 * test's bar (docs/QUALITY.md, "HD detail where the face moves"). Setting the fade sets them all; off gives the paper's
 * equations exactly, bilinear warp included (for comparison and the quality
 * report: mien-render --no-fade). */
void mien_decomposition_set_residual_fade (mien_decomposition *dec, int on);
/* Whether the fade brings the cubic resampler (MIEN_RESWARP_CUBIC=1) and
 * the texture transport (MIEN_RESWARP_TRANSPORT=1); both also while the
 * process asks for sharper detail (below). */
int mien_reswarp_cubic_by_default (void);
int mien_reswarp_transport_by_default (void);
/* Sharper detail where the face moves: the cubic resampler and the texture
 * transport together, for every decomposition made or whose fade is set
 * from now on (CPU and CUDA; the app's "Sharper skin detail" preference,
 * mien-render --sharp). Off by default for the reason above. Thread-safe. */
void mien_reswarp_set_sharp_detail (int on);
int mien_reswarp_get_sharp_detail (void);
int mien_decomposition_get_residual_fade (const mien_decomposition *dec);
/* The two parts apart, for tests and studies (after set_residual_fade).
 * The transport only acts while the fade is on. */
void mien_decomposition_set_texture_transport (mien_decomposition *dec,
                                               int on);
int mien_decomposition_get_texture_transport (const mien_decomposition *dec);
void mien_decomposition_set_resampler (mien_decomposition *dec,
                                       mien_warp_resampler resampler);
mien_warp_resampler
mien_decomposition_get_resampler (const mien_decomposition *dec);

/* One level of either mode, fused in one pass over out (mien_warp_compose):
 *   out = up(coarse) + warp(residual, up(field) · (out size / field size))
 * residual may be NULL (then out = up(coarse)); field may be NULL (zero). */
mien_status mien_reswarp_compose_level (const mien_image *coarse,
                                        const mien_image *residual,
                                        const mien_image *field,
                                        mien_image *out, mien_pool *pool,
                                        mien_error *err);
/* The same with the residual multiplied by up(gain); gain (1 channel at the
 * field's size) may be NULL (1). */
mien_status mien_reswarp_compose_level_gain (const mien_image *coarse,
                                             const mien_image *residual,
                                             const mien_image *field,
                                             const mien_image *gain,
                                             mien_image *out, mien_pool *pool,
                                             mien_error *err);

#ifdef __cplusplus
}
#endif
