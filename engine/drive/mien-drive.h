/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Driving by example (DESIGN.md): a performance in a video or a photo
 * becomes AU curves that drive a photo through the normal generator.
 *
 *   video ──mien_drive_track──▶ landmarks(t), expressions(t), found(t)
 *         ──One Euro filter (inside track)──▶ stable landmarks(t)
 *         ──mien_drive_solve: rest, pose removal, inverse rig──▶ c(t)
 *         ──mien_drive_keyframes / _timeline──▶ editable curves
 *
 * What is driven: the Action Units of the eyes, brows and mouth (and the
 * cheeks and nose, which move with the mouth), and the head's yaw, pitch
 * and roll. The head's translation, roll and scale are removed before the
 * AU solve, so a moving head does not read as an expression; its turn is
 * read separately, by the rig's own 3-D fit (mien_rig_fit_head) of each
 * frame against the rest's, and drives the pose channels (±20°). The
 * photo's head does not follow the video's translation or scale. Gaze
 * (gaze_h, gaze_v, part of "eyes") is read from the driver's irises
 * (mien_iris_find on each tracked frame) against their place at the rest,
 * in mien_iris_move's units (mien-drive.c, "Gaze").
 *
 * Memory: tracking streams the video (mien-video-reader.h); what is kept
 * per frame is 68 landmarks, 7 expression probabilities and a flag, about
 * 600 bytes (20 minutes at 30 fps: 22 MB). */
#pragma once

#include "../face/mien-face-analyzer.h"
#include "../io/mien-project.h"
#include "../mien-au.h"
#include "../mien-error.h"
#include "../mien-generator.h"
#include "../mien-timeline.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The parts a performance may copy (--drive-parts). MOUTH also carries the
 * cheeks and nose (AU6, AU9, AU10 move with a smile or a sneer). */
enum {
  MIEN_DRIVE_EYES = 1 << 0,
  MIEN_DRIVE_BROWS = 1 << 1,
  MIEN_DRIVE_MOUTH = 1 << 2,
  MIEN_DRIVE_POSE = 1 << 3, /* yaw, pitch, roll (the rig's head pose) */
  MIEN_DRIVE_ALL_PARTS = MIEN_DRIVE_EYES | MIEN_DRIVE_BROWS | MIEN_DRIVE_MOUTH
                         | MIEN_DRIVE_POSE,
};

/* Parses "eyes,brows,mouth,pose" into a mask; unknown names fail. */
mien_status mien_drive_parts_parse (const char *text, unsigned *parts,
                                    mien_error *err);

/* The One Euro filter (Casiez et al. 2012) on every landmark coordinate, in
 * units of the face's inter-ocular distance so the parameters do not
 * depend on the video's size: the cutoff is min_cutoff + beta·|speed|
 * (speed in iod per second), so a still face is smoothed hard and a fast
 * mouth passes with little lag. Defaults measured in docs/QUALITY.md,
 * "Driving by example". min_cutoff 0 turns the filter off. */
typedef struct mien_one_euro_params {
  float min_cutoff; /* Hz */
  float beta;       /* Hz per (iod / s) */
  float d_cutoff;   /* Hz, for the speed estimate */
} mien_one_euro_params;

/* Measured on liveportrait-d0 and -d9 tracked raw (docs/QUALITY.md):
 * 1 Hz and 20 Hz per iod/s cut the frame-to-frame step on still frames to
 * 0.43 of the raw track's while the inner-lip opening stays as close to a
 * 3-frame centred mean of the raw one as the raw track itself (0.0090 and
 * 0.0096 iod RMS against 0.0094 and 0.0089); beta 3 cut the jitter to 0.30
 * but let the mouth lag (0.016, 0.018). */
#define MIEN_DRIVE_DEFAULT_MIN_CUTOFF 1.0f
#define MIEN_DRIVE_DEFAULT_BETA 20.0f
#define MIEN_DRIVE_DEFAULT_D_CUTOFF 1.0f
#define MIEN_DRIVE_DEFAULT_POSE_MIN_CUTOFF 0.3f

