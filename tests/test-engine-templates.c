/* Templates in the engine against golden case tmpl (DeepMind's code with
 * model_1_ptm's template stack): the host features the model derives
 * (pair_feat, torsion angles, angle_feat), the template stacks, the
 * point-wise attention, the template MSA rows and the embeddings after them
 * (debug.npz), then recycle 0, the teacher-forced passes and the free run
 * (recycles.npz / outputs.npz) at the tolerances of the other cases.
 * The features are rebuilt from the case's alignment and structure files. */
#include <math.h>
#include <string.h>
#include "engine-golden.h"
#include "fl-backend.h"
#include "fl-engine-private.h"
#include "fl-error.h"
#include "fl-evoformer.h"
#include "fl-npz.h"
#include "fl-templates.h"
#include "fl-trunk-private.h"
#include "fl-test-util.h"

#define TOL 1e-4

static GoldenCase *tmpl;
static FlArrays *debug;

static GoldenCase *
get_case (void)
{
  if (!tmpl)
    {
      tmpl = golden_case_load ("tmpl", "tmpl", "params_tmpl.npz");
      if (!tmpl)
        return NULL;
      g_autofree char *dp = fl_test_golden_path ("tmpl", "debug.npz");
      if (!fl_test_require_file (dp))
        return NULL;
      g_autoptr (GError) error = NULL;
      debug = fl_npz_load (dp, &error);
      g_assert_no_error (error);
      /* Replace the golden template features by ours, rebuilt from files. */
      g_autofree char *tsv = fl_test_golden_path ("tmpl", "template_alignment.tsv");
      g_autoptr (GPtrArray) hits = fl_template_alignment_load (tsv, tmpl->features->sequence,
                                                               NULL, &error);
      g_assert_no_error (error);
      FlTemplateFeatures *tf = fl_template_features_build (hits, tmpl->features->L, 4, &error);
      g_assert_no_error (error);
      fl_template_features_free (tmpl->features->templates);
      tmpl->features->templates = tf;
    }
  return tmpl;
}

static const float *
dbg (const char *key, int64_t *n)
{
  return golden_get (debug, key, n);
}

/* Pre-omega of residue i when residue i-1 has neither CA nor C: both
 * frame-defining atoms sit at the origin, so the frame's x and y axes come
 * out parallel and the (masked) angle is what rounding leaves. */
static gboolean
degenerate_pre_omega (const FlTemplateFeatures *tf, int t, int i)
{
  if (i == 0)
    return TRUE;
  const float *m = tf->all_atom_masks + ((size_t) t * tf->L + i - 1) * 37;
  return m[1] == 0 && m[2] == 0;
}

/* Host features: pair_feat and angle_feat exact, torsions to float rounding. */
static void
test_host_features (void)
{
  GoldenCase *g = get_case ();
  if (!g)
    return;
  const FlTemplateFeatures *tf = g->features->templates;
  const int L = tf->L, F = 39 + FL_TEMPLATE_PAIR_FEAT_FIXED;
  int64_t n;
  const float *want_pf = dbg ("r0/template/pair_feat", &n);
  g_assert_cmpint (n, ==, (int64_t) 4 * L * L * F);
  const float *want_af = dbg ("r0/template/angle_feat", NULL);
  const float *want_sc = dbg ("r0/template/torsion_angles_sin_cos", NULL);
  const float *want_alt = dbg ("r0/template/alt_torsion_angles_sin_cos", NULL);
  const float *want_m = dbg ("r0/template/torsion_angles_mask", NULL);
  g_autofree float *pf = g_new (float, (size_t) L * L * F);
  g_autofree float *af = g_new (float, (size_t) L * 57);
  g_autofree float *sc = g_new (float, (size_t) L * 14), *alt = g_new (float, (size_t) L * 14);
  g_autofree float *m = g_new (float, (size_t) L * 7);
  double d_pf = 0, d_af = 0, d_sc = 0, d_m = 0, d_noise = 0;
  for (int t = 0; t < 4; t++)
    {
      fl_template_pair_feat (tf, t, 39, g->cfg.template_dgram_min, g->cfg.template_dgram_max, FALSE, pf);
      for (int64_t i = 0; i < (int64_t) L * L * F; i++)
        d_pf = MAX (d_pf, fabs (pf[i] - want_pf[t * L * L * F + i]));
      fl_template_angle_feat (tf, t, af, NULL);
      fl_template_torsion_angles (tf, t, sc, alt, m);
      for (int64_t i = 0; i < (int64_t) L * 57; i++)
        d_af = MAX (d_af, fabs (af[i] - want_af[t * L * 57 + i]));
      for (int64_t i = 0; i < (int64_t) L * 14; i++)
        {
          double e = MAX (fabs (sc[i] - want_sc[t * L * 14 + i]),
                          fabs (alt[i] - want_alt[t * L * 14 + i]));
          /* pre-omega after a residue without CA and C: the frame's two
           * axes are parallel and the official value is rounding, which
           * the fused multiply-adds of fl-template-geometry.c reproduce */
          if (i % 14 < 2 && degenerate_pre_omega (tf, t, (int) (i / 14)))
            d_noise = MAX (d_noise, e);
          else
            d_sc = MAX (d_sc, e);
        }
      for (int64_t i = 0; i < (int64_t) L * 7; i++)
        d_m = MAX (d_m, fabs (m[i] - want_m[t * L * 7 + i]));
    }
  g_test_message ("pair_feat max |diff| %g, angle_feat %g, sin_cos %g, torsion mask %g; "
                  "degenerate pre-omega %g", d_pf, d_af, d_sc, d_m, d_noise);
  g_assert_cmpfloat (d_noise, <, 1e-4);
  g_assert_cmpfloat (d_pf, ==, 0.0);
  g_assert_cmpfloat (d_m, ==, 0.0);
  g_assert_cmpfloat (d_sc, <, 1e-5);
  g_assert_cmpfloat (d_af, <, 1e-5);
}

