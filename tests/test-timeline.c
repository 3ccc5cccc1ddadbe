/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The timeline: keyframe order, each easing at exact binary fractions,
 * keyframe values returned bit for bit, ping-pong, α for field scaling, frame
 * times, and every refused input. Expected values are worked out by hand. */
#include <string.h>

#include "mien-test.h"
#include "mien-timeline.h"

static void
check_sample (const mien_timeline *tl, double t, float a, float b)
{
  float out[2] = { NAN, NAN };
  mien_error err = { 0 };
  mien_status s = mien_timeline_sample (tl, t, out, &err);
  CHECK (s == MIEN_OK, "sample(%g): %s", t, err.message);
  CHECK (out[0] == a && out[1] == b, "sample(%g) = (%.9g, %.9g), expected "
         "(%.9g, %.9g)", t, out[0], out[1], a, b);
}

static void
test_easing (void)
{
  CHECK (mien_easing_apply (MIEN_EASING_LINEAR, 0.25) == 0.25, "linear");
  CHECK (mien_easing_apply (MIEN_EASING_EASE_IN_OUT, 0.25) == 0.15625,
         "smoothstep(1/4) = 3/16 − 2/64");
  CHECK (mien_easing_apply (MIEN_EASING_EASE_IN_OUT, 0.5) == 0.5, "mid");
  CHECK (mien_easing_apply (MIEN_EASING_EASE_IN_OUT, 0.75) == 0.84375, "3/4");
  CHECK (mien_easing_apply (MIEN_EASING_HOLD, 0.999) == 0.0, "hold");
  CHECK (mien_easing_apply (MIEN_EASING_HOLD, 1.0) == 1.0, "hold at end");
  CHECK (mien_easing_apply (MIEN_EASING_LINEAR, -1.0) == 0.0, "clamped");
  CHECK (mien_easing_apply (MIEN_EASING_LINEAR, 2.0) == 1.0, "clamped");
  CHECK (mien_easing_apply (MIEN_EASING_LINEAR, NAN) == 0.0, "NaN → 0");
  CHECK (mien_easing_from_string ("ease-in-out") == MIEN_EASING_EASE_IN_OUT,
         "parse");
  CHECK (mien_easing_from_string ("bounce") == -1, "unknown easing");
  CHECK (strcmp (mien_easing_to_string (MIEN_EASING_HOLD), "hold") == 0,
         "name");
}

/* Keyframes added out of order: (0; 0, .5) linear, (1; 1, −.5) ease,
 * (3; .5, 0) hold, (4; 2, 1). */
static mien_timeline *
make_timeline (void)
{
  mien_error err = { 0 };
  mien_timeline *tl = mien_timeline_new (2, &err);
  static const float k0[] = { 0, 0.5f }, k1[] = { 1, -0.5f },
                     k2[] = { 0.5f, 0 }, k3[] = { 2, 1 };
  CHECK (mien_timeline_add_keyframe (tl, 3, k2, MIEN_EASING_HOLD, &err)
         == MIEN_OK, "%s", err.message);
  CHECK (mien_timeline_add_keyframe (tl, 0, k0, MIEN_EASING_LINEAR, &err)
         == MIEN_OK, "%s", err.message);
  CHECK (mien_timeline_add_keyframe (tl, 4, k3, MIEN_EASING_LINEAR, &err)
         == MIEN_OK, "%s", err.message);
  CHECK (mien_timeline_add_keyframe (tl, 1, k1, MIEN_EASING_EASE_IN_OUT, &err)
         == MIEN_OK, "%s", err.message);
  return tl;
}

static void
test_sampling (void)
{
  mien_timeline *tl = make_timeline ();
  CHECK (mien_timeline_get_n_keyframes (tl) == 4, "4 keyframes");
  static const double times[] = { 0, 1, 3, 4 };
  for (int k = 0; k < 4; k++)
    CHECK (mien_timeline_get_keyframe_time (tl, k) == times[k],
           "keyframe %d sorted", k);
  CHECK (mien_timeline_get_duration (tl) == 4.0, "duration");
  check_sample (tl, -1, 0, 0.5f);           /* before the start: clamped */
  check_sample (tl, 0, 0, 0.5f);
  check_sample (tl, 0.25, 0.25f, 0.25f);    /* linear */
  check_sample (tl, 0.5, 0.5f, 0);
  check_sample (tl, 1, 1, -0.5f);
  check_sample (tl, 1.5, 0.921875f, -0.421875f); /* e = 0.15625 */
  check_sample (tl, 2, 0.75f, -0.25f);      /* e = 0.5 */
  check_sample (tl, 2.5, 0.578125f, -0.078125f); /* e = 0.84375 */
  check_sample (tl, 3, 0.5f, 0);
  check_sample (tl, 3.5, 0.5f, 0);          /* hold */
  check_sample (tl, 3.999, 0.5f, 0);
  check_sample (tl, 4, 2, 1);
  check_sample (tl, 100, 2, 1);             /* after the end: clamped */
  check_sample (tl, NAN, 0, 0.5f);
  mien_timeline_free (tl);
}

