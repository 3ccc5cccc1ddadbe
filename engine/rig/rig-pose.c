/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Head pose (issue #24): it owns the whole head as one rigid body (face,
 * forehead, hair, ears) and the top of the neck, and the head's region,
 * outside of which no channel moves a pixel.
 *
 * What it follows:
 * - The depth proxy is a generic 3-D face shape (rig_face_shape in
 *   rig-tables.c, 68 points in iod) fitted to the photo's landmarks under
 *   weak perspective (scaled orthographic projection: x = s·(R X)_xy + t),
 *   by Levenberg–Marquardt on the reprojection error, as a POSIT-style PnP
 *   (rig-pose-fit.c).
 * - Between and beyond the landmarks the depth is an ellipsoid of the head
 *   (HEAD_* below, in the shape's frame) plus the face's relief: the
 *   landmarks' depth minus the ellipsoid's, spread by a normalized Wendland
 *   kernel average that falls to 0 away from the face (as in rig-field.c).
 * - The turn: each grid node's 3-D point P (its pixel position and that
 *   depth) rotates about a pivot near the top of the spine (PIVOT_*) by
 *   R0·R_req·R0ᵀ (R0 the fitted head frame, so yaw turns the head about its
 *   own vertical axis even on a tilted photo; R_req = Rz(roll) Rx(pitch)
 *   Ry(yaw), signs as mien-au.h says). The forward motion is the weak
 *   perspective projection of the rotated point minus the node, times a
 *   weight that is 1 on the head and falls to 0 before the ellipsoid's
 *   outline and over the top of the neck. Where the far side of a turn
 *   would fold (a real head hides its far cheek there) the motion is
 *   smoothed locally. The backward field ATW wants (out(x) = in(x + F(x)))
 *   is the inverse of that map, found per node by Newton's method.
 * - The region: where the face comes with a person matte (MediaPipe's
 *   selfie segmentation about the head, mien_head_matte), the matte's
 *   person near the fitted head (MATTE_* below); otherwise the ellipsoid's
 *   outline (its silhouette under the fitted projection) grown by
 *   REGION_GROW. Computed once per photo (cached on the input, the
 *   landmarks, the neighbours and the matte). The bound is the region
 *   (with the matte: and the jaw's room and a margin in which the fields
 *   fade out); the pose field is exactly 0 outside it, and so is every
 *   expression's: rig-generator.c multiplies the expression's field by a
 *   mask that is 0 within AU_EDGE_CELLS of the bound's edge
 *   (rig_head_bound), so the background beyond the bound plus a margin is
 *   the photo bit for bit after ResWarp (the animator keeps the photo's
 *   pixels away from changed cells). A colour-refined region (k-means
 *   colours of head and background seeded by the landmarks) was tried and
 *   dropped: its ragged hair edge made roll ±20 fold (the turn shrank to
 *   0.41); the matte's edge is smooth (a 256² sigmoid, bilinear).
 *
 * By default the outline stays where the photo has it (the weight is 0
 * there) and the band inside it (hair, ears, the far cheek) is stretched or
 * squeezed to take up the turn. With MIEN_POSE_LAYERED=1 (pose_layered,
 * opt-in) the head turns as a layer: everything on the grid turns as if it
 * were head (only the neck and the crop's edge fade it), the field is kept
 * where the turned region shows and ramps to 0 beyond (layer_field), and
 * the animator lays the head over the photo and fills what it uncovered
 * from the background (mien-animator-head.c; docs/QUALITY.md, "The head
 * turned as a layer"). The fold guard applies to the pose field and to the
 * sum either way. */
#include "rig-private.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mien-field.h"
#include "mien-rig.h"
#include "mien-warp.h"

/* The head's ellipsoid in the face shape's frame (iod; origin between the
 * eye centres, x to the image's right, y down, z towards the camera): the
 * cranium is about 2.4 iod wide, 3 deep and 4.5 high with the chin, its
 * front near the eyes' plane. */
#define HEAD_CX 0.0f
#define HEAD_CY 0.25f
#define HEAD_CZ (-1.35f)
#define HEAD_RX 1.45f
#define HEAD_RY 2.4f
#define HEAD_RZ 1.5f
/* The pivot: the top of the spine (the atlas), below and behind the eyes. */
#define PIVOT_Y 1.0f
#define PIVOT_Z (-1.3f)
/* The weight is 1 inside this fraction of the outline's radius. */
#define WEIGHT_INNER 0.5f
#define EDGE_CELLS 2.5f
/* The roll and pitch the rig applies for one asked (degrees). The weight falls to
 * 0 before the ellipsoid's outline, so the jaw line and the chin turn less
 * than the eyes and the nose, and the head pose found again from the
 * result's 68 landmarks (scripts/pose-accuracy.py) read 0.78 of the asked
 * roll (median up to ±15 over the 22 faces). So the head's rigid part
 * turns by TURN_GAIN of the request near 0, tapering to TURN_GAIN_END at
 * ±TURN_RANGE: 20·(g·x − (g − g_end)·x⁵·|x|), x = roll / 20, so 5° turns
 * 6.0°, 10° 11.9°, 15° 17.3° and 20° still 20°. Session 16, roll ±5 to ±20
 * on every sample face (docs/QUALITY.md, "Head pose"):
 * - no gain: 92 of 130 cases within 3° up to ±15, monotone on 19 of 20
 *   face-axes;
 * - a plain 1.2: 120 of 130, but ±24° at ±20, where the fold guard shrank
 *   12 of test-rig-fields' 46 roll fields (1 before) and the reading at
 *   ±20 fell below the one at ±15 (monotone on 11 of 19);
 * - this taper: 117 of 130, monotone on 16 of 20 (the ±20 results are the
 *   same as without a gain; ±15 now reads above them on three faces);
 * - the taper ending at 1.1: 119 of 130, monotone on 12 of 18, 4 fields
 *   shrunk.
 * Yaw needs no gain (1.01 of the request).
 * Pitch read 0.73 of the request (median), from 0.33 to 1.14 of it
 * depending on the face, so no single gain fits every face; the same
 * taper turns it too (session 32, pitch ±5 to ±20 on every face of the 7
 * sample photos, scripts/pose-accuracy.py --axes pitch, one build with
 * the gain read from the environment; cases within 3° up to ±15,
 * monotone face-axes, identity ≥ 0.9):
 * - no gain: 80 of 131, 16 of 20, 171 of 173;
 * - this taper (1.2 → 1.0): 90 of 131, 13 of 20, 171 of 173;
 * - 1.25 → 1.0: 88 of 130, 13 of 19, 170 of 172; 1.3 → 1.0: 92 of 130,
 *   12 of 19, 168 of 172;
 * - ending higher, 1.2 → 1.1: 90 of 129, 13 of 18, 165 of 169;
 *   1.3 → 1.15: 91 of 129, 10 of 16, 161 of 167 (fewer found again).
 * As for roll, the faces that lose monotony read ±15 a little above ±20
 * (the taper turns ±15 by 17.3 and ±20 by 20). */
#define TURN_GAIN 1.2f

#define TURN_GAIN_END 1.0f
#define TURN_RANGE 20.0f

/* The turn the rig applies for one asked (degrees), tapered. */
static float
turn_applied (float asked)
{
  float x = asked / TURN_RANGE;
  if (!(fabsf (x) <= 1.0f))
    return asked; /* beyond the range (a driven turn): as asked */
  return TURN_RANGE * (TURN_GAIN * x
                       - (TURN_GAIN - TURN_GAIN_END) * x * x * x * x * x
                             * fabsf (x));
}
/* The layered head (pose_layered): on by default or not, the relief's
 * reach beyond the region (cells), and the ramp of the field beyond where
 * the turned head shows (layer_field). */
#define POSE_LAYERED_DEFAULT 0
#define LAYER_RELIEF_REACH 3.0f
#define LAYER_RAMP_GAIN 1.25f
#define LAYER_RAMP_CELLS 3.0f
#define LAYER_BORDER_CELLS 4.0f
#define LAYER_HOLD 0.35f
#define LAYER_NECK_FALLOFF 1.2f
#define LAYER_HOLD_RADIUS 8.0f
/* The photo's yaw and the turn together stay within this (degrees). */
#define PROFILE_MAX_DEG 45.0f
/* The region is the ellipse's outline grown by a fifth: the ellipse itself
 * cut the expressions' own fields at a turned face's far temple (AU2 lost
 * up to 19 % on 5 of 23 faces and sample1/2's surprise no longer read as
 * surprise to face-api). The pose's weight is 0 before the ellipse. */
#define REGION_GROW 1.2f
/* With the person matte (mien_head_matte: MediaPipe's selfie segmentation,
 * mien-face-head.c) the region is the matte's person (≥ MATTE_PERSON)
 * within the ellipse grown by MATTE_GROW above the nose, narrowing to
 * MATTE_GROW_CHIN at the chin, the face's own outline always in, the
 * neighbours cut, and only the part joined to the nose tip kept. The wider
 * ellipse takes in the hair the plain region left out (a tall crown, long
 * hair beside the face); the matte takes out the background the ellipse
 * took in beside a narrow or turned face; the narrowing leaves out the
 * shoulders and raised arms beside the neck. On the 11 traced head masks
 * (tests/rig/test-head-region) the mean IoU cut at the chin is 0.806
 * against the plain region's 0.710; a grow of 1.4 everywhere missed the
 * hair beside sample1 2's and sample4 1's faces (0.888, 0.817), and no
 * narrowing took in sample4 1's raised arm (0.849 against 0.896). */
#define MATTE_GROW 1.6f
#define MATTE_GROW_CHIN 1.25f
#define MATTE_GROW_FROM 0.5f /* the narrowing starts here (shape y, iod) */
#define MATTE_PERSON 0.5f
/* The bound the fields fade out in (head_maps): the region, the face's
 * outline grown by MATTE_FACE_GROW (the room a dropped jaw moves into) and
 * MATTE_MARGIN cells around both. Measured with test-rig-fields on the 23
 * fixture faces with their mattes: without the margin and the room the fold
 * guard shrank a jaw drop (AU26 = 5) to 0.33–0.56 on 6 faces; a margin of
 * 3 cells still shrank sample1 face 0's to 0.45 (4 cells: 0.94); the room
 * as the jaw line's hull alone (grown 1.25) shrank it to 0.76 and sample5
 * face 2's to 0.52. With these values the guard acts on the same 169 of 1702
 * fields as with the plain region, by the same amounts but for the
 * all-channels-at-maximum extremes. */
#define MATTE_FACE_GROW 1.25f
#define MATTE_MARGIN 6.0f
/* The expression's mask rises from 0 AU_EDGE_CELLS inside the region's
 * edge to 1 AU_BAND cells further in. More than EDGE_CELLS: the animator
 * keeps the photo's pixels only beyond 3 cells of a changed cell in both
 * axes (mien-animator.c), which reaches 3·√2 cells on a diagonal. */
#define AU_EDGE_CELLS 4.5f
#define AU_BAND 3.0f
/* The neck: full motion down to the chin, none FALLOFF iod below it. */
#define NECK_FALLOFF 0.6f
/* Relief kernel radius, iod, and its background weight. */
#define RELIEF_RADIUS 0.6f
#define RELIEF_BACKGROUND 0.05f
#define INVERT_ITERATIONS 40
/* Where the forward map's Jacobian determinant falls below this (the far
 * side of a turn, where a real head hides its cheek), the motion is
 * smoothed locally until it does not; at most RELIEF_PASSES passes. */
#define FOLD_RELIEF_DET 0.3f
#define RELIEF_PASSES 150

typedef struct head_fit {
  float R[9]; /* shape frame → camera, row-major */
  float s;    /* grid pixels per iod */
  float t[2];
} head_fit;

struct rig_head {
  int w, h;
  mien_point lm[MIEN_N_LANDMARKS];
  uint64_t input_hash;
  int valid;
  head_fit fit;
  float *depth;  /* camera z of each node, grid pixels */
  float *weight; /* the pose weight, 0 … 1 */
  float *region; /* 1 inside the head's region, 0 outside */
  float *bound;  /* the region and a margin: no field reaches past it */
  float *dist;   /* distance to the bound's edge inside it, grid pixels */
  float *au_mask; /* what the expression's field is multiplied by */
  float *motion; /* forward motion, 2 per node */
  /* The layered head (pose_layered): the turn's weight without the fall-off
   * before the outline (only the neck's), and the nodes near the region
   * (within LAYER_RELIEF_REACH cells) where the relief looks for folds. */
  float *layer_weight;
  float *frame_weight; /* this frame's: with the hold at the grid's edge */
  float *others; /* 1 on the neighbours' faces outside this one's
                  * (rig_mark_other_faces), which a layered head never
                  * covers; all 0 without neighbours */
  unsigned char *near_region;
  int layered_frame; /* the last rig_pose_apply laid the head as a layer */
  float *scratch; /* 2 per node */
  unsigned char *mark;
  int relief_passes;
  /* Other faces near this one (grid landmarks): their faces and foreheads
   * are cut out of the region, so the turn and the expressions leave a
   * neighbour's head where it is (a group photo's overlapping heads). */
  mien_point neighbours[MIEN_GENERATOR_MAX_NEIGHBOURS][MIEN_N_LANDMARKS];
  int n_neighbours;
  /* The person matte on the grid (w·h; NULL for none), rig_head_set_matte. */
  float *matte;
  int matte_w, matte_h;
  float pose_scale; /* < 1 when the relief had to shrink the turn */
  float photo_yaw, yaw_used; /* degrees: the photo's own yaw, the turn's */
  mien_image *pose, *au, *delta, *moved;
  /* The mouth interior's record, premultiplied, and moved (4 channels). */
  mien_image *interior, *interior_moved;
};

/* ---- the head: depth, weight, region ------------------------------------ */

static uint64_t
hash_image (const mien_image *im)
{
  uint64_t h = 1469598103934665603ull;
  const unsigned char *b = (const unsigned char *)im->data;
  size_t n = sizeof (float) * mien_image_n_floats (im);
  for (size_t i = 0; i < n; i++)
    h = (h ^ b[i]) * 1099511628211ull;
  return h ^ (uint64_t)im->width * 31u ^ (uint64_t)im->height;
}

/* The ray through grid node (gx, gy) against the ellipsoid: rho2 the
 * outline's normalized radius squared (< 1 inside), z the camera depth of
 * the front surface (of the closest approach outside), y_shape the hit's
 * height in the shape's frame. */
static void
ellipsoid_ray (const head_fit *f, float gx, float gy, float *rho2, float *z,
               float *y_shape)
{
  const float C[3] = { HEAD_CX, HEAD_CY, HEAD_CZ };
  const float r[3] = { HEAD_RX, HEAD_RY, HEAD_RZ };
  float cam[3] = { (gx - f->t[0]) / f->s, (gy - f->t[1]) / f->s, 0.0f };
  float Rt[9], A[3];
  mat_transpose (f->R, Rt);
  mat_apply (Rt, cam, A);
  const float dir[3] = { f->R[6], f->R[7], f->R[8] }; /* Rᵀ e_z */
  float a = 0, b = 0, c = -1;
  for (int k = 0; k < 3; k++)
    {
      float inv = 1.0f / (r[k] * r[k]), e = A[k] - C[k];
      a += dir[k] * dir[k] * inv;
      b += 2.0f * dir[k] * e * inv;
      c += e * e * inv;
    }
  float mu0 = -b / (2.0f * a);
  float q = c + 1.0f - b * b / (4.0f * a); /* the form at closest approach */
  float mu = mu0 + sqrtf (fmaxf (0.0f, 1.0f - q) / a);
  *rho2 = q;
  *z = f->s * mu;
  *y_shape = A[1] + mu * dir[1];
}

static inline float
smoothstep01 (float t)
{
  t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
  return t * t * (3.0f - 2.0f * t);
}

static inline float
wendland2 (float r2)
{
  if (r2 >= 1.0f)
    return 0.0f;
  float r = sqrtf (r2), t = 1.0f - r, t2 = t * t;
  return t2 * t2 * (4.0f * r + 1.0f);
}

/* Chamfer (3-4) distance from each region node to the nearest node outside
 * it, in grid pixels (0 outside); the grid's border counts as outside when
 * border_is_edge. */
static void
distance_to_edge (const float *region, float *d, int w, int h,
                  int border_is_edge)
{
  const float big = 1e9f;
  for (size_t p = 0; p < (size_t)w * (size_t)h; p++)
    d[p] = region[p] > 0.0f ? big : 0.0f;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        float *v = d + (size_t)y * (size_t)w + (size_t)x;
        if (border_is_edge && (x == 0 || y == 0 || x == w - 1))
          *v = fminf (*v, 1.0f);
        if (x > 0)
          *v = fminf (*v, v[-1] + 1.0f);
        if (y > 0)
          {
            *v = fminf (*v, v[-w] + 1.0f);
            if (x > 0)
              *v = fminf (*v, v[-w - 1] + 1.4142f);
            if (x < w - 1)
              *v = fminf (*v, v[-w + 1] + 1.4142f);
          }
      }
  for (int y = h - 1; y >= 0; y--)
    for (int x = w - 1; x >= 0; x--)
      {
        float *v = d + (size_t)y * (size_t)w + (size_t)x;
        if (border_is_edge && (y == h - 1 || x == w - 1))
          *v = fminf (*v, 1.0f);
        if (x < w - 1)
          *v = fminf (*v, v[1] + 1.0f);
        if (y < h - 1)
          {
            *v = fminf (*v, v[w] + 1.0f);
            if (x < w - 1)
              *v = fminf (*v, v[w + 1] + 1.4142f);
            if (x > 0)
              *v = fminf (*v, v[w - 1] + 1.4142f);
          }
      }
}

static void
head_maps (rig_head *hd, const mien_point *lm)
{
  const head_fit *f = &hd->fit;
  int w = hd->w, h = hd->h;
  const float *matte = hd->matte && hd->matte_w == w && hd->matte_h == h
                           ? hd->matte
                           : NULL;
  /* The landmarks' depth under the fit, against the ellipsoid's. */
  float relief[MIEN_N_LANDMARKS];
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    {
      float x[3], rho2, ze, ys;
      mat_apply (f->R, rig_face_shape[i], x);
      ellipsoid_ray (f, lm[i].x, lm[i].y, &rho2, &ze, &ys);
      relief[i] = f->s * x[2] - ze;
    }
  float kr = RELIEF_RADIUS * f->s, inv_kr2 = 1.0f / (kr * kr);
  /* The weight reaches 0 EDGE_CELLS inside the outline (in units of the
   * outline's normalized radius, by its smaller semi-axis: a lower bound of
   * the distance), so what ResWarp spreads around moving nodes (bilinear
   * up-sampling, and one pixel per pyramid level in multiscale) stays
   * inside the region. */
  float edge = EDGE_CELLS / (fminf (HEAD_RX, HEAD_RY) * f->s);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        size_t p = (size_t)y * (size_t)w + (size_t)x;
        float rho2, ze, ys;
        ellipsoid_ray (f, (float)x, (float)y, &rho2, &ze, &ys);
        float num = 0.0f, den = RELIEF_BACKGROUND;
        for (int i = 0; i < MIEN_N_LANDMARKS; i++)
          {
            float dx = (float)x - lm[i].x, dy = (float)y - lm[i].y;
            float k = wendland2 ((dx * dx + dy * dy) * inv_kr2);
            num += k * relief[i], den += k;
          }
        hd->depth[p] = ze + num / den;
        float rho = sqrtf (fmaxf (rho2, 0.0f));
        hd->region[p] = rho < REGION_GROW ? 1.0f : 0.0f;
        if (matte)
          {
            float chin_y = rig_face_shape[MIEN_LM_CHIN][1];
            float t = (ys - MATTE_GROW_FROM) / (chin_y - MATTE_GROW_FROM);
            t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
            float grow = MATTE_GROW + t * (MATTE_GROW_CHIN - MATTE_GROW);
            hd->region[p] = rho < grow && matte[p] >= MATTE_PERSON ? 1.0f
                                                                   : 0.0f;
          }
        float wt = smoothstep01 ((1.0f - rho - edge)
                                 / (1.0f - WEIGHT_INNER - edge));
        float chin = rig_face_shape[MIEN_LM_CHIN][1];
        float neck = smoothstep01 ((chin + NECK_FALLOFF - ys) / NECK_FALLOFF);
        hd->weight[p] = wt * neck;
        /* The layered head's neck falls off over a longer band: its
         * sides turn with the head (the weight is not 0 at the outline),
         * and a 20° roll moves them up or down by about 0.5 iod, which
         * over a 0.6 iod band is a slope near 1 (estimated, not measured
         * against 0.6 with the rest of the layered turn as it is now). */
        neck = smoothstep01 ((chin + LAYER_NECK_FALLOFF - ys)
                             / LAYER_NECK_FALLOFF);
        hd->layer_weight[p] = neck;
      }
  if (matte)
    rig_add_own_face (hd->region, w, h, lm, 1.0f);
  int cut = hd->n_neighbours > 0
                ? rig_cut_neighbours (hd->region, w, h, lm, hd->neighbours,
                                      hd->n_neighbours)
                : 0;
  size_t n = (size_t)w * (size_t)h;
  if (matte)
    {
      rig_keep_component (hd->region, w, h,
                          (int)lroundf (lm[MIEN_LM_NOSE_TIP].x),
                          (int)lroundf (lm[MIEN_LM_NOSE_TIP].y));
      /* The bound. The region hugs the head's outline, so the band where
       * the fields fade out (AU_EDGE_CELLS + AU_BAND) would lie on the jaw
       * and the cheeks and squeeze them (the fold guard shrank a jaw drop
       * to 0.33–0.56 on 6 of 23 faces). So the bound adds the room a
       * dropped jaw moves into (the face's outline grown by
       * MATTE_FACE_GROW) and a margin of MATTE_MARGIN cells around the
       * head, in which the fields fade out: the field is 0 from
       * MATTE_MARGIN − AU_EDGE_CELLS cells beyond the region. The turn
       * fades before the bound's edge as the expressions do (the weight,
       * below). */
      memcpy (hd->bound, hd->region, sizeof (float) * n);
      rig_add_own_face (hd->bound, w, h, lm, MATTE_FACE_GROW);
      for (size_t p = 0; p < n; p++)
        hd->scratch[p] = hd->bound[p] > 0.0f ? 0.0f : 1.0f;
      distance_to_edge (hd->scratch, hd->dist, w, h, 0); /* to the head */
      for (size_t p = 0; p < n; p++)
        hd->bound[p] = hd->bound[p] > 0.0f || hd->dist[p] <= MATTE_MARGIN
                           ? 1.0f
                           : 0.0f;
      if (hd->n_neighbours > 0)
        rig_cut_neighbours (hd->bound, w, h, lm, hd->neighbours,
                            hd->n_neighbours);
      cut = 1;
    }
  else
    memcpy (hd->bound, hd->region, sizeof (float) * n);
  distance_to_edge (hd->bound, hd->dist, w, h, 1);
  for (size_t p = 0; p < (size_t)w * (size_t)h; p++)
    hd->au_mask[p] = smoothstep01 ((hd->dist[p] - AU_EDGE_CELLS) / AU_BAND);
  /* Where a neighbour or the matte cut the region, the turn fades out
   * before the bound's edge as the expressions do (elsewhere the
   * ellipse's own fall-off is well inside the region, and this leaves the
   * weight as it was). */
  if (cut > 0)
    for (size_t p = 0; p < (size_t)w * (size_t)h; p++)
      hd->weight[p] *= hd->au_mask[p];
  /* The neighbours' faces, which a layered head leaves in front of it. */
  rig_mark_other_faces (hd->others, w, h, lm, hd->neighbours,
                        hd->n_neighbours);
  /* The nodes near the region, where the layered head's relief looks for
   * folds (beyond them the field only hides under the photo). */
  for (size_t p = 0; p < n; p++)
    hd->scratch[p] = hd->region[p] > 0.0f ? 0.0f : 1.0f;
  distance_to_edge (hd->scratch, hd->dist, w, h, 0);
  for (size_t p = 0; p < n; p++)
    hd->near_region[p] = hd->dist[p] <= LAYER_RELIEF_REACH;
}

