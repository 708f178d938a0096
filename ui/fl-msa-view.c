#include "fl-residue-signals.h"
#include "fl-msa-view.h"
#include "fl-heatmap.h"
#include "fl-panel-export.h"
#include "fl-template-tracks.h"
#include <math.h>

#define TILE 256
#define MAX_CACHED_TILES 320
#define MAX_CELL_PX 24.0

typedef struct {
  cairo_surface_t *surface;   /* NULL while pending */
} TileEntry;

typedef struct {
  FlMsaModel *model;
  FlMsaColorMode mode;
  gboolean mark_insertions;
  int tr, tc;
  guint generation;
} TileJob;

struct _FlMsaView {
  GtkWidget parent_instance;
  GtkWidget *box, *area, *status, *mode_dropdown, *ins_check, *weights_check;
  GtkAdjustment *vadj, *hadj;
  FlMsaModel *model;
  FlMsaColorMode mode;
  gboolean mark_insertions, show_weights;
  float *weights;                 /* (n_rows) or NULL */
  double zoom_x, zoom_y;          /* >= 1, relative to fit */
  int width, height;              /* of the drawing area */
  GHashTable *tiles;              /* key -> TileEntry */
  guint generation;
  guint pending;
  GCancellable *cancellable;
  int selected, hover_row, hover_col;
  int brush_first, brush_last;
  double drag_x0, drag_y0;
  double pointer_x, pointer_y;
  gboolean scroll_pending;          /* scroll_to before the first size */
  double pending_row, pending_col;
  gboolean dragging;
  FlTemplateTracks *tracks;         /* template coverage, or NULL */
  char *track_query;
  int hover_track;
};

G_DEFINE_FINAL_TYPE (FlMsaView, fl_msa_view, GTK_TYPE_WIDGET)

enum { SIG_HOVERED = FL_RESIDUE_SIGNAL_HOVERED, SIG_SELECTED = FL_RESIDUE_SIGNAL_SELECTED,
       SIG_BRUSHED = FL_RESIDUE_SIGNAL_BRUSHED, N_SIGNALS = FL_N_RESIDUE_SIGNALS };
static guint signals[N_SIGNALS];

static void
tile_entry_free (gpointer p)
{
  TileEntry *e = p;
  if (e->surface)
    cairo_surface_destroy (e->surface);
  g_free (e);
}

static void
tile_job_free (gpointer p)
{
  TileJob *j = p;
  fl_msa_model_unref (j->model);
  g_free (j);
}

static guint
tile_key (int tr, int tc)
{
  return ((guint) tr << 12) | (guint) tc;
}

/* geometry ------------------------------------------------------------ */

typedef struct {
  FlMsaLayout lo;
  double cell_w, cell_h;   /* px per cell */
  double row0, col0;       /* first visible row / column (fractional) */
  double nrows, ncols;     /* visible rows / columns */
} View;

static gboolean
weights_visible (FlMsaView *self)
{
  return self->show_weights && self->weights != NULL;
}

static void
compute_view (FlMsaView *self, View *v)
{
  fl_msa_layout_compute (&v->lo, self->width, self->height, weights_visible (self));
  if (self->tracks)
    fl_msa_layout_add_tracks (&v->lo, fl_template_tracks_height (self->tracks->n));
  int N = self->model ? self->model->n_rows : 1, L = self->model ? self->model->L : 1;
  double fit_w = v->lo.map_w / L, fit_h = v->lo.map_h / N;
  v->cell_w = MIN (fit_w * self->zoom_x, MAX (MAX_CELL_PX, fit_w));
  v->cell_h = MIN (fit_h * self->zoom_y, MAX (MAX_CELL_PX, fit_h));
  v->ncols = MIN (v->lo.map_w / v->cell_w, L);
  v->nrows = MIN (v->lo.map_h / v->cell_h, N);
  v->col0 = CLAMP (gtk_adjustment_get_value (self->hadj), 0, MAX (L - v->ncols, 0));
  v->row0 = CLAMP (gtk_adjustment_get_value (self->vadj), 0, MAX (N - v->nrows, 0));
}

static void
update_adjustments (FlMsaView *self)
{
  if (!self->model || self->width < 1)
    {
      gtk_adjustment_configure (self->vadj, 0, 0, 1, 1, 10, 1);
      gtk_adjustment_configure (self->hadj, 0, 0, 1, 1, 10, 1);
      return;
    }
  if (self->scroll_pending)
    {
      /* a scroll asked for before the widget had a size */
      self->scroll_pending = FALSE;
      View w;
      compute_view (self, &w);
      gtk_adjustment_configure (self->vadj, self->pending_row, 0, self->model->n_rows, 3,
                                MAX (1, w.nrows * 0.9), w.nrows);
      gtk_adjustment_configure (self->hadj, self->pending_col, 0, self->model->L, 3,
                                MAX (1, w.ncols * 0.9), w.ncols);
    }
  View v;
  compute_view (self, &v);
  gtk_adjustment_configure (self->vadj, v.row0, 0, self->model->n_rows,
                            MAX (1, 3), MAX (1, v.nrows * 0.9), v.nrows);
  gtk_adjustment_configure (self->hadj, v.col0, 0, self->model->L,
                            MAX (1, 3), MAX (1, v.ncols * 0.9), v.ncols);
}

