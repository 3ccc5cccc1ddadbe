/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The solved curves as an editable project (thinned keyframes) or a
 * timeline (every frame). */
#include "mien-drive-private.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- curves ------------------------------------------------------------- */

mien_timeline *
mien_drive_to_timeline (const mien_drive_result *r, mien_error *err)
{
  mien_timeline *tl = mien_timeline_new (MIEN_AU_N_CHANNELS, err);
  for (int i = 0; tl && i < r->n_frames; i++)
    if (mien_timeline_add_keyframe (tl, i / r->fps,
                                    r->values + (size_t)i * MIEN_AU_N_CHANNELS,
                                    MIEN_EASING_LINEAR, err)
        != MIEN_OK)
      {
        mien_timeline_free (tl);
        tl = NULL;
      }
  return tl;
}

/* Does the line from keyframe a to b stay within tol of every frame
 * between them? tol is in AU units (0–5); a channel with another range
 * (the head's ±20°) gets the same share of its range. */
static int
line_fits (const mien_drive_result *r, int a, int b, float tol, float *worst)
{
  const float *va = r->values + (size_t)a * MIEN_AU_N_CHANNELS;
  const float *vb = r->values + (size_t)b * MIEN_AU_N_CHANNELS;
  float w = 0.0f;
  for (int i = a + 1; i < b; i++)
    {
      float u = (float)(i - a) / (float)(b - a);
      const float *v = r->values + (size_t)i * MIEN_AU_N_CHANNELS;
      for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
        {
          float range = mien_au_channels[k].max - mien_au_channels[k].min;
          float e = fabsf (va[k] + u * (vb[k] - va[k]) - v[k])
                    * (range > 0.0f ? MIEN_AU_MAX / range : 1.0f);
          if (e > tol)
            return 0;
          w = fmaxf (w, e);
        }
    }
  *worst = fmaxf (*worst, w);
  return 1;
}

/* Greedy thinning; fills keep[] and returns the count. */
static int
thin (const mien_drive_result *r, float tol, int max_span, char *keep,
      float *worst)
{
  memset (keep, 0, (size_t)r->n_frames);
  *worst = 0.0f;
  int a = 0, n = 1;
  keep[0] = 1;
  while (a < r->n_frames - 1)
    {
      int b = a + 1;
      float w = 0.0f;
      while (b + 1 < r->n_frames && b + 1 - a <= max_span
             && line_fits (r, a, b + 1, tol, &w))
        b++;
      *worst = fmaxf (*worst, w);
      keep[b] = 1;
      n++;
      a = b;
    }
  return n;
}

mien_status
mien_drive_to_project (const mien_drive_result *r, float tol,
                       int max_keyframes, mien_project *project,
                       float *max_error, mien_error *err)
{
  if (r->n_frames < 1)
    return mien_error_set (err, MIEN_ERR_INVALID, "no frames to keep");
  char *keep = malloc ((size_t)r->n_frames);
  if (keep == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  int span = (int)ceil (2.0 * r->fps);
  float worst = 0.0f;
  int n = thin (r, tol, span, keep, &worst);
  while (n > max_keyframes && tol < MIEN_AU_MAX)
    {
      tol *= 1.5f;
      span *= 2;
      n = thin (r, tol, span, keep, &worst);
    }
  if (n > max_keyframes)
    {
      free (keep);
      return mien_error_set (err, MIEN_ERR_INVALID, "the performance needs "
                             "more than %d keyframes", max_keyframes);
    }
  project->n_keyframes = 0;
  mien_status st = MIEN_OK;
  for (int i = 0; st == MIEN_OK && i < r->n_frames; i++)
    {
      if (!keep[i])
        continue;
      mien_keyframe_spec k = { 0 };
      k.time = i / r->fps;
      mien_expression_spec_init (&k.expression);
      memcpy (k.expression.aus.values,
              r->values + (size_t)i * MIEN_AU_N_CHANNELS,
              sizeof k.expression.aus.values);
      k.easing = MIEN_EASING_LINEAR;
      st = mien_project_add_keyframe (project, &k, err);
    }
  free (keep);
  if (max_error)
    *max_error = worst;
  return st;
}
