/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-face-nets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading: every tensor fetched with its expected shape ---- */

typedef struct loader {
  const mien_weights *weights;
  const char *model;
  mien_error *err;
  int failed;
} loader;

static const mien_tensor *
get (loader *l, const char *name, int rank, int d0, int d1, int d2, int d3)
{
  if (l->failed)
    return NULL;
  int dims[4] = { d0, d1, d2, d3 };
  const mien_tensor *t = mien_weights_get (l->weights, name, rank, dims,
                                           l->err);
  if (t == NULL)
    {
      l->failed = 1;
      mien_error_prefix (l->err, "%s-weights_manifest.json", l->model);
    }
  return t;
}

static const mien_tensor *
getf (loader *l, int rank, int d0, int d1, int d2, int d3, const char *fmt,
      const char *prefix, const char *leaf)
{
  char name[128];
  snprintf (name, sizeof name, fmt, prefix, leaf);
  return get (l, name, rank, d0, d1, d2, d3);
}

static face_conv
get_conv (loader *l, const char *prefix, int k, int ci, int co)
{
  face_conv c;
  c.filters = getf (l, 4, k, k, ci, co, "%s/%s", prefix, "filters");
  c.bias = getf (l, 1, co, 0, 0, 0, "%s/%s", prefix, "bias");
  return c;
}

static face_sep_conv
get_sep_conv (loader *l, const char *prefix, int ci, int co)
{
  face_sep_conv c;
  c.depthwise = getf (l, 4, 3, 3, ci, 1, "%s/%s", prefix, "depthwise_filter");
  c.pointwise = getf (l, 4, 1, 1, ci, co, "%s/%s", prefix, "pointwise_filter");
  c.bias = getf (l, 1, co, 0, 0, 0, "%s/%s", prefix, "bias");
  return c;
}

