#include "fl-residue-signals.h"
#include "fl-pair-map-view.h"
#include "fl-heatmap.h"
#include "fl-panel-export.h"
#include <math.h>
#include <string.h>

struct _FlPairMapView {
  GtkWidget parent_instance;
  GtkWidget *box, *area, *status, *kind_dropdown, *head_dropdown;
  GtkStringList *head_list;
  FlRecycleData *data;
  FlFrame *frame;
  char *sequence;
  FlPairMapKind kind;
  FlPairMapKind preferred;   /* the kind last chosen (menu or API) */
  gboolean auto_kind;        /* set_map_kind called by the fallback, not a choice */
  int head;
  FlPairMap *map;
  cairo_surface_t *image;
  cairo_surface_t *scaled;   /* image box-filtered to the map's pixel size when L > pixels */
  FlPairMapOverlay ov;
  int width, height;
  double drag_x0, drag_y0;
  gboolean dragging, updating_heads;
  char *status_text;
};

G_DEFINE_FINAL_TYPE (FlPairMapView, fl_pair_map_view, GTK_TYPE_WIDGET)

enum { SIG_HOVERED = FL_RESIDUE_SIGNAL_HOVERED, SIG_SELECTED = FL_RESIDUE_SIGNAL_SELECTED,
       SIG_BRUSHED = FL_RESIDUE_SIGNAL_BRUSHED, N_SIGNALS = FL_N_RESIDUE_SIGNALS };
static guint signals[N_SIGNALS];

static void
set_status (FlPairMapView *self, const char *text)
{
  g_free (self->status_text);
  self->status_text = g_strdup (text ? text : "");
  gtk_label_set_text (GTK_LABEL (self->status), self->status_text);
}

static void
update_heads (FlPairMapView *self)
{
  int H = fl_pair_map_n_heads (self->data, self->kind);
  guint want = H > 0 ? (guint) H + 1 : 1;
  self->updating_heads = TRUE;
  if (g_list_model_get_n_items (G_LIST_MODEL (self->head_list)) != want)
    {
      guint n = g_list_model_get_n_items (G_LIST_MODEL (self->head_list));
      GPtrArray *items = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (items, g_strdup (H > 0 ? "mean of heads" : "—"));
      for (int h = 0; h < H; h++)
        g_ptr_array_add (items, g_strdup_printf ("head %d", h + 1));
      g_ptr_array_add (items, NULL);
      gtk_string_list_splice (self->head_list, 0, n, (const char *const *) items->pdata);
      g_ptr_array_unref (items);
    }
  if (self->head >= H)
    self->head = -1;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->head_dropdown), self->head + 1);
  gtk_widget_set_sensitive (self->head_dropdown, H > 0);
  self->updating_heads = FALSE;
}

static void
rebuild_map (FlPairMapView *self)
{
  FlPairMap *m = fl_pair_map_new (self->data, self->kind, self->head);
  if (m && self->image && self->map && self->map->L == m->L)
    fl_pair_map_recolor (m, self->image);   /* same size: recolour in place */
  else
    {
      g_clear_pointer (&self->image, cairo_surface_destroy);
      self->image = m ? fl_pair_map_render (m) : NULL;
    }
  g_clear_pointer (&self->map, fl_pair_map_free);
  g_clear_pointer (&self->scaled, cairo_surface_destroy);
  self->map = m;
  gtk_widget_queue_draw (self->area);
}

char *
fl_pair_map_view_dup_empty_text (FlPairMapView *self)
{
  g_return_val_if_fail (FL_IS_PAIR_MAP_VIEW (self), NULL);
  if (self->map || !self->data)
    return NULL;
  /* what would bring it: a run, or the file that holds it */
  return g_strdup_printf ("%s: not available for recycle %d.\n%s",
                          fl_pair_map_kind_label (self->kind), self->data->recycle,
                          self->kind == FL_PAIR_MAP_PAE
                          ? "PAE comes from a _ptm model's run, or with the prediction's scores / PAE JSON file."
                          : "Maps are captured while a model runs in Foldlight.");
}

