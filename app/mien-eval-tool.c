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
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

#include "io/mien-image-io.h"
#include "mien-cli.h"
#include "mien-animator.h"
#include "mien-eval.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien-timeline.h"
#include "mien.h"

static const char *program = "mien-eval";

enum { HD_MULTISCALE, HD_VANILLA, HD_BILINEAR, HD_BICUBIC, N_HD };
static const char *const hd_names[N_HD] = { "multiscale", "vanilla",
                                            "bilinear", "bicubic" };

typedef struct options {
  const char *out_dir, *models;
  char **inputs;
  int n_inputs;
  int presets[MIEN_N_PRESETS], n_presets;
  int anim_presets[MIEN_N_PRESETS], n_anim_presets;
  int hd[N_HD], n_hd;
  int sizes[16], n_sizes;
  int all_faces, frames, image_preset, quiet;
} options;

typedef struct outputs {
  FILE *metrics, *anim, *cost, *skipped, *images, *faces;
} outputs;

/* One photo at one size, with its analysed faces. */
typedef struct photo_ctx {
  const char *path;
  char stem[256];
  mien_image *image;
  mien_face *faces;
  int n_faces;
  int native; /* the photo's own size (pictures are saved only for this) */
} photo_ctx;

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
    "  -h, --help              show this help\n",
    program);
}

