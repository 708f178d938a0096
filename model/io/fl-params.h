/* FlParams: an AlphaFold2 parameter file (.npz, official names) loaded into
 * one float32 buffer; tensors are named views into it. Validation against a
 * configuration names every missing, extra or mis-shaped tensor. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include "fl-arrays.h"
#include "fl-config.h"

G_BEGIN_DECLS

/* Prefix of every monomer key. */
#define FL_PARAMS_ROOT "alphafold/alphafold_iteration/"

typedef struct {
  const char *name;       /* full official key, e.g. FL_PARAMS_ROOT "evoformer/preprocess_msa//weights" */
  int ndim;
  int64_t shape[FL_ARRAY_MAX_DIMS];
  gsize offset;           /* in floats, into fl_params_data () */
  int64_t numel;
} FlParamInfo;

/* Load every array of the file (float32; float16/bfloat16/float64 converted). */
FlParams *fl_params_load (const char *path, GError **error);
/* Several files merged (e.g. the split realdim params). */
FlParams *fl_params_load_many (const char *const *paths, GError **error);
/* From arrays already in memory (generated parameters, tests). */
FlParams *fl_params_new_from_arrays (FlArrays *arrays, GError **error);
FlParams *fl_params_ref (FlParams *params);
void fl_params_unref (FlParams *params);

const char *fl_params_path (FlParams *params);     /* file it came from, or NULL */
const float *fl_params_data (FlParams *params);    /* the one buffer */
gsize fl_params_n_floats (FlParams *params);
guint fl_params_n_tensors (FlParams *params);
const FlParamInfo *fl_params_tensor (FlParams *params, guint i);
/* Look up by full key; NULL if absent. */
const FlParamInfo *fl_params_lookup (FlParams *params, const char *name);
/* Look up by key relative to FL_PARAMS_ROOT and check the shape (ndim
 * values of `shape`; -1 matches any size). Sets error naming both shapes. */
const float *fl_params_get (FlParams *params, const char *relative_name,
                            int ndim, const int64_t *shape, GError **error);

/* Check every tensor the configured model uses (name, dtype, shape) and that
 * no unused tensor is present (the template stack of models 1 and 2 included). */
gboolean fl_params_validate (FlParams *params, const FlModelConfig *cfg,
                             GError **error);

/* Deterministic random parameters with official names and shapes for cfg
 * (the scheme of shared/golden/README.md "Parameters", any seed), for
 * benchmarks and the untrained demo. */
FlArrays *fl_params_generate_random (const FlModelConfig *cfg, guint64 seed);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlParams, fl_params_unref)

G_END_DECLS
