/* Alignment parsers: A3M, FASTA (one chain), Stockholm. Rows keep file
 * order; duplicate aligned sequences are dropped (first kept). Letters map
 * to AlphaFold tokens as HHblits -> AlphaFold does: B->D, Z->E, U->C,
 * J/O/X->X, '-' -> gap. */
#include "fl-msa.h"
#include "fl-error.h"

#include <string.h>

/* ---------------------------------------------------------------- letters */

static const char aa_order[] = FL_AA_ORDER;

int
fl_aatype_from_letter (char c)
{
  c = g_ascii_toupper (c);
  const char *p = c ? strchr (aa_order, c) : NULL;
  return p ? (int) (p - aa_order) : FL_TOKEN_X;
}

char
fl_letter_from_token (int token)
{
  if (token >= 0 && token < 20)
    return aa_order[token];
  if (token == FL_TOKEN_X)
    return 'X';
  if (token == FL_TOKEN_GAP)
    return '-';
  return '?';
}

/* MSA token of an aligned letter (upper case or '-'); -1 if not valid. */
static int
token_of (char c)
{
  switch (c)
    {
    case '-': return FL_TOKEN_GAP;
    case 'B': return 3;            /* -> D */
    case 'Z': return 6;            /* -> E */
    case 'U': return 4;            /* -> C */
    case 'J': case 'O': case 'X': return FL_TOKEN_X;
    default:
      break;
    }
  if (c >= 'A' && c <= 'Z')
    {
      const char *p = strchr (aa_order, c);
      return p ? (int) (p - aa_order) : -1;
    }
  return -1;
}

/* ------------------------------------------------------------------ rows */

typedef struct {
  char *name;
  char *aligned;     /* upper case letters and '-', L columns */
  float *del;        /* L deletion counts */
  int line;          /* 1-based line of the record header (or first line) */
} Row;

static void
row_free (gpointer p)
{
  Row *r = p;
  g_free (r->name);
  g_free (r->aligned);
  g_free (r->del);
  g_free (r);
}

void
fl_msa_free (FlMsa *msa)
{
  if (msa == NULL)
    return;
  g_free (msa->query);
  g_free (msa->query_name);
  g_free (msa->tokens);
  g_free (msa->deletions);
  if (msa->names)
    for (int i = 0; i < msa->n_rows; i++)
      g_free (msa->names[i]);
  g_free (msa->names);
  g_free (msa);
}

/* Reject inputs that are not protein: nucleotide-only queries. */
static gboolean
check_protein (const char *query, GError **error)
{
  gsize n = 0, nuc = 0, unknown = 0;
  for (const char *p = query; *p; p++)
    {
      if (*p == '-')
        continue;
      n++;
      if (strchr ("ACGTUN", *p))
        nuc++;
      if (strchr (aa_order, *p) == NULL)
        unknown++;
    }
  if (unknown * 2 > n)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "the query is not a protein sequence: %" G_GSIZE_FORMAT " of its %"
                   G_GSIZE_FORMAT " letters are not one of the 20 amino acids", unknown, n);
      return FALSE;
    }
  if (n >= 20 && nuc * 10 >= n * 9)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "the query looks like a DNA/RNA sequence (%" G_GSIZE_FORMAT " of %"
                   G_GSIZE_FORMAT " letters are A, C, G, T, U or N), not a protein",
                   nuc, n);
      return FALSE;
    }
  return TRUE;
}

/* Rows (query first) -> FlMsa, dropping duplicate aligned sequences. */
static FlMsa *
msa_from_rows (GPtrArray *rows, GError **error)
{
  if (rows->len == 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY,
                   "no sequences in the input");
      return NULL;
    }
  Row *q = g_ptr_array_index (rows, 0);
  int L = (int) strlen (q->aligned);
  if (L == 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY,
                   "the query sequence ('%s', line %d) is empty", q->name, q->line);
      return NULL;
    }
  const char *gap = strchr (q->aligned, '-');
  if (gap != NULL)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "the query sequence ('%s', line %d) has a gap at column %d; the first "
                   "row must be the ungapped query", q->name, q->line, (int) (gap - q->aligned) + 1);
      return NULL;
    }
  if (!check_protein (q->aligned, error))
    return NULL;

  g_autoptr(GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  for (guint i = 0; i < rows->len; i++)
    {
      Row *r = g_ptr_array_index (rows, i);
      if ((int) strlen (r->aligned) != L)
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                       "row %u ('%s', line %d) has %d aligned columns but the query has %d",
                       i + 1, r->name, r->line, (int) strlen (r->aligned), L);
          return NULL;
        }
      if (g_hash_table_contains (seen, r->aligned))
        continue;
      g_hash_table_add (seen, r->aligned);
      g_ptr_array_add (kept, r);
    }

  FlMsa *msa = g_new0 (FlMsa, 1);
  msa->n_rows = kept->len;
  msa->n_rows_in_file = rows->len;
  msa->L = L;
  msa->query = g_strdup (q->aligned);
  msa->query_name = g_strdup (q->name);
  msa->tokens = g_new (int8_t, (gsize) msa->n_rows * L);
  msa->deletions = g_new (float, (gsize) msa->n_rows * L);
  msa->names = g_new0 (char *, msa->n_rows);
  for (int i = 0; i < msa->n_rows; i++)
    {
      Row *r = g_ptr_array_index (kept, i);
      msa->names[i] = g_strdup (r->name);
      for (int j = 0; j < L; j++)
        {
          int t = token_of (r->aligned[j]);
          msa->tokens[(gsize) i * L + j] = (int8_t) (t >= 0 ? t : FL_TOKEN_X);
          msa->deletions[(gsize) i * L + j] = r->del[j];
        }
    }
  return msa;
}

