/* Template features from files: golden case tmpl rebuilt bit for bit from
 * its alignment file and structure files; the global alignment; bad input;
 * folders of templates. */
#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "fl-error.h"
#include "fl-npz.h"
#include "fl-residue-constants.h"
#include "fl-structure-io.h"
#include "fl-templates.h"
#include "fl-test-util.h"

#define QUERY "HAQGTFTSDYSKYMDRRAQDGNFVQWLLNTKRG"

/* max |a - b| over a golden key (leading recycle dimension dropped). */
static double
max_abs_diff (FlArrays *golden, const char *key, FlArrays *ours)
{
  FlArray *g = fl_arrays_lookup (golden, key), *o = fl_arrays_lookup (ours, key);
  g_assert_nonnull (g);
  g_assert_nonnull (o);
  int64_t n = fl_array_numel (o), ng = fl_array_numel (g);
  g_assert_cmpint (ng % n, ==, 0);
  g_autofree float *a = fl_array_to_f32 (g), *b = fl_array_to_f32 (o);
  double m = 0;
  for (int64_t r = 0; r < ng / n; r++)   /* every recycle copy */
    for (int64_t i = 0; i < n; i++)
      m = MAX (m, fabs ((double) a[r * n + i] - b[i]));
  return m;
}

static void
test_golden_features (void)
{
  g_autofree char *tsv = fl_test_golden_path ("tmpl", "template_alignment.tsv");
  g_autofree char *npz = fl_test_golden_path ("tmpl", "features.npz");
  if (!fl_test_require_file (tsv) || !fl_test_require_file (npz))
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) hits = fl_template_alignment_load (tsv, QUERY, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (hits->len, ==, 2);
  FlTemplateHit *h0 = g_ptr_array_index (hits, 0), *h1 = g_ptr_array_index (hits, 1);
  g_assert_cmpstr (h0->chain->sequence, ==, "HSQGTFTSDYSKYLDSRRAQDFVQWLMNT");
  g_assert_cmpstr (h1->chain->domain_name, ==, "4i6p_B");
  g_assert_cmpint (h1->chain->n, ==, 88);

  g_autoptr (FlTemplateFeatures) tf = fl_template_features_build (hits, 33, 4, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) golden = fl_npz_load (npz, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) ours = fl_arrays_new ();
  fl_template_features_add_arrays (tf, ours);
  const char *keys[] = { "template_aatype", "template_all_atom_positions",
                         "template_all_atom_masks", "template_mask", "template_pseudo_beta",
                         "template_pseudo_beta_mask", "template_sum_probs" };
  for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
    {
      double d = max_abs_diff (golden, keys[k], ours);
      g_test_message ("%s: max |diff| %g", keys[k], d);
      if (d != 0.0)
        g_error ("%s differs from the golden features by %g", keys[k], d);
    }
  /* debug/template_query_to_template_index [2, L] */
  FlArray *q2t = fl_arrays_lookup (golden, "debug/template_query_to_template_index");
  g_assert_nonnull (q2t);
  g_assert_cmpmem (q2t->data, 2 * 33 * sizeof (int32_t), tf->query_to_template,
                   2 * 33 * sizeof (int32_t));
  g_assert_cmpstr (tf->domain_names[0], ==, "1gcn_A");

  /* The arrays read back as features. */
  g_autoptr (FlTemplateFeatures) back = fl_template_features_from_arrays (golden, 33, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->T, ==, 4);
  g_assert_cmpint (back->n_real, ==, 2);
  g_assert_cmpmem (back->all_atom_positions, 4 * 33 * 37 * 3 * sizeof (float),
                   tf->all_atom_positions, 4 * 33 * 37 * 3 * sizeof (float));
}

/* A global alignment of the golden query with 1GCN finds the alignment of
 * the golden file (the deletion of S16 and the G20 N21 insertion). */
