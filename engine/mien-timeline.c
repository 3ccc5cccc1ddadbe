/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-timeline.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct keyframe {
  double time;
  mien_easing easing;
  float alpha; /* α_k, kept up to date by update_alphas */
  float *values;
} keyframe;

struct mien_timeline {
  int n_values;
  int n_keyframes;
  int capacity;
  int ping_pong;
  keyframe *keyframes;
};

const char *
mien_easing_to_string (mien_easing easing)
{
  switch (easing)
    {
    case MIEN_EASING_LINEAR: return "linear";
    case MIEN_EASING_EASE_IN_OUT: return "ease-in-out";
    case MIEN_EASING_HOLD: return "hold";
    }
  return "unknown";
}

int
mien_easing_from_string (const char *name)
{
  for (int e = MIEN_EASING_LINEAR; e <= MIEN_EASING_HOLD; e++)
    if (strcmp (name, mien_easing_to_string ((mien_easing)e)) == 0)
      return e;
  return -1;
}

double
mien_easing_apply (mien_easing easing, double u)
{
  if (!(u > 0.0)) /* also NaN */
    return 0.0;
  if (u >= 1.0)
    return 1.0;
  switch (easing)
    {
    case MIEN_EASING_LINEAR: return u;
    case MIEN_EASING_EASE_IN_OUT: return u * u * (3.0 - 2.0 * u);
    case MIEN_EASING_HOLD: return 0.0;
    }
  return u;
}

mien_timeline *
mien_timeline_new (int n_values, mien_error *err)
{
  if (n_values < 1 || n_values > MIEN_TIMELINE_MAX_VALUES)
    {
      mien_error_set (err, MIEN_ERR_INVALID,
                      "a timeline needs 1 to %d values per keyframe, not %d",
                      MIEN_TIMELINE_MAX_VALUES, n_values);
      return NULL;
    }
  mien_timeline *timeline = calloc (1, sizeof *timeline);
  if (timeline == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  timeline->n_values = n_values;
  return timeline;
}

void
mien_timeline_free (mien_timeline *timeline)
{
  if (timeline == NULL)
    return;
  for (int i = 0; i < timeline->n_keyframes; i++)
    free (timeline->keyframes[i].values);
  free (timeline->keyframes);
  free (timeline);
}

int
mien_timeline_get_n_values (const mien_timeline *timeline)
{
  return timeline->n_values;
}

int
mien_timeline_get_n_keyframes (const mien_timeline *timeline)
{
  return timeline->n_keyframes;
}

double
mien_timeline_get_keyframe_time (const mien_timeline *timeline, int index)
{
  if (index < 0 || index >= timeline->n_keyframes)
    return NAN;
  return timeline->keyframes[index].time;
}

static double
distance_from_first (const mien_timeline *timeline, const keyframe *k)
{
  const float *a = timeline->keyframes[0].values;
  double sum = 0.0;
  for (int i = 0; i < timeline->n_values; i++)
    {
      double d = (double)k->values[i] - (double)a[i];
      sum += d * d;
    }
  return sqrt (sum);
}

/* α_k = |c_k − c_0| / max_j |c_j − c_0|, recomputed on every edit because a
 * new keyframe can change the maximum (edits are rare, sampling is not). */
static void
update_alphas (mien_timeline *timeline)
{
  double max = 0.0;
  for (int k = 0; k < timeline->n_keyframes; k++)
    {
      double d = distance_from_first (timeline, &timeline->keyframes[k]);
      if (d > max)
        max = d;
    }
  for (int k = 0; k < timeline->n_keyframes; k++)
    {
      keyframe *kf = &timeline->keyframes[k];
      double d = distance_from_first (timeline, kf);
      /* The farthest keyframe gets exactly 1, not d/max rounded. */
      kf->alpha = max > 0.0 ? (d == max ? 1.0f : (float)(d / max)) : 0.0f;
    }
}

static mien_status
check_keyframe (const mien_timeline *timeline, double time,
                const float *values, mien_easing easing, mien_error *err)
{
  if (!(time >= 0.0 && time <= MIEN_TIMELINE_MAX_TIME))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "keyframe time %g s is outside 0 … %g s", time,
                           MIEN_TIMELINE_MAX_TIME);
  if ((unsigned)easing > MIEN_EASING_HOLD)
    return mien_error_set (err, MIEN_ERR_INVALID, "unknown easing %d",
                           (int)easing);
  if (values == NULL)
    return mien_error_set (err, MIEN_ERR_INVALID, "keyframe without values");
  for (int i = 0; i < timeline->n_values; i++)
    if (!isfinite (values[i]))
      return mien_error_set (err, MIEN_ERR_INVALID,
                             "keyframe at %g s: value %d is not finite", time,
                             i);
  for (int k = 0; k < timeline->n_keyframes; k++)
    if (timeline->keyframes[k].time == time)
      return mien_error_set (err, MIEN_ERR_INVALID,
                             "there is already a keyframe at %g s", time);
  return MIEN_OK;
}

