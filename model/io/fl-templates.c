/* Template hits (alignment files, global alignment) and the template
 * features of AlphaFold's templates.py and input pipeline (golden README
 * "Templates", steps 3-5). */
#include "fl-templates.h"
#include "fl-error.h"
#include "fl-residue-constants.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void
fl_template_hit_free (FlTemplateHit *hit)
{
  if (!hit)
    return;
  fl_template_chain_free (hit->chain);
  g_free (hit->query_to_template);
  g_free (hit);
}

FlTemplateHit *
fl_template_hit_copy (const FlTemplateHit *hit)
{
  FlTemplateHit *d = g_new0 (FlTemplateHit, 1);
  d->chain = fl_template_chain_copy (hit->chain);
  d->L = hit->L;
  d->query_to_template = g_memdup2 (hit->query_to_template, (gsize) hit->L * sizeof (int32_t));
  d->sum_probs = hit->sum_probs;
  return d;
}

void
fl_template_hit_count (const FlTemplateHit *hit, const char *query, int *aligned, int *identical)
{
  int a = 0, same = 0;
  gsize qn = query ? strlen (query) : 0;
  for (int i = 0; i < hit->L; i++)
    {
      int j = hit->query_to_template[i];
      if (j < 0 || j >= hit->chain->n)
        continue;
      a++;
      same += (gsize) i < qn && g_ascii_toupper (query[i]) == hit->chain->sequence[j];
    }
  if (aligned)
    *aligned = a;
  if (identical)
    *identical = same;
}

void
fl_template_features_free (FlTemplateFeatures *tf)
{
  if (!tf)
    return;
  g_free (tf->aatype);
  g_free (tf->all_atom_positions);
  g_free (tf->all_atom_masks);
  g_free (tf->template_mask);
  g_free (tf->pseudo_beta);
  g_free (tf->pseudo_beta_mask);
  g_free (tf->sum_probs);
  g_free (tf->query_to_template);
  g_strfreev (tf->domain_names);
  g_free (tf);
}

/* template_aatype of a letter: HHblits' letter table mapped to ours
 * (B->D, Z->E, U->C, J/O/X->X, '-' -> gap). */
static int
template_aatype_of (char c)
{
  switch (c)
    {
    case '-': return FL_TEMPLATE_GAP;
    case 'B': return 3;   /* D */
    case 'Z': return 6;   /* E */
    case 'U': return 4;   /* C */
    default:
      {
        const char *p = c ? strchr (fl_restype_1, c) : NULL;
        return p ? (int) (p - fl_restype_1) : FL_RESTYPE_UNK;
      }
    }
}

/* ------------------------------------------------------ alignment file */

static const char *
kv (char **fields, const char *key)
{
  gsize n = strlen (key);
  for (int i = 0; fields[i]; i++)
    if (strncmp (fields[i], key, n) == 0 && fields[i][n] == '=')
      return fields[i] + n + 1;
  return NULL;
}

GPtrArray *
fl_template_alignment_load (const char *path, const char *query, const char *template_dir,
                            GError **error)
{
  g_autofree char *text = NULL;
  GError *local = NULL;
  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
                   "cannot read template alignment %s: %s", path, local->message);
      g_error_free (local);
      return NULL;
    }
  const int L = (int) strlen (query);
  g_autofree char *dir = g_path_get_dirname (path);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_template_hit_free);
  GHashTable *headers = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr (GPtrArray) header_store = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  gboolean seen_column_line = FALSE, ok = TRUE;

