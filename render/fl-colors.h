/* Per-residue colours for the cartoon (a lookup table; geometry is never
 * rebuilt to recolour).
 *
 * pLDDT bands as in the AlphaFold Protein Structure Database: very high
 * (pLDDT > 90) #0053D6, confident (70 < pLDDT <= 90) #65CBF3, low
 * (50 < pLDDT <= 70) #FFDB13, very low (<= 50) #FF7D45. The continuous scale
 * runs through the same four colours (orange at <= 40, yellow at 60, light
 * blue at 80, blue at >= 95, linear in between). Unknown values (NaN) are
 * grey. Other schemes: secondary structure, and a rainbow from N to C
 * terminus (useful when there is no pLDDT). Colours are linear 0..1 sRGB
 * components as in the hex codes (no gamma conversion). */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum {
  FL_COLOR_PLDDT_BANDS,
  FL_COLOR_PLDDT_CONTINUOUS,
  FL_COLOR_SECONDARY,     /* helix, strand, coil */
  FL_COLOR_RAINBOW,       /* N terminus blue -> C terminus red */
} FlColorScheme;

/* rgb (3) in 0..1. */
void fl_color_plddt_band (float plddt, float rgb[3]);
void fl_color_plddt_continuous (float plddt, float rgb[3]);
/* Index of the AlphaFold DB band: 0 very high, 1 confident, 2 low, 3 very low
 * (-1 for NaN); and the four band colours as hex strings "#0053D6", ... */
int fl_color_plddt_band_index (float plddt);
const char *fl_color_plddt_band_hex (int band);

/* Fill a per-residue table rgba (L, 4) (alpha 1). plddt (L) is needed for the
 * pLDDT schemes (NULL: grey), ss (L) FlSecondary values for FL_COLOR_SECONDARY
 * (NULL: coil colour). */
void fl_colors_fill (FlColorScheme scheme, const float *plddt, const uint8_t *ss, int L,
                     float *rgba);

G_END_DECLS