static void
test_global_alignment (void)
{
  g_autofree char *pdb = fl_test_golden_path ("tmpl", "1GCN.pdb");
  g_autofree char *tsv = fl_test_golden_path ("tmpl", "template_alignment.tsv");
  if (!fl_test_require_file (pdb) || !fl_test_require_file (tsv))
    return;
  g_autoptr (GError) error = NULL;
  FlTemplateChain *c = fl_template_chain_read (pdb, "A", &error);
  g_assert_no_error (error);
  g_autoptr (FlTemplateHit) hit = fl_template_hit_align (c, QUERY, &error);
  g_assert_no_error (error);
  g_autoptr (GPtrArray) hits = fl_template_alignment_load (tsv, QUERY, NULL, &error);
  g_assert_no_error (error);
  const FlTemplateHit *want = g_ptr_array_index (hits, 0);
  g_autofree char *qr = NULL, *tr = NULL;
  fl_template_hit_alignment_strings (hit, QUERY, &qr, &tr);
  g_test_message ("query    %s\ntemplate %s", qr, tr);
  int same = 0;
  for (int i = 0; i < 33; i++)
    same += hit->query_to_template[i] == want->query_to_template[i];
  /* The gap placement around D15/S16 and G20/N21 is a matter of scores:
   * at least 30 of 33 positions agree, and every identical pair is aligned. */
  g_assert_cmpint (same, >=, 30);
  g_assert_cmpfloat (hit->sum_probs, >=, 27);
  g_assert_cmpint (strlen (qr), ==, strlen (tr));

  /* From the CLI options: FILE:CHAIN and the template dir. */
  g_autofree char *dir = g_path_get_dirname (pdb);
  const char *const templates[] = { "1GCN.pdb:A", NULL };
  g_autoptr (GPtrArray) out_hits = NULL;
  g_autoptr (FlTemplateFeatures) tf =
    fl_template_features_from_options (QUERY, templates, NULL, dir, 4, &out_hits, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tf->n_real, ==, 1);
  g_assert_cmpfloat (tf->template_mask[0], ==, 1.0f);
  g_assert_cmpfloat (tf->template_mask[1], ==, 0.0f);
  g_assert_cmpint (tf->aatype[0], ==, 8);   /* H */
  g_assert_cmpint (tf->aatype[32], ==, FL_TEMPLATE_GAP);
}

static void
write_file (const char *dir, const char *name, const char *text, char **path)
{
  g_free (*path);   /* a path reused for a second file */
  *path = g_build_filename (dir, name, NULL);
  g_assert_true (g_file_set_contents (*path, text, -1, NULL));
}

/* Altlocs by occupancy, MSE, the ARG NH swap, an mmCIF with a missing
 * residue; and clear errors for bad input. */
