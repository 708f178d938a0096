/* What AlphaFold computes from template features before any weight is
 * applied (host, float32, in the official order of operations): the pair
 * features of SingleTemplateEmbedding and the torsion-angle features of the
 * template MSA rows (all_atom.atom37_to_torsion_angles). */
#include "fl-templates.h"
#include "fl-config.h"
#include "fl-residue-constants.h"
#include "fl-residue-geometry.h"

#include <math.h>
#include <string.h>

#define N_AATYPE_ONEHOT 22

/* The rotation of quat_affine.make_canonical_transform for one residue:
 * with CA at the origin, turn about z so that C lies in the x-z plane, about
 * y so that C lies on x, then about x so that N lies in the x-y plane (each
 * angle from its sine and cosine, 1e-20 under the square roots, the matrix
 * products in AlphaFold's order). */
static void
canonical_rotation (const float *n_xyz, const float *ca_xyz, const float *c_xyz, float r[3][3])
{
  float cx = c_xyz[0] - ca_xyz[0], cy = c_xyz[1] - ca_xyz[1], cz = c_xyz[2] - ca_xyz[2];
  float nx = n_xyz[0] - ca_xyz[0], ny = n_xyz[1] - ca_xyz[1], nz = n_xyz[2] - ca_xyz[2];
  float d1 = sqrtf (1e-20f + cx * cx + cy * cy);
  float s1 = -cy / d1, c1 = cx / d1;
  float d2 = sqrtf (1e-20f + cx * cx + cy * cy + cz * cz);
  float s2 = cz / d2, c2 = sqrtf (cx * cx + cy * cy) / d2;
  const float m1[3][3] = { { c1, -s1, 0 }, { s1, c1, 0 }, { 0, 0, 1 } };
  const float m2[3][3] = { { c2, 0, s2 }, { 0, 1, 0 }, { -s2, 0, c2 } };
  float cr[3][3];
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      cr[a][b] = m2[a][0] * m1[0][b] + m2[a][1] * m1[1][b] + m2[a][2] * m1[2][b];
  float ry = cr[1][0] * nx + cr[1][1] * ny + cr[1][2] * nz;
  float rz = cr[2][0] * nx + cr[2][1] * ny + cr[2][2] * nz;
  float dn = sqrtf (1e-20f + ry * ry + rz * rz);
  float sn = -rz / dn, cn = ry / dn;
  const float m3[3][3] = { { 1, 0, 0 }, { 0, cn, -sn }, { 0, sn, cn } };
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      r[a][b] = m3[a][0] * cr[0][b] + m3[a][1] * cr[1][b] + m3[a][2] * cr[2][b];
}

