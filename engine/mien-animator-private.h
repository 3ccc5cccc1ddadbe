/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The animator's state, shared by mien-animator.c (the crop, the frames, the
 * preview levels, the paste) and mien-animator-gaze.c (gaze that moves the
 * irises, issue #25). Not installed. */
#pragma once

#include "face/mien-iris.h"
#include "mien-animator.h"
#include "mien-reswarp-backend.h"

/* The teeth laid into an opened mouth (mien-animator-teeth.c): the
 * photo's part, measured once, and the frame's. */
typedef struct mien_teeth {
  int photo_open; /* the photo's own mouth is open: no teeth (< 0: unknown) */
  float colour[3]; /* < 0: not measured yet */
  float soft_mm;   /* the edges' ramp, the photo's softness (< 0: not yet) */
  /* This frame: whether teeth are painted, and the affine map from the
   * frame's grid pixels to the model's millimetres (x along the mouth
   * from the teeth's midline, y down, from the photo's lip line carried
   * with the upper face). */
  int on;
  float to_x[3], to_y[3];
  float mm_per_grid;
  /* Placed in the opening by the paint (mien_animator_teeth_place): each
   * row's incisal edge line, mm down the model's frame. */
  int placed;
  float up_edge, low_edge;
} mien_teeth;

/* Frames with fewer pixels than this per grid pixel keep the rig's mouth
 * paint on its grid (mien-animator-mouth.c says why). */
#define MIEN_MOUTH_HD_MIN_PIXELS 6.0f
/* The opened mouth's interior and teeth are painted at the frame's
 * resolution from this many pixels per grid pixel: below MIEN_MOUTH_HD_
 * MIN_PIXELS the grid's paint is about as sharp as the photo, but the grid
 * has no teeth, and an opened closed-lipped mouth was a dark hole on every
 * face under ~380 px wide (mien-animator-mouth.c). */
#define MIEN_MOUTH_INTERIOR_MIN_PIXELS 3.0f

/* The photo's own teeth kept rigid in an opened mouth
 * (mien-animator-own-teeth.c): measured once per animator. */
typedef struct mien_own_teeth {
  int state; /* < 0: not measured yet; 0: nothing to keep; 1: the maps */
  /* The maps' box, upright: pixel (i, j) is the photo's point
   * (u0 + i)·axis + (v0 + j)·(−axis.y, axis.x), axis the eyes' (pixel
   * centres), so its columns run down the face even on a tilted head. */
  mien_point axis;
  float u0, v0;
  int w, h;
  float *upper, *lower; /* per pixel of the box: its share of upper teeth
                           (riding with the skull) and of lower teeth
                           (riding with the jaw) */
  /* The inner lips' eight points (60 … 67, grid), the lower three moved
   * down onto where the photo's lower lip begins under its teeth. */
  mien_point inner[8];
  /* Their smooth outline (grid), which the frame carries with the field. */
  mien_point outline[64];
  /* This frame (mien_animator_own_teeth_frame): the share of the redrawn
   * inside (0: none), the outline where the field carries it (grid), the
   * rows' similarities (grid to grid: the upper and the lower teeth) and
   * the inter-ocular distance (grid). */
  float fade;
  mien_point moved_outline[64];
  mien_point zu, tu, zl, tl;
  float iod;
} mien_own_teeth;

struct mien_animator {
  const mien_image *photo;
  mien_rect crop;
  mien_reswarp_mode mode;
  mien_pool *pool;
  mien_device_reswarp *rw; /* the decomposition, on the best backend */
  mien_point grid_landmarks[MIEN_N_LANDMARKS];
  /* The eyes as the face analyzer's iris model saw them (mien_face.eyes;
   * ok = 0 where it did not run): what the photo's iris fit starts from. */
  mien_eye_fit eyes[2];
  mien_generator_output gen_out;
  mien_image *crop_out;
  mien_rect last_paste; /* frame region written by the previous render */
  /* Other faces that reach into the crop, in the grid (nearest first): the
   * generator leaves their heads alone (mien_generator_set_neighbours). */
  mien_point neighbours[MIEN_GENERATOR_MAX_NEIGHBOURS][MIEN_N_LANDMARKS];
  int n_neighbours;
  /* The face's person matte on the generator's grid (MIEN_LOW_RES² values;
   * NULL where the face has none), mien_generator_set_head_matte. */
  float *grid_matte;
  /* The preview's state, made on its first frame (animators that only
   * export or render stills never hold it). */
  struct animator_preview *preview;
  /* Gaze that moves the irises (issue #25), made on the first frame that
   * asks for gaze: the photo's irises, found once. */
  struct animator_gaze *gaze;
  /* The mouth interior at the frame's resolution (mien-animator-mouth.c):
   * O^r without the generator's interior paint (made on the first frame
   * that has one), whether the last frame has one and where, and the photo's noise
   * about the mouth (< 0: not measured yet). */
  mien_image *mouth_base;
  int mouth_painted;
  int mouth_box[4]; /* the painted grid cells: x0, y0, x1, y1 (inclusive) */
  /* The paint's strength closed over 3×3 grid pixels (holes filled) and
   * the interior's mean colour, for the paint at the frame's resolution. */
  float *mouth_alpha;
  float mouth_mean[3];
  float mouth_tongue[3]; /* < 0: not measured yet */
  float mouth_sigma;
  mien_teeth teeth;
  mien_own_teeth own_teeth;
  /* The skin's shading at the frame's resolution (mien-animator-shade.c):
   * O^r without the generator's shading, whether this frame has any, and
   * its grid cells' box (x0, y0, x1, y1, inclusive). */
  mien_image *shade_base;
  const mien_image *composed_from; /* the O^r of the last frame's compose */
  int shaded;
  int shade_box[4];
  /* The background behind the head's region (mien-animator-head.c): the
   * crop with the region filled from around it, at most 128² (the smooth
   * part; the texture is mirrored from the photo as it is laid), made on
   * the first frame that moves the head as a layer;
   * head_fill_key names the region, crop and photo it was made for. */
  mien_image *head_fill;
  uint64_t head_fill_key;
  /* The region softened and grown (grid-sized, 1 channel; soft_regions in
   * mien-animator-head.c): the head's alpha with a smooth outline, and
   * where the head may reach. */
  mien_image *head_soft, *head_grown;
  mien_image *head_soft_grown; /* the two interleaved (one sample, both) */
  /* From each grid node to the nearest node of the background (2
   * channels), across which the fill mirrors the background's texture. */
  mien_image *head_mirror;
};

/* The head over the photo (mien-animator-head.c, issue #24): the
 * generator's head region on the grid and the frame's field. */
typedef struct mien_head_alpha {
  const float *region; /* gw × gh nodes, 1 inside; NULL: no region */
  mien_image region_view; /* the same nodes as a 1-channel image (read only) */
  const mien_image *field;
  int gw, gh;
  /* The head moved as a layer (mien_generator_get_head_layered): a is
   * A(x + F(x)) alone and the fill shows where the head was and is no
   * more. fill covers the crop; grid point (gx, gy) is at
   * ((gx + 0.5)·fill_sx − 0.5, (gy + 0.5)·fill_sy − 0.5) in it. */
  int layered;
  const mien_image *fill;
  float fill_sx, fill_sy;
  const mien_image *soft, *grown, *mirror, *soft_grown;
  /* The picture the frame is laid on (the photo, or a preview level of
   * it): grid point (gx, gy) is at its pixel
   * (src_x + (gx + 0.5)·src_sx − 0.5, src_y + …); set by keep_photo_in,
   * for the fill's texture (NULL: a smooth fill). */
  const mien_image *src;
  float src_x, src_y, src_sx, src_sy, src_w, src_h;
  /* The other faces the layered head leaves in front of it (1 on them;
   * others NULL: none), on the grid. */
  const float *others;
  mien_image others_view;
} mien_head_alpha;

/* The region of gen (NULL if it has none on anim's grid) with anim's last
 * field. */
mien_head_alpha mien_animator_head_alpha (const mien_animator *anim,
                                         const mien_generator *gen);
/* Makes anim->head_fill for gen's region if the last frame moved the head
 * as a layer and the fill is not the one for this region, crop and photo
 * (once per photo). Out of memory: err, and the frames keep ResWarp's
 * pixels where the head moved away. */
mien_status mien_animator_head_fill_update (mien_animator *anim,
                                            const mien_generator *gen,
                                            mien_error *err);
/* For a layered head, each grid patch (node (x, y) to (x+1, y+1); cls is
 * gw × gh, the last row and column MIXED): HEAD where every pixel keeps
 * ResWarp's as it is (the head there before and after), PHOTO where every
 * pixel is the photo's (no head there before or after), MIXED where
 * mien_animator_head_layer_pixel must decide pixel by pixel. */
enum { MIEN_LAYER_PATCH_MIXED, MIEN_LAYER_PATCH_HEAD, MIEN_LAYER_PATCH_PHOTO };
void mien_animator_head_layer_patches (const mien_head_alpha *h,
                                       unsigned char *cls);
/* The fill at grid point (gx, gy) (h->fill's channels into fill): the
 * smooth fill plus the background's texture mirrored across the region's
 * edge when h->src is set. */
void mien_animator_head_fill_at (const mien_head_alpha *h, float gx, float gy,
                                 float *fill);
/* At grid point (gx, gy), a layered head (h->layered): the pixel d
 * (ResWarp's, pc channels) over p (the photo's) becomes
 * v + u·(fill − v), v = p + keep·(d − p) (mien-animator-head.c's header
 * says what keep and u are). */
void mien_animator_head_layer_pixel (const mien_head_alpha *h, float gx,
                                     float gy, const float *p, float *d,
                                     int pc);
/* At grid point (gx, gy): how much of ResWarp's pixel the frame keeps,
 * a = max(A(x), A(x + F(x))); for a layered head keep·(1 − u). */
float mien_animator_head_keep (const mien_head_alpha *h, float gx, float gy);
/* inside (gw × gh): 1 for the grid patches (node (x, y) to (x+1, y+1))
 * whose four nodes are in the region: a = 1 on them. */
void mien_animator_head_inside (const mien_head_alpha *h,
                                unsigned char *inside);

/* The photo's irises and what gaze did in the last frame that asked. */
struct animator_gaze {
  mien_iris iris[2]; /* side 0: the subject's right eye (image left) */
  int n_found;
  /* The photo's softness read from the found irises, grid pixels
   * (mien_animator_photo_blur). */
  float photo_blur;
  /* The crop pixels the last frame's iris move wrote (empty: none). */
  mien_rect touched;
  char note[256];
};

/* For one coarser level at a time: its frame and the photo area-averaged
 * to it (mien_animator_render_preview). */
struct animator_preview {
  int level;
  mien_image *out, *photo;
};

/* How soft the photo is about the face, in pixels of the generator's grid
 * (mien_generator_set_photo_blur): from the limbus of the irises found in
 * it (finding them on first use, as gaze does); 0 where none was found. */
float mien_animator_photo_blur (mien_animator *anim);

/* Before the generator: c itself, or (gaze asked for and an iris found)
 * a copy of c without gaze in *buf, with *move_irises set. */
const mien_driving *mien_animator_gaze_begin (mien_animator *anim,
                                              const mien_driving *c,
                                              mien_driving *buf,
                                              int *move_irises);
/* Before the generator: clears gen_out.interior (a generator that paints
 * no interior leaves it alone). */
void mien_animator_mouth_reset (mien_animator *anim);
/* Teeth: forget the photo's measures (a new animator); this frame's map
 * into the teeth's model, carried with the upper face by gen_out.field
 * (after the generator); the rows' heights from the opening at the
 * teeth's midline (grid column gx, its top and bottom rows, < 0: none;
 * per paint); and the teeth's cover and colour at frame-grid point
 * (gx, gy), px_grid grid pixels a frame pixel, top_mm_below mm under the
 * opening's top (< 0: unknown). */
void mien_animator_teeth_reset (mien_animator *anim);
void mien_animator_teeth_frame (mien_animator *anim);
void mien_animator_teeth_place (mien_animator *anim, float gx, float top,
                                float bottom);
float mien_animator_teeth_sample (const mien_animator *anim, float gx,
                                  float gy, float px_grid, float top_mm_below,
                                  float *colour);
/* Whether the photo shows its own mouth's inside (teeth.photo_open, found
 * once), with the face's inter-ocular distance in grid pixels and the
 * eyes' axis (unit, image right); 0 where the eyes give no scale. */
int mien_animator_teeth_photo (mien_animator *anim, float *iod_grid,
                               mien_point *axis);
/* The similarity z·a + t (z complex: scale and rotation) that carries the
 * points a onto b best in least squares; and the point that it carries to
 * g (its inverse at g). */
void mien_animator_fit_similarity (const mien_point *a, const mien_point *b,
                                   int n, mien_point *z, mien_point *t);
/* The similarity that carries the photo's grid landmarks first … first +
 * n − 1 (n ≤ 16) to where this frame's field shows them; 0 where it is
 * degenerate. */
int mien_animator_carried_similarity (const mien_animator *anim, int first,
                                      int n, mien_point *z, mien_point *t);
static inline mien_point
mien_animator_similarity_source (mien_point z, mien_point t, mien_point g)
{
  float d = z.x * z.x + z.y * z.y;
  float gx = g.x - t.x, gy = g.y - t.y;
  return (mien_point){ (z.x * gx + z.y * gy) / d, (z.x * gy - z.y * gx) / d };
}
/* Smoothstep: 0 at lo, 1 at hi, clamped. */
static inline float
mien_animator_smooth01 (float lo, float hi, float v)
{
  float t = (v - lo) / (hi - lo);
  t = t < 0.0f ? 0.0f : t > 1.0f ? 1.0f : t;
  return t * t * (3.0f - 2.0f * t);
}
/* The mouth's measures of the photo, once per animator: the tongue's
 * colour (mouth_tongue) and the photo's noise about the mouth; and the
 * grain, a deterministic unit-variance value per pixel of a level. */
void mien_animator_mouth_tongue (mien_animator *anim);
float mien_animator_mouth_noise (mien_animator *anim);
float mien_animator_grain_at (int x, int y, int level_key);
/* The photo's own teeth kept rigid (mien-animator-own-teeth.c). After
 * the generator, once a frame: where the photo shows its own teeth and
 * the mouth opens, where they go (the photo measured on the first call).
 * After the mouth's paint: those teeth redrawn rigid (the upper row with
 * its lip and the skull's turn, the lower with its lip and the jaw's) in
 * the opening, on out, a frame of the crop at `scale`, of which only
 * region r is written. _free forgets the photo's measures. */
void mien_animator_own_teeth_frame (mien_animator *anim);
void mien_animator_own_teeth_paint (mien_animator *anim, mien_image *out,
                                    float scale, mien_rect r);
/* This frame's share of that redrawn inside (0 … 1; 0: none): the rig's
 * interior paint, whose staircase of grid cells reaches past the smooth
 * outline onto the lower lip, gives way to it by that share. */
float mien_animator_own_teeth_share (const mien_animator *anim);
void mien_animator_own_teeth_free (mien_animator *anim);
/* After the mouth: each raised brow's zone (the brow, then the lid's skin
 * down to the upper lid) drawn again from the photo, the brow rigid and
 * the lid's stretch spread evenly (mien-animator-brows.c), on out, a frame
 * of the crop at `scale`, of which only region r is written. */
mien_status mien_animator_brows_paint (mien_animator *anim, mien_image *out,
                                       float scale, mien_rect r,
                                       mien_error *err);

/* Where the frame shows the photo's grid point p: the x with x + F(x) = p
 * (Newton's method with the field's finite-difference Jacobian; the
 * generators' fields do not fold, so there is one). Gaze's iris move and
 * the teeth use it. */
mien_point mien_animator_forward_grid_point (const mien_image *field,
                                             mien_point p);
/* qsort's order of floats (ascending). */
int mien_animator_cmp_float (const void *a, const void *b);
/* v[k] as it would be after sorting v[0 … n) (k < n), in linear time on
 * average: v is reordered. Finite values only. For the median over a
 * whole mouth box at 4K (mien_animator_mouth_noise, once per photo):
 * qsort there was 3.9 % of a 4K mien-render's samples, this 0.7 %. */
float mien_animator_kth_smallest (float *v, size_t n, size_t k);
/* After the generator: the O^r to compose a frame of the crop, or of any
 * preview level, from: ref (gen_out.refined, or it without the shading),
 * or, where the generator painted a
 * mouth interior and the full frame has enough pixels per grid pixel for
 * it to show, O^r without it (NULL with err when out of memory). */
const mien_image *mien_animator_mouth_refined (mien_animator *anim,
                                              const mien_image *ref,
                                              mien_error *err);
/* After the compose: the interior painted on out, a frame of the crop at
 * `scale` (1: the crop), of which only region r is written. */
void mien_animator_mouth_paint (mien_animator *anim, mien_image *out,
                                float scale, mien_rect r);
/* The skin's shading (creases, folds, shadows) at the frame's resolution
 * (mien-animator-shade.c). Before the generator: fills gen_out.shade with
 * 1. After it: the O^r without the generator's shading (ref itself where
 * it shaded nothing; NULL with err when out of memory), which the
 * mouth's recovery then reads. After the compose and the mouth's paint:
 * the shading applied to out, a frame of the crop at `scale`, of which
 * only region r is written. */
void mien_animator_shade_reset (mien_animator *anim);
const mien_image *mien_animator_shade_refined (mien_animator *anim,
                                               const mien_image *ref,
                                               mien_error *err);
mien_status mien_animator_shade_paint (mien_animator *anim, mien_image *out,
                                       float scale, mien_rect r,
                                       mien_error *err);
/* After the compose: moves each found iris on out, a frame of the crop at
 * `scale` (1: the crop; a preview level's size over the crop's), of which
 * only region r is written. */
mien_status mien_animator_gaze_move (mien_animator *anim, mien_image *out,
                                     float scale, mien_rect r,
                                     const mien_driving *c, mien_error *err);
