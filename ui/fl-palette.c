#include "fl-palette.h"
#include <math.h>
#include <stdio.h>

typedef struct {
  float t;
  uint32_t rgb;
} Stop;

static const Stop viridis_stops[] = {
  { 0.f / 8, 0x440154 }, { 1.f / 8, 0x482878 }, { 2.f / 8, 0x3E4989 },
  { 3.f / 8, 0x31688E }, { 4.f / 8, 0x26828E }, { 5.f / 8, 0x1F9E89 },
  { 6.f / 8, 0x35B779 }, { 7.f / 8, 0x6DCD59 }, { 8.f / 8, 0xFDE725 },
};
static const Stop pae_stops[] = {
  { 0.f, 0x08306B }, { 1.f / 6, 0x2171B5 }, { 2.f / 6, 0x6BAED6 },
  { 4.f / 6, 0xC6DBEF }, { 1.f, 0xFFFFFF },
};
static const Stop diverging_stops[] = {
  { 0.f, 0x2166AC }, { 0.25f, 0x92C5DE }, { 0.5f, 0xF7F7F7 },
  { 0.75f, 0xF4A582 }, { 1.f, 0xB2182B },
};
static const Stop identity_stops[] = {
  { 0.f, 0xD62728 }, { 0.25f, 0xFF9F1C }, { 0.5f, 0xD4E157 },
  { 0.75f, 0x26C6DA }, { 1.f, 0x3949AB },
};
static const Stop greys_stops[] = {
  { 0.f, 0xFFFFFF }, { 1.f, 0x000000 },
};

typedef struct {
  const char *name;
  const Stop *stops;
  int n;
} PaletteDef;

static const PaletteDef defs[FL_PALETTE_N_KINDS] = {
  [FL_PALETTE_VIRIDIS] = { "viridis", viridis_stops, G_N_ELEMENTS (viridis_stops) },
  [FL_PALETTE_PAE] = { "pae", pae_stops, G_N_ELEMENTS (pae_stops) },
  [FL_PALETTE_DIVERGING] = { "diverging", diverging_stops, G_N_ELEMENTS (diverging_stops) },
  [FL_PALETTE_IDENTITY] = { "identity", identity_stops, G_N_ELEMENTS (identity_stops) },
  [FL_PALETTE_GREYS] = { "greys", greys_stops, G_N_ELEMENTS (greys_stops) },
};

static FlPalette palettes[FL_PALETTE_N_KINDS];

FlRgba
fl_rgba_from_hex (uint32_t rgb)
{
  FlRgba c = { ((rgb >> 16) & 0xff) / 255.f, ((rgb >> 8) & 0xff) / 255.f,
               (rgb & 0xff) / 255.f, 1.f };
  return c;
}

static uint8_t
to_byte (float v)
{
  v = v < 0.f ? 0.f : (v > 1.f ? 1.f : v);
  return (uint8_t) lrintf (v * 255.f);
}

uint32_t
fl_rgba_to_argb (FlRgba c)
{
  /* cairo ARGB32 is premultiplied */
  float a = c.a < 0.f ? 0.f : (c.a > 1.f ? 1.f : c.a);
  return ((uint32_t) to_byte (a) << 24) | ((uint32_t) to_byte (c.r * a) << 16) |
         ((uint32_t) to_byte (c.g * a) << 8) | to_byte (c.b * a);
}

FlRgba
fl_rgba_from_argb (uint32_t argb)
{
  float a = ((argb >> 24) & 0xff) / 255.f;
  FlRgba c = { 0, 0, 0, a };
  if (a > 0.f)
    {
      c.r = ((argb >> 16) & 0xff) / 255.f / a;
      c.g = ((argb >> 8) & 0xff) / 255.f / a;
      c.b = (argb & 0xff) / 255.f / a;
    }
  return c;
}

void
fl_cairo_set_rgba (cairo_t *cr, FlRgba c)
{
  cairo_set_source_rgba (cr, c.r, c.g, c.b, c.a);
}