void
fl_template_pair_feat (const FlTemplateFeatures *tf, int t, int nb, float min_bin,
                       float max_bin, gboolean unit_vector, float *out)
{
  const int L = tf->L, F = nb + FL_TEMPLATE_PAIR_FEAT_FIXED;
  const float *pb = tf->pseudo_beta + (size_t) t * L * 3;
  const float *pbm = tf->pseudo_beta_mask + (size_t) t * L;
  const float *am = tf->all_atom_masks + (size_t) t * L * 37;
  const int32_t *aa = tf->aatype + (size_t) t * L;
  float lower[256], upper[256];
  nb = MIN (nb, 256);
  for (int k = 0; k < nb; k++)
    {
      /* jnp.linspace in float32: start + k * step, the last one exactly max */
      float e = nb > 1 ? (k == nb - 1 ? max_bin
                                      : min_bin + (float) k * ((max_bin - min_bin) / (float) (nb - 1)))
                       : min_bin;
      lower[k] = e * e;
    }
  for (int k = 0; k < nb; k++)
    upper[k] = k + 1 < nb ? lower[k + 1] : 1e8f;
  /* use_template_unit_vector: residue i's canonical backbone rotation */
  const float *pos = tf->all_atom_positions + (size_t) t * L * 37 * 3;
  g_autofree float *rot = unit_vector ? g_new (float, (size_t) L * 9) : NULL;
  for (int i = 0; rot && i < L; i++)
    canonical_rotation (pos + (i * 37 + FL_ATOM37_N) * 3, pos + (i * 37 + FL_ATOM37_CA) * 3,
                        pos + (i * 37 + FL_ATOM37_C) * 3, (float (*)[3]) (rot + i * 9));
  for (int i = 0; i < L; i++)
    {
      float bb_i = am[i * 37 + FL_ATOM37_N] * am[i * 37 + FL_ATOM37_CA] * am[i * 37 + FL_ATOM37_C];
      for (int j = 0; j < L; j++)
        {
          float *row = out + ((size_t) i * L + j) * F;
          float bb_j = am[j * 37 + FL_ATOM37_N] * am[j * 37 + FL_ATOM37_CA]
                       * am[j * 37 + FL_ATOM37_C];
          float m2 = bb_i * bb_j;
          float dx = pb[3 * i] - pb[3 * j], dy = pb[3 * i + 1] - pb[3 * j + 1],
                dz = pb[3 * i + 2] - pb[3 * j + 2];
          float d2 = dx * dx + dy * dy + dz * dz;
          for (int k = 0; k < nb; k++)
            row[k] = ((d2 > lower[k] && d2 < upper[k]) ? 1.0f : 0.0f) * m2;
          row[nb] = pbm[i] * pbm[j] * m2;
          float *oj = row + nb + 1, *oi = oj + N_AATYPE_ONEHOT;
          memset (oj, 0, 2 * N_AATYPE_ONEHOT * sizeof (float));
          if (aa[j] >= 0 && aa[j] < N_AATYPE_ONEHOT)
            oj[aa[j]] = m2;
          if (aa[i] >= 0 && aa[i] < N_AATYPE_ONEHOT)
            oi[aa[i]] = m2;
          float *rest = oi + N_AATYPE_ONEHOT;
          rest[0] = rest[1] = rest[2] = 0.0f;   /* unit vector, off or masked */
          if (rot && m2 != 0.0f)
            {
              /* CA of j in the frame of i, times rsqrt(1e-6 + |v|^2) */
              const float *r = rot + i * 9, *ca_i = pos + (i * 37 + FL_ATOM37_CA) * 3,
                          *ca_j = pos + (j * 37 + FL_ATOM37_CA) * 3;
              float v[3], w[3] = { ca_j[0] - ca_i[0], ca_j[1] - ca_i[1], ca_j[2] - ca_i[2] };
              for (int a = 0; a < 3; a++)
                v[a] = r[a * 3] * w[0] + r[a * 3 + 1] * w[1] + r[a * 3 + 2] * w[2];
              float inv = 1.0f / sqrtf (1e-6f + (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]));
              for (int a = 0; a < 3; a++)
                rest[a] = v[a] * inv * m2;
            }
          rest[3] = m2 * m2;                    /* the mask channel, masked again */
        }
    }
}

/* ---------------------------------------------------------- torsions */

typedef struct { float x, y, z; } V3;

static V3
v_sub (V3 a, V3 b)
{
  return (V3) { a.x - b.x, a.y - b.y, a.z - b.z };
}

static float
v_dot (V3 a, V3 b)
{
  return a.x * b.x + a.y * b.y + a.z * b.z;
}

/* r3.vecs_robust_normalize: v / sqrt(|v|^2 + 1e-8) */
static V3
v_normalize (V3 v)
{
  float n = sqrtf (v.x * v.x + v.y * v.y + v.z * v.z + 1e-8f);
  return (V3) { v.x / n, v.y / n, v.z / n };
}

static V3
v_at (const float *pos, int atom)
{
  return (V3) { pos[atom * 3], pos[atom * 3 + 1], pos[atom * 3 + 2] };
}

/* (sin, cos) of the torsion a0-a1-a2-a3: the frame with a2 at the origin,
 * a1 on the negative x axis and a0 in the x-y plane; the fourth atom's
 * (z, y) in it, normalised. */
static void
torsion_sin_cos (V3 a0, V3 a1, V3 a2, V3 a3, float out[2])
{
  V3 e0 = v_normalize (v_sub (a2, a1));
  V3 e1u = v_sub (a0, a2);
  /* e1 = e1u - (e1u . e0) e0 with the fused multiply-adds of the official
   * (XLA CPU) build, each component's dot product in its own order: where
   * e1u is parallel to e0 (a pre-omega after a residue without CA and C)
   * e1 is pure rounding, and these roundings are AlphaFold's value. */
  float cx = fmaf (e1u.z, e0.z, fmaf (e1u.y, e0.y, e1u.x * e0.x));
  float cyz = fmaf (e1u.z, e0.z, fmaf (e1u.x, e0.x, e1u.y * e0.y));
  V3 e1 = v_normalize ((V3) { fmaf (-cx, e0.x, e1u.x), fmaf (-cyz, e0.y, e1u.y),
                              fmaf (-cyz, e0.z, e1u.z) });
  V3 e2 = { e0.y * e1.z - e0.z * e1.y, e0.z * e1.x - e0.x * e1.z, e0.x * e1.y - e0.y * e1.x };
  /* inverse frame: rows e0, e1, e2; translation -(R^T a2) */
  float ty = -v_dot (e1, a2), tz = -v_dot (e2, a2);
  float y = v_dot (e1, a3) + ty, z = v_dot (e2, a3) + tz;
  float n = sqrtf (z * z + y * y + 1e-8f);
  out[0] = z / n;
  out[1] = y / n;
}

