/* FlApplication: actions, settings, runs and exports of the desktop app. */
#include "fl-application.h"
#include "fl-build-config.h"
#include "fl-error.h"
#include "fl-prediction.h"
#include "fl-npz.h"
#include "fl-structure-io.h"
#include "fl-accuracy.h"
#include "fl-analysis-panels.h"
#include "fl-evoformer-panel.h"
#include "fl-lecture.h"
#include "fl-params-download.h"
#include "fl-params-fetch.h"
#include "fl-template-dialog.h"
#include <math.h>
#include <string.h>

#define APP_ID "org.foldlight.Foldlight"

struct _FlApplication {
  GtkApplication parent_instance;
  GSettings *settings;
  FlRunController *controller;
  FlWindow *window;           /* weak */
  char *params_path;          /* NULL: demo parameters */
  char **startup_templates;   /* --template FILE[:CHAIN]: added to the first document */
  gboolean params_have_templates;  /* the parameters in use have a template stack */
  gboolean run_templates_ignored;  /* the current run's model ignores its templates */
  guint run_n_templates;
  FlTemplateDialog *template_dialog;  /* "Add Template" open now (weak), or NULL */
  FlBackendKind backend;
  int n_threads;
  gboolean run_uses_demo_params;
  gboolean run_shown;         /* the current run's messages go to the window (not after an open) */
  gboolean params_from_command_line;  /* --params: not replaced by the saved choice */
  GtkNativeDialog *dialog;    /* the file chooser open now, if any */
  FlAccuracy *accuracy;       /* vs a reference structure (with the window) */
  FlEvoformerPanel *evoformer; /* attention choices, per-block probe (weak) */
  FlLecture *lecture;         /* presentation mode (with the window) */

  /* --open ... --screenshot: render one view, then quit */
  char **open_paths;
  char *reference_path;       /* --open-reference */
  char *screenshot;
  int frame_number;           /* 1-based; 0 = the last */
  int shot_width, shot_height;
  gint64 shot_start_us;
  int exit_status;

  /* --benchmark */
  gboolean benchmark;
  gint64 bench_run_start_us;
  guint64 bench_draws_at_frame;
  gboolean bench_first_frame_pending;
  double bench_first_frame_s;
  guint bench_source;
};

G_DEFINE_FINAL_TYPE (FlApplication, fl_application, GTK_TYPE_APPLICATION)

static void bench_after_run (FlApplication *self);

/* ------------------------------------------------------------ helpers */

static GSettings *
settings_new (void)
{
  GSettingsSchemaSource *def = g_settings_schema_source_get_default ();
  g_autoptr (GSettingsSchema) schema = def ? g_settings_schema_source_lookup (def, APP_ID, TRUE) : NULL;
  if (!schema)
    {
      /* Not installed: the schema compiled into the build tree. */
      g_autoptr (GSettingsSchemaSource) src =
        g_settings_schema_source_new_from_directory (FL_SCHEMA_DIR, def, FALSE, NULL);
      if (src)
        schema = g_settings_schema_source_lookup (src, APP_ID, FALSE);
    }
  if (!schema)
    {
      g_warning ("GSettings schema %s not found: settings will not be remembered", APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
set_action_enabled (FlApplication *self, const char *name, gboolean enabled)
{
  GAction *a = g_action_map_lookup_action (G_ACTION_MAP (self), name);
  if (a)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (a), enabled);
}

static void
update_run_state (FlApplication *self)
{
  gboolean running = fl_run_controller_is_running (self->controller);
  set_action_enabled (self, "cancel", running);
  /* a run takes the document's templates as they are at its start */
  set_action_enabled (self, "add-template", !running);
  set_action_enabled (self, "add-template-file", !running);
  set_action_enabled (self, "remove-template", !running);
  if (self->window)
    fl_window_set_running (self->window, running);
}

static void
show_error (FlApplication *self, const char *what, const GError *error)
{
  if (self->window)
    fl_window_show_error (self->window, what, error);
  else
    g_printerr ("%s: %s\n", what, error ? error->message : "");
}

static char *
preset_from_filename (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  const char *m = strstr (base, "model_");
  if (!m || !g_ascii_isdigit (m[6]))
    return NULL;
  gboolean ptm = strstr (m, "_ptm") != NULL;
  return g_strdup_printf ("model_%c%s", m[6], ptm ? "_ptm" : "");
}

/* ------------------------------------------------------------ run listener */

static void
on_inputs_ready (FlMsa *msa, FlFeatures *features, gpointer user_data)
{
  FlApplication *self = user_data;
  if (self->window && self->run_shown)
    fl_window_set_run_inputs (self->window, msa, features);
  else
    {
      if (msa)
        fl_msa_free (msa);
      if (features)
        fl_features_free (features);
    }
}

static void
on_run_templates (GPtrArray *hits, gboolean ignored, gpointer user_data)
{
  FlApplication *self = user_data;
  self->run_templates_ignored = ignored && hits && hits->len > 0;
  self->run_n_templates = hits ? hits->len : 0;
  if (self->window && self->run_shown)
    fl_window_set_run_templates (self->window, hits);
  else if (hits)
    g_ptr_array_unref (hits);
}

static void
on_run_started (const char *backend, int L, int n_passes, gpointer user_data)
{
  FlApplication *self = user_data;
  if (self->window)
    fl_window_set_backend (self->window, backend);
}

static void
on_progress (double fraction, const char *text, gpointer user_data)
{
  FlApplication *self = user_data;
  if (self->window && self->run_shown)
    fl_window_set_progress (self->window, fraction, text);
}

static void
on_frame (FlFrame *frame, gpointer user_data)
{
  FlApplication *self = user_data;
  if (!self->window || !self->run_shown)
    return;
  fl_window_add_frame (self->window, frame);
  /* the run's own structure is on screen from its first frame on */
  if (fl_timeline_get_n_frames (fl_window_get_timeline (self->window)) == 1)
    fl_window_set_view_note (self->window, self->run_uses_demo_params
                             ? "Untrained demo parameters: not a prediction" : NULL);
  if (self->benchmark && self->bench_first_frame_pending && self->bench_draws_at_frame == 0)
    self->bench_draws_at_frame =
      fl_structure_view_get_n_draws (fl_window_get_structure_view (self->window)) + 1;
}

static void
on_recycle (FlRecycleData *data, gpointer user_data)
{
  FlApplication *self = user_data;
  if (self->window && self->run_shown)
    fl_window_add_recycle (self->window, data);
}

static void
on_finished (FlResult *result, gpointer user_data)
{
  FlApplication *self = user_data;
  update_run_state (self);
  if (self->window && self->run_shown)
    {
      const float *ptm = fl_result_get (result, "confidence/ptm");
      const float *plddt = fl_result_get (result, "confidence/plddt");
      double mean = 0;
      for (int i = 0; plddt && i < result->L; i++)
        mean += plddt[i];
      mean /= MAX (result->L, 1);
      g_autofree char *text = NULL;
      GString *s = g_string_new (NULL);
      g_string_append_printf (s, "Done: %d pass%s%s in %.1f s · mean pLDDT %.1f", result->n_passes,
                              result->n_passes == 1 ? "" : "es",
                              result->stopped_early ? " (stopped early)" : "", result->seconds, mean);
      if (ptm && !isnan (*ptm))
        g_string_append_printf (s, " · pTM %.2f", *ptm);
      if (self->run_templates_ignored)
        g_string_append_printf (s, " · %u template%s ignored: no template stack in these parameters",
                                self->run_n_templates, self->run_n_templates == 1 ? "" : "s");
      else if (self->run_n_templates > 0)
        g_string_append_printf (s, " · %u template%s", self->run_n_templates,
                                self->run_n_templates == 1 ? "" : "s");
      if (self->run_uses_demo_params)
        g_string_append (s, " · untrained parameters: not a prediction");
      text = g_string_free (s, FALSE);
      fl_window_set_progress (self->window, 1.0, text);
    }
  fl_result_free (result);
  if (self->window)
    fl_window_end_run (self->window);
  if (self->benchmark)
    bench_after_run (self);
}

static void
on_failed (const GError *error, gboolean cancelled, gpointer user_data)
{
  FlApplication *self = user_data;
  update_run_state (self);
  if (!self->window || !self->run_shown)
    return;
  fl_window_end_run (self->window);
  if (cancelled)
    fl_window_set_progress (self->window, 0, "Cancelled");
  else
    {
      fl_window_set_progress (self->window, 0, "The run failed");
      fl_window_show_error (self->window, "The run failed", error);
    }
  /* Before its first frame the view still holds the previous document
   * whole: the run's note ("untrained ... not a prediction") must not label it. */
  if (fl_window_get_document (self->window)->kind != FL_DOCUMENT_RUN
      || fl_timeline_get_n_frames (fl_window_get_timeline (self->window)) == 0)
    fl_window_set_view_note (self->window, cancelled
                             ? "Cancelled before the first frame · showing the previous structure"
                             : "The run made no frame · showing the previous structure");
  if (self->benchmark)
    g_application_quit (G_APPLICATION (self));
}

/* ------------------------------------------------------------ runs */

gboolean
fl_application_start_run (FlApplication *self, GError **error)
{
  g_return_val_if_fail (self->window != NULL, FALSE);
  const char *problem = fl_window_get_input_problem (self->window);
  if (problem)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", problem);
      return FALSE;
    }
  const char *name = NULL;
  g_autofree char *text = fl_window_dup_input_text (self->window, &name);
  g_autofree char *preset = fl_window_dup_preset (self->window);
  FlDocument *doc = fl_window_get_document (self->window);
  FlRunRequest req = {
    .name = name,
    .input_text = text,
    .params_path = self->params_path,
    .preset = preset,
    .num_recycle = fl_window_get_num_recycle (self->window),
    .tolerance = fl_window_get_tolerance (self->window),
    .backend = self->backend,
    .n_threads = self->n_threads,
    .template_hits = doc->templates,
    .template_query = doc->input_query,
  };
  if (self->evoformer)
    {
      req.attention_block = fl_evoformer_panel_get_attention_block (self->evoformer);
      req.attention_residue = fl_evoformer_panel_get_attention_residue (self->evoformer);
      req.probe_blocks = fl_evoformer_panel_get_record_probe (self->evoformer);
    }
  if (!fl_run_controller_start (self->controller, &req, error))
    return FALSE;
  self->run_uses_demo_params = self->params_path == NULL;
  self->run_templates_ignored = FALSE;
  self->run_n_templates = 0;
  self->run_shown = TRUE;
  gboolean shown = fl_window_get_current_frame (self->window) != NULL;
  fl_window_begin_run (self->window, name, text, req.num_recycle);
  fl_window_set_view_note (self->window, shown ? "Running · the previous structure stays until the first frame"
                                               : "Running · the structure appears after the first pass");
  update_run_state (self);
  return TRUE;
}

static void
start_run_or_show (FlApplication *self)
{
  g_autoptr (GError) error = NULL;
  if (!fl_application_start_run (self, &error))
    show_error (self, "Cannot start the run", error);
}

static void
on_confirm_response (GtkDialog *dialog, int response, FlApplication *self)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
  if (response == GTK_RESPONSE_ACCEPT)
    start_run_or_show (self);
}

