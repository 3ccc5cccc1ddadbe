/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Motion-field checks and fixes shared by generators, tests and tools.
 *
 * Fold-freeness is judged on the map P(x) = x + F(x) restricted to the grid
 * of pixel centres and extended bilinearly, which is exactly the map ResWarp
 * applies at any resolution (the field is up-sampled bilinearly). Inside a
 * cell the Jacobian determinant of a bilinear map is affine in each
 * coordinate, so it is positive everywhere in the cell iff it is positive at
 * the cell's four corners, where it is cross(horizontal edge, vertical edge)
 * of the mapped quad. Checking those 4 numbers per cell is therefore a proof,
 * not a sample. */
#pragma once

#include "mien-image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Smallest corner Jacobian determinant over all cells (1 for F = 0). */
float mien_field_min_jacobian (const mien_image *field);

/* The Jacobian of x → x + F(x) at grid node (x, y) by central differences,
 * one-sided on the grid's edge (a derivative along an axis of one node is
 * 0): xx = 1 + ∂Fx/∂x, xy = ∂Fx/∂y, yx = ∂Fy/∂x, yy = 1 + ∂Fy/∂y. The
 * residual gain and the rig's lip seam read it. */
typedef struct mien_jacobian {
  float xx, xy, yx, yy;
} mien_jacobian;

mien_jacobian mien_field_jacobian (const mien_image *field, int x, int y);

static inline float
mien_jacobian_det (mien_jacobian j)
{
  return j.xx * j.yy - j.xy * j.yx;
}

/* Largest |F| component over the outer `ring` pixels of the grid. */
float mien_field_border_max (const mien_image *field, int ring);

/* Scales the field by the largest alpha in [0, 1] that keeps every corner
 * determinant >= margin (0 < margin < 1); returns alpha (1 if nothing had to
 * change). Works for any input, NaN included (a non-finite field is zeroed). */
float mien_field_limit_folds (mien_image *field, float margin);

/* ResWarp's residual gain (a departure from the ATW paper, see
 * ARCHITECTURE.md): per grid node, how much of the HD residual survives the
 * warp. With J the Jacobian of x → x + F(x) (central differences) and
 * σ1 >= σ2 its singular values:
 *   σ1 > 1  the warp squeezes σ1 source pixels into one output pixel; the
 *           residual's fine detail aliases (a blink's lash line turns jagged,
 *           the catchlight becomes flecks in the lid seam);
 *   σ2 < 1  it stretches one source pixel over 1/σ2 output pixels; the
 *           residual's detail becomes streaks (an opened mouth).
 * The gain is 1 until σ1 passes MIEN_GAIN_SQUEEZE_FULL and falls linearly to
 * 0 at MIEN_GAIN_SQUEEZE_ZERO; likewise for σ2 between MIEN_GAIN_STRETCH_FULL
 * and MIEN_GAIN_STRETCH_ZERO; the two factors multiply. Where F is zero, or
 * any rigid motion, the gain is exactly 1, so the identity property and the
 * seamless paste hold. gain: 1 channel, the field's size. */
#define MIEN_GAIN_SQUEEZE_FULL 1.5f
#define MIEN_GAIN_SQUEEZE_ZERO 3.0f
#define MIEN_GAIN_STRETCH_FULL 0.4f
#define MIEN_GAIN_STRETCH_ZERO 0.15f
mien_status mien_field_residual_gain (const mien_image *field,
                                      mien_image *gain, mien_error *err);

/* Middlebury colour coding (Baker et al. colour wheel): hue is the
 * direction, saturation the magnitude relative to max_magnitude (<= 0: the
 * field's own maximum). Writes a 3-channel image of the field's size. */
mien_status mien_field_to_color (const mien_image *field, float max_magnitude,
                                 mien_image *rgb, mien_error *err);

#ifdef __cplusplus
}
#endif
