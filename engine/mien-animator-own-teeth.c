/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The photo's own teeth kept rigid in an opened mouth (issue #26: "the
 * photo's own teeth, where it has them, kept rigid with the upper jaw and
 * never stretched").
 *
 * Where the photo shows its own teeth (a smile, a laugh), the rig opens
 * the mouth by stretching what lies between the lips: the teeth grow
 * taller, their lower part is painted over by the rig's dark interior
 * along a staircase of grid cells, and what stays reads as teeth pulled
 * down into the opening. Here, at the frame's own resolution, the inside
 * of the moved inner lips is drawn again:
 *
 *   - the photo's upper teeth, turned and scaled as the nose's nine
 *     landmarks are (the skull, as the model teeth ride) and carried with
 *     the inner upper lip's middle (the rig moves both lips apart as the
 *     jaw opens; with the skull alone they went under the lowered lip),
 *     so they keep their size and shape and stay under the upper lip;
 *   - the photo's lower teeth, where a dark gap separates them from the
 *     upper row in the photo, turned with the chin's landmarks and
 *     carried with the lower lip, so they go down with the jaw;
 *   - between and below them the mouth's cavity, shaded as the rig's
 *     interior is at the frame's resolution (darker under the upper lip,
 *     the tongue in the lower part), with the photo's grain.
 *
 * The inside is a smooth outline through face-api's eight inner-lip
 * points (two Catmull-Rom chains that meet at the corners; the lower one
 * moved down over teeth to where the lower lip begins), carried point by
 * point through the field and smoothed, anti-aliased, with an edge as
 * soft as the photo's own lips. Which pixels of the photo are teeth is
 * told once, in a box turned upright by the eyes' axis, between the inner
 * upper lip and the outer lower lip: brighter than 0.45-0.75 of the
 * brightest tenth there and less red than the lips (measure_photo says
 * how rows, splits and refusals follow). The rig's interior paint gives
 * way to this inside by the same share (mien_animator_own_teeth_share).
 *
 * It fades in as the opening grows by 0.3 to 1.5 mm over the photo's
 * (mouths that do not open, and every neutral frame, are left exactly as
 * they were), and like the rest of the mouth's paint at the frame's
 * resolution it acts only where the full frame has MIEN_MOUTH_HD_MIN_PIXELS
 * or more pixels a grid pixel (so the sample photos at their own size,
 * and every figure recorded on them, are unchanged). MIEN_OWN_TEETH_
 * STRETCH=1 (and MIEN_MOUTH_GRID=1) leave the photo's teeth as the field
 * stretches them, for comparisons. */
#include "mien-animator-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mien-headshot.h"

#define IOD_MM 63.0f
/* The opening's growth over the photo's, mm, over which the redrawn inside
 * fades in. */
#define GROW_FROM_MM 0.3f
#define GROW_FULL_MM 1.5f
/* Teeth against the brightest tenth inside the lips, and against the
 * lips' redness. */
#define TEETH_LUMA_LO 0.45f
#define TEETH_LUMA_HI 0.75f
#define TEETH_RED_LO 0.45f
#define TEETH_RED_HI 0.75f
/* The largest share of the region between the lips that may pass for
 * teeth (above it, lips and teeth are not told apart). */
#define MAX_TEETH_SHARE 0.5
/* The outline's samples per chain segment, and sub-rows per pixel row of
 * its coverage. */
#define PER_SEG 8
#define N_OUTLINE (2 * 4 * PER_SEG)
_Static_assert (N_OUTLINE == sizeof ((mien_own_teeth *)0)->outline
                                 / sizeof (mien_point),
                "the outline's size");
#define SUB_ROWS 4
/* The cavity's shading, as the rig's interior at the frame's resolution
 * (mien-animator-mouth.c). */
#define TOP_SHADE 0.65f
#define TONGUE 0.55f
#define CAVITY_GRAIN 0.6f
/* The rig's interior colour (rig-paint.c) at its mean shade: the cavity
 * where this frame has no interior paint of the rig's. */
static const float rig_cavity[3] = { 0.24f * 0.75f, 0.10f * 0.75f,
                                     0.09f * 0.75f };

/* The inner lips' outline: the upper chain 60-61-62-63-64 and the lower
 * 64-65-66-67-60, each a Catmull-Rom spline through its five points
 * (the ends' tangents towards their one neighbour, so the corners stay
 * pointed), PER_SEG samples a segment. p: the 8 points in landmark order
 * (60 … 67). The frame's outline is this one carried point by point with
 * the field, so it bends as the lips do. */
static void
lip_outline (const mien_point p[8], mien_point out[N_OUTLINE])
{
  static const int chains[2][5] = { { 0, 1, 2, 3, 4 }, { 4, 5, 6, 7, 0 } };
  int n = 0;
  for (int c = 0; c < 2; c++)
    {
      const int *k = chains[c];
      for (int s = 0; s < 4; s++)
        {
          mien_point p1 = p[k[s]], p2 = p[k[s + 1]];
          mien_point p0 = s > 0 ? p[k[s - 1]]
                                : (mien_point){ 2 * p1.x - p2.x,
                                                2 * p1.y - p2.y };
          mien_point p3 = s < 3 ? p[k[s + 2]]
                                : (mien_point){ 2 * p2.x - p1.x,
                                                2 * p2.y - p1.y };
          for (int i = 0; i < PER_SEG; i++)
            {
              float t = (float)i / (float)PER_SEG, t2 = t * t, t3 = t2 * t;
              float wa = -0.5f * t3 + t2 - 0.5f * t;
              float wb = 1.5f * t3 - 2.5f * t2 + 1.0f;
              float wc = -1.5f * t3 + 2.0f * t2 + 0.5f * t;
              float wd = 0.5f * t3 - 0.5f * t2;
              out[n++] = (mien_point){
                wa * p0.x + wb * p1.x + wc * p2.x + wd * p3.x,
                wa * p0.y + wb * p1.y + wc * p2.y + wd * p3.y };
            }
        }
    }
}

