/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The eyes: blink and wink (AU45), eyes closed (AU43), lid raise (AU5), lid tightening (AU7),
 * the lower lid's rise with the cheek (AU6), and gaze. It owns the eyes and
 * the lid skin around them; the kernel field holds the eye landmarks still
 * (rig-field.c) and this field is added to it.
 *
 * Per eye a monotone piecewise-linear vertical map in the eye's frame lets
 * the upper-lid skin slide down over the eye (blink) or up (AU5) and the
 * lower lid rise (AU6, AU7). Covered eye content is skipped, never
 * squashed, as the lid covers the eye in FACS's description of AU45; a
 * monotone 1-D map cannot fold. Gaze shifts the eye's interior inside an
 * ellipse. How far each AU moves each lid is rig-tables.c's rig_lid_pulls. */
#include "rig-private.h"

/* The lower lid rises at most this share of the opening. */
#define LOWER_LID_MAX_UP 0.45f
/* Skin that slides with the lids: above, this many lid heights and at
 * least UPPER_SKIN_MIN iod; below, LOWER_SKIN iod. */
#define UPPER_SKIN_PER_LID 2.2f
#define UPPER_SKIN_MIN 0.25f
#define LOWER_SKIN 0.22f
/* Gaze at ±1: 0.3 of the eye's half width sideways, 0.4 of the half
 * opening up or down (0.2 of the opening; more would squash the white of
 * the eye visibly). */
#define GAZE_SIDEWAYS 0.3f
#define GAZE_UP_DOWN 0.4f
/* An eye whose lid landmarks are less than this share of its width apart
 * is shut in the photo (mien-iris.h's MIEN_IRIS_MIN_OPENNESS; the core
 * cannot include engine/face): gaze leaves it alone. */
#define GAZE_MIN_OPENNESS 0.12f

/* Each lid's move from the table, summed in table order. */
static void
lid_shares (const side_au *a, float share[RIG_N_LIDS])
{
  for (int l = 0; l < RIG_N_LIDS; l++)
    share[l] = -0.0f;
  for (int i = 0; i < rig_n_lid_pulls; i++)
    share[rig_lid_pulls[i].lid] += rig_lid_pulls[i].share * a->au[rig_lid_pulls[i].au];
}

typedef struct eye_frame {
  vec2 centre, eu, ev; /* ev: down, perpendicular to the corner line */
  float half_width, up_peak, low_peak; /* lid heights above/below at s = 0 */
} eye_frame;

static void
eye_frame_init (eye_frame *e, const mien_point *lm, int side)
{
  /* Corners first: image left and right; then the lids' two points each,
   * image left to right (the eye's six points run clockwise from the
   * image-left corner). */
  int e0 = side ? MIEN_LM_LEFT_EYE.first : MIEN_LM_RIGHT_EYE.first;
  int c_left = e0, c_right = e0 + 3;
  int up[2] = { e0 + 1, e0 + 2 };
  int low[2] = { e0 + 5, e0 + 4 };
  vec2 a = v_pt (lm[c_left]), b = v_pt (lm[c_right]);
  e->centre = v_mul (v_add (a, b), 0.5f);
  vec2 d = v_sub (b, a);
  e->half_width = fmaxf (0.5f * v_len (d), 0.5f);
  e->eu = v_mul (d, 0.5f / e->half_width);
  e->ev = (vec2){ -e->eu.y, e->eu.x };
  float hu = 0, hl = 0;
  for (int k = 0; k < 2; k++)
    {
      hu += -v_dot (v_sub (v_pt (lm[up[k]]), e->centre), e->ev);
      hl += v_dot (v_sub (v_pt (lm[low[k]]), e->centre), e->ev);
    }
  /* The lid landmarks sit near s = ±1/3 on a parabola 1 - s². */
  e->up_peak = fmaxf (0.5f * hu / 0.89f, 0.2f);
  e->low_peak = fmaxf (0.5f * hl / 0.89f, 0.1f);
}

typedef struct lid_params {
  float closure;    /* AU45: 0 open … 1 upper lid meets the lower lid */
  float raise;      /* AU5: upper lid up, fraction of the opening */
  float lower_up;   /* AU6/AU7: lower lid up, fraction of the opening */
  float upper_down; /* AU7: upper lid down, fraction of the opening */
  float top, bottom; /* extent of the moving skin above / below, pixels */
} lid_params;

/* Backward vertical displacement at eye-frame row t for a column whose lids
 * are at yu < yl: a monotone piecewise-linear map, so it cannot fold. */
