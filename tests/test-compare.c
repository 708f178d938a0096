/* Structure comparison (model/fl-compare.h): sequence alignment, invariance,
 * hand-computed scores, error paths, and foldlight-cli compare on real files. */
#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "fl-compare.h"
#include "fl-superpose.h"
#include "fl-test-util.h"

static void
test_alignment (void)
{
  /* reference is a fragment: end gaps are free */
  g_autofree int *m1 = fl_compare_align_sequences ("MQIFVKTLTGK", "FVKTLT");
  int want1[] = { -1, -1, -1, 0, 1, 2, 3, 4, 5, -1, -1 };
  g_assert_cmpmem (m1, sizeof want1, want1, sizeof want1);
  /* an insertion of two residues in the reference */
  g_autofree int *m2 = fl_compare_align_sequences ("ACDEFGHIKLMNPQ", "ACDEFGWWHIKLMNPQ");
  for (int i = 0; i < 14; i++)
    g_assert_cmpint (m2[i], ==, i < 6 ? i : i + 2);
  /* a point mutation stays aligned */
  g_autofree int *m3 = fl_compare_align_sequences ("ACDEFGHIKL", "ACDEWGHIKL");
  for (int i = 0; i < 10; i++)
    g_assert_cmpint (m3[i], ==, i);
  /* unrelated: too few pairs */
  g_autofree int *m4 = fl_compare_align_sequences ("AAAAAAAA", "WWWWWWWW");
  for (int i = 0; i < 8; i++)
    g_assert_cmpint (m4[i], ==, -1);
}

/* A line of n Cα 3.8 Å apart along x. */
static void
line (float *xyz, int n)
{
  for (int i = 0; i < n; i++)
    {
      xyz[3 * i] = 3.8f * i;
      xyz[3 * i + 1] = 0.2f * (i % 3); /* not exactly collinear */
      xyz[3 * i + 2] = 0.0f;
    }
}

