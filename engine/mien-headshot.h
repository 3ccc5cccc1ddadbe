/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The headshot crop: the square region of the photo whose 128² area average
 * feeds the generator. As in the ATW paper the region covers the whole head
 * with a margin (hair, ears, chin and some neck), not a tight face box: the
 * generator's field must fall to zero inside the crop, and paste-back is
 * seamless only if it does.
 *
 * Choice: scale = max(inter-ocular distance, 0.45 · jaw width (landmarks 0 to
 * 16), 0.55 · distance from the eye midpoint to the chin); side = 5 · scale
 * (at least 128 when the photo allows, so the 128 grid never has cells
 * smaller than a photo pixel); centred 0.1 inter-ocular distance below the
 * eye midpoint (room for a dropped jaw).
 * Square so that the 128 grid has square cells.
 *
 * Near the photo's edges the square is SHIFTED inside the photo (it keeps its
 * size, so the head still fits, only off-centre); it is SHRUNK only when the
 * photo itself is smaller than the side in a dimension, to the photo's
 * smaller side. Integer pixel bounds: HD pixels are never resampled except
 * by the warp. */
#pragma once

#include "face/mien-face.h"
#include "mien-error.h"
#include "mien-image.h" /* mien_rect */

#ifdef __cplusplus
extern "C" {
#endif

/* Fails with MIEN_ERR_INVALID for non-finite or degenerate landmarks (eyes
 * on top of each other) or an empty photo. */
mien_status mien_headshot_choose (const mien_face *face, int photo_width,
                                  int photo_height, mien_rect *crop,
                                  mien_error *err);

/* Maps a photo point into the pixel-index coordinates of a grid of grid_size²
 * over the crop (the centre of grid pixel j is at j), and back. */
mien_point mien_headshot_to_grid (const mien_rect *crop, int grid_size,
                                  mien_point photo_point);
mien_point mien_headshot_from_grid (const mien_rect *crop, int grid_size,
                                    mien_point grid_point);

#ifdef __cplusplus
}
#endif
