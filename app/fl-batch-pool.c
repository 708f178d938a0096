/* The worker pool of foldlight-cli batch (fl-batch-pool.h). */
#include <errno.h>
#include <stdlib.h>
#include <sys/wait.h>
#include "fl-batch-pool.h"
#include "fl-error.h"

/* The command line of a worker: ours without --devices / --workers, with
 * --device D --worker K. */
static char **
worker_argv (char **orig, int device, int k, const char *session)
{
  GPtrArray *a = g_ptr_array_new ();
  /* This program: the path behind /proc/self/exe (what tools such as
   * valgrind report there), or the link itself. */
  char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_ptr_array_add (a, self ? self : g_strdup ("/proc/self/exe"));
  g_ptr_array_add (a, g_strdup ("batch"));
  for (int i = 0; orig[i]; i++)
    {
      const char *s = orig[i];
      if (g_str_equal (s, "--devices") || g_str_equal (s, "--workers")
          || g_str_equal (s, "--device"))
        {
          if (orig[i + 1])
            i++;
          continue;
        }
      if (g_str_has_prefix (s, "--devices=") || g_str_has_prefix (s, "--workers=")
          || g_str_has_prefix (s, "--device="))
        continue;
      g_ptr_array_add (a, g_strdup (s));
    }
  g_ptr_array_add (a, g_strdup_printf ("--device=%d", device));
  g_ptr_array_add (a, g_strdup_printf ("--worker=%d", k));
  g_ptr_array_add (a, g_strdup_printf ("--session=%s", session));
  g_ptr_array_add (a, NULL);
  return (char **) g_ptr_array_free (a, FALSE);
}

gboolean
fl_batch_run_pool (char **orig_argv, GArray *devices, const char *session, GError **error)
{
  guint n = devices->len;
  g_autofree GPid *pids = g_new0 (GPid, n);
  for (guint k = 0; k < n; k++)
    {
      g_auto (GStrv) argv = worker_argv (orig_argv, g_array_index (devices, int, k), (int) k + 1,
                                         session);
      if (!g_spawn_async (NULL, argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_CHILD_INHERITS_STDIN,
                          NULL, NULL, &pids[k], error))
        return FALSE;
    }
  int bad = 0;
  for (guint k = 0; k < n; k++)
    {
      int status = 0;
      while (waitpid (pids[k], &status, 0) < 0 && errno == EINTR)
        ;
      if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
        {
          bad++;
          g_printerr ("foldlight-cli: worker %u (device %d) ended abnormally (%s %d)\n",
                      k + 1, g_array_index (devices, int, k),
                      WIFEXITED (status) ? "exit status" : "signal",
                      WIFEXITED (status) ? WEXITSTATUS (status) : WTERMSIG (status));
        }
      g_spawn_close_pid (pids[k]);
    }
  if (bad == (int) n)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_FAILED,
                   "Every worker failed; their messages are above.");
      return FALSE;
    }
  return TRUE;
}

gboolean
fl_batch_parse_devices (const char *spec, GArray *out)
{
  g_auto (GStrv) parts = g_strsplit (spec, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      char *end = NULL;
      long d = strtol (parts[i], &end, 10);
      if (end == parts[i] || *end || d < 0 || d > 1024)
        return FALSE;
      int v = (int) d;
      g_array_append_val (out, v);
    }
  return out->len > 0;
}
