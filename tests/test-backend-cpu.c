/* The CPU backend, op by op, against naive double-precision references on
 * random inputs at several shapes (including 1, 7 and 33). Every output
 * buffer has guard values after its end that must stay untouched. */
#include <glib.h>
#include <math.h>
#include <string.h>
#include "fl-backend-cpu-private.h"
#include "fl-backend-modules.h"
#include "fl-error.h"
#include "fl-test-util.h"

#define GUARD 16
#define GUARD_VALUE 12345.678f

static FlBackend *backend;          /* fl_backend_cpu_new: the fast ops in place */
static FlBackend *reference;        /* the plain op table */

/* A backend buffer of n floats plus GUARD guard values. */
static float *
buf_new (int64_t n)
{
  float *p = backend->ops->alloc (backend, (size_t) n + GUARD);
  g_assert_nonnull (p);
  for (int i = 0; i < GUARD; i++)
    p[n + i] = GUARD_VALUE;
  return p;
}

static float *
buf_random (int64_t n, guint64 seed)
{
  float *p = buf_new (n);
  fl_test_fill_random (p, n, seed);
  return p;
}

static void
buf_check_guard (const float *p, int64_t n)
{
  for (int i = 0; i < GUARD; i++)
    g_assert_cmpfloat (p[n + i], ==, GUARD_VALUE);
}

static void
buf_free (float *p)
{
  backend->ops->free (backend, p);
}

/* Compare against a double reference with a tolerance relative to max|want|. */
static void
check_close (const char *label, const float *got, const double *want, int64_t n, double tol)
{
  double scale = 1e-30, max_err = 0;
  for (int64_t i = 0; i < n; i++)
    scale = MAX (scale, fabs (want[i]));
  for (int64_t i = 0; i < n; i++)
    {
      g_assert_false (isnan (got[i]));
      max_err = MAX (max_err, fabs ((double) got[i] - want[i]));
    }
  if (max_err / scale > tol)
    g_error ("%s: max error %.3g relative %.3g > %.3g", label, max_err, max_err / scale, tol);
  g_assert_no_error (backend->error);
}

static const int64_t dims[] = { 1, 7, 33 };

static void
test_linear (void)
{
  for (guint a = 0; a < 3; a++)
    for (guint c = 0; c < 3; c++)
      for (guint d = 0; d < 3; d++)
        for (int acc = 0; acc < 2; acc++)
          for (int with_bias = 0; with_bias < 2; with_bias++)
            {
              /* 33 x 3 rows of 35 x 33 and more: the threaded path too */
          int64_t M = dims[a] * (a == 2 ? 30 : 3), K = dims[c] + 2, N = dims[d] * (d == 2 ? 10 : 1);
              float *x = buf_random (M * K, 1 + a), *w = buf_random (K * N, 2 + c);
              float *bias = buf_random (N, 3 + d), *y = buf_random (M * N, 4);
              g_autofree double *ref = g_new (double, M * N);
              for (int64_t m = 0; m < M; m++)
                for (int64_t n = 0; n < N; n++)
                  {
                    double s = acc ? y[m * N + n] : 0.0;
                    for (int64_t k = 0; k < K; k++)
                      s += (double) x[m * K + k] * w[k * N + n];
                    ref[m * N + n] = s + (with_bias ? bias[n] : 0.0);
                  }
              FL_OP (backend, linear, x, w, with_bias ? bias : NULL, y, M, K, N, acc);
              check_close ("linear", y, ref, M * N, 1e-5);
              buf_check_guard (y, M * N);
              if (!acc)
                {
                  for (int64_t i = 0; i < M * N; i++)
                    ref[i] = MAX (ref[i], 0.0);
                  FL_OP (backend, linear_relu, x, w, with_bias ? bias : NULL, y, M, K, N);
                  check_close ("linear_relu", y, ref, M * N, 1e-5);
                  buf_check_guard (y, M * N);
                }
              buf_free (x); buf_free (w); buf_free (bias); buf_free (y);
            }
}

static void
test_gemm_batched (void)
{
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      for (guint s = 0; s < 3; s++)
        {
          int64_t M = dims[s], N = dims[(s + 1) % 3], K = dims[(s + 2) % 3], batch = 3;
          /* Padded leading dimensions and strides to check they are honoured. */
          int64_t lda = (ta ? M : K) + 2, ldb = (tb ? K : N) + 1, ldc = N + 3;
          int64_t sa = (ta ? K : M) * lda + 5, sb = (tb ? N : K) * ldb + 1, sc = M * ldc + 2;
          float alpha = 0.7f, beta = 0.3f;
          float *A = buf_random (sa * batch, 10), *B = buf_random (sb * batch, 11);
          float *C = buf_random (sc * batch, 12);
          g_autofree double *ref = g_new (double, sc * batch);
          for (int64_t i = 0; i < sc * batch; i++)
            ref[i] = C[i];
          for (int64_t p = 0; p < batch; p++)
            for (int64_t m = 0; m < M; m++)
              for (int64_t n = 0; n < N; n++)
                {
                  double s2 = 0;
                  for (int64_t k = 0; k < K; k++)
                    {
                      double av = ta ? A[p * sa + k * lda + m] : A[p * sa + m * lda + k];
                      double bv = tb ? B[p * sb + n * ldb + k] : B[p * sb + k * ldb + n];
                      s2 += av * bv;
                    }
                  ref[p * sc + m * ldc + n] = alpha * s2 + beta * C[p * sc + m * ldc + n];
                }
          FL_OP (backend, gemm_batched, ta, tb, M, N, K, alpha, A, lda, sa, B, ldb, sb,
                 beta, C, ldc, sc, batch);
          check_close ("gemm_batched", C, ref, sc * batch, 1e-5);
          buf_check_guard (C, sc * batch);
          buf_free (A); buf_free (B); buf_free (C);
        }
}

