/* The CUDA backend: op table, device memory, stream and cuBLAS handle.
 * Kernels live in fl-cuda-{elementwise,layernorm,attention,gemm}.cu. */
#include "fl-cuda-private.h"
#include "fl-backend-modules.h"
#include <string.h>

gboolean
fl_cuda_check_status (FlBackend *b, cudaError_t status, const char *call,
                      const char *file, int line)
{
  if (status == cudaSuccess)
    return TRUE;
  int code = (status == cudaErrorMemoryAllocation) ? FL_BACKEND_ERROR_OUT_OF_MEMORY
                                                   : FL_BACKEND_ERROR_CUDA;
  fl_backend_fail (b, code, "%s:%d: %s failed: %s (%s)", file, line, call,
                   cudaGetErrorString (status), cudaGetErrorName (status));
  return FALSE;
}

const char *
fl_cublas_status_name (cublasStatus_t status)
{
  switch (status)
    {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "unknown cuBLAS status";
    }
}

gboolean
fl_cublas_check_status (FlBackend *b, cublasStatus_t status, const char *call,
                        const char *file, int line)
{
  if (status == CUBLAS_STATUS_SUCCESS)
    return TRUE;
  int code = (status == CUBLAS_STATUS_ALLOC_FAILED) ? FL_BACKEND_ERROR_OUT_OF_MEMORY
                                                    : FL_BACKEND_ERROR_CUDA;
  fl_backend_fail (b, code, "%s:%d: %s failed: %s (%d)", file, line, call,
                   fl_cublas_status_name (status), (int) status);
  return FALSE;
}

/* Events mode (FL_CUDA_PROFILE=events): each op is bracketed by two CUDA
 * events on the stream, nothing is synchronised; the pending records are
 * harvested when the pool is full and at the end. The sum is then the GPU's
 * busy time per op, and wall minus the sum is where the GPU waited on the host. */
#define PROF_EVENTS 4096

static void
prof_harvest (FlCudaState *s)
{
  if (s->prof_pending == 0)
    return;
  cudaEventSynchronize (s->prof_ev[2 * s->prof_pending - 1]);
  for (int i = 0; i < s->prof_pending; i++)
    {
      float ms = 0.0f;
      if (cudaEventElapsedTime (&ms, s->prof_ev[2 * i], s->prof_ev[2 * i + 1]) == cudaSuccess)
        s->prof[s->prof_op[i]].seconds += ms / 1e3;
    }
  s->prof_pending = 0;
}

gint64
fl_cuda_prof_begin (FlBackend *b)
{
  FlCudaState *s = fl_cuda_state (b);
  if (!s->profile)
    return 0;
  /* An op inside an op (a fill inside linear): timed as part of the outer one. */
  if (s->prof_depth++ > 0)
    return -1;
  if (s->profile_events)
    {
      if (!s->prof_ev)
        {
          s->prof_ev = g_new0 (cudaEvent_t, 2 * PROF_EVENTS);
          s->prof_op = g_new0 (int, PROF_EVENTS);
          for (int i = 0; i < 2 * PROF_EVENTS; i++)
            cudaEventCreate (&s->prof_ev[i]);
        }
      if (s->prof_pending == PROF_EVENTS)
        prof_harvest (s);
      cudaEventRecord (s->prof_ev[2 * s->prof_pending], s->stream);
      return 1;
    }
  cudaStreamSynchronize (s->stream);
  return g_get_monotonic_time ();
}

void
fl_cuda_prof_end (FlBackend *b, FlCudaOp op, gint64 t0, double flops)
{
  FlCudaState *s = fl_cuda_state (b);
  if (!s->profile || t0 == 0)
    return;
  s->prof_depth--;
  if (t0 < 0)
    return;
  s->prof[op].flops += flops;
  s->prof[op].calls++;
  if (s->profile_events)
    {
      cudaEventRecord (s->prof_ev[2 * s->prof_pending + 1], s->stream);
      s->prof_op[s->prof_pending++] = op;
      return;
    }
  cudaStreamSynchronize (s->stream);
  s->prof[op].seconds += (g_get_monotonic_time () - t0) / 1e6;
}

