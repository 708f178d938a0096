/* Triangle modules of the trunk: TriangleMultiplication (outgoing /
 * incoming: one module op of the backend) and TriangleAttention (starting
 * node; ending node = the same on the transposed pair). */
#include "fl-trunk-modules.h"
#include "fl-backend-modules.h"

/* ------------------------------------------------ triangle multiplication */

size_t
fl_trunk_triangle_multiplication_scratch (const FlStackDims *d)
{
  return fl_module_triangle_multiplication_scratch (d->L, d->c_z,
                                                    MAX (d->mul_out_c, d->mul_in_c));
}

void
fl_trunk_triangle_multiplication (FlTrunkCtx *t, gboolean outgoing, float *pair,
                                  const float *pair_mask)
{
  /* pair (L,L,c_z), pair_mask (L,L) */
  FlBackend *b = t->b;
  const FlStackDims *d = t->d;
  const char *m = outgoing ? "triangle_multiplication_outgoing"
                           : "triangle_multiplication_incoming";
  char key[256];
#define W(name) (g_snprintf (key, sizeof key, "%s/%s", m, name), fl_trunk_weight (t, key))
  const FlTriangleMulWeights w = {
    .norm_in_scale = W ("layer_norm_input//scale"),
    .norm_in_offset = W ("layer_norm_input//offset"),
    .left_w = W ("left_projection//weights"),
    .left_b = W ("left_projection//bias"),
    .left_gate_w = W ("left_gate//weights"),
    .left_gate_b = W ("left_gate//bias"),
    .right_w = W ("right_projection//weights"),
    .right_b = W ("right_projection//bias"),
    .right_gate_w = W ("right_gate//weights"),
    .right_gate_b = W ("right_gate//bias"),
    .norm_center_scale = W ("center_layer_norm//scale"),
    .norm_center_offset = W ("center_layer_norm//offset"),
    .output_w = W ("output_projection//weights"),
    .output_b = W ("output_projection//bias"),
    .gating_w = W ("gating_linear//weights"),
    .gating_b = W ("gating_linear//bias"),
  };
#undef W
  size_t n = fl_trunk_triangle_multiplication_scratch (d);
  size_t mark = fl_scratch_mark (t->scratch);
  float *scratch = fl_scratch_take (t->scratch, n);
  FL_OP (b, triangle_multiplication, &w, outgoing, pair, pair_mask, d->L, d->c_z,
         outgoing ? d->mul_out_c : d->mul_in_c, scratch, n);
  fl_scratch_release (t->scratch, mark);
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
