/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-weights.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mien-json.h"

/* Largest shard accepted: the models are a few MB; the ATW generator tens. */
#define MAX_SHARD_BYTES ((size_t)1 << 30)
#define MAX_WEIGHTS 100000

typedef struct named_tensor {
  char *name;
  mien_tensor *tensor;
} named_tensor;

struct mien_weights {
  named_tensor *items;
  int count;
  int capacity;
};

void
mien_weights_free (mien_weights *weights)
{
  if (weights == NULL)
    return;
  for (int i = 0; i < weights->count; i++)
    {
      free (weights->items[i].name);
      mien_tensor_free (weights->items[i].tensor);
    }
  free (weights->items);
  free (weights);
}

int
mien_weights_count (const mien_weights *weights)
{
  return weights->count;
}

const char *
mien_weights_name (const mien_weights *weights, int index)
{
  return index >= 0 && index < weights->count ? weights->items[index].name
                                              : NULL;
}

const mien_tensor *
mien_weights_tensor (const mien_weights *weights, int index)
{
  return index >= 0 && index < weights->count ? weights->items[index].tensor
                                              : NULL;
}

const mien_tensor *
mien_weights_find (const mien_weights *weights, const char *name)
{
  for (int i = 0; i < weights->count; i++)
    if (strcmp (weights->items[i].name, name) == 0)
      return weights->items[i].tensor;
  return NULL;
}

static void
dims_string (int rank, const int *dims, char *buf, size_t size)
{
  mien_tensor t = { .rank = rank };
  memcpy (t.dims, dims, (size_t)rank * sizeof (int));
  mien_tensor_shape_string (&t, buf, size);
}

const mien_tensor *
mien_weights_get (const mien_weights *weights, const char *name, int rank,
                  const int *dims, mien_error *err)
{
  const mien_tensor *t = mien_weights_find (weights, name);
  if (t == NULL)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "weight %s is missing", name);
      return NULL;
    }
  int ok = t->rank == rank;
  for (int i = 0; ok && i < rank; i++)
    ok = dims[i] < 0 || dims[i] == t->dims[i];
  if (!ok)
    {
      char have[64], want[64];
      mien_tensor_shape_string (t, have, sizeof have);
      dims_string (rank, dims, want, sizeof want);
      mien_error_set (err, MIEN_ERR_FORMAT,
                      "weight %s has shape %s, expected %s", name, have, want);
      return NULL;
    }
  return t;
}

/* ---- decoding one weight entry ---- */

typedef enum storage {
  STORE_FLOAT32,
  STORE_INT32,
  STORE_UINT8,
  STORE_UINT16,
  STORE_FLOAT16,
} storage;

typedef struct entry {
  const char *name;
  int rank;
  int dims[MIEN_TENSOR_MAX_RANK];
  storage store;
  double scale, min;
  size_t n;     /* elements */
  size_t bytes; /* in the shard data */
} entry;

static float
half_to_float (uint16_t h)
{
  int sign = h >> 15, exp = (h >> 10) & 0x1F, mant = h & 0x3FF;
  float v;
  if (exp == 0)
    v = ldexpf ((float)mant, -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = ldexpf ((float)(mant | 0x400), exp - 25);
  return sign ? -v : v;
}

static mien_status
parse_shape (const mien_json *shape, entry *e, const char *origin,
             mien_error *err)
{
  if (shape == NULL || mien_json_get_type (shape) != MIEN_JSON_ARRAY)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: weight %s has no shape array", origin,
                           e->name);
  size_t rank = mien_json_length (shape);
  if (rank > MIEN_TENSOR_MAX_RANK)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: weight %s has rank %zu, at most %d supported",
                           origin, e->name, rank, MIEN_TENSOR_MAX_RANK);
  /* A scalar (shape []) is stored as a vector of one. */
  e->rank = rank == 0 ? 1 : (int)rank;
  e->dims[0] = 1;
  for (size_t i = 0; i < rank; i++)
    {
      double d = mien_json_number (mien_json_array_get (shape, i));
      if (!(d >= 1 && d <= (double)MIEN_TENSOR_MAX_ELEMENTS && d == floor (d)))
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "%s: weight %s has a bad dimension in its "
                               "shape", origin, e->name);
      e->dims[i] = (int)d;
    }
  mien_error sub;
  if (mien_tensor_check_dims (e->rank, e->dims, &sub) != MIEN_OK)
    return mien_error_set (err, MIEN_ERR_FORMAT, "%s: weight %s: %s", origin,
                           e->name, sub.message);
  e->n = 1;
  for (int i = 0; i < e->rank; i++)
    e->n *= (size_t)e->dims[i];
  return MIEN_OK;
}

