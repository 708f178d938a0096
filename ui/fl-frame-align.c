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

FlFrame *
fl_frame_new_blend (const FlFrame *a, const FlFrame *b, float t)
{
  const FlFrame *near = t < 0.5f ? a : b;
  FlFrame *f = fl_frame_new (near->recycle, near->layer, near->n_layers, a->L);
  gsize n37 = (gsize) a->L * 37;
  for (gsize k = 0; k < n37; k++)
    {
      gboolean both = a->atom37_mask[k] > 0.5f && b->atom37_mask[k] > 0.5f;
      f->atom37_mask[k] = both ? 1.f : 0.f;
      for (int c = 0; c < 3; c++)
        {
          float xa = a->atom37[k * 3 + c], xb = b->atom37[k * 3 + c];
          f->atom37[k * 3 + c] = both ? xa + t * (xb - xa) : 0.f;
        }
    }
  double sum = 0;
  for (int i = 0; i < a->L; i++)
    {
      f->plddt[i] = a->plddt[i] + t * (b->plddt[i] - a->plddt[i]);
      sum += f->plddt[i];
    }
  f->mean_plddt = a->L ? (float) (sum / a->L) : 0.f;
  f->ptm = near->ptm;
  return f;
}
