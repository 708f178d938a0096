/* Analysis panels: pure cairo drawing code, no display needed.
 * Palettes at known values, heatmap pixels at known cells, legends, MSA
 * sorting / coverage / colours, pair-map extraction, confidence plots and
 * the CSV / JSON / PNG / SVG exports. */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>
#include "fl-palette.h"
#include "fl-heatmap.h"
#include "fl-export.h"
#include "fl-msa-render.h"
#include "fl-pair-map-render.h"
#include "fl-confidence-render.h"
#include "fl-template-tracks.h"

/* ---- helpers --------------------------------------------------------- */

static uint32_t
pixel (cairo_surface_t *s, int x, int y)
{
  cairo_surface_flush (s);
  const unsigned char *d = cairo_image_surface_get_data (s);
  return *(const uint32_t *) (d + (gsize) y * cairo_image_surface_get_stride (s) + (gsize) x * 4);
}

static uint32_t
hex_argb (uint32_t rgb)
{
  return 0xFF000000u | rgb;
}

/* colour distance in 0..255 units, max over channels */
static int
argb_diff (uint32_t a, uint32_t b)
{
  int d = 0;
  for (int s = 0; s < 32; s += 8)
    d = MAX (d, abs ((int) ((a >> s) & 0xff) - (int) ((b >> s) & 0xff)));
  return d;
}

static cairo_surface_t *
new_canvas (int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (s);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  cairo_destroy (cr);
  return s;
}

/* token ids of a string of letters ('-' = gap) */
static void
fill_tokens (int8_t *dst, const char *letters)
{
  for (int i = 0; letters[i]; i++)
    {
      const char *p = strchr (FL_AA_ORDER, letters[i]);
      dst[i] = letters[i] == '-' ? FL_TOKEN_GAP : (p ? (int8_t) (p - FL_AA_ORDER) : FL_TOKEN_X);
    }
}

/* An FlMsa built by hand (the parser is another module's); free with msa_free. */
static FlMsa *
msa_new (const char *const *rows, int n)
{
  FlMsa *m = g_new0 (FlMsa, 1);
  m->n_rows = n;
  m->L = strlen (rows[0]);
  m->query = g_strdup (rows[0]);
  m->query_name = g_strdup ("query");
  m->tokens = g_new0 (int8_t, (gsize) n * m->L);
  m->deletions = g_new0 (float, (gsize) n * m->L);
  m->names = g_new0 (char *, n + 1);
  for (int r = 0; r < n; r++)
    {
      g_assert_cmpint (strlen (rows[r]), ==, m->L);
      fill_tokens (m->tokens + (gsize) r * m->L, rows[r]);
      m->names[r] = g_strdup_printf ("seq%d", r);
    }
  m->n_rows_in_file = n;
  return m;
}

static void
msa_free (FlMsa *m)
{
  g_free (m->query);
  g_free (m->query_name);
  g_free (m->tokens);
  g_free (m->deletions);
  g_strfreev (m->names);
  g_free (m);
}

/* ---- palettes -------------------------------------------------------- */

static void
test_palette_known_values (void)
{
  const FlPalette *v = fl_palette_get (FL_PALETTE_VIRIDIS);
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_at (v, 0.f)), ==, hex_argb (0x440154));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_at (v, 1.f)), ==, hex_argb (0xFDE725));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_at (v, 0.5f)), ==, hex_argb (0x26828E));
  /* halfway between two stops: the mean of both */
  FlRgba mid = fl_palette_at (v, 1.f / 16);
  g_assert_cmpfloat_with_epsilon (mid.r, (0x44 + 0x48) / 2.0 / 255, 1e-4);
  g_assert_cmpfloat_with_epsilon (mid.b, (0x54 + 0x78) / 2.0 / 255, 1e-4);
  /* clamping outside the range, and the LUT path agrees at the ends */
  g_assert_cmphex (fl_palette_map_argb (v, -5.f, 0.f, 1.f), ==, hex_argb (0x440154));
  g_assert_cmphex (fl_palette_map_argb (v, 7.f, 0.f, 1.f), ==, hex_argb (0xFDE725));
  g_assert_cmpint (argb_diff (fl_palette_map_argb (v, 0.37f, 0.f, 1.f),
                              fl_rgba_to_argb (fl_palette_map (v, 0.37f, 0.f, 1.f))), <=, 1);
  /* reversed range */
  g_assert_cmphex (fl_palette_map_argb (v, 0.f, 1.f, 0.f), ==, hex_argb (0xFDE725));

  /* PAE: 0 Å dark blue, 5 Å, 10 Å, 20 Å, 30 Å white over 0..30 */
  const FlPalette *p = fl_palette_get (FL_PALETTE_PAE);
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (p, 0.f, 0.f, 30.f)), ==, hex_argb (0x08306B));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (p, 5.f, 0.f, 30.f)), ==, hex_argb (0x2171B5));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (p, 10.f, 0.f, 30.f)), ==, hex_argb (0x6BAED6));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (p, 20.f, 0.f, 30.f)), ==, hex_argb (0xC6DBEF));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (p, 30.f, 0.f, 30.f)), ==, 0xFFFFFFFFu);
  g_assert_cmphex (fl_palette_map_argb (p, 31.75f, 0.f, 30.f), ==, 0xFFFFFFFFu);

  /* diverging: white at zero of a symmetric range */
  const FlPalette *d = fl_palette_get (FL_PALETTE_DIVERGING);
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (d, 0.f, -2.f, 2.f)), ==, hex_argb (0xF7F7F7));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (d, -2.f, -2.f, 2.f)), ==, hex_argb (0x2166AC));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (d, 2.f, -2.f, 2.f)), ==, hex_argb (0xB2182B));

  /* identity: red (0) to indigo (1) */
  const FlPalette *id = fl_palette_get (FL_PALETTE_IDENTITY);
  g_assert_cmphex (fl_palette_map_argb (id, 0.f, 0.f, 1.f), ==, hex_argb (0xD62728));
  g_assert_cmphex (fl_palette_map_argb (id, 1.f, 0.f, 1.f), ==, hex_argb (0x3949AB));

  /* NaN is mid grey on every path */
  g_assert_cmphex (fl_palette_map_argb (v, NAN, 0.f, 1.f), ==, hex_argb (0x9E9E9E));
  g_assert_cmphex (fl_rgba_to_argb (fl_palette_map (v, NAN, 0.f, 1.f)), ==, hex_argb (0x9E9E9E));

  /* round trip of premultiplied ARGB */
  FlRgba c = fl_rgba_from_argb (hex_argb (0x123456));
  g_assert_cmphex (fl_rgba_to_argb (c), ==, hex_argb (0x123456));
  /* out-of-range kind falls back instead of crashing */
  g_assert_nonnull (fl_palette_get ((FlPaletteKind) 99));
}

