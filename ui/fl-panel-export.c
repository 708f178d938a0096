#include "fl-panel-export.h"

typedef struct {
  GtkWidget *panel;          /* weak: the button lives inside the panel */
  FlPanelExportFunc func;
  char *basename;
} ExportInfo;

typedef struct {
  ExportInfo *info;
  FlExportFormat format;
} PendingExport;

static void
export_info_free (gpointer p)
{
  ExportInfo *info = p;
  g_free (info->basename);
  g_free (info);
}

static void
show_error (GtkWidget *panel, const char *message)
{
  GtkRoot *root = gtk_widget_get_root (panel);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkWidget *dlg = gtk_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                           GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                           GTK_MESSAGE_ERROR, GTK_BUTTONS_CLOSE,
                                           "Export failed");
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dlg), "%s", message);
  g_signal_connect (dlg, "response", G_CALLBACK (gtk_window_destroy), NULL);
  gtk_widget_show (dlg);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static void
on_chooser_response (GtkNativeDialog *native, int response, gpointer user_data)
{
  PendingExport *pe = user_data;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (native));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GError) error = NULL;
      if (path && !pe->info->func (pe->info->panel, pe->format, path, &error))
        show_error (pe->info->panel, error ? error->message : "unknown error");
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_object_unref (native);
  g_free (pe);
}

static void
on_export_activate (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  ExportInfo *info = user_data;
  const char *fmt = g_variant_get_string (param, NULL);
  FlExportFormat format = g_str_equal (fmt, "svg") ? FL_EXPORT_SVG
                        : g_str_equal (fmt, "csv") ? FL_EXPORT_CSV
                        : g_str_equal (fmt, "json") ? FL_EXPORT_JSON : FL_EXPORT_PNG;
  GtkRoot *root = gtk_widget_get_root (info->panel);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new ("Export", GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                 GTK_FILE_CHOOSER_ACTION_SAVE, "_Export", "_Cancel");
  g_autofree char *name = g_strdup_printf ("%s.%s", info->basename,
                                           fl_export_format_extension (format));
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  G_GNUC_END_IGNORE_DEPRECATIONS
  PendingExport *pe = g_new0 (PendingExport, 1);
  pe->info = info;
  pe->format = format;
  g_signal_connect (native, "response", G_CALLBACK (on_chooser_response), pe);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

GtkWidget *
fl_panel_export_button_new (GtkWidget *panel, FlPanelExportFunc func, const char *basename)
{
  ExportInfo *info = g_new0 (ExportInfo, 1);
  info->panel = panel;
  info->func = func;
  info->basename = g_strdup (basename ? basename : "panel");

  GSimpleActionGroup *group = g_simple_action_group_new ();
  GSimpleAction *act = g_simple_action_new ("export", G_VARIANT_TYPE_STRING);
  g_signal_connect_data (act, "activate", G_CALLBACK (on_export_activate), info,
                         (GClosureNotify) (void (*) (void)) export_info_free, 0);
  g_action_map_add_action (G_ACTION_MAP (group), G_ACTION (act));
  g_object_unref (act);

  GMenu *menu = g_menu_new ();
  g_menu_append (menu, "Export image (PNG)…", "panel.export::png");
  g_menu_append (menu, "Export image (SVG)…", "panel.export::svg");
  g_menu_append (menu, "Export data (CSV)…", "panel.export::csv");
  g_menu_append (menu, "Export data (JSON)…", "panel.export::json");
  GtkWidget *button = gtk_menu_button_new ();
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "document-save-symbolic");
  gtk_widget_set_tooltip_text (button, "Export this panel");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), G_MENU_MODEL (menu));
  g_object_unref (menu);
  gtk_widget_insert_action_group (panel, "panel", G_ACTION_GROUP (group));
  g_object_unref (group);
  return button;
}
