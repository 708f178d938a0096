/* AlphaFold2's structure module (folding.StructureModule / generate_affines)
 * on a backend.
 *
 * Per layer (FoldIteration with shared weights):
 *   act += IPA(act, pair, affine); LayerNorm
 *   act += Transition(act); LayerNorm
 *   affine = affine ∘ update(act)          (quaternion + translation, nm)
 *   torsions = ResNet(relu(act), relu(initial_act)) -> frames -> atom14
 *
 * Dense per-residue work and every O(L^2) term of IPA run on the backend:
 * the pair bias (computed once: the pair and the weights do not change
 * between layers), the attention itself and the pair-weighted output sum.
 * The point terms of IPA enter the attention logits as extra channels of
 * q and k:  -w/2 |q - k|^2 = w q.k - w/2 |q|^2 - w/2 |k|^2, so that one
 * attention call computes scalar + point + pair-bias logits, the softmax,
 * and both the scalar and the point values. The O(L) geometry (frames applied
 * to points, backbone updates, torsion frames, atoms) runs on the host on
 * small downloaded tensors. */
#include "fl-structure-module.h"
#include "fl-structure-module-private.h"
#include "fl-error.h"
#include "fl-residue-constants.h"
#include "fl-residue-geometry.h"
#include "fl-rigid.h"

#include <math.h>
#include <string.h>

#define SM "structure_module/"
#define FI SM "fold_iteration/"
#define IPA FI "invariant_point_attention/"
#define SC FI "rigid_sidechain/"

struct _FlStructureModule {
  FlBackend *b;
  FlWeights *w;
  FlModelConfig cfg;
  int L;
  /* sizes */
  int H, sqk, sv, pqk, pv;   /* heads, scalar q/k and v, point q/k and v */
  int c, c_s, c_z, c_sc;     /* num_channel, seq_channel, pair_channel, sidechain channel */
  int D;                     /* width of the augmented q/k/v rows of the attention call */
  int n_proj;                /* columns of [q_scalar | kv_scalar | q_point | kv_point] */
  int k1;                    /* output_projection rows fed from host features */

  /* backend buffers */
  float *s_init;             /* (L, c_s) single_layer_norm(single) */
  float *s_init_relu;        /* (L, c_s) relu of that */
  float *act;                /* (L, c) */
  float *pair_ln;            /* (L, L, c_z) */
  float *bias;               /* (H, L, L) pair bias * sqrt(1/3) - 1e5 (1 - m_i m_j) */
  float *probs;              /* (H, L, L) attention weights; scratch (L, L, H) before */
  float *mask;               /* (L) */
  float *proj;               /* (L, n_proj) */
  float *qkv;                /* 3 x (L, H, D): q', k', v' */
  float *attn_out;           /* (L, H, D) */
  float *r2d;                /* (L, H, c_z) */
  float *feat;               /* (L, k1) */
  float *ipa;                /* (L, c) IPA output of the current layer */
  float *t1, *t2;            /* (L, c) */
  float *upd;                /* (L, 6) */
  float *sa, *sb, *stmp;     /* (L, max(c, c_s, c_sc)) sidechain scratch */
  float *angles;             /* (L, 14) */

  /* host buffers */
  float *h_proj;             /* (L, n_proj) */
  float *h_qkv;              /* 3 (L, H, D) */
  float *h_out;              /* (L, H, D) */
  float *h_feat;             /* (L, k1) */
  float *h_upd;              /* (L, 6) */
  float *h_angles;           /* (L, 14) */
  float *h_point_w;          /* (H) point weights */
  float *h_mask;             /* (L) seq_mask */
  double *quat;              /* (L, 4) */
  double *trans;             /* (L, 3) nm (unscaled) */
  int32_t *a37_to_a14;       /* (L, 37) */
  float *a37_exists;         /* (L, 37) */
  float *a14_exists;         /* (L, 14) */
  float *layer_atom37;       /* (L, 37, 3) */
};

static float *
dev_alloc (FlStructureModule *sm, size_t n)
{
  return sm->b->ops->alloc (sm->b, n ? n : 1);
}

static int
max3 (int a, int b, int c)
{
  return MAX (a, MAX (b, c));
}

