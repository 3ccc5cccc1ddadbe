/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The anatomical AU rig's internal API, shared by the files of engine/rig/
 * (the public API is engine/mien-rig.h). One frame of the rig:
 *
 *   rig-frame      the face frame: origin, axes, iod, head yaw, per-side AU
 *                  intensities
 *   rig-tables     what each AU does to each landmark group, the lids and
 *                  the lip seal (data only; the paint's shapes and the
 *                  maps' thresholds are named in their own files)
 *   rig-moves      landmark moves: the tables applied in the face frame
 *   rig-field      the dense field: Wendland kernel average of the moves
 *   rig-mouth      the lip seal and the jaw opening, 1-D maps composed with
 *                  the field
 *   rig-eyelids    blink, lid raise and tightening, gaze
 *   rig-guard      the border window and the fold guard
 *   rig-pose       head pose: the head's depth, region and turn
 *   rig-pose-fit   head pose's geometry: the asked rotation, the shape's fit
 *   rig-paint      O^r: mouth interior, lip seam, brow wrinkles, folds
 *   rig-generator  the mien_generator that runs them in that order
 *
 * Units: moves are in inter-ocular distances (iod), "out" away from the
 * face's midline and "down" towards the chin, at full AU intensity (FACS 5,
 * intensity 1 here); the face frame turns them into grid pixels. */
#pragma once

#include <math.h>
#include <string.h>

#include "mien-au.h"
#include "mien-generator.h"
#include "mien-image.h"
#include "mien-landmarks.h"

/* ---- 2-D vectors -------------------------------------------------------- */

typedef struct vec2 {
  float x, y;
} vec2;

static inline vec2 v_add (vec2 a, vec2 b) { return (vec2){ a.x + b.x, a.y + b.y }; }
static inline vec2 v_sub (vec2 a, vec2 b) { return (vec2){ a.x - b.x, a.y - b.y }; }
static inline vec2 v_mul (vec2 a, float s) { return (vec2){ a.x * s, a.y * s }; }
static inline float v_dot (vec2 a, vec2 b) { return a.x * b.x + a.y * b.y; }
static inline float v_len (vec2 a) { return sqrtf (v_dot (a, a)); }
static inline vec2 v_pt (mien_point p) { return (vec2){ p.x, p.y }; }

/* The grid pixels a shape reaches: [lo, hi] floored and ceiled, grown by
 * (grow_x, grow_y) and kept `margin` pixels inside a w×h grid; loops run
 * from x0 to x1 and y0 to y1 inclusive (empty when x0 > x1). */
typedef struct grid_box {
  int x0, y0, x1, y1;
} grid_box;

static inline grid_box
grid_box_of (vec2 lo, vec2 hi, int grow_x, int grow_y, int w, int h,
             int margin)
{
  grid_box b = { (int)floorf (lo.x) - grow_x, (int)floorf (lo.y) - grow_y,
                 (int)ceilf (hi.x) + grow_x, (int)ceilf (hi.y) + grow_y };
  b.x0 = b.x0 < margin ? margin : b.x0;
  b.y0 = b.y0 < margin ? margin : b.y0;
  b.x1 = b.x1 > w - 1 - margin ? w - 1 - margin : b.x1;
  b.y1 = b.y1 > h - 1 - margin ? h - 1 - margin : b.y1;
  return b;
}

/* The square of half side r around c. */
static inline grid_box
grid_box_around (vec2 c, float r, int w, int h, int margin)
{
  return grid_box_of ((vec2){ c.x - r, c.y - r }, (vec2){ c.x + r, c.y + r },
                      0, 0, w, h, margin);
}

static inline vec2
lm_mean (const mien_point *lm, mien_lm_range range)
{
  return v_pt (mien_landmarks_mean (lm, range));
}

/* ---- rig-frame ---------------------------------------------------------- */

