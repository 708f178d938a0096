/* Tensor-core attention of the bf16 mode (fl-backend.h: attention; the tf32
 * mode has its own kernel in fl-cuda-attention-tf32.cu, the fp32 mode the
 * exact one of fl-cuda-attention.cu).
 *
 * FlashAttention-2 layout with mma.sync m16n8k16 bf16: a block of 4 warps
 * owns 64 queries of one (batch row b, head h), 16 per warp. The warp keeps
 * its Q fragments, the running output and the online-softmax state (max m,
 * sum l) in registers and walks the keys in tiles of BK, staged (rounded to
 * bf16) in shared memory with the key mask: K as [key][dim pairs], V
 * transposed as [dim][key pairs]. S = Q K^T comes out of the tensor cores in
 * the accumulator layout, which for m16n8k16 is pairwise the A layout of
 * P V, so P goes straight back in from the registers.
 *
 * bf16 inputs, fp32 accumulation; scale, mask, bias, max, exponentials and
 * sums in fp32. Logits are (q.k)/sqrt(D) + mask + bias, added in the order
 * of the other kernels. */
#include "fl-cuda-private.h"
#include "fl-cuda-mma.cuh"
#include <math.h>
#include <stdint.h>

#define MMA_WARPS 4
#define MMA_BQ (16 * MMA_WARPS)
#define MASK_NEG 1e9f

/* Shared-memory geometry in 32-bit words (bf16 pairs): K as [key][(DP + 8) / 2],
 * V transposed as [dim][(BK + 8) / 2]. Row strides of 4 (mod 32) words make
 * the fragment reads of a warp hit 32 different banks. */
template <int DP, int BK>
struct MmaTile
{
  static constexpr int KSTR = (DP + 8) / 2;
  static constexpr int VSTR = (BK + 8) / 2;
  static constexpr int K_WORDS = BK * KSTR;
  static constexpr int V_WORDS = DP * VSTR;
};

/* Element (row r, dim d) of a (B, L, H, D) tensor, zero outside. */
__device__ static __forceinline__ float
at (const float *__restrict__ x, int64_t bb, int64_t r, int64_t L, int64_t h, int64_t H,
    int d, int D)
{
  return (r < L && d < D) ? x[((bb * L + r) * H + h) * D + d] : 0.0f;
}

