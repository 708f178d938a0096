/* FlPairMapView: the pair panel. One L x L map at a time from the recycle
 * on the timeline, chosen from a drop-down (MSA row attention per head or
 * mean, its pair bias, triangle start / end attention around the chosen
 * residue, contact probability, expected distance, PAE), with a colour bar
 * and value range. Hover shows both residues, the value and, with a frame,
 * the CA-CA distance; dragging brushes a rectangle; the selected residue's
 * row and column are marked.
 *
 * Signals: "residues-hovered" (int i, int j), "residue-selected" (int i),
 * "residues-brushed" (int first, int last) with the row range of the
 * rectangle (both ranges: fl_pair_map_view_get_brush). */
#pragma once
#include <gtk/gtk.h>
#include "fl-pair-map-render.h"
#include "fl-export.h"

G_BEGIN_DECLS

#define FL_TYPE_PAIR_MAP_VIEW (fl_pair_map_view_get_type ())
G_DECLARE_FINAL_TYPE (FlPairMapView, fl_pair_map_view, FL, PAIR_MAP_VIEW, GtkWidget)

GtkWidget *fl_pair_map_view_new (void);
void fl_pair_map_view_set_recycle_data (FlPairMapView *self, FlRecycleData *data /* nullable */);
void fl_pair_map_view_set_frame (FlPairMapView *self, FlFrame *frame /* nullable */);
/* Residue letters for hover text (query sequence, L letters); nullable. */
void fl_pair_map_view_set_sequence (FlPairMapView *self, const char *sequence);
void fl_pair_map_view_set_map_kind (FlPairMapView *self, FlPairMapKind kind);
FlPairMapKind fl_pair_map_view_get_map_kind (FlPairMapView *self);
/* head: -1 = mean over heads. */
void fl_pair_map_view_set_head (FlPairMapView *self, int head);
void fl_pair_map_view_select_residue (FlPairMapView *self, int residue);
/* The map shown (borrowed), NULL when the data lacks it. */
const FlPairMap *fl_pair_map_view_get_map (FlPairMapView *self);
/* The two lines shown instead of a map that the recycle lacks (what
 * would bring it), or NULL when a map is shown / there is no data. */
char *fl_pair_map_view_dup_empty_text (FlPairMapView *self);
/* Forget the brush (no signal). */
void fl_pair_map_view_clear_brush (FlPairMapView *self);
gboolean fl_pair_map_view_get_brush (FlPairMapView *self, int *i0, int *i1, int *j0, int *j1);
/* The hover text of the status line (borrowed). */
const char *fl_pair_map_view_get_status (FlPairMapView *self);
/* Acts as if the pointer moved to (x, y) of the map area (as motion events
 * do): hover marks, status text, "residues-hovered". */
void fl_pair_map_view_hover_at (FlPairMapView *self, double x, double y);
/* As a drag from (x0, y0) to (x1, y1) does: brush the rectangle of cells
 * between them and emit "residues-brushed" (row range). FALSE (nothing
 * done) when (x0, y0) is outside the map. */
gboolean fl_pair_map_view_brush_between (FlPairMapView *self, double x0, double y0,
                                         double x1, double y1);
/* As a click on cell (i, j) does: select residue i (a second click on the
 * same row clears), clear the brush, emit "residue-selected". */
void fl_pair_map_view_click_cell (FlPairMapView *self, int i, int j);
/* Centre of cell (i, j) in map-area coordinates; FALSE without a map or size. */
gboolean fl_pair_map_view_cell_center (FlPairMapView *self, int i, int j, double *x, double *y);

gboolean fl_pair_map_view_export (FlPairMapView *self, FlExportFormat format, const char *path,
                                  GError **error);

G_END_DECLS
