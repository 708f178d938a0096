/* bench-panels: printed timings of the analysis panels' drawing code (not a
 * test). Usage: bench-panels [alignment.a3m]
 *  1. first paint of an 8,000 x 500 MSA (synthetic, or the given A3M):
 *     model (identity sort + coverage), all tiles of the fitted view
 *     (serial and on a thread pool, as the widget does), compositing the
 *     panel at 1200 x 800; then one scrolled frame from cached tiles.
 *  2. recolouring a 1,000 x 1,000 pair map (mean of 8 heads extracted once). */
#include <glib.h>
#include <math.h>
#include <string.h>
#include "fl-msa.h"
#include "fl-msa-render.h"
#include "fl-heatmap.h"
#include "fl-pair-map-render.h"

#define TILE 256

static double
now_ms (void)
{
  return g_get_monotonic_time () / 1000.0;
}

static FlMsa *
synthetic_msa (int N, int L, guint32 seed)
{
  GRand *rng = g_rand_new_with_seed (seed);
  FlMsa *m = g_new0 (FlMsa, 1);
  m->n_rows = m->n_rows_in_file = N;
  m->L = L;
  m->query = g_malloc (L + 1);
  m->tokens = g_new (int8_t, (gsize) N * L);
  m->deletions = g_new0 (float, (gsize) N * L);
  m->names = g_new0 (char *, N + 1);
  for (int c = 0; c < L; c++)
    {
      m->tokens[c] = g_rand_int_range (rng, 0, 20);
      m->query[c] = FL_AA_ORDER[m->tokens[c]];
    }
  m->query[L] = 0;
  for (int r = 0; r < N; r++)
    {
      m->names[r] = g_strdup_printf ("seq%d", r);
      double keep = g_rand_double_range (rng, 0.2, 0.95);
      int start = r ? g_rand_int_range (rng, 0, L / 3) : 0, end = r ? g_rand_int_range (rng, 2 * L / 3, L + 1) : L;
      for (int c = 0; c < L; c++)
        {
          int8_t t;
          if (r == 0)
            t = m->tokens[c];
          else if (c < start || c >= end)
            t = FL_TOKEN_GAP;
          else
            t = g_rand_double (rng) < keep ? m->tokens[c] : g_rand_int_range (rng, 0, 22);
          m->tokens[(gsize) r * L + c] = t;
          if (r && g_rand_double (rng) < 0.01)
            m->deletions[(gsize) r * L + c] = 1;
        }
    }
  g_rand_free (rng);
  return m;
}

typedef struct {
  FlMsaModel *model;
  cairo_surface_t **tiles;
  int tiles_c;
} PoolCtx;

static void
pool_tile (gpointer data, gpointer user_data)
{
  PoolCtx *ctx = user_data;
  int k = GPOINTER_TO_INT (data) - 1;
  int tr = k / ctx->tiles_c, tc = k % ctx->tiles_c;
  FlMsaModel *m = ctx->model;
  ctx->tiles[k] = fl_msa_model_render_tile (m, FL_MSA_COLOR_AA_CLASS, TRUE, tr * TILE, tc * TILE,
                                            MIN (TILE, m->n_rows - tr * TILE), MIN (TILE, m->L - tc * TILE));
}

