/* The real app in-process, under a real display (Xvfb in the test command):
 * the window opens on the demo, a run with the untrained demo parameters
 * goes to the end on the CPU, the 3D view exported as PNG shows a cartoon in
 * pLDDT colours, the timeline holds every frame the run made, scrubbing
 * changes the picture, and a bad input is reported in the window while the
 * app stays usable. */
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <dlfcn.h>
#include <math.h>
#include <string.h>
#include "fl-application.h"
#include "fl-analysis-panels.h"
#include "fl-pair-map-view.h"
#include "fl-msa-view.h"
#include "fl-confidence-plot.h"
#include "fl-pair-map-render.h"
#include "fl-msa.h"
#include "fl-test-util.h"

static FlApplication *app;
static char *tmp_dir;
static GtkWidget *sequence_entry (void);

static gboolean
wait_until (gboolean (*cond) (void), double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);
  while (!cond ())
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static void
iterate_for (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * 1e6);
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
}

static FlStructureView *
view (void)
{
  return fl_window_get_structure_view (fl_application_get_window (app));
}

static void
assert_camera_fits (int L)
{
  GtkWidget *v = GTK_WIDGET (view ());
  double w = gtk_widget_get_width (v), h = gtk_widget_get_height (v);
  double x0 = w, x1 = 0, y0 = h, y1 = 0;
  for (int i = 0; i < L; i++)
    {
      double x, y;
      g_assert_true (fl_structure_view_project (view (), i, &x, &y));
      g_assert_true (x >= 0 && x <= w && y >= 0 && y <= h);
      x0 = MIN (x0, x), x1 = MAX (x1, x), y0 = MIN (y0, y), y1 = MAX (y1, y);
    }
  g_test_message ("CA span %.0f%% x %.0f%% of the view", 100 * (x1 - x0) / w, 100 * (y1 - y0) / h);
  g_assert_true ((x1 - x0) / w > 0.4 || (y1 - y0) / h > 0.4);
}

static gboolean
view_drawn (void)
{
  return fl_structure_view_get_n_draws (view ()) > 0;
}

static gboolean
run_done (void)
{
  return !fl_run_controller_is_running (fl_application_get_run_controller (app));
}

static gboolean
timeline_at_end (void)
{
  FlTimeline *tl = fl_window_get_timeline (fl_application_get_window (app));
  return fl_timeline_get_position (tl) == fl_timeline_get_n_frames (tl) - 1.0;
}

static GtkWidget *
find_message_dialog (void)
{
  iterate_for (0.1);
  GListModel *tops = gtk_window_get_toplevels ();   /* transfer none */
  for (guint k = 0; k < g_list_model_get_n_items (tops); k++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (tops, k);
      if (GTK_IS_MESSAGE_DIALOG (w))
        return w;
    }
  return NULL;
}

typedef struct {
  int width, height;
  guint8 *rgba;   /* (height, width, 4) */
} Image;

static void
image_clear (Image *im)
{
  g_free (im->rgba);
}

/* Export the 3D view through the app's PNG export and read the file back. */
static Image
export_view (const char *name, int w, int h)
{
  g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_application_export (app, "png", path, w, h, &error));
  g_assert_no_error (error);
  g_autoptr (GdkTexture) tex = gdk_texture_new_from_filename (path, &error);
  g_assert_no_error (error);
  Image im = { gdk_texture_get_width (tex), gdk_texture_get_height (tex), NULL };
  g_assert_cmpint (im.width, ==, w);
  g_assert_cmpint (im.height, ==, h);
  /* gdk_texture_download gives cairo's ARGB32 (B, G, R, A in memory). */
  guint8 *bgra = g_malloc ((gsize) w * h * 4);
  gdk_texture_download (tex, bgra, (gsize) w * 4);
  im.rgba = g_malloc ((gsize) w * h * 4);
  for (gsize k = 0; k < (gsize) w * h; k++)
    {
      im.rgba[k * 4 + 0] = bgra[k * 4 + 2];
      im.rgba[k * 4 + 1] = bgra[k * 4 + 1];
      im.rgba[k * 4 + 2] = bgra[k * 4 + 0];
      im.rgba[k * 4 + 3] = bgra[k * 4 + 3];
    }
  g_free (bgra);
  return im;
}

/* Fraction of pixels that are not the white background. */
static double
drawn_fraction (const Image *im)
{
  gsize n = 0, total = (gsize) im->width * im->height;
  for (gsize k = 0; k < total; k++)
    {
      const guint8 *p = im->rgba + k * 4;
      if (p[0] < 235 || p[1] < 235 || p[2] < 235)
        n++;
    }
  return (double) n / total;
}

/* Pixels whose hue is that of pLDDT band `band` (shading changes
 * brightness, not hue): 0 dark blue, 1 light blue, 2 yellow, 3 orange. */
static gsize
band_pixels (const Image *im, int band)
{
  static const float band_hue[4] = { 216.f, 198.f, 51.f, 19.f };
  gsize n = 0, total = (gsize) im->width * im->height;
  for (gsize k = 0; k < total; k++)
    {
      const guint8 *p = im->rgba + k * 4;
      float r = p[0] / 255.f, g = p[1] / 255.f, b = p[2] / 255.f;
      float mx = MAX (r, MAX (g, b)), mn = MIN (r, MIN (g, b));
      float d = mx - mn;
      if (mx < 0.2f || d / mx < 0.45f)
        continue;   /* too dark or too grey (fog, highlights) to judge */
      float h;
      if (mx == r)
        h = 60.f * fmodf ((g - b) / d, 6.f);
      else if (mx == g)
        h = 60.f * ((b - r) / d + 2.f);
      else
        h = 60.f * ((r - g) / d + 4.f);
      if (h < 0)
        h += 360.f;
      if (fabsf (h - band_hue[band]) < 8.f)
        n++;
    }
  return n;
}

static gsize
differing_pixels (const Image *a, const Image *b)
{
  gsize n = 0, total = (gsize) a->width * a->height;
  for (gsize k = 0; k < total; k++)
    if (memcmp (a->rgba + k * 4, b->rgba + k * 4, 3) != 0)
      n++;
  return n;
}

static void
test_demo (void)
{
  FlWindow *win = fl_application_get_window (app);
  g_assert_nonnull (win);
  /* Settings work from the build tree (schema compiled there). */
  GSettings *settings = fl_application_get_settings (app);
  g_assert_nonnull (settings);
  g_settings_set_int (settings, "num-recycle", 2);
  g_assert_cmpint (fl_window_get_num_recycle (win), ==, 2);
  g_settings_set_int (settings, "num-recycle", 3);
  FlTimeline *tl = fl_window_get_timeline (win);
  g_assert_cmpuint (fl_timeline_get_n_frames (tl), ==, 1);
  FlFrame *f = fl_window_get_current_frame (win);
  g_assert_nonnull (f);
  g_assert_cmpint (f->L, ==, 59);
  g_assert_cmpfloat (f->mean_plddt, >, 90.f);   /* ColabFold's real pLDDT */
  g_assert_cmpuint (fl_window_get_recycles (win)->len, ==, 1);
  FlRecycleData *scores = g_ptr_array_index (fl_window_get_recycles (win), 0);
  g_assert_nonnull (scores->pae);
  g_assert_false (isnan (scores->ptm));

  Image im = export_view ("demo.png", 480, 360);
  double drawn = drawn_fraction (&im);
  gsize very_high = band_pixels (&im, 0);
  g_test_message ("demo: %.1f%% of pixels drawn, %zu in the very-high band colour", 100 * drawn, very_high);
  g_assert_cmpfloat (drawn, >, 0.03);
  g_assert_cmpuint (very_high, >, (gsize) (0.01 * 480 * 360));
  image_clear (&im);

  /* Picking: the residue under a CA's screen point is that residue (or a
   * neighbour in front of it); hovering shows its name and pLDDT. */
  FlStructureView *v = view ();
  int hits = 0, tried = 0;
  for (int i = 0; i < f->L; i += 4)
    {
      double x, y;
      if (!fl_structure_view_project (v, i, &x, &y))
        continue;
      tried++;
      int r = fl_structure_view_pick (v, x, y);
      if (r >= 0 && ABS (r - i) <= 3)
        hits++;
    }
  g_test_message ("picking: %d of %d CA points pick their residue", hits, tried);
  g_assert_cmpint (tried, >, 10);
  g_assert_cmpint (hits, >=, tried * 3 / 4);
  g_assert_cmpint (fl_structure_view_pick (v, 1, 1), ==, -1);   /* a corner: background */

  /* Side chains add sticks to the picture. */
  g_action_group_change_action_state (G_ACTION_GROUP (win), "side-chains", g_variant_new_boolean (TRUE));
  g_assert_true (fl_structure_view_get_side_chains (v));
  Image sticks = export_view ("demo-sidechains.png", 480, 360);
  g_test_message ("side chains: %.1f%% drawn", 100 * drawn_fraction (&sticks));
  g_assert_cmpfloat (drawn_fraction (&sticks), >, drawn + 0.005);
  image_clear (&sticks);
  g_action_group_change_action_state (G_ACTION_GROUP (win), "side-chains", g_variant_new_boolean (FALSE));

  /* Any size: a large image is drawn in tiles. */
  Image big = export_view ("demo-big.png", 1200, 900);
  g_assert_cmpfloat (drawn_fraction (&big), >, 0.03);
  image_clear (&big);
}

