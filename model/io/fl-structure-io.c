/* PDB and mmCIF reading and writing (see fl-structure-io.h). */
#include "fl-structure-io.h"
#include "fl-residue-constants.h"
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (fl-structure-io-error-quark, fl_structure_io_error)

void
fl_structure_free (FlStructure *s)
{
  if (!s)
    return;
  g_free (s->sequence);
  g_free (s->aatype);
  g_free (s->atom37);
  g_free (s->atom37_mask);
  g_free (s->b_factors);
  g_free (s->residue_number);
  g_free (s->insertion_code);
  g_free (s);
}

/* ------------------------------------------------------------------ */
/* Building a chain from atom records (shared by both readers).        */

typedef struct {
  char name[8];       /* atom name */
  char alt;           /* alternate location, ' ' if none */
  char resname[8];
  char chain[8];
  int resnum;
  char icode;         /* ' ' if none */
  double xyz[3];
  double b;
} AtomRecord;

typedef struct {
  const char *want_chain;    /* NULL: first protein chain */
  char chain[8];
  gboolean have_chain;
  /* per residue */
  GArray *aatype;            /* int32 */
  GArray *atom37;            /* float, 111 per residue */
  GArray *mask;              /* float, 37 per residue */
  GArray *bfac;              /* float */
  GArray *bfac_from_ca;      /* gboolean */
  GArray *resnum;            /* int32 */
  GArray *icode;             /* char */
  GString *seq;
  char cur_resname[8];
  int cur_resnum;
  char cur_icode;
  gboolean have_res;
} ChainBuilder;

static void
builder_init (ChainBuilder *b, const char *want_chain)
{
  memset (b, 0, sizeof *b);
  b->want_chain = want_chain;
  b->aatype = g_array_new (FALSE, FALSE, sizeof (int32_t));
  b->atom37 = g_array_new (FALSE, TRUE, sizeof (float));
  b->mask = g_array_new (FALSE, TRUE, sizeof (float));
  b->bfac = g_array_new (FALSE, FALSE, sizeof (float));
  b->bfac_from_ca = g_array_new (FALSE, FALSE, sizeof (gboolean));
  b->resnum = g_array_new (FALSE, FALSE, sizeof (int32_t));
  b->icode = g_array_new (FALSE, FALSE, sizeof (char));
  b->seq = g_string_new (NULL);
}

static void
builder_clear (ChainBuilder *b)
{
  g_array_unref (b->aatype);
  g_array_unref (b->atom37);
  g_array_unref (b->mask);
  g_array_unref (b->bfac);
  g_array_unref (b->bfac_from_ca);
  g_array_unref (b->resnum);
  g_array_unref (b->icode);
  g_string_free (b->seq, TRUE);
}

/* aatype of an amino-acid residue name, -1 when the residue is not one
 * (water, ligand, nucleotide). MSE -> MET. */
static int
residue_aatype (const char *resname)
{
  if (strcmp (resname, "MSE") == 0)
    return fl_restype_from_3 ("MET");
  if (strcmp (resname, "UNK") == 0)
    return FL_RESTYPE_UNK;
  int a = fl_restype_from_3 (resname);
  return (a >= 0 && a < FL_N_RESTYPES) ? a : -1;
}

static void
builder_add (ChainBuilder *b, const AtomRecord *r)
{
  int aat = residue_aatype (r->resname);
  if (aat < 0)
    return;
  if (b->want_chain && strcmp (b->want_chain, r->chain) != 0)
    return;
  if (!b->have_chain)
    {
      g_strlcpy (b->chain, r->chain, sizeof b->chain);
      b->have_chain = TRUE;
    }
  else if (strcmp (b->chain, r->chain) != 0)
    return;

  gboolean same_res = b->have_res && b->cur_resnum == r->resnum && b->cur_icode == r->icode;
  if (same_res && strcmp (b->cur_resname, r->resname) != 0)
    return;   /* a second residue type at the same place (microheterogeneity): first wins */
  if (!same_res)
    {
      int32_t a32 = aat, rn = r->resnum;
      float zero = 0.0f;
      gboolean no = FALSE;
      g_array_append_val (b->aatype, a32);
      g_array_set_size (b->atom37, b->atom37->len + FL_N_ATOM37 * 3);
      g_array_set_size (b->mask, b->mask->len + FL_N_ATOM37);
      g_array_append_val (b->bfac, zero);
      g_array_append_val (b->bfac_from_ca, no);
      g_array_append_val (b->resnum, rn);
      g_array_append_val (b->icode, r->icode);
      g_string_append_c (b->seq, fl_restype_1[aat]);
      g_strlcpy (b->cur_resname, r->resname, sizeof b->cur_resname);
      b->cur_resnum = r->resnum;
      b->cur_icode = r->icode;
      b->have_res = TRUE;
    }
  guint i = b->aatype->len - 1;
  const char *name = r->name;
  if (strcmp (r->resname, "MSE") == 0 && strcmp (name, "SE") == 0)
    name = "SD";
  int a = fl_atom37_index (name);
  if (a < 0)
    return;   /* hydrogens and atoms outside atom37 */
  float *m = &g_array_index (b->mask, float, i * FL_N_ATOM37 + a);
  if (*m > 0.0f)
    return;   /* another alternate location of an atom we already have */
  *m = 1.0f;
  float *x = &g_array_index (b->atom37, float, (i * FL_N_ATOM37 + a) * 3);
  for (int k = 0; k < 3; k++)
    x[k] = (float) r->xyz[k];
  float *bf = &g_array_index (b->bfac, float, i);
  gboolean *from_ca = &g_array_index (b->bfac_from_ca, gboolean, i);
  if (a == FL_ATOM37_CA)
    {
      *bf = (float) r->b;
      *from_ca = TRUE;
    }
  else if (!*from_ca)
    {
      /* no CA (yet): the B-factor of the residue's first atom */
      int n_set = 0;
      for (int k = 0; k < FL_N_ATOM37; k++)
        n_set += g_array_index (b->mask, float, i * FL_N_ATOM37 + k) > 0.0f;
      if (n_set == 1)
        *bf = (float) r->b;
    }
}

