/* FlEngine: AlphaFold2 monomer inference on one backend.
 *
 * An engine binds a parameter file and its configuration to a backend
 * (weights uploaded once); fl_engine_run runs one input through the
 * embedders, extra-MSA stack, Evoformer, structure module and heads, with
 * recycling, and reports progress through an FlObserver. The observer is
 * called on the thread that runs the engine (the app's worker thread); the
 * pointers in an event are valid only during the call: copy what you keep.
 * Any observer callback may return FL_OBSERVE_STOP to cancel; cancellation
 * (also through the GCancellable) is checked between blocks. */
#pragma once
#include <glib.h>
#include <gio/gio.h>
#include "fl-arrays.h"
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-features.h"
#include "fl-params.h"

G_BEGIN_DECLS

typedef struct _FlEngine FlEngine;

typedef struct {
  FlBackendKind backend;      /* AUTO: CUDA when a device is present, else CPU (said in the description) */
  int device;                 /* CUDA device index */
  FlPrecision precision;      /* CUDA products: tf32 by default (fl_run_options_init); CPU: always fp32 */
  int n_threads;              /* CPU threads, 0 = all cores */
  int num_recycle;            /* recycles after the first pass (-1: the config's value) */
  float recycle_tolerance;    /* stop early when the CA-distance RMS change < tol (ColabFold); 0 = never */
  gboolean capture_attention; /* fill the attention maps of FlRecycleEvent */
  int capture_block;          /* Evoformer block whose attention is captured, -1 = last */
  int capture_residue;        /* query residue for triangle attention, -1 = L/2 */
  gboolean capture_layers;    /* call layer_finished for every structure-module layer */
  gboolean keep_representations; /* keep msa/pair/single in the result (golden keys) */
  gboolean probe_blocks;      /* a probe: the distogram head applied to the pair after every
                               * Evoformer block (FlObserver.block_probed); off by default */
} FlRunOptions;

void fl_run_options_init (FlRunOptions *opts);   /* defaults: AUTO, fp32, config recycles, capture on */

typedef enum { FL_OBSERVE_CONTINUE = 0, FL_OBSERVE_STOP = 1 } FlObserveAction;

typedef enum {
  FL_STAGE_EMBED,
  FL_STAGE_EXTRA_MSA,
  FL_STAGE_EVOFORMER,
  FL_STAGE_STRUCTURE,
  FL_STAGE_HEADS,
} FlStage;

const char *fl_stage_name (FlStage stage);   /* "Evoformer", "extra-MSA stack", ... */

typedef struct {
  int L, n_clust, n_extra;
  int n_passes;               /* num_recycle + 1 (may end earlier by tolerance) */
  int n_evoformer_blocks, n_extra_blocks, n_sm_layers;
  const char *backend_description;
  const char *preset;
  gsize planned_bytes;        /* memory plan of the backend */
} FlRunInfo;

typedef struct {
  int recycle;                /* 0-based pass index */
  FlStage stage;
  int block, n_blocks;        /* block just finished (0-based) of that stage */
  double fraction_done;       /* 0..1 over the whole run */
} FlBlockEvent;

typedef struct {
  int recycle, layer, n_layers, L;
  const float *affines;       /* (L, 7) quaternion (w,x,y,z) + translation in Å */
  const float *atom14;        /* (L, 14, 3) Å */
  const float *atom37;        /* (L, 37, 3) Å, zero where the atom does not exist */
  const float *atom37_mask;   /* (L, 37) */
  const float *plddt;         /* (L) pLDDT head read out on this layer's activations */
} FlLayerEvent;

