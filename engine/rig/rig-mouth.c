/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The mouth: closing a mouth that the photo shows open (the lip seal: AU23
 * and AU17) and opening it further like a jaw (AU25, AU26). It owns the
 * lips' inner edges and what lies between them; the lip landmarks' moves
 * are rig-moves.c's, and the painted mouth interior and seam rig-paint.c's.
 *
 * Moving lip landmarks with kernels cannot close a gap or open one well:
 * the teeth would be squashed or stretched into streaks. Both are monotone
 * piecewise-linear maps along the mouth's vertical, found per column from
 * the inner-lip landmarks and the photo's colours, and composed with the
 * kernel field: F(x) = F_map(x) + F_au(x + F_map(x)), the composition of
 * two fold-free maps (a monotone 1-D map cannot fold). */
#include "rig-private.h"

#include <string.h>

#include "mien-field.h"

/* A smiling photo shows teeth; sad and angry faces press the lips together
 * (AU23 tightens them, AU17 pushes the lower lip up). Moving lip landmarks
 * with kernels cannot close a gap: the teeth would be squashed, not hidden.
 * Like the eyelid, the seal is a monotone piecewise-linear map along the
 * mouth's vertical: per column the skin above the upper inner lip slides
 * down and the skin below the lower inner lip slides up until they meet, and
 * the source rows between the lips (teeth, tongue) are skipped. A monotone
 * 1-D map cannot fold. It acts on the mouth as the AU moves leave it: the
 * field becomes F(x) = F_seal(x) + F_au(x + F_seal(x)), the composition of
 * two fold-free maps. */

#define SEAL_LOWER_SHARE 0.6f /* the lower lip travels 60 % of the gap */
#define SEAL_GAP 1.0f /* grid pixels left between the lips */
#define SEAL_SKIN_ABOVE 0.25f /* iod of skin that slides above the upper lip */
#define SEAL_SKIN_BELOW 0.35f /* and below the lower lip */

typedef struct lip_profile {
  float s[5], up[5], low[5]; /* inner lips at 5 columns, mouth frame */
} lip_profile;

typedef struct mouth_frame {
  vec2 centre, eu, ev;
  float half_width;
  lip_profile lips;    /* where the AU field put the inner lips */
  lip_profile part;    /* how far short of the AU moves the field left
                        * each lip, grid px >= 0 (part_source) */
  float lip_up[5], lip_low[5]; /* the photo's lip thickness, grid px */
  vec2 photo_inner[8]; /* the photo's inner lips (60–67), widened */
} mouth_frame;

/* Piecewise-linear in s through n sorted knots. */
static float
profile_at_n (const float *s, const float *y, int n, float t)
{
  if (t <= s[0])
    return y[0];
  for (int k = 0; k + 1 < n; k++)
    if (t <= s[k + 1])
      {
        float d = s[k + 1] - s[k];
        return d > 1e-5f ? y[k] + (t - s[k]) * (y[k + 1] - y[k]) / d : y[k + 1];
      }
  return y[n - 1];
}

static float
profile_at (const float s[5], const float y[5], float t)
{
  return profile_at_n (s, y, 5, t);
}

/* Bilinear sample of the first n channels of an interleaved float image
 * (w×h, `channels` per pixel) at q, clamped to the grid. */
static void
bilinear_at (const float *data, int w, int h, int channels, int n, vec2 q,
             float *out)
{
  float sx = fminf (fmaxf (q.x, 0.0f), (float)(w - 1));
  float sy = fminf (fmaxf (q.y, 0.0f), (float)(h - 1));
  int ix = (int)sx, iy = (int)sy;
  ix = ix > w - 2 ? w - 2 : ix, iy = iy > h - 2 ? h - 2 : iy;
  float fx = sx - (float)ix, fy = sy - (float)iy;
  const float *p = data + (size_t)channels * ((size_t)iy * (size_t)w + (size_t)ix);
  const float *r = p + (size_t)channels * (size_t)w;
  for (int c = 0; c < n; c++)
    {
      float top = p[c] + fx * (p[c + channels] - p[c]);
      float bot = r[c] + fx * (r[c + channels] - r[c]);
      out[c] = top + fy * (bot - top);
    }
}

