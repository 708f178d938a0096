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

/* out (n, E) = softmax(logits (n, bins)) @ table (bins, E), in double: the
 * host side of the backend op softmax_expect, on the same tables. */
static void
expect_rows (const float *logits, size_t n, int bins, const float *table, int E, float *out)
{
  g_autofree double *p = g_new (double, MAX (bins, 1));
  for (size_t r = 0; r < n; r++)
    {
      softmax (logits + r * bins, bins, p);
      for (int e = 0; e < E; e++)
        {
          double acc = 0;
          for (int k = 0; k < bins; k++)
            acc += p[k] * table[k * E + e];
          out[r * E + e] = (float) acc;
        }
    }
}

float
fl_confidence_pae (const float *logits, int L, int bins, float max_error_bin,
                   float *pae, float *probs)
{
  const size_t n = (size_t) L * L;
  g_autofree float *table = g_new (float, 2 * (size_t) bins);
  g_autofree float *y = g_new (float, 2 * MAX (n, 1));
  fl_confidence_pae_table (bins, max_error_bin, MAX (L, 1), table);
  expect_rows (logits, n, bins, table, 2, y);
  for (size_t ij = 0; ij < n; ij++)
    pae[ij] = y[2 * ij];
  if (probs)
    {
      g_autofree double *p = g_new (double, bins);
      for (size_t ij = 0; ij < n; ij++)
        {
          softmax (logits + ij * bins, bins, p);
          for (int k = 0; k < bins; k++)
            probs[ij * bins + k] = (float) p[k];
        }
    }
  return table[2 * (bins - 1)];   /* the last bin centre */
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
  const size_t n = (size_t) L * L;
  double wsum = 0;
  for (int i = 0; i < L; i++)
    wsum += residue_weights ? residue_weights[i] : 1.0;
  g_autofree float *table = g_new (float, 2 * (size_t) bins);
  g_autofree float *y = g_new (float, 2 * MAX (n, 1));
  fl_confidence_pae_table (bins, max_error_bin, (int) wsum, table);
  expect_rows (logits, n, bins, table, 2, y);
  return fl_confidence_ptm_from_terms (y + 1, 2, L, residue_weights);
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
  const size_t n = (size_t) L * L;
  g_autofree float *table = g_new (float, 2 * (size_t) bins);
  g_autofree float *y = g_new (float, 2 * MAX (n, 1));
  fl_confidence_distogram_table (bins, first_break, last_break, cutoff, table);
  expect_rows (logits, n, bins, table, 2, y);
  for (size_t ij = 0; ij < n; ij++)
    {
      if (contact_probs)
        contact_probs[ij] = y[2 * ij];
      if (expected_distance)
        expected_distance[ij] = y[2 * ij + 1];
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
