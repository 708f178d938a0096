/* The trunk (model/fl-evoformer.h) on the CPU backend against the golden
 * activations of DeepMind's code (shared/golden/<case>/debug.npz):
 * embeddings with and without recycling, every module of the extra-MSA and
 * Evoformer blocks teacher-forced from the golden activation before it, whole
 * blocks, the single representation, the attention capture against an
 * independent host computation, and the memory count.
 * test-evoformer (fast) runs tiny; test-evoformer-slow runs realdim and single. */
#include <math.h>
#include <string.h>
#include "fl-build-config.h"
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-error.h"
#include "fl-evoformer.h"
#include "fl-npz.h"
#include "fl-params.h"
#include "fl-trunk-private.h"
#include "fl-test-util.h"

#define TOL 1e-4

typedef struct {
  const char *name;
  FlParams *params;
  FlModelConfig cfg;
  FlArrays *debug, *recycles;
  FlFeatures *features;
  FlBackend *b;
  FlWeights *w;
  FlDeviceInputs *in;
  FlEvoformer *evo;
} Case;

/* ------------------------------------------------------------ loading */

static FlArray *
need (FlArrays *a, const char *name)
{
  FlArray *arr = fl_arrays_lookup (a, name);
  if (!arr)
    g_error ("golden array %s is missing", name);
  return arr;
}

static float *
f32 (FlArrays *a, const char *name)
{
  return fl_array_to_f32 (need (a, name));
}

/* A golden file; when the golden folder in use lacks it (the carried copy
 * for the GPU machine leaves out debug.npz), the shared folder's. */
static char *
golden_file (const char *golden_case, const char *file)
{
  char *p = fl_test_golden_path (golden_case, file);
  if (p && g_file_test (p, G_FILE_TEST_EXISTS))
    return p;
  char *alt = g_build_filename (FL_SOURCE_DIR, "..", "shared", "golden", golden_case, file, NULL);
  if (g_file_test (alt, G_FILE_TEST_EXISTS))
    {
      g_free (p);
      return alt;
    }
  g_free (alt);
  return p;
}

static gboolean
case_open (Case *c, const char *name)
{
  memset (c, 0, sizeof *c);
  c->name = name;
  const char *pcase = g_str_equal (name, "single") ? "realdim" : name;
  g_autofree char *pfile = g_strdup_printf ("params_%s.npz", pcase);
  g_autofree char *pp = golden_file (pcase, pfile);
  g_autofree char *cp = golden_file (name, "config.json");
  g_autofree char *fp = golden_file (name, "features.npz");
  g_autofree char *dp = golden_file (name, "debug.npz");
  g_autofree char *rp = golden_file (name, "recycles.npz");
  if (!fl_test_require_file (pp) || !fl_test_require_file (cp) || !fl_test_require_file (fp)
      || !fl_test_require_file (dp) || !fl_test_require_file (rp))
    return FALSE;
  GError *error = NULL;
  c->params = fl_params_load (pp, &error);
  g_assert_no_error (error);
  g_assert_true (fl_model_config_from_preset ("model_3_ptm", &c->cfg, &error));
  g_assert_true (fl_model_config_load_json (cp, &c->cfg, &error));
  g_assert_true (fl_model_config_infer (&c->cfg, c->params, &error));
  g_assert_no_error (error);
  c->debug = fl_npz_load (dp, &error);
  g_assert_no_error (error);
  c->recycles = fl_npz_load (rp, &error);
  g_assert_no_error (error);
  c->features = fl_features_load_npz (fp, &error);
  g_assert_no_error (error);
  c->b = fl_backend_cpu_new (2, &error);
  g_assert_no_error (error);
  c->w = fl_weights_new (c->b, c->params, &error);
  g_assert_no_error (error);
  c->in = fl_device_inputs_new (c->b, &c->cfg, c->features, &error);
  g_assert_no_error (error);
  c->evo = fl_evoformer_new (c->b, c->w, &c->cfg, c->features->L, c->features->n_clust,
                             c->features->n_extra, &error);
  g_assert_no_error (error);
  return TRUE;
}

static void
case_close (Case *c)
{
  fl_evoformer_free (c->evo);
  fl_device_inputs_free (c->b, c->in);
  fl_weights_free (c->w);
  fl_backend_free (c->b);
  fl_features_free (c->features);
  fl_arrays_unref (c->debug);
  fl_arrays_unref (c->recycles);
  fl_params_unref (c->params);
}

/* ------------------------------------------------------------ helpers */

static int64_t
msa_floats (Case *c, gboolean extra)
{
  FlStackDims *d = extra ? &c->evo->extra_dims : &c->evo->main_dims;
  return d->S * d->L * d->c_m;
}

static int64_t
pair_floats (Case *c)
{
  return (int64_t) c->evo->L * c->evo->L * c->evo->main_dims.c_z;
}

static void
upload_golden (Case *c, FlArrays *a, const char *key, float *dev, int64_t n)
{
  FlArray *arr = need (a, key);
  g_assert_cmpint (fl_array_numel (arr), ==, n);
  g_autofree float *h = fl_array_to_f32 (arr);
  c->b->ops->upload (c->b, dev, h, n);
}

static void
compare_golden (Case *c, FlArrays *a, const char *key, const float *dev, int64_t n)
{
  FlArray *arr = need (a, key);
  g_assert_cmpint (fl_array_numel (arr), ==, n);
  g_autofree float *want = fl_array_to_f32 (arr);
  g_autofree float *got = g_new (float, n);
  c->b->ops->download (c->b, got, dev, n);
  g_autofree char *label = g_strdup_printf ("%s %s", c->name, key);
  fl_test_assert_close (label, got, want, n, TOL);
}

/* ------------------------------------------------------------ embed */

