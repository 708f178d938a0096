/* The structure module against the official outputs of a golden case: the
 * final pass's representations/single and pair in, every layer's IPA output
 * and activations (debug.npz, last recycle) and every structure output
 * (outputs.npz) out.
 *
 * Built twice: test-structure-module (fast suite) runs the tiny case;
 * test-structure-module-slow (slow suite) runs realdim and single. */
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-error.h"
#include "fl-npz.h"
#include "fl-params.h"
#include "fl-structure-module.h"
#include "fl-structure-module-private.h"
#include "fl-test-util.h"
#include "fl-weights.h"

#include <math.h>
#include <string.h>

#define POS_TOL 0.01      /* Å, absolute */
#define REP_TOL 1e-4      /* relative to the array's max |value| */

typedef struct {
  FlBackend *b;
  FlStructureModule *sm;
  FlArrays *debug;
  const char *prefix;   /* "r2/structure" */
  int L, c;
  int n_seen;
  gboolean check_debug;
} LayerCheck;

static float *
lookup_f32 (FlArrays *a, const char *name, int64_t numel)
{
  FlArray *x = fl_arrays_lookup (a, name);
  if (!x)
    g_error ("golden array '%s' is missing", name);
  g_assert_cmpint (fl_array_numel (x), ==, numel);
  return fl_array_to_f32 (x);
}

static gboolean
on_layer (int layer, const float *act, const float *affines, const float *atom14,
          const float *atom37, const float *atom37_mask, gpointer user_data)
{
  LayerCheck *lc = user_data;
  g_assert_cmpint (layer, ==, lc->n_seen);
  lc->n_seen++;
  if (!lc->check_debug)
    return TRUE;
  size_t n = (size_t) lc->L * lc->c;
  g_autofree float *got = g_new (float, n);
  const char *what[2] = { "ipa_out", "act" };
  const float *src[2] = { fl_structure_module_peek_ipa_out (lc->sm), act };
  for (int k = 0; k < 2; k++)
    {
      g_autofree char *name = g_strdup_printf ("%s/layer%d/%s", lc->prefix, layer, what[k]);
      g_autofree float *want = lookup_f32 (lc->debug, name, n);
      lc->b->ops->download (lc->b, got, src[k], n);
      fl_test_assert_close (name, got, want, n, REP_TOL);
    }
  return TRUE;
}

static gboolean
stop_after_first (int layer, const float *act, const float *affines, const float *atom14,
                  const float *atom37, const float *atom37_mask, gpointer user_data)
{
  int *calls = user_data;
  (*calls)++;
  return FALSE;
}

