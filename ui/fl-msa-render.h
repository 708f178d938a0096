/* The MSA panel's data and pure cairo drawing (no GTK, thread-safe reads).
 *
 * FlMsaModel is an immutable, reference-counted copy of an alignment in
 * display order: the query first, then the other rows sorted by identity to
 * the query (descending, stable). Identity of a row is as in ColabFold's
 * coverage plot: the fraction of the L query columns where the row has the
 * query's residue (gaps count as mismatches). Coverage of a column is the
 * number of rows (query included) with a residue (not a gap) there.
 *
 * Colouring: by amino-acid class (fl-palette.h), or by the row's identity
 * (FL_PALETTE_IDENTITY over 0..1) on its residues; gaps are white in both;
 * a cell with an insertion before it (A3M lowercase run) is darkened. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include <cairo.h>
#include "fl-msa.h"
#include "fl-features.h"
#include "fl-snapshot.h"
#include "fl-palette.h"

G_BEGIN_DECLS

typedef enum {
  FL_MSA_ROW_UNKNOWN,   /* no features given */
  FL_MSA_ROW_QUERY,
  FL_MSA_ROW_CLUSTER,   /* a cluster centre (msa_feat row) */
  FL_MSA_ROW_EXTRA,     /* went to the extra-MSA stack */
  FL_MSA_ROW_UNUSED,    /* in the file, used by neither (over the caps) */
} FlMsaRowKind;

typedef enum {
  FL_MSA_COLOR_AA_CLASS,
  FL_MSA_COLOR_IDENTITY,
} FlMsaColorMode;

typedef struct {
  int n_rows, L;
  char *query;            /* L letters */
  int8_t *tokens;         /* (n_rows, L) display order */
  uint8_t *insertion;     /* (n_rows, L) 1 = insertion before this column */
  int *order;             /* (n_rows) display row -> input row */
  float *identity;        /* (n_rows) display order, 0..1 */
  int *coverage;          /* (L) non-gap rows per column */
  uint8_t *row_kind;      /* (n_rows) FlMsaRowKind, display order */
  int *cluster_index;     /* (n_rows) display row -> msa_feat row or -1 */
  char **names;           /* (n_rows) display order */
  gboolean has_features;
} FlMsaModel;

/* Copies what it needs from msa (and features, nullable). NULL for an
 * empty alignment. */
FlMsaModel *fl_msa_model_new (const FlMsa *msa, const FlFeatures *features);
FlMsaModel *fl_msa_model_ref (FlMsaModel *model);
void fl_msa_model_unref (FlMsaModel *model);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlMsaModel, fl_msa_model_unref)

/* Identity of each row of msa to its query (input order), as above. */
void fl_msa_compute_identity (const FlMsa *msa, float *identity /* (n_rows) */);
/* Display order: query first, others by identity descending (stable). */
void fl_msa_sort_by_identity (const float *identity /* (n_rows) */, int n_rows,
                              int *order /* (n_rows) out: display -> input */);

/* Per display row weight from MSA column attention (FlRecycleData
 * msa_col_attention, (col_heads, n_clust)), averaged over heads, for rows
 * that are cluster rows; NaN elsewhere. Returns FALSE (all NaN) when data has
 * no column attention. */
gboolean fl_msa_model_row_weights (const FlMsaModel *model, const FlRecycleData *data,
                                   float *weights /* (n_rows) out */);

/* Colour of one cell (display row r, column c) as ARGB32. */
uint32_t fl_msa_model_cell_argb (const FlMsaModel *model, FlMsaColorMode mode,
                                 gboolean mark_insertions, int r, int c);
/* Render rows [row0, row0 + rows) x columns [col0, col0 + cols) into pixels
 * (one per cell, stride in pixels); cells outside the alignment are
 * transparent. */
void fl_msa_model_render_cells (const FlMsaModel *model, FlMsaColorMode mode,
                                gboolean mark_insertions, int row0, int col0,
                                int rows, int cols, uint32_t *pixels, int stride_px);
