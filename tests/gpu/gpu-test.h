/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared by the gpu suite: skipping without a device, random images,
 * sentinel-guarded buffers. */
#pragma once

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mien-cuda.h"
#include "mien-image.h"
#include "mien-test.h"

/* Meson reads exit code 77 as "skipped". */
#define MIEN_TEST_SKIP 77

/* Returns 1 with a device; otherwise prints why and returns 0. */
static inline int
gpu_test_have_device (void)
{
  mien_cuda_device_info info;
  mien_error err = { 0 };
  if (mien_cuda_probe (&info, &err) != MIEN_OK)
    {
      printf ("SKIP: %s\n", err.message);
      return 0;
    }
  printf ("device: %s, compute %d.%d, %d SMs, %.1f GiB\n", info.name,
          info.cc_major, info.cc_minor, info.sm_count,
          info.total_memory / 1073741824.0);
  return 1;
}

static inline mien_image *
gpu_test_random_image (int w, int h, int c, float lo, float hi)
{
  mien_image *im = mien_image_new (w, h, c, NULL);
  if (im == NULL)
    abort ();
  size_t n = mien_image_n_floats (im);
  for (size_t i = 0; i < n; i++)
    im->data[i] = mien_test_uniform (lo, hi);
  return im;
}

/* A smooth random field of amplitude amp (low-res pixels): a few random
 * sines, like the generator's fields, plus exact zeros in one corner so the
 * zero-displacement read is exercised. */
static inline mien_image *
gpu_test_field (int w, int h, float amp)
{
  mien_image *f = mien_image_new (w, h, 2, NULL);
  if (f == NULL)
    abort ();
  float a[4], b[4];
  for (int i = 0; i < 4; i++)
    a[i] = mien_test_uniform (0.02f, 0.15f), b[i] = mien_test_uniform (0, 6);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        float *p = f->data + ((size_t)y * w + x) * 2;
        int still = x < w / 4 && y < h / 4;
        p[0] = still ? 0.0f : amp * sinf (a[0] * x + b[0]) * cosf (a[1] * y + b[1]);
        p[1] = still ? 0.0f : amp * sinf (a[2] * y + b[2]) * cosf (a[3] * x + b[3]);
      }
  return f;
}

static const float gpu_test_sentinel = 12345.678f;

/* An image whose buffer has `guard` sentinel floats after its end. */
static inline mien_image *
gpu_test_guarded_image (int w, int h, int c, size_t guard)
{
  mien_image *im = calloc (1, sizeof *im);
  size_t n = (size_t)w * h * c;
  float *data = malloc ((n + guard) * sizeof (float));
  if (im == NULL || data == NULL)
    abort ();
  for (size_t i = 0; i < n + guard; i++)
    data[i] = gpu_test_sentinel;
  *im = (mien_image){ w, h, c, data };
  return im;
}

static inline int
gpu_test_guard_intact (const mien_image *im, size_t guard)
{
  const float *g = im->data + mien_image_n_floats (im);
  for (size_t i = 0; i < guard; i++)
    if (g[i] != gpu_test_sentinel)
      return 0;
  return 1;
}
