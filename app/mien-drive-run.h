/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Driving by example (issue #23), the steps mien-render --drive
 * (mien-render-drive.c) and the app's Drive with Video or Photo…
 * (mien-window-actions.c, mien-drive-dialog.c) share, so that both write
 * the same clip: a driving photo solved against the driven face, a video's
 * solved curves as a project, that project's clip rendered into an
 * exporter, and the video's audio carried into the MP4. Plain C on the
 * engine (no GTK, no mien-cli): callers report progress and stop through
 * callbacks. */
#pragma once

#include "drive/mien-drive.h"
#include "face/mien-face-analyzer.h"
#include "io/mien-export.h"
#include "io/mien-project.h"
#include "mien-animator.h"
#include "mien-clip.h"

/* 1 when path names a still image (a driving photo), by its extension. */
int mien_drive_is_photo_path (const char *path);

/* A driving photo: its face tracked as one frame and solved against rest
 * (the driven photo's landmarks), so the result copies the driving
 * expression. *c gets the solved AUs; track and result are filled (the
 * caller clears them). Fails like mien_drive_track_photo ("no face found"). */
mien_status mien_drive_run_photo (mien_face_analyzer *an, mien_generator *gen,
                                  const mien_image *driver,
                                  const mien_drive_options *dopt,
                                  const mien_point *rest,
                                  mien_drive_track *track,
                                  mien_drive_result *result, mien_driving *c,
                                  mien_error *err);

/* A driving video's track solved (its own rest, the photo's expression not
 * added) into *result (the caller clears it), and the curves as project
 * keyframes (thinned to 0.05 AU, at most MIEN_PROJECT_MAX_KEYFRAMES;
 * *thin_error may be NULL), at the video's rate, in multiscale ResWarp. */
mien_status mien_drive_run_project (const mien_drive_track *track,
                                    mien_generator *gen,
                                    const mien_drive_options *dopt,
                                    mien_drive_result *result,
                                    mien_project *project, float *thin_error,
                                    mien_error *err);

/* Every face of the photo and which one is driven, so that a turned head
 * stops before the others (mien_animator_set_other_faces); NULL or n < 2:
 * none. */
typedef struct mien_drive_faces {
  const mien_face *all;
  int n, self;
} mien_drive_faces;

/* The clip a project plays: its animator (in the project's mode), timeline
 * and clip in driving interpolation. gen, photo and face must outlive it;
 * others (may be NULL) is copied. */
typedef struct mien_drive_clip {
  mien_animator *anim;
  mien_timeline *tl;
  mien_clip *clip;
} mien_drive_clip;

mien_status mien_drive_clip_open (mien_drive_clip *dc,
                                  const mien_project *project,
                                  const mien_image *photo,
                                  const mien_face *face,
                                  const mien_drive_faces *others,
                                  mien_generator *gen, mien_error *err);
void mien_drive_clip_close (mien_drive_clip *dc);

/* The exporter for a clip of these settings: the format from output's name
 * (mien_export_format_from_path), the rate as a fraction (30000/1001 for
 * NTSC rates), the scale, and the photo's or the crop's size by region. */
mien_exporter *mien_clip_export_open (const char *output,
                                      const mien_animation_settings *s,
                                      const mien_animator *anim,
                                      const mien_image *photo, int overwrite,
                                      mien_error *err);

/* Asked before each frame: NULL to go on, or why to stop ("interrupted by
 * SIGINT", "cancelled"): the export then fails with MIEN_ERR_CANCELLED
 * ("cancelled at frame 3 of 60"). */
typedef const char *(*mien_clip_export_stop) (void *data);
/* Called after each exported frame: done of n, and the seconds that frame
 * took to render and to encode. */
typedef void (*mien_clip_export_done) (void *data, int done, int n,
                                       double render_s, double encode_s);

/* Frames 0 … n-1 of the clip at fps into ex: the whole photo (rendered into
 * frame) or, with frame NULL, the crop. stop and done may be NULL. */
mien_status mien_clip_export_frames (mien_clip *clip,
                                     const mien_timeline *timeline,
                                     double fps, int n, mien_image *frame,
                                     mien_exporter *ex,
                                     mien_clip_export_stop stop,
                                     mien_clip_export_done done, void *data,
                                     mien_error *err);

/* The whole clip of a driven project, n frames (the driving video's
 * length), written to output as mien-render --drive writes it: whole photo
 * or crop by the project's region, finished, or aborted on any failure or
 * stop so that nothing is left (an earlier file at output stays). *seconds
 * (may be NULL) gets the time spent finishing (encoding). An MP4 of up to
 * 3.5 MP a frame is encoded with x264 veryfast at CRF 15 (mien-drive-run.c,
 * DRIVE_FAST_X264_PIXELS). */
mien_status mien_drive_run_export (const mien_project *project,
                                   const mien_image *photo,
                                   const mien_face *face,
                                   const mien_drive_faces *others,
                                   mien_generator *gen,
                                   int n, const char *output, int overwrite,
                                   mien_clip_export_stop stop,
                                   mien_clip_export_done done, void *data,
                                   double *finish_seconds, mien_error *err);

/* For an MP4 output: the driving video's audio from start for the clip's
 * n frames at fps (or to end when end > 0) copied in
 * (mien_export_mp4_add_audio). For other formats *copied is 0 and *why
 * says GIF or PNG frames have none. */
mien_status mien_drive_run_audio (const char *output, const char *video,
                                  double start, double end, int n, double fps,
                                  int *copied, const char **why,
                                  mien_error *err);

/* Monotonic seconds, for the times reported. */
double mien_drive_run_now (void);
