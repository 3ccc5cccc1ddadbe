/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-safetensors.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mien-json.h"

#define MAX_TENSORS 100000

struct mien_safetensors {
  mien_weights *weights;
  char **keys, **values; /* metadata */
  size_t n_metadata;
};

typedef enum st_dtype { DT_F32, DT_F16, DT_BF16 } st_dtype;

/* One tensor entry as the header declares it. */
typedef struct st_entry {
  const char *name;
  st_dtype dtype;
  int rank;
  int dims[MIEN_TENSOR_MAX_RANK];
  size_t begin, end;
} st_entry;

typedef struct st_parse {
  const char *origin;
  const unsigned char *body;
  size_t body_size;
  mien_error *err;
} st_parse;

void
mien_safetensors_free (mien_safetensors *st)
{
  if (st == NULL)
    return;
  mien_weights_free (st->weights);
  for (size_t i = 0; i < st->n_metadata; i++)
    {
      free (st->keys[i]);
      free (st->values[i]);
    }
  free (st->keys);
  free (st->values);
  free (st);
}

const mien_weights *
mien_safetensors_get_weights (const mien_safetensors *st)
{
  return st->weights;
}

const char *
mien_safetensors_get_metadata (const mien_safetensors *st, const char *key)
{
  for (size_t i = 0; i < st->n_metadata; i++)
    if (strcmp (st->keys[i], key) == 0)
      return st->values[i];
  return NULL;
}

/* ---- header entries ---- */

static int
dtype_size (st_dtype d)
{
  return d == DT_F32 ? 4 : 2;
}

static mien_status
parse_dtype (const st_parse *p, const char *name, const mien_json *v,
             st_dtype *dtype)
{
  const char *s = mien_json_string (v);
  if (s == NULL)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: tensor %s has no \"dtype\" string", p->origin,
                           name);
  if (strcmp (s, "F32") == 0)
    *dtype = DT_F32;
  else if (strcmp (s, "F16") == 0)
    *dtype = DT_F16;
  else if (strcmp (s, "BF16") == 0)
    *dtype = DT_BF16;
  else
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: tensor %s has dtype %.20s; only F32, F16 and "
                           "BF16 are supported", p->origin, name, s);
  return MIEN_OK;
}

/* A JSON number that is an integer in [0, limit]. */
static int
json_index (const mien_json *v, double limit, double *out)
{
  double d = mien_json_number (v);
  if (!(d >= 0.0 && d <= limit) || d != floor (d))
    return 0;
  *out = d;
  return 1;
}

static mien_status
parse_shape (const st_parse *p, const char *name, const mien_json *v,
             st_entry *e)
{
  if (v == NULL || mien_json_get_type (v) != MIEN_JSON_ARRAY)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: tensor %s has no \"shape\" array", p->origin,
                           name);
  size_t rank = mien_json_length (v);
  if (rank < 1 || rank > MIEN_TENSOR_MAX_RANK)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: tensor %s has rank %zu; 1 to %d supported",
                           p->origin, name, rank, MIEN_TENSOR_MAX_RANK);
  e->rank = (int)rank;
  for (size_t i = 0; i < rank; i++)
    {
      double d;
      if (!json_index (mien_json_array_get (v, i), (double)MIEN_TENSOR_MAX_ELEMENTS, &d)
          || d < 1.0)
        return mien_error_set (p->err, MIEN_ERR_FORMAT,
                               "%s: tensor %s: shape entry %zu is not a "
                               "positive integer within limits",
                               p->origin, name, i);
      e->dims[i] = (int)d;
    }
  mien_error sub = { 0 };
  if (mien_tensor_check_dims (e->rank, e->dims, &sub) != MIEN_OK)
    return mien_error_set (p->err, MIEN_ERR_FORMAT, "%s: tensor %s: %s",
                           p->origin, name, sub.message);
  return MIEN_OK;
}

