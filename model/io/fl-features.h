/* FlFeatures: AlphaFold's processed model inputs for one chain, as in
 * shared/golden/<case>/features.npz (without the recycle dimension). Built from
 * an FlMsa either deterministically (golden README steps 1-12) or with
 * AlphaFold's random MSA sampling / BERT masking from a seed. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include "fl-arrays.h"
#include "fl-msa.h"
#include "fl-templates.h"

G_BEGIN_DECLS

typedef struct {
  int max_msa_clusters;      /* cluster rows, padded to this (512) */
  int max_extra_msa;         /* extra rows, padded to this (5120; 1024 is common) */
  gboolean deterministic;    /* golden mode: file order, no masking */
  guint64 seed;              /* random mode: shuffle / extra subset / BERT mask */
  float masked_msa_fraction; /* random mode: 0.15 in AlphaFold's eval config */
} FlFeatureOptions;

void fl_feature_options_init (FlFeatureOptions *opts);  /* AlphaFold defaults */
/* Cluster rows for an alignment: the model's max_msa_clusters, but never more
 * than the alignment has rows. Padding rows are masked and change nothing,
 * yet each costs a full MSA row (508 of them for a single sequence). */
int fl_feature_cluster_rows (const FlMsa *msa, int max_msa_clusters);

typedef struct {
  int L;                     /* residues */
  int n_clust;               /* padded cluster rows (msa_feat rows) */
  int n_extra;               /* padded extra rows */
  int n_clust_real, n_extra_real;
  char *sequence;            /* query, L letters */
  char *name;

  int32_t *aatype;           /* (L) */
  int32_t *residue_index;    /* (L) */
  float *seq_mask;           /* (L) */
  float *target_feat;        /* (L, 22) */
  float *msa_feat;           /* (n_clust, L, 49) */
  float *msa_mask;           /* (n_clust, L) */
  float *msa_row_mask;       /* (n_clust) */
  float *bert_mask;          /* (n_clust, L) */
  int32_t *true_msa;         /* (n_clust, L) */
  int32_t *extra_msa;        /* (n_extra, L) */
  float *extra_msa_mask;     /* (n_extra, L) */
  float *extra_msa_row_mask; /* (n_extra) */
  float *extra_has_deletion; /* (n_extra, L) */
  float *extra_deletion_value; /* (n_extra, L) */
  float *atom14_atom_exists; /* (L, 14) */
  int32_t *residx_atom14_to_atom37; /* (L, 14) */
  int32_t *residx_atom37_to_atom14; /* (L, 37) */
  float *atom37_atom_exists; /* (L, 37) */

  /* Which input row became each cluster row / extra row (-1 = padding),
   * and each extra row's nearest cluster: for the MSA panel. */
  int32_t *cluster_source_row; /* (n_clust) */
  int32_t *extra_source_row;   /* (n_extra) */
  int32_t *extra_assignment;   /* (n_extra) cluster index */

  /* "debug/..." intermediates of feature building (golden names: cluster
   * profile, assignment, deletion matrices, real-row counts), or NULL. */
  FlArrays *debug;
  /* Template features (models 1 and 2), owned; NULL without templates. */
  FlTemplateFeatures *templates;
} FlFeatures;

FlFeatures *fl_features_build (const FlMsa *msa, const FlFeatureOptions *opts,
                               GError **error);
void fl_features_free (FlFeatures *features);

/* Golden key names ("aatype", "msa_feat", ...; plus "debug/..." when present). */
FlArrays *fl_features_to_arrays (const FlFeatures *features);
FlFeatures *fl_features_from_arrays (FlArrays *arrays, GError **error);
gboolean fl_features_save_npz (const FlFeatures *features, const char *path, GError **error);
/* Reads a golden features.npz (a leading recycle dimension is dropped). */
FlFeatures *fl_features_load_npz (const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlFeatures, fl_features_free)

G_END_DECLS
