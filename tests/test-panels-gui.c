/* Analysis panels as widgets, under a real display (Xvfb in the test
 * command; skipped without one): the composite in a window, fed a small
 * alignment and two recycles with every map; tiles arrive from the worker
 * threads and the MSA view paints them; every map type can be chosen; a
 * hover emits "residues-hovered" with the cell and shows the CA-CA distance;
 * selecting a residue marks it without re-emitting; the panels export. */
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include "fl-analysis-panels.h"
#include "fl-msa-view.h"
#include "fl-pair-map-view.h"
#include "fl-confidence-plot.h"

#define L_RES 12

static GtkWidget *window;
static FlAnalysisPanels *panels;
static FlMsa *msa;
static GPtrArray *recycles;
static FlFrame *frame;
static char *tmp_dir;
static int hovered_i = -2, hovered_j = -2, n_hovered, selected = -2, n_selected;

static const char *const rows[] = {
  "MKTAYIAKQRQI",
  "MKTAYIAKQRQV",
  "MK--YLAKERQI",
  "LKTGYIPKQ---",
  "MRSAWIAKQKQI",
  "------AKQRQI",
};

static void
pump (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);
  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE), g_usleep (2000);
}

static gboolean
wait_for (gboolean (*cond) (void), double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);
  while (g_get_monotonic_time () < end)
    {
      if (cond ())
        return TRUE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return cond ();
}

static FlMsa *
make_msa (void)
{
  int n = G_N_ELEMENTS (rows);
  FlMsa *m = g_new0 (FlMsa, 1);
  m->n_rows = m->n_rows_in_file = n;
  m->L = L_RES;
  m->query = g_strdup (rows[0]);
  m->query_name = g_strdup ("query");
  m->tokens = g_new0 (int8_t, n * L_RES);
  m->deletions = g_new0 (float, n * L_RES);
  m->names = g_new0 (char *, n + 1);
  for (int r = 0; r < n; r++)
    {
      m->names[r] = g_strdup_printf ("row%d", r);
      for (int c = 0; c < L_RES; c++)
        {
          const char *p = strchr (FL_AA_ORDER, rows[r][c]);
          m->tokens[r * L_RES + c] = rows[r][c] == '-' ? FL_TOKEN_GAP : (int8_t) (p - FL_AA_ORDER);
        }
    }
  m->deletions[2 * L_RES + 6] = 3;
  return m;
}

static void
free_msa (FlMsa *m)
{
  g_free (m->query);
  g_free (m->query_name);
  g_free (m->tokens);
  g_free (m->deletions);
  g_strfreev (m->names);
  g_free (m);
}

static float *
filled (gsize n, float base, float step)
{
  float *x = g_new (float, n);
  for (gsize k = 0; k < n; k++)
    x[k] = base + step * (k % 97);
  return x;
}

static FlRecycleData *
make_recycle (int r)
{
  gsize LL = L_RES * L_RES;
  FlRecycleData *d = fl_recycle_data_new (r, L_RES);
  for (int i = 0; i < L_RES; i++)
    d->plddt[i] = 50 + 3 * i + 5 * r;
  d->mean_plddt = 70 + 5 * r;
  d->ptm = 0.4f + 0.1f * r;
  d->tolerance = r ? 0.8f : NAN;
  d->pae = filled (LL, 1, 0.3f);
  d->contact_probs = filled (LL, 0, 0.01f);
  d->expected_distance = filled (LL, 3, 0.2f);
  d->att_block = 47;
  d->att_heads = 3;
  d->tri_heads = 2;
  d->att_residue = 4;
  d->msa_row_attention = filled (3 * LL, 0, 0.002f);
  d->msa_row_pair_bias = filled (3 * LL, -1, 0.02f);
  d->tri_start_attention = filled (2 * LL, 0, 0.003f);
  d->tri_end_attention = filled (2 * LL, 0.1f, 0.001f);
  d->col_heads = 2;
  d->n_clust = 4;
  d->msa_col_attention = filled (2 * 4, 0.1f, 0.05f);
  return d;
}

static void
on_hovered (FlAnalysisPanels *p, int i, int j, gpointer unused)
{
  hovered_i = i;
  hovered_j = j;
  n_hovered++;
}

static void
on_selected (FlAnalysisPanels *p, int i, gpointer unused)
{
  selected = i;
  n_selected++;
}

