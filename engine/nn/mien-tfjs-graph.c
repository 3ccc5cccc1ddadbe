/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-tfjs-graph.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mien-json.h"
#include "mien-weights.h"

#define MAX_NODES 100000
#define MAX_INPUTS 64

typedef enum node_kind {
  NODE_CONST,
  NODE_PLACEHOLDER,
  NODE_IDENTITY,
  NODE_CONV2D,
  NODE_DEPTHWISE,
  NODE_ADD,
  NODE_BIAS_ADD,
  NODE_PRELU,
  NODE_ACTIVATION,
  NODE_MAX_POOL,
  NODE_AVG_POOL,
  NODE_PAD,
  NODE_CONCAT,
  NODE_RESHAPE,
  NODE_MUL,
  NODE_ADD_N,
  NODE_RELU6,
  NODE_RESIZE_BILINEAR,
  NODE_CONV_TRANSPOSE,
} node_kind;

/* How a PReLU (x < 0 ? alpha·x : x, per channel) is composed from the
 * runtime's ops, which have no per-channel slope: when every alpha <= 1,
 * x + relu((alpha − 1)·x) (two ops); otherwise x + (1 − alpha)·relu(−x)
 * (three). Both are exact up to one rounding of the product. */
typedef enum prelu_mode {
  PRELU_NONE = 0,
  PRELU_FAST,
  PRELU_GENERAL,
} prelu_mode;

typedef struct node {
  char *name;
  char *op;
  node_kind kind;
  int n_inputs;
  int inputs[MAX_INPUTS]; /* data inputs, node indices */
  const mien_tensor *value; /* Const: owned by the weights */
  /* Convolution and pooling windows. */
  int stride_h, stride_w, kernel_h, kernel_w;
  mien_nn_padding_mode padding;
  int explicit_pads[4]; /* top, bottom, left, right */
  int has_bias;
  mien_nn_act act;
  prelu_mode prelu;
  int prelu_input;
  mien_tensor *prelu_scale; /* FAST: alpha − 1; GENERAL: 1 − alpha */
  mien_tensor *neg_ones;    /* GENERAL: −1 per channel */
  /* Add, AddV2, BiasAdd, Mul with a constant operand that is one value per
   * channel (or one value), flattened to [C] (or [1]); operand_rank is the
   * constant's own rank, which TensorFlow's broadcasting gives the result
   * when it is the larger. NULL for other constants, which broadcast in
   * general when the node runs. */
  mien_tensor *operand;
  int operand_rank;
  int data_input; /* the non-constant operand of such an op */
  /* ResizeBilinear: the size (a constant input) and TF's two flags. */
  int out_h, out_w, align_corners, half_pixel_centers;
  /* Conv2DBackpropInput: its output shape (a constant input). */
  int out_shape[4];
  int pads[MIEN_TENSOR_MAX_RANK][2]; /* Pad */
  int pad_rank;
  int shape_rank; /* Reshape target, or the Placeholder's (-1: any size) */
  int shape[MIEN_TENSOR_MAX_RANK];
} node;

struct mien_tfjs_graph {
  char *origin;
  node *nodes;
  int n_nodes;
  int *order; /* every node, each after its inputs */
  int input;  /* the Placeholder, -1 when there is none */
  mien_weights *weights;
};

/* ---- small helpers ---- */

static char *
dup_string (const char *s)
{
  size_t n = strlen (s) + 1;
  char *d = malloc (n);
  if (d != NULL)
    memcpy (d, s, n);
  return d;
}

/* TensorFlow's JSON writes int64 values as decimal strings, some tools as
 * numbers; both are accepted, nothing else (no locale, no hex, no spaces). */
static int
json_int (const mien_json *v, long long *out)
{
  if (mien_json_get_type (v) == MIEN_JSON_NUMBER)
    {
      double d = mien_json_number (v);
      if (!(d == floor (d) && fabs (d) <= (double)(1 << 30)))
        return 0;
      *out = (long long)d;
      return 1;
    }
  const char *s = mien_json_string (v);
  if (s == NULL || *s == '\0')
    return 0;
  int neg = *s == '-';
  s += neg;
  if (*s == '\0')
    return 0;
  long long r = 0;
  for (; *s; s++)
    {
      if (*s < '0' || *s > '9' || r > (1 << 30))
        return 0;
      r = r * 10 + (*s - '0');
    }
  if (r > (1 << 30))
    return 0;
  *out = neg ? -r : r;
  return 1;
}

static int
base64_value (char c)
{
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Attribute strings are bytes, base64-encoded in the JSON form of the
 * graph. Decodes into buf (NUL-terminated); 0 when malformed or too long. */
static int
base64_decode (const char *in, char *buf, size_t size)
{
  size_t n = 0;
  unsigned acc = 0;
  int bits = 0;
  for (; *in && *in != '='; in++)
    {
      int v = base64_value (*in);
      if (v < 0)
        return 0;
      acc = (acc << 6) | (unsigned)v;
      bits += 6;
      if (bits >= 8)
        {
          bits -= 8;
          if (n + 1 >= size)
            return 0;
          buf[n++] = (char)((acc >> bits) & 0xFF);
        }
    }
  buf[n] = '\0';
  return strlen (buf) == n; /* no NUL inside */
}

static const mien_json *
attr (const mien_json *n, const char *key)
{
  return mien_json_object_get (mien_json_object_get (n, "attr"), key);
}

/* The attribute's string ("s"); 0 when absent, -1 when malformed. */
static int
attr_string (const mien_json *n, const char *key, char *buf, size_t size)
{
  const mien_json *a = attr (n, key);
  if (a == NULL)
    return 0;
  const char *s = mien_json_string (mien_json_object_get (a, "s"));
  if (s == NULL)
    return -1;
  return base64_decode (s, buf, size) ? 1 : -1;
}

/* The attribute's integer list ("list": {"i": [...]}); its length, 0 when
 * absent or empty, -1 when malformed or longer than max. */
static int
attr_int_list (const mien_json *n, const char *key, long long *out, int max)
{
  const mien_json *a = attr (n, key);
  if (a == NULL)
    return 0;
  const mien_json *list = mien_json_object_get (a, "list");
  if (list == NULL)
    return -1;
  const mien_json *items = mien_json_object_get (list, "i");
  size_t len = mien_json_length (items);
  if (len > (size_t)max)
    return -1;
  for (size_t i = 0; i < len; i++)
    if (!json_int (mien_json_array_get (items, i), &out[i]))
      return -1;
  return (int)len;
}

static int
attr_int (const mien_json *n, const char *key, long long *out)
{
  const mien_json *a = attr (n, key);
  return a != NULL && json_int (mien_json_object_get (a, "i"), out);
}

static int
attr_float (const mien_json *n, const char *key, float *out)
{
  const mien_json *f = mien_json_object_get (attr (n, key), "f");
  if (mien_json_get_type (f) != MIEN_JSON_NUMBER)
    return 0;
  *out = (float)mien_json_number (f);
  return 1;
}

/* A boolean attribute ({"b": true}); absent, or present without "b" (the
 * JSON form of a protobuf leaves out default values, and false is one), it
 * is false. 1 with *out set, 0 when "b" is not a boolean. */
static int
attr_bool (const mien_json *n, const char *key, int *out)
{
  const mien_json *b = mien_json_object_get (attr (n, key), "b");
  *out = 0;
  if (b == NULL)
    return 1;
  if (mien_json_get_type (b) != MIEN_JSON_BOOL)
    return 0;
  *out = mien_json_bool (b);
  return 1;
}

/* The element type "T", where it is given, must be float: everything here
 * computes in float32, which would be wrong for int32 arithmetic. */
static int
attr_type_is_float (const mien_json *n)
{
  const mien_json *a = attr (n, "T");
  if (a == NULL)
    return 1;
  const char *t = mien_json_string (mien_json_object_get (a, "type"));
  return t != NULL && strcmp (t, "DT_FLOAT") == 0;
}

/* A "shape" attribute ({"dim": [{"size": "-1"}, ...]}) or a tensorShape. */
static int
parse_shape (const mien_json *shape, int *rank, int *dims)
{
  const mien_json *dim = mien_json_object_get (shape, "dim");
  size_t len = mien_json_length (dim);
  if (len > MIEN_TENSOR_MAX_RANK)
    return 0;
  *rank = (int)len;
  for (size_t i = 0; i < len; i++)
    {
      long long d;
      if (!json_int (mien_json_object_get (mien_json_array_get (dim, i),
                                           "size"), &d)
          || d < -1 || d == 0 || d > (1 << 28))
        return 0;
      dims[i] = (int)d;
    }
  return 1;
}

/* ---- loading ---- */

typedef struct loader {
  mien_tfjs_graph *g;
  const mien_json *json_nodes;
  mien_error *err;
} loader;

static mien_status
node_error (loader *l, const node *n, mien_status status, const char *what)
{
  return mien_error_set (l->err, status, "%s: node %s (%s): %s", l->g->origin,
                         n->name, n->op, what);
}

static int
find_node (const mien_tfjs_graph *g, const char *name, size_t len)
{
  for (int i = 0; i < g->n_nodes; i++)
    if (g->nodes[i].name != NULL && strlen (g->nodes[i].name) == len
        && memcmp (g->nodes[i].name, name, len) == 0)
      return i;
  return -1;
}

/* "name", "name:0": the node's (only) output. Other outputs would belong to
 * multi-output ops, which are not supported. -1 missing, -2 other output. */
static int
resolve_ref (const mien_tfjs_graph *g, const char *ref)
{
  size_t len = strlen (ref);
  const char *colon = strrchr (ref, ':');
  if (colon != NULL)
    {
      long long k = 0;
      const char *p = colon + 1;
      if (*p == '\0')
        return -1;
      for (; *p; p++)
        {
          if (*p < '0' || *p > '9' || k > 1000)
            return -1;
          k = k * 10 + (*p - '0');
        }
      if (k != 0)
        return find_node (g, ref, (size_t)(colon - ref)) >= 0 ? -2 : -1;
      len = (size_t)(colon - ref);
    }
  return find_node (g, ref, len);
}

static const mien_tensor *
const_input (loader *l, const node *n, int i, const char *what)
{
  char msg[256];
  if (i >= n->n_inputs)
    {
      snprintf (msg, sizeof msg, "%s input is missing", what);
      node_error (l, n, MIEN_ERR_FORMAT, msg);
      return NULL;
    }
  const node *src = &l->g->nodes[n->inputs[i]];
  if (src->kind != NODE_CONST)
    {
      snprintf (msg, sizeof msg, "%s (%s) must be a constant", what,
                src->name);
      node_error (l, n, MIEN_ERR_UNSUPPORTED, msg);
      return NULL;
    }
  return src->value;
}

static mien_status
need_inputs (loader *l, const node *n, int min, int max)
{
  if (n->n_inputs >= min && n->n_inputs <= max)
    return MIEN_OK;
  char msg[96];
  snprintf (msg, sizeof msg, "has %d inputs, expected %d%s", n->n_inputs,
            min, max > min ? " or more" : "");
  return node_error (l, n, MIEN_ERR_FORMAT, msg);
}

static mien_status
check_layout (loader *l, node *n, const mien_json *j)
{
  char buf[32];
  int r = attr_string (j, "data_format", buf, sizeof buf);
  if (r < 0 || (r > 0 && strcmp (buf, "NHWC") != 0))
    return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                       "only data_format NHWC is supported");
  long long d[8];
  int nd = attr_int_list (j, "dilations", d, 8);
  if (nd < 0)
    return node_error (l, n, MIEN_ERR_FORMAT, "malformed dilations");
  for (int i = 0; i < nd; i++)
    if (d[i] != 1)
      return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                         "dilated windows are not supported");
  return MIEN_OK;
}