static mien_status
reserve_one_more (mien_timeline *timeline, mien_error *err)
{
  if (timeline->n_keyframes < timeline->capacity)
    return MIEN_OK;
  int capacity = timeline->capacity ? 2 * timeline->capacity : 8;
  keyframe *grown = realloc (timeline->keyframes, capacity * sizeof *grown);
  if (grown == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  timeline->keyframes = grown;
  timeline->capacity = capacity;
  return MIEN_OK;
}

mien_status
mien_timeline_add_keyframe (mien_timeline *timeline, double time,
                            const float *values, mien_easing easing,
                            mien_error *err)
{
  mien_status status = check_keyframe (timeline, time, values, easing, err);
  if (status == MIEN_OK)
    status = reserve_one_more (timeline, err);
  if (status != MIEN_OK)
    return status;
  size_t size = (size_t)timeline->n_values * sizeof (float);
  float *copy = malloc (size);
  if (copy == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  memcpy (copy, values, size);
  int at = timeline->n_keyframes;
  while (at > 0 && timeline->keyframes[at - 1].time > time)
    at--;
  memmove (&timeline->keyframes[at + 1], &timeline->keyframes[at],
           (size_t)(timeline->n_keyframes - at) * sizeof (keyframe));
  timeline->keyframes[at] = (keyframe){ .time = time, .easing = easing,
                                        .values = copy };
  timeline->n_keyframes++;
  update_alphas (timeline);
  return MIEN_OK;
}

mien_status
mien_timeline_remove_keyframe (mien_timeline *timeline, int index,
                               mien_error *err)
{
  if (index < 0 || index >= timeline->n_keyframes)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "no keyframe %d (the timeline has %d)", index,
                           timeline->n_keyframes);
  free (timeline->keyframes[index].values);
  memmove (&timeline->keyframes[index], &timeline->keyframes[index + 1],
           (size_t)(timeline->n_keyframes - index - 1) * sizeof (keyframe));
  timeline->n_keyframes--;
  update_alphas (timeline);
  return MIEN_OK;
}

void
mien_timeline_set_ping_pong (mien_timeline *timeline, int ping_pong)
{
  timeline->ping_pong = ping_pong != 0;
}

int
mien_timeline_get_ping_pong (const mien_timeline *timeline)
{
  return timeline->ping_pong;
}

static double
forward_duration (const mien_timeline *timeline)
{
  if (timeline->n_keyframes == 0)
    return 0.0;
  return timeline->keyframes[timeline->n_keyframes - 1].time;
}

double
mien_timeline_get_duration (const mien_timeline *timeline)
{
  double d = forward_duration (timeline);
  return timeline->ping_pong ? 2.0 * d : d;
}

/* Maps a clip time to the forward pass: clamps, and mirrors the way back. */
static double
forward_time (const mien_timeline *timeline, double t)
{
  double d = forward_duration (timeline);
  double total = mien_timeline_get_duration (timeline);
  if (!(t > 0.0)) /* also NaN */
    return 0.0;
  if (t >= total)
    t = total;
  if (t > d)
    t = total - t;
  return t;
}

/* The segment [k, k + 1] holding t and the eased fraction within it; k is the
 * last keyframe (and e = 0) at or after its time, or before the first. */
static int
find_segment (const mien_timeline *timeline, double t, double *eased)
{
  const keyframe *kf = timeline->keyframes;
  int n = timeline->n_keyframes;
  *eased = 0.0;
  if (t <= kf[0].time)
    return 0;
  if (t >= kf[n - 1].time)
    return n - 1;
  int k = 0;
  while (kf[k + 1].time <= t)
    k++;
  double u = (t - kf[k].time) / (kf[k + 1].time - kf[k].time);
  *eased = mien_easing_apply (kf[k].easing, u);
  return k;
}

mien_status
mien_timeline_sample (const mien_timeline *timeline, double t, float *out,
                      mien_error *err)
{
  if (timeline->n_keyframes == 0)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "cannot sample a timeline without keyframes");
  double e;
  int k = find_segment (timeline, forward_time (timeline, t), &e);
  const float *a = timeline->keyframes[k].values;
  if (e == 0.0)
    {
      /* Exactly the keyframe's values, not a + 0·(b − a) rounded. */
      memcpy (out, a, (size_t)timeline->n_values * sizeof (float));
      return MIEN_OK;
    }
  const float *b = timeline->keyframes[k + 1].values;
  for (int i = 0; i < timeline->n_values; i++)
    out[i] = (float)((double)a[i] + e * ((double)b[i] - (double)a[i]));
  return MIEN_OK;
}