static FlStructure *
builder_finish (ChainBuilder *b, GError **error)
{
  int L = (int) b->aatype->len;
  if (L == 0)
    {
      if (b->want_chain)
        g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY,
                     "No amino-acid residues in chain \"%s\" of the first model.", b->want_chain);
      else
        g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY,
                     "No amino-acid residues found in the file.");
      return NULL;
    }
  FlStructure *s = g_new0 (FlStructure, 1);
  s->L = L;
  g_strlcpy (s->chain_id, b->chain, sizeof s->chain_id);
  s->sequence = g_strdup (b->seq->str);
  s->aatype = g_memdup2 (b->aatype->data, (gsize) L * sizeof (int32_t));
  s->atom37 = g_memdup2 (b->atom37->data, (gsize) L * FL_N_ATOM37 * 3 * sizeof (float));
  s->atom37_mask = g_memdup2 (b->mask->data, (gsize) L * FL_N_ATOM37 * sizeof (float));
  s->b_factors = g_memdup2 (b->bfac->data, (gsize) L * sizeof (float));
  s->residue_number = g_memdup2 (b->resnum->data, (gsize) L * sizeof (int32_t));
  s->insertion_code = g_memdup2 (b->icode->data, (gsize) L);
  return s;
}

/* ------------------------------------------------------------------ */
/* PDB                                                                 */

/* Copy columns [a, b) of a line (1-based inclusive a..b in PDB terms is
 * [a-1, b)), trimmed, into out. */
static void
pdb_field (const char *line, gsize len, gsize a, gsize b, char *out, gsize out_size)
{
  gsize n = 0;
  out[0] = '\0';
  if (a >= len)
    return;
  if (b > len)
    b = len;
  while (a < b && line[a] == ' ')
    a++;
  while (b > a && (line[b - 1] == ' ' || line[b - 1] == '\r'))
    b--;
  for (gsize i = a; i < b && n + 1 < out_size; i++)
    out[n++] = line[i];
  out[n] = '\0';
}

static gboolean
parse_double (const char *s, double *out)
{
  if (!s || !*s)
    return FALSE;
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !isfinite (v))
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_int (const char *s, int *out)
{
  if (!s || !*s)
    return FALSE;
  char *end = NULL;
  errno = 0;
  long v = strtol (s, &end, 10);
  if (end == s || *end != '\0' || errno == ERANGE || v < G_MININT || v > G_MAXINT)
    return FALSE;
  *out = (int) v;
  return TRUE;
}

/* A model ends: with `all`, its chain joins `all` and a new one starts
 * (FALSE on an empty model: error set); without, reading stops. */
static gboolean
model_done (ChainBuilder *b, GPtrArray *all, gboolean *stop, GError **error)
{
  if (!all)
    {
      *stop = TRUE;
      return TRUE;
    }
  FlStructure *s = builder_finish (b, error);
  if (!s)
    {
      if (all->len > 0)
        g_prefix_error (error, "Model %u: ", all->len + 1);
      return FALSE;
    }
  g_ptr_array_add (all, s);
  const char *want = b->want_chain;
  builder_clear (b);
  builder_init (b, want);
  return TRUE;
}

/* Our own model titles: "REMARK 999 MODEL k: title". */
static void
pdb_model_title (const char *line, gsize ll, GPtrArray *titles)
{
  static const char tag[] = "REMARK 999 MODEL ";
  gsize n = sizeof tag - 1;
  if (!titles || ll <= n || strncmp (line, tag, n) != 0)
    return;
  const char *colon = memchr (line + n, ':', ll - n);
  if (!colon)
    return;
  char *end = NULL;
  long k = strtol (line + n, &end, 10);
  if (end != colon || k != (long) titles->len + 1)
    return;
  const char *t = colon + 1;
  gsize tl = ll - (gsize) (t - line);
  g_ptr_array_add (titles, g_strstrip (g_strndup (t, tl)));
}

