/* MSA attention modules of the trunk: AlphaFold's gated Attention core,
 * MSARowAttentionWithPairBias, MSAColumnAttention and (extra-MSA stack)
 * MSAColumnGlobalAttention, written in the op table only. */
#include "fl-trunk-modules.h"
#include "fl-backend-modules.h"
#include <math.h>

static const float *
scoped (FlTrunkCtx *t, const char *scope, const char *name)
{
  char key[256];
  g_snprintf (key, sizeof key, "%s//%s", scope, name);
  return fl_trunk_weight (t, key);
}

/* ------------------------------------------------------ gated attention */

static int64_t
attention_chunk (const FlStackDims *d, int64_t B, int64_t Lq, int H, int D)
{
  return fl_trunk_chunk_rows (d, B, fl_module_gated_attention_per_item (Lq, H, D));
}

size_t
fl_trunk_gated_attention_scratch (const FlStackDims *d, int64_t B, int64_t Lq,
                                  int H, int D, gboolean probs)
{
  return fl_module_gated_attention_scratch (B, attention_chunk (d, B, Lq, H, D), Lq, H, D,
                                            probs);
}

void
fl_trunk_gated_attention (FlTrunkCtx *t, const char *scope, const float *x,
                          int64_t B, int64_t Lq, int c, int H, int D,
                          const float *key_mask, const float *bias,
                          float *y, gboolean accumulate, float *probs_mean)
{
  /* x (B,Lq,c), key_mask (B,Lq), bias (H,Lq,Lq), y (B,Lq,c), probs_mean (H,Lq,Lq) */
  FlBackend *b = t->b;
  const FlAttentionWeights w = {
    .query_w = scoped (t, scope, "query_w"),     /* (c, H, D) */
    .key_w = scoped (t, scope, "key_w"),         /* (c, H, D) */
    .value_w = scoped (t, scope, "value_w"),     /* (c, H, D) */
    .gating_w = scoped (t, scope, "gating_w"),   /* (c, H, D) */
    .gating_b = scoped (t, scope, "gating_b"),   /* (H, D) */
    .output_w = scoped (t, scope, "output_w"),   /* (H, D, c) */
    .output_b = scoped (t, scope, "output_b"),   /* (c) */
  };
  if (b->error || B <= 0)
    return;
  size_t n = fl_trunk_gated_attention_scratch (t->d, B, Lq, H, D, probs_mean != NULL);
  size_t mark = fl_scratch_mark (t->scratch);
  float *scratch = fl_scratch_take (t->scratch, n);
  FL_OP (b, gated_attention, &w, x, B, Lq, c, H, D, key_mask, bias, y, accumulate,
         probs_mean, scratch, n);
  fl_scratch_release (t->scratch, mark);
}

/* ------------------------------------------- row attention with pair bias */

size_t
fl_trunk_msa_row_attention_scratch (const FlStackDims *d)
{
  size_t LL = (size_t) d->L * d->L;
  size_t bias = (size_t) d->row_heads * LL;
  size_t prep = LL * d->c_z + LL * d->row_heads;
  size_t attn = (size_t) d->S * d->L * d->c_m + (size_t) d->row_heads * LL
                + fl_trunk_gated_attention_scratch (d, d->S, d->L, d->row_heads,
                                                    d->row_dim, TRUE);
  return bias + MAX (prep, attn);
}

