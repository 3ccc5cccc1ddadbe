/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-atw.h"
#include "mien-c-locale.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/mien-nn.h"
#include "nn/mien-safetensors.h"

#define INSTANCE_NORM_EPS 1e-5f
#define MAX_TENSOR_NAMES 1024
#define MAX_BLOCKS 32
#define MAX_WIDTH 1024

/* One convolution in engine layout, with the instance norm after it. */
typedef struct atw_conv {
  mien_tensor *filter; /* HWIO, or [KH,KW,Co,Ci] when transposed */
  mien_tensor *bias;   /* NULL before a norm */
  mien_tensor *gamma, *beta; /* NULL without a norm */
} atw_conv;

typedef enum atw_conv_kind {
  CONV_7X7,  /* stride 1, pad 3 */
  CONV_DOWN, /* 4×4, stride 2, pad 1 */
  CONV_3X3,  /* stride 1, pad 1 */
  CONV_UP,   /* transposed 4×4, stride 2, crop 1 */
} atw_conv_kind;

typedef struct atw_net {
  int norm, blocks;
  mien_nn_act act;
  atw_conv in_conv, down1, down2, up1, up2, out_conv;
  atw_conv res[MAX_BLOCKS][2];
} atw_net;

typedef struct atw_generator {
  mien_generator base;
  mien_atw_info info;
  mien_nn *nn;
  atw_net motion, refine;
} atw_generator;

/* ---------------------------------------------------------------------- */
/* Metadata */

static mien_status
meta_string (const mien_safetensors *st, const char *origin, const char *key,
             const char **out, mien_error *err)
{
  *out = mien_safetensors_get_metadata (st, key);
  if (*out == NULL)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: metadata \"%s\" is missing", origin, key);
  return MIEN_OK;
}

static mien_status
meta_int (const mien_safetensors *st, const char *origin, const char *key,
          int lo, int hi, int *out, mien_error *err)
{
  const char *s;
  mien_status status = meta_string (st, origin, key, &s, err);
  if (status != MIEN_OK)
    return status;
  char *end;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (end == s || *end || errno || v < lo || v > hi)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: metadata %s = \"%.40s\" is not an integer in "
                           "[%d, %d]", origin, key, s, lo, hi);
  *out = (int)v;
  return MIEN_OK;
}

static mien_status
meta_float (const mien_safetensors *st, const char *origin, const char *key,
            double lo, double hi, float *out, mien_error *err)
{
  const char *s;
  mien_status status = meta_string (st, origin, key, &s, err);
  if (status != MIEN_OK)
    return status;
  char *end;
  double v = mien_strtod_c (s, &end);
  if (end == s || *end || !(v > lo && v <= hi))
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: metadata %s = \"%.40s\" is not a number in "
                           "(%g, %g]", origin, key, s, lo, hi);
  *out = (float)v;
  return MIEN_OK;
}

/* "AU01_r", "AU1", "au12" → the bilateral engine channel, or -1. */
static int
au_channel (const char *name)
{
  if (tolower ((unsigned char)name[0]) != 'a'
      || tolower ((unsigned char)name[1]) != 'u'
      || !isdigit ((unsigned char)name[2]))
    return -1;
  char *end;
  long n = strtol (name + 2, &end, 10);
  if (*end && strcmp (end, "_r") != 0)
    return -1;
  char canon[16];
  snprintf (canon, sizeof canon, "AU%ld", n);
  int ch = mien_au_channel_from_name (canon);
  return ch >= 0 && ch < MIEN_AU_N_OPENFACE ? ch : -1;
}

