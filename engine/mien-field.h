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

/* Largest |F| component over the outer `ring` pixels of the grid. */
float mien_field_border_max (const mien_image *field, int ring);

/* Scales the field by the largest alpha in [0, 1] that keeps every corner
 * determinant >= margin (0 < margin < 1); returns alpha (1 if nothing had to
 * change). Works for any input, NaN included (a non-finite field is zeroed). */
float mien_field_limit_folds (mien_image *field, float margin);

/* Middlebury colour coding (Baker et al. colour wheel): hue is the
 * direction, saturation the magnitude relative to max_magnitude (<= 0: the
 * field's own maximum). Writes a 3-channel image of the field's size. */
mien_status mien_field_to_color (const mien_image *field, float max_magnitude,
                                 mien_image *rgb, mien_error *err);

#ifdef __cplusplus
}
#endif
