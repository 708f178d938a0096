#include "fl-pair-map-render.h"
#include "fl-heatmap.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *id, *label;
} kinds[FL_PAIR_MAP_N_KINDS] = {
  [FL_PAIR_MAP_MSA_ROW_ATTENTION] = { "msa_row_attention", "MSA row attention" },
  [FL_PAIR_MAP_PAIR_BIAS] = { "msa_row_pair_bias", "MSA row attention: pair bias" },
  [FL_PAIR_MAP_TRI_START] = { "tri_start_attention", "Triangle attention (starting node)" },
  [FL_PAIR_MAP_TRI_END] = { "tri_end_attention", "Triangle attention (ending node)" },
  [FL_PAIR_MAP_CONTACTS] = { "contact_probs", "Contact probability" },
  [FL_PAIR_MAP_DISTANCE] = { "expected_distance", "Expected distance" },
  [FL_PAIR_MAP_PAE] = { "pae", "Predicted aligned error" },
  [FL_PAIR_MAP_TEMPLATE] = { "template_contribution", "Template contribution to the pair" },
};

const char *
fl_pair_map_kind_label (FlPairMapKind kind)
{
  return (int) kind >= 0 && kind < FL_PAIR_MAP_N_KINDS ? kinds[kind].label : "?";
}

const char *
fl_pair_map_kind_id (FlPairMapKind kind)
{
  return (int) kind >= 0 && kind < FL_PAIR_MAP_N_KINDS ? kinds[kind].id : "unknown";
}

const char *
fl_pair_map_value_label (FlPairMapKind kind)
{
  switch (kind)
    {
    case FL_PAIR_MAP_MSA_ROW_ATTENTION:
    case FL_PAIR_MAP_TRI_START:
    case FL_PAIR_MAP_TRI_END:
      return "weight";
    case FL_PAIR_MAP_PAIR_BIAS:
      return "bias";
    case FL_PAIR_MAP_CONTACTS:
      return "P(<8 Å)";
    case FL_PAIR_MAP_TEMPLATE:
      return "|Δpair|";
    case FL_PAIR_MAP_DISTANCE:
    case FL_PAIR_MAP_PAE:
      return "Å";
    default:
      return "value";
    }
}

static const float *
source (const FlRecycleData *d, FlPairMapKind kind, int *heads)
{
  *heads = 0;
  if (!d)
    return NULL;
  switch (kind)
    {
    case FL_PAIR_MAP_MSA_ROW_ATTENTION:
      *heads = d->att_heads;
      return d->att_heads > 0 ? d->msa_row_attention : NULL;
    case FL_PAIR_MAP_PAIR_BIAS:
      *heads = d->att_heads;
      return d->att_heads > 0 ? d->msa_row_pair_bias : NULL;
    case FL_PAIR_MAP_TRI_START:
      *heads = d->tri_heads;
      return d->tri_heads > 0 ? d->tri_start_attention : NULL;
    case FL_PAIR_MAP_TRI_END:
      *heads = d->tri_heads;
      return d->tri_heads > 0 ? d->tri_end_attention : NULL;
    case FL_PAIR_MAP_CONTACTS:
      return d->contact_probs;
    case FL_PAIR_MAP_DISTANCE:
      return d->expected_distance;
    case FL_PAIR_MAP_PAE:
      return d->pae;
    case FL_PAIR_MAP_TEMPLATE:
      return d->template_contribution;
    default:
      return NULL;
    }
}

gboolean
fl_pair_map_available (const FlRecycleData *data, FlPairMapKind kind)
{
  int h;
  return data && data->L > 0 && source (data, kind, &h) != NULL;
}

int
fl_pair_map_n_heads (const FlRecycleData *data, FlPairMapKind kind)
{
  int h;
  return source (data, kind, &h) ? h : 0;
}

