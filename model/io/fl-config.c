/* Model configuration: presets, AlphaFold ConfigDict JSON, inference from
 * parameter shapes. */
#include "fl-config.h"
#include "fl-error.h"
#include "fl-params.h"

#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

static const char *const preset_names[] = {
  "model_1", "model_2", "model_3", "model_4", "model_5",
  "model_1_ptm", "model_2_ptm", "model_3_ptm", "model_4_ptm", "model_5_ptm",
  "custom", NULL,
};

const char *const *
fl_model_config_preset_names (void)
{
  return preset_names;
}

/* The full-size monomer trunk shared by every released model. */
static void
set_monomer_defaults (FlModelConfig *cfg)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->c_m = 256;
  cfg->c_z = 128;
  cfg->c_s = 384;
  cfg->c_e = 64;
  cfg->msa_feat_dim = 49;
  cfg->target_feat_dim = 22;
  cfg->n_evoformer_blocks = 48;
  cfg->n_extra_blocks = 4;
  cfg->msa_row_heads = 8;
  cfg->msa_col_heads = 8;
  cfg->extra_row_heads = 8;
  cfg->extra_col_heads = 8;
  cfg->tri_att_start_heads = 4;
  cfg->tri_att_end_heads = 4;
  cfg->tri_mul_channels = 128;
  cfg->extra_tri_mul_channels = 128;
  cfg->opm_channels = 32;
  cfg->extra_opm_channels = 32;
  cfg->msa_transition_factor = 4;
  cfg->pair_transition_factor = 4;
  cfg->max_relative_feature = 32;
  cfg->prev_pos_bins = 15;
  cfg->prev_pos_min = 3.25f;
  cfg->prev_pos_max = 20.75f;

  cfg->sm_layers = 8;
  cfg->sm_channels = 384;
  cfg->sm_heads = 12;
  cfg->ipa_qk_scalar = 16;
  cfg->ipa_v_scalar = 16;
  cfg->ipa_qk_points = 4;
  cfg->ipa_v_points = 8;
  cfg->sm_transition_layers = 3;
  cfg->sidechain_channels = 128;
  cfg->sidechain_blocks = 2;
  cfg->position_scale = 10.0f;

  cfg->plddt_bins = 50;
  cfg->plddt_channels = 128;
  cfg->distogram_bins = 64;
  cfg->distogram_first_break = 2.3125f;
  cfg->distogram_last_break = 21.6875f;
  cfg->masked_msa_outputs = 23;
  cfg->has_pae = FALSE;
  cfg->pae_bins = 64;
  cfg->pae_max_error_bin = 31.0f;

  cfg->num_recycle = 3;
  cfg->max_msa_clusters = 512;
  cfg->max_extra_msa = 1024;
  cfg->has_templates = FALSE;
  /* AlphaFold's monomer template config (used when has_templates). */
  cfg->max_templates = 4;
  cfg->c_t = 64;
  cfg->template_blocks = 2;
  cfg->template_tri_start_heads = 4;
  cfg->template_tri_end_heads = 4;
  cfg->template_tri_mul_channels = 64;
  cfg->template_pair_transition_factor = 2;
  cfg->template_att_heads = 4;
  cfg->template_att_key_dim = 64;
  cfg->template_att_value_dim = 64;
  cfg->template_dgram_bins = 39;
  cfg->template_dgram_min = 3.25f;
  cfg->template_dgram_max = 50.75f;
  cfg->template_unit_vector = FALSE;
}