static void
run_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  if (!self->window)
    return;
  if (!fl_run_controller_is_running (self->controller))
    {
      start_run_or_show (self);
      return;
    }
  /* GTK 4.8 has no GtkAlertDialog: a message dialog asks first. */
  GtkWidget *dialog = gtk_message_dialog_new (GTK_WINDOW (self->window),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT,
                                              GTK_MESSAGE_QUESTION, GTK_BUTTONS_NONE,
                                              "Stop the current run?");
  gtk_message_dialog_format_secondary_text (GTK_MESSAGE_DIALOG (dialog),
                                            "A run is going on. Starting a new one stops it; "
                                            "its frames so far are discarded.");
  gtk_dialog_add_buttons (GTK_DIALOG (dialog), "_Keep Running", GTK_RESPONSE_CANCEL,
                          "_Stop and Run", GTK_RESPONSE_ACCEPT, NULL);
  gtk_dialog_set_default_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
  g_signal_connect (dialog, "response", G_CALLBACK (on_confirm_response), self);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
cancel_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  fl_run_controller_cancel (self->controller);
  if (self->window)
    fl_window_set_progress (self->window, 0, "Cancelling…");
}

/* ------------------------------------------------------------ opening */

/* Opening anything replaces the document: a run going on is stopped and
 * nothing it still sends reaches the window. */
static void
stop_run_for_open (FlApplication *self)
{
  self->run_shown = FALSE;
  if (fl_run_controller_is_running (self->controller))
    fl_run_controller_cancel (self->controller);
  if (self->window)
    fl_window_end_run (self->window);
  update_run_state (self);
}

static FlDocument *
document_from_prediction (FlPrediction *p)
{
  FlDocument *doc = fl_document_new (FL_DOCUMENT_PREDICTION, p->name);
  doc->sequence = g_strdup (p->sequence);
  for (guint k = 0; k < p->frames->len; k++)
    fl_document_add_frame (doc, g_ptr_array_index (p->frames, k));
  for (guint k = 0; k < p->recycles->len; k++)
    fl_document_add_recycle (doc, g_ptr_array_index (p->recycles, k));
  doc->last_recycle = p->last_recycle;
  if (p->msa)
    fl_document_set_input (doc, p->msa_name, p->msa_text, g_steal_pointer (&p->msa));
  else
    fl_document_set_input (doc, p->name, p->sequence, NULL);
  return doc;
}

gboolean
fl_application_open_demo (FlApplication *self, GError **error)
{
  g_autoptr (FlPrediction) p = fl_prediction_new_demo (error);
  if (!p)
    return FALSE;
  if (!self->window)
    return TRUE;
  stop_run_for_open (self);
  g_autoptr (FlDocument) doc = document_from_prediction (p);
  fl_window_set_document (self->window, doc);
  fl_window_set_view_note (self->window, "ColabFold's AlphaFold2 prediction (real pLDDT)");
  fl_window_set_progress (self->window, 0, "Demo: 4-OT predicted by ColabFold · press Run to watch a fold");
  return TRUE;
}

static char *
describe_prediction (const FlPrediction *p)
{
  GString *s = g_string_new ("Opened ");
  g_string_append (s, p->name);
  guint n = p->frames->len;
  if (n > 1 && p->last_recycle >= 0)
    g_string_append_printf (s, " · %u frames, recycle 0–%d", n, p->last_recycle);
  else if (n > 1)
    g_string_append_printf (s, " · %u models", n);
  if (p->found)
    g_string_append_printf (s, " · %s", p->found);
  return g_string_free (s, FALSE);
}

gboolean
fl_application_open_paths (FlApplication *self, const char *const *paths, GError **error)
{
  gboolean has_structure = FALSE;
  const char *alignment = NULL;
  for (int k = 0; paths[k]; k++)
    {
      FlFileKind kind = fl_file_kind_guess (paths[k], NULL);
      if (kind == FL_FILE_KIND_UNKNOWN)
        {
          /* Look inside: a sequence file may have any name. */
          g_autofree char *head = NULL;
          gsize len = 0;
          if (g_file_get_contents (paths[k], &head, &len, NULL))
            kind = fl_file_kind_guess (NULL, head);
        }
      if (kind == FL_FILE_KIND_STRUCTURE)
        has_structure = TRUE;
      else if (kind == FL_FILE_KIND_ALIGNMENT || kind == FL_FILE_KIND_UNKNOWN)
        alignment = paths[k];
    }
  if (paths[0] && self->settings)
    {
      g_autofree char *dir = g_path_get_dirname (paths[0]);
      g_settings_set_string (self->settings, "input-folder", dir);
    }
  if (has_structure)
    {
      g_autoptr (FlPrediction) p = fl_prediction_new_from_files (paths, error);
      if (!p)
        return FALSE;
      if (!self->window)
        return TRUE;
      g_autofree char *text = describe_prediction (p);
      stop_run_for_open (self);
      g_autoptr (FlDocument) doc = document_from_prediction (p);
      fl_window_set_document (self->window, doc);
      fl_window_set_view_note (self->window, NULL);
      fl_window_set_progress (self->window, 0, text);
      return TRUE;
    }
  if (!alignment)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Nothing to open: choose a sequence / alignment, or a structure file");
      return FALSE;
    }
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (alignment, &text, &len, error))
    return FALSE;
  FlMsa *msa = fl_msa_parse_auto (text, (gssize) len, error);
  if (!msa)
    {
      g_prefix_error (error, "%s: ", alignment);
      return FALSE;
    }
  if (!self->window)
    {
      fl_msa_free (msa);
      return TRUE;
    }
  /* an input alone: a document with nothing folded yet */
  stop_run_for_open (self);
  g_autofree char *base = g_path_get_basename (alignment);
  int L = msa->L;
  g_autoptr (FlDocument) doc = fl_document_new (FL_DOCUMENT_INPUT, base);
  doc->sequence = g_strdup (msa->query);
  fl_document_set_input (doc, base, text, msa);
  fl_window_set_document (self->window, doc);
  g_autofree char *note = g_strdup_printf ("%s · %d residues · press Run to fold it", base, L);
  fl_window_set_view_note (self->window, note);
  fl_window_set_progress (self->window, 0, "Input loaded · press Run");
  return TRUE;
}