static void
sizes_from_config (FlStructureModule *sm, const FlModelConfig *cfg, int L)
{
  sm->L = L;
  sm->H = cfg->sm_heads;
  sm->sqk = cfg->ipa_qk_scalar;
  sm->sv = cfg->ipa_v_scalar;
  sm->pqk = cfg->ipa_qk_points;
  sm->pv = cfg->ipa_v_points;
  sm->c = cfg->sm_channels;
  sm->c_s = cfg->c_s;
  sm->c_z = cfg->c_z;
  sm->c_sc = cfg->sidechain_channels;
  sm->D = MAX (sm->sqk + 3 * sm->pqk + 2, sm->sv + 3 * sm->pv);
  sm->n_proj = sm->H * sm->sqk + sm->H * (sm->sqk + sm->sv)
               + 3 * sm->H * sm->pqk + 3 * sm->H * (sm->pqk + sm->pv);
  sm->k1 = sm->H * sm->sv + 4 * sm->H * sm->pv;
}

/* Backend floats needed, in one list so that new() and bytes_needed agree. */
static size_t
device_floats (const FlStructureModule *sm)
{
  size_t L = sm->L, H = sm->H, D = sm->D;
  size_t wide = max3 (sm->c, sm->c_s, sm->c_sc);
  return 2 * L * sm->c_s + L * sm->c + L * L * sm->c_z + 2 * H * L * L + L
         + L * sm->n_proj + 4 * L * H * D + L * H * sm->c_z + L * sm->k1
         + 3 * L * sm->c + L * 6 + 3 * L * wide + L * 14;
}

gsize
fl_structure_module_bytes_needed (const FlModelConfig *cfg, int L)
{
  FlStructureModule sm = { 0 };
  sizes_from_config (&sm, cfg, L);
  return device_floats (&sm) * sizeof (float);
}

void
fl_structure_outputs_clear (FlStructureOutputs *out)
{
  if (!out)
    return;
  g_clear_pointer (&out->traj, g_free);
  g_clear_pointer (&out->angles_sin_cos, g_free);
  g_clear_pointer (&out->unnormalized_angles_sin_cos, g_free);
  g_clear_pointer (&out->atom_pos, g_free);
  g_clear_pointer (&out->frames_rot, g_free);
  g_clear_pointer (&out->frames_trans, g_free);
  g_clear_pointer (&out->final_atom14, g_free);
  g_clear_pointer (&out->final_atom14_mask, g_free);
  g_clear_pointer (&out->final_atom37, g_free);
  g_clear_pointer (&out->final_atom37_mask, g_free);
  out->act = NULL;   /* owned by the module */
  out->n_layers = out->L = 0;
}

void
fl_structure_module_free (FlStructureModule *sm)
{
  if (!sm)
    return;
  float **dev[] = { &sm->s_init, &sm->s_init_relu, &sm->act, &sm->pair_ln, &sm->bias,
                    &sm->probs, &sm->mask, &sm->proj, &sm->qkv, &sm->attn_out, &sm->r2d,
                    &sm->feat, &sm->ipa, &sm->t1, &sm->t2, &sm->upd, &sm->sa, &sm->sb, &sm->stmp,
                    &sm->angles };
  for (gsize i = 0; i < G_N_ELEMENTS (dev); i++)
    if (*dev[i])
      sm->b->ops->free (sm->b, *dev[i]);
  g_free (sm->h_proj);
  g_free (sm->h_qkv);
  g_free (sm->h_out);
  g_free (sm->h_feat);
  g_free (sm->h_upd);
  g_free (sm->h_angles);
  g_free (sm->h_point_w);
  g_free (sm->h_mask);
  g_free (sm->quat);
  g_free (sm->trans);
  g_free (sm->a37_to_a14);
  g_free (sm->a37_exists);
  g_free (sm->a14_exists);
  g_free (sm->layer_atom37);
  g_free (sm);
}

