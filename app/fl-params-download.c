/* The parameter download window (see fl-params-download.h). */
#include "fl-params-download.h"
#include "fl-params-fetch.h"

typedef struct {
  gint ref;
  GMutex lock;
  FlParamsFetchStage stage;
  gint64 done, total;
  GCancellable *cancellable;
  gboolean running;
  /* main thread */
  GtkWindow *window;        /* NULL once closed */
  GtkWidget *status, *bar, *start, *cancel;
  char *url, *dir;
  guint poll;
  FlParamsDownloadDone done_cb;
  gpointer user_data;
} Download;

static Download *
download_ref (Download *d)
{
  g_atomic_int_inc (&d->ref);
  return d;
}

static void
download_unref (Download *d)
{
  if (!g_atomic_int_dec_and_test (&d->ref))
    return;
  g_mutex_clear (&d->lock);
  g_clear_object (&d->cancellable);
  g_free (d->url);
  g_free (d->dir);
  g_free (d);
}

static void
on_progress (FlParamsFetchStage stage, gint64 done, gint64 total, gpointer user_data)
{
  Download *d = user_data;
  g_mutex_lock (&d->lock);
  d->stage = stage;
  d->done = done;
  d->total = total;
  g_mutex_unlock (&d->lock);
}

static gboolean
poll_progress (gpointer user_data)
{
  Download *d = user_data;
  if (!d->window)
    return G_SOURCE_CONTINUE;
  g_mutex_lock (&d->lock);
  FlParamsFetchStage stage = d->stage;
  gint64 done = d->done, total = d->total;
  g_mutex_unlock (&d->lock);
  const char *what = stage == FL_PARAMS_FETCH_DOWNLOADING ? "Downloading"
                     : stage == FL_PARAMS_FETCH_VERIFYING ? "Computing the checksum"
                     : "Unpacking";
  g_autofree char *text = total > 0
    ? g_strdup_printf ("%s: %.1f of %.1f MB", what, done / 1e6, total / 1e6)
    : g_strdup_printf ("%s: %.1f MB", what, done / 1e6);
  gtk_label_set_text (GTK_LABEL (d->status), text);
  if (total > 0)
    gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (d->bar), (double) done / total);
  else
    gtk_progress_bar_pulse (GTK_PROGRESS_BAR (d->bar));
  return G_SOURCE_CONTINUE;
}

static void
fetch_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  Download *d = task_data;
  FlParamsFetchOptions o = { .url = d->url, .dir = d->dir, .progress = on_progress,
                             .user_data = d, .cancellable = d->cancellable };
  GError *error = NULL;
  char *sha = fl_params_fetch (&o, &error);
  if (sha)
    g_task_return_pointer (task, sha, g_free);
  else
    g_task_return_error (task, error);
}

static void
set_running (Download *d, gboolean running)
{
  d->running = running;
  gtk_widget_set_sensitive (d->start, !running);
  gtk_widget_set_sensitive (d->cancel, running);
  if (running && !d->poll)
    d->poll = g_timeout_add (100, poll_progress, d);
  else if (!running && d->poll)
    {
      g_source_remove (d->poll);
      d->poll = 0;
    }
}

static void
fetch_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Download *d = user_data;
  GError *error = NULL;
  g_autofree char *sha = g_task_propagate_pointer (G_TASK (result), &error);
  if (d->window)
    {
      set_running (d, FALSE);
      if (sha)
        {
          g_autofree char *npz = fl_params_fetch_find_installed (d->dir);
          g_autofree char *text = g_strdup_printf ("Installed in %s (SHA-256 %.16s…, recorded "
                                                   "in SOURCE.json).", d->dir, sha);
          gtk_label_set_text (GTK_LABEL (d->status), text);
          gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (d->bar), 1.0);
          gtk_button_set_label (GTK_BUTTON (d->start), "Downloaded");
          gtk_widget_set_sensitive (d->start, FALSE);
          if (npz && d->done_cb)
            d->done_cb (npz, d->user_data);
        }
      else
        gtk_label_set_text (GTK_LABEL (d->status), error->message);
    }
  g_clear_error (&error);
  download_unref (d);
}

static void
on_start (GtkButton *button, Download *d)
{
  if (d->running)
    return;
  g_clear_object (&d->cancellable);
  d->cancellable = g_cancellable_new ();
  set_running (d, TRUE);
  gtk_label_set_text (GTK_LABEL (d->status), "Connecting…");
  GTask *task = g_task_new (NULL, NULL, fetch_done, download_ref (d));
  g_task_set_task_data (task, d, NULL);
  g_task_run_in_thread (task, fetch_thread);
  g_object_unref (task);
}

