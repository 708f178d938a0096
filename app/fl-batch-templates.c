/* Templates of batch inputs and what each model used (fl-batch-templates.h). */
#include <math.h>
#include <string.h>
#include "fl-batch-templates.h"
#include "fl-error.h"
#include "fl-templates.h"

gboolean
fl_batch_templates_given (const FlBatchTemplateOptions *o)
{
  return (o->templates && o->templates[0]) || o->alignment_file || o->template_dir;
}

void
fl_batch_templates_free (FlBatchTemplates *t)
{
  if (!t)
    return;
  g_free (t->folder);
  g_free (t->alignment_file);
  if (t->hits)
    g_ptr_array_unref (t->hits);
  g_free (t);
}

FlBatchTemplates *
fl_batch_templates_find (const FlBatchTemplateOptions *o, const char *id, const char *query,
                         int max_templates, GError **error)
{
  g_autoptr (FlBatchTemplates) t = g_new0 (FlBatchTemplates, 1);
  g_auto (GStrv) folder_templates = NULL;
  g_autofree char *folder_alignment = NULL;
  /* An id of "." or ".." names no folder of its own. */
  if (o->template_dir && strcmp (id, ".") != 0 && strcmp (id, "..") != 0)
    {
      g_autofree char *folder = g_build_filename (o->template_dir, id, NULL);
      if (g_file_test (folder, G_FILE_TEST_EXISTS))
        {
          if (!fl_template_dir_read (folder, &folder_alignment, &folder_templates, error))
            return NULL;
          t->folder = g_steal_pointer (&folder);
        }
    }
  if (folder_alignment && o->alignment_file)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "%s has its own %s and --template-alignment gives one for every input: "
                   "give one of them", t->folder, FL_TEMPLATE_DIR_ALIGNMENT);
      return NULL;
    }
  t->alignment_file = folder_alignment ? g_steal_pointer (&folder_alignment)
                                       : g_strdup (o->alignment_file);
  /* --template first, then the folder's structure files. */
  g_autoptr (GStrvBuilder) all = g_strv_builder_new ();
  if (o->templates)
    g_strv_builder_addv (all, (const char **) o->templates);
  if (folder_templates)
    g_strv_builder_addv (all, (const char **) folder_templates);
  g_auto (GStrv) specs = g_strv_builder_end (all);
  if (!specs[0] && !t->alignment_file)
    {
      t->hits = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_template_hit_free);
      return g_steal_pointer (&t);
    }
  g_autoptr (GError) local = NULL;
  g_autoptr (FlTemplateFeatures) tf = fl_template_features_from_options (
    query, (const char *const *) specs, t->alignment_file, t->folder, max_templates, &t->hits,
    &local);
  if (!tf)
    {
      if (t->folder)
        g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                     "templates of %s: %s", t->folder, local->message);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return g_steal_pointer (&t);
}

static double
round4 (double x)
{
  return round (x * 1e4) / 1e4;
}

static int
uses (const FlCliModel *m)
{
  return m->cfg.has_templates ? MAX (m->cfg.max_templates, 1) : 0;
}

JsonNode *
fl_batch_templates_describe (const FlBatchTemplates *t, const char *query, GPtrArray *models)
{
  guint n_hits = t && t->hits ? t->hits->len : 0;
  int most = 0;
  for (guint k = 0; k < models->len; k++)
    most = MAX (most, uses (g_ptr_array_index (models, k)));
  g_autoptr (JsonBuilder) j = json_builder_new ();
  json_builder_begin_object (j);
  fl_cli_json_add_string_or_null (j, "template_folder", t ? t->folder : NULL);
  fl_cli_json_add_string_or_null (j, "alignment_file", t ? t->alignment_file : NULL);
  json_builder_set_member_name (j, "templates");
  json_builder_begin_array (j);
  int L = (int) strlen (query);
  for (guint h = 0; h < n_hits; h++)
    {
      const FlTemplateHit *hit = g_ptr_array_index (t->hits, h);
      int identical = 0;
      int aligned = fl_template_hit_n_aligned (hit, query, &identical);
      json_builder_begin_object (j);
      fl_cli_json_add_string_or_null (j, "file", hit->chain->path);
      fl_cli_json_add_string_or_null (j, "chain", hit->chain->chain_id);
      fl_cli_json_add_string_or_null (j, "domain_name", hit->chain->domain_name);
      json_builder_set_member_name (j, "aligned_residues");
      json_builder_add_int_value (j, aligned);
      json_builder_set_member_name (j, "coverage");
      json_builder_add_double_value (j, round4 (L > 0 ? (double) aligned / L : 0.0));
      json_builder_set_member_name (j, "identity");
      json_builder_add_double_value (j, round4 (aligned > 0 ? (double) identical / aligned : 0.0));
      json_builder_set_member_name (j, "sum_probs");
      json_builder_add_double_value (j, hit->sum_probs);
      json_builder_set_member_name (j, "used");
      json_builder_add_boolean_value (j, (int) h < most);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  json_builder_set_member_name (j, "models");
  json_builder_begin_array (j);
  for (guint k = 0; k < models->len; k++)
    {
      const FlCliModel *m = g_ptr_array_index (models, k);
      json_builder_begin_object (j);
      fl_cli_json_add_string_or_null (j, "model", m->cfg.preset);
      json_builder_set_member_name (j, "template_stack");
      json_builder_add_boolean_value (j, m->cfg.has_templates);
      json_builder_set_member_name (j, "templates");
      json_builder_begin_array (j);
      for (guint h = 0; h < n_hits && (int) h < uses (m); h++)
        json_builder_add_string_value (
          j, ((const FlTemplateHit *) g_ptr_array_index (t->hits, h))->chain->domain_name);
      json_builder_end_array (j);
      json_builder_end_object (j);
    }
  json_builder_end_array (j);
  json_builder_end_object (j);
  return json_builder_get_root (j);
}

char *
fl_batch_templates_summary (JsonObject *d)
{
  JsonArray *models = json_object_get_array_member (d, "models");
  JsonArray *templates = json_object_get_array_member (d, "templates");
  gboolean stack = FALSE;
  for (guint k = 0; models && k < json_array_get_length (models); k++)
    stack |= json_object_get_boolean_member_with_default (
      json_array_get_object_element (models, k), "template_stack", FALSE);
  if (!stack)
    return g_strdup ("");
  GString *s = g_string_new (NULL);
  for (guint h = 0; templates && h < json_array_get_length (templates); h++)
    {
      JsonObject *t = json_array_get_object_element (templates, h);
      if (!json_object_get_boolean_member_with_default (t, "used", FALSE))
        continue;
      g_string_append_printf (s, "%s%s %.0f%%", s->len ? "; " : "",
                              json_object_get_string_member_with_default (t, "domain_name", "?"),
                              100 * json_object_get_double_member_with_default (t, "coverage", 0));
    }
  if (s->len == 0)
    g_string_append (s, "none");
  return g_string_free (s, FALSE);
}