/* ------------------------------------------------------------- records */

typedef struct {
  char *name;
  GString *seq;
  int line;
} Record;

static void
record_free (gpointer p)
{
  Record *r = p;
  g_free (r->name);
  g_string_free (r->seq, TRUE);
  g_free (r);
}

/* Split FASTA-like text into '>' records. '#' and ';' lines are comments.
 * Text before the first header becomes an unnamed record ("query"). Line
 * numbers of each sequence character are not kept; errors name the record
 * and its header line. */
static GPtrArray *
split_records (const char *text, gssize length)
{
  GPtrArray *records = g_ptr_array_new_with_free_func (record_free);
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  const char *p = text, *end = text + len;
  int line_no = 0;
  Record *cur = NULL;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *le = nl ? nl : end;
      line_no++;
      const char *s = p;
      while (s < le && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\0'))
        s++;
      const char *e = le;
      while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\0'))
        e--;
      if (s < e && *s == '>')
        {
          cur = g_new0 (Record, 1);
          cur->name = g_strndup (s + 1, e - s - 1);
          g_strstrip (cur->name);
          cur->seq = g_string_new (NULL);
          cur->line = line_no;
          g_ptr_array_add (records, cur);
        }
      else if (s < e && *s != '#' && *s != ';')
        {
          if (cur == NULL)
            {
              cur = g_new0 (Record, 1);
              cur->name = g_strdup ("query");
              cur->seq = g_string_new (NULL);
              cur->line = line_no;
              g_ptr_array_add (records, cur);
            }
          for (const char *c = s; c < e; c++)
            if (*c != ' ' && *c != '\t' && *c != '\r' && *c != '\0')
              g_string_append_c (cur->seq, *c);
        }
      p = nl ? nl + 1 : end;
    }
  return records;
}

static gboolean
invalid_char (GError **error, Record *r, char c)
{
  if (g_ascii_isprint (c))
    g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                 "sequence '%s' (line %d) contains '%c', which is not an amino-acid letter",
                 r->name, r->line, c);
  else
    g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                 "sequence '%s' (line %d) contains byte 0x%02x, which is not an amino-acid letter",
                 r->name, r->line, (guint8) c);
  return FALSE;
}

/* A3M row: upper case and '-' are columns, lower case letters are
 * insertions counted before the next column ('.' is an insert-state gap
 * and is dropped); insertions after the last column are discarded. */
static Row *
a3m_row (Record *rec, GError **error)
{
  Row *r = g_new0 (Row, 1);
  r->name = g_strdup (rec->name);
  r->line = rec->line;
  r->aligned = g_new (char, rec->seq->len + 1);
  r->del = g_new0 (float, rec->seq->len + 1);
  gsize n = 0;
  int count = 0;
  for (gsize i = 0; i < rec->seq->len; i++)
    {
      char c = rec->seq->str[i];
      if (c >= 'a' && c <= 'z')
        count++;
      else if (c == '.' || c == '*')
        continue;
      else if ((c >= 'A' && c <= 'Z') || c == '-')
        {
          r->aligned[n] = c;
          r->del[n] = (float) count;
          n++;
          count = 0;
        }
      else
        {
          invalid_char (error, rec, c);
          row_free (r);
          return NULL;
        }
    }
  r->aligned[n] = '\0';
  return r;
}

FlMsa *
fl_msa_parse_a3m (const char *text, gssize length, GError **error)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_autoptr(GPtrArray) records = split_records (text ? text : "", length);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  for (guint i = 0; i < records->len; i++)
    {
      Row *r = a3m_row (g_ptr_array_index (records, i), error);
      if (r == NULL)
        return NULL;
      g_ptr_array_add (rows, r);
    }
  return msa_from_rows (rows, error);
}