static FlStructure *
parse_pdb (const char *text, gsize len, const char *chain_id, GPtrArray *all, GPtrArray *titles,
           GError **error)
{
  ChainBuilder b;
  builder_init (&b, chain_id);
  gsize pos = 0;
  int line_no = 0;
  gboolean seen_model = FALSE, seen_atoms = FALSE, stop = FALSE;
  FlStructure *result = NULL;
  while (pos < len && !stop)
    {
      const char *line = text + pos;
      const char *nl = memchr (line, '\n', len - pos);
      gsize ll = nl ? (gsize) (nl - line) : len - pos;
      pos += ll + (nl ? 1 : 0);
      line_no++;
      pdb_model_title (line, ll, titles);
      if (ll >= 6 && strncmp (line, "ENDMDL", 6) == 0)
        {
          if (seen_atoms && !model_done (&b, all, &stop, error))
            goto out;
          seen_atoms = FALSE;
          continue;
        }
      if (ll >= 5 && strncmp (line, "MODEL", 5) == 0)
        {
          if (seen_model && seen_atoms && !model_done (&b, all, &stop, error))
            goto out;
          seen_model = TRUE;
          seen_atoms = FALSE;
          continue;
        }
      if (ll >= 3 && strncmp (line, "END", 3) == 0 && (ll == 3 || line[3] == ' ' || line[3] == '\r'))
        break;
      gboolean is_atom = ll >= 6 && strncmp (line, "ATOM  ", 6) == 0;
      gboolean is_het = ll >= 6 && strncmp (line, "HETATM", 6) == 0;
      if (!is_atom && !is_het)
        continue;
      AtomRecord r;
      char xs[16], ys[16], zs[16], bs[16], ns[16], alt[4], ic[4];
      pdb_field (line, ll, 12, 16, r.name, sizeof r.name);
      pdb_field (line, ll, 16, 17, alt, sizeof alt);
      pdb_field (line, ll, 17, 20, r.resname, sizeof r.resname);
      pdb_field (line, ll, 21, 22, r.chain, sizeof r.chain);
      pdb_field (line, ll, 22, 26, ns, sizeof ns);
      pdb_field (line, ll, 26, 27, ic, sizeof ic);
      pdb_field (line, ll, 30, 38, xs, sizeof xs);
      pdb_field (line, ll, 38, 46, ys, sizeof ys);
      pdb_field (line, ll, 46, 54, zs, sizeof zs);
      pdb_field (line, ll, 60, 66, bs, sizeof bs);
      r.alt = alt[0] ? alt[0] : ' ';
      r.icode = ic[0] ? ic[0] : ' ';
      if (!parse_int (ns, &r.resnum) || !parse_double (xs, &r.xyz[0])
          || !parse_double (ys, &r.xyz[1]) || !parse_double (zs, &r.xyz[2]))
        {
          g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                       "Line %d: malformed %s record (residue number or coordinates).",
                       line_no, is_atom ? "ATOM" : "HETATM");
          goto out;
        }
      if (!parse_double (bs, &r.b))
        r.b = 0.0;
      seen_atoms = TRUE;
      builder_add (&b, &r);
    }
  if (!all)
    result = builder_finish (&b, error);
  else if (seen_atoms || all->len == 0)
    {
      /* the last model (no ENDMDL), or a file without MODEL records */
      if (model_done (&b, all, &stop, error))
        result = g_ptr_array_index (all, 0);
    }
  else
    result = g_ptr_array_index (all, 0);
out:
  builder_clear (&b);
  return result;
}

/* ------------------------------------------------------------------ */
/* mmCIF: a small tokenizer and the _atom_site loop by column name.    */

typedef struct {
  const char *text;
  gsize len, pos;
  int line;
  gboolean bol;           /* at beginning of a line */
} CifLexer;

typedef struct {
  const char *s;
  gsize n;
  gboolean quoted;        /* quoted or text field: never a keyword/tag */
  int line;
} CifToken;

/* Next token; FALSE at end. Sets *err on an unterminated text field. */
static gboolean
cif_next (CifLexer *lx, CifToken *t, gboolean *err)
{
  const char *s = lx->text;
  for (;;)
    {
      while (lx->pos < lx->len && (s[lx->pos] == ' ' || s[lx->pos] == '\t' || s[lx->pos] == '\r'
                                   || s[lx->pos] == '\n'))
        {
          if (s[lx->pos] == '\n')
            {
              lx->line++;
              lx->bol = TRUE;
            }
          else
            lx->bol = FALSE;
          lx->pos++;
        }
      if (lx->pos >= lx->len)
        return FALSE;
      if (s[lx->pos] == '#')
        {
          while (lx->pos < lx->len && s[lx->pos] != '\n')
            lx->pos++;
          continue;
        }
      break;
    }
  t->line = lx->line;
  char c = s[lx->pos];
  if (c == ';' && (lx->bol || lx->pos == 0))
    {
      /* text field: up to a line that starts with ';' */
      gsize start = lx->pos + 1;
      gsize p = start;
      for (;;)
        {
          const char *nl = memchr (s + p, '\n', lx->len - p);
          if (!nl)
            {
              *err = TRUE;
              return FALSE;
            }
          p = (gsize) (nl - s) + 1;
          lx->line++;
          if (p < lx->len && s[p] == ';')
            break;
        }
      t->s = s + start;
      t->n = p - 1 - start;
      t->quoted = TRUE;
      lx->pos = p + 1;
      lx->bol = FALSE;
      return TRUE;
    }
  lx->bol = FALSE;
  if (c == '\'' || c == '"')
    {
      gsize p = lx->pos + 1;
      while (p < lx->len)
        {
          if (s[p] == c && (p + 1 >= lx->len || s[p + 1] == ' ' || s[p + 1] == '\t'
                            || s[p + 1] == '\n' || s[p + 1] == '\r'))
            break;
          if (s[p] == '\n')
            {
              *err = TRUE;
              return FALSE;
            }
          p++;
        }
      if (p >= lx->len)
        {
          *err = TRUE;
          return FALSE;
        }
      t->s = s + lx->pos + 1;
      t->n = p - lx->pos - 1;
      t->quoted = TRUE;
      lx->pos = p + 1;
      return TRUE;
    }
  gsize p = lx->pos;
  while (p < lx->len && s[p] != ' ' && s[p] != '\t' && s[p] != '\n' && s[p] != '\r')
    p++;
  t->s = s + lx->pos;
  t->n = p - lx->pos;
  t->quoted = FALSE;
  lx->pos = p;
  return TRUE;
}

