/* Fused CPU module ops: gated attention and the transition, each run over
 * tiles of rows that a thread takes whole, from the first product to the
 * residual update, while the tile stays in the core's cache.
 *
 * The composition (fl-backend-modules.c) runs every step over a whole
 * chunk of items, each step its own threaded op: four products of N = H D
 * for q, k, v and the gate (the input packed four times, four thin
 * products), the attention, the output product; for the transition the
 * LayerNorm, the first product, the second. Between the steps the
 * intermediates go through memory and the threads meet at a barrier.
 * Here a thread takes a tile (whole items for attention, rows for the
 * transition) and does all of it:
 *   - gated attention: P (R, 4 H D) = x (R, c) @ [Wq | Wk | Wv | Wg] + [0 | 0 | 0 | b_g]
 *     as ONE product; per item and head the attention core of
 *     fl-cpu-attention.c reads q, k, v and the gate as column slices of P
 *     (no copies); O (R, H D) -> y (+)= O @ Wo + b_o;
 *   - transition: LayerNorm of the rows, h = relu(x W1 + b1) into the
 *     tile's hidden buffer, act += h W2 + b2.
 * Each tile lives in the caller's scratch (the sizes of fl-backend-modules.h:
 * a tile is at most what the composition's chunk gives each thread), so
 * memory stays what the composition uses; the concatenated weights, the
 * attention work space and the per-thread means of the softmax weights
 * (capture) come from the backend's own scratch. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("O3", "no-trapping-math")
#endif
#include "fl-backend-cpu-private.h"
#include "fl-backend-modules.h"
#include "fl-error.h"

/* Rows of a tile: enough for the products to run at the BLAS's rate (the
 * weights are packed once per product), few enough for the tile's
 * intermediates to stay near the 1 MiB L2 of a core. */
#define ATTENTION_TILE_ROWS 256
#define TRANSITION_TILE_ROWS 256

static inline size_t
round16 (size_t n)
{
  return (n + 15) / 16 * 16;
}

/* rows (R, N) of y: y = bias, or y += bias when accumulating; returns the
 * beta for the product summed onto them. */
static float
start_rows (float *y, const float *bias, int64_t R, int64_t N, gboolean accumulate)
{
  if (!bias)
    return accumulate ? 1.f : 0.f;
  for (int64_t r = 0; r < R; r++)
    {
      float *yr = y + r * N;
      if (accumulate)
        for (int64_t n = 0; n < N; n++)
          yr[n] += bias[n];
      else
        memcpy (yr, bias, (size_t) N * sizeof (float));
    }
  return 1.f;
}

/* ------------------------------------------------------ gated attention */

/* o (R, hd) *= sigmoid (g (R, hd), rows ld apart): the gate over whole rows
 * of all heads, one vectorised pass instead of D floats per head and row. */
FL_VECTOR_CLONES static void
gate_rows (float *o, const float *g, int64_t R, int64_t hd, int64_t ld)
{
  for (int64_t r = 0; r < R; r++)
    {
      float *restrict orow = o + r * hd;
      const float *restrict grow = g + r * ld;
      for (int64_t i = 0; i < hd; i++)
        orow[i] *= 1.f / (1.f + fl_cpu_expf (-grow[i]));
    }
}

void
fl_cpu_gated_attention_fused (FlBackend *b, const FlAttentionWeights *w, const float *x,
                              int64_t B, int64_t Lq, int64_t c, int64_t H, int64_t D,
                              const float *key_mask, const float *bias, float *y,
                              gboolean accumulate, float *probs_mean,
                              float *scratch, size_t scratch_n)
{
  /* x (B,Lq,c), key_mask (B,Lq), bias (H,Lq,Lq), y (B,Lq,c), probs_mean (H,Lq,Lq) */
  if (b->error || B <= 0)
    return;
  const int64_t chunk = fl_module_gated_attention_chunk (scratch_n, B, Lq, H, D,
                                                         probs_mean != NULL);
  if (chunk < 1)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "gated attention: scratch of %zu floats holds no item of %zu",
                       scratch_n, fl_module_gated_attention_per_item (Lq, H, D));
      return;
    }
  if (Lq <= 0)
    return;
  const int64_t hd = H * D, wide = 4 * hd;
  const size_t per_item = fl_module_gated_attention_per_item (Lq, H, D);   /* Lq (wide + hd) */

  /* Tiles of whole items; one tile per thread at a time, within the chunk. */
  int64_t slots = MIN ((int64_t) fl_cpu_threads (), chunk);
  const int64_t per_tile = MAX ((int64_t) 1, MIN (chunk / slots, ATTENTION_TILE_ROWS / Lq));
  const int64_t n_tiles = (B + per_tile - 1) / per_tile;
  slots = MIN (slots, n_tiles);
  const gboolean parallel = slots > 1 && B * Lq * c * wide >= FL_CPU_GEMM_PARALLEL_MIN;

  const size_t work_n = round16 (fl_cpu_attention_work_floats (Lq, Lq, D));
  const size_t mean_n = probs_mean ? (size_t) H * Lq * Lq : 0;
  const size_t wcat_n = round16 ((size_t) c * wide);
  float *own = fl_cpu_scratch (b, wcat_n + round16 (wide) + (size_t) slots * (work_n + mean_n));
  if (!own)
    return;
  float *wcat = own;                              /* (c, 4 H D): q | k | v | gate */
  float *bcat = wcat + wcat_n;                    /* (4 H D): 0 | 0 | 0 | b_g */
  float *works = bcat + round16 (wide);
  float *means = works + (size_t) slots * work_n; /* slots x (H, Lq, Lq) */
  const float *parts[4] = { w->query_w, w->key_w, w->value_w, w->gating_w };
  for (int64_t i = 0; i < c; i++)
    for (int p = 0; p < 4; p++)
      memcpy (wcat + i * wide + p * hd, parts[p] + i * hd, (size_t) hd * sizeof (float));
  memset (bcat, 0, (size_t) 3 * hd * sizeof (float));
  if (w->gating_b)
    memcpy (bcat + 3 * hd, w->gating_b, (size_t) hd * sizeof (float));
  else
    memset (bcat + 3 * hd, 0, (size_t) hd * sizeof (float));
  if (mean_n)
    memset (means, 0, (size_t) slots * mean_n * sizeof (float));

