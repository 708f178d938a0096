/* Pieces shared by the tensor-core attention kernels
 * (fl-cuda-attention-tf32.cu, fl-cuda-attention-bf16.cu): the mma.sync
 * wrappers, operand conversions, the online-softmax step and the last step
 * of a warp's 16 query rows.
 *
 * Fragment layouts (PTX ISA, mma.m16n8k8 .tf32 and mma.m16n8k16 .bf16): with
 * g = lane / 4 and t = lane % 4, a thread holds accumulator rows g and g + 8,
 * columns 2t and 2t + 1 of each 8-column tile. */
#pragma once
#include <cuda_bf16.h>
#include <stdint.h>

/* fp32 -> tf32, round to nearest (ties away). */
__device__ static __forceinline__ uint32_t
fl_mma_tf32 (float x)
{
  uint32_t r;
  asm ("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
  return r;
}

/* Two values into one bf16x2 register, lo in the low half (lower index). */
__device__ static __forceinline__ uint32_t
fl_mma_pack_bf16 (float lo, float hi)
{
  __nv_bfloat162 v = __floats2bfloat162_rn (lo, hi);
  return *reinterpret_cast<uint32_t *> (&v);
}

/* c (16x8, fp32) += a (16x8 tf32) b (8x8 tf32) */
__device__ static __forceinline__ void
fl_mma_m16n8k8_tf32 (float c[4], const uint32_t a[4], uint32_t b0, uint32_t b1)
{
  asm volatile ("mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
                "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/* c (16x8, fp32) += a (16x16 bf16) b (16x8 bf16) */
__device__ static __forceinline__ void
fl_mma_m16n8k16_bf16 (float c[4], const uint32_t a[4], uint32_t b0, uint32_t b1)
{
  asm volatile ("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 "
                "{%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
                : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

/* One key tile of the online softmax for a warp's rows r0 (s[.][0..1]) and
 * r1 (s[.][2..3]): the tile maxima mx0, mx1 (per thread) taken over the
 * four threads of a row, the running maxima m and sums l updated, the
 * running output o rescaled, and S replaced by exp(S - m) (that is P). Every
 * tile holds at least one valid key, so the new maxima are finite; on the
 * first tile (m = -inf) the rescale factor is 0. */
template <int NT, int ND>
__device__ static __forceinline__ void
fl_mma_online_softmax (float (&s)[NT][4], float (&o)[ND][4], float mx0, float mx1,
                       float &m0, float &m1, float &l0, float &l1)
{
  mx0 = fmaxf (mx0, __shfl_xor_sync (0xffffffffu, mx0, 1));
  mx0 = fmaxf (mx0, __shfl_xor_sync (0xffffffffu, mx0, 2));
  mx1 = fmaxf (mx1, __shfl_xor_sync (0xffffffffu, mx1, 1));
  mx1 = fmaxf (mx1, __shfl_xor_sync (0xffffffffu, mx1, 2));
  const float mn0 = fmaxf (m0, mx0), mn1 = fmaxf (m1, mx1);
  const float c0 = __expf (m0 - mn0), c1 = __expf (m1 - mn1);
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
}

/* The last step of a warp's 16 query rows r0 = row g, r1 = row g + 8 of batch
 * row bb, head h: the softmax sums l0, l1 (partial per thread) summed over
 * the four threads of a row, out = o / l [* sigmoid(gate)] for the dims < D,
 * and the softmax statistics (max, sum) for the capture kernel. */
template <int ND>
__device__ static __forceinline__ void
fl_mma_attention_store (const float (&o)[ND][4], float l0, float l1, float m0, float m1,
                        const float *__restrict__ gate, float *__restrict__ out,
                        float *__restrict__ stats_m, float *__restrict__ stats_l,
                        int64_t bb, int64_t h, int64_t H, int64_t Lq, int D,
                        int64_t r0, int64_t r1, int t)
{
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
      const int64_t bh = bb * H + h;
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
