/* Triangle modules of the trunk: TriangleMultiplication (outgoing /
 * incoming, channel-first batched GEMMs) and TriangleAttention (starting
 * node; ending node = the same on the transposed pair). */
#include "fl-trunk-modules.h"

/* ------------------------------------------------ triangle multiplication */

size_t
fl_trunk_triangle_multiplication_scratch (const FlStackDims *d)
{
  size_t LL = (size_t) d->L * d->L;
  int mc = MAX (d->mul_out_c, d->mul_in_c);
  /* xin also holds the right side (mc, L, L) once its projections are made */
  return LL * MAX (d->c_z, mc) + LL * d->c_z + 3 * LL * mc;
}

void
fl_trunk_triangle_multiplication (FlTrunkCtx *t, gboolean outgoing, float *pair,
                                  const float *pair_mask)
{
  /* pair (L,L,c_z), pair_mask (L,L).
   * outgoing: a[i,j,c] = sum_k left[i,k,c] right[j,k,c]
   * incoming: a[i,j,c] = sum_k left[k,j,c] right[k,i,c] */
  FlBackend *b = t->b;
  const FlStackDims *d = t->d;
  const int64_t L = d->L, LL = L * L;
  const int cz = d->c_z, mc = outgoing ? d->mul_out_c : d->mul_in_c;
  const char *m = outgoing ? "triangle_multiplication_outgoing"
                           : "triangle_multiplication_incoming";
#define W(name) (g_snprintf (key, sizeof key, "%s/%s", m, name), fl_trunk_weight (t, key))
  char key[256];

  size_t mark = fl_scratch_mark (t->scratch);
  /* xin: (L, L, c_z), later the right side (mc, L, L) */
  float *xin = fl_scratch_take (t->scratch, (size_t) LL * MAX (cz, mc));
  float *gate = fl_scratch_take (t->scratch, (size_t) LL * cz); /* (L, L, c_z) */
  float *pa = fl_scratch_take (t->scratch, (size_t) LL * mc);   /* (L, L, mc) */
  float *pb = fl_scratch_take (t->scratch, (size_t) LL * mc);
  float *pt = fl_scratch_take (t->scratch, (size_t) LL * mc);

  FL_OP (b, layer_norm, pair, W ("layer_norm_input//scale"), W ("layer_norm_input//offset"),
         xin, LL, cz);
  FL_OP (b, linear, xin, W ("gating_linear//weights"), W ("gating_linear//bias"),
         gate, LL, cz, cz, FALSE);
  /* left, right = mask * proj * sigmoid(gate) (mask is 0/1: order is exact),
   * each moved to (mc, L, L) in the same pass; the right side lands in xin,
   * free once its two projections are made. */
  FL_OP (b, linear, xin, W ("left_projection//weights"), W ("left_projection//bias"),
         pa, LL, cz, mc, FALSE);
  FL_OP (b, linear, xin, W ("left_gate//weights"), W ("left_gate//bias"), pb, LL, cz, mc, FALSE);
  FL_OP (b, gate_to_channel_first, pa, pb, pair_mask, pt, L, L, mc);
  FL_OP (b, linear, xin, W ("right_projection//weights"), W ("right_projection//bias"),
         pa, LL, cz, mc, FALSE);
  FL_OP (b, linear, xin, W ("right_gate//weights"), W ("right_gate//bias"), pb, LL, cz, mc, FALSE);
  FL_OP (b, gate_to_channel_first, pa, pb, pair_mask, xin, L, L, mc);
  const float *left = pt, *right = xin;
  float *prod = pa;
  if (outgoing)
    /* a_c (i,j) = left_c (i,k) @ right_c (j,k)^T */
    FL_OP (b, gemm_batched, FALSE, TRUE, L, L, L, 1.0f, left, L, LL, right, L, LL,
           0.0f, prod, L, LL, mc);
  else
    /* a_c (i,j) = right_c (k,i)^T @ left_c (k,j) */
    FL_OP (b, gemm_batched, TRUE, FALSE, L, L, L, 1.0f, right, L, LL, left, L, LL,
           0.0f, prod, L, LL, mc);
  FL_OP (b, from_channel_first, prod, pt, L, L, mc); /* pt = a (L, L, mc) */
  FL_OP (b, layer_norm, pt, W ("center_layer_norm//scale"), W ("center_layer_norm//offset"),
         pt, LL, mc);
  FL_OP (b, linear, pt, W ("output_projection//weights"), W ("output_projection//bias"),
         xin, LL, mc, cz, FALSE);
  FL_OP (b, add_sigmoid_mul, pair, xin, gate, (size_t) LL * cz);
  fl_scratch_release (t->scratch, mark);
#undef W
}

/* ----------------------------------------------------- triangle attention */