#define FAIL(...) G_STMT_START { \
    g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE, __VA_ARGS__); \
    ok = FALSE; goto out; } G_STMT_END

  for (int ln = 0; lines[ln]; ln++)
    {
      char *line = g_strchomp (lines[ln]);
      if (!*line)
        continue;
      g_auto (GStrv) f = g_strsplit (line, "\t", -1);
      if (line[0] == '#')
        {
          if (strcmp (f[0], "# query") == 0 && f[1] && strcmp (f[1], query) != 0)
            FAIL ("%s: the alignment is for query %s, not %s", path, f[1], query);
          int t;
          char extra[8];
          if (sscanf (f[0], "# template %d%7s", &t, extra) == 1 && t >= 0 && kv (f, "file"))
            {
              g_ptr_array_add (header_store, g_strdupv (f));
              g_hash_table_insert (headers, GINT_TO_POINTER (t + 1),
                                   g_ptr_array_index (header_store, header_store->len - 1));
            }
          continue;
        }
      if (!seen_column_line)
        {
          seen_column_line = TRUE;
          if (strcmp (f[0], "template") == 0)
            continue;
        }
      if (g_strv_length (f) < 7)
        FAIL ("%s:%d: expected 9 tab-separated columns (template, file, chain, "
              "query_index, query_aa, template_index, template_aa, ...)", path, ln + 1);
      char *end;
      long t = strtol (f[0], &end, 10);
      gboolean bad = end == f[0] || *end != '\0';
      long qi = strtol (f[3], &end, 10);
      bad |= end == f[3] || *end != '\0';
      long ti = strtol (f[5], &end, 10);
      bad |= end == f[5] || *end != '\0';
      if (bad || t < 0 || qi < 0 || qi >= L || ti < 0)
        FAIL ("%s:%d: bad template, query_index or template_index (query length %d)",
              path, ln + 1, L);
      if (f[4][0] != query[qi])
        FAIL ("%s:%d: query_aa %s differs from the query's %c at %ld", path, ln + 1, f[4],
              query[qi], qi);
      /* a new template starts when the index changes */
      FlTemplateHit *hit = hits->len ? g_ptr_array_index (hits, hits->len - 1) : NULL;
      if (!hit || (long) hits->len - 1 != t)
        {
          if (t != (long) hits->len)
            FAIL ("%s:%d: template %ld follows template %u (templates must be listed "
                  "in order from 0)", path, ln + 1, t, hits->len ? hits->len - 1 : 0);
          char **h = g_hash_table_lookup (headers, GINT_TO_POINTER (t + 1));
          const char *file = h ? kv (h, "file") : f[1];
          const char *chain = h && kv (h, "chain") ? kv (h, "chain") : f[2];
          g_autofree char *full = g_path_is_absolute (file) ? g_strdup (file)
                                                            : g_build_filename (dir, file, NULL);
          if (!g_file_test (full, G_FILE_TEST_EXISTS) && template_dir)
            {
              g_free (full);
              full = g_build_filename (template_dir, file, NULL);
            }
          FlTemplateChain *c = fl_template_chain_read (full, chain, error);
          if (!c)
            {
              ok = FALSE;
              goto out;
            }
          const char *cs = h ? kv (h, "chain_sequence") : NULL;
          if (cs && strcmp (cs, c->sequence) != 0)
            {
              g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                           "%s: template %ld: chain %s of %s reads as %s, the alignment "
                           "says %s", path, t, chain, full, c->sequence, cs);
              fl_template_chain_free (c);
              ok = FALSE;
              goto out;
            }
          hit = g_new0 (FlTemplateHit, 1);
          hit->chain = c;
          hit->L = L;
          hit->query_to_template = g_new (int32_t, L);
          for (int i = 0; i < L; i++)
            hit->query_to_template[i] = -1;
          const char *sp = h ? kv (h, "sum_probs") : NULL;
          hit->sum_probs = sp ? strtof (sp, NULL) : 0.0f;
          g_ptr_array_add (hits, hit);
        }
      if (ti >= hit->chain->n || f[6][0] != hit->chain->sequence[ti])
        FAIL ("%s:%d: template_index %ld (%s) is not in chain %s (%d residues)", path, ln + 1,
              ti, f[6], hit->chain->chain_id, hit->chain->n);
      if (hit->query_to_template[qi] >= 0)
        FAIL ("%s:%d: query_index %ld is aligned twice in template %ld", path, ln + 1, qi, t);
      hit->query_to_template[qi] = (int32_t) ti;
    }
  if (hits->len == 0)
    FAIL ("%s: no aligned template position", path);