/* tiles --------------------------------------------------------------- */

static void
clear_tiles (FlMsaView *self)
{
  self->generation++;
  g_hash_table_remove_all (self->tiles);
  self->pending = 0;
}

static void
render_tile_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  TileJob *j = task_data;
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_pointer (task, NULL, NULL);
      return;
    }
  int r0 = j->tr * TILE, c0 = j->tc * TILE;
  int rows = MIN (TILE, j->model->n_rows - r0), cols = MIN (TILE, j->model->L - c0);
  cairo_surface_t *s = fl_msa_model_render_tile (j->model, j->mode, j->mark_insertions,
                                                 r0, c0, rows, cols);
  g_task_return_pointer (task, s, (GDestroyNotify) cairo_surface_destroy);
}

static void
tile_ready (GObject *source, GAsyncResult *res, gpointer user_data)
{
  FlMsaView *self = FL_MSA_VIEW (source);
  TileJob *j = g_task_get_task_data (G_TASK (res));
  cairo_surface_t *s = g_task_propagate_pointer (G_TASK (res), NULL);
  if (!self->tiles || j->generation != self->generation)
    {
      if (s)
        cairo_surface_destroy (s);
      return;
    }
  self->pending = self->pending > 0 ? self->pending - 1 : 0;
  TileEntry *e = g_hash_table_lookup (self->tiles, GUINT_TO_POINTER (tile_key (j->tr, j->tc)));
  if (e && !e->surface)
    e->surface = s;
  else if (s)
    cairo_surface_destroy (s);
  gtk_widget_queue_draw (self->area);
}

static void
request_tile (FlMsaView *self, int tr, int tc)
{
  TileEntry *e = g_new0 (TileEntry, 1);
  g_hash_table_insert (self->tiles, GUINT_TO_POINTER (tile_key (tr, tc)), e);
  TileJob *j = g_new0 (TileJob, 1);
  j->model = fl_msa_model_ref (self->model);
  j->mode = self->mode;
  j->mark_insertions = self->mark_insertions;
  j->tr = tr;
  j->tc = tc;
  j->generation = self->generation;
  GTask *task = g_task_new (self, self->cancellable, tile_ready, NULL);
  g_task_set_task_data (task, j, tile_job_free);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, render_tile_thread);
  g_object_unref (task);
  self->pending++;
}

static void
evict_tiles (FlMsaView *self, int tr0, int tr1, int tc0, int tc1)
{
  if (g_hash_table_size (self->tiles) <= MAX_CACHED_TILES)
    return;
  GHashTableIter it;
  gpointer key, value;
  g_hash_table_iter_init (&it, self->tiles);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      guint k = GPOINTER_TO_UINT (key);
      int tr = k >> 12, tc = k & 0xfff;
      TileEntry *e = value;
      if (e->surface && (tr < tr0 - 2 || tr > tr1 + 2 || tc < tc0 - 1 || tc > tc1 + 1))
        g_hash_table_iter_remove (&it);
    }
}

/* drawing ------------------------------------------------------------- */