static void
test_layer_norm (void)
{
  for (guint a = 0; a < 3; a++)
    for (guint c = 0; c < 3; c++)
      for (int in_place = 0; in_place < 2; in_place++)
        {
          int64_t M = dims[a] + 1, C = dims[c] * 4;
          float *x = buf_random (M * C, 20), *scale = buf_random (C, 21), *offset = buf_random (C, 22);
          /* An offset mean checks the two-pass variance. */
          for (int64_t i = 0; i < M * C; i++)
            x[i] = 3.f * x[i] + 100.f;
          float *y = in_place ? x : buf_new (M * C);
          g_autofree double *ref = g_new (double, M * C);
          for (int64_t m = 0; m < M; m++)
            {
              double mean = 0, var = 0;
              for (int64_t k = 0; k < C; k++)
                mean += x[m * C + k];
              mean /= C;
              for (int64_t k = 0; k < C; k++)
                var += (x[m * C + k] - mean) * (x[m * C + k] - mean);
              var /= C;
              for (int64_t k = 0; k < C; k++)
                ref[m * C + k] = (x[m * C + k] - mean) / sqrt (var + 1e-5) * scale[k] + offset[k];
            }
          FL_OP (backend, layer_norm, x, scale, offset, y, M, C);
          check_close ("layer_norm", y, ref, M * C, 2e-5);
          buf_check_guard (y, M * C);
          if (!in_place)
            buf_free (y);
          buf_free (x); buf_free (scale); buf_free (offset);
        }
}

static void
test_elementwise (void)
{
  for (guint a = 0; a < 3; a++)
    {
      int64_t n = dims[a] * 9000 + 3;   /* 33: large enough to take the threaded path too */
      float *x = buf_random (n, 30), *y = buf_random (n, 31);
      g_autofree double *ref = g_new (double, n);
      g_autofree float *y0 = g_memdup2 (y, n * sizeof (float));

      for (int64_t i = 0; i < n; i++) ref[i] = (double) y0[i] + x[i];
      FL_OP (backend, add, y, x, n);
      check_close ("add", y, ref, n, 1e-6);

      memcpy (y, y0, n * sizeof (float));
      for (int64_t i = 0; i < n; i++) ref[i] = (double) y0[i] * x[i];
      FL_OP (backend, mul, y, x, n);
      check_close ("mul", y, ref, n, 1e-6);

      memcpy (y, y0, n * sizeof (float));
      for (int64_t i = 0; i < n; i++) ref[i] = (double) y0[i] * -0.37;
      FL_OP (backend, scale, y, -0.37f, n);
      check_close ("scale", y, ref, n, 1e-6);

      memcpy (y, y0, n * sizeof (float));
      for (int64_t i = 0; i < n; i++) ref[i] = y0[i] > 0 ? y0[i] : 0;
      FL_OP (backend, relu, y, n);
      check_close ("relu", y, ref, n, 0);

      memcpy (y, y0, n * sizeof (float));
      for (int64_t i = 0; i < n; i++) ref[i] = (double) y0[i] / (1.0 + exp (-(double) x[i]));
      FL_OP (backend, sigmoid_mul, y, x, n);
      check_close ("sigmoid_mul", y, ref, n, 1e-6);

      FL_OP (backend, fill, y, 2.5f, n);
      for (int64_t i = 0; i < n; i++) ref[i] = 2.5;
      check_close ("fill", y, ref, n, 0);

      FL_OP (backend, copy, y, x, n);
      for (int64_t i = 0; i < n; i++) ref[i] = x[i];
      check_close ("copy", y, ref, n, 0);

      g_autofree float *host = g_new (float, n);
      backend->ops->download (backend, host, x, n);
      backend->ops->upload (backend, y, host, n);
      check_close ("download/upload", y, ref, n, 0);

      buf_check_guard (y, n);
      buf_free (x); buf_free (y);
    }
}

static void
test_rows (void)
{
  for (guint a = 0; a < 3; a++)
    for (guint c = 0; c < 3; c++)
      {
        int64_t M = dims[a] * 2, C = dims[c];
        float *y = buf_random (M * C, 40), *m = buf_random (M, 41), *x = buf_random (C, 42);
        g_autofree double *ref = g_new (double, M * C);
        g_autofree float *y0 = g_memdup2 (y, M * C * sizeof (float));
        for (int64_t r = 0; r < M; r++)
          for (int64_t k = 0; k < C; k++)
            ref[r * C + k] = (double) y0[r * C + k] * m[r];
        FL_OP (backend, mul_rows, y, m, M, C);
        check_close ("mul_rows", y, ref, M * C, 1e-6);
        memcpy (y, y0, M * C * sizeof (float));
        for (int64_t r = 0; r < M; r++)
          for (int64_t k = 0; k < C; k++)
            ref[r * C + k] = (double) y0[r * C + k] + x[k];
        FL_OP (backend, add_row_vector, y, x, M, C);
        check_close ("add_row_vector", y, ref, M * C, 1e-6);
        buf_check_guard (y, M * C);
        buf_free (y); buf_free (m); buf_free (x);
      }
}

static void
test_layout (void)
{
  for (guint a = 0; a < 3; a++)
    for (guint bb = 0; bb < 3; bb++)
      for (guint c = 0; c < 3; c++)
        {
          int64_t A = dims[a], B = dims[bb] + 1, C = dims[c];
          int64_t n = A * B * C;
          float *x = buf_random (n, 50), *y = buf_new (n), *z = buf_new (n);
          g_autofree double *ref = g_new (double, n);
          for (int64_t i = 0; i < A; i++)
            for (int64_t j = 0; j < B; j++)
              for (int64_t k = 0; k < C; k++)
                ref[(j * A + i) * C + k] = x[(i * B + j) * C + k];
          FL_OP (backend, swap01, x, y, A, B, C);
          check_close ("swap01", y, ref, n, 0);
          for (int64_t i = 0; i < A; i++)
            for (int64_t j = 0; j < B; j++)
              for (int64_t k = 0; k < C; k++)
                ref[(k * A + i) * B + j] = x[(i * B + j) * C + k];
          FL_OP (backend, to_channel_first, x, y, A, B, C);
          check_close ("to_channel_first", y, ref, n, 0);
          for (int64_t i = 0; i < n; i++)
            ref[i] = x[i];
          FL_OP (backend, from_channel_first, y, z, A, B, C);
          check_close ("from_channel_first", z, ref, n, 0);
          buf_check_guard (y, n);
          buf_check_guard (z, n);

          /* gate_to_channel_first and add_sigmoid_mul against double references */
          float *g = buf_random (n, 51), *m = buf_random (A * B, 52);
          for (int64_t r = 0; r < A * B; r++)
            m[r] = m[r] > 0.f ? 1.f : 0.f;
          for (int with_mask = 0; with_mask < 2; with_mask++)
            {
              for (int64_t r = 0; r < A * B; r++)
                for (int64_t k = 0; k < C; k++)
                  ref[k * A * B + r] = x[r * C + k] / (1.0 + exp (-(double) g[r * C + k]))
                                       * (with_mask ? m[r] : 1.0);
              FL_OP (backend, gate_to_channel_first, x, g, with_mask ? m : NULL, y, A, B, C);
              check_close ("gate_to_channel_first", y, ref, n, 1e-5);
              buf_check_guard (y, n);
            }
          for (int64_t i = 0; i < n; i++)
            ref[i] = z[i] + x[i] / (1.0 + exp (-(double) g[i]));
          FL_OP (backend, add_sigmoid_mul, z, x, g, (size_t) n);
          check_close ("add_sigmoid_mul", z, ref, n, 1e-5);
          buf_check_guard (z, n);
          buf_free (g); buf_free (m);
          buf_free (x); buf_free (y); buf_free (z);
        }
}

