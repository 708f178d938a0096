/* foldlight-cli predict on the tiny golden case: the files it writes exist
 * and parse (PDB, mmCIF, scores.json, pae.json, trajectory.pdb, result.npz
 * with the golden key names); the A3M route equals the features route; bad
 * input is exit 1 with one sentence, bad usage exit 2. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <json-glib/json-glib.h>
#include "fl-arrays.h"
#include "fl-npz.h"
#include "fl-scores-io.h"
#include "fl-structure-io.h"
#include "fl-snapshot.h"
#include "fl-test-util.h"

static const char *cli_path;

static int
run_cli (const char *args, char **out, char **err)
{
  g_autofree char *cmd = g_strdup_printf ("'%s' predict %s", cli_path, args);
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_assert_true (g_spawn_command_line_sync (cmd, out, err, &wait_status, &error));
  g_assert_no_error (error);
  if (!WIFEXITED (wait_status))
    g_error ("foldlight-cli predict %s did not exit normally (crash?)", args);
  return WEXITSTATUS (wait_status);
}

static char *
tiny_args (const char *input, const char *out_dir, const char *extra)
{
  g_autofree char *params = fl_test_golden_path ("tiny", "params_tiny.npz");
  g_autofree char *config = fl_test_golden_path ("tiny", "config.json");
  return g_strdup_printf ("--params '%s' --config '%s' %s --backend cpu --threads 2 --out '%s' %s",
                          params, config, input, out_dir, extra ? extra : "");
}

static void
remove_dir (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  g_rmdir (dir);
}

static int
count_lines_starting (const char *text, const char *prefix)
{
  int n = 0;
  for (const char *p = text; p && *p; )
    {
      if (g_str_has_prefix (p, prefix))
        n++;
      p = strchr (p, '\n');
      if (p)
        p++;
    }
  return n;
}

static void
test_tiny_features (void)
{
  g_autofree char *features = fl_test_golden_path ("tiny", "features.npz");
  g_autofree char *outputs = fl_test_golden_path ("tiny", "outputs.npz");
  if (!fl_test_require_file (features) || !fl_test_require_file (outputs))
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fl-predict-XXXXXX", &error);
  g_autofree char *input = g_strdup_printf ("--features '%s'", features);
  g_autofree char *args = tiny_args (input, dir, "--save-npz --trajectory");
  g_autofree char *out = NULL, *err = NULL;
  int status = run_cli (args, &out, &err);
  g_test_message ("stderr: %s", err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err, "recycle=2"));
  /* one numbering: recycles 0..2 of a 3-pass run, blocks from 1 */
  g_assert_nonnull (strstr (err, "recycle 2 of 0–2 · Evoformer block"));
  g_assert_null (strstr (err, "recycle 3"));

  /* Structures: 24 residues, pLDDT in the B-factors. */
  g_autofree char *scores_path = g_build_filename (dir, "scores.json", NULL);
  g_autoptr (FlScores) scores = fl_scores_load_json (scores_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (scores->L, ==, 24);
  g_assert_cmpint (scores->n_passes, ==, 3);
  g_assert_true (isfinite (scores->final.ptm));
  const char *names[] = { "model.pdb", "model.cif" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = g_build_filename (dir, names[i], NULL);
      g_autoptr (FlStructure) s = fl_structure_read (p, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (s->L, ==, 24);
      for (int r = 0; r < 24; r++)
        g_assert_cmpfloat (fabsf (s->b_factors[r] - scores->final.plddt[r]), <, 0.01);
    }

  /* pae.json (AFDB) agrees with scores.json. */
  g_autofree char *pae_path = g_build_filename (dir, "pae.json", NULL);
  g_autoptr (FlScores) pae = fl_scores_load_pae_json (pae_path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pae->L, ==, 24);
  fl_test_assert_close_abs ("pae.json", pae->final.pae, scores->final.pae, 24 * 24, 0.006);

  /* Trajectory: 3 passes x 3 layers. */
  g_autofree char *traj_path = g_build_filename (dir, "trajectory.pdb", NULL);
  g_autofree char *traj = NULL;
  g_assert_true (g_file_get_contents (traj_path, &traj, NULL, NULL));
  g_assert_cmpint (count_lines_starting (traj, "MODEL"), ==, 9);
  /* read back as recycle x layer, numbered as everywhere (recycle 0..2, layer 1..3) */
  g_auto (GStrv) titles = NULL;
  g_autoptr (GPtrArray) models = fl_structure_read_models (traj_path, NULL, &titles, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (models->len, ==, 9);
  for (int m = 0; m < 9; m++)
    {
      int r = -1, l = -1;
      g_assert_true (fl_frame_title_parse (titles[m], &r, &l));
      g_assert_cmpint (r, ==, m / 3);
      g_assert_cmpint (l, ==, m % 3);
    }
  g_assert_cmpstr (titles[0], ==, "recycle 0 layer 1");

  /* result.npz: golden key names, final pLDDT close to the official one. */
  g_autofree char *npz_path = g_build_filename (dir, "result.npz", NULL);
  g_autoptr (FlArrays) res = fl_npz_load (npz_path, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) gold = fl_npz_load (outputs, &error);
  g_assert_no_error (error);
  const char *keys[] = {
    "structure_module/final_atom_positions", "structure_module/traj", "confidence/plddt",
    "confidence/predicted_aligned_error", "confidence/ptm", "distogram/logits",
    "representations/single", "representations/pair", "representations/msa_first_row",
    "r0/plddt", "r1/plddt", "r2/plddt", "r2/structure_module/final_atom_positions",
  };
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!fl_arrays_lookup (res, keys[i]))
      g_test_fail_printf ("result.npz has no %s", keys[i]);
  FlArray *got = fl_arrays_lookup (res, "confidence/plddt");
  FlArray *want = fl_arrays_lookup (gold, "confidence/plddt");
  g_assert_nonnull (got);
  fl_test_assert_close_abs ("result.npz confidence/plddt", got->data, want->data, 24, 0.05);
  got = fl_arrays_lookup (res, "distogram/logits");
  want = fl_arrays_lookup (gold, "distogram/logits");
  fl_test_assert_close ("result.npz distogram/logits", got->data, want->data,
                        fl_array_numel (want), 1e-3);
  remove_dir (dir);
}

static void
test_tiny_a3m (void)
{
  g_autofree char *a3m = fl_test_golden_path ("tiny", "input.a3m");
  g_autofree char *outputs = fl_test_golden_path ("tiny", "outputs.npz");
  if (!fl_test_require_file (a3m) || !fl_test_require_file (outputs))
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fl-predict-XXXXXX", &error);
  g_autofree char *input = g_strdup_printf ("--a3m '%s' --deterministic --max-msa-clusters 8 "
                                            "--max-extra-msa 16", a3m);
  g_autofree char *args = tiny_args (input, dir, "--recycles 2");
  g_autofree char *out = NULL, *err = NULL;
  int status = run_cli (args, &out, &err);
  g_test_message ("stderr: %s", err);
  g_assert_cmpint (status, ==, 0);
  /* Features rebuilt from the A3M give the official pLDDT. */
  g_autofree char *scores_path = g_build_filename (dir, "scores.json", NULL);
  g_autoptr (FlScores) scores = fl_scores_load_json (scores_path, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) gold = fl_npz_load (outputs, &error);
  g_assert_no_error (error);
  FlArray *want = fl_arrays_lookup (gold, "confidence/plddt");
  fl_test_assert_close_abs ("a3m route pLDDT", scores->final.plddt, want->data, 24, 0.05);
  remove_dir (dir);
}

/* Golden tmpl through the CLI: templates from the alignment file and the
 * structure files give DeepMind's outputs; a template aligned by the CLI
 * itself runs and prints its alignment. */
static void
test_tmpl_templates (void)
{
  g_autofree char *a3m = fl_test_golden_path ("tmpl", "input.a3m");
  g_autofree char *tsv = fl_test_golden_path ("tmpl", "template_alignment.tsv");
  g_autofree char *params = fl_test_golden_path ("tmpl", "params_tmpl.npz");
  g_autofree char *config = fl_test_golden_path ("tmpl", "config.json");
  g_autofree char *outputs = fl_test_golden_path ("tmpl", "outputs.npz");
  if (!fl_test_require_file (a3m) || !fl_test_require_file (tsv) || !fl_test_require_file (params)
      || !fl_test_require_file (outputs))
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fl-predict-XXXXXX", &error);
  g_autofree char *args = g_strdup_printf (
    "--params '%s' --config '%s' --a3m '%s' --deterministic --max-msa-clusters 8 "
    "--max-extra-msa 16 --template-alignment '%s' --recycles 2 --backend cpu --threads 2 "
    "--save-npz --out '%s'", params, config, a3m, tsv, dir);
  g_autofree char *out = NULL, *err = NULL;
  int status = run_cli (args, &out, &err);
  g_test_message ("stderr: %s", err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err, "template 2 4i6p_B"));
  g_autofree char *npz = g_build_filename (dir, "result.npz", NULL);
  g_autoptr (FlArrays) res = fl_npz_load (npz, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) gold = fl_npz_load (outputs, &error);
  g_assert_no_error (error);
  const char *keys[] = { "structure_module/final_atom_positions", "confidence/plddt" };
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      FlArray *got = fl_arrays_lookup (res, keys[k]), *want = fl_arrays_lookup (gold, keys[k]);
      g_assert_nonnull (got);
      g_assert_nonnull (want);
      fl_test_assert_close_abs (keys[k], got->data, want->data, fl_array_numel (want), 1e-3);
    }
  g_assert_nonnull (fl_arrays_lookup (res, "template/pair_contribution"));
  remove_dir (dir);

  /* One template file, aligned here (found through --template-dir). */
  g_autofree char *tdir = g_path_get_dirname (tsv);
  g_autofree char *dir2 = g_dir_make_tmp ("fl-predict-XXXXXX", &error);
  g_autofree char *args2 = g_strdup_printf (
    "--params '%s' --config '%s' --a3m '%s' --template 1GCN.pdb:A --template-dir '%s' "
    "--recycles 0 --backend cpu --threads 2 --out '%s'", params, config, a3m, tdir, dir2);
  g_autofree char *out2 = NULL, *err2 = NULL;
  status = run_cli (args2, &out2, &err2);
  g_test_message ("stderr: %s", err2);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err2, "template 1 1gcn_A"));
  g_assert_nonnull (strstr (err2, "template HSQGTFTSDYSKYLDSRRAQD--FVQWLMNT---"));
  remove_dir (dir2);

  /* --template-dir alone: the templates of the folder (the chain from the
   * file name), as batch reads DIR/ID/; config.json says templates were used. */
  g_autofree char *folder = g_dir_make_tmp ("fl-predict-tdir-XXXXXX", &error);
  g_autofree char *pdb = g_build_filename (tdir, "1GCN.pdb", NULL);
  g_autofree char *link = g_build_filename (folder, "1gcn_A.pdb", NULL);
  g_assert_cmpint (symlink (pdb, link), ==, 0);
  g_autofree char *dir3 = g_dir_make_tmp ("fl-predict-XXXXXX", &error);
  g_autofree char *args3 = g_strdup_printf (
    "--params '%s' --config '%s' --a3m '%s' --template-dir '%s' --recycles 0 --backend cpu "
    "--threads 2 --out '%s'", params, config, a3m, folder, dir3);
  g_autofree char *out3 = NULL, *err3 = NULL;
  status = run_cli (args3, &out3, &err3);
  g_test_message ("stderr: %s", err3);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (err3, "template 1 1gcn_A"));
  g_autofree char *config_json = g_build_filename (dir3, "config.json", NULL);
  g_autofree char *config_text = NULL;
  g_assert_true (g_file_get_contents (config_json, &config_text, NULL, NULL));
  g_assert_nonnull (strstr (config_text, "\"use_templates\" : true"));
  remove_dir (dir3);
  g_unlink (link);
  g_rmdir (folder);
}

