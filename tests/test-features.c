/* Feature building: the golden cases rebuilt from input.a3m equal
 * features.npz (integers exactly, floats within 1 ulp), edge cases of the
 * deterministic pipeline, .npz round trips, and the random mode. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include <sys/wait.h>

#include "fl-error.h"
#include "fl-features.h"
#include "fl-npz.h"
#include "fl-residue-constants.h"
#include "fl-test-util.h"

static char *tmpdir;

/* Distance in units in the last place between two floats. */
static int64_t
ulp_distance (float a, float b)
{
  int32_t ia, ib;
  memcpy (&ia, &a, 4);
  memcpy (&ib, &b, 4);
  if (ia < 0)
    ia = (int32_t) 0x80000000 - ia;
  if (ib < 0)
    ib = (int32_t) 0x80000000 - ib;
  return llabs ((int64_t) ia - (int64_t) ib);
}

/* Compare every array of `want` with the same key of `got`. Returns the
 * number of float elements that are not bit-identical. */
static int64_t
compare_arrays (const char *label, FlArrays *got, FlArrays *want)
{
  int64_t not_exact = 0;
  for (guint i = 0; i < fl_arrays_size (want); i++)
    {
      FlArray *w = fl_arrays_index (want, i);
      FlArray *g = fl_arrays_lookup (got, w->name);
      if (g == NULL)
        g_error ("%s: key '%s' not produced", label, w->name);
      if (g->ndim != w->ndim || memcmp (g->shape, w->shape, sizeof (int64_t) * w->ndim) != 0)
        g_error ("%s: key '%s' has another shape", label, w->name);
      g_assert_cmpint (g->dtype, ==, w->dtype);
      int64_t n = fl_array_numel (w);
      if (w->dtype == FL_DTYPE_F32)
        {
          const float *a = g->data, *b = w->data;
          for (int64_t k = 0; k < n; k++)
            {
              /* README tolerance: 1 ulp of numpy's float32 arctan, which
               * becomes at most 2 ulp after the 2/pi scaling (<= 2.4e-7). */
              int64_t u = ulp_distance (a[k], b[k]);
              if (u > 2 || fabsf (a[k] - b[k]) > 2.4e-7f)
                g_error ("%s: '%s'[%" G_GINT64_FORMAT "] = %.9g, golden %.9g (%" G_GINT64_FORMAT " ulp)",
                         label, w->name, k, a[k], b[k], u);
              not_exact += u != 0;
            }
        }
      else
        g_assert_cmpmem (g->data, n * fl_dtype_size (g->dtype),
                         w->data, n * fl_dtype_size (w->dtype));
    }
  return not_exact;
}

/* max_msa_clusters / max_extra_msa of a golden case from meta.json. */
static gboolean
golden_spec (const char *gcase, int *nc, int *ne)
{
  g_autofree char *path = fl_test_golden_path (gcase, "meta.json");
  if (!fl_test_require_file (path))
    return FALSE;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, path, NULL));
  JsonObject *spec = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                                     "spec");
  *nc = (int) json_object_get_int_member (spec, "max_msa_clusters");
  *ne = (int) json_object_get_int_member (spec, "max_extra_msa");
  return TRUE;
}

static FlFeatures *
build_golden (const char *gcase)
{
  int nc, ne;
  if (!golden_spec (gcase, &nc, &ne))
    return NULL;
  g_autofree char *a3m = fl_test_golden_path (gcase, "input.a3m");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) msa = fl_msa_load_file (a3m, &error);
  g_assert_no_error (error);
  FlFeatureOptions opts;
  fl_feature_options_init (&opts);
  opts.deterministic = TRUE;
  opts.max_msa_clusters = nc;
  opts.max_extra_msa = ne;
  FlFeatures *f = fl_features_build (msa, &opts, &error);
  g_assert_no_error (error);
  return f;
}

