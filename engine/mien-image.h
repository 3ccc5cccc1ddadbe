/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine's image: 32-bit float samples, channels interleaved, rows tight
 * (stride = width * channels). Photos are kept in their sRGB-encoded values
 * scaled to [0, 1], as the ATW paper does; residuals are signed. A motion
 * field is an image with 2 channels (dx, dy) in pixels of its own grid. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest image the engine accepts. A 4K crop with its multiscale pyramid
 * takes about 0.3 GB; 150 megapixels keeps a full decomposition well under
 * the memory of a laptop, and refusing larger inputs up front is better than
 * an out-of-memory crash halfway through. */
#define MIEN_IMAGE_MAX_SIDE 32768
#define MIEN_IMAGE_MAX_PIXELS (150u * 1000u * 1000u)

/* A rectangle of pixels: columns x … x + width − 1, rows y … y + height − 1. */
typedef struct mien_rect {
  int x, y, width, height;
} mien_rect;

typedef struct mien_image {
  int width;
  int height;
  int channels;
  float *data; /* width * height * channels floats */
} mien_image;

/* Allocates an uninitialized image; NULL with MIEN_ERR_NOMEM or
 * MIEN_ERR_INVALID in err if the size is unreasonable or allocation fails. */
mien_image *mien_image_new (int width, int height, int channels,
                            mien_error *err);
/* Same, zero-filled. */
mien_image *mien_image_new_zeroed (int width, int height, int channels,
                                   mien_error *err);
mien_image *mien_image_copy (const mien_image *src, mien_error *err);
void mien_image_free (mien_image *image);

/* Checks a requested size against the limits above; fills err if refused. */
mien_status mien_image_check_size (int width, int height, int channels,
                                   mien_error *err);

static inline size_t
mien_image_n_floats (const mien_image *image)
{
  return (size_t)image->width * (size_t)image->height
         * (size_t)image->channels;
}

static inline float *
mien_image_row (const mien_image *image, int y)
{
  return image->data + (size_t)y * (size_t)image->width * (size_t)image->channels;
}

static inline int
mien_image_same_shape (const mien_image *a, const mien_image *b)
{
  return a->width == b->width && a->height == b->height
         && a->channels == b->channels;
}

/* Returns 1 if every sample is finite (no NaN or Inf). */
int mien_image_all_finite (const mien_image *image);

/* Largest absolute difference between two images of the same shape. */
float mien_image_max_abs_diff (const mien_image *a, const mien_image *b);

/* The pixel at (x, y) (pixel centres at integers), bilinear, the position
 * clamped to the image: every channel into out[0 … channels − 1]. */
void mien_image_sample_bilinear (const mien_image *image, float x, float y,
                                 float *out);

/* Copies a rectangle out of src (which must contain it). */
/* Fills the holes of image in place from what surrounds them (push-pull:
 * weighted sums over a pyramid of 2×2 blocks, then each level filled from
 * the one above, bilinearly). weight (width × height, ≥ 0) says how known
 * each pixel is: 1 or more keeps the pixel, 0 replaces it, between blends.
 * Smooth: meant for holes in smooth content (a motion field, a blurred
 * background). NULL weight or no known pixel: image unchanged. Returns
 * MIEN_ERR_NOMEM if its pyramid cannot be allocated (image unchanged). */
mien_status mien_image_fill_holes (mien_image *image, const float *weight,
                                   mien_error *err);
mien_image *mien_image_crop (const mien_image *src, int x, int y, int width,
                             int height, mien_error *err);

#ifdef __cplusplus
}
#endif
