/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The photo as a pyramid of tiles for the preview: see mien-photo-tiles.h. */
#include "mien-photo-tiles.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Level k+1 from level k: each pixel the rounded mean of a 2×2 block (the
 * last row or column repeated where the size is odd), as GL's mipmaps. */
static GBytes *
halve (const guint8 *src, int w, int h, int dw, int dh)
{
  guint8 *dst = g_malloc ((gsize)dw * dh * 3);
  for (int y = 0; y < dh; y++)
    {
      const guint8 *r0 = src + (gsize)MIN (2 * y, h - 1) * w * 3;
      const guint8 *r1 = src + (gsize)MIN (2 * y + 1, h - 1) * w * 3;
      guint8 *d = dst + (gsize)y * dw * 3;
      for (int x = 0; x < dw; x++)
        {
          int a = MIN (2 * x, w - 1) * 3, b = MIN (2 * x + 1, w - 1) * 3;
          for (int c = 0; c < 3; c++)
            d[x * 3 + c] = (guint8)((r0[a + c] + r0[b + c] + r1[a + c]
                                     + r1[b + c] + 2) >> 2);
        }
    }
  return g_bytes_new_take (dst, (gsize)dw * dh * 3);
}

static void
set_tiles (MienPhotoLevel *level)
{
  level->nx = (level->width + MIEN_PHOTO_TILE - 1) / MIEN_PHOTO_TILE;
  level->ny = (level->height + MIEN_PHOTO_TILE - 1) / MIEN_PHOTO_TILE;
}

MienPhotoPyramid *
mien_photo_pyramid_new (GBytes *rgb8, int width, int height)
{
  g_return_val_if_fail (rgb8 != NULL && width > 0 && height > 0, NULL);
  g_return_val_if_fail (g_bytes_get_size (rgb8) >= (gsize)width * height * 3,
                        NULL);
  int n = 1;
  for (int w = width, h = height; MAX (w, h) > MIEN_PHOTO_TILE; n++)
    w = MAX (1, w / 2), h = MAX (1, h / 2);
  MienPhotoPyramid *p = g_new0 (MienPhotoPyramid, 1);
  p->n_levels = n;
  p->levels = g_new0 (MienPhotoLevel, n);
  p->levels[0] = (MienPhotoLevel){ width, height, g_bytes_ref (rgb8), 0, 0 };
  set_tiles (&p->levels[0]);
  for (int k = 1; k < n; k++)
    {
      const MienPhotoLevel *up = &p->levels[k - 1];
      MienPhotoLevel *l = &p->levels[k];
      l->width = MAX (1, up->width / 2);
      l->height = MAX (1, up->height / 2);
      l->rgb8 = halve (g_bytes_get_data (up->rgb8, NULL), up->width,
                       up->height, l->width, l->height);
      set_tiles (l);
    }
  return p;
}

void
mien_photo_pyramid_free (MienPhotoPyramid *pyramid)
{
  if (pyramid == NULL)
    return;
  for (int k = 0; k < pyramid->n_levels; k++)
    g_bytes_unref (pyramid->levels[k].rgb8);
  g_free (pyramid->levels);
  g_free (pyramid);
}

int
mien_photo_level_for_scale (const MienPhotoPyramid *pyramid, double scale)
{
  if (!(scale > 0.0) || scale >= 1.0)
    return 0;
  /* Level k is 2^-k of the photo: the largest k with 2^-k ≥ scale. The
   * epsilon keeps an exact power of two on its own level. */
  int k = (int)floor (log2 (1.0 / scale) + 1e-9);
  return CLAMP (k, 0, pyramid->n_levels - 1);
}

void
mien_photo_tile_rects (const MienPhotoPyramid *pyramid, int k, int tx, int ty,
                       MienPhotoRect *core, MienPhotoRect *texture)
{
  const MienPhotoLevel *l = &pyramid->levels[k];
  int x0 = tx * MIEN_PHOTO_TILE, y0 = ty * MIEN_PHOTO_TILE;
  int x1 = MIN (l->width, x0 + MIEN_PHOTO_TILE);
  int y1 = MIN (l->height, y0 + MIEN_PHOTO_TILE);
  if (core != NULL)
    *core = (MienPhotoRect){ x0, y0, x1 - x0, y1 - y0 };
  if (texture != NULL)
    *texture = (MienPhotoRect){ x0 - 1, y0 - 1, MIEN_PHOTO_TILE_TEXTURE,
                                MIEN_PHOTO_TILE_TEXTURE };
}

