/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Tracking (mien-drive.c, "Tracking"): the face found once with the
 * analyzer, then followed from each frame's landmarks to the next frame's
 * crop, with the detector checking now and then that it is still there. */
#include "mien-drive-private.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../face/mien-iris.h"
#include "../mien-landmarks.h"
#include "../mien-pool.h"
#include "mien-video-reader.h"

#define ROBUST_EVERY 8

void
mien_drive_track_clear (mien_drive_track *t)
{
  free (t->frames);
  memset (t, 0, sizeof *t);
}

static void
lm_bounds (const mien_point *lm, float *cx, float *cy, float *side)
{
  float x0 = lm[0].x, x1 = x0, y0 = lm[0].y, y1 = y0;
  for (int i = 1; i < MIEN_N_LANDMARKS; i++)
    {
      x0 = fminf (x0, lm[i].x), x1 = fmaxf (x1, lm[i].x);
      y0 = fminf (y0, lm[i].y), y1 = fmaxf (y1, lm[i].y);
    }
  *cx = 0.5f * (x0 + x1), *cy = 0.5f * (y0 + y1);
  *side = fmaxf (fmaxf (x1 - x0, y1 - y0), 1.0f);
}

box_fit
drive_box_fit_of (const mien_face *face)
{
  float cx, cy, s;
  lm_bounds (face->landmarks, &cx, &cy, &s);
  box_fit b = { (face->box.x + 0.5f * face->box.width - cx) / s,
                (face->box.y + 0.5f * face->box.height - cy) / s,
                face->box.width / s, face->box.height / s };
  /* A face found rolled comes with its upright box; the landmark net's
   * crop is axis-aligned, so keep it square and generous. */
  if (!(b.kw > 0.5f && b.kw < 3.0f && b.kh > 0.5f && b.kh < 3.0f))
    b = (box_fit){ 0, 0, 1.1f, 1.1f };
  return b;
}

mien_box
drive_box_from_landmarks (const box_fit *b, const mien_point *lm)
{
  float cx, cy, s;
  lm_bounds (lm, &cx, &cy, &s);
  float w = b->kw * s, h = b->kh * s;
  return (mien_box){ cx + b->ocx * s - 0.5f * w, cy + b->ocy * s - 0.5f * h,
                     w, h };
}

static float
box_iou (mien_box a, mien_box b)
{
  float x0 = fmaxf (a.x, b.x), y0 = fmaxf (a.y, b.y);
  float x1 = fminf (a.x + a.width, b.x + b.width);
  float y1 = fminf (a.y + a.height, b.y + b.height);
  float i = fmaxf (0.0f, x1 - x0) * fmaxf (0.0f, y1 - y0);
  float u = a.width * a.height + b.width * b.height - i;
  return u > 0.0f ? i / u : 0.0f;
}

typedef struct tracker {
  mien_face_analyzer *an;
  const mien_drive_options *opt;
  int locked;           /* following a face */
  mien_point raw[MIEN_N_LANDMARKS]; /* last unfiltered landmarks */
  box_fit fit;
  float last_cx, last_cy, last_iod;
  int since_check;
  int n_lost;     /* frames searched without finding the face */
  int confirmed;  /* the last frame the detector confirmed */
  int retract;    /* set by a failed check: frames after confirmed go */
  one_euro filter;
  int n_redetect;
  mien_box crop;  /* the landmark net's last crop (hold_crop) */
  int have_crop;
  mien_point eye_corners[2][2]; /* the iris model's views (hold_eye_views) */
  int have_eye_views;
} tracker;

/* How far the box the last landmarks give may drift, as a share of the
 * crop's side, before the crop follows it. Re-making the crop from every
 * frame's landmarks feeds the net's noise back into its next input: on a
 * still photo encoded as a clip (sample3's face crop) the landmarks then
 * wander 0.009 iod a frame, more than a real driving clip's own jitter,
 * while a crop that stays put gives the same landmarks for the same
 * pixels. A face that moves further than this re-crops at once. */
#define CROP_HOLD 0.02f

