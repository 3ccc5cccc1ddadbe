/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Runs every nn op of the CPU backend on random inputs in [-1, 1] and writes
 * inputs, parameters and outputs to a folder (raw little-endian float32 +
 * cases.json) for test_nn_ops.py to check against PyTorch. Outputs are
 * checked for NaN and Inf here; bad shapes must be refused with a message. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mien-test.h"
#include "nn/mien-nn.h"

static const char *dir;
static FILE *index_file;
static int n_cases;
static int n_files;

static mien_tensor *
rnd (int rank, int d0, int d1, int d2, int d3)
{
  int dims[4] = { d0, d1, d2, d3 };
  mien_tensor *t = mien_tensor_new (rank, dims, NULL);
  for (size_t i = 0; i < mien_tensor_n_elements (t); i++)
    t->data[i] = mien_test_uniform (-1.0f, 1.0f);
  return t;
}

static void
write_tensor (const char *key, const mien_tensor *t, int *first)
{
  char path[512], name[32];
  snprintf (name, sizeof name, "t%04d.f32", n_files++);
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen (path, "wb");
  fwrite (t->data, sizeof (float), mien_tensor_n_elements (t), f);
  fclose (f);
  fprintf (index_file, "%s\"%s\": {\"file\": \"%s\", \"shape\": [", *first ? "" : ", ",
           key, name);
  for (int i = 0; i < t->rank; i++)
    fprintf (index_file, "%s%d", i ? ", " : "", t->dims[i]);
  fprintf (index_file, "]}");
  *first = 0;
}

/* params: a JSON object body, e.g. "\"stride\": 2". */
static void
record (const char *op, const char *params, mien_tensor *out,
        const mien_tensor *a, const mien_tensor *b, const mien_tensor *c)
{
  CHECK (out != NULL, "%s (%s) failed", op, params);
  if (out == NULL)
    return;
  int finite = 1;
  for (size_t i = 0; i < mien_tensor_n_elements (out); i++)
    finite &= isfinite (out->data[i]) != 0;
  CHECK (finite, "%s (%s) produced NaN or Inf", op, params);
  fprintf (index_file, "%s\n{\"op\": \"%s\", \"params\": {%s}, ",
           n_cases++ ? "," : "", op, params);
  int first = 1;
  const mien_tensor *ins[3] = { a, b, c };
  const char *keys[3] = { "a", "b", "c" };
  for (int i = 0; i < 3; i++)
    if (ins[i] != NULL)
      write_tensor (keys[i], ins[i], &first);
  write_tensor ("out", out, &first);
  fprintf (index_file, "}");
  mien_tensor_free (out);
}

static mien_nn_act
act (mien_nn_act_type t, float alpha)
{
  return mien_nn_act_make (t, alpha);
}

