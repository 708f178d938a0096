/* FlMsaView: the MSA panel widget. The alignment as a heatmap (rows sorted
 * by identity to the query, coloured by amino-acid class or identity), the
 * coverage strip above, row marks (query / cluster centre / extra / unused)
 * and an optional per-row weight strip from MSA column attention.
 *
 * Zoom (Ctrl + wheel, or the +/- buttons) and scroll (wheel, scroll bars)
 * through thousands of rows: the map is cut in 256 x 256-cell tiles rendered
 * on worker threads (GTask) into image surfaces, cached, and swapped in as
 * they arrive; a frame only paints cached tiles.
 *
 * Signals: "residues-hovered" (int column, -1), "residue-selected" (int),
 * "residues-brushed" (int first, int last): columns = residues, 0-based. */
#pragma once
#include <gtk/gtk.h>
#include "fl-msa-render.h"
#include "fl-export.h"
#include "fl-template-tracks.h"

G_BEGIN_DECLS

#define FL_TYPE_MSA_VIEW (fl_msa_view_get_type ())
G_DECLARE_FINAL_TYPE (FlMsaView, fl_msa_view, FL, MSA_VIEW, GtkWidget)

GtkWidget *fl_msa_view_new (void);
void fl_msa_view_set_msa (FlMsaView *self, const FlMsa *msa, const FlFeatures *features);
/* Template coverage tracks under the coverage strip, one per hit
 * (FlTemplateHit*, aligned to `query`; NULL or empty: none). Hovering a
 * track names the template (status line and tooltip). */
void fl_msa_view_set_templates (FlMsaView *self, GPtrArray *hits, const char *query);
const FlTemplateTracks *fl_msa_view_get_templates (FlMsaView *self);   /* nullable */
/* Centre of track `track` at query column `column` in widget coordinates
 * (tests); FALSE without tracks or a size. */
gboolean fl_msa_view_track_center (FlMsaView *self, int track, int column, double *x, double *y);
/* Borrowed model (NULL while no alignment is set). */
FlMsaModel *fl_msa_view_get_model (FlMsaView *self);
/* Weights overlay from data->msa_col_attention (NULL or no attention: off). */
void fl_msa_view_set_recycle_data (FlMsaView *self, FlRecycleData *data);
void fl_msa_view_set_color_mode (FlMsaView *self, FlMsaColorMode mode);
void fl_msa_view_select_residue (FlMsaView *self, int residue);
/* Zoom: cells per pixel factors relative to "fit everything" (1 = fit). */
void fl_msa_view_set_zoom (FlMsaView *self, double zoom_columns, double zoom_rows);
/* Scroll so that display row / column is the first visible one. */
void fl_msa_view_scroll_to (FlMsaView *self, double first_row, double first_column);
/* What pointer events do, callable directly (tests, scripting): hover at a
 * point of the map area; brush the columns between two points (emits
 * "residues-brushed"; FALSE without an alignment); click (select the column,
 * a second click clears; emits "residue-selected"). */
void fl_msa_view_hover_at (FlMsaView *self, double x, double y);
gboolean fl_msa_view_brush_between (FlMsaView *self, double x0, double y0, double x1, double y1);
void fl_msa_view_click_at (FlMsaView *self, double x, double y);
/* Centre of cell (display row, column) in map-area coordinates (may lie
 * outside the visible part); FALSE without an alignment or a size. */
gboolean fl_msa_view_cell_center (FlMsaView *self, int row, int column, double *x, double *y);
/* The status line (hovered residue / row). */
const char *fl_msa_view_get_status (FlMsaView *self);
/* Tiles cached and tiles still being rendered (for tests and benchmarks). */
void fl_msa_view_get_tile_stats (FlMsaView *self, guint *ready, guint *pending);

gboolean fl_msa_view_export (FlMsaView *self, FlExportFormat format, const char *path,
                             GError **error);

G_END_DECLS
