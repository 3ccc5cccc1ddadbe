/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ATW generator forward time: F, O^w and O^r for one 128² input on the CPU
 * backend (OpenBLAS sgemm + the engine's pool), weights from a file.
 * Each frame changes the driving vector, so nothing is reused.
 *
 * Usage: bench-atw WEIGHTS.safetensors [FRAMES] [THREADS]; prints one
 * Markdown table row: parameters, threads, median / min / mean ms. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "mien-cli.h"
#include "atw/mien-atw.h"
#include "nn/mien-nn-cpu.h"

#include "mien-bench.h"

int
main (int argc, char **argv)
{
  /* Measure the BLAS kernels the tools and the app run (mien-cli.h). */
  mien_cli_use_fast_blas (argv);
  if (argc < 2)
    {
      fprintf (stderr, "usage: bench-atw WEIGHTS [FRAMES] [THREADS]\n");
      return 2;
    }
  int frames = argc > 2 ? atoi (argv[2]) : 20;
  int threads = argc > 3 ? atoi (argv[3]) : 0;
  frames = frames < 1 ? 1 : frames > 1000 ? 1000 : frames;
  mien_error err = { 0 };
  mien_pool *pool = threads > 0 ? mien_pool_new (threads) : NULL;
  mien_nn_backend *cpu = mien_nn_cpu_backend_new (pool, threads, &err);
  mien_generator *gen = cpu ? mien_atw_generator_new (argv[1], cpu, &err) : NULL;
  mien_image *in = gen ? mien_image_new (128, 128, 3, &err) : NULL;
  mien_generator_output out = { 0 };
  if (!in || mien_generator_output_init (&out, 128, 128, 3, &err))
    {
      fprintf (stderr, "bench-atw: %s\n", err.message);
      return 1;
    }
  for (size_t i = 0; i < mien_image_n_floats (in); i++)
    in->data[i] = (float)((i * 2654435761u) >> 20 & 255) / 255.0f;
  mien_atw_info info;
  mien_atw_generator_get_info (gen, &info);
  double *ms = malloc ((size_t)frames * sizeof *ms), sum = 0.0;
  float c[MIEN_ATW_MAX_DRIVING] = { 0 };
  for (int f = -1; f < frames; f++) /* frame -1 warms up */
    {
      for (int k = 0; k < info.n_driving; k++)
        c[k] = (float)((f + 2) * (k + 1) % 7) / 7.0f;
      double t0 = now_ms ();
      if (mien_atw_generator_run (gen, in, c, &out, &err) != MIEN_OK)
        {
          fprintf (stderr, "bench-atw: %s\n", err.message);
          return 1;
        }
      if (f >= 0)
        sum += ms[f] = now_ms () - t0;
    }
  qsort (ms, (size_t)frames, sizeof *ms, compare_double);
  printf ("| %d/%d | %.2fM | %d | %s | %.1f | %.1f | %.1f |\n",
          info.motion_width, info.refine_width, info.n_parameters / 1e6,
          frames,
          threads > 0 ? argv[3] : "all", ms[frames / 2], ms[0], sum / frames);
  free (ms);
  mien_image_free (in);
  mien_generator_output_clear (&out);
  mien_generator_free (gen);
  mien_pool_free (pool);
  return 0;
}
