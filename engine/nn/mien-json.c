/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-json.h"
#include "mien-c-locale.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

struct mien_json {
  mien_json_type type;
  double number;
  int boolean;
  char *string;      /* string value */
  char **keys;       /* object member names */
  mien_json **items; /* array elements or object member values */
  size_t length;
  size_t capacity;
};

typedef struct parser {
  const char *text;
  size_t length;
  size_t pos;
  int depth;
  mien_error *err;
  int failed;
} parser;

static void
fail (parser *p, const char *what)
{
  if (p->failed)
    return;
  p->failed = 1;
  size_t line = 1, column = 1;
  for (size_t i = 0; i < p->pos && i < p->length; i++)
    {
      if (p->text[i] == '\n')
        {
          line++;
          column = 1;
        }
      else
        column++;
    }
  mien_error_set (p->err, MIEN_ERR_FORMAT, "JSON line %zu column %zu: %s",
                  line, column, what);
}

static void
skip_space (parser *p)
{
  while (p->pos < p->length)
    {
      char c = p->text[p->pos];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
        break;
      p->pos++;
    }
}

static int
peek (parser *p)
{
  return p->pos < p->length ? (unsigned char)p->text[p->pos] : -1;
}

static mien_json *
new_value (parser *p, mien_json_type type)
{
  mien_json *v = calloc (1, sizeof *v);
  if (v == NULL)
    {
      p->failed = 1;
      mien_error_set (p->err, MIEN_ERR_NOMEM, "out of memory parsing JSON");
      return NULL;
    }
  v->type = type;
  return v;
}

void
mien_json_free (mien_json *value)
{
  if (value == NULL)
    return;
  for (size_t i = 0; i < value->length; i++)
    {
      mien_json_free (value->items[i]);
      if (value->keys != NULL)
        free (value->keys[i]);
    }
  free (value->items);
  free (value->keys);
  free (value->string);
  free (value);
}

static int
append (parser *p, mien_json *container, char *key, mien_json *item)
{
  if (container->length == container->capacity)
    {
      size_t cap = container->capacity ? container->capacity * 2 : 8;
      mien_json **items = realloc (container->items, cap * sizeof *items);
      if (items != NULL)
        container->items = items;
      char **keys = NULL;
      if (items != NULL && container->type == MIEN_JSON_OBJECT)
        {
          keys = realloc (container->keys, cap * sizeof *keys);
          if (keys != NULL)
            container->keys = keys;
        }
      if (items == NULL || (container->type == MIEN_JSON_OBJECT && keys == NULL))
        {
          p->failed = 1;
          mien_error_set (p->err, MIEN_ERR_NOMEM, "out of memory parsing JSON");
          return 0;
        }
      container->capacity = cap;
    }
  container->items[container->length] = item;
  if (container->keys != NULL)
    container->keys[container->length] = key;
  container->length++;
  return 1;
}

static mien_json *parse_value (parser *p);