static void
test_palette_aa_classes (void)
{
  int K = strchr (FL_AA_ORDER, 'K') - FL_AA_ORDER;
  int D = strchr (FL_AA_ORDER, 'D') - FL_AA_ORDER;
  int W = strchr (FL_AA_ORDER, 'W') - FL_AA_ORDER;
  int G = strchr (FL_AA_ORDER, 'G') - FL_AA_ORDER;
  int L = strchr (FL_AA_ORDER, 'L') - FL_AA_ORDER;
  g_assert_cmpint (fl_aa_class_of_token (K), ==, FL_AA_CLASS_POSITIVE);
  g_assert_cmpint (fl_aa_class_of_token (D), ==, FL_AA_CLASS_NEGATIVE);
  g_assert_cmpint (fl_aa_class_of_token (W), ==, FL_AA_CLASS_AROMATIC);
  g_assert_cmpint (fl_aa_class_of_token (G), ==, FL_AA_CLASS_GLYCINE);
  g_assert_cmpint (fl_aa_class_of_token (L), ==, FL_AA_CLASS_HYDROPHOBIC);
  g_assert_cmpint (fl_aa_class_of_token (FL_TOKEN_GAP), ==, FL_AA_CLASS_GAP);
  g_assert_cmpint (fl_aa_class_of_token (FL_TOKEN_X), ==, FL_AA_CLASS_UNKNOWN);
  g_assert_cmpint (fl_aa_class_of_token (-3), ==, FL_AA_CLASS_UNKNOWN);
  g_assert_cmphex (fl_aa_token_argb (K), ==, hex_argb (0xF01505));
  g_assert_cmphex (fl_aa_token_argb (FL_TOKEN_GAP), ==, 0xFFFFFFFFu);
  /* every class has its own colour */
  for (int a = 0; a < FL_AA_N_CLASSES; a++)
    for (int b = a + 1; b < FL_AA_N_CLASSES; b++)
      g_assert_cmphex (fl_aa_class_argb (a), !=, fl_aa_class_argb (b));
}

static void
test_palette_plddt_bands (void)
{
  g_assert_cmpint (fl_plddt_band (95.f), ==, 0);
  g_assert_cmpint (fl_plddt_band (90.f), ==, 1);
  g_assert_cmpint (fl_plddt_band (70.5f), ==, 1);
  g_assert_cmpint (fl_plddt_band (70.f), ==, 2);
  g_assert_cmpint (fl_plddt_band (50.f), ==, 3);
  g_assert_cmpint (fl_plddt_band (3.f), ==, 3);
  g_assert_cmphex (fl_plddt_band_argb (0), ==, hex_argb (0x0053D6));
  g_assert_cmphex (fl_plddt_band_argb (1), ==, hex_argb (0x65CBF3));
  g_assert_cmphex (fl_plddt_band_argb (2), ==, hex_argb (0xFFDB13));
  g_assert_cmphex (fl_plddt_band_argb (3), ==, hex_argb (0xFF7D45));
}

/* ---- heatmaps -------------------------------------------------------- */

static void
test_heatmap_pixels (void)
{
  const float m[2 * 3] = { 0.f, 0.5f, 1.f,
                           0.25f, NAN, 2.f };
  const FlPalette *p = fl_palette_get (FL_PALETTE_VIRIDIS);
  cairo_surface_t *s = fl_heatmap_render (m, 2, 3, p, 0.f, 1.f);
  g_assert_nonnull (s);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 3);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, 2);
  g_assert_cmphex (pixel (s, 0, 0), ==, hex_argb (0x440154));
  g_assert_cmpint (argb_diff (pixel (s, 1, 0), hex_argb (0x26828E)), <=, 1);
  g_assert_cmphex (pixel (s, 2, 0), ==, hex_argb (0xFDE725));
  g_assert_cmphex (pixel (s, 2, 1), ==, hex_argb (0xFDE725));   /* clamped */
  g_assert_cmphex (pixel (s, 1, 1), ==, hex_argb (0x9E9E9E));   /* NaN */
  g_assert_cmpint (argb_diff (pixel (s, 0, 1), fl_rgba_to_argb (fl_palette_map (p, 0.25f, 0, 1))), <=, 1);

  /* painted 10x scaled with the nearest filter: cells stay crisp */
  cairo_surface_t *canvas = new_canvas (30, 20);
  cairo_t *cr = cairo_create (canvas);
  fl_heatmap_paint (cr, s, 0, 0, 30, 20);
  cairo_destroy (cr);
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      {
        g_assert_cmphex (pixel (canvas, j * 10 + 1, i * 10 + 1), ==, pixel (s, j, i));
        g_assert_cmphex (pixel (canvas, j * 10 + 8, i * 10 + 8), ==, pixel (s, j, i));
      }
  cairo_surface_destroy (canvas);

  /* recolour in place with another range / palette */
  g_assert_true (fl_heatmap_recolor (s, m, 2, 3, fl_palette_get (FL_PALETTE_GREYS), 0.f, 2.f));
  g_assert_cmphex (pixel (s, 0, 0), ==, 0xFFFFFFFFu);
  g_assert_cmphex (pixel (s, 2, 1), ==, 0xFF000000u);
  g_assert_cmpint (argb_diff (pixel (s, 2, 0), hex_argb (0x808080)), <=, 1);
  /* a too small surface is refused */
  g_assert_false (fl_heatmap_recolor (s, m, 3, 3, p, 0.f, 1.f));
  cairo_surface_destroy (s);
  /* bad input */
  g_assert_null (fl_heatmap_render (m, 0, 3, p, 0, 1));
  g_assert_null (fl_heatmap_render (NULL, 2, 3, p, 0, 1));

  /* box-filtered reduction: a 4x4 black / white checkerboard to 2x2 is grey */
  const float checker[16] = { 0, 1, 0, 1,  1, 0, 1, 0,  0, 1, 0, 1,  1, 0, 1, 0 };
  cairo_surface_t *big = fl_heatmap_render (checker, 4, 4, fl_palette_get (FL_PALETTE_GREYS), 0.f, 1.f);
  cairo_surface_t *small = fl_heatmap_downscale (big, 2, 2);
  g_assert_nonnull (small);
  g_assert_cmpint (cairo_image_surface_get_width (small), ==, 2);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 2; x++)
      g_assert_cmpint (argb_diff (pixel (small, x, y), hex_argb (0x808080)), <=, 24);
  g_assert_null (fl_heatmap_downscale (big, 0, 2));
  cairo_surface_destroy (small);
  cairo_surface_destroy (big);

  float lo, hi;
  g_assert_true (fl_heatmap_value_range (m, 6, &lo, &hi));
  g_assert_cmpfloat (lo, ==, 0.f);
  g_assert_cmpfloat (hi, ==, 2.f);
  const float nans[2] = { NAN, INFINITY };
  g_assert_false (fl_heatmap_value_range (nans, 2, &lo, &hi));
}