/* Naive attention in double, including the mean of the weights over b. */
static void
attention_ref (const float *q, const float *k, const float *v, const float *mask,
               const float *bias, double *out, double *mean,
               int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D)
{
  g_autofree double *w = g_new (double, Lk);
  memset (mean, 0, sizeof (double) * H * Lq * Lk);
  for (int64_t b = 0; b < B; b++)
    for (int64_t h = 0; h < H; h++)
      for (int64_t i = 0; i < Lq; i++)
        {
          double mx = -INFINITY, sum = 0;
          for (int64_t j = 0; j < Lk; j++)
            {
              double s = 0;
              for (int64_t d = 0; d < D; d++)
                s += (double) q[((b * Lq + i) * H + h) * D + d] * k[((b * Lk + j) * H + h) * D + d];
              s /= sqrt ((double) D);
              if (mask)
                s += mask[b * Lk + j] > 0 ? 0 : -1e9;
              if (bias)
                s += bias[(h * Lq + i) * Lk + j];
              w[j] = s;
              mx = MAX (mx, s);
            }
          for (int64_t j = 0; j < Lk; j++)
            sum += (w[j] = exp (w[j] - mx));
          for (int64_t d = 0; d < D; d++)
            {
              double o = 0;
              for (int64_t j = 0; j < Lk; j++)
                o += w[j] / sum * v[((b * Lk + j) * H + h) * D + d];
              out[((b * Lq + i) * H + h) * D + d] = o;
            }
          for (int64_t j = 0; j < Lk; j++)
            mean[(h * Lq + i) * Lk + j] += w[j] / sum / B;
        }
}

static void
test_attention (void)
{
  static const int64_t shapes[][5] = {
    /* B, Lq, Lk, H, D */
    { 1, 1, 1, 1, 1 },
    { 3, 7, 7, 2, 8 },
    { 2, 33, 33, 4, 16 },
    { 5, 7, 33, 3, 7 },
    { 33, 1, 7, 1, 32 },
    { 9, 65, 63, 4, 16 },     /* large enough for the threaded path */
    { 2, 70, 1100, 2, 8 },    /* long keys: queries in blocks (of 59 rows) */
  };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int variant = 0; variant < 4; variant++)
      {
        int64_t B = shapes[s][0], Lq = shapes[s][1], Lk = shapes[s][2], H = shapes[s][3], D = shapes[s][4];
        gboolean use_mask = variant & 1, use_bias = variant & 2;
        float *q = buf_random (B * Lq * H * D, 60), *k = buf_random (B * Lk * H * D, 61);
        float *v = buf_random (B * Lk * H * D, 62), *bias = buf_random (H * Lq * Lk, 63);
        float *mask = buf_new (B * Lk), *out = buf_new (B * Lq * H * D), *mean = buf_new (H * Lq * Lk);
        for (int64_t i = 0; i < B * Lk; i++)
          mask[i] = (i % 3 == 1) ? 0.f : 1.f;
        for (int64_t i = 0; i < B * Lq * H * D; i++)
          q[i] *= 2.f;    /* sharper softmax */
        g_autofree double *ref = g_new (double, B * Lq * H * D);
        g_autofree double *ref_mean = g_new (double, H * Lq * Lk);
        attention_ref (q, k, v, use_mask ? mask : NULL, use_bias ? bias : NULL, ref, ref_mean,
                       B, Lq, Lk, H, D);
        FL_OP (backend, attention, q, k, v, use_mask ? mask : NULL, use_bias ? bias : NULL,
               NULL, out, B, Lq, Lk, H, D, mean);
        check_close ("attention", out, ref, B * Lq * H * D, 1e-5);
        check_close ("attention probs_mean", mean, ref_mean, H * Lq * Lk, 1e-5);
        buf_check_guard (out, B * Lq * H * D);
        buf_check_guard (mean, H * Lq * Lk);
        /* Without capture the output is the same. */
        FL_OP (backend, attention, q, k, v, use_mask ? mask : NULL, use_bias ? bias : NULL,
               NULL, out, B, Lq, Lk, H, D, NULL);
        check_close ("attention (no capture)", out, ref, B * Lq * H * D, 1e-5);
        /* Gated: out * sigmoid(gate) (q doubles as the gate values). */
        for (int64_t i = 0; i < B * Lq * H * D; i++)
          ref[i] /= 1.0 + exp (-(double) q[i]);
        FL_OP (backend, attention, q, k, v, use_mask ? mask : NULL, use_bias ? bias : NULL,
               q, out, B, Lq, Lk, H, D, NULL);
        check_close ("attention (gated)", out, ref, B * Lq * H * D, 1e-5);
        buf_free (q); buf_free (k); buf_free (v); buf_free (bias);
        buf_free (mask); buf_free (out); buf_free (mean);
      }
}

static void
test_global_attention (void)
{
  static const int64_t shapes[][4] = { { 1, 1, 1, 1 }, { 7, 33, 2, 8 }, { 33, 7, 4, 3 } };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      int64_t N = shapes[s][0], S = shapes[s][1], H = shapes[s][2], D = shapes[s][3];
      float *q = buf_random (N * H * D, 70), *k = buf_random (N * S * D, 71);
      float *v = buf_random (N * S * D, 72), *mask = buf_new (N * S), *out = buf_new (N * H * D);
      for (int64_t i = 0; i < N * S; i++)
        mask[i] = (i % 4 == 2) ? 0.f : 1.f;
      g_autofree double *ref = g_new (double, N * H * D);
      g_autofree double *w = g_new (double, S);
      for (int64_t n = 0; n < N; n++)
        for (int64_t h = 0; h < H; h++)
          {
            double mx = -INFINITY, sum = 0;
            for (int64_t t = 0; t < S; t++)
              {
                double dot = 0;
                for (int64_t d = 0; d < D; d++)
                  dot += (double) q[(n * H + h) * D + d] * k[(n * S + t) * D + d];
                w[t] = dot + 1e9 * (mask[n * S + t] - 1.0);
                mx = MAX (mx, w[t]);
              }
            for (int64_t t = 0; t < S; t++)
              sum += (w[t] = exp (w[t] - mx));
            for (int64_t d = 0; d < D; d++)
              {
                double o = 0;
                for (int64_t t = 0; t < S; t++)
                  o += w[t] / sum * v[(n * S + t) * D + d];
                ref[(n * H + h) * D + d] = o;
              }
          }
      FL_OP (backend, global_attention, q, k, v, mask, out, N, S, H, D);
      check_close ("global_attention", out, ref, N * H * D, 1e-5);
      buf_check_guard (out, N * H * D);
      buf_free (q); buf_free (k); buf_free (v); buf_free (mask); buf_free (out);
    }
}

