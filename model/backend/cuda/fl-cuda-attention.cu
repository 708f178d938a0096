/* Attention kernels of the CUDA backend (fl-backend.h: attention,
 * global_attention).
 *
 * attention: flash-style. A block owns BQ queries of one (batch row b,
 * head h), one thread per query; it walks the keys in tiles of BK, staged in
 * shared memory with the key mask and the (h, i, j) bias of the tile, and
 * keeps an online softmax (running max m, running sum l, running output) in
 * registers. No B*H*Lq*Lk logits ever exist in memory. When probs_mean is
 * asked for, the forward pass also writes each query's final (m, l), and a
 * second kernel recomputes the logits tile by tile to average the
 * probabilities over b.
 *
 * This kernel is the fp32 mode's (exact products); the tf32 and bf16 modes
 * run the tensor-core kernels of fl-cuda-attention-tf32.cu and
 * fl-cuda-attention-bf16.cu instead and share the capture kernel below.
 *
 * Exponentials use the hardware ex2 path (__expf, relative error ~1e-7 on
 * these arguments, all <= 0 after the max is subtracted).
 *
 * global_attention: one block per (column n, head h); the threads stride over
 * the S rows with their own online softmax, merged by warp shuffles and then
 * across warps. */
#include "fl-cuda-private.h"
#include <math.h>

#define MASK_NEG 1e9f

/* The logit of (q_scaled . k) with the key mask and bias, shared by both
 * passes so that the second pass sees exactly the first pass's numbers. */
__device__ static inline float
logit_of (float dot, float mask_term, float bias)
{
  return dot + mask_term + bias;
}

