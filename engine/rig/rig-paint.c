/* SPDX-License-Identifier: GPL-3.0-or-later */
/* O^r: appearance a warp cannot make. ATW's refinement network paints
 * O^r = O^w + what the warp cannot show; the rig paints four things onto
 * O^w at the 128² grid, and ResWarp carries them to HD:
 * - the mouth interior, dark where an opening mouth stretched lip texture
 *   (inside the moved inner-lip polygon, where the field magnifies);
 * - the shadow line between sealed lips, where the seal squeezed the
 *   skipped teeth (a large Jacobian determinant);
 * - brow wrinkles: glabellar furrows and the brow's shadow on the upper lid
 *   (AU4), forehead lines (AU1, AU2);
 * - folds: the nasolabial furrow (AU9, AU10) and the creases across the
 *   root of the nose (AU9).
 * The wrinkles and folds are FACS's appearance changes for those AUs; the
 * shapes, in iod units, were chosen on the contact sheets (docs/QUALITY.md).
 * All of it stays two pixels inside the grid, where the field is 0. */
#include "rig-private.h"

#include <string.h>

#include "mien-field.h"

/* The mouth interior: painted where the field opens the mouth (the larger
 * of the Jacobian's determinant and the stretch down the face, the largest
 * of its one-sided differences) below MOUTH_STRETCH_START,
 * fully MOUTH_STRETCH_RAMP below; darkest (MOUTH_SHADE_MID of the colour's brightness) in the
 * opening's middle, MOUTH_SHADE_RISE lighter at the lips. */
#define MOUTH_STRETCH_START 0.7f
#define MOUTH_STRETCH_RAMP 0.4f
#define MOUTH_SHADE_MID 0.55f
#define MOUTH_SHADE_RISE 0.45f
static const float mouth_colour[3] = { 0.24f, 0.10f, 0.09f };

/* The seam: darkens from a squeeze (determinant) of SEAM_DET_START over
 * SEAM_DET_RAMP, up to SEAM_OPACITY. */
#define SEAM_DET_START 1.3f
#define SEAM_DET_RAMP 1.2f
#define SEAM_OPACITY 0.85f
/* The shadow line between closed lips. */
static const float seam_colour[3] = { 0.28f, 0.13f, 0.11f };

static int
point_in_polygon (const vec2 *poly, int n, float x, float y)
{
  int inside = 0;
  for (int i = 0, j = n - 1; i < n; j = i++)
    if ((poly[i].y > y) != (poly[j].y > y)
        && x < (poly[j].x - poly[i].x) * (y - poly[i].y) / (poly[j].y - poly[i].y)
                   + poly[i].x)
      inside = !inside;
  return inside;
}

/* How much the field magnifies the mouth at (x, y) as an opening: the
 * larger of the Jacobian's determinant and the source length that one
 * output step along down (a unit vector, the face's vertical) covers; 1
 * where nothing stretches, 0.5 where the strip between the lips is
 * magnified twice. An opening mouth magnifies that strip vertically; a
 * mouth spread sideways (E, a smile) stretches the photo's teeth across,
 * which lowers the determinant alone, and painting the interior there put
 * dark patches on the teeth (sample5/1). The larger of the two keeps the
 * determinant where a squeeze raises it (O and U pull the corners in while
 * the lips part; the vertical span alone painted more there and lowered
 * sample1/2's identity to 0.87). The largest of the four one-sided
 * differences: a
 * pixel next to a stretched band is not itself stretched, though central
 * differences straddling the band's edge say so (the mouth paint would eat
 * a row into the teeth above the jaw's gap). */
static float
local_opening_one_sided_max (const mien_image *f, int x, int y,
                                   vec2 down)
{
  const float *o = f->data + 2 * ((size_t)y * f->width + x);
  float best = -1e9f;
  for (int sx = -1; sx <= 1; sx += 2)
    for (int sy = -1; sy <= 1; sy += 2)
      {
        int xx = x + sx, yy = y + sy;
        if (xx < 0 || yy < 0 || xx >= f->width || yy >= f->height)
          continue;
        const float *a = f->data + 2 * ((size_t)y * f->width + xx);
        const float *b = f->data + 2 * ((size_t)yy * f->width + x);
        float j00 = 1 + (a[0] - o[0]) * sx, j10 = (a[1] - o[1]) * sx;
        float j01 = (b[0] - o[0]) * sy, j11 = 1 + (b[1] - o[1]) * sy;
        float det = j00 * j11 - j01 * j10;
        float span = hypotf (j00 * down.x + j01 * down.y,
                             j10 * down.x + j11 * down.y);
        best = fmaxf (best, fmaxf (det, span));
      }
  return best;
}