static vec2
sample_field (const float *field, int w, int h, vec2 q)
{
  float r[2];
  bilinear_at (field, w, h, 2, 2, q, r);
  return (vec2){ r[0], r[1] };
}

/* Where the AU field actually put source point p: the y with
 * y + F_au(y) = p. The kernel average moves the lips less than the
 * prescribed moves, so those are only the starting guess of a fixed-point
 * iteration (it converges: F_au is smooth and fold-free). */
static vec2
moved_position (const float *field_au, int w, int h, vec2 p, vec2 guess)
{
  vec2 y = guess;
  for (int it = 0; it < 6; it++)
    y = v_sub (p, sample_field (field_au, w, h, y));
  return y;
}

/* face-api's inner-lip landmarks on a toothy smile often sit on the teeth,
 * not on the lips, so sealing them would leave a band of teeth. The photo
 * says where the opening really is: along each column from the outer upper
 * to the outer lower lip, samples much less red than the lower lip's body
 * (teeth) or much darker (mouth interior) belong to the opening. The inner
 * landmarks move out to its extent; they never move in. */
/* im has >= 3 channels (checked by the caller). */
static void
sample_rgb (const mien_image *im, vec2 q, float rgb[3])
{
  bilinear_at (im->data, im->width, im->height, im->channels, 3, q, rgb);
}

static void
redness_and_luma (const float rgb[3], float *q, float *luma)
{
  float sum = rgb[0] + rgb[1] + rgb[2];
  *q = (rgb[0] - rgb[1]) / fmaxf (sum, 1e-3f);
  *luma = sum / 3.0f;
}

#define OPENING_REDNESS 0.45f /* teeth: redness below this share of the lip's */
#define OPENING_DARK 0.5f     /* interior: luma below this share of the lip's */

/* Columns: inner upper, inner lower, outer upper, outer lower. */
static const int opening_cols[3][4] = { { 61, 67, 50, 58 }, { 62, 66, 51, 57 },
                                        { 63, 65, 52, 56 } };

/* The lower lip's body colour (redness, luma), the reference that tells
 * teeth and mouth interior from lip. Returns 0 when the lips are the colour
 * of teeth or too dark to tell. */
static int
lip_reference (const mien_image *photo, const mien_point *lm, float *q_lip,
               float *l_lip)
{
  *q_lip = 0.0f, *l_lip = 0.0f;
  if (photo->channels < 3)
    return 0;
  for (int k = 0; k < 3; k++)
    {
      float rgb[3], q, l;
      sample_rgb (photo, v_mul (v_add (v_pt (lm[opening_cols[k][1]]),
                                       v_pt (lm[opening_cols[k][3]])), 0.5f), rgb);
      redness_and_luma (rgb, &q, &l);
      *q_lip += q / 3.0f, *l_lip += l / 3.0f;
    }
  return *q_lip >= 0.04f && *l_lip >= 0.05f;
}

static void
find_mouth_opening (const mien_image *photo, const mien_point *lm, vec2 inner[8])
{
  const int (*cols)[4] = opening_cols;
  float q_lip, l_lip;
  if (!lip_reference (photo, lm, &q_lip, &l_lip))
    return;
  for (int k = 0; k < 3; k++)
    {
      vec2 o1 = v_pt (lm[cols[k][2]]), o2 = v_pt (lm[cols[k][3]]);
      vec2 d = v_sub (o2, o1);
      float len = v_len (d);
      if (len < 1.0f)
        continue;
      int n = (int)ceilf (len * 4.0f);
      float first = -1.0f, last = -1.0f;
      for (int i = 1; i < n; i++)
        {
          float t = (float)i / (float)n, rgb[3], q, l;
          sample_rgb (photo, v_add (o1, v_mul (d, t)), rgb);
          redness_and_luma (rgb, &q, &l);
          if (q < OPENING_REDNESS * q_lip || l < OPENING_DARK * l_lip)
            {
              if (first < 0.0f)
                first = t;
              last = t;
            }
        }
      if (first < 0.0f)
        continue;
      /* Compare along the column: only ever widen the opening. */
      vec2 *up = &inner[cols[k][0] - MIEN_LM_INNER_LIPS.first];
      vec2 *low = &inner[cols[k][1] - MIEN_LM_INNER_LIPS.first];
      if (v_dot (v_sub (*up, o1), d) / (len * len) > first)
        *up = v_add (o1, v_mul (d, first));
      if (v_dot (v_sub (*low, o1), d) / (len * len) < last)
        *low = v_add (o1, v_mul (d, last));
    }
}