void
rig_head_set_neighbours (rig_head *hd, const mien_point *landmarks,
                         int n_faces)
{
  if (n_faces > MIEN_GENERATOR_MAX_NEIGHBOURS)
    n_faces = MIEN_GENERATOR_MAX_NEIGHBOURS;
  size_t bytes = sizeof (mien_point) * MIEN_N_LANDMARKS * (size_t)n_faces;
  if (n_faces == hd->n_neighbours
      && (n_faces == 0 || memcmp (hd->neighbours, landmarks, bytes) == 0))
    return;
  if (n_faces > 0)
    memcpy (hd->neighbours, landmarks, bytes);
  hd->n_neighbours = n_faces;
  hd->valid = 0; /* the region is built again on the next frame */
}

void
rig_head_set_matte (rig_head *hd, const float *matte, int w, int h)
{
  size_t n = (size_t)w * (size_t)h;
  if (matte == NULL || w <= 0 || h <= 0)
    {
      if (hd->matte != NULL)
        free (hd->matte), hd->matte = NULL, hd->valid = 0;
      hd->matte_w = hd->matte_h = 0;
      return;
    }
  if (hd->matte && hd->matte_w == w && hd->matte_h == h
      && memcmp (hd->matte, matte, sizeof (float) * n) == 0)
    return;
  float *copy = hd->matte_w == w && hd->matte_h == h && hd->matte
                    ? hd->matte
                    : realloc (hd->matte, sizeof (float) * n);
  if (copy == NULL)
    return; /* out of memory: the ellipse's region stays */
  memcpy (copy, matte, sizeof (float) * n);
  hd->matte = copy, hd->matte_w = w, hd->matte_h = h;
  hd->valid = 0; /* the region is built again on the next frame */
}