static mien_box
hold_crop (tracker *tr, mien_box want)
{
  const mien_box *c = &tr->crop;
  if (tr->have_crop && c->width > 0.0f && c->height > 0.0f)
    {
      float dx = (want.x + 0.5f * want.width) - (c->x + 0.5f * c->width);
      float dy = (want.y + 0.5f * want.height) - (c->y + 0.5f * c->height);
      if (fabsf (dx) < CROP_HOLD * c->width
          && fabsf (dy) < CROP_HOLD * c->height
          && fabsf (want.width / c->width - 1.0f) < CROP_HOLD
          && fabsf (want.height / c->height - 1.0f) < CROP_HOLD)
        return *c;
    }
  tr->crop = want;
  tr->have_crop = 1;
  return want;
}

/* Finds faces; picks the wanted one on the first lock, else the one nearest
 * the last position, and describes it. Returns 1 with *face, 0 when none,
 * -1 on error. While no face is found the detector runs on every frame, at
 * face-api's single size (fast) and every ROBUST_EVERY frames with the
 * robust search (other sizes, rolled faces). */
/* The identity descriptor is a third of the nets' work per frame; only a
 * measurement (options.identity_ref) reads it. */
static unsigned
describe_flags (const tracker *tr)
{
  return tr->opt->identity_ref != NULL ? 0u : MIEN_FACE_NO_DESCRIPTOR;
}

static int
acquire (tracker *tr, const mien_image *img, int first, mien_face *face,
         mien_error *err)
{
  mien_face *faces = NULL;
  int n = 0;
  mien_error local = { 0 };
  mien_face_options single = { .search = MIEN_FACE_SEARCH_SINGLE };
  int robust = tr->n_lost % ROBUST_EVERY == 0;
  tr->n_lost++;
  if (mien_face_analyzer_detect (tr->an, img, robust ? NULL : &single, &faces,
                                 &n, &local)
      != MIEN_OK)
    {
      /* A damaged model is an error; a frame the analyzer cannot use is
       * just a frame without a face. */
      if (local.status == MIEN_ERR_NOMEM || local.status == MIEN_ERR_FORMAT)
        {
          if (err)
            *err = local;
          return -1;
        }
      return 0;
    }
  int pick = -1;
  if (n > 0 && first && tr->opt->face >= 0)
    pick = tr->opt->face < n ? tr->opt->face : -2;
  else if (n > 0 && first)
    {
      float best = -1.0f;
      for (int i = 0; i < n; i++)
        if (faces[i].box.width * faces[i].box.height > best)
          best = faces[i].box.width * faces[i].box.height, pick = i;
    }
  else if (n > 0)
    {
      float best = INFINITY;
      for (int i = 0; i < n; i++)
        {
          float d = hypotf (faces[i].box.x + 0.5f * faces[i].box.width
                                - tr->last_cx,
                            faces[i].box.y + 0.5f * faces[i].box.height
                                - tr->last_cy);
          if (d < best)
            best = d, pick = i;
        }
    }
  if (pick == -2)
    {
      mien_error_set (err, MIEN_ERR_INVALID, "--drive-face %d, but the "
                      "driving clip's first frame with a face has %d "
                      "face%s (0 … %d)", tr->opt->face, n, n == 1 ? "" : "s",
                      n - 1);
      mien_faces_free (faces);
      return -1;
    }
  int found = 0;
  if (pick >= 0)
    {
      *face = faces[pick];
      mien_status st = mien_face_analyzer_describe_ex (tr->an, img, face,
                                                       describe_flags (tr),
                                                       &local);
      if (st == MIEN_ERR_NOMEM)
        {
          if (err)
            *err = local;
          mien_faces_free (faces);
          return -1;
        }
      found = st == MIEN_OK;
    }
  mien_faces_free (faces);
  if (found)
    tr->n_lost = 0;
  return found;
}

static void
remember (tracker *tr, const mien_face *face)
{
  memcpy (tr->raw, face->landmarks, sizeof tr->raw);
  float s;
  lm_bounds (face->landmarks, &tr->last_cx, &tr->last_cy, &s);
  tr->last_iod = mien_landmarks_iod (face->landmarks);
}

