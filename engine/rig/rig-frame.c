/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The face frame: where the rig's moves are written. It owns no part of the
 * face; it turns "out" and "down" in inter-ocular distances into grid
 * pixels, so that every move scales and turns with the face, and it reads
 * each side's AU intensities from the driving vector.
 *
 * Origin between the eye centres (mien-landmarks.h); ex along the eye line
 * towards the image's right, ey perpendicular towards the chin; iod in grid
 * pixels.
 *
 * A turned head (yaw) shows a foreshortened iod, so moves scaled by it alone
 * came out too small, and the far side moved as much as the near side. The
 * frame therefore also holds the scales frame_delta uses: sy for "down" and
 * sx[side] for "out", from a cylinder model of the head. With the nose at
 * angle 0 and the cheek contour where the cylinder turns away, the contour's
 * half-widths from the nose bridge are R(1 ∓ sin yaw), so
 *   sin yaw = (w1 − w0) / (w1 + w0)   (> 0: side 0, image left, is far)
 * The eyes sit at φe = ±30° on it, so the apparent iod is the true one times
 * cos yaw, and a sideways move at an eye, brow or lip corner on side s is
 * foreshortened by cos(φe ± yaw) / cos φe (+ for the far side):
 *   sy = iod / cos yaw,   sx[s] = iod (1 ∓ tan φe · tan yaw).
 * For a frontal face both are the iod. |sin yaw| is clamped to YAW_MAX_SIN. */
#include "rig-private.h"

#define YAW_MAX_SIN 0.7071f   /* 45° */
#define TAN_EYE_ANGLE 0.5774f /* tan 30° */

/* Contour points at cheek level on each side, for the half-widths. */
#define CHEEK_CONTOUR_RIGHT MIEN_LM_RANGE (1, 3)
#define CHEEK_CONTOUR_LEFT MIEN_LM_RANGE (13, 15)

int
face_frame_init (face_frame *f, const mien_point *lm)
{
  f->eye_centre[0] = v_pt (mien_landmarks_eye_centre (lm, 0));
  f->eye_centre[1] = v_pt (mien_landmarks_eye_centre (lm, 1));
  vec2 d = v_sub (f->eye_centre[1], f->eye_centre[0]);
  f->iod = v_len (d);
  if (!(f->iod > 1.0f) || !isfinite (f->iod))
    return 0;
  f->ex = v_mul (d, 1.0f / f->iod);
  f->ey = (vec2){ -f->ex.y, f->ex.x };
  f->origin = v_mul (v_add (f->eye_centre[0], f->eye_centre[1]), 0.5f);
  /* Half-widths at cheek level against the nose bridge, along the eye
   * line. */
  vec2 bridge = lm_mean (lm, MIEN_LM_NOSE_BRIDGE);
  float w0 = v_dot (v_sub (bridge, lm_mean (lm, CHEEK_CONTOUR_RIGHT)), f->ex);
  float w1 = v_dot (v_sub (lm_mean (lm, CHEEK_CONTOUR_LEFT), bridge), f->ex);
  float s = (w0 > 0.0f && w1 > 0.0f) ? (w1 - w0) / (w1 + w0) : 0.0f;
  s = s > YAW_MAX_SIN ? YAW_MAX_SIN : s < -YAW_MAX_SIN ? -YAW_MAX_SIN : s;
  float c = sqrtf (1.0f - s * s), tan_yaw = s / c;
  f->sy = f->iod / c;
  f->sx[0] = f->iod * (1.0f - TAN_EYE_ANGLE * tan_yaw);
  f->sx[1] = f->iod * (1.0f + TAN_EYE_ANGLE * tan_yaw);
  return 1;
}

vec2
frame_delta (const face_frame *f, int side, float out, float down)
{
  float u = (side ? out : -out) * f->sx[side ? 1 : 0];
  return v_add (v_mul (f->ex, u), v_mul (f->ey, down * f->sy));
}

/* Bilateral AUs act on the midline with the mean of the two sides'
 * intensities (equal unless a one-sided variant is set), so one-sided
 * channels still act on midline points by half. */
void
side_intensities (const mien_driving *c, side_au sides[2], side_au *mid)
{
  for (int i = 0; i < MIEN_AU_N_BILATERAL; i++)
    {
      float r = mien_driving_side (c, (mien_au_channel)i, MIEN_AU_SIDE_RIGHT);
      float l = mien_driving_side (c, (mien_au_channel)i, MIEN_AU_SIDE_LEFT);
      sides[0].au[i] = r / MIEN_AU_MAX;
      sides[1].au[i] = l / MIEN_AU_MAX;
      mid->au[i] = 0.5f * (sides[0].au[i] + sides[1].au[i]);
    }
}