static void
test_rules_and_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fl-test-templates-XXXXXX", NULL);
  g_autofree char *pdb = NULL, *bad = NULL, *tsv = NULL;
  write_file (dir, "1abc.pdb",
    "ATOM      1  N   ARG A   1       0.000   0.000   0.000  1.00  0.00           N\n"
    "ATOM      2  CA  ARG A   1       1.000   0.000   0.000  1.00  0.00           C\n"
    "ATOM      3  CD AARG A   1       2.000   0.000   0.000  0.40  0.00           C\n"
    "ATOM      4  CD BARG A   1       2.500   0.000   0.000  0.60  0.00           C\n"
    "ATOM      5  NH1 ARG A   1       9.000   0.000   0.000  1.00  0.00           N\n"
    "ATOM      6  NH2 ARG A   1       3.000   0.000   0.000  1.00  0.00           N\n"
    "HETATM    7  N   MSE A   2       5.000   0.000   0.000  1.00  0.00           N\n"
    "HETATM    8 SE   MSE A   2       6.000   1.000   0.000  1.00  0.00          SE\n"
    "HETATM    9  O   HOH A   3       7.000   0.000   0.000  1.00  0.00           O\n"
    "ENDMDL\n"
    "ATOM     10  N   GLY A   4       0.000   0.000   0.000  1.00  0.00           N\n", &pdb);
  g_autoptr (GError) error = NULL;
  g_autoptr (FlTemplateChain) c = fl_template_chain_read (pdb, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (c->sequence, ==, "RM");
  g_assert_cmpstr (c->domain_name, ==, "1abc_A");
  int cd = fl_atom37_index ("CD"), nh1 = fl_atom37_index ("NH1"),
      sd = fl_atom37_index ("SD");
  g_assert_cmpfloat (c->atom37[cd * 3], ==, 2.5f);         /* occupancy 0.6 wins */
  g_assert_cmpfloat (c->atom37[nh1 * 3], ==, 3.0f);        /* swapped: NH1 nearer CD */
  g_assert_cmpfloat (c->atom37[(37 + sd) * 3 + 1], ==, 1.0f);  /* MSE SE -> SD */

  g_assert_null (fl_template_chain_read (pdb, "Q", &error));
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY);
  g_clear_error (&error);
  write_file (dir, "bad.pdb",
    "ATOM      1  N   ALA A   1       x.000   0.000   0.000  1.00  0.00           N\n", &bad);
  g_assert_null (fl_template_chain_read (bad, NULL, &error));
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE);
  g_clear_error (&error);
  g_assert_null (fl_template_chain_read ("/nonexistent/x.pdb", NULL, &error));
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_IO);
  g_clear_error (&error);

  /* Alignment files: a query mismatch and an index outside the chain. */
  write_file (dir, "aln.tsv",
    "# query\tRMK\n"
    "template\tfile\tchain\tquery_index\tquery_aa\ttemplate_index\ttemplate_aa\tresidue\tresname\n"
    "0\t1abc.pdb\tA\t0\tR\t0\tR\t1\tARG\n"
    "0\t1abc.pdb\tA\t1\tM\t5\tM\t2\tMSE\n", &tsv);
  g_assert_null (fl_template_alignment_load (tsv, "RMA", NULL, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE);
  g_clear_error (&error);
  g_assert_null (fl_template_alignment_load (tsv, "RMK", NULL, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "template_index 5"));
  g_clear_error (&error);
  g_autofree char *tsv2 = NULL;
  write_file (dir, "aln2.tsv",
    "0\t1abc.pdb\tA\t0\tR\t0\tR\t1\tARG\n"
    "0\t1abc.pdb\tA\t2\tK\t1\tM\t2\tMSE\n", &tsv2);
  g_autoptr (GPtrArray) hits = fl_template_alignment_load (tsv2, "RMK", NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FlTemplateFeatures) tf = fl_template_features_build (hits, 3, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tf->aatype[0], ==, 1);    /* R */
  g_assert_cmpint (tf->aatype[1], ==, FL_TEMPLATE_GAP);
  g_assert_cmpint (tf->aatype[2], ==, 12);   /* M */
  g_assert_cmpfloat (tf->pseudo_beta_mask[2], ==, 0.0f);  /* no CB */

  const char *names[] = { pdb, bad, tsv, tsv2 };
  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    g_remove (names[i]);
  g_rmdir (dir);
}

/* Every structure of the shared data folder reads as a template: a
 * non-empty chain whose observed residues (fl_structure_read, first chain)
 * appear in the chain sequence in order, same letter and CA within 1 Å. */
