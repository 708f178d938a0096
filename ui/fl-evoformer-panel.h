/* FlEvoformerPanel: "inside the Evoformer" (issue 15), one tab of the
 * analysis panels.
 *
 *  - Which Evoformer block and which residue the attention maps of the next
 *    run are captured at (until now fixed at the last block and L/2).
 *  - The per-block probe: the distogram head applied to the pair
 *    representation after every Evoformer block (labelled as a probe: the
 *    model reads the head only after the last block), shown as the contact
 *    map P(Cβ-Cβ < 8 Å) of the chosen block for the recycle on the
 *    timeline, with a block slider and play, so the map can be watched
 *    forming over the blocks. Recorded when "Record" was on for the run.
 *
 * Follows the window: the recycles it holds and the frame on the timeline.
 * Main thread only. */
#pragma once
#include "fl-window.h"

G_BEGIN_DECLS

#define FL_TYPE_EVOFORMER_PANEL (fl_evoformer_panel_get_type ())
G_DECLARE_FINAL_TYPE (FlEvoformerPanel, fl_evoformer_panel, FL, EVOFORMER_PANEL, GtkBox)

GtkWidget *fl_evoformer_panel_new (FlWindow *window);

/* For the next run: 1-based block (0: the last), 1-based residue (0: L/2),
 * and whether to record the per-block probe. */
int fl_evoformer_panel_get_attention_block (FlEvoformerPanel *self);
int fl_evoformer_panel_get_attention_residue (FlEvoformerPanel *self);
gboolean fl_evoformer_panel_get_record_probe (FlEvoformerPanel *self);
void fl_evoformer_panel_set_record_probe (FlEvoformerPanel *self, gboolean record);

/* What the probe map shows: 0 contact probability, 1 expected distance. */
void fl_evoformer_panel_set_kind (FlEvoformerPanel *self, int kind);
/* The block shown (1-based) and how many recycles / blocks have probes. */
void fl_evoformer_panel_set_block (FlEvoformerPanel *self, int block);
int fl_evoformer_panel_get_n_probe_blocks (FlEvoformerPanel *self);
/* Pull the window's recycles and timeline position now (tests). */
void fl_evoformer_panel_refresh (FlEvoformerPanel *self);

G_END_DECLS