static int
bad_usage (const char *message, const char *arg)
{
  fprintf (stderr, "%s: %s%s%s\nTry '%s --help'.\n", program, message,
           arg ? ": " : "", arg ? arg : "", program);
  return 2;
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
      while (k < N_HD && strcmp (hd_names[k], tok) != 0)
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
parse_options (int argc, char **argv, options *opt)
{
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

/* ---------------------------------------------------------------------- */
/* Time and memory */

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

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
/* Photos */

static int
is_image_name (const char *name)
{
  const char *dot = strrchr (name, '.');
  static const char *const exts[] = { "png", "jpg", "jpeg", "webp", "tif",
                                      "tiff", "bmp" };
  if (!dot || name[0] == '.')
    return 0;
  for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
    if (strcasecmp (dot + 1, exts[i]) == 0)
      return 1;
  return 0;
}

static int
cmp_str (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Expands folders into their image files, sorted; NULL-terminated. */
static char **
list_photos (const options *opt, int *n_out)
{
  int cap = 64, n = 0;
  char **list = malloc (sizeof *list * (size_t)cap);
  for (int i = 0; list && i < opt->n_inputs; i++)
    {
      struct stat st;
      DIR *dir = stat (opt->inputs[i], &st) == 0 && S_ISDIR (st.st_mode)
                     ? opendir (opt->inputs[i]) : NULL;
      struct dirent *e;
      int first = n;
      if (!dir)
        {
          if (n + 1 >= cap)
            list = realloc (list, sizeof *list * (size_t)(cap *= 2));
          list[n++] = strdup (opt->inputs[i]);
          continue;
        }
      while ((e = readdir (dir)))
        if (is_image_name (e->d_name))
          {
            if (n + 1 >= cap)
              list = realloc (list, sizeof *list * (size_t)(cap *= 2));
            size_t len = strlen (opt->inputs[i]) + strlen (e->d_name) + 2;
            list[n] = malloc (len);
            snprintf (list[n++], len, "%s/%s", opt->inputs[i], e->d_name);
          }
      closedir (dir);
      qsort (list + first, (size_t)(n - first), sizeof *list, cmp_str);
    }
  *n_out = n;
  return list;
}

static void
stem_of (const char *path, char *stem, size_t size)
{
  const char *base = strrchr (path, '/');
  base = base ? base + 1 : path;
  snprintf (stem, size, "%s", base);
  char *dot = strrchr (stem, '.');
  if (dot && dot != stem)
    *dot = '\0';
  for (char *p = stem; *p; p++)
    if (*p == '\t' || *p == '\n' || *p == '/' || *p == ' ')
      *p = '_';
}

/* The photo resampled so its longer side is `side` (area average down,
 * bilinear up). */
static mien_image *
resample_photo (const mien_image *photo, int side, mien_error *err)
{
  int longer = photo->width > photo->height ? photo->width : photo->height;
  double f = (double)side / longer;
  int w = (int)lround (photo->width * f), h = (int)lround (photo->height * f);
  mien_image *out = mien_image_new (w < 1 ? 1 : w, h < 1 ? 1 : h,
                                    photo->channels, err);
  if (!out)
    return NULL;
  mien_status st = f < 1.0 ? mien_downsample_area (photo, out, NULL, err)
                           : mien_upsample_bilinear (photo, out, NULL, err);
  if (st != MIEN_OK)
    {
      mien_image_free (out);
      return NULL;
    }
  return out;
}

static int
largest_face (const mien_face *faces, int n)
{
  int best = 0;
  for (int i = 1; i < n; i++)
    if (faces[i].box.width * faces[i].box.height
        > faces[best].box.width * faces[best].box.height)
      best = i;
  return best;
}

/* ---------------------------------------------------------------------- */
/* Rendering in the four HD modes */

typedef struct face_ctx {
  const options *opt;
  outputs *out;
  photo_ctx *photo;
  int face_index;
  const mien_face *face;
  mien_generator *gen;
  mien_face_analyzer *analyzer;
  mien_animator *anim[2]; /* multiscale, vanilla (NULL if not asked) */
  mien_generator_output up_gen; /* O^r for the up-sampling baselines */
  mien_image *frame;            /* the photo; results pasted and undone */
  mien_image *up_crop;          /* up-sampled O^r at crop size */
  double times[N_HD][MIEN_N_PRESETS];
  int n_times[N_HD];
} face_ctx;

static void
restore_rect (mien_image *frame, const mien_image *photo, const mien_rect *r)
{
  size_t n = (size_t)r->width * (size_t)frame->channels * sizeof (float);
  for (int y = r->y; y < r->y + r->height; y++)
    memcpy (mien_image_row (frame, y) + (size_t)r->x * frame->channels,
            mien_image_row (photo, y) + (size_t)r->x * photo->channels, n);
}

static void
paste_crop (mien_image *frame, const mien_image *crop, const mien_rect *r)
{
  size_t n = (size_t)r->width * (size_t)frame->channels * sizeof (float);
  for (int y = 0; y < r->height; y++)
    memcpy (mien_image_row (frame, r->y + y) + (size_t)r->x * frame->channels,
            mien_image_row (crop, y), n);
}

static mien_animator *
base_animator (face_ctx *fc)
{
  return fc->anim[0] ? fc->anim[0] : fc->anim[1];
}

/* Renders preset c in HD mode hd into fc->frame; *undo gets the rectangle to
 * restore afterwards, *ms the time of generator + up-sampling + paste. */
static mien_status
render_hd (face_ctx *fc, int hd, const mien_driving *c, mien_rect *undo,
           double *ms, mien_error *err)
{
  double t0 = now_ms ();
  mien_status st;
  if (hd == HD_MULTISCALE || hd == HD_VANILLA)
    st = mien_animator_render (fc->anim[hd], fc->gen, c, fc->frame, undo, err);
  else
    {
      mien_animator *a = base_animator (fc);
      const mien_rect *cr = mien_animator_get_crop (a);
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
        paste_crop (fc->frame, fc->up_crop, cr);
      *undo = *cr;
    }
  *ms = now_ms () - t0;
  return st;
}

static mien_status
save_crop (face_ctx *fc, const char *what, const mien_image *img,
           mien_error *err)
{
  char path[4096];
  const mien_rect *cr = mien_animator_get_crop (base_animator (fc));
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
  const mien_rect *cr = mien_animator_get_crop (base_animator (fc));
  int cls = mien_eval_preset_class ((mien_expression_preset)preset);
  int top = 0;
  for (int k = 1; k < MIEN_N_EXPRESSIONS; k++)
    top = r->result_expressions[k] > r->result_expressions[top] ? k : top;
  fprintf (fc->out->metrics,
           "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%.4f\t%.4f\t%s\t%d\t%.3f\t%.4f\t"
           "%.4f\t%.4f\t%.4f\t%.6g\t%.6g\t%.6g\t%.6g\t%.2f\n",
           fc->photo->stem, fc->photo->image->width, fc->photo->image->height,
           fc->face_index, cr->width, hd_names[hd], mien_presets[preset].name,
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
  const mien_rect *cr = mien_animator_get_crop (base_animator (fc));
  int save = fc->photo->native && preset == fc->opt->image_preset;
  mien_status st = MIEN_OK;
  for (int i = 0; st == MIEN_OK && i < fc->opt->n_hd; i++)
    {
      int hd = fc->opt->hd[i];
      mien_rect undo;
      double ms;
      mien_eval_result r;
      st = render_hd (fc, hd, &c, &undo, &ms, err);
      if (st == MIEN_OK)
        st = mien_eval_measure (fc->analyzer, fc->photo->image, fc->face, cr,
                                fc->frame, &r, NULL, err);
      if (st == MIEN_OK && save)
        st = save_crop (fc, hd_names[hd], fc->frame, err);
      if (st == MIEN_OK)
        {
          write_metrics_row (fc, hd, preset, &r, ms);
          fc->times[hd][fc->n_times[hd]++] = ms;
        }
      restore_rect (fc->frame, fc->photo->image, &undo);
    }
  return st;
}

/* ---------------------------------------------------------------------- */
/* Animation: neutral → preset, two ways, and the flow warping error */

typedef struct clip {
  int n;
  mien_image **crops;  /* kept only for small crops (shuffle control) */
  mien_image **fields;
  double warp_sum, warp_max, plain_sum, ms;
} clip;

/* Field mode, frame at α: F = α·F*, O^r = warp(I, α·F*) + α·(O^r* − O^w*):
 * the target's refinement (the rig's mouth paint) fades in with the field. */
static mien_status
field_frame (const mien_image *low, const mien_generator_output *target,
             float alpha, mien_generator_output *g, mien_error *err)
{
  for (size_t i = 0; i < mien_image_n_floats (g->field); i++)
    g->field->data[i] = alpha * target->field->data[i];
  mien_status st = mien_warp_bilinear (low, g->field, g->warped, NULL, err);
  for (size_t i = 0; st == MIEN_OK && i < mien_image_n_floats (g->refined); i++)
    g->refined->data[i] = g->warped->data[i]
                          + alpha * (target->refined->data[i]
                                     - target->warped->data[i]);
  return st;
}

static void
clip_free (clip *cl)
{
  for (int i = 0; i < cl->n; i++)
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
clip_shuffled_error (const clip *cl, const int *perm, const mien_rect *roi,
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

static mien_status
render_clip (face_ctx *fc, int preset, int field_mode, clip *cl,
             mien_error *err)
{
  mien_animator *a = base_animator (fc);
  mien_decomposition *dec = mien_animator_get_decomposition (a);
  const mien_rect *cr = mien_animator_get_crop (a);
  const mien_image *low = mien_animator_get_low (a);
  mien_rect roi = mien_eval_face_rect (fc->face, cr);
  mien_driving target, c;
  mien_driving_init (&target);
  mien_driving_add_preset (&target, (mien_expression_preset)preset, 1.0f);
  mien_timeline *tl = mien_timeline_new (MIEN_AU_N_CHANNELS, err);
  mien_driving zero;
  mien_driving_init (&zero);
  mien_generator_output tgt = { 0 }, g = { 0 };
  mien_image *prev = NULL, *cur = NULL;
  int keep = (double)cr->width * cr->height <= 1024.0 * 1024.0;
  mien_status st = tl ? MIEN_OK : err->status;
  if (st == MIEN_OK)
    st = mien_timeline_add_keyframe (tl, 0.0, zero.values,
                                     MIEN_EASING_EASE_IN_OUT, err);
  if (st == MIEN_OK)
    st = mien_timeline_add_keyframe (tl, 1.0, target.values,
                                     MIEN_EASING_EASE_IN_OUT, err);
  if (st == MIEN_OK)
    st = mien_generator_output_init (&tgt, low->width, low->height,
                                     low->channels, err);
  if (st == MIEN_OK)
    st = mien_generator_output_init (&g, low->width, low->height,
                                     low->channels, err);
  if (st == MIEN_OK && field_mode)
    st = mien_generator_generate (fc->gen, low, &target,
                                  mien_animator_get_grid_landmarks (a), &tgt,
                                  NULL, err);
  double fps = fc->opt->frames - 1;
  cl->n = fc->opt->frames;
  cl->fields = calloc ((size_t)cl->n, sizeof *cl->fields);
  cl->crops = keep ? calloc ((size_t)cl->n, sizeof *cl->crops) : NULL;
  for (int i = 0; st == MIEN_OK && i < cl->n; i++)
    {
      double t = mien_timeline_get_frame_time (tl, fps, i);
      cur = mien_image_new (cr->width, cr->height, low->channels, err);
      if (!cur)
        {
          st = err->status;
          break;
        }
      double t0 = now_ms ();
      if (field_mode)
        st = field_frame (low, &tgt, mien_timeline_sample_alpha (tl, t), &g,
                          err);
      else if ((st = mien_timeline_sample (tl, t, c.values, err)) == MIEN_OK)
        st = mien_generator_generate (fc->gen, low, &c,
                                      mien_animator_get_grid_landmarks (a), &g,
                                      NULL, err);
      if (st == MIEN_OK)
        st = mien_reswarp (dec, g.refined, g.field, cur, NULL, err);
      cl->ms += now_ms () - t0;
      cl->fields[i] = st == MIEN_OK ? mien_image_copy (g.field, err) : NULL;
      if (st == MIEN_OK && !cl->fields[i])
        st = err->status;
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
  mien_generator_output_clear (&tgt);
  mien_generator_output_clear (&g);
  mien_timeline_free (tl);
  return st;
}

static mien_status
measure_animation (face_ctx *fc, int preset, mien_error *err)
{
  static const char *const mode_names[2] = { "driving", "field" };
  const mien_rect *cr = mien_animator_get_crop (base_animator (fc));
  mien_rect roi = mien_eval_face_rect (fc->face, cr);
  for (int mode = 0; mode < 2; mode++)
    {
      clip cl = { 0 };
      mien_status st = render_clip (fc, preset, mode, &cl, err);
      double shuffled = NAN;
      if (st == MIEN_OK && cl.crops)
        {
          /* Evens then odds: every step jumps, and no frame stays put. */
          int perm[1000], k = 0;
          for (int i = 0; i < cl.n; i += 2)
            perm[k++] = i;
          for (int i = 1; i < cl.n; i += 2)
            perm[k++] = i;
          shuffled = clip_shuffled_error (&cl, perm, &roi, err);
        }
      if (st == MIEN_OK)
        fprintf (fc->out->anim,
                 "%s\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t%.4f\t%.4f\t%.4f\t%.4f\t"
                 "%.2f\n",
                 fc->photo->stem, fc->photo->image->width,
                 fc->photo->image->height, fc->face_index, cr->width,
                 mien_presets[preset].name, mode_names[mode], cl.n,
                 cl.warp_sum / (cl.n - 1), cl.warp_max,
                 cl.plain_sum / (cl.n - 1), shuffled, cl.ms / cl.n);
      clip_free (&cl);
      if (st != MIEN_OK)
        return st;
    }
  return MIEN_OK;
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
  double t0 = now_ms ();
  fc->anim[k] = mien_animator_new (fc->photo->image, fc->face,
                                   k ? MIEN_RESWARP_VANILLA
                                     : MIEN_RESWARP_MULTISCALE,
                                   NULL, err);
  *prep_ms = now_ms () - t0;
  if (!fc->anim[k])
    return err->status;
  mien_rect undo;
  mien_status st = mien_animator_render (fc->anim[k], fc->gen, &c, fc->frame,
                                         &undo, err);
  *peak_delta_kb = peak_kb () - before;
  restore_rect (fc->frame, fc->photo->image, &undo);
  return st;
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
  mien_animator *a = st == MIEN_OK ? base_animator (fc) : NULL;
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
  const mien_rect *cr = mien_animator_get_crop (base_animator (fc));
  for (int i = 0; i < fc->opt->n_hd; i++)
    {
      int hd = fc->opt->hd[i], k = hd == HD_VANILLA;
      int own = hd == HD_MULTISCALE || hd == HD_VANILLA;
      fprintf (fc->out->cost, "%s\t%d\t%d\t%d\t%d\t%s\t%.1f\t%.2f\t%.1f\n",
               fc->photo->stem, fc->photo->image->width,
               fc->photo->image->height, fc->face_index, cr->width,
               hd_names[hd], own ? prep[k] : NAN,
               median (fc->times[hd], fc->n_times[hd]),
               own ? peak[k] / 1024.0 : NAN);
    }
}

static void
write_image_row (face_ctx *fc)
{
  const mien_rect *cr = mien_animator_get_crop (base_animator (fc));
  mien_rect roi = mien_eval_face_rect (fc->face, cr);
  const mien_point *l = fc->face->landmarks;
  mien_point er = { 0, 0 }, el = { 0, 0 }, m = { 0, 0 };
  for (int i = 0; i < 6; i++)
    {
      er.x += l[36 + i].x / 6, er.y += l[36 + i].y / 6;
      el.x += l[42 + i].x / 6, el.y += l[42 + i].y / 6;
    }
  for (int i = 48; i < 60; i++)
    m.x += l[i].x / 12, m.y += l[i].y / 12;
  fprintf (fc->out->images,
           "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t"
           "%.1f\n",
           fc->photo->stem, fc->face_index,
           mien_presets[fc->opt->image_preset].name, cr->width, cr->height,
           roi.x, roi.y, roi.width, roi.height, er.x - cr->x, er.y - cr->y,
           el.x - cr->x, el.y - cr->y, m.x - cr->x, m.y - cr->y);
}

static mien_status
evaluate_face (face_ctx *fc, mien_error *err)
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
    st = measure_animation (fc, fc->opt->anim_presets[i], err);
  face_close (fc);
  return st;
}

/* ---------------------------------------------------------------------- */
/* Photos and main */

static void
skip (outputs *out, const char *path, const char *reason)
{
  fprintf (out->skipped, "%s\t%s\n", path, reason);
  fflush (out->skipped);
}

static int
evaluate_photo (const options *opt, outputs *out, photo_ctx *pc,
                mien_face_analyzer *fa, mien_generator *gen)
{
  mien_error err = { 0 };
  if (mien_face_analyzer_run (fa, pc->image, NULL, &pc->faces, &pc->n_faces,
                              &err) != MIEN_OK)
    {
      skip (out, pc->path, err.message);
      return 0;
    }
  if (pc->n_faces == 0)
    {
      char why[64];
      snprintf (why, sizeof why, "no face found at %d×%d", pc->image->width,
                pc->image->height);
      skip (out, pc->path, why);
      return 0;
    }
  for (int f = 0; f < pc->n_faces; f++)
    {
      const mien_face *fc = &pc->faces[f];
      int top = 0;
      for (int k = 1; k < MIEN_N_EXPRESSIONS; k++)
        top = fc->expressions[k] > fc->expressions[top] ? k : top;
      fprintf (out->faces, "%s\t%d\t%d\t%d\t%.1f\t%.1f\t%.1f\t%.1f\t%.3f\t%s\n",
               pc->stem, pc->image->width, pc->image->height, f, fc->box.x,
               fc->box.y, fc->box.width, fc->box.height, fc->score,
               mien_eval_expression_name (top));
    }
  int first = opt->all_faces ? 0 : largest_face (pc->faces, pc->n_faces);
  int last = opt->all_faces ? pc->n_faces : first + 1;
  int ok = 1;
  for (int f = first; f < last; f++)
    {
      face_ctx fc = { .opt = opt, .out = out, .photo = pc, .face_index = f,
                      .face = &pc->faces[f], .gen = gen, .analyzer = fa };
      fc.frame = mien_image_copy (pc->image, &err);
      double t0 = now_ms ();
      if (!fc.frame || evaluate_face (&fc, &err) != MIEN_OK)
        {
          char why[MIEN_ERROR_MESSAGE_MAX + 32];
          snprintf (why, sizeof why, "face %d: %s", f, err.message);
          skip (out, pc->path, why);
          ok = 0;
        }
      else if (!opt->quiet)
        printf ("%s %d×%d face %d: %.1f s\n", pc->stem, pc->image->width,
                pc->image->height, f, (now_ms () - t0) / 1e3);
      mien_image_free (fc.frame);
      fflush (NULL);
    }
  return ok;
}

static int
evaluate_path (const options *opt, outputs *out, const char *path,
               mien_face_analyzer *fa, mien_generator *gen)
{
  mien_error err = { 0 };
  mien_image *photo = mien_image_load (path, &err);
  if (!photo)
    {
      skip (out, path, err.message);
      return 0;
    }
  photo_ctx pc = { .path = path, .image = photo, .native = 1 };
  stem_of (path, pc.stem, sizeof pc.stem);
  int ok = evaluate_photo (opt, out, &pc, fa, gen);
  mien_faces_free (pc.faces);
  for (int i = 0; i < opt->n_sizes; i++)
    {
      photo_ctx sc = { .path = path, .native = 0 };
      memcpy (sc.stem, pc.stem, sizeof sc.stem);
      sc.image = resample_photo (photo, opt->sizes[i], &err);
      if (!sc.image)
        skip (out, path, err.message);
      else
        ok &= evaluate_photo (opt, out, &sc, fa, gen);
      mien_faces_free (sc.faces);
      mien_image_free (sc.image);
    }
  mien_image_free (photo);
  return ok;
}

static FILE *
open_table (const char *dir, const char *name, const char *header)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen (path, "w");
  if (!f)
    fprintf (stderr, "%s: cannot write %s: %s\n", program, path,
             strerror (errno));
  else
    fprintf (f, "%s\n", header);
  return f;
}

/* mkdir -p: the folder and any missing parents. */
static int
make_dirs (const char *path)
{
  char buf[4096];
  snprintf (buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        if (mkdir (buf, 0777) != 0 && errno != EEXIST)
          return 0;
        *p = '/';
      }
  return mkdir (buf, 0777) == 0 || errno == EEXIST;
}

static int
open_outputs (const char *dir, outputs *out)
{
  char images[4096];
  snprintf (images, sizeof images, "%s/images", dir);
  if (!make_dirs (images))
    {
      fprintf (stderr, "%s: cannot create %s: %s\n", program, images,
               strerror (errno));
      return 0;
    }
  out->metrics = open_table (dir, "metrics.tsv",
    "photo\twidth\theight\tface\tcrop\thd\tpreset\tclass\tp_source\t"
    "p_result\tresult_top\tfound\tiou\tcosine\tdistance\thf_all\thf_finest\t"
    "lapvar_source\tlapvar_result\tgrad_source\tgrad_result\tms_frame");
  out->anim = open_table (dir, "animation.tsv",
    "photo\twidth\theight\tface\tcrop\tpreset\tmode\tframes\twarp_mean\t"
    "warp_max\tplain_mean\tshuffled_warp_mean\tms_frame");
  out->cost = open_table (dir, "cost.tsv",
    "photo\twidth\theight\tface\tcrop\thd\tms_prep\tms_frame_median\t"
    "peak_mb");
  out->skipped = open_table (dir, "skipped.tsv", "photo\treason");
  out->images = open_table (dir, "images.tsv",
    "photo\tface\tpreset\tcrop_w\tcrop_h\troi_x\troi_y\troi_w\troi_h\t"
    "eye_r_x\teye_r_y\teye_l_x\teye_l_y\tmouth_x\tmouth_y");
  out->faces = open_table (dir, "faces.tsv",
    "photo\twidth\theight\tface\tx\ty\tw\th\tscore\ttop");
  return out->metrics && out->anim && out->cost && out->skipped && out->images
         && out->faces;
}

static void
close_outputs (outputs *out)
{
  FILE *all[] = { out->metrics, out->anim, out->cost, out->skipped,
                  out->images, out->faces };
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    if (all[i])
      fclose (all[i]);
}

int
main (int argc, char **argv)
{
  mien_cli_start ("mien-eval", argc, argv);
  options opt;
  int rc = parse_options (argc, argv, &opt);
  if (rc)
    return rc;
  outputs out = { 0 };
  mien_error err = { 0 };
  /* Models first: a bad model folder leaves no output folder behind. The
   * same lookup as mien-render, mien-faces and the app. */
  if ((opt.models = mien_cli_find_models (program, opt.models)) == NULL)
    return 1;
  mien_face_analyzer *fa = mien_face_analyzer_new (opt.models, NULL, &err);
  mien_generator *gen = fa ? mien_rig_new (&err) : NULL;
  if (!gen)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      mien_face_analyzer_free (fa);
      return 1;
    }
  if (!open_outputs (opt.out_dir, &out))
    {
      close_outputs (&out);
      mien_generator_free (gen);
      mien_face_analyzer_free (fa);
      return 1;
    }
  int n = 0, n_ok = 0;
  char **photos = list_photos (&opt, &n);
  for (int i = 0; i < n; i++)
    {
      n_ok += evaluate_path (&opt, &out, photos[i], fa, gen);
      free (photos[i]);
    }
  free (photos);
  if (!opt.quiet)
    printf ("%d of %d photos measured; tables in %s\n", n_ok, n, opt.out_dir);
  mien_generator_free (gen);
  mien_face_analyzer_free (fa);
  close_outputs (&out);
  return n == 0 ? 1 : 0;
}