static void
prof_print (FlBackend *b)
{
  static const char *names[FL_CUDA_N_OPS] = {
    "upload", "download", "copy", "fill", "linear", "gemm_batched", "layer_norm",
    "elementwise", "layout", "attention", "attention+capture", "global_attention",
    "masked_mean", "alloc/free",
  };
  FlCudaState *s = fl_cuda_state (b);
  cudaStreamSynchronize (s->stream);
  prof_harvest (s);
  double wall = (g_get_monotonic_time () - s->t_created) / 1e6, sum = 0;
  for (int i = 0; i < FL_CUDA_N_OPS; i++)
    sum += s->prof[i].seconds;
  g_printerr ("CUDA op profile (%s; %.3f s since the backend was made, "
              "%.3f s in ops, %.3f s elsewhere):\n",
              s->profile_events ? "GPU time from events, not synchronised" : "synchronised per op",
              wall, sum, wall - sum);
  for (int i = 0; i < FL_CUDA_N_OPS; i++)
    {
      if (!s->prof[i].calls)
        continue;
      g_printerr ("  %-18s %8" G_GUINT64_FORMAT " calls %9.4f s %5.1f%%  %8.1f us/call",
                  names[i], s->prof[i].calls, s->prof[i].seconds,
                  100.0 * s->prof[i].seconds / MAX (wall, 1e-9),
                  1e6 * s->prof[i].seconds / s->prof[i].calls);
      if (s->prof[i].flops > 0)
        g_printerr ("  %.1f TFLOP/s", s->prof[i].flops / MAX (s->prof[i].seconds, 1e-9) / 1e12);
      g_printerr ("\n");
    }
}

void *
fl_cuda_scratch (FlBackend *b, size_t bytes)
{
  FlCudaState *s = fl_cuda_state (b);
  if (bytes <= s->scratch_bytes && s->scratch)
    return s->scratch;
  if (s->capturing)
    {
      fl_cuda_record_refuse (b, "scratch buffer had to grow");
      return NULL;
    }
  s->scratch_generation++;
  if (s->scratch)
    {
      /* Earlier kernels on the stream may still read the old buffer. */
      if (!FL_CUDA_CHECK (b, cudaStreamSynchronize (s->stream)))
        return NULL;
      FL_CUDA_CHECK (b, cudaFree (s->scratch));
      b->bytes_in_use -= s->scratch_bytes;
      s->scratch = NULL;
      s->scratch_bytes = 0;
    }
  void *p = NULL;
  cudaError_t st = cudaMalloc (&p, bytes);
  if (st != cudaSuccess)
    {
      cudaGetLastError ();
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "%s:%d: cudaMalloc of %zu bytes of attention scratch failed: %s",
                       __FILE__, __LINE__, bytes, cudaGetErrorString (st));
      return NULL;
    }
  s->scratch = p;
  s->scratch_bytes = bytes;
  b->bytes_in_use += bytes;
  b->bytes_peak = MAX (b->bytes_peak, b->bytes_in_use);
  return p;
}

/* ---- memory ---- */

static float *
cuda_alloc (FlBackend *b, size_t n)
{
  FlCudaState *s = fl_cuda_state (b);
  fl_cuda_use_device (b);
  if (s->capturing)
    {
      fl_cuda_record_refuse (b, "alloc");
      return NULL;
    }
  gint64 t0 = fl_cuda_prof_begin (b);
  size_t bytes = MAX (n, (size_t) 1) * sizeof (float);
  void *p = NULL;
  cudaError_t st = cudaMalloc (&p, bytes);
  if (st != cudaSuccess)
    {
      cudaGetLastError ();   /* clear the (non-sticky) error */
      size_t free_b = 0, total_b = 0;
      cudaMemGetInfo (&free_b, &total_b);
      fl_backend_fail (b, FL_BACKEND_ERROR_OUT_OF_MEMORY,
                       "%s:%d: cudaMalloc of %.1f MiB failed: %s "
                       "(%.1f MiB in use by Foldlight, %.1f MiB free on the device)",
                       __FILE__, __LINE__, bytes / 1048576.0, cudaGetErrorString (st),
                       b->bytes_in_use / 1048576.0, free_b / 1048576.0);
      fl_cuda_prof_end (b, FL_CUDA_OP_ALLOC, t0, 0);
      return NULL;
    }
  g_hash_table_insert (s->sizes, p, GSIZE_TO_POINTER (bytes));
  b->bytes_in_use += bytes;
  b->bytes_peak = MAX (b->bytes_peak, b->bytes_in_use);
  fl_cuda_prof_end (b, FL_CUDA_OP_ALLOC, t0, 0);
  return (float *) p;
}

