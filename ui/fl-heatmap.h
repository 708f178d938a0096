/* Heatmaps: a (rows, cols) float matrix rendered to a cairo ARGB32 image
 * surface, one pixel per cell (written directly, through the palette LUT),
 * then painted scaled with the NEAREST filter so cells stay crisp.
 * Pure cairo: usable off the main thread and without a display. */
#pragma once
#include <glib.h>
#include <cairo.h>
#include "fl-palette.h"

G_BEGIN_DECLS

/* Finite minimum and maximum of n values (NaN / inf ignored); FALSE (and
 * 0, 0) when none is finite. */
gboolean fl_heatmap_value_range (const float *values, gsize n, float *vmin, float *vmax);

/* New image surface of cols x rows pixels: pixel (x=j, y=i) is the colour of
 * values[i * cols + j] over [vmin, vmax]. NULL (with a warning-free return)
 * when rows or cols < 1 or the surface cannot be created. */
cairo_surface_t *fl_heatmap_render (const float *values /* (rows, cols) */, int rows, int cols,
                                    const FlPalette *palette, float vmin, float vmax);
/* Recolour into an existing ARGB32 surface of at least cols x rows pixels
 * (no allocation: the fast path when only the palette or range changes).
 * Returns FALSE when the surface is too small or not ARGB32/RGB24. */
gboolean fl_heatmap_recolor (cairo_surface_t *surface, const float *values /* (rows, cols) */,
                             int rows, int cols, const FlPalette *palette,
                             float vmin, float vmax);

/* Paint image scaled to the rectangle (x, y, w, h) with the nearest filter. */
void fl_heatmap_paint (cairo_t *cr, cairo_surface_t *image, double x, double y,
                       double w, double h);

/* A copy of image reduced to width x height pixels with a box filter
 * (cairo's GOOD filter: every cell contributes, unlike NEAREST sampling):
 * for maps with more cells than screen pixels. NULL on bad sizes. */
cairo_surface_t *fl_heatmap_downscale (cairo_surface_t *image, int width, int height);

/* Colour bar (see fl_palette_draw_colorbar) with the value range printed
 * under it as "range lo .. hi". The text always stays inside the box: when
 * it is wider than w it goes on two lines ("range" over "lo .. hi") in a
 * font shrunk to fit, and the bar gets shorter. */
void fl_heatmap_draw_legend (cairo_t *cr, const FlPalette *palette, float vmin, float vmax,
                             double x, double y, double w, double h, const char *title);
/* The same with the range of the data itself under the bar ("data lo .. hi
 * unit"), e.g. a PAE drawn over 0..30 Å whose values span 0.3..27.9 Å; a
 * non-finite data range falls back to "range vmin .. vmax". */
void fl_heatmap_draw_legend_data (cairo_t *cr, const FlPalette *palette, float vmin, float vmax,
                                  float data_lo, float data_hi, const char *unit,
                                  double x, double y, double w, double h, const char *title);

/* CSV of the matrix: a header "row,<0>,<1>,..." then one line per row
 * "<i>,v,v,..." with %.6g values, NaN written as "nan". */
char *fl_heatmap_to_csv (const float *values /* (rows, cols) */, int rows, int cols);
/* JSON object {"rows":R,"cols":C,"vmin":..,"vmax":..,"title":..,"values":[[..],..]}
 * (NaN written as null). */
char *fl_heatmap_to_json (const float *values /* (rows, cols) */, int rows, int cols,
                          float vmin, float vmax, const char *title);

G_END_DECLS
