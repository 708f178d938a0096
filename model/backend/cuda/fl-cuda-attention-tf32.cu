/* Tensor-core attention of the tf32 mode, pipelined (fl-backend.h: attention).
 *
 * The same FlashAttention-2 scheme as the bf16 kernel of
 * fl-cuda-attention-bf16.cu (4 warps x 16 queries, Q fragments, running
 * output and online softmax in registers, S from mma.sync m16n8k8 tf32 fed
 * back as the A operand of P V with the keys of each 8-key tile taken in the
 * order 0,2,4,6,1,3,5,7), with the memory side rebuilt after measuring the
 * first version with Nsight Compute (25% occupancy, 12 cycles between issued
 * instructions: the warps waited on their loads):
 *   - K, V, the key mask and the block's (query x key) bias tile are copied
 *     to shared memory with cp.async, two tiles in flight: the next tile
 *     loads while the tensor cores work on this one;
 *   - the bias tile arrives in 16-byte coalesced pieces instead of one
 *     scalar load per logit;
 *   - shared memory holds raw fp32; operands are rounded to tf32 (cvt.rna)
 *     when fragments are read.
 * Where the 16-byte copies do not apply (head width or key count not a
 * multiple of 4), the same tiles are filled by plain loads. */
#include "fl-cuda-private.h"
#include "fl-cuda-mma.cuh"
#include <math.h>
#include <stdint.h>

#define TF_WARPS 4
#define TF_BQ (16 * TF_WARPS)
#define MASK_NEG 1e9f

/* 16 (or 4) bytes global -> shared, asynchronous; zero-filled when !valid. */
__device__ static __forceinline__ void
cp_async16 (float *dst, const float *src, bool valid)
{
  unsigned s = (unsigned) __cvta_generic_to_shared (dst);
  asm volatile ("cp.async.cg.shared.global [%0], [%1], 16, %2;\n"
                :: "r"(s), "l"(src), "r"(valid ? 16 : 0));
}

__device__ static __forceinline__ void
cp_async4 (float *dst, const float *src, bool valid)
{
  unsigned s = (unsigned) __cvta_generic_to_shared (dst);
  asm volatile ("cp.async.ca.shared.global [%0], [%1], 4, %2;\n"
                :: "r"(s), "l"(src), "r"(valid ? 4 : 0));
}

__device__ static __forceinline__ void
cp_async_commit (void)
{
  asm volatile ("cp.async.commit_group;\n" ::);
}

template <int N>
__device__ static __forceinline__ void
cp_async_wait (void)
{
  asm volatile ("cp.async.wait_group %0;\n" :: "n"(N));
}

/* One pipeline stage in shared memory (floats). Row strides: K and V
 * DP + 4 (fragment reads of a warp hit 32 banks), bias BK + 8 (float2 reads
 * of a half-warp hit 32 banks). */
template <int DP, int BK>
struct TfStage
{
  static constexpr int KSTR = DP + 4, BSTR = BK + 8;
  static constexpr int K_OFF = 0, V_OFF = BK * KSTR, B_OFF = 2 * BK * KSTR;
  static constexpr int M_OFF = B_OFF + TF_BQ * BSTR;
  static constexpr int FLOATS = M_OFF + BK;
};

template <int DP, int BK>
static size_t
tf_smem_bytes (void)
{
  return 2 * TfStage<DP, BK>::FLOATS * sizeof (float);
}