static GPtrArray *progress_seen;

static gboolean
run_done_sampling_progress (void)
{
  const char *t = fl_window_get_progress_text (fl_application_get_window (app));
  if (progress_seen->len == 0 || g_strcmp0 (t, progress_seen->pdata[progress_seen->len - 1]) != 0)
    g_ptr_array_add (progress_seen, g_strdup (t));
  return run_done ();
}

static void
test_run (void)
{
  FlWindow *win = fl_application_get_window (app);
  FlRunController *rc = fl_application_get_run_controller (app);
  fl_application_set_params_path (app, NULL);
  fl_application_set_backend (app, FL_BACKEND_KIND_CPU, 2);
  g_autoptr (GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  g_assert_true (fl_application_start_run (app, &error));
  g_assert_no_error (error);
  g_assert_true (fl_run_controller_is_running (rc));

  /* Run again while running: the app asks first (a message dialog). */
  guint gen = fl_run_controller_get_generation (rc);
  g_action_group_activate_action (G_ACTION_GROUP (app), "run", NULL);
  GtkWidget *question = find_message_dialog ();
  g_assert_nonnull (question);
  g_assert_cmpuint (fl_run_controller_get_generation (rc), ==, gen);
  gtk_dialog_response (GTK_DIALOG (question), GTK_RESPONSE_CANCEL);   /* keep running */
  g_assert_cmpuint (fl_run_controller_get_generation (rc), ==, gen);
  g_assert_null (find_message_dialog ());

  /* Bug 6: the status line counts recycles as the timeline does */
  progress_seen = g_ptr_array_new_with_free_func (g_free);
  g_assert_true (wait_until (run_done_sampling_progress, 240));
  gboolean numbered = FALSE;
  for (guint k = 0; k < progress_seen->len; k++)
    if (strstr (progress_seen->pdata[k], " block "))
      {
        int r = -1, last = -1;
        g_assert_cmpint (sscanf (progress_seen->pdata[k], "Recycle %d of 0–%d", &r, &last), ==, 2);
        g_assert_cmpint (last, ==, 3);
        g_assert_true (r >= 0 && r <= 3);
        numbered = TRUE;
      }
  g_test_message ("%u status lines seen", progress_seen->len);
  g_assert_true (numbered);
  g_clear_pointer (&progress_seen, g_ptr_array_unref);
  double seconds = (g_get_monotonic_time () - t0) / 1e6;
  const char *progress = fl_window_get_progress_text (win);
  g_test_message ("run: %.1f s, first frame after %.2f s, %u frames; \"%s\"", seconds,
                  fl_run_controller_get_first_frame_seconds (rc), fl_run_controller_get_n_frames (rc),
                  progress);
  g_assert_true (g_str_has_prefix (progress, "Done"));
  g_assert_cmpstr (fl_window_get_view_note (win), ==, "Untrained demo parameters: not a prediction");

  FlTimeline *tl = fl_window_get_timeline (win);
  guint n = fl_run_controller_get_n_frames (rc);
  g_assert_cmpuint (n, >=, 8);
  g_assert_cmpuint (fl_timeline_get_n_frames (tl), ==, n);
  GString *order = g_string_new (NULL);
  for (guint k = 0; k < n; k++)
    g_string_append_printf (order, " %d.%d", fl_timeline_get_frame (tl, k)->recycle,
                            fl_timeline_get_frame (tl, k)->layer);
  g_test_message ("frames (recycle.layer):%s", order->str);
  {
    FlFrame *lf = fl_timeline_get_frame (tl, n - 1);
    double sum = 0;
    for (int i = 0; i + 1 < lf->L; i++)
      {
        const float *a = fl_frame_ca (lf, i), *b = fl_frame_ca (lf, i + 1);
        sum += sqrt ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
      }
    g_test_message ("last frame: mean CA-CA distance %.1f Å", sum / (lf->L - 1));
  }
  g_string_free (order, TRUE);
  /* Frames are recycle × layer in order. */
  FlFrame *first = fl_timeline_get_frame (tl, 0), *last = fl_timeline_get_frame (tl, n - 1);
  g_assert_cmpint (first->recycle, ==, 0);
  g_assert_cmpint (first->layer, ==, 0);
  g_assert_cmpint (last->layer, ==, last->n_layers - 1);
  g_assert_cmpuint (n, ==, (guint) (last->recycle + 1) * last->n_layers);
  g_assert_cmpuint (fl_window_get_recycles (win)->len, ==, (guint) last->recycle + 1);
  /* Followed live: the timeline glides to the last frame. */
  g_assert_true (wait_until (timeline_at_end, 20));
  /* Bug 7: fitted at the run's first frame, followed since: the last
   * structure is in the view */
  iterate_for (0.2);
  assert_camera_fits (59);

  Image end = export_view ("run-end.png", 480, 360);
  double drawn = drawn_fraction (&end);
  gsize bands[4];
  for (int b = 0; b < 4; b++)
    bands[b] = band_pixels (&end, b);
  g_test_message ("run end: %.1f%% drawn; band pixels %zu %zu %zu %zu", 100 * drawn,
                  bands[0], bands[1], bands[2], bands[3]);
  g_assert_cmpfloat (drawn, >, 0.01);
  g_assert_cmpuint (bands[0] + bands[1] + bands[2] + bands[3], >, (gsize) (0.005 * 480 * 360));

  /* Scrub to the first frame (all residues near the origin) and back. */
  fl_timeline_set_position (tl, 0, FALSE);
  g_assert_cmpint (fl_timeline_get_current_index (tl), ==, 0);
  Image start = export_view ("run-start.png", 480, 360);
  gsize diff = differing_pixels (&start, &end);
  g_test_message ("scrubbing to frame 1 changes %zu pixels", diff);
  g_assert_cmpuint (diff, >, (gsize) (0.01 * 480 * 360));
  fl_timeline_set_position (tl, n / 2.0 + 0.5, FALSE);   /* between two frames: a blend */
  Image mid = export_view ("run-mid.png", 480, 360);
  g_assert_cmpuint (differing_pixels (&mid, &end), >, 0);
  g_assert_cmpuint (differing_pixels (&mid, &start), >, 0);
  image_clear (&start);
  image_clear (&mid);
  image_clear (&end);

  /* Exports of the run: current frame and the whole trajectory. */
  g_autofree char *pdb = g_build_filename (tmp_dir, "traj.pdb", NULL);
  g_assert_true (fl_application_export (app, "traj-pdb", pdb, 0, 0, &error));
  g_assert_no_error (error);
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (pdb, &text, NULL, NULL));
  guint models = 0;
  for (const char *p = text; (p = strstr (p, "\nMODEL ")); p++)
    models++;
  if (g_str_has_prefix (text, "MODEL "))
    models++;
  g_assert_cmpuint (models, ==, n);

  /* The frame on the timeline as PDB and mmCIF, pLDDT in the B-factors. */
  g_autofree char *one_pdb = g_build_filename (tmp_dir, "frame.pdb", NULL);
  g_autofree char *one_cif = g_build_filename (tmp_dir, "frame.cif", NULL);
  g_assert_true (fl_application_export (app, "pdb", one_pdb, 0, 0, &error));
  g_assert_true (fl_application_export (app, "cif", one_cif, 0, 0, &error));
  g_assert_no_error (error);
  g_autofree char *t_pdb = NULL, *t_cif = NULL;
  g_assert_true (g_file_get_contents (one_pdb, &t_pdb, NULL, NULL));
  g_assert_true (g_file_get_contents (one_cif, &t_cif, NULL, NULL));
  g_assert_nonnull (strstr (t_pdb, "ATOM      1  N   PRO A   1"));   /* 4-OT starts with Pro */
  g_assert_null (strstr (t_pdb, "\nMODEL        2"));
  g_assert_nonnull (strstr (t_cif, "_atom_site."));
  g_assert_nonnull (strstr (t_cif, "PRO"));
}

static void
test_cancel (void)
{
  FlWindow *win = fl_application_get_window (app);
  FlRunController *rc = fl_application_get_run_controller (app);
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_application_start_run (app, &error));
  g_assert_true (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "cancel"));
  g_action_group_activate_action (G_ACTION_GROUP (app), "cancel", NULL);
  g_assert_true (wait_until (run_done, 60));
  g_assert_cmpstr (fl_window_get_progress_text (win), ==, "Cancelled");
  g_assert_false (g_action_group_get_action_enabled (G_ACTION_GROUP (app), "cancel"));
  /* The shortcuts window and the other actions are there. */
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (win), "show-help-overlay"));
  g_assert_true (g_action_group_has_action (G_ACTION_GROUP (app), "about"));
  (void) rc;
}

/* An existing prediction opens in the same views: mmCIF with pLDDT in the
 * B-factors; then PDB + ColabFold scores JSON + PAE JSON + A3M (the files
 * of the demo's source). */
