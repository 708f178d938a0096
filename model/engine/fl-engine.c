/* FlEngine: the recycling loop of AlphaFold2 monomer inference (fl-engine.h).
 *
 * One pass = embeddings (with the previous pass's positions, MSA first row
 * and pair), the extra-MSA stack, the Evoformer stack, the single
 * representation, the structure module (a pLDDT readout after every layer),
 * the heads and the confidence metrics. The modules live in fl-evoformer.c,
 * fl-structure-module.c and fl-heads.c; this file only drives them, reports
 * through the observer, checks for cancellation between blocks and collects
 * the results under the golden key names. */
#include "fl-engine.h"
#include "fl-engine-private.h"
#include "fl-memory-plan.h"
#include "fl-confidence.h"
#include "fl-error.h"
#include "fl-evoformer.h"
#include "fl-heads.h"
#include "fl-structure-module.h"
#include "fl-weights.h"
#include <math.h>
#include <stdarg.h>
#include <string.h>

#define CONTACT_CUTOFF 8.0f

struct _FlEngine {
  FlBackend *backend;
  FlParams *params;
  FlModelConfig cfg;
  FlWeights *weights;
};

/* ------------------------------------------------------------ small things */

void
fl_run_options_init (FlRunOptions *opts)
{
  memset (opts, 0, sizeof *opts);
  opts->backend = FL_BACKEND_KIND_AUTO;
  opts->device = 0;
  /* tf32 on CUDA: 2-3x faster than fp32 with pLDDT within 0.1 point of it
   * (docs/gpu.md); the CPU backend always computes in fp32. */
  opts->precision = FL_PRECISION_TF32;
  opts->n_threads = 0;
  opts->num_recycle = -1;
  opts->recycle_tolerance = 0.f;
  opts->capture_attention = TRUE;
  opts->capture_block = -1;
  opts->capture_residue = -1;
  opts->capture_layers = TRUE;
  opts->keep_representations = FALSE;
}

const char *
fl_stage_name (FlStage stage)
{
  switch (stage)
    {
    case FL_STAGE_EMBED: return "embedding";
    case FL_STAGE_EXTRA_MSA: return "extra-MSA stack";
    case FL_STAGE_EVOFORMER: return "Evoformer";
    case FL_STAGE_STRUCTURE: return "structure module";
    case FL_STAGE_HEADS: return "heads";
    default: return "unknown stage";
    }
}

void
fl_result_free (FlResult *result)
{
  if (!result)
    return;
  g_free (result->sequence);
  g_free (result->aatype);
  if (result->arrays)
    fl_arrays_unref (result->arrays);
  g_free (result->backend_description);
  g_free (result);
}

const float *
fl_result_get (FlResult *result, const char *key)
{
  FlArray *a = result && result->arrays ? fl_arrays_lookup (result->arrays, key) : NULL;
  return a && a->dtype == FL_DTYPE_F32 ? a->data : NULL;
}

/* --------------------------------------------------------------- the engine */

FlEngine *
fl_engine_new (FlParams *params, const FlModelConfig *cfg,
               const FlRunOptions *opts, GError **error)
{
  FlRunOptions defaults;
  if (!opts)
    {
      fl_run_options_init (&defaults);
      opts = &defaults;
    }
  if (!fl_params_validate (params, cfg, error))
    return NULL;
  FlBackend *b = fl_backend_new (opts->backend, opts->device, opts->precision,
                                 opts->n_threads, error);
  if (!b)
    return NULL;
  FlWeights *w = fl_weights_new (b, params, error);
  if (!w)
    {
      fl_backend_free (b);
      return NULL;
    }
  FlEngine *e = g_new0 (FlEngine, 1);
  e->backend = b;
  e->params = fl_params_ref (params);
  e->cfg = *cfg;
  e->weights = w;
  return e;
}

void
fl_engine_free (FlEngine *e)
{
  if (!e)
    return;
  fl_weights_free (e->weights);
  fl_params_unref (e->params);
  fl_backend_free (e->backend);
  g_free (e);
}

const char *
fl_engine_backend_description (FlEngine *e)
{
  return e->backend->description;
}

const char *
fl_engine_backend_name (FlEngine *e)
{
  return e->backend->ops->name;
}

FlPrecision
fl_engine_precision (FlEngine *e)
{
  return e->backend->precision;
}

const FlModelConfig *
fl_engine_config (FlEngine *e)
{
  return &e->cfg;
}

FlBackend *
fl_engine_peek_backend (FlEngine *e)
{
  return e->backend;
}

gboolean
fl_engine_check_fits (FlEngine *e, int L, int n_clust, int n_extra,
                      gsize *bytes_needed_out, GError **error)
{
  return fl_memory_plan_check (e->backend, &e->cfg, L, n_clust, n_extra,
                               bytes_needed_out, error);
}

/* --------------------------------------------------------------- one run */

