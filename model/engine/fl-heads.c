/* AlphaFold2's output heads, written in the op table (fl-heads.h). */
#include "fl-heads.h"
#include "fl-confidence.h"
#include "fl-error.h"
#include <math.h>
#include <string.h>

/* Backend scratch freed on every exit path. */
typedef struct {
  FlBackend *b;
  float *p[4];
} Scratch;

static float *
scratch_alloc (Scratch *s, int slot, size_t n)
{
  s->p[slot] = s->b->ops->alloc (s->b, n ? n : 1);
  return s->p[slot];
}

static void
scratch_clear (Scratch *s)
{
  for (int i = 0; i < 4; i++)
    if (s->p[i])
      s->b->ops->free (s->b, s->p[i]);
}

/* Download y (n floats) to a new host array, free the scratch, and turn any
 * failure of the head into error (NULL). */
static float *
scratch_finish (Scratch *s, const float *y, size_t n, GError **error)
{
  float *host = g_new (float, MAX (n, 1));
  FL_OP (s->b, download, host, y, n);
  scratch_clear (s);
  if (!fl_backend_check (s->b, error))
    {
      g_free (host);
      return NULL;
    }
  return host;
}

/* Linear head: y = x (M, K) @ W + b, downloaded to the host (M, N). */
static float *
linear_head (FlWeights *w, const char *scope, const float *x, int64_t M, int64_t K,
             int64_t N, GError **error)
{
  FlBackend *b = fl_weights_backend (w);
  g_autofree char *wn = g_strconcat (scope, "//weights", NULL);
  g_autofree char *bn = g_strconcat (scope, "//bias", NULL);
  const float *W = fl_weights_get (w, wn), *B = fl_weights_get (w, bn);
  if (!fl_backend_check (b, error))
    return NULL;
  Scratch s = { b, { NULL } };
  float *y = scratch_alloc (&s, 0, (size_t) M * N);
  FL_OP (b, linear, x, W, B, y, M, K, N, FALSE);
  return scratch_finish (&s, y, (size_t) M * N, error);
}

float *
fl_heads_masked_msa (FlWeights *w, const FlModelConfig *cfg,
                     const float *msa, int n_clust, int L, GError **error)
{
  return linear_head (w, "masked_msa_head/logits", msa, (int64_t) n_clust * L,
                      cfg->c_m, cfg->masked_msa_outputs, error);
}

float *
fl_heads_experimentally_resolved (FlWeights *w, const FlModelConfig *cfg,
                                  const float *single, int L, GError **error)
{
  return linear_head (w, "experimentally_resolved_head/logits", single, L,
                      cfg->c_s, 37, error);
}

float *
fl_heads_plddt_logits (FlWeights *w, const FlModelConfig *cfg,
                       const float *act, int L, GError **error)
{
  FlBackend *b = fl_weights_backend (w);
  /* The input is the structure module's activations: num_channel wide,
   * which only the released models make equal to seq_channel. */
  const int64_t C = cfg->sm_channels, H = cfg->plddt_channels, bins = cfg->plddt_bins;
  const char *scope = "predicted_lddt_head/";
  g_autofree char *ln_s = g_strconcat (scope, "input_layer_norm//scale", NULL);
  g_autofree char *ln_o = g_strconcat (scope, "input_layer_norm//offset", NULL);
  g_autofree char *w0 = g_strconcat (scope, "act_0//weights", NULL);
  g_autofree char *b0 = g_strconcat (scope, "act_0//bias", NULL);
  g_autofree char *w1 = g_strconcat (scope, "act_1//weights", NULL);
  g_autofree char *b1 = g_strconcat (scope, "act_1//bias", NULL);
  g_autofree char *w2 = g_strconcat (scope, "logits//weights", NULL);
  g_autofree char *b2 = g_strconcat (scope, "logits//bias", NULL);
  const float *LS = fl_weights_get (w, ln_s), *LO = fl_weights_get (w, ln_o);
  const float *W0 = fl_weights_get (w, w0), *B0 = fl_weights_get (w, b0);
  const float *W1 = fl_weights_get (w, w1), *B1 = fl_weights_get (w, b1);
  const float *W2 = fl_weights_get (w, w2), *B2 = fl_weights_get (w, b2);
  if (!fl_backend_check (b, error))
    return NULL;

  Scratch s = { b, { NULL } };
  float *x = scratch_alloc (&s, 0, (size_t) L * C);       /* (L, num_channel) */
  float *h0 = scratch_alloc (&s, 1, (size_t) L * H);      /* (L, H) */
  float *h1 = scratch_alloc (&s, 2, (size_t) L * H);      /* (L, H) */
  float *y = scratch_alloc (&s, 3, (size_t) L * bins);    /* (L, bins) */
  FL_OP (b, layer_norm, act, LS, LO, x, L, C);
  FL_OP (b, linear, x, W0, B0, h0, L, C, H, FALSE);
  FL_OP (b, relu, h0, (size_t) L * H);
  FL_OP (b, linear, h0, W1, B1, h1, L, H, H, FALSE);
  FL_OP (b, relu, h1, (size_t) L * H);
  FL_OP (b, linear, h1, W2, B2, y, L, H, bins, FALSE);
  return scratch_finish (&s, y, (size_t) L * bins, error);
}

