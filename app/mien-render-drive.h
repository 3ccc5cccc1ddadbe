/* SPDX-License-Identifier: GPL-3.0-or-later */
/* mien-render --drive: a photo driven by a video or another photo (issue
 * #23), in mien-render-drive.c. mien-render-tool.c only forwards the
 * options below and hands over when --drive is given. */
#pragma once

#include "mien-render-tool.h"

/* getopt values of the drive options (above mien-render-tool.c's own). */
enum {
  MIEN_DRIVE_OPT_DRIVE = 0x1000,
  MIEN_DRIVE_OPT_START,
  MIEN_DRIVE_OPT_END,
  MIEN_DRIVE_OPT_STRENGTH,
  MIEN_DRIVE_OPT_PARTS,
  MIEN_DRIVE_OPT_FACE,
  MIEN_DRIVE_OPT_STATS,
  MIEN_DRIVE_OPT_FILTER,
  MIEN_DRIVE_OPT_MOUTH,
};

#define MIEN_DRIVE_LONGOPTS                                                  \
  { "drive", required_argument, NULL, MIEN_DRIVE_OPT_DRIVE },                \
  { "start", required_argument, NULL, MIEN_DRIVE_OPT_START },                \
  { "end", required_argument, NULL, MIEN_DRIVE_OPT_END },                    \
  { "strength", required_argument, NULL, MIEN_DRIVE_OPT_STRENGTH },          \
  { "drive-parts", required_argument, NULL, MIEN_DRIVE_OPT_PARTS },          \
  { "drive-face", required_argument, NULL, MIEN_DRIVE_OPT_FACE },            \
  { "drive-stats", required_argument, NULL, MIEN_DRIVE_OPT_STATS },         \
  { "drive-filter", required_argument, NULL, MIEN_DRIVE_OPT_FILTER },        \
  { "drive-mouth", required_argument, NULL, MIEN_DRIVE_OPT_MOUTH }

/* One drive option; returns 0, or 2 after printing a usage error. */
int mien_render_drive_option (int code, const char *arg);
/* 1 when --drive was given. */
int mien_render_drive_wanted (void);
/* The whole --drive run with the common options already parsed (photo,
 * output, fps, scale, mode, generator, models, face, overwrite, quiet,
 * save_project); returns the exit code. */
int mien_render_drive_main (const options *opt);