static void
composite (FlMsaModel *m, cairo_surface_t **tiles, int tiles_c, cairo_surface_t *canvas,
           double zoom_rows, double row0)
{
  int W = cairo_image_surface_get_width (canvas), H = cairo_image_surface_get_height (canvas);
  cairo_t *cr = cairo_create (canvas);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  FlMsaLayout lo;
  fl_msa_layout_compute (&lo, W, H, FALSE);
  double cw = lo.map_w / m->L, ch = lo.map_h / m->n_rows * zoom_rows;
  double nrows = MIN (lo.map_h / ch, m->n_rows);
  fl_msa_draw_coverage (cr, m, 0, m->L, lo.cov_x, lo.cov_y, lo.cov_w, lo.cov_h);
  cairo_save (cr);
  cairo_rectangle (cr, lo.map_x, lo.map_y, lo.map_w, lo.map_h);
  cairo_clip (cr);
  int tr0 = (int) (row0 / TILE), tr1 = MIN ((int) ((row0 + nrows) / TILE), (m->n_rows - 1) / TILE);
  for (int tr = tr0; tr <= tr1; tr++)
    for (int tc = 0; tc < tiles_c; tc++)
      {
        cairo_surface_t *t = tiles[tr * tiles_c + tc];
        fl_heatmap_paint (cr, t, lo.map_x + tc * TILE * cw, lo.map_y + (tr * TILE - row0) * ch,
                          cairo_image_surface_get_width (t) * cw, cairo_image_surface_get_height (t) * ch);
      }
  cairo_restore (cr);
  fl_msa_draw_axes (cr, m, &lo, 0, m->L, row0, nrows);
  fl_msa_draw_legend (cr, m, FL_MSA_COLOR_AA_CLASS, FALSE, lo.legend_x, lo.legend_y, lo.legend_w, lo.legend_h);
  cairo_destroy (cr);
  cairo_surface_flush (canvas);
}

static void
bench_msa (FlMsa *msa)
{
  g_print ("MSA %d rows x %d columns\n", msa->n_rows, msa->L);
  double t0 = now_ms ();
  FlMsaModel *m = fl_msa_model_new (msa, NULL);
  double t_model = now_ms () - t0;
  int tiles_r = (m->n_rows + TILE - 1) / TILE, tiles_c = (m->L + TILE - 1) / TILE, n = tiles_r * tiles_c;
  cairo_surface_t **tiles = g_new0 (cairo_surface_t *, n);

  /* serial */
  t0 = now_ms ();
  PoolCtx ctx = { m, tiles, tiles_c };
  for (int k = 0; k < n; k++)
    pool_tile (GINT_TO_POINTER (k + 1), &ctx);
  double t_serial = now_ms () - t0;
  for (int k = 0; k < n; k++)
    cairo_surface_destroy (tiles[k]);

  /* thread pool, as the widget (GTask) */
  int threads = MAX (1, (int) g_get_num_processors ());
  t0 = now_ms ();
  GThreadPool *pool = g_thread_pool_new (pool_tile, &ctx, threads, FALSE, NULL);
  for (int k = 0; k < n; k++)
    g_thread_pool_push (pool, GINT_TO_POINTER (k + 1), NULL);
  g_thread_pool_free (pool, FALSE, TRUE);
  double t_pool = now_ms () - t0;

  cairo_surface_t *canvas = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1200, 800);
  t0 = now_ms ();
  composite (m, tiles, tiles_c, canvas, 1.0, 0);
  double t_comp = now_ms () - t0;
  g_print ("  model (identity sort, coverage)   %8.2f ms\n", t_model);
  g_print ("  %3d tiles, serial                  %8.2f ms\n", n, t_serial);
  g_print ("  %3d tiles, %d threads               %8.2f ms\n", n, threads, t_pool);
  g_print ("  composite 1200x800                %8.2f ms\n", t_comp);
  g_print ("  FIRST PAINT (model + tiles on pool + composite) %.2f ms (target <= 100)\n",
           t_model + t_pool + t_comp);
  /* scrolled frames from cached tiles, zoomed to 40x rows */
  int frames = 30;
  t0 = now_ms ();
  for (int f = 0; f < frames; f++)
    composite (m, tiles, tiles_c, canvas, 40.0, f * (m->n_rows / 40.0));
  g_print ("  scroll frame (cached tiles, rows zoomed 40x) %.2f ms per frame\n",
           (now_ms () - t0) / frames);
  t0 = now_ms ();
  for (int f = 0; f < frames; f++)
    composite (m, tiles, tiles_c, canvas, 1.0, 0);
  g_print ("  redraw frame (cached tiles, whole MSA)       %.2f ms per frame\n",
           (now_ms () - t0) / frames);
  cairo_surface_destroy (canvas);
  for (int k = 0; k < n; k++)
    cairo_surface_destroy (tiles[k]);
  g_free (tiles);
  fl_msa_model_unref (m);
}

