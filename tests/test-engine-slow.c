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
check_free_run (GoldenCase *g, gboolean check_pae)
{
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.keep_representations = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlResult) res = fl_engine_run (g->engine, g->features, &opts, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (res->n_passes, ==, 3);
  g_test_message ("%s free run (no teacher forcing), what it reaches:", g->name);
  /* Held to loose bounds (recycled positions are binned, so rounding can
   * flip a bin); the numbers are printed. */
  golden_check_final (g, res, 0.05, 0.05, 1e-3, 0.05, 1e-3, check_pae);
  for (int r = 0; r < 3; r++)
    {
      g_autofree char *k = g_strdup_printf ("r%d/plddt", r);
      golden_compare (res, k, g->recycles, k, 0.05, FALSE);
    }
}

static void
test_realdim_recycle0 (void)
{
  GoldenCase *g = get_realdim ();
  if (!g)
    return;
  g_autoptr (FlResult) res = golden_run_teacher_forced (g, 0);
  golden_check_pass (g, res, 0);
}

static void
test_realdim_teacher_forced (void)
{
  GoldenCase *g = get_realdim ();
  if (!g)
    return;
  for (int r = 1; r <= 2; r++)
    {
      g_autoptr (FlResult) res = golden_run_teacher_forced (g, r);
      golden_check_pass (g, res, r);
      if (r == 2)
        golden_check_final (g, res, 0.01, 0.01, 1e-4, 0.01, 1e-4, TRUE);
    }
}

static void
test_realdim_free_run (void)
{
  GoldenCase *g = get_realdim ();
  if (g)
    check_free_run (g, TRUE);
}

static void
test_single_recycle0 (void)
{
  GoldenCase *g = get_single ();
  if (!g)
    return;
  g_autoptr (FlResult) res = golden_run_teacher_forced (g, 0);
  golden_check_pass (g, res, 0);
}

static void
test_single_free_run (void)
{
  GoldenCase *g = get_single ();
  if (g)
    check_free_run (g, FALSE);
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