/* The inner lips' 5 knots, as indices into 60–67: the upper lip from the
 * right corner to the left, and the lower lip below each. */
static const int knot_upper[5] = { 0, 1, 2, 3, 4 }, knot_lower[5] = { 0, 7, 6, 5, 4 };

/* From the inner-lip landmarks 60–67 where the AU field left them.
 * Returns 0 for a degenerate mouth. */
static int
mouth_frame_init (mouth_frame *mf, const mien_image *photo,
                  const mien_point *lm, const rig_moves *m,
                  const float *field_au, int w, int h)
{
  vec2 p[8];
  const int in0 = MIEN_LM_INNER_LIPS.first;
  for (int i = 0; i < 8; i++)
    p[i] = v_pt (lm[in0 + i]);
  find_mouth_opening (photo, lm, p);
  memcpy (mf->photo_inner, p, sizeof mf->photo_inner);
  for (int i = 0; i < 8; i++)
    p[i] = moved_position (field_au, w, h, p[i], v_add (p[i], m->lm[in0 + i]));
  vec2 d = v_sub (p[4], p[0]);
  mf->half_width = 0.5f * v_len (d);
  if (!(mf->half_width > 0.5f))
    return 0;
  mf->centre = v_mul (v_add (p[0], p[4]), 0.5f);
  mf->eu = v_mul (d, 0.5f / mf->half_width);
  mf->ev = (vec2){ -mf->eu.y, mf->eu.x };
  float us[5], ls[5];
  for (int k = 0; k < 5; k++)
    {
      vec2 a = v_sub (p[knot_upper[k]], mf->centre);
      vec2 b = v_sub (p[knot_lower[k]], mf->centre);
      us[k] = v_dot (a, mf->eu) / mf->half_width;
      mf->lips.up[k] = v_dot (a, mf->ev);
      ls[k] = v_dot (b, mf->eu) / mf->half_width;
      mf->lips.low[k] = v_dot (b, mf->ev);
    }
  /* One set of knots for both lips: the mean column of each pair, kept
   * increasing (landmarks of a turned face can cross). */
  for (int k = 0; k < 5; k++)
    mf->lips.s[k] = 0.5f * (us[k] + ls[k]);
  mf->lips.s[0] = -1.0f, mf->lips.s[4] = 1.0f;
  for (int k = 1; k < 4; k++)
    mf->lips.s[k] = fminf (fmaxf (mf->lips.s[k], mf->lips.s[k - 1] + 0.01f), 1.0f - 0.01f * (4 - k));
  return 1;
}

/* What part_source makes up (mouth_frame's `part` and lip thickness):
 * per knot, how far the AU field left each inner lip short of its move
 * (m), but no more than the opening channels (AU25-27) ask the lips to
 * part: `shut` holds the moves without them. Other channels move the inner
 * lips too (a smile's corners), and the field falls short of those as
 * well; parting the lips for them opened every smile (face-api read
 * sample2/0's happy 0.91 -> 0.77). The upper lip rises by its least
 * shortfall along the mouth, all along it: the jaw's moves drag the
 * kernels' upper lip down most at the middle, and making that up column
 * by column peaked the opening's top there (the cupid's bow of the moves),
 * which hid the teeth row's flanks under the lip (test-teeth). */
