#include "fl-heatmap.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

gboolean
fl_heatmap_value_range (const float *values, gsize n, float *vmin, float *vmax)
{
  float lo = INFINITY, hi = -INFINITY;
  for (gsize i = 0; i < n; i++)
    {
      float v = values[i];
      if (isfinite (v))
        {
          lo = v < lo ? v : lo;
          hi = v > hi ? v : hi;
        }
    }
  gboolean ok = lo <= hi;
  if (vmin)
    *vmin = ok ? lo : 0.f;
  if (vmax)
    *vmax = ok ? hi : 0.f;
  return ok;
}

gboolean
fl_heatmap_recolor (cairo_surface_t *surface, const float *values, int rows, int cols,
                    const FlPalette *palette, float vmin, float vmax)
{
  if (!surface || !values || rows < 1 || cols < 1 ||
      cairo_surface_get_type (surface) != CAIRO_SURFACE_TYPE_IMAGE)
    return FALSE;
  cairo_format_t fmt = cairo_image_surface_get_format (surface);
  if ((fmt != CAIRO_FORMAT_ARGB32 && fmt != CAIRO_FORMAT_RGB24) ||
      cairo_image_surface_get_width (surface) < cols ||
      cairo_image_surface_get_height (surface) < rows)
    return FALSE;
  cairo_surface_flush (surface);
  unsigned char *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  /* LUT index = (v - vmin) * scale, clamped */
  float range = vmax - vmin;
  float scale = range != 0.f ? (FL_PALETTE_LUT_SIZE - 1) / range : 0.f;
  const uint32_t *lut = palette->lut;
  uint32_t nan_argb = palette->nan_argb;
  for (int i = 0; i < rows; i++)
    {
      uint32_t *px = (uint32_t *) (data + (gsize) i * stride);
      const float *row = values + (gsize) i * cols;
      for (int j = 0; j < cols; j++)
        {
          float v = row[j];
          if (v != v)
            {
              px[j] = nan_argb;
              continue;
            }
          float u = (v - vmin) * scale + 0.5f;
          u = u < 0.f ? 0.f : (u > FL_PALETTE_LUT_SIZE - 1 ? FL_PALETTE_LUT_SIZE - 1 : u);
          px[j] = lut[(int) u];
        }
    }
  cairo_surface_mark_dirty (surface);
  return TRUE;
}

cairo_surface_t *
fl_heatmap_render (const float *values, int rows, int cols,
                   const FlPalette *palette, float vmin, float vmax)
{
  if (!values || rows < 1 || cols < 1 || rows > 32767 || cols > 32767)
    return NULL;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, cols, rows);
  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (s);
      return NULL;
    }
  fl_heatmap_recolor (s, values, rows, cols, palette, vmin, vmax);
  return s;
}

void
fl_heatmap_paint (cairo_t *cr, cairo_surface_t *image, double x, double y, double w, double h)
{
  if (!image || w <= 0 || h <= 0)
    return;
  int iw = cairo_image_surface_get_width (image);
  int ih = cairo_image_surface_get_height (image);
  if (iw < 1 || ih < 1)
    return;
  cairo_save (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, w / iw, h / ih);
  cairo_set_source_surface (cr, image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_rectangle (cr, 0, 0, iw, ih);
  cairo_fill (cr);
  cairo_restore (cr);
}

cairo_surface_t *
fl_heatmap_downscale (cairo_surface_t *image, int width, int height)
{
  if (!image || width < 1 || height < 1 || width > 32767 || height > 32767)
    return NULL;
  int iw = cairo_image_surface_get_width (image), ih = cairo_image_surface_get_height (image);
  if (iw < 1 || ih < 1)
    return NULL;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (s);
      return NULL;
    }
  cairo_t *cr = cairo_create (s);
  cairo_scale (cr, (double) width / iw, (double) height / ih);
  cairo_set_source_surface (cr, image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_paint (cr);
  cairo_destroy (cr);
  return s;
}

/* The range text under a colour bar, fitted to width w: "<label> lo .. hi unit"
 * on one line when it fits at 9.5 px, else the label over "lo .. hi unit" in
 * a font shrunk (down to 6 px) until that line fits. Returns the height the
 * text takes; draws only when draw is TRUE, with its last baseline at
 * y_bottom - 3. */
static double
legend_range_text (cairo_t *cr, const char *label, double lo, double hi, const char *unit,
                   double x, double y_bottom, double w, gboolean draw)
{
  char one[128], two[96];
  const char *u = unit && *unit ? unit : "";
  snprintf (two, sizeof two, "%.3g .. %.3g%s%s", lo, hi, *u ? " " : "", u);
  snprintf (one, sizeof one, "%s %s", label, two);
  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 9.5);
  cairo_text_extents_t e;
  cairo_text_extents (cr, one, &e);
  double used;
  if (e.x_advance <= w)
    {
      used = 14;
      if (draw)
        {
          cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
          cairo_move_to (cr, x, y_bottom - 3);
          cairo_show_text (cr, one);
        }
    }
  else
    {
      double size = 9.5;
      cairo_text_extents (cr, two, &e);
      if (e.x_advance > w)
        {
          /* two significant digits before a smaller font */
          snprintf (two, sizeof two, "%.2g .. %.2g%s%s", lo, hi, *u ? " " : "", u);
          cairo_text_extents (cr, two, &e);
        }
      /* hinting makes widths not quite proportional to the size: re-measure */
      while (e.x_advance > w && size > 6.0)
        {
          size = MAX (6.0, MIN (size - 0.25, size * w / e.x_advance));
          cairo_set_font_size (cr, size);
          cairo_text_extents (cr, two, &e);
        }
      cairo_set_font_size (cr, 9.5);
      used = 14 + size + 3;
      if (draw)
        {
          cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
          cairo_move_to (cr, x, y_bottom - 3 - size - 3);
          cairo_show_text (cr, label);
          cairo_set_font_size (cr, size);
          cairo_move_to (cr, x, y_bottom - 3);
          cairo_show_text (cr, two);
        }
    }
  cairo_restore (cr);
  return used;
}

