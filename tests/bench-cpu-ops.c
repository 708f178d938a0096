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
#include "fl-backend-modules.h"
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

/* A module op with its weights and scratch (sized as the trunk sizes it). */
typedef struct {
  int64_t B, L, S, c, H, D, hidden, oc, cz;
  gboolean accumulate;
  FlAttentionWeights aw;
  FlTransitionWeights tw;
  FlOuterProductWeights ow;
  float *w[16];                     /* every weight buffer, to free */
  int n_w;
  float *x, *mask, *bias, *inv, *y, *scratch;
  size_t scratch_n;
} ModuleCase;

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

static void
module_case_free (gpointer data)
{
  ModuleCase *m = data;
  for (int i = 0; i < m->n_w; i++)
    g_free (m->w[i]);
  g_free (m->x); g_free (m->mask); g_free (m->bias); g_free (m->inv);
  g_free (m->y); g_free (m->scratch);
  g_free (m);
}

static float *
module_weight (ModuleCase *m, size_t n)
{
  float *p = host_random (n, 100 + m->n_w);
  /* weights of the size of trained ones (about 1 / sqrt(fan-in)) */
  for (size_t i = 0; i < n; i++)
    p[i] *= 0.1f;
  m->w[m->n_w++] = p;
  return p;
}

/* The trunk's chunk budget (fl-trunk-common.c): a quarter of the MSA. */
static size_t
trunk_budget (int64_t S, int64_t L, int64_t c)
{
  return MAX ((size_t) S * L * c / 4, (size_t) 1 << 20);
}

static void
run_gated_attention (FlBackend *b, gpointer data)
{
  ModuleCase *m = data;
  b->ops->gated_attention (b, &m->aw, m->x, m->B, m->L, m->c, m->H, m->D, m->mask, m->bias,
                           m->y, m->accumulate, NULL, m->scratch, m->scratch_n);
}

/* gated_attention over B items of L positions (x layer-normed already). */
static Case
gated_attention_case (const char *name, int64_t B, int64_t L, int64_t c, int64_t H, int64_t D,
                      gboolean with_bias, size_t budget)
{
  ModuleCase *m = g_new0 (ModuleCase, 1);
  const int64_t hd = H * D;
  *m = (ModuleCase) { .B = B, .L = L, .c = c, .H = H, .D = D, .accumulate = with_bias };
  m->aw = (FlAttentionWeights) {
    module_weight (m, c * hd), module_weight (m, c * hd), module_weight (m, c * hd),
    module_weight (m, c * hd), module_weight (m, hd), module_weight (m, hd * c),
    module_weight (m, c) };
  m->x = host_random (B * L * c, 21);
  m->mask = g_new (float, B * L);
  for (int64_t i = 0; i < B * L; i++)
    m->mask[i] = i % 17 == 5 ? 0.f : 1.f;
  m->bias = with_bias ? host_random (H * L * L, 22) : NULL;
  m->y = host_random (B * L * c, 23);
  int64_t per = fl_module_gated_attention_per_item (L, H, D);
  int64_t chunk = CLAMP ((int64_t) (budget / per), 1, B);
  m->scratch_n = fl_module_gated_attention_scratch (B, chunk, L, H, D, FALSE);
  m->scratch = g_new (float, m->scratch_n);
  double flops = 2.0 * B * L * c * hd * 5 + 4.0 * B * H * L * L * D;
  return (Case) { name, flops, run_gated_attention, m->y, B * L * c, m, module_case_free };
}

static void
run_transition_module (FlBackend *b, gpointer data)
{
  ModuleCase *m = data;
  b->ops->transition (b, &m->tw, m->y, m->B, m->c, m->hidden, m->scratch, m->scratch_n);
}

