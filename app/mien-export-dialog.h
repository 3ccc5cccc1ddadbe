/* SPDX-License-Identifier: GPL-3.0-or-later */
/* MienExportDialog: a modal window that exports the current expression as an
 * animation (the photo's own expression → the slider state, optionally back)
 * to MP4, GIF or a PNG sequence. The export runs frame by frame on a worker
 * thread (GTask) with a progress bar, the remaining time and Cancel; a
 * cancelled or failed export leaves nothing behind (mien_exporter_abort) and
 * errors are shown in the dialog. */
#pragma once

#include <adwaita.h>

#include "face/mien-face.h"
#include "mien-au.h"
#include "mien-image.h"
#include "mien-reswarp.h"

G_BEGIN_DECLS

#define MIEN_TYPE_EXPORT_DIALOG (mien_export_dialog_get_type ())
G_DECLARE_FINAL_TYPE (MienExportDialog, mien_export_dialog, MIEN,
                      EXPORT_DIALOG, AdwWindow)

/* photo, face and target are copied; mode preselects the ResWarp mode the
 * window shows. The dialog is not shown yet. */
MienExportDialog *mien_export_dialog_new (GtkWindow *parent,
                                          const mien_image *photo,
                                          const mien_face *face,
                                          const mien_driving *target,
                                          mien_reswarp_mode mode);

/* Every face of the photo (faces[self_index] is the one animated), copied:
 * the clip leaves the other heads where they are, as the preview does
 * (mien_animator_set_other_faces). */
void mien_export_dialog_set_other_faces (MienExportDialog *self,
                                         const mien_face *faces, int n_faces,
                                         int self_index);

/* The file (MP4, GIF) or folder (PNG sequence) to write; the format follows
 * the name (.mp4, .gif, anything else a folder). */
void mien_export_dialog_set_destination (MienExportDialog *self,
                                         const char *path);

G_END_DECLS
