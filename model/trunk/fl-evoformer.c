/* The trunk object: activations, scratch arena, outer-product normalisers,
 * and the order of the modules inside one Evoformer / extra-MSA block
 * (AlphaFold's EvoformerIteration with outer_product_mean.first = False).
 * Sizes are in fl-trunk-memory.c, the inputs in fl-device-inputs.c, the
 * helpers every module shares in fl-trunk-common.c. */
#include "fl-trunk-private.h"
#include "fl-trunk-modules.h"
#include "fl-error.h"
#include "fl-params.h"
#include "fl-templates.h"
#include <string.h>

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
  return fl_evoformer_new_with_templates (b, w, cfg, L, n_clust, n_extra, 0, budget, error);
}

const float *
fl_evoformer_template_single (FlEvoformer *evo)
{
  return evo->tmpl_single;
}

FlEvoformer *
fl_evoformer_new_with_templates (FlBackend *b, FlWeights *w, const FlModelConfig *cfg,
                                 int L, int n_clust, int n_extra, int n_tmpl, gsize budget,
                                 GError **error)
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
  evo->n_tmpl = MAX (n_tmpl, 0);
  FlParams *params = fl_weights_params (w);
  if (!fl_stack_dims_from_params (&evo->main_dims, params, cfg, FALSE, n_clust + evo->n_tmpl,
                                  L, error)
      || !fl_stack_dims_from_params (&evo->extra_dims, params, cfg, TRUE, n_extra, L, error)
      || (evo->n_tmpl > 0
          && !fl_template_dims_from_params (&evo->tmpl_dims, params, cfg, L, evo->n_tmpl, error)))
    {
      g_free (evo);
      return NULL;
    }
  evo->main_dims.budget = MAX (evo->main_dims.budget, budget);
  evo->extra_dims.budget = MAX (evo->extra_dims.budget, budget);
  evo->tmpl_dims.stack.budget = MAX (evo->tmpl_dims.stack.budget, budget);
  const FlStackDims *m = &evo->main_dims, *e = &evo->extra_dims;
  evo->act.msa = b->ops->alloc (b, (size_t) (n_clust + evo->n_tmpl) * L * m->c_m);
  if (evo->n_tmpl > 0 && !b->error)
    {
      /* one allocation: stack outputs, contribution map, ones */
      const size_t LL = (size_t) L * L;
      evo->tmpl_single = b->ops->alloc (b, fl_template_state_floats (&evo->tmpl_dims));
      if (!b->error)
        {
          evo->tmpl_contribution = evo->tmpl_single
                                   + (size_t) evo->n_tmpl * LL * evo->tmpl_dims.stack.c_z;
          evo->tmpl_ones = evo->tmpl_contribution + LL;
          b->ops->fill (b, evo->tmpl_ones, 1.0f, evo->tmpl_dims.c_z);
        }
    }
  evo->act.pair = b->error ? NULL : b->ops->alloc (b, (size_t) L * L * m->c_z);
  evo->act.extra = b->error ? NULL : b->ops->alloc (b, (size_t) n_extra * L * e->c_m);
  evo->inv_norm_msa = b->error ? NULL : b->ops->alloc (b, (size_t) L * L);
  evo->inv_norm_extra = b->error ? NULL : b->ops->alloc (b, (size_t) L * L);
  size_t cap = MAX (fl_trunk_scratch_floats (&evo->cfg, m, e),
                    fl_template_scratch (&evo->tmpl_dims));
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
                    evo->inv_norm_extra, evo->scratch.base, evo->tmpl_single };
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
  compute_inv_norm (b, in->msa_mask, in->n_clust + in->n_tmpl, in->L, evo->inv_norm_msa, host);
  compute_inv_norm (b, in->extra_mask, in->n_extra, in->L, evo->inv_norm_extra, host);
  evo->norm_inputs = b->error ? NULL : in;
}

static gboolean
check_inputs (FlEvoformer *evo, const FlDeviceInputs *in, GError **error)
{
  if (!in || in->L != evo->L || in->n_clust != evo->n_clust || in->n_extra != evo->n_extra
      || in->n_tmpl != evo->n_tmpl)
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
  if (!fl_trunk_param_shape (params, "evoformer", "single_activations//weights", 2, s, error))
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
