/* Accuracy of a model against a reference (experimental) structure.
 *
 * Residues are paired by a global alignment of the two sequences (end gaps
 * free, so a reference that covers only part of the chain maps onto it).
 * Only Cα atoms are used. Four numbers, all computed over the paired
 * residues and normalised by the reference:
 *
 *  - rmsd_ca: Cα RMSD (Å) after the optimal superposition of all pairs.
 *  - tm_score: TM-score with the residue correspondence fixed, d0 from the
 *    reference length L: d0 = 1.24 (L - 15)^(1/3) - 1.8, at least 0.5;
 *    sum over pairs of 1 / (1 + (d/d0)^2) divided by L, maximised over
 *    superpositions found by the search below.
 *  - gdt_ts: mean over the cut-offs 1, 2, 4, 8 Å of the largest fraction of
 *    reference residues within the cut-off after a superposition (each
 *    cut-off maximised separately), 0..1.
 *  - lddt_ca: superposition-free. All pairs (i, j), i != j, of reference
 *    residues whose reference Cα-Cα distance is below 15 Å; a pair is
 *    preserved at threshold t when the model distance differs by less than
 *    t; the score is the mean over t in {0.5, 1, 2, 4} Å of the fraction of
 *    preserved pairs (pairs weighted equally). A reference residue with no
 *    model partner counts as not preserved. 0..1.
 *
 * Superposition search (TM-score and GDT): seeds are superpositions on
 * contiguous fragments of the pairs of length n, n/2, n/4, ... down to 4,
 * started every half fragment; from each seed the pairs closer than a
 * distance threshold are re-superposed until the set stops changing (at most
 * 20 rounds), once per threshold (d0-based for TM, each cut-off for GDT).
 * Every superposition visited updates every maximum. */
#pragma once
#include <glib.h>
#include "fl-structure-io.h"

G_BEGIN_DECLS

#define FL_COMPARE_ERROR (fl_compare_error_quark ())
GQuark fl_compare_error_quark (void);

typedef enum {
  FL_COMPARE_ERROR_NO_PAIRS,   /* fewer than 3 residues pair up with a Cα in both */
  FL_COMPARE_ERROR_INVALID,    /* bad arguments (empty sequence, L mismatch) */
} FlCompareError;

typedef struct {
  int aligned_residues;   /* pairs with a Cα in model and reference */
  int reference_length;   /* reference residues with a Cα (the normaliser) */
  int identical_residues; /* pairs whose amino acids agree */
  double rmsd_ca;         /* Å */
  double tm_score;        /* 0..1 */
  double lddt_ca;         /* 0..1 */
  double gdt_ts;          /* 0..1 */
  float tm_R[9], tm_t[3]; /* superposition of the TM-score: model -> reference */
} FlCompareScores;

/* Global alignment of a (len_a) to b (len_b), end gaps free: returns map
 * (len_a) with map[i] = index in b or -1. Identity scores +2, mismatch -1,
 * gap open -4, gap extend -1. */
int *fl_compare_align_sequences (const char *a, const char *b);

/* A reference prepared once and compared against many frames. */
typedef struct _FlCompareReference FlCompareReference;

/* reference: the experimental chain; model_sequence: the predicted chain's
 * one-letter sequence (length L_model). Fails when fewer than 3 residues
 * pair up. */
FlCompareReference *fl_compare_reference_new (const FlStructure *reference,
                                              const char *model_sequence, GError **error);
void fl_compare_reference_free (FlCompareReference *ref);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlCompareReference, fl_compare_reference_free)

int fl_compare_reference_model_length (const FlCompareReference *ref);
/* For each model residue, the reference residue it pairs with, or -1 (L_model). */
const int *fl_compare_reference_map (const FlCompareReference *ref);

/* Scores of one model frame: atom37 (L_model, 37, 3) with mask (L_model, 37)
 * or NULL (all present). Fails only when fewer than 3 pairs have a Cα. */
gboolean fl_compare_frame (const FlCompareReference *ref, const float *atom37,
                           const float *atom37_mask, FlCompareScores *out, GError **error);

/* Rotation R (row-major) and translation t that put the reference onto the
 * model frame by its paired Cα atoms (for drawing it superposed). */
gboolean fl_compare_reference_onto (const FlCompareReference *ref, const float *atom37,
                                    const float *atom37_mask, float R[9], float t[3]);

/* Scores from coordinates already in reference order: model (n, 3) with
 * model_present (n), reference (n, 3) with ref_present (n). Pairs are the
 * indices where both are present; the reference length is the count of
 * ref_present. Fails when fewer than 3 pairs. */
gboolean fl_compare_pairs (const float *model, const guint8 *model_present,
                           const float *reference, const guint8 *ref_present, int n,
                           FlCompareScores *out, GError **error);

/* The superposition search alone: best TM-score (d0 from reference_length)
 * and GDT cut-off fractions over x (n, 3) moved onto y (n, 3); tm_R / tm_t
 * (may be NULL): the superposition (y ~ R x + t) of that TM-score. */
void fl_compare_search (const float *x, const float *y, int n, int reference_length,
                        double *tm_score, double gdt_fraction[4], float tm_R[9], float tm_t[3]);

/* lDDT-Cα of model (n, 3) against reference (n, 3) over pairs present in
 * the reference (ref_present); missing model atoms (model_present 0) count
 * as not preserved. */
double fl_compare_lddt_ca (const float *model, const guint8 *model_present,
                           const float *reference, const guint8 *ref_present, int n);

/* d0 of the TM-score for a reference of length L. */
double fl_compare_tm_d0 (int L);

G_END_DECLS