static mien_status
head_reserve (rig_head *hd, int w, int h, mien_error *err)
{
  if (hd->w == w && hd->h == h && hd->depth)
    return MIEN_OK;
  size_t n = (size_t)w * (size_t)h;
  free (hd->depth), free (hd->weight), free (hd->region), free (hd->motion);
  free (hd->scratch), free (hd->mark);
  mien_image_free (hd->pose), mien_image_free (hd->au);
  mien_image_free (hd->delta), mien_image_free (hd->moved);
  mien_image_free (hd->interior), mien_image_free (hd->interior_moved);
  free (hd->dist), free (hd->au_mask), free (hd->bound);
  free (hd->layer_weight), free (hd->near_region), free (hd->frame_weight);
  hd->layer_weight = malloc (sizeof (float) * n);
  hd->frame_weight = malloc (sizeof (float) * n);
  free (hd->others);
  hd->others = malloc (sizeof (float) * n);
  hd->near_region = malloc (n);
  hd->bound = malloc (sizeof (float) * n);
  hd->dist = malloc (sizeof (float) * n);
  hd->au_mask = malloc (sizeof (float) * n);
  hd->scratch = malloc (sizeof (float) * 2 * n);
  hd->mark = malloc (n);
  hd->depth = malloc (sizeof (float) * n);
  hd->weight = malloc (sizeof (float) * n);
  hd->region = malloc (sizeof (float) * n);
  hd->motion = malloc (sizeof (float) * 2 * n);
  hd->pose = mien_image_new (w, h, 2, NULL);
  hd->au = mien_image_new (w, h, 2, NULL);
  hd->delta = mien_image_new (w, h, 3, NULL);
  hd->moved = mien_image_new (w, h, 3, NULL);
  hd->interior = mien_image_new (w, h, 4, NULL);
  hd->interior_moved = mien_image_new (w, h, 4, NULL);
  hd->valid = 0;
  if (!hd->depth || !hd->weight || !hd->region || !hd->motion || !hd->scratch
      || !hd->dist || !hd->au_mask || !hd->bound || !hd->layer_weight
      || !hd->frame_weight || !hd->others
      || !hd->near_region || !hd->mark || !hd->pose
      || !hd->au || !hd->delta || !hd->moved || !hd->interior
      || !hd->interior_moved)
    {
      hd->w = hd->h = 0;
      return mien_error_set (err, MIEN_ERR_NOMEM, "rig: out of memory");
    }
  hd->w = w, hd->h = h;
  return MIEN_OK;
}

