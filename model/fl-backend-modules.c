/* Module ops composed from the op table (see fl-backend-modules.h). */
#include "fl-backend-modules.h"
#include "fl-error.h"

/* ------------------------------------------------------ gated attention */

size_t
fl_module_gated_attention_per_item (int64_t Lq, int64_t H, int64_t D)
{
  return (size_t) 5 * Lq * H * D;
}

size_t
fl_module_gated_attention_scratch (int64_t B, int64_t chunk, int64_t Lq, int64_t H,
                                   int64_t D, gboolean probs)
{
  chunk = CLAMP (chunk, 1, MAX (B, 1));
  /* a second (H,Lq,Lq) buffer for the chunk means when there is more than one chunk */
  return (size_t) chunk * fl_module_gated_attention_per_item (Lq, H, D)
         + (probs ? (size_t) H * Lq * Lq : 0);
}

int64_t
fl_module_gated_attention_chunk (size_t scratch_n, int64_t B, int64_t Lq, int64_t H,
                                 int64_t D, gboolean probs)
{
  size_t per = fl_module_gated_attention_per_item (Lq, H, D);
  if (per == 0)
    return MAX (B, 1);
  int64_t n = (int64_t) (scratch_n / per);
  if (probs && n < B)
    {
      size_t pt = (size_t) H * Lq * Lq;
      n = scratch_n >= pt ? (int64_t) ((scratch_n - pt) / per) : 0;
    }
  return MIN (n, B);
}

void
fl_module_gated_attention_composed (FlBackend *b, const FlAttentionWeights *w,
                                    const float *x, int64_t B, int64_t Lq, int64_t c,
                                    int64_t H, int64_t D, const float *key_mask,
                                    const float *bias, float *y, gboolean accumulate,
                                    float *probs_mean, float *scratch, size_t scratch_n)
{
  /* x (B,Lq,c), key_mask (B,Lq), bias (H,Lq,Lq), y (B,Lq,c), probs_mean (H,Lq,Lq) */
  if (b->error || B <= 0)
    return;
  const int64_t hd = H * D;
  int64_t chunk = fl_module_gated_attention_chunk (scratch_n, B, Lq, H, D, probs_mean != NULL);
  if (chunk < 1)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "gated attention: scratch of %zu floats holds no item of %zu",
                       scratch_n, fl_module_gated_attention_per_item (Lq, H, D));
      return;
    }
  const size_t n_io = (size_t) chunk * Lq * hd;
  float *q = scratch;                 /* (n, Lq, H, D) */
  float *k = q + n_io;
  float *v = k + n_io;
  float *g = v + n_io;
  float *o = g + n_io;
  float *probs_tmp = (probs_mean && chunk < B) ? o + n_io : NULL;   /* (H, Lq, Lq) */

  for (int64_t b0 = 0; b0 < B; b0 += chunk)
    {
      int64_t n = MIN (chunk, B - b0);
      int64_t rows = n * Lq;
      const float *xc = x + b0 * Lq * c;
      FL_OP (b, linear, xc, w->query_w, NULL, q, rows, c, hd, FALSE);
      FL_OP (b, linear, xc, w->key_w, NULL, k, rows, c, hd, FALSE);
      FL_OP (b, linear, xc, w->value_w, NULL, v, rows, c, hd, FALSE);
      FL_OP (b, linear, xc, w->gating_w, w->gating_b, g, rows, c, hd, FALSE);

      float *pm = NULL;
      if (probs_mean)
        pm = (b0 == 0 || !probs_tmp) ? probs_mean : probs_tmp;
      FL_OP (b, attention, q, k, v, key_mask ? key_mask + b0 * Lq : NULL, bias, g, o,
             n, Lq, Lq, H, D, pm);
      if (pm && n < B)
        {
          /* mean over all B = sum of the chunk means weighted by n / B */
          FL_OP (b, scale, pm, (float) n / (float) B, (size_t) H * Lq * Lq);
          if (pm != probs_mean)
            FL_OP (b, add, probs_mean, pm, (size_t) H * Lq * Lq);
        }
      FL_OP (b, linear, o, w->output_w, w->output_b, y + b0 * Lq * c, rows, hd, c, accumulate);
    }
}

/* ----------------------------------------------------------- transition */