static mien_status
parse_driving_names (const char *list, const char *origin, mien_atw_info *info,
                     mien_error *err)
{
  info->n_driving = 0;
  for (const char *p = list;;)
    {
      size_t len = strcspn (p, ",");
      if (len == 0 || len >= MIEN_ATW_NAME_MAX)
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "%s: metadata driving_names has an empty or "
                               "over-long name", origin);
      if (info->n_driving == MIEN_ATW_MAX_DRIVING)
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "%s: more than %d driving inputs", origin,
                               MIEN_ATW_MAX_DRIVING);
      char *name = info->driving_names[info->n_driving];
      memcpy (name, p, len);
      name[len] = '\0';
      int ch = info->driving_kind == MIEN_ATW_DRIVING_AUS
                   ? au_channel (name) : mien_preset_from_name (name);
      if (ch < 0 && info->driving_kind == MIEN_ATW_DRIVING_AUS)
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "%s: driving AU \"%s\" is not one of the 17 "
                               "OpenFace intensity AUs", origin, name);
      info->driving_channel[info->n_driving++] = ch;
      if (p[len] == '\0')
        return MIEN_OK;
      p += len + 1;
    }
}

static mien_status
parse_metadata (const mien_safetensors *st, const char *origin,
                mien_atw_info *info, mien_error *err)
{
  const char *format = mien_safetensors_get_metadata (st, "format");
  const char *s;
  mien_status r;
  if (format == NULL || strcmp (format, "mien-atw") != 0)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: not an ATW generator (metadata format is not "
                           "\"mien-atw\")", origin);
  if ((r = meta_string (st, origin, "version", &s, err)))
    return r;
  if (strcmp (s, "1") != 0)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "%s: format version \"%.20s\" (this build reads 1)",
                           origin, s);
  if ((r = meta_string (st, origin, "driving_kind", &s, err)))
    return r;
  if (strcmp (s, "aus") == 0)
    info->driving_kind = MIEN_ATW_DRIVING_AUS;
  else if (strcmp (s, "expressions") == 0)
    info->driving_kind = MIEN_ATW_DRIVING_EXPRESSIONS;
  else
    return mien_error_set (err, MIEN_ERR_FORMAT, "%s: driving_kind \"%.20s\" "
                           "is neither \"aus\" nor \"expressions\"", origin, s);
  if ((r = meta_string (st, origin, "driving_names", &s, err))
      || (r = parse_driving_names (s, origin, info, err))
      || (r = meta_float (st, origin, "driving_scale", 0, 1e3,
                          &info->driving_scale, err))
      || (r = meta_int (st, origin, "motion_width", 1, MAX_WIDTH,
                        &info->motion_width, err))
      || (r = meta_int (st, origin, "refine_width", 1, MAX_WIDTH,
                        &info->refine_width, err))
      || (r = meta_int (st, origin, "motion_blocks", 0, MAX_BLOCKS,
                        &info->motion_blocks, err))
      || (r = meta_int (st, origin, "refine_blocks", 0, MAX_BLOCKS,
                        &info->refine_blocks, err))
      || (r = meta_float (st, origin, "motion_scale", 0, 256,
                          &info->motion_scale, err))
      || (r = meta_int (st, origin, "taper_zero", 0, 32, &info->taper_zero,
                        err))
      || (r = meta_int (st, origin, "taper_ramp", 0, 64, &info->taper_ramp,
                        err)))
    return r;
  return meta_int (st, origin, "image_size", 8, 4096, &info->image_size, err);
}

/* ---------------------------------------------------------------------- */
/* Tensors: fetched by name with PyTorch's shape, converted to engine layout */

typedef struct loader {
  const mien_weights *weights;
  const char *origin;
  mien_error *err;
  int failed;
  int n_names;
  char names[MAX_TENSOR_NAMES][96];
  size_t n_parameters;
} loader;

static const mien_tensor *
fetch (loader *l, const char *name, int rank, int d0, int d1, int d2, int d3)
{
  if (l->failed)
    return NULL;
  if (l->n_names < MAX_TENSOR_NAMES)
    snprintf (l->names[l->n_names++], sizeof l->names[0], "%s", name);
  int dims[4] = { d0, d1, d2, d3 };
  const mien_tensor *t = mien_weights_get (l->weights, name, rank, dims,
                                           l->err);
  if (t == NULL)
    {
      l->failed = 1;
      mien_error_prefix (l->err, "%s", l->origin);
      return NULL;
    }
  l->n_parameters += mien_tensor_n_elements (t);
  return t;
}

