/* Kabsch superposition by Horn's quaternion method (see fl-superpose.h). */
#include "fl-superpose.h"
#include <math.h>
#include <string.h>

static gboolean
finite3 (const float *x)
{
  return isfinite (x[0]) && isfinite (x[1]) && isfinite (x[2]);
}

/* Eigen-decomposition of a symmetric 4x4 matrix A (destroyed) by cyclic
 * Jacobi rotations: eigenvalues in d, eigenvectors in the columns of V. */
static void
jacobi4 (double A[4][4], double d[4], double V[4][4])
{
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      V[i][j] = i == j;
  for (int sweep = 0; sweep < 64; sweep++)
    {
      double off = 0.0, diag = 0.0;
      for (int i = 0; i < 4; i++)
        {
          diag += fabs (A[i][i]);
          for (int j = i + 1; j < 4; j++)
            off += fabs (A[i][j]);
        }
      if (off <= 1e-15 * (diag + 1e-300) || off == 0.0)
        break;
      for (int p = 0; p < 3; p++)
        for (int q = p + 1; q < 4; q++)
          {
            if (fabs (A[p][q]) < 1e-300)
              continue;
            double theta = (A[q][q] - A[p][p]) / (2.0 * A[p][q]);
            double t = (theta >= 0 ? 1.0 : -1.0) / (fabs (theta) + sqrt (theta * theta + 1.0));
            double c = 1.0 / sqrt (t * t + 1.0), s = t * c;
            for (int k = 0; k < 4; k++)
              {
                double akp = A[k][p], akq = A[k][q];
                A[k][p] = c * akp - s * akq;
                A[k][q] = s * akp + c * akq;
              }
            for (int k = 0; k < 4; k++)
              {
                double apk = A[p][k], aqk = A[q][k];
                A[p][k] = c * apk - s * aqk;
                A[q][k] = s * apk + c * aqk;
              }
            for (int k = 0; k < 4; k++)
              {
                double vkp = V[k][p], vkq = V[k][q];
                V[k][p] = c * vkp - s * vkq;
                V[k][q] = s * vkp + c * vkq;
              }
          }
    }
  for (int i = 0; i < 4; i++)
    d[i] = A[i][i];
}