static void
check_embed (Case *c, int r, gboolean extra_msa_golden)
{
  GError *error = NULL;
  FlBackend *b = c->b;
  FlActivations *act = fl_evoformer_activations (c->evo);
  g_autofree float *pos = NULL;
  float *prev_row = NULL, *prev_pair = NULL;
  if (r > 0)
    {
      g_autofree char *kp = g_strdup_printf ("r%d/structure_module/final_atom_positions", r - 1);
      g_autofree char *km = g_strdup_printf ("r%d/representations/msa_first_row", r - 1);
      g_autofree char *kz = g_strdup_printf ("r%d/representations/pair", r - 1);
      pos = f32 (c->recycles, kp);
      prev_row = b->ops->alloc (b, (size_t) c->evo->L * c->evo->main_dims.c_m);
      prev_pair = b->ops->alloc (b, pair_floats (c));
      upload_golden (c, c->recycles, km, prev_row, (int64_t) c->evo->L * c->evo->main_dims.c_m);
      upload_golden (c, c->recycles, kz, prev_pair, pair_floats (c));
    }
  g_assert_true (fl_evoformer_embed (c->evo, c->in, c->features, pos, prev_row, prev_pair,
                                     &error));
  g_assert_no_error (error);
  g_autofree char *k1 = g_strdup_printf ("r%d/extra0/in_pair", r);
  g_autofree char *k2 = g_strdup_printf ("r%d/evo0/in_msa", r);
  g_autofree char *k3 = g_strdup_printf ("r%d/extra0/in_msa", r);
  compare_golden (c, c->debug, k1, act->pair, pair_floats (c));
  compare_golden (c, c->debug, k2, act->msa, msa_floats (c, FALSE));
  if (extra_msa_golden)
    compare_golden (c, c->debug, k3, act->extra, msa_floats (c, TRUE));
  if (prev_row)
    {
      b->ops->free (b, prev_row);
      b->ops->free (b, prev_pair);
    }
}

/* ------------------------------------------------------------ blocks */

static const char *const step_keys[FL_TRUNK_BLOCK_STEPS] = {
  "after_00_msa_row_attention_with_pair_bias", "after_01_msa_column_attention",
  "after_02_msa_transition", "after_03_outer_product_mean",
  "after_04_triangle_multiplication_outgoing", "after_05_triangle_multiplication_incoming",
  "after_06_triangle_attention_starting_node", "after_07_triangle_attention_ending_node",
  "after_08_pair_transition",
};

static char *
step_key (const char *blk, int r, int step, gboolean extra)
{
  const char *k = step_keys[step];
  if (step == 1 && extra)
    k = "after_01_msa_column_global_attention";
  return g_strdup_printf ("r%d/%s/%s", r, blk, k);
}

/* Each module alone, from the golden activation before it. */
static void
check_steps (Case *c, int r, const char *blk, int block, gboolean extra)
{
  GError *error = NULL;
  FlActivations *act = fl_evoformer_activations (c->evo);
  float *msa = extra ? act->extra : act->msa;
  int64_t nm = msa_floats (c, extra), np = pair_floats (c);
  for (int step = 0; step < FL_TRUNK_BLOCK_STEPS; step++)
    {
      /* msa before the step: in_msa, after_00, after_01, then after_02 */
      g_autofree char *m_before = step == 0 ? g_strdup_printf ("r%d/%s/in_msa", r, blk)
                                            : step_key (blk, r, MIN (step - 1, 2), extra);
      g_autofree char *p_before = step <= 3 ? g_strdup_printf ("r%d/%s/in_pair", r, blk)
                                            : step_key (blk, r, step - 1, extra);
      upload_golden (c, c->debug, m_before, msa, nm);
      upload_golden (c, c->debug, p_before, act->pair, np);
      g_assert_true (fl_trunk_run_block (c->evo, extra, block, c->in, NULL, step, step + 1,
                                         &error));
      g_assert_no_error (error);
      g_autofree char *after = step_key (blk, r, step, extra);
      if (step <= 2)
        compare_golden (c, c->debug, after, msa, nm);
      else
        compare_golden (c, c->debug, after, act->pair, np);
    }
}

/* A whole block from its golden inputs. */
/* op calls counted while a block ran (see install_counting_ops) */
static guint64 op_count, block_ops;

static void
check_block (Case *c, int r, const char *blk, int block, gboolean extra,
             gboolean out_msa_golden, FlAttentionCapture *cap)
{
  GError *error = NULL;
  FlActivations *act = fl_evoformer_activations (c->evo);
  float *msa = extra ? act->extra : act->msa;
  int64_t nm = msa_floats (c, extra), np = pair_floats (c);
  g_autofree char *km = g_strdup_printf ("r%d/%s/in_msa", r, blk);
  g_autofree char *kp = g_strdup_printf ("r%d/%s/in_pair", r, blk);
  g_autofree char *om = g_strdup_printf ("r%d/%s/out_msa", r, blk);
  g_autofree char *op = g_strdup_printf ("r%d/%s/out_pair", r, blk);
  upload_golden (c, c->debug, km, msa, nm);
  if (fl_arrays_lookup (c->debug, kp))
    upload_golden (c, c->debug, kp, act->pair, np);
  else    /* realdim: the first Evoformer block's pair input is the extra stack's output */
    upload_golden (c, c->debug, "r0/extra0/out_pair", act->pair, np);
  guint64 ops_before = op_count;
  gboolean ok = extra ? fl_evoformer_extra_block (c->evo, block, c->in, &error)
                      : fl_evoformer_block (c->evo, block, c->in, cap, &error);
  block_ops = op_count - ops_before;
  g_assert_no_error (error);
  g_assert_true (ok);
  if (out_msa_golden)
    compare_golden (c, c->debug, om, msa, nm);
  compare_golden (c, c->debug, op, act->pair, np);
}

/* ------------------------------------------------------------ host reference */

static void
ln_host (const float *x, int64_t M, int c, const float *scale, const float *offset, double *y)
{
  for (int64_t m = 0; m < M; m++)
    {
      double mean = 0, var = 0;
      for (int i = 0; i < c; i++)
        mean += x[m * c + i];
      mean /= c;
      for (int i = 0; i < c; i++)
        var += (x[m * c + i] - mean) * (x[m * c + i] - mean);
      var /= c;
      double inv = 1.0 / sqrt (var + 1e-5);
      for (int i = 0; i < c; i++)
        y[m * c + i] = (x[m * c + i] - mean) * inv * scale[i] + offset[i];
    }
}