static void
cuda_free (FlBackend *b, float *p)
{
  if (!p)
    return;
  FlCudaState *s = fl_cuda_state (b);
  fl_cuda_use_device (b);
  if (s->capturing)
    {
      fl_cuda_record_refuse (b, "free");
      if (!s->deferred_frees)
        s->deferred_frees = g_ptr_array_new ();
      g_ptr_array_add (s->deferred_frees, p);
      return;
    }
  gint64 t0 = fl_cuda_prof_begin (b);
  gpointer size = NULL;
  if (g_hash_table_steal_extended (s->sizes, p, NULL, &size))
    b->bytes_in_use -= GPOINTER_TO_SIZE (size);
  /* cudaFree waits for the device; report a failure but keep going. */
  cudaError_t st = cudaFree (p);
  if (st != cudaSuccess && b->error == NULL)
    FL_CUDA_CHECK (b, st);
  fl_cuda_prof_end (b, FL_CUDA_OP_ALLOC, t0, 0);
}

static void
cuda_upload (FlBackend *b, float *dst, const float *host_src, size_t n)
{
  if (n == 0)
    return;
  if (fl_cuda_state (b)->capturing)
    {
      fl_cuda_record_refuse (b, "upload");
      return;
    }
  cudaStream_t st = fl_cuda_stream (b);
  gint64 t0 = fl_cuda_prof_begin (b);
  /* Synchronous for the caller: the host buffer may be reused at once. */
  if (FL_CUDA_CHECK (b, cudaMemcpyAsync (dst, host_src, n * sizeof (float),
                                         cudaMemcpyHostToDevice, st)))
    FL_CUDA_CHECK (b, cudaStreamSynchronize (st));
  fl_cuda_prof_end (b, FL_CUDA_OP_UPLOAD, t0, 0);
}

static void
cuda_download (FlBackend *b, float *host_dst, const float *src, size_t n)
{
  if (n == 0)
    return;
  if (fl_cuda_state (b)->capturing)
    {
      fl_cuda_record_refuse (b, "download");
      return;
    }
  cudaStream_t st = fl_cuda_stream (b);
  gint64 t0 = fl_cuda_prof_begin (b);
  if (FL_CUDA_CHECK (b, cudaMemcpyAsync (host_dst, src, n * sizeof (float),
                                         cudaMemcpyDeviceToHost, st)))
    FL_CUDA_CHECK (b, cudaStreamSynchronize (st));
  fl_cuda_prof_end (b, FL_CUDA_OP_DOWNLOAD, t0, 0);
}

static void
cuda_copy (FlBackend *b, float *dst, const float *src, size_t n)
{
  if (n == 0 || dst == src)
    return;
  gint64 t0 = fl_cuda_prof_begin (b);
  FL_CUDA_CHECK (b, cudaMemcpyAsync (dst, src, n * sizeof (float),
                                     cudaMemcpyDeviceToDevice, fl_cuda_stream (b)));
  fl_cuda_prof_end (b, FL_CUDA_OP_COPY, t0, 0);
}

static void
cuda_synchronize (FlBackend *b)
{
  if (fl_cuda_state (b)->capturing)
    {
      fl_cuda_record_refuse (b, "synchronize");
      return;
    }
  FL_CUDA_CHECK (b, cudaStreamSynchronize (fl_cuda_stream (b)));
}

static size_t
cuda_memory_available (FlBackend *b)
{
  size_t free_b = 0, total_b = 0;
  fl_cuda_use_device (b);
  if (!FL_CUDA_CHECK (b, cudaMemGetInfo (&free_b, &total_b)))
    return 0;
  return free_b;
}

static void
cuda_destroy (FlBackend *b)
{
  FlCudaState *s = fl_cuda_state (b);
  if (s && s->profile)
    prof_print (b);
  if (s && s->prof_ev)
    {
      for (int i = 0; i < 2 * PROF_EVENTS; i++)
        cudaEventDestroy (s->prof_ev[i]);
      g_free (s->prof_ev);
      g_free (s->prof_op);
    }
  if (s)
    {
      cudaSetDevice (s->device);
      if (s->stream)
        cudaStreamSynchronize (s->stream);
      if (s->sizes)
        {
          GHashTableIter it;
          gpointer key;
          g_hash_table_iter_init (&it, s->sizes);
          while (g_hash_table_iter_next (&it, &key, NULL))
            cudaFree (key);
          g_hash_table_unref (s->sizes);
        }
      if (s->scratch)
        cudaFree (s->scratch);
      if (s->deferred_frees)
        g_ptr_array_unref (s->deferred_frees);
      fl_cuda_lt_plans_free (b);
      if (s->lt_workspace)
        cudaFree (s->lt_workspace);
      if (s->lt)
        cublasLtDestroy (s->lt);
      if (s->cublas)
        cublasDestroy (s->cublas);
      if (s->cublas_workspace)     /* after the handle that used it */
        cudaFree (s->cublas_workspace);
      if (s->stream)
        cudaStreamDestroy (s->stream);
      cudaGetLastError ();
      g_free (s);
    }
  g_free (b);
}