static Case
transition_module_case (const char *name, int64_t M, int64_t c, int64_t hidden, size_t budget)
{
  ModuleCase *m = g_new0 (ModuleCase, 1);
  *m = (ModuleCase) { .B = M, .c = c, .hidden = hidden };
  m->tw = (FlTransitionWeights) {
    module_weight (m, c), module_weight (m, c), module_weight (m, c * hidden),
    module_weight (m, hidden), module_weight (m, hidden * c), module_weight (m, c) };
  m->y = host_random (M * c, 24);
  size_t per = fl_module_transition_per_row (c, hidden);
  m->scratch_n = (size_t) CLAMP ((int64_t) (budget / per), 1, M) * per;
  m->scratch = g_new (float, m->scratch_n);
  return (Case) { name, 4.0 * M * c * hidden, run_transition_module, m->y, M * c, m,
                  module_case_free };
}

static void
run_outer_product_mean (FlBackend *b, gpointer data)
{
  ModuleCase *m = data;
  b->ops->outer_product_mean (b, &m->ow, m->x, m->mask, m->inv, m->y, m->S, m->L, m->c,
                              m->oc, m->cz, m->scratch, m->scratch_n);
}

static Case
outer_product_mean_case (const char *name, int64_t S, int64_t L, size_t budget)
{
  ModuleCase *m = g_new0 (ModuleCase, 1);
  const int64_t c = 256, oc = 32, cz = 128;
  *m = (ModuleCase) { .S = S, .L = L, .c = c, .oc = oc, .cz = cz };
  m->ow = (FlOuterProductWeights) {
    module_weight (m, c), module_weight (m, c), module_weight (m, c * oc), module_weight (m, oc),
    module_weight (m, c * oc), module_weight (m, oc), module_weight (m, oc * oc * cz),
    module_weight (m, cz) };
  m->x = host_random (S * L * c, 25);
  m->mask = g_new (float, S * L);
  for (int64_t i = 0; i < S * L; i++)
    m->mask[i] = i % 13 == 3 ? 0.f : 1.f;
  m->inv = host_random (L * L, 26);
  m->y = host_random (L * L * cz, 27);
  size_t per = fl_module_outer_product_mean_per_row (S, L, oc, cz);
  /* as fl-outer-product.c: the rows i that fit the budget */
  int64_t rows = CLAMP ((int64_t) (budget / per), 1, L);
  m->scratch_n = fl_module_outer_product_mean_scratch (S, L, c, oc, cz, rows);
  m->scratch = g_new (float, m->scratch_n);
  double flops = 2.0 * S * L * c * oc * 2 + 2.0 * L * L * S * oc * oc + 2.0 * L * L * oc * oc * cz;
  return (Case) { name, flops, run_outer_product_mean, m->y, L * L * cz, m, module_case_free };
}

/* The passes around the column attention module in the trunk
 * (fl-msa-attention.c): the MSA moved to (L, S, c) and layer-normed, the
 * update moved back and added. */
static void
run_column_passes (FlBackend *b, gpointer data)
{
  ModuleCase *m = data;
  const int64_t S = m->S, L = m->L, c = m->c;
  b->ops->swap01 (b, m->x, m->scratch, S, L, c);
  b->ops->layer_norm (b, m->scratch, m->w[0], m->w[1], m->scratch, S * L, c);
  b->ops->swap01 (b, m->scratch, m->bias, L, S, c);
  b->ops->add (b, m->y, m->bias, (size_t) S * L * c);
}

