/* PDB / mmCIF reading and writing (model/fl-structure-io). */
#include "fl-structure-io.h"
#include "fl-snapshot.h"
#include "fl-residue-constants.h"
#include "fl-test-util.h"
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* A random but plausible chain: every atom the residue type has, random
 * coordinates over ±60 Å, pLDDT in 0..100. */
typedef struct {
  int L;
  int32_t *aatype;
  float *atom37, *mask, *plddt;
} Chain;

static Chain
make_chain (int L, guint64 seed)
{
  Chain c = { L, g_new (int32_t, L), g_new (float, (gsize) L * 111), g_new0 (float, (gsize) L * 37),
              g_new (float, L) };
  GRand *r = g_rand_new_with_seed ((guint32) seed);
  for (int i = 0; i < L; i++)
    {
      c.aatype[i] = g_rand_int_range (r, 0, 20);
      for (int a = 0; a < 37; a++)
        c.mask[i * 37 + a] = fl_atom37_exists (c.aatype[i], a) ? 1.0f : 0.0f;
      for (int k = 0; k < 111; k++)
        c.atom37[i * 111 + k] = (float) g_rand_double_range (r, -60.0, 60.0);
      c.plddt[i] = (float) g_rand_double_range (r, 0.0, 100.0);
    }
  g_rand_free (r);
  return c;
}

static void
free_chain (Chain *c)
{
  g_free (c->aatype);
  g_free (c->atom37);
  g_free (c->mask);
  g_free (c->plddt);
}

static void
check_equal (const FlStructure *s, const Chain *c)
{
  g_assert_cmpint (s->L, ==, c->L);
  g_assert_cmpstr (s->chain_id, ==, "A");
  double max_x = 0.0, max_b = 0.0;
  for (int i = 0; i < c->L; i++)
    {
      g_assert_cmpint (s->aatype[i], ==, c->aatype[i]);
      g_assert_cmpint (s->sequence[i], ==, fl_restype_1[c->aatype[i]]);
      g_assert_cmpint (s->residue_number[i], ==, i + 1);
      for (int a = 0; a < 37; a++)
        {
          g_assert_cmpfloat (s->atom37_mask[i * 37 + a], ==, c->mask[i * 37 + a]);
          if (c->mask[i * 37 + a] > 0)
            for (int k = 0; k < 3; k++)
              max_x = MAX (max_x, fabs (s->atom37[(i * 37 + a) * 3 + k] - c->atom37[(i * 37 + a) * 3 + k]));
        }
      max_b = MAX (max_b, fabs (s->b_factors[i] - c->plddt[i]));
    }
  g_test_message ("round trip: max coordinate error %.5f Å, max pLDDT error %.5f", max_x, max_b);
  g_assert_cmpfloat (max_x, <=, 0.0005 + 1e-5);   /* 3 decimals */
  g_assert_cmpfloat (max_b, <=, 0.005 + 1e-5);    /* 2 decimals */
}

