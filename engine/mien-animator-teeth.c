/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Teeth in an opened mouth (issue #26, "a closed-mouth photo opened never
 * shows teeth"). The mouth interior painted at the frame's resolution
 * (mien-animator-mouth.c) was a shaded cavity alone: on a photo whose lips
 * are closed, an opened mouth read as a dark hole. Here the upper and the
 * lower teeth rows are laid into that cavity, drawn at the frame's
 * resolution from a small model of the dentition:
 *
 *   - sized from the face: millimetres are the inter-ocular distance over
 *     63 (an adult's mean), and the teeth have their anatomical widths
 *     along a dental arch (a circle of 22 mm radius to the canines, then
 *     nearly straight back), seen from the front, so that they narrow and
 *     darken as the arch turns away;
 *   - rigid, never stretched: the rows are level with the skull (the
 *     eyes' axis) and ride with the upper face (a similarity fitted to
 *     where the field carries the nose's nine landmarks), so a turned or
 *     tilted head turns them; opening the jaw further moves the opening's
 *     bottom, not the crowns;
 *   - placed in the opening at the teeth's midline (mien_animator_teeth_
 *     place): the upper row's edge up to 2.5 mm below the upper lip, the
 *     lower row's only in an opening over 8 mm, up to 2.5 mm above the
 *     lower lip. The rig stretches both lips apart as the jaw opens, so
 *     rows placed by the jaws alone sat under the stretched upper lip;
 *   - coloured from the photo's own whites of the eyes (lit as the face
 *     is), a neutral enamel where the eyes are closed, and shaded: the
 *     upper lip's shadow, the arch turning away, each crown's convexity,
 *     dark gaps between the crowns and a translucent incisal edge; their
 *     edges as soft as the photo's own lips' (photo_softness_mm).
 *
 * Where the photo's own mouth shows an opening (photo_mouth_open: teeth or
 * dark between the lips, found by colour as the rig finds it) the photo
 * has its own teeth or its own dark, and nothing is added: those move
 * with the rig's field as before. MIEN_MOUTH_NO_TEETH=1 and
 * MIEN_MOUTH_FLAT=1 leave the teeth out (for comparisons). */
#include "mien-animator-private.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "mien-headshot.h"

/* An adult's mean inter-ocular (pupil) distance in millimetres: the scale
 * of the model. */
#define IOD_MM 63.0f
/* A photo with a run of teeth or dark between its lips longer than this
 * share of the inter-ocular distance shows its own mouth's inside. */
#define PHOTO_OPEN 0.05f
/* The arch: a circle to the canines' far side, then nearly straight. */
#define ARCH_RADIUS_MM 22.0f
#define ARCH_BEND_MM 20.0f
#define ARCH_BACK_SLOPE 0.25f
/* Crown heights and the gum above (the upper) or below (the lower). */
#define UPPER_CROWN_MM 10.5f
#define LOWER_CROWN_MM 9.0f

/* Crown widths from the midline outwards, millimetres along the arch
 * (central incisor, lateral, canine, two premolars, molars). */
static const float upper_widths[] = { 8.5f, 6.5f, 7.5f, 7.0f, 6.5f, 10.0f,
                                      9.0f };
static const float lower_widths[] = { 5.2f, 5.8f, 6.8f, 7.0f, 7.0f, 11.0f,
                                      10.5f };
#define N_TEETH 7
/* The teeth's sharpest edge ramp. */
#define SOFT_MM 0.3f

/* A neutral enamel, in the photo's 0-1 sRGB values, for a face lit like
 * the whites of its eyes would be at 0.85. */
static const float enamel[3] = { 0.80f, 0.76f, 0.67f };

typedef mien_point v2;

