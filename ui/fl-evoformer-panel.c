/* Inside the Evoformer: attention capture choices and the per-block
 * distogram probe (see fl-evoformer-panel.h). */
#include "fl-evoformer-panel.h"
#include <math.h>
#include <string.h>

#define DEFAULT_BLOCKS 48

struct _FlEvoformerPanel {
  GtkBox parent;
  FlWindow *window;              /* weak */
  GtkWidget *block_spin, *residue_spin, *record;
  GtkWidget *scale, *play, *map, *caption, *kind;
  FlRecycleData *shown;          /* ref: the recycle whose probe is drawn */
  int block;                     /* 0-based block drawn */
  int L_seen;                    /* residue count the residue spin was set for */
  guint tick, play_source;
};

G_DEFINE_FINAL_TYPE (FlEvoformerPanel, fl_evoformer_panel, GTK_TYPE_BOX)

static void
text_at (cairo_t *cr, double x, double y, double ax, double ay, const char *text)
{
  cairo_text_extents_t e;
  cairo_text_extents (cr, text, &e);
  cairo_move_to (cr, x - ax * e.width - e.x_bearing, y - ay * e.height - e.y_bearing);
  cairo_show_text (cr, text);
}

/* White (0) to dark blue (1): contact probability. */
static void
prob_color (double p, guint8 *rgb)
{
  p = CLAMP (p, 0.0, 1.0);
  rgb[0] = (guint8) lrint (255 - p * (255 - 13));
  rgb[1] = (guint8) lrint (255 - p * (255 - 71));
  rgb[2] = (guint8) lrint (255 - p * (255 - 161));
}

