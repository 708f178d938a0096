/* FlTemplateDialog: choose a chain and an alignment for a template file. */
#include "fl-template-dialog.h"
#include "fl-templates.h"
#include <string.h>

struct _FlTemplateDialog {
  GtkWindow parent_instance;
  char *path;
  char *query;
  char *alignment;            /* NULL: the global alignment */
  GPtrArray *chain_ids;       /* char* */
  GPtrArray *labels;          /* char* */
  GPtrArray *buttons;         /* GtkCheckButton* (borrowed, a radio group) */
  GtkWidget *global_button, *file_button, *file_label, *error_label;
  GtkFileChooserNative *chooser;
  FlTemplateDialogAddFunc add;
  gpointer user_data;
};

G_DEFINE_FINAL_TYPE (FlTemplateDialog, fl_template_dialog, GTK_TYPE_WINDOW)

int
fl_template_chains_best (GPtrArray *chains, const char *query, int *aligned, int *identical)
{
  int best = -1, best_same = -1, best_aligned = -1;
  for (guint k = 0; k < chains->len; k++)
    {
      const FlTemplateChain *c = g_ptr_array_index (chains, k);
      g_autoptr (FlTemplateHit) hit = fl_template_hit_align (fl_template_chain_copy (c), query, NULL);
      int a = 0, same = 0;
      if (hit)
        fl_template_hit_count (hit, query, &a, &same);
      if (aligned)
        aligned[k] = a;
      if (identical)
        identical[k] = same;
      if (a > 0 && (same > best_same || (same == best_same && a > best_aligned)))
        {
          best = (int) k;
          best_same = same;
          best_aligned = a;
        }
    }
  return best;
}

static void
show_error (FlTemplateDialog *self, const char *message)
{
  gtk_label_set_text (GTK_LABEL (self->error_label), message ? message : "");
  gtk_widget_set_visible (self->error_label, message && *message);
}

const char *
fl_template_dialog_get_error (FlTemplateDialog *self)
{
  return gtk_widget_get_visible (self->error_label) ? gtk_label_get_text (GTK_LABEL (self->error_label)) : "";
}

guint
fl_template_dialog_get_n_chains (FlTemplateDialog *self)
{
  return self->chain_ids->len;
}

const char *
fl_template_dialog_get_chain_id (FlTemplateDialog *self, guint k)
{
  return k < self->chain_ids->len ? g_ptr_array_index (self->chain_ids, k) : NULL;
}

const char *
fl_template_dialog_get_chain_label (FlTemplateDialog *self, guint k)
{
  return k < self->labels->len ? g_ptr_array_index (self->labels, k) : NULL;
}

int
fl_template_dialog_get_selected (FlTemplateDialog *self)
{
  for (guint k = 0; k < self->buttons->len; k++)
    if (gtk_check_button_get_active (g_ptr_array_index (self->buttons, k)))
      return (int) k;
  return -1;
}

void
fl_template_dialog_select (FlTemplateDialog *self, guint k)
{
  if (k < self->buttons->len)
    gtk_check_button_set_active (g_ptr_array_index (self->buttons, k), TRUE);
}

void
fl_template_dialog_set_alignment (FlTemplateDialog *self, const char *path)
{
  g_free (self->alignment);
  self->alignment = path && *path ? g_strdup (path) : NULL;
  g_autofree char *base = self->alignment ? g_path_get_basename (self->alignment) : NULL;
  g_autofree char *text = base ? g_strdup_printf ("Alignment file: %s", base)
                               : g_strdup ("Alignment file (tmpl format)…");
  gtk_check_button_set_label (GTK_CHECK_BUTTON (self->file_button), text);
  gtk_widget_set_tooltip_text (self->file_button, self->alignment);
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->alignment ? self->file_button : self->global_button), TRUE);
  show_error (self, NULL);
  if (!self->alignment)
    return;
  /* the chain the alignment file gives for this structure, at once (and a
   * file that does not fit the query is said now, not at Add) */
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr (GPtrArray) hits = fl_template_alignment_load (self->alignment, self->query, dir, &error);
  if (!hits)
    {
      show_error (self, error->message);
      return;
    }
  g_autofree char *want = g_path_get_basename (self->path);
  for (guint h = 0; h < hits->len; h++)
    {
      const FlTemplateHit *hit = g_ptr_array_index (hits, h);
      g_autofree char *hb = g_path_get_basename (hit->chain->path);
      for (guint k = 0; strcmp (hb, want) == 0 && k < self->chain_ids->len; k++)
        if (strcmp (g_ptr_array_index (self->chain_ids, k), hit->chain->chain_id) == 0)
          {
            fl_template_dialog_select (self, k);
            return;
          }
    }
  g_autofree char *msg = g_strdup_printf ("%s has no alignment for %s.", base, want);
  show_error (self, msg);
}