static gboolean
tok_is (const CifToken *t, const char *word)
{
  gsize n = strlen (word);
  return !t->quoted && t->n == n && g_ascii_strncasecmp (t->s, word, n) == 0;
}

static gboolean
tok_is_tag (const CifToken *t)
{
  return !t->quoted && t->n > 0 && t->s[0] == '_';
}

static gboolean
tok_is_reserved (const CifToken *t)
{
  if (t->quoted)
    return FALSE;
  return tok_is (t, "loop_") || (t->n >= 5 && g_ascii_strncasecmp (t->s, "data_", 5) == 0)
         || (t->n >= 5 && g_ascii_strncasecmp (t->s, "save_", 5) == 0)
         || tok_is (t, "stop_") || tok_is (t, "global_");
}

static void
tok_copy (const CifToken *t, char *out, gsize size)
{
  gsize n = MIN (t->n, size - 1);
  memcpy (out, t->s, n);
  out[n] = '\0';
  /* "." and "?" are null values */
  if (!t->quoted && t->n == 1 && (t->s[0] == '.' || t->s[0] == '?'))
    out[0] = '\0';
}

enum {
  COL_GROUP, COL_LABEL_ATOM, COL_AUTH_ATOM, COL_ALT, COL_LABEL_COMP, COL_AUTH_COMP,
  COL_LABEL_ASYM, COL_AUTH_ASYM, COL_LABEL_SEQ, COL_AUTH_SEQ, COL_INS, COL_X, COL_Y, COL_Z,
  COL_B, COL_MODEL, N_COLS
};
static const char *const col_names[N_COLS] = {
  "group_pdb", "label_atom_id", "auth_atom_id", "label_alt_id", "label_comp_id",
  "auth_comp_id", "label_asym_id", "auth_asym_id", "label_seq_id", "auth_seq_id",
  "pdbx_pdb_ins_code", "cartn_x", "cartn_y", "cartn_z", "b_iso_or_equiv",
  "pdbx_pdb_model_num",
};