static void
test_data_structures (void)
{
  g_autofree char *dir = g_build_filename (fl_test_data_dir (), "structures", NULL);
  if (!fl_test_require_file (dir))
    return;
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  int n_files = 0;
  while ((name = g_dir_read_name (d)))
    {
      if (!g_str_has_suffix (name, ".pdb") && !g_str_has_suffix (name, ".cif"))
        continue;
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (FlStructure) s = fl_structure_read (path, NULL, &error);
      g_assert_no_error (error);
      g_autoptr (FlTemplateChain) c = fl_template_chain_read (path, s->chain_id, &error);
      g_assert_no_error (error);
      g_test_message ("%s chain %s: %d residues in the sequence, %d observed", name,
                      c->chain_id, c->n, s->L);
      g_assert_cmpint (c->n, >=, s->L);
      /* the observed residues in order, matched by CA position */
      int j = 0, matched = 0;
      for (int i = 0; i < s->L; i++)
        {
          const float *ca = s->atom37 + ((size_t) i * 37 + 1) * 3;
          if (s->atom37_mask[(size_t) i * 37 + 1] == 0)
            continue;
          for (; j < c->n; j++)
            {
              const float *cc = c->atom37 + ((size_t) j * 37 + 1) * 3;
              /* altlocs: the reader there takes the first, here the most occupied */
              float d2 = (cc[0] - ca[0]) * (cc[0] - ca[0]) + (cc[1] - ca[1]) * (cc[1] - ca[1])
                         + (cc[2] - ca[2]) * (cc[2] - ca[2]);
              if (c->atom37_mask[(size_t) j * 37 + 1] > 0 && d2 < 1.0f
                  && c->sequence[j] == s->sequence[i])
                break;
            }
          g_assert_cmpint (j, <, c->n);
          matched++;
          j++;
        }
      g_assert_cmpint (matched, >, 0);
      n_files++;
    }
  g_assert_cmpint (n_files, >=, 5);
}

/* A folder of templates (predict --template-dir alone, batch's DIR/ID/):
 * structure files in name order with the chain from "_X" names,
 * templates.txt, template_alignment.tsv; the four-template limit. */