static FlRgba
stops_at (const PaletteDef *def, float t)
{
  if (!(t >= 0.f))
    t = 0.f;
  if (t > 1.f)
    t = 1.f;
  int k = 0;
  while (k + 2 < def->n && t > def->stops[k + 1].t)
    k++;
  const Stop *a = &def->stops[k], *b = &def->stops[k + 1];
  float u = b->t > a->t ? (t - a->t) / (b->t - a->t) : 0.f;
  u = u < 0.f ? 0.f : (u > 1.f ? 1.f : u);
  FlRgba ca = fl_rgba_from_hex (a->rgb), cb = fl_rgba_from_hex (b->rgb);
  FlRgba c = { ca.r + (cb.r - ca.r) * u, ca.g + (cb.g - ca.g) * u,
               ca.b + (cb.b - ca.b) * u, 1.f };
  return c;
}

static gpointer
build_palettes (gpointer unused)
{
  for (int k = 0; k < FL_PALETTE_N_KINDS; k++)
    {
      FlPalette *p = &palettes[k];
      p->kind = k;
      p->name = defs[k].name;
      for (int i = 0; i < FL_PALETTE_LUT_SIZE; i++)
        p->lut[i] = fl_rgba_to_argb (stops_at (&defs[k], i / (float) (FL_PALETTE_LUT_SIZE - 1)));
      p->nan_argb = 0xFF9E9E9E;
    }
  return NULL;
}

const FlPalette *
fl_palette_get (FlPaletteKind kind)
{
  static GOnce once = G_ONCE_INIT;
  g_once (&once, build_palettes, NULL);
  if ((int) kind < 0 || kind >= FL_PALETTE_N_KINDS)
    kind = FL_PALETTE_VIRIDIS;
  return &palettes[kind];
}

const char *
fl_palette_kind_name (FlPaletteKind kind)
{
  if ((int) kind < 0 || kind >= FL_PALETTE_N_KINDS)
    return "unknown";
  return defs[kind].name;
}

FlRgba
fl_palette_at (const FlPalette *palette, float t)
{
  if (t != t)
    return fl_rgba_from_argb (palette->nan_argb);
  return stops_at (&defs[palette->kind], t);
}

FlRgba
fl_palette_map (const FlPalette *palette, float v, float vmin, float vmax)
{
  if (v != v)
    return fl_rgba_from_argb (palette->nan_argb);
  float t = vmax != vmin ? (v - vmin) / (vmax - vmin) : 0.f;
  return fl_palette_at (palette, t);
}

/* ---- amino-acid classes ---------------------------------------------- */

FlAaClass
fl_aa_class_of_token (int token)
{
  /* ARNDCQEGHILKMFPSTWYV */
  static const FlAaClass cls[20] = {
    FL_AA_CLASS_HYDROPHOBIC, /* A */ FL_AA_CLASS_POSITIVE,  /* R */
    FL_AA_CLASS_POLAR,       /* N */ FL_AA_CLASS_NEGATIVE,  /* D */
    FL_AA_CLASS_CYSTEINE,    /* C */ FL_AA_CLASS_POLAR,     /* Q */
    FL_AA_CLASS_NEGATIVE,    /* E */ FL_AA_CLASS_GLYCINE,   /* G */
    FL_AA_CLASS_AROMATIC,    /* H */ FL_AA_CLASS_HYDROPHOBIC, /* I */
    FL_AA_CLASS_HYDROPHOBIC, /* L */ FL_AA_CLASS_POSITIVE,  /* K */
    FL_AA_CLASS_HYDROPHOBIC, /* M */ FL_AA_CLASS_AROMATIC,  /* F */
    FL_AA_CLASS_PROLINE,     /* P */ FL_AA_CLASS_POLAR,     /* S */
    FL_AA_CLASS_POLAR,       /* T */ FL_AA_CLASS_AROMATIC,  /* W */
    FL_AA_CLASS_AROMATIC,    /* Y */ FL_AA_CLASS_HYDROPHOBIC, /* V */
  };
  if (token >= 0 && token < 20)
    return cls[token];
  if (token == 21)
    return FL_AA_CLASS_GAP;
  return FL_AA_CLASS_UNKNOWN;
}

