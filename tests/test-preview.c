/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preview that follows the zoom (issue #22): mien_reswarp_level and
 * mien_animator_render_preview.
 *  - Level 0, any region, both modes: bit for bit the full frame there, and
 *    nothing outside the region written.
 *  - Multiscale level k, any region: bit for bit level k of the full frame
 *    (mien_decomposition_get_frame_level after mien_reswarp), with the
 *    scratch levels poisoned before, so that a footprint too small fails.
 *  - Vanilla level k: the photo at that level exactly where F = 0 (to float
 *    rounding), and close to the full frame area-averaged where it moves
 *    (printed: it is an approximation).
 *  - The animator: its level-0 preview equals mien_animator_render_crop bit
 *    for bit inside the region; at level k every pixel is the ResWarp level
 *    or the photo averaged to the level, and the face moved (about the
 *    mouth's painted interior: see below).
 *  - Bad levels and regions are refused. */
#include "mien-animator.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien-test-image.h"
#include "mien.h"

#include <time.h>

#define POISON 1.0e6f

static mien_image *
random_image (int w, int h, int c)
{
  mien_image *img = mien_image_new (w, h, c, NULL);
  for (size_t i = 0; i < mien_image_n_floats (img); i++)
    img->data[i] = mien_test_uniform (0.0f, 1.0f);
  return img;
}

/* A smooth field of a few low-res pixels, zero on a band at the left so
 * that the gain and the identity both show. */
static mien_image *
smooth_field (void)
{
  mien_image *f = mien_image_new (128, 128, 2, NULL);
  for (int y = 0; y < 128; y++)
    for (int x = 0; x < 128; x++)
      {
        float *p = mien_image_row (f, y) + 2 * x;
        float on = x < 20 ? 0.0f : 1.0f;
        p[0] = on * 2.5f * sinf (0.07f * x + 0.05f * y);
        p[1] = on * 1.7f * cosf (0.04f * x - 0.09f * y);
      }
  return f;
}

static void
fill (mien_image *img, float v)
{
  for (size_t i = 0; i < mien_image_n_floats (img); i++)
    img->data[i] = v;
}

/* Whether a equals ref bit for bit inside r, and (if outside_is is not
 * NAN) holds outside_is everywhere else. */
static int
region_is (const mien_image *a, const mien_image *ref, mien_rect r,
           float outside_is)
{
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      {
        int in = x >= r.x && x < r.x + r.width && y >= r.y
                 && y < r.y + r.height;
        const float *p = mien_image_row (a, y) + (size_t)x * a->channels;
        const float *q = mien_image_row (ref, y) + (size_t)x * ref->channels;
        for (int c = 0; c < a->channels; c++)
          {
            if (in && memcmp (&p[c], &q[c], sizeof (float)) != 0)
              return 0;
            if (!in && !isnan (outside_is) && p[c] != outside_is)
              return 0;
          }
      }
  return 1;
}

static int
n_regions (mien_level_size s, mien_rect *r)
{
  int n = 0;
  r[n++] = (mien_rect){ 0, 0, s.width, s.height };
  r[n++] = (mien_rect){ s.width / 4, s.height / 3, s.width / 2,
                        s.height / 3 };
  r[n++] = (mien_rect){ s.width / 2 + 1, s.height / 2 + 3, 1, 1 };
  r[n++] = (mien_rect){ s.width - 37 > 0 ? s.width - 37 : 0, 0,
                        s.width < 37 ? s.width : 37, s.height };
  r[n++] = (mien_rect){ 3, s.height - 5, s.width - 3, 5 };
  return n;
}

/* Photo-like content: smooth waves of 6 to 60 pixels and 1 % noise (on
 * pure noise, any warp at a lower resolution is a different picture). */
static mien_image *
wavy_image (int w, int h, int c)
{
  mien_image *img = random_image (w, h, c);
  float fx[6], fy[6], ph[6];
  for (int i = 0; i < 6; i++)
    fx[i] = mien_test_uniform (-1.0f, 1.0f), fy[i] = mien_test_uniform (-1.0f, 1.0f),
    ph[i] = mien_test_uniform (0.0f, 6.28f);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int k = 0; k < c; k++)
        {
          float v = 0.5f;
          for (int i = 0; i < 6; i++)
            v += 0.07f * sinf (6.283f / (6.0f + 9.0f * i)
                                   * (fx[i] * x + fy[i] * y)
                               + ph[i] + k);
          float *p = mien_image_row (img, y) + (size_t)x * c + k;
          *p = v + 0.01f * (*p - 0.5f);
        }
  return img;
}

/* Mean and largest difference in 8-bit levels. */
static void
level_diff (const mien_image *a, const mien_image *b, double *mean,
            double *worst)
{
  double sum = 0.0, m = 0.0;
  for (size_t i = 0; i < mien_image_n_floats (a); i++)
    {
      double d = fabs ((double)a->data[i] - b->data[i]);
      sum += d, m = d > m ? d : m;
    }
  *mean = 255.0 * sum / (double)mien_image_n_floats (a);
  *worst = 255.0 * m;
}

static void
test_levels (int w, int h, mien_reswarp_mode mode)
{
  mien_error err = { 0 };
  const char *name = mien_reswarp_mode_to_string (mode);
  mien_image *hd = wavy_image (w, h, 3);
  mien_decomposition *dec = mien_decomposition_new (hd, 128, 128, mode, NULL,
                                                    &err);
  CHECK (dec != NULL, "%s", err.message);
  mien_image *field = smooth_field ();
  const mien_image *low = mien_decomposition_get_low (dec);
  mien_image *refined = mien_image_copy (low, NULL);
  for (size_t i = 0; i < mien_image_n_floats (refined); i++)
    refined->data[i] += 0.02f * sinf ((float)i);
  mien_image *full = mien_image_new (w, h, 3, NULL);
  CHECK (mien_reswarp (dec, refined, field, full, NULL, &err) == MIEN_OK,
         "%s", err.message);
  int n = mien_decomposition_get_n_levels (dec);
  /* The full frame's levels, copied before the preview reuses the
   * scratch. */
  mien_image *ref[MIEN_PYRAMID_MAX_LEVELS + 1] = { 0 };
  ref[0] = mien_image_copy (full, NULL);
  for (int k = 1; k < n && mode == MIEN_RESWARP_MULTISCALE; k++)
    ref[k] = k == n - 1 ? mien_image_copy (refined, NULL)
                        : mien_image_copy (mien_decomposition_get_frame_level (
                                               dec, k),
                                           NULL);
  for (int k = 0; k < n; k++)
    {
      mien_level_size s = mien_decomposition_get_level_size (dec, k);
      mien_image *out = mien_image_new (s.width, s.height, 3, NULL);
      if (mode == MIEN_RESWARP_VANILLA && k > 0 && k < n - 1)
        {
          mien_image *pk = mien_image_new (s.width, s.height, 3, NULL);
          mien_downsample_area (hd, pk, NULL, NULL);
          CHECK (!mien_decomposition_has_level (dec, k),
                 "vanilla level %d needs its photo first", k);
          CHECK (mien_reswarp_level (dec, refined, field, k, NULL, out, NULL,
                                     &err)
                     == MIEN_ERR_INVALID,
                 "vanilla level %d without its photo is refused", k);
          CHECK (mien_decomposition_set_level_photo (dec, k, pk, NULL, &err)
                     == MIEN_OK,
                 "%s", err.message);
          /* F = 0, O^r = I: the photo at the level. */
          mien_image *zero = mien_image_new_zeroed (128, 128, 2, NULL);
          CHECK (mien_reswarp_level (dec, low, zero, k, NULL, out, NULL, &err)
                     == MIEN_OK,
                 "%s", err.message);
          float id = mien_image_max_abs_diff (out, pk);
          CHECK (id <= 1e-5f, "vanilla level %d identity off by %g", k, id);
          /* Moving: against the full frame area-averaged. */
          CHECK (mien_reswarp_level (dec, refined, field, k, NULL, out, NULL,
                                     &err)
                     == MIEN_OK,
                 "%s", err.message);
          mien_image *still = mien_image_copy (pk, NULL);
          mien_downsample_area (full, pk, NULL, NULL);
          double mean, worst, still_mean, still_worst;
          level_diff (out, pk, &mean, &worst);
          level_diff (still, pk, &still_mean, &still_worst);
          printf ("vanilla %dx%d level %d (%dx%d) against the full frame "
                  "area-averaged: mean %.2f, max %.1f 8-bit levels "
                  "(identity %.1e; the unmoved photo: mean %.2f)\n", w, h, k,
                  s.width, s.height, mean, worst, id, still_mean);
          /* It follows the motion: much closer than the unmoved photo. */
          CHECK (mean < 0.5 * still_mean,
                 "vanilla level %d: mean error %.2f levels, the unmoved "
                 "photo's %.2f", k, mean, still_mean);
          mien_image_free (still);
          mien_image_free (zero);
          mien_image_free (pk);
          mien_image_free (out);
          continue;
        }
      if (ref[k] == NULL)
        {
          mien_image_free (out);
          continue;
        }
      if (k > 0)
        {
          /* For comparison with vanilla's: the level against the full
           * frame area-averaged. */
          mien_image *pk = mien_image_new (s.width, s.height, 3, NULL);
          mien_downsample_area (full, pk, NULL, NULL);
          double mean, worst;
          level_diff (ref[k], pk, &mean, &worst);
          printf ("multiscale %dx%d level %d (%dx%d) against the full frame "
                  "area-averaged: mean %.2f, max %.1f 8-bit levels\n", w, h,
                  k, s.width, s.height, mean, worst);
          mien_image_free (pk);
        }
      mien_rect regions[8];
      int nr = n_regions (s, regions);
      for (int i = 0; i < nr; i++)
        {
          fill (out, POISON);
          for (int j = 1; j < n - 1 && mode == MIEN_RESWARP_MULTISCALE; j++)
            fill ((mien_image *)mien_decomposition_get_frame_level (dec, j),
                  -POISON);
          CHECK (mien_reswarp_level (dec, refined, field, k, &regions[i], out,
                                     NULL, &err)
                     == MIEN_OK,
                 "%s", err.message);
          CHECK (region_is (out, ref[k], regions[i], POISON),
                 "%s %dx%d level %d region %d×%d at (%d, %d): not the full "
                 "frame's level bit for bit, or written outside",
                 name, w, h, k, regions[i].width, regions[i].height,
                 regions[i].x, regions[i].y);
        }
      mien_image_free (out);
    }
  /* Refused: a level past the top, a region outside, a wrong-size out. */
  mien_level_size s0 = mien_decomposition_get_level_size (dec, 0);
  mien_image *out0 = mien_image_new (s0.width, s0.height, 3, NULL);
  mien_rect outside = { s0.width - 4, 0, 8, 8 };
  CHECK (mien_reswarp_level (dec, refined, field, n, NULL, out0, NULL, &err)
             == MIEN_ERR_INVALID,
         "level %d refused", n);
  CHECK (mien_reswarp_level (dec, refined, field, 0, &outside, out0, NULL,
                             &err)
             == MIEN_ERR_INVALID,
         "a region past the edge refused");
  if (n > 1)
    CHECK (mien_reswarp_level (dec, refined, field, 1, NULL, out0, NULL, &err)
               == MIEN_ERR_INVALID,
           "an output of the wrong size refused");
  mien_image_free (out0);
  for (int k = 0; k <= MIEN_PYRAMID_MAX_LEVELS; k++)
    mien_image_free (ref[k]);
  mien_image_free (full);
  mien_image_free (refined);
  mien_image_free (field);
  mien_decomposition_free (dec);
  mien_image_free (hd);
  printf ("%s %dx%d: %d levels checked\n", name, w, h, n);
}

/* The astronaut's fixture scaled by s: a crop with several levels. */
static mien_image *
scaled_fixture (mien_landmark_file *lm, int s)
{
  mien_image *small = mien_test_fixture_photo (lm);
  if (!small)
    return NULL;
  mien_image *photo = random_image (small->width * s, small->height * s, 3);
  mien_image_free (small);
  mien_face *f = &lm->faces[0];
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    f->landmarks[i].x = (f->landmarks[i].x + 0.5f) * s - 0.5f,
    f->landmarks[i].y = (f->landmarks[i].y + 0.5f) * s - 0.5f;
  f->box.x *= s, f->box.y *= s, f->box.width *= s, f->box.height *= s;
  return photo;
}

static void
test_animator (const mien_image *photo, const mien_face *face,
               mien_reswarp_mode mode)
{
  mien_error err = { 0 };
  const char *name = mien_reswarp_mode_to_string (mode);
  mien_generator *rig = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, mode, NULL, &err);
  CHECK (anim != NULL, "%s", err.message);
  if (!anim)
    {
      mien_generator_free (rig);
      return;
    }
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_SURPRISED, 1.0f);
  const mien_image *crop = NULL;
  CHECK (mien_animator_render_crop (anim, rig, &c, &crop, NULL, &err)
             == MIEN_OK,
         "%s", err.message);
  mien_image *full = mien_image_copy (crop, NULL);
  mien_decomposition *dec = mien_animator_get_decomposition (anim);
  int n = mien_animator_get_n_levels (anim);
  CHECK (n >= 3, "the scaled fixture has %d levels", n);
  mien_image *ref_k = NULL;
  int k = 1;
  if (mode == MIEN_RESWARP_MULTISCALE && dec)
    ref_k = mien_image_copy (mien_decomposition_get_frame_level (dec, k),
                             NULL);
  /* Level 0: the crop's frame bit for bit in every region. */
  mien_rect regions[8];
  mien_level_size s0 = mien_animator_get_level_size (anim, 0);
  int nr = n_regions (s0, regions);
  for (int i = 0; i < nr; i++)
    {
      const mien_image *out = NULL;
      /* A frame of another vector first: nothing of it may remain. */
      mien_driving other;
      mien_driving_init (&other);
      mien_driving_add_preset (&other, MIEN_PRESET_HAPPY, 1.0f);
      CHECK (mien_animator_render_crop (anim, rig, &other, NULL, NULL, &err)
                 == MIEN_OK,
             "%s", err.message);
      CHECK (mien_animator_render_preview (anim, rig, &c, 0, &regions[i], &out,
                                           &err)
                 == MIEN_OK,
             "%s", err.message);
      CHECK (out && region_is (out, full, regions[i], NAN),
             "%s: the level-0 preview of %d×%d at (%d, %d) is not the full "
             "render bit for bit", name, regions[i].width, regions[i].height,
             regions[i].x, regions[i].y);
    }
  /* Level k: every pixel is ResWarp's level k or the photo at level k;
   * the face moved. */
  mien_level_size sk = mien_animator_get_level_size (anim, k);
  mien_image *pk = mien_image_new (sk.width, sk.height, 3, NULL);
  const mien_rect *cr = mien_animator_get_crop (anim);
  mien_image *hd = mien_image_crop (photo, cr->x, cr->y, cr->width,
                                    cr->height, NULL);
  mien_downsample_area (hd, pk, NULL, NULL);
  const mien_image *out = NULL;
  CHECK (mien_animator_render_preview (anim, rig, &c, k, NULL, &out, &err)
             == MIEN_OK,
         "%s", err.message);
  /* The mouth interior (mien-animator-mouth.c): the full render here has
   * 6.6 pixels a grid pixel, so it composed its levels from O^r without
   * the rig's interior paint and laid the paint on afterwards; level 1 has
   * 3.3 and keeps the grid's paint in O^r. The two differ about the
   * painted cells, spread by multiscale's coarser levels: that box, grown
   * by 3 grid pixels, is left out of the comparison (test-mouth-hd checks
   * the frame beyond it). */
  const mien_image *in = mien_animator_get_output (anim)->interior;
  int b0x = 1 << 30, b0y = 1 << 30, b1x = -1, b1y = -1;
  for (int y = 0; in && y < in->height; y++)
    for (int x = 0; x < in->width; x++)
      if (mien_image_row (in, y)[4 * (size_t)x + 3] > 1e-3f)
        b0x = x < b0x ? x : b0x, b1x = x > b1x ? x : b1x,
        b0y = y < b0y ? y : b0y, b1y = y > b1y ? y : b1y;
  /* The skin's shading (mien-animator-shade.c) is laid on the composed
   * frame too, at every level: its cells' box, grown by 3 grid pixels
   * (its cubic's reach), is left out as well (test-shade checks it). */
  const mien_image *sh = mien_animator_get_output (anim)->shade;
  int s0x = 1 << 30, s0y = 1 << 30, s1x = -1, s1y = -1;
  for (int y = 0; sh && y < sh->height; y++)
    for (int x = 0; x < sh->width; x++)
      for (int ch = 0; ch < 3; ch++)
        if (fabsf (mien_image_row (sh, y)[3 * (size_t)x + ch] - 1.0f) > 1e-6f)
          s0x = x < s0x ? x : s0x, s1x = x > s1x ? x : s1x,
          s0y = y < s0y ? y : s0y, s1y = y > s1y ? y : s1y;
  /* A raised brow's zone (mien-animator-brows.c) is drawn from the photo
   * after ResWarp too where the full render has 6 or more pixels a grid
   * pixel: the brows' and eyes' box, grown by 0.3 of the inter-ocular
   * distance, is left out (test-brows checks it). */
  const mien_point *lm = face->landmarks;
  float gw = 0.3f * mien_test_iod (face);
  float lf = (float)sk.width / (float)cr->width;
  float w0x = 1e30f, w0y = 1e30f, w1x = -1e30f, w1y = -1e30f;
  for (int i = 17; i < 48; i++)
    if (i < 27 || i >= 36)
      w0x = fminf (w0x, lm[i].x), w1x = fmaxf (w1x, lm[i].x),
      w0y = fminf (w0y, lm[i].y), w1y = fmaxf (w1y, lm[i].y);
  w0x = (w0x - gw - (float)cr->x) * lf, w1x = (w1x + gw - (float)cr->x) * lf;
  w0y = (w0y - gw - (float)cr->y) * lf, w1y = (w1y + gw - (float)cr->y) * lf;
  float kg = (float)sk.width / (float)MIEN_LOW_RES;
  size_t moved = 0, other = 0, in_mouth = 0;
  for (size_t i = 0; out && i < mien_image_n_floats (out); i++)
    {
      int px = (int)(i / 3 % (size_t)sk.width), py = (int)(i / 3 / sk.width);
      int mouth = b1x >= 0 && px >= (int)((b0x - 3) * kg)
                  && px < (int)((b1x + 4) * kg) && py >= (int)((b0y - 3) * kg)
                  && py < (int)((b1y + 4) * kg);
      mouth |= s1x >= 0 && px >= (int)((s0x - 3) * kg)
               && px < (int)((s1x + 4) * kg) && py >= (int)((s0y - 3) * kg)
               && py < (int)((s1y + 4) * kg);
      mouth |= (float)px >= w0x && (float)px <= w1x && (float)py >= w0y
               && (float)py <= w1y;
      int is_photo = out->data[i] == pk->data[i];
      int is_level = ref_k ? out->data[i] == ref_k->data[i] : 1;
      moved += !is_photo;
      other += !is_photo && !is_level && !mouth;
      in_mouth += !is_photo && !is_level && mouth;
    }
  printf ("%s level %d: %zu samples about the mouth, the shaded skin and "
          "the brows differ from the full render's level (painted after "
          "ResWarp)\n",
          name, k, in_mouth);
  CHECK (out && out->width == sk.width && out->height == sk.height,
         "the level-%d preview has the level's size", k);
  CHECK (moved > 1000, "%s level %d: the face moved (%zu samples)", name, k,
         moved);
  CHECK (other == 0, "%s level %d: %zu samples are neither ResWarp's level "
         "nor the photo's", name, k, other);
  printf ("%s animator: level 0 in %d regions bit for bit; level %d (%dx%d) "
          "%zu samples moved\n", name, nr, k, sk.width, sk.height, moved);
  CHECK (mien_animator_render_preview (anim, rig, &c, n, NULL, &out, &err)
             == MIEN_ERR_INVALID,
         "level %d refused", n);
  mien_image_free (hd);
  mien_image_free (pk);
  mien_image_free (ref_k);
  mien_image_free (full);
  mien_animator_free (anim);
  mien_generator_free (rig);
}

