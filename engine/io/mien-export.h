/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Exporting an animation: a sequence of frames (float RGB mien_images, all of
 * one size) into a PNG sequence, a GIF or an MP4.
 *
 * Streaming, so that the caller can show progress and cancel:
 *
 *   mien_exporter *ex = mien_exporter_open (path, format, &options, w, h, err);
 *   for each frame:  mien_exporter_add_frame (ex, frame, err);  // bounded work
 *   mien_exporter_finish (ex, err);   // or mien_exporter_abort (ex)
 *
 * Nothing half-written: everything goes to a hidden temporary beside the
 * target (".name.mien-PID-XXXXXX", locked while it is written; see
 * mien-atomic-file.h, which also sweeps away those left by a killed writer)
 * that is renamed into place by finish. abort, a
 * failed add_frame followed by finish or abort, or a failed finish remove the
 * temporary: the target is then untouched. finish and abort free the
 * exporter. After a failed add_frame the exporter refuses further frames and
 * finish returns that first error again. A program that stops on a signal
 * calls abort (between frames) so that the temporary goes with it.
 *
 * Output size: the frame size, scaled down by the scale option (area
 * averaging), and for MP4 padded to even sides (see MP4 below). */
#pragma once

#include "../mien-image.h"
#include "../mien-pool.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mien_export_format {
  /* A folder of frame_00001.png, frame_00002.png, … (8-bit RGB). */
  MIEN_EXPORT_PNG_SEQUENCE = 0,
  /* An animated GIF that loops forever. Per-frame palettes (libimagequant,
   * dithered), and each frame after the first carries only the pixels that
   * changed, the rest transparent over the previous frame. */
  MIEN_EXPORT_GIF,
  /* H.264 (libx264), yuv420p, BT.709 limited range, in an MP4 with the index
   * at the front (+faststart). 4:2:0 needs even sides: an odd width or height
   * is padded by one column or row repeating the last one, so no pixel of
   * the photo is lost; the video is then one pixel wider or taller. */
  MIEN_EXPORT_MP4,
} mien_export_format;

const char *mien_export_format_to_string (mien_export_format format);
/* "png" (or "png-sequence"), "gif", "mp4"; -1 if none. */
int mien_export_format_from_string (const char *name);
/* The one rule for a destination's format, shared by the command-line
 * tools and the export dialog: a name ending in .gif (any case) is a GIF,
 * .mp4 an MP4, anything else a folder of PNG frames. */
mien_export_format mien_export_format_from_path (const char *path);

typedef enum mien_export_scale {
  MIEN_EXPORT_SCALE_FULL = 0,
  MIEN_EXPORT_SCALE_HALF,     /* each side halved, rounded up */
  MIEN_EXPORT_SCALE_MAX_SIDE, /* longer side at most max_side; never enlarged */
} mien_export_scale;

/* GIF delays count hundredths of a second and players slow down anything
 * faster than 2/100 s per frame, so GIF refuses frame rates above this. */
#define MIEN_EXPORT_GIF_MAX_FPS 50

typedef struct mien_export_options {
  /* Frame rate fps_num / fps_den (e.g. 30/1, 30000/1001); both > 0. */
  int fps_num;
  int fps_den;
  mien_export_scale scale;
  int max_side; /* for MIEN_EXPORT_SCALE_MAX_SIDE, >= 2 */
  /* MP4: x264 constant rate factor 0 (lossless) … 51; default 18 (visually
   * transparent for photos). */
  int crf;
  /* MP4: x264 preset name ("ultrafast" … "veryslow"); NULL means "medium". */
  const char *preset;
  /* PNG sequence: replace an existing folder that is not empty. */
  int overwrite;
  /* Threads for scaling; NULL is the default pool. */
  mien_pool *pool;
} mien_export_options;

/* Parses an output scale as users write it: "full", "half", or a number
 * (the longest side, 2 … 100000). Returns 1 and sets *scale (and *max_side
 * for a number), or 0 if the text is none of these. */
int mien_export_scale_parse (const char *text, mien_export_scale *scale,
                             int *max_side);

/* Defaults: 30 fps, full size, CRF 18, preset "medium", no overwrite. */
void mien_export_options_init (mien_export_options *options);

/* The size of the written frames for input frames of width × height. */
mien_status mien_export_output_size (mien_export_format format,
                                     const mien_export_options *options,
                                     int width, int height, int *out_width,
                                     int *out_height, mien_error *err);

typedef struct mien_exporter mien_exporter;

/* Checks the options and the target, and creates the temporary. Refused
 * here, before any frame is rendered: a missing or unwritable folder, a PNG
 * sequence target that is a non-empty folder (without overwrite) or a file,
 * a build without the needed codec. */
mien_exporter *mien_exporter_open (const char *path, mien_export_format format,
                                   const mien_export_options *options,
                                   int width, int height, mien_error *err);

/* frame: 3 channels, the width × height given to open. */
mien_status mien_exporter_add_frame (mien_exporter *exporter,
                                     const mien_image *frame, mien_error *err);

/* Completes the file (MP4: drains the encoder's look-ahead, which takes a
 * few frames' worth of encoding) and renames it into place. Frees exporter
 * either way. At least one frame must have been added. */
mien_status mien_exporter_finish (mien_exporter *exporter, mien_error *err);

/* Stops and removes every temporary; frees exporter. NULL is a no-op. */
void mien_exporter_abort (mien_exporter *exporter);

int mien_exporter_get_n_frames (const mien_exporter *exporter);
int mien_exporter_get_output_width (const mien_exporter *exporter);
int mien_exporter_get_output_height (const mien_exporter *exporter);

/* Adds the first audio stream of source (a video) to the finished MP4 out:
 * the audio from start to end seconds (end <= 0: to its end), moved to
 * start at 0, copied without re-encoding beside the video, through a
 * temporary renamed over out when complete (mien-render --drive keeps the
 * driving clip's sound). *copied is 1 when audio was added; 0 with *why
 * saying why when there was none to add ("the driving clip has no audio",
 * or a codec an MP4 cannot hold without re-encoding). On an error out is
 * left as it was. */
mien_status mien_export_mp4_add_audio (const char *out, const char *source,
                                       double start, double end, int *copied,
                                       const char **why, mien_error *err);

#ifdef __cplusplus
}
#endif
