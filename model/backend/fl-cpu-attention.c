/* Fast CPU attention: the op of fl-backend.h as two blocked products per
 * (batch row, head) with the softmax between them, on tiles that stay in
 * the core's cache.
 *
 * Why not the plain op's route (two cblas_sgemm calls per query block): the
 * products are small and thin (59 x 59 x 32 for MSA row attention, 128 x 512
 * x 32 for column attention), and a BLAS call packs both operands, clears C
 * and sets up its buffers each time, and around it the plain op makes five
 * passes over the logits (scale, mask, bias, softmax, mean) and one over the
 * output (gate). Here, per (b, h):
 *   - K is packed once, transposed and zero-padded, as kt (Dp, Lkp), V as
 *     vp (Lk, Dp), and the key mask as one additive row (-inf on the padding);
 *   - per block of queries, q is packed scaled (rows, Dp); logits = q kt by a
 *     6 x 16 register-blocked kernel (12 vector accumulators, fused
 *     multiply-adds on AVX2 machines);
 *   - one pass adds mask and bias and takes the row maximum, one pass takes
 *     exp and the row sum (the weights stay unnormalised);
 *   - out = weights vp by the same kernel, then 1 / sum and the gate are
 *     applied to the D outputs of each row instead of the Lk weights.
 * Dp = D rounded up to 8, Lkp = Lk rounded up to 16: the padding is zeros
 * (exact in the dot products) and -inf logits (weight 0). Memory per thread:
 * O((Lk + queries per block) * (Dp + ...)), never B*H*Lq*Lk. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize ("O3", "no-trapping-math", "fp-contract=fast")
#endif
#include "fl-backend-cpu-private.h"
#include <math.h>
#ifdef _OPENMP
#include <omp.h>
#endif

typedef float v8 __attribute__ ((vector_size (32)));

#define MR 6      /* rows of the register block */
#define NR 16     /* columns of the register block (two vectors of 8) */

static inline int64_t
round_up (int64_t x, int64_t m)
{
  return (x + m - 1) / m * m;
}

/* C (MR, 16) = A (MR, K) @ B (K, 16) for B rows 32-byte aligned (ldb a
 * multiple of 8); n_vec = 1 uses only the first 8 columns. Inlined into the
 * two products below (each compiled per instruction set): no call per
 * block, and a profile tells the two products apart. */
static inline __attribute__ ((always_inline)) void
kernel_6x16 (const float *A, int64_t lda, const float *B, int64_t ldb, int64_t K,
             float *C, int64_t ldc, int n_vec)
{
  v8 c00 = { 0 }, c01 = { 0 }, c10 = { 0 }, c11 = { 0 }, c20 = { 0 }, c21 = { 0 };
  v8 c30 = { 0 }, c31 = { 0 }, c40 = { 0 }, c41 = { 0 }, c50 = { 0 }, c51 = { 0 };
  const float *a0 = A, *a1 = A + lda, *a2 = A + 2 * lda, *a3 = A + 3 * lda;
  const float *a4 = A + 4 * lda, *a5 = A + 5 * lda;
  if (n_vec == 2)
    for (int64_t k = 0; k < K; k++)
      {
        const v8 b0 = *(const v8 *) (B + k * ldb), b1 = *(const v8 *) (B + k * ldb + 8);
        c00 += a0[k] * b0; c01 += a0[k] * b1;
        c10 += a1[k] * b0; c11 += a1[k] * b1;
        c20 += a2[k] * b0; c21 += a2[k] * b1;
        c30 += a3[k] * b0; c31 += a3[k] * b1;
        c40 += a4[k] * b0; c41 += a4[k] * b1;
        c50 += a5[k] * b0; c51 += a5[k] * b1;
      }
  else
    for (int64_t k = 0; k < K; k++)
      {
        const v8 b0 = *(const v8 *) (B + k * ldb);
        c00 += a0[k] * b0; c10 += a1[k] * b0; c20 += a2[k] * b0;
        c30 += a3[k] * b0; c40 += a4[k] * b0; c50 += a5[k] * b0;
      }
  *(v8 *) (C) = c00; *(v8 *) (C + ldc) = c10; *(v8 *) (C + 2 * ldc) = c20;
  *(v8 *) (C + 3 * ldc) = c30; *(v8 *) (C + 4 * ldc) = c40; *(v8 *) (C + 5 * ldc) = c50;
  if (n_vec == 2)
    {
      *(v8 *) (C + 8) = c01; *(v8 *) (C + ldc + 8) = c11; *(v8 *) (C + 2 * ldc + 8) = c21;
      *(v8 *) (C + 3 * ldc + 8) = c31; *(v8 *) (C + 4 * ldc + 8) = c41;
      *(v8 *) (C + 5 * ldc + 8) = c51;
    }
}

