/* foldlight-cli batch on the tiny golden parameters (CPU): results named and
 * shaped as ColabFold's (checked against ColabFold's real 4-OT output),
 * several models ranked, per-input failures recorded, a batch killed after
 * its first result and restarted redoes nothing, and workers sharing one
 * output folder (one command, independent processes, a worker that dies)
 * run every input exactly once; templates per input for the models with
 * a template stack. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "fl-structure-io.h"
#include "fl-test-util.h"

static const char *cli_path;

/* Tiny parameters and configuration, or NULL (test skipped / failed under CI). */
static char *
tiny_model_args (void)
{
  g_autofree char *params = fl_test_golden_path ("tiny", "params_tiny.npz");
  g_autofree char *config = fl_test_golden_path ("tiny", "config.json");
  if (!fl_test_require_file (params) || !fl_test_require_file (config))
    return NULL;
  return g_strdup_printf ("--params '%s' --config '%s' --backend cpu --threads 1", params, config);
}

static int
run_sync (const char *args, char **err)
{
  g_autofree char *cmd = g_strdup_printf ("'%s' batch %s", cli_path, args);
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_autofree char *out = NULL;
  g_assert_true (g_spawn_command_line_sync (cmd, &out, err, &wait_status, &error));
  g_assert_no_error (error);
  if (!WIFEXITED (wait_status))
    g_error ("foldlight-cli batch %s did not exit normally (crash?)", args);
  g_test_message ("batch %s\n%s", args, err && *err ? *err : "");
  return WEXITSTATUS (wait_status);
}

/* Start a batch in the background, stderr to `log`; returns its pid. */
static GPid
run_async (const char *args, const char *log)
{
  g_autofree char *sh = g_strdup_printf ("exec '%s' batch %s 2> '%s'", cli_path, args, log);
  const char *argv[] = { "/bin/sh", "-c", sh, NULL };
  GPid pid = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_async (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD,
                                NULL, NULL, &pid, &error));
  g_assert_no_error (error);
  return pid;
}

static int
wait_pid (GPid pid)
{
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  return status;
}

static char *
file_in (const char *dir, const char *name)
{
  return g_build_filename (dir, name, NULL);
}

static gboolean
exists_in (const char *dir, const char *name)
{
  g_autofree char *p = file_in (dir, name);
  return g_file_test (p, G_FILE_TEST_EXISTS);
}

static void
write_text (const char *dir, const char *name, const char *text)
{
  g_autofree char *p = file_in (dir, name);
  g_assert_true (g_file_set_contents (p, text, -1, NULL));
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = file_in (dir, name);
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        remove_tree (p);
      else
        g_unlink (p);
    }
  g_rmdir (dir);
}

static gboolean
done_in (const char *dir, const char *id)
{
  g_autofree char *name = g_strconcat (id, ".done.txt", NULL);
  return exists_in (dir, name);
}

static int
count_occurrences (const char *text, const char *needle)
{
  int n = 0;
  for (const char *p = text; p && (p = strstr (p, needle)); p += strlen (needle))
    n++;
  return n;
}

