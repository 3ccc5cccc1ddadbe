/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What mien-render --drive and the app's drive dialog share
 * (mien-drive-run.h). */
#include "mien-drive-run.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

double
mien_drive_run_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int
mien_drive_is_photo_path (const char *path)
{
  static const char *ext[] = { ".jpg", ".jpeg", ".png", ".webp", ".tif",
                               ".tiff", ".heic", ".heif", ".avif", ".bmp",
                               ".pfm" };
  size_t n = strlen (path);
  for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
    {
      size_t m = strlen (ext[i]);
      if (n > m && strcasecmp (path + n - m, ext[i]) == 0)
        return 1;
    }
  return 0;
}

mien_status
mien_drive_run_photo (mien_face_analyzer *an, mien_generator *gen,
                      const mien_image *driver, const mien_drive_options *dopt,
                      const mien_point *rest, mien_drive_track *track,
                      mien_drive_result *result, mien_driving *c,
                      mien_error *err)
{
  mien_status st = mien_drive_track_photo (an, driver, dopt, track, err);
  if (st != MIEN_OK)
    return st;
  /* One frame has no rest of its own: it is measured against the driven
   * photo's face, so the result copies the driving expression (the
   * photo's own expression is not added; a smiling photo driven by a
   * smile stays as it is). */
  st = mien_drive_solve (track, gen, dopt, rest, NULL, result, err);
  if (st != MIEN_OK)
    return st;
  memcpy (c->values, result->values, sizeof c->values);
  return MIEN_OK;
}

mien_status
mien_drive_run_project (const mien_drive_track *track, mien_generator *gen,
                        const mien_drive_options *dopt,
                        mien_drive_result *result, mien_project *project,
                        float *thin_error, mien_error *err)
{
  /* The photo's own expression is not subtracted here: measured against
   * another person's rest (mien_drive_photo_expression), identity reads as
   * expression (sample1's face against liveportrait-d19's rest came out
   * AU17 5, AU4 4.6, AU25 4.0 on a nearly neutral face), and the headroom
   * rule would then mute the performance. The rule stays in
   * mien_drive_solve for a caller with a reliable measure (a neutral
   * reference of the photo's own face, issue #24's face model). */
  mien_status st = mien_drive_solve (track, gen, dopt, NULL, NULL, result,
                                     err);
  if (st != MIEN_OK)
    return st;
  float e = 0.0f;
  st = mien_drive_to_project (result, 0.05f, MIEN_PROJECT_MAX_KEYFRAMES,
                              project, &e, err);
  if (thin_error)
    *thin_error = e;
  if (st != MIEN_OK)
    return st;
  project->settings.fps = track->fps;
  project->settings.mode = MIEN_RESWARP_MULTISCALE;
  return MIEN_OK;
}

mien_status
mien_drive_clip_open (mien_drive_clip *dc, const mien_project *project,
                      const mien_image *photo, const mien_face *face,
                      const mien_drive_faces *others, mien_generator *gen,
                      mien_error *err)
{
  memset (dc, 0, sizeof *dc);
  dc->anim = mien_animator_new (photo, face, project->settings.mode, NULL,
                                err);
  if (dc->anim && others && others->n > 1)
    mien_animator_set_other_faces (dc->anim, others->all, others->n,
                                   others->self);
  dc->tl = dc->anim ? mien_project_build_timeline (project, err) : NULL;
  dc->clip = dc->tl ? mien_clip_new (dc->anim, gen, dc->tl,
                                     MIEN_INTERPOLATION_DRIVING, err)
                    : NULL;
  if (dc->clip)
    return MIEN_OK;
  mien_drive_clip_close (dc);
  return err->status;
}

void
mien_drive_clip_close (mien_drive_clip *dc)
{
  mien_clip_free (dc->clip);
  mien_timeline_free (dc->tl);
  mien_animator_free (dc->anim);
  memset (dc, 0, sizeof *dc);
}

