/* Template chains from PDB and mmCIF files, read by the rules of AlphaFold's
 * templates.py (see fl-templates.h): the chain sequence, and per residue the
 * atom37 positions and masks. */
#include "fl-templates.h"
#include "fl-error.h"
#include "fl-residue-constants.h"
#include "fl-structure-io.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void
fl_template_chain_free (FlTemplateChain *c)
{
  if (!c)
    return;
  g_free (c->path);
  g_free (c->domain_name);
  g_free (c->sequence);
  g_free (c->atom37);
  g_free (c->atom37_mask);
  g_free (c);
}

/* ------------------------------------------------------------ residues */

/* One atom candidate of a residue (altlocs are resolved at the end). */
typedef struct {
  char name[8];
  float xyz[3];
  float occupancy;
} Atom;

typedef struct {
  char letter;        /* one-letter code of the sequence */
  char resname[8];
  GArray *atoms;      /* Atom, file order; NULL = no coordinates */
} Residue;

static void
residue_clear (gpointer p)
{
  Residue *r = p;
  if (r->atoms)
    g_array_unref (r->atoms);
}

/* Common modified and D-amino acids with the one-letter code AlphaFold's
 * table of the PDB's Chemical Component Dictionary gives them (mostly their
 * parent's; SEC reads as A there, PYL is not listed: X), as it reads them in
 * an mmCIF sequence (differential-test findings: SEP read as X here, S
 * there; SEC as U here). Checked name by name against that table; rarer
 * monomers still read as X. */
static const struct { char name[4]; char letter; } modified[] = {
  { "MSE", 'M' }, { "SEC", 'A' }, { "FME", 'M' },
  { "SEP", 'S' }, { "TPO", 'T' }, { "PTR", 'Y' },
  { "MLY", 'K' }, { "M3L", 'K' }, { "ALY", 'K' }, { "KCX", 'K' }, { "LLP", 'K' },
  { "CSO", 'C' }, { "CSD", 'C' }, { "CME", 'C' }, { "OCS", 'C' },
  { "HYP", 'P' }, { "CGU", 'E' },
  { "DAL", 'A' }, { "DAR", 'R' }, { "DAS", 'D' }, { "DCY", 'C' }, { "DGL", 'E' },
  { "DGN", 'Q' }, { "DHI", 'H' }, { "DIL", 'I' }, { "DLE", 'L' }, { "DLY", 'K' },
  { "DPR", 'P' }, { "DSG", 'N' }, { "DSN", 'S' }, { "DTH", 'T' },
  { "DTR", 'W' }, { "DTY", 'Y' }, { "DVA", 'V' },
};

static char
letter_of (const char *resname)
{
  for (guint i = 0; i < G_N_ELEMENTS (modified); i++)
    if (strcmp (resname, modified[i].name) == 0)
      return modified[i].letter;
  int a = fl_restype_from_3 (resname);
  return a < FL_N_RESTYPES ? fl_restype_1[a] : 'X';
}

static gboolean
is_amino_acid (const char *resname)
{
  return strcmp (resname, "MSE") == 0 || fl_restype_from_3 (resname) < FL_N_RESTYPES;
}

static void
residue_add_atom (Residue *r, const char *name, const float xyz[3], float occupancy)
{
  if (!r->atoms)
    r->atoms = g_array_new (FALSE, TRUE, sizeof (Atom));
  Atom a = { 0 };
  g_strlcpy (a.name, name, sizeof a.name);
  memcpy (a.xyz, xyz, sizeof a.xyz);
  a.occupancy = occupancy;
  g_array_append_val (r->atoms, a);
}

static float
dist2 (const float *a, const float *b)
{
  float d = 0;
  for (int k = 0; k < 3; k++)
    d += (a[k] - b[k]) * (a[k] - b[k]);
  return d;
}

