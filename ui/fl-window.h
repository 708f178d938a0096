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
#include "fl-structure-view.h"
#include "fl-timeline.h"

G_BEGIN_DECLS

#define FL_TYPE_WINDOW (fl_window_get_type ())
G_DECLARE_FINAL_TYPE (FlWindow, fl_window, FL, WINDOW, GtkApplicationWindow)

FlWindow *fl_window_new (GtkApplication *app);

/* Bind recycles, tolerance, preset and colour scale to settings (nullable). */
void fl_window_bind_settings (FlWindow *self, GSettings *settings);

/* ---- input ---- */
/* A loaded alignment / sequence file: name for the label, its text (what a
 * run parses) and the parsed alignment (taken; shown in the MSA panel). */
void fl_window_set_input (FlWindow *self, const char *name, const char *text, FlMsa *msa);
/* What Run should use: the loaded text while the entry still shows its query,
 * else the sequence typed or pasted into the entry. NULL when empty.
 * name_out (nullable) gets a borrowed display name. */
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
/* A new run: clears the timeline and per-recycle data. */
void fl_window_begin_run (FlWindow *self, const char *name, const char *sequence,
                          int n_passes_expected);
void fl_window_set_progress (FlWindow *self, double fraction, const char *text);
void fl_window_set_backend (FlWindow *self, const char *description);
/* The alignment and features the run uses (both taken; features nullable). */
void fl_window_set_run_inputs (FlWindow *self, FlMsa *msa, FlFeatures *features);
void fl_window_add_frame (FlWindow *self, FlFrame *frame);
void fl_window_add_recycle (FlWindow *self, FlRecycleData *data);

/* ---- an existing prediction ---- */
/* Shows one structure (frame referenced) with its sequence, optional
 * confidence (PAE, pTM; referenced) and optional alignment (taken). */
void fl_window_show_prediction (FlWindow *self, const char *name, FlFrame *frame,
                                const char *sequence, FlRecycleData *scores, FlMsa *msa);

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

G_END_DECLS
