/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The project's life (mien-project.h): init, clear, keyframes, photo, and
 * the timeline it describes. The parts are listed in
 * mien-project-private.h. */
#include "mien-project-private.h"

#include <stdlib.h>
#include <string.h>

/* ---- small enums ---------------------------------------------------------- */

const char *
mien_clip_region_to_string (mien_clip_region region)
{
  return region == MIEN_CLIP_REGION_FACE ? "face" : "photo";
}

int
mien_clip_region_from_string (const char *name)
{
  if (name && strcmp (name, "photo") == 0)
    return MIEN_CLIP_REGION_PHOTO;
  if (name && strcmp (name, "face") == 0)
    return MIEN_CLIP_REGION_FACE;
  return -1;
}

const char *const project_scale_names[3] = { "full", "half", "max-side" };

int
project_scale_from_string (const char *name)
{
  for (int i = 0; i < 3; i++)
    if (name && strcmp (name, project_scale_names[i]) == 0)
      return i;
  return -1;
}

/* ---- project lifetime ----------------------------------------------------- */

void
mien_animation_settings_init (mien_animation_settings *s)
{
  *s = (mien_animation_settings){
    .mode = MIEN_RESWARP_VANILLA,
    .fps = 30.0,
    .duration = 2.0,
    .scale = MIEN_EXPORT_SCALE_FULL,
    .max_side = 1024,
    .interpolation = MIEN_INTERPOLATION_DRIVING,
    .ping_pong = 0,
    .region = MIEN_CLIP_REGION_PHOTO,
  };
}

void
mien_project_init (mien_project *project)
{
  *project = (mien_project){ .face = -1 };
  mien_expression_spec_init (&project->target);
  mien_animation_settings_init (&project->settings);
}

void
mien_project_clear (mien_project *project)
{
  free (project->photo);
  free (project->keyframes);
  mien_project_init (project);
}

mien_status
mien_project_add_keyframe (mien_project *project,
                           const mien_keyframe_spec *keyframe, mien_error *err)
{
  if (project->n_keyframes >= MIEN_PROJECT_MAX_KEYFRAMES)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "more than %d keyframes", MIEN_PROJECT_MAX_KEYFRAMES);
  mien_keyframe_spec *k = realloc (project->keyframes,
                                   sizeof *k * (size_t)(project->n_keyframes + 1));
  if (!k)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  k[project->n_keyframes++] = *keyframe;
  project->keyframes = k;
  return MIEN_OK;
}

mien_status
mien_project_set_photo (mien_project *project, const char *photo,
                        mien_error *err)
{
  char *copy = photo ? strdup (photo) : NULL;
  if (photo && !copy)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  free (project->photo);
  project->photo = copy;
  return MIEN_OK;
}

mien_timeline *
mien_project_build_timeline (const mien_project *project, mien_error *err)
{
  const mien_animation_settings *s = &project->settings;
  mien_driving c;
  if (project->n_keyframes == 0)
    {
      mien_expression_spec_to_driving (&project->target, &c);
      return mien_clip_default_timeline (&c, s->duration, s->ping_pong, err);
    }
  mien_timeline *tl = mien_timeline_new (MIEN_AU_N_CHANNELS, err);
  for (int i = 0; tl && i < project->n_keyframes; i++)
    {
      const mien_keyframe_spec *k = &project->keyframes[i];
      mien_expression_spec_to_driving (&k->expression, &c);
      if (mien_timeline_add_keyframe (tl, k->time, c.values, k->easing, err)
          != MIEN_OK)
        {
          mien_timeline_free (tl);
          return NULL;
        }
    }
  if (tl)
    mien_timeline_set_ping_pong (tl, s->ping_pong);
  return tl;
}