static void
proj_host (const double *x, int64_t M, int c, const float *w, int n, double *y)
{
  for (int64_t m = 0; m < M; m++)
    for (int j = 0; j < n; j++)
      {
        double s = 0;
        for (int i = 0; i < c; i++)
          s += x[m * c + i] * w[(int64_t) i * n + j];
        y[m * n + j] = s;
      }
}

/* probs (H,L,L) += scale * softmax_k(q_j . k_k / sqrt(D) + bias[h,j,k], masked by mask[k])
 * for one batch row: x (L, c) layer-normed queries/keys. */
static void
ref_attention_row (const double *x, int64_t L, int c, int H, int D, const float *wq,
                   const float *wk, const double *bias, const float *mask, double scale,
                   double *probs)
{
  g_autofree double *q = g_new (double, L * H * D);
  g_autofree double *k = g_new (double, L * H * D);
  g_autofree double *row = g_new (double, L);
  proj_host (x, L, c, wq, H * D, q);
  proj_host (x, L, c, wk, H * D, k);
  for (int h = 0; h < H; h++)
    for (int64_t j = 0; j < L; j++)
      {
        double mx = -INFINITY, sum = 0;
        for (int64_t kk = 0; kk < L; kk++)
          {
            double s = 0;
            for (int d = 0; d < D; d++)
              s += q[(j * H + h) * D + d] * k[(kk * H + h) * D + d];
            s = s / sqrt ((double) D) + bias[(h * L + j) * L + kk];
            row[kk] = mask[kk] > 0 ? s : -1e9;
            mx = MAX (mx, row[kk]);
          }
        for (int64_t kk = 0; kk < L; kk++)
          sum += (row[kk] = exp (row[kk] - mx));
        for (int64_t kk = 0; kk < L; kk++)
          probs[(h * L + j) * L + kk] += scale * row[kk] / sum;
      }
}

/* bias (H,L,L) = LN(pair) @ W, pair (L,L,cz) */
static void
ref_pair_bias (const float *pair, int64_t L, int cz, const float *s, const float *o,
               const float *w, int H, double *ln, double *bias)
{
  ln_host (pair, L * L, cz, s, o, ln);
  g_autofree double *bt = g_new (double, L * L * H);
  proj_host (ln, L * L, cz, w, H, bt);
  for (int64_t p = 0; p < L * L; p++)
    for (int h = 0; h < H; h++)
      bias[h * L * L + p] = bt[p * H + h];
}

static const float *
hw (Case *c, const char *prefix, const char *name, int block)
{
  g_autofree char *key = g_strdup_printf ("%s/%s", prefix, name);
  const float *p = fl_weights_host_block (c->w, key, block);
  g_assert_nonnull (p);
  return p;
}

static void
assert_close_d (const char *label, const float *got, const double *want, int64_t n)
{
  g_autofree float *wf = g_new (float, n);
  for (int64_t i = 0; i < n; i++)
    wf[i] = (float) want[i];
  fl_test_assert_close (label, got, wf, n, TOL);
}

