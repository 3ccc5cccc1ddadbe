/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render's clip export, shared by --animate (mien-render-animate.c)
 * and --drive (mien-render-drive.c): the exporter opened for a clip's
 * settings, and the loop that renders the clip frame by frame into it. Both
 * are mien-drive-run.c's, which the app's drive dialog uses too; here a
 * caught stop signal ends the loop. */
#include <stdio.h>

#include "mien-cli.h"
#include "mien-drive-run.h"
#include "mien-render-tool.h"

mien_exporter *
mien_render_open_exporter (const char *output,
                           const mien_animation_settings *s,
                           const mien_animator *anim, const mien_image *photo,
                           int overwrite, mien_error *err)
{
  return mien_clip_export_open (output, s, anim, photo, overwrite, err);
}

/* mien_clip_export_stop for a caught stop signal. */
const char *
mien_render_stop_reason (void *data)
{
  static char why[64];
  if (!mien_cli_stop_signal ())
    return NULL;
  snprintf (why, sizeof why, "interrupted by %s",
            mien_cli_stop_signal_name ());
  return why;
}

mien_status
mien_render_export_clip (mien_clip *clip, const mien_timeline *timeline,
                         double fps, int n, mien_image *frame,
                         mien_exporter *ex, mien_render_frame_done done,
                         void *data, mien_error *err)
{
  return mien_clip_export_frames (clip, timeline, fps, n, frame, ex,
                                  mien_render_stop_reason, done, data, err);
}