gboolean
fl_template_dialog_add (FlTemplateDialog *self)
{
  int k = fl_template_dialog_get_selected (self);
  if (k < 0)
    {
      show_error (self, "Choose a chain first.");
      return FALSE;
    }
  gboolean use_file = gtk_check_button_get_active (GTK_CHECK_BUTTON (self->file_button));
  if (use_file && !self->alignment)
    {
      show_error (self, "Choose the alignment file, or use Foldlight's global alignment.");
      return FALSE;
    }
  g_autoptr (GError) error = NULL;
  if (!self->add (self->path, g_ptr_array_index (self->chain_ids, k), use_file ? self->alignment : NULL,
                  self->user_data, &error))
    {
      show_error (self, error ? error->message : "The template could not be added.");
      return FALSE;
    }
  gtk_window_destroy (GTK_WINDOW (self));
  return TRUE;
}

static void
on_add_clicked (GtkButton *button, FlTemplateDialog *self)
{
  fl_template_dialog_add (self);
}

static void
on_cancel_clicked (GtkButton *button, FlTemplateDialog *self)
{
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_chooser_response (GtkNativeDialog *chooser, int response, FlTemplateDialog *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) f = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *p = f ? g_file_get_path (f) : NULL;
      if (p)
        fl_template_dialog_set_alignment (self, p);
    }
  else if (!self->alignment)
    gtk_check_button_set_active (GTK_CHECK_BUTTON (self->global_button), TRUE);
  g_clear_object (&self->chooser);
}

static void
on_choose_alignment (GtkButton *button, FlTemplateDialog *self)
{
  if (self->chooser)
    return;
  self->chooser = gtk_file_chooser_native_new ("Choose a Template Alignment (tmpl format)",
                                               GTK_WINDOW (self), GTK_FILE_CHOOSER_ACTION_OPEN,
                                               "_Choose", "_Cancel");
  GtkFileFilter *filter = gtk_file_filter_new ();
  gtk_file_filter_set_name (filter, "Template alignments (.tsv, .txt)");
  gtk_file_filter_add_pattern (filter, "*.tsv");
  gtk_file_filter_add_pattern (filter, "*.txt");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_object_unref (filter);
  g_autofree char *dir = g_path_get_dirname (self->path);
  g_autoptr (GFile) folder = g_file_new_for_path (dir);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (self->chooser), folder, NULL);
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
on_file_toggled (GtkCheckButton *button, FlTemplateDialog *self)
{
  if (gtk_check_button_get_active (button) && !self->alignment)
    on_choose_alignment (NULL, self);
}

static GtkWidget *
heading (const char *text)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_widget_add_css_class (l, "heading");
  return l;
}

