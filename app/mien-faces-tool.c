/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-faces: find the faces in a photo and print, for each, its box, score,
 * 68 landmarks, expression probabilities and identity descriptor (face-api's
 * models); optionally draw boxes and landmarks onto a copy of the photo. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/mien-face-analyzer.h"
#include "mien-c-locale.h"
#include "io/mien-image-io.h"
#include "mien.h"

static const char *program = "mien-faces";

static const char *expression_names[MIEN_N_EXPRESSIONS] = {
  "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised",
};

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: %s PHOTO [--json] [--draw OUT.png]\n"
           "Finds the faces in PHOTO with face-api's models.\n"
           "  -j, --json              print JSON (box, score, landmarks, "
           "expressions, descriptor)\n"
           "  -d, --draw FILE         write a copy of the photo with boxes and "
           "landmarks (.png/.jpg)\n"
           "  -m, --models DIR        model folder (default: "
           "$MIEN_FACE_MODELS or data/models/face-api)\n"
           "  -s, --input-size N      detector input size, a multiple of 32 "
           "(default 416)\n"
           "  -t, --threshold T       detector score threshold (default 0.5)\n"
           "  -a, --all               keep every box face-api keeps, also one "
           "that straddles two faces\n"
           "  -h, --help              show this help\n",
           program);
}

typedef struct options {
  const char *photo, *draw, *models;
  int json, input_size, all;
  float threshold;
} options;

