/* Confidence metrics from head logits, on the host (AlphaFold's
 * alphafold/common/confidence.py semantics), plus distogram summaries and
 * ColabFold's recycle tolerance. Pure functions of host arrays. */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* pLDDT (L) in 0..100 from logits (L, bins): expectation over bin centres
 * (k + 0.5) / bins. Returns the mean over residues. */
float fl_confidence_plddt (const float *logits, int L, int bins, float *plddt);

/* Bin edges of the PAE head: bins - 1 values linspace(0, max_error_bin). */
void fl_confidence_pae_breaks (int bins, float max_error_bin, float *breaks);

/* Expected aligned error (L, L) from logits (L, L, bins), optionally the
 * softmax probabilities (L, L, bins) (probs may be NULL). Returns the
 * largest possible error (the last bin centre). */
float fl_confidence_pae (const float *logits, int L, int bins, float max_error_bin,
                         float *pae, float *probs);

/* Predicted TM-score (AlphaFold's predicted_tm_score, asym_id None):
 * residue_weights (L) or NULL for all ones. */
float fl_confidence_ptm (const float *logits, int L, int bins, float max_error_bin,
                         const float *residue_weights);

/* Distogram bin edges: bins - 1 values linspace(first_break, last_break). */
void fl_confidence_distogram_breaks (int bins, float first_break, float last_break,
                                     float *breaks);

/* From distogram logits (L, L, bins): contact probability (L, L) =
 * sum of the probabilities of the bins whose lower edge is below cutoff
 * (first bin's lower edge is 0; ColabFold's definition), and the expected
 * distance (L, L) over bin centres (edge midpoints; the two open bins are
 * centred half a bin outside the first and last edges). Either output may be NULL. */
void fl_confidence_distogram_summary (const float *logits, int L, int bins,
                                      float first_break, float last_break, float cutoff,
                                      float *contact_probs, float *expected_distance);

/* Per-bin tables (bins, 2) for the backend's softmax_expect op, so that
 * the L*L expectations run where the logits are:
 * PAE head: column 0 the bin centres (Å), column 1 the TM-score term of each
 * centre for a chain of num_res residues (AlphaFold's d0, num_res clipped at 19).
 * Distogram head: column 0 is 1 where the bin's lower edge is below cutoff
 * (contact), column 1 the bin centre (as fl_confidence_distogram_summary). */
void fl_confidence_pae_table (int bins, float max_error_bin, int num_res, float *table);
void fl_confidence_distogram_table (int bins, float first_break, float last_break,
                                    float cutoff, float *table);

/* pTM from the expected TM terms of every pair (i, j): terms[(i*L + j) * stride];
 * residue_weights (L) or NULL for all ones (as fl_confidence_ptm). */
float fl_confidence_ptm_from_terms (const float *terms, size_t stride, int L,
                                    const float *residue_weights);

/* ColabFold's recycle tolerance: RMS over residue pairs (masked by
 * seq_mask[i] * seq_mask[j], NULL = all) of the change of CA-CA distances
 * between two atom37 position sets (L, 37, 3). */
float fl_confidence_recycle_tolerance (const float *prev_atom37, const float *atom37,
                                       const float *seq_mask, int L);

G_END_DECLS
