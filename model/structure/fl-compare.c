/* Model vs reference accuracy: alignment, RMSD, TM-score, GDT_TS, lDDT-Cα
 * (see fl-compare.h for the definitions). */
#include "fl-compare.h"
#include <limits.h>
#include <math.h>
#include <string.h>
#include "fl-residue-constants.h"
#include "fl-superpose.h"

G_DEFINE_QUARK (fl-compare-error-quark, fl_compare_error)

#define NEG_INF (INT_MIN / 4)
enum { ST_M = 0, ST_X = 1, ST_Y = 2 };

static int
max3 (int a, int b, int c, int *which)
{
  int w = 0, v = a;
  if (b > v)
    w = 1, v = b;
  if (c > v)
    w = 2, v = c;
  *which = w;
  return v;
}

int *
fl_compare_align_sequences (const char *a, const char *b)
{
  const int match = 2, mismatch = -1, open = -4, extend = -1;
  int n = (int) strlen (a), m = (int) strlen (b);
  int *map = g_new (int, MAX (n, 1));
  for (int i = 0; i < n; i++)
    map[i] = -1;
  if (n == 0 || m == 0)
    return map;
  /* Rows of the three matrices (M: a_i ~ b_j, X: a_i ~ gap, Y: gap ~ b_j)
   * and one traceback byte per cell: 2 bits per state, the predecessor. */
  gsize W = (gsize) m + 1;
  int *M0 = g_new (int, W), *X0 = g_new (int, W), *Y0 = g_new (int, W);
  int *M1 = g_new (int, W), *X1 = g_new (int, W), *Y1 = g_new (int, W);
  guint8 *tb = g_new0 (guint8, (gsize) (n + 1) * W);
  for (gsize j = 0; j < W; j++)
    {
      M0[j] = j == 0 ? 0 : NEG_INF;
      X0[j] = NEG_INF;
      Y0[j] = j == 0 ? NEG_INF : 0; /* leading gaps in a are free */
    }
  int best = 0, bi = n, bj = 0, bs = ST_X; /* nothing aligned */
  for (int i = 1; i <= n; i++)
    {
      M1[0] = NEG_INF;
      X1[0] = 0; /* leading gaps in b are free */
      Y1[0] = NEG_INF;
      for (int j = 1; j <= m; j++)
        {
          int w, s = a[i - 1] == b[j - 1] && a[i - 1] != 'X' ? match : mismatch;
          int vm = max3 (M0[j - 1], X0[j - 1], Y0[j - 1], &w) + s;
          guint8 t = (guint8) w;
          int vx = max3 (M0[j] + open, X0[j] + extend, Y0[j] + open, &w);
          t |= (guint8) (w << 2);
          int vy = max3 (M1[j - 1] + open, X1[j - 1] + open, Y1[j - 1] + extend, &w);
          t |= (guint8) (w << 4);
          M1[j] = MAX (vm, NEG_INF);
          X1[j] = MAX (vx, NEG_INF);
          Y1[j] = MAX (vy, NEG_INF);
          tb[(gsize) i * W + j] = t;
          /* trailing gaps are free: the alignment may end on the last row or column */
          if (i == n || j == m)
            {
              int st, v = max3 (M1[j], X1[j], Y1[j], &st);
              if (v > best)
                best = v, bi = i, bj = j, bs = st;
            }
        }
      int *tmp;
      tmp = M0, M0 = M1, M1 = tmp;
      tmp = X0, X0 = X1, X1 = tmp;
      tmp = Y0, Y0 = Y1, Y1 = tmp;
    }
  g_free (M0), g_free (X0), g_free (Y0), g_free (M1), g_free (X1), g_free (Y1);
  int i = bi, j = bj, state = bs;
  while (i > 0 && j > 0)
    {
      guint8 t = tb[(gsize) i * W + j];
      if (state == ST_M)
        {
          map[i - 1] = j - 1;
          state = t & 3;
          i--, j--;
        }
      else if (state == ST_X)
        {
          state = (t >> 2) & 3;
          i--;
        }
      else
        {
          state = (t >> 4) & 3;
          j--;
        }
    }
  g_free (tb);
  return map;
}

double
fl_compare_tm_d0 (int L)
{
  double d0 = L > 15 ? 1.24 * cbrt (L - 15.0) - 1.8 : 0.5;
  return MAX (d0, 0.5);
}

