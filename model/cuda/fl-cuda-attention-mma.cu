/* Tensor-core attention for the tf32 and bf16 precision modes
 * (fl-backend.h: attention; the fp32 mode keeps the exact SIMT kernel of
 * fl-cuda-attention.cu).
 *
 * FlashAttention-2 layout with mma.sync: a block of 4 warps owns 64 queries
 * of one (batch row b, head h), 16 per warp. The warp keeps its Q fragments,
 * the running output and the online-softmax state (max m, sum l) in
 * registers and walks the keys in tiles of BK, staged (already rounded to
 * tf32 / bf16) in shared memory with the key mask. S = Q K^T comes out of
 * the tensor cores in the accumulator layout, gets scale, mask and bias
 * added in fp32, is exponentiated in registers, and goes straight back in as
 * the A operand of P V: no logits tile ever leaves the registers.
 *
 * The accumulator layout of S (thread holds rows g, g+8 and columns 2t, 2t+1
 * of every 8-key tile) is not the A layout of m16n8k8 tf32 (columns t, t+4).
 * Instead of shuffling, the 8 keys of each tile are taken in the order
 * 0,2,4,6,1,3,5,7 for P V: the thread's (2t, 2t+1) become the A columns
 * (t, t+4), and V's rows are read in the same order. For bf16 (m16n8k16) the
 * layouts already agree, pairwise.
 *
 * Products use tf32 or bf16 inputs with fp32 accumulation; the scale, mask,
 * bias, max, exponentials and sums are fp32. Logits are (q.k)/sqrt(D) + mask
 * + bias, added in the order of the other kernels. */
#include "fl-cuda-private.h"
#include <cuda_bf16.h>
#include <math.h>
#include <stdint.h>

#define MMA_WARPS 4
#define MMA_BQ (16 * MMA_WARPS)
#define MASK_NEG 1e9f

