/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The mouth interior at the frame's resolution (engine/mien-animator-mouth.c,
 * issue #26), on the astronaut (data/samples; skips without it) enlarged
 * 8× to 4096² with its landmarks, so that the face's crop has 13 frame
 * pixels a grid pixel, and at its own 512², where it has 1.7:
 *  - at 4096², viseme A (the mouth opened) rendered with the interior
 *    painted at the frame's resolution and with the grid's paint alone
 *    (MIEN_MOUTH_GRID=1, the frame before this change):
 *      · beyond the painted cells' box grown by 3 grid pixels, the two
 *        frames are the same bit for bit;
 *      · inside the opening (grid strength ≥ 0.95, away from its edge)
 *        the colour is the rig's paint colour within 0.03, and the
 *        streaks are gone: the mean |horizontal step| there is at most
 *        half the grid paint's (the stretched lip junction's residual);
 *      · the edge is sharper: across the opening's lower edge the frame
 *        goes from 10 % to 90 % of its step in fewer pixels than with
 *        the grid's paint (these three measured on the paint without its
 *        depth shading, MIEN_MOUTH_FLAT=1);
 *      · the depth shading: the core's top third darker than its middle
 *        (by 5 % of the luma or more), its bottom third redder (the
 *        tongue, by 5 % or more), and no seam between columns (the
 *        largest horizontal second difference under half an 8-bit
 *        level);
 *      · rendering again gives the same frame (the grain is
 *        deterministic), and the preview at level 0 over a region is the
 *        crop's frame there bit for bit;
 *      · the preview at level 2 (3.3 of its pixels a grid pixel) has the
 *        frame's paint too: about the mouth it is nearer the full frame
 *        area-averaged to it than the grid's paint at that level is (by
 *        more than half), so the mouth keeps its look on a slider's
 *        release;
 *  - at 512² the two frames are the same bit for bit (too few pixels a
 *    grid pixel for the change to show: the grid's paint stands);
 *  - the astronaut shows its own teeth, which an opened mouth redraws
 *    rigid over this paint (mien-animator-own-teeth.c, its own test
 *    own-teeth): here they are left as the field stretches them
 *    (MIEN_OWN_TEETH_STRETCH=1), so that the paint itself is measured;
 *  - neutral (nothing painted): the two are the same bit for bit;
 *  - at 4096², the mouth opened with the head turned (yaw 8°, pitch 4°,
 *    roll −2°): no pixel is over a quarter of the range brighter than
 *    with the grid's paint (the record of the paint moves with the turn);
 *  - at 4096², a generator painting a dark disc with a weak hole in it
 *    gives the frame of the disc without the hole (the paint's strength
 *    closed over 3×3 grid pixels), where the grid's paint shows the photo
 *    through the hole. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien-test-image.h"

#define SCALE 8

/* grid_only: 1 the grid's paint (MIEN_MOUTH_GRID=1), 2 the paint at the
 * frame's resolution without its depth shading (MIEN_MOUTH_FLAT=1), 0 as
 * the app renders. */
static mien_image *
render (mien_animator *anim, mien_generator *rig, const mien_driving *c,
        int grid_only, const mien_image **interior)
{
  mien_error err = { 0 };
  if (grid_only == 1)
    setenv ("MIEN_MOUTH_GRID", "1", 1);
  else
    unsetenv ("MIEN_MOUTH_GRID");
  if (grid_only == 2)
    setenv ("MIEN_MOUTH_FLAT", "1", 1);
  else
    unsetenv ("MIEN_MOUTH_FLAT");
  const mien_image *crop = NULL;
  const mien_generator_output *g = NULL;
  CHECK (mien_animator_render_crop (anim, rig, c, &crop, &g, &err) == MIEN_OK,
         "%s", err.message);
  unsetenv ("MIEN_MOUTH_GRID");
  unsetenv ("MIEN_MOUTH_FLAT");
  if (interior)
    *interior = g ? g->interior : NULL;
  return crop ? mien_image_copy (crop, &err) : NULL;
}

/* Pixels from 10 % to 90 % of the step down a column from y0 to y1. */
static int
edge_width (const mien_image *im, int x, int y0, int y1)
{
  float a = mien_test_luma (im, x, y0), b = mien_test_luma (im, x, y1);
  int first = -1, last = -1;
  for (int y = y0; y <= y1; y++)
    {
      float t = (mien_test_luma (im, x, y) - a) / (b - a);
      if (first < 0 && t >= 0.1f)
        first = y;
      if (last < 0 && t >= 0.9f)
        last = y;
    }
  return first >= 0 && last >= 0 ? last - first + 1 : y1 - y0 + 1;
}

static void
test_large (mien_image *photo, mien_face *face)
{
  mien_error err = { 0 };
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim != NULL, "%s", err.message);
  if (!anim)
    return;
  const mien_rect *cr = mien_animator_get_crop (anim);
  float k = (float)cr->width / (float)MIEN_LOW_RES;
  printf ("crop %d² at 4096²: %.1f frame pixels a grid pixel\n", cr->width,
          (double)k);
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_VISEME_A, 1.0f);
  const mien_image *in = NULL;
  mien_image *grid = render (anim, rig, &c, 1, NULL);
  mien_image *hd = render (anim, rig, &c, 0, &in);
  mien_image *again = render (anim, rig, &c, 0, NULL);
  mien_image *flat = render (anim, rig, &c, 2, NULL);
  CHECK (grid && hd && again && in && flat, "renders");
  if (!grid || !hd || !again || !in || !flat)
    goto out;
  CHECK (mien_test_images_equal (hd, again), "a render again is the same");

  /* The painted cells, and the opening's core. */
  int g0x = in->width, g0y = in->height, g1x = -1, g1y = -1;
  for (int y = 0; y < in->height; y++)
    for (int x = 0; x < in->width; x++)
      if (mien_image_row (in, y)[4 * (size_t)x + 3] > 1e-3f)
        g0x = x < g0x ? x : g0x, g1x = x > g1x ? x : g1x,
        g0y = y < g0y ? y : g0y, g1y = y > g1y ? y : g1y;
  CHECK (g1x >= 0, "viseme A paints an interior");
  if (g1x < 0)
    goto out;
  printf ("painted cells: x %d-%d, y %d-%d\n", g0x, g1x, g0y, g1y);
  CHECK (mien_test_same_outside (hd, grid, (int)((g0x - 3) * k), (int)((g0y - 3) * k),
                       (int)((g1x + 4) * k), (int)((g1y + 4) * k)),
         "beyond the painted box (+3 grid pixels) the frames are the same");

  /* The paint itself (its colour, streaks and edge) is measured without
   * the depth shading; the shading is measured below. */
  double steps_hd = 0, steps_grid = 0, colour_err = 0;
  double curv_max = 0;
  double luma_third[3] = { 0, 0, 0 }, red_third[3] = { 0, 0, 0 };
  int n_third[3] = { 0, 0, 0 };
  int n = 0;
  /* The core's rows (first pass), for its thirds. */
  int core_y0 = hd->height, core_y1 = -1;
  for (int pass = 0; pass < 2; pass++)
    {
      for (int gy = g0y + 1; gy < g1y; gy++)
        for (int gx = g0x + 1; gx < g1x; gx++)
          {
            int core = 1;
            for (int dy = -1; dy <= 1 && core; dy++)
              for (int dx = -1; dx <= 1 && core; dx++)
                core = mien_image_row (in, gy + dy)[4 * (size_t)(gx + dx) + 3]
                       >= 0.95f;
            if (!core)
              continue;
            const float *q = mien_image_row (in, gy) + 4 * (size_t)gx;
            for (int y = (int)(gy * k); y < (int)((gy + 1) * k); y++)
              for (int x = (int)(gx * k); x < (int)((gx + 1) * k); x++)
                {
                  if (pass == 0)
                    {
                      core_y0 = y < core_y0 ? y : core_y0;
                      core_y1 = y > core_y1 ? y : core_y1;
                      continue;
                    }
                  const float *p = mien_image_row (flat, y) + (size_t)x * 3;
                  for (int ch = 0; ch < 3; ch++)
                    colour_err += fabs (p[ch] - q[ch]) / 3.0;
                  steps_hd += fabs (mien_test_luma (flat, x + 1, y) - mien_test_luma (flat, x, y));
                  steps_grid += fabs (mien_test_luma (grid, x + 1, y) - mien_test_luma (grid, x, y));
                  double curv = fabs (mien_test_luma (hd, x + 1, y) - 2 * mien_test_luma (hd, x, y)
                                      + mien_test_luma (hd, x - 1, y));
                  curv_max = curv > curv_max ? curv : curv_max;
                  /* Thirds of the core's rows. */
                  int third = (int)(3.0 * (y - core_y0)
                                    / (double)(core_y1 - core_y0 + 1));
                  third = third < 0 ? 0 : third > 2 ? 2 : third;
                  luma_third[third] += mien_test_luma (hd, x, y);
                  red_third[third] += mien_image_row (hd, y)[(size_t)x * 3];
                  n_third[third]++;
                  n++;
                }
          }
    }

  CHECK (n > 100, "the opening has a core (%d pixels)", n);
  if (n > 0)
    {
      printf ("opening's core, %d pixels: colour off the paint by %.4f; mean "
              "|horizontal step| %.5f (grid paint %.5f)\n", n,
              colour_err / n, steps_hd / n, steps_grid / n);
      CHECK (colour_err / n <= 0.03, "the core is the paint's colour (%.4f)",
             colour_err / n);
      CHECK (steps_hd <= 0.5 * steps_grid, "no streaks: %.5f against %.5f",
             steps_hd / n, steps_grid / n);
      /* The depth shading: the top darker than the middle (the upper lip's
       * shadow), the bottom redder (the tongue), and smooth across the
       * columns. */
      for (int t = 0; t < 3; t++)
        if (n_third[t] > 0)
          luma_third[t] /= n_third[t], red_third[t] /= n_third[t];
      printf ("depth shading, core thirds top/middle/bottom: luma %.4f / "
              "%.4f / %.4f, red %.4f / %.4f / %.4f; largest |horizontal "
              "second difference| %.5f\n", luma_third[0], luma_third[1],
              luma_third[2], red_third[0], red_third[1], red_third[2],
              curv_max);
      CHECK (n_third[0] > 0 && n_third[1] > 0 && n_third[2] > 0,
             "the core spans the opening's height");
      CHECK (luma_third[0] < 0.95 * luma_third[1],
             "the top is in the upper lip's shadow");
      CHECK (red_third[2] > 1.05 * red_third[1], "the tongue shows below");
      /* The astronaut enlarged 8× has next to no grain: a seam of the
       * shading between columns would show as a second difference of an
       * 8-bit level or more. */
      CHECK (curv_max <= 0.5 / 255.0, "the shading is smooth (%.5f)",
             curv_max);
    }

  /* The opening's lower edge, down the middle columns. */
  int gmid = (g0x + g1x) / 2;
  int wide_hd = 0, wide_grid = 0;
  for (int x = (int)((gmid - 1) * k); x < (int)((gmid + 2) * k); x++)
    {
      int ya = (int)((g1y - 2) * k), yb = (int)((g1y + 3) * k);
      yb = yb >= hd->height ? hd->height - 1 : yb;
      wide_hd += edge_width (flat, x, ya, yb);
      wide_grid += edge_width (grid, x, ya, yb);
    }
  printf ("lower edge, 10-90 %%: %.1f pixels (grid paint %.1f)\n",
          wide_hd / (3.0 * k), wide_grid / (3.0 * k));
  CHECK (wide_hd < wide_grid, "the edge is sharper (%d against %d)", wide_hd,
         wide_grid);

  /* The preview at level 0 over a region about the mouth is the crop's
   * frame there. */
  mien_rect region = { (int)((g0x - 4) * k), (int)((g0y - 4) * k),
                       (int)((g1x - g0x + 8) * k), (int)((g1y - g0y + 8) * k) };
  const mien_image *level = NULL;
  CHECK (mien_animator_render_preview (anim, rig, &c, 0, &region, &level, &err)
         == MIEN_OK, "%s", err.message);
  int same = level != NULL;
  for (int y = region.y; same && y < region.y + region.height; y++)
    same = memcmp (mien_image_row (level, y) + (size_t)region.x * 3,
                   mien_image_row (hd, y) + (size_t)region.x * 3,
                   sizeof (float) * 3 * (size_t)region.width) == 0;
  CHECK (same, "the preview's level 0 is the frame in its region");

  /* A coarse preview level (under 6 of its pixels a grid pixel) of this
   * large face gets the same paint as the full frame, so the mouth keeps
   * its look when the slider's release refines the preview: about the
   * mouth, level 2 is nearer the full frame area-averaged to it than the
   * grid's paint at that level is. */
  {
    mien_level_size ls = mien_animator_get_level_size (anim, 2);
    float k2 = (float)ls.width / (float)MIEN_LOW_RES;
    mien_image *avg = mien_image_new (ls.width, ls.height, 3, &err);
    mien_image *lv_hd = NULL, *lv_grid = NULL;
    for (int way = 0; way < 2; way++)
      {
        if (way == 1)
          setenv ("MIEN_MOUTH_GRID", "1", 1);
        const mien_image *lv = NULL;
        CHECK (mien_animator_render_preview (anim, rig, &c, 2, NULL, &lv, &err)
               == MIEN_OK, "%s", err.message);
        unsetenv ("MIEN_MOUTH_GRID");
        if (lv)
          *(way ? &lv_grid : &lv_hd) = mien_image_copy (lv, &err);
      }
    CHECK (avg && lv_hd && lv_grid
           && mien_downsample_area (hd, avg, NULL, &err) == MIEN_OK,
           "level 2: %s", err.message);
    if (avg && lv_hd && lv_grid)
      {
        double d_hd = 0, d_grid = 0;
        int m = 0;
        for (int y = (int)(g0y * k2); y < (int)((g1y + 1) * k2); y++)
          for (int x = (int)(g0x * k2); x < (int)((g1x + 1) * k2); x++)
            for (int ch = 0; ch < 3; ch++, m++)
              {
                float a = mien_image_row (avg, y)[(size_t)x * 3 + ch];
                d_hd += fabs (mien_image_row (lv_hd, y)[(size_t)x * 3 + ch] - a);
                d_grid += fabs (mien_image_row (lv_grid, y)[(size_t)x * 3 + ch] - a);
              }
        printf ("level 2 (%.1f pixels a grid pixel) about the mouth, mean "
                "|level − full frame area-averaged|: %.4f with the frame's "
                "paint, %.4f with the grid's\n", (double)k2, d_hd / m,
                d_grid / m);
        CHECK (m > 0 && d_hd < 0.5 * d_grid, "level 2 has the frame's paint "
               "(%.4f against %.4f)", d_hd / m, d_grid / m);
      }
    mien_image_free (avg);
    mien_image_free (lv_hd);
    mien_image_free (lv_grid);
  }

  /* The cost: the median of 9 renders each way (printed only; the
   * figures in docs/BENCHMARKS.md). */
  double t[2][9];
  for (int i = 0; i < 9; i++)
    for (int way = 0; way < 2; way++)
      {
        struct timespec a0, a1;
        clock_gettime (CLOCK_MONOTONIC, &a0);
        mien_image *f = render (anim, rig, &c, way, NULL);
        clock_gettime (CLOCK_MONOTONIC, &a1);
        mien_image_free (f);
        t[way][i] = (double)(a1.tv_sec - a0.tv_sec) * 1e3
                    + (double)(a1.tv_nsec - a0.tv_nsec) * 1e-6;
      }
  qsort (t[0], 9, sizeof (double), mien_test_cmp_double);
  qsort (t[1], 9, sizeof (double), mien_test_cmp_double);
  printf ("render_crop at 4096², viseme A: median %.1f ms with the interior "
          "at the frame's resolution, %.1f ms with the grid's paint (9 "
          "each, interleaved)\n", t[0][4], t[1][4]);

  /* Nothing painted: the same frame either way. */
  mien_driving neutral;
  mien_driving_init (&neutral);
  mien_driving_add_preset (&neutral, MIEN_PRESET_HAPPY, 1.0f);
  mien_image *a = render (anim, rig, &neutral, 1, &in);
  int painted = 0;
  for (size_t i = 0; in && i < (size_t)in->width * in->height; i++)
    painted |= in->data[4 * i + 3] > 1e-3f;
  mien_image *b = render (anim, rig, &neutral, 0, NULL);
  if (!painted)
    CHECK (a && b && mien_test_images_equal (a, b),
           "happy (no interior): the same frame either way");
  else
    printf ("happy paints an interior here: not compared\n");
  mien_image_free (a);
  mien_image_free (b);
