/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The skin's shading at the frame's resolution (engine/mien-animator-
 * shade.c, issue #26 "creases with the photo's own texture"), on sample3's
 * largest face (data/samples; skips without it), at its own size and
 * enlarged 2× with a fine texture added (a skin with pores to deepen):
 *  - angry (frown furrows, the lowered brows' shadow, the nasolabial
 *    folds) and raised brows (AU1 + AU2 = 5, the forehead lines): beyond
 *    the shaded cells' box grown by 5 grid pixels (the cubic's reach and
 *    ResWarp's) the frame is the grid-shaded one's (MIEN_SHADE_GRID=1) bit
 *    for bit; inside it the mean luma is the grid's within 0.4 % (the
 *    shading is as dark, only placed at the frame's resolution);
 *  - no invented detail: over the shaded box, the frame's finest band
 *    (luma minus its 5-tap binomial blur) has at most 1.15 times the
 *    energy of the same frame without the shading (a wrapper of the rig
 *    that divides it out); the rig's forehead lines drawn as thin as
 *    before (σ half a grid pixel) gave 1.24;
 *  - the texture is darkened and deepened, not painted over: the textured
 *    photo's frame minus the plain photo's leaves the texture as the frame
 *    shows it; where the grid's factor darkens by over 5 %, its dark
 *    detail (10th percentile) is at least as deep as under the grid's
 *    shading, which kept the texture as it was, and its bright detail
 *    (90th) dimmer, as a shadow dims it;
 *  - the preview's level 1 shows the frame's shading: about the shaded box
 *    it is within 1 level (1/255) on average of the full frame
 *    area-averaged to it;
 *  - turned (yaw 15°) and angry: the shading moves with the head, and the
 *    mean luma inside the box is still the grid's within 0.4 %;
 *  - neutral: the generator shades nothing (all factors 1) and the frame
 *    is the grid one's bit for bit. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mien-animator.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien-test-image.h"

/* The rig without its skin's shading: the same field and paint, O^r
 * divided by the shading's factors and the factors all 1 (a generator
 * that shades nothing), for the shading's own share of the frame. */
typedef struct unshaded {
  mien_generator parent;
  mien_generator *rig;
} unshaded;

static mien_status
unshaded_generate (mien_generator *gen, const mien_image *input,
                   const mien_driving *c,
                   const mien_point landmarks[MIEN_N_LANDMARKS],
                   mien_generator_output *out, mien_pool *pool,
                   mien_error *err)
{
  unshaded *u = (unshaded *)gen;
  mien_status st = mien_generator_generate (u->rig, input, c, landmarks, out,
                                            pool, err);
  if (st != MIEN_OK || !out->shade)
    return st;
  size_t n = (size_t)out->shade->width * out->shade->height;
  for (size_t i = 0; i < n; i++)
    for (int ch = 0; ch < 3; ch++)
      {
        out->refined->data[3 * i + ch] /= out->shade->data[3 * i + ch];
        out->shade->data[3 * i + ch] = 1.0f;
      }
  return MIEN_OK;
}

static const mien_generator_class unshaded_class = {
  .name = "rig without shading",
  .generate = unshaded_generate,
};

static mien_image *
render (mien_animator *anim, mien_generator *rig, const mien_driving *c,
        int grid, mien_image **shade)
{
  const mien_generator_output *g = NULL;
  mien_image *frame = mien_test_render_crop (anim, rig, c,
                                             grid ? "MIEN_SHADE_GRID" : NULL,
                                             &g);
  if (shade)
    *shade = g && g->shade ? mien_image_copy (g->shade, NULL) : NULL;
  return frame;
}

/* The cells whose factor departs from 1 (x0, y0, x1, y1; x1 < 0: none). */
static void
shaded_box (const mien_image *sh, int b[4])
{
  b[0] = sh->width, b[1] = sh->height, b[2] = -1, b[3] = -1;
  for (int y = 0; y < sh->height; y++)
    for (int x = 0; x < sh->width; x++)
      for (int c = 0; c < 3; c++)
        if (fabsf (mien_image_row (sh, y)[3 * (size_t)x + c] - 1.0f) > 1e-6f)
          {
            b[0] = x < b[0] ? x : b[0], b[2] = x > b[2] ? x : b[2];
            b[1] = y < b[1] ? y : b[1], b[3] = y > b[3] ? y : b[3];
          }
}

/* The finest band of im's luma (minus its 5-tap binomial blur) over the
 * pixel box [x0, x1) × [y0, y1), which must lie 2 pixels inside im. */
static float *
finest_band (const mien_image *im, int x0, int y0, int x1, int y1)
{
  static const float w[5] = { 1 / 16.f, 4 / 16.f, 6 / 16.f, 4 / 16.f, 1 / 16.f };
  int bw = x1 - x0, bh = y1 - y0;
  float *band = malloc (sizeof (float) * (size_t)bw * bh);
  for (int y = y0; band && y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        float blur = 0.0f;
        for (int j = -2; j <= 2; j++)
          for (int i = -2; i <= 2; i++)
            blur += w[i + 2] * w[j + 2] * mien_test_luma (im, x + i, y + j);
        band[(size_t)(y - y0) * bw + (x - x0)] = mien_test_luma (im, x, y) - blur;
      }
  return band;
}

static double
mean_luma (const mien_image *im, int x0, int y0, int x1, int y1)
{
  double s = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      s += mien_test_luma (im, x, y);
  return s / ((double)(x1 - x0) * (y1 - y0));
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

static float
percentile (float *v, int n, float p)
{
  qsort (v, (size_t)n, sizeof *v, cmp_float);
  return v[(int)(p * (float)(n - 1))];
}

/* One photo, one expression: the checks of the header. textured: the
 * photo has a fine texture (the deepening check). Returns the shaded
 * pixel box through b (for the preview check), 0 when nothing ran. */
static int
check_case (mien_animator *anim, const mien_image *photo,
            mien_generator *rig, const mien_driving *c, const char *name,
            int textured, int pb[4])
{
  const mien_rect *cr = mien_animator_get_crop (anim);
  float k = (float)cr->width / (float)MIEN_LOW_RES;
  mien_image *shade = NULL;
  mien_image *frame = render (anim, rig, c, 0, &shade);
  mien_image *grid = render (anim, rig, c, 1, NULL);
  mien_image *again = render (anim, rig, c, 0, NULL);
  int ok = frame && grid && again && shade;
  CHECK (ok, "%s: renders", name);
  int b[4] = { 0, 0, -1, -1 };
  if (ok)
    shaded_box (shade, b);
  CHECK (b[2] >= 0, "%s: the rig shades the skin", name);
  if (!ok || b[2] < 0)
    {
      mien_image_free (frame), mien_image_free (grid);
      mien_image_free (again), mien_image_free (shade);
      return 0;
    }
  CHECK (mien_test_images_equal (frame, again), "%s: a render again is the "
         "same", name);
  /* Beyond the box grown by 5 cells: the grid frame's. */
  int x0 = (int)((b[0] - 5) * k), y0 = (int)((b[1] - 5) * k);
  int x1 = (int)((b[2] + 6) * k), y1 = (int)((b[3] + 6) * k);
  x0 = x0 < 2 ? 2 : x0, y0 = y0 < 2 ? 2 : y0;
  x1 = x1 > frame->width - 2 ? frame->width - 2 : x1;
  y1 = y1 > frame->height - 2 ? frame->height - 2 : y1;
  CHECK (mien_test_same_outside (frame, grid, x0, y0, x1, y1),
         "%s: beyond the shaded box (+5 grid pixels) the frame is the grid "
         "shading's", name);
  /* As dark as the grid's, over the shaded cells' own box. */
  int sx0 = (int)(b[0] * k), sy0 = (int)(b[1] * k);
  int sx1 = (int)((b[2] + 1) * k), sy1 = (int)((b[3] + 1) * k);
  sx0 = sx0 < 2 ? 2 : sx0, sy0 = sy0 < 2 ? 2 : sy0;
  sx1 = sx1 > frame->width - 2 ? frame->width - 2 : sx1;
  sy1 = sy1 > frame->height - 2 ? frame->height - 2 : sy1;
  double lf = mean_luma (frame, sx0, sy0, sx1, sy1);
  double lg = mean_luma (grid, sx0, sy0, sx1, sy1);
  printf ("%s: shaded cells %d-%d × %d-%d; mean luma %.4f (grid's %.4f)\n",
          name, b[0], b[2], b[1], b[3], lf, lg);
  CHECK (fabs (lf - lg) <= 0.004 * lg,
         "%s: as dark as the grid's shading (%.4f against %.4f)", name, lf,
         lg);
  /* Finest-band energy over the box. */
  int bw = sx1 - sx0, bh = sy1 - sy0, n = bw * bh;
  float *bf = finest_band (frame, sx0, sy0, sx1, sy1);
  float *bg = finest_band (grid, sx0, sy0, sx1, sy1);
  CHECK (bf && bg, "bands");
  if (bf && bg)
    {
      double ef = 0, eg = 0;
      for (int i = 0; i < n; i++)
        ef += (double)bf[i] * bf[i], eg += (double)bg[i] * bg[i];
      printf ("%s: finest-band energy over the box %.3g (grid's %.3g)\n",
              name, ef / n, eg / n);
      /* Against the same frame without the shading (the field's own
       * change of the fine detail left out). */
      unshaded u = { { &unshaded_class }, rig };
      mien_image *plain = render (anim, &u.parent, c, 0, NULL);
      float *bp = plain ? finest_band (plain, sx0, sy0, sx1, sy1) : NULL;
      double ep = 0;
      for (int i = 0; bp && i < n; i++)
        ep += (double)bp[i] * bp[i];
      printf ("%s: fine detail over the box %.3f times the unshaded frame's "
              "(the grid shading's %.3f)\n", name, ef / ep, eg / ep);
      CHECK (bp && ef <= 1.15 * ep, "%s: no invented detail over the "
             "shaded box (%.3g, unshaded %.3g)", name, ef / n, ep / n);
      free (bp);
      mien_image_free (plain);
    }
  free (bf), free (bg);
  if (pb)
    pb[0] = b[0], pb[1] = b[1], pb[2] = b[2], pb[3] = b[3];
  mien_image_free (frame), mien_image_free (grid);
  mien_image_free (again), mien_image_free (shade);
  return 1;
}

/* The texture in the shadow: the textured photo's frame minus the plain
 * photo's (the same field: the landmarks are given), in each shading,
 * leaves the texture as each frame shows it. Where the grid's factor
 * darkens by over 10 %, the frame's dark detail (its 10th percentile) is
 * at least as deep as the grid frame's, which keeps the texture as it
 * was under the painted shadow, and its bright detail (the 90th) dimmer. */
static void
check_texture (mien_animator *plain, mien_animator *textured,
               mien_generator *rig, const mien_driving *c, const char *name)
{
  const mien_rect *cr = mien_animator_get_crop (textured);
  float k = (float)cr->width / (float)MIEN_LOW_RES;
  mien_image *shade = NULL;
  mien_image *f[2][2]; /* [textured][grid] */
  for (int t = 0; t < 2; t++)
    for (int g = 0; g < 2; g++)
      f[t][g] = render (t ? textured : plain, rig, c, g,
                        t == 1 && g == 0 ? &shade : NULL);
  int ok = f[0][0] && f[0][1] && f[1][0] && f[1][1] && shade;
  CHECK (ok, "%s: textured renders", name);
  int b[4] = { 0, 0, -1, -1 };
  if (ok)
    shaded_box (shade, b);
  if (ok && b[2] >= 0)
    {
      int x0 = (int)(b[0] * k), y0 = (int)(b[1] * k);
      int x1 = (int)((b[2] + 1) * k), y1 = (int)((b[3] + 1) * k);
      x0 = x0 < 2 ? 2 : x0, y0 = y0 < 2 ? 2 : y0;
      x1 = x1 > cr->width - 2 ? cr->width - 2 : x1;
      y1 = y1 > cr->height - 2 ? cr->height - 2 : y1;
      int bw = x1 - x0, n = bw * (y1 - y0);
      float *band[2][2];
      for (int t = 0; t < 2; t++)
        for (int g = 0; g < 2; g++)
          band[t][g] = finest_band (f[t][g], x0, y0, x1, y1);
      float *tex[2] = { malloc (sizeof (float) * (size_t)n),
                        malloc (sizeof (float) * (size_t)n) };
      int m = 0;
      for (int y = y0; tex[0] && tex[1] && y < y1; y++)
        for (int x = x0; x < x1; x++)
          {
            const float *q = mien_image_row (shade, (int)((float)y / k))
                             + 3 * (size_t)(int)((float)x / k);
            if (0.299f * q[0] + 0.587f * q[1] + 0.114f * q[2] >= 0.95f)
              continue;
            size_t i = (size_t)(y - y0) * bw + (x - x0);
            for (int g = 0; g < 2; g++)
              tex[g][m] = band[1][g][i] - band[0][g][i];
            m++;
          }
      CHECK (m > 100, "%s: %d shadowed pixels", name, m);
      if (m > 100)
        {
          float lo[2], hi[2];
          for (int g = 0; g < 2; g++)
            lo[g] = percentile (tex[g], m, 0.1f),
            hi[g] = percentile (tex[g], m, 0.9f);
          printf ("%s: the texture over %d shadowed pixels: 10th pct %.4f "
                  "(under the grid's shadow %.4f), 90th %.4f (%.4f)\n",
                  name, m, lo[0], lo[1], hi[0], hi[1]);
          CHECK (lo[0] <= lo[1], "%s: the texture's dark detail is as deep "
                 "in the shadow (%.4f against %.4f)", name, lo[0], lo[1]);
          CHECK (hi[0] < hi[1], "%s: its bright detail dimmed by the shadow "
                 "(%.4f against %.4f)", name, hi[0], hi[1]);
        }
      for (int t = 0; t < 2; t++)
        for (int g = 0; g < 2; g++)
          free (band[t][g]);
      free (tex[0]), free (tex[1]);
    }
  for (int t = 0; t < 2; t++)
    for (int g = 0; g < 2; g++)
      mien_image_free (f[t][g]);
  mien_image_free (shade);
}

static void
check_preview (mien_animator *anim, mien_generator *rig,
               const mien_driving *c, const int b[4])
{
  mien_error err = { 0 };
  const mien_image *crop = NULL;
  CHECK (mien_animator_render_crop (anim, rig, c, &crop, NULL, &err)
             == MIEN_OK,
         "%s", err.message);
  mien_image *full = crop ? mien_image_copy (crop, &err) : NULL;
  mien_level_size ls = mien_animator_get_level_size (anim, 1);
  mien_image *avg = mien_image_new (ls.width, ls.height, 3, &err);
  const mien_image *l1 = NULL;
  CHECK (mien_animator_render_preview (anim, rig, c, 1, NULL, &l1, &err)
             == MIEN_OK,
         "%s", err.message);
  if (full && avg && l1
      && mien_downsample_area (full, avg, NULL, &err) == MIEN_OK)
    {
      float k1 = (float)ls.width / (float)MIEN_LOW_RES;
      double d = 0;
      int m = 0;
      for (int y = (int)(b[1] * k1); y < (int)((b[3] + 1) * k1); y++)
        for (int x = (int)(b[0] * k1); x < (int)((b[2] + 1) * k1); x++, m++)
          d += fabs (mien_test_luma (l1, x, y) - mien_test_luma (avg, x, y));
      printf ("preview level 1 about the shaded box: mean |level − frame "
              "area-averaged| %.5f\n", m ? d / m : 0.0);
      CHECK (m > 0 && d / m < 1.0 / 255.0,
             "level 1 shows the frame's shading (%.5f)", m ? d / m : 0.0);
    }
  else
    CHECK (0, "level 1: %s", err.message);
  mien_image_free (full);
  mien_image_free (avg);
}

/* The cost: the median of 9 angry crop frames each way, interleaved
 * (printed only; the figures in docs/BENCHMARKS.md). */
static void
print_cost (mien_animator *anim, mien_generator *rig, const char *name)
{
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_ANGRY, 1.0f);
  double on, off;
  mien_test_median_ms (anim, rig, &c, "MIEN_SHADE_GRID", &on, &off);
  printf ("%s: angry crop frame, median of 9: %.1f ms with the shading at "
          "the frame's resolution, %.1f ms with the grid's\n", name, on, off);
}

static void
run_photo (mien_image *photo, mien_face *face)
{
  mien_error err = { 0 };
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, &err);
  CHECK (anim && rig, "%s", err.message);
  if (!anim || !rig)
    {
      mien_animator_free (anim);
      mien_generator_free (rig);
      return;
    }
  const mien_rect *cr = mien_animator_get_crop (anim);
  printf ("own size: crop %d², %.1f frame pixels a grid pixel\n", cr->width,
          (double)cr->width / MIEN_LOW_RES);
  mien_driving angry, brows, turned, neutral;
  mien_driving_init (&angry);
  mien_driving_add_preset (&angry, MIEN_PRESET_ANGRY, 1.0f);
  mien_driving_init (&brows);
  CHECK (mien_driving_parse (&brows, "1=5,2=5", &err) == MIEN_OK, "%s",
         err.message);
  int b[4];
  if (check_case (anim, photo, rig, &angry, "angry", 0, b))
    check_preview (anim, rig, &angry, b);
  check_case (anim, photo, rig, &brows, "AU1+AU2=5", 0, NULL);
    {
      mien_driving_init (&turned);
      mien_driving_add_preset (&turned, MIEN_PRESET_ANGRY, 1.0f);
      CHECK (mien_driving_parse_pose (&turned, "yaw=15", &err) == MIEN_OK,
             "%s", err.message);
      check_case (anim, photo, rig, &turned, "angry, yaw 15°", 0, NULL);
      mien_driving_init (&neutral);
      mien_image *shade = NULL;
      mien_image *a = render (anim, rig, &neutral, 0, &shade);
      mien_image *z = render (anim, rig, &neutral, 1, NULL);
      int nb[4] = { 0, 0, -1, -1 };
      if (shade)
        shaded_box (shade, nb);
      CHECK (a && z && shade && nb[2] < 0 && mien_test_images_equal (a, z),
             "neutral: nothing shaded, the grid's frame");
      mien_image_free (a), mien_image_free (z), mien_image_free (shade);
    }
  print_cost (anim, rig, "own size");
  mien_animator_free (anim);
  mien_generator_free (rig);
}

