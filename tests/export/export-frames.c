/* SPDX-License-Identifier: GPL-3.0-or-later */
/* export-frames: loads a photo, animates it synthetically and exports the
 * clip, for the export tests and by hand. The animation stands in for the
 * generator: a smooth bump of displacement in the middle of the picture grows
 * from zero with an eased timeline (α from mien_timeline_sample_alpha), and
 * the photo is warped by α·field (or, with --animation fade, darkened by α/2).
 * Frame 1 has α = 0 and is the photo itself. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/mien-export.h"
#include "io/mien-image-io.h"
#include "mien.h"

static const char *program = "export-frames";

typedef struct options {
  const char *photo, *output, *save_photo;
  mien_export_format format;
  mien_export_options export;
  int frames, cancel_after, fade, quiet;
} options;

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: %s PHOTO -o OUTPUT [options]\n"
           "\n"
           "  -o, --output PATH       a folder (png), a .gif or a .mp4\n"
           "  -f, --format FORMAT     png, gif or mp4 (default: by extension)\n"
           "  -n, --frames N          frames in the clip (default 30)\n"
           "  -r, --fps RATE          frame rate, 30 or 30000/1001 (default "
           "30)\n"
           "  -s, --scale SCALE       full, half or a maximum side in pixels\n"
           "      --crf N             MP4 quality 0 … 51 (default 18)\n"
           "      --preset NAME       x264 preset (default medium)\n"
           "      --overwrite         replace a non-empty PNG folder\n"
           "      --animation KIND    warp (default) or fade\n"
           "      --cancel-after K    abort after K frames (tests)\n"
           "      --save-photo PATH   also save the photo itself (tests)\n"
           "  -q, --quiet             print nothing on success\n",
           program);
}

static int
parse_fps (const char *text, mien_export_options *o)
{
  char *end;
  long num = strtol (text, &end, 10), den = 1;
  if (*end == '/')
    den = strtol (end + 1, &end, 10);
  if (*end != '\0' || num <= 0 || den <= 0 || num > 1000000 || den > 1000000)
    return -1;
  o->fps_num = (int)num;
  o->fps_den = (int)den;
  return 0;
}

static int
parse_scale (const char *text, mien_export_options *o)
{
  return mien_export_scale_parse (text, &o->scale, &o->max_side) ? 0 : -1;
}

static int
bad (const char *what, const char *value)
{
  fprintf (stderr, "%s: invalid %s '%s'\n", program, what, value);
  return 2;
}

static int
parse_options (int argc, char **argv, options *opt)
{
  enum { CRF = 256, PRESET, OVERWRITE, ANIMATION, CANCEL, SAVE_PHOTO };
  static const struct option longopts[] = {
    { "output", required_argument, NULL, 'o' },
    { "format", required_argument, NULL, 'f' },
    { "frames", required_argument, NULL, 'n' },
    { "fps", required_argument, NULL, 'r' },
    { "scale", required_argument, NULL, 's' },
    { "crf", required_argument, NULL, CRF },
    { "preset", required_argument, NULL, PRESET },
    { "overwrite", no_argument, NULL, OVERWRITE },
    { "animation", required_argument, NULL, ANIMATION },
    { "cancel-after", required_argument, NULL, CANCEL },
    { "save-photo", required_argument, NULL, SAVE_PHOTO },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  *opt = (options){ .frames = 30, .cancel_after = -1, .format = -1 };
  mien_export_options_init (&opt->export);
  int c, format;
  while ((c = getopt_long (argc, argv, "o:f:n:r:s:qh", longopts, NULL)) != -1)
    switch (c)
      {
      case 'o': opt->output = optarg; break;
      case 'f':
        if ((format = mien_export_format_from_string (optarg)) < 0)
          return bad ("format", optarg);
        opt->format = (mien_export_format)format;
        break;
      case 'n':
        if ((opt->frames = atoi (optarg)) < 1)
          return bad ("frame count", optarg);
        break;
      case 'r':
        if (parse_fps (optarg, &opt->export) != 0)
          return bad ("frame rate", optarg);
        break;
      case 's':
        if (parse_scale (optarg, &opt->export) != 0)
          return bad ("scale", optarg);
        break;
      case CRF: opt->export.crf = atoi (optarg); break;
      case PRESET: opt->export.preset = optarg; break;
      case OVERWRITE: opt->export.overwrite = 1; break;
      case ANIMATION:
        if (strcmp (optarg, "warp") != 0 && strcmp (optarg, "fade") != 0)
          return bad ("animation", optarg);
        opt->fade = strcmp (optarg, "fade") == 0;
        break;
      case CANCEL: opt->cancel_after = atoi (optarg); break;
      case SAVE_PHOTO: opt->save_photo = optarg; break;
      case 'q': opt->quiet = 1; break;
      case 'h': usage (stdout); exit (0);
      default: usage (stderr); return 2;
      }
  if (optind + 1 != argc || opt->output == NULL)
    {
      fprintf (stderr, "%s: need one photo and --output (see --help)\n",
               program);
      return 2;
    }
  opt->photo = argv[optind];
  if ((int)opt->format < 0)
    opt->format = mien_export_format_from_path (opt->output);
  return 0;
}

/* A displacement bump: Gaussian around the centre, a few percent of the
 * short side at α = 1, pointing right and a little down. */