/* Capture of block `block` (golden block r0/evo<block>) against the host reference. */
static void
check_capture (Case *c, int block, int residue)
{
  const char *pre = "evoformer/evoformer_iteration";
  FlStackDims *d = &c->evo->main_dims;
  const int64_t L = d->L, S = d->S;
  const int cz = d->c_z, cm = d->c_m;
  int Hr = d->row_heads, Hs = d->start_heads, He = d->end_heads;
  FlAttentionCapture cap = { 0 };
  cap.residue = residue;
  cap.msa_row_attention = g_new0 (float, Hr * L * L);
  cap.msa_row_pair_bias = g_new0 (float, Hr * L * L);
  cap.tri_start_attention = g_new0 (float, Hs * L * L);
  cap.tri_end_attention = g_new0 (float, He * L * L);
  int Hc = d->col_heads;
  cap.msa_col_attention = g_new0 (float, Hc * S);
  g_autofree char *blk = g_strdup_printf ("evo%d", block);
  check_block (c, 0, blk, block, FALSE, TRUE, &cap);

  /* MSA row attention: golden block input */
  g_autofree char *km = g_strdup_printf ("r0/%s/in_msa", blk);
  g_autofree char *kp = g_strdup_printf ("r0/%s/in_pair", blk);
  g_autofree float *msa = f32 (c->debug, km);
  g_autofree float *pair = f32 (c->debug, kp);
  g_autofree double *ln = g_new (double, L * L * MAX (cz, cm) + S * L * cm);
  g_autofree double *bias = g_new (double, MAX (MAX (Hr, Hs), He) * L * L);
  g_autofree double *probs = g_new0 (double, MAX (MAX (Hr, Hs), He) * L * L);
  ref_pair_bias (pair, L, cz, hw (c, pre, "msa_row_attention_with_pair_bias/feat_2d_norm//scale", block),
                 hw (c, pre, "msa_row_attention_with_pair_bias/feat_2d_norm//offset", block),
                 hw (c, pre, "msa_row_attention_with_pair_bias//feat_2d_weights", block), Hr,
                 ln, bias);
  assert_close_d ("capture msa_row_pair_bias", cap.msa_row_pair_bias, bias, Hr * L * L);
  int64_t n_rows = 0;
  for (int64_t s = 0; s < S; s++)
    for (int64_t i = 0; i < L; i++)
      if (c->features->msa_mask[s * L + i] > 0)
        n_rows = s + 1;
  ln_host (msa, S * L, cm, hw (c, pre, "msa_row_attention_with_pair_bias/query_norm//scale", block),
           hw (c, pre, "msa_row_attention_with_pair_bias/query_norm//offset", block), ln);
  for (int64_t s = 0; s < n_rows; s++)
    ref_attention_row (ln + s * L * cm, L, cm, Hr, d->row_dim,
                       hw (c, pre, "msa_row_attention_with_pair_bias/attention//query_w", block),
                       hw (c, pre, "msa_row_attention_with_pair_bias/attention//key_w", block),
                       bias, c->features->msa_mask + s * L, 1.0 / n_rows, probs);
  assert_close_d ("capture msa_row_attention", cap.msa_row_attention, probs, Hr * L * L);

  /* MSA column attention of column `residue`: the MSA after row attention
   * (golden after_00), weights each row receives, mean over query rows in use */
  {
    g_autofree char *kc = g_strdup_printf ("r0/%s/%s", blk, step_keys[0]);
    g_autofree float *m0 = f32 (c->debug, kc);
    g_autofree float *col = g_new (float, S * cm);
    g_autofree float *cmask = g_new (float, (gsize) S);
    for (int64_t s = 0; s < S; s++)
      {
        memcpy (col + s * cm, m0 + (s * L + residue) * cm, cm * sizeof (float));
        cmask[s] = c->features->msa_mask[s * L + residue];
      }
    g_autofree double *lnc = g_new (double, (gsize) S * cm);
    ln_host (col, S, cm, hw (c, pre, "msa_column_attention/query_norm//scale", block),
             hw (c, pre, "msa_column_attention/query_norm//offset", block), lnc);
    g_autofree double *zero = g_new0 (double, Hc * S * S);
    g_autofree double *pc = g_new0 (double, Hc * S * S);
    ref_attention_row (lnc, S, cm, Hc, d->col_dim,
                       hw (c, pre, "msa_column_attention/attention//query_w", block),
                       hw (c, pre, "msa_column_attention/attention//key_w", block),
                       zero, cmask, 1.0, pc);
    g_autofree double *want = g_new0 (double, Hc * S);
    for (int h = 0; h < Hc; h++)
      for (int64_t k = 0; k < S; k++)
        {
          for (int64_t q = 0; q < n_rows; q++)
            want[h * S + k] += pc[(h * S + q) * S + k];
          want[h * S + k] /= n_rows;
        }
    assert_close_d ("capture msa_col_attention", cap.msa_col_attention, want, Hc * S);
  }

  /* triangle attention: the pair entering each module (golden after_05 / after_06) */
  g_autofree float *pair_mask = g_new (float, L * L);
  for (int64_t i = 0; i < L; i++)
    for (int64_t j = 0; j < L; j++)
      pair_mask[i * L + j] = c->features->seq_mask[i] * c->features->seq_mask[j];
  for (int ending = 0; ending <= 1; ending++)
    {
      const char *m = ending ? "triangle_attention_ending_node" : "triangle_attention_starting_node";
      int H = ending ? He : Hs, D = ending ? d->end_dim : d->start_dim;
      g_autofree char *kin = g_strdup_printf ("r0/%s/%s", blk,
                                              ending ? step_keys[6] : step_keys[5]);
      g_autofree float *p = f32 (c->debug, kin);
      g_autofree float *pt = g_new (float, L * L * cz);
      g_autofree float *mrow = g_new (float, L);
      for (int64_t i = 0; i < L; i++)
        for (int64_t j = 0; j < L; j++)
          memcpy (pt + (i * L + j) * cz,
                  p + (ending ? (j * L + i) : (i * L + j)) * cz, cz * sizeof (float));
      for (int64_t k = 0; k < L; k++)
        mrow[k] = ending ? pair_mask[k * L + residue] : pair_mask[residue * L + k];
      g_autofree char *s1 = g_strdup_printf ("%s/query_norm//scale", m);
      g_autofree char *s2 = g_strdup_printf ("%s/query_norm//offset", m);
      g_autofree char *s3 = g_strdup_printf ("%s//feat_2d_weights", m);
      g_autofree char *s4 = g_strdup_printf ("%s/attention//query_w", m);
      g_autofree char *s5 = g_strdup_printf ("%s/attention//key_w", m);
      ref_pair_bias (pt, L, cz, hw (c, pre, s1, block), hw (c, pre, s2, block),
                     hw (c, pre, s3, block), H, ln, bias);
      memset (probs, 0, sizeof (double) * H * L * L);
      ref_attention_row (ln + residue * L * cz, L, cz, H, D, hw (c, pre, s4, block),
                         hw (c, pre, s5, block), bias, mrow, 1.0, probs);
      assert_close_d (ending ? "capture tri_end_attention" : "capture tri_start_attention",
                      ending ? cap.tri_end_attention : cap.tri_start_attention, probs, H * L * L);
    }
  g_free (cap.msa_row_attention);
  g_free (cap.msa_row_pair_bias);
  g_free (cap.tri_start_attention);
  g_free (cap.tri_end_attention);
  g_free (cap.msa_col_attention);
}

/* ------------------------------------------------------------ tests */

static void
check_single (Case *c, int r)
{
  GError *error = NULL;
  FlBackend *b = c->b;
  FlActivations *act = fl_evoformer_activations (c->evo);
  int64_t L = c->evo->L;
  g_autofree char *km = g_strdup_printf ("r%d/representations/msa_first_row", r);
  g_autofree char *ks = g_strdup_printf ("r%d/representations/single", r);
  upload_golden (c, c->recycles, km, act->msa, L * c->evo->main_dims.c_m);
  float *single = b->ops->alloc (b, (size_t) L * c->cfg.c_s);
  g_assert_true (fl_evoformer_single (c->evo, single, &error));
  g_assert_no_error (error);
  compare_golden (c, c->recycles, ks, single, L * c->cfg.c_s);
  b->ops->free (b, single);
}

static void
test_tiny_embed (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  for (int r = 0; r < 3; r++)
    check_embed (&c, r, TRUE);
  case_close (&c);
}

static void
test_tiny_extra_block (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  for (int r = 0; r < 3; r++)
    check_steps (&c, r, "extra0", 0, TRUE);
  for (int r = 0; r < 3; r++)
    check_block (&c, r, "extra0", 0, TRUE, TRUE, NULL);
  case_close (&c);
}

static void
test_tiny_evoformer_blocks (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  for (int blk = 0; blk < 2; blk++)
    {
      g_autofree char *name = g_strdup_printf ("evo%d", blk);
      check_steps (&c, 0, name, blk, FALSE);
      for (int r = 0; r < 3; r++)
        check_block (&c, r, name, blk, FALSE, TRUE, NULL);
    }
  case_close (&c);
}

