/* Parameters, configuration and config.json shared by predict and batch. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "fl-build-config.h"
#include "fl-cli-model.h"

gboolean
fl_cli_parse_backend (const char *name, FlBackendKind *kind)
{
  if (!name || g_str_equal (name, "auto"))
    *kind = FL_BACKEND_KIND_AUTO;
  else if (g_str_equal (name, "cpu"))
    *kind = FL_BACKEND_KIND_CPU;
  else if (g_str_equal (name, "cuda"))
    *kind = FL_BACKEND_KIND_CUDA;
  else
    return FALSE;
  return TRUE;
}

const char *
fl_cli_model_type (const FlModelConfig *cfg)
{
  return cfg->has_pae ? "alphafold2_ptm" : "alphafold2";
}

/* SHA-256 of a file, read in chunks (parameter files are ~370 MB). */
static char *
file_sha256 (const char *path, GError **error)
{
  FILE *f = fopen (path, "rb");
  if (!f)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot read %s: %s", path, g_strerror (errno));
      return NULL;
    }
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buf = g_malloc (1 << 20);
  size_t n;
  while ((n = fread (buf, 1, 1 << 20, f)) > 0)
    g_checksum_update (sum, buf, n);
  gboolean bad = ferror (f);
  fclose (f);
  if (bad)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_IO, "Cannot read %s", path);
      return NULL;
    }
  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
has_template_weights (FlParams *params)
{
  for (guint i = 0; i < fl_params_n_tensors (params); i++)
    if (strstr (fl_params_tensor (params, i)->name, "template_"))
      return TRUE;
  return FALSE;
}

void
fl_cli_model_free (FlCliModel *m)
{
  if (!m)
    return;
  if (m->params)
    fl_params_unref (m->params);
  g_free (m->params_file);
  g_free (m->params_sha256);
  g_free (m);
}

FlCliModel *
fl_cli_model_load (char **paths, const char *preset, const char *config_path,
                   int max_clusters, int max_extra, GError **error)
{
  g_return_val_if_fail (paths && paths[0], NULL);
  g_autoptr (FlCliModel) m = g_new0 (FlCliModel, 1);
  guint n = g_strv_length (paths);
  m->params = n == 1 ? fl_params_load (paths[0], error)
                     : fl_params_load_many ((const char *const *) paths, error);
  if (!m->params)
    return NULL;

  g_autoptr (GString) names = g_string_new (NULL), sums = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *base = g_path_get_basename (paths[i]);
      g_autofree char *sum = file_sha256 (paths[i], error);
      if (!sum)
        return NULL;
      g_string_append_printf (names, "%s%s", i ? ", " : "", base);
      g_string_append_printf (sums, "%s%s", i ? ", " : "", sum);
    }
  m->params_file = g_string_free (g_steal_pointer (&names), FALSE);
  m->params_sha256 = g_string_free (g_steal_pointer (&sums), FALSE);

  g_autofree char *from_name = fl_model_config_preset_from_filename (paths[0]);
  const char *name;
  if (preset)
    name = preset, m->preset_source = "--preset";
  else if (from_name)
    name = from_name, m->preset_source = "file name";
  else
    {
      gboolean pae = fl_params_lookup (m->params, FL_PARAMS_ROOT
                                       "predicted_aligned_error_head/logits//weights") != NULL;
      name = pae ? "model_1_ptm" : "model_1";
      m->preset_source = "parameter shapes";
    }
  if (!fl_model_config_from_preset (name, &m->cfg, error))
    return NULL;
  if (config_path && !fl_model_config_load_json (config_path, &m->cfg, error))
    return NULL;
  if (!fl_model_config_infer (&m->cfg, m->params, error))
    return NULL;
  if (max_clusters > 0)
    {
      m->cfg.max_msa_clusters = max_clusters;
      m->clusters_explicit = TRUE;
    }
  if (max_extra >= 0)
    m->cfg.max_extra_msa = max_extra;
  m->template_weights = has_template_weights (m->params);
  return g_steal_pointer (&m);
}

/* Model number of a preset ("model_3_ptm" -> 3), 0 when custom. */
static int
preset_number (const char *preset)
{
  if (g_str_has_prefix (preset, "model_") && preset[6] >= '1' && preset[6] <= '5')
    return preset[6] - '0';
  return 0;
}

/* AlphaFold trained models 1 and 2 with templates (their files hold the
 * template weights). A preset only guessed from the tensors says nothing. */
static gboolean
trained_with_templates (const FlCliModel *m)
{
  int k = preset_number (m->cfg.preset);
  gboolean named = !g_str_equal (m->preset_source, "parameter shapes");
  return (named && (k == 1 || k == 2)) || m->template_weights;
}

void
fl_cli_model_notice_templates (const FlCliModel *m)
{
  if (trained_with_templates (m))
    g_printerr ("foldlight-cli: notice: %s was trained with templates; this run has none "
                "(--template or --template-dir gives some), so its results differ from "
                "AlphaFold's with templates.\n", m->cfg.preset);
}

