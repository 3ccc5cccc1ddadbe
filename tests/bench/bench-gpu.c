/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-gpu: the per-frame path on the GPU beside the CPU, at 1K, 2K and 4K
 * (1024², 2048², 4096² crops of the astronaut photo), vanilla and
 * multiscale, float and half residuals.
 *
 * Per frame: the generator (the rig, on the CPU: 128² work), ResWarp on the
 * device into device memory (what the preview's interop path costs), the
 * same with the frame copied back to the host (the export path), and the
 * CPU's ResWarp on the same inputs. The device's copy bandwidth is measured
 * with a copy kernel; "ideal" is the time to read every residual level once
 * and write the frame once at that bandwidth, and "ratio" the device frame
 * over ideal (target: ≤ 3). The frame is split into its uploads
 * (mien_cuda_reswarp_set_inputs: the field's gain and Jacobians on the
 * host, O^r, F and both uploaded, synchronized) and its kernels (every
 * level composed, synchronized), and "kernels / ideal" is the second over
 * ideal. Target for a 4K multiscale frame on an H100:
 * ≤ 2 ms. Prints "no CUDA device" and exits 77 without one.
 *
 * Usage: bench-gpu [FRAMES (default 21)] [SIZE,SIZE,... (default
 * 1024,2048,4096)]. Crops of 4096² and more run half the frames, 8192² and
 * more a quarter. The engine-only build (-Dengine_only=true) reads the
 * photo and its landmarks from MIEN_DEVICE_DATA (tests/gpu/gpu-device-data.h)
 * instead of data/samples and tests/data/landmarks. */
#include <cuda_runtime_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef MIEN_ENGINE_ONLY
#include "gpu/gpu-device-data.h"
#else
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#endif
#include "mien-cuda-reswarp.h"
#include "mien-cuda.h"
#include "mien-generator.h"
#include "mien-resample.h"
#include "mien-rig.h"

#include "mien-bench.h"

static double
median (double *t, int n)
{
  qsort (t, (size_t)n, sizeof *t, compare_double);
  return t[n / 2];
}

static void
die (const char *what, const mien_error *err)
{
  fprintf (stderr, "bench-gpu: %s: %s\n", what, err->message);
  exit (1);
}

static void
bench (const mien_image *photo, const mien_point *lm128, int frames,
       double gbs, mien_pool *pool)
{
  int S = photo->width;
  for (int mode = 0; mode < 2; mode++)
    for (int st = 0; st < 2; st++)
      {
        mien_error err = { 0 };
        double t0 = now_ms ();
        mien_cuda_decomposition *gpu = mien_cuda_decomposition_new (
            photo, 128, 128, (mien_reswarp_mode)mode, (mien_cuda_storage)st,
            &err);
        double prep_gpu = now_ms () - t0;
        if (gpu == NULL)
          die ("CUDA decomposition", &err);
        mien_decomposition *cpu = NULL;
        double prep_cpu = 0;
        if (st == 0)
          {
            t0 = now_ms ();
            cpu = mien_decomposition_new (photo, 128, 128,
                                          (mien_reswarp_mode)mode, pool, &err);
            prep_cpu = now_ms () - t0;
            if (cpu == NULL)
              die ("CPU decomposition", &err);
          }
        mien_generator *gen = mien_rig_new (NULL);
        mien_generator_output g;
        mien_generator_output_init (&g, 128, 128, 3, NULL);
        mien_image *out = mien_image_new (S, S, 3, NULL);
        float *dev = NULL;
        size_t pitch = (size_t)S * 3 * sizeof (float);
        double *tg = calloc (frames, sizeof *tg), *td = calloc (frames, sizeof *td);
        double *th = calloc (frames, sizeof *th), *tc = calloc (frames, sizeof *tc);
        double *tu = calloc (frames, sizeof *tu), *tk = calloc (frames, sizeof *tk);
        if (cudaMalloc ((void **)&dev, pitch * S) != cudaSuccess)
          {
            fprintf (stderr, "bench-gpu: cannot allocate the frame\n");
            exit (1);
          }
        for (int i = 0; i <= frames; i++)
          {
            mien_driving c;
            mien_driving_init (&c);
            c.values[MIEN_AU12] = 5.0f * (float)(i % 10) / 9.0f;
            c.values[MIEN_AU26] = 2.0f + (float)(i % 3);
            double a = now_ms ();
            if (mien_generator_generate (gen, mien_cuda_decomposition_get_low (gpu),
                                         &c, lm128, &g, pool, &err) != MIEN_OK)
              die ("generator", &err);
            double b = now_ms ();
            if (mien_cuda_reswarp_set_inputs (gpu, g.refined, g.field, &err)
                != MIEN_OK)
              die ("CUDA frame", &err);
            double u = now_ms ();
            if (mien_cuda_reswarp_device (gpu, dev, pitch, 3, &err) != MIEN_OK
                || mien_cuda_decomposition_synchronize (gpu, &err) != MIEN_OK)
              die ("CUDA frame", &err);
            double d = now_ms ();
            if (mien_cuda_reswarp (gpu, g.refined, g.field, out, &err) != MIEN_OK)
              die ("CUDA frame to host", &err);
            double h = now_ms ();
            if (cpu != NULL
                && mien_reswarp (cpu, g.refined, g.field, out, pool, &err)
                       != MIEN_OK)
              die ("CPU frame", &err);
            double e = now_ms ();
            if (i > 0) /* the first frame warms up */
              tg[i - 1] = b - a, td[i - 1] = d - b, th[i - 1] = h - d,
                     tc[i - 1] = e - h, tu[i - 1] = u - b, tk[i - 1] = d - u;
          }
        double bytes = (double)mien_cuda_decomposition_get_frame_bytes (gpu);
        double ideal = bytes / (gbs * 1e9) * 1e3;
        double mdev = median (td, frames);
        double mup = median (tu, frames), mker = median (tk, frames);
        char cpu_frame[32] = "–", cpu_prep[32] = "–";
        if (cpu != NULL)
          {
            snprintf (cpu_frame, sizeof cpu_frame, "%.1f", median (tc, frames));
            snprintf (cpu_prep, sizeof cpu_prep, "%.0f", prep_cpu);
          }
        printf ("| %d² | %s | %s | %.2f | %.3f | %.2f | %s | %.0f | %s | %.0f | "
                "%.3f | %.2f | %.3f | %.3f | %.2f |\n",
                S, mien_reswarp_mode_to_string ((mien_reswarp_mode)mode),
                st ? "half" : "float", median (tg, frames), mdev,
                median (th, frames), cpu_frame, prep_gpu, cpu_prep,
                bytes / 1048576.0, ideal, mdev / ideal, mup, mker,
                mker / ideal);
        fflush (stdout);
        cudaFree (dev);
        free (tg), free (td), free (th), free (tc), free (tu), free (tk);
        mien_image_free (out);
        mien_generator_output_clear (&g);
        mien_generator_free (gen);
        mien_decomposition_free (cpu);
        mien_cuda_decomposition_free (gpu);
      }
}

int
main (int argc, char **argv)
{
  int frames = argc > 1 ? atoi (argv[1]) : 21;
  if (frames < 1)
    frames = 1;
  mien_cuda_device_info info;
  mien_error err = { 0 };
  if (mien_cuda_probe (&info, &err) != MIEN_OK)
    {
      printf ("no CUDA device: %s\n", err.message);
      return 77;
    }
  double gbs = 0;
  if (mien_cuda_measure_bandwidth ((size_t)256 << 20, 10, &gbs, &err)
      != MIEN_OK)
    die ("bandwidth", &err);
  mien_pool *pool = mien_pool_new (0);
  printf ("device: %s (compute %d.%d, %d SMs), copy bandwidth %.0f GB/s; "
          "CPU threads: %d\n\n",
          info.name, info.cc_major, info.cc_minor, info.sm_count, gbs,
          mien_pool_get_n_threads (pool));

  int sizes[8] = { 1024, 2048, 4096 };
  int n_sizes = 3;
  if (argc > 2)
    {
      n_sizes = 0;
      for (char *p = argv[2]; *p && n_sizes < 8; p++)
        {
          sizes[n_sizes] = (int)strtol (p, &p, 10);
          if (sizes[n_sizes] < 128 || sizes[n_sizes] > 16384)
            {
              fprintf (stderr, "bench-gpu: sizes are 128 to 16384\n");
              return 2;
            }
          n_sizes++;
          if (*p != ',')
            break;
        }
    }

  char path[4096];
  mien_point photo_lm[MIEN_N_LANDMARKS];
#ifdef MIEN_ENGINE_ONLY
  const char *dir = gpu_device_data_dir ();
  snprintf (path, sizeof path, "%s/astronaut-landmarks.txt", dir);
  if (gpu_device_data_load_landmarks (path, photo_lm, &err) != MIEN_OK)
    die ("landmarks", &err);
  snprintf (path, sizeof path, "%s/astronaut.ppm", dir);
  mien_image *src = gpu_device_data_load_ppm (path, &err);
  if (src == NULL)
    die ("photo (run gpu/device-check-build.sh)", &err);
#else
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  root = root ? root : ".";
  snprintf (path, sizeof path, "%s/tests/data/landmarks/astronaut.json", root);
  mien_landmark_file lf;
  if (mien_landmark_file_load (path, &lf, &err) != MIEN_OK || lf.n_faces < 1)
    die ("landmarks", &err);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    photo_lm[i] = lf.faces[0].landmarks[i];
  mien_landmark_file_clear (&lf);
  snprintf (path, sizeof path, "%s/data/samples/astronaut.png", root);
  mien_image *src = mien_image_load (path, &err);
  if (src == NULL)
    die ("photo (run scripts/fetch-assets.sh)", &err);
#endif

  printf ("| crop | ResWarp | residuals | generator (CPU) ms | CUDA frame "
          "ms | CUDA frame + download ms | CPU frame ms | CUDA prep ms | CPU "
          "prep ms | frame MiB | ideal ms | ratio | of the frame, uploads "
          "ms | of the frame, kernels ms | kernels / ideal |\n");
  printf ("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int s = 0; s < n_sizes; s++)
    {
      int S = sizes[s];
      mien_image *photo = mien_image_new (S, S, src->channels, NULL);
      mien_upsample_bilinear (src, photo, pool, NULL);
      mien_point lm[MIEN_N_LANDMARKS];
      float k = 128.0f / (float)src->width;
      for (int i = 0; i < MIEN_N_LANDMARKS; i++)
        lm[i] = (mien_point){ (photo_lm[i].x + 0.5f) * k - 0.5f,
                              (photo_lm[i].y + 0.5f) * k - 0.5f };
      int n = S >= 8192 ? (frames + 3) / 4 : S >= 4096 ? (frames + 1) / 2
                                                       : frames;
      bench (photo, lm, n, gbs, pool);
      mien_image_free (photo);
    }
  mien_image_free (src);
  mien_pool_free (pool);
  return 0;
}
