/* Model configuration: presets (AlphaFold's CONFIG_DIFFS), the ConfigDict
 * JSON of every golden case, and inference from parameter shapes. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "fl-config.h"
#include "fl-error.h"
#include "fl-params.h"
#include "fl-test-util.h"

static void
test_presets (void)
{
  g_autoptr(GError) error = NULL;
  FlModelConfig c;
  const char *const *names = fl_model_config_preset_names ();
  int n = 0;
  for (; names[n]; n++)
    {
      g_assert_true (fl_model_config_from_preset (names[n], &c, &error));
      g_assert_no_error (error);
      g_assert_cmpstr (c.preset, ==, names[n]);
      /* Monomer models share the trunk. */
      g_assert_cmpint (c.c_m, ==, 256);
      g_assert_cmpint (c.c_z, ==, 128);
      g_assert_cmpint (c.c_s, ==, 384);
      g_assert_cmpint (c.c_e, ==, 64);
      g_assert_cmpint (c.n_evoformer_blocks, ==, 48);
      g_assert_cmpint (c.n_extra_blocks, ==, 4);
      g_assert_cmpint (c.sm_layers, ==, 8);
      g_assert_cmpint (c.sm_heads, ==, 12);
      g_assert_cmpint (c.num_recycle, ==, 3);
      g_assert_cmpint (c.has_pae, ==, g_str_has_suffix (names[n], "_ptm"));
    }
  g_assert_cmpint (n, ==, 11);

  struct { const char *name; gboolean templates; int clusters, extra; } want[] = {
    { "model_1", TRUE, 508, 5120 }, { "model_2", TRUE, 508, 1024 },
    { "model_3", FALSE, 512, 5120 }, { "model_4", FALSE, 512, 5120 },
    { "model_5", FALSE, 512, 1024 }, { "model_1_ptm", TRUE, 508, 5120 },
    { "model_2_ptm", TRUE, 508, 1024 }, { "model_5_ptm", FALSE, 512, 1024 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (want); i++)
    {
      g_assert_true (fl_model_config_from_preset (want[i].name, &c, NULL));
      g_assert_cmpint (c.has_templates, ==, want[i].templates);
      g_assert_cmpint (c.max_msa_clusters, ==, want[i].clusters);
      g_assert_cmpint (c.max_extra_msa, ==, want[i].extra);
    }

  const char *bad[] = { "model_6", "model_1_ptmx", "model_", "", "MODEL_1", "model_1_multimer" };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_assert_false (fl_model_config_from_preset (bad[i], &c, &error));
      g_assert_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_UNKNOWN_PRESET);
      g_assert_nonnull (strstr (error->message, "model_3_ptm"));
      g_clear_error (&error);
    }
}

/* The widths of golden/README.md for each case. */
typedef struct {
  const char *name;
  int c_m, c_z, c_s, c_e, row_heads, col_heads, tri_heads, tri_mul, opm;
  int sm_layers, sm_channels, sm_heads, qk, v, qkp, vp, sidechain, plddt;
} Widths;

static const Widths golden_widths[] = {
  { "tiny", 32, 16, 32, 16, 4, 4, 2, 24, 8, 3, 32, 4, 8, 8, 2, 3, 16, 16 },
  { "realdim", 256, 128, 384, 64, 8, 8, 4, 128, 32, 8, 384, 12, 16, 16, 4, 8, 128, 128 },
  { "single", 256, 128, 384, 64, 8, 8, 4, 128, 32, 8, 384, 12, 16, 16, 4, 8, 128, 128 },
};

