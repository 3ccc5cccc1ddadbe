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
 * With MIEN_POSE_LAYERED=1 a head pose moves the head as a layer
 * (mien_generator_get_head_layered: its outline turns with it,
 * rig-pose.c). Then, with A the region softened (its nodes blurred, no
 * staircase) and G the region grown (about a cell beyond A),
 *
 *   v = photo + keep · (ResWarp − photo),   out = v + u · (fill − v),
 *   keep = max(A(x + F(x)), G(x)),   u = max(0, G(x) − G(x + F(x))),
 *
 * both times 1 − (the other faces at x). u is where the head was, or may
 * have been, and surely is no more; fill is the background continued into
 * the region (mien_image_fill_holes over the pixels G does not reach, plus
 * the photo's texture mirrored across the region's edge), so turning the
 * head uncovers background instead of stretching the head's edge. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mien-animator-private.h"

/* The smooth fill's longest side. Small: it carries the background's
 * colour, and the mirrored texture (mien_animator_head_fill_at) all that
 * is finer than its pixels. */
#define FILL_MAX_SIDE 128

/* A layered head at grid point (gx, gy), whose field there is f: *keep,
 * the share of ResWarp's pixel over the photo's, and *u, the fill's over
 * that (the formula above). Needs h->soft and h->grown. */
static void
layer_weights (const mien_head_alpha *h, float gx, float gy, const float *f,
               float *keep, float *u)
{
  /* a: the head here after the move (the soft region at the source);
   * G, Gs: the grown region here and at the source. */
  float a, G, Gs;
  if (h->soft_grown)
    {
      float here[2], there[2];
      mien_image_sample_bilinear (h->soft_grown, gx, gy, here);
      mien_image_sample_bilinear (h->soft_grown, gx + f[0], gy + f[1], there);
      G = here[1], a = there[0], Gs = there[1];
    }
  else
    {
      mien_image_sample_bilinear (h->soft, gx + f[0], gy + f[1], &a);
      mien_image_sample_bilinear (h->grown, gx, gy, &G);
      mien_image_sample_bilinear (h->grown, gx + f[0], gy + f[1], &Gs);
    }
  /* ResWarp's pixel wherever the head is or may have been (G ≥ A): where
   * the head moved off the edge, the photo's pixel is the hair's edge (a
   * dark ghost of the old outline) and ResWarp's the background beside it;
   * where it did not move, the two are the same. */
  *keep = a > G ? a : G;
  /* The fill where the head was or may have been, and surely is no more:
   * its source lies beyond the grown region (so no halo of fill about a
   * head that hardly moved). Over the grown fringe too, where ResWarp's
   * pixel would be the background beside the old outline dragged along
   * (a dark post of a bookshelf bent round the head); the fill meets the
   * photo's own background where G falls to 0. */
  *u = G > Gs ? G - Gs : 0.0f;
  if (h->others)
    {
      /* The other faces stay in front: the photo's pixels there. */
      float o;
      mien_image_sample_bilinear (&h->others_view, gx, gy, &o);
      *keep *= 1.0f - o, *u *= 1.0f - o;
    }
}

