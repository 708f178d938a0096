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

/* Skip the current test (with the reason printed) when `path` is NULL or missing.
 * Returns TRUE when the test should go on. */
gboolean fl_test_require_file (const char *path);

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