/* The frame's outline (grid pixels) smoothed along each chain (8 passes
 * of 1-2-1, the corners held): the rig's field opens the jaw in steps of
 * its grid, and the outline carried through it zigzags by about a grid
 * pixel. */
static void
smooth_chains (mien_point o[N_OUTLINE])
{
  const int half = N_OUTLINE / 2;
  mien_point tmp[N_OUTLINE + 1];
  for (int pass = 0; pass < 8; pass++)
    for (int c = 0; c < 2; c++)
      {
        /* Chain c runs from o[c·half] to o[(c + 1)·half mod N]. */
        for (int i = 0; i <= half; i++)
          tmp[i] = o[(c * half + i) % N_OUTLINE];
        for (int i = 1; i < half; i++)
          o[c * half + i] = (mien_point){
            0.25f * tmp[i - 1].x + 0.5f * tmp[i].x + 0.25f * tmp[i + 1].x,
            0.25f * tmp[i - 1].y + 0.5f * tmp[i].y + 0.25f * tmp[i + 1].y };
      }
}

/* The outline's coverage of each pixel of the box (bx, by, bw, bh) in
 * pixel-corner coordinates (pixel i spans [i, i + 1]): SUB_ROWS sub-rows
 * a row, each covered exactly along x between the outline's crossings
 * (even-odd). cov: bw·bh values, overwritten. */
static void
outline_cover (const mien_point *o, int n, int bx, int by, int bw, int bh,
               float *cov)
{
  memset (cov, 0, sizeof (float) * (size_t)bw * (size_t)bh);
  float xs[N_OUTLINE];
  for (int row = 0; row < bh; row++)
    for (int s = 0; s < SUB_ROWS; s++)
      {
        float y = (float)(by + row) + ((float)s + 0.5f) / SUB_ROWS;
        int nx = 0;
        for (int i = 0, j = n - 1; i < n; j = i++)
          if ((o[i].y > y) != (o[j].y > y))
            xs[nx++] = o[j].x + (o[i].x - o[j].x) * (y - o[j].y)
                                    / (o[i].y - o[j].y);
        qsort (xs, (size_t)nx, sizeof *xs, mien_animator_cmp_float);
        float *c = cov + (size_t)row * bw;
        for (int k = 0; k + 1 < nx; k += 2)
          {
            float a = xs[k] - (float)bx, b = xs[k + 1] - (float)bx;
            a = fmaxf (a, 0.0f), b = fminf (b, (float)bw);
            for (int x = (int)floorf (a); x < bw && (float)x < b; x++)
              {
                float l = fminf (b, (float)(x + 1)) - fmaxf (a, (float)x);
                if (l > 0.0f)
                  c[x] += l / SUB_ROWS;
              }
          }
      }
}

/* A box blur of width 2·rad + 1 along x, then along y (the outline's edge
 * made as soft as the photo's). */
static void
blur_box (float *v, int w, int h, int rad, float *tmp)
{
  if (rad <= 0)
    return;
  float norm = 1.0f / (float)(2 * rad + 1);
  for (int y = 0; y < h; y++)
    {
      float *r = v + (size_t)y * w;
      for (int x = 0; x < w; x++)
        {
          float s = 0.0f;
          for (int d = -rad; d <= rad; d++)
            s += (x + d >= 0 && x + d < w) ? r[x + d] : 0.0f;
          tmp[x] = s * norm;
        }
      memcpy (r, tmp, sizeof (float) * (size_t)w);
    }
  for (int x = 0; x < w; x++)
    {
      for (int y = 0; y < h; y++)
        {
          float s = 0.0f;
          for (int d = -rad; d <= rad; d++)
            s += (y + d >= 0 && y + d < h) ? v[(size_t)(y + d) * w + x] : 0.0f;
          tmp[y] = s * norm;
        }
      for (int y = 0; y < h; y++)
        v[(size_t)y * w + x] = tmp[y];
    }
}

static float
luma3 (const float *c)
{
  return 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2];
}

static float
redness (const float *c)
{
  return (c[0] - c[1]) / fmaxf (c[0] + c[1] + c[2], 1e-3f);
}

void
mien_animator_own_teeth_free (mien_animator *anim)
{
  free (anim->own_teeth.upper);
  anim->own_teeth.upper = anim->own_teeth.lower = NULL;
  anim->own_teeth.state = -1;
}

/* Whether the photo's pixel at (x, y) (pixel centres) is a tooth (dark
 * is not looked for: a dark lower lip is as dark as the mouth). */
static int
is_tooth (const mien_image *ph, float x, float y, float bright, float q_lip)
{
  float c[4] = { 0, 0, 0, 0 };
  mien_image_sample_bilinear (ph, x, y, c);
  return luma3 (c) >= 0.6f * bright && redness (c) < 0.6f * q_lip;
}

