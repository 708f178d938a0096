/* Accuracy over frames, drawn with cairo (see fl-accuracy-plot.h). */
#include "fl-accuracy-plot.h"
#include <math.h>

struct _FlAccuracyPlot {
  GtkDrawingArea parent;
  GArray *points;   /* FlAccuracyPoint */
  int current;
  char *message;
};

G_DEFINE_FINAL_TYPE (FlAccuracyPlot, fl_accuracy_plot, GTK_TYPE_DRAWING_AREA)

typedef struct {
  const char *name;
  double r, g, b;
} Series;

static const Series series[4] = {
  { "TM-score", 0.20, 0.45, 0.85 },
  { "lDDT-Cα", 0.15, 0.62, 0.35 },
  { "GDT_TS", 0.85, 0.50, 0.10 },
  { "Cα-RMSD (Å, right)", 0.75, 0.20, 0.25 },
};

static double
value_of (const FlAccuracyPoint *p, int k)
{
  return k == 0 ? p->tm_score : k == 1 ? p->lddt_ca : k == 2 ? p->gdt_ts : p->rmsd_ca;
}

static void
text_at (cairo_t *cr, double x, double y, double ax, double ay, const char *text)
{
  cairo_text_extents_t e;
  cairo_text_extents (cr, text, &e);
  cairo_move_to (cr, x - ax * e.width - e.x_bearing, y - ay * e.height - e.y_bearing);
  cairo_show_text (cr, text);
}

static void
draw (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FlAccuracyPlot *self = FL_ACCURACY_PLOT (area);
  GdkRGBA fg;
  /* the theme's text colour (light and dark themes); gtk_widget_get_color is 4.10+ */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 11);
  int n = self->points->len;
  if (n == 0)
    {
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
      text_at (cr, width / 2.0, height / 2.0, 0.5, 0.5,
               self->message ? self->message : "No frames yet");
      return;
    }
  const FlAccuracyPoint *pts = (const FlAccuracyPoint *) self->points->data;
  double x0 = 52, x1 = width - 52, y0 = 28, y1 = height - 46;
  if (x1 - x0 < 40 || y1 - y0 < 40)
    return;
  double rmsd_max = 1.0;
  for (int i = 0; i < n; i++)
    if (isfinite (pts[i].rmsd_ca))
      rmsd_max = MAX (rmsd_max, pts[i].rmsd_ca);
  rmsd_max = ceil (rmsd_max / 2.0) * 2.0;
  double dx = n > 1 ? (x1 - x0) / (n - 1) : 0;
