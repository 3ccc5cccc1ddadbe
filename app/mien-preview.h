/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum {
  MIEN_PREVIEW_VIEW_RESULT = 0,
  MIEN_PREVIEW_VIEW_SPLIT = 1,
  MIEN_PREVIEW_VIEW_DIFFERENCE = 2,
  MIEN_PREVIEW_VIEW_BEFORE = 3,
} MienPreviewView;

#define MIEN_TYPE_PREVIEW (mien_preview_get_type ())
G_DECLARE_FINAL_TYPE (MienPreview, mien_preview, MIEN, PREVIEW, GtkGLArea)

GtkWidget *mien_preview_new (void);

/* A face found in the photo, in photo pixels: its box, upright in the
 * face's own frame, turned by roll (radians, clockwise) about its centre. */
typedef struct {
  double x, y, width, height, roll;
} MienPreviewFace;

/* The faces to outline while the pointer is over the photo; active (-1:
 * none) is the animated one. Copied. */
void mien_preview_set_faces (MienPreview *self, const MienPreviewFace *faces,
                             int n_faces, int active);
int mien_preview_get_n_faces (MienPreview *self);

/* The photo as tight 8-bit RGB rows. Clears any result. */
void mien_preview_set_photo (MienPreview *self, GBytes *rgb8, int width,
                             int height);
/* The animated crop at (x, y) in photo pixels: result a (shown in the result
 * view, left of the split) and b (right of the split; NULL = same as a). */
/* The result pixels may be smaller than the crop (tex_width × tex_height):
 * they are stretched over it. */
void mien_preview_set_result (MienPreview *self, int x, int y, int width,
                              int height, int tex_width, int tex_height,
                              GBytes *a_rgb8, GBytes *b_rgb8);
void mien_preview_clear_result (MienPreview *self);

/* A picture of the crop that may update the previous one in place (the
 * preview that follows the zoom, issue #22): pictures of one serial
 * differ from version − 1 only inside the dirty rectangle (picture
 * pixels), so when the texture holds version − 1 only that is uploaded.
 * Serial 0: always uploaded whole. */
typedef struct {
  GBytes *rgb8; /* width × height tight RGB */
  int width, height;
  int dirty_x, dirty_y, dirty_width, dirty_height;
  guint64 serial, version;
} MienPreviewPicture;

/* As mien_preview_set_result, with pictures (b may be NULL). */
void mien_preview_set_pictures (MienPreview *self, int x, int y, int width,
                                int height, const MienPreviewPicture *a,
                                const MienPreviewPicture *b);
/* The part of the photo the widget shows, in photo pixels (may reach past
 * the photo). Signal "view-changed" when a pan moves it; zoom notifies
 * "zoom". */
void mien_preview_get_visible (MienPreview *self, double *x0, double *y0,
                               double *x1, double *y1);
/* Bytes uploaded to the result textures so far (for the benchmark). */
guint64 mien_preview_get_uploaded_bytes (MienPreview *self);
/* The most photo texels (bytes of RGB) uploaded in one frame since the
 * photo was set (for the benchmark: the tiles keep each frame short). */
gsize mien_preview_get_photo_frame_bytes_max (MienPreview *self);

void mien_preview_set_view (MienPreview *self, MienPreviewView view);
MienPreviewView mien_preview_get_view (MienPreview *self);
/* Split divider position across the photo, 0 … 1. */
void mien_preview_set_divider (MienPreview *self, double position);
double mien_preview_get_divider (MienPreview *self);

/* Zoom: screen pixels per photo pixel; 0 means "fit to the window". */
void mien_preview_set_zoom (MienPreview *self, double zoom);
double mien_preview_get_zoom (MienPreview *self);
void mien_preview_zoom_by (MienPreview *self, double factor);
/* Screen pixels per photo pixel right now (also in "fit"). */
double mien_preview_get_scale (MienPreview *self);
/* Zoom (as mien_preview_set_zoom, > 0) with the photo pixel (x, y) at the
 * view's centre. */
void mien_preview_zoom_at (MienPreview *self, double zoom, double x, double y);

/* Signal "photo-clicked" (double x, double y): a click without dragging, in
 * photo pixels. */

G_END_DECLS