/* A grid point of the photo moved down along the face's vertical over
 * teeth until the lower lip begins (at most a quarter of the inter-ocular
 * distance). */
static mien_point
down_over_teeth (const mien_animator *anim, mien_point g, mien_point down,
                 float reach, float bright, float q_lip)
{
  float px_grid = (float)anim->crop.width / (float)MIEN_LOW_RES;
  mien_point p = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES, g);
  float d = 0.0f;
  int outside = 0;
  for (float s = 0.5f; s <= reach; s += 0.5f)
    {
      if (is_tooth (anim->photo, p.x + s * down.x - 0.5f,
                    p.y + s * down.y - 0.5f, bright, q_lip))
        d = s, outside = 0;
      else if (++outside > 4)
        break;
    }
  return (mien_point){ g.x + d * down.x / px_grid, g.y + d * down.y / px_grid };
}

/* The inner lips' points and outline for the frame (own_teeth.inner and
 * .outline): face-api's, with the lower lip's (65-67 and the outline's
 * lower chain) moved down over teeth until the lower lip begins. On a
 * smile face-api's lower points often lie on the upper teeth, most of all
 * towards the corners, and the field carries the teeth below them into
 * the opening, where an outline through face-api's points left them as
 * stretched white fragments beside the redrawn inside. */
static void
lower_lip_edge (mien_animator *anim, float bright, float q_lip)
{
  mien_own_teeth *o = &anim->own_teeth;
  for (int i = 0; i < 8; i++)
    o->inner[i] = anim->grid_landmarks[60 + i];
  lip_outline (o->inner, o->outline);
  float iod;
  mien_point e;
  if (!mien_animator_teeth_photo (anim, &iod, &e))
    return;
  float px_grid = (float)anim->crop.width / (float)MIEN_LOW_RES;
  mien_point down = { -e.y, e.x };
  float reach = 0.25f * iod * px_grid;
  /* Never past 0.6 of the lower lip's thickness (at its middle): a pale
   * hand or chin under the lips is not a tooth either. */
  mien_point a = anim->grid_landmarks[66], b = anim->grid_landmarks[57];
  float lip = ((b.x - a.x) * down.x + (b.y - a.y) * down.y) * px_grid;
  reach = fminf (reach, fmaxf (0.6f * lip, 0.0f));
  for (int i = 5; i <= 7; i++)
    o->inner[i] = down_over_teeth (anim, o->inner[i], down, reach, bright,
                                   q_lip);
  for (int i = N_OUTLINE / 2 + 1; i < N_OUTLINE; i++)
    o->outline[i] = down_over_teeth (anim, o->outline[i], down, reach,
                                     bright, q_lip);
}

/* The photo's teeth inside its inner lips, once per animator: the maps of
 * upper and lower teeth (mien_own_teeth). State 0 where there is nothing
 * to keep (too few pixels inside, lips the colour of teeth). */
/* out[x]: the largest (take_max) or smallest of in over x − r … x + r. */
static void
window_extreme (const float *in, float *out, int w, int r, int take_max)
{
  for (int x = 0; x < w; x++)
    {
      float m = take_max ? -1e30f : 1e30f;
      for (int d = -r; d <= r; d++)
        if (x + d >= 0 && x + d < w)
          m = take_max ? fmaxf (m, in[x + d]) : fminf (m, in[x + d]);
      out[x] = m;
    }
}

/* The skin's brightness: the photo's mean luma at the jaw line's inner
 * points 2-14 pulled a third of the way to the nose tip (the cheeks). */
static float
skin_luma (const mien_animator *anim)
{
  mien_point tip = anim->grid_landmarks[30];
  float sum = 0.0f;
  for (int k = 2; k <= 14; k++)
    {
      mien_point g = anim->grid_landmarks[k];
      g.x += (tip.x - g.x) / 3.0f, g.y += (tip.y - g.y) / 3.0f;
      mien_point p = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES, g);
      float c[4] = { 0, 0, 0, 0 };
      mien_image_sample_bilinear (anim->photo, p.x - 0.5f, p.y - 0.5f, c);
      sum += luma3 (c);
    }
  return sum / 13.0f;
}

