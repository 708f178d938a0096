/* Internals of the trunk object (fl-evoformer.c, fl-embed.c,
 * fl-trunk-memory.c): the FlEvoformer struct and what tests reach into.
 * The modules never include this: they see only fl-trunk-common.h. */
#pragma once
#include <glib.h>
#include "fl-trunk-common.h"
#include "fl-evoformer.h"

G_BEGIN_DECLS

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

/* Scratch floats of the embeddings, and of the largest of the embeddings and
 * the blocks of both stacks: the arena's size (fl-trunk-memory.c). */
size_t fl_trunk_embed_scratch (const FlModelConfig *cfg, int64_t L, int64_t n_clust);
size_t fl_trunk_scratch_floats (const FlModelConfig *cfg, const FlStackDims *main_dims,
                                const FlStackDims *extra_dims);

G_END_DECLS