static mien_tensor *
copy_vector (loader *l, const char *name, int n)
{
  const mien_tensor *t = fetch (l, name, 1, n, 0, 0, 0);
  mien_tensor *c = t ? mien_tensor_copy (t, l->err) : NULL;
  if (t && !c)
    l->failed = 1;
  return c;
}

/* PyTorch [A, B, K, K] (conv: out, in; transposed: in, out) → [K, K, B, A],
 * which is HWIO for a conv and TensorFlow's [KH, KW, out, in] for a
 * transposed conv. */
static mien_tensor *
permute_filter (loader *l, const char *name, int a, int b, int k)
{
  const mien_tensor *t = fetch (l, name, 4, a, b, k, k);
  if (t == NULL)
    return NULL;
  int dims[4] = { k, k, b, a };
  mien_tensor *y = mien_tensor_new (4, dims, l->err);
  if (y == NULL)
    {
      l->failed = 1;
      return NULL;
    }
  for (int i = 0; i < a; i++)
    for (int j = 0; j < b; j++)
      for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
          y->data[(((size_t)ky * k + kx) * b + j) * a + i]
              = t->data[(((size_t)i * b + j) * k + ky) * k + kx];
  return y;
}

/* Loads prefix.conv.weight [co, ci, k, k] (or [ci, co, k, k] transposed),
 * its bias unless norm_name is given, else norm_name.weight/.bias. */
static void
load_conv (loader *l, atw_conv *cv, const char *prefix, const char *conv,
           const char *norm_name, int ci, int co, int k, int transposed)
{
  char name[96];
  snprintf (name, sizeof name, "%s.%s.weight", prefix, conv);
  cv->filter = transposed ? permute_filter (l, name, ci, co, k)
                          : permute_filter (l, name, co, ci, k);
  if (norm_name == NULL)
    {
      snprintf (name, sizeof name, "%s.%s.bias", prefix, conv);
      cv->bias = copy_vector (l, name, co);
      return;
    }
  snprintf (name, sizeof name, "%s.%s.weight", prefix, norm_name);
  cv->gamma = copy_vector (l, name, co);
  snprintf (name, sizeof name, "%s.%s.bias", prefix, norm_name);
  cv->beta = copy_vector (l, name, co);
}

static void
load_net (loader *l, atw_net *net, const char *prefix, int cin, int cout,
          int w, int blocks, int norm)
{
  net->norm = norm;
  net->blocks = blocks;
  net->act = norm ? MIEN_NN_RELU : mien_nn_act_make (MIEN_NN_ACT_ELU, 1.0f);
  load_conv (l, &net->in_conv, prefix, "in_conv", norm ? "in_norm" : NULL,
             cin, w, 7, 0);
  load_conv (l, &net->down1, prefix, "down1", norm ? "down1_norm" : NULL, w,
             2 * w, 4, 0);
  load_conv (l, &net->down2, prefix, "down2", norm ? "down2_norm" : NULL,
             2 * w, 4 * w, 4, 0);
  for (int b = 0; b < blocks; b++)
    for (int j = 0; j < 2; j++)
      {
        char conv[32], nrm[32];
        snprintf (conv, sizeof conv, "res.%d.conv%d", b, j + 1);
        snprintf (nrm, sizeof nrm, "res.%d.norm%d", b, j + 1);
        load_conv (l, &net->res[b][j], prefix, conv, norm ? nrm : NULL,
                   4 * w, 4 * w, 3, 0);
      }
  load_conv (l, &net->up1, prefix, "up1", norm ? "up1_norm" : NULL, 4 * w,
             2 * w, 4, 1);
  load_conv (l, &net->up2, prefix, "up2", norm ? "up2_norm" : NULL, 2 * w,
             w, 4, 1);
  load_conv (l, &net->out_conv, prefix, "out_conv", NULL, w, cout, 7, 0);
}