static void
conv_cases (mien_nn *nn)
{
  mien_tensor *x = rnd (4, 2, 13, 11, 5), *b = rnd (1, 7, 0, 0, 0);
  mien_tensor *w3 = rnd (4, 3, 3, 5, 7), *w1 = rnd (4, 1, 1, 5, 7);
  mien_tensor *w7 = rnd (4, 7, 5, 5, 7);
  record ("conv2d", "\"stride\": 1, \"pad\": \"same\", \"act\": \"relu\"",
          mien_nn_conv2d (nn, x, w3, b, 1, mien_nn_padding_same (),
                          MIEN_NN_RELU), x, w3, b);
  /* TF SAME at stride 2: the extra padding row and column go after. */
  record ("conv2d", "\"stride\": 2, \"pad\": \"same\", \"act\": \"leaky\", \"alpha\": 0.1",
          mien_nn_conv2d (nn, x, w3, b, 2, mien_nn_padding_same (),
                          act (MIEN_NN_ACT_LEAKY_RELU, 0.1f)), x, w3, b);
  record ("conv2d", "\"stride\": 2, \"pad\": [0, 0, 0, 0], \"act\": \"none\"",
          mien_nn_conv2d (nn, x, w7, NULL, 2, mien_nn_padding_valid (),
                          MIEN_NN_NO_ACT), x, w7, NULL);
  record ("conv2d", "\"stride\": 1, \"pad\": [0, 0, 0, 0], \"act\": \"elu\", \"alpha\": 1.0",
          mien_nn_conv2d (nn, x, w1, b, 1, mien_nn_padding_valid (),
                          act (MIEN_NN_ACT_ELU, 1.0f)), x, w1, b);
  record ("conv2d", "\"stride\": 3, \"pad\": [2, 0, 1, 3], \"act\": \"tanh\"",
          mien_nn_conv2d (nn, x, w3, b, 3,
                          mien_nn_padding_explicit (2, 0, 1, 3),
                          act (MIEN_NN_ACT_TANH, 0)), x, w3, b);
  mien_tensor *dw1 = rnd (4, 3, 3, 5, 1), *dw2 = rnd (4, 3, 3, 5, 2);
  mien_tensor *b5 = rnd (1, 5, 0, 0, 0), *b10 = rnd (1, 10, 0, 0, 0);
  record ("depthwise_conv2d", "\"stride\": 1, \"pad\": \"same\", \"act\": \"sigmoid\"",
          mien_nn_depthwise_conv2d (nn, x, dw1, b5, 1, mien_nn_padding_same (),
                                    act (MIEN_NN_ACT_SIGMOID, 0)), x, dw1, b5);
  record ("depthwise_conv2d", "\"stride\": 2, \"pad\": \"same\", \"act\": \"none\"",
          mien_nn_depthwise_conv2d (nn, x, dw2, b10, 2,
                                    mien_nn_padding_same (), MIEN_NN_NO_ACT),
          x, dw2, b10);
  mien_tensor *wt = rnd (4, 4, 4, 6, 5), *bt = rnd (1, 6, 0, 0, 0);
  record ("conv2d_transpose", "\"stride\": 2, \"pad\": [1, 1, 1, 1], \"act\": \"relu\"",
          mien_nn_conv2d_transpose (nn, x, wt, bt, 2,
                                    mien_nn_padding_explicit (1, 1, 1, 1),
                                    MIEN_NN_RELU), x, wt, bt);
  mien_tensor *wt3 = rnd (4, 3, 3, 4, 5);
  record ("conv2d_transpose", "\"stride\": 1, \"pad\": [0, 0, 0, 0], \"act\": \"none\"",
          mien_nn_conv2d_transpose (nn, x, wt3, NULL, 1,
                                    mien_nn_padding_valid (), MIEN_NN_NO_ACT),
          x, wt3, NULL);
  mien_tensor *fw = rnd (2, 13 * 11 * 5, 9, 0, 0), *fb = rnd (1, 9, 0, 0, 0);
  record ("fully_connected", "\"act\": \"relu\"",
          mien_nn_fully_connected (nn, x, fw, fb, MIEN_NN_RELU), x, fw, fb);
  mien_tensor *tensors[] = { x, b, w3, w1, w7, dw1, dw2, b5, b10, wt, bt, wt3,
                             fw, fb };
  for (size_t i = 0; i < sizeof tensors / sizeof *tensors; i++)
    mien_tensor_free (tensors[i]);
}

static void
pool_cases (mien_nn *nn)
{
  mien_tensor *x = rnd (4, 2, 13, 10, 6);
  record ("max_pool", "\"kernel\": 2, \"stride\": 2, \"pad\": \"same\"",
          mien_nn_max_pool (nn, x, 2, 2, mien_nn_padding_same ()), x, NULL,
          NULL);
  record ("max_pool", "\"kernel\": 3, \"stride\": 2, \"pad\": [0, 0, 0, 0]",
          mien_nn_max_pool (nn, x, 3, 2, mien_nn_padding_valid ()), x, NULL,
          NULL);
  record ("avg_pool", "\"kernel\": 3, \"stride\": 2, \"pad\": \"same\", \"count_include_pad\": 0",
          mien_nn_avg_pool (nn, x, 3, 2, mien_nn_padding_same (), 0), x, NULL,
          NULL);
  record ("avg_pool", "\"kernel\": 2, \"stride\": 1, \"pad\": [1, 1, 1, 1], \"count_include_pad\": 1",
          mien_nn_avg_pool (nn, x, 2, 1, mien_nn_padding_explicit (1, 1, 1, 1),
                            1), x, NULL, NULL);
  record ("global_avg_pool", "", mien_nn_global_avg_pool (nn, x), x, NULL,
          NULL);
  mien_tensor_free (x);
}

static void
elementwise_cases (mien_nn *nn)
{
  mien_tensor *x = rnd (4, 2, 7, 5, 6), *y = rnd (4, 2, 7, 5, 6);
  mien_tensor *s = rnd (1, 6, 0, 0, 0), *t = rnd (1, 6, 0, 0, 0);
  record ("add", "\"act\": \"relu\"", mien_nn_add (nn, x, y, MIEN_NN_RELU), x,
          y, NULL);
  record ("channel_affine", "\"act\": \"leaky\", \"alpha\": 0.2",
          mien_nn_channel_affine (nn, x, s, t,
                                  act (MIEN_NN_ACT_LEAKY_RELU, 0.2f)),
          x, s, t);
  const char *names[] = { "relu", "elu", "tanh", "sigmoid" };
  mien_nn_act_type types[] = { MIEN_NN_ACT_RELU, MIEN_NN_ACT_ELU,
                               MIEN_NN_ACT_TANH, MIEN_NN_ACT_SIGMOID };
  for (int i = 0; i < 4; i++)
    {
      char params[64];
      snprintf (params, sizeof params, "\"act\": \"%s\", \"alpha\": 0.7",
                names[i]);
      record ("activation", params,
              mien_nn_activation (nn, x, act (types[i], 0.7f)), x, NULL, NULL);
    }
  mien_tensor *z = rnd (4, 2, 7, 5, 3), *w = rnd (4, 2, 4, 5, 6);
  record ("concat", "\"axis\": 3", mien_nn_concat (nn, x, z, 3), x, z, NULL);
  record ("concat", "\"axis\": 1", mien_nn_concat (nn, x, w, 1), x, w, NULL);
  int pads[4][2] = { { 0, 1 }, { 2, 0 }, { 1, 3 }, { 0, 2 } };
  record ("pad", "\"pads\": [[0, 1], [2, 0], [1, 3], [0, 2]], \"value\": 0.5",
          mien_nn_pad (nn, x, pads, 0.5f), x, NULL, NULL);
  record ("instance_norm", "\"eps\": 1e-5, \"act\": \"none\"",
          mien_nn_instance_norm (nn, x, s, t, 1e-5f, MIEN_NN_NO_ACT), x, s, t);
  record ("softmax", "", mien_nn_softmax (nn, x), x, NULL, NULL);
  mien_tensor *tensors[] = { x, y, s, t, z, w };
  for (size_t i = 0; i < sizeof tensors / sizeof *tensors; i++)
    mien_tensor_free (tensors[i]);
}

