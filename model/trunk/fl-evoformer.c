/* The trunk object: device inputs, activations, scratch arena, and the order
 * of the modules inside one Evoformer / extra-MSA block (AlphaFold's
 * EvoformerIteration with outer_product_mean.first = False). */
#include "fl-trunk-private.h"
#include "fl-error.h"
#include "fl-params.h"
#include <string.h>

/* ------------------------------------------------------------ scratch */

float *
fl_scratch_take (FlScratch *s, size_t n)
{
  if (s->used + n > s->cap)
    {
      fl_backend_fail (s->b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "trunk scratch overflow: %zu + %zu floats > %zu (internal error)",
                       s->used, n, s->cap);
      return s->base;
    }
  float *p = s->base + s->used;
  s->used += n;
  return p;
}

const float *
fl_trunk_weight (FlTrunkCtx *t, const char *name)
{
  char key[320];
  g_snprintf (key, sizeof key, "%s/%s", t->d->prefix, name);
  return fl_weights_block (t->w, key, t->block);
}

int64_t
fl_trunk_chunk_rows (const FlStackDims *d, int64_t n_rows, size_t per_row)
{
  if (n_rows <= 0)
    return 1;
  if (per_row == 0)
    return n_rows;
  int64_t n = (int64_t) (d->budget / per_row);
  return CLAMP (n, 1, n_rows);
}

/* ------------------------------------------------------------ sizes */

static int
safe_div (int a, int b)
{
  return b > 0 ? a / b : a;
}

static void
dims_finish (FlStackDims *d)
{
  /* chunked temporaries: a quarter of the larger activation (MSA or pair),
   * at least 4 MiB; fl_evoformer_new_with_budget may raise it */
  size_t a = (size_t) d->S * d->L * d->c_m, p = (size_t) d->L * d->L * d->c_z;
  d->budget = MAX (MAX (a, p) / 4, (size_t) 1 << 20);
}

/* Large-memory backends (CUDA): every module of a block runs in one chunk
 * while its temporaries fit in 1 GiB, so a block is ~100 op calls. */
gsize
fl_evoformer_chunk_budget (FlBackend *b)
{
  if (b && b->ops && b->ops->name && strcmp (b->ops->name, "cuda") == 0)
    return FL_EVOFORMER_BUDGET_LARGE;
  return 0;   /* CPU: the activation-based default keeps chunks cache-sized */
}

void
fl_stack_dims_from_config (FlStackDims *d, const FlModelConfig *cfg, gboolean is_extra,
                           int64_t S, int64_t L)
{
  memset (d, 0, sizeof *d);
  d->prefix = is_extra ? "evoformer/extra_msa_stack" : "evoformer/evoformer_iteration";
  d->is_extra = is_extra;
  d->S = S;
  d->L = L;
  d->c_m = is_extra ? cfg->c_e : cfg->c_m;
  d->c_z = cfg->c_z;
  d->row_heads = MAX (1, is_extra ? cfg->extra_row_heads : cfg->msa_row_heads);
  d->col_heads = MAX (1, is_extra ? cfg->extra_col_heads : cfg->msa_col_heads);
  d->row_dim = safe_div (d->c_m, d->row_heads);
  d->col_dim = safe_div (d->c_m, d->col_heads);
  d->msa_hidden = MAX (1, cfg->msa_transition_factor) * d->c_m;
  d->opm_c = is_extra ? cfg->extra_opm_channels : cfg->opm_channels;
  if (d->opm_c <= 0)
    d->opm_c = cfg->opm_channels;
  d->mul_out_c = d->mul_in_c = is_extra && cfg->extra_tri_mul_channels > 0
                                   ? cfg->extra_tri_mul_channels : cfg->tri_mul_channels;
  d->start_heads = MAX (1, cfg->tri_att_start_heads);
  d->end_heads = MAX (1, cfg->tri_att_end_heads);
  d->start_dim = safe_div (d->c_z, d->start_heads);
  d->end_dim = safe_div (d->c_z, d->end_heads);
  d->pair_hidden = MAX (1, cfg->pair_transition_factor) * d->c_z;
  dims_finish (d);
}

