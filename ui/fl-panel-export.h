/* The export menu shared by the analysis panels: a GtkMenuButton with
 * "Export PNG / SVG / CSV / JSON…"; each item asks for a file name and calls
 * the panel's export function. Main thread only. */
#pragma once
#include <gtk/gtk.h>
#include "fl-export.h"

G_BEGIN_DECLS

typedef gboolean (*FlPanelExportFunc) (GtkWidget *panel, FlExportFormat format,
                                       const char *path, GError **error);

/* A menu button exporting panel through func; basename is the suggested
 * file name without extension (e.g. "msa"). */
GtkWidget *fl_panel_export_button_new (GtkWidget *panel, FlPanelExportFunc func,
                                       const char *basename);

G_END_DECLS
