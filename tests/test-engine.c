/* The engine end to end on the tiny golden case (fast suite): recycle 0 and
 * each teacher-forced recycle against recycles.npz, the free run against
 * outputs.npz; the observer (events, cancellation), early stop, the memory
 * plan and bad input; scores JSON files. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "engine-golden.h"
#include "fl-confidence.h"
#include "fl-engine-private.h"
#include "fl-error.h"
#include "fl-scores-io.h"
#include "fl-test-util.h"

static GoldenCase *tiny;

static GoldenCase *
get_tiny (void)
{
  if (!tiny)
    tiny = golden_case_load ("tiny", "tiny", "params_tiny.npz");
  return tiny;
}

static void
test_recycle0 (void)
{
  GoldenCase *g = get_tiny ();
  if (g)
    golden_check_recycle0 (g);
}

static void
test_teacher_forced (void)
{
  GoldenCase *g = get_tiny ();
  if (g)
    golden_check_teacher_forced (g, 3);
}

static void
test_free_run (void)
{
  GoldenCase *g = get_tiny ();
  if (g)
    golden_check_free_run (g, 3, TRUE);
}

/* ---- observer ---- */

typedef struct {
  int started, blocks, layers, recycles;
  int stop_at_block;       /* -1: never */
  int stop_at_layer;       /* -1: never */
  int n_layers_seen;
  gboolean layer_counts_ok;
  double last_fraction;
  gboolean fractions_monotonic;
  float last_layer_plddt[64];
  float plddt_diff;        /* max |last layer readout - recycle pLDDT| */
  gboolean capture_ok;
  int L;
  gsize planned;
} Obs;

static void
obs_started (const FlRunInfo *info, gpointer data)
{
  Obs *o = data;
  o->started++;
  o->L = info->L;
  o->planned = info->planned_bytes;
  g_assert_cmpint (info->n_passes, >=, 1);
  g_assert_nonnull (info->backend_description);
  g_assert_cmpuint (info->planned_bytes, >, 0);
}

static FlObserveAction
obs_block (const FlBlockEvent *e, gpointer data)
{
  Obs *o = data;
  if (e->fraction_done < o->last_fraction)
    o->fractions_monotonic = FALSE;
  o->last_fraction = e->fraction_done;
  return o->blocks++ == o->stop_at_block ? FL_OBSERVE_STOP : FL_OBSERVE_CONTINUE;
}

static FlObserveAction
obs_layer (const FlLayerEvent *e, gpointer data)
{
  Obs *o = data;
  if (e->layer != o->layers % e->n_layers)
    o->layer_counts_ok = FALSE;
  o->n_layers_seen = e->n_layers;
  g_assert_nonnull (e->atom37);
  g_assert_nonnull (e->plddt);
  if (e->layer == e->n_layers - 1 && e->L <= 64)
    memcpy (o->last_layer_plddt, e->plddt, e->L * sizeof (float));
  return o->layers++ == o->stop_at_layer ? FL_OBSERVE_STOP : FL_OBSERVE_CONTINUE;
}

