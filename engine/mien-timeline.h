/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The animation model: keyframes of a driving vector over time.
 *
 * A timeline holds keyframes (time in seconds >= 0, a vector of n_values
 * floats — the AU intensities — and the easing of the segment that starts at
 * that keyframe). The clip starts at t = 0 and ends at the last keyframe;
 * before the first keyframe its vector holds. With ping-pong the clip plays
 * forward and then back, so it lasts twice as long and ends where it began.
 *
 * Two ways to drive the renderer, both from the ATW paper:
 *  - sample (t): the driving vector c(t), run through the generator per frame;
 *  - sample_alpha (t): a scalar α(t) in [0, 1] for "scale the target motion
 *    field linearly": generate the field F once for the target and render
 *    each frame with α(t)·F. α follows the same keyframe times and easings.
 *
 * Frames: frame i is at t = i / fps and the last frame is exactly at the end,
 * so a 2 s clip at 30 fps has 61 frames (0 … 60). */
#pragma once

#include "mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most values per keyframe; the AU vector has a few dozen. */
#define MIEN_TIMELINE_MAX_VALUES 4096
/* An hour: keyframe times and clip durations (with ping-pong, twice
 * this). A longer animation of one photo is a mistake, not a plan. */
#define MIEN_TIMELINE_MAX_TIME 3600.0
/* Frame rates above this are refused. */
#define MIEN_TIMELINE_MAX_FPS 1000.0
/* Frames per clip: 20 minutes at 30 fps, 10 at 60. Each frame is a full
 * render, so a 300-byte project must not be able to ask for days of work
 * (3600 s at 1000 fps would be 3.6 million frames). */
#define MIEN_TIMELINE_MAX_FRAMES 36000

typedef enum mien_easing {
  MIEN_EASING_LINEAR = 0,
  MIEN_EASING_EASE_IN_OUT, /* smoothstep 3u² − 2u³: zero speed at both ends */
  MIEN_EASING_HOLD,        /* keep this keyframe's value until the next */
} mien_easing;

const char *mien_easing_to_string (mien_easing easing);
/* Parses "linear", "ease-in-out" or "hold"; -1 if none. */
int mien_easing_from_string (const char *name);

/* The eased fraction e(u) for u in [0, 1] (clamped): linear u, ease-in-out
 * 3u² − 2u³, hold 0 (1 only at u = 1). */
double mien_easing_apply (mien_easing easing, double u);

typedef struct mien_timeline mien_timeline;

mien_timeline *mien_timeline_new (int n_values, mien_error *err);
void mien_timeline_free (mien_timeline *timeline);

int mien_timeline_get_n_values (const mien_timeline *timeline);
int mien_timeline_get_n_keyframes (const mien_timeline *timeline);
double mien_timeline_get_keyframe_time (const mien_timeline *timeline,
                                        int index);

/* Inserts a keyframe in time order; time is in [0, MIEN_TIMELINE_MAX_TIME]
 * and values holds n_values finite floats (copied). easing shapes the segment
 * from this keyframe to the next; the last keyframe's easing is unused (the
 * way back of ping-pong replays the segments mirrored in time). A second
 * keyframe at the same time is refused. */
mien_status mien_timeline_add_keyframe (mien_timeline *timeline, double time,
                                        const float *values,
                                        mien_easing easing, mien_error *err);
mien_status mien_timeline_remove_keyframe (mien_timeline *timeline, int index,
                                           mien_error *err);

void mien_timeline_set_ping_pong (mien_timeline *timeline, int ping_pong);
int mien_timeline_get_ping_pong (const mien_timeline *timeline);

/* Seconds from t = 0 to the end: the last keyframe's time, doubled with
 * ping-pong; 0 without keyframes. */
double mien_timeline_get_duration (const mien_timeline *timeline);

/* c(t) into out[n_values]; t is clamped to [0, duration]. At a keyframe's
 * time the keyframe's values come back exactly. Refused without keyframes. */
mien_status mien_timeline_sample (const mien_timeline *timeline, double t,
                                  float *out, mien_error *err);

/* α(t) in [0, 1] for scaling a target field. Keyframe k has
 *   α_k = |c_k − c_0| / max_j |c_j − c_0|   (Euclidean norms)
 * — 0 at the first keyframe, 1 at the one farthest from it — and between
 * keyframes α follows the segment's easing like c does. For the usual clip
 * (neutral → target, maybe back) c(t) = c_0 + α(t)·(c_target − c_0) exactly,
 * which is what scaling the target field linearly approximates. 0 when every
 * keyframe equals the first, or there are none. */
float mien_timeline_sample_alpha (const mien_timeline *timeline, double t);

/* Number of frames at fps (in (0, MIEN_TIMELINE_MAX_FPS], else 0): ceil(duration · fps) + 1, so that the last
 * frame lands exactly on the end. When duration · fps is not whole, the last
 * step is shorter than 1/fps. 1 for an empty or zero-length timeline. */
int mien_timeline_get_n_frames (const mien_timeline *timeline, double fps);
/* MIEN_OK when fps is in (0, MIEN_TIMELINE_MAX_FPS] and the clip has at
 * most MIEN_TIMELINE_MAX_FRAMES frames at fps; else MIEN_ERR_INVALID with a
 * message naming the bound. Exporters of a whole clip call it first. */
mien_status mien_timeline_check_frames (const mien_timeline *timeline,
                                        double fps, mien_error *err);
/* Time of frame i: min (i / fps, duration). */
double mien_timeline_get_frame_time (const mien_timeline *timeline, double fps,
                                     int index);

#ifdef __cplusplus
}
#endif
