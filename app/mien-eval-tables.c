/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-eval's output folder: images/ and the six tab-separated tables that
 * scripts/quality-report.py reads (their columns are the headers below). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mien-eval-tool.h"

void
mien_eval_skip (outputs *out, const char *path, const char *reason)
{
  fprintf (out->skipped, "%s\t%s\n", path, reason);
  fflush (out->skipped);
}

static FILE *
open_table (const char *dir, const char *name, const char *header)
{
  char path[4096];
  snprintf (path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen (path, "w");
  if (!f)
    fprintf (stderr, "%s: cannot write %s: %s\n", program, path,
             strerror (errno));
  else
    fprintf (f, "%s\n", header);
  return f;
}

/* mkdir -p: the folder and any missing parents. */
static int
make_dirs (const char *path)
{
  char buf[4096];
  snprintf (buf, sizeof buf, "%s", path);
  for (char *p = buf + 1; *p; p++)
    if (*p == '/')
      {
        *p = '\0';
        if (mkdir (buf, 0777) != 0 && errno != EEXIST)
          return 0;
        *p = '/';
      }
  return mkdir (buf, 0777) == 0 || errno == EEXIST;
}

int
mien_eval_open_outputs (const char *dir, outputs *out)
{
  char images[4096];
  snprintf (images, sizeof images, "%s/images", dir);
  if (!make_dirs (images))
    {
      fprintf (stderr, "%s: cannot create %s: %s\n", program, images,
               strerror (errno));
      return 0;
    }
  out->metrics = open_table (dir, "metrics.tsv",
    "photo\twidth\theight\tface\tcrop\thd\tpreset\tclass\tp_source\t"
    "p_result\tresult_top\tfound\tiou\tcosine\tdistance\thf_all\thf_finest\t"
    "lapvar_source\tlapvar_result\tgrad_source\tgrad_result\tms_frame");
  out->anim = open_table (dir, "animation.tsv",
    "photo\twidth\theight\tface\tcrop\tpreset\tmode\tframes\twarp_mean\t"
    "warp_max\tplain_mean\tshuffled_warp_mean\tms_frame");
  out->cost = open_table (dir, "cost.tsv",
    "photo\twidth\theight\tface\tcrop\thd\tms_prep\tms_frame_median\t"
    "peak_mb");
  out->skipped = open_table (dir, "skipped.tsv", "photo\treason");
  out->images = open_table (dir, "images.tsv",
    "photo\tface\tpreset\tcrop_w\tcrop_h\troi_x\troi_y\troi_w\troi_h\t"
    "eye_r_x\teye_r_y\teye_l_x\teye_l_y\tmouth_x\tmouth_y");
  out->faces = open_table (dir, "faces.tsv",
    "photo\twidth\theight\tface\tx\ty\tw\th\tscore\ttop");
  return out->metrics && out->anim && out->cost && out->skipped && out->images
         && out->faces;
}

void
mien_eval_close_outputs (outputs *out)
{
  FILE *all[] = { out->metrics, out->anim, out->cost, out->skipped,
                  out->images, out->faces };
  for (size_t i = 0; i < sizeof all / sizeof *all; i++)
    if (all[i])
      fclose (all[i]);
}
