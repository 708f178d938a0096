/* Internals of the trunk object (fl-evoformer.c, fl-embed.c,
 * fl-trunk-memory.c): the FlEvoformer struct and what tests reach into.
 * The modules never include this: they see only fl-trunk-common.h. */
#pragma once
#include <glib.h>
#include "fl-trunk-common.h"
#include "fl-evoformer.h"
#include "fl-templates.h"

G_BEGIN_DECLS

/* What a block recording was made with: replaying it is only right while
 * these are the same. */
typedef struct {
  gpointer handle;           /* from b->ops->record_end, NULL when none */
  const float *msa_mask, *extra_mask, *pair_mask;
  size_t budget;
} FlBlockRecording;

/* ---- the template stack (fl-template-embed.c) ---- */
typedef struct {
  FlStackDims stack;      /* the template pair stack: c_z = c_t, no MSA */
  int n_blocks;
  int feat;               /* pair feature width (n_bins + 49) */
  int n_bins;
  float min_bin, max_bin;
  gboolean unit_vector;   /* use_template_unit_vector */
  int c_z, c_m;           /* the trunk's pair and MSA widths */
  int heads, head_dim;    /* point-wise attention (key = value width per head) */
  int T;                  /* template slots */
} FlTemplateDims;

gboolean fl_template_dims_from_params (FlTemplateDims *d, FlParams *params,
                                       const FlModelConfig *cfg, int64_t L, int T,
                                       GError **error);
/* Scratch floats the template steps take. */
size_t fl_template_scratch (const FlTemplateDims *d);
/* Backend floats of the template state (stack outputs, contribution map, ones). */
size_t fl_template_state_floats (const FlTemplateDims *d);

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
  /* Templates (0 slots without): the MSA has n_clust + n_tmpl rows. */
  int n_tmpl;
  FlTemplateDims tmpl_dims;
  float *tmpl_single;      /* (n_tmpl, L, L, c_t) template stack outputs (recycle-invariant) */
  float *tmpl_contribution;/* (L, L) sum of squares of the last template embedding */
  float *tmpl_ones;        /* (c_z) ones: row sums as a product */
  const FlDeviceInputs *tmpl_inputs;  /* inputs tmpl_single was computed for */
};

/* The template steps of the embedding (AlphaFold's TemplateEmbedding and
 * template torsion rows): compute the template stacks once per inputs
 * (fl_template_compute_stacks), then add the point-wise attention of the
 * pair onto them (pair += embedding) and fill the template MSA rows. */
gboolean fl_template_compute_stacks (FlEvoformer *evo, const FlDeviceInputs *in,
                                     const FlTemplateFeatures *tf, GError **error);
/* out (L,L,c_z) += TemplateEmbedding(query_pair (L,L,c_z)); may alias: each
 * chunk of rows reads its query before writing. */
gboolean fl_template_embed_pair (FlEvoformer *evo, const FlTemplateFeatures *tf,
                                 const float *query_pair, float *out, GError **error);
/* msa rows n_clust .. n_clust + n_tmpl - 1 from in->tmpl_angle_feat. */
void fl_template_msa_rows (FlEvoformer *evo, const FlDeviceInputs *in);

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
