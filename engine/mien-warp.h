/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The warp primitive, below both the generators (O^w = warp(I, F)) and
 * ResWarp (which warps the residuals): one fused kernel that computes
 *
 *   out = up(coarse) + up(gain) · warp(residual, up(field) · (out size / field size))
 *
 * with up() bilinear (mien-resample.h) and warp() a backward bilinear warp,
 * out(x) = in(x + F(x)), positions clamped to the image (border replicate).
 * Sample positions are split into integer and fraction from the
 * displacement alone (not from x + dx), which keeps sub-pixel precision at
 * 4K sides. See docs/ARCHITECTURE.md, "Conventions". */
#pragma once

#include "mien-image.h"
#include "mien-pool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The generator's working size (ATW: 128×128). */
#define MIEN_LOW_RES 128

/* The fused kernel. residual may be NULL (out = up(coarse)); field may be
 * NULL (zero); gain (1 channel at the field's size, needs a field) may be
 * NULL (1). coarse and out have the same channels; residual has out's shape;
 * field has 2 channels. */
mien_status mien_warp_compose (const mien_image *coarse,
                               const mien_image *residual,
                               const mien_image *field, const mien_image *gain,
                               mien_image *out, mien_pool *pool,
                               mien_error *err);

/* Backward warp: out(x, y) = src(x + dx, y + dy), bilinear, positions
 * clamped to the image. field has src's size (this is O^w = warp(I, F)). */
mien_status mien_warp_bilinear (const mien_image *src, const mien_image *field,
                                mien_image *out, mien_pool *pool,
                                mien_error *err);

#ifdef __cplusplus
}
#endif
