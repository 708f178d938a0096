/* The CUDA backend against the CPU backend (the specification), op by op, on
 * fresh random inputs at several shapes including odd ones (1, 7, 33, odd
 * MSA depths). Output buffers are poisoned with NaN before each op (unless
 * the op reads them) and carry guard values past their end on both backends.
 * Skips cleanly, with a message, when no CUDA device is present. */
#include <glib.h>
#include <math.h>
#include <string.h>
#include "fl-backend.h"
#include "fl-backend-modules.h"
#include "fl-error.h"
#include "fl-test-util.h"
#include "engine-golden.h"
#include "fl-engine-private.h"

#define GUARD 16
#define GUARD_VALUE 12345.678f

static FlBackend *cpu;
static FlBackend *gpu;           /* fp32; NULL without a device */
static guint64 seed_counter = 1000;

static gboolean
require_gpu (void)
{
  if (gpu)
    return TRUE;
  fl_test_skip_no_device ("no CUDA device (or built without CUDA): GPU op tests skipped");
  return FALSE;
}

/* The same n values on both backends, with guards after the end. */
typedef struct {
  float *c, *g;
  int64_t n;
  FlBackend *gb;
} Pair;

static Pair
pair_from_host (FlBackend *gb, const float *host, int64_t n)
{
  Pair p = { NULL, NULL, n, gb };
  p.c = cpu->ops->alloc (cpu, (size_t) n + GUARD);
  p.g = gb->ops->alloc (gb, (size_t) n + GUARD);
  g_assert_nonnull (p.c);
  g_assert_nonnull (p.g);
  g_autofree float *tmp = g_new (float, n + GUARD);
  memcpy (tmp, host, n * sizeof (float));
  for (int i = 0; i < GUARD; i++)
    tmp[n + i] = GUARD_VALUE;
  memcpy (p.c, tmp, (n + GUARD) * sizeof (float));
  gb->ops->upload (gb, p.g, tmp, (size_t) n + GUARD);
  g_assert_no_error (gb->error);
  return p;
}

static Pair
pair_random (FlBackend *gb, int64_t n)
{
  g_autofree float *h = g_new (float, MAX (n, 1));
  fl_test_fill_random (h, n, seed_counter++);
  return pair_from_host (gb, h, n);
}

/* An output buffer poisoned with NaN. */
static Pair
pair_poison (FlBackend *gb, int64_t n)
{
  g_autofree float *h = g_new (float, MAX (n, 1));
  for (int64_t i = 0; i < n; i++)
    h[i] = NAN;
  return pair_from_host (gb, h, n);
}

/* A 0/1 mask with about a quarter zeros. */
static Pair
pair_mask (FlBackend *gb, int64_t n)
{
  g_autofree float *h = g_new (float, MAX (n, 1));
  fl_test_fill_random (h, n, seed_counter++);
  for (int64_t i = 0; i < n; i++)
    h[i] = h[i] > -0.67f ? 1.0f : 0.0f;
  return pair_from_host (gb, h, n);
}

static void
pair_free (Pair *p)
{
  cpu->ops->free (cpu, p->c);
  p->gb->ops->free (p->gb, p->g);
}

/* Download the GPU side, compare with the CPU side (relative to max|cpu|) and
 * check both sets of guards. */
static void
pair_check (const char *label, Pair *p, double tol)
{
  FlBackend *gb = p->gb;
  g_autofree float *h = g_new (float, p->n + GUARD);
  gb->ops->download (gb, h, p->g, (size_t) p->n + GUARD);
  g_assert_no_error (gb->error);
  g_assert_no_error (cpu->error);
  for (int i = 0; i < GUARD; i++)
    {
      g_assert_cmpfloat (h[p->n + i], ==, GUARD_VALUE);
      g_assert_cmpfloat (p->c[p->n + i], ==, GUARD_VALUE);
    }
  for (int64_t i = 0; i < p->n; i++)
    if (isnan (h[i]) && !isnan (p->c[i]))
      g_error ("%s: element %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " not written (NaN)",
               label, i, p->n);
  fl_test_assert_close (label, h, p->c, p->n, tol);
}

static const int64_t odd[] = { 1, 7, 33 };

/* ---------------------------------------------------------------- tests */

static void
test_available (void)
{
  /* Must answer without crashing, with or without a device. */
  gboolean avail = fl_backend_cuda_available ();
  g_autoptr (GError) error = NULL;
  FlBackend *b = fl_backend_cuda_new (0, FL_PRECISION_FP32, &error);
  if (avail)
    {
      g_assert_no_error (error);
      g_assert_nonnull (b);
      g_assert_cmpstr (b->ops->name, ==, "cuda");
      g_test_message ("CUDA backend: %s", b->description);
      g_assert_nonnull (strstr (b->description, "GiB free"));
      g_assert_nonnull (strstr (b->description, "fp32"));   /* the precision is part of it */
      fl_backend_free (b);
      /* A device index that does not exist is a clear error. */
      g_autoptr (GError) e2 = NULL;
      g_assert_null (fl_backend_cuda_new (999, FL_PRECISION_FP32, &e2));
      g_assert_error (e2, FL_BACKEND_ERROR, FL_BACKEND_ERROR_NO_DEVICE);
    }
  else
    {
      g_assert_null (b);
      g_assert_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_NO_DEVICE);
      g_test_message ("no CUDA device: %s", error->message);
    }
}

static void
test_memory (void)
{
  if (!require_gpu ())
    return;
  /* upload / copy / fill / download round trip, with guards. */
  for (guint s = 0; s < 3; s++)
    {
      int64_t n = odd[s] * 129;
      Pair a = pair_random (gpu, n), b = pair_poison (gpu, n);
      FL_OP (cpu, copy, b.c, a.c, (size_t) n);
      FL_OP (gpu, copy, b.g, a.g, (size_t) n);
      pair_check ("copy", &b, 0.0);
      FL_OP (cpu, fill, b.c, 0.25f * s - 1.0f, (size_t) n);
      FL_OP (gpu, fill, b.g, 0.25f * s - 1.0f, (size_t) n);
      pair_check ("fill", &b, 0.0);
      pair_free (&a);
      pair_free (&b);
    }
  gsize before = gpu->bytes_in_use;
  float *p = gpu->ops->alloc (gpu, 1000);
  g_assert_nonnull (p);
  g_assert_cmpuint (gpu->bytes_in_use, >=, before + 4000);
  g_assert_cmpuint (gpu->bytes_peak, >=, gpu->bytes_in_use);
  gpu->ops->free (gpu, p);
  g_assert_cmpuint (gpu->bytes_in_use, ==, before);
  g_assert_cmpuint (gpu->ops->memory_available (gpu), >, 1 << 20);

  /* A request far beyond the device is OUT_OF_MEMORY, and the backend goes on. */
  float *huge = gpu->ops->alloc (gpu, (size_t) 1 << 42);
  g_assert_null (huge);
  g_autoptr (GError) error = NULL;
  g_assert_false (fl_backend_check (gpu, &error));
  g_assert_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_OUT_OF_MEMORY);
  g_test_message ("huge alloc: %s", error->message);
  g_assert_nonnull (strstr (error->message, ".cu:"));   /* names the call site */
  Pair a = pair_random (gpu, 77);
  FL_OP (cpu, scale, a.c, 2.0f, 77);
  FL_OP (gpu, scale, a.g, 2.0f, 77);
  pair_check ("scale after OOM", &a, 0.0);
  pair_free (&a);
}

