/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The rig on a turned head (engine/rig/rig-frame.c, face_frame): the astronaut's
 * fixture landmarks (frontal) against the same landmarks turned 40° about a
 * vertical cylinder through the nose bridge, the nose towards the image's
 * right. On the turned face
 *   - a sideways move (AU20, the lip stretcher) is larger on the near side
 *     (image left, turned towards the camera) than on the far side, where on
 *     the frontal face the two sides move alike;
 *   - a downward move (AU15, the lip corner depressor), measured in the
 *     face's apparent inter-ocular distance, is larger, because that distance
 *     is foreshortened by the turn and the drop is not.
 * Without the yaw-aware frame the near/far ratio was 1.58 and the drop ratio
 * 0.96; with it 2.84 and 1.07. The motion of a mouth corner is found from
 * the backward field by a fixed point (rig_motion_of). Skips (77) without the
 * photo. */
#include <math.h>

#include "rig-astronaut.h"

typedef struct moves {
  float out[2];  /* |sideways motion| of the right (48, image left) and left
                    (54) mouth corner, grid pixels */
  float down[2]; /* their downward motion, in apparent iod units */
} moves;

static float
apparent_iod (const mien_point *lm)
{
  float x[2] = { 0, 0 }, y[2] = { 0, 0 };
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < 6; i++)
      x[s] += lm[36 + 6 * s + i].x / 6.0f, y[s] += lm[36 + 6 * s + i].y / 6.0f;
  return hypotf (x[1] - x[0], y[1] - y[0]);
}

static moves
measure (astronaut_rig *r, const mien_point *lm)
{
  mien_error err = { 0 };
  mien_driving c;
  moves m;
  const char *aus[2] = { "20=5", "15=5" };
  for (int k = 0; k < 2; k++)
    {
      mien_driving_init (&c);
      CHECK (mien_driving_parse (&c, aus[k], &err) == MIEN_OK, "%s",
             err.message);
      CHECK (mien_generator_generate (r->gen, mien_animator_get_low (r->anim),
                                      &c, lm, &r->g, NULL, &err)
                 == MIEN_OK,
             "%s", err.message);
      for (int s = 0; s < 2; s++)
        {
          mien_point p = lm[s ? 54 : 48];
          mien_point mv = rig_motion_of (r->g.field, p);
          if (k == 0)
            m.out[s] = fabsf (mv.x);
          else
            m.down[s] = mv.y / apparent_iod (lm);
        }
    }
  return m;
}

/* The landmarks turned by `yaw` about a vertical cylinder through the nose
 * bridge whose radius is a little more than the face's half-width: u = R sin
 * φ becomes R sin(φ + yaw), heights stay. Positive yaw brings the nose to
 * the image's right: the image-left side turns towards the camera. */
static void
turn (const mien_point *lm, float yaw, mien_point *out)
{
  float bx = 0, by = 0;
  for (int i = 27; i <= 30; i++)
    bx += lm[i].x / 4.0f, by += lm[i].y / 4.0f;
  float R = 0.0f;
  for (int i = 0; i <= 16; i++)
    R = fmaxf (R, fabsf (lm[i].x - bx));
  R *= 1.1f;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      float phi = asinf (fmaxf (-1.0f, fminf (1.0f, (lm[i].x - bx) / R)));
      out[i] = (mien_point){ bx + R * sinf (phi + yaw), lm[i].y };
    }
}

int
main (void)
{
  astronaut_rig r;
  int skip = astronaut_rig_open (&r);
  if (skip)
    return skip;
  mien_point turned[MIEN_N_LANDMARKS];
  turn (r.lm, 40.0f * (float)M_PI / 180.0f, turned);
  moves front = measure (&r, r.lm), side = measure (&r, turned);
  float front_ratio = front.out[0] / front.out[1];
  float side_ratio = side.out[0] / side.out[1]; /* near / far */
  float drop_gain = (side.down[0] + side.down[1])
                    / (front.down[0] + front.down[1]);
  printf ("AU20 sideways, image-left / image-right corner: frontal %.3f, "
          "turned 40° (near / far) %.3f\n",
          front_ratio, side_ratio);
  printf ("AU15 drop per apparent iod, turned / frontal: %.3f\n", drop_gain);
  CHECK (front.out[0] > 0.3f && front.out[1] > 0.3f,
         "AU20 should move the corners (%.3f, %.3f grid px)", front.out[0],
         front.out[1]);
  CHECK (front_ratio > 0.8f && front_ratio < 1.25f,
         "a frontal face's corners should move alike (%.3f)", front_ratio);
  CHECK (side_ratio > 2.0f * front_ratio,
         "the near corner should move much more than the far one (%.3f vs "
         "%.3f frontal)",
         side_ratio, front_ratio);
  CHECK (drop_gain > 1.02f,
         "a turned face's drop should not shrink with its foreshortened iod "
         "(%.3f)",
         drop_gain);
  astronaut_rig_close (&r);
  return mien_test_exit_code ();
}