static FlMsaView *
msa_view (void)
{
  return FL_MSA_VIEW (fl_analysis_panels_get_msa_view (panels));
}

static FlPairMapView *
pair_view (void)
{
  return FL_PAIR_MAP_VIEW (fl_analysis_panels_get_pair_map_view (panels));
}

static gboolean
tiles_ready (void)
{
  guint ready = 0, pending = 1;
  fl_msa_view_get_tile_stats (msa_view (), &ready, &pending);
  return ready > 0 && pending == 0;
}

/* Renders a widget as the screen shows it and counts heatmap-like pixels:
 * coloured (not grey), or dark grey (the greys palette). */
static int
count_coloured_pixels (GtkWidget *widget)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GtkSnapshot *snap = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snap, w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node (snap);
  g_object_unref (paintable);
  if (!node)
    return 0;
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *tex = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gsk_render_node_unref (node);
  int tw = gdk_texture_get_width (tex), th = gdk_texture_get_height (tex);
  guchar *px = g_malloc ((gsize) tw * th * 4);
  gdk_texture_download (tex, px, tw * 4);
  int coloured = 0;
  for (int k = 0; k < tw * th; k++)
    {
      int b = px[k * 4], g = px[k * 4 + 1], r = px[k * 4 + 2];
      coloured += MAX (MAX (r, g), b) - MIN (MIN (r, g), b) > 40 || MAX (MAX (r, g), b) < 150;
    }
  g_free (px);
  g_object_unref (tex);
  return coloured;
}

/* The widget's coloured pixel count once it reaches min (frames and tiles
 * arrive asynchronously), or the last count after the timeout. */
static int
wait_pixels (GtkWidget *widget, int min, double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);
  int n = 0;
  while ((n = count_coloured_pixels (widget)) <= min && g_get_monotonic_time () < end)
    pump (0.05);
  return n;
}

static void
test_msa_view (void)
{
  fl_analysis_panels_show_page (panels, 0);
  g_assert_true (wait_for (tiles_ready, 30));
  FlMsaModel *m = fl_msa_view_get_model (msa_view ());
  g_assert_nonnull (m);
  g_assert_cmpint (m->n_rows, ==, 6);
  g_assert_cmpint (m->order[0], ==, 0);
  g_assert_cmpint (m->order[1], ==, 1);   /* 11/12 identical */
  g_assert_cmpint (m->row_kind[0], ==, FL_MSA_ROW_QUERY);
  pump (0.3);
  /* the painted widget shows the coloured alignment */
  g_assert_cmpint (wait_pixels (GTK_WIDGET (msa_view ()), 5000, 20), >, 5000);

  /* zoom and scroll re-request tiles and still paint */
  fl_msa_view_set_zoom (msa_view (), 4, 4);
  fl_msa_view_scroll_to (msa_view (), 2, 3);
  pump (0.2);
  g_assert_true (wait_for (tiles_ready, 30));
  fl_msa_view_set_color_mode (msa_view (), FL_MSA_COLOR_IDENTITY);
  pump (0.1);
  g_assert_true (wait_for (tiles_ready, 30));
  g_assert_cmpint (wait_pixels (GTK_WIDGET (msa_view ()), 2000, 20), >, 2000);
  fl_msa_view_set_zoom (msa_view (), 1, 1);

  g_autofree char *png = g_build_filename (tmp_dir, "msa.png", NULL);
  g_autofree char *csv = g_build_filename (tmp_dir, "msa.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_msa_view_export (msa_view (), FL_EXPORT_PNG, png, &error));
  g_assert_no_error (error);
  g_assert_true (fl_msa_view_export (msa_view (), FL_EXPORT_CSV, csv, &error));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "0,0,query,1.0000,"));
  g_assert_nonnull (strstr (text, "MKTAYIAKQRQI"));
}

static gboolean
pair_view_sized (void)
{
  double x, y;
  return fl_pair_map_view_cell_center (pair_view (), 0, 0, &x, &y);
}