/* shape of prefix/name; FALSE + error when absent or of another rank */
static gboolean
param_shape (FlParams *params, const char *prefix, const char *name, int ndim,
             int64_t *shape, GError **error)
{
  g_autofree char *key = g_strdup_printf ("%s%s/%s", FL_PARAMS_ROOT, prefix, name);
  const FlParamInfo *info = fl_params_lookup (params, key);
  if (!info)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_MISSING,
                   "Parameter '%s' is missing.", key);
      return FALSE;
    }
  if (info->ndim != ndim)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE,
                   "Parameter '%s' has %d dimensions, expected %d.", key, info->ndim, ndim);
      return FALSE;
    }
  memcpy (shape, info->shape, sizeof (int64_t) * ndim);
  return TRUE;
}

gboolean
fl_stack_dims_from_params (FlStackDims *d, FlParams *params, const FlModelConfig *cfg,
                           gboolean is_extra, int64_t S, int64_t L, GError **error)
{
  fl_stack_dims_from_config (d, cfg, is_extra, S, L);
  const char *p = d->prefix;
  int64_t s[4];
  if (!param_shape (params, p, "msa_row_attention_with_pair_bias/attention//query_w", 4, s, error))
    return FALSE;
  d->c_m = (int) s[1];
  d->row_heads = (int) s[2];
  d->row_dim = (int) s[3];
  if (!param_shape (params, p, "msa_row_attention_with_pair_bias//feat_2d_weights", 3, s, error))
    return FALSE;
  d->c_z = (int) s[1];
  if (!param_shape (params, p,
                    is_extra ? "msa_column_global_attention/attention//query_w"
                             : "msa_column_attention/attention//query_w", 4, s, error))
    return FALSE;
  d->col_heads = (int) s[2];
  d->col_dim = (int) s[3];
  if (!param_shape (params, p, "msa_transition/transition1//weights", 3, s, error))
    return FALSE;
  d->msa_hidden = (int) s[2];
  if (!param_shape (params, p, "outer_product_mean/left_projection//weights", 3, s, error))
    return FALSE;
  d->opm_c = (int) s[2];
  if (!param_shape (params, p, "triangle_multiplication_outgoing/left_projection//weights",
                    3, s, error))
    return FALSE;
  d->mul_out_c = (int) s[2];
  if (!param_shape (params, p, "triangle_multiplication_incoming/left_projection//weights",
                    3, s, error))
    return FALSE;
  d->mul_in_c = (int) s[2];
  if (!param_shape (params, p, "triangle_attention_starting_node/attention//query_w", 4, s, error))
    return FALSE;
  d->start_heads = (int) s[2];
  d->start_dim = (int) s[3];
  if (!param_shape (params, p, "triangle_attention_ending_node/attention//query_w", 4, s, error))
    return FALSE;
  d->end_heads = (int) s[2];
  d->end_dim = (int) s[3];
  if (!param_shape (params, p, "pair_transition/transition1//weights", 3, s, error))
    return FALSE;
  d->pair_hidden = (int) s[2];

  int want_m = is_extra ? cfg->c_e : cfg->c_m;
  if ((want_m > 0 && d->c_m != want_m) || (cfg->c_z > 0 && d->c_z != cfg->c_z))
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE,
                   "The %s parameters have widths %d/%d, the configuration says %d/%d.",
                   p, d->c_m, d->c_z, want_m, cfg->c_z);
      return FALSE;
    }
  dims_finish (d);
  return TRUE;
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

static size_t
scratch_floats (const FlModelConfig *cfg, const FlStackDims *main_dims,
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
                  + scratch_floats (cfg, &m, &e);
  return floats * sizeof (float);
}

/* ------------------------------------------------------------ inputs */

static int
n_relpos (const FlModelConfig *cfg)
{
  return 2 * (cfg->max_relative_feature > 0 ? cfg->max_relative_feature : 32) + 1;
}

