/* SPDX-License-Identifier: GPL-3.0-or-later */
/* OpenBLAS's kernels (mien_nn_blas_better_core, mien_cli_use_fast_blas):
 * after the start-up every tool makes, OpenBLAS runs kernels for the CPU's
 * widest vectors, not the generic SSE3 ones it falls back to on a CPU newer
 * than the library. On this development machine (an Intel Xeon of model
 * 207 with AVX-512, unknown to Debian 12's OpenBLAS 0.3.21) that takes a
 * re-execution with $OPENBLAS_CORETYPE=SkylakeX; on a CPU OpenBLAS knows
 * nothing changes. A user's $OPENBLAS_CORETYPE is left alone. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mien-cli.h"
#include "mien-test.h"
#include "nn/mien-nn-cpu.h"

static int
generic (const char *core)
{
  static const char *const names[] = { "Prescott", "Core2", "Penryn",
                                       "Dunnington", "Nehalem", "Atom",
                                       "Nano", "Banias", "Katmai" };
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (strcasecmp (core, names[i]) == 0)
      return 1;
  return 0;
}

int
main (int argc, char **argv)
{
  (void)argc;
  /* What the process was started with, before any re-execution. */
  const char *given = getenv ("MIEN_TEST_GIVEN_CORETYPE");
  if (given == NULL)
    {
      const char *now = getenv ("OPENBLAS_CORETYPE");
      setenv ("MIEN_TEST_GIVEN_CORETYPE", now ? now : "", 1);
      given = now ? now : "";
    }
  mien_cli_use_fast_blas (argv);
  const char *core = openblas_get_corename ();
  const char *set = getenv ("OPENBLAS_CORETYPE");
  printf ("started with OPENBLAS_CORETYPE='%s'; OpenBLAS runs '%s' kernels "
          "(OPENBLAS_CORETYPE now '%s')\n", given, core, set ? set : "");
  __builtin_cpu_init ();
  int wide = __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
  if (given[0] == '\0')
    {
      CHECK (!wide || !generic (core),
             "the CPU has AVX2 and FMA, but OpenBLAS runs its generic '%s' "
             "kernels", core);
      CHECK (mien_nn_blas_better_core () == NULL,
             "after the start-up there is still a better core (%s)",
             mien_nn_blas_better_core ());
    }
  else
    CHECK (set != NULL && strcmp (set, given) == 0
               && mien_nn_blas_better_core () == NULL,
           "the user's OPENBLAS_CORETYPE=%s was changed to %s", given,
           set ? set : "(unset)");
  return mien_test_exit_code ();
}