static const FlBackendOps cuda_ops = {
  /* .name */ "cuda",
  /* .destroy */ cuda_destroy,
  /* .alloc */ cuda_alloc,
  /* .free */ cuda_free,
  /* .upload */ cuda_upload,
  /* .download */ cuda_download,
  /* .copy */ cuda_copy,
  /* .fill */ fl_cuda_fill,
  /* .synchronize */ cuda_synchronize,
  /* .memory_available */ cuda_memory_available,
  /* .linear */ fl_cuda_linear,
  /* .linear_relu */ fl_cuda_linear_relu,
  /* .gemm_batched */ fl_cuda_gemm_batched,
  /* .layer_norm */ fl_cuda_layer_norm,
  /* .add */ fl_cuda_add,
  /* .mul */ fl_cuda_mul,
  /* .scale */ fl_cuda_scale,
  /* .relu */ fl_cuda_relu,
  /* .sigmoid_mul */ fl_cuda_sigmoid_mul,
  /* .mul_rows */ fl_cuda_mul_rows,
  /* .add_row_vector */ fl_cuda_add_row_vector,
  /* .add_sigmoid_mul */ fl_cuda_add_sigmoid_mul,
  /* .swap01 */ fl_cuda_swap01,
  /* .to_channel_first */ fl_cuda_to_channel_first,
  /* .from_channel_first */ fl_cuda_from_channel_first,
  /* .gate_to_channel_first */ fl_cuda_gate_to_channel_first,
  /* .attention */ fl_cuda_attention,
  /* .global_attention */ fl_cuda_global_attention,
  /* .masked_mean */ fl_cuda_masked_mean,
  /* .mul_broadcast_rows */ fl_cuda_mul_broadcast_rows,
  /* .softmax_expect */ fl_cuda_softmax_expect,
  /* The module ops are the composition of fl-backend-modules.c over the
   * CUDA ops above (no fused kernels yet; docs/gpu.md). */
  /* .gated_attention */ fl_module_gated_attention_composed,
  /* .transition */ fl_module_transition_composed,
  /* .triangle_multiplication */ fl_module_triangle_multiplication_composed,
  /* .outer_product_mean */ fl_module_outer_product_mean_composed,
  /* .record_begin */ fl_cuda_record_begin,
  /* .record_end */ fl_cuda_record_end,
  /* .replay */ fl_cuda_replay,
  /* .recording_free */ fl_cuda_recording_free,
};

/* ---- construction ---- */

gboolean
fl_backend_cuda_available (void)
{
  int n = 0;
  cudaError_t st = cudaGetDeviceCount (&n);
  if (st != cudaSuccess)
    {
      cudaGetLastError ();
      return FALSE;
    }
  return n > 0;
}

static gboolean
set_error_cuda (GError **error, int code, cudaError_t st, const char *call, int line)
{
  g_set_error (error, FL_BACKEND_ERROR, code, "%s:%d: %s failed: %s (%s)", __FILE__, line,
               call, cudaGetErrorString (st), cudaGetErrorName (st));
  cudaGetLastError ();
  return FALSE;
}