typedef struct mien_drive_options {
  int face;           /* which face of the first frame: -1 the largest */
  double fps;         /* output rate; 0: the video's average rate */
  double start, end;  /* the cut in seconds; end 0: to the end */
  int track_side;     /* frames are tracked at most this big; default 720 */
  int redetect_every; /* frames between detector checks; default 5 */
  mien_one_euro_params filter;
  float strength;     /* scales the performance; default 1 */
  unsigned parts;     /* MIEN_DRIVE_* mask; default all, pose included */
  /* Tikhonov weight of the solve, relative to the mean column energy;
   * default 0.03 (the ground-truth clip's RMS error: 0.58 at 0.002, 0.47
   * at 0.01, 0.43 at 0.03, 0.41 at 0.1, where true AUs shrink) */
  float ridge;
  /* A descriptor (MIEN_DESCRIPTOR_SIZE floats, may be NULL): each tracked
   * frame's face-api descriptor cosine to it goes into
   * mien_drive_frame.identity (for measuring a result's identity). */
  const float *identity_ref;
  /* How much of a rig move the landmark net reports, per landmark
   * coordinate (mien_drive_calibrate); NULL: all of it. */
  const float *gains;
  /* Threads for tracking a video: 0 (default) two where the default pool
   * has two or more (a frame's expressions beside the next frame's
   * landmarks, mien-drive-track.c), 1 one. The frames are the same. */
  int track_threads;
  /* The driven photo's own inner-lip opening, in its inter-ocular
   * distances (mien_drive_measure on the photo's face), or 0. Where it is
   * MIEN_DRIVE_PHOTO_MOUTH_MIN or more the mouth copies the driver's
   * opening rather than adding to the photo's: a frame whose mouth is
   * closed closes the photo's open mouth (the lips pressed, AU24) and a
   * frame opened wider opens it only by the difference (mien-drive.c,
   * "The photo's open mouth"). Default 0: the driver's opening adds to
   * the photo's. */
  float photo_mouth;
  /* The One Euro filter's min cutoff (Hz) for the head's turn, with
   * filter.beta (mien-drive-solve.c, filter_pose); default
   * MIEN_DRIVE_DEFAULT_POSE_MIN_CUTOFF, 0 off. */
  float pose_min_cutoff;
} mien_drive_options;

/* Below this inner-lip opening (iod) a photo's mouth counts as closed and
 * photo_mouth changes nothing: face-api reads closed mouths as 0.01–0.07. */
#define MIEN_DRIVE_PHOTO_MOUTH_MIN 0.08f

void mien_drive_options_init (mien_drive_options *options);
/* options->photo_mouth from the driven photo's 68 landmarks: the mouth
 * copies the driver's opening (what mien-render and the app do unless
 * told to add it: mien-render --drive-mouth add). */
void mien_drive_options_set_photo (mien_drive_options *options,
                                   const mien_point *photo_landmarks);

#define MIEN_DRIVE_BROW_POINTS 10