/* Origin between the eye centres; ex along the eye line towards the image's
 * right, ey perpendicular towards the chin; iod in grid pixels; sx[side]
 * and sy: grid pixels per iod unit "out" on each side and "down", corrected
 * for head yaw (rig-frame.c). */
typedef struct face_frame {
  vec2 origin, ex, ey;
  float iod;
  vec2 eye_centre[2]; /* [0] subject's right (image left), [1] left */
  float sx[2], sy;
} face_frame;

/* Returns 0 for degenerate landmarks (eyes less than a pixel apart). */
int face_frame_init (face_frame *f, const mien_point *lm);
/* A displacement of (out, down) iod units for a feature on `side` (0:
 * subject's right = image left, where "out" is -ex; 1: subject's left). */
vec2 frame_delta (const face_frame *f, int side, float out, float down);

/* AU intensity / 5 (0 … 1) of the bilateral channels on one side. */
typedef struct side_au {
  float au[MIEN_AU_N_BILATERAL];
} side_au;

/* Per side, and the midline's (the mean of the two sides). */
void side_intensities (const mien_driving *c, side_au sides[2], side_au *mid);

/* ---- rig-tables --------------------------------------------------------- */

/* Landmark groups the AU rows move. A group's motion is the sum of its rows'
 * (out, down) times the AU intensities, in table order; its points then
 * take shares of it (rig_point_move). Per-side groups act with each side's
 * intensities, midline groups with the mean of both sides. */
typedef enum rig_group {
  RIG_NONE = -1,
  RIG_LIP_CORNER = 0,   /* per side: the lip corner and its neighbours */
  RIG_CHEEK,            /* per side: the two synthetic cheek points */
  RIG_UPPER_LIP_OUTER,  /* midline: the upper lip's outer edge (51) */
  RIG_UPPER_LIP_INNER,  /* midline: the upper lip's inner edge (62) */
  RIG_LOWER_LIP_OUTER,  /* midline: the lower lip's outer edge (57) */
  RIG_LOWER_LIP_INNER,  /* midline: the lower lip's inner edge (66) */
  RIG_LIP_NEAR_IN,      /* midline AUs, per side: 49/53 and 59/55 sideways */
  RIG_INNER_LOWER_OUT,  /* midline AUs, per side: 67/65 sideways */
  RIG_JAW_OPEN,         /* midline: the jaw's opening, 1 at full AU26 */
  RIG_NOSE_BRIDGE_LOW,  /* midline: 29 */
  RIG_NOSE_TIP,         /* midline: 30 */
  RIG_NOSE_BASE,        /* midline: 33 */
  RIG_NOSTRIL_WING,     /* midline AUs, per side: 31/35 */
  RIG_NOSTRIL,          /* midline AUs, per side: 32/34 */
  RIG_CORNER_SKIN,      /* per side: the synthetic points beside the corner */
  RIG_N_GROUPS,
} rig_group;

/* One AU's pull on one landmark group at full intensity: iod units (a
 * dimensionless activation for RIG_JAW_OPEN). */
typedef struct rig_pull {
  rig_group group;
  mien_au_channel au;
  float out, down;
} rig_pull;

/* One landmark's move: shares of a group's "out" and of a group's "down"
 * (for RIG_JAW_OPEN the share is in iod). point[0] is on the subject's
 * right (image left), point[1] on the left; point[1] < 0: a midline point,
 * moved once. */
typedef struct rig_point_move {
  int point[2];
  rig_group out;
  float out_share;
  rig_group down;
  float down_share;
} rig_point_move;

typedef struct rig_point_moves {
  const rig_point_move *moves;
  int n;
} rig_point_moves;

extern const rig_pull rig_pulls[];
extern const int rig_n_pulls;
/* Per side: the lip corner group. */
extern const rig_point_moves rig_corner_points;
/* Midline, in this order: the lips, the lower lip on the jaw, the nose. */
extern const rig_point_moves rig_lip_points, rig_jaw_lip_points,
    rig_nose_points;

/* The synthetic cheek points (no landmark marks the cheek): rest position
 * from the eye centre, and their shares of RIG_CHEEK. */
