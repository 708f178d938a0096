/* FlWindow: Foldlight's main window (template resources/fl-window.ui).
 *
 * The window shows things; the application (app/) decides and runs: its
 * buttons activate app.* actions (app.open, app.run, app.cancel, ...), a
 * file dropped on the window activates app.open-file with its URI, and the
 * application feeds the window with inputs, progress, frames and results
 * through the functions below. Window-local actions: win.reset-view,
 * win.side-chains, win.continuous-colors (and GTK's win.show-help-overlay).
 * Main thread only. */
#pragma once
#include <gtk/gtk.h>
#include "fl-msa.h"
#include "fl-features.h"
#include "fl-snapshot.h"
#include "fl-document.h"
#include "fl-structure-view.h"
#include "fl-timeline.h"

G_BEGIN_DECLS

#define FL_TYPE_WINDOW (fl_window_get_type ())
G_DECLARE_FINAL_TYPE (FlWindow, fl_window, FL, WINDOW, GtkApplicationWindow)

FlWindow *fl_window_new (GtkApplication *app);

/* Bind recycles, tolerance, preset and colour scale to settings (nullable). */
void fl_window_bind_settings (FlWindow *self, GSettings *settings);

/* ---- the document ---- */
/* Show `doc` (referenced) and nothing else: it replaces the current
 * document whole (frames, maps, alignment, selection, title, camera). */
void fl_window_set_document (FlWindow *self, FlDocument *doc);
FlDocument *fl_window_get_document (FlWindow *self);   /* borrowed, never NULL */

/* ---- the input's templates (models 1 and 2) ---- */
/* Show the document's templates again after they changed: the list under
 * the input bar (file, chain, aligned / identity / coverage, remove), the
 * coverage tracks on the MSA panel and the grey traces in 3D. */
void fl_window_update_templates (FlWindow *self);
/* A warning beside the list (e.g. the model ignores templates); NULL: none. */
void fl_window_set_template_note (FlWindow *self, const char *note);
const char *fl_window_get_template_note (FlWindow *self);   /* "" when hidden */
GtkWidget *fl_window_get_templates_list (FlWindow *self);   /* GtkListBox, borrowed */
/* The templates a run uses, aligned to its query (taken, nullable): they
 * become the run document's. */
void fl_window_set_run_templates (FlWindow *self, GPtrArray *hits);

/* ---- input ---- */
/* Why Run would refuse the text typed or pasted into the entry (the
 * parser's message; Run is then off), or NULL. */
const char *fl_window_get_input_problem (FlWindow *self);
char *fl_window_dup_input_text (FlWindow *self, const char **name_out);
int fl_window_get_num_recycle (FlWindow *self);
double fl_window_get_tolerance (FlWindow *self);
char *fl_window_dup_preset (FlWindow *self);
void fl_window_set_preset (FlWindow *self, const char *preset);

/* Parameter file in use; NULL = the untrained demo parameters (the window
 * then says plainly that runs are not predictions). */
void fl_window_set_params (FlWindow *self, const char *path);

/* ---- messages ---- */
void fl_window_show_error (FlWindow *self, const char *what, const GError *error);
void fl_window_clear_error (FlWindow *self);
/* A short note over the 3D view (e.g. "untrained parameters"), NULL hides. */
void fl_window_set_view_note (FlWindow *self, const char *note);
/* The note shown over the 3D view ("" when none; borrowed). */
const char *fl_window_get_view_note (FlWindow *self);
/* The hover label over the 3D view ("" when hidden; borrowed). */
const char *fl_window_get_hover_text (FlWindow *self);
/* The summary beside the sequence entry ("pasted sequence · 76 residues"; borrowed). */
const char *fl_window_get_input_summary (FlWindow *self);

/* ---- runs ---- */
void fl_window_set_running (FlWindow *self, gboolean running);
/* A new run of `text` (named `name`): its document replaces the current
 * one at its first frame (a run that fails before leaves the view whole).
 * last_recycle: recycles 0..last_recycle are planned. */
void fl_window_begin_run (FlWindow *self, const char *name, const char *text, int last_recycle);
/* The run ended: a run document that never showed a frame is dropped. */
void fl_window_end_run (FlWindow *self);
void fl_window_set_progress (FlWindow *self, double fraction, const char *text);
void fl_window_set_backend (FlWindow *self, const char *description);
/* The alignment and features the run uses (both taken; features nullable). */
void fl_window_set_run_inputs (FlWindow *self, FlMsa *msa, FlFeatures *features);
void fl_window_add_frame (FlWindow *self, FlFrame *frame);
void fl_window_add_recycle (FlWindow *self, FlRecycleData *data);

/* ---- for exports and tests ---- */
FlStructureView *fl_window_get_structure_view (FlWindow *self);
FlTimeline *fl_window_get_timeline (FlWindow *self);
const char *fl_window_get_sequence (FlWindow *self);     /* of what is shown; nullable */
const char *fl_window_get_title_name (FlWindow *self);   /* what is shown; nullable */
/* The frame the timeline is on (as received, not superposed); nullable, borrowed. */
FlFrame *fl_window_get_current_frame (FlWindow *self);
GPtrArray *fl_window_get_recycles (FlWindow *self);      /* FlRecycleData*, borrowed */
GtkWidget *fl_window_get_analysis_area (FlWindow *self);
/* The GtkOverlay around the 3D view (for drawings over it); borrowed. */
GtkWidget *fl_window_get_view_overlay (FlWindow *self);
/* The FlAnalysisPanels inside the analysis area; borrowed. */
GtkWidget *fl_window_get_analysis_panels (FlWindow *self);
const char *fl_window_get_progress_text (FlWindow *self);
/* The 3D view's share of the width beside the panels (0..1). */
double fl_window_get_split (FlWindow *self);
/* Set that share (what a drag of the handle does). */
void fl_window_set_split (FlWindow *self, double share);

G_END_DECLS