float
fl_superpose_kabsch (const float *mobile, const float *target, const float *weights, int n,
                     float R[9], float t[3])
{
  static const float I[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  memcpy (R, I, sizeof I);
  t[0] = t[1] = t[2] = 0.0f;
  double W = 0.0, cx[3] = { 0 }, cy[3] = { 0 };
  for (int i = 0; i < n; i++)
    {
      double w = weights ? weights[i] : 1.0;
      if (!(w > 0.0) || !isfinite (w) || !finite3 (mobile + 3 * i) || !finite3 (target + 3 * i))
        continue;
      W += w;
      for (int c = 0; c < 3; c++)
        {
          cx[c] += w * mobile[3 * i + c];
          cy[c] += w * target[3 * i + c];
        }
    }
  if (!(W > 0.0))
    return 0.0f;
  for (int c = 0; c < 3; c++)
    {
      cx[c] /= W;
      cy[c] /= W;
    }
  double S[3][3] = { { 0 } };
  for (int i = 0; i < n; i++)
    {
      double w = weights ? weights[i] : 1.0;
      if (!(w > 0.0) || !isfinite (w) || !finite3 (mobile + 3 * i) || !finite3 (target + 3 * i))
        continue;
      double x[3], y[3];
      for (int c = 0; c < 3; c++)
        {
          x[c] = mobile[3 * i + c] - cx[c];
          y[c] = target[3 * i + c] - cy[c];
        }
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
          S[a][b] += w * x[a] * y[b];
    }
  /* scale for conditioning */
  double scale = 0.0;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      scale = MAX (scale, fabs (S[a][b]));
  if (scale > 0.0 && isfinite (scale))
    {
      for (int a = 0; a < 3; a++)
        for (int b = 0; b < 3; b++)
          S[a][b] /= scale;
      double Sxx = S[0][0], Sxy = S[0][1], Sxz = S[0][2];
      double Syx = S[1][0], Syy = S[1][1], Syz = S[1][2];
      double Szx = S[2][0], Szy = S[2][1], Szz = S[2][2];
      double A[4][4] = {
        { Sxx + Syy + Szz, Syz - Szy, Szx - Sxz, Sxy - Syx },
        { Syz - Szy, Sxx - Syy - Szz, Sxy + Syx, Szx + Sxz },
        { Szx - Sxz, Sxy + Syx, -Sxx + Syy - Szz, Syz + Szy },
        { Sxy - Syx, Szx + Sxz, Syz + Szy, -Sxx - Syy + Szz },
      };
      double d[4], V[4][4];
      jacobi4 (A, d, V);
      int best = 0;
      for (int k = 1; k < 4; k++)
        if (d[k] > d[best])
          best = k;
      double q0 = V[0][best], q1 = V[1][best], q2 = V[2][best], q3 = V[3][best];
      double ql = sqrt (q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3);
      if (ql > 0.0 && isfinite (ql))
        {
          q0 /= ql;
          q1 /= ql;
          q2 /= ql;
          q3 /= ql;
          double Rd[9] = {
            q0 * q0 + q1 * q1 - q2 * q2 - q3 * q3, 2 * (q1 * q2 - q0 * q3), 2 * (q1 * q3 + q0 * q2),
            2 * (q1 * q2 + q0 * q3), q0 * q0 - q1 * q1 + q2 * q2 - q3 * q3, 2 * (q2 * q3 - q0 * q1),
            2 * (q1 * q3 - q0 * q2), 2 * (q2 * q3 + q0 * q1), q0 * q0 - q1 * q1 - q2 * q2 + q3 * q3,
          };
          for (int k = 0; k < 9; k++)
            R[k] = (float) Rd[k];
        }
    }
  for (int a = 0; a < 3; a++)
    t[a] = (float) (cy[a] - (R[3 * a] * cx[0] + R[3 * a + 1] * cx[1] + R[3 * a + 2] * cx[2]));
  /* RMSD measured directly (no cancellation near 0) */
  double sum = 0.0;
  for (int i = 0; i < n; i++)
    {
      double w = weights ? weights[i] : 1.0;
      if (!(w > 0.0) || !isfinite (w) || !finite3 (mobile + 3 * i) || !finite3 (target + 3 * i))
        continue;
      const float *x = mobile + 3 * i;
      for (int a = 0; a < 3; a++)
        {
          double y = R[3 * a] * (double) x[0] + R[3 * a + 1] * (double) x[1]
                     + R[3 * a + 2] * (double) x[2] + t[a];
          double e = y - target[3 * i + a];
          sum += w * e * e;
        }
    }
  return (float) sqrt (sum / W);
}

void
fl_superpose_apply (const float R[9], const float t[3], float *xyz, int n)
{
  for (int i = 0; i < n; i++)
    {
      float *x = xyz + 3 * i;
      float y[3];
      for (int a = 0; a < 3; a++)
        y[a] = R[3 * a] * x[0] + R[3 * a + 1] * x[1] + R[3 * a + 2] * x[2] + t[a];
      memcpy (x, y, sizeof y);
    }
}

float
fl_superpose_rmsd (const float *a, const float *b, const float *weights, int n)
{
  double sum = 0.0, W = 0.0;
  for (int i = 0; i < n; i++)
    {
      double w = weights ? weights[i] : 1.0;
      if (!(w > 0.0) || !isfinite (w) || !finite3 (a + 3 * i) || !finite3 (b + 3 * i))
        continue;
      for (int c = 0; c < 3; c++)
        {
          double e = (double) a[3 * i + c] - b[3 * i + c];
          sum += w * e * e;
        }
      W += w;
    }
  return W > 0.0 ? (float) sqrt (sum / W) : 0.0f;
}

float
fl_superpose_atom37 (const float *mobile, const float *mobile_mask, const float *reference,
                     const float *reference_mask, int L, float *out, float R[9], float t[3])
{
  float Rl[9], tl[3];
  if (L <= 0)
    {
      float I[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
      if (R)
        memcpy (R, I, sizeof I);
      if (t)
        t[0] = t[1] = t[2] = 0.0f;
      return 0.0f;
    }
  float *a = g_new (float, (gsize) L * 3), *b = g_new (float, (gsize) L * 3);
  float *w = g_new (float, L);
  for (int i = 0; i < L; i++)
    {
      memcpy (a + 3 * i, mobile + ((gsize) i * 37 + 1) * 3, 3 * sizeof (float));
      memcpy (b + 3 * i, reference + ((gsize) i * 37 + 1) * 3, 3 * sizeof (float));
      gboolean ok = (!mobile_mask || mobile_mask[(gsize) i * 37 + 1] > 0.0f)
                    && (!reference_mask || reference_mask[(gsize) i * 37 + 1] > 0.0f);
      w[i] = ok ? 1.0f : 0.0f;
    }
  float rmsd = fl_superpose_kabsch (a, b, w, L, Rl, tl);
  if (out != mobile)
    memcpy (out, mobile, (gsize) L * 37 * 3 * sizeof (float));
  fl_superpose_apply (Rl, tl, out, L * 37);
  if (R)
    memcpy (R, Rl, sizeof Rl);
  if (t)
    memcpy (t, tl, sizeof tl);
  g_free (a);
  g_free (b);
  g_free (w);
  return rmsd;
}