/* Is the tracked face still where the detector sees a face? */
static int
still_there (tracker *tr, const mien_image *img, mien_box box)
{
  mien_face_options o = { .search = MIEN_FACE_SEARCH_SINGLE };
  for (int pass = 0; pass < 2; pass++)
    {
      mien_face *faces = NULL;
      int n = 0;
      if (mien_face_analyzer_detect (tr->an, img, pass ? NULL : &o, &faces,
                                     &n, NULL)
          != MIEN_OK)
        return 0;
      int hit = 0;
      for (int i = 0; i < n && !hit; i++)
        hit = box_iou (faces[i].box, box) > 0.2f;
      mien_faces_free (faces);
      if (hit)
        return 1;
    }
  return 0;
}

/* A face just found (acquire) has the detector's landmarks: those of its
 * box, or of the refinement for a face the robust search found, or with a
 * box re-made in the face's own frame for a rolled one. The frames after
 * it are followed from landmarks through hold_crop, another crop, so on
 * the same pixels they gave other landmarks, and the crop took 2-3 frames
 * to settle: a still clip's landmarks stepped 0.02-0.06 iod between its
 * first three frames (sample1's and sample2's faces re-tracked by
 * drive-quality on liveportrait-d11's still start, whose frames are the
 * same image within 0.02 levels; the result's jitter ratio there was 7-9x
 * the driver's). So the found frame is followed from its own landmarks as
 * the next frames would be, until hold_crop keeps the crop: its landmarks
 * are then those the next frame gives on the same pixels. */
#define SETTLE_MAX 4

static void
settle (tracker *tr, const mien_image *img, mien_face *face)
{
  for (int k = 0; k < SETTLE_MAX; k++)
    {
      mien_box want = drive_box_from_landmarks (&tr->fit, face->landmarks);
      mien_box before = tr->crop;
      int had = tr->have_crop;
      mien_box box = hold_crop (tr, want);
      if (had && memcmp (&box, &before, sizeof box) == 0)
        return; /* held: face's landmarks are this crop's */
      mien_face next;
      memset (&next, 0, sizeof next);
      next.box = box;
      next.score = 1.0f;
      float iod = mien_landmarks_iod (face->landmarks);
      if (mien_face_analyzer_describe_ex (tr->an, img, &next,
                                          describe_flags (tr), NULL)
              != MIEN_OK
          || !(mien_landmarks_iod (next.landmarks) > 0.7f * iod
               && mien_landmarks_iod (next.landmarks) < 1.4f * iod))
        {
          tr->have_crop = 0; /* the found landmarks stand, as before */
          return;
        }
      *face = next;
    }
}

/* The iris model sees each eye through a view made from the eye's two
 * corners (mien-face-eyes.c), and the net's corners move by a pixel from
 * frame to frame with the rest of the face. The model's contour moves with
 * its view: on the ground-truth smile clip, whose eyes stay the same to 2
 * levels while the jaw drops, the contour's opening changed by 3-5 %, and
 * with the lids read at their size (mien-drive-lids.c) that became 1.3-1.5
 * of a spurious AU5. So, like the net's crop (hold_crop), each eye's view
 * is held while both its corners stay within EYE_VIEW_HOLD of the corner
 * distance of the held ones, and re-made from the frame's corners when
 * either moves further. lm is the frame's landmarks; held gets them with
 * the held corners. */
#define EYE_VIEW_HOLD 0.1f

static void
hold_eye_views (tracker *tr, const mien_point *lm, mien_point *held)
{
  static const int corner[2][2] = { { 36, 39 }, { 42, 45 } };
  memcpy (held, lm, MIEN_N_LANDMARKS * sizeof *held);
  for (int side = 0; side < 2; side++)
    {
      mien_point a = lm[corner[side][0]], b = lm[corner[side][1]];
      mien_point *h = tr->eye_corners[side];
      float reach = EYE_VIEW_HOLD * drive_dist (a, b);
      if (tr->have_eye_views && drive_dist (a, h[0]) <= reach
          && drive_dist (b, h[1]) <= reach)
        {
          held[corner[side][0]] = h[0];
          held[corner[side][1]] = h[1];
        }
      else
        h[0] = a, h[1] = b;
    }
  tr->have_eye_views = 1;
}