static void
test_open_prediction (void)
{
  const char *data = fl_test_data_dir ();
  g_autofree char *cif = data ? g_build_filename (data, "predictions", "colabfold_ERR550519",
                                                  "ERR550519_2213899_unrelaxed_model_1.cif", NULL) : NULL;
  if (!fl_test_require_file (cif))
    return;
  FlWindow *win = fl_application_get_window (app);
  g_autoptr (GError) error = NULL;
  /* The way a file dropped on the window arrives: app.open-uris. */
  g_autoptr (GFile) file = g_file_new_for_path (cif);
  g_autofree char *uri = g_file_get_uri (file);
  const char *uris[] = { uri, NULL };
  g_action_group_activate_action (G_ACTION_GROUP (app), "open-uris", g_variant_new_strv (uris, -1));
  FlFrame *f = fl_window_get_current_frame (win);
  g_assert_cmpint (f->L, ==, 130);
  g_test_message ("ERR550519 mmCIF: mean pLDDT %.1f", f->mean_plddt);
  g_assert_cmpfloat (fabsf (f->mean_plddt - 90.9f), <, 1.0f);
  /* A bare structure still fills the Confidence tab from its B-factors. */
  g_assert_cmpuint (fl_window_get_recycles (win)->len, ==, 1);
  FlRecycleData *bare = g_ptr_array_index (fl_window_get_recycles (win), 0);
  g_assert_cmpfloat (fabsf (bare->mean_plddt - f->mean_plddt), <, 0.01f);
  g_assert_cmpfloat (bare->plddt[0], ==, f->plddt[0]);
  Image im = export_view ("err550519.png", 320, 240);
  g_assert_cmpfloat (drawn_fraction (&im), >, 0.03);
  image_clear (&im);

  g_autofree char *dir = g_build_filename (data, "predictions", "colabfold_4OT", NULL);
  g_autofree char *pdb = g_build_filename (dir, "test_a5e17_25_unrelaxed_rank_001_alphafold2_ptm_model_3_seed_000.pdb", NULL);
  g_autofree char *scores = g_build_filename (dir, "test_a5e17_25_scores_rank_001_alphafold2_ptm_model_3_seed_000.json", NULL);
  g_autofree char *pae = g_build_filename (dir, "test_a5e17_25_predicted_aligned_error_v1.json", NULL);
  g_autofree char *a3m = g_build_filename (data, "msas", "4OT_colabfold", "test_a5e17_25.a3m", NULL);
  const char *four[] = { pdb, scores, pae, a3m, NULL };
  g_assert_true (fl_application_open_paths (app, four, &error));
  g_assert_no_error (error);
  f = fl_window_get_current_frame (win);
  g_assert_cmpint (f->L, ==, 59);
  FlRecycleData *d = g_ptr_array_index (fl_window_get_recycles (win), 0);
  g_assert_nonnull (d->pae);
  g_assert_cmpfloat (fabsf (d->ptm - 0.78f), <, 0.01f);
  /* The alignment became the input: Run would use it. */
  const char *name = NULL;
  g_autofree char *text = fl_window_dup_input_text (win, &name);
  g_assert_nonnull (text);
  g_assert_cmpstr (name, ==, "test_a5e17_25.a3m");

  /* A structure file that is not one: an error, nothing changes. */
  g_autofree char *bad = g_build_filename (tmp_dir, "broken.pdb", NULL);
  g_assert_true (g_file_set_contents (bad, "ATOM  garbage\n", -1, NULL));
  const char *broken[] = { bad, NULL };
  g_assert_false (fl_application_open_paths (app, broken, &error));
  g_assert_nonnull (error);
  g_test_message ("broken PDB: %s", error->message);
  g_assert_cmpint (fl_window_get_current_frame (win)->L, ==, 59);
}

static void
test_bad_input (void)
{
  FlWindow *win = fl_application_get_window (app);
  /* Typing: the summary counts residues and says when characters will be
   * refused; a pasted FASTA's header line is not counted. */
  GtkWidget *entry = sequence_entry ();
  gtk_editable_set_text (GTK_EDITABLE (entry), ">1UBQ_1 chain A, 2 copies\nMQIFV\nKTL");
  g_assert_cmpstr (fl_window_get_input_summary (win), ==, "pasted sequence · 8 residues");
  g_assert_null (fl_window_get_input_problem (win));
  /* Bug 9: letters AlphaFold reads as X are named, not silently replaced. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "MKBVZLJ");
  g_assert_nonnull (strstr (fl_window_get_input_summary (win), "B, J, Z read as X (unknown)"));
  g_assert_null (fl_window_get_input_problem (win));
  /* Bug 9: characters no protein has turn Run off (Enter and Ctrl+Enter
   * start nothing) and the summary says why. */
  gtk_editable_set_text (GTK_EDITABLE (entry), ">bad\nMKV1234!!!\n");
  g_assert_nonnull (fl_window_get_input_problem (win));
  g_test_message ("bad input: %s", fl_window_get_input_summary (win));
  g_assert_true (g_str_has_prefix (fl_window_get_input_summary (win), "pasted sequence · "));
  guint gen = fl_run_controller_get_generation (fl_application_get_run_controller (app));
  g_signal_emit_by_name (entry, "activate");
  g_autoptr (GError) error = NULL;
  g_assert_false (fl_application_start_run (app, &error));
  g_assert_nonnull (error);
  g_assert_cmpuint (fl_run_controller_get_generation (fl_application_get_run_controller (app)), ==, gen);
  /* Still usable: the demo opens again and draws. */
  g_clear_error (&error);
  g_assert_true (fl_application_open_demo (app, &error));
  g_assert_no_error (error);
  Image im = export_view ("after-error.png", 320, 240);
  g_assert_cmpfloat (drawn_fraction (&im), >, 0.03);
  image_clear (&im);
}

static gboolean
timeline_has_frames (void)
{
  FlTimeline *tl = fl_window_get_timeline (fl_application_get_window (app));
  return fl_timeline_get_n_frames (tl) >= 3 && run_done ();
}

/* The way GTK delivers a key press that nothing nearer the focus took: the
 * window's key controllers, in turn, until one handles it. */
static gboolean
press_window_key (guint keyval)
{
  GtkWidget *win = GTK_WIDGET (fl_application_get_window (app));
  g_autoptr (GListModel) list = gtk_widget_observe_controllers (win);
  for (guint k = 0; k < g_list_model_get_n_items (list); k++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (list, k);
      gboolean handled = FALSE;
      if (GTK_IS_EVENT_CONTROLLER_KEY (c))
        g_signal_emit_by_name (c, "key-pressed", keyval, 0, (GdkModifierType) 0, &handled);
      if (handled)
        return TRUE;
    }
  return FALSE;
}

/* The window's sequence entry (the first GtkEntry in its tree). */
static GtkWidget *
sequence_entry (void)
{
  GtkWidget *entry = NULL;
  for (GtkWidget *w = gtk_widget_get_first_child (GTK_WIDGET (fl_application_get_window (app)));
       w && !entry;)
    {
      if (GTK_IS_ENTRY (w))
        entry = w;
      else if (gtk_widget_get_first_child (w))
        w = gtk_widget_get_first_child (w);
      else
        {
          while (w && !gtk_widget_get_next_sibling (w))
            w = gtk_widget_get_parent (w);
          w = w ? gtk_widget_get_next_sibling (w) : NULL;
        }
    }
  g_assert_nonnull (entry);
  return entry;
}

static gboolean
timeline_settled (void)
{
  FlTimeline *tl = fl_window_get_timeline (fl_application_get_window (app));
  double p = fl_timeline_get_position (tl);
  return fabs (p - round (p)) < 1e-9 && !fl_timeline_is_gliding (tl);
}

/* The timeline keys of the shortcuts window (space, comma, period, End)
 * work with the focus in the 3D view, not only on the timeline; quick
 * presses add up even while the timeline glides. */
static void
test_timeline_keys (void)
{
  FlWindow *win = fl_application_get_window (app);
  FlTimeline *tl = fl_window_get_timeline (win);
  if (fl_timeline_get_n_frames (tl) < 3)
    {
      g_autoptr (GError) error = NULL;
      g_assert_true (fl_application_start_run (app, &error));
      g_assert_no_error (error);
    }
  g_assert_true (wait_until (timeline_has_frames, 240));
  guint n = fl_timeline_get_n_frames (tl);
  fl_timeline_set_position (tl, n - 1, FALSE);
  gtk_widget_grab_focus (GTK_WIDGET (view ()));
  iterate_for (0.05);
  g_assert_true (press_window_key (GDK_KEY_comma));
  g_assert_true (press_window_key (GDK_KEY_comma));
  /* the glide takes as many frame-clock ticks as it needs (few per second
   * on a loaded machine): wait for it to settle, then check where it went */
  g_assert_true (wait_until (timeline_settled, 20));
  g_assert_cmpint (fl_timeline_get_current_index (tl), ==, (int) n - 3);
  g_assert_true (press_window_key (GDK_KEY_period));
  g_assert_true (wait_until (timeline_settled, 20));
  g_assert_cmpint (fl_timeline_get_current_index (tl), ==, (int) n - 2);
  g_assert_true (press_window_key (GDK_KEY_space));
  g_assert_true (fl_timeline_get_playing (tl));
  g_assert_true (press_window_key (GDK_KEY_space));
  g_assert_false (fl_timeline_get_playing (tl));
  /* a text field keeps its keys: typing a comma in the sequence entry does
   * not move the timeline */
  GtkWidget *entry = sequence_entry ();
  gtk_widget_grab_focus (entry);
  iterate_for (0.05);
  g_assert_false (press_window_key (GDK_KEY_comma));
}

