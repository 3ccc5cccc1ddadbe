/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-au.h"
#include "mien-c-locale.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define B MIEN_AU_SIDE_BOTH
#define L MIEN_AU_SIDE_LEFT
#define R MIEN_AU_SIDE_RIGHT
#define BROWS MIEN_AU_REGION_BROWS
#define EYES MIEN_AU_REGION_EYES
#define CHEEKS MIEN_AU_REGION_CHEEKS_NOSE
#define LIPS MIEN_AU_REGION_LIPS
#define JAW MIEN_AU_REGION_JAW
#define GAZE MIEN_AU_REGION_GAZE
#define HEAD MIEN_AU_REGION_HEAD
#define POSE(n, facs, desc, ch)                                                \
  { n, 0, B, HEAD, facs, desc, -MIEN_POSE_MAX_DEG, MIEN_POSE_MAX_DEG, ch }
#define AU(n, num, side, reg, facs, desc, bi)                                  \
  { n, num, side, reg, facs, desc, 0.0f, MIEN_AU_MAX, bi }

const mien_au_info mien_au_channels[MIEN_AU_N_CHANNELS] = {
  AU ("AU1", 1, B, BROWS, "Inner brow raiser",
      "Raises the inner ends of both eyebrows (worry, surprise).", MIEN_AU1),
  AU ("AU2", 2, B, BROWS, "Outer brow raiser",
      "Raises the outer ends of both eyebrows.", MIEN_AU2),
  AU ("AU4", 4, B, BROWS, "Brow lowerer",
      "Lowers the brows and draws them together (frown).", MIEN_AU4),
  AU ("AU5", 5, B, EYES, "Upper lid raiser",
      "Raises the upper eyelids, widening the eyes (stare, fear).", MIEN_AU5),
  AU ("AU6", 6, B, CHEEKS, "Cheek raiser",
      "Lifts the cheeks and the lower lids (the eyes of a real smile).",
      MIEN_AU6),
  AU ("AU7", 7, B, EYES, "Lid tightener",
      "Tightens the lids: the lower lids rise and the eyes narrow.", MIEN_AU7),
  AU ("AU9", 9, B, CHEEKS, "Nose wrinkler",
      "Wrinkles the nose: the nostrils and upper lip rise, brows lower a "
      "little.", MIEN_AU9),
  AU ("AU10", 10, B, LIPS, "Upper lip raiser",
      "Raises the upper lip (disgust).", MIEN_AU10),
  AU ("AU12", 12, B, LIPS, "Lip corner puller",
      "Pulls the lip corners up and out (smile).", MIEN_AU12),
  AU ("AU14", 14, B, LIPS, "Dimpler",
      "Tightens the lip corners inwards (dimples; one-sided: contempt).",
      MIEN_AU14),
  AU ("AU15", 15, B, LIPS, "Lip corner depressor",
      "Pulls the lip corners down (sadness).", MIEN_AU15),
  AU ("AU17", 17, B, JAW, "Chin raiser",
      "Pushes the chin and lower lip up (pout, doubt).", MIEN_AU17),
  AU ("AU20", 20, B, LIPS, "Lip stretcher",
      "Stretches the lips sideways (fear).", MIEN_AU20),
  AU ("AU23", 23, B, LIPS, "Lip tightener",
      "Tightens and narrows the lips (anger).", MIEN_AU23),
  AU ("AU25", 25, B, LIPS, "Lips part",
      "Parts the lips without dropping the jaw.", MIEN_AU25),
  AU ("AU26", 26, B, JAW, "Jaw drop",
      "Drops the jaw and opens the mouth.", MIEN_AU26),
  AU ("AU45", 45, B, EYES, "Blink",
      "Closes both eyes: the upper lids come down over the eyes.", MIEN_AU45),
  AU ("AU18", 18, B, LIPS, "Lip pucker",
      "Pushes the lips forward: the mouth narrows and rounds (pout, kiss).",
      MIEN_AU18),
  AU ("AU22", 22, B, LIPS, "Lip funneler",
      "Funnels the lips outward: the mouth narrows into a round opening (o).",
      MIEN_AU22),
  AU ("AU24", 24, B, LIPS, "Lip pressor",
      "Presses the lips together: they close and thin (m, b, p).", MIEN_AU24),
  AU ("AU27", 27, B, JAW, "Mouth stretch",
      "Pulls the jaw far down: the mouth stretches wide open (a yawn).",
      MIEN_AU27),
  AU ("AU43", 43, B, EYES, "Eyes closed",
      "Closes both eyes and holds them shut (sleep), unlike a blink.",
      MIEN_AU43),
  AU ("AU1L", 1, L, BROWS, "Inner brow raiser (left)",
      "Raises the inner end of the subject's left eyebrow.", MIEN_AU1),
  AU ("AU1R", 1, R, BROWS, "Inner brow raiser (right)",
      "Raises the inner end of the subject's right eyebrow.", MIEN_AU1),
  AU ("AU2L", 2, L, BROWS, "Outer brow raiser (left)",
      "Raises the outer end of the subject's left eyebrow.", MIEN_AU2),
  AU ("AU2R", 2, R, BROWS, "Outer brow raiser (right)",
      "Raises the outer end of the subject's right eyebrow.", MIEN_AU2),
  AU ("AU4L", 4, L, BROWS, "Brow lowerer (left)",
      "Lowers the subject's left brow.", MIEN_AU4),
  AU ("AU4R", 4, R, BROWS, "Brow lowerer (right)",
      "Lowers the subject's right brow.", MIEN_AU4),
  AU ("AU5L", 5, L, EYES, "Upper lid raiser (left)",
      "Widens the subject's left eye.", MIEN_AU5),
  AU ("AU5R", 5, R, EYES, "Upper lid raiser (right)",
      "Widens the subject's right eye.", MIEN_AU5),
  AU ("AU6L", 6, L, CHEEKS, "Cheek raiser (left)",
      "Lifts the subject's left cheek.", MIEN_AU6),
  AU ("AU6R", 6, R, CHEEKS, "Cheek raiser (right)",
      "Lifts the subject's right cheek.", MIEN_AU6),
  AU ("AU7L", 7, L, EYES, "Lid tightener (left)",
      "Narrows the subject's left eye.", MIEN_AU7),
  AU ("AU7R", 7, R, EYES, "Lid tightener (right)",
      "Narrows the subject's right eye.", MIEN_AU7),
  AU ("AU12L", 12, L, LIPS, "Lip corner puller (left)",
      "Lifts the subject's left lip corner (half smile).", MIEN_AU12),
  AU ("AU12R", 12, R, LIPS, "Lip corner puller (right)",
      "Lifts the subject's right lip corner (half smile).", MIEN_AU12),
  AU ("AU14L", 14, L, LIPS, "Dimpler (left)",
      "Tightens the subject's left lip corner.", MIEN_AU14),
  AU ("AU14R", 14, R, LIPS, "Dimpler (right)",
      "Tightens the subject's right lip corner.", MIEN_AU14),
  AU ("AU15L", 15, L, LIPS, "Lip corner depressor (left)",
      "Pulls the subject's left lip corner down.", MIEN_AU15),
  AU ("AU15R", 15, R, LIPS, "Lip corner depressor (right)",
      "Pulls the subject's right lip corner down.", MIEN_AU15),
  AU ("AU20L", 20, L, LIPS, "Lip stretcher (left)",
      "Stretches the subject's left lip corner sideways.", MIEN_AU20),
  AU ("AU20R", 20, R, LIPS, "Lip stretcher (right)",
      "Stretches the subject's right lip corner sideways.", MIEN_AU20),
  AU ("AU45L", 45, L, EYES, "Wink (left)",
      "Closes the subject's left eye.", MIEN_AU45),
  AU ("AU45R", 45, R, EYES, "Wink (right)",
      "Closes the subject's right eye.", MIEN_AU45),
  AU ("AU43L", 43, L, EYES, "Eye closed (left)",
      "Closes the subject's left eye and holds it shut.", MIEN_AU43),
  AU ("AU43R", 43, R, EYES, "Eye closed (right)",
      "Closes the subject's right eye and holds it shut.", MIEN_AU43),
  { "gaze_h", 0, B, GAZE, "Gaze left–right",
    "Turns the eyes: -1 towards the image's left, +1 towards its right.",
    -1.0f, 1.0f, MIEN_GAZE_H },
  { "gaze_v", 0, B, GAZE, "Gaze up–down",
    "Turns the eyes: -1 up, +1 down.", -1.0f, 1.0f, MIEN_GAZE_V },
  POSE ("yaw", "Head turn",
        "Turns the head, in degrees: + towards the image's right.",
        MIEN_HEAD_YAW),
  POSE ("pitch", "Head nod",
        "Nods the head, in degrees: + chin up, - chin down.",
        MIEN_HEAD_PITCH),
  POSE ("roll", "Head tilt",
        "Tilts the head, in degrees: + clockwise, its top towards the "
        "image's right.", MIEN_HEAD_ROLL),
};

