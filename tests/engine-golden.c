/* Golden-case helpers for the engine tests (engine-golden.h). */
#include "engine-golden.h"
#include <math.h>
#include "fl-engine-private.h"
#include "fl-npz.h"
#include "fl-test-util.h"

/* The case from its files; NULL (test skipped, or failed under CI) when one is missing. */
static GoldenCase *
golden_case_load_files (const char *name, const char *features, const char *params,
                        const char *config, const char *outputs, const char *recycles,
                        const FlRunOptions *engine_opts)
{
  if (!fl_test_require_file (features) || !fl_test_require_file (params)
      || !fl_test_require_file (config) || !fl_test_require_file (outputs)
      || !fl_test_require_file (recycles))
    return NULL;

  g_autoptr (GError) error = NULL;
  GoldenCase *g = g_new0 (GoldenCase, 1);
  g->name = name;
  g->params = fl_params_load (params, &error);
  g_assert_no_error (error);
  g_assert_true (fl_model_config_from_preset ("model_3_ptm", &g->cfg, &error));
  g_assert_true (fl_model_config_load_json (config, &g->cfg, &error));
  g_assert_true (fl_model_config_infer (&g->cfg, g->params, &error));
  g_assert_no_error (error);
  g->features = fl_features_load_npz (features, &error);
  g_assert_no_error (error);
  g->outputs = fl_npz_load (outputs, &error);
  g_assert_no_error (error);
  g->recycles = fl_npz_load (recycles, &error);
  g_assert_no_error (error);

  FlRunOptions opts;
  if (engine_opts)
    opts = *engine_opts;
  else
    {
      fl_run_options_init (&opts);
      opts.backend = FL_BACKEND_KIND_CPU;
      opts.n_threads = 2;
    }
  g->engine = fl_engine_new (g->params, &g->cfg, &opts, &error);
  g_assert_no_error (error);
  g_assert_nonnull (g->engine);
  return g;
}

GoldenCase *
golden_case_load (const char *name, const char *params_case, const char *params_file)
{
  g_autofree char *features = fl_test_golden_path (name, "features.npz");
  g_autofree char *params = fl_test_golden_path (params_case, params_file);
  g_autofree char *config = fl_test_golden_path (name, "config.json");
  g_autofree char *outputs = fl_test_golden_path (name, "outputs.npz");
  g_autofree char *recycles = fl_test_golden_path (name, "recycles.npz");
  return golden_case_load_files (name, features, params, config, outputs, recycles, NULL);
}