static void
test_golden (gconstpointer data)
{
  const char *gcase = data;
  g_autoptr(FlFeatures) f = build_golden (gcase);
  if (f == NULL)
    return;
  g_autofree char *path = fl_test_golden_path (gcase, "features.npz");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) want = fl_npz_load (path, &error);
  g_assert_no_error (error);
  g_autoptr(FlArrays) got = fl_features_to_arrays (f);
  int64_t n = compare_arrays (gcase, got, want);
  g_test_message ("%s: %u keys equal; %" G_GINT64_FORMAT " float elements not bit-identical",
                  gcase, fl_arrays_size (want), n);
#if defined(__x86_64__) && defined(__GNUC__)
  /* With AVX-512 our float32 arctan is numpy's (SVML) bit for bit. */
  if (__builtin_cpu_supports ("avx512f"))
    g_assert_cmpint (n, ==, 0);
#endif
  g_assert_cmpint (f->n_clust_real, ==, ((int32_t *) fl_arrays_lookup (want, "debug/num_cluster_rows_real")->data)[0]);
  /* Deterministic mode: cluster row i is alignment row i. */
  for (int i = 0; i < f->n_clust; i++)
    g_assert_cmpint (f->cluster_source_row[i], ==, i < f->n_clust_real ? i : -1);
}