const char *
mien_au_region_to_string (mien_au_region region)
{
  static const char *const names[MIEN_AU_N_REGIONS] = {
    "brows", "eyes", "cheeks and nose", "lips", "jaw", "gaze", "head",
  };
  return (unsigned)region < MIEN_AU_N_REGIONS ? names[region] : "?";
}

/* Canonical form for lookup: lower case, without "au", "_" and "-" (so
 * "AU12_L", "au12l" and "12L" are the same). */
static void
canonical_name (const char *in, char *out, size_t size)
{
  size_t n = 0;
  if (strncasecmp (in, "au", 2) == 0)
    in += 2;
  for (; *in && n + 1 < size; in++)
    if (*in != '_' && *in != '-' && !isspace ((unsigned char)*in))
      out[n++] = (char)tolower ((unsigned char)*in);
  out[n] = '\0';
}

int
mien_au_channel_from_name (const char *name)
{
  char want[32], have[32];
  if (!name)
    return -1;
  canonical_name (name, want, sizeof want);
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    {
      canonical_name (mien_au_channels[i].name, have, sizeof have);
      if (strcmp (want, have) == 0)
        return i;
    }
  return -1;
}

void
mien_driving_init (mien_driving *c)
{
  memset (c, 0, sizeof *c);
}

int
mien_driving_clamp (mien_driving *c)
{
  int changed = 0;
  for (int i = 0; i < MIEN_AU_N_CHANNELS; i++)
    {
      float v = c->values[i];
      float lo = mien_au_channels[i].min, hi = mien_au_channels[i].max;
      float w = isnan (v) ? 0.0f : v < lo ? lo : v > hi ? hi : v;
      if (w != v || isnan (v))
        changed++;
      c->values[i] = w;
    }
  return changed;
}