size_t
fl_trunk_triangle_attention_scratch (const FlStackDims *d, gboolean ending)
{
  size_t L = d->L, LL = L * L;
  int H = ending ? d->end_heads : d->start_heads;
  int D = ending ? d->end_dim : d->start_dim;
  size_t hd = (size_t) H * D;
  size_t base = LL * d->c_z + (ending ? LL : 0) + (size_t) H * LL;
  size_t bias_tmp = LL * H;
  size_t capture = 4 * L * hd + (size_t) H * LL;
  size_t attn = (ending ? LL * d->c_z : 0)
                + fl_trunk_gated_attention_scratch (d, L, L, H, D, FALSE);
  return base + MAX (bias_tmp, MAX (capture, attn));
}

void
fl_trunk_triangle_attention (FlTrunkCtx *t, gboolean ending, float *pair,
                             const float *pair_mask, int capture_residue, float *capture)
{
  /* pair (L,L,c_z), pair_mask (L,L), capture host (H,L,L) */
  FlBackend *b = t->b;
  const FlStackDims *d = t->d;
  const int64_t L = d->L, LL = L * L;
  const int cz = d->c_z;
  const int H = ending ? d->end_heads : d->start_heads;
  const int D = ending ? d->end_dim : d->start_dim;
  const int64_t hd = (int64_t) H * D;
  const char *m = ending ? "triangle_attention_ending_node" : "triangle_attention_starting_node";
  char key[256], scope[256];
#define W(name) (g_snprintf (key, sizeof key, "%s/%s", m, name), fl_trunk_weight (t, key))
  g_snprintf (scope, sizeof scope, "%s/attention", m);

  size_t mark = fl_scratch_mark (t->scratch);
  float *x = fl_scratch_take (t->scratch, (size_t) LL * cz);    /* (L, L, c_z) */
  const float *mask = pair_mask;                                /* (L, L) */
  if (ending)
    {
      float *mt = fl_scratch_take (t->scratch, (size_t) LL);
      FL_OP (b, swap01, pair, x, L, L, cz);
      FL_OP (b, swap01, pair_mask, mt, L, L, 1);
      FL_OP (b, layer_norm, x, W ("query_norm//scale"), W ("query_norm//offset"), x, LL, cz);
      mask = mt;
    }
  else
    FL_OP (b, layer_norm, pair, W ("query_norm//scale"), W ("query_norm//offset"), x, LL, cz);

  float *bias = fl_scratch_take (t->scratch, (size_t) H * LL);  /* (H, L, L) */
  {
    size_t m2 = fl_scratch_mark (t->scratch);
    float *bt = fl_scratch_take (t->scratch, (size_t) LL * H);  /* (L, L, H) */
    FL_OP (b, linear, x, W ("/feat_2d_weights"), NULL, bt, LL, cz, H, FALSE);
    FL_OP (b, to_channel_first, bt, bias, L, L, H);
    fl_scratch_release (t->scratch, m2);
  }

  if (capture && capture_residue >= 0 && capture_residue < L)
    {
      /* the attention of one batch row (starting: row r; ending: column r) */
      size_t m3 = fl_scratch_mark (t->scratch);
      float *q = fl_scratch_take (t->scratch, (size_t) L * hd);
      float *k = fl_scratch_take (t->scratch, (size_t) L * hd);
      float *v = fl_scratch_take (t->scratch, (size_t) L * hd);
      float *o = fl_scratch_take (t->scratch, (size_t) L * hd);
      float *p = fl_scratch_take (t->scratch, (size_t) H * LL);
      const float *xr = x + (int64_t) capture_residue * L * cz;
      char wk[256];
      g_snprintf (wk, sizeof wk, "%s//query_w", scope);
      FL_OP (b, linear, xr, fl_trunk_weight (t, wk), NULL, q, L, cz, hd, FALSE);
      g_snprintf (wk, sizeof wk, "%s//key_w", scope);
      FL_OP (b, linear, xr, fl_trunk_weight (t, wk), NULL, k, L, cz, hd, FALSE);
      g_snprintf (wk, sizeof wk, "%s//value_w", scope);
      FL_OP (b, linear, xr, fl_trunk_weight (t, wk), NULL, v, L, cz, hd, FALSE);
      FL_OP (b, attention, q, k, v, mask + (int64_t) capture_residue * L, bias, NULL, o,
             1, L, L, H, D, p);
      FL_OP (b, download, capture, p, (size_t) H * LL);
      fl_scratch_release (t->scratch, m3);
    }

  if (ending)
    {
      float *u = fl_scratch_take (t->scratch, (size_t) LL * cz);
      fl_trunk_gated_attention (t, scope, x, L, L, cz, H, D, mask, bias, u, FALSE, NULL);
      FL_OP (b, swap01, u, x, L, L, cz);
      FL_OP (b, add, pair, x, (size_t) LL * cz);
    }
  else
    fl_trunk_gated_attention (t, scope, x, L, L, cz, H, D, mask, bias, pair, TRUE, NULL);
  fl_scratch_release (t->scratch, mark);
#undef W
}