#undef FAIL
out:
  g_hash_table_unref (headers);
  return ok ? g_steal_pointer (&hits) : NULL;
}

/* ------------------------------------------------------ global alignment */

/* BLOSUM62 in the order ARNDCQEGHILKMFPSTWYV (X scores -1 with anything). */
static const signed char blosum62[20][20] = {
  { 4,-1,-2,-2, 0,-1,-1, 0,-2,-1,-1,-1,-1,-2,-1, 1, 0,-3,-2, 0},
  {-1, 5, 0,-2,-3, 1, 0,-2, 0,-3,-2, 2,-1,-3,-2,-1,-1,-3,-2,-3},
  {-2, 0, 6, 1,-3, 0, 0, 0, 1,-3,-3, 0,-2,-3,-2, 1, 0,-4,-2,-3},
  {-2,-2, 1, 6,-3, 0, 2,-1,-1,-3,-4,-1,-3,-3,-1, 0,-1,-4,-3,-3},
  { 0,-3,-3,-3, 9,-3,-4,-3,-3,-1,-1,-3,-1,-2,-3,-1,-1,-2,-2,-1},
  {-1, 1, 0, 0,-3, 5, 2,-2, 0,-3,-2, 1, 0,-3,-1, 0,-1,-2,-1,-2},
  {-1, 0, 0, 2,-4, 2, 5,-2, 0,-3,-3, 1,-2,-3,-1, 0,-1,-3,-2,-2},
  { 0,-2, 0,-1,-3,-2,-2, 6,-2,-4,-4,-2,-3,-3,-2, 0,-2,-2,-3,-3},
  {-2, 0, 1,-1,-3, 0, 0,-2, 8,-3,-3,-1,-2,-1,-2,-1,-2,-2, 2,-3},
  {-1,-3,-3,-3,-1,-3,-3,-4,-3, 4, 2,-3, 1, 0,-3,-2,-1,-3,-1, 3},
  {-1,-2,-3,-4,-1,-2,-3,-4,-3, 2, 4,-2, 2, 0,-3,-2,-1,-2,-1, 1},
  {-1, 2, 0,-1,-3, 1, 1,-2,-1,-3,-2, 5,-1,-3,-1, 0,-1,-3,-2,-2},
  {-1,-1,-2,-3,-1, 0,-2,-3,-2, 1, 2,-1, 5, 0,-2,-1,-1,-1,-1, 1},
  {-2,-3,-3,-3,-2,-3,-3,-3,-1, 0, 0,-3, 0, 6,-4,-2,-2, 1, 3,-1},
  {-1,-2,-2,-1,-3,-1,-1,-2,-2,-3,-3,-1,-2,-4, 7,-1,-1,-4,-3,-2},
  { 1,-1, 1, 0,-1, 0, 0, 0,-1,-2,-2, 0,-1,-2,-1, 4, 1,-3,-2,-2},
  { 0,-1, 0,-1,-1,-1,-1,-2,-2,-1,-1,-1,-1,-2,-1, 1, 5,-2,-2, 0},
  {-3,-3,-4,-4,-2,-2,-3,-2,-2,-3,-2,-3,-1, 1,-4,-3,-2,11, 2,-3},
  {-2,-2,-2,-3,-2,-1,-2,-3, 2,-1,-1,-2,-1, 3,-3,-2,-2, 2, 7,-1},
  { 0,-3,-3,-3,-1,-2,-2,-3,-3, 3, 1,-2, 1,-1,-2,-2, 0,-3,-1, 4},
};

static int
score (char a, char b)
{
  int x = template_aatype_of (a), y = template_aatype_of (b);
  if (x >= 20 || y >= 20)
    return -1;
  return blosum62[x][y];
}

#define GAP_OPEN 11
#define GAP_EXTEND 1
#define NEG_INF (G_MININT / 4)

/* Gotoh's affine-gap global alignment with free end gaps: map[i] = the
 * template residue aligned to query i, or -1. */
