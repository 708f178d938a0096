/* Templates in foldlight-cli batch: which templates an input gets
 * (--template / --template-alignment for every input, and DIR/<id>/ of
 * --template-dir read as predict's --template-dir alone reads a folder,
 * fl_template_dir_read), and what each model used, for ID_templates.json,
 * the input's record and the summary's templates column. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "fl-cli-model.h"

G_BEGIN_DECLS

typedef struct {
  char **templates;            /* --template FILE[:CHAIN], every input (or NULL) */
  char *alignment_file;        /* --template-alignment, every input (or NULL) */
  char *template_dir;          /* --template-dir: DIR/<id>/ holds input id's templates */
} FlBatchTemplateOptions;

/* The templates of one input. */
typedef struct {
  char *folder;                /* DIR/<id> when it exists, else NULL */
  char *alignment_file;        /* the alignment file read, or NULL */
  GPtrArray *hits;             /* FlTemplateHit in template order, maybe empty */
} FlBatchTemplates;

gboolean fl_batch_templates_given (const FlBatchTemplateOptions *options);

/* The templates of input `id` (query sequence `query`), at most
 * max_templates structure files (fl_template_features_from_options). A bad
 * or missing file, a folder holding an alignment file while
 * --template-alignment is given, or too many templates: NULL and an error
 * naming the file or folder. */
FlBatchTemplates *fl_batch_templates_find (const FlBatchTemplateOptions *options, const char *id,
                                           const char *query, int max_templates,
                                           GError **error);
void fl_batch_templates_free (FlBatchTemplates *templates);

/* What one input's models used (templates may be NULL: none looked for):
 *   {"template_folder", "alignment_file",
 *    "templates": [{"file", "chain", "domain_name", "aligned_residues",
 *                   "coverage" (aligned / query length), "identity" (identical
 *                   / aligned), "sum_probs", "used"}],
 *    "models": [{"model", "template_stack", "templates": [domain names]}]}
 * `models` (FlCliModel) in run order; a model with a template stack uses
 * the first cfg.max_templates templates, one without uses none. */
JsonNode *fl_batch_templates_describe (const FlBatchTemplates *templates, const char *query,
                                       GPtrArray *models);

/* The summary CSV cell of a description: the templates used, "1gcn_A 88%;
 * 4i6p_B 45%" (coverage), "none" when models with a template stack ran
 * without, "" when no model has a template stack. */
char *fl_batch_templates_summary (JsonObject *description);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlBatchTemplates, fl_batch_templates_free)

G_END_DECLS
