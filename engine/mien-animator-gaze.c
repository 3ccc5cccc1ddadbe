/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mien-animator-private.h"
#include "mien-headshot.h"
#include "mien-landmarks.h"

/* ---- Gaze that moves the irises (issue #25) ----
 *
 * The photo's irises are found once (mien_iris_find_fitted on the photo at
 * its own resolution, with the face's landmarks, from where the face
 * analyzer's iris model saw them when it ran: mien_face.eyes). A frame that asks for gaze
 * then runs the generator WITHOUT gaze, so the field does not also shift
 * the eye's interior, and moves
 * each found iris with mien_iris_move on the composed crop: the eye's
 * landmarks and the iris are carried to where the frame shows them (the
 * generator's field inverted, so an expression or a head turn moves them
 * first), in the frame's pixels. Where no iris was found in either eye the
 * generator keeps gaze (the rig's shift of the eye interior; nothing for
 * an eye shut in the photo), and the note says so; unless a reflection
 * (glasses) was what hid the iris in an eye: then gaze does nothing at
 * all, and the note says that.
 *
 * Why the field's gaze goes (tests/eval/test-gaze.c, the iris fitted again
 * on re-detected landmarks of the result, 42 eyes of the sample faces,
 * median move in fractions of the eye's width at gaze_h -1 / +1, asked
 * ∓0.25): the field's gaze alone -0.031 / +0.044 (the eye region shifts,
 * the iris in it hardly moves against the re-found lids), field and iris
 * together -0.138 / +0.131 (the iris is moved on a frame whose eye the
 * field already shifted, from landmarks that do not follow that shift),
 * the iris alone -0.219 / +0.182; within 10 % of the width in 158, 210 and
 * 230 of the 336 (eye, gaze) cases. */

static int
gaze_asked (const mien_driving *c)
{
  float h = c->values[MIEN_GAZE_H], v = c->values[MIEN_GAZE_V];
  return (isfinite (h) && h != 0.0f) || (isfinite (v) && v != 0.0f);
}

static const char *const side_name[2] = { "right", "left" };

/* How soft the photo is: the limbus's blur is its sharpest soft edge that
 * every face has and that no expression changes (mien_iris.limbus_blur: σ
 * of a Gaussian edge, 0.5 for a crisp one). Its part beyond a crisp edge's,
 * averaged over the eyes where an iris was found, scaled to the grid; 0
 * where none was found. */
static float
limbus_softness (const mien_animator *anim, const struct animator_gaze *g)
{
  float sum = 0.0f;
  int n = 0;
  for (int side = 0; side < 2; side++)
    if (g->iris[side].status == MIEN_IRIS_FOUND
        && isfinite (g->iris[side].limbus_blur))
      {
        float s = g->iris[side].limbus_blur;
        sum += sqrtf (fmaxf (s * s - 0.25f, 0.0f));
        n++;
      }
  if (n == 0 || anim->crop.width <= 0)
    return 0.0f;
  return sum / (float)n * (float)MIEN_LOW_RES / (float)anim->crop.width;
}

/* Finds the photo's irises on first use; NULL when out of memory. */
static struct animator_gaze *
gaze_state (mien_animator *anim)
{
  if (anim->gaze)
    return anim->gaze;
  struct animator_gaze *g = calloc (1, sizeof *g);
  if (!g)
    return NULL;
  mien_point lm[MIEN_N_LANDMARKS];
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    lm[i] = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES,
                                     anim->grid_landmarks[i]);
  for (int side = 0; side < 2; side++)
    {
      if (mien_iris_find_fitted (anim->photo, lm, side, &anim->eyes[side],
                                 &g->iris[side], NULL)
          != MIEN_OK)
        g->iris[side].status = MIEN_IRIS_NO_CONTRAST;
      g->n_found += g->iris[side].status == MIEN_IRIS_FOUND;
    }
  g->photo_blur = limbus_softness (anim, g);
  anim->gaze = g;
  return g;
}

float
mien_animator_photo_blur (mien_animator *anim)
{
  struct animator_gaze *g = gaze_state (anim);
  return g ? g->photo_blur : 0.0f;
}

/* The field (grid pixels, backward: out(x) = in(x + F(x))), bilinear at a
 * grid point, clamped to the grid. */
static void
field_at (const mien_image *f, float x, float y, float *dx, float *dy)
{
  float d[2];
  mien_image_sample_bilinear (f, x, y, d);
  *dx = d[0];
  *dy = d[1];
}

