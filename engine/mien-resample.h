/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Resampling as ATW defines it: down-sampling by averaging each grid cell,
 * up-sampling by bilinear interpolation.
 *
 * Both work between any two sizes. The grid-cell average is an exact area
 * average: output pixel j covers input interval [j·f, (j+1)·f) with
 * f = in/out, and input pixels partly inside it count by the fraction that
 * is inside. For an integer f this is the paper's f×f block mean; for other
 * sizes it is the same definition without rounding the grid. Bilinear uses
 * pixel centres at half-integers (PyTorch's align_corners=False), clamped at
 * the borders, which is the inverse-consistent companion of that average. */
#pragma once

#include "mien-image.h"
#include "mien-pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One output sample of a bilinear axis: out = (1-w)·in[i0] + w·in[i1]. */
typedef struct mien_lerp_tap {
  int i0;
  int i1;
  float w;
} mien_lerp_tap;

/* Fills taps[out_size] for bilinear resampling of an axis of in_size. */
void mien_lerp_taps_init (mien_lerp_tap *taps, int in_size, int out_size);

/* Area average of src into dst (dst's size and channels set by caller;
 * channels must match). Works for any sizes, including dst larger. */
mien_status mien_downsample_area (const mien_image *src, mien_image *dst,
                                  mien_pool *pool, mien_error *err);

/* Bilinear resize of src into dst. */
mien_status mien_upsample_bilinear (const mien_image *src, mien_image *dst,
                                    mien_pool *pool, mien_error *err);

static inline float
mien_lerp (float a, float b, float w)
{
  /* Exact at w = 0: returns a bit-for-bit, which the identity property needs. */
  return a + w * (b - a);
}

#ifdef __cplusplus
}
#endif
