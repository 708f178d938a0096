/* The module ops of fl-backend.h written in the op table: the
 * specification of each module, the implementation of the CPU reference
 * table, and the fast CPU table's and the CUDA backend's where they have no
 * fused version (fl-cpu-modules.c: gated_attention, transition). Also the scratch each
 * module op needs (the same on every backend: a fused version must fit
 * in what the composition takes). */
#pragma once
#include "fl-backend.h"

G_BEGIN_DECLS

/* Scratch floats of gated_attention for `chunk` items processed at once
 * (chunk = B runs everything in one go); probs: probs_mean requested. */
size_t fl_module_gated_attention_scratch (int64_t B, int64_t chunk, int64_t Lq,
                                          int64_t H, int64_t D, gboolean probs);
/* Scratch floats per item of gated_attention (q, k, v, gate, output). */
size_t fl_module_gated_attention_per_item (int64_t Lq, int64_t H, int64_t D);
/* Items gated_attention processes at once with scratch_n floats; 0 when
 * not even one fits. */
int64_t fl_module_gated_attention_chunk (size_t scratch_n, int64_t B, int64_t Lq,
                                         int64_t H, int64_t D, gboolean probs);

/* transition: per row of act, c + hidden floats. */
size_t fl_module_transition_per_row (int64_t c, int64_t hidden);
/* triangle_multiplication: all of it at once. */
size_t fl_module_triangle_multiplication_scratch (int64_t L, int64_t c_z, int64_t mc);

/* outer_product_mean with `rows` rows i per chunk (clamped to 1..L). */
size_t fl_module_outer_product_mean_scratch (int64_t S, int64_t L, int64_t c_m, int64_t oc,
                                             int64_t c_z, int64_t rows);
/* Scratch floats per row i of a chunk of outer_product_mean. */
size_t fl_module_outer_product_mean_per_row (int64_t S, int64_t L, int64_t oc, int64_t c_z);

void fl_module_gated_attention_composed (FlBackend *b, const FlAttentionWeights *w,
                                         const float *x, int64_t B, int64_t Lq, int64_t c,
                                         int64_t H, int64_t D, const float *key_mask,
                                         const float *bias, float *y, gboolean accumulate,
                                         float *probs_mean, float *scratch, size_t scratch_n);
void fl_module_transition_composed (FlBackend *b, const FlTransitionWeights *w, float *act,
                                    int64_t M, int64_t c, int64_t hidden,
                                    float *scratch, size_t scratch_n);
void fl_module_triangle_multiplication_composed (FlBackend *b, const FlTriangleMulWeights *w,
                                                 gboolean outgoing, float *pair,
                                                 const float *pair_mask, int64_t L,
                                                 int64_t c_z, int64_t mc,
                                                 float *scratch, size_t scratch_n);

void fl_module_outer_product_mean_composed (FlBackend *b, const FlOuterProductWeights *w,
                                            const float *msa, const float *msa_mask,
                                            const float *inv_norm, float *pair, int64_t S,
                                            int64_t L, int64_t c_m, int64_t oc, int64_t c_z,
                                            float *scratch, size_t scratch_n);

G_END_DECLS
