/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The engine-only build (-Dengine_only=true) links the reference BLAS,
 * which has no threads to set: the CPU backend's call is a no-op there. */
void openblas_set_num_threads (int n);

void
openblas_set_num_threads (int n)
{
  (void)n;
}
