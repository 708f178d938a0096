/* Elementwise, broadcast, layout and masked-mean kernels of the CUDA backend.
 * Each mirrors the CPU op of the same name in fl-backend-cpu.c. */
#include "fl-cuda-private.h"

#define THREADS 256

/* ---- plain elementwise (grid-stride) ---- */

__global__ static void
k_fill (float *y, float v, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] = v;
}

__global__ static void
k_add (float *y, const float *x, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] += x[i];
}

__global__ static void
k_mul (float *y, const float *x, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] *= x[i];
}

__global__ static void
k_scale (float *y, float a, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] *= a;
}

__global__ static void
k_relu (float *y, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] = fmaxf (y[i], 0.0f);
}

__global__ static void
k_sigmoid_mul (float *y, const float *g, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] *= 1.0f / (1.0f + expf (-g[i]));
}

__global__ static void
k_add_sigmoid_mul (float *y, const float *x, const float *g, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    {
      float t = x[i] * (1.0f / (1.0f + expf (-g[i])));
      y[i] += t;
    }
}

/* y (M,C) *= m (M) */
__global__ static void
k_mul_rows (float *y, const float *m, int64_t M, int64_t C)
{
  size_t n = (size_t) M * C;
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] *= m[i / C];
}

/* y (M,C) += x (C) */
__global__ static void
k_add_row_vector (float *y, const float *x, int64_t M, int64_t C)
{
  size_t n = (size_t) M * C;
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] += x[i % C];
}

/* y (M,C) = x (C) on every row */
__global__ static void
k_set_rows (float *y, const float *x, int64_t M, int64_t C)
{
  size_t n = (size_t) M * C;
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] = x[i % C];
}

/* y (N,S,C) *= x (N,C) */
__global__ static void
k_mul_broadcast_rows (float *y, const float *x, int64_t N, int64_t S, int64_t C)
{
  size_t n = (size_t) N * S * C;
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    {
      size_t c = i % C;
      size_t nn = i / ((size_t) S * C);
      y[i] *= x[nn * C + c];
    }
}

#define LAUNCH_1D(b, cat, name, n, ...)                                         \
  G_STMT_START {                                                                \
    if ((n) > 0)                                                                \
      {                                                                         \
        gint64 t0_ = fl_cuda_prof_begin (b);                                    \
        name<<<fl_cuda_blocks ((n), THREADS), THREADS, 0, fl_cuda_stream (b)>>> (__VA_ARGS__); \
        FL_CUDA_CHECK_LAUNCH (b, #name);                                        \
        fl_cuda_prof_end (b, cat, t0_, 0);                                      \
      }                                                                         \
  } G_STMT_END

void
fl_cuda_fill (FlBackend *b, float *dst, float value, size_t n)
{
  LAUNCH_1D (b, FL_CUDA_OP_FILL, k_fill, n, dst, value, n);
}

void
fl_cuda_add (FlBackend *b, float *y, const float *x, size_t n)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_add, n, y, x, n);
}

void
fl_cuda_mul (FlBackend *b, float *y, const float *x, size_t n)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_mul, n, y, x, n);
}

void
fl_cuda_scale (FlBackend *b, float *y, float alpha, size_t n)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_scale, n, y, alpha, n);
}

void
fl_cuda_relu (FlBackend *b, float *y, size_t n)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_relu, n, y, n);
}

void
fl_cuda_add_sigmoid_mul (FlBackend *b, float *y, const float *x, const float *gate, size_t n)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_add_sigmoid_mul, n, y, x, gate, n);
}

void
fl_cuda_sigmoid_mul (FlBackend *b, float *y, const float *gate, size_t n)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_sigmoid_mul, n, y, gate, n);
}

void
fl_cuda_mul_rows (FlBackend *b, float *y, const float *m, int64_t M, int64_t C)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_mul_rows, (size_t) (M * C), y, m, M, C);
}

void
fl_cuda_add_row_vector (FlBackend *b, float *y, const float *x, int64_t M, int64_t C)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_add_row_vector, (size_t) (M * C), y, x, M, C);
}

void
fl_cuda_set_rows (FlBackend *b, float *y, const float *x, int64_t M, int64_t C)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_set_rows, (size_t) (M * C), y, x, M, C);
}

void
fl_cuda_mul_broadcast_rows (FlBackend *b, float *y, const float *x,
                            int64_t N, int64_t S, int64_t C)
{
  LAUNCH_1D (b, FL_CUDA_OP_ELEMENTWISE, k_mul_broadcast_rows, (size_t) (N * S * C), y, x, N, S, C);
}

/* ---- layout ---- */

/* y (B,A,C) = x (A,B,C): consecutive threads walk c, so both sides coalesce. */
__global__ static void
k_swap01 (const float *x, float *y, int64_t A, int64_t B, int64_t C)
{
  size_t n = (size_t) A * B * C;
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    {
      size_t c = i % C;
      size_t r = i / C;        /* output row = bb * A + a */
      size_t a = r % A, bb = r / A;
      y[i] = x[(a * B + bb) * C + c];
    }
}