static void
test_softmax_expect (void)
{
  /* Against a plain double computation of softmax(x) @ table, with large
   * logits (no overflow: the maximum is subtracted) and odd sizes. */
  static const int64_t Ms[] = { 1, 7, 33 }, Bins[] = { 1, 5, 64, 70 }, Es[] = { 1, 2, 64 };
  for (guint a = 0; a < G_N_ELEMENTS (Ms); a++)
    for (guint c = 0; c < G_N_ELEMENTS (Bins); c++)
      for (guint e = 0; e < G_N_ELEMENTS (Es); e++)
        {
          int64_t M = Ms[a], bins = Bins[c], E = Es[e];
          float *x = buf_random (M * bins, 90 + c), *t = buf_random (bins * E, 95 + e);
          float *y = buf_new (M * E);
          for (int64_t i = 0; i < M * bins; i++)
            x[i] *= 200.f;
          g_autofree double *ref = g_new (double, M * E);
          for (int64_t m = 0; m < M; m++)
            {
              double mx = -INFINITY, sum = 0;
              for (int64_t k = 0; k < bins; k++)
                mx = MAX (mx, (double) x[m * bins + k]);
              for (int64_t k = 0; k < bins; k++)
                sum += exp ((double) x[m * bins + k] - mx);
              for (int64_t j = 0; j < E; j++)
                {
                  double acc = 0;
                  for (int64_t k = 0; k < bins; k++)
                    acc += exp ((double) x[m * bins + k] - mx) / sum * t[k * E + j];
                  ref[m * E + j] = acc;
                }
            }
          FL_OP (backend, softmax_expect, x, t, y, M, bins, E);
          check_close ("softmax_expect", y, ref, M * E, 1e-6);
          buf_check_guard (y, M * E);
          buf_free (x); buf_free (t); buf_free (y);
        }
}

static void
test_masked_mean (void)
{
  for (guint a = 0; a < 3; a++)
    for (guint c = 0; c < 3; c++)
      {
        int64_t N = dims[a], S = dims[c] + 2, C = dims[(a + c) % 3];
        float *x = buf_random (N * S * C, 80), *mask = buf_new (N * S), *y = buf_new (N * C);
        float *r = buf_random (N * C, 81), *z = buf_random (N * S * C, 82);
        for (int64_t i = 0; i < N * S; i++)
          mask[i] = (i % 3 == 0) ? 0.f : 1.f;
        g_autofree double *ref = g_new (double, N * C);
        for (int64_t n = 0; n < N; n++)
          for (int64_t k = 0; k < C; k++)
            {
              double s = 0, m = 0;
              for (int64_t t = 0; t < S; t++)
                {
                  s += (double) mask[n * S + t] * x[(n * S + t) * C + k];
                  m += mask[n * S + t];
                }
              ref[n * C + k] = s / (m + 1e-10);
            }
        FL_OP (backend, masked_mean, x, mask, y, N, S, C, 1e-10f);
        check_close ("masked_mean", y, ref, N * C, 1e-6);
        buf_check_guard (y, N * C);

        g_autofree double *ref2 = g_new (double, N * S * C);
        for (int64_t n = 0; n < N; n++)
          for (int64_t t = 0; t < S; t++)
            for (int64_t k = 0; k < C; k++)
              ref2[(n * S + t) * C + k] = (double) z[(n * S + t) * C + k] * r[n * C + k];
        FL_OP (backend, mul_broadcast_rows, z, r, N, S, C);
        check_close ("mul_broadcast_rows", z, ref2, N * S * C, 1e-6);
        buf_check_guard (z, N * S * C);
        buf_free (x); buf_free (mask); buf_free (y); buf_free (r); buf_free (z);
      }
}

/* ---------------------------------------------- fast ops against the plain ones */

/* The fast attention, linear and linear_relu of fl_backend_cpu_new against
 * the plain op table on fresh random inputs: odd lengths (1, 7, 33), odd and
 * padded head widths, masks with masked keys (and a fully masked batch row),
 * bias, gate and the probability capture. */
static void
compare (const char *label, const float *got, const float *want, int64_t n, double tol)
{
  g_autofree double *w = g_new (double, n);
  for (int64_t i = 0; i < n; i++)
    w[i] = want[i];
  check_close (label, got, w, n, tol);
}

static void
test_fast_attention (void)
{
  static const int64_t shapes[][5] = {
    /* B, Lq, Lk, H, D */
    { 1, 1, 1, 1, 1 },
    { 2, 7, 7, 3, 5 },
    { 3, 33, 33, 2, 9 },
    { 7, 33, 1, 1, 8 },
    { 1, 7, 33, 4, 17 },
    { 5, 1, 33, 2, 32 },
    { 33, 7, 7, 8, 8 },
    { 2, 33, 70, 3, 33 },
    { 3, 150, 601, 2, 16 },    /* several query blocks of the long-key tiling */
    { 40, 33, 33, 8, 32 },     /* threaded */
  };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int variant = 0; variant < 8; variant++)
      {
        int64_t B = shapes[s][0], Lq = shapes[s][1], Lk = shapes[s][2], H = shapes[s][3];
        int64_t D = shapes[s][4];
        gboolean use_mask = variant & 1, use_bias = variant & 2, use_gate = variant & 4;
        guint64 seed = 1000 + 10 * s + variant;   /* fresh inputs per case */
        int64_t nq = B * Lq * H * D, nk = B * Lk * H * D;
        float *q = buf_random (nq, seed), *k = buf_random (nk, seed + 1);
        float *v = buf_random (nk, seed + 2), *bias = buf_random (H * Lq * Lk, seed + 3);
        float *gate = buf_random (nq, seed + 4), *mask = buf_random (B * Lk, seed + 5);
        for (int64_t i = 0; i < B * Lk; i++)
          mask[i] = (mask[i] > 0.3f || i < Lk) && i / Lk != 1 ? 1.f : 0.f;  /* row 1: all masked */
        for (int64_t i = 0; i < nq; i++)
          q[i] *= 3.f;    /* sharp softmax */
        float *want = buf_new (nq), *got = buf_new (nq);
        float *mean_want = buf_new (H * Lq * Lk), *mean_got = buf_new (H * Lq * Lk);
        for (int capture = 0; capture < 2; capture++)
          {
            FL_OP (reference, attention, q, k, v, use_mask ? mask : NULL, use_bias ? bias : NULL,
                   use_gate ? gate : NULL, want, B, Lq, Lk, H, D, capture ? mean_want : NULL);
            FL_OP (backend, attention, q, k, v, use_mask ? mask : NULL, use_bias ? bias : NULL,
                   use_gate ? gate : NULL, got, B, Lq, Lk, H, D, capture ? mean_got : NULL);
            compare ("fast attention", got, want, nq, 2e-6);
            buf_check_guard (got, nq);
            if (capture)
              {
                compare ("fast attention probs_mean", mean_got, mean_want, H * Lq * Lk, 2e-6);
                buf_check_guard (mean_got, H * Lq * Lk);
              }
          }
        g_assert_no_error (reference->error);
        buf_free (q); buf_free (k); buf_free (v); buf_free (bias); buf_free (gate);
        buf_free (mask); buf_free (want); buf_free (got); buf_free (mean_want);
        buf_free (mean_got);
      }
}