static mien_status
parse_offsets (const st_parse *p, const char *name, const mien_json *v,
               st_entry *e)
{
  double b, end;
  if (v == NULL || mien_json_get_type (v) != MIEN_JSON_ARRAY
      || mien_json_length (v) != 2)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: tensor %s has no \"data_offsets\" [begin, end]",
                           p->origin, name);
  if (!json_index (mien_json_array_get (v, 0), (double)p->body_size, &b)
      || !json_index (mien_json_array_get (v, 1), (double)p->body_size, &end)
      || end < b)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: tensor %s: data_offsets are not a range "
                           "inside the %zu-byte data", p->origin, name,
                           p->body_size);
  e->begin = (size_t)b;
  e->end = (size_t)end;
  size_t want = (size_t)dtype_size (e->dtype);
  for (int i = 0; i < e->rank; i++)
    want *= (size_t)e->dims[i];
  if (e->end - e->begin != want)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: tensor %s: data_offsets hold %zu bytes but "
                           "its dtype and shape need %zu", p->origin, name,
                           e->end - e->begin, want);
  return MIEN_OK;
}

static mien_status
parse_entry (const st_parse *p, const char *name, const mien_json *v,
             st_entry *e)
{
  mien_status s;
  e->name = name;
  if (v == NULL || mien_json_get_type (v) != MIEN_JSON_OBJECT)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: header entry %s is not an object", p->origin,
                           name);
  if ((s = parse_dtype (p, name, mien_json_object_get (v, "dtype"), &e->dtype))
      || (s = parse_shape (p, name, mien_json_object_get (v, "shape"), e)))
    return s;
  return parse_offsets (p, name, mien_json_object_get (v, "data_offsets"), e);
}

/* ---- the byte buffer: ranges, decoding ---- */

static int
compare_begin (const void *a, const void *b)
{
  const st_entry *x = *(const st_entry *const *)a;
  const st_entry *y = *(const st_entry *const *)b;
  return x->begin < y->begin ? -1 : x->begin > y->begin;
}

/* Ranges sorted by start must tile [0, body_size) exactly. */
static mien_status
check_coverage (const st_parse *p, st_entry *entries, size_t n)
{
  const st_entry **order = malloc ((n ? n : 1) * sizeof *order);
  if (order == NULL)
    return mien_error_set (p->err, MIEN_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    order[i] = &entries[i];
  qsort (order, n, sizeof *order, compare_begin);
  size_t at = 0;
  mien_status s = MIEN_OK;
  for (size_t i = 0; i < n && s == MIEN_OK; i++)
    {
      if (order[i]->begin < at)
        s = mien_error_set (p->err, MIEN_ERR_FORMAT,
                            "%s: tensors %s and %s overlap (bytes %zu to %zu)",
                            p->origin, order[i - 1]->name, order[i]->name,
                            order[i]->begin, at);
      else if (order[i]->begin > at)
        s = mien_error_set (p->err, MIEN_ERR_FORMAT,
                            "%s: bytes %zu to %zu of the data belong to no "
                            "tensor", p->origin, at, order[i]->begin);
      else
        at = order[i]->end;
    }
  if (s == MIEN_OK && at != p->body_size)
    s = mien_error_set (p->err, MIEN_ERR_FORMAT,
                        "%s: the data is %zu bytes but the tensors cover %zu "
                        "(truncated or padded file)", p->origin, p->body_size,
                        at);
  free (order);
  return s;
}

static float
half_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f,
           man = h & 0x3ff;
  float v;
  if (exp == 0)
    v = ldexpf ((float)man, -24);
  else if (exp == 31)
    v = man ? NAN : INFINITY;
  else
    v = ldexpf ((float)(man | 0x400), (int)exp - 25);
  return sign ? -v : v;
}

static float
decode_one (st_dtype dtype, const unsigned char *b)
{
  uint32_t u;
  float f;
  switch (dtype)
    {
    case DT_F32:
      u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16
          | (uint32_t)b[3] << 24;
      break;
    case DT_BF16:
      u = ((uint32_t)b[0] | (uint32_t)b[1] << 8) << 16;
      break;
    default:
      return half_to_float ((uint16_t)(b[0] | b[1] << 8));
    }
  memcpy (&f, &u, sizeof f);
  return f;
}

