/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-generator.h"

#include <math.h>
#include <stddef.h>

const char *
mien_generator_get_name (const mien_generator *gen)
{
  return gen && gen->klass ? gen->klass->name : "(none)";
}

static int
output_matches (const mien_generator_output *out, const mien_image *input)
{
  return out->field && out->warped && out->refined
         && out->field->width == input->width
         && out->field->height == input->height && out->field->channels == 2
         && mien_image_same_shape (out->warped, input)
         && mien_image_same_shape (out->refined, input);
}

mien_status
mien_generator_generate (mien_generator *gen, const mien_image *input,
                         const mien_driving *c,
                         const mien_point landmarks[MIEN_N_LANDMARKS],
                         mien_generator_output *out, mien_pool *pool,
                         mien_error *err)
{
  if (!gen || !gen->klass || !input || !c || !landmarks || !out)
    return mien_error_set (err, MIEN_ERR_INVALID, "generator: missing argument");
  if (!output_matches (out, input))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "generator: outputs do not match the %d×%d input",
                           input->width, input->height);
  return gen->klass->generate (gen, input, c, landmarks, out, pool, err);
}

void
mien_generator_set_neighbours (mien_generator *gen, const mien_point *landmarks,
                               int n_faces)
{
  if (!gen || !gen->klass || !gen->klass->set_neighbours)
    return;
  if (n_faces < 0 || !landmarks)
    n_faces = 0;
  if (n_faces > MIEN_GENERATOR_MAX_NEIGHBOURS)
    n_faces = MIEN_GENERATOR_MAX_NEIGHBOURS;
  gen->klass->set_neighbours (gen, landmarks, n_faces);
}

void
mien_generator_set_head_matte (mien_generator *gen, const float *matte,
                               int width, int height)
{
  if (!gen || !gen->klass || !gen->klass->set_head_matte)
    return;
  if (width <= 0 || height <= 0)
    matte = NULL;
  gen->klass->set_head_matte (gen, matte, width, height);
}

const float *
mien_generator_get_head_region (const mien_generator *gen, int *width,
                                int *height)
{
  if (!gen || !gen->klass || !gen->klass->get_head_region)
    return NULL;
  return gen->klass->get_head_region (gen, width, height);
}

int
mien_generator_get_head_layered (const mien_generator *gen,
                                 const float **others)
{
  if (others)
    *others = NULL;
  if (!gen || !gen->klass || !gen->klass->get_head_layered)
    return 0;
  return gen->klass->get_head_layered (gen, others);
}

void
mien_generator_set_photo_blur (mien_generator *gen, float sigma)
{
  if (!gen || !gen->klass || !gen->klass->set_photo_blur)
    return;
  gen->klass->set_photo_blur (gen, isfinite (sigma) && sigma > 0.0f ? sigma
                                                                      : 0.0f);
}

void
mien_generator_free (mien_generator *gen)
{
  if (gen && gen->klass && gen->klass->free)
    gen->klass->free (gen);
}

void
mien_generator_unshade (mien_image *img, const mien_image *shade, int x0,
                        int y0, int x1, int y1)
{
  if (!img || !shade || shade->channels != 3 || shade->width != img->width
      || shade->height != img->height)
    return;
  int pc = img->channels, nc = pc < 3 ? pc : 3;
  for (int y = y0 < 0 ? 0 : y0; y <= y1 && y < img->height; y++)
    {
      const float *m = mien_image_row (shade, y);
      float *u = mien_image_row (img, y);
      for (int x = x0 < 0 ? 0 : x0; x <= x1 && x < img->width; x++)
        for (int c = 0; c < nc; c++)
          if (m[3 * x + c] > 0.05f)
            u[(size_t)x * pc + c] /= m[3 * x + c];
    }
}

mien_status
mien_generator_output_init (mien_generator_output *out, int width, int height,
                            int channels, mien_error *err)
{
  *out = (mien_generator_output){ 0 };
  out->field = mien_image_new_zeroed (width, height, 2, err);
  out->warped = out->field ? mien_image_new (width, height, channels, err) : NULL;
  out->refined = out->warped ? mien_image_new (width, height, channels, err)
                             : NULL;
  out->interior = out->refined ? mien_image_new_zeroed (width, height, 4, err)
                               : NULL;
  out->shade = out->interior ? mien_image_new (width, height, 3, err) : NULL;
  if (out->shade)
    for (size_t i = 0; i < mien_image_n_floats (out->shade); i++)
      out->shade->data[i] = 1.0f;
  if (!out->shade)
    {
      mien_generator_output_clear (out);
      return err ? err->status : MIEN_ERR_NOMEM;
    }
  return MIEN_OK;
}

void
mien_generator_output_clear (mien_generator_output *out)
{
  mien_image_free (out->field);
  mien_image_free (out->warped);
  mien_image_free (out->refined);
  mien_image_free (out->interior);
  mien_image_free (out->shade);
  *out = (mien_generator_output){ 0 };
}
