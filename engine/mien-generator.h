/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The generator interface (DESIGN.md "engine/generator.h"):
 *
 *   (I 128×128 RGB, driving vector c, 68 landmarks in the 128 grid)
 *       → F (128×128×2), O^w = warp(I, F), O^r
 *
 * F is a displacement in pixels of the 128 grid, in the backward convention
 * of mien_warp_bilinear: out(x) = in(x + F(x)). O^r is the refined result
 * that ResWarp up-samples. ResWarp, preview and export never know which
 * generator ran: an implementation is a table of function pointers (the
 * anatomical rig now, the ATW neural generator later).
 *
 * Contract every implementation keeps, because paste-back relies on it:
 * where F is 0 in a 2-pixel neighbourhood, O^r equals I exactly; F is 0 on
 * the outer 2 pixels of the grid; x → x + F(x) has a positive Jacobian
 * determinant everywhere (no folds), whatever c holds. */
#pragma once

#include "face/mien-face.h"
#include "mien-au.h"
#include "mien-image.h"
#include "mien-pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_generator mien_generator;

typedef struct mien_generator_output {
  mien_image *field;   /* F: low_w × low_h × 2 */
  mien_image *warped;  /* O^w: same size as I */
  mien_image *refined; /* O^r: same size as I */
  /* The mouth interior the generator painted into O^r (issue #26):
   * low_w × low_h × 4, the paint's colour (RGB) and its strength a
   * (0 … 1), blended as O^r = (1 − a)·O^r + a·colour. All 0 where nothing
   * was painted; a generator that paints none leaves it alone (the
   * animator zeroes it before each frame). The animator paints it again
   * at the frame's own resolution (mien-animator-mouth.c). */
  mien_image *interior;
  /* The skin shading the generator multiplied into O^r last (creases,
   * folds and shadows; issue #26): low_w × low_h × 3, per channel the
   * factor m it applied, O^r = m · (O^r before it). All 1 where nothing
   * was shaded; a generator that shades nothing leaves it alone (the
   * animator fills it with 1 before each frame). The animator shades the
   * frame itself at its own resolution (mien-animator-shade.c), so that
   * a crease darkens the photo's own texture instead of laying a 128²
   * stroke over it. */
  mien_image *shade;
} mien_generator_output;

typedef struct mien_generator_class {
  const char *name;
  /* Writes F, O^w and O^r into out (allocated by the caller, see
   * mien_generator_output_new). landmarks are in pixels of I's grid. */
  mien_status (*generate) (mien_generator *gen, const mien_image *input,
                           const mien_driving *c,
                           const mien_point landmarks[MIEN_N_LANDMARKS],
                           mien_generator_output *out, mien_pool *pool,
                           mien_error *err);
  void (*free) (mien_generator *gen);
  /* Optional: the other faces near this one (68 landmarks each, in I's
   * grid), whose heads the next frames must leave where they are (the
   * rig's head pose, issue #24). NULL: the generator has no use for them. */
  void (*set_neighbours) (mien_generator *gen, const mien_point *landmarks,
                          int n_faces);
  /* Optional: the person matte about the head on I's grid (w·h values in
   * 0 … 1; NULL for none), which bounds the head's region (issue #24).
   * NULL: the generator has no use for it. */
  void (*set_head_matte) (mien_generator *gen, const float *matte, int width,
                          int height);
  /* Optional: how soft the photo is, in pixels of I's grid (the σ of the
   * Gaussian blur its sharpest edges show beyond a crisp one; 0 for
   * crisp or unknown), so that what the generator draws is no sharper
   * than the photo. NULL: it draws nothing that would need it. */
  void (*set_photo_blur) (mien_generator *gen, float sigma);
  /* Optional: the head's region on I's grid as of the last frame (1
   * inside, 0 outside; *width × *height values, owned by the generator),
   * over which the animator lays the head on the photo (issue #24). NULL,
   * or returning NULL: no region, ResWarp's frame as it is. */
  const float *(*get_head_region) (const mien_generator *gen, int *width,
                                   int *height);
  /* Optional: whether the last frame moved the head as a layer (its
   * outline with it, a head pose): the animator then fills the background
   * the head uncovers instead of keeping ResWarp's pixels there. NULL or
   * 0: the region's outline stays where the photo has it. When 1, *others
   * (if others is not NULL) is NULL or a map on the region's grid, 1 on
   * the other faces the head leaves in front of it. */
  int (*get_head_layered) (const mien_generator *gen, const float **others);
} mien_generator_class;

/* Implementations embed this first in their own struct. */
struct mien_generator {
  const mien_generator_class *klass;
};

const char *mien_generator_get_name (const mien_generator *gen);
mien_status mien_generator_generate (mien_generator *gen,
                                     const mien_image *input,
                                     const mien_driving *c,
                                     const mien_point landmarks[MIEN_N_LANDMARKS],
                                     mien_generator_output *out,
                                     mien_pool *pool, mien_error *err);
void mien_generator_free (mien_generator *gen);
/* The faces beside this one (n_faces × MIEN_N_LANDMARKS points in I's grid;
 * 0 for none), for the frames from now on; copied. Generators that do not
 * move whole heads ignore them. At most MIEN_GENERATOR_MAX_NEIGHBOURS are
 * kept (the nearest first is the caller's order). */
#define MIEN_GENERATOR_MAX_NEIGHBOURS 8
void mien_generator_set_neighbours (mien_generator *gen,
                                    const mien_point *landmarks, int n_faces);

/* The person matte about this face on I's grid (width × height values in
 * 0 … 1, from mien_head_matte; NULL for none), for the frames from now on;
 * copied. Generators that do not bound the head ignore it. */
void mien_generator_set_head_matte (mien_generator *gen, const float *matte,
                                    int width, int height);

/* How soft the photo is about this face, in pixels of I's grid (σ of a
 * Gaussian; 0: crisp or unknown), for the frames from now on. The rig
 * blurs its forehead lines by it (rig-paint.c). Generators that draw no
 * detail of their own ignore it. */
void mien_generator_set_photo_blur (mien_generator *gen, float sigma);

/* The head's region of the last frame (get_head_region), or NULL. */
const float *mien_generator_get_head_region (const mien_generator *gen,
                                             int *width, int *height);

/* Whether the last frame moved the head as a layer (get_head_layered);
 * *others as there (NULL when not layered). others may be NULL. */
int mien_generator_get_head_layered (const mien_generator *gen,
                                     const float **others);

/* Divides the skin's shading (out->shade's factors m) out of img, O^r or
 * a copy of it, over the grid cells x0 … x1, y0 … y1 (inclusive):
 * O^r = m · u gives u. Factors at or below 0.05 are left alone (the
 * rig's stay above 0.4). The animator and the field-scaling clip compose
 * from u and lay the shading on the frame at its own resolution. */
void mien_generator_unshade (mien_image *img, const mien_image *shade, int x0,
                             int y0, int x1, int y1);

/* Allocates the three outputs for an input of width × height × channels. */
mien_status mien_generator_output_init (mien_generator_output *out, int width,
                                        int height, int channels,
                                        mien_error *err);
void mien_generator_output_clear (mien_generator_output *out);

#ifdef __cplusplus
}
#endif
