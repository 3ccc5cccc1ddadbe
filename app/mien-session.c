/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-session.h"

#include <gio/gio.h>
#include <math.h>
#include <glib/gi18n.h>

#include "face/mien-face-analyzer.h"
#include "face/mien-iris.h"
#include "io/mien-image-io.h"
#include "io/mien-model-dir.h"
#include "atw/mien-atw.h"
#include "mien-animator.h"
#include "mien-resample.h"
#include "mien-generator.h"
#include "mien-rig.h"

struct _MienSession {
  mien_image *photo;
  mien_image_extras extras; /* the photo's alpha, ICC profile, bit depth */
  char *load_note;          /* a damaged photo that still opened, or NULL */
  GBytes *photo_rgb8;
  mien_face *faces;
  int n_faces;
  int face_index;
  int camera_gaze_found; /* of the animated face (mien_session_get_camera_gaze) */
  float camera_gaze_h, camera_gaze_v;
  mien_generator *generator;
  mien_animator *animators[2]; /* by mien_reswarp_mode */
  char *generator_note;        /* why the ATW file was not used, or NULL */
  /* The preview's canvases, by mode (mien_session_render_preview): the
   * picture last delivered of each, 8-bit, at level canvas_level[m]. */
  guchar *canvas[2];
  int canvas_w[2], canvas_h[2], canvas_level[2];
  guint64 canvas_serial[2], canvas_version[2], next_serial;
  GMutex lock;                 /* one frame (or face change) at a time */
  /* The paper's ResWarp (no residual fade, issue #26's comparison): the
   * window's wish (atomic, set from the main thread) and what the
   * animators have, applied under the lock before the next frame. */
  gint paper;
  int paper_applied; /* < 0: new animators, not applied yet */
  int sharp_applied; /* mien_reswarp_get_sharp_detail () when applied */
};

static GQuark
session_error_quark (void)
{
  return g_quark_from_static_string ("mien-session-error");
}

/* An error for people: what failed, in words, on screen; the engine's
 * technical reason ("headshot: landmarks are not finite") goes to the log,
 * where a bug report can quote it. */
static void
set_people_error (GError **error, const char *text, const char *detail)
{
  g_warning ("%s (%s)", text, detail);
  g_set_error_literal (error, session_error_quark (), 0, text);
}

/* Takes the frame lock and gives the animators the paper's ResWarp or
 * Mien's (with the residual fade, sharper or not) if the window or the
 * "Sharper skin detail" preference changed it since. A changed fade
 * changes pixels anywhere in the crop, so the preview's canvases start
 * over. */
static void
lock_frames (MienSession *session)
{
  g_mutex_lock (&session->lock);
  int paper = g_atomic_int_get (&session->paper);
  int sharp = mien_reswarp_get_sharp_detail ();
  if (paper == session->paper_applied && sharp == session->sharp_applied)
    return;
  for (int m = 0; m < 2; m++)
    {
      if (session->animators[m])
        mien_animator_set_residual_fade (session->animators[m], !paper);
      g_clear_pointer (&session->canvas[m], g_free);
    }
  session->paper_applied = paper;
  session->sharp_applied = sharp;
}

void
mien_session_set_paper_reswarp (MienSession *session, gboolean paper)
{
  g_atomic_int_set (&session->paper, paper ? 1 : 0);
}

/* ---- the face models, loaded once per process ---------------------------- */

static GMutex analyzer_lock;
static mien_face_analyzer *analyzer;

static gboolean find_faces_with (MienSession *session,
                                  const mien_face_options *options,
                                  mien_face **faces, int *n_faces,
                                  GError **error);

static gboolean
find_faces (MienSession *session, GError **error)
{
  return find_faces_with (session, NULL, &session->faces, &session->n_faces,
                          error);
}

