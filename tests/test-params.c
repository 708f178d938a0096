/* Parameters: loading golden files (one and several), lookup with shape
 * checks, validation against the configuration (missing / mis-shaped /
 * unexpected tensors named), and deterministic random parameters. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "fl-config.h"
#include "fl-error.h"
#include "fl-npz.h"
#include "fl-params.h"
#include "fl-test-util.h"

static char *tmpdir;

static char *
tmp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* Configuration of a golden case: preset + its config.json. */
static gboolean
golden_config (const char *gcase, FlModelConfig *cfg)
{
  g_autofree char *json = fl_test_golden_path (gcase, "config.json");
  if (!fl_test_require_file (json))
    return FALSE;
  g_autoptr(GError) error = NULL;
  g_assert_true (fl_model_config_from_preset ("model_3_ptm", cfg, &error));
  g_assert_true (fl_model_config_load_json (json, cfg, &error));
  g_assert_no_error (error);
  return TRUE;
}

static char *
golden_params_path (const char *gcase)
{
  g_autofree char *file = g_strdup_printf ("params_%s.npz", gcase);
  return fl_test_golden_path (gcase, file);
}

static void
test_load_tiny (void)
{
  g_autofree char *path = golden_params_path ("tiny");
  if (!fl_test_require_file (path))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(FlParams) p = fl_params_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fl_params_n_tensors (p), ==, 267);
  g_assert_cmpuint (fl_params_n_floats (p), ==, 105726);
  g_assert_cmpstr (fl_params_path (p), ==, path);

  /* Views are laid out back to back in the one buffer. */
  gsize total = 0;
  for (guint i = 0; i < fl_params_n_tensors (p); i++)
    {
      const FlParamInfo *t = fl_params_tensor (p, i);
      g_assert_cmpuint (t->offset, ==, total);
      total += t->numel;
    }
  g_assert_cmpuint (total, ==, fl_params_n_floats (p));

  /* fl_params_get returns the same values numpy stores. */
  g_autoptr(FlArrays) raw = fl_npz_load (path, &error);
  g_assert_no_error (error);
  const char *rel = "evoformer/preprocess_msa//weights";
  int64_t shape[2] = { 49, -1 };
  const float *w = fl_params_get (p, rel, 2, shape, &error);
  g_assert_no_error (error);
  g_autofree char *full = g_strconcat (FL_PARAMS_ROOT, rel, NULL);
  FlArray *a = fl_arrays_lookup (raw, full);
  g_assert_nonnull (a);
  g_assert_cmpmem (w, 49 * 32 * 4, a->data, 49 * 32 * 4);
  /* Full keys are accepted too. */
  g_assert_true (fl_params_get (p, full, 2, shape, &error) == w);

  /* Wrong shape: both shapes in the message. */
  int64_t bad[2] = { 48, 32 };
  g_assert_null (fl_params_get (p, rel, 2, bad, &error));
  g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "(49, 32)"));
  g_assert_nonnull (strstr (error->message, "(48, 32)"));
  g_assert_nonnull (strstr (error->message, rel));
  g_clear_error (&error);
  /* Missing. */
  g_assert_null (fl_params_get (p, "evoformer/nope//weights", 2, bad, &error));
  g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_MISSING);
  g_assert_nonnull (strstr (error->message, "evoformer/nope//weights"));
  g_assert_nonnull (strstr (error->message, "params_tiny.npz"));
}

static void
test_validate_golden (void)
{
  const char *cases[] = { "tiny", "realdim" };
  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      FlModelConfig cfg;
      if (!golden_config (cases[c], &cfg))
        return;
      g_autofree char *path = golden_params_path (cases[c]);
      g_autoptr(GError) error = NULL;
      g_autoptr(FlParams) p = fl_params_load (path, &error);
      g_assert_no_error (error);
      g_assert_true (fl_params_validate (p, &cfg, &error));
      g_assert_no_error (error);

      /* The wrong preset is caught: full-size widths against tiny weights,
       * and a model without PAE head against a _ptm file. */
      FlModelConfig other;
      g_assert_true (fl_model_config_from_preset ("model_3", &other, NULL));
      other.n_evoformer_blocks = cfg.n_evoformer_blocks;
      other.n_extra_blocks = cfg.n_extra_blocks;
      if (strcmp (cases[c], "realdim") == 0)
        {
          g_assert_false (fl_params_validate (p, &other, &error));
          g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_EXTRA);
          g_assert_nonnull (strstr (error->message, "predicted_aligned_error_head/logits//weights"));
        }
      else
        {
          g_assert_false (fl_params_validate (p, &other, &error));
          g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE);
        }
    }
}

