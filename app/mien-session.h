/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienSession: everything Mien knows about one open photo: the pixels, the
 * faces found in it, the face being animated, and per ResWarp mode an
 * animator holding the cached decomposition. Built on a worker thread (it
 * takes a second on a 4K photo), then used by the engine worker for every
 * frame. Reference-counted so a frame in flight keeps its session alive
 * while the user opens another photo. */
#pragma once

#include <glib.h>

#include "face/mien-face.h"
#include "io/mien-image-io.h"
#include "mien-au.h"
#include "mien-headshot.h"
#include "mien-image.h"
#include "mien-reswarp.h"

G_BEGIN_DECLS

typedef struct _MienSession MienSession;

/* Loads the photo, finds its faces and prepares the largest one. A photo
 * without a face is not an error: the session has 0 faces and shows the
 * photo. May run on any thread. */
MienSession *mien_session_new_from_file (const char *path,
                                         const char *generator_file,
                                         GError **error);
/* generator_file: an ATW weights file, or NULL/"" for the AU rig. A file
 * that cannot be loaded falls back to the rig; this says why (else NULL). */
const char *mien_session_get_generator_note (MienSession *session);
/* A damaged photo that still opened: what the user should know, else NULL. */
const char *mien_session_get_load_note (MienSession *session);
/* What the photo file carries besides RGB (alpha, ICC profile, bit depth),
 * for saving the edited photo with it. */
const mien_image_extras *mien_session_get_extras (MienSession *session);
MienSession *mien_session_ref (MienSession *session);
void mien_session_unref (MienSession *session);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MienSession, mien_session_unref)

const mien_image *mien_session_get_photo (MienSession *session);
/* The photo as tight 8-bit RGB rows, for the preview. */
GBytes *mien_session_get_photo_rgb8 (MienSession *session);
int mien_session_get_n_faces (MienSession *session);
const mien_face *mien_session_get_face (MienSession *session, int index);
/* The animated face, -1 when there is none. */
int mien_session_get_face_index (MienSession *session);
/* "Look at the camera" for the animated face: the gaze that cancels the
 * photo's (mien_iris_camera_gaze), found with the face's irises when it
 * was selected, on the loader's thread (issue #22: two iris searches on a
 * 4K photo held the main loop when the photo appeared). Returns how many
 * irises were found (0: none, *gaze_h and *gaze_v are 0). */
int mien_session_get_camera_gaze (MienSession *session, float *gaze_h,
                                  float *gaze_v);
/* The index of the face whose box contains (x, y), or -1. */
int mien_session_face_at (MienSession *session, double x, double y);
/* Looks for faces again (thorough: the slower search that always tries
 * turned views, mien-face-analyzer.h) without changing the session; the
 * caller frees *faces (mien_faces_free) or hands them to _replace_faces. */
gboolean mien_session_search_faces (MienSession *session, gboolean thorough,
                                    mien_face **faces, int *n_faces,
                                    GError **error);
/* Takes faces (from _search_faces) as the session's. Returns the index of
 * the face now animated when it was found again (the animators stay), else
 * that of the largest face, which the caller must select
 * (mien_session_select_face; mien_session_get_face_index is -1 until
 * then), or -1 when there is none. Main thread; no frame may be rendering
 * from the old list. */
int mien_session_replace_faces (MienSession *session, mien_face *faces,
                                int n_faces);
/* Re-prepares for another face (rebuilds crops and decompositions). */
gboolean mien_session_select_face (MienSession *session, int index,
                                   GError **error);
const mien_rect *mien_session_get_crop (MienSession *session);

/* The paper's ResWarp (TRUE: no residual fade, ATW's equations exactly)
 * or Mien's, for the frames rendered from now on (issue #26: the
 * comparison one key away). Safe from any thread; a frame being rendered
 * keeps what it started with. */
void mien_session_set_paper_reswarp (MienSession *session, gboolean paper);

/* Renders the animated crop for driving vector c in the given mode as tight
 * 8-bit RGB, area-averaged down to display_scale (≤ 1) of the crop's size:
 * the preview needs no more pixels than the screen shows, and uploading a 4K
 * crop per frame would stall the main loop. *width and *height receive the
 * size of the returned pixels. Serialized internally; call from the engine
 * worker. */
GBytes *mien_session_render_crop (MienSession *session, mien_reswarp_mode mode,
                                  const mien_driving *c, double display_scale,
                                  int *width, int *height, GError **error);

/* ---- the preview that follows the zoom (issue #22) ------------------------ */

/* A picture of the crop for the preview's texture: the whole of it, as
 * tight 8-bit RGB, and what changed. Pictures of one serial share a canvas
 * (one per mode): version n differs from version n − 1 only inside dirty,
 * so a texture holding version n − 1 needs only that rectangle uploaded. */
typedef struct {
  GBytes *rgb8;
  int width, height;
  mien_rect dirty;
  guint64 serial, version;
  int level; /* pyramid level; -1: the full frame area-averaged */
} MienSessionPicture;

void mien_session_picture_clear (MienSessionPicture *picture);

/* The crop's pyramid (mien_animator_get_level_size); 0 levels without a
 * face. */
int mien_session_get_n_levels (MienSession *session);
mien_level_size mien_session_get_level_size (MienSession *session, int level);
/* The coarsest level with at least screen_scale pixels per crop pixel (the
 * screen's resolution), 0 when none is that coarse. */
int mien_session_level_for_scale (MienSession *session, double screen_scale);

/* The preview's frame while a slider moves: the crop at pyramid level
 * `level`, only `region` (level pixels; NULL: all) rendered
 * (mien_animator_render_preview) into the mode's canvas. The first picture
 * at a level renders the whole level. Level 0 is the full render bit for
 * bit inside the region. Call from the engine worker. */
gboolean mien_session_render_preview (MienSession *session,
                                      mien_reswarp_mode mode,
                                      const mien_driving *c, int level,
                                      const mien_rect *region,
                                      MienSessionPicture *out, GError **error);
/* The refined picture when the slider rests: mien_session_render_crop
 * (full resolution, area-averaged to display_scale) as a picture; the
 * next preview starts a new canvas. */
gboolean mien_session_render_refined (MienSession *session,
                                      mien_reswarp_mode mode,
                                      const mien_driving *c,
                                      double display_scale,
                                      MienSessionPicture *out, GError **error);

/* The whole photo with the animated face pasted in, at full resolution, as
 * the CLI's mien-render writes it (mien_animator_render on a copy of the
 * photo). Serialized with the frames; call off the main thread. */
mien_image *mien_session_render_full (MienSession *session,
                                      mien_reswarp_mode mode,
                                      const mien_driving *c, GError **error);

/* The quality measures of engine/mien-eval.h for driving vector c, in
 * both ResWarp modes (out[MIEN_RESWARP_VANILLA], out[MIEN_RESWARP_MULTISCALE]):
 * identity, expression and fine detail of the result against the photo.
 * Renders two full frames; call off the main thread. */
#include "mien-eval.h"
gboolean mien_session_measure (MienSession *session, const mien_driving *c,
                               mien_eval_result out[2], GError **error);

G_END_DECLS