void
mien_photo_tile_pixels (const MienPhotoPyramid *pyramid, int k, int tx,
                        int ty, guint8 *out)
{
  const MienPhotoLevel *l = &pyramid->levels[k];
  const guint8 *src = g_bytes_get_data (l->rgb8, NULL);
  MienPhotoRect t;
  mien_photo_tile_rects (pyramid, k, tx, ty, NULL, &t);
  /* The columns inside the level in one copy, the clamped ones apart. */
  int in0 = CLAMP (-t.x, 0, t.width), in1 = CLAMP (l->width - t.x, 0, t.width);
  for (int j = 0; j < t.height; j++)
    {
      int y = CLAMP (t.y + j, 0, l->height - 1);
      const guint8 *row = src + (gsize)y * l->width * 3;
      guint8 *d = out + (gsize)j * t.width * 3;
      for (int i = 0; i < in0; i++)
        memcpy (d + i * 3, row, 3);
      if (in1 > in0)
        memcpy (d + in0 * 3, row + (gsize)(t.x + in0) * 3,
                (gsize)(in1 - in0) * 3);
      for (int i = MAX (in0, in1); i < t.width; i++)
        memcpy (d + i * 3, row + (gsize)(l->width - 1) * 3, 3);
    }
}

/* The tile range of level k that meets the photo-pixel rectangle. */
static gboolean
tile_range (const MienPhotoPyramid *pyramid, int k, double x0, double y0,
            double x1, double y1, int *tx0, int *ty0, int *tx1, int *ty1)
{
  const MienPhotoLevel *l = &pyramid->levels[k];
  const MienPhotoLevel *photo = &pyramid->levels[0];
  double fx = (double)l->width / photo->width;
  double fy = (double)l->height / photo->height;
  double lx0 = MAX (0.0, x0 * fx), ly0 = MAX (0.0, y0 * fy);
  double lx1 = MIN ((double)l->width, x1 * fx);
  double ly1 = MIN ((double)l->height, y1 * fy);
  if (!(lx1 > lx0 && ly1 > ly0))
    return FALSE;
  *tx0 = (int)(lx0 / MIEN_PHOTO_TILE);
  *ty0 = (int)(ly0 / MIEN_PHOTO_TILE);
  *tx1 = MIN (l->nx - 1, (int)ceil (lx1 / MIEN_PHOTO_TILE) - 1);
  *ty1 = MIN (l->ny - 1, (int)ceil (ly1 / MIEN_PHOTO_TILE) - 1);
  return *tx1 >= *tx0 && *ty1 >= *ty0;
}

int
mien_photo_visible_tiles (const MienPhotoPyramid *pyramid, int k, double x0,
                          double y0, double x1, double y1, int *out,
                          int max_out)
{
  int tx0, ty0, tx1, ty1, n = 0;
  if (!tile_range (pyramid, k, x0, y0, x1, y1, &tx0, &ty0, &tx1, &ty1))
    return 0;
  for (int ty = ty0; ty <= ty1; ty++)
    for (int tx = tx0; tx <= tx1 && n < max_out; tx++)
      out[n++] = ty * pyramid->levels[k].nx + tx;
  return n;
}

typedef struct {
  int index;
  double distance;
} Candidate;

static int
compare_candidates (const void *a, const void *b)
{
  const Candidate *x = a, *y = b;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  return x->index - y->index;
}

int
mien_photo_plan_uploads (const MienPhotoPyramid *pyramid, int k, double x0,
                         double y0, double x1, double y1, const guint *have,
                         gsize budget, int *out, int max_out, gboolean *more)
{
  const MienPhotoLevel *l = &pyramid->levels[k];
  int n_visible = l->nx * l->ny;
  int *visible = g_new (int, n_visible);
  n_visible = mien_photo_visible_tiles (pyramid, k, x0, y0, x1, y1, visible,
                                        n_visible);
  Candidate *missing = g_new (Candidate, MAX (1, n_visible));
  int n_missing = 0;
  /* The view's centre in level pixels. */
  double cx = (x0 + x1) / 2.0 * l->width / pyramid->levels[0].width;
  double cy = (y0 + y1) / 2.0 * l->height / pyramid->levels[0].height;
  for (int i = 0; i < n_visible; i++)
    {
      if (have[visible[i]] != 0)
        continue;
      MienPhotoRect core;
      mien_photo_tile_rects (pyramid, k, visible[i] % l->nx,
                             visible[i] / l->nx, &core, NULL);
      double dx = core.x + core.width / 2.0 - cx;
      double dy = core.y + core.height / 2.0 - cy;
      missing[n_missing++] = (Candidate){ visible[i], dx * dx + dy * dy };
    }
  qsort (missing, n_missing, sizeof *missing, compare_candidates);
  int n = 0;
  gsize bytes = 0;
  for (; n < n_missing && n < max_out; n++)
    {
      gsize size = MIEN_PHOTO_TILE_BYTES;
      if (n > 0 && bytes + size > budget)
        break;
      bytes += size;
      out[n] = missing[n].index;
    }
  if (more != NULL)
    *more = n < n_missing;
  g_free (missing);
  g_free (visible);
  return n;
}
