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
 * an expression moves the head off background it covered (A(x) = 1,
 * A(x + F) = 0) the frame keeps ResWarp's pixel: the outline hardly moves.
 *
 * A head pose moves the head as a layer (mien_generator_get_head_layered:
 * its outline turns with it, rig-pose.c). Then
 *
 *   out = photo + a · (ResWarp − photo) + u · (fill − photo),
 *   a = A(x + F(x)),   u = max(0, A(x) − a)
 *
 * u is the head that was at x and has moved away, and fill is the photo's
 * background continued into the region (mien_image_fill_holes over the
 * crop, from the pixels no region node within a cell reaches), so that
 * turning the head uncovers background instead of stretching the head's
 * edge. Where nothing moved, a = A and u = 0: the same frame as above. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "mien-animator-private.h"

/* The fill's longest side: it is smooth, so a small one does. */
#define FILL_MAX_SIDE 256

float
mien_animator_head_keep (const mien_head_alpha *h, float gx, float gy)
{
  float a, f[2], aq;
  if (h->layered)
    {
      mien_image_sample_bilinear (h->field, gx, gy, f);
      mien_image_sample_bilinear (&h->region_view, gx + f[0], gy + f[1], &aq);
      return aq;
    }
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
  head.layered = head.region && mien_generator_get_head_layered (gen);
  if (head.layered && anim->head_fill)
    {
      head.fill = anim->head_fill;
      head.fill_sx = (float)anim->head_fill->width / (float)head.gw;
      head.fill_sy = (float)anim->head_fill->height / (float)head.gh;
      head.core = anim->head_core, head.grown = anim->head_grown;
    }
  return head;
}

void
mien_animator_head_layer_pixel (const mien_head_alpha *h, float gx, float gy,
                                const float *p, float *d, int pc)
{
  float A, f[2], a, fill[4];
  mien_image_sample_bilinear (&h->region_view, gx, gy, &A);
  mien_image_sample_bilinear (h->field, gx, gy, f);
  mien_image_sample_bilinear (&h->region_view, gx + f[0], gy + f[1], &a);
  float keep = a > A ? a : A;
  /* The fill only where the head has surely gone: the region's edge lies
   * within a cell of the hair's, so within a cell of its outline, before
   * or after the move, ResWarp's pixel stays (no halo of fill about a head
   * that hardly moved). */
  float u = 0.0f;
  if (A > 0.0f && h->fill && h->fill->channels >= pc && pc <= 4
      && h->core && h->grown)
    {
      float core, grown;
      mien_image_sample_bilinear (h->core, gx, gy, &core);
      mien_image_sample_bilinear (h->grown, gx + f[0], gy + f[1], &grown);
      u = core > grown ? core - grown : 0.0f;
    }
  if (u > 0.0f)
    mien_image_sample_bilinear (h->fill, (gx + 0.5f) * h->fill_sx - 0.5f,
                                (gy + 0.5f) * h->fill_sy - 0.5f, fill);
  for (int k = 0; k < pc; k++)
    {
      float v = p[k] + keep * (d[k] - p[k]);
      d[k] = u > 0.0f ? v + u * (fill[k] - v) : v;
    }
}

static uint64_t
fill_key (const mien_animator *anim, const float *region, int n)
{
  uint64_t h = 1469598103934665603ull;
  const unsigned char *b = (const unsigned char *)region;
  for (size_t i = 0; i < sizeof (float) * (size_t)n; i++)
    h = (h ^ b[i]) * 1099511628211ull;
  const int geom[6] = { anim->crop.x, anim->crop.y, anim->crop.width,
                        anim->crop.height, anim->photo->width,
                        anim->photo->height };
  for (int i = 0; i < 6; i++)
    h = (h ^ (uint64_t)(uint32_t)geom[i]) * 1099511628211ull;
  return h ^ (uint64_t)(uintptr_t)anim->photo;
}