void
mien_animator_fit_similarity (const mien_point *a, const mien_point *b,
                              int n, mien_point *z, mien_point *t)
{
  v2 ma = { 0, 0 }, mb = { 0, 0 };
  for (int i = 0; i < n; i++)
    ma.x += a[i].x, ma.y += a[i].y, mb.x += b[i].x, mb.y += b[i].y;
  ma.x /= (float)n, ma.y /= (float)n, mb.x /= (float)n, mb.y /= (float)n;
  float re = 0, im = 0, norm = 0;
  for (int i = 0; i < n; i++)
    {
      float ax = a[i].x - ma.x, ay = a[i].y - ma.y;
      float bx = b[i].x - mb.x, by = b[i].y - mb.y;
      /* conj(a) · b */
      re += ax * bx + ay * by;
      im += ax * by - ay * bx;
      norm += ax * ax + ay * ay;
    }
  if (!(norm > 0.0f))
    {
      *z = (v2){ 1, 0 };
      *t = (v2){ mb.x - ma.x, mb.y - ma.y };
      return;
    }
  z->x = re / norm, z->y = im / norm;
  t->x = mb.x - (z->x * ma.x - z->y * ma.y);
  t->y = mb.y - (z->x * ma.y + z->y * ma.x);
}

/* The photo's colour at pixel point p (bilinear, clamped): its first
 * three channels (callers check it has them). */
static void
photo_rgb (const mien_image *ph, mien_point p, float rgb[3])
{
  float px[4] = { 0, 0, 0, 0 };
  mien_image_sample_bilinear (ph, p.x, p.y, px);
  rgb[0] = px[0], rgb[1] = px[1], rgb[2] = px[2];
}

/* Whether the photo shows its own mouth's inside: along the mouth's three
 * middle columns, from the outer upper to the outer lower lip, a run of
 * samples much less red than the lower lip's body (teeth) or much darker
 * (the cavity) longer than PHOTO_OPEN of the inter-ocular distance (the
 * rule rig-mouth.c's find_mouth_opening uses for where the opening is).
 * face-api's inner-lip points alone cannot tell: on closed lips they often
 * sit 0.05-0.07 inter-ocular distances apart. */
static int
photo_mouth_open (const mien_animator *anim, float iod_grid)
{
  static const int cols[3][4] = { { 61, 67, 50, 58 }, { 62, 66, 51, 57 },
                                  { 63, 65, 52, 56 } };
  const mien_image *ph = anim->photo;
  if (ph->channels < 3 || ph->width < 2 || ph->height < 2)
    return 1; /* no colour to tell by: leave the mouth as it was */
  float px_per_grid = (float)anim->crop.width / (float)MIEN_LOW_RES;
  float q_lip = 0.0f, l_lip = 0.0f;
  for (int k = 0; k < 3; k++)
    {
      mien_point a = anim->grid_landmarks[cols[k][1]];
      mien_point b = anim->grid_landmarks[cols[k][3]];
      mien_point mid = { 0.5f * (a.x + b.x), 0.5f * (a.y + b.y) };
      float rgb[3];
      photo_rgb (ph, mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES, mid),
                 rgb);
      float sum = rgb[0] + rgb[1] + rgb[2];
      q_lip += (rgb[0] - rgb[1]) / fmaxf (sum, 1e-3f) / 3.0f;
      l_lip += sum / 9.0f;
    }
  if (q_lip < 0.04f || l_lip < 0.05f)
    return 1; /* lips the colour of teeth, or too dark to tell */
  float longest = 0.0f;
  for (int k = 0; k < 3; k++)
    {
      mien_point o1 = mien_headshot_from_grid (
          &anim->crop, MIEN_LOW_RES, anim->grid_landmarks[cols[k][2]]);
      mien_point o2 = mien_headshot_from_grid (
          &anim->crop, MIEN_LOW_RES, anim->grid_landmarks[cols[k][3]]);
      float len = hypotf (o2.x - o1.x, o2.y - o1.y);
      int n = (int)ceilf (len * 2.0f);
      if (n < 2)
        continue;
      float run = 0.0f;
      for (int i = 1; i < n; i++)
        {
          float t = (float)i / (float)n, rgb[3];
          photo_rgb (ph, (mien_point){ o1.x + t * (o2.x - o1.x),
                                       o1.y + t * (o2.y - o1.y) },
                     rgb);
          float sum = rgb[0] + rgb[1] + rgb[2];
          float q = (rgb[0] - rgb[1]) / fmaxf (sum, 1e-3f);
          if (q < 0.45f * q_lip || sum / 3.0f < 0.5f * l_lip)
            run += len / (float)n;
          else
            run = 0.0f;
          longest = fmaxf (longest, run);
        }
    }
  return longest / px_per_grid > PHOTO_OPEN * iod_grid;
}

