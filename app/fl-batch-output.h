/* ColabFold-shaped result files of one batch input:
 *   ID_unrelaxed_rank_001_alphafold2_ptm_model_3_seed_000.pdb  (pLDDT in B-factors)
 *   ID_scores_rank_001_alphafold2_ptm_model_3_seed_000.json    ("plddt", "max_pae", "pae", "ptm")
 *   ID_predicted_aligned_error_v1.json                         (rank 1, _ptm models)
 *   ID_templates.json                                          (when templates are in play)
 *   ID.done.txt                                                (written last)
 * and on request the same names with .cif, and
 * ID_trajectory_rank_001_..._seed_000_layers.pdb (every recycle x
 * structure-module layer; a name that ColabFold readers matching
 * "_seed_000.pdb" do not take for a model). Values are rounded to two
 * decimals as ColabFold does. Every file is written under a temporary name
 * and renamed into place. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include "fl-structure-io.h"

G_BEGIN_DECLS

/* One model's outcome for one input. */
typedef struct {
  char *model_type;            /* "alphafold2_ptm" / "alphafold2" */
  int model_number;            /* 1..5 (0: a custom preset) */
  char *preset;
  int L;
  int32_t *aatype;             /* (L) */
  float *atom37;               /* (L, 37, 3) Å */
  float *atom37_mask;          /* (L, 37) */
  float *plddt;                /* (L) */
  float *pae;                  /* (L, L) Å, or NULL without a PAE head */
  float mean_plddt, ptm, max_pae;   /* ptm / max_pae NAN without a PAE head */
  int n_passes;
  float *pass_plddt, *pass_ptm, *pass_tolerance;   /* (n_passes) NAN where unknown */
  double seconds;
  GPtrArray *trajectory;       /* FlBatchFrame, or NULL */
} FlBatchModelResult;

typedef struct {
  char *title;
  float *atom37;               /* (L, 37, 3) */
  float *atom37_mask;          /* (L, 37) */
  float *plddt;                /* (L) */
} FlBatchFrame;

void fl_batch_frame_free (gpointer frame);
void fl_batch_model_result_free (gpointer result);

/* Sort results best first: by mean pLDDT ("plddt") or pTM ("ptm"); ties
 * keep the model order. */
void fl_batch_rank (GPtrArray *results, const char *rank_by);

/* "ID_unrelaxed_rank_001_alphafold2_ptm_model_3_seed_000" without extension,
 * with `kind` ("unrelaxed", "scores", "trajectory") and 1-based rank. */
char *fl_batch_result_stem (const char *id, const char *kind, int rank,
                            const FlBatchModelResult *r, guint64 seed);

/* ColabFold's scores JSON / PAE JSON text of one result. */
char *fl_batch_scores_json (const FlBatchModelResult *r);
char *fl_batch_pae_json (const FlBatchModelResult *r);

/* ColabFold's log.txt lines of one input (read by tools such as
 * af-analysis): "Query K/N: ID (length L)", per model and pass
 * "alphafold2_ptm_model_3_seed_000 recycle=R pLDDT=.. pTM=.. [tol=..]", the
 * time taken, and after "reranking models by 'plddt' metric" one line per
 * rank. `in_model_order` and `ranked` hold the same results. */
char *fl_batch_log_block (const char *id, guint index, guint n_inputs, int L,
                          GPtrArray *in_model_order, GPtrArray *ranked, const char *rank_by,
                          guint64 seed);

/* Append text to OUTDIR/log.txt in one write, so that the blocks of
 * workers sharing the folder do not interleave. */
gboolean fl_batch_append_log (const char *out_dir, const char *text, GError **error);

/* Write every file of an input (results ranked already), and
 * ID_templates.json with `templates_json` when not NULL (which templates
 * each model used, fl-batch-templates.h), the done marker last. */
gboolean fl_batch_write_input (const char *out_dir, const char *id, GPtrArray *ranked,
                               guint64 seed, gboolean mmcif, gboolean trajectory,
                               const char *templates_json, GError **error);

G_END_DECLS