gsize
fl_device_inputs_bytes_needed (const FlModelConfig *cfg, int L, int n_clust, int n_extra)
{
  size_t LL = (size_t) L * L;
  size_t f = (size_t) L * 22 + (size_t) n_clust * L * 49 + (size_t) n_clust * L
             + (size_t) n_extra * L * 25 + (size_t) n_extra * L + L + LL
             + LL * n_relpos (cfg);
  return f * sizeof (float);
}

static float *
alloc_upload (FlBackend *b, const float *host, size_t n)
{
  if (b->error)
    return NULL;
  float *p = b->ops->alloc (b, MAX (n, 1));
  if (p && !b->error && host)
    b->ops->upload (b, p, host, n);
  return p;
}

void
fl_device_inputs_free (FlBackend *b, FlDeviceInputs *in)
{
  if (!in)
    return;
  float *bufs[] = { in->target_feat, in->msa_feat, in->msa_mask, in->extra_feat,
                    in->extra_mask, in->seq_mask, in->pair_mask, in->relpos };
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    if (bufs[i])
      b->ops->free (b, bufs[i]);
  g_free (in);
}

FlDeviceInputs *
fl_device_inputs_new (FlBackend *b, const FlModelConfig *cfg, const FlFeatures *f,
                      GError **error)
{
  if (!f || f->L <= 0 || f->n_clust <= 0 || f->n_extra <= 0)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The features need at least one residue, one MSA row and one "
                   "(possibly padded) extra-MSA row.");
      return NULL;
    }
  if (!fl_backend_check (b, error))
    return NULL;
  const int L = f->L, S = f->n_clust, E = f->n_extra;
  const size_t LL = (size_t) L * L;
  const int max_rel = (n_relpos (cfg) - 1) / 2, n_rel = n_relpos (cfg);

  for (size_t i = 0; i < (size_t) E * L; i++)
    if (f->extra_msa[i] < 0 || f->extra_msa[i] > 22)
      {
        g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                     "Extra-MSA token %d at row %zu, residue %zu is outside 0..22.",
                     f->extra_msa[i], i / L, i % L);
        return NULL;
      }

  /* (E, L, 25): one-hot of 23 tokens (padding rows hold token 0), has_deletion, deletion_value */
  g_autofree float *extra = g_try_new0 (float, (size_t) E * L * 25);
  g_autofree float *pair_mask = g_try_new (float, LL);
  g_autofree float *relpos = g_try_new0 (float, LL * n_rel);
  if (!extra || !pair_mask || !relpos)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                   "Not enough host memory for the input features of %d residues.", L);
      return NULL;
    }
  for (size_t i = 0; i < (size_t) E * L; i++)
    {
      float *row = extra + i * 25;
      row[f->extra_msa[i]] = 1.0f;
      row[23] = f->extra_has_deletion[i];
      row[24] = f->extra_deletion_value[i];
    }
  for (int i = 0; i < L; i++)
    for (int j = 0; j < L; j++)
      {
        pair_mask[(size_t) i * L + j] = f->seq_mask[i] * f->seq_mask[j];
        int off = f->residue_index[i] - f->residue_index[j];
        off = CLAMP (off, -max_rel, max_rel) + max_rel;
        relpos[((size_t) i * L + j) * n_rel + off] = 1.0f;
      }

  FlDeviceInputs *in = g_new0 (FlDeviceInputs, 1);
  in->L = L;
  in->n_clust = S;
  in->n_extra = E;
  in->target_feat = alloc_upload (b, f->target_feat, (size_t) L * 22);
  in->msa_feat = alloc_upload (b, f->msa_feat, (size_t) S * L * 49);
  in->msa_mask = alloc_upload (b, f->msa_mask, (size_t) S * L);
  in->extra_feat = alloc_upload (b, extra, (size_t) E * L * 25);
  in->extra_mask = alloc_upload (b, f->extra_msa_mask, (size_t) E * L);
  in->seq_mask = alloc_upload (b, f->seq_mask, L);
  in->pair_mask = alloc_upload (b, pair_mask, LL);
  in->relpos = alloc_upload (b, relpos, LL * n_rel);
  if (!fl_backend_check (b, error))
    {
      fl_device_inputs_free (b, in);
      return NULL;
    }
  return in;
}

