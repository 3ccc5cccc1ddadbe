/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Landmark files: faces found by any detector, so users can bring their own
 * (mien-render --landmarks) and tests have fixed inputs.
 *
 * Format "mien-landmarks", version 1 (JSON, UTF-8):
 *
 *   {
 *     "format": "mien-landmarks",
 *     "version": 1,
 *     "image": "sample1.jpg",          optional, informative
 *     "width": 1920, "height": 1280,   size of the photo the points refer to
 *                                      (EXIF orientation applied)
 *     "source": "...",                 optional: detector and version
 *     "faces": [
 *       {
 *         "box": [x, y, width, height],   detector box, photo pixels
 *         "score": 0.99,                  optional, in [0, 1] (default 1)
 *         "landmarks": [[x, y], ... ]     exactly 68 points, iBUG 300-W order
 *       }
 *     ]
 *   }
 *
 * Coordinates are continuous photo pixels: (0, 0) is the top-left corner of
 * the top-left pixel, x right, y down (face-api's convention). Points may lie
 * slightly outside the photo (chins at an edge) but must be finite, and no
 * farther outside than the face's size (the larger side of its landmarks'
 * bounding box, at least 2 px); the box must have an area. An empty
 * "faces" array is valid: a photo without faces. Unknown keys are ignored,
 * so later versions can add fields. */
#pragma once

#include "../face/mien-face.h"
#include <stddef.h>

#include "../mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_landmark_file {
  int width, height; /* photo size the points refer to */
  int n_faces;
  mien_face *faces; /* n_faces entries; expressions/descriptor zeroed */
} mien_landmark_file;

/* A landmark file is read whole: 4096 faces of 68 points are about 7 MB.
 * It must also be a regular file nested at most MIEN_JSON_FILE_MAX_DEPTH
 * levels (checked before json-glib parses it; see mien-json-file.h). */
#define MIEN_LANDMARK_FILE_MAX_SIZE (16 << 20)
/* 4096 faces (the most a file may hold) are about 870 000 values. */
#define MIEN_LANDMARK_FILE_MAX_VALUES 1000000

mien_status mien_landmark_file_load (const char *path, mien_landmark_file *out,
                                     mien_error *err);
/* The same from the contents in memory; name is used in messages. */
mien_status mien_landmark_file_load_from_data (const char *text, size_t length,
                                               const char *name,
                                               mien_landmark_file *out,
                                               mien_error *err);
void mien_landmark_file_clear (mien_landmark_file *file);

/* Index of the face with the largest box (the default face to animate), or
 * -1 when there is none. */
int mien_landmark_file_largest_face (const mien_landmark_file *file);

#ifdef __cplusplus
}
#endif
