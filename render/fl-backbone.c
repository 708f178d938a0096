/* Per-residue frames and guide points (see fl-backbone.h). */
#include "fl-backbone.h"
#include <math.h>
#include <string.h>

#define N37 37
#define A_CA 1
#define A_C 2
#define A_O 4

float
fl_vec3_normalize (float v[3])
{
  float l = sqrtf (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
  if (!(l > 1e-12f) || !isfinite (l))
    {
      v[0] = v[1] = v[2] = 0.0f;
      return 0.0f;
    }
  v[0] /= l;
  v[1] /= l;
  v[2] /= l;
  return l;
}

void
fl_vec3_any_perpendicular (const float t[3], float out[3])
{
  /* cross with the axis least aligned with t */
  float ax = fabsf (t[0]), ay = fabsf (t[1]), az = fabsf (t[2]);
  float e[3] = { 0, 0, 0 };
  if (ax <= ay && ax <= az)
    e[0] = 1;
  else if (ay <= az)
    e[1] = 1;
  else
    e[2] = 1;
  out[0] = t[1] * e[2] - t[2] * e[1];
  out[1] = t[2] * e[0] - t[0] * e[2];
  out[2] = t[0] * e[1] - t[1] * e[0];
  if (fl_vec3_normalize (out) == 0.0f)
    {
      out[0] = 0;
      out[1] = 1;
      out[2] = 0;
    }
}

void
fl_vec3_orthonormalize (float v[3], const float t[3], const float *fallback)
{
  float d = v[0] * t[0] + v[1] * t[1] + v[2] * t[2];
  float w[3] = { v[0] - d * t[0], v[1] - d * t[1], v[2] - d * t[2] };
  if (isfinite (w[0] + w[1] + w[2]) && fl_vec3_normalize (w) > 1e-4f)
    {
      memcpy (v, w, sizeof w);
      return;
    }
  if (fallback)
    {
      d = fallback[0] * t[0] + fallback[1] * t[1] + fallback[2] * t[2];
      float f[3] = { fallback[0] - d * t[0], fallback[1] - d * t[1], fallback[2] - d * t[2] };
      if (isfinite (f[0] + f[1] + f[2]) && fl_vec3_normalize (f) > 1e-4f)
        {
          memcpy (v, f, sizeof f);
          return;
        }
    }
  fl_vec3_any_perpendicular (t, v);
}

static gboolean
atom_ok (const float *atom37, const float *mask, int i, int a)
{
  if (mask && !(mask[(gsize) i * N37 + a] > 0.0f))
    return FALSE;
  const float *x = atom37 + ((gsize) i * N37 + a) * 3;
  return isfinite (x[0]) && isfinite (x[1]) && isfinite (x[2]);
}

FlBackbone *
fl_backbone_new (const float *atom37, const float *mask, int L)
{
  FlBackbone *bb = g_new0 (FlBackbone, 1);
  if (!atom37 || L <= 0)
    return bb;
  int n = 0;
  for (int i = 0; i < L; i++)
    n += atom_ok (atom37, mask, i, A_CA);
  bb->n = n;
  bb->residue = g_new (int32_t, MAX (n, 1));
  bb->point = g_new (float, (gsize) MAX (n, 1) * 3);
  bb->tangent = g_new (float, (gsize) MAX (n, 1) * 3);
  bb->side = g_new (float, (gsize) MAX (n, 1) * 3);
  int k = 0;
  for (int i = 0; i < L; i++)
    if (atom_ok (atom37, mask, i, A_CA))
      {
        bb->residue[k] = i;
        memcpy (bb->point + 3 * k, atom37 + ((gsize) i * N37 + A_CA) * 3, 3 * sizeof (float));
        k++;
      }
  /* tangents: central differences, one-sided at the ends; carry the previous
   * tangent over coincident points */
  float prev_t[3] = { 1, 0, 0 };
  for (k = 0; k < n; k++)
    {
      const float *a = bb->point + 3 * (k > 0 ? k - 1 : k);
      const float *b = bb->point + 3 * (k + 1 < n ? k + 1 : k);
      float *t = bb->tangent + 3 * k;
      for (int c = 0; c < 3; c++)
        t[c] = b[c] - a[c];
      if (fl_vec3_normalize (t) == 0.0f)
        memcpy (t, prev_t, sizeof prev_t);
      memcpy (prev_t, t, sizeof prev_t);
    }
  /* sides: CA -> O (or C) made ⊥ tangent, sign-continuous */
  float prev_s[3];
  gboolean have_prev = FALSE;
  for (k = 0; k < n; k++)
    {
      int i = bb->residue[k];
      const float *t = bb->tangent + 3 * k;
      float *s = bb->side + 3 * k;
      const float *ca = bb->point + 3 * k;
      int a = atom_ok (atom37, mask, i, A_O) ? A_O : atom_ok (atom37, mask, i, A_C) ? A_C : -1;
      if (a >= 0)
        {
          const float *o = atom37 + ((gsize) i * N37 + a) * 3;
          for (int c = 0; c < 3; c++)
            s[c] = o[c] - ca[c];
        }
      else
        s[0] = s[1] = s[2] = 0.0f;
      fl_vec3_orthonormalize (s, t, have_prev ? prev_s : NULL);
      if (have_prev && s[0] * prev_s[0] + s[1] * prev_s[1] + s[2] * prev_s[2] < 0.0f)
        for (int c = 0; c < 3; c++)
          s[c] = -s[c];
      memcpy (prev_s, s, sizeof prev_s);
      have_prev = TRUE;
    }
  return bb;
}

void
fl_backbone_free (FlBackbone *bb)
{
  if (!bb)
    return;
  g_free (bb->residue);
  g_free (bb->point);
  g_free (bb->tangent);
  g_free (bb->side);
  g_free (bb);
}