out:
  mien_image_free (grid);
  mien_image_free (hd);
  mien_image_free (again);
  mien_image_free (flat);
  mien_animator_free (anim);
  mien_generator_free (rig);
}

/* A generator that paints only a dark disc of interior about the inner
 * lips' centre (radius DISC grid pixels), optionally with a hole of
 * strength 0.2, 2 × 2 grid pixels, at its centre, as the rig leaves over
 * the photo's own teeth on a laughing photo (holes of 1–2 grid pixels);
 * no motion, O^r = I elsewhere. */
#define DISC 6.0f
typedef struct disc_gen {
  mien_generator parent;
  int hole;
} disc_gen;

static const float disc_colour[3] = { 0.12f, 0.04f, 0.05f };

static mien_status
disc_generate (mien_generator *gen, const mien_image *in,
               const mien_driving *c, const mien_point lm[MIEN_N_LANDMARKS],
               mien_generator_output *out, mien_pool *pool, mien_error *err)
{
  (void)c, (void)pool, (void)err;
  int hole = ((disc_gen *)gen)->hole;
  float cx = 0.0f, cy = 0.0f;
  for (int k = 60; k < 68; k++)
    cx += lm[k].x / 8.0f, cy += lm[k].y / 8.0f;
  memset (out->field->data, 0,
          sizeof (float) * mien_image_n_floats (out->field));
  memcpy (out->warped->data, in->data,
          sizeof (float) * mien_image_n_floats (in));
  memcpy (out->refined->data, in->data,
          sizeof (float) * mien_image_n_floats (in));
  for (int y = 0; y < in->height; y++)
    for (int x = 0; x < in->width; x++)
      {
        float d = hypotf ((float)x - cx, (float)y - cy);
        float a = d <= DISC ? 1.0f : 0.0f;
        if (hole && (x == (int)cx || x == (int)cx + 1)
            && (y == (int)cy || y == (int)cy + 1))
          a = 0.2f;
        if (a == 0.0f)
          continue;
        size_t i = (size_t)y * in->width + x;
        float *q = out->interior->data + 4 * i;
        float *o = out->refined->data + (size_t)in->channels * i;
        for (int ch = 0; ch < 3; ch++)
          {
            q[ch] = disc_colour[ch];
            o[ch] = (1 - a) * o[ch] + a * disc_colour[ch];
          }
        q[3] = a;
      }
  return MIEN_OK;
}

