/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The face frame and pose removal (mien-drive.c, "Pose"): the similarity
 * (translation, roll, scale) that best aligns a frame's eye corners and
 * nose bridge onto the rest's, the rest's face frame in iod units, and the
 * per-frame measures of mien-drive.h. */
#include "mien-drive-private.h"

#include <math.h>

#include "../mien-landmarks.h"

#define N_STABLE 8

static const int stable_points[N_STABLE] = { 27, 28, 29, 30, 36, 39, 42, 45 };

float
drive_dist (mien_point a, mien_point b)
{
  return hypotf (a.x - b.x, a.y - b.y);
}

void
mien_drive_measure (const mien_point *lm, float *mouth, float *eyes,
                    float *brows)
{
  float iod = mien_landmarks_iod (lm);
  if (!(iod > 0.0f))
    iod = 1.0f;
  /* The inner lips' three vertical gaps. */
  *mouth = (drive_dist (lm[61], lm[67]) + drive_dist (lm[62], lm[66])
            + drive_dist (lm[63], lm[65])) / (3.0f * iod);
  *eyes = (drive_dist (lm[37], lm[41]) + drive_dist (lm[38], lm[40])
           + drive_dist (lm[43], lm[47]) + drive_dist (lm[44], lm[46]))
          / (4.0f * iod);
  mien_point er = mien_landmarks_eye_centre (lm, 0);
  mien_point el = mien_landmarks_eye_centre (lm, 1);
  float b = 0.0f;
  for (int i = 17; i <= 21; i++)
    b += drive_dist (lm[i], er);
  for (int i = 22; i <= 26; i++)
    b += drive_dist (lm[i], el);
  *brows = b / (10.0f * iod);
}

sim2
drive_fit_similarity (const mien_point *src, const mien_point *dst)
{
  double sx = 0, sy = 0, dx = 0, dy = 0;
  for (int k = 0; k < N_STABLE; k++)
    {
      int i = stable_points[k];
      sx += src[i].x, sy += src[i].y, dx += dst[i].x, dy += dst[i].y;
    }
  sx /= N_STABLE, sy /= N_STABLE, dx /= N_STABLE, dy /= N_STABLE;
  double nr = 0, ni = 0, d = 0;
  for (int k = 0; k < N_STABLE; k++)
    {
      int i = stable_points[k];
      double px = src[i].x - sx, py = src[i].y - sy;
      double qx = dst[i].x - dx, qy = dst[i].y - dy;
      /* q · conj(p) */
      nr += qx * px + qy * py;
      ni += qy * px - qx * py;
      d += px * px + py * py;
    }
  sim2 s = { 1, 0, 0, 0 };
  if (d > 1e-12)
    s.ar = (float)(nr / d), s.ai = (float)(ni / d);
  s.tx = (float)(dx - (s.ar * sx - s.ai * sy));
  s.ty = (float)(dy - (s.ai * sx + s.ar * sy));
  return s;
}

mien_point
drive_sim_apply (sim2 s, mien_point p)
{
  return (mien_point){ s.ar * p.x - s.ai * p.y + s.tx,
                       s.ai * p.x + s.ar * p.y + s.ty };
}

frame2
drive_frame_of (const mien_point *lm)
{
  mien_point r = mien_landmarks_eye_centre (lm, 0);
  mien_point l = mien_landmarks_eye_centre (lm, 1);
  frame2 f;
  f.iod = drive_dist (r, l);
  if (!(f.iod > 1e-6f))
    f.iod = 1.0f;
  f.ex = (l.x - r.x) / f.iod;
  f.ey = (l.y - r.y) / f.iod;
  f.o = (mien_point){ 0.5f * (r.x + l.x), 0.5f * (r.y + l.y) };
  return f;
}

mien_point
drive_to_frame (const frame2 *f, mien_point p)
{
  float x = p.x - f->o.x, y = p.y - f->o.y;
  return (mien_point){ (x * f->ex + y * f->ey) / f->iod,
                       (-x * f->ey + y * f->ex) / f->iod };
}

float
mien_drive_step (const mien_point *prev, const mien_point *cur)
{
  sim2 s = drive_fit_similarity (cur, prev);
  float iod = mien_landmarks_iod (prev);
  if (!(iod > 1e-6f))
    return 0.0f;
  double sum = 0.0;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    sum += drive_dist (drive_sim_apply (s, cur[i]), prev[i]);
  return (float)(sum / MIEN_N_LANDMARKS / iod);
}

void
drive_normalise (const mien_point *lm, const mien_point *rest,
                 const frame2 *rf, mien_point *out)
{
  sim2 s = drive_fit_similarity (lm, rest);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    out[i] = drive_to_frame (rf, drive_sim_apply (s, lm[i]));
}
