/* FlDocument: one input or result (see fl-document.h). */
#include "fl-document.h"

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
}

FlDocument *
fl_document_new (FlDocumentKind kind, const char *title)
{
  FlDocument *doc = g_rc_box_new0 (FlDocument);
  doc->kind = kind;
  doc->title = g_strdup (title);
  doc->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_frame_unref);
  doc->recycles = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
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
  g_free (doc->input_query);
  doc->input_name = g_strdup (name);
  doc->input_text = g_strdup (text);
  doc->input_query = msa ? g_strdup (msa->query) : letters_of (text);
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
