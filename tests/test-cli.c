/* The CLI binary: --help lists the commands, --version prints the version,
 * an unknown command is a usage error (exit 2); random-params writes a
 * loadable parameter file of a preset. */
#include <glib.h>
#include <glib/gstdio.h>
#include "fl-config.h"
#include "fl-params.h"
#include <string.h>
#include <sys/wait.h>
#include "fl-build-config.h"

static const char *cli_path;

static void
run_cli (const char *args, char **out, char **err, int *status)
{
  g_autofree char *cmd = g_strdup_printf ("'%s' %s", cli_path, args);
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_assert_true (g_spawn_command_line_sync (cmd, out, err, &wait_status, &error));
  g_assert_no_error (error);
  *status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
}

static void
test_help (void)
{
  g_autofree char *out = NULL, *err = NULL;
  int status;
  run_cli ("--help", &out, &err, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "Usage: foldlight-cli"));
  /* bug 8: the command summaries start in one column */
  const char *a = strstr (out, "\n  features "), *b = strstr (out, "\n  random-params ");
  g_assert_nonnull (a);
  g_assert_nonnull (b);
  int col_a = (int) (strstr (a, "Build") - a), col_b = (int) (strstr (b, "Write") - b);
  g_assert_cmpint (col_a, ==, col_b);
}

/* Bug 8: a sub-command's help in the C locale keeps "Å" and "…" and names
 * the program; a missing --params says where parameters come from. */
static void
test_predict_help (void)
{
  g_autofree char *out = NULL, *err = NULL;
  int status;
  g_setenv ("LC_ALL", "C", TRUE);
  run_cli ("predict --help", &out, &err, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "foldlight-cli predict [OPTION…]"));
  g_assert_nonnull (strstr (out, "below T Å"));
  g_assert_null (strstr (out, "?"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  run_cli ("predict --fasta x.fasta --out o", &out, &err, &status);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "--params is required"));
  g_assert_nonnull (strstr (err, "params_model_1_ptm.npz"));
  g_assert_nonnull (strstr (err, "random-params"));
  g_unsetenv ("LC_ALL");
}

static void
test_version (void)
{
  g_autofree char *out = NULL, *err = NULL;
  int status;
  run_cli ("--version", &out, &err, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, FL_VERSION));
}

static void
test_unknown (void)
{
  g_autofree char *out = NULL, *err = NULL;
  int status;
  run_cli ("no-such-command", &out, &err, &status);
  g_assert_cmpint (status, ==, 2);
  g_assert_nonnull (strstr (err, "unknown command"));
}

static void
test_random_params (void)
{
  g_autofree char *out = NULL, *err = NULL;
  int status;
  run_cli ("random-params --preset model_1_ptm", &out, &err, &status);
  g_assert_cmpint (status, ==, 2);                        /* --out is required */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  run_cli ("random-params --preset model_9 --out /dev/null", &out, &err, &status);
  g_assert_cmpint (status, ==, 1);                        /* no such preset */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_autofree char *dir = g_dir_make_tmp ("fl-random-params-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, "params_model_2_ptm.npz", NULL);
  g_autofree char *args = g_strdup_printf ("random-params --preset model_2_ptm --seed 3 --out '%s'", path);
  run_cli (args, &out, &err, &status);
  g_assert_cmpint (status, ==, 0);
  /* It loads as parameters, and the model config inferred from them is the preset's. */
  g_autoptr (GError) error = NULL;
  g_autoptr (FlParams) params = fl_params_load (path, &error);
  g_assert_no_error (error);
  FlModelConfig cfg, want;
  g_assert_true (fl_model_config_from_preset ("model_2_ptm", &want, NULL));
  cfg = want;
  g_assert_true (fl_model_config_infer (&cfg, params, &error));
  g_assert_no_error (error);
  g_assert_cmpint (cfg.n_evoformer_blocks, ==, 48);
  g_assert_cmpint (cfg.c_z, ==, 128);
  g_assert_true (cfg.has_pae);
  g_remove (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_path = g_getenv ("FL_CLI");
  g_assert_nonnull (cli_path);
  g_test_add_func ("/app/cli/help", test_help);
  g_test_add_func ("/app/cli/predict-help", test_predict_help);
  g_test_add_func ("/app/cli/version", test_version);
  g_test_add_func ("/app/cli/unknown-command", test_unknown);
  g_test_add_func ("/app/cli/random-params", test_random_params);
  return g_test_run ();
}
