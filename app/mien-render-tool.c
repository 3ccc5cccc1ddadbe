/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render: one expression frame of a photo, end to end at full
 * resolution: faces → headshot crop → generator (the AU rig) → ResWarp →
 * paste-back. The generator is the AU rig or an ATW network from a weights
 * file (--generator). With --debug-dir it also writes the intermediate results of
 * the ATW paper's figure 4 (F, O^w, O^r, the warped residual). */
#include <errno.h>
#include <math.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "atw/mien-atw.h"
#include "io/mien-flo.h"
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-au.h"
#include "mien-field.h"
#include "mien-resample.h"
#include "mien-rig.h"
#include "mien.h"

static const char *program = "mien-render";

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: %s PHOTO [--landmarks FILE.json] [--face N]\n"
           "       [--preset NAME [--intensity X]] [--au AU=VALUE,...]\n"
           "       [--mode vanilla|multiscale] [--crop-only] "
           "[--debug-dir DIR]\n"
           "       [--generator rig|FILE.safetensors] -o OUTPUT\n"
           "\n"
           "Changes the expression of one face in a photo and writes the "
           "result at the\nphoto's full resolution.\n"
           "\n"
           "  -L, --landmarks FILE  faces and 68 landmarks (mien-landmarks "
           "JSON, see\n"
           "                        engine/io/mien-landmarks-io.h); needed "
           "until the\n"
           "                        built-in detector lands\n"
           "  -f, --face N          which face (0-based, in the file's order; "
           "default:\n"
           "                        the largest)\n"
           "  -p, --preset NAME     expression: neutral happy sad surprised "
           "fearful angry\n"
           "                        disgusted contempt\n"
           "  -i, --intensity X     preset strength, 0 … 1 (default 1)\n"
           "  -a, --au LIST         Action Units on the FACS 0–5 scale, e.g. "
           "12=3.5,6=2,45L=5;\n"
           "                        added to the preset; gaze_h/gaze_v in "
           "-1 … 1\n"
           "  -m, --mode MODE       ResWarp mode: vanilla or multiscale "
           "(default)\n"
           "  -g, --generator GEN   rig (the anatomical AU rig, default) or "
           "an ATW\n"
           "                        network's weights file (.safetensors, "
           "see\n"
           "                        docs/TRAINING.md)\n"
           "  -c, --crop-only       write only the face's crop, not the "
           "whole photo\n"
           "  -d, --debug-dir DIR   also write F (.flo and colour PNG), O^w, "
           "O^r, the\n"
           "                        warped residual, the crop before and "
           "after\n"
           "  -o, --output FILE     .png, .jpg or .pfm\n"
           "  -q, --quiet           print nothing but errors and warnings\n"
           "  -h, --help            show this help\n",
           program);
}

typedef struct options {
  const char *photo, *landmarks, *preset, *au, *debug_dir, *output;
  const char *generator;
  float intensity;
  int face, crop_only, quiet;
  mien_reswarp_mode mode;
} options;

static int
bad_usage (const char *message, const char *arg)
{
  fprintf (stderr, "%s: %s%s%s\n", program, message, arg ? ": " : "",
           arg ? arg : "");
  fprintf (stderr, "Try '%s --help'.\n", program);
  return 2;
}

static int
parse_float (const char *s, float *out)
{
  char *end;
  double v = strtod (s, &end);
  if (end == s || *end)
    return 0;
  *out = (float)v;
  return 1;
}