typedef struct {
  FlEngine *e;
  FlBackend *b;
  const FlModelConfig *cfg;
  const FlFeatures *f;     /* the features run (trimmed view, below) */
  FlFeatures trimmed;      /* shallow copy with trailing padded extra rows dropped */
  const FlRunOptions *opts;
  const FlObserver *obs;
  gpointer user_data;
  GCancellable *cancellable;
  int L, n_clust, n_extra;
  int n_tmpl;              /* template slots (MSA rows after the clusters) */
  float *tmpl_contribution;/* host (L, L) |template embedding| of the pass, or NULL */

  FlDeviceInputs *in;
  FlEvoformer *evo;
  FlStructureModule *sm;
  float *single;          /* backend (L, c_s) */
  float *prev_msa;        /* backend (L, c_m) */
  float *prev_pair;       /* backend (L, L, c_z) */
  float *prev_pos;        /* host (L, 37, 3) */
  gboolean have_prev;

  int pass;               /* pass being run */
  int n_passes;           /* planned */
  int units_done, units_total;
  gboolean stop_requested;  /* an observer said STOP */
  GError *layer_error;      /* failure inside the layer callback */

  FlAttentionCapture capture;
  int capture_block;
  FlResult *result;
} Run;

static void
run_clear (Run *run)
{
  FlBackend *b = run->b;
  if (run->sm)
    fl_structure_module_free (run->sm);
  if (run->evo)
    fl_evoformer_free (run->evo);
  g_free (run->tmpl_contribution);
  if (run->in)
    fl_device_inputs_free (b, run->in);
  if (run->single)
    b->ops->free (b, run->single);
  if (run->prev_msa)
    b->ops->free (b, run->prev_msa);
  if (run->prev_pair)
    b->ops->free (b, run->prev_pair);
  g_free (run->prev_pos);
  g_free (run->capture.msa_row_attention);
  g_free (run->capture.msa_row_pair_bias);
  g_free (run->capture.tri_start_attention);
  g_free (run->capture.tri_end_attention);
  g_free (run->capture.msa_col_attention);
  g_clear_error (&run->layer_error);
  fl_result_free (run->result);
}

static gboolean
cancelled_error (Run *run, GError **error)
{
  g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED,
               "The run was cancelled during pass %d.", run->pass + 1);
  return FALSE;
}

/* After each block: progress to the observer, then cancellation. */
static gboolean
block_done (Run *run, FlStage stage, int block, int n_blocks, GError **error)
{
  run->units_done++;
  if (run->obs && run->obs->block_finished)
    {
      FlBlockEvent ev = {
        .recycle = run->pass, .stage = stage, .block = block, .n_blocks = n_blocks,
        .fraction_done = run->units_total ? (double) run->units_done / run->units_total : 1.0,
      };
      if (run->obs->block_finished (&ev, run->user_data) == FL_OBSERVE_STOP)
        run->stop_requested = TRUE;
    }
  if (run->stop_requested || g_cancellable_is_cancelled (run->cancellable))
    return cancelled_error (run, error);
  return TRUE;
}

static gboolean
validate_features (Run *run, GError **error)
{
  const FlFeatures *f = run->f;
  const FlModelConfig *cfg = run->cfg;
  if (!f || f->L < 1)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The features hold no residues.");
      return FALSE;
    }
  if (f->n_clust < 1)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The features hold no MSA rows (at least the query is needed).");
      return FALSE;
    }
  if (f->n_extra < 0)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The features have a negative number of extra MSA rows.");
      return FALSE;
    }
  if (cfg->msa_feat_dim != 49 || cfg->target_feat_dim != 22)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The model expects %d MSA and %d target features per residue, but "
                   "the feature pipeline makes 49 and 22.",
                   cfg->msa_feat_dim, cfg->target_feat_dim);
      return FALSE;
    }
  if (!f->aatype || !f->seq_mask || !f->target_feat || !f->msa_feat || !f->msa_mask
      || (f->n_extra > 0 && (!f->extra_msa || !f->extra_msa_mask)))
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The feature set is incomplete (a model input array is missing).");
      return FALSE;
    }
  for (int i = 0; i < f->L; i++)
    if (f->aatype[i] < 0 || f->aatype[i] > 20)
      {
        g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                     "Residue %d has amino-acid type %d, outside 0..20.", i + 1, f->aatype[i]);
        return FALSE;
      }
  return TRUE;
}

