/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The start-up every command-line tool shares (mien-render, mien-reswarp,
 * mien-faces, mien-eval, mien-calibrate): signals, locale, --version, the
 * face-model lookup, and the stop signals of a long export. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Starts the program again (execv of /proc/self/exe, same arguments) with
 * $OPENBLAS_CORETYPE set when OpenBLAS chose generic kernels for a CPU it
 * does not know but whose vector units have better ones
 * (mien_nn_blas_better_core); returns when there is nothing to change or
 * the restart fails. Call before anything else in main: mien_cli_start
 * does. */
void mien_cli_use_fast_blas (char **argv);

/* Call first in main. Re-executes for faster BLAS kernels where that helps
 * (mien_cli_use_fast_blas). Prints "NAME VERSION" and exits 0 when any argument
 * before a "--" is --version. Ignores SIGXFSZ (past a file-size limit a
 * write fails and the temporary is cleaned up, instead of the process being
 * killed with it left behind). Sets the user's locale for messages and
 * character types, but keeps LC_NUMERIC at "C": see mien-cli.c. */
void mien_cli_start (const char *name, int argc, char **argv);

/* A tool's whole main: mien_cli_start (name), then parse, which fills
 * *options from the command line and returns 0, or the exit code after
 * saying why (2 for a usage error); then run (options), whose exit code is
 * the tool's. */
typedef int (*mien_cli_parse_func) (int argc, char **argv, void *options);
typedef int (*mien_cli_run_func) (void *options);
int mien_cli_main (const char *name, int argc, char **argv, void *options,
                   mien_cli_parse_func parse, mien_cli_run_func run);

/* Options every tool takes, handled by mien_cli_main before the tool's
 * own parser sees the command line (they are taken out of argv):
 *   --memory-limit SIZE  the memory cap of mien-memory.h ("8G", "512M")
 *   --version            (mien_cli_start)
 * Each tool's --help lists them with this text. */
#define MIEN_CLI_COMMON_HELP                                                   \
  "      --memory-limit SIZE  refuse a photo or face that would need more "    \
  "memory,\n"                                                                 \
  "                        e.g. 8G or 512M (default: $MIEN_MEMORY_LIMIT, "      \
  "else half\n"                                                               \
  "                        of the computer's memory)\n"                        \
  "      --version         print the version and exit\n"

/* Takes the common options out of argv (before any "--"), applying them;
 * returns 0, or 2 after a usage error. */
int mien_cli_take_common_options (const char *program, int *argc,
                                  char **argv);

/* A usage error on stderr, "PROGRAM: MESSAGE: ARG" (no ": ARG" when arg is
 * NULL) and "Try 'PROGRAM --help'."; returns 2, the exit code of one. */
int mien_cli_usage_error (const char *program, const char *message,
                          const char *arg);

/* Seconds on the monotonic clock, for the times the tools print. */
double mien_cli_now (void);

/* The model folder: `given` (--models) if not NULL, else the usual lookup
 * (mien_model_dir_find). NULL, after saying so on stderr as PROGRAM: …,
 * when there is none. */
const char *mien_cli_find_models (const char *program, const char *given);

/* SIGINT, SIGTERM and SIGHUP: the handler only notes the signal (reset to
 * the default action after the first, so a second Ctrl-C kills at once).
 * A frame loop polls mien_cli_stop_signal and, once it has cleaned up,
 * calls mien_cli_reraise_stop_signal so the caller sees how it ended. */
void mien_cli_catch_stop_signals (void);
/* 0, or the signal caught. */
int mien_cli_stop_signal (void);
/* "SIGINT", "SIGTERM" or "SIGHUP". */
const char *mien_cli_stop_signal_name (void);
/* Raises the caught signal again with its default action; returns only if
 * none was caught. */
void mien_cli_reraise_stop_signal (void);

#ifdef __cplusplus
}
#endif