/* How soft the photo is, as the teeth's edge ramp in mm: across the
 * upper lip's outer border (the vermilion line, landmarks 50-52, along
 * the face's vertical) the redness steps from skin to lip; about its
 * steepest point within 1.5 mm of the landmark, the 10-90 % width of the
 * step between the levels 2-2.5 mm either side. The median of the three,
 * less the border's own width (VERMILION_MM) in quadrature, is 2.56 σ of
 * the photo's blur, and a linear ramp 3.2 σ wide has the same 10-90 %
 * width. A sharp 4K photo gets SOFT_MM (about a pixel), a soft or
 * enlarged one edges as soft as its lips'. */
#define VERMILION_MM 0.5f
#define SOFT_MAX_MM 2.0f
static float
photo_softness_mm (const mien_animator *anim, float iod_grid, mien_point e)
{
  const mien_image *ph = anim->photo;
  float px_per_grid = (float)anim->crop.width / (float)MIEN_LOW_RES;
  float px_mm = iod_grid * px_per_grid / IOD_MM;
  if (ph->channels < 3 || !(px_mm > 0.0f))
    return SOFT_MM;
  mien_point n = { -e.y, e.x };
  /* 4 samples a pixel over ±4 mm. */
  const float per_px = 4.0f;
  int steps = (int)ceilf (4.0f * px_mm * per_px);
  if (steps < 8 || steps > 20000)
    return SOFT_MM;
  float widths[3];
  int nw = 0;
  float *q = malloc (sizeof (float) * (size_t)(2 * steps + 1));
  if (q == NULL)
    return SOFT_MM;
  float mm = px_mm * per_px; /* samples a millimetre */
  for (int k = 50; k <= 52; k++)
    {
      mien_point c = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES,
                                              anim->grid_landmarks[k]);
      for (int i = -steps; i <= steps; i++)
        {
          float d = (float)i / per_px, rgb[3];
          photo_rgb (ph, (mien_point){ c.x + n.x * d, c.y + n.y * d }, rgb);
          float sum = rgb[0] + rgb[1] + rgb[2];
          q[i + steps] = (rgb[0] - rgb[1]) / fmaxf (sum, 1e-3f);
        }
      /* The steepest rise (over a pixel) within 1.5 mm of the landmark. */
      int reach = (int)(1.5f * mm), best = -1;
      float slope = 0.0f;
      int step = (int)per_px;
      for (int i = steps - reach; i <= steps + reach; i++)
        if (i - step >= 0 && i + step <= 2 * steps
            && q[i + step] - q[i - step] > slope)
          slope = q[i + step] - q[i - step], best = i;
      int a0 = best - (int)(2.5f * mm), a1 = best - (int)(2.0f * mm);
      int b0 = best + (int)(2.0f * mm), b1 = best + (int)(2.5f * mm);
      if (best < 0 || a0 < 0 || b1 > 2 * steps || a1 < a0 || b1 < b0)
        continue;
      float lo = 0.0f, hi = 0.0f;
      for (int i = a0; i <= a1; i++)
        lo += q[i] / (float)(a1 - a0 + 1);
      for (int i = b0; i <= b1; i++)
        hi += q[i] / (float)(b1 - b0 + 1);
      if (!(hi - lo > 0.02f))
        continue;
      int i10 = -1, i90 = -1;
      for (int i = best; i >= a1 && i10 < 0; i--)
        if (q[i] <= lo + 0.1f * (hi - lo))
          i10 = i;
      for (int i = best; i <= b0 && i90 < 0; i++)
        if (q[i] >= lo + 0.9f * (hi - lo))
          i90 = i;
      i10 = i10 < 0 ? a1 : i10, i90 = i90 < 0 ? b0 : i90;
      widths[nw++] = (float)(i90 - i10) / mm;
    }
  free (q);
  if (nw == 0)
    return SOFT_MM;
  /* The median (or the mean of two). */
  for (int i = 0; i < nw; i++)
    for (int j = i + 1; j < nw; j++)
      if (widths[j] < widths[i])
        {
          float w = widths[i];
          widths[i] = widths[j], widths[j] = w;
        }
  float w = nw == 2 ? 0.5f * (widths[0] + widths[1]) : widths[nw / 2];
  float sigma = sqrtf (fmaxf (w * w - VERMILION_MM * VERMILION_MM, 0.0f))
                / 2.56f;
  return fminf (fmaxf (3.2f * sigma, SOFT_MM), SOFT_MAX_MM);
}