static void
test_roundtrip (gconstpointer data)
{
  FlStructureFormat fmt = GPOINTER_TO_INT (data);
  Chain c[3] = { make_chain (47, 1), make_chain (47, 2), make_chain (47, 3) };
  /* models 2 and 3 share model 1's residue types */
  for (int m = 1; m < 3; m++)
    {
      memcpy (c[m].aatype, c[0].aatype, 47 * sizeof (int32_t));
      memcpy (c[m].mask, c[0].mask, 47 * 37 * sizeof (float));
    }
  FlStructureModel models[3];
  for (int m = 0; m < 3; m++)
    models[m] = (FlStructureModel) { NULL, c[m].aatype, c[m].atom37, c[m].mask, c[m].plddt };
  models[0].title = "recycle 0 layer 7";
  models[1].title = "recycle 2 layer 5";
  models[2].title = "recycle 3 layer 7";
  g_autoptr (GError) error = NULL;

  /* one model */
  g_autofree char *one = fmt == FL_STRUCTURE_FORMAT_MMCIF
                             ? fl_structure_format_mmcif ("test", 47, models, 1, &error)
                             : fl_structure_format_pdb ("test", 47, models, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (one, fmt == FL_STRUCTURE_FORMAT_MMCIF ? "pLDDT" : "PLDDT"));
  g_autoptr (FlStructure) s1 = fl_structure_parse (one, -1, FL_STRUCTURE_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  check_equal (s1, &c[0]);

  /* three models, through a file; the reader returns the first */
  g_autofree char *dir = g_dir_make_tmp ("fl-sio-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *path = g_build_filename (dir, fmt == FL_STRUCTURE_FORMAT_MMCIF ? "t.cif" : "t.pdb",
                                            NULL);
  g_assert_true (fl_structure_write (path, FL_STRUCTURE_FORMAT_AUTO, "traj", 47, models, 3, &error));
  g_assert_no_error (error);
  g_autoptr (FlStructure) s3 = fl_structure_read (path, NULL, &error);
  g_assert_no_error (error);
  check_equal (s3, &c[0]);
  /* every model, with its title (a trajectory reads back as written) */
  g_auto (GStrv) titles = NULL;
  g_autoptr (GPtrArray) all = fl_structure_read_models (path, NULL, &titles, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (all->len, ==, 3);
  g_assert_cmpuint (g_strv_length (titles), ==, 3);
  for (int m = 0; m < 3; m++)
    {
      check_equal (g_ptr_array_index (all, m), &c[m]);
      g_assert_cmpstr (titles[m], ==, models[m].title);
    }
  int r = -1, l = -1;
  g_assert_true (fl_frame_title_parse (titles[1], &r, &l));
  g_assert_cmpint (r, ==, 2);
  g_assert_cmpint (l, ==, 4);   /* 0-based out; "layer 5" in the text */
  g_autofree char *t = fl_frame_title (r, l);
  g_assert_cmpstr (t, ==, "recycle 2 layer 5");
  g_assert_false (fl_frame_title_parse ("model 3", &r, &l));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "recycle 2 layer 5"));
  if (fmt == FL_STRUCTURE_FORMAT_PDB)
    {
      int n_model = 0, n_endmdl = 0;
      for (const char *p = text; (p = strstr (p, "\nMODEL ")); p++)
        n_model++;
      for (const char *p = text; (p = strstr (p, "\nENDMDL")); p++)
        n_endmdl++;
      g_assert_cmpint (n_model, ==, 3);
      g_assert_cmpint (n_endmdl, ==, 3);
      /* every line is 80 columns */
      g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
      for (int i = 0; lines[i] && lines[i][0]; i++)
        g_assert_cmpint (strlen (lines[i]), ==, 80);
    }
  else
    {
      /* the last atom row belongs to model 3 */
      const char *last = g_strrstr (text, "\nATOM ");
      g_assert_nonnull (last);
      g_auto (GStrv) f = g_strsplit_set (last + 1, " \n", 22);
      g_assert_cmpstr (f[19], ==, "3");
    }
  g_unlink (path);
  g_rmdir (dir);
  for (int m = 0; m < 3; m++)
    free_chain (&c[m]);
}

/* Missing atoms and non-finite coordinates are not written; L = 1 works. */
static void
test_write_masked (void)
{
  Chain c = make_chain (1, 9);
  c.atom37[3 * 3] = NAN;   /* CB x */
  g_autoptr (GError) error = NULL;
  FlStructureModel m = { NULL, c.aatype, c.atom37, c.mask, NULL };
  for (int f = 0; f < 2; f++)
    {
      g_autofree char *t = f ? fl_structure_format_mmcif (NULL, 1, &m, 1, &error)
                             : fl_structure_format_pdb (NULL, 1, &m, 1, &error);
      g_assert_no_error (error);
      g_autoptr (FlStructure) s = fl_structure_parse (t, -1, FL_STRUCTURE_FORMAT_AUTO, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (s->L, ==, 1);
      g_assert_cmpfloat (s->atom37_mask[FL_ATOM37_CB], ==, 0.0f);
      g_assert_cmpfloat (s->atom37_mask[FL_ATOM37_CA], ==, 1.0f);
      g_assert_cmpfloat (s->b_factors[0], ==, 0.0f);
    }
  /* nothing to write */
  g_assert_null (fl_structure_format_pdb (NULL, 0, &m, 1, &error));
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_INVALID);
  free_chain (&c);
}