/* --teacher-forced: every pass from the golden previous state, so each
 * pass's positions match the golden ones of that pass; a reference without
 * the state a pass needs is exit 1. */
static void
test_tiny_teacher_forced (void)
{
  g_autofree char *features = fl_test_golden_path ("tiny", "features.npz");
  g_autofree char *recycles = fl_test_golden_path ("tiny", "recycles.npz");
  g_autofree char *outputs = fl_test_golden_path ("tiny", "outputs.npz");
  if (!fl_test_require_file (features) || !fl_test_require_file (recycles)
      || !fl_test_require_file (outputs))
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fl-predict-XXXXXX", &error);
  g_autofree char *input = g_strdup_printf ("--features '%s'", features);
  g_autofree char *extra = g_strdup_printf ("--recycles 2 --teacher-forced '%s'", recycles);
  g_autofree char *args = tiny_args (input, dir, extra);
  g_autofree char *out = NULL, *err = NULL;
  int status = run_cli (args, &out, &err);
  g_test_message ("stderr: %s", err);
  g_assert_cmpint (status, ==, 0);
  g_autofree char *npz_path = g_build_filename (dir, "result.npz", NULL);
  g_autoptr (FlArrays) res = fl_npz_load (npz_path, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) gold = fl_npz_load (recycles, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) gold_final = fl_npz_load (outputs, &error);
  g_assert_no_error (error);
  for (int r = 0; r < 3; r++)
    {
      g_autofree char *k = g_strdup_printf ("r%d/structure_module/final_atom_positions", r);
      FlArray *got = fl_arrays_lookup (res, k), *want = fl_arrays_lookup (gold, k);
      g_assert_nonnull (got);
      fl_test_assert_close_abs (k, got->data, want->data, fl_array_numel (want), 1e-3);
      /* The final keys of every pass are there too. */
      g_autofree char *d = g_strdup_printf ("r%d/distogram/logits", r);
      g_assert_nonnull (fl_arrays_lookup (res, d));
    }
  FlArray *got = fl_arrays_lookup (res, "distogram/logits");
  FlArray *want = fl_arrays_lookup (gold_final, "distogram/logits");
  g_assert_nonnull (got);
  fl_test_assert_close ("teacher-forced distogram/logits", got->data, want->data,
                        fl_array_numel (want), 1e-4);
  g_autofree char *scores_path = g_build_filename (dir, "scores.json", NULL);
  g_assert_false (g_file_test (scores_path, G_FILE_TEST_EXISTS));

  /* outputs.npz has no r{r}/ state: pass 1 cannot be teacher-forced. */
  g_autofree char *bad_extra = g_strdup_printf ("--recycles 1 --teacher-forced '%s'", outputs);
  g_autofree char *bad = tiny_args (input, dir, bad_extra);
  g_autofree char *bad_out = NULL, *bad_err = NULL;
  status = run_cli (bad, &bad_out, &bad_err);
  g_test_message ("stderr: %s", bad_err);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (bad_err, "r0/structure_module/final_atom_positions"));
  remove_dir (dir);
}

