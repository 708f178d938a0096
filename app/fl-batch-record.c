/* Per-input records and the summary CSV of foldlight-cli batch (fl-batch-record.h). */
#include <errno.h>
#include <math.h>
#include <string.h>
#include <json-glib/json-glib.h>
#include "fl-batch-claim.h"
#include "fl-batch-record.h"
#include "fl-batch-templates.h"

gboolean
fl_batch_record_write (const char *state_dir, const FlBatchInput *in, GPtrArray *ranked,
                       JsonNode *templates, double seconds, const char *session,
                       const GError *failure, GError **error)
{
  g_autoptr (JsonBuilder) j = json_builder_new ();
  json_builder_begin_object (j);
  json_builder_set_member_name (j, "id");
  json_builder_add_string_value (j, in->id);
  json_builder_set_member_name (j, "length");
  json_builder_add_int_value (j, in->L);
  json_builder_set_member_name (j, "status");
  json_builder_add_string_value (j, failure ? "failed" : "done");
  json_builder_set_member_name (j, "seconds");
  json_builder_add_double_value (j, seconds);
  json_builder_set_member_name (j, "session");
  if (session)
    json_builder_add_string_value (j, session);
  else
    json_builder_add_null_value (j);
  json_builder_set_member_name (j, "error");
  if (failure)
    json_builder_add_string_value (j, failure->message);
  else
    json_builder_add_null_value (j);
  json_builder_set_member_name (j, "ranking");
  json_builder_begin_array (j);
  for (guint i = 0; ranked && i < ranked->len; i++)
    {
      const FlBatchModelResult *r = g_ptr_array_index (ranked, i);
      json_builder_begin_object (j);
      json_builder_set_member_name (j, "model");
      json_builder_add_string_value (j, r->preset);
      json_builder_set_member_name (j, "mean_plddt");
      json_builder_add_double_value (j, r->mean_plddt);
      json_builder_set_member_name (j, "ptm");
      if (isnan (r->ptm))
        json_builder_add_null_value (j);
      else
        json_builder_add_double_value (j, r->ptm);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  json_builder_set_member_name (j, "templates");
  if (templates)
    json_builder_add_value (j, json_node_copy (templates));
  else
    json_builder_add_null_value (j);
  json_builder_end_object (j);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  g_autoptr (JsonNode) root = json_builder_get_root (j);
  json_generator_set_root (gen, root);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  g_autofree char *name = g_strconcat (in->id, ".json", NULL);
  g_autofree char *path = g_build_filename (state_dir, name, NULL);
  return g_file_set_contents (path, text, -1, error);
}

gboolean
fl_batch_record_failed_in (const char *state_dir, const char *id, const char *session)
{
  if (!session)
    return FALSE;
  g_autofree char *name = g_strconcat (id, ".json", NULL);
  g_autofree char *path = g_build_filename (state_dir, name, NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  if (!json_parser_load_from_file (parser, path, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return FALSE;
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  return g_strcmp0 (json_object_get_string_member_with_default (o, "status", ""), "failed") == 0
         && g_strcmp0 (json_object_get_string_member_with_default (o, "session", ""),
                       session) == 0;
}

static void
csv_field (GString *s, const char *v)
{
  if (!v)
    return;
  if (!strpbrk (v, ",\"\n"))
    {
      g_string_append (s, v);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *c = v; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *c == '\n' ? ' ' : *c);
    }
  g_string_append_c (s, '"');
}

gboolean
fl_batch_write_summary (const char *path, const char *out_dir, const char *state_dir,
                        GPtrArray *inputs, int *n_failed, int *n_pending, GError **error)
{
  GString *s = g_string_new (
    "id,length,status,rank_1_model,mean_plddt,ptm,seconds,error,templates\n");
  *n_failed = *n_pending = 0;
  for (guint i = 0; i < inputs->len; i++)
    {
      const FlBatchInput *in = g_ptr_array_index (inputs, i);
      g_autofree char *name = g_strconcat (in->id, ".json", NULL);
      g_autofree char *record = g_build_filename (state_dir, name, NULL);
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *o = NULL;
      if (json_parser_load_from_file (parser, record, NULL)
          && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
        o = json_node_get_object (json_parser_get_root (parser));
      gboolean done = fl_batch_is_done (out_dir, in->id);
      const char *status = done ? "done"
                           : o && g_strcmp0 (json_object_get_string_member_with_default (
                                               o, "status", ""), "failed") == 0 ? "failed"
                           : "pending";
      if (g_str_equal (status, "failed"))
        (*n_failed)++;
      if (g_str_equal (status, "pending"))
        (*n_pending)++;
      csv_field (s, in->id);
      g_string_append_printf (s, ",%d,%s,", in->L, status);
      JsonArray *ranking = o && json_object_has_member (o, "ranking")
                           ? json_object_get_array_member (o, "ranking") : NULL;
      if (done && ranking && json_array_get_length (ranking) > 0)
        {
          JsonObject *best = json_array_get_object_element (ranking, 0);
          JsonNode *ptm = json_object_get_member (best, "ptm");
          g_string_append_printf (s, "%s,%.2f,", json_object_get_string_member (best, "model"),
                                  json_object_get_double_member (best, "mean_plddt"));
          if (ptm && !JSON_NODE_HOLDS_NULL (ptm))
            g_string_append_printf (s, "%.3f", json_node_get_double (ptm));
          g_string_append_c (s, ',');
        }
      else
        g_string_append (s, ",,,");
      if (o && json_object_has_member (o, "seconds") && (done || g_str_equal (status, "failed")))
        g_string_append_printf (s, "%.1f", json_object_get_double_member (o, "seconds"));
      g_string_append_c (s, ',');
      if (g_str_equal (status, "failed"))
        csv_field (s, json_object_get_string_member_with_default (o, "error", ""));
      g_string_append_c (s, ',');
      JsonNode *templates = o && done ? json_object_get_member (o, "templates") : NULL;
      if (templates && JSON_NODE_HOLDS_OBJECT (templates))
        {
          g_autofree char *cell = fl_batch_templates_summary (json_node_get_object (templates));
          csv_field (s, cell);
        }
      g_string_append_c (s, '\n');
    }
  g_autofree char *text = g_string_free (s, FALSE);
  g_autofree char *parent = g_path_get_dirname (path);
  if (g_mkdir_with_parents (parent, 0755) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot create %s: %s", parent, g_strerror (errno));
      return FALSE;
    }
  return g_file_set_contents (path, text, -1, error);
}
