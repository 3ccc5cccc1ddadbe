/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-eval's parts: options and main in mien-eval-tool.c; the output
 * folder and its tables in mien-eval-tables.c; photos and the faces found
 * in mien-eval-photos.c; one face's presets in the four HD modes, with
 * their cost, in mien-eval-stills.c; its neutral → preset clips in
 * mien-eval-clips.c. */
#pragma once

#include <stdio.h>

#include "face/mien-face-analyzer.h"
#include "mien-animator.h"
#include "mien-au.h"
#include "mien-generator.h"

enum { HD_MULTISCALE, HD_VANILLA, HD_BILINEAR, HD_BICUBIC, N_HD };
extern const char *const mien_eval_hd_names[N_HD];

typedef struct options {
  const char *out_dir, *models;
  char **inputs;
  int n_inputs;
  int presets[MIEN_N_PRESETS], n_presets;
  int anim_presets[MIEN_N_PRESETS], n_anim_presets;
  int hd[N_HD], n_hd;
  int sizes[16], n_sizes;
  int all_faces, frames, image_preset, quiet;
} options;

extern const char *program;

/* ---- mien-eval-tables.c ---- */

typedef struct outputs {
  FILE *metrics, *anim, *cost, *skipped, *images, *faces;
} outputs;

/* Creates DIR/images and opens the six tables with their headers; 0 after
 * saying why on stderr. */
int mien_eval_open_outputs (const char *dir, outputs *out);
void mien_eval_close_outputs (outputs *out);
/* A row of skipped.tsv. */
void mien_eval_skip (outputs *out, const char *path, const char *reason);

/* ---- mien-eval-photos.c ---- */

/* Every photo of the inputs (folders expanded), every face asked for.
 * Returns how many photos were measured in full, *n_photos how many there
 * were. */
int mien_eval_run (const options *opt, outputs *out, mien_face_analyzer *fa,
                   mien_generator *gen, int *n_photos);

/* ---- mien-eval-stills.c ---- */

/* One photo at one size, with its analysed faces. */
typedef struct photo_ctx {
  const char *path;
  char stem[256];
  mien_image *image;
  mien_face *faces;
  int n_faces;
  int native; /* the photo's own size (pictures are saved only for this) */
} photo_ctx;

/* One face being measured. */
typedef struct face_ctx {
  const options *opt;
  outputs *out;
  photo_ctx *photo;
  int face_index;
  const mien_face *face;
  mien_generator *gen;
  mien_face_analyzer *analyzer;
  mien_animator *anim[2]; /* multiscale, vanilla (NULL if not asked) */
  mien_generator_output up_gen; /* O^r for the up-sampling baselines */
  mien_image *frame;            /* the photo; results pasted and undone */
  mien_image *up_crop;          /* up-sampled O^r at crop size */
  double times[N_HD][MIEN_N_PRESETS];
  int n_times[N_HD];
} face_ctx;

/* Everything for one face: its animators, the presets in every HD mode
 * asked for, its cost and its clips. fc->frame holds a copy of the photo. */
mien_status mien_eval_face (face_ctx *fc, mien_error *err);
/* The animator the baselines and clips use (multiscale unless only
 * vanilla was asked for). */
mien_animator *mien_eval_base_animator (face_ctx *fc);

/* ---- mien-eval-clips.c ---- */

/* The neutral → preset clip in both interpolation modes, measured; one row
 * of animation.tsv each. */
mien_status mien_eval_animation (face_ctx *fc, int preset, mien_error *err);
