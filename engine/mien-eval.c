/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Pixel measures of mien-eval.h: face rectangle, band energies, sharpness,
 * bicubic resampling, flow warping error. libc + libm + the pool only. */
#include "mien-eval.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const expression_names[MIEN_N_EXPRESSIONS] = {
  "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised",
};

const char *
mien_eval_expression_name (int expression_class)
{
  if (expression_class < 0 || expression_class >= MIEN_N_EXPRESSIONS)
    return "none";
  return expression_names[expression_class];
}

int
mien_eval_preset_class (mien_expression_preset preset)
{
  switch (preset)
    {
    case MIEN_PRESET_NEUTRAL: return MIEN_EXPRESSION_NEUTRAL;
    case MIEN_PRESET_HAPPY: return MIEN_EXPRESSION_HAPPY;
    case MIEN_PRESET_SAD: return MIEN_EXPRESSION_SAD;
    case MIEN_PRESET_SURPRISED: return MIEN_EXPRESSION_SURPRISED;
    case MIEN_PRESET_FEARFUL: return MIEN_EXPRESSION_FEARFUL;
    case MIEN_PRESET_ANGRY: return MIEN_EXPRESSION_ANGRY;
    case MIEN_PRESET_DISGUSTED: return MIEN_EXPRESSION_DISGUSTED;
    default: return -1;
    }
}

float
mien_eval_box_iou (const mien_box *a, const mien_box *b)
{
  float x0 = fmaxf (a->x, b->x), y0 = fmaxf (a->y, b->y);
  float x1 = fminf (a->x + a->width, b->x + b->width);
  float y1 = fminf (a->y + a->height, b->y + b->height);
  float inter = fmaxf (0.0f, x1 - x0) * fmaxf (0.0f, y1 - y0);
  float uni = a->width * a->height + b->width * b->height - inter;
  return uni > 0.0f && inter > 0.0f ? inter / uni : 0.0f;
}

mien_rect
mien_eval_face_rect (const mien_face *face, const mien_rect *crop)
{
  float x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      x0 = fminf (x0, face->landmarks[i].x);
      x1 = fmaxf (x1, face->landmarks[i].x);
      y0 = fminf (y0, face->landmarks[i].y);
      y1 = fmaxf (y1, face->landmarks[i].y);
    }
  float w = x1 - x0, h = y1 - y0;
  int rx0 = (int)floorf (x0 - 0.1f * w) - crop->x;
  int rx1 = (int)ceilf (x1 + 0.1f * w) - crop->x;
  int ry0 = (int)floorf (y0 - 0.25f * h) - crop->y;
  int ry1 = (int)ceilf (y1 + 0.1f * h) - crop->y;
  rx0 = rx0 < 0 ? 0 : rx0;
  ry0 = ry0 < 0 ? 0 : ry0;
  rx1 = rx1 > crop->width ? crop->width : rx1;
  ry1 = ry1 > crop->height ? crop->height : ry1;
  if (!(isfinite (w) && isfinite (h)) || rx1 <= rx0 || ry1 <= ry0)
    return (mien_rect){ 0, 0, 0, 0 };
  return (mien_rect){ rx0, ry0, rx1 - rx0, ry1 - ry0 };
}

/* ---- luma and sharpness -------------------------------------------------- */

static inline float
luma_at (const mien_image *img, int x, int y)
{
  const float *p = mien_image_row (img, y) + (size_t)x * (size_t)img->channels;
  if (img->channels < 3)
    return p[0];
  return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2];
}

static mien_image *
luma_image (const mien_image *src, mien_error *err)
{
  mien_image *y = mien_image_new (src->width, src->height, 1, err);
  if (!y)
    return NULL;
  for (int r = 0; r < src->height; r++)
    {
      float *out = mien_image_row (y, r);
      for (int x = 0; x < src->width; x++)
        out[x] = luma_at (src, x, r);
    }
  return y;
}

/* roi clipped to the image, shrunk by one pixel so 3×3 stencils fit. */
static int
inner_roi (const mien_image *img, const mien_rect *roi, int *x0, int *y0,
           int *x1, int *y1)
{
  *x0 = roi->x < 1 ? 1 : roi->x + 1;
  *y0 = roi->y < 1 ? 1 : roi->y + 1;
  *x1 = roi->x + roi->width - 1;
  *y1 = roi->y + roi->height - 1;
  if (*x1 > img->width - 1)
    *x1 = img->width - 1;
  if (*y1 > img->height - 1)
    *y1 = img->height - 1;
  return *x1 > *x0 && *y1 > *y0;
}