template <int DP, int BK>
__global__ static void
__launch_bounds__ (32 * MMA_WARPS)
k_bf16_attention (const float *__restrict__ q, const float *__restrict__ k,
                 const float *__restrict__ v, const float *__restrict__ key_mask,
                 const float *__restrict__ bias, const float *__restrict__ gate,
                 float *__restrict__ out,
                 int64_t Lq, int64_t Lk, int64_t H, int D, float qscale,
                 float *__restrict__ stats_m, float *__restrict__ stats_l)
{
  typedef MmaTile<DP, BK> T;
  constexpr int KQ = DP / 16;                        /* k-steps of Q K^T */
  constexpr int NT = BK / 8;                         /* 8-key tiles of S */
  constexpr int ND = DP / 8;                         /* 8-dim tiles of the output */
  __shared__ __align__ (16) uint32_t Ks[T::K_WORDS];
  __shared__ __align__ (16) uint32_t Vs[T::V_WORDS];
  __shared__ float Ms[BK];

  const int tid = threadIdx.x, warp = tid >> 5, lane = tid & 31;
  const int g = lane >> 2, t = lane & 3;
  const int64_t bh = blockIdx.x, bb = bh / H, h = bh % H;
  const int64_t r0 = (int64_t) blockIdx.y * MMA_BQ + warp * 16 + g, r1 = r0 + 8;

  /* Q fragments, scaled, for the whole key loop. */
  uint32_t qa[KQ][4];
#pragma unroll
  for (int ks = 0; ks < KQ; ks++)
    {
      const int d = ks * 16 + 2 * t;
      qa[ks][0] = fl_mma_pack_bf16 (at (q, bb, r0, Lq, h, H, d, D) * qscale,
                                    at (q, bb, r0, Lq, h, H, d + 1, D) * qscale);
      qa[ks][1] = fl_mma_pack_bf16 (at (q, bb, r1, Lq, h, H, d, D) * qscale,
                                    at (q, bb, r1, Lq, h, H, d + 1, D) * qscale);
      qa[ks][2] = fl_mma_pack_bf16 (at (q, bb, r0, Lq, h, H, d + 8, D) * qscale,
                                    at (q, bb, r0, Lq, h, H, d + 9, D) * qscale);
      qa[ks][3] = fl_mma_pack_bf16 (at (q, bb, r1, Lq, h, H, d + 8, D) * qscale,
                                    at (q, bb, r1, Lq, h, H, d + 9, D) * qscale);
    }

  float o[ND][4];
#pragma unroll
  for (int dn = 0; dn < ND; dn++)
    o[dn][0] = o[dn][1] = o[dn][2] = o[dn][3] = 0.0f;
  float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.0f, l1 = 0.0f;
  /* 16-byte loads need 16-byte rows and bases: the trunk's scratch arena
   * hands out views at any float offset. */
  const bool vec4 = (D % 4) == 0 && ((uintptr_t) k % 16) == 0 && ((uintptr_t) v % 16) == 0;

  for (int64_t j0 = 0; j0 < Lk; j0 += BK)
    {
      const int nk = (int) MIN ((int64_t) BK, Lk - j0);
      __syncthreads ();
      /* Stage K and V (rounded once here), 4 dims per step. */
      for (int e = tid; e < BK * (DP / 4); e += 32 * MMA_WARPS)
        {
          const int jj = e / (DP / 4), d = (e % (DP / 4)) * 4;
          float kv[4] = { 0, 0, 0, 0 }, vv[4] = { 0, 0, 0, 0 };
          if (jj < nk && d < D)
            {
              const size_t off = ((bb * Lk + j0 + jj) * H + h) * D + d;
              if (vec4)
                {
                  float4 k4 = *reinterpret_cast<const float4 *> (k + off);
                  float4 v4 = *reinterpret_cast<const float4 *> (v + off);
                  kv[0] = k4.x; kv[1] = k4.y; kv[2] = k4.z; kv[3] = k4.w;
                  vv[0] = v4.x; vv[1] = v4.y; vv[2] = v4.z; vv[3] = v4.w;
                }
              else
                for (int c = 0; c < 4 && d + c < D; c++)
                  {
                    kv[c] = k[off + c];
                    vv[c] = v[off + c];
                  }
            }
          *reinterpret_cast<uint2 *> (&Ks[jj * T::KSTR + d / 2]) =
            make_uint2 (fl_mma_pack_bf16 (kv[0], kv[1]), fl_mma_pack_bf16 (kv[2], kv[3]));
          /* V transposed: [dim][key pair]; even and odd keys share a word. */
          __nv_bfloat16 *vh = reinterpret_cast<__nv_bfloat16 *> (Vs);
#pragma unroll
          for (int c = 0; c < 4; c++)
            vh[(d + c) * (2 * T::VSTR) + jj] = __float2bfloat16_rn (vv[c]);
        }
      for (int jj = tid; jj < BK; jj += 32 * MMA_WARPS)
        Ms[jj] = (key_mask && jj < nk) ? (key_mask[bb * Lk + j0 + jj] > 0.0f ? 0.0f : -MASK_NEG)
                                       : 0.0f;
      __syncthreads ();

      /* S = Q K^T for this warp's 16 queries x BK keys. */
      float s[NT][4];
#pragma unroll
      for (int n = 0; n < NT; n++)
        {
          s[n][0] = s[n][1] = s[n][2] = s[n][3] = 0.0f;
          const uint32_t *kr = &Ks[(n * 8 + g) * T::KSTR];
#pragma unroll
          for (int ks = 0; ks < KQ; ks++)
            fl_mma_m16n8k16_bf16 (s[n], qa[ks], kr[ks * 8 + t], kr[ks * 8 + 4 + t]);
        }

      /* Mask, bias, and the tile's row maxima (rows r0: s[.][0..1], r1: s[.][2..3]). */
      float mx0 = -INFINITY, mx1 = -INFINITY;
#pragma unroll
      for (int n = 0; n < NT; n++)
#pragma unroll
        for (int e = 0; e < 2; e++)
          {
            const int jj = n * 8 + 2 * t + e;
            const bool valid = jj < nk;
            float x0 = s[n][e] + Ms[jj], x1 = s[n][2 + e] + Ms[jj];
            if (bias && valid)
              {
                if (r0 < Lq)
                  x0 += bias[(h * Lq + r0) * Lk + j0 + jj];
                if (r1 < Lq)
                  x1 += bias[(h * Lq + r1) * Lk + j0 + jj];
              }
            s[n][e] = valid ? x0 : -INFINITY;
            s[n][2 + e] = valid ? x1 : -INFINITY;
            mx0 = fmaxf (mx0, s[n][e]);
            mx1 = fmaxf (mx1, s[n][2 + e]);
          }
      fl_mma_online_softmax<NT, ND> (s, o, mx0, mx1, m0, m1, l0, l1);

      /* O += P V, P straight from the registers (16 keys per step). */
#pragma unroll
      for (int j2 = 0; j2 < NT / 2; j2++)
        {
          const uint32_t pa[4] = {
            fl_mma_pack_bf16 (s[2 * j2][0], s[2 * j2][1]),
            fl_mma_pack_bf16 (s[2 * j2][2], s[2 * j2][3]),
            fl_mma_pack_bf16 (s[2 * j2 + 1][0], s[2 * j2 + 1][1]),
            fl_mma_pack_bf16 (s[2 * j2 + 1][2], s[2 * j2 + 1][3]),
          };
#pragma unroll
          for (int dn = 0; dn < ND; dn++)
            {
              const uint32_t *vr = &Vs[(dn * 8 + g) * T::VSTR + j2 * 8];
              fl_mma_m16n8k16_bf16 (o[dn], pa, vr[t], vr[4 + t]);
            }
        }
    }

  fl_mma_attention_store<ND> (o, l0, l1, m0, m1, gate, out, stats_m, stats_l, bb, h, H, Lq, D,
                              r0, r1, t);
}