static void
draw_func (GtkDrawingArea *area, cairo_t *cr, int width, int height, gpointer user_data)
{
  FlMsaView *self = user_data;
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  if (!self->model)
    {
      cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, 12);
      cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
      cairo_move_to (cr, 16, 28);
      cairo_show_text (cr, "No alignment: open a FASTA or A3M file.");
      if (self->tracks)
        fl_template_tracks_draw (cr, self->tracks, 0, self->tracks->tracks[0].L, 80, 48,
                                 MAX (width - 88, 1), 76);
      return;
    }
  if (width != self->width || height != self->height)
    {
      self->width = width;
      self->height = height;
      update_adjustments (self);
    }
  FlMsaModel *m = self->model;
  View v;
  compute_view (self, &v);
  const FlMsaLayout *lo = &v.lo;

  fl_msa_draw_coverage (cr, m, v.col0, v.ncols, lo->cov_x, lo->cov_y, lo->cov_w, lo->cov_h);
  if (self->tracks && self->tracks->tracks[0].L == m->L)
    fl_template_tracks_draw (cr, self->tracks, v.col0, v.ncols, lo->map_x, lo->tracks_y,
                             v.ncols * v.cell_w, lo->map_x - 6);

  cairo_save (cr);
  cairo_rectangle (cr, lo->map_x, lo->map_y, v.ncols * v.cell_w, v.nrows * v.cell_h);
  cairo_clip (cr);
  int tr0 = (int) floor (v.row0 / TILE), tr1 = (int) floor ((v.row0 + v.nrows - 1e-6) / TILE);
  int tc0 = (int) floor (v.col0 / TILE), tc1 = (int) floor ((v.col0 + v.ncols - 1e-6) / TILE);
  tr1 = MIN (tr1, (m->n_rows - 1) / TILE);
  tc1 = MIN (tc1, (m->L - 1) / TILE);
  for (int tr = tr0; tr <= tr1; tr++)
    for (int tc = tc0; tc <= tc1; tc++)
      {
        int rows = MIN (TILE, m->n_rows - tr * TILE), cols = MIN (TILE, m->L - tc * TILE);
        double x = lo->map_x + (tc * TILE - v.col0) * v.cell_w;
        double y = lo->map_y + (tr * TILE - v.row0) * v.cell_h;
        TileEntry *e = g_hash_table_lookup (self->tiles, GUINT_TO_POINTER (tile_key (tr, tc)));
        if (!e)
          request_tile (self, tr, tc);
        if (e && e->surface)
          fl_heatmap_paint (cr, e->surface, x, y, cols * v.cell_w, rows * v.cell_h);
        else
          {
            cairo_rectangle (cr, x, y, cols * v.cell_w, rows * v.cell_h);
            cairo_set_source_rgb (cr, 0.93, 0.93, 0.93);
            cairo_fill (cr);
          }
      }
  cairo_restore (cr);
  evict_tiles (self, tr0, tr1, tc0, tc1);

  /* row strips, pooled per pixel row */
  fl_msa_draw_row_strips (cr, m, weights_visible (self) ? self->weights : NULL, lo, v.row0, v.nrows);

  /* marks: selection, brush, hover */
  cairo_save (cr);
  cairo_rectangle (cr, lo->map_x, lo->cov_y, lo->map_w, lo->map_y + lo->map_h - lo->cov_y);
  cairo_clip (cr);
  double top = lo->cov_y, bottom = lo->map_y + v.nrows * v.cell_h;
  if (self->brush_first >= 0)
    {
      int a = MIN (self->brush_first, self->brush_last), b = MAX (self->brush_first, self->brush_last);
      cairo_rectangle (cr, lo->map_x + (a - v.col0) * v.cell_w, top, (b - a + 1) * v.cell_w, bottom - top);
      cairo_set_source_rgba (cr, 1.0, 0.55, 0.0, 0.22);
      cairo_fill (cr);
    }
  if (self->selected >= 0 && self->selected < m->L)
    {
      cairo_rectangle (cr, lo->map_x + (self->selected - v.col0) * v.cell_w, top,
                       MAX (v.cell_w, 1.5), bottom - top);
      cairo_set_source_rgba (cr, 1.0, 0.1, 0.6, 0.5);
      cairo_fill (cr);
    }
  if (self->hover_col >= 0)
    {
      cairo_rectangle (cr, lo->map_x + (self->hover_col - v.col0) * v.cell_w, top,
                       MAX (v.cell_w, 1), bottom - top);
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.1, 0.25);
      cairo_fill (cr);
    }
  if (self->hover_row >= 0 && v.cell_h >= 2)
    {
      cairo_rectangle (cr, lo->map_x, lo->map_y + (self->hover_row - v.row0) * v.cell_h,
                       lo->map_w, v.cell_h);
      cairo_set_source_rgba (cr, 0.1, 0.1, 0.1, 0.25);
      cairo_fill (cr);
    }
  cairo_restore (cr);

  /* letters when cells are big enough */
  if (v.cell_w >= 9 && v.cell_h >= 10)
    {
      cairo_save (cr);
      cairo_rectangle (cr, lo->map_x, lo->map_y, v.ncols * v.cell_w, v.nrows * v.cell_h);
      cairo_clip (cr);
      cairo_select_font_face (cr, "Monospace", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
      cairo_set_font_size (cr, MIN (v.cell_h, v.cell_w) * 0.75);
      cairo_set_source_rgba (cr, 0, 0, 0, 0.8);
      int r_end = MIN (m->n_rows, (int) ceil (v.row0 + v.nrows));
      int c_end = MIN (m->L, (int) ceil (v.col0 + v.ncols));
      for (int r = (int) v.row0; r < r_end; r++)
        for (int c = (int) v.col0; c < c_end; c++)
          {
            int t = m->tokens[(gsize) r * m->L + c];
            char s[2] = { t >= 0 && t < 20 ? FL_AA_ORDER[t] : (t == FL_TOKEN_GAP ? '-' : 'X'), 0 };
            cairo_move_to (cr, lo->map_x + (c - v.col0 + 0.22) * v.cell_w,
                           lo->map_y + (r - v.row0 + 0.8) * v.cell_h);
            cairo_show_text (cr, s);
          }
      cairo_restore (cr);
    }

  cairo_rectangle (cr, lo->map_x - 0.5, lo->map_y - 0.5, v.ncols * v.cell_w + 1, v.nrows * v.cell_h + 1);
  cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  fl_msa_draw_axes (cr, m, lo, v.col0, v.ncols, v.row0, v.nrows);
  fl_msa_draw_legend (cr, m, self->mode, weights_visible (self), lo->legend_x, lo->legend_y,
                      lo->legend_w, lo->legend_h);
}

/* input --------------------------------------------------------------- */

