/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Shared between the image readers and writers of engine/io: libpng
 * (mien-png-io.c), libtiff (mien-tiff-io.c), lcms2 (mien-icc.c) and the
 * dispatcher (mien-image-io.c). Not installed, not for callers. */
#pragma once

#include <math.h>
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

/* ---- shared by the loader's parts (mien-image-io.c and its siblings) ---- */

/* The extension after the last dot of the file name, "" if none. */
const char *mien_image_extension_of (const char *path);
int mien_image_is_pfm_path (const char *path);

typedef enum { MIEN_LOAD_PNG, MIEN_LOAD_TIFF16, MIEN_LOAD_PIXBUF, MIEN_LOAD_PFM } mien_load_kind;

typedef struct {
  const char *path;
  mien_load_kind kind;
  uint64_t file_size;
  int want_extras;
  int is_jpeg;
  int is_heif; /* HEIF or AVIF (an ISO-BMFF 'ftyp' box) */
  /* Bytes per pixel the GdkPixbuf loader holds besides our floats,
   * measured per decoder (tests/io/test-formats.c): the 8-bit pixbuf (3
   * for JPEG and opaque WebP, 4 where alpha may come), and for HEIF/AVIF
   * also libheif's own image and planes (5 in all: HEIC measured 4.1,
   * AVIF 6.2). */
  double pixbuf_bpp;
} mien_load_context;

/* Memory (mien-image-memory.c). */
/* What decoding costs at its peak, from the header alone. Each term is an
 * allocation that is alive at the peak (measured in tests/io: within 20 %).
 */
uint64_t mien_image_decode_peak_bytes (const mien_load_context *lc,
                                       const mien_image_header *h);
uint64_t mien_image_working_frame_bytes (const mien_image_header *h);
/* A mien_header_check: data is the mien_load_context. */
mien_status mien_image_check_memory (const mien_image_header *h, void *data,
                                     mien_error *err);

/* Probing (mien-image-probe.c). */
/* Refuses anything but a regular file before opening it for reading: a FIFO
 * would block the open (and the read) forever. The descriptor is checked
 * again after opening, without blocking, in case the path changed. */
int mien_image_open_regular (const char *path, uint64_t *size,
                             mien_error *err);
mien_load_kind mien_image_sniff (int fd, const char *path,
                                 mien_load_context *lc);
mien_status mien_image_read_header (int fd, mien_load_context *lc,
                                    mien_image_header *h);

/* Extras (mien-image-extras.c). */
void mien_image_add_warning (mien_image_extras *extras, const char *fmt, ...)
    __attribute__ ((format (printf, 2, 3)));
void mien_image_set_damaged (mien_image_extras *extras, const char *path,
                             double missing);
/* webp-pixbuf-loader writes a profile but does not hand one back: read the
 * ICCP chunk of the RIFF container ourselves. */
void mien_image_read_webp_icc (int fd, uint64_t file_size,
                               mien_image_extras *extras);

/* GdkPixbuf (mien-pixbuf-io.c). */
mien_image *mien_pixbuf_load (int fd, mien_load_context *lc,
                              mien_image_extras *extras, mien_error *err);
/* JPEG and WebP through GdkPixbuf (8 bits). JPEG has no alpha: it is
 * flattened onto white, the background of most viewers and of paper. */
mien_status mien_pixbuf_save (const mien_image *image,
                              const mien_image_extras *extras,
                              const char *path, const char *type,
                              int quality, mien_error *err);

/* EXIF (mien-exif.c, libexif). */
/* Reads a JPEG's EXIF into extras->exif, normalized for the upright image
 * of width×height the loader returns; nothing if it has none. */
void mien_image_read_jpeg_exif (int fd, uint64_t file_size, int width,
                                int height, mien_image_extras *extras);
/* An EXIF block ("Exif\0\0" + TIFF data, as in a JPEG's APP1) rewritten
 * with Orientation 1, PixelX/YDimension width×height and no thumbnail;
 * malloc'ed, NULL (and *out_size 0) when there is no usable EXIF. */
unsigned char *mien_exif_normalize (const unsigned char *data, size_t size,
                                    int width, int height, size_t *out_size);
struct mien_atomic_file;
/* Writes a whole JPEG stream with an APP1 EXIF segment after its SOI (and
 * JFIF APP0). */
mien_status mien_exif_write_jpeg (struct mien_atomic_file *file,
                                  const unsigned char *jpeg, size_t size,
                                  const unsigned char *exif, size_t exif_size,
                                  mien_error *err);

/* PFM (mien-pfm-io.c): reads and closes fd. */
mien_image *mien_pfm_load_fd (int fd, const char *path, mien_error *err);

/* Float sample → 8-bit (NaN → 0). */
static inline unsigned char
mien_to_u8 (float v)
{
  if (!(v > 0.0f)) /* also NaN */
    return 0;
  if (v >= 1.0f)
    return 255;
  return (unsigned char)lrintf (v * 255.0f);
}

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
