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

/* -------------------------------------------------- outer product mean
 * Deep MSAs: the (i, c, j, e) outer products of a chunk of rows i are one
 * GEMM, reordered to (j, i, c, e) and projected by one linear.
 * Shallow MSAs (S <= oc, single sequences above all): the right side is
 * projected first, R[j,s,c,:] = sum_e r[s,j,e] W[c,e,:], and then
 * pair[i,j,:] gets sum_{s,c} l[s,i,c] R[j,s,c,:] from one batched GEMM over
 * j: no L x L x oc x oc intermediate (268 MB at L = 256) is ever written. */

static gboolean
opm_shallow (int64_t S, int64_t oc)
{
  return S <= oc;
}

/* Shallow path, the part that does not depend on the chunk of rows i:
 * l and r transposed to (L, S, oc); W as (e, c, c_z); R (L, S, c, c_z). */
static size_t
opm_shallow_fixed (int64_t S, int64_t L, int64_t oc, int64_t c_z)
{
  size_t SL = (size_t) S * L;
  return 2 * SL * oc + (size_t) oc * oc * c_z + SL * oc * c_z;
}

/* The deep path's (n, L, c_z) update reuses the products' buffer when that
 * is wide enough (oc * oc >= c_z, as in every released model); narrower
 * outer products need a buffer of their own (found by tools/difftest.py). */
static gboolean
opm_update_reuses_products (int64_t oc, int64_t c_z)
{
  return oc * oc >= c_z;
}

size_t
fl_module_outer_product_mean_per_row (int64_t S, int64_t L, int64_t oc, int64_t c_z)
{
  if (opm_shallow (S, oc))
    return (size_t) L * c_z;                       /* the (L, c_z) update of row i */
  /* the outer products X (oc, L, oc), their (L, oc, oc) transpose, the
   * transposed update, and the update itself when it cannot reuse X */
  return 2 * (size_t) L * oc * oc
         + (opm_update_reuses_products (oc, c_z) ? 1 : 2) * (size_t) L * c_z;
}

size_t
fl_module_outer_product_mean_scratch (int64_t S, int64_t L, int64_t c_m, int64_t oc,
                                      int64_t c_z, int64_t rows)
{
  size_t SL = (size_t) S * L;
  size_t lr = 2 * SL * oc;                         /* left, right (S, L, oc) */
  size_t proj = SL * c_m;                          /* LayerNorm(msa), before the projections */
  size_t chunk = (size_t) CLAMP (rows, 1, MAX (L, 1)) * fl_module_outer_product_mean_per_row (S, L, oc, c_z);
  if (opm_shallow (S, oc))
    chunk += opm_shallow_fixed (S, L, oc, c_z);
  return lr + MAX (proj, chunk);
}