typedef struct mien_drive_frame {
  mien_point lm[MIEN_N_LANDMARKS]; /* filtered, in tracked-frame pixels */
  float expressions[MIEN_N_EXPRESSIONS];
  int found; /* 0: the face was missing (lm holds the last seen) */
  float identity; /* cosine to options.identity_ref; 0 without one */
  /* The driver's irises (side 0: the subject's right eye, image left):
   * mien_iris_offset of each, found on the frame with its unfiltered
   * landmarks; iris_status[side] a mien_iris_status (MIEN_IRIS_FOUND: the
   * offset is set; otherwise 0, 0). A frame without the face keeps the
   * last seen, like lm. */
  float iris_h[2], iris_v[2];
  int iris_status[2];
  float eye_open[2]; /* mien_iris.openness: lid distance / eye width */
  /* The fitted iris's radius over the eye's width and its contrast with
   * the sclera (mien_iris.contrast); 0 where none was found. */
  float iris_size[2], iris_contrast[2];
  /* The brows' upper edge in the image (mien-drive-brows.c): per brow
   * point (17 … 26) its offset from the net's point along the face's
   * vertical, in iod (negative: above), where bit k of brow_found is set.
   * A video's tracking moves lm's brow points by these offsets less their
   * median over the clip (lm holds the result); a driving photo's are
   * measured only. */
  float brow_edge[MIEN_DRIVE_BROW_POINTS];
  int brow_found;
  /* The lids by MediaPipe's iris model (mien_face_analyzer_eyes: its eye
   * contour), per side as above: the upper lid's mean height above the
   * line between the contour's corners and the lower lid's mean depth
   * below it, over the contour's width; NAN where the model is not
   * installed, did not fit or is not asked for. A video's tracking sets
   * the net's lid points by them unless MIEN_DRIVE_LIDS=net
   * (mien-drive-lids.c). */
  float lid_up[2], lid_low[2];
} mien_drive_frame;

/* The tracked performance. */
typedef struct mien_drive_track {
  int n_frames;
  double fps;
  int width, height; /* of the tracked frames */
  mien_drive_frame *frames;
  int n_missing;   /* frames without the face */
  int n_redetect;  /* detector runs after the first */
  int n_damaged;   /* packets or frames the decoder refused */
  int has_audio;
  int rotation;
  int variable_rate;
  double source_fps;
  int track_threads; /* the threads tracking ran on (1 or 2) */
  /* Frames with the face where at least one iris was found, and where
   * both eyes were too small for the iris fit (MIEN_IRIS_TOO_SMALL:
   * under MIEN_IRIS_MIN_EYE_WIDTH pixels in the tracked frame). */
  int n_iris, n_iris_small;
  /* seconds spent */
  double t_decode, t_track;
} mien_drive_track;

void mien_drive_track_clear (mien_drive_track *track);

/* Called after every tracked frame; a non-zero return cancels (the call
 * then fails with MIEN_ERR_CANCELLED). */
typedef int (*mien_drive_progress) (void *data, int frame, double time);

/* Tracks the face through the video at path. Fails with a message for a
 * file that is not a video, yields no frame, or shows no face in any frame
 * (MIEN_ERR_FORMAT "no face found in …"). */
mien_status mien_drive_track_video (mien_face_analyzer *analyzer,
                                    const char *path,
                                    const mien_drive_options *options,
                                    mien_drive_progress progress,
                                    void *progress_data,
                                    mien_drive_track *track, mien_error *err);

/* A driving photo: a track of one frame (its face, picked like a video's
 * first frame). One frame shows no rest of its own, so a driving photo is
 * solved against the driven photo's face (rest in mien_drive_solve): the
 * result copies the driving expression rather than adding to the photo's
 * (see mien-drive.c for what that costs). */
mien_status mien_drive_track_photo (mien_face_analyzer *analyzer,
                                    const mien_image *photo,
                                    const mien_drive_options *options,
                                    mien_drive_track *track, mien_error *err);

/* The solved performance: MIEN_AU_N_CHANNELS values per frame. */
typedef struct mien_drive_result {
  int n_frames;
  double fps;
  float *values; /* n_frames × MIEN_AU_N_CHANNELS */
  int rest_frames[16], n_rest; /* the frames averaged into the rest */
  float rest_neutral;          /* their mean face-api neutral probability */
  float fit_rms;               /* landmark residual, iod, mean over frames */
  /* Gaze: the frames it was read on (an iris found in either eye), and
   * the driver's straight ahead per eye (mien-drive-solve.c, gaze_rest;
   * rest_iris_n[side] 0: that eye had no iris anywhere). */
  int n_gaze;
  float rest_iris_h[2], rest_iris_v[2], rest_eye_open[2];
  float rest_iris_contrast[2];
  /* How far the vertical offset reads down per (horizontal offset)² on
   * this clip (an iris at the corner reads lower), taken off. */
  float iris_v_per_h2[2];
  int rest_iris_n[2];
  double t_model, t_solve;     /* seconds */
} mien_drive_result;