mien_point
mien_animator_forward_grid_point (const mien_image *field, mien_point p)
{
  mien_point x = p;
  for (int it = 0; it < 30; it++)
    {
      float fx, fy;
      field_at (field, x.x, x.y, &fx, &fy);
      float rx = x.x + fx - p.x, ry = x.y + fy - p.y;
      if (fabsf (rx) < 1e-4f && fabsf (ry) < 1e-4f)
        break;
      const float h = 0.25f;
      float ax, ay, bx, by;
      field_at (field, x.x + h, x.y, &ax, &ay);
      field_at (field, x.x, x.y + h, &bx, &by);
      float j00 = 1 + (ax - fx) / h, j10 = (ay - fy) / h;
      float j01 = (bx - fx) / h, j11 = 1 + (by - fy) / h;
      float det = j00 * j11 - j01 * j10;
      float sx = rx, sy = ry;
      if (det > 1e-3f)
        {
          sx = (j11 * rx - j01 * ry) / det;
          sy = (-j10 * rx + j00 * ry) / det;
        }
      float n = hypotf (sx, sy);
      if (n > 2.0f)
        sx *= 2.0f / n, sy *= 2.0f / n;
      x.x -= sx, x.y -= sy;
    }
  return x;
}

/* A photo point carried through the last frame's field, in the pixels of
 * an image `scale` times the crop's size. */
static mien_point
frame_point (const mien_animator *anim, mien_point photo_point, float scale)
{
  mien_point g = mien_headshot_to_grid (&anim->crop, MIEN_LOW_RES,
                                        photo_point);
  mien_point q = mien_headshot_from_grid (
      &anim->crop, MIEN_LOW_RES, mien_animator_forward_grid_point (anim->gen_out.field, g));
  return (mien_point){ (q.x - (float)anim->crop.x) * scale,
                       (q.y - (float)anim->crop.y) * scale };
}

mien_point
mien_animator_carry_point (const mien_animator *anim, mien_point photo_point)
{
  return frame_point (anim, photo_point, 1.0f);
}

/* No iris found, and a reflection (glasses) over at least one eye: gaze
 * does nothing at all. The rig's field gaze would shift the eye's interior
 * and drag the reflection, which sits on the lens, not on the eye, along
 * with it (tests/eval/test-gaze-bad-input.c, "glare"). */
static int
glare_blocks (const struct animator_gaze *g)
{
  return g->n_found == 0
         && (g->iris[0].status == MIEN_IRIS_GLARE
             || g->iris[1].status == MIEN_IRIS_GLARE);
}

/* The note for a frame that asked for gaze. */
static void
gaze_write_note (struct animator_gaze *g)
{
  g->note[0] = '\0';
  if (g->n_found == 2)
    return;
  int closed = 0;
  for (int s = 0; s < 2; s++)
    closed += g->iris[s].status == MIEN_IRIS_EYE_CLOSED;
  if (closed == 2)
    {
      snprintf (g->note, sizeof g->note,
                "gaze does nothing: both eyes are shut in the photo");
      return;
    }
  char why[160];
  int n = 0;
  why[0] = '\0';
  for (int s = 0; s < 2; s++)
    if (g->iris[s].status != MIEN_IRIS_FOUND)
      {
        size_t used = strlen (why);
        snprintf (why + used, sizeof why - used, "%sthe %s eye: %s",
                  n++ ? "; " : "", side_name[s],
                  mien_iris_status_to_string (g->iris[s].status));
      }
  if (g->n_found == 1)
    snprintf (g->note, sizeof g->note,
              "gaze moves one iris only (no iris found in %s)", why);
  else if (glare_blocks (g))
    snprintf (g->note, sizeof g->note,
              "gaze does nothing: a reflection (glasses?) covers the eye "
              "in the photo (%s)", why);
  else
    snprintf (g->note, sizeof g->note,
              "gaze found no iris (%s): the eye region moves instead, "
              "where the eye is open", why);
}

/* Moves the found irises in out (the crop at `scale` of its size; only
 * inside region r, which must hold the frame), after the frame asked for
 * gaze c was composed. An eye whose box reaches outside r is left (a
 * preview region cut through it: the full frame follows). */