typedef struct rig_cheek_point {
  float rest_out, rest_down;
  float out_share, down_share;
} rig_cheek_point;

#define N_CHEEK 2 /* synthetic cheek points per side */
extern const rig_cheek_point rig_cheek_points[N_CHEEK];

/* The synthetic points in the skin beside each lip corner (the modiolus
 * and the cheek beyond it), as rig_cheek_point but with the rest position
 * from the lip corner (48, 54), and their shares of RIG_CORNER_SKIN. A
 * point takes part in the field only while it moves: its kernel weight
 * grows with its motion up to 1 at RIG_CORNER_SKIN_FULL iod, so that the
 * AUs without a RIG_CORNER_SKIN row leave the field exactly as it was. */
#define N_CORNER_SKIN 3
#define RIG_CORNER_SKIN_FULL 0.15f
extern const rig_cheek_point rig_corner_skin_points[N_CORNER_SKIN];

/* Profiles along a row of points: the brows from the outer end (k = 0) to
 * the inner, the jaw line from the chin (k = 0) to the ear (k = 8). */
#define RIG_BROW_POINTS 5
#define RIG_JAW_POINTS 9

typedef struct rig_brow_pull {
  mien_au_channel au;
  float out[RIG_BROW_POINTS], down[RIG_BROW_POINTS];
} rig_brow_pull;

typedef struct rig_jaw_pull {
  mien_au_channel au;
  float down[RIG_JAW_POINTS];
} rig_jaw_pull;

extern const rig_brow_pull rig_brow_pulls[];
extern const int rig_n_brow_pulls;
extern const rig_jaw_pull rig_jaw_pulls[];
extern const int rig_n_jaw_pulls;

/* The lids, in fractions of the eye's opening (rig-eyelids.c). */
typedef enum rig_lid {
  RIG_LID_CLOSURE,    /* 1: the upper lid meets the lower lid */
  RIG_LID_RAISE,      /* the upper lid goes up */
  RIG_LID_LOWER_UP,   /* the lower lid goes up */
  RIG_LID_UPPER_DOWN, /* the upper lid comes down (tightening) */
  RIG_N_LIDS,
} rig_lid;

typedef struct rig_lid_pull {
  rig_lid lid;
  mien_au_channel au;
  float share;
} rig_lid_pull;

extern const rig_lid_pull rig_lid_pulls[];
extern const int rig_n_lid_pulls;

/* The lip seal: the AUs that press the lips together, and those that open
 * the mouth (an opening AU wins). */
extern const mien_au_channel rig_seal_press[];
extern const int rig_n_seal_press;
extern const mien_au_channel rig_seal_open[];
extern const int rig_n_seal_open;

/* ---- rig-moves ---------------------------------------------------------- */

typedef struct rig_moves {
  vec2 lm[MIEN_N_LANDMARKS];   /* forward motion in grid pixels */
  vec2 cheek_rest[2][N_CHEEK]; /* synthetic cheek points */
  vec2 cheek[2][N_CHEEK];
  vec2 corner_skin[2][N_CORNER_SKIN]; /* motion only: rest from 48, 54 */
} rig_moves;

/* Brow points per side, outer end first. */
extern const int rig_brow_idx[2][RIG_BROW_POINTS];

void rig_moves_compute (rig_moves *m, const face_frame *f,
                        const side_au sides[2], const side_au *mid);

/* ---- rig-field ---------------------------------------------------------- */

/* The kernel average of the moves into field (zero-displacement anchors
 * included), then a small blur; num holds 2·w·h floats, den w·h. */
mien_status rig_field_from_moves (mien_image *field, const face_frame *f,
                                  const mien_point *lm, const rig_moves *m,
                                  float *num, float *den, mien_error *err);

/* ---- rig-mouth ---------------------------------------------------------- */

/* How far the seal closes the lips (0 … 1). */
float seal_closure (const side_au *mid);
/* Compose the seal or the opening into field (F_au on entry); tmp holds
 * 2·w·h floats. */