static void
lip_shortfall (mouth_frame *mf, const mien_point *lm, const rig_moves *m,
               const rig_moves *shut)
{
  const int in0 = MIEN_LM_INNER_LIPS.first;
  memcpy (mf->part.s, mf->lips.s, sizeof mf->part.s);
  for (int k = 0; k < 5; k++)
    {
      int iu = in0 + knot_upper[k], il = in0 + knot_lower[k];
      vec2 wa = v_add (mf->photo_inner[knot_upper[k]], m->lm[iu]);
      vec2 wb = v_add (mf->photo_inner[knot_lower[k]], m->lm[il]);
      float du = mf->lips.up[k] - v_dot (v_sub (wa, mf->centre), mf->ev);
      float dl = v_dot (v_sub (wb, mf->centre), mf->ev) - mf->lips.low[k];
      float asked = v_dot (v_sub (v_sub (m->lm[il], m->lm[iu]),
                                  v_sub (shut->lm[il], shut->lm[iu])), mf->ev);
      du = fmaxf (du, 0.0f), dl = fmaxf (dl, 0.0f);
      float scale = du + dl > asked ? fmaxf (asked, 0.0f) / (du + dl) : 1.0f;
      if (k == 0 || k == 4) /* the corners: no lip, nothing to part */
        {
          mf->part.up[k] = mf->part.low[k] = mf->lip_up[k] = mf->lip_low[k] = 0.0f;
          continue;
        }
      mf->part.up[k] = scale * du, mf->part.low[k] = scale * dl;
      /* The outer lip above and below the knot (opening_cols' columns). */
      const int *col = opening_cols[k - 1];
      mf->lip_up[k] = fabsf (v_dot (v_sub (mf->photo_inner[knot_upper[k]],
                                           v_pt (lm[col[2]])), mf->ev));
      mf->lip_low[k] = fabsf (v_dot (v_sub (v_pt (lm[col[3]]),
                                            mf->photo_inner[knot_lower[k]]), mf->ev));
    }
  float least = fminf (fminf (mf->part.up[1], mf->part.up[2]), mf->part.up[3]);
  for (int k = 1; k < 4; k++)
    mf->part.up[k] = least;
}

/* Backward displacement along ev at row t of a column whose inner lips are
 * at yu < yl; top / bottom: extent of the sliding skin. */
static float
seal_source (float t, float yu, float yl, float top, float bottom, float closure)
{
  /* The closed gap keeps SEAL_GAP grid pixels: a true jump would snap the
   * seam to grid rows after bilinear up-sampling (a staircase); a one-pixel
   * ramp lets it follow the lips' curve. */
  float h = yl - yu, travel = closure * (h - SEAL_GAP);
  if (travel <= 0.0f || t <= top || t >= bottom)
    return 0.0f;
  float up_new = yu + (1.0f - SEAL_LOWER_SHARE) * travel;
  float lo_new = yl - SEAL_LOWER_SHARE * travel;
  float src;
  if (t < up_new)
    src = top + (t - top) * (yu - top) / (up_new - top);
  else if (t < lo_new)
    src = yu + (t - up_new) * h / (lo_new - up_new);
  else
    src = yl + (t - lo_new) * (bottom - yl) / (bottom - lo_new);
  return src - t;
}

/* How far the pressing AUs (AU23, AU17: rig_seal_press) close the lips;
 * an opening AU (AU25, AU26) wins. */
float
seal_closure (const side_au *mid)
{
  float press = -0.0f, open = 0.0f;
  for (int i = 0; i < rig_n_seal_press; i++)
    press += mid->au[rig_seal_press[i]];
  for (int i = 0; i < rig_n_seal_open; i++)
    open = fmaxf (open, mid->au[rig_seal_open[i]]);
  return fminf (press, 1.0f) * (1.0f - open);
}

/* Backward displacement along ev at mouth-frame column s (-1 … 1) and row
 * t; 0 leaves the AU field alone there. */
typedef float (*mouth_map_fn) (float s, float t, const mouth_frame *mf,
                               const void *user);

/* Composes a 1-D map along the mouth's vertical with the AU field, within
 * r grid px of the mouth's centre: F(x) = F_map(x) + F_au(x + F_map(x)),
 * F_au bilinear from tmp (a copy of `field` on entry). The composition of
 * two fold-free maps. */