static Case
column_passes_case (const char *name, int64_t S, int64_t L)
{
  ModuleCase *m = g_new0 (ModuleCase, 1);
  const int64_t c = 256;
  *m = (ModuleCase) { .S = S, .L = L, .c = c };
  module_weight (m, c);
  module_weight (m, c);
  m->x = host_random (S * L * c, 28);
  m->scratch = g_new (float, S * L * c);
  m->bias = g_new (float, S * L * c);
  m->y = host_random (S * L * c, 29);
  /* no FLOPs to speak of: the rate column shows GB/s read and written */
  return (Case) { name, 4.0 * S * L * c * 4 * 2, run_column_passes, m->y, S * L * c, m,
                  module_case_free };
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
  gboolean composed = FALSE;
  GOptionEntry entries[] = {
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "threads (default all cores)", "N" },
    { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats, "timed calls of each (default 5)", "N" },
    { "length", 0, 0, G_OPTION_ARG_INT, &L, "residues (default 59)", "L" },
    { "rows", 0, 0, G_OPTION_ARG_INT, &S, "cluster rows (default 512)", "S" },
    { "extra", 0, 0, G_OPTION_ARG_INT, &E, "extra rows (default 1024)", "E" },
    { "composed", 0, 0, G_OPTION_ARG_NONE, &composed,
      "compare with the fast ops composed into modules instead of the plain table", NULL },
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
  g_autoptr (FlBackend) ref = composed ? fl_backend_cpu_new (threads, &error)
                                       : fl_backend_cpu_reference_new (threads, &error);
  g_autoptr (FlBackend) fast = fl_backend_cpu_new (threads, &error);
  /* --composed: the baseline is the fast table with the module entries
   * composed from its ops (what fl_backend_cpu_new had before fused modules) */
  static FlBackendOps composed_ops;
  if (composed)
    {
      composed_ops = *ref->ops;
      composed_ops.gated_attention = fl_module_gated_attention_composed;
      composed_ops.transition = fl_module_transition_composed;
      composed_ops.triangle_multiplication = fl_module_triangle_multiplication_composed;
      composed_ops.outer_product_mean = fl_module_outer_product_mean_composed;
      ref->ops = &composed_ops;
      g_strlcat (ref->description, ", composed modules", sizeof ref->description);
    }
  const size_t budget = trunk_budget (S, L, 256);

  /* the cases --only leaves out are not even made (their inputs take time) */
#define CASE(ctor, name, ...) \
  (!only || strstr (name, only) ? ctor (name, __VA_ARGS__) : (Case) { name, 0, NULL })
  Case cases[] = {
    CASE (transition_case, "MSA transition 256-1024-256", (int64_t) S * L, 256, 1024),
    CASE (linear_case, "MSA projection 256->256", (int64_t) S * L, 256, 256),
    CASE (attention_case, "MSA row attention (bias, gate)", S, L, L, 8, 32, TRUE),
    CASE (attention_case, "MSA column attention (gate)", L, S, S, 8, 32, FALSE),
    CASE (attention_case, "extra row attention D=8", E, L, L, 8, 8, TRUE),
    CASE (attention_case, "triangle attention", L, L, L, 4, 32, TRUE),
    CASE (transition_case, "pair transition 128-512-128", (int64_t) L * L, 128, 512),
    CASE (gated_attention_case, "module: MSA row attention", S, L, 256, 8, 32, TRUE, budget),
    CASE (gated_attention_case, "module: MSA column attention", L, S, 256, 8, 32, FALSE, budget),
    CASE (gated_attention_case, "module: extra row attention", E, L, 64, 8, 8, TRUE,
          trunk_budget (E, L, 64)),
    CASE (gated_attention_case, "module: triangle attention", L, L, 128, 4, 32, TRUE, budget),
    CASE (transition_module_case, "module: MSA transition", (int64_t) S * L, 256, 1024, budget),
    CASE (outer_product_mean_case, "module: outer product mean", S, L, budget),
    CASE (column_passes_case, "trunk: column transposes (GB/s)", S, L),
  };
#undef CASE

  g_print ("%s vs %s; median of %d, interleaved\n", fast->description, ref->description,
           repeats);
  g_print ("%-34s %9s %9s %7s %9s %9s %9s\n", "case", "ref s", "fast s", "ratio",
           "CPU ratio", "fast GF/s", "max diff");
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      Case *k = &cases[c];
      if (!k->run)
        continue;
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
