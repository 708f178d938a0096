/* foldlight-cli bench: full-size AlphaFold2 with deterministic random
 * parameters on synthetic inputs; seconds per recycle and in total (median
 * of repeats after a warm-up), achieved TFLOP/s from the FLOP model of
 * shared/brief/anchors.md, peak backend memory, the ratio to the
 * arithmetic floor (FLOPs at 800 TFLOP/s, an H100's dense bf16 rate) and,
 * on a GPU model with measured references (H200, H100), the speed ratio to
 * official AlphaFold2 and ColabFold's fused kernels on that same model
 * (vs_AF2, vs_CF: reference time / ours, so > 1 means Foldlight is faster). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fl-cli.h"
#include "fl-engine.h"
#include "fl-engine-private.h"
#include "fl-error.h"
#include "fl-features.h"
#include "fl-msa.h"
#include "fl-params.h"

#define FLOOR_FLOPS 800e12   /* H100 dense bf16, anchors.md */
#define MAX_PASSES 64

typedef struct {
  const char *label;         /* "512+1024", "single" */
  int n_clust, n_extra;      /* rows in the synthetic alignment */
  gboolean single;           /* query only */
} MsaMode;

/* Reference times of other AlphaFold2 implementations, full-size model,
 * random weights, 3 recycles, median of 3, seconds; 0 = not measured on that
 * GPU. Printed only beside runs on the same GPU model: a time measured on
 * another GPU is never shown as if it were comparable. */
typedef struct {
  gboolean single;           /* single sequence, else 512 clusters + 1,024 extra rows */
  int L;
  double official, colabfold;  /* official AF2 (fp32 config), ColabFold + fused kernels (bf16) */
} RefRow;

typedef struct {
  const char *match;         /* substring of the backend description */
  const char *source;
  const RefRow *rows;
  guint n_rows;
} RefTable;

/* One NVIDIA H200, 2026-12-02: shared/peers/official-af2-h200-2026-12-02.jsonl
 * and colabfold-h200-2026-12-02.jsonl (alphafold-colabfold 2.3.27 +
 * colabfold-kernels 0.9.0, --use-fast-kernels). */
static const RefRow h200_rows[] = {
  { FALSE, 128, 2.78, 0.354 }, { FALSE, 256, 5.00, 0.774 }, { FALSE, 512, 11.52, 2.02 },
  { FALSE, 1024, 0, 6.57 },
  { TRUE, 256, 1.76, 0.242 }, { TRUE, 512, 0, 0.825 }, { TRUE, 1024, 0, 3.58 },
  { TRUE, 2048, 0, 19.17 },
};
/* One NVIDIA H100 80GB, 2026-11-25: shared/brief/anchors.md (official AF2 only). */
static const RefRow h100_rows[] = {
  { FALSE, 128, 2.90, 0 }, { FALSE, 256, 5.23, 0 }, { FALSE, 384, 8.46, 0 },
  { FALSE, 512, 13.03, 0 }, { FALSE, 1024, 49.2, 0 },
  { TRUE, 128, 0.76, 0 }, { TRUE, 256, 1.83, 0 }, { TRUE, 384, 3.69, 0 }, { TRUE, 1024, 31.1, 0 },
};
static const RefTable ref_tables[] = {
  { "H200", "NVIDIA H200, 2026-12-02 (shared/peers)", h200_rows, G_N_ELEMENTS (h200_rows) },
  { "H100", "NVIDIA H100 80GB, 2026-11-25 (shared/brief/anchors.md)", h100_rows,
    G_N_ELEMENTS (h100_rows) },
};

/* The reference table for the GPU in `description`, or NULL (CPU, other GPUs). */
static const RefTable *
reference_table (const char *description)
{
  if (!description || !g_str_has_prefix (description, "NVIDIA"))
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (ref_tables); i++)
    if (strstr (description, ref_tables[i].match))
      return &ref_tables[i];
  return NULL;
}

