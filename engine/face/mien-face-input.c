/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-face-input.h"

#include <math.h>
#include <stdlib.h>

typedef struct padded_axis {
  int before;  /* zero samples before the image */
  int extent;  /* image samples */
  int square;  /* padded length */
} padded_axis;

/* padToSquare: paddingAmount = round(diff · (centered ? 0.5 : 1)) goes
 * after, the rest before. */
static padded_axis
pad_axis (int extent, int square, int centered)
{
  int diff = square - extent;
  int after = centered ? (diff + 1) / 2 : diff; /* Math.round(0.5) = 1 */
  padded_axis a = { diff - after, extent, square };
  return a;
}

typedef struct tap {
  int i0, i1;   /* padded indices */
  double frac;
} tap;

static void
resize_taps (tap *taps, int size, int square)
{
  double ratio = (double)square / (double)size;
  for (int i = 0; i < size; i++)
    {
      double s = ratio * i;
      int i0 = (int)fmax (0.0, floor (s));
      taps[i].i0 = i0;
      taps[i].frac = s - i0;
      taps[i].i1 = (int)fmin (square - 1, ceil (s));
    }
}

/* The padded tensor's sample: the image scaled to 0..255 in float32, or 0. */
static float
padded_sample (const mien_image *image, int x, int y, padded_axis ax,
               padded_axis ay, int px, int py, int c)
{
  int ix = px - ax.before, iy = py - ay.before;
  if (ix < 0 || ix >= ax.extent || iy < 0 || iy >= ay.extent)
    return 0.0f;
  const float *p = mien_image_row (image, y + iy)
                   + (size_t)(x + ix) * (size_t)image->channels;
  return p[image->channels >= 3 ? c : 0] * 255.0f;
}

mien_tensor *
face_input_tensor (const mien_image *image, int x, int y, int width,
                   int height, int centered, int size, const float mean[3],
                   mien_error *err)
{
  if (width < 1 || height < 1 || x < 0 || y < 0 || x + width > image->width
      || y + height > image->height || size < 1)
    {
      mien_error_set (err, MIEN_ERR_INVALID, "face input region out of the "
                      "image");
      return NULL;
    }
  int square = width > height ? width : height;
  padded_axis ax = pad_axis (width, square, centered);
  padded_axis ay = pad_axis (height, square, centered);
  mien_tensor *t = mien_tensor_new_4d (1, size, size, 3, err);
  tap *taps = malloc ((size_t)size * sizeof *taps);
  if (t == NULL || taps == NULL)
    {
      mien_tensor_free (t);
      free (taps);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory for a face input");
      return NULL;
    }
  resize_taps (taps, size, square);
  float *out = t->data;
  for (int r = 0; r < size; r++)
    {
      tap ty = taps[r];
      for (int col = 0; col < size; col++)
        {
          tap tx = taps[col];
          for (int c = 0; c < 3; c++)
            {
              double tl = padded_sample (image, x, y, ax, ay, tx.i0, ty.i0, c);
              double tr = padded_sample (image, x, y, ax, ay, tx.i1, ty.i0, c);
              double bl = padded_sample (image, x, y, ax, ay, tx.i0, ty.i1, c);
              double br = padded_sample (image, x, y, ax, ay, tx.i1, ty.i1, c);
              double top = tl + (tr - tl) * tx.frac;
              double bottom = bl + (br - bl) * tx.frac;
              float v = (float)(top + (bottom - top) * ty.frac);
              /* normalize() then div(255), each a float32 tensor op. */
              *out++ = (v - mean[c]) / 255.0f;
            }
        }
    }
  free (taps);
  return t;
}

mien_tensor *
face_input_tensor_view (const mien_image *view, const float mean[3],
                        mien_error *err)
{
  if (view->channels != 3)
    {
      mien_error_set (err, MIEN_ERR_INVALID, "a detector view needs 3 "
                      "channels");
      return NULL;
    }
  mien_tensor *t = mien_tensor_new_4d (1, view->height, view->width, 3, err);
  if (t == NULL)
    return NULL;
  size_t n = (size_t)view->width * view->height;
  for (size_t i = 0; i < n; i++)
    for (int c = 0; c < 3; c++)
      t->data[3 * i + c] = (view->data[3 * i + c] * 255.0f - mean[c]) / 255.0f;
  return t;
}

int
face_rect_clip (face_rect box, int image_width, int image_height, int *x,
                int *y, int *width, int *height)
{
  double cx = fmax (box.x, 0.0), cy = fmax (box.y, 0.0);
  double w = fmin ((box.x + box.width) - cx, image_width - cx);
  double h = fmin ((box.y + box.height) - cy, image_height - cy);
  /* Bounded first so that a wild box cannot overflow the int conversion. */
  double lim = 4.0 * (image_width + image_height);
  *x = (int)floor (fmin (cx, lim));
  *y = (int)floor (fmin (cy, lim));
  *width = (int)floor (fmax (fmin (w, lim), -lim));
  *height = (int)floor (fmax (fmin (h, lim), -lim));
  return *width > 0 && *height > 0 && *x < image_width && *y < image_height;
}

face_rect
face_rect_to_image (face_rect r, int width, int height)
{
  face_rect o = { r.x * width, r.y * height, r.width * width,
                  r.height * height };
  return o;
}

face_rect
face_rect_to_relative (face_rect r, int width, int height)
{
  double sx = 1.0 / width, sy = 1.0 / height;
  face_rect o = { r.x * sx, r.y * sy, r.width * sx, r.height * sy };
  return o;
}
