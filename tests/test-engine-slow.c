/* The engine on the real-dimension golden cases (slow suite):
 * realdim: recycle 0, each teacher-forced recycle, the free run;
 * single (query only, no extra rows: the 1e-3 OPM epsilon case): recycle 0
 * and the free run (its golden files hold no pair to teacher-force with;
 * PAE / pTM saturate there and are not judged, as the golden README says). */
#include <glib.h>
#include "engine-golden.h"
#include "fl-engine-private.h"
#include "fl-test-util.h"

static GoldenCase *realdim, *single;

static GoldenCase *
get_realdim (void)
{
  if (!realdim)
    realdim = golden_case_load ("realdim", "realdim", "params_realdim.npz");
  return realdim;
}

static GoldenCase *
get_single (void)
{
  if (!single)
    single = golden_case_load ("single", "realdim", "params_realdim.npz");
  return single;
}

static void
test_realdim_recycle0 (void)
{
  GoldenCase *g = get_realdim ();
  if (g)
    golden_check_recycle0 (g);
}

static void
test_realdim_teacher_forced (void)
{
  GoldenCase *g = get_realdim ();
  if (g)
    golden_check_teacher_forced (g, 3);
}

static void
test_realdim_free_run (void)
{
  GoldenCase *g = get_realdim ();
  if (g)
    golden_check_free_run (g, 3, TRUE);
}

static void
test_single_recycle0 (void)
{
  GoldenCase *g = get_single ();
  if (g)
    golden_check_recycle0 (g);
}

static void
test_single_free_run (void)
{
  GoldenCase *g = get_single ();
  if (g)
    golden_check_free_run (g, 3, FALSE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/engine/realdim/recycle0", test_realdim_recycle0);
  g_test_add_func ("/model/engine/realdim/teacher-forced", test_realdim_teacher_forced);
  g_test_add_func ("/model/engine/realdim/free-run", test_realdim_free_run);
  g_test_add_func ("/model/engine/single/recycle0", test_single_recycle0);
  g_test_add_func ("/model/engine/single/free-run", test_single_free_run);
  int rc = g_test_run ();
  golden_case_free (realdim);
  golden_case_free (single);
  return rc;
}
