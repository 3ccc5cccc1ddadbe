/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render PHOTO --drive VIDEO -o OUT.mp4|OUT.gif|FOLDER and
 * mien-render PHOTO --drive PHOTO2 -o OUT.png (issue #23).
 *
 * A video: the face is tracked through it (engine/drive), the performance
 * solved into AU curves, the curves kept as keyframes of a project (saved
 * with --save-project, editable in the app) and that project's clip
 * rendered at the photo's full resolution (or --scale) and the video's rate
 * and length. The video's audio is then copied into the MP4 in a second
 * pass (stream copy, cut like the video), written beside the target and
 * renamed into place. A driving photo sets the expression of one frame.
 *
 * Times are reported split as decode / track / solve / render / encode so
 * that docs/BENCHMARKS.md can say where a frame's time goes. */
#include "mien-render-drive.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "drive/mien-drive.h"
#include "drive/mien-video-reader.h"
#include "io/mien-atomic-file.h"
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-c-locale.h"
#include "mien-cli.h"
#include "mien-drive-run.h"

static struct {
  const char *path, *stats;
  double start, end;
  float strength;
  unsigned parts;
  int face;
  int set_filter;
  float min_cutoff, beta;
  int mouth_adds; /* --drive-mouth add: the driver's opening adds to the
                     photo's (mien_drive_options.photo_mouth left 0) */
} cli = { .strength = 1.0f, .parts = MIEN_DRIVE_ALL_PARTS, .face = -1 };

static int
usage_error (const char *message, const char *arg)
{
  fprintf (stderr, "%s: %s%s%s%s\nTry '%s --help'.\n", program, message,
           arg ? " ('" : "", arg ? arg : "", arg ? "')" : "", program);
  return 2;
}

static int
parse_number (const char *s, double lo, double hi, double *out)
{
  char *end;
  double v = mien_strtod_c (s, &end);
  if (end == s || *end || !isfinite (v) || v < lo || v > hi)
    return 0;
  *out = v;
  return 1;
}

int
mien_render_drive_option (int code, const char *arg)
{
  double v;
  mien_error err = { 0 };
  switch (code)
    {
    case MIEN_DRIVE_OPT_DRIVE: cli.path = arg; return 0;
    case MIEN_DRIVE_OPT_STATS: cli.stats = arg; return 0;
    case MIEN_DRIVE_OPT_FILTER:
      {
        /* MIN_CUTOFF or MIN_CUTOFF,BETA; 0 turns the filter off. */
        char *end;
        double mc = mien_strtod_c (arg, &end), beta = MIEN_DRIVE_DEFAULT_BETA;
        if (end != arg && *end == ',')
          {
            const char *b = end + 1;
            beta = mien_strtod_c (b, &end);
            if (end == b)
              end = (char *)"x";
          }
        if (end == arg || *end || !(mc >= 0.0 && mc <= 100.0)
            || !(beta >= 0.0 && beta <= 1000.0))
          return usage_error ("--drive-filter wants MIN_CUTOFF[,BETA] (Hz, "
                              "Hz per iod/s; 0 turns it off)", arg);
        cli.set_filter = 1;
        cli.min_cutoff = (float)mc;
        cli.beta = (float)beta;
        return 0;
      }
    case MIEN_DRIVE_OPT_START:
      if (!parse_number (arg, 0.0, MIEN_TIMELINE_MAX_TIME, &v))
        return usage_error ("--start wants seconds >= 0", arg);
      cli.start = v;
      return 0;
    case MIEN_DRIVE_OPT_END:
      if (!parse_number (arg, 1e-3, MIEN_TIMELINE_MAX_TIME, &v))
        return usage_error ("--end wants seconds > 0", arg);
      cli.end = v;
      return 0;
    case MIEN_DRIVE_OPT_STRENGTH:
      if (!parse_number (arg, 0.0, 5.0, &v))
        return usage_error ("--strength wants a number in 0 … 5", arg);
      cli.strength = (float)v;
      return 0;
    case MIEN_DRIVE_OPT_PARTS:
      if (mien_drive_parts_parse (arg, &cli.parts, &err) != MIEN_OK)
        return usage_error (err.message, arg);
      return 0;
    case MIEN_DRIVE_OPT_MOUTH:
      if (strcmp (arg, "copy") == 0)
        cli.mouth_adds = 0;
      else if (strcmp (arg, "add") == 0)
        cli.mouth_adds = 1;
      else
        return usage_error ("--drive-mouth is copy or add", arg);
      return 0;
    case MIEN_DRIVE_OPT_FACE:
      if (!parse_number (arg, 0.0, 100000.0, &v) || v != floor (v))
        return usage_error ("--drive-face wants a number >= 0", arg);
      cli.face = (int)v;
      return 0;
    default: return usage_error ("bad option", NULL);
    }
}

int
mien_render_drive_wanted (void)
{
  return cli.path != NULL;
}

static int
track_progress (void *data, int frame, double time)
{
  const options *opt = data;
  if (!opt->quiet && isatty (2))
    fprintf (stderr, "\r%s: tracking frame %d (%.1f s)   ", program, frame,
             time);
  return mien_cli_stop_signal () != 0;
}

/* ---- the per-frame table (--drive-stats) ----------------------------- */

static mien_status
write_stats (const char *path, const mien_drive_track *t,
             const mien_drive_result *r, mien_error *err)
{
  mien_atomic_file *f = mien_atomic_file_open (path, err);
  if (f == NULL)
    return err->status;
  FILE *s = mien_atomic_file_stream (f);
  fprintf (s, "frame\ttime\tfound\tmouth\teyes\tbrows\tneutral\tstep"
           "\tidentity");
  for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
    fprintf (s, "\t%s", mien_au_channels[k].name);
  for (int k = 0; k < MIEN_N_LANDMARKS; k++)
    fprintf (s, "\tx%d\ty%d", k, k);
  /* The driver's irises (mien_iris_offset; status a mien_iris_status,
   * 0 found), side 0 the subject's right eye. */
  fprintf (s, "\tiris_h0\tiris_v0\tiris0\tiris_h1\tiris_v1\tiris1"
           "\teye_open0\teye_open1\tiris_size0\tiris_size1"
           "\tiris_contrast0\tiris_contrast1");
  fputc ('\n', s);
  /* printf writes C-locale numbers: mien-render keeps LC_NUMERIC at C
   * (a German locale would write "0,5"). */
  for (int i = 0; i < t->n_frames; i++)
    {
      float m, e, b;
      mien_drive_measure (t->frames[i].lm, &m, &e, &b);
      float step = i > 0 && t->frames[i].found && t->frames[i - 1].found
                       ? mien_drive_step (t->frames[i - 1].lm, t->frames[i].lm)
                       : 0.0f;
      fprintf (s, "%d\t%.4f\t%d\t%.5f\t%.5f\t%.5f\t%.4f\t%.6f\t%.4f", i,
               i / t->fps, t->frames[i].found, (double)m, (double)e, (double)b,
               (double)t->frames[i].expressions[MIEN_EXPRESSION_NEUTRAL],
               (double)step, (double)t->frames[i].identity);
      for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
        fprintf (s, "\t%.4f",
                 (double)r->values[(size_t)i * MIEN_AU_N_CHANNELS + k]);
      /* The tracked (filtered unless --drive-filter 0) landmarks, in the
       * tracked frame's pixels: scripts/drive-filter-sweep.py. */
      for (int k = 0; k < MIEN_N_LANDMARKS; k++)
        fprintf (s, "\t%.3f\t%.3f", (double)t->frames[i].lm[k].x,
                 (double)t->frames[i].lm[k].y);
      for (int side = 0; side < 2; side++)
        fprintf (s, "\t%.4f\t%.4f\t%d", (double)t->frames[i].iris_h[side],
                 (double)t->frames[i].iris_v[side],
                 t->frames[i].iris_status[side]);
      for (int side = 0; side < 2; side++)
        fprintf (s, "\t%.4f", (double)t->frames[i].eye_open[side]);
      for (int side = 0; side < 2; side++)
        fprintf (s, "\t%.4f", (double)t->frames[i].iris_size[side]);
      for (int side = 0; side < 2; side++)
        fprintf (s, "\t%.4f", (double)t->frames[i].iris_contrast[side]);
      fputc ('\n', s);
    }
  return mien_atomic_file_commit (f, err);
}

/* ---- the run ------------------------------------------------------------ */

typedef struct drive_run {
  const options *opt;
  mien_face_analyzer *an;
  mien_image *photo;
  mien_image_extras extras;
  mien_face face;
  mien_face *all_faces; /* every face of the photo; face is all_faces[index] */
  mien_drive_faces others;
  mien_generator *gen;
  mien_drive_options dopt;
  mien_drive_track track;
  mien_drive_result result;
  mien_project project;
  double t_render, t_encode, t_finish;
} drive_run;

static int
fail (const char *message)
{
  fprintf (stderr, "%s: %s\n", program, message);
  return 1;
}

/* "AU12=2.10,AU6=1.30" for the channels at 0.05 or more, or "neutral". */
static void
list_aus (const mien_driving *c, char *list, size_t size)
{
  size_t used = 0;
  list[0] = 0;
  for (int k = 0; k < MIEN_AU_N_CHANNELS && used + 32 < size; k++)
    if (c->values[k] >= 0.05f)
      used += (size_t)snprintf (list + used, size - used, "%s%s=%.2f",
                                used ? "," : "", mien_au_channels[k].name,
                                (double)c->values[k]);
  if (used == 0)
    snprintf (list, size, "neutral");
}

static int
drive_with_photo (drive_run *d, mien_error *err)
{
  const options *opt = d->opt;
  mien_image *driver = mien_image_load (cli.path, err);
  if (driver == NULL)
    return fail (err->message);
  double t0 = mien_cli_now ();
  mien_driving c;
  mien_status st = mien_drive_run_photo (d->an, d->gen, driver, &d->dopt,
                                         d->face.landmarks, &d->track,
                                         &d->result, &c, err);
  mien_image_free (driver);
  if (st != MIEN_OK)
    {
      fprintf (stderr, "%s: %s: %s\n", program, cli.path, err->message);
      return 1;
    }
  double t_track = mien_cli_now () - t0 - d->result.t_model
                   - d->result.t_solve;
  t0 = mien_cli_now ();
  mien_animator *anim = mien_animator_new (d->photo, &d->face,
                                           opt->set_mode ? opt->mode
                                                         : MIEN_RESWARP_MULTISCALE,
                                           NULL, err);
  if (anim && d->others.n > 1)
    mien_animator_set_other_faces (anim, d->others.all, d->others.n,
                                   d->others.self);
  mien_image *frame = anim ? mien_image_copy (d->photo, err) : NULL;
  st = frame ? mien_animator_render (anim, d->gen, &c, frame, NULL, err)
             : err->status;
  d->t_render = mien_cli_now () - t0;
  const char *warning = NULL;
  if (st == MIEN_OK)
    st = mien_image_save_full (frame, &d->extras, opt->output, &warning, err);
  mien_image_free (frame);
  mien_animator_free (anim);
  if (st != MIEN_OK)
    return fail (err->message);
  if (warning)
    fprintf (stderr, "%s: warning: %s\n", program, warning);
  if (opt->save_project)
    {
      mien_expression_spec_init (&d->project.target);
      d->project.target.aus = c;
      if (mien_project_save (&d->project, opt->save_project, err) != MIEN_OK)
        return fail (err->message);
    }
  if (!opt->quiet)
    {
      char list[1024];
      list_aus (&c, list, sizeof list);
      printf ("%s: the expression of %s: %s\n", opt->output, cli.path, list);
      printf ("times: track %.2f s, solve %.2f s, render %.2f s\n", t_track,
              d->result.t_model + d->result.t_solve, d->t_render);
    }
  return 0;
}

/* After each frame of the clip: its times, and progress on a terminal. */
static void
frame_done (void *data, int done, int n, double render_s, double encode_s)
{
  drive_run *d = data;
  d->t_render += render_s;
  d->t_encode += encode_s;
  if (!d->opt->quiet && isatty (2))
    fprintf (stderr, "\r%s: rendering frame %d/%d   ", program, done, n);
}

static int
drive_with_video (drive_run *d, mien_error *err)
{
  const options *opt = d->opt;
  mien_status st = mien_drive_track_video (d->an, cli.path, &d->dopt,
                                           track_progress, (void *)opt,
                                           &d->track, err);
  if (!opt->quiet && isatty (2))
    fputc ('\n', stderr);
  if (st != MIEN_OK)
    return fail (err->message);
  const mien_drive_track *t = &d->track;
  float thin_error = 0.0f;
  st = mien_drive_run_project (t, d->gen, &d->dopt, &d->result, &d->project,
                               &thin_error, err);
  if (st != MIEN_OK)
    return fail (err->message);
  if (cli.stats && write_stats (cli.stats, t, &d->result, err) != MIEN_OK)
    return fail (err->message);
  mien_animation_settings *s = &d->project.settings;
  if (opt->set_mode)
    s->mode = opt->mode;
  if (opt->set_scale)
    s->scale = opt->scale, s->max_side = opt->max_side;
  if (opt->set_region || opt->crop_only)
    s->region = opt->crop_only ? MIEN_CLIP_REGION_FACE : opt->region;
  if (opt->save_project
      && mien_project_save (&d->project, opt->save_project, err) != MIEN_OK)
    return fail (err->message);
  if (!opt->output)
    return 0;
  /* The clip: the project's keyframes, as the app would play them, one
   * frame per frame of the video. */
  int n = t->n_frames;
  st = mien_drive_run_export (&d->project, d->photo, &d->face, &d->others,
                              d->gen, n,
                              opt->output, opt->overwrite,
                              mien_render_stop_reason, frame_done, d,
                              &d->t_finish, err);
  d->t_encode += d->t_finish;
  if (!opt->quiet && isatty (2))
    fputc ('\n', stderr);
  if (st != MIEN_OK)
    {
      fprintf (stderr, "%s: %s%s\n", program, err->message,
               st == MIEN_ERR_CANCELLED ? "; nothing written" : "");
      return 1;
    }
  int copied = 0;
  const char *why = NULL;
  mien_status a = mien_drive_run_audio (opt->output, cli.path, cli.start,
                                        cli.end, n, t->fps, &copied, &why,
                                        err);
  if (a != MIEN_OK)
    fprintf (stderr, "%s: warning: %s; the MP4 is written without "
             "audio\n", program, err->message);
  const char *audio = a != MIEN_OK ? "audio failed"
                      : copied     ? "audio copied"
                                   : why;
  if (!opt->quiet)
    {
      printf ("%s: %d frames at %g fps (%.2f s) from %s; %s\n", opt->output,
              n, t->fps, n / t->fps, cli.path, audio);
      if (t->rotation || t->variable_rate)
        printf ("driving clip: %s%s%s\n",
                t->rotation ? "turned upright" : "",
                t->rotation && t->variable_rate ? ", " : "",
                t->variable_rate ? "variable frame rate made constant" : "");
      printf ("face missing on %d frame%s (held, then eased to rest); %d "
              "re-detection%s; %d damaged packet%s skipped\n", t->n_missing,
              t->n_missing == 1 ? "" : "s", t->n_redetect,
              t->n_redetect == 1 ? "" : "s", t->n_damaged,
              t->n_damaged == 1 ? "" : "s");
      printf ("rest: %d frame%s (first %d), neutral %.2f; fit %.3f iod; %d "
              "keyframes (within %.3f of the solved curves)\n",
              d->result.n_rest, d->result.n_rest == 1 ? "" : "s",
              d->result.rest_frames[0], (double)d->result.rest_neutral,
              (double)d->result.fit_rms, d->project.n_keyframes,
              (double)thin_error);
      if (cli.parts & MIEN_DRIVE_POSE)
        {
          /* The head's turn against the clip's rest, as driven. */
          float lo[3] = { 0, 0, 0 }, hi[3] = { 0, 0, 0 };
          for (int i = 0; i < d->result.n_frames; i++)
            for (int k = 0; k < 3; k++)
              {
                float v = d->result.values[(size_t)i * MIEN_AU_N_CHANNELS
                                           + MIEN_HEAD_YAW + k];
                lo[k] = v < lo[k] ? v : lo[k], hi[k] = v > hi[k] ? v : hi[k];
              }
          printf ("pose: yaw %.1f to %.1f°, pitch %.1f to %.1f°, roll %.1f "
                  "to %.1f° against the clip's rest\n", (double)lo[0],
                  (double)hi[0], (double)lo[1], (double)hi[1], (double)lo[2],
                  (double)hi[2]);
        }
      else
        printf ("pose: not driven (--drive-parts without pose)\n");
      if (!(cli.parts & MIEN_DRIVE_EYES))
        printf ("gaze: not driven (--drive-parts without eyes)\n");
      else if (d->result.n_gaze == 0)
        printf ("gaze: not driven: %s\n",
                2 * t->n_iris_small >= t->n_frames - t->n_missing
                        && t->n_iris_small > 0
                    ? "the driver's eyes are too small in the tracked frames "
                      "for the iris fit"
                    : "no iris found in the driver's eyes");
      else
        {
          float lo[2] = { 0, 0 }, hi[2] = { 0, 0 };
          for (int i = 0; i < d->result.n_frames; i++)
            for (int k = 0; k < 2; k++)
              {
                float v = d->result.values[(size_t)i * MIEN_AU_N_CHANNELS
                                           + MIEN_GAZE_H + k];
                lo[k] = v < lo[k] ? v : lo[k], hi[k] = v > hi[k] ? v : hi[k];
              }
          printf ("gaze: h %.2f to %.2f, v %.2f to %.2f from the irises "
                  "on %d of %d frames", (double)lo[0], (double)hi[0],
                  (double)lo[1], (double)hi[1], d->result.n_gaze,
                  t->n_frames);
          if (t->n_iris_small > 0)
            printf ("; eyes too small for the iris fit on %d",
                    t->n_iris_small);
          putchar ('\n');
        }
      double total = t->t_decode + t->t_track + d->result.t_model
                     + d->result.t_solve + d->t_render + d->t_encode;
      printf ("times: decode %.2f s, track %.2f s, solve %.2f s, render "
              "%.2f s, encode %.2f s; %.1f fps end to end\n", t->t_decode,
              t->t_track, d->result.t_model + d->result.t_solve, d->t_render,
              d->t_encode, total > 0 ? n / total : 0.0);
    }
  return 0;
}

int
mien_render_drive_main (const options *opt)
{
  int photo_drive = mien_drive_is_photo_path (cli.path);
  if (!opt->photo)
    return usage_error ("--drive needs a PHOTO to drive", NULL);
  if (!opt->output && !opt->save_project && !cli.stats)
    return usage_error ("missing -o OUTPUT", NULL);
  if (opt->output && photo_drive && !mien_image_save_supported (opt->output))
    return usage_error ("driven by a photo, OUTPUT is a .png, .jpg or .pfm",
                        opt->output);
  if (opt->output && !photo_drive && mien_image_save_supported (opt->output))
    return usage_error ("driven by a video, OUTPUT is a .mp4, a .gif or a "
                        "folder", opt->output);
  if (cli.end > 0 && cli.end <= cli.start)
    return usage_error ("--end must come after --start", NULL);
  if (opt->output && (mien_path_same_file (opt->output, opt->photo)
                      || mien_path_same_file (opt->output, cli.path)))
    return fail ("OUTPUT is one of the inputs; refusing to write over it");
  mien_error err = { 0 };
  drive_run d = { .opt = opt };
  mien_project_init (&d.project);
  mien_drive_options_init (&d.dopt);
  d.dopt.face = cli.face;
  d.dopt.start = cli.start;
  d.dopt.end = cli.end;
  d.dopt.strength = cli.strength;
  d.dopt.parts = cli.parts;
  if (opt->fps > 0)
    d.dopt.fps = opt->fps;
  if (cli.set_filter)
    d.dopt.filter.min_cutoff = cli.min_cutoff, d.dopt.filter.beta = cli.beta;
  mien_cli_catch_stop_signals ();
  int rc = 1;
  const char *dir = mien_cli_find_models (program, opt->models);
  if (!dir)
    goto done;
  if (mien_project_set_photo (&d.project, opt->photo, &err) != MIEN_OK)
    {
      fail (err.message);
      goto done;
    }
  d.project.face = opt->face;
  d.an = mien_face_analyzer_new (dir, NULL, &err);
  d.photo = d.an ? mien_image_load_full (opt->photo, &d.extras, &err) : NULL;
  if (!d.photo)
    {
      fail (err.message);
      goto done;
    }
  if (d.extras.warning[0])
    fprintf (stderr, "%s: warning: %s\n", program, d.extras.warning);
  /* Clips carry no profile: their pixels become sRGB first (as
   * --animate does). */
  if (!photo_drive && d.extras.icc
      && mien_image_convert_to_srgb (d.photo, d.extras.icc, d.extras.icc_size,
                                     &err)
             != MIEN_OK)
    fprintf (stderr, "%s: warning: colours not converted to sRGB: %s\n",
             program, err.message);
  if (!mien_render_choose_faces (opt, opt->photo, d.photo, d.an, opt->face,
                                 &d.face, &d.others.self, &d.all_faces,
                                 &d.others.n))
    goto done;
  d.others.all = d.all_faces;
  /* A photo that shows its mouth open: the mouth copies the driver's
   * opening, so the driver's closed mouth closes it (mien-drive.c, "The
   * photo's open mouth"). */
  if (!cli.mouth_adds)
    mien_drive_options_set_photo (&d.dopt, d.face.landmarks);
  /* The stats say how like the photo each tracked face is (measuring a
   * result by driving the photo with it). */
  if (cli.stats)
    d.dopt.identity_ref = d.face.descriptor;
  d.gen = mien_render_make_generator (opt->generator, &err);
  if (d.gen == NULL)
    {
      fail (err.message);
      goto done;
    }
  rc = photo_drive ? drive_with_photo (&d, &err) : drive_with_video (&d, &err);
done:
  mien_project_clear (&d.project);
  mien_drive_result_clear (&d.result);
  mien_drive_track_clear (&d.track);
  mien_generator_free (d.gen);
  mien_image_free (d.photo);
  mien_image_extras_clear (&d.extras);
  mien_face_analyzer_free (d.an);
  free (d.all_faces);
  if (rc)
    mien_cli_reraise_stop_signal ();
  return rc;
}