FlStructureModule *
fl_structure_module_new (FlBackend *b, FlWeights *w, const FlModelConfig *cfg, int L,
                         GError **error)
{
  if (L <= 0 || cfg->c_s <= 0 || cfg->c_z <= 0 || cfg->ipa_v_scalar < 0
      || cfg->sidechain_blocks < 0 || cfg->sm_layers <= 0 || cfg->sm_heads <= 0 || cfg->ipa_qk_scalar <= 0
      || cfg->ipa_qk_points <= 0 || cfg->ipa_v_points <= 0 || cfg->sm_channels <= 0
      || cfg->sidechain_channels <= 0 || cfg->sm_transition_layers <= 0)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "Invalid structure-module configuration (L=%d, %d layers, %d heads).",
                   L, cfg->sm_layers, cfg->sm_heads);
      return NULL;
    }
  FlStructureModule *sm = g_new0 (FlStructureModule, 1);
  sm->b = b;
  sm->w = w;
  sm->cfg = *cfg;
  sizes_from_config (sm, cfg, L);
  size_t Ls = L, H = sm->H, D = sm->D;
  size_t wide = max3 (sm->c, sm->c_s, sm->c_sc);

  sm->s_init = dev_alloc (sm, Ls * sm->c_s);
  sm->s_init_relu = dev_alloc (sm, Ls * sm->c_s);
  sm->act = dev_alloc (sm, Ls * sm->c);
  sm->pair_ln = dev_alloc (sm, Ls * Ls * sm->c_z);
  sm->bias = dev_alloc (sm, H * Ls * Ls);
  sm->probs = dev_alloc (sm, H * Ls * Ls);
  sm->mask = dev_alloc (sm, Ls);
  sm->proj = dev_alloc (sm, Ls * sm->n_proj);
  sm->qkv = dev_alloc (sm, 3 * Ls * H * D);
  sm->attn_out = dev_alloc (sm, Ls * H * D);
  sm->r2d = dev_alloc (sm, Ls * H * sm->c_z);
  sm->feat = dev_alloc (sm, Ls * sm->k1);
  sm->ipa = dev_alloc (sm, Ls * sm->c);
  sm->t1 = dev_alloc (sm, Ls * sm->c);
  sm->t2 = dev_alloc (sm, Ls * sm->c);
  sm->upd = dev_alloc (sm, Ls * 6);
  sm->sa = dev_alloc (sm, Ls * wide);
  sm->sb = dev_alloc (sm, Ls * wide);
  sm->stmp = dev_alloc (sm, Ls * wide);
  sm->angles = dev_alloc (sm, Ls * 14);
  if (!fl_backend_check (b, error))
    {
      fl_structure_module_free (sm);
      return NULL;
    }

  sm->h_proj = g_new (float, Ls * sm->n_proj);
  sm->h_qkv = g_new0 (float, 3 * Ls * H * D);
  sm->h_out = g_new (float, Ls * H * D);
  sm->h_feat = g_new (float, Ls * sm->k1);
  sm->h_upd = g_new (float, Ls * 6);
  sm->h_angles = g_new (float, Ls * 14);
  sm->h_point_w = g_new (float, H);
  sm->h_mask = g_new (float, Ls);
  sm->quat = g_new (double, Ls * 4);
  sm->trans = g_new (double, Ls * 3);
  sm->a37_to_a14 = g_new (int32_t, Ls * FL_N_ATOM37);
  sm->a37_exists = g_new (float, Ls * FL_N_ATOM37);
  sm->a14_exists = g_new (float, Ls * FL_N_ATOM14);
  sm->layer_atom37 = g_new (float, Ls * FL_N_ATOM37 * 3);
  return sm;
}

/* ---------------------------------------------------------------- helpers */

static const float *
W (FlStructureModule *sm, const char *name)
{
  return fl_weights_get (sm->w, name);
}

/* Name of the i-th use of a Haiku module inside one scope: "x", "x_1", ... */
static char *
nth_name (const char *prefix, const char *module, int i, const char *param)
{
  if (i == 0)
    return g_strdup_printf ("%s%s//%s", prefix, module, param);
  return g_strdup_printf ("%s%s_%d//%s", prefix, module, i, param);
}

static void
linear_named (FlStructureModule *sm, const char *prefix, const char *module, int i,
              const float *x, float *y, int64_t M, int64_t K, int64_t N, gboolean accumulate)
{
  g_autofree char *wn = nth_name (prefix, module, i, "weights");
  g_autofree char *bn = nth_name (prefix, module, i, "bias");
  const float *wt = W (sm, wn), *bs = W (sm, bn);
  if (!wt || !bs)
    return;   /* the missing key is recorded as a backend error */
  FL_OP (sm->b, linear, x, wt, bs, y, M, K, N, accumulate);
}

