/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The exporter API in-process: option checks and output sizes, the rules for
 * replacing a PNG folder, and that abort, a bad frame or finishing without
 * frames leave the folder exactly as it was (hidden temporaries included).
 * File contents are checked by test_export_files.py with ffprobe and PIL. */
#include <dirent.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/mien-export.h"
#include "mien-test.h"
#include "mien.h"

static char dir[] = "/tmp/mien-test-export-XXXXXX";

static const char *
path (const char *name)
{
  static char buf[4][512];
  static int i;
  i = (i + 1) % 4;
  snprintf (buf[i], sizeof buf[i], "%s/%s", dir, name);
  return buf[i];
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Every entry of a folder, hidden ones too, sorted: "name name …". */
static const char *
listing (const char *folder)
{
  static char out[4096];
  char *names[64];
  int n = 0;
  out[0] = '\0';
  DIR *d = opendir (folder);
  if (d == NULL)
    return "(missing)";
  for (struct dirent *e; (e = readdir (d)) != NULL && n < 64;)
    if (strcmp (e->d_name, ".") != 0 && strcmp (e->d_name, "..") != 0)
      names[n++] = strdup (e->d_name);
  closedir (d);
  qsort (names, (size_t)n, sizeof *names, compare_names);
  for (int i = 0; i < n; i++)
    {
      strncat (out, names[i], sizeof out - strlen (out) - 2);
      strcat (out, " ");
      free (names[i]);
    }
  return out;
}

static mien_image *
make_frame (int w, int h, float value)
{
  mien_image *img = mien_image_new (w, h, 3, NULL);
  for (size_t i = 0; i < mien_image_n_floats (img); i++)
    img->data[i] = value + 0.3f * (float)(i % 7) / 7.0f;
  return img;
}

static void
test_option_checks (void)
{
  mien_export_options o;
  mien_error err = { 0 };
  mien_export_options_init (&o);
  CHECK (o.fps_num == 30 && o.fps_den == 1 && o.crf == 18 && !o.overwrite,
         "defaults");
  struct { const char *what, *expect; mien_export_format f; int field, value; }
  cases[] = {
    { "fps 0", "frame rate", MIEN_EXPORT_MP4, 0, 0 },
    { "fps den 0", "frame rate", MIEN_EXPORT_PNG_SEQUENCE, 1, 0 },
    { "crf 52", "CRF", MIEN_EXPORT_MP4, 2, 52 },
    { "crf -1", "CRF", MIEN_EXPORT_MP4, 2, -1 },
    { "gif 60 fps", "GIF cannot play", MIEN_EXPORT_GIF, 0, 60 },
    { "max side 1", "too small", MIEN_EXPORT_GIF, 3, 1 },
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
    {
      mien_export_options_init (&o);
      int *fields[] = { &o.fps_num, &o.fps_den, &o.crf, &o.max_side };
      *fields[cases[i].field] = cases[i].value;
      if (cases[i].field == 3)
        o.scale = MIEN_EXPORT_SCALE_MAX_SIDE;
      mien_error_clear (&err);
      mien_exporter *ex = mien_exporter_open (path ("out"), cases[i].f, &o,
                                              64, 64, &err);
      CHECK (ex == NULL && err.status == MIEN_ERR_INVALID
             && strstr (err.message, cases[i].expect) != NULL,
             "%s: '%s'", cases[i].what, err.message);
      mien_exporter_abort (ex);
    }
  mien_export_options_init (&o);
  o.preset = "warp-speed";
  CHECK (mien_exporter_open (path ("x.mp4"), MIEN_EXPORT_MP4, &o, 64, 64, &err)
         == NULL && strstr (err.message, "warp-speed"), "preset: %s",
         err.message);
  mien_export_options_init (&o);
  CHECK (mien_exporter_open (path ("x.gif"), MIEN_EXPORT_GIF, &o, 0, 64, &err)
         == NULL && err.status == MIEN_ERR_INVALID, "0 width: %s",
         err.message);
  CHECK (strcmp (listing (dir), "") == 0, "refusals left '%s'", listing (dir));
}

static void
check_size (mien_export_format f, mien_export_scale scale, int max_side,
            int w, int h, int ew, int eh)
{
  mien_export_options o;
  mien_export_options_init (&o);
  o.scale = scale;
  o.max_side = max_side;
  int ow = 0, oh = 0;
  mien_error err = { 0 };
  CHECK (mien_export_output_size (f, &o, w, h, &ow, &oh, &err) == MIEN_OK
         && ow == ew && oh == eh,
         "%s %d×%d scale %d/%d: %d×%d, expected %d×%d %s",
         mien_export_format_to_string (f), w, h, scale, max_side, ow, oh, ew,
         eh, err.message);
}

static void
test_output_sizes (void)
{
  check_size (MIEN_EXPORT_PNG_SEQUENCE, MIEN_EXPORT_SCALE_FULL, 0, 301, 200,
              301, 200);
  check_size (MIEN_EXPORT_MP4, MIEN_EXPORT_SCALE_FULL, 0, 301, 201, 302, 202);
  check_size (MIEN_EXPORT_GIF, MIEN_EXPORT_SCALE_HALF, 0, 301, 200, 151, 100);
  check_size (MIEN_EXPORT_MP4, MIEN_EXPORT_SCALE_HALF, 0, 301, 200, 152, 100);
  check_size (MIEN_EXPORT_GIF, MIEN_EXPORT_SCALE_MAX_SIDE, 100, 400, 200, 100,
              50);
  check_size (MIEN_EXPORT_GIF, MIEN_EXPORT_SCALE_MAX_SIDE, 100, 200, 400, 50,
              100);
  check_size (MIEN_EXPORT_GIF, MIEN_EXPORT_SCALE_MAX_SIDE, 100, 1000, 3, 100,
              1); /* never below one pixel */
  check_size (MIEN_EXPORT_GIF, MIEN_EXPORT_SCALE_MAX_SIDE, 1000, 400, 200,
              400, 200); /* never enlarged */
  check_size (MIEN_EXPORT_MP4, MIEN_EXPORT_SCALE_MAX_SIDE, 99, 1000, 1000, 100,
              100);
}

/* Opens, adds `frames` frames and aborts: the folder is as before. */
static void
check_abort (const char *name, mien_export_format f, int frames)
{
  mien_export_options o;
  mien_export_options_init (&o);
  o.scale = MIEN_EXPORT_SCALE_HALF;
  char before[4096];
  snprintf (before, sizeof before, "%s", listing (dir));
  mien_error err = { 0 };
  mien_exporter *ex = mien_exporter_open (path (name), f, &o, 97, 64, &err);
  CHECK (ex != NULL, "open %s: %s", name, err.message);
  if (ex == NULL)
    return;
  CHECK (mien_exporter_get_output_width (ex) == (f == MIEN_EXPORT_MP4 ? 50 : 49),
         "%s width %d", name, mien_exporter_get_output_width (ex));
  CHECK (strcmp (listing (dir), before) != 0, "%s: a temporary while open",
         name);
  for (int i = 0; i < frames; i++)
    {
      mien_image *frame = make_frame (97, 64, 0.1f * i);
      CHECK (mien_exporter_add_frame (ex, frame, &err) == MIEN_OK, "%s: %s",
             name, err.message);
      mien_image_free (frame);
    }
  CHECK (mien_exporter_get_n_frames (ex) == frames, "%s frames", name);
  mien_exporter_abort (ex);
  CHECK (strcmp (listing (dir), before) == 0, "%s abort after %d frames left "
         "'%s'", name, frames, listing (dir));
}

static void
test_abort (void)
{
  static const mien_export_format formats[] = {
    MIEN_EXPORT_PNG_SEQUENCE, MIEN_EXPORT_GIF, MIEN_EXPORT_MP4
  };
  static const char *names[] = { "frames", "clip.gif", "clip.mp4" };
  for (int i = 0; i < 3; i++)
    for (int n = 0; n <= 5; n += 5)
      check_abort (names[i], formats[i], n);
}

/* A frame of the wrong size fails, the failure sticks, finish reports it and
 * cleans up; finishing with no frames is refused the same way. */
static void
test_bad_frames (void)
{
  static const mien_export_format formats[] = {
    MIEN_EXPORT_PNG_SEQUENCE, MIEN_EXPORT_GIF, MIEN_EXPORT_MP4
  };
  static const char *names[] = { "frames", "clip.gif", "clip.mp4" };
  mien_export_options o;
  mien_export_options_init (&o);
  mien_image *good = make_frame (32, 32, 0.2f), *bad = make_frame (31, 32, 0);
  for (int i = 0; i < 3; i++)
    {
      mien_error err = { 0 };
      mien_exporter *ex = mien_exporter_open (path (names[i]), formats[i], &o,
                                              32, 32, &err);
      CHECK (mien_exporter_add_frame (ex, good, &err) == MIEN_OK, "%s",
             err.message);
      CHECK (mien_exporter_add_frame (ex, bad, &err) == MIEN_ERR_INVALID
             && strstr (err.message, "31×32"), "%s: bad frame: %s", names[i],
             err.message);
      mien_error_clear (&err);
      CHECK (mien_exporter_add_frame (ex, good, &err) == MIEN_ERR_INVALID,
             "%s: the failure sticks", names[i]);
      mien_error_clear (&err);
      CHECK (mien_exporter_finish (ex, &err) == MIEN_ERR_INVALID
             && strstr (err.message, "31×32"), "%s: finish: %s", names[i],
             err.message);
      CHECK (strcmp (listing (dir), "") == 0, "%s left '%s'", names[i],
             listing (dir));

      ex = mien_exporter_open (path (names[i]), formats[i], &o, 32, 32, &err);
      CHECK (mien_exporter_finish (ex, &err) == MIEN_ERR_INVALID
             && strstr (err.message, "no frames"), "%s: empty: %s", names[i],
             err.message);
      CHECK (strcmp (listing (dir), "") == 0, "%s left '%s'", names[i],
             listing (dir));
    }
  mien_image_free (good);
  mien_image_free (bad);
}

static mien_status
export_png (const char *name, int overwrite, int frames, mien_error *err)
{
  mien_export_options o;
  mien_export_options_init (&o);
  o.overwrite = overwrite;
  mien_exporter *ex = mien_exporter_open (path (name),
                                          MIEN_EXPORT_PNG_SEQUENCE, &o, 16, 8,
                                          err);
  if (ex == NULL)
    return err->status;
  mien_image *frame = make_frame (16, 8, 0.5f);
  for (int i = 0; i < frames; i++)
    mien_exporter_add_frame (ex, frame, err);
  mien_image_free (frame);
  return mien_exporter_finish (ex, err);
}

static void
touch (const char *file)
{
  FILE *f = fopen (file, "w");
  fputs ("keep", f);
  fclose (f);
}

static void
test_png_folder_rules (void)
{
  mien_error err = { 0 };
  CHECK (export_png ("seq", 0, 3, &err) == MIEN_OK, "new folder: %s",
         err.message);
  CHECK (strcmp (listing (path ("seq")),
                 "frame_00001.png frame_00002.png frame_00003.png ") == 0,
         "three frames: '%s'", listing (path ("seq")));
  struct stat st;
  CHECK (stat (path ("seq"), &st) == 0 && (st.st_mode & 0777) == 0755,
         "usual folder mode (umask 022), got %o", st.st_mode & 0777);

  CHECK (export_png ("seq", 0, 1, &err) == MIEN_ERR_INVALID
         && strstr (err.message, "not empty"), "non-empty refused: %s",
         err.message);
  CHECK (strcmp (listing (path ("seq")),
                 "frame_00001.png frame_00002.png frame_00003.png ") == 0,
         "old frames kept: '%s'", listing (path ("seq")));

  touch (path ("seq/notes.txt"));
  CHECK (export_png ("seq", 1, 2, &err) == MIEN_OK, "overwrite: %s",
         err.message);
  CHECK (strcmp (listing (path ("seq")), "frame_00001.png frame_00002.png ")
         == 0, "replaced, old files gone: '%s'", listing (path ("seq")));

  mkdir (path ("seq/sub"), 0755);
  CHECK (export_png ("seq", 1, 1, &err) == MIEN_ERR_INVALID
         && strstr (err.message, "subfolders"), "subfolder: %s", err.message);
  rmdir (path ("seq/sub"));

  CHECK (export_png ("slash//", 0, 1, &err) == MIEN_OK, "trailing slashes: %s",
         err.message);
  CHECK (strcmp (listing (path ("slash")), "frame_00001.png ") == 0,
         "'slash//' is the folder slash, temporary beside it: '%s'",
         listing (path ("slash")));
  mien_export_options o;
  mien_export_options_init (&o);
  static const char *no_names[] = { "", "/", "//" };
  for (int i = 0; i < 3; i++)
    CHECK (mien_exporter_open (no_names[i], MIEN_EXPORT_PNG_SEQUENCE, &o, 8, 8,
                               &err) == NULL
           && strstr (err.message, "no output path"), "path '%s': %s",
           no_names[i], err.message);
  mkdir (path ("empty"), 0755);
  CHECK (export_png ("empty", 0, 1, &err) == MIEN_OK, "empty folder: %s",
         err.message);
  touch (path ("file"));
  CHECK (export_png ("file", 1, 1, &err) == MIEN_ERR_INVALID
         && strstr (err.message, "not a folder"), "a file: %s", err.message);
  CHECK (export_png ("file/seq", 0, 1, &err) == MIEN_ERR_IO, "under a file: %s",
         err.message);
  CHECK (export_png ("missing/seq", 0, 1, &err) == MIEN_ERR_IO
         && strstr (err.message, "missing/seq"), "missing parent: %s",
         err.message);
  /* Nothing hidden left behind by any of this. */
  CHECK (strcmp (listing (dir), "empty file seq slash ") == 0, "left '%s'",
         listing (dir));
  CHECK (strcmp (listing (path ("empty")), "frame_00001.png ") == 0,
         "the empty folder now holds the frame: '%s'",
         listing (path ("empty")));
}

static void
cleanup (void)
{
  char command[600];
  snprintf (command, sizeof command, "rm -rf '%s'", dir);
  if (system (command) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
}

/* The one format-from-name rule the CLIs and the export dialog share. */
static void
test_format_from_path (void)
{
  static const struct { const char *path; mien_export_format want; } cases[] = {
    { "clip.gif", MIEN_EXPORT_GIF },   { "CLIP.GIF", MIEN_EXPORT_GIF },
    { "a/b.mp4", MIEN_EXPORT_MP4 },    { "x.Mp4", MIEN_EXPORT_MP4 },
    { "frames", MIEN_EXPORT_PNG_SEQUENCE },
    { "frames/", MIEN_EXPORT_PNG_SEQUENCE },
    { ".gif", MIEN_EXPORT_PNG_SEQUENCE }, /* a hidden folder, not a GIF */
    { "clip.mp4.d", MIEN_EXPORT_PNG_SEQUENCE },
    { "gif", MIEN_EXPORT_PNG_SEQUENCE },  { "", MIEN_EXPORT_PNG_SEQUENCE },
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
    CHECK (mien_export_format_from_path (cases[i].path) == cases[i].want,
           "format of \"%s\"", cases[i].path);
}

int
main (void)
{
  umask (022);
  if (mkdtemp (dir) == NULL)
    return 1;
  test_format_from_path ();
  test_option_checks ();
  test_output_sizes ();
  test_abort ();
  test_bad_frames ();
  test_png_folder_rules ();
  cleanup ();
  return mien_test_exit_code ();
}
