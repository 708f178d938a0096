/* Dense products of the CUDA backend through cuBLAS.
 *
 * Row-major products are computed as their column-major transposes:
 * C (M,N) row-major is C^T (N,M) column-major, and C^T = op(B)^T op(A)^T, so
 * cuBLAS gets (m, n, k) = (N, M, K) with the operands swapped.
 * Precision: the compute type chosen at creation (fl-backend-cuda.cu):
 * fp32 = CUBLAS_COMPUTE_32F (no TF32), tf32 = CUBLAS_COMPUTE_32F_FAST_TF32.
 * bf16: the operands are rounded to bf16 here (cuBLAS's FAST_16BF compute
 * type was measured to pick TF32 kernels, i.e. TF32 accuracy) and multiplied
 * on the bf16 tensor cores with fp32 accumulation (CUBLAS_COMPUTE_32F); the
 * result stays fp32. */
#include "fl-cuda-private.h"
#include <cuda_bf16.h>

__global__ static void
k_to_bf16 (const float *__restrict__ x, __nv_bfloat16 *__restrict__ y, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] = __float2bfloat16_rn (x[i]);
}

/* bf16 copies of two operand spans in the scratch buffer; FALSE on failure. */
static gboolean
to_bf16_pair (FlBackend *b, const float *a, size_t na, const float *bb, size_t nb,
              __nv_bfloat16 **a16, __nv_bfloat16 **b16)
{
  size_t na_pad = (na + 127) & ~(size_t) 127;
  __nv_bfloat16 *s = (__nv_bfloat16 *) fl_cuda_scratch (b, (na_pad + nb) * sizeof (__nv_bfloat16));
  if (!s)
    return FALSE;
  cudaStream_t st = fl_cuda_stream (b);
  k_to_bf16<<<fl_cuda_blocks (na, 256), 256, 0, st>>> (a, s, na);
  k_to_bf16<<<fl_cuda_blocks (nb, 256), 256, 0, st>>> (bb, s + na_pad, nb);
  if (!FL_CUDA_CHECK_LAUNCH (b, "k_to_bf16"))
    return FALSE;
  *a16 = s;
  *b16 = s + na_pad;
  return TRUE;
}