FlMsa *
fl_msa_parse_fasta (const char *text, gssize length, GError **error)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_autoptr(GPtrArray) records = split_records (text ? text : "", length);
  if (records->len > 1)
    {
      Record *second = g_ptr_array_index (records, 1);
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "expected one chain, but the FASTA input has %u sequences (the second, '%s', "
                   "starts at line %d); give an alignment as A3M instead",
                   records->len, second->name, second->line);
      return NULL;
    }
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  if (records->len == 1)
    {
      Record *rec = g_ptr_array_index (records, 0);
      /* A trailing stop codon '*' is allowed. */
      if (rec->seq->len > 0 && rec->seq->str[rec->seq->len - 1] == '*')
        g_string_truncate (rec->seq, rec->seq->len - 1);
      for (gsize i = 0; i < rec->seq->len; i++)
        {
          char c = g_ascii_toupper (rec->seq->str[i]);
          if (c < 'A' || c > 'Z')
            {
              invalid_char (error, rec, rec->seq->str[i]);
              return NULL;
            }
          rec->seq->str[i] = c;
        }
      Row *r = g_new0 (Row, 1);
      r->name = g_strdup (rec->name);
      r->line = rec->line;
      r->aligned = g_strdup (rec->seq->str);
      r->del = g_new0 (float, rec->seq->len + 1);
      g_ptr_array_add (rows, r);
    }
  return msa_from_rows (rows, error);
}

FlMsa *
fl_msa_new_from_sequence (const char *sequence, const char *name, GError **error)
{
  g_return_val_if_fail (sequence != NULL, NULL);
  g_autofree char *text = g_strdup_printf (">%s\n%s\n", name ? name : "query", sequence);
  return fl_msa_parse_fasta (text, -1, error);
}

FlMsa *
fl_msa_merge (const FlMsa *a, const FlMsa *b, GError **error)
{
  g_return_val_if_fail (a != NULL && b != NULL, NULL);
  if (a->L != b->L || strcmp (a->query, b->query) != 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "the alignments have different queries ('%s', %d residues, and '%s', %d "
                   "residues); they must align to the same sequence",
                   a->query_name, a->L, b->query_name, b->L);
      return NULL;
    }
  const int L = a->L;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_bytes_hash, g_bytes_equal,
                                                      (GDestroyNotify) g_bytes_unref, NULL);
  FlMsa *m = g_new0 (FlMsa, 1);
  m->L = L;
  m->query = g_strdup (a->query);
  m->query_name = g_strdup (a->query_name);
  m->n_rows_in_file = a->n_rows_in_file + b->n_rows_in_file;
  int cap = a->n_rows + b->n_rows;
  m->tokens = g_new (int8_t, (gsize) cap * L);
  m->deletions = g_new (float, (gsize) cap * L);
  m->names = g_new0 (char *, cap);
  const FlMsa *src[2] = { a, b };
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < src[s]->n_rows; i++)
      {
        const int8_t *t = src[s]->tokens + (gsize) i * L;
        /* Tokens identify the aligned row up to the rare letters B Z U J O. */
        GBytes *key = g_bytes_new (t, L);
        if (g_hash_table_contains (seen, key))
          {
            g_bytes_unref (key);
            continue;
          }
        g_hash_table_add (seen, key);
        memcpy (m->tokens + (gsize) m->n_rows * L, t, L);
        memcpy (m->deletions + (gsize) m->n_rows * L, src[s]->deletions + (gsize) i * L,
                L * sizeof (float));
        m->names[m->n_rows] = g_strdup (src[s]->names[i]);
        m->n_rows++;
      }
  return m;
}

/* --------------------------------------------------------------- Stockholm */