static void
resample_cases (mien_nn *nn)
{
  mien_tensor *x = rnd (4, 2, 9, 7, 3);
  int modes[3][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 } };
  for (int m = 0; m < 3; m++)
    for (int grow = 0; grow < 2; grow++)
      {
        char params[128];
        int oh = grow ? 20 : 4, ow = grow ? 15 : 5;
        snprintf (params, sizeof params,
                  "\"out\": [%d, %d], \"align_corners\": %d, \"half_pixel\": %d",
                  oh, ow, modes[m][0], modes[m][1]);
        record ("resize_bilinear", params,
                mien_nn_resize_bilinear (nn, x, oh, ow, modes[m][0],
                                         modes[m][1]), x, NULL, NULL);
      }
  record ("upsample_nearest", "\"scale\": [2, 3]",
          mien_nn_upsample_nearest (nn, x, 2, 3), x, NULL, NULL);
  /* Positions over and beyond the image, to test both border modes. */
  mien_tensor *pos = rnd (4, 2, 6, 8, 2);
  for (size_t i = 0; i < mien_tensor_n_elements (pos); i += 2)
    {
      pos->data[i] = (pos->data[i] + 1.0f) * 0.5f * 8.0f - 1.0f;     /* x */
      pos->data[i + 1] = (pos->data[i + 1] + 1.0f) * 0.5f * 10.0f - 1.0f;
    }
  record ("bilinear_sample", "\"border_clamp\": 0",
          mien_nn_bilinear_sample (nn, x, pos, 0), x, pos, NULL);
  record ("bilinear_sample", "\"border_clamp\": 1",
          mien_nn_bilinear_sample (nn, x, pos, 1), x, pos, NULL);
  mien_tensor_free (pos);
  mien_tensor_free (x);
}

/* Shape errors are reported, not crashed on. */
static void
error_cases (mien_nn *nn)
{
  mien_tensor *x = rnd (4, 1, 4, 4, 3), *w = rnd (4, 3, 3, 2, 4);
  mien_error err = { 0 };
  CHECK (mien_nn_conv2d (nn, x, w, NULL, 1, mien_nn_padding_same (),
                         MIEN_NN_NO_ACT) == NULL, "channel mismatch accepted");
  CHECK (mien_nn_take_error (nn, &err) == MIEN_ERR_INVALID
             && strstr (err.message, "conv2d") != NULL,
         "message: %s", err.message);
  mien_tensor *w9 = rnd (4, 9, 9, 3, 4);
  CHECK (mien_nn_conv2d (nn, x, w9, NULL, 1, mien_nn_padding_valid (),
                         MIEN_NN_NO_ACT) == NULL, "oversized kernel accepted");
  CHECK (mien_nn_take_error (nn, &err) == MIEN_ERR_INVALID, "status");
  CHECK (mien_nn_add (nn, NULL, x, MIEN_NN_NO_ACT) == NULL, "NULL input");
  mien_tensor_free (x);
  mien_tensor_free (w);
  mien_tensor_free (w9);
}

int
main (int argc, char **argv)
{
  if (argc != 2)
    {
      fprintf (stderr, "usage: nn-ops-cases OUTPUT_DIR\n");
      return 2;
    }
  dir = argv[1];
  char path[512];
  snprintf (path, sizeof path, "%s/cases.json", dir);
  index_file = fopen (path, "w");
  if (index_file == NULL)
    return 2;
  fprintf (index_file, "[");
  mien_nn *nn = mien_nn_new (NULL, NULL);
  conv_cases (nn);
  pool_cases (nn);
  elementwise_cases (nn);
  resample_cases (nn);
  error_cases (nn);
  fprintf (index_file, "\n]\n");
  fclose (index_file);
  mien_nn_free (nn);
  return mien_test_exit_code ();
}