static void
test_fast_linear (void)
{
  static const int64_t shapes[][3] = {
    /* M, K, N */
    { 1, 1, 1 },
    { 7, 33, 1 },
    { 33, 7, 33 },
    { 1, 33, 7 },
    { 333, 65, 129 },       /* many row tiles, threaded */
    { 1031, 257, 1025 },    /* tiles of 56 rows with a short last one */
  };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int variant = 0; variant < 4; variant++)
      {
        int64_t M = shapes[s][0], K = shapes[s][1], N = shapes[s][2];
        gboolean use_bias = variant & 1, acc = variant & 2;
        guint64 seed = 2000 + 10 * s + variant;
        float *x = buf_random (M * K, seed), *w = buf_random (K * N, seed + 1);
        float *bias = buf_random (N, seed + 2), *y0 = buf_random (M * N, seed + 3);
        float *want = buf_new (M * N), *got = buf_new (M * N);
        memcpy (want, y0, M * N * sizeof (float));
        memcpy (got, y0, M * N * sizeof (float));
        FL_OP (reference, linear, x, w, use_bias ? bias : NULL, want, M, K, N, acc);
        FL_OP (backend, linear, x, w, use_bias ? bias : NULL, got, M, K, N, acc);
        compare ("fast linear", got, want, M * N, 2e-6);
        buf_check_guard (got, M * N);
        if (!acc)
          {
            FL_OP (reference, linear_relu, x, w, use_bias ? bias : NULL, want, M, K, N);
            FL_OP (backend, linear_relu, x, w, use_bias ? bias : NULL, got, M, K, N);
            compare ("fast linear_relu", got, want, M * N, 2e-6);
            buf_check_guard (got, M * N);
            for (int64_t i = 0; i < M * N; i++)
              g_assert_cmpfloat (got[i], >=, 0.f);
          }
        g_assert_no_error (reference->error);
        buf_free (x); buf_free (w); buf_free (bias); buf_free (y0); buf_free (want);
        buf_free (got);
      }
}

/* The fused module ops of fl_backend_cpu_new (fl-cpu-modules.c) against
 * the plain table's composition of them (fl-backend-modules.c), on fresh
 * random inputs: odd lengths and widths, a fully masked item, bias,
 * accumulate, the capture of the softmax weights, and scratch for all
 * items, 3 or 1 at a time (tiles of one or several items, threaded). */
static void
test_fast_gated_attention (void)
{
  static const int64_t shapes[][5] = {
    /* B, L, c, H, D */
    { 1, 1, 1, 1, 1 },
    { 3, 7, 9, 2, 5 },
    { 5, 33, 17, 3, 9 },
    { 2, 33, 33, 1, 33 },
    { 33, 7, 12, 8, 8 },       /* many items per tile */
    { 7, 150, 16, 2, 16 },     /* one item per tile, several query blocks */
    { 60, 33, 32, 8, 32 },     /* threaded tiles of several items */
  };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int variant = 0; variant < 16; variant++)
      {
        const int64_t B = shapes[s][0], L = shapes[s][1], c = shapes[s][2], H = shapes[s][3];
        const int64_t D = shapes[s][4], hd = H * D;
        const gboolean use_mask = variant & 1, use_bias = variant & 2, acc = variant & 4;
        const gboolean capture = variant & 8;
        guint64 seed = 3000 + 20 * s + variant;
        float *wq = buf_random (c * hd, seed), *wk = buf_random (c * hd, seed + 1);
        float *wv = buf_random (c * hd, seed + 2), *wg = buf_random (c * hd, seed + 3);
        float *bg = buf_random (hd, seed + 4), *wo = buf_random (hd * c, seed + 5);
        float *bo = buf_random (c, seed + 6), *x = buf_random (B * L * c, seed + 7);
        float *bias = buf_random (H * L * L, seed + 8), *mask = buf_random (B * L, seed + 9);
        float *y0 = buf_random (B * L * c, seed + 10);
        /* weights of a trained model's size (1 / sqrt (fan-in)): uniform
         * [-1, 1] ones make logits of tens, whose softmax amplifies the
         * last-bit differences of BLAS kernels for other widths N */
        float *ws[] = { wq, wk, wv, wg };
        for (guint p = 0; p < G_N_ELEMENTS (ws); p++)
          for (int64_t i = 0; i < c * hd; i++)
            ws[p][i] /= sqrtf ((float) c);
        for (int64_t i = 0; i < hd * c; i++)
          wo[i] /= sqrtf ((float) hd);
        for (int64_t i = 0; i < B * L; i++)   /* item 1 (or the only one's first key) masked */
          mask[i] = (mask[i] > 0.3f || i % L == 0) && i / L != 1 ? 1.f : 0.f;
        const FlAttentionWeights w = { wq, wk, wv, wg, bg, wo, bo };
        const int64_t chunks[] = { B, MIN (3, B), 1 };
        float *want = buf_new (B * L * c), *got = buf_new (B * L * c);
        float *pm_want = buf_new (H * L * L), *pm_got = buf_new (H * L * L);
        for (guint k = 0; k < G_N_ELEMENTS (chunks); k++)
          {
            size_t n_scr = fl_module_gated_attention_scratch (B, chunks[k], L, H, D, capture);
            float *scr_ref = buf_new ((int64_t) n_scr), *scr = buf_new ((int64_t) n_scr);
            memcpy (want, y0, B * L * c * sizeof (float));
            memcpy (got, y0, B * L * c * sizeof (float));
            FL_OP (reference, gated_attention, &w, x, B, L, c, H, D, use_mask ? mask : NULL,
                   use_bias ? bias : NULL, want, acc, capture ? pm_want : NULL, scr_ref, n_scr);
            FL_OP (backend, gated_attention, &w, x, B, L, c, H, D, use_mask ? mask : NULL,
                   use_bias ? bias : NULL, got, acc, capture ? pm_got : NULL, scr, n_scr);
            g_autofree char *label = g_strdup_printf ("fused gated_attention B=%" G_GINT64_FORMAT
                                                      " L=%" G_GINT64_FORMAT " variant %d chunk %"
                                                      G_GINT64_FORMAT, B, L, variant, chunks[k]);
            compare (label, got, want, B * L * c, 2e-6);
            buf_check_guard (got, B * L * c);
            buf_check_guard (scr, (int64_t) n_scr);
            if (capture)
              {
                g_autofree char *label_p = g_strconcat (label, " probs_mean", NULL);
                /* in chunks, the composition sums chunk means weighted by
                 * n / B: a few roundings more than the fused sum / B */
                compare (label_p, pm_got, pm_want, H * L * L, chunks[k] == B ? 2e-6 : 5e-6);
                buf_check_guard (pm_got, H * L * L);
              }
            g_assert_no_error (reference->error);
            buf_free (scr_ref);
            buf_free (scr);
          }
        float *all[] = { wq, wk, wv, wg, bg, wo, bo, x, bias, mask, y0, want, got, pm_want,
                         pm_got };
        for (guint i = 0; i < G_N_ELEMENTS (all); i++)
          buf_free (all[i]);
      }
}

