/* Superposition of timeline frames onto their predecessor. */
#include "fl-frame-align.h"
#include <string.h>
#ifdef FL_HAVE_RENDER_SUPERPOSE
#include "fl-superpose.h"
#endif

FlFrame *
fl_frame_new_superposed (FlFrame *frame, const FlFrame *reference)
{
#ifdef FL_HAVE_RENDER_SUPERPOSE
  if (!reference || reference->L != frame->L)
    return fl_frame_ref (frame);
  return fl_frame_ref (frame);
#else
  return fl_frame_ref (frame);
#endif
}
