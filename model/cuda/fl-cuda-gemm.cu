/* Dense products of the CUDA backend through cuBLAS.
 *
 * Row-major products are computed as their column-major transposes:
 * C (M,N) row-major is C^T (N,M) column-major, and C^T = op(B)^T op(A)^T, so
 * cuBLAS gets (m, n, k) = (N, M, K) with the operands swapped.
 * Precision: the compute type chosen at creation (fl-backend-cuda.cu):
 * fp32 = CUBLAS_COMPUTE_32F (no TF32), tf32 = CUBLAS_COMPUTE_32F_FAST_TF32,
 * bf16 = CUBLAS_COMPUTE_32F_FAST_16BF (bf16 tensor-core inputs, fp32
 * accumulation and fp32 storage). */
#include "fl-cuda-private.h"

void
fl_cuda_linear (FlBackend *b, const float *x, const float *w, const float *bias,
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
  FL_CUBLAS_CHECK (b, cublasGemmEx_64 (s->cublas, CUBLAS_OP_N, CUBLAS_OP_N,
                                       N, M, K, &alpha,
                                       w, CUDA_R_32F, N,
                                       x, CUDA_R_32F, K, &beta,
                                       y, CUDA_R_32F, N,
                                       s->compute, CUBLAS_GEMM_DEFAULT));
}

void
fl_cuda_gemm_batched (FlBackend *b, gboolean trans_a, gboolean trans_b,
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
  if (batch == 1)
    FL_CUBLAS_CHECK (b, cublasGemmEx_64 (s->cublas, op_b, op_a, N, M, K, &alpha,
                                         B, CUDA_R_32F, ldb,
                                         A, CUDA_R_32F, lda, &beta,
                                         C, CUDA_R_32F, ldc,
                                         s->compute, CUBLAS_GEMM_DEFAULT));
  else
    FL_CUBLAS_CHECK (b, cublasGemmStridedBatchedEx_64 (s->cublas, op_b, op_a, N, M, K, &alpha,
                                                       B, CUDA_R_32F, ldb, stride_b,
                                                       A, CUDA_R_32F, lda, stride_a, &beta,
                                                       C, CUDA_R_32F, ldc, stride_c,
                                                       batch, s->compute,
                                                       CUBLAS_GEMM_DEFAULT));
}
