/* FlBackend: the small table of operations the forward pass is written in.
 *
 * The CPU backend (fl-backend-cpu.c) is the readable specification; the CUDA
 * backend (model/cuda/) implements the same table and is checked against it
 * op by op on fresh random inputs. The forward pass never dereferences a
 * buffer pointer itself: buffers live in backend memory (host memory for the
 * CPU, device memory for CUDA) and move only through upload / download.
 *
 * Conventions: float32, row-major, contiguous; shapes are in the comments.
 * Ops return nothing: the first failure is kept in backend->error (sticky)
 * and later ops become no-ops; fl_backend_check() turns it into a GError.
 * The forward pass checks between blocks. Adding an op means adding it to
 * both backends and to tests/test-backend-ops.c. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include <stddef.h>

G_BEGIN_DECLS

typedef struct _FlBackend FlBackend;
typedef struct _FlBackendOps FlBackendOps;

typedef enum {
  FL_BACKEND_KIND_AUTO,
  FL_BACKEND_KIND_CPU,
  FL_BACKEND_KIND_CUDA,
} FlBackendKind;

typedef enum {
  FL_PRECISION_FP32,   /* exact fp32 (TF32 off) */
  FL_PRECISION_TF32,   /* tensor cores with TF32 inputs, fp32 accumulate */
  FL_PRECISION_BF16,   /* bf16 storage / tensor cores, fp32 accumulate, fp32 norms & softmax */
} FlPrecision;

/* Weights of the module ops (backend pointers; shapes in the comments). */
typedef struct {
  const float *query_w, *key_w, *value_w;   /* (c, H, D) each */
  const float *gating_w, *gating_b;         /* (c, H, D), (H, D) */
  const float *output_w, *output_b;         /* (H, D, c), (c) */
} FlAttentionWeights;

typedef struct {
  const float *norm_scale, *norm_offset;    /* (c) */
  const float *w1, *b1;                     /* (c, hidden), (hidden) */
  const float *w2, *b2;                     /* (hidden, c), (c) */
} FlTransitionWeights;

typedef struct {
  const float *norm_in_scale, *norm_in_offset;           /* (c_z) */
  const float *left_w, *left_b, *left_gate_w, *left_gate_b;       /* (c_z, mc), (mc) */
  const float *right_w, *right_b, *right_gate_w, *right_gate_b;   /* (c_z, mc), (mc) */
  const float *norm_center_scale, *norm_center_offset;   /* (mc) */
  const float *output_w, *output_b;                      /* (mc, c_z), (c_z) */
  const float *gating_w, *gating_b;                      /* (c_z, c_z), (c_z) */
} FlTriangleMulWeights;

typedef struct {
  const float *norm_scale, *norm_offset;                 /* (c_m) */
  const float *left_w, *left_b, *right_w, *right_b;      /* (c_m, oc), (oc) */
  const float *output_w, *output_b;                      /* (oc, oc, c_z), (c_z) */
} FlOuterProductWeights;

struct _FlBackend {
  const FlBackendOps *ops;
  GError *error;            /* first failure (sticky); NULL while all is well */
  FlPrecision precision;
  int n_threads;            /* CPU threads used */
  char description[160];    /* "CPU, 2 threads (OpenBLAS)" / "NVIDIA H100 80GB HBM3, 79.1 GiB" */
  gsize bytes_in_use, bytes_peak;
  void *impl;               /* backend private state */
};

struct _FlBackendOps {
  const char *name;         /* "cpu", "cuda" */
  void (*destroy) (FlBackend *b);

  /* ---- memory ---- */
  float *(*alloc) (FlBackend *b, size_t n);                 /* n floats; NULL + error on failure */
  void (*free) (FlBackend *b, float *p);
  void (*upload) (FlBackend *b, float *dst, const float *host_src, size_t n);
  void (*download) (FlBackend *b, float *host_dst, const float *src, size_t n); /* synchronous */
  void (*copy) (FlBackend *b, float *dst, const float *src, size_t n);
  void (*fill) (FlBackend *b, float *dst, float value, size_t n);
  void (*synchronize) (FlBackend *b);
  /* Free device memory in bytes (for the memory plan); CPU: physical RAM available. */
  size_t (*memory_available) (FlBackend *b);