static void
test_heatmap_legend (void)
{
  const FlPalette *p = fl_palette_get (FL_PALETTE_VIRIDIS);
  /* vertical bar: vmax at the top, vmin at the bottom */
  cairo_surface_t *c = new_canvas (80, 220);
  cairo_t *cr = cairo_create (c);
  fl_heatmap_draw_legend (cr, p, 0.f, 10.f, 0, 0, 80, 220, "title");
  cairo_destroy (cr);
  /* title 14 px, then the bar, 14 px wide, from y = 14 to 206 (the range
   * text takes the last 14 px): value at pixel row y is 1 - (y + 0.5 - 14) / 192 */
  for (int y = 16; y < 206; y += 30)
    {
      float t = 1.f - (y + 0.5f - 14.f) / 192.f;
      g_assert_cmpint (argb_diff (pixel (c, 6, y), fl_rgba_to_argb (fl_palette_at (p, t))), <=, 4);
    }
  /* tick labels: dark pixels right of the bar */
  int dark = 0;
  for (int y = 14; y < 206; y++)
    for (int x = 20; x < 80; x++)
      dark += (pixel (c, x, y) & 0xff) < 128;
  g_assert_cmpint (dark, >, 20);
  cairo_surface_destroy (c);

  /* horizontal bar, reversed range: the vmin colour (yellow) on the left */
  c = new_canvas (200, 40);
  cr = cairo_create (c);
  fl_palette_draw_colorbar (cr, p, 10.f, 0.f, 0, 0, 200, 40, NULL);
  cairo_destroy (cr);
  g_assert_cmpint (argb_diff (pixel (c, 1, 4), fl_rgba_to_argb (fl_palette_at (p, 1.f - 1.5f / 200))), <=, 4);
  g_assert_cmpint (argb_diff (pixel (c, 198, 4), fl_rgba_to_argb (fl_palette_at (p, 1.5f / 200))), <=, 4);
  cairo_surface_destroy (c);

  /* swatch legends use the class / band colours */
  c = new_canvas (400, 80);
  cr = cairo_create (c);
  double h1 = fl_palette_draw_plddt_legend (cr, 0, 0, 400);
  cairo_destroy (cr);
  g_assert_cmpfloat (h1, >, 0);
  g_assert_cmphex (pixel (c, 5, 6), ==, fl_plddt_band_argb (0));
  cairo_surface_destroy (c);
}

static void
test_heatmap_csv_json (void)
{
  const float m[4] = { 1.f, 0.5f, NAN, -2.25f };
  g_autofree char *csv = fl_heatmap_to_csv (m, 2, 2);
  g_assert_cmpstr (csv, ==, "row,0,1\n0,1,0.5\n1,nan,-2.25\n");
  g_autofree char *json = fl_heatmap_to_json (m, 2, 2, 0.f, 1.f, "t\"x");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (o, "rows"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "t\"x");
  JsonArray *rows = json_object_get_array_member (o, "values");
  JsonArray *r1 = json_array_get_array_element (rows, 1);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_array_get_element (r1, 0)));
  g_assert_cmpfloat (json_array_get_double_element (r1, 1), ==, -2.25);
  g_assert_null (fl_heatmap_to_csv (m, 0, 2));
}

/* ---- MSA -------------------------------------------------------------- */

static const char *const demo_rows[] = {
  "ACDEFG",   /* query */
  "AC----",   /* identity 2/6 */
  "ACDEFA",   /* 5/6 */
  "KKKKKK",   /* 0 */
  "ACDEGG",   /* 5/6, later in the file */
};

static void
test_msa_sort_and_coverage (void)
{
  FlMsa *msa = msa_new (demo_rows, 5);
  float id[5];
  fl_msa_compute_identity (msa, id);
  g_assert_cmpfloat_with_epsilon (id[0], 1.f, 1e-6);
  g_assert_cmpfloat_with_epsilon (id[1], 2.f / 6, 1e-6);
  g_assert_cmpfloat_with_epsilon (id[2], 5.f / 6, 1e-6);
  g_assert_cmpfloat_with_epsilon (id[3], 0.f, 1e-6);
  int order[5];
  fl_msa_sort_by_identity (id, 5, order);
  const int want[5] = { 0, 2, 4, 1, 3 };   /* query first, ties in file order */
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (order[i], ==, want[i]);

  FlMsaModel *m = fl_msa_model_new (msa, NULL);
  g_assert_nonnull (m);
  for (int i = 0; i < 5; i++)
    g_assert_cmpint (m->order[i], ==, want[i]);
  /* display row 3 is input row 1 */
  g_assert_cmpint (m->tokens[3 * 6 + 2], ==, FL_TOKEN_GAP);
  g_assert_cmpstr (m->names[3], ==, "seq1");
  /* coverage: columns 0,1 have 5 residues, 2..5 have 4 */
  const int cov[6] = { 5, 5, 4, 4, 4, 4 };
  for (int c = 0; c < 6; c++)
    g_assert_cmpint (m->coverage[c], ==, cov[c]);
  g_assert_false (m->has_features);
  fl_msa_model_unref (m);
  msa_free (msa);

  FlMsa empty = { 0 };
  g_assert_null (fl_msa_model_new (&empty, NULL));
  g_assert_null (fl_msa_model_new (NULL, NULL));
}

static void
test_msa_cell_colours (void)
{
  FlMsa *msa = msa_new (demo_rows, 5);
  msa->deletions[2 * 6 + 3] = 2.f;   /* input row 2 (display 1): insertion before column 3 */
  FlMsaModel *m = fl_msa_model_new (msa, NULL);
  int A = 0, K = strchr (FL_AA_ORDER, 'K') - FL_AA_ORDER;
  g_assert_cmphex (fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, FALSE, 0, 0), ==, fl_aa_token_argb (A));
  g_assert_cmphex (fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, FALSE, 4, 0), ==, fl_aa_token_argb (K));
  g_assert_cmphex (fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, FALSE, 3, 4), ==, 0xFFFFFFFFu);
  /* identity mode: residues take the row's identity colour, gaps stay white */
  const FlPalette *idp = fl_palette_get (FL_PALETTE_IDENTITY);
  g_assert_cmphex (fl_msa_model_cell_argb (m, FL_MSA_COLOR_IDENTITY, FALSE, 3, 0), ==,
                   fl_palette_map_argb (idp, 2.f / 6, 0, 1));
  g_assert_cmphex (fl_msa_model_cell_argb (m, FL_MSA_COLOR_IDENTITY, FALSE, 3, 5), ==, 0xFFFFFFFFu);
  /* insertions darken the cell when marked */
  uint32_t plain = fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, FALSE, 1, 3);
  uint32_t marked = fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, TRUE, 1, 3);
  g_assert_cmphex (plain, !=, marked);
  g_assert_cmpint ((marked >> 16) & 0xff, <, (plain >> 16) & 0xff);
  g_assert_cmphex (fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, TRUE, 1, 2), ==,
                   fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, FALSE, 1, 2));
  /* a tile reproduces the cells, outside cells are transparent */
  cairo_surface_t *t = fl_msa_model_render_tile (m, FL_MSA_COLOR_AA_CLASS, TRUE, 2, 4, 4, 4);
  g_assert_nonnull (t);
  g_assert_cmphex (pixel (t, 0, 0), ==, fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, TRUE, 2, 4));
  g_assert_cmphex (pixel (t, 1, 2), ==, fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, TRUE, 4, 5));
  g_assert_cmphex (pixel (t, 3, 0), ==, 0u);   /* column 7 does not exist */
  g_assert_cmphex (pixel (t, 0, 3), ==, 0u);   /* row 5 does not exist */
  cairo_surface_destroy (t);
  fl_msa_model_unref (m);
  msa_free (msa);
}