static gboolean
cell_at (FlMsaView *self, double x, double y, int *row, int *col, gboolean clamp)
{
  if (!self->model)
    return FALSE;
  View v;
  compute_view (self, &v);
  double c = v.col0 + (x - v.lo.map_x) / v.cell_w;
  double r = v.row0 + (y - v.lo.map_y) / v.cell_h;
  gboolean inside_x = c >= v.col0 && c < v.col0 + v.ncols;
  if (!clamp && !inside_x)
    return FALSE;
  *col = CLAMP ((int) floor (c), 0, self->model->L - 1);
  *row = (y >= v.lo.map_y && r < v.row0 + v.nrows) ? CLAMP ((int) floor (r), 0, self->model->n_rows - 1) : -1;
  return TRUE;
}

static void
set_status_for (FlMsaView *self, int row, int col)
{
  FlMsaModel *m = self->model;
  if (self->hover_track >= 0)
    {
      g_autofree char *text = fl_template_tracks_describe (self->tracks, self->hover_track, col,
                                                           self->track_query);
      gtk_label_set_text (GTK_LABEL (self->status), text);
      return;
    }
  if (!m || col < 0)
    {
      gtk_label_set_text (GTK_LABEL (self->status), m ? "Ctrl + wheel: zoom · drag: select residues" : "");
      return;
    }
  g_autofree char *row_text = NULL;
  if (row >= 0)
    {
      int t = m->tokens[(gsize) row * m->L + col];
      char letter = t >= 0 && t < 20 ? FL_AA_ORDER[t] : (t == FL_TOKEN_GAP ? '-' : 'X');
      g_autofree char *name = g_strndup (m->names[row], 48);
      g_autofree char *w = self->weights && isfinite (self->weights[row])
                             ? g_strdup_printf (", weight %.3g", self->weights[row]) : g_strdup ("");
      g_autofree char *kind = m->has_features
                                ? g_strdup_printf (", %s", fl_msa_row_kind_name (m->row_kind[row]))
                                : g_strdup ("");
      row_text = g_strdup_printf ("  ·  row %d: %s (identity %.2f%s%s%s): %c", row + 1, name,
                                  m->identity[row], kind, w,
                                  m->insertion[(gsize) row * m->L + col] ? ", insertion before" : "",
                                  letter);
    }
  g_autofree char *text = g_strdup_printf ("residue %d %c  ·  %d sequences here%s", col + 1,
                                           m->query[col], m->coverage[col], row_text ? row_text : "");
  gtk_label_set_text (GTK_LABEL (self->status), text);
}

void
fl_msa_view_hover_at (FlMsaView *self, double x, double y)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  int row = -1, col = -1;
  if (!cell_at (self, x, y, &row, &col, FALSE))
    col = row = -1;
  int track = -1;
  if (self->tracks && col >= 0)
    {
      View v;
      compute_view (self, &v);
      track = fl_template_tracks_at (self->tracks, y - v.lo.tracks_y);
    }
  else if (self->tracks && !self->model && x >= 80)
    {
      /* no alignment: the tracks alone, over the whole width (see draw_func) */
      track = fl_template_tracks_at (self->tracks, y - 48);
      int L = self->tracks->tracks[0].L;
      col = track >= 0 ? CLAMP ((int) ((x - 80) / MAX (self->width - 88, 1) * L), 0, L - 1) : -1;
    }
  if (track != self->hover_track)
    {
      self->hover_track = track;
      g_autofree char *tip = track >= 0 ? fl_template_tracks_describe (self->tracks, track, -1, NULL) : NULL;
      gtk_widget_set_tooltip_text (self->area, tip);
      if (track >= 0)
        set_status_for (self, row, col);
    }
  if (row == self->hover_row && col == self->hover_col)
    return;
  gboolean col_changed = col != self->hover_col;
  self->hover_row = row;
  self->hover_col = col;
  set_status_for (self, row, col);
  gtk_widget_queue_draw (self->area);
  if (col_changed)
    g_signal_emit (self, signals[SIG_HOVERED], 0, col, -1);
}

static void
on_motion (GtkEventControllerMotion *ctl, double x, double y, FlMsaView *self)
{
  fl_msa_view_hover_at (self, x, y);
}

static void
on_leave (GtkEventControllerMotion *ctl, FlMsaView *self)
{
  if (self->hover_col < 0 && self->hover_row < 0 && self->hover_track < 0)
    return;
  self->hover_col = self->hover_row = self->hover_track = -1;
  gtk_widget_set_tooltip_text (self->area, NULL);
  set_status_for (self, -1, -1);
  gtk_widget_queue_draw (self->area);
  g_signal_emit (self, signals[SIG_HOVERED], 0, -1, -1);
}

static void
zoom_at (FlMsaView *self, double factor, double x, double y)
{
  if (!self->model)
    return;
  View before;
  compute_view (self, &before);
  double ax = CLAMP (x - before.lo.map_x, 0, before.lo.map_w);
  double ay = CLAMP (y - before.lo.map_y, 0, before.lo.map_h);
  double c_anchor = before.col0 + ax / before.cell_w, r_anchor = before.row0 + ay / before.cell_h;
  double fit_w = before.lo.map_w / self->model->L, fit_h = before.lo.map_h / self->model->n_rows;
  self->zoom_x = CLAMP (self->zoom_x * factor, 1.0, MAX (1.0, MAX_CELL_PX / fit_w));
  self->zoom_y = CLAMP (self->zoom_y * factor, 1.0, MAX (1.0, MAX_CELL_PX / fit_h));
  View after;
  compute_view (self, &after);
  gtk_adjustment_configure (self->hadj, c_anchor - ax / after.cell_w, 0, self->model->L, 3,
                            MAX (1, after.ncols * 0.9), after.ncols);
  gtk_adjustment_configure (self->vadj, r_anchor - ay / after.cell_h, 0, self->model->n_rows, 3,
                            MAX (1, after.nrows * 0.9), after.nrows);
  gtk_widget_queue_draw (self->area);
}

