/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Per-frame ResWarp time at 512², 1K, 2K and 4K, vanilla and multiscale, with
 * the decomposition (cached per photo in the app) timed separately.
 * Usage: bench-reswarp [FRAMES] [THREADS] [SIZE,SIZE,...] [FIELD.flo];
 * prints a Markdown table. The default field moves every pixel (the worst
 * case for the residual warp); FIELD.flo, a 128² field such as mien-render
 * --debug-dir writes, times a real expression instead, where the still
 * pixels (background, hair) take the kernel's exact-read path.
 * The machine should be otherwise idle: report the load with it.
 *
 * Issue #22's yardstick, measured in the same run: a memcpy on the same
 * threads of the bytes the frame must read and write, counted as the issue
 * counts them: the residual pyramid as float32 (1× the photo in vanilla,
 * about 1.33× in multiscale) plus one float32 frame, whatever the storage.
 * The ratio of the frame's median to that memcpy is the figure the issue
 * bounds (≤ 2.5× for a 4K multiscale frame on 2 threads). The memcpy of
 * the residual bytes alone, the yardstick this bench used before
 * 2026-12-03, is printed beside it so that older tables can be compared.
 * "general" times the same frame through the kernel's general rows
 * (MIEN_WARP_SCALAR=1, the code before the vector rows), so before and
 * after come from one run. "16-bit" times the same frame with the
 * residuals stored in 16 bits (mien_residual_storage FIXED16, what the CPU
 * backend uses for an 8-bit photo; the vector rows); the memcpy still
 * counts them as float32, as issue #22 asks. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mien.h"

#include "mien-bench.h"

/* A photo-like test image: smooth gradients plus fine texture, so the
 * residual is neither zero nor pure noise (cost does not depend on content,
 * but this keeps the numbers honest if that ever changes). */
static mien_image *
make_photo (int size)
{
  mien_image *img = mien_image_new (size, size, 3, NULL);
  unsigned state = 12345;
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      for (int c = 0; c < 3; c++)
        {
          state = state * 1664525u + 1013904223u;
          float noise = (float)(state >> 8) / 16777216.0f;
          mien_image_row (img, y)[x * 3 + c]
              = 0.4f + 0.3f * (float)x / size + 0.2f * (float)y / size
                + 0.1f * noise;
        }
  return img;
}

/* A Middlebury .flo of 128×128 (tag 202021.25, width, height, then u v
 * pairs, little-endian as on every machine this runs on); NULL if not. */
static mien_image *
load_flo_128 (const char *path)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return NULL;
  float tag;
  int wh[2];
  mien_image *field = NULL;
  if (fread (&tag, 4, 1, f) == 1 && tag == 202021.25f
      && fread (wh, 4, 2, f) == 2 && wh[0] == 128 && wh[1] == 128)
    {
      field = mien_image_new (128, 128, 2, NULL);
      if (field != NULL
          && fread (field->data, sizeof (float), 128 * 128 * 2, f)
                 != 128 * 128 * 2)
        {
          mien_image_free (field);
          field = NULL;
        }
    }
  fclose (f);
  return field;
}

typedef struct copy_job {
  char *dst;
  const char *src;
  size_t bytes;
  int n_parts;
} copy_job;

static void
copy_parts (void *data, int begin, int end)
{
  copy_job *job = data;
  size_t part = (job->bytes / (size_t)job->n_parts + 63) & ~(size_t)63;
  for (int i = begin; i < end; i++)
    {
      size_t a = (size_t)i * part;
      size_t b = a + part < job->bytes ? a + part : job->bytes;
      if (a < b)
        memcpy (job->dst + a, job->src + a, b - a);
    }
}

/* A buffer pair for a parallel memcpy of `bytes` (pages touched first). */
typedef struct copy_buffers {
  copy_job job;
  char *src, *dst;
} copy_buffers;

static int
copy_buffers_init (copy_buffers *c, size_t bytes)
{
  c->src = malloc (bytes);
  c->dst = malloc (bytes);
  if (c->src == NULL || c->dst == NULL)
    return 0;
  memset (c->src, 1, bytes);
  memset (c->dst, 2, bytes);
  c->job = (copy_job){ c->dst, c->src, bytes, 256 };
  return 1;
}

static void
copy_buffers_clear (copy_buffers *c)
{
  free (c->src);
  free (c->dst);
}