static void
draw_map (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FlEvoformerPanel *self = user_data;
  GdkRGBA fg;
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (area)), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 11);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
  FlRecycleData *d = self->shown;
  gboolean dist = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->kind)) == 1;
  if (!d || !d->block_contacts || !d->block_distances || d->n_probe_blocks < 1)
    {
      text_at (cr, width / 2.0, height / 2.0, 0.5, 0.5,
               "No probe recorded: tick “Record” and run to watch the contact map form");
      return;
    }
  int L = d->L, b = CLAMP (self->block, 0, d->n_probe_blocks - 1);
  /* one scale for every block of the recycle: its largest probability */
  /* one colour scale for every block of the recycle: its whole range */
  const float *ranges = dist ? d->block_distance_range : d->block_contact_range;
  double vmin = INFINITY, vmax = -INFINITY;
  for (int k = 0; k < d->n_probe_blocks; k++)
    {
      vmin = MIN (vmin, ranges[2 * k]);
      vmax = MAX (vmax, ranges[2 * k + 1]);
    }
  double span = vmax > vmin ? vmax - vmin : 1.0;
  double lo = (ranges[2 * b] - vmin) / span;
  double q_step = (ranges[2 * b + 1] - ranges[2 * b]) / 255.0 / span;
  double margin_l = 48, margin_b = 40, margin_t = 30;
  double side = MIN (width - margin_l - 90, height - margin_b - margin_t);
  if (side < 40)
    return;
  double x0 = margin_l, y0 = margin_t;
  cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, L, L);
  guint8 *px = cairo_image_surface_get_data (img);
  int stride = cairo_image_surface_get_stride (img);
  const guint8 *plane = (dist ? d->block_distances : d->block_contacts) + (gsize) b * L * L;
  cairo_surface_flush (img);
  for (int i = 0; i < L; i++)
    for (int j = 0; j < L; j++)
      {
        guint8 rgb[3];
        double v = lo + plane[(gsize) i * L + j] * q_step;
        prob_color (dist ? 1.0 - v : v, rgb); /* near: dark */
        guint32 *p = (guint32 *) (px + (gsize) i * stride) + j;
        *p = (guint32) rgb[0] << 16 | (guint32) rgb[1] << 8 | rgb[2];
      }
  cairo_surface_mark_dirty (img);
  cairo_save (cr);
  cairo_translate (cr, x0, y0);
  cairo_scale (cr, side / L, side / L);
  cairo_set_source_surface (cr, img, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, L, L);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_surface_destroy (img);
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x0 + 0.5, y0 + 0.5, side, side);
  cairo_stroke (cr);

  /* axes: residue numbers 1..L */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
  int step = L <= 20 ? 5 : L <= 100 ? 20 : L <= 400 ? 50 : 200;
  for (int r = step; r <= L; r += step)
    {
      char lab[16];
      g_snprintf (lab, sizeof lab, "%d", r);
      double t = (r - 0.5) / L * side;
      text_at (cr, x0 + t, y0 + side + 4, 0.5, 0.0, lab);
      text_at (cr, x0 - 4, y0 + t, 1.0, 0.5, lab);
    }
  text_at (cr, x0 + side / 2, y0 + side + 22, 0.5, 0.0, "residue j");
  cairo_save (cr);
  cairo_translate (cr, 12, y0 + side / 2);
  cairo_rotate (cr, -G_PI / 2);
  text_at (cr, 0, 0, 0.5, 0.5, "residue i");
  cairo_restore (cr);
  char title[160];
  g_snprintf (title, sizeof title, "%s after block %d of %d · recycle %d (probe)",
              dist ? "Expected Cβ–Cβ distance" : "P(Cβ–Cβ < 8 Å)", b + 1, d->n_probe_blocks,
              d->recycle);
  text_at (cr, x0, 8, 0.0, 0.0, title);

  /* colour bar */
  double bx = x0 + side + 24, bh = side;
  for (int k = 0; k < 64; k++)
    {
      guint8 rgb[3];
      double v = 1.0 - (k + 0.5) / 64;
      prob_color (dist ? 1.0 - v : v, rgb);
      cairo_set_source_rgb (cr, rgb[0] / 255.0, rgb[1] / 255.0, rgb[2] / 255.0);
      cairo_rectangle (cr, bx, y0 + bh * k / 64, 14, bh / 64 + 0.5);
      cairo_fill (cr);
    }
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.85);
  char vtop[32], vbot[32];
  g_snprintf (vtop, sizeof vtop, dist ? "%.3g Å" : "%.3g", dist ? vmin : vmax);
  g_snprintf (vbot, sizeof vbot, dist ? "%.3g Å" : "%.3g", dist ? vmax : vmin);
  text_at (cr, bx + 18, y0, 0.0, 0.0, vtop);
  text_at (cr, bx + 18, y0 + bh, 0.0, 1.0, vbot);
  cairo_save (cr);
  cairo_translate (cr, bx + 40, y0 + bh / 2);
  cairo_rotate (cr, G_PI / 2);
  text_at (cr, 0, 0, 0.5, 0.5, dist ? "expected distance, this recycle's range"
                                    : "contact probability, this recycle's range");
  cairo_restore (cr);
}

static void
update_caption (FlEvoformerPanel *self)
{
  FlRecycleData *d = self->shown;
  int n = d && d->block_contacts ? d->n_probe_blocks : 0;
  gtk_widget_set_sensitive (self->scale, n > 1);
  gtk_widget_set_sensitive (self->play, n > 1);
  g_autofree char *text = n > 0
    ? g_strdup_printf ("A probe, not the model's output: AlphaFold2 applies the distogram head "
                       "only after block %d. Here the same head reads the pair representation "
                       "after every block.", n)
    : g_strdup ("The distogram head applied after every Evoformer block (a probe): tick "
                "“Record” before a run.");
  gtk_label_set_text (GTK_LABEL (self->caption), text);
}