static void
test_msa_row_kinds_and_weights (void)
{
  FlMsa *msa = msa_new (demo_rows, 5);
  /* cluster rows: input 0 and 3; extra: input 1 and 2; input 4 unused */
  int32_t cluster_src[3] = { 0, 3, -1 }, extra_src[3] = { 2, 1, -1 };
  FlFeatures f = { 0 };
  f.n_clust = 3;
  f.n_extra = 3;
  f.cluster_source_row = cluster_src;
  f.extra_source_row = extra_src;
  FlMsaModel *m = fl_msa_model_new (msa, &f);
  g_assert_true (m->has_features);
  /* display order 0,2,4,1,3 */
  g_assert_cmpint (m->row_kind[0], ==, FL_MSA_ROW_QUERY);
  g_assert_cmpint (m->row_kind[1], ==, FL_MSA_ROW_EXTRA);
  g_assert_cmpint (m->row_kind[2], ==, FL_MSA_ROW_UNUSED);
  g_assert_cmpint (m->row_kind[3], ==, FL_MSA_ROW_EXTRA);
  g_assert_cmpint (m->row_kind[4], ==, FL_MSA_ROW_CLUSTER);
  g_assert_cmpint (m->cluster_index[4], ==, 1);
  g_assert_cmpint (m->cluster_index[1], ==, -1);

  cairo_surface_t *marks = fl_msa_model_render_row_marks (m);
  g_assert_cmphex (pixel (marks, 0, 4), ==, fl_msa_row_kind_argb (FL_MSA_ROW_CLUSTER));
  g_assert_cmphex (pixel (marks, 0, 1), ==, fl_msa_row_kind_argb (FL_MSA_ROW_EXTRA));
  cairo_surface_destroy (marks);

  /* weights: mean over 2 heads of msa_col_attention (col_heads, n_clust) */
  FlRecycleData *d = fl_recycle_data_new (0, 6);
  d->col_heads = 2;
  d->n_clust = 3;
  d->msa_col_attention = g_new (float, 6);
  const float att[6] = { 0.5f, 0.3f, 0.2f,
                         0.7f, 0.1f, 0.2f };
  memcpy (d->msa_col_attention, att, sizeof att);
  float w[5];
  g_assert_true (fl_msa_model_row_weights (m, d, w));
  g_assert_cmpfloat_with_epsilon (w[0], 0.6f, 1e-6);
  g_assert_cmpfloat_with_epsilon (w[4], 0.2f, 1e-6);
  g_assert_true (isnan (w[1]) && isnan (w[2]) && isnan (w[3]));
  FlRecycleData *none = fl_recycle_data_new (0, 6);
  g_assert_false (fl_msa_model_row_weights (m, none, w));
  g_assert_true (isnan (w[0]));

  g_autofree char *csv = fl_msa_model_to_csv (m, NULL);
  g_auto (GStrv) lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "display_row,input_row,kind,identity,weight,name,sequence");
  g_assert_cmpstr (lines[1], ==, "0,0,query,1.0000,,\"seq0\",ACDEFG");
  g_assert_cmpstr (lines[4], ==, "3,1,extra MSA,0.3333,,\"seq1\",AC----");
  g_autofree char *json = fl_msa_model_to_json (m, w);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  JsonArray *cov = json_object_get_array_member (o, "coverage");
  g_assert_cmpint (json_array_get_int_element (cov, 2), ==, 4);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (o, "rows")), ==, 5);

  fl_recycle_data_unref (d);
  fl_recycle_data_unref (none);
  fl_msa_model_unref (m);
  msa_free (msa);
}

static void
test_msa_row_strips_pooled (void)
{
  /* 100 identical rows (display order = file order); cluster rows 0 and 50 */
  const char *rows100[100];
  for (int r = 0; r < 100; r++)
    rows100[r] = "ACDE";
  FlMsa *msa = msa_new (rows100, 100);
  int32_t cluster_src[2] = { 0, 50 }, extra_src[98];
  for (int e = 0, r = 1; r < 100; r++)
    if (r != 50)
      extra_src[e++] = r;
  FlFeatures f = { 0 };
  f.n_clust = 2;
  f.n_extra = 98;
  f.cluster_source_row = cluster_src;
  f.extra_source_row = extra_src;
  FlMsaModel *m = fl_msa_model_new (msa, &f);
  g_assert_cmpint (m->order[50], ==, 50);
  float w[100];
  for (int r = 0; r < 100; r++)
    w[r] = NAN;
  w[0] = 0.1f;
  w[50] = 0.9f;
  /* 10 pixel rows for 100 rows: nearest sampling could miss row 50, pooling must not */
  FlMsaLayout lo = { 0 };
  lo.marks_x = 0;
  lo.weights_x = 10;
  lo.strip_w = 5;
  lo.map_y = 0;
  lo.map_h = 10;
  cairo_surface_t *c = new_canvas (20, 10);
  cairo_t *cr = cairo_create (c);
  fl_msa_draw_row_strips (cr, m, w, &lo, 0, 100);
  cairo_destroy (cr);
  g_assert_cmphex (pixel (c, 2, 0), ==, fl_msa_row_kind_argb (FL_MSA_ROW_QUERY));
  g_assert_cmphex (pixel (c, 2, 3), ==, fl_msa_row_kind_argb (FL_MSA_ROW_EXTRA));
  g_assert_cmphex (pixel (c, 2, 5), ==, fl_msa_row_kind_argb (FL_MSA_ROW_CLUSTER));
  g_assert_cmphex (pixel (c, 12, 5), ==, hex_argb (0xFDE725));           /* max weight */
  g_assert_cmphex (pixel (c, 12, 3), ==, 0xFFFFFFFFu);                   /* no weight: background */
  g_assert_cmphex (pixel (c, 12, 0), ==, fl_palette_map_argb (fl_palette_get (FL_PALETTE_VIRIDIS), 0.1f, 0, 0.9f));
  cairo_surface_destroy (c);
  fl_msa_model_unref (m);
  msa_free (msa);
}

static void
test_msa_draw_full (void)
{
  FlMsa *msa = msa_new (demo_rows, 5);
  FlMsaModel *m = fl_msa_model_new (msa, NULL);
  int W = 500, H = 400;
  cairo_surface_t *c = new_canvas (W, H);
  cairo_t *cr = cairo_create (c);
  fl_msa_draw_full (cr, W, H, m, FL_MSA_COLOR_AA_CLASS, TRUE, NULL, -1);
  cairo_destroy (cr);
  FlMsaLayout lo;
  fl_msa_layout_compute (&lo, W, H, FALSE);
  double cw = lo.map_w / 6, ch = lo.map_h / 5;
  for (int r = 0; r < 5; r++)
    for (int col = 0; col < 6; col++)
      {
        int x = (int) (lo.map_x + (col + 0.5) * cw), y = (int) (lo.map_y + (r + 0.5) * ch);
        g_assert_cmphex (pixel (c, x, y), ==, fl_msa_model_cell_argb (m, FL_MSA_COLOR_AA_CLASS, TRUE, r, col));
      }
  /* coverage line: the strip has black pixels */
  int black = 0;
  for (int y = (int) lo.cov_y; y < lo.cov_y + lo.cov_h; y++)
    for (int x = (int) lo.cov_x; x < lo.cov_x + lo.cov_w; x++)
      black += (pixel (c, x, y) & 0xffffff) < 0x202020;
  g_assert_cmpint (black, >, 50);
  cairo_surface_destroy (c);
  fl_msa_model_unref (m);
  msa_free (msa);
}

