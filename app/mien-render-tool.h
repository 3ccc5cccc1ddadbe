/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render's parts: the command line in mien-render-options.c; faces,
 * output checks and main in mien-render-tool.c; the single frame in
 * mien-render-still.c; the animation in mien-render-animate.c; driving by
 * a video or photo in mien-render-drive.c; the clip export both of those
 * share in mien-render-export.c. */
#pragma once

#include "face/mien-face-analyzer.h"
#include "face/mien-face.h"
#include "io/mien-export.h"
#include "io/mien-image-io.h"
#include "io/mien-project.h"
#include "mien-clip.h"
#include "mien-image.h"
#include "mien-reswarp.h"

#define MAX_CLI_KEYFRAMES 256

typedef struct options {
  const char *photo, *landmarks, *models, *preset, *au, *debug_dir, *output;
  const char *pose; /* --pose yaw=15,pitch=-5,roll=3 */
  const char *project, *save_project;
  const char *generator; /* "rig" (default) or a .safetensors file */
  float intensity;
  int face, crop_only, quiet;
  int no_fade; /* ResWarp without the residual gain */
  int sharp;   /* --sharp: the cubic resampler and the texture transport */
  int quality; /* --quality: JPEG and WebP, 1–100; 0: the default */
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

/* Fills the options (void *: a mien_cli_parse_func) from the command line;
 * 0, or the exit code after a usage error. */
int mien_render_parse_options (int argc, char **argv, void *opt);
/* The project: from --project, overridden by what the command line says;
 * 0 after saying why on stderr. */
int mien_render_build_project (const options *opt, mien_project *p);

/* One frame of face at the project's target, saved to opt->output with the
 * photo's extras (ICC profile, alpha, bit depth); --debug-dir's pictures
 * too. Returns the exit code. */
int mien_render_still (const options *opt, const mien_project *project,
                       const mien_image *photo,
                       const mien_image_extras *extras,
                       const mien_face *face, int face_index,
                       const mien_face *all, int n_all);

/* Renders the project's clip of face and exports it to output; progress on
 * stderr unless quiet. all[n_all] are every face of the photo (face is
 * all[face_index]), whose heads the turn leaves alone; NULL, 0 for none.
 * Returns the exit code (0, or 1 with one error line printed). */
int mien_render_animate (const mien_project *project, const mien_image *photo,
                         const mien_face *face, const char *generator,
                         const char *output, int overwrite, int quiet,
                         const mien_face *all, int n_all, int face_index);

/* The per-photo presets ("look-at-camera", issue #25): their values for
 * this photo added to each expression of the project's that names one
 * (target and keyframes); *out shares everything else with project and is
 * released with mien_render_photo_presets_clear. */
mien_status mien_render_photo_presets (mien_animator *anim,
                                       const mien_project *project,
                                       mien_project *out, mien_error *err);
void mien_render_photo_presets_clear (mien_project *out);
/* The animator's gaze note (an eye shut, no iris found), once, as a
 * warning on stderr (also with --quiet). */
void mien_render_warn_gaze (const mien_animator *anim);

/* The generator named on the command line: NULL or "rig" for the AU rig,
 * else an ATW weights file. */
mien_generator *mien_render_make_generator (const char *name, mien_error *err);

/* The face to animate, the same way for a frame, a clip and --drive: from
 * --landmarks (which must describe a photo of this size) or the face
 * analyzer (an, or one loaded from --models when NULL); the one `wanted`
 * names (>= 0), else the largest. Returns 1 with *face (and *index, may be
 * NULL) set, or 0 after saying why on stderr. */
int mien_render_choose_face (const options *opt, const char *photo_path,
                             const mien_image *photo, mien_face_analyzer *an,
                             int wanted, mien_face *face, int *index);
/* The same, and a copy of every face found in *all (n_all of them; free()
 * it), for mien_animator_set_other_faces. */
int mien_render_choose_faces (const options *opt, const char *photo_path,
                              const mien_image *photo, mien_face_analyzer *an,
                              int wanted, mien_face *face, int *index,
                              mien_face **all, int *n_all);

/* The exporter for a clip of these settings: the format from output's name
 * (mien_export_format_from_path), the rate as a fraction (30000/1001 for
 * NTSC rates), the scale, and the photo's or the crop's size by region. */
mien_exporter *mien_render_open_exporter (const char *output,
                                          const mien_animation_settings *s,
                                          const mien_animator *anim,
                                          const mien_image *photo,
                                          int overwrite, mien_error *err);

/* NULL, or "interrupted by SIGINT" once mien_cli_catch_stop_signals caught
 * a stop signal (a mien_clip_export_stop; data unused). */
const char *mien_render_stop_reason (void *data);

/* Called after each exported frame: done of n, and the seconds that frame
 * took to render and to encode. */
typedef void (*mien_render_frame_done) (void *data, int done, int n,
                                        double render_s, double encode_s);

/* Frames 0 … n-1 of the clip at fps into ex: the whole photo (rendered into
 * frame) or, with frame NULL, the crop. A stop signal caught by
 * mien_cli_catch_stop_signals ends it after the frame in progress with
 * MIEN_ERR_CANCELLED ("interrupted by SIGINT at frame 3 of 60"). done may
 * be NULL. */
mien_status mien_render_export_clip (mien_clip *clip,
                                     const mien_timeline *timeline,
                                     double fps, int n, mien_image *frame,
                                     mien_exporter *ex,
                                     mien_render_frame_done done, void *data,
                                     mien_error *err);
