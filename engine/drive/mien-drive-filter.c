/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The One Euro filter (Casiez et al. 2012) on the tracked landmarks
 * (mien_one_euro_params in mien-drive.h). */
#include "mien-drive-private.h"

#include <math.h>
#include <string.h>

#include "../mien-landmarks.h"

static float
smoothing (float cutoff, float dt)
{
  float tau = 1.0f / (2.0f * (float)M_PI * cutoff);
  return 1.0f / (1.0f + tau / dt);
}

void
drive_one_euro_step (one_euro *f, const mien_one_euro_params *p, float dt,
                     mien_point *lm)
{
  float *v = (float *)lm;
  if (!f->primed || !(p->min_cutoff > 0.0f))
    {
      memcpy (f->x, v, sizeof f->x);
      memset (f->dx, 0, sizeof f->dx);
      f->primed = 1;
      return;
    }
  float iod = mien_landmarks_iod (lm);
  if (!(iod > 1e-3f))
    iod = 1.0f;
  float ad = smoothing (p->d_cutoff, dt);
  for (int i = 0; i < 2 * MIEN_N_LANDMARKS; i++)
    {
      float d = (v[i] - f->x[i]) / dt;
      f->dx[i] += ad * (d - f->dx[i]);
      float cutoff = p->min_cutoff + p->beta * fabsf (f->dx[i]) / iod;
      float a = smoothing (cutoff, dt);
      f->x[i] += a * (v[i] - f->x[i]);
      v[i] = f->x[i];
    }
}

float
drive_one_euro1_step (one_euro1 *f, const mien_one_euro_params *p, float dt,
                      float iod_per_unit, float v)
{
  if (!f->primed || !(p->min_cutoff > 0.0f) || !(dt > 0.0f))
    {
      f->x = v, f->dx = 0.0f, f->primed = 1;
      return v;
    }
  float ad = smoothing (p->d_cutoff, dt);
  f->dx += ad * ((v - f->x) / dt - f->dx);
  float cutoff = p->min_cutoff + p->beta * fabsf (f->dx) * iod_per_unit;
  f->x += smoothing (cutoff, dt) * (v - f->x);
  return f->x;
}