static void
open_paths_or_show (FlApplication *self, const char *const *paths)
{
  g_autoptr (GError) error = NULL;
  if (!fl_application_open_paths (self, paths, &error))
    show_error (self, "Cannot open", error);
}

static void
set_folder_from_setting (FlApplication *self, GtkFileChooser *chooser, const char *key)
{
  if (!self->settings)
    return;
  g_autofree char *dir = g_settings_get_string (self->settings, key);
  if (dir && *dir && g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_autoptr (GFile) f = g_file_new_for_path (dir);
      gtk_file_chooser_set_current_folder (chooser, f, NULL);
    }
}

static void
add_filter (GtkFileChooser *chooser, const char *name, const char *const *patterns)
{
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, name);
  for (int k = 0; patterns[k]; k++)
    gtk_file_filter_add_pattern (filter, patterns[k]);
  gtk_file_chooser_add_filter (chooser, filter);
  g_object_unref (filter);
}

static void
on_open_response (GtkNativeDialog *dialog, int response, FlApplication *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
      for (guint k = 0; k < g_list_model_get_n_items (files); k++)
        {
          g_autoptr (GFile) f = g_list_model_get_item (files, k);
          char *p = g_file_get_path (f);
          if (p)
            g_ptr_array_add (paths, p);
        }
      g_ptr_array_add (paths, NULL);
      if (paths->len > 1)
        open_paths_or_show (self, (const char *const *) paths->pdata);
    }
  if (self->dialog == dialog)
    self->dialog = NULL;
  g_object_unref (dialog);
}

static void
open_dialog (FlApplication *self, gboolean prediction)
{
  if (!self->window)
    return;
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (prediction ? "Open a Prediction" : "Open a Sequence, Alignment or Prediction",
                                 GTK_WINDOW (self->window), GTK_FILE_CHOOSER_ACTION_OPEN,
                                 "_Open", "_Cancel");
  GtkFileChooser *chooser = GTK_FILE_CHOOSER (native);
  gtk_file_chooser_set_select_multiple (chooser, TRUE);
  static const char *const all[] = { "*.a3m", "*.fasta", "*.fa", "*.faa", "*.sto", "*.pdb", "*.cif",
                                     "*.mmcif", "*.json", "*.txt", NULL };
  static const char *const seqs[] = { "*.a3m", "*.fasta", "*.fa", "*.faa", "*.sto", "*.txt", NULL };
  static const char *const preds[] = { "*.pdb", "*.cif", "*.mmcif", "*.json", "*.a3m", NULL };
  static const char *const any[] = { "*", NULL };
  if (prediction)
    add_filter (chooser, "Predictions: structure + optional scores / PAE JSON and A3M", preds);
  add_filter (chooser, "Sequences, alignments and predictions", all);
  add_filter (chooser, "Sequences and alignments (FASTA, A3M, Stockholm)", seqs);
  if (!prediction)
    add_filter (chooser, "Predictions: structure + optional scores / PAE JSON and A3M", preds);
  add_filter (chooser, "All files", any);
  set_folder_from_setting (self, chooser, "input-folder");
  g_signal_connect (native, "response", G_CALLBACK (on_open_response), self);
  self->dialog = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
open_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  open_dialog (user_data, FALSE);
}

static void
open_result_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  open_dialog (user_data, TRUE);
}

static void
open_demo_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  g_autoptr (GError) error = NULL;
  if (!fl_application_open_demo (self, &error))
    show_error (self, "Cannot open the demo", error);
}

static void
open_uris_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  g_autofree const char **uris = g_variant_get_strv (param, NULL);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  for (int k = 0; uris[k]; k++)
    {
      g_autoptr (GFile) f = g_file_new_for_uri (uris[k]);
      char *p = g_file_get_path (f);
      if (!p)
        {
          g_autoptr (GError) error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                                  "Only local files can be opened: %s", uris[k]);
          show_error (self, "Cannot open", error);
          return;
        }
      g_ptr_array_add (paths, p);
    }
  g_ptr_array_add (paths, NULL);
  if (paths->len > 1)
    open_paths_or_show (self, (const char *const *) paths->pdata);
}

/* ------------------------------------------------------------ parameters */

/* Whether a parameter file holds a template stack (models 1 and 2): its
 * zip directory names the template embedding (the values are not read). */
static gboolean
params_file_has_templates (const char *path)
{
  g_autoptr (FlNpz) npz = fl_npz_open (path, NULL);
  for (guint k = 0; npz && k < fl_npz_n_members (npz); k++)
    if (strstr (fl_npz_member_name (npz, k), "/template_embedding/"))
      return TRUE;
  return FALSE;
}

/* The warning beside the template list when the model in use ignores
 * templates (the window shows it only while the input has some). */
static void
update_template_note (FlApplication *self)
{
  if (!self->window)
    return;
  g_autofree char *base = self->params_path ? g_path_get_basename (self->params_path) : NULL;
  g_autofree char *note = self->params_have_templates ? NULL
    : base ? g_strdup_printf ("%s has no template stack (AlphaFold trained only models 1 and 2 with "
                              "templates): this model will ignore them.", base)
           : g_strdup ("The untrained demo parameters have no template stack: this model will ignore "
                       "them. Models 1 and 2 (params_model_1_ptm.npz, …) use templates.");
  fl_window_set_template_note (self->window, note);
}

void
fl_application_set_params_path (FlApplication *self, const char *path)
{
  g_free (self->params_path);
  self->params_path = path && *path ? g_strdup (path) : NULL;
  self->params_have_templates = self->params_path && params_file_has_templates (self->params_path);
  if (self->window)
    {
      fl_window_set_params (self->window, self->params_path);
      g_autofree char *preset = self->params_path ? preset_from_filename (self->params_path) : NULL;
      if (preset)
        fl_window_set_preset (self->window, preset);
      update_template_note (self);
    }
}

/* ------------------------------------------------------------ templates */

/* The hit of `path` chain `chain_id` in an alignment file (the structure
 * files it names are looked up next to it, else beside `path`). */
static FlTemplateHit *
hit_from_alignment (const char *alignment, const char *path, const char *chain_id,
                    const char *query, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GPtrArray) hits = fl_template_alignment_load (alignment, query, dir, error);
  if (!hits)
    return NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_autoptr (GString) listed = g_string_new (NULL);
  for (guint k = 0; k < hits->len; k++)
    {
      FlTemplateHit *h = g_ptr_array_index (hits, k);
      g_autofree char *hb = g_path_get_basename (h->chain->path);
      if (strcmp (hb, base) == 0 && (!chain_id || strcmp (h->chain->chain_id, chain_id) == 0))
        return g_ptr_array_steal_index (hits, k);
      g_string_append_printf (listed, "%s%s chain %s", listed->len ? ", " : "", hb, h->chain->chain_id);
    }
  g_autofree char *abase = g_path_get_basename (alignment);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
               "%s has no alignment for %s chain %s (it aligns %s)", abase, base,
               chain_id ? chain_id : "(any)", listed->len ? listed->str : "nothing");
  return NULL;
}

