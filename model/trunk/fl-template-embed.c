/* Template embedding of the trunk (AlphaFold's TemplateEmbedding and the
 * template torsion rows of EmbeddingsAndEvoformer), in the op table:
 *   per template t (recycle-invariant, computed once per inputs):
 *     single[t] = LayerNorm(PairStack(Linear_embedding2d(pair_feat[t])))
 *     with the stack's blocks in the template order: triangle attention
 *     starting / ending node, triangle multiplication outgoing / incoming,
 *     pair transition (the trunk's modules on c_t channels);
 *   per pass: pair += Attention(q = pair, kv = single over t, key mask
 *     template_mask), no gating, when any template is real;
 *   MSA rows n_clust + t = Linear_proj(relu(Linear_single(angle_feat[t]))). */
#include "fl-trunk-private.h"
#include "fl-trunk-modules.h"
#include "fl-error.h"
#include "fl-params.h"
#include "fl-templates.h"
#include <math.h>
#include <string.h>

#define TE "evoformer/template_embedding/"
#define TSTACK TE "single_template_embedding/template_pair_stack/__layer_stack_no_state"

static const FlParamInfo *
lookup (FlParams *params, const char *rel, int ndim, GError **error)
{
  g_autofree char *key = g_strconcat (FL_PARAMS_ROOT, rel, NULL);
  const FlParamInfo *p = fl_params_lookup (params, key);
  if (!p || p->ndim != ndim)
    {
      g_set_error (error, FL_PARAMS_ERROR, p ? FL_PARAMS_ERROR_SHAPE : FL_PARAMS_ERROR_MISSING,
                   p ? "Parameter '%s' has %d dimensions, expected %d."
                     : "Parameter '%s' is missing (the model has no template stack).",
                   key, p ? p->ndim : 0, ndim);
      return NULL;
    }
  return p;
}

gboolean
fl_template_dims_from_params (FlTemplateDims *d, FlParams *params, const FlModelConfig *cfg,
                              int64_t L, int T, GError **error)
{
  memset (d, 0, sizeof *d);
  const FlParamInfo *p;
  FlStackDims *s = &d->stack;
  s->prefix = TSTACK;
  s->L = L;
  if (!(p = lookup (params, TE "single_template_embedding/embedding2d//weights", 2, error)))
    return FALSE;
  d->feat = (int) p->shape[0];
  s->c_z = (int) p->shape[1];
  d->n_bins = d->feat - FL_TEMPLATE_PAIR_FEAT_FIXED;
  d->min_bin = cfg->template_dgram_min;
  d->max_bin = cfg->template_dgram_max;
  d->unit_vector = cfg->template_unit_vector;
  /* A stack of no blocks (num_block 0) has no parameters: the embedding
   * goes straight to the output layer norm. */
  g_autofree char *stack_key = g_strconcat (FL_PARAMS_ROOT, TSTACK,
                                            "/pair_transition/transition1//weights", NULL);
  if (cfg->template_blocks > 0 || fl_params_lookup (params, stack_key))
    {
      if (!(p = lookup (params, TSTACK "/triangle_attention_starting_node/attention//query_w", 4, error)))
        return FALSE;
      d->n_blocks = (int) p->shape[0];
      s->start_heads = (int) p->shape[2];
      s->start_dim = (int) p->shape[3];
      if (!(p = lookup (params, TSTACK "/triangle_attention_ending_node/attention//query_w", 4, error)))
        return FALSE;
      s->end_heads = (int) p->shape[2];
      s->end_dim = (int) p->shape[3];
      if (!(p = lookup (params, TSTACK "/triangle_multiplication_outgoing/left_projection//weights", 3, error)))
        return FALSE;
      s->mul_out_c = (int) p->shape[2];
      if (!(p = lookup (params, TSTACK "/triangle_multiplication_incoming/left_projection//weights", 3, error)))
        return FALSE;
      s->mul_in_c = (int) p->shape[2];
      if (!(p = lookup (params, TSTACK "/pair_transition/transition1//weights", 3, error)))
        return FALSE;
      s->pair_hidden = (int) p->shape[2];
    }
  if (!(p = lookup (params, TE "attention//query_w", 3, error)))
    return FALSE;
  d->c_z = (int) p->shape[0];
  d->heads = (int) p->shape[1];
  d->head_dim = (int) p->shape[2];
  const FlParamInfo *v = lookup (params, TE "attention//value_w", 3, error);
  if (!v)
    return FALSE;
  if (!(p = lookup (params, "evoformer/template_single_embedding//weights", 2, error)))
    return FALSE;
  d->c_m = (int) p->shape[1];
  if (d->n_bins < 1 || v->shape[2] != d->head_dim || v->shape[0] != s->c_z
      || p->shape[0] != FL_TEMPLATE_ANGLE_FEAT)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE,
                   "The template parameters have widths this engine does not support "
                   "(pair features %d, key/value widths per head %d/%d, angle features %d).",
                   d->feat, d->head_dim, (int) v->shape[2], (int) p->shape[0]);
      return FALSE;
    }
  s->budget = MAX ((size_t) L * L * s->c_z / 4, (size_t) 1 << 20);
  d->T = T;
  return TRUE;
}

