/* Helpers every trunk module shares: the scratch arena, weight lookup,
 * row chunking and the sizes of a stack. Below the modules and the trunk
 * object (fl-trunk-common.h). */
#include "fl-trunk-common.h"
#include "fl-error.h"
#include <string.h>

float *
fl_scratch_take (FlScratch *s, size_t n)
{
  if (s->used + n > s->cap)
    {
      fl_backend_fail (s->b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "trunk scratch overflow: %zu + %zu floats > %zu (internal error)",
                       s->used, n, s->cap);
      return s->base;
    }
  float *p = s->base + s->used;
  s->used += n;
  return p;
}

const float *
fl_trunk_weight (FlTrunkCtx *t, const char *name)
{
  char key[320];
  g_snprintf (key, sizeof key, "%s/%s", t->d->prefix, name);
  return fl_weights_block (t->w, key, t->block);
}

int64_t
fl_trunk_chunk_rows (const FlStackDims *d, int64_t n_rows, size_t per_row)
{
  if (n_rows <= 0)
    return 1;
  if (per_row == 0)
    return n_rows;
  int64_t n = (int64_t) (d->budget / per_row);
  return CLAMP (n, 1, n_rows);
}

/* ------------------------------------------------------------ sizes */

static int
safe_div (int a, int b)
{
  return b > 0 ? a / b : a;
}

static void
dims_finish (FlStackDims *d)
{
  /* chunked temporaries: a quarter of the larger activation (MSA or pair),
   * at least 4 MiB; fl_evoformer_new_with_budget may raise it */
  size_t a = (size_t) d->S * d->L * d->c_m, p = (size_t) d->L * d->L * d->c_z;
  d->budget = MAX (MAX (a, p) / 4, (size_t) 1 << 20);
}

void
fl_stack_dims_from_config (FlStackDims *d, const FlModelConfig *cfg, gboolean is_extra,
                           int64_t S, int64_t L)
{
  memset (d, 0, sizeof *d);
  d->prefix = is_extra ? "evoformer/extra_msa_stack" : "evoformer/evoformer_iteration";
  d->is_extra = is_extra;
  d->S = S;
  d->L = L;
  d->c_m = is_extra ? cfg->c_e : cfg->c_m;
  d->c_z = cfg->c_z;
  d->row_heads = MAX (1, is_extra ? cfg->extra_row_heads : cfg->msa_row_heads);
  d->col_heads = MAX (1, is_extra ? cfg->extra_col_heads : cfg->msa_col_heads);
  d->row_dim = safe_div (d->c_m, d->row_heads);
  d->col_dim = safe_div (d->c_m, d->col_heads);
  d->msa_hidden = MAX (1, cfg->msa_transition_factor) * d->c_m;
  d->opm_c = is_extra ? cfg->extra_opm_channels : cfg->opm_channels;
  if (d->opm_c <= 0)
    d->opm_c = cfg->opm_channels;
  d->mul_out_c = d->mul_in_c = is_extra && cfg->extra_tri_mul_channels > 0
                                   ? cfg->extra_tri_mul_channels : cfg->tri_mul_channels;
  d->start_heads = MAX (1, cfg->tri_att_start_heads);
  d->end_heads = MAX (1, cfg->tri_att_end_heads);
  d->start_dim = safe_div (d->c_z, d->start_heads);
  d->end_dim = safe_div (d->c_z, d->end_heads);
  d->pair_hidden = MAX (1, cfg->pair_transition_factor) * d->c_z;
  dims_finish (d);
}

gboolean
fl_trunk_param_shape (FlParams *params, const char *prefix, const char *name, int ndim,
             int64_t *shape, GError **error)
{
  g_autofree char *key = g_strdup_printf ("%s%s/%s", FL_PARAMS_ROOT, prefix, name);
  const FlParamInfo *info = fl_params_lookup (params, key);
  if (!info)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_MISSING,
                   "Parameter '%s' is missing.", key);
      return FALSE;
    }
  if (info->ndim != ndim)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE,
                   "Parameter '%s' has %d dimensions, expected %d.", key, info->ndim, ndim);
      return FALSE;
    }
  memcpy (shape, info->shape, sizeof (int64_t) * ndim);
  return TRUE;
}

gboolean
fl_stack_dims_from_params (FlStackDims *d, FlParams *params, const FlModelConfig *cfg,
                           gboolean is_extra, int64_t S, int64_t L, GError **error)
{
  fl_stack_dims_from_config (d, cfg, is_extra, S, L);
  const char *p = d->prefix;
  int64_t s[4];
  if (!fl_trunk_param_shape (params, p, "msa_row_attention_with_pair_bias/attention//query_w", 4, s, error))
    return FALSE;
  d->c_m = (int) s[1];
  d->row_heads = (int) s[2];
  d->row_dim = (int) s[3];
  if (!fl_trunk_param_shape (params, p, "msa_row_attention_with_pair_bias//feat_2d_weights", 3, s, error))
    return FALSE;
  d->c_z = (int) s[1];
  if (!fl_trunk_param_shape (params, p,
                    is_extra ? "msa_column_global_attention/attention//query_w"
                             : "msa_column_attention/attention//query_w", 4, s, error))
    return FALSE;
  d->col_heads = (int) s[2];
  d->col_dim = (int) s[3];
  if (!fl_trunk_param_shape (params, p, "msa_transition/transition1//weights", 3, s, error))
    return FALSE;
  d->msa_hidden = (int) s[2];
  if (!fl_trunk_param_shape (params, p, "outer_product_mean/left_projection//weights", 3, s, error))
    return FALSE;
  d->opm_c = (int) s[2];
  if (!fl_trunk_param_shape (params, p, "triangle_multiplication_outgoing/left_projection//weights",
                    3, s, error))
    return FALSE;
  d->mul_out_c = (int) s[2];
  if (!fl_trunk_param_shape (params, p, "triangle_multiplication_incoming/left_projection//weights",
                    3, s, error))
    return FALSE;
  d->mul_in_c = (int) s[2];
  if (!fl_trunk_param_shape (params, p, "triangle_attention_starting_node/attention//query_w", 4, s, error))
    return FALSE;
  d->start_heads = (int) s[2];
  d->start_dim = (int) s[3];
  if (!fl_trunk_param_shape (params, p, "triangle_attention_ending_node/attention//query_w", 4, s, error))
    return FALSE;
  d->end_heads = (int) s[2];
  d->end_dim = (int) s[3];
  if (!fl_trunk_param_shape (params, p, "pair_transition/transition1//weights", 3, s, error))
    return FALSE;
  d->pair_hidden = (int) s[2];

  int want_m = is_extra ? cfg->c_e : cfg->c_m;
  if ((want_m > 0 && d->c_m != want_m) || (cfg->c_z > 0 && d->c_z != cfg->c_z))
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE,
                   "The %s parameters have widths %d/%d, the configuration says %d/%d.",
                   p, d->c_m, d->c_z, want_m, cfg->c_z);
      return FALSE;
    }
  dims_finish (d);
  return TRUE;
}

int
fl_trunk_prev_pos_bins (const FlModelConfig *cfg)
{
  return cfg->prev_pos_bins > 0 ? cfg->prev_pos_bins : 15;
}