static gint64
mtime_ns (const char *dir, const char *name)
{
  g_autofree char *p = file_in (dir, name);
  struct stat st;
  g_assert_cmpint (stat (p, &st), ==, 0);
  return (gint64) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

static JsonNode *
load_json (const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

/* Same members, each of the same JSON type; arrays of the same length, at
 * every depth, with numbers of the same kind (integer or float). */
static void
assert_same_shape (const char *where, JsonNode *got, JsonNode *want)
{
  if (JSON_NODE_TYPE (got) != JSON_NODE_TYPE (want))
    {
      g_test_fail_printf ("%s: JSON type %s, ColabFold has %s", where,
                          json_node_type_name (got), json_node_type_name (want));
      return;
    }
  if (JSON_NODE_HOLDS_VALUE (got))
    {
      GType tg = json_node_get_value_type (got), tw = json_node_get_value_type (want);
      if (tg != tw)
        g_test_fail_printf ("%s: value type %s, ColabFold has %s", where, g_type_name (tg),
                            g_type_name (tw));
    }
  else if (JSON_NODE_HOLDS_ARRAY (got))
    {
      JsonArray *a = json_node_get_array (got), *b = json_node_get_array (want);
      if (json_array_get_length (a) != json_array_get_length (b))
        {
          g_test_fail_printf ("%s: %u elements, ColabFold has %u", where,
                              json_array_get_length (a), json_array_get_length (b));
          return;
        }
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          g_autofree char *w = g_strdup_printf ("%s[%u]", where, i);
          assert_same_shape (w, json_array_get_element (a, i), json_array_get_element (b, i));
        }
    }
  else if (JSON_NODE_HOLDS_OBJECT (got))
    {
      JsonObject *a = json_node_get_object (got), *b = json_node_get_object (want);
      g_autoptr (GList) names = json_object_get_members (b);
      for (GList *l = names; l; l = l->next)
        {
          g_autofree char *w = g_strdup_printf ("%s.%s", where, (char *) l->data);
          if (!json_object_has_member (a, l->data))
            g_test_fail_printf ("%s: missing", w);
          else
            assert_same_shape (w, json_object_get_member (a, l->data),
                               json_object_get_member (b, l->data));
        }
      g_autoptr (GList) ours = json_object_get_members (a);
      if (g_list_length (ours) != g_list_length (names))
        g_test_fail_printf ("%s: %u members, ColabFold has %u", where, g_list_length (ours),
                            g_list_length (names));
    }
}

/* ColabFold's 4-OT query (its own CSV), predicted with the tiny parameters:
 * every file ColabFold wrote for the rank-1 model has its twin with the
 * same name pattern, JSON members, types and shapes, and the same atoms. */
static void
test_colabfold_shape (void)
{
  g_autofree char *model = tiny_model_args ();
  const char *data = fl_test_data_dir ();
  g_autofree char *ref = data ? g_build_filename (data, "predictions", "colabfold_4OT", NULL) : NULL;
  g_autofree char *csv = ref ? file_in (ref, "test_a5e17_25.csv") : NULL;
  if (!model || !fl_test_require_file (csv))
    return;
  g_autofree char *dir = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  g_autofree char *out = file_in (dir, "out");
  g_autofree char *args = g_strdup_printf ("'%s' '%s' %s --recycles 1 --mmcif", csv, out, model);
  g_autofree char *err = NULL;
  g_assert_cmpint (run_sync (args, &err), ==, 0);

  const char *id = "test_a5e17_25";
  const char *ref_tag = "alphafold2_ptm_model_3_seed_000", *our_tag = "alphafold2_ptm_model_1_seed_000";
  g_assert_true (exists_in (out, "test_a5e17_25.done.txt"));
  g_assert_true (exists_in (out, "config.json"));
  g_assert_true (exists_in (out, "summary.csv"));

  g_autofree char *scores_name = g_strdup_printf ("%s_scores_rank_001_%s.json", id, our_tag);
  g_autofree char *ref_scores_name = g_strdup_printf ("%s_scores_rank_001_%s.json", id, ref_tag);
  g_autofree char *p1 = file_in (out, scores_name), *p2 = file_in (ref, ref_scores_name);
  g_autoptr (JsonNode) ours = load_json (p1);
  g_autoptr (JsonNode) theirs = load_json (p2);
  assert_same_shape ("scores", ours, theirs);

  g_autofree char *pae_name = g_strdup_printf ("%s_predicted_aligned_error_v1.json", id);
  g_autofree char *p3 = file_in (out, pae_name), *p4 = file_in (ref, pae_name);
  g_autoptr (JsonNode) our_pae = load_json (p3);
  g_autoptr (JsonNode) ref_pae = load_json (p4);
  assert_same_shape ("pae", our_pae, ref_pae);

  /* log.txt: the lines ColabFold readers parse, in ColabFold's form. */
  g_autofree char *l1 = file_in (out, "log.txt"), *l2 = file_in (ref, "log.txt");
  g_autofree char *ours_log = NULL, *ref_log = NULL;
  g_assert_true (g_file_get_contents (l1, &ours_log, NULL, NULL));
  g_assert_true (g_file_get_contents (l2, &ref_log, NULL, NULL));
  const char *patterns[] = {
    "^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} Query 1/1: test_a5e17_25 \\(length 59\\)$",
    "^\\S+ \\S+ alphafold2_ptm_model_\\d_seed_000 recycle=0 pLDDT=[0-9.]+ pTM=[0-9.]+$",
    "^\\S+ \\S+ alphafold2_ptm_model_\\d_seed_000 recycle=1 pLDDT=[0-9.]+ pTM=[0-9.]+ tol=[0-9.]+$",
    "^\\S+ \\S+ alphafold2_ptm_model_\\d_seed_000 took [0-9.]+s \\(\\d recycles\\)$",
    "^\\S+ \\S+ reranking models by 'plddt' metric$",
    "^\\S+ \\S+ rank_001_alphafold2_ptm_model_\\d_seed_000 pLDDT=[0-9.]+ pTM=[0-9.]+$",
  };
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autoptr (GRegex) re = g_regex_new (patterns[i], G_REGEX_MULTILINE, 0, NULL);
      g_assert_nonnull (re);
      if (!g_regex_match (re, ref_log, 0, NULL))
        g_error ("the pattern does not fit ColabFold's own log: %s", patterns[i]);
      if (!g_regex_match (re, ours_log, 0, NULL))
        g_test_fail_printf ("log.txt has no line like ColabFold's %s", patterns[i]);
    }

  /* config.json: ColabFold's keys that describe the run, with its types. */
  g_autofree char *c1 = file_in (out, "config.json"), *c2 = file_in (ref, "config.json");
  g_autoptr (JsonNode) cfg = load_json (c1);
  g_autoptr (JsonNode) ref_cfg = load_json (c2);
  const char *keys[] = { "model_type", "num_recycles", "max_seq", "max_extra_seq", "num_models",
                         "model_order", "rank_by", "random_seed", "num_seeds", "use_templates",
                         "num_queries", "msa_mode", "num_relax" };
  JsonObject *co = json_node_get_object (cfg), *ro = json_node_get_object (ref_cfg);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_test_message ("config.json: %s", keys[i]);
      g_assert_true (json_object_has_member (co, keys[i]));
      JsonNode *a = json_object_get_member (co, keys[i]), *b = json_object_get_member (ro, keys[i]);
      g_assert_cmpint (JSON_NODE_TYPE (a), ==, JSON_NODE_TYPE (b));
      if (JSON_NODE_HOLDS_VALUE (a))
        g_assert_cmpstr (g_type_name (json_node_get_value_type (a)), ==,
                         g_type_name (json_node_get_value_type (b)));
    }
  g_assert_true (json_object_has_member (co, "recycle_early_stop_tolerance"));
  g_assert_cmpstr (json_object_get_string_member (co, "model_type"), ==, "alphafold2_ptm");
  g_assert_cmpint (json_object_get_int_member (co, "num_recycles"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (co, "num_queries"), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (co, "rank_by"), ==, "plddt");
  g_assert_cmpstr (json_object_get_string_member (co, "params_file"), ==, "params_tiny.npz");
  g_assert_cmpint (strlen (json_object_get_string_member (co, "params_sha256")), ==, 64);
  g_assert_cmpstr (json_object_get_string_member (co, "backend"), ==, "cpu");
  g_assert_cmpstr (json_object_get_string_member (co, "precision"), ==, "fp32");

  /* The structure: same residues and atoms, pLDDT (2 decimals) in the B-factors. */
  g_autofree char *pdb_name = g_strdup_printf ("%s_unrelaxed_rank_001_%s.pdb", id, our_tag);
  g_autofree char *ref_pdb_name = g_strdup_printf ("%s_unrelaxed_rank_001_%s.pdb", id, ref_tag);
  g_autofree char *cif_name = g_strdup_printf ("%s_unrelaxed_rank_001_%s.cif", id, our_tag);
  g_autofree char *s1 = file_in (out, pdb_name), *s2 = file_in (ref, ref_pdb_name);
  g_autofree char *s3 = file_in (out, cif_name);
  g_autoptr (GError) error = NULL;
  g_autoptr (FlStructure) mine = fl_structure_read (s1, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FlStructure) cf = fl_structure_read (s2, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FlStructure) cif = fl_structure_read (s3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (mine->L, ==, cf->L);
  g_assert_cmpint (cif->L, ==, cf->L);
  g_assert_cmpstr (mine->sequence, ==, cf->sequence);
  int atoms_mine = 0, atoms_cf = 0;
  for (int i = 0; i < cf->L * 37; i++)
    {
      atoms_mine += mine->atom37_mask[i] > 0;
      atoms_cf += cf->atom37_mask[i] > 0;
    }
  g_assert_cmpint (atoms_mine, ==, atoms_cf);
  JsonArray *plddt = json_object_get_array_member (json_node_get_object (ours), "plddt");
  for (int r = 0; r < mine->L; r++)
    g_assert_cmpfloat (fabs (mine->b_factors[r] - json_array_get_double_element (plddt, r)),
                       <, 0.01);
  remove_tree (dir);
}

/* --models over a folder of official file names: one ranked result per
 * model, best mean pLDDT first, each model with its own data settings. */
static void
test_models_ranked (void)
{
  g_autofree char *params = fl_test_golden_path ("tiny", "params_tiny.npz");
  g_autofree char *config = fl_test_golden_path ("tiny", "config.json");
  if (!fl_test_require_file (params) || !fl_test_require_file (config))
    return;
  g_autofree char *dir = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  g_autofree char *pdir = file_in (dir, "params");
  g_assert_cmpint (g_mkdir (pdir, 0755), ==, 0);
  for (int k = 1; k <= 5; k += 2)
    {
      g_autofree char *name = g_strdup_printf ("params_model_%d_ptm.npz", k);
      g_autofree char *link = file_in (pdir, name);
      g_assert_cmpint (symlink (params, link), ==, 0);
    }
  /* The tiny model's architecture without its data section: each preset keeps its own. */
  g_autoptr (JsonNode) full = load_json (config);
  JsonObject *top = json_node_get_object (full);
  json_object_remove_member (top, "data");
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, full);
  g_autofree char *model_only = file_in (dir, "model.json");
  g_assert_true (json_generator_to_file (gen, model_only, NULL));
  write_text (dir, "in.fasta", ">one\nMNFMSEADGHKVQTALQCYIWNRP\n>two\nMKTAYIAKQRQISFVKSHFSRQLEE\n");

  g_autofree char *in = file_in (dir, "in.fasta");
  g_autofree char *out = file_in (dir, "out");
  g_autofree char *args = g_strdup_printf (
      "'%s' '%s' --params '%s' --models 1,3,5 --config '%s' --backend cpu --threads 1 "
      "--recycles 1 --seed 7", in, out, pdir, model_only);
  g_autofree char *err = NULL;
  g_assert_cmpint (run_sync (args, &err), ==, 0);
  g_assert_nonnull (strstr (err, "notice: model_1_ptm was trained with templates"));
  g_assert_null (strstr (err, "notice: model_3_ptm"));

  const char *ids[] = { "one", "two" };
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      double previous = INFINITY;
      int models_seen = 0;
      for (int rank = 1; rank <= 3; rank++)
        for (int k = 1; k <= 5; k += 2)
          {
            g_autofree char *name = g_strdup_printf (
                "%s_scores_rank_%03d_alphafold2_ptm_model_%d_seed_007.json", ids[i], rank, k);
            if (!exists_in (out, name))
              continue;
            models_seen |= 1 << k;
            g_autofree char *p = file_in (out, name);
            g_autoptr (JsonNode) s = load_json (p);
            JsonArray *pl = json_object_get_array_member (json_node_get_object (s), "plddt");
            double mean = 0;
            for (guint r = 0; r < json_array_get_length (pl); r++)
              mean += json_array_get_double_element (pl, r) / json_array_get_length (pl);
            g_assert_cmpfloat (mean, <=, previous + 0.01);   /* 2-decimal rounding */
            previous = mean;
            g_autofree char *pdb = g_strdup_printf (
                "%s_unrelaxed_rank_%03d_alphafold2_ptm_model_%d_seed_007.pdb", ids[i], rank, k);
            g_assert_true (exists_in (out, pdb));
          }
      g_assert_cmpint (models_seen, ==, (1 << 1) | (1 << 3) | (1 << 5));
    }
  g_autofree char *cpath = file_in (out, "config.json");
  g_autoptr (JsonNode) cfg = load_json (cpath);
  JsonArray *models = json_object_get_array_member (json_node_get_object (cfg), "models");
  g_assert_cmpint (json_array_get_length (models), ==, 3);
  const int want[3][2] = { { 508, 5120 }, { 512, 5120 }, { 512, 1024 } };
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *m = json_array_get_object_element (models, i);
      g_assert_cmpint (json_object_get_int_member (m, "max_seq"), ==, want[i][0]);
      g_assert_cmpint (json_object_get_int_member (m, "max_extra_seq"), ==, want[i][1]);
      g_assert_cmpstr (json_object_get_string_member (m, "preset_from"), ==, "file name");
    }
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (cfg), "random_seed"), ==, 7);
  remove_tree (dir);
}

