/* bench-cpu-ops: the fast CPU ops against the plain reference ops, on the
 * shapes of the full-size model (L = 59 with 512 cluster + 1,024 extra rows
 * by default), in the same process and interleaved (reference, fast,
 * reference, fast, ...) so that a shared, noisy machine slows both alike.
 * Prints the median wall seconds of each and their ratio, the ratio of the
 * process CPU seconds (less sensitive to other processes taking the cores;
 * run with --threads 1 for a clean one, as idle OpenMP threads spin), and
 * checks that both give the same numbers.
 *
 *   build/tests/bench-cpu-ops [--threads N] [--repeats N] [--length L]
 *                             [--rows S] [--only NAME] */
#include <glib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fl-backend-cpu-private.h"
#include "fl-test-util.h"

typedef struct {
  const char *name;
  double flops;                     /* per call */
  /* call the op(s) on backend b with the case's buffers */
  void (*run) (FlBackend *b, gpointer data);
  float *out;                       /* output compared between the two */
  size_t out_n;
  gpointer data;
  void (*free) (gpointer data);
} Case;

typedef struct {
  int64_t M, K, N, hidden;
  float *x, *w1, *b1, *h, *w2, *b2, *y;
} LinearCase;

typedef struct {
  int64_t B, Lq, Lk, H, D;
  float *q, *k, *v, *mask, *bias, *gate, *out;
} AttentionCase;

static float *
host_random (size_t n, guint64 seed)
{
  float *p = g_new (float, n);
  fl_test_fill_random (p, n, seed);
  return p;
}

static void
linear_case_free (gpointer data)
{
  LinearCase *c = data;
  g_free (c->x); g_free (c->w1); g_free (c->b1); g_free (c->h);
  g_free (c->w2); g_free (c->b2); g_free (c->y);
  g_free (c);
}

static void
attention_case_free (gpointer data)
{
  AttentionCase *c = data;
  g_free (c->q); g_free (c->k); g_free (c->v); g_free (c->mask);
  g_free (c->bias); g_free (c->gate); g_free (c->out);
  g_free (c);
}

static void
run_transition (FlBackend *b, gpointer data)
{
  LinearCase *c = data;
  b->ops->linear_relu (b, c->x, c->w1, c->b1, c->h, c->M, c->K, c->hidden);
  b->ops->linear (b, c->h, c->w2, c->b2, c->y, c->M, c->hidden, c->K, TRUE);
}

static void
run_linear (FlBackend *b, gpointer data)
{
  LinearCase *c = data;
  b->ops->linear (b, c->x, c->w1, c->b1, c->y, c->M, c->K, c->N, FALSE);
}

static void
run_attention (FlBackend *b, gpointer data)
{
  AttentionCase *c = data;
  b->ops->attention (b, c->q, c->k, c->v, c->mask, c->bias, c->gate, c->out,
                     c->B, c->Lq, c->Lk, c->H, c->D, NULL);
}

static Case
transition_case (const char *name, int64_t M, int64_t c, int64_t hidden)
{
  LinearCase *lc = g_new0 (LinearCase, 1);
  *lc = (LinearCase) { .M = M, .K = c, .hidden = hidden };
  lc->x = host_random (M * c, 1);
  lc->w1 = host_random (c * hidden, 2);
  lc->b1 = host_random (hidden, 3);
  lc->h = g_new (float, M * hidden);
  lc->w2 = host_random (hidden * c, 4);
  lc->b2 = host_random (c, 5);
  lc->y = host_random (M * c, 6);
  return (Case) { name, 4.0 * M * c * hidden, run_transition, lc->y, M * c, lc, linear_case_free };
}

static Case
linear_case (const char *name, int64_t M, int64_t K, int64_t N)
{
  LinearCase *lc = g_new0 (LinearCase, 1);
  *lc = (LinearCase) { .M = M, .K = K, .N = N };
  lc->x = host_random (M * K, 7);
  lc->w1 = host_random (K * N, 8);
  lc->b1 = host_random (N, 9);
  lc->y = g_new (float, M * N);
  return (Case) { name, 2.0 * M * K * N, run_linear, lc->y, M * N, lc, linear_case_free };
}

static Case
attention_case (const char *name, int64_t B, int64_t Lq, int64_t Lk, int64_t H, int64_t D,
                gboolean with_bias)
{
  AttentionCase *ac = g_new0 (AttentionCase, 1);
  *ac = (AttentionCase) { .B = B, .Lq = Lq, .Lk = Lk, .H = H, .D = D };
  size_t nq = B * Lq * H * D, nk = B * Lk * H * D;
  ac->q = host_random (nq, 11);
  ac->k = host_random (nk, 12);
  ac->v = host_random (nk, 13);
  ac->gate = host_random (nq, 14);
  ac->mask = g_new (float, B * Lk);
  for (int64_t i = 0; i < B * Lk; i++)
    ac->mask[i] = i % 17 == 5 ? 0.f : 1.f;
  ac->bias = with_bias ? host_random (H * Lq * Lk, 15) : NULL;
  ac->out = g_new (float, nq);
  return (Case) { name, 4.0 * B * H * Lq * Lk * D, run_attention, ac->out, nq, ac, attention_case_free };
}