static FlObserveAction
obs_recycle (const FlRecycleEvent *e, gpointer data)
{
  Obs *o = data;
  o->recycles++;
  for (int i = 0; i < e->L && e->L <= 64; i++)
    o->plddt_diff = MAX (o->plddt_diff, fabsf (e->plddt[i] - o->last_layer_plddt[i]));
  g_assert_true (e->recycle == 0 ? isnan (e->tolerance) : isfinite (e->tolerance));
  g_assert_nonnull (e->contact_probs);
  /* Captured MSA row attention: every row of every head sums to 1. */
  o->capture_ok = e->msa_row_attention && e->tri_start_attention && e->tri_end_attention
                  && e->msa_row_pair_bias;
  /* The pair bias and the ending-node weights were filled in too. */
  if (o->capture_ok)
    {
      double bias_abs = 0, end_sum = 0;
      for (gsize i = 0; i < (gsize) e->att_heads * e->L * e->L; i++)
        bias_abs += fabsf (e->msa_row_pair_bias[i]);
      for (gsize i = 0; i < (gsize) e->tri_heads * e->L * e->L; i++)
        end_sum += e->tri_end_attention[i];
      if (bias_abs == 0 || end_sum == 0)
        o->capture_ok = FALSE;
    }
  if (o->capture_ok)
    for (int h = 0; h < e->att_heads; h++)
      for (int i = 0; i < e->L; i++)
        {
          double s = 0, t = 0;
          for (int j = 0; j < e->L; j++)
            {
              s += e->msa_row_attention[((gsize) h * e->L + i) * e->L + j];
              t += e->tri_start_attention[((gsize) (h % e->tri_heads) * e->L + i) * e->L + j];
            }
          if (fabs (s - 1) > 1e-4 || fabs (t - 1) > 1e-4)
            o->capture_ok = FALSE;
        }
  return FL_OBSERVE_CONTINUE;
}

static const FlObserver observer = {
  obs_started, obs_block, obs_layer, obs_recycle,
};

static void
obs_init (Obs *o)
{
  memset (o, 0, sizeof *o);
  o->stop_at_block = o->stop_at_layer = -1;
  o->layer_counts_ok = o->fractions_monotonic = TRUE;
}

static void
test_observer_events (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  Obs o;
  obs_init (&o);
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.num_recycle = 1;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlResult) res = fl_engine_run (g->engine, g->features, &opts, &observer, &o, NULL, &error);
  g_assert_no_error (error);
  const FlModelConfig *c = &g->cfg;
  g_assert_cmpint (o.started, ==, 1);
  g_assert_cmpint (o.recycles, ==, 2);
  g_assert_cmpint (o.blocks, ==, 2 * (c->n_extra_blocks + c->n_evoformer_blocks + 1));
  g_assert_cmpint (o.layers, ==, 2 * c->sm_layers);
  g_assert_cmpint (o.n_layers_seen, ==, c->sm_layers);
  g_assert_true (o.layer_counts_ok);
  g_assert_true (o.fractions_monotonic);
  g_assert_cmpfloat (o.last_fraction, ==, 1.0);
  g_assert_true (o.capture_ok);
  /* The last layer's readout is the real pLDDT. */
  g_assert_cmpfloat (o.plddt_diff, <, 1e-4);
  /* The memory plan is an upper bound of what the run allocated besides the weights. */
  FlBackend *b = fl_engine_peek_backend (g->engine);
  gsize weights = fl_params_n_floats (g->params) * sizeof (float);
  g_test_message ("memory plan %" G_GSIZE_FORMAT " bytes, peak %" G_GSIZE_FORMAT " bytes besides weights",
                  o.planned, b->bytes_peak - weights);
  g_assert_cmpuint (b->bytes_peak - weights, <=, o.planned);
  g_assert_cmpuint (b->bytes_peak - weights, >=, o.planned / 4);
}

/* The per-block distogram probe: one event per Evoformer block and pass,
 * probabilities in [0, 1], and the probe after the last block is the
 * recycle's own contact map (nothing changes the pair in between). */
typedef struct {
  int n, L, last_recycle;
  gboolean in_range;
  float *last_block;   /* (L, L) probe after the last block of the current pass */
  double max_diff_last; /* vs the recycle event */
} Probe;

static FlObserveAction
probe_block (const FlProbeEvent *e, gpointer data)
{
  Probe *p = data;
  p->n++;
  p->L = e->L;
  g_assert_nonnull (e->expected_distance);
  for (gsize k = 0; k < (gsize) e->L * e->L; k++)
    if (!(e->contact_probs[k] >= 0.0f && e->contact_probs[k] <= 1.0f))
      p->in_range = FALSE;
  if (e->block == e->n_blocks - 1)
    {
      g_free (p->last_block);
      p->last_block = g_memdup2 (e->contact_probs, (gsize) e->L * e->L * sizeof (float));
    }
  return FL_OBSERVE_CONTINUE;
}