/* The reference row of (m, L) in t, or NULL. */
static const RefRow *
reference_row (const RefTable *t, const MsaMode *m, int L)
{
  if (!t || (!m->single && !(m->n_clust == 512 && m->n_extra == 1024)))
    return NULL;
  for (guint i = 0; i < t->n_rows; i++)
    if (t->rows[i].L == L && t->rows[i].single == m->single)
      return &t->rows[i];
  return NULL;
}

/* FLOPs of one pass (anchors.md "FLOP model"), with the configured block counts. */
static double
pass_flops (const FlModelConfig *cfg, double S, double E, double L)
{
  double evo = 2.392e6 * S * L + 3072 * S * L * L + 1024 * S * S * L + 1.249e6 * L * L
               + 1536 * L * L * L;
  double extra = 1.334e5 * E * L + 2304 * E * L * L + 1.249e6 * L * L + 1536 * L * L * L;
  double sm = 8 * (3.7e6 * L + 7.8e3 * L * L);
  return cfg->n_evoformer_blocks * evo + cfg->n_extra_blocks * extra + sm;
}

/* A deterministic random alignment: a query of L residues and rows that
 * are mutated copies of it (30% substitutions, 10% gaps), as A3M text. */
static char *
synthetic_a3m (int L, int n_rows, guint32 seed)
{
  GRand *rng = g_rand_new_with_seed (seed);
  GString *s = g_string_sized_new ((gsize) (L + 16) * n_rows);
  g_autofree char *query = g_malloc (L + 1);
  for (int i = 0; i < L; i++)
    query[i] = FL_AA_ORDER[g_rand_int_range (rng, 0, 20)];
  query[L] = 0;
  g_string_append_printf (s, ">query\n%s\n", query);
  for (int r = 1; r < n_rows; r++)
    {
      g_string_append_printf (s, ">row%d\n", r);
      for (int i = 0; i < L; i++)
        {
          double u = g_rand_double (rng);
          char c = query[i];
          if (u < 0.1)
            c = '-';
          else if (u < 0.4)
            c = FL_AA_ORDER[g_rand_int_range (rng, 0, 20)];
          g_string_append_c (s, c);
        }
      g_string_append_c (s, '\n');
    }
  g_rand_free (rng);
  return g_string_free (s, FALSE);
}

static FlFeatures *
synthetic_features (int L, const MsaMode *m, guint32 seed, GError **error)
{
  /* Single sequence: the query alone, padded to one cluster and one
   * (masked) extra row, as AlphaFold runs it. */
  int rows = m->single ? 1 : m->n_clust + m->n_extra;
  g_autofree char *text = synthetic_a3m (L, rows, seed);
  g_autoptr (FlMsa) msa = fl_msa_parse_a3m (text, -1, error);
  if (!msa)
    return NULL;
  FlFeatureOptions fo;
  fl_feature_options_init (&fo);
  fo.deterministic = TRUE;
  fo.max_msa_clusters = MAX (m->n_clust, 1);
  fo.max_extra_msa = MAX (m->n_extra, 1);
  fo.masked_msa_fraction = 0;
  return fl_features_build (msa, &fo, error);
}

typedef struct {
  gint64 t_start;
  int n;
  double t_pass[MAX_PASSES];   /* seconds since the start at the end of each pass */
} Timing;

