/* FlDocument: one input or result (see fl-document.h). */
#include "fl-document.h"
#include <gio/gio.h>
#include <string.h>

static void
document_clear (FlDocument *doc)
{
  g_free (doc->title);
  g_free (doc->input_name);
  g_free (doc->input_text);
  g_free (doc->input_query);
  g_free (doc->sequence);
  g_clear_pointer (&doc->msa, fl_msa_free);
  g_clear_pointer (&doc->features, fl_features_free);
  g_ptr_array_unref (doc->frames);
  g_ptr_array_unref (doc->recycles);
  g_ptr_array_unref (doc->templates);
}

FlDocument *
fl_document_new (FlDocumentKind kind, const char *title)
{
  FlDocument *doc = g_rc_box_new0 (FlDocument);
  doc->kind = kind;
  doc->title = g_strdup (title);
  doc->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_frame_unref);
  doc->recycles = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  doc->templates = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_template_hit_free);
  doc->last_recycle = -1;
  doc->selected = -1;
  return doc;
}

FlDocument *
fl_document_ref (FlDocument *doc)
{
  return g_rc_box_acquire (doc);
}

void
fl_document_unref (FlDocument *doc)
{
  if (doc)
    g_rc_box_release_full (doc, (GDestroyNotify) document_clear);
}

static char *
letters_of (const char *text)
{
  GString *s = g_string_new (NULL);
  for (const char *p = text; p && *p; p++)
    if (g_ascii_isalpha (*p))
      g_string_append_c (s, g_ascii_toupper (*p));
  return g_string_free (s, FALSE);
}

void
fl_document_set_input (FlDocument *doc, const char *name, const char *text, FlMsa *msa)
{
  g_free (doc->input_name);
  g_free (doc->input_text);
  char *query = msa ? g_strdup (msa->query) : letters_of (text);
  /* templates are aligned to the query: another query drops them */
  if (g_strcmp0 (query, doc->input_query) != 0)
    g_ptr_array_set_size (doc->templates, 0);
  g_free (doc->input_query);
  doc->input_name = g_strdup (name);
  doc->input_text = g_strdup (text);
  doc->input_query = query;
  if (msa)
    {
      g_clear_pointer (&doc->msa, fl_msa_free);
      g_clear_pointer (&doc->features, fl_features_free);
      doc->msa = msa;
    }
}

void
fl_document_copy_input (FlDocument *doc, const FlDocument *from)
{
  g_free (doc->input_name);
  g_free (doc->input_text);
  g_free (doc->input_query);
  doc->input_name = g_strdup (from->input_name);
  doc->input_text = g_strdup (from->input_text);
  doc->input_query = g_strdup (from->input_query);
  fl_document_set_templates (doc, from->templates);
}

void
fl_document_set_templates (FlDocument *doc, GPtrArray *hits)
{
  g_ptr_array_set_size (doc->templates, 0);
  for (guint k = 0; hits && k < hits->len; k++)
    g_ptr_array_add (doc->templates, fl_template_hit_copy (g_ptr_array_index (hits, k)));
}

gboolean
fl_document_add_template (FlDocument *doc, FlTemplateHit *hit, GError **error)
{
  g_autoptr (FlTemplateHit) h = hit;
  g_autofree char *base = g_path_get_basename (h->chain->path);
  if (doc->templates->len >= FL_DOCUMENT_MAX_TEMPLATES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "This input has %d templates already, the most AlphaFold's models 1 and 2 "
                   "take: remove one before adding %s chain %s", FL_DOCUMENT_MAX_TEMPLATES, base,
                   h->chain->chain_id);
      return FALSE;
    }
  gsize L = doc->input_query ? strlen (doc->input_query) : 0;
  if (L == 0 || (gsize) h->L != L)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s chain %s is aligned to %d query residues, the input has %zu",
                   base, h->chain->chain_id, h->L, L);
      return FALSE;
    }
  for (guint k = 0; k < doc->templates->len; k++)
    {
      const FlTemplateHit *o = g_ptr_array_index (doc->templates, k);
      if (strcmp (o->chain->path, h->chain->path) == 0
          && strcmp (o->chain->chain_id, h->chain->chain_id) == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                       "%s chain %s is a template of this input already", base, h->chain->chain_id);
          return FALSE;
        }
    }
  g_ptr_array_add (doc->templates, g_steal_pointer (&h));
  return TRUE;
}

gboolean
fl_document_remove_template (FlDocument *doc, guint k)
{
  if (k >= doc->templates->len)
    return FALSE;
  g_ptr_array_remove_index (doc->templates, k);
  return TRUE;
}

void
fl_document_add_frame (FlDocument *doc, FlFrame *frame)
{
  g_ptr_array_add (doc->frames, fl_frame_ref (frame));
}

void
fl_document_add_recycle (FlDocument *doc, FlRecycleData *data)
{
  g_ptr_array_add (doc->recycles, fl_recycle_data_ref (data));
}

int
fl_document_get_length (const FlDocument *doc)
{
  return doc->frames->len ? ((FlFrame *) g_ptr_array_index (doc->frames, 0))->L : 0;
}