static FlObserveAction
probe_recycle (const FlRecycleEvent *e, gpointer data)
{
  Probe *p = data;
  if (!p->last_block)
    return FL_OBSERVE_CONTINUE; /* probes off */
  for (gsize k = 0; k < (gsize) e->L * e->L; k++)
    p->max_diff_last = MAX (p->max_diff_last, fabsf (e->contact_probs[k] - p->last_block[k]));
  p->last_recycle = e->recycle;
  return FL_OBSERVE_CONTINUE;
}

static void
test_block_probe (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  static const FlObserver probe_observer = {
    .recycle_finished = probe_recycle, .block_probed = probe_block,
  };
  Probe p = { .in_range = TRUE };
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.num_recycle = 1;
  /* off by default: no probe events */
  g_autoptr (GError) error = NULL;
  g_autoptr (FlResult) off = fl_engine_run (g->engine, g->features, &opts, &probe_observer, &p,
                                            NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p.n, ==, 0);
  g_assert_null (p.last_block);
  opts.probe_blocks = TRUE;
  memset (&p, 0, sizeof p);
  p.in_range = TRUE;
  p.last_recycle = -1;
  g_autoptr (FlResult) on = fl_engine_run (g->engine, g->features, &opts, &probe_observer, &p,
                                           NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p.n, ==, 2 * g->cfg.n_evoformer_blocks);
  g_assert_true (p.in_range);
  g_assert_cmpint (p.last_recycle, ==, 1);
  g_test_message ("probe after the last block vs the recycle's contact map: %.3g", p.max_diff_last);
  g_assert_cmpfloat (p.max_diff_last, <, 1e-6);
  /* the probe does not change the result */
  const float *a = fl_result_get (off, "structure_module/final_atom_positions");
  const float *b = fl_result_get (on, "structure_module/final_atom_positions");
  g_assert_cmpmem (a, on->L * 37 * 3 * sizeof (float), b, on->L * 37 * 3 * sizeof (float));
  g_free (p.last_block);
}

static void
test_observer_cancel (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  FlRunOptions opts;
  fl_run_options_init (&opts);
  for (int where = 0; where < 2; where++)
    {
      Obs o;
      obs_init (&o);
      if (where == 0)
        o.stop_at_block = 1;
      else
        o.stop_at_layer = g->cfg.sm_layers + 1;   /* second pass, second layer */
      g_autoptr (GError) error = NULL;
      FlResult *res = fl_engine_run (g->engine, g->features, &opts, &observer, &o, NULL, &error);
      g_assert_null (res);
      g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED);
      if (where == 0)
        g_assert_cmpint (o.blocks, ==, 2);     /* nothing ran after the stop */
      else
        g_assert_cmpint (o.layers, ==, g->cfg.sm_layers + 2);
      g_assert_cmpint (o.recycles, <=, 1);
    }
  /* A cancellable cancelled up front. */
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_cancellable_cancel (cancel);
  g_autoptr (GError) error = NULL;
  FlResult *res = fl_engine_run (g->engine, g->features, &opts, NULL, NULL, cancel, &error);
  g_assert_null (res);
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED);
  /* The engine still works after a cancelled run. */
  g_clear_error (&error);
  opts.num_recycle = 0;
  g_autoptr (FlResult) ok = fl_engine_run (g->engine, g->features, &opts, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ok->n_passes, ==, 1);
}