static void
measure_photo (mien_animator *anim)
{
  mien_own_teeth *o = &anim->own_teeth;
  o->state = 0;
  const mien_image *ph = anim->photo;
  float iod;
  mien_point e;
  if (ph->channels < 3 || !mien_animator_teeth_photo (anim, &iod, &e))
    return;
  mien_point nv = { -e.y, e.x };
  /* Where teeth are looked for: under the inner upper lip and above the
   * outer lower lip. face-api's inner lower-lip points on a smile often
   * lie on the teeth (the astronaut's cross its upper teeth's middle);
   * the lower lip itself is told apart by its redness. Above the inner
   * upper lip, pale skin and lips would pass for teeth (sample5's face 3,
   * a hand by its mouth). */
  static const int region[12] = { 60, 61, 62, 63, 64, 54,
                                  55, 56, 57, 58, 59, 48 };
  mien_point outline[12], in_pts[8], in_outline[N_OUTLINE];
  float u_lo = 1e30f, v_lo = 1e30f, u_hi = -1e30f, v_hi = -1e30f;
  for (int i = 0; i < 12; i++)
    {
      mien_point p = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES,
                                              anim->grid_landmarks[region[i]]);
      p.x -= 0.5f, p.y -= 0.5f;
      outline[i] = (mien_point){ p.x * e.x + p.y * e.y, p.x * nv.x + p.y * nv.y };
      u_lo = fminf (u_lo, outline[i].x), u_hi = fmaxf (u_hi, outline[i].x);
      v_lo = fminf (v_lo, outline[i].y), v_hi = fmaxf (v_hi, outline[i].y);
    }
  float u0 = floorf (u_lo) - 2.0f, v0 = floorf (v_lo) - 2.0f;
  int w = (int)(ceilf (u_hi) - u0) + 3, h = (int)(ceilf (v_hi) - v0) + 3;
  if (!(u_hi > u_lo) || w < 4 || h < 3 || w > 8192 || h > 8192)
    return;
  size_t n = (size_t)w * (size_t)h;
  float *cov = malloc (sizeof (float) * n * 8);
  if (cov == NULL)
    return;
  float *teeth = cov + n, *upper = teeth + n, *lower = upper + n;
  float *inner = lower + n, *rgb = inner + n;
  /* The photo, upright (bilinear). */
  for (int j = 0; j < h; j++)
    for (int i = 0; i < w; i++)
      {
        float u = u0 + (float)i, v = v0 + (float)j, c[4] = { 0, 0, 0, 0 };
        mien_image_sample_bilinear (ph, u * e.x + v * nv.x, u * e.y + v * nv.y,
                                    c);
        float *q = rgb + 3 * ((size_t)j * w + i);
        q[0] = c[0], q[1] = c[1], q[2] = c[2];
      }
  /* The polygons in the box's pixel corners. */
  for (int i = 0; i < 12; i++)
    outline[i].x += 0.5f - u0, outline[i].y += 0.5f - v0;
  outline_cover (outline, 12, 0, 0, w, h, cov);
  /* The lower row's teeth lie inside the inner lips (below them the lower
   * lip's highlight is as pale as a tooth). */
  for (int i = 0; i < 8; i++)
    {
      mien_point p = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES,
                                              anim->grid_landmarks[60 + i]);
      p.x -= 0.5f, p.y -= 0.5f;
      in_pts[i] = (mien_point){ p.x * e.x + p.y * e.y + 0.5f - u0,
                                p.x * nv.x + p.y * nv.y + 0.5f - v0 };
    }
  lip_outline (in_pts, in_outline);
  outline_cover (in_outline, N_OUTLINE, 0, 0, w, h, inner);
  /* The lips' redness: between the outer and the inner upper lip's middle
   * points, and the lower's. */
  static const int lip_pairs[6][2] = { { 50, 61 }, { 51, 62 }, { 52, 63 },
                                       { 58, 67 }, { 57, 66 }, { 56, 65 } };
  float q_lip = 0.0f;
  for (int k = 0; k < 6; k++)
    {
      mien_point a = mien_headshot_from_grid (
          &anim->crop, MIEN_LOW_RES, anim->grid_landmarks[lip_pairs[k][0]]);
      mien_point b = mien_headshot_from_grid (
          &anim->crop, MIEN_LOW_RES, anim->grid_landmarks[lip_pairs[k][1]]);
      float c[4] = { 0, 0, 0, 0 };
      mien_image_sample_bilinear (ph, 0.5f * (a.x + b.x) - 0.5f,
                                  0.5f * (a.y + b.y) - 0.5f, c);
      q_lip += redness (c) / 6.0f;
    }
  /* The brightest tenth inside. */
  float *v = malloc (sizeof (float) * n);
  size_t m = 0;
  for (size_t i = 0; v && i < n; i++)
    if (cov[i] > 0.5f)
      v[m++] = luma3 (rgb + 3 * i);
  if (v == NULL || m < 20 || !(q_lip > 0.04f))
    {
      free (v);
      free (cov);
      return;
    }
  qsort (v, m, sizeof *v, mien_animator_cmp_float);
  float bright = v[(size_t)(0.9 * (double)(m - 1))];
  free (v);
  if (!(bright > 0.05f))
    {
      free (cov);
      return;
    }
  /* Teeth: bright against the brightest tenth, and less red than the
   * lips. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        size_t i = (size_t)y * w + x;
        const float *c = rgb + 3 * i;
        float t = mien_animator_smooth01 (TEETH_LUMA_LO, TEETH_LUMA_HI,
                                          luma3 (c) / bright)
                  * (1.0f - mien_animator_smooth01 (TEETH_RED_LO, TEETH_RED_HI,
                                      redness (c) / q_lip));
        teeth[i] = t;
      }
  /* Teeth and lips told apart: where most of the region passes for teeth
   * (sample5's face 3: pale lips and a hand by the mouth, 0.57 of it),
   * the colours do not tell them, and nothing is kept. Smiles measured:
   * 0.10-0.47. */
  double region_area = 0.0, teeth_area = 0.0;
  for (size_t i = 0; i < n; i++)
    region_area += cov[i], teeth_area += cov[i] * teeth[i];
  if (!(teeth_area <= MAX_TEETH_SHARE * region_area))
    {
      free (cov);
      return;
    }
  /* Per column: the first and the last row of teeth inside, and where a
   * run of non-teeth rows with teeth above and below it (the dark
   * between the rows) splits the upper row from the lower. */
  float *col = malloc (sizeof (float) * (size_t)w * 8);
  if (col == NULL)
    {
      free (cov);
      return;
    }
  float *first = col, *last = col + w, *split = col + 2 * w;
  float *top_s = col + 3 * w, *split_s = col + 4 * w, *end_s = col + 5 * w;
  float *win = col + 6 * w, *start_f = col + 7 * w;
  for (int x = 0; x < w; x++)
    {
      int f = -1, l = -1, best_len = 0, best_mid = -1, run = 0;
      for (int y = 0; y < h; y++)
        if (cov[(size_t)y * w + x] > 0.5f && teeth[(size_t)y * w + x] >= 0.5f)
          l = y, f = f < 0 ? y : f;
      first[x] = (float)f, last[x] = (float)l;
      /* The split between the rows is looked for inside the inner lips
       * only, after a few rows of teeth: a pale upper lip (its tubercle)
       * above its dark edge is not an upper row. */
      int fi = -1, li = -1;
      for (int y = 0; y < h; y++)
        if (inner[(size_t)y * w + x] > 0.5f && teeth[(size_t)y * w + x] >= 0.5f)
          li = y, fi = fi < 0 ? y : fi;
      int above = 0, min_above = h / 7 > 3 ? h / 7 : 3;
      for (int y = fi < 0 ? h : fi; y <= li; y++)
        {
          if (teeth[(size_t)y * w + x] < 0.5f || inner[(size_t)y * w + x] <= 0.5f)
            run++;
          else
            {
              if (run >= 2 && run > best_len && above >= min_above)
                best_len = run, best_mid = y - (run + 1) / 2;
              if (run > 0 && above < min_above)
                above = 0;
              run = 0;
              above++;
            }
        }
      split[x] = (float)best_mid;
    }
  /* Over a window of a tenth of the box: the row's top is the highest
   * first tooth (so the dark between the crowns under the gum stays the
   * photo's), and a split holds only where most columns have one (the
   * gap between two incisors is a dark column, not a split). */
  int rad = w / 40 + 1;
  for (int x = 0; x < w; x++)
    {
      float t = 1e30f;
      int n_split = 0, n_cols = 0, n_teeth = 0;
      for (int d = -rad; d <= rad; d++)
        {
          if (x + d < 0 || x + d >= w)
            continue;
          n_cols++;
          if (first[x + d] >= 0.0f)
            t = fminf (t, first[x + d]), n_teeth++;
          if (split[x + d] >= 0.0f)
            win[n_split++] = split[x + d];
        }
      top_s[x] = n_teeth ? t : -1.0f;
      if (2 * n_split > n_cols)
        {
          qsort (win, (size_t)n_split, sizeof *win, mien_animator_cmp_float);
          split_s[x] = win[n_split / 2] + 0.5f;
        }
      else
        split_s[x] = (float)h + 1.0f;
    }
  /* The upper row ends at the column's last tooth above the split (its
   * crowns' own edge), a median over three columns. */
  for (int x = 0; x < w; x++)
    {
      /* The longest run of teeth (gaps of up to two pixels bridged) that
       * begins above the middle of the inner lips: a pale rim of the lip
       * above its dark edge is a shorter one, a pale lower lip begins
       * later. Below it, the dark between the rows or the lower lip. */
      int min_run = (int)(0.04f * (float)h) > 2 ? (int)(0.04f * (float)h) : 2;
      /* The inner lips' rows in this column: the run must begin above
       * their middle. */
      int i0 = -1, i1 = -1;
      for (int y = 0; y < h; y++)
        if (inner[(size_t)y * w + x] > 0.5f)
          i1 = y, i0 = i0 < 0 ? y : i0;
      float begin_by = i0 >= 0 ? 0.5f * (float)(i0 + i1) : -1.0f;
      int l = -1, gap = 0, start = -1, best_start = -1, best_end = -1;
      for (int y = top_s[x] < 0.0f ? h : (int)top_s[x];
           y <= h && (float)y < split_s[x] + 1.0f; y++)
        {
          int tooth = y < h && (float)y < split_s[x]
                      && cov[(size_t)y * w + x] > 0.5f
                      && teeth[(size_t)y * w + x] >= 0.5f;
          if (tooth)
            {
              start = start < 0 ? y : start;
              l = y, gap = 0;
            }
          else if (start >= 0 && (++gap > 2 || y >= h))
            {
              if ((float)start <= begin_by
                  && l - start > best_end - best_start)
                best_start = start, best_end = l;
              start = -1, l = -1, gap = 0;
            }
        }
      /* Teeth lie between the inner lips' corners (beyond them, in the
       * corners of the outer lips, pale skin is no tooth). */
      float xc = (float)x + 0.5f;
      int between = xc > fminf (in_pts[0].x, in_pts[4].x)
                    && xc < fmaxf (in_pts[0].x, in_pts[4].x);
      int ok = between && best_start >= 0
               && best_end - best_start + 1 >= min_run;
      win[x] = ok ? (float)best_end : -1.0f;
      last[x] = ok ? (float)best_start : -1.0f;
    }
  /* Opened, then closed (over a window of an 80th of the box: the
   * smallest, then the largest, then the largest, then the smallest): a
   * lone column running on down a pale spot is cut back to its
   * neighbours' edge, the dark line between two crowns takes its
   * neighbours' edge, and the notches between the crowns' tips stay. */
  int rc = w / 80 + 1;
  window_extreme (win, split, w, rc, 0);
  window_extreme (split, start_f, w, rc, 1);
  window_extreme (start_f, split, w, rc, 1);
  window_extreme (split, end_s, w, rc, 0);
  /* A row of teeth, not a pale lip: over the mouth's middle third, most
   * columns have a run of teeth that begins in the upper third of the
   * inner lips (or above it). (sample1's purple lips, closed, have a
   * highlight that photo_mouth_open takes for an opening.) */
  int a_col = (int)(in_pts[0].x + (in_pts[4].x - in_pts[0].x) / 3.0f);
  int b_col = (int)(in_pts[0].x + 2.0f * (in_pts[4].x - in_pts[0].x) / 3.0f);
  int n_mid = 0, n_row = 0;
  for (int x = a_col < 0 ? 0 : a_col; x <= b_col && x < w; x++)
    {
      int r0 = -1, r1 = -1;
      for (int y = 0; y < h; y++)
        if (inner[(size_t)y * w + x] > 0.5f)
          r1 = y, r0 = r0 < 0 ? y : r0;
      if (r0 < 0)
        continue;
      n_mid++;
      n_row += end_s[x] >= 0.0f && last[x] >= 0.0f
               && last[x] - (float)r0 <= 0.35f * (float)(r1 - r0 + 1);
    }
  if (n_mid == 0 || 5 * n_row < 3 * n_mid || bright < 1.05f * skin_luma (anim))
    {
      free (col);
      free (cov);
      return;
    }
  /* Columns whose teeth were not told (darker teeth towards the corners,
   * a dark line between two crowns) take the crowns' edge of the nearest
   * column with teeth, and the row fades out between 6 and 15 % of the
   * box's width from it: a row ending at one column cut the teeth off
   * along it. */
  for (int x = 0; x < w; x++)
    {
      split[x] = -1.0f, win[x] = 0.0f;
      for (int d = 0; d < w && split[x] < 0.0f; d++)
        {
          int xl = x - d, xr = x + d, xn;
          if (xl >= 0 && top_s[xl] >= 0.0f && end_s[xl] >= 0.0f)
            xn = xl;
          else if (xr < w && top_s[xr] >= 0.0f && end_s[xr] >= 0.0f)
            xn = xr;
          else
            continue;
          split[x] = end_s[xn];
          /* The row's top: the highest start of a run of teeth about the
           * nearest column (the dark between the crowns under the gum
           * stays the photo's), less a margin for the gum's shadow. */
          float t = 1e30f;
          for (int k = -(w / 40 + 1); k <= w / 40 + 1; k++)
            if (xn + k >= 0 && xn + k < w && last[xn + k] >= 0.0f)
              t = fminf (t, last[xn + k]);
          start_f[x] = (t < 1e29f ? t : (float)h)
                       - fmaxf (1.0f, 0.04f * (float)h);
          win[x] = 1.0f - mien_animator_smooth01 (0.06f * (float)w,
                                                  0.15f * (float)w, (float)d);
        }
    }
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        size_t i = (size_t)y * w + x;
        float yc = (float)y + 0.5f;
        /* The upper row: everything from the row's top to the crowns'
         * edge. */
        float up = 0.0f;
        if (split[x] >= 0.0f)
          up = win[x] * mien_animator_smooth01 (-1.0f, 1.0f, split[x] + 1.0f - yc)
               * mien_animator_smooth01 (-1.0f, 1.0f, yc - start_f[x]);
        up = fmaxf (up * cov[i], 0.0f);
        /* The lower row: its teeth below the split. */
        float lo = split_s[x] < (float)h
                       ? inner[i] * teeth[i]
                             * mien_animator_smooth01 (-1.0f, 1.0f,
                                                       yc - split_s[x])
                       : 0.0f;
        upper[i] = up;
        lower[i] = lo * (1.0f - up);
      }
  free (col);
  /* Keep upper and lower (one block: upper first). */
  float *maps = malloc (sizeof (float) * n * 2);
  if (maps == NULL)
    {
      free (cov);
      return;
    }
  memcpy (maps, upper, sizeof (float) * n * 2);
  free (cov);
  o->upper = maps, o->lower = maps + n;
  o->axis = e, o->u0 = u0, o->v0 = v0, o->w = w, o->h = h;
  lower_lip_edge (anim, bright, q_lip);
  o->state = 1;
}