static void
run_case (const char *golden_case, const char *params_case)
{
  g_autofree char *params_name = g_strdup_printf ("params_%s.npz", params_case);
  g_autofree char *pp = fl_test_golden_path (params_case, params_name);
  g_autofree char *cp = fl_test_golden_path (golden_case, "config.json");
  g_autofree char *fp = fl_test_golden_path (golden_case, "features.npz");
  g_autofree char *op = fl_test_golden_path (golden_case, "outputs.npz");
  g_autofree char *dp = fl_test_golden_path (golden_case, "debug.npz");
  if (!fl_test_require_file (pp) || !fl_test_require_file (cp) || !fl_test_require_file (fp)
      || !fl_test_require_file (op))
    return;
  /* debug.npz (per-layer activations) is optional: a trimmed copy of the
   * golden folder may leave it out; the outputs are still checked. */
  gboolean have_debug = g_file_test (dp, G_FILE_TEST_EXISTS);
  if (!have_debug)
    g_test_message ("%s: no %s, per-layer activations not checked", golden_case, dp);

  g_autoptr (GError) error = NULL;
  g_autoptr (FlParams) params = fl_params_load (pp, &error);
  g_assert_no_error (error);
  FlModelConfig cfg;
  g_assert_true (fl_model_config_from_preset ("model_3_ptm", &cfg, &error));
  g_assert_true (fl_model_config_load_json (cp, &cfg, &error));
  g_assert_true (fl_model_config_infer (&cfg, params, &error));
  g_assert_no_error (error);

  g_autoptr (FlArrays) feats = fl_npz_load (fp, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) outs = fl_npz_load (op, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) debug = have_debug ? fl_npz_load (dp, &error) : NULL;
  g_assert_no_error (error);

  FlArray *aa = fl_arrays_lookup (feats, "aatype");
  g_assert_nonnull (aa);
  g_assert_cmpint (aa->dtype, ==, FL_DTYPE_I32);
  const int L = aa->shape[0], nl = cfg.sm_layers;
  const int32_t *aatype = aa->data;
  g_autofree float *seq_mask = lookup_f32 (feats, "seq_mask", L);
  g_autofree float *single = lookup_f32 (outs, "representations/single", (int64_t) L * cfg.c_s);
  g_autofree float *pair = lookup_f32 (outs, "representations/pair",
                                       (int64_t) L * L * cfg.c_z);

  g_autoptr (FlBackend) b = fl_backend_cpu_new (2, &error);
  g_assert_no_error (error);
  g_autoptr (FlWeights) w = fl_weights_new (b, params, &error);
  g_assert_no_error (error);
  float *d_single = b->ops->alloc (b, (size_t) L * cfg.c_s);
  float *d_pair = b->ops->alloc (b, (size_t) L * L * cfg.c_z);
  b->ops->upload (b, d_single, single, (size_t) L * cfg.c_s);
  b->ops->upload (b, d_pair, pair, (size_t) L * L * cfg.c_z);

  FlStructureModule *sm = fl_structure_module_new (b, w, &cfg, L, &error);
  g_assert_no_error (error);
  g_test_message ("%s: L=%d, %d layers, %d heads, %.1f MiB on the backend", golden_case, L,
                  nl, cfg.sm_heads, fl_structure_module_bytes_needed (&cfg, L) / 1048576.0);

  LayerCheck lc = { b, sm, debug, "r2/structure", L, cfg.sm_channels, 0, have_debug };
  FlStructureOutputs out = { 0 };
  gint64 t0 = g_get_monotonic_time ();
  gboolean ok = fl_structure_module_run (sm, d_single, d_pair, aatype, seq_mask,
                                         on_layer, &lc, &out, &error);
  g_test_message ("%s: structure module ran in %.1f ms", golden_case,
                  (g_get_monotonic_time () - t0) / 1000.0);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpint (lc.n_seen, ==, nl);
  g_assert_cmpint (out.n_layers, ==, nl);
  g_assert_cmpint (out.L, ==, L);

  struct { const char *key; const float *got; int64_t n; double tol; gboolean abs; } cmp[] = {
    { "structure_module/sidechains/angles_sin_cos", out.angles_sin_cos, (int64_t) nl * L * 14, REP_TOL, FALSE },
    { "structure_module/sidechains/unnormalized_angles_sin_cos", out.unnormalized_angles_sin_cos, (int64_t) nl * L * 14, REP_TOL, FALSE },
    { "structure_module/sidechains/frames/rot", out.frames_rot, (int64_t) nl * L * 72, 1e-4, TRUE },
    { "structure_module/sidechains/frames/trans", out.frames_trans, (int64_t) nl * L * 24, POS_TOL, TRUE },
    { "structure_module/sidechains/atom_pos", out.atom_pos, (int64_t) nl * L * 42, POS_TOL, TRUE },
    { "structure_module/final_atom14_positions", out.final_atom14, (int64_t) L * 42, POS_TOL, TRUE },
    { "structure_module/final_atom_positions", out.final_atom37, (int64_t) L * 111, POS_TOL, TRUE },
    { "structure_module/final_atom14_mask", out.final_atom14_mask, (int64_t) L * 14, 0.0, TRUE },
    { "structure_module/final_atom_mask", out.final_atom37_mask, (int64_t) L * 37, 0.0, TRUE },
  };
  for (gsize k = 0; k < G_N_ELEMENTS (cmp); k++)
    {
      g_autofree float *want = lookup_f32 (outs, cmp[k].key, cmp[k].n);
      if (cmp[k].abs)
        fl_test_assert_close_abs (cmp[k].key, cmp[k].got, want, cmp[k].n, cmp[k].tol);
      else
        fl_test_assert_close (cmp[k].key, cmp[k].got, want, cmp[k].n, cmp[k].tol);
    }

  /* traj: quaternions (unitless) and translations (Å) separately. */
  g_autofree float *traj = lookup_f32 (outs, "structure_module/traj", (int64_t) nl * L * 7);
  g_autofree float *fa = lookup_f32 (outs, "structure_module/final_affines", (int64_t) L * 7);
  int64_t nr = (int64_t) nl * L;
  g_autofree float *gq = g_new (float, nr * 4);
  g_autofree float *wq = g_new (float, nr * 4);
  g_autofree float *gt = g_new (float, nr * 3);
  g_autofree float *wt = g_new (float, nr * 3);
  for (int64_t r = 0; r < nr; r++)
    {
      memcpy (gq + 4 * r, out.traj + 7 * r, 4 * sizeof (float));
      memcpy (wq + 4 * r, traj + 7 * r, 4 * sizeof (float));
      memcpy (gt + 3 * r, out.traj + 7 * r + 4, 3 * sizeof (float));
      memcpy (wt + 3 * r, traj + 7 * r + 4, 3 * sizeof (float));
    }
  fl_test_assert_close_abs ("traj quaternions", gq, wq, nr * 4, 1e-4);
  fl_test_assert_close_abs ("traj translations (A)", gt, wt, nr * 3, POS_TOL);
  fl_test_assert_close_abs ("final_affines", out.traj + (int64_t) (nl - 1) * L * 7, fa,
                            (int64_t) L * 7, POS_TOL);

  /* act = representations/structure_module (pLDDT head input). */
  g_autofree float *act = g_new (float, (size_t) L * cfg.sm_channels);
  b->ops->download (b, act, out.act, (size_t) L * cfg.sm_channels);
  g_autofree float *act_want = lookup_f32 (outs, "representations/structure_module",
                                           (int64_t) L * cfg.sm_channels);
  fl_test_assert_close ("representations/structure_module", act, act_want,
                        (int64_t) L * cfg.sm_channels, REP_TOL);
  fl_structure_outputs_clear (&out);

  /* A second run on the same module gives the same result (no stale state),
   * and the callback can stop it. */
  int calls = 0;
  ok = fl_structure_module_run (sm, d_single, d_pair, aatype, seq_mask, stop_after_first,
                                &calls, &out, &error);
  g_assert_false (ok);
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED);
  g_assert_cmpint (calls, ==, 1);
  g_assert_null (out.traj);
  g_clear_error (&error);

  b->ops->free (b, d_single);
  b->ops->free (b, d_pair);
  fl_structure_module_free (sm);
}

