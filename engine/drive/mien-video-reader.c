/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The driving video's frames, streamed (mien-video-reader.h). Two decoded
 * frames are kept as references (the one on show and the next), and only
 * the frame an output time picks is converted, so a 60 fps clip read at
 * 30 fps converts half its frames. */
#include "mien-video-reader.h"

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libswscale/swscale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct mien_video_reader {
  char *path;
  AVFormatContext *fmt;
  AVCodecContext *dec;
  int stream;
  double time_base, start_pts_time;
  AVPacket *packet;
  AVFrame *cur, *next; /* cur: the frame on show; next: decoded ahead */
  double cur_t, next_t;
  int have_cur, have_next, cur_converted, decoder_done, flushing;
  struct SwsContext *sws;
  uint8_t *rgb;
  int rgb_w, rgb_h; /* the scaled, not yet rotated size */
  mien_video_info info;
  double out_fps, out_start, out_end;
  long out_index;
  int damaged, frames_decoded;
  double seconds;
};

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static mien_status
av_fail (const mien_video_reader *r, mien_status st, const char *what,
         int code, mien_error *err)
{
  char reason[AV_ERROR_MAX_STRING_SIZE] = "";
  if (code < 0)
    av_strerror (code, reason, sizeof reason);
  return mien_error_set (err, st, "%s: %s%s%s", r->path, what,
                         code < 0 ? ": " : "", reason);
}

static double
q2d_or (AVRational q, double fallback)
{
  return q.num > 0 && q.den > 0 ? av_q2d (q) : fallback;
}

/* Degrees clockwise a player turns the stored frames (FFmpeg's own
 * autorotate: the display matrix's angle is counter-clockwise). */
static int
stream_rotation (AVStream *st)
{
  const uint8_t *m = av_stream_get_side_data (st, AV_PKT_DATA_DISPLAYMATRIX,
                                              NULL);
  if (m == NULL)
    return 0;
  double a = -av_display_rotation_get ((const int32_t *)m);
  if (!isfinite (a))
    return 0;
  int deg = (int)lround (a / 90.0) * 90;
  deg %= 360;
  return deg < 0 ? deg + 360 : deg;
}

mien_video_reader *
mien_video_reader_open (const char *path, int max_side, mien_error *err)
{
  av_log_set_level (AV_LOG_QUIET);
  mien_video_reader *r = calloc (1, sizeof *r);
  if (r == NULL || (r->path = strdup (path)) == NULL)
    {
      free (r);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  int code = avformat_open_input (&r->fmt, path, NULL, NULL);
  if (code < 0)
    {
      av_fail (r, code == AVERROR (ENOENT) || code == AVERROR (EACCES)
                      ? MIEN_ERR_IO
                      : MIEN_ERR_FORMAT,
               "cannot open as a video", code, err);
      goto fail;
    }
  code = avformat_find_stream_info (r->fmt, NULL);
  if (code < 0)
    {
      av_fail (r, MIEN_ERR_FORMAT, "not a readable video", code, err);
      goto fail;
    }
  const AVCodec *codec = NULL;
  r->stream = av_find_best_stream (r->fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec,
                                   0);
  if (r->stream < 0 || codec == NULL)
    {
      av_fail (r, MIEN_ERR_FORMAT,
               r->stream == AVERROR_DECODER_NOT_FOUND
                   ? "no decoder for its video stream"
                   : "holds no video stream",
               0, err);
      goto fail;
    }
  AVStream *st = r->fmt->streams[r->stream];
  r->dec = avcodec_alloc_context3 (codec);
  if (r->dec == NULL
      || (code = avcodec_parameters_to_context (r->dec, st->codecpar)) < 0
      || (code = avcodec_open2 (r->dec, codec, NULL)) < 0)
    {
      av_fail (r, MIEN_ERR_FORMAT, "cannot start the video decoder", code,
               err);
      goto fail;
    }
  int w = st->codecpar->width, h = st->codecpar->height;
  if (w <= 0 || h <= 0 || mien_image_check_size (w, h, 3, NULL) != MIEN_OK)
    {
      av_fail (r, MIEN_ERR_FORMAT, "its video stream has no usable size", 0,
               err);
      goto fail;
    }
  r->time_base = av_q2d (st->time_base);
  r->start_pts_time = st->start_time != AV_NOPTS_VALUE
                          ? (double)st->start_time * r->time_base
                          : 0.0;
  double avg = q2d_or (st->avg_frame_rate, 0.0);
  double real = q2d_or (st->r_frame_rate, 0.0);
  if (!(avg > 0.0 && avg <= 1000.0))
    avg = real > 0.0 && real <= 1000.0 ? real : 25.0;
  r->info.avg_fps = avg;
  r->info.variable_rate = real > 0.0 && fabs (real - avg) > 0.01 * avg;
  r->info.duration = st->duration != AV_NOPTS_VALUE && st->duration > 0
                         ? (double)st->duration * r->time_base
                     : r->fmt->duration > 0
                         ? (double)r->fmt->duration / AV_TIME_BASE
                         : 0.0;
  r->info.has_audio
      = av_find_best_stream (r->fmt, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0) >= 0;
  r->info.coded_width = w;
  r->info.coded_height = h;
  r->info.rotation = stream_rotation (st);
  double k = 1.0;
  if (max_side > 0 && (w > max_side || h > max_side))
    k = (double)max_side / (w > h ? w : h);
  r->rgb_w = w * k < 2 ? 2 : (int)lround (w * k);
  r->rgb_h = h * k < 2 ? 2 : (int)lround (h * k);
  int turned = r->info.rotation == 90 || r->info.rotation == 270;
  r->info.width = turned ? r->rgb_h : r->rgb_w;
  r->info.height = turned ? r->rgb_w : r->rgb_h;
  r->packet = av_packet_alloc ();
  r->cur = av_frame_alloc ();
  r->next = av_frame_alloc ();
  r->rgb = malloc ((size_t)r->rgb_w * (size_t)r->rgb_h * 3);
  if (!r->packet || !r->cur || !r->next || !r->rgb)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      goto fail;
    }
  r->out_fps = avg;
  return r;
fail:
  mien_video_reader_free (r);
  return NULL;
}

