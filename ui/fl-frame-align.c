/* Superposition of timeline frames onto their predecessor. */
#include "fl-frame-align.h"
#include "fl-superpose.h"
#include <string.h>

FlFrame *
fl_frame_new_superposed (FlFrame *frame, const FlFrame *reference)
{
  if (!reference || reference->L != frame->L)
    return fl_frame_ref (frame);
  int common = 0;
  for (int i = 0; i < frame->L; i++)
    if (frame->atom37_mask[(gsize) i * 37 + 1] > 0.5f && reference->atom37_mask[(gsize) i * 37 + 1] > 0.5f)
      common++;
  if (common < 3)
    return fl_frame_ref (frame);
  FlFrame *out = fl_frame_new (frame->recycle, frame->layer, frame->n_layers, frame->L);
  gsize L = frame->L;
  memcpy (out->affines, frame->affines, L * 7 * sizeof (float));
  memcpy (out->atom37_mask, frame->atom37_mask, L * 37 * sizeof (float));
  memcpy (out->plddt, frame->plddt, L * sizeof (float));
  out->mean_plddt = frame->mean_plddt;
  out->ptm = frame->ptm;
  fl_superpose_atom37 (frame->atom37, frame->atom37_mask, reference->atom37, reference->atom37_mask,
                       frame->L, out->atom37, NULL, NULL);
  return out;
}
