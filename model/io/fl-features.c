/* AlphaFold's processed features from an alignment: deterministic (golden
 * README steps 1-12) or with AlphaFold's random MSA sampling and BERT
 * masking from a seed. All float arithmetic is float32 in the order the
 * README gives, so the deterministic mode is bit-exact. */
#include "fl-features.h"
#include "fl-error.h"
#include "fl-npz.h"
#include "fl-residue-constants.h"

#include <math.h>
#include <string.h>

#define N_TOKENS 23        /* 20 aa + X + gap + mask */
#define MSA_FEAT 49
#define TARGET_FEAT 22
#define FL_FEATURES_MAX_BYTES (16.0 * (1 << 30))

/* Masked-MSA replacement probabilities (AlphaFold's config.data.common.masked_msa). */
#define BERT_UNIFORM_PROB 0.1
#define BERT_PROFILE_PROB 0.1
#define BERT_SAME_PROB 0.1

int
fl_feature_cluster_rows (const FlMsa *msa, int max_msa_clusters)
{
  return MIN (max_msa_clusters, MAX (msa->n_rows, 1));
}

void
fl_feature_options_init (FlFeatureOptions *opts)
{
  g_return_if_fail (opts != NULL);
  memset (opts, 0, sizeof *opts);
  opts->max_msa_clusters = 512;
  opts->max_extra_msa = 5120;
  opts->deterministic = FALSE;
  opts->seed = 0;
  opts->masked_msa_fraction = 0.15f;
}

void
fl_features_free (FlFeatures *f)
{
  if (f == NULL)
    return;
  g_free (f->sequence);
  g_free (f->name);
  g_free (f->aatype);
  g_free (f->residue_index);
  g_free (f->seq_mask);
  g_free (f->target_feat);
  g_free (f->msa_feat);
  g_free (f->msa_mask);
  g_free (f->msa_row_mask);
  g_free (f->bert_mask);
  g_free (f->true_msa);
  g_free (f->extra_msa);
  g_free (f->extra_msa_mask);
  g_free (f->extra_msa_row_mask);
  g_free (f->extra_has_deletion);
  g_free (f->extra_deletion_value);
  g_free (f->atom14_atom_exists);
  g_free (f->residx_atom14_to_atom37);
  g_free (f->residx_atom37_to_atom14);
  g_free (f->atom37_atom_exists);
  g_free (f->cluster_source_row);
  g_free (f->extra_source_row);
  g_free (f->extra_assignment);
  if (f->debug)
    fl_arrays_unref (f->debug);
  fl_template_features_free (f->templates);
  g_free (f);
}

/* ------------------------------------------------------------------- RNG */

typedef struct {
  guint64 state;
} Rng;