static void
check_widths (const FlModelConfig *c, const Widths *w, gboolean structure_layers)
{
  g_assert_cmpint (c->c_m, ==, w->c_m);
  g_assert_cmpint (c->c_z, ==, w->c_z);
  g_assert_cmpint (c->c_s, ==, w->c_s);
  g_assert_cmpint (c->c_e, ==, w->c_e);
  g_assert_cmpint (c->msa_row_heads, ==, w->row_heads);
  g_assert_cmpint (c->msa_col_heads, ==, w->col_heads);
  g_assert_cmpint (c->extra_row_heads, ==, w->row_heads);
  g_assert_cmpint (c->extra_col_heads, ==, w->col_heads);
  g_assert_cmpint (c->tri_att_start_heads, ==, w->tri_heads);
  g_assert_cmpint (c->tri_att_end_heads, ==, w->tri_heads);
  g_assert_cmpint (c->tri_mul_channels, ==, w->tri_mul);
  g_assert_cmpint (c->extra_tri_mul_channels, ==, w->tri_mul);
  g_assert_cmpint (c->opm_channels, ==, w->opm);
  g_assert_cmpint (c->extra_opm_channels, ==, w->opm);
  if (structure_layers)
    g_assert_cmpint (c->sm_layers, ==, w->sm_layers);
  g_assert_cmpint (c->sm_channels, ==, w->sm_channels);
  g_assert_cmpint (c->sm_heads, ==, w->sm_heads);
  g_assert_cmpint (c->ipa_qk_scalar, ==, w->qk);
  g_assert_cmpint (c->ipa_v_scalar, ==, w->v);
  g_assert_cmpint (c->ipa_qk_points, ==, w->qkp);
  g_assert_cmpint (c->ipa_v_points, ==, w->vp);
  g_assert_cmpint (c->sidechain_channels, ==, w->sidechain);
  g_assert_cmpint (c->plddt_channels, ==, w->plddt);
  g_assert_cmpint (c->n_evoformer_blocks, ==, 2);
  g_assert_cmpint (c->n_extra_blocks, ==, 1);
  g_assert_cmpint (c->msa_transition_factor, ==, 4);
  g_assert_cmpint (c->pair_transition_factor, ==, 4);
  g_assert_cmpint (c->sm_transition_layers, ==, 3);
  g_assert_cmpint (c->sidechain_blocks, ==, 2);
  g_assert_cmpint (c->max_relative_feature, ==, 32);
  g_assert_cmpint (c->prev_pos_bins, ==, 15);
  g_assert_cmpint (c->msa_feat_dim, ==, 49);
  g_assert_cmpint (c->target_feat_dim, ==, 22);
  g_assert_cmpint (c->plddt_bins, ==, 50);
  g_assert_cmpint (c->distogram_bins, ==, 64);
  g_assert_cmpint (c->masked_msa_outputs, ==, 23);
  g_assert_true (c->has_pae);
  g_assert_cmpint (c->pae_bins, ==, 64);
  g_assert_false (c->has_templates);
}

static void
test_golden_json (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (golden_widths); i++)
    {
      const Widths *w = &golden_widths[i];
      g_autofree char *path = fl_test_golden_path (w->name, "config.json");
      if (!fl_test_require_file (path))
        return;
      FlModelConfig c;
      g_autoptr(GError) error = NULL;
      g_assert_true (fl_model_config_from_preset ("model_3_ptm", &c, &error));
      g_assert_true (fl_model_config_load_json (path, &c, &error));
      g_assert_no_error (error);
      check_widths (&c, w, TRUE);
      /* Settings shapes cannot tell. */
      g_assert_cmpint (c.num_recycle, ==, 2);              /* model.num_recycle */
      g_assert_cmpfloat (c.prev_pos_min, ==, 3.25f);
      g_assert_cmpfloat (c.prev_pos_max, ==, 20.75f);
      g_assert_cmpfloat (c.distogram_first_break, ==, 2.3125f);
      g_assert_cmpfloat (c.distogram_last_break, ==, 21.6875f);
      g_assert_cmpfloat (c.pae_max_error_bin, ==, 31.0f);
      g_assert_cmpfloat (c.position_scale, ==, 10.0f);
      g_assert_cmpint (c.max_msa_clusters, ==, 512);
      g_assert_cmpint (c.max_extra_msa, ==, 5120);
    }
}

