#include "fl-residue-signals.h"
#include "fl-confidence-plot.h"
#include "fl-panel-export.h"

struct _FlConfidencePlot {
  GtkWidget parent_instance;
  GtkWidget *box, *area;
  GPtrArray *recycles;    /* FlRecycleData*, owned refs */
  int current, selected, hover;
  int width, height;
};

G_DEFINE_FINAL_TYPE (FlConfidencePlot, fl_confidence_plot, GTK_TYPE_WIDGET)

enum { SIG_HOVERED = FL_RESIDUE_SIGNAL_HOVERED, SIG_SELECTED = FL_RESIDUE_SIGNAL_SELECTED,
       N_SIGNALS = FL_RESIDUE_SIGNAL_BRUSHED };
static guint signals[N_SIGNALS];

static void
draw_func (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FlConfidencePlot *self = user_data;
  self->width = width;
  self->height = height;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  fl_confidence_draw (cr, width, height, (FlRecycleData *const *) self->recycles->pdata,
                      self->recycles->len, self->current, self->selected, self->hover);
}

static int
residue_at (FlConfidencePlot *self, double x, double y)
{
  if (self->recycles->len == 0)
    return -1;
  FlConfidenceLayout lo;
  fl_confidence_layout_compute (&lo, self->width, self->height);
  FlRecycleData *d = g_ptr_array_index (self->recycles, 0);
  return fl_confidence_residue_at (&lo, d->L, x, y);
}

static void
on_motion (GtkEventControllerMotion *ctl, double x, double y, FlConfidencePlot *self)
{
  int i = residue_at (self, x, y);
  if (i == self->hover)
    return;
  self->hover = i;
  gtk_widget_queue_draw (self->area);
  g_signal_emit (self, signals[SIG_HOVERED], 0, i, -1);
}

static void
on_leave (GtkEventControllerMotion *ctl, FlConfidencePlot *self)
{
  if (self->hover < 0)
    return;
  self->hover = -1;
  gtk_widget_queue_draw (self->area);
  g_signal_emit (self, signals[SIG_HOVERED], 0, -1, -1);
}

static void
on_click (GtkGestureClick *g, int n, double x, double y, FlConfidencePlot *self)
{
  int i = residue_at (self, x, y);
  if (i < 0)
    return;
  self->selected = self->selected == i ? -1 : i;
  gtk_widget_queue_draw (self->area);
  g_signal_emit (self, signals[SIG_SELECTED], 0, self->selected);
}

static gboolean
export_cb (GtkWidget *panel, FlExportFormat format, const char *path, GError **error)
{
  return fl_confidence_plot_export (FL_CONFIDENCE_PLOT (panel), format, path, error);
}

static void
fl_confidence_plot_dispose (GObject *object)
{
  FlConfidencePlot *self = FL_CONFIDENCE_PLOT (object);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->recycles, g_ptr_array_unref);
  G_OBJECT_CLASS (fl_confidence_plot_parent_class)->dispose (object);
}

static void
fl_confidence_plot_class_init (FlConfidencePlotClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = fl_confidence_plot_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  fl_residue_signals_install (klass, signals, N_SIGNALS);
}

static void
fl_confidence_plot_init (FlConfidencePlot *self)
{
  self->recycles = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  self->current = -1;
  self->selected = self->hover = -1;
  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (bar, 4);
  gtk_widget_set_margin_end (bar, 4);
  gtk_widget_set_margin_top (bar, 2);
  GtkWidget *title = gtk_label_new ("Confidence per recycle");
  gtk_widget_set_hexpand (title, TRUE);
  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_box_append (GTK_BOX (bar), title);
  gtk_box_append (GTK_BOX (bar), fl_panel_export_button_new (GTK_WIDGET (self), export_cb, "confidence"));
  gtk_box_append (GTK_BOX (self->box), bar);
  self->area = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (self->area, TRUE);
  gtk_widget_set_vexpand (self->area, TRUE);
  gtk_widget_set_size_request (self->area, 240, 200);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area), draw_func, self, NULL);
  gtk_box_append (GTK_BOX (self->box), self->area);
  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (self->area, motion);
  GtkGesture *click = gtk_gesture_click_new ();
  g_signal_connect (click, "released", G_CALLBACK (on_click), self);
  gtk_widget_add_controller (self->area, GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
fl_confidence_plot_new (void)
{
  return g_object_new (FL_TYPE_CONFIDENCE_PLOT, NULL);
}

void
fl_confidence_plot_set_recycles (FlConfidencePlot *self, GPtrArray *recycles, int current)
{
  g_return_if_fail (FL_IS_CONFIDENCE_PLOT (self));
  GPtrArray *fresh = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  int L = -1;
  for (guint k = 0; recycles && k < recycles->len; k++)
    {
      FlRecycleData *d = g_ptr_array_index (recycles, k);
      if (!d || (L >= 0 && d->L != L))
        continue;     /* a different protein: keep the first's length */
      L = d->L;
      g_ptr_array_add (fresh, fl_recycle_data_ref (d));
    }
  g_ptr_array_unref (self->recycles);
  self->recycles = fresh;
  self->current = current < 0 || current >= (int) fresh->len ? (int) fresh->len - 1 : current;
  if (self->selected >= L)
    self->selected = -1;
  gtk_widget_queue_draw (self->area);
}

void
fl_confidence_plot_select_residue (FlConfidencePlot *self, int residue)
{
  g_return_if_fail (FL_IS_CONFIDENCE_PLOT (self));
  self->selected = residue;
  gtk_widget_queue_draw (self->area);
}

guint
fl_confidence_plot_get_n_recycles (FlConfidencePlot *self)
{
  g_return_val_if_fail (FL_IS_CONFIDENCE_PLOT (self), 0);
  return self->recycles->len;
}

static void
export_draw (cairo_t *cr, double w, double h, gpointer data)
{
  FlConfidencePlot *self = data;
  fl_confidence_draw (cr, w, h, (FlRecycleData *const *) self->recycles->pdata,
                      self->recycles->len, self->current, self->selected, -1);
}

gboolean
fl_confidence_plot_export (FlConfidencePlot *self, FlExportFormat format, const char *path,
                           GError **error)
{
  g_return_val_if_fail (FL_IS_CONFIDENCE_PLOT (self), FALSE);
  if (self->recycles->len == 0)
    {
      g_set_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_EMPTY, "no recycles to export");
      return FALSE;
    }
  int w = MAX (self->width, 800), h = MAX (self->height, 480);
  FlRecycleData *const *rec = (FlRecycleData *const *) self->recycles->pdata;
  switch (format)
    {
    case FL_EXPORT_PNG:
      return fl_export_png (path, w, h, export_draw, self, error);
    case FL_EXPORT_SVG:
      return fl_export_svg (path, w, h, export_draw, self, error);
    case FL_EXPORT_CSV:
      {
        g_autofree char *t = fl_confidence_to_csv (rec, self->recycles->len);
        return fl_export_text (path, t, error);
      }
    case FL_EXPORT_JSON:
    default:
      {
        g_autofree char *t = fl_confidence_to_json (rec, self->recycles->len);
        return fl_export_text (path, t, error);
      }
    }
}
