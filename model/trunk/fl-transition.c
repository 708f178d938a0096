/* Transition module of the trunk (msa_transition, pair_transition):
 * act += Linear2(relu(Linear1(LayerNorm(act)))). AlphaFold passes the mask
 * but does not use it here. One module op of the backend (chunked over rows). */
#include "fl-trunk-modules.h"
#include "fl-backend-modules.h"

size_t
fl_trunk_transition_scratch (const FlStackDims *d, int64_t M, int c, int hidden)
{
  size_t per_row = fl_module_transition_per_row (c, hidden);
  return (size_t) fl_trunk_chunk_rows (d, M, per_row) * per_row;
}

void
fl_trunk_transition (FlTrunkCtx *t, const char *module, float *act,
                     int64_t M, int c, int hidden)
{
  /* act (M, c) */
  FlBackend *b = t->b;
  char key[256];
#define W(name) (g_snprintf (key, sizeof key, "%s/%s", module, name), fl_trunk_weight (t, key))
  const FlTransitionWeights w = {
    .norm_scale = W ("input_layer_norm//scale"),   /* (c) */
    .norm_offset = W ("input_layer_norm//offset"), /* (c) */
    .w1 = W ("transition1//weights"),              /* (c, hidden) */
    .b1 = W ("transition1//bias"),                 /* (hidden) */
    .w2 = W ("transition2//weights"),              /* (hidden, c) */
    .b2 = W ("transition2//bias"),                 /* (c) */
  };
#undef W
  size_t n = fl_trunk_transition_scratch (t->d, M, c, hidden);
  size_t mark = fl_scratch_mark (t->scratch);
  float *scratch = fl_scratch_take (t->scratch, n);
  FL_OP (b, transition, &w, act, M, c, hidden, scratch, n);
  fl_scratch_release (t->scratch, mark);
}