static void
test_fast_transition (void)
{
  static const int64_t shapes[][3] = {
    /* M, c, hidden */
    { 1, 1, 1 },
    { 7, 5, 9 },
    { 33, 17, 33 },
    { 1031, 33, 65 },      /* many tiles, a short last one, threaded */
    { 300, 64, 256 },
  };
  for (guint s = 0; s < G_N_ELEMENTS (shapes); s++)
    for (int with_bias = 0; with_bias < 2; with_bias++)
      {
        const int64_t M = shapes[s][0], c = shapes[s][1], hidden = shapes[s][2];
        guint64 seed = 4000 + 10 * s + with_bias;
        float *ls = buf_random (c, seed), *lo = buf_random (c, seed + 1);
        float *w1 = buf_random (c * hidden, seed + 2), *b1 = buf_random (hidden, seed + 3);
        float *w2 = buf_random (hidden * c, seed + 4), *b2 = buf_random (c, seed + 5);
        float *act0 = buf_random (M * c, seed + 6);
        const FlTransitionWeights w = { ls, lo, w1, with_bias ? b1 : NULL, w2,
                                        with_bias ? b2 : NULL };
        const int64_t chunks[] = { M, MIN (3, M), 1 };
        float *want = buf_new (M * c), *got = buf_new (M * c);
        for (guint k = 0; k < G_N_ELEMENTS (chunks); k++)
          {
            size_t n_scr = (size_t) chunks[k] * fl_module_transition_per_row (c, hidden);
            float *scr_ref = buf_new ((int64_t) n_scr), *scr = buf_new ((int64_t) n_scr);
            memcpy (want, act0, M * c * sizeof (float));
            memcpy (got, act0, M * c * sizeof (float));
            FL_OP (reference, transition, &w, want, M, c, hidden, scr_ref, n_scr);
            FL_OP (backend, transition, &w, got, M, c, hidden, scr, n_scr);
            g_autofree char *label = g_strdup_printf ("fused transition M=%" G_GINT64_FORMAT
                                                      " chunk %" G_GINT64_FORMAT, M, chunks[k]);
            compare (label, got, want, M * c, 2e-6);
            buf_check_guard (got, M * c);
            buf_check_guard (scr, (int64_t) n_scr);
            g_assert_no_error (reference->error);
            buf_free (scr_ref);
            buf_free (scr);
          }
        /* not even one row fits: an error, not a crash */
        float *scr = buf_new (1);
        FL_OP (backend, transition, &w, got, M, c, hidden, scr, c + hidden - 1);
        g_autoptr (GError) error = NULL;
        g_assert_false (fl_backend_check (backend, &error));
        g_assert_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_OUT_OF_MEMORY);
        buf_free (scr);
        float *all[] = { ls, lo, w1, b1, w2, b2, act0, want, got };
        for (guint i = 0; i < G_N_ELEMENTS (all); i++)
          buf_free (all[i]);
      }
}

/* The naive double references of the ops above also hold for the plain table. */
static void
test_reference_ops (void)
{
  FlBackend *fast = backend;
  backend = reference;
  test_linear ();
  test_attention ();
  backend = fast;
}

static void
test_memory (void)
{
  gsize before = backend->bytes_in_use;
  float *p = backend->ops->alloc (backend, 1000);
  g_assert_nonnull (p);
  g_assert_cmpuint (backend->bytes_in_use, ==, before + 4000);
  g_assert_cmpuint (backend->bytes_peak, >=, backend->bytes_in_use);
  backend->ops->free (backend, p);
  g_assert_cmpuint (backend->bytes_in_use, ==, before);
  g_assert_cmpuint (backend->ops->memory_available (backend), >, 0);

  /* An impossible allocation is a sticky OUT_OF_MEMORY error, then no-ops. */
  p = backend->ops->alloc (backend, (size_t) 1 << 60);
  g_assert_null (p);
  float x = 1.f;
  FL_OP (backend, scale, &x, 2.f, 1);
  g_assert_cmpfloat (x, ==, 1.f);
  g_autoptr (GError) error = NULL;
  g_assert_false (fl_backend_check (backend, &error));
  g_assert_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_OUT_OF_MEMORY);
  g_assert_true (fl_backend_check (backend, NULL));
}

static void
test_new (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (FlBackend) b = fl_backend_new (FL_BACKEND_KIND_AUTO, 0, FL_PRECISION_FP32, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (b->description, "auto"));
  if (!fl_backend_cuda_available ())
    {
      g_assert_cmpstr (b->ops->name, ==, "cpu");
      FlBackend *c = fl_backend_new (FL_BACKEND_KIND_CUDA, 0, FL_PRECISION_FP32, 1, &error);
      g_assert_null (c);
      g_assert_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_NO_DEVICE);
    }
  FlPrecision p;
  g_assert_true (fl_precision_from_name ("bf16", &p));
  g_assert_cmpint (p, ==, FL_PRECISION_BF16);
  g_assert_cmpstr (fl_precision_name (FL_PRECISION_TF32), ==, "tf32");
  g_assert_false (fl_precision_from_name ("fp8", &p));
}