static gboolean
global_align (const char *q, int n, const char *t, int m, int32_t *map, GError **error)
{
  if ((gint64) (n + 1) * (m + 1) > 200000000)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "query (%d) x template (%d) is too large to align here; give an "
                   "alignment file instead", n, m);
      return FALSE;
    }
  const size_t W = (size_t) m + 1;
  /* three states: M (pair), X (gap in template: query residue unaligned), Y */
  g_autofree int *M = g_new (int, (size_t) (n + 1) * W);
  g_autofree int *X = g_new (int, (size_t) (n + 1) * W);
  g_autofree int *Y = g_new (int, (size_t) (n + 1) * W);
  for (int i = 0; i <= n; i++)
    for (int j = 0; j <= m; j++)
      {
        size_t k = i * W + j;
        if (i == 0 || j == 0)
          {
            /* free end gaps */
            M[k] = (i == 0 && j == 0) ? 0 : NEG_INF;
            X[k] = i > 0 && j == 0 ? 0 : NEG_INF;
            Y[k] = j > 0 && i == 0 ? 0 : NEG_INF;
            continue;
          }
        size_t d = (i - 1) * W + (j - 1);
        int best = MAX (M[d], MAX (X[d], Y[d]));
        M[k] = best + score (q[i - 1], t[j - 1]);
        size_t u = (i - 1) * W + j;   /* query residue i-1 against a gap */
        int ext_x = j == m ? 0 : GAP_EXTEND, open_x = j == m ? 0 : GAP_OPEN;
        X[k] = MAX (M[u] - open_x, MAX (X[u] - ext_x, Y[u] - open_x));
        size_t l = i * W + (j - 1);   /* template residue j-1 against a gap */
        int ext_y = i == n ? 0 : GAP_EXTEND, open_y = i == n ? 0 : GAP_OPEN;
        Y[k] = MAX (M[l] - open_y, MAX (Y[l] - ext_y, X[l] - open_y));
      }
  for (int i = 0; i < n; i++)
    map[i] = -1;
  int i = n, j = m;
  size_t k = i * W + j;
  int state = M[k] >= X[k] && M[k] >= Y[k] ? 0 : X[k] >= Y[k] ? 1 : 2;
  while (i > 0 && j > 0)
    {
      k = i * W + j;
      if (state == 0)
        {
          map[i - 1] = j - 1;
          size_t d = (i - 1) * W + (j - 1);
          int prev = M[k] - score (q[i - 1], t[j - 1]);
          state = M[d] == prev ? 0 : X[d] == prev ? 1 : 2;
          i--, j--;
        }
      else if (state == 1)
        {
          size_t u = (i - 1) * W + j;
          int ext = j == m ? 0 : GAP_EXTEND, open = j == m ? 0 : GAP_OPEN;
          if (X[k] == X[u] - ext)
            state = 1;
          else if (X[k] == M[u] - open)
            state = 0;
          else
            state = 2;
          i--;
        }
      else
        {
          size_t l = i * W + (j - 1);
          int ext = i == n ? 0 : GAP_EXTEND, open = i == n ? 0 : GAP_OPEN;
          if (Y[k] == Y[l] - ext)
            state = 2;
          else if (Y[k] == M[l] - open)
            state = 0;
          else
            state = 1;
          j--;
        }
    }
  return TRUE;
}

FlTemplateHit *
fl_template_hit_align (FlTemplateChain *chain, const char *query, GError **error)
{
  g_autoptr (FlTemplateChain) c = chain;
  const int L = (int) strlen (query);
  if (L == 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY, "empty query sequence");
      return NULL;
    }
  g_autofree int32_t *map = g_new (int32_t, L);
  if (!global_align (query, L, c->sequence, c->n, map, error))
    return NULL;
  FlTemplateHit *hit = g_new0 (FlTemplateHit, 1);
  hit->L = L;
  hit->query_to_template = g_steal_pointer (&map);
  int aligned = 0;
  for (int i = 0; i < L; i++)
    aligned += hit->query_to_template[i] >= 0;
  hit->sum_probs = (float) aligned;
  hit->chain = g_steal_pointer (&c);
  return hit;
}

