/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Teeth in an opened mouth (engine/mien-animator-teeth.c, issue #26), on
 * sample6's face 2 (data/samples; skips without it), a closed mouth,
 * enlarged 2× to 3840 wide with its landmarks (about 8 frame pixels a grid
 * pixel), and on the astronaut enlarged 8×, whose photo shows its own
 * teeth:
 *  - surprised with the teeth and without (MIEN_MOUTH_NO_TEETH=1): beyond
 *    the painted cells' box grown by 3 grid pixels the frames are the same
 *    bit for bit; inside, the teeth cover a share of the opening and are
 *    much brighter than the cavity they cover;
 *  - the upper row is at the opening's top: at the teeth's midline the
 *    first teeth pixel from the top lies in the opening's upper half;
 *  - the teeth are sized from the face and rigid: along a row through the
 *    upper teeth, the gaps flanking the two central incisors are one
 *    central incisor apart (8.5 mm on the arch, the inter-ocular distance
 *    being 63 mm) within 20 %, and with the jaw opened a little and a lot
 *    (AU26 3 and 5) the central gaps are at the same columns within 1.5
 *    pixels (the opening's bottom moves by many more);
 *  - a render again is the same frame, and the preview's level 1 about the
 *    mouth is nearer the full frame area-averaged to it with its teeth
 *    than without them (the preview shows the teeth the frame will);
 *  - the astronaut at 8× (its photo's mouth open, with its own teeth):
 *    the frame is the same bit for bit with and without the teeth;
 *  - neutral: nothing painted, the same bit for bit;
 *  - sample6's face 2 at the photo's own size (3.8 frame pixels a grid
 *    pixel): surprised shows teeth there too;
 *  - mien_animator_set_teeth_enabled (0) gives the frame without teeth
 *    bit for bit, and (1) the frame with them again. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien-test-image.h"

static mien_image *
render (mien_animator *anim, mien_generator *rig, const mien_driving *c,
        int teeth, const mien_image **interior)
{
  const mien_generator_output *g = NULL;
  mien_image *frame = mien_test_render_crop (
      anim, rig, c, teeth ? NULL : "MIEN_MOUTH_NO_TEETH", &g);
  if (interior)
    *interior = g ? g->interior : NULL;
  return frame;
}

/* The painted cells' box of an interior (x0, y0, x1, y1; x1 < 0: none). */
static void
painted_box (const mien_image *in, int b[4])
{
  b[0] = in->width, b[1] = in->height, b[2] = -1, b[3] = -1;
  for (int y = 0; y < in->height; y++)
    for (int x = 0; x < in->width; x++)
      if (mien_image_row (in, y)[4 * (size_t)x + 3] > 1e-3f)
        {
          b[0] = x < b[0] ? x : b[0], b[2] = x > b[2] ? x : b[2];
          b[1] = y < b[1] ? y : b[1], b[3] = y > b[3] ? y : b[3];
        }
}

/* What the teeth changed, in a frame pixel box: the teeth pixels (luma up
 * by more than 0.08), their count, their mean luma and the cavity's under
 * them; the teeth's midline column (the mean column of the teeth pixels
 * of the top half of their rows, where the upper row is). */
typedef struct {
  int n, midline, top_at_midline;
  double luma_teeth, luma_cavity;
  unsigned char *mask;
} teeth_pixels;

static teeth_pixels
find_teeth (const mien_image *with, const mien_image *without, int x0,
            int y0, int x1, int y1)
{
  teeth_pixels t = { 0 };
  t.mask = calloc ((size_t)with->width * with->height, 1);
  double sx = 0;
  int ns = 0, ty0 = y1, ty1 = y0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        float a = mien_test_luma (with, x, y), b = mien_test_luma (without, x, y);
        if (a - b > 0.08f)
          {
            t.mask[(size_t)y * with->width + x] = 1;
            t.n++;
            t.luma_teeth += a, t.luma_cavity += b;
            ty0 = y < ty0 ? y : ty0, ty1 = y > ty1 ? y : ty1;
          }
      }
  if (t.n)
    t.luma_teeth /= t.n, t.luma_cavity /= t.n;
  for (int y = ty0; y <= (ty0 + ty1) / 2; y++)
    for (int x = x0; x < x1; x++)
      if (t.mask[(size_t)y * with->width + x])
        sx += x, ns++;
  t.midline = ns ? (int)lround (sx / ns) : -1;
  t.top_at_midline = -1;
  for (int y = y0; t.midline >= 0 && y < y1; y++)
    if (t.mask[(size_t)y * with->width + t.midline])
      {
        t.top_at_midline = y;
        break;
      }
  return t;
}

/* Luma averaged over 3×3 pixels (the grain averaged out). */
static float
luma3 (const mien_image *im, int x, int y)
{
  float v = 0.0f;
  for (int dy = -1; dy <= 1; dy++)
    for (int dx = -1; dx <= 1; dx++)
      v += mien_test_luma (im, x + dx, y + dy);
  return v / 9.0f;
}

/* The gaps along row y of the upper teeth: columns within the teeth's
 * extent on the row (a gap itself may be too dark to be in the mask)
 * where the smoothed luma is the lowest within ±4 and at least 0.025
 * under the brightest within ±10; of gaps closer than 8 pixels the darker
 * is kept. Returns how many (at most max). */
static int
row_gaps (const mien_image *im, const teeth_pixels *t, int y, int x0, int x1,
          int *gaps, int max)
{
  int n = 0;
  int first = -1, last = -1;
  for (int x = x0; x < x1; x++)
    if (t->mask[(size_t)y * im->width + x])
      first = first < 0 ? x : first, last = x;
  /* A gap at the extent's end can be just outside the mask. */
  first -= 4, last += 4;
  if (first < 10 || last + 10 >= im->width)
    return 0;
  for (int x = first; x <= last && n < max; x++)
    {
      float v = luma3 (im, x, y), hi = v;
      int lowest = 1;
      for (int d = -10; d <= 10; d++)
        {
          float u = luma3 (im, x + d, y);
          if (abs (d) <= 4 && d != 0 && u < v)
            lowest = 0;
          hi = u > hi ? u : hi;
        }
      if (!lowest || hi - v < 0.025f)
        continue;
      if (n > 0 && x - gaps[n - 1] < 8)
        {
          if (v < luma3 (im, gaps[n - 1], y))
            gaps[n - 1] = x;
          continue;
        }
      gaps[n++] = x;
    }
  return n;
}

/* The central incisors' gaps about the midline: the one nearest it and
 * the next on each side. Returns 0 where there are not three. */
static int
central_gaps (const mien_image *im, const teeth_pixels *t, int x0, int x1,
              int g[3])
{
  /* A row 60 % down the upper teeth's run at the midline. */
  int y = t->top_at_midline, end = y;
  while (end + 1 < im->height
         && t->mask[(size_t)(end + 1) * im->width + t->midline])
    end++;
  y += (int)(0.6 * (end - y));
  int gaps[64];
  int n = row_gaps (im, t, y, x0, x1, gaps, 64);
  if (getenv ("TEETH_TEST_DEBUG"))
    {
      printf ("row %d (run %d-%d):", y, t->top_at_midline, end);
      for (int x = t->midline - 40; x <= t->midline + 40; x++)
        printf (" %.3f%s", luma3 (im, x, y), t->mask[(size_t)y * im->width + x] ? "" : "*");
      printf ("\n gaps:");
      for (int i = 0; i < n; i++)
        printf (" %d", gaps[i]);
      printf ("\n");
    }
  int best = -1;
  for (int i = 0; i < n; i++)
    if (best < 0 || abs (gaps[i] - t->midline) < abs (gaps[best] - t->midline))
      best = i;
  if (best < 1 || best + 1 >= n)
    return 0;
  g[0] = gaps[best - 1], g[1] = gaps[best], g[2] = gaps[best + 1];
  return 1;
}

static void
test_closed_mouth (mien_image *photo, mien_face *face, float iod_px)
{
  mien_error err = { 0 };
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim && rig, "%s", err.message);
  if (!anim || !rig)
    {
      mien_generator_free (rig);
      return;
    }
  const mien_rect *cr = mien_animator_get_crop (anim);
  float k = (float)cr->width / (float)MIEN_LOW_RES;
  float px_mm = iod_px / 63.0f;
  printf ("crop %d²: %.1f frame pixels a grid pixel, %.2f a millimetre\n",
          cr->width, (double)k, (double)px_mm);

  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_SURPRISED, 1.0f);
  const mien_image *in = NULL;
  mien_image *none = render (anim, rig, &c, 0, NULL);
  mien_image *with = render (anim, rig, &c, 1, &in);
  mien_image *again = render (anim, rig, &c, 1, NULL);
  CHECK (none && with && again && in, "renders");
  if (!none || !with || !again || !in)
    goto out;
  CHECK (mien_test_images_equal (with, again), "a render again is the same");
  int b[4];
  painted_box (in, b);
  CHECK (b[2] >= 0, "surprised paints an interior");
  if (b[2] < 0)
    goto out;
  int x0 = (int)((b[0] - 3) * k), y0 = (int)((b[1] - 3) * k);
  int x1 = (int)((b[2] + 4) * k), y1 = (int)((b[3] + 4) * k);
  x0 = x0 < 0 ? 0 : x0, y0 = y0 < 0 ? 0 : y0;
  x1 = x1 > with->width ? with->width : x1;
  y1 = y1 > with->height ? with->height : y1;
  CHECK (mien_test_same_outside (with, none, x0, y0, x1, y1),
         "beyond the painted box (+3 grid pixels) the frames are the same");
  teeth_pixels t = find_teeth (with, none, x0, y0, x1, y1);
  printf ("teeth: %d pixels, luma %.3f over a cavity of %.3f; midline x "
          "%d, top %d\n", t.n, t.luma_teeth, t.luma_cavity, t.midline,
          t.top_at_midline);
  CHECK (t.n > (int)(4.0f * px_mm * px_mm * 10.0f),
         "the teeth show (%d pixels: at least 10 mm² of 4 rows)", t.n);
  CHECK (t.luma_teeth > 0.3 && t.luma_teeth > t.luma_cavity + 0.15,
         "the teeth are bright against the cavity (%.3f over %.3f)",
         t.luma_teeth, t.luma_cavity);
  if (t.midline >= 0 && t.top_at_midline >= 0)
    {
      /* The opening at the midline, from the frame without teeth: rows
       * darker than 0.6 of the lips' luma… simpler: the interior's grid
       * strength ≥ 0.5, sampled down the column. */
      int gx = (int)(t.midline / k);
      int open_top = -1, open_bot = -1;
      for (int gy = b[1]; gy <= b[3]; gy++)
        if (mien_image_row (in, gy)[4 * (size_t)gx + 3] >= 0.5f)
          {
            open_top = open_top < 0 ? gy : open_top;
            open_bot = gy;
          }
      float mid = 0.5f * (float)(open_top + open_bot + 1) * k;
      printf ("opening at the midline: grid rows %d-%d; the teeth's top at "
              "frame row %d, the opening's middle %.0f\n", open_top, open_bot,
              t.top_at_midline, (double)mid);
      CHECK (open_top >= 0 && (float)t.top_at_midline < mid,
             "the upper row is in the opening's upper half");
    }

  /* Sized from the face, rigid with the upper jaw. */
  const char *spec[2] = { "25=2,26=3", "25=3,26=5" };
  int gaps[2][3];
  int found[2] = { 0, 0 };
  int bottom[2] = { -1, -1 };
  for (int i = 0; i < 2; i++)
    {
      mien_driving d;
      mien_driving_init (&d);
      CHECK (mien_driving_parse (&d, spec[i], &err) == MIEN_OK, "%s",
             err.message);
      mien_image *w = render (anim, rig, &d, 1, &in);
      mien_image *o = render (anim, rig, &d, 0, NULL);
      if (w && o && in)
        {
          int bi[4];
          painted_box (in, bi);
          if (bi[2] >= 0)
            {
              bottom[i] = (int)((bi[3] + 1) * k);
              int ax = (int)((bi[0] - 3) * k), ay = (int)((bi[1] - 3) * k);
              int bx = (int)((bi[2] + 4) * k), by = (int)((bi[3] + 4) * k);
              ax = ax < 0 ? 0 : ax, ay = ay < 0 ? 0 : ay;
              bx = bx > w->width ? w->width : bx;
              by = by > w->height ? w->height : by;
              teeth_pixels ti = find_teeth (w, o, ax, ay, bx, by);
              if (ti.midline >= 0 && ti.top_at_midline >= 0)
                found[i] = central_gaps (w, &ti, ax, bx, gaps[i]);
              printf ("%s: %d teeth pixels, midline %d, top %d\n", spec[i],
                      ti.n, ti.midline, ti.top_at_midline);
              free (ti.mask);
            }
        }
      CHECK (found[i], "%s: the central incisors' gaps are found", spec[i]);
      if (found[i])
        printf ("%s: gaps at %d %d %d (the opening's box ends at row %d)\n",
                spec[i], gaps[i][0], gaps[i][1], gaps[i][2], bottom[i]);
      mien_image_free (w);
      mien_image_free (o);
    }
  if (found[0] && found[1])
    {
      /* 8.5 mm on the arch, seen from the front: 22 sin(8.5/22) = 8.29. */
      float expect = 8.29f * px_mm;
      for (int i = 0; i < 2; i++)
        for (int s = 0; s < 2; s++)
          {
            float w = (float)(gaps[i][s + 1] - gaps[i][s]);
            CHECK (fabsf (w - expect) <= 0.2f * expect,
                   "%s: a central incisor %.0f pixels wide (%.1f expected)",
                   spec[i], (double)w, (double)expect);
          }
      int moved = 0;
      for (int s = 0; s < 3; s++)
        moved = abs (gaps[1][s] - gaps[0][s]) > moved
                    ? abs (gaps[1][s] - gaps[0][s])
                    : moved;
      printf ("the jaw opened further: the opening's bottom moved %d "
              "pixels, the central gaps at most %d\n", bottom[1] - bottom[0],
              moved);
      CHECK (moved <= 1 + (int)(0.5f * px_mm)
                 && bottom[1] - bottom[0] > 4 * moved + 8,
             "the teeth stay put while the jaw opens (%d pixels against "
             "%d)", moved, bottom[1] - bottom[0]);
    }

  /* The preview's level 1 shows the teeth the frame will. */
  {
    mien_level_size ls = mien_animator_get_level_size (anim, 1);
    float k1 = (float)ls.width / (float)MIEN_LOW_RES;
    mien_image *avg = mien_image_new (ls.width, ls.height, 3, &err);
    mien_image *lv[2] = { NULL, NULL };
    for (int way = 0; way < 2; way++)
      {
        if (way == 1)
          setenv ("MIEN_MOUTH_NO_TEETH", "1", 1);
        const mien_image *l = NULL;
        CHECK (mien_animator_render_preview (anim, rig, &c, 1, NULL, &l, &err)
                   == MIEN_OK,
               "%s", err.message);
        unsetenv ("MIEN_MOUTH_NO_TEETH");
        if (l)
          lv[way] = mien_image_copy (l, &err);
      }
    CHECK (avg && lv[0] && lv[1]
               && mien_downsample_area (with, avg, NULL, &err) == MIEN_OK,
           "level 1: %s", err.message);
    if (avg && lv[0] && lv[1])
      {
        double d[2] = { 0, 0 };
        int m = 0;
        for (int y = (int)(b[1] * k1); y < (int)((b[3] + 1) * k1); y++)
          for (int x = (int)(b[0] * k1); x < (int)((b[2] + 1) * k1); x++)
            for (int ch = 0; ch < 3; ch++, m++)
              {
                float a = mien_image_row (avg, y)[(size_t)x * 3 + ch];
                for (int way = 0; way < 2; way++)
                  d[way] += fabs (
                      mien_image_row (lv[way], y)[(size_t)x * 3 + ch] - a);
              }
        printf ("level 1 about the mouth, mean |level − frame "
                "area-averaged|: %.4f with teeth, %.4f without\n",
                d[0] / m, d[1] / m);
        CHECK (m > 0 && d[0] < 0.5 * d[1],
               "level 1 shows the frame's teeth (%.4f against %.4f)",
               d[0] / m, d[1] / m);
      }
    mien_image_free (avg);
    mien_image_free (lv[0]);
    mien_image_free (lv[1]);
  }

  /* The cost: the median of 9 surprised renders each way (printed only;
   * the figures in docs/BENCHMARKS.md). */
  {
    double ms[2][9];
    for (int i = 0; i < 9; i++)
      for (int way = 0; way < 2; way++)
        {
          struct timespec t0, t1;
          clock_gettime (CLOCK_MONOTONIC, &t0);
          mien_image *r = render (anim, rig, &c, way == 0, NULL);
          clock_gettime (CLOCK_MONOTONIC, &t1);
          mien_image_free (r);
          ms[way][i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3
                       + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
        }
    for (int way = 0; way < 2; way++)
      qsort (ms[way], 9, sizeof (double), mien_test_cmp_double);
    printf ("surprised crop frame, median of 9: %.1f ms with teeth, %.1f ms "
            "without\n", ms[0][4], ms[1][4]);
  }

  /* The process's switch (the app's preference, mien-render --no-teeth)
   * gives the frame without teeth, and back. */
  {
    mien_animator_set_teeth_enabled (0);
    mien_image *off = render (anim, rig, &c, 1, NULL);
    mien_animator_set_teeth_enabled (1);
    mien_image *on = render (anim, rig, &c, 1, NULL);
    CHECK (off && mien_test_images_equal (off, none),
           "switched off: the frame without teeth");
    CHECK (on && mien_test_images_equal (on, with),
           "switched on again: the frame with them");
    mien_image_free (off);
    mien_image_free (on);
  }

  /* Neutral: no opening, no teeth. */
  {
    mien_driving n;
    mien_driving_init (&n);
    mien_image *a = render (anim, rig, &n, 1, NULL);
    mien_image *z = render (anim, rig, &n, 0, NULL);
    CHECK (a && z && mien_test_images_equal (a, z),
           "neutral: the same with and without teeth");
    mien_image_free (a);
    mien_image_free (z);
  }
  free (t.mask);
out:
  mien_image_free (none);
  mien_image_free (with);
  mien_image_free (again);
  mien_animator_free (anim);
  mien_generator_free (rig);
}

/* sample6's face 2 at the photo's own size: a 485² crop, 3.8 frame pixels
 * a grid pixel, under the 6 from which the brows and the photo's own teeth
 * are drawn at the frame's resolution but over the interior's 3
 * (MIEN_MOUTH_INTERIOR_MIN_PIXELS, session 27): surprised shows teeth
 * there (the frame differs from the one without them, inside the painted
 * box only). Until session 27 this face got the grid's dark paint and no
 * teeth. Prints the cost against the grid's paint alone. */
static void
test_own_size (mien_image *photo, mien_face *face)
{
  mien_error err = { 0 };
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim && rig, "%s", err.message);
  if (anim && rig)
    {
      const mien_rect *cr = mien_animator_get_crop (anim);
      printf ("own size: crop %d², %.1f frame pixels a grid pixel\n",
              cr->width, (double)cr->width / MIEN_LOW_RES);
      mien_driving c;
      mien_driving_init (&c);
      mien_driving_add_preset (&c, MIEN_PRESET_SURPRISED, 1.0f);
      mien_image *with = render (anim, rig, &c, 1, NULL);
      mien_image *none = render (anim, rig, &c, 0, NULL);
      int differ = 0;
      if (with && none)
        for (int y = 0; y < with->height; y++)
          for (int x = 0; x < with->width; x++)
            differ += fabsf (mien_test_luma (with, x, y)
                             - mien_test_luma (none, x, y)) > 0.1f;
      printf ("own size: %d pixels brighter or darker by 0.1 with the "
              "teeth\n", differ);
      CHECK (with && none && differ > 20,
             "at 3.8 pixels a grid pixel the opened mouth shows teeth (%d "
             "pixels differ)", differ);
      double on, off;
      mien_test_median_ms (anim, rig, &c, "MIEN_MOUTH_GRID", &on, &off);
      printf ("own size: surprised crop frame, median of 9: %.1f ms with "
              "the interior at the frame's resolution, %.1f ms with the "
              "grid's paint\n", on, off);
      mien_image_free (with);
      mien_image_free (none);
    }
  mien_animator_free (anim);
  mien_generator_free (rig);
}

