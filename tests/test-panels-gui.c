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
#include "fl-test-util.h"

#define L_RES 12

static GtkWidget *window;
static FlAnalysisPanels *panels;
static FlMsa *msa;
static GPtrArray *recycles;
static FlFrame *frame;
static char *tmp_dir;
static int hovered_i = -2, hovered_j = -2, n_hovered, selected = -2, n_selected;
static int brushed_first = -2, brushed_last = -2, n_brushed;

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
  d->template_contribution = filled (LL, 5, 0.05f);
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

static void
on_brushed (FlAnalysisPanels *p, int first, int last, gpointer unused)
{
  brushed_first = first;
  brushed_last = last;
  n_brushed++;
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
  fl_msa_view_scroll_to (msa_view (), 0, 0);
  pump (0.1);

  /* hover over display row 2, column 4: the column is the residue */
  double x, y;
  g_assert_true (fl_msa_view_cell_center (msa_view (), 2, 4, &x, &y));
  n_hovered = 0;
  fl_msa_view_hover_at (msa_view (), x, y);
  g_assert_cmpint (n_hovered, ==, 1);
  g_assert_cmpint (hovered_i, ==, 4);
  g_assert_cmpint (hovered_j, ==, -1);
  const char *status = fl_msa_view_get_status (msa_view ());
  g_test_message ("msa status: %s", status);
  g_assert_nonnull (strstr (status, "residue 5 Y"));
  g_assert_nonnull (strstr (status, "row 3: row"));
  /* another row of the same column: no new residue signal */
  double x2, y2;
  g_assert_true (fl_msa_view_cell_center (msa_view (), 4, 4, &x2, &y2));
  fl_msa_view_hover_at (msa_view (), x2, y2);
  g_assert_cmpint (n_hovered, ==, 1);
  /* brush columns 2..7 (dragged right to left) */
  double xa, ya, xb, yb;
  g_assert_true (fl_msa_view_cell_center (msa_view (), 1, 7, &xa, &ya));
  g_assert_true (fl_msa_view_cell_center (msa_view (), 3, 2, &xb, &yb));
  n_brushed = 0;
  g_assert_true (fl_msa_view_brush_between (msa_view (), xa, ya, xb, yb));
  g_assert_cmpint (n_brushed, ==, 1);
  g_assert_cmpint (brushed_first, ==, 2);
  g_assert_cmpint (brushed_last, ==, 7);
  int r0, r1, c0, c1;
  g_assert_true (fl_analysis_panels_get_brush (panels, &r0, &r1, &c0, &c1));
  g_assert_cmpint (r0, ==, 2);
  g_assert_cmpint (c1, ==, 7);
  /* click: select residue 6, brush cleared */
  n_selected = 0;
  g_assert_true (fl_msa_view_cell_center (msa_view (), 0, 6, &x, &y));
  fl_msa_view_click_at (msa_view (), x, y);
  g_assert_cmpint (n_selected, ==, 1);
  g_assert_cmpint (selected, ==, 6);
  g_assert_cmpint (brushed_first, ==, -1);
  fl_msa_view_click_at (msa_view (), x, y);
  g_assert_cmpint (selected, ==, -1);

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

  /* an opened prediction carries only the PAE: the panel shows it instead
   * of an empty "not available" page, and the chosen map comes back with
   * data that has it */
  g_autoptr (GPtrArray) pae_only = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  FlRecycleData *p = fl_recycle_data_new (0, L_RES);
  p->pae = g_new0 (float, L_RES * L_RES);
  g_ptr_array_add (pae_only, p);
  g_assert_cmpint (fl_pair_map_view_get_map_kind (pair_view ()), ==, FL_PAIR_MAP_MSA_ROW_ATTENTION);
  fl_analysis_panels_set_recycles (panels, pae_only, -1);
  g_assert_cmpint (fl_pair_map_view_get_map_kind (pair_view ()), ==, FL_PAIR_MAP_PAE);
  g_assert_nonnull (fl_pair_map_view_get_map (pair_view ()));
  fl_analysis_panels_set_recycles (panels, recycles, 1);
  g_assert_cmpint (fl_pair_map_view_get_map_kind (pair_view ()), ==, FL_PAIR_MAP_MSA_ROW_ATTENTION);
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
  int r0 = 0, r1 = 0, c0 = 0, c1 = 0;
  g_assert_false (fl_analysis_panels_get_brush (panels, &r0, NULL, NULL, NULL));
  g_assert_cmpint (r0, ==, -1);

  /* brushing a rectangle: rows 2..6, columns 8..10 (dragged bottom-up) */
  double xa, ya, xb, yb;
  g_assert_true (fl_pair_map_view_cell_center (pair_view (), 6, 10, &xa, &ya));
  g_assert_true (fl_pair_map_view_cell_center (pair_view (), 2, 8, &xb, &yb));
  n_brushed = 0;
  g_assert_true (fl_pair_map_view_brush_between (pair_view (), xa, ya, xb, yb));
  g_assert_cmpint (n_brushed, ==, 1);
  g_assert_cmpint (brushed_first, ==, 2);
  g_assert_cmpint (brushed_last, ==, 6);
  g_assert_true (fl_analysis_panels_get_brush (panels, &r0, &r1, &c0, &c1));
  g_assert_cmpint (r0, ==, 2);
  g_assert_cmpint (r1, ==, 6);
  g_assert_cmpint (c0, ==, 8);
  g_assert_cmpint (c1, ==, 10);
  /* dragging beyond the map clamps to its edge */
  g_assert_true (fl_pair_map_view_brush_between (pair_view (), xa, ya, xa + 5000, ya + 5000));
  g_assert_cmpint (brushed_last, ==, L_RES - 1);
  g_assert_false (fl_pair_map_view_brush_between (pair_view (), -5, -5, xa, ya));

  /* a click selects the row residue, clears the brush, and every panel marks it */
  n_selected = 0;
  fl_pair_map_view_click_cell (pair_view (), 9, 1);
  g_assert_cmpint (n_selected, ==, 1);
  g_assert_cmpint (selected, ==, 9);
  g_assert_cmpint (brushed_first, ==, -1);
  g_assert_false (fl_analysis_panels_get_brush (panels, NULL, NULL, NULL, NULL));
  fl_pair_map_view_click_cell (pair_view (), 9, 4);   /* again: cleared */
  g_assert_cmpint (selected, ==, -1);
}