void
fl_evoformer_panel_refresh (FlEvoformerPanel *self)
{
  if (!self->window)
    return;
  /* the residue chooser follows the chain length */
  const char *seq = fl_window_get_sequence (self->window);
  int L = seq ? (int) strlen (seq) : 0;
  if (L > 0 && L != self->L_seen)
    {
      /* the choice stays when it fits (0: the middle residue) */
      self->L_seen = L;
      gtk_spin_button_set_range (GTK_SPIN_BUTTON (self->residue_spin), 0, L);
    }
  /* the recycle on the timeline, else the last with a probe */
  GPtrArray *recs = fl_window_get_recycles (self->window);
  FlFrame *frame = fl_window_get_current_frame (self->window);
  FlRecycleData *pick = NULL;
  for (guint k = 0; recs && k < recs->len; k++)
    {
      FlRecycleData *d = g_ptr_array_index (recs, k);
      if (!d->block_contacts)
        continue;
      if (!pick || !frame || d->recycle <= frame->recycle)
        pick = d;
    }
  if (pick != self->shown)
    {
      g_clear_pointer (&self->shown, fl_recycle_data_unref);
      self->shown = pick ? fl_recycle_data_ref (pick) : NULL;
      int n = pick ? pick->n_probe_blocks : 1;
      gtk_range_set_range (GTK_RANGE (self->scale), 1, MAX (n, 2));
      if (self->block >= n)
        self->block = n - 1;
      update_caption (self);
      gtk_widget_queue_draw (self->map);
    }
}

static gboolean
on_tick (gpointer user_data)
{
  fl_evoformer_panel_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

static void
on_scale_changed (GtkRange *range, FlEvoformerPanel *self)
{
  self->block = (int) lround (gtk_range_get_value (range)) - 1;
  gtk_widget_queue_draw (self->map);
}

static gboolean
on_play_step (gpointer user_data)
{
  FlEvoformerPanel *self = user_data;
  int n = self->shown ? self->shown->n_probe_blocks : 0;
  if (n < 2 || self->block >= n - 1)
    {
      gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->play), FALSE);
      return G_SOURCE_REMOVE;
    }
  gtk_range_set_value (GTK_RANGE (self->scale), self->block + 2);
  return G_SOURCE_CONTINUE;
}

static void
on_play_toggled (GtkToggleButton *button, FlEvoformerPanel *self)
{
  if (gtk_toggle_button_get_active (button))
    {
      if (self->shown && self->block >= self->shown->n_probe_blocks - 1)
        gtk_range_set_value (GTK_RANGE (self->scale), 1);
      if (!self->play_source)
        self->play_source = g_timeout_add (160, on_play_step, self);
    }
  else if (self->play_source)
    {
      g_source_remove (self->play_source);
      self->play_source = 0;
    }
}

static void
fl_evoformer_panel_dispose (GObject *object)
{
  FlEvoformerPanel *self = FL_EVOFORMER_PANEL (object);
  if (self->tick)
    g_source_remove (self->tick);
  self->tick = 0;
  if (self->play_source)
    g_source_remove (self->play_source);
  self->play_source = 0;
  g_clear_pointer (&self->shown, fl_recycle_data_unref);
  if (self->window)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  self->window = NULL;
  G_OBJECT_CLASS (fl_evoformer_panel_parent_class)->dispose (object);
}

static void
fl_evoformer_panel_class_init (FlEvoformerPanelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = fl_evoformer_panel_dispose;
}

static GtkWidget *
plain_label (const char *text)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_label_set_xalign (GTK_LABEL (l), 0.0f);
  return l;
}

