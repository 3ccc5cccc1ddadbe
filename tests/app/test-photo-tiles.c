/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preview's photo tiles (app/mien-photo-tiles.c, issue #22): the
 * pyramid's levels against 2×2 means computed here, every tile texture
 * against the level's pixels (edges repeated), the cores covering each
 * level once, the level chosen for a zoom, and the per-frame plan: the
 * first frames of a 4K and an 8K photo upload at most the budget each (the
 * photo in one texture was 48 MB in one frame, 0.3–1 s of main loop on a
 * software GL) and the visible tiles all arrive, the centre first. */
#include <glib.h>
#include <string.h>

#include "mien-photo-tiles.h"

static GBytes *
random_photo (int w, int h, guint32 seed)
{
  GRand *rand = g_rand_new_with_seed (seed);
  guint8 *p = g_malloc ((gsize)w * h * 3);
  for (gsize i = 0; i < (gsize)w * h * 3; i++)
    p[i] = (guint8)g_rand_int_range (rand, 0, 256);
  g_rand_free (rand);
  return g_bytes_new_take (p, (gsize)w * h * 3);
}

static const guint8 *
pixel (const MienPhotoLevel *l, int x, int y)
{
  return (const guint8 *)g_bytes_get_data (l->rgb8, NULL)
         + ((gsize)y * l->width + x) * 3;
}

static void
test_levels (void)
{
  /* Odd sizes: the last row and column of a level are not averaged in
   * (GL's mipmaps: floor of half). */
  const int sizes[][2] = { { 1001, 701 }, { 1030, 1030 }, { 300, 200 } };
  const int want_levels[] = { 2, 3, 1 }; /* 1030 → 515 → 257 */
  for (guint s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int w = sizes[s][0], h = sizes[s][1];
      g_autoptr (GBytes) photo = random_photo (w, h, 7 + s);
      MienPhotoPyramid *p = mien_photo_pyramid_new (photo, w, h);
      g_assert_cmpint (p->n_levels, ==, want_levels[s]);
      g_assert_true (p->levels[0].rgb8 == photo);
      for (int k = 1; k < p->n_levels; k++)
        {
          const MienPhotoLevel *up = &p->levels[k - 1], *l = &p->levels[k];
          g_assert_cmpint (l->width, ==, up->width / 2);
          g_assert_cmpint (l->height, ==, up->height / 2);
          for (int y = 0; y < l->height; y++)
            for (int x = 0; x < l->width; x++)
              for (int c = 0; c < 3; c++)
                {
                  int sum = pixel (up, 2 * x, 2 * y)[c]
                            + pixel (up, 2 * x + 1, 2 * y)[c]
                            + pixel (up, 2 * x, 2 * y + 1)[c]
                            + pixel (up, 2 * x + 1, 2 * y + 1)[c];
                  g_assert_cmpint (pixel (l, x, y)[c], ==, (sum + 2) / 4);
                }
        }
      int last = p->n_levels - 1;
      g_assert_cmpint (MAX (p->levels[last].width, p->levels[last].height),
                       <=, MIEN_PHOTO_TILE);
      mien_photo_pyramid_free (p);
    }
}

static void
test_tiles (void)
{
  int w = 1300, h = 1100;
  g_autoptr (GBytes) photo = random_photo (w, h, 3);
  MienPhotoPyramid *p = mien_photo_pyramid_new (photo, w, h);
  guint8 *tex = g_malloc (MIEN_PHOTO_TILE_BYTES);
  for (int k = 0; k < p->n_levels; k++)
    {
      const MienPhotoLevel *l = &p->levels[k];
      int *covered = g_new0 (int, (gsize)l->width * l->height);
      for (int ty = 0; ty < l->ny; ty++)
        for (int tx = 0; tx < l->nx; tx++)
          {
            MienPhotoRect core, t;
            mien_photo_tile_rects (p, k, tx, ty, &core, &t);
            g_assert_cmpint (t.x, ==, core.x - 1);
            g_assert_cmpint (t.y, ==, core.y - 1);
            g_assert_cmpint (t.width, ==, MIEN_PHOTO_TILE_TEXTURE);
            g_assert_cmpint (t.height, ==, MIEN_PHOTO_TILE_TEXTURE);
            for (int y = core.y; y < core.y + core.height; y++)
              for (int x = core.x; x < core.x + core.width; x++)
                covered[(gsize)y * l->width + x]++;
            memset (tex, 0xa5, MIEN_PHOTO_TILE_BYTES);
            mien_photo_tile_pixels (p, k, tx, ty, tex);
            for (int j = 0; j < t.height; j++)
              for (int i = 0; i < t.width; i++)
                {
                  int x = CLAMP (t.x + i, 0, l->width - 1);
                  int y = CLAMP (t.y + j, 0, l->height - 1);
                  g_assert_cmpmem (tex + ((gsize)j * t.width + i) * 3, 3,
                                   pixel (l, x, y), 3);
                }
          }
      for (gsize i = 0; i < (gsize)l->width * l->height; i++)
        g_assert_cmpint (covered[i], ==, 1);
      g_free (covered);
    }
  g_free (tex);
  mien_photo_pyramid_free (p);
}

