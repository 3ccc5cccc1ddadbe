/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Render + export speed: a 2-second, 30 fps neutral → happy clip (61
 * frames, t = 0 … 2 s) of a 1K face crop, rendered by the rig + ResWarp
 * (mien_clip) and written by the streaming exporter, as `mien-render
 * --animate --region face` does. The sample portrait is scaled up
 * (bilinear) so that the headshot crop of its face is 1024² (the
 * landmark fixture, scaled alike, stands in for the detector, whose time is
 * per photo and not part of the clip). The clock covers everything per
 * clip: animator (crop + decomposition), clip set-up, every frame's render,
 * encoding, finishing and renaming into place.
 * Usage: bench-animate PHOTO LANDMARKS.json [CASE…], CASE =
 * FORMAT[:INTERPOLATION][:REGION], e.g. mp4, gif, png, mp4:field,
 * mp4:driving:photo. Prints Markdown. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io/mien-export.h"
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "io/mien-project.h"
#include "mien-animator.h"
#include "mien-clip.h"
#include "mien-resample.h"
#include "mien-rig.h"

#include "mien-bench.h"

static mien_face
scale_face (const mien_face *f, double s)
{
  mien_face g = *f;
  g.box = (mien_box){ f->box.x * s, f->box.y * s, f->box.width * s,
                      f->box.height * s };
  for (int i = 0; i < MIEN_N_LANDMARKS; i++)
    g.landmarks[i] = (mien_point){ (f->landmarks[i].x + 0.5f) * s - 0.5f,
                                   (f->landmarks[i].y + 0.5f) * s - 0.5f };
  return g;
}

/* The photo scale at which the face's crop is closest to 1024². */
static double
find_scale (const mien_face *face, int w, int h, mien_rect *crop)
{
  double s = 1.0;
  for (int iter = 0; iter < 8; iter++)
    {
      mien_face g = scale_face (face, s);
      mien_headshot_choose (&g, (int)lround (w * s), (int)lround (h * s), crop,
                            NULL);
      if (crop->width == 1024)
        break;
      s *= 1024.0 / crop->width;
    }
  return s;
}

static long
size_kib (const char *path)
{
  struct stat st;
  if (stat (path, &st) != 0)
    return -1;
  if (!S_ISDIR (st.st_mode))
    return (long)(st.st_size / 1024);
  long total = 0;
  DIR *d = opendir (path);
  for (struct dirent *e; d && (e = readdir (d));)
    {
      char p[4400];
      snprintf (p, sizeof p, "%.4000s/%.255s", path, e->d_name);
      if (e->d_name[0] != '.' && stat (p, &st) == 0)
        total += (long)st.st_size;
    }
  if (d)
    closedir (d);
  return total / 1024;
}

static void
remove_output (const char *path)
{
  char cmd[4200];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", path);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", path);
}

