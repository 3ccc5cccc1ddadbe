/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The app's per-frame path on the GPU (issue #22): the animator, as the
 * app, export and mien-render use it, once with the CPU forced and once on
 * the device, on a 4096² photo of the astronaut, vanilla and multiscale,
 * for a neutral face, a smile, an opened jaw (the mouth interior at the
 * frame's resolution) and a turned head. The CUDA animator must say it runs
 * on CUDA, and its crops must match the CPU's: within 2e-5 (the gpu suite's
 * float ResWarp tolerance plus the host work's rounding) and no 8-bit level
 * apart. The preview at level 0 must match the full crop within one 8-bit
 * level (issue #22's bound for a device compose). It prints each backend's
 * median frame time (5 frames after a warm-up). Exits 77 without a CUDA
 * device. The engine-only build reads the photo from MIEN_DEVICE_DATA
 * (tests/gpu/gpu-device-data.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef MIEN_ENGINE_ONLY
#include "gpu/gpu-device-data.h"
#else
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#endif
#include "mien-animator.h"
#include "mien-device.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien-test.h"

#define SIZE 4096
#define FLOAT_LIMIT 2e-5f
#define TIMED_FRAMES 5

static double
now_ms (void)
{
  struct timespec t;
  clock_gettime (CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int
compare_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The largest difference, in 8-bit levels after rounding, of two images. */
static int
max_level_diff (const mien_image *a, const mien_image *b)
{
  int worst = 0;
  size_t n = mien_image_n_floats (a);
  for (size_t i = 0; i < n; i++)
    {
      int d = abs ((int)lrintf (a->data[i] * 255.0f)
                   - (int)lrintf (b->data[i] * 255.0f));
      worst = d > worst ? d : worst;
    }
  return worst;
}

static mien_image *
copy_image (const mien_image *im)
{
  mien_image *c = mien_image_new (im->width, im->height, im->channels, NULL);
  if (c != NULL)
    memcpy (c->data, im->data, mien_image_n_floats (im) * sizeof (float));
  return c;
}

static mien_status
load_inputs (mien_image **photo, mien_point lm[MIEN_N_LANDMARKS],
             mien_error *err)
{
  char path[4096];
#ifdef MIEN_ENGINE_ONLY
  const char *dir = gpu_device_data_dir ();
  snprintf (path, sizeof path, "%s/astronaut-landmarks.txt", dir);
  if (gpu_device_data_load_landmarks (path, lm, err) != MIEN_OK)
    return err->status;
  snprintf (path, sizeof path, "%s/astronaut.ppm", dir);
  *photo = gpu_device_data_load_ppm (path, err);
#else
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  snprintf (path, sizeof path, "%s/tests/data/landmarks/astronaut.json", root);
  mien_landmark_file lf;
  if (mien_landmark_file_load (path, &lf, err) != MIEN_OK)
    return err->status;
  if (lf.n_faces < 1)
    {
      mien_landmark_file_clear (&lf);
      return mien_error_set (err, MIEN_ERR_FORMAT, "%s: no face", path);
    }
  memcpy (lm, lf.faces[0].landmarks, sizeof (mien_point) * MIEN_N_LANDMARKS);
  mien_landmark_file_clear (&lf);
  snprintf (path, sizeof path, "%s/data/samples/astronaut.png", root);
  *photo = mien_image_load (path, err);
#endif
  return *photo != NULL ? MIEN_OK : err->status;
}

typedef struct {
  const char *name;
  int au;         /* MIEN_AU_* channel, or -1 */
  float value;
  int au2;
  float value2;
} driving_case;

int
main (void)
{
  if (mien_device_probe (NULL) != MIEN_DEVICE_CUDA)
    {
      printf ("SKIP: no CUDA device (or the CPU is forced)\n");
      return 77;
    }
  mien_error err = { 0 };
  mien_image *src = NULL;
  mien_point src_lm[MIEN_N_LANDMARKS];
  if (load_inputs (&src, src_lm, &err) != MIEN_OK)
    {
      printf ("SKIP: the astronaut photo: %s\n", err.message);
      return 77;
    }
  mien_pool *pool = mien_pool_new (0);
  mien_image *photo = mien_image_new (SIZE, SIZE, 3, &err);
  CHECK (photo != NULL, "%s", err.message);
  mien_upsample_bilinear (src, photo, pool, NULL);
  mien_face face;
  memset (&face, 0, sizeof face);
  float k = (float)SIZE / (float)src->width;
  float x0 = 1e9f, y0 = 1e9f, x1 = -1e9f, y1 = -1e9f;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      mien_point p = { (src_lm[i].x + 0.5f) * k - 0.5f,
                       (src_lm[i].y + 0.5f) * k - 0.5f };
      face.landmarks[i] = p;
      x0 = fminf (x0, p.x), y0 = fminf (y0, p.y);
      x1 = fmaxf (x1, p.x), y1 = fmaxf (y1, p.y);
    }
  face.box = (mien_box){ x0, y0, x1 - x0, y1 - y0 };
  face.score = 1.0f;

  const driving_case cases[] = {
    { "neutral", -1, 0, -1, 0 },
    { "smile", MIEN_AU12, 4.0f, MIEN_AU6, 2.0f },
    { "jaw drop", MIEN_AU26, 5.0f, MIEN_AU27, 3.0f },
    { "head turned", MIEN_HEAD_YAW, 15.0f, MIEN_HEAD_PITCH, -5.0f },
  };
  const int n_cases = (int)(sizeof cases / sizeof cases[0]);

  for (int mode = 0; mode < 2; mode++)
    {
      mien_reswarp_mode m = (mien_reswarp_mode)mode;
      mien_device_force_cpu (1);
      mien_animator *cpu = mien_animator_new (photo, &face, m, pool, &err);
      CHECK (cpu != NULL, "CPU animator: %s", err.message);
      mien_device_force_cpu (0);
      mien_animator *gpu = mien_animator_new (photo, &face, m, pool, &err);
      CHECK (gpu != NULL, "CUDA animator: %s", err.message);
      if (cpu == NULL || gpu == NULL)
        {
          mien_animator_free (cpu);
          mien_animator_free (gpu);
          continue;
        }
      CHECK (mien_animator_get_device (cpu) == MIEN_DEVICE_CPU,
             "the forced animator runs on %s",
             mien_device_kind_to_string (mien_animator_get_device (cpu)));
      CHECK (mien_animator_get_device (gpu) == MIEN_DEVICE_CUDA,
             "the device animator runs on %s",
             mien_device_kind_to_string (mien_animator_get_device (gpu)));
      const mien_rect *crop = mien_animator_get_crop (gpu);
      mien_generator *gen_cpu = mien_rig_new (NULL);
      mien_generator *gen_gpu = mien_rig_new (NULL);
      for (int c = 0; c < n_cases; c++)
        {
          mien_driving d;
          mien_driving_init (&d);
          if (cases[c].au >= 0)
            d.values[cases[c].au] = cases[c].value;
          if (cases[c].au2 >= 0)
            d.values[cases[c].au2] = cases[c].value2;
          double t_cpu[TIMED_FRAMES + 1], t_gpu[TIMED_FRAMES + 1];
          const mien_image *want = NULL, *got = NULL;
          mien_image *want_copy = NULL;
          int ok = 1;
          for (int f = 0; f <= TIMED_FRAMES && ok; f++)
            {
              double a = now_ms ();
              ok = mien_animator_render_crop (cpu, gen_cpu, &d, &want, NULL,
                                              &err)
                   == MIEN_OK;
              double b = now_ms ();
              ok = ok
                   && mien_animator_render_crop (gpu, gen_gpu, &d, &got, NULL,
                                                 &err)
                          == MIEN_OK;
              double e = now_ms ();
              t_cpu[f] = b - a, t_gpu[f] = e - b;
            }
          CHECK (ok, "%s: %s", cases[c].name, err.message);
          if (!ok)
            continue;
          want_copy = copy_image (want);
          float diff = mien_image_max_abs_diff (want, got);
          int levels = max_level_diff (want, got);
          qsort (t_cpu + 1, TIMED_FRAMES, sizeof (double), compare_double);
          qsort (t_gpu + 1, TIMED_FRAMES, sizeof (double), compare_double);
          printf ("%-10s %-10s crop %d×%d: CUDA vs CPU max %.3g (%d levels); "
                  "frame median CPU %.1f ms, CUDA %.1f ms\n",
                  mien_reswarp_mode_to_string (m), cases[c].name,
                  crop->width, crop->height, diff, levels,
                  t_cpu[1 + TIMED_FRAMES / 2], t_gpu[1 + TIMED_FRAMES / 2]);
          CHECK (diff <= FLOAT_LIMIT, "%s %s: CUDA and CPU crops differ by %g",
                 mien_reswarp_mode_to_string (m), cases[c].name, diff);
          CHECK (levels == 0, "%s %s: %d 8-bit levels apart",
                 mien_reswarp_mode_to_string (m), cases[c].name, levels);

          /* The preview at full size on the device (a backend without
           * preview levels: the full crop) against the CPU's full crop. */
          const mien_image *preview = NULL;
          CHECK (mien_animator_render_preview (gpu, gen_gpu, &d, 0, NULL,
                                               &preview, &err)
                     == MIEN_OK,
                 "preview: %s", err.message);
          if (preview != NULL && want_copy != NULL)
            {
              int pl = max_level_diff (want_copy, preview);
              CHECK (pl <= 1, "%s %s: the level-0 preview is %d levels from "
                     "the CPU's crop", mien_reswarp_mode_to_string (m),
                     cases[c].name, pl);
            }
          mien_image_free (want_copy);
        }
      mien_generator_free (gen_cpu);
      mien_generator_free (gen_gpu);
      mien_animator_free (cpu);
      mien_animator_free (gpu);
    }
  mien_image_free (photo);
  mien_image_free (src);
  mien_pool_free (pool);
  return mien_test_exit_code ();
}