static gboolean
find_faces_with (MienSession *session, const mien_face_options *options,
                 mien_face **faces, int *n_faces, GError **error)
{
  g_mutex_lock (&analyzer_lock);
  mien_error err = { 0 };
  if (analyzer == NULL)
    {
      const char *dir = mien_model_dir_find ();
      if (dir == NULL)
        {
          g_mutex_unlock (&analyzer_lock);
          g_set_error (error, session_error_quark (), 0,
                       _("The face models are missing: run scripts/setup.sh "
                         "or set MIEN_MODEL_DIR"));
          return FALSE;
        }
      analyzer = mien_face_analyzer_new (dir, NULL, &err);
      if (analyzer == NULL)
        {
          g_mutex_unlock (&analyzer_lock);
          set_people_error (error, _("The face models could not be loaded: "
                                     "reinstall Mien or run scripts/setup.sh"),
                            err.message);
          return FALSE;
        }
    }
  mien_status status = mien_face_analyzer_run (analyzer, session->photo,
                                               options, faces, n_faces, &err);
  g_mutex_unlock (&analyzer_lock);
  if (status != MIEN_OK)
    {
      set_people_error (error, _("Mien could not look for faces in this "
                                 "photo"), err.message);
      return FALSE;
    }
  return TRUE;
}

/* ---- lifetime ------------------------------------------------------------ */

static void
session_clear (MienSession *session)
{
  for (int m = 0; m < 2; m++)
    {
      mien_animator_free (session->animators[m]);
      g_free (session->canvas[m]);
    }
  mien_generator_free (session->generator);
  g_free (session->generator_note);
  mien_faces_free (session->faces);
  g_clear_pointer (&session->photo_rgb8, g_bytes_unref);
  mien_image_free (session->photo);
  g_mutex_clear (&session->lock);
  mien_image_extras_clear (&session->extras);
  g_free (session->load_note);
}

MienSession *
mien_session_ref (MienSession *session)
{
  return g_atomic_rc_box_acquire (session);
}

void
mien_session_unref (MienSession *session)
{
  g_atomic_rc_box_release_full (session, (GDestroyNotify)session_clear);
}

static int
largest_face (MienSession *session)
{
  int best = -1;
  float best_area = 0.0f;
  for (int i = 0; i < session->n_faces; i++)
    {
      float area = session->faces[i].box.width * session->faces[i].box.height;
      if (area > best_area)
        best = i, best_area = area;
    }
  return best;
}

/* The user's ATW generator, or the rig when there is none or it fails. */
static mien_generator *
make_generator (MienSession *session, const char *generator_file,
                mien_error *err)
{
  if (generator_file != NULL && *generator_file != '\0')
    {
      mien_error atw_err = { 0 };
      mien_generator *gen = mien_atw_generator_new_from_file (generator_file,
                                                              &atw_err);
      if (gen != NULL)
        return gen;
      session->generator_note = g_strdup_printf (
          _("The generator could not be loaded, so the Action Unit rig is "
            "used: %s"), atw_err.message);
    }
  return mien_rig_new (err);
}

const char *
mien_session_get_load_note (MienSession *session)
{
  return session->load_note;
}

const mien_image_extras *
mien_session_get_extras (MienSession *session)
{
  return &session->extras;
}

const char *
mien_session_get_generator_note (MienSession *session)
{
  return session->generator_note;
}

