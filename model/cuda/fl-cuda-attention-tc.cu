/* Tensor-core attention for the tf32 and bf16 modes (fl-backend.h attention,
 * without probs_mean), head widths 8, 16, 24, 32.
 *
 * Same flash structure as fl-cuda-attention.cu, on the TF32 tensor cores
 * (WMMA 16x16x8): a block of 4 warps owns 64 queries of one (b, h), each
 * warp 16 of them; per tile of 64 keys, S = Q K^T goes through the tensor
 * cores into shared memory, the warp adds the key mask and the bias tile and
 * updates the online softmax in fp32 (running max and sum per row, the
 * output rows rescaled), then O += P V on the tensor cores. Q stays in
 * registers as TF32 fragments; O lives in shared memory. The fp32 mode keeps
 * the exact SIMT kernel. */
#include "fl-cuda-private.h"
#include <mma.h>

using namespace nvcuda;

#define TQ 64          /* queries per block (4 warps x 16) */
#define TK 64          /* keys per tile */
#define SLD (TK + 4)   /* row pitch of the score tile */
#define MASK_NEG 1e9f

template <typename Frag>
__device__ static inline void
to_tf32 (Frag &f)
{
#pragma unroll
  for (int t = 0; t < f.num_elements; t++)
    f.x[t] = wmma::__float_to_tf32 (f.x[t]);
}

/* D: head width (multiple of 8); DP: D rounded up to 16 (the n of a PV tile). */
template <int D, int DP>
__global__ static void
__launch_bounds__ (128)
k_attention_tc (const float *__restrict__ q, const float *__restrict__ k,
                const float *__restrict__ v, const float *__restrict__ key_mask,
                const float *__restrict__ bias, float *__restrict__ out,
                int64_t Lq, int64_t Lk, int64_t H, float qscale)
{
  __shared__ __align__ (32) float Ks[TK * D];
  __shared__ __align__ (32) float Vs[TK * DP];
  __shared__ __align__ (32) float Ss[TQ * SLD];
  __shared__ __align__ (32) float Os[TQ * DP];
  __shared__ float Mrow[TQ], Lrow[TQ];

  const int64_t bh = blockIdx.x, bb = bh / H, h = bh % H;
  const int64_t i0 = (int64_t) blockIdx.y * TQ;
  const int t = threadIdx.x, warp = t >> 5, lane = t & 31;

  /* Q (scaled) staged through Ss, then kept as TF32 fragments. */
  for (int e = t; e < TQ * D; e += 128)
    {
      int r = e / D, d = e % D;
      int64_t i = i0 + r;
      Ss[e] = i < Lq ? q[((bb * Lq + i) * H + h) * D + d] * qscale : 0.0f;
    }
  for (int e = t; e < TQ * DP; e += 128)
    Os[e] = 0.0f;
  for (int r = t; r < TQ; r += 128)
    {
      Mrow[r] = -INFINITY;
      Lrow[r] = 0.0f;
    }
  __syncthreads ();
  wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> qf[D / 8];
#pragma unroll
  for (int kk = 0; kk < D / 8; kk++)
    {
      wmma::load_matrix_sync (qf[kk], Ss + warp * 16 * D + kk * 8, D);
      to_tf32 (qf[kk]);
    }
  __syncthreads ();

  float *Sw = Ss + warp * 16 * SLD;     /* this warp's 16 score rows */
  float *Ow = Os + warp * 16 * DP;
  for (int64_t j0 = 0; j0 < Lk; j0 += TK)
    {
      const int nk = (int) MIN ((int64_t) TK, Lk - j0);
      for (int e = t; e < TK * DP; e += 128)
        {
          int jj = e / DP, d = e % DP;
          bool ok = jj < nk && d < D;
          size_t off = ((bb * Lk + j0 + jj) * H + h) * D + d;
          if (d < D)
            Ks[jj * D + d] = ok ? k[off] : 0.0f;
          Vs[e] = ok ? v[off] : 0.0f;
        }
      __syncthreads ();

      /* S (16 x 64) = Q K^T */
#pragma unroll
      for (int nt = 0; nt < TK / 16; nt++)
        {
          wmma::fragment<wmma::accumulator, 16, 16, 8, float> sf;
          wmma::fill_fragment (sf, 0.0f);
#pragma unroll
          for (int kk = 0; kk < D / 8; kk++)
            {
              wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::col_major> kf;
              wmma::load_matrix_sync (kf, Ks + nt * 16 * D + kk * 8, D);
              to_tf32 (kf);
              wmma::mma_sync (sf, qf[kk], kf, sf);
            }
          wmma::store_matrix_sync (Sw + nt * 16, sf, SLD, wmma::mem_row_major);
        }
      __syncwarp ();

      /* Mask, bias and the online softmax, one row at a time (2 keys a lane). */
      for (int r = 0; r < 16; r++)
        {
          const int row = warp * 16 + r;
          const int64_t i = i0 + row;
          float *sr = Sw + r * SLD;
          float x[2];
#pragma unroll
          for (int u = 0; u < 2; u++)
            {
              int jj = lane + 32 * u;
              if (jj < nk)
                {
                  int64_t j = j0 + jj;
                  float mt = key_mask ? (key_mask[bb * Lk + j] > 0.0f ? 0.0f : -MASK_NEG) : 0.0f;
                  float bv = (bias && i < Lq) ? bias[(h * Lq + i) * Lk + j] : 0.0f;
                  x[u] = sr[jj] + mt + bv;
                }
              else
                x[u] = -INFINITY;
            }
          float mx = fmaxf (x[0], x[1]);
          for (int o = 16; o > 0; o >>= 1)
            mx = fmaxf (mx, __shfl_xor_sync (0xffffffffu, mx, o));
          const float m_old = Mrow[row];
          const float m_new = fmaxf (m_old, mx);
          const float corr = __expf (m_old - m_new);
          float p0 = __expf (x[0] - m_new), p1 = __expf (x[1] - m_new);
          float sum = p0 + p1;
          for (int o = 16; o > 0; o >>= 1)
            sum += __shfl_xor_sync (0xffffffffu, sum, o);
          sr[lane] = p0;
          sr[lane + 32] = p1;
          for (int d = lane; d < DP; d += 32)
            Ow[r * DP + d] *= corr;
          __syncwarp ();
          if (lane == 0)
            {
              Mrow[row] = m_new;
              Lrow[row] = Lrow[row] * corr + sum;
            }
        }
      __syncwarp ();

      /* O (16 x DP) += P (16 x 64) V (64 x DP) */
#pragma unroll
      for (int nt = 0; nt < DP / 16; nt++)
        {
          wmma::fragment<wmma::accumulator, 16, 16, 8, float> of;
          wmma::load_matrix_sync (of, Ow + nt * 16, DP, wmma::mem_row_major);
#pragma unroll
          for (int kk = 0; kk < TK / 8; kk++)
            {
              wmma::fragment<wmma::matrix_a, 16, 16, 8, wmma::precision::tf32, wmma::row_major> pf;
              wmma::fragment<wmma::matrix_b, 16, 16, 8, wmma::precision::tf32, wmma::row_major> vf;
              wmma::load_matrix_sync (pf, Sw + kk * 8, SLD);
              wmma::load_matrix_sync (vf, Vs + kk * 8 * DP + nt * 16, DP);
              to_tf32 (pf);
              to_tf32 (vf);
              wmma::mma_sync (of, pf, vf, of);
            }
          wmma::store_matrix_sync (Ow + nt * 16, of, DP, wmma::mem_row_major);
        }
      __syncthreads ();   /* before the next tile replaces Ks / Vs */
    }

  for (int r = 0; r < 16; r++)
    {
      const int row = warp * 16 + r;
      const int64_t i = i0 + row;
      if (i >= Lq)
        break;
      const float inv = 1.0f / Lrow[row];
      float *op = out + ((bb * Lq + i) * H + h) * D;
      for (int d = lane; d < D; d += 32)
        op[d] = Ow[r * DP + d] * inv;
    }
}