static mien_status
parse_storage (const mien_json *w, entry *e, const char *origin,
               mien_error *err)
{
  const char *dtype = mien_json_string (mien_json_object_get (w, "dtype"));
  const mien_json *q = mien_json_object_get (w, "quantization");
  if (dtype == NULL || (strcmp (dtype, "float32") != 0
                        && strcmp (dtype, "int32") != 0))
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "%s: weight %s has dtype %s; float32 and int32 "
                           "are supported", origin, e->name,
                           dtype ? dtype : "(none)");
  e->store = strcmp (dtype, "int32") == 0 ? STORE_INT32 : STORE_FLOAT32;
  if (q == NULL)
    return MIEN_OK;
  const char *qtype = mien_json_string (mien_json_object_get (q, "dtype"));
  if (qtype != NULL && strcmp (qtype, "float16") == 0)
    {
      e->store = STORE_FLOAT16;
      return MIEN_OK;
    }
  if (qtype == NULL || (strcmp (qtype, "uint8") != 0
                        && strcmp (qtype, "uint16") != 0))
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "%s: weight %s has quantization dtype %s; uint8, "
                           "uint16 and float16 are supported", origin,
                           e->name, qtype ? qtype : "(none)");
  e->store = qtype[4] == '8' ? STORE_UINT8 : STORE_UINT16;
  e->scale = mien_json_number (mien_json_object_get (q, "scale"));
  e->min = mien_json_number (mien_json_object_get (q, "min"));
  if (!isfinite (e->scale) || !isfinite (e->min))
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: weight %s has no finite quantization scale "
                           "and min", origin, e->name);
  return MIEN_OK;
}

static size_t
storage_size (storage s)
{
  switch (s)
    {
    case STORE_UINT8: return 1;
    case STORE_UINT16:
    case STORE_FLOAT16: return 2;
    case STORE_FLOAT32:
    case STORE_INT32: break;
    }
  return 4;
}

/* Little-endian, as TensorFlow.js writes on every platform it runs on. */
static uint32_t
read_le (const unsigned char *p, size_t size)
{
  uint32_t v = 0;
  for (size_t i = size; i-- > 0;)
    v = (v << 8) | p[i];
  return v;
}

static mien_status
decode (const entry *e, const unsigned char *src, float *dst,
        const char *origin, mien_error *err)
{
  size_t size = storage_size (e->store);
  for (size_t i = 0; i < e->n; i++, src += size)
    {
      uint32_t raw = read_le (src, size);
      float v;
      switch (e->store)
        {
        case STORE_FLOAT32: memcpy (&v, &raw, 4); break;
        case STORE_INT32: v = (float)(int32_t)raw; break;
        case STORE_FLOAT16: v = half_to_float ((uint16_t)raw); break;
        default: v = (float)(raw * e->scale + e->min); break;
        }
      if (!isfinite (v))
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "%s: weight %s holds a non-finite value at "
                               "element %zu", origin, e->name, i);
      dst[i] = v;
    }
  return MIEN_OK;
}

static mien_status
add_tensor (mien_weights *weights, const entry *e, mien_tensor *tensor,
            const char *origin, mien_error *err)
{
  if (mien_weights_find (weights, e->name) != NULL)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: weight %s is declared twice", origin, e->name);
  if (weights->count == weights->capacity)
    {
      int cap = weights->capacity ? weights->capacity * 2 : 32;
      named_tensor *items = realloc (weights->items, (size_t)cap * sizeof *items);
      if (items == NULL)
        return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      weights->items = items;
      weights->capacity = cap;
    }
  char *name = strdup (e->name);
  if (name == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  weights->items[weights->count].name = name;
  weights->items[weights->count].tensor = tensor;
  /* Weights never change once loaded: a backend keeps its copy. */
  tensor->constant = 1;
  weights->count++;
  return MIEN_OK;
}

/* ---- one group: entries, shards, decoding ---- */

static mien_status
parse_entries (const mien_json *list, entry *entries, size_t *total,
               const char *origin, mien_error *err)
{
  *total = 0;
  for (size_t i = 0; i < mien_json_length (list); i++)
    {
      const mien_json *w = mien_json_array_get (list, i);
      entry *e = &entries[i];
      memset (e, 0, sizeof *e);
      e->name = mien_json_string (mien_json_object_get (w, "name"));
      if (e->name == NULL || e->name[0] == '\0')
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "%s: weight entry %zu has no name", origin, i);
      if (parse_shape (mien_json_object_get (w, "shape"), e, origin, err)
          || parse_storage (w, e, origin, err))
        return err ? err->status : MIEN_ERR_FORMAT;
      e->bytes = e->n * storage_size (e->store);
      *total += e->bytes;
      if (*total > (size_t)MAX_SHARD_BYTES * 16)
        return mien_error_set (err, MIEN_ERR_FORMAT,
                               "%s: the weights declare more than %zu bytes",
                               origin, (size_t)MAX_SHARD_BYTES * 16);
    }
  return MIEN_OK;
}

