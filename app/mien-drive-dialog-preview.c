/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienDriveDialog's preview (mien-drive-dialog.c has the window, tracking
 * and export): the driving video's frame and Mien's result for the frame
 * the scale shows, rendered one at a time on a worker, and Play. */
#include "mien-drive-dialog-private.h"

typedef struct preview_result {
  GBytes *video, *result;
  int vw, vh, rw, rh;
} preview_result;

static void
preview_result_free (preview_result *r)
{
  g_clear_pointer (&r->video, g_bytes_unref);
  g_clear_pointer (&r->result, g_bytes_unref);
  g_free (r);
}

static GBytes *
to_rgb8 (const mien_image *image)
{
  gsize n = (gsize)image->width * image->height * 3;
  guchar *pixels = g_malloc (n);
  mien_image_to_rgb8 (image, pixels, image->width * 3);
  return g_bytes_new_take (pixels, n);
}

/* Frame index of the video: read on from the open reader when it is the
 * next one, else from a reader opened at its time. */
static mien_status
read_video_frame (MienDriveDialog *self, preview_state *p, int index,
                  mien_error *err)
{
  if (p->reader == NULL || index != p->next_index)
    {
      mien_video_reader_free (p->reader);
      p->reader = mien_video_reader_open (self->video, PREVIEW_SIDE, err);
      if (p->reader == NULL)
        return err->status;
      mien_video_reader_set_output (p->reader, self->track.fps,
                                    index / self->track.fps, 0.0);
      p->next_index = index;
    }
  double time;
  int eof = 0;
  if (mien_video_reader_read (p->reader, &p->video_frame, &time, &eof, err)
      != MIEN_OK)
    return err->status;
  p->next_index++;
  return MIEN_OK;
}

static void
preview_thread (GTask *task, gpointer source, gpointer data,
                GCancellable *cancellable)
{
  MienDriveDialog *self = MIEN_DRIVE_DIALOG (source);
  int index = GPOINTER_TO_INT (data);
  preview_state *p = &self->preview;
  mien_error err = { 0 };
  preview_result *r = g_new0 (preview_result, 1);
  mien_status st = read_video_frame (self, p, index, &err);
  if (st == MIEN_OK && p->video_frame)
    {
      r->video = to_rgb8 (p->video_frame);
      r->vw = p->video_frame->width, r->vh = p->video_frame->height;
    }
  const mien_image *crop = NULL;
  double t = mien_timeline_get_frame_time (p->clip.tl, self->track.fps, index);
  if (st == MIEN_OK)
    st = mien_clip_render (p->clip.clip, t, NULL, &crop, NULL, &err);
  if (st == MIEN_OK && crop)
    {
      r->result = to_rgb8 (crop);
      r->rw = crop->width, r->rh = crop->height;
    }
  if (st != MIEN_OK)
    {
      preview_result_free (r);
      g_task_return_new_error (task, drive_dialog_error_quark (), 0, "%s",
                               err.message);
      return;
    }
  g_task_return_pointer (task, r, (GDestroyNotify)preview_result_free);
}

static void
set_picture (GtkPicture *picture, GBytes *rgb, int w, int h)
{
  if (rgb == NULL)
    return;
  g_autoptr (GdkTexture) texture = gdk_memory_texture_new (
      w, h, GDK_MEMORY_R8G8B8, rgb, (gsize)w * 3);
  gtk_picture_set_paintable (picture, GDK_PAINTABLE (texture));
}

static void
on_preview_done (GObject *source, GAsyncResult *result, gpointer data)
{
  MienDriveDialog *self = MIEN_DRIVE_DIALOG (source);
  int index = GPOINTER_TO_INT (g_task_get_task_data (G_TASK (result)));
  g_autoptr (GError) error = NULL;
  preview_result *r = g_task_propagate_pointer (G_TASK (result), &error);
  self->preview_busy = FALSE;
  if (self->disposed)
    {
      if (r)
        preview_result_free (r);
      return;
    }
  if (r)
    {
      set_picture (self->video_picture, r->video, r->vw, r->vh);
      set_picture (self->result_picture, r->result, r->rw, r->rh);
      self->preview_shown = index;
      preview_result_free (r);
    }
  else if (!self->exporting)
    drive_dialog_set_status (self, error->message, TRUE);
  if (self->preview_wanted != self->preview_shown)
    drive_dialog_request_preview (self, self->preview_wanted);
}

/* One preview task at a time; a request while one runs waits for it (only
 * the latest is kept). */
void
drive_dialog_request_preview (MienDriveDialog *self, int index)
{
  self->preview_wanted = index;
  if (self->preview_busy || !self->solved)
    return;
  self->preview_busy = TRUE;
  GTask *task = g_task_new (self, NULL, on_preview_done, NULL);
  g_task_set_task_data (task, GINT_TO_POINTER (index), NULL);
  g_task_run_in_thread (task, preview_thread);
  g_object_unref (task);
}

void
drive_dialog_on_frame_changed (GtkRange *range, MienDriveDialog *self)
{
  drive_dialog_request_preview (self, (int)gtk_range_get_value (range));
}

static gboolean
play_tick (gpointer data)
{
  MienDriveDialog *self = data;
  /* Shown frames follow the clock as far as rendering allows: the next
   * frame is asked for once the last one is on screen. */
  if (self->preview_busy)
    return G_SOURCE_CONTINUE;
  int n = self->track.n_frames;
  int next = (int)gtk_range_get_value (GTK_RANGE (self->frame_scale)) + 1;
  if (next >= n)
    {
      gtk_toggle_button_set_active (self->play_button, FALSE);
      return G_SOURCE_CONTINUE; /* removed by the toggle */
    }
  gtk_range_set_value (GTK_RANGE (self->frame_scale), next);
  return G_SOURCE_CONTINUE;
}

void
drive_dialog_on_play_toggled (GtkToggleButton *button, MienDriveDialog *self)
{
  g_clear_handle_id (&self->play_source, g_source_remove);
  if (!gtk_toggle_button_get_active (button) || !self->solved)
    return;
  int n = self->track.n_frames;
  if ((int)gtk_range_get_value (GTK_RANGE (self->frame_scale)) >= n - 1)
    gtk_range_set_value (GTK_RANGE (self->frame_scale), 0);
  guint ms = (guint)CLAMP (1000.0 / self->track.fps, 10, 1000);
  self->play_source = g_timeout_add (ms, play_tick, self);
}
