/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Middlebury .flo optical flow: the float 202021.25 ("PIEH" in bytes),
 * int32 width, int32 height, then width·height pairs (u, v) of float32, rows
 * top to bottom, all little-endian. Other warping models write it, which lets
 * users put ResWarp behind them. A field is a 2-channel mien_image in pixels. */
#pragma once

#include "../mien-image.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIEN_FLO_MAGIC 202021.25f

/* Loads and validates: magic, plausible size, exact length, and finite
 * values (Middlebury's "unknown flow" marker of 1e9 or more is refused too,
 * since ResWarp needs a displacement for every pixel). */
mien_image *mien_flo_load (const char *path, mien_error *err);
mien_status mien_flo_save (const mien_image *field, const char *path,
                           mien_error *err);

#ifdef __cplusplus
}
#endif