/* Rows of the point-wise attention per chunk, and floats per row. */
static size_t
pointwise_per_row (const FlTemplateDims *d)
{
  size_t hd = (size_t) d->heads * d->head_dim;
  return (size_t) d->T * d->stack.c_z * 2 + (size_t) d->T * hd * 2 + d->T + 2 * hd + d->c_z;
}

size_t
fl_template_scratch (const FlTemplateDims *d)
{
  if (d->T <= 0)
    return 0;
  const FlStackDims *s = &d->stack;
  size_t LL = (size_t) s->L * s->L;
  size_t m = LL * d->feat;
  if (d->n_blocks > 0)
    {
      m = MAX (m, fl_trunk_triangle_multiplication_scratch (s));
      m = MAX (m, fl_trunk_triangle_attention_scratch (s, FALSE));
      m = MAX (m, fl_trunk_triangle_attention_scratch (s, TRUE));
      m = MAX (m, fl_trunk_transition_scratch (s, LL, s->c_z, s->pair_hidden));
    }
  size_t per_row = pointwise_per_row (d);
  m = MAX (m, (size_t) fl_trunk_chunk_rows (s, LL, per_row) * per_row);
  m = MAX (m, (size_t) d->T * s->L * d->c_m);   /* the MSA rows' hidden layer */
  return m;
}

size_t
fl_template_state_floats (const FlTemplateDims *d)
{
  /* stack outputs, the contribution map (L, L) and a ones vector (c_z) */
  size_t LL = (size_t) d->stack.L * d->stack.L;
  return (size_t) MAX (d->T, 0) * LL * d->stack.c_z + LL + d->c_z;
}

gboolean
fl_evoformer_template_contribution (FlEvoformer *evo, float *host, GError **error)
{
  if (!evo->tmpl_contribution)
    return FALSE;
  const size_t LL = (size_t) evo->L * evo->L;
  FL_OP (evo->b, download, host, evo->tmpl_contribution, LL);
  if (!fl_backend_check (evo->b, error))
    return FALSE;
  for (size_t i = 0; i < LL; i++)
    host[i] = sqrtf (MAX (host[i], 0.0f));
  return TRUE;
}

/* ------------------------------------------------------------ the stacks */