#pragma omp parallel num_threads (slots) if (parallel)
  {
    const int t = fl_cpu_thread_id ();
    float *P = scratch + (size_t) t * per_tile * per_item;     /* (per_tile Lq, 4 H D) */
    float *O = P + (size_t) per_tile * Lq * wide;              /* (per_tile Lq, H D) */
    FlCpuAttentionWork aw = fl_cpu_attention_work_at (works + (size_t) t * work_n, Lq, Lq, D);
    float *acc = mean_n ? means + (size_t) t * mean_n : NULL;

#pragma omp for schedule (dynamic, 1)
    for (int64_t tile = 0; tile < n_tiles; tile++)
      {
        const int64_t b0 = tile * per_tile, n = MIN (per_tile, B - b0), R = n * Lq;
        start_rows (P, bcat, R, wide, FALSE);
        fl_cpu_gemm_serial (FALSE, FALSE, R, wide, c, 1.f, x + b0 * Lq * c, c, wcat, wide,
                            1.f, P, wide);
        for (int64_t i = 0; i < n; i++)
          for (int64_t h = 0; h < H; h++)
            {
              const float *Pi = P + (size_t) i * Lq * wide + h * D;
              fl_cpu_attention_one (&aw, Pi, wide, Pi + hd, Pi + 2 * hd, wide,
                                    key_mask ? key_mask + (b0 + i) * Lq : NULL,
                                    bias ? bias + (size_t) h * Lq * Lq : NULL,
                                    NULL, 0, O + (size_t) i * Lq * hd + h * D, hd,
                                    Lq, Lq, D, acc ? acc + (size_t) h * Lq * Lq : NULL);
            }
        gate_rows (O, P + 3 * hd, R, hd, wide);
        float *yt = y + b0 * Lq * c;
        float beta = start_rows (yt, w->output_b, R, c, accumulate);
        fl_cpu_gemm_serial (FALSE, FALSE, R, c, hd, 1.f, O, hd, w->output_w, c, beta, yt, c);
      }
  }

  if (mean_n)
    {
      const float inv = 1.f / (float) B;
      for (size_t i = 0; i < mean_n; i++)
        {
          float sum = 0.f;
          for (int64_t t = 0; t < slots; t++)
            sum += means[(size_t) t * mean_n + i];
          probs_mean[i] = sum * inv;
        }
    }
}

/* ----------------------------------------------------------- transition */

void
fl_cpu_transition_fused (FlBackend *b, const FlTransitionWeights *w, float *act,
                         int64_t M, int64_t c, int64_t hidden,
                         float *scratch, size_t scratch_n)
{
  /* act (M, c) */
  if (b->error || M <= 0)
    return;
  const size_t per_row = fl_module_transition_per_row (c, hidden);
  const int64_t chunk = MIN ((int64_t) (scratch_n / per_row), M);
  if (chunk < 1)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "transition: scratch of %zu floats holds no row of %zu",
                       scratch_n, per_row);
      return;
    }
  int64_t slots = MIN ((int64_t) fl_cpu_threads (), chunk);
  const int64_t rows = MAX ((int64_t) 1, MIN (chunk / slots, (int64_t) TRANSITION_TILE_ROWS));
  const int64_t n_tiles = (M + rows - 1) / rows;
  slots = MIN (slots, n_tiles);
  const gboolean parallel = slots > 1 && M * c * hidden >= FL_CPU_GEMM_PARALLEL_MIN;

#pragma omp parallel num_threads (slots) if (parallel)
  {
    const int t = fl_cpu_thread_id ();
    float *xn = scratch + (size_t) t * rows * per_row;   /* (rows, c) */
    float *h = xn + (size_t) rows * c;                   /* (rows, hidden) */

#pragma omp for schedule (dynamic, 1)
    for (int64_t tile = 0; tile < n_tiles; tile++)
      {
        const int64_t r0 = tile * rows, n = MIN (rows, M - r0);
        float *a = act + r0 * c;
        for (int64_t r = 0; r < n; r++)
          fl_cpu_layer_norm_row (a + r * c, w->norm_scale, w->norm_offset, xn + r * c, c);
        float beta = start_rows (h, w->b1, n, hidden, FALSE);
        fl_cpu_gemm_serial (FALSE, FALSE, n, hidden, c, 1.f, xn, c, w->w1, hidden, beta, h,
                            hidden);
        for (int64_t i = 0; i < n * hidden; i++)
          h[i] = h[i] > 0.f ? h[i] : 0.f;
        beta = start_rows (a, w->b2, n, c, TRUE);
        fl_cpu_gemm_serial (FALSE, FALSE, n, c, hidden, 1.f, h, hidden, w->w2, c, beta, a, c);
      }
  }
}