float
mien_driving_side (const mien_driving *c, mien_au_channel au,
                   mien_au_side side)
{
  float v = c->values[au];
  if (!(v >= 0.0f))
    v = 0.0f; /* also NaN */
  for (int i = MIEN_AU_N_BILATERAL; i < MIEN_AU_N_CHANNELS; i++)
    if (mien_au_channels[i].bilateral == au && mien_au_channels[i].side == side
        && c->values[i] > 0.0f)
      v += c->values[i];
  return v > MIEN_AU_MAX ? MIEN_AU_MAX : v;
}

const mien_preset_info mien_presets[MIEN_N_PRESETS] = {
  { "neutral", "Neutral", "No Action Unit: the photo as it is." },
  { "happy", "Happy", "AU6 + AU12, lips slightly parted (AU25)." },
  { "sad", "Sad", "AU1 + AU4 + AU15 (with AU6), chin raised (AU17)." },
  { "surprised", "Surprised",
    "AU1 + AU2 + AU5 + AU26 (with AU25); AU15 + AU14 undo a photo's smile." },
  { "fearful", "Fearful",
    "AU1 + AU2 + AU4 + AU5 + AU7 + AU20 + AU26 (with AU25)." },
  { "angry", "Angry",
    "AU4 + AU5 + AU7 + AU23 + AU15, nose wrinkled (AU9, AU10), chin raised "
    "(AU17)." },
  { "disgusted", "Disgusted", "AU9 + AU10 + AU15 + AU17, brows lowered." },
  { "contempt", "Contempt", "One-sided R12 + R14 (subject's right)." },
  { "viseme-a", "A", "Mouth open as for \"a\" in father: AU25 + AU26.",
    MIEN_PRESET_GROUP_MOUTH },
  { "viseme-e", "E",
    "Lips spread as for \"ee\" in see: AU20 + AU12, a little parted "
    "(AU25).",
    MIEN_PRESET_GROUP_MOUTH },
  { "viseme-o", "O",
    "Lips rounded and open as for \"o\" in go: AU22 + AU18, jaw dropped "
    "(AU25, AU26).", MIEN_PRESET_GROUP_MOUTH },
  { "viseme-u", "U",
    "Lips rounded and pushed forward as for \"oo\" in boot: AU18 + AU22, "
    "a small opening (AU25, AU26).", MIEN_PRESET_GROUP_MOUTH },
  { "viseme-mbp", "M/B/P",
    "Lips pressed together as for m, b and p: AU24 + AU23, chin raised "
    "(AU17).",
    MIEN_PRESET_GROUP_MOUTH },
  { "look-at-camera", "Look at the camera",
    "Gaze that moves the irises to the middle of the eyes: the photo's own "
    "gaze, measured on its irises, cancelled.", MIEN_PRESET_GROUP_GAZE },
};

