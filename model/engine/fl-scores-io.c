/* scores.json and AFDB pae.json, written as text and read with json-glib
 * (fl-scores-io.h). */
#include "fl-scores-io.h"
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

G_DEFINE_QUARK (fl-scores-error-quark, fl_scores_error)

static void
pass_clear (FlScoresPass *p)
{
  g_clear_pointer (&p->plddt, g_free);
  g_clear_pointer (&p->pae, g_free);
}

static void
pass_init (FlScoresPass *p, int recycle)
{
  memset (p, 0, sizeof *p);
  p->recycle = recycle;
  p->mean_plddt = p->ptm = p->max_pae = p->tolerance = NAN;
}

void
fl_scores_free (FlScores *s)
{
  if (!s)
    return;
  pass_clear (&s->final);
  for (int i = 0; i < s->n_passes; i++)
    pass_clear (&s->passes[i]);
  g_free (s->passes);
  g_free (s);
}

static FlScores *
scores_new (int L, int n_passes)
{
  FlScores *s = g_new0 (FlScores, 1);
  s->L = L;
  pass_init (&s->final, n_passes > 0 ? n_passes - 1 : 0);
  s->n_passes = n_passes;
  s->passes = g_new0 (FlScoresPass, MAX (n_passes, 1));
  for (int i = 0; i < n_passes; i++)
    pass_init (&s->passes[i], i);
  return s;
}

/* ------------------------------------------------------------ from results */

static float *
dup_key (FlResult *r, const char *key, gsize n)
{
  FlArray *a = fl_arrays_lookup (r->arrays, key);
  if (!a || a->dtype != FL_DTYPE_F32 || (gsize) fl_array_numel (a) != n)
    return NULL;
  return g_memdup2 (a->data, n * sizeof (float));
}

static float
scalar_key (FlResult *r, const char *key)
{
  FlArray *a = fl_arrays_lookup (r->arrays, key);
  if (!a || a->dtype != FL_DTYPE_F32 || fl_array_numel (a) != 1)
    return NAN;
  return *(const float *) a->data;
}

static float
mean_of (const float *x, int n)
{
  double s = 0;
  for (int i = 0; i < n; i++)
    s += x[i];
  return n ? (float) (s / n) : NAN;
}

FlScores *
fl_scores_new_from_result (FlResult *result, GError **error)
{
  gsize L = result->L;
  FlScores *s = scores_new (result->L, result->n_passes);
  s->final.plddt = dup_key (result, "confidence/plddt", L);
  if (!s->final.plddt)
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                   "The result has no pLDDT (confidence/plddt).");
      fl_scores_free (s);
      return NULL;
    }
  s->final.mean_plddt = mean_of (s->final.plddt, L);
  s->final.ptm = scalar_key (result, "confidence/ptm");
  s->final.pae = dup_key (result, "confidence/predicted_aligned_error", L * L);
  s->final.max_pae = scalar_key (result, "confidence/max_predicted_aligned_error");
  for (int r = 0; r < s->n_passes; r++)
    {
      FlScoresPass *p = &s->passes[r];
      g_autofree char *k_plddt = g_strdup_printf ("r%d/plddt", r);
      g_autofree char *k_ptm = g_strdup_printf ("r%d/ptm", r);
      g_autofree char *k_pae = g_strdup_printf ("r%d/confidence/predicted_aligned_error", r);
      g_autofree char *k_max = g_strdup_printf ("r%d/confidence/max_predicted_aligned_error", r);
      g_autofree char *k_tol = g_strdup_printf ("r%d/tolerance", r);
      p->plddt = dup_key (result, k_plddt, L);
      p->mean_plddt = p->plddt ? mean_of (p->plddt, L) : NAN;
      p->ptm = scalar_key (result, k_ptm);
      p->pae = dup_key (result, k_pae, L * L);
      p->max_pae = scalar_key (result, k_max);
      p->tolerance = scalar_key (result, k_tol);
    }
  s->final.recycle = MAX (s->n_passes - 1, 0);
  if (s->n_passes > 0)
    s->final.tolerance = s->passes[s->n_passes - 1].tolerance;
  return s;
}

/* ------------------------------------------------------------------ writing */

