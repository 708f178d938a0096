/* Superposition of timeline frames: a copy of `frame` moved rigidly
 * (Kabsch on the CA atoms both frames have) onto `reference`, so
 * consecutive frames of a run do not jump. reference NULL (the first frame)
 * or too few common CA atoms: an unmoved copy (a new reference). */
#pragma once
#include "fl-snapshot.h"

G_BEGIN_DECLS

FlFrame *fl_frame_new_superposed (FlFrame *frame, const FlFrame *reference /* nullable */);

G_END_DECLS