void
fl_template_torsion_angles (const FlTemplateFeatures *tf, int t, float *sin_cos,
                            float *alt_sin_cos, float *mask)
{
  const int L = tf->L;
  const float *P = tf->all_atom_positions + (size_t) t * L * 37 * 3;
  const float *M = tf->all_atom_masks + (size_t) t * L * 37;
  static const float zero_pos[37 * 3] = { 0 }, zero_mask[37] = { 0 };
  for (int i = 0; i < L; i++)
    {
      int aa = MIN (tf->aatype[(size_t) t * L + i], FL_RESTYPE_UNK);
      const float *p = P + (size_t) i * 37 * 3, *m = M + (size_t) i * 37;
      const float *pp = i > 0 ? p - 37 * 3 : zero_pos, *pm = i > 0 ? m - 37 : zero_mask;
      V3 at[7][4];
      float msk[7];
      /* pre-omega: prev CA, C, this N, CA */
      at[0][0] = v_at (pp, 1), at[0][1] = v_at (pp, 2), at[0][2] = v_at (p, 0), at[0][3] = v_at (p, 1);
      msk[0] = (pm[1] * pm[2]) * (m[0] * m[1]);
      /* phi: prev C, this N, CA, C */
      at[1][0] = v_at (pp, 2), at[1][1] = v_at (p, 0), at[1][2] = v_at (p, 1), at[1][3] = v_at (p, 2);
      msk[1] = pm[2] * (m[0] * m[1] * m[2]);
      /* psi: this N, CA, C, O */
      at[2][0] = v_at (p, 0), at[2][1] = v_at (p, 1), at[2][2] = v_at (p, 2), at[2][3] = v_at (p, 4);
      msk[2] = (m[0] * m[1] * m[2]) * m[4];
      for (int c = 0; c < 4; c++)
        {
          int idx[4] = { 0, 0, 0, 0 };   /* a missing chi uses atom 0 four times */
          gboolean exists = aa < FL_N_RESTYPES && fl_residue_chi_atoms (aa, c, idx);
          if (!exists)
            memset (idx, 0, sizeof idx);
          float am = 1.0f;
          for (int k = 0; k < 4; k++)
            {
              at[3 + c][k] = v_at (p, idx[k]);
              am *= m[idx[k]];
            }
          msk[3 + c] = (exists && fl_residue_chi_exists (aa, c) ? 1.0f : 0.0f) * am;
        }
      for (int k = 0; k < 7; k++)
        {
          float sc[2];
          torsion_sin_cos (at[k][0], at[k][1], at[k][2], at[k][3], sc);
          if (k == 2)
            {
              /* psi is measured from O: mirrored */
              sc[0] = -sc[0];
              sc[1] = -sc[1];
            }
          float alt = k >= 3 && aa < FL_N_RESTYPES && fl_residue_chi_pi_periodic (aa, k - 3)
                      ? -1.0f : 1.0f;
          if (sin_cos)
            {
              sin_cos[((size_t) i * 7 + k) * 2] = sc[0];
              sin_cos[((size_t) i * 7 + k) * 2 + 1] = sc[1];
            }
          if (alt_sin_cos)
            {
              alt_sin_cos[((size_t) i * 7 + k) * 2] = sc[0] * alt;
              alt_sin_cos[((size_t) i * 7 + k) * 2 + 1] = sc[1] * alt;
            }
          if (mask)
            mask[(size_t) i * 7 + k] = msk[k];
        }
    }
}

void
fl_template_angle_feat (const FlTemplateFeatures *tf, int t, float *angle_feat, float *row_mask)
{
  const int L = tf->L;
  g_autofree float *sc = g_new (float, (size_t) L * 14);
  g_autofree float *alt = g_new (float, (size_t) L * 14);
  g_autofree float *m = g_new (float, (size_t) L * 7);
  fl_template_torsion_angles (tf, t, sc, alt, m);
  for (int i = 0; i < L; i++)
    {
      float *row = angle_feat + (size_t) i * FL_TEMPLATE_ANGLE_FEAT;
      memset (row, 0, N_AATYPE_ONEHOT * sizeof (float));
      int a = tf->aatype[(size_t) t * L + i];
      if (a >= 0 && a < N_AATYPE_ONEHOT)
        row[a] = 1.0f;
      memcpy (row + 22, sc + (size_t) i * 14, 14 * sizeof (float));
      memcpy (row + 36, alt + (size_t) i * 14, 14 * sizeof (float));
      memcpy (row + 50, m + (size_t) i * 7, 7 * sizeof (float));
      if (row_mask)
        row_mask[i] = m[(size_t) i * 7 + 2];
    }
}