static FlStructure *
parse_mmcif (const char *text, gsize len, const char *chain_id, GPtrArray *all,
             GPtrArray *titles, GError **error)
{
  CifLexer lx = { text, len, 0, 1, TRUE };
  CifToken t;
  gboolean err = FALSE, have_tok = FALSE, in_block = FALSE, found_atom_site = FALSE;
  ChainBuilder b;
  builder_init (&b, chain_id);
  FlStructure *result = NULL;
  GArray *row = g_array_new (FALSE, FALSE, sizeof (CifToken));

  for (;;)
    {
      if (!have_tok && !cif_next (&lx, &t, &err))
        break;
      have_tok = FALSE;
      if (!t.quoted && t.n >= 5 && g_ascii_strncasecmp (t.s, "data_", 5) == 0)
        {
          if (in_block)
            break;   /* first data block only */
          in_block = TRUE;
          continue;
        }
      if (!tok_is (&t, "loop_"))
        continue;
      /* a loop: tags, then values */
      int col[N_COLS];
      for (int c = 0; c < N_COLS; c++)
        col[c] = -1;
      int n_tags = 0, name_col = -1;
      gboolean is_atom_site = FALSE;
      while (cif_next (&lx, &t, &err) && tok_is_tag (&t))
        {
          if (tok_is (&t, "_ma_model_list.model_name"))
            name_col = n_tags;
          if (t.n > 11 && g_ascii_strncasecmp (t.s, "_atom_site.", 11) == 0)
            {
              is_atom_site = TRUE;
              for (int c = 0; c < N_COLS; c++)
                if (t.n - 11 == strlen (col_names[c])
                    && g_ascii_strncasecmp (t.s + 11, col_names[c], t.n - 11) == 0)
                  col[c] = n_tags;
            }
          n_tags++;
        }
      if (err)
        break;
      if (n_tags == 0)
        continue;
      if (!is_atom_site)
        {
          /* skip the values: t is the first non-tag token (or end);
           * keep the model names (our titles) on the way */
          for (int k = 0; !tok_is_reserved (&t) && !tok_is_tag (&t); k++)
            {
              if (titles && name_col >= 0 && k % n_tags == name_col)
                {
                  char name[256];
                  tok_copy (&t, name, sizeof name);
                  g_ptr_array_add (titles, g_strdup (name));
                }
              if (!cif_next (&lx, &t, &err))
                goto done_tokens;
            }
          have_tok = TRUE;
          continue;
        }
      found_atom_site = TRUE;
      int c_atom = col[COL_LABEL_ATOM] >= 0 ? col[COL_LABEL_ATOM] : col[COL_AUTH_ATOM];
      int c_comp = col[COL_LABEL_COMP] >= 0 ? col[COL_LABEL_COMP] : col[COL_AUTH_COMP];
      int c_asym = col[COL_AUTH_ASYM] >= 0 ? col[COL_AUTH_ASYM] : col[COL_LABEL_ASYM];
      int c_seq = col[COL_AUTH_SEQ] >= 0 ? col[COL_AUTH_SEQ] : col[COL_LABEL_SEQ];
      if (c_atom < 0 || c_comp < 0 || c_asym < 0 || c_seq < 0 || col[COL_X] < 0
          || col[COL_Y] < 0 || col[COL_Z] < 0)
        {
          g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                       "Line %d: the _atom_site loop lacks atom name, residue name, chain, "
                       "residue number or coordinate columns.", t.line);
          goto out;
        }
      char first_model[32] = "";
      gboolean have_model = FALSE, stop = FALSE;
      gboolean at_end = FALSE;
      for (;;)
        {
          /* one row: n_tags values; t already holds the first */
          g_array_set_size (row, 0);
          if (tok_is_reserved (&t) || tok_is_tag (&t))
            {
              have_tok = TRUE;
              break;
            }
          g_array_append_val (row, t);
          while ((int) row->len < n_tags)
            {
              if (!cif_next (&lx, &t, &err) || tok_is_reserved (&t) || tok_is_tag (&t))
                {
                  if (!err)
                    g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                                 "Line %d: an _atom_site row has fewer than %d values.",
                                 t.line, n_tags);
                  else
                    g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                                 "Line %d: unterminated quoted string or text field.", lx.line);
                  goto out;
                }
              g_array_append_val (row, t);
            }
          const CifToken *v = (const CifToken *) row->data;
          if (!stop)
            {
              char model[32] = "";
              if (col[COL_MODEL] >= 0)
                tok_copy (&v[col[COL_MODEL]], model, sizeof model);
              if (!have_model)
                {
                  g_strlcpy (first_model, model, sizeof first_model);
                  have_model = TRUE;
                }
              if (strcmp (model, first_model) != 0)
                {
                  if (!model_done (&b, all, &stop, error))
                    goto out;
                  g_strlcpy (first_model, model, sizeof first_model);
                }
            }
          if (!stop)
            {
              AtomRecord r;
              char buf[64], alt[8], ic[8];
              tok_copy (&v[c_atom], r.name, sizeof r.name);
              tok_copy (&v[c_comp], r.resname, sizeof r.resname);
              tok_copy (&v[c_asym], r.chain, sizeof r.chain);
              alt[0] = ic[0] = '\0';
              if (col[COL_ALT] >= 0)
                tok_copy (&v[col[COL_ALT]], alt, sizeof alt);
              if (col[COL_INS] >= 0)
                tok_copy (&v[col[COL_INS]], ic, sizeof ic);
              r.alt = alt[0] ? alt[0] : ' ';
              r.icode = ic[0] ? ic[0] : ' ';
              gboolean ok = TRUE;
              tok_copy (&v[c_seq], buf, sizeof buf);
              if (!parse_int (buf, &r.resnum))
                {
                  /* auth_seq_id may be null for some rows: fall back to label_seq_id */
                  ok = FALSE;
                  if (col[COL_LABEL_SEQ] >= 0)
                    {
                      tok_copy (&v[col[COL_LABEL_SEQ]], buf, sizeof buf);
                      ok = parse_int (buf, &r.resnum);
                    }
                }
              int cx[3] = { col[COL_X], col[COL_Y], col[COL_Z] };
              for (int k = 0; k < 3 && ok; k++)
                {
                  tok_copy (&v[cx[k]], buf, sizeof buf);
                  ok = parse_double (buf, &r.xyz[k]);
                }
              if (!ok)
                {
                  /* rows of non-polymer atoms without a residue number are fine to
                   * skip; malformed coordinates of a residue are an error */
                  if (residue_aatype (r.resname) >= 0)
                    {
                      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                                   "Line %d: malformed residue number or coordinates in "
                                   "_atom_site.", v[0].line);
                      goto out;
                    }
                }
              else
                {
                  r.b = 0.0;
                  if (col[COL_B] >= 0)
                    {
                      tok_copy (&v[col[COL_B]], buf, sizeof buf);
                      if (!parse_double (buf, &r.b))
                        r.b = 0.0;
                    }
                  builder_add (&b, &r);
                }
            }
          if (!cif_next (&lx, &t, &err))
            {
              at_end = TRUE;
              break;
            }
        }
      if (err)
        break;
      if (at_end)
        break;
    }
