/* OuterProductMean of the trunk:
 * pair[i,j,:] += (sum_s sum_{c,e} l[s,i,c] r[s,j,e] W[c,e,:] + b) / (1e-3 + sum_s m_si m_sj)
 * with l, r = mask * Linear(LayerNorm(msa)).
 * Deep MSAs: the (i, c, j, e) outer products of a chunk of rows i are one
 * GEMM, reordered to (j, i, c, e) and projected by one linear; the chunk is
 * all rows unless the stack's budget is smaller.
 * Shallow MSAs (S <= c, single sequences above all): the right side is
 * projected first, R[j,s,c,:] = sum_e r[s,j,e] W[c,e,:], and then
 * pair[i,j,:] gets sum_{s,c} l[s,i,c] R[j,s,c,:] from one batched GEMM over
 * j: no L x L x c x c intermediate (268 MB at L = 256) is ever written. */
#include "fl-trunk-private.h"

static gboolean
shallow (const FlStackDims *d)
{
  return d->S <= d->opm_c;
}

/* Shallow path, the part that does not depend on the chunk of rows i. */
static size_t
shallow_fixed (const FlStackDims *d)
{
  size_t SL = (size_t) d->S * d->L;
  /* l and r transposed to (L, S, c); W as (e, c, c_z); R (L, S, c, c_z) */
  return 2 * SL * d->opm_c + (size_t) d->opm_c * d->opm_c * d->c_z + SL * d->opm_c * d->c_z;
}

/* The (n, L, c_z) update reuses the products' buffer when that is wide
 * enough (oc * oc >= c_z, as in every released model); narrower outer
 * products need a buffer of their own. */
static gboolean
update_reuses_products (const FlStackDims *d)
{
  return d->opm_c * d->opm_c >= d->c_z;
}

/* per row i of a chunk: the outer products X (oc, L, oc) and their
 * (L, oc, oc) transpose, then the projected (L, c_z) update (twice when it
 * cannot reuse the products' buffer) */
static size_t
opm_per_row (const FlStackDims *d)
{
  size_t update = (size_t) d->L * d->c_z;
  return 2 * (size_t) d->L * d->opm_c * d->opm_c + (update_reuses_products (d) ? 1 : 2) * update;
}

size_t
fl_trunk_outer_product_mean_scratch (const FlStackDims *d)
{
  size_t SL = (size_t) d->S * d->L;
  size_t lr = 2 * SL * d->opm_c;
  size_t proj = SL * d->c_m;
  size_t chunk = (size_t) fl_trunk_chunk_rows (d, d->L, opm_per_row (d)) * opm_per_row (d);
  if (shallow (d))
    chunk = shallow_fixed (d)
            + (size_t) fl_trunk_chunk_rows (d, d->L, (size_t) d->L * d->c_z) * d->L * d->c_z;
  return lr + MAX (proj, chunk);
}

