#include "fl-confidence-render.h"
#include "fl-palette.h"
#include <math.h>
#include <stdio.h>

void
fl_confidence_layout_compute (FlConfidenceLayout *lo, double width, double height)
{
  double left = 52, right = 52, top = 24, gap = 46, bottom = 34;   /* room for axis titles */
  double avail = MAX (height - top - gap - bottom, 2);
  lo->plot_x = left;
  lo->plot_y = top;
  lo->plot_w = MAX (width - left - right, 1);
  lo->plot_h = avail * 0.64;
  lo->stats_x = left;
  lo->stats_y = top + lo->plot_h + gap;
  lo->stats_w = lo->plot_w;
  lo->stats_h = avail - lo->plot_h;
}

int
fl_confidence_residue_at (const FlConfidenceLayout *lo, int L, double x, double y)
{
  if (L < 1 || x < lo->plot_x || x > lo->plot_x + lo->plot_w || y < lo->plot_y ||
      y > lo->plot_y + lo->plot_h)
    return -1;
  double u = (x - lo->plot_x) / lo->plot_w;
  int i = L > 1 ? (int) lround (u * (L - 1)) : 0;
  return CLAMP (i, 0, L - 1);
}

static void
font (cairo_t *cr, double size, gboolean bold)
{
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL,
                          bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
}

static void
text_at (cairo_t *cr, double x, double y, const char *s, double align)
{
  cairo_text_extents_t e;
  cairo_text_extents (cr, s, &e);
  cairo_move_to (cr, x - e.x_advance * align, y);
  cairo_show_text (cr, s);
}

/* An axis title: under the plot (vertical FALSE, centred on x) or beside it,
 * reading upwards (vertical TRUE, centred on y). */
static void
axis_title (cairo_t *cr, double x, double y, const char *s, gboolean vertical)
{
  cairo_text_extents_t e;
  font (cr, 10, FALSE);
  cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
  cairo_text_extents (cr, s, &e);
  cairo_save (cr);
  if (vertical)
    {
      cairo_move_to (cr, x, y + e.x_advance / 2);
      cairo_rotate (cr, -G_PI / 2);
    }
  else
    cairo_move_to (cr, x - e.x_advance / 2, y);
  cairo_show_text (cr, s);
  cairo_restore (cr);
}