typedef struct {
  int recycle, L;
  const float *atom37;        /* (L, 37, 3) final positions of this pass */
  const float *atom37_mask;   /* (L, 37) */
  const float *plddt;         /* (L) 0..100 */
  float mean_plddt;
  float ptm;                  /* NAN without a PAE head */
  const float *pae;           /* (L, L) Å or NULL */
  float max_pae;
  const float *contact_probs; /* (L, L) P(CB-CB < 8 Å) from the distogram */
  const float *expected_distance; /* (L, L) Å, distogram expectation */
  float tolerance;            /* RMS change of CA-CA distances vs previous pass; NAN for pass 0 */
  /* Templates (models 1 and 2): n_templates slots, and (L, L) the L2 norm
   * of what the template embedding added to each pair entry this pass
   * (NULL without templates). */
  int n_templates;
  const float *template_contribution;

  /* Attention capture (NULL when off). */
  int att_block, att_heads, tri_heads, att_residue;
  const float *msa_row_attention;   /* (att_heads, L, L) softmax weights, mean over MSA rows */
  const float *msa_row_pair_bias;   /* (att_heads, L, L) the pair bias of that attention */
  const float *tri_start_attention; /* (tri_heads, L, L) starting-node weights of row att_residue */
  const float *tri_end_attention;   /* (tri_heads, L, L) ending-node weights of column att_residue */
  const float *msa_col_attention;   /* (col_heads, n_clust) column attention of column att_residue, mean over query rows; or NULL */
  int col_heads, n_clust;
} FlRecycleEvent;

/* The distogram head read out on the pair representation after Evoformer
 * block `block` of pass `recycle` (probe_blocks): the model itself reads it
 * only after the last block; earlier blocks show how the contact map forms. */
typedef struct {
  int recycle, block, n_blocks, L;
  const float *contact_probs; /* (L, L) P(CB-CB < 8 Å) */
  const float *expected_distance; /* (L, L) Å, the distogram's expectation */
} FlProbeEvent;

typedef struct {
  void (*run_started) (const FlRunInfo *info, gpointer user_data);
  FlObserveAction (*block_finished) (const FlBlockEvent *event, gpointer user_data);
  FlObserveAction (*layer_finished) (const FlLayerEvent *event, gpointer user_data);
  FlObserveAction (*recycle_finished) (const FlRecycleEvent *event, gpointer user_data);
  FlObserveAction (*block_probed) (const FlProbeEvent *event, gpointer user_data); /* nullable */
} FlObserver;

/* The outcome of a run. `arrays` uses the golden key names of outputs.npz
 * (structure_module/final_atom_positions, structure_module/traj,
 * confidence/plddt, confidence/ptm, distogram/logits,
 * representations/{single,pair,msa,msa_first_row,structure_module}, ...) and
 * per pass r the keys of recycles.npz prefixed "r{r}/". */
typedef struct {
  int L;
  int n_passes;               /* passes actually run */
  gboolean stopped_early;     /* by tolerance */
  char *sequence;
  int32_t *aatype;            /* (L) */
  FlArrays *arrays;
  double seconds;
  char *backend_description;
} FlResult;

void fl_result_free (FlResult *result);
/* Convenience views into result->arrays (borrowed). */
const float *fl_result_get (FlResult *result, const char *key);

FlEngine *fl_engine_new (FlParams *params, const FlModelConfig *cfg,
                         const FlRunOptions *opts, GError **error);
void fl_engine_free (FlEngine *engine);
const char *fl_engine_backend_description (FlEngine *engine);
const char *fl_engine_backend_name (FlEngine *engine);   /* "cpu" or "cuda" */
FlPrecision fl_engine_precision (FlEngine *engine);      /* what the backend really uses */
const FlModelConfig *fl_engine_config (FlEngine *engine);

/* Bytes the run would need for this input on this engine's backend, and
 * whether that fits (FL_ENGINE_ERROR_TOO_LARGE says the largest L that would). */
gboolean fl_engine_check_fits (FlEngine *engine, int L, int n_clust, int n_extra,
                               gsize *bytes_needed, GError **error);

/* Run every pass (pass 0 starts from zero recycled state). Returns NULL with
 * FL_ENGINE_ERROR_CANCELLED when cancelled. */
FlResult *fl_engine_run (FlEngine *engine, const FlFeatures *features,
                         const FlRunOptions *opts, const FlObserver *observer,
                         gpointer user_data, GCancellable *cancellable,
                         GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlEngine, fl_engine_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlResult, fl_result_free)

G_END_DECLS