static double
time_copy (copy_buffers *c, mien_pool *pool)
{
  double t = now_ms ();
  /* Split as the frame's rows are (mien-warp.c: 16 chunks a thread), so
   * that the yardstick balances a held-up thread as well as the frame. */
  mien_pool_parallel_for_chunks (pool, c->job.n_parts, 1, 16, copy_parts,
                                 &c->job);
  return now_ms () - t;
}

static double
time_frame (mien_decomposition *dec, const mien_image *field,
            mien_image *out, mien_pool *pool)
{
  mien_error err = { 0 };
  const mien_image *low = mien_decomposition_get_low (dec);
  double t = now_ms ();
  mien_reswarp (dec, low, field, out, pool, &err);
  return now_ms () - t;
}

static void
median_min (double *times, int n, double *median, double *min)
{
  qsort (times, (size_t)n, sizeof (double), compare_double);
  *median = times[n / 2];
  *min = times[0];
}

/* The frames of the float and 16-bit decompositions and the two memcpys,
 * interleaved (one of each per round), so that the ratios compare work
 * done under the same conditions: on a shared VM the machine's speed
 * drifts within seconds, and timing all frames first and the memcpy after
 * let that drift into the ratio. A NULL decomposition is skipped (NAN). */
typedef struct round_times {
  double frame, frame_min, frame16, frame16_min, copy, copy_min, copy_res,
      copy_res_min;
} round_times;

static void
time_rounds (mien_decomposition *dec, mien_decomposition *dec16,
             const mien_image *field, mien_image *out, copy_buffers *copy,
             copy_buffers *copy_res, int frames, mien_pool *pool,
             round_times *r)
{
  unsetenv ("MIEN_WARP_SCALAR");
  double *t = malloc (sizeof (double) * 4 * (size_t)frames);
  double *tf = t, *tf16 = t + frames, *tc = t + 2 * frames,
         *tr = t + 3 * frames;
  /* One warm-up frame each allocates the multiscale scratch buffers. */
  if (dec != NULL)
    time_frame (dec, field, out, pool);
  if (dec16 != NULL)
    time_frame (dec16, field, out, pool);
  for (int i = 0; i < frames; i++)
    {
      tf[i] = dec != NULL ? time_frame (dec, field, out, pool) : NAN;
      tf16[i] = dec16 != NULL ? time_frame (dec16, field, out, pool) : NAN;
      tc[i] = time_copy (copy, pool);
      tr[i] = time_copy (copy_res, pool);
    }
  median_min (tf, frames, &r->frame, &r->frame_min);
  median_min (tf16, frames, &r->frame16, &r->frame16_min);
  median_min (tc, frames, &r->copy, &r->copy_min);
  median_min (tr, frames, &r->copy_res, &r->copy_res_min);
  free (t);
}

/* Median and minimum frame time through the general rows
 * (MIEN_WARP_SCALAR=1): the code before the vector rows. */
static void
time_general (mien_decomposition *dec, const mien_image *field,
              mien_image *out, int frames, mien_pool *pool, double *median,
              double *min)
{
  setenv ("MIEN_WARP_SCALAR", "1", 1);
  double *times = malloc (sizeof (double) * (size_t)frames);
  time_frame (dec, field, out, pool);
  for (int i = 0; i < frames; i++)
    times[i] = time_frame (dec, field, out, pool);
  median_min (times, frames, median, min);
  free (times);
  unsetenv ("MIEN_WARP_SCALAR");
}

