/* Input and recycling embeddings of the trunk (AlphaFold's
 * EmbeddingsAndEvoformer before the stacks):
 *   msa  = Linear(target_feat)[None] + Linear(msa_feat); msa[0] += LN(prev_msa_first_row)
 *   pair = left_single[:,None] + right_single[None] + prev_pos_linear(dgram(prev pseudo-beta))
 *          + LN(prev_pair) + Linear(relpos one-hot)
 *   extra = Linear(extra_feat) */
#include "fl-trunk-private.h"
#include "fl-error.h"
#include "fl-params.h"
#include <string.h>

#define AATYPE_GLY 7     /* restype order ARNDCQEGHILKMFPSTWYV */
#define ATOM37_CA 1
#define ATOM37_CB 3

/* AlphaFold's dgram_from_positions of the pseudo-beta atoms (host):
 * one-hot of the squared distance between squared bin edges. */
static void
pseudo_beta_dgram (const float *atom37, const int32_t *aatype, int L, int nb,
                   float min_bin, float max_bin, float *dgram /* (L, L, nb) */)
{
  g_autofree float *pb = g_new (float, (size_t) L * 3);
  for (int i = 0; i < L; i++)
    {
      int atom = aatype[i] == AATYPE_GLY ? ATOM37_CA : ATOM37_CB;
      memcpy (pb + 3 * i, atom37 + ((size_t) i * 37 + atom) * 3, 3 * sizeof (float));
    }
  g_autofree float *lower = g_new (float, nb);
  g_autofree float *upper = g_new (float, nb);
  for (int k = 0; k < nb; k++)
    {
      float e = nb > 1 ? min_bin + (max_bin - min_bin) * (float) k / (float) (nb - 1) : min_bin;
      lower[k] = e * e;
    }
  for (int k = 0; k < nb; k++)
    upper[k] = k + 1 < nb ? lower[k + 1] : 1e8f;
  for (int i = 0; i < L; i++)
    for (int j = 0; j < L; j++)
      {
        float dx = pb[3 * i] - pb[3 * j];
        float dy = pb[3 * i + 1] - pb[3 * j + 1];
        float dz = pb[3 * i + 2] - pb[3 * j + 2];
        float d2 = dx * dx + dy * dy + dz * dz;
        float *row = dgram + ((size_t) i * L + j) * nb;
        for (int k = 0; k < nb; k++)
          row[k] = (d2 > lower[k] && d2 < upper[k]) ? 1.0f : 0.0f;
      }
}

