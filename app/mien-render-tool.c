/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render: one expression frame of a photo, end to end at full
 * resolution: faces → headshot crop → generator (the AU rig) → ResWarp →
 * paste-back. The generator is the AU rig or an ATW network from a weights
 * file (--generator). With --debug-dir it also writes the intermediate
 * results of the ATW paper's figure 4 (F, O^w, O^r, the warped residual).
 * With --animate it renders a clip (keyframes or neutral → target) and
 * exports it as MP4, GIF or a PNG sequence (mien-render-animate.c); the
 * settings can come from, and be saved to, a project file. */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atw/mien-atw.h"
#include "mien-c-locale.h"
#include "face/mien-face-analyzer.h"
#include "io/mien-atomic-file.h"
#include "io/mien-flo.h"
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "io/mien-model-dir.h"
#include "io/mien-project.h"
#include "mien-cli.h"
#include "mien-render-tool.h"
#include "mien-render-drive.h"
#include "mien-animator.h"
#include "mien-au.h"
#include "mien-field.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien.h"

const char *program = "mien-render";

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: %s PHOTO [--landmarks FILE.json] [--face N]\n"
           "       [--preset NAME [--intensity X]] [--au AU=VALUE,...]\n"
           "       [--mode vanilla|multiscale] [--no-fade] [--crop-only] "
           "[--debug-dir DIR]\n"
           "       [--generator rig|FILE.safetensors] -o OUTPUT\n"
           "   or: %s [PHOTO] --animate [animation options] -o "
           "CLIP.mp4|CLIP.gif|FOLDER\n"
           "\n"
           "Changes the expression of one face in a photo and writes the "
           "result at the\nphoto's full resolution, or animates it.\n"
           "\n"
           "  -L, --landmarks FILE  faces and 68 landmarks (mien-landmarks "
           "JSON, see\n"
           "                        engine/io/mien-landmarks-io.h) instead of "
           "the built-in\n"
           "                        face analyzer\n"
           "      --models DIR      face-api models (default: $MIEN_MODEL_DIR, "
           "the installed\n"
           "                        ones, or data/models/face-api)\n"
           "  -f, --face N          which face (0-based, in the detector's or "
           "file's order;\n"
           "                        default: the largest)\n"
           "  -p, --preset NAME     expression: neutral happy sad surprised "
           "fearful angry\n"
           "                        disgusted contempt\n"
           "  -i, --intensity X     preset strength, 0 … 1 (default 1)\n"
           "  -a, --au LIST         Action Units on the FACS 0–5 scale, e.g. "
           "12=3.5,6=2,45L=5;\n"
           "                        added to the preset; gaze_h/gaze_v in "
           "-1 … 1\n"
           "  -m, --mode MODE       ResWarp mode: vanilla or multiscale "
           "(default: vanilla)\n"
           "  -g, --generator GEN   rig (the anatomical AU rig, default) or "
           "an ATW\n"
           "                        network's weights file (.safetensors, "
           "see\n"
           "                        docs/TRAINING.md)\n"
           "      --no-fade         ResWarp exactly as the paper: keep the "
           "residual where the\n"
           "                        warp squeezes or stretches it (default: "
           "fade it there)\n"
           "  -c, --crop-only       write only the face's crop, not the "
           "whole photo\n"
           "  -d, --debug-dir DIR   also write F (.flo and colour PNG), O^w, "
           "O^r, the\n"
           "                        residual gain G, the warped residual, "
           "the crop before\n"
           "                        and after\n"
           "  -o, --output FILE     .png, .jpg or .pfm; with --animate .mp4, "
           ".gif or a folder\n"
           "                        (PNG sequence)\n"
           "  -q, --quiet           print nothing but errors and warnings\n"
           "  -h, --help            show this help\n"
           "\n"
           "Animation (the clip goes from the photo's own expression to the "
           "one given by\n--preset/--intensity/--au and, with --ping-pong, "
           "back; or follows keyframes):\n"
           "  -A, --animate         render a clip instead of one frame\n"
           "  -k, --keyframe T:EXPR a keyframe at T seconds: neutral, "
           "happy@0.8, 12=3,6=2\n"
           "                        or happy@0.5,12=1 (repeat the option)\n"
           "  -r, --fps RATE        frames per second (default 30)\n"
           "  -t, --duration S      length of the neutral → target clip in "
           "seconds (default 2;\n"
           "                        keyframes set their own length)\n"
           "  -s, --scale SCALE     full, half, or the longest side in pixels\n"
           "  -I, --interpolation M driving (generator on each frame's "
           "vector, default) or\n"
           "                        field (target field computed once, scaled "
           "by α)\n"
           "  -P, --ping-pong       play forward, then back\n"
           "  -R, --region REGION   photo (default) or face (the face crop "
           "only)\n"
           "      --overwrite       replace a non-empty PNG folder, or write "
           "OUTPUT over an\n"
           "                        input file (the photo itself)\n"
           "      --project FILE    read photo, face, keyframes and settings "
           "from a project;\n"
           "                        options given here override it\n"
           "      --save-project FILE  write the resulting project "
           "(docs/PROJECT-FORMAT.md)\n",
           program, program);
}