/* y = relu(x) into a scratch buffer (x untouched). */
static void
relu_copy (FlStructureModule *sm, const float *x, float *y, size_t n)
{
  FL_OP (sm->b, copy, y, x, n);
  FL_OP (sm->b, relu, y, n);
}

static double
softplus (double x)
{
  return x > 30.0 ? x : log1p (exp (x));
}

/* ---------------------------------------------------------------- IPA */

/* Pair LayerNorm, the pair bias of every layer and the mask term. */
static void
ipa_prepare_pair (FlStructureModule *sm, const float *pair, const float *seq_mask)
{
  FlBackend *b = sm->b;
  int64_t L = sm->L, H = sm->H;
  FL_OP (b, layer_norm, pair, W (sm, SM "pair_layer_norm//scale"),
         W (sm, SM "pair_layer_norm//offset"), sm->pair_ln, L * L, sm->c_z);
  /* attention_2d: (L*L, c_z) -> (L, L, H) -> (H, L, L), times sqrt(1/3). */
  linear_named (sm, IPA, "attention_2d", 0, sm->pair_ln, sm->probs, L * L, sm->c_z, H, FALSE);
  FL_OP (b, to_channel_first, sm->probs, sm->bias, L, L, H);
  FL_OP (b, scale, sm->bias, (float) sqrt (1.0 / 3.0), (size_t) (H * L * L));
  /* -1e5 (1 - m_i m_j) = 1e5 m_i m_j - 1e5, shared by every head. */
  FL_OP (b, upload, sm->mask, seq_mask, (size_t) L);
  FL_OP (b, fill, sm->probs, -1e5f, (size_t) (L * L));
  FL_OP (b, gemm_batched, FALSE, FALSE, L, L, 1, 1e5f, sm->mask, 1, 0, sm->mask, L, 0,
         1.f, sm->probs, L, 0, 1);
  FL_OP (b, add_row_vector, sm->bias, sm->probs, H, L * L);
}

