/* Confidence metrics from head logits (fl-confidence.h). */
#include "fl-confidence.h"
#include <math.h>

/* Softmax of n logits into p (double). */
static void
softmax (const float *logits, int n, double *p)
{
  double mx = -INFINITY, sum = 0;
  for (int k = 0; k < n; k++)
    mx = MAX (mx, (double) logits[k]);
  for (int k = 0; k < n; k++)
    sum += (p[k] = exp ((double) logits[k] - mx));
  for (int k = 0; k < n; k++)
    p[k] /= sum;
}

float
fl_confidence_plddt (const float *logits, int L, int bins, float *plddt)
{
  g_autofree double *p = g_new (double, MAX (bins, 1));
  double total = 0;
  for (int i = 0; i < L; i++)
    {
      softmax (logits + (size_t) i * bins, bins, p);
      double e = 0;
      for (int k = 0; k < bins; k++)
        e += p[k] * (k + 0.5) / bins;
      plddt[i] = (float) (e * 100.0);
      total += plddt[i];
    }
  return L > 0 ? (float) (total / L) : NAN;
}

void
fl_confidence_pae_breaks (int bins, float max_error_bin, float *breaks)
{
  for (int k = 0; k < bins - 1; k++)
    breaks[k] = bins > 2 ? (float) ((double) max_error_bin * k / (bins - 2)) : 0.f;
}

/* Bin centres of the PAE head (bins): breaks + step/2, then one more step. */
static void
pae_centres (int bins, float max_error_bin, double *centres)
{
  double step = bins > 2 ? (double) max_error_bin / (bins - 2) : 1.0;
  for (int k = 0; k < bins - 1; k++)
    centres[k] = step * k + step / 2;
  centres[bins - 1] = centres[bins - 2] + step;
}

float
fl_confidence_pae (const float *logits, int L, int bins, float max_error_bin,
                   float *pae, float *probs)
{
  g_autofree double *c = g_new (double, bins);
  g_autofree double *p = g_new (double, bins);
  pae_centres (bins, max_error_bin, c);
  for (size_t ij = 0; ij < (size_t) L * L; ij++)
    {
      softmax (logits + ij * bins, bins, p);
      double e = 0;
      for (int k = 0; k < bins; k++)
        e += p[k] * c[k];
      pae[ij] = (float) e;
      if (probs)
        for (int k = 0; k < bins; k++)
          probs[ij * bins + k] = (float) p[k];
    }
  return (float) c[bins - 1];
}

/* d0 of the TM-score (Yang & Skolnick 2004), num_res clipped at 19. */
static double
tm_d0 (int num_res)
{
  double clipped = MAX (num_res, 19);
  return 1.24 * cbrt (clipped - 15.0) - 1.8;
}

void
fl_confidence_pae_table (int bins, float max_error_bin, int num_res, float *table)
{
  g_autofree double *c = g_new (double, MAX (bins, 2));
  pae_centres (bins, max_error_bin, c);
  double d0 = tm_d0 (num_res);
  for (int k = 0; k < bins; k++)
    {
      table[2 * k] = (float) c[k];
      table[2 * k + 1] = (float) (1.0 / (1.0 + (c[k] * c[k]) / (d0 * d0)));
    }
}

float
fl_confidence_ptm_from_terms (const float *terms, size_t stride, int L,
                              const float *residue_weights)
{
  g_autofree double *w = g_new (double, MAX (L, 1));
  for (int i = 0; i < L; i++)
    w[i] = residue_weights ? residue_weights[i] : 1.0;
  /* Per aligned residue i: weighted mean over j of E[tm(e_ij)]; the best i wins
   * (argmax of per_alignment * weight, first one on ties). */
  double best = -INFINITY, best_value = 0;
  for (int i = 0; i < L; i++)
    {
      double num = 0, den = 0;
      for (int j = 0; j < L; j++)
        {
          double pw = w[i] * w[j];
          num += terms[((size_t) i * L + j) * stride] * pw;
          den += pw;
        }
      double per_alignment = num / (1e-8 + den);
      if (per_alignment * w[i] > best)
        {
          best = per_alignment * w[i];
          best_value = per_alignment;
        }
    }
  return (float) best_value;
}