static const mien_generator_class disc_class = { "disc", disc_generate, NULL };

/* A hole in the rig's paint (sample1's laughing face at 4K: strengths of
 * 0.2–0.3 amid 1.0 over the photo's stretched teeth) is painted as if it
 * were not there: the paint's strength is closed over 3×3 grid pixels
 * before it is laid on the frame, so the disc with a hole gives the frame
 * of the disc without one, and none of the photo's lips shows through. */
static void
test_hole (mien_image *photo, mien_face *face)
{
  mien_error err = { 0 };
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim != NULL, "%s", err.message);
  if (!anim)
    return;
  mien_driving c;
  mien_driving_init (&c);
  disc_gen whole = { { &disc_class }, 0 }, holed = { { &disc_class }, 1 };
  mien_image *a = render (anim, &whole.parent, &c, 0, NULL);
  mien_image *b = render (anim, &holed.parent, &c, 0, NULL);
  mien_image *g = render (anim, &holed.parent, &c, 1, NULL);
  CHECK (a && b && g, "renders");
  if (a && b && g)
    {
      float d = mien_image_max_abs_diff (a, b);
      printf ("a hole in the paint: %.2g from the frame without it (the "
              "grid's paint: %.2g)\n", (double)d,
              (double)mien_image_max_abs_diff (a, g));
      CHECK (d <= 1e-5f, "the hole is painted over: %g from the whole disc",
             (double)d);
      /* The grid's own paint (the frame before) shows the photo there. */
      CHECK (mien_image_max_abs_diff (a, g) > 0.1f,
             "the grid's paint shows the hole (the check can fail)");
    }
  mien_image_free (a);
  mien_image_free (b);
  mien_image_free (g);
  mien_animator_free (anim);
}