/* A one-sequence alignment (a FASTA) gets whole-number row labels: "0" at
 * the top and "1" at the bottom, not 0, 0.1, 0.2, ... */
static void
test_msa_single_row_ticks (void)
{
  FlMsa *msa = msa_new (demo_rows, 1);
  FlMsaModel *m = fl_msa_model_new (msa, NULL);
  int W = 500, H = 400;
  cairo_surface_t *c = new_canvas (W, H);
  cairo_t *cr = cairo_create (c);
  fl_msa_draw_full (cr, W, H, m, FL_MSA_COLOR_AA_CLASS, TRUE, NULL, -1);
  cairo_destroy (cr);
  FlMsaLayout lo;
  fl_msa_layout_compute (&lo, W, H, FALSE);
  /* text runs (rows of ink separated by blank rows) left of the map */
  int runs = 0;
  gboolean in_run = FALSE;
  for (int y = (int) lo.map_y - 8; y < (int) (lo.map_y + lo.map_h) + 8 && y < H; y++)
    {
      gboolean ink = FALSE;
      for (int x = 0; x < (int) lo.map_x - 12 && !ink; x++)
        ink = argb_diff (pixel (c, x, y), 0xFFFFFFFFu) > 60;
      runs += ink && !in_run;
      in_run = ink;
    }
  g_assert_cmpint (runs, >=, 1);
  g_assert_cmpint (runs, <=, 2);
  cairo_surface_destroy (c);
  fl_msa_model_unref (m);
  msa_free (msa);
}

/* ---- pair maps -------------------------------------------------------- */

static FlRecycleData *
pair_data (int L)
{
  FlRecycleData *d = fl_recycle_data_new (1, L);
  gsize LL = (gsize) L * L;
  d->att_block = 47;
  d->att_heads = 2;
  d->tri_heads = 2;
  d->att_residue = 1;
  d->msa_row_attention = g_new (float, 2 * LL);
  d->msa_row_pair_bias = g_new (float, 2 * LL);
  d->tri_start_attention = g_new (float, 2 * LL);
  d->pae = g_new (float, LL);
  for (gsize k = 0; k < LL; k++)
    {
      d->msa_row_attention[k] = k * 0.01f;          /* head 0 */
      d->msa_row_attention[LL + k] = k * 0.03f;     /* head 1 */
      d->msa_row_pair_bias[k] = (float) k - 2.f;
      d->msa_row_pair_bias[LL + k] = -1.f;
      d->tri_start_attention[k] = 0.1f;
      d->tri_start_attention[LL + k] = 0.3f;
      d->pae[k] = k * 4.f;
    }
  return d;
}

static void
test_pair_map_extract (void)
{
  FlRecycleData *d = pair_data (3);
  g_assert_true (fl_pair_map_available (d, FL_PAIR_MAP_MSA_ROW_ATTENTION));
  g_assert_false (fl_pair_map_available (d, FL_PAIR_MAP_CONTACTS));
  g_assert_false (fl_pair_map_available (d, FL_PAIR_MAP_TRI_END));
  g_assert_cmpint (fl_pair_map_n_heads (d, FL_PAIR_MAP_PAIR_BIAS), ==, 2);
  g_assert_cmpint (fl_pair_map_n_heads (d, FL_PAIR_MAP_PAE), ==, 0);
  g_assert_null (fl_pair_map_new (d, FL_PAIR_MAP_CONTACTS, -1));
  g_assert_null (fl_pair_map_new (d, FL_PAIR_MAP_MSA_ROW_ATTENTION, 2));
  g_assert_null (fl_pair_map_new (NULL, FL_PAIR_MAP_PAE, -1));

  FlPairMap *mean = fl_pair_map_new (d, FL_PAIR_MAP_MSA_ROW_ATTENTION, -1);
  g_assert_cmpfloat_with_epsilon (mean->values[5], 5 * 0.02f, 1e-6);
  g_assert_cmpfloat (mean->vmin, ==, 0.f);
  g_assert_cmpfloat_with_epsilon (mean->vmax, 8 * 0.02f, 1e-6);
  g_assert_nonnull (strstr (mean->title, "block 48"));
  g_assert_nonnull (strstr (mean->title, "mean of 2 heads"));
  FlPairMap *h1 = fl_pair_map_new (d, FL_PAIR_MAP_MSA_ROW_ATTENTION, 1);
  g_assert_cmpfloat_with_epsilon (h1->values[5], 5 * 0.03f, 1e-6);

  FlPairMap *bias = fl_pair_map_new (d, FL_PAIR_MAP_PAIR_BIAS, 0);
  g_assert_cmpint (bias->palette, ==, FL_PALETTE_DIVERGING);
  g_assert_cmpfloat (bias->vmin, ==, -6.f);   /* max |b| = 6 (k=8) */
  g_assert_cmpfloat (bias->vmax, ==, 6.f);

  FlPairMap *tri = fl_pair_map_new (d, FL_PAIR_MAP_TRI_START, -1);
  g_assert_cmpfloat_with_epsilon (tri->values[0], 0.2f, 1e-6);
  g_assert_cmpint (tri->query_residue, ==, 1);
  g_assert_nonnull (strstr (tri->title, "around residue 2"));

  FlPairMap *pae = fl_pair_map_new (d, FL_PAIR_MAP_PAE, -1);
  g_assert_cmpint (pae->palette, ==, FL_PALETTE_PAE);
  g_assert_cmpfloat (pae->vmin, ==, 0.f);
  g_assert_cmpfloat (pae->vmax, ==, 30.f);
  cairo_surface_t *img = fl_pair_map_render (pae);
  /* cell (1, 2) = 20 Å -> #C6DBEF, cell (0, 0) = 0 -> #08306B */
  g_assert_cmpint (argb_diff (pixel (img, 2, 1), hex_argb (0xC6DBEF)), <=, 1);
  g_assert_cmphex (pixel (img, 0, 0), ==, hex_argb (0x08306B));

  g_autofree char *csv = fl_pair_map_to_csv (pae);
  g_assert_cmpstr (csv, ==, "row,0,1,2\n0,0,4,8\n1,12,16,20\n2,24,28,32\n");
  g_autofree char *json = fl_pair_map_to_json (mean);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  JsonObject *o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "msa_row_attention");
  g_assert_cmpint (json_object_get_int_member (o, "head"), ==, -1);
  JsonObject *map = json_object_get_object_member (o, "map");
  g_assert_cmpint (json_object_get_int_member (map, "cols"), ==, 3);

  cairo_surface_destroy (img);
  fl_pair_map_free (mean);
  fl_pair_map_free (h1);
  fl_pair_map_free (bias);
  fl_pair_map_free (tri);
  fl_pair_map_free (pae);
  fl_recycle_data_unref (d);
}

