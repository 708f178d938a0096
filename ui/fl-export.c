#include "fl-export.h"
#include <cairo-svg.h>

G_DEFINE_QUARK (fl-export-error-quark, fl_export_error)

static gboolean
check_size (int width, int height, GError **error)
{
  if (width < 1 || height < 1 || width > 32768 || height > 32768)
    {
      g_set_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_EMPTY,
                   "cannot export an image of %d x %d pixels", width, height);
      return FALSE;
    }
  return TRUE;
}

gboolean
fl_export_png (const char *path, int width, int height,
               FlExportDrawFunc draw, gpointer user_data, GError **error)
{
  if (!check_size (width, height, error))
    return FALSE;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cairo_t *cr = cairo_create (s);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  draw (cr, width, height, user_data);
  cairo_status_t st = cairo_status (cr);
  cairo_destroy (cr);
  if (st == CAIRO_STATUS_SUCCESS)
    st = cairo_surface_write_to_png (s, path);
  cairo_surface_destroy (s);
  if (st != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_FAILED,
                   "cannot write PNG %s: %s", path, cairo_status_to_string (st));
      return FALSE;
    }
  return TRUE;
}

gboolean
fl_export_svg (const char *path, int width, int height,
               FlExportDrawFunc draw, gpointer user_data, GError **error)
{
  if (!check_size (width, height, error))
    return FALSE;
  cairo_surface_t *s = cairo_svg_surface_create (path, width, height);
  cairo_status_t st = cairo_surface_status (s);
  if (st == CAIRO_STATUS_SUCCESS)
    {
      cairo_t *cr = cairo_create (s);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
      draw (cr, width, height, user_data);
      st = cairo_status (cr);
      cairo_destroy (cr);
      cairo_surface_finish (s);
      if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status (s);
    }
  cairo_surface_destroy (s);
  if (st != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_FAILED,
                   "cannot write SVG %s: %s", path, cairo_status_to_string (st));
      return FALSE;
    }
  return TRUE;
}

gboolean
fl_export_text (const char *path, const char *text, GError **error)
{
  if (!text || !*text)
    {
      g_set_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_EMPTY, "no data to export to %s", path);
      return FALSE;
    }
  GError *local = NULL;
  if (!g_file_set_contents (path, text, -1, &local))
    {
      g_set_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_FAILED, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  return TRUE;
}

const char *
fl_export_format_extension (FlExportFormat format)
{
  switch (format)
    {
    case FL_EXPORT_PNG: return "png";
    case FL_EXPORT_SVG: return "svg";
    case FL_EXPORT_CSV: return "csv";
    case FL_EXPORT_JSON: return "json";
    default: return "dat";
    }
}
