/* Export of the analysis panels: PNG and SVG through a draw callback (the
 * same pure cairo code that paints the widget), text (CSV / JSON) files. */
#pragma once
#include <glib.h>
#include <cairo.h>

G_BEGIN_DECLS

#define FL_EXPORT_ERROR (fl_export_error_quark ())
GQuark fl_export_error_quark (void);

typedef enum {
  FL_EXPORT_ERROR_FAILED,   /* cairo or the file system refused (message says why) */
  FL_EXPORT_ERROR_EMPTY,    /* nothing to export */
} FlExportError;

typedef enum {
  FL_EXPORT_PNG,
  FL_EXPORT_SVG,
  FL_EXPORT_CSV,
  FL_EXPORT_JSON,
} FlExportFormat;

/* Draws a panel into cr over (0, 0, width, height). */
typedef void (*FlExportDrawFunc) (cairo_t *cr, double width, double height, gpointer user_data);

gboolean fl_export_png (const char *path, int width, int height,
                        FlExportDrawFunc draw, gpointer user_data, GError **error);
gboolean fl_export_svg (const char *path, int width, int height,
                        FlExportDrawFunc draw, gpointer user_data, GError **error);
/* Writes text (CSV / JSON); NULL or empty text is FL_EXPORT_ERROR_EMPTY. */
gboolean fl_export_text (const char *path, const char *text, GError **error);

/* "png", "svg", "csv", "json" */
const char *fl_export_format_extension (FlExportFormat format);

G_END_DECLS
