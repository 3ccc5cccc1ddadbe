/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render's clip export, shared by --animate (mien-render-animate.c)
 * and --drive (mien-render-drive.c): the exporter opened for a clip's
 * settings, and the loop that renders the clip frame by frame into it. */
#include <math.h>

#include "mien-cli.h"
#include "mien-render-tool.h"

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

mien_exporter *
mien_render_open_exporter (const char *output,
                           const mien_animation_settings *s,
                           const mien_animator *anim, const mien_image *photo,
                           int overwrite, mien_error *err)
{
  mien_export_options eo;
  mien_export_options_init (&eo);
  fps_fraction (s->fps, &eo.fps_num, &eo.fps_den);
  eo.scale = s->scale;
  eo.max_side = s->max_side;
  eo.overwrite = overwrite;
  const mien_rect *cr = mien_animator_get_crop (anim);
  int face = s->region == MIEN_CLIP_REGION_FACE;
  return mien_exporter_open (output, mien_export_format_from_path (output),
                             &eo, face ? cr->width : photo->width,
                             face ? cr->height : photo->height, err);
}

mien_status
mien_render_export_clip (mien_clip *clip, const mien_timeline *timeline,
                         double fps, int n, mien_image *frame,
                         mien_exporter *ex, mien_render_frame_done done,
                         void *data, mien_error *err)
{
  for (int i = 0; i < n; i++)
    {
      if (mien_cli_stop_signal ())
        return mien_error_set (err, MIEN_ERR_CANCELLED, "interrupted by %s "
                               "at frame %d of %d",
                               mien_cli_stop_signal_name (), i + 1, n);
      const mien_image *crop = NULL;
      double t = mien_timeline_get_frame_time (timeline, fps, i);
      double t0 = mien_cli_now ();
      if (mien_clip_render (clip, t, frame, &crop, NULL, err) != MIEN_OK)
        return err->status;
      double t1 = mien_cli_now ();
      if (mien_exporter_add_frame (ex, frame ? frame : crop, err) != MIEN_OK)
        return err->status;
      if (done)
        done (data, i + 1, n, t1 - t0, mien_cli_now () - t1);
    }
  return MIEN_OK;
}