static gboolean
on_scroll (GtkEventControllerScroll *ctl, double dx, double dy, FlMsaView *self)
{
  if (!self->model)
    return FALSE;
  GdkModifierType mods = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (ctl));
  if (mods & GDK_CONTROL_MASK)
    {
      zoom_at (self, pow (1.25, -dy), self->pointer_x, self->pointer_y);
      return TRUE;
    }
  View v;
  compute_view (self, &v);
  if (mods & GDK_SHIFT_MASK)
    {
      dx += dy;
      dy = 0;
    }
  /* 48 px per wheel step */
  gtk_adjustment_set_value (self->vadj, gtk_adjustment_get_value (self->vadj) + dy * 48 / v.cell_h);
  gtk_adjustment_set_value (self->hadj, gtk_adjustment_get_value (self->hadj) + dx * 48 / v.cell_w);
  return TRUE;
}

static void
on_motion_track (GtkEventControllerMotion *ctl, double x, double y, FlMsaView *self)
{
  self->pointer_x = x;
  self->pointer_y = y;
}

static void
on_resize (GtkDrawingArea *area, int width, int height, FlMsaView *self)
{
  self->width = width;
  self->height = height;
  update_adjustments (self);
}

static void
on_drag_begin (GtkGestureDrag *g, double x, double y, FlMsaView *self)
{
  self->drag_x0 = x;
  self->drag_y0 = y;
  self->dragging = FALSE;
}

/* Brush the columns between two points (clamped); FALSE when there is no
 * alignment. */
static gboolean
set_brush (FlMsaView *self, double x0, double y0, double x1, double y1)
{
  int r, c0, c1;
  if (!cell_at (self, x0, y0, &r, &c0, TRUE) || !cell_at (self, x1, y1, &r, &c1, TRUE))
    return FALSE;
  self->brush_first = MIN (c0, c1);
  self->brush_last = MAX (c0, c1);
  gtk_widget_queue_draw (self->area);
  return TRUE;
}

static void
on_drag_update (GtkGestureDrag *g, double dx, double dy, FlMsaView *self)
{
  if (!self->dragging && fabs (dx) < 4)
    return;
  if (set_brush (self, self->drag_x0, self->drag_y0, self->drag_x0 + dx, self->drag_y0 + dy))
    self->dragging = TRUE;
}

gboolean
fl_msa_view_brush_between (FlMsaView *self, double x0, double y0, double x1, double y1)
{
  g_return_val_if_fail (FL_IS_MSA_VIEW (self), FALSE);
  if (!set_brush (self, x0, y0, x1, y1))
    return FALSE;
  g_signal_emit (self, signals[SIG_BRUSHED], 0, self->brush_first, self->brush_last);
  return TRUE;
}

void
fl_msa_view_click_at (FlMsaView *self, double x, double y)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  int r, c;
  if (!cell_at (self, x, y, &r, &c, FALSE))
    return;
  gboolean had_brush = self->brush_first >= 0;
  self->brush_first = self->brush_last = -1;
  self->selected = self->selected == c ? -1 : c;
  gtk_widget_queue_draw (self->area);
  if (had_brush)
    g_signal_emit (self, signals[SIG_BRUSHED], 0, -1, -1);
  g_signal_emit (self, signals[SIG_SELECTED], 0, self->selected);
}

static void
on_drag_end (GtkGestureDrag *g, double dx, double dy, FlMsaView *self)
{
  if (!self->model)
    return;
  if (self->dragging)
    {
      self->dragging = FALSE;
      g_signal_emit (self, signals[SIG_BRUSHED], 0, self->brush_first, self->brush_last);
      return;
    }
  fl_msa_view_click_at (self, self->drag_x0, self->drag_y0);
}

gboolean
fl_msa_view_cell_center (FlMsaView *self, int row, int column, double *x, double *y)
{
  g_return_val_if_fail (FL_IS_MSA_VIEW (self), FALSE);
  if (!self->model || self->width < 1 || row < 0 || column < 0 ||
      row >= self->model->n_rows || column >= self->model->L)
    return FALSE;
  View v;
  compute_view (self, &v);
  *x = v.lo.map_x + (column + 0.5 - v.col0) * v.cell_w;
  *y = v.lo.map_y + (row + 0.5 - v.row0) * v.cell_h;
  return TRUE;
}

const char *
fl_msa_view_get_status (FlMsaView *self)
{
  g_return_val_if_fail (FL_IS_MSA_VIEW (self), NULL);
  return gtk_label_get_text (GTK_LABEL (self->status));
}