float
mien_timeline_sample_alpha (const mien_timeline *timeline, double t)
{
  if (timeline->n_keyframes == 0)
    return 0.0f;
  double e;
  int k = find_segment (timeline, forward_time (timeline, t), &e);
  double a = timeline->keyframes[k].alpha;
  if (e == 0.0)
    return (float)a;
  double b = timeline->keyframes[k + 1].alpha;
  return (float)(a + e * (b - a));
}

int
mien_timeline_get_n_frames (const mien_timeline *timeline, double fps)
{
  if (!(fps > 0.0 && fps <= MIEN_TIMELINE_MAX_FPS))
    return 0;
  /* The tolerance keeps 2 s × 30 fps at 61 frames even when the product
   * comes out as 60.000000000000007 from binary fractions like 0.1 s. */
  double steps = ceil (mien_timeline_get_duration (timeline) * fps - 1e-9);
  return (steps > 0.0 ? (int)steps : 0) + 1;
}

mien_status
mien_timeline_check_frames (const mien_timeline *timeline, double fps,
                            mien_error *err)
{
  if (!(fps > 0.0 && fps <= MIEN_TIMELINE_MAX_FPS))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "frame rate %g fps is outside (0, %g]", fps,
                           MIEN_TIMELINE_MAX_FPS);
  int n = mien_timeline_get_n_frames (timeline, fps);
  if (n > MIEN_TIMELINE_MAX_FRAMES)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "the clip would have %d frames (%g s at %g fps); "
                           "the limit is %d frames per clip",
                           n, mien_timeline_get_duration (timeline), fps,
                           MIEN_TIMELINE_MAX_FRAMES);
  return MIEN_OK;
}

double
mien_timeline_get_frame_time (const mien_timeline *timeline, double fps,
                              int index)
{
  double duration = mien_timeline_get_duration (timeline);
  int n = mien_timeline_get_n_frames (timeline, fps);
  if (n == 0 || index <= 0)
    return 0.0;
  /* The last frame is the end itself, whatever i / fps rounds to. */
  if (index >= n - 1)
    return duration;
  double t = index / fps;
  return t < duration ? t : duration;
}