static void
check_linear (FlBackend *gb, const char *label, double tol)
{
  for (guint a = 0; a < 3; a++)
    for (guint c = 0; c < 3; c++)
      for (guint d = 0; d < 3; d++)
        for (int acc = 0; acc < 2; acc++)
          for (int with_bias = 0; with_bias < 2; with_bias++)
            {
              int64_t M = odd[a] * 5, K = odd[c] * 3 + 2, N = odd[d] * 4 + 1;
              Pair x = pair_random (gb, M * K), w = pair_random (gb, K * N);
              Pair bias = pair_random (gb, N);
              Pair y = acc ? pair_random (gb, M * N) : pair_poison (gb, M * N);
              FL_OP (cpu, linear, x.c, w.c, with_bias ? bias.c : NULL, y.c, M, K, N, acc);
              FL_OP (gb, linear, x.g, w.g, with_bias ? bias.g : NULL, y.g, M, K, N, acc);
              pair_check (label, &y, tol);
              pair_free (&x); pair_free (&w); pair_free (&bias); pair_free (&y);
            }
  /* Operands at 4- and 8-byte offsets (views into the weight buffer and the
   * trunk's scratch arena are not 16-byte aligned in general). */
  for (int off = 1; off <= 2; off++)
    for (int acc = 0; acc < 2; acc++)
      {
        int64_t M = 37, K = 64, N = 128;
        Pair x = pair_random (gb, M * K + off), w = pair_random (gb, K * N + off);
        Pair bias = pair_random (gb, N + off), y = pair_random (gb, M * N + off);
        FL_OP (cpu, linear, x.c + off, w.c + off, bias.c + off, y.c + off, M, K, N, acc);
        FL_OP (gb, linear, x.g + off, w.g + off, bias.g + off, y.g + off, M, K, N, acc);
        pair_check (label, &y, tol);
        pair_free (&x); pair_free (&w); pair_free (&bias); pair_free (&y);
      }
  /* linear_relu (bias and relu in the GEMM epilogue), with and without a bias. */
  for (guint a = 0; a < 3; a++)
    for (int with_bias = 0; with_bias < 2; with_bias++)
      {
        int64_t M = odd[a] * 5 + 64, K = odd[(a + 1) % 3] * 3 + 2, N = odd[(a + 2) % 3] * 4 + 64;
        Pair x = pair_random (gb, M * K), w = pair_random (gb, K * N), bias = pair_random (gb, N);
        Pair y = pair_poison (gb, M * N);
        FL_OP (cpu, linear_relu, x.c, w.c, with_bias ? bias.c : NULL, y.c, M, K, N);
        FL_OP (gb, linear_relu, x.g, w.g, with_bias ? bias.g : NULL, y.g, M, K, N);
        g_autofree char *l2 = g_strconcat (label, " linear_relu", NULL);
        pair_check (l2, &y, tol);
        pair_free (&x); pair_free (&w); pair_free (&bias); pair_free (&y);
      }
  /* One product of model size. */
  int64_t M = 2048, K = 256, N = 384;
  Pair x = pair_random (gb, M * K), w = pair_random (gb, K * N), bias = pair_random (gb, N);
  Pair y = pair_poison (gb, M * N);
  FL_OP (cpu, linear, x.c, w.c, bias.c, y.c, M, K, N, FALSE);
  FL_OP (gb, linear, x.g, w.g, bias.g, y.g, M, K, N, FALSE);
  pair_check (label, &y, tol);
  FL_OP (cpu, linear_relu, x.c, w.c, bias.c, y.c, M, K, N);
  FL_OP (gb, linear_relu, x.g, w.g, bias.g, y.g, M, K, N);
  pair_check (label, &y, tol);
  pair_free (&x); pair_free (&w); pair_free (&bias); pair_free (&y);
}

static void
test_linear (void)
{
  if (!require_gpu ())
    return;
  check_linear (gpu, "linear fp32", 1e-5);
}

/* The faster precision modes: error of one product against exact fp32. */
static void
test_linear_precisions (void)
{
  if (!require_gpu ())
    return;
  static const struct { FlPrecision p; double tol; } modes[] = {
    { FL_PRECISION_TF32, 4e-3 },   /* 10-bit mantissa inputs */
    { FL_PRECISION_BF16, 3e-2 },   /* 7-bit mantissa inputs, fp32 accumulation */
  };
  for (guint i = 0; i < G_N_ELEMENTS (modes); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (FlBackend) gb = fl_backend_cuda_new (0, modes[i].p, &error);
      g_assert_no_error (error);
      g_autofree char *label = g_strdup_printf ("linear %s", fl_precision_name (modes[i].p));
      check_linear (gb, label, modes[i].tol);
    }
}

static void
test_gemm_batched (void)
{
  if (!require_gpu ())
    return;
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      for (guint s = 0; s < 3; s++)
        for (int64_t batch = 1; batch <= 3; batch += 2)
          {
            int64_t M = odd[s], N = odd[(s + 1) % 3], K = odd[(s + 2) % 3] + 1;
            int64_t lda = (ta ? M : K) + 2, ldb = (tb ? K : N) + 1, ldc = N + 3;
            int64_t sa = (ta ? K : M) * lda + 5, sb = (tb ? N : K) * ldb + 1, sc = M * ldc + 2;
            float alpha = 0.7f, beta = s == 0 ? 0.0f : 0.3f;
            Pair A = pair_random (gpu, sa * batch), B = pair_random (gpu, sb * batch);
            Pair C = pair_random (gpu, sc * batch);
            FL_OP (cpu, gemm_batched, ta, tb, M, N, K, alpha, A.c, lda, sa, B.c, ldb, sb,
                   beta, C.c, ldc, sc, batch);
            FL_OP (gpu, gemm_batched, ta, tb, M, N, K, alpha, A.g, lda, sa, B.g, ldb, sb,
                   beta, C.g, ldc, sc, batch);
            pair_check ("gemm_batched", &C, 1e-5);
            pair_free (&A); pair_free (&B); pair_free (&C);
          }
  /* Triangle-multiplication shape: (C, L, L) batched, A @ B^T. */
  int64_t L = 65, Cc = 17;
  Pair A = pair_random (gpu, Cc * L * L), B = pair_random (gpu, Cc * L * L);
  Pair C = pair_poison (gpu, Cc * L * L);
  FL_OP (cpu, gemm_batched, FALSE, TRUE, L, L, L, 1.0f, A.c, L, L * L, B.c, L, L * L, 0.0f,
         C.c, L, L * L, Cc);
  FL_OP (gpu, gemm_batched, FALSE, TRUE, L, L, L, 1.0f, A.g, L, L * L, B.g, L, L * L, 0.0f,
         C.g, L, L * L, Cc);
  pair_check ("gemm_batched triangle", &C, 1e-5);
  pair_free (&A); pair_free (&B); pair_free (&C);
}