typedef struct preset_term {
  mien_au_channel channel;
  float value; /* FACS intensity at full preset strength */
} preset_term;

/* EMFACS prototypes. Disgusted, fearful and contempt use intensities chosen
 * by eye; happy, sad, surprised and angry were searched against face-api's
 * expression model over the sample faces (tools/calibrate) and checked on
 * the contact sheets: face-api needs them strong. Happy is its two defining
 * AUs at the FACS maximum: at 3.5 / 4.5 a downcast smiling face (sample1/0)
 * read less happy than the photo, and neighbouring recipes raised it on
 * only 5 of 16 (13 of 16 at the maximum). Angry adds
 * AU15 and AU9/AU10 to the AU4+5+7+23 core, which also pulls a smiling
 * photo's lip corners down; AU23 (angry) and AU17 (sad) seal a smiling
 * photo's open lips over its teeth (the rig's lip seal). Surprised adds
 * AU15 and AU14 for the same reason: most sample photos smile, and a
 * dropped jaw under raised corners still reads as a laugh (face-api: 17 ->
 * 18 of 21 faces, mean gain 0.30 -> 0.49). Surprised's AU15 3.25 and
 * disgusted's 1.3 drop the corners by 0.13 and 0.05 iod of the rig's 0.20
 * at AU15 5 (engine/rig/rig-tables.c). */