template <int DP, int BQ, int BK>
__global__ static void
__launch_bounds__ (BQ)
k_flash_attention (const float *__restrict__ q, const float *__restrict__ k,
                   const float *__restrict__ v, const float *__restrict__ key_mask,
                   const float *__restrict__ bias, const float *__restrict__ gate,
                   float *__restrict__ out,
                   int64_t B, int64_t Lq, int64_t Lk, int64_t H, int D, float qscale,
                   float *__restrict__ stats_m, float *__restrict__ stats_l)
{
  /* float4 rows: one 16-byte shared load feeds 4 FMAs of every thread. */
  __shared__ float4 Ks4[BK][DP / 4];
  __shared__ float4 Vs4[BK][DP / 4];
  __shared__ float Ms[BK];
  float *Ksf = (float *) Ks4, *Vsf = (float *) Vs4;
  __shared__ float Bs[BQ][BK + 1];

  const int64_t bh = blockIdx.x;       /* b * H + h */
  const int64_t bb = bh / H, h = bh % H;
  const int64_t i0 = (int64_t) blockIdx.y * BQ;
  const int t = threadIdx.x;
  const int64_t i = i0 + t;
  const bool active = i < Lq;

  float qr[DP], acc[DP];
  const float *qp = q + ((bb * Lq + (active ? i : 0)) * H + h) * D;
#pragma unroll
  for (int d = 0; d < DP; d++)
    {
      qr[d] = (active && d < D) ? qp[d] * qscale : 0.0f;
      acc[d] = 0.0f;
    }
  float m = -INFINITY, l = 0.0f;

  for (int64_t j0 = 0; j0 < Lk; j0 += BK)
    {
      const int nk = (int) MIN ((int64_t) BK, Lk - j0);
      __syncthreads ();
      for (int e = t; e < BK * DP; e += BQ)
        {
          int jj = e / DP, d = e % DP;
          float kv = 0.0f, vv = 0.0f;
          if (jj < nk && d < D)
            {
              size_t off = ((bb * Lk + j0 + jj) * H + h) * D + d;
              kv = k[off];
              vv = v[off];
            }
          Ksf[jj * DP + d] = kv;
          Vsf[jj * DP + d] = vv;
        }
      for (int jj = t; jj < BK; jj += BQ)
        Ms[jj] = (key_mask && jj < nk) ? (key_mask[bb * Lk + j0 + jj] > 0.0f ? 0.0f : -MASK_NEG)
                                       : 0.0f;
      if (bias)
        {
          /* Coalesced: consecutive threads read consecutive keys of one query row. */
          for (int e = t; e < BQ * BK; e += BQ)
            {
              int r = e / BK, jj = e % BK;
              int64_t ii = i0 + r;
              Bs[r][jj] = (ii < Lq && jj < nk) ? bias[(h * Lq + ii) * Lk + j0 + jj] : 0.0f;
            }
        }
      __syncthreads ();

      float s[BK];
      float tile_max = -INFINITY;
#pragma unroll
      for (int jj = 0; jj < BK; jj++)
        {
          float dot = 0.0f;
#pragma unroll
          for (int d4 = 0; d4 < DP / 4; d4++)
            {
              const float4 kv = Ks4[jj][d4];
              dot = fmaf (qr[4 * d4], kv.x, dot);
              dot = fmaf (qr[4 * d4 + 1], kv.y, dot);
              dot = fmaf (qr[4 * d4 + 2], kv.z, dot);
              dot = fmaf (qr[4 * d4 + 3], kv.w, dot);
            }
          float x = logit_of (dot, Ms[jj], bias ? Bs[t][jj] : 0.0f);
          s[jj] = jj < nk ? x : -INFINITY;
          tile_max = fmaxf (tile_max, s[jj]);
        }
      const float m_new = fmaxf (m, tile_max);
      const float corr = __expf (m - m_new);     /* 0 on the first tile (m = -inf) */
      l *= corr;
#pragma unroll
      for (int d = 0; d < DP; d++)
        acc[d] *= corr;
#pragma unroll
      for (int jj = 0; jj < BK; jj++)
        {
          float p = __expf (s[jj] - m_new);      /* 0 past the last key */
          l += p;
#pragma unroll
          for (int d4 = 0; d4 < DP / 4; d4++)
            {
              const float4 vv = Vs4[jj][d4];
              acc[4 * d4] = fmaf (p, vv.x, acc[4 * d4]);
              acc[4 * d4 + 1] = fmaf (p, vv.y, acc[4 * d4 + 1]);
              acc[4 * d4 + 2] = fmaf (p, vv.z, acc[4 * d4 + 2]);
              acc[4 * d4 + 3] = fmaf (p, vv.w, acc[4 * d4 + 3]);
            }
        }
      m = m_new;
    }

  if (active)
    {
      float inv = 1.0f / l;
      const size_t o0 = ((bb * Lq + i) * H + h) * D;
#pragma unroll
      for (int d = 0; d < DP; d++)
        if (d < D)
          out[o0 + d] = gate ? acc[d] * inv * (1.0f / (1.0f + expf (-gate[o0 + d])))
                             : acc[d] * inv;
      if (stats_m)
        {
          stats_m[bh * Lq + i] = m;
          stats_l[bh * Lq + i] = l;
        }
    }
}

/* probs_mean (H,Lq,Lk) = mean_b softmax: block of PT x PT (query, key) pairs
 * of one head, looping over b with the forward pass's (m, l). */
