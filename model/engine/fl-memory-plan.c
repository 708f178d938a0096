/* The memory plan of a run (fl-memory-plan.h): the backend bytes of the
 * trunk, the structure module and the engine's own buffers, and the check
 * that refuses a run before anything is allocated, naming the longest
 * sequence that would fit. */
#include "fl-memory-plan.h"
#include "fl-error.h"
#include "fl-evoformer.h"
#include "fl-structure-module.h"

gsize
fl_engine_own_bytes_needed (const FlModelConfig *cfg, int L, int n_clust, int n_extra)
{
  gsize l = L, l2 = l * l;
  /* Recycled state and the single representation. */
  gsize state = l * cfg->c_m + l2 * cfg->c_z + l * cfg->c_s;
  /* Heads: the largest of the pair confidence (fl_heads_pair_confidence:
   * 2 x L^2 x bins, a bins x bins table and L^2 x 2 expectations), masked
   * MSA, pLDDT. */
  gsize pair_bins = MAX ((gsize) cfg->distogram_bins, (gsize) (cfg->has_pae ? cfg->pae_bins : 0));
  gsize heads = 2 * l2 * pair_bins + pair_bins * MAX (pair_bins, 2) + 2 * l2;
  heads = MAX (heads, (gsize) n_clust * l * cfg->masked_msa_outputs);
  heads = MAX (heads, l * (cfg->sm_channels + 2 * cfg->plddt_channels + cfg->plddt_bins));
  return fl_device_inputs_bytes_needed (cfg, L, n_clust, n_extra)
         + (state + heads) * sizeof (float);
}

gsize
fl_memory_plan_bytes (FlBackend *b, const FlModelConfig *cfg, int L, int n_clust, int n_extra)
{
  return fl_evoformer_bytes_needed_with_budget (cfg, L, n_clust, n_extra,
                                                fl_evoformer_chunk_budget (b))
         + fl_template_bytes_needed (cfg, L, cfg->has_templates ? cfg->max_templates : 0)
         + fl_structure_module_bytes_needed (cfg, L)
         + fl_engine_own_bytes_needed (cfg, L, n_clust, n_extra);
}

gboolean
fl_memory_plan_check (FlBackend *b, const FlModelConfig *cfg, int L, int n_clust,
                      int n_extra, gsize *bytes_needed_out, GError **error)
{
  gsize need = fl_memory_plan_bytes (b, cfg, L, n_clust, n_extra);
  if (bytes_needed_out)
    *bytes_needed_out = need;
  gsize avail = b->ops->memory_available (b);
  if (need <= avail)
    return TRUE;

  /* The longest sequence that would fit with the same MSA depth. */
  int lo = 0, hi = L;
  while (lo < hi)
    {
      int mid = lo + (hi - lo + 1) / 2;
      if (fl_memory_plan_bytes (b, cfg, mid, n_clust, n_extra) <= avail)
        lo = mid;
      else
        hi = mid - 1;
    }
  const double GiB = 1024.0 * 1024.0 * 1024.0;
  if (lo > 0)
    g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                 "A sequence of %d residues with %d cluster and %d extra MSA rows needs "
                 "%.1f GiB but only %.1f GiB is available on %s; the longest sequence "
                 "that fits with this MSA depth is %d residues.",
                 L, n_clust, n_extra, need / GiB, avail / GiB, b->description, lo);
  else
    g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                 "A sequence of %d residues with %d cluster and %d extra MSA rows needs "
                 "%.1f GiB but only %.1f GiB is available on %s; even one residue does "
                 "not fit with this MSA depth.",
                 L, n_clust, n_extra, need / GiB, avail / GiB, b->description);
  return FALSE;
}