static void
compose_mouth_map (mien_image *field, const float *tmp, const mouth_frame *mf,
                   float r, mouth_map_fn map, const void *user)
{
  int w = field->width, h = field->height;
  grid_box b = grid_box_around (mf->centre, r, w, h, 0);
  for (int y = b.y0; y <= b.y1; y++)
    for (int x = b.x0; x <= b.x1; x++)
      {
        vec2 d = v_sub ((vec2){ (float)x, (float)y }, mf->centre);
        float s = v_dot (d, mf->eu) / mf->half_width, t = v_dot (d, mf->ev);
        if (fabsf (s) >= 1.0f)
          continue;
        float dv = map (s, t, mf, user);
        if (dv == 0.0f)
          continue;
        vec2 shift = v_mul (mf->ev, dv);
        vec2 au = sample_field (tmp, w, h, v_add ((vec2){ (float)x, (float)y }, shift));
        float *out = field->data + 2 * ((size_t)y * (size_t)w + (size_t)x);
        out[0] = shift.x + au.x, out[1] = shift.y + au.y;
      }
}

typedef struct seal_params {
  float top, bottom, closure;
} seal_params;

static float
seal_map (float s, float t, const mouth_frame *mf, const void *user)
{
  const seal_params *p = user;
  float yu = profile_at (mf->lips.s, mf->lips.up, s);
  float yl = profile_at (mf->lips.s, mf->lips.low, s);
  return seal_source (t, yu, yl, yu - p->top, yl + p->bottom, p->closure);
}

/* Composes the seal into `field` (F_au on entry); tmp holds 2·w·h floats. */
void
compose_lip_seal (mien_image *field, float *tmp, const face_frame *f,
                  const mien_image *photo, const mien_point *lm, const rig_moves *m, float closure)
{
  mouth_frame mf;
  int w = field->width, h = field->height;
  if (closure <= 0.0f)
    return;
  memcpy (tmp, field->data, sizeof (float) * 2 * (size_t)w * (size_t)h);
  if (!mouth_frame_init (&mf, photo, lm, m, tmp, w, h))
    return;
  seal_params p = { SEAL_SKIN_ABOVE * f->iod, SEAL_SKIN_BELOW * f->iod, closure };
  compose_mouth_map (field, tmp, &mf, mf.half_width + p.bottom + 2.0f,
                     seal_map, &p);
}

/* A mouth that is open in the photo opens further (AU25, AU26) like a jaw:
 * the upper teeth ride with the upper lip and the lower teeth with the lower
 * lip, at their own size, and only the gap between them -- the photo's
 * darkest point in each column of the opening -- stretches; paint_mouth
 * shades it as the mouth interior. The kernel average alone stretched
 * everything between the lips, teeth included, into long streaks. Like the
 * seal it is a monotone 1-D map along the mouth's vertical, composed with
 * the AU field: F(x) = F_open(x) + F_au(x + F_open(x)). */

#define OPENING_GAP_SLOPE 0.3f /* source rows per output row in the gap */
#define OPENING_BLEND 1.0f      /* grid px of extra opening to fade in over */
#define OPENING_MIN 1.5f        /* grid px: a photo's mouth open less is closed */

/* Split knots: the corners and 7 columns between them, so that the split
 * follows the dark gap between the teeth rather than cutting across them
 * (a cut through teeth shows as streaks where the gap stretches). */
#define OPENING_KNOTS 9

typedef struct opening_profile {
  float s[OPENING_KNOTS];       /* mouth-frame columns, increasing */
  float len_up[OPENING_KNOTS];  /* photo's length upper lip -> split, grid px */
  float len_low[OPENING_KNOTS]; /* photo's length split -> lower lip */
} opening_profile;

/* Luma of the photo at q, averaged with its neighbours +-0.75 px along `along`
 * (the mouth's width): one dark pixel between two teeth is not the gap. */
static float
luma_along (const mien_image *photo, vec2 q, vec2 along)
{
  float sum = 0.0f;
  for (int i = -1; i <= 1; i++)
    {
      float rgb[3], red, l;
      sample_rgb (photo, v_add (q, v_mul (along, 0.75f * (float)i)), rgb);
      redness_and_luma (rgb, &red, &l);
      sum += l;
    }
  return sum;
}