static void
test_infer_matches_json (void)
{
  const char *cases[] = { "tiny", "realdim" };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *file = g_strdup_printf ("params_%s.npz", cases[i]);
      g_autofree char *path = fl_test_golden_path (cases[i], file);
      g_autofree char *json = fl_test_golden_path (cases[i], "config.json");
      if (!fl_test_require_file (path))
        return;
      g_autoptr(GError) error = NULL;
      g_autoptr(FlParams) p = fl_params_load (path, &error);
      g_assert_no_error (error);
      /* Start from a preset with different widths: everything inferable
       * must come from the shapes. */
      FlModelConfig inferred;
      g_assert_true (fl_model_config_from_preset ("model_1", &inferred, NULL));
      g_assert_true (fl_model_config_infer (&inferred, p, &error));
      g_assert_no_error (error);
      check_widths (&inferred, &golden_widths[i], FALSE);

      FlModelConfig from_json;
      g_assert_true (fl_model_config_from_preset ("model_3_ptm", &from_json, NULL));
      g_assert_true (fl_model_config_load_json (json, &from_json, &error));
      /* Every inferable field agrees with config.json. */
      FlModelConfig merged = from_json;
      g_assert_true (fl_model_config_infer (&merged, p, &error));
      g_assert_cmpmem (&merged, sizeof merged, &from_json, sizeof from_json);
      g_assert_true (fl_params_validate (p, &inferred, &error));
      g_assert_no_error (error);
    }
}

static void
test_infer_errors_and_pae (void)
{
  FlModelConfig cfg;
  g_assert_true (fl_model_config_from_preset ("model_5", &cfg, NULL));
  cfg.n_evoformer_blocks = 1;
  cfg.n_extra_blocks = 1;
  g_autoptr(FlArrays) arrays = fl_params_generate_random (&cfg, 9);
  g_autoptr(GError) error = NULL;
  g_autoptr(FlParams) p = fl_params_new_from_arrays (arrays, &error);
  g_assert_no_error (error);
  FlModelConfig got;
  g_assert_true (fl_model_config_from_preset ("model_3_ptm", &got, NULL));
  g_assert_true (fl_model_config_infer (&got, p, &error));
  g_assert_false (got.has_pae);       /* no PAE head in the file */
  g_assert_cmpint (got.n_evoformer_blocks, ==, 1);

  /* A file lacking a tensor inference needs: a clear error naming it. */
  fl_arrays_remove (arrays, FL_PARAMS_ROOT "evoformer/preprocess_msa//weights");
  g_autoptr(FlParams) q = fl_params_new_from_arrays (arrays, &error);
  g_assert_false (fl_model_config_infer (&got, q, &error));
  g_assert_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "preprocess_msa//weights"));
}

static void
test_bad_json (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fl-test-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bad.json", NULL);
  FlModelConfig c;
  g_assert_true (fl_model_config_from_preset ("model_1", &c, NULL));
  FlModelConfig before = c;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (path, "{\"model\": {", -1, NULL));
  g_assert_false (fl_model_config_load_json (path, &c, &error));
  g_assert_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "bad.json"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path, "[1, 2]", -1, NULL));
  g_assert_false (fl_model_config_load_json (path, &c, &error));
  g_assert_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_PARSE);
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (path,
    "{\"model\": {\"embeddings_and_evoformer\": {\"msa_channel\": -3}}}", -1, NULL));
  g_assert_false (fl_model_config_load_json (path, &c, &error));
  g_assert_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "msa_channel"));
  g_clear_error (&error);
  /* Failed loads leave the configuration unchanged. */
  g_assert_cmpmem (&c, sizeof c, &before, sizeof before);

  /* Integers beyond int's range, fractions, and huge negatives are refused
   * before any cast (a fuzzing finding: the double was cast to int first,
   * undefined behaviour that clang's UBSan reports; tests/fuzz/seeds/config
   * replays it under clang). */
  const char *const out_of_range[] = {
    "{\"data\": {\"common\": {\"max_extra_msa\": 5126666666}}}",
    "{\"data\": {\"common\": {\"max_extra_msa\": 2147483648}}}",
    "{\"data\": {\"common\": {\"max_extra_msa\": -1e300}}}",
    "{\"data\": {\"common\": {\"max_extra_msa\": 1e300}}}",
    "{\"data\": {\"common\": {\"max_extra_msa\": 12.5}}}",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (out_of_range); i++)
    {
      g_assert_true (g_file_set_contents (path, out_of_range[i], -1, NULL));
      g_assert_false (fl_model_config_load_json (path, &c, &error));
      g_assert_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, "max_extra_msa"));
      g_clear_error (&error);
      g_assert_cmpmem (&c, sizeof c, &before, sizeof before);
    }
  /* The largest int is still an int. */
  g_assert_true (g_file_set_contents (path,
    "{\"data\": {\"common\": {\"max_extra_msa\": 2147483647}}}", -1, NULL));
  g_assert_true (fl_model_config_load_json (path, &c, &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.max_extra_msa, ==, G_MAXINT);
  c = before;

  g_assert_false (fl_model_config_load_json ("/nonexistent/config.json", &c, &error));
  g_assert_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_PARSE);
  g_unlink (path);
  g_rmdir (dir);
}