static int
plain_file_name (const char *name)
{
  return name != NULL && name[0] != '\0' && strchr (name, '/') == NULL
         && strchr (name, '\\') == NULL && strcmp (name, ".") != 0
         && strcmp (name, "..") != 0;
}

/* Concatenates the group's shards into one buffer of exactly `total` bytes,
 * refusing any difference between what is declared and what is there. */
static unsigned char *
read_shards (const mien_json *paths, size_t total, const char *origin,
             mien_weights_read_fn read, void *user_data, mien_error *err)
{
  size_t n_paths = mien_json_length (paths);
  if (paths == NULL || mien_json_get_type (paths) != MIEN_JSON_ARRAY
      || n_paths == 0)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: a weight group has no "
                      "\"paths\" list", origin);
      return NULL;
    }
  unsigned char *all = malloc (total ? total : 1);
  if (all == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory for %zu bytes of "
                      "weights", total);
      return NULL;
    }
  size_t have = 0;
  for (size_t i = 0; i < n_paths; i++)
    {
      const char *name = mien_json_string (mien_json_array_get (paths, i));
      if (!plain_file_name (name))
        {
          mien_error_set (err, MIEN_ERR_FORMAT, "%s: shard path %s is not a "
                          "plain file name", origin, name ? name : "(none)");
          free (all);
          return NULL;
        }
      unsigned char *data = NULL;
      size_t size = 0;
      if (read (user_data, name, &data, &size, err) != MIEN_OK)
        {
          free (all);
          return NULL;
        }
      if (size > total - have)
        {
          mien_error_set (err, MIEN_ERR_FORMAT,
                          "%s: shard %s has more data than the manifest "
                          "declares (%zu bytes in all)", origin, name, total);
          free (data);
          free (all);
          return NULL;
        }
      memcpy (all + have, data, size);
      have += size;
      free (data);
    }
  if (have != total)
    {
      mien_error_set (err, MIEN_ERR_FORMAT,
                      "%s: shard %s%s holds %zu bytes but the manifest "
                      "declares %zu for its weights (truncated file, or "
                      "shapes inconsistent with the data)", origin,
                      mien_json_string (mien_json_array_get (paths, 0)),
                      n_paths > 1 ? " and the following ones" : "", have,
                      total);
      free (all);
      return NULL;
    }
  return all;
}

