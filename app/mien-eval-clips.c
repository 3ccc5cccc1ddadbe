/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-eval's clips: neutral → preset rendered by the engine's clip
 * (mien-clip.h) in both interpolation modes, driving vector per frame and
 * the target field scaled by the timeline's α(t), exactly as the app and
 * mien-render --animate render them; measured by the flow warping error
 * between neighbouring frames, against the plain difference and a shuffled
 * order (animation.tsv). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "mien-cli.h"
#include "mien-clip.h"
#include "mien-eval-tool.h"
#include "mien-eval.h"

typedef struct clip_stats {
  int n;
  mien_image **crops;  /* kept only for small crops (shuffle control) */
  mien_image **fields;
  double warp_sum, warp_max, plain_sum, ms;
} clip_stats;

static void
clip_stats_clear (clip_stats *cl)
{
  for (int i = 0; cl->fields && i < cl->n; i++)
    {
      mien_image_free (cl->crops ? cl->crops[i] : NULL);
      mien_image_free (cl->fields[i]);
    }
  free (cl->crops);
  free (cl->fields);
}

/* Warping error of the clip's frames in order `perm` (fields in timeline
 * order): perm = identity is the clip, a shuffle its control. */
static double
shuffled_error (const clip_stats *cl, const int *perm, const mien_rect *roi,
                mien_error *err)
{
  double s = 0.0;
  for (int i = 0; i + 1 < cl->n; i++)
    {
      mien_eval_warp w;
      if (mien_eval_warp_error (cl->crops[perm[i]], cl->crops[perm[i + 1]],
                                cl->fields[i], cl->fields[i + 1], roi, &w,
                                NULL, err) != MIEN_OK)
        return NAN;
      s += w.warp_error;
    }
  return s / (cl->n - 1);
}

/* Frame i's crop and field, copied out of the animator (the next frame
 * overwrites them); *ms adds the time of the frame's render. */
static mien_status
render_frame (mien_clip *clip, mien_animator *a, double t, mien_image **crop,
              mien_image **field, double *ms, mien_error *err)
{
  const mien_image *out = NULL;
  double t0 = mien_cli_now ();
  mien_status st = mien_clip_render (clip, t, NULL, &out, NULL, err);
  *ms += (mien_cli_now () - t0) * 1e3;
  if (st != MIEN_OK)
    return st;
  *crop = mien_image_copy (out, err);
  *field = *crop ? mien_image_copy (mien_animator_get_output (a)->field, err)
                 : NULL;
  return *field ? MIEN_OK : err->status;
}

static mien_status
render_clip (face_ctx *fc, const mien_timeline *tl, mien_clip *clip,
             clip_stats *cl, mien_error *err)
{
  mien_animator *a = mien_eval_base_animator (fc);
  const mien_rect *cr = mien_animator_get_crop (a);
  mien_rect roi = mien_eval_face_rect (fc->face, cr);
  int keep = (double)cr->width * cr->height <= 1024.0 * 1024.0;
  double fps = fc->opt->frames - 1;
  cl->n = fc->opt->frames;
  cl->fields = calloc ((size_t)cl->n, sizeof *cl->fields);
  cl->crops = keep ? calloc ((size_t)cl->n, sizeof *cl->crops) : NULL;
  if (!cl->fields || (keep && !cl->crops))
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  mien_image *prev = NULL, *cur = NULL;
  mien_status st = MIEN_OK;
  for (int i = 0; st == MIEN_OK && i < cl->n; i++)
    {
      st = render_frame (clip, a, mien_timeline_get_frame_time (tl, fps, i),
                         &cur, &cl->fields[i], &cl->ms, err);
      if (st == MIEN_OK && prev)
        {
          mien_eval_warp w = { 0 };
          st = mien_eval_warp_error (prev, cur, cl->fields[i - 1],
                                     cl->fields[i], &roi, &w, NULL, err);
          cl->warp_sum += w.warp_error;
          cl->plain_sum += w.plain_error;
          cl->warp_max = w.warp_error > cl->warp_max ? w.warp_error
                                                     : cl->warp_max;
        }
      if (!keep)
        mien_image_free (prev);
      else
        cl->crops[i] = cur;
      prev = cur;
      cur = NULL;
    }
  if (!keep)
    mien_image_free (prev);
  mien_image_free (cur);
  return st;
}

/* One clip of preset in interpolation mode, measured into *cl. */
static mien_status
measure_clip (face_ctx *fc, int preset, mien_interpolation mode,
              clip_stats *cl, mien_error *err)
{
  mien_driving target;
  mien_driving_init (&target);
  mien_driving_add_preset (&target, (mien_expression_preset)preset, 1.0f);
  mien_timeline *tl = mien_clip_default_timeline (&target, 1.0, 0, err);
  mien_clip *clip = tl ? mien_clip_new (mien_eval_base_animator (fc), fc->gen,
                                        tl, mode, err)
                       : NULL;
  mien_status st = clip ? render_clip (fc, tl, clip, cl, err) : err->status;
  mien_clip_free (clip);
  mien_timeline_free (tl);
  return st;
}

mien_status
mien_eval_animation (face_ctx *fc, int preset, mien_error *err)
{
  static const mien_interpolation modes[2] = { MIEN_INTERPOLATION_DRIVING,
                                               MIEN_INTERPOLATION_FIELD };
  const mien_rect *cr = mien_animator_get_crop (mien_eval_base_animator (fc));
  mien_rect roi = mien_eval_face_rect (fc->face, cr);
  for (int m = 0; m < 2; m++)
    {
      clip_stats cl = { 0 };
      mien_status st = measure_clip (fc, preset, modes[m], &cl, err);
      double shuffled = NAN;
      if (st == MIEN_OK && cl.crops)
        {
          /* Evens then odds: every step jumps, and no frame stays put. */
          int perm[1000], k = 0;
          for (int i = 0; i < cl.n; i += 2)
            perm[k++] = i;
          for (int i = 1; i < cl.n; i += 2)
            perm[k++] = i;
          shuffled = shuffled_error (&cl, perm, &roi, err);
        }
      if (st == MIEN_OK)
        fprintf (fc->out->anim,
                 "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t"
                 "%.2f\n",
                 fc->photo->stem, fc->photo->image->width,
                 fc->photo->image->height, fc->face_index, cr->width,
                 mien_presets[preset].name,
                 mien_interpolation_to_string (modes[m]), cl.n,
                 cl.warp_sum / (cl.n - 1), cl.warp_max,
                 cl.plain_sum / (cl.n - 1), shuffled, cl.ms / cl.n);
      clip_stats_clear (&cl);
      if (st != MIEN_OK)
        return st;
    }
  return MIEN_OK;
}