static void
fl_evoformer_panel_init (FlEvoformerPanel *self)
{
  GtkBox *box = GTK_BOX (self);
  gtk_orientable_set_orientation (GTK_ORIENTABLE (self), GTK_ORIENTATION_VERTICAL);
  gtk_box_set_spacing (box, 6);
  gtk_widget_set_margin_start (GTK_WIDGET (self), 8);
  gtk_widget_set_margin_end (GTK_WIDGET (self), 8);
  gtk_widget_set_margin_top (GTK_WIDGET (self), 6);

  GtkWidget *row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_box_append (GTK_BOX (row), plain_label ("Attention maps of the next run: block"));
  self->block_spin = gtk_spin_button_new_with_range (1, DEFAULT_BLOCKS, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->block_spin), DEFAULT_BLOCKS);
  gtk_widget_set_tooltip_text (self->block_spin,
                               "Evoformer block whose attention the Pair maps tab shows "
                               "(beyond the model's last block: the last)");
  gtk_box_append (GTK_BOX (row), self->block_spin);
  gtk_box_append (GTK_BOX (row), plain_label ("residue"));
  self->residue_spin = gtk_spin_button_new_with_range (0, 10000, 1);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->residue_spin), 0);
  gtk_widget_set_tooltip_text (self->residue_spin,
                               "Query residue of the triangle attention maps "
                               "(0: the middle residue, L/2)");
  gtk_box_append (GTK_BOX (row), self->residue_spin);
  gtk_box_append (box, row);

  self->record = gtk_check_button_new_with_label (
    "Record the contact-map probe after every Evoformer block (next run)");
  gtk_widget_set_tooltip_text (self->record, "Costs a distogram head per block: about a "
                               "tenth more run time, and L² bytes per block and recycle");
  gtk_box_append (box, self->record);

  GtkWidget *row2 = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  self->play = gtk_toggle_button_new ();
  gtk_button_set_icon_name (GTK_BUTTON (self->play), "media-playback-start-symbolic");
  gtk_widget_set_tooltip_text (self->play, "Play the blocks");
  gtk_box_append (GTK_BOX (row2), self->play);
  gtk_box_append (GTK_BOX (row2), plain_label ("Evoformer block"));
  self->scale = gtk_scale_new_with_range (GTK_ORIENTATION_HORIZONTAL, 1, 2, 1);
  gtk_scale_set_draw_value (GTK_SCALE (self->scale), TRUE);
  gtk_scale_set_digits (GTK_SCALE (self->scale), 0);
  gtk_widget_set_hexpand (self->scale, TRUE);
  gtk_box_append (GTK_BOX (row2), self->scale);
  self->kind = gtk_drop_down_new_from_strings ((const char *[]) { "Contact probability",
                                                                  "Expected distance", NULL });
  gtk_widget_set_tooltip_text (self->kind, "What the probe shows: both come from the distogram head");
  gtk_box_append (GTK_BOX (row2), self->kind);
  gtk_box_append (box, row2);

  self->map = gtk_drawing_area_new ();
  gtk_widget_set_vexpand (self->map, TRUE);
  gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (self->map), 260);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->map), draw_map, self, NULL);
  gtk_box_append (box, self->map);
  self->caption = plain_label ("");
  gtk_label_set_wrap (GTK_LABEL (self->caption), TRUE);
  gtk_widget_add_css_class (self->caption, "dim-label");
  gtk_box_append (box, self->caption);

  g_signal_connect (self->scale, "value-changed", G_CALLBACK (on_scale_changed), self);
  g_signal_connect (self->play, "toggled", G_CALLBACK (on_play_toggled), self);
  g_signal_connect_swapped (self->kind, "notify::selected", G_CALLBACK (gtk_widget_queue_draw),
                            self->map);
  update_caption (self);
}

GtkWidget *
fl_evoformer_panel_new (FlWindow *window)
{
  FlEvoformerPanel *self = g_object_new (FL_TYPE_EVOFORMER_PANEL, NULL);
  self->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);
  self->tick = g_timeout_add (200, on_tick, self);
  fl_evoformer_panel_refresh (self);
  return GTK_WIDGET (self);
}

int
fl_evoformer_panel_get_attention_block (FlEvoformerPanel *self)
{
  return gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->block_spin));
}

int
fl_evoformer_panel_get_attention_residue (FlEvoformerPanel *self)
{
  return gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->residue_spin));
}

gboolean
fl_evoformer_panel_get_record_probe (FlEvoformerPanel *self)
{
  return gtk_check_button_get_active (GTK_CHECK_BUTTON (self->record));
}

void
fl_evoformer_panel_set_record_probe (FlEvoformerPanel *self, gboolean record)
{
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->record), record);
}

void
fl_evoformer_panel_set_block (FlEvoformerPanel *self, int block)
{
  gtk_range_set_value (GTK_RANGE (self->scale), block);
  self->block = block - 1;
  gtk_widget_queue_draw (self->map);
}

int
fl_evoformer_panel_get_n_probe_blocks (FlEvoformerPanel *self)
{
  return self->shown && self->shown->block_contacts ? self->shown->n_probe_blocks : 0;
}

void
fl_evoformer_panel_set_kind (FlEvoformerPanel *self, int kind)
{
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->kind), kind == 1 ? 1 : 0);
}