  /* ---- dense algebra ---- */
  /* y (M,N) = x (M,K) @ w (K,N) + bias (N) [bias may be NULL];
   * accumulate: y += (x @ w + bias) instead of y = ... */
  void (*linear) (FlBackend *b, const float *x, const float *w, const float *bias,
                  float *y, int64_t M, int64_t K, int64_t N, gboolean accumulate);
  /* y (M,N) = max(x (M,K) @ w (K,N) + bias (N), 0) [bias may be NULL]:
   * linear followed by relu, in one pass where the backend can. */
  void (*linear_relu) (FlBackend *b, const float *x, const float *w, const float *bias,
                       float *y, int64_t M, int64_t K, int64_t N);
  /* Strided batched GEMM, row-major: for p in 0..batch-1
   * C_p (M,N) = alpha * op(A_p) @ op(B_p) + beta * C_p, where op(A_p) is (M,K)
   * (A_p stored (K,M) when trans_a), op(B_p) is (K,N) (stored (N,K) when trans_b);
   * lda/ldb/ldc are row strides, stride_* the distance between batch items. */
  void (*gemm_batched) (FlBackend *b, gboolean trans_a, gboolean trans_b,
                        int64_t M, int64_t N, int64_t K, float alpha,
                        const float *A, int64_t lda, int64_t stride_a,
                        const float *B, int64_t ldb, int64_t stride_b, float beta,
                        float *C, int64_t ldc, int64_t stride_c, int64_t batch);

  /* ---- normalisation and elementwise ---- */
  /* y (M,C) = LayerNorm(x) * scale + offset; eps 1e-5, two-pass variance. y may equal x. */
  void (*layer_norm) (FlBackend *b, const float *x, const float *scale, const float *offset,
                      float *y, int64_t M, int64_t C);
  void (*add) (FlBackend *b, float *y, const float *x, size_t n);          /* y += x */
  void (*mul) (FlBackend *b, float *y, const float *x, size_t n);          /* y *= x */
  void (*scale) (FlBackend *b, float *y, float alpha, size_t n);           /* y *= alpha */
  void (*relu) (FlBackend *b, float *y, size_t n);                         /* y = max(y,0) */
  void (*sigmoid_mul) (FlBackend *b, float *y, const float *gate, size_t n); /* y *= sigmoid(gate) */
  /* y (M,C) *= m (M) per row (masking) */
  void (*mul_rows) (FlBackend *b, float *y, const float *m, int64_t M, int64_t C);
  /* y (M,C) += x (C) on every row */
  void (*add_row_vector) (FlBackend *b, float *y, const float *x, int64_t M, int64_t C);

  /* y += x * sigmoid(gate), elementwise (a gated residual update). */
  void (*add_sigmoid_mul) (FlBackend *b, float *y, const float *x, const float *gate, size_t n);

  /* ---- layout ---- */
  /* y (B,A,C) = x (A,B,C) with the first two axes swapped (C contiguous). */
  void (*swap01) (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C);
  /* y (C,A,B) = x (A,B,C) and back: channel-first for triangle multiplication. */
  void (*to_channel_first) (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C);
  void (*from_channel_first) (FlBackend *b, const float *x, float *y, int64_t A, int64_t B, int64_t C);
  /* y (C,A,B) = x (A,B,C) * sigmoid(gate (A,B,C)) * mask (A,B) [mask may be NULL]:
   * a gated, masked projection moved to channel-first in one pass
   * (triangle multiplication), the products in that order. */
  void (*gate_to_channel_first) (FlBackend *b, const float *x, const float *gate,
                                 const float *mask, float *y, int64_t A, int64_t B, int64_t C);