static void
on_cancel (GtkButton *button, Download *d)
{
  if (d->cancellable)
    g_cancellable_cancel (d->cancellable);
}

static void
on_destroy (GtkWidget *window, Download *d)
{
  if (d->cancellable)
    g_cancellable_cancel (d->cancellable);
  if (d->poll)
    g_source_remove (d->poll);
  d->poll = 0;
  d->window = NULL;
  download_unref (d);
}

static GtkWidget *
label (const char *markup, gboolean wrap)
{
  GtkWidget *l = gtk_label_new (NULL);
  gtk_label_set_markup (GTK_LABEL (l), markup);
  gtk_label_set_xalign (GTK_LABEL (l), 0.0f);
  gtk_label_set_wrap (GTK_LABEL (l), wrap);
  gtk_label_set_max_width_chars (GTK_LABEL (l), 60);
  gtk_label_set_selectable (GTK_LABEL (l), TRUE);
  return l;
}

GtkWindow *
fl_params_download_window_new (GtkWindow *parent, const char *url, FlParamsDownloadDone done,
                               gpointer user_data)
{
  Download *d = g_new0 (Download, 1);
  d->ref = 1;
  g_mutex_init (&d->lock);
  d->url = g_strdup (url ? url : FL_PARAMS_TARBALL_URL);
  d->dir = fl_params_fetch_default_dir ();
  d->done_cb = done;
  d->user_data = user_data;
  GtkWidget *w = gtk_window_new ();
  d->window = GTK_WINDOW (w);
  gtk_window_set_title (d->window, "Download AlphaFold Parameters");
  gtk_window_set_default_size (d->window, 560, -1);
  if (parent)
    {
      gtk_window_set_transient_for (d->window, parent);
      gtk_window_set_modal (d->window, TRUE);
    }
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 10);
  gtk_widget_set_margin_start (box, 18);
  gtk_widget_set_margin_end (box, 18);
  gtk_widget_set_margin_top (box, 18);
  gtk_widget_set_margin_bottom (box, 18);
  g_autofree char *what = g_markup_printf_escaped (
    "<b>%s</b> · %s\nPublished by %s at\n<tt>%s</tt>\nLicence: %s",
    FL_PARAMS_TARBALL_NAME, FL_PARAMS_TARBALL_SIZE_TEXT, FL_PARAMS_TARBALL_PUBLISHER, d->url,
    FL_PARAMS_TARBALL_LICENCE);
  gtk_box_append (GTK_BOX (box), label (what, TRUE));
  g_autofree char *where = g_markup_printf_escaped (
    "Unpacked into <tt>%s</tt>. A cancelled or broken download resumes where it stopped. "
    "DeepMind publishes no checksum: the size is checked against the server's, every "
    "parameter file is opened, and the SHA-256 measured is recorded.", d->dir);
  gtk_box_append (GTK_BOX (box), label (where, TRUE));
  d->bar = gtk_progress_bar_new ();
  gtk_box_append (GTK_BOX (box), d->bar);
  d->status = label ("", TRUE);
  gtk_box_append (GTK_BOX (box), d->status);
  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  d->cancel = gtk_button_new_with_mnemonic ("_Cancel Download");
  d->start = gtk_button_new_with_mnemonic ("_Download");
  gtk_widget_add_css_class (d->start, "suggested-action");
  gtk_box_append (GTK_BOX (buttons), d->cancel);
  gtk_box_append (GTK_BOX (buttons), d->start);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (d->window, box);
  gtk_window_set_default_widget (d->window, d->start);
  gtk_widget_grab_focus (d->start); /* not a selectable label, which would select all */
  g_signal_connect (d->start, "clicked", G_CALLBACK (on_start), d);
  g_signal_connect (d->cancel, "clicked", G_CALLBACK (on_cancel), d);
  g_signal_connect (w, "destroy", G_CALLBACK (on_destroy), d);
  g_object_set_data (G_OBJECT (w), "fl-download-status", d->status);
  set_running (d, FALSE);
  g_autofree char *installed = fl_params_fetch_find_installed (d->dir);
  if (installed)
    {
      g_autofree char *t = g_strdup_printf ("Already installed: %s", installed);
      gtk_label_set_text (GTK_LABEL (d->status), t);
    }
  return d->window;
}

const char *
fl_params_download_window_get_status (GtkWindow *window)
{
  GtkWidget *status = g_object_get_data (G_OBJECT (window), "fl-download-status");
  return status ? gtk_label_get_text (GTK_LABEL (status)) : "";
}