static void
test_every_map (void)
{
  fl_analysis_panels_show_page (panels, 1);
  g_assert_true (wait_for (pair_view_sized, 30));
  FlRecycleData *cur = g_ptr_array_index (recycles, 1);
  for (int k = 0; k < FL_PAIR_MAP_N_KINDS; k++)
    {
      fl_pair_map_view_set_map_kind (pair_view (), k);
      pump (0.05);
      const FlPairMap *map = fl_pair_map_view_get_map (pair_view ());
      g_assert_nonnull (map);
      g_assert_cmpint (map->kind, ==, k);
      g_assert_cmpint (map->L, ==, L_RES);
      g_assert_cmpint (map->recycle, ==, 1);
      g_assert_cmpint (wait_pixels (GTK_WIDGET (pair_view ()), 500, 20), >, 500);
    }
  /* one head of the row attention: exactly that head's weights */
  fl_pair_map_view_set_map_kind (pair_view (), FL_PAIR_MAP_MSA_ROW_ATTENTION);
  fl_pair_map_view_set_head (pair_view (), 2);
  const FlPairMap *map = fl_pair_map_view_get_map (pair_view ());
  g_assert_cmpint (map->head, ==, 2);
  gsize LL = L_RES * L_RES;
  for (gsize k = 0; k < LL; k++)
    g_assert_cmpfloat (map->values[k], ==, cur->msa_row_attention[2 * LL + k]);
  fl_pair_map_view_set_head (pair_view (), -1);

  /* the timeline moves to recycle 0: the map follows */
  fl_analysis_panels_set_recycles (panels, recycles, 0);
  g_assert_cmpint (fl_pair_map_view_get_map (pair_view ())->recycle, ==, 0);
  fl_analysis_panels_set_recycles (panels, recycles, 1);
  /* a recycle without maps shows a message and has no map */
  g_autoptr (GPtrArray) bare = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  g_ptr_array_add (bare, fl_recycle_data_new (0, L_RES));
  fl_analysis_panels_set_recycles (panels, bare, -1);
  pump (0.05);
  g_assert_null (fl_pair_map_view_get_map (pair_view ()));
  fl_analysis_panels_set_recycles (panels, recycles, 1);
  g_assert_nonnull (fl_pair_map_view_get_map (pair_view ()));
}

static void
test_hover_and_select (void)
{
  fl_analysis_panels_show_page (panels, 1);
  fl_pair_map_view_set_map_kind (pair_view (), FL_PAIR_MAP_PAE);
  g_assert_true (wait_for (pair_view_sized, 30));
  double x, y;
  g_assert_true (fl_pair_map_view_cell_center (pair_view (), 3, 7, &x, &y));
  n_hovered = 0;
  fl_pair_map_view_hover_at (pair_view (), x, y);
  g_assert_cmpint (n_hovered, ==, 1);
  g_assert_cmpint (hovered_i, ==, 3);
  g_assert_cmpint (hovered_j, ==, 7);
  /* the same cell again: no new signal */
  fl_pair_map_view_hover_at (pair_view (), x + 0.5, y + 0.5);
  g_assert_cmpint (n_hovered, ==, 1);
  const char *status = fl_pair_map_view_get_status (pair_view ());
  const float *a = fl_frame_ca (frame, 3), *b = fl_frame_ca (frame, 7);
  double d = sqrt ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
  g_autofree char *want_d = g_strdup_printf ("CA–CA %.1f Å", d);
  g_test_message ("status: %s", status);
  g_assert_nonnull (strstr (status, want_d));
  g_assert_nonnull (strstr (status, "i 4 A"));
  g_assert_nonnull (strstr (status, "j 8 K"));
  /* leaving the map: (-1, -1) */
  fl_pair_map_view_hover_at (pair_view (), 1, 1);
  g_assert_cmpint (hovered_i, ==, -1);
  g_assert_cmpint (hovered_j, ==, -1);

  /* selection from outside marks the maps and does not re-emit */
  n_selected = 0;
  fl_analysis_panels_select_residue (panels, 5);
  pump (0.05);
  g_assert_cmpint (n_selected, ==, 0);
  g_autofree char *png = g_build_filename (tmp_dir, "pae.png", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_pair_map_view_export (pair_view (), FL_EXPORT_PNG, png, &error));
  cairo_surface_t *img = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (img), ==, CAIRO_STATUS_SUCCESS);
  FlPairMapLayout lo;
  fl_pair_map_layout_compute (&lo, cairo_image_surface_get_width (img), cairo_image_surface_get_height (img));
  double cs = lo.map_size / L_RES;
  cairo_surface_flush (img);
  const unsigned char *data = cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img);
  /* cell (5, 0) is on the selected row: magenta tint, red > blue */
  int px = (int) (lo.map_x + 0.5 * cs), py = (int) (lo.map_y + 5.5 * cs);
  uint32_t on = *(const uint32_t *) (data + py * stride + px * 4);
  g_assert_cmpint ((on >> 16) & 0xff, >, on & 0xff);
  /* cell (1, 0) is not: the PAE palette's blue */
  py = (int) (lo.map_y + 1.5 * cs);
  uint32_t off = *(const uint32_t *) (data + py * stride + px * 4);
  g_assert_cmpint ((off >> 16) & 0xff, <, off & 0xff);
  cairo_surface_destroy (img);
  int r0 = 0;
  g_assert_false (fl_analysis_panels_get_brush (panels, &r0, NULL, NULL, NULL));
  g_assert_cmpint (r0, ==, -1);
}