int
main (int argc, char **argv)
{
  int frames = argc > 1 ? atoi (argv[1]) : 21;
  int threads = argc > 2 ? atoi (argv[2]) : 0;
  mien_pool *pool = mien_pool_new (threads);
  int sizes[8] = { 512, 1024, 2048, 4096 };
  int n_sizes = 4;
  if (argc > 3)
    {
      n_sizes = 0;
      for (char *p = argv[3]; *p && n_sizes < 8; p++)
        {
          sizes[n_sizes++] = (int)strtol (p, &p, 10);
          if (*p != ',')
            break;
        }
    }

  /* A smooth field of a few low-res pixels, like an expression change. */
  mien_image *field = mien_image_new (128, 128, 2, NULL);
  if (argc > 4)
    {
      mien_image_free (field);
      field = load_flo_128 (argv[4]);
      if (field == NULL)
        {
          fprintf (stderr, "bench: %s is not a 128×128 .flo\n", argv[4]);
          return 1;
        }
    }
  else
    for (int y = 0; y < 128; y++)
      for (int x = 0; x < 128; x++)
        {
          float *f = mien_image_row (field, y) + 2 * x;
          f[0] = 2.0f * sinf (x * 0.05f) * cosf (y * 0.04f);
          f[1] = 1.5f * cosf (x * 0.03f) * sinf (y * 0.06f);
        }

  int with_general = getenv ("MIEN_BENCH_NO_GENERAL") == NULL;
  printf ("| size | mode | decomposition (once per photo) | frame median | "
          "frame min | 16-bit residuals median (min) | general rows median | "
          "memcpy of residual + frame bytes | frame / memcpy | "
          "16-bit / memcpy | general / memcpy | memcpy of the residual "
          "bytes alone | frames |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (int s = 0; s < n_sizes; s++)
    {
      mien_image *hd = make_photo (sizes[s]);
      mien_image *out = mien_image_new (sizes[s], sizes[s], 3, NULL);
      for (int mode = 0; mode < 2; mode++)
        {
          mien_error err = { 0 };
          double t0 = now_ms ();
          mien_decomposition *dec = mien_decomposition_new (
              hd, 128, 128, (mien_reswarp_mode)mode, pool, &err);
          double t_dec = now_ms () - t0;
          if (dec == NULL)
            {
              fprintf (stderr, "bench: %s\n", err.message);
              return 1;
            }
          /* The residual pyramid's bytes as float32, whatever the storage. */
          size_t bytes = 0;
          for (int k = 0; k < mien_decomposition_get_n_residuals (dec); k++)
            {
              mien_level_size ls = mien_decomposition_get_level_size (dec, k);
              bytes += (size_t)ls.width * (size_t)ls.height * 3
                       * sizeof (float);
            }
          mien_decomposition *dec16 = mien_decomposition_new_ex (
              hd, 128, 128, (mien_reswarp_mode)mode, MIEN_RESIDUAL_FIXED16,
              pool, &err);
          if (dec16 == NULL)
            {
              fprintf (stderr, "bench: %s\n", err.message);
              return 1;
            }
          /* MIEN_BENCH_ONLY=float or =16 times one storage (for perf). */
          const char *only = getenv ("MIEN_BENCH_ONLY");
          const int skip_float = only != NULL && strcmp (only, "16") == 0;
          const int skip_16 = only != NULL && strcmp (only, "float") == 0;
          /* Issue #22's yardstick: the residual bytes read plus one
             float32 frame written. */
          size_t frame_bytes = (size_t)sizes[s] * (size_t)sizes[s] * 3
                               * sizeof (float);
          copy_buffers copy, copy_res;
          if (!copy_buffers_init (&copy, bytes + frame_bytes)
              || !copy_buffers_init (&copy_res, bytes))
            {
              fprintf (stderr, "bench: out of memory\n");
              return 1;
            }
          round_times r;
          time_rounds (skip_float ? NULL : dec, skip_16 ? NULL : dec16, field,
                       out, &copy, &copy_res, frames, pool, &r);
          copy_buffers_clear (&copy);
          copy_buffers_clear (&copy_res);
          double general = NAN, general_min;
          if (with_general)
            time_general (dec, field, out, frames, pool, &general,
                          &general_min);
          printf ("| %d² | %s | %.1f ms | %.2f ms | %.2f ms | %.2f ms (%.2f) | "
                  "%.2f ms | %.2f ms (%.0f MiB) | %.2f | %.2f | %.2f | "
                  "%.2f ms (%.0f MiB) | %d |\n",
                  sizes[s],
                  mien_reswarp_mode_to_string ((mien_reswarp_mode)mode), t_dec,
                  r.frame, r.frame_min, r.frame16, r.frame16_min, general,
                  r.copy, (bytes + frame_bytes) / 1048576.0,
                  r.frame / r.copy, r.frame16 / r.copy, general / r.copy,
                  r.copy_res, bytes / 1048576.0, frames);
          fflush (stdout);
          mien_decomposition_free (dec16);
          mien_decomposition_free (dec);
        }
      mien_image_free (hd);
      mien_image_free (out);
    }
  printf ("\nthreads: %d, vector rows: %s\n", mien_pool_get_n_threads (pool),
          mien_warp_vector_isa ());
  mien_image_free (field);
  mien_pool_free (pool);
  return 0;
}
