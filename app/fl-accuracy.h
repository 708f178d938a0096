/* FlAccuracy: accuracy of every frame against an experimental structure in
 * the main window (issue 15). Adds an "Accuracy" tab to the analysis panels
 * (the numbers of the frame shown and FlAccuracyPlot over all frames), a
 * line over the 3D view with the frame's numbers, and the reference's Cα
 * trace drawn thin grey over the view, superposed on the frame shown.
 *
 * Scores (model/fl-compare.h) are computed on the main thread a few frames
 * per tick, so a long run stays responsive; they follow the timeline (a new
 * run or prediction starts over; a new sequence re-aligns the reference). */
#pragma once
#include "fl-window.h"
#include "fl-compare.h"

G_BEGIN_DECLS

typedef struct _FlAccuracy FlAccuracy;

FlAccuracy *fl_accuracy_new (FlWindow *window);
void fl_accuracy_free (FlAccuracy *self);

/* Read a PDB / mmCIF reference (first protein chain); replaces the last. */
gboolean fl_accuracy_set_reference (FlAccuracy *self, const char *path, GError **error);
void fl_accuracy_clear_reference (FlAccuracy *self);

/* Scores of frame index (timeline order) if computed; FALSE otherwise. */
gboolean fl_accuracy_get_scores (FlAccuracy *self, guint index, FlCompareScores *out);
/* Compute every pending frame now (tests, screenshots). */
void fl_accuracy_update_now (FlAccuracy *self);
/* The caption over the 3D view ("" when none; borrowed). */
const char *fl_accuracy_get_caption (FlAccuracy *self);

G_END_DECLS