static guint64
rng_next (Rng *r)
{
  guint64 z = (r->state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/* Uniform double in [0, 1). */
static double
rng_uniform (Rng *r)
{
  return (rng_next (r) >> 11) * 0x1.0p-53;
}

/* Uniform integer in [0, n) without modulo bias. */
static guint64
rng_below (Rng *r, guint64 n)
{
  guint64 limit = G_MAXUINT64 - G_MAXUINT64 % n;
  guint64 x;
  do
    x = rng_next (r);
  while (x >= limit);
  return x % n;
}

static void
shuffle (Rng *r, int *v, int n)
{
  for (int i = n - 1; i > 0; i--)
    {
      int j = (int) rng_below (r, (guint64) i + 1);
      int t = v[i];
      v[i] = v[j];
      v[j] = t;
    }
}

/* ------------------------------------------------------------- helpers */

/* float32 arctangent computed the way numpy's float32 arctan is on x86-64
 * with AVX-512 (Intel SVML, which produced the golden features): a table
 * of atan(k/4) at the nearest quarter b, plus atan(s) of the reduced
 * argument s = (x - b) / (1 + x b) (or -1/x for |x| >= 7.75) from an odd
 * polynomial, every step rounded in float32 with the same fused
 * multiply-adds. The division uses the 14-bit reciprocal estimate refined
 * by one Newton step; with the hardware estimate (AVX-512) the result is
 * bit-identical to numpy's, with an exact reciprocal it differs in about
 * 1e-4 of arguments by 1 ulp. Either way it is within 1 ulp of atan. */
static const uint32_t atan_quarter_table[32] = {   /* float bits of atan(k / 4) */
  0x00000000, 0x3e7adbb0, 0x3eed6338, 0x3f24bc7d, 0x3f490fdb, 0x3f6563e3, 0x3f7b985f,
  0x3f869c79, 0x3f8db70d, 0x3f93877b, 0x3f985b6c, 0x3f9c6b53, 0x3f9fe0bb, 0x3fa2daa4,
  0x3fa57088, 0x3fa7b46f, 0x3fa9b465, 0x3fab7b7a, 0x3fad1283, 0x3fae809e, 0x3fafcb99,
  0x3fb0f836, 0x3fb20a6a, 0x3fb30581, 0x3fb3ec43, 0x3fb4c10a, 0x3fb585d7, 0x3fb63c64,
  0x3fb6e62c, 0x3fb78478, 0x3fb81868, 0x3fb8a2f5,
};
#define ATAN_PI_2 0x3fc90fdbu
#define ATAN_C3 0xbeaaaaaau   /* -0.33333331 */
#define ATAN_C5 0x3e4cc8e2u   /* 0.19998506 */
#define ATAN_C7 0xbe0fa8deu   /* -0.14029261 */

static inline float
float_of_bits (uint32_t u)
{
  float f;
  memcpy (&f, &u, 4);
  return f;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__ ((target ("avx512f"))) static float
rcp14_hw (float m)
{
  __m128 v = _mm_set_ss (m);
  return _mm_cvtss_f32 (_mm_rcp14_ss (v, v));
}
#endif

/* Reciprocal estimate of m in [1, 2). */
static float
rcp_estimate (float m)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports ("avx512f"))
    return rcp14_hw (m);
#endif
  return 1.0f / m;
}

/* Mantissa in [1, 2) with the sign of x, and the exponent (x != 0). */
static inline float
mantissa (float x, int *exponent)
{
  int e;
  float m = frexpf (x, &e);
  *exponent = e - 1;
  return m * 2.0f;
}

static float
atan_f32 (float x)
{
  float ax = fabsf (x);
  if (isnan (ax))
    return x;
  float t, diff, y;
  if (ax >= 7.75f)
    {
      t = float_of_bits (ATAN_PI_2);
      diff = -1.0f;
      y = fminf (ax, 4294967296.0f);
    }
  else
    {
      float b = rintf (ax * 4.0f) * 0.25f;   /* nearest quarter, ties to even */
      t = float_of_bits (atan_quarter_table[(int) (b * 4.0f)]);
      diff = ax - b;
      y = fmaf (ax, b, 1.0f);
    }
  float r = 0.0f;
  if (diff != 0.0f)
    {
      int ed, ey;
      float md = mantissa (diff, &ed), my = mantissa (y, &ey);
      float rc = rcp_estimate (my);
      float q = md * rc;
      float res = fmaf (-q, my, md);
      r = ldexpf (fmaf (rc, res, q), ed - ey);
    }
  float r2 = r * r, r3 = r * r2;
  float p = fmaf (float_of_bits (ATAN_C7), r2, float_of_bits (ATAN_C5));
  p = fmaf (p, r2, float_of_bits (ATAN_C3));
  float v = t + fmaf (r3, p, r);
  return x < 0.0f ? -v : v;
}

/* atan(x / 3) * 2 / pi in float32, in the README's order. */
static inline float
deletion_value (float x)
{
  return atan_f32 (x / 3.0f) * (float) (2.0 / G_PI);
}

/* BERT masking (AlphaFold's make_masked_msa) of the cluster rows in place.
 * profile: (L, 22) mean one-hot over all alignment rows. */
static void
bert_mask_rows (int8_t *msa /* (n, L) */, float *bert /* (n, L) */, int n, int L,
                const double *profile /* (L, 22) */, double fraction, Rng *rng)
{
  double p[N_TOKENS];
  double mask_prob = 1.0 - BERT_UNIFORM_PROB - BERT_PROFILE_PROB - BERT_SAME_PROB;
  for (int i = 0; i < n; i++)
    for (int j = 0; j < L; j++)
      {
        double u = rng_uniform (rng);
        double s = rng_uniform (rng);
        if (u >= fraction)
          continue;
        int orig = msa[(gsize) i * L + j];
        double total = 0.0;
        for (int t = 0; t < 22; t++)
          {
            p[t] = (t < 20 ? BERT_UNIFORM_PROB * 0.05 : 0.0)
                   + BERT_PROFILE_PROB * profile[j * 22 + t]
                   + (t == orig ? BERT_SAME_PROB : 0.0);
            total += p[t];
          }
        p[22] = mask_prob;
        total += p[22];
        double target = s * total, acc = 0.0;
        int pick = 22;
        for (int t = 0; t < N_TOKENS; t++)
          {
            acc += p[t];
            if (target < acc)
              {
                pick = t;
                break;
              }
          }
        msa[(gsize) i * L + j] = (int8_t) pick;
        bert[(gsize) i * L + j] = 1.0f;
      }
}

/* Nearest cluster of every extra row: most positions with the same
 * non-gap, non-mask token; ties go to the lowest cluster index. */
static void
assign_clusters (const int8_t *clust /* (nc, L) */, int nc,
                 const int8_t *extra /* (ne, L) */, int ne, int L,
                 int32_t *assignment /* (ne) */)
{
#pragma omp parallel for schedule(static) if ((gint64) ne * nc * L > 1000000)
  for (int e = 0; e < ne; e++)
    {
      const int8_t *x = extra + (gsize) e * L;
      int best = 0, best_score = -1;
      for (int c = 0; c < nc; c++)
        {
          const int8_t *y = clust + (gsize) c * L;
          int score = 0;
          for (int j = 0; j < L; j++)
            score += (x[j] == y[j]) & (x[j] < FL_TOKEN_GAP);
          if (score > best_score)
            {
              best_score = score;
              best = c;
            }
        }
      assignment[e] = best;
    }
}

static void
debug_add_i32 (FlArrays *d, const char *name, int ndim, const int64_t *shape,
               const int32_t *data)
{
  fl_arrays_add_i32 (d, name, ndim, shape, data);
}

/* ---------------------------------------------------------------- build */

FlFeatures *
fl_features_build (const FlMsa *msa, const FlFeatureOptions *opts, GError **error)
{
  g_return_val_if_fail (msa != NULL && opts != NULL, NULL);
  if (msa->n_rows < 1 || msa->L < 1)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY,
                   "the alignment has no query sequence");
      return NULL;
    }
  if (opts->max_msa_clusters < 1 || opts->max_extra_msa < 1)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "max_msa_clusters (%d) and max_extra_msa (%d) must both be at least 1",
                   opts->max_msa_clusters, opts->max_extra_msa);
      return NULL;
    }
  const int L = msa->L, N = msa->n_rows;
  const int NC = opts->max_msa_clusters, NE = opts->max_extra_msa;
  /* Refuse sizes that cannot fit before allocating anything. */
  double bytes = (double) NC * L * (MSA_FEAT + 8) * 4.0 + (double) NE * L * 5 * 4.0
                 + (double) N * L * 10.0 + (double) L * (TARGET_FEAT + 110) * 4.0;
  if (bytes > FL_FEATURES_MAX_BYTES)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "features for %d residues with %d cluster and %d extra rows would need %.1f GiB; "
                   "the limit is %.0f GiB (use fewer rows or a shorter sequence)",
                   L, NC, NE, bytes / (1 << 30), FL_FEATURES_MAX_BYTES / (1 << 30));
      return NULL;
    }
  const int nc = MIN (NC, N);            /* real cluster rows */
  const int ne_all = N - nc;             /* extra rows before cropping */
  const int ne = MIN (NE, ne_all);       /* extra rows kept */
  Rng rng = { opts->seed ^ 0x5EED5EED5EEDull };
  gboolean random_mode = !opts->deterministic;

  /* Steps 4 and 8: which rows become clusters / extra rows. */
  g_autofree int *order = g_new (int, N);
  for (int i = 0; i < N; i++)
    order[i] = i;
  if (random_mode && N > 2)
    shuffle (&rng, order + 1, N - 1);
  g_autofree int *extra_pick = g_new (int, MAX (ne_all, 1));   /* index into extra rows */
  for (int e = 0; e < ne_all; e++)
    extra_pick[e] = e;
  if (random_mode && ne_all > 1)
    shuffle (&rng, extra_pick, ne_all);

  /* Cluster and extra rows (tokens, deletions). */
  g_autofree int8_t *cmsa = g_new (int8_t, (gsize) nc * L);
  g_autofree int8_t *ctrue = g_new (int8_t, (gsize) nc * L);
  g_autofree float *cdel = g_new (float, (gsize) nc * L);
  g_autofree float *cbert = g_new0 (float, (gsize) nc * L);
  for (int i = 0; i < nc; i++)
    {
      memcpy (cmsa + (gsize) i * L, msa->tokens + (gsize) order[i] * L, L);
      memcpy (cdel + (gsize) i * L, msa->deletions + (gsize) order[i] * L, L * sizeof (float));
    }
  memcpy (ctrue, cmsa, (gsize) nc * L);
  g_autofree int8_t *emsa = g_new (int8_t, (gsize) MAX (ne_all, 1) * L);
  g_autofree float *edel = g_new (float, (gsize) MAX (ne_all, 1) * L);
  for (int e = 0; e < ne_all; e++)
    {
      memcpy (emsa + (gsize) e * L, msa->tokens + (gsize) order[nc + e] * L, L);
      memcpy (edel + (gsize) e * L, msa->deletions + (gsize) order[nc + e] * L,
              L * sizeof (float));
    }

  /* Step 5: BERT masking (random mode only). */
  if (random_mode && opts->masked_msa_fraction > 0.0f)
    {
      g_autofree double *profile = g_new0 (double, (gsize) L * 22);
      for (int i = 0; i < N; i++)
        for (int j = 0; j < L; j++)
          profile[j * 22 + msa->tokens[(gsize) i * L + j]] += 1.0;
      for (gsize k = 0; k < (gsize) L * 22; k++)
        profile[k] /= N;
      bert_mask_rows (cmsa, cbert, nc, L, profile, opts->masked_msa_fraction, &rng);
    }

  /* Step 6: nearest-neighbour clusters over all extra rows. */
  g_autofree int32_t *assign = g_new (int32_t, MAX (ne_all, 1));
  assign_clusters (cmsa, nc, emsa, ne_all, L, assign);

  /* Step 7: cluster summaries (integer sums, then one float division). */
  g_autofree int32_t *count = g_new0 (int32_t, nc);
  g_autofree float *prof_num = g_new0 (float, (gsize) nc * L * N_TOKENS);
  g_autofree float *del_num = g_new0 (float, (gsize) nc * L);
  for (int i = 0; i < nc; i++)
    for (int j = 0; j < L; j++)
      {
        prof_num[((gsize) i * L + j) * N_TOKENS + cmsa[(gsize) i * L + j]] += 1.0f;
        del_num[(gsize) i * L + j] += cdel[(gsize) i * L + j];
      }
  for (int e = 0; e < ne_all; e++)
    {
      int c = assign[e];
      count[c]++;
      for (int j = 0; j < L; j++)
        {
          prof_num[((gsize) c * L + j) * N_TOKENS + emsa[(gsize) e * L + j]] += 1.0f;
          del_num[(gsize) c * L + j] += edel[(gsize) e * L + j];
        }
    }
  g_autofree float *profile = g_new (float, (gsize) nc * L * N_TOKENS);
  g_autofree float *del_mean = g_new (float, (gsize) nc * L);
  for (int i = 0; i < nc; i++)
    {
      float mask_counts = (1e-6f + 1.0f) + (float) count[i];
      for (int j = 0; j < L; j++)
        {
          gsize ij = (gsize) i * L + j;
          for (int t = 0; t < N_TOKENS; t++)
            profile[ij * N_TOKENS + t] = prof_num[ij * N_TOKENS + t] / mask_counts;
          del_mean[ij] = del_num[ij] / mask_counts;
        }
    }

  /* Steps 3, 9-11: the feature tensors, padded. */
  FlFeatures *f = g_new0 (FlFeatures, 1);
  f->L = L;
  f->n_clust = NC;
  f->n_extra = NE;
  f->n_clust_real = nc;
  f->n_extra_real = ne;
  f->sequence = g_strdup (msa->query);
  f->name = g_strdup (msa->query_name ? msa->query_name : "query");

  f->aatype = g_new (int32_t, L);
  f->residue_index = g_new (int32_t, L);
  f->seq_mask = g_new (float, L);
  f->target_feat = g_new0 (float, (gsize) L * TARGET_FEAT);
  for (int j = 0; j < L; j++)
    {
      f->aatype[j] = fl_aatype_from_letter (msa->query[j]);
      f->residue_index[j] = j;
      f->seq_mask[j] = 1.0f;
      f->target_feat[(gsize) j * TARGET_FEAT + 1 + f->aatype[j]] = 1.0f;
    }

  f->msa_feat = g_new0 (float, (gsize) NC * L * MSA_FEAT);
  f->msa_mask = g_new0 (float, (gsize) NC * L);
  f->msa_row_mask = g_new0 (float, NC);
  f->bert_mask = g_new0 (float, (gsize) NC * L);
  f->true_msa = g_new0 (int32_t, (gsize) NC * L);
  f->cluster_source_row = g_new (int32_t, NC);
  for (int i = 0; i < NC; i++)
    f->cluster_source_row[i] = i < nc ? order[i] : -1;
  for (int i = 0; i < nc; i++)
    {
      f->msa_row_mask[i] = 1.0f;
      for (int j = 0; j < L; j++)
        {
          gsize ij = (gsize) i * L + j;
          float *o = f->msa_feat + ij * MSA_FEAT;
          float d = cdel[ij];
          o[cmsa[ij]] = 1.0f;
          o[23] = d < 1.0f ? (d > 0.0f ? d : 0.0f) : 1.0f;
          o[24] = deletion_value (d);
          memcpy (o + 25, profile + ij * N_TOKENS, N_TOKENS * sizeof (float));
          o[48] = deletion_value (del_mean[ij]);
          f->msa_mask[ij] = 1.0f;
          f->bert_mask[ij] = cbert[ij];
          f->true_msa[ij] = ctrue[ij];
        }
    }

  f->extra_msa = g_new0 (int32_t, (gsize) NE * L);
  f->extra_msa_mask = g_new0 (float, (gsize) NE * L);
  f->extra_msa_row_mask = g_new0 (float, NE);
  f->extra_has_deletion = g_new0 (float, (gsize) NE * L);
  f->extra_deletion_value = g_new0 (float, (gsize) NE * L);
  f->extra_source_row = g_new (int32_t, NE);
  f->extra_assignment = g_new (int32_t, NE);
  for (int k = 0; k < NE; k++)
    {
      f->extra_source_row[k] = -1;
      f->extra_assignment[k] = -1;
    }
  for (int k = 0; k < ne; k++)
    {
      int e = extra_pick[k];
      f->extra_msa_row_mask[k] = 1.0f;
      f->extra_source_row[k] = order[nc + e];
      f->extra_assignment[k] = assign[e];
      for (int j = 0; j < L; j++)
        {
          gsize kj = (gsize) k * L + j, ej = (gsize) e * L + j;
          float d = edel[ej];
          f->extra_msa[kj] = emsa[ej];
          f->extra_msa_mask[kj] = 1.0f;
          f->extra_has_deletion[kj] = d < 1.0f ? (d > 0.0f ? d : 0.0f) : 1.0f;
          f->extra_deletion_value[kj] = deletion_value (d);
        }
    }

  f->atom14_atom_exists = g_new (float, (gsize) L * FL_N_ATOM14);
  f->residx_atom14_to_atom37 = g_new (int32_t, (gsize) L * FL_N_ATOM14);
  f->residx_atom37_to_atom14 = g_new (int32_t, (gsize) L * FL_N_ATOM37);
  f->atom37_atom_exists = g_new (float, (gsize) L * FL_N_ATOM37);
  fl_residue_atom_maps (f->aatype, L, f->atom14_atom_exists, f->residx_atom14_to_atom37,
                        f->residx_atom37_to_atom14, f->atom37_atom_exists);

  /* Debug intermediates, golden names. */
  FlArrays *d = fl_arrays_new ();
  {
    g_autofree uint32_t *q = g_new (uint32_t, L);
    for (int j = 0; j < L; j++)
      q[j] = (guint8) msa->query[j];
    int64_t s1[1] = { L };
    fl_arrays_add (d, "debug/query_sequence", FL_DTYPE_UCS4, 1, s1, q);

    g_autofree int32_t *buf = g_new (int32_t, (gsize) MAX (N, 1) * L);
    for (gsize k = 0; k < (gsize) N * L; k++)
      buf[k] = msa->tokens[k];
    int64_t s[3] = { N, L, N_TOKENS };
    debug_add_i32 (d, "debug/msa_all_rows", 2, s, buf);
    for (gsize k = 0; k < (gsize) nc * L; k++)
      buf[k] = cmsa[k];
    s[0] = nc;
    debug_add_i32 (d, "debug/cluster_msa", 2, s, buf);
    fl_arrays_add_f32 (d, "debug/cluster_deletion_matrix", 2, s, cdel);
    for (gsize k = 0; k < (gsize) ne_all * L; k++)
      buf[k] = emsa[k];
    s[0] = ne_all;
    debug_add_i32 (d, "debug/extra_msa_real", 2, s, buf);
    fl_arrays_add_f32 (d, "debug/extra_deletion_matrix_real", 2, s, edel);
    debug_add_i32 (d, "debug/extra_cluster_assignment", 1, s, assign);
    s[0] = nc;
    fl_arrays_add_f32 (d, "debug/cluster_profile", 3, s, profile);
    fl_arrays_add_f32 (d, "debug/cluster_deletion_mean", 2, s, del_mean);
    int32_t v = N;
    debug_add_i32 (d, "debug/num_msa_rows_after_dedup", 0, NULL, &v);
    v = nc;
    debug_add_i32 (d, "debug/num_cluster_rows_real", 0, NULL, &v);
    v = ne_all;
    debug_add_i32 (d, "debug/num_extra_rows_real", 0, NULL, &v);
    g_autofree int32_t *zeros = g_new0 (int32_t, L);
    debug_add_i32 (d, "debug/between_segment_residues", 1, s1, zeros);
  }
  f->debug = d;
  return f;
}