static int
hex4 (parser *p, unsigned *out)
{
  if (p->length - p->pos < 4)
    return 0;
  unsigned v = 0;
  for (int i = 0; i < 4; i++)
    {
      char c = p->text[p->pos++];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= (unsigned)(c - '0');
      else if (c >= 'a' && c <= 'f')
        v |= (unsigned)(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F')
        v |= (unsigned)(c - 'A' + 10);
      else
        return 0;
    }
  *out = v;
  return 1;
}

static size_t
put_utf8 (char *out, unsigned cp)
{
  if (cp < 0x80)
    {
      out[0] = (char)cp;
      return 1;
    }
  if (cp < 0x800)
    {
      out[0] = (char)(0xC0 | (cp >> 6));
      out[1] = (char)(0x80 | (cp & 0x3F));
      return 2;
    }
  if (cp < 0x10000)
    {
      out[0] = (char)(0xE0 | (cp >> 12));
      out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
      out[2] = (char)(0x80 | (cp & 0x3F));
      return 3;
    }
  out[0] = (char)(0xF0 | (cp >> 18));
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

static int
parse_escape (parser *p, char *out, size_t *n)
{
  char c = p->text[p->pos++];
  const char *from = "\"\\/bfnrt", *to = "\"\\/\b\f\n\r\t";
  const char *hit = strchr (from, c);
  if (c != '\0' && hit != NULL && c != 'u')
    {
      out[(*n)++] = to[hit - from];
      return 1;
    }
  if (c != 'u')
    return 0;
  unsigned cp;
  if (!hex4 (p, &cp))
    return 0;
  if (cp >= 0xDC00 && cp <= 0xDFFF)
    return 0; /* a lone low surrogate */
  if (cp >= 0xD800 && cp <= 0xDBFF)
    {
      unsigned lo;
      if (p->length - p->pos < 6 || p->text[p->pos] != '\\'
          || p->text[p->pos + 1] != 'u')
        return 0;
      p->pos += 2;
      if (!hex4 (p, &lo) || lo < 0xDC00 || lo > 0xDFFF)
        return 0;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
  if (cp == 0)
    return 0; /* would truncate the C string */
  *n += put_utf8 (out + *n, cp);
  return 1;
}

/* Returns a malloc'd NUL-terminated string; the opening quote is consumed
 * by the caller. Escapes never grow the text, so the raw span bounds it. */
static char *
parse_string_body (parser *p)
{
  size_t start = p->pos;
  size_t end = start;
  while (end < p->length && p->text[end] != '"')
    end += p->text[end] == '\\' ? 2 : 1;
  if (end >= p->length)
    {
      p->pos = p->length;
      fail (p, "unterminated string");
      return NULL;
    }
  char *out = malloc (end - start + 1);
  if (out == NULL)
    {
      p->failed = 1;
      mien_error_set (p->err, MIEN_ERR_NOMEM, "out of memory parsing JSON");
      return NULL;
    }
  size_t n = 0;
  while (p->pos < end)
    {
      unsigned char c = (unsigned char)p->text[p->pos];
      if (c < 0x20)
        {
          fail (p, "control character in string");
          free (out);
          return NULL;
        }
      if (c == '\\')
        {
          p->pos++;
          if (!parse_escape (p, out, &n) || p->pos > end)
            {
              fail (p, "bad escape in string");
              free (out);
              return NULL;
            }
          continue;
        }
      out[n++] = (char)c;
      p->pos++;
    }
  out[n] = '\0';
  p->pos = end + 1;
  return out;
}

static mien_json *
parse_number (parser *p)
{
  size_t start = p->pos;
  const char *t = p->text;
  size_t i = p->pos;
  if (i < p->length && t[i] == '-')
    i++;
  if (i < p->length && t[i] == '0')
    i++;
  else if (i < p->length && t[i] >= '1' && t[i] <= '9')
    while (i < p->length && t[i] >= '0' && t[i] <= '9')
      i++;
  else
    {
      fail (p, "bad number");
      return NULL;
    }
  if (i < p->length && t[i] == '.')
    {
      i++;
      if (i >= p->length || t[i] < '0' || t[i] > '9')
        {
          p->pos = i;
          fail (p, "bad number fraction");
          return NULL;
        }
      while (i < p->length && t[i] >= '0' && t[i] <= '9')
        i++;
    }
  if (i < p->length && (t[i] == 'e' || t[i] == 'E'))
    {
      i++;
      if (i < p->length && (t[i] == '+' || t[i] == '-'))
        i++;
      if (i >= p->length || t[i] < '0' || t[i] > '9')
        {
          p->pos = i;
          fail (p, "bad number exponent");
          return NULL;
        }
      while (i < p->length && t[i] >= '0' && t[i] <= '9')
        i++;
    }
  /* strtod needs a terminated copy: the text is not NUL-terminated. */
  char buf[64];
  if (i - start >= sizeof buf)
    {
      fail (p, "number too long");
      return NULL;
    }
  memcpy (buf, t + start, i - start);
  buf[i - start] = '\0';
  mien_json *v = new_value (p, MIEN_JSON_NUMBER);
  if (v == NULL)
    return NULL;
  v->number = mien_strtod_c (buf, NULL);
  p->pos = i;
  if (!isfinite (v->number))
    {
      fail (p, "number out of range");
      mien_json_free (v);
      return NULL;
    }
  return v;
}

static int
expect_literal (parser *p, const char *word)
{
  size_t n = strlen (word);
  if (p->length - p->pos < n || memcmp (p->text + p->pos, word, n) != 0)
    return 0;
  p->pos += n;
  return 1;
}

static mien_json *
parse_array (parser *p)
{
  mien_json *v = new_value (p, MIEN_JSON_ARRAY);
  if (v == NULL)
    return NULL;
  p->pos++; /* [ */
  skip_space (p);
  if (peek (p) == ']')
    {
      p->pos++;
      return v;
    }
  for (;;)
    {
      mien_json *item = parse_value (p);
      if (item == NULL || !append (p, v, NULL, item))
        {
          mien_json_free (item);
          mien_json_free (v);
          return NULL;
        }
      skip_space (p);
      int c = peek (p);
      p->pos++;
      if (c == ']')
        return v;
      if (c != ',')
        {
          p->pos--;
          fail (p, "expected ',' or ']' in array");
          mien_json_free (v);
          return NULL;
        }
    }
}

static mien_json *
parse_object (parser *p)
{
  mien_json *v = new_value (p, MIEN_JSON_OBJECT);
  if (v == NULL)
    return NULL;
  p->pos++; /* { */
  skip_space (p);
  if (peek (p) == '}')
    {
      p->pos++;
      return v;
    }
  for (;;)
    {
      skip_space (p);
      if (peek (p) != '"')
        {
          fail (p, "expected a member name");
          mien_json_free (v);
          return NULL;
        }
      p->pos++;
      char *key = parse_string_body (p);
      if (key == NULL)
        {
          mien_json_free (v);
          return NULL;
        }
      skip_space (p);
      if (peek (p) != ':')
        {
          fail (p, "expected ':' after a member name");
          free (key);
          mien_json_free (v);
          return NULL;
        }
      p->pos++;
      mien_json *item = parse_value (p);
      if (item == NULL || !append (p, v, key, item))
        {
          free (key);
          mien_json_free (item);
          mien_json_free (v);
          return NULL;
        }
      skip_space (p);
      int c = peek (p);
      p->pos++;
      if (c == '}')
        return v;
      if (c != ',')
        {
          p->pos--;
          fail (p, "expected ',' or '}' in object");
          mien_json_free (v);
          return NULL;
        }
    }
}

static mien_json *
parse_value (parser *p)
{
  skip_space (p);
  if (p->depth >= MIEN_JSON_MAX_DEPTH)
    {
      fail (p, "nested too deeply");
      return NULL;
    }
  mien_json *v = NULL;
  int c = peek (p);
  p->depth++;
  switch (c)
    {
    case '{': v = parse_object (p); break;
    case '[': v = parse_array (p); break;
    case '"':
      p->pos++;
      {
        char *s = parse_string_body (p);
        if (s != NULL && (v = new_value (p, MIEN_JSON_STRING)) != NULL)
          v->string = s;
        else
          free (s);
      }
      break;
    case 't':
    case 'f':
      if (expect_literal (p, c == 't' ? "true" : "false"))
        {
          if ((v = new_value (p, MIEN_JSON_BOOL)) != NULL)
            v->boolean = c == 't';
        }
      else
        fail (p, "bad literal");
      break;
    case 'n':
      if (expect_literal (p, "null"))
        v = new_value (p, MIEN_JSON_NULL);
      else
        fail (p, "bad literal");
      break;
    case -1:
      fail (p, "unexpected end of input");
      break;
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        v = parse_number (p);
      else
        fail (p, "unexpected character");
    }
  p->depth--;
  return v;
}

mien_json *
mien_json_parse (const char *text, size_t length, mien_error *err)
{
  if (length > MIEN_JSON_MAX_SIZE)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "JSON of %zu bytes is over the "
                      "%zu-byte limit", length, MIEN_JSON_MAX_SIZE);
      return NULL;
    }
  parser p = { text, length, 0, 0, err, 0 };
  mien_json *v = parse_value (&p);
  if (v != NULL)
    {
      skip_space (&p);
      if (p.pos != length)
        {
          fail (&p, "trailing characters after the document");
          mien_json_free (v);
          v = NULL;
        }
    }
  return v;
}

mien_json_type
mien_json_get_type (const mien_json *value)
{
  /* Absent members read as null, so lookups can be chained. */
  return value != NULL ? value->type : MIEN_JSON_NULL;
}

size_t
mien_json_length (const mien_json *value)
{
  return value != NULL && (value->type == MIEN_JSON_ARRAY
                           || value->type == MIEN_JSON_OBJECT)
             ? value->length : 0;
}

const mien_json *
mien_json_array_get (const mien_json *array, size_t index)
{
  if (array == NULL || array->type != MIEN_JSON_ARRAY || index >= array->length)
    return NULL;
  return array->items[index];
}

const mien_json *
mien_json_object_get (const mien_json *object, const char *key)
{
  if (object == NULL || object->type != MIEN_JSON_OBJECT)
    return NULL;
  /* Duplicate names: the last one wins, as in JavaScript. */
  for (size_t i = object->length; i-- > 0;)
    if (strcmp (object->keys[i], key) == 0)
      return object->items[i];
  return NULL;
}

const char *
mien_json_object_key (const mien_json *object, size_t index)
{
  if (object == NULL || object->type != MIEN_JSON_OBJECT
      || index >= object->length)
    return NULL;
  return object->keys[index];
}

const mien_json *
mien_json_object_value (const mien_json *object, size_t index)
{
  if (object == NULL || object->type != MIEN_JSON_OBJECT
      || index >= object->length)
    return NULL;
  return object->items[index];
}

double
mien_json_number (const mien_json *value)
{
  return value != NULL && value->type == MIEN_JSON_NUMBER ? value->number : NAN;
}

int
mien_json_bool (const mien_json *value)
{
  return value != NULL && value->type == MIEN_JSON_BOOL && value->boolean;
}

const char *
mien_json_string (const mien_json *value)
{
  return value != NULL && value->type == MIEN_JSON_STRING ? value->string
                                                          : NULL;
}