static double
tick_step (double range, double px, double min_px)
{
  double raw = range * min_px / MAX (px, 1);
  if (!(raw > 0))
    return 1;
  double mag = pow (10.0, floor (log10 (raw)));
  double f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static void
draw_plddt (cairo_t *cr, const FlConfidenceLayout *lo, FlRecycleData *const *rec, int n,
            int current, int selected, int hover)
{
  double x = lo->plot_x, y = lo->plot_y, w = lo->plot_w, h = lo->plot_h;
  int L = rec[current]->L;
  /* bands */
  static const double edges[5] = { 100, 90, 70, 50, 0 };
  for (int b = 0; b < 4; b++)
    {
      FlRgba c = fl_rgba_from_argb (fl_plddt_band_argb (b));
      c.a = 0.22;
      fl_cairo_set_rgba (cr, c);
      double y0 = y + (100 - edges[b]) / 100 * h, y1 = y + (100 - edges[b + 1]) / 100 * h;
      cairo_rectangle (cr, x, y0, w, y1 - y0);
      cairo_fill (cr);
    }
  cairo_set_source_rgb (cr, 0.55, 0.55, 0.55);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x - 0.5, y - 0.5, w + 1, h + 1);
  cairo_stroke (cr);
  /* axes */
  font (cr, 9, FALSE);
  cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
  /* ticks at the band edges, and the bands named inside the plot */
  static const int ticks[5] = { 0, 50, 70, 90, 100 };
  for (int k = 0; k < 5; k++)
    {
      char buf[8];
      snprintf (buf, sizeof buf, "%d", ticks[k]);
      text_at (cr, x - 4, y + (100 - ticks[k]) / 100.0 * h + 3, buf, 1.0);
    }
  static const char *const band_names[4] = { "very high", "confident", "low", "very low" };
  if (h > 120)
    {
      font (cr, 8.5, FALSE);
      cairo_set_source_rgba (cr, 0.2, 0.2, 0.2, 0.6);
      for (int b = 0; b < 4; b++)
        text_at (cr, x + w - 4, y + (100 - edges[b]) / 100 * h + 10, band_names[b], 1.0);
      font (cr, 9, FALSE);
      cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
    }
  double step = tick_step (L, w, 50);
  for (double v = step; v <= L + 1e-9; v += step)
    {
      char buf[16];
      snprintf (buf, sizeof buf, "%g", v);
      double xx = x + (L > 1 ? (v - 1) / (L - 1) : 0.5) * w;
      cairo_move_to (cr, xx, y + h);
      cairo_line_to (cr, xx, y + h + 3);
      cairo_stroke (cr);
      text_at (cr, xx, y + h + 13, buf, 0.5);
    }
  axis_title (cr, x + w / 2, y + h + 26, "residue", FALSE);
  axis_title (cr, x - 30, y + h / 2, "pLDDT", TRUE);
  font (cr, 11, TRUE);
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  text_at (cr, x, y - 8, "pLDDT per residue", 0);
  font (cr, 9, FALSE);
  {
    char buf[64];
    snprintf (buf, sizeof buf, "recycle %d (bold)", rec[current]->recycle);
    text_at (cr, x + w, y - 8, buf, 1.0);
  }

  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  for (int r = 0; r < n; r++)
    {
      if (r == current || rec[r]->L != L || !rec[r]->plddt)
        continue;
      double age = n > 1 ? (double) r / (n - 1) : 1;
      cairo_set_source_rgba (cr, 0.25, 0.25, 0.35, 0.25 + 0.35 * age);
      cairo_set_line_width (cr, 1.0);
      for (int i = 0; i < L; i++)
        {
          double xx = x + (L > 1 ? (double) i / (L - 1) : 0.5) * w;
          double yy = y + (100 - rec[r]->plddt[i]) / 100 * h;
          if (i == 0)
            cairo_move_to (cr, xx, yy);
          else
            cairo_line_to (cr, xx, yy);
        }
      cairo_stroke (cr);
    }
  const float *p = rec[current]->plddt;
  cairo_set_source_rgb (cr, 0.05, 0.05, 0.1);
  cairo_set_line_width (cr, 2.2);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  for (int i = 0; i < L && p; i++)
    {
      double xx = x + (L > 1 ? (double) i / (L - 1) : 0.5) * w;
      double yy = y + (100 - p[i]) / 100 * h;
      if (i == 0)
        cairo_move_to (cr, xx, yy);
      else
        cairo_line_to (cr, xx, yy);
    }
  cairo_stroke (cr);
  int marks[2] = { selected, hover };
  for (int k = 0; k < 2; k++)
    if (marks[k] >= 0 && marks[k] < L)
      {
        double xx = x + (L > 1 ? (double) marks[k] / (L - 1) : 0.5) * w;
        if (k == 0)
          cairo_set_source_rgba (cr, 1.0, 0.1, 0.6, 0.8);
        else
          cairo_set_source_rgba (cr, 0.9, 0.2, 0.2, 0.6);
        cairo_set_line_width (cr, k == 0 ? 2 : 1);
        cairo_move_to (cr, xx, y);
        cairo_line_to (cr, xx, y + h);
        cairo_stroke (cr);
      }
  cairo_restore (cr);
  if (hover >= 0 && hover < L && p)
    {
      char buf[64];
      snprintf (buf, sizeof buf, "residue %d: pLDDT %.1f", hover + 1, p[hover]);
      font (cr, 10, FALSE);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      text_at (cr, x + w / 2, y - 8, buf, 0.5);
    }
}