void
fl_trunk_msa_row_attention (FlTrunkCtx *t, float *msa, const float *msa_mask,
                            const float *pair, const FlRowAttentionCapture *capture)
{
  /* msa (S,L,c_m), msa_mask (S,L), pair (L,L,c_z) */
  FlBackend *b = t->b;
  const FlStackDims *d = t->d;
  const int64_t S = d->S, L = d->L;
  const int c = d->c_m, cz = d->c_z, H = d->row_heads, D = d->row_dim;
  const size_t LL = (size_t) L * L;

  size_t mark = fl_scratch_mark (t->scratch);
  float *bias = fl_scratch_take (t->scratch, (size_t) H * LL);          /* (H, L, L) */
  {
    size_t m2 = fl_scratch_mark (t->scratch);
    float *pln = fl_scratch_take (t->scratch, LL * cz);                 /* (L, L, c_z) */
    float *bt = fl_scratch_take (t->scratch, LL * H);                   /* (L, L, H) */
    FL_OP (b, layer_norm, pair,
           fl_trunk_weight (t, "msa_row_attention_with_pair_bias/feat_2d_norm//scale"),
           fl_trunk_weight (t, "msa_row_attention_with_pair_bias/feat_2d_norm//offset"),
           pln, (int64_t) LL, cz);
    FL_OP (b, linear, pln,
           fl_trunk_weight (t, "msa_row_attention_with_pair_bias//feat_2d_weights"),
           NULL, bt, (int64_t) LL, cz, H, FALSE);
    FL_OP (b, to_channel_first, bt, bias, L, L, H);
    fl_scratch_release (t->scratch, m2);
  }
  float *x = fl_scratch_take (t->scratch, (size_t) S * L * c);          /* (S, L, c_m) */
  FL_OP (b, layer_norm, msa,
         fl_trunk_weight (t, "msa_row_attention_with_pair_bias/query_norm//scale"),
         fl_trunk_weight (t, "msa_row_attention_with_pair_bias/query_norm//offset"),
         x, S * L, c);

  if (capture && capture->pair_bias)
    FL_OP (b, download, capture->pair_bias, bias, (size_t) H * LL);

  const char *scope = "msa_row_attention_with_pair_bias/attention";
  int64_t n_mean = capture && capture->probs ? CLAMP (capture->n_rows_mean, 0, S) : 0;
  if (n_mean > 0)
    {
      float *probs = fl_scratch_take (t->scratch, (size_t) H * LL);
      fl_trunk_gated_attention (t, scope, x, n_mean, L, c, H, D, msa_mask, bias,
                                msa, TRUE, probs);
      FL_OP (b, download, capture->probs, probs, (size_t) H * LL);
    }
  if (n_mean < S)
    fl_trunk_gated_attention (t, scope, x + n_mean * L * c, S - n_mean, L, c, H, D,
                              msa_mask + n_mean * L, bias, msa + n_mean * L * c,
                              TRUE, NULL);
  fl_scratch_release (t->scratch, mark);
}

/* ------------------------------------------------------- column attention */

size_t
fl_trunk_msa_column_attention_scratch (const FlStackDims *d)
{
  size_t SL = (size_t) d->S * d->L;
  size_t S = d->S;
  /* The capture re-runs one column (B = 1) with its weights kept. */
  size_t capture = S * d->c_m + (size_t) d->col_heads * S * S
                   + fl_trunk_gated_attention_scratch (d, 1, d->S, d->col_heads, d->col_dim, TRUE);
  return 2 * SL * d->c_m + SL
         + MAX (fl_trunk_gated_attention_scratch (d, d->L, d->S, d->col_heads, d->col_dim, FALSE),
                capture);
}

/* Both column attentions work on the transposed MSA: xt = LayerNorm of the
 * MSA as (L, S, c_m) with its mask mt (L, S), and a (L, S, c_m) buffer u for
 * the update, all from the scratch arena (released by the caller). */
static void
column_prologue (FlTrunkCtx *t, const char *module, const float *msa, const float *msa_mask,
                 float **xt, float **mt, float **u)
{
  FlBackend *b = t->b;
  const int64_t S = t->d->S, L = t->d->L;
  const int c = t->d->c_m;
  const size_t SL = (size_t) S * L;
  char ks[256], ko[256];
  g_snprintf (ks, sizeof ks, "%s/query_norm//scale", module);
  g_snprintf (ko, sizeof ko, "%s/query_norm//offset", module);
  *xt = fl_scratch_take (t->scratch, SL * c);
  *mt = fl_scratch_take (t->scratch, SL);
  *u = fl_scratch_take (t->scratch, SL * c);
  FL_OP (b, swap01, msa, *xt, S, L, c);
  FL_OP (b, layer_norm, *xt, fl_trunk_weight (t, ks), fl_trunk_weight (t, ko), *xt,
         (int64_t) SL, c);
  FL_OP (b, swap01, msa_mask, *mt, S, L, 1);
}

