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
#include <string.h>

__global__ static void
k_to_bf16 (const float *__restrict__ x, __nv_bfloat16 *__restrict__ y, size_t n)
{
  for (size_t i = blockIdx.x * (size_t) blockDim.x + threadIdx.x; i < n;
       i += (size_t) gridDim.x * blockDim.x)
    y[i] = __float2bfloat16_rn (x[i]);
}

/* ---- linear with a bias: one cuBLASLt call with the bias epilogue ----
 * (instead of writing the bias into y and accumulating onto it: two fewer
 * passes over the output, which matters for these memory-bound products).
 * Descriptors and the heuristic's algorithm are cached per shape and
 * pointer alignment. */

typedef struct {
  int64_t M, K, N;
  int accumulate, align, relu;
} LtKey;

typedef struct {
  LtKey key;
  gboolean usable;               /* FALSE: no algorithm, use the cuBLAS path */
  cublasLtMatmulDesc_t op;
  cublasLtMatrixLayout_t a, bl, c;
  cublasLtMatmulAlgo_t algo;
} FlCudaLtPlan;

static guint
lt_key_hash (gconstpointer p)
{
  const LtKey *k = (const LtKey *) p;
  guint64 h = (guint64) k->M * 0x9E3779B97F4A7C15ull ^ (guint64) k->K * 0xBF58476D1CE4E5B9ull
              ^ (guint64) k->N * 0x94D049BB133111EBull ^ (guint64) (k->accumulate * 31 + k->align + 1000 * k->relu);
  return (guint) (h ^ (h >> 32));
}

static gboolean
lt_key_equal (gconstpointer a, gconstpointer b)
{
  return memcmp (a, b, sizeof (LtKey)) == 0;
}

static void
lt_plan_free (gpointer p)
{
  FlCudaLtPlan *plan = (FlCudaLtPlan *) p;
  if (plan->op)
    cublasLtMatmulDescDestroy (plan->op);
  if (plan->a)
    cublasLtMatrixLayoutDestroy (plan->a);
  if (plan->bl)
    cublasLtMatrixLayoutDestroy (plan->bl);
  if (plan->c)
    cublasLtMatrixLayoutDestroy (plan->c);
  g_free (plan);
}

void
fl_cuda_lt_plans_free (FlBackend *b)
{
  FlCudaState *s = fl_cuda_state (b);
  g_clear_pointer (&s->lt_plans, g_hash_table_unref);
}

/* Largest of 16, 8, 4 bytes dividing every address and row pitch. */
static int
common_alignment (const void *p1, const void *p2, const void *p3, int64_t ld1, int64_t ld2,
                  int64_t ld3)
{
  guintptr bits = (guintptr) p1 | (guintptr) p2 | (guintptr) p3
                  | (guintptr) (ld1 * 4) | (guintptr) (ld2 * 4) | (guintptr) (ld3 * 4);
  return (bits & 15) == 0 ? 16 : (bits & 7) == 0 ? 8 : 4;
}

