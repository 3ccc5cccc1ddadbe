/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The MP4 exporter's float → 8-bit RGB (mien_export_mp4_rgb8, branch-free
 * rounding) against mien_image_to_rgb8 (lrintf per sample), byte for byte:
 * a sweep of every 97th float from -0.01 to 1.01, the floats around each
 * rounding tie (k + 0.5) / 255, and NaN, infinities, -0, denormals and
 * huge values, laid out as 1, 2, 3 and 4 channels and at odd widths. It
 * prints both conversions' time on a 1024² RGB frame (not asserted). */
#include <float.h>
#include <time.h>

#include "io/mien-export-private.h"
#include "io/mien-image-io.h"
#include "mien-test.h"
#include "mien.h"

static float
from_bits (uint32_t u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

static uint32_t
to_bits (float f)
{
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  return u;
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The samples to convert. */
static float *
make_samples (size_t *n)
{
  size_t cap = 1 << 20, k = 0;
  float *v = malloc (cap * sizeof *v);
#define PUSH(x)                                                                \
  do                                                                           \
    {                                                                          \
      if (k == cap)                                                            \
        v = realloc (v, (cap *= 2) * sizeof *v);                               \
      v[k++] = (x);                                                            \
    }                                                                          \
  while (0)
  /* Negative down to -0.01 (sign bit set: walk the magnitude). */
  for (uint32_t u = to_bits (0.01f); u > 0; u = u > 97 ? u - 97 : 0)
    PUSH (-from_bits (u));
  for (uint32_t u = 0; u <= to_bits (1.01f); u += 97)
    PUSH (from_bits (u));
  /* The ties and their neighbours, up to 8 ulps either side. */
  for (int t = 0; t < 256; t++)
    {
      float c = ((float)t + 0.5f) / 255.0f;
      for (int d = -8; d <= 8; d++)
        PUSH (from_bits ((uint32_t)((int64_t)to_bits (c) + d)));
    }
  const float special[] = { NAN, -NAN, INFINITY, -INFINITY, -0.0f, 0.0f,
                            FLT_MIN, FLT_TRUE_MIN, 1.0f,
                            nextafterf (1.0f, 0.0f), nextafterf (1.0f, 2.0f),
                            2.0f, -1.0f, FLT_MAX, -FLT_MAX, 1e10f, 0.5f };
  for (size_t i = 0; i < sizeof special / sizeof *special; i++)
    PUSH (special[i]);
#undef PUSH
  *n = k;
  return v;
}

static void
compare (const float *v, size_t n, int width, int channels)
{
  size_t per_row = (size_t)width * (size_t)channels;
  int height = (int)((n + per_row - 1) / per_row);
  mien_image *img = mien_image_new (width, height, channels, NULL);
  if (img == NULL)
    {
      CHECK (0, "no image %dx%dx%d", width, height, channels);
      return;
    }
  for (size_t i = 0; i < per_row * (size_t)height; i++)
    img->data[i] = v[i % n];
  /* A row stride with slack, filled with a marker that must survive. */
  int stride = 3 * width + 5;
  size_t bytes = (size_t)stride * (size_t)height;
  unsigned char *a = malloc (bytes), *b = malloc (bytes);
  memset (a, 0xA5, bytes);
  memset (b, 0xA5, bytes);
  mien_image_to_rgb8 (img, a, stride);
  mien_export_mp4_rgb8 (img, b, stride);
  size_t first = bytes;
  for (size_t i = 0; i < bytes && first == bytes; i++)
    if (a[i] != b[i])
      first = i;
  CHECK (first == bytes,
         "%d channels, width %d: first difference at byte %zu (%u against "
         "%u)", channels, width, first, first < bytes ? a[first] : 0,
         first < bytes ? b[first] : 0);
  free (a);
  free (b);
  mien_image_free (img);
}

int
main (void)
{
  size_t n;
  float *v = make_samples (&n);
  printf ("%zu samples\n", n);
  for (int channels = 1; channels <= 4; channels++)
    {
      compare (v, n, 4096, channels);
      compare (v, n, 999, channels);
      /* One pixel a row: the ties and the special values. */
      size_t tail = 17 * 256 + 17;
      compare (v + n - tail, tail, 1, channels);
    }
  free (v);

  /* A whole frame (smooth values in [0, 1] with some out of range), both
   * ways, for the record. */
  mien_image *frame = mien_image_new (1024, 1024, 3, NULL);
  CHECK (frame != NULL, "no frame");
  if (frame)
    {
      for (size_t i = 0; i < (size_t)1024 * 1024 * 3; i++)
        frame->data[i] = mien_test_uniform (-0.05f, 1.05f);
      unsigned char *a = malloc ((size_t)1024 * 1024 * 3);
      unsigned char *b = malloc ((size_t)1024 * 1024 * 3);
      double ta = INFINITY, tb = INFINITY;
      for (int r = 0; r < 5; r++)
        {
          double t0 = now ();
          mien_image_to_rgb8 (frame, a, 3 * 1024);
          double t1 = now ();
          mien_export_mp4_rgb8 (frame, b, 3 * 1024);
          double t2 = now ();
          ta = fmin (ta, t1 - t0), tb = fmin (tb, t2 - t1);
        }
      CHECK (memcmp (a, b, (size_t)1024 * 1024 * 3) == 0,
             "the 1024² frame differs");
      printf ("1024² RGB frame: mien_image_to_rgb8 %.2f ms, "
              "mien_export_mp4_rgb8 %.2f ms\n", 1e3 * ta, 1e3 * tb);
      free (a);
      free (b);
      mien_image_free (frame);
    }
  return mien_test_exit_code ();
}