static v2
lm (const mien_animator *anim, int k)
{
  return (v2){ anim->grid_landmarks[k].x, anim->grid_landmarks[k].y };
}

/* The whites of the photo's eyes: the mean colour of the pixels between
 * the 75th and the 96th luma percentile inside each eye's landmark
 * polygon (the iris and the lids' shadow below, catchlights above).
 * Returns 0 where the eyes are (nearly) closed or too small to tell. */
static int
sclera_colour (const mien_animator *anim, float out[3])
{
  const mien_image *ph = anim->photo;
  if (ph->channels < 3)
    return 0;
  float sum[3] = { 0, 0, 0 };
  int n_total = 0;
  for (int side = 0; side < 2; side++)
    {
      mien_point p[6];
      float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
      for (int i = 0; i < 6; i++)
        {
          p[i] = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES,
                                          anim->grid_landmarks[36 + 6 * side
                                                               + i]);
          x0 = fminf (x0, p[i].x), x1 = fmaxf (x1, p[i].x);
          y0 = fminf (y0, p[i].y), y1 = fmaxf (y1, p[i].y);
        }
      float width = x1 - x0;
      /* Lids: mean of the two upper-lower distances over the width. */
      float open = 0.5f * (fabsf (p[5].y - p[1].y) + fabsf (p[4].y - p[2].y));
      if (width < 8.0f || open < 0.15f * width)
        continue;
      int ax = (int)fmaxf (0.0f, floorf (x0)), bx = (int)fminf (ph->width - 1, ceilf (x1));
      int ay = (int)fmaxf (0.0f, floorf (y0)), by = (int)fminf (ph->height - 1, ceilf (y1));
      if (bx < ax || by < ay)
        continue;
      size_t cap = (size_t)(bx - ax + 1) * (size_t)(by - ay + 1);
      float *v = malloc (sizeof (float) * 4 * cap);
      if (v == NULL)
        return 0;
      size_t n = 0;
      for (int y = ay; y <= by; y++)
        for (int x = ax; x <= bx; x++)
          {
            /* Inside the polygon (even-odd). */
            int in = 0;
            for (int i = 0, j = 5; i < 6; j = i++)
              if ((p[i].y > (float)y) != (p[j].y > (float)y)
                  && (float)x < (p[j].x - p[i].x) * ((float)y - p[i].y)
                                        / (p[j].y - p[i].y)
                                    + p[i].x)
                in = !in;
            if (!in)
              continue;
            const float *c = mien_image_row (ph, y) + (size_t)x * ph->channels;
            v[4 * n] = 0.299f * c[0] + 0.587f * c[1] + 0.114f * c[2];
            v[4 * n + 1] = c[0], v[4 * n + 2] = c[1], v[4 * n + 3] = c[2];
            n++;
          }
      if (n >= 20)
        {
          /* Sort by luma (the first of each 4). */
          qsort (v, n, 4 * sizeof (float), mien_animator_cmp_float);
          for (size_t i = (size_t)(0.75 * n); i < (size_t)(0.96 * n); i++)
            {
              sum[0] += v[4 * i + 1], sum[1] += v[4 * i + 2];
              sum[2] += v[4 * i + 3];
              n_total++;
            }
        }
      free (v);
    }
  if (n_total < 10)
    return 0;
  for (int c = 0; c < 3; c++)
    out[c] = sum[c] / (float)n_total;
  return 1;
}