static const struct {
  const char *name;
  uint32_t rgb;
} aa_classes[FL_AA_N_CLASSES] = {
  [FL_AA_CLASS_HYDROPHOBIC] = { "hydrophobic (AILMV)", 0x80A0F0 },
  [FL_AA_CLASS_AROMATIC] = { "aromatic (FWYH)", 0x15A4A4 },
  [FL_AA_CLASS_POSITIVE] = { "positive (KR)", 0xF01505 },
  [FL_AA_CLASS_NEGATIVE] = { "negative (DE)", 0xC048C0 },
  [FL_AA_CLASS_POLAR] = { "polar (STNQ)", 0x15C015 },
  [FL_AA_CLASS_CYSTEINE] = { "C", 0xF08080 },
  [FL_AA_CLASS_GLYCINE] = { "G", 0xF09048 },
  [FL_AA_CLASS_PROLINE] = { "P", 0xC0C000 },
  [FL_AA_CLASS_UNKNOWN] = { "X", 0xB0B0B0 },
  [FL_AA_CLASS_GAP] = { "gap", 0xFFFFFF },
};

const char *
fl_aa_class_name (FlAaClass cls)
{
  return (int) cls >= 0 && cls < FL_AA_N_CLASSES ? aa_classes[cls].name : "?";
}

uint32_t
fl_aa_class_argb (FlAaClass cls)
{
  if ((int) cls < 0 || cls >= FL_AA_N_CLASSES)
    cls = FL_AA_CLASS_UNKNOWN;
  return 0xFF000000u | aa_classes[cls].rgb;
}

/* ---- pLDDT bands ---------------------------------------------------- */

int
fl_plddt_band (float plddt)
{
  if (plddt > 90.f)
    return 0;
  if (plddt > 70.f)
    return 1;
  if (plddt > 50.f)
    return 2;
  return 3;
}

uint32_t
fl_plddt_band_argb (int band)
{
  static const uint32_t rgb[4] = { 0x0053D6, 0x65CBF3, 0xFFDB13, 0xFF7D45 };
  return 0xFF000000u | rgb[CLAMP (band, 0, 3)];
}

const char *
fl_plddt_band_label (int band)
{
  static const char *labels[4] = { "very high (>90)", "confident (70-90)",
                                   "low (50-70)", "very low (<50)" };
  return labels[CLAMP (band, 0, 3)];
}

/* ---- legends -------------------------------------------------------- */

static double
nice_step (double range, int target)
{
  if (!(range > 0))
    return 1.0;
  double raw = range / MAX (target, 1);
  double mag = pow (10.0, floor (log10 (raw)));
  double f = raw / mag;
  double nf = f < 1.5 ? 1 : (f < 3 ? 2 : (f < 7 ? 5 : 10));
  return nf * mag;
}

static void
format_tick (char *buf, gsize n, double v, double step)
{
  int decimals = step >= 1 ? 0 : (int) ceil (-log10 (step) - 1e-9);
  snprintf (buf, n, "%.*f", CLAMP (decimals, 0, 6), fabs (v) < step * 1e-6 ? 0.0 : v);
}

