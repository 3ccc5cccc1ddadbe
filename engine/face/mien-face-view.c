/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Views of a photo (view_frame, mien-face-analyzer-private.h): the photo
 * resampled in a turned and scaled frame, each view pixel the mean of n×n
 * bilinear taps. The robust search runs the detector on them, the
 * refinement the landmark, expression and recognition nets. */
#include "mien-face-analyzer-private.h"

#include <math.h>
#include <stdlib.h>

void
face_view_to_image (const view_frame *vf, double u, double v, double *x, double *y)
{
  double du = (u - vf->width / 2.0) * vf->k, dv = (v - vf->height / 2.0) * vf->k;
  double c = cos (vf->angle), s = sin (vf->angle);
  *x = vf->cx + c * du - s * dv;
  *y = vf->cy + s * du + c * dv;
}

void
face_image_to_view (const view_frame *vf, double x, double y, double *u, double *v)
{
  double dx = x - vf->cx, dy = y - vf->cy;
  double c = cos (vf->angle), s = sin (vf->angle);
  *u = (c * dx + s * dy) / vf->k + vf->width / 2.0;
  *v = (-s * dx + c * dy) / vf->k + vf->height / 2.0;
}

static void
bilinear (const mien_image *src, double x, double y, float rgb[3])
{
  /* Sample centres at integer + 0.5. */
  x -= 0.5;
  y -= 0.5;
  int x0 = (int)floor (x), y0 = (int)floor (y);
  double fx = x - x0, fy = y - y0;
  float acc[3] = { 0, 0, 0 };
  for (int j = 0; j < 2; j++)
    for (int i = 0; i < 2; i++)
      {
        int xi = x0 + i, yj = y0 + j;
        if (xi < 0 || yj < 0 || xi >= src->width || yj >= src->height)
          continue;
        double w = (i ? fx : 1 - fx) * (j ? fy : 1 - fy);
        const float *p = mien_image_row (src, yj)
                         + (size_t)xi * (size_t)src->channels;
        for (int c = 0; c < 3; c++)
          acc[c] += (float)(w * p[src->channels >= 3 ? c : 0]);
      }
  rgb[0] = acc[0];
  rgb[1] = acc[1];
  rgb[2] = acc[2];
}

/* A tap along one axis of an upright view: the two source samples and
 * the weight of the second (a weight of 0 where a sample is outside). */
typedef struct axis_tap {
  int i0, i1;
  float w0, w1;
} axis_tap;

static void
axis_taps (axis_tap *taps, int size, int n, double centre, double k,
           int extent)
{
  for (int u = 0; u < size; u++)
    for (int i = 0; i < n; i++)
      {
        double x = centre + (u + (i + 0.5) / n - size / 2.0) * k - 0.5;
        double f0 = floor (x);
        float fx = (float)(x - f0);
        /* Clamped only to keep the int in range: outside stays outside. */
        int x0 = (int)fmax (-2.0, fmin (f0, (double)extent + 1));
        axis_tap t = { x0, x0 + 1, 1.0f - fx, fx };
        if (t.i0 < 0 || t.i0 >= extent)
          t.w0 = 0.0f, t.i0 = 0;
        if (t.i1 < 0 || t.i1 >= extent)
          t.w1 = 0.0f, t.i1 = 0;
        taps[(size_t)u * n + i] = t;
      }
}

/* face_render_view for angle 0: bilinear is separable, so each tap's
 * positions and weights come from two small tables. */