/* The map's value at photo point (x, y) (pixel-centre coordinates),
 * bilinear in the upright box, 0 outside. */
static float
map_at (const mien_own_teeth *o, const float *map, float x, float y)
{
  float u = x * o->axis.x + y * o->axis.y - o->u0;
  float v = -x * o->axis.y + y * o->axis.x - o->v0;
  x = u, y = v;
  if (!(x > -1.0f && y > -1.0f && x < (float)o->w && y < (float)o->h))
    return 0.0f;
  int ix = (int)floorf (x), iy = (int)floorf (y);
  float fx = x - (float)ix, fy = y - (float)iy, s = 0.0f;
  for (int dy = 0; dy < 2; dy++)
    for (int dx = 0; dx < 2; dx++)
      {
        int xx = ix + dx, yy = iy + dy;
        if (xx < 0 || yy < 0 || xx >= o->w || yy >= o->h)
          continue;
        s += (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy)
             * map[(size_t)yy * o->w + xx];
      }
  return s;
}

/* The translation t of a similarity z·p + t that carries the middle of
 * the photo's inner-lip points 60 + first … 60 + first + 2 to the middle
 * of where the frame shows them (moved). */
static void
anchor_to_lip (const mien_animator *anim, const mien_point moved[8],
               int first, mien_point z, mien_point *t)
{
  mien_point a = { 0, 0 }, b = { 0, 0 };
  for (int i = first; i < first + 3; i++)
    {
      a.x += anim->own_teeth.inner[i].x / 3.0f;
      a.y += anim->own_teeth.inner[i].y / 3.0f;
      b.x += moved[i].x / 3.0f, b.y += moved[i].y / 3.0f;
    }
  t->x = b.x - (z.x * a.x - z.y * a.y);
  t->y = b.y - (z.x * a.y + z.y * a.x);
}