mien_status
mien_animator_gaze_move (mien_animator *anim, mien_image *out, float scale,
                         mien_rect r, const mien_driving *c, mien_error *err)
{
  struct animator_gaze *g = anim->gaze;
  if (!g || g->n_found == 0)
    return MIEN_OK;
  g->touched = (mien_rect){ 0, 0, 0, 0 };
  float gh = c->values[MIEN_GAZE_H], gv = c->values[MIEN_GAZE_V];
  gh = isfinite (gh) ? fminf (fmaxf (gh, -1.0f), 1.0f) : 0.0f;
  gv = isfinite (gv) ? fminf (fmaxf (gv, -1.0f), 1.0f) : 0.0f;
  int tx0 = out->width, ty0 = out->height, tx1 = -1, ty1 = -1;
  for (int side = 0; side < 2; side++)
    {
      const mien_iris *src = &g->iris[side];
      if (src->status != MIEN_IRIS_FOUND)
        continue;
      int e0 = side ? 42 : 36;
      mien_point lm[MIEN_N_LANDMARKS];
      memset (lm, 0, sizeof lm);
      float x0 = 1e30f, y0 = 1e30f, x1 = -1e30f, y1 = -1e30f;
      for (int i = e0; i < e0 + 6; i++)
        {
          mien_point p = mien_headshot_from_grid (&anim->crop, MIEN_LOW_RES,
                                                  anim->grid_landmarks[i]);
          lm[i] = frame_point (anim, p, scale);
          x0 = fminf (x0, lm[i].x), x1 = fmaxf (x1, lm[i].x);
          y0 = fminf (y0, lm[i].y), y1 = fmaxf (y1, lm[i].y);
        }
      /* The iris as the frame shows it: its centre carried by the field,
       * its radius scaled as the eye's width. */
      mien_iris moved = *src;
      moved.centre = frame_point (anim, src->centre, scale);
      float w = hypotf (lm[e0 + 3].x - lm[e0].x, lm[e0 + 3].y - lm[e0].y);
      float k = src->eye_width > 0.0f ? w / src->eye_width : scale;
      moved.radius = src->radius * k;
      moved.pupil_radius = src->pupil_radius * k;
      moved.limbus_blur = src->limbus_blur * k;
      moved.eye_width = w;
      /* What mien_iris_move reads and writes: the eye's box grown by the
       * width (the disc, the move, the sclera beside it). */
      int bx0 = (int)floorf (x0 - w) - 2, by0 = (int)floorf (y0 - w) - 2;
      int bx1 = (int)ceilf (x1 + w) + 2, by1 = (int)ceilf (y1 + w) + 2;
      bx0 = bx0 < 0 ? 0 : bx0, by0 = by0 < 0 ? 0 : by0;
      bx1 = bx1 > out->width - 1 ? out->width - 1 : bx1;
      by1 = by1 > out->height - 1 ? out->height - 1 : by1;
      if (bx0 < r.x || by0 < r.y || bx1 >= r.x + r.width
          || by1 >= r.y + r.height)
        continue;
      int did = 0;
      mien_status st = mien_iris_move (out, lm, side, &moved, gh, gv, &did,
                                       err);
      if (st != MIEN_OK)
        return st;
      if (did)
        {
          tx0 = bx0 < tx0 ? bx0 : tx0, ty0 = by0 < ty0 ? by0 : ty0;
          tx1 = bx1 > tx1 ? bx1 : tx1, ty1 = by1 > ty1 ? by1 : ty1;
        }
    }
  if (tx1 >= tx0)
    g->touched = (mien_rect){ tx0, ty0, tx1 - tx0 + 1, ty1 - ty0 + 1 };
  return MIEN_OK;
}

const mien_driving *
mien_animator_gaze_begin (mien_animator *anim, const mien_driving *c,
                          mien_driving *buf, int *move_irises)
{
  *move_irises = 0;
  if (anim->gaze)
    anim->gaze->touched = (mien_rect){ 0, 0, 0, 0 };
  if (!gaze_asked (c))
    return c;
  struct animator_gaze *g = gaze_state (anim);
  if (!g)
    return c;
  gaze_write_note (g);
  if (g->n_found == 0 && !glare_blocks (g))
    return c;
  *buf = *c;
  buf->values[MIEN_GAZE_H] = buf->values[MIEN_GAZE_V] = 0.0f;
  *move_irises = g->n_found > 0;
  return buf;
}

const char *
mien_animator_get_gaze_note (const mien_animator *anim)
{
  return anim->gaze && anim->gaze->note[0] ? anim->gaze->note : NULL;
}

const mien_iris *
mien_animator_get_iris (mien_animator *anim, int side)
{
  struct animator_gaze *g = gaze_state (anim);
  return g && (side == 0 || side == 1) ? &g->iris[side] : NULL;
}

int
mien_animator_gaze_moves_irises (mien_animator *anim)
{
  struct animator_gaze *g = gaze_state (anim);
  return g && (g->n_found > 0 || glare_blocks (g));
}

int
mien_animator_camera_gaze (mien_animator *anim, float *gaze_h, float *gaze_v)
{
  *gaze_h = *gaze_v = 0.0f;
  struct animator_gaze *g = gaze_state (anim);
  return g ? mien_iris_camera_gaze (g->iris, gaze_h, gaze_v) : 0;
}

void
mien_animator_add_preset (mien_animator *anim, mien_driving *c,
                          mien_expression_preset preset, float intensity)
{
  if (preset != MIEN_PRESET_LOOK_AT_CAMERA)
    {
      mien_driving_add_preset (c, preset, intensity);
      return;
    }
  float h, v;
  if (mien_animator_camera_gaze (anim, &h, &v))
    {
      c->values[MIEN_GAZE_H] += h * intensity;
      c->values[MIEN_GAZE_V] += v * intensity;
    }
}

