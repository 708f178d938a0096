/* The pair panel's data and pure cairo drawing: one L x L map at a time,
 * taken from an FlRecycleData (no GTK).
 *
 * Maps and their colour scales:
 *   MSA row attention   (att_heads, L, L) weights of the captured block, one
 *                       head or the mean over heads; viridis over 0..max.
 *   pair bias           the same attention's pair bias; diverging, symmetric
 *                       range -max|b|..max|b| (white = 0).
 *   triangle start/end  attention weights around the chosen query residue
 *                       (att_residue), per head or mean; viridis 0..max.
 *   contact probability distogram mass below 8 Å; greys 0..1.
 *   expected distance   distogram mean (Å); viridis reversed (near = bright),
 *                       over max..0.
 *   PAE                 predicted aligned error (ptm models); the PAE
 *                       blue-white palette over 0..30 Å (larger clamps). */
#pragma once
#include <glib.h>
#include <cairo.h>
#include "fl-snapshot.h"
#include "fl-palette.h"

G_BEGIN_DECLS

typedef enum {
  FL_PAIR_MAP_MSA_ROW_ATTENTION,
  FL_PAIR_MAP_PAIR_BIAS,
  FL_PAIR_MAP_TRI_START,
  FL_PAIR_MAP_TRI_END,
  FL_PAIR_MAP_CONTACTS,
  FL_PAIR_MAP_DISTANCE,
  FL_PAIR_MAP_PAE,
  FL_PAIR_MAP_TEMPLATE,   /* |what the templates add to the pair| (models 1 and 2) */
  FL_PAIR_MAP_N_KINDS,
} FlPairMapKind;

const char *fl_pair_map_kind_label (FlPairMapKind kind);   /* menu text */
const char *fl_pair_map_kind_id (FlPairMapKind kind);      /* "msa_row_attention", ... */
/* What the colour bar measures: "weight", "bias", "P(<8 Å)", "Å". */
const char *fl_pair_map_value_label (FlPairMapKind kind);
/* TRUE when data carries this map. */
gboolean fl_pair_map_available (const FlRecycleData *data, FlPairMapKind kind);
/* Heads of a per-head map (0 for maps without heads). */
int fl_pair_map_n_heads (const FlRecycleData *data, FlPairMapKind kind);

typedef struct {
  FlPairMapKind kind;
  int head;              /* -1 = mean over heads (or no heads) */
  int L;
  int recycle;
  int query_residue;     /* triangle maps: att_residue, else -1 */
  float *values;         /* (L, L) owned */
  float vmin, vmax;      /* display range (vmin > vmax = reversed palette) */
  FlPaletteKind palette;
  char *title;           /* e.g. "MSA row attention, block 47, mean of 8 heads" */
  char *unit;            /* "", "Å", ... */
  float data_min, data_max;  /* finite range of values (NAN when none) */
} FlPairMap;

/* Extracts a map (copies / averages). NULL when data lacks it or head is out
 * of range. */
FlPairMap *fl_pair_map_new (const FlRecycleData *data, FlPairMapKind kind, int head);
void fl_pair_map_free (FlPairMap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlPairMap, fl_pair_map_free)
/* Colour image of the map (L x L pixels). */
cairo_surface_t *fl_pair_map_render (const FlPairMap *map);
/* Recolour into an existing L x L surface (fast path). */
gboolean fl_pair_map_recolor (const FlPairMap *map, cairo_surface_t *surface);

typedef struct {
  double map_x, map_y, map_size;   /* square map */
  double bar_x, bar_y, bar_w, bar_h;
  gboolean axis_titles;            /* room for them (not in narrow panels) */
} FlPairMapLayout;
void fl_pair_map_layout_compute (FlPairMapLayout *layout, double width, double height);
/* Cell under widget point (x, y): TRUE and (i = row, j = column) inside the map. */
gboolean fl_pair_map_cell_at (const FlPairMapLayout *layout, int L, double x, double y,
                              int *i, int *j);

typedef struct {
  int selected;          /* residue whose row and column are marked, -1 none */
  int hover_i, hover_j;  /* hovered cell, -1 none */
  int brush_i0, brush_i1, brush_j0, brush_j1;  /* brushed rectangle, -1 none */
} FlPairMapOverlay;
void fl_pair_map_overlay_init (FlPairMapOverlay *overlay);

/* The whole panel into (0, 0, width, height): map (image may be NULL: it is
 * rendered on the fly; an L x L image larger than the map's pixels is
 * box-filtered first, a smaller one is taken as already reduced), axes,
 * marks of the overlay (may be NULL), colour bar with the value range and
 * the title. */
void fl_pair_map_draw (cairo_t *cr, double width, double height, const FlPairMap *map,
                       cairo_surface_t *image, const FlPairMapOverlay *overlay);

char *fl_pair_map_to_csv (const FlPairMap *map);
char *fl_pair_map_to_json (const FlPairMap *map);

G_END_DECLS
