/* SPDX-License-Identifier: GPL-3.0-or-later */
/* From a slider change to a finished frame: generator (the AU rig) +
 * ResWarp + paste-back, with the per-photo work (headshot crop,
 * decomposition) cached, for a 1K and a 4K face crop, vanilla and
 * multiscale. Each frame moves a slider (AU12 and AU26 sweep), so nothing
 * is reused between frames.
 *
 * The photos are the astronaut's headshot crop (tests/data/landmarks) scaled
 * up bilinearly to SIZE² with its landmarks, so the chosen crop is the whole
 * SIZE² photo. Without data/samples/astronaut.png a synthetic photo with the
 * same landmarks stands in (the cost does not depend on content).
 *
 * Then the head's region (issue #24): the first pose frame of a face fits
 * the generic head and builds its depth, weight and region (once per
 * photo, cached); the next reuses them. Both are timed on the 4K photo
 * with a fresh rig each round; the difference is the region's cost.
 *
 * Then head pose frames with the outline held and with the head turned as
 * a layer (MIEN_POSE_LAYERED=1), whose first frame makes the fill.
 *
 * Usage: bench-generator [FRAMES_1K] [FRAMES_4K] [THREADS]; prints Markdown. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-resample.h"
#include "mien-rig.h"

#include "mien-bench.h"

static mien_image *
source_crop (const char *root, const mien_face *face, mien_rect *crop)
{
  char path[4096];
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/data/samples/astronaut.png", root);
  mien_image *photo = mien_image_load (path, &err);
  if (!photo)
    {
      fprintf (stderr, "bench-generator: %s; using a synthetic photo\n", err.message);
      photo = mien_image_new (512, 512, 3, NULL);
      for (size_t i = 0; i < mien_image_n_floats (photo); i++)
        photo->data[i] = 0.3f + 0.4f * (float)((i * 2654435761u) >> 20 & 255) / 255.0f;
    }
  mien_headshot_choose (face, photo->width, photo->height, crop, NULL);
  mien_image *c = mien_image_crop (photo, crop->x, crop->y, crop->width,
                                   crop->height, NULL);
  mien_image_free (photo);
  return c;
}

/* The crop scaled up bilinearly to size² and the face's landmarks with it
 * (into *f). */
static mien_image *
scaled_photo (const mien_image *src, const mien_rect *crop,
              const mien_face *face, int size, mien_pool *pool, mien_face *f)
{
  *f = *face;
  float k = (float)size / (float)crop->width;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    f->landmarks[i] = (mien_point){ (face->landmarks[i].x - crop->x) * k,
                                    (face->landmarks[i].y - crop->y) * k };
  mien_image *photo = mien_image_new (size, size, 3, NULL);
  mien_upsample_bilinear (src, photo, pool, NULL);
  return photo;
}

