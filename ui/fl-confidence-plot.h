/* FlConfidencePlot: pLDDT per residue for each recycle (lines, the current
 * one bold) over the AlphaFold DB bands, and mean pLDDT / pTM / early-stop
 * tolerance per recycle (drawing: fl-confidence-render.h).
 * Signals: "residues-hovered" (int i, -1), "residue-selected" (int i). */
#pragma once
#include <gtk/gtk.h>
#include "fl-confidence-render.h"
#include "fl-export.h"

G_BEGIN_DECLS

#define FL_TYPE_CONFIDENCE_PLOT (fl_confidence_plot_get_type ())
G_DECLARE_FINAL_TYPE (FlConfidencePlot, fl_confidence_plot, FL, CONFIDENCE_PLOT, GtkWidget)

GtkWidget *fl_confidence_plot_new (void);
/* recycles: GPtrArray of FlRecycleData* (references taken, array not kept),
 * current: index (-1 = last). */
void fl_confidence_plot_set_recycles (FlConfidencePlot *self, GPtrArray *recycles, int current);
void fl_confidence_plot_select_residue (FlConfidencePlot *self, int residue);
guint fl_confidence_plot_get_n_recycles (FlConfidencePlot *self);
gboolean fl_confidence_plot_export (FlConfidencePlot *self, FlExportFormat format,
                                    const char *path, GError **error);

G_END_DECLS