/* An opening mouth magnifies the thin strip between the lips; there O^r
 * shows a dark mouth interior instead of stretched lip texture. Coverage of
 * the moved inner-lip polygon is 4×4 supersampled for a soft edge. */
float
paint_mouth (mien_image *refined, mien_image *interior,
             const mien_image *field, const mien_point *lm, const rig_moves *m,
             vec2 down)
{
  vec2 poly[8];
  float minx = 1e9f, maxx = -1e9f, miny = 1e9f, maxy = -1e9f;
  for (int i = 0; i < 8; i++)
    {
      int k = MIEN_LM_INNER_LIPS.first + i;
      poly[i] = v_add (v_pt (lm[k]), m->lm[k]);
      minx = fminf (minx, poly[i].x), maxx = fmaxf (maxx, poly[i].x);
      miny = fminf (miny, poly[i].y), maxy = fmaxf (maxy, poly[i].y);
    }
  grid_box b = grid_box_of ((vec2){ minx, miny }, (vec2){ maxx, maxy }, 1, 1,
                            refined->width, refined->height, 2);
  float area = 0.0f, cy = 0.5f * (miny + maxy), hh = fmaxf (0.5f * (maxy - miny), 0.5f);
  for (int y = b.y0; y <= b.y1; y++)
    for (int x = b.x0; x <= b.x1; x++)
      {
        int hits = 0;
        for (int j = 0; j < 16; j++)
          hits += point_in_polygon (poly, 8, (float)x - 0.375f + 0.25f * (j & 3),
                                    (float)y - 0.375f + 0.25f * (j >> 2));
        if (!hits)
          continue;
        float stretch = (MOUTH_STRETCH_START
                         - local_opening_one_sided_max (field, x, y,
                                                              down))
                        / MOUTH_STRETCH_RAMP;
        stretch = stretch < 0.0f ? 0.0f : stretch > 1.0f ? 1.0f : stretch;
        float a = stretch * (float)hits / 16.0f;
        if (a <= 0.0f)
          continue;
        /* Darker in the middle of the opening, a little lighter near lips. */
        float dv = fabsf ((float)y - cy) / hh;
        float shade = MOUTH_SHADE_MID + MOUTH_SHADE_RISE * fminf (dv, 1.0f);
        const float *base = mouth_colour;
        float *px = mien_image_row (refined, y) + (size_t)x * refined->channels;
        for (int c = 0; c < refined->channels && c < 3; c++)
          px[c] += a * (base[c] * shade - px[c]);
        if (interior)
          {
            float *q = mien_image_row (interior, y) + 4 * (size_t)x;
            q[0] = base[0] * shade, q[1] = base[1] * shade;
            q[2] = base[2] * shade, q[3] = a;
          }
        area += a;
      }
  return area;
}

/* Where the seal skipped the rows between the lips, the bilinear field
 * squeezes them into about one grid pixel; O^r darkens that band to the
 * shadow line between closed lips. The squeeze shows as a large Jacobian
 * determinant (the backward map spans many source rows per output row). */