/* strides, padding (and ksize for pooling) of a 2-D window op. */
static mien_status
parse_window (loader *l, node *n, const mien_json *j, int pooling)
{
  if (check_layout (l, n, j))
    return l->err->status;
  long long s[8];
  int ns = attr_int_list (j, "strides", s, 8);
  if (ns != 4 || s[0] != 1 || s[3] != 1 || s[1] < 1 || s[2] < 1
      || s[1] > 1024 || s[2] > 1024)
    return node_error (l, n, MIEN_ERR_FORMAT,
                       "strides must be [1, h, w, 1] with h, w >= 1");
  n->stride_h = (int)s[1];
  n->stride_w = (int)s[2];
  if (pooling)
    {
      int nk = attr_int_list (j, "ksize", s, 8);
      if (nk != 4 || s[0] != 1 || s[3] != 1 || s[1] < 1 || s[2] < 1
          || s[1] > 1024 || s[2] > 1024)
        return node_error (l, n, MIEN_ERR_FORMAT,
                           "ksize must be [1, h, w, 1] with h, w >= 1");
      n->kernel_h = (int)s[1];
      n->kernel_w = (int)s[2];
    }
  char buf[32];
  if (attr_string (j, "padding", buf, sizeof buf) != 1)
    return node_error (l, n, MIEN_ERR_FORMAT, "has no padding");
  if (strcmp (buf, "SAME") == 0)
    n->padding = MIEN_NN_PADDING_SAME;
  else if (strcmp (buf, "VALID") == 0)
    n->padding = MIEN_NN_PADDING_VALID;
  else if (strcmp (buf, "EXPLICIT") == 0 && !pooling)
    {
      /* [N before, N after, H before, H after, W..., C...] */
      long long p[8];
      if (attr_int_list (j, "explicit_paddings", p, 8) != 8 || p[0] || p[1]
          || p[6] || p[7])
        return node_error (l, n, MIEN_ERR_FORMAT,
                           "explicit_paddings must pad H and W only");
      for (int i = 2; i < 6; i++)
        if (p[i] < 0 || p[i] > 1 << 16)
          return node_error (l, n, MIEN_ERR_FORMAT,
                             "explicit_paddings out of range");
      n->padding = MIEN_NN_PADDING_EXPLICIT;
      for (int i = 0; i < 4; i++)
        n->explicit_pads[i] = (int)p[2 + i];
    }
  else
    {
      char msg[96];
      snprintf (msg, sizeof msg, "padding %s is not supported", buf);
      return node_error (l, n, MIEN_ERR_UNSUPPORTED, msg);
    }
  return MIEN_OK;
}

static mien_tensor *
vector_of (loader *l, const node *n, size_t c, mien_error *err)
{
  int dims[1] = { (int)c };
  mien_tensor *t = mien_tensor_new (1, dims, err);
  if (t == NULL)
    node_error (l, n, MIEN_ERR_NOMEM, "out of memory");
  else
    t->constant = 1;
  return t;
}

/* A per-channel constant (shape [C], [1,1,C] ...: every dimension but the
 * last 1) of c channels, or 0 when it is not one. */
static int
is_channel_vector (const mien_tensor *t, size_t *c)
{
  for (int i = 0; i + 1 < t->rank; i++)
    if (t->dims[i] != 1)
      return 0;
  *c = (size_t)t->dims[t->rank - 1];
  return 1;
}

static mien_status
setup_prelu (loader *l, node *n, int input, size_t channels)
{
  const mien_tensor *alpha = const_input (l, n, input, "the PReLU slope");
  if (alpha == NULL)
    return l->err->status;
  size_t c;
  if (!is_channel_vector (alpha, &c) || (channels && c != channels))
    {
      char msg[160], have[64];
      mien_tensor_shape_string (alpha, have, sizeof have);
      snprintf (msg, sizeof msg, "PReLU slope has shape %s, expected one "
                "value per channel (%zu)", have, channels);
      return node_error (l, n, MIEN_ERR_FORMAT, msg);
    }
  int fast = 1;
  for (size_t i = 0; i < c; i++)
    fast &= alpha->data[i] <= 1.0f;
  n->prelu = fast ? PRELU_FAST : PRELU_GENERAL;
  n->prelu_input = input;
  n->prelu_scale = vector_of (l, n, c, l->err);
  if (n->prelu_scale == NULL)
    return l->err->status;
  for (size_t i = 0; i < c; i++)
    n->prelu_scale->data[i] = fast ? alpha->data[i] - 1.0f
                                   : 1.0f - alpha->data[i];
  if (!fast)
    {
      n->neg_ones = vector_of (l, n, c, l->err);
      if (n->neg_ones == NULL)
        return l->err->status;
      for (size_t i = 0; i < c; i++)
        n->neg_ones->data[i] = -1.0f;
    }
  return MIEN_OK;
}