/* Issue the copies of key tile j0 into stage st (every thread takes part). */
template <int DP, int BK>
__device__ static __forceinline__ void
stage_tile (float *st, const float *__restrict__ k, const float *__restrict__ v,
            const float *__restrict__ key_mask, const float *__restrict__ bias,
            int64_t bb, int64_t h, int64_t H, int D, int64_t Lq, int64_t Lk, int64_t i0,
            int64_t j0, bool vec)
{
  typedef TfStage<DP, BK> S;
  const int tid = threadIdx.x;
  const int nk = (int) MIN ((int64_t) BK, Lk - j0);
  if (vec)
    {
      for (int e = tid; e < BK * (DP / 4); e += 32 * TF_WARPS)
        {
          const int jj = e / (DP / 4), d = (e % (DP / 4)) * 4;
          const bool ok = jj < nk && d < D;
          const size_t off = ok ? ((bb * Lk + j0 + jj) * H + h) * D + d : 0;
          cp_async16 (st + S::K_OFF + jj * S::KSTR + d, k + off, ok);
          cp_async16 (st + S::V_OFF + jj * S::KSTR + d, v + off, ok);
        }
      if (bias)
        for (int e = tid; e < TF_BQ * (BK / 4); e += 32 * TF_WARPS)
          {
            const int r = e / (BK / 4), jj = (e % (BK / 4)) * 4;
            const bool ok = i0 + r < Lq && jj < nk;
            const size_t off = ok ? (h * Lq + i0 + r) * Lk + j0 + jj : 0;
            cp_async16 (st + S::B_OFF + r * S::BSTR + jj, bias + off, ok);
          }
      if (key_mask)
        for (int jj = tid; jj < BK; jj += 32 * TF_WARPS)
          cp_async4 (st + S::M_OFF + jj, key_mask + (jj < nk ? bb * Lk + j0 + jj : 0), jj < nk);
    }
  else
    {
      for (int e = tid; e < BK * DP; e += 32 * TF_WARPS)
        {
          const int jj = e / DP, d = e % DP;
          const bool ok = jj < nk && d < D;
          const size_t off = ok ? ((bb * Lk + j0 + jj) * H + h) * D + d : 0;
          st[S::K_OFF + jj * S::KSTR + d] = ok ? k[off] : 0.0f;
          st[S::V_OFF + jj * S::KSTR + d] = ok ? v[off] : 0.0f;
        }
      if (bias)
        for (int e = tid; e < TF_BQ * BK; e += 32 * TF_WARPS)
          {
            const int r = e / BK, jj = e % BK;
            const bool ok = i0 + r < Lq && jj < nk;
            st[S::B_OFF + r * S::BSTR + jj] = ok ? bias[(h * Lq + i0 + r) * Lk + j0 + jj] : 0.0f;
          }
      if (key_mask)
        for (int jj = tid; jj < BK; jj += 32 * TF_WARPS)
          st[S::M_OFF + jj] = jj < nk ? key_mask[bb * Lk + j0 + jj] : 0.0f;
    }
}

