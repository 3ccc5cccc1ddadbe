/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Brows that move as a piece (issue #26: "the brow hair region translates
 * and rotates rigidly, and the stretch is spread over the upper-lid skin
 * below it. Then no column of pixels is smeared into streaks").
 *
 * The rig raises a brow by moving its landmarks and letting the motion
 * fall off towards the eye, which stays. Measured on sample3's face 0
 * enlarged 2× with AU1 + AU2 = 5, the field puts nearly all of the lid
 * skin's stretch into the four grid rows under the brow: there the
 * backward map takes 0.1-0.3 source rows a frame row, a 3-10× stretch of
 * a band half a grid pixel thick, while the 8 rows from the brow to the
 * lid would need 1.55× if the stretch were spread. At the frame's
 * resolution that band is the "vertical streaks of brow hair" under a
 * raised brow.
 *
 * Here, where the full frame has MIEN_MOUTH_HD_MIN_PIXELS or more pixels
 * a grid pixel (as the mouth's paint), each brow's zone is drawn again
 * from the photo with a map of its own, in the face's upright frame (u
 * along the eyes' axis, v down):
 *   - the brow, from 0.10 of the inter-ocular distance above its line to
 *     0.05 below it, carried by the similarity that carries its five
 *     landmarks (a rigid piece, its hair unstretched);
 *   - the lid skin under it, down to 0.08 of the inter-ocular distance
 *     above the upper lid's line (its landmarks carried by the field,
 *     which leaves the eye, its lashes and lid margin where they are),
 *     stretched evenly between the two;
 * blended in with weights that fade out over the brow's ends, above it,
 * and towards the lid's line, where the field and this map agree. It acts
 * only where the lid's skin is stretched (the brow raised: the zone 5 to
 * 25 % taller than in the photo fades it in), so lowered brows and every
 * neutral frame are left as they were. MIEN_BROWS_FIELD=1 leaves the
 * brows to the field, for comparisons. */
#include "mien-animator-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-headshot.h"

/* The brow piece's extent about its landmark line, and the zone's fades,
 * in inter-ocular distances. */
#define ABOVE_IOD 0.10f
#define BELOW_IOD 0.05f
/* The lashes and the lid's margin above the upper lid's landmarks: they
 * stay with the eye (stretched, the upper lashes smeared upwards). */
#define LASHES_IOD 0.08f
/* Beyond each end of the brow, over this share of its length, the zone
 * fades back to the field (the field's smear reaches past the brow's
 * ends; a fade within them left its inner end as a block). */
#define LATERAL 0.4f
/* The brow's hair reaches a little past its end landmarks: the zone stays
 * whole this share of the brow's length beyond them. */
#define FULL_BEYOND 0.1f
/* Where the lid's stretch fades in: the zone's height over the photo's. */
#define STRETCH_FROM 1.05f
#define STRETCH_FULL 1.25f

/* The height v of a polyline given as n (u, v) points sorted by u, at u:
 * linear between, flat beyond its ends. */
static float
line_at (const mien_point *pts, int n, float u)
{
  if (u <= pts[0].x)
    return pts[0].y;
  for (int i = 1; i < n; i++)
    if (u <= pts[i].x)
      {
        float d = pts[i].x - pts[i - 1].x;
        float t = d > 1e-6f ? (u - pts[i - 1].x) / d : 0.0f;
        return pts[i - 1].y + t * (pts[i].y - pts[i - 1].y);
      }
  return pts[n - 1].y;
}

static int
cmp_u (const void *a, const void *b)
{
  float x = ((const mien_point *)a)->x, y = ((const mien_point *)b)->x;
  return (x > y) - (x < y);
}

/* One brow's geometry for this frame, in grid units of the upright frame. */
typedef struct {
  mien_point brow[5], brow_moved[5]; /* (u, v), sorted by u */
  mien_point lid[4], lid_moved[4];
  float u_lo, u_hi;                  /* the brow's extent along u */
  mien_point z, t;                   /* the brow's similarity, grid */
  float fade;                        /* the stretch's share, 0 … 1 */
} brow_zone;

/* The upright frame's (u, v) of grid point g. */
static mien_point
upright (mien_point g, mien_point e)
{
  return (mien_point){ g.x * e.x + g.y * e.y, -g.x * e.y + g.y * e.x };
}

/* Grid point of upright (u, v). */
static mien_point
from_upright (mien_point uv, mien_point e)
{
  return (mien_point){ uv.x * e.x - uv.y * e.y, uv.x * e.y + uv.y * e.x };
}

