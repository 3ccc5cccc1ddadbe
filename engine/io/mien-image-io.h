/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Reading and writing images. PNG (every bit depth, palette, gray, alpha)
 * goes through libpng and 16-bit TIFF through libtiff, so that 16-bit
 * samples keep their precision (GdkPixbuf stops at 8 bits); everything else
 * (JPEG, also CMYK; WebP; AVIF; HEIC; 8-bit TIFF) through GdkPixbuf, with the
 * EXIF orientation applied so the engine sees the photo the way the user
 * does. PFM (portable float map) keeps float values exactly, for pipelines
 * and tests. Photos come back as 3-channel RGB in [0, 1] in the file's own
 * encoding (no colour conversion): grayscale is expanded, because the face
 * models and the generator work in RGB. What RGB cannot carry (alpha, the
 * ICC profile, the bit depth, a damage warning) comes back beside it in a
 * mien_image_extras, so the pipeline is the same for every photo. */
#pragma once

#include "../mien-image.h"
#include "../mien-memory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads any image; the size limits of mien_image_check_size and the memory
 * cap (below) are checked before the pixels are decoded, and anything but a
 * regular file (a directory, a FIFO, a device) is refused before it is
 * opened for reading. Alpha and the ICC profile are dropped; a damaged file
 * that still decodes opens silently: use mien_image_load_full to see them. */
mien_image *mien_image_load (const char *path, mien_error *err);

/* What a file carries besides RGB, kept beside the image. */
typedef struct mien_image_extras {
  int bit_depth;      /* bits per sample in the file: 8 or 16 (32: PFM) */
  mien_image *alpha;  /* 1 channel in [0, 1], the image's size; NULL: opaque */
  unsigned char *icc; /* the embedded ICC profile, byte for byte; NULL: none */
  size_t icc_size;
  /* The photo's EXIF as in a JPEG's APP1 segment ("Exif\0\0" + TIFF
   * data), normalized to the pixels returned: Orientation 1, their pixel
   * size, no thumbnail. Read from JPEGs; NULL: none. */
  unsigned char *exif;
  size_t exif_size;
  /* A damaged file that still opened (a cut JPEG or TIFF): damaged is 1 and
   * missing_fraction the share of rows the decoder could not read (filled
   * with grey; 0 when unknown, as for a cut progressive JPEG, which is
   * whole but blurred). The app builds its own translated message from
   * these; warning has the same in English. */
  int damaged;
  double missing_fraction;
  /* Non-empty: one line the user must see (a damaged file, a profile that
   * cannot be kept). */
  char warning[256];
} mien_image_extras;

/* mien_image_load that also fills extras (which it first clears; free with
 * mien_image_extras_clear, also after a failure). */
mien_image *mien_image_load_full (const char *path, mien_image_extras *extras,
                                  mien_error *err);
void mien_image_extras_clear (mien_image_extras *extras);

/* Copies a rectangle of the extras, for an output that is a crop of the
 * photo (the alpha is cropped; the profile and bit depth are kept). */
mien_status mien_image_extras_crop (const mien_image_extras *src, int x,
                                    int y, int width, int height,
                                    mien_image_extras *out, mien_error *err);

/* Writes like mien_image_save, keeping what extras (may be NULL) carries:
 * PNG and TIFF are written at the source's bit depth (16 for a 16-bit
 * source) with its alpha and ICC profile; WebP keeps alpha and profile; JPEG
 * keeps the profile and flattens alpha onto white. JPEG and PNG also keep
 * the EXIF (WebP and TIFF do not). When something is lost
 * that way, *warning (if not NULL) is set to a static English line for the
 * caller to print ("…: JPEG has no transparency: alpha flattened onto
 * white"), else to NULL. An alpha plane of another size is an error. */
mien_status mien_image_save_full (const mien_image *image,
                                  const mien_image_extras *extras,
                                  const char *path, const char **warning,
                                  mien_error *err);

/* How a file is written; zero fields take the defaults. */
typedef struct mien_image_save_options {
  int quality; /* JPEG and WebP, 1–100; 0: 95 */
} mien_image_save_options;
#define MIEN_IMAGE_DEFAULT_QUALITY 95

/* mien_image_save_full with options (NULL: the defaults). A quality
 * outside 1–100 is an error. */
mien_status mien_image_save_with (const mien_image *image,
                                  const mien_image_extras *extras,
                                  const char *path,
                                  const mien_image_save_options *options,
                                  const char **warning, mien_error *err);

/* Converts an RGB image's pixels in place from the colours of the ICC
 * profile (icc, icc_size bytes) to sRGB (lcms2, relative colorimetric,
 * float, clamped to [0, 1]), for outputs that carry no profile: video, GIF,
 * the preview. A NULL or empty profile leaves the image as it is (it is
 * taken as sRGB). A profile that lcms2 cannot read, or that is not RGB, is
 * an error and the pixels are left as they are. The image must have 3
 * channels. */
mien_status mien_image_convert_to_srgb (mien_image *image,
                                        const unsigned char *icc,
                                        size_t icc_size, mien_error *err);

/* The same conversion made once and applied to many images (every frame
 * of a clip, every preview update): _new parses the profile (NULL or empty:
 * an identity), _apply converts a 3-channel image in place; apply may be
 * called from several threads at once. */
typedef struct mien_srgb_transform mien_srgb_transform;
mien_srgb_transform *mien_srgb_transform_new (const unsigned char *icc,
                                              size_t icc_size,
                                              mien_error *err);
mien_status mien_srgb_transform_apply (const mien_srgb_transform *t,
                                       mien_image *image, mien_error *err);
void mien_srgb_transform_free (mien_srgb_transform *t);

/* Memory: before decoding, the loader estimates what opening and animating
 * the photo needs (the decoder's peak plus one float working frame) and
 * refuses it, naming the sizes, above the cap of mien-memory.h (default:
 * half of physical memory, or MIEN_MEMORY_LIMIT: "4G", "512M", bytes). */
/* The estimate for a file (0 with err set if its header cannot be read). */
uint64_t mien_image_estimate_load_bytes (const char *path, mien_error *err);

/* Writes by extension: .png, .jpg/.jpeg, .webp, .tif/.tiff (8-bit, clamped
 * to [0, 1]) or .pfm (float, 1 or 3 channels). Atomic: the file appears complete or not at all. */
mien_status mien_image_save (const mien_image *image, const char *path,
                             mien_error *err);

/* Refuses NaN and infinite samples, as mien_flo_load does. */
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