static void
test_layer_norm (void)
{
  if (!require_gpu ())
    return;
  static const int64_t widths[] = { 1, 7, 33, 64, 128, 256, 384, 600 };
  for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
    for (guint r = 0; r < 3; r++)
      for (int variant = 0; variant < 3; variant++)
        {
          int64_t M = odd[r] * 9, C = widths[w];
          Pair x = pair_random (gpu, M * C), sc = pair_random (gpu, C), of = pair_random (gpu, C);
          /* Shift the rows so that the two-pass variance matters. */
          FL_OP (cpu, scale, x.c, 3.0f, (size_t) (M * C));
          FL_OP (gpu, scale, x.g, 3.0f, (size_t) (M * C));
          if (variant == 2)
            {
              /* In place, without scale / offset. */
              FL_OP (cpu, layer_norm, x.c, NULL, NULL, x.c, M, C);
              FL_OP (gpu, layer_norm, x.g, NULL, NULL, x.g, M, C);
              pair_check ("layer_norm in place", &x, 1e-5);
            }
          else
            {
              Pair y = pair_poison (gpu, M * C);
              FL_OP (cpu, layer_norm, x.c, sc.c, variant ? of.c : NULL, y.c, M, C);
              FL_OP (gpu, layer_norm, x.g, sc.g, variant ? of.g : NULL, y.g, M, C);
              pair_check ("layer_norm", &y, 1e-5);
              pair_free (&y);
            }
          pair_free (&x); pair_free (&sc); pair_free (&of);
        }
}

static void
test_elementwise (void)
{
  if (!require_gpu ())
    return;
  for (guint s = 0; s < 3; s++)
    {
      int64_t M = odd[s] * 11, C = odd[(s + 1) % 3] + 2, n = M * C;
      Pair y = pair_random (gpu, n), x = pair_random (gpu, n), m = pair_mask (gpu, M);
      Pair rv = pair_random (gpu, C);
      FL_OP (cpu, add, y.c, x.c, n);            FL_OP (gpu, add, y.g, x.g, n);
      pair_check ("add", &y, 1e-6);
      FL_OP (cpu, mul, y.c, x.c, n);            FL_OP (gpu, mul, y.g, x.g, n);
      pair_check ("mul", &y, 1e-6);
      FL_OP (cpu, scale, y.c, -0.37f, n);       FL_OP (gpu, scale, y.g, -0.37f, n);
      pair_check ("scale", &y, 1e-6);
      FL_OP (cpu, sigmoid_mul, y.c, x.c, n);    FL_OP (gpu, sigmoid_mul, y.g, x.g, n);
      pair_check ("sigmoid_mul", &y, 1e-6);
      FL_OP (cpu, relu, y.c, n);                FL_OP (gpu, relu, y.g, n);
      pair_check ("relu", &y, 1e-6);
      FL_OP (cpu, add, y.c, x.c, n);            FL_OP (gpu, add, y.g, x.g, n);
      FL_OP (cpu, mul_rows, y.c, m.c, M, C);    FL_OP (gpu, mul_rows, y.g, m.g, M, C);
      pair_check ("mul_rows", &y, 1e-6);
      FL_OP (cpu, add_row_vector, y.c, rv.c, M, C);
      FL_OP (gpu, add_row_vector, y.g, rv.g, M, C);
      pair_check ("add_row_vector", &y, 1e-6);
      pair_free (&y); pair_free (&x); pair_free (&m); pair_free (&rv);
    }
}

static void
test_layout (void)
{
  if (!require_gpu ())
    return;
  static const int64_t shapes[][3] = {
    { 1, 1, 1 }, { 7, 33, 1 }, { 33, 7, 5 }, { 1, 33, 128 }, { 65, 65, 16 }, { 5, 1, 33 },
    { 130, 3, 40 },
  };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      int64_t A = shapes[s][0], B = shapes[s][1], C = shapes[s][2], n = A * B * C;
      Pair x = pair_random (gpu, n), y = pair_poison (gpu, n), z = pair_poison (gpu, n);
      FL_OP (cpu, swap01, x.c, y.c, A, B, C);
      FL_OP (gpu, swap01, x.g, y.g, A, B, C);
      pair_check ("swap01", &y, 0.0);
      FL_OP (cpu, to_channel_first, x.c, y.c, A, B, C);
      FL_OP (gpu, to_channel_first, x.g, y.g, A, B, C);
      pair_check ("to_channel_first", &y, 0.0);
      FL_OP (cpu, from_channel_first, y.c, z.c, A, B, C);
      FL_OP (gpu, from_channel_first, y.g, z.g, A, B, C);
      pair_check ("from_channel_first", &z, 0.0);
      fl_test_assert_close ("channel-first round trip", z.c, x.c, n, 0.0);
      Pair g = pair_random (gpu, n), m = pair_mask (gpu, A * B);
      for (int with_mask = 0; with_mask < 2; with_mask++)
        {
          FL_OP (cpu, gate_to_channel_first, x.c, g.c, with_mask ? m.c : NULL, y.c, A, B, C);
          FL_OP (gpu, gate_to_channel_first, x.g, g.g, with_mask ? m.g : NULL, y.g, A, B, C);
          pair_check ("gate_to_channel_first", &y, 1e-6);
        }
      FL_OP (cpu, add_sigmoid_mul, z.c, x.c, g.c, (size_t) n);
      FL_OP (gpu, add_sigmoid_mul, z.g, x.g, g.g, (size_t) n);
      pair_check ("add_sigmoid_mul", &z, 1e-6);
      pair_free (&g); pair_free (&m);
      pair_free (&x); pair_free (&y); pair_free (&z);
    }
}

static void
test_masked_mean (void)
{
  if (!require_gpu ())
    return;
  for (guint s = 0; s < 3; s++)
    for (guint c = 0; c < 3; c++)
      {
        int64_t N = odd[s] + 2, S = odd[c] * 3 + 2, C = odd[(s + c) % 3] * 4;
        Pair x = pair_random (gpu, N * S * C), m = pair_mask (gpu, N * S);
        Pair y = pair_poison (gpu, N * C), r = pair_random (gpu, N * C);
        FL_OP (cpu, masked_mean, x.c, m.c, y.c, N, S, C, 1e-3f);
        FL_OP (gpu, masked_mean, x.g, m.g, y.g, N, S, C, 1e-3f);
        pair_check ("masked_mean", &y, 1e-5);
        FL_OP (cpu, mul_broadcast_rows, x.c, r.c, N, S, C);
        FL_OP (gpu, mul_broadcast_rows, x.g, r.g, N, S, C);
        pair_check ("mul_broadcast_rows", &x, 1e-6);
        pair_free (&x); pair_free (&m); pair_free (&y); pair_free (&r);
      }
}

