/* Private state and helpers of the CUDA backend (model/cuda/).
 *
 * Every CUDA runtime / cuBLAS status goes through FL_CUDA_CHECK /
 * FL_CUBLAS_CHECK, which turn a failure into the backend's sticky error with
 * the call site (file:line and the call). Kernel launches are followed by
 * FL_CUDA_CHECK_LAUNCH. */
#pragma once
#include <cuda_runtime.h>
#include <cublas_v2.h>
#include <cublasLt.h>
#include <glib.h>
#include "fl-backend.h"
#include "fl-error.h"

/* Per-op profile, printed to stderr when the backend is freed; off by
 * default. FL_CUDA_PROFILE=1: every op is synchronised and timed on the host
 * (includes launch cost). FL_CUDA_PROFILE=events: GPU time per op from CUDA
 * events, nothing synchronised, so "elsewhere" is GPU idle time. */
typedef enum {
  FL_CUDA_OP_UPLOAD, FL_CUDA_OP_DOWNLOAD, FL_CUDA_OP_COPY, FL_CUDA_OP_FILL,
  FL_CUDA_OP_LINEAR, FL_CUDA_OP_GEMM, FL_CUDA_OP_LAYER_NORM, FL_CUDA_OP_ELEMENTWISE,
  FL_CUDA_OP_LAYOUT, FL_CUDA_OP_ATTENTION, FL_CUDA_OP_ATTENTION_CAPTURE,
  FL_CUDA_OP_GLOBAL_ATTENTION, FL_CUDA_OP_MASKED_MEAN, FL_CUDA_OP_ALLOC,
  FL_CUDA_N_OPS
} FlCudaOp;

typedef struct {
  double seconds, flops;
  guint64 calls;
} FlCudaProf;

typedef struct {
  int device;
  cudaDeviceProp prop;
  cudaStream_t stream;
  cublasHandle_t cublas;
  cublasComputeType_t compute;   /* from the precision mode */
  GHashTable *sizes;             /* device pointer -> bytes (for bytes_in_use) */
  cublasLtHandle_t lt;           /* linear with a bias: cuBLASLt with the bias epilogue */
  gboolean use_lt;               /* FALSE with FL_CUDA_NO_LT=1 (for comparisons) */
  gboolean use_mma_attention;    /* tf32/bf16 attention on tensor cores; FALSE with FL_CUDA_NO_MMA=1 */
  void *lt_workspace;
  size_t lt_workspace_bytes;
  GHashTable *lt_plans;          /* shape key -> FlCudaLtPlan (fl-cuda-gemm.cu) */
  void *scratch;                 /* grows on demand (attention statistics) */
  size_t scratch_bytes;
  guint64 scratch_generation;    /* bumped when scratch moves (recordings hold its address) */
  void *cublas_workspace;        /* given to cuBLAS, so that it never allocates while recording */
  /* Recording (fl-cuda-record.cu) */
  gboolean use_graphs;           /* FALSE with FL_CUDA_NO_GRAPH=1 */
  gboolean capturing, capture_failed;
  const char *capture_why;
  GPtrArray *deferred_frees;
  gboolean profile;
  gboolean profile_events;       /* FL_CUDA_PROFILE=events: timed by CUDA events, no syncs */
  cudaEvent_t *prof_ev;          /* 2 per pending record */
  int *prof_op;
  int prof_pending;
  int prof_depth;                /* ops inside ops are not timed twice */
  gint64 t_created;
  FlCudaProf prof[FL_CUDA_N_OPS];
} FlCudaState;

static inline FlCudaState *
fl_cuda_state (FlBackend *b)
{
  return (FlCudaState *) b->impl;
}

/* Make the backend's device current on the calling thread (the CUDA
 * current device is per thread: an engine made on one thread may run on
 * another, and two backends may sit on different devices). */
static inline void
fl_cuda_use_device (FlBackend *b)
{
  int dev = ((FlCudaState *) b->impl)->device, current = -1;
  if (cudaGetDevice (&current) != cudaSuccess || current != dev)
    cudaSetDevice (dev);
}

static inline cudaStream_t
fl_cuda_stream (FlBackend *b)
{
  fl_cuda_use_device (b);
  return ((FlCudaState *) b->impl)->stream;
}

/* While recording: an op that needs the host marks the recording as failed
 * (fl-cuda-record.cu) and does nothing. */
void fl_cuda_record_refuse (FlBackend *b, const char *why);
gboolean fl_cuda_record_begin (FlBackend *b);
gpointer fl_cuda_record_end (FlBackend *b);
gboolean fl_cuda_replay (FlBackend *b, gpointer recording);
void fl_cuda_recording_free (FlBackend *b, gpointer recording);

/* Record a failed status in b (keeps the first); TRUE when status is success. */
gboolean fl_cuda_check_status (FlBackend *b, cudaError_t status, const char *call,
                               const char *file, int line);
gboolean fl_cublas_check_status (FlBackend *b, cublasStatus_t status, const char *call,
                                 const char *file, int line);
const char *fl_cublas_status_name (cublasStatus_t status);

