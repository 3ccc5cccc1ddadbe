/* SPDX-License-Identifier: GPL-3.0-or-later */
/* One face in mien-eval: its ResWarp animators (each timed, with its peak
 * memory: cost.tsv), every preset rendered in the four HD modes and
 * measured (metrics.tsv; the crops for the strips in images/), then its
 * clips (mien-eval-clips.c). The frame is the photo with one result pasted
 * at a time (mien_animator_paste), put back after each measurement. */
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "io/mien-image-io.h"
#include "mien-cli.h"
#include "mien-eval-tool.h"
#include "mien-eval.h"
#include "mien-landmarks.h"
#include "mien-resample.h"

/* ---------------------------------------------------------------------- */
/* Memory */

static long
proc_status_kb (const char *key)
{
  FILE *f = fopen ("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t n = strlen (key);
  while (f && fgets (line, sizeof line, f))
    if (strncmp (line, key, n) == 0)
      v = strtol (line + n, NULL, 10);
  if (f)
    fclose (f);
  return v;
}

/* Resets the kernel's peak-RSS mark (Linux: "5" into clear_refs) so that a
 * measurement's peak is its own, not an earlier step's. Returns 0 where that
 * is not allowed; the caller then reports getrusage's lifetime maximum. */
static int
peak_reset (void)
{
#ifdef __GLIBC__
  /* Hand memory freed by earlier steps (the face models' buffers) back to
   * the kernel; otherwise malloc reuses it and the step's growth reads 0. */
  malloc_trim (0);
#endif
  FILE *f = fopen ("/proc/self/clear_refs", "w");
  if (!f)
    return 0;
  int ok = fputs ("5", f) >= 0;
  return fclose (f) == 0 && ok;
}

static long
peak_kb (void)
{
  long hwm = proc_status_kb ("VmHWM:");
  if (hwm >= 0)
    return hwm;
  struct rusage ru;
  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

/* ---------------------------------------------------------------------- */
/* Rendering in the four HD modes */

mien_animator *
mien_eval_base_animator (face_ctx *fc)
{
  return fc->anim[0] ? fc->anim[0] : fc->anim[1];
}

/* The animator whose paste is in the frame after a render in mode hd. */
static mien_animator *
hd_animator (face_ctx *fc, int hd)
{
  return hd == HD_MULTISCALE || hd == HD_VANILLA
             ? fc->anim[hd] : mien_eval_base_animator (fc);
}

/* Renders preset c in HD mode hd into fc->frame (mien_animator_restore
 * undoes it); *ms is the time of generator + up-sampling + paste. */
static mien_status
render_hd (face_ctx *fc, int hd, const mien_driving *c, double *ms,
           mien_error *err)
{
  double t0 = mien_cli_now ();
  mien_status st;
  if (hd == HD_MULTISCALE || hd == HD_VANILLA)
    st = mien_animator_render (fc->anim[hd], fc->gen, c, fc->frame, NULL,
                               err);
  else
    {
      mien_animator *a = mien_eval_base_animator (fc);
      st = mien_generator_generate (fc->gen, mien_animator_get_low (a), c,
                                    mien_animator_get_grid_landmarks (a),
                                    &fc->up_gen, NULL, err);
      if (st == MIEN_OK)
        st = hd == HD_BILINEAR
                 ? mien_upsample_bilinear (fc->up_gen.refined, fc->up_crop,
                                           NULL, err)
                 : mien_eval_resample_bicubic (fc->up_gen.refined,
                                               fc->up_crop, NULL, err);
      if (st == MIEN_OK)
        st = mien_animator_paste (a, fc->up_crop, fc->frame, NULL, err);
    }
  *ms = (mien_cli_now () - t0) * 1e3;
  return st;
}

static mien_status
save_crop (face_ctx *fc, const char *what, const mien_image *img,
           mien_error *err)
{
  char path[4096];
  const mien_rect *cr = mien_animator_get_crop (mien_eval_base_animator (fc));
  snprintf (path, sizeof path, "%s/images/%s-f%d-%s.png", fc->opt->out_dir,
            fc->photo->stem, fc->face_index, what);
  mien_image *c = mien_image_crop (img, cr->x, cr->y, cr->width, cr->height,
                                   err);
  mien_status st = c ? mien_image_save (c, path, err) : err->status;
  mien_image_free (c);
  return st;
}

static void
write_metrics_row (face_ctx *fc, int hd, int preset,
                   const mien_eval_result *r, double ms)
{
  const mien_rect *cr = mien_animator_get_crop (mien_eval_base_animator (fc));
  int cls = mien_eval_preset_class ((mien_expression_preset)preset);
  int top = 0;
  for (int k = 1; k < MIEN_N_EXPRESSIONS; k++)
    top = r->result_expressions[k] > r->result_expressions[top] ? k : top;
  fprintf (fc->out->metrics,
           "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.4f\t%.4f\t%s\t%d\t%.3f\t%.4f\t"
           "%.4f\t%.4f\t%.4f\t%.6g\t%.6g\t%.6g\t%.6g\t%.2f\n",
           fc->photo->stem, fc->photo->image->width, fc->photo->image->height,
           fc->face_index, cr->width, mien_eval_hd_names[hd],
           mien_presets[preset].name,
           mien_eval_expression_name (cls),
           cls >= 0 ? r->source_expressions[cls] : NAN,
           cls >= 0 && r->found ? r->result_expressions[cls] : NAN,
           r->found ? mien_eval_expression_name (top) : "lost", r->found,
           r->iou, r->found ? r->cosine : NAN, r->found ? r->distance : NAN,
           r->hf_ratio, r->hf_ratio_finest, r->laplacian_var[0],
           r->laplacian_var[1], r->gradient_mean[0], r->gradient_mean[1], ms);
}

static mien_status
measure_preset (face_ctx *fc, int preset, mien_error *err)
{
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, (mien_expression_preset)preset, 1.0f);
  const mien_rect *cr = mien_animator_get_crop (mien_eval_base_animator (fc));
  int save = fc->photo->native && preset == fc->opt->image_preset;
  mien_status st = MIEN_OK;
  for (int i = 0; st == MIEN_OK && i < fc->opt->n_hd; i++)
    {
      int hd = fc->opt->hd[i];
      double ms;
      mien_eval_result r;
      st = render_hd (fc, hd, &c, &ms, err);
      if (st == MIEN_OK)
        st = mien_eval_measure (fc->analyzer, fc->photo->image, fc->face, cr,
                                fc->frame, &r, NULL, err);
      if (st == MIEN_OK && save)
        st = save_crop (fc, mien_eval_hd_names[hd], fc->frame, err);
      if (st == MIEN_OK)
        {
          write_metrics_row (fc, hd, preset, &r, ms);
          fc->times[hd][fc->n_times[hd]++] = ms;
        }
      mien_status restored = mien_animator_restore (hd_animator (fc, hd),
                                                    fc->frame, err);
      st = st == MIEN_OK ? restored : st;
    }
  return st;
}

/* ---------------------------------------------------------------------- */
/* One face: animators (timed, with their peak memory), presets, clips */

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  if (n == 0)
    return NAN;
  qsort (v, (size_t)n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Creates the ResWarp animator for mode k (0 multiscale, 1 vanilla) and one
 * frame with it, under a fresh peak-memory mark: its peak over the resident
 * size before is what this mode costs on top of the loaded photo. */
static mien_status
open_animator (face_ctx *fc, int k, double *prep_ms, long *peak_delta_kb,
               mien_error *err)
{
  mien_driving c;
  mien_driving_init (&c);
  mien_driving_add_preset (&c, MIEN_PRESET_SURPRISED, 1.0f);
  int reset = peak_reset ();
  long before = reset ? proc_status_kb ("VmRSS:") : peak_kb ();
  double t0 = mien_cli_now ();
  fc->anim[k] = mien_animator_new (fc->photo->image, fc->face,
                                   k ? MIEN_RESWARP_VANILLA
                                     : MIEN_RESWARP_MULTISCALE,
                                   NULL, err);
  *prep_ms = (mien_cli_now () - t0) * 1e3;
  if (!fc->anim[k])
    return err->status;
  mien_status st = mien_animator_render (fc->anim[k], fc->gen, &c, fc->frame,
                                         NULL, err);
  *peak_delta_kb = peak_kb () - before;
  mien_status restored = mien_animator_restore (fc->anim[k], fc->frame, err);
  return st == MIEN_OK ? restored : st;
}

static mien_status
face_open (face_ctx *fc, double prep[2], long peak[2], mien_error *err)
{
  int want[2] = { 0, 0 };
  for (int i = 0; i < fc->opt->n_hd; i++)
    want[fc->opt->hd[i] == HD_VANILLA] = 1;
  if (!want[1])
    want[0] = 1; /* the up-sampling baselines and clips need one */
  mien_status st = MIEN_OK;
  for (int k = 0; st == MIEN_OK && k < 2; k++)
    if (want[k])
      st = open_animator (fc, k, &prep[k], &peak[k], err);
  mien_animator *a = st == MIEN_OK ? mien_eval_base_animator (fc) : NULL;
  if (a)
    {
      const mien_image *low = mien_animator_get_low (a);
      const mien_rect *cr = mien_animator_get_crop (a);
      st = mien_generator_output_init (&fc->up_gen, low->width, low->height,
                                       low->channels, err);
      fc->up_crop = st == MIEN_OK ? mien_image_new (cr->width, cr->height,
                                                    low->channels, err)
                                  : NULL;
      if (st == MIEN_OK && !fc->up_crop)
        st = err->status;
      /* Touch its pages now (calloc'd pages fault in lazily), not in the
       * first timed frame. */
      if (fc->up_crop)
        memset (fc->up_crop->data, 0,
                mien_image_n_floats (fc->up_crop) * sizeof (float));
    }
  return st;
}

static void
face_close (face_ctx *fc)
{
  mien_animator_free (fc->anim[0]);
  mien_animator_free (fc->anim[1]);
  mien_generator_output_clear (&fc->up_gen);
  mien_image_free (fc->up_crop);
}

static void
write_cost (face_ctx *fc, const double prep[2], const long peak[2])
{
  const mien_rect *cr = mien_animator_get_crop (mien_eval_base_animator (fc));
  for (int i = 0; i < fc->opt->n_hd; i++)
    {
      int hd = fc->opt->hd[i], k = hd == HD_VANILLA;
      int own = hd == HD_MULTISCALE || hd == HD_VANILLA;
      fprintf (fc->out->cost, "%s\t%d\t%d\t%d\t%d\t%s\t%.1f\t%.2f\t%.1f\n",
               fc->photo->stem, fc->photo->image->width,
               fc->photo->image->height, fc->face_index, cr->width,
               mien_eval_hd_names[hd], own ? prep[k] : NAN,
               median (fc->times[hd], fc->n_times[hd]),
               own ? peak[k] / 1024.0 : NAN);
    }
}

static void
write_image_row (face_ctx *fc)
{
  const mien_rect *cr = mien_animator_get_crop (mien_eval_base_animator (fc));
  mien_rect roi = mien_eval_face_rect (fc->face, cr);
  const mien_point *l = fc->face->landmarks;
  mien_point er = mien_landmarks_eye_centre (l, 0);
  mien_point el = mien_landmarks_eye_centre (l, 1);
  mien_point m = mien_landmarks_mean (l, MIEN_LM_OUTER_LIPS);
  fprintf (fc->out->images,
           "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t"
           "%.1f\n",
           fc->photo->stem, fc->face_index,
           mien_presets[fc->opt->image_preset].name, cr->width, cr->height,
           roi.x, roi.y, roi.width, roi.height, er.x - cr->x, er.y - cr->y,
           el.x - cr->x, el.y - cr->y, m.x - cr->x, m.y - cr->y);
}

mien_status
mien_eval_face (face_ctx *fc, mien_error *err)
{
  double prep[2] = { 0, 0 };
  long peak[2] = { 0, 0 };
  mien_status st = face_open (fc, prep, peak, err);
  int save = fc->photo->native && fc->opt->image_preset >= 0;
  if (st == MIEN_OK && save)
    {
      st = save_crop (fc, "source", fc->photo->image, err);
      write_image_row (fc);
    }
  for (int i = 0; st == MIEN_OK && i < fc->opt->n_presets; i++)
    st = measure_preset (fc, fc->opt->presets[i], err);
  if (st == MIEN_OK)
    write_cost (fc, prep, peak);
  for (int i = 0; st == MIEN_OK && i < fc->opt->n_anim_presets; i++)
    st = mien_eval_animation (fc, fc->opt->anim_presets[i], err);
  face_close (fc);
  return st;
}