static FlPairMapView *
window_pair_view (void)
{
  GtkWidget *stack = fl_window_get_analysis_area (fl_application_get_window (app));
  GtkWidget *panels = gtk_stack_get_visible_child (GTK_STACK (stack));
  g_assert_true (FL_IS_ANALYSIS_PANELS (panels));
  fl_analysis_panels_show_page (FL_ANALYSIS_PANELS (panels), 1);
  return FL_PAIR_MAP_VIEW (fl_analysis_panels_get_pair_map_view (FL_ANALYSIS_PANELS (panels)));
}

static gboolean
pair_view_ready (void)
{
  double x, y;
  return fl_pair_map_view_cell_center (window_pair_view (), 0, 0, &x, &y);
}

/* Brushing a rectangle in a pair map selects its rows and its columns in
 * the 3D view; a click elsewhere in the map clears the brush. */
/* The whole window as the screen shows it, saved as PNG. */
static void
save_window_png (GtkWidget *widget, const char *path)
{
  GdkPaintable *paintable = gtk_widget_paintable_new (widget);
  int w = gtk_widget_get_width (widget), h = gtk_widget_get_height (widget);
  GtkSnapshot *snap = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snap, w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node (snap);
  g_object_unref (paintable);
  g_assert_nonnull (node);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  GdkTexture *tex = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  gsk_render_node_unref (node);
  g_assert_true (gdk_texture_save_to_png (tex, path));
  g_object_unref (tex);
}

static FlMsaView *window_msa_view (void);

/* A run of golden tmpl's parameters (model_1_ptm with its template stack,
 * tiny widths) on its alignment with a real template from the structures
 * folder: the recycles carry the template contribution, shown as a map.
 * FL_TEMPLATE_SCREENSHOT=path also saves the window. */
static void
test_templates (void)
{
  g_autofree char *params = fl_test_golden_path ("tmpl", "params_tmpl.npz");
  g_autofree char *a3m = fl_test_golden_path ("tmpl", "input.a3m");
  g_autofree char *pdb = g_build_filename (fl_test_data_dir (), "structures", "1GCN.pdb", NULL);
  if (!fl_test_require_file (params) || !fl_test_require_file (a3m) || !fl_test_require_file (pdb))
    return;
  FlWindow *win = fl_application_get_window (app);
  const char *const open[] = { a3m, NULL };
  g_autoptr (GError) open_error = NULL;
  g_assert_true (fl_application_open_paths (app, open, &open_error));
  g_assert_no_error (open_error);
  fl_window_set_preset (win, "model_1_ptm");
  fl_application_set_params_path (app, params);
  g_autofree char *tmpl = g_strconcat (pdb, ":A", NULL);
  const char *const templates[] = { tmpl, NULL };
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_application_set_templates (app, templates, &error));
  g_assert_no_error (error);
  fl_application_set_backend (app, FL_BACKEND_KIND_CPU, 2);
  g_assert_true (fl_application_start_run (app, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (run_done, 240));
  const char *progress = fl_window_get_progress_text (win);
  g_test_message ("templates run: \"%s\"", progress);
  g_assert_true (g_str_has_prefix (progress, "Done"));
  g_assert_nonnull (strstr (progress, "1 template"));
  g_assert_null (strstr (progress, "ignored"));
  /* the run's document keeps the input's template for the next Run */
  g_assert_cmpuint (fl_window_get_document (win)->templates->len, ==, 1);
  GPtrArray *recycles = fl_window_get_recycles (win);
  g_assert_cmpuint (recycles->len, >, 0);
  FlRecycleData *last = g_ptr_array_index (recycles, recycles->len - 1);
  g_assert_nonnull (last->template_contribution);
  float top = 0;
  for (int k = 0; k < last->L * last->L; k++)
    top = MAX (top, last->template_contribution[k]);
  g_test_message ("template contribution: max %.3g over %d x %d", top, last->L, last->L);
  g_assert_cmpfloat (top, >, 0);

  /* The template in 3D: grey CA segments between consecutive aligned
   * residues of 1GCN (query 0-19 and 22-29, a break where S16 is skipped). */
  int segments = fl_structure_view_get_n_template_segments (view ());
  g_test_message ("template trace: %d segments", segments);
  g_assert_cmpint (segments, >=, 20);
  g_assert_cmpint (segments, <=, 26);

  FlPairMapView *pv = window_pair_view ();
  fl_pair_map_view_set_map_kind (pv, FL_PAIR_MAP_TEMPLATE);
  g_assert_true (wait_until (pair_view_ready, 30));
  const FlPairMap *map = fl_pair_map_view_get_map (pv);
  g_assert_nonnull (map);
  g_assert_cmpint (map->kind, ==, FL_PAIR_MAP_TEMPLATE);
  const char *shot = g_getenv ("FL_TEMPLATE_SCREENSHOT");
  if (shot && *shot)
    {
      iterate_for (1.0);
      save_window_png (GTK_WIDGET (win), shot);
      g_test_message ("window saved to %s", shot);
    }
  /* the template's coverage track on the MSA tab, after the run */
  GtkWidget *panels = fl_window_get_analysis_panels (win);
  fl_analysis_panels_show_page (FL_ANALYSIS_PANELS (panels), 0);
  const FlTemplateTracks *tracks = fl_msa_view_get_templates (window_msa_view ());
  g_assert_nonnull (tracks);
  g_assert_cmpint (tracks->n, ==, 1);
  g_assert_cmpint (tracks->tracks[0].aligned, ==, 28);
  const char *msa_shot = g_getenv ("FL_TEMPLATE_MSA_SCREENSHOT");
  if (msa_shot && *msa_shot)
    {
      iterate_for (1.0);
      save_window_png (GTK_WIDGET (win), msa_shot);
    }
  fl_analysis_panels_show_page (FL_ANALYSIS_PANELS (panels), 1);
  fl_pair_map_view_set_map_kind (pv, FL_PAIR_MAP_MSA_ROW_ATTENTION);
  g_assert_true (fl_application_set_templates (app, NULL, NULL));
  fl_application_set_params_path (app, NULL);
}

static FlMsaView *
window_msa_view (void)
{
  GtkWidget *panels = fl_window_get_analysis_panels (fl_application_get_window (app));
  return FL_MSA_VIEW (fl_analysis_panels_get_msa_view (FL_ANALYSIS_PANELS (panels)));
}

static guint
n_list_rows (void)
{
  guint n = 0;
  GtkWidget *list = fl_window_get_templates_list (fl_application_get_window (app));
  for (GtkWidget *c = gtk_widget_get_first_child (list); c; c = gtk_widget_get_next_sibling (c))
    n += GTK_IS_LIST_BOX_ROW (c);
  return n;
}

static GtkWidget *
find_drawing_area (GtkWidget *w)
{
  if (GTK_IS_DRAWING_AREA (w))
    return w;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = find_drawing_area (c);
      if (found)
        return found;
    }
  return NULL;
}

/* The grey level of the MSA panel at (x, y) of its own drawing, rendered
 * as the screen shows it. */
static int
msa_grey_at (double x, double y)
{
  GtkWidget *area = find_drawing_area (GTK_WIDGET (window_msa_view ()));
  g_assert_nonnull (area);
  int width = gtk_widget_get_width (area), height = gtk_widget_get_height (area);
  GdkPaintable *paintable = gtk_widget_paintable_new (area);
  GtkSnapshot *snap = gtk_snapshot_new ();
  gdk_paintable_snapshot (paintable, snap, width, height);
  GskRenderNode *node = gtk_snapshot_free_to_node (snap);
  g_object_unref (paintable);
  g_assert_nonnull (node);
  GskRenderer *renderer = gtk_native_get_renderer (gtk_widget_get_native (area));
  GdkTexture *tex = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  guint8 *px = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (tex, px, (gsize) width * 4);
  int xi = CLAMP ((int) x, 0, width - 1), yi = CLAMP ((int) y, 0, height - 1);
  const guint8 *p = px + ((gsize) yi * width + xi) * 4;
  int grey = (p[0] + p[1] + p[2]) / 3;
  g_free (px);
  g_object_unref (tex);
  return grey;
}

static gboolean
template_dialog_gone (void)
{
  return fl_application_get_template_dialog (app) == NULL;
}

/* Templates added from inside the window (issue 11): app.add-template-file
 * (what the file chooser's Open does) opens the chain / alignment dialog,
 * Add puts the template in the input's list, the MSA panel draws its
 * coverage track, at most four, remove works, a bad file is refused with
 * the app going on, a model without a template stack says it ignores them,
 * the next Run takes them along, and opening another input clears them. */
