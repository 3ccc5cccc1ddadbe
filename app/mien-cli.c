/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "mien-cli.h"

#include <libintl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/mien-model-dir.h"
#include "mien-memory.h"
#include "nn/mien-nn-cpu.h"

#include <unistd.h>

/* Weak: a tool without the networks (mien-reswarp) does not link
 * engine/nn, and has no BLAS to speed up. */
extern const char *mien_nn_blas_better_core (void) __attribute__ ((weak));

void
mien_cli_use_fast_blas (char **argv)
{
  if (mien_nn_blas_better_core == NULL)
    return;
  const char *core = mien_nn_blas_better_core ();
  /* Not under valgrind: its child would run outside it. */
  const char *preload = getenv ("LD_PRELOAD");
  if (core == NULL || (preload != NULL && strstr (preload, "vgpreload")))
    return;
  if (setenv ("OPENBLAS_CORETYPE", core, 1) != 0)
    return;
  execv ("/proc/self/exe", argv);
  /* Could not start again: carry on with the kernels OpenBLAS chose (the
   * variable stays set, which only matters to programs started from here). */
}

void
mien_cli_start (const char *name, int argc, char **argv)
{
  mien_cli_use_fast_blas (argv);
  for (int i = 1; i < argc && strcmp (argv[i], "--") != 0; i++)
    if (strcmp (argv[i], "--version") == 0)
      {
        printf ("%s %s\n", name, MIEN_VERSION);
        exit (fflush (stdout) == 0 && !ferror (stdout) ? 0 : 1);
      }
  signal (SIGXFSZ, SIG_IGN);
  /* Messages and character types follow the user, as in the app. Numbers do
   * not: these tools print numbers for machines (mien-faces --json,
   * mien-eval's TSVs, mien-render --drive-stats, mien-calibrate's table), and
   * a German LC_NUMERIC would make printf write "0,5" there. Files are read
   * through mien_strtod_c, but printf has no such twin, so LC_NUMERIC stays
   * "C" for the whole process. */
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  /* $MIEN_LOCALEDIR lets an uninstalled build use its own catalogues. */
  const char *localedir = getenv ("MIEN_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir ? localedir : MIEN_LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

int
mien_cli_take_common_options (const char *program, int *argc, char **argv)
{
  int out = 1, i = 1, past_dashes = 0;
  while (i < *argc)
    {
      const char *a = argv[i];
      if (!past_dashes && strcmp (a, "--") == 0)
        past_dashes = 1;
      const char *value = NULL;
      int used = 0;
      if (!past_dashes && strcmp (a, "--memory-limit") == 0)
        {
          if (i + 1 >= *argc)
            return mien_cli_usage_error (program,
                                         "--memory-limit needs a size", NULL);
          value = argv[i + 1], used = 2;
        }
      else if (!past_dashes && strncmp (a, "--memory-limit=", 15) == 0)
        value = a + 15, used = 1;
      if (used == 0)
        {
          argv[out++] = argv[i++];
          continue;
        }
      uint64_t bytes = 0;
      if (!mien_parse_byte_size (value, &bytes))
        return mien_cli_usage_error (
            program, "--memory-limit wants a size such as 8G or 512M", value);
      mien_memory_set_cap (bytes);
      i += used;
    }
  *argc = out;
  argv[out] = NULL;
  return 0;
}

int
mien_cli_main (const char *name, int argc, char **argv, void *options,
               mien_cli_parse_func parse, mien_cli_run_func run)
{
  mien_cli_start (name, argc, argv);
  int rc = mien_cli_take_common_options (name, &argc, argv);
  if (rc != 0)
    return rc;
  rc = parse (argc, argv, options);
  return rc != 0 ? rc : run (options);
}

int
mien_cli_usage_error (const char *program, const char *message,
                      const char *arg)
{
  fprintf (stderr, "%s: %s%s%s\nTry '%s --help'.\n", program, message,
           arg ? ": " : "", arg ? arg : "", program);
  return 2;
}

double
mien_cli_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

const char *
mien_cli_find_models (const char *program, const char *given)
{
  const char *dir = given ? given : mien_model_dir_find ();
  if (dir == NULL)
    fprintf (stderr,
             "%s: the face models are missing (run scripts/fetch-assets.sh "
             "or set MIEN_MODEL_DIR), or pass --models DIR\n",
             program);
  return dir;
}

/* An export interrupted by a signal: the frame loop sees it after the frame
 * in progress, aborts the exporter (which removes the temporary, so an
 * earlier file at the target stays as it was) and the signal is raised
 * again with its default action. SA_RESETHAND: a second Ctrl-C kills at
 * once, and the next export into that folder sweeps away what was left
 * (mien-atomic-file.h). */
static volatile sig_atomic_t stop_signal;

static void
on_stop_signal (int sig)
{
  stop_signal = sig;
}

void
mien_cli_catch_stop_signals (void)
{
  struct sigaction sa = { 0 };
  sa.sa_handler = on_stop_signal;
  sa.sa_flags = SA_RESETHAND;
  sigemptyset (&sa.sa_mask);
  const int signals[] = { SIGINT, SIGTERM, SIGHUP };
  for (size_t i = 0; i < sizeof signals / sizeof *signals; i++)
    sigaction (signals[i], &sa, NULL);
}

int
mien_cli_stop_signal (void)
{
  return stop_signal;
}

const char *
mien_cli_stop_signal_name (void)
{
  return stop_signal == SIGINT    ? "SIGINT"
         : stop_signal == SIGTERM ? "SIGTERM"
                                  : "SIGHUP";
}

void
mien_cli_reraise_stop_signal (void)
{
  int sig = stop_signal;
  if (sig == 0)
    return;
  signal (sig, SIG_DFL);
  raise (sig);
}
