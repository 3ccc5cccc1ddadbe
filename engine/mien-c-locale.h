/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Numbers in files are C-locale whatever the user's locale is: the app calls
 * setlocale (LC_ALL, "") for its translations, after which plain strtod reads
 * "0.5" as 0 in de_DE (the decimal separator is ','). Every number Mien reads
 * from a file, a model, a project or a command-line spec goes through here. */
#pragma once

#include <stddef.h>

/* strtod in the C locale: '.' is the decimal point, whatever LC_NUMERIC is. */
double mien_strtod_c (const char *text, char **end);