static void
linear (FlBackend *b, const float *x, const float *w, const float *bias,
        float *y, int64_t M, int64_t K, int64_t N, gboolean accumulate)
{
  if (M <= 0 || N <= 0)
    return;
  FlCudaState *s = fl_cuda_state (b);
  float beta = accumulate ? 1.0f : 0.0f;
  if (bias)
    {
      /* The bias goes in first; the product then accumulates onto it. */
      if (accumulate)
        fl_cuda_add_row_vector (b, y, bias, M, N);
      else
        fl_cuda_set_rows (b, y, bias, M, N);
      beta = 1.0f;
    }
  if (K <= 0)
    {
      if (!bias && !accumulate)
        fl_cuda_fill (b, y, 0.0f, (size_t) (M * N));
      return;
    }
  const float alpha = 1.0f;
  if (b->precision == FL_PRECISION_BF16)
    {
      __nv_bfloat16 *w16, *x16;
      if (!to_bf16_pair (b, w, (size_t) (K * N), x, (size_t) (M * K), &w16, &x16))
        return;
      FL_CUBLAS_CHECK (b, cublasGemmEx_64 (s->cublas, CUBLAS_OP_N, CUBLAS_OP_N,
                                           N, M, K, &alpha,
                                           w16, CUDA_R_16BF, N,
                                           x16, CUDA_R_16BF, K, &beta,
                                           y, CUDA_R_32F, N,
                                           CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
      return;
    }
  FL_CUBLAS_CHECK (b, cublasGemmEx_64 (s->cublas, CUBLAS_OP_N, CUBLAS_OP_N,
                                       N, M, K, &alpha,
                                       w, CUDA_R_32F, N,
                                       x, CUDA_R_32F, K, &beta,
                                       y, CUDA_R_32F, N,
                                       s->compute, CUBLAS_GEMM_DEFAULT));
}

static void
gemm_batched (FlBackend *b, gboolean trans_a, gboolean trans_b,
                      int64_t M, int64_t N, int64_t K, float alpha,
                      const float *A, int64_t lda, int64_t stride_a,
                      const float *B, int64_t ldb, int64_t stride_b, float beta,
                      float *C, int64_t ldc, int64_t stride_c, int64_t batch)
{
  if (M <= 0 || N <= 0 || batch <= 0)
    return;
  FlCudaState *s = fl_cuda_state (b);
  if (K <= 0)
    {
      /* C = beta * C (alpha times an empty sum). */
      if (beta != 1.0f)
        {
          for (int64_t p = 0; p < batch; p++)
            for (int64_t i = 0; i < M; i++)
              {
                if (beta == 0.0f)
                  fl_cuda_fill (b, C + p * stride_c + i * ldc, 0.0f, (size_t) N);
                else
                  fl_cuda_scale (b, C + p * stride_c + i * ldc, beta, (size_t) N);
              }
        }
      return;
    }
  cublasOperation_t op_b = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  cublasOperation_t op_a = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  cudaDataType_t in_type = CUDA_R_32F;
  cublasComputeType_t compute = s->compute;
  if (b->precision == FL_PRECISION_BF16)
    {
      /* Round every element the strided operands span. */
      int64_t rows_a = trans_a ? K : M, cols_a = trans_a ? M : K;
      int64_t rows_b = trans_b ? N : K, cols_b = trans_b ? K : N;
      size_t span_a = (size_t) ((batch - 1) * stride_a + (rows_a - 1) * lda + cols_a);
      size_t span_b = (size_t) ((batch - 1) * stride_b + (rows_b - 1) * ldb + cols_b);
      __nv_bfloat16 *a16, *b16;
      if (!to_bf16_pair (b, A, span_a, B, span_b, &a16, &b16))
        return;
      A = (const float *) a16;
      B = (const float *) b16;
      in_type = CUDA_R_16BF;
      compute = CUBLAS_COMPUTE_32F;
    }
  if (batch == 1)
    FL_CUBLAS_CHECK (b, cublasGemmEx_64 (s->cublas, op_b, op_a, N, M, K, &alpha,
                                         B, in_type, ldb,
                                         A, in_type, lda, &beta,
                                         C, CUDA_R_32F, ldc,
                                         compute, CUBLAS_GEMM_DEFAULT));
  else
    FL_CUBLAS_CHECK (b, cublasGemmStridedBatchedEx_64 (s->cublas, op_b, op_a, N, M, K, &alpha,
                                                       B, in_type, ldb, stride_b,
                                                       A, in_type, lda, stride_a, &beta,
                                                       C, CUDA_R_32F, ldc, stride_c,
                                                       batch, compute,
                                                       CUBLAS_GEMM_DEFAULT));
}

void
fl_cuda_linear (FlBackend *b, const float *x, const float *w, const float *bias,
                float *y, int64_t M, int64_t K, int64_t N, gboolean accumulate)
{
  gint64 t0 = fl_cuda_prof_begin (b);
  linear (b, x, w, bias, y, M, K, N, accumulate);
  fl_cuda_prof_end (b, FL_CUDA_OP_LINEAR, t0, 2.0 * M * K * N);
}

void
fl_cuda_gemm_batched (FlBackend *b, gboolean trans_a, gboolean trans_b,
                      int64_t M, int64_t N, int64_t K, float alpha,
                      const float *A, int64_t lda, int64_t stride_a,
                      const float *B, int64_t ldb, int64_t stride_b, float beta,
                      float *C, int64_t ldc, int64_t stride_c, int64_t batch)
{
  gint64 t0 = fl_cuda_prof_begin (b);
  gemm_batched (b, trans_a, trans_b, M, N, K, alpha, A, lda, stride_a, B, ldb, stride_b,
                beta, C, ldc, stride_c, batch);
  fl_cuda_prof_end (b, FL_CUDA_OP_GEMM, t0, 2.0 * M * N * K * batch);
}