float
fl_confidence_ptm (const float *logits, int L, int bins, float max_error_bin,
                   const float *residue_weights)
{
  g_autofree double *c = g_new (double, bins);
  g_autofree double *p = g_new (double, bins);
  g_autofree double *tm = g_new (double, bins);
  g_autofree float *terms = g_new (float, MAX ((size_t) L * L, 1));
  pae_centres (bins, max_error_bin, c);
  double wsum = 0;
  for (int i = 0; i < L; i++)
    wsum += residue_weights ? residue_weights[i] : 1.0;
  double d0 = tm_d0 ((int) wsum);
  for (int k = 0; k < bins; k++)
    tm[k] = 1.0 / (1.0 + (c[k] * c[k]) / (d0 * d0));
  for (size_t ij = 0; ij < (size_t) L * L; ij++)
    {
      softmax (logits + ij * bins, bins, p);
      double term = 0;
      for (int k = 0; k < bins; k++)
        term += p[k] * tm[k];
      terms[ij] = (float) term;
    }
  return fl_confidence_ptm_from_terms (terms, 1, L, residue_weights);
}

void
fl_confidence_distogram_breaks (int bins, float first_break, float last_break,
                                float *breaks)
{
  for (int k = 0; k < bins - 1; k++)
    breaks[k] = bins > 2
      ? (float) (first_break + ((double) last_break - first_break) * k / (bins - 2))
      : first_break;
}

void
fl_confidence_distogram_table (int bins, float first_break, float last_break, float cutoff,
                               float *table)
{
  double step = bins > 2 ? ((double) last_break - first_break) / (bins - 2) : 1.0;
  for (int k = 0; k < bins; k++)
    {
      double lower = k == 0 ? 0.0 : first_break + step * (k - 1);
      table[2 * k] = lower < cutoff ? 1.f : 0.f;
      table[2 * k + 1] = (float) (first_break + step * (k - 0.5));
    }
}

void
fl_confidence_distogram_summary (const float *logits, int L, int bins,
                                 float first_break, float last_break, float cutoff,
                                 float *contact_probs, float *expected_distance)
{
  g_autofree double *p = g_new (double, bins);
  g_autofree double *lower = g_new (double, bins);
  g_autofree double *centre = g_new (double, bins);
  double step = bins > 2 ? ((double) last_break - first_break) / (bins - 2) : 1.0;
  for (int k = 0; k < bins; k++)
    {
      lower[k] = k == 0 ? 0.0 : first_break + step * (k - 1);
      centre[k] = first_break + step * (k - 0.5);
    }
  for (size_t ij = 0; ij < (size_t) L * L; ij++)
    {
      softmax (logits + ij * bins, bins, p);
      double contact = 0, e = 0;
      for (int k = 0; k < bins; k++)
        {
          if (lower[k] < cutoff)
            contact += p[k];
          e += p[k] * centre[k];
        }
      if (contact_probs)
        contact_probs[ij] = (float) contact;
      if (expected_distance)
        expected_distance[ij] = (float) e;
    }
}

float
fl_confidence_recycle_tolerance (const float *prev_atom37, const float *atom37,
                                 const float *seq_mask, int L)
{
  const int CA = 1;   /* atom37 index of CA */
  double sum = 0, msum = 0;
  for (int i = 0; i < L; i++)
    for (int j = 0; j < L; j++)
      {
        double m = seq_mask ? (double) seq_mask[i] * seq_mask[j] : 1.0;
        if (m == 0)
          continue;
        double d0 = 0, d1 = 0;
        for (int x = 0; x < 3; x++)
          {
            double a = prev_atom37[((size_t) i * 37 + CA) * 3 + x] - prev_atom37[((size_t) j * 37 + CA) * 3 + x];
            double b = atom37[((size_t) i * 37 + CA) * 3 + x] - atom37[((size_t) j * 37 + CA) * 3 + x];
            d0 += a * a;
            d1 += b * b;
          }
        double diff = sqrt (d1) - sqrt (d0);
        sum += m * diff * diff;
        msum += m;
      }
  return msum > 0 ? (float) sqrt (sum / msum) : 0.f;
}
