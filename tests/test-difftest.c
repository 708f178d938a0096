/* The kept differential-test cases (tests/data/difftest/, made by
 * tools/difftest.py from DeepMind's code on random small configurations):
 * every recycle teacher-forced from DeepMind's previous state, the last
 * against the full outputs, and the free run where the case is
 * well-conditioned (meta.json). Built twice: `difftest` (CPU, slow suite)
 * and, with FL_DIFFTEST_CUDA, `difftest-cuda` (gpu suite: every precision
 * mode; skipped only without a CUDA device). */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include "engine-golden.h"
#include "fl-build-config.h"
#include "fl-test-util.h"

typedef struct {
  char *name;
  char *dir;
  int num_recycle;
  gboolean well_conditioned;
} DiffCase;

/* fp32 (CPU and CUDA): the golden tests' tolerances (positions and PAE in
 * Å, pLDDT in points, pTM absolute, the rest relative to the array's max
 * |value|), every pass, and the free run at ten times them. The tensor-core
 * modes (CUDA tf32, bf16): the bounds of the GPU precision test, what a
 * user could not tell apart (pLDDT within 1 point, atom RMSD within 10 % of
 * the chain's RMS radius), on the last teacher-forced pass, with every
 * output's error printed (docs/difftest.md). */
typedef struct {
  FlPrecision precision;
  gboolean exact;
} Mode;

#ifndef FL_DIFFTEST_CUDA
static const Mode fp32_mode = { FL_PRECISION_FP32, TRUE };
#else
static const Mode cuda_modes[] = {
  { FL_PRECISION_FP32, TRUE },
  { FL_PRECISION_TF32, FALSE },
  { FL_PRECISION_BF16, FALSE },
};
#endif

static void
diff_case_free (gpointer p)
{
  DiffCase *c = p;
  g_free (c->name);
  g_free (c->dir);
  g_free (c);
}

/* The cases in tests/data/difftest, sorted by name. They travel with the
 * repository, so none found is a failure. */
static GPtrArray *
load_cases (void)
{
  g_autofree char *root = g_build_filename (FL_SOURCE_DIR, "tests", "data", "difftest", NULL);
  GPtrArray *cases = g_ptr_array_new_with_free_func (diff_case_free);
  g_autoptr (GDir) d = g_dir_open (root, 0, NULL);
  const char *entry;
  while (d && (entry = g_dir_read_name (d)))
    {
      g_autofree char *dir = g_build_filename (root, entry, NULL);
      g_autofree char *meta = g_build_filename (dir, "meta.json", NULL);
      if (!g_file_test (meta, G_FILE_TEST_EXISTS))
        continue;
      g_autoptr (JsonParser) parser = json_parser_new ();
      g_autoptr (GError) error = NULL;
      if (!json_parser_load_from_file (parser, meta, &error))
        g_error ("%s: %s", meta, error->message);
      JsonObject *o = json_node_get_object (json_parser_get_root (parser));
      DiffCase *c = g_new0 (DiffCase, 1);
      c->name = g_strdup (entry);
      c->dir = g_steal_pointer (&dir);
      c->num_recycle = (int) json_object_get_int_member (o, "num_recycle");
      c->well_conditioned = !json_object_get_boolean_member (o, "ill_conditioned");
      g_ptr_array_add (cases, c);
    }
  return cases;
}

static gint
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(DiffCase *const *) a)->name, (*(DiffCase *const *) b)->name);
}

/* A faster precision mode against DeepMind's fp32 outputs: every output's
 * error printed; pLDDT and positions held to the user-level bounds. */