/* logits p (nqp, Lkp) = qb (nqp, Dp) @ kt (Dp, Lkp; rows ldk apart): a
 * panel of kt (Dp x 16) stays in L1 while the query rows pass over it */
FL_FMA_CLONES static void
logits_product (const float *qb, int64_t Dp, const float *kt, int64_t ldk, int64_t Lkp,
                float *p, int64_t nqp)
{
  for (int64_t j = 0; j < Lkp; j += NR)
    for (int64_t i = 0; i < nqp; i += MR)
      kernel_6x16 (qb + i * Dp, Dp, kt + j, ldk, Dp, p + i * Lkp + j, Lkp, 2);
}

/* o (nqp, Dp) = weights p (nqp, Lk; rows Lkp apart) @ vp (Lk, Dp) */
FL_FMA_CLONES static void
values_product (const float *p, int64_t Lkp, const float *vp, int64_t Dp, int64_t Lk,
                float *o, int64_t nqp)
{
  for (int64_t i = 0; i < nqp; i += MR)
    for (int64_t d = 0; d < Dp; d += NR)
      kernel_6x16 (p + i * Lkp, Lkp, vp + d, Dp, Lk, o + i * Dp + d, Dp,
                   Dp - d >= NR ? 2 : 1);
}

/* One row of logits (Lkp) in place: + key term (mask, -inf padding) + bias
 * (Lk) -> unnormalised weights exp(x - max); returns their sum. Two passes
 * (terms and maximum, then exp and sum); fused multiply-adds for the exp's
 * polynomial on x86-64-v3. */
FL_FMA_CLONES static float
softmax_row_unnormalised (float *restrict row, const float *restrict key_term,
                          const float *restrict bias, int64_t Lk, int64_t Lkp)
{
  float mx = -INFINITY;
  if (bias)
    {
#pragma omp simd reduction (max:mx)
      for (int64_t j = 0; j < Lk; j++)
        {
          float x = (row[j] + key_term[j]) + bias[j];
          row[j] = x;
          mx = x > mx ? x : mx;
        }
      for (int64_t j = Lk; j < Lkp; j++)
        row[j] = key_term[j];
    }
  else
#pragma omp simd reduction (max:mx)
    for (int64_t j = 0; j < Lkp; j++)   /* the padding's -inf leaves the maximum alone */
      {
        float x = row[j] + key_term[j];
        row[j] = x;
        mx = x > mx ? x : mx;
      }
  float sum = 0.f;
#pragma omp simd reduction (+:sum)
  for (int64_t j = 0; j < Lkp; j++)
    {
      float e = fl_cpu_expf (row[j] - mx);
      row[j] = e;
      sum += e;
    }
  return sum;
}

/* out row (D) = acc (D) * inv [* sigmoid (gate)]. */
FL_VECTOR_CLONES static void
finish_row (const float *acc, float inv, const float *gate, float *out, int64_t D)
{
  if (gate)
    for (int64_t d = 0; d < D; d++)
      out[d] = (acc[d] * inv) * (1.f / (1.f + fl_cpu_expf (-gate[d])));
  else
    for (int64_t d = 0; d < D; d++)
      out[d] = acc[d] * inv;
}


/* Query blocks of QB rows (a multiple of MR) whose logits stay near
 * 256 KiB however long the keys are. */
/* Row stride of kt: a cache line more than Lkp, so that its rows do not all
 * fall in the same few L1 sets when Lkp is a multiple of 256 (column
 * attention: 512 keys, 2 KiB apart) and a panel of it stays in L1. */
static inline int64_t
kt_stride (int64_t Lkp)
{
  return Lkp + 16;
}

static void
work_dims (int64_t Lq, int64_t Lk, int64_t D, int64_t *Dp, int64_t *Lkp, int64_t *QB)
{
  *Dp = round_up (D, 8);
  *Lkp = round_up (Lk, NR);
  *QB = MIN (round_up (Lq, MR), MAX ((int64_t) MR, 65536 / *Lkp / MR * MR));
}

