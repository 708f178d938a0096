/* The features the network reads, uploaded to the backend once per run
 * (fl-device-inputs.h): masks, one-hot extra MSA, relative positions. */
#include "fl-device-inputs.h"
#include "fl-error.h"
#include "fl-templates.h"
#include <string.h>

static int
n_relpos (const FlModelConfig *cfg)
{
  return 2 * (cfg->max_relative_feature > 0 ? cfg->max_relative_feature : 32) + 1;
}

gsize
fl_device_inputs_bytes_needed (const FlModelConfig *cfg, int L, int n_clust, int n_extra)
{
  size_t LL = (size_t) L * L;
  size_t f = (size_t) L * 22 + (size_t) n_clust * L * 49 + (size_t) n_clust * L
             + (size_t) n_extra * L * 25 + (size_t) n_extra * L + L + LL
             + LL * n_relpos (cfg);
  return f * sizeof (float);
}

static float *
alloc_upload (FlBackend *b, const float *host, size_t n)
{
  if (b->error)
    return NULL;
  float *p = b->ops->alloc (b, MAX (n, 1));
  if (p && !b->error && host)
    b->ops->upload (b, p, host, n);
  return p;
}

void
fl_device_inputs_free (FlBackend *b, FlDeviceInputs *in)
{
  if (!in)
    return;
  float *bufs[] = { in->target_feat, in->msa_feat, in->msa_mask, in->extra_feat,
                    in->extra_mask, in->seq_mask, in->pair_mask, in->relpos,
                    in->tmpl_angle_feat };
  for (guint i = 0; i < G_N_ELEMENTS (bufs); i++)
    if (bufs[i])
      b->ops->free (b, bufs[i]);
  g_free (in);
}

FlDeviceInputs *
fl_device_inputs_new (FlBackend *b, const FlModelConfig *cfg, const FlFeatures *f,
                      GError **error)
{
  if (!f || f->L <= 0 || f->n_clust <= 0 || f->n_extra <= 0)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                   "The features need at least one residue, one MSA row and one "
                   "(possibly padded) extra-MSA row.");
      return NULL;
    }
  if (!fl_backend_check (b, error))
    return NULL;
  const int L = f->L, S = f->n_clust, E = f->n_extra;
  const size_t LL = (size_t) L * L;
  const int max_rel = (n_relpos (cfg) - 1) / 2, n_rel = n_relpos (cfg);

  for (size_t i = 0; i < (size_t) E * L; i++)
    if (f->extra_msa[i] < 0 || f->extra_msa[i] > 22)
      {
        g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_INVALID,
                     "Extra-MSA token %d at row %zu, residue %zu is outside 0..22.",
                     f->extra_msa[i], i / L, i % L);
        return NULL;
      }

  /* (E, L, 25): one-hot of 23 tokens (padding rows hold token 0), has_deletion, deletion_value */
  g_autofree float *extra = g_try_new0 (float, (size_t) E * L * 25);
  g_autofree float *pair_mask = g_try_new (float, LL);
  g_autofree float *relpos = g_try_new0 (float, LL * n_rel);
  if (!extra || !pair_mask || !relpos)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                   "Not enough host memory for the input features of %d residues.", L);
      return NULL;
    }
  for (size_t i = 0; i < (size_t) E * L; i++)
    {
      float *row = extra + i * 25;
      row[f->extra_msa[i]] = 1.0f;
      row[23] = f->extra_has_deletion[i];
      row[24] = f->extra_deletion_value[i];
    }
  for (int i = 0; i < L; i++)
    for (int j = 0; j < L; j++)
      {
        pair_mask[(size_t) i * L + j] = f->seq_mask[i] * f->seq_mask[j];
        int off = f->residue_index[i] - f->residue_index[j];
        off = CLAMP (off, -max_rel, max_rel) + max_rel;
        relpos[((size_t) i * L + j) * n_rel + off] = 1.0f;
      }

  /* Template rows: angle features and their MSA mask (the psi mask). */
  const int T = fl_device_inputs_template_slots (cfg, f);
  g_autofree float *msa_mask = g_try_new (float, (size_t) (S + T) * L);
  g_autofree float *angle = T > 0 ? g_try_new (float, (size_t) T * L * FL_TEMPLATE_ANGLE_FEAT) : NULL;
  if (!msa_mask || (T > 0 && !angle))
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_TOO_LARGE,
                   "Not enough host memory for the input features of %d residues.", L);
      return NULL;
    }
  memcpy (msa_mask, f->msa_mask, (size_t) S * L * sizeof (float));
  for (int t = 0; t < T; t++)
    fl_template_angle_feat (f->templates, t, angle + (size_t) t * L * FL_TEMPLATE_ANGLE_FEAT,
                            msa_mask + (size_t) (S + t) * L);

  FlDeviceInputs *in = g_new0 (FlDeviceInputs, 1);
  in->L = L;
  in->n_clust = S;
  in->n_extra = E;
  in->n_tmpl = T;
  in->target_feat = alloc_upload (b, f->target_feat, (size_t) L * 22);
  in->msa_feat = alloc_upload (b, f->msa_feat, (size_t) S * L * 49);
  in->msa_mask = alloc_upload (b, msa_mask, (size_t) (S + T) * L);
  if (T > 0)
    in->tmpl_angle_feat = alloc_upload (b, angle, (size_t) T * L * FL_TEMPLATE_ANGLE_FEAT);
  in->extra_feat = alloc_upload (b, extra, (size_t) E * L * 25);
  in->extra_mask = alloc_upload (b, f->extra_msa_mask, (size_t) E * L);
  in->seq_mask = alloc_upload (b, f->seq_mask, L);
  in->pair_mask = alloc_upload (b, pair_mask, LL);
  in->relpos = alloc_upload (b, relpos, LL * n_rel);
  if (!fl_backend_check (b, error))
    {
      fl_device_inputs_free (b, in);
      return NULL;
    }
  return in;
}

int
fl_device_inputs_template_slots (const FlModelConfig *cfg, const FlFeatures *f)
{
  return cfg->has_templates && f && f->templates && f->templates->L == f->L
         ? f->templates->T : 0;
}
