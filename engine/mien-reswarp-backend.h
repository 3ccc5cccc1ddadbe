/* SPDX-License-Identifier: GPL-3.0-or-later */
/* ResWarp backends: one table of functions per device (the pattern
 * engine/nn uses for its ops), and the registry mien_device_reswarp picks
 * from (mien-device.h). Every frame caller — the animator, and through it
 * the app's preview, export, mien-render, mien-eval, mien-calibrate — and
 * mien-reswarp go through mien_device_reswarp, so they all reach the best
 * device, with one set of fallback rules:
 *   - the backends are tried in registry order (CUDA first when built and a
 *     usable GPU is there and the CPU is not forced, then the CPU);
 *   - a backend's *device* failure (out of device memory, unsupported) falls
 *     through to the next one, logged; any other error (the caller's input)
 *     is returned, since every backend would refuse it alike;
 *   - a device failure in a frame rebuilds on the next backend for good and
 *     renders the frame there.
 * Tests install a recording backend with mien_reswarp_backends_set. */
#pragma once

#include "mien-device.h"
#include "mien-image.h"
#include "mien-pool.h"
#include "mien-reswarp.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_reswarp_backend {
  const char *name; /* "cpu", "cuda" */
  mien_device_kind kind;
  /* Whether the backend can run now (a usable device, the CPU not forced);
   * NULL: always. */
  int (*available) (void);
  /* Decomposes hd (which outlives the state) for frames at low_w×low_h. */
  void *(*create) (const mien_image *hd, int low_w, int low_h,
                   mien_reswarp_mode mode, unsigned flags, mien_pool *pool,
                   mien_error *err);
  void (*destroy) (void *state);
  const mien_image *(*get_low) (void *state);
  mien_status (*frame) (void *state, const mien_image *refined,
                        const mien_image *field, mien_image *out,
                        mien_error *err);
  /* The preview's frame (issue #22; mien_reswarp_level): pyramid level
   * `level` of the crop (sizes: mien_pyramid_level_sizes), only `region`
   * (level pixels; NULL: all) written into out. level_photo is the crop
   * area-averaged to the level's size (vanilla's coarser levels build
   * their residual from it; it may be NULL at level 0). NULL slot: the
   * caller renders the full frame instead (mien_device_reswarp_frame_level
   * answers MIEN_ERR_UNSUPPORTED). */
  mien_status (*frame_level) (void *state, const mien_image *refined,
                              const mien_image *field, int level,
                              const mien_rect *region,
                              const mien_image *level_photo, mien_image *out,
                              mien_error *err);
  /* The residual fade (mien_decomposition_set_residual_fade). */
  void (*set_residual_fade) (void *state, int on);
  /* The CPU decomposition, for callers that look inside it (debug
   * pictures); NULL for a device that keeps its residuals elsewhere. */
  mien_decomposition *(*cpu_decomposition) (void *state);
} mien_reswarp_backend;

/* A failure that the next backend can make good: out of (device) memory, or
 * unsupported there. */
int mien_reswarp_backend_is_device_failure (mien_status status);

/* The CPU backend (mien-reswarp.h), always last in the registry. */
const mien_reswarp_backend *mien_reswarp_backend_cpu (void);

/* The preview's frame on the current backend (the slot above), with the
 * same fallback as mien_device_reswarp_frame on a device failure;
 * MIEN_ERR_UNSUPPORTED, with nothing written, when the backend has no such
 * slot: the caller then renders the full frame. */
mien_status mien_device_reswarp_frame_level (mien_device_reswarp *rw,
                                             const mien_image *refined,
                                             const mien_image *field,
                                             int level,
                                             const mien_rect *region,
                                             const mien_image *level_photo,
                                             mien_image *out,
                                             mien_error *err);
/* Whether the current backend renders preview levels. */
int mien_device_reswarp_has_frame_level (const mien_device_reswarp *rw);

/* The registry, in the order tried. _set replaces it (n ≤ 8; NULL restores
 * the default): for tests. Not thread-safe against running frames. */
int mien_reswarp_backends_get (const mien_reswarp_backend **list, int max);
void mien_reswarp_backends_set (const mien_reswarp_backend *const *list,
                                int n);

#ifdef __cplusplus
}
#endif