static void
test_early_stop (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.num_recycle = 5;
  opts.recycle_tolerance = 1e6f;   /* any change is below this: stop after pass 2 */
  g_autoptr (GError) error = NULL;
  g_autoptr (FlResult) res = fl_engine_run (g->engine, g->features, &opts, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (res->n_passes, ==, 2);
  g_assert_true (res->stopped_early);
  g_assert_nonnull (fl_result_get (res, "r1/tolerance"));
  g_assert_null (fl_result_get (res, "r2/plddt"));
  /* The tolerance is ColabFold's CA-distance RMS change between the passes. */
  float tol = fl_confidence_recycle_tolerance (fl_result_get (res, "r0/structure_module/final_atom_positions"),
                                               fl_result_get (res, "r1/structure_module/final_atom_positions"),
                                               NULL, res->L);
  g_assert_cmpfloat (fabsf (tol - *fl_result_get (res, "r1/tolerance")), <, 1e-5);
  g_assert_cmpfloat (tol, >, 0);
}

static void
test_too_large (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  gsize need = 0;
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_engine_check_fits (g->engine, 24, 8, 16, &need, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (need, >, 0);
  g_assert_false (fl_engine_check_fits (g->engine, 2000000, 512, 5120, &need, &error));
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE);
  g_test_message ("%s", error->message);
  const char *p = strstr (error->message, "fits with this MSA depth is ");
  g_assert_nonnull (p);
  int limit = atoi (p + strlen ("fits with this MSA depth is "));
  g_assert_cmpint (limit, >, 0);
  g_assert_cmpint (limit, <, 2000000);
  g_clear_error (&error);
  g_assert_true (fl_engine_check_fits (g->engine, limit, 512, 5120, NULL, &error));
  g_assert_false (fl_engine_check_fits (g->engine, limit + 1, 512, 5120, NULL, &error));
}

static void
test_bad_features (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  FlFeatures *f = g->features;
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.num_recycle = 0;
  g_autoptr (GError) error = NULL;

  /* An amino-acid type outside the table. */
  int32_t saved = f->aatype[3];
  f->aatype[3] = 57;
  FlResult *res = fl_engine_run (g->engine, f, &opts, NULL, NULL, NULL, &error);
  f->aatype[3] = saved;
  g_assert_null (res);
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "Residue 4"));
  g_clear_error (&error);

  /* No residues. */
  int L = f->L;
  f->L = 0;
  res = fl_engine_run (g->engine, f, &opts, NULL, NULL, NULL, &error);
  f->L = L;
  g_assert_null (res);
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID);
  g_clear_error (&error);

  /* A partial previous state for one pass. */
  float zero[3] = { 0 };
  res = fl_engine_run_pass (g->engine, f, &opts, 1, zero, NULL, NULL, &error);
  g_assert_null (res);
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID);
}

/* ---- confidence and scores files ---- */

static void
test_confidence_golden (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  /* From the official logits alone, our confidence functions give the
   * official numbers. */
  int L = g->features->L, bins = g->cfg.pae_bins;
  const float *pae_logits = golden_get (g->outputs, "predicted_aligned_error/logits", NULL);
  const float *plddt_logits = golden_get (g->outputs, "predicted_lddt/logits", NULL);
  g_autofree float *plddt = g_new (float, L), *pae = g_new (float, L * L);
  g_autofree float *probs = g_new (float, (gsize) L * L * bins);
  fl_confidence_plddt (plddt_logits, L, g->cfg.plddt_bins, plddt);
  fl_test_assert_close_abs ("plddt", plddt, golden_get (g->outputs, "confidence/plddt", NULL), L, 1e-4);
  float max_pae = fl_confidence_pae (pae_logits, L, bins, g->cfg.pae_max_error_bin, pae, probs);
  fl_test_assert_close_abs ("pae", pae, golden_get (g->outputs, "confidence/predicted_aligned_error", NULL),
                            L * L, 1e-4);
  fl_test_assert_close_abs ("max_pae", &max_pae,
                            golden_get (g->outputs, "confidence/max_predicted_aligned_error", NULL), 1, 1e-5);
  fl_test_assert_close_abs ("probs", probs, golden_get (g->outputs, "confidence/aligned_confidence_probs", NULL),
                            (gsize) L * L * bins, 1e-6);
  float ptm = fl_confidence_ptm (pae_logits, L, bins, g->cfg.pae_max_error_bin, NULL);
  fl_test_assert_close_abs ("ptm", &ptm, golden_get (g->outputs, "confidence/ptm", NULL), 1, 1e-6);
  g_autofree float *breaks = g_new (float, 63);
  fl_confidence_distogram_breaks (64, g->cfg.distogram_first_break, g->cfg.distogram_last_break, breaks);
  fl_test_assert_close_abs ("distogram breaks", breaks, golden_get (g->outputs, "distogram/bin_edges", NULL),
                            63, 5e-6);   /* jnp.linspace rounds differently by 1 ulp */
  fl_confidence_pae_breaks (64, g->cfg.pae_max_error_bin, breaks);
  fl_test_assert_close_abs ("pae breaks", breaks, golden_get (g->outputs, "predicted_aligned_error/breaks", NULL),
                            63, 1e-6);
}