/* One InvariantPointAttention call; result (L, c) in sm->ipa. */
static void
ipa_forward (FlStructureModule *sm)
{
  FlBackend *b = sm->b;
  const int L = sm->L, H = sm->H, D = sm->D;
  const int sqk = sm->sqk, sv = sm->sv, pqk = sm->pqk, pv = sm->pv;
  const int n_qs = H * sqk, n_kvs = H * (sqk + sv), n_qp = 3 * H * pqk;
  const int n_kvp = 3 * H * (pqk + pv);

  /* The four projections, stored one after the other in sm->proj
   * ((L, n) blocks for q_scalar, kv_scalar, q_point_local, kv_point_local),
   * come to the host in one download. */
  struct { const char *name; int n; } pr[4] = {
    { "q_scalar", n_qs }, { "kv_scalar", n_kvs },
    { "q_point_local", n_qp }, { "kv_point_local", n_kvp },
  };
  size_t off = 0;
  for (int k = 0; k < 4; k++)
    {
      linear_named (sm, IPA, pr[k].name, 0, sm->act, sm->proj + off, L, sm->c, pr[k].n, FALSE);
      off += (size_t) L * pr[k].n;
    }
  FL_OP (b, download, sm->h_proj, sm->proj, off);
  if (b->error)
    return;
  const float *hqs = sm->h_proj;
  const float *hkvs = hqs + (size_t) L * n_qs;
  const float *hqp = hkvs + (size_t) L * n_kvs;
  const float *hkvp = hqp + (size_t) L * n_qp;

  /* Points to the global frame, centred on the mean translation of the real
   * residues (distances do not change; smaller coordinates keep the expanded
   * |q-k|^2 accurate, and padding cannot move the centre). */
  double centre[3] = { 0, 0, 0 }, n_real = 0.0;
  for (int i = 0; i < L; i++)
    if (sm->h_mask[i] > 0.f)
      {
        n_real += 1.0;
        for (int c = 0; c < 3; c++)
          centre[c] += sm->trans[3 * i + c];
      }
  for (int c = 0; c < 3; c++)
    centre[c] = n_real > 0.0 ? centre[c] / n_real : 0.0;

  const double scalar_w = sqrt (1.0 / (3.0 * sqk));
  const float qscale = sqrtf ((float) D);   /* the attention op multiplies by D^-0.5 */
  float *hq = sm->h_qkv, *hk = hq + (size_t) L * H * D, *hv = hk + (size_t) L * H * D;
  memset (sm->h_qkv, 0, sizeof (float) * 3 * (size_t) L * H * D);
  for (int i = 0; i < L; i++)
    {
      FlRigid fr;
      fl_rigid_from_quat (&fr, &sm->quat[4 * i], &sm->trans[3 * i], 1.0);
      for (int c = 0; c < 3; c++)
        fr.trans[c] -= centre[c];
      for (int h = 0; h < H; h++)
        {
          const double pw = sm->h_point_w[h];
          float *q = hq + ((size_t) i * H + h) * D;
          float *k = hk + ((size_t) i * H + h) * D;
          float *v = hv + ((size_t) i * H + h) * D;
          for (int d = 0; d < sqk; d++)
            {
              q[d] = (float) (hqs[(size_t) i * n_qs + h * sqk + d] * scalar_w) * qscale;
              k[d] = hkvs[(size_t) i * n_kvs + h * (sqk + sv) + d];
            }
          for (int d = 0; d < sv; d++)
            v[d] = hkvs[(size_t) i * n_kvs + h * (sqk + sv) + sqk + d];

          double qq = 0.0, kk = 0.0;
          for (int p = 0; p < pqk; p++)
            {
              double lq[3], lk[3], gq[3], gk[3];
              for (int c = 0; c < 3; c++)
                {
                  lq[c] = hqp[(size_t) i * n_qp + c * H * pqk + h * pqk + p];
                  lk[c] = hkvp[(size_t) i * n_kvp + c * H * (pqk + pv) + h * (pqk + pv) + p];
                }
              fl_rigid_apply (&fr, lq, gq);
              fl_rigid_apply (&fr, lk, gk);
              for (int c = 0; c < 3; c++)
                {
                  q[sqk + 3 * p + c] = (float) (pw * gq[c]) * qscale;
                  k[sqk + 3 * p + c] = (float) gk[c];
                  qq += gq[c] * gq[c];
                  kk += gk[c] * gk[c];
                }
            }
          q[sqk + 3 * pqk] = (float) (-0.5 * pw * qq) * qscale;
          q[sqk + 3 * pqk + 1] = qscale;
          k[sqk + 3 * pqk] = 1.0f;
          k[sqk + 3 * pqk + 1] = (float) (-0.5 * pw * kk);

          for (int p = 0; p < pv; p++)
            {
              double lv[3], gv[3];
              for (int c = 0; c < 3; c++)
                lv[c] = hkvp[(size_t) i * n_kvp + c * H * (pqk + pv) + h * (pqk + pv) + pqk + p];
              fl_rigid_apply (&fr, lv, gv);
              for (int c = 0; c < 3; c++)
                v[sv + 3 * p + c] = (float) gv[c];
            }
        }
    }
  size_t n_qkv = (size_t) L * H * D;
  float *dq = sm->qkv, *dk = dq + n_qkv, *dv = dk + n_qkv;
  FL_OP (b, upload, sm->qkv, sm->h_qkv, 3 * n_qkv);
  /* softmax(scalar + point + pair bias + mask) over residues, and its values. */
  FL_OP (b, attention, dq, dk, dv, NULL, sm->bias, NULL, sm->attn_out, 1, L, L, H, D, sm->probs);
  /* Pair-weighted sum: r2d[i, h, :] = sum_j probs[h, i, j] pair_ln[i, j, :]. */
  FL_OP (b, gemm_batched, FALSE, FALSE, H, sm->c_z, L, 1.f,
         sm->probs, (int64_t) L * L, L,
         sm->pair_ln, sm->c_z, (int64_t) L * sm->c_z, 0.f,
         sm->r2d, sm->c_z, (int64_t) H * sm->c_z, L);
  FL_OP (b, download, sm->h_out, sm->attn_out, n_qkv);
  if (b->error)
    return;

  /* Host features: scalar results, value points back in the local frame and
   * their norms: [scalar (H*sv) | x (H*pv) | y | z | norm (H*pv)]. */
  const int k1 = sm->k1, hp = H * pv;
  for (int i = 0; i < L; i++)
    {
      FlRigid fr;
      fl_rigid_from_quat (&fr, &sm->quat[4 * i], &sm->trans[3 * i], 1.0);
      for (int c = 0; c < 3; c++)
        fr.trans[c] -= centre[c];
      float *f = sm->h_feat + (size_t) i * k1;
      for (int h = 0; h < H; h++)
        {
          const float *o = sm->h_out + ((size_t) i * H + h) * D;
          for (int d = 0; d < sv; d++)
            f[h * sv + d] = o[d];
          for (int p = 0; p < pv; p++)
            {
              double g[3] = { o[sv + 3 * p], o[sv + 3 * p + 1], o[sv + 3 * p + 2] };
              double l[3];
              fl_rigid_invert_apply (&fr, g, l);
              int col = h * pv + p;
              f[H * sv + col] = (float) l[0];
              f[H * sv + hp + col] = (float) l[1];
              f[H * sv + 2 * hp + col] = (float) l[2];
              f[H * sv + 3 * hp + col] =
                (float) sqrt (1e-8 + l[0] * l[0] + l[1] * l[1] + l[2] * l[2]);
            }
        }
    }
  FL_OP (b, upload, sm->feat, sm->h_feat, (size_t) L * k1);

  /* output_projection over [host features | r2d]: two products, one sum. */
  const float *wo = W (sm, IPA "output_projection//weights");
  const float *bo = W (sm, IPA "output_projection//bias");
  if (!wo || !bo)
    return;
  FL_OP (b, linear, sm->feat, wo, bo, sm->ipa, L, k1, sm->c, FALSE);
  FL_OP (b, linear, sm->r2d, wo + (size_t) k1 * sm->c, NULL, sm->ipa, L,
         (int64_t) H * sm->c_z, sm->c, TRUE);
}