void compose_lip_seal (mien_image *field, float *tmp, const face_frame *f,
                       const mien_image *photo, const mien_point *lm,
                       const rig_moves *m, float closure);
/* shut: the moves without the opening channels (rig_seal_open), which
 * bound how far lips the photo shows closed part. */
void compose_mouth_opening (mien_image *field, float *tmp, const face_frame *f,
                            const mien_image *photo, const mien_point *lm,
                            const rig_moves *m, const rig_moves *shut);

/* ---- rig-eyelids -------------------------------------------------------- */

/* Returns the number of eyes the photo shows shut, where gaze (if asked
 * for) did nothing (mien_rig_stats.gaze_shut_eyes). */
int add_eyelids (mien_image *field, const face_frame *f, const mien_point *lm,
                 const side_au sides[2], const mien_driving *c);

/* ---- rig-guard ---------------------------------------------------------- */

/* Multiplies the field by a window that is 0 on the outer
 * MIEN_RIG_ZERO_RING pixels and rises smoothly to 1. */
void apply_border_window (mien_image *field);
/* The fold guard's scale alpha applied to what the paint reads: the inner
 * lips' moves (for the mouth), then the brows' moves and the intensities
 * (for the wrinkles and folds). */
void rig_guard_scale_lips (float alpha, rig_moves *m);
void rig_guard_scale_brows (float alpha, rig_moves *m, side_au sides[2],
                            side_au *mid);

/* ---- rig-paint ---------------------------------------------------------- */

/* The mouth interior where the field stretches the mouth along down (the
 * face's vertical, a unit vector); interior (may be NULL) gets the
 * paint's colour and strength (mien_generator_output.interior). Returns
 * the painted area in grid pixels. */
float paint_mouth (mien_image *refined, mien_image *interior,
                   const mien_image *field, const mien_point *lm,
                   const rig_moves *m, vec2 down);
void paint_lip_seam (mien_image *refined, const mien_image *field,
                     const mien_point *lm, const rig_moves *m, float closure);
/* The skin's shading (creases, folds, the lowered brow's shadow),
 * multiplied into refined and into factors (mien_generator_output.shade,
 * 3 channels, may be NULL). photo_blur: the photo's softness in grid
 * pixels (mien_generator_set_photo_blur; 0 for none), which the forehead
 * lines take on. */
void paint_wrinkles (mien_image *refined, mien_image *factors,
                     const face_frame *f, const mien_point *lm,
                     const rig_moves *m, const side_au sides[2],
                     const side_au *mid, float photo_blur);
void paint_folds (mien_image *refined, mien_image *factors,
                  const face_frame *f, const mien_point *lm,
                  const rig_moves *m, float alpha, const side_au sides[2],
                  const side_au *mid);

/* ---- rig-pose ----------------------------------------------------------- */

/* The generic 3-D face shape (rig-tables.c), iod. */
extern const float rig_face_shape[MIEN_N_LANDMARKS][3];

/* 3×3 row-major matrices (rig-pose.c, rig-pose-fit.c); out may alias. */
static inline void
mat_mul (const float *a, const float *b, float *out)
{
  float r[9];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j]
                     + a[3 * i + 2] * b[6 + j];
  memcpy (out, r, sizeof r);
}

static inline void
mat_transpose (const float *a, float *out)
{
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      out[3 * j + i] = a[3 * i + j];
}

static inline void
mat_apply (const float *m, const float *v, float *out)
{
  for (int i = 0; i < 3; i++)
    out[i] = m[3 * i] * v[0] + m[3 * i + 1] * v[1] + m[3 * i + 2] * v[2];
}

typedef struct rig_head rig_head;

rig_head *rig_head_new (void);
void rig_head_free (rig_head *hd);
/* Fits the shape and builds the depth, weight and region maps for this
 * input and landmarks; does nothing when they are the ones of the last call
 * (once per photo). */