static double
now_ms (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* MIEN_PREVIEW_BENCH=SIDE (e.g. 2400, a 4K photo's crop): the median of 7
 * frames for the full frame and each preview, on 2 threads (not a test;
 * docs/BENCHMARKS.md). setenv switches the coarser levels between their
 * footprint and whole. */
static void
bench (int side)
{
  mien_pool *pool = mien_pool_new (2);
  mien_image *hd = wavy_image (side, side, 3);
  mien_image *field = smooth_field ();
  for (int mode = 0; mode < 2; mode++)
    {
      mien_decomposition *dec = mien_decomposition_new (
          hd, 128, 128, (mien_reswarp_mode)mode, pool, NULL);
      const mien_image *low = mien_decomposition_get_low (dec);
      mien_image *full = mien_image_new (side, side, 3, NULL);
      int n = mien_decomposition_get_n_levels (dec);
      for (int k = -1; k < n - 1; k++)
        for (int quarter = 0; quarter < 2; quarter++)
          for (int whole = 0; whole < 2; whole++)
            {
              if ((k < 0 && (quarter || whole)) || (whole && !quarter))
                continue;
              if (mode == MIEN_RESWARP_VANILLA && whole)
                continue;
              setenv ("MIEN_PREVIEW_WHOLE_LEVELS", whole ? "1" : "0", 1);
              mien_level_size s = mien_decomposition_get_level_size (
                  dec, k < 0 ? 0 : k);
              mien_image *out = k < 0 ? full
                                      : mien_image_new (s.width, s.height, 3,
                                                        NULL);
              if (k > 0 && mode == MIEN_RESWARP_VANILLA)
                {
                  mien_image *pk = mien_image_new (s.width, s.height, 3, NULL);
                  mien_downsample_area (hd, pk, pool, NULL);
                  mien_decomposition_set_level_photo (dec, k, pk, pool, NULL);
                  mien_image_free (pk);
                }
              /* A quarter of the level: the screen's share at 1:1 zoom. */
              mien_rect r = { s.width / 4, s.height / 4, s.width / 2,
                              s.height / 2 };
              double t[7];
              for (int i = 0; i < 7; i++)
                {
                  double t0 = now_ms ();
                  if (k < 0)
                    mien_reswarp (dec, low, field, full, pool, NULL);
                  else
                    mien_reswarp_level (dec, low, field, k,
                                        quarter ? &r : NULL, out, pool, NULL);
                  t[i] = now_ms () - t0;
                  for (int j = i; j > 0 && t[j] < t[j - 1]; j--)
                    {
                      double x = t[j];
                      t[j] = t[j - 1], t[j - 1] = x;
                    }
                }
              if (k < 0)
                printf ("bench %s %d²: full frame %.1f ms\n",
                        mien_reswarp_mode_to_string (mode), side, t[3]);
              else
                printf ("bench %s %d²: level %d (%d²) %s%s %.1f ms\n",
                        mien_reswarp_mode_to_string (mode), side, k, s.width,
                        quarter ? "centre quarter" : "whole",
                        quarter && mode ? (whole ? ", coarser levels whole"
                                                 : ", coarser levels' footprint")
                                        : "",
                        t[3]);
              if (out != full)
                mien_image_free (out);
            }
      unsetenv ("MIEN_PREVIEW_WHOLE_LEVELS");
      mien_image_free (full);
      mien_decomposition_free (dec);
    }
  mien_image_free (field);
  mien_image_free (hd);
  /* The animator's whole preview (generator, ResWarp, the photo kept where
   * nothing changed) on the fixture scaled 8× (a 4096² photo, its crop
   * 1552²): the full crop against level 0 over its centre half and the
   * fitted view's level 2. */
  mien_landmark_file lm = { 0 };
  mien_image *photo = scaled_fixture (&lm, 8);
  mien_generator *rig = mien_rig_new (NULL);
  for (int mode = 0; photo && mode < 2; mode++)
    {
      mien_animator *anim = mien_animator_new (photo, &lm.faces[0],
                                               (mien_reswarp_mode)mode, pool,
                                               NULL);
      mien_driving c;
      mien_driving_init (&c);
      mien_driving_add_preset (&c, MIEN_PRESET_HAPPY, 1.0f);
      mien_level_size s0 = mien_animator_get_level_size (anim, 0);
      mien_rect half = { s0.width / 6, s0.height / 6, 2 * s0.width / 3,
                         2 * s0.height / 3 };
      for (int what = 0; what < 3; what++)
        {
          double t[7];
          for (int i = 0; i < 7; i++)
            {
              c.values[MIEN_AU12] = 1.0f + 0.1f * i;
              double t0 = now_ms ();
              if (what == 0)
                mien_animator_render_crop (anim, rig, &c, NULL, NULL, NULL);
              else
                mien_animator_render_preview (anim, rig, &c,
                                              what == 1 ? 0 : 2,
                                              what == 1 ? &half : NULL, NULL,
                                              NULL);
              t[i] = now_ms () - t0;
              for (int j = i; j > 0 && t[j] < t[j - 1]; j--)
                {
                  double x = t[j];
                  t[j] = t[j - 1], t[j - 1] = x;
                }
            }
          printf ("bench animator %s crop %d²: %s %.1f ms\n",
                  mien_reswarp_mode_to_string (mode), s0.width,
                  what == 0   ? "render_crop (full)"
                  : what == 1 ? "preview level 0, centre 4/9"
                              : "preview level 2 whole",
                  t[3]);
        }
      mien_animator_free (anim);
    }
  mien_generator_free (rig);
  mien_image_free (photo);
  mien_landmark_file_clear (&lm);
  mien_pool_free (pool);
}

int
main (void)
{
  const char *b = getenv ("MIEN_PREVIEW_BENCH");
  if (b != NULL && atoi (b) >= 128)
    {
      bench (atoi (b));
      return 0;
    }
  test_levels (1024, 1024, MIEN_RESWARP_MULTISCALE);
  test_levels (1000, 750, MIEN_RESWARP_MULTISCALE);
  test_levels (97, 161, MIEN_RESWARP_MULTISCALE);
  test_levels (1024, 1024, MIEN_RESWARP_VANILLA);
  test_levels (1000, 750, MIEN_RESWARP_VANILLA);
  mien_landmark_file lm = { 0 };
  mien_image *photo = scaled_fixture (&lm, 4);
  if (photo)
    for (int mode = 0; mode < 2; mode++)
      test_animator (photo, &lm.faces[0], (mien_reswarp_mode)mode);
  mien_image_free (photo);
  mien_landmark_file_clear (&lm);
  return mien_test_exit_code ();
}