/* One frame: 1 face followed (landmarks, expressions in *out), 0 missing,
 * -1 error. With defer, a frame followed from the last one gets its
 * landmarks alone and *deferred = 1: its expressions are left to the
 * caller (mien_face_analyzer_expressions on the same landmarks gives what
 * describe gives); a frame where the detector had to find the face again
 * is described in full here. */
static int
track_frame (tracker *tr, const mien_image *img, int index,
             mien_drive_frame *out, int first_ever, int defer, int *deferred,
             mien_error *err)
{
  mien_face face;
  *deferred = 0;
  if (!tr->locked)
    {
      int r = acquire (tr, img, first_ever, &face, err);
      if (r <= 0)
        return r;
      tr->confirmed = index;
      if (!first_ever)
        tr->n_redetect++;
      tr->fit = drive_box_fit_of (&face);
      tr->have_crop = 0;
      tr->have_eye_views = 0;
      settle (tr, img, &face);
      tr->locked = 1;
      tr->since_check = 0;
      tr->filter.primed = 0;
    }
  else
    {
      memset (&face, 0, sizeof face);
      face.box = hold_crop (tr, drive_box_from_landmarks (&tr->fit, tr->raw));
      face.score = 1.0f;
      mien_error local = { 0 };
      unsigned flags = describe_flags (tr)
                       | (defer ? MIEN_FACE_LANDMARKS_ONLY : 0u);
      mien_status st = mien_face_analyzer_describe_ex (tr->an, img, &face,
                                                       flags, &local);
      *deferred = defer && st == MIEN_OK;
      float iod = st == MIEN_OK ? mien_landmarks_iod (face.landmarks) : 0.0f;
      int jumped = !(iod > 0.7f * tr->last_iod && iod < 1.4f * tr->last_iod);
      if (st == MIEN_ERR_NOMEM)
        {
          if (err)
            *err = local;
          return -1;
        }
      tr->since_check++;
      if (st != MIEN_OK || jumped || tr->since_check >= tr->opt->redetect_every)
        {
          tr->since_check = 0;
          mien_box b = st == MIEN_OK
                           ? drive_box_from_landmarks (&tr->fit, face.landmarks)
                           : face.box;
          if (st == MIEN_OK && still_there (tr, img, b))
            tr->confirmed = index;
          else
            {
              tr->locked = 0;
              /* Maybe it moved fast: look for it anywhere. */
              int r = acquire (tr, img, 0, &face, err);
              *deferred = 0; /* acquire described it in full */
              /* Gone: the frames since the last confirmation were taken
               * from a face that may have left already. */
              tr->retract = r == 0;
              if (r <= 0)
                return r;
              tr->confirmed = index;
              tr->n_redetect++;
              tr->fit = drive_box_fit_of (&face);
              tr->have_crop = 0;
              tr->have_eye_views = 0;
              settle (tr, img, &face);
              tr->locked = 1;
              tr->filter.primed = 0;
            }
        }
    }
  remember (tr, &face);
  memcpy (out->lm, face.landmarks, sizeof out->lm);
  memcpy (out->expressions, face.expressions, sizeof out->expressions);
  out->found = 1;
  out->identity = tr->opt->identity_ref
                      ? mien_face_descriptor_cosine (face.descriptor,
                                                     tr->opt->identity_ref)
                      : 0.0f;
  return 1;
}

/* The driver's irises on the frame, with the landmark net's own
 * (unfiltered) landmarks of that frame: the filtered ones lag a moving
 * head and would put the eye opening beside the eye. Runs on the caller's
 * thread after the frame's landmarks, so one and two tracking threads give
 * the same offsets. */