void
mien_video_reader_free (mien_video_reader *r)
{
  if (r == NULL)
    return;
  sws_freeContext (r->sws);
  free (r->rgb);
  av_frame_free (&r->cur);
  av_frame_free (&r->next);
  av_packet_free (&r->packet);
  avcodec_free_context (&r->dec);
  avformat_close_input (&r->fmt);
  free (r->path);
  free (r);
}

const mien_video_info *
mien_video_reader_get_info (const mien_video_reader *r)
{
  return &r->info;
}

void
mien_video_reader_set_output (mien_video_reader *r, double fps, double start,
                              double end)
{
  if (fps > 0.0)
    r->out_fps = fps;
  r->out_start = start > 0.0 ? start : 0.0;
  r->out_end = end;
  if (r->out_start > 0.0)
    {
      /* Seek to the key frame before start; the frames before start are
       * then decoded and passed over. A file that cannot seek is read
       * from the beginning. */
      int64_t ts = (int64_t)((r->out_start + r->start_pts_time)
                             / r->time_base);
      if (av_seek_frame (r->fmt, r->stream, ts, AVSEEK_FLAG_BACKWARD) >= 0)
        avcodec_flush_buffers (r->dec);
    }
}

int
mien_video_reader_get_damaged (const mien_video_reader *r)
{
  return r->damaged;
}

double
mien_video_reader_get_seconds (const mien_video_reader *r)
{
  return r->seconds;
}

/* Decodes the next frame into r->next; sets decoder_done at the end. A
 * packet the decoder refuses is counted and skipped; a read error other
 * than the end (a cut file) ends the stream as the end would. */
static mien_status
decode_next (mien_video_reader *r, mien_error *err)
{
  for (;;)
    {
      int code = avcodec_receive_frame (r->dec, r->next);
      if (code >= 0)
        {
          int64_t pts = r->next->best_effort_timestamp;
          if (pts == AV_NOPTS_VALUE)
            pts = r->next->pts;
          r->next_t = pts != AV_NOPTS_VALUE
                          ? (double)pts * r->time_base - r->start_pts_time
                          : (r->have_cur ? r->cur_t + 1.0 / r->info.avg_fps
                                         : 0.0);
          if (r->next->decode_error_flags || r->next->width <= 0)
            {
              r->damaged++;
              av_frame_unref (r->next);
              continue;
            }
          r->frames_decoded++;
          r->have_next = 1;
          return MIEN_OK;
        }
      if (code == AVERROR_EOF)
        {
          r->decoder_done = 1;
          return MIEN_OK;
        }
      if (code != AVERROR (EAGAIN))
        {
          r->damaged++;
          r->decoder_done = 1;
          return MIEN_OK;
        }
      if (r->flushing)
        {
          r->decoder_done = 1;
          return MIEN_OK;
        }
      code = av_read_frame (r->fmt, r->packet);
      if (code < 0)
        {
          if (code != AVERROR_EOF)
            r->damaged++;
          r->flushing = 1;
          avcodec_send_packet (r->dec, NULL);
          continue;
        }
      if (r->packet->stream_index == r->stream)
        {
          code = avcodec_send_packet (r->dec, r->packet);
          if (code < 0 && code != AVERROR (EAGAIN))
            r->damaged++;
        }
      av_packet_unref (r->packet);
      if (code == AVERROR (ENOMEM))
        return mien_error_set (err, MIEN_ERR_NOMEM, "%s: out of memory "
                               "decoding", r->path);
    }
}