/* The teeth's colour, once per animator: the whites of the eyes, a little
 * yellower and in the mouth's light; or the neutral enamel scaled by the
 * skin's brightness about the mouth against a well-lit face's. */
static void
teeth_colour (mien_animator *anim)
{
  mien_teeth *t = &anim->teeth;
  if (t->colour[0] >= 0.0f)
    return;
  float s[3];
  if (sclera_colour (anim, s))
    {
      /* The enamel at the brightness of the eyes' whites (the photo's
       * light), half with their own hue (its white balance), a little
       * into the mouth's shade. */
      float luma = 0.299f * s[0] + 0.587f * s[1] + 0.114f * s[2];
      float el = 0.299f * enamel[0] + 0.587f * enamel[1] + 0.114f * enamel[2];
      float gain = fminf (fmaxf (luma / 0.75f, 0.45f), 1.1f);
      for (int c = 0; c < 3; c++)
        t->colour[c] = fminf (0.92f, 0.95f * (0.5f * enamel[c] * gain
                                              + 0.5f * s[c] * el / fmaxf (luma, 0.05f) * gain));
            return;
    }
  /* The skin: the photo's mean brightness over the grid nodes of the jaw
   * line's inner half and the cheeks (landmarks 2-14 pulled a third of
   * the way to the nose tip), against 0.6 for a well-lit face. */
  const mien_image *low = mien_animator_get_low (anim);
  float luma = 0.0f;
  int n = 0;
  v2 tip = lm (anim, 30);
  for (int k = 2; k <= 14; k++)
    {
      v2 p = lm (anim, k);
      int x = (int)lroundf (p.x + (tip.x - p.x) / 3.0f);
      int y = (int)lroundf (p.y + (tip.y - p.y) / 3.0f);
      if (x < 0 || y < 0 || x >= low->width || y >= low->height
          || low->channels < 3)
        continue;
      const float *q = mien_image_row (low, y) + (size_t)x * low->channels;
      luma += 0.299f * q[0] + 0.587f * q[1] + 0.114f * q[2];
      n++;
    }
  float exposure = n ? luma / (float)n / 0.6f : 1.0f;
  exposure = fminf (fmaxf (exposure, 0.35f), 1.15f);
  for (int c = 0; c < 3; c++)
    t->colour[c] = fminf (0.92f, enamel[c] * exposure);
  }

/* The process's choice (the app's preference, mien-render --no-teeth);
 * read by the engine's workers on every frame. */
static atomic_int teeth_enabled = 1;

void
mien_animator_set_teeth_enabled (int on)
{
  atomic_store (&teeth_enabled, on ? 1 : 0);
}

int
mien_animator_get_teeth_enabled (void)
{
  return atomic_load (&teeth_enabled);
}

void
mien_animator_teeth_reset (mien_animator *anim)
{
  anim->teeth.colour[0] = -1.0f;
  anim->teeth.photo_open = -1;
  anim->teeth.soft_mm = -1.0f;
  anim->teeth.on = 0;
}

/* The frame's affine map from grid pixels to the tooth model's mm, for a
 * similarity z·p + t from source grid to frame grid: p = (g − t) / z,
 * then into the source face's frame (origin o, axis e, mm per grid s). */
static void
grid_to_mm (v2 z, v2 t, v2 o, v2 e, float s, float row_x[3], float row_y[3])
{
  /* 1 / z */
  float d = z.x * z.x + z.y * z.y;
  float ix = z.x / d, iy = -z.y / d;
  /* p = (ix + i·iy)·(g − t): p.x = ix·gx − iy·gy − (ix·tx − iy·ty), … */
  float pxx = ix, pxy = -iy, pyx = iy, pyy = ix;
  float pxc = -(ix * t.x - iy * t.y), pyc = -(ix * t.y + iy * t.x);
  /* mm = s · ((p − o)·e, (p − o)·n), n = (−e.y, e.x) (down for e to the
   * image's right). */
  v2 n = { -e.y, e.x };
  row_x[0] = s * (e.x * pxx + e.y * pyx);
  row_x[1] = s * (e.x * pxy + e.y * pyy);
  row_x[2] = s * (e.x * (pxc - o.x) + e.y * (pyc - o.y));
  row_y[0] = s * (n.x * pxx + n.y * pyx);
  row_y[1] = s * (n.x * pxy + n.y * pyy);
  row_y[2] = s * (n.x * (pxc - o.x) + n.y * (pyc - o.y));
}