/* Values that are not binary fractions come back bit for bit at their time. */
static void
test_keyframe_exact (void)
{
  mien_timeline *tl = mien_timeline_new (2, NULL);
  static const float a[] = { 0.1f, 0.7f }, b[] = { 0.3f, 1.0f / 3.0f };
  mien_timeline_add_keyframe (tl, 0.1, a, MIEN_EASING_EASE_IN_OUT, NULL);
  mien_timeline_add_keyframe (tl, 0.7, b, MIEN_EASING_LINEAR, NULL);
  check_sample (tl, 0.1, a[0], a[1]);
  check_sample (tl, 0.05, a[0], a[1]); /* before the first keyframe */
  check_sample (tl, 0.7, b[0], b[1]);
  float out[2];
  mien_timeline_sample (tl, 0.4, out, NULL);
  CHECK (fabsf (out[0] - 0.2f) < 1e-7f, "midpoint of ease %g", out[0]);
  mien_timeline_free (tl);
}

static void
test_ping_pong (void)
{
  mien_timeline *tl = make_timeline ();
  mien_timeline_set_ping_pong (tl, 1);
  CHECK (mien_timeline_get_ping_pong (tl) == 1, "flag");
  CHECK (mien_timeline_get_duration (tl) == 8.0, "twice as long");
  check_sample (tl, 4, 2, 1);               /* the turn */
  check_sample (tl, 6, 0.75f, -0.25f);      /* = t 2 */
  check_sample (tl, 7.75, 0.25f, 0.25f);    /* = t 0.25 */
  check_sample (tl, 8, 0, 0.5f);            /* back at the start */
  check_sample (tl, 9, 0, 0.5f);
  CHECK (mien_timeline_get_n_frames (tl, 2) == 17, "8 s at 2 fps: 17 frames");
  mien_timeline_free (tl);
}

/* Collinear keyframes (0, 0) → (3, 4) → (1.5, 2): α = 0, 1, 0.5, and
 * c(t) = α(t)·(3, 4) everywhere. */
static void
test_alpha (void)
{
  mien_timeline *tl = mien_timeline_new (2, NULL);
  CHECK (mien_timeline_sample_alpha (tl, 0.5) == 0.0f, "empty: 0");
  static const float n[] = { 0, 0 }, t[] = { 3, 4 }, h[] = { 1.5f, 2 };
  mien_timeline_add_keyframe (tl, 0, n, MIEN_EASING_LINEAR, NULL);
  CHECK (mien_timeline_sample_alpha (tl, 0.5) == 0.0f, "one keyframe: 0");
  mien_timeline_add_keyframe (tl, 1, t, MIEN_EASING_EASE_IN_OUT, NULL);
  mien_timeline_add_keyframe (tl, 2, h, MIEN_EASING_LINEAR, NULL);
  static const double times[] = { 0, 0.25, 0.5, 1, 1.25, 1.5, 2, 3 };
  static const float alphas[] = { 0, 0.25f, 0.5f, 1, 0.921875f, 0.75f, 0.5f,
                                  0.5f };
  for (int i = 0; i < 8; i++)
    {
      float a = mien_timeline_sample_alpha (tl, times[i]);
      float c[2];
      mien_timeline_sample (tl, times[i], c, NULL);
      CHECK (a == alphas[i], "α(%g) = %.9g, expected %.9g", times[i], a,
             alphas[i]);
      CHECK (c[0] == a * 3 && c[1] == a * 4, "c(%g) = α·target", times[i]);
    }
  mien_timeline_set_ping_pong (tl, 1);
  CHECK (mien_timeline_sample_alpha (tl, 2.5) == 0.75f, "α mirrored");
  CHECK (mien_timeline_sample_alpha (tl, 4) == 0.0f, "α back to 0");
  /* Removing the target makes (1.5, 2) the farthest keyframe: α = 1 there. */
  CHECK (mien_timeline_remove_keyframe (tl, 1, NULL) == MIEN_OK, "remove");
  CHECK (mien_timeline_sample_alpha (tl, 2) == 1.0f, "α renormalized");
  CHECK (mien_timeline_sample_alpha (tl, 1) == 0.5f, "α linear");
  mien_timeline_free (tl);

  tl = mien_timeline_new (1, NULL);
  static const float one[] = { 0.25f };
  mien_timeline_add_keyframe (tl, 0, one, MIEN_EASING_LINEAR, NULL);
  mien_timeline_add_keyframe (tl, 1, one, MIEN_EASING_LINEAR, NULL);
  CHECK (mien_timeline_sample_alpha (tl, 0.5) == 0.0f, "no motion: α 0");
  mien_timeline_free (tl);
}

static mien_timeline *
timeline_of_length (double seconds)
{
  mien_timeline *tl = mien_timeline_new (1, NULL);
  static const float v[] = { 0 };
  mien_timeline_add_keyframe (tl, 0, v, MIEN_EASING_LINEAR, NULL);
  if (seconds > 0)
    mien_timeline_add_keyframe (tl, seconds, v, MIEN_EASING_LINEAR, NULL);
  return tl;
}

