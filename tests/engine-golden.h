/* Shared by test-engine (tiny, fast) and test-engine-slow (realdim, single):
 * load a golden case, run the engine on it, compare with the official outputs. */
#pragma once
#include <glib.h>
#include "fl-engine.h"
#include "fl-features.h"
#include "fl-params.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;
  FlParams *params;
  FlModelConfig cfg;
  FlFeatures *features;
  FlArrays *outputs;    /* outputs.npz */
  FlArrays *recycles;   /* recycles.npz */
  FlEngine *engine;     /* CPU, 2 threads */
} GoldenCase;

/* Load case `name` with parameters `params_file` from `params_case`'s folder.
 * Returns NULL (and skips the test) when the golden folder is missing. */
GoldenCase *golden_case_load (const char *name, const char *params_case,
                              const char *params_file);
/* A case in golden format in folder `dir` (features.npz, params.npz,
 * config.json, outputs.npz, recycles.npz: tests/data/difftest/), its
 * engine made with engine_opts (NULL: CPU, 2 threads). */
GoldenCase *golden_case_load_dir (const char *name, const char *dir,
                                  const FlRunOptions *engine_opts);
void golden_case_free (GoldenCase *g);

/* A float array of the golden files (asserts it exists). */
const float *golden_get (FlArrays *arrays, const char *key, int64_t *numel);

/* Compare one result key with a golden key: relative (to the array's
 * max |value|) when rel is TRUE, else absolute. Missing keys fail. */
void golden_compare (FlResult *result, const char *key, FlArrays *golden,
                     const char *golden_key, double tol, gboolean rel);

/* Run pass r from the golden state of pass r-1 (zeros for r = 0), with
 * representations kept. */
FlResult *golden_run_teacher_forced (GoldenCase *g, int r);

/* Check every per-pass key of pass r against recycles.npz (tolerances of
 * the issue). */
void golden_check_pass (GoldenCase *g, FlResult *result, int r);

/* Check the final keys against outputs.npz: positions (abs tol_pos Å),
 * pLDDT (abs tol_plddt), representations and logits (rel tol_rel), PAE
 * (abs tol_pae), pTM (abs tol_ptm); check_pae FALSE skips PAE/pTM. */
void golden_check_final (GoldenCase *g, FlResult *result, double tol_pos,
                         double tol_plddt, double tol_rel, double tol_pae,
                         double tol_ptm, gboolean check_pae);

/* The three standard checks of a case, shared by test-engine and test-engine-slow:
 * pass 0 from zeros; passes 1..n_passes-1 each from the golden previous
 * state (the last one against outputs.npz at the tolerances); the
 * free run (no teacher forcing) against outputs.npz at loose bounds, with
 * its errors printed. check_pae FALSE skips PAE / pTM (the single case). */
void golden_check_recycle0 (GoldenCase *g);
void golden_check_teacher_forced (GoldenCase *g, int n_passes);
void golden_check_free_run (GoldenCase *g, int n_passes, gboolean check_pae);

G_END_DECLS
