/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared between the image readers and writers of engine/io: libpng
 * (mien-png-io.c), libtiff (mien-tiff-io.c), lcms2 (mien-icc.c) and the
 * dispatcher (mien-image-io.c). Not installed, not for callers. */
#pragma once

#include <stdint.h>
#include <stdio.h>

#include "mien-image-io.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What a header says, before any pixel is decoded. */
typedef struct mien_image_header {
  int width, height;
  int channels;   /* in the file, after palette expansion: 1–4 */
  int bit_depth;  /* per sample: 8 or 16 */
  int interlaced; /* PNG: the whole raw image is buffered */
} mien_image_header;

/* PNG through libpng. f is positioned at the start of the file; want_extras
 * 0 skips alpha and the profile. check (may be NULL) is called with the
 * header before any pixel is allocated and may refuse (return non-OK). */
typedef mien_status (*mien_header_check) (const mien_image_header *h,
                                          void *data, mien_error *err);
mien_image *mien_png_load (FILE *f, const char *path, mien_image_extras *extras,
                           mien_header_check check, void *check_data,
                           mien_error *err);
mien_status mien_png_read_header (FILE *f, mien_image_header *h);
mien_status mien_png_save (const mien_image *image,
                           const mien_image_extras *extras, const char *path,
                           mien_error *err);

/* 16-bit TIFF through libtiff. fd is read from offset 0 and not closed.
 * Returns NULL with MIEN_ERR_UNSUPPORTED (message empty) when the TIFF is
 * one that GdkPixbuf should read instead (8-bit, tiled, palette, CMYK). */
mien_image *mien_tiff_load (int fd, const char *path, mien_image_extras *extras,
                            mien_header_check check, void *check_data,
                            mien_error *err);
/* MIEN_OK for a TIFF mien_tiff_load reads, MIEN_ERR_UNSUPPORTED for one
 * GdkPixbuf reads (h still holds its size), else MIEN_ERR_FORMAT. */
mien_status mien_tiff_read_header (int fd, mien_image_header *h);
mien_status mien_tiff_save (const mien_image *image,
                            const mien_image_extras *extras, const char *path,
                            mien_error *err);

/* The ICC header's data colour space ('RGB ', 'GRAY', 'CMYK', …) as a
 * NUL-terminated string with trailing blanks removed; "" if the blob is too
 * short to be a profile. */
void mien_icc_color_space (const unsigned char *icc, size_t size,
                           char out[5]);

/* Applies an EXIF/TIFF orientation (1–8) to a float image in place (the
 * image may be replaced: width and height swap for 5–8). */
mien_status mien_image_apply_orientation (mien_image **image, int orientation,
                                          mien_error *err);

/* Float sample ↔ 16-bit. */
static inline uint16_t
mien_to_u16 (float v)
{
  if (!(v > 0.0f))
    return 0;
  if (v >= 1.0f)
    return 65535;
  return (uint16_t)(v * 65535.0f + 0.5f);
}

#ifdef __cplusplus
}
#endif