static void
test_pair_map_draw (void)
{
  FlRecycleData *d = pair_data (4);
  FlPairMap *m = fl_pair_map_new (d, FL_PAIR_MAP_PAE, -1);
  int W = 460, H = 360;
  FlPairMapLayout lo;
  fl_pair_map_layout_compute (&lo, W, H);
  double cs = lo.map_size / 4;
  /* hit testing: cell centres map back to their cell, outside is refused */
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      {
        int ci = -1, cj = -1;
        g_assert_true (fl_pair_map_cell_at (&lo, 4, lo.map_x + (j + 0.5) * cs, lo.map_y + (i + 0.5) * cs, &ci, &cj));
        g_assert_cmpint (ci, ==, i);
        g_assert_cmpint (cj, ==, j);
      }
  g_assert_false (fl_pair_map_cell_at (&lo, 4, lo.map_x - 2, lo.map_y + 2, NULL, NULL));
  g_assert_false (fl_pair_map_cell_at (&lo, 4, lo.map_x + 2, lo.map_y + lo.map_size + 1, NULL, NULL));

  cairo_surface_t *c = new_canvas (W, H);
  cairo_t *cr = cairo_create (c);
  fl_pair_map_draw (cr, W, H, m, NULL, NULL);
  cairo_destroy (cr);
  const FlPalette *p = fl_palette_get (FL_PALETTE_PAE);
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      g_assert_cmphex (pixel (c, (int) (lo.map_x + (j + 0.5) * cs), (int) (lo.map_y + (i + 0.5) * cs)), ==,
                       fl_palette_map_argb (p, m->values[i * 4 + j], 0, 30));
  /* colour bar present: the bar's top is the vmax colour (white-ish), bottom dark blue */
  g_assert_cmpint (argb_diff (pixel (c, (int) lo.bar_x + 5, (int) lo.bar_y + 14 + 1),
                              fl_palette_map_argb (p, 30, 0, 30)), <=, 8);
  cairo_surface_destroy (c);

  /* overlay: the selected residue's row and column change colour */
  FlPairMapOverlay ov;
  fl_pair_map_overlay_init (&ov);
  ov.selected = 2;
  c = new_canvas (W, H);
  cr = cairo_create (c);
  fl_pair_map_draw (cr, W, H, m, NULL, &ov);
  cairo_destroy (cr);
  int x_on = (int) (lo.map_x + 2.5 * cs), y_off = (int) (lo.map_y + 0.5 * cs);
  g_assert_cmphex (pixel (c, x_on, y_off), !=, fl_palette_map_argb (p, m->values[0 * 4 + 2], 0, 30));
  g_assert_cmphex (pixel (c, (int) (lo.map_x + 0.5 * cs), y_off), ==, fl_palette_map_argb (p, m->values[0], 0, 30));
  cairo_surface_destroy (c);

  /* no map: a message, no crash */
  c = new_canvas (W, H);
  cr = cairo_create (c);
  fl_pair_map_draw (cr, W, H, NULL, NULL, NULL);
  cairo_destroy (cr);
  cairo_surface_destroy (c);
  fl_pair_map_free (m);
  fl_recycle_data_unref (d);
}

/* ---- confidence ------------------------------------------------------- */

static void
test_confidence (void)
{
  FlRecycleData *r[2];
  for (int k = 0; k < 2; k++)
    {
      r[k] = fl_recycle_data_new (k, 5);
      for (int i = 0; i < 5; i++)
        r[k]->plddt[i] = 40.f + 10.f * i + 5.f * k;
      r[k]->mean_plddt = 60.f + 5.f * k;
      r[k]->ptm = 0.5f + 0.1f * k;
    }
  r[1]->tolerance = 1.25f;
  int W = 600, H = 400;
  cairo_surface_t *c = new_canvas (W, H);
  cairo_t *cr = cairo_create (c);
  fl_confidence_draw (cr, W, H, r, 2, 1, 2, -1);
  cairo_destroy (cr);
  FlConfidenceLayout lo;
  fl_confidence_layout_compute (&lo, W, H);
  /* band shading: near the top (pLDDT ~97) at the left edge, where no line
   * passes, the very-high band tint (0x0053D6 at 22 % over white) */
  uint32_t px = pixel (c, (int) lo.plot_x + 3, (int) (lo.plot_y + 0.03 * lo.plot_h));
  FlRgba band = fl_rgba_from_argb (fl_plddt_band_argb (0));
  FlRgba want = { 1 - 0.22f * (1 - band.r), 1 - 0.22f * (1 - band.g), 1 - 0.22f * (1 - band.b), 1 };
  g_assert_cmpint (argb_diff (px, fl_rgba_to_argb (want)), <=, 3);
  /* <50 band near the bottom */
  px = pixel (c, (int) (lo.plot_x + lo.plot_w - 3), (int) (lo.plot_y + 0.97 * lo.plot_h));
  band = fl_rgba_from_argb (fl_plddt_band_argb (3));
  FlRgba want3 = { 1 - 0.22f * (1 - band.r), 1 - 0.22f * (1 - band.g), 1 - 0.22f * (1 - band.b), 1 };
  g_assert_cmpint (argb_diff (px, fl_rgba_to_argb (want3)), <=, 3);
  /* the current line (bold, near-black) passes through residue 0 at pLDDT 45 */
  px = pixel (c, (int) lo.plot_x + 1, (int) (lo.plot_y + (100 - 45) / 100.0 * lo.plot_h));
  g_assert_cmpint (px & 0xff, <, 80);
  cairo_surface_destroy (c);

  g_assert_cmpint (fl_confidence_residue_at (&lo, 5, lo.plot_x, lo.plot_y + 5), ==, 0);
  g_assert_cmpint (fl_confidence_residue_at (&lo, 5, lo.plot_x + lo.plot_w, lo.plot_y + 5), ==, 4);
  g_assert_cmpint (fl_confidence_residue_at (&lo, 5, lo.plot_x - 5, lo.plot_y + 5), ==, -1);

  g_autofree char *csv = fl_confidence_to_csv (r, 2);
  g_assert_true (g_str_has_prefix (csv, "residue,plddt_r0,plddt_r1\n1,40,45\n2,50,55\n"));
  g_assert_nonnull (strstr (csv, "recycle,mean_plddt,ptm,tolerance\n0,60,0.5,\n1,65,0.6,1.25\n"));
  g_autofree char *json = fl_confidence_to_json (r, 2);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_assert_true (json_parser_load_from_data (parser, json, -1, NULL));
  JsonArray *recs = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "recycles");
  g_assert_cmpint (json_array_get_length (recs), ==, 2);
  JsonObject *r0 = json_array_get_object_element (recs, 0);
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (r0, "tolerance")));
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (r0, "plddt")), ==, 5);

  /* nothing yet: a message, no crash */
  c = new_canvas (W, H);
  cr = cairo_create (c);
  fl_confidence_draw (cr, W, H, NULL, 0, -1, -1, -1);
  cairo_destroy (cr);
  cairo_surface_destroy (c);
  g_assert_null (fl_confidence_to_csv (r, 0));
  fl_recycle_data_unref (r[0]);
  fl_recycle_data_unref (r[1]);
}

