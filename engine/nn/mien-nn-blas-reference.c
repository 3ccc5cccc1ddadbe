/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine-only build (-Dengine_only=true) links the reference BLAS,
 * which has no threads to set: the CPU backend's call is a no-op there. */
void openblas_set_num_threads (int n);

void
openblas_set_num_threads (int n)
{
  (void)n;
}

/* Not OpenBLAS: no kernels to choose (mien_nn_blas_better_core). */
char *openblas_get_corename (void);

char *
openblas_get_corename (void)
{
  return (char *)"reference";
}