static const preset_term preset_terms[MIEN_N_PRESETS][8] = {
  [MIEN_PRESET_HAPPY] = { { MIEN_AU6, 5.0f }, { MIEN_AU12, 5.0f },
                          { MIEN_AU25, 1.5f } },
  [MIEN_PRESET_SAD] = { { MIEN_AU1, 5.0f }, { MIEN_AU4, 4.0f },
                        { MIEN_AU15, 5.0f }, { MIEN_AU17, 5.0f },
                        { MIEN_AU6, 2.0f } },
  [MIEN_PRESET_SURPRISED] = { { MIEN_AU1, 5.0f }, { MIEN_AU2, 3.0f },
                              { MIEN_AU5, 4.5f }, { MIEN_AU25, 4.0f },
                              { MIEN_AU26, 3.5f }, { MIEN_AU15, 3.25f },
                              { MIEN_AU14, 3.0f } },
  [MIEN_PRESET_FEARFUL] = { { MIEN_AU1, 4.0f }, { MIEN_AU2, 3.0f },
                            { MIEN_AU4, 2.5f }, { MIEN_AU5, 4.0f },
                            { MIEN_AU7, 1.5f }, { MIEN_AU20, 3.5f },
                            { MIEN_AU25, 3.0f }, { MIEN_AU26, 2.0f } },
  [MIEN_PRESET_ANGRY] = { { MIEN_AU4, 5.0f }, { MIEN_AU5, 4.0f },
                          { MIEN_AU7, 5.0f }, { MIEN_AU23, 5.0f },
                          { MIEN_AU17, 3.0f }, { MIEN_AU15, 5.0f },
                          { MIEN_AU10, 4.0f }, { MIEN_AU9, 3.0f } },
  [MIEN_PRESET_DISGUSTED] = { { MIEN_AU9, 4.0f }, { MIEN_AU10, 3.0f },
                              { MIEN_AU15, 1.3f }, { MIEN_AU17, 2.0f },
                              { MIEN_AU4, 1.5f } },
  [MIEN_PRESET_CONTEMPT] = { { MIEN_AU12_R, 3.0f }, { MIEN_AU14_R, 3.0f } },
  /* The visemes: the mouth shapes of speech as AUs (the jaw and lip
   * postures of the animators' mouth charts, in FACS terms). Sizes were
   * set against face-api's 68 landmarks found again on the results
   * (tests/eval/test-visemes.c): E must widen the inner mouth, O and U
   * narrow it, A open it, M/B/P close it, each by 10 % or more. A drops
   * the jaw to AU26 3, not 5: at 5 the fold guard scaled the whole field
   * to 0.57-0.81 and the inner lips opened less than at 3 (the guard then
   * acts on 6 of 23 faces, >= 0.82). E parts the lips a little (AU25 2).
   * O and U pucker fully (AU18 5) with a smaller jaw drop than before
   * (O: AU26 3 -> 2), so that the guard leaves them (nearly) whole; U
   * opens a little (AU25 2, AU26 1). Measured together with the pucker's
   * corner skin (engine/rig/rig-tables.c), not one by one
   * (tests/eval/test-visemes.c, 2026-12-03: A 18, E 19, O 15, U 14 of 22
   * faces; were 18, 18, 13, 10). */
  [MIEN_PRESET_VISEME_A] = { { MIEN_AU25, 5.0f }, { MIEN_AU26, 3.0f } },
  [MIEN_PRESET_VISEME_E] = { { MIEN_AU20, 5.0f }, { MIEN_AU12, 5.0f },
                             { MIEN_AU25, 2.0f } },
  [MIEN_PRESET_VISEME_O] = { { MIEN_AU22, 5.0f }, { MIEN_AU18, 5.0f },
                             { MIEN_AU25, 3.0f }, { MIEN_AU26, 2.0f } },
  [MIEN_PRESET_VISEME_U] = { { MIEN_AU18, 5.0f }, { MIEN_AU22, 5.0f },
                             { MIEN_AU25, 2.0f }, { MIEN_AU26, 1.0f } },
  [MIEN_PRESET_VISEME_MBP] = { { MIEN_AU24, 5.0f }, { MIEN_AU23, 3.0f },
                               { MIEN_AU17, 2.0f } },
};

int
mien_preset_from_name (const char *name)
{
  for (int i = 0; name && i < MIEN_N_PRESETS; i++)
    if (strcasecmp (name, mien_presets[i].name) == 0)
      return i;
  return -1;
}

void
mien_driving_add_preset (mien_driving *c, mien_expression_preset preset,
                         float intensity)
{
  if ((unsigned)preset >= MIEN_N_PRESETS)
    return;
  for (int i = 0; i < 8; i++)
    {
      const preset_term *t = &preset_terms[preset][i];
      if (t->value > 0.0f)
        c->values[t->channel] += t->value * intensity;
    }
}

