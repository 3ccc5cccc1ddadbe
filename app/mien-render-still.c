/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render's single frame: the chosen face's expression rendered once
 * (generator → ResWarp → paste-back), saved at the photo's full resolution
 * or as the face's crop, with what the photo carries besides RGB; with
 * --debug-dir the intermediate results of the ATW paper's figure 4 too. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atw/mien-atw.h"
#include "io/mien-flo.h"
#include "io/mien-image-io.h"
#include "mien-animator.h"
#include "mien-field.h"
#include "mien-render-tool.h"
#include "mien-resample.h"
#include "mien-rig.h"

/* ---------------------------------------------------------------------- */
/* Debug pictures (ATW figure 4) */

static mien_status
save_in (const char *dir, const char *name, const mien_image *image,
         mien_error *err)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  if (strstr (name, ".flo"))
    return mien_flo_save (image, path, err);
  return mien_image_save (image, path, err);
}

/* A 4× enlargement (bilinear) so 128² pictures are visible. */
static mien_status
save_big (const char *dir, const char *name, const mien_image *image,
          mien_error *err)
{
  mien_image *big = mien_image_new (image->width * 4, image->height * 4,
                                    image->channels, err);
  if (!big)
    return err->status;
  mien_status st = mien_upsample_bilinear (image, big, NULL, err);
  if (st == MIEN_OK)
    st = save_in (dir, name, big, err);
  mien_image_free (big);
  return st;
}

/* G · warp(R_0, F_0) (gain NULL: 1), shown as 0.5 + 4·R so that detail is
 * visible. */
static mien_image *
warped_residual (mien_animator *anim, const mien_image *field,
                 const mien_image *gain, mien_error *err)
{
  mien_decomposition *dec = mien_animator_get_decomposition (anim);
  if (dec == NULL)
    {
      /* A GPU keeps the residuals: the CPU's are what is drawn here. */
      mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                      "the residual picture needs the CPU backend (MIEN_CPU=1)");
      return NULL;
    }
  if (mien_decomposition_get_n_residuals (dec) < 1)
    return NULL;
  /* A float copy: the residual may be held in 16 bits. */
  mien_image *r = mien_decomposition_copy_residual (dec, 0, NULL, err);
  if (r == NULL)
    return NULL;
  mien_image *zero = mien_image_new_zeroed (2, 2, r->channels, err);
  mien_image *out = mien_image_new (r->width, r->height, r->channels, err);
  if (zero && out
      && mien_reswarp_compose_level_gain (zero, r, field, gain, out, NULL, err)
             == MIEN_OK)
    {
      for (size_t i = 0; i < mien_image_n_floats (out); i++)
        out->data[i] = 0.5f + 4.0f * out->data[i];
      mien_image_free (zero);
      mien_image_free (r);
      return out;
    }
  mien_image_free (r);
  mien_image_free (zero);
  mien_image_free (out);
  return NULL;
}