static FlCudaLtPlan *
lt_plan_get (FlBackend *b, int64_t M, int64_t K, int64_t N, gboolean accumulate, int align,
             gboolean relu)
{
  FlCudaState *s = fl_cuda_state (b);
  if (!s->lt_plans)
    s->lt_plans = g_hash_table_new_full (lt_key_hash, lt_key_equal, NULL, lt_plan_free);
  LtKey key;
  memset (&key, 0, sizeof key);
  key.M = M; key.K = K; key.N = N; key.accumulate = accumulate ? 1 : 0; key.align = align;
  key.relu = relu ? 1 : 0;
  FlCudaLtPlan *plan = (FlCudaLtPlan *) g_hash_table_lookup (s->lt_plans, &key);
  if (plan)
    return plan;
  plan = g_new0 (FlCudaLtPlan, 1);
  plan->key = key;
  g_hash_table_insert (s->lt_plans, &plan->key, plan);

  cublasLtEpilogue_t epi = relu ? CUBLASLT_EPILOGUE_RELU_BIAS : CUBLASLT_EPILOGUE_BIAS;
  cublasLtMatmulPreference_t pref = NULL;
  cublasLtMatmulHeuristicResult_t result;
  int found = 0;
  uint32_t al = (uint32_t) align;
  memset (&result, 0, sizeof result);
  if (cublasLtMatmulDescCreate (&plan->op, s->compute, CUDA_R_32F) != CUBLAS_STATUS_SUCCESS
      || cublasLtMatmulDescSetAttribute (plan->op, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi,
                                         sizeof epi) != CUBLAS_STATUS_SUCCESS
      /* Column-major view: y^T (N,M) = w^T (N,K) x^T (K,M). */
      || cublasLtMatrixLayoutCreate (&plan->a, CUDA_R_32F, (uint64_t) N, (uint64_t) K, N)
         != CUBLAS_STATUS_SUCCESS
      || cublasLtMatrixLayoutCreate (&plan->bl, CUDA_R_32F, (uint64_t) K, (uint64_t) M, K)
         != CUBLAS_STATUS_SUCCESS
      || cublasLtMatrixLayoutCreate (&plan->c, CUDA_R_32F, (uint64_t) N, (uint64_t) M, N)
         != CUBLAS_STATUS_SUCCESS
      || cublasLtMatmulPreferenceCreate (&pref) != CUBLAS_STATUS_SUCCESS)
    {
      if (pref)
        cublasLtMatmulPreferenceDestroy (pref);
      return plan;   /* not usable: the plain path */
    }
  cublasLtMatmulPreferenceSetAttribute (pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                        &s->lt_workspace_bytes, sizeof s->lt_workspace_bytes);
  cublasLtMatmulPreferenceSetAttribute (pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES, &al, sizeof al);
  cublasLtMatmulPreferenceSetAttribute (pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES, &al, sizeof al);
  cublasLtMatmulPreferenceSetAttribute (pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES, &al, sizeof al);
  cublasLtMatmulPreferenceSetAttribute (pref, CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES, &al, sizeof al);
  if (cublasLtMatmulAlgoGetHeuristic (s->lt, plan->op, plan->a, plan->bl, plan->c, plan->c, pref,
                                      1, &result, &found) == CUBLAS_STATUS_SUCCESS
      && found > 0)
    {
      plan->algo = result.algo;
      plan->usable = TRUE;
    }
  cublasLtMatmulPreferenceDestroy (pref);
  return plan;
}

/* TRUE when done (or failed with the error recorded); FALSE: use the plain path. */
static gboolean
linear_lt (FlBackend *b, const float *x, const float *w, const float *bias, float *y,
           int64_t M, int64_t K, int64_t N, gboolean accumulate, gboolean relu)
{
  FlCudaState *s = fl_cuda_state (b);
  if (!s->lt || ((guintptr) bias & 15) != 0)
    return FALSE;
  int align = common_alignment (x, w, y, K, N, N);
  FlCudaLtPlan *plan = lt_plan_get (b, M, K, N, accumulate, align, relu);
  if (!plan->usable)
    return FALSE;
  const float alpha = 1.0f, beta = accumulate ? 1.0f : 0.0f;
  if (!FL_CUBLAS_CHECK (b, cublasLtMatmulDescSetAttribute (plan->op,
                                                           CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                                           &bias, sizeof bias)))
    return TRUE;
  FL_CUBLAS_CHECK (b, cublasLtMatmul (s->lt, plan->op, &alpha, w, plan->a, x, plan->bl, &beta,
                                      y, plan->c, y, plan->c, &plan->algo, s->lt_workspace,
                                      s->lt_workspace_bytes, s->stream));
  return TRUE;
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
  if (bias && K > 0 && b->precision != FL_PRECISION_BF16 && s->use_lt
      && linear_lt (b, x, w, bias, y, M, K, N, accumulate, FALSE))
    return;
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

/* y = relu(x @ w + bias): the bias and the relu in the GEMM's epilogue
 * (cuBLASLt RELU_BIAS), saving a read and a write of y; else two ops. */
static void
linear_relu (FlBackend *b, const float *x, const float *w, const float *bias,
             float *y, int64_t M, int64_t K, int64_t N)
{
  if (M <= 0 || N <= 0)
    return;
  FlCudaState *s = fl_cuda_state (b);
  if (bias && K > 0 && b->precision != FL_PRECISION_BF16 && s->use_lt
      && linear_lt (b, x, w, bias, y, M, K, N, FALSE, TRUE))
    return;
  linear (b, x, w, bias, y, M, K, N, FALSE);
  fl_cuda_relu (b, y, (size_t) (M * N));
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
fl_cuda_linear_relu (FlBackend *b, const float *x, const float *w, const float *bias,
                     float *y, int64_t M, int64_t K, int64_t N)
{
  gint64 t0 = fl_cuda_prof_begin (b);
  linear_relu (b, x, w, bias, y, M, K, N);
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