template <int DP, int BK>
__global__ static void
__launch_bounds__ (32 * TF_WARPS, DP >= 128 ? 1 : 3)   /* 3 blocks per SM fit in shared memory; room for 160+ registers, no spills */
k_tf32_attention (const float *__restrict__ q, const float *__restrict__ k,
                  const float *__restrict__ v, const float *__restrict__ key_mask,
                  const float *__restrict__ bias, const float *__restrict__ gate,
                  float *__restrict__ out,
                  int64_t Lq, int64_t Lk, int64_t H, int D, float qscale, bool vec,
                  float *__restrict__ stats_m, float *__restrict__ stats_l)
{
  typedef TfStage<DP, BK> S;
  constexpr int KQ = DP / 8, NT = BK / 8, ND = DP / 8;
  extern __shared__ __align__ (16) float smem[];

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int g = lane >> 2, t = lane & 3;
  const int64_t bh = blockIdx.x, bb = bh / H, h = bh % H;
  const int64_t i0 = (int64_t) blockIdx.y * TF_BQ;
  const int wr = warp * 16 + g;                 /* this thread's first row in the block */
  const int64_t r0 = i0 + wr, r1 = r0 + 8;
  const int64_t n_tiles = (Lk + BK - 1) / BK;

  stage_tile<DP, BK> (smem, k, v, key_mask, bias, bb, h, H, D, Lq, Lk, i0, 0, vec);
  cp_async_commit ();

  /* Q fragments, scaled (zero outside the rows and the head width). */
  uint32_t qa[KQ][4];
  const float *q0 = q + ((bb * Lq + (r0 < Lq ? r0 : 0)) * H + h) * D;
  const float *q1 = q + ((bb * Lq + (r1 < Lq ? r1 : 0)) * H + h) * D;
#pragma unroll
  for (int ks = 0; ks < KQ; ks++)
    {
      const int d = ks * 8 + t;
      qa[ks][0] = fl_mma_tf32 (r0 < Lq && d < D ? q0[d] * qscale : 0.0f);
      qa[ks][1] = fl_mma_tf32 (r1 < Lq && d < D ? q1[d] * qscale : 0.0f);
      qa[ks][2] = fl_mma_tf32 (r0 < Lq && d + 4 < D ? q0[d + 4] * qscale : 0.0f);
      qa[ks][3] = fl_mma_tf32 (r1 < Lq && d + 4 < D ? q1[d + 4] * qscale : 0.0f);
    }

  float o[ND][4];
#pragma unroll
  for (int dn = 0; dn < ND; dn++)
    o[dn][0] = o[dn][1] = o[dn][2] = o[dn][3] = 0.0f;
  float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.0f, l1 = 0.0f;

  for (int64_t tile = 0; tile < n_tiles; tile++)
    {
      const int64_t j0 = tile * BK;
      const int nk = (int) MIN ((int64_t) BK, Lk - j0);
      float *st = smem + (tile & 1) * S::FLOATS;
      if (tile + 1 < n_tiles)
        {
          stage_tile<DP, BK> (smem + ((tile + 1) & 1) * S::FLOATS, k, v, key_mask, bias, bb, h,
                              H, D, Lq, Lk, i0, j0 + BK, vec);
          cp_async_commit ();
          cp_async_wait<1> ();
        }
      else
        cp_async_wait<0> ();
      __syncthreads ();

      const float *Ks = st + S::K_OFF, *Vs = st + S::V_OFF;
      const float *Bs = st + S::B_OFF, *Ms = st + S::M_OFF;

      /* S = Q K^T: 16 queries x BK keys per warp. */
      float s[NT][4];
#pragma unroll
      for (int n = 0; n < NT; n++)
        {
          s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.0f;
          const float *kr = Ks + (n * 8 + g) * S::KSTR;
#pragma unroll
          for (int ks = 0; ks < KQ; ks++)
            fl_mma_m16n8k8_tf32 (s[n], qa[ks], fl_mma_tf32 (kr[ks * 8 + t]), fl_mma_tf32 (kr[ks * 8 + t + 4]));
        }

      /* Mask and bias (added in the order of the other kernels), row maxima. */
      float mx0 = -INFINITY, mx1 = -INFINITY;
#pragma unroll
      for (int n = 0; n < NT; n++)
        {
          const int jj = n * 8 + 2 * t;
          float2 b0 = make_float2 (0.0f, 0.0f), b1 = make_float2 (0.0f, 0.0f);
          if (bias)
            {
              b0 = *reinterpret_cast<const float2 *> (Bs + wr * S::BSTR + jj);
              b1 = *reinterpret_cast<const float2 *> (Bs + (wr + 8) * S::BSTR + jj);
            }
          float mt0 = 0.0f, mt1 = 0.0f;
          if (key_mask)
            {
              mt0 = Ms[jj] > 0.0f ? 0.0f : -MASK_NEG;
              mt1 = Ms[jj + 1] > 0.0f ? 0.0f : -MASK_NEG;
            }
          s[n][0] = jj < nk ? (s[n][0] + mt0) + b0.x : -INFINITY;
          s[n][1] = jj + 1 < nk ? (s[n][1] + mt1) + b0.y : -INFINITY;
          s[n][2] = jj < nk ? (s[n][2] + mt0) + b1.x : -INFINITY;
          s[n][3] = jj + 1 < nk ? (s[n][3] + mt1) + b1.y : -INFINITY;
          mx0 = fmaxf (mx0, fmaxf (s[n][0], s[n][1]));
          mx1 = fmaxf (mx1, fmaxf (s[n][2], s[n][3]));
        }
      fl_mma_online_softmax<NT, ND> (s, o, mx0, mx1, m0, m1, l0, l1);

      /* O += P V, P from the registers, keys in the order 0,2,4,6,1,3,5,7. */
#pragma unroll
      for (int n = 0; n < NT; n++)
        {
          const uint32_t pa[4] = { fl_mma_tf32 (s[n][0]), fl_mma_tf32 (s[n][2]),
                                   fl_mma_tf32 (s[n][1]), fl_mma_tf32 (s[n][3]) };
          const float *v0 = Vs + (n * 8 + 2 * t) * S::KSTR + g;
#pragma unroll
          for (int dn = 0; dn < ND; dn++)
            fl_mma_m16n8k8_tf32 (o[dn], pa, fl_mma_tf32 (v0[dn * 8]), fl_mma_tf32 (v0[S::KSTR + dn * 8]));
        }
      __syncthreads ();   /* this stage is refilled two tiles from now */
    }

  fl_mma_attention_store<ND> (o, l0, l1, m0, m1, gate, out, stats_m, stats_l, bb, h, H, Lq, D,
                              r0, r1, t);
}