void
fl_heatmap_draw_legend_data (cairo_t *cr, const FlPalette *palette, float vmin, float vmax,
                             float data_lo, float data_hi, const char *unit,
                             double x, double y, double w, double h, const char *title)
{
  gboolean have_data = isfinite (data_lo) && isfinite (data_hi) && data_lo <= data_hi;
  double lo = have_data ? data_lo : MIN (vmin, vmax), hi = have_data ? data_hi : MAX (vmin, vmax);
  const char *label = have_data ? "data" : "range";
  double text_h = legend_range_text (cr, label, lo, hi, have_data ? unit : NULL, x, y + h, w, FALSE);
  fl_palette_draw_colorbar (cr, palette, vmin, vmax, x, y, w, MAX (h - text_h, 1), title);
  legend_range_text (cr, label, lo, hi, have_data ? unit : NULL, x, y + h, w, TRUE);
}

void
fl_heatmap_draw_legend (cairo_t *cr, const FlPalette *palette, float vmin, float vmax,
                        double x, double y, double w, double h, const char *title)
{
  fl_heatmap_draw_legend_data (cr, palette, vmin, vmax, NAN, NAN, NULL, x, y, w, h, title);
}

static void
append_value (GString *s, float v, gboolean json)
{
  if (isnan (v))
    g_string_append (s, json ? "null" : "nan");
  else if (isinf (v))
    g_string_append (s, json ? "null" : (v > 0 ? "inf" : "-inf"));
  else
    g_string_append_printf (s, "%.6g", v);
}

char *
fl_heatmap_to_csv (const float *values, int rows, int cols)
{
  if (!values || rows < 1 || cols < 1)
    return NULL;
  GString *s = g_string_sized_new ((gsize) rows * cols * 8 + 64);
  g_string_append (s, "row");
  for (int j = 0; j < cols; j++)
    g_string_append_printf (s, ",%d", j);
  g_string_append_c (s, '\n');
  for (int i = 0; i < rows; i++)
    {
      g_string_append_printf (s, "%d", i);
      for (int j = 0; j < cols; j++)
        {
          g_string_append_c (s, ',');
          append_value (s, values[(gsize) i * cols + j], FALSE);
        }
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

char *
fl_heatmap_to_json (const float *values, int rows, int cols, float vmin, float vmax,
                    const char *title)
{
  if (!values || rows < 1 || cols < 1)
    return NULL;
  GString *s = g_string_sized_new ((gsize) rows * cols * 8 + 128);
  g_string_append_printf (s, "{\"rows\":%d,\"cols\":%d,\"vmin\":", rows, cols);
  append_value (s, vmin, TRUE);
  g_string_append (s, ",\"vmax\":");
  append_value (s, vmax, TRUE);
  g_string_append (s, ",\"title\":\"");
  for (const char *c = title ? title : ""; *c; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_c (s, '\\');
      if ((unsigned char) *c >= 0x20)
        g_string_append_c (s, *c);
    }
  g_string_append (s, "\",\"values\":[");
  for (int i = 0; i < rows; i++)
    {
      g_string_append (s, i ? ",[" : "[");
      for (int j = 0; j < cols; j++)
        {
          if (j)
            g_string_append_c (s, ',');
          append_value (s, values[(gsize) i * cols + j], TRUE);
        }
      g_string_append_c (s, ']');
    }
  g_string_append (s, "]}\n");
  return g_string_free (s, FALSE);
}
