/* Internal interface of the trunk (fl-evoformer.c and its module files).
 *
 * Every module is written in the op table of fl-backend.h: pointers below are
 * backend memory and are only offset, never dereferenced. Temporaries come
 * from one scratch arena per FlEvoformer (a bump allocator): a module takes
 * what it needs and gives it back on return, so the arena is as large as the
 * hungriest module, and fl_trunk_*_scratch() count exactly what the modules
 * take (fl_evoformer_bytes_needed is the sum of activations and that maximum). */
#pragma once
#include <glib.h>
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-weights.h"
#include "fl-evoformer.h"

G_BEGIN_DECLS

/* ---- scratch arena ---- */
typedef struct {
  FlBackend *b;
  float *base;
  size_t used, cap;    /* floats */
} FlScratch;

/* n floats from the arena. Overflow is a programming error: it is recorded
 * as a backend error (so every later op is a no-op) and base is returned. */
float *fl_scratch_take (FlScratch *s, size_t n);
static inline size_t fl_scratch_mark (FlScratch *s) { return s->used; }
static inline void fl_scratch_release (FlScratch *s, size_t mark) { s->used = mark; }

/* ---- sizes of one stack (Evoformer or extra-MSA) ---- */
typedef struct {
  const char *prefix;     /* "evoformer/evoformer_iteration" | "evoformer/extra_msa_stack" */
  gboolean is_extra;      /* global column attention instead of column attention */
  int64_t S, L;           /* rows, residues */
  int c_m, c_z;           /* msa (or extra) channels, pair channels */
  int row_heads, row_dim; /* key/value width per head */
  int col_heads, col_dim;
  int msa_hidden;         /* msa transition hidden width */
  int opm_c;              /* outer product channels */
  int mul_out_c, mul_in_c;/* triangle multiplication intermediate widths */
  int start_heads, start_dim, end_heads, end_dim;
  int pair_hidden;
  size_t budget;          /* floats a chunked temporary may use */
} FlStackDims;

/* Sizes from the configuration (for fl_evoformer_bytes_needed) or read from
 * the parameter shapes (what fl_evoformer_new uses). */
void fl_stack_dims_from_config (FlStackDims *d, const FlModelConfig *cfg,
                                gboolean is_extra, int64_t S, int64_t L);
gboolean fl_stack_dims_from_params (FlStackDims *d, FlParams *params,
                                    const FlModelConfig *cfg, gboolean is_extra,
                                    int64_t S, int64_t L, GError **error);

/* Scratch floats of each module and of a whole block. */
size_t fl_trunk_block_scratch (const FlStackDims *d);

/* ---- context of one block ---- */
typedef struct {
  FlBackend *b;
  FlWeights *w;
  const FlStackDims *d;
  int block;
  FlScratch *scratch;
} FlTrunkCtx;

/* Weight `name` ("msa_transition/transition1//weights") of this block. */
const float *fl_trunk_weight (FlTrunkCtx *t, const char *name);

/* Rows processed at once when `per_row` floats of temporaries are needed per
 * row of `n_rows` and the budget is d->budget. */
int64_t fl_trunk_chunk_rows (const FlStackDims *d, int64_t n_rows, size_t per_row);

/* ---- modules (fl-msa-attention.c, fl-transition.c, fl-outer-product.c,
 *      fl-triangle.c); each adds its update to the activation in place ---- */

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

/* ---- the trunk object (fl-evoformer.c, fl-embed.c) ---- */
/* What a block recording was made with: replaying it is only right while
 * these are the same. */
typedef struct {
  gpointer handle;           /* from b->ops->record_end, NULL when none */
  const float *msa_mask, *extra_mask, *pair_mask;
  size_t budget;
} FlBlockRecording;

struct _FlEvoformer {
  FlBackend *b;
  FlWeights *w;
  FlModelConfig cfg;
  int L, n_clust, n_extra;
  FlStackDims main_dims, extra_dims;
  FlActivations act;
  float *inv_norm_msa;     /* (L, L) 1 / (1e-3 + sum_s msa_mask[s,i] msa_mask[s,j]) */
  float *inv_norm_extra;   /* (L, L) the same for the extra MSA */
  const FlDeviceInputs *norm_inputs;  /* inputs the norms were computed for */
  FlScratch scratch;
  /* Backend recordings of whole blocks ([0] Evoformer, [1] extra MSA), replayed
   * on later passes; each valid for the buffers in its key (fl-evoformer.c). */
  FlBlockRecording *recordings[2];
};

/* The modules of one block in AlphaFold's order; fl_trunk_run_block runs
 * steps first_step .. end_step-1 of them (tests compare each step with the
 * golden after_NN_<module> activations). */
#define FL_TRUNK_BLOCK_STEPS 9
gboolean fl_trunk_run_block (FlEvoformer *evo, gboolean is_extra, int block,
                             const FlDeviceInputs *in, FlAttentionCapture *capture,
                             int first_step, int end_step, GError **error);

/* Lower the chunk budget (floats) below the one the arena was sized for, so
 * that tests run the chunked paths on small inputs. */
void fl_evoformer_set_chunk_budget (FlEvoformer *evo, size_t floats);

/* Compute the outer-product normalisers for `in` (fl-evoformer.c). */
void fl_evoformer_prepare_norms (FlEvoformer *evo, const FlDeviceInputs *in);
size_t fl_trunk_embed_scratch (const FlModelConfig *cfg, int64_t L, int64_t n_clust);

G_END_DECLS
