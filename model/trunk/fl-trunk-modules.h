/* The modules of an Evoformer / extra-MSA block (fl-msa-attention.c,
 * fl-transition.c, fl-outer-product.c, fl-triangle.c), written in the op
 * table on the shared helpers of fl-trunk-common.h. Each adds its update to
 * the activation in place; fl_trunk_*_scratch() is what it takes from the
 * arena. */
#pragma once
#include "fl-trunk-common.h"

G_BEGIN_DECLS

/* AlphaFold's gated Attention with its output projection, over B
 * independent batch items, chunked over B:
 * y (B,Lq,c_out) (+)= Linear_out(sigmoid(x W_g + b_g) * attention(x)).
 * scope: "<module>/attention". x (B,Lq,c) already layer-normed; key_mask
 * (B,Lq) or NULL; bias (H,Lq,Lq) or NULL. probs_mean (H,Lq,Lq) backend, or
 * NULL: mean over the B items of the softmax weights. */
void fl_trunk_gated_attention (FlTrunkCtx *t, const char *scope, const float *x,
                               int64_t B, int64_t Lq, int c, int H, int D,
                               const float *key_mask, const float *bias,
                               float *y, gboolean accumulate, float *probs_mean);
size_t fl_trunk_gated_attention_scratch (const FlStackDims *d, int64_t B, int64_t Lq,
                                         int H, int D, gboolean probs);

/* Capture request of the MSA row attention (host buffers, may be NULL). */
typedef struct {
  int64_t n_rows_mean;  /* average over rows 0..n_rows_mean-1 */
  float *probs;         /* host (H, L, L) */
  float *pair_bias;     /* host (H, L, L) */
} FlRowAttentionCapture;

void fl_trunk_msa_row_attention (FlTrunkCtx *t, float *msa /* (S,L,c_m) */,
                                 const float *msa_mask /* (S,L) */,
                                 const float *pair /* (L,L,c_z) */,
                                 const FlRowAttentionCapture *capture);
size_t fl_trunk_msa_row_attention_scratch (const FlStackDims *d);

/* capture (host (H, S)) may be NULL: else the weights each row receives in
 * column capture_column, averaged over the first n_query_rows query rows. */
void fl_trunk_msa_column_attention (FlTrunkCtx *t, float *msa /* (S,L,c_m) */,
                                    const float *msa_mask /* (S,L) */,
                                    int capture_column, int64_t n_query_rows,
                                    float *capture);
size_t fl_trunk_msa_column_attention_scratch (const FlStackDims *d);

void fl_trunk_msa_column_global_attention (FlTrunkCtx *t, float *msa /* (S,L,c_m) */,
                                           const float *msa_mask /* (S,L) */);
size_t fl_trunk_msa_column_global_attention_scratch (const FlStackDims *d);

/* act (M,c) += Linear2(relu(Linear1(LayerNorm(act)))); module "msa_transition"
 * or "pair_transition". */
void fl_trunk_transition (FlTrunkCtx *t, const char *module, float *act,
                          int64_t M, int c, int hidden);
size_t fl_trunk_transition_scratch (const FlStackDims *d, int64_t M, int c, int hidden);

/* pair (L,L,c_z) += OuterProductMean(msa); inv_norm (L,L) = 1/(1e-3 + sum_s m_si m_sj). */
void fl_trunk_outer_product_mean (FlTrunkCtx *t, const float *msa /* (S,L,c_m) */,
                                  const float *msa_mask /* (S,L) */,
                                  const float *inv_norm /* (L,L) */,
                                  float *pair /* (L,L,c_z) */);
size_t fl_trunk_outer_product_mean_scratch (const FlStackDims *d);

void fl_trunk_triangle_multiplication (FlTrunkCtx *t, gboolean outgoing,
                                       float *pair /* (L,L,c_z) */,
                                       const float *pair_mask /* (L,L) */);
size_t fl_trunk_triangle_multiplication_scratch (const FlStackDims *d);

/* capture_residue >= 0: also the attention weights (H,L,L) of query row
 * capture_residue (starting node) / column (ending node) into host capture. */
void fl_trunk_triangle_attention (FlTrunkCtx *t, gboolean ending,
                                  float *pair /* (L,L,c_z) */,
                                  const float *pair_mask /* (L,L) */,
                                  int capture_residue, float *capture /* host (H,L,L) */);
size_t fl_trunk_triangle_attention_scratch (const FlStackDims *d, gboolean ending);

/* Scratch floats of a whole block: the largest of its modules (fl-trunk-memory.c). */
size_t fl_trunk_block_scratch (const FlStackDims *d);

G_END_DECLS
