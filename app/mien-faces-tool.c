/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-faces: find the faces in a photo and print, for each, its box, score,
 * 68 landmarks, expression probabilities and identity descriptor (face-api's
 * models); optionally draw boxes and landmarks onto a copy of the photo. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face/mien-face-analyzer.h"
#include "mien-c-locale.h"
#include "io/mien-image-io.h"
#include "mien-cli.h"
#include "mien.h"

static const char *program = "mien-faces";

static const char *expression_names[MIEN_N_EXPRESSIONS] = {
  "neutral", "happy", "sad", "angry", "fearful", "disgusted", "surprised",
};

static void
usage (FILE *out)
{
  fprintf (out,
           "Usage: %s PHOTO [--json] [--draw OUT.png] [--mesh]\n"
           "Finds the faces in PHOTO with face-api's models.\n"
           "  -j, --json              print JSON (box, score, roll, landmarks, "
           "expressions, descriptor, eyes)\n"
           "  -d, --draw FILE         write a copy of the photo with boxes and "
           "landmarks (.png/.jpg)\n"
           "  -M, --mesh              also MediaPipe's face mesh of each face "
           "(468 points;\n"
           "                          JSON \"mesh\", drawn in blue; needs "
           "human/facemesh.json)\n"
           "  -m, --models DIR        face-api models (default: "
           "$MIEN_MODEL_DIR, the installed\n"
           "                          ones, or data/models/face-api)\n"
           "  -S, --search MODE       robust (default: several detector "
           "sizes, rolled faces,\n"
           "                          landmark refinement), thorough (slower),"
           " or single\n"
           "                          (face-api's one-size search, exactly)\n"
           "  -s, --input-size N      detector input size, a multiple of 32 "
           "(default 416)\n"
           "      --scales N,N,...    the robust search's other input sizes "
           "(for measurements)\n"
           "  -t, --threshold T       detector score threshold (default 0.5)\n"
           "  -a, --all               face-api's exact list: --search single,"
           " and keep a box\n"
           "                          that straddles two faces\n"
           "  -h, --help              show this help\n"
           MIEN_CLI_COMMON_HELP,
           program);
}

typedef struct options {
  const char *photo, *draw, *models;
  int json, input_size, all, search, mesh;
  int scales[MIEN_FACE_MAX_SCALES];
  float threshold;
} options;

enum { OPT_SCALES = 1000 };

static int
parse_search (const char *s, int *search)
{
  if (strcmp (s, "robust") == 0)
    *search = MIEN_FACE_SEARCH_ROBUST;
  else if (strcmp (s, "single") == 0)
    *search = MIEN_FACE_SEARCH_SINGLE;
  else if (strcmp (s, "thorough") == 0)
    *search = MIEN_FACE_SEARCH_THOROUGH;
  else
    return -1;
  return 0;
}

/* "160,608": at most MIEN_FACE_MAX_SCALES - 1 sizes (0-terminated). */
static int
parse_scales (const char *s, int *scales)
{
  memset (scales, 0, MIEN_FACE_MAX_SCALES * sizeof *scales);
  for (int i = 0; *s; i++)
    {
      char *end;
      long v = strtol (s, &end, 10);
      if (end == s || v < 32 || v > 4096 || i >= MIEN_FACE_MAX_SCALES - 1
          || (*end != ',' && *end != '\0'))
        return -1;
      scales[i] = (int)v;
      s = *end ? end + 1 : end;
    }
  return 0;
}

