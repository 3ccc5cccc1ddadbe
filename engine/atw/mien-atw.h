/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The ATW neural generator (paper section 3.2) as a mien_generator, run on
 * engine/nn from a safetensors weights file that tools/train writes.
 *
 * Network (tools/train/atw_model.py is the same in PyTorch; the parity test
 * holds the two to 1e-4):
 *   x = 2·I − 1 (pixels in [−1, 1]); c tiled to H×W×d and concatenated;
 *   Motion Network: conv 7×7 → 2 × (conv 4×4 stride 2) → motion_blocks
 *     residual blocks → 2 × (transposed conv 4×4 stride 2) → conv 7×7 → tanh,
 *     instance norm + ReLU after every other conv;
 *   F = tanh(·) · motion_scale · τ, in pixels of the input grid;
 *   O^w = warp(x, F), backward, bilinear, positions clamped to the image
 *     (mien_warp_bilinear's convention);
 *   Refinement Network: same shape on O^w, refine_blocks residual blocks,
 *     ELU and no normalization, tanh output N;
 *   O^r = x + τ·(N − x).
 * τ is a border taper: 0 on the outer taper_zero pixels, rising linearly to
 * 1 over the next taper_ramp pixels.
 *
 * What this generator guarantees (compare the rig's contract in
 * mien-generator.h): F = 0 and O^r = I exactly on the outer taper_zero
 * pixels, so paste-back is seamless; |F| ≤ motion_scale. It does NOT
 * guarantee a fold-free field: that depends on the training; tools measure
 * the Jacobian of trained outputs (mien_field_min_jacobian) and report it.
 *
 * File format (docs/ATW.md): safetensors; tensor names are PyTorch's
 * state_dict names of atw_model.Generator in PyTorch layouts (conv OIHW,
 * transposed conv [in, out, kh, kw]); __metadata__ holds format
 * "mien-atw", version "1", driving_kind ("aus" | "expressions"),
 * driving_names (comma-separated, e.g. "AU01_r,AU02_r,…" or
 * "neutral,happy,…"), driving_scale, motion_width, refine_width,
 * motion_blocks, refine_blocks, motion_scale, taper_zero, taper_ramp,
 * image_size. Every tensor's presence and shape is checked, unexpected
 * tensors are refused. */
#pragma once

#include <stddef.h>

#include "mien-generator.h"
#include "nn/mien-nn-backend.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MIEN_ATW_MAX_DRIVING 64
#define MIEN_ATW_NAME_MAX 32

typedef enum mien_atw_driving_kind {
  MIEN_ATW_DRIVING_AUS = 0,     /* OpenFace AU intensities (0–5) */
  MIEN_ATW_DRIVING_EXPRESSIONS, /* expression categories */
} mien_atw_driving_kind;

typedef struct mien_atw_info {
  mien_atw_driving_kind driving_kind;
  int n_driving;
  char driving_names[MIEN_ATW_MAX_DRIVING][MIEN_ATW_NAME_MAX];
  /* For AUs: the engine channel of each input (mien_au_channel); for
   * expressions: the mien_expression_preset it names, or -1. */
  int driving_channel[MIEN_ATW_MAX_DRIVING];
  float driving_scale; /* network input = value · driving_scale */
  int motion_width, refine_width, motion_blocks, refine_blocks;
  float motion_scale;
  int taper_zero, taper_ramp;
  int image_size; /* the training size; any multiple of 4 runs */
  size_t n_parameters;
} mien_atw_info;

/* Loads path and runs on the CPU backend (default pool). */
mien_generator *mien_atw_generator_new_from_file (const char *path,
                                                  mien_error *err);
/* backend: NULL for the CPU backend; taken over (freed with the generator)
 * on success and on failure. */
mien_generator *mien_atw_generator_new (const char *path,
                                        mien_nn_backend *backend,
                                        mien_error *err);
/* From a file held in memory; origin names it in messages. */
mien_generator *mien_atw_generator_new_from_memory (const unsigned char *data,
                                                    size_t size,
                                                    const char *origin,
                                                    mien_nn_backend *backend,
                                                    mien_error *err);

/* 1 and fills info if gen is an ATW generator. */
int mien_atw_generator_get_info (const mien_generator *gen,
                                 mien_atw_info *info);

/* The network's driving inputs (info->n_driving values, already multiplied
 * by driving_scale) for an engine driving vector. AUs: the mean of the
 * subject's left and right intensity of each AU. Expressions: for each
 * label that names a preset, the intensity k in [0, 1] at which k·preset
 * best matches c (least squares over the 17 AUs); "neutral" gets 1 − the
 * largest of the others. */
void mien_atw_driving_inputs (const mien_atw_info *info, const mien_driving *c,
                              float *inputs);

/* One forward pass with raw network inputs (n_driving floats, as the
 * network sees them). input: W×H×3 in [0, 1], W and H multiples of 4;
 * out allocated by the caller (mien_generator_output_init). */
mien_status mien_atw_generator_run (mien_generator *gen,
                                    const mien_image *input,
                                    const float *driving,
                                    mien_generator_output *out,
                                    mien_error *err);

#ifdef __cplusplus
}
#endif