/* ------------------------------------------------------------ module ops */

/* transition against a naive double reference, for several chunk sizes
 * (scratch for 1, 3 or all rows): act += W2 relu(W1 LN(act) + b1) + b2. */
static void
test_module_transition (void)
{
  const int64_t c = 12, hidden = 20;
  for (guint s = 0; s < G_N_ELEMENTS (dims); s++)
    {
      const int64_t M = dims[s] * 3;
      float *ls = buf_random (c, 1), *lo = buf_random (c, 2), *w1 = buf_random (c * hidden, 3);
      float *b1 = buf_random (hidden, 4), *w2 = buf_random (hidden * c, 5), *b2 = buf_random (c, 6);
      float *act0 = buf_random (M * c, 7 + s);
      g_autofree double *want = g_new (double, M * c);
      for (int64_t r = 0; r < M; r++)
        {
          const float *x = act0 + r * c;
          double mean = 0, var = 0, h[64];
          for (int64_t i = 0; i < c; i++)
            mean += x[i];
          mean /= c;
          for (int64_t i = 0; i < c; i++)
            var += (x[i] - mean) * (x[i] - mean);
          var /= c;
          double xn[64];
          for (int64_t i = 0; i < c; i++)
            xn[i] = (x[i] - mean) / sqrt (var + 1e-5) * ls[i] + lo[i];
          for (int64_t j = 0; j < hidden; j++)
            {
              double a = b1[j];
              for (int64_t i = 0; i < c; i++)
                a += xn[i] * w1[i * hidden + j];
              h[j] = a > 0 ? a : 0;
            }
          for (int64_t k = 0; k < c; k++)
            {
              double a = b2[k];
              for (int64_t j = 0; j < hidden; j++)
                a += h[j] * w2[j * c + k];
              want[r * c + k] = x[k] + a;
            }
        }
      const FlTransitionWeights w = { ls, lo, w1, b1, w2, b2 };
      const int64_t chunks[] = { 1, 3, M };
      for (guint k = 0; k < G_N_ELEMENTS (chunks); k++)
        {
          size_t n_scr = (size_t) chunks[k] * (c + hidden);
          float *scr = buf_new ((int64_t) n_scr);
          float *act = buf_new (M * c);
          memcpy (act, act0, M * c * sizeof (float));
          backend->ops->transition (backend, &w, act, M, c, hidden, scr, n_scr);
          g_autofree char *label = g_strdup_printf ("transition M=%" G_GINT64_FORMAT
                                                    " chunk=%" G_GINT64_FORMAT, M, chunks[k]);
          check_close (label, act, want, M * c, 1e-5);
          buf_check_guard (act, M * c);
          buf_check_guard (scr, (int64_t) n_scr);
          buf_free (scr);
          buf_free (act);
        }
      float *all[] = { ls, lo, w1, b1, w2, b2, act0 };
      for (guint i = 0; i < G_N_ELEMENTS (all); i++)
        buf_free (all[i]);
    }
}

/* gated_attention gives the same result (and the same mean of the softmax
 * weights) whatever the chunking its scratch allows; too little scratch is
 * an error, not a crash. */
static void
test_module_gated_attention (void)
{
  const int64_t B = 5, Lq = 7, c = 9, H = 2, D = 4, hd = H * D;
  float *wq = buf_random (c * hd, 11), *wk = buf_random (c * hd, 12), *wv = buf_random (c * hd, 13);
  float *wg = buf_random (c * hd, 14), *bg = buf_random (hd, 15), *wo = buf_random (hd * c, 16);
  float *bo = buf_random (c, 17), *x = buf_random (B * Lq * c, 18), *bias = buf_random (H * Lq * Lq, 19);
  float *mask = buf_random (B * Lq, 20);
  for (int64_t i = 0; i < B * Lq; i++)
    mask[i] = mask[i] > -0.5f ? 1.0f : 0.0f;
  const FlAttentionWeights w = { wq, wk, wv, wg, bg, wo, bo };
  g_autofree double *ref = g_new (double, B * Lq * c);
  g_autofree double *ref_p = g_new (double, H * Lq * Lq);
  const int64_t chunks[] = { B, 1, 2 };
  for (guint k = 0; k < G_N_ELEMENTS (chunks); k++)
    {
      size_t n_scr = fl_module_gated_attention_scratch (B, chunks[k], Lq, H, D, TRUE);
      g_assert_cmpint (fl_module_gated_attention_chunk (n_scr, B, Lq, H, D, TRUE), ==, chunks[k]);
      float *scr = buf_new ((int64_t) n_scr);
      float *y = buf_new (B * Lq * c), *pm = buf_new (H * Lq * Lq);
      backend->ops->gated_attention (backend, &w, x, B, Lq, c, H, D, mask, bias, y, FALSE, pm,
                                     scr, n_scr);
      g_assert_no_error (backend->error);
      if (k == 0)
        {
          for (int64_t i = 0; i < B * Lq * c; i++)
            ref[i] = y[i];
          for (int64_t i = 0; i < H * Lq * Lq; i++)
            ref_p[i] = pm[i];
        }
      else
        {
          g_autofree char *label = g_strdup_printf ("gated_attention chunk=%" G_GINT64_FORMAT,
                                                    chunks[k]);
          check_close (label, y, ref, B * Lq * c, 1e-5);
          check_close (label, pm, ref_p, H * Lq * Lq, 1e-5);
        }
      buf_check_guard (y, B * Lq * c);
      buf_check_guard (pm, H * Lq * Lq);
      buf_check_guard (scr, (int64_t) n_scr);
      buf_free (scr);
      buf_free (y);
      buf_free (pm);
    }
  /* not even one item fits */
  size_t small = fl_module_gated_attention_per_item (Lq, H, D) - 1;
  float *scr = buf_new ((int64_t) small), *y = buf_new (B * Lq * c);
  backend->ops->gated_attention (backend, &w, x, B, Lq, c, H, D, mask, NULL, y, FALSE, NULL,
                                 scr, small);
  g_autoptr (GError) error = NULL;
  g_assert_false (fl_backend_check (backend, &error));
  g_assert_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_OUT_OF_MEMORY);
  buf_free (scr);
  buf_free (y);
  float *all[] = { wq, wk, wv, wg, bg, wo, bo, x, bias, mask };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    buf_free (all[i]);
}

