/* FlAccuracyPlot: accuracy against an experimental structure over a run's
 * frames (every structure-module layer of every recycle), the AlphaFold2
 * paper's Fig. 4 live: TM-score, lDDT-Cα and GDT_TS (0..1, left axis) and
 * Cα-RMSD (Å, right axis) against the frame, recycles marked along the
 * bottom, the frame on the timeline marked by a vertical line. Cairo only;
 * main thread. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct {
  int recycle, layer, n_layers;
  double rmsd_ca, tm_score, lddt_ca, gdt_ts;   /* NAN while not computed */
} FlAccuracyPoint;

#define FL_TYPE_ACCURACY_PLOT (fl_accuracy_plot_get_type ())
G_DECLARE_FINAL_TYPE (FlAccuracyPlot, fl_accuracy_plot, FL, ACCURACY_PLOT, GtkDrawingArea)

GtkWidget *fl_accuracy_plot_new (void);
/* Points are copied; current: index of the frame shown (-1 none). */
void fl_accuracy_plot_set_points (FlAccuracyPlot *self, const FlAccuracyPoint *points, int n,
                                  int current);
/* A line in the middle instead of a plot (no points), NULL: none. */
void fl_accuracy_plot_set_message (FlAccuracyPlot *self, const char *message);

G_END_DECLS
