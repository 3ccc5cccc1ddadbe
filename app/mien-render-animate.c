/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render --animate: the project's timeline rendered frame by frame
 * (mien_clip) and streamed into an exporter, with progress on stderr. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io/mien-export.h"
#include "mien-cli.h"
#include "mien-animator.h"
#include "mien-render-tool.h"
#include "mien-rig.h"

typedef struct progress {
  int quiet, tty, last_percent;
  double start;
} progress;

static void
progress_show (progress *p, int done, int total, int final)
{
  if (p->quiet)
    return;
  int percent = (int)(100.0 * done / total);
  /* On a terminal the line is rewritten in place; in a log a line every
   * 10 % is enough. */
  if (!p->tty && !final && percent / 10 == p->last_percent / 10)
    return;
  p->last_percent = percent;
  double spent = mien_cli_now () - p->start;
  double left = done > 0 ? spent * (total - done) / done : 0.0;
  fprintf (stderr, "%s%s: %3d%%  frame %d/%d  %.1f s elapsed, %.1f s left%s",
           p->tty ? "\r" : "", program, percent, done, total, spent, left,
           p->tty && !final ? "   " : "\n");
  fflush (stderr);
}

typedef struct job {
  const mien_project *project;
  const mien_image *photo;
  mien_generator *gen;
  mien_animator *anim;
  mien_timeline *timeline;
  mien_clip *clip;
  mien_image *frame; /* whole-photo region */
} job;

static mien_status
job_prepare (job *j, const mien_face *face, const char *generator,
             const mien_face *all, int n_all, int face_index, mien_error *err)
{
  const mien_animation_settings *s = &j->project->settings;
  j->gen = mien_render_make_generator (generator, err);
  j->anim = j->gen ? mien_animator_new (j->photo, face, s->mode, NULL, err)
                   : NULL;
  if (j->anim)
    mien_animator_set_other_faces (j->anim, all, n_all, face_index);
  /* "look-at-camera" is this photo's gaze (issue #25). */
  mien_project here;
  j->timeline = NULL;
  if (j->anim && mien_render_photo_presets (j->anim, j->project, &here, err)
                     == MIEN_OK)
    {
      j->timeline = mien_project_build_timeline (&here, err);
      mien_render_photo_presets_clear (&here);
    }
  j->clip = j->timeline ? mien_clip_new (j->anim, j->gen, j->timeline,
                                         s->interpolation, err)
                        : NULL;
  if (j->clip && s->region == MIEN_CLIP_REGION_PHOTO)
    j->frame = mien_image_copy (j->photo, err);
  if (!j->clip || (s->region == MIEN_CLIP_REGION_PHOTO && !j->frame))
    return err && err->status ? err->status : MIEN_ERR_NOMEM;
  return MIEN_OK;
}

static void
job_clear (job *j)
{
  mien_image_free (j->frame);
  mien_clip_free (j->clip);
  mien_timeline_free (j->timeline);
  mien_animator_free (j->anim);
  mien_generator_free (j->gen);
}

static void
frame_done (void *data, int done, int n, double render_s, double encode_s)
{
  progress_show (data, done, n, 0);
}

int
mien_render_animate (const mien_project *project, const mien_image *photo,
                     const mien_face *face, const char *generator,
                     const char *output, int overwrite, int quiet,
                     const mien_face *all, int n_all, int face_index)
{
  mien_error err = { 0 };
  const mien_animation_settings *s = &project->settings;
  job j = { .project = project, .photo = photo };
  progress pr = { quiet, isatty (2), -100, mien_cli_now () };
  mien_exporter *ex = NULL;
  mien_cli_catch_stop_signals ();
  mien_status st = job_prepare (&j, face, generator, all, n_all, face_index,
                                &err);
  int n = st == MIEN_OK ? mien_timeline_get_n_frames (j.timeline, s->fps) : 0;
  if (st == MIEN_OK)
    {
      ex = mien_render_open_exporter (output, s, j.anim, photo, overwrite,
                                      &err);
      st = ex ? MIEN_OK : err.status;
    }
  if (st == MIEN_OK)
    st = mien_render_export_clip (j.clip, j.timeline, s->fps, n, j.frame, ex,
                                  frame_done, &pr, &err);
  if (st == MIEN_OK)
    {
      if (!quiet)
        fprintf (stderr, "%s: finishing %s…\n", program, output);
      st = mien_exporter_finish (ex, &err);
      ex = NULL;
    }
  mien_exporter_abort (ex);
  if (st == MIEN_OK && !quiet)
    {
      float at, m = mien_clip_get_min_jacobian (j.clip, &at);
      printf ("%s: %d frames at %g fps (%.2f s), %s interpolation, %s "
              "ResWarp, %s%s\n", output, n, s->fps,
              mien_timeline_get_duration (j.timeline),
              mien_interpolation_to_string (s->interpolation),
              mien_reswarp_mode_to_string (s->mode),
              mien_clip_region_to_string (s->region),
              s->ping_pong ? ", ping-pong" : "");
      if (s->interpolation == MIEN_INTERPOLATION_FIELD)
        printf ("field: min Jacobian of α·F over α in [0, 1] %.3f (at α "
                "%.2f)\n", (double)m, (double)at);
      printf ("done in %.2f s\n", mien_cli_now () - pr.start);
    }
  if (st == MIEN_OK)
    mien_render_warn_gaze (j.anim);
  else if (st == MIEN_ERR_CANCELLED && mien_cli_stop_signal ())
    fprintf (stderr, "%s%s: %s; nothing written to %s (what was there is "
             "kept)\n", pr.tty && !quiet ? "\n" : "", program, err.message,
             output);
  else if (st != MIEN_OK)
    fprintf (stderr, "%s%s: %s\n", pr.tty && !quiet ? "\n" : "", program,
             err.message);
  job_clear (&j);
  if (st == MIEN_ERR_CANCELLED)
    mien_cli_reraise_stop_signal ();
  return st == MIEN_OK ? 0 : 1;
}