/* The frame with the grid's paint and with the paint at the frame's
 * resolution, for c on a new animator of photo's face; NULL, NULL where
 * the animator cannot be made. */
static void
render_both (mien_image *photo, mien_face *face, const mien_driving *c,
             mien_image **grid, mien_image **hd)
{
  mien_error err = { 0 };
  *grid = *hd = NULL;
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim != NULL, "%s", err.message);
  if (anim)
    {
      *grid = render (anim, rig, c, 1, NULL);
      *hd = render (anim, rig, c, 0, NULL);
      mien_animator_free (anim);
    }
  mien_generator_free (rig);
}

static void
test_small (mien_image *photo, mien_face *face)
{
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_VISEME_A, 1.0f);
  mien_image *grid, *hd;
  render_both (photo, face, &c, &grid, &hd);
  CHECK (grid && hd && mien_test_images_equal (grid, hd),
         "at 512² the grid's paint stands");
  mien_image_free (grid);
  mien_image_free (hd);
}

/* The head turned while the mouth opens (a driven clip's every frame):
 * the rig's pose moves O^r's paint with the turn, and the record of that
 * paint (mien_generator_output.interior), from which the animator takes
 * the paint off O^r again, must move with it. Left behind (until session
 * 27), it named pixels the paint had left, the recovery
 * u = (O^r − a·colour) / (1 − a) turned their lip colour white, and a
 * white patch sat on the lower lip (704 pixels more than 64 levels
 * brighter than the grid's paint at 2048²). Here: no pixel of the frame
 * painted at the frame's resolution is more than a quarter of the range
 * brighter than the grid's paint. */