static void
test_templates_in_window (void)
{
  g_autofree char *a3m = fl_test_golden_path ("tmpl", "input.a3m");
  g_autofree char *pdb = fl_test_golden_path ("tmpl", "1GCN.pdb");
  g_autofree char *cif = fl_test_golden_path ("tmpl", "4I6P.cif");
  g_autofree char *tsv = fl_test_golden_path ("tmpl", "template_alignment.tsv");
  if (!fl_test_require_file (a3m) || !fl_test_require_file (pdb) || !fl_test_require_file (cif)
      || !fl_test_require_file (tsv))
    return;
  FlWindow *win = fl_application_get_window (app);
  fl_application_set_params_path (app, NULL);   /* demo parameters: no template stack */
  const char *const open[] = { a3m, NULL };
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_application_open_paths (app, open, &error));
  g_assert_no_error (error);
  fl_analysis_panels_show_page (FL_ANALYSIS_PANELS (fl_window_get_analysis_panels (win)), 0);
  FlDocument *doc = fl_window_get_document (win);
  g_assert_cmpuint (doc->templates->len, ==, 0);
  g_assert_cmpuint (n_list_rows (), ==, 0);

  /* the action the file chooser's Open runs: the chain dialog */
  g_action_group_activate_action (G_ACTION_GROUP (app), "add-template-file", g_variant_new_string (pdb));
  FlTemplateDialog *dlg = fl_application_get_template_dialog (app);
  g_assert_nonnull (dlg);
  g_assert_cmpuint (fl_template_dialog_get_n_chains (dlg), ==, 1);
  const char *label = fl_template_dialog_get_chain_label (dlg, 0);
  g_test_message ("chain choice: %s", label);
  g_assert_nonnull (strstr (label, "Chain A · 29 residues"));
  g_assert_nonnull (strstr (label, "(best match)"));
  g_assert_cmpint (fl_template_dialog_get_selected (dlg), ==, 0);
  /* golden tmpl's own alignment of 1GCN (not the global one) */
  fl_template_dialog_set_alignment (dlg, tsv);
  g_assert_true (fl_template_dialog_add (dlg));
  g_assert_true (wait_until (template_dialog_gone, 5));
  g_assert_cmpuint (doc->templates->len, ==, 1);
  g_assert_cmpuint (n_list_rows (), ==, 1);
  g_test_message ("status: %s", fl_window_get_progress_text (win));
  g_assert_nonnull (strstr (fl_window_get_progress_text (win), "1gcn_A"));
  /* the demo parameters ignore templates, and the window says so */
  const char *note = fl_window_get_template_note (win);
  g_test_message ("note: %s", note);
  g_assert_nonnull (strstr (note, "ignore"));

  /* the coverage track, from the golden alignment HAQGTFTSDYSKYMD-RRAQDGNFVQWLLNT
   *                                          vs HSQGTFTSDYSKYLDSRRAQD--FVQWLMNT:
   * 28 of 33 query residues covered, 25 identical; G21 N22 and the last
   * three (K R G) uncovered */
  FlMsaView *mv = window_msa_view ();
  const FlTemplateTracks *tracks = fl_msa_view_get_templates (mv);
  g_assert_nonnull (tracks);
  g_assert_cmpint (tracks->n, ==, 1);
  const FlTemplateTrack *t = &tracks->tracks[0];
  g_assert_cmpstr (t->name, ==, "1gcn_A");
  g_assert_cmpint (t->aligned, ==, 28);
  g_assert_cmpint (t->identical, ==, 25);
  g_assert_cmpint (t->state[0], ==, FL_TRACK_IDENTICAL);
  g_assert_cmpint (t->state[1], ==, FL_TRACK_SUBSTITUTED);
  g_assert_cmpint (t->state[20], ==, FL_TRACK_GAP);
  g_assert_cmpint (t->state[21], ==, FL_TRACK_GAP);
  g_assert_cmpint (t->state[22], ==, FL_TRACK_IDENTICAL);
  g_assert_cmpint (t->state[32], ==, FL_TRACK_GAP);
  /* ... drawn: dark where identical, light where substituted, white where uncovered */
  iterate_for (0.5);
  /* sampled off the letters written in wide cells: left part, near the top */
  double x, y, x1, y1;
  g_assert_true (fl_msa_view_track_center (mv, 0, 0, &x, &y));
  g_assert_true (fl_msa_view_track_center (mv, 0, 1, &x1, &y1));
  double dx = -0.35 * (x1 - x), dy = -5;
  int g_same = msa_grey_at (x + dx, y + dy);
  int g_sub = msa_grey_at (x1 + dx, y1 + dy);
  g_assert_true (fl_msa_view_track_center (mv, 0, 20, &x, &y));
  int g_gap = msa_grey_at (x + dx, y + dy);
  g_test_message ("track greys: identical %d, substituted %d, uncovered %d", g_same, g_sub, g_gap);
  g_assert_cmpint (g_same, <, 100);
  g_assert_cmpint (g_sub, >, 130);
  g_assert_cmpint (g_sub, <, 220);
  g_assert_cmpint (g_gap, >, 240);
  /* hovering the track names the template */
  g_assert_true (fl_msa_view_track_center (mv, 0, 1, &x, &y));
  fl_msa_view_hover_at (mv, x, y);
  const char *status = fl_msa_view_get_status (mv);
  g_test_message ("hover: %s", status);
  g_assert_nonnull (strstr (status, "1gcn_A"));
  g_assert_nonnull (strstr (status, "substituted"));

  /* a second one from the alignment file (4I6P chain B), a bad file refused */
  g_action_group_activate_action (G_ACTION_GROUP (app), "add-template-file", g_variant_new_string (cif));
  dlg = fl_application_get_template_dialog (app);
  g_assert_nonnull (dlg);
  g_assert_cmpuint (fl_template_dialog_get_n_chains (dlg), ==, 2);
  g_assert_cmpstr (fl_template_dialog_get_chain_id (dlg, 1), ==, "B");
  /* the alignment file aligns chain B: choosing it selects B */
  fl_template_dialog_set_alignment (dlg, tsv);
  g_assert_cmpint (fl_template_dialog_get_selected (dlg), ==, 1);
  g_assert_cmpstr (fl_template_dialog_get_error (dlg), ==, "");
  /* chain A is not in it: Add says so and the dialog stays */
  fl_template_dialog_select (dlg, 0);
  g_assert_false (fl_template_dialog_add (dlg));
  g_test_message ("chain A with the file: %s", fl_template_dialog_get_error (dlg));
  g_assert_nonnull (strstr (fl_template_dialog_get_error (dlg), "no alignment for 4I6P.cif chain A"));
  g_assert_cmpuint (doc->templates->len, ==, 1);
  fl_template_dialog_select (dlg, 1);
  g_assert_true (fl_template_dialog_add (dlg));
  g_assert_true (wait_until (template_dialog_gone, 5));
  g_assert_cmpint (fl_msa_view_get_templates (mv)->tracks[1].aligned, ==, 13);
  g_autofree char *bad = g_build_filename (tmp_dir, "not-a-structure.pdb", NULL);
  g_assert_true (g_file_set_contents (bad, "HEADER nothing here\nEND\n", -1, NULL));
  g_assert_false (fl_application_add_template (app, bad, NULL, NULL, &error));
  g_test_message ("bad file: %s", error->message);
  g_assert_nonnull (strstr (error->message, "no protein chain"));
  g_clear_error (&error);
  g_action_group_activate_action (G_ACTION_GROUP (app), "add-template-file", g_variant_new_string (bad));
  g_assert_null (fl_application_get_template_dialog (app));
  /* the same file and chain twice */
  g_assert_false (fl_application_add_template (app, pdb, "A", NULL, &error));
  g_assert_nonnull (strstr (error->message, "already"));
  g_clear_error (&error);

  /* at most four: copies of 1GCN under other names fill the list */
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *name = g_strdup_printf ("%dgcn.pdb", k + 2);
      g_autofree char *copy = g_build_filename (tmp_dir, name, NULL);
      g_autofree char *text = NULL;
      gsize len = 0;
      g_assert_true (g_file_get_contents (pdb, &text, &len, NULL));
      g_assert_true (g_file_set_contents (copy, text, (gssize) len, NULL));
      gboolean ok = fl_application_add_template (app, copy, NULL, NULL, &error);
      if (k < 2)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_assert_false (ok);
          g_test_message ("fifth: %s", error->message);
          g_assert_nonnull (strstr (error->message, "4 templates already"));
          g_clear_error (&error);
        }
    }
  g_assert_cmpuint (doc->templates->len, ==, 4);
  g_assert_cmpuint (n_list_rows (), ==, 4);
  g_assert_cmpint (fl_msa_view_get_templates (mv)->n, ==, 4);
  const char *shot = g_getenv ("FL_TEMPLATE_LIST_SCREENSHOT");
  if (shot && *shot)
    {
      fl_window_clear_error (win);   /* the bad file's message, closed as a user would */
      iterate_for (1.0);
      save_window_png (GTK_WIDGET (win), shot);
    }

  /* remove (what a row's button does): the third, then the first two */
  g_action_group_activate_action (G_ACTION_GROUP (app), "remove-template", g_variant_new_uint32 (2));
  g_assert_cmpuint (doc->templates->len, ==, 3);
  g_assert_cmpuint (n_list_rows (), ==, 3);
  g_assert_cmpint (fl_msa_view_get_templates (mv)->n, ==, 3);
  g_assert_cmpstr (fl_msa_view_get_templates (mv)->tracks[1].name, ==, "4i6p_B");
  g_assert_true (fl_application_remove_template (app, 2));
  g_assert_true (fl_application_remove_template (app, 1));
  g_assert_false (fl_application_remove_template (app, 1));
  g_assert_cmpuint (n_list_rows (), ==, 1);

  /* Run takes the template along: the demo model ignores it and says so */
  fl_application_set_backend (app, FL_BACKEND_KIND_CPU, 2);
  g_assert_true (fl_application_start_run (app, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (run_done, 240));
  const char *progress = fl_window_get_progress_text (win);
  g_test_message ("run: %s", progress);
  g_assert_true (g_str_has_prefix (progress, "Done"));
  g_assert_nonnull (strstr (progress, "1 template ignored"));
  doc = fl_window_get_document (win);
  g_assert_cmpint (doc->kind, ==, FL_DOCUMENT_RUN);
  g_assert_cmpuint (doc->templates->len, ==, 1);
  g_assert_cmpuint (n_list_rows (), ==, 1);
  g_assert_cmpint (fl_msa_view_get_templates (mv)->n, ==, 1);
  /* drawn superposed in 3D on the run's frames */
  g_assert_cmpint (fl_structure_view_get_n_template_segments (view ()), >=, 20);

  /* another document: none of them */
  g_assert_true (fl_application_open_demo (app, &error));
  g_assert_no_error (error);
  doc = fl_window_get_document (win);
  g_assert_cmpuint (doc->templates->len, ==, 0);
  g_assert_cmpuint (n_list_rows (), ==, 0);
  g_assert_null (fl_msa_view_get_templates (mv));
  g_assert_cmpint (fl_structure_view_get_n_template_segments (view ()), ==, 0);
  g_assert_false (gtk_widget_get_visible (gtk_widget_get_parent (fl_window_get_templates_list (win))));
}

