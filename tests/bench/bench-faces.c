/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Face analysis speed: detection on a 1920×1280 photo, face-api's
 * one-size search (tiny face detector at 416) and the robust search (the
 * default: two more sizes, merged), and landmarks + expression +
 * descriptor for one face, median of repeated runs after a warm-up.
 * Targets on 2 cores: detection ≤ 150 ms (a 4K photo), per face ≤ 60 ms.
 * Usage: bench-faces [PHOTO] [RUNS] [FACE]; models from $MIEN_SOURCE_ROOT.
 * FACE (default 0) is the face described: one the robust search adds
 * (sample2.jpg's face 1) goes through the refinement (mien-face-refine.c),
 * a face of face-api's own pass does not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mien-cli.h"
#include "face/mien-face-analyzer.h"
#include "io/mien-image-io.h"

#include "mien-bench.h"

static int
by_value (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, (size_t)n, sizeof *v, by_value);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int
main (int argc, char **argv)
{
  /* Measure the BLAS kernels the tools and the app run (mien-cli.h). */
  mien_cli_use_fast_blas (argv);
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  char photo[1024], models[1024];
  snprintf (photo, sizeof photo, "%s/data/samples/sample1.jpg",
            root ? root : ".");
  snprintf (models, sizeof models, "%s/data/models/face-api",
            root ? root : ".");
  const char *path = argc > 1 ? argv[1] : photo;
  int runs = argc > 2 ? atoi (argv[2]) : 21;
  if (runs < 1 || runs > 1000)
    runs = 21;
  int which = argc > 3 ? atoi (argv[3]) : 0;
  mien_error err = { 0 };
  mien_image *image = mien_image_load (path, &err);
  mien_face_analyzer *fa = image ? mien_face_analyzer_new (models, NULL, &err)
                                 : NULL;
  if (fa == NULL)
    {
      fprintf (stderr, "bench-faces: %s\n", err.message);
      mien_image_free (image);
      return 1;
    }
  double *detect = calloc ((size_t)runs, sizeof *detect);
  double *single = calloc ((size_t)runs, sizeof *single);
  mien_face_options one_size = { 0 };
  one_size.search = MIEN_FACE_SEARCH_SINGLE;
  double *describe = calloc ((size_t)runs, sizeof *describe);
  mien_face *faces = NULL, face;
  int n = 0, rc = 0;
  for (int i = -1; i < runs && rc == 0; i++) /* i = -1: warm-up */
    {
      mien_faces_free (faces);
      double ts = now_ms ();
      rc |= mien_face_analyzer_detect (fa, image, &one_size, &faces, &n, &err);
      mien_faces_free (faces);
      faces = NULL;
      double t0 = now_ms ();
      rc |= mien_face_analyzer_detect (fa, image, NULL, &faces, &n, &err);
      double t1 = now_ms ();
      if (rc != 0 || n <= which)
        break;
      face = faces[which < 0 ? 0 : which];
      rc |= mien_face_analyzer_describe (fa, image, &face, &err);
      double t2 = now_ms ();
      if (i >= 0)
        {
          detect[i] = t1 - t0;
          single[i] = t0 - ts;
          describe[i] = t2 - t1;
        }
    }
  if (rc != 0 || n <= which)
    fprintf (stderr, "bench-faces: %s\n",
             rc ? err.message : "no such face found");
  else
    printf ("face analysis, %dx%d photo, %d faces, %d runs (median):\n"
            "  detection, face-api's one size (416):       %7.1f ms\n"
            "  detection, robust search (default):         %7.1f ms\n"
            "  landmarks + expression + descriptor (face %d): %5.1f ms\n",
            image->width, image->height, n, runs, median (single, runs),
            median (detect, runs), which, median (describe, runs));
  mien_faces_free (faces);
  free (detect);
  free (single);
  free (describe);
  mien_face_analyzer_free (fa);
  mien_image_free (image);
  return rc != 0 || n <= which;
}