void
fl_template_hit_alignment_strings (const FlTemplateHit *hit, const char *query,
                                   char **query_row, char **template_row)
{
  GString *qs = g_string_new (NULL), *ts = g_string_new (NULL);
  int next_t = 0;
  for (int i = 0; i < hit->L; i++)
    {
      int j = hit->query_to_template[i];
      if (j >= 0)
        {
          for (; next_t < j; next_t++)
            {
              g_string_append_c (qs, '-');
              g_string_append_c (ts, hit->chain->sequence[next_t]);
            }
          next_t = j + 1;
        }
      g_string_append_c (qs, query[i]);
      g_string_append_c (ts, j >= 0 ? hit->chain->sequence[j] : '-');
    }
  for (; next_t < hit->chain->n; next_t++)
    {
      g_string_append_c (qs, '-');
      g_string_append_c (ts, hit->chain->sequence[next_t]);
    }
  *query_row = g_string_free (qs, FALSE);
  *template_row = g_string_free (ts, FALSE);
}

/* ------------------------------------------------------------ features */

FlTemplateFeatures *
fl_template_features_build (GPtrArray *hits, int L, int max_templates, GError **error)
{
  if (L <= 0 || max_templates <= 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "templates need a query and max_templates > 0");
      return NULL;
    }
  const int T = max_templates;
  const int n = MIN ((int) (hits ? hits->len : 0), T);
  FlTemplateFeatures *tf = g_new0 (FlTemplateFeatures, 1);
  tf->L = L;
  tf->T = T;
  tf->n_real = n;
  tf->aatype = g_new0 (int32_t, (size_t) T * L);
  tf->all_atom_positions = g_new0 (float, (size_t) T * L * 37 * 3);
  tf->all_atom_masks = g_new0 (float, (size_t) T * L * 37);
  tf->template_mask = g_new0 (float, T);
  tf->pseudo_beta = g_new0 (float, (size_t) T * L * 3);
  tf->pseudo_beta_mask = g_new0 (float, (size_t) T * L);
  tf->sum_probs = g_new0 (float, T);
  tf->query_to_template = g_new (int32_t, (size_t) MAX (n, 1) * L);
  tf->domain_names = g_new0 (char *, n + 1);
  for (int t = 0; t < n; t++)
    {
      const FlTemplateHit *h = g_ptr_array_index (hits, t);
      if (h->L != L)
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                       "template %d (%s) is aligned to a query of %d residues, not %d", t,
                       h->chain->domain_name, h->L, L);
          fl_template_features_free (tf);
          return NULL;
        }
      tf->template_mask[t] = 1.0f;
      tf->sum_probs[t] = h->sum_probs;
      tf->domain_names[t] = g_strdup (h->chain->domain_name);
      for (int i = 0; i < L; i++)
        {
          int j = h->query_to_template[i];
          tf->query_to_template[(size_t) t * L + i] = j;
          size_t ti = (size_t) t * L + i;
          if (j < 0 || j >= h->chain->n)
            {
              tf->aatype[ti] = FL_TEMPLATE_GAP;
              continue;
            }
          int a = template_aatype_of (h->chain->sequence[j]);
          tf->aatype[ti] = a;
          memcpy (tf->all_atom_positions + ti * 37 * 3, h->chain->atom37 + (size_t) j * 37 * 3,
                  37 * 3 * sizeof (float));
          memcpy (tf->all_atom_masks + ti * 37, h->chain->atom37_mask + (size_t) j * 37,
                  37 * sizeof (float));
          /* pseudo-beta: CB, CA for glycine */
          int atom = a == 7 ? FL_ATOM37_CA : FL_ATOM37_CB;
          memcpy (tf->pseudo_beta + ti * 3, tf->all_atom_positions + (ti * 37 + atom) * 3,
                  3 * sizeof (float));
          tf->pseudo_beta_mask[ti] = tf->all_atom_masks[ti * 37 + atom];
        }
    }
  return tf;
}

#define ADD_F32(name, nd, ...) \
  fl_arrays_add_f32 (arrays, name, nd, (int64_t[]) { __VA_ARGS__ }, NULL)