gboolean
fl_application_add_template (FlApplication *self, const char *path, const char *chain_id,
                             const char *alignment, GError **error)
{
  if (!self->window)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "No window");
      return FALSE;
    }
  FlDocument *doc = fl_window_get_document (self->window);
  g_autofree char *base = g_path_get_basename (path);
  if (!doc->input_query || !*doc->input_query)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "Open or paste the query sequence first: a template is aligned to it");
      return FALSE;
    }
  if (doc->templates->len >= FL_DOCUMENT_MAX_TEMPLATES)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "This input has %d templates already, the most AlphaFold's models 1 and 2 take: "
                   "remove one before adding %s", FL_DOCUMENT_MAX_TEMPLATES, base);
      return FALSE;
    }
  FlTemplateHit *hit = NULL;
  if (alignment)
    hit = hit_from_alignment (alignment, path, chain_id, doc->input_query, error);
  else
    {
      g_autoptr (GPtrArray) chains = fl_template_chains_read (path, error);
      if (!chains)
        return FALSE;
      int k = -1;
      for (guint i = 0; chain_id && i < chains->len; i++)
        if (strcmp (((FlTemplateChain *) g_ptr_array_index (chains, i))->chain_id, chain_id) == 0)
          k = (int) i;
      if (chain_id && k < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "%s has no protein chain %s",
                       base, chain_id);
          return FALSE;
        }
      if (!chain_id)
        k = fl_template_chains_best (chains, doc->input_query, NULL, NULL);
      if (k < 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "No chain of %s aligns with the query", base);
          return FALSE;
        }
      hit = fl_template_hit_align (g_ptr_array_steal_index (chains, k), doc->input_query, error);
    }
  if (!hit)
    {
      if (!alignment)
        g_prefix_error (error, "%s: ", base);
      return FALSE;
    }
  int aligned = 0, identical = 0;
  fl_template_hit_count (hit, doc->input_query, &aligned, &identical);
  if (aligned == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s chain %s shares no aligned residue with the query", base, hit->chain->chain_id);
      fl_template_hit_free (hit);
      return FALSE;
    }
  g_autofree char *name = g_strdup (hit->chain->domain_name);
  if (!fl_document_add_template (doc, hit, error))
    return FALSE;
  update_template_note (self);
  fl_window_update_templates (self->window);
  g_autofree char *msg = g_strdup_printf ("Template %s added: %d of %zu query residues aligned, "
                                          "%d identical · the next Run uses it%s", name, aligned,
                                          strlen (doc->input_query), identical,
                                          self->params_have_templates ? "" : " (not this model: no template stack)");
  fl_window_set_progress (self->window, 0, msg);
  return TRUE;
}

gboolean
fl_application_remove_template (FlApplication *self, guint k)
{
  if (!self->window)
    return FALSE;
  FlDocument *doc = fl_window_get_document (self->window);
  if (k >= doc->templates->len)
    return FALSE;
  g_autofree char *name = g_strdup (((FlTemplateHit *) g_ptr_array_index (doc->templates, k))->chain->domain_name);
  fl_document_remove_template (doc, k);
  fl_window_update_templates (self->window);
  g_autofree char *msg = g_strdup_printf ("Template %s removed", name);
  fl_window_set_progress (self->window, 0, msg);
  return TRUE;
}

gboolean
fl_application_set_templates (FlApplication *self, const char *const *templates, GError **error)
{
  if (!self->window)
    return TRUE;
  FlDocument *doc = fl_window_get_document (self->window);
  fl_document_set_templates (doc, NULL);
  fl_window_update_templates (self->window);
  for (int k = 0; templates && templates[k]; k++)
    {
      /* FILE[:CHAIN]: a colon followed by a short id and no slash is a chain */
      g_autofree char *file = g_strdup (templates[k]);
      char *colon = strrchr (file, ':');
      const char *chain = NULL;
      if (colon && colon[1] && strlen (colon + 1) <= 4 && !strchr (colon + 1, '/'))
        {
          *colon = '\0';
          chain = colon + 1;
        }
      if (!fl_application_add_template (self, file, chain, NULL, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
add_from_dialog (const char *path, const char *chain_id, const char *alignment, gpointer user_data,
                 GError **error)
{
  return fl_application_add_template (user_data, path, chain_id, alignment, error);
}

/* The chain and alignment dialog for a template file; a file without a
 * protein chain is reported in the window instead. */
static void
open_template_dialog (FlApplication *self, const char *path)
{
  if (!self->window)
    return;
  g_autoptr (GError) error = NULL;
  FlDocument *doc = fl_window_get_document (self->window);
  if (!doc->input_query || !*doc->input_query)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                 "Open or paste the query sequence first: a template is aligned to it");
  else if (doc->templates->len >= FL_DOCUMENT_MAX_TEMPLATES)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "This input has %d templates already, the most AlphaFold's models 1 and 2 take: "
                 "remove one first", FL_DOCUMENT_MAX_TEMPLATES);
  FlTemplateDialog *dialog = error ? NULL
    : fl_template_dialog_new (GTK_WINDOW (self->window), path, doc->input_query, add_from_dialog,
                              self, &error);
  if (!dialog)
    {
      show_error (self, "Cannot add the template", error);
      return;
    }
  if (self->template_dialog)
    gtk_window_destroy (GTK_WINDOW (self->template_dialog));
  self->template_dialog = dialog;
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &self->template_dialog);
  gtk_window_present (GTK_WINDOW (dialog));
}

FlTemplateDialog *
fl_application_get_template_dialog (FlApplication *self)
{
  return self->template_dialog;
}

static void
on_template_file_response (GtkNativeDialog *dialog, int response, FlApplication *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) f = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = f ? g_file_get_path (f) : NULL;
      if (path)
        {
          if (self->settings)
            {
              g_autofree char *dir = g_path_get_dirname (path);
              g_settings_set_string (self->settings, "input-folder", dir);
            }
          open_template_dialog (self, path);
        }
    }
  if (self->dialog == dialog)
    self->dialog = NULL;
  g_object_unref (dialog);
}

static void
add_template_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  if (!self->window)
    return;
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new ("Add a Template Structure (PDB or mmCIF)", GTK_WINDOW (self->window),
                                 GTK_FILE_CHOOSER_ACTION_OPEN, "_Open", "_Cancel");
  static const char *const structures[] = { "*.pdb", "*.ent", "*.cif", "*.mmcif", "*.PDB", "*.CIF", NULL };
  static const char *const any[] = { "*", NULL };
  add_filter (GTK_FILE_CHOOSER (native), "Structures (PDB, mmCIF)", structures);
  add_filter (GTK_FILE_CHOOSER (native), "All files", any);
  set_folder_from_setting (self, GTK_FILE_CHOOSER (native), "input-folder");
  g_signal_connect (native, "response", G_CALLBACK (on_template_file_response), self);
  self->dialog = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
add_template_file_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  open_template_dialog (user_data, g_variant_get_string (param, NULL));
}

static void
remove_template_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  fl_application_remove_template (user_data, g_variant_get_uint32 (param));
}

void
fl_application_set_backend (FlApplication *self, FlBackendKind kind, int n_threads)
{
  self->backend = kind;
  self->n_threads = n_threads;
}

/* A parameter file is checked when chosen (its zip directory and the
 * AlphaFold tensor names, not the 100s of MB of values), so a wrong file
 * is refused at once and the parameters in use stay. */
static gboolean
check_params_file (const char *path, GError **error)
{
  GError *e = NULL;
  g_autoptr (FlNpz) npz = fl_npz_open (path, &e);
  if (!npz)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s is not an AlphaFold parameter file: %s", path, e->message);
      g_error_free (e);
      return FALSE;
    }
  for (guint k = 0; k < fl_npz_n_members (npz); k++)
    if (g_str_has_prefix (fl_npz_member_name (npz, k), "alphafold/alphafold_iteration/"))
      return TRUE;
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
               "%s is an .npz file without AlphaFold's parameter names "
               "(alphafold/alphafold_iteration/...): choose params_model_*.npz from "
               "DeepMind's parameter tarball", path);
  return FALSE;
}

gboolean
fl_application_choose_params (FlApplication *self, const char *path, GError **error)
{
  if (!check_params_file (path, error))
    return FALSE;
  fl_application_set_params_path (self, path);
  if (self->settings)
    {
      g_autofree char *dir = g_path_get_dirname (path);
      g_settings_set_string (self->settings, "params-file", path);
      g_settings_set_string (self->settings, "params-folder", dir);
    }
  return TRUE;
}

static void
on_params_response (GtkNativeDialog *dialog, int response, FlApplication *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) f = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = f ? g_file_get_path (f) : NULL;
      g_autoptr (GError) error = NULL;
      if (path && !fl_application_choose_params (self, path, &error))
        show_error (self, "Cannot use this parameter file", error);
    }
  if (self->dialog == dialog)
    self->dialog = NULL;
  g_object_unref (dialog);
}

