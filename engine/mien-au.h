/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The driving vector c: Action Units, their one-sided variants and gaze, and
 * the expression presets that expand to it. ONE table (mien_au_channels)
 * names every channel; the generator, the command-line tool and the GTK
 * sliders all read it, so a channel is added in one place.
 *
 * Channels:
 * - the 17 OpenFace intensity AUs (1 2 4 5 6 7 9 10 12 14 15 17 20 23 25 26
 *   45) on the FACS 0–5 scale (0 absent, 1 trace … 5 maximum), acting on
 *   both sides of the face, then the AUs OpenFace lacks (18 lip pucker,
 *   22 lip funneler, 24 lip pressor, 27 mouth stretch, 43 eyes closed),
 *   likewise;
 * - one-sided variants "AU12L" / "AU12R" for the AUs faces do one-sidedly
 *   (brows, lids, cheeks, lip corners; AU45L is a wink, AU43L an eye held
 *   shut). L and R are the
 *   SUBJECT's left and right, as in FACS: the subject's left is on the image's
 *   right in an unmirrored photo. A side's intensity is bilateral + one-sided,
 *   clamped to 5;
 * - gaze: "gaze_h" in [-1, 1] (+1: the eyes turn to the image's right; the
 *   animator moves each iris 0.25 of its eye's width, mien_iris_move, or
 *   the rig shifts the eye region where no iris is found), "gaze_v" in
 *   [-1, 1] (+1: down; 0.10 of the width);
 * - head pose (issue #24): "yaw", "pitch", "roll" in degrees, ±20, the
 *   head turned as a 3-D body about a pivot near the top of the spine
 *   (engine/rig/rig-pose.c). yaw +: the face turns towards the image's
 *   right; pitch +: the chin comes up (the face looks up); roll +: the head
 *   tilts clockwise in the image (its top towards the image's right). 0 is
 *   the photo's own pose, so a vector of zeros still leaves the photo alone.
 *
 * Out-of-range values are clamped by mien_driving_clamp (the rig clamps
 * again, so no input can make it fold). */
#pragma once

#include <stddef.h>

#include "mien-error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIEN_AU_MAX 5.0f

typedef enum mien_au_region {
  MIEN_AU_REGION_BROWS = 0,
  MIEN_AU_REGION_EYES,
  MIEN_AU_REGION_CHEEKS_NOSE,
  MIEN_AU_REGION_LIPS,
  MIEN_AU_REGION_JAW,
  MIEN_AU_REGION_GAZE,
  MIEN_AU_REGION_HEAD, /* head pose */
  MIEN_AU_N_REGIONS,
} mien_au_region;

typedef enum mien_au_side {
  MIEN_AU_SIDE_BOTH = 0,
  MIEN_AU_SIDE_LEFT,  /* subject's left (image right) */
  MIEN_AU_SIDE_RIGHT, /* subject's right (image left) */
} mien_au_side;

/* Every channel of the driving vector, in table order. */
typedef enum mien_au_channel {
  MIEN_AU1 = 0, MIEN_AU2, MIEN_AU4, MIEN_AU5, MIEN_AU6, MIEN_AU7, MIEN_AU9,
  MIEN_AU10, MIEN_AU12, MIEN_AU14, MIEN_AU15, MIEN_AU17, MIEN_AU20,
  MIEN_AU23, MIEN_AU25, MIEN_AU26, MIEN_AU45,
  MIEN_AU18, MIEN_AU22, MIEN_AU24, MIEN_AU27, MIEN_AU43,
  MIEN_AU1_L, MIEN_AU1_R, MIEN_AU2_L, MIEN_AU2_R, MIEN_AU4_L, MIEN_AU4_R,
  MIEN_AU5_L, MIEN_AU5_R, MIEN_AU6_L, MIEN_AU6_R, MIEN_AU7_L, MIEN_AU7_R,
  MIEN_AU12_L, MIEN_AU12_R, MIEN_AU14_L, MIEN_AU14_R, MIEN_AU15_L,
  MIEN_AU15_R, MIEN_AU20_L, MIEN_AU20_R, MIEN_AU45_L, MIEN_AU45_R,
  MIEN_AU43_L, MIEN_AU43_R,
  MIEN_GAZE_H, MIEN_GAZE_V,
  MIEN_HEAD_YAW, MIEN_HEAD_PITCH, MIEN_HEAD_ROLL,
  MIEN_AU_N_CHANNELS,
} mien_au_channel;

/* The 17 bilateral OpenFace AUs are channels 0 … 16. */
#define MIEN_AU_N_OPENFACE 17
/* Every channel before the one-sided variants acts on both sides: the
 * OpenFace AUs and those OpenFace lacks. */
#define MIEN_AU_N_BILATERAL ((int)MIEN_AU1_L)
/* The head pose channels' range, degrees. */
#define MIEN_POSE_MAX_DEG 20.0f

typedef struct mien_au_info {
  const char *name;        /* "AU12", "AU12L", "gaze_h": CLI and settings key */
  int facs_number;         /* 12; 0 for gaze and head pose */
  mien_au_side side;
  mien_au_region region;
  const char *facs_name;   /* "Lip corner puller" (translatable in the UI) */
  const char *description; /* what the slider does, one sentence */
  float min, max;          /* slider range */
  mien_au_channel bilateral; /* the both-sides channel (itself if bilateral) */
} mien_au_info;

extern const mien_au_info mien_au_channels[MIEN_AU_N_CHANNELS];

const char *mien_au_region_to_string (mien_au_region region);

/* Looks a channel up by name ("AU12", "au12", "12", "12L", "AU12_L",
 * "gaze_h"); returns -1 if unknown. */
int mien_au_channel_from_name (const char *name);

typedef struct mien_driving {
  float values[MIEN_AU_N_CHANNELS];
} mien_driving;

void mien_driving_init (mien_driving *c);
/* Clamps every channel to its range; returns the number of values changed
 * (NaN counts, and becomes 0). */
int mien_driving_clamp (mien_driving *c);
/* The intensity an AU acts with on one side: bilateral + one-sided, in
 * [0, 5]. au is a bilateral channel (MIEN_AU1 … MIEN_AU43); side LEFT or
 * RIGHT. */
float mien_driving_side (const mien_driving *c, mien_au_channel au,
                         mien_au_side side);

/* Presets: the expressions from the EMFACS prototypes, then the visemes of
 * speech (mouth shapes made of AUs; group MIEN_PRESET_GROUP_MOUTH), then
 * "look at the camera" (gaze, per photo: MIEN_PRESET_GROUP_GAZE). A
 * preset's group says where a user interface lists it; appending presets
 * keeps the numbers of the earlier ones. */
typedef enum mien_expression_preset {
  MIEN_PRESET_NEUTRAL = 0,
  MIEN_PRESET_HAPPY,
  MIEN_PRESET_SAD,
  MIEN_PRESET_SURPRISED,
  MIEN_PRESET_FEARFUL,
  MIEN_PRESET_ANGRY,
  MIEN_PRESET_DISGUSTED,
  MIEN_PRESET_CONTEMPT,
  MIEN_PRESET_VISEME_A,   /* "a" as in father: open */
  MIEN_PRESET_VISEME_E,   /* "ee" as in see: spread */
  MIEN_PRESET_VISEME_O,   /* "o" as in go: rounded, open */
  MIEN_PRESET_VISEME_U,   /* "oo" as in boot: rounded, puckered */
  MIEN_PRESET_VISEME_MBP, /* m, b, p: lips pressed */
  /* Per photo (group MIEN_PRESET_GROUP_GAZE): the gaze that cancels the
   * photo's own, measured on its irises. mien_driving_add_preset adds
   * nothing for it; mien_animator_add_preset adds the photo's values. */
  MIEN_PRESET_LOOK_AT_CAMERA,
  MIEN_N_PRESETS,
} mien_expression_preset;

typedef enum mien_preset_group {
  MIEN_PRESET_GROUP_EXPRESSION = 0, /* neutral … contempt */
  MIEN_PRESET_GROUP_MOUTH,          /* the visemes */
  MIEN_PRESET_GROUP_GAZE,           /* look at the camera (per photo) */
  MIEN_N_PRESET_GROUPS,
} mien_preset_group;

typedef struct mien_preset_info {
  const char *name;        /* "happy" */
  const char *label;       /* "Happy" */
  const char *description; /* the AU recipe in words */
  mien_preset_group group;
} mien_preset_info;

extern const mien_preset_info mien_presets[MIEN_N_PRESETS];

/* Returns -1 if unknown (case-insensitive). */
int mien_preset_from_name (const char *name);

/* Adds the preset's AU vector times intensity (0 … 1; 1 is the prototype at
 * full strength) to c. */
void mien_driving_add_preset (mien_driving *c, mien_expression_preset preset,
                              float intensity);

/* Parses "12=3.5,6=2,45L=5,gaze_h=-0.5" and sets those channels (values are
 * not clamped here, so a caller can warn first). Unknown names fail with
 * MIEN_ERR_INVALID and a message listing the valid ones. */
mien_status mien_driving_parse (mien_driving *c, const char *spec,
                                mien_error *err);

/* Parses "yaw=15,pitch=-5,roll=3" (mien-render --pose): like
 * mien_driving_parse, but only the head pose channels are allowed. */
mien_status mien_driving_parse_pose (mien_driving *c, const char *spec,
                                     mien_error *err);

/* Writes "AU1 AU2 … roll" (space-separated) into buf. */
void mien_au_list_names (char *buf, size_t size);
void mien_preset_list_names (char *buf, size_t size);

#ifdef __cplusplus
}
#endif