static void
test_tiny (void)
{
  run_case ("tiny", "tiny");
}

static void
test_realdim (void)
{
  run_case ("realdim", "realdim");
}

static void
test_single (void)
{
  run_case ("single", "realdim");
}

/* Bad input: an amino-acid type outside 0..20 is refused, nothing crashes. */
static void
test_bad_aatype (void)
{
  g_autofree char *pp = fl_test_golden_path ("tiny", "params_tiny.npz");
  g_autofree char *cp = fl_test_golden_path ("tiny", "config.json");
  if (!fl_test_require_file (pp) || !fl_test_require_file (cp))
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlParams) params = fl_params_load (pp, &error);
  g_assert_no_error (error);
  FlModelConfig cfg;
  g_assert_true (fl_model_config_from_preset ("model_3_ptm", &cfg, &error));
  g_assert_true (fl_model_config_load_json (cp, &cfg, &error));
  g_assert_true (fl_model_config_infer (&cfg, params, &error));
  g_autoptr (FlBackend) b = fl_backend_cpu_new (1, &error);
  g_assert_no_error (error);
  g_autoptr (FlWeights) w = fl_weights_new (b, params, &error);
  g_assert_no_error (error);
  const int L = 5;
  float *d_single = b->ops->alloc (b, (size_t) L * cfg.c_s);
  float *d_pair = b->ops->alloc (b, (size_t) L * L * cfg.c_z);
  b->ops->fill (b, d_single, 0.5f, (size_t) L * cfg.c_s);
  b->ops->fill (b, d_pair, 0.25f, (size_t) L * L * cfg.c_z);
  int32_t aatype[5] = { 0, 7, 21, 3, 20 };
  float mask[5] = { 1, 1, 1, 1, 0 };
  FlStructureModule *sm = fl_structure_module_new (b, w, &cfg, L, &error);
  g_assert_no_error (error);
  FlStructureOutputs out = { 0 };
  g_assert_false (fl_structure_module_run (sm, d_single, d_pair, aatype, mask, NULL, NULL,
                                           &out, &error));
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID);
  g_test_message ("%s", error->message);
  g_clear_error (&error);

  /* With valid types (UNK and a masked residue included) it runs and every
   * position is finite. */
  aatype[2] = 20;
  g_assert_true (fl_structure_module_run (sm, d_single, d_pair, aatype, mask, NULL, NULL,
                                          &out, &error));
  g_assert_no_error (error);
  for (int i = 0; i < L * 37 * 3; i++)
    g_assert_true (isfinite (out.final_atom37[i]));
  for (int a = 0; a < 37; a++)
    g_assert_cmpfloat (out.final_atom37_mask[4 * 37 + a], ==, 0.0f);   /* UNK: no atoms */
  fl_structure_outputs_clear (&out);
  fl_structure_module_free (sm);
  b->ops->free (b, d_single);
  b->ops->free (b, d_pair);
}