float
mien_animator_head_keep (const mien_head_alpha *h, float gx, float gy)
{
  float a, f[2], aq;
  if (h->layered && h->soft && h->grown)
    {
      /* ResWarp's share of the pixel: kept, and not under the fill. */
      float keep, u;
      mien_image_sample_bilinear (h->field, gx, gy, f);
      layer_weights (h, gx, gy, f, &keep, &u);
      return keep * (1.0f - u);
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
  head.layered = head.region
                 && mien_generator_get_head_layered (gen, &head.others);
  head.others_view = (mien_image){ rw, rh, 1, (float *)head.others };
  if (head.layered && anim->head_fill)
    {
      head.fill = anim->head_fill;
      head.fill_sx = (float)anim->head_fill->width / (float)head.gw;
      head.fill_sy = (float)anim->head_fill->height / (float)head.gh;
      head.soft = anim->head_soft, head.grown = anim->head_grown;
      head.mirror = anim->head_mirror;
      head.soft_grown = anim->head_soft_grown;
    }
  return head;
}

/* The fill at grid point (gx, gy): the smooth fill S, plus the texture of
 * the background mirrored across the nearest edge of the region (the grown
 * one): at m = x + 2·v(x), v(x) the way to the nearest background node,
 * the picture's pixel minus S there. A band the head uncovers then
 * continues the background beside it (a blind's slats, a shelf's grain)
 * instead of a smooth blur; where m falls off the picture or onto the
 * head, S alone. */
void
mien_animator_head_fill_at (const mien_head_alpha *h, float gx, float gy,
                            float *fill)
{
  int c = h->fill->channels;
  mien_image_sample_bilinear (h->fill, (gx + 0.5f) * h->fill_sx - 0.5f,
                              (gy + 0.5f) * h->fill_sy - 0.5f, fill);
  if (!h->mirror || !h->src || h->src->channels != c || c > 4)
    return;
  float v[2], g, at_m[4], src_m[4];
  mien_image_sample_bilinear (h->mirror, gx, gy, v);
  float mx = gx + 2.0f * v[0], my = gy + 2.0f * v[1];
  if (mx < 0.0f || my < 0.0f || mx > (float)(h->gw - 1)
      || my > (float)(h->gh - 1))
    return;
  mien_image_sample_bilinear (h->grown, mx, my, &g);
  if (g > 0.0f)
    return;
  float px = (mx + 0.5f) * h->src_sx - 0.5f, py = (my + 0.5f) * h->src_sy - 0.5f;
  if (px < 0.0f || py < 0.0f || px > h->src_w - 1.0f || py > h->src_h - 1.0f)
    return;
  mien_image_sample_bilinear (h->src, h->src_x + px, h->src_y + py, src_m);
  mien_image_sample_bilinear (h->fill, (mx + 0.5f) * h->fill_sx - 0.5f,
                              (my + 0.5f) * h->fill_sy - 0.5f, at_m);
  for (int k = 0; k < c; k++)
    fill[k] += src_m[k] - at_m[k];
}

void
mien_animator_head_layer_pixel (const mien_head_alpha *h, float gx, float gy,
                                const float *p, float *d, int pc)
{
  float f[2], A, a, fill[4];
  mien_image_sample_bilinear (h->field, gx, gy, f);
  if (!h->soft || !h->grown)
    {
      /* Out of memory for the soft region: the expressions' composite. */
      mien_image_sample_bilinear (&h->region_view, gx, gy, &A);
      mien_image_sample_bilinear (&h->region_view, gx + f[0], gy + f[1], &a);
      a = a > A ? a : A;
      for (int k = 0; k < pc; k++)
        d[k] = p[k] + a * (d[k] - p[k]);
      return;
    }
  float keep, u;
  layer_weights (h, gx, gy, f, &keep, &u);
  if (keep >= 1.0f && u <= 0.0f)
    return; /* ResWarp's pixel as it is */
  if (u > 0.0f && h->fill && h->fill->channels >= pc && pc <= 4)
    mien_animator_head_fill_at (h, gx, gy, fill);
  else
    u = 0.0f;
  for (int k = 0; k < pc; k++)
    {
      float v = p[k] + keep * (d[k] - p[k]);
      d[k] = u > 0.0f ? v + u * (fill[k] - v) : v;
    }
}

/* The soft region (out: A) and the grown one (G) on the grid from the 0/1
 * nodes: the nodes blurred by a 5-tap binomial each way (R), then
 * A = clamp(2R − 1/2) (the contour at R = 1/2, smooth instead of the nodes'
 * staircase, a cell's ramp) and G = clamp(5(R − 1/20)), 1 wherever A is
 * not 0 and reaching about a cell further. */
static void
soft_regions (const float *region, int gw, int gh, float *tmp, float *A,
              float *G)
{
  static const float k[5] = { 1.0f / 16, 4.0f / 16, 6.0f / 16, 4.0f / 16,
                              1.0f / 16 };
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      {
        float s = 0.0f;
        for (int i = -2; i <= 2; i++)
          if (x + i >= 0 && x + i < gw)
            s += k[i + 2] * region[(size_t)y * gw + x + i];
        tmp[(size_t)y * gw + x] = s;
      }
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      {
        float r = 0.0f;
        for (int j = -2; j <= 2; j++)
          if (y + j >= 0 && y + j < gh)
            r += k[j + 2] * tmp[(size_t)(y + j) * gw + x];
        float a = 2.0f * r - 0.5f, g = 5.0f * (r - 0.05f);
        A[(size_t)y * gw + x] = a < 0.0f ? 0.0f : a > 1.0f ? 1.0f : a;
        G[(size_t)y * gw + x] = g < 0.0f ? 0.0f : g > 1.0f ? 1.0f : g;
      }
}

/* v (2 per node): from each node to the nearest node where grown is 0 (the
 * background), by two sweeps carrying the nearest source (an 8-neighbour
 * vector distance transform); (0, 0) on the background and where there is
 * none. */
static void
nearest_background (const float *grown, int gw, int gh, float *v)
{
  const float far = 1e9f;
  size_t n = (size_t)gw * (size_t)gh;
  for (size_t p = 0; p < n; p++)
    v[2 * p] = v[2 * p + 1] = grown[p] > 0.0f ? far : 0.0f;
  for (int pass = 0; pass < 2; pass++)
    {
      int s = pass ? -1 : 1;
      for (int yi = 0; yi < gh; yi++)
        for (int xi = 0; xi < gw; xi++)
          {
            int x = pass ? gw - 1 - xi : xi, y = pass ? gh - 1 - yi : yi;
            float *o = v + 2 * ((size_t)y * (size_t)gw + (size_t)x);
            const int dx[4] = { -s, 0, -s, s }, dy[4] = { 0, -s, -s, -s };
            for (int k = 0; k < 4; k++)
              {
                int xx = x + dx[k], yy = y + dy[k];
                if (xx < 0 || yy < 0 || xx >= gw || yy >= gh)
                  continue;
                const float *q = v + 2 * ((size_t)yy * (size_t)gw + (size_t)xx);
                if (q[0] >= far)
                  continue;
                float cx = q[0] + (float)dx[k], cy = q[1] + (float)dy[k];
                if (cx * cx + cy * cy < o[0] * o[0] + o[1] * o[1])
                  o[0] = cx, o[1] = cy;
              }
          }
    }
  for (size_t p = 0; p < n; p++)
    if (v[2 * p] >= far)
      v[2 * p] = v[2 * p + 1] = 0.0f;
  /* Smoothed (a 3-tap binomial each way, twice), so that where the
   * nearest node changes the mirrored texture bends instead of tearing. */
  float *t = malloc (sizeof (float) * 2 * n);
  if (!t)
    return;
  for (int round = 0; round < 4; round++)
    {
      int along_x = round % 2 == 0;
      memcpy (t, v, sizeof (float) * 2 * n);
      for (int y = 0; y < gh; y++)
        for (int x = 0; x < gw; x++)
          {
            int x0 = along_x ? (x > 0 ? x - 1 : x) : x;
            int x1 = along_x ? (x < gw - 1 ? x + 1 : x) : x;
            int y0 = along_x ? y : (y > 0 ? y - 1 : y);
            int y1 = along_x ? y : (y < gh - 1 ? y + 1 : y);
            size_t p = (size_t)y * gw + x, a = (size_t)y0 * gw + x0,
                   b = (size_t)y1 * gw + x1;
            for (int c = 0; c < 2; c++)
              v[2 * p + c] = 0.25f * t[2 * a + c] + 0.5f * t[2 * p + c]
                             + 0.25f * t[2 * b + c];
          }
    }
  free (t);
}

/* Whether every node of grid `m` in the box about the four points is
 * `value` (the box clamped to the grid, as sampling clamps). */
static int
box_all (const mien_image *m, const float *px, const float *py, float value)
{
  float x0 = px[0], x1 = px[0], y0 = py[0], y1 = py[0];
  for (int k = 1; k < 4; k++)
    x0 = fminf (x0, px[k]), x1 = fmaxf (x1, px[k]),
    y0 = fminf (y0, py[k]), y1 = fmaxf (y1, py[k]);
  int w = m->width, h = m->height;
  int i0 = (int)floorf (x0), i1 = (int)ceilf (x1);
  int j0 = (int)floorf (y0), j1 = (int)ceilf (y1);
  i0 = i0 < 0 ? 0 : i0 > w - 1 ? w - 1 : i0;
  i1 = i1 < 0 ? 0 : i1 > w - 1 ? w - 1 : i1;
  j0 = j0 < 0 ? 0 : j0 > h - 1 ? h - 1 : j0;
  j1 = j1 < 0 ? 0 : j1 > h - 1 ? h - 1 : j1;
  for (int j = j0; j <= j1; j++)
    for (int i = i0; i <= i1; i++)
      if (m->data[(size_t)j * (size_t)w + (size_t)i] != value)
        return 0;
  return 1;
}

void
mien_animator_head_layer_patches (const mien_head_alpha *h,
                                  unsigned char *cls)
{
  int gw = h->gw, gh = h->gh;
  for (int y = 0; y < gh; y++)
    for (int x = 0; x < gw; x++)
      {
        unsigned char c = MIEN_LAYER_PATCH_MIXED;
        if (h->soft && h->grown && x < gw - 1 && y < gh - 1)
          {
            /* The patch's corners, and their sources under the field: a
             * bilinear patch maps into the box of its corners' images. */
            float cx[4], cy[4], sx[4], sy[4];
            for (int k = 0; k < 4; k++)
              {
                cx[k] = (float)(x + (k & 1)), cy[k] = (float)(y + (k >> 1));
                const float *f = h->field->data
                                 + 2 * ((size_t)cy[k] * (size_t)gw
                                        + (size_t)cx[k]);
                sx[k] = cx[k] + f[0], sy[k] = cy[k] + f[1];
              }
            int no_others = !h->others || box_all (&h->others_view, cx, cy,
                                                   0.0f);
            if (no_others && box_all (h->soft, cx, cy, 1.0f)
                && box_all (h->grown, sx, sy, 1.0f))
              c = MIEN_LAYER_PATCH_HEAD;
            else if (box_all (h->grown, cx, cy, 0.0f)
                     && box_all (h->soft, sx, sy, 0.0f))
              c = MIEN_LAYER_PATCH_PHOTO;
          }
        cls[(size_t)y * gw + x] = c;
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
  mien_image_free (anim->head_soft), mien_image_free (anim->head_grown);
  mien_image_free (anim->head_mirror), mien_image_free (anim->head_soft_grown);
  anim->head_fill = anim->head_soft = anim->head_grown = NULL;
  anim->head_mirror = anim->head_soft_grown = NULL;
  mien_image *grown_im = mien_image_new (gw, gh, 1, err);
  mien_image *soft_im = grown_im ? mien_image_new (gw, gh, 1, err) : NULL;
  float *tmp = soft_im ? malloc (sizeof (float) * (size_t)gw * (size_t)gh)
                       : NULL;
  float *grown = tmp ? grown_im->data : NULL;
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
      mien_image_free (grown_im), mien_image_free (soft_im);
      free (tmp), free (weight), mien_image_free (fill);
      return mien_error_set (err, MIEN_ERR_NOMEM,
                             "animator: out of memory for the background");
    }
  soft_regions (head.region, gw, gh, tmp, soft_im->data, grown);
  free (tmp);
  mien_image *mirror = mien_image_new (gw, gh, 2, NULL);
  if (mirror)
    nearest_background (grown, gw, gh, mirror->data);
  /* The background is what the grown region does not reach: the region's
   * edge lies within a cell of the hair's. */
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
      mien_image_free (soft_im), mien_image_free (mirror);
      return st;
    }
  anim->head_fill = fill, anim->head_fill_key = key;
  anim->head_soft = soft_im, anim->head_grown = grown_im;
  anim->head_mirror = mirror; /* NULL (out of memory): a smooth fill */
  mien_image *sg = mien_image_new (gw, gh, 2, NULL);
  if (sg)
    for (size_t i = 0; i < (size_t)gw * (size_t)gh; i++)
      sg->data[2 * i] = soft_im->data[i], sg->data[2 * i + 1] = grown_im->data[i];
  anim->head_soft_grown = sg; /* NULL: sampled one at a time */
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