MienSession *
mien_session_new_from_file (const char *path, const char *generator_file,
                            GError **error)
{
  mien_error err = { 0 };
  mien_image_extras extras;
  mien_image *photo = mien_image_load_full (path, &extras, &err);
  if (photo == NULL)
    {
      mien_image_extras_clear (&extras);
      /* A decoder's words ("Improper call to JPEG library in state 201")
       * go to the log; a limit the user can act on (too many pixels, not
       * enough memory) is said as the engine says it, with the numbers. */
      g_autofree char *name = g_path_get_basename (path);
      g_autofree char *text = NULL;
      if (err.status == MIEN_ERR_FORMAT)
        text = g_strdup_printf (_("“%s” is damaged or not an image Mien can "
                                  "read."), name);
      else if (err.status == MIEN_ERR_IO)
        text = g_strdup_printf (_("“%s” could not be read. Check that it "
                                  "exists and that you may read it."), name);
      if (text != NULL)
        set_people_error (error, text, err.message);
      else
        g_set_error (error, session_error_quark (), 0, "%s", err.message);
      return NULL;
    }
  MienSession *session = g_atomic_rc_box_new0 (MienSession);
  g_mutex_init (&session->lock);
  session->photo = photo;
  session->extras = extras;
  if (extras.damaged)
    {
      g_warning ("%s: %s", path, extras.warning);
      session->load_note = extras.missing_fraction > 0.0
          ? g_strdup_printf (_("This photo is damaged: %.0f %% of it could "
                               "not be read and is shown grey."),
                             100.0 * extras.missing_fraction)
          : g_strdup (_("This photo is damaged: part of it could not be "
                        "read."));
    }
  session->face_index = -1;
  size_t n = (size_t)photo->width * photo->height * 3;
  guchar *pixels = g_try_malloc (n);
  if (pixels == NULL)
    {
      g_set_error (error, session_error_quark (), 0,
                   _("Not enough memory to show this photo"));
      mien_session_unref (session);
      return NULL;
    }
  mien_image_to_rgb8 (photo, pixels, photo->width * 3);
  session->photo_rgb8 = g_bytes_new_take (pixels, n);
  if (!find_faces (session, error))
    {
      mien_session_unref (session);
      return NULL;
    }
  session->generator = make_generator (session, generator_file, &err);
  if (session->generator == NULL)
    {
      set_people_error (error, _("The expression generator could not be "
                                 "started"), err.message);
      mien_session_unref (session);
      return NULL;
    }
  int face = largest_face (session);
  if (face >= 0 && !mien_session_select_face (session, face, error))
    {
      mien_session_unref (session);
      return NULL;
    }
  return session;
}

/* ---- faces --------------------------------------------------------------- */

/* The camera gaze of every session (a few floats, held for no time). */
static GMutex gaze_lock;

gboolean
mien_session_select_face (MienSession *session, int index, GError **error)
{
  g_return_val_if_fail (index >= 0 && index < session->n_faces, FALSE);
  mien_animator *fresh[2] = { NULL, NULL };
  mien_error err = { 0 };
  for (int m = 0; m < 2; m++)
    {
      fresh[m] = mien_animator_new (session->photo, &session->faces[index],
                                    (mien_reswarp_mode)m, NULL, &err);
      if (fresh[m] == NULL)
        {
          mien_animator_free (fresh[0]);
          set_people_error (error, _("This face could not be prepared for "
                                     "animation. Try another face or photo."),
                            err.message);
          return FALSE;
        }
      /* A turned head leaves the other heads of a group where they are. */
      mien_animator_set_other_faces (fresh[m], session->faces,
                                     session->n_faces, index);
    }
  /* "Look at the camera": the face's irises, here off the main thread. */
  mien_iris iris[2];
  float gaze_h = 0.0f, gaze_v = 0.0f;
  int found = 0;
  const mien_face *face = &session->faces[index];
  if (mien_iris_find_fitted (session->photo, face->landmarks, 0,
                             &face->eyes[0], &iris[0], NULL)
          == MIEN_OK
      && mien_iris_find_fitted (session->photo, face->landmarks, 1,
                                &face->eyes[1], &iris[1], NULL)
             == MIEN_OK)
    found = mien_iris_camera_gaze (iris, &gaze_h, &gaze_v);
  g_mutex_lock (&gaze_lock);
  session->camera_gaze_found = found;
  session->camera_gaze_h = found > 0 ? gaze_h : 0.0f;
  session->camera_gaze_v = found > 0 ? gaze_v : 0.0f;
  g_mutex_unlock (&gaze_lock);
  lock_frames (session);
  for (int m = 0; m < 2; m++)
    {
      mien_animator_free (session->animators[m]);
      session->animators[m] = fresh[m];
      g_clear_pointer (&session->canvas[m], g_free); /* another crop */
    }
  session->face_index = index;
  session->paper_applied = -1; /* new animators: the fade is applied next */
  g_mutex_unlock (&session->lock);
  return TRUE;
}

gboolean
mien_session_search_faces (MienSession *session, gboolean thorough,
                           mien_face **faces, int *n_faces, GError **error)
{
  mien_face_options options = { 0 };
  options.search = thorough ? MIEN_FACE_SEARCH_THOROUGH
                            : MIEN_FACE_SEARCH_ROBUST;
  return find_faces_with (session, &options, faces, n_faces, error);
}