static void
test_rigid_invariance (void)
{
  enum { N = 50 };
  float ref[N * 3], mod[N * 3];
  fl_test_fill_random (ref, N * 3, 11);
  for (int i = 0; i < N * 3; i++)
    ref[i] *= 8.0f;
  /* rotate 70° about z then tilt, and translate */
  float c = cosf (1.2f), s = sinf (1.2f);
  float R[9] = { c, -s, 0, s * 0.6f, c * 0.6f, -0.8f, s * 0.8f, c * 0.8f, 0.6f };
  float t[3] = { 30, -12, 5 };
  memcpy (mod, ref, sizeof ref);
  fl_superpose_apply (R, t, mod, N);
  guint8 present[N];
  memset (present, 1, sizeof present);
  FlCompareScores sc;
  GError *error = NULL;
  g_assert_true (fl_compare_pairs (mod, present, ref, present, N, &sc, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (sc.rmsd_ca, 0.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (sc.tm_score, 1.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (sc.lddt_ca, 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (sc.gdt_ts, 1.0, 1e-9);
  g_assert_cmpint (sc.aligned_residues, ==, N);
}

/* Half of a line moved 50 Å sideways: scores by hand. */
static void
test_hinge_by_hand (void)
{
  enum { N = 40 };
  float ref[N * 3], mod[N * 3];
  line (ref, N);
  memcpy (mod, ref, sizeof ref);
  for (int i = 20; i < N; i++)
    mod[3 * i + 2] += 50.0f;
  guint8 present[N];
  memset (present, 1, sizeof present);
  FlCompareScores sc;
  g_assert_true (fl_compare_pairs (mod, present, ref, present, N, &sc, NULL));
  /* the best superposition puts one half exactly: TM slightly above 0.5
   * (the far half adds 20 / (1 + (50/d0)^2) / 40 at most) */
  double d0 = fl_compare_tm_d0 (N);
  g_assert_cmpfloat_with_epsilon (d0, 1.24 * cbrt (25.0) - 1.8, 1e-12);
  g_assert_cmpfloat (sc.tm_score, >=, 0.5 - 1e-6);
  g_assert_cmpfloat (sc.tm_score, <=, 0.5 + 0.5 / (1.0 + pow (49.0 / d0, 2.0)) + 1e-6);
  g_assert_cmpfloat_with_epsilon (sc.gdt_ts, 0.5, 1e-9);
  /* lDDT: pairs within 15 Å are |i-j| <= 3: 114 pairs, 6 of them cross the cut */
  g_assert_cmpfloat_with_epsilon (sc.lddt_ca, (114.0 - 6.0) / 114.0, 1e-9);
  /* RMSD: all pairs superposed; without rotation it would be 25 Å */
  float R[9], t[3];
  g_assert_cmpfloat_with_epsilon (sc.rmsd_ca, fl_superpose_kabsch (mod, ref, NULL, N, R, t),
                                  1e-6);
  g_assert_cmpfloat (sc.rmsd_ca, >, 5.0);
  g_assert_cmpfloat (sc.rmsd_ca, <, 25.0);

  /* a model residue missing counts against lDDT, not TM's normaliser */
  present[0] = 1;
  guint8 model_present[N];
  memset (model_present, 1, sizeof model_present);
  model_present[5] = 0;
  memcpy (mod, ref, sizeof ref);
  g_assert_true (fl_compare_pairs (mod, model_present, ref, present, N, &sc, NULL));
  g_assert_cmpint (sc.aligned_residues, ==, N - 1);
  g_assert_cmpint (sc.reference_length, ==, N);
  g_assert_cmpfloat_with_epsilon (sc.tm_score, (N - 1.0) / N, 1e-5);
  /* residue 5 is in 6 unordered pairs (|i-j| <= 3), 12 ordered of 228 */
  g_assert_cmpfloat_with_epsilon (sc.lddt_ca, (228.0 - 12.0) / 228.0, 1e-9);
}

static void
test_errors (void)
{
  float xyz[6] = { 0 };
  guint8 present[2] = { 1, 1 };
  FlCompareScores sc;
  GError *error = NULL;
  g_assert_false (fl_compare_pairs (xyz, present, xyz, present, 2, &sc, &error));
  g_assert_error (error, FL_COMPARE_ERROR, FL_COMPARE_ERROR_NO_PAIRS);
  g_clear_error (&error);

  /* a reference of another protein */
  FlStructure st = { .L = 8, .sequence = (char *) "WWWWWWWW" };
  float atoms[8 * 37 * 3] = { 0 }, mask[8 * 37];
  for (int i = 0; i < 8 * 37; i++)
    mask[i] = 1.0f;
  st.atom37 = atoms;
  st.atom37_mask = mask;
  g_assert_null (fl_compare_reference_new (&st, "AAAAAAAA", &error));
  g_assert_error (error, FL_COMPARE_ERROR, FL_COMPARE_ERROR_NO_PAIRS);
  g_clear_error (&error);
  g_assert_null (fl_compare_reference_new (&st, "", &error));
  g_assert_error (error, FL_COMPARE_ERROR, FL_COMPARE_ERROR_INVALID);
  g_clear_error (&error);
}

/* A reference that is a fragment of the model, and a frame moved rigidly. */
static void
test_reference_frames (void)
{
  const char *dir = fl_test_data_dir ();
  g_autofree char *full = dir ? g_build_filename (dir, "structures", "1UBQ.pdb", NULL) : NULL;
  g_autofree char *part = dir ? g_build_filename (dir, "structures", "1UBQ_mosaic_res1-70.cif",
                                                  NULL) : NULL;
  if (!fl_test_require_file (full) || !fl_test_require_file (part))
    return;
  GError *error = NULL;
  g_autoptr (FlStructure) model = fl_structure_read (full, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FlStructure) reference = fl_structure_read (part, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FlCompareReference) ref = fl_compare_reference_new (reference, model->sequence,
                                                                 &error);
  g_assert_no_error (error);
  const int *map = fl_compare_reference_map (ref);
  for (int i = 0; i < model->L; i++)
    g_assert_cmpint (map[i], ==, i < 70 ? i : -1);
  float R[9] = { 0, -1, 0, 1, 0, 0, 0, 0, 1 }, t[3] = { 5, 6, 7 };
  fl_superpose_apply (R, t, model->atom37, model->L * 37);
  FlCompareScores sc;
  g_assert_true (fl_compare_frame (ref, model->atom37, model->atom37_mask, &sc, &error));
  g_assert_cmpint (sc.aligned_residues, ==, 70);
  g_assert_cmpint (sc.identical_residues, ==, 70);
  g_assert_cmpfloat_with_epsilon (sc.rmsd_ca, 0.0, 2e-3);
  g_assert_cmpfloat_with_epsilon (sc.tm_score, 1.0, 1e-5);
  /* the reference put onto the moved frame lands on it */
  float Ro[9], to[3];
  g_assert_true (fl_compare_reference_onto (ref, model->atom37, model->atom37_mask, Ro, to));
  float ca[3];
  memcpy (ca, reference->atom37 + (10 * 37 + 1) * 3, sizeof ca);
  fl_superpose_apply (Ro, to, ca, 1);
  const float *want = model->atom37 + (10 * 37 + 1) * 3;
  for (int a = 0; a < 3; a++)
    g_assert_cmpfloat_with_epsilon (ca[a], want[a], 2e-3);
}

/* foldlight-cli compare --json on the same protein from two files. */
static void
test_cli_json (void)
{
  const char *cli = g_getenv ("FL_CLI");
  const char *dir = fl_test_data_dir ();
  g_assert_nonnull (cli);
  g_autofree char *full = dir ? g_build_filename (dir, "structures", "1UBQ.pdb", NULL) : NULL;
  g_autofree char *part = dir ? g_build_filename (dir, "structures", "1UBQ_mosaic_res1-70.cif",
                                                  NULL) : NULL;
  if (!fl_test_require_file (full) || !fl_test_require_file (part))
    return;
  const char *argv[] = { cli, "compare", full, part, "--json", NULL };
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  GError *error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, 0, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, out, -1, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (p));
  g_assert_cmpint (json_object_get_int_member (o, "aligned_residues"), ==, 70);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "rmsd_ca"), 0.0, 1e-3);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "tm_score"), 1.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "lddt_ca"), 1.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "gdt_ts"), 1.0, 1e-9);

  /* a missing file: exit 1 and one sentence */
  const char *bad[] = { cli, "compare", full, "/nonexistent.pdb", NULL };
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) bad, NULL, 0, NULL, NULL, &out, &err, &status,
                               &error));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (err, "foldlight-cli:"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/compare/alignment", test_alignment);
  g_test_add_func ("/compare/rigid-invariance", test_rigid_invariance);
  g_test_add_func ("/compare/hinge-by-hand", test_hinge_by_hand);
  g_test_add_func ("/compare/errors", test_errors);
  g_test_add_func ("/compare/reference-frames", test_reference_frames);
  g_test_add_func ("/compare/cli-json", test_cli_json);
  return g_test_run ();
}