/* A file with tensors the architecture does not use was written for another
 * architecture (more blocks, other names): refuse it rather than ignore. */
static void
check_unexpected (loader *l)
{
  for (int i = 0; !l->failed && i < mien_weights_count (l->weights); i++)
    {
      const char *name = mien_weights_name (l->weights, i);
      int known = 0;
      for (int j = 0; !known && j < l->n_names; j++)
        known = strcmp (l->names[j], name) == 0;
      if (!known)
        {
          l->failed = 1;
          mien_error_set (l->err, MIEN_ERR_FORMAT,
                          "%s: unexpected tensor %.80s (not part of the "
                          "architecture the metadata describes)", l->origin,
                          name);
        }
    }
}

static void
conv_clear (atw_conv *cv)
{
  mien_tensor_free (cv->filter);
  mien_tensor_free (cv->bias);
  mien_tensor_free (cv->gamma);
  mien_tensor_free (cv->beta);
}

static void
net_clear (atw_net *net)
{
  conv_clear (&net->in_conv);
  conv_clear (&net->down1);
  conv_clear (&net->down2);
  conv_clear (&net->up1);
  conv_clear (&net->up2);
  conv_clear (&net->out_conv);
  for (int b = 0; b < MAX_BLOCKS; b++)
    {
      conv_clear (&net->res[b][0]);
      conv_clear (&net->res[b][1]);
    }
}

/* ---------------------------------------------------------------------- */
/* Forward */

static mien_tensor *
conv_stage (mien_nn *nn, const mien_tensor *x, const atw_conv *cv,
            atw_conv_kind kind, mien_nn_act act)
{
  mien_nn_act conv_act = cv->gamma ? MIEN_NN_NO_ACT : act;
  mien_tensor *y;
  switch (kind)
    {
    case CONV_7X7:
      y = mien_nn_conv2d (nn, x, cv->filter, cv->bias, 1,
                          mien_nn_padding_explicit (3, 3, 3, 3), conv_act);
      break;
    case CONV_DOWN:
      y = mien_nn_conv2d (nn, x, cv->filter, cv->bias, 2,
                          mien_nn_padding_explicit (1, 1, 1, 1), conv_act);
      break;
    case CONV_3X3:
      y = mien_nn_conv2d (nn, x, cv->filter, cv->bias, 1,
                          mien_nn_padding_explicit (1, 1, 1, 1), conv_act);
      break;
    default:
      y = mien_nn_conv2d_transpose (nn, x, cv->filter, cv->bias, 2,
                                    mien_nn_padding_explicit (1, 1, 1, 1),
                                    conv_act);
      break;
    }
  if (cv->gamma == NULL || y == NULL)
    return y;
  mien_tensor *z = mien_nn_instance_norm (nn, y, cv->gamma, cv->beta,
                                          INSTANCE_NORM_EPS, act);
  mien_tensor_free (y);
  return z;
}

/* *h = next, freeing the old value. */
static void
advance (mien_tensor **h, mien_tensor *next)
{
  mien_tensor_free (*h);
  *h = next;
}

static mien_tensor *
res_block (mien_nn *nn, const atw_net *net, int b, const mien_tensor *x)
{
  mien_tensor *t = conv_stage (nn, x, &net->res[b][0], CONV_3X3, net->act);
  advance (&t, conv_stage (nn, t, &net->res[b][1], CONV_3X3, MIEN_NN_NO_ACT));
  mien_tensor *y = mien_nn_add (nn, x, t, MIEN_NN_NO_ACT);
  mien_tensor_free (t);
  return y;
}