static void
draw_func (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FlPairMapView *self = user_data;
  self->width = width;
  self->height = height;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (!self->map && self->data)
    {
      cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, 12);
      cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
      cairo_move_to (cr, 16, 28);
      g_autofree char *t = fl_pair_map_view_dup_empty_text (self);
      char *nl = strchr (t, '\n');
      *nl = '\0';
      cairo_show_text (cr, t);
      cairo_move_to (cr, 16, 46);
      cairo_show_text (cr, nl + 1);
      return;
    }
  cairo_surface_t *image = self->image;
  if (self->map && image)
    {
      /* more cells than pixels: paint a box-filtered copy (made once per
       * size) so that no cell is skipped by nearest sampling */
      FlPairMapLayout lo;
      fl_pair_map_layout_compute (&lo, width, height);
      int px = (int) floor (lo.map_size);
      if (px < self->map->L && px > 0)
        {
          if (!self->scaled || cairo_image_surface_get_width (self->scaled) != px)
            {
              g_clear_pointer (&self->scaled, cairo_surface_destroy);
              self->scaled = fl_heatmap_downscale (self->image, px, px);
            }
          if (self->scaled)
            image = self->scaled;
        }
    }
  fl_pair_map_draw (cr, width, height, self->map, image, &self->ov);
}

static char
letter_at (FlPairMapView *self, int i)
{
  if (self->sequence && i >= 0 && i < (int) strlen (self->sequence))
    return self->sequence[i];
  return '?';
}

static void
hover_cell (FlPairMapView *self, int i, int j)
{
  if (i == self->ov.hover_i && j == self->ov.hover_j)
    return;
  self->ov.hover_i = i;
  self->ov.hover_j = j;
  if (i < 0 || !self->map)
    set_status (self, self->map ? "drag: brush a rectangle · click: select residue" : "");
  else
    {
      float v = self->map->values[(gsize) i * self->map->L + j];
      GString *s = g_string_new (NULL);
      g_string_append_printf (s, "i %d %c  ·  j %d %c  ·  value %.4g%s%s", i + 1, letter_at (self, i),
                              j + 1, letter_at (self, j), v, *self->map->unit ? " " : "",
                              self->map->unit);
      if (self->frame && i < self->frame->L && j < self->frame->L)
        {
          const float *a = fl_frame_ca (self->frame, i), *b = fl_frame_ca (self->frame, j);
          double d = sqrt ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
                           (a[2] - b[2]) * (a[2] - b[2]));
          g_string_append_printf (s, "  ·  CA–CA %.1f Å", d);
        }
      set_status (self, s->str);
      g_string_free (s, TRUE);
    }
  gtk_widget_queue_draw (self->area);
  g_signal_emit (self, signals[SIG_HOVERED], 0, i, j);
}

static gboolean
cell_at (FlPairMapView *self, double x, double y, int *i, int *j)
{
  if (!self->map || self->width < 1)
    return FALSE;
  FlPairMapLayout lo;
  fl_pair_map_layout_compute (&lo, self->width, self->height);
  return fl_pair_map_cell_at (&lo, self->map->L, x, y, i, j);
}

void
fl_pair_map_view_hover_at (FlPairMapView *self, double x, double y)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  int i = -1, j = -1;
  if (!cell_at (self, x, y, &i, &j))
    i = j = -1;
  hover_cell (self, i, j);
}

gboolean
fl_pair_map_view_cell_center (FlPairMapView *self, int i, int j, double *x, double *y)
{
  g_return_val_if_fail (FL_IS_PAIR_MAP_VIEW (self), FALSE);
  if (!self->map || self->width < 1 || i < 0 || j < 0 || i >= self->map->L || j >= self->map->L)
    return FALSE;
  FlPairMapLayout lo;
  fl_pair_map_layout_compute (&lo, self->width, self->height);
  double cs = lo.map_size / self->map->L;
  *x = lo.map_x + (j + 0.5) * cs;
  *y = lo.map_y + (i + 0.5) * cs;
  return TRUE;
}