void
paint_lip_seam (mien_image *refined, const mien_image *field,
                const mien_point *lm, const rig_moves *m, float closure)
{
  if (closure <= 0.0f)
    return;
  float minx = 1e9f, maxx = -1e9f, miny = 1e9f, maxy = -1e9f;
  for (int k = 0; k < MIEN_LM_INNER_LIPS.count; k++)
    {
      int i = MIEN_LM_INNER_LIPS.first + k;
      vec2 p = v_add (v_pt (lm[i]), m->lm[i]);
      minx = fminf (minx, p.x), maxx = fmaxf (maxx, p.x);
      miny = fminf (miny, p.y), maxy = fmaxf (maxy, p.y);
    }
  grid_box b = grid_box_of ((vec2){ minx, miny }, (vec2){ maxx, maxy }, 2, 3,
                            refined->width, refined->height, 2);
  for (int y = b.y0; y <= b.y1; y++)
    for (int x = b.x0; x <= b.x1; x++)
      {
        float a = (mien_jacobian_det (mien_field_jacobian (field, x, y))
                   - SEAM_DET_START) / SEAM_DET_RAMP;
        a = a < 0.0f ? 0.0f : a > 1.0f ? 1.0f : a;
        if (a <= 0.0f)
          continue;
        float *px = mien_image_row (refined, y) + (size_t)x * refined->channels;
        for (int c = 0; c < refined->channels && c < 3; c++)
          px[c] += SEAM_OPACITY * a * (seam_colour[c] - px[c]);
      }
}

/* Strengths and shapes of the shading, in iod units. A furrowed glabella is
 * what face-api's expression model reads as anger: moving the brows alone
 * left p(angry) near 0 on every sample face (tools/calibrate). Stronger
 * grooves raise it further but look painted on; these values were chosen
 * by eye on the contact sheets (docs/QUALITY.md), as a compromise. */
typedef struct wrinkle_style {
  float furrow_dark;  /* AU4: darkening at the groove, full intensity */
  float furrow_sep;   /* groove distance from the midline */
  float furrow_width; /* Gaussian sigma across the groove */
  float furrow_len;   /* half length along the face's vertical */
  float line_dark;    /* AU1/AU2: forehead line darkening */
  float line_gap;     /* spacing of the forehead lines above the brows */
  float line_width;   /* Gaussian sigma across a line */
  float furrow_shift; /* groove centre below the inner brows */
  float bulge;        /* lighter skin between the grooves, vs the darkening */
  float socket_dark;  /* AU4: shadow the lowered brow casts on the upper lid */
  float socket_drop;  /* its centre below the brow */
  float socket_width; /* Gaussian sigma of the shadow band */
} wrinkle_style;

static const wrinkle_style wrinkles = {
  .furrow_dark = 0.3f,
  .furrow_sep = 0.06f,
  .furrow_width = 0.03f,
  .furrow_len = 0.14f,   /* longer or lower, the grooves run down the nose */
  .furrow_shift = 0.0f,  /* bridge and read as one bar */
  .bulge = 0.4f,
  .line_dark = 0.12f,
  .line_gap = 0.12f,
  .line_width = 0.02f,
  .socket_dark = 0.25f,
  .socket_drop = 0.12f,
  .socket_width = 0.06f,
};

/* Shadows on skin keep more red than blue (light scattered under the
 * skin): a grey darkening reads as paint. Per channel share of `dark`. */
static const float shadow_tint[3] = { 0.8f, 1.0f, 1.15f };

static inline float
gauss (float d, float sigma)
{
  return expf (-0.5f * d * d / (sigma * sigma));
}

/* A crease's Gaussian profile (sigma `width`, iod units; darkness
 * `dark`) as the grid can carry it: at least MIN_SAMPLED_WIDTH grid
 * pixels wide, its darkness scaled so that the shadow's integral across
 * the crease stays (a Gaussian blurred by a Gaussian). The forehead
 * lines and the nose root's creases (σ 0.02 iod) are half a grid pixel wide on the generator's
 * 128² face: sampled at grid pixels they alias (a line's depth and width
 * change with where it falls between pixels, and shimmer as the brows
 * move), and up-sampled to 2-4K they are strokes sharper than the photo
 * around them, detail it never had (issue #26's per-tile table: up to
 * 1.5 times the photo's finest band over a smooth forehead). */
#define MIN_SAMPLED_WIDTH 0.75f
/* photo_blur (σ in grid pixels; 0 for none) then blurs the profile by the
 * photo's own softness, the integral kept again: a line drawn sharper than
 * the photo around it reads as drawn on it. Only the forehead lines take
 * it (paint_wrinkles). On the soft sample photos (limbus blur σ 1.2 to 2.2
 * photo pixels) their finest band was what lifted issue #26's 95th
 * percentile past 1.15 with the cubic residual warp (docs/QUALITY.md,
 * "Forehead lines as soft as the photo"). The frown's furrows stay as
 * drawn: softened too, face-api stopped reading sample3/2 as angrier than
 * its photo (expression-agreement), and softening every crease moved
 * sample4/1's angry from 0.68 to 0.11 in a session-30 trial. */