static void
choose_params_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  if (!self->window)
    return;
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new ("Choose an AlphaFold Parameter File (params_model_*.npz)",
                                 GTK_WINDOW (self->window), GTK_FILE_CHOOSER_ACTION_OPEN,
                                 "_Choose", "_Cancel");
  static const char *const npz[] = { "*.npz", NULL };
  add_filter (GTK_FILE_CHOOSER (native), "AlphaFold parameters (.npz)", npz);
  set_folder_from_setting (self, GTK_FILE_CHOOSER (native), "params-folder");
  g_signal_connect (native, "response", G_CALLBACK (on_params_response), self);
  self->dialog = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
on_params_downloaded (const char *npz_path, gpointer user_data)
{
  FlApplication *self = user_data;
  fl_application_set_params_path (self, npz_path);
  if (self->settings)
    g_settings_set_string (self->settings, "params-file", npz_path);
}

static void
download_params_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  /* FL_PARAMS_URL: another address (a mirror, or the tests' local server) */
  GtkWindow *w = fl_params_download_window_new (GTK_WINDOW (self->window),
                                                g_getenv ("FL_PARAMS_URL"),
                                                on_params_downloaded, self);
  gtk_window_present (w);
}

/* ------------------------------------------------------------ reference */

gboolean
fl_application_open_reference (FlApplication *self, const char *path, GError **error)
{
  if (!self->accuracy)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "No window to compare in");
      return FALSE;
    }
  return fl_accuracy_set_reference (self->accuracy, path, error);
}

FlAccuracy *
fl_application_get_accuracy (FlApplication *self)
{
  return self->accuracy;
}

FlEvoformerPanel *
fl_application_get_evoformer_panel (FlApplication *self)
{
  return self->evoformer;
}

static void
on_reference_response (GtkNativeDialog *dialog, int response, FlApplication *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) f = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = f ? g_file_get_path (f) : NULL;
      g_autoptr (GError) error = NULL;
      if (path && !fl_application_open_reference (self, path, &error))
        show_error (self, "Cannot open the reference structure", error);
      else if (path && self->window)
        fl_analysis_panels_show_page (FL_ANALYSIS_PANELS (fl_window_get_analysis_panels (self->window)), 3);
    }
  if (self->dialog == dialog)
    self->dialog = NULL;
  g_object_unref (dialog);
}

static void
open_reference_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  if (!self->window)
    return;
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new ("Open the Experimental Structure (PDB or mmCIF)",
                                 GTK_WINDOW (self->window), GTK_FILE_CHOOSER_ACTION_OPEN,
                                 "_Open", "_Cancel");
  static const char *const structures[] = { "*.pdb", "*.cif", "*.mmcif", "*.ent", NULL };
  add_filter (GTK_FILE_CHOOSER (native), "Structures (PDB, mmCIF)", structures);
  g_signal_connect (native, "response", G_CALLBACK (on_reference_response), self);
  self->dialog = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ------------------------------------------------------------ lecture */

static void
toggle_state (GSimpleAction *action, gboolean *out)
{
  g_autoptr (GVariant) state = g_action_get_state (G_ACTION (action));
  *out = !g_variant_get_boolean (state);
  g_simple_action_set_state (action, g_variant_new_boolean (*out));
}

static void
lecture_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  gboolean on;
  toggle_state (action, &on);
  if (self->lecture)
    fl_lecture_set_active (self->lecture, on);
  if (on && self->lecture)
    fl_lecture_set_playing (self->lecture, TRUE);
}

static void
lecture_mode_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  g_simple_action_set_state (action, param);
  if (self->lecture)
    fl_lecture_set_mode (self->lecture,
                         g_strcmp0 (g_variant_get_string (param, NULL), "layers") == 0
                           ? FL_LECTURE_LAYERS : FL_LECTURE_RECYCLES);
}

static void
lecture_dark_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  gboolean on;
  toggle_state (action, &on);
  if (self->lecture)
    fl_lecture_set_dark (self->lecture, on);
}

static void
lecture_panels_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  gboolean on;
  toggle_state (action, &on);
  if (self->lecture)
    fl_lecture_set_panels_visible (self->lecture, on);
}

static void
lecture_play_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  if (self->lecture)
    fl_lecture_set_playing (self->lecture, !fl_lecture_get_playing (self->lecture));
}

FlLecture *
fl_application_get_lecture (FlApplication *self)
{
  return self->lecture;
}

static void
use_demo_params_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  fl_application_set_params_path (self, NULL);
  if (self->settings)
    g_settings_set_string (self->settings, "params-file", "");
}

/* ------------------------------------------------------------ exports */

static int32_t *
aatype_of (const char *sequence, int L)
{
  int32_t *a = g_new (int32_t, MAX (L, 1));
  gsize n = sequence ? strlen (sequence) : 0;
  for (int i = 0; i < L; i++)
    a[i] = i < (int) n ? fl_aatype_from_letter (sequence[i]) : 20;
  return a;
}

gboolean
fl_application_export (FlApplication *self, const char *kind, const char *path,
                       int width, int height, GError **error)
{
  if (!self->window)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_INITIALIZED, "No window");
      return FALSE;
    }
  FlWindow *win = self->window;
  if (g_strcmp0 (kind, "png") == 0)
    {
      FlStructureView *view = fl_window_get_structure_view (win);
      int scale = gtk_widget_get_scale_factor (GTK_WIDGET (view));
      if (width <= 0 || height <= 0)
        {
          width = gtk_widget_get_width (GTK_WIDGET (view)) * scale;
          height = gtk_widget_get_height (GTK_WIDGET (view)) * scale;
        }
      return fl_structure_view_export_png (view, path, width, height, error);
    }
  FlTimeline *tl = fl_window_get_timeline (win);
  gboolean traj = g_str_has_prefix (kind, "traj-");
  FlStructureFormat format = g_str_has_suffix (kind, "cif") ? FL_STRUCTURE_FORMAT_MMCIF : FL_STRUCTURE_FORMAT_PDB;
  FlFrame *current = fl_window_get_current_frame (win);
  if (!current)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "There is no structure to export yet");
      return FALSE;
    }
  int L = current->L;
  g_autofree int32_t *aatype = aatype_of (fl_window_get_sequence (win), L);
  g_autoptr (GArray) models = g_array_new (FALSE, TRUE, sizeof (FlStructureModel));
  g_autoptr (GPtrArray) titles = g_ptr_array_new_with_free_func (g_free);
  guint n = traj ? fl_timeline_get_n_frames (tl) : 1;
  FlDocument *doc = fl_window_get_document (win);
  gboolean by_recycle = doc->kind == FL_DOCUMENT_RUN || doc->last_recycle >= 0;
  for (guint k = 0; k < n; k++)
    {
      /* Trajectories use the superposed frames, so the models do not jump. */
      FlFrame *f = traj ? fl_timeline_get_aligned_frame (tl, k) : current;
      if (f->L != L)
        continue;
      /* the titles read back as the same timeline (fl_frame_title) */
      char *title = by_recycle && f->n_layers > 0 ? fl_frame_title (f->recycle, f->layer)
        : f->n_layers == 0 ? g_strdup_printf ("model %d", f->recycle + 1)
        : g_strdup (fl_window_get_title_name (win) ? fl_window_get_title_name (win) : "structure");
      g_ptr_array_add (titles, title);
      FlStructureModel m = { title, aatype, f->atom37, f->atom37_mask, f->plddt };
      g_array_append_val (models, m);
    }
  return fl_structure_write (path, format, "foldlight", L, (FlStructureModel *) models->data,
                             (int) models->len, error);
}

static void
on_export_response (GtkNativeDialog *dialog, int response, FlApplication *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      const char *kind = g_object_get_data (G_OBJECT (dialog), "fl-kind");
      g_autoptr (GFile) f = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = f ? g_file_get_path (f) : NULL;
      int w = 0, h = 0;
      const char *size = gtk_file_chooser_get_choice (GTK_FILE_CHOOSER (dialog), "size");
      if (size && strcmp (size, "view") != 0)
        {
          if (strcmp (size, "2x") == 0 && self->window)
            {
              GtkWidget *v = GTK_WIDGET (fl_window_get_structure_view (self->window));
              w = 2 * gtk_widget_get_width (v) * gtk_widget_get_scale_factor (v);
              h = 2 * gtk_widget_get_height (v) * gtk_widget_get_scale_factor (v);
            }
          else if (sscanf (size, "%dx%d", &w, &h) != 2)
            w = h = 0;
        }
      g_autoptr (GError) error = NULL;
      if (path && !fl_application_export (self, kind, path, w, h, &error))
        show_error (self, "Cannot export", error);
      else if (path && self->window)
        {
          g_autofree char *msg = g_strdup_printf ("Saved %s", path);
          fl_window_set_progress (self->window, 1.0, msg);
        }
    }
  if (self->dialog == dialog)
    self->dialog = NULL;
  g_object_unref (dialog);
}

