/* FlLecture: the lecture-hall presentation of a run (issue 15).
 *
 * On: the window at 1280×720 with the 3D view first (the analysis panels
 * collapsed; they can be shown again), a large caption over the view
 * (recycle · layer · mean pLDDT · accuracy against the reference when one is
 * open), a light or dark background. Two playbacks:
 *   recycles  the structure at the end of each recycle, morphing from one
 *             to the next (each superposed on the one before);
 *   layers    every structure-module layer inside the recycles, as the
 *             timeline plays them; the first layer of a recycle is labelled
 *             for what it is: the structure module starts from identity
 *             frames (every residue at the origin) and this is one update on.
 * The 3D view refits its camera to the structure as it grows.
 * Main thread only. */
#pragma once
#include "fl-window.h"
#include "fl-accuracy.h"

G_BEGIN_DECLS

typedef enum {
  FL_LECTURE_RECYCLES,
  FL_LECTURE_LAYERS,
} FlLectureMode;

typedef struct _FlLecture FlLecture;

/* accuracy: nullable (no accuracy in the caption). */
FlLecture *fl_lecture_new (FlWindow *window, FlAccuracy *accuracy);
void fl_lecture_free (FlLecture *self);

void fl_lecture_set_active (FlLecture *self, gboolean active);
gboolean fl_lecture_get_active (FlLecture *self);
void fl_lecture_set_mode (FlLecture *self, FlLectureMode mode);
FlLectureMode fl_lecture_get_mode (FlLecture *self);
void fl_lecture_set_dark (FlLecture *self, gboolean dark);
void fl_lecture_set_panels_visible (FlLecture *self, gboolean visible);
void fl_lecture_set_playing (FlLecture *self, gboolean playing);
gboolean fl_lecture_get_playing (FlLecture *self);

/* Recycles mode: show position p in recycle ends (0 = end of recycle 0,
 * 1.5 = half way from the end of recycle 1 to the end of recycle 2). */
void fl_lecture_show_recycle_position (FlLecture *self, double p);
int fl_lecture_get_n_recycle_ends (FlLecture *self);
/* The caption now ("" when off; borrowed). */
const char *fl_lecture_get_caption (FlLecture *self);

G_END_DECLS