/* r->cur into *frame: scaled, converted to RGB and turned upright. */
static mien_status
convert (mien_video_reader *r, mien_image **frame, mien_error *err)
{
  AVFrame *f = r->cur;
  r->sws = sws_getCachedContext (r->sws, f->width, f->height, f->format,
                                 r->rgb_w, r->rgb_h, AV_PIX_FMT_RGB24,
                                 SWS_BILINEAR, NULL, NULL, NULL);
  if (r->sws == NULL)
    return mien_error_set (err, MIEN_ERR_FORMAT, "%s: cannot convert its "
                           "pixel format", r->path);
  uint8_t *dst[4] = { r->rgb, NULL, NULL, NULL };
  int stride[4] = { r->rgb_w * 3, 0, 0, 0 };
  sws_scale (r->sws, (const uint8_t *const *)f->data, f->linesize, 0,
             f->height, dst, stride);
  if (*frame == NULL)
    {
      *frame = mien_image_new (r->info.width, r->info.height, 3, err);
      if (*frame == NULL)
        return err ? err->status : MIEN_ERR_NOMEM;
    }
  mien_image *out = *frame;
  int W = r->rgb_w, H = r->rgb_h, rot = r->info.rotation;
  for (int y = 0; y < out->height; y++)
    {
      float *row = mien_image_row (out, y);
      for (int x = 0; x < out->width; x++)
        {
          /* (x, y) on show comes from (sx, sy) as stored. */
          int sx, sy;
          switch (rot)
            {
            case 90: sx = y, sy = H - 1 - x; break;
            case 180: sx = W - 1 - x, sy = H - 1 - y; break;
            case 270: sx = W - 1 - y, sy = x; break;
            default: sx = x, sy = y; break;
            }
          const uint8_t *p = r->rgb + ((size_t)sy * W + sx) * 3;
          row[3 * x + 0] = p[0] * (1.0f / 255.0f);
          row[3 * x + 1] = p[1] * (1.0f / 255.0f);
          row[3 * x + 2] = p[2] * (1.0f / 255.0f);
        }
    }
  return MIEN_OK;
}

mien_status
mien_video_reader_read (mien_video_reader *r, mien_image **frame,
                        double *time, int *eof, mien_error *err)
{
  double t0 = now ();
  *eof = 0;
  double step = 1.0 / r->out_fps, src_step = 1.0 / r->info.avg_fps;
  double t = r->out_start + (double)r->out_index * step;
  mien_status st = MIEN_OK;
  if (r->out_end > 0.0 && t >= r->out_end - 1e-9)
    {
      *eof = 1;
      goto done;
    }
  /* Advance to the frame on show nearest this output time: while the next
   * decoded frame starts less than half a source frame after it. */
  for (;;)
    {
      if (!r->have_next && !r->decoder_done)
        if ((st = decode_next (r, err)) != MIEN_OK)
          goto done;
      if (!r->have_next)
        break;
      if (r->have_cur && r->next_t >= t + 0.5 * src_step - 1e-6)
        break;
      av_frame_unref (r->cur);
      av_frame_move_ref (r->cur, r->next);
      r->cur_t = r->next_t;
      r->have_cur = 1;
      r->have_next = 0;
      r->cur_converted = 0;
    }
  if (!r->have_cur)
    {
      if (r->frames_decoded == 0)
        st = mien_error_set (err, MIEN_ERR_FORMAT, "%s: no frame could be "
                             "decoded (the file is damaged or cut)", r->path);
      else
        *eof = 1;
      goto done;
    }
  /* The stream is over once the last frame's own time has passed. */
  if (r->decoder_done && !r->have_next && t >= r->cur_t + src_step - 1e-6)
    {
      *eof = 1;
      goto done;
    }
  if (!r->cur_converted || *frame == NULL)
    {
      if ((st = convert (r, frame, err)) != MIEN_OK)
        goto done;
      r->cur_converted = 1;
    }
  *time = t - r->out_start;
  r->out_index++;
done:
  r->seconds += now () - t0;
  return st;
}