/* ------------------------------------------------------------ arrays */

FlArrays *
fl_features_to_arrays (const FlFeatures *f)
{
  g_return_val_if_fail (f != NULL, NULL);
  FlArrays *a = fl_arrays_new ();
  const int64_t L = f->L, NC = f->n_clust, NE = f->n_extra;
  int64_t s[3];
#define SHAPE1(x) (s[0] = (x), s)
#define SHAPE2(x, y) (s[0] = (x), s[1] = (y), s)
#define SHAPE3(x, y, z) (s[0] = (x), s[1] = (y), s[2] = (z), s)
  fl_arrays_add_i32 (a, "aatype", 1, SHAPE1 (L), f->aatype);
  fl_arrays_add_i32 (a, "residue_index", 1, SHAPE1 (L), f->residue_index);
  int32_t len = f->L;
  fl_arrays_add_i32 (a, "seq_length", 0, NULL, &len);
  fl_arrays_add_f32 (a, "seq_mask", 1, SHAPE1 (L), f->seq_mask);
  fl_arrays_add_f32 (a, "target_feat", 2, SHAPE2 (L, TARGET_FEAT), f->target_feat);
  fl_arrays_add_f32 (a, "msa_feat", 3, SHAPE3 (NC, L, MSA_FEAT), f->msa_feat);
  fl_arrays_add_f32 (a, "msa_mask", 2, SHAPE2 (NC, L), f->msa_mask);
  fl_arrays_add_f32 (a, "msa_row_mask", 1, SHAPE1 (NC), f->msa_row_mask);
  fl_arrays_add_f32 (a, "bert_mask", 2, SHAPE2 (NC, L), f->bert_mask);
  fl_arrays_add_i32 (a, "true_msa", 2, SHAPE2 (NC, L), f->true_msa);
  fl_arrays_add_i32 (a, "extra_msa", 2, SHAPE2 (NE, L), f->extra_msa);
  fl_arrays_add_f32 (a, "extra_msa_mask", 2, SHAPE2 (NE, L), f->extra_msa_mask);
  fl_arrays_add_f32 (a, "extra_msa_row_mask", 1, SHAPE1 (NE), f->extra_msa_row_mask);
  fl_arrays_add_f32 (a, "extra_has_deletion", 2, SHAPE2 (NE, L), f->extra_has_deletion);
  fl_arrays_add_f32 (a, "extra_deletion_value", 2, SHAPE2 (NE, L), f->extra_deletion_value);
  fl_arrays_add_f32 (a, "atom14_atom_exists", 2, SHAPE2 (L, FL_N_ATOM14), f->atom14_atom_exists);
  fl_arrays_add_i32 (a, "residx_atom14_to_atom37", 2, SHAPE2 (L, FL_N_ATOM14),
                     f->residx_atom14_to_atom37);
  fl_arrays_add_i32 (a, "residx_atom37_to_atom14", 2, SHAPE2 (L, FL_N_ATOM37),
                     f->residx_atom37_to_atom14);
  fl_arrays_add_f32 (a, "atom37_atom_exists", 2, SHAPE2 (L, FL_N_ATOM37), f->atom37_atom_exists);
  if (f->debug != NULL)
    for (guint i = 0; i < fl_arrays_size (f->debug); i++)
      {
        FlArray *x = fl_arrays_index (f->debug, i);
        fl_arrays_add (a, x->name, x->dtype, x->ndim, x->shape, x->data);
      }
  if (f->templates)
    fl_template_features_add_arrays (f->templates, a);
  /* Row provenance for the MSA panel (not model inputs). */
  if (f->cluster_source_row)
    fl_arrays_add_i32 (a, "debug/cluster_source_row", 1, SHAPE1 (NC), f->cluster_source_row);
  if (f->extra_source_row)
    fl_arrays_add_i32 (a, "debug/extra_source_row", 1, SHAPE1 (NE), f->extra_source_row);
  if (f->extra_assignment)
    fl_arrays_add_i32 (a, "debug/extra_assignment", 1, SHAPE1 (NE), f->extra_assignment);
#undef SHAPE1
#undef SHAPE2
#undef SHAPE3
  return a;
}