/* A folder of alignments and FASTA files, CSV input, a failing input that
 * does not stop the batch, and the errors of bad lists and bad usage. */
static void
test_inputs_and_failures (void)
{
  g_autofree char *model = tiny_model_args ();
  g_autofree char *a3m = fl_test_golden_path ("tiny", "input.a3m");
  if (!model || !fl_test_require_file (a3m))
    return;
  g_autofree char *dir = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  g_autofree char *folder = file_in (dir, "inputs");
  g_assert_cmpint (g_mkdir (folder, 0755), ==, 0);
  g_autofree char *a3m_text = NULL;
  g_assert_true (g_file_get_contents (a3m, &a3m_text, NULL, NULL));
  write_text (folder, "aligned.a3m", a3m_text);
  write_text (folder, "single.fasta", ">x\nMKTAYIAKQRQISFV\n");
  write_text (folder, "notes.txt", "not an input\n");
  g_autofree char *out = file_in (dir, "out1");
  g_autofree char *args = g_strdup_printf ("'%s' '%s' %s --recycles 0", folder, out, model);
  g_autofree char *err = NULL;
  g_assert_cmpint (run_sync (args, &err), ==, 0);
  g_assert_true (exists_in (out, "aligned.done.txt"));
  g_assert_true (exists_in (out, "single.done.txt"));
  g_autofree char *cfg_path = file_in (out, "config.json");
  g_autoptr (JsonNode) cfg = load_json (cfg_path);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (cfg), "msa_mode"), ==,
                   "custom");

  /* CSV with a two-chain and a non-protein entry: recorded, the rest goes on. */
  write_text (dir, "in.csv", "id,sequence\nok,MKTAYIAKQRQISFVKSHF\ncomplex,MKTAY:IAKQR\n"
                             "digits,MKT1AYI\n");
  g_autofree char *csv = file_in (dir, "in.csv");
  g_autofree char *out2 = file_in (dir, "out2");
  g_autofree char *args2 = g_strdup_printf ("'%s' '%s' %s --recycles 0", csv, out2, model);
  g_autofree char *err2 = NULL;
  g_assert_cmpint (run_sync (args2, &err2), ==, 0);
  g_assert_true (exists_in (out2, "ok.done.txt"));
  g_assert_false (exists_in (out2, "complex.done.txt"));
  g_assert_false (exists_in (out2, "digits.done.txt"));
  g_autofree char *summary_path = file_in (out2, "summary.csv");
  g_autofree char *summary = NULL;
  g_assert_true (g_file_get_contents (summary_path, &summary, NULL, NULL));
  g_test_message ("%s", summary);
  g_assert_true (g_str_has_prefix (summary, "id,length,status,rank_1_model,mean_plddt,ptm,seconds,error,templates\n"));
  g_assert_nonnull (strstr (summary, "\nok,19,done,model_1_ptm,"));
  g_assert_nonnull (strstr (summary, "\ncomplex,11,failed,"));
  g_assert_nonnull (strstr (summary, "monomers"));
  g_assert_nonnull (strstr (summary, "\ndigits,7,failed,"));
  g_assert_cmpint (count_occurrences (summary, "\n"), ==, 4);

  /* A restart retries the failed ones only (and they fail again). */
  g_autofree char *err3 = NULL;
  g_assert_cmpint (run_sync (args2, &err3), ==, 0);
  g_assert_nonnull (strstr (err3, "(this run: 0 done, 2 failed, 1 skipped as already done)"));
  g_assert_cmpint (count_occurrences (err3, "FAILED"), ==, 2);

  /* Two workers: a failing input is tried once, not once per worker. */
  g_autofree char *out_pool = file_in (dir, "out-pool");
  g_autofree char *args_pool = g_strdup_printf ("'%s' '%s' %s --recycles 0 --workers 2", csv,
                                                out_pool, model);
  g_autofree char *err_pool = NULL;
  g_assert_cmpint (run_sync (args_pool, &err_pool), ==, 0);
  g_assert_cmpint (count_occurrences (err_pool, "FAILED"), ==, 2);
  g_assert_nonnull (strstr (err_pool, "3 inputs: 1 done, 2 failed, 0 pending"));

  /* Errors: duplicate ids, a missing file (exit 1); usage (exit 2). */
  write_text (dir, "dup.fasta", ">a b\nMKTAY\n>a_b\nMKTAYI\n");
  g_autofree char *dup = file_in (dir, "dup.fasta");
  g_autofree char *args4 = g_strdup_printf ("'%s' '%s' %s", dup, out2, model);
  g_autofree char *err4 = NULL;
  g_assert_cmpint (run_sync (args4, &err4), ==, 1);
  g_assert_nonnull (strstr (err4, "two inputs are named 'a_b'"));
  g_autofree char *args5 = g_strdup_printf ("'%s/none.fasta' '%s' %s", dir, out2, model);
  g_autofree char *err5 = NULL;
  g_assert_cmpint (run_sync (args5, &err5), ==, 1);
  g_autofree char *args6 = g_strdup_printf ("'%s' '%s' %s --models 1-3", csv, out2, model);
  g_autofree char *err6 = NULL;
  g_assert_cmpint (run_sync (args6, &err6), ==, 1);
  g_assert_nonnull (strstr (err6, "--models needs --params FOLDER"));
  g_autofree char *err7 = NULL;
  g_assert_cmpint (run_sync (csv, &err7), ==, 2);
  g_autofree char *args8 = g_strdup_printf ("'%s' '%s' %s --shard 3/2", csv, out2, model);
  g_autofree char *err8 = NULL;
  g_assert_cmpint (run_sync (args8, &err8), ==, 2);
  remove_tree (dir);
}