void
fl_cuda_swap01 (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C)
{
  LAUNCH_1D (b, FL_CUDA_OP_LAYOUT, k_swap01, (size_t) (A * B * C), x, y, A, B, C);
}

/* Batched 2-D transpose through shared memory: y (C, R) = x (R, C). */
#define TILE 32
/* y (C, R) = x (R, C) through shared-memory tiles; with a gate, the gated and
 * masked value moves instead: (x[r, c] * sigmoid(g[r, c])) * mask[r]. */
__global__ static void
k_transpose (const float *x, const float *g, const float *mask, float *y, int64_t R, int64_t C)
{
  __shared__ float tile[TILE][TILE + 1];
  int64_t r0 = (int64_t) blockIdx.y * TILE, c0 = (int64_t) blockIdx.x * TILE;
  for (int64_t rr = r0; rr < R; rr += (int64_t) gridDim.y * TILE)
    {
      for (int dy = threadIdx.y; dy < TILE; dy += blockDim.y)
        {
          int64_t r = rr + dy, c = c0 + threadIdx.x;
          if (r < R && c < C)
            {
              float t = x[r * C + c];
              if (g)
                {
                  t *= 1.0f / (1.0f + expf (-g[r * C + c]));   /* as k_sigmoid_mul */
                  if (mask)
                    t *= mask[r];
                }
              tile[dy][threadIdx.x] = t;
            }
        }
      __syncthreads ();
      for (int dy = threadIdx.y; dy < TILE; dy += blockDim.y)
        {
          int64_t c = c0 + dy, r = rr + threadIdx.x;
          if (r < R && c < C)
            y[c * R + r] = tile[threadIdx.x][dy];
        }
      __syncthreads ();
    }
}

static void
transpose (FlBackend *b, const float *x, const float *g, const float *mask, float *y,
           int64_t R, int64_t C)
{
  if (R <= 0 || C <= 0)
    return;
  int64_t gx = (C + TILE - 1) / TILE, gy = (R + TILE - 1) / TILE;
  if (gx > 0x7fffffff)
    {
      fl_backend_fail (b, FL_BACKEND_ERROR_UNSUPPORTED,
                       "%s:%d: transpose with %" G_GINT64_FORMAT " columns is too wide",
                       __FILE__, __LINE__, C);
      return;
    }
  dim3 grid ((unsigned) gx, (unsigned) MIN (gy, (int64_t) 65535));
  dim3 block (TILE, 8);
  gint64 t0 = fl_cuda_prof_begin (b);
  k_transpose<<<grid, block, 0, fl_cuda_stream (b)>>> (x, g, mask, y, R, C);
  FL_CUDA_CHECK_LAUNCH (b, "k_transpose");
  fl_cuda_prof_end (b, FL_CUDA_OP_LAYOUT, t0, 0);
}

void
fl_cuda_gate_to_channel_first (FlBackend *b, const float *x, const float *gate,
                               const float *mask, float *y, int64_t A, int64_t B, int64_t C)
{
  transpose (b, x, gate, mask, y, A * B, C);
}

void
fl_cuda_to_channel_first (FlBackend *b, const float *x, float *y,
                          int64_t A, int64_t B, int64_t C)
{
  /* x (A*B, C) -> y (C, A*B) */
  transpose (b, x, NULL, NULL, y, A * B, C);
}

void
fl_cuda_from_channel_first (FlBackend *b, const float *x, float *y,
                            int64_t A, int64_t B, int64_t C)
{
  /* x (C, A*B) -> y (A*B, C) */
  transpose (b, x, NULL, NULL, y, C, A * B);
}

/* ---- masked mean over S ---- */

/* y (N,C) = sum_s mask[n,s] x[n,s,:] / (sum_s mask[n,s] + eps); thread per (n,c). */
__global__ static void
k_masked_mean (const float *x, const float *mask, float *y, int64_t N, int64_t S,
               int64_t C, float eps)
{
  size_t n_out = (size_t) N * C;
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n_out;
       i += (size_t) gridDim.x * blockDim.x)
    {
      size_t n = i / C, c = i % C;
      const float *m = mask + n * S;
      const float *xx = x + n * S * C + c;
      float num = 0.0f, den = 0.0f;
      for (int64_t s = 0; s < S; s++)
        {
          num += m[s] * xx[s * C];
          den += m[s];
        }
      y[i] = num * (1.0f / (den + eps));
    }
}

void
fl_cuda_masked_mean (FlBackend *b, const float *x, const float *mask, float *y,
                     int64_t N, int64_t S, int64_t C, float eps)
{
  LAUNCH_1D (b, FL_CUDA_OP_MASKED_MEAN, k_masked_mean, (size_t) (N * C), x, mask, y, N, S, C, eps);
}
