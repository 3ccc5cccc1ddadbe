/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The skin's shading at the frame's own resolution (issue #26, "creases
 * with the photo's own texture").
 *
 * The rig shades its 128² O^r for what a warp cannot make: the frown's
 * glabellar furrows, the raised brows' forehead lines, the lowered brow's
 * shadow on the lid, the nasolabial fold and the creases across the
 * nose's root (rig-paint.c). ResWarp then showed them as up(O^r) plus the
 * photo's warped residual: a stroke up-sampled bilinearly from the grid
 * (kinked every grid pixel, 4–12 photo pixels at 2–4K) laid *under* skin
 * texture that stayed as bright and as strong as beside it. That reads as
 * a grey stripe painted on the face.
 *
 * Here the frame is composed from O^r without the shading, and the
 * shading is applied to the composed frame, base and residual together:
 *   out = m · (up(u) + R) + DEEPEN · s · min(R, 0)
 * where m is the rig's per-channel factor up-sampled with Catmull-Rom (C¹,
 * no kinks; a crease keeps the width the rig gave it, proportional to the
 * face), s = 1 − m in luma (the darkening's share, > 0 in a shadow), and
 * R the frame's residual at the pixel (its luma minus up(u)'s, the
 * photo's own pores and lines as ResWarp carried them; per pixel, so a
 * region of a frame is that frame's bit for bit). A shadow dims the
 * skin's texture with its light, and the crease's darkest part is made of
 * the texture's own dark detail, deepened, instead of a uniform stroke:
 * with DEEPEN = 2 a pore in a 30 % shadow is 1.3 times as deep as it was
 * and a highlight 0.7 times as bright, about the fine detail the photo
 * had (tests/test-shade.c: the shaded box's finest band 1.03–1.06 times
 * the unshaded frame's, where the test allows 1.15). With the cubic
 * residual warp, DEEPEN_CUBIC = 1: the pore as deep as it was (the shadow
 * no longer dims it), the highlight still 0.7 times as bright.
 *
 * The rig draws its creases at least 0.75 grid pixels wide
 * (rig-paint.c, widen): thinner, they alias on the grid and up-sample to
 * strokes sharper than the photo.
 *
 * MIEN_SHADE_GRID=1 keeps the grid's shading in O^r (the frame before
 * this module, for comparisons). Generators that shade nothing
 * (mien_generator_output.shade all 1) get the frame they always did. */
#include "mien-animator-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-resample.h"

/* The texture's extra darkening in a shadow, per unit of its share. */
#define DEEPEN 2.0f
/* The same where the frame's residual warp is the cubic one (the
 * "Sharper skin detail" preference, mien-render --sharp). The bilinear
 * warp gives the moved skin 0.8-0.9 of the photo's finest band (issue
 * #26's per-tile medians); the cubic keeps all of it, and deepened by 2 the
 * texture in the raised and frowning brows' shadows came out finer than
 * the photo: fearful's 95th percentile 1.18-1.19 on sample3 and sample4,
 * against the bar of 1.15. Deepened by 1, 1.13-1.14 (docs/QUALITY.md,
 * "The texture deepened less where the warp keeps it"). */
#define DEEPEN_CUBIC 1.0f
/* The residual's depth deepened at most (a pore, not the dark of an
 * opened mouth's interior painted over it). */
#define MAX_TEXTURE 0.1f
/* A factor this close to 1 is no shading. */
#define NO_SHADE 1e-6f

static inline int
clampi (int v, int lo, int hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

void
mien_animator_shade_reset (mien_animator *anim)
{
  mien_image *sh = anim->gen_out.shade;
  if (sh)
    for (size_t i = 0; i < mien_image_n_floats (sh); i++)
      sh->data[i] = 1.0f;
  anim->shaded = 0;
}

const mien_image *
mien_animator_shade_refined (mien_animator *anim, const mien_image *ref,
                             mien_error *err)
{
  const mien_image *sh = anim->gen_out.shade;
  anim->shaded = 0;
  const char *grid_only = getenv ("MIEN_SHADE_GRID");
  if ((grid_only && strcmp (grid_only, "1") == 0) || sh == NULL || ref == NULL
      || sh->channels != 3 || sh->width != ref->width
      || sh->height != ref->height || ref->channels < 3)
    return ref; /* (the paint after the compose needs colour frames) */
  int *b = anim->shade_box;
  b[0] = sh->width, b[1] = sh->height, b[2] = -1, b[3] = -1;
  for (int y = 0; y < sh->height; y++)
    {
      const float *row = mien_image_row (sh, y);
      for (int x = 0; x < sh->width; x++)
        if (fabsf (row[3 * x] - 1.0f) > NO_SHADE
            || fabsf (row[3 * x + 1] - 1.0f) > NO_SHADE
            || fabsf (row[3 * x + 2] - 1.0f) > NO_SHADE)
          {
            b[0] = x < b[0] ? x : b[0], b[2] = x > b[2] ? x : b[2];
            b[1] = y < b[1] ? y : b[1], b[3] = y > b[3] ? y : b[3];
          }
    }
  if (b[2] < 0)
    return ref;
  if (anim->shade_base == NULL)
    {
      anim->shade_base = mien_image_new (ref->width, ref->height,
                                         ref->channels, err);
      if (anim->shade_base == NULL)
        return NULL;
    }
  mien_image *base = anim->shade_base;
  memcpy (base->data, ref->data, sizeof (float) * mien_image_n_floats (ref));
  mien_generator_unshade (base, sh, b[0], b[1], b[2], b[3]);
  anim->shaded = 1;
  return base;
}

/* Catmull-Rom weights at fraction t of the interval between taps 1 and 2. */
static void
catmull_rom (float t, float w[4])
{
  float t2 = t * t, t3 = t2 * t;
  w[0] = 0.5f * (-t3 + 2.0f * t2 - t);
  w[1] = 0.5f * (3.0f * t3 - 5.0f * t2 + 2.0f);
  w[2] = 0.5f * (-3.0f * t3 + 4.0f * t2 + t);
  w[3] = 0.5f * (t3 - t2);
}

/* The grid position of out pixel p (k out pixels a grid pixel): its
 * first tap (clamped later) and the weights. */
static int
cubic_taps (int p, float k, float w[4])
{
  float g = ((float)p + 0.5f) / k - 0.5f;
  float f = floorf (g);
  catmull_rom (g - f, w);
  return (int)f - 1;
}

typedef struct shade_job {
  mien_image *out;
  int x0, x1, y0, y1;  /* the shaded pixels of out */
  const float *hrows;  /* per grid row gy0 … : the factors' departure
                          from 1 interpolated along x, 3 per pixel */
  int gy0, gh;
  float k;
  /* The O^r the frame was composed from, as luma on the grid, and each
   * column's bilinear taps into it (ResWarp's up-sampling): out minus
   * up(O^r) is the photo's residual, its texture, at each pixel. */
  const float *base_luma;
  const mien_lerp_tap *tx;
  int gw;
  float deepen; /* DEEPEN or DEEPEN_CUBIC */
} shade_job;

static void
shade_rows (void *user, int begin, int end)
{
  const shade_job *j = user;
  int w = j->x1 - j->x0;
  for (int y = j->y0 + begin; y < j->y0 + end; y++)
    {
      float wy[4];
      int first = cubic_taps (y, j->k, wy);
      const float *h[4];
      for (int t = 0; t < 4; t++)
        h[t] = j->hrows
               + (size_t)3 * w
                     * (size_t)(clampi (first + t, 0, j->gh - 1) - j->gy0);
      mien_lerp_tap ty;
      float gy = fminf (fmaxf (((float)y + 0.5f) / j->k - 0.5f, 0.0f),
                        (float)(j->gh - 1));
      ty.i0 = (int)gy, ty.i1 = ty.i0 + 1 < j->gh ? ty.i0 + 1 : ty.i0;
      ty.w = gy - (float)ty.i0;
      const float *b0 = j->base_luma + (size_t)ty.i0 * j->gw;
      const float *b1 = j->base_luma + (size_t)ty.i1 * j->gw;
      float *row = mien_image_row (j->out, y);
      for (int x = j->x0; x < j->x1; x++)
        {
          size_t i = (size_t)3 * (x - j->x0);
          float d[3];
          for (int c = 0; c < 3; c++)
            d[c] = wy[0] * h[0][i + c] + wy[1] * h[1][i + c]
                   + wy[2] * h[2][i + c] + wy[3] * h[3][i + c];
          if (fabsf (d[0]) < NO_SHADE && fabsf (d[1]) < NO_SHADE
              && fabsf (d[2]) < NO_SHADE)
            continue;
          float *px = row + (size_t)x * j->out->channels;
          /* The darkening's share in luma; the texture's dark detail is
           * deepened by it (only in a shadow, not where the rig lightens
           * the skin beside a furrow). */
          float s = -(0.299f * d[0] + 0.587f * d[1] + 0.114f * d[2]);
          float deep = 0.0f;
          if (s > 0.0f)
            {
              const mien_lerp_tap *t = &j->tx[x - j->x0];
              float up = mien_lerp (mien_lerp (b0[t->i0], b0[t->i1], t->w),
                                    mien_lerp (b1[t->i0], b1[t->i1], t->w),
                                    ty.w);
              float res = 0.299f * px[0] + 0.587f * px[1] + 0.114f * px[2]
                          - up;
              res = fminf (fmaxf (res, -MAX_TEXTURE), 0.0f);
              deep = j->deepen * s * res;
            }
          for (int c = 0; c < 3; c++)
            {
              float m = 1.0f + d[c];
              m = m < 0.2f ? 0.2f : m;
              px[c] = px[c] * m + deep;
            }
        }
    }
}

mien_status
mien_animator_shade_paint (mien_animator *anim, mien_image *out, float scale,
                           mien_rect r, mien_error *err)
{
  const mien_image *sh = anim->gen_out.shade;
  const mien_image *base = anim->composed_from;
  if (!anim->shaded || sh == NULL || base == NULL || out->channels < 3
      || base->channels < 3)
    return MIEN_OK;
  int gw = sh->width, gh = sh->height;
  const int *b = anim->shade_box;
  /* Grid pixel i covers out pixels about (i + 0.5) · k; a Catmull-Rom tap
   * reaches 2 grid pixels. */
  float k = scale * (float)anim->crop.width / (float)MIEN_LOW_RES;
  int x0 = (int)floorf ((float)(b[0] - 2) * k);
  int x1 = (int)ceilf ((float)(b[2] + 3) * k);
  int y0 = (int)floorf ((float)(b[1] - 2) * k);
  int y1 = (int)ceilf ((float)(b[3] + 3) * k);
  x0 = x0 < r.x ? r.x : x0, y0 = y0 < r.y ? r.y : y0;
  x1 = x1 > r.x + r.width ? r.x + r.width : x1;
  y1 = y1 > r.y + r.height ? r.y + r.height : y1;
  x1 = x1 > out->width ? out->width : x1;
  y1 = y1 > out->height ? out->height : y1;
  if (x1 <= x0 || y1 <= y0)
    return MIEN_OK;
  int w = x1 - x0;
  /* The grid rows the vertical taps read. */
  float wdummy[4];
  int gy0 = clampi (cubic_taps (y0, k, wdummy), 0, gh - 1);
  int gy1 = clampi (cubic_taps (y1 - 1, k, wdummy) + 3, 0, gh - 1);
  int n_rows = gy1 - gy0 + 1;
  float *hrows = malloc (sizeof (float) * 3 * (size_t)w * (size_t)n_rows);
  float *base_luma = malloc (sizeof (float) * (size_t)gw * (size_t)gh);
  int *tc = malloc (sizeof (int) * (size_t)w);
  float *wx = malloc (sizeof (float) * 4 * (size_t)w);
  mien_lerp_tap *tx = malloc (sizeof (mien_lerp_tap) * (size_t)w);
  if (!hrows || !base_luma || !tc || !wx || !tx)
    {
      free (hrows), free (base_luma), free (tc), free (wx), free (tx);
      return mien_error_set (err, MIEN_ERR_NOMEM,
                             "animator: out of memory for the skin's shading "
                             "(%d×%d pixels)", w, y1 - y0);
    }
  for (int x = x0; x < x1; x++)
    {
      tc[x - x0] = cubic_taps (x, k, wx + 4 * (size_t)(x - x0));
      float g = fminf (fmaxf (((float)x + 0.5f) / k - 0.5f, 0.0f),
                       (float)(gw - 1));
      mien_lerp_tap *t = &tx[x - x0];
      t->i0 = (int)g, t->i1 = t->i0 + 1 < gw ? t->i0 + 1 : t->i0;
      t->w = g - (float)t->i0;
    }
  for (int gy = gy0; gy <= gy1; gy++)
    {
      const float *m = mien_image_row (sh, gy);
      float *hr = hrows + (size_t)3 * w * (size_t)(gy - gy0);
      for (int x = 0; x < w; x++)
        for (int c = 0; c < 3; c++)
          {
            float v = 0.0f;
            for (int t = 0; t < 4; t++)
              v += wx[4 * (size_t)x + t]
                   * (m[3 * clampi (tc[x] + t, 0, gw - 1) + c] - 1.0f);
            hr[3 * (size_t)x + c] = v;
          }
    }
  for (int gy = 0; gy < gh; gy++)
    {
      const float *q = mien_image_row (base, gy);
      for (int gx = 0; gx < gw; gx++)
        {
          const float *p = q + (size_t)gx * base->channels;
          base_luma[(size_t)gy * gw + gx] = 0.299f * p[0] + 0.587f * p[1]
                                            + 0.114f * p[2];
        }
    }
  shade_job job = { out, x0, x1, y0, y1, hrows, gy0, gh, k, base_luma, tx,
                    gw, mien_device_reswarp_warps_cubic (anim->rw)
                            ? DEEPEN_CUBIC
                            : DEEPEN };
  mien_pool_parallel_for (anim->pool, y1 - y0, 16, shade_rows, &job);
  free (hrows), free (base_luma), free (tc), free (wx), free (tx);
  return MIEN_OK;
}