static void
find_irises (const mien_image *img, mien_drive_frame *f)
{
  for (int side = 0; side < 2; side++)
    {
      mien_iris iris;
      memset (&iris, 0, sizeof iris);
      f->iris_h[side] = f->iris_v[side] = 0.0f;
      if (mien_iris_find (img, f->lm, side, &iris, NULL) != MIEN_OK)
        iris.status = MIEN_IRIS_NO_CONTRAST;
      f->iris_status[side] = (int)iris.status;
      f->eye_open[side] = iris.openness;
      f->iris_size[side] = f->iris_contrast[side] = 0.0f;
      if (iris.status == MIEN_IRIS_FOUND && iris.eye_width > 0.0f)
        f->iris_size[side] = iris.radius / iris.eye_width,
        f->iris_contrast[side] = iris.contrast;
      if (iris.status == MIEN_IRIS_FOUND)
        mien_iris_offset (&iris, &f->iris_h[side], &f->iris_v[side]);
    }
}

/* The iris fields find_irises fills, from src into dst. */
static void
copy_irises (mien_drive_frame *dst, const mien_drive_frame *src)
{
  memcpy (dst->iris_h, src->iris_h, sizeof dst->iris_h);
  memcpy (dst->iris_v, src->iris_v, sizeof dst->iris_v);
  memcpy (dst->iris_status, src->iris_status, sizeof dst->iris_status);
  memcpy (dst->eye_open, src->eye_open, sizeof dst->eye_open);
  memcpy (dst->iris_size, src->iris_size, sizeof dst->iris_size);
  memcpy (dst->iris_contrast, src->iris_contrast, sizeof dst->iris_contrast);
}

/* The track's iris counts (after retraction: frames with the face only). */
static void
count_irises (mien_drive_track *t)
{
  t->n_iris = t->n_iris_small = 0;
  for (int i = 0; i < t->n_frames; i++)
    {
      const mien_drive_frame *f = &t->frames[i];
      if (!f->found)
        continue;
      t->n_iris += f->iris_status[0] == MIEN_IRIS_FOUND
                   || f->iris_status[1] == MIEN_IRIS_FOUND;
      t->n_iris_small += f->iris_status[0] == MIEN_IRIS_TOO_SMALL
                         && f->iris_status[1] == MIEN_IRIS_TOO_SMALL;
    }
}

static mien_status
push_frame (mien_drive_track *t, int *cap, const mien_drive_frame *f,
            mien_error *err)
{
  if (t->n_frames >= MIEN_TIMELINE_MAX_FRAMES)
    return mien_error_set (err, MIEN_ERR_INVALID, "the driving clip is "
                           "longer than %d frames (cut it with --start and "
                           "--end)", MIEN_TIMELINE_MAX_FRAMES);
  if (t->n_frames == *cap)
    {
      int n = *cap ? 2 * *cap : 256;
      mien_drive_frame *p = realloc (t->frames, (size_t)n * sizeof *p);
      if (p == NULL)
        return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
      t->frames = p, *cap = n;
    }
  t->frames[t->n_frames++] = *f;
  return MIEN_OK;
}

/* ---- frame n's expressions beside frame n + 1's landmarks ----
 *
 * Following the face is a chain: frame n + 1's crop comes from frame n's
 * landmarks. Frame n's expressions (face-api's expression net on the crop
 * its landmarks align, half of the nets' work per frame) are not in the
 * chain: they only feed the choice of the rest (mien-drive-solve.c). So on
 * two or more CPUs a helper thread runs them, on its own analyzer with
 * only the expression net, while the caller's thread decodes frame n + 1
 * and runs its landmark net and, every redetect_every frames, the
 * detector. The helper also fits frame n's irises (find_irises, from the
 * same unfiltered landmarks the caller would use): the fit is as costly as
 * the expression net (about 15 ms a frame on a 512² clip), and on the
 * caller's thread it made the chain half as long again. The frames come
 * out bit for bit as on one thread (test drive-track-threads). Each net
 * runs on one thread (a pool of 1): the layers are too small to split
 * well, and the two nets side by side keep both cores busy. */