double
mien_eval_laplacian_variance (const mien_image *image, const mien_rect *roi)
{
  int x0, y0, x1, y1;
  if (!inner_roi (image, roi, &x0, &y0, &x1, &y1))
    return 0.0;
  double s = 0.0, s2 = 0.0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        double l = (double)luma_at (image, x - 1, y) + luma_at (image, x + 1, y)
                   + luma_at (image, x, y - 1) + luma_at (image, x, y + 1)
                   - 4.0 * luma_at (image, x, y);
        s += l;
        s2 += l * l;
      }
  double n = (double)(x1 - x0) * (double)(y1 - y0);
  double mean = s / n;
  return s2 / n - mean * mean;
}

double
mien_eval_gradient_mean (const mien_image *image, const mien_rect *roi)
{
  int x0, y0, x1, y1;
  if (!inner_roi (image, roi, &x0, &y0, &x1, &y1))
    return 0.0;
  double s = 0.0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++)
      {
        double gx = 0.5 * ((double)luma_at (image, x + 1, y)
                           - luma_at (image, x - 1, y));
        double gy = 0.5 * ((double)luma_at (image, x, y + 1)
                           - luma_at (image, x, y - 1));
        s += sqrt (gx * gx + gy * gy);
      }
  return s / ((double)(x1 - x0) * (double)(y1 - y0));
}

/* ---- band energies ------------------------------------------------------- */

static double
mean_square_in (const mien_image *r, const mien_rect *roi, int full_w,
                int full_h)
{
  /* roi is in level-0 pixels; scale it to this level, keeping >= 1 pixel. */
  int x0 = (int)floor ((double)roi->x * r->width / full_w);
  int y0 = (int)floor ((double)roi->y * r->height / full_h);
  int x1 = (int)ceil ((double)(roi->x + roi->width) * r->width / full_w);
  int y1 = (int)ceil ((double)(roi->y + roi->height) * r->height / full_h);
  x1 = x1 > r->width ? r->width : x1;
  y1 = y1 > r->height ? r->height : y1;
  if (x1 <= x0 || y1 <= y0)
    return 0.0;
  double s = 0.0;
  for (int y = y0; y < y1; y++)
    {
      const float *row = mien_image_row (r, y);
      for (int x = x0; x < x1; x++)
        s += (double)row[x] * row[x];
    }
  return s / ((double)(x1 - x0) * (double)(y1 - y0));
}

mien_status
mien_eval_band_energy (const mien_image *image, const mien_rect *roi,
                       mien_eval_bands *out, mien_pool *pool, mien_error *err)
{
  memset (out, 0, sizeof *out);
  if (!image || !roi || roi->width <= 0 || roi->height <= 0
      || roi->x < 0 || roi->y < 0 || roi->x + roi->width > image->width
      || roi->y + roi->height > image->height)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "band energy: region outside the image");
  mien_image *y = luma_image (image, err);
  if (!y)
    return err ? err->status : MIEN_ERR_NOMEM;
  mien_decomposition *dec = mien_decomposition_new (
      y, MIEN_LOW_RES, MIEN_LOW_RES, MIEN_RESWARP_MULTISCALE, pool, err);
  mien_image_free (y);
  if (!dec)
    return err ? err->status : MIEN_ERR_NOMEM;
  out->n = mien_decomposition_get_n_residuals (dec);
  for (int k = 0; k < out->n; k++)
    out->energy[k] = mean_square_in (mien_decomposition_get_residual (dec, k),
                                     roi, image->width, image->height);
  mien_decomposition_free (dec);
  return MIEN_OK;
}

double
mien_eval_band_ratio (const mien_eval_bands *result,
                      const mien_eval_bands *source, int finest_only)
{
  int n = result->n < source->n ? result->n : source->n;
  if (finest_only && n > 1)
    n = 1;
  double a = 0.0, b = 0.0;
  for (int k = 0; k < n; k++)
    {
      a += result->energy[k];
      b += source->energy[k];
    }
  return b > 0.0 ? a / b : 0.0;
}

/* ---- bicubic -------------------------------------------------------------- */

typedef struct cubic_tap {
  int index[4];
  float weight[4];
} cubic_tap;

static float
keys (float t)
{
  const float a = -0.5f;
  t = fabsf (t);
  if (t < 1.0f)
    return ((a + 2.0f) * t - (a + 3.0f)) * t * t + 1.0f;
  if (t < 2.0f)
    return ((a * t - 5.0f * a) * t + 8.0f * a) * t - 4.0f * a;
  return 0.0f;
}