static void
test_tiny_capture (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  check_capture (&c, 1, 5);
  check_capture (&c, 0, 0);
  case_close (&c);
}

static void
test_tiny_single (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  for (int r = 0; r < 3; r++)
    check_single (&c, r);
  case_close (&c);
}

/* The same with a tiny chunk budget: every chunked loop (attention batches,
 * transition rows, outer-product rows, global-attention columns, the
 * row-attention capture mean) runs with several chunks and a remainder. */
static void
test_tiny_chunked (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  fl_evoformer_set_chunk_budget (c.evo, 900);
  check_steps (&c, 0, "extra0", 0, TRUE);
  check_steps (&c, 0, "evo1", 1, FALSE);
  check_capture (&c, 1, 7);
  case_close (&c);
}

/* A whole pass: embed, extra stack, Evoformer, from the features only. */
static void
test_tiny_chain (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  GError *error = NULL;
  FlActivations *act = fl_evoformer_activations (c.evo);
  g_assert_true (fl_evoformer_embed (c.evo, c.in, c.features, NULL, NULL, NULL, &error));
  for (int k = 0; k < c.cfg.n_extra_blocks; k++)
    g_assert_true (fl_evoformer_extra_block (c.evo, k, c.in, &error));
  for (int k = 0; k < c.cfg.n_evoformer_blocks; k++)
    g_assert_true (fl_evoformer_block (c.evo, k, c.in, NULL, &error));
  g_assert_no_error (error);
  g_autofree char *ko = g_strdup_printf ("r0/evo%d/out_pair", c.cfg.n_evoformer_blocks - 1);
  g_autofree char *km = g_strdup_printf ("r0/evo%d/out_msa", c.cfg.n_evoformer_blocks - 1);
  compare_golden (&c, c.debug, ko, act->pair, pair_floats (&c));
  compare_golden (&c, c.debug, km, act->msa, msa_floats (&c, FALSE));
  case_close (&c);
}

/* fl_evoformer_bytes_needed / fl_device_inputs_bytes_needed count what is allocated. */
static void
check_memory (Case *c)
{
  GError *error = NULL;
  const FlFeatures *f = c->features;
  gsize before = c->b->bytes_in_use;
  FlDeviceInputs *in = fl_device_inputs_new (c->b, &c->cfg, f, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (c->b->bytes_in_use - before, >=,
                    fl_device_inputs_bytes_needed (&c->cfg, f->L, f->n_clust, f->n_extra));
  gsize mid = c->b->bytes_in_use;
  FlEvoformer *evo = fl_evoformer_new (c->b, c->w, &c->cfg, f->L, f->n_clust, f->n_extra, &error);
  g_assert_no_error (error);
  gsize need = fl_evoformer_bytes_needed (&c->cfg, f->L, f->n_clust, f->n_extra);
  g_test_message ("%s trunk bytes: allocated %zu, predicted %zu", c->name,
                  c->b->bytes_in_use - mid, need);
  g_assert_cmpuint (c->b->bytes_in_use - mid, ==, need);
  /* the same with the large-memory (CUDA) chunk budget */
  gsize mid2 = c->b->bytes_in_use;
  FlEvoformer *large = fl_evoformer_new_with_budget (c->b, c->w, &c->cfg, f->L, f->n_clust,
                                                     f->n_extra, FL_EVOFORMER_BUDGET_LARGE,
                                                     &error);
  g_assert_no_error (error);
  gsize need_large = fl_evoformer_bytes_needed_with_budget (&c->cfg, f->L, f->n_clust, f->n_extra,
                                                            FL_EVOFORMER_BUDGET_LARGE);
  g_test_message ("%s trunk bytes with the large budget: allocated %zu, predicted %zu", c->name,
                  c->b->bytes_in_use - mid2, need_large);
  g_assert_cmpuint (c->b->bytes_in_use - mid2, ==, need_large);
  g_assert_cmpuint (need_large, >=, need);
  fl_evoformer_free (large);
  /* larger sizes grow as O(L^2 c + S L c) */
  gsize big = fl_evoformer_bytes_needed (&c->cfg, 1000, 512, 5120);
  g_test_message ("%s trunk bytes for L=1000, 512 + 5120 rows: %.2f GB", c->name, big / 1e9);
  g_assert_cmpuint (big, >, need);
  fl_evoformer_free (evo);
  fl_device_inputs_free (c->b, in);
}

static void
test_tiny_memory (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  check_memory (&c);
  case_close (&c);
}

static void
test_tiny_bad_input (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  GError *error = NULL;
  /* a block that does not exist */
  g_assert_false (fl_evoformer_block (c.evo, c.cfg.n_evoformer_blocks, c.in, NULL, &error));
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID);
  g_clear_error (&error);
  /* an extra-MSA token outside 0..22 */
  int32_t saved = c.features->extra_msa[3];
  c.features->extra_msa[3] = 23;
  g_assert_null (fl_device_inputs_new (c.b, &c.cfg, c.features, &error));
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "23"));
  g_clear_error (&error);
  c.features->extra_msa[3] = saved;
  /* inputs of another size */
  FlEvoformer *other = fl_evoformer_new (c.b, c.w, &c.cfg, c.features->L + 1, c.features->n_clust,
                                         c.features->n_extra, &error);
  g_assert_no_error (error);
  g_assert_false (fl_evoformer_block (other, 0, c.in, NULL, &error));
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID);
  g_clear_error (&error);
  fl_evoformer_free (other);
  /* a capture residue outside the chain */
  FlAttentionCapture cap = { 0 };
  g_autofree float *tri = g_new0 (float, (size_t) c.cfg.tri_att_start_heads * c.features->L
                                           * c.features->L);
  cap.residue = c.features->L;
  cap.tri_start_attention = tri;
  g_assert_false (fl_evoformer_block (c.evo, 0, c.in, &cap, &error));
  g_assert_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID);
  g_clear_error (&error);
  /* the backend is still usable */
  g_assert_true (fl_evoformer_block (c.evo, 0, c.in, NULL, &error));
  g_assert_no_error (error);
  case_close (&c);
}