mien_status rig_head_update (rig_head *hd, const mien_image *input,
                             const mien_point *lm, mien_error *err);
/* The other faces whose heads the region leaves out (grid landmarks,
 * n_faces × MIEN_N_LANDMARKS); the maps are rebuilt when they change. */
void rig_head_set_neighbours (rig_head *hd, const mien_point *landmarks,
                              int n_faces);
/* Takes the neighbours' faces and foreheads out of a w×h region (1 in, 0
 * out), except where lm's own face is and lm is in front
 * (rig-pose-neighbours.c); returns the nodes taken out. */
int rig_cut_neighbours (float *region, int w, int h, const mien_point *lm,
                        const mien_point (*neighbours)[MIEN_N_LANDMARKS],
                        int n_neighbours);
/* The neighbours' faces outside this one's own (1), grown by a node: what a
 * head turned as a layer leaves in front of it (rig-pose-neighbours.c). */
void rig_mark_other_faces (float *map, int w, int h, const mien_point *lm,
                           const mien_point (*neighbours)[MIEN_N_LANDMARKS],
                           int n_neighbours);
/* Puts this face's own outline (jaw, brows, forehead), grown by `grow`
 * about its centre, into a w×h region (rig-pose-neighbours.c). */
void rig_add_own_face (float *region, int w, int h, const mien_point *lm,
                       float grow);
/* Keeps the region's 4-connected part holding node (x, y); returns the
 * nodes taken out (rig-pose-neighbours.c). */
int rig_keep_component (float *region, int w, int h, int x, int y);
/* The person matte about the head on the w×h grid (0 … 1 per node), from
 * mien_head_matte through the animator; NULL for none. Copied; the region
 * is built again when it changes. */
void rig_head_set_matte (rig_head *hd, const float *matte, int w, int h);
/* 1 inside the head's region, 0 outside (w·h floats); NULL before a fit. */
const float *rig_head_region (const rig_head *hd);
/* The region and the margin where the fields fade out: 1 inside, 0
 * outside, where every field is exactly 0; NULL before a fit. */
const float *rig_head_bound_map (const rig_head *hd);
void rig_head_size (const rig_head *hd, int *width, int *height);
/* Whether the last rig_pose_apply turned the head as a layer over the
 * photo (its outline moving; the animator fills what it uncovers); then
 * *others (if asked) is the w·h map of the neighbours' faces (1 on them),
 * which the turned head leaves in front of it. */
int rig_head_layered (const rig_head *hd, const float **others);
/* Multiplies the expression's field by the head's mask (0 at and beyond
 * the outline), so expressions never move the background. */
void rig_head_bound (const rig_head *hd, mien_image *field);
/* After rig_pose_apply: the photo's fitted yaw and the yaw the turn used
 * (limited so that both together stay within ±45°), degrees. */
void rig_head_yaw (const rig_head *hd, float *photo, float *used);
/* Whether c asks for a pose (any of yaw, pitch, roll not 0). */
int rig_pose_active (const mien_driving *c);
/* R_req in image axes (row-major 3×3), degrees. */
void rig_pose_rotation (float yaw_deg, float pitch_deg, float roll_deg,
                        float *m);
/* The weak-perspective fit of rig_face_shape to lm: rotation (row-major),
 * scale (pixels per iod) and translation; 0 when degenerate. */
int rig_pose_fit (const mien_point *lm, float *R, float *s, float *t);
/* Turns the head of out (F_au, O^w, O^r of the expression) by c's pose:
 * F = F_pose + F_au ∘ (id + F_pose), O^w = warp(I, F), O^r's paint, its
 * shading factors and the record of its mouth interior (out->interior)
 * moved with the turn; *fold_alpha is the guards' scale on the pose. */
mien_status rig_pose_apply (rig_head *hd, const mien_image *input,
                            const mien_point *lm, const mien_driving *c,
                            mien_generator_output *out, mien_pool *pool,
                            float *fold_alpha, mien_error *err);
