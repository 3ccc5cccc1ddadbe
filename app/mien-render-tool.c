/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render: one expression frame of a photo, end to end at full
 * resolution: faces → headshot crop → generator (the AU rig) → ResWarp →
 * paste-back. The generator is the AU rig or an ATW network from a weights
 * file (--generator). With --debug-dir it also writes the intermediate
 * results of the ATW paper's figure 4 (F, O^w, O^r, the warped residual).
 * With --animate it renders a clip (keyframes or neutral → target) and
 * exports it as MP4, GIF or a PNG sequence (mien-render-animate.c); the
 * settings can come from, and be saved to, a project file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atw/mien-atw.h"
#include "face/mien-face-analyzer.h"
#include "io/mien-atomic-file.h"
#include "io/mien-image-io.h"
#include "io/mien-landmarks-io.h"
#include "io/mien-model-dir.h"
#include "io/mien-project.h"
#include "mien-cli.h"
#include "mien-render-drive.h"
#include "mien-render-tool.h"
#include "mien-rig.h"
#include "mien.h"

const char *program = "mien-render";

/* The face source: a landmark file, or the built-in analyzer (face-api's
 * detector and landmarks): an, or one with the models found like the app
 * finds them. */
static int
find_faces (const options *opt, const char *photo_path,
            const mien_image *photo, mien_face_analyzer *an,
            mien_landmark_file *faces, int *from_analyzer)
{
  mien_error err = { 0 };
  *from_analyzer = 0;
  if (!opt->landmarks)
    {
      const char *dir = an || opt->models ? opt->models
                                          : mien_model_dir_find ();
      if (!an && !dir)
        {
          fprintf (stderr,
                   "%s: the face models are missing (run "
                   "scripts/fetch-assets.sh or set MIEN_MODEL_DIR), or pass "
                   "--landmarks FILE.json\n",
                   program);
          return 0;
        }
      mien_face_analyzer *own = an ? NULL
                                   : mien_face_analyzer_new (dir, NULL, &err);
      mien_face *found = NULL;
      int n = 0;
      mien_status st = an || own ? mien_face_analyzer_run (an ? an : own, photo,
                                                           NULL, &found, &n,
                                                           &err)
                                 : err.status;
      mien_face_analyzer_free (own);
      if (st != MIEN_OK)
        {
          fprintf (stderr, "%s: %s (or pass --landmarks FILE.json)\n",
                   program, err.message);
          return 0;
        }
      *faces = (mien_landmark_file){ photo->width, photo->height, n, found };
      *from_analyzer = 1;
      return 1;
    }
  if (mien_landmark_file_load (opt->landmarks, faces, &err) != MIEN_OK)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 0;
    }
  if (faces->width != photo->width || faces->height != photo->height)
    {
      fprintf (stderr,
               "%s: %s describes a %d×%d photo but %s is %d×%d\n", program,
               opt->landmarks, faces->width, faces->height, photo_path,
               photo->width, photo->height);
      return 0;
    }
  /* The landmarks are the file's; the head's person matte comes from the
   * models where they are installed, as every face the analyzer finds has
   * it, so that a result rendered from a landmark file bounds the head as
   * the app does (without the models: the fitted head's region). */
  const char *dir = an || opt->models ? opt->models : mien_model_dir_find ();
  mien_face_analyzer *own = an || !dir ? NULL
                                       : mien_face_analyzer_new (dir, NULL,
                                                                 NULL);
  for (int i = 0; (an || own) && i < faces->n_faces; i++)
    if (mien_face_analyzer_head (an ? an : own, photo,
                                 faces->faces[i].landmarks,
                                 &faces->faces[i].head, NULL)
        != MIEN_OK)
      faces->faces[i].head.ok = 0;
  mien_face_analyzer_free (own);
  return 1;
}

static int
pick_face (int wanted, const char *photo_path,
           const mien_landmark_file *faces)
{
  if (faces->n_faces == 0)
    {
      fprintf (stderr, "%s: no face found in %s\n", program, photo_path);
      return -1;
    }
  if (wanted >= faces->n_faces)
    {
      fprintf (stderr, "%s: --face %d, but %s has %d face%s (0 … %d)\n",
               program, wanted, photo_path, faces->n_faces,
               faces->n_faces == 1 ? "" : "s", faces->n_faces - 1);
      return -1;
    }
  return wanted >= 0 ? wanted : mien_landmark_file_largest_face (faces);
}

int
mien_render_choose_faces (const options *opt, const char *photo_path,
                          const mien_image *photo, mien_face_analyzer *an,
                          int wanted, mien_face *face, int *index,
                          mien_face **all, int *n_all)
{
  mien_landmark_file faces = { 0 };
  int from_analyzer = 0;
  int i = find_faces (opt, photo_path, photo, an, &faces, &from_analyzer)
              ? pick_face (wanted, photo_path, &faces)
              : -1;
  if (i >= 0)
    *face = faces.faces[i];
  if (index)
    *index = i;
  if (all)
    {
      *n_all = 0;
      *all = i >= 0 ? malloc (sizeof (mien_face) * (size_t)faces.n_faces) : NULL;
      if (*all)
        {
          memcpy (*all, faces.faces, sizeof (mien_face) * (size_t)faces.n_faces);
          *n_all = faces.n_faces;
        }
    }
  if (from_analyzer)
    mien_faces_free (faces.faces);
  else
    mien_landmark_file_clear (&faces);
  return i >= 0;
}