static void
bench_size (const mien_image *src, const mien_rect *crop, const mien_face *face,
            int size, int frames, mien_pool *pool)
{
  mien_face f;
  mien_image *photo = scaled_photo (src, crop, face, size, pool, &f);
  for (int mode = 0; mode < 2; mode++)
    {
      mien_error err = { 0 };
      double t0 = now_ms ();
      mien_animator *anim = mien_animator_new (photo, &f, (mien_reswarp_mode)mode,
                                               pool, &err);
      double prep = now_ms () - t0;
      mien_image *frame = mien_image_copy (photo, NULL);
      mien_generator *gen = mien_rig_new (NULL);
      if (!anim || !frame)
        {
          fprintf (stderr, "bench-generator: %s\n", err.message);
          exit (1);
        }
      double *t = calloc ((size_t)frames, sizeof *t), *tg = calloc ((size_t)frames, sizeof *tg);
      mien_generator_output g;
      mien_generator_output_init (&g, MIEN_LOW_RES, MIEN_LOW_RES, 3, NULL);
      for (int i = 0; i < frames + 1; i++)
        {
          mien_driving c;
          mien_driving_init (&c);
          c.values[MIEN_AU12] = 5.0f * (float)(i % 10) / 9.0f;
          c.values[MIEN_AU26] = 2.0f + (float)(i % 3);
          /* Brows too, so the wrinkle shading (AU4, AU1) is timed. */
          c.values[MIEN_AU4] = 1.0f + (float)(i % 5);
          c.values[MIEN_AU1] = 5.0f - (float)(i % 5);
          /* and the lip seal on every other frame (AU23 against AU26). */
          c.values[MIEN_AU23] = (i % 2) ? 5.0f : 0.0f;
          /* and the nasolabial and nose-root shading (AU10, AU9). */
          c.values[MIEN_AU10] = 1.0f + (float)(i % 5);
          c.values[MIEN_AU9] = 5.0f - (float)(i % 5);
          double a = now_ms ();
          mien_animator_render (anim, gen, &c, frame, NULL, &err);
          double b = now_ms ();
          mien_generator_generate (gen, mien_animator_get_low (anim), &c,
                                   mien_animator_get_grid_landmarks (anim), &g,
                                   pool, NULL);
          double d = now_ms ();
          if (i) /* the first frame warms caches and the pool */
            t[i - 1] = b - a, tg[i - 1] = d - b;
        }
      qsort (t, (size_t)frames, sizeof *t, compare_double);
      qsort (tg, (size_t)frames, sizeof *tg, compare_double);
      printf ("| %d² crop | %s | %.1f | %.1f | %.1f | %.1f | %d |\n", size,
              mien_reswarp_mode_to_string ((mien_reswarp_mode)mode), t[frames / 2],
              t[0], tg[frames / 2], prep, frames);
      fflush (stdout);
      free (t), free (tg);
      mien_generator_output_clear (&g);
      mien_generator_free (gen);
      mien_image_free (frame);
      mien_animator_free (anim);
    }
  mien_image_free (photo);
}

/* The head's fit, depth, weight and region: first pose frame of a face
 * against the next (medians over `rounds` fresh rigs). */
static void
bench_head_region (const mien_image *src, const mien_rect *crop,
                   const mien_face *face, int size, int rounds, mien_pool *pool)
{
  mien_face f;
  mien_image *photo = scaled_photo (src, crop, face, size, pool, &f);
  mien_error err = { 0 };
  mien_animator *anim = mien_animator_new (photo, &f, MIEN_RESWARP_VANILLA,
                                           pool, &err);
  if (!anim)
    {
      fprintf (stderr, "bench-generator: %s\n", err.message);
      exit (1);
    }
  mien_generator_output g;
  mien_generator_output_init (&g, MIEN_LOW_RES, MIEN_LOW_RES, 3, NULL);
  double *first = calloc ((size_t)rounds, sizeof *first);
  double *next = calloc ((size_t)rounds, sizeof *next);
  for (int r = 0; r < rounds; r++)
    {
      mien_generator *gen = mien_rig_new (NULL);
      mien_driving c;
      mien_driving_init (&c);
      c.values[MIEN_HEAD_YAW] = 10.0f;
      double a = now_ms ();
      mien_generator_generate (gen, mien_animator_get_low (anim), &c,
                               mien_animator_get_grid_landmarks (anim), &g,
                               pool, NULL);
      double b = now_ms ();
      c.values[MIEN_HEAD_YAW] = 12.0f;
      mien_generator_generate (gen, mien_animator_get_low (anim), &c,
                               mien_animator_get_grid_landmarks (anim), &g,
                               pool, NULL);
      double d = now_ms ();
      first[r] = b - a, next[r] = d - b;
      mien_generator_free (gen);
    }
  qsort (first, (size_t)rounds, sizeof *first, compare_double);
  qsort (next, (size_t)rounds, sizeof *next, compare_double);
  printf ("\n| head region (issue #24), %d² photo | first pose frame (ms) | "
          "next pose frame (ms) | region, once per photo (ms) | rounds |\n",
          size);
  printf ("|---|---|---|---|---|\n");
  printf ("| generator, yaw 10 then 12 | %.1f | %.1f | %.1f | %d |\n",
          first[rounds / 2], next[rounds / 2],
          first[rounds / 2] - next[rounds / 2], rounds);
  free (first), free (next);
  mien_generator_output_clear (&g);
  mien_animator_free (anim);
  mien_image_free (photo);
}