static void
export_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  if (!self->window)
    return;
  const char *kind = g_variant_get_string (param, NULL);
  static const struct { const char *kind, *title, *name, *filter, *pattern; } kinds[] = {
    { "pdb", "Export the Structure as PDB", "structure.pdb", "PDB files (.pdb)", "*.pdb" },
    { "cif", "Export the Structure as mmCIF", "structure.cif", "mmCIF files (.cif)", "*.cif" },
    { "traj-pdb", "Export Every Frame as a Multi-Model PDB", "trajectory.pdb", "PDB files (.pdb)", "*.pdb" },
    { "traj-cif", "Export Every Frame as a Multi-Model mmCIF", "trajectory.cif", "mmCIF files (.cif)", "*.cif" },
    { "png", "Export the 3D View as PNG", "foldlight.png", "PNG images (.png)", "*.png" },
  };
  int k = -1;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (strcmp (kinds[i].kind, kind) == 0)
      k = (int) i;
  if (k < 0)
    return;
  GtkFileChooserNative *native =
    gtk_file_chooser_native_new (kinds[k].title, GTK_WINDOW (self->window),
                                 GTK_FILE_CHOOSER_ACTION_SAVE, "_Save", "_Cancel");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), kinds[k].name);
  /* a named filter: without one the chooser lists a "(None)" filter */
  add_filter (GTK_FILE_CHOOSER (native), kinds[k].filter, (const char *[]) { kinds[k].pattern, NULL });
  if (strcmp (kind, "png") == 0)
    {
      static const char *ids[] = { "view", "2x", "1920x1080", "3840x2160", "4000x4000", NULL };
      static const char *labels[] = { "As the view", "Twice the view", "1920 × 1080", "3840 × 2160",
                                      "4000 × 4000", NULL };
      gtk_file_chooser_add_choice (GTK_FILE_CHOOSER (native), "size", "Size", ids, labels);
      gtk_file_chooser_set_choice (GTK_FILE_CHOOSER (native), "size", "2x");
    }
  set_folder_from_setting (self, GTK_FILE_CHOOSER (native), "input-folder");
  g_object_set_data_full (G_OBJECT (native), "fl-kind", g_strdup (kind), g_free);
  g_signal_connect (native, "response", G_CALLBACK (on_export_response), self);
  self->dialog = GTK_NATIVE_DIALOG (native);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ------------------------------------------------------------ window, about */

static void
fullscreen_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  if (!self->window)
    return;
  if (gtk_window_is_fullscreen (GTK_WINDOW (self->window)))
    gtk_window_unfullscreen (GTK_WINDOW (self->window));
  else
    gtk_window_fullscreen (GTK_WINDOW (self->window));
}

static void
about_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  static const char *authors[] = { "The Foldlight contributors", NULL };
  GtkWidget *about = gtk_about_dialog_new ();
  GtkAboutDialog *a = GTK_ABOUT_DIALOG (about);
  gtk_about_dialog_set_program_name (a, "Foldlight");
  gtk_about_dialog_set_version (a, FL_VERSION);
  gtk_about_dialog_set_logo_icon_name (a, APP_ID);
  gtk_about_dialog_set_comments (a,
    "Watch AlphaFold2 fold a protein: every recycle and structure-module layer, live.\n\n"
    "AlphaFold2: Jumper, J. et al. Highly accurate protein structure prediction with "
    "AlphaFold. Nature 596, 583–589 (2021). doi:10.1038/s41586-021-03819-2\n\n"
    "AlphaFold's model parameters are © DeepMind and licensed under CC BY 4.0 "
    "(creativecommons.org/licenses/by/4.0); they are not part of Foldlight. "
    "Without them Foldlight runs small untrained demo parameters, whose structures are not predictions.\n\n"
    "Demo: 4-OT predicted by ColabFold (Mirdita, M. et al. Nature Methods 19, 679–682, 2022).");
  gtk_about_dialog_set_license_type (a, GTK_LICENSE_APACHE_2_0);
  gtk_about_dialog_set_authors (a, authors);
  gtk_about_dialog_set_wrap_license (a, TRUE);
  gtk_about_dialog_add_credit_section (a, "AlphaFold2 (model and parameters, CC BY 4.0)",
                                       (const char *[]) { "DeepMind: Jumper et al., Nature 2021", NULL });
  if (self->window)
    {
      gtk_window_set_transient_for (GTK_WINDOW (about), GTK_WINDOW (self->window));
      gtk_window_set_modal (GTK_WINDOW (about), TRUE);
    }
  gtk_window_present (GTK_WINDOW (about));
}

static void
quit_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  FlApplication *self = user_data;
  fl_run_controller_cancel (self->controller);
  if (self->window)
    gtk_window_destroy (GTK_WINDOW (self->window));
  g_application_quit (G_APPLICATION (self));
}

static const GActionEntry app_actions[] = {
  { "open", open_activated, NULL, NULL, NULL, { 0 } },
  { "open-result", open_result_activated, NULL, NULL, NULL, { 0 } },
  { "open-demo", open_demo_activated, NULL, NULL, NULL, { 0 } },
  { "open-uris", open_uris_activated, "as", NULL, NULL, { 0 } },
  { "run", run_activated, NULL, NULL, NULL, { 0 } },
  { "cancel", cancel_activated, NULL, NULL, NULL, { 0 } },
  { "export", export_activated, "s", NULL, NULL, { 0 } },
  { "choose-params", choose_params_activated, NULL, NULL, NULL, { 0 } },
  { "use-demo-params", use_demo_params_activated, NULL, NULL, NULL, { 0 } },
  { "download-params", download_params_activated, NULL, NULL, NULL, { 0 } },
  { "open-reference", open_reference_activated, NULL, NULL, NULL, { 0 } },
  { "add-template", add_template_activated, NULL, NULL, NULL, { 0 } },
  { "add-template-file", add_template_file_activated, "s", NULL, NULL, { 0 } },
  { "remove-template", remove_template_activated, "u", NULL, NULL, { 0 } },
  { "lecture", lecture_activated, NULL, "false", NULL, { 0 } },
  { "lecture-mode", lecture_mode_activated, "s", "'recycles'", NULL, { 0 } },
  { "lecture-dark", lecture_dark_activated, NULL, "false", NULL, { 0 } },
  { "lecture-panels", lecture_panels_activated, NULL, "false", NULL, { 0 } },
  { "lecture-play", lecture_play_activated, NULL, NULL, NULL, { 0 } },
  { "fullscreen", fullscreen_activated, NULL, NULL, NULL, { 0 } },
  { "about", about_activated, NULL, NULL, NULL, { 0 } },
  { "quit", quit_activated, NULL, NULL, NULL, { 0 } },
};

/* ------------------------------------------------------------ benchmark */

/* Run -> first frame on screen (CPU, demo), then orbit frames per second
 * at ~2,000 residues (the demo chain repeated). Printed, then quit. */