/* ---------------------------------------------------------------- layer */

/* Transition, backbone update and the sidechain ResNet; act updated,
 * angles downloaded into h_upd / h_angles. */
static void
fold_iteration_rest (FlStructureModule *sm)
{
  FlBackend *b = sm->b;
  const int64_t L = sm->L, c = sm->c, csc = sm->c_sc;

  /* act = LN(act + ipa) */
  FL_OP (b, add, sm->act, sm->ipa, (size_t) (L * c));
  FL_OP (b, layer_norm, sm->act, W (sm, FI "attention_layer_norm//scale"),
         W (sm, FI "attention_layer_norm//offset"), sm->act, L, c);

  /* Transition: (Linear, relu) x (n-1), Linear; residual; LN. */
  const float *x = sm->act;
  float *bufs[2] = { sm->t1, sm->t2 };
  int n = sm->cfg.sm_transition_layers;
  for (int i = 0; i < n; i++)
    {
      float *y = bufs[i % 2];
      linear_named (sm, FI, "transition", i, x, y, L, c, c, FALSE);
      if (i < n - 1)
        FL_OP (b, relu, y, (size_t) (L * c));
      x = y;
    }
  FL_OP (b, add, sm->act, x, (size_t) (L * c));
  FL_OP (b, layer_norm, sm->act, W (sm, FI "transition_layer_norm//scale"),
         W (sm, FI "transition_layer_norm//offset"), sm->act, L, c);

  /* Backbone update (applied on the host). */
  linear_named (sm, FI, "affine_update", 0, sm->act, sm->upd, L, c, 6, FALSE);
  FL_OP (b, download, sm->h_upd, sm->upd, (size_t) (L * 6));

  /* Sidechain ResNet on [relu(act), relu(initial_act)]. */
  relu_copy (sm, sm->act, sm->stmp, (size_t) (L * c));
  linear_named (sm, SC, "input_projection", 0, sm->stmp, sm->sa, L, c, csc, FALSE);
  linear_named (sm, SC, "input_projection", 1, sm->s_init_relu, sm->sa, L, sm->c_s, csc, TRUE);
  for (int k = 0; k < sm->cfg.sidechain_blocks; k++)
    {
      relu_copy (sm, sm->sa, sm->stmp, (size_t) (L * csc));
      linear_named (sm, SC, "resblock1", k, sm->stmp, sm->sb, L, csc, csc, FALSE);
      FL_OP (b, relu, sm->sb, (size_t) (L * csc));
      linear_named (sm, SC, "resblock2", k, sm->sb, sm->sa, L, csc, csc, TRUE);
    }
  relu_copy (sm, sm->sa, sm->stmp, (size_t) (L * csc));
  linear_named (sm, SC, "unnormalized_angles", 0, sm->stmp, sm->angles, L, csc, 14, FALSE);
  FL_OP (b, download, sm->h_angles, sm->angles, (size_t) (L * 14));
}