static void
check_loose (GoldenCase *g, FlResult *res, const char *mode)
{
  static const char *keys[] = {
    "representations/msa_first_row", "representations/pair", "representations/single",
    "representations/structure_module", "distogram/logits", "predicted_lddt/logits",
    "predicted_aligned_error/logits", "confidence/predicted_aligned_error", "confidence/ptm",
  };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      FlArray *want = fl_arrays_lookup (g->outputs, keys[i]);
      const float *got = fl_result_get (res, keys[i]);
      if (!want || !got)
        continue;
      FlTestErr e = fl_test_compare (got, want->data, fl_array_numel (want));
      g_test_message ("%s %s %s: max_abs %.3g max_rel %.3g", g->name, mode, keys[i],
                      e.max_abs, e.max_rel);
      g_assert_cmpint (e.n_nan, ==, 0);
    }
  int64_t n = 0;
  const float *x = fl_result_get (res, "structure_module/final_atom_positions");
  const float *y = golden_get (g->outputs, "structure_module/final_atom_positions", &n);
  const float *m = golden_get (g->outputs, "structure_module/final_atom_mask", NULL);
  const float *p = fl_result_get (res, "confidence/plddt");
  const float *q = golden_get (g->outputs, "confidence/plddt", NULL);
  g_assert_nonnull (x);
  g_assert_nonnull (p);
  double ss = 0, count = 0, c[3] = { 0, 0, 0 }, rr = 0, dp = 0;
  for (int64_t a = 0; a < n / 3; a++)
    if (m[a] > 0)
      {
        for (int k = 0; k < 3; k++)
          {
            ss += ((double) x[a * 3 + k] - y[a * 3 + k]) * ((double) x[a * 3 + k] - y[a * 3 + k]);
            c[k] += y[a * 3 + k];
          }
        count++;
      }
  for (int k = 0; k < 3; k++)
    c[k] /= MAX (count, 1);
  for (int64_t a = 0; a < n / 3; a++)
    if (m[a] > 0)
      for (int k = 0; k < 3; k++)
        rr += (y[a * 3 + k] - c[k]) * (y[a * 3 + k] - c[k]);
  for (int i = 0; i < g->features->L; i++)
    dp = MAX (dp, fabs ((double) p[i] - q[i]));
  double rmsd = sqrt (ss / MAX (count, 1)), radius = sqrt (rr / MAX (count, 1));
  g_test_message ("%s %s: atom RMSD %.4f A (RMS radius %.2f A), pLDDT max |diff| %.4f",
                  g->name, mode, rmsd, radius, dp);
  g_assert_cmpfloat (dp, <, 1.0);
  g_assert_cmpfloat (rmsd, <=, 0.1 * radius);
}

static void
check_case (const DiffCase *c, const FlRunOptions *engine_opts, const Mode *m)
{
  GoldenCase *g = golden_case_load_dir (c->name, c->dir, engine_opts);
  g_assert_nonnull (g);
  g_assert_cmpint (g->cfg.num_recycle, ==, c->num_recycle);
  /* Teacher-forced: pass r from DeepMind's pass r-1 state. */
  for (int r = 0; r <= c->num_recycle; r++)
    {
      g_autoptr (FlResult) res = golden_run_teacher_forced (g, r);
      if (m->exact)
        {
          golden_check_pass (g, res, r);
          if (r == c->num_recycle)
            golden_check_final (g, res, 0.01, 0.01, 1e-4, 0.01, 1e-4, TRUE);
        }
      else if (r == c->num_recycle)
        check_loose (g, res, fl_precision_name (m->precision));
    }
  /* The free run, only where no recycled distance sits near a bin edge. */
  if (m->exact && c->well_conditioned)
    {
      FlRunOptions opts;
      fl_run_options_init (&opts);
      opts.keep_representations = TRUE;
      g_autoptr (GError) error = NULL;
      g_autoptr (FlResult) res = fl_engine_run (g->engine, g->features, &opts, NULL, NULL,
                                                NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (res->n_passes, ==, c->num_recycle + 1);
      golden_check_final (g, res, 0.1, 0.1, 1e-3, 0.1, 1e-3, TRUE);
    }
  golden_case_free (g);
}

#ifndef FL_DIFFTEST_CUDA
static void
test_cpu (gconstpointer data)
{
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.backend = FL_BACKEND_KIND_CPU;
  opts.n_threads = 2;
  check_case (data, &opts, &fp32_mode);
}
#else
static void
test_cuda (gconstpointer data)
{
  if (!fl_backend_cuda_available ())
    {
      g_test_skip ("no CUDA device (or built without CUDA)");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (cuda_modes); i++)
    {
      g_test_message ("%s on CUDA %s", ((const DiffCase *) data)->name,
                      fl_precision_name (cuda_modes[i].precision));
      FlRunOptions opts;
      fl_run_options_init (&opts);
      opts.backend = FL_BACKEND_KIND_CUDA;
      opts.precision = cuda_modes[i].precision;
      check_case (data, &opts, &cuda_modes[i]);
    }
}
#endif

static void
test_cases_present (gconstpointer data)
{
  const GPtrArray *cases = data;
  if (cases->len == 0)
    g_test_fail_printf ("no cases in %s/tests/data/difftest", FL_SOURCE_DIR);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GPtrArray) cases = load_cases ();
  g_ptr_array_sort (cases, compare_names);
  g_test_add_data_func ("/difftest/cases-present", cases, test_cases_present);
  for (guint i = 0; i < cases->len; i++)
    {
      DiffCase *c = g_ptr_array_index (cases, i);
#ifdef FL_DIFFTEST_CUDA
      g_autofree char *path = g_strdup_printf ("/difftest/cuda/%s", c->name);
      g_test_add_data_func (path, c, test_cuda);
#else
      g_autofree char *path = g_strdup_printf ("/difftest/cpu/%s", c->name);
      g_test_add_data_func (path, c, test_cpu);
#endif
    }
  return g_test_run ();
}