typedef struct {
  const float *x, *y; /* (n, 3) mobile, target */
  int n;
  double d0, tm_best;
  float tm_R[9], tm_t[3]; /* the superposition of tm_best */
  int gdt_best[4];
  double *d;     /* (n) distances under the current superposition */
} Search;

static const double gdt_cutoffs[4] = { 1.0, 2.0, 4.0, 8.0 };

/* Distances under R, t; update every maximum. */
static void
search_evaluate (Search *s, const float R[9], const float t[3])
{
  double tm = 0.0;
  int count[4] = { 0 };
  for (int i = 0; i < s->n; i++)
    {
      const float *x = s->x + 3 * i, *y = s->y + 3 * i;
      double e2 = 0.0;
      for (int a = 0; a < 3; a++)
        {
          double v = (double) R[3 * a] * x[0] + (double) R[3 * a + 1] * x[1]
                     + (double) R[3 * a + 2] * x[2] + t[a] - y[a];
          e2 += v * v;
        }
      double d = sqrt (e2);
      s->d[i] = d;
      tm += 1.0 / (1.0 + e2 / (s->d0 * s->d0));
      for (int k = 0; k < 4; k++)
        count[k] += d <= gdt_cutoffs[k];
    }
  if (tm > s->tm_best)
    {
      s->tm_best = tm;
      memcpy (s->tm_R, R, sizeof s->tm_R);
      memcpy (s->tm_t, t, sizeof s->tm_t);
    }
  for (int k = 0; k < 4; k++)
    s->gdt_best[k] = MAX (s->gdt_best[k], count[k]);
}

/* From a seed selection, alternate "superpose the selection" and "select
 * the pairs closer than dsel" until the selection is stable. */
static void
search_refine (Search *s, const float *seed_w, double dsel, float *w, float *w_prev)
{
  float R[9], t[3];
  memcpy (w, seed_w, (gsize) s->n * sizeof (float));
  for (int it = 0; it < 20; it++)
    {
      fl_superpose_kabsch (s->x, s->y, w, s->n, R, t);
      search_evaluate (s, R, t);
      memcpy (w_prev, w, (gsize) s->n * sizeof (float));
      /* widen the threshold until at least 3 pairs are selected */
      double cut = dsel;
      int count = 0;
      for (int tries = 0; tries < 64; tries++, cut += 0.5)
        {
          count = 0;
          for (int i = 0; i < s->n; i++)
            count += s->d[i] < cut;
          if (count >= MIN (3, s->n))
            break;
        }
      for (int i = 0; i < s->n; i++)
        w[i] = s->d[i] < cut ? 1.0f : 0.0f;
      if (memcmp (w, w_prev, (gsize) s->n * sizeof (float)) == 0)
        break;
    }
}

void
fl_compare_search (const float *x, const float *y, int n, int reference_length,
                   double *tm_score, double gdt_fraction[4], float tm_R[9], float tm_t[3])
{
  Search s = { .x = x, .y = y, .n = n, .d0 = fl_compare_tm_d0 (reference_length),
               .tm_best = -1.0, .tm_R = { 1, 0, 0, 0, 1, 0, 0, 0, 1 } };
  s.d = g_new (double, MAX (n, 1));
  float *seed = g_new (float, MAX (n, 1)), *w = g_new (float, MAX (n, 1));
  float *w_prev = g_new (float, MAX (n, 1));
  double dsel[5] = { CLAMP (s.d0, 4.5, 8.0), 1.0, 2.0, 4.0, 8.0 };
  /* fragment lengths n, n/2, ... down to 4 (or n when shorter) */
  for (int len = n;; len = MAX (4, len / 2))
    {
      int step = MAX (1, len / 2);
      for (int start = 0;; start += step)
        {
          start = MIN (start, n - len); /* the last fragment ends at the tail */
          for (int i = 0; i < n; i++)
            seed[i] = i >= start && i < start + len ? 1.0f : 0.0f;
          for (int k = 0; k < 5; k++)
            search_refine (&s, seed, dsel[k], w, w_prev);
          if (start + len >= n)
            break;
        }
      if (len <= 4)
        break;
    }
  int L = MAX (reference_length, 1);
  *tm_score = MAX (s.tm_best, 0.0) / L;
  if (tm_R)
    memcpy (tm_R, s.tm_R, sizeof s.tm_R);
  if (tm_t)
    memcpy (tm_t, s.tm_t, sizeof s.tm_t);
  for (int k = 0; k < 4; k++)
    gdt_fraction[k] = (double) s.gdt_best[k] / L;
  g_free (s.d);
  g_free (seed);
  g_free (w);
  g_free (w_prev);
}