/* msa += u (L, S, c_m) moved back to (S, L, c_m), through xt. */
static void
column_epilogue (FlTrunkCtx *t, float *msa, const float *u, float *xt)
{
  const int64_t S = t->d->S, L = t->d->L;
  const int c = t->d->c_m;
  FL_OP (t->b, swap01, u, xt, L, S, c);
  FL_OP (t->b, add, msa, xt, (size_t) S * L * c);
}

void
fl_trunk_msa_column_attention (FlTrunkCtx *t, float *msa, const float *msa_mask,
                               int capture_column, int64_t n_query_rows, float *capture)
{
  /* msa (S,L,c_m), msa_mask (S,L); attention along S within each column. */
  FlBackend *b = t->b;
  const FlStackDims *d = t->d;
  const int64_t S = d->S, L = d->L;
  const int c = d->c_m;

  size_t mark = fl_scratch_mark (t->scratch);
  float *xt, *mt, *u;                                   /* (L, S, c_m), (L, S), (L, S, c_m) */
  column_prologue (t, "msa_column_attention", msa, msa_mask, &xt, &mt, &u);
  if (capture && capture_column >= 0 && capture_column < L)
    {
      /* Column `capture_column` alone (B = 1): its softmax weights (H, S, S),
       * then on the host the mean over query rows -> weight per MSA row. */
      const int H = d->col_heads;
      size_t m2 = fl_scratch_mark (t->scratch);
      float *probs = fl_scratch_take (t->scratch, (size_t) H * S * S);  /* (H, S, S) */
      float *discard = fl_scratch_take (t->scratch, (size_t) S * c);    /* (1, S, c_m) */
      fl_trunk_gated_attention (t, "msa_column_attention/attention",
                                xt + (size_t) capture_column * S * c, 1, S, c, H,
                                d->col_dim, mt + (size_t) capture_column * S, NULL,
                                discard, FALSE, probs);
      g_autofree float *host = g_try_new (float, (size_t) H * S * S);
      if (host)
        {
          FL_OP (b, download, host, probs, (size_t) H * S * S);
          int64_t nq = CLAMP (n_query_rows, 1, S);
          for (int h = 0; h < H; h++)
            for (int64_t k = 0; k < S; k++)
              {
                double sum = 0;
                for (int64_t q = 0; q < nq; q++)
                  sum += host[((size_t) h * S + q) * S + k];
                capture[(size_t) h * S + k] = (float) (sum / nq);
              }
        }
      fl_scratch_release (t->scratch, m2);
    }
  fl_trunk_gated_attention (t, "msa_column_attention/attention", xt, L, S, c,
                            d->col_heads, d->col_dim, mt, NULL, u, FALSE, NULL);
  column_epilogue (t, msa, u, xt);
  fl_scratch_release (t->scratch, mark);
}

/* ------------------------------------------------ global column attention */

static size_t
global_per_column (const FlStackDims *d)
{
  size_t S = d->S, c = d->c_m, hd = (size_t) d->col_heads * d->col_dim, D = d->col_dim;
  /* q_avg, q, o; k, v; gate, broadcast output */
  return c + 2 * hd + 2 * S * D + 2 * S * hd;
}

size_t
fl_trunk_msa_column_global_attention_scratch (const FlStackDims *d)
{
  size_t SL = (size_t) d->S * d->L;
  int64_t n = fl_trunk_chunk_rows (d, d->L, global_per_column (d));
  return 2 * SL * d->c_m + SL + (size_t) n * global_per_column (d);
}

