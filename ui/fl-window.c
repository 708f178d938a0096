/* FlWindow: the main window. */
#include "fl-window.h"
#include "fl-residue-constants.h"
#include "fl-analysis-panels.h"
#include "fl-msa.h"
#include "fl-pair-map-view.h"
#include <math.h>
#include <string.h>

struct _FlWindow {
  GtkApplicationWindow parent_instance;

  /* template children */
  GtkWidget *header_bar;
  GtkWidget *run_button;
  GtkWidget *cancel_button;
  GtkWidget *subtitle_label;
  GtkWidget *model_button;
  GtkWidget *params_label;
  GtkWidget *preset_dropdown;
  GtkWidget *error_bar;
  GtkWidget *error_label;
  GtkWidget *demo_params_bar;
  GtkWidget *sequence_entry;
  GtkWidget *input_label;
  GtkWidget *recycles_spin;
  GtkWidget *tolerance_spin;
  GtkWidget *add_template_button;
  GtkWidget *templates_box;
  GtkWidget *templates_title;
  GtkWidget *templates_note;
  GtkWidget *templates_list;
  GtkWidget *view_overlay;
  FlStructureView *structure_view;
  GtkWidget *hover_label;
  GtkWidget *view_note_label;
  GtkWidget *legend_box;
  GtkWidget *legend_title;
  GtkWidget *legend_rows[4];
  FlTimeline *timeline;
  GtkWidget *analysis_area;
  GtkWidget *progress_bar;
  GtkWidget *status_label;
  GtkWidget *backend_label;
  GtkWidget *panels;   /* FlAnalysisPanels or NULL */
  GtkWidget *paned;

  FlDocument *doc;      /* what is shown: one input or result, never NULL */
  FlDocument *pending;  /* a run before its first frame (the view keeps doc) */
  char *input_problem;  /* why Run would refuse the pasted text, or NULL */
  double split;         /* the 3D view's share of the paned's width */
  int paned_max;
  gboolean setting_split;
  gboolean dragging_handle;
  guint split_source;
  gboolean running;
  gboolean setting_entry;
};

G_DEFINE_FINAL_TYPE (FlWindow, fl_window, GTK_TYPE_APPLICATION_WINDOW)

static void show_templates (FlWindow *self, GPtrArray *hits);

/* ------------------------------------------------------------ helpers */

static char *
clean_sequence (const char *text)
{
  GString *s = g_string_new (NULL);
  for (const char *p = text; p && *p; p++)
    if (g_ascii_isalpha (*p))
      g_string_append_c (s, g_ascii_toupper (*p));
  return g_string_free (s, FALSE);
}

static void
update_subtitle (FlWindow *self)
{
  gtk_label_set_text (GTK_LABEL (self->subtitle_label), self->doc->title ? self->doc->title : "");
}

static void
set_entry_text (FlWindow *self, const char *text)
{
  self->setting_entry = TRUE;
  gtk_editable_set_text (GTK_EDITABLE (self->sequence_entry), text ? text : "");
  self->setting_entry = FALSE;
}

static void
update_panels_recycles (FlWindow *self, int current)
{
  if (self->panels)
    fl_analysis_panels_set_recycles (FL_ANALYSIS_PANELS (self->panels), self->doc->recycles, current);
}

static void
update_panels_msa (FlWindow *self)
{
  if (self->panels)
    fl_analysis_panels_set_msa (FL_ANALYSIS_PANELS (self->panels), self->doc->msa, self->doc->features);
}

/* ------------------------------------------------------------ input */

static void
update_input_label (FlWindow *self)
{
  FlDocument *d = self->doc;
  g_autofree char *label = NULL;
  if (d->msa && d->input_name)
    label = g_strdup_printf ("%s · %d sequence%s · %d residues", d->input_name, d->msa->n_rows,
                             d->msa->n_rows == 1 ? "" : "s", d->msa->L);
  else if (d->input_name)
    label = g_strdup_printf ("%s · %zu residues", d->input_name,
                             d->input_query ? strlen (d->input_query) : (gsize) 0);
  else
    label = g_strdup ("");
  gtk_label_set_text (GTK_LABEL (self->input_label), label);
  gtk_widget_set_tooltip_text (self->input_label, label);
  g_clear_pointer (&self->input_problem, g_free);
  gtk_widget_set_sensitive (self->run_button, TRUE);
}

/* Every view shows `doc` and nothing else: the timeline holds its frames,
 * the panels its alignment and maps, the 3D view its structure with the
 * camera fitted afresh, and no selection, brush or hover of the previous
 * document survives. */
