/* FlPalette: colour maps for the analysis panels (pure cairo, no GTK).
 *
 * Continuous maps (value -> colour through t = (v - vmin) / (vmax - vmin),
 * clamped to [0, 1]; vmin > vmax reverses a map):
 *   FL_PALETTE_VIRIDIS     perceptually uniform sequential (viridis samples:
 *                          #440154 at 0 ... #FDE725 at 1).
 *   FL_PALETTE_PAE         predicted aligned error, blue to white: piecewise
 *                          linear through #08306B (0 Å), #2171B5 (5 Å),
 *                          #6BAED6 (10 Å), #C6DBEF (20 Å), #FFFFFF (30 Å) when
 *                          drawn over the usual 0..30 Å range (stops at
 *                          t = 0, 1/6, 1/3, 2/3, 1).
 *   FL_PALETTE_DIVERGING   pair bias and other signed values: #2166AC (t=0),
 *                          #92C5DE, #F7F7F7 (t=0.5, zero when the range is
 *                          symmetric), #F4A582, #B2182B (t=1).
 *   FL_PALETTE_IDENTITY    sequence identity to the query as ColabFold's
 *                          coverage plot (rainbow, reversed): #D62728 red (0),
 *                          #FF9F1C, #D4E157, #26C6DA, #3949AB indigo (1).
 *   FL_PALETTE_GREYS       white (0) to black (1).
 * Categorical colours: amino-acid classes (Clustal-like), AlphaFold DB pLDDT
 * bands (>90 #0053D6, 70-90 #65CBF3, 50-70 #FFDB13, <50 #FF7D45).
 * NaN maps to mid grey #9E9E9E. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include <cairo.h>

G_BEGIN_DECLS

typedef enum {
  FL_PALETTE_VIRIDIS,
  FL_PALETTE_PAE,
  FL_PALETTE_DIVERGING,
  FL_PALETTE_IDENTITY,
  FL_PALETTE_GREYS,
  FL_PALETTE_N_KINDS,
} FlPaletteKind;

typedef struct {
  float r, g, b, a;   /* 0..1, not premultiplied */
} FlRgba;

#define FL_PALETTE_LUT_SIZE 1024

typedef struct {
  FlPaletteKind kind;
  const char *name;
  /* FL_PALETTE_LUT_SIZE samples of t in [0, 1], opaque ARGB32 (0xAARRGGBB). */
  uint32_t lut[FL_PALETTE_LUT_SIZE];
  uint32_t nan_argb;
} FlPalette;

/* The shared, immutable palette of a kind (built once, thread-safe). */
const FlPalette *fl_palette_get (FlPaletteKind kind);
const char *fl_palette_kind_name (FlPaletteKind kind);

/* Exact (interpolated between stops, not LUT-quantised) colour at t in [0, 1]. */
FlRgba fl_palette_at (const FlPalette *palette, float t);
/* Colour of value v over [vmin, vmax] (exact). */
FlRgba fl_palette_map (const FlPalette *palette, float v, float vmin, float vmax);
/* ARGB32 of value v over [vmin, vmax] through the LUT (fast path). */
static inline uint32_t
fl_palette_map_argb (const FlPalette *palette, float v, float vmin, float vmax)
{
  if (v != v)
    return palette->nan_argb;
  float t = vmax != vmin ? (v - vmin) / (vmax - vmin) : 0.f;
  t = t < 0.f ? 0.f : (t > 1.f ? 1.f : t);
  return palette->lut[(int) (t * (FL_PALETTE_LUT_SIZE - 1) + 0.5f)];
}

uint32_t fl_rgba_to_argb (FlRgba c);
FlRgba fl_rgba_from_argb (uint32_t argb);
FlRgba fl_rgba_from_hex (uint32_t rgb);   /* 0xRRGGBB, opaque */
void fl_cairo_set_rgba (cairo_t *cr, FlRgba c);

/* Amino-acid classes of AlphaFold tokens (0..19 ARNDCQEGHILKMFPSTWYV,
 * 20 X, 21 gap, 22 mask). */
typedef enum {
  FL_AA_CLASS_HYDROPHOBIC,  /* A I L M V      #80A0F0 */
  FL_AA_CLASS_AROMATIC,     /* F W Y H        #15A4A4 */
  FL_AA_CLASS_POSITIVE,     /* K R            #F01505 */
  FL_AA_CLASS_NEGATIVE,     /* D E            #C048C0 */
  FL_AA_CLASS_POLAR,        /* S T N Q        #15C015 */
  FL_AA_CLASS_CYSTEINE,     /* C              #F08080 */
  FL_AA_CLASS_GLYCINE,      /* G              #F09048 */
  FL_AA_CLASS_PROLINE,      /* P              #C0C000 */
  FL_AA_CLASS_UNKNOWN,      /* X, mask        #B0B0B0 */
  FL_AA_CLASS_GAP,          /* -              #FFFFFF */
  FL_AA_N_CLASSES,
} FlAaClass;

FlAaClass fl_aa_class_of_token (int token);
const char *fl_aa_class_name (FlAaClass cls);
uint32_t fl_aa_class_argb (FlAaClass cls);
static inline uint32_t fl_aa_token_argb (int token) { return fl_aa_class_argb (fl_aa_class_of_token (token)); }

/* AlphaFold DB pLDDT band of a value (0: >90, 1: 70-90, 2: 50-70, 3: <50). */
int fl_plddt_band (float plddt);
uint32_t fl_plddt_band_argb (int band);
const char *fl_plddt_band_label (int band);

/* Legends. Draw a colour bar for palette over [vmin, vmax] into the box
 * (x, y, w, h): vertical when h > w, else horizontal; values ascend upwards
 * / rightwards (ticks with values, an optional title); a reversed range
 * (vmin > vmax) flips the colours, not the numbers. */
void fl_palette_draw_colorbar (cairo_t *cr, const FlPalette *palette, float vmin, float vmax,
                               double x, double y, double w, double h, const char *title);
/* A row of swatches with labels for the amino-acid classes / pLDDT bands,
 * starting at (x, y), wrapping at width w; returns the height used. */
double fl_palette_draw_aa_legend (cairo_t *cr, double x, double y, double w);
double fl_palette_draw_plddt_legend (cairo_t *cr, double x, double y, double w);

G_END_DECLS