done_tokens:
  if (err)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                   "Line %d: unterminated quoted string or text field.", lx.line);
      goto out;
    }
  if (!found_atom_site)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY,
                   "No _atom_site loop in the mmCIF file.");
      goto out;
    }
  if (!all)
    result = builder_finish (&b, error);
  else if (b.aatype->len > 0 || all->len == 0)
    {
      gboolean stop_unused = FALSE;
      if (model_done (&b, all, &stop_unused, error))
        result = g_ptr_array_index (all, 0);
    }
  else
    result = g_ptr_array_index (all, 0);
out:
  g_array_unref (row);
  builder_clear (&b);
  return result;
}

/* ------------------------------------------------------------------ */

static FlStructureFormat
guess_format (const char *text, gsize len)
{
  gsize p = 0;
  while (p < len)
    {
      while (p < len && g_ascii_isspace (text[p]))
        p++;
      if (p < len && text[p] == '#')
        {
          while (p < len && text[p] != '\n')
            p++;
          continue;
        }
      break;
    }
  if (p + 5 <= len && g_ascii_strncasecmp (text + p, "data_", 5) == 0)
    return FL_STRUCTURE_FORMAT_MMCIF;
  return FL_STRUCTURE_FORMAT_PDB;
}

FlStructure *
fl_structure_parse (const char *text, gssize len, FlStructureFormat format,
                    const char *chain_id, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  if (memchr (text, '\0', n))
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                   "Not a text file (contains NUL bytes).");
      return NULL;
    }
  if (format == FL_STRUCTURE_FORMAT_AUTO)
    format = guess_format (text, n);
  if (format == FL_STRUCTURE_FORMAT_MMCIF)
    return parse_mmcif (text, n, chain_id, NULL, NULL, error);
  return parse_pdb (text, n, chain_id, NULL, NULL, error);
}

GPtrArray *
fl_structure_parse_models (const char *text, gssize len, FlStructureFormat format,
                           const char *chain_id, GStrv *titles_out, GError **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  gsize n = len < 0 ? strlen (text) : (gsize) len;
  if (memchr (text, '\0', n))
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                   "Not a text file (contains NUL bytes).");
      return NULL;
    }
  if (format == FL_STRUCTURE_FORMAT_AUTO)
    format = guess_format (text, n);
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_structure_free);
  g_autoptr (GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  FlStructure *first = format == FL_STRUCTURE_FORMAT_MMCIF
                       ? parse_mmcif (text, n, chain_id, all, titles, error)
                       : parse_pdb (text, n, chain_id, all, titles, error);
  if (!first)
    return NULL;
  if (titles_out)
    {
      /* one per model; names that do not match the models count are dropped */
      if (titles->len != all->len)
        g_ptr_array_set_size (titles, 0);
      while (titles->len < all->len)
        g_ptr_array_add (titles, g_strdup (""));
      g_ptr_array_add (titles, NULL);
      *titles_out = (GStrv) g_ptr_array_free (g_steal_pointer (&titles), FALSE);
    }
  return g_steal_pointer (&all);
}

static FlStructureFormat
format_from_path (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);
  if (g_str_has_suffix (lower, ".cif") || g_str_has_suffix (lower, ".mmcif"))
    return FL_STRUCTURE_FORMAT_MMCIF;
  if (g_str_has_suffix (lower, ".pdb") || g_str_has_suffix (lower, ".ent"))
    return FL_STRUCTURE_FORMAT_PDB;
  return FL_STRUCTURE_FORMAT_AUTO;
}

FlStructure *
fl_structure_read (const char *path, const char *chain_id, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  GError *e = NULL;
  if (!g_file_get_contents (path, &text, &len, &e))
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_IO,
                   "Cannot read %s: %s", path, e->message);
      g_error_free (e);
      return NULL;
    }
  FlStructure *s = fl_structure_parse (text, (gssize) len, format_from_path (path), chain_id, &e);
  if (!s)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, e->code, "%s: %s", path, e->message);
      g_error_free (e);
    }
  return s;
}

GPtrArray *
fl_structure_read_models (const char *path, const char *chain_id, GStrv *titles_out,
                          GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  GError *e = NULL;
  if (!g_file_get_contents (path, &text, &len, &e))
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_IO,
                   "Cannot read %s: %s", path, e->message);
      g_error_free (e);
      return NULL;
    }
  GPtrArray *all = fl_structure_parse_models (text, (gssize) len, format_from_path (path),
                                              chain_id, titles_out, &e);
  if (!all)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, e->code, "%s: %s", path, e->message);
      g_error_free (e);
    }
  return all;
}

/* ------------------------------------------------------------------ */
/* Writers                                                             */

static gboolean
check_models (int L, const FlStructureModel *models, int n_models, GError **error)
{
  if (L < 1 || n_models < 1 || !models)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_INVALID,
                   "Nothing to write (L = %d, %d models).", L, n_models);
      return FALSE;
    }
  for (int m = 0; m < n_models; m++)
    if (!models[m].aatype || !models[m].atom37 || !models[m].atom37_mask)
      {
        g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_INVALID,
                     "Model %d lacks aatype, positions or mask.", m + 1);
        return FALSE;
      }
  return TRUE;
}