static void
draw_stats (cairo_t *cr, const FlConfidenceLayout *lo, FlRecycleData *const *rec, int n,
            int current)
{
  double x = lo->stats_x, y = lo->stats_y, w = lo->stats_w, h = lo->stats_h;
  cairo_set_source_rgb (cr, 0.985, 0.985, 0.985);
  cairo_rectangle (cr, x, y, w, h);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 0.55, 0.55, 0.55);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  double tol_max = 0;
  for (int r = 0; r < n; r++)
    if (isfinite (rec[r]->tolerance))
      tol_max = MAX (tol_max, rec[r]->tolerance);
  gboolean have_tol = tol_max > 0;   /* else no right axis: nothing is drawn on it */
  if (tol_max <= 0)
    tol_max = 1;
  else
    tol_max = tick_step (tol_max, 4, 1) * ceil (tol_max / tick_step (tol_max, 4, 1));
  font (cr, 9, FALSE);
  cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
  for (int v = 0; v <= 100; v += 50)
    {
      char buf[8];
      snprintf (buf, sizeof buf, "%d", v);
      text_at (cr, x - 4, y + (100 - v) / 100.0 * h + 3, buf, 1.0);
    }
  for (int k = 0; k <= 2 && have_tol; k++)
    {
      char buf[16];
      snprintf (buf, sizeof buf, "%.3g", tol_max * k / 2);
      text_at (cr, x + w + 4, y + h - k / 2.0 * h + 3, buf, 0.0);
    }
  axis_title (cr, x + w / 2, y + h + 25, "recycle", FALSE);
  axis_title (cr, x - 30, y + h / 2, "mean pLDDT, pTM \u00d7 100", TRUE);
  if (have_tol)
    axis_title (cr, x + w + 42, y + h / 2, "tolerance (\u00c5)", TRUE);
  /* x positions per recycle */
  double *xs = g_newa (double, MAX (n, 1));
  for (int r = 0; r < n; r++)
    xs[r] = x + (n > 1 ? (double) r / (n - 1) * (w - 24) + 12 : w / 2);
  for (int r = 0; r < n; r++)
    {
      char buf[16];
      snprintf (buf, sizeof buf, "%d", rec[r]->recycle);
      cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
      text_at (cr, xs[r], y + h + 12, buf, 0.5);
      if (r == current)
        {
          cairo_set_source_rgba (cr, 0, 0, 0, 0.08);
          cairo_rectangle (cr, xs[r] - 8, y, 16, h);
          cairo_fill (cr);
        }
    }
  struct {
    const char *label, *short_label;
    double r, g, b;
    int which;
  } series[3] = {
    { "mean pLDDT", "pLDDT", 0.0, 0.33, 0.84, 0 },
    { "pTM x 100", "pTM×100", 0.55, 0.2, 0.65, 1 },
    { "tolerance (Å, right)", "tol. Å", 0.85, 0.4, 0.05, 2 },
  };
  /* a narrow panel gets the short labels */
  double legend_size = 9.5, full_w = 0;
  font (cr, legend_size, FALSE);
  for (int s = 0; s < 3; s++)
    {
      cairo_text_extents_t e;
      cairo_text_extents (cr, series[s].label, &e);
      full_w += 13 + e.x_advance + 12;
    }
  gboolean short_labels = full_w > w;
  if (short_labels)
    legend_size = 8.5;
  double legend_x = x;
  for (int s = 0; s < 3; s++)
    {
      gboolean any = FALSE;
      cairo_set_source_rgb (cr, series[s].r, series[s].g, series[s].b);
      cairo_set_line_width (cr, 1.6);
      gboolean pen = FALSE;
      for (int r = 0; r < n; r++)
        {
          double v = series[s].which == 0 ? rec[r]->mean_plddt
                   : series[s].which == 1 ? rec[r]->ptm * 100.0 : rec[r]->tolerance;
          if (!isfinite (v))
            {
              pen = FALSE;
              continue;
            }
          double yy = series[s].which == 2 ? y + h - CLAMP (v / tol_max, 0, 1) * h
                                           : y + (100 - CLAMP (v, 0, 100)) / 100 * h;
          if (pen)
            cairo_line_to (cr, xs[r], yy);
          else
            cairo_move_to (cr, xs[r], yy);
          pen = TRUE;
          any = TRUE;
        }
      cairo_stroke (cr);
      for (int r = 0; r < n; r++)
        {
          double v = series[s].which == 0 ? rec[r]->mean_plddt
                   : series[s].which == 1 ? rec[r]->ptm * 100.0 : rec[r]->tolerance;
          if (!isfinite (v))
            continue;
          double yy = series[s].which == 2 ? y + h - CLAMP (v / tol_max, 0, 1) * h
                                           : y + (100 - CLAMP (v, 0, 100)) / 100 * h;
          cairo_arc (cr, xs[r], yy, r == current ? 3.5 : 2.2, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      if (any)
        {
          const char *label = short_labels ? series[s].short_label : series[s].label;
          font (cr, legend_size, FALSE);
          cairo_rectangle (cr, legend_x, y - 14, 10, 3);
          cairo_fill (cr);
          cairo_set_source_rgb (cr, 0.15, 0.15, 0.15);
          cairo_text_extents_t e;
          cairo_text_extents (cr, label, &e);
          cairo_move_to (cr, legend_x + 13, y - 10);
          cairo_show_text (cr, label);
          legend_x += 13 + e.x_advance + (short_labels ? 8 : 12);
        }
    }
  /* current values as text */
  FlRecycleData *c = rec[current];
  char buf[128];
  if (isfinite (c->ptm))
    snprintf (buf, sizeof buf, "recycle %d: mean pLDDT %.1f  pTM %.3f", c->recycle,
              c->mean_plddt, c->ptm);
  else
    snprintf (buf, sizeof buf, "recycle %d: mean pLDDT %.1f", c->recycle, c->mean_plddt);
  if (isfinite (c->tolerance))
    {
      char tol[48];
      snprintf (tol, sizeof tol, "  tolerance %.3g Å", c->tolerance);
      g_strlcat (buf, tol, sizeof buf);
    }
  /* right of the series legend; where the two would overlap (narrow panel)
   * the text goes inside the box, top right, on a light background */
  font (cr, 9.5, TRUE);
  cairo_text_extents_t e;
  cairo_text_extents (cr, buf, &e);
  if (x + w - e.x_advance >= legend_x)
    {
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      text_at (cr, x + w, y - 10, buf, 1.0);
    }
  else
    {
      double size = MAX (7.0, MIN (9.5, 9.5 * (w - 8) / MAX (e.x_advance, 1)));
      font (cr, size, TRUE);
      cairo_text_extents (cr, buf, &e);
      cairo_set_source_rgba (cr, 1, 1, 1, 0.85);
      cairo_rectangle (cr, x + w - 4 - e.x_advance - 3, y + 2, e.x_advance + 6, size + 5);
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      text_at (cr, x + w - 4, y + 3 + size, buf, 1.0);
    }
}

void
fl_confidence_draw (cairo_t *cr, double width, double height,
                    FlRecycleData *const *recycles, int n, int current, int selected, int hover)
{
  cairo_save (cr);
  FlConfidenceLayout lo;
  fl_confidence_layout_compute (&lo, width, height);
  if (n < 1 || !recycles || !recycles[0])
    {
      font (cr, 12, FALSE);
      cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
      cairo_move_to (cr, lo.plot_x, lo.plot_y + 20);
      cairo_show_text (cr, "No confidence yet: pLDDT appears after the first recycle.");
      cairo_restore (cr);
      return;
    }
  if (current < 0 || current >= n)
    current = n - 1;
  draw_plddt (cr, &lo, recycles, n, current, selected, hover);
  draw_stats (cr, &lo, recycles, n, current);
  cairo_restore (cr);
}

static void
num (GString *s, double v, const char *nan_text)
{
  if (isfinite (v))
    g_string_append_printf (s, "%.6g", v);
  else
    g_string_append (s, nan_text);
}

char *
fl_confidence_to_csv (FlRecycleData *const *rec, int n)
{
  if (n < 1 || !rec)
    return NULL;
  int L = rec[0]->L;
  GString *s = g_string_new ("residue");
  for (int r = 0; r < n; r++)
    g_string_append_printf (s, ",plddt_r%d", rec[r]->recycle);
  g_string_append_c (s, '\n');
  for (int i = 0; i < L; i++)
    {
      g_string_append_printf (s, "%d", i + 1);
      for (int r = 0; r < n; r++)
        {
          g_string_append_c (s, ',');
          num (s, rec[r]->L == L && rec[r]->plddt ? rec[r]->plddt[i] : NAN, "");
        }
      g_string_append_c (s, '\n');
    }
  g_string_append (s, "\nrecycle,mean_plddt,ptm,tolerance\n");
  for (int r = 0; r < n; r++)
    {
      g_string_append_printf (s, "%d,", rec[r]->recycle);
      num (s, rec[r]->mean_plddt, "");
      g_string_append_c (s, ',');
      num (s, rec[r]->ptm, "");
      g_string_append_c (s, ',');
      num (s, rec[r]->tolerance, "");
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

char *
fl_confidence_to_json (FlRecycleData *const *rec, int n)
{
  if (n < 1 || !rec)
    return NULL;
  GString *s = g_string_new ("{\"recycles\":[");
  for (int r = 0; r < n; r++)
    {
      g_string_append_printf (s, "%s{\"recycle\":%d,\"mean_plddt\":", r ? "," : "", rec[r]->recycle);
      num (s, rec[r]->mean_plddt, "null");
      g_string_append (s, ",\"ptm\":");
      num (s, rec[r]->ptm, "null");
      g_string_append (s, ",\"tolerance\":");
      num (s, rec[r]->tolerance, "null");
      g_string_append (s, ",\"plddt\":[");
      for (int i = 0; i < rec[r]->L && rec[r]->plddt; i++)
        {
          if (i)
            g_string_append_c (s, ',');
          num (s, rec[r]->plddt[i], "null");
        }
      g_string_append (s, "]}");
    }
  g_string_append (s, "]}\n");
  return g_string_free (s, FALSE);
}