static mien_status
write_debug (const char *dir, mien_animator *anim, const mien_generator *gen,
             const mien_generator_output *g, const mien_image *crop_out,
             const mien_image *photo, mien_error *err)
{
  if (mkdir (dir, 0777) != 0 && errno != EEXIST)
    return mien_error_set (err, MIEN_ERR_IO, "cannot create %s", dir);
  const mien_rect *cr = mien_animator_get_crop (anim);
  mien_image *before = mien_image_crop (photo, cr->x, cr->y, cr->width,
                                        cr->height, err);
  mien_image *color = mien_image_new (g->field->width, g->field->height, 3, err);
  mien_image *gain = mien_image_new (g->field->width, g->field->height, 1, err);
  mien_status st = gain ? mien_field_residual_gain (g->field, gain, err)
                        : err->status;
  mien_decomposition *dec = mien_animator_get_decomposition (anim);
  int fade = dec == NULL || mien_decomposition_get_residual_fade (dec);
  mien_image *res = st == MIEN_OK
                        ? warped_residual (anim, g->field, fade ? gain : NULL,
                                           err)
                        : NULL;
  if (st == MIEN_OK)
    st = (before && color && res) ? MIEN_OK : err->status;
  if (st == MIEN_OK)
    st = mien_field_to_color (g->field, 0.0f, color, err);
  if (st == MIEN_OK) st = save_in (dir, "F.flo", g->field, err);
  if (st == MIEN_OK) st = save_big (dir, "F.png", color, err);
  if (st == MIEN_OK) st = save_big (dir, "I.png", mien_animator_get_low (anim), err);
  if (st == MIEN_OK) st = save_big (dir, "Ow.png", g->warped, err);
  if (st == MIEN_OK) st = save_big (dir, "Or.png", g->refined, err);
  if (st == MIEN_OK) st = save_big (dir, "G.png", gain, err);
  if (st == MIEN_OK) st = save_in (dir, "Rw.png", res, err);
  if (st == MIEN_OK) st = save_in (dir, "crop-before.png", before, err);
  if (st == MIEN_OK) st = save_in (dir, "crop-after.png", crop_out, err);
  /* How much of ResWarp the frame kept (the head over the photo). */
  mien_image *keep = st == MIEN_OK ? mien_image_new (cr->width, cr->height,
                                                     1, err)
                                   : NULL;
  if (st == MIEN_OK)
    st = keep ? mien_animator_get_head_keep (anim, gen, keep, err)
              : err->status;
  if (st == MIEN_OK) st = save_in (dir, "head-keep.pfm", keep, err);
  mien_image_free (keep);
  mien_image_free (before);
  mien_image_free (color);
  mien_image_free (gain);
  mien_image_free (res);
  return st;
}

/* ---------------------------------------------------------------------- */
/* The frame */

static float
max_displacement (const mien_image *field)
{
  float m = 0.0f;
  for (size_t i = 0; i + 1 < mien_image_n_floats (field); i += 2)
    m = fmaxf (m, hypotf (field->data[i], field->data[i + 1]));
  return m;
}

/* A photo that already shows the head turned far: the rig limited the yaw
 * so that photo and turn stay within ±45° (issue #24). A warning, also
 * with --quiet. */
static void
warn_pose_limit (const mien_generator *gen, const mien_driving *c)
{
  mien_rig_stats st;
  float asked = c->values[MIEN_HEAD_YAW];
  if (asked != 0.0f && mien_rig_get_stats (gen, &st) && st.yaw_used != asked)
    fprintf (stderr,
             "%s: warning: the head is turned %.0f° in the photo; yaw %g is "
             "limited to %.1f (photo and turn stay within ±45°)\n",
             program, (double)st.photo_yaw, (double)asked,
             (double)st.yaw_used);
}

static void
add_photo_preset (mien_animator *anim, mien_expression_spec *spec)
{
  if (spec->preset != MIEN_PRESET_LOOK_AT_CAMERA)
    return;
  mien_driving c;
  mien_driving_init (&c);
  mien_animator_add_preset (anim, &c, MIEN_PRESET_LOOK_AT_CAMERA,
                            spec->intensity);
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    spec->aus.values[i] += c.values[i];
}

mien_status
mien_render_photo_presets (mien_animator *anim, const mien_project *project,
                           mien_project *out, mien_error *err)
{
  *out = *project;
  out->keyframes = NULL;
  if (project->n_keyframes > 0)
    {
      out->keyframes = malloc (sizeof *out->keyframes
                               * (size_t)project->n_keyframes);
      if (!out->keyframes)
        return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      memcpy (out->keyframes, project->keyframes,
              sizeof *out->keyframes * (size_t)project->n_keyframes);
    }
  add_photo_preset (anim, &out->target);
  for (int i = 0; i < out->n_keyframes; i++)
    add_photo_preset (anim, &out->keyframes[i].expression);
  return MIEN_OK;
}

void
mien_render_photo_presets_clear (mien_project *out)
{
  free (out->keyframes);
  out->keyframes = NULL;
  out->n_keyframes = 0;
}

void
mien_render_warn_gaze (const mien_animator *anim)
{
  const char *note = anim ? mien_animator_get_gaze_note (anim) : NULL;
  if (note)
    fprintf (stderr, "%s: warning: %s\n", program, note);
}