/* Rewrite the tiny params with one change and validate. */
static GError *
validate_modified (const char *what, const char *key, const char *new_key,
                   int new_ndim, const int64_t *new_shape)
{
  FlModelConfig cfg;
  g_assert_true (golden_config ("tiny", &cfg));
  g_autofree char *path = golden_params_path ("tiny");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) arrays = fl_npz_load (path, &error);
  g_assert_no_error (error);
  g_autofree char *full = g_strconcat (FL_PARAMS_ROOT, key, NULL);
  FlArray *a = fl_arrays_lookup (arrays, full);
  if (new_key != NULL)
    {
      g_assert_nonnull (a);
      g_autofree char *nfull = g_strconcat (FL_PARAMS_ROOT, new_key, NULL);
      fl_arrays_add (arrays, nfull, a->dtype, a->ndim, a->shape, a->data);
      fl_arrays_remove (arrays, full);
    }
  else if (new_shape != NULL)
    {
      fl_arrays_add_f32 (arrays, full, new_ndim, new_shape, NULL);
    }
  g_autofree char *file = g_strdup_printf ("%s.npz", what);
  g_autofree char *out = tmp_path (file);
  g_assert_true (fl_npz_save (arrays, out, &error));
  g_autoptr(FlParams) p = fl_params_load (out, &error);
  g_assert_no_error (error);
  GError *verr = NULL;
  g_assert_false (fl_params_validate (p, &cfg, &verr));
  g_assert_nonnull (verr);
  g_assert_nonnull (strstr (verr->message, file));
  g_unlink (out);
  return verr;
}

static void
test_validate_errors (void)
{
  g_autofree char *path = golden_params_path ("tiny");
  if (!fl_test_require_file (path))
    return;

  /* A renamed tensor: reported missing under its name and unexpected
   * under the new one, each with its shape. */
  GError *e = validate_modified ("renamed",
                                 "evoformer/evoformer_iteration/outer_product_mean//output_w",
                                 "evoformer/evoformer_iteration/outer_product_mean//output_weights",
                                 0, NULL);
  g_assert_error (e, FL_PARAMS_ERROR, FL_PARAMS_ERROR_MISSING);
  g_assert_nonnull (strstr (e->message,
                            "missing '" FL_PARAMS_ROOT "evoformer/evoformer_iteration/outer_product_mean//output_w' (2, 8, 8, 16)"));
  g_assert_nonnull (strstr (e->message,
                            "unexpected '" FL_PARAMS_ROOT "evoformer/evoformer_iteration/outer_product_mean//output_weights' (2, 8, 8, 16)"));
  g_assert_nonnull (strstr (e->message, "1 missing, 0 mis-shaped, 1 unexpected"));
  g_error_free (e);

  /* A wrong shape: both shapes. */
  int64_t shape[2] = { 22, 17 };
  e = validate_modified ("misshaped", "evoformer/left_single//weights", NULL, 2, shape);
  g_assert_error (e, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE);
  g_assert_nonnull (strstr (e->message, "evoformer/left_single//weights' has shape (22, 17), expected (22, 16)"));
  g_error_free (e);

  /* An unexpected tensor. */
  int64_t shape1[1] = { 5 };
  e = validate_modified ("extra", "evoformer/made_up//bias", NULL, 1, shape1);
  g_assert_error (e, FL_PARAMS_ERROR, FL_PARAMS_ERROR_EXTRA);
  g_assert_nonnull (strstr (e->message, "unexpected '" FL_PARAMS_ROOT "evoformer/made_up//bias' (5,)"));
  g_error_free (e);
}

static void
test_template_tensors_and_dtype (void)
{
  FlModelConfig cfg;
  if (!golden_config ("tiny", &cfg))
    return;
  g_autofree char *path = golden_params_path ("tiny");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) arrays = fl_npz_load (path, &error);
  g_assert_no_error (error);
  /* A template tensor in a model without templates is unexpected (checked,
   * not skipped). */
  int64_t shape[2] = { 3, 4 };
  fl_arrays_add_f32 (arrays, FL_PARAMS_ROOT "evoformer/template_embedding/single_template_embedding/x//weights",
                     2, shape, NULL);
  g_autoptr(FlParams) p = fl_params_new_from_arrays (arrays, &error);
  g_assert_no_error (error);
  g_assert_null (fl_params_path (p));
  g_assert_false (fl_params_validate (p, &cfg, &error));
  g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_EXTRA);
  g_assert_nonnull (strstr (error->message, "single_template_embedding/x//weights"));
  g_clear_error (&error);

  /* Integer tensors are not parameters. */
  fl_arrays_add_i32 (arrays, FL_PARAMS_ROOT "evoformer/ints//bias", 2, shape, NULL);
  g_assert_null (fl_params_new_from_arrays (arrays, &error));
  g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_DTYPE);
  g_assert_nonnull (strstr (error->message, "evoformer/ints//bias"));
}