static void
apply_document (FlWindow *self)
{
  FlDocument *d = self->doc;
  update_subtitle (self);
  set_entry_text (self, d->input_query);
  update_input_label (self);
  gtk_widget_set_visible (self->hover_label, FALSE);
  fl_structure_view_set_highlight (self->structure_view, -1, -1);
  fl_structure_view_set_selected_ranges (self->structure_view, -1, -1, -1, -1);
  fl_structure_view_set_selected (self->structure_view, -1);
  d->selected = -1;
  d->camera_fitted = FALSE;
  if (self->panels)
    {
      FlAnalysisPanels *panels = FL_ANALYSIS_PANELS (self->panels);
      fl_analysis_panels_reset (panels);
      fl_analysis_panels_set_msa (panels, d->msa, d->features);
      if (!d->msa)
        fl_pair_map_view_set_sequence (FL_PAIR_MAP_VIEW (fl_analysis_panels_get_pair_map_view (panels)),
                                       d->sequence);
      fl_analysis_panels_set_recycles (panels, d->recycles, -1);
    }
  /* the input's templates (list, coverage tracks, grey traces), or none */
  fl_window_update_templates (self);
  fl_timeline_clear (self->timeline, d->last_recycle);
  if (d->frames->len == 0)
    fl_structure_view_set_frame (self->structure_view, NULL, NULL, FALSE);
  fl_timeline_set_follow_live (self->timeline, TRUE);
  for (guint k = 0; k < d->frames->len; k++)
    fl_timeline_add_frame (self->timeline, g_ptr_array_index (d->frames, k));
  for (guint k = 0; k < d->recycles->len; k++)
    {
      FlRecycleData *r = g_ptr_array_index (d->recycles, k);
      fl_timeline_set_recycle_scores (self->timeline, r->recycle, r->mean_plddt, r->ptm);
    }
  if (d->frames->len > 1)
    fl_timeline_set_position (self->timeline, d->frames->len - 1.0, FALSE);
  fl_window_clear_error (self);
}

void
fl_window_set_document (FlWindow *self, FlDocument *doc)
{
  g_return_if_fail (FL_IS_WINDOW (self));
  g_return_if_fail (doc != NULL);
  fl_document_ref (doc);
  g_clear_pointer (&self->doc, fl_document_unref);
  self->doc = doc;
  apply_document (self);
}

FlDocument *
fl_window_get_document (FlWindow *self)
{
  return self->doc;
}

char *
fl_window_dup_input_text (FlWindow *self, const char **name_out)
{
  g_autofree char *entry = clean_sequence (gtk_editable_get_text (GTK_EDITABLE (self->sequence_entry)));
  FlDocument *d = self->doc;
  if (d->input_text && d->input_query && g_strcmp0 (entry, d->input_query) == 0)
    {
      if (name_out)
        *name_out = d->input_name;
      return g_strdup (d->input_text);
    }
  if (name_out)
    *name_out = "pasted sequence";
  if (!*entry)
    return NULL;
  /* Keep what the user typed (the parser reports bad letters). */
  return g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->sequence_entry)));
}

/* Letters that are not one of the 20 amino acids (nor X) in the sequence
 * lines of a pasted text; AlphaFold reads them as X (unknown). */
static char *
nonstandard_letters (const char *text)
{
  gboolean seen[26] = { FALSE };
  gboolean header = FALSE, line_start = TRUE;
  for (const char *p = text; *p; p++)
    {
      if (*p == '\n' || *p == '\r')
        {
          header = FALSE;
          line_start = TRUE;
          continue;
        }
      if (line_start && (*p == '>' || *p == ';' || *p == '#'))
        header = TRUE;
      line_start = FALSE;
      if (!header && g_ascii_isalpha (*p) && !strchr ("ACDEFGHIKLMNPQRSTVWYX", g_ascii_toupper (*p)))
        seen[g_ascii_toupper (*p) - 'A'] = TRUE;
    }
  GString *s = g_string_new (NULL);
  for (int k = 0; k < 26; k++)
    if (seen[k])
      g_string_append_printf (s, "%s%c", s->len ? ", " : "", 'A' + k);
  return g_string_free (s, s->len == 0);
}

static void
on_entry_changed (GtkEditable *editable, FlWindow *self)
{
  if (self->setting_entry)
    return;
  g_autofree char *entry = clean_sequence (gtk_editable_get_text (editable));
  if (self->doc->input_query && g_strcmp0 (entry, self->doc->input_query) == 0)
    {
      update_input_label (self);
      return;
    }
  /* What Run would do with the pasted text: parse it now, so the label says
   * why it would fail and Run stays off until it would not. */
  const char *text = gtk_editable_get_text (editable);
  g_clear_pointer (&self->input_problem, g_free);
  g_autofree char *label = NULL;
  if (!*entry)
    label = g_strdup ("");
  else
    {
      g_autoptr (GError) error = NULL;
      FlMsa *msa = fl_msa_parse_auto (text, -1, &error);
      if (!msa)
        {
          self->input_problem = g_strdup (error->message);
          label = g_strdup_printf ("pasted sequence · %s", error->message);
        }
      else
        {
          g_autofree char *odd = nonstandard_letters (text);
          label = odd ? g_strdup_printf ("pasted sequence · %d residues · %s read as X (unknown)",
                                         msa->L, odd)
                      : g_strdup_printf ("pasted sequence · %d residues", msa->L);
          fl_msa_free (msa);
        }
    }
  gtk_label_set_text (GTK_LABEL (self->input_label), label);
  gtk_widget_set_tooltip_text (self->input_label, label);
  gtk_widget_set_sensitive (self->run_button, self->input_problem == NULL);
}

const char *
fl_window_get_input_problem (FlWindow *self)
{
  return self->input_problem;
}

static void
on_entry_activate (GtkEntry *entry, FlWindow *self)
{
  if (!self->input_problem)
    gtk_widget_activate_action (GTK_WIDGET (self), "app.run", NULL);
}

int
fl_window_get_num_recycle (FlWindow *self)
{
  return gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->recycles_spin));
}

double
fl_window_get_tolerance (FlWindow *self)
{
  return gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->tolerance_spin));
}

