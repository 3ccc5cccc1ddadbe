/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The head over the photo (issue #24). The rig bounds every field by the
 * head's region (rig-pose.c), but the fields fade out in a bound beyond it
 * (the jaw's room, a margin) and ResWarp spreads what moves by a cell or
 * two, so a dropped jaw or a turn bent the background up to 15 % of the
 * face's width beyond the head. So after ResWarp the frame lays the head
 * over the photo:
 *
 *   out = photo + a · (ResWarp − photo),   a = max(A(x), A(x + F(x)))
 *
 * A is the generator's head region (mien_generator_get_head_region; 0/1
 * grid nodes) sampled bilinearly, so its edge ramps over one cell and it
 * is 0 beyond; F is the frame's field. a = 1 where the pixel is head or
 * the field brings head there (a dropped chin covers the collar); a = 0
 * where background shows background, which is then the photo bit for bit,
 * unbent (written as photo + a·(…) so that a = 0 gives it exactly). Where
 * the head moves off background it covered (A(x) = 1, A(x + F) = 0) the
 * frame keeps ResWarp's pixel: that background is not filled. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-animator-private.h"

static inline float
grid_sample (const float *m, int stride, int gw, int gh, float gx, float gy,
             int c)
{
  gx = gx < 0.0f ? 0.0f : gx > (float)(gw - 1) ? (float)(gw - 1) : gx;
  gy = gy < 0.0f ? 0.0f : gy > (float)(gh - 1) ? (float)(gh - 1) : gy;
  int x0 = (int)gx, y0 = (int)gy;
  int x1 = x0 + 1 < gw ? x0 + 1 : x0, y1 = y0 + 1 < gh ? y0 + 1 : y0;
  float u = gx - (float)x0, v = gy - (float)y0;
  const float *a = m + ((size_t)y0 * gw) * stride + c;
  const float *b = m + ((size_t)y1 * gw) * stride + c;
  float top = a[x0 * stride] + u * (a[x1 * stride] - a[x0 * stride]);
  float bot = b[x0 * stride] + u * (b[x1 * stride] - b[x0 * stride]);
  return top + v * (bot - top);
}

float
mien_animator_head_keep (const mien_head_alpha *h, float gx, float gy)
{
  float a = grid_sample (h->region, 1, h->gw, h->gh, gx, gy, 0);
  float fx = grid_sample (h->field, 2, h->gw, h->gh, gx, gy, 0);
  float fy = grid_sample (h->field, 2, h->gw, h->gh, gx, gy, 1);
  if (a >= 1.0f || (fx == 0.0f && fy == 0.0f))
    return a;
  return fmaxf (a, grid_sample (h->region, 1, h->gw, h->gh, gx + fx,
                                gy + fy, 0));
}

void
mien_animator_head_inside (const mien_head_alpha *h, unsigned char *inside)
{
  int gw = h->gw, gh = h->gh;
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      {
        const float *n = h->region + (size_t)y * gw + x;
        inside[(size_t)y * gw + x]
            = x < gw - 1 && y < gh - 1 && n[0] >= 1.0f && n[1] >= 1.0f
              && n[gw] >= 1.0f && n[gw + 1] >= 1.0f;
      }
}

mien_head_alpha
mien_animator_head_alpha (const mien_animator *anim, const mien_generator *gen)
{
  const mien_image *field = anim->gen_out.field;
  mien_head_alpha head = { NULL, field->data, field->width, field->height };
  int rw = 0, rh = 0;
  head.region = mien_generator_get_head_region (gen, &rw, &rh);
  if (rw != field->width || rh != field->height)
    head.region = NULL;
  return head;
}

mien_status
mien_animator_get_head_keep (const mien_animator *anim,
                             const mien_generator *gen,
                             mien_image *out, mien_error *err)
{
  if (!out || out->width != anim->crop.width
      || out->height != anim->crop.height || out->channels != 1)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "animator: the keep map must be crop-sized, "
                           "1 channel");
  mien_head_alpha head = mien_animator_head_alpha (anim, gen);
  float to_gx = (float)head.gw / (float)out->width;
  float to_gy = (float)head.gh / (float)out->height;
  for (int y = 0; y < out->height; y++)
    {
      float *row = mien_image_row (out, y);
      float gy = ((float)y + 0.5f) * to_gy - 0.5f;
      for (int x = 0; x < out->width; x++)
        row[x] = head.region
                     ? mien_animator_head_keep (
                           &head, ((float)x + 0.5f) * to_gx - 0.5f, gy)
                     : 1.0f;
    }
  return MIEN_OK;
}