static mien_image *
render_upright (const mien_image *src, const view_frame *vf, int n,
                mien_image *view)
{
  axis_tap *tx = malloc ((size_t)vf->width * n * sizeof *tx);
  axis_tap *ty = malloc ((size_t)vf->height * n * sizeof *ty);
  if (tx == NULL || ty == NULL)
    {
      free (tx);
      free (ty);
      mien_image_free (view);
      return NULL;
    }
  axis_taps (tx, vf->width, n, vf->cx, vf->k, src->width);
  axis_taps (ty, vf->height, n, vf->cy, vf->k, src->height);
  int sc = src->channels;
  float norm = 1.0f / (float)(n * n);
  for (int v = 0; v < vf->height; v++)
    {
      float *row = mien_image_row (view, v);
      for (int u = 0; u < vf->width; u++)
        {
          float sum[3] = { 0, 0, 0 };
          for (int j = 0; j < n; j++)
            {
              axis_tap y = ty[(size_t)v * n + j];
              const float *r0 = mien_image_row (src, y.i0);
              const float *r1 = mien_image_row (src, y.i1);
              for (int i = 0; i < n; i++)
                {
                  axis_tap x = tx[(size_t)u * n + i];
                  const float *a = r0 + (size_t)x.i0 * sc;
                  const float *b = r0 + (size_t)x.i1 * sc;
                  const float *cc = r1 + (size_t)x.i0 * sc;
                  const float *d = r1 + (size_t)x.i1 * sc;
                  for (int ch = 0; ch < 3; ch++)
                    sum[ch] += y.w0 * (x.w0 * a[ch] + x.w1 * b[ch])
                               + y.w1 * (x.w0 * cc[ch] + x.w1 * d[ch]);
                }
            }
          row[3 * u] = sum[0] * norm;
          row[3 * u + 1] = sum[1] * norm;
          row[3 * u + 2] = sum[2] * norm;
        }
    }
  free (tx);
  free (ty);
  return view;
}

mien_image *
face_render_view (const mien_image *src, const view_frame *vf, int max_taps,
                  mien_error *err)
{
  mien_image *view = mien_image_new (vf->width, vf->height, 3, err);
  if (view == NULL)
    return NULL;
  /* n×n taps, n ≈ k up to max_taps: an area average, so that a big photo
   * or face shrinks without aliasing. */
  int n = (int)ceil (vf->k - 1e-6);
  n = n < 1 ? 1 : n > max_taps ? max_taps : n;
  double c = cos (vf->angle), s = sin (vf->angle);
  int sw = src->width, sh = src->height, sc = src->channels;
  float norm = 1.0f / (float)(n * n);
  if (vf->angle == 0.0 && sc >= 3)
    return render_upright (src, vf, n, view);
  for (int v = 0; v < vf->height; v++)
    {
      float *row = mien_image_row (view, v);
      for (int u = 0; u < vf->width; u++)
        {
          float sum[3] = { 0, 0, 0 };
          for (int j = 0; j < n; j++)
            for (int i = 0; i < n; i++)
              {
                double du = (u + (i + 0.5) / n - vf->width / 2.0) * vf->k;
                double dv = (v + (j + 0.5) / n - vf->height / 2.0) * vf->k;
                /* Sample centres sit at integer + 0.5. */
                double x = vf->cx + c * du - s * dv - 0.5;
                double y = vf->cy + s * du + c * dv - 0.5;
                double fx0 = floor (x), fy0 = floor (y);
                if (fx0 >= 0 && fy0 >= 0 && fx0 + 1 < sw && fy0 + 1 < sh
                    && sc >= 3)
                  {
                    /* Inside: the four texels, no checks. */
                    int x0 = (int)fx0, y0 = (int)fy0;
                    float fx = (float)(x - fx0), fy = (float)(y - fy0);
                    const float *p0 = src->data + ((size_t)y0 * sw + x0) * sc;
                    const float *p1 = p0 + (size_t)sw * sc;
                    for (int ch = 0; ch < 3; ch++)
                      {
                        float top = p0[ch] + (p0[sc + ch] - p0[ch]) * fx;
                        float bot = p1[ch] + (p1[sc + ch] - p1[ch]) * fx;
                        sum[ch] += top + (bot - top) * fy;
                      }
                  }
                else
                  {
                    float rgb[3];
                    bilinear (src, x + 0.5, y + 0.5, rgb);
                    sum[0] += rgb[0];
                    sum[1] += rgb[1];
                    sum[2] += rgb[2];
                  }
              }
          row[3 * u] = sum[0] * norm;
          row[3 * u + 1] = sum[1] * norm;
          row[3 * u + 2] = sum[2] * norm;
        }
    }
  return view;
}
