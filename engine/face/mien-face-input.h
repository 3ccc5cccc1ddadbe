/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal: face-api's geometry and input tensors, reproduced operation for
 * operation (in the same precision: JavaScript doubles for boxes, float32
 * for tensors) so that crops land on the same pixels. */
#pragma once

#include "../mien-image.h"
#include "../nn/mien-tensor.h"

/* A face-api Box: x, y, width, height in doubles. */
typedef struct face_rect {
  double x, y, width, height;
} face_rect;

/* face-api's NetInput.toBatchTensor for one region of an image: the
 * integer rectangle (inside the image) is zero-padded to a square, at the
 * end (centered = 0, the detector) or split with the larger half after
 * (centered = 1, the other nets); resized to size² with tf.image
 * .resizeBilinear (align_corners and half_pixel_centers false); then each
 * sample v·255 becomes (v·255 − mean) / 255. Gray images are read as RGB. */
mien_tensor *face_input_tensor (const mien_image *image, int x, int y,
                                int width, int height, int centered, int size,
                                const float mean[3], mien_error *err);

/* The detector's input for the robust search's views: a 3-channel image
 * (values in [0, 1]) as a [1, height, width, 3] tensor, each sample
 * (v·255 − mean) / 255 like face_input_tensor, without resizing. */
mien_tensor *face_input_tensor_view (const mien_image *view,
                                     const float mean[3], mien_error *err);

/* Box.clipAtImageBorders followed by its floor. Returns 0 when the clipped
 * box is empty (face-api then drops the face). */
int face_rect_clip (face_rect box, int image_width, int image_height, int *x,
                    int *y, int *width, int *height);

/* Box.rescale by the image size and by its reverse (1/size), as the
 * FaceDetection / forSize round trips do. */
face_rect face_rect_to_image (face_rect relative, int width, int height);
face_rect face_rect_to_relative (face_rect box, int width, int height);