/* ---- properties on unseen shapes, random weights ---- */

typedef struct {
  FlModelConfig cfg;
  FlParams *params;
  FlBackend *b;
  FlWeights *w;
} Rand;

/* A model with widths and counts no golden case has (c = c_s, as in every
 * AlphaFold configuration). */
static void
rand_setup (Rand *r)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_model_config_from_preset ("model_3_ptm", &r->cfg, &error));
  FlModelConfig *c = &r->cfg;
  c->c_m = 8; c->c_z = 10; c->c_s = 20; c->c_e = 8;
  c->n_evoformer_blocks = 1; c->n_extra_blocks = 1;
  c->msa_row_heads = c->msa_col_heads = c->extra_row_heads = c->extra_col_heads = 2;
  c->tri_att_start_heads = c->tri_att_end_heads = 2;
  c->tri_mul_channels = c->extra_tri_mul_channels = 4;
  c->opm_channels = c->extra_opm_channels = 2;
  c->plddt_channels = 8;
  c->sm_layers = 4; c->sm_channels = 20; c->sm_heads = 3;
  c->ipa_qk_scalar = 5; c->ipa_v_scalar = 7; c->ipa_qk_points = 3; c->ipa_v_points = 2;
  c->sm_transition_layers = 2; c->sidechain_channels = 12; c->sidechain_blocks = 1;
  g_autoptr (FlArrays) arrays = fl_params_generate_random (c, 99);
  r->params = fl_params_new_from_arrays (arrays, &error);
  g_assert_no_error (error);
  r->b = fl_backend_cpu_new (1, &error);
  g_assert_no_error (error);
  r->w = fl_weights_new (r->b, r->params, &error);
  g_assert_no_error (error);
}

static void
rand_clear (Rand *r)
{
  fl_weights_free (r->w);
  fl_backend_free (r->b);
  fl_params_unref (r->params);
}

static void
rand_run (Rand *r, int L, const float *single, const float *pair, const int32_t *aatype,
          const float *mask, FlStructureOutputs *out, float *act)
{
  g_autoptr (GError) error = NULL;
  FlBackend *b = r->b;
  size_t ns = (size_t) L * r->cfg.c_s, np = (size_t) L * L * r->cfg.c_z;
  float *ds = b->ops->alloc (b, ns), *dp = b->ops->alloc (b, np);
  b->ops->upload (b, ds, single, ns);
  b->ops->upload (b, dp, pair, np);
  FlStructureModule *sm = fl_structure_module_new (b, r->w, &r->cfg, L, &error);
  g_assert_no_error (error);
  g_assert_true (fl_structure_module_run (sm, ds, dp, aatype, mask, NULL, NULL, out, &error));
  g_assert_no_error (error);
  b->ops->download (b, act, out->act, (size_t) L * r->cfg.sm_channels);
  fl_structure_module_free (sm);
  b->ops->free (b, ds);
  b->ops->free (b, dp);
}

/* Permuting the residues permutes every output (nothing depends on the
 * order or on a particular size). */