gboolean
fl_model_config_from_preset (const char *preset, FlModelConfig *cfg,
                             GError **error)
{
  g_return_val_if_fail (preset != NULL && cfg != NULL, FALSE);
  int model = 0;
  gboolean ptm = FALSE;
  gboolean known = strcmp (preset, "custom") == 0;
  for (int k = 1; !known && k <= 5; k++)
    {
      char plain[16], with_ptm[16];
      g_snprintf (plain, sizeof plain, "model_%d", k);
      g_snprintf (with_ptm, sizeof with_ptm, "model_%d_ptm", k);
      if (strcmp (preset, plain) == 0 || strcmp (preset, with_ptm) == 0)
        {
          known = TRUE;
          model = k;
          ptm = strcmp (preset, with_ptm) == 0;
        }
    }
  if (!known)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) preset_names);
      g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_UNKNOWN_PRESET,
                   "unknown model preset '%s' (known: %s)", preset, list);
      return FALSE;
    }
  set_monomer_defaults (cfg);
  g_strlcpy (cfg->preset, preset, sizeof cfg->preset);
  cfg->has_pae = ptm;
  /* AlphaFold's CONFIG_DIFFS: models 1 and 2 use templates (and reduce the
   * cluster count by max_templates = 4); models 1, 3 and 4 use 5120 extra rows. */
  if (model == 1 || model == 2)
    {
      cfg->has_templates = TRUE;
      cfg->max_msa_clusters = 512 - 4;
    }
  if (model == 1 || model == 3 || model == 4)
    cfg->max_extra_msa = 5120;
  return TRUE;
}

char *
fl_model_config_preset_from_filename (const char *path)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *base = g_path_get_basename (path);
  /* The last "model_N" of the name, N a single digit 1..5 not followed by
   * another digit; "_ptm" right after it marks the pTM variant. */
  const char *found = NULL;
  for (const char *m = strstr (base, "model_"); m; m = strstr (m + 1, "model_"))
    if (m[6] >= '1' && m[6] <= '5' && !g_ascii_isdigit (m[7]))
      found = m;
  if (!found)
    return NULL;
  gboolean ptm = g_str_has_prefix (found + 7, "_ptm");
  return g_strdup_printf ("model_%c%s", found[6], ptm ? "_ptm" : "");
}

/* ------------------------------------------------------------------ JSON */

static JsonObject *
get_obj (JsonObject *o, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  for (int i = 0; o != NULL && parts[i] != NULL; i++)
    {
      JsonNode *n = json_object_get_member (o, parts[i]);
      o = (n != NULL && JSON_NODE_HOLDS_OBJECT (n)) ? json_node_get_object (n) : NULL;
    }
  return o;
}

/* Numeric value of key `name` of object `o`; FALSE if absent or not a number. */
static gboolean
get_num (JsonObject *o, const char *name, double *out)
{
  if (o == NULL)
    return FALSE;
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return FALSE;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_INT64)
    *out = (double) json_node_get_int (n);
  else if (t == G_TYPE_DOUBLE)
    *out = json_node_get_double (n);
  else if (t == G_TYPE_BOOLEAN)
    *out = json_node_get_boolean (n) ? 1.0 : 0.0;
  else
    return FALSE;
  return TRUE;
}

typedef struct {
  const char *path;
  GError **error;
  gboolean ok;
} Ctx;

static void
read_int (Ctx *c, JsonObject *o, const char *name, int *dst, int min_value)
{
  double v;
  if (!c->ok || !get_num (o, name, &v))
    return;
  /* Range first: casting a double outside int's range is undefined. */
  if (!(v >= min_value && v <= G_MAXINT) || v != floor (v))
    {
      g_set_error (c->error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                   "%s: '%s' must be an integer >= %d, not %g", c->path, name, min_value, v);
      c->ok = FALSE;
      return;
    }
  *dst = (int) v;
}

static void
read_float (Ctx *c, JsonObject *o, const char *name, float *dst)
{
  double v;
  if (c->ok && get_num (o, name, &v))
    *dst = (float) v;
}