static void
on_adjustment_changed (GtkAdjustment *adj, FlMsaView *self)
{
  gtk_widget_queue_draw (self->area);
}

static void
on_mode_changed (GtkDropDown *dd, GParamSpec *pspec, FlMsaView *self)
{
  FlMsaColorMode mode = gtk_drop_down_get_selected (dd) == 1 ? FL_MSA_COLOR_IDENTITY
                                                            : FL_MSA_COLOR_AA_CLASS;
  fl_msa_view_set_color_mode (self, mode);
}

static void
on_ins_toggled (GtkCheckButton *b, FlMsaView *self)
{
  self->mark_insertions = gtk_check_button_get_active (b);
  clear_tiles (self);
  gtk_widget_queue_draw (self->area);
}

static void
on_weights_toggled (GtkCheckButton *b, FlMsaView *self)
{
  self->show_weights = gtk_check_button_get_active (b);
  update_adjustments (self);
  gtk_widget_queue_draw (self->area);
}

static void
on_zoom_in (GtkButton *b, FlMsaView *self)
{
  zoom_at (self, 2.0, self->width / 2.0, self->height / 2.0);
}

static void
on_zoom_out (GtkButton *b, FlMsaView *self)
{
  zoom_at (self, 0.5, self->width / 2.0, self->height / 2.0);
}

static void
on_zoom_fit (GtkButton *b, FlMsaView *self)
{
  fl_msa_view_set_zoom (self, 1, 1);
}

static gboolean
export_cb (GtkWidget *panel, FlExportFormat format, const char *path, GError **error)
{
  return fl_msa_view_export (FL_MSA_VIEW (panel), format, path, error);
}

/* GObject -------------------------------------------------------------- */

static void refresh_weights (FlMsaView *self, FlRecycleData *data);

static void
fl_msa_view_dispose (GObject *object)
{
  FlMsaView *self = FL_MSA_VIEW (object);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->tiles, g_hash_table_unref);
  g_clear_pointer (&self->box, gtk_widget_unparent);
  g_clear_pointer (&self->model, fl_msa_model_unref);
  g_clear_pointer (&self->weights, g_free);
  g_clear_pointer (&self->tracks, fl_template_tracks_free);
  g_clear_pointer (&self->track_query, g_free);
  g_clear_object (&self->vadj);
  g_clear_object (&self->hadj);
  G_OBJECT_CLASS (fl_msa_view_parent_class)->dispose (object);
}

static void
fl_msa_view_class_init (FlMsaViewClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  oc->dispose = fl_msa_view_dispose;
  gtk_widget_class_set_layout_manager_type (GTK_WIDGET_CLASS (klass), GTK_TYPE_BIN_LAYOUT);
  fl_residue_signals_install (klass, signals, N_SIGNALS);
}

