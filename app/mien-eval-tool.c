/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-eval: the quality and speed report's measurements (issue #8). For
 * every photo of a folder (or the photos named), every face asked for and
 * every preset, it renders the result in four HD modes (multiscale and
 * vanilla ResWarp, bilinear and bicubic up-sampling of O^r) and measures
 * identity, expression, HD detail and cost; for the animation presets it
 * renders a neutral → preset clip in two ways (driving vector per frame, and
 * the target field scaled by the timeline's α(t)) and measures the flow
 * warping error. Results go to tab-separated files in OUTDIR, which
 * scripts/quality-report.py turns into the Markdown report. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mien-cli.h"
#include "mien-eval-tool.h"
#include "mien-rig.h"

const char *program = "mien-eval";

const char *const mien_eval_hd_names[N_HD] = { "multiscale", "vanilla",
                                               "bilinear", "bicubic" };

static void
usage (FILE *out)
{
  fprintf (out,
    "Usage: %s [OPTIONS] PHOTO|FOLDER... -o OUTDIR\n"
    "Measures identity, expression, HD detail, temporal coherence and cost of\n"
    "the expression presets on every photo (see docs/QUALITY.md).\n"
    "  -o, --output DIR        where metrics.tsv, animation.tsv, cost.tsv,\n"
    "                          faces.tsv, skipped.tsv and images/ go "
    "(created)\n"
    "  -p, --presets LIST      presets to render (default: every one but "
    "neutral)\n"
    "  -A, --anim-presets LIST presets to animate (default: happy,surprised; "
    "'none')\n"
    "      --hd LIST           multiscale,vanilla,bilinear,bicubic (default "
    "all)\n"
    "  -a, --all-faces         every face (default: the largest per photo)\n"
    "  -n, --frames N          frames per animation (default 9, >= 2)\n"
    "  -s, --sizes LIST        also measure each photo resampled to these "
    "longer\n"
    "                          sides, e.g. 1024,2048,3840 (faces re-detected)\n"
    "  -I, --images PRESET     save crops of this preset for the strips "
    "(default\n"
    "                          surprised; 'none')\n"
    "  -m, --models DIR        face-api models (default: $MIEN_MODEL_DIR, "
    "the installed\n"
    "                          ones, or data/models/face-api)\n"
    "  -q, --quiet             no progress lines\n"
    "  -h, --help              show this help\n"
    MIEN_CLI_COMMON_HELP,
    program);
}

static int
bad_usage (const char *message, const char *arg)
{
  return mien_cli_usage_error (program, message, arg);
}

static int
parse_presets (const char *list, int *out, int *n)
{
  char buf[512];
  *n = 0;
  if (strcmp (list, "none") == 0)
    return 1;
  snprintf (buf, sizeof buf, "%s", list);
  for (char *save = NULL, *tok = strtok_r (buf, ",", &save); tok;
       tok = strtok_r (NULL, ",", &save))
    {
      int p = mien_preset_from_name (tok);
      if (p < 0 || *n >= MIEN_N_PRESETS)
        return 0;
      out[(*n)++] = p;
    }
  return *n > 0;
}

static int
parse_hd (const char *list, options *opt)
{
  char buf[256];
  opt->n_hd = 0;
  snprintf (buf, sizeof buf, "%s", list);
  for (char *save = NULL, *tok = strtok_r (buf, ",", &save); tok;
       tok = strtok_r (NULL, ",", &save))
    {
      int k = 0;
      while (k < N_HD && strcmp (mien_eval_hd_names[k], tok) != 0)
        k++;
      if (k == N_HD || opt->n_hd >= N_HD)
        return 0;
      opt->hd[opt->n_hd++] = k;
    }
  return opt->n_hd > 0;
}

static int
parse_sizes (const char *list, options *opt)
{
  char buf[256], *end;
  opt->n_sizes = 0;
  snprintf (buf, sizeof buf, "%s", list);
  for (char *save = NULL, *tok = strtok_r (buf, ",", &save); tok;
       tok = strtok_r (NULL, ",", &save))
    {
      long v = strtol (tok, &end, 10);
      if (*end || v < 128 || v > 8192 || opt->n_sizes >= 16)
        return 0;
      opt->sizes[opt->n_sizes++] = (int)v;
    }
  return 1;
}

static int
parse_options (int argc, char **argv, void *data)
{
  options *opt = data;
  static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "presets", required_argument, NULL, 'p' },
    { "anim-presets", required_argument, NULL, 'A' },
    { "hd", required_argument, NULL, 'H' },
    { "all-faces", no_argument, NULL, 'a' },
    { "frames", required_argument, NULL, 'n' },
    { "sizes", required_argument, NULL, 's' },
    { "images", required_argument, NULL, 'I' },
    { "models", required_argument, NULL, 'm' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  /* models: NULL until --models, then the shared lookup (main). */
  *opt = (options){ .frames = 9, .image_preset = MIEN_PRESET_SURPRISED };
  parse_presets ("happy,sad,surprised,fearful,angry,disgusted,contempt",
                 opt->presets, &opt->n_presets);
  parse_presets ("happy,surprised", opt->anim_presets, &opt->n_anim_presets);
  parse_hd ("multiscale,vanilla,bilinear,bicubic", opt);
  int c;
  char *end;
  while ((c = getopt_long (argc, argv, "o:p:A:H:an:s:I:m:qh", longopts, NULL))
         != -1)
    switch (c)
      {
      case 'o': opt->out_dir = optarg; break;
      case 'p':
        if (!parse_presets (optarg, opt->presets, &opt->n_presets))
          return bad_usage ("bad --presets list", optarg);
        break;
      case 'A':
        if (!parse_presets (optarg, opt->anim_presets, &opt->n_anim_presets)
            && strcmp (optarg, "none") != 0)
          return bad_usage ("bad --anim-presets list", optarg);
        break;
      case 'H':
        if (!parse_hd (optarg, opt))
          return bad_usage ("--hd takes multiscale,vanilla,bilinear,bicubic",
                            optarg);
        break;
      case 'a': opt->all_faces = 1; break;
      case 'n':
        opt->frames = (int)strtol (optarg, &end, 10);
        if (*end || opt->frames < 2 || opt->frames > 1000)
          return bad_usage ("--frames wants a number in 2 … 1000", optarg);
        break;
      case 's':
        if (!parse_sizes (optarg, opt))
          return bad_usage ("--sizes wants sides in 128 … 8192", optarg);
        break;
      case 'I':
        opt->image_preset = strcmp (optarg, "none") == 0
                                ? -1 : mien_preset_from_name (optarg);
        if (opt->image_preset < 0 && strcmp (optarg, "none") != 0)
          return bad_usage ("unknown --images preset", optarg);
        break;
      case 'm': opt->models = optarg; break;
      case 'q': opt->quiet = 1; break;
      case 'h': usage (stdout); exit (0);
      default: return bad_usage ("bad option", NULL);
      }
  if (!opt->out_dir)
    return bad_usage ("missing -o OUTDIR", NULL);
  if (optind >= argc)
    return bad_usage ("give at least one PHOTO or FOLDER", NULL);
  opt->inputs = argv + optind;
  opt->n_inputs = argc - optind;
  return 0;
}

static int
run (void *data)
{
  options *opt = data;
  outputs out = { 0 };
  mien_error err = { 0 };
  /* Models first: a bad model folder leaves no output folder behind. The
   * same lookup as mien-render, mien-faces and the app. */
  if ((opt->models = mien_cli_find_models (program, opt->models)) == NULL)
    return 1;
  mien_face_analyzer *fa = mien_face_analyzer_new (opt->models, NULL, &err);
  mien_generator *gen = fa ? mien_rig_new (&err) : NULL;
  if (!gen)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      mien_face_analyzer_free (fa);
      return 1;
    }
  if (!mien_eval_open_outputs (opt->out_dir, &out))
    {
      mien_eval_close_outputs (&out);
      mien_generator_free (gen);
      mien_face_analyzer_free (fa);
      return 1;
    }
  int n = 0, n_ok = mien_eval_run (opt, &out, fa, gen, &n);
  if (!opt->quiet)
    printf ("%d of %d photos measured; tables in %s\n", n_ok, n, opt->out_dir);
  mien_generator_free (gen);
  mien_face_analyzer_free (fa);
  mien_eval_close_outputs (&out);
  return n == 0 ? 1 : 0;
}

int
main (int argc, char **argv)
{
  options opt;
  return mien_cli_main (program, argc, argv, &opt, parse_options, run);
}