static void
test_softmax_expect (void)
{
  if (!require_gpu ())
    return;
  static const int64_t Ms[] = { 1, 7, 33, 65536 + 5 }, Bins[] = { 1, 5, 64, 70 }, Es[] = { 1, 2, 64 };
  for (guint a = 0; a < G_N_ELEMENTS (Ms); a++)
    for (guint c = 0; c < G_N_ELEMENTS (Bins); c++)
      for (guint e = 0; e < G_N_ELEMENTS (Es); e++)
        {
          int64_t M = Ms[a], bins = Bins[c], E = Es[e];
          if (M > 1000 && E > 2)
            continue;
          Pair x = pair_random (gpu, M * bins), t = pair_random (gpu, bins * E);
          Pair y = pair_poison (gpu, M * E);
          FL_OP (cpu, scale, x.c, 50.0f, (size_t) x.n);   /* logits of tens of units */
          FL_OP (gpu, scale, x.g, 50.0f, (size_t) x.n);
          FL_OP (cpu, softmax_expect, x.c, t.c, y.c, M, bins, E);
          FL_OP (gpu, softmax_expect, x.g, t.g, y.g, M, bins, E);
          g_autofree char *label = g_strdup_printf ("softmax_expect M=%" G_GINT64_FORMAT
                                                    " bins=%" G_GINT64_FORMAT " E=%" G_GINT64_FORMAT,
                                                    M, bins, E);
          pair_check (label, &y, 2e-6);
          pair_free (&x); pair_free (&t); pair_free (&y);
        }
}

static FlBackend *att_gpu;       /* the backend check_attention runs on */
static double att_tol = 2e-5;

static void
check_attention (int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                 gboolean with_mask, gboolean with_bias, gboolean capture)
{
  FlBackend *gpu = att_gpu;
  Pair q = pair_random (gpu, B * Lq * H * D), k = pair_random (gpu, B * Lk * H * D);
  Pair v = pair_random (gpu, B * Lk * H * D);
  Pair mask = pair_mask (gpu, B * Lk), bias = pair_random (gpu, H * Lq * Lk);
  Pair out = pair_poison (gpu, B * Lq * H * D);
  Pair pm = pair_poison (gpu, H * Lq * Lk);
  if (with_mask && B > 1)
    {
      /* One batch row with every key masked: softmax over -1e9 everywhere. */
      FL_OP (cpu, fill, mask.c + Lk, 0.0f, (size_t) Lk);
      FL_OP (gpu, fill, mask.g + Lk, 0.0f, (size_t) Lk);
    }
  /* Larger logits, as in a trained model. */
  FL_OP (cpu, scale, q.c, 2.0f, (size_t) q.n);
  FL_OP (gpu, scale, q.g, 2.0f, (size_t) q.n);
  FL_OP (cpu, attention, q.c, k.c, v.c, with_mask ? mask.c : NULL, with_bias ? bias.c : NULL,
         NULL, out.c, B, Lq, Lk, H, D, capture ? pm.c : NULL);
  FL_OP (gpu, attention, q.g, k.g, v.g, with_mask ? mask.g : NULL, with_bias ? bias.g : NULL,
         NULL, out.g, B, Lq, Lk, H, D, capture ? pm.g : NULL);
  g_autofree char *label = g_strdup_printf ("attention B=%" G_GINT64_FORMAT " Lq=%" G_GINT64_FORMAT
                                            " Lk=%" G_GINT64_FORMAT " H=%" G_GINT64_FORMAT
                                            " D=%" G_GINT64_FORMAT " mask=%d bias=%d",
                                            B, Lq, Lk, H, D, with_mask, with_bias);
  pair_check (label, &out, att_tol);
  if (capture)
    {
      g_autofree char *l2 = g_strconcat (label, " probs_mean", NULL);
      pair_check (l2, &pm, att_tol);
    }
  /* Gated (out * sigmoid(gate) in the kernel's last step). */
  Pair gate = pair_random (gpu, B * Lq * H * D), out2 = pair_poison (gpu, B * Lq * H * D);
  FL_OP (cpu, attention, q.c, k.c, v.c, with_mask ? mask.c : NULL, with_bias ? bias.c : NULL,
         gate.c, out2.c, B, Lq, Lk, H, D, NULL);
  FL_OP (gpu, attention, q.g, k.g, v.g, with_mask ? mask.g : NULL, with_bias ? bias.g : NULL,
         gate.g, out2.g, B, Lq, Lk, H, D, NULL);
  g_autofree char *l3 = g_strconcat (label, " gated", NULL);
  pair_check (l3, &out2, att_tol);
  pair_free (&gate); pair_free (&out2);
  pair_free (&q); pair_free (&k); pair_free (&v); pair_free (&mask); pair_free (&bias);
  pair_free (&out); pair_free (&pm);
}

static void
test_attention (void)
{
  if (!require_gpu ())
    return;
  att_gpu = gpu;
  att_tol = 2e-5;
  static const int64_t Ds[] = { 4, 8, 16, 32, 24, 64, 100, 1, 3 };
  for (guint d = 0; d < G_N_ELEMENTS (Ds); d++)
    for (guint s = 0; s < 3; s++)
      {
        int64_t L = odd[s];
        check_attention (3, L, L, 2, Ds[d], TRUE, TRUE, TRUE);
        check_attention (2, L, odd[(s + 1) % 3], 3, Ds[d], TRUE, FALSE, FALSE);
      }
  /* Model-like shapes: MSA row attention with pair bias (odd depth), column
   * attention (queries = MSA rows), triangle attention; capture on and off. */
  check_attention (13, 70, 70, 8, 32, TRUE, TRUE, TRUE);
  check_attention (70, 13, 13, 8, 32, TRUE, FALSE, FALSE);
  check_attention (65, 65, 65, 4, 32, TRUE, TRUE, FALSE);
  check_attention (9, 130, 130, 8, 8, TRUE, TRUE, TRUE);
  check_attention (5, 33, 33, 4, 32, FALSE, FALSE, FALSE);
}

/* Attention on a tf32- or bf16-mode backend, whose attention runs on the
 * tensor cores (fl-cuda-attention-tf32.cu, -bf16.cu), against the exact CPU result with
 * that mode's tolerance; capture on and off, fully masked rows, odd sizes. */
static void
check_attention_mode (FlPrecision precision, double tol)
{
  if (!require_gpu ())
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlBackend) tc = fl_backend_cuda_new (0, precision, &error);
  g_assert_no_error (error);
  att_gpu = tc;
  att_tol = tol;
  static const int64_t Ds[] = { 8, 16, 24, 32, 4, 40, 100 };
  for (guint d = 0; d < G_N_ELEMENTS (Ds); d++)
    for (guint s = 0; s < 3; s++)
      {
        check_attention (3, odd[s], odd[s], 2, Ds[d], TRUE, TRUE, s == 1);
        check_attention (2, odd[s], odd[(s + 1) % 3] * 3, 3, Ds[d], TRUE, FALSE, FALSE);
      }
  check_attention (13, 70, 70, 8, 32, TRUE, TRUE, FALSE);
  check_attention (13, 70, 70, 8, 32, TRUE, TRUE, TRUE);
  check_attention (70, 13, 13, 8, 32, TRUE, FALSE, FALSE);
  check_attention (65, 130, 130, 4, 32, TRUE, TRUE, FALSE);
  check_attention (9, 200, 200, 8, 8, TRUE, TRUE, FALSE);
  check_attention (3, 1, 1, 2, 32, TRUE, TRUE, TRUE);
  check_attention (5, 33, 33, 4, 32, FALSE, FALSE, FALSE);
  /* head widths that are no multiple of 4 (the kernels' scalar paths); from
   * 3 up in bf16, where a one-term logit q*k keeps all of its inputs' 8-bit
   * rounding (D = 1 in bf16: the differential test's s1-case004, at the
   * user-level bounds) */
  for (int64_t d = precision == FL_PRECISION_BF16 ? 3 : 1; d <= 7; d += 2)
    check_attention (3, 33, 33, 8, d, TRUE, TRUE, TRUE);
  check_attention (2, 77, 257, 3, 16, TRUE, TRUE, FALSE);
  att_gpu = gpu;
  att_tol = 2e-5;
}

