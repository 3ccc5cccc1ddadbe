/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MP4 through libavformat, H.264 through libx264 in libavcodec.
 *
 * - yuv420p with BT.709 coefficients, limited range, and the stream tagged so
 *   (primaries BT.709, transfer sRGB): untagged video makes players guess the
 *   matrix from the height, and a wrong guess shifts skin tones.
 * - Time base 1/fps (den/num for a fractional rate) and pts = frame index,
 *   so every frame lasts exactly one frame period.
 * - +faststart moves the index to the front at the end, which re-reads the
 *   file by name: so the temporary is a named file opened through avio, not
 *   a stream, and it is renamed into place after av_write_trailer.
 * - FFmpeg and x264 log through av_log; the engine never prints, so the log
 *   callback drops everything and keeps the last error line per thread for
 *   the error message. This is process-wide (FFmpeg has one log callback). */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>

#include "mien-atomic-file.h"
#include "mien-export-private.h"
#include "mien-image-io.h"

/* Frames above this many pixels (a little under 4K UHD's 8.3 MP) are
 * encoded with x264's memory held down (open_encoder). */
#define MP4_LEAN_PIXELS 3500000

static const char *const x264_presets[] = {
  "ultrafast", "superfast", "veryfast", "faster", "fast",
  "medium", "slow", "slower", "veryslow", "placebo",
};

typedef struct mp4_state {
  char *path;
  char *tmp_path;
  int lock_fd; /* holds the temporary's lock; -1 if none */
  AVFormatContext *oc;
  AVCodecContext *enc;
  AVStream *stream;
  struct SwsContext *sws;
  AVFrame *frame;
  AVPacket *packet;
  unsigned char *rgb; /* padded to the video size */
  int rgb_stride;
  int width, height;          /* the video, even */
  int frame_width, frame_height; /* the frames given */
  int64_t next_pts;
} mp4_state;

static _Thread_local char last_log[256];
static pthread_once_t log_once = PTHREAD_ONCE_INIT;

static void
keep_last_error (void *avcl, int level, const char *format, va_list args)
{
  if (level > AV_LOG_ERROR)
    return;
  vsnprintf (last_log, sizeof last_log, format, args);
  size_t n = strlen (last_log);
  while (n > 0 && (last_log[n - 1] == '\n' || last_log[n - 1] == ' '))
    last_log[--n] = '\0';
}

static void
install_log_callback (void)
{
  av_log_set_callback (keep_last_error);
}

/* "cannot write PATH: what (FFmpeg's reason; its last error line)". */
static mien_status
av_failure (const mp4_state *s, const char *what, int code, mien_error *err)
{
  char reason[AV_ERROR_MAX_STRING_SIZE] = "";
  if (code < 0)
    av_strerror (code, reason, sizeof reason);
  mien_status status = code == AVERROR (ENOMEM) ? MIEN_ERR_NOMEM : MIEN_ERR_IO;
  return mien_error_set (err, status, "cannot write %s: %s%s%s%s%s%s", s->path,
                         what, reason[0] ? ": " : "", reason,
                         last_log[0] ? " (" : "", last_log,
                         last_log[0] ? ")" : "");
}

static mien_status
mp4_check (const mien_export_options *options, mien_error *err)
{
  if (options->crf < 0 || options->crf > 51)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "CRF %d is outside 0 … 51", options->crf);
  int known = options->preset == NULL;
  for (size_t i = 0; !known && i < sizeof x264_presets / sizeof *x264_presets;
       i++)
    known = strcmp (options->preset, x264_presets[i]) == 0;
  if (!known)
    return mien_error_set (err, MIEN_ERR_INVALID,
                           "unknown x264 preset '%s' (use ultrafast, "
                           "superfast, veryfast, faster, fast, medium, slow, "
                           "slower or veryslow)",
                           options->preset);
  if (avcodec_find_encoder_by_name ("libx264") == NULL)
    return mien_error_set (err, MIEN_ERR_UNSUPPORTED,
                           "MP4 export needs FFmpeg built with libx264");
  return MIEN_OK;
}

/* A named, empty temporary beside the target with the usual file mode,
 * locked (mien-atomic-file.h) until the state is freed. FFmpeg writes it
 * through its own descriptor, opened by name. */
static mien_status
make_temporary (mp4_state *s, mien_error *err)
{
  s->lock_fd = mien_atomic_temp_create (s->path, 0, &s->tmp_path, err);
  return s->lock_fd >= 0 ? MIEN_OK : (err ? err->status : MIEN_ERR_IO);
}

