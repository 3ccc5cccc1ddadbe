/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A driving video, decoded with FFmpeg one frame at a time: the clip is
 * streamed, never held, so memory stays flat for any length (one decoded
 * frame, one converted frame).
 *
 * What the reader hides from its caller:
 * - rotation: a phone clip stores its frames sideways with a display matrix
 *   saying how to show them; the frames come out as a player shows them;
 * - variable frame rate: the output is resampled to a constant rate (the
 *   stream's average rate, or one the caller sets) by taking, for output
 *   frame i at t_i = start + i / fps, the last decoded frame whose time is
 *   at most t_i + half a frame (frames are repeated or dropped, never
 *   blended, so a mouth never shows two shapes at once);
 * - size: frames larger than max_side on their longer side are scaled down
 *   as they are converted (an 8K clip is tracked at max_side; the landmarks
 *   are normalised by the face's size later, so nothing needs the full
 *   resolution).
 * Frames come out RGB, floats in [0, 1] as the engine's images. */
#pragma once

#include "../mien-error.h"
#include "../mien-image.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mien_video_reader mien_video_reader;

typedef struct mien_video_info {
  int width, height;    /* of the frames as delivered (rotated, scaled) */
  int coded_width, coded_height; /* as stored in the file */
  int rotation;         /* degrees clockwise applied: 0, 90, 180, 270 */
  double avg_fps;       /* the stream's average rate */
  int variable_rate;    /* 1 when the stream's timestamps are not regular */
  double duration;      /* seconds; 0 when the container does not say */
  int has_audio;
} mien_video_info;

/* Opens path and its first video stream. max_side 0: no scaling. Fails with
 * MIEN_ERR_IO (cannot open), MIEN_ERR_FORMAT (not a video, no video stream,
 * no decoder) and a message naming the file. */
mien_video_reader *mien_video_reader_open (const char *path, int max_side,
                                           mien_error *err);
void mien_video_reader_free (mien_video_reader *reader);
const mien_video_info *mien_video_reader_get_info (const mien_video_reader *r);

/* The output rate (> 0) and the cut [start, end) in seconds (end <= 0: to
 * the end). Call before the first read. */
void mien_video_reader_set_output (mien_video_reader *reader, double fps,
                                   double start, double end);

/* The next output frame into *frame (allocated on the first call, reused
 * after; owned by the caller). *eof = 1 at the end (frame untouched). A
 * damaged packet in the middle is skipped (counted in
 * mien_video_reader_get_damaged); a clip that yields no frame at all fails
 * with MIEN_ERR_FORMAT. *time gets the output frame's time from the cut's
 * start. */
mien_status mien_video_reader_read (mien_video_reader *reader,
                                    mien_image **frame, double *time,
                                    int *eof, mien_error *err);

/* Packets or frames the decoder refused (a cut or damaged file). */
int mien_video_reader_get_damaged (const mien_video_reader *reader);
/* Seconds spent decoding and converting so far. */
double mien_video_reader_get_seconds (const mien_video_reader *reader);

#ifdef __cplusplus
}
#endif