/* ---- export ----------------------------------------------------------- */

static void
draw_pae (cairo_t *cr, double w, double h, gpointer data)
{
  fl_pair_map_draw (cr, w, h, data, NULL, NULL);
}

static void
test_export_files (void)
{
  g_autofree char *dir = g_dir_make_tmp ("fl-panels-XXXXXX", NULL);
  g_assert_nonnull (dir);
  FlRecycleData *d = pair_data (8);
  FlPairMap *m = fl_pair_map_new (d, FL_PAIR_MAP_PAE, -1);
  g_autofree char *png = g_build_filename (dir, "pae.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "pae.svg", NULL);
  g_autofree char *csv = g_build_filename (dir, "pae.csv", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (fl_export_png (png, 320, 240, draw_pae, m, &error));
  g_assert_no_error (error);
  cairo_surface_t *back = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (back), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (back), ==, 320);
  FlPairMapLayout lo;
  fl_pair_map_layout_compute (&lo, 320, 240);
  double cs = lo.map_size / 8;
  g_assert_cmphex (pixel (back, (int) (lo.map_x + 0.5 * cs), (int) (lo.map_y + 0.5 * cs)) | 0xFF000000u, ==,
                   hex_argb (0x08306B));
  cairo_surface_destroy (back);
  g_assert_true (fl_export_svg (svg, 320, 240, draw_pae, m, &error));
  g_autofree char *svg_text = NULL;
  g_assert_true (g_file_get_contents (svg, &svg_text, NULL, NULL));
  g_assert_nonnull (strstr (svg_text, "<svg"));
  g_assert_nonnull (strstr (svg_text, "image"));
  g_autofree char *text = fl_pair_map_to_csv (m);
  g_assert_true (fl_export_text (csv, text, &error));
  g_autofree char *back_text = NULL;
  g_assert_true (g_file_get_contents (csv, &back_text, NULL, NULL));
  g_assert_cmpstr (back_text, ==, text);
  /* errors */
  g_assert_false (fl_export_text (csv, "", &error));
  g_assert_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_EMPTY);
  g_clear_error (&error);
  g_assert_false (fl_export_png ("/nonexistent-dir/x.png", 10, 10, draw_pae, m, &error));
  g_assert_error (error, FL_EXPORT_ERROR, FL_EXPORT_ERROR_FAILED);
  g_clear_error (&error);
  g_assert_false (fl_export_png (png, 0, 10, draw_pae, m, &error));
  g_clear_error (&error);
  g_unlink (png);
  g_unlink (svg);
  g_unlink (csv);
  g_rmdir (dir);
  fl_pair_map_free (m);
  fl_recycle_data_unref (d);
}

/* dark pixels in columns x >= x0 of the canvas */
static int
ink_right_of (cairo_surface_t *c, int x0)
{
  int ink = 0, W = cairo_image_surface_get_width (c), H = cairo_image_surface_get_height (c);
  for (int y = 0; y < H; y++)
    for (int x = x0; x < W; x++)
      ink += argb_diff (pixel (c, x, y), 0xFFFFFFFFu) > 40;
  return ink;
}

/* Everything of a panel stays inside the width it is given: the pair map's
 * colour bar with its value labels and data range (small attention values,
 * negative biases, PAE in Å), at the default and at narrow widths, and the
 * confidence plot's current-recycle text. Drawn into a wider canvas so that
 * anything past the edge would show. */
static void
test_legends_fit (void)
{
  FlRecycleData *d = pair_data (4);
  for (int k = 0; k < 3; k++)
    d->msa_row_attention[k] = 1.234567e-3f * (k + 1);
  const FlPairMapKind kinds[] = { FL_PAIR_MAP_MSA_ROW_ATTENTION, FL_PAIR_MAP_PAIR_BIAS,
                                  FL_PAIR_MAP_TRI_START, FL_PAIR_MAP_PAE };
  const int widths[] = { 220, 320, 460, 700 };
  for (guint k = 0; k < G_N_ELEMENTS (kinds); k++)
    for (guint w = 0; w < G_N_ELEMENTS (widths); w++)
      {
        int W = widths[w], H = 360;
        g_autoptr (FlPairMap) m = fl_pair_map_new (d, kinds[k], -1);
        g_assert_nonnull (m);
        cairo_surface_t *c = new_canvas (W + 160, H);
        cairo_t *cr = cairo_create (c);
        fl_pair_map_draw (cr, W, H, m, NULL, NULL);
        cairo_destroy (cr);
        if (ink_right_of (c, W) != 0 && g_getenv ("FL_DUMP"))
          cairo_surface_write_to_png (c, "/tmp/legend-fail.png");
        if (ink_right_of (c, W) != 0)
          g_error ("%s at width %d draws past the right edge", fl_pair_map_kind_label (kinds[k]), W);
        /* the data range is written under the bar: ink in the bar column below the bar */
        FlPairMapLayout lo;
        fl_pair_map_layout_compute (&lo, W, H);
        int text = 0;
        for (int y = (int) (lo.bar_y + lo.bar_h - 12); y < (int) (lo.bar_y + lo.bar_h); y++)
          for (int x = (int) lo.bar_x; x < W; x++)
            text += argb_diff (pixel (c, x, y), 0xFFFFFFFFu) > 40;
        g_assert_cmpint (text, >, 10);
        cairo_surface_destroy (c);
      }
  g_autoptr (FlPairMap) pae = fl_pair_map_new (d, FL_PAIR_MAP_PAE, -1);
  g_assert_cmpfloat (pae->data_min, ==, 0.f);
  g_assert_cmpfloat (pae->data_max, ==, 60.f);
  g_assert_nonnull (strstr (pae->title, "recycle 1"));   /* recycles from 0, like the timeline */
  g_assert_cmpstr (fl_pair_map_value_label (FL_PAIR_MAP_PAE), ==, "Å");
  fl_recycle_data_unref (d);

  /* the bare legend: long range text goes on two lines inside w */
  cairo_surface_t *c = new_canvas (200, 220);
  cairo_t *cr = cairo_create (c);
  fl_heatmap_draw_legend (cr, fl_palette_get (FL_PALETTE_DIVERGING), -1.0183f, 1.0183f,
                          0, 0, 64, 220, "bias");
  cairo_destroy (cr);
  g_assert_cmpint (ink_right_of (c, 64), ==, 0);
  cairo_surface_destroy (c);

  FlRecycleData *r[4];
  for (int k = 0; k < 4; k++)
    {
      r[k] = fl_recycle_data_new (k, 5);
      for (int i = 0; i < 5; i++)
        r[k]->plddt[i] = 40.f + 10.f * i;
      r[k]->mean_plddt = 60.f;
      r[k]->ptm = 0.3123f;
      r[k]->tolerance = 0.4651f;
    }
  for (int W = 300; W <= 600; W += 150)
    {
      c = new_canvas (W + 200, 400);
      cr = cairo_create (c);
      fl_confidence_draw (cr, W, 400, r, 4, 3, 3, -1);
      cairo_destroy (cr);
      if (ink_right_of (c, W) != 0 && g_getenv ("FL_DUMP"))
        cairo_surface_write_to_png (c, "/tmp/legend-fail.png");
      g_assert_cmpint (ink_right_of (c, W), ==, 0);
      cairo_surface_destroy (c);
    }
  /* without any tolerance (an opened prediction) there is no right axis */
  for (int k = 0; k < 4; k++)
    r[k]->tolerance = NAN;
  c = new_canvas (600, 400);
  cr = cairo_create (c);
  fl_confidence_draw (cr, 600, 400, r, 4, 3, 3, -1);
  cairo_destroy (cr);
  FlConfidenceLayout clo;
  fl_confidence_layout_compute (&clo, 600, 400);
  int right_ink = 0;
  for (int y = (int) clo.stats_y; y < (int) (clo.stats_y + clo.stats_h); y++)
    for (int x = (int) (clo.stats_x + clo.stats_w + 2); x < 600; x++)
      right_ink += argb_diff (pixel (c, x, y), 0xFFFFFFFFu) > 40;
  g_assert_cmpint (right_ink, ==, 0);
  cairo_surface_destroy (c);
  for (int k = 0; k < 4; k++)
    fl_recycle_data_unref (r[k]);
}