/* A frame rate as a fraction: whole rates exactly, NTSC rates as
 * 30000/1001 and the like, anything else to 1/1000. */
static void
fps_fraction (double fps, int *num, int *den)
{
  double whole = round (fps);
  if (fabs (fps - whole) < 1e-9)
    *num = (int)whole, *den = 1;
  else if (fabs (fps - whole * 1000.0 / 1001.0) < 1e-3)
    *num = (int)whole * 1000, *den = 1001;
  else
    *num = (int)round (fps * 1000.0), *den = 1000;
}

/* A driven clip's MP4 up to this many pixels a frame (below engine/io's
 * lean settings for 4K, MP4_LEAN_PIXELS, which stay as they are) is
 * encoded with x264's veryfast preset at CRF 15 instead of medium at 18.
 * Measured on sample1's 1024² crop driven by liveportrait-d19 (60 frames,
 * against the PNG frames, docs/BENCHMARKS.md "Driving by example"): PSNR
 * 43.05 dB against 43.46, a file 1 % smaller, and a third of x264's
 * instructions (callgrind: 2.5 G against 7.3 G), so x264 no longer decides
 * the end-to-end rate of a 1K drive. */
#define DRIVE_FAST_X264_PIXELS 3500000
#define DRIVE_X264_PRESET "veryfast"
#define DRIVE_X264_CRF 15

static mien_exporter *
export_open (const char *output, const mien_animation_settings *s,
             const mien_animator *anim, const mien_image *photo,
             int overwrite, int driven, mien_error *err)
{
  mien_export_options eo;
  mien_export_options_init (&eo);
  fps_fraction (s->fps, &eo.fps_num, &eo.fps_den);
  eo.scale = s->scale;
  eo.max_side = s->max_side;
  eo.overwrite = overwrite;
  const mien_rect *cr = mien_animator_get_crop (anim);
  int face = s->region == MIEN_CLIP_REGION_FACE;
  int w = face ? cr->width : photo->width;
  int h = face ? cr->height : photo->height;
  mien_export_format format = mien_export_format_from_path (output);
  int ow, oh;
  if (driven && format == MIEN_EXPORT_MP4
      && mien_export_output_size (format, &eo, w, h, &ow, &oh, NULL)
             == MIEN_OK
      && (long long)ow * oh <= DRIVE_FAST_X264_PIXELS)
    {
      eo.preset = DRIVE_X264_PRESET;
      eo.crf = DRIVE_X264_CRF;
    }
  return mien_exporter_open (output, format, &eo, w, h, err);
}

mien_exporter *
mien_clip_export_open (const char *output, const mien_animation_settings *s,
                       const mien_animator *anim, const mien_image *photo,
                       int overwrite, mien_error *err)
{
  return export_open (output, s, anim, photo, overwrite, 0, err);
}

/* ---- frame i + 1 rendered while frame i is encoded ----
 *
 * Rendering fills the crop of a photo-sized frame; encoding converts the
 * frame (floats to 8-bit, RGB to YUV) and hands it to the encoder. The two
 * overlap on a helper thread where the frame is small enough that a
 * second photo-sized buffer costs little (DRIVE_FAST_X264_PIXELS): the
 * frames alternate between the caller's and a copy of it (each holds the
 * photo or an earlier frame of the clip, as mien_clip_render wants). The
 * files are byte for byte the same; the encode time reported per frame is
 * then the time the render waited for the encoder. */

typedef struct encoder_thread {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  mien_exporter *ex;
  const mien_image *job; /* the frame to add; NULL: none */
  int quit;
  mien_status st;
  mien_error err;
} encoder_thread;