  /* ---- attention ---- */
  /* The core of AlphaFold's Attention, one call for all batch rows:
   *   logits[b,h,i,j] = (q[b,i,h,:] . k[b,j,h,:]) * D^-0.5
   *                     + (key_mask ? (key_mask[b,j] > 0 ? 0 : -1e9) : 0)
   *                     + (bias ? bias[h,i,j] : 0)
   *   out[b,i,h,:] = softmax_j(logits) @ v[b,j,h,:]
   *                  [* sigmoid(gate[b,i,h,:]) when gate is not NULL: the gating,
   *                   in the kernel's last step instead of a pass of its own]
   * q (B,Lq,H,D), k,v (B,Lk,H,D), gate (B,Lq,H,D) or NULL, key_mask (B,Lk) or NULL, bias (H,Lq,Lk) or
   * NULL (shared by every b), out (B,Lq,H,D). AlphaFold adds the mask as
   * 1e9*(mask-1), which equals the above for 0/1 masks. Must not materialise
   * B*H*Lq*Lk logits on a GPU (online softmax over key tiles).
   * probs_mean: if not NULL, also writes mean_b softmax (H,Lq,Lk) (attention capture). */
  void (*attention) (FlBackend *b, const float *q, const float *k, const float *v,
                     const float *key_mask, const float *bias, const float *gate, float *out,
                     int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                     float *probs_mean);
  /* AlphaFold's GlobalAttention core (extra-MSA column attention) for N
   * columns of S rows: q (N,H,D) already scaled by D^-0.5, k,v (N,S,D),
   * mask (N,S); out (N,H,D) = softmax_s(q.k + 1e9*(mask-1)) @ v. */
  void (*global_attention) (FlBackend *b, const float *q, const float *k, const float *v,
                            const float *mask, float *out,
                            int64_t N, int64_t S, int64_t H, int64_t D);
  /* y (N,C) = sum_s(mask[n,s] * x[n,s,:]) / (sum_s mask[n,s] + eps): masked mean over S. */
  void (*masked_mean) (FlBackend *b, const float *x, const float *mask, float *y,
                       int64_t N, int64_t S, int64_t C, float eps);
  /* y (N,S,C): y[n,s,:] *= x[n,:] (broadcast over S). */
  void (*mul_broadcast_rows) (FlBackend *b, float *y, const float *x,
                              int64_t N, int64_t S, int64_t C);

  /* y (M,E) = softmax(x (M,bins)) @ table (bins,E): the expectation of E
   * per-bin values under each row's binned distribution (confidence heads:
   * expected aligned error, TM-score terms, contact probability, distance;
   * an identity table gives the probabilities themselves). Softmax and sums
   * in at least fp32 with the row maximum subtracted. */
  void (*softmax_expect) (FlBackend *b, const float *x, const float *table, float *y,
                          int64_t M, int64_t bins, int64_t E);

  /* ---- modules: one AlphaFold module per call ----
   * Each module op reads its weights from a struct of backend pointers,
   * updates its activation in place and takes its temporaries from
   * `scratch` (backend memory, scratch_n floats; the sizes each needs are
   * given by the fl_module_*_scratch functions of fl-backend-modules.h and
   * are the same on every backend). Too little scratch is an error
   * (FL_BACKEND_ERROR_OUT_OF_MEMORY, naming the module), not a crash.
   * fl-backend-modules.c composes each module from the ops above: that
   * composition is the specification, the CPU reference table's
   * implementation, and the fast CPU table's and the CUDA backend's where
   * they have no fused version. */