#define PT 16
template <int DP>
__global__ static void
k_attention_probs_mean (const float *__restrict__ q, const float *__restrict__ k,
                        const float *__restrict__ key_mask, const float *__restrict__ bias,
                        const float *__restrict__ stats_m, const float *__restrict__ stats_l,
                        float *__restrict__ probs_mean,
                        int64_t B, int64_t Lq, int64_t Lk, int64_t H, int D, float qscale)
{
  __shared__ float Qs[PT][DP + 1];
  __shared__ float Ks[PT][DP + 1];
  const int64_t h = blockIdx.z;
  const int64_t i0 = (int64_t) blockIdx.y * PT, j0 = (int64_t) blockIdx.x * PT;
  const int tx = threadIdx.x, ty = threadIdx.y;   /* tx: key, ty: query */
  const int tid = ty * PT + tx;
  const int64_t i = i0 + ty, j = j0 + tx;
  const float bij = (bias && i < Lq && j < Lk) ? bias[(h * Lq + i) * Lk + j] : 0.0f;
  float sum = 0.0f;
  for (int64_t bb = 0; bb < B; bb++)
    {
      __syncthreads ();
      for (int e = tid; e < PT * DP; e += PT * PT)
        {
          int r = e / DP, d = e % DP;
          int64_t ii = i0 + r, jj = j0 + r;
          Qs[r][d] = (ii < Lq && d < D) ? q[((bb * Lq + ii) * H + h) * D + d] * qscale : 0.0f;
          Ks[r][d] = (jj < Lk && d < D) ? k[((bb * Lk + jj) * H + h) * D + d] : 0.0f;
        }
      __syncthreads ();
      if (i < Lq && j < Lk)
        {
          float dot = 0.0f;
#pragma unroll
          for (int d = 0; d < DP; d++)
            dot = fmaf (Qs[ty][d], Ks[tx][d], dot);
          float mt = key_mask ? (key_mask[bb * Lk + j] > 0.0f ? 0.0f : -MASK_NEG) : 0.0f;
          float x = logit_of (dot, mt, bij);
          int64_t si = (bb * H + h) * Lq + i;
          sum += __expf (x - stats_m[si]) / stats_l[si];
        }
    }
  if (i < Lq && j < Lk)
    probs_mean[(h * Lq + i) * Lk + j] = sum / (float) B;
}

template <int DP, int BK>
static void
launch_flash (FlBackend *b, const float *q, const float *k, const float *v,
              const float *key_mask, const float *bias, const float *gate, float *out,
              int64_t B, int64_t Lq, int64_t Lk, int64_t H, int D, float *probs_mean)
{
  const int BQ = 64;
  cudaStream_t st = fl_cuda_stream (b);
  float qscale = 1.0f / sqrtf ((float) D);
  float *stats_m = NULL, *stats_l = NULL;
  if (probs_mean)
    {
      float *scratch = (float *) fl_cuda_scratch (b, (size_t) 2 * B * H * Lq * sizeof (float));
      if (!scratch)
        return;
      stats_m = scratch;
      stats_l = scratch + (size_t) B * H * Lq;
    }
  int64_t qtiles = (Lq + BQ - 1) / BQ;
  if (qtiles > 65535 || B * H > 0x7fffffffLL)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: attention of %" G_GINT64_FORMAT " queries x %" G_GINT64_FORMAT
                       " rows is too large for one launch", __FILE__, __LINE__, Lq, B * H);
      return;
    }
  if (b->precision != FL_PRECISION_FP32 && fl_cuda_state (b)->use_mma_attention)
    {
      /* Tensor cores: fl-cuda-attention-tf32.cu (tf32), fl-cuda-attention-bf16.cu (bf16). */
      gboolean ok = b->precision == FL_PRECISION_TF32
                    ? fl_cuda_attention_tf32 (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk,
                                              H, D, stats_m, stats_l)
                    : fl_cuda_attention_bf16 (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk,
                                             H, D, stats_m, stats_l);
      if (!ok)
        return;
    }
  else
    {
      dim3 grid ((unsigned) (B * H), (unsigned) qtiles);
      k_flash_attention<DP, 64, BK><<<grid, BQ, 0, st>>> (q, k, v, key_mask, bias, gate, out,
                                                          B, Lq, Lk, H, D, qscale, stats_m,
                                                          stats_l);
      if (!FL_CUDA_CHECK_LAUNCH (b, "k_flash_attention"))
        return;
    }
  if (probs_mean)
    {
      int64_t gx = (Lk + PT - 1) / PT, gy = (Lq + PT - 1) / PT;
      if (gy > 65535 || H > 65535)
        {
          fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                           "%s:%d: attention capture of %" G_GINT64_FORMAT " queries is too large",
                           __FILE__, __LINE__, Lq);
          return;
        }
      dim3 g2 ((unsigned) gx, (unsigned) gy, (unsigned) H);
      dim3 blk (PT, PT);
      k_attention_probs_mean<DP><<<g2, blk, 0, st>>> (q, k, key_mask, bias, stats_m, stats_l,
                                                      probs_mean, B, Lq, Lk, H, D, qscale);
      FL_CUDA_CHECK_LAUNCH (b, "k_attention_probs_mean");
    }
}