mien_status
mien_animator_head_fill_update (mien_animator *anim, const mien_generator *gen,
                                mien_error *err)
{
  mien_head_alpha head = mien_animator_head_alpha (anim, gen);
  if (!head.layered)
    return MIEN_OK;
  int gw = head.gw, gh = head.gh;
  uint64_t key = fill_key (anim, head.region, gw * gh);
  if (anim->head_fill && anim->head_fill_key == key)
    return MIEN_OK;
  mien_image_free (anim->head_fill);
  mien_image_free (anim->head_core), mien_image_free (anim->head_grown);
  anim->head_fill = anim->head_core = anim->head_grown = NULL;
  /* The region grown by a node each way: the region's edge lies within a
   * cell of the hair's, so the pixels it could reach are not background. */
  mien_image *grown_im = mien_image_new (gw, gh, 1, err);
  mien_image *core_im = grown_im ? mien_image_new (gw, gh, 1, err) : NULL;
  float *grown = core_im ? grown_im->data : NULL;
  int W = anim->crop.width, H = anim->crop.height, c = anim->photo->channels;
  int side = W > H ? W : H;
  int step = (side + FILL_MAX_SIDE - 1) / FILL_MAX_SIDE;
  step = step > 0 ? step : 1;
  int fw = (W + step - 1) / step, fh = (H + step - 1) / step;
  mien_image *fill = grown ? mien_image_new_zeroed (fw, fh, c, err) : NULL;
  float *weight = fill ? calloc ((size_t)fw * (size_t)fh, sizeof (float))
                       : NULL;
  if (!grown || !fill || !weight)
    {
      mien_image_free (grown_im), mien_image_free (core_im);
      free (weight), mien_image_free (fill);
      return mien_error_set (err, MIEN_ERR_NOMEM,
                             "animator: out of memory for the background");
    }
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      {
        float m = 0.0f, lo = 1.0f;
        for (int j = -1; j <= 1; j++)
          for (int i = -1; i <= 1; i++)
            {
              int xx = x + i, yy = y + j;
              float v = xx >= 0 && yy >= 0 && xx < gw && yy < gh
                            ? head.region[(size_t)yy * gw + xx]
                            : 0.0f;
              m = fmaxf (m, v), lo = fminf (lo, v);
            }
        grown[(size_t)y * gw + x] = m;
        core_im->data[(size_t)y * gw + x] = lo;
      }
  mien_image grown_view = { gw, gh, 1, grown };
  float to_gx = (float)gw / (float)W, to_gy = (float)gh / (float)H;
  /* The known background, averaged over step × step blocks. */
  for (int y = 0; y < H; y++)
    {
      const float *row = mien_image_row (anim->photo, anim->crop.y + y)
                         + (size_t)anim->crop.x * c;
      float gy = ((float)y + 0.5f) * to_gy - 0.5f;
      float *frow = mien_image_row (fill, y / step);
      float *wrow = weight + (size_t)(y / step) * fw;
      for (int x = 0; x < W; x++)
        {
          float g;
          mien_image_sample_bilinear (&grown_view,
                                      ((float)x + 0.5f) * to_gx - 0.5f, gy, &g);
          if (g > 0.0f)
            continue;
          float *f = frow + (size_t)(x / step) * c;
          for (int k = 0; k < c; k++)
            f[k] += row[(size_t)x * c + k];
          wrow[x / step] += 1.0f;
        }
    }
  size_t n = (size_t)fw * (size_t)fh;
  for (size_t i = 0; i < n; i++)
    {
      float *f = fill->data + i * (size_t)c;
      for (int k = 0; k < c && weight[i] > 0.0f; k++)
        f[k] /= weight[i];
      weight[i] /= (float)(step * step); /* 1: the block is all background */
    }
  mien_status st = mien_image_fill_holes (fill, weight, err);
  free (weight);
  if (st != MIEN_OK)
    {
      mien_image_free (fill), mien_image_free (grown_im);
      mien_image_free (core_im);
      return st;
    }
  anim->head_fill = fill, anim->head_fill_key = key;
  anim->head_core = core_im, anim->head_grown = grown_im;
  return MIEN_OK;
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