/* An activation named in fused_ops or as an op of its own. */
static int
activation_of (const char *name, const mien_json *j, const char *alpha_key,
               mien_nn_act *act)
{
  if (strcmp (name, "Relu") == 0)
    *act = mien_nn_act_make (MIEN_NN_ACT_RELU, 0.0f);
  else if (strcmp (name, "Elu") == 0)
    *act = mien_nn_act_make (MIEN_NN_ACT_ELU, 1.0f);
  else if (strcmp (name, "Sigmoid") == 0)
    *act = mien_nn_act_make (MIEN_NN_ACT_SIGMOID, 0.0f);
  else if (strcmp (name, "Tanh") == 0)
    *act = mien_nn_act_make (MIEN_NN_ACT_TANH, 0.0f);
  else if (strcmp (name, "LeakyRelu") == 0)
    {
      float a = 0.2f; /* TensorFlow's default */
      attr_float (j, alpha_key, &a);
      *act = mien_nn_act_make (MIEN_NN_ACT_LEAKY_RELU, a);
    }
  else
    return 0;
  return 1;
}

static mien_status
setup_conv (loader *l, node *n, const mien_json *j, int fused)
{
  if (need_inputs (l, n, 2, MAX_INPUTS) || parse_window (l, n, j, 0))
    return l->err->status;
  const mien_tensor *filter = const_input (l, n, 1, "the filter");
  if (filter == NULL)
    return l->err->status;
  if (filter->rank != 4)
    return node_error (l, n, MIEN_ERR_FORMAT, "the filter is not rank 4");
  size_t co = n->kind == NODE_DEPTHWISE
                  ? (size_t)filter->dims[2] * (size_t)filter->dims[3]
                  : (size_t)filter->dims[3];
  n->act = MIEN_NN_NO_ACT;
  if (!fused)
    return need_inputs (l, n, 2, 2);

  /* fused_ops: [] (the convolution alone), [BiasAdd] or [BiasAdd, act];
   * num_args counts the inputs after the filter that they read. */
  const mien_json *list
      = mien_json_object_get (mien_json_object_get (attr (j, "fused_ops"),
                                                    "list"), "s");
  size_t n_ops = mien_json_length (list);
  char ops[2][32] = { "", "" };
  if (n_ops > 2)
    return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                       "more than two fused ops");
  for (size_t i = 0; i < n_ops; i++)
    {
      const char *s = mien_json_string (mien_json_array_get (list, i));
      if (s == NULL || !base64_decode (s, ops[i], sizeof ops[i]))
        return node_error (l, n, MIEN_ERR_FORMAT, "malformed fused_ops");
    }
  long long num_args = 0;
  if (n_ops > 0 && !attr_int (j, "num_args", &num_args))
    return node_error (l, n, MIEN_ERR_FORMAT, "has no num_args");
  if (n_ops > 0 && strcmp (ops[0], "BiasAdd") != 0)
    {
      char msg[96];
      snprintf (msg, sizeof msg, "fused op %s is not supported (only BiasAdd "
                "and an activation)", ops[0]);
      return node_error (l, n, MIEN_ERR_UNSUPPORTED, msg);
    }
  int prelu = n_ops == 2 && strcmp (ops[1], "Prelu") == 0;
  long long want_args = n_ops == 0 ? 0 : prelu ? 2 : 1;
  if (num_args != want_args || n->n_inputs != 2 + want_args)
    return node_error (l, n, MIEN_ERR_FORMAT,
                       "num_args or the number of inputs does not match "
                       "fused_ops");
  if (n_ops >= 1)
    {
      const mien_tensor *bias = const_input (l, n, 2, "the bias");
      if (bias == NULL)
        return l->err->status;
      if (bias->rank != 1 || (size_t)bias->dims[0] != co)
        {
          char msg[160], have[64];
          mien_tensor_shape_string (bias, have, sizeof have);
          snprintf (msg, sizeof msg, "bias has shape %s, expected [%zu]",
                    have, co);
          return node_error (l, n, MIEN_ERR_FORMAT, msg);
        }
      n->has_bias = 1;
    }
  if (prelu)
    return setup_prelu (l, n, 3, co);
  if (n_ops == 2 && !activation_of (ops[1], j, "leakyrelu_alpha", &n->act))
    {
      char msg[96];
      snprintf (msg, sizeof msg, "fused activation %s is not supported",
                ops[1]);
      return node_error (l, n, MIEN_ERR_UNSUPPORTED, msg);
    }
  return MIEN_OK;
}

/* Add, AddV2, BiasAdd and Mul. Two computed operands broadcast as
 * TensorFlow's (checked when the node runs, when their shapes are known).
 * A constant operand of one value per channel, or one value, runs on the
 * runtime's per-channel affine op (a bias, a scale); any other constant
 * broadcasts as a computed operand would. */
static mien_status
setup_binary (loader *l, node *n, const mien_json *j)
{
  if (need_inputs (l, n, 2, 2))
    return l->err->status;
  if (!attr_type_is_float (j))
    return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                       "only float32 (T = DT_FLOAT) is supported");
  const node *a = &l->g->nodes[n->inputs[0]], *b = &l->g->nodes[n->inputs[1]];
  int a_const = a->kind == NODE_CONST, b_const = b->kind == NODE_CONST;
  if (n->kind == NODE_BIAS_ADD)
    {
      char buf[32];
      int r = attr_string (j, "data_format", buf, sizeof buf);
      if (r < 0 || (r > 0 && strcmp (buf, "NHWC") != 0))
        return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                           "only data_format NHWC is supported");
      if (!b_const)
        return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                           "the bias must be a constant");
    }
  if (!a_const && !b_const)
    return MIEN_OK;
  /* The converter folds constant arithmetic away: a node of two constants
   * would be a graph it did not write. */
  if (a_const && b_const)
    return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                       "an op on two constants is not supported");
  const mien_tensor *c = b_const ? b->value : a->value;
  n->data_input = b_const ? 0 : 1;
  size_t channels;
  if (!is_channel_vector (c, &channels))
    {
      if (n->kind == NODE_BIAS_ADD)
        return node_error (l, n, MIEN_ERR_FORMAT,
                           "the bias must have one value per channel");
      return MIEN_OK;
    }
  n->operand = vector_of (l, n, channels, l->err);
  if (n->operand == NULL)
    return l->err->status;
  n->operand_rank = c->rank;
  memcpy (n->operand->data, c->data, channels * sizeof (float));
  return MIEN_OK;
}

/* The integer values of a constant (int32 constants are loaded as floats,
 * which hold them exactly within the range accepted here). */
static mien_status
const_ints (loader *l, const node *n, const mien_tensor *t, int count,
            int min, int max, int *out, const char *what)
{
  char msg[160];
  if (t->rank != 1 || t->dims[0] != count)
    {
      snprintf (msg, sizeof msg, "%s must have %d values", what, count);
      return node_error (l, n, MIEN_ERR_FORMAT, msg);
    }
  for (int i = 0; i < count; i++)
    {
      float v = t->data[i];
      if (!(v >= (float)min && v <= (float)max && v == floorf (v)))
        {
          snprintf (msg, sizeof msg, "%s must hold integers in %d..%d", what,
                    min, max);
          return node_error (l, n, MIEN_ERR_FORMAT, msg);
        }
      out[i] = (int)v;
    }
  return MIEN_OK;
}

/* ResizeBilinear: images, size (a constant [height, width]). */
static mien_status
setup_resize (loader *l, node *n, const mien_json *j)
{
  if (need_inputs (l, n, 2, 2))
    return l->err->status;
  if (!attr_type_is_float (j))
    return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                       "only float32 images are supported");
  const mien_tensor *size = const_input (l, n, 1, "the size");
  int hw[2];
  if (size == NULL
      || const_ints (l, n, size, 2, 1, 1 << 16, hw, "the size"))
    return l->err->status;
  n->out_h = hw[0];
  n->out_w = hw[1];
  if (!attr_bool (j, "align_corners", &n->align_corners)
      || !attr_bool (j, "half_pixel_centers", &n->half_pixel_centers))
    return node_error (l, n, MIEN_ERR_FORMAT,
                       "malformed align_corners or half_pixel_centers");
  /* TensorFlow and TF.js refuse the pair: no mapping is both. */
  if (n->align_corners && n->half_pixel_centers)
    return node_error (l, n, MIEN_ERR_FORMAT,
                       "align_corners and half_pixel_centers are both set");
  return MIEN_OK;
}

