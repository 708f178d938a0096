/* foldlight-cli fetch-params: download DeepMind's official parameters into
 * ~/.local/share/foldlight/params (see fl-params-fetch.h). */
#include <stdio.h>
#include <unistd.h>
#include "fl-cli.h"
#include "fl-params-fetch.h"

typedef struct {
  FlParamsFetchStage stage;
  gint64 last_report;
  gboolean tty;
} Report;

static void
on_progress (FlParamsFetchStage stage, gint64 done, gint64 total, gpointer user_data)
{
  Report *r = user_data;
  gint64 now = g_get_monotonic_time ();
  if (stage == r->stage && now - r->last_report < (r->tty ? 200000 : 5000000))
    return;
  if (stage != r->stage && r->tty)
    fputc ('\n', stderr);
  r->stage = stage;
  r->last_report = now;
  const char *what = stage == FL_PARAMS_FETCH_DOWNLOADING ? "downloading"
                     : stage == FL_PARAMS_FETCH_VERIFYING ? "checksum"
                     : "unpacking";
  if (total > 0)
    fprintf (stderr, "%s%s %.1f / %.1f MB (%.0f%%)%s", r->tty ? "\r" : "", what, done / 1e6,
             total / 1e6, 100.0 * done / total, r->tty ? "   " : "\n");
  else
    fprintf (stderr, "%s%s %.1f MB%s", r->tty ? "\r" : "", what, done / 1e6,
             r->tty ? "   " : "\n");
}

int
fl_cli_fetch_params_main (int argc, char **argv)
{
  g_autofree char *dir = NULL, *url = NULL, *sha256 = NULL, *tarball = NULL;
  gboolean info = FALSE;
  GOptionEntry entries[] = {
    { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir,
      "Install into DIR (default ~/.local/share/foldlight/params)", "DIR" },
    { "sha256", 0, 0, G_OPTION_ARG_STRING, &sha256,
      "Refuse the download unless its SHA-256 is this (hex)", "HEX" },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Download from URL instead (a mirror)", "URL" },
    { "from-file", 0, 0, G_OPTION_ARG_FILENAME, &tarball,
      "Unpack a tarball already downloaded instead", "TAR" },
    { "info", 0, 0, G_OPTION_ARG_NONE, &info, "Only say what would be downloaded", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- download the official parameters");
  g_autofree char *def = fl_params_fetch_default_dir ();
  g_autofree char *summary = g_strdup_printf (
    "Downloads %s (%s), DeepMind's AlphaFold2 parameters,\n"
    "published at %s\n"
    "under the licence %s,\n"
    "checks it, and unpacks it into %s.\n"
    "An interrupted download resumes when run again. DeepMind publishes no checksum:\n"
    "the size is checked against the server's, and --sha256 adds a check of your own.",
    FL_PARAMS_TARBALL_NAME, FL_PARAMS_TARBALL_SIZE_TEXT, FL_PARAMS_TARBALL_URL,
    FL_PARAMS_TARBALL_LICENCE, def);
  g_option_context_set_summary (ctx, summary);
  g_option_context_add_main_entries (ctx, entries, NULL);
  GError *error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_autofree char *msg = g_strdup (error->message);
      g_clear_error (&error);
      return fl_cli_usage_error (ctx, msg);
    }
  if (argc > 1)
    {
      g_autofree char *msg = g_strdup_printf ("unexpected argument '%s'", argv[1]);
      return fl_cli_usage_error (ctx, msg);
    }
  const char *target = dir ? dir : def;
  printf ("Tarball:   %s (%s)\n", FL_PARAMS_TARBALL_NAME, FL_PARAMS_TARBALL_SIZE_TEXT);
  printf ("Published: %s by %s\n", url ? url : FL_PARAMS_TARBALL_URL,
          FL_PARAMS_TARBALL_PUBLISHER);
  printf ("Licence:   %s\n", FL_PARAMS_TARBALL_LICENCE);
  printf ("Into:      %s\n", target);
  fflush (stdout);
  if (info)
    return 0;

  Report report = { .stage = (FlParamsFetchStage) -1, .tty = isatty (fileno (stderr)) };
  if (tarball)
    {
      if (!fl_params_fetch_unpack (tarball, target, on_progress, &report, NULL, &error))
        return fl_cli_fail (error);
    }
  else
    {
      FlParamsFetchOptions o = { .url = url, .dir = target, .sha256 = sha256,
                                 .progress = on_progress, .user_data = &report };
      g_autofree char *sha = fl_params_fetch (&o, &error);
      if (report.tty)
        fputc ('\n', stderr);
      if (!sha)
        return fl_cli_fail (error);
      printf ("SHA-256:   %s\n", sha);
    }
  g_autofree char *installed = fl_params_fetch_find_installed (target);
  printf ("Installed: %s\n", installed ? installed : target);
  return 0;
}