/* atom37 of one residue (_get_atom_positions). */
static void
residue_atom37 (const Residue *r, float *pos /* (37,3) */, float *mask /* (37) */)
{
  memset (pos, 0, 37 * 3 * sizeof (float));
  memset (mask, 0, 37 * sizeof (float));
  if (!r->atoms)
    return;
  float best_occ[37];
  for (guint i = 0; i < r->atoms->len; i++)
    {
      const Atom *a = &g_array_index (r->atoms, Atom, i);
      const char *name = a->name;
      if (strcmp (r->resname, "MSE") == 0 && strcmp (name, "SE") == 0)
        name = "SD";
      int k = fl_atom37_index (name);
      if (k < 0)
        continue;
      /* altlocs: the highest occupancy wins, the first on a tie */
      if (mask[k] > 0 && !(a->occupancy > best_occ[k]))
        continue;
      memcpy (pos + 3 * k, a->xyz, sizeof a->xyz);
      mask[k] = 1.0f;
      best_occ[k] = a->occupancy;
    }
  if (strcmp (r->resname, "ARG") == 0)
    {
      int cd = fl_atom37_index ("CD"), nh1 = fl_atom37_index ("NH1"),
          nh2 = fl_atom37_index ("NH2");
      if (mask[cd] > 0 && mask[nh1] > 0 && mask[nh2] > 0
          && sqrtf (dist2 (pos + 3 * nh1, pos + 3 * cd)) > sqrtf (dist2 (pos + 3 * nh2, pos + 3 * cd)))
        for (int x = 0; x < 3; x++)
          {
            float t = pos[3 * nh1 + x];
            pos[3 * nh1 + x] = pos[3 * nh2 + x];
            pos[3 * nh2 + x] = t;
          }
    }
}

static FlTemplateChain *
chain_finish (const char *path, const char *chain_id, GArray *residues, GError **error)
{
  if (residues->len == 0)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY,
                   "%s: chain %s has no amino-acid residue", path,
                   chain_id && *chain_id ? chain_id : "(first)");
      return NULL;
    }
  FlTemplateChain *c = g_new0 (FlTemplateChain, 1);
  c->path = g_strdup (path);
  g_strlcpy (c->chain_id, chain_id, sizeof c->chain_id);
  c->n = residues->len;
  c->sequence = g_new0 (char, c->n + 1);
  c->atom37 = g_new0 (float, (size_t) c->n * 37 * 3);
  c->atom37_mask = g_new0 (float, (size_t) c->n * 37);
  for (int i = 0; i < c->n; i++)
    {
      const Residue *r = &g_array_index (residues, Residue, i);
      c->sequence[i] = r->letter;
      residue_atom37 (r, c->atom37 + (size_t) i * 37 * 3, c->atom37_mask + (size_t) i * 37);
    }
  g_autofree char *base = g_path_get_basename (path);
  char id[5] = { 0 };
  for (int k = 0; k < 4 && base[k] && base[k] != '.'; k++)
    id[k] = g_ascii_tolower (base[k]);
  c->domain_name = g_strdup_printf ("%s_%s", id, chain_id);
  return c;
}

/* ------------------------------------------------------------------ PDB */

static void
field (const char *line, gsize len, gsize a, gsize b, char *out, gsize size)
{
  /* columns a..b (1-based, inclusive), trimmed */
  gsize n = 0;
  for (gsize i = a - 1; i < b && i < len && n + 1 < size; i++)
    out[n++] = line[i];
  out[n] = '\0';
  g_strstrip (out);
}

static gboolean
parse_float (const char *s, float *out)
{
  char *end;
  if (!*s)
    return FALSE;
  *out = strtof (s, &end);
  return *end == '\0' && isfinite (*out);
}

