/* SPDX-License-Identifier: GPL-3.0-or-later */
/* How much of a rig move the landmark net reports (mien_drive_calibrate):
 * the driven photo rendered through the generator one AU at a time, its
 * landmarks taken again, one gain per part of the face. */
#include "mien-drive-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../mien-animator.h"

#define GAIN_MIN 0.4
#define GAIN_MIN_EYES 0.8
#define GAIN_MAX 1.2

mien_status
mien_drive_calibrate (mien_face_analyzer *an, mien_generator *gen,
                      const mien_image *photo, const mien_face *face,
                      float gains[2 * MIEN_N_LANDMARKS], mien_error *err)
{
  for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
    gains[r] = 1.0f;
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, err);
  if (anim == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  const mien_rect *crop = mien_animator_get_crop (anim);
  box_fit fit = drive_box_fit_of (face);
  inverse_rig *ir = malloc (sizeof *ir);
  float (*obs)[MIEN_AU_N_BILATERAL] = calloc (2 * MIEN_N_LANDMARKS,
                                              sizeof *obs);
  mien_point lm0[MIEN_N_LANDMARKS];
  frame2 f0 = { 0 };
  mien_status st = ir && obs ? MIEN_OK
                             : mien_error_set (err, MIEN_ERR_NOMEM,
                                               "out of memory");
  int n_probe = 0;
  for (int k = -1; st == MIEN_OK && k < MIEN_AU_N_BILATERAL; k++)
    {
      if (k >= 0 && mien_au_channels[k].region == MIEN_AU_REGION_GAZE)
        continue;
      mien_driving c;
      mien_driving_init (&c);
      if (k >= 0)
        c.values[k] = PROBE_INTENSITY;
      const mien_image *out = NULL;
      st = mien_animator_render_crop (anim, gen, &c, &out, NULL, err);
      if (st != MIEN_OK)
        break;
      float sc = (float)out->width / (float)crop->width;
      mien_face probe;
      memset (&probe, 0, sizeof probe);
      mien_point start[MIEN_N_LANDMARKS];
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        start[p] = k < 0 ? (mien_point){ (face->landmarks[p].x - crop->x) * sc,
                                         (face->landmarks[p].y - crop->y) * sc }
                         : lm0[p];
      probe.box = drive_box_from_landmarks (&fit, start);
      probe.score = 1.0f;
      st = mien_face_analyzer_describe (an, out, &probe, err);
      if (st != MIEN_OK)
        break;
      if (k < 0)
        {
          memcpy (lm0, probe.landmarks, sizeof lm0);
          f0 = drive_frame_of (lm0);
          continue;
        }
      mien_point n[MIEN_N_LANDMARKS];
      drive_normalise (probe.landmarks, lm0, &f0, n);
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        {
          mien_point r = drive_to_frame (&f0, lm0[p]);
          obs[2 * p][k] = (n[p].x - r.x) / PROBE_INTENSITY;
          obs[2 * p + 1][k] = (n[p].y - r.y) / PROBE_INTENSITY;
        }
      n_probe++;
    }
  if (st == MIEN_OK)
    st = drive_build_inverse_rig (ir, gen, lm0, NULL, 0.0f, err);
  /* One gain per part of the face (a coordinate's own ratio is too noisy:
   * a lid point moved by a hundredth of an iod). */
  static const int part_end[] = { 17, 27, 36, 48, 68 };
  for (int g = 0, p0 = 0; st == MIEN_OK && g < 5; p0 = part_end[g++])
    {
      double num = 0.0, den = 0.0;
      for (int r = 2 * p0; r < 2 * part_end[g]; r++)
        for (int j = 0; j < ir->n; j++)
          {
            int k = ir->ch[j].channel;
            if (ir->ch[j].side != 0 || k >= MIEN_AU_N_BILATERAL)
              continue;
            num += (double)obs[r][k] * ir->J[r][j];
            den += (double)ir->J[r][j] * ir->J[r][j];
          }
      /* The lids: the net reports about 0.4 of a lid move, and amplifying
       * that much amplifies its noise into spurious eye AUs (measured on
       * the ground-truth clip), so the eyes' gain stays near 1. */
      double lo = g == 3 ? GAIN_MIN_EYES : GAIN_MIN;
      float gain = den > 1e-6 ? (float)fmin (GAIN_MAX, fmax (lo, num / den))
                              : 1.0f;
      for (int r = 2 * p0; r < 2 * part_end[g]; r++)
        gains[r] = gain;
    }
  free (obs);
  free (ir);
  mien_animator_free (anim);
  (void)n_probe;
  return st;
}