/* A photo whose mouth shows its own teeth gets none added. */
static void
test_open_photo (mien_image *photo, mien_face *face)
{
  mien_error err = { 0 };
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim && rig, "%s", err.message);
  if (anim && rig)
    {
      mien_driving c;
      mien_driving_init (&c);
      mien_driving_add_preset (&c, MIEN_PRESET_VISEME_A, 1.0f);
      const mien_image *in = NULL;
      mien_image *a = render (anim, rig, &c, 1, &in);
      int b[4] = { 0, 0, -1, -1 };
      if (in)
        painted_box (in, b);
      mien_image *z = render (anim, rig, &c, 0, NULL);
      CHECK (b[2] >= 0, "the astronaut's viseme A paints an interior");
      CHECK (a && z && mien_test_images_equal (a, z),
             "a photo showing its own teeth: the same with and without");
      mien_image_free (a);
      mien_image_free (z);
    }
  mien_animator_free (anim);
  mien_generator_free (rig);
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  unsetenv ("MIEN_MOUTH_FLAT");
  unsetenv ("MIEN_MOUTH_GRID");
  unsetenv ("MIEN_MOUTH_NO_TEETH");
  mien_image *s6 = mien_test_sample_photo (root, "sample6");
  mien_image *astro = mien_test_sample_photo (root, "astronaut");
  if (s6 == NULL || astro == NULL)
    {
      printf ("SKIP: data/samples missing (scripts/setup.sh)\n");
      mien_image_free (s6);
      mien_image_free (astro);
      return 77;
    }
  mien_face face;
  /* sample6's face 2: lips closed (its inner lips 0.044 inter-ocular
   * distances apart by the landmarks, no opening by colour). */
  if (mien_test_load_face (root, "sample6", 2, &face))
    {
      mien_image *big = mien_test_enlarge (s6, &face, 2);
      float ex = 0, ey = 0, fx = 0, fy = 0;
      for (int i = 0; i < 6; i++)
        ex += face.landmarks[36 + i].x / 6, ey += face.landmarks[36 + i].y / 6,
            fx += face.landmarks[42 + i].x / 6,
            fy += face.landmarks[42 + i].y / 6;
      if (big)
        test_closed_mouth (big, &face, hypotf (fx - ex, fy - ey));
      mien_image_free (big);
      if (mien_test_load_face (root, "sample6", 2, &face)) /* unenlarged */
        test_own_size (s6, &face);
    }
  if (mien_test_load_face (root, "astronaut", 0, &face))
    {
      mien_image *big = mien_test_enlarge (astro, &face, 8);
      if (big)
        test_open_photo (big, &face);
      mien_image_free (big);
    }
  mien_image_free (s6);
  mien_image_free (astro);
  return mien_test_exit_code ();
}