static void
one_stack (FlEvoformer *evo, const FlDeviceInputs *in, const FlTemplateFeatures *tf, int t,
           float *host_feat, float *act /* (L, L, c_t) */)
{
  FlBackend *b = evo->b;
  FlWeights *w = evo->w;
  const FlTemplateDims *d = &evo->tmpl_dims;
  const int64_t L = d->stack.L, LL = L * L;
  const int ct = d->stack.c_z;
  FlScratch *sc = &evo->scratch;

  fl_template_pair_feat (tf, t, d->n_bins, d->min_bin, d->max_bin, d->unit_vector, host_feat);
  size_t mark = fl_scratch_mark (sc);
  float *feat = fl_scratch_take (sc, (size_t) LL * d->feat);       /* (L, L, F) */
  FL_OP (b, upload, feat, host_feat, (size_t) LL * d->feat);
  FL_OP (b, linear, feat, fl_weights_get (w, TE "single_template_embedding/embedding2d//weights"),
         fl_weights_get (w, TE "single_template_embedding/embedding2d//bias"), act, LL, d->feat,
         ct, FALSE);
  fl_scratch_release (sc, mark);

  for (int blk = 0; blk < d->n_blocks && !b->error; blk++)
    {
      FlTrunkCtx ctx = { b, w, &d->stack, blk, sc };
      fl_trunk_triangle_attention (&ctx, FALSE, act, in->pair_mask, -1, NULL);
      fl_trunk_triangle_attention (&ctx, TRUE, act, in->pair_mask, -1, NULL);
      fl_trunk_triangle_multiplication (&ctx, TRUE, act, in->pair_mask);
      fl_trunk_triangle_multiplication (&ctx, FALSE, act, in->pair_mask);
      fl_trunk_transition (&ctx, "pair_transition", act, LL, ct, d->stack.pair_hidden);
    }
  FL_OP (b, layer_norm, act,
         fl_weights_get (w, TE "single_template_embedding/output_layer_norm//scale"),
         fl_weights_get (w, TE "single_template_embedding/output_layer_norm//offset"), act, LL, ct);
}

gboolean
fl_template_compute_stacks (FlEvoformer *evo, const FlDeviceInputs *in,
                            const FlTemplateFeatures *tf, GError **error)
{
  FlBackend *b = evo->b;
  const FlTemplateDims *d = &evo->tmpl_dims;
  if (evo->n_tmpl <= 0)
    return TRUE;
  if (!tf || tf->T != evo->n_tmpl || tf->L != evo->L)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The template features (%d slots) do not match the trunk (%d slots).",
                   tf ? tf->T : 0, evo->n_tmpl);
      return FALSE;
    }
  const size_t LL = (size_t) evo->L * evo->L, per = LL * d->stack.c_z;
  g_autofree float *host_feat = g_try_new (float, LL * d->feat);
  if (!host_feat)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                   "Not enough host memory for the template pair features of %d residues.",
                   evo->L);
      return FALSE;
    }
  for (int t = 0; t < evo->n_tmpl; t++)
    {
      float *act = evo->tmpl_single + t * per;
      /* a padded template gets zero attention weight: its stack is skipped */
      if (tf->template_mask[t] > 0)
        one_stack (evo, in, tf, t, host_feat, act);
      else
        FL_OP (b, fill, act, 0.0f, per);
      if (!fl_backend_check (b, error))
        return FALSE;
    }
  evo->tmpl_inputs = in;
  return TRUE;
}

/* ------------------------------------------------- point-wise attention */

