#include "fl-msa-render.h"
#include "fl-heatmap.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

void
fl_msa_compute_identity (const FlMsa *msa, float *identity)
{
  int L = msa->L;
  const int8_t *q = msa->tokens;
  for (int r = 0; r < msa->n_rows; r++)
    {
      const int8_t *row = msa->tokens + (gsize) r * L;
      int same = 0;
      for (int c = 0; c < L; c++)
        same += row[c] == q[c] && row[c] != FL_TOKEN_GAP;
      identity[r] = L > 0 ? same / (float) L : 0.f;
    }
}

static int
cmp_identity_desc (gconstpointer a, gconstpointer b, gpointer key)
{
  const float *identity = key;
  int ia = *(const int *) a, ib = *(const int *) b;
  float fa = identity[ia], fb = identity[ib];
  if (fa > fb)
    return -1;
  if (fa < fb)
    return 1;
  return ia - ib;   /* stable: file order among equals */
}

void
fl_msa_sort_by_identity (const float *identity, int n_rows, int *order)
{
  for (int i = 0; i < n_rows; i++)
    order[i] = i;
  if (n_rows > 2)
    g_qsort_with_data (order + 1, n_rows - 1, sizeof (int), cmp_identity_desc, (gpointer) identity);
}

static void
model_clear (FlMsaModel *m)
{
  g_free (m->query);
  g_free (m->tokens);
  g_free (m->insertion);
  g_free (m->order);
  g_free (m->identity);
  g_free (m->coverage);
  g_free (m->row_kind);
  g_free (m->cluster_index);
  if (m->names)
    g_strfreev (m->names);
}

FlMsaModel *
fl_msa_model_new (const FlMsa *msa, const FlFeatures *features)
{
  if (!msa || msa->n_rows < 1 || msa->L < 1 || !msa->tokens)
    return NULL;
  int N = msa->n_rows, L = msa->L;
  FlMsaModel *m = g_atomic_rc_box_new0 (FlMsaModel);
  m->n_rows = N;
  m->L = L;
  m->query = msa->query ? g_strndup (msa->query, L) : g_strnfill (L, 'X');
  g_autofree float *identity_in = g_new (float, N);
  fl_msa_compute_identity (msa, identity_in);
  m->order = g_new (int, N);
  fl_msa_sort_by_identity (identity_in, N, m->order);

  /* row kinds and cluster indices in input order first */
  g_autofree uint8_t *kind_in = g_new0 (uint8_t, N);
  g_autofree int *clust_in = g_new (int, N);
  for (int r = 0; r < N; r++)
    clust_in[r] = -1;
  if (features)
    {
      m->has_features = TRUE;
      for (int r = 0; r < N; r++)
        kind_in[r] = FL_MSA_ROW_UNUSED;
      if (features->extra_source_row)
        for (int e = 0; e < features->n_extra; e++)
          {
            int src = features->extra_source_row[e];
            if (src >= 0 && src < N)
              kind_in[src] = FL_MSA_ROW_EXTRA;
          }
      if (features->cluster_source_row)
        for (int c = 0; c < features->n_clust; c++)
          {
            int src = features->cluster_source_row[c];
            if (src >= 0 && src < N)
              {
                kind_in[src] = FL_MSA_ROW_CLUSTER;
                clust_in[src] = c;
              }
          }
      kind_in[0] = FL_MSA_ROW_QUERY;
    }
  else
    {
      /* deterministic feature mode takes cluster rows in file order */
      for (int r = 0; r < N; r++)
        clust_in[r] = r;
    }

  m->tokens = g_new (int8_t, (gsize) N * L);
  m->insertion = g_new0 (uint8_t, (gsize) N * L);
  m->identity = g_new (float, N);
  m->row_kind = g_new (uint8_t, N);
  m->cluster_index = g_new (int, N);
  m->names = g_new0 (char *, N + 1);
  for (int d = 0; d < N; d++)
    {
      int r = m->order[d];
      memcpy (m->tokens + (gsize) d * L, msa->tokens + (gsize) r * L, L);
      if (msa->deletions)
        for (int c = 0; c < L; c++)
          m->insertion[(gsize) d * L + c] = msa->deletions[(gsize) r * L + c] > 0.f;
      m->identity[d] = identity_in[r];
      m->row_kind[d] = kind_in[r];
      m->cluster_index[d] = clust_in[r];
      m->names[d] = g_strdup (msa->names && msa->names[r] ? msa->names[r] : "");
    }
  m->coverage = g_new0 (int, L);
  for (int d = 0; d < N; d++)
    {
      const int8_t *row = m->tokens + (gsize) d * L;
      for (int c = 0; c < L; c++)
        m->coverage[c] += row[c] != FL_TOKEN_GAP;
    }
  return m;
}