static gboolean
bench_poll_first_frame (gpointer user_data)
{
  FlApplication *self = user_data;
  FlStructureView *view = fl_window_get_structure_view (self->window);
  if (self->bench_draws_at_frame && fl_structure_view_get_n_draws (view) >= self->bench_draws_at_frame)
    {
      self->bench_first_frame_s = (g_get_monotonic_time () - self->bench_run_start_us) / 1e6;
      g_print ("benchmark: Run -> first frame on screen: %.3f s (first frame delivered after %.3f s)\n",
               self->bench_first_frame_s,
               fl_run_controller_get_first_frame_seconds (self->controller));
      self->bench_first_frame_pending = FALSE;
      self->bench_source = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

typedef struct {
  FlApplication *app;
  gint64 start_us;
  guint64 draws0;
  int ticks;
} OrbitBench;

static gboolean
bench_orbit_tick (GtkWidget *widget, GdkFrameClock *clock, gpointer user_data)
{
  OrbitBench *b = user_data;
  FlStructureView *view = FL_STRUCTURE_VIEW (widget);
  gint64 now = g_get_monotonic_time ();
  if (b->ticks == 0)
    {
      b->start_us = now;
      b->draws0 = fl_structure_view_get_n_draws (view);
    }
  b->ticks++;
  fl_structure_view_rotate (view, 2.0, 0.3);
  double s = (now - b->start_us) / 1e6;
  if (s >= 5.0)
    {
      guint64 draws = fl_structure_view_get_n_draws (view) - b->draws0;
      FlFrame *f = fl_structure_view_get_frame (view);
      g_print ("benchmark: orbit at %d residues: %.1f frames/s (%" G_GUINT64_FORMAT " frames in %.1f s, %s)\n",
               f ? f->L : 0, draws / s, draws, s, fl_structure_view_get_renderer (view));
      g_application_quit (G_APPLICATION (b->app));
      g_free (b);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* The demo chain repeated on a grid to about n residues (one chain, with
 * gaps between copies so the cartoon breaks there). */
static FlFrame *
bench_big_frame (FlFrame *unit, const char *seq, int n, char **sequence_out)
{
  int copies = MAX (1, (n + unit->L - 1) / unit->L);
  int L = copies * unit->L;
  FlFrame *f = fl_frame_new (0, 0, 1, L);
  GString *s = g_string_new (NULL);
  int side = (int) ceil (cbrt (copies));
  for (int c = 0; c < copies; c++)
    {
      float off[3] = { 40.f * (c % side), 40.f * ((c / side) % side), 40.f * (c / (side * side)) };
      for (int i = 0; i < unit->L; i++)
        {
          gsize dst = (gsize) (c * unit->L + i);
          for (int a = 0; a < 37; a++)
            {
              f->atom37_mask[dst * 37 + a] = unit->atom37_mask[(gsize) i * 37 + a];
              for (int k = 0; k < 3; k++)
                f->atom37[(dst * 37 + a) * 3 + k] = unit->atom37[((gsize) i * 37 + a) * 3 + k] + off[k];
            }
          f->plddt[dst] = unit->plddt[i];
        }
      g_string_append (s, seq);
    }
  f->mean_plddt = unit->mean_plddt;
  *sequence_out = g_string_free (s, FALSE);
  return f;
}

static void
bench_after_run (FlApplication *self)
{
  if (!self->window)
    return;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlPrediction) p = fl_prediction_new_demo (&error);
  if (!p)
    {
      g_printerr ("benchmark: %s\n", error->message);
      g_application_quit (G_APPLICATION (self));
      return;
    }
  g_autofree char *seq = NULL;
  FlFrame *big = bench_big_frame (p->frame, p->sequence, 2000, &seq);
  FlStructureView *view = fl_window_get_structure_view (self->window);
  g_autoptr (FlDocument) doc = fl_document_new (FL_DOCUMENT_PREDICTION, "benchmark: demo chain repeated");
  doc->sequence = g_strdup (seq);
  fl_document_add_frame (doc, big);
  fl_window_set_document (self->window, doc);
  g_print ("benchmark: cartoon build at %d residues: %.1f ms\n", big->L,
           fl_structure_view_get_last_build_ms (view));
  fl_frame_unref (big);
  OrbitBench *b = g_new0 (OrbitBench, 1);
  b->app = self;
  gtk_widget_add_tick_callback (GTK_WIDGET (view), bench_orbit_tick, b, NULL);
}

static gboolean
bench_start (gpointer user_data)
{
  FlApplication *self = user_data;
  g_autoptr (GError) error = NULL;
  fl_application_set_params_path (self, NULL);
  fl_application_set_backend (self, FL_BACKEND_KIND_CPU, 0);
  self->bench_first_frame_pending = TRUE;
  self->bench_draws_at_frame = 0;
  self->bench_run_start_us = g_get_monotonic_time ();
  if (!fl_application_start_run (self, &error))
    {
      g_printerr ("benchmark: %s\n", error->message);
      g_application_quit (G_APPLICATION (self));
      return G_SOURCE_REMOVE;
    }
  self->bench_source = g_timeout_add (2, bench_poll_first_frame, self);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------------------ life cycle */

/* --screenshot: once the view has drawn, the chosen frame goes to a PNG
 * (rendered offscreen at the asked size), then the app quits. */
static gboolean
screenshot_poll (gpointer user_data)
{
  FlApplication *self = user_data;
  if (!self->window)
    return G_SOURCE_REMOVE;
  FlStructureView *view = fl_window_get_structure_view (self->window);
  g_autoptr (GError) error = NULL;
  if (fl_structure_view_get_n_draws (view) == 0)
    {
      if (g_get_monotonic_time () - self->shot_start_us < 60 * G_USEC_PER_SEC)
        return G_SOURCE_CONTINUE;
      g_printerr ("foldlight: the 3D view was not drawn within 60 s (no display or no OpenGL 3.3?)\n");
      self->exit_status = 1;
      g_application_quit (G_APPLICATION (self));
      return G_SOURCE_REMOVE;
    }
  FlTimeline *tl = fl_window_get_timeline (self->window);
  guint n = fl_timeline_get_n_frames (tl);
  if (n == 0)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "There is no structure to render");
  else if (self->frame_number > (int) n)
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                 "--frame %d: the timeline has %u frame%s", self->frame_number, n, n == 1 ? "" : "s");
  else
    {
      fl_timeline_set_position (tl, self->frame_number > 0 ? self->frame_number - 1 : n - 1.0, FALSE);
      if (fl_application_export (self, "png", self->screenshot, self->shot_width, self->shot_height, &error))
        g_print ("%s: %s\n", self->screenshot, fl_timeline_get_label (tl));
    }
  if (error)
    {
      g_printerr ("foldlight: %s\n", error->message);
      self->exit_status = 1;
    }
  g_application_quit (G_APPLICATION (self));
  return G_SOURCE_REMOVE;
}

const char *
fl_application_get_params_path (FlApplication *self)
{
  return self->params_path;
}

int
fl_application_get_exit_status (FlApplication *self)
{
  return self->exit_status;
}

GtkNativeDialog *
fl_application_get_dialog (FlApplication *self)
{
  return self->dialog;
}

FlWindow *
fl_application_get_window (FlApplication *self)
{
  return self->window;
}

FlRunController *
fl_application_get_run_controller (FlApplication *self)
{
  return self->controller;
}

GSettings *
fl_application_get_settings (FlApplication *self)
{
  return self->settings;
}

static void
fl_application_startup (GApplication *app)
{
  FlApplication *self = FL_APPLICATION (app);
  G_APPLICATION_CLASS (fl_application_parent_class)->startup (app);
  gtk_window_set_default_icon_name (APP_ID); /* from the GResource icons/ when not installed */
  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions, G_N_ELEMENTS (app_actions), self);
  GtkApplication *gapp = GTK_APPLICATION (app);
  gtk_application_set_accels_for_action (gapp, "app.open", (const char *[]) { "<Control>o", NULL });
  gtk_application_set_accels_for_action (gapp, "app.run",
                                         (const char *[]) { "<Control>Return", "<Control>KP_Enter", NULL });
  gtk_application_set_accels_for_action (gapp, "app.cancel", (const char *[]) { "Escape", NULL });
  gtk_application_set_accels_for_action (gapp, "app.add-template", (const char *[]) { "<Control>t", NULL });
  gtk_application_set_accels_for_action (gapp, "app.lecture", (const char *[]) { "F5", NULL });
  gtk_application_set_accels_for_action (gapp, "app.export::pdb", (const char *[]) { "<Control>s", NULL });
  gtk_application_set_accels_for_action (gapp, "app.fullscreen", (const char *[]) { "F11", NULL });
  gtk_application_set_accels_for_action (gapp, "app.quit", (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (gapp, "win.reset-view", (const char *[]) { "<Control>r", NULL });
  self->settings = settings_new ();
  static const FlRunListener listener = {
    .inputs_ready = on_inputs_ready,
    .templates = on_run_templates,
    .started = on_run_started,
    .progress = on_progress,
    .frame = on_frame,
    .recycle = on_recycle,
    .finished = on_finished,
    .failed = on_failed,
  };
  self->controller = fl_run_controller_new (&listener, self);
  update_run_state (self);
}

static void
fl_application_activate (GApplication *app)
{
  FlApplication *self = FL_APPLICATION (app);
  if (self->window)
    {
      gtk_window_present (GTK_WINDOW (self->window));
      return;
    }
  self->window = fl_window_new (GTK_APPLICATION (app));
  g_object_add_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  fl_window_bind_settings (self->window, self->settings);
  self->accuracy = fl_accuracy_new (self->window);
  GtkWidget *evo = fl_evoformer_panel_new (self->window);
  fl_analysis_panels_add_page (FL_ANALYSIS_PANELS (fl_window_get_analysis_panels (self->window)),
                               evo, "Evoformer");
  self->evoformer = FL_EVOFORMER_PANEL (evo);
  self->lecture = fl_lecture_new (self->window, self->accuracy);
  g_object_add_weak_pointer (G_OBJECT (evo), (gpointer *) &self->evoformer);
  /* Until a run says which backend it got. */
  g_autofree char *backend = FL_HAVE_CUDA
    ? g_strdup_printf ("GPU (CUDA) when one is found, else CPU, %u threads", g_get_num_processors ())
    : g_strdup_printf ("CPU, %u threads", g_get_num_processors ());
  fl_window_set_backend (self->window, backend);
  g_autofree char *params = self->params_from_command_line
    ? g_strdup (self->params_path)
    : self->settings ? g_settings_get_string (self->settings, "params-file") : NULL;
  if (params && *params && !g_file_test (params, G_FILE_TEST_EXISTS))
    {
      if (self->params_from_command_line)
        g_printerr ("foldlight: %s: no such parameter file; using the demo parameters\n", params);
      g_clear_pointer (&params, g_free);
    }
  fl_application_set_params_path (self, params);
  g_autoptr (GError) error = NULL;
  if (self->open_paths)
    {
      if (!fl_application_open_paths (self, (const char *const *) self->open_paths, &error))
        {
          show_error (self, "Cannot open", error);
          if (self->screenshot)
            {
              g_printerr ("foldlight: %s\n", error->message);
              self->exit_status = 1;
              g_application_quit (app);
              return;
            }
        }
    }
  else if (!fl_application_open_demo (self, &error))
    show_error (self, "Cannot open the demo", error);
  g_clear_error (&error);
  if (self->startup_templates
      && !fl_application_set_templates (self, (const char *const *) self->startup_templates, &error))
    {
      show_error (self, "Cannot add the template", error);
      g_clear_error (&error);
    }
  if (self->reference_path && !fl_application_open_reference (self, self->reference_path, &error))
    {
      show_error (self, "Cannot open the reference structure", error);
      if (self->screenshot)
        {
          g_printerr ("foldlight: %s\n", error->message);
          self->exit_status = 1;
          g_application_quit (app);
          return;
        }
    }
  update_run_state (self);
  gtk_window_present (GTK_WINDOW (self->window));
  if (self->screenshot)
    {
      self->shot_start_us = g_get_monotonic_time ();
      g_timeout_add (20, screenshot_poll, self);
    }
  if (self->benchmark)
    g_timeout_add (500, bench_start, self);
}

static void
fl_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  FlApplication *self = FL_APPLICATION (app);
  g_application_activate (app);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  for (int k = 0; k < n_files; k++)
    {
      char *p = g_file_get_path (files[k]);
      if (p)
        g_ptr_array_add (paths, p);
    }
  g_ptr_array_add (paths, NULL);
  if (paths->len > 1)
    open_paths_or_show (self, (const char *const *) paths->pdata);
}

static int
fl_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  FlApplication *self = FL_APPLICATION (app);
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("foldlight %s\n", FL_VERSION);
      return 0;
    }
  if (g_variant_dict_contains (options, "benchmark"))
    self->benchmark = TRUE;
  g_autofree char **templates = NULL;
  if (g_variant_dict_lookup (options, "template", "^a&ay", &templates) && templates)
    {
      g_strfreev (self->startup_templates);
      self->startup_templates = g_strdupv (templates);
    }
  const char *params = NULL;
  if (g_variant_dict_lookup (options, "params", "^&ay", &params) && params && *params)
    {
      g_free (self->params_path);
      self->params_path = g_strdup (params);
      self->params_from_command_line = TRUE;
    }
  g_variant_dict_lookup (options, "open", "^aay", &self->open_paths);
  g_variant_dict_lookup (options, "screenshot", "^ay", &self->screenshot);
  g_variant_dict_lookup (options, "open-reference", "^ay", &self->reference_path);
  const char *size = NULL;
  if (g_variant_dict_lookup (options, "size", "&s", &size))
    {
      char x = 0, rest = 0;
      if (sscanf (size, "%d%c%d%c", &self->shot_width, &x, &self->shot_height, &rest) != 3
          || (x != 'x' && x != 'X') || self->shot_width < 1 || self->shot_height < 1
          || self->shot_width > 16384 || self->shot_height > 16384)
        {
          g_printerr ("foldlight: --size %s: give WIDTHxHEIGHT in pixels (1 to 16384), e.g. 1200x900\n", size);
          return 2;
        }
    }
  else
    self->shot_width = 1200, self->shot_height = 900;
  if (g_variant_dict_lookup (options, "frame", "i", &self->frame_number) && self->frame_number < 1)
    {
      g_printerr ("foldlight: --frame counts from 1 (frame 1 = the first of the timeline)\n");
      return 2;
    }
  if ((self->frame_number || g_variant_dict_contains (options, "size")) && !self->screenshot)
    {
      g_printerr ("foldlight: --frame and --size go with --screenshot OUT.png\n");
      return 2;
    }
  return -1;
}