static int
count_template_tensors (FlParams *p)
{
  int n = 0;
  for (guint i = 0; i < fl_params_n_tensors (p); i++)
    if (strstr (fl_params_tensor (p, i)->name, "template") != NULL)
      n++;
  return n;
}

static void
assert_shape (FlParams *p, const char *rel, int ndim, const int64_t *want)
{
  g_autofree char *full = g_strconcat (FL_PARAMS_ROOT, rel, NULL);
  const FlParamInfo *t = fl_params_lookup (p, full);
  g_assert_nonnull (t);
  g_assert_cmpint (t->ndim, ==, ndim);
  for (int d = 0; d < ndim; d++)
    g_assert_cmpint (t->shape[d], ==, want[d]);
}

/* The template stack of models 1 and 2: the golden tmpl file validates
 * against its config and against what the shapes say; a released-size
 * model_1 has the official template shapes; a wrong template tensor fails. */
static void
test_template_stack (void)
{
  g_autofree char *json = fl_test_golden_path ("tmpl", "config.json");
  g_autofree char *path = golden_params_path ("tmpl");
  if (!fl_test_require_file (json) || !fl_test_require_file (path))
    return;
  g_autoptr(GError) error = NULL;
  FlModelConfig cfg, inferred;
  g_assert_true (fl_model_config_from_preset ("model_1_ptm", &cfg, &error));
  g_assert_true (fl_model_config_load_json (json, &cfg, &error));
  g_assert_no_error (error);
  g_assert_true (cfg.has_templates);
  g_assert_cmpint (cfg.c_t, ==, 8);
  g_assert_cmpint (cfg.template_tri_mul_channels, ==, 8);
  g_autoptr(FlParams) p = fl_params_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (count_template_tensors (p), ==, 71);
  g_assert_true (fl_params_validate (p, &cfg, &error));
  g_assert_no_error (error);
  inferred = cfg;
  g_assert_true (fl_model_config_infer (&inferred, p, &error));
  g_assert_no_error (error);
  g_assert_true (inferred.has_templates);
  g_assert_cmpint (inferred.c_t, ==, 8);
  g_assert_cmpint (inferred.template_blocks, ==, 2);
  g_assert_cmpint (inferred.template_tri_start_heads, ==, 2);
  g_assert_cmpint (inferred.template_tri_end_heads, ==, 2);
  g_assert_cmpint (inferred.template_pair_transition_factor, ==, 2);
  g_assert_cmpint (inferred.template_att_heads, ==, 4);
  g_assert_cmpint (inferred.template_att_key_dim, ==, 8);
  g_assert_cmpint (inferred.template_dgram_bins, ==, 39);
  g_assert_true (fl_params_validate (p, &inferred, &error));
  g_assert_no_error (error);

  /* The same file against a config without templates: 71 unexpected. */
  FlModelConfig off = cfg;
  off.has_templates = FALSE;
  g_assert_false (fl_params_validate (p, &off, &error));
  g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_EXTRA);
  g_assert_nonnull (strstr (error->message, "71 unexpected"));
  g_clear_error (&error);
  /* A wrong template width is named. */
  FlModelConfig wide = cfg;
  wide.c_t = 16;
  g_assert_false (fl_params_validate (p, &wide, &error));
  g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "embedding2d//weights' has shape (88, 8), expected (88, 16)"));
  g_clear_error (&error);

  /* Released model_1 sizes (AlphaFold's config.py): c_t 64, 2 blocks, 4/4
   * heads of width 16, 64 intermediate channels, point-wise 4 heads. */
  FlModelConfig m1;
  g_assert_true (fl_model_config_from_preset ("model_1", &m1, NULL));
  m1.n_evoformer_blocks = 1;   /* keep the test fast */
  g_autoptr(FlArrays) a = fl_params_generate_random (&m1, 11);
  g_autoptr(FlParams) pm = fl_params_new_from_arrays (a, &error);
  g_assert_no_error (error);
  g_assert_true (fl_params_validate (pm, &m1, &error));
  g_assert_no_error (error);
  g_assert_cmpint (count_template_tensors (pm), ==, 71);