FlPairMap *
fl_pair_map_new (const FlRecycleData *d, FlPairMapKind kind, int head)
{
  int H;
  const float *src = source (d, kind, &H);
  if (!src || d->L < 1)
    return NULL;
  if (H == 0)
    head = -1;
  if (head >= H)
    return NULL;
  gsize L = d->L, LL = L * L;
  FlPairMap *m = g_new0 (FlPairMap, 1);
  m->kind = kind;
  m->head = head;
  m->L = d->L;
  m->recycle = d->recycle;
  m->query_residue = (kind == FL_PAIR_MAP_TRI_START || kind == FL_PAIR_MAP_TRI_END) ? d->att_residue : -1;
  m->values = g_new (float, LL);
  if (H > 0 && head < 0)
    {
      memset (m->values, 0, LL * sizeof (float));
      for (int h = 0; h < H; h++)
        {
          const float *s = src + (gsize) h * LL;
          for (gsize k = 0; k < LL; k++)
            m->values[k] += s[k];
        }
      for (gsize k = 0; k < LL; k++)
        m->values[k] /= H;
    }
  else
    memcpy (m->values, src + (H > 0 ? (gsize) head * LL : 0), LL * sizeof (float));

  float lo, hi;
  gboolean finite = fl_heatmap_value_range (m->values, LL, &lo, &hi);
  m->data_min = finite ? lo : NAN;
  m->data_max = finite ? hi : NAN;
  g_autofree char *heads_text = H > 0 ? (head < 0 ? g_strdup_printf (", mean of %d heads", H)
                                                  : g_strdup_printf (", head %d of %d", head + 1, H))
                                      : g_strdup ("");
  m->unit = g_strdup ("");
  switch (kind)
    {
    case FL_PAIR_MAP_MSA_ROW_ATTENTION:
    case FL_PAIR_MAP_TRI_START:
    case FL_PAIR_MAP_TRI_END:
      m->palette = FL_PALETTE_VIRIDIS;
      m->vmin = 0.f;
      m->vmax = hi > 0.f ? hi : 1.f;
      break;
    case FL_PAIR_MAP_PAIR_BIAS:
      {
        float a = MAX (fabsf (lo), fabsf (hi));
        m->palette = FL_PALETTE_DIVERGING;
        m->vmin = a > 0 ? -a : -1.f;
        m->vmax = a > 0 ? a : 1.f;
        break;
      }
    case FL_PAIR_MAP_CONTACTS:
      m->palette = FL_PALETTE_GREYS;
      m->vmin = 0.f;
      m->vmax = 1.f;
      break;
    case FL_PAIR_MAP_DISTANCE:
      m->palette = FL_PALETTE_VIRIDIS;
      m->vmin = hi > 0.f ? hi : 22.f;
      m->vmax = 0.f;
      g_free (m->unit);
      m->unit = g_strdup ("Å");
      break;
    case FL_PAIR_MAP_TEMPLATE:
      m->palette = FL_PALETTE_VIRIDIS;
      m->vmin = 0.f;
      m->vmax = hi > 0.f ? hi : 1.f;
      break;
    case FL_PAIR_MAP_PAE:
    default:
      m->palette = FL_PALETTE_PAE;
      m->vmin = 0.f;
      m->vmax = 30.f;
      g_free (m->unit);
      m->unit = g_strdup ("Å");
      break;
    }
  if (kind == FL_PAIR_MAP_MSA_ROW_ATTENTION || kind == FL_PAIR_MAP_PAIR_BIAS)
    m->title = g_strdup_printf ("%s, block %d%s, recycle %d", kinds[kind].label,
                                d->att_block + 1, heads_text, d->recycle);
  else if (m->query_residue >= 0)
    m->title = g_strdup_printf ("%s around residue %d%s, recycle %d", kinds[kind].label,
                                m->query_residue + 1, heads_text, d->recycle);
  else
    m->title = g_strdup_printf ("%s%s, recycle %d", kinds[kind].label, heads_text, d->recycle);
  return m;
}

