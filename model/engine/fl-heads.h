/* The output heads of AlphaFold2 (AlphaFoldIteration's "heads"): distogram,
 * masked MSA, experimentally resolved, predicted LDDT and predicted aligned
 * error. Inputs are backend buffers; outputs are new host arrays (g_free).
 * Each call allocates its own backend scratch and frees it before returning. */
#pragma once
#include <glib.h>
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-weights.h"

G_BEGIN_DECLS

/* Masked-MSA (BERT) logits (n_clust, L, masked_msa_outputs) = Linear(msa).
 * msa: backend (n_clust, L, c_m). */
float *fl_heads_masked_msa (FlWeights *w, const FlModelConfig *cfg,
                            const float *msa, int n_clust, int L, GError **error);

/* Experimentally-resolved logits (L, 37) = Linear(single).
 * single: backend (L, c_s), the Evoformer's single representation. */
float *fl_heads_experimentally_resolved (FlWeights *w, const FlModelConfig *cfg,
                                         const float *single, int L, GError **error);

/* Predicted-LDDT logits (L, plddt_bins): LayerNorm, act_0, relu, act_1, relu,
 * logits. act: backend (L, c_s), structure-module single activations (the
 * output of any layer: the readout of the last layer is the real pLDDT). */
float *fl_heads_plddt_logits (FlWeights *w, const FlModelConfig *cfg,
                              const float *act, int L, GError **error);

/* Pair confidence of one pass, computed where the pair lives. The distogram
 * logits (L, L, distogram_bins) = half[i,j] + half[j,i] with half =
 * Linear(pair), and the PAE logits (L, L, pae_bins) = Linear(pair) on models
 * with a PAE head, are made and reduced on the backend (softmax_expect); only
 * (L, L) summaries come to the host, the full logits only when asked. */
typedef struct {
  float *contacts, *expected;      /* (L, L): contact probability, expected distance (Å) */
  float *pae;                      /* (L, L) expected aligned error; NULL without a PAE head */
  float ptm, max_pae;              /* NAN without a PAE head */
  float *distogram_logits;         /* (L, L, distogram_bins), with_logits only */
  float *pae_logits, *pae_probs;   /* (L, L, pae_bins), with_logits and a PAE head only */
} FlPairConfidence;

gboolean fl_heads_pair_confidence (FlWeights *w, const FlModelConfig *cfg, const float *pair,
                                   int L, float contact_cutoff, gboolean with_logits,
                                   FlPairConfidence *out, GError **error);
void fl_pair_confidence_clear (FlPairConfidence *pc);

G_END_DECLS