/* Expected chain and observed residue count from the header of
 * shared/data/sequences/NAME.fasta ("observed in model 1 chain X: N residues"). */
static gboolean
read_expected (const char *name, char **seq, char *chain, int *n_obs)
{
  g_autofree char *file = g_strconcat (name, ".fasta", NULL);
  g_autofree char *path = g_build_filename (fl_test_data_dir (), "sequences", file, NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  const char *h = strstr (lines[0], "chain ");
  if (!h || sscanf (h, "chain %c: %d residues", chain, n_obs) != 2)
    return FALSE;
  GString *s = g_string_new (NULL);
  for (int i = 1; lines[i]; i++)
    g_string_append (s, g_strstrip (lines[i]));
  *seq = g_string_free (s, FALSE);
  return TRUE;
}

static gboolean
is_subsequence (const char *small, const char *big)
{
  for (; *big && *small; big++)
    if (*big == *small)
      small++;
  return *small == '\0';
}

static void
test_real_structures (void)
{
  if (!fl_test_require_data_dir ())
    return;
  static const char *const files[] = {
    "1AKI.cif", "1BPI.pdb", "1GCN.pdb", "1L2Y.cif", "1O1Z.cif", "1PSM.cif", "1UBQ.pdb",
    "1UBQ_mosaic_res1-70.cif", "1YRF.pdb", "3O5R.cif", "3U8V.cif", "4I6P.cif", "4ZEY.cif",
  };
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = g_build_filename (fl_test_data_dir (), "structures", files[f], NULL);
      g_autofree char *name = g_strndup (files[f], strrchr (files[f], '.') - files[f]);
      g_autofree char *seq = NULL;
      char chain = 0;
      int n_obs = 0;
      g_assert_true (read_expected (name, &seq, &chain, &n_obs));
      g_autoptr (GError) error = NULL;
      g_autoptr (FlStructure) s = fl_structure_read (path, NULL, &error);
      g_assert_no_error (error);
      g_test_message ("%s: chain %s, %d residues (expected %d), %s", files[f], s->chain_id, s->L,
                      n_obs, s->sequence);
      g_assert_cmpint (s->L, ==, n_obs);
      g_assert_cmpint (s->chain_id[0], ==, chain);
      g_assert_cmpint ((int) strlen (s->sequence), ==, s->L);
      if ((int) strlen (seq) == n_obs)
        g_assert_cmpstr (s->sequence, ==, seq);
      else
        g_assert_true (is_subsequence (s->sequence, seq));
      /* every residue has its CA; numbers increase */
      for (int i = 0; i < s->L; i++)
        {
          g_assert_cmpfloat (s->atom37_mask[i * 37 + FL_ATOM37_CA], ==, 1.0f);
          if (i > 0)
            g_assert_true (s->residue_number[i] > s->residue_number[i - 1]
                           || s->insertion_code[i] != s->insertion_code[i - 1]);
        }
    }
}

