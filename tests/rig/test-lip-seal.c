/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lip seal (engine/rig/rig-mouth.c): AU23 or AU17 close a mouth that is open
 * in the photo by sliding the lips together over the teeth, instead of
 * squashing them; an opening AU25/AU26 wins over the seal. And its
 * opposite, the jaw opening: AU26 parts a toothy smile below the upper
 * teeth, which keep their size, instead of stretching them.
 *
 * Measured on the astronaut's toothy smile (data/samples, fixture in
 * tests/data/landmarks) at the generator's 128² resolution: teeth pixels
 * (bright and hardly red, like the photo's teeth) inside the outer lip
 * contour of O^r are counted and compared with the photo's. Skips (77)
 * without the sample photo. */
#include <math.h>

#include "mien-field.h"
#include "rig-astronaut.h"

/* The teeth of this photo at 128²: luma > 0.8, redness (R-G)/(R+G+B) <
 * 0.05 (its lips measure 0.08 … 0.12 there). */
static int
is_tooth (const float *px)
{
  float sum = px[0] + px[1] + px[2];
  return sum / 3.0f > 0.8f && (px[0] - px[1]) / sum < 0.05f;
}

static int
point_inside (const mien_point *poly, int n, float x, float y)
{
  int inside = 0;
  for (int i = 0, j = n - 1; i < n; j = i++)
    if ((poly[i].y > y) != (poly[j].y > y)
        && x < (poly[j].x - poly[i].x) * (y - poly[i].y) / (poly[j].y - poly[i].y)
                   + poly[i].x)
      inside = !inside;
  return inside;
}

static int
count_teeth (const mien_image *img, const mien_point *lm)
{
  int n = 0;
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      if (point_inside (lm + 48, 12, (float)x, (float)y)
          && is_tooth (mien_image_row (img, y) + (size_t)x * img->channels))
        n++;
  return n;
}

/* Height of the teeth: the longest run of consecutive rows with at least
 * 3 teeth pixels between the columns of the inner lip points 61 and 63,
 * from the outer upper lip down to twice the photo's mouth height (room
 * for the dropped jaw). Single bright pixels (lip highlights) do not
 * count. */
static int
teeth_rows (const mien_image *img, const mien_point *lm)
{
  int x0 = (int)floorf (lm[61].x), x1 = (int)ceilf (lm[63].x);
  int y0 = (int)floorf (lm[51].y);
  int y1 = (int)ceilf (lm[57].y + (lm[57].y - lm[51].y));
  int run = 0, longest = 0;
  for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < img->height; y++)
    {
      int n = 0;
      for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < img->width; x++)
        n += is_tooth (mien_image_row (img, y) + (size_t)x * img->channels);
      run = n >= 3 ? run + 1 : 0;
      longest = run > longest ? run : longest;
    }
  return longest;
}

static int
teeth_after (astronaut_rig *r, const char *aus, float *min_jacobian)
{
  astronaut_rig_generate (r, aus);
  *min_jacobian = mien_field_min_jacobian (r->g.field);
  return count_teeth (r->g.refined, r->lm);
}

int
main (void)
{
  astronaut_rig r;
  int skip = astronaut_rig_open (&r);
  if (skip)
    return skip;
  const mien_point *lm = r.lm;
  int before = count_teeth (mien_animator_get_low (r.anim), lm);
  float j23, j17, jopen;
  int sealed = teeth_after (&r, "23=5", &j23);
  int chin = teeth_after (&r, "17=5", &j17);
  int open = teeth_after (&r, "23=5,25=5", &jopen);
  printf ("teeth pixels at 128²: photo %d, AU23=5 %d, AU17=5 %d, "
          "AU23=5+AU25=5 %d\n", before, sealed, chin, open);
  printf ("min Jacobian: %.3f %.3f %.3f\n", (double)j23, (double)j17,
          (double)jopen);
  CHECK (before >= 20, "the astronaut should show teeth (%d pixels)", before);
  CHECK (sealed * 5 <= before, "AU23=5 left %d of %d teeth pixels", sealed,
         before);
  CHECK (chin * 5 <= before, "AU17=5 left %d of %d teeth pixels", chin, before);
  /* With the lips parted (AU25) the seal is off: the mouth opens, teeth stay. */
  CHECK (open * 2 >= before, "AU25 should win over AU23: %d of %d teeth "
         "pixels left", open, before);
  CHECK (j23 > 0.0f && j17 > 0.0f && jopen > 0.0f, "fold");

  /* The jaw drops: the upper teeth stay as tall as in the photo (they
   * hang from the skull), the opening grows below them. The kernel field
   * alone stretched them over the whole opening. */
  int rows_before = teeth_rows (mien_animator_get_low (r.anim), lm);
  float jjaw;
  int jaw_teeth = teeth_after (&r, "26=5", &jjaw);
  int rows_jaw = teeth_rows (r.g.refined, lm);
  printf ("teeth rows at 128²: photo %d, AU26=5 %d (%d pixels; min Jacobian "
          "%.3f)\n", rows_before, rows_jaw, jaw_teeth, (double)jjaw);
  CHECK (rows_before >= 3, "the photo's teeth span %d rows", rows_before);
  CHECK (rows_jaw >= rows_before - 1 && rows_jaw <= rows_before + 1,
         "AU26=5: teeth span %d rows, the photo's %d", rows_jaw, rows_before);
  CHECK (jaw_teeth * 3 >= before * 2, "AU26=5 kept %d of %d teeth pixels",
         jaw_teeth, before);
  CHECK (jjaw > 0.0f, "fold");

  astronaut_rig_close (&r);
  return mien_test_exit_code ();
}