double
fl_compare_lddt_ca (const float *model, const guint8 *model_present, const float *reference,
                    const guint8 *ref_present, int n)
{
  static const double thresholds[4] = { 0.5, 1.0, 2.0, 4.0 };
  double preserved = 0.0;
  gint64 total = 0;
  for (int i = 0; i < n; i++)
    {
      if (!ref_present[i])
        continue;
      for (int j = 0; j < n; j++)
        {
          if (j == i || !ref_present[j])
            continue;
          const float *ri = reference + 3 * i, *rj = reference + 3 * j;
          double dr = sqrt ((double) (ri[0] - rj[0]) * (ri[0] - rj[0])
                            + (double) (ri[1] - rj[1]) * (ri[1] - rj[1])
                            + (double) (ri[2] - rj[2]) * (ri[2] - rj[2]));
          if (!(dr < 15.0))
            continue;
          total++;
          if (!model_present[i] || !model_present[j])
            continue;
          const float *mi = model + 3 * i, *mj = model + 3 * j;
          double dm = sqrt ((double) (mi[0] - mj[0]) * (mi[0] - mj[0])
                            + (double) (mi[1] - mj[1]) * (mi[1] - mj[1])
                            + (double) (mi[2] - mj[2]) * (mi[2] - mj[2]));
          double e = fabs (dm - dr);
          for (int k = 0; k < 4; k++)
            preserved += e < thresholds[k] ? 0.25 : 0.0;
        }
    }
  return total > 0 ? preserved / (double) total : 0.0;
}

gboolean
fl_compare_pairs (const float *model, const guint8 *model_present, const float *reference,
                  const guint8 *ref_present, int n, FlCompareScores *out, GError **error)
{
  memset (out, 0, sizeof *out);
  int n_pairs = 0, Lr = 0;
  for (int i = 0; i < n; i++)
    {
      Lr += ref_present[i] != 0;
      n_pairs += ref_present[i] && model_present[i];
    }
  if (n_pairs < 3)
    {
      g_set_error (error, FL_COMPARE_ERROR, FL_COMPARE_ERROR_NO_PAIRS,
                   "Only %d residues of the model pair with a reference residue that has a "
                   "CA atom (at least 3 are needed)", n_pairs);
      return FALSE;
    }
  float *x = g_new (float, (gsize) n_pairs * 3), *y = g_new (float, (gsize) n_pairs * 3);
  for (int i = 0, k = 0; i < n; i++)
    if (ref_present[i] && model_present[i])
      {
        memcpy (x + 3 * k, model + 3 * i, 3 * sizeof (float));
        memcpy (y + 3 * k, reference + 3 * i, 3 * sizeof (float));
        k++;
      }
  float R[9], t[3];
  out->rmsd_ca = fl_superpose_kabsch (x, y, NULL, n_pairs, R, t);
  double gdt[4];
  fl_compare_search (x, y, n_pairs, Lr, &out->tm_score, gdt, out->tm_R, out->tm_t);
  out->gdt_ts = (gdt[0] + gdt[1] + gdt[2] + gdt[3]) / 4.0;
  out->lddt_ca = fl_compare_lddt_ca (model, model_present, reference, ref_present, n);
  out->aligned_residues = n_pairs;
  out->reference_length = Lr;
  g_free (x);
  g_free (y);
  return TRUE;
}

struct _FlCompareReference {
  int L_model, L_ref;
  int *map;            /* (L_model) model residue -> reference residue or -1 */
  int *model_of_ref;   /* (L_ref) reference residue -> model residue or -1 */
  float *ref_ca;       /* (L_ref, 3) */
  guint8 *ref_present; /* (L_ref) */
  int identical;
};