static void
test_level_for_scale (void)
{
  g_autoptr (GBytes) photo = random_photo (4096, 4096, 1);
  MienPhotoPyramid *p = mien_photo_pyramid_new (photo, 4096, 4096);
  g_assert_cmpint (p->n_levels, ==, 4); /* 4096, 2048, 1024, 512 */
  g_assert_cmpint (mien_photo_level_for_scale (p, 4.0), ==, 0);
  g_assert_cmpint (mien_photo_level_for_scale (p, 1.0), ==, 0);
  g_assert_cmpint (mien_photo_level_for_scale (p, 0.99), ==, 0);
  g_assert_cmpint (mien_photo_level_for_scale (p, 0.5), ==, 1);
  g_assert_cmpint (mien_photo_level_for_scale (p, 0.26), ==, 1);
  g_assert_cmpint (mien_photo_level_for_scale (p, 0.22), ==, 2);
  g_assert_cmpint (mien_photo_level_for_scale (p, 0.125), ==, 3);
  g_assert_cmpint (mien_photo_level_for_scale (p, 0.01), ==, 3);
  mien_photo_pyramid_free (p);
}

/* Frames after a photo opens until the visible tiles of the level for
 * `scale` are all uploaded: each within the budget, each visible tile
 * once, the one under the view's centre in the first frame. Returns the
 * number of frames. */
static int
upload_frames (int w, int h, double scale, double x0, double y0, double x1,
               double y1)
{
  g_autoptr (GBytes) photo = g_bytes_new_take (g_malloc0 ((gsize)w * h * 3),
                                               (gsize)w * h * 3);
  MienPhotoPyramid *p = mien_photo_pyramid_new (photo, w, h);
  int k = mien_photo_level_for_scale (p, scale);
  const MienPhotoLevel *l = &p->levels[k];
  int n = l->nx * l->ny;
  guint *have = g_new0 (guint, n);
  int *list = g_new (int, n);
  int n_visible = mien_photo_visible_tiles (p, k, x0, y0, x1, y1, list, n);
  g_assert_cmpint (n_visible, >, 0);
  /* How far each tile's centre is from the view's, in level pixels, and
   * the least of these. */
  double fx = (double)l->width / w, fy = (double)l->height / h;
  double *distance = g_new (double, n), nearest = G_MAXDOUBLE;
  for (int i = 0; i < n; i++)
    {
      double dx = (i % l->nx + 0.5) * MIEN_PHOTO_TILE - (x0 + x1) / 2 * fx;
      double dy = (i / l->nx + 0.5) * MIEN_PHOTO_TILE - (y0 + y1) / 2 * fy;
      distance[i] = dx * dx + dy * dy;
    }
  for (int i = 0; i < n_visible; i++)
    nearest = MIN (nearest, distance[list[i]]);
  int frames = 0;
  gboolean more = TRUE;
  while (more)
    {
      int m = mien_photo_plan_uploads (p, k, x0, y0, x1, y1, have,
                                       MIEN_PHOTO_UPLOAD_BUDGET, list, n, &more);
      g_assert_cmpint (m, >, 0);
      g_assert_cmpuint ((gsize)m * MIEN_PHOTO_TILE_BYTES, <=,
                        MIEN_PHOTO_UPLOAD_BUDGET);
      if (frames == 0) /* the centre first (tiles inside the level) */
        g_assert_cmpfloat (distance[list[0]], ==, nearest);
      for (int i = 0; i < m; i++)
        {
          g_assert_cmpuint (have[list[i]], ==, 0);
          have[list[i]] = 1;
        }
      g_assert_cmpint (++frames, <, 100);
    }
  int got = 0;
  for (int i = 0; i < n; i++)
    got += have[i];
  g_assert_cmpint (got, ==, n_visible);
  g_free (distance);
  g_free (list);
  g_free (have);
  mien_photo_pyramid_free (p);
  return frames;
}

static void
test_first_frames (void)
{
  /* The budget is a small part of what one 4K texture was. */
  g_assert_cmpuint (MIEN_PHOTO_UPLOAD_BUDGET, <=, (gsize)4096 * 4096 * 3 / 16);
  /* A 4K photo fitted (0.22): level 2, 1024², four tiles in two frames. */
  g_assert_cmpint (upload_frames (4096, 4096, 0.22, 0, 0, 4096, 4096), ==, 2);
  /* At 1:1 in the middle of a 4K photo, a 1600 × 1000 view: 4 × 3 tiles,
   * three a frame. */
  g_assert_cmpint (upload_frames (4096, 4096, 1.0, 1248, 1300, 2848, 2300),
                   ==, 4);
  /* An 8K photo (7680 × 5400) fitted at 0.15: level 2 (1920 × 1350), 4 × 3
   * tiles. */
  g_assert_cmpint (upload_frames (7680, 5400, 0.15, 0, 0, 7680, 5400), ==, 4);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/photo-tiles/levels", test_levels);
  g_test_add_func ("/photo-tiles/tiles", test_tiles);
  g_test_add_func ("/photo-tiles/level-for-scale", test_level_for_scale);
  g_test_add_func ("/photo-tiles/first-frames", test_first_frames);
  return g_test_run ();
}