static mien_status
open_encoder (mp4_state *s, const mien_export_options *options,
              mien_error *err)
{
  const AVCodec *codec = avcodec_find_encoder_by_name ("libx264");
  if ((s->enc = avcodec_alloc_context3 (codec)) == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  AVCodecContext *c = s->enc;
  c->width = s->width;
  c->height = s->height;
  c->pix_fmt = AV_PIX_FMT_YUV420P;
  c->time_base = (AVRational){ options->fps_den, options->fps_num };
  c->framerate = (AVRational){ options->fps_num, options->fps_den };
  c->sample_aspect_ratio = (AVRational){ 1, 1 };
  c->color_range = AVCOL_RANGE_MPEG;
  c->colorspace = AVCOL_SPC_BT709;
  c->color_primaries = AVCOL_PRI_BT709;
  c->color_trc = AVCOL_TRC_IEC61966_2_1;
  c->thread_count = 0; /* libavcodec's default is 1: let x264 use all CPUs */
  if (s->oc->oformat->flags & AVFMT_GLOBALHEADER)
    c->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  av_opt_set (c->priv_data, "preset",
              options->preset ? options->preset : "medium", 0);
  av_opt_set_double (c->priv_data, "crf", options->crf, 0);
  if ((int64_t)s->width * s->height > MP4_LEAN_PIXELS)
    {
      /* x264 holds whole frames (with their half-pel planes, several bytes
       * a pixel) for its lookahead, its reference frames, its B-frames and
       * each frame thread: at 3840×2700 the medium preset peaked at 1.5 GB
       * of the 2.0 GB the export took. Slice threads (one frame in flight),
       * a 5-frame lookahead, 1 reference and 1 B-frame bring the whole
       * export to 0.98 GB (issue #22: ≤ 1 GB at 4K), 40 % faster, for
       * 0.5 dB less PSNR against the PNG frames (42.4 against 42.9 dB) and
       * a 24 % smaller file (docs/BENCHMARKS.md, "Export memory"). */
      av_opt_set (c->priv_data, "rc-lookahead", "5", 0);
      av_opt_set (c->priv_data, "x264-params",
                  "sliced-threads=1:ref=1:bframes=1", 0);
    }
  int code = avcodec_open2 (c, codec, NULL);
  if (code < 0)
    return av_failure (s, "cannot start the H.264 encoder", code, err);
  if ((s->stream = avformat_new_stream (s->oc, NULL)) == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  s->stream->time_base = c->time_base;
  s->stream->avg_frame_rate = c->framerate;
  s->stream->r_frame_rate = c->framerate;
  code = avcodec_parameters_from_context (s->stream->codecpar, c);
  if (code < 0)
    return av_failure (s, "cannot set up the stream", code, err);
  return MIEN_OK;
}

static mien_status
open_container (mp4_state *s, mien_error *err)
{
  char *url;
  /* "file:" so that a ':' in the folder name is not taken for a protocol. */
  if (asprintf (&url, "file:%s", s->tmp_path) < 0)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  int code = avformat_alloc_output_context2 (&s->oc, NULL, "mp4", url);
  if (code >= 0)
    code = avio_open (&s->oc->pb, url, AVIO_FLAG_WRITE);
  free (url);
  if (code < 0)
    return av_failure (s, "cannot create the MP4", code, err);
  return MIEN_OK;
}

static mien_status
write_header (mp4_state *s, mien_error *err)
{
  AVDictionary *opts = NULL;
  av_dict_set (&opts, "movflags", "+faststart", 0);
  int code = avformat_write_header (s->oc, &opts);
  av_dict_free (&opts);
  if (code < 0)
    return av_failure (s, "cannot write the MP4 header", code, err);
  return MIEN_OK;
}

/* RGB24 → yuv420p with the BT.709 matrix, limited range, rounding exactly. */
static mien_status
open_converter (mp4_state *s, mien_error *err)
{
  s->sws = sws_getContext (s->width, s->height, AV_PIX_FMT_RGB24, s->width,
                           s->height, AV_PIX_FMT_YUV420P,
                           SWS_BILINEAR | SWS_ACCURATE_RND, NULL, NULL, NULL);
  s->frame = av_frame_alloc ();
  s->packet = av_packet_alloc ();
  s->rgb_stride = s->width * 3;
  s->rgb = malloc ((size_t)s->rgb_stride * (size_t)s->height);
  if (s->sws == NULL || s->frame == NULL || s->packet == NULL || s->rgb == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  const int *bt709 = sws_getCoefficients (SWS_CS_ITU709);
  sws_setColorspaceDetails (s->sws, bt709, 1, bt709, 0, 0, 1 << 16, 1 << 16);
  s->frame->format = AV_PIX_FMT_YUV420P;
  s->frame->width = s->width;
  s->frame->height = s->height;
  int code = av_frame_get_buffer (s->frame, 0);
  if (code < 0)
    return av_failure (s, "cannot allocate a frame", code, err);
  return MIEN_OK;
}

static void
mp4_free (mp4_state *s)
{
  avcodec_free_context (&s->enc);
  if (s->oc != NULL)
    {
      avio_closep (&s->oc->pb);
      avformat_free_context (s->oc);
    }
  sws_freeContext (s->sws);
  av_frame_free (&s->frame);
  av_packet_free (&s->packet);
  free (s->rgb);
  if (s->lock_fd >= 0)
    close (s->lock_fd);
  free (s->tmp_path);
  free (s->path);
  free (s);
}

static void
mp4_abort (void *state)
{
  mp4_state *s = state;
  if (s->oc != NULL)
    avio_closep (&s->oc->pb);
  if (s->tmp_path != NULL)
    unlink (s->tmp_path);
  mp4_free (s);
}

static void *
mp4_open (const char *path, const mien_export_options *options, int width,
          int height, mien_error *err)
{
  pthread_once (&log_once, install_log_callback);
  last_log[0] = '\0';
  mp4_state *s = calloc (1, sizeof *s);
  if (s == NULL || (s->path = strdup (path)) == NULL)
    {
      free (s);
      mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      return NULL;
    }
  s->lock_fd = -1;
  s->frame_width = width;
  s->frame_height = height;
  s->width = width + (width & 1);
  s->height = height + (height & 1);
  if (make_temporary (s, err) != MIEN_OK || open_container (s, err) != MIEN_OK
      || open_encoder (s, options, err) != MIEN_OK
      || open_converter (s, err) != MIEN_OK || write_header (s, err) != MIEN_OK)
    {
      mp4_abort (s);
      return NULL;
    }
  return s;
}

/* Sends frame (NULL: drain) and writes every packet that comes out. */
static mien_status
encode (mp4_state *s, AVFrame *frame, mien_error *err)
{
  int code = avcodec_send_frame (s->enc, frame);
  if (code < 0)
    return av_failure (s, "H.264 encoder", code, err);
  for (;;)
    {
      code = avcodec_receive_packet (s->enc, s->packet);
      if (code == AVERROR (EAGAIN) || code == AVERROR_EOF)
        return MIEN_OK;
      if (code < 0)
        return av_failure (s, "H.264 encoder", code, err);
      av_packet_rescale_ts (s->packet, s->enc->time_base, s->stream->time_base);
      s->packet->stream_index = s->stream->index;
      code = av_interleaved_write_frame (s->oc, s->packet);
      if (code < 0)
        return av_failure (s, "writing video", code, err);
    }
}

/* mien_to_u8 without the call to lrintf, in a form GCC vectorises (its
 * compares on floats would be branches under -ftrapping-math): the clamp
 * is done on the bits (a positive float orders as its bits do; negatives,
 * -0 and -NaN go to 0, 1 and above to 1, +NaN to 0), then the product is
 * rounded to nearest, ties to even, by adding and taking away 1.5 · 2²³
 * (in [0, 255] the sum's unit in the last place is 1), which is lrintf in
 * the default rounding mode. mien_image_to_rgb8's call per sample was
 * 12 % of a driving export's CPU time at 1024² (perf); this is the same
 * bytes (test export-mp4-rgb8). */
static inline unsigned char
to_u8 (float v)
{
  int32_t u;
  memcpy (&u, &v, sizeof u);
  int32_t p = u > 0 ? u : 0;
  int32_t nan = (0x7f800000 - p) >> 31; /* all ones for +NaN */
  int32_t c = (p < 0x3f800000 ? p : 0x3f800000) & ~nan;
  float t;
  memcpy (&t, &c, sizeof t);
  t = t * 255.0f + 12582912.0f;
  t -= 12582912.0f;
  return (unsigned char)(int)t;
}

static void
to_u8_run (const float *restrict in, unsigned char *restrict out, int n)
{
  for (int i = 0; i < n; i++)
    out[i] = to_u8 (in[i]);
}

void
mien_export_mp4_rgb8 (const mien_image *image, unsigned char *pixels,
                      int rowstride)
{
  enum { CHUNK = 256 };
  unsigned char four[4 * CHUNK];
  int C = image->channels, W = image->width;
  for (int y = 0; y < image->height; y++)
    {
      const float *in = mien_image_row (image, y);
      unsigned char *out = pixels + (size_t)y * (size_t)rowstride;
      if (C == 3)
        to_u8_run (in, out, 3 * W);
      else if (C == 4)
        for (int x0 = 0; x0 < W; x0 += CHUNK)
          {
            int n = W - x0 < CHUNK ? W - x0 : CHUNK;
            to_u8_run (in + 4 * x0, four, 4 * n);
            for (int x = 0; x < n; x++)
              memcpy (out + 3 * (x0 + x), four + 4 * x, 3);
          }
      else
        for (int x = 0; x < W; x++)
          for (int c = 0; c < 3; c++)
            out[3 * x + c] = to_u8 (in[x * C + (c < C ? c : 0)]);
    }
}

/* The frame as 8-bit RGB, with the padding column/row repeating the last. */
static void
fill_rgb (mp4_state *s, const mien_image *image)
{
  mien_export_mp4_rgb8 (image, s->rgb, s->rgb_stride);
  if (s->width != s->frame_width)
    for (int y = 0; y < s->frame_height; y++)
      {
        unsigned char *row = s->rgb + (size_t)y * s->rgb_stride;
        memcpy (row + 3 * s->frame_width, row + 3 * (s->frame_width - 1), 3);
      }
  if (s->height != s->frame_height)
    memcpy (s->rgb + (size_t)s->frame_height * s->rgb_stride,
            s->rgb + (size_t)(s->frame_height - 1) * s->rgb_stride,
            (size_t)s->rgb_stride);
}

static mien_status
mp4_add_frame (void *state, const mien_image *image, mien_error *err)
{
  mp4_state *s = state;
  last_log[0] = '\0';
  fill_rgb (s, image);
  int code = av_frame_make_writable (s->frame);
  if (code < 0)
    return av_failure (s, "cannot allocate a frame", code, err);
  const uint8_t *src[1] = { s->rgb };
  sws_scale (s->sws, src, &s->rgb_stride, 0, s->height, s->frame->data,
             s->frame->linesize);
  s->frame->pts = s->next_pts++;
  return encode (s, s->frame, err);
}

/* Flushes the file to disk before the rename makes it visible. */
static int
sync_file (const char *path)
{
  int fd = open (path, O_RDONLY);
  if (fd < 0)
    return errno;
  int error_number = fsync (fd) != 0 && errno != EINVAL ? errno : 0;
  close (fd);
  return error_number;
}

static mien_status
complete (mp4_state *s, mien_error *err)
{
  mien_status status = encode (s, NULL, err);
  if (status != MIEN_OK)
    return status;
  int code = av_write_trailer (s->oc);
  if (code < 0)
    return av_failure (s, "cannot complete the MP4", code, err);
  code = avio_closep (&s->oc->pb);
  if (code < 0)
    return av_failure (s, "cannot complete the MP4", code, err);
  int error_number = sync_file (s->tmp_path);
  if (error_number == 0 && rename (s->tmp_path, s->path) != 0)
    error_number = errno;
  if (error_number != 0)
    return mien_error_set (err, MIEN_ERR_IO, "cannot write %s: %s", s->path,
                           strerror (error_number));
  return MIEN_OK;
}

static mien_status
mp4_finish (void *state, mien_error *err)
{
  mp4_state *s = state;
  last_log[0] = '\0';
  mien_status status = complete (s, err);
  if (status != MIEN_OK)
    {
      mp4_abort (s);
      return status;
    }
  mp4_free (s);
  return MIEN_OK;
}

const mien_export_backend mien_export_mp4_backend = {
  .check = mp4_check,
  .open = mp4_open,
  .add_frame = mp4_add_frame,
  .finish = mp4_finish,
  .abort = mp4_abort,
};

/* ---- audio: a second pass that copies another file's audio ------------ */

/* Stream copies, no re-encoding: the MP4's video as it is, then the audio
 * packets of the cut, their time stamps moved so the cut starts at 0. */
mien_status
mien_export_mp4_add_audio (const char *out, const char *source, double start,
                           double end, int *copied, const char **why,
                           mien_error *err)
{
  AVFormatContext *vin = NULL, *ain = NULL, *mux = NULL;
  char *tmp = NULL;
  int fd = -1, rc = -1, code;
  *why = NULL;
  *copied = 0;
  if ((code = avformat_open_input (&ain, source, NULL, NULL)) < 0
      || (code = avformat_find_stream_info (ain, NULL)) < 0)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: cannot read its audio",
                      source);
      goto done;
    }
  int as = av_find_best_stream (ain, AVMEDIA_TYPE_AUDIO, -1, -1, NULL, 0);
  if (as < 0)
    {
      rc = 0;
      *why = "the driving clip has no audio";
      goto done;
    }
  const AVOutputFormat *mp4 = av_guess_format ("mp4", NULL, NULL);
  if (avformat_query_codec (mp4, ain->streams[as]->codecpar->codec_id,
                            FF_COMPLIANCE_NORMAL)
      != 1)
    {
      rc = 0;
      *why = "its audio codec cannot go into an MP4 without re-encoding";
      goto done;
    }
  if ((code = avformat_open_input (&vin, out, NULL, NULL)) < 0
      || (code = avformat_find_stream_info (vin, NULL)) < 0 || vin->nb_streams < 1)
    {
      mien_error_set (err, MIEN_ERR_FORMAT, "%s: cannot reopen to add the "
                      "audio", out);
      goto done;
    }
  fd = mien_atomic_temp_create (out, 0, &tmp, err);
  if (fd < 0)
    goto done;
  if (avformat_alloc_output_context2 (&mux, mp4, NULL, tmp) < 0 || !mux)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "cannot start the MP4 muxer");
      goto done;
    }
  AVStream *vo = avformat_new_stream (mux, NULL);
  AVStream *ao = avformat_new_stream (mux, NULL);
  if (!vo || !ao
      || avcodec_parameters_copy (vo->codecpar, vin->streams[0]->codecpar) < 0
      || avcodec_parameters_copy (ao->codecpar, ain->streams[as]->codecpar) < 0)
    {
      mien_error_set (err, MIEN_ERR_NOMEM, "cannot set up the MP4 streams");
      goto done;
    }
  vo->codecpar->codec_tag = 0;
  ao->codecpar->codec_tag = 0;
  vo->time_base = vin->streams[0]->time_base;
  ao->time_base = ain->streams[as]->time_base;
  if ((code = avio_open (&mux->pb, tmp, AVIO_FLAG_WRITE)) < 0
      || (code = avformat_write_header (mux, NULL)) < 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "%s: cannot write the MP4 with "
                      "audio", out);
      goto done;
    }
  AVPacket *pkt = av_packet_alloc ();
  /* The video as it is. */
  while (pkt && av_read_frame (vin, pkt) >= 0)
    {
      if (pkt->stream_index == 0)
        {
          pkt->stream_index = 0;
          av_packet_rescale_ts (pkt, vin->streams[0]->time_base,
                                vo->time_base);
          pkt->pos = -1;
          av_interleaved_write_frame (mux, pkt);
        }
      av_packet_unref (pkt);
    }
  /* The audio of the cut, moved to start at 0. */
  AVStream *ai = ain->streams[as];
  double tb = av_q2d (ai->time_base);
  double t0 = ai->start_time != AV_NOPTS_VALUE ? ai->start_time * tb : 0.0;
  if (start > 0.0)
    av_seek_frame (ain, as, (int64_t)((start + t0) / tb), AVSEEK_FLAG_BACKWARD);
  int64_t shift = (int64_t)llround ((start + t0) / tb);
  while (pkt && av_read_frame (ain, pkt) >= 0)
    {
      if (pkt->stream_index == as && pkt->pts != AV_NOPTS_VALUE)
        {
          double t = pkt->pts * tb - t0;
          if (t >= start - 1e-6 && (end <= 0.0 || t < end))
            {
              pkt->pts -= shift;
              if (pkt->dts != AV_NOPTS_VALUE)
                pkt->dts -= shift;
              pkt->stream_index = 1;
              av_packet_rescale_ts (pkt, ai->time_base, ao->time_base);
              pkt->pos = -1;
              av_interleaved_write_frame (mux, pkt);
            }
        }
      av_packet_unref (pkt);
    }
  av_packet_free (&pkt);
  if ((code = av_write_trailer (mux)) < 0 || avio_closep (&mux->pb) < 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "%s: cannot finish the MP4 with "
                      "audio", out);
      goto done;
    }
  if (rename (tmp, out) != 0)
    {
      mien_error_set (err, MIEN_ERR_IO, "%s: cannot rename the MP4 with "
                      "audio into place", out);
      goto done;
    }
  free (tmp);
  tmp = NULL;
  rc = 1;
  *copied = 1;
done:
  if (mux)
    {
      avio_closep (&mux->pb);
      avformat_free_context (mux);
    }
  avformat_close_input (&vin);
  avformat_close_input (&ain);
  if (tmp)
    {
      unlink (tmp);
      free (tmp);
    }
  if (fd >= 0)
    close (fd);
  return rc < 0 ? (err && err->status ? err->status : MIEN_ERR_IO) : MIEN_OK;
}