static FlTemplateChain *
read_pdb (const char *path, const char *text, const char *want_chain, GError **error)
{
  g_autoptr (GArray) residues = g_array_new (FALSE, TRUE, sizeof (Residue));
  g_array_set_clear_func (residues, residue_clear);
  char chain[8] = { 0 };
  gboolean have_chain = want_chain != NULL;
  if (have_chain)
    g_strlcpy (chain, want_chain, sizeof chain);
  char last_key[32] = "";
  int line_no = 0;
  for (const char *p = text; *p;)
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl ? (gsize) (nl - p) : strlen (p);
      const char *line = p;
      p = nl ? nl + 1 : p + len;
      line_no++;
      if (len >= 6 && strncmp (line, "ENDMDL", 6) == 0)
        break;
      gboolean hetatm = len >= 6 && strncmp (line, "HETATM", 6) == 0;
      if (!hetatm && !(len >= 4 && strncmp (line, "ATOM", 4) == 0))
        continue;
      char resname[8], name[8], ch[4], seq[8], icode[4], x[16], y[16], z[16], occ[16];
      field (line, len, 18, 20, resname, sizeof resname);
      if (!is_amino_acid (resname))
        continue;
      field (line, len, 22, 22, ch, sizeof ch);
      if (!have_chain)
        {
          g_strlcpy (chain, ch, sizeof chain);
          have_chain = TRUE;
        }
      if (strcmp (ch, chain) != 0)
        continue;
      field (line, len, 13, 16, name, sizeof name);
      field (line, len, 23, 26, seq, sizeof seq);
      field (line, len, 27, 27, icode, sizeof icode);
      field (line, len, 31, 38, x, sizeof x);
      field (line, len, 39, 46, y, sizeof y);
      field (line, len, 47, 54, z, sizeof z);
      field (line, len, 55, 60, occ, sizeof occ);
      float xyz[3], o = 1.0f;
      if (!parse_float (x, &xyz[0]) || !parse_float (y, &xyz[1]) || !parse_float (z, &xyz[2])
          || (*occ && !parse_float (occ, &o)) || !*seq)
        {
          g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                       "%s:%d: malformed atom record", path, line_no);
          return NULL;
        }
      char key[32];
      g_snprintf (key, sizeof key, "%c|%s|%s", hetatm ? 'H' : 'A', seq, icode);
      if (residues->len == 0 || strcmp (key, last_key) != 0)
        {
          /* a new residue where the (record kind, resSeq, iCode) key changes */
          Residue r = { 0 };
          r.letter = letter_of (resname);
          g_strlcpy (r.resname, resname, sizeof r.resname);
          g_array_append_val (residues, r);
          g_strlcpy (last_key, key, sizeof last_key);
        }
      residue_add_atom (&g_array_index (residues, Residue, residues->len - 1), name, xyz, o);
    }
  return chain_finish (path, chain, residues, error);
}

/* ---------------------------------------------------------------- mmCIF */

/* A category: column names and a flat table of values (rows x columns). */
typedef struct {
  GPtrArray *cols;    /* char* without the "_cat." prefix */
  GPtrArray *values;  /* char* */
} CifTable;

static void
cif_table_free (gpointer p)
{
  CifTable *t = p;
  g_ptr_array_unref (t->cols);
  g_ptr_array_unref (t->values);
  g_free (t);
}

static int
cif_col (const CifTable *t, const char *name)
{
  for (guint i = 0; t && i < t->cols->len; i++)
    if (strcmp (g_ptr_array_index (t->cols, i), name) == 0)
      return (int) i;
  return -1;
}

static guint
cif_rows (const CifTable *t)
{
  return t && t->cols->len ? t->values->len / t->cols->len : 0;
}

static const char *
cif_get (const CifTable *t, guint row, int col)
{
  return col < 0 ? "?" : g_ptr_array_index (t->values, row * t->cols->len + col);
}