static void
test_template_dir (void)
{
  g_autofree char *pdb = fl_test_golden_path ("tmpl", "1GCN.pdb");
  g_autofree char *cif = fl_test_golden_path ("tmpl", "4I6P.cif");
  g_autofree char *tsv = fl_test_golden_path ("tmpl", "template_alignment.tsv");
  if (!fl_test_require_file (pdb) || !fl_test_require_file (cif) || !fl_test_require_file (tsv))
    return;
  g_autofree char *dir = g_dir_make_tmp ("fl-test-template-dir-XXXXXX", NULL);
  const char *links[][2] = { { "model_1.pdb", pdb }, { "1gcn_A.pdb", pdb } };
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    {
      g_autofree char *p = g_build_filename (dir, links[i][0], NULL);
      g_assert_cmpint (symlink (links[i][1], p), ==, 0);
    }
  g_autofree char *notes = NULL;
  write_file (dir, "notes.txt", "not a template\n", &notes);
  g_autoptr (GError) error = NULL;
  g_autofree char *alignment = NULL;
  g_auto (GStrv) templates = NULL;
  g_assert_true (fl_template_dir_read (dir, &alignment, &templates, &error));
  g_assert_no_error (error);
  g_assert_null (alignment);
  g_assert_cmpuint (g_strv_length (templates), ==, 2);
  g_autofree char *first = g_build_filename (dir, "1gcn_A.pdb:A", NULL);
  g_autofree char *second = g_build_filename (dir, "model_1.pdb", NULL);
  g_assert_cmpstr (templates[0], ==, first);
  g_assert_cmpstr (templates[1], ==, second);
  g_autoptr (GPtrArray) hits = NULL;
  g_autoptr (FlTemplateFeatures) tf =
    fl_template_features_from_options (QUERY, NULL, NULL, dir, 4, &hits, &error);
  g_assert_no_error (error);
  g_assert_cmpint (tf->n_real, ==, 2);
  int identical = 0;
  const FlTemplateHit *h = g_ptr_array_index (hits, 0);
  g_assert_cmpint (fl_template_hit_n_aligned (h, QUERY, &identical), ==, 28);
  g_assert_cmpint (identical, ==, 25);

  /* templates.txt chooses the files, their chains and order. */
  g_autofree char *list = NULL;
  write_file (dir, FL_TEMPLATE_DIR_LIST, "# one\n\nmodel_1.pdb:A\n", &list);
  g_clear_pointer (&templates, g_strfreev);
  g_assert_true (fl_template_dir_read (dir, &alignment, &templates, &error));
  g_assert_cmpuint (g_strv_length (templates), ==, 1);
  write_file (dir, FL_TEMPLATE_DIR_LIST, "model_1.pdb A\n", &list);
  g_clear_pointer (&templates, g_strfreev);
  g_assert_false (fl_template_dir_read (dir, &alignment, &templates, &error));
  g_assert_nonnull (strstr (error->message, "one FILE[:CHAIN] per line"));
  g_clear_error (&error);

  /* Five structure files for four slots: an error, not a silent cut. */
  write_file (dir, FL_TEMPLATE_DIR_LIST,
              "model_1.pdb\n1gcn_A.pdb:A\nmodel_1.pdb\nmodel_1.pdb\nmodel_1.pdb\n", &list);
  g_autoptr (FlTemplateFeatures) five =
    fl_template_features_from_options (QUERY, NULL, NULL, dir, 4, NULL, &error);
  g_assert_null (five);
  g_assert_nonnull (strstr (error->message, "5 templates"));
  g_assert_nonnull (strstr (error->message, "at most 4"));
  g_clear_error (&error);
  g_remove (list);

  /* An alignment file gives its hits; the structure files are its. */
  g_autofree char *tsv_link = g_build_filename (dir, FL_TEMPLATE_DIR_ALIGNMENT, NULL);
  g_autofree char *cif_link = g_build_filename (dir, "4I6P.cif", NULL);
  g_autofree char *pdb_link = g_build_filename (dir, "1GCN.pdb", NULL);
  g_assert_cmpint (symlink (tsv, tsv_link), ==, 0);
  g_assert_cmpint (symlink (cif, cif_link), ==, 0);
  g_assert_cmpint (symlink (pdb, pdb_link), ==, 0);
  g_clear_pointer (&templates, g_strfreev);
  g_assert_true (fl_template_dir_read (dir, &alignment, &templates, &error));
  g_assert_cmpstr (alignment, ==, tsv_link);
  g_assert_cmpuint (g_strv_length (templates), ==, 0);
  g_autoptr (FlTemplateFeatures) from_tsv =
    fl_template_features_from_options (QUERY, NULL, NULL, dir, 4, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (from_tsv->n_real, ==, 2);
  g_assert_cmpstr (from_tsv->domain_names[1], ==, "4i6p_B");

  /* A folder that is not there. */
  g_autofree char *none = g_build_filename (dir, "none", NULL);
  g_autofree char *none_alignment = NULL;
  g_auto (GStrv) none_templates = NULL;
  g_assert_false (fl_template_dir_read (none, &none_alignment, &none_templates, &error));
  g_assert_nonnull (strstr (error->message, "does not exist"));
  const char *names[] = { "model_1.pdb", "1gcn_A.pdb", "notes.txt", FL_TEMPLATE_DIR_ALIGNMENT,
                          "4I6P.cif", "1GCN.pdb" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *p = g_build_filename (dir, names[i], NULL);
      g_remove (p);
    }
  g_rmdir (dir);
}

static void
assert_same_chain (const FlTemplateChain *a, const FlTemplateChain *b)
{
  g_assert_cmpstr (a->chain_id, ==, b->chain_id);
  g_assert_cmpstr (a->domain_name, ==, b->domain_name);
  g_assert_cmpint (a->n, ==, b->n);
  g_assert_cmpstr (a->sequence, ==, b->sequence);
  g_assert_cmpmem (a->atom37, (gsize) a->n * 37 * 3 * sizeof (float), b->atom37,
                   (gsize) b->n * 37 * 3 * sizeof (float));
  g_assert_cmpmem (a->atom37_mask, (gsize) a->n * 37 * sizeof (float), b->atom37_mask,
                   (gsize) b->n * 37 * sizeof (float));
}

/* Every chain of a file (the app's chain choice) is what reading that chain
 * alone gives; copies of chains and hits are equal; the aligned / identical
 * counts of golden tmpl's 1GCN alignment. */
static void
test_chain_lists_and_counts (void)
{
  g_autofree char *pdb = fl_test_golden_path ("tmpl", "1GCN.pdb");
  g_autofree char *cif = fl_test_golden_path ("tmpl", "4I6P.cif");
  g_autofree char *tsv = fl_test_golden_path ("tmpl", "template_alignment.tsv");
  if (!fl_test_require_file (pdb) || !fl_test_require_file (cif) || !fl_test_require_file (tsv))
    return;
  g_autoptr (GError) error = NULL;
  const char *files[] = { pdb, cif };
  const char *ids[][3] = { { "A", NULL }, { "A", "B", NULL } };
  for (int f = 0; f < 2; f++)
    {
      g_autoptr (GPtrArray) chains = fl_template_chains_read (files[f], &error);
      g_assert_no_error (error);
      g_assert_nonnull (chains);
      guint n = 0;
      while (ids[f][n])
        n++;
      g_assert_cmpuint (chains->len, ==, n);
      for (guint k = 0; k < n; k++)
        {
          const FlTemplateChain *c = g_ptr_array_index (chains, k);
          g_assert_cmpstr (c->chain_id, ==, ids[f][k]);
          g_autoptr (FlTemplateChain) alone = fl_template_chain_read (files[f], ids[f][k], &error);
          g_assert_no_error (error);
          assert_same_chain (c, alone);
          g_autoptr (FlTemplateChain) copy = fl_template_chain_copy (c);
          assert_same_chain (c, copy);
          g_test_message ("%s chain %s: %d residues", files[f], c->chain_id, c->n);
        }
    }
  /* no protein chain, no file */
  g_autofree char *dir = g_dir_make_tmp ("fl-tmpl-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "water.pdb", NULL);
  g_assert_true (g_file_set_contents (bad, "HETATM    1  O   HOH A   1       0.000   0.000   0.000  1.00  0.00           O\nEND\n", -1, NULL));
  g_assert_null (fl_template_chains_read (bad, &error));
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY);
  g_clear_error (&error);
  g_remove (bad);
  g_rmdir (dir);
  g_assert_null (fl_template_chains_read ("/nonexistent/x.cif", &error));
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_IO);
  g_clear_error (&error);

  const char *query = "HAQGTFTSDYSKYMDRRAQDGNFVQWLLNTKRG";
  g_autoptr (GPtrArray) hits = fl_template_alignment_load (tsv, query, NULL, &error);
  g_assert_no_error (error);
  const int want_aligned[2] = { 28, 13 }, want_identical[2] = { 25, 1 };
  for (guint k = 0; k < 2; k++)
    {
      const FlTemplateHit *h = g_ptr_array_index (hits, k);
      int aligned = -1, identical = -1;
      fl_template_hit_count (h, query, &aligned, &identical);
      g_assert_cmpint (aligned, ==, want_aligned[k]);
      g_assert_cmpint (identical, ==, want_identical[k]);
      g_autoptr (FlTemplateHit) copy = fl_template_hit_copy (h);
      g_assert_cmpint (copy->L, ==, h->L);
      g_assert_cmpfloat (copy->sum_probs, ==, h->sum_probs);
      g_assert_cmpmem (copy->query_to_template, h->L * sizeof (int32_t), h->query_to_template,
                       h->L * sizeof (int32_t));
      assert_same_chain (copy->chain, h->chain);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/templates/golden-features", test_golden_features);
  g_test_add_func ("/model/templates/global-alignment", test_global_alignment);
  g_test_add_func ("/model/templates/rules-and-errors", test_rules_and_errors);
  g_test_add_func ("/model/templates/data-structures", test_data_structures);
  g_test_add_func ("/model/templates/template-dir", test_template_dir);
  g_test_add_func ("/model/templates/chain-lists-and-counts", test_chain_lists_and_counts);
  return g_test_run ();
}