char *
fl_window_dup_preset (FlWindow *self)
{
  GObject *item = gtk_drop_down_get_selected_item (GTK_DROP_DOWN (self->preset_dropdown));
  return item ? g_strdup (gtk_string_object_get_string (GTK_STRING_OBJECT (item))) : g_strdup ("model_1_ptm");
}

void
fl_window_set_preset (FlWindow *self, const char *preset)
{
  GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (self->preset_dropdown));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (GtkStringObject) s = g_list_model_get_item (model, i);
      if (g_strcmp0 (gtk_string_object_get_string (s), preset) == 0)
        {
          gtk_drop_down_set_selected (GTK_DROP_DOWN (self->preset_dropdown), i);
          return;
        }
    }
}

static gboolean
preset_to_index (GValue *value, GVariant *variant, gpointer user_data)
{
  FlWindow *self = user_data;
  const char *preset = g_variant_get_string (variant, NULL);
  GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (self->preset_dropdown));
  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr (GtkStringObject) s = g_list_model_get_item (model, i);
      if (g_strcmp0 (gtk_string_object_get_string (s), preset) == 0)
        {
          g_value_set_uint (value, i);
          return TRUE;
        }
    }
  return FALSE;
}

static GVariant *
index_to_preset (const GValue *value, const GVariantType *type, gpointer user_data)
{
  FlWindow *self = user_data;
  GListModel *model = gtk_drop_down_get_model (GTK_DROP_DOWN (self->preset_dropdown));
  g_autoptr (GtkStringObject) s = g_list_model_get_item (model, g_value_get_uint (value));
  return s ? g_variant_new_string (gtk_string_object_get_string (s)) : NULL;
}

void
fl_window_bind_settings (FlWindow *self, GSettings *settings)
{
  if (!settings)
    return;
  g_settings_bind (settings, "num-recycle", self->recycles_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (settings, "recycle-tolerance", self->tolerance_spin, "value", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (settings, "preset", self->preset_dropdown, "selected",
                                G_SETTINGS_BIND_DEFAULT, preset_to_index, index_to_preset,
                                self, NULL);
  g_autofree char *scale = g_settings_get_string (settings, "color-scale");
  if (g_strcmp0 (scale, "continuous") == 0)
    g_action_group_change_action_state (G_ACTION_GROUP (self), "continuous-colors",
                                        g_variant_new_boolean (TRUE));
  g_object_set_data_full (G_OBJECT (self), "fl-settings", g_object_ref (settings), g_object_unref);
}

void
fl_window_set_params (FlWindow *self, const char *path)
{
  if (path)
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *text = g_strdup_printf ("Parameter file: %s", base);
      gtk_label_set_text (GTK_LABEL (self->params_label), text);
      gtk_widget_set_tooltip_text (self->params_label, path);
      gtk_menu_button_set_label (GTK_MENU_BUTTON (self->model_button), base);
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (self->params_label),
                          "Untrained demo parameters (random weights made on the spot): "
                          "runs show the engine at work, not predictions.");
      gtk_widget_set_tooltip_text (self->params_label, NULL);
      gtk_menu_button_set_label (GTK_MENU_BUTTON (self->model_button), "Demo parameters");
    }
  gtk_widget_set_sensitive (self->preset_dropdown, path != NULL);
  gtk_info_bar_set_revealed (GTK_INFO_BAR (self->demo_params_bar), path == NULL);
}

/* ------------------------------------------------------------ messages */

void
fl_window_show_error (FlWindow *self, const char *what, const GError *error)
{
  g_autofree char *text = g_markup_printf_escaped ("<b>%s</b>\n%s", what ? what : "Error",
                                                   error ? error->message : "");
  gtk_label_set_markup (GTK_LABEL (self->error_label), text);
  gtk_info_bar_set_revealed (GTK_INFO_BAR (self->error_bar), TRUE);
}

/* The text goes with the bar: a hidden bar that keeps a long wrapped
 * message makes GTK 4.8 measure it inconsistently (a Gtk-CRITICAL "reports a
 * minimum height of 49, but minimum height for width of 1048576 is 53" when
 * the window's minimum size changes, e.g. when the template list appears). */
void
fl_window_clear_error (FlWindow *self)
{
  gtk_info_bar_set_revealed (GTK_INFO_BAR (self->error_bar), FALSE);
  gtk_label_set_text (GTK_LABEL (self->error_label), "");
}

static void
on_error_bar_response (GtkInfoBar *bar, int response, FlWindow *self)
{
  fl_window_clear_error (self);
}

void
fl_window_set_view_note (FlWindow *self, const char *note)
{
  gtk_label_set_text (GTK_LABEL (self->view_note_label), note ? note : "");
  gtk_widget_set_visible (self->view_note_label, note != NULL && *note);
}

const char *
fl_window_get_input_summary (FlWindow *self)
{
  return gtk_label_get_text (GTK_LABEL (self->input_label));
}

const char *
fl_window_get_hover_text (FlWindow *self)
{
  return gtk_widget_get_visible (self->hover_label)
         ? gtk_label_get_text (GTK_LABEL (self->hover_label)) : "";
}

const char *
fl_window_get_view_note (FlWindow *self)
{
  return gtk_widget_get_visible (self->view_note_label)
         ? gtk_label_get_text (GTK_LABEL (self->view_note_label)) : "";
}

/* ------------------------------------------------------------ runs */

