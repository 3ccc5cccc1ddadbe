/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-eval's photos: folders expanded into their images, each photo at its
 * own size and at the --sizes asked for, its faces found (faces.tsv) and the
 * largest, or every one, measured (mien-eval-stills.c). */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "io/mien-image-io.h"
#include "mien-cli.h"
#include "mien-eval-tool.h"
#include "mien-eval.h"
#include "mien-resample.h"

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

static int
evaluate_photo (const options *opt, outputs *out, photo_ctx *pc,
                mien_face_analyzer *fa, mien_generator *gen)
{
  mien_error err = { 0 };
  if (mien_face_analyzer_run (fa, pc->image, NULL, &pc->faces, &pc->n_faces,
                              &err) != MIEN_OK)
    {
      mien_eval_skip (out, pc->path, err.message);
      return 0;
    }
  if (pc->n_faces == 0)
    {
      char why[64];
      snprintf (why, sizeof why, "no face found at %d×%d", pc->image->width,
                pc->image->height);
      mien_eval_skip (out, pc->path, why);
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
      double t0 = mien_cli_now ();
      if (!fc.frame || mien_eval_face (&fc, &err) != MIEN_OK)
        {
          char why[MIEN_ERROR_MESSAGE_MAX + 32];
          snprintf (why, sizeof why, "face %d: %s", f, err.message);
          mien_eval_skip (out, pc->path, why);
          ok = 0;
        }
      else if (!opt->quiet)
        printf ("%s %d×%d face %d: %.1f s\n", pc->stem, pc->image->width,
                pc->image->height, f, mien_cli_now () - t0);
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
      mien_eval_skip (out, path, err.message);
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
        mien_eval_skip (out, path, err.message);
      else
        ok &= evaluate_photo (opt, out, &sc, fa, gen);
      mien_faces_free (sc.faces);
      mien_image_free (sc.image);
    }
  mien_image_free (photo);
  return ok;
}

int
mien_eval_run (const options *opt, outputs *out, mien_face_analyzer *fa,
               mien_generator *gen, int *n_photos)
{
  int n = 0, n_ok = 0;
  char **photos = list_photos (opt, &n);
  for (int i = 0; i < n; i++)
    {
      n_ok += evaluate_path (opt, out, photos[i], fa, gen);
      free (photos[i]);
    }
  free (photos);
  *n_photos = n;
  return n_ok;
}