/* outer_product_mean against a naive double reference, deep (S > oc) and
 * shallow (S <= oc) paths, scratch for 1, 2 or all rows i. */
static void
check_outer_product_mean (int64_t S, int64_t L)
{
  const int64_t cm = 6, oc = 4, cz = 5;
  float *ns = buf_random (cm, 31), *no = buf_random (cm, 32);
  float *lw = buf_random (cm * oc, 33), *lb = buf_random (oc, 34);
  float *rw = buf_random (cm * oc, 35), *rb = buf_random (oc, 36);
  float *ow = buf_random (oc * oc * cz, 37), *ob = buf_random (cz, 38);
  float *msa = buf_random (S * L * cm, 39), *mask = buf_random (S * L, 40);
  float *inv = buf_random (L * L, 41), *pair0 = buf_random (L * L * cz, 42);
  for (int64_t i = 0; i < S * L; i++)
    mask[i] = mask[i] > -0.5f ? 1.0f : 0.0f;
  g_autofree double *l = g_new (double, S * L * oc);
  g_autofree double *r = g_new (double, S * L * oc);
  for (int64_t sl = 0; sl < S * L; sl++)
    {
      const float *x = msa + sl * cm;
      double mean = 0, var = 0, xn[16];
      for (int64_t i = 0; i < cm; i++)
        mean += x[i];
      mean /= cm;
      for (int64_t i = 0; i < cm; i++)
        var += (x[i] - mean) * (x[i] - mean);
      var /= cm;
      for (int64_t i = 0; i < cm; i++)
        xn[i] = (x[i] - mean) / sqrt (var / 1.0 + 1e-5) * ns[i] + no[i];
      for (int64_t o = 0; o < oc; o++)
        {
          double a = lb[o], bb = rb[o];
          for (int64_t i = 0; i < cm; i++)
            {
              a += xn[i] * lw[i * oc + o];
              bb += xn[i] * rw[i * oc + o];
            }
          l[sl * oc + o] = a * mask[sl];
          r[sl * oc + o] = bb * mask[sl];
        }
    }
  g_autofree double *want = g_new (double, L * L * cz);
  for (int64_t i = 0; i < L; i++)
    for (int64_t j = 0; j < L; j++)
      for (int64_t z = 0; z < cz; z++)
        {
          double a = ob[z];
          for (int64_t c1 = 0; c1 < oc; c1++)
            for (int64_t c2 = 0; c2 < oc; c2++)
              {
                double o = 0;
                for (int64_t s = 0; s < S; s++)
                  o += l[(s * L + i) * oc + c1] * r[(s * L + j) * oc + c2];
                a += o * ow[(c1 * oc + c2) * cz + z];
              }
          want[(i * L + j) * cz + z] = pair0[(i * L + j) * cz + z] + a * inv[i * L + j];
        }
  const FlOuterProductWeights w = { ns, no, lw, lb, rw, rb, ow, ob };
  const int64_t rows[] = { 1, 2, L };
  for (guint k = 0; k < G_N_ELEMENTS (rows); k++)
    {
      size_t n_scr = fl_module_outer_product_mean_scratch (S, L, cm, oc, cz, rows[k]);
      float *scr = buf_new ((int64_t) n_scr), *pair = buf_new (L * L * cz);
      memcpy (pair, pair0, L * L * cz * sizeof (float));
      backend->ops->outer_product_mean (backend, &w, msa, mask, inv, pair, S, L, cm, oc, cz,
                                        scr, n_scr);
      g_autofree char *label = g_strdup_printf ("outer_product_mean S=%" G_GINT64_FORMAT
                                                " L=%" G_GINT64_FORMAT " rows=%" G_GINT64_FORMAT,
                                                S, L, rows[k]);
      check_close (label, pair, want, L * L * cz, 1e-5);
      buf_check_guard (pair, L * L * cz);
      buf_check_guard (scr, (int64_t) n_scr);
      buf_free (scr);
      buf_free (pair);
    }
  float *all[] = { ns, no, lw, lb, rw, rb, ow, ob, msa, mask, inv, pair0 };
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    buf_free (all[i]);
}

static void
test_module_outer_product_mean (void)
{
  for (guint s = 0; s < G_N_ELEMENTS (dims); s++)
    {
      check_outer_product_mean (9, dims[s]);   /* deep: S > oc */
      check_outer_product_mean (3, dims[s]);   /* shallow */
      check_outer_product_mean (1, dims[s]);   /* single sequence */
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GError) error = NULL;
  backend = fl_backend_cpu_new (2, &error);
  g_assert_no_error (error);
  reference = fl_backend_cpu_reference_new (2, &error);
  g_assert_no_error (error);
  g_assert_true (backend->ops != reference->ops);
  g_test_add_func ("/model/backend-cpu/new", test_new);
  g_test_add_func ("/model/backend-cpu/memory", test_memory);
  g_test_add_func ("/model/backend-cpu/linear", test_linear);
  g_test_add_func ("/model/backend-cpu/gemm-batched", test_gemm_batched);
  g_test_add_func ("/model/backend-cpu/layer-norm", test_layer_norm);
  g_test_add_func ("/model/backend-cpu/elementwise", test_elementwise);
  g_test_add_func ("/model/backend-cpu/rows", test_rows);
  g_test_add_func ("/model/backend-cpu/layout", test_layout);
  g_test_add_func ("/model/backend-cpu/attention", test_attention);
  g_test_add_func ("/model/backend-cpu/global-attention", test_global_attention);
  g_test_add_func ("/model/backend-cpu/masked-mean", test_masked_mean);
  g_test_add_func ("/model/backend-cpu/softmax-expect", test_softmax_expect);
  g_test_add_func ("/model/backend-cpu/module-transition", test_module_transition);
  g_test_add_func ("/model/backend-cpu/module-gated-attention", test_module_gated_attention);
  g_test_add_func ("/model/backend-cpu/module-outer-product-mean", test_module_outer_product_mean);
  g_test_add_func ("/model/backend-cpu/fast-attention", test_fast_attention);
  g_test_add_func ("/model/backend-cpu/fast-linear", test_fast_linear);
  g_test_add_func ("/model/backend-cpu/fast-gated-attention", test_fast_gated_attention);
  g_test_add_func ("/model/backend-cpu/fast-transition", test_fast_transition);
  g_test_add_func ("/model/backend-cpu/reference-ops", test_reference_ops);
  int rc = g_test_run ();
  fl_backend_free (backend);
  fl_backend_free (reference);
  return rc;
}