/* ---------------------------------------------------------------- run */

static gboolean
outputs_alloc (FlStructureOutputs *out, int n_layers, int L)
{
  memset (out, 0, sizeof *out);
  out->n_layers = n_layers;
  out->L = L;
  size_t nl = n_layers, l = L;
  out->traj = g_try_new0 (float, nl * l * 7);
  out->angles_sin_cos = g_try_new0 (float, nl * l * 14);
  out->unnormalized_angles_sin_cos = g_try_new0 (float, nl * l * 14);
  out->atom_pos = g_try_new0 (float, nl * l * 14 * 3);
  out->frames_rot = g_try_new0 (float, nl * l * 8 * 9);
  out->frames_trans = g_try_new0 (float, nl * l * 8 * 3);
  out->final_atom14 = g_try_new0 (float, l * 14 * 3);
  out->final_atom14_mask = g_try_new0 (float, l * 14);
  out->final_atom37 = g_try_new0 (float, l * 37 * 3);
  out->final_atom37_mask = g_try_new0 (float, l * 37);
  return out->traj && out->angles_sin_cos && out->unnormalized_angles_sin_cos
         && out->atom_pos && out->frames_rot && out->frames_trans && out->final_atom14
         && out->final_atom14_mask && out->final_atom37 && out->final_atom37_mask;
}

static void
atom14_to_atom37 (FlStructureModule *sm, const float *a14, float *a37)
{
  for (int i = 0; i < sm->L; i++)
    for (int a = 0; a < FL_N_ATOM37; a++)
      {
        size_t k = (size_t) i * FL_N_ATOM37 + a;
        int s = sm->a37_to_a14[k];
        float m = sm->a37_exists[k];
        for (int c = 0; c < 3; c++)
          a37[3 * k + c] = a14[((size_t) i * FL_N_ATOM14 + s) * 3 + c] * m;
      }
}

/* Host geometry of layer l after the backbone update: traj, angles, frames,
 * atom14 into the outputs. */
static void
layer_geometry (FlStructureModule *sm, const int32_t *aatype, int l, FlStructureOutputs *out)
{
  const int L = sm->L;
  const double scale = sm->cfg.position_scale;
  for (int i = 0; i < L; i++)
    {
      double upd[6];
      for (int k = 0; k < 6; k++)
        upd[k] = sm->h_upd[6 * i + k];
      fl_affine_pre_compose (&sm->quat[4 * i], &sm->trans[3 * i], upd);

      float *traj = out->traj + ((size_t) l * L + i) * 7;
      for (int k = 0; k < 4; k++)
        traj[k] = (float) sm->quat[4 * i + k];
      for (int k = 0; k < 3; k++)
        traj[4 + k] = (float) (sm->trans[3 * i + k] * scale);

      float *un = out->unnormalized_angles_sin_cos + ((size_t) l * L + i) * 14;
      float *an = out->angles_sin_cos + ((size_t) l * L + i) * 14;
      for (int t = 0; t < FL_N_TORSIONS; t++)
        {
          double s = sm->h_angles[14 * i + 2 * t], co = sm->h_angles[14 * i + 2 * t + 1];
          double nrm = sqrt (MAX (s * s + co * co, 1e-12));
          un[2 * t] = (float) s;
          un[2 * t + 1] = (float) co;
          an[2 * t] = (float) (s / nrm);
          an[2 * t + 1] = (float) (co / nrm);
        }

      FlRigid backbone, frames[FL_N_RIGID_GROUPS];
      fl_rigid_from_quat (&backbone, &sm->quat[4 * i], &sm->trans[3 * i], scale);
      fl_residue_torsions_to_frames (aatype[i], &backbone, an, frames);
      float *rot = out->frames_rot + ((size_t) l * L + i) * 8 * 9;
      float *tr = out->frames_trans + ((size_t) l * L + i) * 8 * 3;
      for (int g = 0; g < FL_N_RIGID_GROUPS; g++)
        {
          for (int k = 0; k < 9; k++)
            rot[9 * g + k] = (float) frames[g].rot[k];
          for (int k = 0; k < 3; k++)
            tr[3 * g + k] = (float) frames[g].trans[k];
        }
      fl_residue_frames_to_atom14 (aatype[i], frames,
                                   out->atom_pos + ((size_t) l * L + i) * 14 * 3);
    }
}