void
fl_pair_confidence_clear (FlPairConfidence *pc)
{
  g_free (pc->contacts);
  g_free (pc->expected);
  g_free (pc->pae);
  g_free (pc->distogram_logits);
  g_free (pc->pae_logits);
  g_free (pc->pae_probs);
  memset (pc, 0, sizeof *pc);
  pc->ptm = pc->max_pae = NAN;
}

/* y (n, E) = softmax_expect (x, host table (bins, E)) downloaded into host. */
static void
expect_download (FlBackend *b, const float *x, float *dev_table, const float *table,
                 float *dev_y, float *host_y, int64_t n, int64_t bins, int64_t E)
{
  FL_OP (b, upload, dev_table, table, (size_t) (bins * E));
  FL_OP (b, softmax_expect, x, dev_table, dev_y, n, bins, E);
  FL_OP (b, download, host_y, dev_y, (size_t) (n * E));
}

gboolean
fl_heads_pair_confidence (FlWeights *w, const FlModelConfig *cfg, const float *pair,
                          int L, float contact_cutoff, gboolean with_logits,
                          FlPairConfidence *out, GError **error)
{
  FlBackend *b = fl_weights_backend (w);
  const int64_t n = (int64_t) L * L, C = cfg->c_z;
  const int64_t db = cfg->distogram_bins, pb = cfg->has_pae ? cfg->pae_bins : 0;
  const int64_t maxb = MAX (db, pb);
  memset (out, 0, sizeof *out);
  out->ptm = out->max_pae = NAN;
  const float *Wd = fl_weights_get (w, "distogram_head/half_logits//weights");
  const float *Bd = fl_weights_get (w, "distogram_head/half_logits//bias");
  const float *Wp = pb ? fl_weights_get (w, "predicted_aligned_error_head/logits//weights") : NULL;
  const float *Bp = pb ? fl_weights_get (w, "predicted_aligned_error_head/logits//bias") : NULL;
  if (!fl_backend_check (b, error))
    return FALSE;

  Scratch s = { b, { NULL } };
  float *logits = scratch_alloc (&s, 0, (size_t) (n * maxb));   /* (L, L, bins) */
  float *tmp = scratch_alloc (&s, 1, (size_t) (n * maxb));
  float *table = scratch_alloc (&s, 2, (size_t) (maxb * MAX (maxb, 2)));
  float *y = scratch_alloc (&s, 3, (size_t) (n * 2));
  g_autofree float *host_table = g_new (float, maxb * MAX (maxb, 2));
  g_autofree float *host_y = g_new (float, n * 2);
  out->contacts = g_new (float, n);
  out->expected = g_new (float, n);

  /* Distogram: logits[i,j] = half[i,j] + half[j,i]. */
  FL_OP (b, linear, pair, Wd, Bd, logits, n, C, db, FALSE);
  FL_OP (b, swap01, logits, tmp, L, L, db);
  FL_OP (b, add, logits, tmp, (size_t) (n * db));
  fl_confidence_distogram_table ((int) db, cfg->distogram_first_break, cfg->distogram_last_break,
                                 contact_cutoff, host_table);
  expect_download (b, logits, table, host_table, y, host_y, n, db, 2);
  if (with_logits)
    {
      out->distogram_logits = g_new (float, n * db);
      FL_OP (b, download, out->distogram_logits, logits, (size_t) (n * db));
    }
  if (!b->error)
    for (int64_t ij = 0; ij < n; ij++)
      {
        out->contacts[ij] = host_y[2 * ij];
        out->expected[ij] = host_y[2 * ij + 1];
      }

  /* PAE: expected error and TM terms per pair; pTM on the host from the terms. */
  if (pb && !b->error)
    {
      FL_OP (b, linear, pair, Wp, Bp, logits, n, C, pb, FALSE);
      fl_confidence_pae_table ((int) pb, cfg->pae_max_error_bin, L, host_table);
      expect_download (b, logits, table, host_table, y, host_y, n, pb, 2);
      if (!b->error)
        {
          out->pae = g_new (float, n);
          for (int64_t ij = 0; ij < n; ij++)
            out->pae[ij] = host_y[2 * ij];
          out->ptm = fl_confidence_ptm_from_terms (host_y + 1, 2, L, NULL);
          out->max_pae = host_table[2 * (pb - 1)];
        }
      if (with_logits)
        {
          /* The probabilities themselves: an identity table. */
          out->pae_logits = g_new (float, n * pb);
          out->pae_probs = g_new (float, n * pb);
          FL_OP (b, download, out->pae_logits, logits, (size_t) (n * pb));
          memset (host_table, 0, sizeof (float) * pb * pb);
          for (int64_t k = 0; k < pb; k++)
            host_table[k * pb + k] = 1.f;
          FL_OP (b, upload, table, host_table, (size_t) (pb * pb));
          FL_OP (b, softmax_expect, logits, table, tmp, n, pb, pb);
          FL_OP (b, download, out->pae_probs, tmp, (size_t) (n * pb));
        }
    }
  scratch_clear (&s);
  if (!fl_backend_check (b, error))
    {
      fl_pair_confidence_clear (out);
      return FALSE;
    }
  return TRUE;
}