void
mien_animator_own_teeth_frame (mien_animator *anim)
{
  mien_own_teeth *o = &anim->own_teeth;
  o->fade = 0.0f;
  const char *grid_only = getenv ("MIEN_MOUTH_GRID");
  const char *stretch = getenv ("MIEN_OWN_TEETH_STRETCH");
  const mien_image *field = anim->gen_out.field;
  if ((float)anim->crop.width / (float)MIEN_LOW_RES < MIEN_MOUTH_HD_MIN_PIXELS
      || (grid_only && strcmp (grid_only, "1") == 0)
      || (stretch && strcmp (stretch, "1") == 0) || field == NULL
      || field->channels != 2 || anim->photo->channels < 3)
    return;
  float iod;
  mien_point axis;
  if (!mien_animator_teeth_photo (anim, &iod, &axis) || !anim->teeth.photo_open)
    return;
  if (o->state < 0)
    measure_photo (anim);
  if (o->state != 1)
    return;
  /* How much the opening grew over the photo's along the face's vertical
   * (the three middle pairs, mm). */
  mien_point moved[8];
  for (int i = 0; i < 8; i++)
    moved[i] = mien_animator_forward_grid_point (field, o->inner[i]);
  static const int pairs[3][2] = { { 1, 7 }, { 2, 6 }, { 3, 5 } };
  mien_point down = { -axis.y, axis.x };
  float grow = -1e30f;
  for (int k = 0; k < 3; k++)
    {
      const mien_point *a = &o->inner[pairs[k][0]];
      const mien_point *b = &o->inner[pairs[k][1]];
      float h0 = (b->x - a->x) * down.x + (b->y - a->y) * down.y;
      float h1 = (moved[pairs[k][1]].x - moved[pairs[k][0]].x) * down.x
                 + (moved[pairs[k][1]].y - moved[pairs[k][0]].y) * down.y;
      grow = fmaxf (grow, (h1 - h0) * IOD_MM / iod);
    }
  float fade = mien_animator_smooth01 (GROW_FROM_MM, GROW_FULL_MM, grow);
  if (!(fade > 0.0f))
    return;
  /* Each row turns and scales with its bone (the nose's landmarks for the
   * upper, the chin's for the lower) and is carried with its own lip's
   * middle (61-63, 65-67): the rig moves both lips apart as the mouth
   * opens, and teeth carried by the skull alone went under the lowered
   * upper lip. */
  if (!mien_animator_carried_similarity (anim, 27, 9, &o->zu, &o->tu)
      || !mien_animator_carried_similarity (anim, 5, 7, &o->zl, &o->tl))
    return;
  anchor_to_lip (anim, moved, 1, o->zu, &o->tu);
  anchor_to_lip (anim, moved, 5, o->zl, &o->tl);
  /* The outline carried through the field, in grid pixels. */
  for (int i = 0; i < N_OUTLINE; i++)
    o->moved_outline[i] = mien_animator_forward_grid_point (field,
                                                            o->outline[i]);
  smooth_chains (o->moved_outline);
  o->iod = iod;
  o->fade = fade;
}