/* Next token; NULL at the end. Sets *err on an unterminated text field. */
static char *
cif_token (const char **pp, gboolean *is_value_quoted, gboolean *err)
{
  const char *p = *pp;
  *is_value_quoted = FALSE;
  for (;;)
    {
      while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
      if (*p == '#')
        {
          while (*p && *p != '\n')
            p++;
          continue;
        }
      break;
    }
  if (!*p)
    {
      *pp = p;
      return NULL;
    }
  char *tok;
  if (*p == ';' && (p == *pp || p[-1] == '\n'))
    {
      const char *end = strstr (p + 1, "\n;");
      if (!end)
        {
          *err = TRUE;
          *pp = p + strlen (p);
          return NULL;
        }
      tok = g_strndup (p + 1, end - p - 1);
      p = end + 2;
      *is_value_quoted = TRUE;
    }
  else if (*p == '\'' || *p == '"')
    {
      char q = *p;
      const char *s = p + 1, *e = s;
      while (*e && !(*e == q && (e[1] == '\0' || g_ascii_isspace (e[1]))))
        e++;
      tok = g_strndup (s, e - s);
      p = *e ? e + 1 : e;
      *is_value_quoted = TRUE;
    }
  else
    {
      const char *s = p;
      while (*p && !g_ascii_isspace (*p))
        p++;
      tok = g_strndup (s, p - s);
    }
  *pp = p;
  return tok;
}

/* Categories _atom_site, _entity_poly_seq and _struct_asym (loops or
 * single items) of the first data block. */
static GHashTable *
cif_read (const char *path, const char *text, GError **error)
{
  static const char *const wanted[] = { "_atom_site", "_entity_poly_seq", "_struct_asym" };
  GHashTable *cats = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, cif_table_free);
  const char *p = text;
  gboolean err = FALSE, quoted;
  char *tok = cif_token (&p, &quoted, &err);
  while (tok)
    {
      if (!quoted && g_ascii_strcasecmp (tok, "loop_") == 0)
        {
          g_free (tok);
          CifTable *t = NULL;
          char cat[64] = "";
          g_autoptr (GPtrArray) cols = g_ptr_array_new_with_free_func (g_free);
          while ((tok = cif_token (&p, &quoted, &err)) && !quoted && tok[0] == '_')
            {
              const char *dot = strchr (tok, '.');
              if (dot)
                {
                  g_strlcpy (cat, tok, MIN ((gsize) (dot - tok + 1), sizeof cat));
                  g_ptr_array_add (cols, g_strdup (dot + 1));
                }
              g_free (tok);
            }
          gboolean keep = FALSE;
          for (gsize k = 0; k < G_N_ELEMENTS (wanted); k++)
            keep |= strcmp (cat, wanted[k]) == 0 && !g_hash_table_contains (cats, cat);
          if (keep)
            {
              t = g_new0 (CifTable, 1);
              t->cols = g_ptr_array_ref (cols);
              t->values = g_ptr_array_new_with_free_func (g_free);
              g_hash_table_insert (cats, g_strdup (cat), t);
            }
          while (tok && (quoted || (tok[0] != '_' && g_ascii_strcasecmp (tok, "loop_") != 0
                                    && g_ascii_strncasecmp (tok, "data_", 5) != 0)))
            {
              if (t)
                g_ptr_array_add (t->values, tok);
              else
                g_free (tok);
              tok = cif_token (&p, &quoted, &err);
            }
          if (t && cols->len && t->values->len % cols->len != 0)
            {
              g_free (tok);
              g_hash_table_unref (cats);
              g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                           "%s: the %s loop has %u values for %u columns", path, cat,
                           t->values->len, cols->len);
              return NULL;
            }
          continue;
        }
      if (!quoted && tok[0] == '_' && strchr (tok, '.'))
        {
          const char *dot = strchr (tok, '.');
          char cat[64];
          g_strlcpy (cat, tok, MIN ((gsize) (dot - tok + 1), sizeof cat));
          char *value = cif_token (&p, &quoted, &err);
          gboolean keep = FALSE;
          for (gsize k = 0; k < G_N_ELEMENTS (wanted); k++)
            keep |= strcmp (cat, wanted[k]) == 0;
          if (keep && value)
            {
              CifTable *t = g_hash_table_lookup (cats, cat);
              if (!t)
                {
                  t = g_new0 (CifTable, 1);
                  t->cols = g_ptr_array_new_with_free_func (g_free);
                  t->values = g_ptr_array_new_with_free_func (g_free);
                  g_hash_table_insert (cats, g_strdup (cat), t);
                }
              g_ptr_array_add (t->cols, g_strdup (dot + 1));
              g_ptr_array_add (t->values, value);
              value = NULL;
            }
          g_free (value);
        }
      else if (!quoted && g_ascii_strncasecmp (tok, "data_", 5) == 0
               && g_hash_table_size (cats) > 0)
        {
          g_free (tok);
          break;   /* the first data block only */
        }
      g_free (tok);
      tok = cif_token (&p, &quoted, &err);
    }
  if (err)
    {
      g_hash_table_unref (cats);
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                   "%s: unterminated text field", path);
      return NULL;
    }
  return cats;
}

