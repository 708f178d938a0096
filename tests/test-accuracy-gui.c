/* Issue 15 in the real app under a display: a run on a real protein (1PSM,
 * its alignment, the untrained demo parameters on the CPU) compared with its
 * experimental structure (every frame scored, the same numbers as
 * fl_compare_frame, the plot and the caption filled, the reference drawn),
 * a reference of another protein refused in plain words, and the download
 * window naming what it downloads. FL_SCREENSHOT_DIR keeps
 * window screenshots (docs/images). */
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <dlfcn.h>
#include <math.h>
#include <string.h>
#include "fl-application.h"
#include "fl-analysis-panels.h"
#include "fl-params-download.h"
#include "fl-test-util.h"

static FlApplication *app;

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

static gboolean
run_done (void)
{
  return !fl_run_controller_is_running (fl_application_get_run_controller (app));
}

static gboolean
view_drawn (void)
{
  FlWindow *w = fl_application_get_window (app);
  return fl_structure_view_get_n_draws (fl_window_get_structure_view (w)) > 0;
}

/* The whole window as a PNG (when FL_SCREENSHOT_DIR is set). */
static void
screenshot (GtkWidget *window, const char *name)
{
  const char *dir = g_getenv ("FL_SCREENSHOT_DIR");
  if (!dir)
    return;
  iterate_for (0.5);
  GdkPaintable *p = gtk_widget_paintable_new (window);
  int w = gtk_widget_get_width (window), h = gtk_widget_get_height (window);
  GtkSnapshot *snap = gtk_snapshot_new ();
  gdk_paintable_snapshot (p, GDK_SNAPSHOT (snap), w, h);
  GskRenderNode *node = gtk_snapshot_free_to_node (snap);
  g_assert_nonnull (node);
  GskRenderer *r = gtk_native_get_renderer (GTK_NATIVE (window));
  GdkTexture *tex = gsk_renderer_render_texture (r, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_assert_true (gdk_texture_save_to_png (tex, path));
  g_test_message ("screenshot %s", path);
  g_object_unref (tex);
  gsk_render_node_unref (node);
  g_object_unref (p);
}

static char *
data_file (const char *sub, const char *name)
{
  const char *dir = fl_test_data_dir ();
  return dir ? g_build_filename (dir, sub, name, NULL) : NULL;
}

static void
test_run_against_reference (void)
{
  g_autofree char *a3m = data_file ("msas", "1PSM_A/bfd_uniclust_hits.a3m");
  g_autofree char *ref = data_file ("structures", "1PSM.cif");
  if (!fl_test_require_file (a3m) || !fl_test_require_file (ref))
    return;
  FlWindow *win = fl_application_get_window (app);
  gtk_window_set_default_size (GTK_WINDOW (win), 1600, 1000);
  g_autoptr (GError) error = NULL;
  const char *paths[] = { a3m, NULL };
  g_assert_true (fl_application_open_paths (app, paths, &error));
  g_assert_no_error (error);
  fl_application_set_params_path (app, NULL);
  fl_application_set_backend (app, FL_BACKEND_KIND_CPU, 2);
  /* inside the Evoformer: attention at block 2, residue 5; the probe on */
  FlEvoformerPanel *evo = fl_application_get_evoformer_panel (app);
  g_assert_nonnull (evo);
  fl_evoformer_panel_refresh (evo);
  fl_evoformer_panel_set_record_probe (evo, TRUE);
  GtkWidget *spins[2] = { NULL, NULL };
  int ns = 0;
  for (GtkWidget *c = gtk_widget_get_first_child (GTK_WIDGET (evo)); c; c = gtk_widget_get_next_sibling (c))
    for (GtkWidget *d = gtk_widget_get_first_child (c); d; d = gtk_widget_get_next_sibling (d))
      if (GTK_IS_SPIN_BUTTON (d) && ns < 2)
        spins[ns++] = d;
  g_assert_cmpint (ns, ==, 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spins[0]), 2);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spins[1]), 5);
  g_assert_true (fl_application_start_run (app, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (run_done, 240));
  GPtrArray *recs = fl_window_get_recycles (win);
  g_assert_cmpuint (recs->len, >, 0);
  for (guint k = 0; k < recs->len; k++)
    {
      FlRecycleData *d = g_ptr_array_index (recs, k);
      g_assert_cmpint (d->att_block, ==, 1);
      g_assert_cmpint (d->att_residue, ==, 4);
      g_assert_nonnull (d->block_contacts);
      g_assert_cmpint (d->n_probe_blocks, >, 1);
      /* the probe after the last block is the recycle's contact map (to
       * half a quantisation step of that block's scale) */
      int b = d->n_probe_blocks - 1;
      const guint8 *last = d->block_contacts + (gsize) b * d->L * d->L;
      float lo = d->block_contact_range[2 * b], hi = d->block_contact_range[2 * b + 1];
      g_assert_cmpfloat (lo, <=, hi);
      g_assert_nonnull (d->block_distances);
      g_assert_cmpfloat (d->block_distance_range[2 * b + 1], >, 2.0f); /* Å */
      for (gsize q = 0; q < (gsize) d->L * d->L; q++)
        g_assert_cmpfloat (fabsf (lo + last[q] / 255.0f * (hi - lo) - d->contact_probs[q]), <=,
                           0.5f / 255 * (hi - lo) + 1e-6f);
    }
  fl_evoformer_panel_refresh (evo);
  g_assert_cmpint (fl_evoformer_panel_get_n_probe_blocks (evo), ==,
                   ((FlRecycleData *) g_ptr_array_index (recs, 0))->n_probe_blocks);

  g_assert_true (fl_application_open_reference (app, ref, &error));
  g_assert_no_error (error);
  FlAccuracy *acc = fl_application_get_accuracy (app);
  fl_accuracy_update_now (acc);
  FlTimeline *tl = fl_window_get_timeline (win);
  guint n = fl_timeline_get_n_frames (tl);
  g_assert_cmpuint (n, >, 8);
  g_autoptr (FlStructure) st = fl_structure_read (ref, NULL, &error);
  g_assert_no_error (error);
  g_autoptr (FlCompareReference) cmp =
    fl_compare_reference_new (st, fl_window_get_sequence (win), &error);
  g_assert_no_error (error);
  for (guint k = 0; k < n; k++)
    {
      FlCompareScores s, want;
      g_assert_true (fl_accuracy_get_scores (acc, k, &s));
      FlFrame *f = fl_timeline_get_frame (tl, k);
      g_assert_true (fl_compare_frame (cmp, f->atom37, f->atom37_mask, &want, NULL));
      g_assert_cmpfloat (s.tm_score, ==, want.tm_score);
      g_assert_cmpfloat (s.lddt_ca, ==, want.lddt_ca);
      g_assert_cmpint (s.aligned_residues, ==, 38);
      g_assert_true (s.tm_score > 0 && s.tm_score <= 1 && s.gdt_ts > 0 && s.gdt_ts <= 1);
    }
  fl_timeline_set_position (tl, n - 1, FALSE);
  fl_accuracy_update_now (acc);
  g_assert_nonnull (strstr (fl_accuracy_get_caption (acc), "vs 1PSM.cif\nCα-RMSD"));
  fl_analysis_panels_show_page (FL_ANALYSIS_PANELS (fl_window_get_analysis_panels (win)), 3);
  screenshot (GTK_WIDGET (win), "accuracy-1psm-run.png");
  fl_evoformer_panel_set_block (evo, fl_evoformer_panel_get_n_probe_blocks (evo) / 2);
  fl_analysis_panels_show_page (FL_ANALYSIS_PANELS (fl_window_get_analysis_panels (win)), 4);
  screenshot (GTK_WIDGET (win), "evoformer-block-probe.png");

  /* lecture mode: panels away, a big caption, recycle ends morphing */
  FlLecture *lec = fl_application_get_lecture (app);
  g_assert_nonnull (lec);
  fl_lecture_set_active (lec, TRUE);
  iterate_for (0.3);
  g_assert_false (gtk_widget_get_visible (fl_window_get_analysis_area (win)));
  int n_ends = fl_lecture_get_n_recycle_ends (lec);
  g_assert_cmpint (n_ends, ==, 4);
  fl_lecture_show_recycle_position (lec, 0);
  g_assert_true (g_str_has_prefix (fl_lecture_get_caption (lec), "End of recycle 0"));
  g_assert_nonnull (strstr (fl_lecture_get_caption (lec), "TM-score"));
  FlStructureView *view = fl_window_get_structure_view (win);
  fl_lecture_show_recycle_position (lec, 1.5);
  g_assert_true (g_str_has_prefix (fl_lecture_get_caption (lec), "Recycle 1 → 2"));
  FlFrame *mid = fl_structure_view_get_frame (view);
  for (guint k = 0; k < n; k++)
    g_assert_true (mid != fl_timeline_get_aligned_frame (tl, k)); /* a blend, not a frame */
  fl_lecture_set_dark (lec, TRUE);
  fl_lecture_set_panels_visible (lec, TRUE);
  g_assert_true (gtk_widget_get_visible (fl_window_get_analysis_area (win)));
  fl_lecture_set_panels_visible (lec, FALSE);
  gtk_window_set_default_size (GTK_WINDOW (win), 1280, 720);
  iterate_for (0.5);
  screenshot (GTK_WIDGET (win), "lecture-layout.png");
  /* layers mode: the first layer is labelled for what it is */
  fl_lecture_set_mode (lec, FL_LECTURE_LAYERS);
  fl_timeline_set_position (tl, 0, FALSE);
  g_assert_nonnull (strstr (fl_lecture_get_caption (lec), "identity frames"));
  fl_timeline_set_position (tl, 3, FALSE);
  g_assert_true (g_str_has_prefix (fl_lecture_get_caption (lec), "Recycle 0 · layer 4 of 8"));
  fl_lecture_set_active (lec, FALSE);
  g_assert_true (gtk_widget_get_visible (fl_window_get_analysis_area (win)));
  g_assert_cmpstr (fl_lecture_get_caption (lec), ==, "");

  /* another protein: refused with a sentence, nothing scored */
  g_autofree char *other = data_file ("structures", "1AKI.cif");
  g_assert_true (fl_application_open_reference (app, other, &error));
  fl_accuracy_update_now (acc);
  FlCompareScores s;
  g_assert_false (fl_accuracy_get_scores (acc, 0, &s));
  g_assert_cmpstr (fl_accuracy_get_caption (acc), ==, "");
  /* a file that is not a structure */
  g_assert_false (fl_application_open_reference (app, a3m, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
}

/* Does any label under w contain text? */
static gboolean
has_label_with (GtkWidget *w, const char *text)
{
  if (GTK_IS_LABEL (w) && strstr (gtk_label_get_text (GTK_LABEL (w)), text))
    return TRUE;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    if (has_label_with (c, text))
      return TRUE;
  return FALSE;
}

/* The window names the tarball, its size, licence and address. */
/* An NMR model of 1L2Y opened as the structure, another as the reference:
 * one frame, the two superposed. The models are cut out of the mmCIF by
 * pdbx_PDB_model_num (the last _atom_site column in this file). */
static char *
nmr_model_text (const char *cif, const char *model)
{
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (cif, &text, NULL, NULL));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GString *out = g_string_new (NULL);
  for (int i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      if (g_str_has_prefix (l, "ATOM") || g_str_has_prefix (l, "HETATM"))
        {
          g_auto (GStrv) cols = g_strsplit_set (g_strstrip (g_strdup (l)), " ", -1);
          const char *last = NULL;
          for (int c = 0; cols[c]; c++)
            if (*cols[c])
              last = cols[c];
          if (g_strcmp0 (last, model) != 0)
            continue;
        }
      g_string_append (out, l);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static void
test_nmr_models (void)
{
  g_autofree char *cif = data_file ("structures", "1L2Y.cif");
  if (!fl_test_require_file (cif))
    return;
  g_autofree char *dir = g_dir_make_tmp ("fl-acc-XXXXXX", NULL);
  g_autofree char *m5 = g_build_filename (dir, "1L2Y_model5.cif", NULL);
  g_autofree char *m1 = g_build_filename (dir, "1L2Y_model1.cif", NULL);
  g_autofree char *t5 = nmr_model_text (cif, "5"), *t1 = nmr_model_text (cif, "1");
  g_assert_true (g_file_set_contents (m5, t5, -1, NULL));
  g_assert_true (g_file_set_contents (m1, t1, -1, NULL));
  g_autoptr (GError) error = NULL;
  const char *paths[] = { m5, NULL };
  g_assert_true (fl_application_open_paths (app, paths, &error));
  g_assert_no_error (error);
  g_assert_true (fl_application_open_reference (app, m1, &error));
  FlAccuracy *acc = fl_application_get_accuracy (app);
  fl_accuracy_update_now (acc);
  FlCompareScores s;
  g_assert_true (fl_accuracy_get_scores (acc, 0, &s));
  /* the same pair as tools/compare-check.py measures against tmtools */
  g_assert_cmpint (s.aligned_residues, ==, 20);
  g_assert_cmpfloat (s.rmsd_ca, <, 2.0);
  g_assert_cmpfloat (s.tm_score, >, 0.5);
  FlWindow *win = fl_application_get_window (app);
  fl_structure_view_reset_camera (fl_window_get_structure_view (win));
  screenshot (GTK_WIDGET (win), "accuracy-nmr-superposed.png");
  g_unlink (m5);
  g_unlink (m1);
  g_rmdir (dir);
}

static void
test_download_window (void)
{
  FlWindow *win = fl_application_get_window (app);
  GtkWindow *w = fl_params_download_window_new (GTK_WINDOW (win), NULL, NULL, NULL);
  gtk_window_present (w);
  iterate_for (0.3);
  g_assert_true (has_label_with (GTK_WIDGET (w), "alphafold_params_2022-12-06.tar"));
  g_assert_true (has_label_with (GTK_WIDGET (w), "CC BY 4.0"));
  g_assert_true (has_label_with (GTK_WIDGET (w), "GB"));
  g_assert_true (has_label_with (GTK_WIDGET (w),
                                 "https://storage.googleapis.com/alphafold/alphafold_params_2022-12-06.tar"));
  screenshot (GTK_WIDGET (w), "params-download.png");
  gtk_window_destroy (w);
  iterate_for (0.1);
}

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
  g_setenv ("GTK_A11Y", "none", TRUE);
  void *mesa = dlopen ("swrast_dri.so", RTLD_LAZY | RTLD_NODELETE);
  if (!mesa)
    dlopen ("/usr/lib/x86_64-linux-gnu/dri/swrast_dri.so", RTLD_LAZY | RTLD_NODELETE);
  if (!gtk_init_check ())
    {
      g_test_skip ("no display (the test command starts Xvfb)");
      return g_test_run ();
    }
  app = fl_application_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_application_activate (G_APPLICATION (app));
  g_assert_true (wait_until (view_drawn, 30));
  g_test_add_func ("/accuracy/gui/run-against-reference", test_run_against_reference);
  g_test_add_func ("/accuracy/gui/nmr-models", test_nmr_models);
  g_test_add_func ("/accuracy/gui/download-window", test_download_window);
  int status = g_test_run ();
  g_action_group_activate_action (G_ACTION_GROUP (app), "quit", NULL);
  iterate_for (0.2);
  g_object_unref (app);
  return status;
}
