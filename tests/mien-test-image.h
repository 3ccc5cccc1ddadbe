/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image helpers for the engine tests that render faces (test-clip,
 * test-animator, the eval and rig tests), on top of mien-test.h. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-image.h"
#include "mien-resample.h"
#include "mien-test.h"

/* Same shape and the same floats, bit for bit. */
static inline int
mien_test_images_equal (const mien_image *a, const mien_image *b)
{
  return mien_image_same_shape (a, b)
         && memcmp (a->data, b->data,
                    sizeof (float) * mien_image_n_floats (a)) == 0;
}

/* qsort's ascending order of doubles. */
static inline int
mien_test_cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Rec. 601 luma of pixel (x, y) of an RGB(A) image. */
static inline float
mien_test_luma (const mien_image *im, int x, int y)
{
  const float *p = mien_image_row (im, y) + (size_t)x * im->channels;
  return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
}

/* Whether a and b (same shape) are the same bit for bit outside the box
 * [x0, x1) × [y0, y1). */
static inline int
mien_test_same_outside (const mien_image *a, const mien_image *b, int x0,
                        int y0, int x1, int y1)
{
  for (int y = 0; y < a->height; y++)
    for (int x = 0; x < a->width; x++)
      {
        if (x >= x0 && x < x1 && y >= y0 && y < y1)
          continue;
        if (memcmp (mien_image_row (a, y) + (size_t)x * a->channels,
                    mien_image_row (b, y) + (size_t)x * b->channels,
                    sizeof (float) * (size_t)a->channels)
            != 0)
          return 0;
      }
  return 1;
}

/* The photo enlarged `scale` times (bilinear) and *face carried with it
 * (pixel centres kept): a large face from a sample photo, for the paths
 * that only run where a face has many pixels. NULL after a failed CHECK. */
static inline mien_image *
mien_test_enlarge (const mien_image *photo, mien_face *face, int scale)
{
  mien_error err = { 0 };
  mien_image *big = mien_image_new (photo->width * scale,
                                    photo->height * scale, photo->channels,
                                    &err);
  int ok = big && mien_upsample_bilinear (photo, big, NULL, &err) == MIEN_OK;
  CHECK (ok, "enlarge: %s", err.message);
  if (!ok)
    {
      mien_image_free (big);
      return NULL;
    }
  face->box.x *= scale, face->box.y *= scale;
  face->box.width *= scale, face->box.height *= scale;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    face->landmarks[i].x = (face->landmarks[i].x + 0.5f) * scale - 0.5f,
    face->landmarks[i].y = (face->landmarks[i].y + 0.5f) * scale - 0.5f;
  return big;
}

/* The astronaut's landmarks (tests/data/landmarks/astronaut.json) into *lm
 * and a noise photo of their size: the properties these tests check do not
 * depend on the content, and they need no downloaded data. NULL (after a
 * failed CHECK where the fixture is unreadable) when there is no face. */
static inline mien_image *
mien_test_fixture_photo (mien_landmark_file *lm)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  char path[4096];
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/tests/data/landmarks/astronaut.json",
            root ? root : ".");
  CHECK (mien_landmark_file_load (path, lm, &err) == MIEN_OK, "%s",
         err.message);
  if (lm->n_faces < 1)
    return NULL;
  mien_image *photo = mien_image_new (lm->width, lm->height, 3, &err);
  for (size_t i = 0; photo && i < mien_image_n_floats (photo); i++)
    photo->data[i] = mien_test_uniform (0.0f, 1.0f);
  return photo;
}

/* The sample photo STEM (data/samples/STEM.png, else .jpg, under root; the
 * set-up fetches them), or NULL where it is absent. */
static inline mien_image *
mien_test_sample_photo (const char *root, const char *stem)
{
  char path[4096];
  for (int k = 0; k < 2; k++)
    {
      snprintf (path, sizeof path, "%s/data/samples/%s.%s", root, stem,
                k ? "jpg" : "png");
      FILE *f = fopen (path, "rb");
      if (f)
        {
          fclose (f);
          return mien_image_load (path, NULL);
        }
    }
  return NULL;
}