static FlTemplateChain *
read_mmcif_tables (const char *path, GHashTable *cats, const char *want_chain, GError **error)
{
  CifTable *as = g_hash_table_lookup (cats, "_atom_site");
  CifTable *ps = g_hash_table_lookup (cats, "_entity_poly_seq");
  CifTable *sa = g_hash_table_lookup (cats, "_struct_asym");
  int c_auth = cif_col (as, "auth_asym_id"), c_seq = cif_col (as, "label_seq_id"),
      c_atom = cif_col (as, "label_atom_id"), c_x = cif_col (as, "Cartn_x"),
      c_y = cif_col (as, "Cartn_y"), c_z = cif_col (as, "Cartn_z"),
      c_occ = cif_col (as, "occupancy"), c_model = cif_col (as, "pdbx_PDB_model_num"),
      c_ent = cif_col (as, "label_entity_id"), c_asym = cif_col (as, "label_asym_id");
  int p_ent = cif_col (ps, "entity_id"), p_num = cif_col (ps, "num"),
      p_mon = cif_col (ps, "mon_id");
  if (!as || !ps || c_auth < 0 || c_seq < 0 || c_atom < 0 || c_x < 0 || c_y < 0 || c_z < 0
      || (c_ent < 0 && c_asym < 0) || p_ent < 0 || p_num < 0 || p_mon < 0)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                   "%s: an mmCIF template needs _atom_site (auth_asym_id, label_seq_id, "
                   "label_atom_id, Cartn_x/y/z, label_entity_id) and _entity_poly_seq", path);
      return NULL;
    }

  /* the chain and its entity: the first polymer atom of the chain */
  const char *first_model = NULL;
  char chain[8] = "";
  const char *entity = NULL;
  for (guint r = 0; r < cif_rows (as) && !entity; r++)
    {
      if (strcmp (cif_get (as, r, c_seq), ".") == 0 || strcmp (cif_get (as, r, c_seq), "?") == 0)
        continue;
      if (want_chain && strcmp (cif_get (as, r, c_auth), want_chain) != 0)
        continue;
      g_strlcpy (chain, cif_get (as, r, c_auth), sizeof chain);
      if (c_ent >= 0)
        entity = cif_get (as, r, c_ent);
      else
        {
          int s_id = cif_col (sa, "id"), s_ent = cif_col (sa, "entity_id");
          for (guint k = 0; k < cif_rows (sa) && s_id >= 0 && s_ent >= 0; k++)
            if (strcmp (cif_get (sa, k, s_id), cif_get (as, r, c_asym)) == 0)
              entity = cif_get (sa, k, s_ent);
        }
      first_model = c_model >= 0 ? cif_get (as, r, c_model) : NULL;
    }
  if (!entity)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY,
                   "%s: no polymer chain %s", path, want_chain ? want_chain : "");
      return NULL;
    }
  /* the model: "1" when present, else the first one listed */
  for (guint r = 0; r < cif_rows (as) && c_model >= 0; r++)
    if (strcmp (cif_get (as, r, c_model), "1") == 0)
      first_model = "1";

  /* the sequence: _entity_poly_seq of the entity, index = num - min(num) */
  int min_num = G_MAXINT, max_num = G_MININT;
  for (guint k = 0; k < cif_rows (ps); k++)
    if (strcmp (cif_get (ps, k, p_ent), entity) == 0)
      {
        int num = atoi (cif_get (ps, k, p_num));
        min_num = MIN (min_num, num);
        max_num = MAX (max_num, num);
      }
  if (min_num > max_num || max_num - min_num > 100000)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY,
                   "%s: entity %s of chain %s has no usable _entity_poly_seq", path, entity, chain);
      return NULL;
    }
  g_autoptr (GArray) residues = g_array_new (FALSE, TRUE, sizeof (Residue));
  g_array_set_clear_func (residues, residue_clear);
  g_array_set_size (residues, max_num - min_num + 1);
  for (guint k = 0; k < cif_rows (ps); k++)
    if (strcmp (cif_get (ps, k, p_ent), entity) == 0)
      {
        Residue *r = &g_array_index (residues, Residue, atoi (cif_get (ps, k, p_num)) - min_num);
        if (r->letter)
          continue;   /* microheterogeneity: the first monomer listed */
        g_strlcpy (r->resname, cif_get (ps, k, p_mon), sizeof r->resname);
        r->letter = letter_of (r->resname);
      }
  for (guint i = 0; i < residues->len; i++)
    if (!g_array_index (residues, Residue, i).letter)
      {
        g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                     "%s: _entity_poly_seq of entity %s has no monomer %d", path, entity,
                     min_num + (int) i);
        return NULL;
      }

  for (guint r = 0; r < cif_rows (as); r++)
    {
      if (strcmp (cif_get (as, r, c_auth), chain) != 0
          || (first_model && strcmp (cif_get (as, r, c_model), first_model) != 0))
        continue;
      const char *seq = cif_get (as, r, c_seq);
      if (strcmp (seq, ".") == 0 || strcmp (seq, "?") == 0)
        continue;
      int idx = atoi (seq) - min_num;
      if (idx < 0 || idx >= (int) residues->len)
        continue;
      float xyz[3], occ = 1.0f;
      if (!parse_float (cif_get (as, r, c_x), &xyz[0]) || !parse_float (cif_get (as, r, c_y), &xyz[1])
          || !parse_float (cif_get (as, r, c_z), &xyz[2])
          || (c_occ >= 0 && !parse_float (cif_get (as, r, c_occ), &occ)))
        {
          g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                       "%s: _atom_site row %u has malformed coordinates", path, r + 1);
          return NULL;
        }
      residue_add_atom (&g_array_index (residues, Residue, idx), cif_get (as, r, c_atom), xyz, occ);
    }
  return chain_finish (path, chain, residues, error);
}