int
mien_render_choose_face (const options *opt, const char *photo_path,
                         const mien_image *photo, mien_face_analyzer *an,
                         int wanted, mien_face *face, int *index)
{
  return mien_render_choose_faces (opt, photo_path, photo, an, wanted, face,
                                   index, NULL, NULL);
}

/* "rig" (or nothing) is the AU rig; anything else a weights file. */
mien_generator *
mien_render_make_generator (const char *name, mien_error *err)
{
  if (name == NULL || strcmp (name, "rig") == 0)
    return mien_rig_new (err);
  return mien_atw_generator_new_from_file (name, err);
}

static int
save_project (const options *opt, const mien_project *project)
{
  mien_error err = { 0 };
  if (mien_project_save (project, opt->save_project, &err) != MIEN_OK)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 1;
    }
  return 0;
}

/* The user's photo is not lost by a slip of the keyboard: an OUTPUT that is
 * one of the inputs (the same file, also through a link or another
 * spelling) is refused unless --overwrite says it is meant; a PNG folder
 * that holds the photo is refused always, since replacing the folder would
 * delete it. Saving a project over the project it came from is an update,
 * not a slip, and is allowed. */
static int
check_outputs (const options *opt, const mien_project *project)
{
  const struct { const char *path, *what; } inputs[] = {
    { project->photo, "the photo" },
    { opt->landmarks, "the landmark file" },
    { opt->project, "the project file" },
    { opt->generator, "the generator's weights" },
  };
  const char *outputs[] = { opt->output, opt->save_project };
  for (int o = 0; o < 2; o++)
    for (size_t i = 0; outputs[o] && i < sizeof inputs / sizeof *inputs; i++)
      {
        if (!mien_path_same_file (outputs[o], inputs[i].path)
            || (o == 1 && inputs[i].path == opt->project))
          continue;
        if (opt->overwrite && o == 0)
          continue;
        fprintf (stderr,
                 "%s: %s is %s (%s); refusing to write over it%s\n",
                 program, outputs[o], inputs[i].what, inputs[i].path,
                 o == 0 ? " (give --overwrite if that is meant)" : "");
        return 0;
      }
  if (opt->output && opt->animate
      && mien_path_in_folder (project->photo, opt->output))
    {
      fprintf (stderr, "%s: the photo %s is inside %s, which the PNG "
               "sequence would replace; choose another folder\n", program,
               project->photo, opt->output);
      return 0;
    }
  return 1;
}

/* A clip within the limits (frames per clip, fps), said before the photo
 * is even loaded. */
static int
check_clip (const options *opt, const mien_project *project)
{
  if (!opt->animate)
    return 1;
  mien_error err = { 0 };
  mien_timeline *tl = mien_project_build_timeline (project, &err);
  if (tl)
    mien_timeline_check_frames (tl, project->settings.fps, &err);
  mien_timeline_free (tl);
  if (err.status != MIEN_OK)
    fprintf (stderr, "%s: %s\n", program, err.message);
  return err.status == MIEN_OK;
}

/* Photo → faces → the chosen face → one frame or a clip. */
static int
run (const options *opt, const mien_project *project)
{
  mien_error err = { 0 };
  mien_image_extras photo_extras = { 0 };
  mien_image *photo = mien_image_load_full (project->photo, &photo_extras,
                                            &err);
  if (!photo)
    {
      fprintf (stderr, "%s: %s\n", program, err.message);
      return 1;
    }
  if (photo_extras.warning[0])
    fprintf (stderr, "%s: warning: %s\n", program, photo_extras.warning);
  /* Clips (MP4, GIF, PNG frames) carry no profile: their pixels become
   * sRGB, once, before the face is analysed and animated. */
  if (opt->animate && photo_extras.icc
      && mien_image_convert_to_srgb (photo, photo_extras.icc,
                                     photo_extras.icc_size, &err)
             != MIEN_OK)
    fprintf (stderr, "%s: warning: colours not converted to sRGB: %s\n",
             program, err.message);
  mien_face face, *all = NULL;
  int index, n_all = 0, rc = 1;
  if (!mien_render_choose_faces (opt, project->photo, photo, NULL,
                                 project->face, &face, &index, &all, &n_all))
    rc = 1;
  else if (opt->animate)
    rc = mien_render_animate (project, photo, &face, opt->generator,
                              opt->output, opt->overwrite, opt->quiet, all,
                              n_all, index);
  else
    rc = mien_render_still (opt, project, photo, &photo_extras, &face,
                            index, all, n_all);
  free (all);
  mien_image_free (photo);
  mien_image_extras_clear (&photo_extras);
  return rc;
}

/* The whole run after the options: --drive hands over; else the project,
 * saved if asked, then the frame or the clip. */
static int
run_project (void *data)
{
  const options *opt = data;
  if (mien_render_drive_wanted ())
    return mien_render_drive_main (opt);
  mien_project project;
  mien_project_init (&project);
  if (!mien_render_build_project (opt, &project))
    {
      mien_project_clear (&project);
      return opt->project ? 1 : 2;
    }
  if (!check_outputs (opt, &project) || !check_clip (opt, &project))
    {
      mien_project_clear (&project);
      return 1;
    }
  int rc = opt->save_project ? save_project (opt, &project) : 0;
  if (rc == 0 && opt->output)
    rc = run (opt, &project);
  mien_project_clear (&project);
  return rc;
}

int
main (int argc, char **argv)
{
  options opt;
  return mien_cli_main (program, argc, argv, &opt, mien_render_parse_options,
                        run_project);
}
