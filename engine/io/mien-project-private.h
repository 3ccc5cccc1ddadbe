/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Internal: what reading and writing a project share (mien-project.h).
 *
 *   mien-project.c          the project's life, its timeline, the enums
 *   mien-expression-spec.c  expressions and keyframes as text ("happy@0.8",
 *                           "1.5:12=3,6=2")
 *   mien-project-read.c     loading, with every field checked
 *   mien-project-write.c    saving */
#pragma once

#include "mien-project.h"

/* mien_export_scale's names in a project file, in the enum's order. */
extern const char *const project_scale_names[3];
/* The scale of a name in project_scale_names, or -1. */
int project_scale_from_string (const char *name);