static void
test_confidence_small (void)
{
  /* Distogram summary: all mass in the bin [7.9375, 8.25) counts as a contact
   * (lower edge below 8 Å, ColabFold's rule), the next bin does not. */
  int bins = 64;
  float logits[64];
  for (int k = 0; k < bins; k++)
    logits[k] = k == 19 ? 100.f : 0.f;
  float contact, expected;
  fl_confidence_distogram_summary (logits, 1, bins, 2.3125f, 21.6875f, 8.f, &contact, &expected);
  g_assert_cmpfloat (fabsf (contact - 1.f), <, 1e-6);
  g_assert_cmpfloat (fabsf (expected - (7.9375f + 0.15625f)), <, 1e-4);
  logits[19] = 0.f;
  logits[20] = 100.f;
  fl_confidence_distogram_summary (logits, 1, bins, 2.3125f, 21.6875f, 8.f, &contact, &expected);
  g_assert_cmpfloat (contact, <, 1e-6);

  /* Tolerance: stretching a chain by 2x changes CA distances by d. */
  float a[2 * 37 * 3] = { 0 }, b[2 * 37 * 3] = { 0 };
  a[37 * 3 + 3] = 3.f;    /* residue 1 CA x = 3 */
  b[37 * 3 + 3] = 6.f;
  /* pairs (0,1),(1,0) change by 3, the diagonal by 0: RMS = sqrt(18/4) */
  g_assert_cmpfloat (fabsf (fl_confidence_recycle_tolerance (a, b, NULL, 2) - sqrtf (4.5f)), <, 1e-5);

  /* pTM clips num_res at 19: for L = 1 with all mass in bin 0 the value is
   * 1 / (1 + (c0 / d0(19))^2). */
  float one[64];
  for (int k = 0; k < 64; k++)
    one[k] = k == 0 ? 100.f : 0.f;
  double c0 = 31.0 / 62 / 2, d0 = 1.24 * cbrt (19 - 15.0) - 1.8;
  g_assert_cmpfloat (fabs (fl_confidence_ptm (one, 1, 64, 31.f, NULL) - 1 / (1 + c0 * c0 / (d0 * d0))), <, 1e-5);
}

