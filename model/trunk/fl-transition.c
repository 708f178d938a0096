/* Transition module of the trunk (msa_transition, pair_transition):
 * act += Linear2(relu(Linear1(LayerNorm(act)))). AlphaFold passes the mask
 * but does not use it here. Chunked over rows. */
#include "fl-trunk-modules.h"

size_t
fl_trunk_transition_scratch (const FlStackDims *d, int64_t M, int c, int hidden)
{
  size_t per_row = (size_t) c + hidden;
  return (size_t) fl_trunk_chunk_rows (d, M, per_row) * per_row;
}

void
fl_trunk_transition (FlTrunkCtx *t, const char *module, float *act,
                     int64_t M, int c, int hidden)
{
  /* act (M, c) */
  FlBackend *b = t->b;
  char key[4][256];
  g_snprintf (key[0], sizeof key[0], "%s/input_layer_norm//scale", module);
  g_snprintf (key[1], sizeof key[1], "%s/input_layer_norm//offset", module);
  g_snprintf (key[2], sizeof key[2], "%s/transition1//weights", module);
  g_snprintf (key[3], sizeof key[3], "%s/transition2//weights", module);
  const float *ln_s = fl_trunk_weight (t, key[0]);
  const float *ln_o = fl_trunk_weight (t, key[1]);
  const float *w1 = fl_trunk_weight (t, key[2]);     /* (c, hidden) */
  const float *w2 = fl_trunk_weight (t, key[3]);     /* (hidden, c) */
  g_snprintf (key[0], sizeof key[0], "%s/transition1//bias", module);
  g_snprintf (key[1], sizeof key[1], "%s/transition2//bias", module);
  const float *b1 = fl_trunk_weight (t, key[0]);     /* (hidden) */
  const float *b2 = fl_trunk_weight (t, key[1]);     /* (c) */

  int64_t chunk = fl_trunk_chunk_rows (t->d, M, (size_t) c + hidden);
  size_t mark = fl_scratch_mark (t->scratch);
  float *x = fl_scratch_take (t->scratch, (size_t) chunk * c);        /* (n, c) */
  float *h = fl_scratch_take (t->scratch, (size_t) chunk * hidden);   /* (n, hidden) */
  for (int64_t r0 = 0; r0 < M; r0 += chunk)
    {
      int64_t n = MIN (chunk, M - r0);
      FL_OP (b, layer_norm, act + r0 * c, ln_s, ln_o, x, n, c);
      FL_OP (b, linear_relu, x, w1, b1, h, n, c, hidden);
      FL_OP (b, linear, h, w2, b2, act + r0 * c, n, hidden, c, TRUE);
    }
  fl_scratch_release (t->scratch, mark);
}