gboolean
fl_cuda_attention_tc (FlBackend *b, const float *q, const float *k, const float *v,
                      const float *key_mask, const float *bias, float *out,
                      int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D)
{
  int64_t qtiles = (Lq + TQ - 1) / TQ;
  if (D % 8 != 0 || D > 32 || qtiles > 65535 || B * H > 0x7fffffffLL)
    return FALSE;
  dim3 grid ((unsigned) (B * H), (unsigned) qtiles);
  cudaStream_t st = fl_cuda_stream (b);
  float qscale = 1.0f / sqrtf ((float) D);
  switch (D)
    {
    case 8:
      k_attention_tc<8, 16><<<grid, 128, 0, st>>> (q, k, v, key_mask, bias, out, Lq, Lk, H, qscale);
      break;
    case 16:
      k_attention_tc<16, 16><<<grid, 128, 0, st>>> (q, k, v, key_mask, bias, out, Lq, Lk, H, qscale);
      break;
    case 24:
      k_attention_tc<24, 32><<<grid, 128, 0, st>>> (q, k, v, key_mask, bias, out, Lq, Lk, H, qscale);
      break;
    default:
      k_attention_tc<32, 32><<<grid, 128, 0, st>>> (q, k, v, key_mask, bias, out, Lq, Lk, H, qscale);
      break;
    }
  FL_CUDA_CHECK_LAUNCH (b, "k_attention_tc");
  return TRUE;
}