static double
box_iou (const mien_box *a, const mien_box *b)
{
  double x0 = MAX (a->x, b->x), y0 = MAX (a->y, b->y);
  double x1 = MIN (a->x + a->width, b->x + b->width);
  double y1 = MIN (a->y + a->height, b->y + b->height);
  double inter = MAX (0.0, x1 - x0) * MAX (0.0, y1 - y0);
  double uni = a->width * a->height + b->width * b->height - inter;
  return uni > 0.0 ? inter / uni : 0.0;
}

int
mien_session_replace_faces (MienSession *session, mien_face *faces,
                            int n_faces)
{
  lock_frames (session);
  int kept = -1;
  const mien_face *current = mien_session_get_face (session,
                                                    session->face_index);
  double best = 0.5;
  for (int i = 0; current != NULL && i < n_faces; i++)
    {
      double iou = box_iou (&faces[i].box, &current->box);
      if (iou >= best)
        best = iou, kept = i;
    }
  mien_faces_free (session->faces);
  session->faces = faces;
  session->n_faces = n_faces;
  /* The animators keep their own copy of the face they were made for: when
   * that face is found again, they stay; else the caller selects one. */
  session->face_index = kept;
  g_mutex_unlock (&session->lock);
  if (kept >= 0)
    return kept;
  return largest_face (session);
}

const mien_image *
mien_session_get_photo (MienSession *session)
{
  return session->photo;
}

GBytes *
mien_session_get_photo_rgb8 (MienSession *session)
{
  return session->photo_rgb8;
}

int
mien_session_get_n_faces (MienSession *session)
{
  return session->n_faces;
}

const mien_face *
mien_session_get_face (MienSession *session, int index)
{
  return index >= 0 && index < session->n_faces ? &session->faces[index] : NULL;
}

int
mien_session_get_face_index (MienSession *session)
{
  return session->face_index;
}

int
mien_session_get_camera_gaze (MienSession *session, float *gaze_h,
                              float *gaze_v)
{
  /* Not session->lock: a frame holds that while it renders. */
  g_mutex_lock (&gaze_lock);
  int found = session->face_index >= 0 ? session->camera_gaze_found : 0;
  *gaze_h = found > 0 ? session->camera_gaze_h : 0.0f;
  *gaze_v = found > 0 ? session->camera_gaze_v : 0.0f;
  g_mutex_unlock (&gaze_lock);
  return found;
}

int
mien_session_face_at (MienSession *session, double x, double y)
{
  for (int i = 0; i < session->n_faces; i++)
    {
      const mien_box *b = &session->faces[i].box;
      if (x >= b->x && x < b->x + b->width && y >= b->y && y < b->y + b->height)
        return i;
    }
  return -1;
}

const mien_rect *
mien_session_get_crop (MienSession *session)
{
  return session->animators[0] ? mien_animator_get_crop (session->animators[0])
                               : NULL;
}

GBytes *
mien_session_render_crop (MienSession *session, mien_reswarp_mode mode,
                          const mien_driving *c, double display_scale,
                          int *width, int *height, GError **error)
{
  lock_frames (session);
  mien_animator *anim = session->animators[mode];
  if (anim == NULL)
    {
      g_mutex_unlock (&session->lock);
      g_set_error (error, session_error_quark (), 0,
                   _("No face found in this photo"));
      return NULL;
    }
  mien_error err = { 0 };
  const mien_image *crop = NULL;
  mien_status status = mien_animator_render_crop (anim, session->generator, c,
                                                  &crop, NULL, &err);
  mien_image *small = NULL;
  if (status == MIEN_OK && display_scale < 1.0)
    {
      int w = MAX (1, (int)ceil (crop->width * display_scale));
      int h = MAX (1, (int)ceil (crop->height * display_scale));
      small = mien_image_new (w, h, crop->channels, &err);
      status = small ? mien_downsample_area (crop, small, NULL, &err)
                     : MIEN_ERR_NOMEM;
      if (status == MIEN_OK)
        crop = small;
    }
  GBytes *bytes = NULL;
  if (status == MIEN_OK)
    {
      size_t n = (size_t)crop->width * crop->height * 3;
      guchar *pixels = g_malloc (n);
      mien_image_to_rgb8 (crop, pixels, crop->width * 3);
      bytes = g_bytes_new_take (pixels, n);
      *width = crop->width;
      *height = crop->height;
    }
  else
    set_people_error (error, _("This expression could not be shown"),
                      err.message);
  mien_image_free (small);
  g_mutex_unlock (&session->lock);
  return bytes;
}

