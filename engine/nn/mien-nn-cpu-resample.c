/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The CPU backend's resampling ops (bilinear resize, nearest upsampling,
 * bilinear sampling at given points), one output row per pool task. */
#include "mien-nn-cpu-private.h"

#include <math.h>
#include <string.h>

typedef struct resize_job {
  const mien_nn_op *op;
} resize_job;

/* TensorFlow's source coordinate for an output index. */
static double
resize_source (int out_index, double ratio, int half_pixel)
{
  return half_pixel ? ratio * (out_index + 0.5) - 0.5 : ratio * out_index;
}

static void
resize_rows (void *user_data, int begin, int end)
{
  const mien_nn_op *op = ((const resize_job *)user_data)->op;
  const mien_nn_op_params *p = &op->params;
  const mien_tensor *x = op->src[0];
  int H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2];
  int ac = p->align_corners;
  double ry = (double)(ac && OH > 1 ? H - 1 : H) / (ac && OH > 1 ? OH - 1 : OH);
  double rx = (double)(ac && OW > 1 ? W - 1 : W) / (ac && OW > 1 ? OW - 1 : OW);
  for (int row = begin; row < end; row++)
    {
      int n = row / OH, oy = row % OH;
      double sy = resize_source (oy, ry, p->half_pixel_centers);
      int y0 = (int)fmax (0.0, floor (sy));
      double fy = sy - y0;
      int y1 = (int)fmin (H - 1, ceil (sy));
      const float *top = x->data + ((size_t)n * H + y0) * W * C;
      const float *bot = x->data + ((size_t)n * H + y1) * W * C;
      for (int ox = 0; ox < OW; ox++)
        {
          double sx = resize_source (ox, rx, p->half_pixel_centers);
          int x0 = (int)fmax (0.0, floor (sx));
          double fx = sx - x0;
          int x1 = (int)fmin (W - 1, ceil (sx));
          float *out = op->dst->data + ((size_t)row * OW + ox) * C;
          for (int c = 0; c < C; c++)
            {
              double tl = top[(size_t)x0 * C + c], tr = top[(size_t)x1 * C + c];
              double bl = bot[(size_t)x0 * C + c], br = bot[(size_t)x1 * C + c];
              double t = tl + (tr - tl) * fx, b = bl + (br - bl) * fx;
              out[c] = (float)(t + (b - t) * fy);
            }
        }
    }
}

static void
upsample_rows (void *user_data, int begin, int end)
{
  const mien_nn_op *op = ((const resize_job *)user_data)->op;
  const mien_tensor *x = op->src[0];
  int H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2];
  for (int row = begin; row < end; row++)
    {
      int n = row / OH, iy = (row % OH) / op->params.scale_h;
      const float *src = x->data + ((size_t)n * H + iy) * W * C;
      float *out = op->dst->data + (size_t)row * OW * C;
      for (int ox = 0; ox < OW; ox++)
        memcpy (out + (size_t)ox * C,
                src + (size_t)(ox / op->params.scale_w) * C,
                (size_t)C * sizeof (float));
    }
}

static float
sample_tap (const float *xn, int H, int W, int C, int iy, int ix, int c,
            int clamp)
{
  if (clamp)
    {
      iy = iy < 0 ? 0 : iy >= H ? H - 1 : iy;
      ix = ix < 0 ? 0 : ix >= W ? W - 1 : ix;
    }
  else if (iy < 0 || iy >= H || ix < 0 || ix >= W)
    return 0.0f;
  return xn[((size_t)iy * W + ix) * C + c];
}

static void
sample_rows (void *user_data, int begin, int end)
{
  const mien_nn_op *op = ((const resize_job *)user_data)->op;
  const mien_tensor *x = op->src[0], *g = op->src[1];
  int H = x->dims[1], W = x->dims[2], C = x->dims[3];
  int OH = op->dst->dims[1], OW = op->dst->dims[2];
  int clamp = op->params.border_clamp;
  for (int row = begin; row < end; row++)
    {
      int n = row / OH;
      const float *xn = x->data + (size_t)n * H * W * C;
      for (int ox = 0; ox < OW; ox++)
        {
          const float *pos = g->data + ((size_t)row * OW + ox) * 2;
          float *out = op->dst->data + ((size_t)row * OW + ox) * C;
          float sx = pos[0], sy = pos[1];
          if (!isfinite (sx) || !isfinite (sy) || fabsf (sx) > 1e7f
              || fabsf (sy) > 1e7f)
            {
              memset (out, 0, (size_t)C * sizeof (float));
              continue;
            }
          int x0 = (int)floorf (sx), y0 = (int)floorf (sy);
          float fx = sx - (float)x0, fy = sy - (float)y0;
          for (int c = 0; c < C; c++)
            {
              float v00 = sample_tap (xn, H, W, C, y0, x0, c, clamp);
              float v01 = sample_tap (xn, H, W, C, y0, x0 + 1, c, clamp);
              float v10 = sample_tap (xn, H, W, C, y0 + 1, x0, c, clamp);
              float v11 = sample_tap (xn, H, W, C, y0 + 1, x0 + 1, c, clamp);
              out[c] = (v00 * (1 - fx) + v01 * fx) * (1 - fy)
                       + (v10 * (1 - fx) + v11 * fx) * fy;
            }
        }
    }
}

mien_status
mien_nn_cpu_resample (mien_nn_backend *backend, const mien_nn_op *op)
{
  mien_range_fn fn = op->type == MIEN_NN_OP_RESIZE_BILINEAR     ? resize_rows
                     : op->type == MIEN_NN_OP_UPSAMPLE_NEAREST ? upsample_rows
                                                               : sample_rows;
  resize_job job = { op };
  mien_pool_parallel_for (mien_nn_cpu_pool_of (backend),
                          op->dst->dims[0] * op->dst->dims[1], 1, fn, &job);
  return MIEN_OK;
}
