/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Driving by example: tracking, stabilisation, the rest, the inverse rig
 * (mien-drive.h).
 *
 * Tracking. The face is found once with the analyzer (detector + landmarks)
 * and then followed: each frame's crop is re-made from the previous frame's
 * 68 landmarks (the detector box the analyzer found is remembered relative
 * to the landmarks' bounding box, so the re-made crop is the box the
 * landmark net was trained on) and the analyzer's describe step runs the
 * landmark net on it. Every redetect_every frames, and whenever the face's
 * size jumps, the detector checks that a face is still there; where none
 * is, the frame is counted missing and the detector runs on every frame
 * until a face is back (the one nearest the last position).
 *
 * The rest. The expression is measured against the clip's own neutral
 * face, not its first frame (a performer who starts smiling would make
 * every later frame read as "less smile"). Each frame is scored by
 * face-api's neutral probability minus how far its shape (aligned on the
 * eyes' corners and the nose bridge, in iod units) is from the clip's
 * median shape and how open its mouth is; the rest is the mean shape of
 * the best-scoring frames.
 *
 * Pose. Each frame is aligned to the rest by the similarity (translation,
 * roll, scale) that best maps its eye corners and nose bridge onto the
 * rest's; what is left is expression (plus what yaw and pitch do to a flat
 * projection, which a similarity cannot remove: issue #24's 3-D pose
 * will). Displacements are then in the rest's face frame (x along the eye
 * line, y towards the chin) and in inter-ocular distances, so a small face
 * and a big one, or a face near and far, give the same numbers.
 *
 * The inverse rig. The generator is the model: for each solved channel the
 * rig is run once on the rest shape (placed in the 128 grid as the headshot
 * crop places a face) at half intensity, and the forward displacement of
 * each landmark is read from its backward field F by solving q + F(q) = p.
 * Those columns form J (136 × channels). Each frame then solves
 *     min ‖W (J a − d)‖² + ridge ‖a‖²   subject to 0 ≤ a ≤ 5
 * by projected coordinate descent on the normal equations (a convex box
 * QP; warm-started from the previous frame). The sided AUs are solved per
 * side (AU12L, AU12R) and written back as the bilateral channel (their
 * minimum) plus the one-sided excess, so a symmetric smile edits as one
 * curve. Head pose and gaze will be more columns (#24, #25).
 *
 * Adding the photo's own expression. The rig's zero is the photo as it is,
 * so a driven AU adds to whatever the photo already shows. To keep a
 * smiling photo from getting a double smile, a channel the photo already
 * shows at intensity p is driven with a·(5 − p)/5: what the face shows is
 * then p + a·(5 − p)/5, which grows with a, is never less than p and never
 * passes 5. p is the caller's: mien_drive_photo_expression measures the
 * photo's landmarks against the clip's rest through the same inverse rig,
 * but across two people identity reads as expression (sample1's face
 * against liveportrait-d19's rest: AU17 5, AU4 4.6 on a nearly neutral
 * face), so mien-render does not use it yet; a neutral reference of the
 * photo's own face is needed first.
 *
 * A face missing for a stretch: the last solved values hold for
 * MISSING_HOLD seconds, then ease (smoothstep) to the rest over
 * MISSING_EASE seconds; before the face is first seen the photo rests. */
#include "mien-drive.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../mien-animator.h"
#include "../mien-landmarks.h"
#include "mien-video-reader.h"

#define MISSING_HOLD 0.25
#define MISSING_EASE 0.5
#define GRID 128
/* The headshot crop is 5 iod wide, centred 0.1 iod below the eyes
 * (mien-headshot.c): the rest is placed so in the grid. */
#define SIDE_PER_SCALE 5.0f
#define CENTRE_BELOW_EYES 0.1f
#define PROBE_INTENSITY 2.5f
#define GAIN_MIN 0.4
#define GAIN_MIN_EYES 0.8
#define GAIN_MAX 1.2
#define MAX_REST 16
#define ROBUST_EVERY 8
#define N_STABLE 8
/* A one-sided channel costs this many times a bilateral one: a symmetric
 * expression is solved as bilateral AUs, and only a clear asymmetry (a
 * wink, a half smile) as one-sided excess. */
#define ONE_SIDED_RIDGE 10.0

static const int stable_points[N_STABLE] = { 27, 28, 29, 30, 36, 39, 42, 45 };

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void
mien_drive_options_init (mien_drive_options *o)
{
  *o = (mien_drive_options){
    .face = -1,
    .track_side = 720,
    .redetect_every = 5,
    .filter = { MIEN_DRIVE_DEFAULT_MIN_CUTOFF, MIEN_DRIVE_DEFAULT_BETA,
                MIEN_DRIVE_DEFAULT_D_CUTOFF },
    .strength = 1.0f,
    .parts = MIEN_DRIVE_ALL_PARTS,
    .ridge = 0.03f,
  };
}

mien_status
mien_drive_parts_parse (const char *text, unsigned *parts, mien_error *err)
{
  static const struct { const char *name; unsigned bit; } names[] = {
    { "eyes", MIEN_DRIVE_EYES }, { "brows", MIEN_DRIVE_BROWS },
    { "mouth", MIEN_DRIVE_MOUTH }, { "pose", MIEN_DRIVE_POSE },
  };
  unsigned mask = 0;
  const char *p = text;
  while (*p)
    {
      size_t n = strcspn (p, ",");
      int found = 0;
      for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (n == strlen (names[i].name) && strncmp (p, names[i].name, n) == 0)
          mask |= names[i].bit, found = 1;
      if (!found)
        return mien_error_set (err, MIEN_ERR_INVALID,
                               "unknown part '%.*s' (the parts are eyes, "
                               "brows, mouth and pose)", (int)n, p);
      p += n;
      if (*p == ',')
        p++;
    }
  if (mask == 0)
    return mien_error_set (err, MIEN_ERR_INVALID, "no part named (the parts "
                           "are eyes, brows, mouth and pose)");
  *parts = mask;
  return MIEN_OK;
}

void
mien_drive_track_clear (mien_drive_track *t)
{
  free (t->frames);
  memset (t, 0, sizeof *t);
}

void
mien_drive_result_clear (mien_drive_result *r)
{
  free (r->values);
  memset (r, 0, sizeof *r);
}

/* ---- geometry ----------------------------------------------------------- */

static float
dist (mien_point a, mien_point b)
{
  return hypotf (a.x - b.x, a.y - b.y);
}

void
mien_drive_measure (const mien_point *lm, float *mouth, float *eyes,
                    float *brows)
{
  float iod = mien_landmarks_iod (lm);
  if (!(iod > 0.0f))
    iod = 1.0f;
  /* The inner lips' three vertical gaps. */
  *mouth = (dist (lm[61], lm[67]) + dist (lm[62], lm[66])
            + dist (lm[63], lm[65])) / (3.0f * iod);
  *eyes = (dist (lm[37], lm[41]) + dist (lm[38], lm[40])
           + dist (lm[43], lm[47]) + dist (lm[44], lm[46])) / (4.0f * iod);
  mien_point er = mien_landmarks_eye_centre (lm, 0);
  mien_point el = mien_landmarks_eye_centre (lm, 1);
  float b = 0.0f;
  for (int i = 17; i <= 21; i++)
    b += dist (lm[i], er);
  for (int i = 22; i <= 26; i++)
    b += dist (lm[i], el);
  *brows = b / (10.0f * iod);
}

/* The similarity z ↦ a·z + t (complex a: rotation and scale) that best maps
 * src's stable points onto dst's. */
typedef struct sim2 {
  float ar, ai, tx, ty;
} sim2;

static sim2
fit_similarity (const mien_point *src, const mien_point *dst)
{
  double sx = 0, sy = 0, dx = 0, dy = 0;
  for (int k = 0; k < N_STABLE; k++)
    {
      int i = stable_points[k];
      sx += src[i].x, sy += src[i].y, dx += dst[i].x, dy += dst[i].y;
    }
  sx /= N_STABLE, sy /= N_STABLE, dx /= N_STABLE, dy /= N_STABLE;
  double nr = 0, ni = 0, d = 0;
  for (int k = 0; k < N_STABLE; k++)
    {
      int i = stable_points[k];
      double px = src[i].x - sx, py = src[i].y - sy;
      double qx = dst[i].x - dx, qy = dst[i].y - dy;
      /* q · conj(p) */
      nr += qx * px + qy * py;
      ni += qy * px - qx * py;
      d += px * px + py * py;
    }
  sim2 s = { 1, 0, 0, 0 };
  if (d > 1e-12)
    s.ar = (float)(nr / d), s.ai = (float)(ni / d);
  s.tx = (float)(dx - (s.ar * sx - s.ai * sy));
  s.ty = (float)(dy - (s.ai * sx + s.ar * sy));
  return s;
}

static mien_point
sim_apply (sim2 s, mien_point p)
{
  return (mien_point){ s.ar * p.x - s.ai * p.y + s.tx,
                       s.ai * p.x + s.ar * p.y + s.ty };
}

/* The rest's face frame: origin between the eyes, x along the eye line, y
 * towards the chin, unit the iod. */
typedef struct frame2 {
  mien_point o;
  float ex, ey, iod;
} frame2;

static frame2
frame_of (const mien_point *lm)
{
  mien_point r = mien_landmarks_eye_centre (lm, 0);
  mien_point l = mien_landmarks_eye_centre (lm, 1);
  frame2 f;
  f.iod = dist (r, l);
  if (!(f.iod > 1e-6f))
    f.iod = 1.0f;
  f.ex = (l.x - r.x) / f.iod;
  f.ey = (l.y - r.y) / f.iod;
  f.o = (mien_point){ 0.5f * (r.x + l.x), 0.5f * (r.y + l.y) };
  return f;
}

/* A point in the frame's coordinates (iod units). */
static mien_point
to_frame (const frame2 *f, mien_point p)
{
  float x = p.x - f->o.x, y = p.y - f->o.y;
  return (mien_point){ (x * f->ex + y * f->ey) / f->iod,
                       (-x * f->ey + y * f->ex) / f->iod };
}

float
mien_drive_step (const mien_point *prev, const mien_point *cur)
{
  sim2 s = fit_similarity (cur, prev);
  float iod = mien_landmarks_iod (prev);
  if (!(iod > 1e-6f))
    return 0.0f;
  double sum = 0.0;
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    sum += dist (sim_apply (s, cur[i]), prev[i]);
  return (float)(sum / MIEN_N_LANDMARKS / iod);
}

/* lm in the rest's face frame after removing the similarity. */
static void
normalise (const mien_point *lm, const mien_point *rest, const frame2 *rf,
           mien_point *out)
{
  sim2 s = fit_similarity (lm, rest);
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    out[i] = to_frame (rf, sim_apply (s, lm[i]));
}

/* ---- the One Euro filter ---------------------------------------------- */

typedef struct one_euro {
  float x[2 * MIEN_N_LANDMARKS], dx[2 * MIEN_N_LANDMARKS];
  int primed;
} one_euro;

static float
smoothing (float cutoff, float dt)
{
  float tau = 1.0f / (2.0f * (float)M_PI * cutoff);
  return 1.0f / (1.0f + tau / dt);
}

/* Filters lm in place; the unit is the face's iod so beta does not depend
 * on the video's size. */
static void
one_euro_step (one_euro *f, const mien_one_euro_params *p, float dt,
               mien_point *lm)
{
  float *v = (float *)lm;
  if (!f->primed || !(p->min_cutoff > 0.0f))
    {
      memcpy (f->x, v, sizeof f->x);
      memset (f->dx, 0, sizeof f->dx);
      f->primed = 1;
      return;
    }
  float iod = mien_landmarks_iod (lm);
  if (!(iod > 1e-3f))
    iod = 1.0f;
  float ad = smoothing (p->d_cutoff, dt);
  for (int i = 0; i < 2 * MIEN_N_LANDMARKS; i++)
    {
      float d = (v[i] - f->x[i]) / dt;
      f->dx[i] += ad * (d - f->dx[i]);
      float cutoff = p->min_cutoff + p->beta * fabsf (f->dx[i]) / iod;
      float a = smoothing (cutoff, dt);
      f->x[i] += a * (v[i] - f->x[i]);
      v[i] = f->x[i];
    }
}

/* ---- tracking ----------------------------------------------------------- */

typedef struct box_fit {
  float ocx, ocy, kw, kh; /* detector box from the landmarks' bounds */
} box_fit;

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

static box_fit
box_fit_of (const mien_face *face)
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

static mien_box
box_from_landmarks (const box_fit *b, const mien_point *lm)
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
} tracker;