void
fl_window_set_running (FlWindow *self, gboolean running)
{
  self->running = running;
  gtk_widget_set_visible (self->cancel_button, running);
  gtk_widget_set_sensitive (self->recycles_spin, !running);
  gtk_widget_set_sensitive (self->tolerance_spin, !running);
}

void
fl_window_begin_run (FlWindow *self, const char *name, const char *text, int last_recycle)
{
  g_clear_pointer (&self->pending, fl_document_unref);
  g_autofree char *title = g_strdup_printf ("%s — run", name ? name : "input");
  self->pending = fl_document_new (FL_DOCUMENT_RUN, title);
  /* the input the run folds: the current one, or the pasted text */
  if (self->doc->input_text && g_strcmp0 (text, self->doc->input_text) == 0)
    fl_document_copy_input (self->pending, self->doc);
  else
    fl_document_set_input (self->pending, name, text, NULL);
  self->pending->last_recycle = last_recycle;
  /* The view keeps the current document until the run's first frame (so a
   * run that fails early leaves it whole on screen). */
  fl_window_clear_error (self);
  fl_window_set_progress (self, 0, "Starting…");
}

void
fl_window_end_run (FlWindow *self)
{
  g_clear_pointer (&self->pending, fl_document_unref);
}

void
fl_window_set_progress (FlWindow *self, double fraction, const char *text)
{
  gtk_progress_bar_set_fraction (GTK_PROGRESS_BAR (self->progress_bar), CLAMP (fraction, 0, 1));
  gtk_label_set_text (GTK_LABEL (self->status_label), text ? text : "");
  gtk_widget_set_tooltip_text (self->status_label, text);
}

const char *
fl_window_get_progress_text (FlWindow *self)
{
  return gtk_label_get_text (GTK_LABEL (self->status_label));
}

void
fl_window_set_backend (FlWindow *self, const char *description)
{
  gtk_label_set_text (GTK_LABEL (self->backend_label), description ? description : "");
}

/* The input's templates (models 1 and 2) as grey CA traces in the 3D view:
 * each hit's CA atoms in query numbering; NULL or empty clears. */
static void
show_templates (FlWindow *self, GPtrArray *hits)
{
  int L = fl_document_get_length (self->doc);
  int T = 0;
  for (guint k = 0; hits && k < hits->len; k++)
    T += ((FlTemplateHit *) g_ptr_array_index (hits, k))->L == L;
  if (T == 0 || L == 0)
    {
      fl_structure_view_set_templates (self->structure_view, NULL, NULL, 0, 0);
      return;
    }
  g_autofree float *ca = g_new0 (float, (gsize) T * L * 3);
  g_autofree float *mask = g_new0 (float, (gsize) T * L);
  int t = 0;
  for (guint k = 0; k < hits->len; k++)
    {
      const FlTemplateHit *h = g_ptr_array_index (hits, k);
      if (h->L != L)
        continue;
      for (int i = 0; i < L; i++)
        {
          int j = h->query_to_template[i];
          if (j < 0 || j >= h->chain->n)
            continue;
          gsize a = (gsize) j * 37 + FL_ATOM37_CA;
          memcpy (ca + ((gsize) t * L + i) * 3, h->chain->atom37 + a * 3, 3 * sizeof (float));
          mask[(gsize) t * L + i] = h->chain->atom37_mask[a];
        }
      t++;
    }
  fl_structure_view_set_templates (self->structure_view, ca, mask, T, L);
}

static GtkWidget *
template_row (const FlTemplateHit *h, const char *query, guint k)
{
  int aligned = 0, identical = 0;
  fl_template_hit_count (h, query, &aligned, &identical);
  g_autofree char *base = g_path_get_basename (h->chain->path);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  gtk_widget_add_css_class (row, "fl-template-row");
  g_autofree char *name = g_markup_printf_escaped ("<b>%s</b>", h->chain->domain_name);
  GtkWidget *l = gtk_label_new (NULL);
  gtk_label_set_markup (GTK_LABEL (l), name);
  gtk_label_set_width_chars (GTK_LABEL (l), 8);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_box_append (GTK_BOX (row), l);
  g_autofree char *file = g_strdup_printf ("%s · chain %s · %d residues", base, h->chain->chain_id,
                                           h->chain->n);
  l = gtk_label_new (file);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_label_set_ellipsize (GTK_LABEL (l), PANGO_ELLIPSIZE_MIDDLE);
  gtk_widget_set_tooltip_text (l, h->chain->path);
  gtk_box_append (GTK_BOX (row), l);
  g_autofree char *stats = g_strdup_printf ("%d of %d query residues aligned · identity %.0f%% · "
                                            "coverage %.0f%%", aligned, h->L,
                                            aligned ? 100.0 * identical / aligned : 0.0,
                                            h->L ? 100.0 * aligned / h->L : 0.0);
  l = gtk_label_new (stats);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_widget_set_hexpand (l, TRUE);
  gtk_widget_add_css_class (l, "dim-label");
  gtk_box_append (GTK_BOX (row), l);
  GtkWidget *remove = gtk_button_new_from_icon_name ("window-close-symbolic");
  gtk_widget_add_css_class (remove, "flat");
  g_autofree char *tip = g_strdup_printf ("Remove %s chain %s from this input's templates", base,
                                          h->chain->chain_id);
  gtk_widget_set_tooltip_text (remove, tip);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (remove), "app.remove-template");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (remove), g_variant_new_uint32 (k));
  gtk_box_append (GTK_BOX (row), remove);
  return row;
}