/* Copy of a feature array with the expected trailing shape; a single
 * leading extra dimension (the recycle/ensemble copies) is dropped by
 * taking its first slice. */
static void *
take (FlArrays *arrays, const char *name, gboolean is_float, int ndim,
      const int64_t *want, GError **error)
{
  FlArray *a = fl_arrays_lookup (arrays, name);
  if (a == NULL)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_MISSING,
                   "feature '%s' is missing", name);
      return NULL;
    }
  int skip = a->ndim - ndim;
  gboolean ok = skip == 0 || (skip == 1 && a->shape[0] >= 1);
  for (int d = 0; ok && d < ndim; d++)
    ok = want[d] < 0 || a->shape[skip + d] == want[d];
  if (!ok)
    {
      GString *got = g_string_new (NULL), *exp = g_string_new (NULL);
      for (int d = 0; d < a->ndim; d++)
        g_string_append_printf (got, "%s%" G_GINT64_FORMAT, d ? ", " : "", a->shape[d]);
      for (int d = 0; d < ndim; d++)
        {
          if (want[d] < 0)
            g_string_append_printf (exp, "%s?", d ? ", " : "");
          else
            g_string_append_printf (exp, "%s%" G_GINT64_FORMAT, d ? ", " : "", want[d]);
        }
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "feature '%s' has shape (%s), expected (%s)", name, got->str, exp->str);
      g_string_free (got, TRUE);
      g_string_free (exp, TRUE);
      return NULL;
    }
  gboolean src_float = a->dtype == FL_DTYPE_F32 || a->dtype == FL_DTYPE_F64
                       || a->dtype == FL_DTYPE_F16 || a->dtype == FL_DTYPE_BF16;
  gboolean src_int = a->dtype == FL_DTYPE_I32 || a->dtype == FL_DTYPE_I64
                     || a->dtype == FL_DTYPE_U8 || a->dtype == FL_DTYPE_BOOL;
  if (!(src_float || src_int) || (!is_float && src_float))
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "feature '%s' has dtype %s, expected %s", name,
                   fl_dtype_name (a->dtype), is_float ? "float32" : "int32");
      return NULL;
    }
  int64_t n = 1;
  for (int d = 0; d < ndim; d++)
    n *= a->shape[skip + d];
  g_autofree float *conv = fl_array_to_f32 (a);    /* numel of the whole array */
  if (is_float)
    {
      float *out = g_new (float, MAX (n, 1));
      memcpy (out, conv, n * sizeof (float));
      return out;
    }
  int32_t *out = g_new (int32_t, MAX (n, 1));
  if (a->dtype == FL_DTYPE_I32)
    memcpy (out, a->data, n * sizeof (int32_t));
  else
    for (int64_t k = 0; k < n; k++)
      out[k] = (int32_t) conv[k];
  return out;
}