/* Allocate everything of the run (after the memory check). */
static gboolean
run_setup (Run *run, int n_passes, GError **error)
{
  FlEngine *e = run->e;
  FlBackend *b = e->backend;
  const FlModelConfig *cfg = &e->cfg;
  run->b = b;
  run->cfg = cfg;
  /* The run may be on another thread than the one that made the backend. */
  b->ops->synchronize (b);
  if (!validate_features (run, error))
    return FALSE;

  /* Trailing extra-MSA rows that are all padding (mask 0) change nothing:
   * row attention and transitions are per row, the global column attention
   * and the outer product mean weight rows by their mask. Dropping them
   * (keeping at least one row, so the extra stack keeps its shape and the
   * outer-product 1e-3 normaliser still applies) saves their work, e.g.
   * 5,120 padded rows for a single sequence. The cluster rows are kept:
   * they are outputs (masked-MSA logits, MSA representation). */
  run->trimmed = *run->f;
  if (run->f->extra_msa_mask)
    {
      int keep = run->f->n_extra;
      while (keep > 1)
        {
          const float *m = run->f->extra_msa_mask + (gsize) (keep - 1) * run->f->L;
          gboolean any = FALSE;
          for (int i = 0; i < run->f->L && !any; i++)
            any = m[i] != 0.f;
          if (any)
            break;
          keep--;
        }
      run->trimmed.n_extra = keep;
      run->trimmed.n_extra_real = MIN (run->f->n_extra_real, keep);
    }
  run->f = &run->trimmed;

  run->L = run->f->L;
  run->n_clust = run->f->n_clust;
  run->n_extra = run->f->n_extra;
  run->n_passes = n_passes;

  gsize planned = 0;
  if (!fl_engine_check_fits (e, run->L, run->n_clust, run->n_extra, &planned, error))
    return FALSE;

  int L = run->L;
  run->in = fl_device_inputs_new (b, cfg, run->f, error);
  if (!run->in)
    return FALSE;
  run->n_tmpl = fl_device_inputs_template_slots (cfg, run->f);
  run->evo = fl_evoformer_new_with_templates (b, e->weights, cfg, L, run->n_clust, run->n_extra,
                                              run->n_tmpl, fl_evoformer_chunk_budget (b), error);
  if (!run->evo)
    return FALSE;
  run->sm = fl_structure_module_new (b, e->weights, cfg, L, error);
  if (!run->sm)
    return FALSE;
  run->single = b->ops->alloc (b, (size_t) L * cfg->c_s);
  run->prev_msa = b->ops->alloc (b, (size_t) L * cfg->c_m);
  run->prev_pair = b->ops->alloc (b, (size_t) L * L * cfg->c_z);
  if (!fl_backend_check (b, error))
    return FALSE;
  run->prev_pos = g_new0 (float, (gsize) L * 37 * 3);

  const FlRunOptions *o = run->opts;
  run->capture_block = -1;
  /* Attention maps only feed the recycle event: none without a listener. */
  if (o->capture_attention && cfg->n_evoformer_blocks > 0
      && run->obs && run->obs->recycle_finished)
    {
      int blk = o->capture_block;
      if (blk < 0 || blk >= cfg->n_evoformer_blocks)
        blk = cfg->n_evoformer_blocks - 1;
      run->capture_block = blk;
      int res = o->capture_residue;
      if (res < 0 || res >= L)
        res = L / 2;
      run->capture.residue = res;
      run->capture.msa_row_attention = g_new0 (float, (gsize) cfg->msa_row_heads * L * L);
      run->capture.msa_row_pair_bias = g_new0 (float, (gsize) cfg->msa_row_heads * L * L);
      run->capture.tri_start_attention = g_new0 (float, (gsize) cfg->tri_att_start_heads * L * L);
      run->capture.tri_end_attention = g_new0 (float, (gsize) cfg->tri_att_end_heads * L * L);
      /* (heads, MSA rows): the template rows too; compacted to the
       * cluster rows after the block */
      run->capture.msa_col_attention = g_new0 (float, (gsize) cfg->msa_col_heads
                                                      * (run->n_clust + run->n_tmpl));
    }

  run->units_total = n_passes * (cfg->n_extra_blocks + cfg->n_evoformer_blocks + 1);

  FlResult *r = g_new0 (FlResult, 1);
  r->L = L;
  r->sequence = g_strdup (run->f->sequence ? run->f->sequence : "");
  r->aatype = g_memdup2 (run->f->aatype, (gsize) L * sizeof (int32_t));
  r->arrays = fl_arrays_new ();
  r->backend_description = g_strdup (b->description);
  run->result = r;

  if (run->obs && run->obs->run_started)
    {
      FlRunInfo info = {
        .L = L, .n_clust = run->n_clust, .n_extra = run->n_extra,
        .n_passes = n_passes,
        .n_evoformer_blocks = cfg->n_evoformer_blocks,
        .n_extra_blocks = cfg->n_extra_blocks,
        .n_sm_layers = cfg->sm_layers,
        .backend_description = b->description,
        .preset = cfg->preset,
        .planned_bytes = planned,
      };
      run->obs->run_started (&info, run->user_data);
    }
  return TRUE;
}

/* Helpers to store result arrays (copies). */
static void
put (Run *run, int pass, const char *key, const float *data, int ndim, ...)
{
  int64_t shape[FL_ARRAY_MAX_DIMS];
  va_list ap;
  va_start (ap, ndim);
  for (int i = 0; i < ndim; i++)
    shape[i] = va_arg (ap, int64_t);
  va_end (ap);
  g_autofree char *name = pass >= 0 ? g_strdup_printf ("r%d/%s", pass, key) : g_strdup (key);
  fl_arrays_add_f32 (run->result->arrays, name, ndim, shape, data);
}

