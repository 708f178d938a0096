/* FlApplication: the desktop app. Owns the settings, the run controller and
 * the window; defines the app.* actions and their accelerators:
 *   app.open (Ctrl+O)  app.open-result  app.open-demo  app.open-uris (as)
 *   app.run (Ctrl+Enter)  app.cancel (Escape)  app.export (s: pdb, cif,
 *   traj-pdb, traj-cif, png; Ctrl+S = pdb)  app.choose-params
 *   app.use-demo-params  app.fullscreen (F11)  app.about  app.quit (Ctrl+Q)
 *   app.add-template (Ctrl+T: file chooser, then chain and alignment)
 *   app.add-template-file (s: a path; the chain / alignment dialog directly)
 *   app.remove-template (u: index in the input's template list)
 * and GTK's win.show-help-overlay (Ctrl+?). */
#pragma once
#include <gtk/gtk.h>
#include "fl-run-controller.h"
#include "fl-window.h"
#include "fl-accuracy.h"
#include "fl-evoformer-panel.h"
#include "fl-lecture.h"
#include "fl-template-dialog.h"

G_BEGIN_DECLS

#define FL_TYPE_APPLICATION (fl_application_get_type ())
G_DECLARE_FINAL_TYPE (FlApplication, fl_application, FL, APPLICATION, GtkApplication)

FlApplication *fl_application_new (void);

FlWindow *fl_application_get_window (FlApplication *self);   /* nullable before activate */
FlRunController *fl_application_get_run_controller (FlApplication *self);
GSettings *fl_application_get_settings (FlApplication *self); /* nullable: no schema found */

/* Show the bundled demo (4-OT: structure, PAE, MSA) and make it the input. */
gboolean fl_application_open_demo (FlApplication *self, GError **error);
/* Open files: a structure (+ scores / PAE JSON, + alignment) shows a
 * prediction; an alignment / sequence alone becomes the input. */
gboolean fl_application_open_paths (FlApplication *self, const char *const *paths, GError **error);
/* Start a run of the current input now (no question asked). */
gboolean fl_application_start_run (FlApplication *self, GError **error);
/* Use a parameter file chosen by the user: checked first (an .npz with
 * AlphaFold's tensor names); FALSE keeps the parameters in use. Remembered. */
gboolean fl_application_choose_params (FlApplication *self, const char *path, GError **error);
const char *fl_application_get_params_path (FlApplication *self);   /* NULL: demo parameters */
/* Exit status for main(): non-zero after a failed --screenshot. */
int fl_application_get_exit_status (FlApplication *self);
/* The file chooser open now (tests), or NULL. */
GtkNativeDialog *fl_application_get_dialog (FlApplication *self);
/* Parameter file for runs (not checked); NULL = untrained demo parameters. */
void fl_application_set_params_path (FlApplication *self, const char *path);
/* The shown input's templates (models 1 and 2; they belong to the document
 * and the next Run uses them). Add one: the chain of `path` (NULL: the one
 * that best matches the query), aligned by `alignment` (a tmpl-format
 * alignment file; NULL: Foldlight's global alignment). Refused with a clear
 * error beyond four, for a file without that chain, or one that does not
 * align. */
gboolean fl_application_add_template (FlApplication *self, const char *path, const char *chain_id,
                                      const char *alignment, GError **error);
gboolean fl_application_remove_template (FlApplication *self, guint k);
/* Replace them by "FILE[:CHAIN]" structures, each aligned globally
 * (NULL or empty: none). */
gboolean fl_application_set_templates (FlApplication *self, const char *const *templates,
                                       GError **error);
/* The "Add Template" chain / alignment dialog open now (tests), or NULL. */
FlTemplateDialog *fl_application_get_template_dialog (FlApplication *self);
/* The experimental structure every frame is compared with (PDB / mmCIF). */
gboolean fl_application_open_reference (FlApplication *self, const char *path, GError **error);
FlAccuracy *fl_application_get_accuracy (FlApplication *self);   /* nullable before activate */
/* The lecture-hall presentation (app.lecture, F5); nullable. */
FlLecture *fl_application_get_lecture (FlApplication *self);
/* The "Evoformer" tab (attention block / residue, per-block probe); nullable. */
FlEvoformerPanel *fl_application_get_evoformer_panel (FlApplication *self);
/* Runs use this backend / thread count (default AUTO, all cores). */
void fl_application_set_backend (FlApplication *self, FlBackendKind kind, int n_threads);
/* Export what is shown: kind "pdb", "cif", "traj-pdb", "traj-cif", "png"
 * (png: width x height; 0 = the view's size). */
gboolean fl_application_export (FlApplication *self, const char *kind, const char *path,
                                int width, int height, GError **error);

G_END_DECLS