/* Conv2DBackpropInput, the transposed convolution: input_sizes (a constant
 * [N, H, W, C], the shape of the result), the filter and the input. Its
 * filter is the forward convolution's, [KH, KW, C of the result, C of the
 * input], the layout of the runtime's transposed convolution; strides and
 * padding are the forward convolution's too. */
static mien_status
setup_conv_transpose (loader *l, node *n, const mien_json *j)
{
  if (need_inputs (l, n, 3, 3) || parse_window (l, n, j, 0))
    return l->err->status;
  if (!attr_type_is_float (j))
    return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                       "only float32 (T = DT_FLOAT) is supported");
  const mien_tensor *sizes = const_input (l, n, 0, "the output shape");
  if (sizes == NULL
      || const_ints (l, n, sizes, 4, 1, 1 << 24, n->out_shape,
                     "the output shape (input_sizes)"))
    return l->err->status;
  const mien_tensor *filter = const_input (l, n, 1, "the filter");
  if (filter == NULL)
    return l->err->status;
  if (filter->rank != 4 || filter->dims[2] != n->out_shape[3])
    {
      char msg[160], have[64];
      mien_tensor_shape_string (filter, have, sizeof have);
      snprintf (msg, sizeof msg, "the filter has shape %s, expected [h, w, "
                "%d, input channels]", have, n->out_shape[3]);
      return node_error (l, n, MIEN_ERR_FORMAT, msg);
    }
  return MIEN_OK;
}

static mien_status
setup_pad (loader *l, node *n)
{
  if (need_inputs (l, n, 2, 2))
    return l->err->status;
  const mien_tensor *p = const_input (l, n, 1, "the paddings");
  if (p == NULL)
    return l->err->status;
  if (p->rank != 2 || p->dims[1] != 2 || p->dims[0] > MIEN_TENSOR_MAX_RANK)
    return node_error (l, n, MIEN_ERR_FORMAT,
                       "paddings must be [rank, 2], rank <= 4");
  n->pad_rank = p->dims[0];
  for (int i = 0; i < n->pad_rank * 2; i++)
    {
      float v = p->data[i];
      if (!(v >= 0 && v <= (float)(1 << 16) && v == floorf (v)))
        return node_error (l, n, MIEN_ERR_FORMAT,
                           "paddings must be non-negative integers");
      n->pads[i / 2][i % 2] = (int)v;
    }
  return MIEN_OK;
}

static mien_status
setup_reshape (loader *l, node *n)
{
  if (need_inputs (l, n, 2, 2))
    return l->err->status;
  const mien_tensor *s = const_input (l, n, 1, "the shape");
  if (s == NULL)
    return l->err->status;
  if (s->rank != 1 || s->dims[0] > MIEN_TENSOR_MAX_RANK)
    return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                       "the target shape must have rank <= 4");
  int unknown = 0;
  n->shape_rank = s->dims[0];
  for (int i = 0; i < n->shape_rank; i++)
    {
      float v = s->data[i];
      if (!(v == floorf (v) && (v == -1 || (v >= 1 && v <= (1 << 28))))
          || (v == -1 && unknown++))
        return node_error (l, n, MIEN_ERR_FORMAT,
                           "the target shape must hold sizes >= 1 and at "
                           "most one -1");
      n->shape[i] = (int)v;
    }
  return MIEN_OK;
}

static mien_status
setup_const (loader *l, node *n, const mien_json *j)
{
  n->value = mien_weights_find (l->g->weights, n->name);
  if (n->value == NULL)
    return node_error (l, n, MIEN_ERR_FORMAT,
                       "its value is missing from the weights");
  /* The graph states the constant's shape too: both must agree. */
  const mien_json *shape
      = mien_json_object_get (mien_json_object_get (attr (j, "value"),
                                                    "tensor"), "tensorShape");
  if (shape == NULL)
    return MIEN_OK;
  int rank, dims[MIEN_TENSOR_MAX_RANK];
  if (!parse_shape (shape, &rank, dims))
    return node_error (l, n, MIEN_ERR_FORMAT, "malformed tensorShape");
  const mien_tensor *v = n->value;
  int same = rank == 0 ? v->rank == 1 && v->dims[0] == 1 : v->rank == rank;
  for (int i = 0; same && i < rank; i++)
    same = dims[i] == v->dims[i];
  if (!same)
    {
      char msg[160], have[64];
      mien_tensor_shape_string (v, have, sizeof have);
      snprintf (msg, sizeof msg, "the weights hold shape %s, unlike the "
                "graph's", have);
      return node_error (l, n, MIEN_ERR_FORMAT, msg);
    }
  return MIEN_OK;
}

static mien_status
setup_node (loader *l, node *n, const mien_json *j)
{
  switch (n->kind)
    {
    case NODE_CONST:
      return setup_const (l, n, j);
    case NODE_PLACEHOLDER:
      {
        const mien_json *shape = mien_json_object_get (attr (j, "shape"),
                                                       "shape");
        n->shape_rank = -1; /* any */
        if (shape != NULL && !mien_json_bool (mien_json_object_get (
                                 shape, "unknownRank"))
            && !parse_shape (shape, &n->shape_rank, n->shape))
          return node_error (l, n, MIEN_ERR_FORMAT, "malformed shape");
        if (l->g->input >= 0)
          return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                             "graphs with more than one input are not "
                             "supported");
        l->g->input = (int)(n - l->g->nodes);
        return need_inputs (l, n, 0, 0);
      }
    case NODE_IDENTITY:
      return need_inputs (l, n, 1, 1);
    case NODE_CONV2D:
    case NODE_DEPTHWISE:
      return setup_conv (l, n, j, n->op[0] == '_' || n->op[0] == 'F');
    case NODE_ADD:
    case NODE_BIAS_ADD:
    case NODE_MUL:
      return setup_binary (l, n, j);
    case NODE_ADD_N:
      {
        if (need_inputs (l, n, 1, MAX_INPUTS))
          return l->err->status;
        if (!attr_type_is_float (j))
          return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                             "only float32 (T = DT_FLOAT) is supported");
        long long count;
        if (attr_int (j, "N", &count) && count != n->n_inputs)
          return node_error (l, n, MIEN_ERR_FORMAT,
                             "N does not match the inputs");
        return MIEN_OK;
      }
    case NODE_RELU6:
      if (!attr_type_is_float (j))
        return node_error (l, n, MIEN_ERR_UNSUPPORTED,
                           "only float32 (T = DT_FLOAT) is supported");
      return need_inputs (l, n, 1, 1);
    case NODE_RESIZE_BILINEAR:
      return setup_resize (l, n, j);
    case NODE_CONV_TRANSPOSE:
      return setup_conv_transpose (l, n, j);
    case NODE_PRELU:
      if (need_inputs (l, n, 2, 2))
        return l->err->status;
      return setup_prelu (l, n, 1, 0);
    case NODE_ACTIVATION:
      if (!activation_of (n->op, j, "alpha", &n->act))
        return node_error (l, n, MIEN_ERR_UNSUPPORTED, "unknown activation");
      return need_inputs (l, n, 1, 1);
    case NODE_MAX_POOL:
    case NODE_AVG_POOL:
      if (need_inputs (l, n, 1, 1))
        return l->err->status;
      return parse_window (l, n, j, 1);
    case NODE_PAD:
      return setup_pad (l, n);
    case NODE_CONCAT:
      {
        if (need_inputs (l, n, 2, MAX_INPUTS))
          return l->err->status;
        long long count;
        if (attr_int (j, "N", &count) && count != n->n_inputs - 1)
          return node_error (l, n, MIEN_ERR_FORMAT,
                             "N does not match the inputs");
        const mien_tensor *axis = const_input (l, n, n->n_inputs - 1,
                                               "the axis");
        if (axis == NULL)
          return l->err->status;
        if (mien_tensor_n_elements (axis) != 1)
          return node_error (l, n, MIEN_ERR_FORMAT,
                             "the axis is not a scalar");
        return MIEN_OK;
      }
    case NODE_RESHAPE:
      return setup_reshape (l, n);
    }
  return MIEN_OK;
}

