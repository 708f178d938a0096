/* Confidence plots, pure cairo (no GTK):
 *  - pLDDT per residue, one line per recycle (older recycles thin and light,
 *    the current one bold), over the AlphaFold DB bands shaded in their
 *    colours (>90 #0053D6, 70-90 #65CBF3, 50-70 #FFDB13, <50 #FF7D45);
 *  - per recycle: mean pLDDT and pTM x 100 (left axis, 0..100) and the
 *    early-stop tolerance in Å (right axis; recycle 0 has none). */
#pragma once
#include <glib.h>
#include <cairo.h>
#include "fl-snapshot.h"

G_BEGIN_DECLS

typedef struct {
  double plot_x, plot_y, plot_w, plot_h;       /* pLDDT per residue */
  double stats_x, stats_y, stats_w, stats_h;   /* per-recycle scores */
} FlConfidenceLayout;

void fl_confidence_layout_compute (FlConfidenceLayout *layout, double width, double height);
/* Residue under x in the pLDDT plot (clamped), -1 when outside it. */
int fl_confidence_residue_at (const FlConfidenceLayout *layout, int L, double x, double y);

/* recycles: n FlRecycleData (all the same L); current: the bold one (-1 =
 * the last); selected / hover: residues to mark (-1 none). */
void fl_confidence_draw (cairo_t *cr, double width, double height,
                         FlRecycleData *const *recycles, int n, int current,
                         int selected, int hover);

/* CSV "residue,aa_index,plddt_r0,plddt_r1,..." then a blank line and
 * "recycle,mean_plddt,ptm,tolerance"; JSON {"recycles":[{"recycle","mean_plddt",
 * "ptm","tolerance","plddt":[..]}]} (NaN as empty / null). */
char *fl_confidence_to_csv (FlRecycleData *const *recycles, int n);
char *fl_confidence_to_json (FlRecycleData *const *recycles, int n);

G_END_DECLS