static void
fl_application_dispose (GObject *object)
{
  FlApplication *self = FL_APPLICATION (object);
  if (self->dialog)
    {
      gtk_native_dialog_destroy (self->dialog);
      self->dialog = NULL;
    }
  if (self->template_dialog)
    gtk_window_destroy (GTK_WINDOW (self->template_dialog));
  g_clear_object (&self->controller);
  g_clear_object (&self->settings);
  if (self->bench_source)
    {
      g_source_remove (self->bench_source);
      self->bench_source = 0;
    }
  G_OBJECT_CLASS (fl_application_parent_class)->dispose (object);
}

static void
fl_application_finalize (GObject *object)
{
  FlApplication *self = FL_APPLICATION (object);
  g_free (self->params_path);
  g_strfreev (self->open_paths);
  g_free (self->reference_path);
  g_free (self->screenshot);
  g_strfreev (self->startup_templates);
  fl_lecture_free (self->lecture);
  fl_accuracy_free (self->accuracy);
  G_OBJECT_CLASS (fl_application_parent_class)->finalize (object);
}

static void
fl_application_class_init (FlApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  object_class->dispose = fl_application_dispose;
  object_class->finalize = fl_application_finalize;
  app_class->startup = fl_application_startup;
  app_class->activate = fl_application_activate;
  app_class->open = fl_application_open;
  app_class->handle_local_options = fl_application_handle_local_options;
}

static void
fl_application_init (FlApplication *self)
{
  static const GOptionEntry entries[] = {
    { "version", 0, 0, G_OPTION_ARG_NONE, NULL, "Print the version", NULL },
    { "benchmark", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_NONE, NULL,
      "Print Run-to-first-frame and orbit benchmarks, then quit", NULL },
    { "open", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
      "Open FILE instead of the demo (repeat for a structure's scores / PAE JSON or alignment)", "FILE" },
    { "open-reference", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      "Compare every frame with this experimental structure (PDB or mmCIF): accuracy tab, "
      "numbers over the 3D view, thin grey trace", "FILE" },
    { "frame", 0, 0, G_OPTION_ARG_INT, NULL,
      "With --screenshot: frame N of the timeline (1 = the first; default the last)", "N" },
    { "screenshot", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      "Render the 3D view offscreen to OUT.png and quit", "OUT.png" },
    { "size", 0, 0, G_OPTION_ARG_STRING, NULL, "With --screenshot: WIDTHxHEIGHT in pixels (default 1200x900)", "WxH" },
    { "params", 0, 0, G_OPTION_ARG_FILENAME, NULL,
      "Parameter file (.npz) for this session", "PARAMS.npz" },
    { "template", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, NULL,
      "Template structure (PDB or mmCIF, chain after ':') of the first input for models 1 and 2, "
      "aligned to the query globally; repeat for more (at most 4)", "FILE[:CHAIN]" },
    { NULL, 0, 0, 0, NULL, NULL, NULL },
  };
  g_application_add_main_option_entries (G_APPLICATION (self), entries);
  self->backend = FL_BACKEND_KIND_AUTO;
}

FlApplication *
fl_application_new (void)
{
  return g_object_new (FL_TYPE_APPLICATION, "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE | G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/foldlight/Foldlight", NULL);
}