FlMsaModel *
fl_msa_model_ref (FlMsaModel *model)
{
  return g_atomic_rc_box_acquire (model);
}

void
fl_msa_model_unref (FlMsaModel *model)
{
  if (model)
    g_atomic_rc_box_release_full (model, (GDestroyNotify) model_clear);
}

gboolean
fl_msa_model_row_weights (const FlMsaModel *model, const FlRecycleData *data, float *weights)
{
  for (int d = 0; d < model->n_rows; d++)
    weights[d] = NAN;
  if (!data || !data->msa_col_attention || data->col_heads < 1 || data->n_clust < 1)
    return FALSE;
  int H = data->col_heads, C = data->n_clust;
  for (int d = 0; d < model->n_rows; d++)
    {
      int c = model->cluster_index[d];
      if (c < 0 || c >= C)
        continue;
      double s = 0;
      for (int h = 0; h < H; h++)
        s += data->msa_col_attention[(gsize) h * C + c];
      weights[d] = (float) (s / H);
    }
  return TRUE;
}

static inline uint32_t
darken (uint32_t argb)
{
  uint32_t a = argb & 0xFF000000u;
  uint32_t r = ((argb >> 16) & 0xff) * 9 / 16, g = ((argb >> 8) & 0xff) * 9 / 16,
           b = (argb & 0xff) * 9 / 16;
  return a | (r << 16) | (g << 8) | b;
}

static inline uint32_t
cell_colour (const FlMsaModel *m, FlMsaColorMode mode, gboolean mark_ins,
             uint32_t row_identity_argb, const uint32_t *aa_lut, int d, int c)
{
  gsize k = (gsize) d * m->L + c;
  int tok = m->tokens[k];
  uint32_t col;
  if (tok == FL_TOKEN_GAP)
    col = 0xFFFFFFFFu;
  else if (mode == FL_MSA_COLOR_IDENTITY)
    col = row_identity_argb;
  else
    col = aa_lut[tok >= 0 && tok <= 22 ? tok : FL_TOKEN_X];
  if (mark_ins && m->insertion[k])
    col = darken (col);
  return col;
}

static void
build_aa_lut (uint32_t lut[23])
{
  for (int t = 0; t < 23; t++)
    lut[t] = fl_aa_token_argb (t);
}

uint32_t
fl_msa_model_cell_argb (const FlMsaModel *model, FlMsaColorMode mode,
                        gboolean mark_insertions, int r, int c)
{
  if (r < 0 || r >= model->n_rows || c < 0 || c >= model->L)
    return 0;
  uint32_t lut[23];
  build_aa_lut (lut);
  uint32_t idc = fl_palette_map_argb (fl_palette_get (FL_PALETTE_IDENTITY), model->identity[r], 0.f, 1.f);
  return cell_colour (model, mode, mark_insertions, idc, lut, r, c);
}