static double
cpu_seconds (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, int n)
{
  qsort (v, n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int
main (int argc, char **argv)
{
  fl_cpu_threads_prepare (argv);   /* the wait policy the programs use */
  int threads = 0, repeats = 5, L = 59, S = 512, E = 1024;
  g_autofree char *only = NULL;
  GOptionEntry entries[] = {
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "threads (default all cores)", "N" },
    { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats, "timed calls of each (default 5)", "N" },
    { "length", 0, 0, G_OPTION_ARG_INT, &L, "residues (default 59)", "L" },
    { "rows", 0, 0, G_OPTION_ARG_INT, &S, "cluster rows (default 512)", "S" },
    { "extra", 0, 0, G_OPTION_ARG_INT, &E, "extra rows (default 1024)", "E" },
    { "only", 0, 0, G_OPTION_ARG_STRING, &only, "run only cases whose name contains this", "NAME" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- fast vs reference CPU ops");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || repeats < 1 || L < 1 || S < 1
      || E < 1)
    {
      g_printerr ("%s\n", error ? error->message : "repeats, length and rows must be >= 1");
      return 2;
    }
  g_autoptr (FlBackend) ref = fl_backend_cpu_reference_new (threads, &error);
  g_autoptr (FlBackend) fast = fl_backend_cpu_new (threads, &error);

  Case cases[] = {
    transition_case ("MSA transition 256-1024-256", (int64_t) S * L, 256, 1024),
    linear_case ("MSA projection 256->256", (int64_t) S * L, 256, 256),
    attention_case ("MSA row attention (bias, gate)", S, L, L, 8, 32, TRUE),
    attention_case ("MSA column attention (gate)", L, S, S, 8, 32, FALSE),
    attention_case ("extra row attention D=8", E, L, L, 8, 8, TRUE),
    attention_case ("triangle attention", L, L, L, 4, 32, TRUE),
    transition_case ("pair transition 128-512-128", (int64_t) L * L, 128, 512),
  };
  g_print ("%s vs %s; median of %d, interleaved\n", fast->description, ref->description,
           repeats);
  g_print ("%-34s %9s %9s %7s %9s %9s %9s\n", "case", "ref s", "fast s", "ratio",
           "CPU ratio", "fast GF/s", "max diff");
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      Case *k = &cases[c];
      if (only && !strstr (k->name, only))
        {
          k->free (k->data);
          continue;
        }
      /* the outputs of one call each, compared (transition: y accumulates,
       * so both start from the same y) */
      g_autofree float *start = g_memdup2 (k->out, k->out_n * sizeof (float));
      k->run (ref, k->data);
      g_autofree float *want = g_memdup2 (k->out, k->out_n * sizeof (float));
      memcpy (k->out, start, k->out_n * sizeof (float));
      k->run (fast, k->data);
      double scale = 1e-30, diff = 0;
      for (size_t i = 0; i < k->out_n; i++)
        {
          scale = MAX (scale, fabs (want[i]));
          diff = MAX (diff, fabs ((double) k->out[i] - want[i]));
        }
      double *tr = g_new (double, repeats), *tf = g_new (double, repeats);
      double *cr = g_new (double, repeats), *cf = g_new (double, repeats);
      for (int r = 0; r < repeats; r++)
        for (int which = 0; which < 2; which++)
          {
            FlBackend *b = which ? fast : ref;
            memcpy (k->out, start, k->out_n * sizeof (float));
            gint64 t0 = g_get_monotonic_time ();
            double c0 = cpu_seconds ();
            k->run (b, k->data);
            (which ? cf : cr)[r] = cpu_seconds () - c0;
            (which ? tf : tr)[r] = (g_get_monotonic_time () - t0) / 1e6;
          }
      double mr = median (tr, repeats), mf = median (tf, repeats);
      double ccr = median (cr, repeats), ccf = median (cf, repeats);
      g_print ("%-34s %9.4f %9.4f %6.2fx %8.2fx %9.1f %9.2g\n", k->name, mr, mf, mr / mf,
               ccr / ccf, k->flops / mf / 1e9, diff / scale);
      g_free (tr); g_free (tf); g_free (cr); g_free (cf);
      k->free (k->data);
    }
  return 0;
}