void
fl_pair_map_free (FlPairMap *m)
{
  if (!m)
    return;
  g_free (m->values);
  g_free (m->title);
  g_free (m->unit);
  g_free (m);
}

cairo_surface_t *
fl_pair_map_render (const FlPairMap *m)
{
  return m ? fl_heatmap_render (m->values, m->L, m->L, fl_palette_get (m->palette), m->vmin, m->vmax)
           : NULL;
}

gboolean
fl_pair_map_recolor (const FlPairMap *m, cairo_surface_t *surface)
{
  return m && fl_heatmap_recolor (surface, m->values, m->L, m->L, fl_palette_get (m->palette),
                                  m->vmin, m->vmax);
}

void
fl_pair_map_layout_compute (FlPairMapLayout *lo, double width, double height)
{
  /* Axis titles take a margin of their own, where the panel is wide enough. */
  lo->axis_titles = width >= 300;
  double left = lo->axis_titles ? 54 : 40, top = 22, bottom = lo->axis_titles ? 34 : 22;
  double bar_w = 70;
  double avail_w = width - left - bar_w - 12, avail_h = height - top - bottom;
  lo->map_size = MAX (MIN (avail_w, avail_h), 1);
  lo->map_x = left;
  lo->map_y = top;
  lo->bar_x = lo->map_x + lo->map_size + 12;
  lo->bar_y = top;
  lo->bar_w = bar_w;
  lo->bar_h = MIN (lo->map_size, 260);
}

gboolean
fl_pair_map_cell_at (const FlPairMapLayout *lo, int L, double x, double y, int *i, int *j)
{
  if (L < 1 || lo->map_size <= 0)
    return FALSE;
  double u = (x - lo->map_x) / lo->map_size, v = (y - lo->map_y) / lo->map_size;
  if (u < 0 || v < 0 || u >= 1 || v >= 1)
    return FALSE;
  if (i)
    *i = MIN ((int) (v * L), L - 1);
  if (j)
    *j = MIN ((int) (u * L), L - 1);
  return TRUE;
}

void
fl_pair_map_overlay_init (FlPairMapOverlay *ov)
{
  ov->selected = -1;
  ov->hover_i = ov->hover_j = -1;
  ov->brush_i0 = ov->brush_i1 = ov->brush_j0 = ov->brush_j1 = -1;
}

/* What the rows (i) and columns (j) of a map of this kind are. */
static void
axis_titles (FlPairMapKind kind, const char **rows, const char **cols)
{
  switch (kind)
    {
    case FL_PAIR_MAP_MSA_ROW_ATTENTION:
    case FL_PAIR_MAP_PAIR_BIAS:
      *rows = "query residue i";
      *cols = "key residue j";
      break;
    case FL_PAIR_MAP_TRI_START:
    case FL_PAIR_MAP_TRI_END:
      *rows = "query edge residue";
      *cols = "key edge residue";
      break;
    case FL_PAIR_MAP_PAE:
      *rows = "aligned on residue i";
      *cols = "scored residue j";
      break;
    default:
      *rows = "residue i";
      *cols = "residue j";
      break;
    }
}

static double
tick_step (double range, double px, double min_px)
{
  double raw = range * min_px / MAX (px, 1);
  if (!(raw > 0))
    return 1;
  double mag = pow (10.0, floor (log10 (raw)));
  double f = raw / mag;
  double step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  return step < 1 ? 1 : step;   /* rows, residues, counts: whole numbers */
}

/* text at (x, y) within w: the font shrinks from size down to 8 px, then
 * the text is cut with an ellipsis */