/* Three inputs, each a few seconds long (many recycles). */
static char *
slow_batch (const char *dir, const char *model, const char *extra)
{
  write_text (dir, "three.fasta",
              ">first\nMKTAYIAKQRQISFVKSHFSRQ\n>second\nMNFMSEADGHKVQTALQCYIWNRP\n"
              ">third\nMKTAYIAKQRQISFVKSHFSRQLEERLGL\n");
  g_autofree char *in = file_in (dir, "three.fasta");
  g_autofree char *out = file_in (dir, "out");
  return g_strdup_printf ("'%s' '%s' %s --recycles 24 %s", in, out, model, extra);
}

static gboolean
wait_for_file (const char *dir, const char *name, double seconds)
{
  for (int i = 0; i < (int) (seconds * 100); i++)
    {
      if (exists_in (dir, name))
        return TRUE;
      g_usleep (10000);
    }
  return FALSE;
}

/* Killed right after its first result, then restarted: the finished input
 * is not run again (its files keep their times, no run line for it), the
 * others are finished, and nothing counted as done was half written. */
static void
test_resume_after_kill (void)
{
  g_autofree char *model = tiny_model_args ();
  if (!model)
    return;
  g_autofree char *dir = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  g_autofree char *args = slow_batch (dir, model, "");
  g_autofree char *out = file_in (dir, "out");
  g_autofree char *log = file_in (dir, "first.log");
  GPid pid = run_async (args, log);
  gboolean first = wait_for_file (out, "first.done.txt", 120);
  kill (pid, SIGKILL);
  int status = wait_pid (pid);
  g_assert_true (first);
  g_assert_true (WIFSIGNALED (status));
  g_assert_false (exists_in (out, "third.done.txt"));
  g_assert_false (exists_in (out, "summary.csv"));

  const char *pdb = "first_unrelaxed_rank_001_alphafold2_ptm_model_1_seed_000.pdb";
  g_assert_true (exists_in (out, pdb));
  gint64 t_pdb = mtime_ns (out, pdb), t_done = mtime_ns (out, "first.done.txt");

  g_autofree char *err = NULL;
  g_assert_cmpint (run_sync (args, &err), ==, 0);
  g_assert_nonnull (strstr (err, "3 inputs: 3 done, 0 failed, 0 pending"));
  g_assert_null (strstr (err, "first model_1_ptm:"));       /* not run again */
  g_assert_nonnull (strstr (err, "third model_1_ptm:"));
  g_assert_nonnull (strstr (err, "(this run: 2 done, 0 failed, 1 skipped as already done)"));
  g_assert_cmpint (mtime_ns (out, pdb), ==, t_pdb);
  g_assert_cmpint (mtime_ns (out, "first.done.txt"), ==, t_done);
  g_assert_true (exists_in (out, "second.done.txt"));
  g_assert_true (exists_in (out, "third.done.txt"));
  remove_tree (dir);
}