static void
append_number (GString *out, double v, int decimals)
{
  if (!isfinite (v))
    {
      g_string_append (out, "null");
      return;
    }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  char fmt[8];
  g_snprintf (fmt, sizeof fmt, "%%.%df", decimals);
  g_ascii_formatd (buf, sizeof buf, fmt, v);
  /* Trim trailing zeros ("97.40" -> "97.4", "3.00" -> "3"). */
  if (strchr (buf, '.'))
    {
      char *end = buf + strlen (buf) - 1;
      while (*end == '0')
        *end-- = '\0';
      if (*end == '.')
        *end = '\0';
    }
  if (strcmp (buf, "-0") == 0)
    strcpy (buf, "0");
  g_string_append (out, buf);
}

static void
append_vector (GString *out, const float *x, int n, int decimals)
{
  g_string_append_c (out, '[');
  for (int i = 0; i < n; i++)
    {
      if (i)
        g_string_append (out, ", ");
      append_number (out, x[i], decimals);
    }
  g_string_append_c (out, ']');
}

static void
append_matrix (GString *out, const float *x, int L, int decimals)
{
  g_string_append_c (out, '[');
  for (int i = 0; i < L; i++)
    {
      if (i)
        g_string_append (out, ", ");
      append_vector (out, x + (gsize) i * L, L, decimals);
    }
  g_string_append_c (out, ']');
}

/* "key": value pairs of one pass (ColabFold key names). */
static void
append_pass (GString *out, const FlScoresPass *p, int L, const char *indent)
{
  g_string_append_printf (out, "%s\"plddt\": ", indent);
  if (p->plddt)
    append_vector (out, p->plddt, L, 2);
  else
    g_string_append (out, "null");
  g_string_append_printf (out, ",\n%s\"mean_plddt\": ", indent);
  append_number (out, p->mean_plddt, 3);
  g_string_append_printf (out, ",\n%s\"ptm\": ", indent);
  append_number (out, p->ptm, 5);
  g_string_append_printf (out, ",\n%s\"max_pae\": ", indent);
  append_number (out, p->max_pae, 4);
  g_string_append_printf (out, ",\n%s\"pae\": ", indent);
  if (p->pae)
    append_matrix (out, p->pae, L, 2);
  else
    g_string_append (out, "null");
  g_string_append_printf (out, ",\n%s\"tolerance\": ", indent);
  append_number (out, p->tolerance, 5);
}

char *
fl_scores_to_json (const FlScores *s)
{
  GString *out = g_string_new ("{\n");
  append_pass (out, &s->final, s->L, "  ");
  g_string_append_printf (out, ",\n  \"num_residues\": %d,\n  \"recycles\": [", s->L);
  for (int i = 0; i < s->n_passes; i++)
    {
      g_string_append_printf (out, "%s\n    {\n      \"recycle\": %d,\n", i ? "," : "",
                              s->passes[i].recycle);
      append_pass (out, &s->passes[i], s->L, "      ");
      g_string_append (out, "\n    }");
    }
  g_string_append (out, s->n_passes ? "\n  ]\n}\n" : "]\n}\n");
  return g_string_free (out, FALSE);
}

static gboolean
write_text (const char *path, const char *text, GError **error)
{
  GError *e = NULL;
  if (!g_file_set_contents (path, text, -1, &e))
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_IO,
                   "Cannot write %s: %s", path, e->message);
      g_error_free (e);
      return FALSE;
    }
  return TRUE;
}

gboolean
fl_scores_save_json (const FlScores *s, const char *path, GError **error)
{
  g_autofree char *text = fl_scores_to_json (s);
  return write_text (path, text, error);
}

char *
fl_scores_pae_to_json (const FlScores *s, GError **error)
{
  if (!s->final.pae)
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                   "This model predicts no aligned error (it is not a _ptm model).");
      return NULL;
    }
  GString *out = g_string_new ("[{\"predicted_aligned_error\": ");
  append_matrix (out, s->final.pae, s->L, 2);
  g_string_append (out, ", \"max_predicted_aligned_error\": ");
  append_number (out, s->final.max_pae, 4);
  g_string_append (out, "}]\n");
  return g_string_free (out, FALSE);
}

gboolean
fl_scores_save_pae_json (const FlScores *s, const char *path, GError **error)
{
  g_autofree char *text = fl_scores_pae_to_json (s, error);
  return text && write_text (path, text, error);
}

/* ------------------------------------------------------------------ reading */

static gboolean
parse_fail (GError **error, const char *what)
{
  g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE, "%s", what);
  return FALSE;
}