static void
test_frames (void)
{
  mien_timeline *tl = timeline_of_length (2);
  CHECK (mien_timeline_get_n_frames (tl, 30) == 61, "2 s at 30 fps: %d",
         mien_timeline_get_n_frames (tl, 30));
  CHECK (mien_timeline_get_frame_time (tl, 30, 0) == 0.0, "first at 0");
  CHECK (mien_timeline_get_frame_time (tl, 30, 1) == 1.0 / 30, "i / fps");
  CHECK (mien_timeline_get_frame_time (tl, 30, 45) == 1.5, "45/30");
  CHECK (mien_timeline_get_frame_time (tl, 30, 60) == 2.0, "last at the end");
  CHECK (mien_timeline_get_n_frames (tl, 30000.0 / 1001) == 61,
         "29.97 fps: ceil(59.94) + 1 = 61, got %d",
         mien_timeline_get_n_frames (tl, 30000.0 / 1001));
  CHECK (mien_timeline_get_frame_time (tl, 30000.0 / 1001, 60) == 2.0,
         "29.97 fps: the last frame is still at the end");
  CHECK (mien_timeline_get_n_frames (tl, 0) == 0, "fps 0 refused");
  CHECK (mien_timeline_get_n_frames (tl, -5) == 0, "negative fps refused");
  CHECK (mien_timeline_get_n_frames (tl, NAN) == 0, "NaN fps refused");
  mien_timeline_free (tl);

  /* 0.1 × 30 is 3.0000000000000004 in binary: still 4 frames. */
  tl = timeline_of_length (0.1);
  CHECK (mien_timeline_get_n_frames (tl, 30) == 4, "0.1 s: %d",
         mien_timeline_get_n_frames (tl, 30));
  CHECK (mien_timeline_get_frame_time (tl, 30, 3) == 0.1, "end exactly");
  mien_timeline_free (tl);

  tl = timeline_of_length (1.05); /* 31.5 steps: 33 frames, short last step */
  CHECK (mien_timeline_get_n_frames (tl, 30) == 33, "1.05 s: %d",
         mien_timeline_get_n_frames (tl, 30));
  CHECK (mien_timeline_get_frame_time (tl, 30, 31) == 31.0 / 30, "i/fps");
  CHECK (mien_timeline_get_frame_time (tl, 30, 32) == 1.05, "end exactly");
  mien_timeline_free (tl);

  tl = timeline_of_length (0);
  CHECK (mien_timeline_get_n_frames (tl, 30) == 1, "a still: one frame");
  mien_timeline_free (tl);
}

static void
test_refusals (void)
{
  mien_error err = { 0 };
  CHECK (mien_timeline_new (0, &err) == NULL && err.status == MIEN_ERR_INVALID,
         "0 values refused");
  mien_timeline *tl = mien_timeline_new (2, NULL);
  float out[2];
  CHECK (mien_timeline_sample (tl, 0, out, &err) == MIEN_ERR_INVALID
         && strstr (err.message, "without keyframes"), "empty: %s",
         err.message);
  static const float v[] = { 1, 2 }, nan_v[] = { 1, NAN };
  CHECK (mien_timeline_add_keyframe (tl, -0.5, v, MIEN_EASING_LINEAR, &err)
         == MIEN_ERR_INVALID, "negative time refused");
  CHECK (mien_timeline_add_keyframe (tl, NAN, v, MIEN_EASING_LINEAR, &err)
         == MIEN_ERR_INVALID, "NaN time refused");
  CHECK (mien_timeline_add_keyframe (tl, 1e9, v, MIEN_EASING_LINEAR, &err)
         == MIEN_ERR_INVALID, "absurd time refused");
  CHECK (mien_timeline_add_keyframe (tl, 1, nan_v, MIEN_EASING_LINEAR, &err)
         == MIEN_ERR_INVALID && strstr (err.message, "not finite"),
         "NaN value: %s", err.message);
  CHECK (mien_timeline_add_keyframe (tl, 1, v, (mien_easing)7, &err)
         == MIEN_ERR_INVALID, "unknown easing refused");
  CHECK (mien_timeline_add_keyframe (tl, 1, v, MIEN_EASING_LINEAR, &err)
         == MIEN_OK, "valid");
  CHECK (mien_timeline_add_keyframe (tl, 1, v, MIEN_EASING_LINEAR, &err)
         == MIEN_ERR_INVALID && strstr (err.message, "already"),
         "duplicate time: %s", err.message);
  CHECK (mien_timeline_remove_keyframe (tl, 3, &err) == MIEN_ERR_INVALID,
         "bad index refused");
  CHECK (mien_timeline_get_n_keyframes (tl) == 1, "refusals changed nothing");
  mien_timeline_free (tl);
}

int
main (void)
{
  test_easing ();
  test_sampling ();
  test_keyframe_exact ();
  test_ping_pong ();
  test_alpha ();
  test_frames ();
  test_refusals ();
  return mien_test_exit_code ();
}