GoldenCase *
golden_case_load_dir (const char *name, const char *dir, const FlRunOptions *engine_opts)
{
  g_autofree char *features = g_build_filename (dir, "features.npz", NULL);
  g_autofree char *params = g_build_filename (dir, "params.npz", NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autofree char *outputs = g_build_filename (dir, "outputs.npz", NULL);
  g_autofree char *recycles = g_build_filename (dir, "recycles.npz", NULL);
  return golden_case_load_files (name, features, params, config, outputs, recycles, engine_opts);
}

void
golden_case_free (GoldenCase *g)
{
  if (!g)
    return;
  fl_engine_free (g->engine);
  fl_features_free (g->features);
  fl_arrays_unref (g->outputs);
  fl_arrays_unref (g->recycles);
  fl_params_unref (g->params);
  g_free (g);
}

const float *
golden_get (FlArrays *arrays, const char *key, int64_t *numel)
{
  FlArray *a = fl_arrays_lookup (arrays, key);
  if (!a)
    g_error ("golden key %s missing", key);
  g_assert_cmpint (a->dtype, ==, FL_DTYPE_F32);
  if (numel)
    *numel = fl_array_numel (a);
  return a->data;
}

void
golden_compare (FlResult *result, const char *key, FlArrays *golden,
                const char *golden_key, double tol, gboolean rel)
{
  FlArray *want = fl_arrays_lookup (golden, golden_key);
  FlArray *got = fl_arrays_lookup (result->arrays, key);
  g_autofree char *label = g_strdup_printf ("%s vs %s", key, golden_key);
  if (!want)
    {
      g_test_message ("%s: not in the golden file, skipped", golden_key);
      return;
    }
  if (!got)
    {
      g_test_fail_printf ("result has no %s", key);
      return;
    }
  if (fl_array_numel (got) != fl_array_numel (want))
    {
      g_test_fail_printf ("%s: %" G_GINT64_FORMAT " values, golden %" G_GINT64_FORMAT,
                          label, fl_array_numel (got), fl_array_numel (want));
      return;
    }
  if (rel)
    fl_test_assert_close (label, got->data, want->data, fl_array_numel (want), tol);
  else
    fl_test_assert_close_abs (label, got->data, want->data, fl_array_numel (want), tol);
}

FlResult *
golden_run_teacher_forced (GoldenCase *g, int r)
{
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.keep_representations = TRUE;
  const float *pos = NULL, *first_row = NULL, *pair = NULL;
  if (r > 0)
    {
      g_autofree char *k_pos = g_strdup_printf ("r%d/structure_module/final_atom_positions", r - 1);
      g_autofree char *k_row = g_strdup_printf ("r%d/representations/msa_first_row", r - 1);
      g_autofree char *k_pair = g_strdup_printf ("r%d/representations/pair", r - 1);
      pos = golden_get (g->recycles, k_pos, NULL);
      first_row = golden_get (g->recycles, k_row, NULL);
      pair = golden_get (g->recycles, k_pair, NULL);
    }
  g_autoptr (GError) error = NULL;
  FlResult *res = fl_engine_run_pass (g->engine, g->features, &opts, r, pos, first_row, pair,
                                      &error);
  g_assert_no_error (error);
  g_assert_nonnull (res);
  return res;
}

void
golden_check_pass (GoldenCase *g, FlResult *res, int r)
{
  static const struct { const char *key; double tol; gboolean rel; } checks[] = {
    { "representations/msa_first_row", 1e-4, TRUE },
    { "representations/pair", 1e-4, TRUE },
    { "representations/single", 1e-4, TRUE },
    { "representations/structure_module", 1e-4, TRUE },
    { "structure_module/final_atom_positions", 0.01, FALSE },
    { "structure_module/final_atom14_positions", 0.01, FALSE },
    { "predicted_lddt/logits", 1e-4, TRUE },
    { "plddt", 0.01, FALSE },
    { "ptm", 1e-4, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (checks); i++)
    {
      g_autofree char *key = g_strdup_printf ("r%d/%s", r, checks[i].key);
      golden_compare (res, key, g->recycles, key, checks[i].tol, checks[i].rel);
    }
  /* final_affines: quaternion sign is arbitrary only when w = 0; compare the translations. */
  g_autofree char *k_aff = g_strdup_printf ("r%d/structure_module/final_affines", r);
  const float *want = golden_get (g->recycles, k_aff, NULL);
  const float *got = fl_result_get (res, k_aff);
  g_assert_nonnull (got);
  int L = g->features->L;
  g_autofree float *gt = g_new (float, L * 3), *wt = g_new (float, L * 3);
  for (int i = 0; i < L; i++)
    for (int x = 0; x < 3; x++)
      {
        gt[i * 3 + x] = got[i * 7 + 4 + x];
        wt[i * 3 + x] = want[i * 7 + 4 + x];
      }
  g_autofree char *label = g_strdup_printf ("%s (translation)", k_aff);
  fl_test_assert_close_abs (label, gt, wt, L * 3, 0.01);
}

void
golden_check_final (GoldenCase *g, FlResult *res, double tol_pos, double tol_plddt,
                    double tol_rel, double tol_pae, double tol_ptm, gboolean check_pae)
{
  static const char *rel_keys[] = {
    "representations/msa", "representations/msa_first_row", "representations/pair",
    "representations/single", "representations/structure_module",
    "distogram/logits", "distogram/bin_edges", "masked_msa/logits",
    "experimentally_resolved/logits", "predicted_lddt/logits",
    "structure_module/sidechains/angles_sin_cos",
    "structure_module/sidechains/unnormalized_angles_sin_cos",
  };
  static const char *pos_keys[] = {
    "structure_module/final_atom_positions", "structure_module/final_atom14_positions",
    "structure_module/sidechains/atom_pos", "structure_module/sidechains/frames/trans",
  };
  static const char *exact_keys[] = {
    "structure_module/final_atom_mask", "structure_module/final_atom14_mask",
  };
  for (guint i = 0; i < G_N_ELEMENTS (rel_keys); i++)
    golden_compare (res, rel_keys[i], g->outputs, rel_keys[i], tol_rel, TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (pos_keys); i++)
    golden_compare (res, pos_keys[i], g->outputs, pos_keys[i], tol_pos, FALSE);
  for (guint i = 0; i < G_N_ELEMENTS (exact_keys); i++)
    golden_compare (res, exact_keys[i], g->outputs, exact_keys[i], 0, FALSE);
  golden_compare (res, "confidence/plddt", g->outputs, "confidence/plddt", tol_plddt, FALSE);
  if (check_pae)
    {
      golden_compare (res, "predicted_aligned_error/logits", g->outputs,
                      "predicted_aligned_error/logits", tol_rel, TRUE);
      /* jnp.linspace may round a break 1 ulp differently (1.9e-6 at 17 Å). */
      golden_compare (res, "predicted_aligned_error/breaks", g->outputs,
                      "predicted_aligned_error/breaks", 4e-6, FALSE);
      golden_compare (res, "confidence/predicted_aligned_error", g->outputs,
                      "confidence/predicted_aligned_error", tol_pae, FALSE);
      golden_compare (res, "confidence/max_predicted_aligned_error", g->outputs,
                      "confidence/max_predicted_aligned_error", 1e-5, FALSE);
      golden_compare (res, "confidence/aligned_confidence_probs", g->outputs,
                      "confidence/aligned_confidence_probs", tol_rel * 10, FALSE);
      golden_compare (res, "confidence/ptm", g->outputs, "confidence/ptm", tol_ptm, FALSE);
    }
}

void
golden_check_recycle0 (GoldenCase *g)
{
  g_autoptr (FlResult) res = golden_run_teacher_forced (g, 0);
  golden_check_pass (g, res, 0);
}

void
golden_check_teacher_forced (GoldenCase *g, int n_passes)
{
  for (int r = 1; r < n_passes; r++)
    {
      g_autoptr (FlResult) res = golden_run_teacher_forced (g, r);
      golden_check_pass (g, res, r);
      /* The last pass with the golden previous state is the official final result. */
      if (r == n_passes - 1)
        golden_check_final (g, res, 0.01, 0.01, 1e-4, 0.01, 1e-4, TRUE);
    }
}

void
golden_check_free_run (GoldenCase *g, int n_passes, gboolean check_pae)
{
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.keep_representations = TRUE;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlResult) res = fl_engine_run (g->engine, g->features, &opts, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (res->n_passes, ==, n_passes);
  g_assert_false (res->stopped_early);
  g_test_message ("%s free run (no teacher forcing), what it reaches:", g->name);
  /* Rounding differences compound through recycling (recycled positions are
   * binned, so rounding can flip a bin): loose bounds, numbers printed. */
  golden_check_final (g, res, 0.05, 0.05, 1e-3, 0.05, 1e-3, check_pae);
  for (int r = 0; r < n_passes; r++)
    {
      g_autofree char *k = g_strdup_printf ("r%d/plddt", r);
      golden_compare (res, k, g->recycles, k, 0.05, FALSE);
    }
}
