/* Catmull-Rom / B-spline sampling with frames (see fl-spline.h). */
#include "fl-spline.h"
#include "fl-backbone.h"
#include <math.h>
#include <string.h>

/* Guide point k with mirrored ends: P[-1] = 2P[0] - P[1], P[n] = 2P[n-1] - P[n-2]. */
static void
guide (const float *p, int n, int k, float out[3])
{
  if (k >= 0 && k < n)
    {
      memcpy (out, p + 3 * k, 3 * sizeof (float));
      return;
    }
  int a = k < 0 ? 0 : n - 1;
  int b = k < 0 ? MIN (1, n - 1) : MAX (n - 2, 0);
  for (int c = 0; c < 3; c++)
    out[c] = 2.0f * p[3 * a + c] - p[3 * b + c];
}

static void
side_at (const float *s, int n, int k, float out[3])
{
  k = CLAMP (k, 0, n - 1);
  memcpy (out, s + 3 * k, 3 * sizeof (float));
}

/* Basis weights and derivative weights at u in [0, 1] for p0..p3. */
static void
basis (FlSplineKind kind, float u, float w[4], float dw[4])
{
  float u2 = u * u, u3 = u2 * u;
  if (kind == FL_SPLINE_B_SPLINE)
    {
      float v = 1.0f - u;
      w[0] = v * v * v / 6.0f;
      w[1] = (3 * u3 - 6 * u2 + 4) / 6.0f;
      w[2] = (-3 * u3 + 3 * u2 + 3 * u + 1) / 6.0f;
      w[3] = u3 / 6.0f;
      dw[0] = -0.5f * v * v;
      dw[1] = (9 * u2 - 12 * u) / 6.0f;
      dw[2] = (-9 * u2 + 6 * u + 3) / 6.0f;
      dw[3] = 0.5f * u2;
    }
  else
    {
      w[0] = 0.5f * (-u + 2 * u2 - u3);
      w[1] = 0.5f * (2 - 5 * u2 + 3 * u3);
      w[2] = 0.5f * (u + 4 * u2 - 3 * u3);
      w[3] = 0.5f * (-u2 + u3);
      dw[0] = 0.5f * (-1 + 4 * u - 3 * u2);
      dw[1] = 0.5f * (-10 * u + 9 * u2);
      dw[2] = 0.5f * (1 + 8 * u - 9 * u2);
      dw[3] = 0.5f * (-2 * u + 3 * u2);
    }
}

FlSpline *
fl_spline_new (const float *points, const float *sides, int n, int per_residue,
               FlSplineKind kind)
{
  FlSpline *sp = g_new0 (FlSpline, 1);
  per_residue = MAX (per_residue, 1);
  sp->per_residue = per_residue;
  if (!points || n <= 0)
    return sp;
  int m = n == 1 ? 1 : (n - 1) * per_residue + 1;
  sp->m = m;
  sp->t = g_new (float, m);
  sp->pos = g_new (float, (gsize) m * 3);
  sp->tangent = g_new (float, (gsize) m * 3);
  sp->normal = g_new (float, (gsize) m * 3);
  sp->binormal = g_new (float, (gsize) m * 3);

  float prev_t[3] = { 1, 0, 0 }, prev_n[3];
  gboolean have_n = FALSE;
  float P[4][3], S[4][3];
  int seg_loaded = -1;
  for (int j = 0; j < m; j++)
    {
      int seg = n == 1 ? 0 : MIN (j / per_residue, n - 2);
      float u = n == 1 ? 0.0f : (float) (j - seg * per_residue) / (float) per_residue;
      if (seg != seg_loaded)
        {
          for (int q = 0; q < 4; q++)
            {
              guide (points, n, seg - 1 + q, P[q]);
              if (sides)
                side_at (sides, n, seg - 1 + q, S[q]);
            }
          seg_loaded = seg;
        }
      float w[4], dw[4];
      basis (kind, u, w, dw);
      float *x = sp->pos + 3 * j, *T = sp->tangent + 3 * j, *N = sp->normal + 3 * j;
      float *B = sp->binormal + 3 * j;
      for (int c = 0; c < 3; c++)
        {
          x[c] = w[0] * P[0][c] + w[1] * P[1][c] + w[2] * P[2][c] + w[3] * P[3][c];
          T[c] = dw[0] * P[0][c] + dw[1] * P[1][c] + dw[2] * P[2][c] + dw[3] * P[3][c];
        }
      if (!isfinite (x[0] + x[1] + x[2]))
        x[0] = x[1] = x[2] = 0.0f;
      sp->t[j] = (float) seg + u;
      if (!isfinite (T[0] + T[1] + T[2]) || fl_vec3_normalize (T) == 0.0f)
        memcpy (T, prev_t, sizeof prev_t);
      memcpy (prev_t, T, sizeof prev_t);
      if (sides)
        {
          /* blend sides with interpolating weights (linear for Catmull-Rom,
           * the B-spline weights otherwise) */
          if (kind == FL_SPLINE_B_SPLINE)
            for (int c = 0; c < 3; c++)
              N[c] = w[0] * S[0][c] + w[1] * S[1][c] + w[2] * S[2][c] + w[3] * S[3][c];
          else
            for (int c = 0; c < 3; c++)
              N[c] = (1.0f - u) * S[1][c] + u * S[2][c];
        }
      else if (have_n)
        memcpy (N, prev_n, sizeof prev_n);
      else
        N[0] = N[1] = N[2] = 0.0f;
      fl_vec3_orthonormalize (N, T, have_n ? prev_n : NULL);
      if (have_n && N[0] * prev_n[0] + N[1] * prev_n[1] + N[2] * prev_n[2] < 0.0f)
        for (int c = 0; c < 3; c++)
          N[c] = -N[c];
      memcpy (prev_n, N, sizeof prev_n);
      have_n = TRUE;
      B[0] = T[1] * N[2] - T[2] * N[1];
      B[1] = T[2] * N[0] - T[0] * N[2];
      B[2] = T[0] * N[1] - T[1] * N[0];
      fl_vec3_normalize (B);
    }
  return sp;
}

void
fl_spline_free (FlSpline *sp)
{
  if (!sp)
    return;
  g_free (sp->t);
  g_free (sp->pos);
  g_free (sp->tangent);
  g_free (sp->normal);
  g_free (sp->binormal);
  g_free (sp);
}