static void
test_confidence (void)
{
  fl_analysis_panels_show_page (panels, 2);
  pump (0.2);
  FlConfidencePlot *plot = FL_CONFIDENCE_PLOT (fl_analysis_panels_get_confidence_plot (panels));
  g_assert_cmpuint (fl_confidence_plot_get_n_recycles (plot), ==, 2);
  g_assert_cmpint (wait_pixels (GTK_WIDGET (plot), 5000, 20), >, 5000);
  g_autofree char *json = g_build_filename (tmp_dir, "confidence.json", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_confidence_plot_export (plot, FL_EXPORT_JSON, json, &error));
  g_autofree char *svg = g_build_filename (tmp_dir, "confidence.svg", NULL);
  g_assert_true (fl_confidence_plot_export (plot, FL_EXPORT_SVG, svg, &error));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (json, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "\"recycle\":1"));
}

static gboolean
fatal_filter (const char *log_domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (message && (strstr (message, "session bus") || strstr (message, "dbus")))
    return FALSE;
  return TRUE;
}

static void
remove_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_unlink (p);
    }
  if (d)
    g_dir_close (d);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (fatal_filter, NULL);
  g_setenv ("GTK_A11Y", "none", TRUE);
  if (!gtk_init_check ())
    {
      g_test_skip ("no display (run under Xvfb)");
      return g_test_run ();
    }
  tmp_dir = g_dir_make_tmp ("fl-panels-gui-XXXXXX", NULL);
  msa = make_msa ();
  int32_t cluster_src[4] = { 0, 1, 2, 3 }, extra_src[2] = { 4, 5 };
  FlFeatures f = { 0 };
  f.n_clust = 4;
  f.n_extra = 2;
  f.cluster_source_row = cluster_src;
  f.extra_source_row = extra_src;
  recycles = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  g_ptr_array_add (recycles, make_recycle (0));
  g_ptr_array_add (recycles, make_recycle (1));
  frame = fl_frame_new (1, 7, 8, L_RES);
  for (int i = 0; i < L_RES; i++)
    {
      frame->atom37[(i * 37 + 1) * 3 + 0] = 3.8f * i;
      frame->atom37[(i * 37 + 1) * 3 + 1] = (i % 2) * 1.5f;
    }

  window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (window), 1000, 700);
  panels = FL_ANALYSIS_PANELS (fl_analysis_panels_new ());
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (panels));
  g_signal_connect (panels, "residues-hovered", G_CALLBACK (on_hovered), NULL);
  g_signal_connect (panels, "residue-selected", G_CALLBACK (on_selected), NULL);
  gtk_window_present (GTK_WINDOW (window));
  fl_analysis_panels_set_msa (panels, msa, &f);
  fl_analysis_panels_set_recycles (panels, recycles, -1);
  fl_analysis_panels_set_frame (panels, frame);
  pump (0.3);

  g_test_add_func ("/ui/panels-gui/msa-view", test_msa_view);
  g_test_add_func ("/ui/panels-gui/every-map", test_every_map);
  g_test_add_func ("/ui/panels-gui/hover-select", test_hover_and_select);
  g_test_add_func ("/ui/panels-gui/confidence", test_confidence);
  int rc = g_test_run ();
  gtk_window_destroy (GTK_WINDOW (window));
  pump (0.1);
  g_ptr_array_unref (recycles);
  fl_frame_unref (frame);
  free_msa (msa);
  remove_dir (tmp_dir);
  g_free (tmp_dir);
  return rc;
}