static void
put_scalar (Run *run, int pass, const char *key, float value)
{
  put (run, pass, key, &value, 0);
}

/* Download a backend buffer of n floats into a new host array. */
static float *
download_new (FlBackend *b, const float *src, size_t n)
{
  float *h = g_new (float, MAX (n, 1));
  FL_OP (b, download, h, src, n);
  return h;
}

/* The structure module's per-layer callback: pLDDT readout + observer. */
typedef struct {
  Run *run;
} LayerCtx;

static gboolean
on_layer (int layer, const float *act, const float *affines, const float *atom14,
          const float *atom37, const float *atom37_mask, gpointer user_data)
{
  Run *run = ((LayerCtx *) user_data)->run;
  if (run->stop_requested || g_cancellable_is_cancelled (run->cancellable))
    return FALSE;
  if (!run->opts->capture_layers || !run->obs || !run->obs->layer_finished)
    return TRUE;
  const FlModelConfig *cfg = run->cfg;
  int L = run->L;
  g_autofree float *logits = fl_heads_plddt_logits (run->e->weights, cfg, act, L,
                                                    &run->layer_error);
  if (!logits)
    return FALSE;
  g_autofree float *plddt = g_new (float, L);
  fl_confidence_plddt (logits, L, cfg->plddt_bins, plddt);
  FlLayerEvent ev = {
    .recycle = run->pass, .layer = layer, .n_layers = cfg->sm_layers, .L = L,
    .affines = affines, .atom14 = atom14, .atom37 = atom37, .atom37_mask = atom37_mask,
    .plddt = plddt,
  };
  if (run->obs->layer_finished (&ev, run->user_data) == FL_OBSERVE_STOP)
    {
      run->stop_requested = TRUE;
      return FALSE;
    }
  return TRUE;
}

/* FL_ENGINE_TIMING=1 (fl_evoformer_timing_on): wall time of each part of a
 * pass on stderr, the backend synchronised at every boundary (a diagnostic:
 * it serialises the host and the device at those points). */
static gint64
phase_mark (FlBackend *b, gint64 since, const char *what, int pass)
{
  if (!fl_evoformer_timing_on ())
    return 0;
  if (b->ops->synchronize && !b->error)
    b->ops->synchronize (b);
  gint64 now = g_get_monotonic_time ();
  if (what)
    g_printerr ("pass %d %-22s %8.2f ms\n", pass, what, (now - since) / 1e3);
  return now;
}

/* One pass. Stores "r{pass}/..." keys, and the final keys when `final`. On
 * return prev_* hold this pass's recycled state. *tolerance_out gets the
 * recycle tolerance (NAN without a previous pass). */
/* What the heads and the confidence give for one pass (host arrays, except
 * where noted). */
typedef struct {
  FlPairConfidence pc;    /* distogram / PAE reductions (full logits on the final pass) */
  float *plddt_logits;    /* (L, plddt_bins) */
  float *msa_logits;      /* (n_clust, L, 23), final pass only */
  float *resolved;        /* (L, 37), final pass only */
  float *single_h, *sm_act_h, *first_row_h;   /* (L, c_s), (L, c_s), (L, c_m) */
  float *plddt;           /* (L) */
  float mean_plddt, tolerance;
} PassHeads;

static void
pass_heads_clear (PassHeads *h)
{
  fl_pair_confidence_clear (&h->pc);
  g_free (h->plddt_logits);
  g_free (h->msa_logits);
  g_free (h->resolved);
  g_free (h->single_h);
  g_free (h->sm_act_h);
  g_free (h->first_row_h);
  g_free (h->plddt);
  memset (h, 0, sizeof *h);
}

/* Embeddings (recycling included), the extra-MSA and Evoformer stacks, and
 * the single representation. */