template <int DP, int BK>
static gboolean
launch (FlBackend *b, dim3 grid, const float *q, const float *k, const float *v,
        const float *key_mask, const float *bias, const float *gate, float *out,
        int64_t Lq, int64_t Lk,
        int64_t H, int D, float *stats_m, float *stats_l)
{
  const size_t smem = tf_smem_bytes<DP, BK> ();
  static int configured_device = -1;    /* the attribute is per device */
  const int dev = fl_cuda_state (b)->device;
  if (configured_device != dev)
    {
      if (!FL_CUDA_CHECK (b, cudaFuncSetAttribute (k_tf32_attention<DP, BK>,
                                                   cudaFuncAttributeMaxDynamicSharedMemorySize,
                                                   (int) smem)))
        return FALSE;
      configured_device = dev;
    }
  /* 16-byte copies need 16-byte rows: head width and key count multiples of 4. */
  const bool vec = (D % 4) == 0 && (Lk % 4) == 0
                   && ((uintptr_t) k % 16) == 0 && ((uintptr_t) v % 16) == 0
                   && (!bias || ((uintptr_t) bias % 16) == 0);
  k_tf32_attention<DP, BK><<<grid, 32 * TF_WARPS, smem, fl_cuda_stream (b)>>> (
    q, k, v, key_mask, bias, gate, out, Lq, Lk, H, D, 1.0f / sqrtf ((float) D), vec, stats_m, stats_l);
  return FL_CUDA_CHECK_LAUNCH (b, "k_tf32_attention");
}

gboolean
fl_cuda_attention_tf32 (FlBackend *b, const float *q, const float *k, const float *v,
                        const float *key_mask, const float *bias, const float *gate, float *out,
                        int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                        float *stats_m, float *stats_l)
{
  const int64_t qtiles = (Lq + TF_BQ - 1) / TF_BQ;
  if (qtiles > 65535 || B * H > 0x7fffffffLL)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: attention of %" G_GINT64_FORMAT " queries x %" G_GINT64_FORMAT
                       " rows is too large for one launch", __FILE__, __LINE__, Lq, B * H);
      return FALSE;
    }
  dim3 grid ((unsigned) (B * H), (unsigned) qtiles);
  const int d = (int) D;
  if (D <= 8)
    return launch<8, 64> (b, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  if (D <= 16)
    return launch<16, 64> (b, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  if (D <= 32)
    return launch<32, 64> (b, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  if (D <= 64)
    return launch<64, 32> (b, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  if (D <= 128)
    return launch<128, 32> (b, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                   "%s:%d: attention head width %" G_GINT64_FORMAT " > 128 is not supported",
                   __FILE__, __LINE__, D);
  return FALSE;
}
