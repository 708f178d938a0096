/* Shared helpers for the GLib test executables. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include "fl-arrays.h"

G_BEGIN_DECLS

/* Folder of the golden vectors: $FL_GOLDEN_DIR, else <source>/golden (a
 * carried copy on the GPU machine), else <source>/../shared/golden.
 * NULL when none exists. */
const char *fl_test_golden_dir (void);
/* Path of a file of a golden case ("tiny", "realdim", "single"), or NULL. */
char *fl_test_golden_path (const char *golden_case, const char *file);
/* Folder of shared/data (real proteins), or NULL. */
const char *fl_test_data_dir (void);

/* TRUE when $CI is "true" or "1". */
gboolean fl_test_in_ci (void);
/* The one place that decides skip-vs-fail: the current test cannot run for
 * `reason` (missing golden or data input, no display, FL_CLI unset). It is
 * skipped with the reason, but under CI=true it FAILS: CI must not go green
 * with its checks skipped. */
void fl_test_cannot_run (const char *reason);
/* The only skip allowed under CI: a GPU test on a machine without a CUDA
 * device (or a build without CUDA). */
void fl_test_skip_no_device (const char *reason);

/* fl_test_cannot_run when `path` is NULL or missing. Returns TRUE when the
 * test should go on. */
gboolean fl_test_require_file (const char *path);
/* fl_test_cannot_run when shared/data is not found. TRUE when the test goes on. */
gboolean fl_test_require_data_dir (void);

/* Error statistics of `got` against `want` over n values. */
typedef struct {
  double max_abs;       /* max |got - want| */
  double max_rel;       /* max |got - want| / max(|want|_inf, tiny) : error relative to the array's scale */
  double rms_rel;       /* ||got - want||_2 / ||want||_2 */
  int64_t worst;        /* index of max_abs */
  int64_t n_nan;
} FlTestErr;

FlTestErr fl_test_compare (const float *got, const float *want, int64_t n);
/* g_test_message a line "<label>: max_abs .. max_rel .. rms_rel .." and
 * fail when max_rel > tol_rel (relative to the array's max |value|) or any NaN. */
void fl_test_assert_close (const char *label, const float *got, const float *want,
                           int64_t n, double tol_rel);
void fl_test_assert_close_abs (const char *label, const float *got, const float *want,
                               int64_t n, double tol_abs);

/* Fill with reproducible random normals (mean 0, sd 1) from seed. */
void fl_test_fill_random (float *x, int64_t n, guint64 seed);

G_END_DECLS