static gboolean
run_trunk (Run *run, gint64 *tm, GError **error)
{
  FlBackend *b = run->b;
  const FlModelConfig *cfg = run->cfg;
  const int r = run->pass;
  if (!fl_evoformer_embed (run->evo, run->in, run->f,
                           run->have_prev ? run->prev_pos : NULL,
                           run->have_prev ? run->prev_msa : NULL,
                           run->have_prev ? run->prev_pair : NULL, error))
    return FALSE;
  if (g_cancellable_is_cancelled (run->cancellable))
    return cancelled_error (run, error);
  *tm = phase_mark (b, *tm, "embeddings", r);
  if (run->n_tmpl > 0)
    {
      /* what the templates add to the pair (a map for the app) */
      if (!run->tmpl_contribution)
        run->tmpl_contribution = g_new (float, (gsize) run->L * run->L);
      if (!fl_evoformer_template_contribution (run->evo, run->tmpl_contribution, error))
        return FALSE;
      put (run, r, "template/pair_contribution", run->tmpl_contribution, 2, (int64_t) run->L,
           (int64_t) run->L);
    }

  for (int blk = 0; blk < cfg->n_extra_blocks; blk++)
    {
      if (!fl_evoformer_extra_block (run->evo, blk, run->in, error))
        return FALSE;
      if (!block_done (run, FL_STAGE_EXTRA_MSA, blk, cfg->n_extra_blocks, error))
        return FALSE;
    }
  *tm = phase_mark (b, *tm, "extra-MSA stack", r);
  for (int blk = 0; blk < cfg->n_evoformer_blocks; blk++)
    {
      FlAttentionCapture *cap = blk == run->capture_block ? &run->capture : NULL;
      if (!fl_evoformer_block (run->evo, blk, run->in, cap, error))
        return FALSE;
      if (cap && cap->msa_col_attention && run->n_tmpl > 0)
        for (int h = 1; h < cfg->msa_col_heads; h++)
          memmove (cap->msa_col_attention + (gsize) h * run->n_clust,
                   cap->msa_col_attention + (gsize) h * (run->n_clust + run->n_tmpl),
                   (gsize) run->n_clust * sizeof (float));
      if (run->opts->probe_blocks && run->obs && run->obs->block_probed)
        {
          FlPairConfidence probe;
          if (!fl_heads_pair_confidence (run->e->weights, cfg,
                                         fl_evoformer_activations (run->evo)->pair, run->L,
                                         CONTACT_CUTOFF, FALSE, &probe, error))
            return FALSE;
          FlProbeEvent pev = { .recycle = r, .block = blk, .n_blocks = cfg->n_evoformer_blocks,
                               .L = run->L, .contact_probs = probe.contacts,
                               .expected_distance = probe.expected };
          if (run->obs->block_probed (&pev, run->user_data) == FL_OBSERVE_STOP)
            run->stop_requested = TRUE;
          fl_pair_confidence_clear (&probe);
        }
      if (!block_done (run, FL_STAGE_EVOFORMER, blk, cfg->n_evoformer_blocks, error))
        return FALSE;
    }
  if (!fl_evoformer_single (run->evo, run->single, error))
    return FALSE;
  *tm = phase_mark (b, *tm, "Evoformer stack", r);
  fl_evoformer_timing_report (r);
  return TRUE;
}

/* The structure module, with the per-layer readout (on_layer). */
static gboolean
run_structure (Run *run, FlStructureOutputs *out, gint64 *tm, GError **error)
{
  FlActivations *act = fl_evoformer_activations (run->evo);
  LayerCtx lctx = { run };
  if (!fl_structure_module_run (run->sm, run->single, act->pair, run->f->aatype,
                                run->f->seq_mask, on_layer, &lctx, out, error))
    {
      if (run->layer_error)
        {
          g_clear_error (error);
          g_propagate_error (error, g_steal_pointer (&run->layer_error));
        }
      else if (run->stop_requested && error && *error
               && !g_error_matches (*error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED))
        {
          g_clear_error (error);
          cancelled_error (run, error);
        }
      return FALSE;
    }
  if (!block_done (run, FL_STAGE_STRUCTURE, 0, 1, error))
    return FALSE;
  *tm = phase_mark (run->b, *tm, "structure module", run->pass);
  return TRUE;
}

/* Heads and confidence. Distogram and PAE are reduced on the backend; the
 * full logits come to the host on the final pass only. */
static gboolean
run_heads (Run *run, const FlStructureOutputs *out, gboolean final, PassHeads *h,
           gint64 *tm, GError **error)
{
  FlBackend *b = run->b;
  FlWeights *w = run->e->weights;
  const FlModelConfig *cfg = run->cfg;
  FlActivations *act = fl_evoformer_activations (run->evo);
  const int L = run->L, r = run->pass;
  const gsize l = L;
  h->tolerance = NAN;
  if (!fl_heads_pair_confidence (w, cfg, act->pair, L, CONTACT_CUTOFF, final, &h->pc, error))
    return FALSE;
  *tm = phase_mark (b, *tm, "  pair confidence", r);
  h->plddt_logits = fl_heads_plddt_logits (w, cfg, out->act, L, error);
  if (!h->plddt_logits)
    return FALSE;
  if (final)
    {
      h->msa_logits = fl_heads_masked_msa (w, cfg, act->msa, run->n_clust, L, error);
      if (!h->msa_logits)
        return FALSE;
    }
  h->single_h = download_new (b, run->single, l * cfg->c_s);
  if (final && !(h->resolved = fl_heads_experimentally_resolved (w, cfg, run->single, L, error)))
    return FALSE;
  h->sm_act_h = download_new (b, out->act, l * cfg->sm_channels);
  h->first_row_h = download_new (b, act->msa, l * cfg->c_m);
  if (!fl_backend_check (b, error))
    return FALSE;

  h->plddt = g_new (float, L);
  h->mean_plddt = fl_confidence_plddt (h->plddt_logits, L, cfg->plddt_bins, h->plddt);
  if (run->have_prev)
    h->tolerance = fl_confidence_recycle_tolerance (run->prev_pos, out->final_atom37,
                                                    run->f->seq_mask, L);
  *tm = phase_mark (b, *tm, "  pLDDT, downloads, tol.", r);
  return TRUE;
}

