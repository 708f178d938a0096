/* panels-demo: the analysis panels alone in a window, for looking at them
 * like a user (and for screenshots under Xvfb). Not a test.
 *   panels-demo [--page N] [--map K] [--zoom Z] [--scroll ROW] [--select I]
 *               [--identity] [--run] [--scroll-bench] [--quit-after SEC] [alignment.a3m]
 * --scroll-bench: once the first frame is complete, zoom rows 40x and scroll
 * 15 rows per frame for 240 frames; prints frame intervals (60 fps = 16.7 ms).
 * The alignment is real (parsed by model/fl-msa); the per-recycle maps are
 * SYNTHETIC (computed from a made-up helix-hairpin backbone) so every map
 * type has something to show without running the network, or, with --run,
 * captured by the real engine on the CPU with the untrained demo parameters
 * (app/fl-demo-params.h: real data flow, not a prediction). Prints the time
 * from setting the alignment to the first frame with all visible tiles. */
#include <gtk/gtk.h>
#include <math.h>
#include "fl-analysis-panels.h"
#include "fl-msa-view.h"
#include "fl-pair-map-view.h"
#include "fl-engine.h"
#include "fl-demo-params.h"

static int opt_page = 0, opt_map = -1, opt_select = -1, opt_identity = 0, opt_run = 0, opt_scroll_bench = 0;
static int bench_frames = -1;
static gint64 bench_t0, bench_last, bench_max_gap;
static double opt_zoom = 1, opt_scroll = 0, opt_quit = 0;
static gint64 t_set_msa;
static gboolean reported;

static void
synth_ca (int L, float *ca /* (L, 3) */)
{
  int half = L / 2;
  for (int i = 0; i < L; i++)
    {
      int k = i < half ? i : i - half;
      double a = k * 100.0 * G_PI / 180.0;
      double x = 2.3 * cos (a), y = 2.3 * sin (a), z = 1.5 * k;
      if (i >= half)
        {
          x = 10.0 - 2.3 * cos (a);
          z = 1.5 * (L - half - 1 - k);
        }
      ca[i * 3] = x;
      ca[i * 3 + 1] = y;
      ca[i * 3 + 2] = z;
    }
}

static void
softmax_rows (float *m, int L, const float *logits)
{
  for (int i = 0; i < L; i++)
    {
      float mx = -INFINITY, s = 0;
      for (int j = 0; j < L; j++)
        mx = fmaxf (mx, logits[i * L + j]);
      for (int j = 0; j < L; j++)
        s += (m[i * L + j] = expf (logits[i * L + j] - mx));
      for (int j = 0; j < L; j++)
        m[i * L + j] /= s;
    }
}

