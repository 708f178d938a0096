/* Superposition of structures (Kabsch problem) so that successive frames do
 * not jump.
 *
 * The optimal rotation is found with Horn's quaternion method: the
 * eigenvector of the largest eigenvalue of a symmetric 4x4 matrix built from
 * the (weighted) cross-covariance, computed in double precision with cyclic
 * Jacobi rotations. It always returns a proper rotation (det = +1), also for
 * degenerate input (fewer than 3 points, collinear or coincident points: then
 * one of the equally good rotations). Pairs with non-finite coordinates or
 * weights <= 0 are ignored. R is row-major: y = R x + t. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

/* Rotation R (3x3 row-major) and translation t that best map mobile onto
 * target: mobile (n, 3), target (n, 3), weights (n) or NULL (all 1).
 * Returns the weighted RMSD after superposition (0 for n == 0 pairs). */
float fl_superpose_kabsch (const float *mobile, const float *target, const float *weights,
                           int n, float R[9], float t[3]);

/* xyz (n, 3) <- R xyz + t, in place. */
void fl_superpose_apply (const float R[9], const float t[3], float *xyz, int n);

/* Weighted RMSD of a (n, 3) against b (n, 3); weights NULL: all 1. */
float fl_superpose_rmsd (const float *a, const float *b, const float *weights, int n);

/* Superpose a whole frame onto a reference by the CA atoms present in both:
 * mobile atom37 (L, 37, 3) + mask (L, 37), reference atom37 (L, 37, 3) + mask
 * (masks may be NULL). Writes every atom of mobile, moved, to out (L, 37, 3)
 * (out may be mobile). R and t may be NULL. Returns the CA RMSD after. */
float fl_superpose_atom37 (const float *mobile, const float *mobile_mask,
                           const float *reference, const float *reference_mask, int L,
                           float *out, float R[9], float t[3]);

G_END_DECLS