static void
cubic_taps_init (cubic_tap *taps, int in, int out)
{
  double scale = (double)in / out;
  for (int i = 0; i < out; i++)
    {
      double pos = (i + 0.5) * scale - 0.5;
      int i0 = (int)floor (pos);
      float f = (float)(pos - i0);
      for (int k = 0; k < 4; k++)
        {
          int j = i0 - 1 + k;
          taps[i].index[k] = j < 0 ? 0 : (j >= in ? in - 1 : j);
          taps[i].weight[k] = keys (f - (float)(k - 1));
        }
    }
}

typedef struct cubic_job {
  const mien_image *src;
  mien_image *dst;
  const cubic_tap *taps;
  int vertical;
} cubic_job;

static void
cubic_rows (void *user_data, int begin, int end)
{
  const cubic_job *job = user_data;
  int c = job->src->channels;
  for (int y = begin; y < end; y++)
    {
      float *out = mien_image_row (job->dst, y);
      if (job->vertical)
        {
          const cubic_tap *t = &job->taps[y];
          const float *r[4];
          for (int k = 0; k < 4; k++)
            r[k] = mien_image_row (job->src, t->index[k]);
          for (int i = 0; i < job->dst->width * c; i++)
            out[i] = t->weight[0] * r[0][i] + t->weight[1] * r[1][i]
                     + t->weight[2] * r[2][i] + t->weight[3] * r[3][i];
        }
      else
        {
          const float *in = mien_image_row (job->src, y);
          for (int x = 0; x < job->dst->width; x++)
            {
              const cubic_tap *t = &job->taps[x];
              for (int ch = 0; ch < c; ch++)
                {
                  float s = 0.0f;
                  for (int k = 0; k < 4; k++)
                    s += t->weight[k] * in[(size_t)t->index[k] * c + ch];
                  out[(size_t)x * c + ch] = s;
                }
            }
        }
    }
}

mien_status
mien_eval_resample_bicubic (const mien_image *src, mien_image *dst,
                            mien_pool *pool, mien_error *err)
{
  if (!src || !dst || src->channels != dst->channels)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "bicubic: images missing or channels differ");
  mien_image *tmp = mien_image_new (dst->width, src->height, src->channels, err);
  cubic_tap *tx = malloc (sizeof *tx * (size_t)dst->width);
  cubic_tap *ty = malloc (sizeof *ty * (size_t)dst->height);
  mien_status st = MIEN_OK;
  if (!tmp || !tx || !ty)
    st = tmp ? mien_error_set (err, MIEN_ERR_NOMEM, "bicubic: out of memory")
             : (err ? err->status : MIEN_ERR_NOMEM);
  else
    {
      cubic_taps_init (tx, src->width, dst->width);
      cubic_taps_init (ty, src->height, dst->height);
      cubic_job h = { src, tmp, tx, 0 }, v = { tmp, dst, ty, 1 };
      mien_pool_parallel_for (pool, src->height, 8, cubic_rows, &h);
      mien_pool_parallel_for (pool, dst->height, 8, cubic_rows, &v);
    }
  mien_image_free (tmp);
  free (tx);
  free (ty);
  return st;
}

/* ---- flow warping error ---------------------------------------------------- */

typedef struct warp_job {
  const mien_image *prev, *next, *fp, *fn;
  mien_rect roi;
  double *row_warp, *row_plain; /* per roi row */
} warp_job;

/* F at image position (px, py), in image pixels (ResWarp's up-sampling and
 * scaling: grid coordinate (p + 0.5)·grid/size − 0.5, clamped). */
static inline void
field_at (const mien_image *f, int w, int h, float px, float py, float *dx,
          float *dy)
{
  float gx = (px + 0.5f) * (float)f->width / (float)w - 0.5f;
  float gy = (py + 0.5f) * (float)f->height / (float)h - 0.5f;
  gx = fminf (fmaxf (gx, 0.0f), (float)(f->width - 1));
  gy = fminf (fmaxf (gy, 0.0f), (float)(f->height - 1));
  int x0 = (int)gx, y0 = (int)gy;
  int x1 = x0 + 1 < f->width ? x0 + 1 : x0;
  int y1 = y0 + 1 < f->height ? y0 + 1 : y0;
  float ax = gx - (float)x0, ay = gy - (float)y0;
  const float *r0 = mien_image_row (f, y0), *r1 = mien_image_row (f, y1);
  for (int c = 0; c < 2; c++)
    {
      float top = r0[x0 * 2 + c] + ax * (r0[x1 * 2 + c] - r0[x0 * 2 + c]);
      float bot = r1[x0 * 2 + c] + ax * (r1[x1 * 2 + c] - r1[x0 * 2 + c]);
      float v = top + ay * (bot - top);
      if (c == 0)
        *dx = v * (float)w / (float)f->width;
      else
        *dy = v * (float)h / (float)f->height;
    }
}