gboolean
fl_evoformer_embed (FlEvoformer *evo, const FlDeviceInputs *in, const FlFeatures *features,
                    const float *prev_pos_atom37, const float *prev_msa_first_row,
                    const float *prev_pair, GError **error)
{
  FlBackend *b = evo->b;
  FlWeights *w = evo->w;
  const int64_t L = evo->L, S = evo->n_clust, E = evo->n_extra;
  const int c_m = evo->main_dims.c_m, c_z = evo->main_dims.c_z, c_e = evo->extra_dims.c_m;
  const size_t LL = (size_t) L * L;
  const int n_rel = in ? 2 * (evo->cfg.max_relative_feature > 0
                              ? evo->cfg.max_relative_feature : 32) + 1 : 0;

  if (!in || in->L != L || in->n_clust != S || in->n_extra != E || in->n_tmpl != evo->n_tmpl
      || !features || features->L != L || (evo->n_tmpl > 0 && !features->templates))
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The inputs do not match the trunk's sizes (%d residues, %d + %d rows).",
                   (int) L, (int) S, (int) E);
      return FALSE;
    }
  const int nb = fl_trunk_prev_pos_bins (&evo->cfg);
  if (!fl_params_get (fl_weights_params (w), "evoformer/prev_pos_linear//weights", 2,
                      (int64_t[]) { nb, c_z }, error)
      || !fl_params_get (fl_weights_params (w), "evoformer/pair_activiations//weights", 2,
                         (int64_t[]) { n_rel, c_z }, error)
      || !fl_params_get (fl_weights_params (w), "evoformer/preprocess_msa//weights", 2,
                         (int64_t[]) { 49, c_m }, error)
      || !fl_params_get (fl_weights_params (w), "evoformer/extra_msa_activations//weights", 2,
                         (int64_t[]) { 25, c_e }, error)
      || !fl_params_get (fl_weights_params (w), "evoformer/preprocess_1d//weights", 2,
                         (int64_t[]) { 22, c_m }, error)
      || !fl_params_get (fl_weights_params (w), "evoformer/left_single//weights", 2,
                         (int64_t[]) { 22, c_z }, error)
      || !fl_params_get (fl_weights_params (w), "evoformer/right_single//weights", 2,
                         (int64_t[]) { 22, c_z }, error))
    return FALSE;
  if (!fl_backend_check (b, error))
    return FALSE;

  FlScratch *sc = &evo->scratch;
  size_t mark = fl_scratch_mark (sc);
  float *msa = evo->act.msa, *pair = evo->act.pair;

  /* ---- MSA: preprocess_msa + preprocess_1d broadcast over rows ---- */
  float *p1 = fl_scratch_take (sc, (size_t) L * c_m);                   /* (L, c_m) */
  FL_OP (b, linear, in->msa_feat, fl_weights_get (w, "evoformer/preprocess_msa//weights"),
         fl_weights_get (w, "evoformer/preprocess_msa//bias"), msa, S * L, 49, c_m, FALSE);
  FL_OP (b, linear, in->target_feat, fl_weights_get (w, "evoformer/preprocess_1d//weights"),
         fl_weights_get (w, "evoformer/preprocess_1d//bias"), p1, L, 22, c_m, FALSE);
  FL_OP (b, add_row_vector, msa, p1, S, L * c_m);

  /* ---- pair: left_single[i] + right_single[j] ---- */
  float *left = fl_scratch_take (sc, (size_t) L * c_z);                 /* (L, c_z) */
  float *right = fl_scratch_take (sc, (size_t) L * c_z);                /* (L, c_z) */
  float *tmp = fl_scratch_take (sc, LL * c_z);                          /* (L, L, c_z) */
  FL_OP (b, linear, in->target_feat, fl_weights_get (w, "evoformer/left_single//weights"),
         fl_weights_get (w, "evoformer/left_single//bias"), left, L, 22, c_z, FALSE);
  FL_OP (b, linear, in->target_feat, fl_weights_get (w, "evoformer/right_single//weights"),
         fl_weights_get (w, "evoformer/right_single//bias"), right, L, 22, c_z, FALSE);
  FL_OP (b, fill, tmp, 0.0f, LL * c_z);
  FL_OP (b, add_row_vector, tmp, left, L, L * c_z);     /* tmp[a, b] = left[b] */
  FL_OP (b, swap01, tmp, pair, L, L, c_z);              /* pair[i, j] = left[i] */
  FL_OP (b, add_row_vector, pair, right, L, L * c_z);   /* pair[i, j] += right[j] */

  /* ---- recycling: previous positions ---- */
  const float *w_pos = fl_weights_get (w, "evoformer/prev_pos_linear//weights");
  const float *b_pos = fl_weights_get (w, "evoformer/prev_pos_linear//bias");
  if (prev_pos_atom37)
    {
      float lo = evo->cfg.prev_pos_min, hi = evo->cfg.prev_pos_max;
      if (!(hi > lo))
        {
          lo = 3.25f;
          hi = 20.75f;
        }
      g_autofree float *dgram = g_try_new (float, LL * nb);
      if (!dgram)
        {
          fl_scratch_release (sc, mark);
          g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                       "Not enough host memory for the recycling distogram.");
          return FALSE;
        }
      pseudo_beta_dgram (prev_pos_atom37, features->aatype, (int) L, nb, lo, hi, dgram);
      float *dg = fl_scratch_take (sc, LL * nb);                        /* (L, L, nb) */
      FL_OP (b, upload, dg, dgram, LL * nb);
      FL_OP (b, linear, dg, w_pos, b_pos, pair, (int64_t) LL, nb, c_z, TRUE);
    }
  else
    FL_OP (b, add_row_vector, pair, b_pos, (int64_t) LL, c_z);   /* zero distogram: bias only */

  /* ---- recycling: previous first MSA row and pair (LayerNorm; zeros -> offset) ---- */
  const float *s_m = fl_weights_get (w, "evoformer/prev_msa_first_row_norm//scale");
  const float *o_m = fl_weights_get (w, "evoformer/prev_msa_first_row_norm//offset");
  if (prev_msa_first_row)
    {
      FL_OP (b, layer_norm, prev_msa_first_row, s_m, o_m, p1, L, c_m);
      FL_OP (b, add, msa, p1, (size_t) L * c_m);
    }
  else
    FL_OP (b, add_row_vector, msa, o_m, L, c_m);
  const float *s_z = fl_weights_get (w, "evoformer/prev_pair_norm//scale");
  const float *o_z = fl_weights_get (w, "evoformer/prev_pair_norm//offset");
  if (prev_pair)
    {
      FL_OP (b, layer_norm, prev_pair, s_z, o_z, tmp, (int64_t) LL, c_z);
      FL_OP (b, add, pair, tmp, LL * c_z);
    }
  else
    FL_OP (b, add_row_vector, pair, o_z, (int64_t) LL, c_z);

  /* ---- relative positions ---- */
  FL_OP (b, linear, in->relpos, fl_weights_get (w, "evoformer/pair_activiations//weights"),
         fl_weights_get (w, "evoformer/pair_activiations//bias"), pair, (int64_t) LL, n_rel,
         c_z, TRUE);

  fl_scratch_release (sc, mark);

  /* ---- templates: the pair attends to the template stacks (computed once
   *      per inputs: they do not depend on the recycle) ---- */
  if (evo->n_tmpl > 0)
    {
      if (evo->tmpl_inputs != in
          && !fl_template_compute_stacks (evo, in, features->templates, error))
        return FALSE;
      if (!fl_template_embed_pair (evo, features->templates, pair, pair, error))
        return FALSE;
    }

  /* ---- extra MSA ---- */
  FL_OP (b, linear, in->extra_feat, fl_weights_get (w, "evoformer/extra_msa_activations//weights"),
         fl_weights_get (w, "evoformer/extra_msa_activations//bias"), evo->act.extra,
         E * L, 25, c_e, FALSE);

  /* ---- template torsion-angle rows after the cluster rows ---- */
  fl_template_msa_rows (evo, in);

  fl_evoformer_prepare_norms (evo, in);
  return fl_backend_check (b, error);
}