static int
bad_usage (const char *message, const char *arg)
{
  fprintf (stderr, "%s: %s%s%s\n", program, message, arg ? ": " : "",
           arg ? arg : "");
  fprintf (stderr, "Try '%s --help'.\n", program);
  return 2;
}

/* A plain decimal number, nothing after it; not "nan", "inf" or hex. */
static int
parse_float (const char *s, float *out)
{
  char *end;
  if (s[strspn (s, "0123456789+-.eE")] != '\0')
    return 0;
  double v = mien_strtod_c (s, &end);
  if (end == s || *end || !isfinite (v) || fabs (v) > 1e30)
    return 0;
  *out = (float)v;
  return 1;
}

static int
parse_scale (const char *text, options *opt)
{
  if (!mien_export_scale_parse (text, &opt->scale, &opt->max_side))
    return 0;
  opt->set_scale = 1;
  return 1;
}

static int
add_keyframe_option (options *opt, const char *text)
{
  if (opt->n_keyframes >= MAX_CLI_KEYFRAMES)
    return bad_usage ("too many --keyframe options", NULL);
  mien_error err = { 0 };
  if (mien_keyframe_spec_parse (text, &opt->keyframes[opt->n_keyframes], &err)
      != MIEN_OK)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 2;
    }
  opt->n_keyframes++;
  return 0;
}

