/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The user's work as a project file: which photo, which face, the
 * expression keyframes and the animation/export settings. JSON (json-glib),
 * schema in docs/PROJECT-FORMAT.md, "format": "mien-project", "version": 1.
 *
 * Loading never half-succeeds: on any error (unreadable file, invalid JSON,
 * a field of the wrong type or out of range, a newer schema version, a photo
 * that is not where the project says) *out is left as it was, so the caller
 * keeps the user's current work, and the message says what was wrong — for a
 * moved photo, the path where it was expected. Hostile files are refused
 * before json-glib sees them (mien-json-file.h): not a regular file, too
 * large, or nested too deeply. Saving goes through a
 * temporary beside the target renamed into place (mien-atomic-file.h): a
 * failed save leaves the old file, if any, untouched and nothing partial. */
#pragma once

#include "../mien-au.h"
#include "../mien-clip.h"
#include "../mien-reswarp.h"
#include "../mien-timeline.h"
#include "mien-export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIEN_PROJECT_FORMAT "mien-project"
/* The schema this build writes and the newest it reads. */
#define MIEN_PROJECT_VERSION 1

typedef enum mien_clip_region {
  MIEN_CLIP_REGION_PHOTO = 0, /* the whole photo, face animated in place */
  MIEN_CLIP_REGION_FACE,      /* only the face's headshot crop */
} mien_clip_region;

const char *mien_clip_region_to_string (mien_clip_region region);
int mien_clip_region_from_string (const char *name); /* "photo", "face" */

/* An expression as the user sets it: a preset at some intensity plus AU
 * values added to it (either may be absent). */
typedef struct mien_expression_spec {
  int preset;       /* mien_expression_preset, or -1 for none */
  float intensity;  /* preset strength in [0, 1] */
  mien_driving aus; /* added to the preset's vector */
} mien_expression_spec;

void mien_expression_spec_init (mien_expression_spec *spec); /* neutral */
/* The driving vector: preset × intensity + aus, clamped to each range. */
void mien_expression_spec_to_driving (const mien_expression_spec *spec,
                                      mien_driving *c);
/* "happy", "happy@0.8", "12=3,6=2", "happy@0.5,12=1", "neutral". Values
 * outside a channel's range are refused (a project or a command line should
 * not silently mean something else). */
mien_status mien_expression_spec_parse (const char *text,
                                        mien_expression_spec *spec,
                                        mien_error *err);

typedef struct mien_keyframe_spec {
  double time; /* seconds, >= 0 */
  mien_expression_spec expression;
  mien_easing easing; /* of the segment that starts here */
} mien_keyframe_spec;

/* "TIME:EXPRESSION" as mien_expression_spec_parse, e.g. "1.5:happy@0.8",
 * "3:12=3,6=2"; easing ease-in-out. */
mien_status mien_keyframe_spec_parse (const char *text,
                                      mien_keyframe_spec *keyframe,
                                      mien_error *err);

typedef struct mien_animation_settings {
  mien_reswarp_mode mode;
  double fps;      /* (0, MIEN_TIMELINE_MAX_FPS] */
  double duration; /* seconds, of the default clip (no keyframes) */
  mien_export_scale scale;
  int max_side; /* for MIEN_EXPORT_SCALE_MAX_SIDE */
  mien_interpolation interpolation;
  int ping_pong;
  mien_clip_region region;
} mien_animation_settings;

/* multiscale, 30 fps, 2 s, full size (max side 1024 when chosen), driving
 * interpolation, no ping-pong, whole photo. */
void mien_animation_settings_init (mien_animation_settings *settings);

#define MIEN_PROJECT_MAX_KEYFRAMES 1000
/* A project file is read whole: 1000 keyframes with every AU set, pretty
 * printed, are about 1.2 MB. Also nested at most MIEN_JSON_FILE_MAX_DEPTH
 * levels, and a regular file (not a FIFO or a folder). */
#define MIEN_PROJECT_MAX_FILE_SIZE (4 << 20)
/* 1000 keyframes of every AU are about 45 000 values. */
#define MIEN_PROJECT_MAX_VALUES 200000

typedef struct mien_project {
  char *photo; /* absolute path after load; any path to save */
  int face;    /* 0-based index in the analyzer's order; -1: the largest */
  /* The expression the sliders show: the default clip goes from the photo
   * to it (and back with ping-pong) when there are no keyframes. */
  mien_expression_spec target;
  int n_keyframes;
  mien_keyframe_spec *keyframes; /* malloc'd */
  mien_animation_settings settings;
} mien_project;

void mien_project_init (mien_project *project);
void mien_project_clear (mien_project *project);
/* Appends a copy (keyframes are kept in the order given; the timeline sorts
 * them). */
mien_status mien_project_add_keyframe (mien_project *project,
                                       const mien_keyframe_spec *keyframe,
                                       mien_error *err);
mien_status mien_project_set_photo (mien_project *project, const char *photo,
                                    mien_error *err);

/* Reads path into *out (cleared first by the caller's mien_project_init or
 * holding an older project: it is replaced only on success). A relative
 * photo path is resolved against the project file's folder. */
mien_status mien_project_load (const char *path, mien_project *out,
                               mien_error *err);
/* The same from a file's contents already in memory (path names it in
 * messages and anchors a relative photo path; it is not read). */
mien_status mien_project_load_from_data (const char *text, size_t length,
                                         const char *path, mien_project *out,
                                         mien_error *err);
/* Writes the project atomically. The photo is stored relative to the
 * project file's folder when both are on the same tree (e.g.
 * "astronaut.png", "../photos/a.jpg"), else absolute. */
mien_status mien_project_save (const mien_project *project, const char *path,
                               mien_error *err);

/* The animation the project describes: its keyframes, or the default clip
 * (mien_clip_default_timeline) to target over settings.duration; with
 * ping-pong. Refuses duplicate keyframe times. */
mien_timeline *mien_project_build_timeline (const mien_project *project,
                                            mien_error *err);

#ifdef __cplusplus
}
#endif