rig_head *
rig_head_new (void)
{
  return calloc (1, sizeof (rig_head));
}

void
rig_head_free (rig_head *hd)
{
  if (!hd)
    return;
  free (hd->depth), free (hd->weight), free (hd->region), free (hd->motion);
  free (hd->scratch), free (hd->mark);
  free (hd->dist), free (hd->au_mask), free (hd->bound);
  free (hd->layer_weight), free (hd->near_region), free (hd->frame_weight);
  free (hd->others);
  free (hd->matte);
  mien_image_free (hd->pose), mien_image_free (hd->au);
  mien_image_free (hd->delta), mien_image_free (hd->moved);
  mien_image_free (hd->interior), mien_image_free (hd->interior_moved);
  free (hd);
}

mien_status
rig_head_update (rig_head *hd, const mien_image *input, const mien_point *lm,
                 mien_error *err)
{
  mien_status st = head_reserve (hd, input->width, input->height, err);
  if (st != MIEN_OK)
    return st;
  uint64_t hash = hash_image (input);
  if (hd->valid && hash == hd->input_hash
      && memcmp (lm, hd->lm, sizeof hd->lm) == 0)
    return MIEN_OK; /* once per photo */
  memcpy (hd->lm, lm, sizeof hd->lm);
  hd->input_hash = hash;
  hd->valid = rig_pose_fit (lm, hd->fit.R, &hd->fit.s, hd->fit.t);
  if (hd->valid)
    head_maps (hd, lm);
  return MIEN_OK;
}