void
fl_module_outer_product_mean_composed (FlBackend *b, const FlOuterProductWeights *w,
                                       const float *msa, const float *msa_mask,
                                       const float *inv_norm, float *pair, int64_t S,
                                       int64_t L, int64_t c_m, int64_t oc, int64_t c_z,
                                       float *scratch, size_t scratch_n)
{
  /* msa (S,L,c_m), msa_mask (S,L), inv_norm (L,L), pair (L,L,c_z) */
  if (b->error || L <= 0 || S <= 0)
    return;
  const size_t SL = (size_t) S * L;
  const size_t lr = 2 * SL * oc;
  const gboolean shallow = opm_shallow (S, oc);
  const size_t fixed = shallow ? opm_shallow_fixed (S, L, oc, c_z) : 0;
  const size_t per_row = fl_module_outer_product_mean_per_row (S, L, oc, c_z);
  int64_t chunk = scratch_n >= lr + fixed ? (int64_t) ((scratch_n - lr - fixed) / per_row) : 0;
  chunk = MIN (chunk, L);
  if (chunk < 1 || scratch_n < lr + SL * c_m)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "outer product mean: scratch of %zu floats, needs %zu", scratch_n,
                       fl_module_outer_product_mean_scratch (S, L, c_m, oc, c_z, 1));
      return;
    }

  float *left = scratch;                            /* (S, L, oc) */
  float *right = left + SL * oc;                    /* (S, L, oc) */
  float *rest = right + SL * oc;
  {
    float *x = rest;                                /* (S, L, c_m) */
    FL_OP (b, layer_norm, msa, w->norm_scale, w->norm_offset, x, (int64_t) SL, c_m);
    FL_OP (b, linear, x, w->left_w, w->left_b, left, (int64_t) SL, c_m, oc, FALSE);
    FL_OP (b, mul_rows, left, msa_mask, (int64_t) SL, oc);
    FL_OP (b, linear, x, w->right_w, w->right_b, right, (int64_t) SL, c_m, oc, FALSE);
    FL_OP (b, mul_rows, right, msa_mask, (int64_t) SL, oc);
  }

  if (shallow)
    {
      float *lt = rest;                                     /* (L, S, oc) */
      float *rt = lt + SL * oc;                             /* (L, S, oc) */
      float *wt = rt + SL * oc;                             /* (e, c, c_z) */
      float *R = wt + (size_t) oc * oc * c_z;               /* (L, S, c, c_z) */
      float *y = R + SL * oc * c_z;                         /* (n, L, c_z) */
      FL_OP (b, swap01, left, lt, S, L, oc);
      FL_OP (b, swap01, right, rt, S, L, oc);
      FL_OP (b, swap01, w->output_w, wt, oc, oc, c_z);
      /* R[(j,s), (c,z)] = sum_e rt[(j,s), e] wt[e, (c,z)] */
      FL_OP (b, linear, rt, wt, NULL, R, (int64_t) SL, oc, oc * c_z, FALSE);
      const int64_t K = S * oc;
      for (int64_t i0 = 0; i0 < L; i0 += chunk)
        {
          int64_t n = MIN (chunk, L - i0);
          /* for every j: y[:, j, :] (n, c_z) = lt[i0:i0+n] (n, S*oc) @ R[j] (S*oc, c_z) */
          FL_OP (b, gemm_batched, FALSE, FALSE, n, c_z, K, 1.0f,
                 lt + i0 * K, K, 0,
                 R, c_z, K * c_z, 0.0f,
                 y, L * c_z, c_z, L);
          FL_OP (b, add_row_vector, y, w->output_b, n * L, c_z);
          FL_OP (b, mul_rows, y, inv_norm + i0 * L, n * L, c_z);
          FL_OP (b, add, pair + i0 * L * c_z, y, (size_t) n * L * c_z);
        }
      return;
    }

  const int64_t oc2 = oc * oc;
  float *xo = rest;                                     /* (n, oc, L, oc) */
  float *xt = xo + (size_t) chunk * L * oc2;            /* (L, n, oc, oc) */
  float *yt = xt + (size_t) chunk * L * oc2;            /* (L, n, c_z) */
  float *y = opm_update_reuses_products (oc, c_z)      /* (n, L, c_z) */
    ? xo : yt + (size_t) chunk * L * c_z;
  for (int64_t i0 = 0; i0 < L; i0 += chunk)
    {
      int64_t n = MIN (chunk, L - i0);
      /* X ((i,c1), (j,c2)) = sum_s left[s,(i,c1)] right[s,(j,c2)]: ONE GEMM,
       * left[:, i0:i0+n, :] (S, n*oc) transposed, right (S, L*oc) */
      FL_OP (b, gemm_batched, TRUE, FALSE, n * oc, L * oc, S, 1.0f,
             left + i0 * oc, L * oc, 0,
             right, L * oc, 0, 0.0f,
             xo, L * oc, 0, 1);
      /* (n*oc, L, oc) -> (L, n*oc, oc) = rows (j, i) of oc*oc products */
      FL_OP (b, swap01, xo, xt, n * oc, L, oc);
      /* (L*n, oc*oc) @ W (oc*oc, c_z) + b */
      FL_OP (b, linear, xt, w->output_w, w->output_b, yt, L * n, oc2, c_z, FALSE);
      FL_OP (b, swap01, yt, y, L, n, c_z);                 /* (n, L, c_z) */
      FL_OP (b, mul_rows, y, inv_norm + i0 * L, n * L, c_z);
      FL_OP (b, add, pair + i0 * L * c_z, y, (size_t) n * L * c_z);
    }
}