/* Where the jaw parts on the photo's segment a -> b (upper inner lip to
 * lower): below the upper teeth, in the middle of what follows them (the
 * dark gap above the lower teeth, or the lower lip when only the upper
 * teeth show); without teeth, at the darkest point of the middle (the
 * closed lips' line, or an open interior). */
static vec2
find_split (const mien_image *photo, vec2 a, vec2 b, vec2 along, float q_lip,
            float l_lip)
{
  vec2 d = v_sub (b, a);
  int n = (int)ceilf (v_len (d) * 4.0f);
  if (n < 2)
    return v_mul (v_add (a, b), 0.5f);
  float best = 1e9f, best_t = 0.5f, after_teeth = -1.0f, gap_end = 1.0f;
  int seen_teeth = 0;
  for (int i = 1; i < n; i++)
    {
      float t = (float)i / (float)n, rgb[3], q, l;
      vec2 p = v_add (a, v_mul (d, t));
      sample_rgb (photo, p, rgb);
      redness_and_luma (rgb, &q, &l);
      int tooth = q < OPENING_REDNESS * q_lip && l >= OPENING_DARK * l_lip;
      if (tooth && after_teeth >= 0.0f && gap_end >= 1.0f)
        gap_end = t; /* the lower teeth */
      if (tooth)
        seen_teeth = 1;
      else if (seen_teeth && after_teeth < 0.0f)
        after_teeth = t; /* the end of the first run of teeth */
      /* The 128² photo blurs lip into the ends: look in the middle. */
      float lum = luma_along (photo, p, along);
      if (t >= 0.2f && t <= 0.8f && lum < best)
        best = lum, best_t = t;
    }
  /* The middle of the gap below the upper teeth: its residual is the
   * smoothest to stretch (the teeth's edges would stretch into streaks). */
  if (seen_teeth)
    return v_add (a, v_mul (d, after_teeth >= 0.0f ? 0.5f * (after_teeth + gap_end) : 1.0f));
  return v_add (a, v_mul (d, best_t));
}

/* Point at parameter u in [0, 4] on a 5-point polyline. */
static vec2
polyline_at (const vec2 p[5], float u)
{
  int k = (int)floorf (u);
  k = k < 0 ? 0 : k > 3 ? 3 : k;
  return v_add (p[k], v_mul (v_sub (p[k + 1], p[k]), u - (float)k));
}

/* The split is found in the photo, column by column along the inner lips
 * (as find_mouth_opening widened them for the mouth frame); its knots sit
 * at the mouth frame's columns interpolated like the lips' own. */
static void
opening_profile_init (opening_profile *op, const mouth_frame *mf,
                      const mien_image *photo, const mien_point *lm)
{
  const vec2 *src = mf->photo_inner;
  vec2 up[5], low[5];
  for (int k = 0; k < 5; k++)
    up[k] = src[knot_upper[k]], low[k] = src[knot_lower[k]];
  vec2 along = v_sub (src[4], src[0]);
  float len = v_len (along), q_lip, l_lip;
  along = len > 1e-3f ? v_mul (along, 1.0f / len) : (vec2){ 1.0f, 0.0f };
  if (!lip_reference (photo, lm, &q_lip, &l_lip))
    q_lip = -1.0f, l_lip = 0.0f; /* no teeth test: darkest point only */
  for (int k = 0; k < OPENING_KNOTS; k++)
    {
      float u = 4.0f * (float)k / (float)(OPENING_KNOTS - 1);
      int i = (int)floorf (u);
      i = i > 3 ? 3 : i;
      op->s[k] = mf->lips.s[i] + (u - (float)i) * (mf->lips.s[i + 1] - mf->lips.s[i]);
      vec2 a = polyline_at (up, u), b = polyline_at (low, u);
      vec2 split = (k == 0 || k == OPENING_KNOTS - 1)
                       ? v_mul (v_add (a, b), 0.5f)
                       : find_split (photo, a, b, along, q_lip, l_lip);
      op->len_up[k] = v_len (v_sub (split, a));
      op->len_low[k] = v_len (v_sub (b, split));
    }
}