static int
clamp_aatype (int32_t a)
{
  return (a >= 0 && a < FL_N_RESTYPES_WITH_X) ? a : FL_RESTYPE_UNK;
}

static float
model_plddt (const FlStructureModel *m, int i)
{
  if (!m->plddt || !isfinite (m->plddt[i]))
    return 0.0f;
  return CLAMP (m->plddt[i], 0.0f, 999.99f);
}

static double
pdb_coord (float x)
{
  return CLAMP ((double) x, -999.999, 9999.999);
}

static void
pdb_line (GString *out, const char *text)
{
  g_string_append_printf (out, "%-80.80s\n", text);
}

char *
fl_structure_format_pdb (const char *name, int L, const FlStructureModel *models,
                         int n_models, GError **error)
{
  if (!check_models (L, models, n_models, error))
    return NULL;
  GString *out = g_string_new (NULL);
  char buf[128];
  g_snprintf (buf, sizeof buf, "TITLE     %s", models[0].title && n_models == 1
              ? models[0].title : (name ? name : "FOLDLIGHT MODEL"));
  pdb_line (out, buf);
  pdb_line (out, "REMARK 999 WRITTEN BY FOLDLIGHT.");
  pdb_line (out, "REMARK 999 THE B-FACTOR COLUMN HOLDS PER-RESIDUE PLDDT (0-100), NOT A B-FACTOR.");
  if (n_models > 1)
    for (int m = 0; m < n_models; m++)
      {
        g_snprintf (buf, sizeof buf, "REMARK 999 MODEL %d: %s", m + 1,
                    models[m].title ? models[m].title : "");
        pdb_line (out, buf);
      }
  /* SEQRES of the first model */
  for (int i = 0; i < L; i += 13)
    {
      g_snprintf (buf, sizeof buf, "SEQRES %3d A %4d ", i / 13 + 1, L);
      GString *ln = g_string_new (buf);
      for (int k = i; k < MIN (L, i + 13); k++)
        g_string_append_printf (ln, " %3s", fl_restype_3 (clamp_aatype (models[0].aatype[k])));
      pdb_line (out, ln->str);
      g_string_free (ln, TRUE);
    }
  for (int m = 0; m < n_models; m++)
    {
      const FlStructureModel *md = &models[m];
      if (n_models > 1)
        {
          g_snprintf (buf, sizeof buf, "MODEL     %4d", m + 1);
          pdb_line (out, buf);
        }
      int serial = 1;
      for (int i = 0; i < L; i++)
        {
          int aa = clamp_aatype (md->aatype[i]);
          const char *res3 = fl_restype_3 (aa);
          float p = model_plddt (md, i);
          for (int a = 0; a < FL_N_ATOM37; a++)
            {
              if (md->atom37_mask[i * FL_N_ATOM37 + a] <= 0.0f)
                continue;
              const float *x = md->atom37 + ((gsize) i * FL_N_ATOM37 + a) * 3;
              if (!isfinite (x[0]) || !isfinite (x[1]) || !isfinite (x[2]))
                continue;
              const char *an = fl_atom37_names[a];
              g_string_append_printf (out,
                  "ATOM  %5d  %-3s %3s A%4d    %8.3f%8.3f%8.3f%6.2f%6.2f          %2s  \n",
                  serial % 100000, an, res3, (i + 1) % 10000, pdb_coord (x[0]),
                  pdb_coord (x[1]), pdb_coord (x[2]), 1.0, p, fl_atom_element (an));
              serial++;
            }
        }
      g_snprintf (buf, sizeof buf, "TER   %5d      %3s A%4d", serial % 100000,
                  fl_restype_3 (clamp_aatype (md->aatype[L - 1])), L % 10000);
      pdb_line (out, buf);
      if (n_models > 1)
        pdb_line (out, "ENDMDL");
    }
  pdb_line (out, "END");
  return g_string_free (out, FALSE);
}

/* A CIF value: bare when possible, else quoted. */
static void
cif_value (GString *out, const char *v)
{
  if (!v || !*v)
    {
      g_string_append (out, "?");
      return;
    }
  gboolean bare = TRUE;
  for (const char *p = v; *p; p++)
    if (g_ascii_isspace (*p) || *p == '\'' || *p == '"')
      bare = FALSE;
  if (strchr ("_#$'\"[];", v[0]) || g_ascii_strncasecmp (v, "data_", 5) == 0
      || g_ascii_strncasecmp (v, "loop_", 5) == 0 || strcmp (v, ".") == 0
      || strcmp (v, "?") == 0)
    bare = FALSE;
  if (bare)
    g_string_append (out, v);
  else if (!strchr (v, '\'') && !strchr (v, '\n'))
    g_string_append_printf (out, "'%s'", v);
  else if (!strchr (v, '"') && !strchr (v, '\n'))
    g_string_append_printf (out, "\"%s\"", v);
  else
    g_string_append_printf (out, "\n;%s\n;", v);
}

