/* Alignment parsing: A3M (insertions, comments, repeated query, duplicates,
 * rare letters, trailing insertions), FASTA, Stockholm, detection, the real
 * alignments of shared/data/msas, and clear errors on bad input. */
#include <glib.h>
#include <string.h>

#include "fl-error.h"
#include "fl-msa.h"
#include "fl-test-util.h"

static int
tok (const FlMsa *m, int row, int col)
{
  return m->tokens[(gsize) row * m->L + col];
}

static float
del (const FlMsa *m, int row, int col)
{
  return m->deletions[(gsize) row * m->L + col];
}

static void
test_a3m_basic (void)
{
  const char *text =
    "#6\t1\n"
    "; a comment line\n"
    ">query description\n"
    "ACDE\n"
    "FG\n"
    ">hit1\n"
    "A-DEfgFG\n"
    "\n"
    ">hit2\r\n"
    "abcACDEFWxyz\r\n"
    ">query description\n"
    "ACDEFG\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_parse_a3m (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->L, ==, 6);
  g_assert_cmpint (m->n_rows, ==, 3);          /* repeated query dropped */
  g_assert_cmpint (m->n_rows_in_file, ==, 4);
  g_assert_cmpstr (m->query, ==, "ACDEFG");
  g_assert_cmpstr (m->query_name, ==, "query description");
  g_assert_cmpstr (m->names[1], ==, "hit1");
  g_assert_cmpstr (m->names[2], ==, "hit2");

  /* Row 0: A C D E F G -> 0 4 3 6 13 7, no deletions. */
  const int q[6] = { 0, 4, 3, 6, 13, 7 };
  for (int j = 0; j < 6; j++)
    {
      g_assert_cmpint (tok (m, 0, j), ==, q[j]);
      g_assert_cmpfloat (del (m, 0, j), ==, 0.0f);
    }
  /* Row 1: 'fg' are two insertions before column 4. */
  g_assert_cmpint (tok (m, 1, 1), ==, FL_TOKEN_GAP);
  g_assert_cmpfloat (del (m, 1, 4), ==, 2.0f);
  g_assert_cmpfloat (del (m, 1, 3), ==, 0.0f);
  g_assert_cmpfloat (del (m, 1, 5), ==, 0.0f);
  /* Row 2: three insertions before column 0; 'xyz' after the last column
   * are discarded. */
  g_assert_cmpfloat (del (m, 2, 0), ==, 3.0f);
  g_assert_cmpint (tok (m, 2, 5), ==, 17);     /* W */
}

static void
test_a3m_insertions (void)
{
  const char *text =
    ">q\n"
    "MKV\n"
    ">a\n"
    "M-V\n"
    ">b\n"
    "aaMLbbbVcc\n"      /* 2 before col 0, 3 before col 2, trailing 2 dropped */
    ">c\n"
    "M.K.V\n";          /* '.' is an insert-state gap: dropped, not counted */
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_parse_a3m (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->L, ==, 3);
  /* "c" aligns to MKV, a duplicate of the query: dropped. */
  g_assert_cmpint (m->n_rows, ==, 3);
  g_assert_cmpint (m->n_rows_in_file, ==, 4);
  g_assert_cmpint (tok (m, 1, 1), ==, FL_TOKEN_GAP);
  g_assert_cmpfloat (del (m, 2, 0), ==, 2.0f);
  g_assert_cmpfloat (del (m, 2, 1), ==, 0.0f);
  g_assert_cmpfloat (del (m, 2, 2), ==, 3.0f);
  g_assert_cmpstr (m->names[2], ==, "b");
}