/* Widths, head counts and sizes no golden case has (random parameters with
 * official names): a whole pass with recycling inputs and capture must give
 * finite results, and the same results when every chunked loop runs in
 * small pieces. */
typedef struct {
  float *msa, *pair, *extra, *cap[4];
} OddResult;

static void
odd_run (FlBackend *b, FlEvoformer *evo, const FlModelConfig *cfg, FlDeviceInputs *in,
         FlFeatures *f, const float *pos, OddResult *res)
{
  GError *error = NULL;
  const int L = f->L;
  FlActivations *act = fl_evoformer_activations (evo);
  FlStackDims *d = &evo->main_dims;
  /* previous state: a fixed pseudo-random first row and pair */
  size_t n_row = (size_t) L * d->c_m, n_pair = (size_t) L * L * d->c_z;
  g_autofree float *h_row = g_new (float, n_row);
  g_autofree float *h_pair = g_new (float, n_pair);
  fl_test_fill_random (h_row, n_row, 11);
  fl_test_fill_random (h_pair, n_pair, 12);
  float *prev_row = b->ops->alloc (b, n_row), *prev_pair = b->ops->alloc (b, n_pair);
  b->ops->upload (b, prev_row, h_row, n_row);
  b->ops->upload (b, prev_pair, h_pair, n_pair);
  g_assert_true (fl_evoformer_embed (evo, in, f, pos, prev_row, prev_pair, &error));
  g_assert_no_error (error);
  for (int k = 0; k < cfg->n_extra_blocks; k++)
    g_assert_true (fl_evoformer_extra_block (evo, k, in, &error));
  FlAttentionCapture cap = { .residue = 3 };
  size_t hl[4] = { (size_t) d->row_heads, (size_t) d->row_heads, (size_t) d->start_heads,
                   (size_t) d->end_heads };
  for (int i = 0; i < 4; i++)
    res->cap[i] = g_new0 (float, hl[i] * L * L);
  cap.msa_row_attention = res->cap[0];
  cap.msa_row_pair_bias = res->cap[1];
  cap.tri_start_attention = res->cap[2];
  cap.tri_end_attention = res->cap[3];
  for (int k = 0; k < cfg->n_evoformer_blocks; k++)
    g_assert_true (fl_evoformer_block (evo, k, in, k == 1 ? &cap : NULL, &error));
  g_assert_no_error (error);
  res->msa = g_new (float, (size_t) f->n_clust * n_row);
  res->pair = g_new (float, n_pair);
  res->extra = g_new (float, (size_t) f->n_extra * L * evo->extra_dims.c_m);
  b->ops->download (b, res->msa, act->msa, (size_t) f->n_clust * n_row);
  b->ops->download (b, res->pair, act->pair, n_pair);
  b->ops->download (b, res->extra, act->extra, (size_t) f->n_extra * L * evo->extra_dims.c_m);
  b->ops->free (b, prev_row);
  b->ops->free (b, prev_pair);
}

static void
assert_finite (const char *label, const float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isfinite (x[i]))
      {
        g_test_message ("%s: value %zu is %g", label, i, x[i]);
        g_test_fail ();
        return;
      }
}