size_t
fl_cpu_attention_work_floats (int64_t Lq, int64_t Lk, int64_t D)
{
  int64_t Dp, Lkp, QBp;
  work_dims (Lq, Lk, D, &Dp, &Lkp, &QBp);
  return (size_t) round_up (Dp * kt_stride (Lkp), 16) + round_up (Dp * Lkp, 16) + round_up (Lkp, 16)
         + (size_t) round_up (QBp * Dp, 16) * 2 + (size_t) QBp * Lkp + round_up (QBp, 16);
}

FlCpuAttentionWork
fl_cpu_attention_work_at (float *base, int64_t Lq, int64_t Lk, int64_t D)
{
  FlCpuAttentionWork w;
  work_dims (Lq, Lk, D, &w.Dp, &w.Lkp, &w.QB);
  const int64_t Dp = w.Dp, Lkp = w.Lkp, QBp = w.QB;
  w.kt = base;
  w.vp = w.kt + round_up (Dp * kt_stride (Lkp), 16);
  w.key = w.vp + round_up (Dp * Lkp, 16);
  w.qb = w.key + round_up (Lkp, 16);
  w.o = w.qb + round_up (QBp * Dp, 16);
  w.p = w.o + round_up (QBp * Dp, 16);
  w.inv = w.p + QBp * Lkp;
  return w;
}

void
fl_cpu_attention_one (FlCpuAttentionWork *w, const float *q, int64_t q_ld,
                      const float *k, const float *v, int64_t kv_ld, const float *mask,
                      const float *bias, const float *gate, int64_t g_ld,
                      float *out, int64_t o_ld, int64_t Lq, int64_t Lk, int64_t D,
                      float *acc)
{
  /* q (Lq, D) rows q_ld apart; k, v (Lk, D) rows kv_ld apart; mask (Lk) or
   * NULL; bias (Lq, Lk) or NULL; gate (Lq, D) rows g_ld apart or NULL;
   * out (Lq, D) rows o_ld apart; acc (Lq, Lk) += the weights, or NULL */
  const int64_t Dp = w->Dp, Lkp = w->Lkp, QB = w->QB, ldk = kt_stride (Lkp);
  const float qscale = 1.f / sqrtf ((float) D);
  /* the work space in locals that no store can alias (else every packed
   * float reloads the pointers, and the packing loops do not vectorise) */
  float *restrict kt = w->kt, *restrict vp = w->vp, *restrict key = w->key;
  float *restrict qb = w->qb, *restrict p = w->p, *restrict o = w->o, *restrict winv = w->inv;

  /* pack keys (transposed), values and the key term */
  memset (kt, 0, (size_t) Dp * ldk * sizeof (float));
  memset (vp, 0, (size_t) Lkp * Dp * sizeof (float));
  for (int64_t j = 0; j < Lk; j++)
    {
      /* rows far apart (other pages): fetch ahead, the hardware prefetcher
       * does not cross pages */
      __builtin_prefetch (k + (j + 8) * kv_ld);
      __builtin_prefetch (k + (j + 8) * kv_ld + D - 1);
      __builtin_prefetch (v + (j + 8) * kv_ld);
      __builtin_prefetch (v + (j + 8) * kv_ld + D - 1);
      const float *restrict kj = k + j * kv_ld;
      for (int64_t d = 0; d < D; d++)
        kt[d * ldk + j] = kj[d];
      memcpy (vp + j * Dp, v + j * kv_ld, (size_t) D * sizeof (float));
      key[j] = mask ? (mask[j] > 0.f ? 0.f : -1e9f) : 0.f;
    }
  for (int64_t j = Lk; j < Lkp; j++)
    key[j] = -INFINITY;

  for (int64_t i0 = 0; i0 < Lq; i0 += QB)
    {
      const int64_t nq = MIN (QB, Lq - i0), nqp = round_up (nq, MR);
      const float *qrows = q + i0 * q_ld;
      /* AlphaFold scales q by D^-0.5 before the dot product. */
      memset (qb, 0, (size_t) nqp * Dp * sizeof (float));
      for (int64_t i = 0; i < nq; i++)
        {
          __builtin_prefetch (qrows + (i + 8) * q_ld);
          __builtin_prefetch (qrows + (i + 8) * q_ld + D - 1);
          const float *restrict qi = qrows + i * q_ld;
          float *restrict qo = qb + i * Dp;
          for (int64_t d = 0; d < D; d++)
            qo[d] = qi[d] * qscale;
        }

      logits_product (qb, Dp, kt, ldk, Lkp, p, nqp);

      for (int64_t i = 0; i < nq; i++)
        {
          float *pr = p + i * Lkp;
          const float *br = bias ? bias + (i0 + i) * Lk : NULL;
          winv[i] = 1.f / softmax_row_unnormalised (pr, key, br, Lk, Lkp);
          if (acc)
            {
              float *ar = acc + (i0 + i) * Lk;
              const float inv = winv[i];
              for (int64_t j = 0; j < Lk; j++)
                ar[j] += pr[j] * inv;
            }
        }
      /* padded query rows: weights 0 (their outputs are not used) */
      memset (p + nq * Lkp, 0, (size_t) (nqp - nq) * Lkp * sizeof (float));

      values_product (p, Lkp, vp, Dp, Lk, o, nqp);

      float *orows = out + i0 * o_ld;
      const float *grows = gate ? gate + i0 * g_ld : NULL;
      for (int64_t i = 0; i < nq; i++)
        finish_row (o + i * Dp, winv[i], grows ? grows + i * g_ld : NULL,
                    orows + i * o_ld, D);
    }
}

