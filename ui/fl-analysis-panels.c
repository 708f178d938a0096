#include "fl-residue-signals.h"
#include "fl-analysis-panels.h"
#include "fl-msa-view.h"
#include "fl-pair-map-view.h"
#include "fl-confidence-plot.h"

struct _FlAnalysisPanels {
  GtkWidget parent_instance;
  GtkWidget *notebook;
  FlMsaView *msa_view;
  FlPairMapView *pair_view;
  FlConfidencePlot *confidence;
  GPtrArray *recycles;   /* FlRecycleData*, owned refs */
  int current;
  int brush[4];
};

G_DEFINE_FINAL_TYPE (FlAnalysisPanels, fl_analysis_panels, GTK_TYPE_WIDGET)

enum { SIG_HOVERED = FL_RESIDUE_SIGNAL_HOVERED, SIG_SELECTED = FL_RESIDUE_SIGNAL_SELECTED,
       SIG_BRUSHED = FL_RESIDUE_SIGNAL_BRUSHED, N_SIGNALS = FL_N_RESIDUE_SIGNALS };
static guint signals[N_SIGNALS];

static void
on_child_hovered (GtkWidget *child, int i, int j, FlAnalysisPanels *self)
{
  g_signal_emit (self, signals[SIG_HOVERED], 0, i, j);
}

static void
mark_selected (FlAnalysisPanels *self, int residue)
{
  fl_msa_view_select_residue (self->msa_view, residue);
  fl_pair_map_view_select_residue (self->pair_view, residue);
  fl_confidence_plot_select_residue (self->confidence, residue);
}

static void
on_child_selected (GtkWidget *child, int residue, FlAnalysisPanels *self)
{
  mark_selected (self, residue);
  g_signal_emit (self, signals[SIG_SELECTED], 0, residue);
}

static void
on_child_brushed (GtkWidget *child, int first, int last, FlAnalysisPanels *self)
{
  if (FL_IS_PAIR_MAP_VIEW (child))
    fl_pair_map_view_get_brush (FL_PAIR_MAP_VIEW (child), &self->brush[0], &self->brush[1],
                                &self->brush[2], &self->brush[3]);
  else
    {
      self->brush[0] = self->brush[2] = first;
      self->brush[1] = self->brush[3] = last;
    }
  g_signal_emit (self, signals[SIG_BRUSHED], 0, first, last);
}

static void
connect_child (FlAnalysisPanels *self, GtkWidget *child, gboolean brushes)
{
  g_signal_connect (child, "residues-hovered", G_CALLBACK (on_child_hovered), self);
  g_signal_connect (child, "residue-selected", G_CALLBACK (on_child_selected), self);
  if (brushes)
    g_signal_connect (child, "residues-brushed", G_CALLBACK (on_child_brushed), self);
}

static void
fl_analysis_panels_dispose (GObject *object)
{
  FlAnalysisPanels *self = FL_ANALYSIS_PANELS (object);
  g_clear_pointer (&self->notebook, gtk_widget_unparent);
  g_clear_pointer (&self->recycles, g_ptr_array_unref);
  G_OBJECT_CLASS (fl_analysis_panels_parent_class)->dispose (object);
}

static void
fl_analysis_panels_class_init (FlAnalysisPanelsClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = fl_analysis_panels_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  fl_residue_signals_install (klass, signals, N_SIGNALS);
}

static void
fl_analysis_panels_init (FlAnalysisPanels *self)
{
  self->recycles = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  self->current = -1;
  for (int k = 0; k < 4; k++)
    self->brush[k] = -1;
  self->notebook = gtk_notebook_new ();
  gtk_widget_set_parent (self->notebook, GTK_WIDGET (self));
  self->msa_view = FL_MSA_VIEW (fl_msa_view_new ());
  self->pair_view = FL_PAIR_MAP_VIEW (fl_pair_map_view_new ());
  self->confidence = FL_CONFIDENCE_PLOT (fl_confidence_plot_new ());
  gtk_notebook_append_page (GTK_NOTEBOOK (self->notebook), GTK_WIDGET (self->msa_view),
                            gtk_label_new ("MSA"));
  gtk_notebook_append_page (GTK_NOTEBOOK (self->notebook), GTK_WIDGET (self->pair_view),
                            gtk_label_new ("Pair maps"));
  gtk_notebook_append_page (GTK_NOTEBOOK (self->notebook), GTK_WIDGET (self->confidence),
                            gtk_label_new ("Confidence"));
  connect_child (self, GTK_WIDGET (self->msa_view), TRUE);
  connect_child (self, GTK_WIDGET (self->pair_view), TRUE);
  connect_child (self, GTK_WIDGET (self->confidence), FALSE);
}

int
fl_analysis_panels_add_page (FlAnalysisPanels *self, GtkWidget *page, const char *title)
{
  /* more tabs must not widen the side panel's minimum: scroll the tab row,
   * and the page in a scrolled window */
  gtk_notebook_set_scrollable (GTK_NOTEBOOK (self->notebook), TRUE);
  GtkWidget *scroll = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (scroll), GTK_POLICY_AUTOMATIC,
                                  GTK_POLICY_AUTOMATIC);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), page);
  return gtk_notebook_append_page (GTK_NOTEBOOK (self->notebook), scroll, gtk_label_new (title));
}

