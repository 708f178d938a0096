/* Accuracy against an experimental structure in the window (see fl-accuracy.h). */
#include "fl-accuracy.h"
#include <math.h>
#include <string.h>
#include "fl-accuracy-plot.h"
#include "fl-analysis-panels.h"
#include "fl-structure-io.h"
#include "fl-superpose.h"

#define TICK_MS 150
#define BUDGET_US 12000 /* scoring time per tick on the main thread */

struct _FlAccuracy {
  FlWindow *window;              /* weak: the window owns the widgets */
  FlStructure *reference;
  char *reference_name;
  char *aligned_sequence;        /* the sequence cmp was made for */
  FlCompareReference *cmp;
  GArray *scores;                /* FlCompareScores per timeline frame */
  GArray *done;                  /* gboolean per frame: scores valid */
  FlFrame *first_frame;          /* identity of the run the cache belongs to (not a ref) */
  guint tick;
  /* widgets */
  GtkWidget *page, *header, *plot, *trace, *caption;
  char *caption_text;
  float trace_sig[4];            /* where the trace's ends were last drawn */
  FlFrame *trace_frame;          /* the frame it was drawn on (not a ref) */
};

static void
reset_cache (FlAccuracy *self)
{
  g_array_set_size (self->scores, 0);
  g_array_set_size (self->done, 0);
  self->first_frame = NULL;
}

/* Re-align the reference when the window shows another sequence. */
static void
sync_sequence (FlAccuracy *self)
{
  const char *seq = fl_window_get_sequence (self->window);
  if (!self->reference || !seq || !*seq)
    {
      g_clear_pointer (&self->cmp, fl_compare_reference_free);
      g_clear_pointer (&self->aligned_sequence, g_free);
      return;
    }
  if (self->aligned_sequence && strcmp (self->aligned_sequence, seq) == 0)
    return;
  g_clear_pointer (&self->cmp, fl_compare_reference_free);
  g_free (self->aligned_sequence);
  self->aligned_sequence = g_strdup (seq);
  reset_cache (self);
  g_autoptr (GError) error = NULL;
  self->cmp = fl_compare_reference_new (self->reference, seq, &error);
  if (!self->cmp)
    {
      g_autofree char *msg = g_strdup_printf ("%s: %s", self->reference_name, error->message);
      fl_accuracy_plot_set_message (FL_ACCURACY_PLOT (self->plot), msg);
    }
}

static void
update_texts (FlAccuracy *self, int current)
{
  FlCompareScores s;
  g_autofree char *caption = NULL;
  if (self->cmp && current >= 0 && fl_accuracy_get_scores (self, (guint) current, &s))
    {
      g_autofree char *numbers = g_strdup_printf ("Cα-RMSD %.2f Å · TM-score %.3f · "
                                                  "lDDT-Cα %.3f · GDT_TS %.3f", s.rmsd_ca,
                                                  s.tm_score, s.lddt_ca, s.gdt_ts);
      caption = g_strdup_printf ("vs %s\n%s", self->reference_name, numbers);
      g_autofree char *head = g_markup_printf_escaped (
        "<b>%s</b> · %d of %d reference residues aligned (%d identical)\n%s",
        self->reference_name, s.aligned_residues, s.reference_length, s.identical_residues,
        numbers);
      gtk_label_set_markup (GTK_LABEL (self->header), head);
    }
  else if (self->reference)
    {
      g_autofree char *head = g_markup_printf_escaped ("<b>%s</b> · %d residues", self->reference_name,
                                                       self->reference->L);
      gtk_label_set_markup (GTK_LABEL (self->header), head);
    }
  else
    gtk_label_set_text (GTK_LABEL (self->header),
                        "Open the experimental structure (PDB or mmCIF) to see how close every "
                        "frame is to it: File menu › Open Reference Structure…");
  g_free (self->caption_text);
  self->caption_text = g_strdup (caption ? caption : "");
  gtk_label_set_text (GTK_LABEL (self->caption), self->caption_text);
  gtk_widget_set_visible (self->caption, caption != NULL);
}

/* Score pending frames within the time budget (all when budget < 0);
 * refresh the plot. */
