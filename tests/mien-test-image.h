/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Image helpers for the engine tests that render faces (test-clip,
 * test-animator, the eval and rig tests), on top of mien-test.h. */
#pragma once

#include <stdio.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-image.h"
#include "mien-test.h"

/* Same shape and the same floats, bit for bit. */
static inline int
mien_test_images_equal (const mien_image *a, const mien_image *b)
{
  return mien_image_same_shape (a, b)
         && memcmp (a->data, b->data,
                    sizeof (float) * mien_image_n_floats (a)) == 0;
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