void
fl_trunk_msa_column_global_attention (FlTrunkCtx *t, float *msa, const float *msa_mask)
{
  /* msa (S,L,c_m), msa_mask (S,L): AlphaFold's GlobalAttention per column,
   * the query being the masked mean over the column's rows. */
  FlBackend *b = t->b;
  const FlStackDims *d = t->d;
  const int64_t S = d->S, L = d->L;
  const int c = d->c_m, H = d->col_heads, D = d->col_dim;
  const int64_t hd = (int64_t) H * D;
  const char *sc = "msa_column_global_attention/attention";
  const float *wq = scoped (t, sc, "query_w");    /* (c, H, D) */
  const float *wk = scoped (t, sc, "key_w");      /* (c, D) */
  const float *wv = scoped (t, sc, "value_w");    /* (c, D) */
  const float *wg = scoped (t, sc, "gating_w");   /* (c, H, D) */
  const float *bg = scoped (t, sc, "gating_b");   /* (H, D) */
  const float *wo = scoped (t, sc, "output_w");   /* (H, D, c) */
  const float *bo = scoped (t, sc, "output_b");   /* (c) */

  size_t mark = fl_scratch_mark (t->scratch);
  float *xt, *mt, *u;                                   /* (L, S, c), (L, S), (L, S, c) */
  column_prologue (t, "msa_column_global_attention", msa, msa_mask, &xt, &mt, &u);

  int64_t chunk = fl_trunk_chunk_rows (d, L, global_per_column (d));
  float *qa = fl_scratch_take (t->scratch, (size_t) chunk * c);        /* (n, c) */
  float *q = fl_scratch_take (t->scratch, (size_t) chunk * hd);        /* (n, H, D) */
  float *o = fl_scratch_take (t->scratch, (size_t) chunk * hd);        /* (n, H, D) */
  float *k = fl_scratch_take (t->scratch, (size_t) chunk * S * D);     /* (n, S, D) */
  float *v = fl_scratch_take (t->scratch, (size_t) chunk * S * D);     /* (n, S, D) */
  float *g = fl_scratch_take (t->scratch, (size_t) chunk * S * hd);    /* (n, S, H, D) */
  float *go = fl_scratch_take (t->scratch, (size_t) chunk * S * hd);   /* (n, S, H, D) */
  const float qscale = 1.0f / sqrtf ((float) D);

  for (int64_t n0 = 0; n0 < L; n0 += chunk)
    {
      int64_t n = MIN (chunk, L - n0);
      const float *xc = xt + n0 * S * c;
      const float *mc = mt + n0 * S;
      FL_OP (b, masked_mean, xc, mc, qa, n, S, c, 1e-10f);
      FL_OP (b, linear, qa, wq, NULL, q, n, c, hd, FALSE);
      FL_OP (b, scale, q, qscale, (size_t) n * hd);
      FL_OP (b, linear, xc, wk, NULL, k, n * S, c, D, FALSE);
      FL_OP (b, linear, xc, wv, NULL, v, n * S, c, D, FALSE);
      FL_OP (b, global_attention, q, k, v, mc, o, n, S, H, D);
      FL_OP (b, linear, xc, wg, bg, g, n * S, c, hd, FALSE);
      /* go[n,s,:] = o[n,:] * sigmoid(g[n,s,:]) */
      FL_OP (b, fill, go, 1.0f, (size_t) n * S * hd);
      FL_OP (b, mul_broadcast_rows, go, o, n, S, hd);
      FL_OP (b, sigmoid_mul, go, g, (size_t) n * S * hd);
      FL_OP (b, linear, go, wo, bo, u + n0 * S * c, n * S, hd, c, FALSE);
    }
  column_epilogue (t, msa, u, xt);
  fl_scratch_release (t->scratch, mark);
}