/* Per-pass results (recycles.npz keys). */
static void
store_pass_results (Run *run, const FlStructureOutputs *out, const PassHeads *h)
{
  FlBackend *b = run->b;
  const FlModelConfig *cfg = run->cfg;
  FlActivations *act = fl_evoformer_activations (run->evo);
  const int r = run->pass;
  const gsize l = run->L;
  const int64_t L64 = run->L, nl = out->n_layers;
  const float *pae = h->pc.pae;
  const FlRunOptions *o = run->opts;
  put (run, r, "structure_module/final_atom_positions", out->final_atom37, 3, L64, (int64_t) 37, (int64_t) 3);
  put (run, r, "structure_module/final_atom14_positions", out->final_atom14, 3, L64, (int64_t) 14, (int64_t) 3);
  put (run, r, "structure_module/final_affines", out->traj + (gsize) (nl - 1) * l * 7, 2, L64, (int64_t) 7);
  put (run, r, "predicted_lddt/logits", h->plddt_logits, 2, L64, (int64_t) cfg->plddt_bins);
  put (run, r, "plddt", h->plddt, 1, L64);
  put_scalar (run, r, "mean_plddt", h->mean_plddt);
  put_scalar (run, r, "ptm", h->pc.ptm);
  put_scalar (run, r, "tolerance", h->tolerance);
  if (pae)
    {
      put (run, r, "confidence/predicted_aligned_error", pae, 2, L64, L64);
      put_scalar (run, r, "confidence/max_predicted_aligned_error", h->pc.max_pae);
    }
  if (o->keep_representations)
    {
      g_autofree float *pair_h = download_new (b, act->pair, l * l * cfg->c_z);
      put (run, r, "representations/single", h->single_h, 2, L64, (int64_t) cfg->c_s);
      put (run, r, "representations/msa_first_row", h->first_row_h, 2, L64, (int64_t) cfg->c_m);
      put (run, r, "representations/structure_module", h->sm_act_h, 2, L64, (int64_t) cfg->sm_channels);
      put (run, r, "representations/pair", pair_h, 3, L64, L64, (int64_t) cfg->c_z);
    }
}