void
fl_window_update_templates (FlWindow *self)
{
  FlDocument *d = self->doc;
  GtkListBox *list = GTK_LIST_BOX (self->templates_list);
  for (GtkWidget *c; (c = gtk_widget_get_first_child (self->templates_list));)
    gtk_list_box_remove (list, c);
  for (guint k = 0; k < d->templates->len; k++)
    gtk_list_box_append (list, template_row (g_ptr_array_index (d->templates, k), d->input_query, k));
  guint n = d->templates->len;
  g_autofree char *title = g_strdup_printf ("Templates of this input (%u of %d)", n,
                                            FL_DOCUMENT_MAX_TEMPLATES);
  gtk_label_set_text (GTK_LABEL (self->templates_title), title);
  gtk_widget_set_visible (self->templates_box, n > 0);
  gtk_widget_set_visible (self->templates_note,
                          n > 0 && *gtk_label_get_text (GTK_LABEL (self->templates_note)));
  show_templates (self, d->templates);
  if (self->panels)
    fl_analysis_panels_set_templates (FL_ANALYSIS_PANELS (self->panels), d->templates,
                                      d->input_query);
}

void
fl_window_set_template_note (FlWindow *self, const char *note)
{
  gtk_label_set_text (GTK_LABEL (self->templates_note), note ? note : "");
  gtk_widget_set_visible (self->templates_note, note && *note && self->doc->templates->len > 0);
}

const char *
fl_window_get_template_note (FlWindow *self)
{
  return gtk_widget_get_visible (self->templates_note)
         ? gtk_label_get_text (GTK_LABEL (self->templates_note)) : "";
}

GtkWidget *
fl_window_get_templates_list (FlWindow *self)
{
  return self->templates_list;
}

void
fl_window_set_run_templates (FlWindow *self, GPtrArray *hits)
{
  FlDocument *d = self->pending ? self->pending : self->doc;
  fl_document_set_templates (d, hits);
  if (hits)
    g_ptr_array_unref (hits);
  if (d == self->doc)
    fl_window_update_templates (self);
}

void
fl_window_set_run_inputs (FlWindow *self, FlMsa *msa, FlFeatures *features)
{
  FlDocument *d = self->pending ? self->pending : self->doc;
  if (msa)
    {
      g_clear_pointer (&d->msa, fl_msa_free);
      d->msa = msa;
      g_free (d->sequence);
      d->sequence = g_strdup (msa->query);
    }
  if (features)
    {
      g_clear_pointer (&d->features, fl_features_free);
      d->features = features;
    }
  if (d == self->doc)
    update_panels_msa (self);
}

/* The run's first frame: its document replaces what was shown. */
static void
promote_pending (FlWindow *self)
{
  if (!self->pending)
    return;
  FlDocument *run = g_steal_pointer (&self->pending);
  fl_window_set_document (self, run);
  fl_document_unref (run);
}

void
fl_window_add_frame (FlWindow *self, FlFrame *frame)
{
  promote_pending (self);
  fl_document_add_frame (self->doc, frame);
  if (self->doc->frames->len == 1 && self->doc->templates->len > 0)
    show_templates (self, self->doc->templates);   /* the traces need the frame's length */
  fl_timeline_add_frame (self->timeline, frame);
}

void
fl_window_add_recycle (FlWindow *self, FlRecycleData *data)
{
  promote_pending (self);
  fl_document_add_recycle (self->doc, data);
  fl_timeline_set_recycle_scores (self->timeline, data->recycle, data->mean_plddt, data->ptm);
  update_panels_recycles (self, -1);
}

/* ------------------------------------------------------------ frames */

static void
on_frame_shown (FlTimeline *timeline, FlFrame *display, int index, FlWindow *self)
{
  FlStructureView *view = self->structure_view;
  /* the camera is fitted to each document's first frame */
  gboolean first = !self->doc->camera_fitted || fl_structure_view_get_frame (view) == NULL;
  self->doc->camera_fitted = TRUE;
  fl_structure_view_set_frame (view, display, self->doc->sequence, !first);
  if (self->panels)
    {
      FlFrame *real = fl_timeline_get_frame (timeline, index);
      fl_analysis_panels_set_frame (FL_ANALYSIS_PANELS (self->panels), real);
      if (real)
        {
          int current = -1;
          GPtrArray *recycles = self->doc->recycles;
          for (guint k = 0; k < recycles->len; k++)
            if (((FlRecycleData *) g_ptr_array_index (recycles, k))->recycle == real->recycle)
              current = k;
          if (current >= 0)
            update_panels_recycles (self, current);
        }
    }
}

static char *
residue_text (FlWindow *self, const FlFrame *f, int residue)
{
  const char *seq = self->doc->sequence;
  char letter = seq && residue < (int) strlen (seq) ? seq[residue] : 'X';
  const char *fl_name = fl_restype_3 (fl_aatype_from_letter (letter));
  return g_strdup_printf ("%s %d · pLDDT %.1f", fl_name, residue + 1, f->plddt[residue]);
}

