/* The kept differential-test cases (tests/data/difftest/, made by
 * tools/difftest.py from DeepMind's code on random small configurations):
 * every recycle teacher-forced from DeepMind's previous state, the last
 * against the full outputs, and the free run where the case is
 * well-conditioned (meta.json). Built twice: `difftest` (CPU, slow suite)
 * and, with FL_DIFFTEST_CUDA, `difftest-cuda` (gpu suite: every precision
 * mode; skipped only without a CUDA device). */
#include <glib.h>
#include <json-glib/json-glib.h>
#include "engine-golden.h"
#include "fl-build-config.h"
#include "fl-test-util.h"

typedef struct {
  char *name;
  char *dir;
  int num_recycle;
  gboolean well_conditioned;
} DiffCase;

/* Tolerances of one precision mode: positions and PAE in Å, pLDDT in
 * points, pTM absolute, representations and logits relative to the array's
 * max |value|. fp32 (CPU and CUDA) has the golden tests' tolerances; the
 * tensor-core modes have bounds a user could not tell apart (docs/difftest.md). */
typedef struct {
  FlPrecision precision;
  double pos, plddt, rel, pae, ptm;
  gboolean free_run;
} Mode;

static const Mode fp32_mode = { FL_PRECISION_FP32, 0.01, 0.01, 1e-4, 0.01, 1e-4, TRUE };
#ifdef FL_DIFFTEST_CUDA
static const Mode cuda_modes[] = {
  { FL_PRECISION_FP32, 0.01, 0.01, 1e-4, 0.01, 1e-4, TRUE },
  { FL_PRECISION_TF32, 0.25, 0.5, 2e-2, 0.25, 5e-3, FALSE },
  { FL_PRECISION_BF16, 1.0, 1.0, 6e-2, 1.0, 2e-2, FALSE },
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
      if (m->precision == FL_PRECISION_FP32)
        golden_check_pass (g, res, r);
      if (r == c->num_recycle)
        golden_check_final (g, res, m->pos, m->plddt, m->rel, m->pae, m->ptm, TRUE);
    }
  /* The free run, only where no recycled distance sits near a bin edge. */
  if (m->free_run && c->well_conditioned)
    {
      FlRunOptions opts;
      fl_run_options_init (&opts);
      opts.keep_representations = TRUE;
      g_autoptr (GError) error = NULL;
      g_autoptr (FlResult) res = fl_engine_run (g->engine, g->features, &opts, NULL, NULL,
                                                NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (res->n_passes, ==, c->num_recycle + 1);
      golden_check_final (g, res, 10 * m->pos, 10 * m->plddt, 10 * m->rel, 10 * m->pae,
                          10 * m->ptm, TRUE);
    }
  golden_case_free (g);
}

static void
test_cpu (gconstpointer data)
{
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.backend = FL_BACKEND_KIND_CPU;
  opts.n_threads = 2;
  check_case (data, &opts, &fp32_mode);
}

#ifdef FL_DIFFTEST_CUDA
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
