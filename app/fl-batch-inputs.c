/* Reading the input list of foldlight-cli batch (fl-batch-inputs.h). */
#include <string.h>
#include "fl-batch-inputs.h"
#include "fl-error.h"

static void
input_free (gpointer p)
{
  FlBatchInput *in = p;
  g_free (in->id);
  g_free (in->sequence);
  g_free (in->path);
  g_free (in);
}

static char *
safe_id (const char *raw)
{
  char *id = g_strstrip (g_strdup (raw));
  for (char *c = id; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '_' && *c != '-' && *c != '.')
      *c = '_';
  return id;
}

/* Letters of a sequence as given (whitespace removed). */
static char *
clean_sequence (const char *raw)
{
  GString *s = g_string_new (NULL);
  for (const char *c = raw; *c; c++)
    if (!g_ascii_isspace (*c))
      g_string_append_c (s, *c);
  return g_string_free (s, FALSE);
}

/* Query length of an alignment / FASTA text: aligned letters (upper case
 * and '-') of the first record; lines starting with '#' are skipped. */
static int
first_record_length (const char *text)
{
  const char *p = text;
  while (*p == '#' || g_ascii_isspace (*p))
    {
      p = strchr (p, '\n');
      if (!p)
        return 0;
      p++;
    }
  if (*p == '>')
    {
      p = strchr (p, '\n');
      if (!p)
        return 0;
      p++;
    }
  int L = 0;
  for (; *p && *p != '>'; p++)
    if (g_ascii_isupper (*p) || *p == '-')
      L++;
  return L;
}

static gboolean
add_input (GPtrArray *list, GHashTable *seen, const char *raw_id, char *sequence, char *path,
           int L, const char *where, GError **error)
{
  g_autofree char *id = safe_id (raw_id);
  if (id[0] == '\0')
    id = g_strdup_printf ("input_%u", list->len + 1);
  if (g_hash_table_contains (seen, id))
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "%s: two inputs are named '%s' (names must differ to give distinct result files)",
                   where, id);
      g_free (sequence);
      g_free (path);
      return FALSE;
    }
  FlBatchInput *in = g_new0 (FlBatchInput, 1);
  in->id = g_steal_pointer (&id);
  in->sequence = sequence;
  in->path = path;
  in->L = L;
  g_hash_table_add (seen, in->id);
  g_ptr_array_add (list, in);
  return TRUE;
}

static gboolean
read_csv (const char *path, const char *text, GPtrArray *list, GHashTable *seen, GError **error)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  gboolean header_seen = FALSE;
  for (int i = 0; lines[i]; i++)
    {
      char *line = g_strstrip (lines[i]);
      if (line[0] == '\0')
        continue;
      if (!header_seen)
        {
          header_seen = TRUE;
          if (g_ascii_strncasecmp (line, "id,", 3) == 0)
            continue;
        }
      char *comma = strchr (line, ',');
      if (!comma)
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
                       "%s line %d: expected \"id,sequence\"", path, i + 1);
          return FALSE;
        }
      *comma = '\0';
      char *seq = clean_sequence (comma + 1);
      if (!add_input (list, seen, line, seq, NULL, (int) strlen (seq), path, error))
        return FALSE;
    }
  if (list->len == 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_EMPTY,
                   "%s: no \"id,sequence\" row", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_fasta (const char *path, const char *text, GPtrArray *list, GHashTable *seen, GError **error)
{
  g_autofree char *with_nl = g_strconcat ("\n", text, NULL);
  g_auto (GStrv) records = g_strsplit (with_nl, "\n>", -1);
  /* records[0] is what precedes the first '>': only blank lines or comments. */
  for (const char *c = records[0]; *c; c++)
    if (!g_ascii_isspace (*c))
      {
        g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
                     "%s: not a FASTA file (text before the first '>' record)", path);
        return FALSE;
      }
  for (int i = 1; records[i]; i++)
    {
      char *nl = strchr (records[i], '\n');
      const char *body = nl ? nl + 1 : "";
      if (nl)
        *nl = '\0';
      char *seq = clean_sequence (body);
      if (!add_input (list, seen, records[i], seq, NULL, (int) strlen (seq), path, error))
        return FALSE;
    }
  if (list->len == 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
                   "%s: no '>' record", path);
      return FALSE;
    }
  return TRUE;
}

static gboolean
read_folder (const char *dir_path, GPtrArray *list, GHashTable *seen, GError **error)
{
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, error);
  if (!dir)
    return FALSE;
  const char *name;
  while ((name = g_dir_read_name (dir)))
    {
      const char *dot = strrchr (name, '.');
      if (!dot || name[0] == '.'
          || !(g_str_equal (dot, ".a3m") || g_str_equal (dot, ".fasta")
               || g_str_equal (dot, ".fa") || g_str_equal (dot, ".faa")))
        continue;
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *text = NULL;
      if (!g_file_get_contents (path, &text, NULL, error))
        return FALSE;
      g_autofree char *stem = g_strndup (name, dot - name);
      if (!add_input (list, seen, stem, NULL, g_strdup (path), first_record_length (text),
                      dir_path, error))
        return FALSE;
    }
  if (list->len == 0)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
                   "%s: no .a3m or .fasta file in the folder", dir_path);
      return FALSE;
    }
  return TRUE;
}

static int
by_length_then_id (gconstpointer a, gconstpointer b)
{
  const FlBatchInput *x = *(FlBatchInput *const *) a, *y = *(FlBatchInput *const *) b;
  if (x->L != y->L)
    return x->L < y->L ? -1 : 1;
  return strcmp (x->id, y->id);
}

GPtrArray *
fl_batch_inputs_read (const char *input, GError **error)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new_with_free_func (input_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  gboolean ok;
  if (g_file_test (input, G_FILE_TEST_IS_DIR))
    ok = read_folder (input, list, seen, error);
  else
    {
      g_autofree char *text = NULL;
      if (!g_file_get_contents (input, &text, NULL, error))
        return NULL;
      const char *p = text;
      while (g_ascii_isspace (*p))
        p++;
      if (*p == '>')
        ok = read_fasta (input, text, list, seen, error);
      else if (g_str_has_suffix (input, ".csv") || g_str_has_suffix (input, ".tsv")
               || strchr (p, ','))
        ok = read_csv (input, text, list, seen, error);
      else
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_PARSE,
                       "%s: neither FASTA ('>' records) nor CSV (\"id,sequence\") nor a folder",
                       input);
          ok = FALSE;
        }
    }
  if (!ok)
    return NULL;
  g_ptr_array_sort (list, by_length_then_id);
  return g_steal_pointer (&list);
}

void
fl_batch_inputs_shard (GPtrArray *inputs, int k, int n)
{
  g_return_if_fail (n >= 1 && k >= 1 && k <= n);
  guint out = 0;
  for (guint i = 0; i < inputs->len; i++)
    {
      gpointer in = inputs->pdata[i];
      if ((int) (i % (guint) n) == k - 1)
        inputs->pdata[out++] = in;
      else
        input_free (in);
    }
  inputs->len = out;
}