FlMsa *
fl_msa_parse_stockholm (const char *text, gssize length, GError **error)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func (record_free);
  g_autoptr(GHashTable) by_name = g_hash_table_new (g_str_hash, g_str_equal);
  const char *p = text ? text : "", *end = p + len;
  int line_no = 0;
  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *le = nl ? nl : end;
      line_no++;
      g_autofree char *line = g_strndup (p, le - p);
      p = nl ? nl + 1 : end;
      g_strstrip (line);
      if (line[0] == '\0' || line[0] == '#')
        continue;             /* blank, "# STOCKHOLM", #=GS, #=GC, #=GR, #=GF */
      if (strcmp (line, "//") == 0)
        break;
      g_auto (GStrv) f = g_strsplit_set (line, " \t", -1);
      const char *name = NULL, *seq = NULL;
      int nf = 0;
      for (int k = 0; f[k]; k++)
        if (f[k][0] != '\0')
          {
            if (nf == 0)
              name = f[k];
            else if (nf == 1)
              seq = f[k];
            nf++;
          }
      if (nf != 2)
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
                       "Stockholm line %d: expected 'name sequence', found %d fields",
                       line_no, nf);
          return NULL;
        }
      Record *rec = g_hash_table_lookup (by_name, name);
      if (rec == NULL)
        {
          rec = g_new0 (Record, 1);
          rec->name = g_strdup (name);
          rec->seq = g_string_new (NULL);
          rec->line = line_no;
          g_ptr_array_add (records, rec);
          g_hash_table_insert (by_name, rec->name, rec);
        }
      g_string_append (rec->seq, seq);
    }
  if (records->len == 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY,
                   "no sequences in the Stockholm input");
      return NULL;
    }

  /* Normalise: '.' is a gap, letters upper case. */
  for (guint i = 0; i < records->len; i++)
    {
      Record *rec = g_ptr_array_index (records, i);
      for (gsize k = 0; k < rec->seq->len; k++)
        {
          char c = rec->seq->str[k];
          if (c == '.')
            c = '-';
          c = g_ascii_toupper (c);
          if (c != '-' && (c < 'A' || c > 'Z'))
            {
              invalid_char (error, rec, rec->seq->str[k]);
              return NULL;
            }
          rec->seq->str[k] = c;
        }
    }

  /* Columns where the query has a gap are removed; letters there become
   * insertions (deletion counts) of the next kept column. */
  Record *q = g_ptr_array_index (records, 0);
  gsize width = q->seq->len;
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func (row_free);
  for (guint i = 0; i < records->len; i++)
    {
      Record *rec = g_ptr_array_index (records, i);
      if (rec->seq->len != width)
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                       "row %u ('%s', line %d) has %" G_GSIZE_FORMAT " columns but the query has %"
                       G_GSIZE_FORMAT, i + 1, rec->name, rec->line, rec->seq->len, width);
          return NULL;
        }
      Row *r = g_new0 (Row, 1);
      r->name = g_strdup (rec->name);
      r->line = rec->line;
      r->aligned = g_new (char, width + 1);
      r->del = g_new0 (float, width + 1);
      gsize n = 0;
      int count = 0;
      for (gsize k = 0; k < width; k++)
        {
          char c = rec->seq->str[k], qc = q->seq->str[k];
          if (qc == '-')
            {
              if (c != '-')
                count++;
              continue;
            }
          r->aligned[n] = c;
          r->del[n] = (float) count;
          n++;
          count = 0;
        }
      r->aligned[n] = '\0';
      g_ptr_array_add (rows, r);
    }
  return msa_from_rows (rows, error);
}

/* ------------------------------------------------------------ detection */

FlMsa *
fl_msa_parse_auto (const char *text, gssize length, GError **error)
{
  g_return_val_if_fail (text != NULL || length == 0, NULL);
  gsize len = length < 0 ? strlen (text) : (gsize) length;
  const char *p = text ? text : "", *end = p + len;
  while (p < end && g_ascii_isspace (*p))
    p++;
  if ((gsize) (end - p) >= 11 && strncmp (p, "# STOCKHOLM", 11) == 0)
    return fl_msa_parse_stockholm (p, end - p, error);

  /* FASTA-like: one record without gaps is FASTA, anything else A3M. */
  g_autoptr(GPtrArray) records = split_records (p, end - p);
  gboolean alignment = records->len > 1;
  for (guint i = 0; !alignment && i < records->len; i++)
    {
      Record *r = g_ptr_array_index (records, i);
      if (strchr (r->seq->str, '-') != NULL)
        alignment = TRUE;
    }
  if (alignment)
    return fl_msa_parse_a3m (p, end - p, error);
  return fl_msa_parse_fasta (p, end - p, error);
}

FlMsa *
fl_msa_load_file (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  GError *local = NULL;
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      const char *why = local->code == G_FILE_ERROR_NOENT ? "no such file"
                        : local->code == G_FILE_ERROR_ACCES ? "permission denied"
                        : local->code == G_FILE_ERROR_ISDIR ? "it is a directory"
                        : "read error";
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
                   "cannot read %s: %s", path, why);
      g_error_free (local);
      return NULL;
    }
  g_autofree char *lower = g_ascii_strdown (path, -1);
  FlMsa *msa;
  if (g_str_has_suffix (lower, ".sto") || g_str_has_suffix (lower, ".stockholm"))
    msa = fl_msa_parse_stockholm (text, len, error);
  else if (g_str_has_suffix (lower, ".a3m"))
    msa = fl_msa_parse_a3m (text, len, error);
  else
    msa = fl_msa_parse_auto (text, len, error);
  if (msa == NULL && error != NULL && *error != NULL)
    g_prefix_error (error, "%s: ", path);
  return msa;
}
