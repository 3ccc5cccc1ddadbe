/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-headshot.h"

#include <math.h>

#include "mien-landmarks.h"
#include "mien-warp.h" /* MIEN_LOW_RES */

#define SIDE_PER_SCALE 5.0f
/* The eyes sit near the middle of a head with hair; a little room more below
 * leaves space for a dropped jaw (AU26) inside the crop. */
#define CENTRE_ABOVE_EYES (-0.1f)

static float
dist (mien_point a, mien_point b)
{
  return hypotf (a.x - b.x, a.y - b.y);
}

static int
landmarks_finite (const mien_face *face)
{
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    if (!isfinite (face->landmarks[i].x) || !isfinite (face->landmarks[i].y))
      return 0;
  return 1;
}

static int
clamp_int (int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

mien_status
mien_headshot_choose (const mien_face *face, int photo_width, int photo_height,
                      mien_rect *crop, mien_error *err)
{
  if (photo_width < 1 || photo_height < 1)
    return mien_error_set (err, MIEN_ERR_INVALID, "headshot: empty photo");
  if (!landmarks_finite (face))
    return mien_error_set (err, MIEN_ERR_INVALID, "headshot: landmarks are not finite");
  const mien_point *lm = face->landmarks;
  mien_point er = mien_landmarks_eye_centre (lm, 0);
  mien_point el = mien_landmarks_eye_centre (lm, 1);
  float iod = mien_landmarks_iod (lm);
  if (!(iod > 0.5f))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "headshot: the eyes are %.2f pixels apart", iod);
  mien_point mid = { 0.5f * (er.x + el.x), 0.5f * (er.y + el.y) };
  float scale = fmaxf (iod, fmaxf (0.45f * dist (lm[MIEN_LM_JAW_RIGHT_END], lm[MIEN_LM_JAW_LEFT_END]),
                                   0.55f * dist (mid, lm[MIEN_LM_CHIN])));
  float side_f = fminf (SIDE_PER_SCALE * scale, (float)MIEN_IMAGE_MAX_SIDE);
  int side = (int)lroundf (side_f);
  if (side < MIEN_LOW_RES)
    side = MIEN_LOW_RES;
  int limit = photo_width < photo_height ? photo_width : photo_height;
  if (side > limit)
    side = limit;
  /* "Up" follows the face: perpendicular to the eye line. */
  float ex = (el.x - er.x) / iod, ey = (el.y - er.y) / iod;
  float cx = mid.x + ey * CENTRE_ABOVE_EYES * iod;
  float cy = mid.y - ex * CENTRE_ABOVE_EYES * iod;
  crop->width = crop->height = side;
  crop->x = clamp_int ((int)lroundf (cx - 0.5f * (float)side), 0, photo_width - side);
  crop->y = clamp_int ((int)lroundf (cy - 0.5f * (float)side), 0, photo_height - side);
  return MIEN_OK;
}

mien_point
mien_headshot_to_grid (const mien_rect *crop, int grid_size, mien_point p)
{
  float f = (float)grid_size / (float)crop->width;
  return (mien_point){ (p.x - (float)crop->x) * f - 0.5f,
                       (p.y - (float)crop->y) * f - 0.5f };
}

mien_point
mien_headshot_from_grid (const mien_rect *crop, int grid_size, mien_point g)
{
  float f = (float)crop->width / (float)grid_size;
  return (mien_point){ (g.x + 0.5f) * f + (float)crop->x,
                       (g.y + 0.5f) * f + (float)crop->y };
}
