/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The mouth interior at the frame's own resolution (issue #26, "an opened
 * mouth is a smudge"). The rig paints the opened mouth's dark interior
 * into O^r on its 128² grid (rig-paint.c, paint_mouth), and ResWarp then
 * shows it as up(O^r) plus the warped residual: at 4K one grid pixel is
 * 8–12 photo pixels, so the interior's edge is a soft ramp that wide, and
 * inside it the residual of the stretched lip junction, faded only in
 * part, streaks the dark. Here the frame is composed from O^r without
 * that paint, and the paint is laid on the composed frame: its strength
 * sampled from the grid and sharpened to an edge a few photo pixels wide,
 * its colour the rig's, with grain as strong as the photo's own noise, so
 * that the interior neither smears nor looks pasted.
 *
 * The interior is shaded for depth: darker under the upper lip, and the
 * tongue (the photo's lips at half their brightness) over the lower part
 * where the opening is over 1.5 grid pixels tall. MIEN_MOUTH_FLAT=1 lays
 * the paint's own colour alone (for comparisons).
 *
 * Generators that paint no interior (mien_generator_output.interior all 0)
 * get the frame they always did, and so does every face whose full frame
 * has fewer than HD_MIN_PIXELS pixels a grid pixel (at every preview
 * level), and every frame while MIEN_MOUTH_GRID=1 is set (the grid's paint
 * alone, for comparisons). */
#include "mien-animator-private.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mien-headshot.h"

/* The paint's grid strength a is sharpened to smoothstep(EDGE_LO, EDGE_HI,
 * a): full inside, 0 outside, the edge along a = 0.5. */
#define EDGE_LO 0.1f
#define EDGE_HI 0.9f
/* Frames with fewer pixels than this per grid pixel keep the grid's
 * paint. The smear and the streaks show from about 6 (a 4K portrait's
 * face has 8–12); at the sample photos' 3.5–4.2 (crops of 450–540
 * pixels) up(O^r) is about as sharp as the photo around it, but the grid
 * paints no teeth, and a closed-lipped mouth opened there was a dark hole
 * (session 27: the teeth rows of mien-animator-teeth.c read as teeth
 * from about 3; below, a face under ~190 pixels wide, they are a few
 * pixels of noise). */
#define HD_MIN_PIXELS MIEN_MOUTH_INTERIOR_MIN_PIXELS
/* A strength this small is no paint. */
#define NO_PAINT 1e-3f
/* The cavity's grain against the photo's noise: a dark area shows less. */
#define CAVITY_GRAIN 0.6f
/* The interior's shading: the colour at the opening's top against its
 * middle (the upper lip's shadow), and the tongue's share at the bottom. */
#define TOP_SHADE 0.65f
#define TONGUE 0.55f
/* Where the grid paint is this strong, the unpainted O^r is not recovered
 * (a division by 1 − a); the sharpened paint covers it there anyway. */
#define RECOVER_MAX 0.98f

void
mien_animator_mouth_reset (mien_animator *anim)
{
  mien_image *in = anim->gen_out.interior;
  if (in)
    memset (in->data, 0, sizeof (float) * mien_image_n_floats (in));
  anim->mouth_painted = 0;
}

/* The tongue's colour: the photo's lips (the mean over the grid nodes
 * nearest the 12 outer lip landmarks) at half their brightness. Once per
 * animator. */
void
mien_animator_mouth_tongue (mien_animator *anim)
{
  if (anim->mouth_tongue[0] >= 0.0f)
    return;
  const mien_image *low = mien_animator_get_low (anim);
  float c[3] = { 0, 0, 0 };
  int n = 0;
  for (int k = 48; k < 60; k++)
    {
      int x = (int)lroundf (anim->grid_landmarks[k].x);
      int y = (int)lroundf (anim->grid_landmarks[k].y);
      if (x < 0 || y < 0 || x >= low->width || y >= low->height
          || low->channels < 3)
        continue;
      const float *p = mien_image_row (low, y) + (size_t)x * low->channels;
      c[0] += p[0], c[1] += p[1], c[2] += p[2], n++;
    }
  for (int ch = 0; ch < 3; ch++)
    anim->mouth_tongue[ch] = n ? 0.5f * c[ch] / (float)n : 0.0f;
}

/* The paint's strength for the frame-resolution paint: the grid's,
 * closed over 3×3 grid pixels (the largest, then the smallest, of each
 * neighbourhood) within the painted box grown by 2. Where the photo's
 * mouth was already open the rig leaves holes in its paint over the
 * photo's teeth that the opening stretches (sample1's laughing face at 4K:
 * strengths of 0.2–0.3 amid 1.0), and at the frame's resolution those
 * stretched fragments showed through the dark as white chips. Closing
 * fills such holes, up to 2 grid pixels across, and leaves the opening's
 * convex outline as it is. The strength the closing adds is painted with
 * the interior's mean colour (mouth_mean). Outside the grown box the
 * grid's strength is kept. */
static mien_status
close_holes (mien_animator *anim, const mien_image *in, mien_error *err)
{
  int gw = in->width, gh = in->height;
  size_t n = (size_t)gw * (size_t)gh;
  if (anim->mouth_alpha == NULL)
    {
      anim->mouth_alpha = malloc (sizeof (float) * 2 * n);
      if (anim->mouth_alpha == NULL)
        return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  float *closed = anim->mouth_alpha, *dilated = closed + n;
  for (size_t i = 0; i < n; i++)
    closed[i] = dilated[i] = in->data[4 * i + 3];
  const int *b = anim->mouth_box;
  int x0 = b[0] - 2 < 1 ? 1 : b[0] - 2, y0 = b[1] - 2 < 1 ? 1 : b[1] - 2;
  int x1 = b[2] + 2 > gw - 2 ? gw - 2 : b[2] + 2;
  int y1 = b[3] + 2 > gh - 2 ? gh - 2 : b[3] + 2;
  /* Dilate over the box grown by one more, so that the erosion below
   * reads dilated values everywhere in its 3×3. */
  for (int y = y0 - 1; y <= y1 + 1; y++)
    for (int x = x0 - 1; x <= x1 + 1; x++)
      {
        if (x < 1 || y < 1 || x > gw - 2 || y > gh - 2)
          continue;
        float m = 0.0f;
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            m = fmaxf (m, in->data[4 * ((size_t)(y + dy) * gw + x + dx) + 3]);
        dilated[(size_t)y * gw + x] = m;
      }
  for (int y = y0; y <= y1; y++)
    for (int x = x0; x <= x1; x++)
      {
        float m = 1e30f;
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            m = fminf (m, dilated[(size_t)(y + dy) * gw + x + dx]);
        size_t i = (size_t)y * gw + x;
        closed[i] = fmaxf (closed[i], m);
      }
  /* The interior's mean colour, weighted by the grid's own strength (all
   * of it lies in the painted box). */
  float sum = 0.0f, c[3] = { 0, 0, 0 };
  for (int y = b[1]; y <= b[3]; y++)
    for (int x = b[0]; x <= b[2]; x++)
      {
        const float *q = in->data + 4 * ((size_t)y * gw + x);
        if (q[3] > NO_PAINT)
          sum += q[3], c[0] += q[3] * q[0], c[1] += q[3] * q[1],
              c[2] += q[3] * q[2];
      }
  for (int ch = 0; ch < 3; ch++)
    anim->mouth_mean[ch] = sum > 0.0f ? c[ch] / sum : 0.0f;
  mien_animator_mouth_tongue (anim);
  return MIEN_OK;
}

const mien_image *
mien_animator_mouth_refined (mien_animator *anim, const mien_image *ref,
                             mien_error *err)
{
  const mien_image *in = anim->gen_out.interior;
  anim->mouth_painted = 0;
  anim->teeth.on = 0;
  const char *grid_only = getenv ("MIEN_MOUTH_GRID");
  /* The full frame's pixels a grid pixel decide, not this level's: a
   * preview level of a large face gets the same paint (and shading) as
   * the frame the slider's release refines it to, so the mouth does not
   * change its look on release. */
  if ((float)anim->crop.width / (float)MIEN_LOW_RES < HD_MIN_PIXELS
      || (grid_only && strcmp (grid_only, "1") == 0) || in == NULL || in->channels != 4 || !ref || ref->width != in->width
      || ref->height != in->height || ref->channels < 3)
    return ref;
  /* The painted cells' box, which the paint after the compose covers. */
  int *b = anim->mouth_box;
  b[0] = in->width, b[1] = in->height, b[2] = -1, b[3] = -1;
  for (int y = 0; y < in->height; y++)
    for (int x = 0; x < in->width; x++)
      if (in->data[4 * ((size_t)y * in->width + x) + 3] > NO_PAINT)
        {
          b[0] = x < b[0] ? x : b[0], b[2] = x > b[2] ? x : b[2];
          b[1] = y < b[1] ? y : b[1], b[3] = y > b[3] ? y : b[3];
        }
  anim->mouth_painted = b[2] >= 0;
  if (!anim->mouth_painted)
    return ref;
  size_t n = (size_t)in->width * (size_t)in->height;
  if (close_holes (anim, in, err) != MIEN_OK)
    return NULL;
  mien_animator_teeth_frame (anim);
  if (anim->mouth_base == NULL)
    {
      anim->mouth_base = mien_image_new (ref->width, ref->height,
                                         ref->channels, err);
      if (anim->mouth_base == NULL)
        return NULL;
    }
  mien_image *base = anim->mouth_base;
  memcpy (base->data, ref->data, sizeof (float) * mien_image_n_floats (ref));
  /* O^r = (1 − a)·u + a·colour, so u = (O^r − a·colour) / (1 − a). */
  for (size_t i = 0; i < n; i++)
    {
      const float *q = in->data + 4 * i;
      float a = q[3];
      if (!(a > NO_PAINT) || a > RECOVER_MAX)
        continue;
      float *u = base->data + (size_t)ref->channels * i;
      for (int c = 0; c < 3; c++)
        u[c] = (u[c] - a * q[c]) / (1.0f - a);
    }
  return base;
}

/* A value in [-√3, √3] (unit variance) for pixel (x, y) of a level:
 * deterministic, so that a frame and its re-render agree. */
float
mien_animator_grain_at (int x, int y, int level_key)
{
  uint32_t h = (uint32_t)x * 0x9E3779B1u ^ (uint32_t)y * 0x85EBCA77u
               ^ (uint32_t)level_key * 0xC2B2AE3Du;
  h ^= h >> 16;
  h *= 0x7FEB352Du;
  h ^= h >> 15;
  h *= 0x846CA68Bu;
  h ^= h >> 16;
  return ((float)(h >> 8) / 16777216.0f - 0.5f) * 3.4641016f;
}

int
mien_animator_cmp_float (const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

float
mien_animator_kth_smallest (float *v, size_t n, size_t k)
{
  size_t lo = 0, hi = n - 1;
  /* Quickselect with a median-of-three pivot; past a few dozen rounds
   * (a pathological order) the rest is sorted instead. */
  for (int round = 0; lo < hi; round++)
    {
      if (round > 64)
        {
          qsort (v + lo, hi - lo + 1, sizeof *v, mien_animator_cmp_float);
          break;
        }
      size_t mid = lo + (hi - lo) / 2;
      float a = v[lo], b = v[mid], c = v[hi];
      float pivot = a < b ? (b < c ? b : (a < c ? c : a))
                          : (a < c ? a : (b < c ? c : b));
      /* Three-way partition: [lo, lt) < pivot, [lt, gt] == pivot,
       * (gt, hi] > pivot. */
      size_t lt = lo, i = lo, gt = hi;
      while (i <= gt)
        {
          float x = v[i];
          if (x < pivot)
            {
              v[i++] = v[lt];
              v[lt++] = x;
            }
          else if (x > pivot)
            {
              v[i] = v[gt];
              v[gt] = x;
              if (gt == 0)
                break;
              gt--;
            }
          else
            i++;
        }
      if (k < lt)
        hi = lt - 1;
      else if (k > gt)
        lo = gt + 1;
      else
        return pivot;
    }
  return v[k];
}

/* The photo's noise about the mouth: 1.4826 × the median absolute finest
 * band (the luma minus its 3×3 binomial blur) over the inner lips' box
 * grown by its size, in photo pixels. Once per animator. */
float
mien_animator_mouth_noise (mien_animator *anim)
{
  if (anim->mouth_sigma >= 0.0f)
    return anim->mouth_sigma;
  anim->mouth_sigma = 0.0f;
  const mien_image *ph = anim->photo;
  float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
  for (int k = 48; k < 68; k++)
    {
      mien_point p = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES,
                                              anim->grid_landmarks[k]);
      x0 = fminf (x0, p.x), x1 = fmaxf (x1, p.x);
      y0 = fminf (y0, p.y), y1 = fmaxf (y1, p.y);
    }
  float gx = x1 - x0, gy = y1 - y0;
  int ax = (int)fmaxf (1.0f, x0 - gx), bx = (int)fminf (ph->width - 2, x1 + gx);
  int ay = (int)fmaxf (1.0f, y0 - gy), by = (int)fminf (ph->height - 2, y1 + gy);
  if (bx <= ax || by <= ay || ph->channels < 3)
    return 0.0f;
  size_t cap = (size_t)(bx - ax + 1) * (size_t)(by - ay + 1), n = 0;
  float *v = malloc (sizeof (float) * cap);
  if (v == NULL)
    return 0.0f;
  int ch = ph->channels;
#define LUMA(xx, yy)                                                          \
  (0.299f * mien_image_row (ph, (yy))[(size_t)(xx) * ch]                      \
   + 0.587f * mien_image_row (ph, (yy))[(size_t)(xx) * ch + 1]                \
   + 0.114f * mien_image_row (ph, (yy))[(size_t)(xx) * ch + 2])
  for (int y = ay; y <= by; y++)
    for (int x = ax; x <= bx; x++)
      {
        float blur = 0.0f;
        for (int dy = -1; dy <= 1; dy++)
          for (int dx = -1; dx <= 1; dx++)
            blur += (float)((2 - abs (dx)) * (2 - abs (dy))) / 16.0f
                    * LUMA (x + dx, y + dy);
        float d = fabsf (LUMA (x, y) - blur);
        if (isfinite (d))
          v[n++] = d;
      }
#undef LUMA
  anim->mouth_sigma = n > 0 ? 1.4826f * mien_animator_kth_smallest (v, n,
                                                                     n / 2)
                            : 0.0f;
  free (v);
  return anim->mouth_sigma;
}

/* The opening's top and bottom (grid rows, < 0: none) at grid column
 * ix + fx: where the closed strength crosses 0.5, linear between grid
 * rows. */
static void
column_opening (const mien_animator *anim, int ix, float fx, float *t_top,
                float *t_bot)
{
  const mien_image *in = anim->gen_out.interior;
  int gw = in->width, gh = in->height;
  int g0y = anim->mouth_box[1], g1y = anim->mouth_box[3];
  const float *al = anim->mouth_alpha;
  float prev = 0.0f;
  *t_top = -1.0f, *t_bot = -1.0f;
  for (int gy = g0y - 1; gy <= g1y + 1 && gy < gh; gy++)
    {
      if (gy < 0)
        continue;
      size_t i = (size_t)gy * gw + ix;
      float v = (1 - fx) * al[i] + fx * al[i + 1];
      if (gy > 0 && gy > g0y - 1)
        {
          if (prev < 0.5f && v >= 0.5f && *t_top < 0.0f)
            *t_top = (float)(gy - 1) + (0.5f - prev) / (v - prev);
          if (prev >= 0.5f && v < 0.5f)
            *t_bot = (float)(gy - 1) + (prev - 0.5f) / (prev - v);
        }
      prev = v;
    }
}

/* The grid cell (of n) under frame pixel p, k frame pixels a grid pixel,
 * clamped to the grid, and the bilinear weight *f of the cell after it. */
static int
grid_cell (int p, float k, int n, float *f)
{
  float g = ((float)p + 0.5f) / k - 0.5f;
  g = fminf (fmaxf (g, 0.0f), (float)(n - 1));
  int i = (int)g;
  i = i > n - 2 ? n - 2 : i;
  *f = g - (float)i;
  return i;
}

void
mien_animator_mouth_paint (mien_animator *anim, mien_image *out, float scale,
                           mien_rect r)
{
  const mien_image *in = anim->gen_out.interior;
  if (!anim->mouth_painted || in == NULL || out->channels < 3)
    return;
  /* Where the photo's own teeth are redrawn in the opening, that inside
   * replaces this paint (mien-animator-own-teeth.c). */
  float keep = 1.0f - mien_animator_own_teeth_share (anim);
  if (!(keep > 0.0f))
    return;
  int gw = in->width, gh = in->height;
  /* The painted cells' box (found before the compose), in out's pixels. */
  int g0x = anim->mouth_box[0], g0y = anim->mouth_box[1];
  int g1x = anim->mouth_box[2], g1y = anim->mouth_box[3];
  /* Grid pixel i covers out pixels about (i + 0.5) · k, k out pixels a
   * grid pixel. */
  float k = scale * (float)anim->crop.width / (float)MIEN_LOW_RES;
  int x0 = (int)floorf ((float)(g0x - 1) * k), x1 = (int)ceilf ((float)(g1x + 2) * k);
  int y0 = (int)floorf ((float)(g0y - 1) * k), y1 = (int)ceilf ((float)(g1y + 2) * k);
  x0 = x0 < r.x ? r.x : x0, y0 = y0 < r.y ? r.y : y0;
  x1 = x1 > r.x + r.width ? r.x + r.width : x1;
  y1 = y1 > r.y + r.height ? r.y + r.height : y1;
  x1 = x1 > out->width ? out->width : x1, y1 = y1 > out->height ? out->height : y1;
  float sigma = CAVITY_GRAIN * mien_animator_mouth_noise (anim) * fminf (scale, 1.0f);
  int key = (int)lroundf (1024.0f * scale);
  /* Each column's opening, top and bottom in out's rows, from the closed
   * strength crossing 0.5 (linear between grid rows): the interior's
   * depth is shaded by the height within it. */
  float *top = NULL, *bot = NULL;
  const char *flat = getenv ("MIEN_MOUTH_FLAT");
  if (x1 > x0 && !(flat && strcmp (flat, "1") == 0))
    {
      top = malloc (sizeof (float) * 2 * (size_t)(x1 - x0));
      bot = top ? top + (x1 - x0) : NULL;
    }
  for (int x = x0; top && x < x1; x++)
    {
      float fx, t_top, t_bot;
      int ix = grid_cell (x, k, gw, &fx);
      column_opening (anim, ix, fx, &t_top, &t_bot);
      top[x - x0] = t_top < 0.0f ? -1.0f : (t_top + 0.5f) * k - 0.5f;
      bot[x - x0] = t_bot < 0.0f ? -1.0f : (t_bot + 0.5f) * k - 0.5f;
    }
  /* The teeth rows' height: from the opening at the teeth's midline. */
  if (top && anim->teeth.on)
    {
      const mien_teeth *t = &anim->teeth;
      float gy_c = 0.5f * (float)(g0y + g1y);
      float gx_c = t->to_x[0] != 0.0f
                       ? -(t->to_x[1] * gy_c + t->to_x[2]) / t->to_x[0]
                       : -1.0f;
      float t_top = -1.0f, t_bot = -1.0f;
      if (gx_c >= 0.0f && gx_c <= (float)(gw - 1))
        {
          int ix = (int)gx_c;
          ix = ix > gw - 2 ? gw - 2 : ix;
          column_opening (anim, ix, gx_c - (float)ix, &t_top, &t_bot);
        }
      mien_animator_teeth_place (anim, gx_c, t_top, t_bot);
    }
  const float *tongue = anim->mouth_tongue;
  for (int y = y0; y < y1; y++)
    {
      float fy;
      int iy = grid_cell (y, k, gh, &fy);
      float *row = mien_image_row (out, y);
      for (int x = x0; x < x1; x++)
        {
          float fx;
          int ix = grid_cell (x, k, gw, &fx);
          /* Strength bilinear; colour weighted by strength (where a = 0
           * the colour is not the paint's). */
          float w[4] = { (1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy,
                         fx * fy };
          const float *q[4] = {
            in->data + 4 * ((size_t)iy * gw + ix),
            in->data + 4 * ((size_t)iy * gw + ix + 1),
            in->data + 4 * ((size_t)(iy + 1) * gw + ix),
            in->data + 4 * ((size_t)(iy + 1) * gw + ix + 1),
          };
          const float *al = anim->mouth_alpha;
          size_t i00 = (size_t)iy * gw + ix;
          float a_closed = w[0] * al[i00] + w[1] * al[i00 + 1]
                           + w[2] * al[i00 + gw] + w[3] * al[i00 + gw + 1];
          float a = 0.0f, c[3] = { 0, 0, 0 };
          for (int j = 0; j < 4; j++)
            {
              float wa = w[j] * q[j][3];
              a += wa;
              c[0] += wa * q[j][0], c[1] += wa * q[j][1], c[2] += wa * q[j][2];
            }
          /* What the closing added is painted with the mean colour. */
          float extra = a_closed > a ? a_closed - a : 0.0f;
          for (int ch = 0; ch < 3; ch++)
            c[ch] += extra * anim->mouth_mean[ch];
          a += extra;
          if (!(a > NO_PAINT))
            continue;
          float t = (a - EDGE_LO) / (EDGE_HI - EDGE_LO);
          t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
          float s = keep * t * t * (3.0f - 2.0f * t);
          if (s <= 0.0f)
            continue;
          float g = sigma * mien_animator_grain_at (x, y, key);
          float *px = row + (size_t)x * out->channels;
          float shade = 1.0f, w_tongue = 0.0f;
          if (top && top[x - x0] >= 0.0f && bot[x - x0] > top[x - x0])
            {
              float h = bot[x - x0] - top[x - x0];
              float v = ((float)y - top[x - x0]) / h;
              /* The upper lip's shadow: darker towards the top. */
              float u = fminf (fmaxf (v / 0.4f, 0.0f), 1.0f);
              shade = TOP_SHADE + (1.0f - TOP_SHADE) * u * u * (3 - 2 * u);
              /* The tongue in the lower part, where the opening is over
               * 1.5 grid pixels tall. */
              float b = fminf (fmaxf ((v - 0.5f) / 0.45f, 0.0f), 1.0f);
              float tall = fminf (fmaxf (h / k - 1.5f, 0.0f), 1.0f);
              w_tongue = TONGUE * b * b * (3 - 2 * b) * tall;
            }
          /* The teeth in front of the cavity (where there are any). */
          float teeth[3] = { 0, 0, 0 }, cover = 0.0f;
          if (anim->teeth.on)
            {
              float below = -1.0f;
              if (top && top[x - x0] >= 0.0f)
                below = fmaxf ((float)y - top[x - x0], 0.0f) / k
                        * anim->teeth.mm_per_grid;
              cover = mien_animator_teeth_sample (
                  anim, ((float)x + 0.5f) / k - 0.5f,
                  ((float)y + 0.5f) / k - 0.5f, 1.0f / k, below, teeth);
            }
          for (int ch = 0; ch < 3; ch++)
            {
              float cav = (1 - w_tongue) * shade * c[ch] / a
                          + w_tongue * tongue[ch];
              cav += cover * (teeth[ch] - cav);
              px[ch] += s * (cav + g - px[ch]);
            }
        }
    }
  free (top);
}