float
mien_animator_own_teeth_share (const mien_animator *anim)
{
  return anim->own_teeth.fade;
}

void
mien_animator_own_teeth_paint (mien_animator *anim, mien_image *out,
                               float scale, mien_rect r)
{
  const mien_own_teeth *o = &anim->own_teeth;
  float fade = o->fade, iod = o->iod;
  if (!(fade > 0.0f) || out->channels < 3)
    return;
  mien_point zu = o->zu, tu = o->tu, zl = o->zl, tl = o->tl;
  /* The moved outline in out's pixel-corner coordinates: grid point g is
   * at (g + 0.5)·k, k out pixels a grid pixel. */
  float k = scale * (float)anim->crop.width / (float)MIEN_LOW_RES;
  mien_point outline[N_OUTLINE];
  for (int i = 0; i < N_OUTLINE; i++)
    outline[i] = (mien_point){ (o->moved_outline[i].x + 0.5f) * k,
                               (o->moved_outline[i].y + 0.5f) * k };
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  for (int i = 0; i < N_OUTLINE; i++)
    {
      x0 = fminf (x0, outline[i].x), x1 = fmaxf (x1, outline[i].x);
      y0 = fminf (y0, outline[i].y), y1 = fmaxf (y1, outline[i].y);
    }
  /* The edge as soft as the photo's own (teeth.soft_mm), in out pixels. */
  float px_mm = iod * k / IOD_MM;
  int soft = (int)lroundf (0.5f * anim->teeth.soft_mm * px_mm);
  soft = soft < 0 ? 0 : soft > 8 ? 8 : soft;
  /* The whole outline's box (not only r's part), so that a region of a
   * frame gets the same pixels as the whole frame. */
  int bx = (int)floorf (x0) - 1 - soft, by = (int)floorf (y0) - 1 - soft;
  int bw = (int)ceilf (x1) + 2 + soft - bx, bh = (int)ceilf (y1) + 2 + soft - by;
  if (bw < 2 || bh < 2 || bw > 8192 || bh > 8192)
    return;
  size_t nb = (size_t)bw * (size_t)bh;
  float *cov = malloc (sizeof (float) * (nb + (size_t)(bw > bh ? bw : bh)
                                         + 2 * (size_t)bw));
  if (cov == NULL)
    return;
  float *tmp = cov + nb;
  float *top = tmp + (bw > bh ? bw : bh), *bot = top + bw;
  outline_cover (outline, N_OUTLINE, bx, by, bw, bh, cov);
  /* Each column's opening, for the cavity's shading: where the sharp
   * coverage crosses a half. */
  for (int x = 0; x < bw; x++)
    {
      top[x] = bot[x] = -1.0f;
      for (int y = 0; y < bh; y++)
        if (cov[(size_t)y * bw + x] >= 0.5f)
          {
            if (top[x] < 0.0f)
              top[x] = (float)(by + y);
            bot[x] = (float)(by + y + 1);
          }
    }
  blur_box (cov, bw, bh, soft, tmp);
  mien_animator_mouth_tongue (anim);
  const float *tongue = anim->mouth_tongue;
  float sigma = CAVITY_GRAIN * mien_animator_mouth_noise (anim)
                * fminf (scale, 1.0f);
  int key = (int)lroundf (1024.0f * scale) + 7;
  /* The cavity: the rig's interior colour where it painted this frame
   * (what the mouth's paint laid beside), else its plain colour. */
  const float *cav_colour = anim->mouth_painted ? anim->mouth_mean
                                                : rig_cavity;
  const mien_image *ph = anim->photo;
  int xa = bx > r.x ? bx : r.x, ya = by > r.y ? by : r.y;
  int xb = bx + bw < r.x + r.width ? bx + bw : r.x + r.width;
  int yb = by + bh < r.y + r.height ? by + bh : r.y + r.height;
  xa = xa < 0 ? 0 : xa, ya = ya < 0 ? 0 : ya;
  xb = xb > out->width ? out->width : xb;
  yb = yb > out->height ? out->height : yb;
  for (int y = ya; y < yb; y++)
    {
      float *row = mien_image_row (out, y);
      for (int x = xa; x < xb; x++)
        {
          float a = cov[(size_t)(y - by) * bw + (x - bx)] * fade;
          if (!(a > 1e-4f))
            continue;
          mien_point g = { ((float)x + 0.5f) / k - 0.5f,
                           ((float)y + 0.5f) / k - 0.5f };
          /* The photo's points the two rows bring here, pixel centres. */
          mien_point su = mien_headshot_from_grid (
              &anim->crop, MIEN_LOW_RES,
              mien_animator_similarity_source (zu, tu, g));
          mien_point sl = mien_headshot_from_grid (
              &anim->crop, MIEN_LOW_RES,
              mien_animator_similarity_source (zl, tl, g));
          su.x -= 0.5f, su.y -= 0.5f, sl.x -= 0.5f, sl.y -= 0.5f;
          float wu = map_at (o, o->upper, su.x, su.y);
          float wl = map_at (o, o->lower, sl.x, sl.y);
          float cu[4] = { 0, 0, 0, 0 }, cl[4] = { 0, 0, 0, 0 };
          if (wu > 0.0f)
            mien_image_sample_bilinear (ph, su.x, su.y, cu);
          if (wl > 0.0f)
            mien_image_sample_bilinear (ph, sl.x, sl.y, cl);
          /* The cavity, shaded by the height in its column. */
          int cx = x - bx;
          float shade = 1.0f, w_tongue = 0.0f;
          if (top[cx] >= 0.0f && bot[cx] > top[cx])
            {
              float hh = bot[cx] - top[cx];
              float v = ((float)y + 0.5f - top[cx]) / hh;
              float u = fminf (fmaxf (v / 0.4f, 0.0f), 1.0f);
              shade = TOP_SHADE + (1.0f - TOP_SHADE) * u * u * (3 - 2 * u);
              float b = fminf (fmaxf ((v - 0.5f) / 0.45f, 0.0f), 1.0f);
              float tall = fminf (fmaxf (hh / k - 1.5f, 0.0f), 1.0f);
              w_tongue = TONGUE * b * b * (3 - 2 * b) * tall;
            }
          float gr = sigma * mien_animator_grain_at (x, y, key);
          float *px = row + (size_t)x * out->channels;
          for (int c = 0; c < 3; c++)
            {
              float cav = (1 - w_tongue) * shade * cav_colour[c]
                          + w_tongue * tongue[c] + gr;
              float v = wu * cu[c] + (1.0f - wu) * (wl * cl[c]
                                                    + (1.0f - wl) * cav);
              px[c] += a * (v - px[c]);
            }
        }
    }
  free (cov);
}