static const struct
{
  const char *op;
  node_kind kind;
} op_table[] = {
  { "Const", NODE_CONST },
  { "Placeholder", NODE_PLACEHOLDER },
  { "Identity", NODE_IDENTITY },
  { "Conv2D", NODE_CONV2D },
  { "_FusedConv2D", NODE_CONV2D },
  { "DepthwiseConv2dNative", NODE_DEPTHWISE },
  { "FusedDepthwiseConv2dNative", NODE_DEPTHWISE },
  { "Add", NODE_ADD },
  { "AddV2", NODE_ADD },
  { "BiasAdd", NODE_BIAS_ADD },
  { "Mul", NODE_MUL },
  { "AddN", NODE_ADD_N },
  { "Prelu", NODE_PRELU },
  { "Relu", NODE_ACTIVATION },
  { "Relu6", NODE_RELU6 },
  { "Elu", NODE_ACTIVATION },
  { "Sigmoid", NODE_ACTIVATION },
  { "Tanh", NODE_ACTIVATION },
  { "LeakyRelu", NODE_ACTIVATION },
  { "MaxPool", NODE_MAX_POOL },
  { "AvgPool", NODE_AVG_POOL },
  { "Pad", NODE_PAD },
  { "ConcatV2", NODE_CONCAT },
  { "Reshape", NODE_RESHAPE },
  { "ResizeBilinear", NODE_RESIZE_BILINEAR },
  { "Conv2DBackpropInput", NODE_CONV_TRANSPOSE },
};

static mien_status
read_nodes (loader *l)
{
  mien_tfjs_graph *g = l->g;
  size_t count = mien_json_length (l->json_nodes);
  if (mien_json_get_type (l->json_nodes) != MIEN_JSON_ARRAY || count == 0
      || count > MAX_NODES)
    return mien_error_set (l->err, MIEN_ERR_FORMAT, "%s: modelTopology has "
                           "no node list", g->origin);
  g->nodes = calloc (count, sizeof *g->nodes);
  if (g->nodes == NULL)
    return mien_error_set (l->err, MIEN_ERR_NOMEM, "out of memory");
  g->n_nodes = (int)count;
  /* Names and ops first, so that inputs may refer to later nodes. */
  for (int i = 0; i < g->n_nodes; i++)
    {
      const mien_json *j = mien_json_array_get (l->json_nodes, (size_t)i);
      const char *name = mien_json_string (mien_json_object_get (j, "name"));
      const char *op = mien_json_string (mien_json_object_get (j, "op"));
      if (name == NULL || name[0] == '\0' || op == NULL)
        return mien_error_set (l->err, MIEN_ERR_FORMAT, "%s: node %d has no "
                               "name or op", g->origin, i);
      if (find_node (g, name, strlen (name)) >= 0)
        return mien_error_set (l->err, MIEN_ERR_FORMAT, "%s: node %s is "
                               "declared twice", g->origin, name);
      node *n = &g->nodes[i];
      if ((n->name = dup_string (name)) == NULL
          || (n->op = dup_string (op)) == NULL)
        return mien_error_set (l->err, MIEN_ERR_NOMEM, "out of memory");
      size_t k;
      for (k = 0; k < sizeof op_table / sizeof op_table[0]; k++)
        if (strcmp (op_table[k].op, op) == 0)
          break;
      if (k == sizeof op_table / sizeof op_table[0])
        return mien_error_set (l->err, MIEN_ERR_UNSUPPORTED,
                               "%s: node %s uses op %s, which is not "
                               "supported", g->origin, name, op);
      n->kind = op_table[k].kind;
    }
  for (int i = 0; i < g->n_nodes; i++)
    {
      const mien_json *j = mien_json_array_get (l->json_nodes, (size_t)i);
      const mien_json *inputs = mien_json_object_get (j, "input");
      node *n = &g->nodes[i];
      for (size_t k = 0; k < mien_json_length (inputs); k++)
        {
          const char *ref = mien_json_string (mien_json_array_get (inputs,
                                                                   k));
          if (ref == NULL)
            return node_error (l, n, MIEN_ERR_FORMAT, "malformed input");
          /* Control dependencies order side effects, which an inference
           * graph's nodes do not have. */
          if (ref[0] == '^')
            continue;
          if (n->n_inputs == MAX_INPUTS)
            return node_error (l, n, MIEN_ERR_UNSUPPORTED, "too many inputs");
          int src = resolve_ref (g, ref);
          if (src < 0)
            {
              char msg[320];
              snprintf (msg, sizeof msg, src == -2 ? "input %.200s: only "
                        "single-output ops are supported" : "input %.200s is "
                        "not in the graph", ref);
              return node_error (l, n, MIEN_ERR_FORMAT, msg);
            }
          n->inputs[n->n_inputs++] = src;
        }
    }
  g->input = -1;
  for (int i = 0; i < g->n_nodes; i++)
    if (setup_node (l, &g->nodes[i],
                    mien_json_array_get (l->json_nodes, (size_t)i)))
      return l->err->status;
  return MIEN_OK;
}

