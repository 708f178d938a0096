/* AlphaFold2's structure module on a backend: IPA with shared weights over
 * n layers, transitions, backbone update, torsion-angle ResNet, all-atom
 * frames from residue constants -> atom14 -> atom37.
 * Dense per-residue work and every O(L^2) term go through the op table; the
 * O(L) rigid-body geometry may run on the host (small copies). */
#pragma once
#include <glib.h>
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-weights.h"

G_BEGIN_DECLS

typedef struct _FlStructureModule FlStructureModule;

/* Results of one run of the module, host memory, golden layouts. */
typedef struct {
  int n_layers, L;
  float *traj;                 /* (n_layers, L, 7) quaternion (w,x,y,z) + translation Å */
  float *angles_sin_cos;       /* (n_layers, L, 7, 2) */
  float *unnormalized_angles_sin_cos; /* (n_layers, L, 7, 2) */
  float *atom_pos;             /* (n_layers, L, 14, 3) atom14 per layer */
  float *frames_rot;           /* (n_layers, L, 8, 3, 3) */
  float *frames_trans;         /* (n_layers, L, 8, 3) */
  float *final_atom14;         /* (L, 14, 3) */
  float *final_atom14_mask;    /* (L, 14) */
  float *final_atom37;         /* (L, 37, 3), zero where no atom */
  float *final_atom37_mask;    /* (L, 37) */
  float *act;                  /* backend (L, c_s): single after the last layer; owned by the module */
} FlStructureOutputs;

void fl_structure_outputs_clear (FlStructureOutputs *out);  /* frees the host arrays */

/* Called after every layer. act: backend (L, c_s) single activations after
 * the layer (for the per-layer pLDDT readout); the rest host memory. */
typedef gboolean (*FlStructureLayerFunc) (int layer, const float *act,
                                          const float *affines,   /* (L, 7) */
                                          const float *atom14,    /* (L, 14, 3) */
                                          const float *atom37,    /* (L, 37, 3) */
                                          const float *atom37_mask, /* (L, 37) */
                                          gpointer user_data);   /* FALSE = stop */

gsize fl_structure_module_bytes_needed (const FlModelConfig *cfg, int L);
FlStructureModule *fl_structure_module_new (FlBackend *b, FlWeights *w,
                                            const FlModelConfig *cfg, int L,
                                            GError **error);
void fl_structure_module_free (FlStructureModule *sm);

/* single: backend (L, c_s) ("representations/single"); pair: backend
 * (L, L, c_z); aatype, seq_mask: host (L). Returns FALSE with
 * FL_ENGINE_ERROR_CANCELLED when on_layer returned FALSE. */
gboolean fl_structure_module_run (FlStructureModule *sm, const float *single,
                                  const float *pair, const int32_t *aatype,
                                  const float *seq_mask,
                                  FlStructureLayerFunc on_layer, gpointer user_data,
                                  FlStructureOutputs *out, GError **error);

G_END_DECLS