/* Exit status `want`, and for status 1 exactly one line on stderr. */
static void
expect_failure (const char *args, int want, const char *needle)
{
  g_autofree char *out = NULL, *err = NULL;
  int status = run_cli (args, &out, &err);
  g_test_message ("%s -> %d: %s", args, status, err);
  g_assert_cmpint (status, ==, want);
  g_assert_true (g_str_has_prefix (err, "foldlight-cli: "));
  if (want == 1)
    {
      int lines = 0;
      for (const char *p = err; *p; p++)
        lines += *p == '\n';
      g_assert_true (g_str_has_suffix (err, "\n"));
      g_assert_cmpint (lines, ==, 1);
    }
  if (needle)
    g_assert_nonnull (strstr (err, needle));
}

static void
test_bad_input (void)
{
  g_autofree char *features = fl_test_golden_path ("tiny", "features.npz");
  g_autofree char *params = fl_test_golden_path ("tiny", "params_tiny.npz");
  if (!fl_test_require_file (features) || !fl_test_require_file (params))
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fl-predict-bad-XXXXXX", &error);
  g_autofree char *out_dir = g_build_filename (dir, "out", NULL);

  /* Usage errors: exit 2. */
  expect_failure ("--features x.npz", 2, "--params");
  g_autofree char *no_out = g_strdup_printf ("--params '%s' --features '%s'", params, features);
  expect_failure (no_out, 2, "--out");
  g_autofree char *two = g_strdup_printf ("--params '%s' --features '%s' --fasta x.fa --out '%s'",
                                          params, features, out_dir);
  expect_failure (two, 2, "exactly one");
  g_autofree char *backend = g_strdup_printf ("--params '%s' --features '%s' --backend gpu --out '%s'",
                                              params, features, out_dir);
  expect_failure (backend, 2, "--backend");

  /* Bad input: exit 1, one sentence. */
  g_autofree char *missing = g_strdup_printf ("--params '%s/nope.npz' --features '%s' --out '%s'",
                                              dir, features, out_dir);
  expect_failure (missing, 1, NULL);

  g_autofree char *empty_fa = g_build_filename (dir, "empty.fasta", NULL);
  g_assert_true (g_file_set_contents (empty_fa, ">empty\n\n", -1, NULL));
  g_autofree char *empty = g_strdup_printf ("--params '%s' --fasta '%s' --out '%s'",
                                            params, empty_fa, out_dir);
  expect_failure (empty, 1, NULL);

  g_autofree char *dna_fa = g_build_filename (dir, "dna.fasta", NULL);
  g_assert_true (g_file_set_contents (dna_fa, ">x\n12345!!\n", -1, NULL));
  g_autofree char *dna = g_strdup_printf ("--params '%s' --fasta '%s' --out '%s'",
                                          params, dna_fa, out_dir);
  expect_failure (dna, 1, NULL);

  /* Templates for a model without a template stack; a missing template file. */
  g_autofree char *tmpl_pdb = fl_test_golden_path ("tmpl", "1GCN.pdb");
  g_autofree char *no_stack = g_strdup_printf ("--params '%s' --features '%s' --template '%s' "
                                               "--out '%s'", params, features, tmpl_pdb, out_dir);
  expect_failure (no_stack, 1, "no template stack");
  g_autofree char *tmpl_params = fl_test_golden_path ("tmpl", "params_tmpl.npz");
  g_autofree char *tmpl_a3m = fl_test_golden_path ("tmpl", "input.a3m");
  g_autofree char *no_file = g_strdup_printf ("--params '%s' --a3m '%s' --template '%s/none.pdb:A' "
                                              "--out '%s'", tmpl_params, tmpl_a3m, dir, out_dir);
  expect_failure (no_file, 1, "cannot read template");

  /* A sequence too long for memory: refused before the features are built,
   * naming the longest that fits. */
  g_autofree char *long_fa = g_build_filename (dir, "long.fasta", NULL);
  {
    GString *seq = g_string_new (">long\n");
    for (int i = 0; i < 400000; i++)
      g_string_append_c (seq, "ACDEFGHIKLMNPQRSTVWY"[i % 20]);
    g_string_append_c (seq, '\n');
    g_assert_true (g_file_set_contents (long_fa, seq->str, seq->len, NULL));
    g_string_free (seq, TRUE);
  }
  g_autofree char *too_long = g_strdup_printf ("--params '%s' --fasta '%s' --max-extra-msa 16 --out '%s'",
                                               params, long_fa, out_dir);
  expect_failure (too_long, 1, "the longest sequence that fits");
  g_unlink (long_fa);

  /* Features whose MSA has a different length than the query. */
  g_autofree char *bad_l = g_build_filename (dir, "bad-length.npz", NULL);
  {
    g_autoptr (FlArrays) f = fl_npz_load (features, &error);
    g_assert_no_error (error);
    FlArray *msa_feat = fl_arrays_lookup (f, "msa_feat");
    g_assert_nonnull (msa_feat);
    int64_t shape[3] = { msa_feat->shape[0], msa_feat->shape[1] - 4, msa_feat->shape[2] };
    g_autofree float *cut = g_new0 (float, shape[0] * shape[1] * shape[2]);
    fl_arrays_add_f32 (f, "msa_feat", 3, shape, cut);
    g_assert_true (fl_npz_save (f, bad_l, &error));
  }
  g_autofree char *bad_length = g_strdup_printf ("--params '%s' --features '%s' --out '%s'",
                                                 params, bad_l, out_dir);
  expect_failure (bad_length, 1, "msa_feat");
  g_unlink (bad_l);

  /* A truncated parameter file. */
  g_autofree char *data = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (params, &data, &len, NULL));
  g_autofree char *trunc = g_build_filename (dir, "trunc.npz", NULL);
  g_assert_true (g_file_set_contents (trunc, data, len / 2, NULL));
  g_autofree char *truncated = g_strdup_printf ("--params '%s' --features '%s' --out '%s'",
                                                trunc, features, out_dir);
  expect_failure (truncated, 1, NULL);

  /* Parameters that do not fit the preset's structure (a features file as params). */
  g_autofree char *wrong = g_strdup_printf ("--params '%s' --features '%s' --out '%s'",
                                            features, features, out_dir);
  expect_failure (wrong, 1, NULL);

  /* A CUDA backend that this machine or build lacks. */
  if (!g_getenv ("FL_HAVE_GPU"))
    {
      g_autofree char *cuda = g_strdup_printf ("--params '%s' --features '%s' --backend cuda --out '%s'",
                                               params, features, out_dir);
      g_autofree char *o = NULL, *e = NULL;
      int status = run_cli (cuda, &o, &e);
      g_test_message ("--backend cuda -> %d: %s", status, e);
      g_assert_true (status == 0 || status == 1);
    }
  g_unlink (empty_fa);
  g_unlink (dna_fa);
  g_unlink (trunc);
  remove_dir (out_dir);
  g_rmdir (dir);
}