static void
test_brush_selects_in_3d (void)
{
  FlWindow *win = fl_application_get_window (app);
  g_assert_true (wait_until (timeline_has_frames, 240));
  FlPairMapView *pv = window_pair_view ();
  g_assert_true (wait_until (pair_view_ready, 30));
  double x0, y0, x1, y1;
  g_assert_true (fl_pair_map_view_cell_center (pv, 10, 40, &x0, &y0));   /* (row, column) */
  g_assert_true (fl_pair_map_view_cell_center (pv, 14, 44, &x1, &y1));
  g_assert_true (fl_pair_map_view_brush_between (pv, x0, y0, x1, y1));
  FlStructureView *sv = fl_window_get_structure_view (win);
  for (int i = 0; i < fl_window_get_current_frame (win)->L; i++)
    {
      gboolean want = (i >= 10 && i <= 14) || (i >= 40 && i <= 44);
      if (fl_structure_view_is_selected (sv, i) != want)
        g_error ("residue %d: selected %d, brushed %d", i, fl_structure_view_is_selected (sv, i), want);
    }
  /* hovering a cell names both residues over the 3D view */
  fl_pair_map_view_hover_at (pv, x0, y0);
  const char *hover = fl_window_get_hover_text (win);
  g_test_message ("hover (11, 41): %s", hover);
  g_assert_nonnull (strstr (hover, " 11 · pLDDT"));
  g_assert_nonnull (strstr (hover, " 41 · pLDDT"));
  fl_pair_map_view_click_cell (pv, 30, 30);
  g_assert_false (fl_structure_view_is_selected (sv, 12));
  g_assert_false (fl_structure_view_is_selected (sv, 42));
  g_assert_true (fl_structure_view_is_selected (sv, 30));
  fl_pair_map_view_click_cell (pv, 30, 30);   /* a second click clears */
  g_assert_false (fl_structure_view_is_selected (sv, 30));
}


static FlAnalysisPanels *
window_panels (void)
{
  GtkWidget *stack = fl_window_get_analysis_area (fl_application_get_window (app));
  return FL_ANALYSIS_PANELS (gtk_stack_get_visible_child (GTK_STACK (stack)));
}

/* Every panel shows the document that is open and nothing of the last one. */
static void
assert_shows_only (int L, gboolean has_msa, const char *title)
{
  FlWindow *win = fl_application_get_window (app);
  FlDocument *doc = fl_window_get_document (win);
  g_assert_cmpstr (fl_window_get_title_name (win), ==, title);
  FlFrame *shown = fl_structure_view_get_frame (view ());
  if (L > 0)
    {
      g_assert_nonnull (shown);
      g_assert_cmpint (shown->L, ==, L);
      g_assert_cmpint ((int) strlen (fl_window_get_sequence (win)), ==, L);
    }
  g_assert_cmpint (fl_structure_view_get_selected (view ()), ==, -1);
  for (int i = 0; i < MAX (L, 1); i++)
    g_assert_false (fl_structure_view_is_selected (view (), i));
  g_assert_cmpint (doc->selected, ==, -1);
  g_assert_cmpstr (fl_window_get_hover_text (win), ==, "");
  FlAnalysisPanels *panels = window_panels ();
  FlMsaModel *m = fl_msa_view_get_model (FL_MSA_VIEW (fl_analysis_panels_get_msa_view (panels)));
  g_assert_true ((m != NULL) == has_msa);
  g_assert_false (fl_analysis_panels_get_brush (panels, NULL, NULL, NULL, NULL));
  FlConfidencePlot *plot = FL_CONFIDENCE_PLOT (fl_analysis_panels_get_confidence_plot (panels));
  g_assert_cmpuint (fl_confidence_plot_get_n_recycles (plot), ==, doc->recycles->len);
  for (guint k = 0; k < doc->recycles->len; k++)
    g_assert_cmpint (((FlRecycleData *) g_ptr_array_index (doc->recycles, k))->L, ==, L);
  FlTimeline *tl = fl_window_get_timeline (win);
  g_assert_cmpuint (fl_timeline_get_n_frames (tl), ==, doc->frames->len);
  for (guint k = 0; k < fl_timeline_get_n_frames (tl); k++)
    g_assert_cmpint (fl_timeline_get_frame (tl, k)->L, ==, L);
}

/* Bugs 1, 2, 4 and 7 (camera): open A, select a residue, open B: every
 * panel shows B only; opening an input names it, not the last run. */
static void
test_open_replaces_document (void)
{
  FlWindow *win = fl_application_get_window (app);
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_application_open_demo (app, &error));
  /* a click on residue 10 in 3D, and a brush in the MSA */
  fl_structure_view_set_selected (view (), 10);
  g_signal_emit_by_name (view (), "residue-selected", 10);
  g_assert_true (fl_structure_view_is_selected (view (), 10));
  g_autofree char *b = g_build_filename (fl_test_data_dir (), "predictions", "openfold_6KWC",
                                         "6KWC_1_model_1_ptm_unrelaxed.pdb", NULL);
  g_assert_true (fl_test_require_file (b));
  const char *paths[] = { b, NULL };
  g_assert_true (fl_application_open_paths (app, paths, &error));
  g_assert_no_error (error);
  iterate_for (0.2);
  assert_shows_only (191, FALSE, "6KWC_1_model_1_ptm_unrelaxed.pdb");
  /* Bug 7: the camera is fitted to the new protein: every CA is in the
   * view and together they span much of it */
  assert_camera_fits (191);
  Image im = export_view ("6kwc.png", 320, 240);
  g_test_message ("6KWC drawn: %.1f%%", 100 * drawn_fraction (&im));
  g_assert_cmpfloat (drawn_fraction (&im), >, 0.05);
  image_clear (&im);

  /* an alignment alone: a document with nothing folded, named as itself */
  g_autofree char *a3m = g_build_filename (fl_test_data_dir (), "msas", "3U8V_A", "bfd_uniclust_hits.a3m", NULL);
  g_assert_true (fl_test_require_file (a3m));
  const char *a3m_paths[] = { a3m, NULL };
  g_assert_true (fl_application_open_paths (app, a3m_paths, &error));
  g_assert_no_error (error);
  assert_shows_only (0, TRUE, "bfd_uniclust_hits.a3m");
  g_assert_null (fl_structure_view_get_frame (view ()));
  g_assert_null (strstr (fl_window_get_view_note (win), "Still showing"));
  g_assert_nonnull (strstr (fl_window_get_view_note (win), "press Run to fold it"));
  /* then a prediction again: the alignment goes with the input */
  g_assert_true (fl_application_open_paths (app, paths, &error));
  assert_shows_only (191, FALSE, "6KWC_1_model_1_ptm_unrelaxed.pdb");
  /* Bug 9: no PAE file came with it: the map says where PAE comes from,
   * not that the model lacks a PAE head */
  FlPairMapView *pv = FL_PAIR_MAP_VIEW (fl_analysis_panels_get_pair_map_view (window_panels ()));
  fl_pair_map_view_set_map_kind (pv, FL_PAIR_MAP_PAE);
  g_autofree char *why = fl_pair_map_view_dup_empty_text (pv);
  g_test_message ("no PAE: %s", why);
  g_assert_nonnull (why);
  g_assert_nonnull (strstr (why, "scores / PAE JSON"));
  g_assert_null (strstr (why, "needs a _ptm model"));
  g_assert_true (fl_application_open_demo (app, &error));
  assert_shows_only (59, TRUE, "4-OT demo · ColabFold AlphaFold2 (model 3 ptm)");
}