const float *
rig_head_region (const rig_head *hd)
{
  return hd && hd->valid ? hd->region : NULL;
}

const float *
rig_head_bound_map (const rig_head *hd)
{
  return hd && hd->valid ? hd->bound : NULL;
}

/* The expression's field bounded by the head: multiplied by a mask that is
 * 0 within AU_EDGE_CELLS of the bound's edge and beyond it, 1 from AU_BAND
 * cells further in. */
void
rig_head_bound (const rig_head *hd, mien_image *field)
{
  if (!hd || !hd->valid || field->width != hd->w || field->height != hd->h)
    return;
  for (size_t p = 0; p < (size_t)hd->w * (size_t)hd->h; p++)
    if (hd->au_mask[p] < 1.0f)
      {
        field->data[2 * p] *= hd->au_mask[p];
        field->data[2 * p + 1] *= hd->au_mask[p];
      }
}

/* ---- the field ---------------------------------------------------------- */

int
rig_pose_active (const mien_driving *c)
{
  return c->values[MIEN_HEAD_YAW] != 0.0f || c->values[MIEN_HEAD_PITCH] != 0.0f
         || c->values[MIEN_HEAD_ROLL] != 0.0f;
}

static void
sample2 (const float *m, int w, int h, float x, float y, float *out)
{
  x = fminf (fmaxf (x, 0.0f), (float)w - 1.001f);
  y = fminf (fmaxf (y, 0.0f), (float)h - 1.001f);
  int x0 = (int)x, y0 = (int)y;
  float u = x - (float)x0, v = y - (float)y0;
  const float *a = m + 2 * ((size_t)y0 * (size_t)w + (size_t)x0);
  const float *b = a + 2 * (size_t)w;
  for (int c = 0; c < 2; c++)
    out[c] = (1 - v) * ((1 - u) * a[c] + u * a[2 + c])
             + v * ((1 - u) * b[c] + u * b[2 + c]);
}

/* The smallest of the four one-sided determinants at node p (as the fold
 * guard's corner Jacobians: central differences miss a fold one cell
 * wide). */
static float
forward_det (const float *m, int w, size_t p)
{
  const float *c = m + 2 * p;
  const float *nx[2] = { m + 2 * (p - 1), m + 2 * (p + 1) };
  const float *ny[2] = { m + 2 * (p - (size_t)w), m + 2 * (p + (size_t)w) };
  float best = 1e30f;
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 2; j++)
      {
        float sx = i ? 1.0f : -1.0f, sy = j ? 1.0f : -1.0f;
        float xx = 1.0f + sx * (nx[i][0] - c[0]), yx = sx * (nx[i][1] - c[1]);
        float xy = sy * (ny[j][0] - c[0]), yy = 1.0f + sy * (ny[j][1] - c[1]);
        best = fminf (best, xx * yy - xy * yx);
      }
  return best;
}

/* A real head folds where it turns away from the camera (its far cheek
 * hides behind the near one); a warp must squeeze instead. Nodes whose
 * forward determinant is under FOLD_RELIEF_DET, and their neighbours, take
 * the mean of their 3×3 neighbourhood, pass after pass, so the turn keeps
 * its size elsewhere and the global guard rarely has to act. Nodes of
 * weight 0 (outside the head) stay 0. Returns the passes used. */