typedef struct expr_worker {
  pthread_t thread;
  pthread_mutex_t lock;
  pthread_cond_t wake, done;
  mien_face_analyzer *an; /* the expression net only */
  mien_pool *pool;        /* one thread: the net runs in the worker */
  int busy, quit;
  const mien_image *img;  /* the job: frame index's expressions */
  mien_face face;
  mien_drive_frame iris; /* the job's irises: lm in, the iris fields out */
  int index;
  mien_status st;
  mien_error err;
} expr_worker;

static void *
expr_worker_main (void *data)
{
  expr_worker *w = data;
  pthread_mutex_lock (&w->lock);
  for (;;)
    {
      while (!w->busy && !w->quit)
        pthread_cond_wait (&w->wake, &w->lock);
      if (w->quit)
        break;
      pthread_mutex_unlock (&w->lock);
      mien_error local = { 0 };
      mien_status st = mien_face_analyzer_expressions (w->an, w->img,
                                                       &w->face, &local);
      if (st == MIEN_OK)
        find_irises (w->img, &w->iris);
      pthread_mutex_lock (&w->lock);
      w->st = st, w->err = local;
      w->busy = 0;
      pthread_cond_signal (&w->done);
    }
  pthread_mutex_unlock (&w->lock);
  return NULL;
}

/* What expr_worker_new made, once its thread is gone (or never ran). */
static void
expr_worker_release (expr_worker *w)
{
  pthread_mutex_destroy (&w->lock);
  pthread_cond_destroy (&w->wake);
  pthread_cond_destroy (&w->done);
  mien_face_analyzer_free (w->an);
  mien_pool_free (w->pool);
  free (w);
}

static void
expr_worker_free (expr_worker *w)
{
  if (w == NULL)
    return;
  pthread_mutex_lock (&w->lock);
  w->quit = 1;
  pthread_cond_signal (&w->wake);
  pthread_mutex_unlock (&w->lock);
  pthread_join (w->thread, NULL);
  expr_worker_release (w);
}

/* The helper, or NULL (track on one thread) where it does not pay or
 * cannot be had: one CPU (or $MIEN_THREADS=1), options.track_threads 1, a
 * measurement that wants each frame's descriptor (identity_ref), an
 * analyzer on a GPU, no memory or thread. */
static expr_worker *
expr_worker_new (mien_face_analyzer *an, const mien_drive_options *opt)
{
  int threads = opt->track_threads > 0
                    ? opt->track_threads
                    : mien_pool_get_n_threads (mien_pool_default ());
  if (threads < 2 || opt->identity_ref != NULL)
    return NULL;
  expr_worker *w = calloc (1, sizeof *w);
  if (w == NULL || (w->pool = mien_pool_new (1)) == NULL
      || (w->an = mien_face_analyzer_new_expressions (an, w->pool, NULL))
             == NULL)
    {
      if (w)
        mien_pool_free (w->pool);
      free (w);
      return NULL;
    }
  pthread_mutex_init (&w->lock, NULL);
  pthread_cond_init (&w->wake, NULL);
  pthread_cond_init (&w->done, NULL);
  if (pthread_create (&w->thread, NULL, expr_worker_main, w) != 0)
    {
      expr_worker_release (w);
      return NULL;
    }
  return w;
}

static void
expr_worker_submit (expr_worker *w, const mien_image *img, int index,
                    const mien_point *lm)
{
  pthread_mutex_lock (&w->lock);
  w->img = img;
  w->index = index;
  memset (&w->face, 0, sizeof w->face);
  memcpy (w->face.landmarks, lm, sizeof w->face.landmarks);
  memset (&w->iris, 0, sizeof w->iris);
  memcpy (w->iris.lm, lm, sizeof w->iris.lm);
  w->busy = 1;
  pthread_cond_signal (&w->wake);
  pthread_mutex_unlock (&w->lock);
}

/* Waits for the job and puts its expressions into frame. A net that fails
 * here is a damaged model or no memory: the frame's landmarks passed the
 * same checks describe makes before its expression net (the crop is in
 * the image), so on one thread the same frame would have failed too. */