static void *
encoder_main (void *data)
{
  encoder_thread *e = data;
  pthread_mutex_lock (&e->lock);
  for (;;)
    {
      while (e->job == NULL && !e->quit)
        pthread_cond_wait (&e->wake, &e->lock);
      if (e->job == NULL)
        break;
      const mien_image *img = e->job;
      pthread_mutex_unlock (&e->lock);
      mien_error local = { 0 };
      mien_status st = mien_exporter_add_frame (e->ex, img, &local);
      pthread_mutex_lock (&e->lock);
      if (st != MIEN_OK && e->st == MIEN_OK)
        e->st = st, e->err = local;
      e->job = NULL;
      pthread_cond_signal (&e->done);
    }
  pthread_mutex_unlock (&e->lock);
  return NULL;
}

/* Waits until the helper is idle; its first failure, if any. */
static mien_status
encoder_wait (encoder_thread *e, mien_error *err)
{
  pthread_mutex_lock (&e->lock);
  while (e->job != NULL)
    pthread_cond_wait (&e->done, &e->lock);
  mien_status st = e->st;
  if (st != MIEN_OK && err)
    *err = e->err;
  pthread_mutex_unlock (&e->lock);
  return st;
}

static void
encoder_submit (encoder_thread *e, const mien_image *img)
{
  pthread_mutex_lock (&e->lock);
  e->job = img;
  pthread_cond_signal (&e->wake);
  pthread_mutex_unlock (&e->lock);
}

static encoder_thread *
encoder_start (mien_exporter *ex)
{
  encoder_thread *e = calloc (1, sizeof *e);
  if (e == NULL)
    return NULL;
  e->ex = ex;
  pthread_mutex_init (&e->lock, NULL);
  pthread_cond_init (&e->wake, NULL);
  pthread_cond_init (&e->done, NULL);
  if (pthread_create (&e->thread, NULL, encoder_main, e) != 0)
    {
      pthread_mutex_destroy (&e->lock);
      pthread_cond_destroy (&e->wake);
      pthread_cond_destroy (&e->done);
      free (e);
      return NULL;
    }
  return e;
}

static void
encoder_stop (encoder_thread *e)
{
  if (e == NULL)
    return;
  encoder_wait (e, NULL);
  pthread_mutex_lock (&e->lock);
  e->quit = 1;
  pthread_cond_signal (&e->wake);
  pthread_mutex_unlock (&e->lock);
  pthread_join (e->thread, NULL);
  pthread_mutex_destroy (&e->lock);
  pthread_cond_destroy (&e->wake);
  pthread_cond_destroy (&e->done);
  free (e);
}

/* One frame at a time, as before: for the crop (frame NULL, which the
 * animator owns), big frames, one CPU, or where the helper cannot be had. */
static mien_status
export_frames_serial (mien_clip *clip, const mien_timeline *timeline,
                      double fps, int n, mien_image *frame, mien_exporter *ex,
                      mien_clip_export_stop stop, mien_clip_export_done done,
                      void *data, mien_error *err)
{
  for (int i = 0; i < n; i++)
    {
      const char *why = stop ? stop (data) : NULL;
      if (why)
        return mien_error_set (err, MIEN_ERR_CANCELLED, "%s at frame %d of %d",
                               why, i + 1, n);
      const mien_image *crop = NULL;
      double t = mien_timeline_get_frame_time (timeline, fps, i);
      double t0 = mien_drive_run_now ();
      if (mien_clip_render (clip, t, frame, &crop, NULL, err) != MIEN_OK)
        return err->status;
      double t1 = mien_drive_run_now ();
      if (mien_exporter_add_frame (ex, frame ? frame : crop, err) != MIEN_OK)
        return err->status;
      if (done)
        done (data, i + 1, n, t1 - t0, mien_drive_run_now () - t1);
    }
  return MIEN_OK;
}

