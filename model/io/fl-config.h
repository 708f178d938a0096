/* FlModelConfig: every size and setting of one AlphaFold2 monomer model.
 * Channel widths, head counts and block counts are read from the parameter
 * shapes (fl_model_config_infer); what shapes cannot tell (structure-module
 * layer count, bin ranges, recycles, ...) comes from a preset name
 * ("model_1" ... "model_5", "_ptm" variants) or from an AlphaFold ConfigDict
 * JSON (the format of shared/golden/<case>/config.json). */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct _FlParams FlParams;

typedef struct {
  char preset[32];              /* "model_3_ptm", "custom", ... */

  /* Embeddings and Evoformer (from shapes). */
  int c_m;                      /* msa_channel (256) */
  int c_z;                      /* pair_channel (128) */
  int c_s;                      /* seq_channel (384) */
  int c_e;                      /* extra_msa_channel (64) */
  int msa_feat_dim;             /* 49 */
  int target_feat_dim;          /* 22 */
  int n_evoformer_blocks;       /* 48 */
  int n_extra_blocks;           /* 4 */
  int msa_row_heads, msa_col_heads;        /* 8, 8 */
  int extra_row_heads, extra_col_heads;    /* 8, 8 */
  int tri_att_start_heads, tri_att_end_heads; /* 4, 4 */
  int tri_mul_channels;         /* 128 */
  int extra_tri_mul_channels;
  int opm_channels;             /* 32 */
  int extra_opm_channels;
  int msa_transition_factor;    /* 4 */
  int pair_transition_factor;   /* 4 */
  int max_relative_feature;     /* 32 */
  int prev_pos_bins;            /* 15 */
  float prev_pos_min, prev_pos_max;  /* 3.25, 20.75 */

  /* Structure module. */
  int sm_layers;                /* 8 (not inferable: shared weights) */
  int sm_channels;              /* 384 */
  int sm_heads;                 /* 12 */
  int ipa_qk_scalar, ipa_v_scalar, ipa_qk_points, ipa_v_points; /* 16 16 4 8 */
  int sm_transition_layers;     /* 3 */
  int sidechain_channels;       /* 128 */
  int sidechain_blocks;         /* 2 */
  float position_scale;         /* 10 */

  /* Heads. */
  int plddt_bins, plddt_channels;             /* 50, 128 */
  int distogram_bins;                         /* 64 */
  float distogram_first_break, distogram_last_break; /* 2.3125, 21.6875 */
  int masked_msa_outputs;                     /* 23 */
  gboolean has_pae;                           /* _ptm models */
  int pae_bins;                               /* 64 */
  float pae_max_error_bin;                    /* 31 */

  /* Data pipeline and recycling defaults. */
  int num_recycle;              /* 3 */
  int max_msa_clusters;         /* 512 (model_1/2 with templates: 508) */
  int max_extra_msa;            /* model_1/3/4: 5120, model_2/5: 1024 (AlphaFold CONFIG_DIFFS) */
  gboolean has_templates;       /* template stack on (models 1 and 2; params carry its weights) */

  /* Template stack (models 1 and 2; AlphaFold's config.template). */
  int max_templates;            /* 4 (also the template rows added to the MSA) */
  int c_t;                      /* template pair channels (64) */
  int template_blocks;          /* template pair stack blocks (2) */
  int template_tri_start_heads, template_tri_end_heads;  /* 4, 4 (key/value width c_t) */
  int template_tri_mul_channels;     /* 64 */
  int template_pair_transition_factor; /* 2 */
  int template_att_heads;       /* pointwise attention heads (4) */
  int template_att_key_dim;     /* pointwise attention key width, all heads (64 = c_t) */
  int template_att_value_dim;   /* value width, all heads (64 = c_t) */
  int template_dgram_bins;      /* 39 */
  float template_dgram_min, template_dgram_max;  /* 3.25, 50.75 Å */
  gboolean template_unit_vector; /* use_template_unit_vector (FALSE in every released model) */
} FlModelConfig;

/* Template pair features besides the distogram bins: pseudo-beta mask (1),
 * one-hot aatype of j and of i (22 + 22), unit vector (3), backbone mask (1). */
#define FL_TEMPLATE_PAIR_FEAT_FIXED 49
/* Template angle features: one-hot aatype (22), sin/cos and alternative
 * sin/cos of 7 torsions (14 + 14), torsion masks (7). */
#define FL_TEMPLATE_ANGLE_FEAT 57

/* Fill from a preset name. Widths are the official full-size ones; call
 * fl_model_config_infer afterwards to take them from real parameter shapes. */
gboolean fl_model_config_from_preset (const char *preset, FlModelConfig *cfg,
                                      GError **error);
/* Overlay an AlphaFold ConfigDict JSON (keys under "model" and "data"). */
gboolean fl_model_config_load_json (const char *path, FlModelConfig *cfg,
                                    GError **error);
/* Read widths, heads and block counts from parameter shapes. */
gboolean fl_model_config_infer (FlModelConfig *cfg, FlParams *params,
                                GError **error);
/* The preset a parameter file's name stands for: "params_model_3_ptm.npz"
 * -> "model_3_ptm" (DeepMind's file names; any folder). NULL when the name
 * holds no "model_N" with N in 1..5. */
char *fl_model_config_preset_from_filename (const char *path);

/* Names of the built-in presets, NULL terminated. */
const char *const *fl_model_config_preset_names (void);

G_END_DECLS
