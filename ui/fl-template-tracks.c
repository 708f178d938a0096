/* Template coverage tracks (see fl-template-tracks.h). */
#include "fl-template-tracks.h"
#include <math.h>
#include <string.h>

FlTemplateTracks *
fl_template_tracks_new (GPtrArray *hits, const char *query)
{
  if (!hits || hits->len == 0 || !query)
    return NULL;
  const int L = (int) strlen (query);
  FlTemplateTracks *tt = g_new0 (FlTemplateTracks, 1);
  tt->tracks = g_new0 (FlTemplateTrack, hits->len);
  for (guint k = 0; k < hits->len; k++)
    {
      const FlTemplateHit *h = g_ptr_array_index (hits, k);
      if (h->L != L)
        continue;   /* aligned to another query: not drawn */
      FlTemplateTrack *t = &tt->tracks[tt->n++];
      g_autofree char *base = g_path_get_basename (h->chain->path);
      t->name = g_strdup (h->chain->domain_name);
      t->description = g_strdup_printf ("%s chain %s", base, h->chain->chain_id);
      t->L = L;
      t->state = g_new0 (uint8_t, L);
      t->letters = g_new0 (char, L + 1);
      t->residue = g_new0 (int, L);
      for (int i = 0; i < L; i++)
        {
          int j = h->query_to_template[i];
          if (j < 0 || j >= h->chain->n)
            {
              t->letters[i] = '-';
              continue;
            }
          t->letters[i] = h->chain->sequence[j];
          t->residue[i] = j + 1;
          gboolean same = g_ascii_toupper (query[i]) == h->chain->sequence[j];
          t->state[i] = same ? FL_TRACK_IDENTICAL : FL_TRACK_SUBSTITUTED;
          t->aligned++;
          t->identical += same;
        }
    }
  if (tt->n == 0)
    {
      fl_template_tracks_free (tt);
      return NULL;
    }
  return tt;
}

void
fl_template_tracks_free (FlTemplateTracks *tt)
{
  if (!tt)
    return;
  for (int k = 0; k < tt->n; k++)
    {
      g_free (tt->tracks[k].name);
      g_free (tt->tracks[k].description);
      g_free (tt->tracks[k].state);
      g_free (tt->tracks[k].letters);
      g_free (tt->tracks[k].residue);
    }
  g_free (tt->tracks);
  g_free (tt);
}

double
fl_template_tracks_height (int n)
{
  return n > 0 ? n * (FL_TEMPLATE_TRACK_H + FL_TEMPLATE_TRACK_GAP) : 0;
}

int
fl_template_tracks_at (const FlTemplateTracks *tt, double dy)
{
  if (!tt || dy < 0)
    return -1;
  int k = (int) floor (dy / (FL_TEMPLATE_TRACK_H + FL_TEMPLATE_TRACK_GAP));
  double within = dy - k * (FL_TEMPLATE_TRACK_H + FL_TEMPLATE_TRACK_GAP);
  return k < tt->n && within < FL_TEMPLATE_TRACK_H ? k : -1;
}

void
fl_template_tracks_draw (cairo_t *cr, const FlTemplateTracks *tt, double col0, double ncols,
                         double x, double y, double w, double label_right)
{
  if (!tt || ncols <= 0 || w <= 0)
    return;
  const double h = FL_TEMPLATE_TRACK_H;
  double cw = w / ncols;
  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  for (int k = 0; k < tt->n; k++)
    {
      const FlTemplateTrack *t = &tt->tracks[k];
      double ty = y + k * (h + FL_TEMPLATE_TRACK_GAP);
      cairo_rectangle (cr, x, ty, w, h);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_fill (cr);
      cairo_save (cr);
      cairo_rectangle (cr, x, ty, w, h);
      cairo_clip (cr);
      int c_first = MAX (0, (int) floor (col0)), c_last = MIN (t->L - 1, (int) ceil (col0 + ncols));
      /* runs of one state as one rectangle (no seams between cells) */
      for (int c = c_first; c <= c_last;)
        {
          int e = c;
          while (e + 1 <= c_last && t->state[e + 1] == t->state[c])
            e++;
          if (t->state[c] != FL_TRACK_GAP)
            {
              double v = t->state[c] == FL_TRACK_IDENTICAL ? 0x40 / 255.0 : 0xA8 / 255.0;
              cairo_rectangle (cr, x + (c - col0) * cw, ty, (e - c + 1) * cw, h);
              cairo_set_source_rgb (cr, v, v, v);
              cairo_fill (cr);
            }
          c = e + 1;
        }
      /* the template's letters when the cells are wide enough */
      if (cw >= 12)
        {
          cairo_set_font_size (cr, MIN (cw, h) * 0.7);
          for (int c = c_first; c <= c_last; c++)
            if (t->state[c] != FL_TRACK_GAP)
              {
                char s[2] = { t->letters[c], 0 };
                cairo_text_extents_t ex;
                cairo_text_extents (cr, s, &ex);
                double g = t->state[c] == FL_TRACK_IDENTICAL ? 1.0 : 0.0;
                cairo_set_source_rgb (cr, g, g, g);
                cairo_move_to (cr, x + (c - col0 + 0.5) * cw - ex.x_advance / 2, ty + h * 0.75);
                cairo_show_text (cr, s);
              }
        }
      cairo_restore (cr);
      cairo_rectangle (cr, x - 0.5, ty - 0.5, w + 1, h + 1);
      cairo_set_source_rgb (cr, 0.55, 0.55, 0.55);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      /* the name, shrunk to fit the margin */
      double room = MAX (label_right - 2, 8);
      double size = 13;
      cairo_text_extents_t ex;
      cairo_set_font_size (cr, size);
      cairo_text_extents (cr, t->name, &ex);
      if (ex.x_advance > room)
        {
          size = MAX (7, size * room / ex.x_advance);
          cairo_set_font_size (cr, size);
          cairo_text_extents (cr, t->name, &ex);
        }
      cairo_set_source_rgb (cr, 0.15, 0.15, 0.15);
      cairo_move_to (cr, label_right - ex.x_advance, ty + h / 2 + size * 0.36);
      cairo_show_text (cr, t->name);
    }
  cairo_restore (cr);
}

char *
fl_template_tracks_describe (const FlTemplateTracks *tt, int k, int col, const char *query)
{
  if (!tt || k < 0 || k >= tt->n)
    return NULL;
  const FlTemplateTrack *t = &tt->tracks[k];
  GString *s = g_string_new (NULL);
  g_string_append_printf (s, "template %s (%s)", t->name, t->description);
  if (col >= 0 && col < t->L)
    {
      char q = query && (gsize) col < strlen (query) ? query[col] : '?';
      if (t->state[col] == FL_TRACK_GAP)
        g_string_append_printf (s, ": residue %d %c not covered", col + 1, q);
      else
        g_string_append_printf (s, ": residue %d %c ↔ template %c (its residue %d), %s", col + 1, q,
                                t->letters[col],
                                t->residue[col],
                                t->state[col] == FL_TRACK_IDENTICAL ? "identical" : "substituted");
    }
  g_string_append_printf (s, "  ·  %d of %d residues covered, %d identical", t->aligned, t->L,
                          t->identical);
  return g_string_free (s, FALSE);
}