static void
test_a3m_letters_and_duplicates (void)
{
  const char *text =
    ">q\nMKVLAW\n"
    ">rare\nBZUJOX\n"
    ">dup of rare\nBZUJOX\n"
    ">other\nDECXXX\n"         /* same tokens as 'rare', but other letters: kept */
    ">dup of other\nDECXXX\n"
    ">gaps\n------\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_parse_a3m (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->n_rows, ==, 4);
  g_assert_cmpint (m->n_rows_in_file, ==, 6);
  /* B->D(3) Z->E(6) U->C(4) J,O,X->X(20). */
  const int want[6] = { 3, 6, 4, 20, 20, 20 };
  for (int j = 0; j < 6; j++)
    {
      g_assert_cmpint (tok (m, 1, j), ==, want[j]);
      g_assert_cmpint (tok (m, 2, j), ==, want[j]);
      g_assert_cmpint (tok (m, 3, j), ==, FL_TOKEN_GAP);
    }
  g_assert_cmpstr (m->names[2], ==, "other");
  /* A query keeps its letters (the aatype of B is X, as in AlphaFold). */
  g_autoptr(FlMsa) b = fl_msa_parse_a3m (">q\nMKBVL\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->query, ==, "MKBVL");
  g_assert_cmpint (tok (b, 0, 2), ==, 3);
  g_assert_cmpint (fl_aatype_from_letter ('B'), ==, 20);
  g_assert_cmpint (fl_aatype_from_letter ('w'), ==, 17);
  g_assert_cmpint (fl_letter_from_token (21), ==, '-');
  g_assert_cmpint (fl_letter_from_token (0), ==, 'A');
  g_assert_cmpint (fl_letter_from_token (20), ==, 'X');
}

static void
test_a3m_ragged (void)
{
  const char *text = ">q\nACDEFG\n>good\nACDEF-\n>bad row\nA-DEfgG\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_parse_a3m (text, -1, &error);
  g_assert_null (m);
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'bad row'"));
  g_assert_nonnull (strstr (error->message, "line 5"));
  g_assert_nonnull (strstr (error->message, "5 aligned columns"));
  g_assert_nonnull (strstr (error->message, "query has 6"));
}

static void
test_bad_input (void)
{
  g_autoptr(GError) error = NULL;
  /* Empty. */
  g_assert_null (fl_msa_parse_a3m ("", 0, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (fl_msa_parse_fasta ("\n\n# only a comment\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_null (fl_msa_parse_fasta (">name only\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);
  g_assert_null (fl_msa_parse_auto ("   \n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY);
  g_clear_error (&error);

  /* Non-protein: digits, punctuation, nucleotides. */
  g_assert_null (fl_msa_parse_fasta (">x\nMKV1234\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'1'"));
  g_assert_nonnull (strstr (error->message, "not an amino-acid letter"));
  g_clear_error (&error);
  g_assert_null (fl_msa_parse_a3m (">x\nMKV\n>y\nM%V\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'y'"));
  g_clear_error (&error);
  g_assert_null (fl_msa_parse_fasta (">dna\nACGTACGTTAGCATCGATCGATCGATGCTAGCTAGCTAG\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "DNA"));
  g_clear_error (&error);
  g_assert_null (fl_msa_parse_fasta (">x\nXXXXBJOUZMKV\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "9 of its 12 letters"));
  g_clear_error (&error);
  /* Binary junk. */
  const char junk[] = { '>', 'q', '\n', 'M', (char) 0xff, 'K', '\n' };
  g_assert_null (fl_msa_parse_a3m (junk, sizeof junk, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_clear_error (&error);

  /* FASTA with several chains. */
  g_assert_null (fl_msa_parse_fasta (">a\nMKV\n>b\nMKL\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "expected one chain"));
  g_clear_error (&error);

  /* A gapped query. */
  g_assert_null (fl_msa_parse_a3m (">q\nM-KV\n>a\nMAKV\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "gap"));
  g_clear_error (&error);

  /* Missing file names the file. */
  g_assert_null (fl_msa_load_file ("/nonexistent/x.a3m", &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE);
  g_assert_nonnull (strstr (error->message, "/nonexistent/x.a3m"));
}

static void
test_fasta (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_parse_fasta (";comment\n>sp|P1|X  protein\nmkvl\nAAW*\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->L, ==, 7);
  g_assert_cmpint (m->n_rows, ==, 1);
  g_assert_cmpstr (m->query, ==, "MKVLAAW");
  g_assert_cmpstr (m->query_name, ==, "sp|P1|X  protein");

  g_autoptr(FlMsa) s = fl_msa_new_from_sequence ("GSHM", "seq", &error);
  g_assert_no_error (error);
  g_assert_cmpint (s->L, ==, 4);
  g_assert_cmpstr (s->query_name, ==, "seq");

  /* Bare sequence text through detection. */
  g_autoptr(FlMsa) b = fl_msa_parse_auto ("MKVLA\nWWY\n", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (b->query, ==, "MKVLAWWY");
}

static void
test_stockholm (void)
{
  /* Query gaps at alignment columns 3 and 4: those columns are removed
   * and letters there become insertions before the next query column. The
   * sequences are split over two blocks. */
  const char *text =
    "# STOCKHOLM 1.0\n"
    "#=GF ID test\n"
    "#=GS hit1 DE some description\n"
    "\n"
    "query   MK--V\n"
    "hit1    MKAAV\n"
    "hit2    M-.aL\n"
    "#=GC RF xx..x\n"
    "\n"
    "query   WY\n"
    "hit1    WF\n"
    "hit2    -Y\n"
    "//\n"
    "ignored  after end\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_parse_stockholm (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->L, ==, 5);
  g_assert_cmpstr (m->query, ==, "MKVWY");
  g_assert_cmpint (m->n_rows, ==, 3);
  g_assert_cmpstr (m->names[1], ==, "hit1");
  /* hit1: M K [AA] V W F */
  g_assert_cmpfloat (del (m, 1, 2), ==, 2.0f);
  g_assert_cmpint (tok (m, 1, 4), ==, 13);     /* F */
  /* hit2: M - [.a -> one letter] L - Y */
  g_assert_cmpfloat (del (m, 2, 2), ==, 1.0f);
  g_assert_cmpint (tok (m, 2, 1), ==, FL_TOKEN_GAP);
  g_assert_cmpint (tok (m, 2, 2), ==, 10);     /* L */

  /* Detection. */
  g_autoptr(FlMsa) a = fl_msa_parse_auto (text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->n_rows, ==, 3);

  /* Ragged Stockholm rows name the row. */
  g_assert_null (fl_msa_parse_stockholm ("# STOCKHOLM 1.0\nq MKV\nbad MK\n//\n", -1, &error));
  g_assert_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "'bad'"));
  g_assert_nonnull (strstr (error->message, "line 3"));
}

static char *
msa_path (const char *dir, const char *file)
{
  const char *data = fl_test_data_dir ();
  return data ? g_build_filename (data, "msas", dir, file, NULL) : NULL;
}

static void
test_real_colabfold (void)
{
  g_autofree char *path = msa_path ("4OT_colabfold", "test_a5e17_25.a3m");
  if (!fl_test_require_file (path))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->L, ==, 59);
  g_assert_cmpstr (m->query, ==, "PIAQIHILEGRSDEQKETLIREVSEAISRSLDAPLTSVRVIITEMAKGHFGIGGELASK");
  g_assert_cmpstr (m->query_name, ==, "101");
  /* The query appears twice (uniref and environmental parts): the second
   * copy is dropped as a duplicate, with any other repeats. */
  g_assert_cmpint (m->n_rows_in_file, ==, 8361);
  g_assert_cmpint (m->n_rows, <, m->n_rows_in_file);
  for (int i = 1; i < m->n_rows; i++)
    g_assert_cmpstr (m->names[i], !=, "101");
  g_test_message ("4OT: %d rows in file, %d after de-duplication", m->n_rows_in_file, m->n_rows);
}

static void
test_real_hemoglobin (void)
{
  g_autofree char *path = msa_path ("1A00_A_hemoglobin_alpha", "1a00_A_uniref90.a3m");
  if (!fl_test_require_file (path))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_load_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (m->L, ==, 141);
  g_assert_cmpstr (m->query_name, ==, "query");
  g_assert_true (g_str_has_prefix (m->query, "VLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHF"));
  g_assert_cmpint (m->n_rows_in_file, ==, 3391);
  g_assert_cmpint (m->n_rows, >, 1000);
}

static void
test_real_stockholm (void)
{
  g_autofree char *path = msa_path ("1PSM_A", "uniref90_hits.sto");
  g_autofree char *a3m = msa_path ("1PSM_A", "bfd_uniclust_hits.a3m");
  if (!fl_test_require_file (path))
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(FlMsa) m = fl_msa_load_file (path, &error);
  g_assert_no_error (error);
  g_autoptr(FlMsa) q = fl_msa_load_file (a3m, &error);
  g_assert_no_error (error);
  /* Both alignments have the same query. */
  g_assert_cmpstr (m->query, ==, q->query);
  g_assert_cmpint (m->L, ==, 38);
  g_assert_cmpint (m->n_rows, >, 5);

  g_autofree char *big = msa_path ("4I6P_A", "uniref90_hits.sto");
  g_autoptr(FlMsa) b = fl_msa_load_file (big, &error);
  g_assert_no_error (error);
  g_assert_cmpint (b->n_rows, >, 100);
  /* Query columns only: the query row has no gaps and no deletions. */
  for (int j = 0; j < b->L; j++)
    {
      g_assert_cmpint (tok (b, 0, j), !=, FL_TOKEN_GAP);
      g_assert_cmpfloat (del (b, 0, j), ==, 0.0f);
    }
}

/* Random corruptions of a small A3M and Stockholm text: parse or fail
 * with an error, never crash. */
static void
test_fuzz (void)
{
  const char *seeds[] = {
    "# x\n>q desc\nMKVLAAGW\n>a\nMK-LaaAGW\n>b\n--VLAAGWxx\n",
    "# STOCKHOLM 1.0\n#=GS a DE d\nq  MK--VL\na  MKAAVL\n\nq  WY\na  W.\n//\n",
  };
  static const char alphabet[] = "ACDEFGHIKLMNPQRSTVWYacxyz-.>#;/ \n\t\r0*BZ";
  guint64 state = 99;
  int ok = 0, refused = 0;
  for (gsize s = 0; s < G_N_ELEMENTS (seeds); s++)
    for (int round = 0; round < 2000; round++)
      {
        g_autofree char *t = g_strdup (seeds[s]);
        gsize len = strlen (t);
        for (int k = 0; k < 1 + round % 4; k++)
          {
            state = state * 6364136223846793005ull + 1442695040888963407ull;
            t[(state >> 33) % len] = alphabet[(state >> 20) % (sizeof alphabet - 1)];
          }
        gssize cut = round % 3 == 0 ? (gssize) ((state >> 7) % (len + 1)) : -1;
        GError *error = NULL;
        FlMsa *m = fl_msa_parse_auto (t, cut, &error);
        if (m == NULL)
          {
            g_assert_nonnull (error);
            g_assert_true (error->domain == FL_FEATURES_ERROR);
            g_assert_cmpuint (strlen (error->message), >, 10);
            g_error_free (error);
            refused++;
            continue;
          }
        g_assert_no_error (error);
        g_assert_cmpint (m->L, >, 0);
        g_assert_cmpint (m->n_rows, >, 0);
        for (gsize k = 0; k < (gsize) m->n_rows * m->L; k++)
          g_assert_cmpint (m->tokens[k], <=, FL_TOKEN_GAP);
        fl_msa_free (m);
        ok++;
      }
  g_test_message ("fuzz: %d parsed, %d refused", ok, refused);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/msa/a3m-basic", test_a3m_basic);
  g_test_add_func ("/model/msa/a3m-insertions", test_a3m_insertions);
  g_test_add_func ("/model/msa/a3m-letters-duplicates", test_a3m_letters_and_duplicates);
  g_test_add_func ("/model/msa/a3m-ragged", test_a3m_ragged);
  g_test_add_func ("/model/msa/bad-input", test_bad_input);
  g_test_add_func ("/model/msa/fasta", test_fasta);
  g_test_add_func ("/model/msa/stockholm", test_stockholm);
  g_test_add_func ("/model/msa/real-colabfold", test_real_colabfold);
  g_test_add_func ("/model/msa/real-hemoglobin", test_real_hemoglobin);
  g_test_add_func ("/model/msa/real-stockholm", test_real_stockholm);
  g_test_add_func ("/model/msa/fuzz", test_fuzz);
  return g_test_run ();
}
