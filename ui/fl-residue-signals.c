#include "fl-residue-signals.h"

void
fl_residue_signals_install (gpointer klass, guint *signals, int n_signals)
{
  GType type = G_TYPE_FROM_CLASS (klass);
  if (n_signals > FL_RESIDUE_SIGNAL_HOVERED)
    signals[FL_RESIDUE_SIGNAL_HOVERED] =
      g_signal_new ("residues-hovered", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  if (n_signals > FL_RESIDUE_SIGNAL_SELECTED)
    signals[FL_RESIDUE_SIGNAL_SELECTED] =
      g_signal_new ("residue-selected", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 1, G_TYPE_INT);
  if (n_signals > FL_RESIDUE_SIGNAL_BRUSHED)
    signals[FL_RESIDUE_SIGNAL_BRUSHED] =
      g_signal_new ("residues-brushed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                    G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
}