FlFeatures *
fl_features_from_arrays (FlArrays *arrays, GError **error)
{
  g_return_val_if_fail (arrays != NULL, NULL);
  FlArray *aa = fl_arrays_lookup (arrays, "aatype");
  FlArray *mf = fl_arrays_lookup (arrays, "msa_feat");
  FlArray *em = fl_arrays_lookup (arrays, "extra_msa");
  const char *absent = aa == NULL ? "aatype" : mf == NULL ? "msa_feat"
                       : em == NULL ? "extra_msa" : NULL;
  if (absent != NULL)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_MISSING,
                   "feature '%s' is missing", absent);
      return NULL;
    }
  if (aa->ndim < 1 || aa->ndim > 2 || mf->ndim < 3 || mf->ndim > 4 || em->ndim < 2 || em->ndim > 3)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "features 'aatype', 'msa_feat' and 'extra_msa' have unexpected ranks %d, %d, %d",
                   aa->ndim, mf->ndim, em->ndim);
      return NULL;
    }
  const int64_t L = aa->shape[aa->ndim - 1];
  const int64_t NC = mf->shape[mf->ndim - 3];
  const int64_t NE = em->shape[em->ndim - 2];
  if (L < 1 || NC < 1 || mf->shape[mf->ndim - 1] != MSA_FEAT)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "features have %" G_GINT64_FORMAT " residues and msa_feat of width %" G_GINT64_FORMAT
                   " (expected at least one residue and width %d)",
                   L, mf->shape[mf->ndim - 1], MSA_FEAT);
      return NULL;
    }

  g_autoptr(FlFeatures) f = g_new0 (FlFeatures, 1);
  f->L = (int) L;
  f->n_clust = (int) NC;
  f->n_extra = (int) NE;