static gboolean
node_number (JsonNode *n, float *out)
{
  if (!n || JSON_NODE_TYPE (n) == JSON_NODE_NULL)
    {
      *out = NAN;
      return TRUE;
    }
  if (JSON_NODE_TYPE (n) != JSON_NODE_VALUE)
    return FALSE;
  GType t = json_node_get_value_type (n);
  if (t == G_TYPE_DOUBLE)
    *out = (float) json_node_get_double (n);
  else if (t == G_TYPE_INT64)
    *out = (float) json_node_get_int (n);
  else
    return FALSE;
  return TRUE;
}

/* A JSON list of numbers into a new array; *n is set (or checked when > 0). */
static float *
read_vector (JsonNode *node, int *n, GError **error, const char *what)
{
  if (!node || JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                   "The \"%s\" entry is not a list of numbers.", what);
      return NULL;
    }
  JsonArray *a = json_node_get_array (node);
  int len = json_array_get_length (a);
  if (*n > 0 && len != *n)
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                   "The \"%s\" entry has %d values where %d were expected.", what, len, *n);
      return NULL;
    }
  float *x = g_new (float, MAX (len, 1));
  for (int i = 0; i < len; i++)
    if (!node_number (json_array_get_element (a, i), &x[i]))
      {
        g_free (x);
        g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                     "The \"%s\" entry holds something that is not a number.", what);
        return NULL;
      }
  *n = len;
  return x;
}

/* A square JSON matrix (list of lists) into a new (L, L) array. */
static float *
read_matrix (JsonNode *node, int *L, GError **error, const char *what)
{
  if (!node || JSON_NODE_TYPE (node) != JSON_NODE_ARRAY)
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                   "The \"%s\" entry is not a matrix.", what);
      return NULL;
    }
  JsonArray *rows = json_node_get_array (node);
  int n = json_array_get_length (rows);
  if (*L > 0 && n != *L)
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                   "The \"%s\" matrix has %d rows where %d were expected.", what, n, *L);
      return NULL;
    }
  float *m = g_new (float, MAX ((gsize) n * n, 1));
  for (int i = 0; i < n; i++)
    {
      int len = n;
      g_autofree float *row = read_vector (json_array_get_element (rows, i), &len, error, what);
      if (!row)
        {
          g_free (m);
          return NULL;
        }
      memcpy (m + (gsize) i * n, row, (gsize) n * sizeof (float));
    }
  *L = n;
  return m;
}

/* The ColabFold keys of one object into a pass. */
static gboolean
read_pass (JsonObject *o, FlScoresPass *p, int *L, GError **error)
{
  if (json_object_has_member (o, "plddt")
      && JSON_NODE_TYPE (json_object_get_member (o, "plddt")) != JSON_NODE_NULL)
    {
      p->plddt = read_vector (json_object_get_member (o, "plddt"), L, error, "plddt");
      if (!p->plddt)
        return FALSE;
      p->mean_plddt = mean_of (p->plddt, *L);
    }
  if (json_object_has_member (o, "pae")
      && JSON_NODE_TYPE (json_object_get_member (o, "pae")) != JSON_NODE_NULL)
    {
      p->pae = read_matrix (json_object_get_member (o, "pae"), L, error, "pae");
      if (!p->pae)
        return FALSE;
    }
  struct { const char *key; float *dst; } scalars[] = {
    { "mean_plddt", &p->mean_plddt }, { "ptm", &p->ptm },
    { "max_pae", &p->max_pae }, { "tolerance", &p->tolerance },
  };
  for (guint i = 0; i < G_N_ELEMENTS (scalars); i++)
    if (json_object_has_member (o, scalars[i].key)
        && !node_number (json_object_get_member (o, scalars[i].key), scalars[i].dst))
      {
        g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                     "The \"%s\" entry is not a number.", scalars[i].key);
        return FALSE;
      }
  return TRUE;
}

static JsonParser *
parse_text (const char *text, gssize length, GError **error)
{
  JsonParser *parser = json_parser_new ();
  GError *e = NULL;
  if (!json_parser_load_from_data (parser, text, length, &e))
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                   "The file is not valid JSON: %s", e->message);
      g_error_free (e);
      g_object_unref (parser);
      return NULL;
    }
  return parser;
}