/* How open the photo's mouth is in a column, 0 (closed: the lips meet) to
 * 1 (open by OPENING_MIN grid px more than a closed mouth's). */
static float
photo_openness (float lu, float ll)
{
  return fminf (fmaxf ((lu + ll - OPENING_MIN) / OPENING_MIN, 0.0f), 1.0f);
}

/* Backward displacement along ev at row t between the moved inner lips
 * a < b; lu, ll: the photo's lengths above and below the split (grid px).
 * The AU field is smooth across the opening, so the split moved to the same
 * fraction p of [a, b]. The upper part maps rigidly onto [a, p - gu], the
 * lower onto [p + gl, b] and the gap in between onto the thin band around
 * the split; continuous at a and b. Where the photo's mouth is barely open
 * (lu + ll of a pixel or two) it gives way to part_source (opening_map
 * blends the two): there is nothing to keep rigid, and the band would
 * squeeze the lips. */
static float
opening_source (float t, float a, float b, float lu, float ll)
{
  if (t <= a || t >= b || lu + ll <= 0.0f)
    return 0.0f;
  float p = a + (b - a) * lu / (lu + ll);
  lu = fmaxf (lu, 0.5f), ll = fmaxf (ll, 0.5f);
  float e = (b - a) - lu - ll; /* output rows of gap */
  if (e <= 0.0f)
    return 0.0f;
  float gu = fminf (0.5f * OPENING_GAP_SLOPE * e, 0.5f * (p - a));
  float gl = fminf (0.5f * OPENING_GAP_SLOPE * e, 0.5f * (b - p));
  float top = a + lu, bottom = b - ll, src;
  if (t < top)
    src = a + (t - a) * (p - gu - a) / lu;
  else if (t > bottom)
    src = b - (b - t) * (b - p - gl) / ll;
  else
    src = p - gu + (t - top) * (gu + gl) / e;
  /* Fade in over the first pixel of extra opening, so the map is continuous
   * as the sliders move. A blend of two monotone maps with the same ends
   * stays monotone. */
  return fminf (e / OPENING_BLEND, 1.0f) * (src - t);
}

/* Lips that meet in the photo part (AU25 alone, or the first pixels of a
 * jaw drop). The kernels cannot do it: the upper and lower inner-lip
 * landmarks sit on the same seam with opposite moves, and a smooth field
 * averages them away (AU25 at 5 parted sample6's lips by less than a grid
 * pixel, and nothing was painted). So where the field left the inner lips
 * short of where the moves put them (du above, dl below: mouth_frame's
 * `part`), a monotone map along the mouth's vertical makes up the
 * difference: each lip rides rigidly (its thickness the photo's, from the
 * outer-lip landmarks) by its shortfall, the skin beyond it (SEAL_SKIN_ABOVE /
 * BELOW iod, as the seal slides) is squeezed to make room, and the seam
 * between the lips stretches over the gap, where paint_mouth shades the
 * interior. Output breakpoints o[] map to source breakpoints i[]. */
#define PART_LIP_SHARE 0.6f /* at most this share of the slide is rigid lip */
#define PART_SQUEEZE 0.5f   /* the skin gives at most half its length */

static float
part_source (float t, float yu, float yl, float du, float dl, float skin_up,
             float skin_low, float lip_up, float lip_low)
{
  float top = yu - skin_up, bottom = yl + skin_low;
  if (t <= top || t >= bottom || (du <= 0.0f && dl <= 0.0f) || yl < yu)
    return 0.0f;
  lip_up = fminf (lip_up, PART_LIP_SHARE * skin_up);
  lip_low = fminf (lip_low, PART_LIP_SHARE * skin_low);
  du = fminf (du, PART_SQUEEZE * (skin_up - lip_up));
  dl = fminf (dl, PART_SQUEEZE * (skin_low - lip_low));
  const float i[6] = { top, yu - lip_up, yu, yl, yl + lip_low, bottom };
  const float o[6] = { top, yu - lip_up - du, yu - du, yl + dl,
                       yl + lip_low + dl, bottom };
  int k = 0;
  while (k < 4 && t > o[k + 1])
    k++;
  float span = o[k + 1] - o[k];
  float src = span > 1e-6f ? i[k] + (t - o[k]) * (i[k + 1] - i[k]) / span : i[k];
  return src - t;
}