void
fl_template_features_add_arrays (const FlTemplateFeatures *tf, FlArrays *arrays)
{
  const int64_t T = tf->T, L = tf->L;
  fl_arrays_add_i32 (arrays, "template_aatype", 2, (int64_t[]) { T, L }, tf->aatype);
  fl_arrays_add_f32 (arrays, "template_all_atom_masks", 3, (int64_t[]) { T, L, 37 },
                     tf->all_atom_masks);
  fl_arrays_add_f32 (arrays, "template_all_atom_positions", 4, (int64_t[]) { T, L, 37, 3 },
                     tf->all_atom_positions);
  fl_arrays_add_f32 (arrays, "template_mask", 1, (int64_t[]) { T }, tf->template_mask);
  fl_arrays_add_f32 (arrays, "template_pseudo_beta", 3, (int64_t[]) { T, L, 3 }, tf->pseudo_beta);
  fl_arrays_add_f32 (arrays, "template_pseudo_beta_mask", 2, (int64_t[]) { T, L },
                     tf->pseudo_beta_mask);
  fl_arrays_add_f32 (arrays, "template_sum_probs", 2, (int64_t[]) { T, 1 }, tf->sum_probs);
}

/* Copy of array `name` as f32 or i32 with the expected trailing shape
 * (a leading recycle dimension is dropped). */
static void *
take (FlArrays *arrays, const char *name, int ndim, const int64_t *shape, gboolean is_int,
      GError **error)
{
  FlArray *a = fl_arrays_lookup (arrays, name);
  if (!a)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_MISSING,
                   "template feature '%s' is missing", name);
      return NULL;
    }
  int off = a->ndim == ndim + 1 ? 1 : 0;
  gboolean ok = a->ndim == ndim + off;
  for (int d = 0; ok && d < ndim; d++)
    ok = shape[d] < 0 || a->shape[d + off] == shape[d];
  if (!ok || (is_int ? a->dtype != FL_DTYPE_I32 : FALSE))
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "template feature '%s' has an unexpected shape or type", name);
      return NULL;
    }
  int64_t n = 1;
  for (int d = 0; d < ndim; d++)
    n *= a->shape[d + off];
  if (is_int)
    return g_memdup2 (a->data, n * sizeof (int32_t));
  g_autofree float *all = fl_array_to_f32 (a);
  return g_memdup2 (all, n * sizeof (float));
}

FlTemplateFeatures *
fl_template_features_from_arrays (FlArrays *arrays, int L, GError **error)
{
  FlArray *aa = fl_arrays_lookup (arrays, "template_aatype");
  if (!aa)
    return NULL;
  if (aa->ndim < 2)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "template_aatype must be (templates, residues)");
      return NULL;
    }
  const int64_t T = aa->shape[aa->ndim - 2];
  g_autoptr (FlTemplateFeatures) tf = g_new0 (FlTemplateFeatures, 1);
  tf->L = L;
  tf->T = (int) T;
  tf->domain_names = g_new0 (char *, 1);
  if (!(tf->aatype = take (arrays, "template_aatype", 2, (int64_t[]) { T, L }, TRUE, error))
      || !(tf->all_atom_positions = take (arrays, "template_all_atom_positions", 4,
                                          (int64_t[]) { T, L, 37, 3 }, FALSE, error))
      || !(tf->all_atom_masks = take (arrays, "template_all_atom_masks", 3,
                                      (int64_t[]) { T, L, 37 }, FALSE, error))
      || !(tf->template_mask = take (arrays, "template_mask", 1, (int64_t[]) { T }, FALSE, error))
      || !(tf->pseudo_beta = take (arrays, "template_pseudo_beta", 3, (int64_t[]) { T, L, 3 },
                                   FALSE, error))
      || !(tf->pseudo_beta_mask = take (arrays, "template_pseudo_beta_mask", 2,
                                        (int64_t[]) { T, L }, FALSE, error)))
    return NULL;
  tf->sum_probs = g_new0 (float, T);
  if (fl_arrays_lookup (arrays, "template_sum_probs"))
    {
      g_autofree float *sp = take (arrays, "template_sum_probs", 2, (int64_t[]) { T, 1 }, FALSE, error);
      if (!sp)
        return NULL;
      memcpy (tf->sum_probs, sp, T * sizeof (float));
    }
  for (int64_t i = 0; i < T * L; i++)
    if (tf->aatype[i] < 0 || tf->aatype[i] > FL_TEMPLATE_GAP)
      {
        g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                     "template_aatype %d is outside 0..21", tf->aatype[i]);
        return NULL;
      }
  for (int t = 0; t < T; t++)
    tf->n_real += tf->template_mask[t] > 0;
  tf->query_to_template = g_new (int32_t, 1);
  return g_steal_pointer (&tf);
}