static FlObserveAction
on_recycle (const FlRecycleEvent *ev, gpointer user_data)
{
  Timing *t = user_data;
  if (t->n < MAX_PASSES)
    t->t_pass[t->n++] = (g_get_monotonic_time () - t->t_start) / 1e6;
  return FL_OBSERVE_CONTINUE;
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
  qsort (v, n, sizeof (double), cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Atom RMSD over existing atoms (same inputs, same frame: no superposition)
 * and pLDDT differences of `got` against `ref`. */
static void
compare_results (FlResult *got, FlResult *ref, double *rmsd, double *dmax, double *dmean)
{
  const float *x = fl_result_get (got, "structure_module/final_atom_positions");
  const float *y = fl_result_get (ref, "structure_module/final_atom_positions");
  const float *m = fl_result_get (ref, "structure_module/final_atom_mask");
  const float *p = fl_result_get (got, "confidence/plddt");
  const float *q = fl_result_get (ref, "confidence/plddt");
  *rmsd = *dmax = *dmean = NAN;
  if (!x || !y || !m || !p || !q || got->L != ref->L)
    return;
  double ss = 0, n = 0, mx = 0, sum = 0;
  for (int i = 0; i < ref->L * 37; i++)
    if (m[i] > 0)
      {
        for (int c = 0; c < 3; c++)
          {
            double d = (double) x[i * 3 + c] - y[i * 3 + c];
            ss += d * d;
          }
        n++;
      }
  for (int i = 0; i < ref->L; i++)
    {
      double d = fabs ((double) p[i] - q[i]);
      mx = MAX (mx, d);
      sum += d;
    }
  *rmsd = sqrt (ss / MAX (n, 1));
  *dmax = mx;
  *dmean = sum / MAX (ref->L, 1);
}

static gboolean
parse_lengths (const char *text, GArray *out)
{
  g_auto (GStrv) parts = g_strsplit (text, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      char *end = NULL;
      long v = strtol (g_strstrip (parts[i]), &end, 10);
      if (!end || *end || v < 1 || v > 100000)
        return FALSE;
      int iv = (int) v;
      g_array_append_val (out, iv);
    }
  return out->len > 0;
}

static gboolean
parse_msa (const char *text, GArray *out)
{
  if (g_strcmp0 (text, "single") == 0 || g_strcmp0 (text, "both") == 0)
    {
      MsaMode m = { "single", 1, 1, TRUE };
      if (g_strcmp0 (text, "both") == 0)
        {
          MsaMode d = { "512+1024", 512, 1024, FALSE };
          g_array_append_val (out, d);
        }
      g_array_append_val (out, m);
      return TRUE;
    }
  int a = 0, b = 0;
  if (sscanf (text, "%d:%d", &a, &b) != 2 || a < 1 || b < 1 || a > 100000 || b > 100000)
    return FALSE;
  MsaMode m = { g_strdup_printf ("%d+%d", a, b), a, b, FALSE };   /* lives as long as the process */
  g_array_append_val (out, m);
  return TRUE;
}

int fl_cli_bench_main (int argc, char **argv);

int
fl_cli_bench_main (int argc, char **argv)
{
  g_autofree char *backend_s = NULL, *precision_s = NULL, *lengths_s = NULL, *msa_s = NULL;
  g_autofree char *preset = NULL;
  int recycles = 3, repeats = 3, device = 0, threads = 0, seed = 7;
  gboolean capture = FALSE, plan_only = FALSE;
  GOptionEntry entries[] = {
    { "plan-only", 0, 0, G_OPTION_ARG_NONE, &plan_only, "only print the memory plan of each length (no runs)", NULL },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend_s, "cpu, cuda or auto (default auto)", "KIND" },
    { "device", 0, 0, G_OPTION_ARG_INT, &device, "CUDA device index (default 0)", "N" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &precision_s, "tf32, fp32, bf16 or all (default tf32)", "P" },
    { "lengths", 0, 0, G_OPTION_ARG_STRING, &lengths_s, "comma-separated residue counts (default 64,128,256)", "L,..." },
    { "msa", 0, 0, G_OPTION_ARG_STRING, &msa_s, "CLUSTERS:EXTRA rows, single, or both (default 512:1024)", "M" },
    { "recycles", 0, 0, G_OPTION_ARG_INT, &recycles, "recycles after the first pass (default 3)", "N" },
    { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats, "timed runs after the warm-up (default 3)", "N" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "model preset (default model_1_ptm)", "NAME" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "seed of parameters and inputs (default 7)", "N" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "CPU threads (default all cores)", "N" },
    { "capture", 0, 0, G_OPTION_ARG_NONE, &capture, "capture attention maps and every structure-module layer", NULL },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- time the full-size model on random weights");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fl_cli_usage_error (ctx, error->message);

  FlBackendKind kind = FL_BACKEND_KIND_AUTO;
  if (backend_s && g_strcmp0 (backend_s, "cpu") == 0)
    kind = FL_BACKEND_KIND_CPU;
  else if (backend_s && g_strcmp0 (backend_s, "cuda") == 0)
    kind = FL_BACKEND_KIND_CUDA;
  else if (backend_s && g_strcmp0 (backend_s, "auto") != 0)
    return fl_cli_usage_error (ctx, "--backend must be cpu, cuda or auto");

  FlPrecision precisions[3];
  int n_prec = 0;
  if (!precision_s || g_strcmp0 (precision_s, "all") != 0)
    {
      if (!fl_precision_from_name (precision_s ? precision_s : "tf32", &precisions[0]))
        return fl_cli_usage_error (ctx, "--precision must be fp32, tf32, bf16 or all");
      n_prec = 1;
    }
  else
    {
      precisions[0] = FL_PRECISION_FP32;
      precisions[1] = FL_PRECISION_TF32;
      precisions[2] = FL_PRECISION_BF16;
      n_prec = 3;
    }
  g_autoptr (GArray) lengths = g_array_new (FALSE, FALSE, sizeof (int));
  if (!parse_lengths (lengths_s ? lengths_s : "64,128,256", lengths))
    return fl_cli_usage_error (ctx, "--lengths must be a comma-separated list of positive integers");
  g_autoptr (GArray) msas = g_array_new (FALSE, FALSE, sizeof (MsaMode));
  if (!parse_msa (msa_s ? msa_s : "512:1024", msas))
    return fl_cli_usage_error (ctx, "--msa must be CLUSTERS:EXTRA, single or both");
  if (recycles < 0 || recycles >= MAX_PASSES || repeats < 1 || repeats > 100)
    return fl_cli_usage_error (ctx, "--recycles must be 0..63 and --repeats 1..100");

  FlModelConfig cfg;
  if (!fl_model_config_from_preset (preset ? preset : "model_1_ptm", &cfg, &error))
    return fl_cli_fail (g_steal_pointer (&error));
  g_autoptr (FlArrays) arrays = fl_params_generate_random (&cfg, (guint64) seed);
  g_autoptr (FlParams) params = fl_params_new_from_arrays (arrays, &error);
  if (!params || !fl_model_config_infer (&cfg, params, &error))
    return fl_cli_fail (g_steal_pointer (&error));

  int n_passes = recycles + 1;
  printf ("foldlight-cli bench: %s with random weights (seed %d, %.1f M parameters), "
          "%d recycles (%d passes), median of %d after a warm-up%s\n",
          cfg.preset, seed, fl_params_n_floats (params) / 1e6, recycles, n_passes, repeats,
          capture ? ", capture on" : "");
  printf ("floor: the FLOP model of anchors.md at %.0f TFLOP/s\n", FLOOR_FLOPS / 1e12);
  fflush (stdout);

  g_autoptr (GString) table = g_string_new (NULL);
  g_string_append_printf (table, "%-5s %-9s %6s %9s %9s %8s %8s %9s %8s %8s %8s\n",
                          "prec", "msa", "L", "s/pass", "total_s", "TFLOP/s", "peak_GiB",
                          "floor_s", "x_floor", "vs_AF2", "vs_CF");
  /* Final results of the first precision (fp32 with --precision all), to
   * measure the faster modes' error: atom RMSD and pLDDT difference. */
  g_autoptr (GHashTable) refs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) fl_result_free);
  g_autoptr (GString) errors = g_string_new (NULL);
  int rc = 0;
  for (int pi = 0; pi < n_prec; pi++)
    {
      FlRunOptions opts;
      fl_run_options_init (&opts);
      opts.backend = kind;
      opts.device = device;
      opts.precision = precisions[pi];
      opts.n_threads = threads;
      opts.num_recycle = recycles;
      opts.recycle_tolerance = 0;
      opts.capture_attention = capture;
      opts.capture_layers = capture;
      opts.keep_representations = FALSE;
      g_autoptr (GError) e_err = NULL;
      g_autoptr (FlEngine) engine = fl_engine_new (params, &cfg, &opts, &e_err);
      if (!engine)
        {
          printf ("%s: cannot create the engine: %s\n", fl_precision_name (precisions[pi]),
                  e_err->message);
          rc = 1;
          continue;
        }
      FlBackend *b = fl_engine_peek_backend (engine);
      printf ("\n== precision %s on %s\n", fl_precision_name (precisions[pi]),
              fl_engine_backend_description (engine));
      const RefTable *ref_table = reference_table (fl_engine_backend_description (engine));
      if (ref_table)
        printf ("reference times measured on %s\n", ref_table->source);
      else
        printf ("no reference times measured on this device (references exist for an "
                "NVIDIA H200 and H100 only)\n");
      fflush (stdout);

      for (guint mi = 0; mi < msas->len; mi++)
        {
          const MsaMode *m = &g_array_index (msas, MsaMode, mi);
          for (guint li = 0; li < lengths->len; li++)
            {
              int L = g_array_index (lengths, int, li);
              g_autoptr (GError) f_err = NULL;
              g_autoptr (FlFeatures) features = synthetic_features (L, m, (guint32) (seed * 1000 + L), &f_err);
              if (!features)
                {
                  printf ("L=%d msa %s: cannot build the inputs: %s\n", L, m->label, f_err->message);
                  rc = 1;
                  break;
                }
              gsize need = 0;
              if (plan_only)
                {
                  gboolean fits = fl_engine_check_fits (engine, L, features->n_clust,
                                                        features->n_extra, &need, &f_err);
                  printf ("L=%d msa %s: memory plan %.2f GiB, %s\n", L, m->label,
                          need / 1073741824.0, fits ? "fits" : f_err->message);
                  g_string_append_printf (table, "%-5s %-9s %6d  plan %.2f GiB: %s\n",
                                          fl_precision_name (precisions[pi]), m->label, L,
                                          need / 1073741824.0, fits ? "fits" : "does not fit");
                  continue;
                }
              if (!fl_engine_check_fits (engine, L, features->n_clust, features->n_extra, &need, &f_err))
                {
                  printf ("L=%d msa %s: does not fit, stopping this MSA depth: %s\n",
                          L, m->label, f_err->message);
                  g_string_append_printf (table, "%-5s %-9s %6d  does not fit (needs %.1f GiB)\n",
                                          fl_precision_name (precisions[pi]), m->label, L,
                                          need / 1073741824.0);
                  break;
                }
              double totals[100], per_pass[MAX_PASSES][100];
              gboolean failed = FALSE;
              FlResult *last = NULL;
              for (int rep = -1; rep < repeats && !failed; rep++)
                {
                  Timing t = { .t_start = g_get_monotonic_time () };
                  FlObserver obs = { .recycle_finished = on_recycle };
                  b->bytes_peak = b->bytes_in_use;
                  g_autoptr (FlResult) res = fl_engine_run (engine, features, &opts, &obs, &t,
                                                            NULL, &f_err);
                  double total = (g_get_monotonic_time () - t.t_start) / 1e6;
                  if (!res)
                    {
                      printf ("L=%d msa %s: run failed: %s\n", L, m->label, f_err->message);
                      g_string_append_printf (table, "%-5s %-9s %6d  failed: %.60s\n",
                                              fl_precision_name (precisions[pi]), m->label, L,
                                              f_err->message);
                      failed = TRUE;
                      rc = 1;
                      break;
                    }
                  if (rep < 0)
                    {
                      printf ("L=%d msa %s (%d x %d rows): warm-up %.3f s (peak %.2f GiB)\n", L,
                              m->label, features->n_clust, features->n_extra, total,
                              b->bytes_peak / 1073741824.0);
                      continue;
                    }
                  totals[rep] = total;
                  if (rep == repeats - 1)
                    last = g_steal_pointer (&res);
                  for (int p = 0; p < n_passes; p++)
                    per_pass[p][rep] = p < t.n ? t.t_pass[p] - (p ? t.t_pass[p - 1] : 0) : NAN;
                }
              if (failed)
                break;
              g_autofree char *key = g_strdup_printf ("%s/%d", m->label, L);
              FlResult *ref = g_hash_table_lookup (refs, key);
              if (!ref)
                g_hash_table_insert (refs, g_strdup (key), last);
              else
                {
                  double rmsd, dmax, dmean;
                  compare_results (last, ref, &rmsd, &dmax, &dmean);
                  printf ("   vs %s: atom RMSD %.4f A, pLDDT |diff| max %.3f mean %.4f\n",
                          fl_precision_name (precisions[0]), rmsd, dmax, dmean);
                  g_string_append_printf (errors, "%-5s %-9s %6d %10.4f %10.3f %10.4f\n",
                                          fl_precision_name (precisions[pi]), m->label, L,
                                          rmsd, dmax, dmean);
                  fl_result_free (last);
                }
              double med = median (totals, repeats);
              g_autoptr (GString) passes = g_string_new (NULL);
              double pass_med[MAX_PASSES];
              for (int p = 0; p < n_passes; p++)
                {
                  pass_med[p] = median (per_pass[p], repeats);
                  g_string_append_printf (passes, "%s%.3f", p ? " " : "", pass_med[p]);
                }
              double flops = n_passes * pass_flops (&cfg, features->n_clust, features->n_extra, L);
              double floor_s = flops / FLOOR_FLOPS;
              const RefRow *rrow = reference_row (ref_table, m, L);
              double af2 = rrow ? rrow->official : 0, cf = rrow ? rrow->colabfold : 0;
              double peak = b->bytes_peak / 1073741824.0;
              printf ("L=%d msa %s: per pass [%s] s, total %.3f s (median of %d), %.1f TFLOP, "
                      "%.1f TFLOP/s, peak %.2f GiB, floor %.3f s (x%.1f)\n",
                      L, m->label, passes->str, med, repeats, flops / 1e12, flops / med / 1e12,
                      peak, floor_s, med / floor_s);
              if (af2 > 0)
                printf ("   official AlphaFold2 on this GPU model: %.2f s -> %.2fx faster\n",
                        af2, af2 / med);
              if (cf > 0)
                printf ("   ColabFold + fused kernels on this GPU model: %.3f s -> %.2fx %s\n",
                        cf, med > cf ? med / cf : cf / med, med > cf ? "slower" : "faster");
              fflush (stdout);
              g_autofree char *vs = af2 > 0 ? g_strdup_printf ("%.2fx", af2 / med) : g_strdup ("-");
              g_autofree char *vs_cf = cf > 0 ? g_strdup_printf ("%.2fx", cf / med) : g_strdup ("-");
              g_string_append_printf (table, "%-5s %-9s %6d %9.3f %9.3f %8.1f %8.2f %9.3f %8.1f %8s %8s\n",
                                      fl_precision_name (precisions[pi]), m->label, L,
                                      pass_med[n_passes > 1 ? 1 : 0], med, flops / med / 1e12,
                                      peak, floor_s, med / floor_s, vs, vs_cf);
            }
        }
    }
  if (errors->len > 0)
    printf ("\nerror against %s (same inputs and weights):\n%-5s %-9s %6s %10s %10s %10s\n%s",
            fl_precision_name (precisions[0]), "prec", "msa", "L", "rmsd_A", "dplddt_max",
            "dplddt_mean", errors->str);
  printf ("\n%s", table->str);
  return rc;
}
