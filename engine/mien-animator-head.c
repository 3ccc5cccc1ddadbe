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

#include "mien-animator-private.h"

float
mien_animator_head_keep (const mien_head_alpha *h, float gx, float gy)
{
  float a, f[2], aq;
  mien_image_sample_bilinear (&h->region_view, gx, gy, &a);
  if (a >= 1.0f)
    return a;
  mien_image_sample_bilinear (h->field, gx, gy, f);
  if (f[0] == 0.0f && f[1] == 0.0f)
    return a;
  mien_image_sample_bilinear (&h->region_view, gx + f[0], gy + f[1], &aq);
  return fmaxf (a, aq);
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
  mien_head_alpha head = { .field = field, .gw = field->width,
                           .gh = field->height };
  int rw = 0, rh = 0;
  head.region = mien_generator_get_head_region (gen, &rw, &rh);
  if (rw != field->width || rh != field->height)
    head.region = NULL;
  /* Only read through it (mien_image_sample_bilinear). */
  head.region_view = (mien_image){ rw, rh, 1, (float *)head.region };
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