int
mien_animator_carried_similarity (const mien_animator *anim, int first, int n,
                                  mien_point *z, mien_point *t)
{
  mien_point src[16], dst[16];
  if (n < 2 || n > 16)
    return 0;
  for (int i = 0; i < n; i++)
    {
      src[i] = anim->grid_landmarks[first + i];
      dst[i] = mien_animator_forward_grid_point (anim->gen_out.field, src[i]);
    }
  mien_animator_fit_similarity (src, dst, n, z, t);
  return isfinite (z->x) && isfinite (z->y) && isfinite (t->x)
         && isfinite (t->y) && z->x * z->x + z->y * z->y > 0.01f;
}

int
mien_animator_teeth_photo (mien_animator *anim, float *iod_grid,
                           mien_point *axis)
{
  mien_teeth *t = &anim->teeth;
  v2 eye_r = { 0, 0 }, eye_l = { 0, 0 };
  for (int i = 0; i < 6; i++)
    {
      v2 a = lm (anim, 36 + i), b = lm (anim, 42 + i);
      eye_r.x += a.x / 6, eye_r.y += a.y / 6;
      eye_l.x += b.x / 6, eye_l.y += b.y / 6;
    }
  float iod = hypotf (eye_l.x - eye_r.x, eye_l.y - eye_r.y);
  if (!(iod > 1.0f))
    return 0;
  v2 e = { (eye_l.x - eye_r.x) / iod, (eye_l.y - eye_r.y) / iod };
  if (t->photo_open < 0)
    t->photo_open = photo_mouth_open (anim, iod);
  if (t->soft_mm < 0.0f)
    t->soft_mm = photo_softness_mm (anim, iod, e);
  *iod_grid = iod;
  *axis = e;
  return 1;
}

void
mien_animator_teeth_frame (mien_animator *anim)
{
  mien_teeth *t = &anim->teeth;
  t->on = 0;
  const char *off = getenv ("MIEN_MOUTH_NO_TEETH");
  const char *flat = getenv ("MIEN_MOUTH_FLAT");
  if ((off && strcmp (off, "1") == 0) || (flat && strcmp (flat, "1") == 0)
      || !mien_animator_get_teeth_enabled ())
    return;
  const mien_image *field = anim->gen_out.field;
  if (field == NULL || field->channels != 2)
    return;
  float iod;
  v2 e;
  if (!mien_animator_teeth_photo (anim, &iod, &e) || t->photo_open)
    return;
  teeth_colour (anim);
  /* The source face's frame: the lip line's middle (the inner lips'
   * middle points), the eyes' axis (the teeth are level with the skull,
   * not with a mouth whose corners the expression tilts), mm per grid
   * pixel. The rows' heights are set in the opening by
   * mien_animator_teeth_place. */
  v2 m = { 0.25f * (lm (anim, 62).x + lm (anim, 66).x + lm (anim, 61).x
                    + lm (anim, 67).x),
           0.25f * (lm (anim, 62).y + lm (anim, 66).y + lm (anim, 61).y
                    + lm (anim, 67).y) };
  float s = IOD_MM / iod;
  /* The upper face: where the frame shows the nose's nine landmarks. */
  v2 z, tr;
  if (!mien_animator_carried_similarity (anim, 27, 9, &z, &tr))
    return;
  grid_to_mm (z, tr, m, e, s, t->to_x, t->to_y);
  t->mm_per_grid = s / sqrtf (z.x * z.x + z.y * z.y);
  t->on = 1;
}

/* Arch position (mm along the arch from the midline, ≥ 0) of a frontal
 * offset x (mm from the midline), and the cosine of the arch's turn there
 * (1 facing the camera). */