/* Opening a protein while a run goes on: the run stops, and nothing it
 * still sends reaches the new document. */
static void
test_open_during_run (void)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_application_open_demo (app, &error));
  fl_application_set_params_path (app, NULL);
  g_assert_true (fl_application_start_run (app, &error));
  g_assert_no_error (error);
  iterate_for (0.3);
  g_autofree char *b = g_build_filename (fl_test_data_dir (), "predictions", "openfold_6KWC",
                                         "6KWC_1_model_1_ptm_unrelaxed.pdb", NULL);
  const char *paths[] = { b, NULL };
  g_assert_true (fl_application_open_paths (app, paths, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (run_done, 120));
  iterate_for (0.3);
  assert_shows_only (191, FALSE, "6KWC_1_model_1_ptm_unrelaxed.pdb");
  g_assert_cmpuint (fl_timeline_get_n_frames (fl_window_get_timeline (fl_application_get_window (app))), ==, 1);
  g_assert_true (g_str_has_prefix (fl_window_get_progress_text (fl_application_get_window (app)), "Opened"));
}

/* Bug 3: trajectories open as timelines: the app's own export read back,
 * a ColabFold --save-recycles set, an NMR ensemble; one numbering. */
static void
test_trajectories (void)
{
  FlWindow *win = fl_application_get_window (app);
  FlTimeline *tl = fl_window_get_timeline (win);
  g_autoptr (GError) error = NULL;
  g_autofree char *traj = g_build_filename (tmp_dir, "traj.pdb", NULL);   /* from /app/gui/run */
  g_assert_true (g_file_test (traj, G_FILE_TEST_EXISTS));
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (traj, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "REMARK 999 MODEL 1: recycle 0 layer 1"));
  const char *paths[] = { traj, NULL };
  g_assert_true (fl_application_open_paths (app, paths, &error));
  g_assert_no_error (error);
  guint n = fl_timeline_get_n_frames (tl);
  g_assert_cmpuint (n, ==, 32);   /* 4 recycles x 8 layers of the demo run */
  fl_timeline_set_position (tl, 0, FALSE);
  g_test_message ("frame 1: %s", fl_timeline_get_label (tl));
  g_assert_true (g_str_has_prefix (fl_timeline_get_label (tl), "Recycle 0 of 0–3 · layer 1/8"));
  fl_timeline_set_position (tl, n - 1, FALSE);
  g_assert_true (g_str_has_prefix (fl_timeline_get_label (tl), "Recycle 3 of 0–3 · layer 8/8"));
  g_assert_cmpuint (fl_window_get_recycles (win)->len, ==, 4);

  /* ColabFold's --save-recycles names, with its scores JSON beside them */
  g_autofree char *dir = g_build_filename (tmp_dir, "colabfold", NULL);
  g_mkdir_with_parents (dir, 0755);
  g_autofree char *src = g_build_filename (fl_test_data_dir (), "predictions", "colabfold_4OT",
                                           "test_a5e17_25_unrelaxed_rank_001_alphafold2_ptm_model_3_seed_000.pdb", NULL);
  g_autofree char *scores = g_build_filename (fl_test_data_dir (), "predictions", "colabfold_4OT",
                                              "test_a5e17_25_scores_rank_001_alphafold2_ptm_model_3_seed_000.json", NULL);
  g_assert_true (fl_test_require_file (src) && fl_test_require_file (scores));
  g_autofree char *st = NULL, *sc = NULL;
  g_assert_true (g_file_get_contents (src, &st, NULL, NULL));
  g_assert_true (g_file_get_contents (scores, &sc, NULL, NULL));
  for (int r = 0; r < 4; r++)
    {
      /* ColabFold's own names: the final model's stem, then ".r{recycle}.pdb" */
      g_autofree char *name = g_strdup_printf ("job_unrelaxed_rank_001_alphafold2_ptm_model_3_seed_000.r%d.pdb", r);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_assert_true (g_file_set_contents (path, st, -1, NULL));
    }
  g_autofree char *sc_path = g_build_filename (dir, "job_scores_rank_001_alphafold2_ptm_model_3_seed_000.json", NULL);
  g_assert_true (g_file_set_contents (sc_path, sc, -1, NULL));
  g_autofree char *final = g_build_filename (dir, "job_unrelaxed_rank_001_alphafold2_ptm_model_3_seed_000.pdb", NULL);
  g_assert_true (g_file_set_contents (final, st, -1, NULL));
  g_autofree char *r2 = g_build_filename (dir, "job_unrelaxed_rank_001_alphafold2_ptm_model_3_seed_000.r2.pdb", NULL);
  const char *cf[] = { r2, NULL };
  g_assert_true (fl_application_open_paths (app, cf, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fl_timeline_get_n_frames (tl), ==, 4);
  g_assert_cmpint (fl_timeline_get_frame (tl, 3)->recycle, ==, 3);
  g_assert_cmpuint (fl_window_get_recycles (win)->len, ==, 4);
  FlRecycleData *last = g_ptr_array_index (fl_window_get_recycles (win), 3);
  g_assert_nonnull (last->pae);   /* the sibling scores JSON was picked up */
  g_assert_nonnull (strstr (fl_window_get_progress_text (win), "found beside it"));
  /* the final model's file brings its recycles too */
  const char *cf_final[] = { final, NULL };
  g_assert_true (fl_application_open_paths (app, cf_final, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fl_timeline_get_n_frames (tl), ==, 4);
  g_assert_true (g_str_has_prefix (fl_timeline_get_label (tl), "Recycle 3 of 0–3 · layer 8/8"));

  /* foldlight-cli's output folder: scores.json beside trajectory.pdb is
   * read; a pae.json that does not fit is left out, and the status says so */
  g_autofree char *cli_dir = g_build_filename (tmp_dir, "cli-out", NULL);
  g_mkdir_with_parents (cli_dir, 0755);
  g_autofree char *cli_traj = g_build_filename (cli_dir, "trajectory.pdb", NULL);
  g_autofree char *cli_scores = g_build_filename (cli_dir, "scores.json", NULL);
  g_autofree char *cli_pae = g_build_filename (cli_dir, "pae.json", NULL);
  g_assert_true (g_file_set_contents (cli_traj, text, -1, NULL));
  g_assert_true (g_file_set_contents (cli_scores, sc, -1, NULL));
  const char *cli_paths[] = { cli_traj, NULL };
  g_assert_true (fl_application_open_paths (app, cli_paths, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fl_timeline_get_n_frames (tl), ==, 32);
  last = g_ptr_array_index (fl_window_get_recycles (win), fl_window_get_recycles (win)->len - 1);
  g_assert_nonnull (last->pae);
  g_assert_nonnull (strstr (fl_window_get_progress_text (win), "scores.json"));
  g_assert_true (g_file_set_contents (cli_pae, "[{\"predicted_aligned_error\": [[0, 1], [1, 0]], "
                                      "\"max_predicted_aligned_error\": 31.75}]", -1, NULL));
  g_unlink (cli_scores);
  g_assert_true (fl_application_open_paths (app, cli_paths, &error));
  g_assert_no_error (error);
  g_test_message ("%s", fl_window_get_progress_text (win));
  g_assert_nonnull (strstr (fl_window_get_progress_text (win), "left out pae.json"));
  g_assert_cmpuint (fl_timeline_get_n_frames (tl), ==, 32);

  /* an NMR ensemble: models, not recycles */
  g_autofree char *nmr = g_build_filename (fl_test_data_dir (), "structures", "1L2Y.cif", NULL);
  g_assert_true (fl_test_require_file (nmr));
  const char *nmr_paths[] = { nmr, NULL };
  g_assert_true (fl_application_open_paths (app, nmr_paths, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (fl_timeline_get_n_frames (tl), ==, 38);
  fl_timeline_set_position (tl, 4, FALSE);
  g_assert_true (g_str_has_prefix (fl_timeline_get_label (tl), "Model 5 of 38"));
}

/* --open ... --frame N --screenshot OUT.png --size WxH renders and exits;
 * a bad --frame fails with a message. */
static void
test_screenshot_option (void)
{
  const char *exe = g_getenv ("FL_APP");
  g_assert_nonnull (exe);
  g_autofree char *traj = g_build_filename (tmp_dir, "traj.pdb", NULL);
  g_autofree char *out = g_build_filename (tmp_dir, "shot.png", NULL);
  const char *argv[] = { exe, "--open", traj, "--frame", "9", "--screenshot", out, "--size", "320x200", NULL };
  g_autofree char *sout = NULL, *serr = NULL;
  int status = -1;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr, &status, &error));
  g_test_message ("screenshot: %s%s", sout, serr);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (sout, "Recycle 1 of 0–3 · layer 1/8"));
  g_autoptr (GdkTexture) tex = gdk_texture_new_from_filename (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (tex), ==, 320);
  g_assert_cmpint (gdk_texture_get_height (tex), ==, 200);
  const char *bad[] = { exe, "--open", traj, "--frame", "99", "--screenshot", out, NULL };
  g_clear_pointer (&sout, g_free);
  g_clear_pointer (&serr, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) bad, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr, &status, &error));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (serr, "--frame 99: the timeline has 32 frames"));

  /* --open-reference: a structure file is compared with (the trajectory
   * against itself), anything else ends the scripted view with its message */
  const char *ref_ok[] = { exe, "--open", traj, "--open-reference", traj, "--screenshot", out,
                           "--size", "320x200", NULL };
  g_clear_pointer (&sout, g_free);
  g_clear_pointer (&serr, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) ref_ok, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr, &status, &error));
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  const char *ref_bad[] = { exe, "--open", traj, "--open-reference", out, "--screenshot", out, NULL };
  g_clear_pointer (&sout, g_free);
  g_clear_pointer (&serr, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) ref_bad, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr, &status, &error));
  g_assert_false (g_spawn_check_wait_status (status, NULL));
  g_assert_nonnull (strstr (serr, "foldlight: "));
}

