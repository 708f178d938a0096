/* Immutable, reference-counted copies of engine events, safe to hand from
 * the worker thread to the UI thread (and to keep in the timeline).
 *   FlFrame:       one timeline frame = structure after (recycle r, layer l)
 *   FlRecycleData: everything known at the end of recycle r (confidence,
 *                  distogram summaries, captured attention maps)
 * Both are plain data (no GTK) so the CLI, tests and panels can use them. */
#pragma once
#include <glib.h>
#include "fl-engine.h"

G_BEGIN_DECLS

typedef struct {
  int recycle;          /* recycle 0..N as AlphaFold counts (0 = the first pass) */
  int layer;            /* structure-module layer, 0-based (shown 1..n_layers) */
  int n_layers;         /* 0: a model of a multi-model file that names no
                         * recycle / layer; `recycle` is then its 0-based index */
  int L;
  float *affines;       /* (L, 7) quaternion (w,x,y,z) + translation Å */
  float *atom37;        /* (L, 37, 3) Å */
  float *atom37_mask;   /* (L, 37) */
  float *plddt;         /* (L) 0..100 */
  float mean_plddt;
  float ptm;            /* NAN unless known for this frame (last layer of a ptm model) */
} FlFrame;

FlFrame *fl_frame_new (int recycle, int layer, int n_layers, int L);  /* zero-filled arrays */
FlFrame *fl_frame_new_from_layer_event (const FlLayerEvent *event);
FlFrame *fl_frame_ref (FlFrame *frame);
/* One numbering for every title (timeline, exports, CLI, docs): "recycle R
 * layer L" with R = recycle 0..N and L = structure-module layer 1..n
 * (layer is 0-based here). */
char *fl_frame_title (int recycle, int layer);
/* Reads such a title back (layer out 0-based); FALSE when it is not one. */
gboolean fl_frame_title_parse (const char *title, int *recycle, int *layer);
void fl_frame_unref (FlFrame *frame);
/* CA position of residue i (atom37 index 1). */
static inline const float *fl_frame_ca (const FlFrame *f, int i) { return f->atom37 + ((gsize) i * 37 + 1) * 3; }

typedef struct {
  int recycle, L;
  float *plddt;              /* (L) */
  float mean_plddt;
  float ptm;                 /* NAN without a PAE head */
  float *pae;                /* (L, L) or NULL */
  float max_pae;
  float *contact_probs;      /* (L, L) or NULL */
  float *expected_distance;  /* (L, L) or NULL */
  float *template_contribution; /* (L, L) |template embedding| or NULL (no templates) */
  float tolerance;           /* NAN for pass 0 */
  int att_block, att_heads, tri_heads, att_residue;
  float *msa_row_attention;  /* (att_heads, L, L) or NULL */
  float *msa_row_pair_bias;  /* (att_heads, L, L) or NULL */
  float *tri_start_attention;/* (tri_heads, L, L) or NULL */
  float *tri_end_attention;  /* (tri_heads, L, L) or NULL */
  int col_heads, n_clust;
  float *msa_col_attention;  /* (col_heads, n_clust) or NULL */
  /* The per-block probe (FlProbeEvent), when recorded: the contact
   * probability after each Evoformer block b, quantised over the block's
   * own range [lo, hi] = block_contact_range[b, 0..1]:
   * p = lo + block_contacts[b, i, j] / 255 * (hi - lo). */
  int n_probe_blocks;
  guint8 *block_contacts;      /* (n_probe_blocks, L, L) or NULL */
  float *block_contact_range;  /* (n_probe_blocks, 2) or NULL */
  guint8 *block_distances;     /* (n_probe_blocks, L, L) expected distance, the same way */
  float *block_distance_range; /* (n_probe_blocks, 2) Å */
} FlRecycleData;

FlRecycleData *fl_recycle_data_new (int recycle, int L);   /* all maps NULL, NAN scores */
FlRecycleData *fl_recycle_data_new_from_event (const FlRecycleEvent *event);
FlRecycleData *fl_recycle_data_ref (FlRecycleData *data);
void fl_recycle_data_unref (FlRecycleData *data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlFrame, fl_frame_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlRecycleData, fl_recycle_data_unref)

G_END_DECLS