static mien_tensor *
decode_entry (const st_parse *p, const st_entry *e)
{
  mien_error sub = { 0 };
  mien_tensor *t = mien_tensor_new (e->rank, e->dims, &sub);
  if (t == NULL)
    {
      mien_error_set (p->err, sub.status, "%s: tensor %s: %s", p->origin,
                      e->name, sub.message);
      return NULL;
    }
  size_t n = mien_tensor_n_elements (t), step = (size_t)dtype_size (e->dtype);
  const unsigned char *src = p->body + e->begin;
  for (size_t i = 0; i < n; i++)
    {
      float v = decode_one (e->dtype, src + i * step);
      if (!isfinite (v))
        {
          mien_error_set (p->err, MIEN_ERR_FORMAT,
                          "%s: tensor %s holds a non-finite value at index "
                          "%zu", p->origin, e->name, i);
          mien_tensor_free (t);
          return NULL;
        }
      t->data[i] = v;
    }
  return t;
}

/* ---- metadata ---- */

static mien_status
parse_metadata (const st_parse *p, const mien_json *v, mien_safetensors *st)
{
  if (st->keys != NULL)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: __metadata__ appears twice", p->origin);
  if (mien_json_get_type (v) != MIEN_JSON_OBJECT)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: __metadata__ is not an object", p->origin);
  size_t n = mien_json_length (v);
  st->keys = calloc (n + 1, sizeof *st->keys);
  st->values = calloc (n + 1, sizeof *st->values);
  if (st->keys == NULL || st->values == NULL)
    return mien_error_set (p->err, MIEN_ERR_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      const char *key = mien_json_object_key (v, i);
      const char *value = mien_json_string (mien_json_object_value (v, i));
      if (value == NULL)
        return mien_error_set (p->err, MIEN_ERR_FORMAT,
                               "%s: __metadata__ value of %.60s is not a "
                               "string", p->origin, key);
      st->keys[i] = strdup (key);
      st->values[i] = strdup (value);
      st->n_metadata = i + 1;
      if (st->keys[i] == NULL || st->values[i] == NULL)
        return mien_error_set (p->err, MIEN_ERR_NOMEM, "out of memory");
    }
  return MIEN_OK;
}

/* ---- the whole file ---- */

static mien_status
parse_header_members (const st_parse *p, const mien_json *root,
                      mien_safetensors *st, st_entry *entries, size_t *n)
{
  mien_status s = MIEN_OK;
  *n = 0;
  for (size_t i = 0; s == MIEN_OK && i < mien_json_length (root); i++)
    {
      const char *key = mien_json_object_key (root, i);
      const mien_json *v = mien_json_object_value (root, i);
      if (strcmp (key, "__metadata__") == 0)
        s = parse_metadata (p, v, st);
      else
        s = parse_entry (p, key, v, &entries[(*n)++]);
    }
  return s;
}

static mien_status
load_tensors (const st_parse *p, mien_safetensors *st, st_entry *entries,
              size_t n)
{
  mien_status s = check_coverage (p, entries, n);
  for (size_t i = 0; s == MIEN_OK && i < n; i++)
    {
      mien_tensor *t = decode_entry (p, &entries[i]);
      if (t == NULL)
        return p->err ? p->err->status : MIEN_ERR_FORMAT;
      mien_error sub = { 0 };
      if ((s = mien_weights_add (st->weights, entries[i].name, t, &sub)))
        {
          mien_tensor_free (t);
          s = mien_error_set (p->err, sub.status, "%s: %s", p->origin,
                              sub.message);
        }
    }
  return s;
}

