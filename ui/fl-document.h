/* FlDocument: everything tied to one input or one result. The window shows
 * exactly one document and opening anything replaces it whole, so nothing
 * of the previous protein (frames, maps, alignment, selection, title,
 * camera fit) can stay on screen beside the new one.
 *
 * A document holds the input Run folds (name, text, query), what is shown
 * (title, sequence, timeline frames, per-recycle data with the maps, the
 * alignment and features), the last recycle expected (timeline "of 0–N"),
 * the selected residue and whether the camera has been fitted to it, and
 * the input's structural templates (models 1 and 2) that the next Run uses.
 * Plain reference-counted data (no widgets); main thread only. */
#pragma once
#include <glib.h>
#include "fl-msa.h"
#include "fl-features.h"
#include "fl-snapshot.h"
#include "fl-templates.h"

G_BEGIN_DECLS

typedef enum {
  FL_DOCUMENT_INPUT,       /* a sequence / alignment, nothing folded yet */
  FL_DOCUMENT_PREDICTION,  /* an opened structure or trajectory */
  FL_DOCUMENT_RUN,         /* a run of the engine (frames arrive live) */
} FlDocumentKind;

typedef struct {
  FlDocumentKind kind;
  char *title;             /* the window's subtitle */
  char *input_name;        /* what Run folds: display name, text, query; nullable */
  char *input_text;
  char *input_query;
  char *sequence;          /* (L) of what is shown; nullable */
  FlMsa *msa;              /* nullable, owned */
  FlFeatures *features;    /* nullable, owned */
  GPtrArray *frames;       /* FlFrame*, in timeline order */
  GPtrArray *recycles;     /* FlRecycleData*, in recycle order */
  int last_recycle;        /* recycles run 0..last_recycle; -1 unknown */
  int selected;            /* residue, -1 none */
  gboolean camera_fitted;  /* the camera was fitted to this document's first frame */
  GPtrArray *templates;    /* FlTemplateHit*, aligned to input_query, at most
                            * FL_DOCUMENT_MAX_TEMPLATES, in the order added */
} FlDocument;

/* AlphaFold's models 1 and 2 take at most four templates. */
#define FL_DOCUMENT_MAX_TEMPLATES 4

FlDocument *fl_document_new (FlDocumentKind kind, const char *title);
FlDocument *fl_document_ref (FlDocument *doc);
void fl_document_unref (FlDocument *doc);
/* The input Run folds: its name, text (FASTA / A3M / Stockholm / sequence)
 * and alignment (taken, nullable: then the query is the text's letters). */
void fl_document_set_input (FlDocument *doc, const char *name, const char *text, FlMsa *msa);
/* Copy another document's input and templates (not its alignment). */
void fl_document_copy_input (FlDocument *doc, const FlDocument *from);
void fl_document_add_frame (FlDocument *doc, FlFrame *frame);            /* referenced */
void fl_document_add_recycle (FlDocument *doc, FlRecycleData *data);     /* referenced */
/* Add a template hit (taken, also on failure): refused beyond
 * FL_DOCUMENT_MAX_TEMPLATES, when its length is not the input query's, or
 * when the same file and chain are already there. */
gboolean fl_document_add_template (FlDocument *doc, FlTemplateHit *hit, GError **error);
/* Remove template k (0-based); FALSE when there is none. */
gboolean fl_document_remove_template (FlDocument *doc, guint k);
/* Replace the templates by copies of `hits` (FlTemplateHit*; NULL clears). */
void fl_document_set_templates (FlDocument *doc, GPtrArray *hits);
/* Residues of what is shown (0 without frames). */
int fl_document_get_length (const FlDocument *doc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlDocument, fl_document_unref)

G_END_DECLS