/* Final results (outputs.npz keys). */
static gboolean
store_final_results (Run *run, const FlStructureOutputs *out, const PassHeads *h,
                     GError **error)
{
  FlBackend *b = run->b;
  const FlModelConfig *cfg = run->cfg;
  const FlRunOptions *o = run->opts;
  FlActivations *act = fl_evoformer_activations (run->evo);
  const gsize l = run->L;
  const int64_t L64 = run->L, nl = out->n_layers;
  const float *pae = h->pc.pae;
  g_autofree float *dbreaks = g_new (float, MAX (cfg->distogram_bins - 1, 1));
  fl_confidence_distogram_breaks (cfg->distogram_bins, cfg->distogram_first_break,
                                  cfg->distogram_last_break, dbreaks);
  put (run, -1, "distogram/logits", h->pc.distogram_logits, 3, L64, L64, (int64_t) cfg->distogram_bins);
  put (run, -1, "distogram/bin_edges", dbreaks, 1, (int64_t) cfg->distogram_bins - 1);
  put (run, -1, "experimentally_resolved/logits", h->resolved, 2, L64, (int64_t) 37);
  put (run, -1, "masked_msa/logits", h->msa_logits, 3, (int64_t) run->n_clust, L64,
       (int64_t) cfg->masked_msa_outputs);
  put (run, -1, "predicted_lddt/logits", h->plddt_logits, 2, L64, (int64_t) cfg->plddt_bins);
  put (run, -1, "structure_module/final_atom_positions", out->final_atom37, 3, L64, (int64_t) 37, (int64_t) 3);
  put (run, -1, "structure_module/final_atom_mask", out->final_atom37_mask, 2, L64, (int64_t) 37);
  put (run, -1, "structure_module/final_atom14_positions", out->final_atom14, 3, L64, (int64_t) 14, (int64_t) 3);
  put (run, -1, "structure_module/final_atom14_mask", out->final_atom14_mask, 2, L64, (int64_t) 14);
  put (run, -1, "structure_module/traj", out->traj, 3, nl, L64, (int64_t) 7);
  put (run, -1, "structure_module/final_affines", out->traj + (gsize) (nl - 1) * l * 7, 2, L64, (int64_t) 7);
  put (run, -1, "structure_module/sidechains/angles_sin_cos", out->angles_sin_cos, 4, nl, L64, (int64_t) 7, (int64_t) 2);
  put (run, -1, "structure_module/sidechains/unnormalized_angles_sin_cos", out->unnormalized_angles_sin_cos,
       4, nl, L64, (int64_t) 7, (int64_t) 2);
  put (run, -1, "structure_module/sidechains/atom_pos", out->atom_pos, 4, nl, L64, (int64_t) 14, (int64_t) 3);
  put (run, -1, "structure_module/sidechains/frames/rot", out->frames_rot, 5, nl, L64, (int64_t) 8, (int64_t) 3, (int64_t) 3);
  put (run, -1, "structure_module/sidechains/frames/trans", out->frames_trans, 4, nl, L64, (int64_t) 8, (int64_t) 3);
  put (run, -1, "confidence/plddt", h->plddt, 1, L64);
  if (pae)
    {
      g_autofree float *pbreaks = g_new (float, cfg->pae_bins - 1);
      fl_confidence_pae_breaks (cfg->pae_bins, cfg->pae_max_error_bin, pbreaks);
      put (run, -1, "predicted_aligned_error/logits", h->pc.pae_logits, 3, L64, L64, (int64_t) cfg->pae_bins);
      put (run, -1, "predicted_aligned_error/breaks", pbreaks, 1, (int64_t) cfg->pae_bins - 1);
      put (run, -1, "confidence/predicted_aligned_error", pae, 2, L64, L64);
      put_scalar (run, -1, "confidence/max_predicted_aligned_error", h->pc.max_pae);
      put (run, -1, "confidence/aligned_confidence_probs", h->pc.pae_probs, 3, L64, L64, (int64_t) cfg->pae_bins);
      put_scalar (run, -1, "confidence/ptm", h->pc.ptm);
    }
  put (run, -1, "confidence/contact_probs", h->pc.contacts, 2, L64, L64);
  if (run->tmpl_contribution)
    put (run, -1, "template/pair_contribution", run->tmpl_contribution, 2, L64, L64);
  put (run, -1, "confidence/expected_distance", h->pc.expected, 2, L64, L64);
  if (o->keep_representations)
    {
      g_autofree float *msa_h = download_new (b, act->msa, (gsize) run->n_clust * l * cfg->c_m);
      g_autofree float *pair_h = download_new (b, act->pair, l * l * cfg->c_z);
      put (run, -1, "representations/msa", msa_h, 3, (int64_t) run->n_clust, L64, (int64_t) cfg->c_m);
      put (run, -1, "representations/msa_first_row", h->first_row_h, 2, L64, (int64_t) cfg->c_m);
      put (run, -1, "representations/pair", pair_h, 3, L64, L64, (int64_t) cfg->c_z);
      put (run, -1, "representations/single", h->single_h, 2, L64, (int64_t) cfg->c_s);
      put (run, -1, "representations/structure_module", h->sm_act_h, 2, L64, (int64_t) cfg->sm_channels);
    }
  return fl_backend_check (b, error);
}

/* The recycle event to the observer (which may ask to stop). */
static void
emit_recycle_event (Run *run, const FlStructureOutputs *out, const PassHeads *h)
{
  const FlModelConfig *cfg = run->cfg;
  if (!run->obs || !run->obs->recycle_finished)
    return;
  gboolean cap = run->capture_block >= 0;
  FlRecycleEvent ev = {
    .recycle = run->pass, .L = run->L,
    .atom37 = out->final_atom37, .atom37_mask = out->final_atom37_mask,
    .plddt = h->plddt, .mean_plddt = h->mean_plddt, .ptm = h->pc.ptm,
    .pae = h->pc.pae, .max_pae = h->pc.max_pae,
    .contact_probs = h->pc.contacts, .expected_distance = h->pc.expected,
    .template_contribution = run->tmpl_contribution, .n_templates = run->n_tmpl,
    .tolerance = h->tolerance,
    .att_block = cap ? run->capture_block : -1,
    .att_heads = cap ? cfg->msa_row_heads : 0,
    .tri_heads = cap ? cfg->tri_att_start_heads : 0,
    .att_residue = cap ? run->capture.residue : -1,
    .msa_row_attention = cap ? run->capture.msa_row_attention : NULL,
    .msa_row_pair_bias = cap ? run->capture.msa_row_pair_bias : NULL,
    .tri_start_attention = cap ? run->capture.tri_start_attention : NULL,
    .tri_end_attention = cap ? run->capture.tri_end_attention : NULL,
    .msa_col_attention = cap ? run->capture.msa_col_attention : NULL,
    .col_heads = cap ? cfg->msa_col_heads : 0, .n_clust = run->n_clust,
  };
  if (run->obs->recycle_finished (&ev, run->user_data) == FL_OBSERVE_STOP)
    run->stop_requested = TRUE;
}

/* Keep this pass's positions, first MSA row and pair for the next pass. */
static gboolean
keep_recycled_state (Run *run, const FlStructureOutputs *out, GError **error)
{
  FlBackend *b = run->b;
  const FlModelConfig *cfg = run->cfg;
  FlActivations *act = fl_evoformer_activations (run->evo);
  const gsize l = run->L;
  memcpy (run->prev_pos, out->final_atom37, l * 37 * 3 * sizeof (float));
  FL_OP (b, copy, run->prev_msa, act->msa, l * cfg->c_m);
  FL_OP (b, copy, run->prev_pair, act->pair, l * l * cfg->c_z);
  run->have_prev = TRUE;
  return fl_backend_check (b, error);
}

