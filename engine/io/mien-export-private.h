/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The exporter's formats: each is a table of functions behind
 * mien_exporter, which validates, scales and keeps the sticky error. A
 * backend sees frames already at its output size (before MP4's padding). */
#pragma once

#include "mien-export.h"

typedef struct mien_export_backend {
  /* Format-specific option checks; NULL if none. */
  mien_status (*check) (const mien_export_options *options, mien_error *err);
  /* Creates the temporary; returns the backend's state or NULL. */
  void *(*open) (const char *path, const mien_export_options *options,
                 int width, int height, mien_error *err);
  mien_status (*add_frame) (void *state, const mien_image *frame,
                            mien_error *err);
  /* Completes and renames into place, or removes; frees state either way. */
  mien_status (*finish) (void *state, mien_error *err);
  /* Removes the temporary; frees state. */
  void (*abort) (void *state);
} mien_export_backend;

extern const mien_export_backend mien_export_png_backend;
extern const mien_export_backend mien_export_gif_backend;
extern const mien_export_backend mien_export_mp4_backend;

/* The MP4 backend's float → 8-bit RGB (mien-export-mp4.c): the bytes
 * mien_image_to_rgb8 writes, without its call per sample. */
void mien_export_mp4_rgb8 (const mien_image *image, unsigned char *pixels,
                           int rowstride);