static void
widen (float *width, float *dark, float iod, float photo_blur)
{
  float w = *width * iod;
  if (!(w > 0.0f))
    return;
  float w2 = fmaxf (w, MIN_SAMPLED_WIDTH);
  if (photo_blur > 0.0f)
    w2 = sqrtf (w2 * w2 + photo_blur * photo_blur);
  *dark *= w / w2;
  *width = w2 / iod;
}

/* The brow's height at u, linear between the sorted brow points. */
static float
brow_height (const float brow_u[10], const float brow_v[10], float u)
{
  int k = 0;
  while (k < 8 && brow_u[k + 1] < u)
    k++;
  float t = (u - brow_u[k]) / fmaxf (brow_u[k + 1] - brow_u[k], 1e-4f);
  return brow_v[k] + t * (brow_v[k + 1] - brow_v[k]);
}

/* Darkening (0 … <1) of skin at face-frame position (u, v), iod units from
 * the moved inner-brow midpoint; brow_v[k] is the moved brow height at the
 * k-th of 10 brow points sorted along u (brow_u). */
static float
wrinkle_shade (const wrinkle_style *st, float u, float v, float a4,
               const float a1[2], const float a2[2], const float brow_u[10],
               const float brow_v[10])
{
  float dark = 0.0f;
  /* AU4: two vertical grooves between the brows (glabellar lines). */
  float vv = (v - st->furrow_shift) / st->furrow_len;
  if (a4 > 0.0f && fabsf (vv) < 1.0f)
    dark += st->furrow_dark * a4 * (1.0f - vv * vv) * (1.0f - vv * vv)
            * (gauss (fabsf (u) - st->furrow_sep, st->furrow_width)
               - st->bulge * gauss (u, st->furrow_width));
  /* AU1 (middle) and AU2 (sides): horizontal lines above the brows,
   * following the brow's arch. */
  int side = u > 0.0f;
  /* AU4: the lowered brow shades the upper lid below it. */
  if (a4 > 0.0f && st->socket_dark > 0.0f && brow_u[0] < u && u < brow_u[9])
    {
      float bv = brow_height (brow_u, brow_v, u);
      float edge = fminf (fminf (u - brow_u[0], brow_u[9] - u) / 0.15f, 1.0f);
      dark += st->socket_dark * a4 * edge
              * gauss (v - bv - st->socket_drop, st->socket_width);
    }
  float lift = a1[side] + a2[side];
  if (lift > 0.0f && brow_u[0] < u && u < brow_u[9])
    {
      float bv = brow_height (brow_u, brow_v, u);
      float centre = 1.0f - fminf (fabsf (u) / 0.45f, 1.0f); /* AU1 region */
      float w = a1[side] * centre + a2[side] * (1.0f - centre);
      float edge = fminf (fminf (u - brow_u[0], brow_u[9] - u) / 0.12f, 1.0f);
      for (int line = 1; line <= 3; line++)
        dark += st->line_dark * w * edge * (line == 3 ? 0.6f : 1.0f)
                * gauss (bv - line * st->line_gap - v, st->line_width);
    }
  return fminf (dark, 0.5f);
}

/* Darkens refined by shade (x, y) (a share, < 1; negative lightens) over
 * the square of half side r around centre, two pixels inside the border
 * (the field and the shading stay away from the crop's edge). The factor
 * goes into factors too (mien_generator_output.shade; may be NULL), for
 * the animator's shading at the frame's resolution. */
typedef float (*shade_fn) (float x, float y, const void *user);