/* 4ZEY: MSE read as MET with SE as SD; 1AKI: first altloc; 3U8V chain B. */
static void
test_special_cases (void)
{
  if (!fl_test_require_data_dir ())
    return;
  g_autoptr (GError) error = NULL;
  g_autofree char *p4 = g_build_filename (fl_test_data_dir (), "structures", "4ZEY.cif", NULL);
  g_autoptr (FlStructure) s = fl_structure_read (p4, NULL, &error);
  g_assert_no_error (error);
  int n_met = 0;
  for (int i = 0; i < s->L; i++)
    if (s->sequence[i] == 'M')
      {
        n_met++;
        g_assert_cmpfloat (s->atom37_mask[i * 37 + fl_atom37_index ("SD")], ==, 1.0f);
      }
  g_assert_cmpint (n_met, >, 0);

  /* 3O5R residue 20 (GLU) has altlocs A (0.75) and B: A's N is 46.336 -2.193 3.938 */
  g_autofree char *p1 = g_build_filename (fl_test_data_dir (), "structures", "3O5R.cif", NULL);
  g_autoptr (FlStructure) a = fl_structure_read (p1, NULL, &error);
  g_assert_no_error (error);
  gboolean found = FALSE;
  for (int i = 0; i < a->L; i++)
    if (a->residue_number[i] == 20)
      {
        found = TRUE;
        g_assert_cmpint (a->sequence[i], ==, 'E');
        g_assert_cmpfloat_with_epsilon (a->atom37[(i * 37 + FL_ATOM37_N) * 3 + 0], 46.336, 1e-3);
      }
  g_assert_true (found);

  g_autofree char *p3 = g_build_filename (fl_test_data_dir (), "structures", "3U8V.cif", NULL);
  g_autoptr (FlStructure) b = fl_structure_read (p3, "B", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->chain_id, ==, "B");
  g_assert_cmpint (b->L, >, 50);
  g_autoptr (FlStructure) z = fl_structure_read (p3, "Z", &error);
  g_assert_null (z);
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY);
}

/* Inline PDB: altloc, HETATM MSE, waters as ATOM, hydrogens, two models. */
static void
test_pdb_details (void)
{
  const char *pdb =
    "HEADER    TEST\n"
    "MODEL        1\n"
    "ATOM      1  N   GLY A   1       1.000   2.000   3.000  1.00 10.00           N\n"
    "ATOM      2  CA AGLY A   1       2.000   2.000   3.000  0.60 11.00           C\n"
    "ATOM      3  CA BGLY A   1       9.000   9.000   9.000  0.40 12.00           C\n"
    "ATOM      4  H   GLY A   1       0.500   2.000   3.000  1.00 10.00           H\n"
    "HETATM    5  N   MSE A   2       3.000   2.000   3.000  1.00 20.00           N\n"
    "HETATM    6  CA  MSE A   2       4.000   2.000   3.000  1.00 21.00           C\n"
    "HETATM    7 SE   MSE A   2       5.000   2.000   3.000  1.00 22.00          SE\n"
    "ATOM      8  N   ALA A   3A      6.000   2.000   3.000  1.00 30.00           N\n"
    "ATOM      9  O   HOH A 101       7.000   2.000   3.000  1.00 30.00           O\n"
    "HETATM   10  C1  NAG A 201       8.000   2.000   3.000  1.00 30.00           C\n"
    "ENDMDL\n"
    "MODEL        2\n"
    "ATOM      1  N   GLY A   1      -1.000   2.000   3.000  1.00 10.00           N\n"
    "ENDMDL\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (FlStructure) s = fl_structure_parse (pdb, -1, FL_STRUCTURE_FORMAT_PDB, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->L, ==, 3);
  g_assert_cmpstr (s->sequence, ==, "GMA");
  g_assert_cmpfloat (s->atom37[0], ==, 1.0f);                    /* model 1 */
  g_assert_cmpfloat (s->atom37[FL_ATOM37_CA * 3], ==, 2.0f);     /* altloc A */
  g_assert_cmpfloat (s->b_factors[0], ==, 11.0f);                /* CA's B */
  g_assert_cmpfloat (s->atom37_mask[37 + fl_atom37_index ("SD")], ==, 1.0f);
  g_assert_cmpint (s->insertion_code[2], ==, 'A');
  g_assert_cmpint (s->residue_number[2], ==, 3);
  g_assert_cmpfloat (s->b_factors[2], ==, 30.0f);                /* no CA: first atom's B */
}