static void
update (FlAccuracy *self, gint64 budget_us)
{
  FlTimeline *tl = fl_window_get_timeline (self->window);
  sync_sequence (self);
  guint n = fl_timeline_get_n_frames (tl);
  FlFrame *first = n > 0 ? fl_timeline_get_frame (tl, 0) : NULL;
  if (first != self->first_frame || n < self->scores->len)
    reset_cache (self);
  self->first_frame = first;
  g_array_set_size (self->scores, n);
  g_array_set_size (self->done, n);
  int current = n > 0 ? fl_timeline_get_current_index (tl) : -1;
  if (self->cmp)
    {
      gint64 t0 = g_get_monotonic_time ();
      /* the frame shown first, then in order */
      for (gint i = -1; i < (gint) n; i++)
        {
          guint k = i < 0 ? (guint) MAX (current, 0) : (guint) i;
          if (k >= n || g_array_index (self->done, gboolean, k))
            continue;
          FlFrame *f = fl_timeline_get_frame (tl, k);
          FlCompareScores *s = &g_array_index (self->scores, FlCompareScores, k);
          if (f && f->L == fl_compare_reference_model_length (self->cmp)
              && fl_compare_frame (self->cmp, f->atom37, f->atom37_mask, s, NULL))
            ;
          else
            s->rmsd_ca = s->tm_score = s->lddt_ca = s->gdt_ts = NAN;
          g_array_index (self->done, gboolean, k) = TRUE;
          if (budget_us >= 0 && g_get_monotonic_time () - t0 > budget_us)
            break;
        }
    }
  if (self->reference && self->cmp)
    {
      g_autofree FlAccuracyPoint *pts = g_new (FlAccuracyPoint, MAX (n, 1));
      for (guint k = 0; k < n; k++)
        {
          FlFrame *f = fl_timeline_get_frame (tl, k);
          FlCompareScores *s = &g_array_index (self->scores, FlCompareScores, k);
          gboolean ok = g_array_index (self->done, gboolean, k);
          pts[k] = (FlAccuracyPoint) { f->recycle, f->layer, f->n_layers,
                                       ok ? s->rmsd_ca : NAN, ok ? s->tm_score : NAN,
                                       ok ? s->lddt_ca : NAN, ok ? s->gdt_ts : NAN };
        }
      fl_accuracy_plot_set_points (FL_ACCURACY_PLOT (self->plot), pts, (int) n, current);
      if (n == 0)
        fl_accuracy_plot_set_message (FL_ACCURACY_PLOT (self->plot),
                                      "No frames yet: run a prediction or open one");
    }
  else if (!self->reference)
    {
      fl_accuracy_plot_set_points (FL_ACCURACY_PLOT (self->plot), NULL, 0, -1);
      fl_accuracy_plot_set_message (FL_ACCURACY_PLOT (self->plot), "No reference structure");
    }
  update_texts (self, current);
}

static gboolean
on_tick (gpointer user_data)
{
  FlAccuracy *self = user_data;
  if (!self->window)
    return G_SOURCE_REMOVE;
  if (self->reference)
    update (self, BUDGET_US);
  /* the trace follows the camera: redraw when the projection moved */
  if (self->reference && self->cmp)
    {
      FlStructureView *view = fl_window_get_structure_view (self->window);
      FlFrame *f = fl_structure_view_get_frame (view);
      double x = 0, y = 0, x2 = 0, y2 = 0;
      if (f && f->L > 1)
        {
          fl_structure_view_project (view, 0, &x, &y);
          fl_structure_view_project (view, f->L - 1, &x2, &y2);
        }
      float sig[4] = { (float) x, (float) y, (float) x2, (float) y2 };
      if (memcmp (sig, self->trace_sig, sizeof sig) != 0 || f != self->trace_frame)
        {
          memcpy (self->trace_sig, sig, sizeof sig);
          self->trace_frame = f;
          gtk_widget_queue_draw (self->trace);
        }
    }
  return G_SOURCE_CONTINUE;
}

/* The reference's Cα trace, superposed on the frame drawn, thin grey. */
static void
draw_trace (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FlAccuracy *self = user_data;
  if (!self->reference || !self->cmp)
    return;
  FlStructureView *view = fl_window_get_structure_view (self->window);
  FlFrame *f = fl_structure_view_get_frame (view);
  if (!f || f->L != fl_compare_reference_model_length (self->cmp))
    return;
  float R[9], t[3];
  if (!fl_compare_reference_onto (self->cmp, f->atom37, f->atom37_mask, R, t))
    return;
  cairo_set_source_rgba (cr, 0.55, 0.55, 0.55, 0.85);
  cairo_set_line_width (cr, 1.6);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  const FlStructure *r = self->reference;
  gboolean pen = FALSE;
  for (int i = 0; i < r->L; i++)
    {
      if (r->atom37_mask[(gsize) i * 37 + 1] < 0.5f)
        {
          pen = FALSE;
          continue;
        }
      float p[3];
      memcpy (p, r->atom37 + ((gsize) i * 37 + 1) * 3, sizeof p);
      fl_superpose_apply (R, t, p, 1);
      double x, y;
      if (!fl_structure_view_project_point (view, p, &x, &y))
        {
          pen = FALSE;
          continue;
        }
      /* a chain break (missing residues) is not bridged */
      if (pen && i > 0 && r->residue_number[i] != r->residue_number[i - 1] + 1)
        pen = FALSE;
      if (pen)
        cairo_line_to (cr, x, y);
      else
        cairo_move_to (cr, x, y);
      pen = TRUE;
    }
  cairo_stroke (cr);
}