#define FL_CUDA_CHECK(b, call) fl_cuda_check_status ((b), (call), #call, __FILE__, __LINE__)
#define FL_CUBLAS_CHECK(b, call) fl_cublas_check_status ((b), (call), #call, __FILE__, __LINE__)
#define FL_CUDA_CHECK_LAUNCH(b, name) \
  fl_cuda_check_status ((b), cudaGetLastError (), "launch of " name, __FILE__, __LINE__)

/* Profile brackets: begin returns a start time (0 when profiling is off). */
gint64 fl_cuda_prof_begin (FlBackend *b);
void fl_cuda_prof_end (FlBackend *b, FlCudaOp op, gint64 t0, double flops);

/* Scratch device memory of at least `bytes` (valid until the next call). */
void *fl_cuda_scratch (FlBackend *b, size_t bytes);

/* Grid size for n elements with `threads` per block (capped, grid-stride loops). */
static inline unsigned int
fl_cuda_blocks (size_t n, unsigned int threads)
{
  size_t blocks = (n + threads - 1) / threads;
  if (blocks > 65535u * 16u)
    blocks = 65535u * 16u;
  return blocks == 0 ? 1u : (unsigned int) blocks;
}

/* Op implementations, one file per family. */
void fl_cuda_fill (FlBackend *b, float *dst, float value, size_t n);
void fl_cuda_add (FlBackend *b, float *y, const float *x, size_t n);
void fl_cuda_mul (FlBackend *b, float *y, const float *x, size_t n);
void fl_cuda_scale (FlBackend *b, float *y, float alpha, size_t n);
void fl_cuda_relu (FlBackend *b, float *y, size_t n);
void fl_cuda_sigmoid_mul (FlBackend *b, float *y, const float *gate, size_t n);
void fl_cuda_add_sigmoid_mul (FlBackend *b, float *y, const float *x, const float *gate, size_t n);
void fl_cuda_gate_to_channel_first (FlBackend *b, const float *x, const float *gate,
                                    const float *mask, float *y, int64_t A, int64_t B, int64_t C);
void fl_cuda_mul_rows (FlBackend *b, float *y, const float *m, int64_t M, int64_t C);
void fl_cuda_add_row_vector (FlBackend *b, float *y, const float *x, int64_t M, int64_t C);
void fl_cuda_set_rows (FlBackend *b, float *y, const float *x, int64_t M, int64_t C);
void fl_cuda_swap01 (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C);
void fl_cuda_to_channel_first (FlBackend *b, const float *x, float *y,
                               int64_t A, int64_t B, int64_t C);
void fl_cuda_from_channel_first (FlBackend *b, const float *x, float *y,
                                 int64_t A, int64_t B, int64_t C);
void fl_cuda_masked_mean (FlBackend *b, const float *x, const float *mask, float *y,
                          int64_t N, int64_t S, int64_t C, float eps);
void fl_cuda_mul_broadcast_rows (FlBackend *b, float *y, const float *x,
                                 int64_t N, int64_t S, int64_t C);

void fl_cuda_softmax_expect (FlBackend *b, const float *x, const float *table, float *y,
                             int64_t M, int64_t bins, int64_t E);

void fl_cuda_layer_norm (FlBackend *b, const float *x, const float *scale,
                         const float *offset, float *y, int64_t M, int64_t C);

void fl_cuda_lt_plans_free (FlBackend *b);
void fl_cuda_linear (FlBackend *b, const float *x, const float *w, const float *bias,
                     float *y, int64_t M, int64_t K, int64_t N, gboolean accumulate);
void fl_cuda_linear_relu (FlBackend *b, const float *x, const float *w, const float *bias,
                          float *y, int64_t M, int64_t K, int64_t N);
void fl_cuda_gemm_batched (FlBackend *b, gboolean trans_a, gboolean trans_b,
                           int64_t M, int64_t N, int64_t K, float alpha,
                           const float *A, int64_t lda, int64_t stride_a,
                           const float *B, int64_t ldb, int64_t stride_b, float beta,
                           float *C, int64_t ldc, int64_t stride_c, int64_t batch);

void fl_cuda_attention (FlBackend *b, const float *q, const float *k, const float *v,
                        const float *key_mask, const float *bias, const float *gate, float *out,
                        int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                        float *probs_mean);
/* The tf32 and bf16 modes' tensor-core attention (fl-cuda-attention-tf32.cu,
 * fl-cuda-attention-bf16.cu); they write the per-query softmax (max, sum)
 * when stats_m is not NULL. FALSE (with the backend's error set) when the
 * kernel could not launch. */
gboolean fl_cuda_attention_tf32 (FlBackend *b, const float *q, const float *k, const float *v,
                                 const float *key_mask, const float *bias, const float *gate,
                                 float *out,
                                 int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                                 float *stats_m, float *stats_l);
gboolean fl_cuda_attention_bf16 (FlBackend *b, const float *q, const float *k, const float *v,
                                 const float *key_mask, const float *bias, const float *gate,
                                 float *out,
                                 int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                                 float *stats_m, float *stats_l);
void fl_cuda_global_attention (FlBackend *b, const float *q, const float *k, const float *v,
                               const float *mask, float *out,
                               int64_t N, int64_t S, int64_t H, int64_t D);