static float
arch_position (float x, float radius, float *facing)
{
  float ax = fabsf (x);
  float bend_x = radius * sinf (ARCH_BEND_MM / radius);
  if (ax <= bend_x)
    {
      float a = asinf (ax / radius);
      *facing = cosf (a);
      return radius * a;
    }
  /* Beyond the canines the teeth run nearly straight back. */
  *facing = cosf (ARCH_BEND_MM / radius) * 0.55f;
  return ARCH_BEND_MM + (ax - bend_x) / ARCH_BACK_SLOPE;
}

/* One row of crowns at frontal offset x (mm), a point y mm below (upper,
 * sign +1) or above (lower, sign −1) the row's incisal edge line: the
 * coverage (0 … 1, anti-aliased over px mm) and the shade (a factor of
 * the teeth's colour, gaps and turn included). */
static float
crown (float x, float y, float px, const float *widths, float radius,
       float crown_h, int upper, float *shade)
{
  float facing;
  float sa = arch_position (x, radius, &facing);
  int i = 0;
  float start = 0.0f;
  while (i < N_TEETH - 1 && sa > start + widths[i])
    start += widths[i++];
  float w = widths[i];
  float u = (sa - start) / w; /* 0 at the tooth's mesial side */
  u = fminf (fmaxf (u, 0.0f), 1.0f);
  /* The incisal edge's line, in mm above (shorter) the central's: the
   * laterals shorter, the canines' cusps pointed, the back teeth higher
   * with the arch (the smile's curve). */
  float lift = 0.0f;
  if (upper)
    {
      static const float short_mm[N_TEETH] = { 0.0f, 0.8f, 0.2f, 0.9f,
                                               1.1f, 1.5f, 1.8f };
      lift = short_mm[i] + 1.2f * (x / radius) * (x / radius);
      if (i == 2) /* the canine's cusp */
        lift += 1.3f * fabsf (u - 0.45f);
    }
  else
    lift = 0.3f * (float)(i > 0) + 0.8f * (x / radius) * (x / radius);
  /* Rounded corners on both sides of each crown, in arch mm. */
  float rc = upper ? 1.1f : 0.8f;
  float side = fminf (u, 1.0f - u) * w;
  if (side < rc)
    lift += rc - sqrtf (fmaxf (rc * rc - (rc - side) * (rc - side), 0.0f));
  /* Depth into the crown from its edge, mm (> 0 inside): the upper
   * crown lies above its edge line (y < 0, y being downwards), the lower
   * below. */
  float into = (upper ? -y : y) - lift;
  float cover = fminf (fmaxf (into / px + 0.5f, 0.0f), 1.0f);
  if (into > crown_h)
    cover *= fminf (fmaxf ((crown_h + px - into) / px, 0.0f), 1.0f);
  if (cover <= 0.0f)
    {
      *shade = 0.0f;
      return 0.0f;
    }
  /* Seen from the front, the crown's width shrinks with the arch's turn,
   * so the gaps' width in mm of arch grows by 1 / facing. */
  float gap_true_mm = 0.18f / fmaxf (facing, 0.3f);
  float gap_mm = gap_true_mm + 0.5f * px;
  float from_side = side / gap_mm;
  /* A gap narrower than a pixel is seen blurred over the pixel: wider by
   * half a pixel and fainter in proportion, so that its darkness summed
   * across it stays the gap's own. Kept at its full darkness (before
   * session 30), a small face's gaps read as dark bars 1–2 pixels wide
   * between crowns 3–5 pixels wide: separate pegs. */
  float gap = expf (-from_side * from_side) * gap_true_mm / gap_mm;
  /* The gap is dark at the incisal embrasure and towards the gum, where
   * the crowns part, and faint where they touch between. */
  float near_edge = 1.0f - fminf (fmaxf (into / 1.5f, 0.0f), 1.0f);
  float near_gum = fminf (fmaxf ((into - 0.6f * crown_h) / (0.3f * crown_h),
                                 0.0f), 1.0f);
  float gap_dark = gap * (0.22f + 0.4f * fmaxf (near_edge, near_gum));
  /* Convex crowns: brighter in the middle. */
  float convex = 0.9f + 0.1f * sinf (3.14159265f * u);
  /* The arch turning away into the mouth's shadow. */
  float turn = 0.3f + 0.7f * powf (facing, 1.5f);
  /* A translucent incisal edge over its last 0.6 mm, a slightly darker
   * neck towards the gum. */
  float edge = 0.88f + 0.12f * fminf (fmaxf (into / 0.6f, 0.0f), 1.0f);
  float neck = 1.0f - 0.08f * near_gum;
  *shade = convex * turn * edge * neck * (1.0f - gap_dark)
           * (upper ? 1.0f : 0.9f);
  return cover;
}