static void
assert_backend_close (FlBackend *b, const char *label, const float *dev, const float *want,
                      int64_t n, double tol)
{
  g_autofree float *h = g_new (float, n);
  b->ops->download (b, h, dev, n);
  fl_test_assert_close (label, h, want, n, tol);
}

/* The template stacks, the point-wise attention and the embeddings. */
static void
test_trunk_activations (void)
{
  GoldenCase *g = get_case ();
  if (!g)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlBackend) b = fl_backend_new (FL_BACKEND_KIND_CPU, 0, FL_PRECISION_FP32, 2, &error);
  g_assert_no_error (error);
  g_autoptr (FlWeights) w = fl_weights_new (b, g->params, &error);
  g_assert_no_error (error);
  const FlFeatures *f = g->features;
  const int L = f->L, T = fl_device_inputs_template_slots (&g->cfg, f);
  g_assert_cmpint (T, ==, 4);
  FlDeviceInputs *in = fl_device_inputs_new (b, &g->cfg, f, &error);
  g_assert_no_error (error);
  g_assert_cmpint (in->n_tmpl, ==, 4);
  FlEvoformer *evo = fl_evoformer_new_with_templates (b, w, &g->cfg, L, f->n_clust, f->n_extra,
                                                      T, 0, &error);
  g_assert_no_error (error);
  g_assert_true (fl_evoformer_embed (evo, in, f, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  FlActivations *act = fl_evoformer_activations (evo);
  const int c_t = g->cfg.c_t, c_z = g->cfg.c_z, c_m = g->cfg.c_m;
  const int64_t LL = (int64_t) L * L;

  /* single_out of the two real templates (the padded ones are skipped). */
  assert_backend_close (b, "template/single_out (real templates)",
                        fl_evoformer_template_single (evo), dbg ("r0/template/single_out", NULL),
                        2 * LL * c_t, TOL);
  /* The pair after the templates = extra0/in_pair; the MSA rows. */
  assert_backend_close (b, "extra0/in_pair (query_pair + embedding)", act->pair,
                        dbg ("r0/extra0/in_pair", NULL), LL * c_z, TOL);
  assert_backend_close (b, "evo0/in_msa (8 cluster + 4 template rows)", act->msa,
                        dbg ("r0/evo0/in_msa", NULL), (int64_t) 12 * L * c_m, TOL);
  assert_backend_close (b, "template/msa_rows", act->msa + (size_t) 8 * L * c_m,
                        dbg ("r0/template/msa_rows", NULL), (int64_t) 4 * L * c_m, TOL);

  /* The point-wise attention alone, from the golden query pair, for each
   * recycle (its query changes with the recycled state). */
  float *qp = b->ops->alloc (b, LL * c_z), *out = b->ops->alloc (b, LL * c_z);
  for (int r = 0; r < 3; r++)
    {
      g_autofree char *k = g_strdup_printf ("r%d/template/embedding", r);
      const float *query = dbg (r == 0 ? "r0/template/query_pair" : "r0/template/query_pair", NULL);
      if (r > 0)
        {
          /* query_pair of later recycles = in_pair - embedding */
          g_autofree char *kp = g_strdup_printf ("r%d/extra0/in_pair", r);
          const float *in_pair = dbg (kp, NULL), *emb = dbg (k, NULL);
          g_autofree float *q = g_new (float, LL * c_z);
          for (int64_t i = 0; i < LL * c_z; i++)
            q[i] = in_pair[i] - emb[i];
          b->ops->upload (b, qp, q, LL * c_z);
        }
      else
        b->ops->upload (b, qp, query, LL * c_z);
      b->ops->fill (b, out, 0.0f, LL * c_z);
      g_assert_true (fl_template_embed_pair (evo, f->templates, qp, out, &error));
      g_assert_no_error (error);
      assert_backend_close (b, k, out, dbg (k, NULL), LL * c_z, TOL);
    }
  b->ops->free (b, qp);
  b->ops->free (b, out);

  /* Recycling embeddings (recycle 1 from the golden recycle-0 state). */
  int64_t n;
  const float *pos = golden_get (g->recycles, "r0/structure_module/final_atom_positions", NULL);
  const float *row = golden_get (g->recycles, "r0/representations/msa_first_row", &n);
  const float *pair = golden_get (g->recycles, "r0/representations/pair", NULL);
  float *prow = b->ops->alloc (b, n), *ppair = b->ops->alloc (b, LL * c_z);
  b->ops->upload (b, prow, row, n);
  b->ops->upload (b, ppair, pair, LL * c_z);
  g_assert_true (fl_evoformer_embed (evo, in, f, pos, prow, ppair, &error));
  g_assert_no_error (error);
  assert_backend_close (b, "r1/extra0/in_pair", act->pair, dbg ("r1/extra0/in_pair", NULL),
                        LL * c_z, TOL);
  assert_backend_close (b, "r1/evo0/in_msa", act->msa, dbg ("r1/evo0/in_msa", NULL),
                        (int64_t) 12 * L * c_m, TOL);
  b->ops->free (b, prow);
  b->ops->free (b, ppair);

  /* Blocks after the embedding of recycle 0: extra0 and evo0 outputs. */
  g_assert_true (fl_evoformer_embed (evo, in, f, NULL, NULL, NULL, &error));
  g_assert_true (fl_evoformer_extra_block (evo, 0, in, &error));
  g_assert_no_error (error);
  assert_backend_close (b, "extra0/out_pair", act->pair, dbg ("r0/extra0/out_pair", NULL),
                        LL * c_z, TOL);
  g_assert_true (fl_evoformer_block (evo, 0, in, NULL, &error));
  g_assert_no_error (error);
  assert_backend_close (b, "evo0/out_pair", act->pair, dbg ("r0/evo0/out_pair", NULL),
                        LL * c_z, TOL);
  /* rows 10-11 are the padded templates' rows: fully masked, compared too */
  assert_backend_close (b, "evo0/out_msa", act->msa, dbg ("r0/evo0/out_msa", NULL),
                        (int64_t) 12 * L * c_m, TOL);

  fl_evoformer_free (evo);
  fl_device_inputs_free (b, in);
}

static void
test_recycle0 (void)
{
  GoldenCase *g = get_case ();
  if (g)
    golden_check_recycle0 (g);
}

static void
test_teacher_forced (void)
{
  GoldenCase *g = get_case ();
  if (g)
    golden_check_teacher_forced (g, 3);
}

static void
test_free_run (void)
{
  GoldenCase *g = get_case ();
  if (g)
    golden_check_free_run (g, 3, TRUE);
}

/* A model with templates runs features without templates (as AlphaFold
 * with no hit: the padded templates change nothing), and a model without a
 * template stack ignores template features. */
static void
test_without_templates (void)
{
  GoldenCase *g = get_case ();
  if (!g)
    return;
  FlFeatures *f = g->features;
  FlTemplateFeatures *keep = f->templates;
  g_autoptr (GError) error = NULL;
  FlRunOptions opts;
  fl_run_options_init (&opts);
  /* all four slots padded */
  g_autoptr (FlTemplateFeatures) empty = fl_template_features_build (NULL, f->L, 4, &error);
  g_assert_no_error (error);
  f->templates = empty;
  g_autoptr (FlResult) a = fl_engine_run_pass (g->engine, f, &opts, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  f->templates = NULL;
  g_autoptr (FlResult) c = fl_engine_run_pass (g->engine, f, &opts, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  f->templates = keep;
  const float *pa = fl_result_get (a, "r0/structure_module/final_atom_positions");
  const float *pc = fl_result_get (c, "r0/structure_module/final_atom_positions");
  g_assert_nonnull (pa);
  g_assert_nonnull (pc);
  fl_test_assert_close_abs ("padded templates vs none", pa, pc, (int64_t) f->L * 37 * 3, 1e-4);
  /* and the real templates do change the result */
  g_autoptr (FlResult) t = fl_engine_run_pass (g->engine, f, &opts, 0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  const float *pt = fl_result_get (t, "r0/structure_module/final_atom_positions");
  double d = 0;
  for (int64_t i = 0; i < (int64_t) f->L * 37 * 3; i++)
    d = MAX (d, fabs (pt[i] - pa[i]));
  g_test_message ("max |Δpos| templates vs none: %.3f Å", d);
  g_assert_cmpfloat (d, >, 0.1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/templates/host-features", test_host_features);
  g_test_add_func ("/engine/templates/trunk-activations", test_trunk_activations);
  g_test_add_func ("/engine/templates/recycle0", test_recycle0);
  g_test_add_func ("/engine/templates/teacher-forced", test_teacher_forced);
  g_test_add_func ("/engine/templates/free-run", test_free_run);
  g_test_add_func ("/engine/templates/without-templates", test_without_templates);
  int rc = g_test_run ();
  golden_case_free (tmpl);
  if (debug)
    fl_arrays_unref (debug);
  return rc;
}
