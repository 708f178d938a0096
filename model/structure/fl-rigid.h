/* FlRigid: small rigid-body algebra on the host, in double precision.
 *
 * Quaternions are (w, x, y, z). A rigid transform maps a local point p to
 * rot @ p + trans; rot is a row-major 3x3 matrix (rot[3*r + c]), the same
 * order as AlphaFold's r3.Rots (xx, xy, xz, yx, ...). Composition a∘b applies
 * b first. Everything here is O(1) per call; the structure module calls it
 * per residue (O(L) work). */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  double rot[9];     /* row-major 3x3 */
  double trans[3];
} FlRigid;

/* The identity transform. */
void fl_rigid_set_identity (FlRigid *r);

/* Rotation matrix of a unit quaternion (w, x, y, z). */
void fl_quat_to_rot (const double q[4], double rot[9]);
/* q / |q|; leaves q unchanged if it is zero. */
void fl_quat_normalize (double q[4]);
/* Hamilton product out = a * b (out may alias a or b). */
void fl_quat_multiply (const double a[4], const double b[4], double out[4]);

/* AlphaFold's backbone update (QuatAffine.pre_compose): the update
 * (b, c, d, tx, ty, tz) is applied first. The new quaternion is
 * q * (1, b, c, d), normalised; the new translation is
 * trans + rot(q) @ (tx, ty, tz). quat and trans are updated in place. */
void fl_affine_pre_compose (double quat[4], double trans[3], const double update[6]);

/* Rigid transform of a quaternion and translation, translation scaled. */
void fl_rigid_from_quat (FlRigid *r, const double quat[4], const double trans[3],
                         double trans_scale);

/* out = a ∘ b (b applied first). out may alias a or b. */
void fl_rigid_compose (const FlRigid *a, const FlRigid *b, FlRigid *out);
/* out = a with its rotation right-multiplied by m: (a.rot @ m, a.trans). */
void fl_rigid_mul_rot (const FlRigid *a, const double m[9], FlRigid *out);
/* out = r.rot @ p + r.trans (out may alias p). */
void fl_rigid_apply (const FlRigid *r, const double p[3], double out[3]);
/* out = r.rot^T @ (p - r.trans) (out may alias p). */
void fl_rigid_invert_apply (const FlRigid *r, const double p[3], double out[3]);
/* Rotation about the x axis given its sine and cosine (makeRotX). */
void fl_rot_x (double sin_a, double cos_a, double m[9]);

/* Gram-Schmidt frame: x axis along e0, e1 in the xy plane, z = x × y,
 * origin `origin`. eps is added to squared norms before the square root
 * (AlphaFold's rigidFrom3Points uses 1e-8; residue constants use 0). */
void fl_rigid_from_two_vecs (FlRigid *r, const double e0[3], const double e1[3],
                             const double origin[3], double eps);
/* rigidFrom3Points: x axis from point_on_neg_x_axis to origin, y towards
 * point_on_xy_plane. */
void fl_rigid_from_3_points (FlRigid *r, const double point_on_neg_x_axis[3],
                             const double origin[3],
                             const double point_on_xy_plane[3]);

/* Dihedral angle of four points as (sin, cos), AlphaFold's convention
 * (atom37_to_torsion_angles): frame from points 1 (neg x), 2 (origin),
 * 0 (xy plane); point 3 in that frame gives (z, y) normalised. */
void fl_dihedral_sin_cos (const double p0[3], const double p1[3],
                          const double p2[3], const double p3[3],
                          double sin_cos[2]);

G_END_DECLS