/* Bug 5: a wrong parameter file is refused when chosen (the demo banner
 * stays); a run that fails keeps the frames on screen. */
static void
test_bad_params (void)
{
  FlWindow *win = fl_application_get_window (app);
  g_autoptr (GError) error = NULL;
  g_autofree char *traj = g_build_filename (tmp_dir, "traj.pdb", NULL);
  const char *paths[] = { traj, NULL };
  g_assert_true (fl_application_open_paths (app, paths, &error));
  g_autofree char *bad = g_build_filename (tmp_dir, "params_model_1_ptm.npz", NULL);
  g_assert_true (g_file_set_contents (bad, "not a zip", 9, NULL));
  g_assert_false (fl_application_choose_params (app, bad, &error));
  g_test_message ("refused: %s", error->message);
  g_clear_error (&error);
  g_assert_null (fl_application_get_params_path (app));
  /* a run that fails before its first frame leaves the document whole */
  FlDocument *before = fl_window_get_document (win);
  guint n = fl_timeline_get_n_frames (fl_window_get_timeline (win));
  fl_application_set_params_path (app, bad);
  g_assert_true (fl_application_start_run (app, &error));
  g_assert_true (wait_until (run_done, 60));
  fl_application_set_params_path (app, NULL);
  g_assert_true (fl_window_get_document (win) == before);
  g_assert_cmpuint (fl_timeline_get_n_frames (fl_window_get_timeline (win)), ==, n);
  g_assert_nonnull (strstr (fl_window_get_view_note (win), "previous structure"));
}

/* Bug 7: the split between the 3D view and the panels comes back after
 * the window is made small and large again. Bug 9: one "Reset view". */
static int window_width_min, window_width_max;

static gboolean
window_width_in_range (void)
{
  int w = gtk_widget_get_width (GTK_WIDGET (fl_application_get_window (app)));
  return w >= window_width_min && w <= window_width_max;
}

/* Resize the window and wait for the X server and GTK to follow. */
static void
resize_window (int width, int height, int min_w, int max_w)
{
  gtk_window_set_default_size (GTK_WINDOW (fl_application_get_window (app)), width, height);
  window_width_min = min_w;
  window_width_max = max_w;
  g_assert_true (wait_until (window_width_in_range, 20));
  iterate_for (0.5);   /* the share is applied after the allocation */
}

static void
test_split_and_shortcuts (void)
{
  FlWindow *win = fl_application_get_window (app);
  resize_window (1600, 1000, 1500, 1600);
  double s0 = fl_window_get_split (win);
  resize_window (800, 600, 1, 1200);   /* as small as the window goes */
  resize_window (1600, 1000, 1500, 1600);
  double s1 = fl_window_get_split (win);
  g_test_message ("split %.3f -> %.3f (window %d)", s0, s1, gtk_widget_get_width (GTK_WIDGET (win)));
  /* a drag of the handle sets the share, and it too comes back */
  fl_window_set_split (win, 0.5);
  iterate_for (0.3);
  resize_window (800, 600, 1, 1200);
  resize_window (1600, 1000, 1500, 1600);
  double s2 = fl_window_get_split (win);
  g_test_message ("after a drag to 0.5: %.3f", s2);
  fl_window_set_split (win, 0.55);
  g_assert_cmpfloat (fabs (s0 - 0.55), <, 0.02);
  g_assert_cmpfloat (fabs (s1 - s0), <, 0.02);
  g_assert_cmpfloat (fabs (s2 - 0.5), <, 0.02);

  /* the PNG export dialog offers a named filter, not "(None)" */
  g_action_group_activate_action (G_ACTION_GROUP (app), "export", g_variant_new_string ("png"));
  GtkNativeDialog *dialog = fl_application_get_dialog (app);
  g_assert_nonnull (dialog);
  GtkFileFilter *filter = gtk_file_chooser_get_filter (GTK_FILE_CHOOSER (dialog));
  g_assert_nonnull (filter);
  g_assert_cmpstr (gtk_file_filter_get_name (filter), ==, "PNG images (.png)");
  g_autoptr (GListModel) filters = gtk_file_chooser_get_filters (GTK_FILE_CHOOSER (dialog));
  g_assert_cmpuint (g_list_model_get_n_items (filters), ==, 1);
  gtk_native_dialog_hide (dialog);
  iterate_for (0.2);
  g_autoptr (GBytes) ui = g_resources_lookup_data ("/org/foldlight/Foldlight/gtk/help-overlay.ui", 0, NULL);
  g_assert_nonnull (ui);
  const char *t = g_bytes_get_data (ui, NULL);
  int count = 0;
  for (const char *p = t; (p = strstr (p, ">Reset view<")); p++)
    count++;
  g_assert_cmpint (count, ==, 1);
}

/* LeakSanitizer (sanitizer builds): fontconfig keeps its caches until exit
 * by design; those are not leaks of ours. */
const char *__lsan_default_suppressions (void);
const char *
__lsan_default_suppressions (void)
{
  /* ... and Mesa's GL driver keeps some state for the process's lifetime
   * (main () keeps the driver loaded so the leak check can name it). */
  return "leak:libfontconfig.so\n"
         "leak:swrast_dri.so\n"
         "leak:libLLVM\n";
}

/* Without a session bus (CI, Xvfb) GTK warns once that it cannot get one:
 * that is the environment, not the app; every other warning stays fatal. */
static gboolean
fatal_filter (const char *log_domain, GLogLevelFlags level, const char *message, gpointer data)
{
  if (message && (strstr (message, "session bus") || strstr (message, "dbus")))
    return FALSE;
  return TRUE;
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_log_set_fatal_handler (fatal_filter, NULL);
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GTK_A11Y", "none", TRUE);   /* no accessibility bus under Xvfb */
  /* Keep Mesa's software driver loaded until exit (see the suppressions). */
  void *mesa = dlopen ("swrast_dri.so", RTLD_LAZY | RTLD_NODELETE);
  if (!mesa)
    mesa = dlopen ("/usr/lib/x86_64-linux-gnu/dri/swrast_dri.so", RTLD_LAZY | RTLD_NODELETE);
  if (!gtk_init_check ())
    {
      fl_test_cannot_run ("no display (the test command starts Xvfb)");
      return g_test_run ();
    }
  /* FL_TEST_OUT_DIR keeps the exported images for a look. */
  const char *keep = g_getenv ("FL_TEST_OUT_DIR");
  tmp_dir = keep ? g_strdup (keep) : g_dir_make_tmp ("foldlight-gui-XXXXXX", NULL);
  app = fl_application_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));
  g_assert_true (wait_until (view_drawn, 30));

  g_test_add_func ("/app/gui/demo", test_demo);
  g_test_add_func ("/app/gui/run", test_run);
  g_test_add_func ("/app/gui/timeline-keys", test_timeline_keys);
  g_test_add_func ("/app/gui/brush-selects-in-3d", test_brush_selects_in_3d);
  g_test_add_func ("/app/gui/cancel", test_cancel);
  g_test_add_func ("/app/gui/open-prediction", test_open_prediction);
  g_test_add_func ("/app/gui/bad-input", test_bad_input);
  g_test_add_func ("/app/gui/open-replaces-document", test_open_replaces_document);
  g_test_add_func ("/app/gui/open-during-run", test_open_during_run);
  g_test_add_func ("/app/gui/trajectories", test_trajectories);
  g_test_add_func ("/app/gui/screenshot-option", test_screenshot_option);
  g_test_add_func ("/app/gui/bad-params", test_bad_params);
  g_test_add_func ("/app/gui/split-and-shortcuts", test_split_and_shortcuts);
  g_test_add_func ("/app/gui/templates", test_templates);
  g_test_add_func ("/app/gui/templates-in-window", test_templates_in_window);
  int status = g_test_run ();

  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  iterate_for (0.2);
  g_object_unref (app);
  GDir *dir = keep ? NULL : g_dir_open (tmp_dir, 0, NULL);
  for (const char *name; dir && (name = g_dir_read_name (dir));)
    {
      g_autofree char *path = g_build_filename (tmp_dir, name, NULL);
      g_remove (path);
    }
  if (dir)
    g_dir_close (dir);
  if (!keep)
    g_rmdir (tmp_dir);
  return status;
}