void
fl_msa_model_render_cells (const FlMsaModel *model, FlMsaColorMode mode,
                           gboolean mark_insertions, int row0, int col0,
                           int rows, int cols, uint32_t *pixels, int stride_px)
{
  uint32_t lut[23];
  build_aa_lut (lut);
  const FlPalette *idp = fl_palette_get (FL_PALETTE_IDENTITY);
  for (int i = 0; i < rows; i++)
    {
      uint32_t *px = pixels + (gsize) i * stride_px;
      int d = row0 + i;
      if (d < 0 || d >= model->n_rows)
        {
          memset (px, 0, sizeof (uint32_t) * cols);
          continue;
        }
      uint32_t idc = fl_palette_map_argb (idp, model->identity[d], 0.f, 1.f);
      for (int j = 0; j < cols; j++)
        {
          int c = col0 + j;
          px[j] = c >= 0 && c < model->L
                    ? cell_colour (model, mode, mark_insertions, idc, lut, d, c) : 0;
        }
    }
}

cairo_surface_t *
fl_msa_model_render_tile (const FlMsaModel *model, FlMsaColorMode mode,
                          gboolean mark_insertions, int row0, int col0, int rows, int cols)
{
  if (rows < 1 || cols < 1)
    return NULL;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, cols, rows);
  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (s);
      return NULL;
    }
  cairo_surface_flush (s);
  fl_msa_model_render_cells (model, mode, mark_insertions, row0, col0, rows, cols,
                             (uint32_t *) cairo_image_surface_get_data (s),
                             cairo_image_surface_get_stride (s) / 4);
  cairo_surface_mark_dirty (s);
  return s;
}

uint32_t
fl_msa_row_kind_argb (FlMsaRowKind kind)
{
  switch (kind)
    {
    case FL_MSA_ROW_QUERY: return 0xFF000000u;
    case FL_MSA_ROW_CLUSTER: return 0xFFE66100u;   /* orange */
    case FL_MSA_ROW_EXTRA: return 0xFF5D7FA3u;     /* slate blue */
    case FL_MSA_ROW_UNUSED: return 0xFFDDDDDDu;    /* light grey */
    default: return 0x00000000u;
    }
}

const char *
fl_msa_row_kind_name (FlMsaRowKind kind)
{
  switch (kind)
    {
    case FL_MSA_ROW_QUERY: return "query";
    case FL_MSA_ROW_CLUSTER: return "cluster centre";
    case FL_MSA_ROW_EXTRA: return "extra MSA";
    case FL_MSA_ROW_UNUSED: return "unused";
    default: return "unknown";
    }
}

static cairo_surface_t *
column_surface (int n)
{
  if (n < 1 || n > 32767)
    return NULL;
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, n);
  if (cairo_surface_status (s) != CAIRO_STATUS_SUCCESS)
    {
      cairo_surface_destroy (s);
      return NULL;
    }
  cairo_surface_flush (s);
  return s;
}

cairo_surface_t *
fl_msa_model_render_row_marks (const FlMsaModel *model)
{
  cairo_surface_t *s = column_surface (model->n_rows);
  if (!s)
    return NULL;
  unsigned char *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  for (int d = 0; d < model->n_rows; d++)
    *(uint32_t *) (data + (gsize) d * stride) = fl_msa_row_kind_argb (model->row_kind[d]);
  cairo_surface_mark_dirty (s);
  return s;
}

cairo_surface_t *
fl_msa_model_render_weights (const FlMsaModel *model, const float *weights)
{
  if (!weights)
    return NULL;
  cairo_surface_t *s = column_surface (model->n_rows);
  if (!s)
    return NULL;
  float lo, hi;
  fl_heatmap_value_range (weights, model->n_rows, &lo, &hi);
  const FlPalette *p = fl_palette_get (FL_PALETTE_VIRIDIS);
  unsigned char *data = cairo_image_surface_get_data (s);
  int stride = cairo_image_surface_get_stride (s);
  for (int d = 0; d < model->n_rows; d++)
    {
      float w = weights[d];
      *(uint32_t *) (data + (gsize) d * stride) =
        isfinite (w) ? fl_palette_map_argb (p, w, 0.f, hi > 0 ? hi : 1.f) : 0u;
    }
  cairo_surface_mark_dirty (s);
  return s;
}

