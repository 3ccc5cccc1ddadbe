/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render's command line: the options, their checks, and the project
 * they describe (a --project file overridden by what the command line
 * says). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/mien-image-io.h"
#include "mien-c-locale.h"
#include "mien-cli.h"
#include "mien-animator.h"
#include "mien-render-drive.h"
#include "mien-render-tool.h"

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: %s PHOTO [--landmarks FILE.json] [--face N]\n"
           "       [--preset NAME [--intensity X]] [--au AU=VALUE,...]\n"
           "       [--pose yaw=DEG,pitch=DEG,roll=DEG]\n"
           "       [--mode vanilla|multiscale] [--no-fade] [--sharp] [--no-teeth]\n"
           "       [--crop-only] [--debug-dir DIR]\n"
           "       [--generator rig|FILE.safetensors] -o OUTPUT\n"
           "   or: %s [PHOTO] --animate [animation options] -o "
           "CLIP.mp4|CLIP.gif|FOLDER\n"
           "   or: %s PHOTO --drive VIDEO|PHOTO2 [driving options] -o "
           "OUTPUT\n"
           "\n"
           "Changes the expression of one face in a photo and writes the "
           "result at the\nphoto's full resolution, or animates it.\n"
           "\n"
           "  -L, --landmarks FILE  faces and 68 landmarks (mien-landmarks "
           "JSON, see\n"
           "                        engine/io/mien-landmarks-io.h) instead of "
           "the built-in\n"
           "                        face analyzer (where the models are "
           "installed, the\n"
           "                        head's person matte still comes from "
           "them)\n"
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
           "      --pose LIST       head pose in degrees, -20 … 20, e.g. "
           "yaw=15,pitch=-5,roll=3\n"
           "                        (yaw +: towards the image's right; pitch "
           "+: chin up;\n"
           "                        roll +: clockwise)\n"
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
           "      --sharp           sharper skin detail where the face "
           "moves: the residual\n"
           "                        warped with a cubic resampler and carried "
           "rigidly where\n"
           "                        it would fade (default: bilinear, as the "
           "app's preference)\n"
           "      --no-teeth        leave an opened mouth without the teeth "
           "drawn in where\n"
           "                        the photo's lips were closed (default: "
           "draw them on\n"
           "                        faces large enough to show them)\n"
           "  -c, --crop-only       write only the face's crop, not the "
           "whole photo\n"
           "  -d, --debug-dir DIR   also write F (.flo and colour PNG), O^w, "
           "O^r, the\n"
           "                        residual gain G, the warped residual, "
           "the crop before\n"
           "                        and after\n"
           "  -o, --output FILE     .png, .jpg, .webp, .tif or .pfm; with "
           "--animate .mp4,\n"
           "                        .gif or a folder (PNG sequence)\n"
           "      --quality N       JPEG and WebP quality, 1-100 (default 95)\n"
           "  -q, --quiet           print nothing but errors and warnings\n"
           "  -h, --help            show this help\n"
           MIEN_CLI_COMMON_HELP
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
           "(docs/PROJECT-FORMAT.md)\n"
           "\n"
           "Driving (the face copies a performance: a video gives a clip "
           "at its rate and\nlength, a photo one frame):\n"
           "      --drive PATH      the driving video (.mp4, .mov, …) or "
           "photo\n"
           "      --start S, --end S  the part of the video to use, in "
           "seconds\n"
           "      --strength X      scales the performance, 0 … 5 "
           "(default 1)\n"
           "      --drive-parts L   what is copied: eyes,brows,mouth,pose "
           "(default all)\n"
           "      --drive-mouth M   copy (default): the mouth opens as far "
           "as the driver's,\n"
           "                        so a photo's open mouth closes when the "
           "driver's does;\n"
           "                        add: the driver's opening adds to the "
           "photo's\n"
           "      --drive-face N    which face of the video's first frame "
           "(default: the\n"
           "                        largest)\n"
           "      --drive-filter C[,B]  landmark smoothing, One Euro "
           "min cutoff (Hz) and beta\n"
           "                        (0 turns it off)\n"
           "      --drive-stats FILE  a per-frame table of the tracking "
           "and the solved AUs\n",
           program, program, program);
}

