/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The astronaut (data/samples) with its fixture landmarks
 * (tests/data/landmarks), or another sample face with its own
 * (sample_rig_open), prepared for the rig at the generator's 128²:
 * shared by the rig tests that look at what the rig makes of a real face
 * (test-lip-seal, test-rig-shading, test-rig-yaw, test-rig-au18). */
#pragma once

#include <math.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-rig.h"
#include "mien-test.h"

typedef struct astronaut_rig {
  mien_image *photo;
  mien_landmark_file lf;
  mien_animator *anim;
  mien_generator *gen;
  mien_generator_output g;
  const mien_point *lm; /* landmarks on the 128² grid */
} astronaut_rig;

/* Face `face` of the sample photo data/samples/PHOTO with its fixture
 * landmarks tests/data/landmarks/STEM.json (STEM: PHOTO without its
 * extension). 0 when ready, 77 (skip) without the sample photo. */
static inline int
sample_rig_open (astronaut_rig *r, const char *photo, int face)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  char path[4096];
  mien_error err = { 0 };
  memset (r, 0, sizeof *r);
  snprintf (path, sizeof path, "%s/data/samples/%s", root, photo);
  FILE *f = fopen (path, "rb");
  if (!f)
    {
      printf ("SKIP: %s missing (scripts/setup.sh fetches it)\n", path);
      return 77;
    }
  fclose (f);
  r->photo = mien_image_load (path, &err);
  CHECK (r->photo != NULL, "%s", err.message);
  int stem = (int)(strrchr (photo, '.') ? strrchr (photo, '.') - photo
                                         : (long)strlen (photo));
  snprintf (path, sizeof path, "%s/tests/data/landmarks/%.*s.json", root,
            stem, photo);
  CHECK (mien_landmark_file_load (path, &r->lf, &err) == MIEN_OK, "%s",
         err.message);
  CHECK (face >= 0 && face < r->lf.n_faces, "%s has face %d", path,
         face);
  if (face < 0 || face >= r->lf.n_faces)
    exit (mien_test_exit_code ());
  r->anim = mien_animator_new (r->photo, &r->lf.faces[face],
                               MIEN_RESWARP_MULTISCALE, NULL, &err);
  CHECK (r->anim != NULL, "%s", err.message);
  r->gen = mien_rig_new (&err);
  CHECK (r->gen != NULL, "%s", err.message);
  CHECK (mien_generator_output_init (&r->g, MIEN_LOW_RES, MIEN_LOW_RES, 3,
                                     &err) == MIEN_OK, "%s", err.message);
  if (r->anim == NULL || r->gen == NULL)
    exit (mien_test_exit_code ());
  r->lm = mien_animator_get_grid_landmarks (r->anim);
  return 0;
}

/* The astronaut's face. */
static inline int
astronaut_rig_open (astronaut_rig *r)
{
  return sample_rig_open (r, "astronaut.png", 0);
}

/* Runs the rig on the 128² face with an AU spec ("12=5,6=3") into r->g. */
static inline void
astronaut_rig_generate (astronaut_rig *r, const char *aus)
{
  mien_error err = { 0 };
  mien_driving c;
  mien_driving_init (&c);
  CHECK (mien_driving_parse (&c, aus, &err) == MIEN_OK, "%s: %s", aus,
         err.message);
  CHECK (mien_generator_generate (r->gen, mien_animator_get_low (r->anim), &c,
                                  r->lm, &r->g, NULL, &err) == MIEN_OK,
         "%s: %s", aus, err.message);
}

static inline void
astronaut_rig_close (astronaut_rig *r)
{
  mien_generator_output_clear (&r->g);
  mien_generator_free (r->gen);
  mien_animator_free (r->anim);
  mien_landmark_file_clear (&r->lf);
  mien_image_free (r->photo);
}

/* Channel c of a 2-channel field at p, bilinear (p inside the grid). */
static inline float
rig_field_at (const mien_image *f, mien_point p, int c)
{
  int x0 = (int)floorf (p.x), y0 = (int)floorf (p.y);
  float wx = p.x - (float)x0, wy = p.y - (float)y0;
  float v[2][2];
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      v[j][i] = mien_image_row (f, y0 + j)[2 * (x0 + i) + c];
  return (1 - wy) * ((1 - wx) * v[0][0] + wx * v[0][1])
         + wy * ((1 - wx) * v[1][0] + wx * v[1][1]);
}

/* The forward motion m of the point p: the backward field at p + m is −m
 * (a fixed point; the rig's fields are gentle enough for it to converge). */
static inline mien_point
rig_motion_of (const mien_image *f, mien_point p)
{
  mien_point m = { 0, 0 };
  for (int it = 0; it < 30; it++)
    {
      mien_point q = { p.x + m.x, p.y + m.y };
      m = (mien_point){ -rig_field_at (f, q, 0), -rig_field_at (f, q, 1) };
    }
  return m;
}
