/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The photo for the preview as a pyramid of tiles (issue #22): level 0 is
 * the photo, each next level half its size (2×2 means), down to the first
 * that fits one tile. The preview draws the level that matches the zoom
 * and uploads its tiles a few per frame, the visible ones first, so that no
 * frame allocates and fills a whole 4K texture (on a software GL that
 * stalled the main loop 0.3–1 s after a photo opened). No GL here: the
 * geometry and the per-frame plan, testable on their own (test-photo-tiles). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A tile's core, in level pixels. Its texture is always TEXTURE² pixels:
 * the core and one pixel more on each side (so that linear filtering is
 * seamless across tiles), the level's edge repeated past its border. One
 * size for every tile keeps the software GL's shader variants to one. */
#define MIEN_PHOTO_TILE 512
#define MIEN_PHOTO_TILE_TEXTURE (MIEN_PHOTO_TILE + 2)
#define MIEN_PHOTO_TILE_BYTES \
  ((gsize)MIEN_PHOTO_TILE_TEXTURE * MIEN_PHOTO_TILE_TEXTURE * 3)
/* Photo texels uploaded per frame at most (always at least one tile):
 * three tiles, ~2.4 MB of RGB. */
#define MIEN_PHOTO_UPLOAD_BUDGET (3 * MIEN_PHOTO_TILE_BYTES)

typedef struct {
  int x, y, width, height;
} MienPhotoRect;

typedef struct {
  int width, height;
  GBytes *rgb8; /* tight 8-bit RGB rows */
  int nx, ny;   /* tiles across and down */
} MienPhotoLevel;

typedef struct {
  int n_levels; /* the last fits one tile */
  MienPhotoLevel *levels;
} MienPhotoPyramid;

/* Builds the pyramid of a photo (tight RGB rows; level 0 shares rgb8).
 * Any thread. */
MienPhotoPyramid *mien_photo_pyramid_new (GBytes *rgb8, int width, int height);
void mien_photo_pyramid_free (MienPhotoPyramid *pyramid);

/* The level to draw at `scale` framebuffer pixels per photo pixel: the
 * coarsest that is not magnified (minified less than 2×). */
int mien_photo_level_for_scale (const MienPhotoPyramid *pyramid, double scale);

/* Tile (tx, ty) of level k: its core and where its texture lies, in level
 * pixels (the core's origin less one, TEXTURE² pixels: may reach past the
 * level). */
void mien_photo_tile_rects (const MienPhotoPyramid *pyramid, int k, int tx,
                            int ty, MienPhotoRect *core,
                            MienPhotoRect *texture);
/* The texture of tile (tx, ty) of level k: TEXTURE² tight RGB pixels into
 * out (MIEN_PHOTO_TILE_BYTES), level pixels clamped to the level. */
void mien_photo_tile_pixels (const MienPhotoPyramid *pyramid, int k, int tx,
                             int ty, guint8 *out);

/* The tiles of level k (index ty * nx + tx) that meet the visible part
 * (x0, y0)–(x1, y1) in photo pixels. Returns how many were written to out
 * (at most max_out). */
int mien_photo_visible_tiles (const MienPhotoPyramid *pyramid, int k,
                              double x0, double y0, double x1, double y1,
                              int *out, int max_out);

/* One frame's uploads: of the visible tiles of level k (as above) those
 * not yet uploaded (have[i] == 0), nearest the view's centre first, while
 * their texels stay within budget bytes (at least one). Returns how many
 * were written to out; *more tells whether visible tiles remain missing
 * after these. */
int mien_photo_plan_uploads (const MienPhotoPyramid *pyramid, int k,
                             double x0, double y0, double x1, double y1,
                             const guint *have, gsize budget, int *out,
                             int max_out, gboolean *more);

G_END_DECLS