static void
test_permutation (void)
{
  Rand r;
  rand_setup (&r);
  const int L = 9, cs = r.cfg.c_s, cz = r.cfg.c_z, c = r.cfg.sm_channels;
  const int perm[9] = { 4, 0, 8, 2, 7, 1, 6, 3, 5 };
  int32_t aatype[9] = { 0, 18, 7, 13, 1, 20, 3, 11, 6 }, aatype_p[9];
  float mask[9], mask_p[9];
  g_autofree float *single = g_new (float, L * cs);
  g_autofree float *pair = g_new (float, L * L * cz);
  g_autofree float *single_p = g_new (float, L * cs);
  g_autofree float *pair_p = g_new (float, L * L * cz);
  fl_test_fill_random (single, L * cs, 1);
  fl_test_fill_random (pair, L * L * cz, 2);
  for (int i = 0; i < L; i++)
    {
      mask[i] = 1.f;
      mask_p[i] = 1.f;
      aatype_p[i] = aatype[perm[i]];
      memcpy (single_p + i * cs, single + perm[i] * cs, sizeof (float) * cs);
      for (int j = 0; j < L; j++)
        memcpy (pair_p + (i * L + j) * cz, pair + (perm[i] * L + perm[j]) * cz,
                sizeof (float) * cz);
    }
  FlStructureOutputs o1 = { 0 }, o2 = { 0 };
  g_autofree float *act1 = g_new (float, L * c);
  g_autofree float *act2 = g_new (float, L * c);
  rand_run (&r, L, single, pair, aatype, mask, &o1, act1);
  rand_run (&r, L, single_p, pair_p, aatype_p, mask_p, &o2, act2);

  g_autofree float *a37 = g_new (float, L * 111);
  g_autofree float *act = g_new (float, L * c);
  g_autofree float *traj = g_new (float, r.cfg.sm_layers * L * 7);
  for (int i = 0; i < L; i++)
    {
      memcpy (a37 + i * 111, o1.final_atom37 + perm[i] * 111, sizeof (float) * 111);
      memcpy (act + i * c, act1 + perm[i] * c, sizeof (float) * c);
      for (int l = 0; l < r.cfg.sm_layers; l++)
        memcpy (traj + (l * L + i) * 7, o1.traj + (l * L + perm[i]) * 7, sizeof (float) * 7);
    }
  fl_test_assert_close_abs ("permuted atom37 (A)", o2.final_atom37, a37, L * 111, 1e-3);
  fl_test_assert_close_abs ("permuted traj", o2.traj, traj, r.cfg.sm_layers * L * 7, 1e-3);
  fl_test_assert_close ("permuted act", act2, act, L * c, 1e-4);
  /* Something actually moved. */
  double spread = 0.0;
  for (int i = 0; i < L * 111; i++)
    spread = MAX (spread, fabs (o1.final_atom37[i]));
  g_assert_cmpfloat (spread, >, 1.0);
  fl_structure_outputs_clear (&o1);
  fl_structure_outputs_clear (&o2);
  rand_clear (&r);
}

/* A masked residue (padding) does not influence the others. */
static void
test_mask (void)
{
  Rand r;
  rand_setup (&r);
  const int L = 7, cs = r.cfg.c_s, cz = r.cfg.c_z, c = r.cfg.sm_channels, pad = 2;
  int32_t aatype[7] = { 5, 9, 14, 2, 19, 10, 16 };
  float mask[7] = { 1, 1, 0, 1, 1, 1, 1 };
  g_autofree float *single = g_new (float, L * cs);
  g_autofree float *pair = g_new (float, L * L * cz);
  fl_test_fill_random (single, L * cs, 3);
  fl_test_fill_random (pair, L * L * cz, 4);
  FlStructureOutputs o1 = { 0 }, o2 = { 0 };
  g_autofree float *act1 = g_new (float, L * c);
  g_autofree float *act2 = g_new (float, L * c);
  rand_run (&r, L, single, pair, aatype, mask, &o1, act1);

  /* New values for everything the padded residue owns. */
  float noise[64];
  fl_test_fill_random (noise, 64, 5);
  for (int k = 0; k < cs; k++)
    single[pad * cs + k] = 3.f * noise[k % 64];
  for (int j = 0; j < L; j++)
    for (int k = 0; k < cz; k++)
      {
        pair[(pad * L + j) * cz + k] = -2.f * noise[(j + k) % 64];
        pair[(j * L + pad) * cz + k] = 2.f * noise[(j * 3 + k) % 64];
      }
  aatype[pad] = 17;
  rand_run (&r, L, single, pair, aatype, mask, &o2, act2);

  for (int i = 0; i < L; i++)
    {
      if (i == pad)
        continue;
      g_autofree char *label = g_strdup_printf ("residue %d atom37 (A)", i);
      fl_test_assert_close_abs (label, o2.final_atom37 + i * 111, o1.final_atom37 + i * 111,
                                111, 1e-4);
      fl_test_assert_close_abs ("act", act2 + i * c, act1 + i * c, c, 1e-5);
    }
  fl_structure_outputs_clear (&o1);
  fl_structure_outputs_clear (&o2);
  rand_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_str_has_suffix (argv[0], "-slow"))
    {
      g_test_add_func ("/model/structure-module/realdim", test_realdim);
      g_test_add_func ("/model/structure-module/single", test_single);
    }
  else
    {
      g_test_add_func ("/model/structure-module/tiny", test_tiny);
      g_test_add_func ("/model/structure-module/bad-aatype", test_bad_aatype);
      g_test_add_func ("/model/structure-module/permutation", test_permutation);
      g_test_add_func ("/model/structure-module/mask", test_mask);
    }
  return g_test_run ();
}