static void
test_odd_widths (void)
{
  GError *error = NULL;
  FlModelConfig cfg;
  g_assert_true (fl_model_config_from_preset ("model_3_ptm", &cfg, &error));
  cfg.c_m = 20;
  cfg.c_z = 12;
  cfg.c_e = 10;
  cfg.c_s = 14;
  cfg.msa_row_heads = 5;
  cfg.msa_col_heads = 2;
  cfg.extra_row_heads = 2;
  cfg.extra_col_heads = 5;
  cfg.tri_att_start_heads = 3;
  cfg.tri_att_end_heads = 4;
  cfg.tri_mul_channels = 7;
  cfg.extra_tri_mul_channels = 6;
  cfg.opm_channels = 3;
  cfg.extra_opm_channels = 5;
  cfg.msa_transition_factor = 3;
  cfg.pair_transition_factor = 2;
  cfg.n_evoformer_blocks = 2;
  cfg.n_extra_blocks = 2;
  g_autoptr(FlArrays) arrays = fl_params_generate_random (&cfg, 99);
  g_autoptr(FlParams) params = fl_params_new_from_arrays (arrays, &error);
  g_assert_no_error (error);
  g_assert_true (fl_model_config_infer (&cfg, params, &error));
  g_assert_no_error (error);

  /* 11 residues (the last one masked, a gap in the numbering), 5 cluster
   * rows (one padding row), 9 extra rows (three padding rows) */
  const int L = 11, S = 5, E = 9;
  FlFeatures *f = g_new0 (FlFeatures, 1);
  f->L = L;
  f->n_clust = S;
  f->n_extra = E;
  f->aatype = g_new (int32_t, L);
  f->residue_index = g_new (int32_t, L);
  f->seq_mask = g_new (float, L);
  for (int i = 0; i < L; i++)
    {
      f->aatype[i] = (i * 7) % 21;
      f->residue_index[i] = i < 5 ? i : i + 40;
      f->seq_mask[i] = i < L - 1 ? 1.0f : 0.0f;
    }
  f->target_feat = g_new (float, L * 22);
  f->msa_feat = g_new (float, S * L * 49);
  f->msa_mask = g_new (float, S * L);
  f->extra_msa = g_new (int32_t, E * L);
  f->extra_msa_mask = g_new (float, E * L);
  f->extra_has_deletion = g_new (float, E * L);
  f->extra_deletion_value = g_new (float, E * L);
  fl_test_fill_random (f->target_feat, L * 22, 1);
  fl_test_fill_random (f->msa_feat, S * L * 49, 2);
  fl_test_fill_random (f->extra_deletion_value, E * L, 3);
  for (int i = 0; i < S * L; i++)
    f->msa_mask[i] = i / L < S - 1 && i % L < L - 1 ? 1.0f : 0.0f;
  for (int i = 0; i < E * L; i++)
    {
      gboolean real = i / L < E - 3;
      f->extra_msa[i] = real ? (i * 5) % 23 : 0;
      f->extra_msa_mask[i] = real && i % L < L - 1 ? 1.0f : 0.0f;
      f->extra_has_deletion[i] = (i % 4) == 0;
    }
  g_autofree float *pos = g_new (float, L * 37 * 3);
  fl_test_fill_random (pos, L * 37 * 3, 4);
  for (int i = 0; i < L * 37 * 3; i++)
    pos[i] *= 8.0f;            /* spread the pseudo-beta distances over the bins */

  g_autoptr(FlBackend) b = fl_backend_cpu_new (2, &error);
  g_assert_no_error (error);
  g_autoptr(FlWeights) w = fl_weights_new (b, params, &error);
  g_assert_no_error (error);
  FlDeviceInputs *in = fl_device_inputs_new (b, &cfg, f, &error);
  g_assert_no_error (error);
  OddResult r[2] = { 0 };
  for (int run = 0; run < 2; run++)
    {
      FlEvoformer *evo = fl_evoformer_new (b, w, &cfg, L, S, E, &error);
      g_assert_no_error (error);
      g_assert_cmpint (evo->main_dims.row_heads, ==, 5);
      g_assert_cmpint (evo->main_dims.row_dim, ==, 4);
      g_assert_cmpint (evo->extra_dims.col_dim, ==, 2);
      g_assert_cmpint (evo->main_dims.end_heads, ==, 4);
      if (run == 1)
        fl_evoformer_set_chunk_budget (evo, 50);
      odd_run (b, evo, &cfg, in, f, pos, &r[run]);
      fl_evoformer_free (evo);
    }
  size_t n_msa = (size_t) S * L * cfg.c_m, n_pair = (size_t) L * L * cfg.c_z;
  size_t n_extra = (size_t) E * L * cfg.c_e;
  assert_finite ("odd msa", r[0].msa, n_msa);
  assert_finite ("odd pair", r[0].pair, n_pair);
  assert_finite ("odd extra", r[0].extra, n_extra);
  fl_test_assert_close ("odd chunked msa", r[1].msa, r[0].msa, n_msa, 1e-5);
  fl_test_assert_close ("odd chunked pair", r[1].pair, r[0].pair, n_pair, 1e-5);
  fl_test_assert_close ("odd chunked extra", r[1].extra, r[0].extra, n_extra, 1e-5);
  int heads[4] = { 5, 5, 3, 4 };
  for (int i = 0; i < 4; i++)
    {
      assert_finite ("odd capture", r[0].cap[i], (size_t) heads[i] * L * L);
      fl_test_assert_close ("odd chunked capture", r[1].cap[i], r[0].cap[i],
                            (size_t) heads[i] * L * L, 1e-5);
    }
  /* softmax rows of the capture sum to one */
  for (int64_t row = 0; row < (int64_t) 5 * L; row++)
    {
      double sum = 0;
      for (int k = 0; k < L; k++)
        sum += r[0].cap[0][row * L + k];
      g_assert_cmpfloat (fabs (sum - 1.0), <, 1e-4);
    }
  for (int run = 0; run < 2; run++)
    {
      g_free (r[run].msa);
      g_free (r[run].pair);
      g_free (r[run].extra);
      for (int i = 0; i < 4; i++)
        g_free (r[run].cap[i]);
    }
  fl_device_inputs_free (b, in);
  fl_features_free (f);
}

/* ------------------------------------------------------------ op count */

/* The CPU op table behind a counting table: every op call through it adds
 * one to op_count, then runs the CPU op. */
static const FlBackendOps *real_ops;

#define COUNT(name, params, args) \
  static void count_##name params { op_count++; real_ops->name args; }
COUNT (upload, (FlBackend *b, float *d, const float *s, size_t n), (b, d, s, n))
COUNT (download, (FlBackend *b, float *d, const float *s, size_t n), (b, d, s, n))
COUNT (copy, (FlBackend *b, float *d, const float *s, size_t n), (b, d, s, n))
COUNT (fill, (FlBackend *b, float *d, float v, size_t n), (b, d, v, n))
COUNT (linear, (FlBackend *b, const float *x, const float *w, const float *bias, float *y,
                int64_t M, int64_t K, int64_t N, gboolean acc), (b, x, w, bias, y, M, K, N, acc))
COUNT (gemm_batched, (FlBackend *b, gboolean ta, gboolean tb, int64_t M, int64_t N, int64_t K,
                      float alpha, const float *A, int64_t lda, int64_t sa, const float *B,
                      int64_t ldb, int64_t sb, float beta, float *C, int64_t ldc, int64_t sc,
                      int64_t batch),
       (b, ta, tb, M, N, K, alpha, A, lda, sa, B, ldb, sb, beta, C, ldc, sc, batch))
COUNT (layer_norm, (FlBackend *b, const float *x, const float *s, const float *o, float *y,
                    int64_t M, int64_t C), (b, x, s, o, y, M, C))
COUNT (add, (FlBackend *b, float *y, const float *x, size_t n), (b, y, x, n))
COUNT (mul, (FlBackend *b, float *y, const float *x, size_t n), (b, y, x, n))
COUNT (scale, (FlBackend *b, float *y, float a, size_t n), (b, y, a, n))
COUNT (relu, (FlBackend *b, float *y, size_t n), (b, y, n))
COUNT (sigmoid_mul, (FlBackend *b, float *y, const float *g, size_t n), (b, y, g, n))
COUNT (mul_rows, (FlBackend *b, float *y, const float *m, int64_t M, int64_t C), (b, y, m, M, C))
COUNT (add_row_vector, (FlBackend *b, float *y, const float *x, int64_t M, int64_t C),
       (b, y, x, M, C))
COUNT (swap01, (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C),
       (b, x, y, A, B, C))
COUNT (to_channel_first, (FlBackend *b, const float *x, float *y, int64_t A, int64_t B,
                          int64_t C), (b, x, y, A, B, C))
COUNT (from_channel_first, (FlBackend *b, const float *x, float *y, int64_t A, int64_t B,
                            int64_t C), (b, x, y, A, B, C))