static int
parse_options (int argc, char **argv, void *data)
{
  options *opt = data;
  static const struct option longopts[] = {
    { "json", no_argument, NULL, 'j' },
    { "draw", required_argument, NULL, 'd' },
    { "models", required_argument, NULL, 'm' },
    { "input-size", required_argument, NULL, 's' },
    { "threshold", required_argument, NULL, 't' },
    { "search", required_argument, NULL, 'S' },
    { "scales", required_argument, NULL, OPT_SCALES },
    { "all", no_argument, NULL, 'a' },
    { "mesh", no_argument, NULL, 'M' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  *opt = (options){ .search = -1 };
  int c;
  while ((c = getopt_long (argc, argv, "jd:m:s:t:S:aMh", longopts, NULL))
         != -1)
    switch (c)
      {
      case 'j': opt->json = 1; break;
      case 'd': opt->draw = optarg; break;
      case 'm': opt->models = optarg; break;
      case 's': opt->input_size = atoi (optarg); break;
      case 't': opt->threshold = (float)mien_strtod_c (optarg, NULL); break;
      case 'a': opt->all = 1; break;
      case 'M': opt->mesh = 1; break;
      case 'S':
        if (parse_search (optarg, &opt->search) != 0)
          {
            fprintf (stderr, "%s: --search takes robust, thorough or single, "
                     "not '%s'\n", program, optarg);
            return 2;
          }
        break;
      case OPT_SCALES:
        if (parse_scales (optarg, opt->scales) != 0)
          {
            fprintf (stderr, "%s: --scales takes up to %d sizes in 32..4096,"
                     " separated by commas\n", program,
                     MIEN_FACE_MAX_SCALES - 1);
            return 2;
          }
        break;
      case 'h': usage (stdout); exit (0);
      default: usage (stderr); return 2;
      }
  if (optind != argc - 1)
    {
      fprintf (stderr, "%s: need exactly one photo (see --help)\n", program);
      return 2;
    }
  opt->photo = argv[optind];
  if (opt->search < 0)
    opt->search = opt->all ? MIEN_FACE_SEARCH_SINGLE : MIEN_FACE_SEARCH_ROBUST;
  if ((opt->models = mien_cli_find_models (program, opt->models)) == NULL)
    return 1;
  if (opt->draw != NULL && !mien_image_save_supported (opt->draw))
    {
      fprintf (stderr, "%s: --draw needs a .png or .jpg file name\n", program);
      return 2;
    }
  return 0;
}

/* A number for JSON: null where it is not finite (JSON has no NaN or
 * infinity; the analyzer drops such faces, this is the writer's own
 * guarantee). */
static void
put_number (const char *format, double v)
{
  if (isfinite (v))
    printf (format, v);
  else
    fputs ("null", stdout);
}

/* "[x, y]" */
static void
put_point (mien_point p)
{
  printf ("[");
  put_number ("%.4f", p.x);
  printf (", ");
  put_number ("%.4f", p.y);
  printf ("]");
}

static void
put_mesh (const mien_face_mesh *m)
{
  if (!m->ok)
    {
      printf ("null");
      return;
    }
  printf ("{\"score\": ");
  put_number ("%.5f", m->score);
  printf (", \"points\": [");
  for (int k = 0; k < MIEN_MESH_POINTS; k++)
    {
      printf ("%s[", k ? ", " : "");
      put_number ("%.4f", m->points[k].x);
      printf (", ");
      put_number ("%.4f", m->points[k].y);
      printf (", ");
      put_number ("%.4f", m->z[k]);
      printf ("]");
    }
  printf ("]}");
}

/* meshes: one per face, or NULL (no "mesh" key). */
static void
print_json (const mien_image *image, const mien_face *faces, int n,
            const mien_face_mesh *meshes)
{
  printf ("{\"width\": %d, \"height\": %d, \"faces\": [", image->width,
          image->height);
  for (int i = 0; i < n; i++)
    {
      const mien_face *f = &faces[i];
      printf ("%s\n  {\"box\": {\"x\": ", i ? "," : "");
      put_number ("%.6f", f->box.x);
      printf (", \"y\": ");
      put_number ("%.6f", f->box.y);
      printf (", \"width\": ");
      put_number ("%.6f", f->box.width);
      printf (", \"height\": ");
      put_number ("%.6f", f->box.height);
      printf ("}, \"score\": ");
      put_number ("%.7f", f->score);
      printf (", \"roll\": ");
      put_number ("%.6f", f->roll * (180.0 / M_PI));
      printf (",\n   \"landmarks\": [");
      for (int k = 0; k < MIEN_N_LANDMARKS; k++)
        {
          printf ("%s", k ? ", " : "");
          put_point (f->landmarks[k]);
        }
      printf ("],\n   \"expressions\": {");
      for (int k = 0; k < MIEN_N_EXPRESSIONS; k++)
        {
          printf ("%s\"%s\": ", k ? ", " : "", expression_names[k]);
          put_number ("%.7f", f->expressions[k]);
        }
      printf ("},\n   \"descriptor\": [");
      for (int k = 0; k < MIEN_DESCRIPTOR_SIZE; k++)
        {
          printf ("%s", k ? ", " : "");
          put_number ("%.8g", f->descriptor[k]);
        }
      /* The iris model's eyes (null where it did not run): side 0 is the
       * eye of landmarks 36-41. */
      printf ("],\n   \"eyes\": [");
      for (int side = 0; side < 2; side++)
        {
          const mien_eye_fit *e = &f->eyes[side];
          printf ("%s", side ? ", " : "");
          if (!e->ok)
            {
              printf ("null");
              continue;
            }
          printf ("{\"iris\": ");
          put_point (e->iris_centre);
          printf (", \"radius\": ");
          put_number ("%.4f", e->iris_radius);
          printf (", \"openness\": ");
          put_number ("%.4f", e->openness);
          printf (", \"contour\": [");
          for (int k = 0; k < 16; k++)
            {
              printf ("%s", k ? ", " : "");
              put_point (e->contour[k]);
            }
          printf ("]}");
        }
      printf ("]");
      if (meshes)
        {
          printf (",\n   \"mesh\": ");
          put_mesh (&meshes[i]);
        }
      printf ("}");
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
draw_faces (mien_image *img, const mien_face *faces, int n,
            const mien_face_mesh *meshes)
{
  static const float mesh_rgb[3] = { 0.2f, 0.5f, 1.0f };
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
      if (meshes && meshes[i].ok)
        for (int k = 0; k < MIEN_MESH_POINTS; k++)
          put_pixel (img, (int)meshes[i].points[k].x,
                     (int)meshes[i].points[k].y, mesh_rgb);
    }
}

static int
run (void *data)
{
  const options *opt = data;
  int rc = 0;
  mien_error err = { 0 };
  mien_image *image = mien_image_load (opt->photo, &err);
  if (image == NULL)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 1;
    }
  mien_face_analyzer *fa = mien_face_analyzer_new (opt->models, NULL, &err);
  mien_face *faces = NULL;
  int n = 0;
  mien_face_options fo = { opt->input_size, opt->threshold, 0, opt->all,
                           (mien_face_search)opt->search, { 0 } };
  memcpy (fo.scales, opt->scales, sizeof fo.scales);
  if (fa == NULL
      || mien_face_analyzer_run (fa, image, &fo, &faces, &n, &err) != MIEN_OK)
    rc = 1;
  mien_face_mesh *meshes = NULL;
  if (rc == 0 && opt->mesh && n > 0)
    {
      meshes = calloc ((size_t)n, sizeof *meshes);
      if (meshes == NULL)
        {
          mien_error_set (&err, MIEN_ERR_NOMEM, "out of memory");
          rc = 1;
        }
      for (int i = 0; rc == 0 && i < n; i++)
        if (mien_face_analyzer_mesh (fa, image, faces[i].landmarks,
                                     &meshes[i], &err) != MIEN_OK)
          rc = 1;
    }
  if (rc == 0)
    {
      if (opt->json)
        print_json (image, faces, n, opt->mesh ? meshes : NULL);
      else
        print_text (faces, n);
      if (opt->draw != NULL)
        {
          draw_faces (image, faces, n, meshes);
          if (mien_image_save (image, opt->draw, &err) != MIEN_OK)
            rc = 1;
        }
    }
  if (rc != 0)
    fprintf (stderr, "%s: %s\n", program, err.message);
  free (meshes);
  mien_faces_free (faces);
  mien_face_analyzer_free (fa);
  mien_image_free (image);
  return rc;
}

int
main (int argc, char **argv)
{
  options opt;
  return mien_cli_main (program, argc, argv, &opt, parse_options, run);
}