static void
fit_text (cairo_t *cr, double x, double y, double w, double size, const char *text)
{
  cairo_text_extents_t e;
  cairo_set_font_size (cr, size);
  cairo_text_extents (cr, text, &e);
  if (e.x_advance > w && e.x_advance > 0)
    {
      size = MAX (8.0, size * w / e.x_advance);
      cairo_set_font_size (cr, size);
      cairo_text_extents (cr, text, &e);
    }
  g_autofree char *cut = g_strdup (text);
  glong n = g_utf8_strlen (cut, -1);
  while (e.x_advance > w && n > 1)
    {
      n--;
      g_free (cut);
      g_autofree char *head = g_utf8_substring (text, 0, n);
      cut = g_strconcat (head, "…", NULL);
      cairo_text_extents (cr, cut, &e);
    }
  cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
  cairo_move_to (cr, x, y);
  cairo_show_text (cr, cut);
}

void
fl_pair_map_draw (cairo_t *cr, double width, double height, const FlPairMap *m,
                  cairo_surface_t *image, const FlPairMapOverlay *ov)
{
  FlPairMapLayout lo;
  fl_pair_map_layout_compute (&lo, width, height);
  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  if (!m)
    {
      cairo_set_font_size (cr, 12);
      cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
      cairo_move_to (cr, lo.map_x, lo.map_y + 20);
      cairo_show_text (cr, "No maps yet: a run captures them at the end of each recycle.");
      cairo_restore (cr);
      return;
    }
  cairo_surface_t *owned = NULL;
  if (!image)
    image = owned = fl_pair_map_render (m);
  int px = (int) floor (lo.map_size);
  if (image && px > 0 && px < m->L && cairo_image_surface_get_width (image) >= m->L)
    {
      /* more cells than pixels: box-filter so that no cell is skipped */
      cairo_surface_t *small = fl_heatmap_downscale (image, px, px);
      if (small)
        {
          if (owned)
            cairo_surface_destroy (owned);
          image = owned = small;
        }
    }
  fl_heatmap_paint (cr, image, lo.map_x, lo.map_y, lo.map_size, lo.map_size);
  if (owned)
    cairo_surface_destroy (owned);
  double cs = lo.map_size / m->L;
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, lo.map_x - 0.5, lo.map_y - 0.5, lo.map_size + 1, lo.map_size + 1);
  cairo_set_source_rgb (cr, 0.5, 0.5, 0.5);
  cairo_stroke (cr);

  /* title */
  fit_text (cr, lo.map_x, 14, width - lo.map_x - 4, 11, m->title);

  /* axes: residue numbers, 1-based */
  cairo_set_font_size (cr, 9);
  cairo_set_source_rgb (cr, 0.25, 0.25, 0.25);
  double step = tick_step (m->L, lo.map_size, 40);
  for (double v = step; v <= m->L + 1e-9; v += step)
    {
      double p = (v - 0.5) * cs;
      char buf[16];
      snprintf (buf, sizeof buf, "%g", v);
      cairo_text_extents_t e;
      cairo_text_extents (cr, buf, &e);
      cairo_move_to (cr, lo.map_x + p, lo.map_y + lo.map_size);
      cairo_line_to (cr, lo.map_x + p, lo.map_y + lo.map_size + 3);
      cairo_move_to (cr, lo.map_x, lo.map_y + p);
      cairo_line_to (cr, lo.map_x - 3, lo.map_y + p);
      cairo_stroke (cr);
      cairo_move_to (cr, lo.map_x + p - e.x_advance / 2, lo.map_y + lo.map_size + 13);
      cairo_show_text (cr, buf);
      cairo_move_to (cr, lo.map_x - 5 - e.x_advance, lo.map_y + p + 3);
      cairo_show_text (cr, buf);
    }

  /* axis titles */
  if (lo.axis_titles)
  {
    const char *rows, *cols;
    axis_titles (m->kind, &rows, &cols);
    cairo_text_extents_t e;
    cairo_set_font_size (cr, 10);
    cairo_text_extents (cr, cols, &e);
    cairo_move_to (cr, lo.map_x + (lo.map_size - e.x_advance) / 2, lo.map_y + lo.map_size + 27);
    cairo_show_text (cr, cols);
    cairo_text_extents (cr, rows, &e);
    cairo_save (cr);
    cairo_move_to (cr, 12, lo.map_y + (lo.map_size + e.x_advance) / 2);
    cairo_rotate (cr, -G_PI / 2);
    cairo_show_text (cr, rows);
    cairo_restore (cr);
  }

  /* overlay marks, clipped to the map */
  cairo_save (cr);
  cairo_rectangle (cr, lo.map_x, lo.map_y, lo.map_size, lo.map_size);
  cairo_clip (cr);
  if (m->query_residue >= 0 && m->query_residue < m->L)
    {
      double p = lo.map_x + (m->query_residue + 0.5) * cs;
      cairo_set_source_rgba (cr, 1, 1, 1, 0.9);
      cairo_move_to (cr, p, lo.map_y - 1);
      cairo_line_to (cr, p - 5, lo.map_y - 1 + 7);
      cairo_line_to (cr, p + 5, lo.map_y - 1 + 7);
      cairo_close_path (cr);
      cairo_fill (cr);
    }
  if (ov && ov->selected >= 0 && ov->selected < m->L)
    {
      double p = ov->selected * cs, w = MAX (cs, 1.5);
      cairo_set_source_rgba (cr, 1.0, 0.1, 0.6, 0.55);
      cairo_rectangle (cr, lo.map_x, lo.map_y + p, lo.map_size, w);
      cairo_rectangle (cr, lo.map_x + p, lo.map_y, w, lo.map_size);
      cairo_fill (cr);
    }
  if (ov && ov->brush_i0 >= 0 && ov->brush_j0 >= 0)
    {
      int i0 = MIN (ov->brush_i0, ov->brush_i1), i1 = MAX (ov->brush_i0, ov->brush_i1);
      int j0 = MIN (ov->brush_j0, ov->brush_j1), j1 = MAX (ov->brush_j0, ov->brush_j1);
      cairo_rectangle (cr, lo.map_x + j0 * cs, lo.map_y + i0 * cs, (j1 - j0 + 1) * cs,
                       (i1 - i0 + 1) * cs);
      cairo_set_source_rgba (cr, 1.0, 0.55, 0.0, 0.18);
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 1.0, 0.45, 0.0);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
  if (ov && ov->hover_i >= 0 && ov->hover_j >= 0 && ov->hover_i < m->L && ov->hover_j < m->L)
    {
      cairo_rectangle (cr, lo.map_x + ov->hover_j * cs - 1, lo.map_y + ov->hover_i * cs - 1,
                       MAX (cs, 1) + 2, MAX (cs, 1) + 2);
      cairo_set_source_rgb (cr, 1, 0.2, 0.2);
      cairo_set_line_width (cr, 1.5);
      cairo_stroke (cr);
    }
  cairo_restore (cr);

  /* colour bar */
  fl_heatmap_draw_legend_data (cr, fl_palette_get (m->palette), m->vmin, m->vmax,
                               m->data_min, m->data_max, m->unit, lo.bar_x, lo.bar_y,
                               lo.bar_w, lo.bar_h, fl_pair_map_value_label (m->kind));
  cairo_restore (cr);
}

char *
fl_pair_map_to_csv (const FlPairMap *m)
{
  return m ? fl_heatmap_to_csv (m->values, m->L, m->L) : NULL;
}

char *
fl_pair_map_to_json (const FlPairMap *m)
{
  if (!m)
    return NULL;
  g_autofree char *body = fl_heatmap_to_json (m->values, m->L, m->L, m->vmin, m->vmax, m->title);
  /* prepend kind / head / recycle / unit */
  return g_strdup_printf ("{\"kind\":\"%s\",\"head\":%d,\"recycle\":%d,\"query_residue\":%d,"
                          "\"palette\":\"%s\",\"unit\":\"%s\",\"map\":%s}\n",
                          fl_pair_map_kind_id (m->kind), m->head, m->recycle, m->query_residue,
                          fl_palette_kind_name (m->palette), m->unit ? m->unit : "",
                          g_strchomp (body));
}