static mien_status
load_group (mien_weights *weights, const mien_json *group, const char *origin,
            mien_weights_read_fn read, void *user_data, mien_error *err)
{
  const mien_json *list = mien_json_object_get (group, "weights");
  if (list == NULL || mien_json_get_type (list) != MIEN_JSON_ARRAY)
    return mien_error_set (err, MIEN_ERR_FORMAT,
                           "%s: a weight group has no \"weights\" list",
                           origin);
  size_t n = mien_json_length (list);
  if (n > MAX_WEIGHTS || weights->count + (int)n > MAX_WEIGHTS)
    return mien_error_set (err, MIEN_ERR_FORMAT, "%s: too many weights",
                           origin);
  entry *entries = calloc (n ? n : 1, sizeof *entries);
  if (entries == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  size_t total;
  mien_status s = parse_entries (list, entries, &total, origin, err);
  unsigned char *data = NULL;
  if (s == MIEN_OK)
    {
      data = read_shards (mien_json_object_get (group, "paths"), total,
                          origin, read, user_data, err);
      s = data != NULL ? MIEN_OK : (err ? err->status : MIEN_ERR_FORMAT);
    }
  size_t offset = 0;
  for (size_t i = 0; s == MIEN_OK && i < n; i++)
    {
      mien_tensor *t = mien_tensor_new (entries[i].rank, entries[i].dims, err);
      if (t == NULL)
        s = err ? err->status : MIEN_ERR_NOMEM;
      else if ((s = decode (&entries[i], data + offset, t->data, origin, err))
                   != MIEN_OK
               || (s = add_tensor (weights, &entries[i], t, origin, err))
                      != MIEN_OK)
        mien_tensor_free (t);
      offset += entries[i].bytes;
    }
  free (data);
  free (entries);
  return s;
}

mien_weights *
mien_weights_parse_tfjs (const char *json, size_t length, const char *origin,
                         mien_weights_read_fn read, void *user_data,
                         mien_error *err)
{
  mien_json *root = mien_json_parse (json, length, err);
  if (root == NULL)
    {
      mien_error_prefix (err, "%s", origin);
      return NULL;
    }
  mien_weights *weights = mien_weights_from_tfjs_json (root, origin, read,
                                                       user_data, err);
  mien_json_free (root);
  return weights;
}

mien_weights *
mien_weights_from_tfjs_json (const mien_json *root, const char *origin,
                             mien_weights_read_fn read, void *user_data,
                             mien_error *err)
{
  mien_weights *weights = calloc (1, sizeof *weights);
  mien_status s = MIEN_OK;
  if (weights == NULL)
    s = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  else if (mien_json_get_type (root) != MIEN_JSON_ARRAY
           || mien_json_length (root) == 0)
    s = mien_error_set (err, MIEN_ERR_FORMAT, "%s: not a weights manifest "
                        "(expected a non-empty array of groups)", origin);
  for (size_t g = 0; s == MIEN_OK && g < mien_json_length (root); g++)
    s = load_group (weights, mien_json_array_get (root, g), origin, read,
                    user_data, err);
  if (s != MIEN_OK)
    {
      mien_weights_free (weights);
      return NULL;
    }
  return weights;
}

/* ---- files ---- */

mien_status
mien_weights_read_file (const char *path, size_t limit, unsigned char **data,
                        size_t *size, mien_error *err)
{
  FILE *f = fopen (path, "rb");
  if (f == NULL)
    return mien_error_set (err, MIEN_ERR_IO, "cannot open %s: %s", path,
                           strerror (errno));
  mien_status s = MIEN_OK;
  long end = -1;
  if (fseek (f, 0, SEEK_END) != 0 || (end = ftell (f)) < 0
      || fseek (f, 0, SEEK_SET) != 0)
    s = mien_error_set (err, MIEN_ERR_IO, "cannot read %s: %s", path,
                        strerror (errno));
  else if ((size_t)end > limit)
    s = mien_error_set (err, MIEN_ERR_FORMAT, "%s is %ld bytes, over the "
                        "%zu-byte limit", path, end, limit);
  unsigned char *buf = NULL;
  if (s == MIEN_OK && (buf = malloc ((size_t)end + 1)) == NULL)
    s = mien_error_set (err, MIEN_ERR_NOMEM, "out of memory reading %s", path);
  if (s == MIEN_OK && fread (buf, 1, (size_t)end, f) != (size_t)end)
    s = mien_error_set (err, MIEN_ERR_IO, "cannot read %s: short read", path);
  fclose (f);
  if (s != MIEN_OK)
    {
      free (buf);
      return s;
    }
  buf[end] = 0; /* a text file is then a C string */
  *data = buf;
  *size = (size_t)end;
  return MIEN_OK;
}

static mien_status
read_shard_file (void *user_data, const char *shard_name, unsigned char **data,
                 size_t *size, mien_error *err)
{
  const char *dir = user_data;
  size_t len = strlen (dir) + strlen (shard_name) + 2;
  char *path = malloc (len);
  if (path == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  snprintf (path, len, "%s%s%s", dir, dir[0] ? "/" : "", shard_name);
  mien_status s = mien_weights_read_file (path, MAX_SHARD_BYTES, data, size,
                                          err);
  free (path);
  return s;
}

/* The folder that holds path ("" for the current one): where a manifest's
 * shards are. NULL when out of memory. */
static char *
folder_of (const char *path, mien_error *err)
{
  char *dir = strdup (path);
  if (dir == NULL)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  char *slash = strrchr (dir, '/');
  if (slash != NULL)
    slash[slash == dir ? 1 : 0] = '\0';
  else
    dir[0] = '\0';
  return dir;
}

mien_weights *
mien_weights_load_tfjs (const char *manifest_path, mien_error *err)
{
  unsigned char *json = NULL;
  size_t size = 0;
  if (mien_weights_read_file (manifest_path, MIEN_JSON_MAX_SIZE, &json, &size,
                              err)
      != MIEN_OK)
    return NULL;
  char *dir = folder_of (manifest_path, err);
  mien_weights *w = dir ? mien_weights_parse_tfjs ((const char *)json, size,
                                                   manifest_path,
                                                   read_shard_file, dir, err)
                        : NULL;
  free (dir);
  free (json);
  return w;
}

mien_weights *
mien_weights_load_tfjs_json (const mien_json *manifest, const char *json_path,
                             mien_error *err)
{
  char *dir = folder_of (json_path, err);
  /* read_shard_file only reads the folder name through user_data. */
  mien_weights *w = dir ? mien_weights_from_tfjs_json (manifest, json_path,
                                                       read_shard_file, dir,
                                                       err)
                        : NULL;
  free (dir);
  return w;
}

/* ---- for other formats ---- */

mien_weights *
mien_weights_new (mien_error *err)
{
  mien_weights *weights = calloc (1, sizeof *weights);
  if (weights == NULL)
    mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  return weights;
}

mien_status
mien_weights_add (mien_weights *weights, const char *name,
                  mien_tensor *tensor, mien_error *err)
{
  entry e = { .name = name };
  return add_tensor (weights, &e, tensor, "weights", err);
}