static void
fl_msa_view_init (FlMsaView *self)
{
  self->mode = FL_MSA_COLOR_AA_CLASS;
  self->mark_insertions = TRUE;
  self->show_weights = TRUE;
  self->zoom_x = self->zoom_y = 1.0;
  self->selected = self->hover_row = self->hover_col = self->hover_track = -1;
  self->brush_first = self->brush_last = -1;
  self->tiles = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, tile_entry_free);
  self->cancellable = g_cancellable_new ();
  self->vadj = g_object_ref_sink (gtk_adjustment_new (0, 0, 1, 1, 10, 1));
  self->hadj = g_object_ref_sink (gtk_adjustment_new (0, 0, 1, 1, 10, 1));
  g_signal_connect (self->vadj, "value-changed", G_CALLBACK (on_adjustment_changed), self);
  g_signal_connect (self->hadj, "value-changed", G_CALLBACK (on_adjustment_changed), self);

  self->box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  gtk_widget_set_parent (self->box, GTK_WIDGET (self));

  GtkWidget *bar = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  gtk_widget_set_margin_start (bar, 4);
  gtk_widget_set_margin_end (bar, 4);
  gtk_widget_set_margin_top (bar, 2);
  GtkWidget *label = gtk_label_new ("Colour");
  gtk_box_append (GTK_BOX (bar), label);
  const char *modes[] = { "amino-acid class", "identity to query", NULL };
  self->mode_dropdown = gtk_drop_down_new_from_strings (modes);
  g_signal_connect (self->mode_dropdown, "notify::selected", G_CALLBACK (on_mode_changed), self);
  gtk_box_append (GTK_BOX (bar), self->mode_dropdown);
  self->ins_check = gtk_check_button_new_with_label ("insertions");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->ins_check), TRUE);
  gtk_widget_set_tooltip_text (self->ins_check, "Darken cells that follow an insertion (A3M lowercase)");
  g_signal_connect (self->ins_check, "toggled", G_CALLBACK (on_ins_toggled), self);
  gtk_box_append (GTK_BOX (bar), self->ins_check);
  self->weights_check = gtk_check_button_new_with_label ("column-attention weights");
  gtk_check_button_set_active (GTK_CHECK_BUTTON (self->weights_check), TRUE);
  gtk_widget_set_tooltip_text (self->weights_check,
                               "Strip left of the rows: MSA column attention per cluster row (mean over heads)");
  g_signal_connect (self->weights_check, "toggled", G_CALLBACK (on_weights_toggled), self);
  gtk_box_append (GTK_BOX (bar), self->weights_check);
  GtkWidget *spacer = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_widget_set_hexpand (spacer, TRUE);
  gtk_box_append (GTK_BOX (bar), spacer);
  GtkWidget *zin = gtk_button_new_from_icon_name ("zoom-in-symbolic");
  GtkWidget *zout = gtk_button_new_from_icon_name ("zoom-out-symbolic");
  GtkWidget *zfit = gtk_button_new_from_icon_name ("zoom-fit-best-symbolic");
  gtk_widget_set_tooltip_text (zin, "Zoom in (Ctrl + wheel)");
  gtk_widget_set_tooltip_text (zout, "Zoom out");
  gtk_widget_set_tooltip_text (zfit, "Show the whole alignment");
  g_signal_connect (zin, "clicked", G_CALLBACK (on_zoom_in), self);
  g_signal_connect (zout, "clicked", G_CALLBACK (on_zoom_out), self);
  g_signal_connect (zfit, "clicked", G_CALLBACK (on_zoom_fit), self);
  gtk_box_append (GTK_BOX (bar), zin);
  gtk_box_append (GTK_BOX (bar), zout);
  gtk_box_append (GTK_BOX (bar), zfit);
  gtk_box_append (GTK_BOX (bar), fl_panel_export_button_new (GTK_WIDGET (self), export_cb, "msa"));
  gtk_box_append (GTK_BOX (self->box), bar);

  GtkWidget *grid = gtk_grid_new ();
  self->area = gtk_drawing_area_new ();
  gtk_widget_set_hexpand (self->area, TRUE);
  gtk_widget_set_vexpand (self->area, TRUE);
  gtk_widget_set_size_request (self->area, 240, 200);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->area), draw_func, self, NULL);
  g_signal_connect (self->area, "resize", G_CALLBACK (on_resize), self);
  gtk_grid_attach (GTK_GRID (grid), self->area, 0, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), gtk_scrollbar_new (GTK_ORIENTATION_VERTICAL, self->vadj), 1, 0, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), gtk_scrollbar_new (GTK_ORIENTATION_HORIZONTAL, self->hadj), 0, 1, 1, 1);
  gtk_box_append (GTK_BOX (self->box), grid);

  self->status = gtk_label_new ("");
  gtk_label_set_xalign (GTK_LABEL (self->status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (self->status), PANGO_ELLIPSIZE_END);
  gtk_widget_set_margin_start (self->status, 6);
  gtk_widget_add_css_class (self->status, "dim-label");
  gtk_box_append (GTK_BOX (self->box), self->status);

  GtkEventController *motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion_track), self);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), self);
  gtk_widget_add_controller (self->area, motion);
  GtkEventController *scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (scroll, "scroll", G_CALLBACK (on_scroll), self);
  gtk_widget_add_controller (self->area, scroll);
  GtkGesture *drag = gtk_gesture_drag_new ();
  g_signal_connect (drag, "drag-begin", G_CALLBACK (on_drag_begin), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (on_drag_update), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (on_drag_end), self);
  gtk_widget_add_controller (self->area, GTK_EVENT_CONTROLLER (drag));
  set_status_for (self, -1, -1);
  refresh_weights (self, NULL);
}

GtkWidget *
fl_msa_view_new (void)
{
  return g_object_new (FL_TYPE_MSA_VIEW, NULL);
}

static void
refresh_weights (FlMsaView *self, FlRecycleData *data)
{
  g_clear_pointer (&self->weights, g_free);
  if (self->model && data)
    {
      float *w = g_new (float, self->model->n_rows);
      if (fl_msa_model_row_weights (self->model, data, w))
        self->weights = w;
      else
        g_free (w);
    }
  gtk_widget_set_sensitive (self->weights_check, self->weights != NULL);
  gtk_widget_set_tooltip_text (self->weights_check, self->weights
    ? "Strip left of the rows: MSA column attention per cluster row (mean over heads)"
    : "No MSA column attention captured for this recycle");
}

void
fl_msa_view_set_templates (FlMsaView *self, GPtrArray *hits, const char *query)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  g_clear_pointer (&self->tracks, fl_template_tracks_free);
  g_clear_pointer (&self->track_query, g_free);
  self->tracks = fl_template_tracks_new (hits, query);
  self->track_query = self->tracks ? g_strdup (query) : NULL;
  self->hover_track = -1;
  gtk_widget_set_tooltip_text (self->area, NULL);
  update_adjustments (self);
  gtk_widget_queue_draw (self->area);
}

const FlTemplateTracks *
fl_msa_view_get_templates (FlMsaView *self)
{
  return self->tracks;
}

