/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-reswarp: put ResWarp behind any warping model (ATW appendix A.4).
 * Given an HD image, a motion field at the model's low resolution (.flo) and
 * optionally the model's low-resolution result, write the HD result. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/mien-atomic-file.h"
#include "io/mien-flo.h"
#include "io/mien-image-io.h"
#include "mien-cli.h"
#include "mien-device.h"
#include "mien.h"

static const char *program = "mien-reswarp";

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: %s HD_IMAGE --flow FIELD.flo [--low LOW_IMAGE] "
           "[--mode vanilla|multiscale] [--no-fade|--sharp] -o OUTPUT\n"
           "\n"
           "Rebuilds an HD result from a low-resolution result and its motion "
           "field by\nwarping the HD image's high-frequency residuals (ResWarp).\n"
           "\n"
           "  -f, --flow FILE     motion field at the low resolution, in "
           "low-res pixels (.flo)\n"
           "  -l, --low FILE      low-resolution result O^r, same size as the "
           "field\n"
           "                      (default: the HD image averaged down and "
           "warped by the field)\n"
           "  -m, --mode MODE     vanilla or multiscale (default: vanilla)\n"
           "      --no-fade       the paper's equations exactly: keep the "
           "residual where\n"
           "                      the warp squeezes or stretches it (default: "
           "fade it there)\n"
           "      --sharp         sharper detail where the field moves: "
           "the residual warped\n"
           "                      with a cubic resampler and carried rigidly "
           "where it would\n"
           "                      fade (as mien-render --sharp)\n"
           "  -o, --output FILE   .png, .jpg or .pfm (float, lossless)\n"
           "  -t, --threads N     worker threads, 1 … 256 (default: all CPUs)\n"
           "      --overwrite     write OUTPUT even if it is one of the input "
           "files\n"
           "      --cpu           do not use a CUDA device (also MIEN_CPU=1)\n"
           "  -q, --quiet         print nothing on success\n"
           "  -h, --help          show this help\n"
           MIEN_CLI_COMMON_HELP,
           program);
}

static int
fail (const mien_error *err)
{
  fprintf (stderr, "%s: %s\n", program, err->message);
  return 1;
}

typedef struct options {
  const char *hd_path, *flow_path, *low_path, *out_path;
  mien_reswarp_mode mode;
  int threads, quiet, cpu, no_fade, sharp, overwrite;
} options;

/* More threads than this is a typo, not a machine. */
#define MAX_THREADS 256

static int
parse_options (int argc, char **argv, void *data)
{
  options *opt = data;
  static const struct option longopts[] = {
    { "flow", required_argument, NULL, 'f' },
    { "low", required_argument, NULL, 'l' },
    { "mode", required_argument, NULL, 'm' },
    { "output", required_argument, NULL, 'o' },
    { "threads", required_argument, NULL, 't' },
    { "quiet", no_argument, NULL, 'q' },
    { "help", no_argument, NULL, 'h' },
    { "cpu", no_argument, NULL, 'C' },
    { "sharp", no_argument, NULL, 'S' },
    { "no-fade", no_argument, NULL, 'N' },
    { "overwrite", no_argument, NULL, 'W' },
    { NULL, 0, NULL, 0 },
  };
  *opt = (options){ .mode = MIEN_RESWARP_VANILLA };
  int c;
  while ((c = getopt_long (argc, argv, "f:l:m:o:t:qh", longopts, NULL)) != -1)
    switch (c)
      {
      case 'f': opt->flow_path = optarg; break;
      case 'l': opt->low_path = optarg; break;
      case 'o': opt->out_path = optarg; break;
      case 't':
        {
          char *end;
          errno = 0;
          long n = strtol (optarg, &end, 10);
          if (end == optarg || *end != '\0' || errno != 0 || n < 1
              || n > MAX_THREADS)
            {
              fprintf (stderr, "%s: --threads wants a whole number from 1 to "
                       "%d: %s\n", program, MAX_THREADS, optarg);
              return 2;
            }
          opt->threads = (int)n;
          break;
        }
      case 'q': opt->quiet = 1; break;
      case 'C': opt->cpu = 1; break;
      case 'N': opt->no_fade = 1; break;
      case 'S':
        opt->sharp = 1;
        mien_reswarp_set_sharp_detail (1);
        break;
      case 'W': opt->overwrite = 1; break;
      case 'm':
        {
          int mode = mien_reswarp_mode_from_string (optarg);
          if (mode < 0)
            {
              fprintf (stderr,
                       "%s: unknown mode '%s' (use vanilla or multiscale)\n",
                       program, optarg);
              return 2;
            }
          opt->mode = (mien_reswarp_mode)mode;
          break;
        }
      case 'h': usage (stdout); exit (0);
      default: usage (stderr); return 2;
      }
  if (optind + 1 != argc || opt->flow_path == NULL || opt->out_path == NULL)
    {
      fprintf (stderr, "%s: need one HD image, --flow and --output "
                       "(see --help)\n", program);
      return 2;
    }
  if (opt->sharp && opt->no_fade)
    {
      fprintf (stderr, "%s: --sharp is Mien's ResWarp and --no-fade the "
                       "paper's: choose one\n", program);
      return 2;
    }
  opt->hd_path = argv[optind];
  if (!mien_image_save_supported (opt->out_path))
    {
      fprintf (stderr, "%s: cannot write %s: unknown extension (use .png, "
                       ".jpg or .pfm)\n", program, opt->out_path);
      return 2;
    }
  /* The same file as an input (also through a link): the user's image
   * would be replaced by a slip of the keyboard. */
  const char *inputs[] = { opt->hd_path, opt->flow_path, opt->low_path };
  for (int i = 0; i < 3 && !opt->overwrite; i++)
    if (mien_path_same_file (opt->out_path, inputs[i]))
      {
        fprintf (stderr, "%s: %s is the input %s; refusing to write over it "
                 "(give --overwrite if that is meant)\n", program,
                 opt->out_path, inputs[i]);
        return 2;
      }
  return 0;
}