/* The hover label: one residue, or both residues of a pair-map cell */
static void
show_hover_pair (FlWindow *self, int residue, int other)
{
  FlFrame *f = fl_structure_view_get_frame (self->structure_view);
  if (residue < 0 || !f || residue >= f->L)
    {
      gtk_widget_set_visible (self->hover_label, FALSE);
      return;
    }
  g_autofree char *a = residue_text (self, f, residue);
  g_autofree char *text = NULL;
  if (other >= 0 && other < f->L && other != residue)
    {
      g_autofree char *b = residue_text (self, f, other);
      text = g_strdup_printf ("%s\n%s", a, b);
    }
  gtk_label_set_text (GTK_LABEL (self->hover_label), text ? text : a);
  gtk_widget_set_visible (self->hover_label, TRUE);
}

static void
show_hover (FlWindow *self, int residue)
{
  show_hover_pair (self, residue, -1);
}

static void
on_residue_hovered (FlStructureView *view, int residue, FlWindow *self)
{
  show_hover (self, residue);
}

static void
on_residue_selected (FlStructureView *view, int residue, FlWindow *self)
{
  self->doc->selected = residue;
  if (self->panels)
    fl_analysis_panels_select_residue (FL_ANALYSIS_PANELS (self->panels), residue);
  if (residue >= 0)
    show_hover (self, residue);
}

static void
on_panels_hovered (FlAnalysisPanels *panels, int i, int j, FlWindow *self)
{
  fl_structure_view_set_highlight (self->structure_view, i, j);
  show_hover_pair (self, i, j);
}

/* a range dragged in a map or in the MSA selects those residues in 3D (a
 * pair-map rectangle: its rows and its columns) */
static void
on_panels_brushed (FlAnalysisPanels *panels, int first, int last, FlWindow *self)
{
  int r0 = -1, r1 = -1, c0 = -1, c1 = -1;
  if (first >= 0 && fl_analysis_panels_get_brush (panels, &r0, &r1, &c0, &c1))
    fl_structure_view_set_selected_ranges (self->structure_view, r0, r1, c0, c1);
  else
    fl_structure_view_set_selected_ranges (self->structure_view, -1, -1, -1, -1);
}

static void
on_panels_selected (FlAnalysisPanels *panels, int i, FlWindow *self)
{
  self->doc->selected = i;
  fl_structure_view_set_selected (self->structure_view, i);
  show_hover (self, i);
}

/* ------------------------------------------------------------ drag and drop */

static gboolean
on_drop (GtkDropTarget *target, const GValue *value, double x, double y, FlWindow *self)
{
  if (!G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    return FALSE;
  GSList *files = g_value_get_boxed (value);
  if (!files)
    return FALSE;
  /* Several files may come together (structure + scores JSON + A3M). */
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE_STRING_ARRAY);
  for (GSList *l = files; l; l = l->next)
    {
      g_autofree char *uri = g_file_get_uri (l->data);
      g_variant_builder_add (&b, "s", uri);
    }
  gtk_widget_activate_action_variant (GTK_WIDGET (self), "app.open-uris", g_variant_builder_end (&b));
  return TRUE;
}

/* ------------------------------------------------------------ window actions */

/* The legend follows the colour scale: the AlphaFold DB bands, or the
 * continuous scale's four anchor colours. */
static void
update_legend (FlWindow *self, gboolean continuous)
{
  static const char *hex[4] = { "#0053D6", "#65CBF3", "#FFDB13", "#FF7D45" };
  static const char *bands[4] = { "Very high (pLDDT &gt; 90)", "Confident (90 &gt; pLDDT &gt; 70)",
                                  "Low (70 &gt; pLDDT &gt; 50)", "Very low (pLDDT &lt; 50)" };
  static const char *anchors[4] = { "pLDDT 95 and above", "pLDDT 80", "pLDDT 60", "pLDDT 40 and below" };
  gtk_label_set_text (GTK_LABEL (self->legend_title),
                      continuous ? "Model confidence (pLDDT, continuous)" : "Model confidence (pLDDT)");
  for (int k = 0; k < 4; k++)
    {
      g_autofree char *markup = g_strdup_printf ("<span foreground=\"%s\">■</span> %s", hex[k],
                                                 continuous ? anchors[k] : bands[k]);
      gtk_label_set_markup (GTK_LABEL (self->legend_rows[k]), markup);
    }
}

static void
reset_view_activated (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  fl_structure_view_reset_camera (FL_WINDOW (user_data)->structure_view);
}

static void
side_chains_changed (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  g_simple_action_set_state (action, state);
  fl_structure_view_set_side_chains (FL_WINDOW (user_data)->structure_view, g_variant_get_boolean (state));
}

static void
continuous_colors_changed (GSimpleAction *action, GVariant *state, gpointer user_data)
{
  FlWindow *self = user_data;
  g_simple_action_set_state (action, state);
  gboolean cont = g_variant_get_boolean (state);
  fl_structure_view_set_color_scale (self->structure_view,
                                     cont ? FL_COLOR_SCALE_CONTINUOUS : FL_COLOR_SCALE_BANDS);
  update_legend (self, cont);
  GSettings *settings = g_object_get_data (G_OBJECT (self), "fl-settings");
  if (settings)
    g_settings_set_string (settings, "color-scale", cont ? "continuous" : "bands");
}

static const GActionEntry win_actions[] = {
  { "reset-view", reset_view_activated, NULL, NULL, NULL, { 0 } },
  { "side-chains", NULL, NULL, "false", side_chains_changed, { 0 } },
  { "continuous-colors", NULL, NULL, "false", continuous_colors_changed, { 0 } },
};

/* ------------------------------------------------------------ accessors */

