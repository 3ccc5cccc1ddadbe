/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define MIEN_TYPE_APPLICATION (mien_application_get_type ())
G_DECLARE_FINAL_TYPE (MienApplication, mien_application, MIEN, APPLICATION,
                      AdwApplication)

MienApplication *mien_application_new (void);

G_END_DECLS