FlTemplateDialog *
fl_template_dialog_new (GtkWindow *parent, const char *path, const char *query,
                        FlTemplateDialogAddFunc add, gpointer user_data, GError **error)
{
  g_autoptr (GPtrArray) chains = fl_template_chains_read (path, error);
  if (!chains)
    return NULL;
  FlTemplateDialog *self = g_object_new (FL_TYPE_TEMPLATE_DIALOG, "title", "Add Template",
                                         "modal", TRUE, "transient-for", parent,
                                         "destroy-with-parent", TRUE, NULL);
  self->path = g_strdup (path);
  self->query = g_strdup (query);
  self->add = add;
  self->user_data = user_data;
  int n = (int) chains->len;
  g_autofree int *aligned = g_new0 (int, n);
  g_autofree int *identical = g_new0 (int, n);
  int best = fl_template_chains_best (chains, query, aligned, identical);
  const int L = (int) strlen (query);

  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 8);
  gtk_widget_set_margin_start (box, 16);
  gtk_widget_set_margin_end (box, 16);
  gtk_widget_set_margin_top (box, 14);
  gtk_widget_set_margin_bottom (box, 14);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *title = g_strdup_printf ("Template from %s", base);
  gtk_box_append (GTK_BOX (box), heading (title));
  g_autofree char *intro = g_strdup_printf ("Choose the chain to use as a template for the %d-residue "
                                            "query. Each chain is aligned with the query here; the "
                                            "best match is chosen for you.", L);
  GtkWidget *l = gtk_label_new (intro);
  gtk_label_set_wrap (GTK_LABEL (l), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (l), 60);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_box_append (GTK_BOX (box), l);

  GtkWidget *chain_box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkCheckButton *group = NULL;
  for (int k = 0; k < n; k++)
    {
      const FlTemplateChain *c = g_ptr_array_index (chains, k);
      g_ptr_array_add (self->chain_ids, g_strdup (c->chain_id));
      char *label = g_strdup_printf ("Chain %s · %d residues · %d of %d query residues aligned, "
                                     "%d identical%s", *c->chain_id ? c->chain_id : "(blank)", c->n,
                                     aligned[k], L, identical[k], k == best ? " (best match)" : "");
      g_ptr_array_add (self->labels, label);
      GtkWidget *b = gtk_check_button_new_with_label (label);
      if (group)
        gtk_check_button_set_group (GTK_CHECK_BUTTON (b), group);
      else
        group = GTK_CHECK_BUTTON (b);
      g_ptr_array_add (self->buttons, b);
      gtk_box_append (GTK_BOX (chain_box), b);
    }
  fl_template_dialog_select (self, best >= 0 ? (guint) best : 0);
  if (n > 8)
    {
      GtkWidget *scroll = gtk_scrolled_window_new ();
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroll), chain_box);
      gtk_scrolled_window_set_min_content_height (GTK_SCROLLED_WINDOW (scroll), 220);
      gtk_box_append (GTK_BOX (box), scroll);
    }
  else
    gtk_box_append (GTK_BOX (box), chain_box);

  GtkWidget *h = heading ("Alignment with the query");
  gtk_widget_set_margin_top (h, 6);
  gtk_box_append (GTK_BOX (box), h);
  self->global_button = gtk_check_button_new_with_label ("Foldlight's global alignment "
                                                         "(BLOSUM62, gap open 11, extend 1)");
  self->file_button = gtk_check_button_new_with_label ("Alignment file (tmpl format)…");
  gtk_check_button_set_group (GTK_CHECK_BUTTON (self->file_button), GTK_CHECK_BUTTON (self->global_button));
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->global_button), TRUE);
  g_signal_connect (self->file_button, "toggled", G_CALLBACK (on_file_toggled), self);
  gtk_box_append (GTK_BOX (box), self->global_button);
  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_box_append (GTK_BOX (row), self->file_button);
  GtkWidget *choose = gtk_button_new_with_label ("Choose…");
  g_signal_connect (choose, "clicked", G_CALLBACK (on_choose_alignment), self);
  gtk_box_append (GTK_BOX (row), choose);
  gtk_box_append (GTK_BOX (box), row);

  self->error_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->error_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (self->error_label), 60);
  gtk_label_set_xalign (GTK_LABEL (self->error_label), 0);
  gtk_label_set_selectable (GTK_LABEL (self->error_label), TRUE);
  gtk_widget_add_css_class (self->error_label, "error");
  gtk_widget_set_visible (self->error_label, FALSE);
  gtk_box_append (GTK_BOX (box), self->error_label);

  GtkWidget *buttons = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  gtk_widget_set_halign (buttons, GTK_ALIGN_END);
  gtk_widget_set_margin_top (buttons, 8);
  GtkWidget *cancel = gtk_button_new_with_mnemonic ("_Cancel");
  GtkWidget *ok = gtk_button_new_with_mnemonic ("_Add Template");
  gtk_widget_add_css_class (ok, "suggested-action");
  g_signal_connect (cancel, "clicked", G_CALLBACK (on_cancel_clicked), self);
  g_signal_connect (ok, "clicked", G_CALLBACK (on_add_clicked), self);
  gtk_box_append (GTK_BOX (buttons), cancel);
  gtk_box_append (GTK_BOX (buttons), ok);
  gtk_box_append (GTK_BOX (box), buttons);
  gtk_window_set_child (GTK_WINDOW (self), box);
  gtk_window_set_default_widget (GTK_WINDOW (self), ok);
  return self;
}

static void
fl_template_dialog_dispose (GObject *object)
{
  FlTemplateDialog *self = FL_TEMPLATE_DIALOG (object);
  if (self->chooser)
    {
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  G_OBJECT_CLASS (fl_template_dialog_parent_class)->dispose (object);
}

static void
fl_template_dialog_finalize (GObject *object)
{
  FlTemplateDialog *self = FL_TEMPLATE_DIALOG (object);
  g_free (self->path);
  g_free (self->query);
  g_free (self->alignment);
  g_ptr_array_unref (self->chain_ids);
  g_ptr_array_unref (self->labels);
  g_ptr_array_unref (self->buttons);
  G_OBJECT_CLASS (fl_template_dialog_parent_class)->finalize (object);
}

static void
fl_template_dialog_class_init (FlTemplateDialogClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  oc->dispose = fl_template_dialog_dispose;
  oc->finalize = fl_template_dialog_finalize;
}

static void
fl_template_dialog_init (FlTemplateDialog *self)
{
  self->chain_ids = g_ptr_array_new_with_free_func (g_free);
  self->labels = g_ptr_array_new_with_free_func (g_free);
  self->buttons = g_ptr_array_new ();
}