/* The widgets go with the window; the scores stay until fl_accuracy_free. */
static void
on_window_destroy (GtkWidget *window, FlAccuracy *self)
{
  if (self->tick)
    g_source_remove (self->tick);
  self->tick = 0;
  self->window = NULL;
  self->page = self->header = self->plot = self->trace = self->caption = NULL;
}

FlAccuracy *
fl_accuracy_new (FlWindow *window)
{
  FlAccuracy *self = g_new0 (FlAccuracy, 1);
  self->window = window;
  self->scores = g_array_new (FALSE, TRUE, sizeof (FlCompareScores));
  self->done = g_array_new (FALSE, TRUE, sizeof (gboolean));
  self->page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (self->page, 8);
  gtk_widget_set_margin_end (self->page, 8);
  gtk_widget_set_margin_top (self->page, 6);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  self->header = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (self->header), 0.0f);
  gtk_label_set_wrap (GTK_LABEL (self->header), TRUE);
  gtk_widget_set_hexpand (self->header, TRUE);
  gtk_label_set_selectable (GTK_LABEL (self->header), TRUE);
  GtkWidget *open = gtk_button_new_with_mnemonic ("_Reference…");
  gtk_widget_set_tooltip_text (open, "Open the experimental structure (PDB or mmCIF)");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (open), "app.open-reference");
  gtk_widget_set_valign (open, GTK_ALIGN_START);
  gtk_box_append (GTK_BOX (row), self->header);
  gtk_box_append (GTK_BOX (row), open);
  gtk_box_append (GTK_BOX (self->page), row);
  self->plot = fl_accuracy_plot_new ();
  gtk_box_append (GTK_BOX (self->page), self->plot);
  GtkWidget *panels = fl_window_get_analysis_panels (window);
  if (panels)
    fl_analysis_panels_add_page (FL_ANALYSIS_PANELS (panels), self->page, "Accuracy");

  GtkWidget *overlay = fl_window_get_view_overlay (window);
  self->trace = gtk_drawing_area_new ();
  gtk_widget_set_can_target (self->trace, FALSE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->trace), draw_trace, self, NULL);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), self->trace);
  self->caption = gtk_label_new (NULL);
  /* bottom right: the pLDDT legend is bottom left, hover and notes on top */
  gtk_widget_set_halign (self->caption, GTK_ALIGN_END);
  gtk_widget_set_valign (self->caption, GTK_ALIGN_END);
  gtk_widget_set_margin_bottom (self->caption, 10);
  gtk_widget_set_margin_end (self->caption, 10);
  gtk_label_set_wrap (GTK_LABEL (self->caption), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->caption), 36);
  gtk_label_set_justify (GTK_LABEL (self->caption), GTK_JUSTIFY_RIGHT);
  gtk_widget_set_can_target (self->caption, FALSE);
  gtk_widget_add_css_class (self->caption, "fl-osd");
  gtk_widget_set_visible (self->caption, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (overlay), self->caption);
  update (self, 0);
  self->tick = g_timeout_add (TICK_MS, on_tick, self);
  g_signal_connect (window, "destroy", G_CALLBACK (on_window_destroy), self);
  return self;
}

void
fl_accuracy_free (FlAccuracy *self)
{
  if (!self)
    return;
  if (self->window)
    g_signal_handlers_disconnect_by_data (self->window, self);
  if (self->tick)
    g_source_remove (self->tick);
  self->trace = NULL;
  fl_accuracy_clear_reference (self);
  g_array_unref (self->scores);
  g_array_unref (self->done);
  g_free (self->caption_text);
  g_free (self);
}

gboolean
fl_accuracy_set_reference (FlAccuracy *self, const char *path, GError **error)
{
  FlStructure *s = fl_structure_read (path, NULL, error);
  if (!s)
    return FALSE;
  fl_accuracy_clear_reference (self);
  self->reference = s;
  self->reference_name = g_path_get_basename (path);
  if (self->window)
    update (self, BUDGET_US);
  return TRUE;
}

void
fl_accuracy_clear_reference (FlAccuracy *self)
{
  g_clear_pointer (&self->reference, fl_structure_free);
  g_clear_pointer (&self->reference_name, g_free);
  g_clear_pointer (&self->aligned_sequence, g_free);
  g_clear_pointer (&self->cmp, fl_compare_reference_free);
  reset_cache (self);
  if (self->trace)
    gtk_widget_queue_draw (self->trace);
}

gboolean
fl_accuracy_get_scores (FlAccuracy *self, guint index, FlCompareScores *out)
{
  if (index >= self->done->len || !g_array_index (self->done, gboolean, index))
    return FALSE;
  *out = g_array_index (self->scores, FlCompareScores, index);
  return isfinite (out->tm_score);
}

void
fl_accuracy_update_now (FlAccuracy *self)
{
  if (!self->window)
    return;
  update (self, -1);
  gtk_widget_queue_draw (self->trace);
}

const char *
fl_accuracy_get_caption (FlAccuracy *self)
{
  return self->caption_text ? self->caption_text : "";
}
