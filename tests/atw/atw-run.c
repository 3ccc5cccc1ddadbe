/* SPDX-License-Identifier: GPL-3.0-or-later */
/* atw-run: the engine's ATW generator on one input, for the reference tests.
 *
 *   atw-run WEIGHTS.safetensors                 prints the model's info
 *   atw-run WEIGHTS INPUT.pfm C1,C2,… OUTDIR    writes OUTDIR/F.flo, Ow.pfm,
 *                                               Or.pfm (raw network inputs)
 *   atw-run WEIGHTS INPUT.pfm --au SPEC OUTDIR  same, driven by an engine
 *                                               driving vector ("12=3,6=2")
 *
 * Errors go to stderr as one line, exit status 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atw/mien-atw.h"
#include "io/mien-flo.h"
#include "io/mien-image-io.h"
#include "mien-field.h"

static int
fail (const mien_error *err)
{
  fprintf (stderr, "atw-run: %s\n", err->message);
  return 1;
}

static void
print_info (const mien_atw_info *in)
{
  printf ("driving_kind %s\nn_driving %d\n",
          in->driving_kind == MIEN_ATW_DRIVING_AUS ? "aus" : "expressions",
          in->n_driving);
  printf ("widths %d %d\nblocks %d %d\nmotion_scale %g\nparameters %zu\n",
          in->motion_width, in->refine_width, in->motion_blocks,
          in->refine_blocks, (double)in->motion_scale, in->n_parameters);
}

static int
parse_inputs (const char *list, const mien_atw_info *in, float *c)
{
  char *end;
  const char *p = list;
  for (int i = 0; i < in->n_driving; i++)
    {
      c[i] = strtof (p, &end);
      if (end == p || (*end != ',' && *end != '\0')
          || (*end == '\0' && i != in->n_driving - 1))
        {
          fprintf (stderr, "atw-run: want %d comma-separated numbers\n",
                   in->n_driving);
          return 0;
        }
      p = end + 1;
    }
  return 1;
}

static mien_status
save_outputs (const char *dir, const mien_generator_output *out,
              mien_error *err)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/F.flo", dir);
  mien_status s = mien_flo_save (out->field, path, err);
  snprintf (path, sizeof path, "%s/Ow.pfm", dir);
  if (s == MIEN_OK)
    s = mien_image_save_pfm (out->warped, path, err);
  snprintf (path, sizeof path, "%s/Or.pfm", dir);
  if (s == MIEN_OK)
    s = mien_image_save_pfm (out->refined, path, err);
  return s;
}

static int
run (mien_generator *gen, int argc, char **argv)
{
  mien_error err = { 0 };
  mien_atw_info info;
  mien_atw_generator_get_info (gen, &info);
  float c[MIEN_ATW_MAX_DRIVING];
  /* --au goes through the generic generator interface, as the app does. */
  int by_au = argc == 6 && strcmp (argv[3], "--au") == 0;
  const char *dir = argv[argc - 1];
  mien_driving d;
  mien_driving_init (&d);
  if (by_au && mien_driving_parse (&d, argv[4], &err) != MIEN_OK)
    return fail (&err);
  mien_driving_clamp (&d);
  if (!by_au && !parse_inputs (argv[3], &info, c))
    return 1;
  mien_point landmarks[MIEN_N_LANDMARKS] = { 0 };
  mien_image *in = mien_image_load_pfm (argv[2], &err);
  mien_generator_output out = { 0 };
  if (in == NULL
      || mien_generator_output_init (&out, in->width, in->height, 3, &err)
      || (by_au ? mien_generator_generate (gen, in, &d, landmarks, &out,
                                           NULL, &err)
                : mien_atw_generator_run (gen, in, c, &out, &err))
      || save_outputs (dir, &out, &err))
    {
      mien_image_free (in);
      mien_generator_output_clear (&out);
      return fail (&err);
    }
  printf ("min_jacobian %.6f\n", (double)mien_field_min_jacobian (out.field));
  mien_image_free (in);
  mien_generator_output_clear (&out);
  return 0;
}

int
main (int argc, char **argv)
{
  if (argc != 2 && argc != 5 && argc != 6)
    {
      fprintf (stderr, "usage: atw-run WEIGHTS [INPUT.pfm C1,C2,…|--au SPEC "
                       "OUTDIR]\n");
      return 2;
    }
  mien_error err = { 0 };
  mien_generator *gen = mien_atw_generator_new_from_file (argv[1], &err);
  if (gen == NULL)
    return fail (&err);
  int rc = 0;
  if (argc == 2)
    {
      mien_atw_info info;
      mien_atw_generator_get_info (gen, &info);
      print_info (&info);
    }
  else
    rc = run (gen, argc, argv);
  mien_generator_free (gen);
  return rc;
}