static void
run_textured (mien_image *plain, mien_image *textured, mien_face *face)
{
  mien_error err = { 0 };
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *a = mien_animator_new (plain, face, MIEN_RESWARP_VANILLA,
                                        NULL, &err);
  mien_animator *t = mien_animator_new (textured, face, MIEN_RESWARP_VANILLA,
                                        NULL, &err);
  CHECK (a && t && rig, "%s", err.message);
  if (a && t && rig)
    {
      printf ("2×, textured: crop %d²\n", mien_animator_get_crop (t)->width);
      mien_driving angry, brows;
      mien_driving_init (&angry);
      mien_driving_add_preset (&angry, MIEN_PRESET_ANGRY, 1.0f);
      mien_driving_init (&brows);
      CHECK (mien_driving_parse (&brows, "1=5,2=5", &err) == MIEN_OK, "%s",
             err.message);
      check_case (t, textured, rig, &angry, "angry, textured", 1, NULL);
      check_texture (a, t, rig, &angry, "angry");
      check_texture (a, t, rig, &brows, "AU1+AU2=5");
      print_cost (t, rig, "3840-wide photo (textured)");
    }
  mien_animator_free (a);
  mien_animator_free (t);
  mien_generator_free (rig);
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  unsetenv ("MIEN_SHADE_GRID");
  mien_image *s3 = mien_test_sample_photo (root, "sample3");
  if (s3 == NULL)
    {
      printf ("SKIP: data/samples missing (scripts/setup.sh)\n");
      return 77;
    }
  mien_face face;
  /* sample3's largest face (the one mien-render picks). */
  if (mien_test_load_face (root, "sample3", 1, &face))
    {
      run_photo (s3, &face);
      mien_image *big = mien_test_enlarge (s3, &face, 2);
      mien_image *tex = big ? mien_image_copy (big, NULL) : NULL;
      /* A fine texture: the same on every channel, 1-pixel grain. */
      for (size_t i = 0; tex && i < (size_t)tex->width * tex->height; i++)
        {
          float t = mien_test_uniform (-0.04f, 0.04f);
          for (int c = 0; c < 3; c++)
            tex->data[3 * i + c] += t;
        }
      if (big && tex)
        run_textured (big, tex, &face);
      mien_image_free (big);
      mien_image_free (tex);
    }
  mien_image_free (s3);
  return mien_test_exit_code ();
}