/* Pose frames (a roll and yaw sweep, vanilla) with the outline held and
 * with the head turned as a layer (MIEN_POSE_LAYERED): the first layered
 * frame makes the background's fill (once per photo). */
static void
bench_pose_frames (const mien_image *src, const mien_rect *crop,
                   const mien_face *face, int size, int frames,
                   mien_pool *pool)
{
  mien_face f;
  mien_image *photo = scaled_photo (src, crop, face, size, pool, &f);
  for (int layered = 0; layered < 2; layered++)
    {
      setenv ("MIEN_POSE_LAYERED", layered ? "1" : "0", 1);
      mien_error err = { 0 };
      mien_animator *anim = mien_animator_new (photo, &f, MIEN_RESWARP_VANILLA,
                                               pool, &err);
      mien_image *frame = mien_image_copy (photo, NULL);
      mien_generator *gen = mien_rig_new (NULL);
      if (!anim || !frame || !gen)
        {
          fprintf (stderr, "bench-generator: %s\n", err.message);
          exit (1);
        }
      double *t = calloc ((size_t)frames, sizeof *t), first = 0.0;
      for (int i = 0; i < frames + 1; i++)
        {
          mien_driving c;
          mien_driving_init (&c);
          c.values[MIEN_HEAD_ROLL] = -15.0f + 3.0f * (float)(i % 11);
          c.values[MIEN_HEAD_YAW] = 10.0f - 2.0f * (float)(i % 11);
          double a = now_ms ();
          mien_animator_render (anim, gen, &c, frame, NULL, &err);
          double b = now_ms ();
          if (i)
            t[i - 1] = b - a;
          else
            first = b - a;
        }
      qsort (t, (size_t)frames, sizeof *t, compare_double);
      printf ("| %d² photo | %s | %.1f | %.1f | %d |\n", size,
              layered ? "layered (MIEN_POSE_LAYERED=1)" : "outline held",
              t[frames / 2], first, frames);
      fflush (stdout);
      free (t);
      mien_generator_free (gen);
      mien_image_free (frame);
      mien_animator_free (anim);
    }
  unsetenv ("MIEN_POSE_LAYERED");
  mien_image_free (photo);
}

int
main (int argc, char **argv)
{
  int frames_1k = argc > 1 ? atoi (argv[1]) : 31;
  int frames_4k = argc > 2 ? atoi (argv[2]) : 9;
  int threads = argc > 3 ? atoi (argv[3]) : 0;
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  char path[4096];
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/tests/data/landmarks/astronaut.json", root);
  mien_landmark_file lf;
  if (mien_landmark_file_load (path, &lf, &err) != MIEN_OK || lf.n_faces < 1)
    {
      fprintf (stderr, "bench-generator: %s\n", err.message);
      return 1;
    }
  mien_pool *pool = mien_pool_new (threads);
  mien_rect crop;
  mien_image *src = source_crop (root, &lf.faces[0], &crop);
  printf ("threads: %d\n\n", mien_pool_get_n_threads (pool));
  printf ("| crop | ResWarp | frame median (ms) | frame min (ms) | generator "
          "median (ms) | per-photo prep (ms) | frames |\n");
  printf ("|---|---|---|---|---|---|---|\n");
  bench_size (src, &crop, &lf.faces[0], 1024, frames_1k, pool);
  bench_size (src, &crop, &lf.faces[0], 4096, frames_4k, pool);
  bench_head_region (src, &crop, &lf.faces[0], 4096, 9, pool);
  printf ("\n| head pose frames, roll and yaw sweep | the turn | frame median "
          "(ms) | first frame (ms) | frames |\n|---|---|---|---|---|\n");
  bench_pose_frames (src, &crop, &lf.faces[0], 1024, frames_1k, pool);
  bench_pose_frames (src, &crop, &lf.faces[0], 4096, frames_4k, pool);
  mien_image_free (src);
  mien_landmark_file_clear (&lf);
  mien_pool_free (pool);
  return 0;
}