static void
test_attention_tf32 (void)
{
  check_attention_mode (FL_PRECISION_TF32, 1e-2);   /* 10-bit mantissa inputs, logits of a few units */
}

static void
test_attention_bf16 (void)
{
  check_attention_mode (FL_PRECISION_BF16, 3e-2);   /* 7-bit mantissa inputs, fp32 accumulation */
}

static void
test_global_attention (void)
{
  if (!require_gpu ())
    return;
  static const int64_t Ds[] = { 4, 8, 16, 32, 64, 100 };
  static const int64_t Ss[] = { 1, 7, 33, 129, 1025 };
  for (guint d = 0; d < G_N_ELEMENTS (Ds); d++)
    for (guint s = 0; s < G_N_ELEMENTS (Ss); s++)
      {
        int64_t N = odd[(d + s) % 3] + 1, S = Ss[s], H = 3, D = Ds[d];
        Pair q = pair_random (gpu, N * H * D), k = pair_random (gpu, N * S * D);
        Pair v = pair_random (gpu, N * S * D), m = pair_mask (gpu, N * S);
        Pair out = pair_poison (gpu, N * H * D);
        if (N > 1)
          {
            FL_OP (cpu, fill, m.c + S, 0.0f, (size_t) S);   /* a fully masked column */
            FL_OP (gpu, fill, m.g + S, 0.0f, (size_t) S);
          }
        FL_OP (cpu, global_attention, q.c, k.c, v.c, m.c, out.c, N, S, H, D);
        FL_OP (gpu, global_attention, q.g, k.g, v.g, m.g, out.g, N, S, H, D);
        g_autofree char *label = g_strdup_printf ("global_attention N=%" G_GINT64_FORMAT
                                                  " S=%" G_GINT64_FORMAT " D=%" G_GINT64_FORMAT,
                                                  N, S, D);
        pair_check (label, &out, 2e-5);
        pair_free (&q); pair_free (&k); pair_free (&v); pair_free (&m); pair_free (&out);
      }
}


/* ------------------------------------------------------------- module ops */

/* Random weights (scaled by 1/sqrt(fan_in), as trained weights roughly are)
 * on both backends. */
static Pair
pair_weight (FlBackend *gb, int64_t n, int64_t fan_in)
{
  Pair p = pair_random (gb, n);
  float s = 1.0f / sqrtf ((float) MAX (fan_in, 1));
  FL_OP (cpu, scale, p.c, s, (size_t) n);
  FL_OP (gb, scale, p.g, s, (size_t) n);
  return p;
}

/* Scratch for a module op on both backends (NaN-filled, guarded): only the
 * guards are checked afterwards. */
static void
scratch_check_guards (const char *label, Pair *p)
{
  g_autofree float *h = g_new (float, GUARD);
  p->gb->ops->download (p->gb, h, p->g + p->n, GUARD);
  g_assert_no_error (p->gb->error);
  for (int i = 0; i < GUARD; i++)
    if (h[i] != GUARD_VALUE || p->c[p->n + i] != GUARD_VALUE)
      g_test_fail_printf ("%s: scratch guard %d overwritten", label, i);
}

#define MODULE_TOL 1e-4

/* gated_attention over B items of Lq, with chunk items per scratch. */
static void
check_gated_attention (int64_t B, int64_t Lq, int64_t c, int64_t H, int64_t D, int64_t chunk,
                       gboolean with_mask, gboolean with_bias, gboolean capture,
                       gboolean accumulate)
{
  const int64_t hd = H * D;
  Pair wq = pair_weight (gpu, c * hd, c), wk = pair_weight (gpu, c * hd, c);
  Pair wv = pair_weight (gpu, c * hd, c), wg = pair_weight (gpu, c * hd, c);
  Pair bg = pair_random (gpu, hd), wo = pair_weight (gpu, hd * c, hd), bo = pair_random (gpu, c);
  Pair x = pair_random (gpu, B * Lq * c), mask = pair_mask (gpu, B * Lq);
  Pair bias = pair_random (gpu, H * Lq * Lq);
  Pair y = accumulate ? pair_random (gpu, B * Lq * c) : pair_poison (gpu, B * Lq * c);
  Pair pm = pair_poison (gpu, H * Lq * Lq);
  size_t n_scr = fl_module_gated_attention_scratch (B, chunk, Lq, H, D, capture);
  Pair scr = pair_poison (gpu, (int64_t) n_scr);
  const FlAttentionWeights wc = { wq.c, wk.c, wv.c, wg.c, bg.c, wo.c, bo.c };
  const FlAttentionWeights wgp = { wq.g, wk.g, wv.g, wg.g, bg.g, wo.g, bo.g };
  FL_OP (cpu, gated_attention, &wc, x.c, B, Lq, c, H, D, with_mask ? mask.c : NULL,
         with_bias ? bias.c : NULL, y.c, accumulate, capture ? pm.c : NULL, scr.c, n_scr);
  FL_OP (gpu, gated_attention, &wgp, x.g, B, Lq, c, H, D, with_mask ? mask.g : NULL,
         with_bias ? bias.g : NULL, y.g, accumulate, capture ? pm.g : NULL, scr.g, n_scr);
  g_autofree char *label = g_strdup_printf (
    "gated_attention B=%" G_GINT64_FORMAT " Lq=%" G_GINT64_FORMAT " c=%" G_GINT64_FORMAT
    " H=%" G_GINT64_FORMAT " D=%" G_GINT64_FORMAT " chunk=%" G_GINT64_FORMAT
    " mask=%d bias=%d capture=%d acc=%d", B, Lq, c, H, D, chunk, with_mask, with_bias,
    capture, accumulate);
  pair_check (label, &y, MODULE_TOL);
  if (capture)
    {
      g_autofree char *l2 = g_strconcat (label, " probs_mean", NULL);
      pair_check (l2, &pm, MODULE_TOL);
    }
  scratch_check_guards (label, &scr);
  Pair *all[] = { &wq, &wk, &wv, &wg, &bg, &wo, &bo, &x, &mask, &bias, &y, &pm, &scr };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    pair_free (all[i]);
}