/* One pass: trunk, structure module, heads, results, recycle event, state. */
static gboolean
run_pass (Run *run, gboolean final, float *tolerance_out, GError **error)
{
  FlStructureOutputs out = { 0 };
  PassHeads h = { 0 };
  gint64 tm = phase_mark (run->b, 0, NULL, run->pass);
  gboolean ok = run_trunk (run, &tm, error)
                && run_structure (run, &out, &tm, error)
                && run_heads (run, &out, final, &h, &tm, error);
  if (ok)
    {
      if (tolerance_out)
        *tolerance_out = h.tolerance;
      store_pass_results (run, &out, &h);
      ok = !final || store_final_results (run, &out, &h, error);
    }
  if (ok)
    {
      emit_recycle_event (run, &out, &h);
      ok = keep_recycled_state (run, &out, error);
      phase_mark (run->b, tm, "  results, recycled state", run->pass);
    }
  pass_heads_clear (&h);
  fl_structure_outputs_clear (&out);
  return ok;
}

static int
passes_planned (FlEngine *e, const FlRunOptions *o)
{
  int n = o->num_recycle >= 0 ? o->num_recycle : e->cfg.num_recycle;
  return MAX (n, 0) + 1;
}

FlResult *
fl_engine_run (FlEngine *e, const FlFeatures *features, const FlRunOptions *opts,
               const FlObserver *observer, gpointer user_data,
               GCancellable *cancellable, GError **error)
{
  FlRunOptions defaults;
  if (!opts)
    {
      fl_run_options_init (&defaults);
      opts = &defaults;
    }
  gint64 t0 = g_get_monotonic_time ();
  Run run = { .e = e, .f = features, .opts = opts, .obs = observer,
              .user_data = user_data, .cancellable = cancellable };
  int n_passes = passes_planned (e, opts);
  if (!run_setup (&run, n_passes, error))
    {
      run_clear (&run);
      return NULL;
    }

  int done = 0;
  gboolean early = FALSE;
  for (int p = 0; p < n_passes; p++)
    {
      run.pass = p;
      float tol = NAN;
      /* Whether this is the last pass is known only after it (tolerance), so
       * the final keys are written by every pass; later passes replace them. */
      if (!run_pass (&run, TRUE, &tol, error))
        {
          run_clear (&run);
          return NULL;
        }
      done = p + 1;
      if (run.stop_requested || g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED,
                       "The run was cancelled after pass %d.", p + 1);
          run_clear (&run);
          return NULL;
        }
      if (p > 0 && opts->recycle_tolerance > 0 && isfinite (tol)
          && tol < opts->recycle_tolerance)
        {
          early = p + 1 < n_passes;
          break;
        }
    }

  FlResult *result = g_steal_pointer (&run.result);
  result->n_passes = done;
  result->stopped_early = early;
  result->seconds = (g_get_monotonic_time () - t0) / 1e6;
  run_clear (&run);
  return result;
}

FlResult *
fl_engine_run_pass (FlEngine *e, const FlFeatures *features, const FlRunOptions *opts,
                    int pass, const float *prev_atom37, const float *prev_msa_first_row,
                    const float *prev_pair, GError **error)
{
  gboolean any = prev_atom37 || prev_msa_first_row || prev_pair;
  gboolean all = prev_atom37 && prev_msa_first_row && prev_pair;
  if (any && !all)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "A previous state needs positions, MSA first row and pair together.");
      return NULL;
    }
  FlRunOptions defaults;
  if (!opts)
    {
      fl_run_options_init (&defaults);
      opts = &defaults;
    }
  gint64 t0 = g_get_monotonic_time ();
  Run run = { .e = e, .f = features, .opts = opts };
  if (!run_setup (&run, 1, error))
    {
      run_clear (&run);
      return NULL;
    }
  const FlModelConfig *cfg = &e->cfg;
  gsize l = run.L;
  if (all)
    {
      memcpy (run.prev_pos, prev_atom37, l * 37 * 3 * sizeof (float));
      FL_OP (run.b, upload, run.prev_msa, prev_msa_first_row, l * cfg->c_m);
      FL_OP (run.b, upload, run.prev_pair, prev_pair, l * l * cfg->c_z);
      run.have_prev = TRUE;
      if (!fl_backend_check (run.b, error))
        {
          run_clear (&run);
          return NULL;
        }
    }
  run.pass = pass;
  if (!run_pass (&run, TRUE, NULL, error))
    {
      run_clear (&run);
      return NULL;
    }
  FlResult *result = g_steal_pointer (&run.result);
  result->n_passes = 1;
  result->seconds = (g_get_monotonic_time () - t0) / 1e6;
  run_clear (&run);
  return result;
}