static GPtrArray *
synth_recycles (int L, int n_clust, const float *ca, int n)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  gsize LL = (gsize) L * L;
  float *d = g_new (float, LL), *tmp = g_new (float, LL);
  for (int i = 0; i < L; i++)
    for (int j = 0; j < L; j++)
      {
        const float *p = ca + i * 3, *q = ca + j * 3;
        d[i * L + j] = sqrtf ((p[0] - q[0]) * (p[0] - q[0]) + (p[1] - q[1]) * (p[1] - q[1]) +
                              (p[2] - q[2]) * (p[2] - q[2]));
      }
  GRand *rng = g_rand_new_with_seed (3);
  for (int r = 0; r < n; r++)
    {
      FlRecycleData *x = fl_recycle_data_new (r, L);
      float sharp = 1.0f + r;
      double sum = 0;
      for (int i = 0; i < L; i++)
        {
          float edge = fminf (i, L - 1 - i) / (float) L;
          x->plddt[i] = fminf (98.f, 35.f + 14.f * r + 90.f * edge + g_rand_double_range (rng, -6, 6));
          sum += x->plddt[i];
        }
      x->mean_plddt = sum / L;
      x->ptm = 0.3f + 0.15f * r;
      x->tolerance = r ? 3.0f / (r * r) : NAN;
      x->pae = g_new (float, LL);
      x->contact_probs = g_new (float, LL);
      x->expected_distance = g_new (float, LL);
      x->max_pae = 31.75f;
      for (gsize k = 0; k < LL; k++)
        {
          x->pae[k] = fminf (31.f, 1.5f + d[k] * 0.8f / sharp + g_rand_double_range (rng, 0, 2));
          x->contact_probs[k] = 1.f / (1.f + expf ((d[k] - 8.f) * sharp));
          x->expected_distance[k] = fminf (21.7f, d[k] + g_rand_double_range (rng, 0, 3.0 / sharp));
        }
      x->att_block = 47;
      x->att_heads = 4;
      x->tri_heads = 2;
      x->att_residue = L / 4;
      x->msa_row_attention = g_new (float, 4 * LL);
      x->msa_row_pair_bias = g_new (float, 4 * LL);
      x->tri_start_attention = g_new (float, 2 * LL);
      x->tri_end_attention = g_new (float, 2 * LL);
      for (int h = 0; h < 4; h++)
        {
          for (gsize k = 0; k < LL; k++)
            {
              x->msa_row_pair_bias[h * LL + k] = 2.f - d[k] / (2.f + h) + g_rand_double_range (rng, -0.3, 0.3);
              tmp[k] = x->msa_row_pair_bias[h * LL + k] * sharp;
            }
          softmax_rows (x->msa_row_attention + h * LL, L, tmp);
        }
      for (int h = 0; h < 2; h++)
        {
          int a0 = x->att_residue;
          for (int j = 0; j < L; j++)
            for (int k = 0; k < L; k++)
              tmp[j * L + k] = -(d[a0 * L + k] + d[j * L + k]) / (3.f + 3 * h);
          softmax_rows (x->tri_start_attention + h * LL, L, tmp);
          for (int j = 0; j < L; j++)
            for (int k = 0; k < L; k++)
              tmp[j * L + k] = -(d[k * L + a0] + d[k * L + j]) / (3.f + 3 * h);
          softmax_rows (x->tri_end_attention + h * LL, L, tmp);
        }
      x->col_heads = 4;
      x->n_clust = n_clust;
      x->msa_col_attention = g_new (float, 4 * n_clust);
      for (int h = 0; h < 4; h++)
        {
          double s = 0;
          for (int c = 0; c < n_clust; c++)
            s += (x->msa_col_attention[h * n_clust + c] = expf (-c / (20.f + 30 * h)) * g_rand_double_range (rng, 0.5, 1.5));
          for (int c = 0; c < n_clust; c++)
            x->msa_col_attention[h * n_clust + c] /= s;
        }
      g_ptr_array_add (a, x);
    }
  g_rand_free (rng);
  g_free (d);
  g_free (tmp);
  return a;
}

typedef struct {
  GPtrArray *recycles;
  FlFrame *frame;
} RunData;

static FlObserveAction
run_on_layer (const FlLayerEvent *e, gpointer user_data)
{
  RunData *rd = user_data;
  if (e->layer == e->n_layers - 1)
    {
      g_clear_pointer (&rd->frame, fl_frame_unref);
      rd->frame = fl_frame_new_from_layer_event (e);
    }
  return FL_OBSERVE_CONTINUE;
}

static FlObserveAction
run_on_recycle (const FlRecycleEvent *e, gpointer user_data)
{
  RunData *rd = user_data;
  g_ptr_array_add (rd->recycles, fl_recycle_data_new_from_event (e));
  g_print ("recycle %d captured: mean pLDDT %.1f, attention %s, block %d, %d heads\n", e->recycle,
           e->mean_plddt, e->msa_row_attention ? "yes" : "no", e->att_block, e->att_heads);
  return FL_OBSERVE_CONTINUE;
}

/* The real engine with the untrained demo parameters; FALSE on failure. */
static gboolean
run_engine (const FlMsa *msa, FlFeatures **features_out, GPtrArray **recycles_out,
            FlFrame **frame_out, GError **error)
{
  FlModelConfig cfg;
  g_autoptr (FlParams) params = fl_demo_params_new (&cfg, error);
  if (!params)
    return FALSE;
  FlFeatureOptions fopts;
  fl_feature_options_init (&fopts);
  fopts.deterministic = TRUE;
  fopts.max_msa_clusters = cfg.max_msa_clusters;
  fopts.max_extra_msa = cfg.max_extra_msa;
  FlFeatures *features = fl_features_build (msa, &fopts, error);
  if (!features)
    return FALSE;
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.backend = FL_BACKEND_KIND_CPU;
  opts.n_threads = 2;
  opts.capture_attention = TRUE;
  opts.capture_layers = TRUE;
  g_autoptr (FlEngine) engine = fl_engine_new (params, &cfg, &opts, error);
  if (!engine)
    {
      fl_features_free (features);
      return FALSE;
    }
  RunData rd = { g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref), NULL };
  const FlObserver observer = { .layer_finished = run_on_layer, .recycle_finished = run_on_recycle };
  FlResult *result = fl_engine_run (engine, features, &opts, &observer, &rd, NULL, error);
  if (!result)
    {
      fl_features_free (features);
      g_ptr_array_unref (rd.recycles);
      g_clear_pointer (&rd.frame, fl_frame_unref);
      return FALSE;
    }
  fl_result_free (result);
  *features_out = features;
  *recycles_out = rd.recycles;
  *frame_out = rd.frame;
  return TRUE;
}