static void
test_module_gated_attention (void)
{
  if (!require_gpu ())
    return;
  for (guint s = 0; s < 3; s++)
    {
      int64_t L = odd[s];
      check_gated_attention (3, L, 19, 2, 8, 3, TRUE, TRUE, TRUE, TRUE);
      check_gated_attention (5, L, 16, 3, 4, 2, TRUE, FALSE, FALSE, FALSE);
    }
  /* MSA row attention (odd depth, pair bias, capture over several chunks),
   * column attention (queries = rows), triangle attention. */
  check_gated_attention (13, 33, 64, 8, 8, 4, TRUE, TRUE, TRUE, TRUE);
  check_gated_attention (33, 13, 32, 8, 8, 33, TRUE, FALSE, FALSE, FALSE);
  check_gated_attention (7, 7, 32, 4, 8, 7, TRUE, TRUE, FALSE, TRUE);
}

static void
check_transition (int64_t M, int64_t c, int64_t hidden, int64_t chunk)
{
  Pair ls = pair_random (gpu, c), lo = pair_random (gpu, c);
  Pair w1 = pair_weight (gpu, c * hidden, c), b1 = pair_random (gpu, hidden);
  Pair w2 = pair_weight (gpu, hidden * c, hidden), b2 = pair_random (gpu, c);
  Pair act = pair_random (gpu, M * c);
  size_t n_scr = (size_t) chunk * fl_module_transition_per_row (c, hidden);
  Pair scr = pair_poison (gpu, (int64_t) n_scr);
  const FlTransitionWeights wc = { ls.c, lo.c, w1.c, b1.c, w2.c, b2.c };
  const FlTransitionWeights wg = { ls.g, lo.g, w1.g, b1.g, w2.g, b2.g };
  FL_OP (cpu, transition, &wc, act.c, M, c, hidden, scr.c, n_scr);
  FL_OP (gpu, transition, &wg, act.g, M, c, hidden, scr.g, n_scr);
  g_autofree char *label = g_strdup_printf ("transition M=%" G_GINT64_FORMAT " c=%" G_GINT64_FORMAT
                                            " hidden=%" G_GINT64_FORMAT " chunk=%" G_GINT64_FORMAT,
                                            M, c, hidden, chunk);
  pair_check (label, &act, MODULE_TOL);
  scratch_check_guards (label, &scr);
  Pair *all[] = { &ls, &lo, &w1, &b1, &w2, &b2, &act, &scr };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    pair_free (all[i]);
}

static void
test_module_transition (void)
{
  if (!require_gpu ())
    return;
  for (guint s = 0; s < 3; s++)
    {
      check_transition (odd[s], 16, 64, odd[s]);
      check_transition (odd[s] * 13, 24, 96, 5);
    }
  check_transition (33 * 33, 128, 512, 33 * 33);   /* pair transition, one chunk */
  check_transition (13 * 33, 256, 1024, 100);      /* MSA transition, chunked */
}

static void
check_triangle_multiplication (int64_t L, int64_t cz, int64_t mc, gboolean outgoing)
{
  Pair ns = pair_random (gpu, cz), no = pair_random (gpu, cz);
  Pair lw = pair_weight (gpu, cz * mc, cz), lb = pair_random (gpu, mc);
  Pair lgw = pair_weight (gpu, cz * mc, cz), lgb = pair_random (gpu, mc);
  Pair rw = pair_weight (gpu, cz * mc, cz), rb = pair_random (gpu, mc);
  Pair rgw = pair_weight (gpu, cz * mc, cz), rgb = pair_random (gpu, mc);
  Pair cs = pair_random (gpu, mc), co = pair_random (gpu, mc);
  Pair ow = pair_weight (gpu, mc * cz, mc), ob = pair_random (gpu, cz);
  Pair gw = pair_weight (gpu, cz * cz, cz), gb = pair_random (gpu, cz);
  Pair pair = pair_random (gpu, L * L * cz), mask = pair_mask (gpu, L * L);
  size_t n_scr = fl_module_triangle_multiplication_scratch (L, cz, mc);
  Pair scr = pair_poison (gpu, (int64_t) n_scr);
  const FlTriangleMulWeights wc = { ns.c, no.c, lw.c, lb.c, lgw.c, lgb.c, rw.c, rb.c, rgw.c,
                                    rgb.c, cs.c, co.c, ow.c, ob.c, gw.c, gb.c };
  const FlTriangleMulWeights wg = { ns.g, no.g, lw.g, lb.g, lgw.g, lgb.g, rw.g, rb.g, rgw.g,
                                    rgb.g, cs.g, co.g, ow.g, ob.g, gw.g, gb.g };
  FL_OP (cpu, triangle_multiplication, &wc, outgoing, pair.c, mask.c, L, cz, mc, scr.c, n_scr);
  FL_OP (gpu, triangle_multiplication, &wg, outgoing, pair.g, mask.g, L, cz, mc, scr.g, n_scr);
  g_autofree char *label = g_strdup_printf ("triangle_multiplication L=%" G_GINT64_FORMAT
                                            " c_z=%" G_GINT64_FORMAT " mc=%" G_GINT64_FORMAT
                                            " %s", L, cz, mc, outgoing ? "outgoing" : "incoming");
  pair_check (label, &pair, MODULE_TOL);
  scratch_check_guards (label, &scr);
  Pair *all[] = { &ns, &no, &lw, &lb, &lgw, &lgb, &rw, &rb, &rgw, &rgb, &cs, &co, &ow, &ob,
                  &gw, &gb, &pair, &mask, &scr };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    pair_free (all[i]);
}

static void
test_module_triangle_multiplication (void)
{
  if (!require_gpu ())
    return;
  for (guint s = 0; s < 3; s++)
    {
      check_triangle_multiplication (odd[s], 16, 8, TRUE);
      check_triangle_multiplication (odd[s], 12, 20, FALSE);
    }
  check_triangle_multiplication (33, 128, 128, TRUE);
  check_triangle_multiplication (33, 128, 128, FALSE);
}

static void
check_outer_product_mean (int64_t S, int64_t L, int64_t cm, int64_t oc, int64_t cz, int64_t rows)
{
  Pair ns = pair_random (gpu, cm), no = pair_random (gpu, cm);
  Pair lw = pair_weight (gpu, cm * oc, cm), lb = pair_random (gpu, oc);
  Pair rw = pair_weight (gpu, cm * oc, cm), rb = pair_random (gpu, oc);
  Pair ow = pair_weight (gpu, oc * oc * cz, oc * oc), ob = pair_random (gpu, cz);
  Pair msa = pair_random (gpu, S * L * cm), mask = pair_mask (gpu, S * L);
  Pair inv = pair_random (gpu, L * L), pair = pair_random (gpu, L * L * cz);
  size_t n_scr = fl_module_outer_product_mean_scratch (S, L, cm, oc, cz, rows);
  Pair scr = pair_poison (gpu, (int64_t) n_scr);
  const FlOuterProductWeights wc = { ns.c, no.c, lw.c, lb.c, rw.c, rb.c, ow.c, ob.c };
  const FlOuterProductWeights wg = { ns.g, no.g, lw.g, lb.g, rw.g, rb.g, ow.g, ob.g };
  FL_OP (cpu, outer_product_mean, &wc, msa.c, mask.c, inv.c, pair.c, S, L, cm, oc, cz,
         scr.c, n_scr);
  FL_OP (gpu, outer_product_mean, &wg, msa.g, mask.g, inv.g, pair.g, S, L, cm, oc, cz,
         scr.g, n_scr);
  g_autofree char *label = g_strdup_printf ("outer_product_mean S=%" G_GINT64_FORMAT
                                            " L=%" G_GINT64_FORMAT " rows=%" G_GINT64_FORMAT,
                                            S, L, rows);
  pair_check (label, &pair, MODULE_TOL);
  scratch_check_guards (label, &scr);
  Pair *all[] = { &ns, &no, &lw, &lb, &rw, &rb, &ow, &ob, &msa, &mask, &inv, &pair, &scr };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    pair_free (all[i]);
}