static void
on_motion (GtkEventControllerMotion *ctl, double x, double y, FlPairMapView *self)
{
  fl_pair_map_view_hover_at (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *ctl, FlPairMapView *self)
{
  hover_cell (self, -1, -1);
}

static void
on_drag_begin (GtkGestureDrag *g, double x, double y, FlPairMapView *self)
{
  self->drag_x0 = x;
  self->drag_y0 = y;
  self->dragging = FALSE;
}

static void
clamp_cell (FlPairMapView *self, double x, double y, int *i, int *j)
{
  FlPairMapLayout lo;
  fl_pair_map_layout_compute (&lo, self->width, self->height);
  double e = lo.map_size * 1e-6;
  x = CLAMP (x, lo.map_x, lo.map_x + lo.map_size - e);
  y = CLAMP (y, lo.map_y, lo.map_y + lo.map_size - e);
  fl_pair_map_cell_at (&lo, self->map->L, x, y, i, j);
}

/* The brush rectangle between two map-area points (clamped to the map). */
static void
set_brush (FlPairMapView *self, double x0, double y0, double x1, double y1)
{
  int i0, j0, i1, j1;
  clamp_cell (self, x0, y0, &i0, &j0);
  clamp_cell (self, x1, y1, &i1, &j1);
  self->ov.brush_i0 = MIN (i0, i1);
  self->ov.brush_i1 = MAX (i0, i1);
  self->ov.brush_j0 = MIN (j0, j1);
  self->ov.brush_j1 = MAX (j0, j1);
  gtk_widget_queue_draw (self->area);
}

static void
on_drag_update (GtkGestureDrag *g, double dx, double dy, FlPairMapView *self)
{
  if (!self->map)
    return;
  if (!self->dragging && hypot (dx, dy) < 4)
    return;
  int i0, j0;
  if (!self->dragging && !cell_at (self, self->drag_x0, self->drag_y0, &i0, &j0))
    return;
  self->dragging = TRUE;
  set_brush (self, self->drag_x0, self->drag_y0, self->drag_x0 + dx, self->drag_y0 + dy);
}

gboolean
fl_pair_map_view_brush_between (FlPairMapView *self, double x0, double y0, double x1, double y1)
{
  g_return_val_if_fail (FL_IS_PAIR_MAP_VIEW (self), FALSE);
  if (!self->map || !cell_at (self, x0, y0, NULL, NULL))
    return FALSE;
  set_brush (self, x0, y0, x1, y1);
  g_signal_emit (self, signals[SIG_BRUSHED], 0, self->ov.brush_i0, self->ov.brush_i1);
  return TRUE;
}

static void
on_drag_end (GtkGestureDrag *g, double dx, double dy, FlPairMapView *self)
{
  if (!self->map)
    return;
  if (self->dragging)
    {
      self->dragging = FALSE;
      g_signal_emit (self, signals[SIG_BRUSHED], 0, self->ov.brush_i0, self->ov.brush_i1);
      return;
    }
  int i, j;
  if (cell_at (self, self->drag_x0, self->drag_y0, &i, &j))
    fl_pair_map_view_click_cell (self, i, j);
}

void
fl_pair_map_view_clear_brush (FlPairMapView *self)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  self->ov.brush_i0 = self->ov.brush_i1 = self->ov.brush_j0 = self->ov.brush_j1 = -1;
  gtk_widget_queue_draw (self->area);
}

void
fl_pair_map_view_click_cell (FlPairMapView *self, int i, int j)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  if (!self->map || i < 0 || i >= self->map->L)
    return;
  gboolean had_brush = self->ov.brush_i0 >= 0;
  self->ov.brush_i0 = self->ov.brush_i1 = self->ov.brush_j0 = self->ov.brush_j1 = -1;
  self->ov.selected = self->ov.selected == i ? -1 : i;
  gtk_widget_queue_draw (self->area);
  if (had_brush)
    g_signal_emit (self, signals[SIG_BRUSHED], 0, -1, -1);
  g_signal_emit (self, signals[SIG_SELECTED], 0, self->ov.selected);
}

static void
on_kind_changed (GtkDropDown *dd, GParamSpec *pspec, FlPairMapView *self)
{
  fl_pair_map_view_set_map_kind (self, gtk_drop_down_get_selected (dd));
}

static void
on_head_changed (GtkDropDown *dd, GParamSpec *pspec, FlPairMapView *self)
{
  if (self->updating_heads)
    return;
  guint sel = gtk_drop_down_get_selected (dd);
  fl_pair_map_view_set_head (self, sel == GTK_INVALID_LIST_POSITION ? -1 : (int) sel - 1);
}

static gboolean
export_cb (GtkWidget *panel, FlExportFormat format, const char *path, GError **error)
{
  return fl_pair_map_view_export (FL_PAIR_MAP_VIEW (panel), format, path, error);
}