/* Kahn's algorithm: the JSON order need not be topological. */
static mien_status
sort_nodes (loader *l)
{
  mien_tfjs_graph *g = l->g;
  int n = g->n_nodes;
  size_t count = n > 0 ? (size_t)n : 1; /* read_nodes refused 0 */
  int *pending = calloc (count, sizeof *pending);
  int *n_users = calloc (count + 1, sizeof *n_users);
  int *users = NULL;
  g->order = calloc (count, sizeof *g->order);
  mien_status s = MIEN_OK;
  if (pending == NULL || n_users == NULL || g->order == NULL)
    s = mien_error_set (l->err, MIEN_ERR_NOMEM, "out of memory");
  /* users of node i: users[n_users[i] .. n_users[i + 1]) */
  size_t edges = 0;
  for (int i = 0; s == MIEN_OK && i < n; i++)
    {
      pending[i] = g->nodes[i].n_inputs;
      edges += (size_t)g->nodes[i].n_inputs;
      for (int k = 0; k < g->nodes[i].n_inputs; k++)
        n_users[g->nodes[i].inputs[k] + 1]++;
    }
  if (s == MIEN_OK
      && (users = calloc (edges ? edges : 1, sizeof *users)) == NULL)
    s = mien_error_set (l->err, MIEN_ERR_NOMEM, "out of memory");
  if (s == MIEN_OK)
    {
      for (int i = 0; i < n; i++)
        n_users[i + 1] += n_users[i];
      int *fill = calloc (count, sizeof *fill);
      if (fill == NULL)
        s = mien_error_set (l->err, MIEN_ERR_NOMEM, "out of memory");
      for (int i = 0; s == MIEN_OK && i < n; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
          {
            int src = g->nodes[i].inputs[k];
            users[n_users[src] + fill[src]++] = i;
          }
      free (fill);
    }
  int done = 0;
  for (int i = 0; s == MIEN_OK && i < n; i++)
    if (pending[i] == 0)
      g->order[done++] = i;
  for (int head = 0; s == MIEN_OK && head < done; head++)
    {
      int i = g->order[head];
      for (int u = n_users[i]; u < n_users[i + 1]; u++)
        if (--pending[users[u]] == 0)
          g->order[done++] = users[u];
    }
  if (s == MIEN_OK && done != n)
    s = mien_error_set (l->err, MIEN_ERR_FORMAT, "%s: the graph has a "
                        "cycle", g->origin);
  free (pending);
  free (n_users);
  free (users);
  return s;
}

mien_tfjs_graph *
mien_tfjs_graph_load (const char *path, mien_error *err)
{
  unsigned char *raw = NULL;
  size_t size = 0;
  if (mien_weights_read_file (path, MIEN_JSON_MAX_SIZE, &raw, &size, err)
      != MIEN_OK)
    return NULL;
  char *text = (char *)raw;
  mien_json *root = mien_json_parse (text, size, err);
  free (text);
  if (root == NULL)
    {
      mien_error_prefix (err, "%s", path);
      return NULL;
    }
  mien_tfjs_graph *g = calloc (1, sizeof *g);
  mien_status s = MIEN_OK;
  if (g == NULL || (g->origin = dup_string (path)) == NULL)
    s = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  const char *format = mien_json_string (mien_json_object_get (root,
                                                               "format"));
  if (s == MIEN_OK && format != NULL && strcmp (format, "graph-model") != 0)
    s = mien_error_set (err, MIEN_ERR_UNSUPPORTED, "%s: format %s, not a "
                        "TensorFlow.js graph model", path, format);
  const mien_json *manifest = mien_json_object_get (root, "weightsManifest");
  if (s == MIEN_OK && manifest == NULL)
    s = mien_error_set (err, MIEN_ERR_FORMAT, "%s: no weightsManifest",
                        path);
  if (s == MIEN_OK
      && (g->weights = mien_weights_load_tfjs_json (manifest, path, err))
             == NULL)
    s = err ? err->status : MIEN_ERR_FORMAT;
  if (s == MIEN_OK)
    {
      mien_error local;
      loader l = { g, mien_json_object_get (mien_json_object_get (
                          root, "modelTopology"), "node"),
                   err ? err : &local };
      s = read_nodes (&l);
      if (s == MIEN_OK)
        s = sort_nodes (&l);
    }
  mien_json_free (root);
  if (s != MIEN_OK)
    {
      mien_tfjs_graph_free (g);
      return NULL;
    }
  return g;
}

void
mien_tfjs_graph_free (mien_tfjs_graph *g)
{
  if (g == NULL)
    return;
  for (int i = 0; i < g->n_nodes; i++)
    {
      node *n = &g->nodes[i];
      free (n->name);
      free (n->op);
      mien_tensor_free (n->prelu_scale);
      mien_tensor_free (n->neg_ones);
      mien_tensor_free (n->operand);
    }
  free (g->nodes);
  free (g->order);
  mien_weights_free (g->weights);
  free (g->origin);
  free (g);
}

const char *
mien_tfjs_graph_input_name (const mien_tfjs_graph *g)
{
  return g->input >= 0 ? g->nodes[g->input].name : NULL;
}

int
mien_tfjs_graph_input_shape (const mien_tfjs_graph *g,
                             int dims[MIEN_TENSOR_MAX_RANK])
{
  if (g->input < 0)
    return -1;
  const node *n = &g->nodes[g->input];
  for (int i = 0; i < n->shape_rank; i++)
    dims[i] = n->shape[i];
  return n->shape_rank;
}

/* ---- running ---- */

static void
set_window (const node *n, const mien_tensor *x, int kh, int kw,
            mien_nn_op *op)
{
  mien_nn_op_params *p = &op->params;
  p->stride_h = n->stride_h;
  p->stride_w = n->stride_w;
  if (n->padding == MIEN_NN_PADDING_EXPLICIT)
    {
      p->pad_top = n->explicit_pads[0];
      p->pad_bottom = n->explicit_pads[1];
      p->pad_left = n->explicit_pads[2];
      p->pad_right = n->explicit_pads[3];
    }
  else if (n->padding == MIEN_NN_PADDING_SAME && x->rank == 4)
    {
      mien_nn_same_padding (x->dims[1], kh, n->stride_h, &p->pad_top,
                            &p->pad_bottom);
      mien_nn_same_padding (x->dims[2], kw, n->stride_w, &p->pad_left,
                            &p->pad_right);
    }
}

static mien_tensor *
apply_prelu (mien_nn *nn, const node *n, const mien_tensor *x)
{
  mien_tensor *t;
  if (n->prelu == PRELU_FAST)
    t = mien_nn_channel_affine (nn, x, n->prelu_scale, NULL, MIEN_NN_RELU);
  else
    {
      mien_tensor *r = mien_nn_channel_affine (nn, x, n->neg_ones, NULL,
                                               MIEN_NN_RELU);
      t = mien_nn_channel_affine (nn, r, n->prelu_scale, NULL,
                                  MIEN_NN_NO_ACT);
      mien_tensor_free (r);
    }
  mien_tensor *y = mien_nn_add (nn, x, t, MIEN_NN_NO_ACT);
  mien_tensor_free (t);
  return y;
}

static mien_tensor *
run_reshape (mien_nn *nn, const node *n, const mien_tensor *x)
{
  size_t total = mien_tensor_n_elements (x), known = 1;
  int dims[MIEN_TENSOR_MAX_RANK], unknown = -1;
  for (int i = 0; i < n->shape_rank; i++)
    {
      dims[i] = n->shape[i];
      if (dims[i] == -1)
        unknown = i;
      else
        known *= (size_t)dims[i];
    }
  if (unknown >= 0 && known > 0 && total % known == 0)
    dims[unknown] = (int)(total / known);
  else if (unknown >= 0)
    known = 0;
  size_t have = 1;
  for (int i = 0; i < n->shape_rank; i++)
    have *= (size_t)dims[i];
  if (known == 0 || have != total || n->shape_rank == 0)
    {
      mien_error e;
      char in[64];
      mien_tensor_shape_string (x, in, sizeof in);
      mien_error_set (&e, MIEN_ERR_INVALID, "cannot reshape %s to the "
                      "target shape", in);
      mien_nn_fail (nn, &e);
      return NULL;
    }
  mien_error e;
  mien_tensor *y = mien_tensor_copy (x, &e);
  if (y == NULL)
    {
      mien_nn_fail (nn, &e);
      return NULL;
    }
  /* Row-major data does not move: only the shape changes. */
  y->rank = n->shape_rank;
  memcpy (y->dims, dims, sizeof dims);
  return y;
}

static mien_tensor *
run_concat (mien_nn *nn, const mien_tfjs_graph *g, const node *n,
            const mien_tensor *const *values)
{
  const mien_tensor *first = values[n->inputs[0]];
  int axis = (int)g->nodes[n->inputs[n->n_inputs - 1]].value->data[0];
  if (axis < 0)
    axis += first->rank;
  mien_tensor *acc = NULL;
  for (int k = 1; k < n->n_inputs - 1; k++)
    {
      mien_tensor *next = mien_nn_concat (nn, acc ? acc : first,
                                          values[n->inputs[k]], axis);
      mien_tensor_free (acc);
      acc = next;
      if (acc == NULL)
        return NULL;
    }
  if (acc == NULL) /* one input */
    {
      mien_error e;
      if ((acc = mien_tensor_copy (first, &e)) == NULL)
        mien_nn_fail (nn, &e);
    }
  return acc;
}

static void
fail_with (mien_nn *nn, mien_status status, const char *message)
{
  mien_error e;
  mien_error_set (&e, status, "%s", message);
  mien_nn_fail (nn, &e);
}

/* The tensor's values on the host. Ops' results are current there unless
 * the context was made lazy; then a backend's newer copy comes back here,
 * as mien_tensor_copy fetches it. */
static const float *
host_values (mien_nn *nn, const mien_tensor *t)
{
  mien_error e;
  const float *p = mien_tensor_host ((mien_tensor *)t, &e);
  if (p == NULL)
    mien_nn_fail (nn, &e);
  return p;
}

/* One row of a broadcast: n values, a and b read with the given strides
 * (0 for an axis that broadcasts). The contiguous case as its own loop so
 * that it vectorizes. */
static void
combine_row (float *out, const float *a, size_t sa, const float *b,
             size_t sb, int n, int mul)
{
  if (sa == 1 && sb == 1)
    {
      if (mul)
        for (int i = 0; i < n; i++)
          out[i] = a[i] * b[i];
      else
        for (int i = 0; i < n; i++)
          out[i] = a[i] + b[i];
      return;
    }
  if (mul)
    for (int i = 0; i < n; i++)
      out[i] = a[(size_t)i * sa] * b[(size_t)i * sb];
  else
    for (int i = 0; i < n; i++)
      out[i] = a[(size_t)i * sa] + b[(size_t)i * sb];
}

/* a + b or a · b with TensorFlow's broadcasting: shapes aligned at their
 * last axis, each axis equal in both or 1 in one of them, the result of the
 * larger rank. On the host: the runtime adds equal shapes only and has no
 * elementwise product. These are cheap next to the convolutions around
 * them (a 128×128×16 product is 0.26 M multiplications). */
static mien_tensor *
run_broadcast (mien_nn *nn, const mien_tensor *a, const mien_tensor *b,
               int mul)
{
  int rank = a->rank > b->rank ? a->rank : b->rank;
  int dims[MIEN_TENSOR_MAX_RANK];
  /* As rank 4, missing leading axes of size 1. */
  int d4[4] = { 1, 1, 1, 1 };
  size_t sa[4] = { 0, 0, 0, 0 }, sb[4] = { 0, 0, 0, 0 };
  size_t step_a = 1, step_b = 1;
  for (int k = 0; k < rank; k++) /* k-th axis from the end */
    {
      int da = k < a->rank ? a->dims[a->rank - 1 - k] : 1;
      int db = k < b->rank ? b->dims[b->rank - 1 - k] : 1;
      if (da != db && da != 1 && db != 1)
        {
          char msg[160], sha[64], shb[64];
          mien_tensor_shape_string (a, sha, sizeof sha);
          mien_tensor_shape_string (b, shb, sizeof shb);
          snprintf (msg, sizeof msg, "shapes %s and %s do not broadcast",
                    sha, shb);
          fail_with (nn, MIEN_ERR_INVALID, msg);
          return NULL;
        }
      dims[rank - 1 - k] = da > db ? da : db;
      d4[3 - k] = dims[rank - 1 - k];
      sa[3 - k] = da == 1 ? 0 : step_a;
      sb[3 - k] = db == 1 ? 0 : step_b;
      step_a *= (size_t)da;
      step_b *= (size_t)db;
    }
  const float *pa = host_values (nn, a), *pb = host_values (nn, b);
  if (pa == NULL || pb == NULL)
    return NULL;
  mien_error e;
  mien_tensor *y = mien_tensor_new (rank, dims, &e);
  if (y == NULL)
    {
      mien_nn_fail (nn, &e);
      return NULL;
    }
  float *out = y->data;
  for (int i0 = 0; i0 < d4[0]; i0++)
    for (int i1 = 0; i1 < d4[1]; i1++)
      for (int i2 = 0; i2 < d4[2]; i2++, out += d4[3])
        combine_row (out, pa + i0 * sa[0] + i1 * sa[1] + i2 * sa[2], sa[3],
                     pb + i0 * sb[0] + i1 * sb[1] + i2 * sb[2], sb[3], d4[3],
                     mul);
  return y;
}

/* Add, AddV2, BiasAdd, Mul. */
static mien_tensor *
run_binary (mien_nn *nn, const node *n, const mien_tensor *const *values)
{
  const mien_tensor *a = values[n->inputs[0]], *b = values[n->inputs[1]];
  int mul = n->kind == NODE_MUL;
  if (n->operand != NULL)
    {
      const mien_tensor *x = values[n->inputs[n->data_input]];
      int c = x->dims[x->rank - 1], k = n->operand->dims[0];
      /* The per-channel op keeps x's shape: right unless the constant has
       * the larger rank, which broadcasting would give the result. */
      if (x->rank >= n->operand_rank
          && (k == c || (k == 1 && n->kind != NODE_BIAS_ADD)))
        {
          const mien_tensor *v = n->operand;
          mien_tensor *wide = NULL;
          if (k != c) /* one value for every channel */
            {
              mien_error e;
              int d[1] = { c };
              if ((wide = mien_tensor_new (1, d, &e)) == NULL)
                {
                  mien_nn_fail (nn, &e);
                  return NULL;
                }
              for (int i = 0; i < c; i++)
                wide->data[i] = v->data[0];
              v = wide;
            }
          mien_tensor *y = mien_nn_channel_affine (nn, x, mul ? v : NULL,
                                                   mul ? NULL : v,
                                                   MIEN_NN_NO_ACT);
          mien_tensor_free (wide);
          return y;
        }
      if (n->kind == NODE_BIAS_ADD)
        {
          char msg[96];
          snprintf (msg, sizeof msg, "the bias has %d values, the input %d "
                    "channels", k, c);
          fail_with (nn, MIEN_ERR_INVALID, msg);
          return NULL;
        }
    }
  if (!mul && mien_tensor_same_shape (a, b))
    return mien_nn_add (nn, a, b, MIEN_NN_NO_ACT);
  return run_broadcast (nn, a, b, mul);
}

/* AddN: equal shapes (TensorFlow does not broadcast here), summed in input
 * order as TF.js does. */
static mien_tensor *
run_add_n (mien_nn *nn, const node *n, const mien_tensor *const *values)
{
  const mien_tensor *first = values[n->inputs[0]];
  mien_tensor *acc = NULL;
  for (int k = 1; k < n->n_inputs; k++)
    {
      mien_tensor *next = mien_nn_add (nn, acc ? acc : first,
                                       values[n->inputs[k]], MIEN_NN_NO_ACT);
      mien_tensor_free (acc);
      if ((acc = next) == NULL)
        return NULL;
    }
  if (acc == NULL) /* one input */
    {
      mien_error e;
      if ((acc = mien_tensor_copy (first, &e)) == NULL)
        mien_nn_fail (nn, &e);
    }
  return acc;
}

/* min(max(x, 0), 6), which the runtime's activations do not include. NaN
 * stays NaN, as in TF.js (Math.min (Math.max (0, x), 6)). */
static mien_tensor *
run_relu6 (mien_nn *nn, const mien_tensor *x)
{
  mien_error e;
  mien_tensor *y = mien_tensor_copy (x, &e);
  if (y == NULL)
    {
      mien_nn_fail (nn, &e);
      return NULL;
    }
  size_t count = mien_tensor_n_elements (y);
  for (size_t i = 0; i < count; i++)
    {
      float v = y->data[i];
      y->data[i] = v < 0.0f ? 0.0f : v > 6.0f ? 6.0f : v;
    }
  return y;
}

/* One spatial axis of a transposed convolution with output size out from
 * in samples: the forward convolution's padding (before, after), which the
 * runtime's op crops from its full output of (in − 1)·stride + kernel.
 * *after < 0 where that full output is shorter than out (VALID with a
 * stride that leaves a remainder, SAME with a stride above the kernel):
 * those last samples get nothing from the input and are zero, as in TF.
 * 0 when in is not the forward convolution's output size for out, which
 * TensorFlow refuses too. */
static int
transpose_axis (const node *n, int axis, int out, int in, int kernel,
                int stride, int *before, int *after)
{
  int b = 0, a = 0, forward;
  if (n->padding == MIEN_NN_PADDING_SAME)
    {
      mien_nn_same_padding (out, kernel, stride, &b, &a);
      forward = (out + stride - 1) / stride;
    }
  else
    {
      if (n->padding == MIEN_NN_PADDING_EXPLICIT)
        {
          b = n->explicit_pads[2 * axis];
          a = n->explicit_pads[2 * axis + 1];
        }
      long span = (long)out + b + a - kernel;
      forward = span >= 0 ? (int)(span / stride) + 1 : 0;
    }
  if (forward != in)
    return 0;
  long full = (long)(in - 1) * stride + kernel;
  *before = b;
  *after = (int)(full - b - out);
  return 1;
}

static mien_tensor *
run_conv_transpose (mien_nn *nn, const node *n,
                    const mien_tensor *const *values)
{
  const mien_tensor *filter = values[n->inputs[1]];
  const mien_tensor *x = values[n->inputs[2]];
  const int *os = n->out_shape;
  mien_nn_op op = { .type = MIEN_NN_OP_CONV2D_TRANSPOSE,
                    .src = { x, filter, NULL } };
  mien_nn_op_params *p = &op.params;
  p->stride_h = n->stride_h;
  p->stride_w = n->stride_w;
  int after_h = 0, after_w = 0;
  if (x->rank != 4 || x->dims[0] != os[0]
      || !transpose_axis (n, 0, os[1], x->dims[1], filter->dims[0],
                          n->stride_h, &p->pad_top, &after_h)
      || !transpose_axis (n, 1, os[2], x->dims[2], filter->dims[1],
                          n->stride_w, &p->pad_left, &after_w))
    {
      char msg[192], have[64];
      mien_tensor_shape_string (x, have, sizeof have);
      snprintf (msg, sizeof msg, "the input has shape %s, not the forward "
                "convolution's output for [%d,%d,%d,%d]", have, os[0], os[1],
                os[2], os[3]);
      fail_with (nn, MIEN_ERR_INVALID, msg);
      return NULL;
    }
  p->pad_bottom = after_h > 0 ? after_h : 0;
  p->pad_right = after_w > 0 ? after_w : 0;
  mien_tensor *y = mien_nn_run (nn, &op);
  if (y == NULL || (after_h >= 0 && after_w >= 0))
    return y;
  int pads[MIEN_TENSOR_MAX_RANK][2] = { { 0, 0 },
                                        { 0, after_h < 0 ? -after_h : 0 },
                                        { 0, after_w < 0 ? -after_w : 0 },
                                        { 0, 0 } };
  mien_tensor *z = mien_nn_pad (nn, y, (const int (*)[2])pads, 0.0f);
  mien_tensor_free (y);
  return z;
}

/* Runs one node; its result is new (the caller owns it) except for Const
 * and Placeholder, which *owned says. */
static mien_tensor *
run_node (mien_tfjs_graph *g, mien_nn *nn, const node *n,
          const mien_tensor *const *values, const mien_tensor *input,
          int *owned)
{
  const mien_tensor *x = n->n_inputs > 0 ? values[n->inputs[0]] : NULL;
  *owned = 1;
  switch (n->kind)
    {
    case NODE_CONST:
      *owned = 0;
      return (mien_tensor *)n->value;
    case NODE_PLACEHOLDER:
      *owned = 0;
      return (mien_tensor *)input;
    case NODE_IDENTITY:
      {
        mien_error e;
        mien_tensor *y = mien_tensor_copy (x, &e);
        if (y == NULL)
          mien_nn_fail (nn, &e);
        return y;
      }
    case NODE_CONV2D:
    case NODE_DEPTHWISE:
      {
        const mien_tensor *filter = values[n->inputs[1]];
        mien_nn_op op = { .type = n->kind == NODE_CONV2D
                                      ? MIEN_NN_OP_CONV2D
                                      : MIEN_NN_OP_DEPTHWISE_CONV2D,
                          .src = { x, filter,
                                   n->has_bias ? values[n->inputs[2]]
                                               : NULL } };
        set_window (n, x, filter->dims[0], filter->dims[1], &op);
        op.params.act = n->act;
        mien_tensor *y = mien_nn_run (nn, &op);
        if (n->prelu == PRELU_NONE || y == NULL)
          return y;
        mien_tensor *z = apply_prelu (nn, n, y);
        mien_tensor_free (y);
        return z;
      }
    case NODE_ADD:
    case NODE_BIAS_ADD:
    case NODE_MUL:
      return run_binary (nn, n, values);
    case NODE_ADD_N:
      return run_add_n (nn, n, values);
    case NODE_RELU6:
      return run_relu6 (nn, x);
    case NODE_RESIZE_BILINEAR:
      return mien_nn_resize_bilinear (nn, x, n->out_h, n->out_w,
                                      n->align_corners,
                                      n->half_pixel_centers);
    case NODE_CONV_TRANSPOSE:
      return run_conv_transpose (nn, n, values);
    case NODE_PRELU:
      return apply_prelu (nn, n, x);
    case NODE_ACTIVATION:
      return mien_nn_activation (nn, x, n->act);
    case NODE_MAX_POOL:
    case NODE_AVG_POOL:
      {
        mien_nn_op op = { .type = n->kind == NODE_MAX_POOL
                                      ? MIEN_NN_OP_MAX_POOL
                                      : MIEN_NN_OP_AVG_POOL,
                          .src = { x } };
        op.params.kernel_h = n->kernel_h;
        op.params.kernel_w = n->kernel_w;
        set_window (n, x, n->kernel_h, n->kernel_w, &op);
        return mien_nn_run (nn, &op);
      }
    case NODE_PAD:
      if (x->rank != n->pad_rank)
        {
          mien_error e;
          mien_error_set (&e, MIEN_ERR_INVALID, "paddings are for rank %d, "
                          "the input has rank %d", n->pad_rank, x->rank);
          mien_nn_fail (nn, &e);
          return NULL;
        }
      return mien_nn_pad (nn, x, (const int (*)[2])n->pads, 0.0f);
    case NODE_CONCAT:
      return run_concat (nn, g, n, values);
    case NODE_RESHAPE:
      return run_reshape (nn, n, x);
    }
  return NULL;
}

static int
output_index (const mien_tfjs_graph *g, const char *name)
{
  int i = name != NULL ? resolve_ref (g, name) : -1;
  return i;
}

mien_status
mien_tfjs_graph_run_outputs (mien_tfjs_graph *g, mien_nn *nn,
                             const mien_tensor *input, int n_outputs,
                             const char *const *names, mien_tensor **outputs,
                             mien_error *err)
{
  for (int i = 0; i < n_outputs; i++)
    outputs[i] = NULL;
  if (n_outputs <= 0)
    return mien_error_set (err, MIEN_ERR_INVALID, "no output requested");
  if (mien_nn_failed (nn))
    return mien_nn_take_error (nn, err);
  int n = g->n_nodes;
  size_t count = n > 0 ? (size_t)n : 1;
  char *needed = calloc (count, 1);
  char *owned = calloc (count, 1);
  char *is_output = calloc (count, 1);
  int *remaining = calloc (count, sizeof *remaining);
  mien_tensor **values = calloc (count, sizeof *values);
  mien_status s = MIEN_OK;
  if (!needed || !owned || !is_output || !remaining || !values)
    s = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  for (int i = 0; s == MIEN_OK && i < n_outputs; i++)
    {
      int k = output_index (g, names[i]);
      if (k < 0)
        s = mien_error_set (err, MIEN_ERR_INVALID, "%s: no output named %s",
                            g->origin, names[i] ? names[i] : "(null)");
      else
        needed[k] = is_output[k] = 1;
    }
  /* What the outputs need: walk the order backwards. */
  for (int k = n - 1; s == MIEN_OK && k >= 0; k--)
    {
      const node *nd = &g->nodes[g->order[k]];
      if (needed[g->order[k]])
        for (int i = 0; i < nd->n_inputs; i++)
          {
            needed[nd->inputs[i]] = 1;
            remaining[nd->inputs[i]]++;
          }
    }
  if (s == MIEN_OK && g->input >= 0 && needed[g->input])
    {
      const node *ph = &g->nodes[g->input];
      int ok = input != NULL
               && (ph->shape_rank < 0 || ph->shape_rank == input->rank);
      for (int i = 0; ok && i < ph->shape_rank; i++)
        ok = ph->shape[i] < 0 || ph->shape[i] == input->dims[i];
      if (!ok)
        {
          char have[64] = "(none)";
          if (input != NULL)
            mien_tensor_shape_string (input, have, sizeof have);
          s = mien_error_set (err, MIEN_ERR_INVALID, "%s: input %s has "
                              "shape %s, unlike the graph's placeholder",
                              g->origin, ph->name, have);
        }
    }
  for (int k = 0; s == MIEN_OK && k < n; k++)
    {
      int i = g->order[k];
      if (!needed[i])
        continue;
      const node *nd = &g->nodes[i];
      int own = 0;
      values[i] = run_node (g, nn, nd, (const mien_tensor *const *)values,
                            input, &own);
      owned[i] = own && values[i] != NULL;
      if (values[i] == NULL || mien_nn_failed (nn))
        {
          mien_error local;
          mien_error *e = err ? err : &local;
          s = mien_nn_take_error (nn, e);
          if (s == MIEN_OK)
            s = mien_error_set (e, MIEN_ERR_INVALID, "no result");
          mien_error_prefix (e, "%s: node %s (%s)", g->origin, nd->name,
                             nd->op);
          break;
        }
      /* Intermediate results go as soon as their last user has run. */
      for (int k2 = 0; k2 < nd->n_inputs; k2++)
        {
          int src = nd->inputs[k2];
          if (--remaining[src] == 0 && owned[src] && !is_output[src])
            {
              mien_tensor_free (values[src]);
              values[src] = NULL;
              owned[src] = 0;
            }
        }
    }
  for (int i = 0; s == MIEN_OK && i < n_outputs; i++)
    {
      int k = output_index (g, names[i]);
      if (owned[k])
        {
          outputs[i] = values[k];
          owned[k] = 0; /* a second request for it gets a copy */
        }
      else if ((outputs[i] = mien_tensor_copy (values[k], err)) == NULL)
        s = err ? err->status : MIEN_ERR_NOMEM;
    }
  if (s != MIEN_OK)
    for (int i = 0; i < n_outputs; i++)
      {
        mien_tensor_free (outputs[i]);
        outputs[i] = NULL;
      }
  for (int i = 0; values != NULL && i < n; i++)
    if (owned[i])
      mien_tensor_free (values[i]);
  free (needed);
  free (owned);
  free (is_output);
  free (remaining);
  free (values);
  return s;
}

mien_tensor *
mien_tfjs_graph_run (mien_tfjs_graph *g, mien_nn *nn,
                     const mien_tensor *input, const char *output_name,
                     mien_error *err)
{
  mien_tensor *out = NULL;
  mien_tfjs_graph_run_outputs (g, nn, input, 1, &output_name, &out, err);
  return out;
}
