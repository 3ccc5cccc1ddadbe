/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <glib/gi18n.h>
#include <locale.h>

#include "mien-application.h"
#include "mien-cli.h"

int
main (int argc, char **argv)
{
  mien_cli_use_fast_blas (argv);
  setlocale (LC_ALL, "");
  /* $MIEN_LOCALEDIR lets an uninstalled build use its own catalogues. */
  const char *localedir = g_getenv ("MIEN_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : MIEN_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_autoptr (MienApplication) app = mien_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