/* ------------------------------------------------------------ trunk */

FlEvoformer *
fl_evoformer_new (FlBackend *b, FlWeights *w, const FlModelConfig *cfg,
                  int L, int n_clust, int n_extra, GError **error)
{
  return fl_evoformer_new_with_budget (b, w, cfg, L, n_clust, n_extra,
                                       fl_evoformer_chunk_budget (b), error);
}

FlEvoformer *
fl_evoformer_new_with_budget (FlBackend *b, FlWeights *w, const FlModelConfig *cfg,
                              int L, int n_clust, int n_extra, gsize budget, GError **error)
{
  if (L <= 0 || n_clust <= 0 || n_extra <= 0)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The trunk needs at least one residue, MSA row and extra-MSA row "
                   "(got %d, %d, %d).", L, n_clust, n_extra);
      return NULL;
    }
  if (!fl_backend_check (b, error))
    return NULL;
  FlEvoformer *evo = g_new0 (FlEvoformer, 1);
  evo->b = b;
  evo->w = w;
  evo->cfg = *cfg;
  evo->L = L;
  evo->n_clust = n_clust;
  evo->n_extra = n_extra;
  FlParams *params = fl_weights_params (w);
  if (!fl_stack_dims_from_params (&evo->main_dims, params, cfg, FALSE, n_clust, L, error)
      || !fl_stack_dims_from_params (&evo->extra_dims, params, cfg, TRUE, n_extra, L, error))
    {
      g_free (evo);
      return NULL;
    }
  evo->main_dims.budget = MAX (evo->main_dims.budget, budget);
  evo->extra_dims.budget = MAX (evo->extra_dims.budget, budget);
  const FlStackDims *m = &evo->main_dims, *e = &evo->extra_dims;
  evo->act.msa = b->ops->alloc (b, (size_t) n_clust * L * m->c_m);
  evo->act.pair = b->error ? NULL : b->ops->alloc (b, (size_t) L * L * m->c_z);
  evo->act.extra = b->error ? NULL : b->ops->alloc (b, (size_t) n_extra * L * e->c_m);
  evo->inv_norm_msa = b->error ? NULL : b->ops->alloc (b, (size_t) L * L);
  evo->inv_norm_extra = b->error ? NULL : b->ops->alloc (b, (size_t) L * L);
  size_t cap = scratch_floats (&evo->cfg, m, e);
  evo->scratch.b = b;
  evo->scratch.cap = cap;
  evo->scratch.base = b->error ? NULL : b->ops->alloc (b, MAX (cap, 1));
  if (!fl_backend_check (b, error))
    {
      fl_evoformer_free (evo);
      return NULL;
    }
  return evo;
}

void
fl_evoformer_free (FlEvoformer *evo)
{
  if (!evo)
    return;
  FlBackend *b = evo->b;
  for (int k = 0; k < 2; k++)
    {
      int n = k ? evo->cfg.n_extra_blocks : evo->cfg.n_evoformer_blocks;
      for (int i = 0; evo->recordings[k] && i < n; i++)
        if (evo->recordings[k][i].handle)
          b->ops->recording_free (b, evo->recordings[k][i].handle);
      g_free (evo->recordings[k]);
    }
  float *bufs[] = { evo->act.msa, evo->act.pair, evo->act.extra, evo->inv_norm_msa,
                    evo->inv_norm_extra, evo->scratch.base };
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    if (bufs[i])
      b->ops->free (b, bufs[i]);
  g_free (evo);
}

void
fl_evoformer_set_chunk_budget (FlEvoformer *evo, size_t floats)
{
  size_t cap_m = evo->main_dims.budget, cap_e = evo->extra_dims.budget;
  evo->main_dims.budget = CLAMP (floats, 1, cap_m);
  evo->extra_dims.budget = CLAMP (floats, 1, cap_e);
}

FlActivations *
fl_evoformer_activations (FlEvoformer *evo)
{
  return &evo->act;
}

