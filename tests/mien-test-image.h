/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image helpers for the engine tests that render faces (test-clip,
 * test-animator, the eval and rig tests), on top of mien-test.h. */
#pragma once

#include <stdio.h>
#include <string.h>

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