/* Template settings: use_template_unit_vector and num_block 0 are read;
 * settings the engine does not implement are refused by name. */
static void
test_template_settings (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fl-test-config-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "tmpl.json", NULL);
  FlModelConfig c;
  g_autoptr(GError) error = NULL;
#define EE "{\"model\": {\"embeddings_and_evoformer\": {\"template\": {\"enabled\": true, "
  g_assert_true (fl_model_config_from_preset ("model_1", &c, NULL));
  g_assert_false (c.template_unit_vector);
  g_assert_true (g_file_set_contents (path, EE "\"use_template_unit_vector\": true, "
                                      "\"template_pair_stack\": {\"num_block\": 0}}}}}", -1, NULL));
  g_assert_true (fl_model_config_load_json (path, &c, &error));
  g_assert_no_error (error);
  g_assert_true (c.has_templates);
  g_assert_true (c.template_unit_vector);
  g_assert_cmpint (c.template_blocks, ==, 0);

  const char *const refused[][2] = {
    { EE "\"embed_torsion_angles\": false}}}}", "embed_torsion_angles" },
    { EE "\"attention\": {\"key_dim\": 64, \"value_dim\": 32}}}}}", "value_dim" },
    { EE "\"attention\": {\"gating\": true}}}}}", "gating" },
    { EE "\"template_pair_stack\": {\"triangle_attention_starting_node\": {\"key_dim\": 32}}}}}}",
      "key_dim" },
    { EE "\"template_pair_stack\": {\"triangle_multiplication_incoming\": "
         "{\"fuse_projection_weights\": true}}}}}}", "fuse_projection_weights" },
  };
#undef EE
  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_true (fl_model_config_from_preset ("model_1", &c, NULL));
      g_assert_true (g_file_set_contents (path, refused[i][0], -1, NULL));
      g_assert_false (fl_model_config_load_json (path, &c, &error));
      g_assert_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID);
      g_assert_nonnull (strstr (error->message, refused[i][1]));
      g_clear_error (&error);
    }
  g_unlink (path);
  g_rmdir (dir);
}

/* DeepMind's file names give the preset; anything else gives none. */
static void
test_preset_from_filename (void)
{
  const struct { const char *path, *preset; } cases[] = {
    { "params_model_1.npz", "model_1" },
    { "/data/params/params_model_5_ptm.npz", "model_5_ptm" },
    { "params/params_model_2_ptm.npz", "model_2_ptm" },
    { "model_3.npz", "model_3" },
    { "/x/model_9/params_model_4.npz", "model_4" },
    { "params_tiny.npz", NULL },
    { "params_model_6.npz", NULL },
    { "params_model_12.npz", NULL },
    { "params_model_1_multimer_v3.npz", "model_1" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = fl_model_config_preset_from_filename (cases[i].path);
      g_assert_cmpstr (got, ==, cases[i].preset);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/config/presets", test_presets);
  g_test_add_func ("/model/config/preset-from-filename", test_preset_from_filename);
  g_test_add_func ("/model/config/golden-json", test_golden_json);
  g_test_add_func ("/model/config/infer-matches-json", test_infer_matches_json);
  g_test_add_func ("/model/config/infer-errors-pae", test_infer_errors_and_pae);
  g_test_add_func ("/model/config/bad-json", test_bad_json);
  g_test_add_func ("/model/config/template-settings", test_template_settings);
  return g_test_run ();
}