static int
parse_options (int argc, char **argv, options *opt)
{
  static const struct option longopts[] = {
    { "json", no_argument, NULL, 'j' },
    { "draw", required_argument, NULL, 'd' },
    { "models", required_argument, NULL, 'm' },
    { "input-size", required_argument, NULL, 's' },
    { "threshold", required_argument, NULL, 't' },
    { "all", no_argument, NULL, 'a' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  const char *env = getenv ("MIEN_FACE_MODELS");
  *opt = (options){ .models = env && *env ? env : "data/models/face-api" };
  int c;
  while ((c = getopt_long (argc, argv, "jd:m:s:t:ah", longopts, NULL)) != -1)
    switch (c)
      {
      case 'j': opt->json = 1; break;
      case 'd': opt->draw = optarg; break;
      case 'm': opt->models = optarg; break;
      case 's': opt->input_size = atoi (optarg); break;
      case 't': opt->threshold = (float)mien_strtod_c (optarg, NULL); break;
      case 'a': opt->all = 1; break;
      case 'h': usage (stdout); exit (0);
      default: usage (stderr); return 2;
      }
  if (optind != argc - 1)
    {
      fprintf (stderr, "%s: need exactly one photo (see --help)\n", program);
      return 2;
    }
  opt->photo = argv[optind];
  if (opt->draw != NULL && !mien_image_save_supported (opt->draw))
    {
      fprintf (stderr, "%s: --draw needs a .png or .jpg file name\n", program);
      return 2;
    }
  return 0;
}

static void
print_json (const mien_image *image, const mien_face *faces, int n)
{
  printf ("{\"width\": %d, \"height\": %d, \"faces\": [", image->width,
          image->height);
  for (int i = 0; i < n; i++)
    {
      const mien_face *f = &faces[i];
      printf ("%s\n  {\"box\": {\"x\": %.6f, \"y\": %.6f, \"width\": %.6f, "
              "\"height\": %.6f}, \"score\": %.7f,\n   \"landmarks\": [",
              i ? "," : "", f->box.x, f->box.y, f->box.width, f->box.height,
              f->score);
      for (int k = 0; k < MIEN_N_LANDMARKS; k++)
        printf ("%s[%.4f, %.4f]", k ? ", " : "", f->landmarks[k].x,
                f->landmarks[k].y);
      printf ("],\n   \"expressions\": {");
      for (int k = 0; k < MIEN_N_EXPRESSIONS; k++)
        printf ("%s\"%s\": %.7f", k ? ", " : "", expression_names[k],
                f->expressions[k]);
      printf ("},\n   \"descriptor\": [");
      for (int k = 0; k < MIEN_DESCRIPTOR_SIZE; k++)
        printf ("%s%.8g", k ? ", " : "", f->descriptor[k]);
      printf ("]}");
    }
  printf ("\n]}\n");
}

static void
print_text (const mien_face *faces, int n)
{
  printf ("%d face%s\n", n, n == 1 ? "" : "s");
  for (int i = 0; i < n; i++)
    {
      const mien_face *f = &faces[i];
      int best = 0;
      for (int k = 1; k < MIEN_N_EXPRESSIONS; k++)
        best = f->expressions[k] > f->expressions[best] ? k : best;
      printf ("face %d: box %.1f,%.1f %.1fx%.1f score %.3f, %s %.2f, "
              "nose tip %.1f,%.1f\n",
              i, f->box.x, f->box.y, f->box.width, f->box.height, f->score,
              expression_names[best], f->expressions[best],
              f->landmarks[30].x, f->landmarks[30].y);
    }
}

static void
put_pixel (mien_image *img, int x, int y, const float rgb[3])
{
  if (x < 0 || y < 0 || x >= img->width || y >= img->height)
    return;
  float *p = mien_image_row (img, y) + (size_t)x * (size_t)img->channels;
  for (int c = 0; c < img->channels && c < 3; c++)
    p[c] = rgb[c];
}

static void
draw_faces (mien_image *img, const mien_face *faces, int n)
{
  static const float box_rgb[3] = { 1.0f, 0.2f, 0.2f };
  static const float dot_rgb[3] = { 0.2f, 1.0f, 0.3f };
  /* Line width and dot size scale with the photo, so both stay visible. */
  int t = (img->width > img->height ? img->width : img->height) / 600 + 1;
  for (int i = 0; i < n; i++)
    {
      const mien_box *b = &faces[i].box;
      int x0 = (int)b->x, y0 = (int)b->y;
      int x1 = (int)(b->x + b->width), y1 = (int)(b->y + b->height);
      for (int k = 0; k < t; k++)
        {
          for (int x = x0; x <= x1; x++)
            {
              put_pixel (img, x, y0 + k, box_rgb);
              put_pixel (img, x, y1 - k, box_rgb);
            }
          for (int y = y0; y <= y1; y++)
            {
              put_pixel (img, x0 + k, y, box_rgb);
              put_pixel (img, x1 - k, y, box_rgb);
            }
        }
      for (int k = 0; k < MIEN_N_LANDMARKS; k++)
        for (int dy = -t; dy <= t; dy++)
          for (int dx = -t; dx <= t; dx++)
            put_pixel (img, (int)faces[i].landmarks[k].x + dx,
                       (int)faces[i].landmarks[k].y + dy, dot_rgb);
    }
}

int
main (int argc, char **argv)
{
  options opt;
  int rc = parse_options (argc, argv, &opt);
  if (rc != 0)
    return rc;
  mien_error err = { 0 };
  mien_image *image = mien_image_load (opt.photo, &err);
  if (image == NULL)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 1;
    }
  mien_face_analyzer *fa = mien_face_analyzer_new (opt.models, NULL, &err);
  mien_face *faces = NULL;
  int n = 0;
  mien_face_options fo = { opt.input_size, opt.threshold, 0, opt.all };
  if (fa == NULL
      || mien_face_analyzer_run (fa, image, &fo, &faces, &n, &err) != MIEN_OK)
    rc = 1;
  else
    {
      if (opt.json)
        print_json (image, faces, n);
      else
        print_text (faces, n);
      if (opt.draw != NULL)
        {
          draw_faces (image, faces, n);
          if (mien_image_save (image, opt.draw, &err) != MIEN_OK)
            rc = 1;
        }
    }
  if (rc != 0)
    fprintf (stderr, "%s: %s\n", program, err.message);
  mien_faces_free (faces);
  mien_face_analyzer_free (fa);
  mien_image_free (image);
  return rc;
}