void
fl_msa_layout_compute (FlMsaLayout *lo, double width, double height, gboolean show_weights)
{
  double left = 46, right = 8, top = 4;
  lo->strip_w = 8;
  lo->weights_x = left;
  if (show_weights)
    left += lo->strip_w + 3;
  lo->marks_x = left;
  left += lo->strip_w + 3;
  lo->cov_h = CLAMP (height * 0.16, 36, 90);
  lo->cov_x = left;
  lo->cov_y = top;
  lo->cov_w = MAX (width - left - right, 1);
  lo->legend_h = 32;
  lo->legend_x = 8;
  lo->legend_w = MAX (width - 16, 1);
  lo->map_x = left;
  lo->map_y = top + lo->cov_h + 6;
  lo->map_w = lo->cov_w;
  lo->map_h = MAX (height - lo->map_y - 18 - lo->legend_h, 1);
  lo->legend_y = lo->map_y + lo->map_h + 18;
  lo->tracks_y = lo->map_y;
  lo->tracks_h = 0;
}

void
fl_msa_layout_add_tracks (FlMsaLayout *lo, double height)
{
  if (height <= 0)
    return;
  lo->tracks_y = lo->map_y;
  lo->tracks_h = height;
  double shift = MIN (height + 4, MAX (lo->map_h - 20, 0));
  lo->map_y += shift;
  lo->map_h = MAX (lo->map_h - shift, 1);
}

static int
kind_priority (int kind)
{
  switch (kind)
    {
    case FL_MSA_ROW_QUERY: return 4;
    case FL_MSA_ROW_CLUSTER: return 3;
    case FL_MSA_ROW_EXTRA: return 2;
    case FL_MSA_ROW_UNUSED: return 1;
    default: return 0;
    }
}

void
fl_msa_draw_row_strips (cairo_t *cr, const FlMsaModel *m, const float *weights,
                        const FlMsaLayout *lo, double row0, double nrows)
{
  if (!m || nrows <= 0)
    return;
  double h = lo->map_h;
  double px_per_row = lo->map_h / nrows;
  int n_px = (int) ceil (h);
  float wmax = 0;
  if (weights)
    for (int d = 0; d < m->n_rows; d++)
      if (isfinite (weights[d]))
        wmax = MAX (wmax, weights[d]);
  const FlPalette *vir = fl_palette_get (FL_PALETTE_VIRIDIS);
  cairo_save (cr);
  for (int y = 0; y < n_px; y++)
    {
      double ra = row0 + y / px_per_row, rb = row0 + (y + 1) / px_per_row;
      int r_first = MAX (0, (int) floor (ra)), r_last = MIN (m->n_rows - 1, (int) ceil (rb) - 1);
      if (r_last < r_first)
        r_last = r_first;
      if (r_first >= m->n_rows)
        break;
      int best = -1, best_p = -1;
      float wbest = NAN;
      for (int r = r_first; r <= r_last; r++)
        {
          int p = kind_priority (m->row_kind[r]);
          if (p > best_p)
            {
              best_p = p;
              best = m->row_kind[r];
            }
          if (weights && isfinite (weights[r]) && !(weights[r] <= wbest))
            wbest = weights[r];
        }
      double yy = lo->map_y + y, hh = MIN (1.0, lo->map_y + h - yy);
      if (m->has_features && best > 0)
        {
          cairo_rectangle (cr, lo->marks_x, yy, lo->strip_w, hh);
          fl_cairo_set_rgba (cr, fl_rgba_from_argb (fl_msa_row_kind_argb (best)));
          cairo_fill (cr);
        }
      if (weights && isfinite (wbest))
        {
          cairo_rectangle (cr, lo->weights_x, yy, lo->strip_w, hh);
          fl_cairo_set_rgba (cr, fl_rgba_from_argb (fl_palette_map_argb (vir, wbest, 0.f, wmax > 0 ? wmax : 1.f)));
          cairo_fill (cr);
        }
    }
  cairo_restore (cr);
}

static void
set_font (cairo_t *cr, double size)
{
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, size);
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