gboolean
fl_structure_module_run (FlStructureModule *sm, const float *single, const float *pair,
                         const int32_t *aatype, const float *seq_mask,
                         FlStructureLayerFunc on_layer, gpointer user_data,
                         FlStructureOutputs *out, GError **error)
{
  FlBackend *b = sm->b;
  const int L = sm->L, n_layers = sm->cfg.sm_layers;
  for (int i = 0; i < L; i++)
    if (aatype[i] < 0 || aatype[i] > FL_RESTYPE_UNK)
      {
        g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                     "Residue %d has amino-acid type %d; expected 0 to %d.",
                     i + 1, aatype[i], FL_RESTYPE_UNK);
        return FALSE;
      }
  if (!outputs_alloc (out, n_layers, L))
    {
      fl_structure_outputs_clear (out);
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                   "Out of host memory for the structure-module outputs (L=%d).", L);
      return FALSE;
    }
  memcpy (sm->h_mask, seq_mask, sizeof (float) * L);
  fl_residue_atom_maps (aatype, L, sm->a14_exists, NULL, sm->a37_to_a14, sm->a37_exists);

  /* Point weights: sqrt(1 / (3 * 9/2 * n_points)) * softplus(trainable). */
  const float *tpw = fl_weights_host (sm->w, IPA "/trainable_point_weights");
  if (!tpw)
    goto fail;
  for (int h = 0; h < sm->H; h++)
    sm->h_point_w[h] = (float) (sqrt (1.0 / (3.0 * (sm->pqk * 9.0 / 2.0)))
                                * softplus (tpw[h]));

  /* single_layer_norm -> initial_act; initial_projection -> act. */
  FL_OP (b, layer_norm, single, W (sm, SM "single_layer_norm//scale"),
         W (sm, SM "single_layer_norm//offset"), sm->s_init, L, sm->c_s);
  relu_copy (sm, sm->s_init, sm->s_init_relu, (size_t) L * sm->c_s);
  linear_named (sm, SM, "initial_projection", 0, sm->s_init, sm->act, L, sm->c_s, sm->c, FALSE);
  ipa_prepare_pair (sm, pair, seq_mask);

  /* Identity backbone frames. */
  for (int i = 0; i < L; i++)
    {
      sm->quat[4 * i] = 1.0;
      sm->quat[4 * i + 1] = sm->quat[4 * i + 2] = sm->quat[4 * i + 3] = 0.0;
      sm->trans[3 * i] = sm->trans[3 * i + 1] = sm->trans[3 * i + 2] = 0.0;
    }
  if (!fl_backend_check (b, error))
    goto fail_set;

  for (int l = 0; l < n_layers; l++)
    {
      ipa_forward (sm);
      fold_iteration_rest (sm);
      if (!fl_backend_check (b, error))
        goto fail_set;
      layer_geometry (sm, aatype, l, out);

      const float *a14 = out->atom_pos + (size_t) l * L * 14 * 3;
      atom14_to_atom37 (sm, a14, sm->layer_atom37);
      if (on_layer && !on_layer (l, sm->act, out->traj + (size_t) l * L * 7, a14,
                                 sm->layer_atom37, sm->a37_exists, user_data))
        {
          g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_CANCELLED,
                       "The run was cancelled.");
          goto fail_set;
        }
    }

  const float *last = out->atom_pos + (size_t) (n_layers - 1) * L * 14 * 3;
  memcpy (out->final_atom14, last, sizeof (float) * L * 14 * 3);
  memcpy (out->final_atom14_mask, sm->a14_exists, sizeof (float) * L * 14);
  memcpy (out->final_atom37, sm->layer_atom37, sizeof (float) * L * 37 * 3);
  memcpy (out->final_atom37_mask, sm->a37_exists, sizeof (float) * L * 37);
  out->act = sm->act;
  return TRUE;

fail:
  fl_backend_check (b, error);
fail_set:
  fl_structure_outputs_clear (out);
  return FALSE;
}

const float *
fl_structure_module_peek_ipa_out (FlStructureModule *sm)
{
  return sm->ipa;
}
