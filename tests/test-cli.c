/* The CLI binary: --help lists the commands, --version prints the version,
 * an unknown command is a usage error (exit 2). */
#include <glib.h>
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  cli_path = g_getenv ("FL_CLI");
  g_assert_nonnull (cli_path);
  g_test_add_func ("/app/cli/help", test_help);
  g_test_add_func ("/app/cli/version", test_version);
  g_test_add_func ("/app/cli/unknown-command", test_unknown);
  return g_test_run ();
}