void
fl_msa_draw_coverage (cairo_t *cr, const FlMsaModel *m, double col0, double ncols,
                      double x, double y, double w, double h)
{
  if (ncols <= 0 || w <= 0 || h <= 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_set_source_rgb (cr, 0.98, 0.98, 0.98);
  cairo_fill_preserve (cr);
  cairo_set_source_rgb (cr, 0.75, 0.75, 0.75);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  double ymax = MAX (m->n_rows, 1);
  double cw = w / ncols;
  int c_first = MAX (0, (int) floor (col0)), c_last = MIN (m->L - 1, (int) ceil (col0 + ncols));
  /* area */
  cairo_move_to (cr, x + (c_first - col0) * cw, y + h);
  for (int c = c_first; c <= c_last; c++)
    {
      double yy = y + h - m->coverage[c] / ymax * (h - 2);
      cairo_line_to (cr, x + (c - col0) * cw, yy);
      cairo_line_to (cr, x + (c + 1 - col0) * cw, yy);
    }
  cairo_line_to (cr, x + (c_last + 1 - col0) * cw, y + h);
  cairo_close_path (cr);
  cairo_set_source_rgba (cr, 0.22, 0.29, 0.67, 0.25);
  cairo_fill (cr);
  /* line */
  for (int c = c_first; c <= c_last; c++)
    {
      double yy = y + h - m->coverage[c] / ymax * (h - 2);
      double xx = x + (c + 0.5 - col0) * cw;
      if (c == c_first)
        cairo_move_to (cr, xx, yy);
      else
        cairo_line_to (cr, xx, yy);
    }
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_set_line_width (cr, 1.2);
  cairo_stroke (cr);
  cairo_restore (cr);

  /* y axis: counts */
  cairo_save (cr);
  set_font (cr, 9);
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  double step = tick_step (ymax, h, 18);
  for (double v = step; v <= ymax + 1e-9; v += step)
    {
      char buf[32];
      snprintf (buf, sizeof buf, "%g", v);
      cairo_text_extents_t e;
      cairo_text_extents (cr, buf, &e);
      double yy = y + h - v / ymax * (h - 2);
      cairo_move_to (cr, x - e.x_advance - 3, yy + 3);
      cairo_show_text (cr, buf);
    }
  cairo_move_to (cr, x + 4, y + 11);
  cairo_show_text (cr, "sequences per position");
  cairo_restore (cr);
}

void
fl_msa_draw_legend (cairo_t *cr, const FlMsaModel *m, FlMsaColorMode mode,
                    gboolean show_weights, double x, double y, double w, double h)
{
  cairo_save (cr);
  double used_w = 0;
  if (mode == FL_MSA_COLOR_IDENTITY)
    {
      double bw = MIN (220, w * 0.45);
      fl_palette_draw_colorbar (cr, fl_palette_get (FL_PALETTE_IDENTITY), 0, 1, x, y, bw,
                                MIN (h, 28), "identity to query");
      used_w = bw + 16;
    }
  else
    {
      double lw = m->has_features || show_weights ? w * 0.62 : w;
      fl_palette_draw_aa_legend (cr, x, y, lw);
      used_w = lw + 8;
    }
  set_font (cr, 10);
  double cx = x + used_w, cy = y;
  int n_items = (m->has_features ? 4 : 0) + (show_weights ? 1 : 0);
  uint32_t kinds[] = { FL_MSA_ROW_QUERY, FL_MSA_ROW_CLUSTER, FL_MSA_ROW_EXTRA, FL_MSA_ROW_UNUSED };
  for (int k = m->has_features ? 0 : 4; k < 4 + (show_weights ? 1 : 0) && n_items > 0; k++)
    {
      const char *name = k < 4 ? fl_msa_row_kind_name (kinds[k]) : "column-attention weight";
      cairo_text_extents_t e;
      cairo_text_extents (cr, name, &e);
      if (cx + 16 + e.x_advance > x + w && cx > x + used_w)
        {
          cx = x + used_w;
          cy += 14;
        }
      cairo_rectangle (cr, cx, cy + 1, 6, 11);
      if (k < 4)
        fl_cairo_set_rgba (cr, fl_rgba_from_argb (fl_msa_row_kind_argb (kinds[k])));
      else
        {
          /* the weight strip's scale: viridis, 0 (bottom) .. max (top) */
          cairo_pattern_t *g = cairo_pattern_create_linear (0, cy + 12, 0, cy + 1);
          for (int i = 0; i <= 8; i++)
            {
              FlRgba c = fl_palette_at (fl_palette_get (FL_PALETTE_VIRIDIS), i / 8.f);
              cairo_pattern_add_color_stop_rgb (g, i / 8.0, c.r, c.g, c.b);
            }
          cairo_set_source (cr, g);
          cairo_pattern_destroy (g);
        }
      cairo_fill (cr);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_move_to (cr, cx + 9, cy + 10.5);
      cairo_show_text (cr, name);
      cx += 16 + e.x_advance + 8;
    }
  cairo_restore (cr);
}

void
fl_msa_draw_axes (cairo_t *cr, const FlMsaModel *m, const FlMsaLayout *lo,
           double col0, double ncols, double row0, double nrows)
{
  cairo_save (cr);
  set_font (cr, 9);
  cairo_set_source_rgb (cr, 0.2, 0.2, 0.2);
  cairo_set_line_width (cr, 1);
  /* residue positions (1-based) under the map */
  double step = tick_step (ncols, lo->map_w, 40);
  double first = ceil ((col0 + 1) / step) * step;
  for (double v = first; v <= col0 + ncols + 1e-9; v += step)
    {
      double xx = lo->map_x + (v - 0.5 - col0) / ncols * lo->map_w;
      char buf[16];
      snprintf (buf, sizeof buf, "%g", v);
      cairo_text_extents_t e;
      cairo_text_extents (cr, buf, &e);
      cairo_move_to (cr, xx, lo->map_y + lo->map_h);
      cairo_line_to (cr, xx, lo->map_y + lo->map_h + 3);
      cairo_stroke (cr);
      cairo_move_to (cr, xx - e.x_advance / 2, lo->map_y + lo->map_h + 13);
      cairo_show_text (cr, buf);
    }
  /* row counts on the left */
  step = tick_step (nrows, lo->map_h, 24);
  first = ceil (row0 / step) * step;
  for (double v = first; v <= row0 + nrows + 1e-9 && v < m->n_rows + 1; v += step)
    {
      double yy = lo->map_y + (v - row0) / nrows * lo->map_h;
      char buf[16];
      snprintf (buf, sizeof buf, "%g", v);
      cairo_text_extents_t e;
      cairo_text_extents (cr, buf, &e);
      double xr = MIN (lo->weights_x, lo->marks_x) - 2;
      cairo_move_to (cr, xr - e.x_advance - 1, yy + 3);
      cairo_show_text (cr, buf);
    }
  cairo_restore (cr);
}

void
fl_msa_draw_full (cairo_t *cr, double width, double height, const FlMsaModel *m,
                  FlMsaColorMode mode, gboolean mark_insertions,
                  const float *weights, int selected)
{
  if (!m)
    return;
  FlMsaLayout lo;
  fl_msa_layout_compute (&lo, width, height, weights != NULL);
  fl_msa_draw_coverage (cr, m, 0, m->L, lo.cov_x, lo.cov_y, lo.cov_w, lo.cov_h);
  /* the alignment, in bands of at most 8192 rows (cairo image limit) */
  for (int r0 = 0; r0 < m->n_rows; r0 += 8192)
    {
      int nr = MIN (8192, m->n_rows - r0);
      cairo_surface_t *img = fl_msa_model_render_tile (m, mode, mark_insertions, r0, 0, nr, m->L);
      if (!img)
        continue;
      double y0 = lo.map_y + r0 / (double) m->n_rows * lo.map_h;
      fl_heatmap_paint (cr, img, lo.map_x, y0, lo.map_w, nr / (double) m->n_rows * lo.map_h);
      cairo_surface_destroy (img);
    }
  fl_msa_draw_row_strips (cr, m, weights, &lo, 0, m->n_rows);
  cairo_save (cr);
  cairo_rectangle (cr, lo.map_x - 0.5, lo.map_y - 0.5, lo.map_w + 1, lo.map_h + 1);
  cairo_set_source_rgb (cr, 0.6, 0.6, 0.6);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  if (selected >= 0 && selected < m->L)
    {
      double cw = lo.map_w / m->L;
      cairo_rectangle (cr, lo.map_x + selected * cw, lo.cov_y, MAX (cw, 1.5),
                       lo.map_y + lo.map_h - lo.cov_y);
      cairo_set_source_rgba (cr, 0.85, 0.0, 0.55, 0.45);
      cairo_fill (cr);
    }
  cairo_restore (cr);
  fl_msa_draw_axes (cr, m, &lo, 0, m->L, 0, m->n_rows);
  fl_msa_draw_legend (cr, m, mode, weights != NULL, lo.legend_x, lo.legend_y, lo.legend_w, lo.legend_h);
}

static char
token_letter (int t)
{
  return t >= 0 && t < 20 ? FL_AA_ORDER[t] : (t == FL_TOKEN_GAP ? '-' : 'X');
}

static void
csv_field (GString *s, const char *text)
{
  g_string_append_c (s, '"');
  for (const char *c = text ? text : ""; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (s, '"');
      if (*c != '\n' && *c != '\r')
        g_string_append_c (s, *c);
    }
  g_string_append_c (s, '"');
}

char *
fl_msa_model_to_csv (const FlMsaModel *m, const float *weights)
{
  if (!m)
    return NULL;
  GString *s = g_string_new ("display_row,input_row,kind,identity,weight,name,sequence\n");
  g_autofree char *seq = g_malloc (m->L + 1);
  for (int d = 0; d < m->n_rows; d++)
    {
      g_string_append_printf (s, "%d,%d,%s,%.4f,", d, m->order[d],
                              fl_msa_row_kind_name (m->row_kind[d]), m->identity[d]);
      if (weights && isfinite (weights[d]))
        g_string_append_printf (s, "%.6g", weights[d]);
      g_string_append_c (s, ',');
      csv_field (s, m->names[d]);
      for (int c = 0; c < m->L; c++)
        seq[c] = token_letter (m->tokens[(gsize) d * m->L + c]);
      seq[m->L] = 0;
      g_string_append_printf (s, ",%s\n", seq);
    }
  return g_string_free (s, FALSE);
}

static void
json_string (GString *s, const char *text)
{
  g_string_append_c (s, '"');
  for (const unsigned char *c = (const unsigned char *) (text ? text : ""); *c; c++)
    {
      if (*c == '"' || *c == '\\')
        g_string_append_printf (s, "\\%c", *c);
      else if (*c < 0x20)
        g_string_append_printf (s, "\\u%04x", *c);
      else
        g_string_append_c (s, *c);
    }
  g_string_append_c (s, '"');
}

char *
fl_msa_model_to_json (const FlMsaModel *m, const float *weights)
{
  if (!m)
    return NULL;
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "{\"L\":%d,\"n_rows\":%d,\"query\":", m->L, m->n_rows);
  json_string (s, m->query);
  g_string_append (s, ",\"coverage\":[");
  for (int c = 0; c < m->L; c++)
    g_string_append_printf (s, c ? ",%d" : "%d", m->coverage[c]);
  g_string_append (s, "],\"rows\":[");
  for (int d = 0; d < m->n_rows; d++)
    {
      g_string_append_printf (s, "%s{\"input_row\":%d,\"kind\":\"%s\",\"identity\":%.4f,\"weight\":",
                              d ? "," : "", m->order[d], fl_msa_row_kind_name (m->row_kind[d]),
                              m->identity[d]);
      if (weights && isfinite (weights[d]))
        g_string_append_printf (s, "%.6g", weights[d]);
      else
        g_string_append (s, "null");
      g_string_append (s, ",\"name\":");
      json_string (s, m->names[d]);
      g_string_append_c (s, '}');
    }
  g_string_append (s, "]}\n");
  return g_string_free (s, FALSE);
}