COUNT (attention, (FlBackend *b, const float *q, const float *k, const float *v,
                   const float *m, const float *bias, const float *g, float *o, int64_t B,
                   int64_t Lq, int64_t Lk, int64_t H, int64_t D, float *p),
       (b, q, k, v, m, bias, g, o, B, Lq, Lk, H, D, p))
COUNT (global_attention, (FlBackend *b, const float *q, const float *k, const float *v,
                          const float *m, float *o, int64_t N, int64_t S, int64_t H, int64_t D),
       (b, q, k, v, m, o, N, S, H, D))
COUNT (masked_mean, (FlBackend *b, const float *x, const float *m, float *y, int64_t N,
                     int64_t S, int64_t C, float eps), (b, x, m, y, N, S, C, eps))
COUNT (mul_broadcast_rows, (FlBackend *b, float *y, const float *x, int64_t N, int64_t S,
                            int64_t C), (b, y, x, N, S, C))
#undef COUNT

static FlBackendOps counting_ops;

static void
install_counting_ops (FlBackend *b)
{
  real_ops = b->ops;
  counting_ops = *b->ops;
#define SET(name) counting_ops.name = count_##name
  SET (upload); SET (download); SET (copy); SET (fill); SET (linear); SET (gemm_batched);
  SET (layer_norm); SET (add); SET (mul); SET (scale); SET (relu); SET (sigmoid_mul);
  SET (mul_rows); SET (add_row_vector); SET (swap01); SET (to_channel_first);
  SET (from_channel_first); SET (attention); SET (global_attention); SET (masked_mean);
  SET (mul_broadcast_rows);
#undef SET
  b->ops = &counting_ops;
}

/* Ops of one extra-MSA and one Evoformer block (checked against the golden
 * outputs while counting) with the trunk made by `evo`. */
static void
count_block_ops (Case *c, FlEvoformer *evo, guint64 *extra_ops, guint64 *main_ops)
{
  FlEvoformer *saved = c->evo;
  c->evo = evo;
  install_counting_ops (c->b);
  check_block (c, 0, "extra0", 0, TRUE, FALSE, NULL);
  *extra_ops = block_ops;
  check_block (c, 0, "evo0", 0, FALSE, TRUE, NULL);
  *main_ops = block_ops;
  c->b->ops = real_ops;
  c->evo = saved;
}

/* The trunk issues few, large op calls: with the budget of a large-memory
 * backend (CUDA) a block is one call per step of each module (< 200), and
 * the CPU's cache-sized chunks stay within a small multiple of that. */
static void
check_op_count (Case *c)
{
  GError *error = NULL;
  const FlFeatures *f = c->features;
  FlEvoformer *large = fl_evoformer_new_with_budget (c->b, c->w, &c->cfg, f->L, f->n_clust,
                                                     f->n_extra, FL_EVOFORMER_BUDGET_LARGE,
                                                     &error);
  g_assert_no_error (error);
  guint64 le, lm, de, dm;
  count_block_ops (c, large, &le, &lm);
  fl_evoformer_free (large);
  count_block_ops (c, c->evo, &de, &dm);
  g_test_message ("%s (L=%d, %d + %d rows) ops per block: large budget extra %" G_GUINT64_FORMAT
                  ", evoformer %" G_GUINT64_FORMAT "; CPU budget extra %" G_GUINT64_FORMAT
                  ", evoformer %" G_GUINT64_FORMAT, c->name, f->L, f->n_clust, f->n_extra,
                  le, lm, de, dm);
  g_assert_cmpuint (le, >, 50);
  g_assert_cmpuint (lm, >, 50);
  g_assert_cmpuint (le, <, 200);
  g_assert_cmpuint (lm, <, 200);
  g_assert_cmpuint (de, <, 400);
  g_assert_cmpuint (dm, <, 400);
}

static void
test_tiny_op_count (void)
{
  Case c;
  if (!case_open (&c, "tiny"))
    return;
  check_op_count (&c);
  case_close (&c);
}

static void
test_realdim (void)
{
  Case c;
  if (!case_open (&c, "realdim"))
    return;
  check_embed (&c, 0, TRUE);
  check_embed (&c, 1, FALSE);
  check_embed (&c, 2, FALSE);
  check_block (&c, 0, "extra0", 0, TRUE, FALSE, NULL);
  check_block (&c, 0, "evo0", 0, FALSE, TRUE, NULL);
  check_single (&c, 0);
  check_memory (&c);
  check_op_count (&c);
  case_close (&c);
}

static void
test_single (void)
{
  Case c;
  if (!case_open (&c, "single"))
    return;
  check_embed (&c, 0, TRUE);
  check_block (&c, 0, "extra0", 0, TRUE, FALSE, NULL);
  check_single (&c, 0);
  case_close (&c);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_str_has_suffix (argv[0], "-slow"))
    {
      g_test_add_func ("/model/evoformer/realdim", test_realdim);
      g_test_add_func ("/model/evoformer/single", test_single);
    }
  else
    {
      g_test_add_func ("/model/evoformer/tiny/embed", test_tiny_embed);
      g_test_add_func ("/model/evoformer/tiny/extra-block", test_tiny_extra_block);
      g_test_add_func ("/model/evoformer/tiny/evoformer-blocks", test_tiny_evoformer_blocks);
      g_test_add_func ("/model/evoformer/tiny/capture", test_tiny_capture);
      g_test_add_func ("/model/evoformer/tiny/single", test_tiny_single);
      g_test_add_func ("/model/evoformer/tiny/chunked", test_tiny_chunked);
      g_test_add_func ("/model/evoformer/tiny/chain", test_tiny_chain);
      g_test_add_func ("/model/evoformer/tiny/memory", test_tiny_memory);
      g_test_add_func ("/model/evoformer/tiny/bad-input", test_tiny_bad_input);
      g_test_add_func ("/model/evoformer/tiny/op-count", test_tiny_op_count);
      g_test_add_func ("/model/evoformer/odd-widths", test_odd_widths);
    }
  return g_test_run ();
}