static int
relieve_folds (rig_head *hd, const unsigned char *look, const float *weight,
               float *tmp, unsigned char *mark)
{
  int w = hd->w, h = hd->h;
  float *m = hd->motion;
  for (int pass = 0; pass < RELIEF_PASSES; pass++)
    {
      int any = 0;
      memset (mark, 0, (size_t)w * (size_t)h);
      for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++)
          {
            size_t p = (size_t)y * (size_t)w + (size_t)x;
            if ((look && !look[p]) || forward_det (m, w, p) >= FOLD_RELIEF_DET)
              continue;
            any = 1;
            for (int j = -1; j <= 1; j++)
              for (int i = -1; i <= 1; i++)
                mark[p + (size_t)((ptrdiff_t)j * w + i)] = 1;
          }
      if (!any)
        return pass;
      memcpy (tmp, m, sizeof (float) * 2 * (size_t)w * (size_t)h);
      for (int y = 1; y < h - 1; y++)
        for (int x = 1; x < w - 1; x++)
          {
            size_t p = (size_t)y * (size_t)w + (size_t)x;
            if (!mark[p] || weight[p] <= 0.0f)
              continue;
            for (int c = 0; c < 2; c++)
              {
                float s = 0.0f;
                for (int j = -1; j <= 1; j++)
                  for (int i = -1; i <= 1; i++)
                    s += tmp[2 * (p + (size_t)((ptrdiff_t)j * w + i)) + c];
                m[2 * p + c] = s / 9.0f;
              }
          }
    }
  return RELIEF_PASSES;
}

static float
residual (const float *motion, int w, int h, float tx, float ty, float sx,
          float sy, float *gx, float *gy)
{
  float m[2];
  sample2 (motion, w, h, sx, sy, m);
  *gx = sx + m[0] - tx, *gy = sy + m[1] - ty;
  return hypotf (*gx, *gy);
}

/* Solves s + D(s) = t for s (on entry the start); returns |residual|. */
static float
invert_newton (const float *motion, int w, int h, float tx, float ty,
               float *sx, float *sy)
{
  float gx, gy, r = residual (motion, w, h, tx, ty, *sx, *sy, &gx, &gy);
  for (int it = 0; it < INVERT_ITERATIONS && r > 1e-4f; it++)
    {
      float mx0[2], mx1[2], my0[2], my1[2];
      sample2 (motion, w, h, *sx - 0.5f, *sy, mx0);
      sample2 (motion, w, h, *sx + 0.5f, *sy, mx1);
      sample2 (motion, w, h, *sx, *sy - 0.5f, my0);
      sample2 (motion, w, h, *sx, *sy + 0.5f, my1);
      float a = 1.0f + mx1[0] - mx0[0], b = my1[0] - my0[0];
      float c = mx1[1] - mx0[1], d = 1.0f + my1[1] - my0[1];
      float det = a * d - b * c, dx, dy;
      if (det > 0.02f)
        dx = (d * gx - b * gy) / det, dy = (-c * gx + a * gy) / det;
      else
        dx = gx, dy = gy;
      float step = 1.0f;
      for (int k = 0; k < 12; k++, step *= 0.5f)
        {
          float nx = *sx - step * dx, ny = *sy - step * dy, ngx, ngy;
          float nr = residual (motion, w, h, tx, ty, nx, ny, &ngx, &ngy);
          if (nr < r)
            {
              *sx = nx, *sy = ny, gx = ngx, gy = ngy, r = nr;
              break;
            }
        }
    }
  return r;
}

/* The fitted head's yaw in the photo, degrees, in the channels' sense
 * (R0 = Rz Rx Ry: yaw = atan2(−R20, R22)). */
static float
photo_yaw (const head_fit *f)
{
  return atan2f (-f->R[6], f->R[8]) * (float)(180.0 / M_PI);
}

void
rig_head_yaw (const rig_head *hd, float *photo, float *used)
{
  *photo = hd->photo_yaw, *used = hd->yaw_used;
}

/* Whether the turn lays the head over the photo as a layer (its outline
 * moves, what it uncovers is filled from the background by the animator)
 * rather than holding the outline still. MIEN_POSE_LAYERED=0 or 1
 * overrides POSE_LAYERED_DEFAULT, so that the two can be compared. */
static int
pose_layered (void)
{
  const char *e = getenv ("MIEN_POSE_LAYERED");
  if (e && (strcmp (e, "0") == 0 || strcmp (e, "1") == 0))
    return e[0] == '1';
  return POSE_LAYERED_DEFAULT;
}

/* The layered head's field (pose_layered). hd->pose holds the backward
 * turn of everything on the grid as if it were head. Where the turned head
 * shows (the region read at x + F(x) is not 0) it stays; elsewhere it is
 * that same turn (where Newton found no preimage, spread from the nodes
 * around), ramped to 0 over LAYER_RAMP_GAIN times the largest motion
 * where the head shows plus LAYER_RAMP_CELLS cells. The ramp is what keeps the
 * backward map fold-free where the head moves off the background it
 * covered: x + m(x)·F(x) moves by 1 − |F|/R per cell across the ramp, so R
 * must exceed |F| (1-D: a head moved right by D shows the background from
 * l − R … l in the uncovered band l … l + D). What the ramp shows is the
 * background bent, and the animator lays the photo and its fill over it
 * (mien-animator-head.c): there the region at x + F(x) is 0. */
static void
layer_field (rig_head *hd)
{
  int w = hd->w, h = hd->h;
  size_t n = (size_t)w * (size_t)h;
  float *F = hd->pose->data;
  unsigned char *shown = hd->mark;
  float *outside = hd->scratch, *spread_from = hd->scratch + n;
  mien_image region = { w, h, 1, hd->region };
  float dmax = 0.0f;
  size_t count = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        size_t p = (size_t)y * (size_t)w + (size_t)x;
        float a = 0.0f;
        int found = isfinite (F[2 * p]) && isfinite (F[2 * p + 1]);
        if (found)
          mien_image_sample_bilinear (&region, (float)x + F[2 * p],
                                      (float)y + F[2 * p + 1], &a);
        shown[p] = a > 0.0f;
        spread_from[p] = found ? 1.0f : 0.0f;
        if (!found)
          F[2 * p] = F[2 * p + 1] = 0.0f;
        outside[p] = shown[p] ? 0.0f : 1.0f;

        if (shown[p])
          dmax = fmaxf (dmax, hypotf (F[2 * p], F[2 * p + 1])), count++;
      }
  if (count == 0)
    {
      memset (F, 0, sizeof (float) * 2 * n);
      return;
    }
  /* The turn of everything, with the nodes Newton found no preimage for
   * (folds far in the background) spread from around, in hd->motion. */
  memcpy (hd->motion, F, sizeof (float) * 2 * n);
  mien_image spread = { w, h, 2, hd->motion };
  if (mien_image_fill_holes (&spread, spread_from, NULL) != MIEN_OK)
    memset (hd->motion, 0, sizeof (float) * 2 * n);
  distance_to_edge (outside, hd->dist, w, h, 0); /* to the shown nodes */
  float ramp = LAYER_RAMP_GAIN * dmax + LAYER_RAMP_CELLS;
  for (size_t p = 0; p < n; p++)
    if (!shown[p])
      {
        float m = 1.0f - hd->dist[p] / ramp;
        m = m > 0.0f ? m : 0.0f;
        F[2 * p] = m * hd->motion[2 * p];
        F[2 * p + 1] = m * hd->motion[2 * p + 1];
      }
}