FlStructureView *
fl_window_get_structure_view (FlWindow *self)
{
  return self->structure_view;
}

FlTimeline *
fl_window_get_timeline (FlWindow *self)
{
  return self->timeline;
}

const char *
fl_window_get_sequence (FlWindow *self)
{
  return self->doc->sequence;
}

const char *
fl_window_get_title_name (FlWindow *self)
{
  return self->doc->title;
}

FlFrame *
fl_window_get_current_frame (FlWindow *self)
{
  int i = fl_timeline_get_current_index (self->timeline);
  return i >= 0 ? fl_timeline_get_frame (self->timeline, i) : NULL;
}

GPtrArray *
fl_window_get_recycles (FlWindow *self)
{
  return self->doc->recycles;
}

GtkWidget *
fl_window_get_view_overlay (FlWindow *self)
{
  return self->view_overlay;
}

GtkWidget *
fl_window_get_analysis_panels (FlWindow *self)
{
  return self->panels;
}

GtkWidget *
fl_window_get_analysis_area (FlWindow *self)
{
  return self->analysis_area;
}

/* The timeline's keys (space, comma, period, End: see the shortcuts
 * window) work wherever the focus is, unless a text field or a widget of
 * its own (a button's space) takes the key first: bubble phase on the
 * window, text fields excluded explicitly. */
static gboolean
on_window_key_pressed (GtkEventControllerKey *controller, guint keyval, guint keycode,
                       GdkModifierType state, FlWindow *self)
{
  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK))
    return FALSE;
  for (GtkWidget *w = gtk_root_get_focus (GTK_ROOT (self)); w; w = gtk_widget_get_parent (w))
    if (GTK_IS_EDITABLE (w))
      return FALSE;
  switch (keyval)
    {
    case GDK_KEY_space:
      fl_timeline_set_playing (self->timeline, !fl_timeline_get_playing (self->timeline));
      return TRUE;
    case GDK_KEY_comma:
      fl_timeline_step (self->timeline, -1);
      return TRUE;
    case GDK_KEY_period:
      fl_timeline_step (self->timeline, 1);
      return TRUE;
    case GDK_KEY_End:
      fl_timeline_set_follow_live (self->timeline, TRUE);
      return TRUE;
    default:
      return FALSE;
    }
}

static int
paned_int (GtkWidget *paned, const char *property)
{
  int v = 0;
  g_object_get (paned, property, &v, NULL);
  return v;
}

/* The split between the 3D view and the panels is a share of the width,
 * applied whenever the width changes, so it comes back after the window is
 * made small and large again; dragging the handle sets the share. */
static gboolean
apply_split (gpointer user_data)
{
  FlWindow *self = user_data;
  self->split_source = 0;
  int width = gtk_widget_get_width (self->paned);
  int pos = (int) lround (self->split * width);   /* GTK keeps it within the children's minimum widths */
  self->setting_split = TRUE;
  if (width > 0 && pos != gtk_paned_get_position (GTK_PANED (self->paned)))
    gtk_paned_set_position (GTK_PANED (self->paned), pos);
  self->setting_split = FALSE;
  return G_SOURCE_REMOVE;
}

/* The width changed (max-position follows it): the share is applied after
 * this allocation (a position set during one is not taken). */
static void
on_paned_max_position (GObject *paned, GParamSpec *pspec, FlWindow *self)
{
  /* max-position (the width less the panels' minimum) follows the width;
   * GtkPaned notifies on every allocation: act on a new value only */
  int max = paned_int (self->paned, "max-position");
  if (max == self->paned_max)
    return;
  self->paned_max = max;
  /* before the next redraw: a default-priority idle is not starved by
   * the frame clock when the view animates */
  if (!self->split_source)
    self->split_source = g_idle_add_full (G_PRIORITY_DEFAULT, apply_split, self, NULL);
}

/* The handle moved while a button is down on the paned: the user's drag
 * (GTK also moves it to keep the children's minimum widths: not a choice). */
static void
on_paned_position (GObject *paned, GParamSpec *pspec, FlWindow *self)
{
  int width = gtk_widget_get_width (self->paned);
  if (self->setting_split || !self->dragging_handle || width <= 0)
    return;
  self->split = (double) gtk_paned_get_position (GTK_PANED (self->paned)) / width;
}

static void
on_paned_press (GtkGestureDrag *gesture, double x, double y, FlWindow *self)
{
  self->dragging_handle = TRUE;
}

static void
on_paned_release (GtkGestureDrag *gesture, double dx, double dy, FlWindow *self)
{
  self->dragging_handle = FALSE;
}

void
fl_window_set_split (FlWindow *self, double share)
{
  self->split = CLAMP (share, 0.05, 0.95);
  if (!self->split_source)
    self->split_source = g_idle_add_full (G_PRIORITY_DEFAULT, apply_split, self, NULL);
}

double
fl_window_get_split (FlWindow *self)
{
  int width = gtk_widget_get_width (self->paned);
  return width > 0 ? (double) gtk_paned_get_position (GTK_PANED (self->paned)) / width : self->split;
}

/* ------------------------------------------------------------ life cycle */

FlWindow *
fl_window_new (GtkApplication *app)
{
  return g_object_new (FL_TYPE_WINDOW, "application", app, NULL);
}