static void
test_module_outer_product_mean (void)
{
  if (!require_gpu ())
    return;
  for (guint s = 0; s < 3; s++)
    {
      check_outer_product_mean (13, odd[s], 16, 8, 12, odd[s]);   /* deep, one chunk */
      check_outer_product_mean (13, odd[s], 16, 8, 12, 2);        /* deep, chunked */
      check_outer_product_mean (1, odd[s], 16, 8, 12, 3);         /* single sequence */
    }
  check_outer_product_mean (65, 33, 256, 32, 128, 7);              /* model widths */
  check_outer_product_mean (1, 33, 256, 32, 128, 33);
}

/* Too little scratch is an error on both backends, not a crash. */
static void
test_module_scratch_too_small (void)
{
  if (!require_gpu ())
    return;
  FlBackend *bs[] = { cpu, gpu };
  for (guint i = 0; i < 2; i++)
    {
      FlBackend *b = bs[i];
      float *buf = b->ops->alloc (b, 64);
      const FlTransitionWeights w = { buf, buf, buf, buf, buf, buf };
      b->ops->transition (b, &w, buf, 4, 8, 32, buf, 8);
      g_autoptr (GError) error = NULL;
      g_assert_false (fl_backend_check (b, &error));
      g_assert_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_OUT_OF_MEMORY);
      b->ops->free (b, buf);
    }
}

/* ------------------------------------------------------ whole model vs golden */

static GoldenCase *g_tiny, *g_realdim, *g_single, *g_tmpl;