static int
parse_options (int argc, char **argv, options *opt)
{
  enum { MODELS = 256, OVERWRITE, PROJECT, SAVE_PROJECT, NO_FADE };
  static const struct option longopts[] = {
    { "landmarks", required_argument, NULL, 'L' },
    { "models", required_argument, NULL, MODELS },
    { "face", required_argument, NULL, 'f' },
    { "preset", required_argument, NULL, 'p' },
    { "intensity", required_argument, NULL, 'i' },
    { "au", required_argument, NULL, 'a' },
    { "mode", required_argument, NULL, 'm' },
    { "generator", required_argument, NULL, 'g' },
    { "crop-only", no_argument, NULL, 'c' },
    { "no-fade", no_argument, NULL, NO_FADE },
    { "debug-dir", required_argument, NULL, 'd' },
    { "output", required_argument, NULL, 'o' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "animate", no_argument, NULL, 'A' },
    { "keyframe", required_argument, NULL, 'k' },
    { "fps", required_argument, NULL, 'r' },
    { "duration", required_argument, NULL, 't' },
    { "scale", required_argument, NULL, 's' },
    { "interpolation", required_argument, NULL, 'I' },
    { "ping-pong", no_argument, NULL, 'P' },
    { "region", required_argument, NULL, 'R' },
    { "overwrite", no_argument, NULL, OVERWRITE },
    { "project", required_argument, NULL, PROJECT },
    { "save-project", required_argument, NULL, SAVE_PROJECT },
    MIEN_DRIVE_LONGOPTS,
    { NULL, 0, NULL, 0 },
  };
  *opt = (options){ .intensity = 1.0f, .face = -1,
                    .mode = MIEN_RESWARP_VANILLA };
  int c, v, rc;
  char *end;
  float f;
  while ((c = getopt_long (argc, argv, "L:f:p:i:a:m:g:cd:o:qhAk:r:t:s:I:PR:",
                           longopts, NULL))
         != -1)
    switch (c)
      {
      case 'L': opt->landmarks = optarg; break;
      case MODELS: opt->models = optarg; break;
      case 'f':
        errno = 0;
        long face = strtol (optarg, &end, 10);
        opt->face = face >= 0 && face <= 100000 ? (int)face : -1;
        if (end == optarg || *end || errno || opt->face < 0)
          return bad_usage ("--face wants a number >= 0", optarg);
        opt->set_face = 1;
        break;
      case 'p': opt->preset = optarg; break;
      case 'i':
        if (!parse_float (optarg, &opt->intensity))
          return bad_usage ("--intensity wants a number", optarg);
        break;
      case 'a': opt->au = optarg; break;
      case 'm':
        if ((v = mien_reswarp_mode_from_string (optarg)) < 0)
          return bad_usage ("--mode is vanilla or multiscale", optarg);
        opt->mode = (mien_reswarp_mode)v;
        opt->set_mode = 1;
        break;
      case 'g': opt->generator = optarg; break;
      case 'c': opt->crop_only = 1; break;
      case NO_FADE: opt->no_fade = 1; break;
      case 'd': opt->debug_dir = optarg; break;
      case 'o': opt->output = optarg; break;
      case 'q': opt->quiet = 1; break;
      case 'h': usage (stdout); exit (0);
      case 'A': opt->animate = 1; break;
      case 'k':
        if ((rc = add_keyframe_option (opt, optarg)) != 0)
          return rc;
        break;
      case 'r':
        if (!parse_float (optarg, &f) || !(f > 0.0f && f <= MIEN_TIMELINE_MAX_FPS))
          return bad_usage ("--fps wants a rate in (0, 1000]", optarg);
        _Static_assert (MIEN_TIMELINE_MAX_FPS == 1000.0, "the message above");
        opt->fps = f;
        break;
      case 't':
        if (!parse_float (optarg, &f) || !(f > 0.0f && f <= MIEN_TIMELINE_MAX_TIME))
          return bad_usage ("--duration wants seconds in (0, 3600]", optarg);
        _Static_assert (MIEN_TIMELINE_MAX_TIME == 3600.0, "the message above");
        opt->duration = f;
        break;
      case 's':
        if (!parse_scale (optarg, opt))
          return bad_usage ("--scale is full, half or a side of 2 or more "
                            "pixels", optarg);
        break;
      case 'I':
        if ((v = mien_interpolation_from_string (optarg)) < 0)
          return bad_usage ("--interpolation is driving or field", optarg);
        opt->interpolation = (mien_interpolation)v;
        opt->set_interpolation = 1;
        break;
      case 'P': opt->ping_pong = 1; break;
      case 'R':
        if ((v = mien_clip_region_from_string (optarg)) < 0)
          return bad_usage ("--region is photo or face", optarg);
        opt->region = (mien_clip_region)v;
        opt->set_region = 1;
        break;
      case OVERWRITE: opt->overwrite = 1; break;
      case PROJECT: opt->project = optarg; break;
      case SAVE_PROJECT: opt->save_project = optarg; break;
      case MIEN_DRIVE_OPT_DRIVE: case MIEN_DRIVE_OPT_START:
      case MIEN_DRIVE_OPT_END: case MIEN_DRIVE_OPT_STRENGTH:
      case MIEN_DRIVE_OPT_PARTS: case MIEN_DRIVE_OPT_FACE:
      case MIEN_DRIVE_OPT_STATS: case MIEN_DRIVE_OPT_FILTER:
        if ((rc = mien_render_drive_option (c, optarg)) != 0)
          return rc;
        break;
      default: return bad_usage ("bad option", NULL);
      }
  if (optind + 1 == argc)
    opt->photo = argv[optind];
  else if (optind != argc || !opt->project)
    return bad_usage (opt->project ? "give at most one PHOTO"
                                   : "give exactly one PHOTO",
                      NULL);
  if (mien_render_drive_wanted ()) /* mien-render-drive.c checks the rest */
    return 0;
  if (!opt->output && !opt->save_project)
    return bad_usage ("missing -o OUTPUT", NULL);
  if (!opt->animate
      && (opt->n_keyframes || opt->fps > 0 || opt->duration > 0
          || opt->set_scale || opt->set_interpolation || opt->ping_pong
          || opt->set_region))
    return bad_usage ("animation options need --animate", NULL);
  if (opt->output && !opt->animate && !mien_image_save_supported (opt->output))
    return bad_usage ("OUTPUT must end in .png, .jpg, .jpeg or .pfm",
                      opt->output);
  if (opt->output && opt->animate && mien_image_save_supported (opt->output))
    return bad_usage ("with --animate, OUTPUT is a .mp4, a .gif or a folder",
                      opt->output);
  if (opt->animate && opt->debug_dir)
    return bad_usage ("--debug-dir is for single frames", NULL);
  if (opt->animate && opt->no_fade)
    return bad_usage ("--no-fade is for single frames", NULL);
  return 0;
}

