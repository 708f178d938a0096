/* Shared pieces of the CPU backend: the plain op table of fl-backend-cpu.c
 * (the readable specification) and the fast ops that replace some of its
 * entries (fl-cpu-attention.c, fl-cpu-linear.c). Not part of the model's
 * interface: only the CPU backend files and their tests include it. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include <string.h>
#include "fl-backend.h"

G_BEGIN_DECLS

/* Ops on fewer elements than this run on one thread: starting and joining
 * threads costs more (and much more on a loaded machine, where a barrier
 * can wait for a descheduled thread). */
#define FL_CPU_PARALLEL_MIN 262144
/* Products smaller than this (multiply-adds) run on one thread. */
#define FL_CPU_GEMM_PARALLEL_MIN 1048576

/* Wider vectors where the CPU has them (chosen at load time), SSE2 otherwise. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define FL_VECTOR_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
/* x86-64-v3 = AVX2 with FMA (avx2 alone gives no fused multiply-add). */
#define FL_FMA_CLONES __attribute__ ((target_clones ("arch=x86-64-v3", "default")))
#else
#define FL_VECTOR_CLONES
#define FL_FMA_CLONES
#endif

/* exp(x) for float x in a form the compiler vectorises (no libm call):
 * x = n ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2), e^r from the
 * Cephes degree-6 polynomial, times 2^n built in the exponent bits.
 * Relative error about 2e-7 (1-2 ulp); 0 below -87 (where expf is
 * denormal or 0, and for -inf), the largest float region kept finite above 88. */
static inline __attribute__ ((always_inline)) float
fl_cpu_expf (float x)
{
  float xc = x < -87.f ? -87.f : x;
  xc = xc > 88.f ? 88.f : xc;
  /* n = round (x / ln2) by the 1.5 * 2^23 trick (no libm call, vectorises) */
  float n = (xc * 1.44269504088896341f + 12582912.f) - 12582912.f;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.f;
  int32_t bits = ((int32_t) n + 127) << 23;   /* 2^n */
  float scale;
  memcpy (&scale, &bits, sizeof scale);
  float e = p * scale;
  return x < -87.f ? 0.f : e;
}

/* The backend's private state. */
typedef struct {
  int n_threads;
  float *scratch;         /* reused between op calls (ops run on one thread) */
  size_t scratch_cap;     /* floats */
} FlCpuImpl;

/* A 64-byte aligned scratch buffer of n floats, kept between op calls.
 * NULL + backend error on failure. */
float *fl_cpu_scratch (FlBackend *b, size_t n);
int fl_cpu_threads (void);
int fl_cpu_thread_id (void);

/* C (M,N) = alpha * op(A) @ op(B) + beta * C for one matrix on the calling
 * thread (cblas_sgemm, or plain loops without BLAS); see gemm_batched. */
void fl_cpu_gemm_serial (gboolean trans_a, gboolean trans_b, int64_t M, int64_t N, int64_t K,
                         float alpha, const float *A, int64_t lda, const float *B, int64_t ldb,
                         float beta, float *C, int64_t ldc);

/* One row of LayerNorm: yr (C) = (xr - mean) / sqrt(var + 1e-5) * scale + offset
 * (two-pass variance; scale, offset may be NULL). The plain layer_norm op's row. */
void fl_cpu_layer_norm_row (const float *xr, const float *scale, const float *offset,
                            float *yr, int64_t C);

/* The core of the fast attention for one (item, head), on the calling
 * thread (fl-cpu-attention.c): a work space for queries Lq, keys Lk, width D
 * (fl_cpu_attention_work_floats floats, 64-byte aligned base), then
 *   out (Lq,D) = softmax(q k^T D^-0.5 + mask + bias) v [* sigmoid (gate)]
 * with q (Lq,D) rows q_ld apart, k, v (Lk,D) rows kv_ld apart, mask (Lk)
 * or NULL, bias (Lq,Lk) or NULL, gate rows g_ld apart or NULL, out rows
 * o_ld apart; acc (Lq,Lk) += the softmax weights when not NULL. */
typedef struct {
  int64_t Dp, Lkp, QB;  /* D rounded up to 8, Lk to 16; queries per block */
  float *kt;            /* (Dp, Lkp) keys transposed */
  float *vp;            /* (Lkp, Dp) values */
  float *key;           /* (Lkp) additive key term */
  float *qb;            /* (QB, Dp) scaled queries */
  float *p;             /* (QB, Lkp) logits, then weights */
  float *o;             /* (QB, Dp) unnormalised outputs */
  float *inv;           /* (QB) 1 / row sums */
} FlCpuAttentionWork;
size_t fl_cpu_attention_work_floats (int64_t Lq, int64_t Lk, int64_t D);
FlCpuAttentionWork fl_cpu_attention_work_at (float *base, int64_t Lq, int64_t Lk, int64_t D);
void fl_cpu_attention_one (FlCpuAttentionWork *w, const float *q, int64_t q_ld,
                           const float *k, const float *v, int64_t kv_ld, const float *mask,
                           const float *bias, const float *gate, int64_t g_ld,
                           float *out, int64_t o_ld, int64_t Lq, int64_t Lk, int64_t D,
                           float *acc);

/* The plain op table: every op written the simplest way (the reference
 * the fast ops are tested against). */
extern const FlBackendOps fl_cpu_reference_ops;

/* Fast replacements (same contract as the op they replace, fl-backend.h). */
void fl_cpu_attention_blocked (FlBackend *b, const float *q, const float *k, const float *v,
                               const float *key_mask, const float *bias, const float *gate,
                               float *out, int64_t B, int64_t Lq, int64_t Lk, int64_t H,
                               int64_t D, float *probs_mean);
void fl_cpu_linear_tiled (FlBackend *b, const float *x, const float *w, const float *bias,
                          float *y, int64_t M, int64_t K, int64_t N, gboolean accumulate);
void fl_cpu_linear_relu_tiled (FlBackend *b, const float *x, const float *w, const float *bias,
                               float *y, int64_t M, int64_t K, int64_t N);

/* Fused module ops (fl-cpu-modules.c; contracts in fl-backend.h). */
void fl_cpu_gated_attention_fused (FlBackend *b, const FlAttentionWeights *w, const float *x,
                                   int64_t B, int64_t Lq, int64_t c, int64_t H, int64_t D,
                                   const float *key_mask, const float *bias, float *y,
                                   gboolean accumulate, float *probs_mean,
                                   float *scratch, size_t scratch_n);
void fl_cpu_transition_fused (FlBackend *b, const FlTransitionWeights *w, float *act,
                              int64_t M, int64_t c, int64_t hidden,
                              float *scratch, size_t scratch_n);

/* A CPU backend with the plain op table only (tests and benchmarks compare
 * the fast ops of fl_backend_cpu_new with it). */
FlBackend *fl_backend_cpu_reference_new (int n_threads, GError **error);

G_END_DECLS