/* Lines "] ID (L=" ... "done in" of every log, per id. */
static int
count_done (const char *log_text, const char *id)
{
  g_autofree char *needle = g_strdup_printf ("] %s (L=", id);
  int n = 0;
  for (const char *p = log_text; (p = strstr (p, needle)); p += strlen (needle))
    {
      const char *eol = strchr (p, '\n');
      g_autofree char *line = g_strndup (p, eol ? (gsize) (eol - p) : strlen (p));
      n += strstr (line, " done in ") != NULL;
    }
  return n;
}

/* One command with two CPU workers, then two independent processes on one
 * folder, then one of two killed after its first input: every input done
 * exactly once, and the survivor finishes what the dead one held. */
static void
test_workers_share (void)
{
  g_autofree char *model = tiny_model_args ();
  if (!model)
    return;
  const char *ids[] = { "first", "second", "third" };

  /* --workers 2 in one command. */
  g_autofree char *dir = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  g_autofree char *args = slow_batch (dir, model, "--workers 2");
  g_autofree char *out = file_in (dir, "out");
  g_autofree char *err = NULL;
  g_assert_cmpint (run_sync (args, &err), ==, 0);
  g_assert_nonnull (strstr (err, "2 workers sharing"));
  g_assert_nonnull (strstr (err, "[worker 1]"));
  g_assert_nonnull (strstr (err, "[worker 2]"));
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpint (count_done (err, ids[i]), ==, 1);
  g_assert_nonnull (strstr (err, "3 inputs: 3 done, 0 failed, 0 pending"));
  remove_tree (dir);

  /* Two processes started together on one folder. */
  g_autofree char *dir2 = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  g_autofree char *args2 = slow_batch (dir2, model, "");
  g_autofree char *log_a = file_in (dir2, "a.log"), *log_b = file_in (dir2, "b.log");
  GPid a = run_async (args2, log_a);
  GPid b = run_async (args2, log_b);
  int sa = wait_pid (a), sb = wait_pid (b);
  g_assert_true (WIFEXITED (sa) && WEXITSTATUS (sa) == 0);
  g_assert_true (WIFEXITED (sb) && WEXITSTATUS (sb) == 0);
  g_autofree char *ta = NULL, *tb = NULL;
  g_assert_true (g_file_get_contents (log_a, &ta, NULL, NULL));
  g_assert_true (g_file_get_contents (log_b, &tb, NULL, NULL));
  g_test_message ("a:\n%s\nb:\n%s", ta, tb);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_assert_cmpint (count_done (ta, ids[i]) + count_done (tb, ids[i]), ==, 1);
  g_assert_cmpint (count_done (ta, "first") + count_done (ta, "second")
                   + count_done (ta, "third"), >=, 1);
  g_assert_cmpint (count_done (tb, "first") + count_done (tb, "second")
                   + count_done (tb, "third"), >=, 1);
  remove_tree (dir2);

  /* A worker dies holding an input: the other one takes it over. */
  g_autofree char *dir3 = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  g_autofree char *args3 = slow_batch (dir3, model, "");
  g_autofree char *out3 = file_in (dir3, "out");
  g_autofree char *log_c = file_in (dir3, "c.log"), *log_d = file_in (dir3, "d.log");
  GPid c = run_async (args3, log_c);
  g_assert_true (wait_for_file (out3, ".foldlight-batch/first.lock", 60));
  GPid d = run_async (args3, log_d);
  g_assert_true (wait_for_file (out3, ".foldlight-batch/second.lock", 60));
  kill (c, SIGKILL);     /* c held "first" (d took "second") */
  wait_pid (c);
  int sd = wait_pid (d);
  g_assert_true (WIFEXITED (sd) && WEXITSTATUS (sd) == 0);
  g_autofree char *td = NULL;
  g_assert_true (g_file_get_contents (log_d, &td, NULL, NULL));
  g_test_message ("survivor:\n%s", td);
  g_assert_nonnull (strstr (td, "3 inputs: 3 done, 0 failed, 0 pending"));
  /* The killed worker always held an unfinished input: every input was
   * finished once, by one of the two. */
  g_autofree char *tc = NULL;
  g_assert_true (g_file_get_contents (log_c, &tc, NULL, NULL));
  int by_c = 0;
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_assert_true (done_in (out3, ids[i]));
      g_assert_cmpint (count_done (tc, ids[i]) + count_done (td, ids[i]), ==, 1);
      by_c += count_done (tc, ids[i]);
    }
  g_assert_cmpint (by_c, <, 3);
  remove_tree (dir3);
}