static void
shade_square (mien_image *refined, mien_image *factors, vec2 centre, float r,
              shade_fn shade, const void *user)
{
  if (factors && (factors->width != refined->width
                  || factors->height != refined->height
                  || factors->channels != 3))
    factors = NULL;
  grid_box b = grid_box_around (centre, r, refined->width, refined->height, 2);
  for (int y = b.y0; y <= b.y1; y++)
    for (int x = b.x0; x <= b.x1; x++)
      {
        float dark = shade ((float)x, (float)y, user);
        if (fabsf (dark) <= 1e-4f)
          continue;
        float *px = mien_image_row (refined, y) + (size_t)x * refined->channels;
        float *fx = factors ? mien_image_row (factors, y) + 3 * (size_t)x : NULL;
        for (int c = 0; c < 3; c++)
          {
            float k = 1.0f - dark * (refined->channels >= 3 ? shadow_tint[c] : 1.0f);
            if (c < refined->channels)
              px[c] *= k;
            if (fx)
              fx[c] *= k;
          }
      }
}

typedef struct brow_shading {
  const wrinkle_style *st;
  const face_frame *f;
  vec2 o; /* moved inner-brow midpoint */
  float a4, a1[2], a2[2];
  float brow_u[10], brow_v[10];
} brow_shading;

static float
brow_shade_at (float x, float y, const void *user)
{
  const brow_shading *sh = user;
  vec2 d = v_sub ((vec2){ x, y }, sh->o);
  float u = v_dot (d, sh->f->ex) / sh->f->iod;
  float v = v_dot (d, sh->f->ey) / sh->f->iod;
  return wrinkle_shade (sh->st, u, v, sh->a4, sh->a1, sh->a2, sh->brow_u,
                        sh->brow_v);
}

void
paint_wrinkles (mien_image *refined, mien_image *factors,
                const face_frame *f, const mien_point *lm, const rig_moves *m,
                const side_au sides[2], const side_au *mid, float photo_blur)
{
  float a4 = mid->au[MIEN_AU4];
  float a1[2] = { sides[0].au[MIEN_AU1], sides[1].au[MIEN_AU1] };
  float a2[2] = { sides[0].au[MIEN_AU2], sides[1].au[MIEN_AU2] };
  if (a4 <= 0.0f && a1[0] + a1[1] + a2[0] + a2[1] <= 0.0f)
    return;
  const int ri = MIEN_LM_RIGHT_BROW.first + MIEN_LM_RIGHT_BROW.count - 1;
  const int li = MIEN_LM_LEFT_BROW.first;
  vec2 inner[2] = { v_add (v_pt (lm[ri]), m->lm[ri]),
                    v_add (v_pt (lm[li]), m->lm[li]) };
  vec2 o = v_mul (v_add (inner[0], inner[1]), 0.5f);
  /* Moved brow points in the frame, sorted along u (both brows run left to
   * right in the image, i.e. along ex for an upright face). */
  float brow_u[10], brow_v[10];
  for (int k = 0; k < 10; k++)
    {
      int i = MIEN_LM_RIGHT_BROW.first + k;
      vec2 d = v_sub (v_add (v_pt (lm[i]), m->lm[i]), o);
      brow_u[k] = v_dot (d, f->ex) / f->iod;
      brow_v[k] = v_dot (d, f->ey) / f->iod;
    }
  for (int i = 1; i < 10; i++) /* insertion sort: tilted heads */
    for (int j = i; j > 0 && brow_u[j - 1] > brow_u[j]; j--)
      {
        float tu = brow_u[j], tv = brow_v[j];
        brow_u[j] = brow_u[j - 1], brow_v[j] = brow_v[j - 1];
        brow_u[j - 1] = tu, brow_v[j - 1] = tv;
      }
  /* The shading lives between the brows and about 0.5 iod above them. */
  wrinkle_style st = wrinkles;
  widen (&st.furrow_width, &st.furrow_dark, f->iod, 0.0f);
  widen (&st.line_width, &st.line_dark, f->iod, photo_blur);
  widen (&st.socket_width, &st.socket_dark, f->iod, 0.0f);
  brow_shading sh = { &st, f, o, a4, { a1[0], a1[1] }, { a2[0], a2[1] } };
  memcpy (sh.brow_u, brow_u, sizeof brow_u);
  memcpy (sh.brow_v, brow_v, sizeof brow_v);
  shade_square (refined, factors, o, 1.2f * f->iod, brow_shade_at, &sh);
}

