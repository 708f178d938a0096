/* The CPU backend: every op of fl-backend.h as plain loops.
 *
 * This file is the readable specification of the op table
 * (fl_cpu_reference_ops); the CUDA backend is checked against it op by op,
 * and so are the fast CPU ops that fl_backend_cpu_new puts in place of some
 * entries (attention as blocked products, linear with its bias and relu in
 * the tile loop: fl-cpu-attention.c, fl-cpu-linear.c). Dense products go through cblas_sgemm
 * (OpenBLAS, FL_HAVE_BLAS) or a plain blocked loop; row-wise ops use OpenMP
 * across rows. Attention is computed one (batch row, head) at a time with a
 * scratch tile of Lq x Lk floats per thread, so memory stays O(L^2) per
 * thread and never B*H*Lq*Lk at once. */
/* The hot loops (softmax, elementwise, layer norm) must vectorise: that
 * needs -O3's vectoriser and no FP-trap semantics (so that selects like
 * x < a ? a : x are if-converted). Nothing here relies on FP traps. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("O3", "no-trapping-math")
#endif
#include "fl-backend-cpu-private.h"
#include "fl-backend-modules.h"
#include "fl-error.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#ifdef FL_HAVE_BLAS
#include <cblas.h>
#endif

#define PARALLEL_MIN FL_CPU_PARALLEL_MIN
#define GEMM_PARALLEL_MIN FL_CPU_GEMM_PARALLEL_MIN
#define fast_expf fl_cpu_expf

/* Every allocation carries a 64-byte header with its size (for the counters). */
#define HEADER_FLOATS 16

typedef FlCpuImpl CpuImpl;

/* A scratch buffer of n floats, kept between calls so that large temporaries
 * are not mapped and faulted in again by every op. NULL + error on failure. */
float *
fl_cpu_scratch (FlBackend *b, size_t n)
{
  CpuImpl *impl = b->impl;
  if (n <= impl->scratch_cap)
    return impl->scratch;
  free (impl->scratch);
  impl->scratch = NULL;
  impl->scratch_cap = 0;
  void *p = NULL;
  if (posix_memalign (&p, 64, MAX (n, 1) * sizeof (float)) != 0)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "Out of memory for %.1f MiB of CPU scratch.",
                       (double) n * sizeof (float) / (1024.0 * 1024.0));
      return NULL;
    }
  impl->scratch = p;
  impl->scratch_cap = n;
  return impl->scratch;
}

/* ------------------------------------------------------------------ memory */

static float *
cpu_alloc (FlBackend *b, size_t n)
{
  void *p = NULL;
  size_t bytes = (n + HEADER_FLOATS) * sizeof (float);
  /* More than the machine's RAM can never succeed: refuse it before asking
   * the allocator (which may overcommit, or abort under a sanitizer). */
  long pages = sysconf (_SC_PHYS_PAGES), page_size = sysconf (_SC_PAGESIZE);
  size_t ram = pages > 0 && page_size > 0 ? (size_t) pages * (size_t) page_size : SIZE_MAX;
  if (n > (SIZE_MAX / sizeof (float)) - HEADER_FLOATS || bytes > ram
      || posix_memalign (&p, 64, bytes) != 0)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "Out of memory allocating %.1f MiB on the CPU.",
                       (double) n * sizeof (float) / (1024.0 * 1024.0));
      return NULL;
    }
  *(size_t *) p = n;
  b->bytes_in_use += n * sizeof (float);
  if (b->bytes_in_use > b->bytes_peak)
    b->bytes_peak = b->bytes_in_use;
  return (float *) p + HEADER_FLOATS;
}

static void
cpu_free (FlBackend *b, float *p)
{
  if (!p)
    return;
  float *base = p - HEADER_FLOATS;
  size_t n = *(size_t *) base;
  b->bytes_in_use -= n * sizeof (float);
  free (base);
}

static void
cpu_upload (FlBackend *b, float *dst, const float *host_src, size_t n)
{
  if (n)
    memcpy (dst, host_src, n * sizeof (float));
}