size_t
fl_module_transition_per_row (int64_t c, int64_t hidden)
{
  return (size_t) c + hidden;
}

void
fl_module_transition_composed (FlBackend *b, const FlTransitionWeights *w, float *act,
                               int64_t M, int64_t c, int64_t hidden,
                               float *scratch, size_t scratch_n)
{
  /* act (M, c) */
  if (b->error || M <= 0)
    return;
  int64_t chunk = MIN ((int64_t) (scratch_n / fl_module_transition_per_row (c, hidden)), M);
  if (chunk < 1)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "transition: scratch of %zu floats holds no row of %zu",
                       scratch_n, fl_module_transition_per_row (c, hidden));
      return;
    }
  float *x = scratch;                       /* (n, c) */
  float *h = scratch + (size_t) chunk * c;  /* (n, hidden) */
  for (int64_t r0 = 0; r0 < M; r0 += chunk)
    {
      int64_t n = MIN (chunk, M - r0);
      FL_OP (b, layer_norm, act + r0 * c, w->norm_scale, w->norm_offset, x, n, c);
      FL_OP (b, linear_relu, x, w->w1, w->b1, h, n, c, hidden);
      FL_OP (b, linear, h, w->w2, w->b2, act + r0 * c, n, hidden, c, TRUE);
    }
}

/* ---------------------------------------------- triangle multiplication */

size_t
fl_module_triangle_multiplication_scratch (int64_t L, int64_t c_z, int64_t mc)
{
  size_t LL = (size_t) L * L;
  /* xin also holds the right side (mc, L, L) once its projections are made */
  return LL * MAX (c_z, mc) + LL * c_z + 3 * LL * mc;
}

void
fl_module_triangle_multiplication_composed (FlBackend *b, const FlTriangleMulWeights *w,
                                            gboolean outgoing, float *pair,
                                            const float *pair_mask, int64_t L,
                                            int64_t c_z, int64_t mc,
                                            float *scratch, size_t scratch_n)
{
  /* pair (L,L,c_z), pair_mask (L,L) */
  if (b->error || L <= 0)
    return;
  const int64_t LL = L * L;
  if (scratch_n < fl_module_triangle_multiplication_scratch (L, c_z, mc))
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "triangle multiplication: scratch of %zu floats, needs %zu", scratch_n,
                       fl_module_triangle_multiplication_scratch (L, c_z, mc));
      return;
    }
  float *xin = scratch;                                 /* (L,L,c_z), later (mc,L,L) */
  float *gate = xin + (size_t) LL * MAX (c_z, mc);      /* (L, L, c_z) */
  float *pa = gate + (size_t) LL * c_z;                 /* (L, L, mc) */
  float *pb = pa + (size_t) LL * mc;
  float *pt = pb + (size_t) LL * mc;

  FL_OP (b, layer_norm, pair, w->norm_in_scale, w->norm_in_offset, xin, LL, c_z);
  FL_OP (b, linear, xin, w->gating_w, w->gating_b, gate, LL, c_z, c_z, FALSE);
  /* left, right = mask * proj * sigmoid(gate) (mask is 0/1: order is exact),
   * each moved to (mc, L, L) in the same pass; the right side lands in xin,
   * free once its two projections are made. */
  FL_OP (b, linear, xin, w->left_w, w->left_b, pa, LL, c_z, mc, FALSE);
  FL_OP (b, linear, xin, w->left_gate_w, w->left_gate_b, pb, LL, c_z, mc, FALSE);
  FL_OP (b, gate_to_channel_first, pa, pb, pair_mask, pt, L, L, mc);
  FL_OP (b, linear, xin, w->right_w, w->right_b, pa, LL, c_z, mc, FALSE);
  FL_OP (b, linear, xin, w->right_gate_w, w->right_gate_b, pb, LL, c_z, mc, FALSE);
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
  FL_OP (b, from_channel_first, prod, pt, L, L, mc);   /* pt = a (L, L, mc) */
  FL_OP (b, layer_norm, pt, w->norm_center_scale, w->norm_center_offset, pt, LL, mc);
  FL_OP (b, linear, pt, w->output_w, w->output_b, xin, LL, mc, c_z, FALSE);
  FL_OP (b, add_sigmoid_mul, pair, xin, gate, (size_t) LL * c_z);
}