static float
lid_source (float t, float yu, float yl, const lid_params *p)
{
  float h = yl - yu;
  if (h <= 1e-4f)
    return 0.0f;
  float lo_new = yl - p->lower_up * h;
  float up_new = yu + (p->upper_down - p->raise) * h;
  up_new += p->closure * (lo_new - up_new);
  float top = yu - p->top, bottom = yl + p->bottom;
  /* A closing lid also hides a thin band at the lower margin: at 128² the
   * eye is a few pixels tall and bilinear sampling would let the iris's
   * last row show under the closed lid. */
  float yl_hidden = yl + fminf (p->closure * (0.3f * h + 0.6f), 0.5f * p->bottom);
  float src;
  if (t <= top || t >= bottom)
    return 0.0f;
  if (t < up_new)
    src = top + (t - top) * (yu - top) / (up_new - top);
  else if (t < lo_new)
    {
      float a = fmaxf (yu, up_new), b = fminf (yl, lo_new);
      src = a + (t - up_new) * (b - a) / (lo_new - up_new);
    }
  else
    src = yl_hidden + (t - lo_new) * (bottom - yl_hidden) / (bottom - lo_new);
  return src - t;
}

static void
add_eyelid_field (mien_image *field, const eye_frame *e, const lid_params *p,
                  const vec2 gaze)
{
  float ext = e->half_width + 1.0f, vext = e->up_peak + p->top + 1.0f;
  float vext2 = e->low_peak + p->bottom + 1.0f;
  float r = ext + vext + vext2;
  grid_box b = grid_box_around (e->centre, r, field->width, field->height, 0);
  for (int y = b.y0; y <= b.y1; y++)
    for (int x = b.x0; x <= b.x1; x++)
      {
        vec2 d = v_sub ((vec2){ (float)x, (float)y }, e->centre);
        float s = v_dot (d, e->eu) / e->half_width, t = v_dot (d, e->ev);
        if (fabsf (s) >= 1.0f)
          continue;
        float prof = 1.0f - s * s;
        float yu = -e->up_peak * prof, yl = e->low_peak * prof;
        float dv = lid_source (t, yu, yl, p);
        /* Gaze: the eye's interior slides inside an ellipse. */
        float tc = 0.5f * (yu + yl), hv = 0.5f * (e->up_peak + e->low_peak);
        float rho2 = s * s + (t - tc) * (t - tc) / (hv * hv);
        float g = rho2 < 1.0f ? (1.0f - rho2) * (1.0f - rho2) : 0.0f;
        float du = -gaze.x * e->half_width * g;
        dv += -gaze.y * hv * g;
        float *f = field->data + 2 * ((size_t)y * (size_t)field->width + (size_t)x);
        f[0] += du * e->eu.x + dv * e->ev.x;
        f[1] += du * e->eu.y + dv * e->ev.y;
      }
}

/* Mean distance of the upper and lower lid landmarks over the eye's
 * width. */
static float
eye_openness (const mien_point *lm, int side)
{
  int e0 = side ? MIEN_LM_LEFT_EYE.first : MIEN_LM_RIGHT_EYE.first;
  vec2 a = v_pt (lm[e0]), b = v_pt (lm[e0 + 3]);
  float w = v_len (v_sub (b, a));
  float h = 0.5f * (v_len (v_sub (v_pt (lm[e0 + 1]), v_pt (lm[e0 + 5])))
                    + v_len (v_sub (v_pt (lm[e0 + 2]), v_pt (lm[e0 + 4]))));
  return w > 0.0f ? h / w : 0.0f;
}

int
add_eyelids (mien_image *field, const face_frame *f, const mien_point *lm,
             const side_au sides[2], const mien_driving *c)
{
  float gh = c->values[MIEN_GAZE_H], gv = c->values[MIEN_GAZE_V];
  gh = isfinite (gh) ? fmaxf (-1.0f, fminf (1.0f, gh)) : 0.0f;
  gv = isfinite (gv) ? fmaxf (-1.0f, fminf (1.0f, gv)) : 0.0f;
  int shut = 0;
  for (int s = 0; s < 2; s++)
    {
      eye_frame e;
      eye_frame_init (&e, lm, s);
      float share[RIG_N_LIDS];
      lid_shares (&sides[s], share);
      lid_params p = {
        /* AU43 and AU45 together still close the lid once: past 1 the
         * upper lid would slide below the lower one. */
        .closure = fminf (share[RIG_LID_CLOSURE], 1.0f),
        .raise = share[RIG_LID_RAISE],
        .lower_up = fminf (share[RIG_LID_LOWER_UP], LOWER_LID_MAX_UP),
        .upper_down = share[RIG_LID_UPPER_DOWN],
        .top = fmaxf (UPPER_SKIN_PER_LID * e.up_peak, UPPER_SKIN_MIN * f->iod),
        .bottom = LOWER_SKIN * f->iod,
      };
      vec2 gaze = { GAZE_SIDEWAYS * gh, GAZE_UP_DOWN * gv };
      if ((gh != 0.0f || gv != 0.0f) && eye_openness (lm, s) < GAZE_MIN_OPENNESS)
        {
          gaze = (vec2){ 0.0f, 0.0f };
          shut++;
        }
      add_eyelid_field (field, &e, &p, gaze);
    }
  return shut;
}
