/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: engine/nn's GLib-free JSON reader (mien_json_parse),
 * which reads the model manifests. Every accepted document is walked
 * through the accessors (bounded by MIEN_JSON_MAX_DEPTH, like the parser). */
#include "fuzz-common.h"
#include "nn/mien-json.h"

static size_t
walk (const mien_json *v, int depth)
{
  if (depth > MIEN_JSON_MAX_DEPTH + 1)
    abort ();
  size_t n = 1;
  switch (mien_json_get_type (v))
    {
    case MIEN_JSON_ARRAY:
      for (size_t i = 0; i < mien_json_length (v); i++)
        n += walk (mien_json_array_get (v, i), depth + 1);
      break;
    case MIEN_JSON_OBJECT:
      for (size_t i = 0; i < mien_json_length (v); i++)
        {
          const char *key = mien_json_object_key (v, i);
          if (key == NULL || mien_json_object_get (v, key) == NULL)
            abort ();
          n += walk (mien_json_object_value (v, i), depth + 1);
        }
      break;
    case MIEN_JSON_STRING:
      if (mien_json_string (v) == NULL)
        abort ();
      break;
    default: (void)mien_json_number (v); (void)mien_json_bool (v); break;
    }
  return n;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  mien_error err = { 0 };
  mien_json *v = mien_json_parse ((const char *)data, size, &err);
  if (v == NULL)
    {
      fuzz_check_refusal (&err);
      return 0;
    }
  walk (v, 1);
  mien_json_free (v);
  return 0;
}
