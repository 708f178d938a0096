/* FlAnalysisPanels: the analysis side of the main window, one composite
 * widget: the MSA panel, the pair / attention map panel and the confidence
 * plots (pLDDT per recycle, mean pLDDT / pTM / tolerance), in tabs.
 *
 * Main thread only. Data in:
 *   set_msa       the alignment (and, optionally, the features built from it
 *                 so the MSA panel can mark cluster centres and extra rows);
 *                 the panels copy what they need, the caller keeps ownership.
 *   set_recycles  FlRecycleData of every recycle finished so far and which one
 *                 the timeline shows; the panels take their own references to
 *                 the elements (the array itself is not kept), so the caller
 *                 may append to / free its array afterwards.
 *   set_frame     the structure on the timeline (for CA-CA distances on hover);
 *                 referenced, NULL clears.
 *   select_residue marks residue i's row / column in every map (-1: none);
 *                 does not emit "residue-selected".
 * Signals out (residue indices are 0-based):
 *   "residues-hovered"  (int i, int j)       pointer over map cell (i, j); in
 *                       1-D views (MSA column, pLDDT plot) j = -1; (-1, -1)
 *                       when the pointer leaves.
 *   "residue-selected"  (int i)              a click on a residue (-1: cleared).
 *   "residues-brushed"  (int first, int last) a dragged range. For a rectangle
 *                       in a pair map this is the row range; both ranges are
 *                       available from fl_analysis_panels_get_brush().
 *                       (-1, -1) when the brush is cleared. */
#pragma once
#include <gtk/gtk.h>
#include "fl-msa.h"
#include "fl-features.h"
#include "fl-snapshot.h"

G_BEGIN_DECLS

#define FL_TYPE_ANALYSIS_PANELS (fl_analysis_panels_get_type ())
G_DECLARE_FINAL_TYPE (FlAnalysisPanels, fl_analysis_panels, FL, ANALYSIS_PANELS, GtkWidget)

GtkWidget *fl_analysis_panels_new (void);

void fl_analysis_panels_set_msa (FlAnalysisPanels *self, const FlMsa *msa,
                                 const FlFeatures *features /* nullable */);
/* The input's templates (FlTemplateHit*, aligned to `query`; NULL: none)
 * as coverage tracks on the MSA panel. */
void fl_analysis_panels_set_templates (FlAnalysisPanels *self, GPtrArray *hits, const char *query);
/* recycles: GPtrArray of FlRecycleData*, may be NULL or empty; current is
 * an index into it (clamped; -1 = the last). */
void fl_analysis_panels_set_recycles (FlAnalysisPanels *self, GPtrArray *recycles,
                                      int current);
void fl_analysis_panels_set_frame (FlAnalysisPanels *self, FlFrame *frame /* nullable */);
void fl_analysis_panels_select_residue (FlAnalysisPanels *self, int residue /* -1 none */);

/* Forget everything shown: alignment, maps, frame, selection and brushes
 * (a new document comes next); emits nothing. */
void fl_analysis_panels_reset (FlAnalysisPanels *self);
/* The last brush: rows [row_first, row_last], columns [col_first, col_last]
 * (all -1 when none). For 1-D brushes the column range equals the row range.
 * Returns TRUE when a brush is active. Any pointer may be NULL. */
gboolean fl_analysis_panels_get_brush (FlAnalysisPanels *self, int *row_first, int *row_last,
                                       int *col_first, int *col_last);

/* The panels inside (borrowed): FlMsaView, FlPairMapView, FlConfidencePlot
 * (ui/fl-msa-view.h, fl-pair-map-view.h, fl-confidence-plot.h). */
GtkWidget *fl_analysis_panels_get_msa_view (FlAnalysisPanels *self);
GtkWidget *fl_analysis_panels_get_pair_map_view (FlAnalysisPanels *self);
GtkWidget *fl_analysis_panels_get_confidence_plot (FlAnalysisPanels *self);
/* Add a tab after the others (the accuracy panel); returns its page index. */
int fl_analysis_panels_add_page (FlAnalysisPanels *self, GtkWidget *page, const char *title);
/* Show one tab: 0 MSA, 1 pair maps, 2 confidence, then added pages. */
void fl_analysis_panels_show_page (FlAnalysisPanels *self, int page);

G_END_DECLS
