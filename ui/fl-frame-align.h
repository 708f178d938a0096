/* Superposition of timeline frames: a copy of `frame` moved rigidly
 * (Kabsch on the CA atoms both frames have) onto `reference`, so
 * consecutive frames of a run do not jump. reference NULL (the first frame)
 * or too few common CA atoms: an unmoved copy (a new reference). */
#pragma once
#include "fl-snapshot.h"

G_BEGIN_DECLS

FlFrame *fl_frame_new_superposed (FlFrame *frame, const FlFrame *reference /* nullable */);

/* Linear blend of two frames of the same L at t (0: a, 1: b), coordinates
 * and pLDDT; atoms present in both only. Labels (recycle, layer) of the
 * nearer one. */
FlFrame *fl_frame_new_blend (const FlFrame *a, const FlFrame *b, float t);

G_END_DECLS