GtkWidget *
fl_analysis_panels_new (void)
{
  return g_object_new (FL_TYPE_ANALYSIS_PANELS, NULL);
}

void
fl_analysis_panels_set_msa (FlAnalysisPanels *self, const FlMsa *msa, const FlFeatures *features)
{
  g_return_if_fail (FL_IS_ANALYSIS_PANELS (self));
  fl_msa_view_set_msa (self->msa_view, msa, features);
  fl_pair_map_view_set_sequence (self->pair_view, msa ? msa->query : NULL);
  if (self->current >= 0 && self->current < (int) self->recycles->len)
    fl_msa_view_set_recycle_data (self->msa_view, g_ptr_array_index (self->recycles, self->current));
}

void
fl_analysis_panels_set_templates (FlAnalysisPanels *self, GPtrArray *hits, const char *query)
{
  g_return_if_fail (FL_IS_ANALYSIS_PANELS (self));
  fl_msa_view_set_templates (self->msa_view, hits, query);
}

void
fl_analysis_panels_set_recycles (FlAnalysisPanels *self, GPtrArray *recycles, int current)
{
  g_return_if_fail (FL_IS_ANALYSIS_PANELS (self));
  GPtrArray *fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  for (guint k = 0; recycles && k < recycles->len; k++)
    if (g_ptr_array_index (recycles, k))
      g_ptr_array_add (fresh, fl_recycle_data_ref (g_ptr_array_index (recycles, k)));
  g_ptr_array_unref (self->recycles);
  self->recycles = fresh;
  int n = fresh->len;
  self->current = n == 0 ? -1 : (current < 0 || current >= n ? n - 1 : current);
  FlRecycleData *cur = self->current >= 0 ? g_ptr_array_index (fresh, self->current) : NULL;
  fl_pair_map_view_set_recycle_data (self->pair_view, cur);
  fl_msa_view_set_recycle_data (self->msa_view, cur);
  fl_confidence_plot_set_recycles (self->confidence, fresh, self->current);
}

void
fl_analysis_panels_set_frame (FlAnalysisPanels *self, FlFrame *frame)
{
  g_return_if_fail (FL_IS_ANALYSIS_PANELS (self));
  fl_pair_map_view_set_frame (self->pair_view, frame);
}

void
fl_analysis_panels_select_residue (FlAnalysisPanels *self, int residue)
{
  g_return_if_fail (FL_IS_ANALYSIS_PANELS (self));
  mark_selected (self, residue < 0 ? -1 : residue);
}

void
fl_analysis_panels_reset (FlAnalysisPanels *self)
{
  g_return_if_fail (FL_IS_ANALYSIS_PANELS (self));
  fl_msa_view_set_msa (self->msa_view, NULL, NULL);
  fl_msa_view_set_templates (self->msa_view, NULL, NULL);
  fl_pair_map_view_set_sequence (self->pair_view, NULL);
  fl_pair_map_view_set_frame (self->pair_view, NULL);
  fl_pair_map_view_clear_brush (self->pair_view);
  fl_analysis_panels_set_recycles (self, NULL, -1);
  mark_selected (self, -1);
  for (int k = 0; k < 4; k++)
    self->brush[k] = -1;
}

gboolean
fl_analysis_panels_get_brush (FlAnalysisPanels *self, int *row_first, int *row_last,
                              int *col_first, int *col_last)
{
  g_return_val_if_fail (FL_IS_ANALYSIS_PANELS (self), FALSE);
  if (row_first) *row_first = self->brush[0];
  if (row_last) *row_last = self->brush[1];
  if (col_first) *col_first = self->brush[2];
  if (col_last) *col_last = self->brush[3];
  return self->brush[0] >= 0;
}

GtkWidget *
fl_analysis_panels_get_msa_view (FlAnalysisPanels *self)
{
  g_return_val_if_fail (FL_IS_ANALYSIS_PANELS (self), NULL);
  return GTK_WIDGET (self->msa_view);
}

GtkWidget *
fl_analysis_panels_get_pair_map_view (FlAnalysisPanels *self)
{
  g_return_val_if_fail (FL_IS_ANALYSIS_PANELS (self), NULL);
  return GTK_WIDGET (self->pair_view);
}

GtkWidget *
fl_analysis_panels_get_confidence_plot (FlAnalysisPanels *self)
{
  g_return_val_if_fail (FL_IS_ANALYSIS_PANELS (self), NULL);
  return GTK_WIDGET (self->confidence);
}

void
fl_analysis_panels_show_page (FlAnalysisPanels *self, int page)
{
  g_return_if_fail (FL_IS_ANALYSIS_PANELS (self));
  gtk_notebook_set_current_page (GTK_NOTEBOOK (self->notebook), page);
}