static int
run_case (const char *spec, const mien_image *photo, const mien_face *face,
          const char *dir)
{
  char fmt[16] = "mp4", interp[16] = "driving", region[16] = "face";
  sscanf (spec, "%15[^:]:%15[^:]:%15s", fmt, interp, region);
  int f = mien_export_format_from_string (fmt);
  int im = mien_interpolation_from_string (interp);
  int rg = mien_clip_region_from_string (region);
  if (f < 0 || im < 0 || rg < 0)
    {
      fprintf (stderr, "bad case '%s'\n", spec);
      return 1;
    }
  char out[4096];
  snprintf (out, sizeof out, "%s/clip%s", dir,
            f == MIEN_EXPORT_MP4 ? ".mp4" : f == MIEN_EXPORT_GIF ? ".gif" : "");
  mien_error err = { 0 };
  mien_driving happy;
  mien_driving_init (&happy);
  mien_driving_add_preset (&happy, MIEN_PRESET_HAPPY, 1.0f);

  double t0 = now_ms ();
  mien_generator *gen = mien_rig_new (&err);
  mien_animator *anim = mien_animator_new (photo, face, MIEN_RESWARP_MULTISCALE,
                                           NULL, &err);
  mien_timeline *tl = mien_clip_default_timeline (&happy, 2.0, 0, &err);
  mien_clip *clip = anim && tl ? mien_clip_new (anim, gen, tl, im, &err) : NULL;
  mien_image *frame = rg == MIEN_CLIP_REGION_PHOTO ? mien_image_copy (photo, &err)
                                                    : NULL;
  const mien_rect *cr = anim ? mien_animator_get_crop (anim) : NULL;
  mien_export_options eo;
  mien_export_options_init (&eo);
  mien_exporter *ex = clip ? mien_exporter_open (
                          out, f, &eo, frame ? photo->width : cr->width,
                          frame ? photo->height : cr->height, &err)
                           : NULL;
  double t_setup = now_ms () - t0, t_render = 0, t_add = 0;
  int n = mien_timeline_get_n_frames (tl, 30.0);
  mien_status st = ex ? MIEN_OK : MIEN_ERR_INVALID;
  for (int i = 0; i < n && st == MIEN_OK; i++)
    {
      const mien_image *crop = NULL;
      double a = now_ms ();
      st = mien_clip_render (clip, mien_timeline_get_frame_time (tl, 30.0, i),
                             frame, &crop, NULL, &err);
      double b = now_ms ();
      if (st == MIEN_OK)
        st = mien_exporter_add_frame (ex, frame ? frame : crop, &err);
      t_render += b - a, t_add += now_ms () - b;
    }
  double t_fin = now_ms ();
  if (st == MIEN_OK)
    st = mien_exporter_finish (ex, &err);
  else
    mien_exporter_abort (ex);
  double t1 = now_ms ();
  if (st != MIEN_OK)
    fprintf (stderr, "%s: %s\n", spec, err.message);
  else
    printf ("| %-22s | %4d×%-4d | %3d | %7.0f | %6.0f | %8.1f | %7.1f | %6.0f "
            "| %8ld |\n",
            spec, frame ? photo->width : cr->width,
            frame ? photo->height : cr->height, n, t1 - t0, t_setup,
            t_render / n, t_add / n, t1 - t_fin, size_kib (out));
  fflush (stdout);
  remove_output (out);
  mien_image_free (frame);
  mien_clip_free (clip);
  mien_timeline_free (tl);
  mien_animator_free (anim);
  mien_generator_free (gen);
  return st == MIEN_OK ? 0 : 1;
}

int
main (int argc, char **argv)
{
  if (argc < 3)
    {
      fprintf (stderr, "Usage: %s PHOTO LANDMARKS.json [CASE…]\n", argv[0]);
      return 2;
    }
  mien_error err = { 0 };
  mien_image *small = mien_image_load (argv[1], &err);
  mien_landmark_file lm = { 0 };
  if (!small || mien_landmark_file_load (argv[2], &lm, &err) != MIEN_OK
      || lm.n_faces < 1)
    {
      fprintf (stderr, "bench-animate: %s (skipped)\n",
               err.message[0] ? err.message : "no face");
      mien_image_free (small);
      return 77;
    }
  mien_rect crop;
  double s = find_scale (&lm.faces[0], small->width, small->height, &crop);
  int w = (int)lround (small->width * s), h = (int)lround (small->height * s);
  mien_image *photo = mien_image_new (w, h, 3, &err);
  mien_upsample_bilinear (small, photo, NULL, &err);
  mien_face face = scale_face (&lm.faces[0], s);
  printf ("Photo %s scaled ×%.3f to %d×%d; face crop %d×%d.\n\n", argv[1], s,
          w, h, crop.width, crop.height);
  printf ("| case (format:interp:region) | frame size | frames | total ms "
          "| set-up ms | render ms/frame | add ms/frame | finish ms | size KiB "
          "|\n|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
  char dir[] = "/tmp/bench-animate-XXXXXX";
  if (!mkdtemp (dir))
    return 1;
  const char *defaults[] = { "mp4", "mp4:field", "gif", "png" };
  int rc = 0;
  if (argc > 3)
    for (int i = 3; i < argc; i++)
      rc |= run_case (argv[i], photo, &face, dir);
  else
    for (int i = 0; i < 4; i++)
      rc |= run_case (defaults[i], photo, &face, dir);
  rmdir (dir);
  mien_image_free (photo);
  mien_image_free (small);
  mien_landmark_file_clear (&lm);
  return rc;
}
