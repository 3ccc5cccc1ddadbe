/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienDriveDialog's state, shared by mien-drive-dialog.c (the window,
 * tracking, export) and mien-drive-dialog-preview.c (scrub and Play). */
#pragma once

#include "mien-drive-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#include "drive/mien-drive.h"
#include "drive/mien-video-reader.h"
#include "io/mien-image-io.h"
#include "io/mien-model-dir.h"
#include "mien-drive-run.h"
#include "mien-rig.h"

/* The driving frames shown are decoded at most this big. */
#define PREVIEW_SIDE 480

/* What only the preview worker touches (one preview task at a time): a
 * reader kept open while frames are asked for in order (Play), and the
 * clip that renders the result's crop. */
typedef struct preview_state {
  mien_video_reader *reader;
  int next_index; /* the frame the open reader reads next */
  mien_image *video_frame;
  mien_generator *gen;
  mien_drive_clip clip;
} preview_state;

struct _MienDriveDialog {
  AdwWindow parent_instance;

  GtkLabel *status_label, *faces_label;
  GtkProgressBar *progress_bar;
  GtkPicture *video_picture, *result_picture;
  GtkScale *frame_scale;
  GtkToggleButton *play_button;
  GtkWidget *export_button, *cancel_button, *view_box, *scrub_box;

  mien_image *photo; /* sRGB once tracking starts */
  GBytes *icc;       /* the photo's profile, NULL: none */
  mien_face face;
  mien_face *others; /* every face of the photo (mien_drive_dialog_set_other_faces) */
  mien_drive_faces others_set;
  char *video;
  GCancellable *cancellable; /* non-NULL while tracking or exporting */
  gboolean exporting, close_when_done;
  gboolean disposed; /* a worker's result that comes later is dropped */

  /* After tracking. */
  gboolean solved;
  mien_drive_track track;
  mien_drive_result result;
  mien_project project;
  preview_state preview; /* the preview task's while preview_busy */
  gboolean preview_busy;
  int preview_wanted, preview_shown;
  guint play_source;

  char *destination;
  gint64 start_us;
  GtkFileChooserNative *chooser;
};

GQuark drive_dialog_error_quark (void);
void drive_dialog_set_status (MienDriveDialog *self, const char *text,
                              gboolean error);
/* Shows frame index of the clip (the driving frame and the result) once the
 * preview worker is free; only the latest request is kept. */
void drive_dialog_request_preview (MienDriveDialog *self, int index);
void drive_dialog_on_frame_changed (GtkRange *range, MienDriveDialog *self);
void drive_dialog_on_play_toggled (GtkToggleButton *button,
                                   MienDriveDialog *self);