/* O^r when the model gave only a field: I warped by F, i.e. O^w. */
static mien_image *
warped_low (const mien_device_reswarp *dec, const mien_image *field,
            mien_pool *pool, mien_error *err)
{
  const mien_image *low = mien_device_reswarp_get_low (dec);
  mien_image *out = mien_image_new (low->width, low->height, low->channels,
                                    err);
  if (out != NULL && mien_warp_bilinear (low, field, out, pool, err) != MIEN_OK)
    {
      mien_image_free (out);
      out = NULL;
    }
  return out;
}

/* The engine's fallback messages ("CUDA: ...; using the CPU"). */
static void
log_to_stderr (const char *message, void *data)
{
  fprintf (stderr, "%s: %s\n", program, message);
}

static int
run (void *data)
{
  const options *opt = data;
  mien_error err = { 0 };
  mien_image *hd = NULL, *field = NULL, *low = NULL, *out = NULL;
  mien_device_reswarp *dec = NULL;
  mien_device_force_cpu (opt->cpu);
  mien_device_set_log_func (log_to_stderr, NULL);
  mien_pool *pool = mien_pool_new (opt->threads);
  int rc = 1;

  if ((hd = mien_image_load (opt->hd_path, &err)) == NULL
      || (field = mien_flo_load (opt->flow_path, &err)) == NULL)
    goto done;
  if (opt->low_path != NULL)
    {
      if ((low = mien_image_load (opt->low_path, &err)) == NULL)
        goto done;
      if (low->width != field->width || low->height != field->height
          || low->channels != hd->channels)
        {
          mien_error_set (&err, MIEN_ERR_INVALID,
                          "the low-resolution result %s is %d×%d×%d but the "
                          "field is %d×%d and the HD image has %d channels",
                          opt->low_path, low->width, low->height, low->channels,
                          field->width, field->height, hd->channels);
          goto done;
        }
    }
  double t0 = mien_cli_now ();
  dec = mien_device_reswarp_new (hd, field->width, field->height, opt->mode,
                                 opt->no_fade ? MIEN_DEVICE_RESWARP_NO_FADE
                                             : MIEN_DEVICE_RESWARP_DEFAULT,
                                 pool, &err);
  if (dec == NULL)
    goto done;
  if (low == NULL && (low = warped_low (dec, field, pool, &err)) == NULL)
    goto done;
  double t1 = mien_cli_now ();
  out = mien_image_new (hd->width, hd->height, hd->channels, &err);
  if (out == NULL || mien_device_reswarp_frame (dec, low, field, out, &err) != MIEN_OK)
    goto done;
  double t2 = mien_cli_now ();
  if (mien_image_save (out, opt->out_path, &err) != MIEN_OK)
    goto done;
  if (!opt->quiet)
    printf ("wrote %s (%d×%d, %s ResWarp on the %s: decomposition %.1f ms, "
            "frame %.1f ms)\n",
            opt->out_path, out->width, out->height,
            mien_reswarp_mode_to_string (opt->mode),
            mien_device_kind_to_string (mien_device_reswarp_get_kind (dec)),
            (t1 - t0) * 1e3, (t2 - t1) * 1e3);
  /* Say why a CUDA build did not use the GPU (no driver, old driver, ...). */
  mien_device_info info;
  if (!opt->quiet && mien_device_probe (&info) == MIEN_DEVICE_CPU
      && info.cuda_built && !opt->cpu)
    printf ("(CUDA not used: %s)\n", info.reason);
  rc = 0;

done:
  if (rc != 0)
    fail (&err);
  mien_device_reswarp_free (dec);
  mien_image_free (hd);
  mien_image_free (field);
  mien_image_free (low);
  mien_image_free (out);
  mien_pool_free (pool);
  return rc;
}

int
main (int argc, char **argv)
{
  options opt;
  return mien_cli_main (program, argc, argv, &opt, parse_options, run);
}