gboolean
fl_msa_view_track_center (FlMsaView *self, int track, int column, double *x, double *y)
{
  if (!self->tracks || track < 0 || track >= self->tracks->n || self->width < 1)
    return FALSE;
  if (!self->model)
    {
      int L = self->tracks->tracks[0].L;
      *x = 80 + (column + 0.5) / L * MAX (self->width - 88, 1);
      *y = 48 + track * (FL_TEMPLATE_TRACK_H + FL_TEMPLATE_TRACK_GAP) + FL_TEMPLATE_TRACK_H / 2;
      return TRUE;
    }
  View v;
  compute_view (self, &v);
  *x = v.lo.map_x + (column + 0.5 - v.col0) * v.cell_w;
  *y = v.lo.tracks_y + track * (FL_TEMPLATE_TRACK_H + FL_TEMPLATE_TRACK_GAP) + FL_TEMPLATE_TRACK_H / 2;
  return TRUE;
}

void
fl_msa_view_set_msa (FlMsaView *self, const FlMsa *msa, const FlFeatures *features)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  FlMsaModel *old = self->model;
  self->model = msa ? fl_msa_model_new (msa, features) : NULL;
  /* the same alignment again (e.g. with its features when a run starts):
   * keep the zoom, scroll position and selection */
  gboolean same = old && self->model && old->n_rows == self->model->n_rows &&
                  old->L == self->model->L && g_str_equal (old->query, self->model->query);
  fl_msa_model_unref (old);
  refresh_weights (self, NULL);
  clear_tiles (self);
  self->scroll_pending = FALSE;
  self->hover_row = self->hover_col = -1;
  if (!same)
    {
      self->selected = -1;
      self->brush_first = self->brush_last = -1;
      self->zoom_x = self->zoom_y = 1.0;
      gtk_adjustment_set_value (self->vadj, 0);
      gtk_adjustment_set_value (self->hadj, 0);
    }
  update_adjustments (self);
  set_status_for (self, -1, -1);
  gtk_widget_queue_draw (self->area);
}

FlMsaModel *
fl_msa_view_get_model (FlMsaView *self)
{
  g_return_val_if_fail (FL_IS_MSA_VIEW (self), NULL);
  return self->model;
}

void
fl_msa_view_set_recycle_data (FlMsaView *self, FlRecycleData *data)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  refresh_weights (self, data);
  update_adjustments (self);
  gtk_widget_queue_draw (self->area);
}

void
fl_msa_view_set_color_mode (FlMsaView *self, FlMsaColorMode mode)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  if (mode == self->mode)
    return;
  self->mode = mode;
  if (gtk_drop_down_get_selected (GTK_DROP_DOWN (self->mode_dropdown)) != (guint) mode)
    gtk_drop_down_set_selected (GTK_DROP_DOWN (self->mode_dropdown), mode);
  clear_tiles (self);
  gtk_widget_queue_draw (self->area);
}

void
fl_msa_view_select_residue (FlMsaView *self, int residue)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  self->selected = self->model && residue >= 0 && residue < self->model->L ? residue : -1;
  gtk_widget_queue_draw (self->area);
}

void
fl_msa_view_set_zoom (FlMsaView *self, double zoom_columns, double zoom_rows)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  self->zoom_x = MAX (1.0, zoom_columns);
  self->zoom_y = MAX (1.0, zoom_rows);
  update_adjustments (self);
  gtk_widget_queue_draw (self->area);
}

void
fl_msa_view_scroll_to (FlMsaView *self, double first_row, double first_column)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  if (self->width < 1 || !self->model)
    {
      self->scroll_pending = TRUE;
      self->pending_row = first_row;
      self->pending_col = first_column;
      return;
    }
  gtk_adjustment_set_value (self->vadj, first_row);
  gtk_adjustment_set_value (self->hadj, first_column);
  gtk_widget_queue_draw (self->area);
}

void
fl_msa_view_get_tile_stats (FlMsaView *self, guint *ready, guint *pending)
{
  g_return_if_fail (FL_IS_MSA_VIEW (self));
  if (ready)
    *ready = g_hash_table_size (self->tiles) - self->pending;
  if (pending)
    *pending = self->pending;
}

static void
export_draw (cairo_t *cr, double w, double h, gpointer data)
{
  FlMsaView *self = data;
  fl_msa_draw_full (cr, w, h, self->model, self->mode, self->mark_insertions,
                    weights_visible (self) ? self->weights : NULL, self->selected);
}

gboolean
fl_msa_view_export (FlMsaView *self, FlExportFormat format, const char *path, GError **error)
{
  g_return_val_if_fail (FL_IS_MSA_VIEW (self), FALSE);
  if (!self->model)
    {
      g_set_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_EMPTY, "no alignment to export");
      return FALSE;
    }
  int w = MAX (self->width, 900), h = MAX (self->height, 600);
  switch (format)
    {
    case FL_EXPORT_PNG:
      return fl_export_png (path, w, h, export_draw, self, error);
    case FL_EXPORT_SVG:
      return fl_export_svg (path, w, h, export_draw, self, error);
    case FL_EXPORT_CSV:
      {
        g_autofree char *t = fl_msa_model_to_csv (self->model, self->weights);
        return fl_export_text (path, t, error);
      }
    case FL_EXPORT_JSON:
    default:
      {
        g_autofree char *t = fl_msa_model_to_json (self->model, self->weights);
        return fl_export_text (path, t, error);
      }
    }
}