#define TAKE(field, name, flt, nd, ...)                                            \
  do {                                                                             \
    int64_t w_[] = { __VA_ARGS__ };                                                \
    f->field = take (arrays, name, flt, nd, w_, error);                            \
    if (f->field == NULL)                                                          \
      return NULL;                                                                 \
  } while (0)
  TAKE (aatype, "aatype", FALSE, 1, L);
  TAKE (residue_index, "residue_index", FALSE, 1, L);
  TAKE (seq_mask, "seq_mask", TRUE, 1, L);
  TAKE (target_feat, "target_feat", TRUE, 2, L, TARGET_FEAT);
  TAKE (msa_feat, "msa_feat", TRUE, 3, NC, L, MSA_FEAT);
  TAKE (msa_mask, "msa_mask", TRUE, 2, NC, L);
  TAKE (msa_row_mask, "msa_row_mask", TRUE, 1, NC);
  TAKE (bert_mask, "bert_mask", TRUE, 2, NC, L);
  TAKE (true_msa, "true_msa", FALSE, 2, NC, L);
  TAKE (extra_msa, "extra_msa", FALSE, 2, NE, L);
  TAKE (extra_msa_mask, "extra_msa_mask", TRUE, 2, NE, L);
  TAKE (extra_msa_row_mask, "extra_msa_row_mask", TRUE, 1, NE);
  TAKE (extra_has_deletion, "extra_has_deletion", TRUE, 2, NE, L);
  TAKE (extra_deletion_value, "extra_deletion_value", TRUE, 2, NE, L);
  TAKE (atom14_atom_exists, "atom14_atom_exists", TRUE, 2, L, FL_N_ATOM14);
  TAKE (residx_atom14_to_atom37, "residx_atom14_to_atom37", FALSE, 2, L, FL_N_ATOM14);
  TAKE (residx_atom37_to_atom14, "residx_atom37_to_atom14", FALSE, 2, L, FL_N_ATOM37);
  TAKE (atom37_atom_exists, "atom37_atom_exists", TRUE, 2, L, FL_N_ATOM37);