#define TE "evoformer/template_embedding/"
#define TS TE "single_template_embedding/template_pair_stack/__layer_stack_no_state/"
  assert_shape (pm, TE "attention//query_w", 3, (int64_t[]) { 128, 4, 16 });
  assert_shape (pm, TE "attention//key_w", 3, (int64_t[]) { 64, 4, 16 });
  assert_shape (pm, TE "attention//output_w", 3, (int64_t[]) { 4, 16, 128 });
  assert_shape (pm, TE "single_template_embedding/embedding2d//weights", 2, (int64_t[]) { 88, 64 });
  assert_shape (pm, TS "triangle_attention_starting_node/attention//query_w", 4,
                (int64_t[]) { 2, 64, 4, 16 });
  assert_shape (pm, TS "triangle_attention_ending_node//feat_2d_weights", 3, (int64_t[]) { 2, 64, 4 });
  assert_shape (pm, TS "triangle_multiplication_incoming/left_projection//weights", 3,
                (int64_t[]) { 2, 64, 64 });
  assert_shape (pm, TS "pair_transition/transition1//weights", 3, (int64_t[]) { 2, 64, 128 });
  assert_shape (pm, "evoformer/template_single_embedding//weights", 2, (int64_t[]) { 57, 256 });
  assert_shape (pm, "evoformer/template_projection//weights", 2, (int64_t[]) { 256, 256 });
#undef TS
#undef TE
  FlModelConfig back = m1;
  g_assert_true (fl_model_config_infer (&back, pm, &error));
  g_assert_no_error (error);
  g_assert_cmpint (back.c_t, ==, 64);
  g_assert_cmpint (back.template_att_value_dim, ==, 64);
  g_assert_cmpint (back.template_tri_mul_channels, ==, 64);
}

static void
test_truncated_file (void)
{
  g_autofree char *path = golden_params_path ("tiny");
  if (!fl_test_require_file (path))
    return;
  g_autofree char *contents = NULL;
  gsize len;
  g_autoptr(GError) error = NULL;
  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_autofree char *out = tmp_path ("params_truncated.npz");
  g_assert_true (g_file_set_contents (out, contents, len / 2, &error));
  g_assert_null (fl_params_load (out, &error));
  g_assert_error (error, FL_NPZ_ERROR, FL_NPZ_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "params_truncated.npz"));
  g_assert_nonnull (strstr (error->message, "truncated"));
  g_unlink (out);
}

/* realdim split in two files (main Evoformer stack / everything else),
 * merged again by fl_params_load_many. */
static void
test_load_many (void)
{
  FlModelConfig cfg;
  if (!golden_config ("realdim", &cfg))
    return;
  g_autofree char *path = golden_params_path ("realdim");
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) all = fl_npz_load (path, &error);
  g_assert_no_error (error);
  g_autoptr(FlArrays) part1 = fl_arrays_new ();
  g_autoptr(FlArrays) part2 = fl_arrays_new ();
  for (guint i = 0; i < fl_arrays_size (all); i++)
    {
      FlArray *a = fl_arrays_index (all, i);
      fl_arrays_add (strstr (a->name, "evoformer_iteration") ? part1 : part2,
                     a->name, a->dtype, a->ndim, a->shape, a->data);
    }
  g_autofree char *p1 = tmp_path ("part1.npz");
  g_autofree char *p2 = tmp_path ("part2.npz");
  g_assert_true (fl_npz_save (part1, p1, &error));
  g_assert_true (fl_npz_save (part2, p2, &error));

  const char *paths[] = { p1, p2, NULL };
  g_autoptr(FlParams) merged = fl_params_load_many (paths, &error);
  g_assert_no_error (error);
  g_autoptr(FlParams) single = fl_params_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (fl_params_n_tensors (merged), ==, fl_params_n_tensors (single));
  g_assert_cmpuint (fl_params_n_floats (merged), ==, 6626202);
  g_assert_true (fl_params_validate (merged, &cfg, &error));
  for (guint i = 0; i < fl_params_n_tensors (single); i++)
    {
      const FlParamInfo *t = fl_params_tensor (single, i);
      const FlParamInfo *u = fl_params_lookup (merged, t->name);
      g_assert_nonnull (u);
      g_assert_cmpint (u->numel, ==, t->numel);
      g_assert_cmpmem (fl_params_data (merged) + u->offset, u->numel * 4,
                       fl_params_data (single) + t->offset, t->numel * 4);
    }

  /* The same file twice: duplicate keys are an error. */
  const char *twice[] = { p2, p2, NULL };
  g_assert_null (fl_params_load_many (twice, &error));
  g_assert_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_EXTRA);
  g_assert_nonnull (strstr (error->message, "appears twice"));
  g_unlink (p1);
  g_unlink (p2);
}