void
fl_cpu_attention_blocked (FlBackend *b, const float *q, const float *k, const float *v,
                          const float *key_mask, const float *bias, const float *gate,
                          float *out, int64_t B, int64_t Lq, int64_t Lk, int64_t H,
                          int64_t D, float *probs_mean)
{
  /* q (B,Lq,H,D), k,v (B,Lk,H,D), key_mask (B,Lk), bias (H,Lq,Lk),
   * gate (B,Lq,H,D), out (B,Lq,H,D), probs_mean (H,Lq,Lk) */
  if (B <= 0 || Lq <= 0 || H <= 0 || D <= 0)
    return;
  if (Lk <= 0)
    {
      /* no keys: an empty sum (the plain op's product with K = 0) */
      for (int64_t i = 0; i < B * Lq * H * D; i++)
        out[i] = 0.f;
      return;
    }
  const int64_t row = H * D;           /* stride between positions */
  const int nt = fl_cpu_threads ();
  const size_t per_thread = round_up (fl_cpu_attention_work_floats (Lq, Lk, D), 16);
  const size_t mean_n = probs_mean ? (size_t) H * Lq * Lk : 0;
  float *scratch = fl_cpu_scratch (b, (size_t) nt * (per_thread + mean_n));
  if (!scratch)
    return;
  float *mean_acc = probs_mean ? scratch + (size_t) nt * per_thread : NULL;
  if (mean_acc)
    memset (mean_acc, 0, (size_t) nt * mean_n * sizeof (float));
  const gboolean parallel = nt > 1 && B * H * Lq * Lk * MAX (D, 8) >= FL_CPU_GEMM_PARALLEL_MIN;

#pragma omp parallel if (parallel)
  {
    const int t = fl_cpu_thread_id ();
    FlCpuAttentionWork w = fl_cpu_attention_work_at (scratch + (size_t) t * per_thread, Lq, Lk, D);
    float *acc = mean_acc ? mean_acc + (size_t) t * mean_n : NULL;

#pragma omp for schedule (dynamic, 1)
    for (int64_t bh = 0; bh < B * H; bh++)
      {
        const int64_t bi = bh / H, h = bh % H;
        const size_t qo = (size_t) bi * Lq * row + h * D, ko = (size_t) bi * Lk * row + h * D;
        fl_cpu_attention_one (&w, q + qo, row, k + ko, v + ko, row,
                              key_mask ? key_mask + bi * Lk : NULL,
                              bias ? bias + (size_t) h * Lq * Lk : NULL,
                              gate ? gate + qo : NULL, row, out + qo, row, Lq, Lk, D,
                              acc ? acc + (size_t) h * Lq * Lk : NULL);
      }
  }

  if (probs_mean)
    {
      const float inv = 1.f / (float) B;
#pragma omp parallel for if (mean_n > FL_CPU_PARALLEL_MIN) schedule (static)
      for (size_t i = 0; i < mean_n; i++)
        {
          float sum = 0.f;
          for (int t = 0; t < nt; t++)
            sum += mean_acc[(size_t) t * mean_n + i];
          probs_mean[i] = sum * inv;
        }
    }
}