static void
on_hovered (GtkWidget *w, int i, int j, gpointer unused)
{
  g_debug ("hovered %d %d", i, j);
}

static void
on_selected (FlAnalysisPanels *p, int i, gpointer unused)
{
  g_print ("residue-selected %d\n", i);
}

static void
on_brushed (FlAnalysisPanels *p, int a, int b, gpointer unused)
{
  int r0, r1, c0, c1;
  fl_analysis_panels_get_brush (p, &r0, &r1, &c0, &c1);
  g_print ("residues-brushed %d..%d (rows %d..%d, columns %d..%d)\n", a, b, r0, r1, c0, c1);
}

static gboolean
tick (GtkWidget *widget, GdkFrameClock *clock, gpointer msa_view)
{
  guint ready, pending;
  fl_msa_view_get_tile_stats (FL_MSA_VIEW (msa_view), &ready, &pending);
  if (!reported && ready > 0 && pending == 0)
    {
      reported = TRUE;
      g_print ("MSA first complete frame: %.1f ms after set_msa (%u tiles)\n",
               (g_get_monotonic_time () - t_set_msa) / 1000.0, ready);
      if (opt_scroll_bench)
        {
          fl_msa_view_set_zoom (FL_MSA_VIEW (msa_view), 1, 40);
          bench_frames = 0;
        }
      return G_SOURCE_CONTINUE;
    }
  if (bench_frames >= 0 && bench_frames < 240)
    {
      gint64 now = gdk_frame_clock_get_frame_time (clock);
      if (bench_frames == 0)
        bench_t0 = now;
      else
        bench_max_gap = MAX (bench_max_gap, now - bench_last);
      bench_last = now;
      FlMsaView *v = FL_MSA_VIEW (msa_view);
      fl_msa_view_scroll_to (v, (bench_frames * 15) % MAX (1, fl_msa_view_get_model (v)->n_rows), 0);
      bench_frames++;
      if (bench_frames == 240)
        {
          guint r, p;
          fl_msa_view_get_tile_stats (v, &r, &p);
          g_print ("scroll bench: 239 frame intervals, mean %.2f ms, max %.2f ms (%u tiles cached)\n",
                   (now - bench_t0) / 239.0 / 1000.0, bench_max_gap / 1000.0, r);
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  const char *path = NULL;
  for (int i = 1; i < argc; i++)
    {
      if (!g_strcmp0 (argv[i], "--page") && i + 1 < argc)
        opt_page = atoi (argv[++i]);
      else if (!g_strcmp0 (argv[i], "--map") && i + 1 < argc)
        opt_map = atoi (argv[++i]);
      else if (!g_strcmp0 (argv[i], "--zoom") && i + 1 < argc)
        opt_zoom = g_ascii_strtod (argv[++i], NULL);
      else if (!g_strcmp0 (argv[i], "--scroll") && i + 1 < argc)
        opt_scroll = g_ascii_strtod (argv[++i], NULL);
      else if (!g_strcmp0 (argv[i], "--select") && i + 1 < argc)
        opt_select = atoi (argv[++i]);
      else if (!g_strcmp0 (argv[i], "--scroll-bench"))
        opt_scroll_bench = 1;
      else if (!g_strcmp0 (argv[i], "--run"))
        opt_run = 1;
      else if (!g_strcmp0 (argv[i], "--identity"))
        opt_identity = 1;
      else if (!g_strcmp0 (argv[i], "--quit-after") && i + 1 < argc)
        opt_quit = g_ascii_strtod (argv[++i], NULL);
      else
        path = argv[i];
    }
  gtk_init ();
  g_autoptr (GError) error = NULL;
  FlMsa *msa = path ? fl_msa_load_file (path, &error)
                    : fl_msa_new_from_sequence ("MKTAYIAKQRQISFVKSHFSRQLEERLGLIEVQAPILSRVGDGTQDNLSGAEKAVQVKVKALPDAQFEVVHSLAKWKRQTLGQHDFSAGEGLYTHMKALRPDEDRLSPLHSVYVDQWDWERVMGDGERQFSTLKSTVEAIWAGIKATEAAVSEEFGLAPFLPDQIHFVHSQELLSRYPDLDAKGRERAIAKDLGAVFLVGIGGKLSDGHRHDVRAPDYDDWUAXGLNGDILVWNPVLEDAFELSSMGIRVDADTLKHQLALTGDEDRLELEWHQALLRGEMPQTIGGGIGQSRLTMLLLQLPHLGQVQAGVWPAACRDEGRLSALLLR", "demo", &error);
  if (!msa)
    {
      g_printerr ("panels-demo: %s\n", error->message);
      return 1;
    }
  FlFeatureOptions opts;
  fl_feature_options_init (&opts);
  g_autoptr (GError) ferr = NULL;
  FlFeatures *features = fl_features_build (msa, &opts, &ferr);
  if (!features)
    g_printerr ("panels-demo: no features (%s); row kinds not shown\n", ferr->message);

  int L = msa->L;
  float *ca = g_new (float, L * 3);
  synth_ca (L, ca);
  FlFrame *frame = fl_frame_new (3, 7, 8, L);
  for (int i = 0; i < L; i++)
    for (int k = 0; k < 3; k++)
      frame->atom37[(i * 37 + 1) * 3 + k] = ca[i * 3 + k];
  int n_clust = features ? features->n_clust : MIN (msa->n_rows, 512);
  GPtrArray *recycles = NULL;
  if (opt_run)
    {
      FlFeatures *run_features = NULL;
      FlFrame *run_frame = NULL;
      g_autoptr (GError) rerr = NULL;
      gint64 t0 = g_get_monotonic_time ();
      if (run_engine (msa, &run_features, &recycles, &run_frame, &rerr))
        {
          g_print ("engine run: %.1f s, %u recycles\n", (g_get_monotonic_time () - t0) / 1e6, recycles->len);
          fl_features_free (features);
          features = run_features;
          if (run_frame)
            {
              fl_frame_unref (frame);
              frame = run_frame;
            }
        }
      else
        g_printerr ("panels-demo: engine run failed (%s); synthetic maps\n", rerr->message);
    }
  if (!recycles)
    recycles = synth_recycles (L, n_clust, ca, 4);

  GtkWidget *win = gtk_window_new ();
  g_autofree char *title = g_strdup_printf ("Foldlight panels demo: %s (%d rows x %d) - maps %s",
                                            path ? path : "built-in sequence", msa->n_rows, L,
                                            opt_run ? "from the engine (untrained demo parameters)" : "SYNTHETIC");
  gtk_window_set_title (GTK_WINDOW (win), title);
  gtk_window_set_default_size (GTK_WINDOW (win), 1500, 950);
  GtkWidget *panels = fl_analysis_panels_new ();
  gtk_window_set_child (GTK_WINDOW (win), panels);
  FlAnalysisPanels *p = FL_ANALYSIS_PANELS (panels);
  g_signal_connect (p, "residues-hovered", G_CALLBACK (on_hovered), NULL);
  g_signal_connect (p, "residue-selected", G_CALLBACK (on_selected), NULL);
  g_signal_connect (p, "residues-brushed", G_CALLBACK (on_brushed), NULL);
  GtkWidget *msa_view = fl_analysis_panels_get_msa_view (p);
  gtk_widget_add_tick_callback (msa_view, tick, msa_view, NULL);
  gtk_window_present (GTK_WINDOW (win));

  t_set_msa = g_get_monotonic_time ();
  fl_analysis_panels_set_msa (p, msa, features);
  fl_analysis_panels_set_recycles (p, recycles, -1);
  fl_analysis_panels_set_frame (p, frame);
  if (opt_select >= 0)
    fl_analysis_panels_select_residue (p, opt_select);
  fl_analysis_panels_show_page (p, opt_page);
  if (opt_map >= 0)
    fl_pair_map_view_set_map_kind (FL_PAIR_MAP_VIEW (fl_analysis_panels_get_pair_map_view (p)), opt_map);
  if (opt_identity)
    fl_msa_view_set_color_mode (FL_MSA_VIEW (msa_view), FL_MSA_COLOR_IDENTITY);
  if (opt_zoom != 1)
    fl_msa_view_set_zoom (FL_MSA_VIEW (msa_view), opt_zoom, opt_zoom);
  if (opt_scroll > 0)
    fl_msa_view_scroll_to (FL_MSA_VIEW (msa_view), opt_scroll, 0);

  GMainLoop *loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect_swapped (win, "destroy", G_CALLBACK (g_main_loop_quit), loop);
  if (opt_quit > 0)
    g_timeout_add ((guint) (opt_quit * 1000), quit_cb, loop);
  g_main_loop_run (loop);
  g_main_loop_unref (loop);
  g_ptr_array_unref (recycles);
  fl_frame_unref (frame);
  fl_features_free (features);
  fl_msa_free (msa);
  g_free (ca);
  return 0;
}