static mien_status
expr_worker_wait (expr_worker *w, mien_drive_frame *frame, mien_error *err)
{
  pthread_mutex_lock (&w->lock);
  while (w->busy)
    pthread_cond_wait (&w->done, &w->lock);
  mien_status st = w->st;
  if (st == MIEN_OK)
    {
      memcpy (frame->expressions, w->face.expressions,
              sizeof frame->expressions);
      copy_irises (frame, &w->iris);
    }
  else if (err)
    *err = w->err;
  pthread_mutex_unlock (&w->lock);
  return st;
}

mien_status
mien_drive_track_video (mien_face_analyzer *an, const char *path,
                        const mien_drive_options *opt,
                        mien_drive_progress progress, void *progress_data,
                        mien_drive_track *t, mien_error *err)
{
  memset (t, 0, sizeof *t);
  mien_video_reader *r = mien_video_reader_open (path, opt->track_side, err);
  if (r == NULL)
    return err ? err->status : MIEN_ERR_FORMAT;
  const mien_video_info *info = mien_video_reader_get_info (r);
  t->fps = opt->fps > 0 ? opt->fps : info->avg_fps;
  t->source_fps = info->avg_fps;
  t->width = info->width, t->height = info->height;
  t->has_audio = info->has_audio;
  t->rotation = info->rotation;
  t->variable_rate = info->variable_rate;
  mien_video_reader_set_output (r, t->fps, opt->start, opt->end);
  tracker tr = { .an = an, .opt = opt };
  /* Two frames: the helper reads one while the next is decoded. */
  mien_image *imgs[2] = { NULL, NULL };
  expr_worker *w = expr_worker_new (an, opt);
  t->track_threads = w ? 2 : 1;
  int pending = -1; /* the frame whose expressions the helper runs */
  int last_index = -1; /* the frame last holds */
  mien_status st = MIEN_OK;
  int cap = 0, ever = 0;
  mien_drive_frame last = { 0 };
  for (;;)
    {
      double time;
      int eof;
      mien_image **img = &imgs[t->n_frames & 1];
      st = mien_video_reader_read (r, img, &time, &eof, err);
      if (st != MIEN_OK || eof)
        break;
      double t0 = drive_now ();
      mien_drive_frame f = last;
      f.found = 0;
      int deferred = 0;
      int got = track_frame (&tr, *img, t->n_frames, &f, !ever, w != NULL,
                             &deferred, err);
      if (pending >= 0)
        {
          /* The last frame's expressions ran beside this frame's
           * landmarks. */
          mien_status ws = expr_worker_wait (w, &t->frames[pending],
                                             got < 0 ? NULL : err);
          if (pending == last_index && ws == MIEN_OK)
            {
              memcpy (last.expressions, t->frames[pending].expressions,
                      sizeof last.expressions);
              copy_irises (&last, &t->frames[pending]);
            }
          if (!got && ws == MIEN_OK)
            {
              memcpy (f.expressions, last.expressions, sizeof f.expressions);
              copy_irises (&f, &last);
            }
          pending = -1;
          if (ws != MIEN_OK && got >= 0)
            {
              st = ws;
              break;
            }
        }
      if (got < 0)
        {
          st = err ? err->status : MIEN_ERR_INVALID;
          break;
        }
      if (tr.retract)
        {
          /* The detector lost the face at this frame: the frames since its
           * last confirmation count as missing too (at most
           * redetect_every - 1 of them), holding the confirmed frame. */
          tr.retract = 0;
          for (int j = tr.confirmed + 1; j < t->n_frames; j++)
            if (t->frames[j].found)
              {
                t->frames[j] = t->frames[tr.confirmed];
                t->frames[j].found = 0;
                t->n_missing++;
              }
          if (tr.confirmed < t->n_frames)
            last = t->frames[tr.confirmed], last_index = tr.confirmed;
          f = last;
          f.found = 0;
          deferred = 0;
        }
      mien_point raw[MIEN_N_LANDMARKS];
      if (deferred)
        memcpy (raw, f.lm, sizeof raw);
      if (got)
        {
          if (!deferred) /* else the helper fits them beside the next frame */
            find_irises (*img, &f);
          mien_point views[MIEN_N_LANDMARKS];
          hold_eye_views (&tr, f.lm, views);
          drive_lid_fit (tr.an, *img, views, &f);
          mien_point net[MIEN_N_LANDMARKS];
          memcpy (net, f.lm, sizeof net);
          drive_brow_edges (*img, f.lm, f.brow_edge, &f.brow_found);
          drive_one_euro_step (&tr.filter, &opt->filter, (float)(1.0 / t->fps),
                               f.lm);
          drive_brow_edges_refer (net, f.lm, f.brow_edge);
          ever = 1;
          last = f, last_index = t->n_frames;
        }
      else
        t->n_missing++;
      if ((st = push_frame (t, &cap, &f, err)) != MIEN_OK)
        {
          t->t_track += drive_now () - t0;
          break;
        }
      if (deferred && got)
        {
          pending = t->n_frames - 1;
          expr_worker_submit (w, *img, pending, raw);
        }
      t->t_track += drive_now () - t0;
      if (progress && progress (progress_data, t->n_frames, time))
        {
          st = mien_error_set (err, MIEN_ERR_CANCELLED, "cancelled");
          break;
        }
    }
  if (pending >= 0)
    {
      double t0 = drive_now ();
      mien_error local = { 0 };
      mien_status ws = expr_worker_wait (w, &t->frames[pending], &local);
      if (ws != MIEN_OK && st == MIEN_OK)
        {
          st = ws;
          if (err)
            *err = local;
        }
      t->t_track += drive_now () - t0;
    }
  expr_worker_free (w);
  t->t_decode = mien_video_reader_get_seconds (r);
  t->n_damaged = mien_video_reader_get_damaged (r);
  t->n_redetect = tr.n_redetect;
  mien_image_free (imgs[0]);
  mien_image_free (imgs[1]);
  mien_video_reader_free (r);
  if (st == MIEN_OK && t->n_frames == 0)
    st = mien_error_set (err, MIEN_ERR_FORMAT, "%s: no frame in the chosen "
                         "stretch (--start/--end)", path);
  else if (st == MIEN_OK && !ever)
    st = mien_error_set (err, MIEN_ERR_FORMAT, "no face found in %s (%d "
                         "frame%s tried)", path, t->n_frames,
                         t->n_frames == 1 ? "" : "s");
  if (st != MIEN_OK)
    mien_drive_track_clear (t);
  else
    {
      count_irises (t);
      drive_brows_apply (t, &opt->filter);
      drive_lids_apply (t, &opt->filter);
    }
  return st;
}

mien_status
mien_drive_track_photo (mien_face_analyzer *an, const mien_image *photo,
                        const mien_drive_options *opt, mien_drive_track *t,
                        mien_error *err)
{
  memset (t, 0, sizeof *t);
  tracker tr = { .an = an, .opt = opt };
  mien_drive_frame f = { 0 };
  int deferred;
  int got = track_frame (&tr, photo, 0, &f, 1, 0, &deferred, err);
  if (got < 0)
    return err ? err->status : MIEN_ERR_INVALID;
  if (got == 0)
    return mien_error_set (err, MIEN_ERR_FORMAT, "no face found in the "
                           "driving photo");
  t->frames = malloc (sizeof *t->frames);
  if (t->frames == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  find_irises (photo, &f);
  drive_brow_edges (photo, f.lm, f.brow_edge, &f.brow_found);
  /* No clip to refer the lids to: the net's (mien-drive-lids.c). */
  f.lid_up[0] = f.lid_up[1] = f.lid_low[0] = f.lid_low[1] = NAN;
  t->frames[0] = f;
  t->n_frames = 1;
  count_irises (t);
  t->fps = opt->fps > 0 ? opt->fps : 30.0;
  t->width = photo->width, t->height = photo->height;
  return MIEN_OK;
}