/* The loader reads golden files and drops a leading recycle dimension. */
static void
test_load_golden_and_recycle_dim (void)
{
  g_autofree char *path = fl_test_golden_path ("tiny", "features.npz");
  if (!fl_test_require_file (path))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(FlFeatures) f = fl_features_load_npz (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (f->L, ==, 24);
  g_assert_cmpint (f->n_clust, ==, 8);
  g_assert_cmpint (f->n_extra, ==, 16);
  g_assert_cmpint (f->n_clust_real, ==, 8);
  g_assert_cmpint (f->n_extra_real, ==, 4);
  g_autoptr(FlFeatures) built = build_golden ("tiny");
  g_assert_cmpstr (f->sequence, ==, built->sequence);
  g_assert_cmpmem (f->extra_assignment, 4 * 4, built->extra_assignment, 4 * 4);
  for (int k = 4; k < 16; k++)
    g_assert_cmpint (f->extra_assignment[k], ==, -1);

  /* Tile every model key to a leading dimension of 3, as the model batch. */
  g_autoptr(FlArrays) a = fl_npz_load (path, &error);
  g_autoptr(FlArrays) tiled = fl_arrays_new ();
  for (guint i = 0; i < fl_arrays_size (a); i++)
    {
      FlArray *x = fl_arrays_index (a, i);
      if (g_str_has_prefix (x->name, "debug/"))
        continue;
      int64_t shape[FL_ARRAY_MAX_DIMS] = { 3 };
      memcpy (shape + 1, x->shape, sizeof (int64_t) * x->ndim);
      gsize bytes = fl_array_numel (x) * fl_dtype_size (x->dtype);
      guint8 *data = g_malloc (3 * bytes);
      for (int r = 0; r < 3; r++)
        memcpy (data + r * bytes, x->data, bytes);
      fl_arrays_take (tiled, x->name, x->dtype, x->ndim + 1, shape, data);
    }
  g_autofree char *out = g_build_filename (tmpdir, "tiled.npz", NULL);
  g_assert_true (fl_npz_save (tiled, out, &error));
  g_autoptr(FlFeatures) t = fl_features_load_npz (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->n_clust, ==, 8);
  g_assert_cmpmem (t->msa_feat, 8 * 24 * 49 * 4, f->msa_feat, 8 * 24 * 49 * 4);
  g_assert_cmpmem (t->residx_atom37_to_atom14, 24 * 37 * 4, f->residx_atom37_to_atom14, 24 * 37 * 4);

  /* A missing key is named. */
  fl_arrays_remove (tiled, "extra_msa_mask");
  g_assert_true (fl_npz_save (tiled, out, &error));
  g_assert_null (fl_features_load_npz (out, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "extra_msa_mask"));
  g_assert_nonnull (strstr (error->message, "tiled.npz"));
  g_unlink (out);
}

static void
test_save_load_round_trip (void)
{
  g_autoptr(FlFeatures) f = build_golden ("realdim");
  if (f == NULL)
    return;
  g_autofree char *out = g_build_filename (tmpdir, "round.npz", NULL);
  g_autoptr(GError) error = NULL;
  g_assert_true (fl_features_save_npz (f, out, &error));
  g_autoptr(FlFeatures) g = fl_features_load_npz (out, &error);
  g_assert_no_error (error);
  g_autoptr(FlArrays) a = fl_features_to_arrays (f);
  g_autoptr(FlArrays) b = fl_features_to_arrays (g);
  g_assert_cmpint (compare_arrays ("round trip", b, a), ==, 0);
  g_assert_cmpmem (g->cluster_source_row, f->n_clust * 4, f->cluster_source_row, f->n_clust * 4);
  g_assert_cmpmem (g->extra_source_row, f->n_extra * 4, f->extra_source_row, f->n_extra * 4);
  g_assert_cmpint (g->n_extra_real, ==, f->n_extra_real);
  g_unlink (out);
}

/* Cases the golden inputs do not exercise: duplicates, argmax ties, extra
 * rows beyond max_extra_msa, trailing insertions, B Z U J O. */
static void
test_deterministic_edge_cases (void)
{
  const char *text =
    ">q\nMKVLA\n"
    ">c1\nMKV--\n"
    ">dup\nMKV--\n"           /* dropped */
    ">c2\n--VLAxyz\n"         /* trailing insertions dropped */
    ">e1\nMKVLB\n"            /* ties: 3 agreements with c1 and c2 -> lower index c1 */
    ">e2\n--VLZ\n"            /* 3 with c2, 1 with c1 (V) */
    ">e3\nUJOaaXX\n"          /* 2 deletions before column 3 */
    ">e4\nMKVLA\n";           /* duplicate of the query -> dropped */
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) msa = fl_msa_parse_a3m (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (msa->n_rows, ==, 6);
  FlFeatureOptions opts;
  fl_feature_options_init (&opts);
  opts.deterministic = TRUE;
  opts.max_msa_clusters = 3;
  opts.max_extra_msa = 2;
  g_autoptr(FlFeatures) f = fl_features_build (msa, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (f->n_clust_real, ==, 3);
  g_assert_cmpint (f->n_extra_real, ==, 2);
  FlArray *asg = fl_arrays_lookup (f->debug, "debug/extra_cluster_assignment");
  g_assert_cmpint (asg->shape[0], ==, 3);   /* all extra rows are assigned */
  const int32_t *as = asg->data;
  /* e1 MKVLB -> B is D: q agrees M K V L (4) -> cluster 0 (the query). */
  g_assert_cmpint (as[0], ==, 0);
  /* e2 --VLZ: q agrees V L (2), c1 V (1), c2 --VLA agrees V L (2), gaps do
   * not count -> tie between 0 and 2 -> 0. */
  g_assert_cmpint (as[1], ==, 0);
  /* e3 UJOXX = C X X X X: no agreement anywhere -> 0. */
  g_assert_cmpint (as[2], ==, 0);

  /* Cluster 0 (query) gets three extra rows: mask_counts = 1e-6 + 1 + 3. */
  float mc = (1e-6f + 1.0f) + 3.0f;
  const float *o = f->msa_feat;   /* row 0, column 0 */
  g_assert_cmpfloat (o[0 * 49 + 25 + 12], ==, 2.0f / mc);   /* M: query + e1 */
  /* Column 4 of cluster 0: A (query), D (e1 B), E (e2 Z), X (e3). */
  const float *c4 = f->msa_feat + 4 * 49;
  g_assert_cmpfloat (c4[25 + 0], ==, 1.0f / mc);
  g_assert_cmpfloat (c4[25 + 3], ==, 1.0f / mc);
  g_assert_cmpfloat (c4[25 + 6], ==, 1.0f / mc);
  g_assert_cmpfloat (c4[25 + 20], ==, 1.0f / mc);
  /* Deletion mean of cluster 0 at column 3: e3 has 2 deletions there. */
  const float *c3 = f->msa_feat + 3 * 49;
  float dm = 2.0f / mc;
  g_assert_cmpfloat (fabsf (c3[48] - (float) (atan (dm / 3.0) * 2.0 / G_PI)), <, 1e-6);
  /* Cluster 1 (c1) and 2 (c2) have no extra rows: profile = own one-hot. */
  const float *r1 = f->msa_feat + (gsize) 1 * 5 * 49;
  g_assert_cmpfloat (r1[3 * 49 + 25 + 21], ==, 1.0f / (1e-6f + 1.0f));
  /* Extra MSA keeps the first 2 extra rows (e1, e2); e3 is cut. */
  g_assert_cmpint (f->extra_msa[4], ==, 3);            /* e1 col 4: B -> D */
  g_assert_cmpint (f->extra_msa[5 + 4], ==, 6);        /* e2 col 4: Z -> E */
  g_assert_cmpint (f->extra_source_row[0], ==, 3);
  g_assert_cmpint (f->extra_source_row[1], ==, 4);
  /* Query aatype: standard letters only. */
  const int32_t want_aa[5] = { 12, 11, 19, 10, 0 };
  g_assert_cmpmem (f->aatype, sizeof want_aa, want_aa, sizeof want_aa);
  /* Padding: none here for clusters; extra rows are exactly 2. */
  g_assert_cmpfloat (f->extra_msa_row_mask[1], ==, 1.0f);

  /* Padding with more room than rows. */
  opts.max_msa_clusters = 8;
  opts.max_extra_msa = 4;
  g_autoptr(FlFeatures) p = fl_features_build (msa, &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpint (p->n_clust_real, ==, 6);
  g_assert_cmpint (p->n_extra_real, ==, 0);
  for (int i = 6; i < 8; i++)
    {
      g_assert_cmpfloat (p->msa_row_mask[i], ==, 0.0f);
      for (int k = 0; k < 5 * 49; k++)
        g_assert_cmpfloat (p->msa_feat[(gsize) i * 5 * 49 + k], ==, 0.0f);
    }
  for (int k = 0; k < 4 * 5; k++)
    {
      g_assert_cmpint (p->extra_msa[k], ==, 0);        /* token 'A' with mask 0 */
      g_assert_cmpfloat (p->extra_msa_mask[k], ==, 0.0f);
    }

  /* Sizes that cannot fit are refused before allocating, with the limit. */
  opts.max_msa_clusters = 1 << 30;
  opts.max_extra_msa = 1 << 30;
  g_assert_null (fl_features_build (msa, &opts, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "the limit is"));
  g_clear_error (&error);

  /* Bad sizes. */
  opts.max_msa_clusters = 0;
  g_assert_null (fl_features_build (msa, &opts, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
}

static void
test_atom_maps (void)
{
  /* Facts: glycine has 4 heavy atoms, tryptophan 14, UNK none; atom14
   * slot 4 of alanine is CB, which is atom37 index 3. */
  g_assert_cmpint (fl_restype_n_atoms (7), ==, 4);
  g_assert_cmpint (fl_restype_n_atoms (17), ==, 14);
  g_assert_cmpint (fl_restype_n_atoms (20), ==, 0);
  g_assert_cmpstr (fl_atom14_name (0, 4), ==, "CB");
  g_assert_cmpint (fl_atom14_to_atom37 (0, 4), ==, FL_ATOM37_CB);
  g_assert_cmpint (fl_atom37_to_atom14 (0, FL_ATOM37_CB), ==, 4);
  g_assert_cmpint (fl_atom37_to_atom14 (7, FL_ATOM37_CB), ==, -1);
  g_assert_cmpstr (fl_restype_3 (18), ==, "TYR");
  g_assert_cmpint (fl_restype_from_3 ("TRP"), ==, 17);
  g_assert_cmpstr (fl_atom_element ("SG"), ==, "S");
  g_assert_cmpstr (fl_atom37_names[36], ==, "OXT");
  int total = 0;
  for (int r = 0; r < 20; r++)
    total += fl_restype_n_atoms (r);
  g_assert_cmpint (total, ==, 167);
  /* Every restype's maps are inverse to each other. */
  for (int r = 0; r < 21; r++)
    for (int i = 0; i < 14; i++)
      {
        int a = fl_atom14_to_atom37 (r, i);
        if (a >= 0)
          g_assert_cmpint (fl_atom37_to_atom14 (r, a), ==, i);
      }
}

/* Random mode: sampling, masking and cropping with a seed. */
static void
test_random_mode (void)
{
  g_autofree char *path = g_build_filename (fl_test_data_dir () ? fl_test_data_dir () : "/nonexistent",
                                            "msas", "4OT_colabfold", "test_a5e17_25.a3m", NULL);
  if (!fl_test_require_file (path))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) msa = fl_msa_load_file (path, &error);
  g_assert_no_error (error);
  FlFeatureOptions opts;
  fl_feature_options_init (&opts);
  opts.max_msa_clusters = 64;
  opts.max_extra_msa = 256;
  opts.seed = 42;
  g_autoptr(FlFeatures) a = fl_features_build (msa, &opts, &error);
  g_assert_no_error (error);
  g_autoptr(FlFeatures) b = fl_features_build (msa, &opts, &error);
  opts.seed = 43;
  g_autoptr(FlFeatures) c = fl_features_build (msa, &opts, &error);
  g_assert_no_error (error);
  const int L = a->L, NC = 64, NE = 256;
  g_assert_cmpint (a->n_clust, ==, NC);
  g_assert_cmpint (a->n_extra, ==, NE);
  g_assert_cmpint (a->n_clust_real, ==, NC);
  g_assert_cmpint (a->n_extra_real, ==, NE);

  /* Same seed: identical. Another seed: different rows and masks. */
  g_autoptr(FlArrays) xa = fl_features_to_arrays (a);
  g_autoptr(FlArrays) xb = fl_features_to_arrays (b);
  g_assert_cmpint (compare_arrays ("same seed", xb, xa), ==, 0);
  g_assert_true (memcmp (a->cluster_source_row, c->cluster_source_row, NC * 4) != 0);
  g_assert_true (memcmp (a->bert_mask, c->bert_mask, (gsize) NC * L * 4) != 0);

  /* The query stays row 0; clusters and extra rows are distinct input rows. */
  g_assert_cmpint (a->cluster_source_row[0], ==, 0);
  g_autoptr(GHashTable) used = g_hash_table_new (NULL, NULL);
  for (int i = 0; i < NC; i++)
    {
      g_assert_cmpint (a->cluster_source_row[i], >=, 0);
      g_assert_false (g_hash_table_contains (used, GINT_TO_POINTER (a->cluster_source_row[i] + 1)));
      g_hash_table_add (used, GINT_TO_POINTER (a->cluster_source_row[i] + 1));
    }
  for (int k = 0; k < NE; k++)
    {
      g_assert_cmpint (a->extra_source_row[k], >, 0);
      g_assert_false (g_hash_table_contains (used, GINT_TO_POINTER (a->extra_source_row[k] + 1)));
      g_hash_table_add (used, GINT_TO_POINTER (a->extra_source_row[k] + 1));
      g_assert_cmpint (a->extra_assignment[k], >=, 0);
      g_assert_cmpint (a->extra_assignment[k], <, NC);
      /* Extra rows are the source rows' tokens. */
      int src = a->extra_source_row[k];
      for (int j = 0; j < L; j++)
        g_assert_cmpint (a->extra_msa[(gsize) k * L + j], ==, msa->tokens[(gsize) src * L + j]);
    }

  /* true_msa is the unmasked source row; the one-hot of msa_feat differs
   * from it only where bert_mask is set; the masked fraction is ~15%. */
  int64_t masked = 0, changed_unmasked = 0, mask_token = 0;
  for (int i = 0; i < NC; i++)
    for (int j = 0; j < L; j++)
      {
        gsize ij = (gsize) i * L + j;
        int src = a->cluster_source_row[i];
        g_assert_cmpint (a->true_msa[ij], ==, msa->tokens[(gsize) src * L + j]);
        const float *o = a->msa_feat + ij * 49;
        int t = -1;
        for (int k = 0; k < 23; k++)
          if (o[k] == 1.0f)
            t = k;
        g_assert_cmpint (t, >=, 0);
        if (a->bert_mask[ij] != 0.0f)
          {
            masked++;
            mask_token += t == 22;
          }
        else if (t != a->true_msa[ij])
          changed_unmasked++;
      }
  g_assert_cmpint (changed_unmasked, ==, 0);
  double frac = (double) masked / (NC * L);
  g_test_message ("random mode: %.3f of cluster positions masked, %.2f of those to the mask token",
                  frac, (double) mask_token / MAX (masked, 1));
  g_assert_cmpfloat (frac, >, 0.12);
  g_assert_cmpfloat (frac, <, 0.18);
  g_assert_cmpfloat ((double) mask_token / masked, >, 0.6);
  g_assert_cmpfloat ((double) mask_token / masked, <, 0.8);

  /* Cluster profiles are distributions: each sums to (1 + members) /
   * (1e-6 + 1 + members); members are the extra rows assigned before the
   * crop, so the counts over all clusters add up to every extra row. */
  FlArray *asg = fl_arrays_lookup (a->debug, "debug/extra_cluster_assignment");
  g_assert_cmpint (asg->shape[0], ==, msa->n_rows - NC);
  g_autofree int *members = g_new0 (int, NC);
  for (int64_t k = 0; k < asg->shape[0]; k++)
    members[((int32_t *) asg->data)[k]]++;
  for (int i = 0; i < NC; i++)
    for (int j = 0; j < L; j++)
      {
        const float *o = a->msa_feat + ((gsize) i * L + j) * 49;
        double sum = 0;
        for (int k = 25; k < 48; k++)
          sum += o[k];
        double want = (1.0 + members[i]) / (1e-6 + 1.0 + members[i]);
        g_assert_cmpfloat (fabs (sum - want), <, 1e-5);
      }

  /* Fraction 0: nothing masked. */
  opts.masked_msa_fraction = 0.0f;
  g_autoptr(FlFeatures) d = fl_features_build (msa, &opts, &error);
  for (int k = 0; k < NC * L; k++)
    g_assert_cmpfloat (d->bert_mask[k], ==, 0.0f);
}

/* foldlight-cli features: golden rebuild, exit status 1 on bad input and
 * 2 on usage errors, one sentence on stderr. */
static int
run_cli (const char *args, char **err)
{
  const char *cli = g_getenv ("FL_CLI");
  g_autofree char *cmd = g_strdup_printf ("'%s' features %s", cli, args);
  g_autofree char *out = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_assert_true (g_spawn_command_line_sync (cmd, &out, err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_cli (void)
{
  const char *cli = g_getenv ("FL_CLI");
  g_autofree char *a3m = fl_test_golden_path ("tiny", "input.a3m");
  g_autofree char *golden = fl_test_golden_path ("tiny", "features.npz");
  if (cli == NULL || !g_file_test (cli, G_FILE_TEST_IS_EXECUTABLE))
    {
      fl_test_cannot_run ("FL_CLI is not set (run through meson test)");
      return;
    }
  if (!fl_test_require_file (a3m))
    return;
  g_autofree char *out = g_build_filename (tmpdir, "cli.npz", NULL);
  g_autofree char *args = g_strdup_printf ("--a3m '%s' --max-msa-clusters 8 --max-extra-msa 16 "
                                           "--deterministic --out '%s'", a3m, out);
  g_autofree char *err = NULL;
  g_assert_cmpint (run_cli (args, &err), ==, 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) got = fl_npz_load (out, &error);
  g_assert_no_error (error);
  g_autoptr(FlArrays) want = fl_npz_load (golden, &error);
  g_assert_no_error (error);
  compare_arrays ("cli", got, want);
  g_unlink (out);
  g_clear_pointer (&err, g_free);

  /* Bad input: exit 1, one line naming the problem. */
  g_autofree char *bad = g_build_filename (tmpdir, "ragged.a3m", NULL);
  g_assert_true (g_file_set_contents (bad, ">q\nMKV\n>r\nMK\n", -1, NULL));
  g_autofree char *bad_args = g_strdup_printf ("--a3m '%s' --out '%s'", bad, out);
  g_assert_cmpint (run_cli (bad_args, &err), ==, 1);
  g_assert_nonnull (strstr (err, "'r'"));
  g_assert_cmpint (strchr (err, '\n') - err + 1, ==, strlen (err));
  g_clear_pointer (&err, g_free);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_unlink (bad);

  g_autofree char *missing = g_strdup_printf ("--fasta /nonexistent.fasta --out '%s'", out);
  g_assert_cmpint (run_cli (missing, &err), ==, 1);
  g_assert_nonnull (strstr (err, "/nonexistent.fasta"));
  g_clear_pointer (&err, g_free);

  /* Usage errors: exit 2. */
  g_assert_cmpint (run_cli ("--deterministic", &err), ==, 2);
  g_clear_pointer (&err, g_free);
  g_autofree char *both = g_strdup_printf ("--a3m '%s' --fasta '%s' --out '%s'", a3m, a3m, out);
  g_assert_cmpint (run_cli (both, &err), ==, 2);
  g_clear_pointer (&err, g_free);
  g_autofree char *no_out = g_strdup_printf ("--a3m '%s'", a3m);
  g_assert_cmpint (run_cli (no_out, &err), ==, 2);
  g_clear_pointer (&err, g_free);
  g_autofree char *bad_seed = g_strdup_printf ("--a3m '%s' --seed abc --out '%s'", a3m, out);
  g_assert_cmpint (run_cli (bad_seed, &err), ==, 2);
}

static void
test_cluster_rows (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FlMsa) one = fl_msa_new_from_sequence ("MKTAYIAK", "q", &error);
  g_assert_no_error (error);
  g_assert_cmpint (fl_feature_cluster_rows (one, 512), ==, 1);
  g_autoptr (FlMsa) three = fl_msa_parse_a3m (">q\nMKTAYIAK\n>a\nMKTAYLAK\n>b\nMRTAYIAK\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fl_feature_cluster_rows (three, 512), ==, 3);
  g_assert_cmpint (fl_feature_cluster_rows (three, 2), ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("fl-test-features-XXXXXX", NULL);
  g_test_add_data_func ("/model/features/golden-tiny", "tiny", test_golden);
  g_test_add_data_func ("/model/features/golden-realdim", "realdim", test_golden);
  g_test_add_data_func ("/model/features/golden-single", "single", test_golden);
  g_test_add_func ("/model/features/load-golden-recycle-dim", test_load_golden_and_recycle_dim);
  g_test_add_func ("/model/features/save-load-round-trip", test_save_load_round_trip);
  g_test_add_func ("/model/features/cluster-rows", test_cluster_rows);
  g_test_add_func ("/model/features/deterministic-edge-cases", test_deterministic_edge_cases);
  g_test_add_func ("/model/features/atom-maps", test_atom_maps);
  g_test_add_func ("/model/features/random-mode", test_random_mode);
  g_test_add_func ("/model/features/cli", test_cli);
  int rc = g_test_run ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