static mien_weights *
load_manifest (const char *dir, const char *model, mien_error *err)
{
  size_t len = strlen (dir) + strlen (model) + 40;
  char *path = malloc (len);
  if (path == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  snprintf (path, len, "%s/%s-weights_manifest.json", dir, model);
  mien_weights *w = mien_weights_load_tfjs (path, err);
  free (path);
  return w;
}

static mien_status
finish_load (loader *l, mien_weights **weights)
{
  if (!l->failed)
    return MIEN_OK;
  mien_weights_free (*weights);
  *weights = NULL;
  return l->err ? l->err->status : MIEN_ERR_FORMAT;
}

/* ---- tiny face detector ---- */

static const int detector_channels[] = { 3, 16, 32, 64, 128, 256, 512 };

mien_status
face_detector_net_load (face_detector_net *net, const char *dir,
                        mien_error *err)
{
  memset (net, 0, sizeof *net);
  const char *model = "tiny_face_detector_model";
  net->weights = load_manifest (dir, model, err);
  if (net->weights == NULL)
    return err ? err->status : MIEN_ERR_IO;
  loader l = { net->weights, model, err, 0 };
  net->conv0 = get_conv (&l, "conv0", 3, 3, 16);
  for (int i = 0; i < 5; i++)
    {
      char prefix[16];
      snprintf (prefix, sizeof prefix, "conv%d", i + 1);
      net->conv[i] = get_sep_conv (&l, prefix, detector_channels[i + 1],
                                   detector_channels[i + 2]);
    }
  /* 5 anchors × (x, y, w, h, score): one class, no class scores. */
  net->conv8 = get_conv (&l, "conv8", 1, 512, 25);
  return finish_load (&l, &net->weights);
}

void
face_detector_net_clear (face_detector_net *net)
{
  mien_weights_free (net->weights);
  memset (net, 0, sizeof *net);
}

static mien_tensor *
replace (mien_tensor *old, mien_tensor *new_value)
{
  mien_tensor_free (old);
  return new_value;
}

mien_tensor *
face_detector_net_forward (const face_detector_net *net, mien_nn *nn,
                           const mien_tensor *x)
{
  /* face-api's leaky: relu(x − 0.1x) + 0.1x, i.e. slope 0.1 below zero. */
  mien_nn_act leaky = mien_nn_act_make (MIEN_NN_ACT_LEAKY_RELU, 0.1f);
  mien_tensor *out = mien_nn_conv2d (nn, x, net->conv0.filters,
                                     net->conv0.bias, 1,
                                     mien_nn_padding_valid (), leaky);
  for (int i = 0; i < 5; i++)
    {
      out = replace (out, mien_nn_max_pool (nn, out, 2, 2,
                                            mien_nn_padding_same ()));
      /* Padding 1 then 'valid', exactly as the TypeScript does it. */
      out = replace (out, mien_nn_separable_conv2d (
                              nn, out, net->conv[i].depthwise,
                              net->conv[i].pointwise, net->conv[i].bias, 1,
                              mien_nn_padding_explicit (1, 1, 1, 1), leaky));
    }
  out = replace (out, mien_nn_max_pool (nn, out, 2, 1,
                                        mien_nn_padding_same ()));
  return replace (out, mien_nn_conv2d (nn, out, net->conv8.filters,
                                       net->conv8.bias, 1,
                                       mien_nn_padding_valid (),
                                       MIEN_NN_NO_ACT));
}

/* ---- feature extractor + fully connected (landmarks, expressions) ---- */

static const int feature_channels[] = { 3, 32, 64, 128, 256 };

mien_status
face_feature_net_load (face_feature_net *net, const char *dir,
                       const char *model, int n_outputs, mien_error *err)
{
  memset (net, 0, sizeof *net);
  net->n_outputs = n_outputs;
  net->weights = load_manifest (dir, model, err);
  if (net->weights == NULL)
    return err ? err->status : MIEN_ERR_IO;
  loader l = { net->weights, model, err, 0 };
  for (int b = 0; b < 4; b++)
    {
      int ci = feature_channels[b], co = feature_channels[b + 1];
      char prefix[32];
      snprintf (prefix, sizeof prefix, "dense%d/conv0", b);
      if (b == 0)
        net->dense[b].conv0 = get_conv (&l, prefix, 3, ci, co);
      else
        net->dense[b].sconv0 = get_sep_conv (&l, prefix, ci, co);
      for (int i = 0; i < 3; i++)
        {
          snprintf (prefix, sizeof prefix, "dense%d/conv%d", b, i + 1);
          net->dense[b].conv[i] = get_sep_conv (&l, prefix, co, co);
        }
    }
  net->fc_weights = get (&l, "fc/weights", 2, 256, n_outputs, 0, 0);
  net->fc_bias = get (&l, "fc/bias", 1, n_outputs, 0, 0, 0);
  return finish_load (&l, &net->weights);
}

void
face_feature_net_clear (face_feature_net *net)
{
  mien_weights_free (net->weights);
  memset (net, 0, sizeof *net);
}

static mien_tensor *
sep_conv (mien_nn *nn, const mien_tensor *x, const face_sep_conv *c,
          int stride)
{
  return mien_nn_separable_conv2d (nn, x, c->depthwise, c->pointwise, c->bias,
                                   stride, mien_nn_padding_same (),
                                   MIEN_NN_NO_ACT);
}

/* denseBlock4: every layer sees the (ReLU'd) sum of all earlier outputs;
 * the sums keep the TypeScript's association order. */
static mien_tensor *
dense_block (mien_nn *nn, const mien_tensor *x, const face_dense_block *b,
             int first)
{
  mien_tensor *out1;
  if (first)
    out1 = mien_nn_conv2d (nn, x, b->conv0.filters, b->conv0.bias, 2,
                           mien_nn_padding_same (), MIEN_NN_RELU);
  else
    out1 = mien_nn_separable_conv2d (nn, x, b->sconv0.depthwise,
                                     b->sconv0.pointwise, b->sconv0.bias, 2,
                                     mien_nn_padding_same (), MIEN_NN_RELU);
  mien_tensor *out2 = sep_conv (nn, out1, &b->conv[0], 1);
  mien_tensor *in3 = mien_nn_add (nn, out1, out2, MIEN_NN_RELU);
  mien_tensor *out3 = sep_conv (nn, in3, &b->conv[1], 1);
  mien_tensor_free (in3);
  mien_tensor *s23 = mien_nn_add (nn, out2, out3, MIEN_NN_NO_ACT);
  mien_tensor *in4 = mien_nn_add (nn, out1, s23, MIEN_NN_RELU);
  mien_tensor_free (s23);
  mien_tensor *out4 = sep_conv (nn, in4, &b->conv[2], 1);
  mien_tensor_free (in4);
  mien_tensor *s34 = mien_nn_add (nn, out3, out4, MIEN_NN_NO_ACT);
  mien_tensor *s234 = mien_nn_add (nn, out2, s34, MIEN_NN_NO_ACT);
  mien_tensor *y = mien_nn_add (nn, out1, s234, MIEN_NN_RELU);
  mien_tensor_free (out1);
  mien_tensor_free (out2);
  mien_tensor_free (out3);
  mien_tensor_free (out4);
  mien_tensor_free (s34);
  mien_tensor_free (s234);
  return y;
}

mien_tensor *
face_feature_net_forward (const face_feature_net *net, mien_nn *nn,
                          const mien_tensor *x)
{
  mien_tensor *out = dense_block (nn, x, &net->dense[0], 1);
  for (int b = 1; b < 4; b++)
    out = replace (out, dense_block (nn, out, &net->dense[b], 0));
  out = replace (out, mien_nn_avg_pool (nn, out, 7, 2,
                                        mien_nn_padding_valid (), 0));
  return replace (out, mien_nn_fully_connected (nn, out, net->fc_weights,
                                                net->fc_bias, MIEN_NN_NO_ACT));
}

/* ---- recognition ResNet ---- */

static face_scale_conv
get_scale_conv (loader *l, const char *prefix, int k, int ci, int co)
{
  face_scale_conv c;
  c.filters = getf (l, 4, k, k, ci, co, "%s/%s", prefix, "conv/filters");
  c.bias = getf (l, 1, co, 0, 0, 0, "%s/%s", prefix, "conv/bias");
  c.scale = getf (l, 1, co, 0, 0, 0, "%s/%s", prefix, "scale/weights");
  c.shift = getf (l, 1, co, 0, 0, 0, "%s/%s", prefix, "scale/biases");
  return c;
}

static const struct
{
  const char *name;
  int channels;
  int down;
} resnet_blocks[FACE_RESNET_BLOCKS] = {
  { "conv32_1", 32, 0 },      { "conv32_2", 32, 0 },
  { "conv32_3", 32, 0 },      { "conv64_down", 64, 1 },
  { "conv64_1", 64, 0 },      { "conv64_2", 64, 0 },
  { "conv64_3", 64, 0 },      { "conv128_down", 128, 1 },
  { "conv128_1", 128, 0 },    { "conv128_2", 128, 0 },
  { "conv256_down", 256, 1 }, { "conv256_1", 256, 0 },
  { "conv256_2", 256, 0 },    { "conv256_down_out", 256, 1 },
};

mien_status
face_resnet_load (face_resnet *net, const char *dir, mien_error *err)
{
  memset (net, 0, sizeof *net);
  const char *model = "face_recognition_model";
  net->weights = load_manifest (dir, model, err);
  if (net->weights == NULL)
    return err ? err->status : MIEN_ERR_IO;
  loader l = { net->weights, model, err, 0 };
  net->conv32_down = get_scale_conv (&l, "conv32_down", 7, 3, 32);
  int ci = 32;
  for (int b = 0; b < FACE_RESNET_BLOCKS; b++)
    {
      int co = resnet_blocks[b].channels;
      char prefix[48];
      snprintf (prefix, sizeof prefix, "%s/conv1", resnet_blocks[b].name);
      net->blocks[b][0] = get_scale_conv (&l, prefix, 3, ci, co);
      snprintf (prefix, sizeof prefix, "%s/conv2", resnet_blocks[b].name);
      net->blocks[b][1] = get_scale_conv (&l, prefix, 3, co, co);
      net->block_down[b] = resnet_blocks[b].down;
      ci = co;
    }
  net->fc = get (&l, "fc", 2, 256, 128, 0, 0);
  return finish_load (&l, &net->weights);
}

void
face_resnet_clear (face_resnet *net)
{
  mien_weights_free (net->weights);
  memset (net, 0, sizeof *net);
}

/* conv + bias, then the scale layer (x·weights + biases), then ReLU. */
static mien_tensor *
scale_conv (mien_nn *nn, const mien_tensor *x, const face_scale_conv *c,
            int stride, mien_nn_padding padding, int relu)
{
  mien_tensor *y = mien_nn_conv2d (nn, x, c->filters, c->bias, stride, padding,
                                   MIEN_NN_NO_ACT);
  return replace (y, mien_nn_channel_affine (nn, y, c->scale, c->shift,
                                             relu ? MIEN_NN_RELU
                                                  : MIEN_NN_NO_ACT));
}

static mien_tensor *
residual (mien_nn *nn, const mien_tensor *x, const face_scale_conv *c)
{
  mien_tensor *out = scale_conv (nn, x, &c[0], 1, mien_nn_padding_same (), 1);
  out = replace (out, scale_conv (nn, out, &c[1], 1, mien_nn_padding_same (),
                                  0));
  return replace (out, mien_nn_add (nn, out, x, MIEN_NN_RELU));
}

/* residualDown: a strided 'valid' branch plus a 2×2 average-pooled shortcut;
 * when their sizes differ the branch gains a zero row and column at the
 * end, and the shortcut zero channels, as face-api does. */
static mien_tensor *
residual_down (mien_nn *nn, const mien_tensor *x, const face_scale_conv *c)
{
  mien_tensor *out = scale_conv (nn, x, &c[0], 2, mien_nn_padding_valid (), 1);
  out = replace (out, scale_conv (nn, out, &c[1], 1, mien_nn_padding_same (),
                                  0));
  mien_tensor *pooled = mien_nn_avg_pool (nn, x, 2, 2,
                                          mien_nn_padding_valid (), 0);
  if (out != NULL && pooled != NULL
      && (out->dims[1] != pooled->dims[1] || out->dims[2] != pooled->dims[2]))
    {
      int pads[4][2] = { { 0, 0 }, { 0, 1 }, { 0, 1 }, { 0, 0 } };
      out = replace (out, mien_nn_pad (nn, out, pads, 0.0f));
    }
  if (out != NULL && pooled != NULL && out->dims[3] != pooled->dims[3])
    {
      int pads[4][2] = { { 0, 0 }, { 0, 0 }, { 0, 0 },
                         { 0, out->dims[3] - pooled->dims[3] } };
      pooled = replace (pooled, mien_nn_pad (nn, pooled, pads, 0.0f));
    }
  mien_tensor *y = mien_nn_add (nn, pooled, out, MIEN_NN_RELU);
  mien_tensor_free (pooled);
  mien_tensor_free (out);
  return y;
}

mien_tensor *
face_resnet_forward (const face_resnet *net, mien_nn *nn, const mien_tensor *x)
{
  mien_tensor *out = scale_conv (nn, x, &net->conv32_down, 2,
                                 mien_nn_padding_valid (), 1);
  out = replace (out, mien_nn_max_pool (nn, out, 3, 2,
                                        mien_nn_padding_valid ()));
  for (int b = 0; b < FACE_RESNET_BLOCKS; b++)
    out = replace (out, net->block_down[b]
                            ? residual_down (nn, out, net->blocks[b])
                            : residual (nn, out, net->blocks[b]));
  out = replace (out, mien_nn_global_avg_pool (nn, out));
  return replace (out, mien_nn_fully_connected (nn, out, net->fc, NULL,
                                                MIEN_NN_NO_ACT));
}