static FlTemplateChain *
read_mmcif (const char *path, const char *text, const char *want_chain, GError **error)
{
  g_autoptr (GHashTable) cats = cif_read (path, text, error);
  return cats ? read_mmcif_tables (path, cats, want_chain, error) : NULL;
}

/* ------------------------------------------------------------ chain lists */

static void
add_chain_id (GPtrArray *ids, const char *id)
{
  for (guint k = 0; k < ids->len; k++)
    if (strcmp (g_ptr_array_index (ids, k), id) == 0)
      return;
  g_ptr_array_add (ids, g_strdup (id));
}

/* Chain ids with an amino-acid residue in the first model, in file order. */
static GPtrArray *
pdb_chain_ids (const char *text)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  for (const char *p = text; *p;)
    {
      const char *nl = strchr (p, '\n');
      gsize len = nl ? (gsize) (nl - p) : strlen (p);
      const char *line = p;
      p = nl ? nl + 1 : p + len;
      if (len >= 6 && strncmp (line, "ENDMDL", 6) == 0)
        break;
      if (!(len >= 6 && strncmp (line, "HETATM", 6) == 0) && !(len >= 4 && strncmp (line, "ATOM", 4) == 0))
        continue;
      char resname[8], ch[4];
      field (line, len, 18, 20, resname, sizeof resname);
      field (line, len, 22, 22, ch, sizeof ch);
      if (is_amino_acid (resname))
        add_chain_id (ids, ch);
    }
  return ids;
}