static void
attention (FlBackend *b, const float *q, const float *k, const float *v,
           const float *key_mask, const float *bias, const float *gate, float *out,
           int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
           float *probs_mean)
{
  if (B <= 0 || Lq <= 0 || H <= 0 || D <= 0)
    return;
  if (Lk <= 0)
    {
      /* No keys: the CPU backend writes zeros (an empty weighted sum). */
      fl_cuda_fill (b, out, 0.0f, (size_t) (B * Lq * H * D));
      return;
    }
  int d = (int) D;
  if (D <= 4)
    launch_flash<4, 32> (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk, H, d, probs_mean);
  else if (D <= 8)
    launch_flash<8, 32> (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk, H, d, probs_mean);
  else if (D <= 16)
    launch_flash<16, 32> (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk, H, d, probs_mean);
  else if (D <= 32)
    launch_flash<32, 32> (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk, H, d, probs_mean);
  else if (D <= 64)
    launch_flash<64, 16> (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk, H, d, probs_mean);
  else if (D <= 128)
    launch_flash<128, 8> (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk, H, d, probs_mean);
  else
    fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                     "%s:%d: attention head width %" G_GINT64_FORMAT " > 128 is not supported",
                     __FILE__, __LINE__, D);
}

void
fl_cuda_attention (FlBackend *b, const float *q, const float *k, const float *v,
                   const float *key_mask, const float *bias, const float *gate, float *out,
                   int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                   float *probs_mean)
{
  gint64 t0 = fl_cuda_prof_begin (b);
  attention (b, q, k, v, key_mask, bias, gate, out, B, Lq, Lk, H, D, probs_mean);
  fl_cuda_prof_end (b, probs_mean ? FL_CUDA_OP_ATTENTION_CAPTURE : FL_CUDA_OP_ATTENTION, t0,
                    4.0 * B * H * Lq * Lk * D);
}

/* ---- global attention ---- */

#define GA_THREADS 128