void
fl_palette_draw_colorbar (cairo_t *cr, const FlPalette *palette, float vmin, float vmax,
                          double x, double y, double w, double h, const char *title)
{
  gboolean vertical = h > w;
  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10);
  double bx = x, by = y, bw = w, bh = h;
  if (title && *title)
    {
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_move_to (cr, x, y + 10);
      cairo_show_text (cr, title);
      by += 14;
      bh -= 14;
    }
  if (vertical)
    bw = MIN (14.0, w * 0.4);
  else
    bh = MIN (12.0, bh * 0.5);
  if (bw <= 0 || bh <= 0)
    {
      cairo_restore (cr);
      return;
    }
  /* the bar runs from vmin to vmax: a reversed range flips the gradient */
  gboolean rev = vmin > vmax;
  cairo_pattern_t *grad;
  if (vertical)
    grad = rev ? cairo_pattern_create_linear (0, by, 0, by + bh)
               : cairo_pattern_create_linear (0, by + bh, 0, by);
  else
    grad = rev ? cairo_pattern_create_linear (bx + bw, 0, bx, 0)
               : cairo_pattern_create_linear (bx, 0, bx + bw, 0);
  for (int i = 0; i <= 32; i++)
    {
      FlRgba c = fl_palette_at (palette, i / 32.f);
      cairo_pattern_add_color_stop_rgb (grad, i / 32.0, c.r, c.g, c.b);
    }
  cairo_rectangle (cr, bx, by, bw, bh);
  cairo_set_source (cr, grad);
  cairo_fill_preserve (cr);
  cairo_pattern_destroy (grad);
  cairo_set_source_rgb (cr, 0.3, 0.3, 0.3);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);

  /* ticks over the displayed value range (lo at the bottom / left) */
  double lo = MIN (vmin, vmax), hi = MAX (vmin, vmax);
  if (hi > lo && isfinite (lo) && isfinite (hi))
    {
      double step = nice_step (hi - lo, vertical ? MAX (2, (int) (bh / 30)) : MAX (2, (int) (bw / 60)));
      double first = ceil (lo / step - 1e-9) * step;
      for (double v = first; v <= hi + step * 1e-6; v += step)
        {
          double u = (v - lo) / (hi - lo);
          char buf[32];
          format_tick (buf, sizeof buf, v, step);
          cairo_text_extents_t ext;
          cairo_text_extents (cr, buf, &ext);
          cairo_set_source_rgb (cr, 0.15, 0.15, 0.15);
          if (vertical)
            {
              double ty = by + bh - u * bh;
              cairo_move_to (cr, bx + bw, ty);
              cairo_line_to (cr, bx + bw + 3, ty);
              cairo_stroke (cr);
              cairo_move_to (cr, bx + bw + 5, ty + ext.height / 2);
            }
          else
            {
              double tx = bx + u * bw;
              cairo_move_to (cr, tx, by + bh);
              cairo_line_to (cr, tx, by + bh + 3);
              cairo_stroke (cr);
              cairo_move_to (cr, CLAMP (tx - ext.width / 2, x, x + w - ext.width), by + bh + 4 + ext.height);
            }
          cairo_show_text (cr, buf);
        }
    }
  cairo_restore (cr);
}

static double
draw_swatches (cairo_t *cr, double x, double y, double w, int n,
               const uint32_t *argb, const char *const *labels)
{
  cairo_save (cr);
  cairo_select_font_face (cr, "Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, 10);
  double cx = x, cy = y, line_h = 14;
  for (int i = 0; i < n; i++)
    {
      cairo_text_extents_t ext;
      cairo_text_extents (cr, labels[i], &ext);
      double item_w = 12 + 4 + ext.x_advance + 10;
      if (cx > x && cx + item_w > x + w)
        {
          cx = x;
          cy += line_h;
        }
      cairo_rectangle (cr, cx + 0.5, cy + 1.5, 10, 10);
      fl_cairo_set_rgba (cr, fl_rgba_from_argb (argb[i]));
      cairo_fill_preserve (cr);
      cairo_set_source_rgb (cr, 0.4, 0.4, 0.4);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
      cairo_set_source_rgb (cr, 0.1, 0.1, 0.1);
      cairo_move_to (cr, cx + 14, cy + 10.5);
      cairo_show_text (cr, labels[i]);
      cx += item_w;
    }
  cairo_restore (cr);
  return cy + line_h - y;
}

double
fl_palette_draw_aa_legend (cairo_t *cr, double x, double y, double w)
{
  uint32_t argb[FL_AA_N_CLASSES];
  const char *labels[FL_AA_N_CLASSES];
  for (int i = 0; i < FL_AA_N_CLASSES; i++)
    {
      argb[i] = fl_aa_class_argb (i);
      labels[i] = fl_aa_class_name (i);
    }
  return draw_swatches (cr, x, y, w, FL_AA_N_CLASSES, argb, labels);
}

double
fl_palette_draw_plddt_legend (cairo_t *cr, double x, double y, double w)
{
  uint32_t argb[4];
  const char *labels[4];
  for (int i = 0; i < 4; i++)
    {
      argb[i] = fl_plddt_band_argb (i);
      labels[i] = fl_plddt_band_label (i);
    }
  return draw_swatches (cr, x, y, w, 4, argb, labels);
}
