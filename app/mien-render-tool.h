/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render's parts: options and the single-frame path in
 * mien-render-tool.c, the animation export in mien-render-animate.c. */
#pragma once

#include "face/mien-face.h"
#include "io/mien-export.h"
#include "io/mien-project.h"
#include "mien-clip.h"
#include "mien-image.h"
#include "mien-reswarp.h"

#define MAX_CLI_KEYFRAMES 256

typedef struct options {
  const char *photo, *landmarks, *models, *preset, *au, *debug_dir, *output;
  const char *project, *save_project;
  const char *generator; /* "rig" (default) or a .safetensors file */
  float intensity;
  int face, crop_only, quiet;
  int no_fade; /* ResWarp without the residual gain */
  mien_reswarp_mode mode;
  /* --animate */
  int animate, overwrite, ping_pong;
  float fps, duration; /* 0: not given */
  mien_export_scale scale;
  int max_side;
  mien_interpolation interpolation;
  mien_clip_region region;
  int n_keyframes;
  mien_keyframe_spec keyframes[MAX_CLI_KEYFRAMES];
  /* which of the above the command line set (they override a project) */
  int set_face, set_mode, set_scale, set_interpolation, set_region;
} options;

extern const char *program;

/* Renders the project's clip of face and exports it to output; progress on
 * stderr unless quiet. Returns the exit code (0, or 1 with one error line
 * printed). */
int mien_render_animate (const mien_project *project, const mien_image *photo,
                         const mien_face *face, const char *generator,
                         const char *output, int overwrite, int quiet);

/* The generator named on the command line: NULL or "rig" for the AU rig,
 * else an ATW weights file. */
mien_generator *mien_render_make_generator (const char *name, mien_error *err);