static void
fl_pair_map_view_dispose (GObject *object)
{
  FlPairMapView *self = FL_PAIR_MAP_VIEW (object);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->data, fl_recycle_data_unref);
  g_clear_pointer (&self->frame, fl_frame_unref);
  g_clear_pointer (&self->map, fl_pair_map_free);
  g_clear_pointer (&self->image, cairo_surface_destroy);
  g_clear_pointer (&self->scaled, cairo_surface_destroy);
  g_clear_pointer (&self->sequence, g_free);
  g_clear_pointer (&self->status_text, g_free);
  G_OBJECT_CLASS (fl_pair_map_view_parent_class)->dispose (object);
}

static void
fl_pair_map_view_class_init (FlPairMapViewClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = fl_pair_map_view_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  fl_residue_signals_install (klass, signals, N_SIGNALS);
}

static void
fl_pair_map_view_init (FlPairMapView *self)
{
  self->kind = FL_PAIR_MAP_MSA_ROW_ATTENTION;
  self->preferred = FL_PAIR_MAP_MSA_ROW_ATTENTION;
  self->head = -1;
  fl_pair_map_overlay_init (&self->ov);
  self->status_text = g_strdup ("");

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));
  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (bar, 4);
  gtk_widget_set_margin_end (bar, 4);
  gtk_widget_set_margin_top (bar, 2);
  const char *labels[FL_PAIR_MAP_N_KINDS + 1];
  for (int k = 0; k < FL_PAIR_MAP_N_KINDS; k++)
    labels[k] = fl_pair_map_kind_label (k);
  labels[FL_PAIR_MAP_N_KINDS] = NULL;
  self->kind_dropdown = gtk_drop_down_new_from_strings (labels);
  gtk_widget_set_tooltip_text (self->kind_dropdown, "Which L × L map to show");
  g_signal_connect (self->kind_dropdown, "notify::selected", G_CALLBACK (on_kind_changed), self);
  gtk_box_append (GTK_BOX (bar), self->kind_dropdown);
  const char *heads[] = { "—", NULL };
  self->head_list = gtk_string_list_new (heads);
  self->head_dropdown = gtk_drop_down_new (G_LIST_MODEL (self->head_list), NULL);
  gtk_widget_set_tooltip_text (self->head_dropdown, "Attention head (or the mean over heads)");
  g_signal_connect (self->head_dropdown, "notify::selected", G_CALLBACK (on_head_changed), self);
  gtk_box_append (GTK_BOX (bar), self->head_dropdown);
  GtkWidget *spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_hexpand (spacer, TRUE);
  gtk_box_append (GTK_BOX (bar), spacer);
  gtk_box_append (GTK_BOX (bar), fl_panel_export_button_new (GTK_WIDGET (self), export_cb, "pair-map"));
  gtk_box_append (GTK_BOX (self->box), bar);

  self->area = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (self->area, TRUE);
  gtk_widget_set_vexpand (self->area, TRUE);
  gtk_widget_set_size_request (self->area, 240, 200);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area), draw_func, self, NULL);
  gtk_box_append (GTK_BOX (self->box), self->area);
  self->status = gtk_label_new ("");
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->status), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_start (self->status, 6);
  gtk_widget_add_css_class (self->status, "dim-label");
  gtk_box_append (GTK_BOX (self->box), self->status);

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (self->area, motion);
  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (self->area, GTK_EVENT_CONTROLLER (drag));
}

GtkWidget *
fl_pair_map_view_new (void)
{
  return g_object_new (FL_TYPE_PAIR_MAP_VIEW, NULL);
}

void
fl_pair_map_view_set_recycle_data (FlPairMapView *self, FlRecycleData *data)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  if (data == self->data)
    return;
  if (data)
    fl_recycle_data_ref (data);
  g_clear_pointer (&self->data, fl_recycle_data_unref);
  self->data = data;
  if (!data || (self->map && self->map->L != data->L))
    fl_pair_map_overlay_init (&self->ov);
  /* the chosen kind where the data has it, else the first kind it has (an
   * opened prediction carries only the PAE): never an empty panel while
   * another map is there */
  if (data)
    {
      FlPairMapKind want = self->preferred;
      if (!fl_pair_map_available (data, want))
        for (int k = 0; k < FL_PAIR_MAP_N_KINDS; k++)
          if (fl_pair_map_available (data, (FlPairMapKind) k))
            {
              want = (FlPairMapKind) k;
              break;
            }
      if (want != self->kind && fl_pair_map_available (data, want))
        {
          self->auto_kind = TRUE;
          fl_pair_map_view_set_map_kind (self, want);
          self->auto_kind = FALSE;
        }
    }
  update_heads (self);
  rebuild_map (self);
}