/* The forward motion of the turn M about pc (camera frame, grid pixels) at
 * every node, times weight · atten. */
static void
turn_motion (rig_head *hd, const float *M, const float *pc,
             const float *weight, const float *atten)
{
  int w = hd->w, h = hd->h;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        size_t p = (size_t)y * (size_t)w + (size_t)x;
        float wt = weight[p] * atten[p];
        if (wt <= 0.0f)
          {
            hd->motion[2 * p] = hd->motion[2 * p + 1] = 0.0f;
            continue;
          }
        float d[3] = { (float)x - pc[0], (float)y - pc[1],
                       hd->depth[p] - pc[2] };
        float r[3];
        mat_apply (M, d, r);
        hd->motion[2 * p] = wt * (r[0] - d[0]);
        hd->motion[2 * p + 1] = wt * (r[1] - d[1]);
      }
}

/* The layered head's local hold: about each node the relief left folded
 * (near the region), atten shrinks by up to LAYER_HOLD within
 * LAYER_HOLD_RADIUS cells. Returns 0 if there was none. */
static int
hold_folds (rig_head *hd, float *atten)
{
  int w = hd->w, h = hd->h, r = (int)LAYER_HOLD_RADIUS, any = 0;
  float *factor = hd->scratch; /* the relief's scratch, free now */
  for (size_t p = 0; p < (size_t)w * (size_t)h; p++)
    factor[p] = 1.0f;
  for (int y = 1; y < h - 1; y++)
    for (int x = 1; x < w - 1; x++)
      {
        size_t p = (size_t)y * (size_t)w + (size_t)x;
        if (!hd->near_region[p]
            || forward_det (hd->motion, w, p) >= FOLD_RELIEF_DET)
          continue;
        any = 1;
        for (int j = -r; j <= r; j++)
          for (int i = -r; i <= r; i++)
            {
              int xx = x + i, yy = y + j;
              if (xx < 0 || yy < 0 || xx >= w || yy >= h)
                continue;
              float t = 1.0f - sqrtf ((float)(i * i + j * j)) / LAYER_HOLD_RADIUS;
              if (t <= 0.0f)
                continue;
              size_t q = (size_t)yy * (size_t)w + (size_t)xx;
              factor[q] = fminf (factor[q], 1.0f - LAYER_HOLD * t * t);
            }
      }
  for (size_t p = 0; any && p < (size_t)w * (size_t)h; p++)
    atten[p] *= factor[p];
  return any;
}

/* The backward pose field of c into hd->pose (exactly 0 where the weight
 * is 0 all around). */
static void
pose_field (rig_head *hd, const mien_driving *c)
{
  const head_fit *f = &hd->fit;
  int w = hd->w, h = hd->h;
  float Rq[9], Rt[9], M[9];
  /* A face the photo shows turned far (beyond PROFILE_MAX_DEG with the
   * turn) has no far side left to show: the yaw is limited so that photo
   * and turn together stay within it (issue #24's bad input). */
  float yaw0 = photo_yaw (f), yaw = c->values[MIEN_HEAD_YAW];
  float lo = -PROFILE_MAX_DEG - yaw0, hi = PROFILE_MAX_DEG - yaw0;
  float used = yaw < lo ? lo : yaw > hi ? hi : yaw;
  if ((yaw > 0.0f && used < 0.0f) || (yaw < 0.0f && used > 0.0f))
    used = 0.0f; /* never turn the other way */
  hd->photo_yaw = yaw0;
  hd->yaw_used = used;
  int layered = pose_layered ();
  const float *weight = layered ? hd->layer_weight : hd->weight;
  /* The outline-fixed turn tapers pitch and roll (above); the layered
   * head, whose outline turns with it, reads roll as asked but yaw and
   * pitch short (docs/QUALITY.md, "The head turned as a layer"), and
   * tapers those two instead. */
  float roll = c->values[MIEN_HEAD_ROLL], pitch = c->values[MIEN_HEAD_PITCH];
  if (layered)
    rig_pose_rotation (turn_applied (used), turn_applied (pitch), roll, Rq);
  else
    rig_pose_rotation (used, turn_applied (pitch), turn_applied (roll), Rq);
  mat_transpose (f->R, Rt);
  mat_mul (Rq, Rt, M);
  mat_mul (f->R, M, M); /* R0 · R_req · R0ᵀ */
  const float pv[3] = { 0.0f, PIVOT_Y, PIVOT_Z };
  float pc[3];
  mat_apply (f->R, pv, pc);
  pc[0] = f->s * pc[0] + f->t[0];
  pc[1] = f->s * pc[1] + f->t[1];
  pc[2] = f->s * pc[2];
  float *atten = hd->dist; /* the layered head's local hold, 1: none */
  for (size_t p = 0; p < (size_t)w * (size_t)h; p++)
    atten[p] = 1.0f;
  if (layered)
    {
      /* The grid's edge does not move (apply_border_window), so the turn
       * fades out before it, over a band as wide as twice what the node
       * would move plus LAYER_BORDER_CELLS: x + w·D(x) then moves by at
       * least 1 − |D| / (2|D| + c) > 1/2 per cell across the band. A head
       * that reaches the crop's edge turns less there. */
      turn_motion (hd, M, pc, hd->layer_weight, atten);
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            size_t p = (size_t)y * (size_t)w + (size_t)x;
            int db = x < y ? x : y;
            db = db < w - 1 - x ? db : w - 1 - x;
            db = db < h - 1 - y ? db : h - 1 - y;
            float room = (float)db - (float)MIEN_RIG_ZERO_RING;
            float need = 2.0f * hypotf (hd->motion[2 * p], hd->motion[2 * p + 1])
                         + LAYER_BORDER_CELLS;
            float b = room <= 0.0f ? 0.0f : room >= need ? 1.0f : room / need;
            hd->frame_weight[p] = hd->layer_weight[p] * b;
          }
      weight = hd->frame_weight;
    }
  /* If the relief cannot make the map fold-free (extreme combined turns),
   * the motion shrinks by a fifth and the relief tries again. The layered
   * head shrinks it only about the nodes still folded (a head held by the
   * crop's edge, the neck), so the rest keeps its turn. */
  hd->pose_scale = 1.0f;
  turn_motion (hd, M, pc, weight, atten);
  for (int round = 0, held = 0; round < 8; round++)
    {
      if (held)
        {
          /* Again from the turn itself, held where it folded. */
          turn_motion (hd, M, pc, weight, atten);
          for (size_t i = 0; i < 2 * (size_t)w * (size_t)h; i++)
            hd->motion[i] *= hd->pose_scale;
        }
      hd->relief_passes = relieve_folds (hd, layered ? hd->near_region : NULL,
                                         weight, hd->scratch, hd->mark);
      if (hd->relief_passes < RELIEF_PASSES)
        break;
      held = layered && hold_folds (hd, atten);
      if (!held)
        {
          for (size_t i = 0; i < 2 * (size_t)w * (size_t)h; i++)
            hd->motion[i] *= 0.8f;
          hd->pose_scale *= 0.8f;
        }
    }
  /* Invert x → x + D(x) = y by Newton's method with backtracking (the
   * forward map is fold-free after the relief, so its Jacobian is
   * invertible; a plain fixed-point iteration diverges where the turn
   * stretches by more than 2×), from y and from y − D(y), keeping the
   * better. */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        size_t p = (size_t)y * (size_t)w + (size_t)x;
        float *o = hd->pose->data + 2 * p;
        float m[2];
        sample2 (hd->motion, w, h, (float)x, (float)y, m);
        if (m[0] == 0.0f && m[1] == 0.0f && weight[p] <= 0.0f)
          {
            o[0] = o[1] = 0.0f; /* outside the head: exactly 0 */
            continue;
          }
        float best = 1e30f, bx = (float)x, by = (float)y;
        for (int start = 0; start < 2 && best > 1e-3f; start++)
          {
            float sx = (float)x - (start ? m[0] : 0.0f);
            float sy = (float)y - (start ? m[1] : 0.0f);
            float r = invert_newton (hd->motion, w, h, (float)x, (float)y, &sx, &sy);
            if (r < best)
              best = r, bx = sx, by = sy;
          }
        float sx = bx, sy = by;
        o[0] = sx - (float)x, o[1] = sy - (float)y;
        if (layered && best > 0.05f)
          o[0] = o[1] = NAN; /* no preimage: spread from around (layer_field) */
      }
  hd->layered_frame = layered;
  if (layered)
    layer_field (hd);
}