void
fl_cli_json_add_string_or_null (JsonBuilder *b, const char *key, const char *value)
{
  json_builder_set_member_name (b, key);
  if (value)
    json_builder_add_string_value (b, value);
  else
    json_builder_add_null_value (b);
}

gboolean
fl_cli_write_config_json (const char *path, FlCliModel *const *models, int n_models,
                          const FlCliRunSettings *run, GError **error)
{
  g_return_val_if_fail (n_models >= 1, FALSE);
  const FlModelConfig *c0 = &models[0]->cfg;
  gboolean same_preset = TRUE, same_seq = TRUE, same_extra = TRUE, same_type = TRUE;
  for (int i = 1; i < n_models; i++)
    {
      const FlModelConfig *c = &models[i]->cfg;
      same_preset = same_preset && g_str_equal (c->preset, c0->preset)
                    && g_str_equal (models[i]->params_file, models[0]->params_file);
      same_seq = same_seq && c->max_msa_clusters == c0->max_msa_clusters;
      same_extra = same_extra && c->max_extra_msa == c0->max_extra_msa;
      same_type = same_type && c->has_pae == c0->has_pae;
    }
  FlEngine *e = run->engine;

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "num_queries");
  json_builder_add_int_value (b, run->num_queries);
  json_builder_set_member_name (b, "use_templates");
  json_builder_add_boolean_value (b, run->use_templates);
  json_builder_set_member_name (b, "num_relax");
  json_builder_add_int_value (b, 0);
  fl_cli_json_add_string_or_null (b, "msa_mode", run->msa_mode);
  fl_cli_json_add_string_or_null (b, "model_type", same_type ? fl_cli_model_type (c0) : NULL);
  json_builder_set_member_name (b, "num_models");
  json_builder_add_int_value (b, n_models);
  json_builder_set_member_name (b, "num_recycles");
  json_builder_add_int_value (b, run->num_recycles);
  json_builder_set_member_name (b, "recycle_early_stop_tolerance");
  json_builder_add_double_value (b, run->tolerance);
  json_builder_set_member_name (b, "model_order");
  json_builder_begin_array (b);
  for (int i = 0; i < n_models; i++)
    json_builder_add_int_value (b, preset_number (models[i]->cfg.preset));
  json_builder_end_array (b);
  fl_cli_json_add_string_or_null (b, "rank_by", run->rank_by);
  json_builder_set_member_name (b, "max_seq");
  if (same_seq)
    json_builder_add_int_value (b, c0->max_msa_clusters);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "max_extra_seq");
  if (same_extra)
    json_builder_add_int_value (b, c0->max_extra_msa);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "random_seed");
  json_builder_add_int_value (b, (gint64) run->seed);
  json_builder_set_member_name (b, "num_seeds");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "deterministic_features");
  json_builder_add_boolean_value (b, run->deterministic);
  fl_cli_json_add_string_or_null (b, "preset", same_preset ? c0->preset : NULL);
  fl_cli_json_add_string_or_null (b, "params_file", same_preset ? models[0]->params_file : NULL);
  fl_cli_json_add_string_or_null (b, "params_sha256",
                                  same_preset ? models[0]->params_sha256 : NULL);
  fl_cli_json_add_string_or_null (b, "backend", e ? fl_engine_backend_name (e) : NULL);
  fl_cli_json_add_string_or_null (b, "backend_description",
                                  e ? fl_engine_backend_description (e) : NULL);
  fl_cli_json_add_string_or_null (b, "precision",
                                  e ? fl_precision_name (fl_engine_precision (e)) : NULL);
  fl_cli_json_add_string_or_null (b, "foldlight_version", FL_VERSION);
  json_builder_set_member_name (b, "models");
  json_builder_begin_array (b);
  for (int i = 0; i < n_models; i++)
    {
      const FlCliModel *m = models[i];
      json_builder_begin_object (b);
      fl_cli_json_add_string_or_null (b, "preset", m->cfg.preset);
      fl_cli_json_add_string_or_null (b, "preset_from", m->preset_source);
      fl_cli_json_add_string_or_null (b, "model_type", fl_cli_model_type (&m->cfg));
      fl_cli_json_add_string_or_null (b, "params_file", m->params_file);
      fl_cli_json_add_string_or_null (b, "params_sha256", m->params_sha256);
      json_builder_set_member_name (b, "max_seq");
      json_builder_add_int_value (b, m->cfg.max_msa_clusters);
      json_builder_set_member_name (b, "max_extra_seq");
      json_builder_add_int_value (b, m->cfg.max_extra_msa);
      json_builder_set_member_name (b, "trained_with_templates");
      json_builder_add_boolean_value (b, trained_with_templates (m));
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_indent (gen, 4);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  g_autofree char *with_nl = g_strconcat (text, "\n", NULL);
  return g_file_set_contents (path, with_nl, -1, error);
}