static int
bad_usage (const char *message, const char *arg)
{
  return mien_cli_usage_error (program, message, arg);
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

/* A number in (0, max]. */
static int
parse_positive (const char *s, double max, float *out)
{
  float f;
  if (!parse_float (s, &f) || !(f > 0.0f && f <= max))
    return 0;
  *out = f;
  return 1;
}
_Static_assert (MIEN_TIMELINE_MAX_FPS == 1000.0, "--fps's message");
_Static_assert (MIEN_TIMELINE_MAX_TIME == 3600.0, "--duration's message");

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

int
mien_render_parse_options (int argc, char **argv, void *data)
{
  options *opt = data;
  enum { MODELS = 256, OVERWRITE, PROJECT, SAVE_PROJECT, NO_FADE, POSE,
         QUALITY, NO_TEETH, SHARP };
  static const struct option longopts[] = {
    { "landmarks", required_argument, NULL, 'L' },
    { "models", required_argument, NULL, MODELS },
    { "face", required_argument, NULL, 'f' },
    { "preset", required_argument, NULL, 'p' },
    { "intensity", required_argument, NULL, 'i' },
    { "au", required_argument, NULL, 'a' },
    { "pose", required_argument, NULL, POSE },
    { "mode", required_argument, NULL, 'm' },
    { "generator", required_argument, NULL, 'g' },
    { "crop-only", no_argument, NULL, 'c' },
    { "no-fade", no_argument, NULL, NO_FADE },
    { "no-teeth", no_argument, NULL, NO_TEETH },
    { "sharp", no_argument, NULL, SHARP },
    { "debug-dir", required_argument, NULL, 'd' },
    { "output", required_argument, NULL, 'o' },
    { "quality", required_argument, NULL, QUALITY },
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
      case POSE: opt->pose = optarg; break;
      case QUALITY:
        {
          float q;
          /* Whole numbers 1–100, as the app's JPEG quality preference. */
          if (!parse_positive (optarg, 100.0, &q) || q != floorf (q))
            return bad_usage ("--quality wants a whole number from 1 to 100",
                              optarg);
          opt->quality = (int)q;
        }
        break;
      case 'm':
        if ((v = mien_reswarp_mode_from_string (optarg)) < 0)
          return bad_usage ("--mode is vanilla or multiscale", optarg);
        opt->mode = (mien_reswarp_mode)v;
        opt->set_mode = 1;
        break;
      case 'g': opt->generator = optarg; break;
      case 'c': opt->crop_only = 1; break;
      case NO_FADE: opt->no_fade = 1; break;
      /* For every animator the run makes (stills, clips, driving). */
      case NO_TEETH: mien_animator_set_teeth_enabled (0); break;
      case SHARP:
        opt->sharp = 1;
        mien_reswarp_set_sharp_detail (1);
        break;
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
        if (!parse_positive (optarg, MIEN_TIMELINE_MAX_FPS, &opt->fps))
          return bad_usage ("--fps wants a rate in (0, 1000]", optarg);
        break;
      case 't':
        if (!parse_positive (optarg, MIEN_TIMELINE_MAX_TIME, &opt->duration))
          return bad_usage ("--duration wants seconds in (0, 3600]", optarg);
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
      case MIEN_DRIVE_OPT_MOUTH:
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
  if (opt->sharp && opt->no_fade)
    return bad_usage ("--sharp is Mien's ResWarp; --no-fade is the paper's: "
                      "choose one", NULL);
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
  if (opt->au || opt->pose)
    {
      if ((opt->au && mien_driving_parse (&spec->aus, opt->au, &err) != MIEN_OK)
          || (opt->pose
              && mien_driving_parse_pose (&spec->aus, opt->pose, &err)
                     != MIEN_OK))
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
int
mien_render_build_project (const options *opt, mien_project *p)
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
  if (!opt->project || opt->preset || opt->au || opt->pose)
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