static void
test_scores_files (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.num_recycle = 1;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlResult) res = fl_engine_run (g->engine, g->features, &opts, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FlScores) s = fl_scores_new_from_result (res, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->n_passes, ==, 2);
  g_assert_nonnull (s->final.pae);

  g_autofree char *dir = g_dir_make_tmp ("fl-scores-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *sp = g_build_filename (dir, "scores.json", NULL);
  g_autofree char *pp = g_build_filename (dir, "pae.json", NULL);
  g_assert_true (fl_scores_save_json (s, sp, &error));
  g_assert_true (fl_scores_save_pae_json (s, pp, &error));
  g_autoptr (FlScores) back = fl_scores_load_json (sp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->L, ==, s->L);
  g_assert_cmpint (back->n_passes, ==, 2);
  fl_test_assert_close_abs ("plddt roundtrip", back->final.plddt, s->final.plddt, s->L, 0.005);
  fl_test_assert_close_abs ("pae roundtrip", back->final.pae, s->final.pae, s->L * s->L, 0.005);
  fl_test_assert_close_abs ("r1 plddt roundtrip", back->passes[1].plddt, s->passes[1].plddt, s->L, 0.005);
  g_assert_cmpfloat (fabsf (back->final.ptm - s->final.ptm), <, 1e-5);
  g_assert_true (isnan (back->passes[0].tolerance));
  g_assert_cmpfloat (fabsf (back->passes[1].tolerance - s->passes[1].tolerance), <, 1e-4);
  g_autoptr (FlScores) pae = fl_scores_load_pae_json (pp, &error);
  g_assert_no_error (error);
  fl_test_assert_close_abs ("pae.json roundtrip", pae->final.pae, s->final.pae, s->L * s->L, 0.005);
  g_assert_cmpfloat (fabsf (pae->final.max_pae - s->final.max_pae), <, 1e-4);
  g_unlink (sp);
  g_unlink (pp);
  g_rmdir (dir);

  /* Files that are not scores. */
  g_autoptr (FlScores) bad = fl_scores_parse_json ("[1, 2]", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE);
  g_clear_error (&error);
  bad = fl_scores_parse_json ("{\"plddt\": [1, \"x\"]}", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE);
  g_clear_error (&error);
  bad = fl_scores_parse_pae_json ("[{\"predicted_aligned_error\": [[1, 2], [3]]}]", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE);
  g_clear_error (&error);
  bad = fl_scores_parse_json ("{\"plddt\": ", -1, &error);
  g_assert_null (bad);
  g_assert_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE);
}

static void
test_scores_colabfold (void)
{
  const char *data = fl_test_data_dir ();
  g_autofree char *dir = data ? g_build_filename (data, "predictions", "colabfold_4OT", NULL) : NULL;
  g_autofree char *sp = dir ? g_build_filename (dir, "test_a5e17_25_scores_rank_001_alphafold2_ptm_model_3_seed_000.json", NULL) : NULL;
  g_autofree char *pp = dir ? g_build_filename (dir, "test_a5e17_25_predicted_aligned_error_v1.json", NULL) : NULL;
  if (!fl_test_require_file (sp) || !fl_test_require_file (pp))
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlScores) s = fl_scores_load_json (sp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->L, ==, 59);
  g_assert_cmpfloat (fabsf (s->final.ptm - 0.78f), <, 1e-6);
  g_assert_cmpfloat (fabsf (s->final.max_pae - 17.5625f), <, 1e-6);
  g_assert_cmpfloat (fabsf (s->final.plddt[0] - 97.44f), <, 1e-4);
  g_assert_nonnull (s->final.pae);
  g_autoptr (FlScores) p = fl_scores_load_pae_json (pp, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->L, ==, 59);
  g_assert_cmpfloat (fabsf (p->final.pae[1] - 0.84f), <, 1e-6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/engine/tiny/recycle0", test_recycle0);
  g_test_add_func ("/model/engine/tiny/teacher-forced", test_teacher_forced);
  g_test_add_func ("/model/engine/tiny/free-run", test_free_run);
  g_test_add_func ("/model/engine/observer/events", test_observer_events);
  g_test_add_func ("/model/engine/observer/cancel", test_observer_cancel);
  g_test_add_func ("/model/engine/observer/block-probe", test_block_probe);
  g_test_add_func ("/model/engine/early-stop", test_early_stop);
  g_test_add_func ("/model/engine/too-large", test_too_large);
  g_test_add_func ("/model/engine/bad-features", test_bad_features);
  g_test_add_func ("/model/confidence/golden", test_confidence_golden);
  g_test_add_func ("/model/confidence/small", test_confidence_small);
  g_test_add_func ("/model/scores/roundtrip", test_scores_files);
  g_test_add_func ("/model/scores/colabfold", test_scores_colabfold);
  int rc = g_test_run ();
  golden_case_free (tiny);
  return rc;
}