/* How much of each row shows, from the opening's height h (mm) at the
 * midline: the upper teeth up to 2.5 mm below the upper lip (0.3 h in a
 * small opening), the lower ones only in a wide one, up to 2.5 mm above
 * the lower lip. The rig stretches both lips apart as the mouth opens
 * rather than keeping the upper lip on the upper jaw, so the rows sit
 * where the opening shows them, not where the jaws alone would put them
 * (which hid the upper row under the stretched upper lip); their size,
 * shape and turn stay the model's. */
#define UPPER_SHOW_MAX_MM 2.5f
#define UPPER_SHOW_SHARE 0.3f
#define LOWER_SHOW_FROM_MM 8.0f
#define LOWER_SHOW_SHARE 0.22f
#define LOWER_SHOW_MAX_MM 2.5f

void
mien_animator_teeth_place (mien_animator *anim, float gx, float top,
                           float bottom)
{
  mien_teeth *t = &anim->teeth;
  t->placed = 0;
  if (!t->on || !(top >= 0.0f) || !(bottom > top))
    return;
  float top_u = t->to_y[0] * gx + t->to_y[1] * top + t->to_y[2];
  float bot_u = t->to_y[0] * gx + t->to_y[1] * bottom + t->to_y[2];
  float h = bot_u - top_u;
  if (!(h > 0.0f))
    return;
  t->up_edge = top_u + fminf (UPPER_SHOW_SHARE * h, UPPER_SHOW_MAX_MM);
  float low_show = LOWER_SHOW_SHARE * (h - LOWER_SHOW_FROM_MM);
  low_show = fminf (fmaxf (low_show, 0.0f), LOWER_SHOW_MAX_MM);
  t->low_edge = bot_u - low_show;
  t->placed = 1;
}

float
mien_animator_teeth_sample (const mien_animator *anim, float gx, float gy,
                            float px_grid, float top_mm_below, float *colour)
{
  const mien_teeth *t = &anim->teeth;
  if (!t->on || !t->placed)
    return 0.0f;
  /* The edges' softness: a frame pixel, or the photo's own softness
   * where that is more (photo_softness_mm: a crisper edge than the lips'
   * own looked cut out). */
  float px = fmaxf (px_grid * t->mm_per_grid, t->soft_mm);
  float mx = t->to_x[0] * gx + t->to_x[1] * gy + t->to_x[2];
  float my = t->to_y[0] * gx + t->to_y[1] * gy + t->to_y[2];
  float shade_u = 0.0f, shade_l = 0.0f;
  float cu = crown (mx, my - t->up_edge, px, upper_widths, ARCH_RADIUS_MM, UPPER_CROWN_MM,
                    1, &shade_u);
  float cl = crown (mx, my - t->low_edge, px, lower_widths, 0.82f * ARCH_RADIUS_MM,
                    LOWER_CROWN_MM, 0, &shade_l);
  /* The upper lip's shadow over the top of the upper teeth (the opening's
   * top is top_mm_below mm above this point; < 0: unknown). */
  if (top_mm_below >= 0.0f)
    {
      float v = fminf (top_mm_below / 2.5f, 1.0f);
      shade_u *= 0.62f + 0.38f * v * v * (3.0f - 2.0f * v);
    }
  /* The upper row in front of the lower. */
  float cover = cu + (1.0f - cu) * cl;
  if (!(cover > 0.0f))
    return 0.0f;
  float sh = (cu * shade_u + (1.0f - cu) * cl * shade_l) / cover;
  for (int c = 0; c < 3; c++)
    colour[c] = t->colour[c] * sh;
  return cover;
}