FlBackend *
fl_backend_cuda_new (int device, FlPrecision precision, GError **error)
{
  int n = 0;
  cudaError_t st = cudaGetDeviceCount (&n);
  if (st != cudaSuccess || n == 0)
    {
      cudaGetLastError ();
      g_set_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_NO_DEVICE,
                   "No CUDA device is available (%s); use the CPU backend.",
                   st != cudaSuccess ? cudaGetErrorString (st) : "0 devices");
      return NULL;
    }
  if (device < 0 || device >= n)
    {
      g_set_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_NO_DEVICE,
                   "CUDA device %d does not exist (this machine has %d: 0..%d).",
                   device, n, n - 1);
      return NULL;
    }

  FlCudaState *s = g_new0 (FlCudaState, 1);
  FlBackend *b = g_new0 (FlBackend, 1);
  b->ops = &cuda_ops;
  b->impl = s;
  b->precision = precision;
  b->n_threads = 1;
  s->device = device;
  s->sizes = g_hash_table_new (g_direct_hash, g_direct_equal);

  size_t free_b = 0, total_b = 0;
  cublasStatus_t cs;
  if ((st = cudaSetDevice (device)) != cudaSuccess)
    {
      set_error_cuda (error, FL_BACKEND_ERROR_NO_DEVICE, st, "cudaSetDevice", __LINE__);
      goto fail;
    }
  if ((st = cudaGetDeviceProperties (&s->prop, device)) != cudaSuccess)
    {
      set_error_cuda (error, FL_BACKEND_ERROR_CUDA, st, "cudaGetDeviceProperties", __LINE__);
      goto fail;
    }
  if ((st = cudaStreamCreateWithFlags (&s->stream, cudaStreamNonBlocking)) != cudaSuccess)
    {
      set_error_cuda (error, FL_BACKEND_ERROR_CUDA, st, "cudaStreamCreateWithFlags", __LINE__);
      goto fail;
    }
  if ((cs = cublasCreate (&s->cublas)) != CUBLAS_STATUS_SUCCESS
      || (cs = cublasSetStream (s->cublas, s->stream)) != CUBLAS_STATUS_SUCCESS
      /* fp32 mode: no TF32 (CUBLAS_DEFAULT_MATH); faster modes choose the
       * compute type per call (fl-cuda-gemm.cu). */
      || (cs = cublasSetMathMode (s->cublas, CUBLAS_DEFAULT_MATH)) != CUBLAS_STATUS_SUCCESS)
    {
      g_set_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_CUDA,
                   "%s:%d: creating the cuBLAS handle failed: %s (%d)", __FILE__, __LINE__,
                   fl_cublas_status_name (cs), (int) cs);
      goto fail;
    }
  if ((cs = cublasLtCreate (&s->lt)) != CUBLAS_STATUS_SUCCESS)
    {
      g_set_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_CUDA,
                   "%s:%d: cublasLtCreate failed: %s (%d)", __FILE__, __LINE__,
                   fl_cublas_status_name (cs), (int) cs);
      goto fail;
    }
  s->use_lt = g_strcmp0 (g_getenv ("FL_CUDA_NO_LT"), "1") != 0;
  s->use_mma_attention = g_strcmp0 (g_getenv ("FL_CUDA_NO_MMA"), "1") != 0;
  s->use_graphs = g_strcmp0 (g_getenv ("FL_CUDA_NO_GRAPH"), "1") != 0;
  s->lt_workspace_bytes = (size_t) 32 << 20;
  if ((st = cudaMalloc (&s->lt_workspace, s->lt_workspace_bytes)) != cudaSuccess)
    {
      set_error_cuda (error, FL_BACKEND_ERROR_OUT_OF_MEMORY, st, "cudaMalloc (cuBLASLt workspace)",
                      __LINE__);
      goto fail;
    }
  /* cuBLAS's own workspace, fixed: it must not allocate while recording. */
  if ((st = cudaMalloc (&s->cublas_workspace, s->lt_workspace_bytes)) != cudaSuccess)
    {
      set_error_cuda (error, FL_BACKEND_ERROR_OUT_OF_MEMORY, st, "cudaMalloc (cuBLAS workspace)",
                      __LINE__);
      goto fail;
    }
  if ((cs = cublasSetWorkspace (s->cublas, s->cublas_workspace, s->lt_workspace_bytes))
      != CUBLAS_STATUS_SUCCESS)
    {
      g_set_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_CUDA,
                   "%s:%d: cublasSetWorkspace failed: %s (%d)", __FILE__, __LINE__,
                   fl_cublas_status_name (cs), (int) cs);
      goto fail;
    }
  switch (precision)
    {
    case FL_PRECISION_TF32: s->compute = CUBLAS_COMPUTE_32F_FAST_TF32; break;
    case FL_PRECISION_BF16: s->compute = CUBLAS_COMPUTE_32F; break;   /* on bf16 copies (fl-cuda-gemm.cu) */
    case FL_PRECISION_FP32:
    default: s->compute = CUBLAS_COMPUTE_32F; break;   /* exact fp32 */
    }
  if ((st = cudaMemGetInfo (&free_b, &total_b)) != cudaSuccess)
    {
      set_error_cuda (error, FL_BACKEND_ERROR_CUDA, st, "cudaMemGetInfo", __LINE__);
      goto fail;
    }
  g_snprintf (b->description, sizeof b->description, "%s, %.1f GiB free, %s",
              s->prop.name, free_b / 1073741824.0, fl_precision_name (precision));
  s->profile = g_strcmp0 (g_getenv ("FL_CUDA_PROFILE"), "1") == 0
               || g_strcmp0 (g_getenv ("FL_CUDA_PROFILE"), "events") == 0;
  s->profile_events = g_strcmp0 (g_getenv ("FL_CUDA_PROFILE"), "events") == 0;
  s->t_created = g_get_monotonic_time ();
  return b;

fail:
  cuda_destroy (b);
  return NULL;
}