/* The preset/intensity/--au part of the command line as an expression
 * (values clamped with a warning, as for single frames). */
static int
build_target (const options *opt, mien_expression_spec *spec)
{
  mien_error err = { 0 };
  mien_expression_spec_init (spec);
  if (opt->preset)
    {
      int p = mien_preset_from_name (opt->preset);
      if (p < 0)
        {
          char names[512];
          mien_preset_list_names (names, sizeof names);
          fprintf (stderr, "%s: unknown preset '%s'; valid: %s\n", program,
                   opt->preset, names);
          return 0;
        }
      float k = opt->intensity;
      if (!(k >= 0.0f && k <= 1.0f))
        {
          fprintf (stderr, "%s: warning: --intensity %g clamped to [0, 1]\n",
                   program, (double)k);
          k = k > 1.0f ? 1.0f : 0.0f;
        }
      spec->preset = p;
      spec->intensity = k;
    }
  if (opt->au)
    {
      if (mien_driving_parse (&spec->aus, opt->au, &err) != MIEN_OK)
        {
          fprintf (stderr, "%s: %s\n", program, err.message);
          return 0;
        }
      mien_driving before = spec->aus;
      if (mien_driving_clamp (&spec->aus))
        for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
          if (before.values[i] != spec->aus.values[i])
            fprintf (stderr,
                     "%s: warning: %s = %g is out of range, clamped to %g\n",
                     program, mien_au_channels[i].name,
                     (double)before.values[i], (double)spec->aus.values[i]);
    }
  return 1;
}