static void
report (const options *opt, const mien_animator *anim, int face,
        const mien_generator *gen, const mien_generator_output *g)
{
  mien_rig_stats st;
  mien_atw_info info;
  const mien_rect *cr = mien_animator_get_crop (anim);
  if (opt->quiet)
    return;
  printf ("%s: face %d, crop %d×%d at (%d, %d), %s ResWarp\n", opt->output,
          face, cr->width, cr->height, cr->x, cr->y,
          mien_reswarp_mode_to_string (mien_animator_get_mode (anim)));
  if (mien_rig_get_stats (gen, &st))
    printf ("field: max |F| %.2f px (128 grid), min Jacobian %.3f%s\n",
            (double)st.max_displacement, (double)st.min_jacobian,
            st.fold_alpha < 1.0f ? " (scaled down to avoid folds)" : "");
  /* The network promises no fold-free field: report what it produced. */
  if (mien_atw_generator_get_info (gen, &info) && g)
    printf ("ATW generator (%zu parameters): max |F| %.2f px (128 grid), "
            "min Jacobian %.3f%s\n", info.n_parameters,
            (double)max_displacement (g->field),
            (double)mien_field_min_jacobian (g->field),
            mien_field_min_jacobian (g->field) <= 0.0f ? " (FOLDS)" : "");
}

/* What the photo carries besides RGB (alpha, ICC profile, bit depth): a
 * still output keeps it, cropped for a face-only output. */
static mien_status
save_still (const char *path, const mien_image *image,
            const mien_image_extras *extras, const mien_rect *crop,
            int quality, mien_error *err)
{
  mien_image_extras part = { 0 };
  if (crop && mien_image_extras_crop (extras, crop->x, crop->y, crop->width,
                                      crop->height, &part, err)
                  != MIEN_OK)
    return err->status;
  const char *warning = NULL;
  mien_image_save_options save = { .quality = quality };
  mien_status st = mien_image_save_with (image, crop ? &part : extras, path,
                                         &save, &warning, err);
  if (st == MIEN_OK && warning)
    fprintf (stderr, "%s: warning: %s: %s\n", program, path, warning);
  mien_image_extras_clear (&part);
  return st;
}

int
mien_render_still (const options *opt, const mien_project *project,
                   const mien_image *photo, const mien_image_extras *extras,
                   const mien_face *face, int face_index,
                   const mien_face *all, int n_all)
{
  mien_error err = { 0 };
  mien_driving cv, *c = &cv;
  int crop_only = project->settings.region == MIEN_CLIP_REGION_FACE;
  mien_reswarp_mode mode = project->settings.mode;
  mien_generator *gen = mien_render_make_generator (opt->generator, &err);
  mien_animator *anim = gen ? mien_animator_new (photo, face, mode, NULL, &err)
                            : NULL;
  if (anim && opt->no_fade)
    mien_animator_set_residual_fade (anim, 0);
  if (anim)
    {
      mien_animator_set_other_faces (anim, all, n_all, face_index);
      mien_expression_spec target = project->target;
      add_photo_preset (anim, &target);
      mien_expression_spec_to_driving (&target, c);
    }
  mien_image *frame = anim && !crop_only ? mien_image_copy (photo, &err) : NULL;
  const mien_image *crop_out = NULL;
  const mien_generator_output *g = NULL;
  mien_status st = anim && (crop_only || frame) ? MIEN_OK : err.status;
  if (st == MIEN_OK)
    st = crop_only
             ? mien_animator_render_crop (anim, gen, c, &crop_out, &g, &err)
             : mien_animator_render (anim, gen, c, frame, NULL, &err);
  if (st == MIEN_OK && !crop_only)
    st = mien_animator_render_crop (anim, gen, c, &crop_out, &g, &err);
  if (st == MIEN_OK && opt->debug_dir)
    st = write_debug (opt->debug_dir, anim, gen, g, crop_out, photo, &err);
  if (st == MIEN_OK)
    st = save_still (opt->output, crop_only ? crop_out : frame, extras,
                     crop_only ? mien_animator_get_crop (anim) : NULL,
                     opt->quality, &err);
  if (st == MIEN_OK)
    {
      report (opt, anim, face_index, gen, g);
      warn_pose_limit (gen, c);
      mien_render_warn_gaze (anim);
    }
  else
    fprintf (stderr, "%s: %s\n", program, err.message);
  mien_image_free (frame);
  mien_animator_free (anim);
  mien_generator_free (gen);
  return st == MIEN_OK ? 0 : 1;
}