char *
fl_structure_format_mmcif (const char *name, int L, const FlStructureModel *models,
                           int n_models, GError **error)
{
  if (!check_models (L, models, n_models, error))
    return NULL;
  GString *out = g_string_new (NULL);
  g_autofree char *block = g_strdup (name && *name ? name : "foldlight");
  for (char *p = block; *p; p++)
    if (g_ascii_isspace (*p))
      *p = '_';
  g_string_append_printf (out, "data_%s\n#\n", block);
  g_string_append (out, "# Written by Foldlight. The B_iso_or_equiv column of _atom_site holds\n"
                        "# per-residue pLDDT (0-100), not a B-factor.\n#\n");
  g_string_append (out, "_entry.id ");
  cif_value (out, block);
  g_string_append (out, "\n#\n_struct.entry_id ");
  cif_value (out, block);
  g_string_append (out, "\n_struct.title ");
  cif_value (out, models[0].title && n_models == 1 ? models[0].title : block);
  g_string_append (out, "\n#\n");
  g_string_append (out, "loop_\n_entity.id\n_entity.type\n1 polymer\n#\n");
  g_string_append (out, "loop_\n_entity_poly.entity_id\n_entity_poly.type\n"
                        "_entity_poly.pdbx_strand_id\n_entity_poly.pdbx_seq_one_letter_code\n"
                        "1 'polypeptide(L)' A\n;");
  for (int i = 0; i < L; i++)
    g_string_append_c (out, fl_restype_1[clamp_aatype (models[0].aatype[i])]);
  g_string_append (out, "\n;\n#\n");
  g_string_append (out, "loop_\n_entity_poly_seq.entity_id\n_entity_poly_seq.num\n"
                        "_entity_poly_seq.mon_id\n_entity_poly_seq.hetero\n");
  for (int i = 0; i < L; i++)
    g_string_append_printf (out, "1 %d %s n\n", i + 1,
                            fl_restype_3 (clamp_aatype (models[0].aatype[i])));
  g_string_append (out, "#\nloop_\n_struct_asym.id\n_struct_asym.entity_id\nA 1\n#\n");
  g_string_append (out, "loop_\n_ma_model_list.ordinal_id\n_ma_model_list.model_id\n"
                        "_ma_model_list.model_name\n");
  for (int m = 0; m < n_models; m++)
    {
      g_string_append_printf (out, "%d %d ", m + 1, m + 1);
      cif_value (out, models[m].title ? models[m].title : "model");
      g_string_append_c (out, '\n');
    }
  g_string_append (out, "#\nloop_\n"
                        "_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n"
                        "_atom_site.label_atom_id\n_atom_site.label_alt_id\n"
                        "_atom_site.label_comp_id\n_atom_site.label_asym_id\n"
                        "_atom_site.label_entity_id\n_atom_site.label_seq_id\n"
                        "_atom_site.pdbx_PDB_ins_code\n_atom_site.Cartn_x\n"
                        "_atom_site.Cartn_y\n_atom_site.Cartn_z\n_atom_site.occupancy\n"
                        "_atom_site.B_iso_or_equiv\n_atom_site.auth_seq_id\n"
                        "_atom_site.auth_comp_id\n_atom_site.auth_asym_id\n"
                        "_atom_site.auth_atom_id\n_atom_site.pdbx_PDB_model_num\n");
  int serial = 1;
  for (int m = 0; m < n_models; m++)
    {
      const FlStructureModel *md = &models[m];
      for (int i = 0; i < L; i++)
        {
          const char *res3 = fl_restype_3 (clamp_aatype (md->aatype[i]));
          float p = model_plddt (md, i);
          for (int a = 0; a < FL_N_ATOM37; a++)
            {
              if (md->atom37_mask[i * FL_N_ATOM37 + a] <= 0.0f)
                continue;
              const float *x = md->atom37 + ((gsize) i * FL_N_ATOM37 + a) * 3;
              if (!isfinite (x[0]) || !isfinite (x[1]) || !isfinite (x[2]))
                continue;
              const char *an = fl_atom37_names[a];
              g_string_append_printf (out,
                  "ATOM %d %s %s . %s A 1 %d ? %.3f %.3f %.3f 1.00 %.2f %d %s A %s %d\n",
                  serial++, fl_atom_element (an), an, res3, i + 1, x[0], x[1], x[2], p,
                  i + 1, res3, an, m + 1);
            }
        }
    }
  g_string_append (out, "#\n");
  return g_string_free (out, FALSE);
}

gboolean
fl_structure_write (const char *path, FlStructureFormat format, const char *name, int L,
                    const FlStructureModel *models, int n_models, GError **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  if (format == FL_STRUCTURE_FORMAT_AUTO)
    format = format_from_path (path) == FL_STRUCTURE_FORMAT_MMCIF ? FL_STRUCTURE_FORMAT_MMCIF
                                                                   : FL_STRUCTURE_FORMAT_PDB;
  g_autofree char *text = format == FL_STRUCTURE_FORMAT_MMCIF
                              ? fl_structure_format_mmcif (name, L, models, n_models, error)
                              : fl_structure_format_pdb (name, L, models, n_models, error);
  if (!text)
    return FALSE;
  GError *e = NULL;
  if (!g_file_set_contents (path, text, -1, &e))
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_IO,
                   "Cannot write %s: %s", path, e->message);
      g_error_free (e);
      return FALSE;
    }
  return TRUE;
}