static inline void
sample_bilinear (const mien_image *img, float x, float y, float *out)
{
  x = fminf (fmaxf (x, 0.0f), (float)(img->width - 1));
  y = fminf (fmaxf (y, 0.0f), (float)(img->height - 1));
  int x0 = (int)x, y0 = (int)y;
  int x1 = x0 + 1 < img->width ? x0 + 1 : x0;
  int y1 = y0 + 1 < img->height ? y0 + 1 : y0;
  float ax = x - (float)x0, ay = y - (float)y0;
  int c = img->channels;
  const float *r0 = mien_image_row (img, y0), *r1 = mien_image_row (img, y1);
  for (int k = 0; k < c; k++)
    {
      float top = r0[x0 * c + k] + ax * (r0[x1 * c + k] - r0[x0 * c + k]);
      float bot = r1[x0 * c + k] + ax * (r1[x1 * c + k] - r1[x0 * c + k]);
      out[k] = top + ay * (bot - top);
    }
}

/* Six fixed-point steps: x → x + F(x) has a positive Jacobian (the rig's
 * fold guard) and its fields are smooth, so the map y ↦ p − F_prev(y)
 * contracts and a few steps reach sub-pixel accuracy. */
#define WARP_ITERATIONS 6

static void
warp_rows (void *user_data, int begin, int end)
{
  const warp_job *j = user_data;
  int w = j->next->width, h = j->next->height, c = j->next->channels;
  float pv[4];
  for (int r = begin; r < end; r++)
    {
      int y = j->roi.y + r;
      const float *nrow = mien_image_row (j->next, y);
      const float *prow = mien_image_row (j->prev, y);
      double sw = 0.0, sp = 0.0;
      for (int x = j->roi.x; x < j->roi.x + j->roi.width; x++)
        {
          float ndx, ndy, pdx, pdy;
          field_at (j->fn, w, h, (float)x, (float)y, &ndx, &ndy);
          float px = (float)x + ndx, py = (float)y + ndy;
          float qx = px, qy = py;
          for (int it = 0; it < WARP_ITERATIONS; it++)
            {
              field_at (j->fp, w, h, qx, qy, &pdx, &pdy);
              qx = px - pdx;
              qy = py - pdy;
            }
          sample_bilinear (j->prev, qx, qy, pv);
          for (int k = 0; k < c; k++)
            {
              float nv = nrow[(size_t)x * c + k];
              sw += fabsf (pv[k] - nv);
              sp += fabsf (prow[(size_t)x * c + k] - nv);
            }
        }
      j->row_warp[r] = sw;
      j->row_plain[r] = sp;
    }
}

mien_status
mien_eval_warp_error (const mien_image *prev, const mien_image *next,
                      const mien_image *field_prev,
                      const mien_image *field_next, const mien_rect *roi,
                      mien_eval_warp *out, mien_pool *pool, mien_error *err)
{
  if (!prev || !next || !field_prev || !field_next || !roi || !out
      || !mien_image_same_shape (prev, next) || prev->channels > 4
      || field_prev->channels != 2 || !mien_image_same_shape (field_prev,
                                                               field_next))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "warp error: frames or fields missing or of "
                           "different shapes");
  if (roi->width <= 0 || roi->height <= 0 || roi->x < 0 || roi->y < 0
      || roi->x + roi->width > next->width
      || roi->y + roi->height > next->height)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "warp error: region outside the frame");
  warp_job job = { prev, next, field_prev, field_next, *roi,
                   calloc ((size_t)roi->height, sizeof (double)),
                   calloc ((size_t)roi->height, sizeof (double)) };
  if (!job.row_warp || !job.row_plain)
    {
      free (job.row_warp);
      free (job.row_plain);
      return mien_error_set (err, MIEN_ERR_NOMEM, "warp error: out of memory");
    }
  mien_pool_parallel_for (pool, roi->height, 4, warp_rows, &job);
  double sw = 0.0, sp = 0.0;
  for (int r = 0; r < roi->height; r++)
    {
      sw += job.row_warp[r];
      sp += job.row_plain[r];
    }
  double n = (double)roi->width * roi->height * next->channels;
  out->warp_error = 255.0 * sw / n;
  out->plain_error = 255.0 * sp / n;
  free (job.row_warp);
  free (job.row_plain);
  return MIEN_OK;
}
