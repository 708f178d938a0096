/* Host rigid-body algebra for the structure module (see fl-rigid.h). */
#include "fl-rigid.h"
#include <math.h>
#include <string.h>

void
fl_rigid_set_identity (FlRigid *r)
{
  memset (r, 0, sizeof *r);
  r->rot[0] = r->rot[4] = r->rot[8] = 1.0;
}

void
fl_quat_to_rot (const double q[4], double rot[9])
{
  double w = q[0], x = q[1], y = q[2], z = q[3];
  rot[0] = w * w + x * x - y * y - z * z;
  rot[1] = 2.0 * (x * y - w * z);
  rot[2] = 2.0 * (x * z + w * y);
  rot[3] = 2.0 * (x * y + w * z);
  rot[4] = w * w - x * x + y * y - z * z;
  rot[5] = 2.0 * (y * z - w * x);
  rot[6] = 2.0 * (x * z - w * y);
  rot[7] = 2.0 * (y * z + w * x);
  rot[8] = w * w - x * x - y * y + z * z;
}

void
fl_quat_normalize (double q[4])
{
  double n = sqrt (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  if (n > 0.0)
    for (int i = 0; i < 4; i++)
      q[i] /= n;
}

void
fl_quat_multiply (const double a[4], const double b[4], double out[4])
{
  double r[4];
  r[0] = a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3];
  r[1] = a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2];
  r[2] = a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1];
  r[3] = a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0];
  memcpy (out, r, sizeof r);
}

void
fl_affine_pre_compose (double quat[4], double trans[3], const double update[6])
{
  double rot[9];
  fl_quat_to_rot (quat, rot);   /* rotation before the update */
  double t[3];
  for (int r = 0; r < 3; r++)
    t[r] = rot[3 * r] * update[3] + rot[3 * r + 1] * update[4] + rot[3 * r + 2] * update[5];
  for (int r = 0; r < 3; r++)
    trans[r] += t[r];

  const double u[4] = { 1.0, update[0], update[1], update[2] };
  fl_quat_multiply (quat, u, quat);
  fl_quat_normalize (quat);
}

void
fl_rigid_from_quat (FlRigid *r, const double quat[4], const double trans[3],
                    double trans_scale)
{
  fl_quat_to_rot (quat, r->rot);
  for (int i = 0; i < 3; i++)
    r->trans[i] = trans[i] * trans_scale;
}

static void
mat_mul (const double a[9], const double b[9], double out[9])
{
  double m[9];
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++)
      m[3 * r + c] = a[3 * r] * b[c] + a[3 * r + 1] * b[3 + c] + a[3 * r + 2] * b[6 + c];
  memcpy (out, m, sizeof m);
}

static void
mat_vec (const double m[9], const double v[3], double out[3])
{
  double o[3];
  for (int r = 0; r < 3; r++)
    o[r] = m[3 * r] * v[0] + m[3 * r + 1] * v[1] + m[3 * r + 2] * v[2];
  memcpy (out, o, sizeof o);
}

void
fl_rigid_compose (const FlRigid *a, const FlRigid *b, FlRigid *out)
{
  FlRigid r;
  mat_mul (a->rot, b->rot, r.rot);
  mat_vec (a->rot, b->trans, r.trans);
  for (int i = 0; i < 3; i++)
    r.trans[i] += a->trans[i];
  *out = r;
}

void
fl_rigid_mul_rot (const FlRigid *a, const double m[9], FlRigid *out)
{
  FlRigid r;
  mat_mul (a->rot, m, r.rot);
  memcpy (r.trans, a->trans, sizeof r.trans);
  *out = r;
}

void
fl_rigid_apply (const FlRigid *r, const double p[3], double out[3])
{
  double o[3];
  mat_vec (r->rot, p, o);
  for (int i = 0; i < 3; i++)
    out[i] = o[i] + r->trans[i];
}

void
fl_rigid_invert_apply (const FlRigid *r, const double p[3], double out[3])
{
  double d[3] = { p[0] - r->trans[0], p[1] - r->trans[1], p[2] - r->trans[2] };
  for (int c = 0; c < 3; c++)
    out[c] = r->rot[c] * d[0] + r->rot[3 + c] * d[1] + r->rot[6 + c] * d[2];
}

void
fl_rot_x (double sin_a, double cos_a, double m[9])
{
  m[0] = 1.0; m[1] = 0.0;   m[2] = 0.0;
  m[3] = 0.0; m[4] = cos_a; m[5] = -sin_a;
  m[6] = 0.0; m[7] = sin_a; m[8] = cos_a;
}

void
fl_rigid_from_two_vecs (FlRigid *r, const double e0[3], const double e1[3],
                        const double origin[3], double eps)
{
  double x[3], y[3], z[3];
  double n0 = sqrt (e0[0] * e0[0] + e0[1] * e0[1] + e0[2] * e0[2] + eps);
  for (int i = 0; i < 3; i++)
    x[i] = e0[i] / n0;
  double c = e1[0] * x[0] + e1[1] * x[1] + e1[2] * x[2];
  for (int i = 0; i < 3; i++)
    y[i] = e1[i] - c * x[i];
  double n1 = sqrt (y[0] * y[0] + y[1] * y[1] + y[2] * y[2] + eps);
  for (int i = 0; i < 3; i++)
    y[i] /= n1;
  z[0] = x[1] * y[2] - x[2] * y[1];
  z[1] = x[2] * y[0] - x[0] * y[2];
  z[2] = x[0] * y[1] - x[1] * y[0];
  /* Columns are the axes. */
  for (int i = 0; i < 3; i++)
    {
      r->rot[3 * i] = x[i];
      r->rot[3 * i + 1] = y[i];
      r->rot[3 * i + 2] = z[i];
      r->trans[i] = origin[i];
    }
}

void
fl_rigid_from_3_points (FlRigid *r, const double point_on_neg_x_axis[3],
                        const double origin[3], const double point_on_xy_plane[3])
{
  double e0[3], e1[3];
  for (int i = 0; i < 3; i++)
    {
      e0[i] = origin[i] - point_on_neg_x_axis[i];
      e1[i] = point_on_xy_plane[i] - origin[i];
    }
  fl_rigid_from_two_vecs (r, e0, e1, origin, 1e-8);
}

void
fl_dihedral_sin_cos (const double p0[3], const double p1[3],
                     const double p2[3], const double p3[3], double sin_cos[2])
{
  FlRigid f;
  double local[3];
  fl_rigid_from_3_points (&f, p1, p2, p0);
  fl_rigid_invert_apply (&f, p3, local);
  double n = sqrt (local[2] * local[2] + local[1] * local[1] + 1e-8);
  sin_cos[0] = local[2] / n;
  sin_cos[1] = local[1] / n;
}
