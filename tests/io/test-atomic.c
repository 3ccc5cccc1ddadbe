/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Unit tests of the pieces behind "nothing lost" (issue #20): temporary
 * names and the sweep of those whose writer is gone (mien-atomic-file.h),
 * the same-file check, and the JSON pre-scan (mien-json-file.h): brackets
 * inside strings, escaped quotes, the depth and value limits. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/mien-atomic-file.h"
#include "io/mien-json-file.h"
#include "mien-test.h"

static char dir[64];

static const char *
at (const char *name)
{
  static char path[256];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  return path;
}

static int
exists (const char *name)
{
  struct stat st;
  return lstat (at (name), &st) == 0;
}

static void
touch (const char *name)
{
  int fd = open (at (name), O_CREAT | O_WRONLY, 0644);
  close (fd);
}

/* A PID that has just ended (and, a few microseconds later, is unlikely to
 * have been reused). */
static long
dead_pid (void)
{
  pid_t pid = fork ();
  if (pid == 0)
    _exit (0);
  waitpid (pid, NULL, 0);
  return (long)pid;
}

static void
test_names (void)
{
  long pid = 0;
  CHECK (mien_atomic_temp_name_parse (".clip.mp4.mien-1234-AbC123", &pid)
         && pid == 1234, "a temporary's name: pid %ld", pid);
  CHECK (!mien_atomic_temp_name_parse ("clip.mp4.mien-1234-AbC123", &pid),
         "not hidden: not ours");
  CHECK (!mien_atomic_temp_name_parse (".clip.mp4.XXXXXX", &pid),
         "the old naming (no PID): not swept");
  CHECK (!mien_atomic_temp_name_parse (".clip.mp4.mien--AbC123", &pid),
         "no PID");
  CHECK (!mien_atomic_temp_name_parse (".clip.mp4.mien-12-AbC1234", &pid),
         "seven random characters");
  CHECK (!mien_atomic_temp_name_parse (".mien-", &pid), "too short");
  CHECK (!mien_atomic_temp_name_parse (".x.mien-0-AbC123", &pid), "PID 0");
}

static void
test_sweep (void)
{
  char name[128];
  long gone = dead_pid ();
  /* A killed writer's file and folder (with a frame in it): removed. */
  snprintf (name, sizeof name, ".a.png.mien-%ld-Qwerty", gone);
  touch (name);
  char folder[128];
  snprintf (folder, sizeof folder, ".frames.mien-%ld-Asdfgh", gone);
  mkdir (at (folder), 0755);
  char frame[192];
  snprintf (frame, sizeof frame, "%s/frame_00001.png", folder);
  touch (frame);
  /* A running process's (PID 1): kept. */
  touch (".b.png.mien-1-Zxcvbn");
  /* A dead PID but the lock held (a writer in another PID namespace): kept. */
  char locked[128];
  snprintf (locked, sizeof locked, ".c.png.mien-%ld-Poiuyt", gone);
  touch (locked);
  int lock_fd = open (at (locked), O_RDONLY);
  CHECK (flock (lock_fd, LOCK_EX) == 0, "flock: %s", strerror (errno));
  /* Not ours: kept. */
  touch (".d.png.XXXXXX");
  touch ("photo.png");

  int removed = mien_atomic_sweep (dir);
  CHECK (removed == 2, "removed %d (the dead writer's file and folder)",
         removed);
  CHECK (!exists (name), "dead writer's file removed");
  CHECK (!exists (folder), "dead writer's folder removed");
  CHECK (exists (".b.png.mien-1-Zxcvbn"), "a running PID's temporary kept");
  CHECK (exists (locked), "a locked temporary kept");
  CHECK (exists (".d.png.XXXXXX") && exists ("photo.png"), "others kept");
  close (lock_fd);
  CHECK (mien_atomic_sweep (dir) == 1 && !exists (locked),
         "the lock released, the dead writer's temporary goes");
  unlink (at (".b.png.mien-1-Zxcvbn"));
  unlink (at (".d.png.XXXXXX"));

  /* This process's own temporaries are live: never swept. */
  char *tmp = NULL;
  mien_error err = { 0 };
  int fd = mien_atomic_temp_create (at ("e.png"), 0, &tmp, &err);
  CHECK (fd >= 0, "%s", err.message);
  CHECK (mien_atomic_sweep (dir) == 0 && access (tmp, F_OK) == 0,
         "our own temporary kept");
  const char *base = strrchr (tmp, '/') + 1;
  long pid = 0;
  CHECK (mien_atomic_temp_name_parse (base, &pid) && pid == (long)getpid (),
         "created as %s", base);
  close (fd);
  unlink (tmp);
  free (tmp);
}

static void
test_same_file (void)
{
  touch ("photo.png");
  CHECK (symlink ("photo.png", at ("link.png")) == 0, "symlink");
  char photo[256];
  snprintf (photo, sizeof photo, "%s", at ("photo.png"));
  CHECK (link (photo, at ("hard.png")) == 0, "link: %s", strerror (errno));
  touch ("other.png");
  char spelled[256];
  snprintf (spelled, sizeof spelled, "%s/../%s/./photo.png", dir,
            strrchr (dir, '/') + 1);
  CHECK (mien_path_same_file (at ("photo.png"), spelled), "another spelling");
  char a[256];
  snprintf (a, sizeof a, "%s", at ("photo.png"));
  CHECK (mien_path_same_file (a, at ("link.png")), "a symlink");
  CHECK (mien_path_same_file (a, at ("hard.png")), "a hard link");
  CHECK (!mien_path_same_file (a, at ("other.png")), "another file");
  CHECK (!mien_path_same_file (a, at ("missing.png")), "a missing file");
  CHECK (!mien_path_same_file (a, NULL), "no file");
  CHECK (mien_path_in_folder (at ("link.png"), dir), "photo in its folder");
  CHECK (!mien_path_in_folder (a, "/"), "not in /");
}

static mien_status
shape (const char *text, int depth, size_t values)
{
  mien_error err = { 0 };
  mien_status st = mien_json_check_shape (text, strlen (text), depth, values,
                                          "t.json", &err);
  CHECK (st == MIEN_OK || strstr (err.message, "t.json: ") == err.message,
         "message names the file: %s", err.message);
  return st;
}

static void
test_json_shape (void)
{
  CHECK (shape ("[[[]]]", 3, 100) == MIEN_OK, "depth 3 within 3");
  CHECK (shape ("[[[[]]]]", 3, 100) == MIEN_ERR_FORMAT, "depth 4 over 3");
  CHECK (shape ("{\"a\": {\"b\": [1]}}", 3, 100) == MIEN_OK, "objects count");
  CHECK (shape ("{\"a\": {\"b\": [[1]]}}", 3, 100) == MIEN_ERR_FORMAT,
         "objects and arrays together");
  CHECK (shape ("[\"[[[[[[[[\"]", 2, 100) == MIEN_OK,
         "brackets inside a string do not count");
  CHECK (shape ("[\"\\\"[[[[[[\"]", 2, 100) == MIEN_OK,
         "an escaped quote does not end the string");
  CHECK (shape ("[\"\\\\\", [[[[[]]]]]]", 3, 100) == MIEN_ERR_FORMAT,
         "an escaped backslash does");
  CHECK (shape ("]]]]][[", 2, 100) == MIEN_OK,
         "closers first: json-glib's to refuse, depth never below 0");
  /* The array and its numbers: 4 values, then 5. */
  CHECK (shape ("[1,2,3]", 8, 4) == MIEN_OK, "4 values within 4");
  CHECK (shape ("[1,2,3,4]", 8, 4) == MIEN_ERR_FORMAT, "5 values over 4");
  CHECK (shape ("[\"a,b,c,d,e\"]", 8, 2) == MIEN_OK,
         "commas inside a string do not count");
  mien_error err = { 0 };
  char *deep = malloc (100001);
  memset (deep, '[', 100000);
  deep[100000] = '\0';
  CHECK (mien_json_check_shape (deep, 100000, MIEN_JSON_FILE_MAX_DEPTH,
                                1000000, "deep.json", &err)
             == MIEN_ERR_FORMAT
         && strstr (err.message, "nested deeper than 64 levels"),
         "100 000 '[': %s", err.message);
  free (deep);
}

static void
test_json_read (void)
{
  char *text = NULL;
  size_t n = 0;
  mien_error err = { 0 };
  FILE *f = fopen (at ("p.json"), "w");
  fputs ("{\"a\": 1}", f);
  fclose (f);
  CHECK (mien_json_file_read (at ("p.json"), 100, &text, &n, &err) == MIEN_OK
         && n == 8 && strcmp (text, "{\"a\": 1}") == 0, "%s", err.message);
  free (text);
  CHECK (mien_json_file_read (at ("p.json"), 7, &text, &n, &err)
             == MIEN_ERR_FORMAT
         && strstr (err.message, "over the limit of 7 bytes"), "%s",
         err.message);
  CHECK (mkfifo (at ("fifo.json"), 0600) == 0, "mkfifo");
  CHECK (mien_json_file_read (at ("fifo.json"), 100, &text, &n, &err)
             == MIEN_ERR_IO
         && strstr (err.message, "a named pipe"), "FIFO: %s", err.message);
  CHECK (mien_json_file_read (dir, 100, &text, &n, &err) == MIEN_ERR_IO
         && strstr (err.message, "a folder"), "folder: %s", err.message);
  CHECK (mien_json_file_read (at ("none.json"), 100, &text, &n, &err)
             == MIEN_ERR_IO
         && strstr (err.message, "No such file"), "missing: %s",
         err.message);
}

int
main (void)
{
  snprintf (dir, sizeof dir, "/tmp/mien-test-atomic-XXXXXX");
  if (mkdtemp (dir) == NULL)
    return 1;
  test_names ();
  test_sweep ();
  test_same_file ();
  test_json_shape ();
  test_json_read ();
  char cmd[128];
  snprintf (cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system (cmd) != 0)
    fprintf (stderr, "could not remove %s\n", dir);
  return mien_test_exit_code ();
}