/* The project: from --project, overridden by what the command line says. */
static int
build_project (const options *opt, mien_project *p)
{
  mien_error err = { 0 };
  if (opt->project && mien_project_load (opt->project, p, &err) != MIEN_OK)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 0;
    }
  mien_animation_settings *s = &p->settings;
  if (opt->photo && mien_project_set_photo (p, opt->photo, &err) != MIEN_OK)
    return 0;
  if (!opt->project || opt->set_face)
    p->face = opt->face;
  if (!opt->project || opt->preset || opt->au)
    if (!build_target (opt, &p->target))
      return 0;
  if (opt->n_keyframes)
    {
      p->n_keyframes = 0;
      for (int i = 0; i < opt->n_keyframes; i++)
        if (mien_project_add_keyframe (p, &opt->keyframes[i], &err) != MIEN_OK)
          {
            fprintf (stderr, "%s: %s\n", program, err.message);
            return 0;
          }
    }
  if (!opt->project || opt->set_mode)
    s->mode = opt->mode;
  if (opt->fps > 0)
    s->fps = opt->fps;
  if (opt->duration > 0)
    s->duration = opt->duration;
  if (opt->set_scale)
    s->scale = opt->scale, s->max_side = opt->max_side ? opt->max_side : s->max_side;
  if (opt->set_interpolation)
    s->interpolation = opt->interpolation;
  if (opt->ping_pong)
    s->ping_pong = 1;
  if (opt->set_region)
    s->region = opt->region;
  if (opt->crop_only)
    s->region = MIEN_CLIP_REGION_FACE;
  return 1;
}

/* The face source: a landmark file, or the built-in analyzer (face-api's
 * detector and landmarks) with the models found like the app finds them. */
static int
find_faces (const options *opt, const char *photo_path,
            const mien_image *photo, mien_landmark_file *faces,
            int *from_analyzer)
{
  mien_error err = { 0 };
  *from_analyzer = 0;
  if (!opt->landmarks)
    {
      const char *dir = opt->models ? opt->models : mien_model_dir_find ();
      if (!dir)
        {
          fprintf (stderr,
                   "%s: the face models are missing (run "
                   "scripts/fetch-assets.sh or set MIEN_MODEL_DIR), or pass "
                   "--landmarks FILE.json\n",
                   program);
          return 0;
        }
      mien_face_analyzer *an = mien_face_analyzer_new (dir, NULL, &err);
      mien_face *found = NULL;
      int n = 0;
      mien_status st = an ? mien_face_analyzer_run (an, photo, NULL, &found,
                                                    &n, &err)
                          : err.status;
      mien_face_analyzer_free (an);
      if (st != MIEN_OK)
        {
          fprintf (stderr, "%s: %s (or pass --landmarks FILE.json)\n",
                   program, err.message);
          return 0;
        }
      *faces = (mien_landmark_file){ photo->width, photo->height, n, found };
      *from_analyzer = 1;
      return 1;
    }
  if (mien_landmark_file_load (opt->landmarks, faces, &err) != MIEN_OK)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 0;
    }
  if (faces->width != photo->width || faces->height != photo->height)
    {
      fprintf (stderr,
               "%s: %s describes a %d×%d photo but %s is %d×%d\n", program,
               opt->landmarks, faces->width, faces->height, photo_path,
               photo->width, photo->height);
      return 0;
    }
  return 1;
}

static int
pick_face (int wanted, const char *photo_path,
           const mien_landmark_file *faces)
{
  if (faces->n_faces == 0)
    {
      fprintf (stderr, "%s: no face found in %s\n", program, photo_path);
      return -1;
    }
  if (wanted >= faces->n_faces)
    {
      fprintf (stderr, "%s: --face %d, but %s has %d face%s (0 … %d)\n",
               program, wanted, photo_path, faces->n_faces,
               faces->n_faces == 1 ? "" : "s", faces->n_faces - 1);
      return -1;
    }
  return wanted >= 0 ? wanted : mien_landmark_file_largest_face (faces);
}

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
  if (mien_decomposition_get_n_residuals (dec) < 1)
    return NULL;
  const mien_image *r = mien_decomposition_get_residual (dec, 0);
  mien_image *zero = mien_image_new_zeroed (2, 2, r->channels, err);
  mien_image *out = mien_image_new (r->width, r->height, r->channels, err);
  if (zero && out
      && mien_reswarp_compose_level_gain (zero, r, field, gain, out, NULL, err)
             == MIEN_OK)
    {
      for (size_t i = 0; i < mien_image_n_floats (out); i++)
        out->data[i] = 0.5f + 4.0f * out->data[i];
      mien_image_free (zero);
      return out;
    }
  mien_image_free (zero);
  mien_image_free (out);
  return NULL;
}