mien_status
rig_pose_apply (rig_head *hd, const mien_image *input, const mien_point *lm,
                const mien_driving *c, mien_generator_output *out,
                mien_pool *pool, float *fold_alpha, mien_error *err)
{
  mien_status st = rig_head_update (hd, input, lm, err);
  if (st != MIEN_OK || !hd->valid)
    return st;
  int w = hd->w, h = hd->h;
  pose_field (hd, c);
  apply_border_window (hd->pose);
  float alpha = mien_field_limit_folds (hd->pose, MIEN_RIG_JACOBIAN_MARGIN);
  /* F = F_pose + F_au ∘ (id + F_pose): the expression happens on the
   * head, then the head turns. */
  memcpy (hd->au->data, out->field->data, sizeof (float) * 2 * (size_t)w * h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        size_t p = (size_t)y * (size_t)w + (size_t)x;
        const float *fp = hd->pose->data + 2 * p;
        float fa[2] = { 0.0f, 0.0f };
        if (fp[0] != 0.0f || fp[1] != 0.0f)
          sample2 (hd->au->data, w, h, (float)x + fp[0], (float)y + fp[1], fa);
        else
          fa[0] = hd->au->data[2 * p], fa[1] = hd->au->data[2 * p + 1];
        out->field->data[2 * p] = fp[0] + fa[0];
        out->field->data[2 * p + 1] = fp[1] + fa[1];
      }
  alpha *= mien_field_limit_folds (out->field, MIEN_RIG_JACOBIAN_MARGIN);
  *fold_alpha = alpha * hd->pose_scale;
  /* O^r's paint (mouth, seam, wrinkles) sits on the unturned face: move
   * it with the turn. */
  size_t n3 = mien_image_n_floats (out->refined);
  for (size_t i = 0; i < n3; i++)
    hd->delta->data[i] = out->refined->data[i] - out->warped->data[i];
  st = mien_warp_bilinear (input, out->field, out->warped, pool, err);
  if (st == MIEN_OK)
    st = mien_warp_bilinear (hd->delta, hd->pose, hd->moved, pool, err);
  if (st != MIEN_OK)
    return st;
  for (size_t i = 0; i < n3; i++)
    out->refined->data[i] = out->warped->data[i] + hd->moved->data[i];
  /* The shading's factors move with it (their departure from 1, which is
   * 0 outside the shaded skin like the paint's delta). */
  if (out->shade && out->shade->width == w && out->shade->height == h
      && out->shade->channels == 3 && hd->delta->channels == 3)
    {
      size_t n = mien_image_n_floats (out->shade);
      for (size_t i = 0; i < n; i++)
        hd->delta->data[i] = out->shade->data[i] - 1.0f;
      st = mien_warp_bilinear (hd->delta, hd->pose, hd->moved, pool, err);
      if (st != MIEN_OK)
        return st;
      for (size_t i = 0; i < n; i++)
        out->shade->data[i] = 1.0f + hd->moved->data[i];
    }
  /* And the record of the mouth's paint (colour, strength), from which
   * the animator takes that paint off O^r again to lay it at the frame's
   * resolution (mien-animator-mouth.c, u = (O^r − a·colour) / (1 − a)).
   * Left on the unturned face, it named pixels the turn had moved the
   * paint off, and the division turned their lip colour white: rings of
   * white specks about every driven mouth with a pose (session 27).
   * Moved premultiplied, so that colour and strength stay paired. */
  if (out->interior && out->interior->width == w && out->interior->height == h
      && out->interior->channels == 4)
    {
      size_t n = (size_t)w * (size_t)h;
      float *pm = hd->interior->data, *q = out->interior->data;
      for (size_t i = 0; i < n; i++)
        {
          float a = q[4 * i + 3];
          pm[4 * i] = a * q[4 * i], pm[4 * i + 1] = a * q[4 * i + 1];
          pm[4 * i + 2] = a * q[4 * i + 2], pm[4 * i + 3] = a;
        }
      st = mien_warp_bilinear (hd->interior, hd->pose, hd->interior_moved,
                               pool, err);
      if (st != MIEN_OK)
        return st;
      const float *mv = hd->interior_moved->data;
      for (size_t i = 0; i < n; i++)
        {
          float a = mv[4 * i + 3];
          if (a > 1e-6f)
            for (int c = 0; c < 3; c++)
              q[4 * i + c] = mv[4 * i + c] / a;
          else
            q[4 * i] = q[4 * i + 1] = q[4 * i + 2] = 0.0f;
          q[4 * i + 3] = a > 1e-6f ? fminf (a, 1.0f) : 0.0f;
        }
    }
  return MIEN_OK;
}

int
rig_head_layered (const rig_head *hd, const float **others)
{
  int layered = hd && hd->valid && hd->layered_frame;
  if (others)
    *others = layered ? hd->others : NULL;
  return layered;
}

void
rig_head_size (const rig_head *hd, int *width, int *height)
{
  *width = hd->w, *height = hd->h;
}