typedef struct opening_params {
  const opening_profile *op;
  float strength, skin_up, skin_low;
  float closed; /* 1 - the photo's openness at its most open column */
} opening_params;

/* The photo's open mouth opens like a jaw (opening_source); lips it shows
 * closed all along part (part_source), and a mouth barely open blends the
 * two (a convex blend of monotone maps is monotone). A mouth that is open
 * somewhere keeps the jaw opening alone, also at its closed corners:
 * parting them there changed the shape of open mouths that were right
 * (face-api read sample1/2's surprised less surprised). */
static float
opening_map (float s, float t, const mouth_frame *mf, const void *user)
{
  const opening_params *p = user;
  const opening_profile *op = p->op;
  float a = profile_at (mf->lips.s, mf->lips.up, s);
  float b = profile_at (mf->lips.s, mf->lips.low, s);
  float lu = profile_at_n (op->s, op->len_up, OPENING_KNOTS, s);
  float ll = profile_at_n (op->s, op->len_low, OPENING_KNOTS, s);
  float open = photo_openness (lu, ll), d = 0.0f;
  if (open > 0.0f)
    d += open * opening_source (t, a, b, lu, ll);
  if (open < 1.0f && p->closed > 0.0f)
    {
      float du = profile_at (mf->part.s, mf->part.up, s);
      float dl = profile_at (mf->part.s, mf->part.low, s);
      d += fminf (1.0f - open, p->closed)
           * part_source (t, a, b, du, dl,
                          p->skin_up, p->skin_low,
                          profile_at (mf->lips.s, mf->lip_up, s),
                          profile_at (mf->lips.s, mf->lip_low, s));
    }
  return p->strength * d;
}

/* The jaw opening's gap is the field's most stretched spot. Where the
 * photo's lips are tracked badly (a tilted head) it can fold where the AU
 * field alone did not, and the fold guard would then weaken the whole
 * expression: its strength halves until the field's minimum Jacobian
 * stays above the AU field's own (or OPENING_MIN_DET). The mouth frame and
 * the split depend on F_au only, so they are found once. */
#define OPENING_MIN_DET 0.15f

/* Composes the opening into `field` (F_au on entry); tmp holds 2·w·h floats
 * and keeps F_au, which also restores the field between tries. */
void
compose_mouth_opening (mien_image *field, float *tmp, const face_frame *f,
                       const mien_image *photo, const mien_point *lm,
                       const rig_moves *m, const rig_moves *shut)
{
  mouth_frame mf;
  opening_profile op;
  int w = field->width, h = field->height;
  size_t bytes = sizeof (float) * 2 * (size_t)w * (size_t)h;
  memcpy (tmp, field->data, bytes);
  if (photo->channels < 3 || !mouth_frame_init (&mf, photo, lm, m, tmp, w, h))
    return;
  opening_profile_init (&op, &mf, photo, lm);
  lip_shortfall (&mf, lm, m, shut);
  float reach = 0.0f;
  for (int k = 0; k < 5; k++)
    reach = fmaxf (reach, fmaxf (fabsf (mf.lips.up[k]), fabsf (mf.lips.low[k])));
  float most_open = 0.0f;
  for (int k = 0; k < OPENING_KNOTS; k++)
    most_open = fmaxf (most_open, photo_openness (op.len_up[k], op.len_low[k]));
  float floor_det = fminf (mien_field_min_jacobian (field), OPENING_MIN_DET);
  for (float strength = 1.0f; strength > 0.1f; strength *= 0.5f)
    {
      opening_params p = { &op, strength, SEAL_SKIN_ABOVE * f->iod,
                           SEAL_SKIN_BELOW * f->iod, 1.0f - most_open };
      compose_mouth_map (field, tmp, &mf,
                         fmaxf (mf.half_width, reach + p.skin_low) + 2.0f,
                         opening_map, &p);
      if (mien_field_min_jacobian (field) >= floor_det)
        return;
      memcpy (field->data, tmp, bytes);
    }
}