/* Finds faces; picks the wanted one on the first lock, else the one nearest
 * the last position, and describes it. Returns 1 with *face, 0 when none,
 * -1 on error. While no face is found the detector runs on every frame, at
 * face-api's single size (fast) and every ROBUST_EVERY frames with the
 * robust search (other sizes, rolled faces). */
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
      mien_status st = mien_face_analyzer_describe (tr->an, img, face, &local);
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

/* One frame: 1 face followed (landmarks, expressions in *out), 0 missing,
 * -1 error. */
static int
track_frame (tracker *tr, const mien_image *img, int index,
             mien_drive_frame *out, int first_ever, mien_error *err)
{
  mien_face face;
  if (!tr->locked)
    {
      int r = acquire (tr, img, first_ever, &face, err);
      if (r <= 0)
        return r;
      tr->confirmed = index;
      if (!first_ever)
        tr->n_redetect++;
      tr->fit = box_fit_of (&face);
      tr->locked = 1;
      tr->since_check = 0;
      tr->filter.primed = 0;
    }
  else
    {
      memset (&face, 0, sizeof face);
      face.box = box_from_landmarks (&tr->fit, tr->raw);
      face.score = 1.0f;
      mien_error local = { 0 };
      mien_status st = mien_face_analyzer_describe (tr->an, img, &face,
                                                    &local);
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
                           ? box_from_landmarks (&tr->fit, face.landmarks)
                           : face.box;
          if (st == MIEN_OK && still_there (tr, img, b))
            tr->confirmed = index;
          else
            {
              tr->locked = 0;
              /* Maybe it moved fast: look for it anywhere. */
              int r = acquire (tr, img, 0, &face, err);
              /* Gone: the frames since the last confirmation were taken
               * from a face that may have left already. */
              tr->retract = r == 0;
              if (r <= 0)
                return r;
              tr->confirmed = index;
              tr->n_redetect++;
              tr->fit = box_fit_of (&face);
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
  mien_image *img = NULL;
  mien_status st = MIEN_OK;
  int cap = 0, ever = 0;
  mien_drive_frame last = { 0 };
  for (;;)
    {
      double time;
      int eof;
      st = mien_video_reader_read (r, &img, &time, &eof, err);
      if (st != MIEN_OK || eof)
        break;
      double t0 = now ();
      mien_drive_frame f = last;
      f.found = 0;
      int got = track_frame (&tr, img, t->n_frames, &f, !ever, err);
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
            last = t->frames[tr.confirmed];
          f = last;
          f.found = 0;
        }
      if (got)
        {
          one_euro_step (&tr.filter, &opt->filter, (float)(1.0 / t->fps),
                         f.lm);
          ever = 1;
          last = f;
        }
      else
        t->n_missing++;
      t->t_track += now () - t0;
      if ((st = push_frame (t, &cap, &f, err)) != MIEN_OK)
        break;
      if (progress && progress (progress_data, t->n_frames, time))
        {
          st = mien_error_set (err, MIEN_ERR_CANCELLED, "cancelled");
          break;
        }
    }
  t->t_decode = mien_video_reader_get_seconds (r);
  t->n_damaged = mien_video_reader_get_damaged (r);
  t->n_redetect = tr.n_redetect;
  mien_image_free (img);
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
  int got = track_frame (&tr, photo, 0, &f, 1, err);
  if (got < 0)
    return err ? err->status : MIEN_ERR_INVALID;
  if (got == 0)
    return mien_error_set (err, MIEN_ERR_FORMAT, "no face found in the "
                           "driving photo");
  t->frames = malloc (sizeof *t->frames);
  if (t->frames == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  t->frames[0] = f;
  t->n_frames = 1;
  t->fps = opt->fps > 0 ? opt->fps : 30.0;
  t->width = photo->width, t->height = photo->height;
  return MIEN_OK;
}

/* ---- the rest ----------------------------------------------------------- */

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return (x > y) - (x < y);
}

typedef struct scored {
  float score;
  int frame;
} scored;

static int
cmp_scored (const void *a, const void *b)
{
  const scored *x = a, *y = b;
  return (x->score < y->score) - (x->score > y->score); /* descending */
}

/* The mean of the most neutral frames' shapes, in the first found frame's
 * position. */
static mien_status
choose_rest (const mien_drive_track *t, mien_point *rest,
             mien_drive_result *res, mien_error *err)
{
  int first = -1, n_found = 0;
  for (int i = 0; i < t->n_frames; i++)
    if (t->frames[i].found)
      {
        if (first < 0)
          first = i;
        n_found++;
      }
  if (first < 0)
    return mien_error_set (err, MIEN_ERR_INVALID, "no face in the track");
  const mien_point *ref = t->frames[first].lm;
  frame2 rf = frame_of (ref);
  size_t nc = 2 * MIEN_N_LANDMARKS;
  float *shapes = malloc ((size_t)n_found * nc * sizeof *shapes);
  float *col = malloc ((size_t)n_found * sizeof *col);
  scored *sc = malloc ((size_t)n_found * sizeof *sc);
  if (!shapes || !col || !sc)
    {
      free (shapes), free (col), free (sc);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  int k = 0;
  for (int i = 0; i < t->n_frames; i++)
    if (t->frames[i].found)
      {
        normalise (t->frames[i].lm, ref, &rf,
                   (mien_point *)(shapes + (size_t)k * nc));
        sc[k].frame = i;
        k++;
      }
  float median[2 * MIEN_N_LANDMARKS];
  for (size_t c = 0; c < nc; c++)
    {
      for (int j = 0; j < n_found; j++)
        col[j] = shapes[(size_t)j * nc + c];
      qsort (col, (size_t)n_found, sizeof *col, cmp_float);
      median[c] = col[n_found / 2];
    }
  for (int j = 0; j < n_found; j++)
    {
      const float *s = shapes + (size_t)j * nc;
      double dev = 0.0;
      int m = 0;
      for (int p = 17; p < MIEN_N_LANDMARKS; p++) /* not the jaw line */
        {
          double dx = s[2 * p] - median[2 * p], dy = s[2 * p + 1] - median[2 * p + 1];
          dev += dx * dx + dy * dy;
          m++;
        }
      dev = sqrt (dev / m);
      float mouth, eyes, brows;
      mien_drive_measure ((const mien_point *)s, &mouth, &eyes, &brows);
      const mien_drive_frame *f = &t->frames[sc[j].frame];
      sc[j].score = f->expressions[MIEN_EXPRESSION_NEUTRAL]
                    - 5.0f * (float)dev - 3.0f * mouth;
    }
  qsort (sc, (size_t)n_found, sizeof *sc, cmp_scored);
  int n_rest = n_found / 20;
  n_rest = n_rest < 1 ? 1 : n_rest > MAX_REST ? MAX_REST : n_rest;
  /* The mean of the chosen shapes, back in the reference frame's pixels. */
  memset (rest, 0, MIEN_N_LANDMARKS * sizeof *rest);
  float neutral = 0.0f;
  for (int j = 0; j < n_rest; j++)
    {
      const mien_drive_frame *f = &t->frames[sc[j].frame];
      sim2 s = fit_similarity (f->lm, ref);
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        {
          mien_point q = sim_apply (s, f->lm[p]);
          rest[p].x += q.x / n_rest, rest[p].y += q.y / n_rest;
        }
      neutral += f->expressions[MIEN_EXPRESSION_NEUTRAL] / n_rest;
      res->rest_frames[j] = sc[j].frame;
    }
  res->n_rest = n_rest;
  res->rest_neutral = neutral;
  free (shapes), free (col), free (sc);
  return MIEN_OK;
}

/* ---- the inverse rig ---------------------------------------------------- */

/* The solved channels: the sided AUs per side, the midline AUs once. */
typedef struct solve_channel {
  mien_au_channel channel; /* what is probed */
  mien_au_channel bilateral;
  int side; /* 0 both, 1 left, 2 right */
} solve_channel;

#define MAX_SOLVE MIEN_AU_N_CHANNELS

static int
solve_channels (solve_channel *out)
{
  int n = 0;
  for (int c = 0; c < MIEN_AU_N_CHANNELS; c++)
    {
      const mien_au_info *in = &mien_au_channels[c];
      if (in->region == MIEN_AU_REGION_GAZE)
        continue; /* gaze: issue #25 */
      out[n++] = (solve_channel){ (mien_au_channel)c, in->bilateral,
                                  in->side == MIEN_AU_SIDE_BOTH   ? 0
                                  : in->side == MIEN_AU_SIDE_LEFT ? 1
                                                                  : 2 };
    }
  return n;
}

static void
sample_field (const mien_image *F, float x, float y, float *fx, float *fy)
{
  x = fminf (fmaxf (x, 0.0f), (float)F->width - 1.001f);
  y = fminf (fmaxf (y, 0.0f), (float)F->height - 1.001f);
  int x0 = (int)x, y0 = (int)y;
  float u = x - x0, v = y - y0;
  const float *a = F->data + ((size_t)y0 * F->width + x0) * 2;
  const float *b = a + (size_t)F->width * 2;
  *fx = (1 - v) * ((1 - u) * a[0] + u * a[2]) + v * ((1 - u) * b[0] + u * b[2]);
  *fy = (1 - v) * ((1 - u) * a[1] + u * a[3]) + v * ((1 - u) * b[1] + u * b[3]);
}

/* Landmark weights in the fit: the jaw line moves with yaw and is the net's
 * least certain part, the lids' moves are small but matter. */
static float
landmark_weight (int p)
{
  if (p <= 16)
    return (p >= 6 && p <= 10) ? 0.7f : 0.25f;
  if (p >= 36 && p <= 47)
    return 2.0f;
  if (p >= 27 && p <= 35)
    return 0.5f;
  return 1.0f;
}

typedef struct inverse_rig {
  int n;                     /* solved channels */
  solve_channel ch[MAX_SOLVE];
  float J[2 * MIEN_N_LANDMARKS][MAX_SOLVE]; /* iod per unit intensity */
  double A[MAX_SOLVE][MAX_SOLVE];           /* JᵀWJ + ridge */
  mien_point rest_frame[MIEN_N_LANDMARKS];  /* rest in its face frame */
} inverse_rig;

static mien_status
build_inverse_rig (inverse_rig *ir, mien_generator *gen,
                   const mien_point *rest, const float *gains, float ridge,
                   mien_error *err)
{
  memset (ir, 0, sizeof *ir);
  ir->n = solve_channels (ir->ch);
  frame2 rf = frame_of (rest);
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    ir->rest_frame[p] = to_frame (&rf, rest[p]);
  /* The face's size in the grid as the headshot crop makes it: the crop is
   * SIDE_PER_SCALE times the largest of the iod, 0.45 jaw widths and 0.55
   * eyes-to-chin. */
  const mien_point *fr = ir->rest_frame;
  float scale = fmaxf (1.0f, fmaxf (0.45f * dist (fr[0], fr[16]),
                                    0.55f * hypotf (fr[8].x, fr[8].y)));
  const float grid_iod = GRID / (SIDE_PER_SCALE * scale);
  const float eye_y = GRID / 2.0f - CENTRE_BELOW_EYES * grid_iod;
  mien_point grid_lm[MIEN_N_LANDMARKS];
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    grid_lm[p] = (mien_point){ GRID / 2.0f + grid_iod * fr[p].x,
                               eye_y + grid_iod * fr[p].y };
  mien_image *input = mien_image_new (GRID, GRID, 3, err);
  if (input == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  /* A skin-like flat grey: the rig reads the photo only for the teeth. */
  for (size_t i = 0; i < mien_image_n_floats (input); i += 3)
    input->data[i] = 0.62f, input->data[i + 1] = 0.48f,
    input->data[i + 2] = 0.42f;
  mien_generator_output out = { 0 };
  mien_status st = mien_generator_output_init (&out, GRID, GRID, 3, err);
  for (int j = 0; st == MIEN_OK && j < ir->n; j++)
    {
      mien_driving c;
      mien_driving_init (&c);
      c.values[ir->ch[j].channel] = PROBE_INTENSITY;
      st = mien_generator_generate (gen, input, &c, grid_lm, &out, NULL, err);
      if (st != MIEN_OK)
        break;
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        {
          /* Forward motion: where the content at p goes, q + F(q) = p. */
          mien_point g = grid_lm[p];
          float qx = g.x, qy = g.y;
          for (int it = 0; it < 8; it++)
            {
              float fx, fy;
              sample_field (out.field, qx, qy, &fx, &fy);
              qx = g.x - fx, qy = g.y - fy;
            }
          float gain_x = gains ? gains[2 * p] : 1.0f;
          float gain_y = gains ? gains[2 * p + 1] : 1.0f;
          ir->J[2 * p][j] = gain_x * (qx - g.x) / grid_iod / PROBE_INTENSITY;
          ir->J[2 * p + 1][j]
              = gain_y * (qy - g.y) / grid_iod / PROBE_INTENSITY;
        }
    }
  mien_generator_output_clear (&out);
  mien_image_free (input);
  if (st != MIEN_OK)
    return st;
  /* The normal matrix, with the ridge scaled to the columns' size. */
  double trace = 0.0;
  for (int a = 0; a < ir->n; a++)
    for (int b = 0; b < ir->n; b++)
      {
        double s = 0.0;
        for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
          s += landmark_weight (r / 2) * ir->J[r][a] * ir->J[r][b];
        ir->A[a][b] = s;
        if (a == b)
          trace += s;
      }
  for (int a = 0; a < ir->n; a++)
    ir->A[a][a] += (ir->ch[a].side ? ONE_SIDED_RIDGE : 1.0) * ridge * trace
                       / ir->n
                   + 1e-9;
  return MIEN_OK;
}

/* min ½aᵀAa − bᵀa over 0 ≤ a ≤ 5: projected coordinate descent. */
static void
solve_box_qp (const inverse_rig *ir, const double *b, float *a)
{
  for (int sweep = 0; sweep < 200; sweep++)
    {
      double change = 0.0;
      for (int j = 0; j < ir->n; j++)
        {
          double g = -b[j];
          for (int k = 0; k < ir->n; k++)
            g += ir->A[j][k] * a[k];
          double v = a[j] - g / ir->A[j][j];
          v = v < 0.0 ? 0.0 : v > MIEN_AU_MAX ? MIEN_AU_MAX : v;
          change = fmax (change, fabs (v - a[j]));
          a[j] = (float)v;
        }
      if (change < 1e-4)
        break;
    }
}

/* The frame's displacement from the rest (in the rest's face frame, iod)
 * and the solve; returns the fit's RMS residual. */
static float
solve_frame (const inverse_rig *ir, const mien_point *lm,
             const mien_point *rest, const frame2 *rf, float *a)
{
  mien_point n[MIEN_N_LANDMARKS];
  normalise (lm, rest, rf, n);
  float d[2 * MIEN_N_LANDMARKS];
  for (int p = 0; p < MIEN_N_LANDMARKS; p++)
    {
      d[2 * p] = n[p].x - ir->rest_frame[p].x;
      d[2 * p + 1] = n[p].y - ir->rest_frame[p].y;
    }
  double b[MAX_SOLVE];
  for (int j = 0; j < ir->n; j++)
    {
      double s = 0.0;
      for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
        s += landmark_weight (r / 2) * ir->J[r][j] * d[r];
      b[j] = s;
    }
  solve_box_qp (ir, b, a);
  double res = 0.0;
  for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
    {
      double m = 0.0;
      for (int j = 0; j < ir->n; j++)
        m += ir->J[r][j] * a[j];
      res += (m - d[r]) * (m - d[r]);
    }
  return (float)sqrt (res / (2 * MIEN_N_LANDMARKS));
}

/* Solved channels into the driving vector (the same channels). */
static void
to_driving (const inverse_rig *ir, const float *a, mien_driving *c)
{
  mien_driving_init (c);
  for (int j = 0; j < ir->n; j++)
    c->values[ir->ch[j].channel] = a[j];
}

static int
part_driven (mien_au_channel ch, unsigned parts)
{
  switch (mien_au_channels[ch].region)
    {
    case MIEN_AU_REGION_BROWS: return (parts & MIEN_DRIVE_BROWS) != 0;
    case MIEN_AU_REGION_EYES: return (parts & MIEN_DRIVE_EYES) != 0;
    case MIEN_AU_REGION_CHEEKS_NOSE:
    case MIEN_AU_REGION_LIPS:
    case MIEN_AU_REGION_JAW: return (parts & MIEN_DRIVE_MOUTH) != 0;
    default: return 0;
    }
}

static void
finish_driving (mien_driving *c, const mien_drive_options *opt,
                const mien_driving *photo)
{
  for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
    {
      float v = c->values[k] * opt->strength;
      if (!part_driven ((mien_au_channel)k, opt->parts))
        v = 0.0f;
      if (photo)
        {
          float p = photo->values[mien_au_channels[k].bilateral];
          p = p < 0.0f ? 0.0f : p > MIEN_AU_MAX ? MIEN_AU_MAX : p;
          v *= (MIEN_AU_MAX - p) / MIEN_AU_MAX;
        }
      c->values[k] = v;
    }
  mien_driving_clamp (c);
}

mien_status
mien_drive_solve (const mien_drive_track *t, mien_generator *gen,
                  const mien_drive_options *opt, const mien_point *rest_in,
                  const mien_driving *photo_aus, mien_drive_result *res,
                  mien_error *err)
{
  memset (res, 0, sizeof *res);
  double t0 = now ();
  mien_point rest[MIEN_N_LANDMARKS];
  mien_status st = MIEN_OK;
  if (rest_in)
    memcpy (rest, rest_in, sizeof rest);
  else if ((st = choose_rest (t, rest, res, err)) != MIEN_OK)
    return st;
  inverse_rig *ir = malloc (sizeof *ir);
  res->values = calloc ((size_t)t->n_frames * MIEN_AU_N_CHANNELS,
                        sizeof *res->values);
  if (ir == NULL || res->values == NULL)
    {
      free (ir);
      mien_drive_result_clear (res);
      return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
    }
  st = build_inverse_rig (ir, gen, rest, opt->gains, opt->ridge, err);
  res->t_model = now () - t0;
  t0 = now ();
  frame2 rf = frame_of (rest);
  float a[MAX_SOLVE] = { 0 };
  double fit = 0.0;
  int n_fit = 0, last_found = -1;
  for (int i = 0; st == MIEN_OK && i < t->n_frames; i++)
    {
      float *out = res->values + (size_t)i * MIEN_AU_N_CHANNELS;
      if (t->frames[i].found)
        {
          fit += solve_frame (ir, t->frames[i].lm, rest, &rf, a);
          n_fit++;
          mien_driving c;
          to_driving (ir, a, &c);
          finish_driving (&c, opt, photo_aus);
          memcpy (out, c.values, sizeof c.values);
          last_found = i;
          continue;
        }
      if (last_found < 0)
        continue; /* the photo rests until the face is first seen */
      double gone = (i - last_found) / t->fps - MISSING_HOLD;
      double u = gone <= 0.0 ? 0.0 : gone >= MISSING_EASE ? 1.0
                                                          : gone / MISSING_EASE;
      float keep = (float)(1.0 - u * u * (3.0 - 2.0 * u));
      const float *held = res->values + (size_t)last_found * MIEN_AU_N_CHANNELS;
      for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
        out[k] = keep * held[k];
    }
  free (ir);
  if (st != MIEN_OK)
    {
      mien_drive_result_clear (res);
      return st;
    }
  res->n_frames = t->n_frames;
  res->fps = t->fps;
  res->fit_rms = n_fit ? (float)(fit / n_fit) : 0.0f;
  res->t_solve = now () - t0;
  return MIEN_OK;
}

mien_status
mien_drive_calibrate (mien_face_analyzer *an, mien_generator *gen,
                      const mien_image *photo, const mien_face *face,
                      float gains[2 * MIEN_N_LANDMARKS], mien_error *err)
{
  for (int r = 0; r < 2 * MIEN_N_LANDMARKS; r++)
    gains[r] = 1.0f;
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_VANILLA,
                                           NULL, err);
  if (anim == NULL)
    return err ? err->status : MIEN_ERR_NOMEM;
  const mien_rect *crop = mien_animator_get_crop (anim);
  box_fit fit = box_fit_of (face);
  inverse_rig *ir = malloc (sizeof *ir);
  float (*obs)[MIEN_AU_N_BILATERAL] = calloc (2 * MIEN_N_LANDMARKS,
                                              sizeof *obs);
  mien_point lm0[MIEN_N_LANDMARKS];
  frame2 f0 = { 0 };
  mien_status st = ir && obs ? MIEN_OK
                             : mien_error_set (err, MIEN_ERR_NOMEM,
                                               "out of memory");
  int n_probe = 0;
  for (int k = -1; st == MIEN_OK && k < MIEN_AU_N_BILATERAL; k++)
    {
      if (k >= 0 && mien_au_channels[k].region == MIEN_AU_REGION_GAZE)
        continue;
      mien_driving c;
      mien_driving_init (&c);
      if (k >= 0)
        c.values[k] = PROBE_INTENSITY;
      const mien_image *out = NULL;
      st = mien_animator_render_crop (anim, gen, &c, &out, NULL, err);
      if (st != MIEN_OK)
        break;
      float sc = (float)out->width / (float)crop->width;
      mien_face probe;
      memset (&probe, 0, sizeof probe);
      mien_point start[MIEN_N_LANDMARKS];
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        start[p] = k < 0 ? (mien_point){ (face->landmarks[p].x - crop->x) * sc,
                                         (face->landmarks[p].y - crop->y) * sc }
                         : lm0[p];
      probe.box = box_from_landmarks (&fit, start);
      probe.score = 1.0f;
      st = mien_face_analyzer_describe (an, out, &probe, err);
      if (st != MIEN_OK)
        break;
      if (k < 0)
        {
          memcpy (lm0, probe.landmarks, sizeof lm0);
          f0 = frame_of (lm0);
          continue;
        }
      mien_point n[MIEN_N_LANDMARKS];
      normalise (probe.landmarks, lm0, &f0, n);
      for (int p = 0; p < MIEN_N_LANDMARKS; p++)
        {
          mien_point r = to_frame (&f0, lm0[p]);
          obs[2 * p][k] = (n[p].x - r.x) / PROBE_INTENSITY;
          obs[2 * p + 1][k] = (n[p].y - r.y) / PROBE_INTENSITY;
        }
      n_probe++;
    }
  if (st == MIEN_OK)
    st = build_inverse_rig (ir, gen, lm0, NULL, 0.0f, err);
  /* One gain per part of the face (a coordinate's own ratio is too noisy:
   * a lid point moved by a hundredth of an iod). */
  static const int part_end[] = { 17, 27, 36, 48, 68 };
  for (int g = 0, p0 = 0; st == MIEN_OK && g < 5; p0 = part_end[g++])
    {
      double num = 0.0, den = 0.0;
      for (int r = 2 * p0; r < 2 * part_end[g]; r++)
        for (int j = 0; j < ir->n; j++)
          {
            int k = ir->ch[j].channel;
            if (ir->ch[j].side != 0 || k >= MIEN_AU_N_BILATERAL)
              continue;
            num += (double)obs[r][k] * ir->J[r][j];
            den += (double)ir->J[r][j] * ir->J[r][j];
          }
      /* The lids: the net reports about 0.4 of a lid move, and amplifying
       * that much amplifies its noise into spurious eye AUs (measured on
       * the ground-truth clip), so the eyes' gain stays near 1. */
      double lo = g == 3 ? GAIN_MIN_EYES : GAIN_MIN;
      float gain = den > 1e-6 ? (float)fmin (GAIN_MAX, fmax (lo, num / den))
                              : 1.0f;
      for (int r = 2 * p0; r < 2 * part_end[g]; r++)
        gains[r] = gain;
    }
  free (obs);
  free (ir);
  mien_animator_free (anim);
  (void)n_probe;
  return st;
}

mien_status
mien_drive_photo_expression (const mien_drive_track *t, mien_generator *gen,
                             const mien_drive_options *opt,
                             const mien_point *photo_lm, mien_driving *p,
                             mien_error *err)
{
  mien_drive_result tmp = { 0 };
  mien_point rest[MIEN_N_LANDMARKS];
  mien_status st = choose_rest (t, rest, &tmp, err);
  if (st != MIEN_OK)
    return st;
  inverse_rig *ir = malloc (sizeof *ir);
  if (ir == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  st = build_inverse_rig (ir, gen, rest, opt->gains, opt->ridge, err);
  if (st == MIEN_OK)
    {
      frame2 rf = frame_of (rest);
      float a[MAX_SOLVE] = { 0 };
      solve_frame (ir, photo_lm, rest, &rf, a);
      to_driving (ir, a, p);
    }
  free (ir);
  return st;
}

/* ---- curves ------------------------------------------------------------- */

mien_timeline *
mien_drive_to_timeline (const mien_drive_result *r, mien_error *err)
{
  mien_timeline *tl = mien_timeline_new (MIEN_AU_N_CHANNELS, err);
  for (int i = 0; tl && i < r->n_frames; i++)
    if (mien_timeline_add_keyframe (tl, i / r->fps,
                                    r->values + (size_t)i * MIEN_AU_N_CHANNELS,
                                    MIEN_EASING_LINEAR, err)
        != MIEN_OK)
      {
        mien_timeline_free (tl);
        tl = NULL;
      }
  return tl;
}

/* Does the line from keyframe a to b stay within tol of every frame
 * between them? */
static int
line_fits (const mien_drive_result *r, int a, int b, float tol, float *worst)
{
  const float *va = r->values + (size_t)a * MIEN_AU_N_CHANNELS;
  const float *vb = r->values + (size_t)b * MIEN_AU_N_CHANNELS;
  float w = 0.0f;
  for (int i = a + 1; i < b; i++)
    {
      float u = (float)(i - a) / (float)(b - a);
      const float *v = r->values + (size_t)i * MIEN_AU_N_CHANNELS;
      for (int k = 0; k < MIEN_AU_N_CHANNELS; k++)
        {
          float e = fabsf (va[k] + u * (vb[k] - va[k]) - v[k]);
          if (e > tol)
            return 0;
          w = fmaxf (w, e);
        }
    }
  *worst = fmaxf (*worst, w);
  return 1;
}

/* Greedy thinning; fills keep[] and returns the count. */
static int
thin (const mien_drive_result *r, float tol, int max_span, char *keep,
      float *worst)
{
  memset (keep, 0, (size_t)r->n_frames);
  *worst = 0.0f;
  int a = 0, n = 1;
  keep[0] = 1;
  while (a < r->n_frames - 1)
    {
      int b = a + 1;
      float w = 0.0f;
      while (b + 1 < r->n_frames && b + 1 - a <= max_span
             && line_fits (r, a, b + 1, tol, &w))
        b++;
      *worst = fmaxf (*worst, w);
      keep[b] = 1;
      n++;
      a = b;
    }
  return n;
}

mien_status
mien_drive_to_project (const mien_drive_result *r, float tol,
                       int max_keyframes, mien_project *project,
                       float *max_error, mien_error *err)
{
  if (r->n_frames < 1)
    return mien_error_set (err, MIEN_ERR_INVALID, "no frames to keep");
  char *keep = malloc ((size_t)r->n_frames);
  if (keep == NULL)
    return mien_error_set (err, MIEN_ERR_NOMEM, "out of memory");
  int span = (int)ceil (2.0 * r->fps);
  float worst = 0.0f;
  int n = thin (r, tol, span, keep, &worst);
  while (n > max_keyframes && tol < MIEN_AU_MAX)
    {
      tol *= 1.5f;
      span *= 2;
      n = thin (r, tol, span, keep, &worst);
    }
  if (n > max_keyframes)
    {
      free (keep);
      return mien_error_set (err, MIEN_ERR_INVALID, "the performance needs "
                             "more than %d keyframes", max_keyframes);
    }
  project->n_keyframes = 0;
  mien_status st = MIEN_OK;
  for (int i = 0; st == MIEN_OK && i < r->n_frames; i++)
    {
      if (!keep[i])
        continue;
      mien_keyframe_spec k = { 0 };
      k.time = i / r->fps;
      mien_expression_spec_init (&k.expression);
      memcpy (k.expression.aus.values,
              r->values + (size_t)i * MIEN_AU_N_CHANNELS,
              sizeof k.expression.aus.values);
      k.easing = MIEN_EASING_LINEAR;
      st = mien_project_add_keyframe (project, &k, err);
    }
  free (keep);
  if (max_error)
    *max_error = worst;
  return st;
}