static mien_status
write_debug (const char *dir, mien_animator *anim,
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
  int fade = mien_decomposition_get_residual_fade (
      mien_animator_get_decomposition (anim));
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
  mien_image_free (before);
  mien_image_free (color);
  mien_image_free (gain);
  mien_image_free (res);
  return st;
}

/* ---------------------------------------------------------------------- */

/* "rig" (or nothing) is the AU rig; anything else a weights file. */
mien_generator *
mien_render_make_generator (const char *name, mien_error *err)
{
  if (name == NULL || strcmp (name, "rig") == 0)
    return mien_rig_new (err);
  return mien_atw_generator_new_from_file (name, err);
}

static float
max_displacement (const mien_image *field)
{
  float m = 0.0f;
  for (size_t i = 0; i + 1 < mien_image_n_floats (field); i += 2)
    m = fmaxf (m, hypotf (field->data[i], field->data[i + 1]));
  return m;
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
static mien_image_extras photo_extras;

static mien_status
save_still (const char *path, const mien_image *image, const mien_rect *crop,
            mien_error *err)
{
  mien_image_extras part = { 0 };
  if (crop && mien_image_extras_crop (&photo_extras, crop->x, crop->y,
                                      crop->width, crop->height, &part, err)
                  != MIEN_OK)
    return err->status;
  const char *warning = NULL;
  mien_status st = mien_image_save_full (image, crop ? &part : &photo_extras,
                                         path, &warning, err);
  if (st == MIEN_OK && warning)
    fprintf (stderr, "%s: warning: %s: %s\n", program, path, warning);
  mien_image_extras_clear (&part);
  return st;
}

static int
render (const options *opt, const mien_project *project,
        const mien_image *photo, const mien_face *face, int face_index)
{
  mien_error err = { 0 };
  mien_driving cv, *c = &cv;
  mien_expression_spec_to_driving (&project->target, c);
  int crop_only = project->settings.region == MIEN_CLIP_REGION_FACE;
  mien_reswarp_mode mode = project->settings.mode;
  mien_generator *gen = mien_render_make_generator (opt->generator, &err);
  mien_animator *anim = gen ? mien_animator_new (photo, face, mode, NULL, &err)
                            : NULL;
  if (anim && opt->no_fade)
    mien_decomposition_set_residual_fade (
        mien_animator_get_decomposition (anim), 0);
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
    st = write_debug (opt->debug_dir, anim, g, crop_out, photo, &err);
  if (st == MIEN_OK)
    st = save_still (opt->output, crop_only ? crop_out : frame,
                     crop_only ? mien_animator_get_crop (anim) : NULL, &err);
  if (st == MIEN_OK)
    report (opt, anim, face_index, gen, g);
  else
    fprintf (stderr, "%s: %s\n", program, err.message);
  mien_image_free (frame);
  mien_animator_free (anim);
  mien_generator_free (gen);
  return st == MIEN_OK ? 0 : 1;
}

static int
save_project (const options *opt, const mien_project *project)
{
  mien_error err = { 0 };
  if (mien_project_save (project, opt->save_project, &err) != MIEN_OK)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 1;
    }
  return 0;
}

/* The user's photo is not lost by a slip of the keyboard: an OUTPUT that is
 * one of the inputs (the same file, also through a link or another
 * spelling) is refused unless --overwrite says it is meant; a PNG folder
 * that holds the photo is refused always, since replacing the folder would
 * delete it. Saving a project over the project it came from is an update,
 * not a slip, and is allowed. */