FlTemplateFeatures *
fl_template_features_from_options (const char *query, const char *const *templates,
                                   const char *alignment_file, const char *template_dir,
                                   int max_templates, GPtrArray **hits_out, GError **error)
{
  gboolean any = alignment_file || (templates && templates[0]);
  if (hits_out)
    *hits_out = NULL;
  g_auto (GStrv) dir_templates = NULL;
  g_autofree char *dir_alignment = NULL;
  if (!any && template_dir)
    {
      if (!fl_template_dir_read (template_dir, &dir_alignment, &dir_templates, error))
        return NULL;
      alignment_file = dir_alignment;
      templates = (const char *const *) dir_templates;
      any = alignment_file || templates[0];
    }
  if (!any)
    return NULL;
  g_autoptr (GPtrArray) hits = NULL;
  if (alignment_file)
    {
      hits = fl_template_alignment_load (alignment_file, query, template_dir, error);
      if (!hits)
        return NULL;
    }
  else
    hits = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_template_hit_free);
  int n_files = templates ? (int) g_strv_length ((char **) templates) : 0;
  if (n_files > 0 && (int) hits->len + n_files > max_templates)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "%d templates (%u from the alignment file, %d structure files), but models "
                   "1 and 2 take at most %d: give at most %d", (int) hits->len + n_files,
                   hits->len, n_files, max_templates, max_templates);
      return NULL;
    }
  for (int k = 0; templates && templates[k]; k++)
    {
      /* FILE[:CHAIN]: a trailing ":ID" (1-4 characters) names the chain
       * unless the whole argument is an existing file */
      g_autofree char *file = g_strdup (templates[k]);
      const char *chain = NULL;
      char *colon = strrchr (file, ':');
      if (colon && colon[1] && strlen (colon + 1) <= 4 && !g_file_test (file, G_FILE_TEST_EXISTS))
        {
          *colon = '\0';
          chain = colon + 1;
        }
      if (template_dir && !g_path_is_absolute (file) && !g_file_test (file, G_FILE_TEST_EXISTS))
        {
          char *in_dir = g_build_filename (template_dir, file, NULL);
          chain = chain ? templates[k] + (chain - file) : NULL;
          g_free (file);
          file = in_dir;
        }
      FlTemplateChain *c = fl_template_chain_read (file, chain, error);
      if (!c)
        return NULL;
      FlTemplateHit *hit = fl_template_hit_align (c, query, error);
      if (!hit)
        return NULL;
      g_ptr_array_add (hits, hit);
    }
  FlTemplateFeatures *tf = fl_template_features_build (hits, (int) strlen (query), max_templates,
                                                       error);
  if (tf && hits_out)
    *hits_out = g_steal_pointer (&hits);
  return tf;
}

int
fl_template_hit_n_aligned (const FlTemplateHit *hit, const char *query, int *n_identical)
{
  int aligned = 0, same = 0;
  for (int i = 0; i < hit->L; i++)
    {
      int j = hit->query_to_template[i];
      if (j < 0)
        continue;
      aligned++;
      same += j < hit->chain->n && g_ascii_toupper (query[i]) == hit->chain->sequence[j];
    }
  if (n_identical)
    *n_identical = same;
  return aligned;
}