/* --shard K/N splits the length-sorted list round-robin. */
static void
test_shards (void)
{
  g_autofree char *model = tiny_model_args ();
  if (!model)
    return;
  g_autofree char *dir = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  write_text (dir, "in.fasta", ">l10\nMKTAYIAKQR\n>l12\nMKTAYIAKQRQI\n>l14\nMKTAYIAKQRQISF\n"
                               ">l16\nMKTAYIAKQRQISFVK\n>l18\nMKTAYIAKQRQISFVKSH\n");
  g_autofree char *in = file_in (dir, "in.fasta");
  for (int k = 1; k <= 2; k++)
    {
      g_autofree char *name = g_strdup_printf ("shard%d", k);
      g_autofree char *out = file_in (dir, name);
      g_autofree char *args = g_strdup_printf ("'%s' '%s' %s --recycles 0 --shard %d/2",
                                               in, out, model, k);
      g_autofree char *err = NULL;
      g_assert_cmpint (run_sync (args, &err), ==, 0);
      const char *mine[2][3] = { { "l10", "l14", "l18" }, { "l12", "l16", NULL } };
      const char *theirs[2][2] = { { "l12", "l16" }, { "l10", "l14" } };
      for (int i = 0; i < 3 && mine[k - 1][i]; i++)
        g_assert_true (done_in (out, mine[k - 1][i]));
      for (int i = 0; i < 2; i++)
        g_assert_false (done_in (out, theirs[k - 1][i]));
    }
  remove_tree (dir);
}

/* ATOM lines of the result of model K for input id, whatever its rank. */
static char *
model_atoms (const char *out, const char *id, int k)
{
  g_autoptr (GDir) d = g_dir_open (out, 0, NULL);
  g_assert_nonnull (d);
  g_autofree char *prefix = g_strconcat (id, "_unrelaxed_rank_", NULL);
  g_autofree char *suffix = g_strdup_printf ("_model_%d_seed_000.pdb", k);
  const char *name;
  while ((name = g_dir_read_name (d)))
    if (g_str_has_prefix (name, prefix) && g_str_has_suffix (name, suffix))
      {
        g_autofree char *p = file_in (out, name);
        g_autofree char *text = NULL;
        g_assert_true (g_file_get_contents (p, &text, NULL, NULL));
        GString *atoms = g_string_new (NULL);
        g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
        for (int i = 0; lines[i]; i++)
          if (g_str_has_prefix (lines[i], "ATOM"))
            g_string_append_printf (atoms, "%s\n", lines[i]);
        g_assert_cmpuint (atoms->len, >, 0);
        return g_string_free (atoms, FALSE);
      }
  g_error ("no model %d result for %s in %s", k, id, out);
  return NULL;
}

static void
link_in (const char *dir, const char *name, const char *target)
{
  g_autofree char *p = file_in (dir, name);
  g_assert_cmpint (symlink (target, p), ==, 0);
}