static int
check_outputs (const options *opt, const mien_project *project)
{
  const struct { const char *path, *what; } inputs[] = {
    { project->photo, "the photo" },
    { opt->landmarks, "the landmark file" },
    { opt->project, "the project file" },
    { opt->generator, "the generator's weights" },
  };
  const char *outputs[] = { opt->output, opt->save_project };
  for (int o = 0; o < 2; o++)
    for (size_t i = 0; outputs[o] && i < sizeof inputs / sizeof *inputs; i++)
      {
        if (!mien_path_same_file (outputs[o], inputs[i].path)
            || (o == 1 && inputs[i].path == opt->project))
          continue;
        if (opt->overwrite && o == 0)
          continue;
        fprintf (stderr,
                 "%s: %s is %s (%s); refusing to write over it%s\n",
                 program, outputs[o], inputs[i].what, inputs[i].path,
                 o == 0 ? " (give --overwrite if that is meant)" : "");
        return 0;
      }
  if (opt->output && opt->animate
      && mien_path_in_folder (project->photo, opt->output))
    {
      fprintf (stderr, "%s: the photo %s is inside %s, which the PNG "
               "sequence would replace; choose another folder\n", program,
               project->photo, opt->output);
      return 0;
    }
  return 1;
}

/* A clip within the limits (frames per clip, fps), said before the photo
 * is even loaded. */
static int
check_clip (const options *opt, const mien_project *project)
{
  if (!opt->animate)
    return 1;
  mien_error err = { 0 };
  mien_timeline *tl = mien_project_build_timeline (project, &err);
  if (tl)
    mien_timeline_check_frames (tl, project->settings.fps, &err);
  mien_timeline_free (tl);
  if (err.status != MIEN_OK)
    fprintf (stderr, "%s: %s\n", program, err.message);
  return err.status == MIEN_OK;
}

/* Photo → faces → the chosen face → one frame or a clip. */
static int
run (const options *opt, const mien_project *project)
{
  mien_error err = { 0 };
  mien_image *photo = mien_image_load_full (project->photo, &photo_extras,
                                            &err);
  if (!photo)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 1;
    }
  if (photo_extras.warning[0])
    fprintf (stderr, "%s: warning: %s\n", program, photo_extras.warning);
  /* Clips (MP4, GIF, PNG frames) carry no profile: their pixels become
   * sRGB, once, before the face is analysed and animated. */
  if (opt->animate && photo_extras.icc
      && mien_image_convert_to_srgb (photo, photo_extras.icc,
                                     photo_extras.icc_size, &err)
             != MIEN_OK)
    fprintf (stderr, "%s: warning: colours not converted to sRGB: %s\n",
             program, err.message);
  mien_landmark_file faces = { 0 };
  int from_analyzer = 0, rc = 1;
  int face = find_faces (opt, project->photo, photo, &faces, &from_analyzer)
                 ? pick_face (project->face, project->photo, &faces)
                 : -1;
  if (face >= 0 && opt->animate)
    rc = mien_render_animate (project, photo, &faces.faces[face],
                              opt->generator, opt->output,
                              opt->overwrite, opt->quiet);
  else if (face >= 0)
    rc = render (opt, project, photo, &faces.faces[face], face);
  if (from_analyzer)
    mien_faces_free (faces.faces);
  else
    mien_landmark_file_clear (&faces);
  mien_image_free (photo);
  mien_image_extras_clear (&photo_extras);
  return rc;
}

int
main (int argc, char **argv)
{
  mien_cli_start ("mien-render", argc, argv);
  options opt;
  int rc = parse_options (argc, argv, &opt);
  if (rc)
    return rc;
  if (mien_render_drive_wanted ())
    return mien_render_drive_main (&opt);
  mien_project project;
  mien_project_init (&project);
  if (!build_project (&opt, &project))
    {
      mien_project_clear (&project);
      return opt.project ? 1 : 2;
    }
  if (!check_outputs (&opt, &project) || !check_clip (&opt, &project))
    {
      mien_project_clear (&project);
      return 1;
    }
  rc = opt.save_project ? save_project (&opt, &project) : 0;
  if (rc == 0 && opt.output)
    rc = run (&opt, &project);
  mien_project_clear (&project);
  return rc;
}
