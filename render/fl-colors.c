/* Per-residue colour tables (see fl-colors.h). */
#include "fl-colors.h"
#include "fl-secondary.h"
#include <math.h>

static const guint32 band_rgb[4] = { 0x0053D6, 0x65CBF3, 0xFFDB13, 0xFF7D45 };
static const char *const band_hex[4] = { "#0053D6", "#65CBF3", "#FFDB13", "#FF7D45" };

static void
hex_rgb (guint32 h, float rgb[3])
{
  rgb[0] = ((h >> 16) & 0xff) / 255.0f;
  rgb[1] = ((h >> 8) & 0xff) / 255.0f;
  rgb[2] = (h & 0xff) / 255.0f;
}

static void
grey (float rgb[3])
{
  rgb[0] = rgb[1] = rgb[2] = 0.6f;
}

int
fl_color_plddt_band_index (float plddt)
{
  if (isnan (plddt))
    return -1;
  if (plddt > 90.0f)
    return 0;
  if (plddt > 70.0f)
    return 1;
  if (plddt > 50.0f)
    return 2;
  return 3;
}

const char *
fl_color_plddt_band_hex (int band)
{
  return band >= 0 && band < 4 ? band_hex[band] : "#999999";
}

void
fl_color_plddt_band (float plddt, float rgb[3])
{
  int b = fl_color_plddt_band_index (plddt);
  if (b < 0)
    grey (rgb);
  else
    hex_rgb (band_rgb[b], rgb);
}

void
fl_color_plddt_continuous (float plddt, float rgb[3])
{
  if (isnan (plddt))
    {
      grey (rgb);
      return;
    }
  static const float at[4] = { 40.0f, 60.0f, 80.0f, 95.0f };
  static const guint32 col[4] = { 0xFF7D45, 0xFFDB13, 0x65CBF3, 0x0053D6 };
  float c0[3], c1[3];
  if (plddt <= at[0])
    {
      hex_rgb (col[0], rgb);
      return;
    }
  if (plddt >= at[3])
    {
      hex_rgb (col[3], rgb);
      return;
    }
  int k = 0;
  while (k < 2 && plddt > at[k + 1])
    k++;
  float u = (plddt - at[k]) / (at[k + 1] - at[k]);
  hex_rgb (col[k], c0);
  hex_rgb (col[k + 1], c1);
  for (int c = 0; c < 3; c++)
    rgb[c] = (1.0f - u) * c0[c] + u * c1[c];
}

/* hue 240° (blue) -> 0° (red) at full saturation */
static void
rainbow (float f, float rgb[3])
{
  float h = (1.0f - CLAMP (f, 0.0f, 1.0f)) * 4.0f;   /* 0..4 over red, yellow, green, cyan, blue */
  int i = (int) floorf (h);
  float x = h - i;
  switch (i)
    {
    case 0: rgb[0] = 1; rgb[1] = x; rgb[2] = 0; break;
    case 1: rgb[0] = 1 - x; rgb[1] = 1; rgb[2] = 0; break;
    case 2: rgb[0] = 0; rgb[1] = 1; rgb[2] = x; break;
    case 3: rgb[0] = 0; rgb[1] = 1 - x; rgb[2] = 1; break;
    default: rgb[0] = 0; rgb[1] = 0; rgb[2] = 1; break;
    }
}

void
fl_colors_fill (FlColorScheme scheme, const float *plddt, const uint8_t *ss, int L, float *rgba)
{
  for (int i = 0; i < L; i++)
    {
      float *o = rgba + 4 * i;
      switch (scheme)
        {
        case FL_COLOR_PLDDT_BANDS:
          fl_color_plddt_band (plddt ? plddt[i] : NAN, o);
          break;
        case FL_COLOR_PLDDT_CONTINUOUS:
          fl_color_plddt_continuous (plddt ? plddt[i] : NAN, o);
          break;
        case FL_COLOR_SECONDARY:
          hex_rgb (ss && ss[i] == FL_SS_HELIX ? 0xE0457B : ss && ss[i] == FL_SS_STRAND ? 0xF2C029
                                                                                     : 0xB8B8B8, o);
          break;
        case FL_COLOR_RAINBOW:
        default:
          rainbow (L > 1 ? (float) i / (float) (L - 1) : 0.0f, o);
          break;
        }
      o[3] = 1.0f;
    }
}