/* The encoder-decoder; the result has had tanh applied. */
static mien_tensor *
run_net (mien_nn *nn, const atw_net *net, const mien_tensor *x)
{
  mien_tensor *h = conv_stage (nn, x, &net->in_conv, CONV_7X7, net->act);
  advance (&h, conv_stage (nn, h, &net->down1, CONV_DOWN, net->act));
  advance (&h, conv_stage (nn, h, &net->down2, CONV_DOWN, net->act));
  for (int b = 0; b < net->blocks; b++)
    advance (&h, res_block (nn, net, b, h));
  advance (&h, conv_stage (nn, h, &net->up1, CONV_UP, net->act));
  advance (&h, conv_stage (nn, h, &net->up2, CONV_UP, net->act));
  advance (&h, conv_stage (nn, h, &net->out_conv, CONV_7X7,
                           mien_nn_act_make (MIEN_NN_ACT_TANH, 0.0f)));
  return h;
}

/* τ along one axis of n samples (atw_model.taper). */
static float
taper_at (int i, int n, int zero, int ramp)
{
  int d = i < n - 1 - i ? i : n - 1 - i;
  double t = ((double)d - zero + 1.0) / (ramp + 1.0);
  return (float)(t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t);
}

/* [1, H, W, 3 + d]: 2·I − 1, then c in every pixel. */
static mien_tensor *
network_input (const mien_image *in, const float *c, int d, int with_c,
               mien_error *err)
{
  int C = 3 + (with_c ? d : 0);
  mien_tensor *t = mien_tensor_new_4d (1, in->height, in->width, C, err);
  if (t == NULL)
    return NULL;
  size_t n = (size_t)in->width * in->height;
  for (size_t i = 0; i < n; i++)
    {
      float *dst = t->data + i * C;
      for (int k = 0; k < 3; k++)
        dst[k] = 2.0f * in->data[i * 3 + k] - 1.0f;
      for (int k = 3; k < C; k++)
        dst[k] = c[k - 3];
    }
  return t;
}

/* F = m · motion_scale · τ into out->field; positions x + F into pos. */
static void
write_field (const atw_generator *g, const mien_tensor *m, mien_image *field,
             mien_tensor *pos)
{
  const mien_atw_info *in = &g->info;
  int W = field->width, H = field->height;
  for (int y = 0; y < H; y++)
    {
      float ty = taper_at (y, H, in->taper_zero, in->taper_ramp);
      for (int x = 0; x < W; x++)
        {
          size_t i = ((size_t)y * W + x) * 2;
          float t = taper_at (x, W, in->taper_zero, in->taper_ramp) * ty;
          field->data[i] = m->data[i] * in->motion_scale * t;
          field->data[i + 1] = m->data[i + 1] * in->motion_scale * t;
          pos->data[i] = (float)x + field->data[i];
          pos->data[i + 1] = (float)y + field->data[i + 1];
        }
    }
}

/* O^w = (w + 1)/2; O^r = I + τ·((r + 1)/2 − I), exactly I where τ = 0. */
static void
write_images (const atw_generator *g, const mien_image *input,
              const mien_tensor *w, const mien_tensor *r,
              mien_generator_output *out)
{
  const mien_atw_info *in = &g->info;
  int W = input->width, H = input->height;
  for (int y = 0; y < H; y++)
    {
      float ty = taper_at (y, H, in->taper_zero, in->taper_ramp);
      for (int x = 0; x < W; x++)
        {
          float t = taper_at (x, W, in->taper_zero, in->taper_ramp) * ty;
          size_t i = ((size_t)y * W + x) * 3;
          for (int k = 0; k < 3; k++)
            {
              float I = input->data[i + k];
              out->warped->data[i + k] = 0.5f * (w->data[i + k] + 1.0f);
              out->refined->data[i + k]
                  = t == 0.0f ? I : I + t * (0.5f * (r->data[i + k] + 1.0f) - I);
            }
        }
    }
}

