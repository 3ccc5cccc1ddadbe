/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-photo, per-face cache and the per-frame call.
 *
 * mien_animator_new does the per-photo work once: the headshot crop, its
 * ResWarp decomposition (I and the residuals), and the landmarks mapped into
 * I's 128 grid. Each frame then runs only generator + ResWarp + paste:
 *
 *   c ──generator(I, c, landmarks)──▶ F, O^r ──ResWarp──▶ O^h (crop) ──paste──▶ frame
 *
 * Paste-back writes only the part of the crop the field can change: the
 * bounding box of grid cells where F ≠ 0 or O^r ≠ I, grown by 3 cells (the
 * reach of bilinear up-sampling, multiscale included). Everywhere else the frame keeps the
 * photo's own values bit for bit, inside the crop as well as outside (ResWarp
 * would reproduce them only to float rounding there). Other faces in the
 * photo are never touched. */
#pragma once

#include "face/mien-face.h"
#include "face/mien-iris.h"
#include "mien-au.h"
#include "mien-device.h"
#include "mien-generator.h"
#include "mien-headshot.h"
#include "mien-image.h"
#include "mien-pool.h"
#include "mien-reswarp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_animator mien_animator;

/* photo must outlive the animator (it is referenced, not copied). */
mien_animator *mien_animator_new (const mien_image *photo,
                                  const mien_face *face,
                                  mien_reswarp_mode mode, mien_pool *pool,
                                  mien_error *err);
void mien_animator_free (mien_animator *anim);
/* The most the animator of this face allocates at once, in bytes, from
 * mien_animator_new through its first frame (the photo and the frame are
 * the caller's and not counted); 0 if no crop fits. mien_animator_new
 * refuses, naming the sizes, when this plus the photo and one frame is over
 * the memory cap (mien-memory.h). */
uint64_t mien_animator_estimate_bytes (const mien_image *photo,
                                       const mien_face *face,
                                       mien_reswarp_mode mode);

/* The other faces of the photo (faces[self] is this one; self −1 if it is
 * not among them): the generator leaves their heads where they are when it
 * turns or moves this one (issue #24: overlapping heads in a group photo).
 * Only faces that reach into this face's crop count, the nearest
 * MIEN_GENERATOR_MAX_NEIGHBOURS. Without this call (or with none near) the
 * frames are as before. */
void mien_animator_set_other_faces (mien_animator *anim,
                                    const mien_face *faces, int n_faces,
                                    int self);
/* How many of them reach into the crop. */
int mien_animator_get_n_neighbours (const mien_animator *anim);
const mien_rect *mien_animator_get_crop (const mien_animator *anim);
/* I: the 128² area average of the crop. */
const mien_image *mien_animator_get_low (const mien_animator *anim);
/* The face's 68 landmarks in I's grid (pixel centres at integers). */
const mien_point *mien_animator_get_grid_landmarks (const mien_animator *anim);
/* The face's person matte in I's grid (MIEN_LOW_RES² values in 0 … 1, from
 * mien_face.head), or NULL where the face has none. The animator gives it
 * to the generator on every frame; callers that run the generator
 * themselves pass it with mien_generator_set_head_matte. */
const float *mien_animator_get_grid_matte (const mien_animator *anim);
/* Gives gen what the animator gives it before every frame: the other
 * faces near this one and the head's matte. Callers that run
 * the generator themselves call it first, so that their frames are the
 * animator's. */
void mien_animator_prepare_generator (mien_animator *anim,
                                      mien_generator *gen);
/* The decomposition when the CPU backend runs it (debug pictures of the
 * residual); NULL when a device holds it (mien-reswarp-backend.h). */
mien_decomposition *mien_animator_get_decomposition (mien_animator *anim);
/* The residual fade on or off for the frames from now on, on whichever
 * backend runs (mien-render --no-fade). */
void mien_animator_set_residual_fade (mien_animator *anim, int on);
/* Whether an opened mouth gets teeth drawn in where the photo's lips were
 * closed (mien-animator-teeth.c), for every animator of the process, from
 * the next frame on: the app's "Teeth in opened mouths" preference and
 * mien-render --no-teeth. On by default; MIEN_MOUTH_NO_TEETH=1 turns it
 * off too. */
void mien_animator_set_teeth_enabled (int on);
int mien_animator_get_teeth_enabled (void);
/* The device the frames run on. */
mien_device_kind mien_animator_get_device (const mien_animator *anim);
mien_reswarp_mode mien_animator_get_mode (const mien_animator *anim);
/* F, O^w and O^r of the frame rendered last (by any call below, a clip's
 * included); owned by the animator, valid until the next render. */
const mien_generator_output *
mien_animator_get_output (const mien_animator *anim);

/* How much of ResWarp's output the last frame kept at each crop pixel
 * (out: crop-sized, 1 channel): the head laid over the photo beyond the
 * head's region (issue #24), a = max(A(x), A(x + F(x))), the rest of the
 * pixel the photo. 1 everywhere for a generator without a head's region.
 * What a measurement needs to carry the photo the way the frame does
 * (scripts/detail-tiles.py, via mien-render --debug-dir). */
mien_status mien_animator_get_head_keep (const mien_animator *anim,
                                         const mien_generator *gen,
                                         mien_image *out, mien_error *err);

