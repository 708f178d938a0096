/* The trunk of AlphaFold2 on a backend: input + recycling embeddings, the
 * extra-MSA stack and the Evoformer stack, one block per call so that the
 * engine can report progress and cancel between blocks.
 * Everything here is written in the op table (fl-backend.h). */
#pragma once
#include <glib.h>
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-features.h"
#include "fl-weights.h"
#include "fl-device-inputs.h"

G_BEGIN_DECLS

/* The activations carried through the trunk (backend memory). */
typedef struct {
  float *msa;     /* (n_clust, L, c_m) */
  float *pair;    /* (L, L, c_z) */
  float *extra;   /* (n_extra, L, c_e) */
} FlActivations;

/* Attention capture for one Evoformer block (host buffers, filled when non-NULL). */
typedef struct {
  int residue;                /* query residue for the triangle maps */
  float *msa_row_attention;   /* (msa_row_heads, L, L) softmax weights averaged over MSA rows
                               * 0 .. (last row with a nonzero msa_mask), i.e. without padding */
  float *msa_row_pair_bias;   /* (msa_row_heads, L, L) */
  float *tri_start_attention; /* (tri_att_start_heads, L, L) weights of row `residue` (j -> k) */
  float *tri_end_attention;   /* (tri_att_end_heads, L, L) weights of column `residue` */
  float *msa_col_attention;   /* (msa_col_heads, n_clust) column-attention weight each MSA row
                               * receives in column `residue`, averaged over the query rows in use */
} FlAttentionCapture;

typedef struct _FlEvoformer FlEvoformer;

/* Backend bytes fl_evoformer_new allocates for these sizes (activations,
 * outer-product normalisers and the scratch arena of the largest module;
 * the device inputs are counted by fl_device_inputs_bytes_needed). */
gsize fl_evoformer_bytes_needed (const FlModelConfig *cfg, int L, int n_clust, int n_extra);

/* Chunk budget: the floats a chunked temporary of one module may use. The
 * trunk always allows a quarter of its larger activation (at least 4 MiB);
 * a larger budget runs the modules in fewer, larger op calls (CUDA: each
 * module of a block in one call while it fits in 1 GiB). fl_evoformer_new
 * uses fl_evoformer_chunk_budget (b) (0 = the default, e.g. for the CPU), so
 * its allocation is fl_evoformer_bytes_needed_with_budget (..., that budget);
 * fl_evoformer_bytes_needed is the same with budget 0. */
#define FL_EVOFORMER_BUDGET_LARGE ((gsize) 1 << 28)   /* floats (1 GiB): CUDA */
gsize fl_evoformer_chunk_budget (FlBackend *b);
gsize fl_evoformer_bytes_needed_with_budget (const FlModelConfig *cfg, int L, int n_clust,
                                             int n_extra, gsize budget);
FlEvoformer *fl_evoformer_new_with_budget (FlBackend *b, FlWeights *w, const FlModelConfig *cfg,
                                           int L, int n_clust, int n_extra, gsize budget,
                                           GError **error);

FlEvoformer *fl_evoformer_new (FlBackend *b, FlWeights *w, const FlModelConfig *cfg,
                               int L, int n_clust, int n_extra, GError **error);
/* With n_tmpl template slots (models 1 and 2): the MSA gets n_tmpl more
 * rows and the embedding runs the template stack. */
FlEvoformer *fl_evoformer_new_with_templates (FlBackend *b, FlWeights *w,
                                              const FlModelConfig *cfg, int L, int n_clust,
                                              int n_extra, int n_tmpl, gsize budget,
                                              GError **error);
/* Backend bytes of the template state and scratch for n_tmpl slots. */
gsize fl_template_bytes_needed (const FlModelConfig *cfg, int L, int n_tmpl);
/* host (L, L): |what the templates added to the pair| (L2 norm over
 * channels) in the last embedding; FALSE without templates. */
gboolean fl_evoformer_template_contribution (FlEvoformer *evo, float *host, GError **error);
/* The template stacks' outputs (n_tmpl, L, L, c_t) after an embed (tests). */
const float *fl_evoformer_template_single (FlEvoformer *evo);
void fl_evoformer_free (FlEvoformer *evo);
FlActivations *fl_evoformer_activations (FlEvoformer *evo);   /* borrowed */

/* Embeddings of one pass (golden debug keys extra0/in_msa, in_pair and
 * evo0/in_msa): preprocess_1d/msa, left/right single, relpos, recycling
 * (prev_pos pseudo-beta distogram from host atom37 positions, LayerNormed
 * prev_msa_first_row and prev_pair in backend memory), extra-MSA activations.
 * prev_* may be NULL for pass 0 (zeros); they must not alias the trunk's
 * own activations (keep copies of the previous pass). Also prepares the
 * outer-product normalisers of `in` for the blocks of this pass. */
gboolean fl_evoformer_embed (FlEvoformer *evo, const FlDeviceInputs *in,
                             const FlFeatures *features,
                             const float *prev_pos_atom37,   /* host (L, 37, 3) or NULL */
                             const float *prev_msa_first_row,/* backend (L, c_m) or NULL */
                             const float *prev_pair,         /* backend (L, L, c_z) or NULL */
                             GError **error);
/* One extra-MSA block (updates extra and pair). */
gboolean fl_evoformer_extra_block (FlEvoformer *evo, int block, const FlDeviceInputs *in,
                                   GError **error);
/* One Evoformer block (updates msa and pair); capture may be NULL. */
gboolean fl_evoformer_block (FlEvoformer *evo, int block, const FlDeviceInputs *in,
                             FlAttentionCapture *capture, GError **error);
/* single (L, c_s) = Linear(msa[0]) ("single_activations"), backend memory. */
gboolean fl_evoformer_single (FlEvoformer *evo, float *single, GError **error);

/* FL_ENGINE_TIMING=1 in the environment: the engine times the parts of a
 * pass and the trunk each module of its blocks (a diagnostic that
 * synchronises the backend at every boundary and turns block recording off). */
gboolean fl_evoformer_timing_on (void);
/* Print the per-module times of this pass's blocks (stderr) and reset them;
 * nothing unless timing is on. */
void fl_evoformer_timing_report (int pass);

G_END_DECLS
