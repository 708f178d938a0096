/* The parameter table of an AlphaFold2 monomer model (names and shapes as
 * DeepMind releases them), built from an FlModelConfig. */
#include "fl-param-table.h"

#include <stdarg.h>

static void
spec_clear (gpointer p)
{
  FlParamSpec *s = p;
  g_free (s->name);
}

char *
fl_param_shape_string (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("(");
  for (int d = 0; d < ndim; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
  if (ndim == 1)
    g_string_append_c (s, ',');
  g_string_append_c (s, ')');
  return g_string_free (s, FALSE);
}

typedef struct {
  GArray *table;
  const char *prefix;   /* scope prefix ending in '/' ("" for none) */
  int64_t stack;        /* leading block dimension, 0 = none */
} Builder;

/* Add "prefix + scope//name" with the given dims (stack dim prepended). */
static void
add (Builder *b, const char *scope, const char *name, int ndim, ...)
{
  FlParamSpec s = { 0 };
  s.name = g_strdup_printf ("%s%s//%s", b->prefix, scope, name);
  va_list ap;
  va_start (ap, ndim);
  int d = 0;
  if (b->stack > 0)
    {
      s.shape[d++] = b->stack;
      s.stacked = TRUE;
    }
  for (int k = 0; k < ndim; k++)
    s.shape[d++] = va_arg (ap, int64_t);
  va_end (ap);
  s.ndim = d;
  g_array_append_val (b->table, s);
}

#define I(x) ((int64_t) (x))

static void
add_norm (Builder *b, const char *scope, int c)
{
  add (b, scope, "offset", 1, I (c));
  add (b, scope, "scale", 1, I (c));
}

static void
add_linear (Builder *b, const char *scope, int in, int out)
{
  add (b, scope, "bias", 1, I (out));
  add (b, scope, "weights", 2, I (in), I (out));
}

/* Gated multi-head attention (query/key/value widths = c / heads). */
static void
add_attention (Builder *b, const char *scope, int c, int heads)
{
  g_autofree char *s = g_strconcat (scope, "/attention", NULL);
  int kd = heads > 0 ? c / heads : 0;
  add (b, s, "gating_b", 2, I (heads), I (kd));
  add (b, s, "gating_w", 3, I (c), I (heads), I (kd));
  add (b, s, "key_w", 3, I (c), I (heads), I (kd));
  add (b, s, "output_b", 1, I (c));
  add (b, s, "output_w", 3, I (heads), I (kd), I (c));
  add (b, s, "query_w", 3, I (c), I (heads), I (kd));
  add (b, s, "value_w", 3, I (c), I (heads), I (kd));
}

static void
add_global_attention (Builder *b, const char *scope, int c, int heads)
{
  g_autofree char *s = g_strconcat (scope, "/attention", NULL);
  int kd = heads > 0 ? c / heads : 0;
  add (b, s, "gating_b", 2, I (heads), I (kd));
  add (b, s, "gating_w", 3, I (c), I (heads), I (kd));
  add (b, s, "key_w", 2, I (c), I (kd));
  add (b, s, "output_b", 1, I (c));
  add (b, s, "output_w", 3, I (heads), I (kd), I (c));
  add (b, s, "query_w", 3, I (c), I (heads), I (kd));
  add (b, s, "value_w", 2, I (c), I (kd));
}

static void
add_transition (Builder *b, const char *scope, int c, int factor)
{
  g_autofree char *n = g_strconcat (scope, "/input_layer_norm", NULL);
  g_autofree char *t1 = g_strconcat (scope, "/transition1", NULL);
  g_autofree char *t2 = g_strconcat (scope, "/transition2", NULL);
  add_norm (b, n, c);
  add_linear (b, t1, c, c * factor);
  add_linear (b, t2, c * factor, c);
}

static void
add_tri_mul (Builder *b, const char *scope, int c_z, int t)
{
  static const char *const proj[] = { "left_gate", "left_projection",
                                       "right_gate", "right_projection" };
  g_autofree char *center = g_strconcat (scope, "/center_layer_norm", NULL);
  g_autofree char *gating = g_strconcat (scope, "/gating_linear", NULL);
  g_autofree char *ln = g_strconcat (scope, "/layer_norm_input", NULL);
  g_autofree char *out = g_strconcat (scope, "/output_projection", NULL);
  add_norm (b, center, t);
  add_linear (b, gating, c_z, c_z);
  add_norm (b, ln, c_z);
  for (gsize k = 0; k < G_N_ELEMENTS (proj); k++)
    {
      g_autofree char *s = g_strconcat (scope, "/", proj[k], NULL);
      add_linear (b, s, c_z, t);
    }
  add_linear (b, out, t, c_z);
}

static void
add_tri_att (Builder *b, const char *scope, int c_z, int heads)
{
  g_autofree char *qn = g_strconcat (scope, "/query_norm", NULL);
  add (b, scope, "feat_2d_weights", 2, I (c_z), I (heads));
  add_attention (b, scope, c_z, heads);
  add_norm (b, qn, c_z);
}

/* One Evoformer block (or extra-MSA block when global_column is set). */
static void
add_block (Builder *b, int c_m, int c_z, int row_heads, int col_heads,
           gboolean global_column, int opm, int tri, int tri_start_heads,
           int tri_end_heads, int msa_factor, int pair_factor)
{
  const char *row = "msa_row_attention_with_pair_bias";
  add (b, row, "feat_2d_weights", 2, I (c_z), I (row_heads));
  add_attention (b, row, c_m, row_heads);
  add_norm (b, "msa_row_attention_with_pair_bias/feat_2d_norm", c_z);
  add_norm (b, "msa_row_attention_with_pair_bias/query_norm", c_m);

  if (global_column)
    {
      add_global_attention (b, "msa_column_global_attention", c_m, col_heads);
      add_norm (b, "msa_column_global_attention/query_norm", c_m);
    }
  else
    {
      add_attention (b, "msa_column_attention", c_m, col_heads);
      add_norm (b, "msa_column_attention/query_norm", c_m);
    }

  add_transition (b, "msa_transition", c_m, msa_factor);

  add (b, "outer_product_mean", "output_b", 1, I (c_z));
  add (b, "outer_product_mean", "output_w", 3, I (opm), I (opm), I (c_z));
  add_norm (b, "outer_product_mean/layer_norm_input", c_m);
  add_linear (b, "outer_product_mean/left_projection", c_m, opm);
  add_linear (b, "outer_product_mean/right_projection", c_m, opm);

  add_transition (b, "pair_transition", c_z, pair_factor);
  add_tri_att (b, "triangle_attention_ending_node", c_z, tri_end_heads);
  add_tri_att (b, "triangle_attention_starting_node", c_z, tri_start_heads);
  add_tri_mul (b, "triangle_multiplication_incoming", c_z, tri);
  add_tri_mul (b, "triangle_multiplication_outgoing", c_z, tri);
}

/* The template stack of models 1 and 2 (71 tensors): the pair stack (its
 * blocks stacked under __layer_stack_no_state, attention first), the
 * pair-feature embedding and output norm, the point-wise attention of the
 * pair onto the templates (no gating) and the torsion-angle MSA rows. */
static void
add_templates (Builder *b, const FlModelConfig *cfg)
{
  const int ct = cfg->c_t, H = MAX (cfg->template_att_heads, 1);
  b->prefix = "evoformer/template_embedding/";
  b->stack = 0;
  add (b, "attention", "key_w", 3, I (ct), I (H), I (cfg->template_att_key_dim / H));
  add (b, "attention", "output_b", 1, I (cfg->c_z));
  add (b, "attention", "output_w", 3, I (H), I (cfg->template_att_value_dim / H), I (cfg->c_z));
  add (b, "attention", "query_w", 3, I (cfg->c_z), I (H), I (cfg->template_att_key_dim / H));
  add (b, "attention", "value_w", 3, I (ct), I (H), I (cfg->template_att_value_dim / H));
  add_linear (b, "single_template_embedding/embedding2d",
              cfg->template_dgram_bins + FL_TEMPLATE_PAIR_FEAT_FIXED, ct);
  add_norm (b, "single_template_embedding/output_layer_norm", ct);

  b->prefix = "evoformer/template_embedding/single_template_embedding/template_pair_stack/"
              "__layer_stack_no_state/";
  b->stack = cfg->template_blocks;
  if (b->stack > 0)
    {
      add_transition (b, "pair_transition", ct, cfg->template_pair_transition_factor);
      add_tri_att (b, "triangle_attention_ending_node", ct, cfg->template_tri_end_heads);
      add_tri_att (b, "triangle_attention_starting_node", ct, cfg->template_tri_start_heads);
      add_tri_mul (b, "triangle_multiplication_incoming", ct, cfg->template_tri_mul_channels);
      add_tri_mul (b, "triangle_multiplication_outgoing", ct, cfg->template_tri_mul_channels);
    }

  b->prefix = "evoformer/";
  b->stack = 0;
  add_linear (b, "template_projection", cfg->c_m, cfg->c_m);
  add_linear (b, "template_single_embedding", FL_TEMPLATE_ANGLE_FEAT, cfg->c_m);
}

/* Width of the extra-MSA feature: one-hot 23 + has_deletion + deletion_value. */
#define EXTRA_MSA_FEAT_DIM 25
#define ATOM37 37
#define N_TORSION_OUT 14   /* 7 torsions x (sin, cos) */
#define AFFINE_UPDATE 6    /* quaternion (b, c, d) + translation */

GArray *
fl_param_table_new (const FlModelConfig *cfg)
{
  GArray *table = g_array_new (FALSE, TRUE, sizeof (FlParamSpec));
  g_array_set_clear_func (table, spec_clear);
  Builder b = { table, "", 0 };

  /* Heads. */
  add_linear (&b, "distogram_head/half_logits", cfg->c_z, cfg->distogram_bins);
  add_linear (&b, "experimentally_resolved_head/logits", cfg->c_s, ATOM37);
  add_linear (&b, "masked_msa_head/logits", cfg->c_m, cfg->masked_msa_outputs);
  if (cfg->has_pae)
    add_linear (&b, "predicted_aligned_error_head/logits", cfg->c_z, cfg->pae_bins);
  add_linear (&b, "predicted_lddt_head/act_0", cfg->sm_channels, cfg->plddt_channels);
  add_linear (&b, "predicted_lddt_head/act_1", cfg->plddt_channels, cfg->plddt_channels);
  add_norm (&b, "predicted_lddt_head/input_layer_norm", cfg->sm_channels);
  add_linear (&b, "predicted_lddt_head/logits", cfg->plddt_channels, cfg->plddt_bins);

  /* Embeddings and recycling. */
  add_linear (&b, "evoformer/extra_msa_activations", EXTRA_MSA_FEAT_DIM, cfg->c_e);
  add_linear (&b, "evoformer/left_single", cfg->target_feat_dim, cfg->c_z);
  add_linear (&b, "evoformer/pair_activiations", 2 * cfg->max_relative_feature + 1, cfg->c_z);
  add_linear (&b, "evoformer/preprocess_1d", cfg->target_feat_dim, cfg->c_m);
  add_linear (&b, "evoformer/preprocess_msa", cfg->msa_feat_dim, cfg->c_m);
  add_norm (&b, "evoformer/prev_msa_first_row_norm", cfg->c_m);
  add_norm (&b, "evoformer/prev_pair_norm", cfg->c_z);
  add_linear (&b, "evoformer/prev_pos_linear", cfg->prev_pos_bins, cfg->c_z);
  add_linear (&b, "evoformer/right_single", cfg->target_feat_dim, cfg->c_z);
  add_linear (&b, "evoformer/single_activations", cfg->c_m, cfg->c_s);

  /* Stacks. */
  b.prefix = "evoformer/evoformer_iteration/";
  b.stack = cfg->n_evoformer_blocks;
  if (b.stack > 0)
    add_block (&b, cfg->c_m, cfg->c_z, cfg->msa_row_heads, cfg->msa_col_heads, FALSE,
             cfg->opm_channels, cfg->tri_mul_channels, cfg->tri_att_start_heads,
             cfg->tri_att_end_heads, cfg->msa_transition_factor,
             cfg->pair_transition_factor);
  b.prefix = "evoformer/extra_msa_stack/";
  b.stack = cfg->n_extra_blocks;
  if (b.stack > 0)
    add_block (&b, cfg->c_e, cfg->c_z, cfg->extra_row_heads, cfg->extra_col_heads, TRUE,
             cfg->extra_opm_channels, cfg->extra_tri_mul_channels,
             cfg->tri_att_start_heads, cfg->tri_att_end_heads,
             cfg->msa_transition_factor, cfg->pair_transition_factor);
  if (cfg->has_templates)
    add_templates (&b, cfg);
  b.prefix = "structure_module/";
  b.stack = 0;

  /* Structure module. */
  int c = cfg->sm_channels, H = cfg->sm_heads;
  add_norm (&b, "single_layer_norm", cfg->c_s);
  add_linear (&b, "initial_projection", cfg->c_s, c);
  add_norm (&b, "pair_layer_norm", cfg->c_z);
  b.prefix = "structure_module/fold_iteration/";
  add_linear (&b, "affine_update", c, AFFINE_UPDATE);
  add_norm (&b, "attention_layer_norm", c);
  add (&b, "invariant_point_attention", "trainable_point_weights", 1, I (H));
  add_linear (&b, "invariant_point_attention/attention_2d", cfg->c_z, H);
  add_linear (&b, "invariant_point_attention/kv_point_local", c,
              H * (cfg->ipa_qk_points + cfg->ipa_v_points) * 3);
  add_linear (&b, "invariant_point_attention/kv_scalar", c,
              H * (cfg->ipa_qk_scalar + cfg->ipa_v_scalar));
  add_linear (&b, "invariant_point_attention/output_projection",
              H * (cfg->ipa_v_scalar + cfg->ipa_v_points * 4 + cfg->c_z), c);
  add_linear (&b, "invariant_point_attention/q_point_local", c, H * cfg->ipa_qk_points * 3);
  add_linear (&b, "invariant_point_attention/q_scalar", c, H * cfg->ipa_qk_scalar);
  int sc = cfg->sidechain_channels;
  add_linear (&b, "rigid_sidechain/input_projection", c, sc);
  add_linear (&b, "rigid_sidechain/input_projection_1", cfg->c_s, sc);   /* initial_act: seq_channel wide */
  for (int k = 0; k < cfg->sidechain_blocks; k++)
    for (int r = 1; r <= 2; r++)
      {
        g_autofree char *s = k == 0
          ? g_strdup_printf ("rigid_sidechain/resblock%d", r)
          : g_strdup_printf ("rigid_sidechain/resblock%d_%d", r, k);
        add_linear (&b, s, sc, sc);
      }
  add_linear (&b, "rigid_sidechain/unnormalized_angles", sc, N_TORSION_OUT);
  for (int k = 0; k < cfg->sm_transition_layers; k++)
    {
      g_autofree char *s = k == 0 ? g_strdup ("transition")
                                  : g_strdup_printf ("transition_%d", k);
      add_linear (&b, s, c, c);
    }
  add_norm (&b, "transition_layer_norm", c);
  return table;
}