/* One frame of the crop only (the preview's path): runs the generator and
 * ResWarp. The returned images belong to the animator and stay valid until
 * the next call. gen_out may be NULL. */
mien_status mien_animator_render_crop (mien_animator *anim,
                                       mien_generator *gen,
                                       const mien_driving *c,
                                       const mien_image **crop_out,
                                       const mien_generator_output **gen_out,
                                       mien_error *err);

/* The pyramid of the crop (mien_pyramid_level_sizes down to the 128 grid):
 * level 0 is the crop itself, the last level the grid. The same in both
 * modes. */
int mien_animator_get_n_levels (const mien_animator *anim);
mien_level_size mien_animator_get_level_size (const mien_animator *anim,
                                              int level);

/* The preview's frame (issue #22: a preview that follows the zoom): the
 * crop at pyramid level `level`, only `region` of it (level pixels; NULL
 * or empty: all), as mien_animator_render_crop makes it at full size:
 * generator, ResWarp at that level (mien_reswarp_level: multiscale stops at
 * the level, vanilla warps a residual made at the level's size), then the
 * photo's own pixels, area-averaged to the level, where nothing changed.
 * Level 0 equals mien_animator_render_crop bit for bit inside the region.
 * *out (level k's size; valid inside region only) belongs to the animator
 * until the next call. A backend without preview levels renders the full
 * crop and area-averages it (all of *out is then valid). */
mien_status mien_animator_render_preview (mien_animator *anim,
                                          mien_generator *gen,
                                          const mien_driving *c, int level,
                                          const mien_rect *region,
                                          const mien_image **out,
                                          mien_error *err);

/* Gaze moves the irises (issue #25). The first frame that asks for gaze
 * (or the first call below) finds the photo's irises (mien_iris_find at
 * the photo's resolution, once per animator). A frame with gaze then runs
 * the generator without gaze, so that its field does not also shift the
 * eye region, and moves each found iris with mien_iris_move on the
 * composed frame, at the frame's resolution (a preview level's too): the
 * eye's landmarks and the iris are first carried to where the frame shows
 * them (the generator's field inverted: after the expression and the head
 * pose). Where neither eye's iris is found, the generator keeps gaze as
 * before (the rig shifts the eye's interior; nothing where the eye is shut).
 * The one-line English note of the last frame that asked for gaze when it
 * could not move both irises (an eye shut, too small, no contrast, a
 * glare), e.g. "gaze does nothing: both eyes are shut in the photo"; NULL
 * when both irises moved or no frame has asked for gaze yet. */
const char *mien_animator_get_gaze_note (const mien_animator *anim);
/* Where the frame rendered last shows a point of the photo (photo
 * pixels in, crop pixels out): the point carried through the frame's
 * field (the generator's backward field inverted by Newton's method). A
 * measure's ground truth for where the photo's features went (the
 * visemes' test); gaze's iris move uses it too. */
mien_point mien_animator_carry_point (const mien_animator *anim,
                                      mien_point photo_point);
/* The photo's iris of one eye (side 0: the subject's right, image left),
 * found on first use. */
const mien_iris *mien_animator_get_iris (mien_animator *anim, int side);
/* 1 when the animator's frames ask the generator for no gaze: gaze moves
 * this photo's irises (an iris was found in either eye), or does nothing
 * (no iris found, and a reflection over an eye). A generator run outside
 * the animator (a clip's field scaling) must then be asked for no gaze
 * too. */
int mien_animator_gaze_moves_irises (mien_animator *anim);
/* "Look at the camera": the gaze_h, gaze_v that move the found irises to
 * the centres of their eye openings (the photo's measured gaze,
 * mien_iris_offset, cancelled; the mean of both eyes, clamped to [-1, 1]).
 * Returns the number of irises found (0: both 0). */
int mien_animator_camera_gaze (mien_animator *anim, float *gaze_h,
                               float *gaze_v);
/* mien_driving_add_preset, and the per-photo presets:
 * MIEN_PRESET_LOOK_AT_CAMERA adds this photo's camera gaze × intensity. */
void mien_animator_add_preset (mien_animator *anim, mien_driving *c,
                               mien_expression_preset preset,
                               float intensity);

/* One full frame: frame (photo-sized, same channels) must already hold the
 * photo outside the region that the previous frame pasted, which is true for
 * a copy of the photo and for any frame this function wrote before. Only the
 * pasted rectangle is written; *pasted (may be NULL) says which. */
mien_status mien_animator_render (mien_animator *anim, mien_generator *gen,
                                  const mien_driving *c, mien_image *frame,
                                  mien_rect *pasted, mien_error *err);

/* A crop rendered some other way (mien-eval's up-sampling baselines: O^r
 * enlarged without ResWarp) pasted like a frame: the photo goes back where
 * the previous paste was, then crop (the crop's size, the photo's channels)
 * covers the whole crop rectangle, which *pasted (may be NULL) gets. */
mien_status mien_animator_paste (mien_animator *anim, const mien_image *crop,
                                 mien_image *frame, mien_rect *pasted,
                                 mien_error *err);

/* The photo back where the last paste went: a frame that only this
 * animator wrote is the photo again, ready for another animator's frame. */
mien_status mien_animator_restore (mien_animator *anim, mien_image *frame,
                                   mien_error *err);

#ifdef __cplusplus
}
#endif
