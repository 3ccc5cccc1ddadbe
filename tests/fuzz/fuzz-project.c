/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libFuzzer target: project files (mien_project_load_from_data: the depth
 * and value pre-scan, json-glib, the schema). The project names its photo
 * relative to the fuzzer's folder, where "p.png" exists, so inputs get past
 * the photo check into the timeline. A project that loads is saved and
 * loaded again: the round trip must succeed. */
#include "fuzz-common.h"
#include "io/mien-project.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static char path[128], saved[128];
  if (path[0] == '\0')
    {
      fuzz_write ("p.png", (const uint8_t *)"x", 1);
      snprintf (path, sizeof path, "%s/fuzz.mien", fuzz_dir ());
      snprintf (saved, sizeof saved, "%s/saved.mien", fuzz_dir ());
    }
  mien_error err = { 0 };
  mien_project p;
  mien_project_init (&p);
  if (mien_project_load_from_data ((const char *)data, size, path, &p, &err)
      != MIEN_OK)
    {
      fuzz_check_refusal (&err);
      mien_project_clear (&p);
      return 0;
    }
  mien_timeline *tl = mien_project_build_timeline (&p, &err);
  if (tl == NULL)
    abort (); /* loading checked it */
  mien_timeline_free (tl);
  mien_project q;
  mien_project_init (&q);
  if (mien_project_save (&p, saved, &err) != MIEN_OK
      || mien_project_load (saved, &q, &err) != MIEN_OK)
    {
      fprintf (stderr, "round trip failed: %s\n", err.message);
      abort ();
    }
  if (q.n_keyframes != p.n_keyframes || q.face != p.face)
    abort ();
  mien_project_clear (&q);
  mien_project_clear (&p);
  return 0;
}