FlScores *
fl_scores_parse_json (const char *text, gssize length, GError **error)
{
  g_autoptr (JsonParser) parser = parse_text (text, length, error);
  if (!parser)
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  if (!root || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    {
      parse_fail (error, "The file is not a scores file (expected a JSON object).");
      return NULL;
    }
  JsonObject *o = json_node_get_object (root);
  if (!json_object_has_member (o, "plddt"))
    {
      parse_fail (error, "The file is not a scores file (it has no \"plddt\" entry).");
      return NULL;
    }
  JsonArray *recycles = NULL;
  if (json_object_has_member (o, "recycles")
      && JSON_NODE_TYPE (json_object_get_member (o, "recycles")) == JSON_NODE_ARRAY)
    recycles = json_object_get_array_member (o, "recycles");
  int n_passes = recycles ? json_array_get_length (recycles) : 0;
  FlScores *s = scores_new (0, n_passes);
  int L = 0;
  if (!read_pass (o, &s->final, &L, error))
    goto fail;
  for (int i = 0; i < n_passes; i++)
    {
      JsonNode *n = json_array_get_element (recycles, i);
      if (JSON_NODE_TYPE (n) != JSON_NODE_OBJECT)
        {
          parse_fail (error, "An entry of \"recycles\" is not an object.");
          goto fail;
        }
      JsonObject *ro = json_node_get_object (n);
      if (json_object_has_member (ro, "recycle"))
        s->passes[i].recycle = json_object_get_int_member (ro, "recycle");
      if (!read_pass (ro, &s->passes[i], &L, error))
        goto fail;
    }
  if (L < 1)
    {
      parse_fail (error, "The scores file lists no residues.");
      goto fail;
    }
  s->L = L;
  s->final.recycle = MAX (n_passes - 1, 0);
  return s;

fail:
  fl_scores_free (s);
  return NULL;
}

FlScores *
fl_scores_parse_pae_json (const char *text, gssize length, GError **error)
{
  g_autoptr (JsonParser) parser = parse_text (text, length, error);
  if (!parser)
    return NULL;
  JsonNode *root = json_parser_get_root (parser);
  /* AFDB: a list holding one object; ColabFold: the object itself. */
  if (root && JSON_NODE_TYPE (root) == JSON_NODE_ARRAY)
    {
      JsonArray *a = json_node_get_array (root);
      root = json_array_get_length (a) > 0 ? json_array_get_element (a, 0) : NULL;
    }
  if (!root || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT
      || !json_object_has_member (json_node_get_object (root), "predicted_aligned_error"))
    {
      parse_fail (error, "The file is not a PAE file (no \"predicted_aligned_error\" matrix).");
      return NULL;
    }
  JsonObject *o = json_node_get_object (root);
  int L = 0;
  float *pae = read_matrix (json_object_get_member (o, "predicted_aligned_error"), &L,
                           error, "predicted_aligned_error");
  if (!pae)
    return NULL;
  if (L < 1)
    {
      g_free (pae);
      parse_fail (error, "The PAE matrix is empty.");
      return NULL;
    }
  FlScores *s = scores_new (L, 0);
  s->final.pae = pae;
  if (json_object_has_member (o, "max_predicted_aligned_error")
      && !node_number (json_object_get_member (o, "max_predicted_aligned_error"),
                       &s->final.max_pae))
    {
      fl_scores_free (s);
      parse_fail (error, "The \"max_predicted_aligned_error\" entry is not a number.");
      return NULL;
    }
  return s;
}

static char *
read_text (const char *path, gsize *len, GError **error)
{
  char *text = NULL;
  GError *e = NULL;
  if (!g_file_get_contents (path, &text, len, &e))
    {
      g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_IO,
                   "Cannot read %s: %s", path, e->message);
      g_error_free (e);
      return NULL;
    }
  return text;
}

FlScores *
fl_scores_load_json (const char *path, GError **error)
{
  gsize len = 0;
  g_autofree char *text = read_text (path, &len, error);
  if (!text)
    return NULL;
  GError *e = NULL;
  FlScores *s = fl_scores_parse_json (text, len, &e);
  if (!s)
    {
      g_set_error (error, e->domain, e->code, "%s: %s", path, e->message);
      g_error_free (e);
    }
  return s;
}

FlScores *
fl_scores_load_pae_json (const char *path, GError **error)
{
  gsize len = 0;
  g_autofree char *text = read_text (path, &len, error);
  if (!text)
    return NULL;
  GError *e = NULL;
  FlScores *s = fl_scores_parse_pae_json (text, len, &e);
  if (!s)
    {
      g_set_error (error, e->domain, e->code, "%s: %s", path, e->message);
      g_error_free (e);
    }
  return s;
}