static mien_image *
make_field (int width, int height, mien_error *err)
{
  mien_image *field = mien_image_new (width, height, 2, err);
  if (field == NULL)
    return NULL;
  double side = width < height ? width : height;
  double sigma = 0.15 * side, amplitude = 0.04 * side;
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        double dx = x - 0.5 * width, dy = y - 0.45 * height;
        double g = exp (-(dx * dx + dy * dy) / (2 * sigma * sigma));
        float *p = mien_image_row (field, y) + 2 * x;
        p[0] = (float)(amplitude * g);
        p[1] = (float)(0.5 * amplitude * g);
      }
  return field;
}

/* The clip's α curve: 0 → 1 over the clip, eased. */
static mien_timeline *
make_timeline (const options *opt)
{
  mien_timeline *tl = mien_timeline_new (1, NULL);
  static const float zero[] = { 0 }, one[] = { 1 };
  double fps = (double)opt->export.fps_num / opt->export.fps_den;
  mien_timeline_add_keyframe (tl, 0, zero, MIEN_EASING_EASE_IN_OUT, NULL);
  if (opt->frames > 1)
    mien_timeline_add_keyframe (tl, (opt->frames - 1) / fps, one,
                                MIEN_EASING_LINEAR, NULL);
  return tl;
}

static mien_status
render (const options *opt, const mien_image *photo, const mien_image *field,
        float alpha, mien_image *scaled_field, mien_image *frame,
        mien_error *err)
{
  if (opt->fade)
    {
      float k = 1.0f - 0.5f * alpha;
      for (size_t i = 0; i < mien_image_n_floats (photo); i++)
        frame->data[i] = photo->data[i] * k;
      return MIEN_OK;
    }
  for (size_t i = 0; i < mien_image_n_floats (field); i++)
    scaled_field->data[i] = alpha * field->data[i];
  return mien_warp_bilinear (photo, scaled_field, frame, NULL, err);
}

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
export_clip (const options *opt, const mien_image *photo, mien_error *err)
{
  mien_image *field = make_field (photo->width, photo->height, err);
  mien_image *scaled = mien_image_new (photo->width, photo->height, 2, err);
  mien_image *frame = mien_image_new (photo->width, photo->height, 3, err);
  mien_timeline *tl = make_timeline (opt);
  double fps = (double)opt->export.fps_num / opt->export.fps_den;
  double t0 = now_ms ();
  mien_exporter *ex = NULL;
  int rc = 1;
  if (field == NULL || scaled == NULL || frame == NULL)
    goto done;
  ex = mien_exporter_open (opt->output, opt->format, &opt->export,
                           photo->width, photo->height, err);
  if (ex == NULL)
    goto done;
  for (int i = 0; i < opt->frames; i++)
    {
      if (i == opt->cancel_after)
        {
          mien_exporter_abort (ex);
          ex = NULL;
          mien_error_set (err, MIEN_ERR_CANCELLED,
                          "export cancelled after %d of %d frames; nothing "
                          "was written",
                          i, opt->frames);
          goto done;
        }
      float alpha = mien_timeline_sample_alpha (
          tl, mien_timeline_get_frame_time (tl, fps, i));
      if (render (opt, photo, field, alpha, scaled, frame, err) != MIEN_OK
          || mien_exporter_add_frame (ex, frame, err) != MIEN_OK)
        goto done;
    }
  int w = mien_exporter_get_output_width (ex);
  int h = mien_exporter_get_output_height (ex);
  mien_status status = mien_exporter_finish (ex, err);
  ex = NULL;
  if (status != MIEN_OK)
    goto done;
  if (!opt->quiet)
    printf ("wrote %s (%s, %d frames, %d×%d, %.0f ms)\n", opt->output,
            mien_export_format_to_string (opt->format), opt->frames, w, h,
            now_ms () - t0);
  rc = 0;
done:
  mien_exporter_abort (ex);
  mien_timeline_free (tl);
  mien_image_free (field);
  mien_image_free (scaled);
  mien_image_free (frame);
  return rc;
}

int
main (int argc, char **argv)
{
  /* Past a file-size limit, fail the write (and clean up) instead of being
   * killed with a temporary left behind. */
  signal (SIGXFSZ, SIG_IGN);
  options opt;
  int rc = parse_options (argc, argv, &opt);
  if (rc != 0)
    return rc;
  mien_error err = { 0 };
  mien_image *photo = mien_image_load (opt.photo, &err);
  rc = 1;
  if (photo != NULL
      && (opt.save_photo == NULL
          || mien_image_save (photo, opt.save_photo, &err) == MIEN_OK))
    rc = export_clip (&opt, photo, &err);
  if (rc != 0)
    fprintf (stderr, "%s: %s\n", program, err.message);
  mien_image_free (photo);
  return rc;
}