static void
fl_window_dispose (GObject *object)
{
  FlWindow *self = FL_WINDOW (object);
  if (self->split_source)
    {
      g_source_remove (self->split_source);
      self->split_source = 0;
    }
  /* GtkWindow unparents its child (the whole template tree) itself. */
  G_OBJECT_CLASS (fl_window_parent_class)->dispose (object);
}

static void
fl_window_finalize (GObject *object)
{
  FlWindow *self = FL_WINDOW (object);
  g_clear_pointer (&self->doc, fl_document_unref);
  g_clear_pointer (&self->pending, fl_document_unref);
  g_free (self->input_problem);
  G_OBJECT_CLASS (fl_window_parent_class)->finalize (object);
}

static void
fl_window_class_init (FlWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  object_class->dispose = fl_window_dispose;
  object_class->finalize = fl_window_finalize;

  g_type_ensure (FL_TYPE_STRUCTURE_VIEW);
  g_type_ensure (FL_TYPE_TIMELINE);
  gtk_widget_class_set_template_from_resource (widget_class, "/org/foldlight/Foldlight/fl-window.ui");
#define BIND(name) gtk_widget_class_bind_template_child (widget_class, FlWindow, name)
  BIND (header_bar);
  BIND (run_button);
  BIND (cancel_button);
  BIND (subtitle_label);
  BIND (model_button);
  BIND (params_label);
  BIND (preset_dropdown);
  BIND (error_bar);
  BIND (error_label);
  BIND (demo_params_bar);
  BIND (sequence_entry);
  BIND (input_label);
  BIND (recycles_spin);
  BIND (tolerance_spin);
  BIND (add_template_button);
  BIND (templates_box);
  BIND (templates_title);
  BIND (templates_note);
  BIND (templates_list);
  BIND (view_overlay);
  BIND (paned);
  BIND (structure_view);
  BIND (hover_label);
  BIND (view_note_label);
  BIND (legend_box);
  BIND (legend_title);
  gtk_widget_class_bind_template_child_full (widget_class, "legend_0", FALSE,
                                             G_STRUCT_OFFSET (FlWindow, legend_rows[0]));
  gtk_widget_class_bind_template_child_full (widget_class, "legend_1", FALSE,
                                             G_STRUCT_OFFSET (FlWindow, legend_rows[1]));
  gtk_widget_class_bind_template_child_full (widget_class, "legend_2", FALSE,
                                             G_STRUCT_OFFSET (FlWindow, legend_rows[2]));
  gtk_widget_class_bind_template_child_full (widget_class, "legend_3", FALSE,
                                             G_STRUCT_OFFSET (FlWindow, legend_rows[3]));
  BIND (timeline);
  BIND (analysis_area);
  BIND (progress_bar);
  BIND (status_label);
  BIND (backend_label);
#undef BIND
}

static void
fl_window_init (FlWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->doc = fl_document_new (FL_DOCUMENT_INPUT, NULL);
  self->split = 0.55;
  g_action_map_add_action_entries (G_ACTION_MAP (self), win_actions, G_N_ELEMENTS (win_actions), self);

  g_signal_connect (self->error_bar, "response", G_CALLBACK (on_error_bar_response), self);
  g_signal_connect (self->sequence_entry, "changed", G_CALLBACK (on_entry_changed), self);
  g_signal_connect (self->sequence_entry, "activate", G_CALLBACK (on_entry_activate), self);
  g_signal_connect (self->timeline, "frame-shown", G_CALLBACK (on_frame_shown), self);
  g_signal_connect (self->paned, "notify::max-position", G_CALLBACK (on_paned_max_position), self);
  g_signal_connect (self->paned, "notify::position", G_CALLBACK (on_paned_position), self);
  /* sees the button on the paned before the handle's own gesture; claims nothing */
  GtkGesture *drag = gtk_gesture_drag_new ();
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (drag), GTK_PHASE_CAPTURE);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_paned_press), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_paned_release), self);
  gtk_widget_add_controller (self->paned, GTK_EVENT_CONTROLLER (drag));
  g_signal_connect (self->structure_view, "residue-hovered", G_CALLBACK (on_residue_hovered), self);
  g_signal_connect (self->structure_view, "residue-selected", G_CALLBACK (on_residue_selected), self);

  GtkEventController *keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_window_key_pressed), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);

  GtkDropTarget *drop = gtk_drop_target_new (GDK_TYPE_FILE_LIST, GDK_ACTION_COPY);
  g_signal_connect (drop, "drop", G_CALLBACK (on_drop), self);
  gtk_widget_add_controller (GTK_WIDGET (self), GTK_EVENT_CONTROLLER (drop));

  self->panels = fl_analysis_panels_new ();
  gtk_stack_add_named (GTK_STACK (self->analysis_area), self->panels, "panels");
  gtk_stack_set_visible_child (GTK_STACK (self->analysis_area), self->panels);
  g_signal_connect (self->panels, "residues-hovered", G_CALLBACK (on_panels_hovered), self);
  g_signal_connect (self->panels, "residue-selected", G_CALLBACK (on_panels_selected), self);
  g_signal_connect (self->panels, "residues-brushed", G_CALLBACK (on_panels_brushed), self);

  GtkCssProvider *css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/foldlight/Foldlight/style.css");
  gtk_style_context_add_provider_for_display (gtk_widget_get_display (GTK_WIDGET (self)),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  g_object_unref (css);

  fl_window_set_running (self, FALSE);
  fl_window_set_params (self, NULL);
  fl_window_set_view_note (self, NULL);
}
