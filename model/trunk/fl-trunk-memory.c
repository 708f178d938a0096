/* How much backend memory the trunk takes: the scratch of each module and of
 * a whole block, the activations, and the chunk budget of a backend. The
 * engine's memory plan (engine/fl-memory-plan.c) adds these up. */
#include "fl-trunk-private.h"
#include "fl-trunk-modules.h"
#include <string.h>

/* Large-memory backends (CUDA): every module of a block runs in one chunk
 * while its temporaries fit in 1 GiB, so a block is ~100 op calls. */
gsize
fl_evoformer_chunk_budget (FlBackend *b)
{
  if (b && b->ops && b->ops->name && strcmp (b->ops->name, "cuda") == 0)
    return FL_EVOFORMER_BUDGET_LARGE;
  return 0;   /* CPU: the activation-based default keeps chunks cache-sized */
}

size_t
fl_trunk_embed_scratch (const FlModelConfig *cfg, int64_t L, int64_t n_clust)
{
  size_t LL = (size_t) L * L;
  return 2 * (size_t) L * cfg->c_m + 2 * (size_t) L * cfg->c_z
         + LL * cfg->c_z + LL * fl_trunk_prev_pos_bins (cfg);
}

size_t
fl_trunk_block_scratch (const FlStackDims *d)
{
  size_t s = fl_trunk_msa_row_attention_scratch (d);
  s = MAX (s, d->is_extra ? fl_trunk_msa_column_global_attention_scratch (d)
                          : fl_trunk_msa_column_attention_scratch (d));
  s = MAX (s, fl_trunk_transition_scratch (d, d->S * d->L, d->c_m, d->msa_hidden));
  s = MAX (s, fl_trunk_outer_product_mean_scratch (d));
  s = MAX (s, fl_trunk_triangle_multiplication_scratch (d));
  s = MAX (s, fl_trunk_triangle_attention_scratch (d, FALSE));
  s = MAX (s, fl_trunk_triangle_attention_scratch (d, TRUE));
  s = MAX (s, fl_trunk_transition_scratch (d, d->L * d->L, d->c_z, d->pair_hidden));
  return s;
}

size_t
fl_trunk_scratch_floats (const FlModelConfig *cfg, const FlStackDims *main_dims,
                const FlStackDims *extra_dims)
{
  size_t s = fl_trunk_block_scratch (main_dims);
  s = MAX (s, fl_trunk_block_scratch (extra_dims));
  s = MAX (s, fl_trunk_embed_scratch (cfg, main_dims->L, main_dims->S));
  return s;
}

static size_t
activation_floats (const FlModelConfig *cfg, int64_t L, int64_t S, int64_t E,
                   int c_m, int c_z, int c_e)
{
  return (size_t) S * L * c_m + (size_t) L * L * c_z + (size_t) MAX (E, 1) * L * c_e
         + 2 * (size_t) L * L;                       /* outer-product normalisers */
}

gsize
fl_evoformer_bytes_needed (const FlModelConfig *cfg, int L, int n_clust, int n_extra)
{
  return fl_evoformer_bytes_needed_with_budget (cfg, L, n_clust, n_extra, 0);
}

gsize
fl_evoformer_bytes_needed_with_budget (const FlModelConfig *cfg, int L, int n_clust,
                                       int n_extra, gsize budget)
{
  FlStackDims m, e;
  fl_stack_dims_from_config (&m, cfg, FALSE, n_clust, L);
  fl_stack_dims_from_config (&e, cfg, TRUE, MAX (n_extra, 1), L);
  m.budget = MAX (m.budget, budget);
  e.budget = MAX (e.budget, budget);
  size_t floats = activation_floats (cfg, L, n_clust, n_extra, cfg->c_m, cfg->c_z, cfg->c_e)
                  + fl_trunk_scratch_floats (cfg, &m, &e);
  return floats * sizeof (float);
}

gsize
fl_template_bytes_needed (const FlModelConfig *cfg, int L, int n_tmpl)
{
  if (n_tmpl <= 0 || !cfg->has_templates)
    return 0;
  FlTemplateDims d = { 0 };
  d.stack.L = L;
  d.stack.c_z = cfg->c_t;
  d.n_blocks = cfg->template_blocks;
  d.stack.mul_out_c = d.stack.mul_in_c = cfg->template_tri_mul_channels;
  d.stack.start_heads = MAX (cfg->template_tri_start_heads, 1);
  d.stack.end_heads = MAX (cfg->template_tri_end_heads, 1);
  d.stack.start_dim = cfg->c_t / d.stack.start_heads;
  d.stack.end_dim = cfg->c_t / d.stack.end_heads;
  d.stack.pair_hidden = cfg->c_t * MAX (cfg->template_pair_transition_factor, 1);
  d.stack.budget = MAX ((size_t) L * L * cfg->c_t / 4, (size_t) 1 << 20);
  d.feat = cfg->template_dgram_bins + FL_TEMPLATE_PAIR_FEAT_FIXED;
  d.c_z = cfg->c_z;
  d.c_m = cfg->c_m;
  d.heads = MAX (cfg->template_att_heads, 1);
  d.head_dim = cfg->template_att_key_dim / d.heads;
  d.T = n_tmpl;
  /* state + scratch (counted in full: the arena is shared, but may grow to
   * it) + the template MSA rows, their mask and angle features */
  return (fl_template_state_floats (&d) + fl_template_scratch (&d)
          + (size_t) n_tmpl * L * (cfg->c_m + 1 + FL_TEMPLATE_ANGLE_FEAT)) * sizeof (float);
}
