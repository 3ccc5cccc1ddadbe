/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Expressions and keyframes as the user writes them on a command line or
 * in a project: "happy", "happy@0.8", "12=3,6=2", "1.5:happy@0.5,12=1"
 * (mien_expression_spec_parse, mien_keyframe_spec_parse). */
#include "mien-c-locale.h"
#include "mien-project.h"

#include <math.h>
#include <string.h>

/* ---- expressions and keyframes -------------------------------------------- */

void
mien_expression_spec_init (mien_expression_spec *spec)
{
  spec->preset = -1;
  spec->intensity = 1.0f;
  mien_driving_init (&spec->aus);
}

void
mien_expression_spec_to_driving (const mien_expression_spec *spec,
                                 mien_driving *c)
{
  mien_driving_init (c);
  if (spec->preset >= 0 && spec->preset < MIEN_N_PRESETS)
    mien_driving_add_preset (c, (mien_expression_preset)spec->preset,
                             spec->intensity);
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    c->values[i] += spec->aus.values[i];
  mien_driving_clamp (c);
}

static mien_status
check_aus (const mien_driving *aus, mien_error *err)
{
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    {
      const mien_au_info *info = &mien_au_channels[i];
      float v = aus->values[i];
      if (!(v >= info->min && v <= info->max))
        return mien_error_set (err, MIEN_ERR_INVALID,
                               "%s = %g is out of range (%g … %g)", info->name,
                               (double)v, (double)info->min, (double)info->max);
    }
  return MIEN_OK;
}

static mien_status
check_intensity (float k, mien_error *err)
{
  if (!(k >= 0.0f && k <= 1.0f))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "preset intensity %g is out of range (0 … 1)",
                           (double)k);
  return MIEN_OK;
}

/* A plain decimal number from text up to stop (or the end): "1.5", "0",
 * "2e-1", and nothing after it. strtod alone would also take "nan", "inf"
 * and hexadecimal ("0x1p1"), which no one means in a keyframe. */
static int
parse_decimal (const char *text, char stop, double *out)
{
  size_t n = strspn (text, "0123456789+-.eE");
  if (n == 0 || text[n] != stop)
    return 0;
  char *end;
  double v = mien_strtod_c (text, &end);
  /* Beyond any time or intensity, and beyond float: (float)2e39 is
   * undefined behaviour (found by tests/fuzz/fuzz-specs). */
  if (end != text + n || !(fabs (v) <= 1e9))
    return 0;
  *out = v;
  return 1;
}

/* "happy" or "happy@0.8" into spec. */
static mien_status
parse_preset (const char *text, mien_expression_spec *spec, mien_error *err)
{
  char name[64];
  const char *at = strchr (text, '@');
  size_t len = at ? (size_t)(at - text) : strlen (text);
  if (len >= sizeof name)
    len = sizeof name - 1;
  memcpy (name, text, len);
  name[len] = '\0';
  int p = mien_preset_from_name (name);
  if (p < 0)
    {
      char names[512];
      mien_preset_list_names (names, sizeof names);
      return mien_error_set (err, MIEN_ERR_INVALID,
                             "unknown preset '%s'; valid: %s", name, names);
    }
  spec->preset = p;
  spec->intensity = 1.0f;
  if (at)
    {
      double k;
      if (!parse_decimal (at + 1, '\0', &k))
        return mien_error_set (err, MIEN_ERR_INVALID,
                               "'%s': the intensity after @ must be a number",
                               text);
      spec->intensity = (float)k;
    }
  return check_intensity (spec->intensity, err);
}

mien_status
mien_expression_spec_parse (const char *text, mien_expression_spec *spec,
                            mien_error *err)
{
  mien_expression_spec out;
  mien_expression_spec_init (&out);
  if (!text || !*text)
    return mien_error_set (err, MIEN_ERR_INVALID, "empty expression");
  char buf[1024];
  if (strlen (text) >= sizeof buf)
    return mien_error_set (err, MIEN_ERR_INVALID, "expression too long");
  strcpy (buf, text);
  /* A leading term without '=' is the preset; the rest are AU=VALUE. */
  char *aus = buf;
  char *comma = strchr (buf, ',');
  char *eq = strchr (buf, '=');
  if (!eq || (comma && comma < eq))
    {
      if (comma)
        *comma = '\0';
      if (parse_preset (buf, &out, err) != MIEN_OK)
        return err ? err->status : MIEN_ERR_INVALID;
      aus = comma ? comma + 1 : NULL;
    }
  if (aus && *aus
      && (mien_driving_parse (&out.aus, aus, err) != MIEN_OK
          || check_aus (&out.aus, err) != MIEN_OK))
    return err ? err->status : MIEN_ERR_INVALID;
  *spec = out;
  return MIEN_OK;
}

mien_status
mien_keyframe_spec_parse (const char *text, mien_keyframe_spec *keyframe,
                          mien_error *err)
{
  const char *colon = text ? strchr (text, ':') : NULL;
  if (!colon)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "keyframe '%s' is not TIME:EXPRESSION (e.g. "
                           "1.5:happy@0.8 or 3:12=3,6=2)",
                           text ? text : "");
  double t;
  if (!parse_decimal (text, ':', &t)
      || !(t >= 0.0 && t <= MIEN_TIMELINE_MAX_TIME))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "keyframe '%s': the time must be a number of "
                           "seconds from 0 to %g", text,
                           MIEN_TIMELINE_MAX_TIME);
  mien_keyframe_spec k = { .time = t, .easing = MIEN_EASING_EASE_IN_OUT };
  mien_error sub = { 0 };
  if (mien_expression_spec_parse (colon + 1, &k.expression, &sub) != MIEN_OK)
    return mien_error_set (err, sub.status, "keyframe '%s': %s", text,
                           sub.message);
  *keyframe = k;
  return MIEN_OK;
}