static GtkWidget *
find_file_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();
  for (guint k = 0; k < g_list_model_get_n_items (tops); k++)
    {
      g_autoptr (GObject) w = g_list_model_get_item (tops, k);
      G_GNUC_BEGIN_IGNORE_DEPRECATIONS
      if (GTK_IS_FILE_CHOOSER_DIALOG (w) && gtk_widget_get_visible (GTK_WIDGET (w)))
        return GTK_WIDGET (w);
      G_GNUC_END_IGNORE_DEPRECATIONS
    }
  return NULL;
}

static gboolean
file_dialog_open (void)
{
  return find_file_dialog () != NULL;
}

static gboolean
dialog_has_file (void)
{
  GtkWidget *dlg = find_file_dialog ();
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_autoptr (GFile) f = dlg ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dlg)) : NULL;
  G_GNUC_END_IGNORE_DEPRECATIONS
  return f != NULL;
}

static const char *export_path;

static gboolean
export_written (void)
{
  return g_file_test (export_path, G_FILE_TEST_EXISTS) && !find_file_dialog ();
}

/* The export menu of a panel: its action opens a save dialog with the
 * suggested name; choosing a file writes it. */
static void
test_export_menu (void)
{
  fl_analysis_panels_show_page (panels, 1);
  pump (0.1);
  g_autofree char *old_cwd = g_get_current_dir ();
  g_assert_cmpint (g_chdir (tmp_dir), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (pair_view ()), "panel.export", "s", "csv"));
  g_assert_true (wait_for (file_dialog_open, 10));
  GtkWidget *dlg = find_file_dialog ();
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  g_autofree char *name = gtk_file_chooser_get_current_name (GTK_FILE_CHOOSER (dlg));
  g_assert_cmpstr (name, ==, "pair-map.csv");
  /* a new name in the dialog's folder (loaded asynchronously) */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (dlg), "fl-panels-test-export.csv");
  g_assert_true (wait_for (dialog_has_file, 10));
  g_autoptr (GFile) chosen = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dlg));
  g_autofree char *path = g_file_get_path (chosen);
  g_test_message ("export menu writes %s", path);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  gtk_dialog_response (GTK_DIALOG (dlg), GTK_RESPONSE_ACCEPT);
  G_GNUC_END_IGNORE_DEPRECATIONS
  /* the chooser checks the chosen file asynchronously before it responds:
   * on a loaded machine that takes longer than a fixed pause */
  export_path = path;
  g_assert_true (wait_for (export_written, 20));
  pump (0.2);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_unlink (path);
  g_assert_true (g_str_has_prefix (text, "row,0,1,2,"));
  g_assert_null (find_file_dialog ());
  g_assert_cmpint (g_chdir (old_cwd), ==, 0);
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
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  if (!gtk_init_check ())
    {
      fl_test_cannot_run ("no display (run under Xvfb)");
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
  g_signal_connect (panels, "residues-brushed", G_CALLBACK (on_brushed), NULL);
  gtk_window_present (GTK_WINDOW (window));
  fl_analysis_panels_set_msa (panels, msa, &f);
  fl_analysis_panels_set_recycles (panels, recycles, -1);
  fl_analysis_panels_set_frame (panels, frame);
  pump (0.3);

  g_test_add_func ("/ui/panels-gui/msa-view", test_msa_view);
  g_test_add_func ("/ui/panels-gui/every-map", test_every_map);
  g_test_add_func ("/ui/panels-gui/hover-select", test_hover_and_select);
  g_test_add_func ("/ui/panels-gui/confidence", test_confidence);
  g_test_add_func ("/ui/panels-gui/export-menu", test_export_menu);
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
