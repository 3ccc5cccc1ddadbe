/* SPDX-License-Identifier: GPL-3.0-or-later */
/* libmien: the Mien engine. Plain C17; see docs/ARCHITECTURE.md. */
#pragma once

#include "mien-clip.h"
#include "mien-error.h"
#include "mien-image.h"
#include "mien-pool.h"
#include "mien-resample.h"
#include "mien-reswarp.h"
#include "mien-timeline.h"
