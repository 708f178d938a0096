/* FlTimeline: every frame of a run in order (recycle r × structure-module
 * layer l) with a scrubber, play / pause, speed and "follow live".
 *
 * Frames are superposed on their predecessor (Kabsch on CA atoms) as they
 * arrive, so the model does not jump; positions between two frames are
 * linear blends of the superposed coordinates, which is how scrubbing, play
 * and live updates move smoothly.
 *
 * Signal:
 *   "frame-shown" (FlFrame *display, int index)   the structure to draw (a
 *       blend when between frames; borrowed for the call) and the index of
 *       the nearest real frame. Emitted on every change of position. */
#pragma once
#include <gtk/gtk.h>
#include "fl-snapshot.h"

G_BEGIN_DECLS

#define FL_TYPE_TIMELINE (fl_timeline_get_type ())
G_DECLARE_FINAL_TYPE (FlTimeline, fl_timeline, FL, TIMELINE, GtkWidget)

GtkWidget *fl_timeline_new (void);

/* Forget every frame. last_recycle (or -1: unknown) sets the label's
 * "Recycle r of 0–N" (recycles counted from 0 as AlphaFold does). */
void fl_timeline_clear (FlTimeline *self, int last_recycle);
/* Append a frame (referenced). With "follow live" on, the view moves to it. */
void fl_timeline_add_frame (FlTimeline *self, FlFrame *frame);
/* Scores known at the end of a recycle (shown on its frames' labels). */
void fl_timeline_set_recycle_scores (FlTimeline *self, int recycle, float mean_plddt, float ptm);

guint fl_timeline_get_n_frames (FlTimeline *self);
FlFrame *fl_timeline_get_frame (FlTimeline *self, guint index);          /* as received, borrowed */
FlFrame *fl_timeline_get_aligned_frame (FlTimeline *self, guint index);  /* superposed, borrowed */
/* Frames as received, in order (borrowed array of FlFrame*). */
GPtrArray *fl_timeline_get_frames (FlTimeline *self);

/* Position in frames (fractional = between two frames). animate: glide there. */
void fl_timeline_set_position (FlTimeline *self, double position, gboolean animate);
double fl_timeline_get_position (FlTimeline *self);
int fl_timeline_get_current_index (FlTimeline *self);

void fl_timeline_set_playing (FlTimeline *self, gboolean playing);
gboolean fl_timeline_get_playing (FlTimeline *self);
void fl_timeline_set_follow_live (FlTimeline *self, gboolean follow);
gboolean fl_timeline_get_follow_live (FlTimeline *self);
void fl_timeline_step (FlTimeline *self, int delta);
/* TRUE while the position glides towards a frame (after a step or a jump). */
gboolean fl_timeline_is_gliding (FlTimeline *self);
/* The label text of the current frame ("Recycle 2 of 0–3 · layer 8/8 · ..."). */
const char *fl_timeline_get_label (FlTimeline *self);

G_END_DECLS