static void
compute_inv_norm (FlBackend *b, const float *mask, int64_t S, int64_t L, float *inv,
                  float *host)
{
  /* norm (L,L) = mask^T (L,S) @ mask (S,L); exact small integers in fp32 */
  FL_OP (b, gemm_batched, TRUE, FALSE, L, L, S, 1.0f, mask, L, 0, mask, L, 0,
         0.0f, inv, L, 0, 1);
  FL_OP (b, download, host, inv, (size_t) L * L);
  if (b->error)
    return;
  for (size_t i = 0; i < (size_t) L * L; i++)
    host[i] = 1.0f / (1e-3f + host[i]);
  FL_OP (b, upload, inv, host, (size_t) L * L);
}

void
fl_evoformer_prepare_norms (FlEvoformer *evo, const FlDeviceInputs *in)
{
  FlBackend *b = evo->b;
  g_autofree float *host = g_try_new (float, (size_t) evo->L * evo->L);
  if (!host)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "Out of host memory for the outer-product normaliser.");
      return;
    }
  compute_inv_norm (b, in->msa_mask, in->n_clust, in->L, evo->inv_norm_msa, host);
  compute_inv_norm (b, in->extra_mask, in->n_extra, in->L, evo->inv_norm_extra, host);
  evo->norm_inputs = b->error ? NULL : in;
}

static gboolean
check_inputs (FlEvoformer *evo, const FlDeviceInputs *in, GError **error)
{
  if (!in || in->L != evo->L || in->n_clust != evo->n_clust || in->n_extra != evo->n_extra)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The inputs (%d residues, %d + %d rows) do not match the trunk "
                   "(%d residues, %d + %d rows).", in ? in->L : 0, in ? in->n_clust : 0,
                   in ? in->n_extra : 0, evo->L, evo->n_clust, evo->n_extra);
      return FALSE;
    }
  return TRUE;
}

/* Index of the last MSA row with any real position, plus one (host download). */
static int64_t
rows_in_use (FlBackend *b, const float *mask, int64_t S, int64_t L)
{
  g_autofree float *host = g_try_new (float, (size_t) S * L);
  if (!host)
    return S;
  FL_OP (b, download, host, mask, (size_t) S * L);
  if (b->error)
    return S;
  for (int64_t s = S - 1; s >= 0; s--)
    for (int64_t i = 0; i < L; i++)
      if (host[s * L + i] > 0.0f)
        return s + 1;
  return S;
}

/* FL_ENGINE_TIMING=1: wall time per module of the blocks, the backend
 * synchronised around each (a diagnostic; blocks are then never recorded). */
static const char *const step_names[FL_TRUNK_BLOCK_STEPS] = {
  "row attention", "column attention", "MSA transition", "outer product mean",
  "triangle mult. outgoing", "triangle mult. incoming", "triangle att. starting",
  "triangle att. ending", "pair transition",
};
static double step_ms[2][FL_TRUNK_BLOCK_STEPS];

gboolean
fl_evoformer_timing_on (void)
{
  static int on = -1;
  if (on < 0)
    on = g_strcmp0 (g_getenv ("FL_ENGINE_TIMING"), "1") == 0;
  return on;
}

void
fl_evoformer_timing_report (int pass)
{
  if (!fl_evoformer_timing_on ())
    return;
  for (int x = 0; x < 2; x++)
    for (int k = 0; k < FL_TRUNK_BLOCK_STEPS; k++)
      if (step_ms[x][k] > 0)
        g_printerr ("pass %d   %s %-24s %8.2f ms\n", pass, x ? "extra" : "evo  ", step_names[k],
                    step_ms[x][k]);
  memset (step_ms, 0, sizeof step_ms);
}