void
mien_au_list_names (char *buf, size_t size)
{
  size_t n = 0;
  buf[0] = '\0';
  for (int i = 0; i < MIEN_AU_N_CHANNELS && n + 1 < size; i++)
    n += (size_t)snprintf (buf + n, size - n, "%s%s", i ? " " : "",
                           mien_au_channels[i].name);
}

void
mien_preset_list_names (char *buf, size_t size)
{
  size_t n = 0;
  buf[0] = '\0';
  for (int i = 0; i < MIEN_N_PRESETS && n + 1 < size; i++)
    n += (size_t)snprintf (buf + n, size - n, "%s%s", i ? " " : "",
                           mien_presets[i].name);
}

/* A plain decimal number and nothing after it: "3", "-0.5", "2.5e-1".
 * strtod alone would also take "nan", "inf" and hexadecimal "0x1p2". */
static int
parse_decimal (const char *text, double *out)
{
  if (text[strspn (text, "0123456789+-.eE")] != '\0')
    return 0;
  char *end;
  double v = mien_strtod_c (text, &end);
  /* Beyond any AU range, and beyond float: (float)2e39 is undefined
   * behaviour and was inf (found by tests/fuzz/fuzz-specs). */
  if (end == text || *end != '\0' || !(fabs (v) <= 1e9))
    return 0;
  *out = v;
  return 1;
}

/* "yaw=…": a term naming one of the head pose channels. */
static int
is_pose_term (const char *term)
{
  char name[32];
  const char *eq = strchr (term, '=');
  if (!eq || (size_t)(eq - term) >= sizeof name)
    return 0;
  memcpy (name, term, (size_t)(eq - term));
  name[eq - term] = '\0';
  int ch = mien_au_channel_from_name (name);
  return ch >= 0 && mien_au_channels[ch].region == MIEN_AU_REGION_HEAD;
}

static mien_status
parse_term (mien_driving *c, const char *term, mien_error *err)
{
  char name[32];
  const char *eq = strchr (term, '=');
  if (!eq || eq == term || (size_t)(eq - term) >= sizeof name)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "'%s' is not NAME=VALUE (e.g. 12=3.5)", term);
  memcpy (name, term, (size_t)(eq - term));
  name[eq - term] = '\0';
  int ch = mien_au_channel_from_name (name);
  if (ch < 0)
    {
      char names[512];
      mien_au_list_names (names, sizeof names);
      return mien_error_set (err, MIEN_ERR_INVALID,
                             "unknown Action Unit '%s'; valid: %s", name,
                             names);
    }
  double v;
  if (!parse_decimal (eq + 1, &v))
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "'%s': '%s' after '=' is not a number", term,
                           eq + 1);
  c->values[ch] = (float)v;
  return MIEN_OK;
}

static mien_status
parse_spec (mien_driving *c, const char *spec, int pose_only,
            mien_error *err)
{
  char buf[1024];
  if (!spec || strlen (spec) >= sizeof buf)
    return mien_error_set (err, MIEN_ERR_INVALID, "AU list missing or too long");
  strcpy (buf, spec);
  char *save = NULL;
  for (char *t = strtok_r (buf, ", ", &save); t; t = strtok_r (NULL, ", ", &save))
    {
      if (pose_only && !is_pose_term (t))
        return mien_error_set (err, MIEN_ERR_INVALID,
                               "'%s': the pose is yaw, pitch and roll in "
                               "degrees (e.g. yaw=15,pitch=-5,roll=3)", t);
      if (parse_term (c, t, err) != MIEN_OK)
        return err ? err->status : MIEN_ERR_INVALID;
    }
  return MIEN_OK;
}

mien_status
mien_driving_parse (mien_driving *c, const char *spec, mien_error *err)
{
  return parse_spec (c, spec, 0, err);
}

mien_status
mien_driving_parse_pose (mien_driving *c, const char *spec, mien_error *err)
{
  return parse_spec (c, spec, 1, err);
}
