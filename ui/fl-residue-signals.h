/* The residue-linking signals shared by the analysis panels:
 *   "residues-hovered" (int i, int j; -1 = none)
 *   "residue-selected" (int residue; -1 = none)
 *   "residues-brushed" (int first, int last)
 * One definition so every panel emits the same signature. */
#pragma once
#include <glib-object.h>

G_BEGIN_DECLS

typedef enum {
  FL_RESIDUE_SIGNAL_HOVERED,
  FL_RESIDUE_SIGNAL_SELECTED,
  FL_RESIDUE_SIGNAL_BRUSHED,
  FL_N_RESIDUE_SIGNALS,
} FlResidueSignal;

/* Install the first n_signals of the signals above on klass, ids into signals[]. */
void fl_residue_signals_install (gpointer klass, guint *signals, int n_signals);

G_END_DECLS
