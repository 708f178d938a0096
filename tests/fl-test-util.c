#include "fl-test-util.h"
#include "fl-build-config.h"
#include <math.h>
#include <string.h>

/* Candidate golden folders, in order of preference. */
static const char *const *
golden_candidates (void)
{
  static char *dirs[4] = { NULL };
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("FL_GOLDEN_DIR");
      char *candidates[3] = {
        env ? g_strdup (env) : NULL,
        g_build_filename (FL_SOURCE_DIR, "golden", NULL),
        g_build_filename (FL_SOURCE_DIR, "..", "shared", "golden", NULL),
      };
      int n = 0;
      for (int i = 0; i < 3; i++)
        if (candidates[i] && g_file_test (candidates[i], G_FILE_TEST_IS_DIR))
          dirs[n++] = candidates[i];
        else
          g_free (candidates[i]);
      g_once_init_leave (&once, 1);
    }
  return (const char *const *) dirs;
}

const char *
fl_test_golden_dir (void)
{
  return golden_candidates ()[0];
}

char *
fl_test_golden_path (const char *golden_case, const char *file)
{
  /* A carried copy on the GPU machine may hold only some files of a case:
   * take the first folder that has this one. */
  const char *const *dirs = golden_candidates ();
  for (int i = 0; dirs[i]; i++)
    {
      char *path = g_build_filename (dirs[i], golden_case, file, NULL);
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
  return dirs[0] ? g_build_filename (dirs[0], golden_case, file, NULL) : NULL;
}

const char *
fl_test_data_dir (void)
{
  static char *dir = NULL;
  static gsize once = 0;
  if (g_once_init_enter (&once))
    {
      const char *env = g_getenv ("FL_DATA_DIR");
      char *c = env ? g_strdup (env)
                    : g_build_filename (FL_SOURCE_DIR, "..", "shared", "data", NULL);
      if (g_file_test (c, G_FILE_TEST_IS_DIR))
        dir = c;
      else
        g_free (c);
      g_once_init_leave (&once, 1);
    }
  return dir;
}

gboolean
fl_test_in_ci (void)
{
  const char *ci = g_getenv ("CI");
  return ci != NULL && (g_ascii_strcasecmp (ci, "true") == 0 || strcmp (ci, "1") == 0);
}

void
fl_test_cannot_run (const char *reason)
{
  if (fl_test_in_ci ())
    g_test_fail_printf ("%s (CI=true: a missing input is a failure, not a skip)", reason);
  else
    g_test_skip (reason);
}

void
fl_test_skip_no_device (const char *reason)
{
  g_test_skip (reason);
}

gboolean
fl_test_require_file (const char *path)
{
  if (path && g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  g_autofree char *msg = g_strdup_printf ("input not found: %s (set FL_GOLDEN_DIR / FL_DATA_DIR)",
                                          path ? path : "(no golden/data folder)");
  fl_test_cannot_run (msg);
  return FALSE;
}

gboolean
fl_test_require_data_dir (void)
{
  if (fl_test_data_dir ())
    return TRUE;
  fl_test_cannot_run ("shared/data not found: ../shared/data from the source root "
                      "(set FL_DATA_DIR)");
  return FALSE;
}

FlTestErr
fl_test_compare (const float *got, const float *want, int64_t n)
{
  FlTestErr e = { 0 };
  double scale = 0, num = 0, den = 0;
  for (int64_t i = 0; i < n; i++)
    {
      if (isnan (got[i]) || isnan (want[i]))
        {
          if (!(isnan (got[i]) && isnan (want[i])))
            e.n_nan++;
          continue;
        }
      double d = fabs ((double) got[i] - want[i]);
      if (d > e.max_abs)
        {
          e.max_abs = d;
          e.worst = i;
        }
      scale = fmax (scale, fabs (want[i]));
      num += d * d;
      den += (double) want[i] * want[i];
    }
  e.max_rel = e.max_abs / fmax (scale, 1e-30);
  e.rms_rel = sqrt (num) / fmax (sqrt (den), 1e-30);
  return e;
}

static void
report (const char *label, FlTestErr e, int64_t n)
{
  g_test_message ("%s: n=%" G_GINT64_FORMAT " max_abs=%.3g max_rel=%.3g rms_rel=%.3g nan=%" G_GINT64_FORMAT,
                  label, n, e.max_abs, e.max_rel, e.rms_rel, e.n_nan);
}

void
fl_test_assert_close (const char *label, const float *got, const float *want,
                      int64_t n, double tol_rel)
{
  FlTestErr e = fl_test_compare (got, want, n);
  report (label, e, n);
  if (e.n_nan > 0 || e.max_rel > tol_rel)
    {
      g_autofree char *m = g_strdup_printf ("%s: max_rel %.3g > %.3g (max_abs %.3g at %" G_GINT64_FORMAT ", got %g want %g, nan %" G_GINT64_FORMAT ")",
                                            label, e.max_rel, tol_rel, e.max_abs, e.worst,
                                            (double) got[e.worst], (double) want[e.worst], e.n_nan);
      g_test_fail_printf ("%s", m);
    }
}

void
fl_test_assert_close_abs (const char *label, const float *got, const float *want,
                          int64_t n, double tol_abs)
{
  FlTestErr e = fl_test_compare (got, want, n);
  report (label, e, n);
  if (e.n_nan > 0 || e.max_abs > tol_abs)
    g_test_fail_printf ("%s: max_abs %.3g > %.3g (at %" G_GINT64_FORMAT ", got %g want %g, nan %" G_GINT64_FORMAT ")",
                        label, e.max_abs, tol_abs, e.worst, (double) got[e.worst],
                        (double) want[e.worst], e.n_nan);
}

void
fl_test_fill_random (float *x, int64_t n, guint64 seed)
{
  /* splitmix64 + Box-Muller: reproducible on every platform */
  guint64 s = seed * 0x9E3779B97F4A7C15ull + 1;
  for (int64_t i = 0; i < n; i += 2)
    {
      double u[2];
      for (int k = 0; k < 2; k++)
        {
          guint64 z = (s += 0x9E3779B97F4A7C15ull);
          z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
          z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
          z ^= z >> 31;
          u[k] = ((z >> 11) + 0.5) * (1.0 / 9007199254740992.0);
        }
      double r = sqrt (-2.0 * log (u[0]));
      x[i] = (float) (r * cos (2 * G_PI * u[1]));
      if (i + 1 < n)
        x[i + 1] = (float) (r * sin (2 * G_PI * u[1]));
    }
}