#undef TAKE

  for (int j = 0; j < f->L; j++)
    if (f->aatype[j] < 0 || f->aatype[j] > 20)
      {
        g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                     "feature 'aatype' has value %d at residue %d (expected 0..20)",
                     f->aatype[j], j);
        return NULL;
      }
  /* Integer features are used as indices downstream: check their ranges. */
  struct { const char *name; const int32_t *v; gsize n; int max; } ranges[] = {
    { "extra_msa", f->extra_msa, (gsize) NE * L, 22 },
    { "true_msa", f->true_msa, (gsize) NC * L, 22 },
    { "residx_atom14_to_atom37", f->residx_atom14_to_atom37, (gsize) L * FL_N_ATOM14, FL_N_ATOM37 - 1 },
    { "residx_atom37_to_atom14", f->residx_atom37_to_atom14, (gsize) L * FL_N_ATOM37, FL_N_ATOM14 - 1 },
  };
  for (gsize r = 0; r < G_N_ELEMENTS (ranges); r++)
    for (gsize k = 0; k < ranges[r].n; k++)
      if (ranges[r].v[k] < 0 || ranges[r].v[k] > ranges[r].max)
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                       "feature '%s' has value %d at element %" G_GSIZE_FORMAT " (expected 0..%d)",
                       ranges[r].name, ranges[r].v[k], k, ranges[r].max);
          return NULL;
        }

  f->sequence = g_new (char, L + 1);
  for (int j = 0; j < f->L; j++)
    f->sequence[j] = fl_restype_1[f->aatype[j]];
  f->sequence[L] = '\0';
  f->name = g_strdup ("query");
  for (int i = 0; i < f->n_clust; i++)
    f->n_clust_real += f->msa_row_mask[i] > 0.5f;
  for (int k = 0; k < f->n_extra; k++)
    f->n_extra_real += f->extra_msa_row_mask[k] > 0.5f;

  /* Row provenance: stored, else unknown (-1); the nearest cluster of each
   * extra row is recomputed from the cluster tokens in msa_feat. */
  FlArray *x;
  f->cluster_source_row = g_new (int32_t, NC);
  f->extra_source_row = g_new (int32_t, MAX (NE, 1));
  f->extra_assignment = g_new (int32_t, MAX (NE, 1));
  x = fl_arrays_lookup (arrays, "debug/cluster_source_row");
  for (int i = 0; i < f->n_clust; i++)
    f->cluster_source_row[i] = (x && x->dtype == FL_DTYPE_I32 && x->ndim == 1 && x->shape[0] == NC)
                               ? ((int32_t *) x->data)[i] : -1;
  x = fl_arrays_lookup (arrays, "debug/extra_source_row");
  for (int k = 0; k < f->n_extra; k++)
    f->extra_source_row[k] = (x && x->dtype == FL_DTYPE_I32 && x->ndim == 1 && x->shape[0] == NE)
                             ? ((int32_t *) x->data)[k] : -1;
  {
    g_autofree int8_t *ctok = g_new (int8_t, (gsize) NC * L);
    g_autofree int8_t *etok = g_new (int8_t, (gsize) MAX (NE, 1) * L);
    for (gsize ij = 0; ij < (gsize) NC * L; ij++)
      {
        const float *o = f->msa_feat + ij * MSA_FEAT;
        int t = FL_TOKEN_GAP;
        for (int k = 0; k < N_TOKENS; k++)
          if (o[k] > 0.5f)
            t = k;
        ctok[ij] = (int8_t) t;
      }
    for (gsize k = 0; k < (gsize) NE * L; k++)
      etok[k] = (int8_t) f->extra_msa[k];
    int nc = MAX (f->n_clust_real, 1);
    assign_clusters (ctok, nc, etok, f->n_extra, f->L, f->extra_assignment);
    for (int k = 0; k < f->n_extra; k++)
      if (f->extra_msa_row_mask[k] <= 0.5f)
        f->extra_assignment[k] = -1;
  }

  /* Template features (models 1 and 2), when present. */
  {
    GError *tmpl_error = NULL;
    f->templates = fl_template_features_from_arrays (arrays, f->L, &tmpl_error);
    if (tmpl_error)
      {
        g_propagate_error (error, tmpl_error);
        return NULL;
      }
  }

  /* Keep debug intermediates (golden files have them). */
  for (guint i = 0; i < fl_arrays_size (arrays); i++)
    {
      FlArray *a = fl_arrays_index (arrays, i);
      if (!g_str_has_prefix (a->name, "debug/"))
        continue;
      if (f->debug == NULL)
        f->debug = fl_arrays_new ();
      if (strcmp (a->name, "debug/cluster_source_row") != 0
          && strcmp (a->name, "debug/extra_source_row") != 0
          && strcmp (a->name, "debug/extra_assignment") != 0)
        fl_arrays_add (f->debug, a->name, a->dtype, a->ndim, a->shape, a->data);
    }
  return g_steal_pointer (&f);
}

gboolean
fl_features_save_npz (const FlFeatures *features, const char *path, GError **error)
{
  g_return_val_if_fail (features != NULL && path != NULL, FALSE);
  g_autoptr(FlArrays) a = fl_features_to_arrays (features);
  return fl_npz_save (a, path, error);
}

FlFeatures *
fl_features_load_npz (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  GError *local = NULL;
  g_autoptr(FlArrays) a = fl_npz_load (path, &local);
  if (a == NULL)
    {
      g_propagate_error (error, local);
      return NULL;
    }
  FlFeatures *f = fl_features_from_arrays (a, &local);
  if (f == NULL)
    {
      g_propagate_prefixed_error (error, local, "%s: ", path);
      return NULL;
    }
  return f;
}
