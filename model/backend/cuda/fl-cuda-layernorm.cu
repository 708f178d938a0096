/* LayerNorm of the CUDA backend: one warp per row, two-pass variance in fp32
 * (mean first, then the mean of squared deviations), eps 1e-5 — the CPU
 * backend's layer_norm. scale / offset may be NULL (1 and 0). */
#include "fl-cuda-private.h"

#define WARPS_PER_BLOCK 8
#define LN_EPS 1e-5f

__device__ static inline float
warp_sum (float v)
{
  for (int o = 16; o > 0; o >>= 1)
    v += __shfl_xor_sync (0xffffffffu, v, o);
  return v;
}

/* Rows up to 32*NPER channels: the row stays in registers. */
template <int NPER>
__global__ static void
k_layer_norm_reg (const float *x, const float *scale, const float *offset, float *y,
                  int64_t M, int C)
{
  int lane = threadIdx.x & 31;
  int64_t row = (int64_t) blockIdx.x * WARPS_PER_BLOCK + (threadIdx.x >> 5);
  for (; row < M; row += (int64_t) gridDim.x * WARPS_PER_BLOCK)
    {
      const float *xr = x + row * C;
      float v[NPER];
      float s = 0.0f;
#pragma unroll
      for (int k = 0; k < NPER; k++)
        {
          int c = lane + 32 * k;
          v[k] = c < C ? xr[c] : 0.0f;
          s += v[k];
        }
      float mean = warp_sum (s) / (float) C;
      float ss = 0.0f;
#pragma unroll
      for (int k = 0; k < NPER; k++)
        {
          int c = lane + 32 * k;
          float d = c < C ? v[k] - mean : 0.0f;
          ss += d * d;
        }
      float var = warp_sum (ss) / (float) C;
      float inv = 1.0f / sqrtf (var + LN_EPS);
      float *yr = y + row * C;
#pragma unroll
      for (int k = 0; k < NPER; k++)
        {
          int c = lane + 32 * k;
          if (c < C)
            yr[c] = (v[k] - mean) * (inv * (scale ? scale[c] : 1.0f)) + (offset ? offset[c] : 0.0f);
        }
    }
}

/* Any width: three passes over the row (cached in L1/L2). */
__global__ static void
k_layer_norm_any (const float *x, const float *scale, const float *offset, float *y,
                  int64_t M, int C)
{
  int lane = threadIdx.x & 31;
  int64_t row = (int64_t) blockIdx.x * WARPS_PER_BLOCK + (threadIdx.x >> 5);
  for (; row < M; row += (int64_t) gridDim.x * WARPS_PER_BLOCK)
    {
      const float *xr = x + row * C;
      float s = 0.0f;
      for (int c = lane; c < C; c += 32)
        s += xr[c];
      float mean = warp_sum (s) / (float) C;
      float ss = 0.0f;
      for (int c = lane; c < C; c += 32)
        {
          float d = xr[c] - mean;
          ss += d * d;
        }
      float var = warp_sum (ss) / (float) C;
      float inv = 1.0f / sqrtf (var + LN_EPS);
      float *yr = y + row * C;
      for (int c = lane; c < C; c += 32)
        yr[c] = (xr[c] - mean) * (inv * (scale ? scale[c] : 1.0f)) + (offset ? offset[c] : 0.0f);
    }
}

void
fl_cuda_layer_norm (FlBackend *b, const float *x, const float *scale, const float *offset,
                    float *y, int64_t M, int64_t C)
{
  if (M <= 0 || C <= 0)
    return;
  if (C > G_MAXINT)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED, "%s:%d: layer_norm of %" G_GINT64_FORMAT
                       " channels", __FILE__, __LINE__, C);
      return;
    }
  int64_t blocks64 = (M + WARPS_PER_BLOCK - 1) / WARPS_PER_BLOCK;
  unsigned blocks = (unsigned) MIN (blocks64, (int64_t) 1 << 20);
  dim3 block (32 * WARPS_PER_BLOCK);
  cudaStream_t st = fl_cuda_stream (b);
  int c = (int) C;
  gint64 t0 = fl_cuda_prof_begin (b);
  if (c <= 64)
    k_layer_norm_reg<2><<<blocks, block, 0, st>>> (x, scale, offset, y, M, c);
  else if (c <= 128)
    k_layer_norm_reg<4><<<blocks, block, 0, st>>> (x, scale, offset, y, M, c);
  else if (c <= 256)
    k_layer_norm_reg<8><<<blocks, block, 0, st>>> (x, scale, offset, y, M, c);
  else if (c <= 384)
    k_layer_norm_reg<12><<<blocks, block, 0, st>>> (x, scale, offset, y, M, c);
  else if (c <= 512)
    k_layer_norm_reg<16><<<blocks, block, 0, st>>> (x, scale, offset, y, M, c);
  else
    k_layer_norm_any<<<blocks, block, 0, st>>> (x, scale, offset, y, M, c);
  FL_CUDA_CHECK_LAUNCH (b, "k_layer_norm");
  fl_cuda_prof_end (b, FL_CUDA_OP_LAYER_NORM, t0, 0);
}
