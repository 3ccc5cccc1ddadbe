/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The lip seal (engine/rig/rig-mouth.c): AU23 or AU17 close a mouth that is open
 * in the photo by sliding the lips together over the teeth, instead of
 * squashing them; an opening AU25/AU26 wins over the seal. And its
 * opposite, the jaw opening: AU26 parts a toothy smile below the upper
 * teeth, which keep their size, instead of stretching them. And lips that
 * the photo shows closed part under AU25 alone (rig-mouth.c,
 * part_source): on sample6's and sample2's closed-lipped faces a dark gap
 * opens between the inner lips, and the lips themselves keep their height.
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

static float
luma_at (const mien_image *img, int x, int y)
{
  const float *px = mien_image_row (img, y) + (size_t)x * img->channels;
  return (px[0] + px[1] + px[2]) / 3.0f;
}

/* Pixels of img inside the outer lip contour darker than half the mean
 * luma there in the photo: the mouth interior (the closed lips' own seam
 * at 128² is not that dark). */
static int
count_dark (const mien_image *img, const mien_image *photo,
            const mien_point *lm)
{
  double sum = 0.0;
  int n = 0, dark = 0;
  for (int y = 0; y < photo->height; y++)
    for (int x = 0; x < photo->width; x++)
      if (point_inside (lm + 48, 12, (float)x, (float)y))
        sum += luma_at (photo, x, y), n++;
  float limit = n ? 0.5f * (float)(sum / n) : 0.0f;
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++)
      if (point_inside (lm + 48, 12, (float)x, (float)y)
          && luma_at (img, x, y) < limit)
        dark++;
  return dark;
}

/* The rig's own bound for a closed photo mouth (rig-mouth.c OPENING_MIN). */
#define OPENING_MIN_PX 1.5f

static mien_point
moved_point (const astronaut_rig *r, int k)
{
  mien_point m = rig_motion_of (r->g.field, r->lm[k]);
  return (mien_point){ r->lm[k].x + m.x, r->lm[k].y + m.y };
}

/* AU25 alone on a face whose photo shows its lips together. The kernel
 * field could not part them: the inner lips' opposite moves sit on one
 * seam and average away (AU25 = 5 painted nothing on either face). */
static void
test_parting (const char *photo, int face)
{
  astronaut_rig r;
  if (sample_rig_open (&r, photo, face))
    return;
  const mien_image *low = mien_animator_get_low (r.anim);
  const mien_point *lm = r.lm;
  float gap0 = lm[66].y - lm[62].y;
  int dark0 = count_dark (low, low, lm);
  int dark[2];
  float gap[2], jac[2];
  mien_rig_stats st[2];
  for (int i = 0; i < 2; i++)
    {
      astronaut_rig_generate (&r, i ? "25=5" : "25=3");
      mien_rig_get_stats (r.gen, &st[i]);
      jac[i] = mien_field_min_jacobian (r.g.field);
      dark[i] = count_dark (r.g.refined, low, lm);
      gap[i] = moved_point (&r, 66).y - moved_point (&r, 62).y;
    }
  printf ("%s face %d: inner lips %.2f grid px apart in the photo, AU25 3 / "
          "5: %.2f / %.2f; dark pixels within the lips: photo %d, %d / %d "
          "(painted %.1f / %.1f); min Jacobian %.3f / %.3f\n",
          photo, face, (double)gap0, (double)gap[0], (double)gap[1], dark0,
          dark[0], dark[1], (double)st[0].mouth_painted,
          (double)st[1].mouth_painted, (double)jac[0], (double)jac[1]);
  CHECK (gap0 < OPENING_MIN_PX && dark0 <= 2,
         "%s: the photo's lips are closed", photo);
  CHECK (gap[1] - gap0 >= 1.0f && gap[1] >= gap[0],
         "%s: AU25 = 5 parts the inner lips by %.2f grid px", photo,
         (double)(gap[1] - gap0));
  CHECK (dark[1] >= 8 && dark[1] >= dark[0],
         "%s: AU25 = 5 shows %d dark pixels between the lips", photo,
         dark[1]);
  CHECK (jac[0] > 0.0f && jac[1] > 0.0f, "%s: fold", photo);
  astronaut_rig_close (&r);
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

  /* The analyzer's face 0 of each photo. */
  test_parting ("sample6.jpg", 3);
  test_parting ("sample2.jpg", 2);
  return mien_test_exit_code ();
}