/* The preset follows DeepMind's file name, with each model's own data
 * settings (AlphaFold's CONFIG_DIFFS), unless --preset or the size options
 * say otherwise; config.json says how the result was made. */
static void
test_presets_from_file_names (void)
{
  g_autofree char *params = fl_test_golden_path ("tiny", "params_tiny.npz");
  g_autofree char *config = fl_test_golden_path ("tiny", "config.json");
  g_autofree char *a3m = fl_test_golden_path ("tiny", "input.a3m");
  if (!fl_test_require_file (params) || !fl_test_require_file (config)
      || !fl_test_require_file (a3m))
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("fl-presets-XXXXXX", &error);
  g_assert_no_error (error);
  /* The tiny architecture without its data section, so that the presets' stand. */
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, config, NULL));
  json_object_remove_member (json_node_get_object (json_parser_get_root (parser)), "data");
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, json_parser_get_root (parser));
  g_autofree char *model_only = g_build_filename (dir, "model.json", NULL);
  g_assert_true (json_generator_to_file (gen, model_only, NULL));
  g_autofree char *params_data = NULL;
  gsize params_len = 0;
  g_assert_true (g_file_get_contents (params, &params_data, &params_len, NULL));
  g_autofree char *sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                         (const guchar *) params_data, params_len);

  const struct {
    int model;
    const char *extra, *preset, *preset_from;
    int max_seq, max_extra;
    gboolean notice;
  } cases[] = {
    { 1, "", "model_1_ptm", "file name", 508, 5120, TRUE },
    { 2, "", "model_2_ptm", "file name", 508, 1024, TRUE },
    { 3, "", "model_3_ptm", "file name", 512, 5120, FALSE },
    { 4, "", "model_4_ptm", "file name", 512, 5120, FALSE },
    { 5, "", "model_5_ptm", "file name", 512, 1024, FALSE },
    { 5, "--max-msa-clusters 100 --max-extra-msa 7", "model_5_ptm", "file name", 100, 7, FALSE },
    { 5, "--preset model_2_ptm", "model_2_ptm", "--preset", 508, 1024, TRUE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = g_strdup_printf ("params_model_%d_ptm.npz", cases[i].model);
      g_autofree char *link = g_build_filename (dir, name, NULL);
      if (!g_file_test (link, G_FILE_TEST_EXISTS))
        g_assert_cmpint (symlink (params, link), ==, 0);
      g_autofree char *out = g_build_filename (dir, "out", NULL);
      g_autofree char *args = g_strdup_printf (
          "--params '%s' --config '%s' --a3m '%s' --recycles 0 --backend cpu --threads 1 "
          "--out '%s' %s", link, model_only, a3m, out, cases[i].extra);
      g_autofree char *o = NULL, *e = NULL;
      g_assert_cmpint (run_cli (args, &o, &e), ==, 0);
      g_test_message ("%s\n%s", args, e);
      g_assert_cmpint (strstr (e, "notice: ") != NULL, ==, cases[i].notice);
      if (cases[i].notice)
        g_assert_nonnull (strstr (e, "was trained with templates; this run has none"));

      g_autofree char *cfg_path = g_build_filename (out, "config.json", NULL);
      g_autoptr (JsonParser) p = json_parser_new ();
      g_assert_true (json_parser_load_from_file (p, cfg_path, NULL));
      JsonObject *c = json_node_get_object (json_parser_get_root (p));
      g_assert_cmpstr (json_object_get_string_member (c, "preset"), ==, cases[i].preset);
      g_assert_cmpstr (json_object_get_string_member (c, "model_type"), ==, "alphafold2_ptm");
      g_assert_cmpint (json_object_get_int_member (c, "max_seq"), ==, cases[i].max_seq);
      g_assert_cmpint (json_object_get_int_member (c, "max_extra_seq"), ==, cases[i].max_extra);
      g_assert_cmpint (json_object_get_int_member (c, "num_recycles"), ==, 0);
      g_assert_cmpfloat (json_object_get_double_member (c, "recycle_early_stop_tolerance"), ==, 0.0);
      g_assert_cmpstr (json_object_get_string_member (c, "params_file"), ==, name);
      g_assert_cmpstr (json_object_get_string_member (c, "params_sha256"), ==, sha256);
      g_assert_cmpstr (json_object_get_string_member (c, "backend"), ==, "cpu");
      g_assert_cmpstr (json_object_get_string_member (c, "precision"), ==, "fp32");
      g_assert_true (json_object_has_member (c, "foldlight_version"));
      JsonObject *m = json_array_get_object_element (json_object_get_array_member (c, "models"), 0);
      g_assert_cmpstr (json_object_get_string_member (m, "preset_from"), ==, cases[i].preset_from);
      g_assert_cmpint (json_object_get_boolean_member (m, "trained_with_templates"), ==,
                       cases[i].notice);
      remove_dir (out);
    }
  remove_dir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_path = g_getenv ("FL_CLI");
  if (!cli_path)
    cli_path = "foldlight-cli";
  g_test_add_func ("/cli/predict/tiny-features", test_tiny_features);
  g_test_add_func ("/cli/predict/tiny-a3m", test_tiny_a3m);
  g_test_add_func ("/cli/predict/tiny-teacher-forced", test_tiny_teacher_forced);
  g_test_add_func ("/cli/predict/bad-input", test_bad_input);
  g_test_add_func ("/cli/predict/presets-from-file-names", test_presets_from_file_names);
  g_test_add_func ("/cli/predict/tmpl-templates", test_tmpl_templates);
  return g_test_run ();
}