template <int DP, int BK>
static void
launch (cudaStream_t st, dim3 grid, const float *q, const float *k, const float *v,
        const float *key_mask, const float *bias, const float *gate, float *out,
        int64_t Lq, int64_t Lk, int64_t H, int D, float *stats_m, float *stats_l)
{
  k_bf16_attention<DP, BK><<<grid, 32 * MMA_WARPS, 0, st>>> (
    q, k, v, key_mask, bias, gate, out, Lq, Lk, H, D, 1.0f / sqrtf ((float) D), stats_m, stats_l);
}

gboolean
fl_cuda_attention_bf16 (FlBackend *b, const float *q, const float *k, const float *v,
                        const float *key_mask, const float *bias, const float *gate, float *out,
                        int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                        float *stats_m, float *stats_l)
{
  cudaStream_t st = fl_cuda_stream (b);
  const int64_t qtiles = (Lq + MMA_BQ - 1) / MMA_BQ;
  if (qtiles > 65535 || B * H > 0x7fffffffLL)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: attention of %" G_GINT64_FORMAT " queries x %" G_GINT64_FORMAT
                       " rows is too large for one launch", __FILE__, __LINE__, Lq, B * H);
      return FALSE;
    }
  dim3 grid ((unsigned) (B * H), (unsigned) qtiles);
  const int d = (int) D;
  /* Head widths padded to multiples of 16 (the k of m16n8k16). */
  if (D <= 16)
    launch<16, 64> (st, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  else if (D <= 32)
    launch<32, 64> (st, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  else if (D <= 64)
    launch<64, 32> (st, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  else if (D <= 128)
    launch<128, 32> (st, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  else
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: attention head width %" G_GINT64_FORMAT " > 128 is not supported",
                       __FILE__, __LINE__, D);
      return FALSE;
    }
  return FL_CUDA_CHECK_LAUNCH (b, "k_bf16_attention");
}