#define XOF(i) (n > 1 ? x0 + (i) * dx : (x0 + x1) / 2)

  /* grid and axes */
  cairo_set_line_width (cr, 1);
  for (int t = 0; t <= 4; t++)
    {
      double y = y1 - (y1 - y0) * t / 4.0;
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, t == 0 ? 0.6 : 0.12);
      cairo_move_to (cr, x0, y);
      cairo_line_to (cr, x1, y);
      cairo_stroke (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
      char lab[32];
      g_snprintf (lab, sizeof lab, "%.2g", t / 4.0);
      text_at (cr, x0 - 6, y, 1.0, 0.5, lab);
      g_snprintf (lab, sizeof lab, "%.3g", rmsd_max * t / 4.0);
      text_at (cr, x1 + 6, y, 0.0, 0.5, lab);
    }
  /* recycle bands along the bottom */
  for (int i = 0; i < n; i++)
    if (i == 0 || pts[i].recycle != pts[i - 1].recycle)
      {
        int j = i;
        while (j + 1 < n && pts[j + 1].recycle == pts[i].recycle)
          j++;
        double xa = XOF (i), xb = XOF (j);
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.35);
        if (i > 0)
          {
            cairo_move_to (cr, xa - dx / 2, y0);
            cairo_line_to (cr, xa - dx / 2, y1 + 4);
            cairo_stroke (cr);
          }
        cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
        char lab[32];
        g_snprintf (lab, sizeof lab, "r%d", pts[i].recycle);
        text_at (cr, (xa + xb) / 2, y1 + 8, 0.5, 0.0, lab);
      }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
  text_at (cr, (x0 + x1) / 2, height - 6, 0.5, 1.0,
           "frame: recycle r, structure-module layers 1…8 within it");
  cairo_save (cr);
  cairo_translate (cr, 12, (y0 + y1) / 2);
  cairo_rotate (cr, -G_PI / 2);
  text_at (cr, 0, 0, 0.5, 0.5, "TM-score · lDDT-Cα · GDT_TS");
  cairo_restore (cr);
  cairo_save (cr);
  cairo_translate (cr, width - 10, (y0 + y1) / 2);
  cairo_rotate (cr, G_PI / 2);
  text_at (cr, 0, 0, 0.5, 0.5, "Cα-RMSD (Å)");
  cairo_restore (cr);

  /* the series */
  cairo_set_line_width (cr, 2);
  for (int k = 0; k < 4; k++)
    {
      cairo_set_source_rgb (cr, series[k].r, series[k].g, series[k].b);
      gboolean pen = FALSE;
      for (int i = 0; i < n; i++)
        {
          double v = value_of (&pts[i], k);
          if (!isfinite (v))
            {
              pen = FALSE;
              continue;
            }
          double f = k == 3 ? v / rmsd_max : v;
          double y = y1 - (y1 - y0) * CLAMP (f, 0.0, 1.0);
          if (pen)
            cairo_line_to (cr, XOF (i), y);
          else
            cairo_move_to (cr, XOF (i), y);
          pen = TRUE;
          if (n == 1)
            cairo_arc (cr, XOF (i), y, 2.5, 0, 2 * G_PI);
        }
      cairo_stroke (cr);
    }
  /* legend */
  double lx = x0;
  for (int k = 0; k < 4; k++)
    {
      cairo_set_source_rgb (cr, series[k].r, series[k].g, series[k].b);
      cairo_rectangle (cr, lx, 8, 14, 4);
      cairo_fill (cr);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.9);
      text_at (cr, lx + 18, 10, 0.0, 0.5, series[k].name);
      cairo_text_extents_t e;
      cairo_text_extents (cr, series[k].name, &e);
      lx += 18 + e.x_advance + 14;
    }
  /* the frame on the timeline */
  if (self->current >= 0 && self->current < n)
    {
      double x = XOF (self->current);
      cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7);
      cairo_set_line_width (cr, 1);
      cairo_set_dash (cr, (double[]) { 3, 3 }, 2, 0);
      cairo_move_to (cr, x, y0);
      cairo_line_to (cr, x, y1);
      cairo_stroke (cr);
      cairo_set_dash (cr, NULL, 0, 0);
    }
#undef XOF
}

static void
fl_accuracy_plot_finalize (GObject *object)
{
  FlAccuracyPlot *self = FL_ACCURACY_PLOT (object);
  g_array_unref (self->points);
  g_free (self->message);
  G_OBJECT_CLASS (fl_accuracy_plot_parent_class)->finalize (object);
}

static void
fl_accuracy_plot_class_init (FlAccuracyPlotClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = fl_accuracy_plot_finalize;
}

static void
fl_accuracy_plot_init (FlAccuracyPlot *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (FlAccuracyPoint));
  self->current = -1;
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self), 220);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self), draw, NULL, NULL);
}

GtkWidget *
fl_accuracy_plot_new (void)
{
  return g_object_new (FL_TYPE_ACCURACY_PLOT, NULL);
}

void
fl_accuracy_plot_set_points (FlAccuracyPlot *self, const FlAccuracyPoint *points, int n,
                             int current)
{
  g_array_set_size (self->points, 0);
  if (n > 0)
    g_array_append_vals (self->points, points, n);
  self->current = current;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
fl_accuracy_plot_set_message (FlAccuracyPlot *self, const char *message)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}
