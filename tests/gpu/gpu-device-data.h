/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Inputs of the engine-only build (-Dengine_only=true), which has no
 * GdkPixbuf or json-glib: photos as binary PPM (P6, 8 bits) and landmarks
 * as text, "x y" per line in the photo's pixels, C-locale numbers. They
 * are written by gpu/device-check-build.sh into the folder that
 * MIEN_DEVICE_DATA names (default: the current folder). */
#pragma once

#include <stdio.h>
#include <stdlib.h>

#include "mien-c-locale.h"
#include "mien-error.h"
#include "mien-image.h"
#include "mien-landmarks.h"

static inline const char *
gpu_device_data_dir (void)
{
  const char *dir = getenv ("MIEN_DEVICE_DATA");
  return dir != NULL && *dir ? dir : ".";
}

/* Skips whitespace and # comments between PPM header fields. */
static inline int
gpu_ppm_int (FILE *f)
{
  int c = fgetc (f);
  while (c == '#' || c == ' ' || c == '\t' || c == '\n' || c == '\r')
    {
      if (c == '#')
        while (c != '\n' && c != EOF)
          c = fgetc (f);
      c = fgetc (f);
    }
  int v = -1;
  if (c >= '0' && c <= '9')
    for (v = 0; c >= '0' && c <= '9' && v < 1000000; c = fgetc (f))
      v = v * 10 + (c - '0');
  return v; /* the one whitespace after the number is consumed */
}

/* A P6 PPM with maxval 255 as a 3-channel image in [0, 1]. */
static inline mien_image *
gpu_device_data_load_ppm (const char *path, mien_error *err)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    {
      mien_error_set (err, MIEN_ERR_IO, "cannot open %s", path);
      return NULL;
    }
  mien_image *im = NULL;
  int w = -1, h = -1, maxval = -1;
  if (fgetc (f) == 'P' && fgetc (f) == '6')
    w = gpu_ppm_int (f), h = gpu_ppm_int (f), maxval = gpu_ppm_int (f);
  if (w <= 0 || h <= 0 || maxval != 255)
    mien_error_set (err, MIEN_ERR_FORMAT, "%s: not an 8-bit binary PPM", path);
  else if ((im = mien_image_new (w, h, 3, err)) != NULL)
    {
      size_t n = mien_image_n_floats (im);
      unsigned char *buf = malloc (n);
      if (buf == NULL || fread (buf, 1, n, f) != n)
        {
          mien_error_set (err, MIEN_ERR_FORMAT, "%s: cut short", path);
          mien_image_free (im);
          im = NULL;
        }
      else
        for (size_t i = 0; i < n; i++)
          im->data[i] = (float)buf[i] / 255.0f;
      free (buf);
    }
  fclose (f);
  return im;
}

/* Reads exactly MIEN_N_LANDMARKS "x y" lines. */
static inline mien_status
gpu_device_data_load_landmarks (const char *path, mien_point *lm,
                                mien_error *err)
{
  FILE *f = fopen (path, "r");
  if (f == NULL)
    return mien_error_set (err, MIEN_ERR_IO, "cannot open %s", path);
  char line[256];
  int n = 0;
  while (n < MIEN_N_LANDMARKS && fgets (line, sizeof line, f) != NULL)
    {
      char *end;
      double x = mien_strtod_c (line, &end);
      if (end == line)
        continue;
      char *end2;
      double y = mien_strtod_c (end, &end2);
      if (end2 == end)
        break;
      lm[n++] = (mien_point){ (float)x, (float)y };
    }
  fclose (f);
  if (n != MIEN_N_LANDMARKS)
    return mien_error_set (err, MIEN_ERR_FORMAT, "%s: %d landmarks, not %d",
                           path, n, MIEN_N_LANDMARKS);
  return MIEN_OK;
}