void mien_drive_result_clear (mien_drive_result *result);

/* The inverse rig: the generator's own landmark model (each channel's
 * displacement of the 68 landmarks, read from the generator's field,
 * linearised on the track's rest shape) solved by bounded least squares in
 * [0, 5] per frame. rest (may be NULL: chosen from the track's most neutral
 * frames) is a face to measure the expression against, in any position and
 * size (it is aligned to each frame). photo_aus (may be NULL) is the
 * photo's own expression in AU intensities; the rule for adding it is in
 * mien-drive.c. */
mien_status mien_drive_solve (const mien_drive_track *track,
                              mien_generator *generator,
                              const mien_drive_options *options,
                              const mien_point *rest,
                              const mien_driving *photo_aus,
                              mien_drive_result *result, mien_error *err);

/* The curves as keyframes (linear), thinned: a frame becomes a keyframe
 * only where the straight line between its neighbours misses some channel
 * by more than tolerance (AU units), and the tolerance is raised until at
 * most max_keyframes remain (a project holds MIEN_PROJECT_MAX_KEYFRAMES).
 * Returns them appended to project (its keyframes are replaced) and the
 * largest deviation of the thinned curves from the solved ones in
 * *max_error. */
mien_status mien_drive_to_project (const mien_drive_result *result,
                                   float tolerance, int max_keyframes,
                                   mien_project *project, float *max_error,
                                   mien_error *err);

/* The unthinned curves as a timeline (one keyframe per frame). */
mien_timeline *mien_drive_to_timeline (const mien_drive_result *result,
                                       mien_error *err);

/* The landmark net does not report a rig move in full: it pulls towards
 * an average face (measured on rig-rendered clips: lips and brows about
 * 0.6 of the move). This measures that per landmark coordinate on the
 * driven photo itself: the photo is rendered through the generator with
 * each bilateral AU at half strength, the analyzer's landmarks are taken on
 * each render, and each coordinate's gain is the least-squares ratio of
 * the reported to the rig's own move, clamped to [0.2, 1.5] (1 where no AU
 * moves it). gains gets 2 × 68 floats. About 25 renders of the face crop. */
mien_status mien_drive_calibrate (mien_face_analyzer *analyzer,
                                  mien_generator *generator,
                                  const mien_image *photo,
                                  const mien_face *face,
                                  float gains[2 * MIEN_N_LANDMARKS],
                                  mien_error *err);

/* The photo's own expression, for mien_drive_solve's photo_aus: the photo's
 * landmarks solved against the track's rest through the same inverse rig
 * (so it is measured in the same units as the performance). Unreliable
 * across two people (identity differences read as AUs; see mien-drive.c),
 * so mien-render does not use it. */
mien_status mien_drive_photo_expression (const mien_drive_track *track,
                                         mien_generator *generator,
                                         const mien_drive_options *options,
                                         const mien_point *photo_lm,
                                         mien_driving *photo_aus,
                                         mien_error *err);

/* How far the face's shape moved from prev to cur: the mean landmark
 * displacement after the similarity (translation, roll, scale) that best
 * aligns cur's eye corners and nose bridge onto prev's, in prev's iod. For
 * jitter measures. */
float mien_drive_step (const mien_point *prev, const mien_point *cur);

/* Per-frame measures of a track (for tests and the quality table), in iod
 * units of each frame: inner-lip opening, mean eye opening, mean brow
 * height above the eye centres. */
void mien_drive_measure (const mien_point *lm, float *mouth, float *eyes,
                         float *brows);

#ifdef __cplusplus
}
#endif