/* Face `index` of the sample photo STEM, from the landmarks committed in
 * tests/data/landmarks/STEM.json (under root). 0 after a failed CHECK. */
static inline int
mien_test_load_face (const char *root, const char *stem, int index,
                     mien_face *face)
{
  mien_error err = { 0 };
  char path[4096];
  mien_landmark_file lf = { 0 };
  snprintf (path, sizeof path, "%s/tests/data/landmarks/%s.json", root, stem);
  CHECK (mien_landmark_file_load (path, &lf, &err) == MIEN_OK, "%s",
         err.message);
  int ok = lf.n_faces > index;
  CHECK (ok, "%s has face %d", stem, index);
  if (ok)
    *face = lf.faces[index];
  mien_landmark_file_clear (&lf);
  return ok;
}

/* A copy of the animator's crop frame for c, rendered with the
 * environment variable `env` set to "1" for that render (NULL: none; a
 * switch such as MIEN_MOUTH_NO_TEETH or MIEN_SHADE_GRID); *out (may be
 * NULL) gets the generator's output. NULL after a failed CHECK. */
static inline mien_image *
mien_test_render_crop (mien_animator *anim, mien_generator *gen,
                       const mien_driving *c, const char *env,
                       const mien_generator_output **out)
{
  mien_error err = { 0 };
  if (env)
    setenv (env, "1", 1);
  const mien_image *crop = NULL;
  const mien_generator_output *g = NULL;
  CHECK (mien_animator_render_crop (anim, gen, c, &crop, &g, &err) == MIEN_OK,
         "%s", err.message);
  if (env)
    unsetenv (env);
  if (out)
    *out = g;
  return crop ? mien_image_copy (crop, &err) : NULL;
}

/* The cost of a switch: the median time (ms) of 9 crop frames of c
 * rendered as they are (*ms_on) and with the environment variable `off`
 * set to "1" (*ms_off), interleaved so that the machine's load falls on
 * both alike. Printed by the tests; the figures go in docs/BENCHMARKS.md,
 * never into a check. */
static inline void
mien_test_median_ms (mien_animator *anim, mien_generator *gen,
                     const mien_driving *c, const char *off, double *ms_on,
                     double *ms_off)
{
  double ms[2][9];
  for (int i = 0; i < 9; i++)
    for (int way = 0; way < 2; way++)
      {
        struct timespec t0, t1;
        if (way)
          setenv (off, "1", 1);
        clock_gettime (CLOCK_MONOTONIC, &t0);
        mien_animator_render_crop (anim, gen, c, NULL, NULL, NULL);
        clock_gettime (CLOCK_MONOTONIC, &t1);
        if (way)
          unsetenv (off);
        ms[way][i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3
                     + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-6;
      }
  for (int way = 0; way < 2; way++)
    qsort (ms[way], 9, sizeof (double), mien_test_cmp_double);
  *ms_on = ms[0][4], *ms_off = ms[1][4];
}

/* The luma of im at (x, y), bilinear, clamped. */
static inline float
mien_test_luma_at (const mien_image *im, float x, float y)
{
  float c[4] = { 0, 0, 0, 0 };
  mien_image_sample_bilinear (im, x, y, c);
  return 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2];
}

typedef struct {
  float ncc;
  int dx, dy; /* the best shift (frame pixels) */
} mien_test_match;

/* The photo's patch (photo pixels x0, y0, w × h), stretched down by s
 * about its top, looked for in the frame (the crop at crop's origin) over
 * shifts of ±r pixels: the best normalized cross-correlation (a part of
 * the photo found again at its own size: rigid, not stretched). */