gboolean
fl_model_config_load_json (const char *path, FlModelConfig *cfg, GError **error)
{
  g_return_val_if_fail (path != NULL && cfg != NULL, FALSE);
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *local = NULL;
  if (!json_parser_load_from_file (parser, path, &local))
    {
      g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_PARSE,
                   "cannot read configuration %s: %s", path, local->message);
      g_error_free (local);
      return FALSE;
    }
  JsonNode *root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_PARSE,
                   "%s: not an AlphaFold configuration (top level is not an object)", path);
      return FALSE;
    }
  JsonObject *top = json_node_get_object (root);
  JsonObject *model = get_obj (top, "model");
  JsonObject *data = get_obj (top, "data");
  if (model == NULL && data == NULL)
    {
      g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_PARSE,
                   "%s: not an AlphaFold configuration (no \"model\" or \"data\" section)", path);
      return FALSE;
    }

  FlModelConfig c = *cfg;
  Ctx ctx = { path, error, TRUE };

  JsonObject *ee = get_obj (model, "embeddings_and_evoformer");
  read_int (&ctx, ee, "msa_channel", &c.c_m, 1);
  read_int (&ctx, ee, "pair_channel", &c.c_z, 1);
  read_int (&ctx, ee, "seq_channel", &c.c_s, 1);
  read_int (&ctx, ee, "extra_msa_channel", &c.c_e, 1);
  read_int (&ctx, ee, "evoformer_num_block", &c.n_evoformer_blocks, 0);
  read_int (&ctx, ee, "extra_msa_stack_num_block", &c.n_extra_blocks, 0);
  read_int (&ctx, ee, "max_relative_feature", &c.max_relative_feature, 0);
  JsonObject *pp = get_obj (ee, "prev_pos");
  read_int (&ctx, pp, "num_bins", &c.prev_pos_bins, 1);
  read_float (&ctx, pp, "min_bin", &c.prev_pos_min);
  read_float (&ctx, pp, "max_bin", &c.prev_pos_max);

  /* The extra-MSA stack is configured by the same Evoformer section. */
  JsonObject *evo = get_obj (ee, "evoformer");
  JsonObject *o;
  o = get_obj (evo, "msa_row_attention_with_pair_bias");
  read_int (&ctx, o, "num_head", &c.msa_row_heads, 1);
  read_int (&ctx, o, "num_head", &c.extra_row_heads, 1);
  o = get_obj (evo, "msa_column_attention");
  read_int (&ctx, o, "num_head", &c.msa_col_heads, 1);
  read_int (&ctx, o, "num_head", &c.extra_col_heads, 1);
  read_int (&ctx, get_obj (evo, "msa_transition"), "num_intermediate_factor",
            &c.msa_transition_factor, 1);
  read_int (&ctx, get_obj (evo, "pair_transition"), "num_intermediate_factor",
            &c.pair_transition_factor, 1);
  o = get_obj (evo, "outer_product_mean");
  read_int (&ctx, o, "num_outer_channel", &c.opm_channels, 1);
  read_int (&ctx, o, "num_outer_channel", &c.extra_opm_channels, 1);
  read_int (&ctx, get_obj (evo, "triangle_attention_starting_node"), "num_head",
            &c.tri_att_start_heads, 1);
  read_int (&ctx, get_obj (evo, "triangle_attention_ending_node"), "num_head",
            &c.tri_att_end_heads, 1);
  o = get_obj (evo, "triangle_multiplication_outgoing");
  read_int (&ctx, o, "num_intermediate_channel", &c.tri_mul_channels, 1);
  read_int (&ctx, o, "num_intermediate_channel", &c.extra_tri_mul_channels, 1);
  double v;
  JsonObject *tp = get_obj (ee, "template");
  if (get_num (tp, "enabled", &v))
    c.has_templates = v != 0.0;
  read_int (&ctx, tp, "max_templates", &c.max_templates, 0);
  JsonObject *tps = get_obj (tp, "template_pair_stack");
  read_int (&ctx, tps, "num_block", &c.template_blocks, 0);
  read_int (&ctx, get_obj (tps, "triangle_attention_starting_node"), "num_head",
            &c.template_tri_start_heads, 1);
  read_int (&ctx, get_obj (tps, "triangle_attention_ending_node"), "num_head",
            &c.template_tri_end_heads, 1);
  read_int (&ctx, get_obj (tps, "triangle_attention_ending_node"), "value_dim", &c.c_t, 1);
  read_int (&ctx, get_obj (tps, "triangle_multiplication_outgoing"), "num_intermediate_channel",
            &c.template_tri_mul_channels, 1);
  read_int (&ctx, get_obj (tps, "pair_transition"), "num_intermediate_factor",
            &c.template_pair_transition_factor, 1);
  o = get_obj (tp, "attention");
  read_int (&ctx, o, "num_head", &c.template_att_heads, 1);
  read_int (&ctx, o, "key_dim", &c.template_att_key_dim, 1);
  read_int (&ctx, o, "value_dim", &c.template_att_value_dim, 1);
  o = get_obj (tp, "dgram_features");
  read_int (&ctx, o, "num_bins", &c.template_dgram_bins, 1);
  read_float (&ctx, o, "min_bin", &c.template_dgram_min);
  read_float (&ctx, o, "max_bin", &c.template_dgram_max);
  double flag;
  if (get_num (tp, "use_template_unit_vector", &flag))
    c.template_unit_vector = flag != 0.0;
  /* Settings this engine does not implement are refused, not ignored. */
  const char *unsupported = NULL;
  JsonObject *ta = get_obj (tp, "attention");
  if (get_num (tp, "embed_torsion_angles", &flag) && flag == 0.0)
    unsupported = "embed_torsion_angles false (no template MSA rows)";
  else if (get_num (ta, "gating", &flag) && flag != 0.0)
    unsupported = "template.attention.gating true";
  else if (c.template_att_key_dim != c.template_att_value_dim)
    unsupported = "template.attention key_dim different from value_dim";
  for (int n = 0; !unsupported && n < 2; n++)
    {
      JsonObject *node = get_obj (tps, n ? "triangle_attention_ending_node"
                                         : "triangle_attention_starting_node");
      if ((get_num (node, "key_dim", &flag) && (int) flag != c.c_t)
          || (get_num (node, "value_dim", &flag) && (int) flag != c.c_t))
        unsupported = "template triangle attention key_dim / value_dim other than c_t "
                      "(the ending node's value_dim)";
      else if (get_num (node, "gating", &flag) && flag == 0.0)
        unsupported = "template triangle attention without gating";
    }
  for (int n = 0; !unsupported && n < 2; n++)
    if (get_num (get_obj (tps, n ? "triangle_multiplication_incoming"
                                 : "triangle_multiplication_outgoing"),
                 "fuse_projection_weights", &flag) && flag != 0.0)
      unsupported = "template triangle multiplication with fuse_projection_weights";
  if (c.has_templates && ctx.ok && unsupported)
    {
      g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                   "%s: unsupported template setting: %s", path, unsupported);
      return FALSE;
    }

  JsonObject *heads = get_obj (model, "heads");
  JsonObject *sm = get_obj (heads, "structure_module");
  read_int (&ctx, sm, "num_layer", &c.sm_layers, 1);
  read_int (&ctx, sm, "num_channel", &c.sm_channels, 1);
  read_int (&ctx, sm, "num_head", &c.sm_heads, 1);
  read_int (&ctx, sm, "num_scalar_qk", &c.ipa_qk_scalar, 1);
  read_int (&ctx, sm, "num_scalar_v", &c.ipa_v_scalar, 1);
  read_int (&ctx, sm, "num_point_qk", &c.ipa_qk_points, 1);
  read_int (&ctx, sm, "num_point_v", &c.ipa_v_points, 1);
  read_int (&ctx, sm, "num_layer_in_transition", &c.sm_transition_layers, 1);
  read_float (&ctx, sm, "position_scale", &c.position_scale);
  o = get_obj (sm, "sidechain");
  read_int (&ctx, o, "num_channel", &c.sidechain_channels, 1);
  read_int (&ctx, o, "num_residual_block", &c.sidechain_blocks, 0);
  o = get_obj (heads, "predicted_lddt");
  read_int (&ctx, o, "num_bins", &c.plddt_bins, 1);
  read_int (&ctx, o, "num_channels", &c.plddt_channels, 1);
  o = get_obj (heads, "distogram");
  read_int (&ctx, o, "num_bins", &c.distogram_bins, 1);
  read_float (&ctx, o, "first_break", &c.distogram_first_break);
  read_float (&ctx, o, "last_break", &c.distogram_last_break);
  read_int (&ctx, get_obj (heads, "masked_msa"), "num_output", &c.masked_msa_outputs, 1);
  o = get_obj (heads, "predicted_aligned_error");
  read_int (&ctx, o, "num_bins", &c.pae_bins, 1);
  read_float (&ctx, o, "max_error_bin", &c.pae_max_error_bin);
  /* The PAE head is trained (and present) in the _ptm models only, where
   * its loss weight is non-zero. */
  if (get_num (o, "weight", &v))
    c.has_pae = v > 0.0;

  /* Recycles: the model's own count wins over the data pipeline's. */
  JsonObject *common = get_obj (data, "common");
  if (model != NULL && json_object_has_member (model, "num_recycle"))
    read_int (&ctx, model, "num_recycle", &c.num_recycle, 0);
  else
    read_int (&ctx, common, "num_recycle", &c.num_recycle, 0);
  read_int (&ctx, common, "max_extra_msa", &c.max_extra_msa, 0);
  JsonObject *eval = get_obj (data, "eval");
  read_int (&ctx, eval, "max_msa_clusters", &c.max_msa_clusters, 1);
  double reduce = 0, use_t = 0, max_t = 0;
  if (get_num (common, "reduce_msa_clusters_by_max_templates", &reduce) && reduce != 0
      && get_num (common, "use_templates", &use_t) && use_t != 0
      && get_num (eval, "max_templates", &max_t) && max_t < c.max_msa_clusters)
    c.max_msa_clusters -= (int) max_t;

  if (!ctx.ok)
    return FALSE;
  if (c.preset[0] == '\0')
    g_strlcpy (c.preset, "custom", sizeof c.preset);
  *cfg = c;
  return TRUE;
}