static int
parse_options (int argc, char **argv, options *opt)
{
  static const struct option longopts[] = {
    { "landmarks", required_argument, NULL, 'L' },
    { "face", required_argument, NULL, 'f' },
    { "preset", required_argument, NULL, 'p' },
    { "intensity", required_argument, NULL, 'i' },
    { "au", required_argument, NULL, 'a' },
    { "mode", required_argument, NULL, 'm' },
    { "generator", required_argument, NULL, 'g' },
    { "crop-only", no_argument, NULL, 'c' },
    { "debug-dir", required_argument, NULL, 'd' },
    { "output", required_argument, NULL, 'o' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  *opt = (options){ .intensity = 1.0f, .face = -1,
                    .mode = MIEN_RESWARP_MULTISCALE };
  int c, mode;
  char *end;
  while ((c = getopt_long (argc, argv, "L:f:p:i:a:m:g:cd:o:qh", longopts, NULL))
         != -1)
    switch (c)
      {
      case 'L': opt->landmarks = optarg; break;
      case 'f':
        opt->face = (int)strtol (optarg, &end, 10);
        if (end == optarg || *end || opt->face < 0)
          return bad_usage ("--face wants a number >= 0", optarg);
        break;
      case 'p': opt->preset = optarg; break;
      case 'i':
        if (!parse_float (optarg, &opt->intensity))
          return bad_usage ("--intensity wants a number", optarg);
        break;
      case 'a': opt->au = optarg; break;
      case 'm':
        if ((mode = mien_reswarp_mode_from_string (optarg)) < 0)
          return bad_usage ("--mode is vanilla or multiscale", optarg);
        opt->mode = (mien_reswarp_mode)mode;
        break;
      case 'g': opt->generator = optarg; break;
      case 'c': opt->crop_only = 1; break;
      case 'd': opt->debug_dir = optarg; break;
      case 'o': opt->output = optarg; break;
      case 'q': opt->quiet = 1; break;
      case 'h': usage (stdout); exit (0);
      default: return bad_usage ("bad option", NULL);
      }
  if (optind + 1 != argc)
    return bad_usage ("give exactly one PHOTO", NULL);
  opt->photo = argv[optind];
  if (!opt->output)
    return bad_usage ("missing -o OUTPUT", NULL);
  if (!mien_image_save_supported (opt->output))
    return bad_usage ("OUTPUT must end in .png, .jpg, .jpeg or .pfm",
                      opt->output);
  return 0;
}

/* Driving vector from --preset/--intensity/--au; out-of-range values are
 * clamped with a warning (the rig would clamp them anyway). */
static int
build_driving (const options *opt, mien_driving *c)
{
  mien_error err = { 0 };
  char names[512];
  mien_driving_init (c);
  if (opt->preset)
    {
      int p = mien_preset_from_name (opt->preset);
      if (p < 0)
        {
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
      mien_driving_add_preset (c, (mien_expression_preset)p, k);
    }
  if (opt->au)
    {
      mien_driving extra;
      mien_driving_init (&extra);
      if (mien_driving_parse (&extra, opt->au, &err) != MIEN_OK)
        {
          fprintf (stderr, "%s: %s\n", program, err.message);
          return 0;
        }
      for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
        c->values[i] += extra.values[i];
    }
  mien_driving before = *c;
  if (mien_driving_clamp (c))
    for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
      if (before.values[i] != c->values[i])
        fprintf (stderr, "%s: warning: %s = %g is out of range, clamped to %g\n",
                 program, mien_au_channels[i].name, (double)before.values[i],
                 (double)c->values[i]);
  return 1;
}

/* The face source is pluggable: a landmark file now; the built-in detector
 * (engine/face) will be the default when --landmarks is not given. */
static int
find_faces (const options *opt, const mien_image *photo,
            mien_landmark_file *faces)
{
  mien_error err = { 0 };
  if (!opt->landmarks)
    {
      fprintf (stderr,
               "%s: no face detector is built in yet; pass --landmarks "
               "FILE.json (make one with tests/reference/landmarks/"
               "make-landmarks.js)\n",
               program);
      return 0;
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
               opt->landmarks, faces->width, faces->height, opt->photo,
               photo->width, photo->height);
      return 0;
    }
  return 1;
}

static int
pick_face (const options *opt, const mien_landmark_file *faces)
{
  if (faces->n_faces == 0)
    {
      fprintf (stderr, "%s: no face found in %s\n", program, opt->photo);
      return -1;
    }
  if (opt->face >= faces->n_faces)
    {
      fprintf (stderr, "%s: --face %d, but %s has %d face%s (0 … %d)\n",
               program, opt->face, opt->photo, faces->n_faces,
               faces->n_faces == 1 ? "" : "s", faces->n_faces - 1);
      return -1;
    }
  return opt->face >= 0 ? opt->face : mien_landmark_file_largest_face (faces);
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

/* warp(R_0, F_0), shown as 0.5 + 4·R so that detail is visible. */
static mien_image *
warped_residual (mien_animator *anim, const mien_image *field, mien_error *err)
{
  mien_decomposition *dec = mien_animator_get_decomposition (anim);
  if (mien_decomposition_get_n_residuals (dec) < 1)
    return NULL;
  const mien_image *r = mien_decomposition_get_residual (dec, 0);
  mien_image *zero = mien_image_new_zeroed (2, 2, r->channels, err);
  mien_image *out = mien_image_new (r->width, r->height, r->channels, err);
  if (zero && out
      && mien_reswarp_compose_level (zero, r, field, out, NULL, err) == MIEN_OK)
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
  mien_image *res = warped_residual (anim, g->field, err);
  mien_status st = (before && color && res) ? MIEN_OK : err->status;
  if (st == MIEN_OK)
    st = mien_field_to_color (g->field, 0.0f, color, err);
  if (st == MIEN_OK) st = save_in (dir, "F.flo", g->field, err);
  if (st == MIEN_OK) st = save_big (dir, "F.png", color, err);
  if (st == MIEN_OK) st = save_big (dir, "I.png", mien_animator_get_low (anim), err);
  if (st == MIEN_OK) st = save_big (dir, "Ow.png", g->warped, err);
  if (st == MIEN_OK) st = save_big (dir, "Or.png", g->refined, err);
  if (st == MIEN_OK) st = save_in (dir, "Rw.png", res, err);
  if (st == MIEN_OK) st = save_in (dir, "crop-before.png", before, err);
  if (st == MIEN_OK) st = save_in (dir, "crop-after.png", crop_out, err);
  mien_image_free (before);
  mien_image_free (color);
  mien_image_free (res);
  return st;
}

/* ---------------------------------------------------------------------- */

/* "rig" (or nothing) is the AU rig; anything else a weights file. */
static mien_generator *
make_generator (const options *opt, mien_error *err)
{
  if (!opt->generator || strcmp (opt->generator, "rig") == 0)
    return mien_rig_new (err);
  return mien_atw_generator_new_from_file (opt->generator, err);
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
          mien_reswarp_mode_to_string (opt->mode));
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

static int
render (const options *opt, const mien_image *photo, const mien_face *face,
        int face_index, const mien_driving *c)
{
  mien_error err = { 0 };
  mien_generator *gen = make_generator (opt, &err);
  mien_animator *anim = gen ? mien_animator_new (photo, face, opt->mode, NULL, &err)
                            : NULL;
  mien_image *frame = anim && !opt->crop_only ? mien_image_copy (photo, &err) : NULL;
  const mien_image *crop_out = NULL;
  const mien_generator_output *g = NULL;
  mien_status st = anim && (opt->crop_only || frame) ? MIEN_OK : err.status;
  if (st == MIEN_OK)
    st = opt->crop_only
             ? mien_animator_render_crop (anim, gen, c, &crop_out, &g, &err)
             : mien_animator_render (anim, gen, c, frame, NULL, &err);
  if (st == MIEN_OK && !opt->crop_only)
    st = mien_animator_render_crop (anim, gen, c, &crop_out, &g, &err);
  if (st == MIEN_OK && opt->debug_dir)
    st = write_debug (opt->debug_dir, anim, g, crop_out, photo, &err);
  if (st == MIEN_OK)
    st = mien_image_save (opt->crop_only ? crop_out : frame, opt->output, &err);
  if (st == MIEN_OK)
    report (opt, anim, face_index, gen, g);
  else
    fprintf (stderr, "%s: %s\n", program, err.message);
  mien_image_free (frame);
  mien_animator_free (anim);
  mien_generator_free (gen);
  return st == MIEN_OK ? 0 : 1;
}

int
main (int argc, char **argv)
{
  options opt;
  int rc = parse_options (argc, argv, &opt);
  if (rc)
    return rc;
  mien_driving c;
  if (!build_driving (&opt, &c))
    return 2;
  mien_error err = { 0 };
  mien_image *photo = mien_image_load (opt.photo, &err);
  if (!photo)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 1;
    }
  mien_landmark_file faces = { 0 };
  int face = find_faces (&opt, photo, &faces) ? pick_face (&opt, &faces) : -1;
  rc = face >= 0 ? render (&opt, photo, &faces.faces[face], face, &c) : 1;
  mien_landmark_file_clear (&faces);
  mien_image_free (photo);
  return rc;
}
