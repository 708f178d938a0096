/* Fast CPU linear and linear_relu: the output in tiles of rows that stay in
 * the core's L2 cache, handed to the threads one at a time.
 *
 * The plain ops (fl-backend-cpu.c) run one product per thread over half the
 * rows and then add the bias and apply the relu in passes of their own over
 * the whole output: for the MSA transition (30,208 x 1,024 floats, 124 MB)
 * that is two extra round trips through memory per op. Here each tile of
 * rows starts as the bias (or gets it added, when accumulating), the product
 * is summed onto it (beta = 1), and the relu runs while the tile is still in
 * cache. Tiles are taken dynamically, so a thread that was descheduled (a
 * busy laptop) does not leave the other one waiting at the end. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("O3", "no-trapping-math")
#endif
#include "fl-backend-cpu-private.h"

/* Output floats per tile: 64K floats (256 KiB), a quarter of a Zen 3 / recent
 * Intel L2, so the tile, a slice of x and the packed weights fit together. */
#define TILE_FLOATS 65536

/* One tile of rows: y (rows,N) [+]= x (rows,K) @ w (K,N) + bias, relu. */
FL_VECTOR_CLONES static void
linear_tile (const float *x, const float *w, const float *bias, float *y,
             int64_t rows, int64_t K, int64_t N, gboolean accumulate, gboolean relu)
{
  if (bias)
    for (int64_t m = 0; m < rows; m++)
      {
        float *yr = y + m * N;
        if (accumulate)
          for (int64_t n = 0; n < N; n++)
            yr[n] += bias[n];
        else
          memcpy (yr, bias, (size_t) N * sizeof (float));
      }
  fl_cpu_gemm_serial (FALSE, FALSE, rows, N, K, 1.f, x, K, w, N,
                      bias || accumulate ? 1.f : 0.f, y, N);
  if (relu)
    for (int64_t i = 0; i < rows * N; i++)
      y[i] = y[i] > 0.f ? y[i] : 0.f;
}

static void
linear_tiled (const float *x, const float *w, const float *bias, float *y,
              int64_t M, int64_t K, int64_t N, gboolean accumulate, gboolean relu)
{
  /* x (M,K), w (K,N), bias (N) or NULL, y (M,N) */
  if (M <= 0 || N <= 0)
    return;
  const int nt = fl_cpu_threads ();
  const gboolean parallel = nt > 1 && M * N * MAX (K, 1) >= FL_CPU_GEMM_PARALLEL_MIN && M > 1;
  /* Rows per tile: about TILE_FLOATS outputs, a multiple of 8 (the GEMM
   * kernels' row block), and at least 4 tiles per thread when threaded. */
  int64_t rows = MAX ((int64_t) 8, TILE_FLOATS / N / 8 * 8);
  if (parallel)
    rows = MIN (rows, MAX ((int64_t) 1, (M + 4 * nt - 1) / (4 * nt)));
  rows = MIN (rows, M);
  const int64_t n_tiles = (M + rows - 1) / rows;

#pragma omp parallel for if (parallel) schedule (dynamic, 1)
  for (int64_t t = 0; t < n_tiles; t++)
    {
      int64_t m0 = t * rows, nr = MIN (rows, M - m0);
      linear_tile (x + m0 * K, w, bias, y + m0 * N, nr, K, N, accumulate, relu);
    }
}

void
fl_cpu_linear_tiled (FlBackend *b, const float *x, const float *w, const float *bias,
                     float *y, int64_t M, int64_t K, int64_t N, gboolean accumulate)
{
  linear_tiled (x, w, bias, y, M, K, N, accumulate, FALSE);
}

void
fl_cpu_linear_relu_tiled (FlBackend *b, const float *x, const float *w, const float *bias,
                          float *y, int64_t M, int64_t K, int64_t N)
{
  linear_tiled (x, w, bias, y, M, K, N, FALSE, TRUE);
}
