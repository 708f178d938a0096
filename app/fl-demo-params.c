/* The untrained "demo" model. */
#include "fl-demo-params.h"
#include <string.h>
#include "fl-error.h"

void
fl_demo_model_config (FlModelConfig *cfg)
{
  g_autoptr (GError) error = NULL;
  /* Start from a released preset (no templates, PAE head) and narrow it. */
  if (!fl_model_config_from_preset ("model_3_ptm", cfg, &error))
    memset (cfg, 0, sizeof *cfg);
  g_strlcpy (cfg->preset, "demo", sizeof cfg->preset);
  cfg->c_m = 32;
  cfg->c_z = 16;
  cfg->c_s = 32;
  cfg->c_e = 16;
  cfg->n_evoformer_blocks = 6;
  cfg->n_extra_blocks = 1;
  cfg->msa_row_heads = cfg->msa_col_heads = 4;
  cfg->extra_row_heads = cfg->extra_col_heads = 4;
  cfg->tri_att_start_heads = cfg->tri_att_end_heads = 2;
  cfg->tri_mul_channels = 24;
  cfg->extra_tri_mul_channels = 24;
  cfg->opm_channels = 8;
  cfg->extra_opm_channels = 8;
  cfg->sm_layers = 8;
  cfg->sm_channels = 32;
  cfg->sm_heads = 4;
  cfg->ipa_qk_scalar = 8;
  cfg->ipa_v_scalar = 8;
  cfg->ipa_qk_points = 2;
  cfg->ipa_v_points = 3;
  cfg->sidechain_channels = 16;
  cfg->plddt_channels = 16;
  cfg->has_pae = TRUE;
  cfg->has_templates = FALSE;
  cfg->num_recycle = 3;
  cfg->max_msa_clusters = 32;
  cfg->max_extra_msa = 128;
}

FlParams *
fl_demo_params_new (FlModelConfig *cfg_out, GError **error)
{
  FlModelConfig cfg;
  fl_demo_model_config (&cfg);
  g_autoptr (FlArrays) arrays = fl_params_generate_random (&cfg, FL_DEMO_PARAMS_SEED);
  if (!arrays)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_MISSING,
                   "Cannot generate the demo parameters");
      return NULL;
    }
  /* Random weights move each residue by tens of Å per structure-module
   * layer, which draws as a tangle of thin lines. Smaller backbone updates
   * keep the untrained chain compact enough to look at. */
  const char *env = g_getenv ("FL_DEMO_AFFINE_SCALE");
  float scale = env ? (float) g_ascii_strtod (env, NULL) : FL_DEMO_AFFINE_SCALE;
  static const char *const keys[] = {
    FL_PARAMS_ROOT "structure_module/fold_iteration/affine_update//weights",
    FL_PARAMS_ROOT "structure_module/fold_iteration/affine_update//bias",
  };
  for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      FlArray *a = fl_arrays_lookup (arrays, keys[k]);
      if (a && a->dtype == FL_DTYPE_F32)
        {
          float *x = a->data;
          for (int64_t i = 0; i < fl_array_numel (a); i++)
            x[i] *= scale;
        }
    }
  FlParams *params = fl_params_new_from_arrays (arrays, error);
  if (params && cfg_out)
    *cfg_out = cfg;
  return params;
}