/* AU9 (nose wrinkler) and AU10 (upper lip raiser) deepen the nasolabial
 * furrow, and AU9 creases the skin across the root of the nose (FACS
 * manual, appearance changes). A warp cannot make a crease: it moves the
 * photo's pixels, and the photo has no furrow to move. Shapes in iod
 * units, chosen on the contact sheets. */
typedef struct fold_style {
  float fold_dark;   /* nasolabial darkening at full AU10 */
  float fold_width;  /* Gaussian sigma across the furrow */
  float fold_lift;   /* lighter cheek bulge beside it, vs the darkening */
  float ala_out;     /* furrow start: beside the nose wing */
  float corner_out;  /* furrow end: beside and below the lip corner */
  float corner_down;
  float bow;         /* the furrow bows out towards the cheek */
  float root_dark;   /* AU9: creases across the root of the nose */
  float root_gap;    /* their spacing */
  float root_width;  /* Gaussian sigma across a crease */
  float root_half;   /* their half length across the nose */
} fold_style;

static const fold_style folds = {
  .fold_dark = 0.45f,
  .fold_width = 0.035f,
  .fold_lift = 0.35f,
  .ala_out = 0.08f,
  .corner_out = 0.09f,
  .corner_down = 0.06f,
  .bow = 0.05f,
  .root_dark = 0.2f,
  .root_gap = 0.07f,
  .root_width = 0.02f,
  .root_half = 0.16f,
};

#define FOLD_SEGMENTS 12

typedef struct fold_shading {
  const fold_style *st;
  const face_frame *f;
  vec2 path[2][FOLD_SEGMENTS + 1]; /* furrow polylines, ala → corner */
  vec2 lo[2], hi[2];              /* their boxes, grown by the shading's reach */
  float strength[2];              /* per side, 0 … 1 */
  vec2 root;                      /* nose root (moved landmarks 27, 28) */
  float root_strength;
} fold_shading;

static float
fold_shade_at (float x, float y, const void *user)
{
  const fold_shading *sh = user;
  const fold_style *st = sh->st;
  vec2 q = { x, y };
  float iod = sh->f->iod, dark = 0.0f;
  for (int s = 0; s < 2; s++)
    {
      if (sh->strength[s] <= 0.0f || x < sh->lo[s].x || x > sh->hi[s].x
          || y < sh->lo[s].y || y > sh->hi[s].y)
        continue;
      /* Nearest point of the polyline: distance, its parameter along the
       * furrow and which side (towards the cheek is outward). */
      float best = 1e30f, best_t = 0.0f, best_side = 0.0f;
      for (int k = 0; k < FOLD_SEGMENTS; k++)
        {
          vec2 a = sh->path[s][k], ab = v_sub (sh->path[s][k + 1], a);
          float len2 = fmaxf (v_dot (ab, ab), 1e-8f);
          float t = fminf (fmaxf (v_dot (v_sub (q, a), ab) / len2, 0.0f), 1.0f);
          vec2 d = v_sub (q, v_add (a, v_mul (ab, t)));
          float d2 = v_dot (d, d);
          if (d2 < best)
            {
              best = d2;
              best_t = ((float)k + t) / FOLD_SEGMENTS;
              best_side = v_dot (d, sh->f->ex) * (s ? 1.0f : -1.0f);
            }
        }
      float dist = sqrtf (best) / iod, along = 4.0f * best_t * (1.0f - best_t);
      float lift = best_side > 0.0f
                       ? st->fold_lift * gauss (dist - 2.0f * st->fold_width,
                                                1.5f * st->fold_width)
                       : 0.0f;
      dark += st->fold_dark * sh->strength[s] * along
              * (gauss (dist, st->fold_width) - lift);
    }
  vec2 d = v_sub (q, sh->root);
  float u = v_dot (d, sh->f->ex) / iod, v = v_dot (d, sh->f->ey) / iod;
  if (sh->root_strength > 0.0f && fabsf (u) < st->root_half
      && fabsf (v) < st->root_gap + 4.0f * st->root_width)
    {
      float across = fmaxf (1.0f - (u * u) / (st->root_half * st->root_half),
                            0.0f);
      for (int line = -1; line <= 1; line++)
        dark += st->root_dark * sh->root_strength * across * across
                * (line ? 0.7f : 1.0f)
                * gauss (v - line * st->root_gap, st->root_width);
    }
  return fminf (dark, 0.5f);
}