gboolean
fl_template_embed_pair (FlEvoformer *evo, const FlTemplateFeatures *tf, const float *query_pair,
                        float *out, GError **error)
{
  FlBackend *b = evo->b;
  FlWeights *w = evo->w;
  const FlTemplateDims *d = &evo->tmpl_dims;
  const int T = evo->n_tmpl, ct = d->stack.c_z, cz = d->c_z, H = d->heads, D = d->head_dim;
  const int64_t LL = (int64_t) evo->L * evo->L, hd = (int64_t) H * D;
  int n_real = 0;
  for (int t = 0; t < T; t++)
    n_real += tf->template_mask[t] > 0;
  if (evo->tmpl_contribution)
    FL_OP (b, fill, evo->tmpl_contribution, 0.0f, (size_t) LL);
  if (T <= 0 || n_real == 0)
    return fl_backend_check (b, error);   /* the embedding is multiplied by (sum of template_mask > 0) */

  int64_t chunk = fl_trunk_chunk_rows (&d->stack, LL, pointwise_per_row (d));
  FlScratch *sc = &evo->scratch;
  size_t mark = fl_scratch_mark (sc);
  float *kv_t = fl_scratch_take (sc, (size_t) chunk * T * ct);   /* (T, n, c_t) */
  float *kv = fl_scratch_take (sc, (size_t) chunk * T * ct);     /* (n, T, c_t) */
  float *k = fl_scratch_take (sc, (size_t) chunk * T * hd);      /* (n, T, H, D) */
  float *v = fl_scratch_take (sc, (size_t) chunk * T * hd);
  float *mask = fl_scratch_take (sc, (size_t) chunk * T);        /* (n, T) */
  float *q = fl_scratch_take (sc, (size_t) chunk * hd);          /* (n, 1, H, D) */
  float *o = fl_scratch_take (sc, (size_t) chunk * hd);
  float *emb = fl_scratch_take (sc, (size_t) chunk * cz);        /* (n, c_z) */
  g_autofree float *host_mask = g_try_new (float, (size_t) chunk * T);
  if (!host_mask)
    {
      fl_scratch_release (sc, mark);
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                   "Not enough host memory for the template mask.");
      return FALSE;
    }
  for (int64_t r = 0; r < chunk; r++)
    for (int t = 0; t < T; t++)
      host_mask[r * T + t] = tf->template_mask[t] > 0 ? 1.0f : 0.0f;
  FL_OP (b, upload, mask, host_mask, (size_t) chunk * T);

  const float *wq = fl_weights_get (w, TE "attention//query_w");
  const float *wk = fl_weights_get (w, TE "attention//key_w");
  const float *wv = fl_weights_get (w, TE "attention//value_w");
  const float *wo = fl_weights_get (w, TE "attention//output_w");
  const float *bo = fl_weights_get (w, TE "attention//output_b");
  for (int64_t r0 = 0; r0 < LL && !b->error; r0 += chunk)
    {
      int64_t n = MIN (chunk, LL - r0);
      for (int t = 0; t < T; t++)
        FL_OP (b, copy, kv_t + (size_t) t * n * ct, evo->tmpl_single + ((size_t) t * LL + r0) * ct,
               (size_t) n * ct);
      FL_OP (b, swap01, kv_t, kv, T, n, ct);
      FL_OP (b, linear, kv, wk, NULL, k, n * T, ct, hd, FALSE);
      FL_OP (b, linear, kv, wv, NULL, v, n * T, ct, hd, FALSE);
      FL_OP (b, linear, query_pair + r0 * cz, wq, NULL, q, n, cz, hd, FALSE);
      FL_OP (b, attention, q, k, v, mask, NULL, NULL, o, n, 1, T, H, D, NULL);
      FL_OP (b, linear, o, wo, bo, emb, n, hd, cz, FALSE);
      FL_OP (b, add, out + r0 * cz, emb, (size_t) n * cz);
      if (evo->tmpl_contribution)
        {
          /* |embedding|^2 per pair: squares summed by a product with ones */
          FL_OP (b, mul, emb, emb, (size_t) n * cz);
          FL_OP (b, linear, emb, evo->tmpl_ones, NULL, evo->tmpl_contribution + r0, n, cz, 1, FALSE);
        }
    }
  fl_scratch_release (sc, mark);
  return fl_backend_check (b, error);
}

/* --------------------------------------------------------- MSA rows */

void
fl_template_msa_rows (FlEvoformer *evo, const FlDeviceInputs *in)
{
  FlBackend *b = evo->b;
  FlWeights *w = evo->w;
  const int T = evo->n_tmpl, c_m = evo->tmpl_dims.c_m;
  const int64_t L = evo->L;
  if (T <= 0)
    return;
  FlScratch *sc = &evo->scratch;
  size_t mark = fl_scratch_mark (sc);
  float *h = fl_scratch_take (sc, (size_t) T * L * c_m);   /* (T, L, c_m) */
  FL_OP (b, linear_relu, in->tmpl_angle_feat,
         fl_weights_get (w, "evoformer/template_single_embedding//weights"),
         fl_weights_get (w, "evoformer/template_single_embedding//bias"), h, T * L,
         FL_TEMPLATE_ANGLE_FEAT, c_m);
  FL_OP (b, linear, h, fl_weights_get (w, "evoformer/template_projection//weights"),
         fl_weights_get (w, "evoformer/template_projection//bias"),
         evo->act.msa + (size_t) evo->n_clust * L * c_m, T * L, c_m, c_m, FALSE);
  fl_scratch_release (sc, mark);
}
