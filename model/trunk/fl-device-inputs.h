/* The features the network reads, in backend memory, for one pass
 * (fl-device-inputs.c). */
#pragma once
#include <glib.h>
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-features.h"

G_BEGIN_DECLS

/* The features the network reads, in backend memory, for one pass. */
typedef struct {
  int L, n_clust, n_extra;
  int n_tmpl;           /* template rows appended to the MSA (0: none) */
  float *target_feat;   /* (L, 22) */
  float *msa_feat;      /* (n_clust, L, 49) */
  float *msa_mask;      /* (n_clust + n_tmpl, L): template rows = their psi mask */
  float *tmpl_angle_feat; /* (n_tmpl, L, 57) or NULL */
  float *extra_feat;    /* (n_extra, L, 25): onehot23(extra_msa), has_deletion, deletion_value */
  float *extra_mask;    /* (n_extra, L) */
  float *seq_mask;      /* (L) */
  float *pair_mask;     /* (L, L) seq_mask[i] * seq_mask[j] */
  float *relpos;        /* (L, L, 2*max_relative_feature+1) one-hot relative positions */
} FlDeviceInputs;

FlDeviceInputs *fl_device_inputs_new (FlBackend *b, const FlModelConfig *cfg,
                                      const FlFeatures *features, GError **error);
void fl_device_inputs_free (FlBackend *b, FlDeviceInputs *in);
/* Backend bytes fl_device_inputs_new allocates for these sizes. */
gsize fl_device_inputs_bytes_needed (const FlModelConfig *cfg, int L, int n_clust, int n_extra);
/* Template slots the inputs get for these features: the features' template
 * count when the model has a template stack, else 0 (templates ignored). */
int fl_device_inputs_template_slots (const FlModelConfig *cfg, const FlFeatures *features);

G_END_DECLS