template <int DP>
__global__ static void
__launch_bounds__ (GA_THREADS)
k_global_attention (const float *__restrict__ q, const float *__restrict__ k,
                    const float *__restrict__ v, const float *__restrict__ mask,
                    float *__restrict__ out, int64_t N, int64_t S, int64_t H, int D)
{
  __shared__ float wm[GA_THREADS / 32], wl[GA_THREADS / 32];
  __shared__ float wacc[GA_THREADS / 32][DP];
  const int64_t nh = blockIdx.x;
  const int64_t n = nh / H, h = nh % H;
  const int t = threadIdx.x, lane = t & 31, warp = t >> 5;

  float qr[DP], acc[DP];
#pragma unroll
  for (int d = 0; d < DP; d++)
    {
      qr[d] = d < D ? q[(n * H + h) * D + d] : 0.0f;
      acc[d] = 0.0f;
    }
  float m = -INFINITY, l = 0.0f;
  for (int64_t s = t; s < S; s += GA_THREADS)
    {
      const float *kp = k + (n * S + s) * D;
      const float *vp = v + (n * S + s) * D;
      float dot = 0.0f;
#pragma unroll
      for (int d = 0; d < DP; d++)
        if (d < D)
          dot = fmaf (qr[d], kp[d], dot);
      float x = dot + MASK_NEG * (mask[n * S + s] - 1.0f);
      float m_new = fmaxf (m, x);
      float corr = __expf (m - m_new);
      float p = __expf (x - m_new);
      l = l * corr + p;
#pragma unroll
      for (int d = 0; d < DP; d++)
        if (d < D)
          acc[d] = acc[d] * corr + p * vp[d];
      m = m_new;
    }
  /* Merge the threads' partial softmaxes: first inside each warp ... */
  for (int o = 16; o > 0; o >>= 1)
    {
      float m2 = __shfl_xor_sync (0xffffffffu, m, o);
      float l2 = __shfl_xor_sync (0xffffffffu, l, o);
      float mm = fmaxf (m, m2);
      float a = (m == -INFINITY) ? 0.0f : __expf (m - mm);
      float c = (m2 == -INFINITY) ? 0.0f : __expf (m2 - mm);
      l = l * a + l2 * c;
#pragma unroll
      for (int d = 0; d < DP; d++)
        {
          float a2 = __shfl_xor_sync (0xffffffffu, acc[d], o);
          acc[d] = acc[d] * a + a2 * c;
        }
      m = mm;
    }
  if (lane == 0)
    {
      wm[warp] = m;
      wl[warp] = l;
#pragma unroll
      for (int d = 0; d < DP; d++)
        wacc[warp][d] = acc[d];
    }
  __syncthreads ();
  /* ... then across the warps. */
  if (t < DP && t < D)
    {
      float mm = -INFINITY;
      for (int w = 0; w < GA_THREADS / 32; w++)
        mm = fmaxf (mm, wm[w]);
      float ll = 0.0f, aa = 0.0f;
      for (int w = 0; w < GA_THREADS / 32; w++)
        {
          float c = (wm[w] == -INFINITY) ? 0.0f : __expf (wm[w] - mm);
          ll += wl[w] * c;
          aa += wacc[w][t] * c;
        }
      out[(n * H + h) * D + t] = aa / ll;
    }
}

void
fl_cuda_global_attention (FlBackend *b, const float *q, const float *k, const float *v,
                          const float *mask, float *out,
                          int64_t N, int64_t S, int64_t H, int64_t D)
{
  if (N <= 0 || H <= 0 || D <= 0)
    return;
  if (S <= 0)
    {
      fl_cuda_fill (b, out, 0.0f, (size_t) (N * H * D));   /* as the CPU backend */
      return;
    }
  cudaStream_t st = fl_cuda_stream (b);
  unsigned grid = (unsigned) (N * H);
  int d = (int) D;
  gint64 t0 = fl_cuda_prof_begin (b);
  if (D <= 4)
    k_global_attention<4><<<grid, GA_THREADS, 0, st>>> (q, k, v, mask, out, N, S, H, d);
  else if (D <= 8)
    k_global_attention<8><<<grid, GA_THREADS, 0, st>>> (q, k, v, mask, out, N, S, H, d);
  else if (D <= 16)
    k_global_attention<16><<<grid, GA_THREADS, 0, st>>> (q, k, v, mask, out, N, S, H, d);
  else if (D <= 32)
    k_global_attention<32><<<grid, GA_THREADS, 0, st>>> (q, k, v, mask, out, N, S, H, d);
  else if (D <= 64)
    k_global_attention<64><<<grid, GA_THREADS, 0, st>>> (q, k, v, mask, out, N, S, H, d);
  else if (D <= 128)
    k_global_attention<128><<<grid, GA_THREADS, 0, st>>> (q, k, v, mask, out, N, S, H, d);
  else
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: global attention head width %" G_GINT64_FORMAT " > 128",
                       __FILE__, __LINE__, D);
      fl_cuda_prof_end (b, FL_CUDA_OP_GLOBAL_ATTENTION, t0, 0);
      return;
    }
  FL_CUDA_CHECK_LAUNCH (b, "k_global_attention");
  fl_cuda_prof_end (b, FL_CUDA_OP_GLOBAL_ATTENTION, t0, 4.0 * N * H * S * D);
}