static mien_status
check_run_args (const atw_generator *g, const mien_image *input,
                const mien_generator_output *out, mien_error *err)
{
  if (input->channels != 3 || input->width % 4 || input->height % 4
      || input->width < 8 || input->height < 8)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "ATW generator: input is %d×%d×%d; it needs RGB "
                           "with sides that are multiples of 4 (at least 8)",
                           input->width, input->height, input->channels);
  if (!out->field || !out->warped || !out->refined
      || out->field->width != input->width
      || out->field->height != input->height || out->field->channels != 2
      || !mien_image_same_shape (out->warped, input)
      || !mien_image_same_shape (out->refined, input))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "ATW generator: outputs do not match the input");
  return MIEN_OK;
}

mien_status
mien_atw_generator_run (mien_generator *gen, const mien_image *input,
                        const float *driving, mien_generator_output *out,
                        mien_error *err)
{
  mien_atw_info info;
  if (!mien_atw_generator_get_info (gen, &info) || !input || !driving || !out)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "ATW generator: missing argument");
  atw_generator *g = (atw_generator *)gen;
  mien_status s = check_run_args (g, input, out, err);
  if (s != MIEN_OK)
    return s;
  mien_tensor *x0 = network_input (input, driving, info.n_driving, 1, err);
  mien_tensor *xi = x0 ? network_input (input, NULL, 0, 0, err) : NULL;
  mien_tensor *pos = xi ? mien_tensor_new_4d (1, input->height, input->width,
                                              2, err) : NULL;
  if (pos == NULL)
    {
      mien_tensor_free (x0);
      mien_tensor_free (xi);
      return err ? err->status : MIEN_ERR_NOMEM;
    }
  mien_tensor *m = run_net (g->nn, &g->motion, x0);
  mien_tensor *w = NULL, *r = NULL;
  if (m != NULL)
    {
      write_field (g, m, out->field, pos);
      w = mien_nn_bilinear_sample (g->nn, xi, pos, 1);
      r = run_net (g->nn, &g->refine, w);
    }
  s = mien_nn_take_error (g->nn, err);
  if (s == MIEN_OK)
    write_images (g, input, w, r, out);
  else
    mien_error_prefix (err, "ATW generator");
  mien_tensor_free (x0);
  mien_tensor_free (xi);
  mien_tensor_free (pos);
  mien_tensor_free (m);
  mien_tensor_free (w);
  mien_tensor_free (r);
  return s;
}

/* ---------------------------------------------------------------------- */
/* Driving inputs */

static float
preset_match (const mien_driving *c, mien_expression_preset preset)
{
  mien_driving p;
  mien_driving_init (&p);
  mien_driving_add_preset (&p, preset, 1.0f);
  double dot = 0.0, norm = 0.0;
  for (int a = 0; a < MIEN_AU_N_OPENFACE; a++)
    {
      double pv = 0.5 * (mien_driving_side (&p, a, MIEN_AU_SIDE_LEFT)
                         + mien_driving_side (&p, a, MIEN_AU_SIDE_RIGHT));
      double cv = 0.5 * (mien_driving_side (c, a, MIEN_AU_SIDE_LEFT)
                         + mien_driving_side (c, a, MIEN_AU_SIDE_RIGHT));
      dot += pv * cv;
      norm += pv * pv;
    }
  double k = norm > 0.0 ? dot / norm : 0.0;
  return (float)(k < 0.0 ? 0.0 : k > 1.0 ? 1.0 : k);
}

void
mien_atw_driving_inputs (const mien_atw_info *info, const mien_driving *c,
                         float *inputs)
{
  float best = 0.0f;
  for (int i = 0; i < info->n_driving; i++)
    {
      int ch = info->driving_channel[i];
      float v = 0.0f;
      if (info->driving_kind == MIEN_ATW_DRIVING_AUS)
        v = 0.5f * (mien_driving_side (c, ch, MIEN_AU_SIDE_LEFT)
                    + mien_driving_side (c, ch, MIEN_AU_SIDE_RIGHT));
      else if (ch > MIEN_PRESET_NEUTRAL)
        v = preset_match (c, (mien_expression_preset)ch);
      best = v > best ? v : best;
      inputs[i] = v;
    }
  for (int i = 0; i < info->n_driving; i++)
    {
      if (info->driving_kind == MIEN_ATW_DRIVING_EXPRESSIONS
          && info->driving_channel[i] == MIEN_PRESET_NEUTRAL)
        inputs[i] = 1.0f - best;
      inputs[i] *= info->driving_scale;
    }
}