static inline mien_test_match
mien_test_find_patch (const mien_image *photo, const mien_image *frame,
                      const mien_rect *crop, int x0, int y0, int w, int h,
                      float s, int r)
{
  int hs = (int)lroundf ((float)h * s);
  size_t n = (size_t)w * (size_t)hs;
  float *p = malloc (sizeof (float) * n);
  mien_test_match best = { -2.0f, 0, 0 };
  if (p == NULL)
    return best;
  double mp = 0.0;
  for (int y = 0; y < hs; y++)
    for (int x = 0; x < w; x++)
      {
        float v = mien_test_luma_at (photo, (float)(x0 + x),
                                     (float)y0 + (float)y / s);
        p[(size_t)y * w + x] = v;
        mp += v;
      }
  mp /= (double)n;
  double sp = 0.0;
  for (size_t i = 0; i < n; i++)
    sp += (p[i] - mp) * (p[i] - mp);
  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++)
      {
        int fx0 = x0 - crop->x + dx, fy0 = y0 - crop->y + dy;
        if (fx0 < 0 || fy0 < 0 || fx0 + w > frame->width
            || fy0 + hs > frame->height)
          continue;
        double mf = 0.0, sf = 0.0, sc = 0.0;
        for (int y = 0; y < hs; y++)
          for (int x = 0; x < w; x++)
            mf += mien_test_luma (frame, fx0 + x, fy0 + y);
        mf /= (double)n;
        for (int y = 0; y < hs; y++)
          for (int x = 0; x < w; x++)
            {
              double f = mien_test_luma (frame, fx0 + x, fy0 + y) - mf;
              sf += f * f;
              sc += f * (p[(size_t)y * w + x] - mp);
            }
        float ncc = sf > 0.0 && sp > 0.0 ? (float)(sc / sqrt (sf * sp)) : 0.0f;
        if (ncc > best.ncc)
          best = (mien_test_match){ ncc, dx, dy };
      }
  free (p);
  return best;
}

/* The face's inter-ocular distance: between its eyes' landmark means. */
static inline float
mien_test_iod (const mien_face *f)
{
  float ex = 0, ey = 0, fx = 0, fy = 0;
  for (int i = 0; i < 6; i++)
    ex += f->landmarks[36 + i].x / 6, ey += f->landmarks[36 + i].y / 6,
        fx += f->landmarks[42 + i].x / 6, fy += f->landmarks[42 + i].y / 6;
  return hypotf (fx - ex, fy - ey);
}

/* How near preview level `level` is to the full frame (full, the crop's)
 * area-averaged to it about region (crop pixels): the mean |level −
 * average| over its samples, with c rendered as it is (d[0]) and with the
 * environment variable `off` set to "1" (d[1]). 0 after a failed CHECK. */
static inline int
mien_test_level_distance (mien_animator *anim, mien_generator *gen,
                          const mien_driving *c, int level,
                          const mien_image *full, mien_rect region,
                          const char *off, double d[2])
{
  mien_error err = { 0 };
  mien_level_size ls = mien_animator_get_level_size (anim, level);
  float f = (float)ls.width / (float)full->width;
  mien_image *avg = mien_image_new (ls.width, ls.height, 3, &err);
  mien_image *lv[2] = { NULL, NULL };
  for (int way = 0; way < 2; way++)
    {
      if (way == 1)
        setenv (off, "1", 1);
      const mien_image *l = NULL;
      CHECK (mien_animator_render_preview (anim, gen, c, level, NULL, &l,
                                           &err) == MIEN_OK,
             "%s", err.message);
      unsetenv (off);
      lv[way] = l ? mien_image_copy (l, &err) : NULL;
    }
  int ok = avg && lv[0] && lv[1]
           && mien_downsample_area (full, avg, NULL, &err) == MIEN_OK;
  CHECK (ok, "level %d: %s", level, err.message);
  int m = 0;
  d[0] = d[1] = 0.0;
  for (int y = (int)(region.y * f);
       ok && y < (int)((region.y + region.height) * f) && y < ls.height; y++)
    for (int x = (int)(region.x * f);
         x < (int)((region.x + region.width) * f) && x < ls.width; x++)
      for (int ch = 0; ch < 3; ch++, m++)
        {
          float a = mien_image_row (avg, y)[(size_t)x * 3 + ch];
          for (int way = 0; way < 2; way++)
            d[way] += fabs (mien_image_row (lv[way], y)[(size_t)x * 3 + ch]
                            - a);
        }
  d[0] /= m ? m : 1, d[1] /= m ? m : 1;
  mien_image_free (avg);
  mien_image_free (lv[0]);
  mien_image_free (lv[1]);
  return ok && m > 0;
}