mien_status
mien_clip_export_frames (mien_clip *clip, const mien_timeline *timeline,
                         double fps, int n, mien_image *frame,
                         mien_exporter *ex, mien_clip_export_stop stop,
                         mien_clip_export_done done, void *data,
                         mien_error *err)
{
  mien_image *other = NULL;
  encoder_thread *enc = NULL;
  if (frame != NULL && n > 1
      && (long long)frame->width * frame->height <= DRIVE_FAST_X264_PIXELS
      && mien_pool_get_n_threads (mien_pool_default ()) >= 2
      && (other = mien_image_copy (frame, NULL)) != NULL)
    enc = encoder_start (ex);
  if (enc == NULL)
    {
      mien_image_free (other);
      return export_frames_serial (clip, timeline, fps, n, frame, ex, stop,
                                   done, data, err);
    }
  mien_image *buf[2] = { frame, other };
  mien_status st = MIEN_OK;
  for (int i = 0; i < n && st == MIEN_OK; i++)
    {
      const char *why = stop ? stop (data) : NULL;
      if (why)
        {
          st = mien_error_set (err, MIEN_ERR_CANCELLED,
                               "%s at frame %d of %d", why, i + 1, n);
          break;
        }
      double t = mien_timeline_get_frame_time (timeline, fps, i);
      double t0 = mien_drive_run_now ();
      /* Frame i - 1 is being encoded from the other buffer meanwhile. */
      st = mien_clip_render (clip, t, buf[i & 1], NULL, NULL, err);
      double t1 = mien_drive_run_now ();
      if (st != MIEN_OK)
        break;
      st = encoder_wait (enc, err);
      if (st != MIEN_OK)
        break;
      encoder_submit (enc, buf[i & 1]);
      /* The last frame is done when it is encoded. */
      if (i == n - 1)
        st = encoder_wait (enc, err);
      double t2 = mien_drive_run_now ();
      if (st == MIEN_OK && done)
        done (data, i + 1, n, t1 - t0, t2 - t1);
    }
  encoder_stop (enc); /* after a failure, the frame in flight */
  mien_image_free (other);
  return st;
}

mien_status
mien_drive_run_export (const mien_project *project, const mien_image *photo,
                       const mien_face *face, const mien_drive_faces *others,
                       mien_generator *gen, int n,
                       const char *output, int overwrite,
                       mien_clip_export_stop stop, mien_clip_export_done done,
                       void *data, double *finish_seconds, mien_error *err)
{
  const mien_animation_settings *s = &project->settings;
  mien_drive_clip dc;
  mien_status st = mien_drive_clip_open (&dc, project, photo, face, others,
                                         gen, err);
  mien_image *frame = NULL;
  mien_exporter *ex = NULL;
  if (st == MIEN_OK && s->region == MIEN_CLIP_REGION_PHOTO
      && !(frame = mien_image_copy (photo, err)))
    st = err->status;
  if (st == MIEN_OK)
    {
      ex = export_open (output, s, dc.anim, photo, overwrite, 1, err);
      st = ex ? MIEN_OK : err->status;
    }
  /* The clip keeps the video's length: frame i of the video is frame i of
   * the clip (the last keyframe is the last frame). */
  if (st == MIEN_OK)
    st = mien_clip_export_frames (dc.clip, dc.tl, s->fps, n, frame, ex, stop,
                                  done, data, err);
  if (st == MIEN_OK)
    {
      double t0 = mien_drive_run_now ();
      st = mien_exporter_finish (ex, err);
      if (finish_seconds)
        *finish_seconds = mien_drive_run_now () - t0;
      ex = NULL;
    }
  mien_exporter_abort (ex);
  mien_image_free (frame);
  mien_drive_clip_close (&dc);
  return st;
}

mien_status
mien_drive_run_audio (const char *output, const char *video, double start,
                      double end, int n, double fps, int *copied,
                      const char **why, mien_error *err)
{
  *copied = 0;
  *why = "no audio (GIF or PNG frames)";
  if (mien_export_format_from_path (output) != MIEN_EXPORT_MP4)
    return MIEN_OK;
  *why = NULL;
  if (end <= 0 && n > 0)
    end = start + n / fps;
  return mien_export_mp4_add_audio (output, video, start, end, copied, why,
                                    err);
}