/* ---------------------------------------------------------------------- */
/* The generator */

static mien_status
atw_generate (mien_generator *gen, const mien_image *input,
              const mien_driving *c,
              const mien_point landmarks[MIEN_N_LANDMARKS],
              mien_generator_output *out, mien_pool *pool, mien_error *err)
{
  /* The network needs no landmarks; it runs on the backend's own pool. */
  atw_generator *g = (atw_generator *)gen;
  float inputs[MIEN_ATW_MAX_DRIVING];
  mien_atw_driving_inputs (&g->info, c, inputs);
  return mien_atw_generator_run (gen, input, inputs, out, err);
}

static void
atw_free (mien_generator *gen)
{
  atw_generator *g = (atw_generator *)gen;
  net_clear (&g->motion);
  net_clear (&g->refine);
  mien_nn_free (g->nn);
  free (g);
}

static const mien_generator_class atw_class = {
  .name = "atw",
  .generate = atw_generate,
  .free = atw_free,
};

int
mien_atw_generator_get_info (const mien_generator *gen, mien_atw_info *info)
{
  if (gen == NULL || gen->klass != &atw_class)
    return 0;
  if (info)
    *info = ((const atw_generator *)gen)->info;
  return 1;
}

static mien_status
load_networks (atw_generator *g, const mien_safetensors *st,
               const char *origin, mien_error *err)
{
  loader *l = calloc (1, sizeof *l);
  if (l == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  const mien_atw_info *in = &g->info;
  l->weights = mien_safetensors_get_weights (st);
  l->origin = origin;
  l->err = err;
  load_net (l, &g->motion, "motion", 3 + in->n_driving, 2, in->motion_width,
            in->motion_blocks, 1);
  load_net (l, &g->refine, "refine", 3, 3, in->refine_width,
            in->refine_blocks, 0);
  check_unexpected (l);
  g->info.n_parameters = l->n_parameters;
  mien_status s = l->failed ? (err ? err->status : MIEN_ERR_FORMAT) : MIEN_OK;
  free (l);
  return s;
}

static mien_generator *
from_safetensors (mien_safetensors *st, const char *origin,
                  mien_nn_backend *backend, mien_error *err)
{
  atw_generator *g = st ? calloc (1, sizeof *g) : NULL;
  mien_status s = g ? MIEN_OK : MIEN_ERR_NOMEM;
  if (st && !g)
    mien_error_set (err, s, "out of memory");
  if (g)
    {
      g->base.klass = &atw_class;
      s = parse_metadata (st, origin, &g->info, err);
      if (s == MIEN_OK)
        s = load_networks (g, st, origin, err);
      if (s == MIEN_OK)
        {
          g->nn = mien_nn_new (backend, err);
          backend = NULL;
          s = g->nn ? MIEN_OK : MIEN_ERR_NOMEM;
        }
    }
  mien_safetensors_free (st);
  if (s != MIEN_OK || g == NULL)
    {
      mien_nn_backend_free (backend);
      if (g)
        atw_free (&g->base);
      return NULL;
    }
  return &g->base;
}

mien_generator *
mien_atw_generator_new_from_memory (const unsigned char *data, size_t size,
                                    const char *origin,
                                    mien_nn_backend *backend, mien_error *err)
{
  return from_safetensors (mien_safetensors_parse (data, size, origin, err),
                           origin, backend, err);
}

mien_generator *
mien_atw_generator_new (const char *path, mien_nn_backend *backend,
                        mien_error *err)
{
  return from_safetensors (mien_safetensors_load (path, err), path, backend,
                           err);
}

mien_generator *
mien_atw_generator_new_from_file (const char *path, mien_error *err)
{
  return mien_atw_generator_new (path, NULL, err);
}