static void
cpu_download (FlBackend *b, float *host_dst, const float *src, size_t n)
{
  if (n)
    memcpy (host_dst, src, n * sizeof (float));
}

static void
cpu_copy (FlBackend *b, float *dst, const float *src, size_t n)
{
  if (n && dst != src)
    memmove (dst, src, n * sizeof (float));
}

static void
cpu_fill (FlBackend *b, float *dst, float value, size_t n)
{
#pragma omp parallel for if (n > PARALLEL_MIN) schedule (static)
  for (size_t i = 0; i < n; i++)
    dst[i] = value;
}

static void
cpu_synchronize (FlBackend *b)
{
  /* CPU ops finish before they return; what is left is to give the calling
   * thread the backend's thread count (OpenMP keeps it per thread, and a
   * backend may be created on one thread and used on another). */
#ifdef _OPENMP
  CpuImpl *impl = b->impl;
  omp_set_num_threads (impl->n_threads);
#endif
}

static size_t
cpu_memory_available (FlBackend *b)
{
  /* MemAvailable from /proc/meminfo; physical pages as a fallback. */
  g_autofree char *text = NULL;
  if (g_file_get_contents ("/proc/meminfo", &text, NULL, NULL))
    {
      const char *line = strstr (text, "MemAvailable:");
      if (line)
        {
          unsigned long long kib = g_ascii_strtoull (line + strlen ("MemAvailable:"), NULL, 10);
          if (kib > 0)
            return (size_t) kib * 1024;
        }
    }
  long pages = sysconf (_SC_AVPHYS_PAGES);
  long page = sysconf (_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (size_t) pages * (size_t) page : (size_t) 1 << 32;
}

/* ------------------------------------------------------------ dense algebra */

/* Dense products. OpenBLAS runs single-threaded (set in fl_backend_cpu_new):
 * all threading is OpenMP, splitting the rows of the output, so that two
 * thread pools never compete for the cores. */

/* C (M,N) = alpha * op(A) @ op(B) + beta * C for one matrix on one thread,
 * plain loops in blocks (used without BLAS).
 * op(A)[m,k] = trans_a ? A[k*lda+m] : A[m*lda+k]. */
static void
gemm_plain (gboolean trans_a, gboolean trans_b, int64_t M, int64_t N, int64_t K,
            float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
            float beta, float *C, int64_t ldc)
{
  enum { BN = 256 };
  float acc[BN];
  for (int64_t m = 0; m < M; m++)
    for (int64_t n0 = 0; n0 < N; n0 += BN)
      {
        int64_t nn = MIN (BN, N - n0);
        for (int64_t n = 0; n < nn; n++)
          acc[n] = 0.f;
        for (int64_t k = 0; k < K; k++)
          {
            float a = trans_a ? A[k * lda + m] : A[m * lda + k];
            if (!trans_b)
              {
                const float *brow = B + k * ldb + n0;
                for (int64_t n = 0; n < nn; n++)
                  acc[n] += a * brow[n];
              }
            else
              for (int64_t n = 0; n < nn; n++)
                acc[n] += a * B[(n0 + n) * ldb + k];
          }
        float *crow = C + m * ldc + n0;
        for (int64_t n = 0; n < nn; n++)
          crow[n] = alpha * acc[n] + (beta == 0.f ? 0.f : beta * crow[n]);
      }
}

/* One product on the calling thread. */
void
fl_cpu_gemm_serial (gboolean trans_a, gboolean trans_b, int64_t M, int64_t N, int64_t K,
             float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
             float beta, float *C, int64_t ldc)
{
  if (M <= 0 || N <= 0)
    return;
  if (K <= 0)
    {
      for (int64_t m = 0; m < M; m++)
        for (int64_t n = 0; n < N; n++)
          C[m * ldc + n] = beta == 0.f ? 0.f : beta * C[m * ldc + n];
      return;
    }
#ifdef FL_HAVE_BLAS
  if (M <= INT32_MAX && N <= INT32_MAX && K <= INT32_MAX
      && lda <= INT32_MAX && ldb <= INT32_MAX && ldc <= INT32_MAX)
    {
      cblas_sgemm (CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
                   trans_b ? CblasTrans : CblasNoTrans,
                   (int) M, (int) N, (int) K, alpha, A, (int) lda, B, (int) ldb,
                   beta, C, (int) ldc);
      return;
    }
#endif
  gemm_plain (trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

/* One product with its output rows split across the OpenMP threads. */
static void
gemm_rows_parallel (gboolean trans_a, gboolean trans_b, int64_t M, int64_t N, int64_t K,
                    float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                    float beta, float *C, int64_t ldc)
{
  if (M * N * MAX (K, 1) < GEMM_PARALLEL_MIN || M < 2)
    {
      fl_cpu_gemm_serial (trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
      return;
    }
#pragma omp parallel
  {
    int nt = 1, t = 0;
#ifdef _OPENMP
    nt = omp_get_num_threads ();
    t = omp_get_thread_num ();
#endif
    /* Chunks of whole rows, multiples of 8 where possible (kernel friendly). */
    int64_t per = (M + nt - 1) / nt;
    if (per > 8)
      per = (per + 7) / 8 * 8;
    int64_t m0 = MIN (M, per * t), m1 = MIN (M, m0 + per);
    if (m1 > m0)
      fl_cpu_gemm_serial (trans_a, trans_b, m1 - m0, N, K, alpha,
                   trans_a ? A + m0 : A + m0 * lda, lda, B, ldb, beta, C + m0 * ldc, ldc);
  }
}

static void
cpu_linear (FlBackend *b, const float *x, const float *w, const float *bias,
            float *y, int64_t M, int64_t K, int64_t N, gboolean accumulate)
{
  /* x (M,K) @ w (K,N) [+ bias (N)] into / onto y (M,N). */
  gemm_rows_parallel (FALSE, FALSE, M, N, K, 1.f, x, K, w, N, accumulate ? 1.f : 0.f, y, N);
  if (bias)
    {
#pragma omp parallel for if (M * N > PARALLEL_MIN) schedule (static)
      for (int64_t m = 0; m < M; m++)
        for (int64_t n = 0; n < N; n++)
          y[m * N + n] += bias[n];
    }
}

static void
cpu_relu (FlBackend *b, float *y, size_t n)
{
#pragma omp parallel for simd if (n > PARALLEL_MIN) schedule (static)
  for (size_t i = 0; i < n; i++)
    y[i] = y[i] > 0.f ? y[i] : 0.f;
}

static void
cpu_linear_relu (FlBackend *b, const float *x, const float *w, const float *bias,
                 float *y, int64_t M, int64_t K, int64_t N)
{
  cpu_linear (b, x, w, bias, y, M, K, N, FALSE);
  cpu_relu (b, y, (size_t) (M * N));
}


static void
cpu_gemm_batched (FlBackend *b, gboolean trans_a, gboolean trans_b,
                  int64_t M, int64_t N, int64_t K, float alpha,
                  const float *A, int64_t lda, int64_t stride_a,
                  const float *B, int64_t ldb, int64_t stride_b, float beta,
                  float *C, int64_t ldc, int64_t stride_c, int64_t batch)
{
  if (batch >= fl_cpu_threads () && batch * M * N * MAX (K, 1) >= GEMM_PARALLEL_MIN)
    {
      /* Whole products per thread. */
#pragma omp parallel for schedule (static)
      for (int64_t p = 0; p < batch; p++)
        fl_cpu_gemm_serial (trans_a, trans_b, M, N, K, alpha, A + p * stride_a, lda,
                     B + p * stride_b, ldb, beta, C + p * stride_c, ldc);
    }
  else
    for (int64_t p = 0; p < batch; p++)
      gemm_rows_parallel (trans_a, trans_b, M, N, K, alpha, A + p * stride_a, lda,
                          B + p * stride_b, ldb, beta, C + p * stride_c, ldc);
}

/* --------------------------------------------- normalisation and elementwise */

/* One row of LayerNorm: mean, then the variance of (x - mean) (two
 * passes), eps 1e-5. */
FL_VECTOR_CLONES void
fl_cpu_layer_norm_row (const float *xr, const float *scale, const float *offset, float *yr,
                int64_t C)
{
  float sum = 0.f;
#pragma omp simd reduction (+:sum)
  for (int64_t c = 0; c < C; c++)
    sum += xr[c];
  float mean = sum / (float) C;
  float sq = 0.f;
#pragma omp simd reduction (+:sq)
  for (int64_t c = 0; c < C; c++)
    {
      float d = xr[c] - mean;
      sq += d * d;
    }
  float var = sq / (float) C;
  float inv = 1.f / sqrtf (var + 1e-5f);
  if (scale && offset)
    {
      for (int64_t c = 0; c < C; c++)
        yr[c] = (xr[c] - mean) * (inv * scale[c]) + offset[c];
    }
  else
    for (int64_t c = 0; c < C; c++)
      {
        float s = scale ? scale[c] : 1.f;
        float o = offset ? offset[c] : 0.f;
        yr[c] = (xr[c] - mean) * (inv * s) + o;
      }
}

static void
cpu_layer_norm (FlBackend *b, const float *x, const float *scale, const float *offset,
                float *y, int64_t M, int64_t C)
{
#pragma omp parallel for if (M * C > PARALLEL_MIN) schedule (static)
  for (int64_t m = 0; m < M; m++)
    fl_cpu_layer_norm_row (x + m * C, scale, offset, y + m * C, C);
}

static void
cpu_add (FlBackend *b, float *y, const float *x, size_t n)
{
#pragma omp parallel for simd if (n > PARALLEL_MIN) schedule (static)
  for (size_t i = 0; i < n; i++)
    y[i] += x[i];
}

static void
cpu_mul (FlBackend *b, float *y, const float *x, size_t n)
{
#pragma omp parallel for simd if (n > PARALLEL_MIN) schedule (static)
  for (size_t i = 0; i < n; i++)
    y[i] *= x[i];
}

static void
cpu_scale (FlBackend *b, float *y, float alpha, size_t n)
{
#pragma omp parallel for simd if (n > PARALLEL_MIN) schedule (static)
  for (size_t i = 0; i < n; i++)
    y[i] *= alpha;
}


FL_VECTOR_CLONES static void
sigmoid_mul_span (float *y, const float *gate, size_t n)
{
  for (size_t i = 0; i < n; i++)
    y[i] *= 1.f / (1.f + fast_expf (-gate[i]));
}

static void
cpu_sigmoid_mul (FlBackend *b, float *y, const float *gate, size_t n)
{
  /* Spans of 4096 elements, each a vectorised loop. */
  const size_t span = 4096;
  size_t n_spans = (n + span - 1) / span;
#pragma omp parallel for if (n > PARALLEL_MIN) schedule (static)
  for (size_t k = 0; k < n_spans; k++)
    sigmoid_mul_span (y + k * span, gate + k * span, MIN (span, n - k * span));
}

static void
cpu_add_sigmoid_mul (FlBackend *b, float *y, const float *x, const float *gate, size_t n)
{
#pragma omp parallel for if (n > PARALLEL_MIN) schedule (static)
  for (size_t i = 0; i < n; i++)
    {
      float t = x[i] * (1.f / (1.f + fast_expf (-gate[i])));   /* as sigmoid_mul, then add */
      y[i] += t;
    }
}

static void
cpu_gate_to_channel_first (FlBackend *b, const float *x, const float *gate, const float *mask,
                           float *y, int64_t A, int64_t B, int64_t C)
{
  /* y[c, a, b] = (x[a,b,c] * sigmoid(gate[a,b,c])) * mask[a,b] */
  const int64_t AB = A * B;
#pragma omp parallel for if (AB * C > PARALLEL_MIN) schedule (static)
  for (int64_t r = 0; r < AB; r++)
    {
      const float m = mask ? mask[r] : 1.f;
      for (int64_t c = 0; c < C; c++)
        {
          float t = x[r * C + c] * (1.f / (1.f + fast_expf (-gate[r * C + c])));
          y[c * AB + r] = mask ? t * m : t;
        }
    }
}

static void
cpu_mul_rows (FlBackend *b, float *y, const float *m, int64_t M, int64_t C)
{
#pragma omp parallel for if (M * C > PARALLEL_MIN) schedule (static)
  for (int64_t r = 0; r < M; r++)
    for (int64_t c = 0; c < C; c++)
      y[r * C + c] *= m[r];
}

static void
cpu_add_row_vector (FlBackend *b, float *y, const float *x, int64_t M, int64_t C)
{
#pragma omp parallel for if (M * C > PARALLEL_MIN) schedule (static)
  for (int64_t r = 0; r < M; r++)
    for (int64_t c = 0; c < C; c++)
      y[r * C + c] += x[c];
}

/* ------------------------------------------------------------------ layout */

static void
cpu_swap01 (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C)
{
  /* x (A,B,C) -> y (B,A,C) */
#pragma omp parallel for if (A * B * C > PARALLEL_MIN) schedule (static)
  for (int64_t j = 0; j < B; j++)
    for (int64_t i = 0; i < A; i++)
      memcpy (y + (j * A + i) * C, x + (i * B + j) * C, (size_t) C * sizeof (float));
}

static void
cpu_to_channel_first (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C)
{
  /* x (A,B,C) -> y (C,A,B) */
  int64_t AB = A * B;
#pragma omp parallel for if (AB * C > PARALLEL_MIN) schedule (static)
  for (int64_t ab = 0; ab < AB; ab++)
    for (int64_t c = 0; c < C; c++)
      y[c * AB + ab] = x[ab * C + c];
}

static void
cpu_from_channel_first (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C)
{
  /* x (C,A,B) -> y (A,B,C) */
  int64_t AB = A * B;
#pragma omp parallel for if (AB * C > PARALLEL_MIN) schedule (static)
  for (int64_t ab = 0; ab < AB; ab++)
    for (int64_t c = 0; c < C; c++)
      y[ab * C + c] = x[c * AB + ab];
}

/* --------------------------------------------------------------- attention */

int
fl_cpu_threads (void)
{
#ifdef _OPENMP
  return omp_get_max_threads ();
#else
  return 1;
#endif
}

int
fl_cpu_thread_id (void)
{
#ifdef _OPENMP
  return omp_get_thread_num ();
#else
  return 0;
#endif
}

/* Softmax of one row of n logits, in place: exp(x - max) / sum. */
FL_VECTOR_CLONES static void
softmax_row (float *row, int64_t n)
{
  float mx = -INFINITY;
#pragma omp simd reduction (max:mx)
  for (int64_t j = 0; j < n; j++)
    mx = row[j] > mx ? row[j] : mx;
  for (int64_t j = 0; j < n; j++)
    row[j] = fast_expf (row[j] - mx);
  float sum = 0.f;
#pragma omp simd reduction (+:sum)
  for (int64_t j = 0; j < n; j++)
    sum += row[j];
  float inv = 1.f / sum;
#pragma omp simd
  for (int64_t j = 0; j < n; j++)
    row[j] *= inv;
}

static void
cpu_attention (FlBackend *b, const float *q, const float *k, const float *v,
               const float *key_mask, const float *bias, const float *gate, float *out,
               int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
               float *probs_mean)
{
  /* q (B,Lq,H,D), k,v (B,Lk,H,D), key_mask (B,Lk), bias (H,Lq,Lk),
   * out (B,Lq,H,D), probs_mean (H,Lq,Lk). One (b,h) pair at a time per
   * thread, with a tile of Lq x Lk logits: two small products per pair. */
  if (B <= 0 || Lq <= 0 || H <= 0)
    return;
  const float qscale = 1.f / sqrtf ((float) D);
  const int64_t row = H * D;     /* stride between positions */
  const int n_threads = fl_cpu_threads ();
  /* Queries in blocks of QB rows so that a tile of QB x Lk logits stays
   * near 256 KiB (in cache) however long the rows are. */
  const int64_t QB = MIN (Lq, MAX ((int64_t) 16, (int64_t) 65536 / MAX (Lk, (int64_t) 1)));
  const size_t tile = (size_t) QB * Lk + (size_t) QB * D;
  const size_t mean_n = probs_mean ? (size_t) H * Lq * Lk : 0;
  float *scratch = fl_cpu_scratch (b, (size_t) n_threads * (tile + mean_n));
  if (!scratch)
    return;
  float *mean_acc = probs_mean ? scratch + (size_t) n_threads * tile : NULL;
  if (mean_acc)
    memset (mean_acc, 0, (size_t) n_threads * mean_n * sizeof (float));

#pragma omp parallel if (B * H * Lq * Lk * MAX (D, 8) >= GEMM_PARALLEL_MIN)
  {
    int t = fl_cpu_thread_id ();
    float *logits = scratch + (size_t) t * tile;      /* (QB, Lk) */
    float *qs = logits + (size_t) QB * Lk;            /* (QB, D) scaled queries */
    float *acc = mean_acc ? mean_acc + (size_t) t * mean_n : NULL;

#pragma omp for schedule (dynamic, 4)
    for (int64_t bh = 0; bh < B * H; bh++)
      {
        int64_t bi = bh / H, h = bh % H;
        const float *kb = k + bi * Lk * row + h * D;
        const float *vb = v + bi * Lk * row + h * D;
        const float *mask = key_mask ? key_mask + bi * Lk : NULL;

        for (int64_t i0 = 0; i0 < Lq; i0 += QB)
          {
            int64_t nq = MIN (QB, Lq - i0);
            const float *qb = q + (bi * Lq + i0) * row + h * D;
            float *ob = out + (bi * Lq + i0) * row + h * D;
            /* AlphaFold scales q by D^-0.5 before the dot product. */
            for (int64_t i = 0; i < nq; i++)
              for (int64_t d = 0; d < D; d++)
                qs[i * D + d] = qb[i * row + d] * qscale;
            /* logits (nq,Lk) = qs (nq,D) @ k_bh^T */
            fl_cpu_gemm_serial (FALSE, TRUE, nq, Lk, D, 1.f, qs, D, kb, row, 0.f, logits, Lk);
            for (int64_t i = 0; i < nq; i++)
              {
                float *lr = logits + i * Lk;
                if (mask)
                  for (int64_t j = 0; j < Lk; j++)
                    lr[j] += mask[j] > 0.f ? 0.f : -1e9f;
                if (bias)
                  {
                    const float *br = bias + (h * Lq + i0 + i) * Lk;
                    for (int64_t j = 0; j < Lk; j++)
                      lr[j] += br[j];
                  }
                softmax_row (lr, Lk);
                if (acc)
                  {
                    float *ar = acc + (h * Lq + i0 + i) * Lk;
                    for (int64_t j = 0; j < Lk; j++)
                      ar[j] += lr[j];
                  }
              }
            /* out (nq,D) = weights (nq,Lk) @ v_bh (Lk,D) */
            fl_cpu_gemm_serial (FALSE, FALSE, nq, D, Lk, 1.f, logits, Lk, vb, row, 0.f, ob, row);
            if (gate)
              {
                /* as sigmoid_mul */
                const float *gb = gate + (bi * Lq + i0) * row + h * D;
                for (int64_t i = 0; i < nq; i++)
                  for (int64_t d = 0; d < D; d++)
                    ob[i * row + d] *= 1.f / (1.f + fast_expf (-gb[i * row + d]));
              }
          }
      }
  }

  if (probs_mean)
    {
      float inv = 1.f / (float) B;
#pragma omp parallel for if (mean_n > PARALLEL_MIN) schedule (static)
      for (size_t i = 0; i < mean_n; i++)
        {
          float sum = 0.f;
          for (int t = 0; t < n_threads; t++)
            sum += mean_acc[(size_t) t * mean_n + i];
          probs_mean[i] = sum * inv;
        }
    }
}

static void
cpu_global_attention (FlBackend *b, const float *q, const float *k, const float *v,
                      const float *mask, float *out,
                      int64_t N, int64_t S, int64_t H, int64_t D)
{
  /* q (N,H,D) pre-scaled, k,v (N,S,D), mask (N,S), out (N,H,D). */
  int n_threads = fl_cpu_threads ();
  float *scratch = fl_cpu_scratch (b, (size_t) n_threads * MAX (S, 1));
  if (!scratch)
    return;
#pragma omp parallel if (N * H * S * D >= PARALLEL_MIN)
  {
    float *w = scratch + (size_t) fl_cpu_thread_id () * MAX (S, 1);
#pragma omp for schedule (static)
    for (int64_t nh = 0; nh < N * H; nh++)
      {
        int64_t n = nh / H, h = nh % H;
        const float *qv = q + (n * H + h) * D;
        const float *kn = k + n * S * D;
        const float *vn = v + n * S * D;
        const float *mn = mask + n * S;
        for (int64_t s = 0; s < S; s++)
          {
            float dot = 0.f;
            for (int64_t d = 0; d < D; d++)
              dot += qv[d] * kn[s * D + d];
            w[s] = dot + 1e9f * (mn[s] - 1.f);
          }
        softmax_row (w, S);
        float *o = out + (n * H + h) * D;
        for (int64_t d = 0; d < D; d++)
          o[d] = 0.f;
        for (int64_t s = 0; s < S; s++)
          for (int64_t d = 0; d < D; d++)
            o[d] += w[s] * vn[s * D + d];
      }
  }
}

static void
cpu_masked_mean (FlBackend *b, const float *x, const float *mask, float *y,
                 int64_t N, int64_t S, int64_t C, float eps)
{
  /* x (N,S,C), mask (N,S) -> y (N,C) */
#pragma omp parallel for if (N * S * C > PARALLEL_MIN) schedule (static)
  for (int64_t n = 0; n < N; n++)
    {
      float *yn = y + n * C;
      float msum = 0.f;
      for (int64_t c = 0; c < C; c++)
        yn[c] = 0.f;
      for (int64_t s = 0; s < S; s++)
        {
          float m = mask[n * S + s];
          msum += m;
          const float *xs = x + (n * S + s) * C;
          for (int64_t c = 0; c < C; c++)
            yn[c] += m * xs[c];
        }
      float inv = 1.f / (msum + eps);
      for (int64_t c = 0; c < C; c++)
        yn[c] *= inv;
    }
}

static void
cpu_softmax_expect (FlBackend *b, const float *x, const float *table, float *y,
                    int64_t M, int64_t bins, int64_t E)
{
  /* double softmax and sums, as AlphaFold's float64 numpy confidence code */
#pragma omp parallel if (M * bins * E > PARALLEL_MIN)
  {
    double *p = g_new (double, MAX (bins, 1));
#pragma omp for schedule (static)
    for (int64_t m = 0; m < M; m++)
      {
        const float *xm = x + m * bins;
        double mx = -INFINITY, sum = 0;
        for (int64_t k = 0; k < bins; k++)
          mx = MAX (mx, (double) xm[k]);
        for (int64_t k = 0; k < bins; k++)
          sum += (p[k] = exp ((double) xm[k] - mx));
        for (int64_t e = 0; e < E; e++)
          {
            double acc = 0;
            for (int64_t k = 0; k < bins; k++)
              acc += p[k] * table[k * E + e];
            y[m * E + e] = (float) (acc / sum);
          }
      }
    g_free (p);
  }
}

static void
cpu_mul_broadcast_rows (FlBackend *b, float *y, const float *x,
                        int64_t N, int64_t S, int64_t C)
{
  /* y (N,S,C) *= x (N,C) */
#pragma omp parallel for if (N * S * C > PARALLEL_MIN) schedule (static)
  for (int64_t n = 0; n < N; n++)
    for (int64_t s = 0; s < S; s++)
      for (int64_t c = 0; c < C; c++)
        y[(n * S + s) * C + c] *= x[n * C + c];
}

/* ------------------------------------------------------------------- table */

static void
cpu_destroy (FlBackend *b)
{
  CpuImpl *impl = b->impl;
  free (impl->scratch);
  g_free (impl);
  g_free (b);
}

const FlBackendOps fl_cpu_reference_ops = {
  .name = "cpu",
  .destroy = cpu_destroy,
  .alloc = cpu_alloc,
  .free = cpu_free,
  .upload = cpu_upload,
  .download = cpu_download,
  .copy = cpu_copy,
  .fill = cpu_fill,
  .synchronize = cpu_synchronize,
  .memory_available = cpu_memory_available,
  .linear = cpu_linear,
  .linear_relu = cpu_linear_relu,
  .gemm_batched = cpu_gemm_batched,
  .layer_norm = cpu_layer_norm,
  .add = cpu_add,
  .mul = cpu_mul,
  .scale = cpu_scale,
  .relu = cpu_relu,
  .sigmoid_mul = cpu_sigmoid_mul,
  .add_sigmoid_mul = cpu_add_sigmoid_mul,
  .mul_rows = cpu_mul_rows,
  .add_row_vector = cpu_add_row_vector,
  .swap01 = cpu_swap01,
  .to_channel_first = cpu_to_channel_first,
  .from_channel_first = cpu_from_channel_first,
  .gate_to_channel_first = cpu_gate_to_channel_first,
  .attention = cpu_attention,
  .global_attention = cpu_global_attention,
  .masked_mean = cpu_masked_mean,
  .mul_broadcast_rows = cpu_mul_broadcast_rows,
  .softmax_expect = cpu_softmax_expect,
  .gated_attention = fl_module_gated_attention_composed,
  .transition = fl_module_transition_composed,
  .triangle_multiplication = fl_module_triangle_multiplication_composed,
  .outer_product_mean = fl_module_outer_product_mean_composed,
};

/* The plain table with the fast ops in place (filled once). */
static const FlBackendOps *
fast_ops (void)
{
  static FlBackendOps ops;
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      ops = fl_cpu_reference_ops;
      ops.linear = fl_cpu_linear_tiled;
      ops.linear_relu = fl_cpu_linear_relu_tiled;
      ops.attention = fl_cpu_attention_blocked;
      ops.gated_attention = fl_cpu_gated_attention_fused;
      ops.transition = fl_cpu_transition_fused;
      g_once_init_leave (&done, 1);
    }
  return &ops;
}

static FlBackend *
cpu_new (const FlBackendOps *ops, int n_threads)
{
  int n = n_threads > 0 ? n_threads : (int) g_get_num_processors ();
  if (n < 1)
    n = 1;
#ifdef _OPENMP
  omp_set_num_threads (n);
#endif
#ifdef FL_HAVE_BLAS
  /* OpenMP does the threading (row tiles, (batch, head) pairs); OpenBLAS
   * stays on the calling thread so that two thread pools never spin
   * against each other. */
  openblas_set_num_threads (1);
#endif
  FlBackend *b = g_new0 (FlBackend, 1);
  CpuImpl *impl = g_new0 (CpuImpl, 1);
  impl->n_threads = n;
  b->ops = ops;
  b->impl = impl;
  b->precision = FL_PRECISION_FP32;
  b->n_threads = n;
  g_snprintf (b->description, sizeof b->description, "CPU, %d thread%s (%s%s)", n,
              n == 1 ? "" : "s",
#ifdef FL_HAVE_BLAS
              "OpenBLAS",
#else
              "plain loops",
#endif
              ops == &fl_cpu_reference_ops ? ", reference ops" : "");
  return b;
}

FlBackend *
fl_backend_cpu_new (int n_threads, GError **error)
{
  return cpu_new (fast_ops (), n_threads);
}

FlBackend *
fl_backend_cpu_reference_new (int n_threads, GError **error)
{
  return cpu_new (&fl_cpu_reference_ops, n_threads);
}
