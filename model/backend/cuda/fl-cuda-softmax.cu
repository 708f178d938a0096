/* softmax_expect (fl-backend.h): y (M,E) = softmax(x (M,bins)) @ table (bins,E).
 * One warp per row: the lanes stride over the bins for the maximum and the
 * sum, then for each of the E columns; fp32 with the maximum subtracted and
 * the accurate expf (these are the confidence numbers a user reads). */
#include "fl-cuda-private.h"
#include <math.h>

#define SE_WARPS 8

__global__ static void
__launch_bounds__ (32 * SE_WARPS)
k_softmax_expect (const float *__restrict__ x, const float *__restrict__ table,
                  float *__restrict__ y, int64_t M, int bins, int E)
{
  const int lane = threadIdx.x & 31;
  const int64_t m = (int64_t) blockIdx.x * SE_WARPS + (threadIdx.x >> 5);
  if (m >= M)
    return;
  const float *xm = x + m * bins;
  float mx = -INFINITY;
  for (int k = lane; k < bins; k += 32)
    mx = fmaxf (mx, xm[k]);
  for (int o = 16; o > 0; o >>= 1)
    mx = fmaxf (mx, __shfl_xor_sync (0xffffffffu, mx, o));
  float sum = 0.0f;
  for (int k = lane; k < bins; k += 32)
    sum += expf (xm[k] - mx);
  for (int o = 16; o > 0; o >>= 1)
    sum += __shfl_xor_sync (0xffffffffu, sum, o);
  const float inv = 1.0f / sum;
  for (int e = 0; e < E; e++)
    {
      float acc = 0.0f;
      for (int k = lane; k < bins; k += 32)
        acc += expf (xm[k] - mx) * table[(int64_t) k * E + e];
      for (int o = 16; o > 0; o >>= 1)
        acc += __shfl_xor_sync (0xffffffffu, acc, o);
      if (lane == 0)
        y[m * E + e] = acc * inv;
    }
}

void
fl_cuda_softmax_expect (FlBackend *b, const float *x, const float *table, float *y,
                        int64_t M, int64_t bins, int64_t E)
{
  if (M <= 0 || E <= 0)
    return;
  if (bins <= 0)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: softmax over %" G_GINT64_FORMAT " bins", __FILE__, __LINE__, bins);
      return;
    }
  const int64_t blocks = (M + SE_WARPS - 1) / SE_WARPS;
  if (blocks > 0x7fffffffLL || bins > 0x7fffffff || E > 0x7fffffff)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: softmax_expect of %" G_GINT64_FORMAT " rows is too large",
                       __FILE__, __LINE__, M);
      return;
    }
  gint64 t0 = fl_cuda_prof_begin (b);
  k_softmax_expect<<<(unsigned) blocks, 32 * SE_WARPS, 0, fl_cuda_stream (b)>>> (
    x, table, y, M, (int) bins, (int) E);
  FL_CUDA_CHECK_LAUNCH (b, "k_softmax_expect");
  fl_cuda_prof_end (b, FL_CUDA_OP_ELEMENTWISE, t0, 0);
}