/* auth_asym_id of the polymer atoms (label_seq_id set), in file order. */
static GPtrArray *
cif_chain_ids (GHashTable *cats)
{
  GPtrArray *ids = g_ptr_array_new_with_free_func (g_free);
  CifTable *as = g_hash_table_lookup (cats, "_atom_site");
  int c_auth = cif_col (as, "auth_asym_id"), c_seq = cif_col (as, "label_seq_id");
  for (guint r = 0; as && c_auth >= 0 && c_seq >= 0 && r < cif_rows (as); r++)
    {
      const char *seq = cif_get (as, r, c_seq);
      if (strcmp (seq, ".") != 0 && strcmp (seq, "?") != 0)
        add_chain_id (ids, cif_get (as, r, c_auth));
    }
  return ids;
}

/* The whole template file, or NULL with an error naming it. */
static char *
read_template_text (const char *path, GError **error)
{
  char *text = NULL;
  GError *local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_IO,
                   "cannot read template %s: %s", path, local->message);
      g_error_free (local);
      return NULL;
    }
  return text;
}

GPtrArray *
fl_template_chains_read (const char *path, GError **error)
{
  g_autofree char *text = read_template_text (path, error);
  if (!text)
    return NULL;
  gboolean cif = g_str_has_suffix (path, ".cif") || g_str_has_suffix (path, ".mmcif")
                 || g_str_has_suffix (path, ".CIF") || strncmp (text, "data_", 5) == 0;
  g_autoptr (GHashTable) cats = cif ? cif_read (path, text, error) : NULL;
  if (cif && !cats)
    return NULL;
  g_autoptr (GPtrArray) ids = cif ? cif_chain_ids (cats) : pdb_chain_ids (text);
  if (ids->len == 0)
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_EMPTY,
                   "%s: no protein chain (no amino-acid atom records)", path);
      return NULL;
    }
  g_autoptr (GPtrArray) chains = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_template_chain_free);
  for (guint k = 0; k < ids->len; k++)
    {
      const char *id = g_ptr_array_index (ids, k);
      FlTemplateChain *c = cif ? read_mmcif_tables (path, cats, id, error)
                               : read_pdb (path, text, id, error);
      if (!c)
        return NULL;
      g_ptr_array_add (chains, c);
    }
  return g_steal_pointer (&chains);
}

FlTemplateChain *
fl_template_chain_copy (const FlTemplateChain *c)
{
  FlTemplateChain *d = g_new0 (FlTemplateChain, 1);
  d->path = g_strdup (c->path);
  memcpy (d->chain_id, c->chain_id, sizeof d->chain_id);
  d->domain_name = g_strdup (c->domain_name);
  d->n = c->n;
  d->sequence = g_strdup (c->sequence);
  d->atom37 = g_memdup2 (c->atom37, (gsize) c->n * 37 * 3 * sizeof (float));
  d->atom37_mask = g_memdup2 (c->atom37_mask, (gsize) c->n * 37 * sizeof (float));
  return d;
}

FlTemplateChain *
fl_template_chain_read (const char *path, const char *chain_id, GError **error)
{
  g_autofree char *text = read_template_text (path, error);
  if (!text)
    return NULL;
  if (chain_id && (!*chain_id || strlen (chain_id) > 4))
    {
      g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_INVALID,
                   "%s: '%s' is not a chain id", path, chain_id);
      return NULL;
    }
  gboolean cif = g_str_has_suffix (path, ".cif") || g_str_has_suffix (path, ".mmcif")
                 || g_str_has_suffix (path, ".CIF") || strncmp (text, "data_", 5) == 0;
  return cif ? read_mmcif (path, text, chain_id, error) : read_pdb (path, text, chain_id, error);
}