  /* AlphaFold's gated Attention with its output projection over B
   * independent items, chunked over B to fit the scratch:
   *   y (B,Lq,c_out) (+)= Linear_out(sigmoid(x W_g + b_g) * attention(q,k,v))
   * with q, k, v = x W_q, x W_k, x W_v; x (B,Lq,c) already layer-normed;
   * key_mask (B,Lq) or NULL; bias (H,Lq,Lq) or NULL; accumulate: y += ...;
   * probs_mean (H,Lq,Lq) or NULL: the mean over the B items of the softmax
   * weights. c_out = c (AlphaFold's output width here). */
  void (*gated_attention) (FlBackend *b, const FlAttentionWeights *w, const float *x,
                           int64_t B, int64_t Lq, int64_t c, int64_t H, int64_t D,
                           const float *key_mask, const float *bias,
                           float *y, gboolean accumulate, float *probs_mean,
                           float *scratch, size_t scratch_n);
  /* act (M,c) += Linear2(relu(Linear1(LayerNorm(act)))), chunked over rows. */
  void (*transition) (FlBackend *b, const FlTransitionWeights *w, float *act,
                      int64_t M, int64_t c, int64_t hidden, float *scratch, size_t scratch_n);
  /* pair (L,L,c_z) += sigmoid(gate) * Linear_out(LayerNorm_center(a)),
   * gate = Linear_g(LayerNorm_in(pair)), with
   *   outgoing: a[i,j,:] = sum_k left[i,k,:] right[j,k,:]
   *   incoming: a[i,j,:] = sum_k left[k,j,:] right[k,i,:]
   * left/right (L,L,mc) = pair_mask * Linear(LayerNorm_in(pair)) * sigmoid(Linear_gate(...)).
   * pair_mask (L,L). */
  void (*triangle_multiplication) (FlBackend *b, const FlTriangleMulWeights *w,
                                   gboolean outgoing, float *pair, const float *pair_mask,
                                   int64_t L, int64_t c_z, int64_t mc,
                                   float *scratch, size_t scratch_n);
  /* pair (L,L,c_z) += (sum_s sum_{c,e} l[s,i,c] r[s,j,e] W[c,e,:] + b) * inv_norm[i,j]
   * with l, r (S,L,oc) = msa_mask * Linear(LayerNorm(msa)); msa (S,L,c_m),
   * msa_mask (S,L), inv_norm (L,L) = 1 / (1e-3 + sum_s m_si m_sj). Chunked
   * over rows i to fit the scratch. */
  void (*outer_product_mean) (FlBackend *b, const FlOuterProductWeights *w, const float *msa,
                              const float *msa_mask, const float *inv_norm, float *pair,
                              int64_t S, int64_t L, int64_t c_m, int64_t oc, int64_t c_z,
                              float *scratch, size_t scratch_n);

  /* ---- recording (optional: NULL on backends without it, e.g. the CPU) ----
   * Ops issued between record_begin (TRUE when recording started) and
   * record_end are recorded, not run. record_end returns a recording that
   * replay runs again with the same buffers and sizes, with no host work per
   * op; or NULL when these ops cannot be recorded (an op needed the host,
   * memory or a download): then nothing ran, no error is set, and the caller
   * issues the ops directly. replay returns FALSE, running nothing, when the
   * recording no longer applies (the backend's own scratch moved); the caller
   * then frees it and issues the ops again. */
  gboolean (*record_begin) (FlBackend *b);
  gpointer (*record_end) (FlBackend *b);
  gboolean (*replay) (FlBackend *b, gpointer recording);
  void (*recording_free) (FlBackend *b, gpointer recording);
};

/* Create a backend. CUDA: device index `device`; NO_DEVICE error when none. */
FlBackend *fl_backend_new (FlBackendKind kind, int device, FlPrecision precision,
                           int n_threads, GError **error);
void fl_backend_free (FlBackend *b);
/* Move a pending op failure into error (and clear it). */
gboolean fl_backend_check (FlBackend *b, GError **error);
/* Record a failure from inside an op (keeps the first one). */
void fl_backend_fail (FlBackend *b, int code, const char *format, ...) G_GNUC_PRINTF (3, 4);
gboolean fl_backend_cuda_available (void);   /* built with CUDA and a device present */
const char *fl_precision_name (FlPrecision p);
gboolean fl_precision_from_name (const char *name, FlPrecision *p);

/* Convenience wrappers: b->ops->X (b, ...) unless b->error is set. */
#define FL_OP(b, op, ...) \
  G_STMT_START { if ((b)->error == NULL) (b)->ops->op ((b), __VA_ARGS__); } G_STMT_END

/* Call first thing in main() (before any OpenMP code runs): unless
 * OMP_WAIT_POLICY is set, sets it to passive and runs the program again
 * (argv as main got it), so that idle OpenMP threads sleep instead of
 * spinning on the cores the work needs (fl-cpu-threads.c says why).
 * Returns only when nothing was to be done or the exec failed. */
void fl_cpu_threads_prepare (char **argv);

/* CPU backend constructor (always built) and CUDA one (FL_HAVE_CUDA only). */
FlBackend *fl_backend_cpu_new (int n_threads, GError **error);
FlBackend *fl_backend_cuda_new (int device, FlPrecision precision, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlBackend, fl_backend_free)

G_END_DECLS
