/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-image.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

mien_status
mien_image_check_size (int width, int height, int channels, mien_error *err)
{
  if (width <= 0 || height <= 0 || channels <= 0 || channels > 4)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "invalid image size %d×%d with %d channels", width,
                           height, channels);
  if (width > MIEN_IMAGE_MAX_SIDE || height > MIEN_IMAGE_MAX_SIDE
      || (uint64_t)width * (uint64_t)height > MIEN_IMAGE_MAX_PIXELS)
    return mien_error_set (
        err, MIEN_ERR_NOMEM,
        "image of %d×%d pixels is too large: the limit is %d pixels per side "
        "and %u megapixels",
        width, height, MIEN_IMAGE_MAX_SIDE, MIEN_IMAGE_MAX_PIXELS / 1000000u);
  return MIEN_OK;
}

static mien_image *
image_alloc (int width, int height, int channels, int zeroed, mien_error *err)
{
  if (mien_image_check_size (width, height, channels, err) != MIEN_OK)
    return NULL;
  mien_image *image = calloc (1, sizeof *image);
  if (image == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  image->width = width;
  image->height = height;
  image->channels = channels;
  size_t bytes = mien_image_n_floats (image) * sizeof (float);
  /* 64-byte alignment keeps rows friendly to vector loads and the GPU copy. */
  size_t rounded = (bytes + 63) & ~(size_t)63;
  image->data = aligned_alloc (64, rounded);
  if (image->data == NULL)
    {
      free (image);
      mien_error_set (err, MIEN_ERR_NOMEM,
                      "out of memory allocating a %d×%d image (%zu MB)",
                      width, height, bytes >> 20);
      return NULL;
    }
  if (zeroed)
    memset (image->data, 0, rounded);
  return image;
}

mien_image *
mien_image_new (int width, int height, int channels, mien_error *err)
{
  return image_alloc (width, height, channels, 0, err);
}

mien_image *
mien_image_new_zeroed (int width, int height, int channels, mien_error *err)
{
  return image_alloc (width, height, channels, 1, err);
}

mien_image *
mien_image_copy (const mien_image *src, mien_error *err)
{
  mien_image *copy = mien_image_new (src->width, src->height, src->channels, err);
  if (copy != NULL)
    memcpy (copy->data, src->data, mien_image_n_floats (src) * sizeof (float));
  return copy;
}

void
mien_image_free (mien_image *image)
{
  if (image == NULL)
    return;
  free (image->data);
  free (image);
}

int
mien_image_all_finite (const mien_image *image)
{
  size_t n = mien_image_n_floats (image);
  for (size_t i = 0; i < n; i++)
    if (!isfinite (image->data[i]))
      return 0;
  return 1;
}

float
mien_image_max_abs_diff (const mien_image *a, const mien_image *b)
{
  size_t n = mien_image_n_floats (a);
  float worst = 0.0f;
  for (size_t i = 0; i < n; i++)
    {
      float d = fabsf (a->data[i] - b->data[i]);
      if (!(d <= worst)) /* also catches NaN */
        worst = isnan (d) ? INFINITY : d;
    }
  return worst;
}

mien_image *
mien_image_crop (const mien_image *src, int x, int y, int width, int height,
                 mien_error *err)
{
  if (x < 0 || y < 0 || width <= 0 || height <= 0 || x + width > src->width
      || y + height > src->height)
    {
      mien_error_set (err, MIEN_ERR_INVALID,
                      "crop %d×%d at (%d, %d) lies outside the %d×%d image",
                      width, height, x, y, src->width, src->height);
      return NULL;
    }
  mien_image *out = mien_image_new (width, height, src->channels, err);
  if (out == NULL)
    return NULL;
  size_t row_floats = (size_t)width * (size_t)src->channels;
  for (int r = 0; r < height; r++)
    memcpy (mien_image_row (out, r),
            mien_image_row (src, y + r) + (size_t)x * (size_t)src->channels,
            row_floats * sizeof (float));
  return out;
}

void
mien_image_sample_bilinear (const mien_image *image, float x, float y,
                            float *out)
{
  float fx = fminf (fmaxf (x, 0.0f), (float)(image->width - 1));
  float fy = fminf (fmaxf (y, 0.0f), (float)(image->height - 1));
  int x0 = (int)fx, y0 = (int)fy;
  int x1 = x0 + 1 < image->width ? x0 + 1 : x0;
  int y1 = y0 + 1 < image->height ? y0 + 1 : y0;
  float ax = fx - (float)x0, ay = fy - (float)y0;
  int c = image->channels;
  const float *r0 = mien_image_row (image, y0), *r1 = mien_image_row (image, y1);
  for (int k = 0; k < c; k++)
    out[k] = (1 - ay) * ((1 - ax) * r0[x0 * c + k] + ax * r0[x1 * c + k])
             + ay * ((1 - ax) * r1[x0 * c + k] + ax * r1[x1 * c + k]);
}

mien_status
mien_image_fill_holes (mien_image *image, const float *weight,
                       mien_error *err)
{
  enum { MAX_LEVELS = 32 };
  if (!image || !weight || image->width <= 0 || image->height <= 0)
    return MIEN_OK;
  int c = image->channels;
  int lw[MAX_LEVELS], lh[MAX_LEVELS], n_levels = 0;
  /* Level l: the weighted sums S (c per pixel) and the weights W. Level 0
   * is the image premultiplied. */
  float *S[MAX_LEVELS] = { 0 }, *W[MAX_LEVELS] = { 0 };
  mien_status st = MIEN_OK;
  double total = 0.0;
  for (int l = 0; l < MAX_LEVELS; l++)
    {
      lw[l] = l ? (lw[l - 1] + 1) / 2 : image->width;
      lh[l] = l ? (lh[l - 1] + 1) / 2 : image->height;
      size_t n = (size_t)lw[l] * (size_t)lh[l];
      S[l] = malloc (sizeof (float) * (size_t)c * n);
      W[l] = malloc (sizeof (float) * n);
      n_levels = l + 1;
      if (!S[l] || !W[l])
        {
          st = mien_error_set (err, MIEN_ERR_NOMEM,
                               "fill: out of memory for a %d×%d pyramid",
                               image->width, image->height);
          break;
        }
      for (int y = 0; y < lh[l]; y++)
        for (int x = 0; x < lw[l]; x++)
          {
            size_t q = (size_t)y * (size_t)lw[l] + (size_t)x;
            float *s = S[l] + (size_t)c * q;
            if (l == 0)
              {
                float wt = weight[q] > 0.0f ? weight[q] : 0.0f;
                const float *v = image->data + (size_t)c * q;
                for (int k = 0; k < c; k++)
                  s[k] = wt > 0.0f ? wt * v[k] : 0.0f;
                W[0][q] = wt;
                total += wt;
                continue;
              }
            float wt = 0.0f;
            for (int k = 0; k < c; k++)
              s[k] = 0.0f;
            for (int j = 0; j < 2; j++)
              for (int i = 0; i < 2; i++)
                {
                  int cx = 2 * x + i, cy = 2 * y + j;
                  if (cx >= lw[l - 1] || cy >= lh[l - 1])
                    continue;
                  size_t r = (size_t)cy * (size_t)lw[l - 1] + (size_t)cx;
                  const float *sc = S[l - 1] + (size_t)c * r;
                  for (int k = 0; k < c; k++)
                    s[k] += sc[k];
                  wt += W[l - 1][r];
                }
            W[l][q] = wt;
          }
      if (lw[l] == 1 && lh[l] == 1)
        break;
    }
  if (st == MIEN_OK && total > 0.0)
    /* Down the pyramid: S[l] becomes level l filled. */
    for (int l = n_levels - 1; l >= 0; l--)
      {
        mien_image above = { l + 1 < n_levels ? lw[l + 1] : 0,
                             l + 1 < n_levels ? lh[l + 1] : 0, c,
                             l + 1 < n_levels ? S[l + 1] : NULL };
        float up[16];
        for (int y = 0; y < lh[l]; y++)
          for (int x = 0; x < lw[l]; x++)
            {
              size_t q = (size_t)y * (size_t)lw[l] + (size_t)x;
              float *s = S[l] + (size_t)c * q, wt = W[l][q];
              float conf = wt < 1.0f ? wt : 1.0f;
              for (int k = 0; k < c; k++)
                s[k] = wt > 0.0f ? s[k] / wt : 0.0f;
              if (conf >= 1.0f || !above.data || c > 16)
                continue;
              mien_image_sample_bilinear (&above, ((float)x + 0.5f) * 0.5f - 0.5f,
                                          ((float)y + 0.5f) * 0.5f - 0.5f, up);
              for (int k = 0; k < c; k++)
                s[k] = conf * s[k] + (1.0f - conf) * up[k];
            }
      }
  if (st == MIEN_OK && total > 0.0)
    {
      /* Known pixels keep their values exactly (not S/W's rounding). */
      size_t n = (size_t)image->width * (size_t)image->height;
      for (size_t q = 0; q < n; q++)
        if (weight[q] < 1.0f)
          memcpy (image->data + (size_t)c * q, S[0] + (size_t)c * q,
                  sizeof (float) * (size_t)c);
    }
  for (int l = 0; l < n_levels; l++)
    free (S[l]), free (W[l]);
  return st;
}