gboolean
mien_session_measure (MienSession *session, const mien_driving *c,
                      mien_eval_result out[2], GError **error)
{
  mien_error err = { 0 };
  mien_status status = MIEN_OK;
  lock_frames (session);
  int face = session->face_index;
  for (int m = 0; m < 2 && status == MIEN_OK; m++)
    {
      mien_animator *anim = session->animators[m];
      if (anim == NULL)
        {
          status = mien_error_set (&err, MIEN_ERR_INVALID,
                                   "%s", _("No face found in this photo"));
          break;
        }
      mien_image *frame = mien_image_copy (session->photo, &err);
      status = frame ? mien_animator_render (anim, session->generator, c,
                                             frame, NULL, &err)
                     : MIEN_ERR_NOMEM;
      if (status == MIEN_OK)
        {
          g_mutex_lock (&analyzer_lock);
          status = mien_eval_measure (analyzer, session->photo,
                                      &session->faces[face],
                                      mien_animator_get_crop (anim), frame,
                                      &out[m], NULL, &err);
          g_mutex_unlock (&analyzer_lock);
        }
      mien_image_free (frame);
    }
  g_mutex_unlock (&session->lock);
  if (status != MIEN_OK)
    {
      set_people_error (error, _("The result could not be measured"),
                        err.message);
      return FALSE;
    }
  return TRUE;
}

mien_image *
mien_session_render_full (MienSession *session, mien_reswarp_mode mode,
                          const mien_driving *c, GError **error)
{
  g_return_val_if_fail (session != NULL && c != NULL, NULL);
  mien_error err = { 0 };
  lock_frames (session);
  mien_animator *anim = session->animators[mode];
  mien_image *frame = anim ? mien_image_copy (session->photo, &err) : NULL;
  mien_status status = frame ? mien_animator_render (anim, session->generator,
                                                     c, frame, NULL, &err)
                             : MIEN_ERR_INVALID;
  g_mutex_unlock (&session->lock);
  if (anim == NULL)
    {
      g_set_error (error, session_error_quark (), 0,
                   _("No face found in this photo"));
      return NULL;
    }
  if (status != MIEN_OK)
    {
      mien_image_free (frame);
      set_people_error (error, _("The image could not be rendered"),
                        err.message);
      return NULL;
    }
  return frame;
}

/* ---- the preview that follows the zoom ----------------------------------- */

void
mien_session_picture_clear (MienSessionPicture *picture)
{
  g_clear_pointer (&picture->rgb8, g_bytes_unref);
}

int
mien_session_get_n_levels (MienSession *session)
{
  mien_animator *anim = session->animators[0];
  return anim ? mien_animator_get_n_levels (anim) : 0;
}

mien_level_size
mien_session_get_level_size (MienSession *session, int level)
{
  mien_animator *anim = session->animators[0];
  return anim ? mien_animator_get_level_size (anim, level)
              : (mien_level_size){ 0, 0 };
}

int
mien_session_level_for_scale (MienSession *session, double screen_scale)
{
  int n = mien_session_get_n_levels (session), best = 0;
  mien_level_size full = mien_session_get_level_size (session, 0);
  for (int k = 1; k < n; k++)
    {
      mien_level_size s = mien_session_get_level_size (session, k);
      if (s.width < screen_scale * full.width
          || s.height < screen_scale * full.height)
        break;
      best = k;
    }
  return best;
}

