/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading and writing images. Everyday formats (JPEG, PNG, WebP, …) go
 * through GdkPixbuf, with the EXIF orientation applied so the engine sees the
 * photo the way the user does; PFM (portable float map) keeps float values
 * exactly, for pipelines and tests. Photos come back as 3-channel RGB in
 * [0, 1]: alpha is dropped and grayscale is expanded, because the face
 * models and the generator work in RGB. */
#pragma once

#include "../mien-image.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads any image; the size limits of mien_image_check_size are checked
 * before the pixels are decoded. */
mien_image *mien_image_load (const char *path, mien_error *err);

/* Writes by extension: .png, .jpg/.jpeg (8-bit, clamped to [0, 1]) or .pfm
 * (float, 1 or 3 channels). Atomic: the file appears complete or not at all. */
mien_status mien_image_save (const mien_image *image, const char *path,
                             mien_error *err);

mien_image *mien_image_load_pfm (const char *path, mien_error *err);
mien_status mien_image_save_pfm (const mien_image *image, const char *path,
                                 mien_error *err);

/* 8-bit RGB(A) pixels ↔ float image, for GdkPixbuf and GL uploads. */
mien_image *mien_image_from_rgb8 (const unsigned char *pixels, int width,
                                  int height, int rowstride, int n_channels,
                                  mien_error *err);
void mien_image_to_rgb8 (const mien_image *image, unsigned char *pixels,
                         int rowstride);

/* 1 if the path's extension names a format mien_image_save can write. */
int mien_image_save_supported (const char *path);

#ifdef __cplusplus
}
#endif