/* The same into a new ARGB32 surface of cols x rows pixels (a tile). */
cairo_surface_t *fl_msa_model_render_tile (const FlMsaModel *model, FlMsaColorMode mode,
                                           gboolean mark_insertions, int row0, int col0,
                                           int rows, int cols);
/* One pixel per display row (1 x n_rows): row-kind marks; and the weights
 * (viridis over 0..max weight, transparent where NaN). */
cairo_surface_t *fl_msa_model_render_row_marks (const FlMsaModel *model);
cairo_surface_t *fl_msa_model_render_weights (const FlMsaModel *model, const float *weights);
uint32_t fl_msa_row_kind_argb (FlMsaRowKind kind);
const char *fl_msa_row_kind_name (FlMsaRowKind kind);

/* Layout of the panel inside (0, 0, width, height). */
typedef struct {
  double cov_x, cov_y, cov_w, cov_h;     /* coverage strip (shares x with the map) */
  double marks_x, weights_x, strip_w;    /* row-kind / weight strips, left of the map */
  double map_x, map_y, map_w, map_h;     /* the alignment */
  double legend_x, legend_y, legend_w, legend_h;
  double tracks_y, tracks_h;             /* template tracks between strip and map (0 high: none) */
} FlMsaLayout;
void fl_msa_layout_compute (FlMsaLayout *layout, double width, double height,
                            gboolean show_weights);
/* Make room for `height` px of template tracks under the coverage strip
 * (the map moves down and shrinks). */
void fl_msa_layout_add_tracks (FlMsaLayout *layout, double height);

/* The row-kind strip (and the weight strip when weights is not NULL) for
 * display rows [row0, row0 + nrows) over the map's height: one pixel row
 * pools the rows it covers (the most telling kind: query > cluster centre >
 * extra > unused; the largest weight), so sparse cluster rows stay visible
 * when 8,000 rows share 600 pixels. */
void fl_msa_draw_row_strips (cairo_t *cr, const FlMsaModel *model, const float *weights,
                             const FlMsaLayout *layout, double row0, double nrows);
/* Coverage strip over columns [col0, col0 + ncols) drawn in (x, y, w, h):
 * the count per position as a black line over the identity-coloured
 * rows-per-position area, with an axis of counts. */
void fl_msa_draw_coverage (cairo_t *cr, const FlMsaModel *model, double col0, double ncols,
                           double x, double y, double w, double h);
/* Axes of the map for the visible columns [col0, col0 + ncols) and rows
 * [row0, row0 + nrows): residue numbers (1-based) below, row counts left. */
void fl_msa_draw_axes (cairo_t *cr, const FlMsaModel *model, const FlMsaLayout *layout,
                       double col0, double ncols, double row0, double nrows);
/* Legend under the map: amino-acid classes or the identity colour bar,
 * plus the row-kind marks when features are known and the weight strip's
 * scale when show_weights. */
void fl_msa_draw_legend (cairo_t *cr, const FlMsaModel *model, FlMsaColorMode mode,
                         gboolean show_weights, double x, double y, double w, double h);
/* The whole panel, whole alignment fitted into width x height (export and
 * tests; the widget draws the same layout from its tile cache). weights may
 * be NULL. selected: column to mark or -1. */
void fl_msa_draw_full (cairo_t *cr, double width, double height, const FlMsaModel *model,
                       FlMsaColorMode mode, gboolean mark_insertions,
                       const float *weights /* (n_rows) or NULL */, int selected);

/* CSV: one line per display row: "display_row,input_row,kind,identity,weight,name,sequence";
 * JSON: {"L","n_rows","query","coverage":[..],"rows":[{"input_row","kind","identity","weight","name"}]} */
char *fl_msa_model_to_csv (const FlMsaModel *model, const float *weights /* nullable */);
char *fl_msa_model_to_json (const FlMsaModel *model, const float *weights /* nullable */);

G_END_DECLS
