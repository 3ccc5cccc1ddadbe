/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienDriveDialog: Drive with Video… (issue #23). A modal window that
 * tracks the face through a driving video and solves it into AU curves on a
 * worker thread (GTask; progress bar and Cancel), then shows the driving
 * frame and Mien's result for that frame side by side on a frame scale,
 * plays them, and exports the driven clip as mien-render PHOTO --drive
 * VIDEO -o OUT writes it (mien-drive-run.c: the same project, clip, rate
 * and audio), with progress, the remaining time and Cancel. A cancelled or
 * failed export leaves nothing behind. */
#pragma once

#include <adwaita.h>

#include "face/mien-face-analyzer.h"
#include "face/mien-face.h"
#include "mien-image.h"

G_BEGIN_DECLS

#define MIEN_TYPE_DRIVE_DIALOG (mien_drive_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MienDriveDialog, mien_drive_dialog, MIEN, DRIVE_DIALOG,
                      AdwWindow)

/* photo, its ICC profile (icc_size bytes, may be NULL) and face are
 * copied. Tracking video starts at once. As mien-render --drive does, the
 * clip is made from the photo converted to sRGB (clips carry no
 * profile). */
MienDriveDialog *mien_drive_dialog_new (GtkWindow *parent,
                                        const mien_image *photo,
                                        const unsigned char *icc,
                                        gsize icc_size,
                                        const mien_face *face,
                                        const char *video);

/* Exports the driven clip to path (the format by its name: .mp4, .gif,
 * else a folder of PNG frames) once tracking is done; FALSE if it cannot
 * start now (still tracking, already exporting, tracking failed). An
 * existing file is replaced only when overwrite is TRUE. */
gboolean mien_drive_dialog_export (MienDriveDialog *self, const char *path,
                                   gboolean overwrite);

/* The face models for driving, loaded on the calling thread (any). */
/* Every face of the photo and which one is driven, so that a turned head
 * stops before the others (copied). */
void mien_drive_dialog_set_other_faces (MienDriveDialog *self,
                                        const mien_face *faces, int n_faces,
                                        int self_index);

mien_face_analyzer *mien_drive_dialog_new_analyzer (GError **error);

G_END_DECLS