__device__ static __forceinline__ uint32_t
to_tf32 (float x)
{
  uint32_t r;
  asm ("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
}

/* Two values into one bf16x2 register, lo in the low half (lower index). */
__device__ static __forceinline__ uint32_t
pack_bf16 (float lo, float hi)
{
  __nv_bfloat162 v = __floats2bfloat162_rn (lo, hi);
  return *reinterpret_cast<uint32_t *> (&v);
}

__device__ static __forceinline__ void
mma_tf32 (float c[4], const uint32_t a[4], uint32_t b0, uint32_t b1)
{
  asm volatile ("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ static __forceinline__ void
mma_bf16 (float c[4], const uint32_t a[4], uint32_t b0, uint32_t b1)
{
  asm volatile ("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/* Shared-memory geometry in 32-bit words. Row strides are 4 (mod 32) words
 * (tf32) or 4 (mod 32) bf16 pairs, so that the fragment reads of a warp hit
 * 32 different banks. */
template <int DP, int BK, bool BF16>
struct MmaTile
{
  /* tf32: K and V as [key][DP + 4] words.
   * bf16: K as [key][(DP + 8) / 2] dim pairs, V transposed as [dim][(BK + 8) / 2] key pairs. */
  static constexpr int KSTR = BF16 ? (DP + 8) / 2 : DP + 4;
  static constexpr int VSTR = BF16 ? (BK + 8) / 2 : DP + 4;
  static constexpr int K_WORDS = BK * KSTR;
  static constexpr int V_WORDS = BF16 ? DP * VSTR : BK * VSTR;
};

/* Element (row r, dim d) of a (B, L, H, D) tensor, zero outside. */
__device__ static __forceinline__ float
at (const float *__restrict__ x, int64_t bb, int64_t r, int64_t L, int64_t h, int64_t H,
    int d, int D)
{
  return (r < L && d < D) ? x[((bb * L + r) * H + h) * D + d] : 0.0f;
}

template <int DP, int BK, bool BF16>
__global__ static void
__launch_bounds__ (32 * MMA_WARPS)
k_mma_attention (const float *__restrict__ q, const float *__restrict__ k,
                 const float *__restrict__ v, const float *__restrict__ key_mask,
                 const float *__restrict__ bias, const float *__restrict__ gate,
                 float *__restrict__ out,
                 int64_t Lq, int64_t Lk, int64_t H, int D, float qscale,
                 float *__restrict__ stats_m, float *__restrict__ stats_l)
{
  typedef MmaTile<DP, BK, BF16> T;
  constexpr int KQ = BF16 ? DP / 16 : DP / 8;      /* k-steps of Q K^T */
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
      if (BF16)
        {
          int d = ks * 16 + 2 * t;
          qa[ks][0] = pack_bf16 (at (q, bb, r0, Lq, h, H, d, D) * qscale,
                                 at (q, bb, r0, Lq, h, H, d + 1, D) * qscale);
          qa[ks][1] = pack_bf16 (at (q, bb, r1, Lq, h, H, d, D) * qscale,
                                 at (q, bb, r1, Lq, h, H, d + 1, D) * qscale);
          qa[ks][2] = pack_bf16 (at (q, bb, r0, Lq, h, H, d + 8, D) * qscale,
                                 at (q, bb, r0, Lq, h, H, d + 9, D) * qscale);
          qa[ks][3] = pack_bf16 (at (q, bb, r1, Lq, h, H, d + 8, D) * qscale,
                                 at (q, bb, r1, Lq, h, H, d + 9, D) * qscale);
        }
      else
        {
          int d = ks * 8 + t;
          qa[ks][0] = to_tf32 (at (q, bb, r0, Lq, h, H, d, D) * qscale);
          qa[ks][1] = to_tf32 (at (q, bb, r1, Lq, h, H, d, D) * qscale);
          qa[ks][2] = to_tf32 (at (q, bb, r0, Lq, h, H, d + 4, D) * qscale);
          qa[ks][3] = to_tf32 (at (q, bb, r1, Lq, h, H, d + 4, D) * qscale);
        }
    }

  float o[ND][4];
#pragma unroll
  for (int dn = 0; dn < ND; dn++)
    o[dn][0] = o[dn][1] = o[dn][2] = o[dn][3] = 0.0f;
  float m0 = -INFINITY, m1 = -INFINITY, l0 = 0.0f, l1 = 0.0f;
  const bool vec4 = (D % 4) == 0;

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
          if (BF16)
            {
              uint2 kp = make_uint2 (pack_bf16 (kv[0], kv[1]), pack_bf16 (kv[2], kv[3]));
              *reinterpret_cast<uint2 *> (&Ks[jj * T::KSTR + d / 2]) = kp;
              /* V transposed: [dim][key pair]; even and odd keys share a word. */
              __nv_bfloat16 *vh = reinterpret_cast<__nv_bfloat16 *> (Vs);
#pragma unroll
              for (int c = 0; c < 4; c++)
                vh[(d + c) * (2 * T::VSTR) + jj] = __float2bfloat16_rn (vv[c]);
            }
          else
            {
              *reinterpret_cast<uint4 *> (&Ks[jj * T::KSTR + d]) =
                make_uint4 (to_tf32 (kv[0]), to_tf32 (kv[1]), to_tf32 (kv[2]), to_tf32 (kv[3]));
              *reinterpret_cast<uint4 *> (&Vs[jj * T::VSTR + d]) =
                make_uint4 (to_tf32 (vv[0]), to_tf32 (vv[1]), to_tf32 (vv[2]), to_tf32 (vv[3]));
            }
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
            {
              if (BF16)
                mma_bf16 (s[n], qa[ks], kr[ks * 8 + t], kr[ks * 8 + 4 + t]);
              else
                mma_tf32 (s[n], qa[ks], kr[ks * 8 + t], kr[ks * 8 + t + 4]);
            }
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
      mx0 = fmaxf (mx0, __shfl_xor_sync (0xffffffffu, mx0, 1));
      mx0 = fmaxf (mx0, __shfl_xor_sync (0xffffffffu, mx0, 2));
      mx1 = fmaxf (mx1, __shfl_xor_sync (0xffffffffu, mx1, 1));
      mx1 = fmaxf (mx1, __shfl_xor_sync (0xffffffffu, mx1, 2));
      /* Every tile holds at least one valid key, so the new maxima are finite. */
      const float mn0 = fmaxf (m0, mx0), mn1 = fmaxf (m1, mx1);
      const float c0 = __expf (m0 - mn0), c1 = __expf (m1 - mn1);   /* 0 on the first tile */
      m0 = mn0;
      m1 = mn1;
      float ps0 = 0.0f, ps1 = 0.0f;
#pragma unroll
      for (int n = 0; n < NT; n++)
        {
          s[n][0] = __expf (s[n][0] - mn0);
          s[n][1] = __expf (s[n][1] - mn0);
          s[n][2] = __expf (s[n][2] - mn1);
          s[n][3] = __expf (s[n][3] - mn1);
          ps0 += s[n][0] + s[n][1];
          ps1 += s[n][2] + s[n][3];
        }
      l0 = l0 * c0 + ps0;
      l1 = l1 * c1 + ps1;
#pragma unroll
      for (int dn = 0; dn < ND; dn++)
        {
          o[dn][0] *= c0;
          o[dn][1] *= c0;
          o[dn][2] *= c1;
          o[dn][3] *= c1;
        }

      /* O += P V, P straight from the registers. */
      if (BF16)
        {
#pragma unroll
          for (int j2 = 0; j2 < NT / 2; j2++)
            {
              const uint32_t pa[4] = {
                pack_bf16 (s[2 * j2][0], s[2 * j2][1]), pack_bf16 (s[2 * j2][2], s[2 * j2][3]),
                pack_bf16 (s[2 * j2 + 1][0], s[2 * j2 + 1][1]),
                pack_bf16 (s[2 * j2 + 1][2], s[2 * j2 + 1][3]),
              };
#pragma unroll
              for (int dn = 0; dn < ND; dn++)
                {
                  const uint32_t *vr = &Vs[(dn * 8 + g) * T::VSTR + j2 * 8];
                  mma_bf16 (o[dn], pa, vr[t], vr[4 + t]);
                }
            }
        }
      else
        {
#pragma unroll
          for (int n = 0; n < NT; n++)
            {
              /* Keys of the tile in the order 0,2,4,6,1,3,5,7 (see the top). */
              const uint32_t pa[4] = { to_tf32 (s[n][0]), to_tf32 (s[n][2]),
                                       to_tf32 (s[n][1]), to_tf32 (s[n][3]) };
              const uint32_t *v0 = &Vs[(n * 8 + 2 * t) * T::VSTR + g];
#pragma unroll
              for (int dn = 0; dn < ND; dn++)
                mma_tf32 (o[dn], pa, v0[dn * 8], v0[T::VSTR + dn * 8]);
            }
        }
    }

  l0 += __shfl_xor_sync (0xffffffffu, l0, 1);
  l0 += __shfl_xor_sync (0xffffffffu, l0, 2);
  l1 += __shfl_xor_sync (0xffffffffu, l1, 1);
  l1 += __shfl_xor_sync (0xffffffffu, l1, 2);
  const float inv0 = 1.0f / l0, inv1 = 1.0f / l1;
#pragma unroll
  for (int dn = 0; dn < ND; dn++)
#pragma unroll
    for (int e = 0; e < 2; e++)
      {
        const int d = dn * 8 + 2 * t + e;
        if (d >= D)
          continue;
        if (r0 < Lq)
          {
            const size_t i = ((bb * Lq + r0) * H + h) * D + d;
            out[i] = gate ? o[dn][e] * inv0 * (1.0f / (1.0f + expf (-gate[i]))) : o[dn][e] * inv0;
          }
        if (r1 < Lq)
          {
            const size_t i = ((bb * Lq + r1) * H + h) * D + d;
            out[i] = gate ? o[dn][2 + e] * inv1 * (1.0f / (1.0f + expf (-gate[i])))
                          : o[dn][2 + e] * inv1;
          }
      }
  if (stats_m && t == 0)
    {
      if (r0 < Lq)
        {
          stats_m[bh * Lq + r0] = m0;
          stats_l[bh * Lq + r0] = l0;
        }
      if (r1 < Lq)
        {
          stats_m[bh * Lq + r1] = m1;
          stats_l[bh * Lq + r1] = l1;
        }
    }
}

template <int DP, int BK, bool BF16>
static void
launch (cudaStream_t st, dim3 grid, const float *q, const float *k, const float *v,
        const float *key_mask, const float *bias, const float *gate, float *out,
        int64_t Lq, int64_t Lk,
        int64_t H, int D, float *stats_m, float *stats_l)
{
  k_mma_attention<DP, BK, BF16><<<grid, 32 * MMA_WARPS, 0, st>>> (
    q, k, v, key_mask, bias, gate, out, Lq, Lk, H, D, 1.0f / sqrtf ((float) D), stats_m, stats_l);
}

gboolean
fl_cuda_attention_mma (FlBackend *b, const float *q, const float *k, const float *v,
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
  const bool bf = b->precision == FL_PRECISION_BF16;
#define FL_MMA_CASE(DP, BK)                                                              \
  (bf ? launch<DP, BK, true> (st, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d,      \
                              stats_m, stats_l)                                          \
      : launch<DP, BK, false> (st, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d,     \
                               stats_m, stats_l))
  if (D <= 8 && !bf)
    launch<8, 64, false> (st, grid, q, k, v, key_mask, bias, gate, out, Lq, Lk, H, d, stats_m, stats_l);
  else if (D <= 16)
    FL_MMA_CASE (16, 64);
  else if (D <= 32)
    FL_MMA_CASE (32, 64);
  else if (D <= 64)
    FL_MMA_CASE (64, 32);
  else if (D <= 128)
    FL_MMA_CASE (128, 32);
  else
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: attention head width %" G_GINT64_FORMAT " > 128 is not supported",
                       __FILE__, __LINE__, D);
      return FALSE;
    }
#undef FL_MMA_CASE
  return FL_CUDA_CHECK_LAUNCH (b, "k_mma_attention");
}