/* The region r of img into the canvas (same size), as 8-bit RGB. */
static void
canvas_put (guchar *canvas, const mien_image *img, mien_rect r)
{
  for (int y = r.y; y < r.y + r.height; y++)
    {
      mien_image row = { r.width, 1, img->channels,
                         mien_image_row (img, y)
                             + (size_t)r.x * img->channels };
      mien_image_to_rgb8 (&row,
                          canvas + ((size_t)y * img->width + r.x) * 3,
                          img->width * 3);
    }
}

/* The canvas of mode m as a picture (a copy: the worker goes on writing
 * the canvas while the main loop uploads). */
static void
canvas_picture (MienSession *session, int m, mien_rect dirty,
                MienSessionPicture *out)
{
  size_t n = (size_t)session->canvas_w[m] * session->canvas_h[m] * 3;
  out->rgb8 = g_bytes_new (session->canvas[m], n);
  out->width = session->canvas_w[m];
  out->height = session->canvas_h[m];
  out->dirty = dirty;
  out->serial = session->canvas_serial[m];
  out->version = session->canvas_version[m];
  out->level = session->canvas_level[m];
}

gboolean
mien_session_render_preview (MienSession *session, mien_reswarp_mode mode,
                             const mien_driving *c, int level,
                             const mien_rect *region, MienSessionPicture *out,
                             GError **error)
{
  lock_frames (session);
  mien_animator *anim = session->animators[mode];
  if (anim == NULL)
    {
      g_mutex_unlock (&session->lock);
      g_set_error (error, session_error_quark (), 0,
                   _("No face found in this photo"));
      return FALSE;
    }
  int m = mode;
  mien_level_size size = mien_animator_get_level_size (anim, level);
  mien_rect r = { 0, 0, size.width, size.height };
  gboolean fresh = session->canvas[m] == NULL
                   || session->canvas_level[m] != level
                   || session->canvas_w[m] != size.width
                   || session->canvas_h[m] != size.height;
  /* A new canvas needs the whole level; afterwards the region will do. */
  if (!fresh && region != NULL && region->width > 0 && region->height > 0)
    r = *region;
  mien_error err = { 0 };
  const mien_image *img = NULL;
  mien_status status = mien_animator_render_preview (anim, session->generator,
                                                     c, level, &r, &img, &err);
  if (status == MIEN_OK && (img->width != size.width
                            || img->height != size.height))
    status = mien_error_set (&err, MIEN_ERR_INVALID,
                             "preview level %d is %d×%d, not %d×%d", level,
                             img->width, img->height, size.width, size.height);
  if (status == MIEN_OK && fresh)
    {
      g_free (session->canvas[m]);
      session->canvas[m] = g_try_malloc ((size_t)size.width * size.height * 3);
      if (session->canvas[m] == NULL)
        status = mien_error_set (&err, MIEN_ERR_NOMEM, "out of memory");
      session->canvas_w[m] = size.width, session->canvas_h[m] = size.height;
      session->canvas_level[m] = level;
      session->canvas_serial[m] = ++session->next_serial;
      session->canvas_version[m] = 0;
    }
  if (status == MIEN_OK)
    {
      canvas_put (session->canvas[m], img, r);
      session->canvas_version[m]++;
      canvas_picture (session, m, r, out);
    }
  else
    set_people_error (error, _("This expression could not be shown"),
                      err.message);
  g_mutex_unlock (&session->lock);
  return status == MIEN_OK;
}

gboolean
mien_session_render_refined (MienSession *session, mien_reswarp_mode mode,
                             const mien_driving *c, double display_scale,
                             MienSessionPicture *out, GError **error)
{
  int w = 0, h = 0;
  GBytes *bytes = mien_session_render_crop (session, mode, c, display_scale,
                                            &w, &h, error);
  if (bytes == NULL)
    return FALSE;
  lock_frames (session);
  /* The texture now holds this picture: the next preview starts over. */
  g_clear_pointer (&session->canvas[mode], g_free);
  *out = (MienSessionPicture){ .rgb8 = bytes, .width = w, .height = h,
                               .dirty = { 0, 0, w, h },
                               .serial = ++session->next_serial,
                               .version = 1, .level = -1 };
  g_mutex_unlock (&session->lock);
  return TRUE;
}