static int
zone_frame (const mien_animator *anim, int side, mien_point e, float iod,
            brow_zone *zn)
{
  const mien_image *field = anim->gen_out.field;
  static const int lids[2][4] = { { 36, 37, 38, 39 }, { 42, 43, 44, 45 } };
  mien_point src[5], dst[5];
  for (int i = 0; i < 5; i++)
    {
      src[i] = anim->grid_landmarks[17 + 5 * side + i];
      dst[i] = mien_animator_forward_grid_point (field, src[i]);
      zn->brow[i] = upright (src[i], e);
      zn->brow_moved[i] = upright (dst[i], e);
    }
  mien_animator_fit_similarity (src, dst, 5, &zn->z, &zn->t);
  float zz = zn->z.x * zn->z.x + zn->z.y * zn->z.y;
  if (!isfinite (zz) || zz < 0.5f || zz > 2.0f || !isfinite (zn->t.x)
      || !isfinite (zn->t.y))
    return 0;
  for (int i = 0; i < 4; i++)
    {
      mien_point g = anim->grid_landmarks[lids[side][i]];
      zn->lid[i] = upright (g, e);
      zn->lid_moved[i] = upright (mien_animator_forward_grid_point (field, g),
                                  e);
    }
  qsort (zn->brow, 5, sizeof (mien_point), cmp_u);
  qsort (zn->brow_moved, 5, sizeof (mien_point), cmp_u);
  qsort (zn->lid, 4, sizeof (mien_point), cmp_u);
  qsort (zn->lid_moved, 4, sizeof (mien_point), cmp_u);
  zn->u_lo = zn->brow_moved[0].x, zn->u_hi = zn->brow_moved[4].x;
  /* The lid zone's height at the brow's middle, in the frame against the
   * photo. */
  float um = zn->brow[2].x, um_moved = zn->brow_moved[2].x;
  float below = BELOW_IOD * iod, lashes = LASHES_IOD * iod;
  float h0 = line_at (zn->lid, 4, um) - lashes - (zn->brow[2].y + below);
  float h1 = line_at (zn->lid_moved, 4, um_moved) - lashes
             - (zn->brow_moved[2].y + below);
  if (!(h0 > 0.5f) || !(h1 > 0.0f))
    return 0;
  zn->fade = mien_animator_smooth01 (STRETCH_FROM, STRETCH_FULL, h1 / h0);
  return zn->fade > 0.0f;
}

typedef struct {
  const mien_animator *anim;
  mien_image *out;
  const brow_zone *zn;
  mien_point e;
  float k;
  int xa, xb, ya;
  float above, below, lashes, ua, ub, ulen;
} brow_job;

/* Rows [begin, end) of a brow's box (from job->ya). */
static void
brow_rows (void *user_data, int begin, int end)
{
  const brow_job *j = user_data;
  const brow_zone *zn = j->zn;
  const mien_animator *anim = j->anim;
  mien_point e = j->e;
  float k = j->k, above = j->above, below = j->below, lashes = j->lashes;
  float ua = j->ua, ub = j->ub, ulen = j->ulen;
  for (int y = j->ya + begin; y < j->ya + end; y++)
    {
      float *row = mien_image_row (j->out, y);
      for (int x = j->xa; x < j->xb; x++)
        {
          mien_point g = { ((float)x + 0.5f) / k - 0.5f,
                           ((float)y + 0.5f) / k - 0.5f };
          mien_point uv = upright (g, e);
          /* Along the brow: full over it and a little beyond its ends,
           * fading out further out. */
          float w_lat
              = mien_animator_smooth01 (ua, zn->u_lo - FULL_BEYOND * ulen,
                                        uv.x)
                * (1.0f - mien_animator_smooth01 (
                       zn->u_hi + FULL_BEYOND * ulen, ub, uv.x));
          if (!(w_lat > 0.0f))
            continue;
          float vb_m = line_at (zn->brow_moved, 5, uv.x);
          float vl_m = line_at (zn->lid_moved, 4, uv.x) - lashes;
          float band_m = vb_m + below;
          if (uv.y < vb_m - above || !(vl_m > band_m) || uv.y > vl_m)
            continue;
          /* Above the brow: fading in over the top half of the band above
           * it. */
          float w_top = mien_animator_smooth01 (vb_m - above,
                                                vb_m - 0.5f * above, uv.y);
          /* The brow piece: rigid. */
          mien_point s = mien_animator_similarity_source (zn->z, zn->t, g);
          float w_bot = 1.0f;
          if (uv.y > band_m)
            {
              /* The lid's skin: from the brow piece's lower edge to above
               * the lashes, evenly, at the brow piece's u. */
              mien_point suv = upright (s, e);
              float vl_s = line_at (zn->lid, 4, suv.x) - lashes;
              float t = (uv.y - band_m) / (vl_m - band_m);
              /* The photo's point the brow piece brings to its lower edge
               * above this pixel: the lid's skin starts there. */
              mien_point edge = mien_animator_similarity_source (
                  zn->z, zn->t, from_upright ((mien_point){ uv.x, band_m }, e));
              float v0 = upright (edge, e).y;
              suv.y = v0 + t * (vl_s - v0);
              s = from_upright (suv, e);
              /* Towards the lashes, where the field and this map agree,
               * back to the field. */
              w_bot = 1.0f - mien_animator_smooth01 (0.7f, 1.0f, t);
            }
          float w = zn->fade * w_lat * w_top * w_bot;
          if (!(w > 1e-4f))
            continue;
          mien_point p = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES, s);
          float c[4] = { 0, 0, 0, 0 };
          mien_image_sample_bilinear (anim->photo, p.x - 0.5f, p.y - 0.5f, c);
          float *px = row + (size_t)x * j->out->channels;
          for (int ch = 0; ch < 3; ch++)
            px[ch] += w * (c[ch] - px[ch]);
        }
    }
}

