/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-landmarks JSON: the fixtures load; malformed files are refused with
 * a message, never half-filled. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/mien-landmarks-io.h"
#include "mien-test.h"

static const char *
write_tmp (const char *text)
{
  static char path[] = "/tmp/mien-landmarks-test-XXXXXX";
  strcpy (path, "/tmp/mien-landmarks-test-XXXXXX");
  int fd = mkstemp (path);
  FILE *f = fdopen (fd, "w");
  fputs (text, f);
  fclose (f);
  return path;
}

static void
test_fixture (const char *root)
{
  char path[4096];
  mien_landmark_file lf;
  mien_error err = { 0 };
  snprintf (path, sizeof path, "%s/tests/data/landmarks/sample5.json", root);
  CHECK (mien_landmark_file_load (path, &lf, &err) == MIEN_OK, "%s", err.message);
  CHECK (lf.width == 1920 && lf.n_faces == 5, "sample5: %d×%d, %d faces", lf.width,
         lf.height, lf.n_faces);
  for (int i = 0; i < lf.n_faces; i++)
    CHECK (lf.faces[i].score > 0.5f && lf.faces[i].landmarks[36].x < lf.faces[i].landmarks[45].x,
           "face %d plausible", i);
  CHECK (mien_landmark_file_largest_face (&lf) >= 0, "largest face");
  mien_landmark_file_clear (&lf);
}

static void
test_bad (void)
{
  static const char *const bad[] = {
    "",
    "[]",
    "{\"format\": \"other\", \"version\": 1, \"width\": 10, \"height\": 10, \"faces\": []}",
    "{\"format\": \"mien-landmarks\", \"version\": 2, \"width\": 10, \"height\": 10, \"faces\": []}",
    "{\"format\": \"mien-landmarks\", \"version\": 1, \"width\": -3, \"height\": 10, \"faces\": []}",
    "{\"format\": \"mien-landmarks\", \"version\": 1, \"width\": 10, \"height\": 10}",
    "{\"format\": \"mien-landmarks\", \"version\": 1, \"width\": 10, \"height\": 10, "
    "\"faces\": [{\"box\": [1, 2, 3, 4], \"landmarks\": [[1, 2]]}]}",
    "{\"format\": \"mien-landmarks\", \"version\": 1, \"width\": 10, \"height\": 10, "
    "\"faces\": [{\"box\": [1, 2, 3], \"landmarks\": []}]}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
    {
      mien_landmark_file lf;
      mien_error err = { 0 };
      const char *p = write_tmp (bad[i]);
      CHECK (mien_landmark_file_load (p, &lf, &err) != MIEN_OK && err.message[0]
                 && lf.faces == NULL,
             "bad file %zu accepted", i);
      remove (p);
    }
  mien_landmark_file lf;
  mien_error err = { 0 };
  const char *p = write_tmp ("{\"format\": \"mien-landmarks\", \"version\": 1, "
                             "\"width\": 10, \"height\": 10, \"faces\": []}");
  CHECK (mien_landmark_file_load (p, &lf, &err) == MIEN_OK && lf.n_faces == 0,
         "no faces is valid: %s", err.message);
  CHECK (mien_landmark_file_largest_face (&lf) == -1, "no largest face");
  mien_landmark_file_clear (&lf);
  remove (p);
  CHECK (mien_landmark_file_load ("/nonexistent/x.json", &lf, &err) == MIEN_ERR_IO,
         "missing file is an I/O error: %s", err.message);
}

int
main (void)
{
  const char *root = getenv ("MIEN_SOURCE_ROOT");
  test_fixture (root ? root : ".");
  test_bad ();
  return mien_test_exit_code ();
}