/* Steps first_step .. end_step-1 of one block, op by op. */
static void
run_steps (FlEvoformer *evo, FlTrunkCtx *tp, gboolean is_extra, const FlDeviceInputs *in,
           float *msa, const float *mask, FlAttentionCapture *capture,
           FlRowAttentionCapture *rc, int residue, int64_t n_rows, int first_step, int end_step)
{
  FlBackend *b = evo->b;
  FlTrunkCtx t = *tp;
  const FlStackDims *d = t.d;
  float *pair = evo->act.pair;
  const int64_t S = d->S, L = d->L;
  const gboolean timed = fl_evoformer_timing_on () && b->ops->synchronize;
  gint64 t_step = 0;
  for (int step = MAX (first_step, 0); step < MIN (end_step, FL_TRUNK_BLOCK_STEPS) && !b->error;
       step++)
    {
      if (timed)
        {
          b->ops->synchronize (b);
          t_step = g_get_monotonic_time ();
        }
      switch (step)
        {
        case 0:
          fl_trunk_msa_row_attention (&t, msa, mask, pair, rc);
          break;
        case 1:
          if (is_extra)
            fl_trunk_msa_column_global_attention (&t, msa, mask);
          else
            fl_trunk_msa_column_attention (&t, msa, mask, residue, n_rows,
                                           capture ? capture->msa_col_attention : NULL);
          break;
        case 2:
          fl_trunk_transition (&t, "msa_transition", msa, S * L, d->c_m, d->msa_hidden);
          break;
        case 3:
          fl_trunk_outer_product_mean (&t, msa, mask,
                                       is_extra ? evo->inv_norm_extra : evo->inv_norm_msa, pair);
          break;
        case 4:
          fl_trunk_triangle_multiplication (&t, TRUE, pair, in->pair_mask);
          break;
        case 5:
          fl_trunk_triangle_multiplication (&t, FALSE, pair, in->pair_mask);
          break;
        case 6:
          fl_trunk_triangle_attention (&t, FALSE, pair, in->pair_mask, residue,
                                       capture ? capture->tri_start_attention : NULL);
          break;
        case 7:
          fl_trunk_triangle_attention (&t, TRUE, pair, in->pair_mask, residue,
                                       capture ? capture->tri_end_attention : NULL);
          break;
        case 8:
          fl_trunk_transition (&t, "pair_transition", pair, L * L, d->c_z, d->pair_hidden);
          break;
        }
      if (timed && !b->error)
        {
          b->ops->synchronize (b);
          step_ms[is_extra ? 1 : 0][step] += (g_get_monotonic_time () - t_step) / 1e3;
        }
    }
}

/* A whole block without capture: replayed from its recording when one
 * applies, else recorded (and then replayed), else issued op by op. */
static void
run_block_recorded (FlEvoformer *evo, FlTrunkCtx *t, gboolean is_extra,
                    const FlDeviceInputs *in, float *msa, const float *mask)
{
  FlBackend *b = evo->b;
  int n_blocks = is_extra ? evo->cfg.n_extra_blocks : evo->cfg.n_evoformer_blocks;
  if (!evo->recordings[is_extra])
    evo->recordings[is_extra] = g_new0 (FlBlockRecording, MAX (n_blocks, 1));
  FlBlockRecording *r = &evo->recordings[is_extra][t->block];
  const FlBlockRecording key = { NULL, in->msa_mask, in->extra_mask, in->pair_mask,
                                 t->d->budget };
  if (r->handle && r->msa_mask == key.msa_mask && r->extra_mask == key.extra_mask
      && r->pair_mask == key.pair_mask && r->budget == key.budget
      && b->ops->replay (b, r->handle))
    return;
  if (r->handle)
    b->ops->recording_free (b, r->handle);
  *r = key;
  if (!b->error && b->ops->record_begin (b))
    {
      run_steps (evo, t, is_extra, in, msa, mask, NULL, NULL, -1, 0, 0, FL_TRUNK_BLOCK_STEPS);
      r->handle = b->ops->record_end (b);
      if (r->handle && b->ops->replay (b, r->handle))
        return;
    }
  run_steps (evo, t, is_extra, in, msa, mask, NULL, NULL, -1, 0, 0, FL_TRUNK_BLOCK_STEPS);
}