void
fl_pair_map_view_set_frame (FlPairMapView *self, FlFrame *frame)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  if (frame)
    fl_frame_ref (frame);
  g_clear_pointer (&self->frame, fl_frame_unref);
  self->frame = frame;
}

void
fl_pair_map_view_set_sequence (FlPairMapView *self, const char *sequence)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  g_free (self->sequence);
  self->sequence = g_strdup (sequence);
}

void
fl_pair_map_view_set_map_kind (FlPairMapView *self, FlPairMapKind kind)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  if ((int) kind < 0 || kind >= FL_PAIR_MAP_N_KINDS)
    return;
  if (!self->auto_kind)
    self->preferred = kind;
  if (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->kind_dropdown)) != (guint) kind)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (self->kind_dropdown), kind);
  if (kind == self->kind && self->map)
    return;
  self->kind = kind;
  update_heads (self);
  rebuild_map (self);
}

FlPairMapKind
fl_pair_map_view_get_map_kind (FlPairMapView *self)
{
  g_return_val_if_fail (FL_IS_PAIR_MAP_VIEW (self), FL_PAIR_MAP_MSA_ROW_ATTENTION);
  return self->kind;
}

void
fl_pair_map_view_set_head (FlPairMapView *self, int head)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  int H = fl_pair_map_n_heads (self->data, self->kind);
  head = head >= 0 && head < H ? head : -1;
  if (head == self->head && self->map)
    return;
  self->head = head;
  update_heads (self);
  rebuild_map (self);
}

void
fl_pair_map_view_select_residue (FlPairMapView *self, int residue)
{
  g_return_if_fail (FL_IS_PAIR_MAP_VIEW (self));
  self->ov.selected = residue;
  gtk_widget_queue_draw (self->area);
}

const FlPairMap *
fl_pair_map_view_get_map (FlPairMapView *self)
{
  g_return_val_if_fail (FL_IS_PAIR_MAP_VIEW (self), NULL);
  return self->map;
}

gboolean
fl_pair_map_view_get_brush (FlPairMapView *self, int *i0, int *i1, int *j0, int *j1)
{
  g_return_val_if_fail (FL_IS_PAIR_MAP_VIEW (self), FALSE);
  if (i0) *i0 = self->ov.brush_i0;
  if (i1) *i1 = self->ov.brush_i1;
  if (j0) *j0 = self->ov.brush_j0;
  if (j1) *j1 = self->ov.brush_j1;
  return self->ov.brush_i0 >= 0;
}

const char *
fl_pair_map_view_get_status (FlPairMapView *self)
{
  g_return_val_if_fail (FL_IS_PAIR_MAP_VIEW (self), NULL);
  return self->status_text;
}

static void
export_draw (cairo_t *cr, double w, double h, gpointer data)
{
  FlPairMapView *self = data;
  FlPairMapOverlay ov;
  fl_pair_map_overlay_init (&ov);
  ov.selected = self->ov.selected;
  fl_pair_map_draw (cr, w, h, self->map, self->image, &ov);
}

gboolean
fl_pair_map_view_export (FlPairMapView *self, FlExportFormat format, const char *path,
                         GError **error)
{
  g_return_val_if_fail (FL_IS_PAIR_MAP_VIEW (self), FALSE);
  if (!self->map)
    {
      g_set_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_EMPTY, "no map to export");
      return FALSE;
    }
  int w = MAX (self->width, 760), h = MAX (self->height, 640);
  switch (format)
    {
    case FL_EXPORT_PNG:
      return fl_export_png (path, w, h, export_draw, self, error);
    case FL_EXPORT_SVG:
      return fl_export_svg (path, w, h, export_draw, self, error);
    case FL_EXPORT_CSV:
      {
        g_autofree char *t = fl_pair_map_to_csv (self->map);
        return fl_export_text (path, t, error);
      }
    case FL_EXPORT_JSON:
    default:
      {
        g_autofree char *t = fl_pair_map_to_json (self->map);
        return fl_export_text (path, t, error);
      }
    }
}