/* ------------------------------------------------------------ inference */

/* Shape of a parameter (relative key); NULL if absent. */
static const FlParamInfo *
info (FlParams *params, const char *rel)
{
  g_autofree char *full = g_strconcat (FL_PARAMS_ROOT, rel, NULL);
  return fl_params_lookup (params, full);
}

typedef struct {
  FlParams *params;
  GError **error;
  gboolean ok;
} Infer;

/* Dimension `dim` (negative: from the end) of tensor `rel`; records a
 * missing-tensor error. */
static int
dim_of (Infer *in, const char *rel, int dim, int want_ndim)
{
  if (!in->ok)
    return 0;
  const FlParamInfo *p = info (in->params, rel);
  if (p == NULL || p->ndim != want_ndim)
    {
      const char *src = fl_params_path (in->params);
      if (p == NULL)
        g_set_error (in->error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                     "cannot infer the model configuration: parameter '%s%s' is missing%s%s",
                     FL_PARAMS_ROOT, rel, src ? " from " : "", src ? src : "");
      else
        g_set_error (in->error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                     "cannot infer the model configuration: parameter '%s%s' has %d dimensions, expected %d",
                     FL_PARAMS_ROOT, rel, p->ndim, want_ndim);
      in->ok = FALSE;
      return 0;
    }
  int d = dim < 0 ? p->ndim + dim : dim;
  return (int) p->shape[d];
}