static void
bench_pair (int L)
{
  FlRecycleData *d = fl_recycle_data_new (0, L);
  gsize LL = (gsize) L * L;
  d->att_heads = 8;
  d->att_block = 47;
  d->msa_row_attention = g_new (float, 8 * LL);
  for (gsize k = 0; k < 8 * LL; k++)
    d->msa_row_attention[k] = (float) ((k * 2654435761u) % 1000) / 1000.f;
  d->pae = g_new (float, LL);
  for (gsize k = 0; k < LL; k++)
    d->pae[k] = (float) (k % 31);
  double t0 = now_ms ();
  FlPairMap *m = fl_pair_map_new (d, FL_PAIR_MAP_MSA_ROW_ATTENTION, -1);
  double t_extract = now_ms () - t0;
  cairo_surface_t *img = fl_pair_map_render (m);
  int reps = 20;
  t0 = now_ms ();
  for (int r = 0; r < reps; r++)
    fl_heatmap_recolor (img, m->values, L, L, fl_palette_get (r % 2 ? FL_PALETTE_VIRIDIS : FL_PALETTE_GREYS),
                        0.f, m->vmax * (1 + r * 0.01f));
  double t_recolor = (now_ms () - t0) / reps;
  FlPairMap *pae = fl_pair_map_new (d, FL_PAIR_MAP_PAE, -1);
  t0 = now_ms ();
  for (int r = 0; r < reps; r++)
    fl_pair_map_recolor (pae, img);
  double t_pae = (now_ms () - t0) / reps;
  cairo_surface_t *canvas = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 900, 800);
  FlPairMapLayout lo;
  fl_pair_map_layout_compute (&lo, 900, 800);
  t0 = now_ms ();
  cairo_surface_t *small = fl_heatmap_downscale (img, (int) lo.map_size, (int) lo.map_size);
  double t_down = now_ms () - t0;
  t0 = now_ms ();
  for (int r = 0; r < reps; r++)
    {
      cairo_t *cr = cairo_create (canvas);
      fl_pair_map_draw (cr, 900, 800, m, small, NULL);
      cairo_destroy (cr);
    }
  double t_draw = (now_ms () - t0) / reps;
  cairo_surface_destroy (small);
  g_print ("Pair map %d x %d\n", L, L);
  g_print ("  extract mean of 8 heads           %8.2f ms\n", t_extract);
  g_print ("  RECOLOUR (new palette / range)    %8.2f ms (target <= 20)\n", t_recolor);
  g_print ("  recolour PAE map                  %8.2f ms\n", t_pae);
  g_print ("  box-filter to %dx%d (once per size) %6.2f ms\n", (int) lo.map_size, (int) lo.map_size, t_down);
  g_print ("  draw panel 900x800 (cached image) %8.2f ms\n", t_draw);
  cairo_surface_destroy (canvas);
  cairo_surface_destroy (img);
  fl_pair_map_free (m);
  fl_pair_map_free (pae);
  fl_recycle_data_unref (d);
}

int
main (int argc, char **argv)
{
  FlMsa *msa;
  if (argc > 1)
    {
      g_autoptr (GError) error = NULL;
      msa = fl_msa_load_file (argv[1], &error);
      if (!msa)
        {
          g_printerr ("bench-panels: %s\n", error->message);
          return 1;
        }
    }
  else
    msa = synthetic_msa (8000, 500, 7);
  bench_msa (msa);
  fl_msa_free (msa);
  bench_pair (1000);
  return 0;
}