/* Templates per input (--template-dir DIR, DIR/ID/ for input ID) with two
 * models: model_1_ptm (golden tmpl's template stack) uses them and its
 * result differs from a run without templates; model_3_ptm (the tiny
 * parameters: no template stack) is identical to it. ID_templates.json,
 * the record and the summary say which model used which template; a bad
 * template file fails its input only, and five templates are refused. */
static void
test_templates (void)
{
  g_autofree char *tmpl = fl_test_golden_path ("tmpl", "params_tmpl.npz");
  g_autofree char *tmpl_config = fl_test_golden_path ("tmpl", "config.json");
  g_autofree char *pdb = fl_test_golden_path ("tmpl", "1GCN.pdb");
  g_autofree char *cif = fl_test_golden_path ("tmpl", "4I6P.cif");
  g_autofree char *tiny = fl_test_golden_path ("tiny", "params_tiny.npz");
  if (!fl_test_require_file (tmpl) || !fl_test_require_file (tmpl_config)
      || !fl_test_require_file (pdb) || !fl_test_require_file (cif)
      || !fl_test_require_file (tiny))
    return;
  g_autofree char *dir = g_dir_make_tmp ("fl-batch-XXXXXX", NULL);
  g_autofree char *pdir = file_in (dir, "params");
  g_assert_cmpint (g_mkdir (pdir, 0755), ==, 0);
  link_in (pdir, "params_model_1_ptm.npz", tmpl);
  link_in (pdir, "params_model_3_ptm.npz", tiny);
  /* tmpl's architecture (widths follow each file's shapes), each preset's data settings. */
  g_autoptr (JsonNode) full = load_json (tmpl_config);
  json_object_remove_member (json_node_get_object (full), "data");
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, full);
  g_autofree char *model_only = file_in (dir, "model.json");
  g_assert_true (json_generator_to_file (gen, model_only, NULL));
  write_text (dir, "in.fasta", ">glucagon\nHAQGTFTSDYSKYMDRRAQDGNFVQWLLNTKRG\n"
                               ">other\nKDRLVAVFDEQDGPGSEFKVTVCFG\n");
  /* glucagon: the chain from the file name; other: from templates.txt. */
  const char *folders[] = { "templates", "templates/glucagon", "templates/other", "bad",
                            "bad/glucagon", "bad/other", "five", "five/glucagon" };
  for (guint i = 0; i < G_N_ELEMENTS (folders); i++)
    {
      g_autofree char *p = file_in (dir, folders[i]);
      g_assert_cmpint (g_mkdir (p, 0755), ==, 0);
    }
  g_autofree char *t_glucagon = file_in (dir, "templates/glucagon");
  g_autofree char *t_other = file_in (dir, "templates/other");
  link_in (t_glucagon, "1gcn_A.pdb", pdb);
  link_in (t_other, "4I6P.cif", cif);
  write_text (t_other, "templates.txt", "# chain B of 4I6P\n4I6P.cif:B\n");

  g_autofree char *in = file_in (dir, "in.fasta");
  g_autofree char *common = g_strdup_printf (
      "'%s' --params '%s' --models 1,3 --config '%s' --backend cpu --threads 1 --recycles 1",
      in, pdir, model_only);
  g_autofree char *out_t = file_in (dir, "out-templates");
  g_autofree char *out_0 = file_in (dir, "out-none");
  g_autofree char *tdir = file_in (dir, "templates");
  g_autofree char *args_t = g_strdup_printf ("%s '%s' --template-dir '%s'", common, out_t, tdir);
  g_autofree char *args_0 = g_strdup_printf ("%s '%s'", common, out_0);
  g_autofree char *err_t = NULL, *err_0 = NULL;
  g_assert_cmpint (run_sync (args_t, &err_t), ==, 0);
  g_assert_cmpint (run_sync (args_0, &err_0), ==, 0);
  g_assert_nonnull (strstr (err_t, "glucagon: template 1 1gcn_A"));
  g_assert_nonnull (strstr (err_t, "other: template 1 4i6p_B"));
  g_assert_null (strstr (err_t, "notice: model_1_ptm was trained with templates"));
  g_assert_nonnull (strstr (err_0, "notice: model_1_ptm was trained with templates"));

  const char *ids[] = { "glucagon", "other" };
  const char *domains[] = { "1gcn_A", "4i6p_B" };
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    {
      g_autofree char *m1_t = model_atoms (out_t, ids[i], 1);
      g_autofree char *m1_0 = model_atoms (out_0, ids[i], 1);
      g_autofree char *m3_t = model_atoms (out_t, ids[i], 3);
      g_autofree char *m3_0 = model_atoms (out_0, ids[i], 3);
      g_assert_cmpstr (m1_t, !=, m1_0);
      g_assert_cmpstr (m3_t, ==, m3_0);

      g_autofree char *name = g_strconcat (ids[i], "_templates.json", NULL);
      g_autofree char *path = file_in (out_t, name);
      g_autoptr (JsonNode) used = load_json (path);
      JsonObject *u = json_node_get_object (used);
      JsonArray *templates = json_object_get_array_member (u, "templates");
      g_assert_cmpuint (json_array_get_length (templates), ==, 1);
      JsonObject *t = json_array_get_object_element (templates, 0);
      g_assert_cmpstr (json_object_get_string_member (t, "domain_name"), ==, domains[i]);
      g_assert_cmpstr (json_object_get_string_member (t, "chain"), ==, i == 0 ? "A" : "B");
      g_assert_true (json_object_get_boolean_member (t, "used"));
      double coverage = json_object_get_double_member (t, "coverage");
      g_assert_cmpfloat (coverage, >, i == 0 ? 0.8 : 0.3);
      g_assert_cmpfloat (coverage, <=, 1.0);
      JsonArray *models = json_object_get_array_member (u, "models");
      g_assert_cmpuint (json_array_get_length (models), ==, 2);
      JsonObject *m1 = json_array_get_object_element (models, 0);
      JsonObject *m3 = json_array_get_object_element (models, 1);
      g_assert_cmpstr (json_object_get_string_member (m1, "model"), ==, "model_1_ptm");
      g_assert_true (json_object_get_boolean_member (m1, "template_stack"));
      JsonArray *m1_used = json_object_get_array_member (m1, "templates");
      g_assert_cmpuint (json_array_get_length (m1_used), ==, 1);
      g_assert_cmpstr (json_array_get_string_element (m1_used, 0), ==, domains[i]);
      g_assert_false (json_object_get_boolean_member (m3, "template_stack"));
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (m3, "templates")),
                        ==, 0);
      /* The record carries the same, for the summary. */
      g_autofree char *record_name = g_strconcat (".foldlight-batch/", ids[i], ".json", NULL);
      g_autofree char *record_path = file_in (out_t, record_name);
      g_autoptr (JsonNode) record = load_json (record_path);
      g_assert_true (json_object_has_member (json_node_get_object (record), "templates"));
    }
  g_autofree char *summary_t_path = file_in (out_t, "summary.csv");
  g_autofree char *summary_0_path = file_in (out_0, "summary.csv");
  g_autofree char *summary_t = NULL, *summary_0 = NULL;
  g_assert_true (g_file_get_contents (summary_t_path, &summary_t, NULL, NULL));
  g_assert_true (g_file_get_contents (summary_0_path, &summary_0, NULL, NULL));
  g_test_message ("%s%s", summary_t, summary_0);
  g_assert_true (g_str_has_prefix (summary_t, "id,length,status,rank_1_model,mean_plddt,ptm,"
                                              "seconds,error,templates\n"));
  g_assert_nonnull (strstr (summary_t, ",1gcn_A 8"));
  g_assert_nonnull (strstr (summary_t, ",4i6p_B "));
  g_assert_cmpint (count_occurrences (summary_0, ",none\n"), ==, 2);
  g_autofree char *config_t_path = file_in (out_t, "config.json");
  g_autoptr (JsonNode) config_t = load_json (config_t_path);
  g_assert_true (json_object_get_boolean_member (json_node_get_object (config_t),
                                                 "use_templates"));

  /* A file that is no structure fails its input; the other one is done. */
  g_autofree char *b_glucagon = file_in (dir, "bad/glucagon");
  g_autofree char *b_other = file_in (dir, "bad/other");
  write_text (b_glucagon, "broken_A.pdb", "HEADER    NOT A STRUCTURE\nATOM  garbage\n");
  link_in (b_other, "1GCN.pdb", pdb);
  g_autofree char *out_b = file_in (dir, "out-bad");
  g_autofree char *bdir = file_in (dir, "bad");
  g_autofree char *args_b = g_strdup_printf ("%s '%s' --template-dir '%s'", common, out_b, bdir);
  g_autofree char *err_b = NULL;
  g_assert_cmpint (run_sync (args_b, &err_b), ==, 0);
  g_assert_false (done_in (out_b, "glucagon"));
  g_assert_true (done_in (out_b, "other"));
  g_autofree char *summary_b_path = file_in (out_b, "summary.csv");
  g_autofree char *summary_b = NULL;
  g_assert_true (g_file_get_contents (summary_b_path, &summary_b, NULL, NULL));
  g_test_message ("%s", summary_b);
  g_assert_nonnull (strstr (summary_b, "\nglucagon,33,failed,"));
  g_assert_nonnull (strstr (summary_b, "broken_A.pdb"));
  g_assert_nonnull (strstr (summary_b, "\nother,25,done,"));

  /* Five templates for a model that takes four: a message, not a silent cut. */
  g_autofree char *f_glucagon = file_in (dir, "five/glucagon");
  for (int k = 1; k <= 5; k++)
    {
      g_autofree char *name = g_strdup_printf ("t%d_A.pdb", k);
      link_in (f_glucagon, name, pdb);
    }
  g_autofree char *out_f = file_in (dir, "out-five");
  g_autofree char *fdir = file_in (dir, "five");
  g_autofree char *args_f = g_strdup_printf ("%s '%s' --template-dir '%s'", common, out_f, fdir);
  g_autofree char *err_f = NULL;
  g_assert_cmpint (run_sync (args_f, &err_f), ==, 0);
  g_assert_false (done_in (out_f, "glucagon"));
  g_assert_true (done_in (out_f, "other"));   /* no folder of its own: runs without */
  g_assert_nonnull (strstr (err_f, "5 templates"));
  g_assert_nonnull (strstr (err_f, "at most 4"));
  g_assert_nonnull (strstr (err_f, "other: no templates"));
  remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_path = g_getenv ("FL_CLI");
  if (!cli_path)
    g_error ("FL_CLI is not set (run through meson test)");
  g_test_add_func ("/cli/batch/colabfold-shape", test_colabfold_shape);
  g_test_add_func ("/cli/batch/models-ranked", test_models_ranked);
  g_test_add_func ("/cli/batch/inputs-and-failures", test_inputs_and_failures);
  g_test_add_func ("/cli/batch/resume-after-kill", test_resume_after_kill);
  g_test_add_func ("/cli/batch/workers-share", test_workers_share);
  g_test_add_func ("/cli/batch/shards", test_shards);
  g_test_add_func ("/cli/batch/templates", test_templates);
  return g_test_run ();
}
