/* The "Download Official Parameters" window: names the tarball (size,
 * licence, where DeepMind publishes it), downloads it into
 * ~/.local/share/foldlight/params with progress and cancel (a later
 * download resumes), and reports the installed .npz. Main thread. */
#pragma once
#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Called on the main thread with the installed params_model_*.npz. */
typedef void (*FlParamsDownloadDone) (const char *npz_path, gpointer user_data);

/* url NULL: the official address (tests pass a local server). */
GtkWindow *fl_params_download_window_new (GtkWindow *parent, const char *url,
                                          FlParamsDownloadDone done, gpointer user_data);

/* The progress / status line (tests). */
const char *fl_params_download_window_get_status (GtkWindow *window);

G_END_DECLS
