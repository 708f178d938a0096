/* foldlight-cli predict --teacher-forced: every pass r runs from the
 * reference's pass r-1 state (final_atom_positions, msa_first_row, pair of
 * recycles.npz, zeros for pass 0) instead of the engine's own, so that a
 * comparison with the reference is not spoiled by chaos through recycling
 * (tools/difftest.py uses it; docs/difftest.md). */
#include <string.h>
#include "fl-cli.h"
#include "fl-engine-private.h"
#include "fl-error.h"
#include "fl-npz.h"

/* Float32 array `r{pass}/{key}` of the reference with exactly `numel`
 * values, or NULL with an error. */
static const float *
reference_state (FlArrays *ref, const char *path, int pass, const char *key,
                 int64_t numel, GError **error)
{
  g_autofree char *name = g_strdup_printf ("r%d/%s", pass, key);
  FlArray *a = fl_arrays_lookup (ref, name);
  if (!a)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "%s has no '%s': teacher forcing pass %d needs the state of pass %d.",
                   path, name, pass + 1, pass);
      return NULL;
    }
  if (a->dtype != FL_DTYPE_F32 || fl_array_numel (a) != numel)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "%s: '%s' must be float32 with %" G_GINT64_FORMAT " values (it has %"
                   G_GINT64_FORMAT " of %s).", path, name, numel, fl_array_numel (a),
                   fl_dtype_name (a->dtype));
      return NULL;
    }
  return a->data;
}

FlArrays *
fl_cli_run_teacher_forced (FlEngine *engine, const FlFeatures *features,
                           const FlRunOptions *opts, const char *reference_path,
                           int n_passes, GError **error)
{
  g_autoptr (FlArrays) ref = fl_npz_load (reference_path, error);
  if (!ref)
    return NULL;
  const FlModelConfig *cfg = fl_engine_config (engine);
  const int64_t L = features->L;
  g_autoptr (FlArrays) out = fl_arrays_new ();
  for (int r = 0; r < n_passes; r++)
    {
      const float *pos = NULL, *row = NULL, *pair = NULL;
      if (r > 0)
        {
          pos = reference_state (ref, reference_path, r - 1, "structure_module/final_atom_positions",
                                 L * 37 * 3, error);
          row = pos ? reference_state (ref, reference_path, r - 1, "representations/msa_first_row",
                                       L * cfg->c_m, error) : NULL;
          pair = row ? reference_state (ref, reference_path, r - 1, "representations/pair",
                                        L * L * cfg->c_z, error) : NULL;
          if (!pair)
            return NULL;
        }
      g_autoptr (FlResult) res = fl_engine_run_pass (engine, features, opts, r, pos, row, pair, error);
      if (!res)
        return NULL;
      /* Keep the pass's "r{r}/" keys; its final keys go under "r{r}/" too
       * (and unprefixed for the last pass), so that every output of every
       * pass can be compared. */
      g_autofree char *prefix = g_strdup_printf ("r%d/", r);
      for (guint i = 0; i < fl_arrays_size (res->arrays); i++)
        {
          FlArray *a = fl_arrays_index (res->arrays, i);
          gboolean per_pass = g_str_has_prefix (a->name, prefix);
          g_autofree char *name = per_pass ? g_strdup (a->name) : g_strconcat (prefix, a->name, NULL);
          if (!fl_arrays_lookup (out, name))
            fl_arrays_add (out, name, a->dtype, a->ndim, a->shape, a->data);
          if (!per_pass && r == n_passes - 1)
            fl_arrays_add (out, a->name, a->dtype, a->ndim, a->shape, a->data);
        }
    }
  return g_steal_pointer (&out);
}