/* A golden case whose engine runs on the CUDA backend at `precision`. */
static GoldenCase *
golden_cuda (GoldenCase **slot, const char *name, const char *params_case,
             const char *params_file)
{
  if (!require_gpu ())
    return NULL;
  if (!*slot)
    {
      GoldenCase *g = golden_case_load (name, params_case, params_file);
      if (!g)
        return NULL;
      FlRunOptions opts;
      fl_run_options_init (&opts);
      opts.backend = FL_BACKEND_KIND_CUDA;
      opts.precision = FL_PRECISION_FP32;
      g_autoptr (GError) error = NULL;
      FlEngine *e = fl_engine_new (g->params, &g->cfg, &opts, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (fl_engine_peek_backend (e)->ops->name, ==, "cuda");
      fl_engine_free (g->engine);
      g->engine = e;
      *slot = g;
    }
  return *slot;
}

static GoldenCase *
get_tiny (void)
{
  return golden_cuda (&g_tiny, "tiny", "tiny", "params_tiny.npz");
}

static GoldenCase *
get_realdim (void)
{
  return golden_cuda (&g_realdim, "realdim", "realdim", "params_realdim.npz");
}

static GoldenCase *
get_single (void)
{
  return golden_cuda (&g_single, "single", "realdim", "params_realdim.npz");
}

/* The template case (model_1_ptm's template stack; features.npz carries
 * the template features). */
static GoldenCase *
get_tmpl (void)
{
  return golden_cuda (&g_tmpl, "tmpl", "tmpl", "params_tmpl.npz");
}

/* Same tolerances as the CPU tests (test-engine.c, test-engine-slow.c). */
static void
check_teacher_forced (GoldenCase *g, int last)
{
  for (int r = 0; r <= last; r++)
    {
      g_autoptr (FlResult) res = golden_run_teacher_forced (g, r);
      golden_check_pass (g, res, r);
      if (r == 2)
        golden_check_final (g, res, 0.01, 0.01, 1e-4, 0.01, 1e-4, TRUE);
    }
}

static void
check_free_run (GoldenCase *g, gboolean check_pae)
{
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.keep_representations = TRUE;
  g_autoptr (GError) error = NULL;
  FlBackend *b = fl_engine_peek_backend (g->engine);
  b->bytes_peak = b->bytes_in_use;
  g_autoptr (FlResult) res = fl_engine_run (g->engine, g->features, &opts, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (res->n_passes, ==, 3);
  g_test_message ("%s on %s: %.3f s, peak %.1f MiB; free run vs golden:", g->name,
                  res->backend_description, res->seconds, b->bytes_peak / 1048576.0);
  golden_check_final (g, res, 0.05, 0.05, 1e-3, 0.05, 1e-3, check_pae);
  for (int r = 0; r < 3; r++)
    {
      g_autofree char *k = g_strdup_printf ("r%d/plddt", r);
      golden_compare (res, k, g->recycles, k, 0.05, FALSE);
    }
}

static void
test_engine_tiny (void)
{
  GoldenCase *g = get_tiny ();
  if (!g)
    return;
  check_teacher_forced (g, 2);
  check_free_run (g, TRUE);
}

static void
test_engine_realdim (void)
{
  GoldenCase *g = get_realdim ();
  if (!g)
    return;
  check_teacher_forced (g, 2);
  check_free_run (g, TRUE);
}

static void
test_engine_tmpl (void)
{
  GoldenCase *g = get_tmpl ();
  if (!g)
    return;
  g_assert_nonnull (g->features->templates);
  check_teacher_forced (g, 2);
  check_free_run (g, TRUE);
}

static void
test_engine_single (void)
{
  GoldenCase *g = get_single ();
  if (!g)
    return;
  /* No pair in its golden recycles: recycle 0 and the free run (as on the CPU). */
  check_teacher_forced (g, 0);
  check_free_run (g, FALSE);
}

/* Atom RMSD (over existing atoms, no superposition: same inputs, same frame)
 * and pLDDT differences of a run against a reference run. */
static void
compare_runs (const char *label, FlResult *got, FlResult *ref, double *rmsd,
              double *max_dplddt, double *mean_dplddt)
{
  const float *x = fl_result_get (got, "structure_module/final_atom_positions");
  const float *y = fl_result_get (ref, "structure_module/final_atom_positions");
  const float *m = fl_result_get (ref, "structure_module/final_atom_mask");
  const float *p = fl_result_get (got, "confidence/plddt");
  const float *q = fl_result_get (ref, "confidence/plddt");
  g_assert_nonnull (x); g_assert_nonnull (y); g_assert_nonnull (m);
  g_assert_nonnull (p); g_assert_nonnull (q);
  double ss = 0, n = 0, mx = 0, sum = 0;
  for (int i = 0; i < ref->L * 37; i++)
    if (m[i] > 0)
      {
        for (int c = 0; c < 3; c++)
          ss += ((double) x[i * 3 + c] - y[i * 3 + c]) * ((double) x[i * 3 + c] - y[i * 3 + c]);
        n++;
      }
  for (int i = 0; i < ref->L; i++)
    {
      double d = fabs ((double) p[i] - q[i]);
      mx = MAX (mx, d);
      sum += d;
    }
  *rmsd = sqrt (ss / MAX (n, 1));
  *max_dplddt = mx;
  *mean_dplddt = sum / ref->L;
  g_test_message ("%s: atom RMSD %.4f A, pLDDT |diff| max %.4f mean %.4f",
                  label, *rmsd, mx, *mean_dplddt);
}

/* RMS distance of the existing atoms from their centroid (Å). */
static double
rms_radius (FlResult *res)
{
  const float *x = fl_result_get (res, "structure_module/final_atom_positions");
  const float *m = fl_result_get (res, "structure_module/final_atom_mask");
  double c[3] = { 0, 0, 0 }, n = 0, ss = 0;
  for (int i = 0; i < res->L * 37; i++)
    if (m[i] > 0)
      {
        for (int k = 0; k < 3; k++)
          c[k] += x[i * 3 + k];
        n++;
      }
  for (int k = 0; k < 3; k++)
    c[k] /= MAX (n, 1);
  for (int i = 0; i < res->L * 37; i++)
    if (m[i] > 0)
      for (int k = 0; k < 3; k++)
        ss += (x[i * 3 + k] - c[k]) * (x[i * 3 + k] - c[k]);
  return sqrt (ss / MAX (n, 1));
}

/* tf32 and bf16 against fp32 (and the golden outputs) on every golden case:
 * the numbers of docs/gpu.md. Bounds: what a user could not tell apart. */
static void
test_engine_precisions (void)
{
  GoldenCase *cases[3] = { get_tiny (), get_realdim (), get_single () };
  if (!cases[0])
    return;
  for (int c = 0; c < 3; c++)
    {
      GoldenCase *g = cases[c];
      if (!g)
        continue;
      FlRunOptions opts;
      fl_run_options_init (&opts);
      g_autoptr (GError) error = NULL;
      g_autoptr (FlResult) ref = fl_engine_run (g->engine, g->features, &opts, NULL, NULL, NULL, &error);
      g_assert_no_error (error);
      for (int pi = 1; pi <= 2; pi++)
        {
          FlPrecision prec = pi == 1 ? FL_PRECISION_TF32 : FL_PRECISION_BF16;
          FlRunOptions o2;
          fl_run_options_init (&o2);
          o2.backend = FL_BACKEND_KIND_CUDA;
          o2.precision = prec;
          g_autoptr (FlEngine) e = fl_engine_new (g->params, &g->cfg, &o2, &error);
          g_assert_no_error (error);
          g_autoptr (FlResult) res = fl_engine_run (e, g->features, &o2, NULL, NULL, NULL, &error);
          g_assert_no_error (error);
          double rmsd, mx, mean;
          g_autofree char *label = g_strdup_printf ("precision %s %s vs fp32", g->name,
                                                    fl_precision_name (prec));
          compare_runs (label, res, ref, &rmsd, &mx, &mean);
          /* Golden-key errors of the faster mode, for the record. */
          g_autofree char *l2 = g_strdup_printf ("precision %s %s vs golden plddt", g->name,
                                                 fl_precision_name (prec));
          int64_t n = 0;
          const float *want = golden_get (g->outputs, "confidence/plddt", &n);
          FlTestErr err = fl_test_compare (fl_result_get (res, "confidence/plddt"), want, n);
          g_test_message ("%s: max_abs %.4f", l2, err.max_abs);
          /* What a user reads: pLDDT within 1 point. Positions of these
           * random-weight (chaotic, non-physical) chains move more through
           * the binned recycling; hold them to 10% of the chain's RMS radius,
           * which still catches a broken kernel (docs/gpu.md). */
          double radius = rms_radius (ref);
          g_test_message ("%s: RMS radius %.2f A, RMSD / radius %.4f", label, radius,
                          rmsd / radius);
          g_assert_cmpfloat (mx, <, 1.0);
          g_assert_cmpfloat (rmsd, <, 0.1 * radius);
        }
    }
}

int
main (int argc, char **argv)
{
  /* Keep going after a failed comparison: one GPU session reports every op. */
  char **args = g_new0 (char *, argc + 2);
  for (int i = 0; i < argc; i++)
    args[i] = argv[i];
  args[argc] = (char *) "--keep-going";
  int n_args = argc + 1;
  g_test_init (&n_args, &args, NULL);
  g_autoptr (GError) error = NULL;
  cpu = fl_backend_cpu_new (2, &error);
  g_assert_no_error (error);
  if (fl_backend_cuda_available ())
    {
      gpu = fl_backend_cuda_new (0, FL_PRECISION_FP32, &error);
      g_assert_no_error (error);
    }
  g_test_add_func ("/cuda/available", test_available);
  g_test_add_func ("/cuda/ops/memory", test_memory);
  g_test_add_func ("/cuda/ops/linear", test_linear);
  g_test_add_func ("/cuda/ops/linear-precisions", test_linear_precisions);
  g_test_add_func ("/cuda/ops/gemm-batched", test_gemm_batched);
  g_test_add_func ("/cuda/ops/layer-norm", test_layer_norm);
  g_test_add_func ("/cuda/ops/elementwise", test_elementwise);
  g_test_add_func ("/cuda/ops/layout", test_layout);
  g_test_add_func ("/cuda/ops/masked-mean", test_masked_mean);
  g_test_add_func ("/cuda/ops/softmax-expect", test_softmax_expect);
  g_test_add_func ("/cuda/ops/attention", test_attention);
  g_test_add_func ("/cuda/ops/attention-tf32", test_attention_tf32);
  g_test_add_func ("/cuda/ops/attention-bf16", test_attention_bf16);
  g_test_add_func ("/cuda/ops/global-attention", test_global_attention);
  g_test_add_func ("/cuda/modules/gated-attention", test_module_gated_attention);
  g_test_add_func ("/cuda/modules/transition", test_module_transition);
  g_test_add_func ("/cuda/modules/triangle-multiplication", test_module_triangle_multiplication);
  g_test_add_func ("/cuda/modules/outer-product-mean", test_module_outer_product_mean);
  g_test_add_func ("/cuda/modules/scratch-too-small", test_module_scratch_too_small);
  g_test_add_func ("/cuda/engine/tiny", test_engine_tiny);
  g_test_add_func ("/cuda/engine/realdim", test_engine_realdim);
  g_test_add_func ("/cuda/engine/single", test_engine_single);
  g_test_add_func ("/cuda/engine/tmpl", test_engine_tmpl);
  g_test_add_func ("/cuda/engine/precisions", test_engine_precisions);
  int rc = g_test_run ();
  golden_case_free (g_tiny);
  golden_case_free (g_realdim);
  golden_case_free (g_single);
  golden_case_free (g_tmpl);
  fl_backend_free (gpu);
  fl_backend_free (cpu);
  g_free (args);
  return rc;
}