gboolean
fl_trunk_run_block (FlEvoformer *evo, gboolean is_extra, int block,
                    const FlDeviceInputs *in, FlAttentionCapture *capture,
                    int first_step, int end_step, GError **error)
{
  FlBackend *b = evo->b;
  int n_blocks = is_extra ? evo->cfg.n_extra_blocks : evo->cfg.n_evoformer_blocks;
  if (block < 0 || (n_blocks > 0 && block >= n_blocks))
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "There is no %s block %d (the model has %d).",
                   is_extra ? "extra-MSA" : "Evoformer", block, n_blocks);
      return FALSE;
    }
  if (!check_inputs (evo, in, error) || !fl_backend_check (b, error))
    return FALSE;
  if (evo->norm_inputs != in)
    fl_evoformer_prepare_norms (evo, in);

  const FlStackDims *d = is_extra ? &evo->extra_dims : &evo->main_dims;
  FlTrunkCtx t = { b, evo->w, d, block, &evo->scratch };
  float *msa = is_extra ? evo->act.extra : evo->act.msa;
  const float *mask = is_extra ? in->extra_mask : in->msa_mask;
  const int64_t S = d->S, L = d->L;

  /* MSA rows holding sequence: the capture averages over these only (one
   * host download, only on the captured block). */
  int64_t n_rows = capture && !is_extra
                   && (capture->msa_row_attention || capture->msa_col_attention)
                   ? rows_in_use (b, mask, S, L) : 0;
  FlRowAttentionCapture row_cap = { 0 }, *rc = NULL;
  if (capture && !is_extra && (capture->msa_row_attention || capture->msa_row_pair_bias))
    {
      row_cap.probs = capture->msa_row_attention;
      row_cap.pair_bias = capture->msa_row_pair_bias;
      row_cap.n_rows_mean = capture->msa_row_attention ? n_rows : 0;
      rc = &row_cap;
    }
  int residue = capture ? capture->residue : -1;
  if (capture && (capture->tri_start_attention || capture->tri_end_attention
                  || capture->msa_col_attention)
      && (residue < 0 || residue >= L))
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The attention-capture residue %d is outside 1..%d.", residue + 1, (int) L);
      return FALSE;
    }

  if (!capture && first_step <= 0 && end_step >= FL_TRUNK_BLOCK_STEPS && b->ops->record_begin
      && !fl_evoformer_timing_on ())
    run_block_recorded (evo, &t, is_extra, in, msa, mask);
  else
    run_steps (evo, &t, is_extra, in, msa, mask, capture, rc, residue, n_rows,
               first_step, end_step);
  return fl_backend_check (b, error);
}

gboolean
fl_evoformer_extra_block (FlEvoformer *evo, int block, const FlDeviceInputs *in,
                          GError **error)
{
  return fl_trunk_run_block (evo, TRUE, block, in, NULL, 0, FL_TRUNK_BLOCK_STEPS, error);
}

gboolean
fl_evoformer_block (FlEvoformer *evo, int block, const FlDeviceInputs *in,
                    FlAttentionCapture *capture, GError **error)
{
  return fl_trunk_run_block (evo, FALSE, block, in, capture, 0, FL_TRUNK_BLOCK_STEPS, error);
}

gboolean
fl_evoformer_single (FlEvoformer *evo, float *single, GError **error)
{
  /* single (L, c_s) = msa[0] (L, c_m) @ W + b */
  FlBackend *b = evo->b;
  FlParams *params = fl_weights_params (evo->w);
  int64_t s[2];
  if (!param_shape (params, "evoformer", "single_activations//weights", 2, s, error))
    return FALSE;
  if (s[0] != evo->main_dims.c_m)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE,
                   "Parameter 'evoformer/single_activations//weights' has %d input "
                   "channels, the MSA has %d.", (int) s[0], evo->main_dims.c_m);
      return FALSE;
    }
  FL_OP (b, linear, evo->act.msa, fl_weights_get (evo->w, "evoformer/single_activations//weights"),
         fl_weights_get (evo->w, "evoformer/single_activations//bias"), single,
         evo->L, s[0], s[1], FALSE);
  return fl_backend_check (b, error);
}