static void
test_errors (void)
{
  static const struct { const char *text; FlStructureFormat fmt; int code; } bad[] = {
    { "", FL_STRUCTURE_FORMAT_AUTO, FL_STRUCTURE_IO_ERROR_EMPTY },
    { "hello world\nthis is not a structure\n", FL_STRUCTURE_FORMAT_AUTO, FL_STRUCTURE_IO_ERROR_EMPTY },
    { "ATOM      1  N   GLY A   1       x.000   2.000   3.000\n", FL_STRUCTURE_FORMAT_PDB,
      FL_STRUCTURE_IO_ERROR_PARSE },
    { "ATOM      1  N   GLY A   1\n", FL_STRUCTURE_FORMAT_PDB, FL_STRUCTURE_IO_ERROR_PARSE },
    { "data_x\n_entry.id x\n", FL_STRUCTURE_FORMAT_AUTO, FL_STRUCTURE_IO_ERROR_EMPTY },
    { "data_x\nloop_\n_atom_site.id\n_atom_site.Cartn_x\n1 2.0\n", FL_STRUCTURE_FORMAT_AUTO,
      FL_STRUCTURE_IO_ERROR_PARSE },
    { "data_x\nloop_\n_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.auth_asym_id\n"
      "_atom_site.auth_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n"
      "CA GLY A 1 1.0 2.0\n", FL_STRUCTURE_FORMAT_AUTO, FL_STRUCTURE_IO_ERROR_PARSE },
    { "data_x\nloop_\n_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.auth_asym_id\n"
      "_atom_site.auth_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n"
      "CA GLY A 1 1.0 2.0 'oops\n", FL_STRUCTURE_FORMAT_AUTO, FL_STRUCTURE_IO_ERROR_PARSE },
    { "data_x\n;unterminated text field\n", FL_STRUCTURE_FORMAT_AUTO, FL_STRUCTURE_IO_ERROR_PARSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      FlStructure *s = fl_structure_parse (bad[i].text, -1, bad[i].fmt, NULL, &error);
      g_assert_null (s);
      g_assert_error (error, FL_STRUCTURE_IO_ERROR, bad[i].code);
      g_test_message ("bad input %u: %s", i, error->message);
    }
  /* binary garbage */
  guint8 bin[256];
  for (int i = 0; i < 256; i++)
    bin[i] = (guint8) (i * 37 + 11);
  g_autoptr (GError) error = NULL;
  g_assert_null (fl_structure_parse ((const char *) bin, sizeof bin, FL_STRUCTURE_FORMAT_AUTO, NULL,
                                     &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (fl_structure_read ("/nonexistent/x.pdb", NULL, &error));
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_IO);
  /* an empty file on disk */
  g_clear_error (&error);
  g_autofree char *dir = g_dir_make_tmp ("fl-sio-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "empty.cif", NULL);
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  g_assert_null (fl_structure_read (path, NULL, &error));
  g_assert_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY);
  g_unlink (path);
  g_rmdir (dir);
}

/* pLDDT from the B-factors of ColabFold's 4-OT model equals its scores JSON. */
static void
test_colabfold_plddt (void)
{
  if (!fl_test_require_data_dir ())
    return;
  const char *data = fl_test_data_dir ();
  g_autofree char *dir = g_build_filename (data, "predictions", "colabfold_4OT", NULL);
  g_autofree char *pdb = g_build_filename (dir,
      "test_a5e17_25_unrelaxed_rank_001_alphafold2_ptm_model_3_seed_000.pdb", NULL);
  g_autofree char *json = g_build_filename (dir,
      "test_a5e17_25_scores_rank_001_alphafold2_ptm_model_3_seed_000.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (FlStructure) s = fl_structure_read (pdb, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_file (parser, json, &error));
  JsonArray *arr = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                 "plddt");
  g_assert_cmpint ((int) json_array_get_length (arr), ==, s->L);
  double max_err = 0.0;
  for (int i = 0; i < s->L; i++)
    max_err = MAX (max_err, fabs (s->b_factors[i] - json_array_get_double_element (arr, i)));
  g_test_message ("4-OT: %d residues, max |B - pLDDT| = %.4f", s->L, max_err);
  g_assert_cmpint (s->L, ==, 59);
  g_assert_cmpfloat (max_err, <=, 0.01);
}

/* The same ColabFold model as PDB and as mmCIF reads the same; OpenFold's
 * 6KWC model matches its FASTA. */
static void
test_predictions (void)
{
  if (!fl_test_require_data_dir ())
    return;
  const char *data = fl_test_data_dir ();
  g_autoptr (GError) error = NULL;
  g_autofree char *a = g_build_filename (data, "predictions", "colabfold_ERR550519",
                                         "ERR550519_2213899_unrelaxed_model_1.pdb", NULL);
  g_autofree char *b = g_build_filename (data, "predictions", "colabfold_ERR550519",
                                         "ERR550519_2213899_unrelaxed_model_1.cif", NULL);
  g_autoptr (FlStructure) sa = fl_structure_read (a, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FlStructure) sb = fl_structure_read (b, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sa->L, ==, sb->L);
  g_assert_cmpstr (sa->sequence, ==, sb->sequence);
  double mx = 0.0, mb = 0.0, mean = 0.0;
  for (int i = 0; i < sa->L; i++)
    {
      for (int k = 0; k < 111; k++)
        mx = MAX (mx, fabs (sa->atom37[i * 111 + k] - sb->atom37[i * 111 + k]));
      for (int k = 0; k < 37; k++)
        g_assert_cmpfloat (sa->atom37_mask[i * 37 + k], ==, sb->atom37_mask[i * 37 + k]);
      mb = MAX (mb, fabs (sa->b_factors[i] - sb->b_factors[i]));
      mean += sa->b_factors[i] / sa->L;
    }
  g_test_message ("ERR550519: %d residues, PDB vs mmCIF max |dx| %.4f, max |dB| %.4f, mean pLDDT %.1f",
                  sa->L, mx, mb, mean);
  g_assert_cmpint (sa->L, ==, 130);
  g_assert_cmpfloat (mx, <=, 0.001);
  g_assert_cmpfloat (mb, <=, 0.01);

  g_autofree char *c = g_build_filename (data, "predictions", "openfold_6KWC",
                                         "6KWC_1_model_1_ptm_unrelaxed.pdb", NULL);
  g_autofree char *fa = g_build_filename (data, "msas", "6KWC_1", "6kwc.fasta", NULL);
  g_autoptr (FlStructure) sc = fl_structure_read (c, NULL, &error);
  g_assert_no_error (error);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (fa, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *seq = g_string_new (NULL);
  for (int i = 1; lines[i]; i++)
    g_string_append (seq, g_strstrip (lines[i]));
  g_assert_cmpstr (sc->sequence, ==, seq->str);
  g_assert_cmpint (sc->L, ==, 191);
  g_string_free (seq, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/model/structure-io/roundtrip-pdb", GINT_TO_POINTER (FL_STRUCTURE_FORMAT_PDB),
                        test_roundtrip);
  g_test_add_data_func ("/model/structure-io/roundtrip-mmcif",
                        GINT_TO_POINTER (FL_STRUCTURE_FORMAT_MMCIF), test_roundtrip);
  g_test_add_func ("/model/structure-io/write-masked", test_write_masked);
  g_test_add_func ("/model/structure-io/pdb-details", test_pdb_details);
  g_test_add_func ("/model/structure-io/real-structures", test_real_structures);
  g_test_add_func ("/model/structure-io/special-cases", test_special_cases);
  g_test_add_func ("/model/structure-io/colabfold-plddt", test_colabfold_plddt);
  g_test_add_func ("/model/structure-io/predictions", test_predictions);
  g_test_add_func ("/model/structure-io/errors", test_errors);
  return g_test_run ();
}