mien_status
mien_animator_brows_paint (mien_animator *anim, mien_image *out, float scale,
                           mien_rect r, mien_error *err)
{
  const char *off = getenv ("MIEN_BROWS_FIELD");
  const mien_image *field = anim->gen_out.field;
  if ((float)anim->crop.width / (float)MIEN_LOW_RES < MIEN_MOUTH_HD_MIN_PIXELS
      || (off && strcmp (off, "1") == 0) || field == NULL
      || field->channels != 2 || out->channels < 3
      || anim->photo->channels < 3)
    return MIEN_OK;
  float iod;
  mien_point e;
  if (!mien_animator_teeth_photo (anim, &iod, &e))
    return MIEN_OK;
  float k = scale * (float)anim->crop.width / (float)MIEN_LOW_RES;
  float above = ABOVE_IOD * iod, below = BELOW_IOD * iod;
  float lashes = LASHES_IOD * iod;
  for (int side = 0; side < 2; side++)
    {
      brow_zone zn;
      if (!zone_frame (anim, side, e, iod, &zn))
        continue;
      /* The zone's box in out's pixels: the moved brow's u range grown
       * by LATERAL of its length each way, from above the brow to the lid;
       * its rows split over the pool's threads (each pixel is its own). */
      float ulen = zn.u_hi - zn.u_lo;
      float ua = zn.u_lo - LATERAL * ulen, ub = zn.u_hi + LATERAL * ulen;
      float va = 1e30f, vb = -1e30f;
      for (int i = 0; i < 5; i++)
        va = fminf (va, zn.brow_moved[i].y - above);
      for (int i = 0; i < 4; i++)
        vb = fmaxf (vb, zn.lid_moved[i].y);
      vb = fmaxf (vb, line_at (zn.lid_moved, 4, ua));
      vb = fmaxf (vb, line_at (zn.lid_moved, 4, ub));
      float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
      mien_point corners[4] = { { ua, va }, { ub, va }, { ua, vb }, { ub, vb } };
      for (int i = 0; i < 4; i++)
        {
          mien_point g = from_upright (corners[i], e);
          x0 = fminf (x0, (g.x + 0.5f) * k), x1 = fmaxf (x1, (g.x + 0.5f) * k);
          y0 = fminf (y0, (g.y + 0.5f) * k), y1 = fmaxf (y1, (g.y + 0.5f) * k);
        }
      int xa = (int)floorf (x0), xb = (int)ceilf (x1) + 1;
      int ya = (int)floorf (y0), yb = (int)ceilf (y1) + 1;
      xa = xa < r.x ? r.x : xa, ya = ya < r.y ? r.y : ya;
      xb = xb > r.x + r.width ? r.x + r.width : xb;
      yb = yb > r.y + r.height ? r.y + r.height : yb;
      xa = xa < 0 ? 0 : xa, ya = ya < 0 ? 0 : ya;
      xb = xb > out->width ? out->width : xb;
      yb = yb > out->height ? out->height : yb;
      brow_job job = { anim, out, &zn, e, k, xa, xb, ya, above, below,
                       lashes, ua, ub, ulen };
      if (yb > ya && xb > xa)
        mien_pool_parallel_for (anim->pool, yb - ya, 8, brow_rows, &job);
    }
  (void)err;
  return MIEN_OK;
}