static void
test_pose (mien_image *photo, mien_face *face)
{
  mien_driving c;
  mien_driving_init (&c);
  c.values[MIEN_AU25] = 3.0f, c.values[MIEN_AU26] = 2.0f;
  c.values[MIEN_HEAD_YAW] = 8.0f, c.values[MIEN_HEAD_PITCH] = 4.0f;
  c.values[MIEN_HEAD_ROLL] = -2.0f;
  mien_image *grid, *hd;
  render_both (photo, face, &c, &grid, &hd);
  int brighter = 0;
  float worst = 0.0f;
  if (grid && hd)
    for (int y = 0; y < hd->height; y++)
      for (int x = 0; x < hd->width; x++)
        {
          float d = mien_test_luma (hd, x, y) - mien_test_luma (grid, x, y);
          worst = fmaxf (worst, d);
          brighter += d > 0.25f;
        }
  printf ("turned head, mouth opened: %d pixels over 0.25 brighter than "
          "the grid's paint (most %.3f)\n", brighter, (double)worst);
  CHECK (grid && hd && brighter == 0,
         "with the head turned, the paint at the frame's resolution leaves "
         "no white patch (%d pixels)", brighter);
  mien_image_free (grid);
  mien_image_free (hd);
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  setenv ("MIEN_OWN_TEETH_STRETCH", "1", 1);
  mien_image *photo = mien_test_sample_photo (root, "astronaut");
  if (photo == NULL)
    {
      printf ("SKIP: data/samples/astronaut.png missing (scripts/setup.sh)\n");
      return 77;
    }
  mien_error err = { 0 };
  char path[4096];
  mien_landmark_file lf = { 0 };
  snprintf (path, sizeof path, "%s/tests/data/landmarks/astronaut.json", root);
  CHECK (mien_landmark_file_load (path, &lf, &err) == MIEN_OK, "%s",
         err.message);
  if (lf.n_faces < 1)
    {
      mien_image_free (photo);
      return mien_test_exit_code ();
    }
  test_small (photo, &lf.faces[0]);

  mien_face face = lf.faces[0];
  mien_image *big = mien_test_enlarge (photo, &face, SCALE);
  if (big)
    {
      test_large (big, &face);
      test_hole (big, &face);
      test_pose (big, &face);
    }
  mien_image_free (big);
  mien_image_free (photo);
  mien_landmark_file_clear (&lf);
  return mien_test_exit_code ();
}
