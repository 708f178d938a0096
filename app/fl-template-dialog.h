/* FlTemplateDialog: "Add Template" for one structure file, after the file
 * chooser. Lists the file's protein chains with their lengths and how well
 * each aligns with the query (the best match preselected), and the
 * alignment to use: Foldlight's global alignment or an alignment file in
 * the tmpl format (golden tmpl's template_alignment.tsv). Add calls the
 * application back; a refusal is shown in the dialog, which stays open.
 * The functions below are what its buttons do (tests drive them). */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

#define FL_TYPE_TEMPLATE_DIALOG (fl_template_dialog_get_type ())
G_DECLARE_FINAL_TYPE (FlTemplateDialog, fl_template_dialog, FL, TEMPLATE_DIALOG, GtkWindow)

/* Adds the template; FALSE with an error keeps the dialog open. */
typedef gboolean (*FlTemplateDialogAddFunc) (const char *path, const char *chain_id,
                                             const char *alignment_path /* nullable */,
                                             gpointer user_data, GError **error);

/* Reads every chain of `path` (PDB / mmCIF) and aligns each with `query`;
 * NULL with an error for a file without a protein chain. */
FlTemplateDialog *fl_template_dialog_new (GtkWindow *parent, const char *path, const char *query,
                                          FlTemplateDialogAddFunc add, gpointer user_data,
                                          GError **error);
guint fl_template_dialog_get_n_chains (FlTemplateDialog *self);
const char *fl_template_dialog_get_chain_id (FlTemplateDialog *self, guint k);
/* "Chain A · 29 residues · 28 of 33 query residues aligned, 24 identical (best match)" */
const char *fl_template_dialog_get_chain_label (FlTemplateDialog *self, guint k);
int fl_template_dialog_get_selected (FlTemplateDialog *self);
void fl_template_dialog_select (FlTemplateDialog *self, guint k);
/* Use this alignment file (NULL: the global alignment). */
void fl_template_dialog_set_alignment (FlTemplateDialog *self, const char *path);
/* The Add button: TRUE when added (the dialog closes). */
gboolean fl_template_dialog_add (FlTemplateDialog *self);
const char *fl_template_dialog_get_error (FlTemplateDialog *self);   /* "" when none */

/* Index of the chain (FlTemplateChain*) that best matches `query` by the
 * global alignment: the most identical aligned residues, then the most
 * aligned, then the first; -1 when none aligns. aligned / identical
 * (chains->len, nullable) get each chain's counts. */
int fl_template_chains_best (GPtrArray *chains, const char *query, int *aligned, int *identical);

G_END_DECLS