FlCompareReference *
fl_compare_reference_new (const FlStructure *reference, const char *model_sequence,
                          GError **error)
{
  if (!reference || reference->L < 1 || !model_sequence || !*model_sequence)
    {
      g_set_error (error, FL_COMPARE_ERROR, FL_COMPARE_ERROR_INVALID,
                   "Cannot compare: an empty model or reference sequence");
      return NULL;
    }
  g_autoptr (FlCompareReference) ref = g_new0 (FlCompareReference, 1);
  ref->L_model = (int) strlen (model_sequence);
  ref->L_ref = reference->L;
  ref->map = fl_compare_align_sequences (model_sequence, reference->sequence);
  ref->model_of_ref = g_new (int, ref->L_ref);
  ref->ref_ca = g_new (float, (gsize) ref->L_ref * 3);
  ref->ref_present = g_new0 (guint8, ref->L_ref);
  for (int r = 0; r < ref->L_ref; r++)
    {
      ref->model_of_ref[r] = -1;
      memcpy (ref->ref_ca + 3 * r, reference->atom37 + ((gsize) r * 37 + FL_ATOM37_CA) * 3,
              3 * sizeof (float));
      const float *ca = ref->ref_ca + 3 * r;
      ref->ref_present[r] = reference->atom37_mask[(gsize) r * 37 + FL_ATOM37_CA] > 0.0f
                            && isfinite (ca[0]) && isfinite (ca[1]) && isfinite (ca[2]);
    }
  int pairs = 0;
  for (int i = 0; i < ref->L_model; i++)
    if (ref->map[i] >= 0)
      {
        int r = ref->map[i];
        ref->model_of_ref[r] = i;
        ref->identical += model_sequence[i] == reference->sequence[r];
        pairs += ref->ref_present[r];
      }
  if (pairs < 3)
    {
      g_set_error (error, FL_COMPARE_ERROR, FL_COMPARE_ERROR_NO_PAIRS,
                   "The sequences align at only %d residues with a CA atom in the reference "
                   "(at least 3 are needed): is it the same protein?", pairs);
      return NULL;
    }
  return g_steal_pointer (&ref);
}

void
fl_compare_reference_free (FlCompareReference *ref)
{
  if (!ref)
    return;
  g_free (ref->map);
  g_free (ref->model_of_ref);
  g_free (ref->ref_ca);
  g_free (ref->ref_present);
  g_free (ref);
}

int
fl_compare_reference_model_length (const FlCompareReference *ref)
{
  return ref->L_model;
}

const int *
fl_compare_reference_map (const FlCompareReference *ref)
{
  return ref->map;
}

/* Model Cα in reference order: xyz (L_ref, 3), present (L_ref). */
static void
model_in_reference_order (const FlCompareReference *ref, const float *atom37,
                          const float *atom37_mask, float *xyz, guint8 *present)
{
  for (int r = 0; r < ref->L_ref; r++)
    {
      int i = ref->model_of_ref[r];
      present[r] = 0;
      xyz[3 * r] = xyz[3 * r + 1] = xyz[3 * r + 2] = 0.0f;
      if (i < 0)
        continue;
      const float *ca = atom37 + ((gsize) i * 37 + FL_ATOM37_CA) * 3;
      if ((atom37_mask && !(atom37_mask[(gsize) i * 37 + FL_ATOM37_CA] > 0.0f))
          || !isfinite (ca[0]) || !isfinite (ca[1]) || !isfinite (ca[2]))
        continue;
      memcpy (xyz + 3 * r, ca, 3 * sizeof (float));
      present[r] = 1;
    }
}

gboolean
fl_compare_frame (const FlCompareReference *ref, const float *atom37, const float *atom37_mask,
                  FlCompareScores *out, GError **error)
{
  float *xyz = g_new (float, (gsize) ref->L_ref * 3);
  guint8 *present = g_new (guint8, ref->L_ref);
  model_in_reference_order (ref, atom37, atom37_mask, xyz, present);
  gboolean ok = fl_compare_pairs (xyz, present, ref->ref_ca, ref->ref_present, ref->L_ref, out,
                                  error);
  if (ok)
    out->identical_residues = ref->identical;
  g_free (xyz);
  g_free (present);
  return ok;
}

gboolean
fl_compare_reference_onto (const FlCompareReference *ref, const float *atom37,
                           const float *atom37_mask, float R[9], float t[3])
{
  float *xyz = g_new (float, (gsize) ref->L_ref * 3);
  guint8 *present = g_new (guint8, ref->L_ref);
  float *w = g_new (float, ref->L_ref);
  model_in_reference_order (ref, atom37, atom37_mask, xyz, present);
  int n = 0;
  for (int r = 0; r < ref->L_ref; r++)
    {
      w[r] = present[r] && ref->ref_present[r] ? 1.0f : 0.0f;
      n += w[r] > 0.0f;
    }
  fl_superpose_kabsch (ref->ref_ca, xyz, w, ref->L_ref, R, t);
  g_free (xyz);
  g_free (present);
  g_free (w);
  return n >= 3;
}