/* Number of numbered variants "base", "base_1", "base_2", ... present. */
static int
count_numbered (FlParams *params, const char *scope_fmt_base, const char *suffix)
{
  int n = 0;
  for (;;)
    {
      g_autofree char *rel = n == 0
        ? g_strdup_printf ("%s%s", scope_fmt_base, suffix)
        : g_strdup_printf ("%s_%d%s", scope_fmt_base, n, suffix);
      if (info (params, rel) == NULL)
        return n;
      n++;
    }
}

static int
safe_div (Infer *in, int a, int b, const char *what)
{
  if (!in->ok)
    return 0;
  if (b <= 0 || a % b != 0)
    {
      g_set_error (in->error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                   "cannot infer the model configuration: %s (%d / %d) is not a whole number",
                   what, a, b);
      in->ok = FALSE;
      return 0;
    }
  return a / b;
}

gboolean
fl_model_config_infer (FlModelConfig *cfg, FlParams *params, GError **error)
{
  g_return_val_if_fail (cfg != NULL && params != NULL, FALSE);
  FlModelConfig c = *cfg;
  Infer in = { params, error, TRUE };
  Infer *I = &in;

  c.c_m = dim_of (I, "evoformer/preprocess_msa//weights", 1, 2);
  c.msa_feat_dim = dim_of (I, "evoformer/preprocess_msa//weights", 0, 2);
  c.target_feat_dim = dim_of (I, "evoformer/preprocess_1d//weights", 0, 2);
  c.c_z = dim_of (I, "evoformer/left_single//weights", 1, 2);
  c.c_s = dim_of (I, "evoformer/single_activations//weights", 1, 2);
  c.c_e = dim_of (I, "evoformer/extra_msa_activations//weights", 1, 2);
  int rel = dim_of (I, "evoformer/pair_activiations//weights", 0, 2);
  c.max_relative_feature = (rel - 1) / 2;
  c.prev_pos_bins = dim_of (I, "evoformer/prev_pos_linear//weights", 0, 2);

  /* Stacks: block counts from the leading dimension. A model may have no
   * extra stack or no Evoformer blocks at all. */
#define EVO "evoformer/evoformer_iteration/"
#define EXT "evoformer/extra_msa_stack/"
  if (info (params, EVO "msa_transition/transition1//weights") != NULL)
    {
      c.n_evoformer_blocks = dim_of (I, EVO "msa_transition/transition1//weights", 0, 3);
      c.msa_row_heads = dim_of (I, EVO "msa_row_attention_with_pair_bias//feat_2d_weights", -1, 3);
      c.msa_col_heads = dim_of (I, EVO "msa_column_attention/attention//query_w", -2, 4);
      c.tri_att_start_heads = dim_of (I, EVO "triangle_attention_starting_node//feat_2d_weights", -1, 3);
      c.tri_att_end_heads = dim_of (I, EVO "triangle_attention_ending_node//feat_2d_weights", -1, 3);
      c.tri_mul_channels = dim_of (I, EVO "triangle_multiplication_outgoing/left_projection//weights", -1, 3);
      c.opm_channels = dim_of (I, EVO "outer_product_mean/left_projection//weights", -1, 3);
      c.msa_transition_factor =
        safe_div (I, dim_of (I, EVO "msa_transition/transition1//weights", -1, 3), c.c_m,
                  "MSA transition width / msa_channel");
      c.pair_transition_factor =
        safe_div (I, dim_of (I, EVO "pair_transition/transition1//weights", -1, 3), c.c_z,
                  "pair transition width / pair_channel");
    }
  else
    c.n_evoformer_blocks = 0;
  if (info (params, EXT "msa_transition/transition1//weights") != NULL)
    {
      c.n_extra_blocks = dim_of (I, EXT "msa_transition/transition1//weights", 0, 3);
      c.extra_row_heads = dim_of (I, EXT "msa_row_attention_with_pair_bias//feat_2d_weights", -1, 3);
      c.extra_col_heads = dim_of (I, EXT "msa_column_global_attention/attention//query_w", -2, 4);
      c.extra_tri_mul_channels = dim_of (I, EXT "triangle_multiplication_outgoing/left_projection//weights", -1, 3);
      c.extra_opm_channels = dim_of (I, EXT "outer_product_mean/left_projection//weights", -1, 3);
      if (c.n_evoformer_blocks == 0)
        {
          c.tri_att_start_heads = dim_of (I, EXT "triangle_attention_starting_node//feat_2d_weights", -1, 3);
          c.tri_att_end_heads = dim_of (I, EXT "triangle_attention_ending_node//feat_2d_weights", -1, 3);
          c.msa_transition_factor =
            safe_div (I, dim_of (I, EXT "msa_transition/transition1//weights", -1, 3), c.c_e,
                      "extra MSA transition width / extra_msa_channel");
          c.pair_transition_factor =
            safe_div (I, dim_of (I, EXT "pair_transition/transition1//weights", -1, 3), c.c_z,
                      "pair transition width / pair_channel");
        }
    }
  else
    c.n_extra_blocks = 0;
#undef EVO
#undef EXT

  /* Structure module. */
#define SM "structure_module/"
#define FI "structure_module/fold_iteration/"
#define IPA FI "invariant_point_attention/"
  c.sm_channels = dim_of (I, SM "initial_projection//weights", 1, 2);
  c.sm_heads = dim_of (I, IPA "/trainable_point_weights", 0, 1);
  int H = c.sm_heads;
  c.ipa_qk_scalar = safe_div (I, dim_of (I, IPA "q_scalar//weights", 1, 2), H,
                              "IPA q_scalar width / heads");
  c.ipa_v_scalar = safe_div (I, dim_of (I, IPA "kv_scalar//weights", 1, 2), H,
                             "IPA kv_scalar width / heads") - c.ipa_qk_scalar;
  c.ipa_qk_points = safe_div (I, dim_of (I, IPA "q_point_local//weights", 1, 2), 3 * H,
                              "IPA q_point_local width / (3 heads)");
  c.ipa_v_points = safe_div (I, dim_of (I, IPA "kv_point_local//weights", 1, 2), 3 * H,
                             "IPA kv_point_local width / (3 heads)") - c.ipa_qk_points;
  c.sm_transition_layers = count_numbered (params, FI "transition", "//weights");
  c.sidechain_channels = dim_of (I, FI "rigid_sidechain/input_projection//weights", 1, 2);
  c.sidechain_blocks = count_numbered (params, FI "rigid_sidechain/resblock1", "//weights");
#undef IPA
#undef FI
#undef SM

  /* Heads. */
  c.plddt_channels = dim_of (I, "predicted_lddt_head/act_0//weights", 1, 2);
  c.plddt_bins = dim_of (I, "predicted_lddt_head/logits//weights", 1, 2);
  c.distogram_bins = dim_of (I, "distogram_head/half_logits//weights", 1, 2);
  c.masked_msa_outputs = dim_of (I, "masked_msa_head/logits//weights", 1, 2);
  c.has_pae = info (params, "predicted_aligned_error_head/logits//weights") != NULL;
  if (c.has_pae)
    c.pae_bins = dim_of (I, "predicted_aligned_error_head/logits//weights", 1, 2);

  /* Template stack (models 1 and 2): present or absent as a whole; the
   * validation against the table names what is missing. */
#define TE "evoformer/template_embedding/"
#define TS TE "single_template_embedding/template_pair_stack/__layer_stack_no_state/"
  c.has_templates = info (params, TE "single_template_embedding/embedding2d//weights") != NULL;
  if (c.has_templates)
    {
      c.c_t = dim_of (I, TE "single_template_embedding/embedding2d//weights", 1, 2);
      c.template_dgram_bins = dim_of (I, TE "single_template_embedding/embedding2d//weights", 0, 2)
                              - FL_TEMPLATE_PAIR_FEAT_FIXED;
      /* a stack of no blocks has no parameters */
      c.template_blocks = 0;
      if (info (params, TS "pair_transition/transition1//weights"))
        {
          c.template_blocks = dim_of (I, TS "pair_transition/transition1//weights", 0, 3);
          c.template_tri_start_heads = dim_of (I, TS "triangle_attention_starting_node//feat_2d_weights", -1, 3);
          c.template_tri_end_heads = dim_of (I, TS "triangle_attention_ending_node//feat_2d_weights", -1, 3);
          c.template_tri_mul_channels = dim_of (I, TS "triangle_multiplication_outgoing/left_projection//weights", -1, 3);
          c.template_pair_transition_factor =
            safe_div (I, dim_of (I, TS "pair_transition/transition1//weights", -1, 3), c.c_t,
                      "template pair transition width / c_t");
        }
      c.template_att_heads = dim_of (I, TE "attention//query_w", 1, 3);
      c.template_att_key_dim = c.template_att_heads * dim_of (I, TE "attention//query_w", 2, 3);
      c.template_att_value_dim = c.template_att_heads * dim_of (I, TE "attention//value_w", 2, 3);
      if (in.ok && c.template_dgram_bins < 1)
        {
          g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                       "cannot infer the model configuration: the template embedding2d "
                       "input width leaves no distogram bins");
          return FALSE;
        }
    }
#undef TS
#undef TE

  if (!in.ok)
    return FALSE;
  *cfg = c;
  return TRUE;
}