/* A template's coverage track: states from the hit, the pixels drawn per
 * state (identical dark, substituted light, uncovered white), the name left
 * of it, hit testing and the hover text. */
static void
test_template_tracks (void)
{
  const char *query = "ACDFG";
  FlTemplateHit *h = g_new0 (FlTemplateHit, 1);
  h->chain = g_new0 (FlTemplateChain, 1);
  h->chain->path = g_strdup ("/data/1abc.pdb");
  g_strlcpy (h->chain->chain_id, "B", sizeof h->chain->chain_id);
  h->chain->domain_name = g_strdup ("1abc_B");
  h->chain->n = 4;
  h->chain->sequence = g_strdup ("ACDE");
  h->chain->atom37 = g_new0 (float, 4 * 37 * 3);
  h->chain->atom37_mask = g_new0 (float, 4 * 37);
  h->L = 5;
  h->query_to_template = g_new (int32_t, 5);
  const int32_t map[5] = { 0, 1, 2, 3, -1 };
  memcpy (h->query_to_template, map, sizeof map);
  g_autoptr (GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_template_hit_free);
  g_ptr_array_add (hits, h);
  g_assert_null (fl_template_tracks_new (hits, "ACD"));   /* another query length: no track */
  g_autoptr (FlTemplateTracks) tt = fl_template_tracks_new (hits, query);
  g_assert_nonnull (tt);
  g_assert_cmpint (tt->n, ==, 1);
  const FlTemplateTrack *t = &tt->tracks[0];
  g_assert_cmpint (t->aligned, ==, 4);
  g_assert_cmpint (t->identical, ==, 3);
  const uint8_t want[5] = { FL_TRACK_IDENTICAL, FL_TRACK_IDENTICAL, FL_TRACK_IDENTICAL,
                            FL_TRACK_SUBSTITUTED, FL_TRACK_GAP };
  g_assert_cmpmem (t->state, 5, want, 5);
  g_assert_cmpstr (t->description, ==, "1abc.pdb chain B");

  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 400, 60);
  cairo_t *cr = cairo_create (s);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_paint (cr);
  /* 5 columns of 50 px from x = 100; cells narrow enough for no letters? 50 px
   * is wide: sample near the cell's left edge, away from the letter */
  fl_template_tracks_draw (cr, tt, 0, 5, 100, 10, 250, 94);
  cairo_destroy (cr);
  int y = 12;
  g_assert_cmpint (argb_diff (pixel (s, 104, y), hex_argb (0x404040)), <=, 2);
  g_assert_cmpint (argb_diff (pixel (s, 254, y), hex_argb (0xA8A8A8)), <=, 2);
  g_assert_cmpint (argb_diff (pixel (s, 304, y), hex_argb (0xFFFFFF)), <=, 2);
  /* the name in the margin left of x = 94 */
  int dark = 0;
  for (int x = 0; x < 94; x++)
    for (int yy = 10; yy < 26; yy++)
      dark += (pixel (s, x, yy) & 0xFF) < 100;
  g_assert_cmpint (dark, >, 10);
  for (int yy = 10; yy < 26; yy++)
    g_assert_cmpint (argb_diff (pixel (s, 97, yy), hex_argb (0xFFFFFF)), <=, 2);
  cairo_surface_destroy (s);

  g_assert_cmpint (fl_template_tracks_at (tt, 5), ==, 0);
  g_assert_cmpint (fl_template_tracks_at (tt, FL_TEMPLATE_TRACK_H + 1), ==, -1);
  g_assert_cmpint (fl_template_tracks_at (tt, -1), ==, -1);
  g_assert_cmpfloat (fl_template_tracks_height (1), ==, FL_TEMPLATE_TRACK_H + FL_TEMPLATE_TRACK_GAP);
  g_autofree char *sub = fl_template_tracks_describe (tt, 0, 3, query);
  g_assert_cmpstr (sub, ==, "template 1abc_B (1abc.pdb chain B): residue 4 F ↔ template E (its residue 4), "
                            "substituted  ·  4 of 5 residues covered, 3 identical");
  g_autofree char *gap = fl_template_tracks_describe (tt, 0, 4, query);
  g_assert_nonnull (strstr (gap, "residue 5 G not covered"));
  g_assert_null (fl_template_tracks_describe (tt, 1, 0, query));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/palette/known-values", test_palette_known_values);
  g_test_add_func ("/ui/template-tracks", test_template_tracks);
  g_test_add_func ("/ui/palette/aa-classes", test_palette_aa_classes);
  g_test_add_func ("/ui/palette/plddt-bands", test_palette_plddt_bands);
  g_test_add_func ("/ui/heatmap/pixels", test_heatmap_pixels);
  g_test_add_func ("/ui/heatmap/legend", test_heatmap_legend);
  g_test_add_func ("/ui/heatmap/csv-json", test_heatmap_csv_json);
  g_test_add_func ("/ui/msa/sort-coverage", test_msa_sort_and_coverage);
  g_test_add_func ("/ui/msa/cell-colours", test_msa_cell_colours);
  g_test_add_func ("/ui/msa/row-kinds-weights", test_msa_row_kinds_and_weights);
  g_test_add_func ("/ui/msa/row-strips-pooled", test_msa_row_strips_pooled);
  g_test_add_func ("/ui/msa/draw-full", test_msa_draw_full);
  g_test_add_func ("/ui/msa/single-row-ticks", test_msa_single_row_ticks);
  g_test_add_func ("/ui/pair-map/extract", test_pair_map_extract);
  g_test_add_func ("/ui/pair-map/draw", test_pair_map_draw);
  g_test_add_func ("/ui/pair-map/legends-fit", test_legends_fit);
  g_test_add_func ("/ui/confidence/draw-export", test_confidence);
  g_test_add_func ("/ui/export/files", test_export_files);
  return g_test_run ();
}