/* Mean and standard deviation of a tensor. */
static void
stats (const float *x, int64_t n, double *mean, double *sd)
{
  double s = 0, s2 = 0;
  for (int64_t i = 0; i < n; i++)
    s += x[i];
  *mean = s / n;
  for (int64_t i = 0; i < n; i++)
    s2 += (x[i] - *mean) * (x[i] - *mean);
  *sd = sqrt (s2 / n);
}

static void
test_generate_random (void)
{
  FlModelConfig cfg;
  if (!golden_config ("tiny", &cfg))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(FlArrays) a = fl_params_generate_random (&cfg, 1001);
  g_autoptr(FlArrays) b = fl_params_generate_random (&cfg, 1001);
  g_autoptr(FlArrays) c = fl_params_generate_random (&cfg, 7);
  g_assert_cmpuint (fl_arrays_size (a), ==, 267);
  g_autoptr(FlParams) pa = fl_params_new_from_arrays (a, &error);
  g_assert_no_error (error);
  g_assert_true (fl_params_validate (pa, &cfg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fl_params_n_floats (pa), ==, 105726);

  /* Deterministic for a seed, different for another. */
  g_autoptr(FlParams) pb = fl_params_new_from_arrays (b, &error);
  g_autoptr(FlParams) pc = fl_params_new_from_arrays (c, &error);
  g_assert_cmpmem (fl_params_data (pa), fl_params_n_floats (pa) * 4,
                   fl_params_data (pb), fl_params_n_floats (pb) * 4);
  g_assert_true (memcmp (fl_params_data (pa), fl_params_data (pc),
                         fl_params_n_floats (pa) * 4) != 0);

  /* Same distribution per tensor as the golden parameters (the README
   * scheme): means and standard deviations agree for every large tensor. */
  g_autofree char *path = golden_params_path ("tiny");
  g_autoptr(FlParams) golden = fl_params_load (path, &error);
  g_assert_no_error (error);
  int checked = 0;
  for (guint i = 0; i < fl_params_n_tensors (golden); i++)
    {
      const FlParamInfo *t = fl_params_tensor (golden, i);
      if (t->numel < 400)
        continue;
      const FlParamInfo *u = fl_params_lookup (pa, t->name);
      g_assert_nonnull (u);
      double m1, s1, m2, s2;
      stats (fl_params_data (golden) + t->offset, t->numel, &m1, &s1);
      stats (fl_params_data (pa) + u->offset, u->numel, &m2, &s2);
      if (fabs (m1 - m2) > 0.25 * s1 + 0.02 || fabs (s1 - s2) > 0.15 * s1)
        g_error ("%s: golden mean %.3f sd %.3f, generated mean %.3f sd %.3f",
                 t->name, m1, s1, m2, s2);
      checked++;
    }
  g_assert_cmpint (checked, >, 40);

  /* Gating biases start at 1, scales at 1, offsets at 0. */
  const FlParamInfo *g = fl_params_lookup (pa, FL_PARAMS_ROOT
    "evoformer/evoformer_iteration/triangle_multiplication_outgoing/left_gate//bias");
  double m, s;
  stats (fl_params_data (pa) + g->offset, g->numel, &m, &s);
  g_assert_cmpfloat (fabs (m - 1.0), <, 0.05);

  /* Full-size model_1_ptm: every tensor of the released layout, validated. */
  FlModelConfig full;
  g_assert_true (fl_model_config_from_preset ("model_5_ptm", &full, NULL));
  full.n_evoformer_blocks = 1;   /* keep the test fast */
  g_autoptr(FlArrays) f = fl_params_generate_random (&full, 3);
  g_autoptr(FlParams) pf = fl_params_new_from_arrays (f, &error);
  g_assert_no_error (error);
  g_assert_true (fl_params_validate (pf, &full, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("fl-test-params-XXXXXX", NULL);
  g_test_add_func ("/model/params/load-tiny", test_load_tiny);
  g_test_add_func ("/model/params/validate-golden", test_validate_golden);
  g_test_add_func ("/model/params/validate-errors", test_validate_errors);
  g_test_add_func ("/model/params/template-tensors-dtype", test_template_tensors_and_dtype);
  g_test_add_func ("/model/params/template-stack", test_template_stack);
  g_test_add_func ("/model/params/truncated-file", test_truncated_file);
  g_test_add_func ("/model/params/load-many", test_load_many);
  g_test_add_func ("/model/params/generate-random", test_generate_random);
  int rc = g_test_run ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return rc;
}
