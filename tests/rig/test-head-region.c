/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The head's region (issue #24, engine/rig/rig-pose.c) against reference
 * masks drawn by hand (tests/data/head-masks/, docs/QUALITY.md "Reference
 * masks and IoU").
 *
 * For each mask: the photo (data/samples) and its fixture landmarks
 * (tests/data/landmarks), the animator of the mask's face with the photo's
 * other faces as neighbours (as mien-render does), one frame of the rig at
 * rest; the region (the rig's 128² grid) is taken to photo pixels by
 * bilinear interpolation of its 0/1 nodes at each pixel centre
 * (mien_headshot_to_grid, as test-rig-pose does), ≥ 0.5 inside, 0 outside
 * the crop. The polygon is rasterized at pixel centres (even-odd rule).
 * IoU is reported unclipped and clipped (both masks cut at the mask's chin
 * line: pixel centres below chin_cut_y are dropped from the region too).
 *
 * The face gets its person matte from the face analyzer (MediaPipe's
 * selfie segmentation, as mien_face_analyzer_run gives every face it
 * finds); without the face models, or with MIEN_HEAD_MODEL=none, the
 * region is the fitted head's alone.
 *
 * The test fails when a face's clipped IoU falls more than 0.02 below the
 * value measured (iou_floor below, with and without the matte), or when a
 * mask cannot be read. Skips (77) without the sample photos.
 *
 * Options (not used by meson):
 *   --write-dir DIR   also writes DIR/<mask>-region.pgm (the region at photo
 *                     resolution, 255 inside) for scripts/head-region-iou.py
 *   --grid STEM FACE OUT.ppm
 *                     writes the rig's region and bound of a fixture face at
 *                     rest on the 128² grid over its input: dark outside the
 *                     bound, red in the margin, blue in the region
 *   --bench PHOTO LANDMARKS FACE SCALE RUNS
 *                     times the region's construction (rig_head_update on a
 *                     fresh head: pose fit, depth, weight, region, its
 *                     distance map and the expressions' mask, the other
 *                     faces cut out) for the photo PHOTO whose landmarks are
 *                     LANDMARKS × SCALE, and mien_animator_new (the
 *                     per-photo crop and pyramid) with 1 and 2 threads, for
 *                     context; prints medians (docs/BENCHMARKS.md). */
#include <dirent.h>
#include <json-glib/json-glib.h>
#include <time.h>
#include <unistd.h>

#include "face/mien-face-analyzer.h"
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "mien-animator.h"
#include "mien-c-locale.h"
#include "mien-headshot.h"
#include "mien-rig.h"
#include "mien-test-image.h"
#include "mien-test-matte.h"
#include "mien-test.h"
#include "rig/rig-private.h" /* rig_head_*, for the benchmark */

#define MAX_VERTICES 256

/* The clipped IoU measured, minus 0.02: the regression guard, not the
 * issue's bar of 0.9, which the region reaches on 3 of the 11 faces
 * (docs/QUALITY.md). "plain": the fitted head's region (no person matte:
 * the region of commit 6c9f2d9, REGION_GROW 1.2); "matte": with the
 * person matte of MediaPipe's selfie segmentation (mien-face-head.c). A
 * mask not listed here is only reported. */
static const struct
{
  const char *name;
  double plain, matte;
} iou_floor[] = {
  /* plain measured 0.764, 0.698, 0.398, 0.848, 0.739, 0.517, 0.780, 0.815,
   * 0.658, 0.868, 0.763; matte 0.916, 0.942, 0.449, 0.857, 0.844, 0.600,
   * 0.896, 0.878, 0.694, 0.939, 0.855 */
  { "astronaut-0", 0.744, 0.896 }, { "sample1-2", 0.678, 0.922 },
  { "sample2-0", 0.378, 0.429 },   { "sample2-2", 0.828, 0.837 },
  { "sample3-1", 0.719, 0.824 },   { "sample4-0", 0.497, 0.580 },
  { "sample4-1", 0.760, 0.876 },   { "sample5-0", 0.795, 0.858 },
  { "sample5-4", 0.638, 0.674 },   { "sample6-0", 0.848, 0.919 },
  { "sample6-3", 0.743, 0.835 },
};

typedef struct head_mask {
  char name[256];
  char photo[256];
  char landmarks[256];
  int face;
  double cut;
  int n;
  double x[MAX_VERTICES], y[MAX_VERTICES];
} head_mask;

static double
now_ms (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

static int
load_mask (const char *path, head_mask *m)
{
  GError *gerr = NULL;
  JsonParser *parser = json_parser_new ();
  int ok = 0;
  if (!json_parser_load_from_file (parser, path, &gerr))
    {
      fprintf (stderr, "%s: %s\n", path, gerr->message);
      g_error_free (gerr);
      g_object_unref (parser);
      return 0;
    }
  JsonNode *root = json_parser_get_root (parser);
  JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root)
                      ? json_node_get_object (root)
                      : NULL;
  if (o && json_object_has_member (o, "photo")
      && json_object_has_member (o, "landmarks")
      && json_object_has_member (o, "face")
      && json_object_has_member (o, "chin_cut_y")
      && json_object_has_member (o, "polygon"))
    {
      snprintf (m->photo, sizeof m->photo, "%s",
                json_object_get_string_member (o, "photo"));
      snprintf (m->landmarks, sizeof m->landmarks, "%s",
                json_object_get_string_member (o, "landmarks"));
      m->face = (int)json_object_get_int_member (o, "face");
      m->cut = json_object_get_double_member (o, "chin_cut_y");
      JsonArray *poly = json_object_get_array_member (o, "polygon");
      m->n = poly ? (int)json_array_get_length (poly) : 0;
      ok = m->n >= 3 && m->n <= MAX_VERTICES;
      for (int i = 0; ok && i < m->n; i++)
        {
          JsonArray *v = json_array_get_array_element (poly, (guint)i);
          ok = v && json_array_get_length (v) == 2;
          if (ok)
            {
              m->x[i] = json_array_get_double_element (v, 0);
              m->y[i] = json_array_get_double_element (v, 1);
            }
        }
    }
  g_object_unref (parser);
  return ok;
}

/* Even-odd rule at the point (x, y). */
static int
inside_polygon (const head_mask *m, double x, double y)
{
  int in = 0;
  for (int i = 0, j = m->n - 1; i < m->n; j = i++)
    if ((m->y[i] > y) != (m->y[j] > y)
        && x < (m->x[j] - m->x[i]) * (y - m->y[i]) / (m->y[j] - m->y[i])
                   + m->x[i])
      in = !in;
  return in;
}

/* The region's 0/1 nodes, bilinear at a grid point; 0 outside the grid. */
static float
region_at (const float *region, int w, int h, mien_point g)
{
  if (g.x < 0.0f || g.y < 0.0f || g.x > (float)(w - 1) || g.y > (float)(h - 1))
    return 0.0f;
  int x0 = (int)g.x, y0 = (int)g.y;
  int x1 = x0 + 1 < w ? x0 + 1 : x0, y1 = y0 + 1 < h ? y0 + 1 : y0;
  float u = g.x - (float)x0, v = g.y - (float)y0;
  return (1 - v) * ((1 - u) * region[y0 * w + x0] + u * region[y0 * w + x1])
         + v * ((1 - u) * region[y1 * w + x0] + u * region[y1 * w + x1]);
}

static const char *
source_root (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  return root ? root : ".";
}

/* The face analyzer for the person matte (NULL: the region without it). */
static mien_face_analyzer *analyzer;

/* IoU of one mask; -1 when the face could not be set up. */
static int
measure (const head_mask *m, const char *write_dir, double *iou_clip,
         double *iou_all, mien_rect *crop_used, int *matte_used)
{
  char path[4096];
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/data/samples/%s", source_root (), m->photo);
  mien_image *photo = mien_image_load (path, &err);
  CHECK (photo != NULL, "%s: %s", path, err.message);
  mien_landmark_file lf = { 0 };
  snprintf (path, sizeof path, "%s/%s", source_root (), m->landmarks);
  CHECK (mien_landmark_file_load (path, &lf, &err) == MIEN_OK, "%s: %s", path,
         err.message);
  CHECK (m->face >= 0 && m->face < lf.n_faces, "%s: face %d of %d", m->name,
         m->face, lf.n_faces);
  if (!photo || m->face < 0 || m->face >= lf.n_faces)
    {
      mien_image_free (photo);
      mien_landmark_file_clear (&lf);
      return -1;
    }
  /* The person matte, as mien_face_analyzer_run fills it for a face found
   * in the photo (the fixture's faces come without one). */
  if (analyzer)
    CHECK (mien_face_analyzer_head (analyzer, photo, lf.faces[m->face].landmarks,
                                    &lf.faces[m->face].head, &err)
               == MIEN_OK,
           "%s: head matte: %s", m->name, err.message);
  *matte_used = lf.faces[m->face].head.ok;
  mien_animator *anim = mien_animator_new (photo, &lf.faces[m->face],
                                           MIEN_RESWARP_MULTISCALE, NULL, &err);
  CHECK (anim != NULL, "%s: %s", m->name, err.message);
  mien_generator *gen = anim ? mien_rig_new (&err) : NULL;
  int ret = -1;
  if (anim && gen)
    {
      mien_animator_set_other_faces (anim, lf.faces, lf.n_faces, m->face);
      mien_driving c;
      mien_driving_init (&c);
      const mien_image *crop_out = NULL;
      const mien_generator_output *g = NULL;
      mien_status st = mien_animator_render_crop (anim, gen, &c, &crop_out, &g,
                                                  &err);
      CHECK (st == MIEN_OK, "%s: %s", m->name, err.message);
      int w = 0, h = 0;
      const float *region = st == MIEN_OK
                                ? mien_rig_get_head_region (gen, &w, &h)
                                : NULL;
      CHECK (region != NULL, "%s: the rig has a head region", m->name);
      if (region)
        {
          const mien_rect *crop = mien_animator_get_crop (anim);
          *crop_used = *crop;
          unsigned char *out = write_dir
                                   ? calloc ((size_t)photo->width
                                                 * (size_t)photo->height, 1)
                                   : NULL;
          long both_c = 0, either_c = 0, both_a = 0, either_a = 0;
          for (int y = 0; y < photo->height; y++)
            for (int x = 0; x < photo->width; x++)
              {
                double px = x + 0.5, py = y + 0.5;
                mien_point gp = mien_headshot_to_grid (
                    crop, w, (mien_point){ (float)px, (float)py });
                int r = region_at (region, w, h, gp) >= 0.5f;
                int p = inside_polygon (m, px, py);
                if (out)
                  out[(size_t)y * (size_t)photo->width + (size_t)x]
                      = r ? 255 : 0;
                both_a += r && p, either_a += r || p;
                if (py <= m->cut)
                  both_c += r && p, either_c += r || p;
              }
          *iou_clip = either_c ? (double)both_c / (double)either_c : 0.0;
          *iou_all = either_a ? (double)both_a / (double)either_a : 0.0;
          ret = 0;
          if (out)
            {
              snprintf (path, sizeof path, "%s/%s-region.pgm", write_dir,
                        m->name);
              FILE *f = fopen (path, "wb");
              CHECK (f != NULL, "cannot write %s", path);
              if (f)
                {
                  fprintf (f, "P5\n%d %d\n255\n", photo->width, photo->height);
                  fwrite (out, 1, (size_t)photo->width * (size_t)photo->height,
                          f);
                  fclose (f);
                }
              free (out);
            }
        }
    }
  mien_generator_free (gen);
  mien_animator_free (anim);
  mien_image_free (photo);
  mien_landmark_file_clear (&lf);
  return ret;
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Bad input: the selfie model missing or damaged. The call succeeds with
 * no matte (ok = 0), so the rig falls back to the fitted head's region, and
 * the analyzer says so once on stderr. */
static void
check_missing_model (const mien_image *photo, const mien_face *face)
{
  char path[4096], truncated[] = "/tmp/mien-selfie-XXXXXX.json";
  mien_error err = { 0 };
  /* A truncated model.json: the first 4000 bytes of the real one. */
  snprintf (path, sizeof path, "%s/data/models/human/selfie.json",
            source_root ());
  FILE *in = fopen (path, "rb");
  int fd = mkstemps (truncated, 5);
  if (fd >= 0)
    {
      char buf[4000];
      size_t got = in ? fread (buf, 1, sizeof buf, in) : 0;
      CHECK (write (fd, buf, got) == (ssize_t)got, "write %s", truncated);
      close (fd);
    }
  if (in)
    fclose (in);
  const char *bad[] = { "/nonexistent/selfie.json", truncated };
  for (int k = 0; k < (fd >= 0 ? 2 : 1); k++)
    {
      setenv ("MIEN_HEAD_MODEL", bad[k], 1);
      mien_face_analyzer *fa = mien_test_matte_analyzer (source_root ());
      if (fa)
        {
          mien_head_matte m;
          memset (&m, 0xab, sizeof m);
          CHECK (mien_face_analyzer_head (fa, photo, face->landmarks, &m, &err)
                     == MIEN_OK && m.ok == 0,
                 "MIEN_HEAD_MODEL=%s: no matte, and no failure", bad[k]);
        }
      mien_face_analyzer_free (fa);
    }
  unsetenv ("MIEN_HEAD_MODEL");
  if (fd >= 0)
    unlink (truncated);
}

static int
run_masks (const char *write_dir)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/data/samples/sample6.jpg", source_root ());
  FILE *f = fopen (path, "rb");
  if (!f)
    {
      printf ("SKIP: %s missing (scripts/setup.sh fetches it)\n", path);
      return 77;
    }
  fclose (f);
  snprintf (path, sizeof path, "%s/tests/data/head-masks", source_root ());
  DIR *dir = opendir (path);
  CHECK (dir != NULL, "cannot open %s", path);
  if (!dir)
    return mien_test_exit_code ();
  char *names[64];
  int n = 0;
  struct dirent *e;
  while ((e = readdir (dir)) && n < 64)
    {
      size_t len = strlen (e->d_name);
      if (len > 5 && strcmp (e->d_name + len - 5, ".json") == 0)
        names[n++] = strdup (e->d_name);
    }
  closedir (dir);
  qsort (names, (size_t)n, sizeof names[0], compare_names);
  CHECK (n >= 7, "%d masks in %s", n, path);
  mien_error err = { 0 };
  analyzer = mien_test_matte_analyzer (source_root ());
  if (analyzer && !getenv ("MIEN_HEAD_MODEL"))
    {
      mien_landmark_file lf = { 0 };
      char lm_path[4352];
      snprintf (lm_path, sizeof lm_path,
                "%s/tests/data/landmarks/astronaut.json", source_root ());
      mien_image *astronaut = mien_test_sample_photo (source_root (),
                                                      "astronaut");
      if (astronaut
          && mien_landmark_file_load (lm_path, &lf, &err) == MIEN_OK
          && lf.n_faces > 0)
        check_missing_model (astronaut, &lf.faces[0]);
      mien_landmark_file_clear (&lf);
      mien_image_free (astronaut);
    }
  snprintf (path, sizeof path, "%s/tests/data/head-masks", source_root ());
  printf ("%-14s %8s %8s %8s %6s  %s\n", "mask", "vertices", "IoU cut",
          "IoU all", "matte", "crop (photo pixels)");
  double sum = 0.0;
  int measured = 0;
  for (int i = 0; i < n; i++)
    {
      head_mask m;
      memset (&m, 0, sizeof m);
      snprintf (m.name, sizeof m.name, "%.*s", (int)(strlen (names[i]) - 5),
                names[i]);
      char file[4352];
      snprintf (file, sizeof file, "%s/%s", path, names[i]);
      int ok = load_mask (file, &m);
      CHECK (ok, "%s: not a head mask", file);
      double ic = 0.0, ia = 0.0;
      mien_rect crop = { 0 };
      int matte = 0;
      if (ok && measure (&m, write_dir, &ic, &ia, &crop, &matte) == 0)
        {
          printf ("%-14s %8d %8.3f %8.3f %6s  %d,%d %dx%d\n", m.name, m.n, ic,
                  ia, matte ? "yes" : "no", crop.x, crop.y, crop.width,
                  crop.height);
          sum += ic, measured++;
          for (size_t k = 0; k < sizeof iou_floor / sizeof iou_floor[0]; k++)
            if (strcmp (iou_floor[k].name, m.name) == 0)
              {
                double floor = matte ? iou_floor[k].matte : iou_floor[k].plain;
                CHECK (ic >= floor, "%s: clipped IoU %.3f below its floor "
                       "%.3f (%s)", m.name, ic, floor,
                       matte ? "with the person matte" : "without a matte");
              }
        }
      free (names[i]);
    }
  if (measured)
    printf ("mean clipped IoU %.3f over %d faces\n", sum / measured, measured);
  mien_face_analyzer_free (analyzer);
  analyzer = NULL;
  return mien_test_exit_code ();
}

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double
median (double *v, int n)
{
  qsort (v, (size_t)n, sizeof v[0], compare_doubles);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static int
run_bench (const char *photo_path, const char *lm_path, int face, double scale,
           int runs)
{
  mien_error err = { 0 };
  mien_image *photo = mien_image_load (photo_path, &err);
  mien_landmark_file lf = { 0 };
  if (!photo || mien_landmark_file_load (lm_path, &lf, &err) != MIEN_OK
      || face < 0 || face >= lf.n_faces || runs < 1 || runs > 1000)
    {
      fprintf (stderr, "bench: %s\n", err.message[0] ? err.message : "bad arguments");
      mien_image_free (photo);
      return 2;
    }
  for (int k = 0; k < lf.n_faces; k++)
    {
      mien_face *fc = &lf.faces[k];
      fc->box.x *= (float)scale, fc->box.y *= (float)scale;
      fc->box.width *= (float)scale, fc->box.height *= (float)scale;
      for (int i = 0; i < MIEN_N_LANDMARKS; i++)
        fc->landmarks[i].x *= (float)scale, fc->landmarks[i].y *= (float)scale;
    }
  /* The person matte: MediaPipe's selfie model on its 256² view of the
   * photo (the analyzer's work once per face; the model loads once). */
  double *t_matte = calloc ((size_t)runs, sizeof (double));
  double t_load = now_ms ();
  mien_face_analyzer *fa = mien_test_matte_analyzer (source_root ());
  int matte_ok = 0;
  if (fa)
    {
      mien_head_matte first;
      matte_ok = mien_face_analyzer_head (fa, photo, lf.faces[face].landmarks,
                                          &first, &err)
                     == MIEN_OK
                 && first.ok;
      t_load = now_ms () - t_load;
      for (int r = 0; matte_ok && r < runs; r++)
        {
          double t0 = now_ms ();
          mien_face_analyzer_head (fa, photo, lf.faces[face].landmarks,
                                   &lf.faces[face].head, &err);
          t_matte[r] = now_ms () - t0;
        }
    }
  mien_face_analyzer_free (fa);
  double *t_anim[2], *t_region = calloc ((size_t)runs, sizeof (double));
  t_anim[0] = calloc ((size_t)runs, sizeof (double));
  t_anim[1] = calloc ((size_t)runs, sizeof (double));
  int cells = 0, w = 0, h = 0, n_neigh = 0;
  for (int threads = 1; threads <= 2; threads++)
    {
      mien_pool *pool = mien_pool_new (threads);
      for (int r = 0; r < runs; r++)
        {
          double t0 = now_ms ();
          mien_animator *anim = mien_animator_new (
              photo, &lf.faces[face], MIEN_RESWARP_MULTISCALE, pool, &err);
          t_anim[threads - 1][r] = now_ms () - t0;
          if (!anim)
            {
              fprintf (stderr, "bench: %s\n", err.message);
              return 2;
            }
          if (threads == 1)
            {
              /* The other faces on the grid, as the animator gives them to
               * the rig (all of them here, at most the rig's maximum). */
              const mien_rect *crop = mien_animator_get_crop (anim);
              static mien_point neigh[MIEN_GENERATOR_MAX_NEIGHBOURS][MIEN_N_LANDMARKS];
              n_neigh = 0;
              for (int k = 0; k < lf.n_faces
                              && n_neigh < MIEN_GENERATOR_MAX_NEIGHBOURS;
                   k++)
                if (k != face)
                  {
                    for (int i = 0; i < MIEN_N_LANDMARKS; i++)
                      neigh[n_neigh][i] = mien_headshot_to_grid (
                          crop, MIEN_LOW_RES, lf.faces[k].landmarks[i]);
                    n_neigh++;
                  }
              rig_head *hd = rig_head_new ();
              t0 = now_ms ();
              rig_head_set_neighbours (hd, &neigh[0][0], n_neigh);
              rig_head_set_matte (hd, mien_animator_get_grid_matte (anim),
                                  MIEN_LOW_RES, MIEN_LOW_RES);
              mien_status st = rig_head_update (
                  hd, mien_animator_get_low (anim),
                  mien_animator_get_grid_landmarks (anim), &err);
              t_region[r] = now_ms () - t0;
              const float *region = st == MIEN_OK ? rig_head_region (hd) : NULL;
              if (!region)
                {
                  fprintf (stderr, "bench: no region\n");
                  return 2;
                }
              rig_head_size (hd, &w, &h);
              cells = 0;
              for (int p = 0; p < w * h; p++)
                cells += region[p] > 0.0f;
              rig_head_free (hd);
            }
          mien_animator_free (anim);
        }
      mien_pool_free (pool);
    }
  printf ("photo %dx%d, face %d, %d neighbours, grid %dx%d, region %d nodes, "
          "%d runs\n",
          photo->width, photo->height, face, n_neigh, w, h, cells, runs);
  if (matte_ok)
    printf ("person matte (mien_face_analyzer_head): median %.2f ms (the "
            "first, with the model's loading, %.1f ms)\n",
            median (t_matte, runs), t_load);
  else
    printf ("person matte: not available (%s)\n", err.message);
  printf ("region (rig_head_update, one thread%s): median %.2f ms\n",
          matte_ok ? ", with the matte" : "", median (t_region, runs));
  printf ("mien_animator_new (crop, pyramid): median %.1f ms with 1 thread, "
          "%.1f ms with 2\n",
          median (t_anim[0], runs), median (t_anim[1], runs));
  free (t_region), free (t_anim[0]), free (t_anim[1]), free (t_matte);
  mien_landmark_file_clear (&lf);
  mien_image_free (photo);
  return 0;
}

/* --grid: the rig's region and bound of one fixture face at rest, on the
 * 128² grid, over the grid's input image (PPM: the input darkened outside
 * the bound, tinted inside the region), for looking at. */
static int
run_grid (const char *stem, int face, const char *out_path)
{
  char path[4096];
  mien_error err = { 0 };
  mien_image *photo = mien_test_sample_photo (source_root (), stem);
  mien_landmark_file lf = { 0 };
  snprintf (path, sizeof path, "%s/tests/data/landmarks/%s.json",
            source_root (), stem);
  if (!photo || mien_landmark_file_load (path, &lf, &err) != MIEN_OK
      || face < 0 || face >= lf.n_faces)
    {
      fprintf (stderr, "grid: %s\n", err.message[0] ? err.message : "bad arguments");
      mien_image_free (photo);
      return 2;
    }
  mien_face_analyzer *fa = mien_test_matte_analyzer (source_root ());
  if (fa)
    mien_face_analyzer_head (fa, photo, lf.faces[face].landmarks,
                             &lf.faces[face].head, &err);
  mien_face_analyzer_free (fa);
  mien_animator *anim = mien_animator_new (photo, &lf.faces[face],
                                           MIEN_RESWARP_MULTISCALE, NULL, &err);
  mien_generator *gen = anim ? mien_rig_new (&err) : NULL;
  int rc = 2;
  if (anim && gen)
    {
      mien_animator_set_other_faces (anim, lf.faces, lf.n_faces, face);
      mien_driving c;
      mien_driving_init (&c);
      int w = 0, h = 0;
      if (mien_animator_render_crop (anim, gen, &c, NULL, NULL, &err) == MIEN_OK)
        {
          const float *region = mien_rig_get_head_region (gen, &w, &h);
          const float *bound = mien_rig_get_head_bound (gen, NULL, NULL);
          const mien_image *low = mien_animator_get_low (anim);
          FILE *f = region && bound ? fopen (out_path, "wb") : NULL;
          if (f)
            {
              fprintf (f, "P6\n%d %d\n255\n", w, h);
              for (int p = 0; p < w * h; p++)
                for (int k = 0; k < 3; k++)
                  {
                    float v = low->data[3 * p + k];
                    if (!(bound[p] > 0.0f))
                      v *= 0.3f;
                    else if (!(region[p] > 0.0f))
                      v = 0.5f * v + (k == 0 ? 0.5f : 0.0f);
                    else if (k == 2)
                      v = 0.6f * v + 0.4f;
                    fputc ((int)lroundf (255.0f * fminf (fmaxf (v, 0.0f), 1.0f)), f);
                  }
              fclose (f);
              rc = 0;
            }
        }
    }
  if (rc)
    fprintf (stderr, "grid: %s\n", err.message);
  mien_generator_free (gen);
  mien_animator_free (anim);
  mien_image_free (photo);
  mien_landmark_file_clear (&lf);
  return rc;
}

int
main (int argc, char **argv)
{
  const char *write_dir = NULL;
  if (argc == 7 && strcmp (argv[1], "--bench") == 0)
    return run_bench (argv[2], argv[3], atoi (argv[4]), mien_strtod_c (argv[5], NULL),
                      atoi (argv[6]));
  if (argc == 5 && strcmp (argv[1], "--grid") == 0)
    return run_grid (argv[2], atoi (argv[3]), argv[4]);
  if (argc == 3 && strcmp (argv[1], "--write-dir") == 0)
    write_dir = argv[2];
  else if (argc != 1)
    {
      fprintf (stderr, "usage: %s [--write-dir DIR | --bench PHOTO LANDMARKS "
                       "FACE SCALE RUNS]\n", argv[0]);
      return 2;
    }
  return run_masks (write_dir);
}
