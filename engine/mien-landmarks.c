/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-landmarks.h"

#include <math.h>

mien_point
mien_landmarks_mean (const mien_point *lm, mien_lm_range range)
{
  float x = 0.0f, y = 0.0f;
  for (int i = 0; i < range.count; i++)
    x += lm[range.first + i].x, y += lm[range.first + i].y;
  /* Times the reciprocal, not divided: the rig's face frame has always
   * computed it so, and its fields are compared bit for bit. */
  float s = 1.0f / (float)range.count;
  return (mien_point){ x * s, y * s };
}

mien_point
mien_landmarks_eye_centre (const mien_point *lm, int side)
{
  return mien_landmarks_mean (lm, side ? MIEN_LM_LEFT_EYE : MIEN_LM_RIGHT_EYE);
}

float
mien_landmarks_iod (const mien_point *lm)
{
  mien_point r = mien_landmarks_eye_centre (lm, 0);
  mien_point l = mien_landmarks_eye_centre (lm, 1);
  float dx = l.x - r.x, dy = l.y - r.y;
  return sqrtf (dx * dx + dy * dy);
}

void
mien_landmarks_mean_d (const mien_point *lm, mien_lm_range range, double *x,
                       double *y)
{
  double sx = 0, sy = 0;
  for (int i = 0; i < range.count; i++)
    {
      sx += lm[range.first + i].x;
      sy += lm[range.first + i].y;
    }
  *x = sx / range.count;
  *y = sy / range.count;
}

void
mien_landmarks_eye_centre_d (const mien_point *lm, int side, double *x,
                             double *y)
{
  mien_landmarks_mean_d (lm, side ? MIEN_LM_LEFT_EYE : MIEN_LM_RIGHT_EYE, x, y);
}