void
fl_trunk_outer_product_mean (FlTrunkCtx *t, const float *msa, const float *msa_mask,
                             const float *inv_norm, float *pair)
{
  /* msa (S,L,c_m), msa_mask (S,L), inv_norm (L,L), pair (L,L,c_z) */
  FlBackend *b = t->b;
  const FlStackDims *d = t->d;
  const int64_t S = d->S, L = d->L;
  const int c = d->c_m, oc = d->opm_c, cz = d->c_z;
  const size_t SL = (size_t) S * L;
  const float *w_out = fl_trunk_weight (t, "outer_product_mean//output_w");   /* (oc, oc, c_z) */
  const float *b_out = fl_trunk_weight (t, "outer_product_mean//output_b");   /* (c_z) */

  size_t mark = fl_scratch_mark (t->scratch);
  float *left = fl_scratch_take (t->scratch, SL * oc);    /* (S, L, oc) */
  float *right = fl_scratch_take (t->scratch, SL * oc);   /* (S, L, oc) */
  {
    size_t m2 = fl_scratch_mark (t->scratch);
    float *x = fl_scratch_take (t->scratch, SL * c);      /* (S, L, c_m) */
    FL_OP (b, layer_norm, msa,
           fl_trunk_weight (t, "outer_product_mean/layer_norm_input//scale"),
           fl_trunk_weight (t, "outer_product_mean/layer_norm_input//offset"),
           x, (int64_t) SL, c);
    FL_OP (b, linear, x, fl_trunk_weight (t, "outer_product_mean/left_projection//weights"),
           fl_trunk_weight (t, "outer_product_mean/left_projection//bias"),
           left, (int64_t) SL, c, oc, FALSE);
    FL_OP (b, mul_rows, left, msa_mask, (int64_t) SL, oc);
    FL_OP (b, linear, x, fl_trunk_weight (t, "outer_product_mean/right_projection//weights"),
           fl_trunk_weight (t, "outer_product_mean/right_projection//bias"),
           right, (int64_t) SL, c, oc, FALSE);
    FL_OP (b, mul_rows, right, msa_mask, (int64_t) SL, oc);
    fl_scratch_release (t->scratch, m2);
  }

  if (shallow (d))
    {
      float *lt = fl_scratch_take (t->scratch, SL * oc);                  /* (L, S, oc) */
      float *rt = fl_scratch_take (t->scratch, SL * oc);                  /* (L, S, oc) */
      float *wt = fl_scratch_take (t->scratch, (size_t) oc * oc * cz);    /* (e, c, c_z) */
      float *R = fl_scratch_take (t->scratch, SL * oc * cz);              /* (L, S, c, c_z) */
      FL_OP (b, swap01, left, lt, S, L, oc);
      FL_OP (b, swap01, right, rt, S, L, oc);
      FL_OP (b, swap01, w_out, wt, oc, oc, cz);
      /* R[(j,s), (c,z)] = sum_e rt[(j,s), e] wt[e, (c,z)] */
      FL_OP (b, linear, rt, wt, NULL, R, (int64_t) SL, oc, (int64_t) oc * cz, FALSE);
      int64_t n_rows = fl_trunk_chunk_rows (d, L, (size_t) L * cz);
      float *y = fl_scratch_take (t->scratch, (size_t) n_rows * L * cz);  /* (n, L, c_z) */
      const int64_t K = S * oc;
      for (int64_t i0 = 0; i0 < L; i0 += n_rows)
        {
          int64_t n = MIN (n_rows, L - i0);
          /* for every j: y[:, j, :] (n, c_z) = lt[i0:i0+n] (n, S*oc) @ R[j] (S*oc, c_z) */
          FL_OP (b, gemm_batched, FALSE, FALSE, n, cz, K, 1.0f,
                 lt + i0 * K, K, 0,
                 R, cz, K * cz, 0.0f,
                 y, (int64_t) L * cz, cz, L);
          FL_OP (b, add_row_vector, y, b_out, n * L, cz);
          FL_OP (b, mul_rows, y, inv_norm + i0 * L, n * L, cz);
          FL_OP (b, add, pair + i0 * L * cz, y, (size_t) n * L * cz);
        }
      fl_scratch_release (t->scratch, mark);
      return;
    }

  int64_t chunk = fl_trunk_chunk_rows (d, L, opm_per_row (d));
  const int64_t oc2 = (int64_t) oc * oc;
  float *xo = fl_scratch_take (t->scratch, (size_t) chunk * L * oc2);  /* (n, oc, L, oc) */
  float *xt = fl_scratch_take (t->scratch, (size_t) chunk * L * oc2);  /* (L, n, oc, oc) */
  float *yt = fl_scratch_take (t->scratch, (size_t) chunk * L * cz);   /* (L, n, c_z) */
  float *y = update_reuses_products (d)                /* (n, L, c_z) */
    ? xo : fl_scratch_take (t->scratch, (size_t) chunk * L * cz);
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
      FL_OP (b, linear, xt, w_out, b_out, yt, L * n, oc2, cz, FALSE);
      FL_OP (b, swap01, yt, y, L, n, cz);                /* (n, L, c_z) */
      FL_OP (b, mul_rows, y, inv_norm + i0 * L, n * L, cz);
      FL_OP (b, add, pair + i0 * L * cz, y, (size_t) n * L * cz);
    }
  fl_scratch_release (t->scratch, mark);
}
