/* OuterProductMean of the trunk:
 * pair[i,j,:] += (sum_s sum_{c,e} l[s,i,c] r[s,j,e] W[c,e,:] + b) / (1e-3 + sum_s m_si m_sj)
 * with l, r = mask * Linear(LayerNorm(msa)): one module op of the backend
 * (fl-backend-modules.c has the deep and shallow paths), chunked over rows i
 * as the stack's budget allows. */
#include "fl-trunk-modules.h"
#include "fl-backend-modules.h"

static int64_t
opm_rows (const FlStackDims *d)
{
  return fl_trunk_chunk_rows (d, d->L,
                              fl_module_outer_product_mean_per_row (d->S, d->L, d->opm_c, d->c_z));
}

size_t
fl_trunk_outer_product_mean_scratch (const FlStackDims *d)
{
  return fl_module_outer_product_mean_scratch (d->S, d->L, d->c_m, d->opm_c, d->c_z,
                                               opm_rows (d));
}

void
fl_trunk_outer_product_mean (FlTrunkCtx *t, const float *msa, const float *msa_mask,
                             const float *inv_norm, float *pair)
{
  /* msa (S,L,c_m), msa_mask (S,L), inv_norm (L,L), pair (L,L,c_z) */
  FlBackend *b = t->b;
  const FlStackDims *d = t->d;
  const FlOuterProductWeights w = {
    .norm_scale = fl_trunk_weight (t, "outer_product_mean/layer_norm_input//scale"),
    .norm_offset = fl_trunk_weight (t, "outer_product_mean/layer_norm_input//offset"),
    .left_w = fl_trunk_weight (t, "outer_product_mean/left_projection//weights"),
    .left_b = fl_trunk_weight (t, "outer_product_mean/left_projection//bias"),
    .right_w = fl_trunk_weight (t, "outer_product_mean/right_projection//weights"),
    .right_b = fl_trunk_weight (t, "outer_product_mean/right_projection//bias"),
    .output_w = fl_trunk_weight (t, "outer_product_mean//output_w"),   /* (oc, oc, c_z) */
    .output_b = fl_trunk_weight (t, "outer_product_mean//output_b"),   /* (c_z) */
  };
  size_t n = fl_trunk_outer_product_mean_scratch (d);
  size_t mark = fl_scratch_mark (t->scratch);
  float *scratch = fl_scratch_take (t->scratch, n);
  FL_OP (b, outer_product_mean, &w, msa, msa_mask, inv_norm, pair, d->S, d->L, d->c_m,
         d->opm_c, d->c_z, scratch, n);
  fl_scratch_release (t->scratch, mark);
}
