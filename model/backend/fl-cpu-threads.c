/* OpenMP's wait policy for the CPU backend, chosen before the runtime starts.
 *
 * GNU OpenMP's default lets a thread that reaches the end of a parallel
 * region spin (up to 300,000 iterations) before it sleeps, and idle workers
 * spin between regions. The CPU backend runs thousands of regions per pass,
 * with serial work in between, on a machine whose two cores are also the
 * GUI's and everything else's: the spinning worker takes a core from the
 * thread with work, and a barrier waits for a descheduled partner. Measured
 * on the 2-core development machine under load: `foldlight-cli bench
 * --backend cpu --lengths 8 --msa single` 30.3 s per pass with the default,
 * 0.70 s with OMP_WAIT_POLICY=passive (threads sleep at once). The runtime
 * reads the variable when it is loaded, before main(), so the program sets
 * it and runs itself again. */
#include "fl-backend.h"
#include <stdlib.h>
#include <unistd.h>

void
fl_cpu_threads_prepare (char **argv)
{
  if (g_getenv ("OMP_WAIT_POLICY") != NULL)
    return;   /* the user's choice, or this is the second run */
  g_setenv ("OMP_WAIT_POLICY", "passive", TRUE);
  execv ("/proc/self/exe", argv);
  /* exec failed (no /proc): carry on with the runtime's default policy */
}