static mien_status
parse_body (const st_parse *p, const mien_json *root, mien_safetensors *st)
{
  size_t members = mien_json_length (root);
  if (mien_json_get_type (root) != MIEN_JSON_OBJECT)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: the header is not a JSON object", p->origin);
  if (members > MAX_TENSORS)
    return mien_error_set (p->err, MIEN_ERR_FORMAT,
                           "%s: the header lists %zu tensors (limit %d)",
                           p->origin, members, MAX_TENSORS);
  st_entry *entries = calloc (members ? members : 1, sizeof *entries);
  if (entries == NULL)
    return mien_error_set (p->err, MIEN_ERR_NOMEM, "out of memory");
  size_t n;
  mien_status s = parse_header_members (p, root, st, entries, &n);
  if (s == MIEN_OK)
    s = load_tensors (p, st, entries, n);
  free (entries);
  return s;
}

mien_safetensors *
mien_safetensors_parse (const unsigned char *data, size_t size,
                        const char *origin, mien_error *err)
{
  if (size < 8)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: %zu bytes is too short for "
                      "a safetensors file", origin, size);
      return NULL;
    }
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--)
    n = n << 8 | data[i];
  if (n > size - 8)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: header length %llu goes "
                      "beyond the end of the file (%zu bytes)", origin,
                      (unsigned long long)n, size);
      return NULL;
    }
  if (n > MIEN_JSON_MAX_SIZE || n < 2 || data[8] != '{')
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: not a safetensors file "
                      "(header of %llu bytes %s)", origin,
                      (unsigned long long)n,
                      n > MIEN_JSON_MAX_SIZE ? "is over the limit"
                                             : "is not a JSON object");
      return NULL;
    }
  mien_json *root = mien_json_parse ((const char *)data + 8, (size_t)n, err);
  if (root == NULL)
    {
      mien_error_prefix (err, "%s: header", origin);
      return NULL;
    }
  st_parse p = { origin, data + 8 + n, size - 8 - (size_t)n, err };
  mien_safetensors *st = calloc (1, sizeof *st);
  mien_status s = st ? MIEN_OK : mien_error_set (err, MIEN_ERR_NOMEM,
                                                 "out of memory");
  if (s == MIEN_OK && (st->weights = mien_weights_new (err)) == NULL)
    s = MIEN_ERR_NOMEM;
  if (s == MIEN_OK)
    s = parse_body (&p, root, st);
  mien_json_free (root);
  if (s != MIEN_OK)
    {
      mien_safetensors_free (st);
      return NULL;
    }
  return st;
}

static mien_status
read_whole_file (const char *path, unsigned char **data, size_t *size,
                 mien_error *err)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                           strerror (errno));
  size_t cap = 1 << 16, len = 0;
  unsigned char *buf = malloc (cap);
  mien_status s = buf ? MIEN_OK : mien_error_set (err, MIEN_ERR_NOMEM,
                                                  "out of memory");
  while (s == MIEN_OK)
    {
      if (len == cap)
        {
          unsigned char *bigger = cap < MIEN_SAFETENSORS_MAX_BYTES
                                      ? realloc (buf, cap * 2) : NULL;
          if (bigger == NULL)
            {
              s = mien_error_set (err, MIEN_ERR_NOMEM, "%s is larger than "
                                  "%zu bytes", path,
                                  MIEN_SAFETENSORS_MAX_BYTES);
              break;
            }
          buf = bigger;
          cap *= 2;
        }
      size_t got = fread (buf + len, 1, cap - len, f);
      len += got;
      if (got == 0)
        {
          if (ferror (f))
            s = mien_error_set (err, MIEN_ERR_IO, "cannot read %s", path);
          break;
        }
    }
  fclose (f);
  if (s != MIEN_OK)
    {
      free (buf);
      return s;
    }
  *data = buf;
  *size = len;
  return MIEN_OK;
}

mien_safetensors *
mien_safetensors_load (const char *path, mien_error *err)
{
  unsigned char *data = NULL;
  size_t size = 0;
  if (read_whole_file (path, &data, &size, err) != MIEN_OK)
    return NULL;
  mien_safetensors *st = mien_safetensors_parse (data, size, path, err);
  free (data);
  return st;
}
