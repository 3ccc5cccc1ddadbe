/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-calibrate: how strongly does face-api read an AU recipe as the
 * expression it is meant to be, over many faces at once?
 *
 *   mien-calibrate MODEL_DIR PHOTO...  < recipes
 *
 * Each stdin line is "CLASS SPEC", e.g. "angry 4=4.5,7=3,23=3.5", CLASS one
 * of face-api's seven (neutral happy sad angry fearful disgusted surprised).
 * For every face of every photo it renders the recipe with the rig
 * (multiscale ResWarp, pasted into the photo), re-runs face-api's landmark,
 * expression and descriptor models on the source's detector box, and prints
 * one line per recipe:
 *
 *   raised N/M  mean_gain G  min_gain g  mean_p P  mean_log_ratio L
 *   worst_dist D  min_alpha A
 *
 * (L: mean of log((p_result + 1e-4) / (p_source + 1e-4)), which still moves
 * when the probabilities are tiny)
 *
 * then, with -v, one line per face. With -d the result is measured as
 * tests/eval/test_expression_agreement.py measures it: face-api's detector
 * runs again on the result and the box that overlaps the source's (IoU >=
 * 0.5) is described; a face not found again counts as not raised. The
 * expression model is sensitive to the box (sample2/0 sad: 0.9997 on the
 * source box, 0.961 on the re-detected one), so recipes for faces near the
 * margin should be checked with -d. It is the tool behind the preset
 * intensities in engine/mien-au.c (tools/calibrate/search.py drives it);
 * tests/eval/test_expression_agreement.py checks the final recipes with the
 * full pipeline, detection included. Without -d the detector is skipped,
 * to keep one evaluation of 20 faces near a second. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/mien-face-analyzer.h"
#include "io/mien-image-io.h"
#include "mien-animator.h"
#include "mien-cli.h"
#include "mien-eval.h"
#include "mien-rig.h"

#define MAX_FACES 64
#define RAISE_MARGIN 0.01f
#define MATCH_MIN_IOU 0.5f /* as mien-eval (engine/mien-eval-face.c) */

typedef struct face_job {
  const char *photo_name;
  int index;
  const mien_image *photo;
  mien_image *frame; /* scratch: photo + pasted result */
  mien_face source;
  mien_animator *anim;
} face_job;

static int
class_from_name (const char *name)
{
  for (int i = 0; i < MIEN_N_EXPRESSIONS; i++)
    if (strcmp (name, mien_eval_expression_name (i)) == 0)
      return i;
  return -1;
}