/* alpha: the fold guard's scale, which the field's moves went through. */
void
paint_folds (mien_image *refined, mien_image *factors,
             const face_frame *f, const mien_point *lm, const rig_moves *m,
             float alpha, const side_au sides[2], const side_au *mid)
{
  fold_shading sh;
  memset (&sh, 0, sizeof sh);
  fold_style st = folds;
  widen (&st.fold_width, &st.fold_dark, f->iod, 0.0f);
  widen (&st.root_width, &st.root_dark, f->iod, 0.0f);
  sh.st = &st;
  sh.f = f;
  for (int s = 0; s < 2; s++)
    sh.strength[s] = fmaxf (sides[s].au[MIEN_AU10],
                            0.7f * sides[s].au[MIEN_AU9]);
  sh.root_strength = mid->au[MIEN_AU9];
  if (sh.strength[0] + sh.strength[1] + sh.root_strength <= 0.0f)
    return;
#define MOVED(i) v_add (v_pt (lm[i]), v_mul (m->lm[i], alpha))
  vec2 lo = { 1e30f, 1e30f }, hi = { -1e30f, -1e30f };
  /* How far from a furrow's curve it shades: 9.5 sigma of the crease, and
   * 5 sigma of the bulge beside it (centred 2 sigma out, 1.5 sigma wide);
   * beyond that the shading is below 1e-4, which shade_square skips. */
  float reach = 9.5f * st.fold_width * f->iod;
  for (int s = 0; s < 2; s++)
    {
      vec2 slo = { 1e30f, 1e30f }, shi = { -1e30f, -1e30f };
      vec2 out = v_mul (f->ex, s ? f->iod : -f->iod);
      vec2 a = v_add (MOVED (s ? MIEN_LM_NOSTRILS.first + 4 : MIEN_LM_NOSTRILS.first),
                      v_mul (out, st.ala_out));
      vec2 b = v_add (v_add (MOVED (s ? MIEN_LM_MOUTH_LEFT : MIEN_LM_MOUTH_RIGHT),
                             v_mul (out, st.corner_out)),
                      v_mul (f->ey, st.corner_down * f->iod));
      vec2 c = v_add (v_mul (v_add (a, b), 0.5f), v_mul (out, st.bow));
      for (int k = 0; k <= FOLD_SEGMENTS; k++)
        {
          float t = (float)k / FOLD_SEGMENTS; /* quadratic Bézier a, c, b */
          vec2 p = v_add (v_add (v_mul (a, (1 - t) * (1 - t)),
                                 v_mul (c, 2 * t * (1 - t))),
                          v_mul (b, t * t));
          sh.path[s][k] = p;
          slo = (vec2){ fminf (slo.x, p.x), fminf (slo.y, p.y) };
          shi = (vec2){ fmaxf (shi.x, p.x), fmaxf (shi.y, p.y) };
        }
      sh.lo[s] = (vec2){ slo.x - reach, slo.y - reach };
      sh.hi[s] = (vec2){ shi.x + reach, shi.y + reach };
      lo = (vec2){ fminf (lo.x, slo.x), fminf (lo.y, slo.y) };
      hi = (vec2){ fmaxf (hi.x, shi.x), fmaxf (hi.y, shi.y) };
    }
  sh.root = v_mul (v_add (MOVED (MIEN_LM_NOSE_ROOT), MOVED (MIEN_LM_NOSE_ROOT + 1)),
                  0.5f);
#undef MOVED
  lo = (vec2){ fminf (lo.x, sh.root.x), fminf (lo.y, sh.root.y) };
  hi = (vec2){ fmaxf (hi.x, sh.root.x), fmaxf (hi.y, sh.root.y) };
  /* The square holds both furrows' boxes and the root creases (root_half
   * and root_gap + 4 root_width are inside reach). */
  float r = 0.5f * fmaxf (hi.x - lo.x, hi.y - lo.y) + reach;
  shade_square (refined, factors, v_mul (v_add (lo, hi), 0.5f), r,
                fold_shade_at, &sh);
}
