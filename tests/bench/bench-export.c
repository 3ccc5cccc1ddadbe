/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Export speed: a 2-second, 30 fps clip (60 frames) of 1024×1024 frames,
 * pre-rendered so that only the exporter is timed, written as MP4, GIF and a
 * PNG sequence. The frames are the sample portrait (2× bilinear) warped by a
 * growing displacement bump, as export-frames makes them; without the sample
 * a synthetic photo-like picture is used (and said so).
 * Usage: bench-export [PHOTO] [FRAMES] [SIDE] [FORMAT…]; prints Markdown. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/mien-export.h"
#include "io/mien-image-io.h"
#include "mien.h"

#include "mien-bench.h"

static mien_image *
synthetic_photo (int size)
{
  mien_image *img = mien_image_new (size, size, 3, NULL);
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      for (int c = 0; c < 3; c++)
        mien_image_row (img, y)[3 * x + c]
            = 0.5f + 0.25f * sinf (0.03f * x + c) * cosf (0.021f * y - c)
              + 0.1f * sinf (0.5f * x * y / size);
  return img;
}

static mien_image *
load_photo (const char *path, int size, const char **source)
{
  mien_image *photo = path ? mien_image_load (path, NULL) : NULL;
  *source = "synthetic";
  if (photo == NULL)
    return synthetic_photo (size);
  mien_image *resized = mien_image_new (size, size, 3, NULL);
  if (photo->width > size)
    mien_downsample_area (photo, resized, NULL, NULL);
  else
    mien_upsample_bilinear (photo, resized, NULL, NULL);
  mien_image_free (photo);
  *source = path;
  return resized;
}

/* frames[i] = photo warped by (i / (n − 1))² · bump. */
static mien_image **
render_frames (const mien_image *photo, int n)
{
  int w = photo->width, h = photo->height;
  mien_image **frames = calloc ((size_t)n, sizeof *frames);
  mien_image *field = mien_image_new (w, h, 2, NULL);
  for (int i = 0; i < n; i++)
    {
      double a = n > 1 ? (double)i / (n - 1) : 0.0;
      a *= a;
      for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
          {
            double dx = x - 0.5 * w, dy = y - 0.45 * h, s = 0.15 * w;
            double g = a * 0.04 * w * exp (-(dx * dx + dy * dy) / (2 * s * s));
            mien_image_row (field, y)[2 * x] = (float)g;
            mien_image_row (field, y)[2 * x + 1] = (float)(0.5 * g);
          }
      frames[i] = mien_image_new (w, h, 3, NULL);
      mien_warp_bilinear (photo, field, frames[i], NULL, NULL);
    }
  mien_image_free (field);
  return frames;
}

static long long
size_of (const char *path)
{
  struct stat st;
  if (stat (path, &st) != 0)
    return -1;
  if (!S_ISDIR (st.st_mode))
    return st.st_size;
  long long total = 0;
  DIR *d = opendir (path);
  char file[4096];
  for (struct dirent *e; (e = readdir (d)) != NULL;)
    if (e->d_name[0] != '.')
      {
        /* A path too long for the buffer is skipped, not stat'ed truncated. */
        int n = snprintf (file, sizeof file, "%s/%s", path, e->d_name);
        if (n > 0 && (size_t)n < sizeof file && stat (file, &st) == 0)
          total += st.st_size;
      }
  closedir (d);
  return total;
}

static void
remove_output (const char *path)
{
  char command[4200];
  snprintf (command, sizeof command, "rm -rf '%s'", path);
  if (system (command) != 0)
    fprintf (stderr, "could not remove %s\n", path);
}

/* Times open → add_frame × n → finish; prints one table row. */
static int
bench (const char *dir, const char *name, mien_export_format format,
       const char *preset, mien_image **frames, int n)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/out.%s", dir, name);
  mien_export_options options;
  mien_export_options_init (&options);
  options.preset = preset;
  mien_error err = { 0 };
  double t0 = now_ms (), slowest = 0;
  mien_exporter *ex = mien_exporter_open (path, format, &options,
                                          frames[0]->width, frames[0]->height,
                                          &err);
  for (int i = 0; ex != NULL && i < n; i++)
    {
      double f0 = now_ms ();
      if (mien_exporter_add_frame (ex, frames[i], &err) != MIEN_OK)
        break;
      slowest = fmax (slowest, now_ms () - f0);
    }
  double t1 = now_ms ();
  if (ex == NULL || err.status != MIEN_OK
      || mien_exporter_finish (ex, &err) != MIEN_OK)
    {
      fprintf (stderr, "%s: %s\n", name, err.message);
      return 1;
    }
  double t2 = now_ms ();
  printf ("| %-22s | %8.0f | %7.1f | %7.0f | %7.0f | %9.0f |\n",
          preset ? preset : name, t2 - t0, (t1 - t0) / n, slowest, t2 - t1,
          size_of (path) / 1024.0);
  remove_output (path);
  return 0;
}

int
main (int argc, char **argv)
{
  const char *photo_path = argc > 1 ? argv[1] : NULL;
  int n = argc > 2 ? atoi (argv[2]) : 60;
  int side = argc > 3 ? atoi (argv[3]) : 1024;
  const char *source;
  mien_image *photo = load_photo (photo_path, side, &source);
  mien_image **frames = render_frames (photo, n);
  char dir[] = "/tmp/mien-bench-export-XXXXXX";
  if (mkdtemp (dir) == NULL)
    return 1;
  printf ("%d frames of %d×%d at 30 fps, from %s, %d threads\n\n", n, side,
          side, source, mien_pool_get_n_threads (mien_pool_default ()));
  printf ("| format                 | total ms | ms/frame | slowest | finish  "
          "| size KiB  |\n");
  printf ("|------------------------|---------:|--------:|--------:|--------:|"
          "----------:|\n");
  static const char *every[] = { "mp4", "gif", "png" };
  const char **which = argc > 4 ? (const char **)argv + 4 : every;
  int n_which = argc > 4 ? argc - 4 : 3;
  int rc = 0;
  for (int a = 0; a < n_which; a++)
    {
      /* "mp4:PRESET" times another x264 preset. */
      if (strncmp (which[a], "mp4", 3) == 0)
        rc |= bench (dir, "mp4", MIEN_EXPORT_MP4,
                     which[a][3] == ':' ? which[a] + 4 : NULL, frames, n);
      else if (strcmp (which[a], "gif") == 0)
        rc |= bench (dir, "gif", MIEN_EXPORT_GIF, NULL, frames, n);
      else if (strcmp (which[a], "png") == 0)
        rc |= bench (dir, "png", MIEN_EXPORT_PNG_SEQUENCE, NULL, frames, n);
    }
  rmdir (dir);
  for (int i = 0; i < n; i++)
    mien_image_free (frames[i]);
  free (frames);
  mien_image_free (photo);
  return rc;
}