int
main (int argc, char **argv)
{
  mien_cli_start ("mien-calibrate", argc, argv);
  if (mien_cli_take_common_options ("mien-calibrate", &argc, argv) != 0)
    return 2;
  int verbose = 0, redetect = 0, first = 1;
  for (; first < argc && argv[first][0] == '-'; first++)
    if (strcmp (argv[first], "-v") == 0)
      verbose = 1;
    else if (strcmp (argv[first], "-d") == 0)
      redetect = 1;
    else
      break;
  if (argc - first < 2)
    {
      fprintf (stderr, "usage: mien-calibrate [-v] [-d] MODEL_DIR PHOTO... < recipes\n");
      return 2;
    }
  mien_error err = { 0 };
  mien_face_analyzer *fa = mien_face_analyzer_new (argv[first], NULL, &err);
  mien_generator *rig = mien_rig_new (&err);
  if (!fa || !rig)
    {
      fprintf (stderr, "mien-calibrate: %s\n", err.message);
      return 1;
    }
  static face_job jobs[MAX_FACES];
  int n_jobs = 0;
  for (int a = first + 1; a < argc; a++)
    {
      mien_image *photo = mien_image_load (argv[a], &err);
      mien_face *faces = NULL;
      int n = 0;
      if (!photo || mien_face_analyzer_run (fa, photo, NULL, &faces, &n, &err))
        {
          fprintf (stderr, "mien-calibrate: %s: %s\n", argv[a], err.message);
          return 1;
        }
      const char *base = strrchr (argv[a], '/');
      for (int i = 0; i < n && n_jobs < MAX_FACES; i++)
        {
          face_job *j = &jobs[n_jobs++];
          j->photo_name = base ? base + 1 : argv[a];
          j->index = i;
          j->photo = photo;
          j->source = faces[i];
          j->frame = mien_image_copy (photo, &err);
          j->anim = mien_animator_new (photo, &faces[i], MIEN_RESWARP_MULTISCALE,
                                       NULL, &err);
          if (!j->frame || !j->anim)
            {
              fprintf (stderr, "mien-calibrate: %s\n", err.message);
              return 1;
            }
        }
      mien_faces_free (faces);
    }
  fprintf (stderr, "mien-calibrate: %d faces\n", n_jobs);

  char line[4096];
  while (fgets (line, sizeof line, stdin))
    {
      char cls_name[32], spec[4000];
      if (sscanf (line, "%31s %3999s", cls_name, spec) != 2)
        continue;
      int cls = class_from_name (cls_name);
      mien_driving c;
      mien_driving_init (&c);
      if (cls < 0 || mien_driving_parse (&c, spec, &err) != MIEN_OK)
        {
          printf ("error %s\n", cls < 0 ? "unknown class" : err.message);
          fflush (stdout);
          continue;
        }
      int raised = 0;
      float sum_gain = 0, sum_log = 0, min_gain = 1, sum_p = 0, worst_dist = 0, min_alpha = 1;
      for (int k = 0; k < n_jobs; k++)
        {
          face_job *j = &jobs[k];
          memcpy (j->frame->data, j->photo->data,
                  sizeof (float) * mien_image_n_floats (j->photo));
          mien_face result = j->source;
          float iou = 1.0f;
          mien_status st
              = mien_animator_render (j->anim, rig, &c, j->frame, NULL, &err);
          if (st == MIEN_OK && redetect)
            st = mien_eval_match_face (fa, j->frame, &j->source.box,
                                       MATCH_MIN_IOU, &result, &iou, &err);
          else if (st == MIEN_OK)
            st = mien_face_analyzer_describe (fa, j->frame, &result, &err);
          if (st != MIEN_OK)
            {
              fprintf (stderr, "mien-calibrate: %s\n", err.message);
              return 1;
            }
          if (iou < MATCH_MIN_IOU) /* lost: nothing was raised */
            memcpy (result.expressions, j->source.expressions,
                    sizeof result.expressions);
          mien_rig_stats stats;
          mien_rig_get_stats (rig, &stats);
          float ps = j->source.expressions[cls], pr = result.expressions[cls];
          float gain = pr - ps;
          float dist = mien_face_descriptor_distance (j->source.descriptor,
                                                      result.descriptor);
          raised += gain >= RAISE_MARGIN || (ps >= 0.99f && pr >= 0.99f);
          sum_gain += gain, sum_p += pr;
          sum_log += logf ((pr + 1e-4f) / (ps + 1e-4f));
          min_gain = fminf (min_gain, gain);
          worst_dist = fmaxf (worst_dist, dist);
          min_alpha = fminf (min_alpha, stats.fold_alpha);
          if (verbose)
            {
              int top = 0;
              for (int e = 1; e < MIEN_N_EXPRESSIONS; e++)
                top = result.expressions[e] > result.expressions[top] ? e : top;
              printf ("  %s/%d p %.4f -> %.4f  top %s %.2f  dist %.3f  alpha %.2f\n",
                      j->photo_name, j->index, ps, pr, mien_eval_expression_name (top),
                      result.expressions[top], dist, stats.fold_alpha);
            }
        }
      printf ("raised %d/%d mean_gain %.4f min_gain %.4f mean_p %.4f "
              "mean_log_ratio %.3f worst_dist %.3f min_alpha %.2f\n",
              raised, n_jobs, sum_gain / n_jobs, min_gain, sum_p / n_jobs,
              sum_log / n_jobs, worst_dist, min_alpha);
      fflush (stdout);
    }
  return 0;
}
