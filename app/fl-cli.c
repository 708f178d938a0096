/* foldlight-cli: the engine without a window, for batch work. */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include "fl-build-config.h"
#include "fl-backend.h"
#include "fl-cli.h"

int
fl_cli_fail (GError *error)
{
  g_printerr ("foldlight-cli: %s\n", error ? error->message : "failed");
  g_clear_error (&error);
  return 1;
}

int
fl_cli_usage_error (GOptionContext *ctx, const char *message)
{
  g_printerr ("foldlight-cli: %s\n", message);
  if (ctx)
    {
      g_autofree char *help = g_option_context_get_help (ctx, TRUE, NULL);
      g_printerr ("%s", help);
    }
  return 2;
}

static void
print_help (FILE *out)
{
  fprintf (out,
           "Usage: foldlight-cli COMMAND [OPTIONS]\n\n"
           "Foldlight %s: AlphaFold2 monomer inference without a window.\n\n"
           "Commands:\n", FL_VERSION);
  int width = 0;
  for (const FlCliCommand *c = fl_cli_commands; c->name; c++)
    width = MAX (width, (int) strlen (c->name));
  for (const FlCliCommand *c = fl_cli_commands; c->name; c++)
    fprintf (out, "  %-*s  %s\n", width, c->name, c->summary);
  fprintf (out,
           "\nOptions:\n"
           "  -h, --help     Show this help\n"
           "  --version      Show the version\n\n"
           "Run 'foldlight-cli COMMAND --help' for a command's options.\n");
}

int
main (int argc, char **argv)
{
  fl_cpu_threads_prepare (argv);
  /* Help and messages are UTF-8 ("Å", "…"): GLib converts them to the
   * locale's charset, which in the C locale turns them into "?". */
  setlocale (LC_CTYPE, "");
  if (!g_get_charset (NULL))
    setlocale (LC_CTYPE, "C.UTF-8");
  if (argc < 2)
    {
      print_help (stderr);
      return 2;
    }
  if (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0
      || strcmp (argv[1], "help") == 0)
    {
      print_help (stdout);
      return 0;
    }
  if (strcmp (argv[1], "--version") == 0 || strcmp (argv[1], "version") == 0)
    {
      printf ("foldlight-cli %s (CUDA backend: %s)\n", FL_VERSION,
              FL_HAVE_CUDA ? "built" : "not built");
      return 0;
    }
  for (const FlCliCommand *c = fl_cli_commands; c->name; c++)
    if (strcmp (argv[1], c->name) == 0)
      {
        /* GOption's usage line: "Usage: foldlight-cli predict [OPTION…]" */
        g_autofree char *prgname = g_strdup_printf ("foldlight-cli %s", c->name);
        g_set_prgname (prgname);
        return c->main (argc - 1, argv + 1);
      }

  g_printerr ("foldlight-cli: unknown command '%s'\n", argv[1]);
  print_help (stderr);
  return 2;
}
