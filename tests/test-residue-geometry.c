/* Residue geometry (rigid groups, literature positions, chi angles, default
 * frames) and the rigid-body algebra, checked against themselves and against
 * the official atom positions of the tiny golden case. */
#include "fl-npz.h"
#include "fl-residue-constants.h"
#include "fl-residue-geometry.h"
#include "fl-rigid.h"
#include "fl-test-util.h"

#include <math.h>
#include <string.h>

/* ---- rigid algebra ---- */

static double
det3 (const double m[9])
{
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6])
         + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

static double
orthonormal_error (const double m[9])
{
  double e = 0.0;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      {
        double d = 0.0;
        for (int k = 0; k < 3; k++)
          d += m[3 * k + a] * m[3 * k + b];
        e = MAX (e, fabs (d - (a == b ? 1.0 : 0.0)));
      }
  return e;
}

static void
test_rigid_algebra (void)
{
  float rnd[64];
  fl_test_fill_random (rnd, 64, 7);
  for (int t = 0; t < 8; t++)
    {
      double q[4] = { rnd[8 * t], rnd[8 * t + 1], rnd[8 * t + 2], rnd[8 * t + 3] };
      fl_quat_normalize (q);
      double rot[9];
      fl_quat_to_rot (q, rot);
      g_assert_cmpfloat (orthonormal_error (rot), <, 1e-12);
      g_assert_cmpfloat (fabs (det3 (rot) - 1.0), <, 1e-12);

      /* Rotation of a product = product of rotations. */
      double q2[4] = { rnd[8 * t + 4], rnd[8 * t + 5], rnd[8 * t + 6], rnd[8 * t + 7] };
      fl_quat_normalize (q2);
      double r2[9], q12[4], r12[9];
      fl_quat_to_rot (q2, r2);
      fl_quat_multiply (q, q2, q12);
      fl_quat_to_rot (q12, r12);
      for (int r = 0; r < 3; r++)
        for (int c = 0; c < 3; c++)
          {
            double s = 0.0;
            for (int k = 0; k < 3; k++)
              s += rot[3 * r + k] * r2[3 * k + c];
            g_assert_cmpfloat (fabs (s - r12[3 * r + c]), <, 1e-12);
          }

      /* pre_compose applies the update first: the new frame maps p to
       * old(update(p)), where update = (rotation of (1,b,c,d)/|.|, t). */
      double qa[4] = { q[0], q[1], q[2], q[3] }, ta[3] = { rnd[t], rnd[t + 1], rnd[t + 2] };
      double upd[6] = { 0.1 * rnd[t + 3], 0.2 * rnd[t + 4], -0.1 * rnd[t + 5],
                        rnd[t + 6], rnd[t + 7], rnd[t + 8] };
      FlRigid old, up, want, got;
      fl_rigid_from_quat (&old, qa, ta, 1.0);
      double qu[4] = { 1.0, upd[0], upd[1], upd[2] };
      fl_quat_normalize (qu);
      fl_rigid_from_quat (&up, qu, upd + 3, 1.0);
      fl_rigid_compose (&old, &up, &want);
      fl_affine_pre_compose (qa, ta, upd);
      fl_rigid_from_quat (&got, qa, ta, 1.0);
      for (int k = 0; k < 9; k++)
        g_assert_cmpfloat (fabs (got.rot[k] - want.rot[k]), <, 1e-12);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat (fabs (got.trans[k] - want.trans[k]), <, 1e-12);

      /* invert_apply undoes apply. */
      double p[3] = { rnd[t + 9], rnd[t + 10], rnd[t + 11] }, g[3], back[3];
      fl_rigid_apply (&got, p, g);
      fl_rigid_invert_apply (&got, g, back);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat (fabs (back[k] - p[k]), <, 1e-12);
    }

  /* Zero update keeps the frame. */
  double q[4] = { 1, 0, 0, 0 }, tr[3] = { 1, 2, 3 }, zero[6] = { 0 };
  fl_affine_pre_compose (q, tr, zero);
  g_assert_cmpfloat (q[0], ==, 1.0);
  g_assert_cmpfloat (tr[2], ==, 3.0);

  /* Dihedral of a known configuration: 90 degrees. */
  double p0[3] = { 0, 1, 0 }, p1[3] = { 0, 0, 0 }, p2[3] = { 1, 0, 0 }, p3[3] = { 1, 0, 1 };
  double sc[2];
  fl_dihedral_sin_cos (p0, p1, p2, p3, sc);
  g_assert_cmpfloat (fabs (fabs (sc[0]) - 1.0), <, 1e-6);
  g_assert_cmpfloat (fabs (sc[1]), <, 1e-6);
}

/* ---- tables ---- */

static void
test_atom14_layout (void)
{
  /* Every atom of every residue type has a literature position and a group
   * (and nothing else has); the backbone atoms sit in groups 0 and 3. */
  for (int r = 0; r < FL_N_RESTYPES_WITH_X; r++)
    {
      int n = 0;
      for (int i = 0; i < FL_N_ATOM14; i++)
        {
          gboolean exists = fl_atom14_exists (r, i);
          gboolean has = fl_residue_atom14_has_position (r, i);
          if (exists != has)
            g_test_message ("%s slot %d (%s): exists %d, literature position %d",
                            fl_restype_3 (r), i, fl_atom14_name (r, i), exists, has);
          g_assert_cmpint (exists, ==, has);
          n += has;
          int g = fl_residue_atom14_group (r, i);
          g_assert_cmpint (g, >=, 0);
          g_assert_cmpint (g, <, FL_N_RIGID_GROUPS);
          if (has)
            g_assert_true (fl_residue_group_exists (r, g));
        }
      g_assert_cmpint (n, ==, fl_restype_n_atoms (r));
      /* The literature table and the atom37/atom14 layout name the same atoms. */
      for (int a = 0; a < FL_N_ATOM37; a++)
        {
          gboolean lit = fl_residue_literature_atom (r, fl_atom37_names[a], NULL, NULL);
          if (lit != fl_atom37_exists (r, a))
            g_test_message ("%s %s: literature position %d, in the atom layout %d",
                            fl_restype_3 (r), fl_atom37_names[a], lit, fl_atom37_exists (r, a));
          g_assert_cmpint (lit, ==, fl_atom37_exists (r, a));
        }
      if (r < FL_N_RESTYPES)
        {
          g_assert_cmpint (fl_residue_atom14_group (r, 0), ==, 0);   /* N */
          g_assert_cmpint (fl_residue_atom14_group (r, 1), ==, 0);   /* CA */
          g_assert_cmpint (fl_residue_atom14_group (r, 2), ==, 0);   /* C */
          g_assert_cmpint (fl_residue_atom14_group (r, 3), ==, 3);   /* O */
          double ca[3];
          fl_residue_atom14_position (r, 1, ca);
          g_assert_cmpfloat (fabs (ca[0]) + fabs (ca[1]) + fabs (ca[2]), ==, 0.0);
        }
    }
}

static void
test_chi_definitions (void)
{
  static const int n_chis[FL_N_RESTYPES_WITH_X] = {
    0, 4, 2, 2, 1, 3, 3, 0, 2, 2, 2, 4, 3, 2, 2, 1, 1, 2, 2, 1, 0 };
  for (int r = 0; r < FL_N_RESTYPES_WITH_X; r++)
    {
      g_assert_cmpint (fl_residue_n_chis (r), ==, n_chis[r]);
      for (int k = 0; k < FL_N_CHIS; k++)
        {
          int a[4];
          gboolean ok = fl_residue_chi_atoms (r, k, a);
          g_assert_cmpint (ok, ==, k < n_chis[r]);
          g_assert_cmpint (ok, ==, fl_residue_group_exists (r, 4 + k));
          if (!ok)
            {
              g_assert_false (fl_residue_chi_pi_periodic (r, k));
              continue;
            }
          /* Four distinct atoms of this residue; each chi starts where the
           * previous one's axis is (atoms 1-3 of chi k-1 = atoms 0-2 of chi k). */
          for (int m = 0; m < 4; m++)
            {
              g_assert_cmpint (a[m], >=, 0);
              g_assert_true (fl_atom37_exists (r, a[m]));
            }
          if (k == 0)
            g_assert_cmpint (a[0], ==, FL_ATOM37_N);
          else
            {
              int p[4];
              fl_residue_chi_atoms (r, k - 1, p);
              for (int m = 0; m < 3; m++)
                g_assert_cmpint (a[m], ==, p[m + 1]);
            }
          /* The dihedral-defining atom sits in chi group k, in its xy plane
           * with positive y. */
          int s = fl_atom37_to_atom14 (r, a[3]);
          g_assert_cmpint (fl_residue_atom14_group (r, s), ==, 4 + k);
          double pos[3];
          fl_residue_atom14_position (r, s, pos);
          g_assert_cmpfloat (pos[1], >, 0.5);
          g_assert_cmpfloat (fabs (pos[2]), <, 1e-6);
        }
    }
}

/* A chi is pi-periodic exactly when turning its group (and every group after
 * it) by pi about the axis maps the atoms onto atoms of the same element. */
static void
test_chi_pi_periodic (void)
{
  for (int r = 0; r < FL_N_RESTYPES; r++)
    for (int k = 0; k < fl_residue_n_chis (r); k++)
      {
        /* Only the last chi group can carry a symmetric end. */
        gboolean symmetric = k == fl_residue_n_chis (r) - 1;
        for (int i = 0; i < FL_N_ATOM14 && symmetric; i++)
          {
            if (!fl_atom14_exists (r, i) || fl_residue_atom14_group (r, i) != 4 + k)
              continue;
            double p[3];
            fl_residue_atom14_position (r, i, p);
            double turned[3] = { p[0], -p[1], -p[2] };
            gboolean found = FALSE;
            for (int j = 0; j < FL_N_ATOM14 && !found; j++)
              {
                if (!fl_atom14_exists (r, j) || fl_residue_atom14_group (r, j) != 4 + k)
                  continue;
                const char *ei = fl_atom_element (fl_atom14_name (r, i));
                const char *ej = fl_atom_element (fl_atom14_name (r, j));
                double q[3];
                fl_residue_atom14_position (r, j, q);
                double d = sqrt ((q[0] - turned[0]) * (q[0] - turned[0])
                                 + (q[1] - turned[1]) * (q[1] - turned[1])
                                 + (q[2] - turned[2]) * (q[2] - turned[2]));
                found = d < 0.05 && strcmp (ei, ej) == 0;
              }
            symmetric = found;
          }
        if (symmetric != fl_residue_chi_pi_periodic (r, k))
          g_test_message ("%s chi%d: symmetric %d, pi-periodic %d", fl_restype_3 (r),
                          k + 1, symmetric, fl_residue_chi_pi_periodic (r, k));
        g_assert_cmpint (symmetric, ==, fl_residue_chi_pi_periodic (r, k));
      }
}

static void
test_default_frames (void)
{
  for (int r = 0; r < FL_N_RESTYPES_WITH_X; r++)
    for (int g = 0; g < FL_N_RIGID_GROUPS; g++)
      {
        FlRigid f;
        fl_residue_default_frame (r, g, &f);
        gboolean real = r < FL_N_RESTYPES
                        && (g < 4 || fl_residue_chi_exists (r, g - 4));
        if (!real)
          {
            for (int k = 0; k < 9; k++)
              g_assert_cmpfloat (f.rot[k], ==, 0.0);
            continue;
          }
        g_assert_cmpfloat (orthonormal_error (f.rot), <, 1e-6);
        g_assert_cmpfloat (fabs (det3 (f.rot) - 1.0), <, 1e-6);
      }
  /* psi frame sits on C, chi frames on the axis end atom, with x along the bond. */
  for (int r = 0; r < FL_N_RESTYPES; r++)
    {
      FlRigid f;
      double c[3];
      fl_residue_default_frame (r, 3, &f);
      fl_residue_atom14_position (r, 2, c);
      for (int k = 0; k < 3; k++)
        g_assert_cmpfloat (fabs (f.trans[k] - c[k]), <, 1e-6);
      if (fl_residue_n_chis (r) > 0)
        {
          int a[4];
          fl_residue_chi_atoms (r, 0, a);
          double cb[3];
          fl_residue_atom14_position (r, fl_atom37_to_atom14 (r, a[2]), cb);
          fl_residue_default_frame (r, 4, &f);
          for (int k = 0; k < 3; k++)
            g_assert_cmpfloat (fabs (f.trans[k] - cb[k]), <, 1e-6);
        }
    }
}

/* ---- against the official atom positions ---- */

typedef struct {
  int n_layers, L;
  int32_t *aatype;
  float *traj, *angles, *rot, *trans, *atom_pos, *atom37;
} Golden;

static float *
get_f32 (FlArrays *a, const char *name, int64_t want_numel)
{
  FlArray *x = fl_arrays_lookup (a, name);
  g_assert_nonnull (x);
  g_assert_cmpint (fl_array_numel (x), ==, want_numel);
  return fl_array_to_f32 (x);
}

static gboolean
golden_load (const char *name, Golden *g)
{
  g_autofree char *fp = fl_test_golden_path (name, "features.npz");
  g_autofree char *op = fl_test_golden_path (name, "outputs.npz");
  if (!fl_test_require_file (fp) || !fl_test_require_file (op))
    return FALSE;
  g_autoptr (GError) error = NULL;
  g_autoptr (FlArrays) f = fl_npz_load (fp, &error);
  g_assert_no_error (error);
  g_autoptr (FlArrays) o = fl_npz_load (op, &error);
  g_assert_no_error (error);
  FlArray *aa = fl_arrays_lookup (f, "aatype");
  g_assert_nonnull (aa);
  g_assert_cmpint (aa->dtype, ==, FL_DTYPE_I32);
  FlArray *traj = fl_arrays_lookup (o, "structure_module/traj");
  g_assert_nonnull (traj);
  g->n_layers = traj->shape[0];
  g->L = traj->shape[1];
  g_assert_cmpint (fl_array_numel (aa), ==, g->L);
  g->aatype = g_memdup2 (aa->data, sizeof (int32_t) * g->L);
  int64_t nl = (int64_t) g->n_layers * g->L;
  g->traj = get_f32 (o, "structure_module/traj", nl * 7);
  g->angles = get_f32 (o, "structure_module/sidechains/angles_sin_cos", nl * 14);
  g->rot = get_f32 (o, "structure_module/sidechains/frames/rot", nl * 72);
  g->trans = get_f32 (o, "structure_module/sidechains/frames/trans", nl * 24);
  g->atom_pos = get_f32 (o, "structure_module/sidechains/atom_pos", nl * 42);
  g->atom37 = get_f32 (o, "structure_module/final_atom_positions", (int64_t) g->L * 111);
  return TRUE;
}

static void
golden_clear (Golden *g)
{
  g_free (g->aatype);
  g_free (g->traj);
  g_free (g->angles);
  g_free (g->rot);
  g_free (g->trans);
  g_free (g->atom_pos);
  g_free (g->atom37);
}

static void
rigid_from_golden (const Golden *g, int64_t li, int group, FlRigid *r)
{
  for (int k = 0; k < 9; k++)
    r->rot[k] = g->rot[(li * 8 + group) * 9 + k];
  for (int k = 0; k < 3; k++)
    r->trans[k] = g->trans[(li * 8 + group) * 3 + k];
}

/* Official frames + our literature positions and group table = official atoms. */
static void
test_golden_rebuild_atom14 (void)
{
  Golden g = { 0 };
  if (!golden_load ("tiny", &g))
    return;
  int64_t nl = (int64_t) g.n_layers * g.L;
  float *atoms = g_new (float, nl * 42);
  for (int64_t li = 0; li < nl; li++)
    {
      FlRigid frames[FL_N_RIGID_GROUPS];
      for (int k = 0; k < FL_N_RIGID_GROUPS; k++)
        rigid_from_golden (&g, li, k, &frames[k]);
      fl_residue_frames_to_atom14 (g.aatype[li % g.L], frames, atoms + li * 42);
    }
  fl_test_assert_close_abs ("atom14 from official frames", atoms, g.atom_pos, nl * 42, 1e-3);
  g_free (atoms);
  golden_clear (&g);
}

/* Official backbone + official torsions through our default frames = official frames. */
static void
test_golden_torsion_frames (void)
{
  Golden g = { 0 };
  if (!golden_load ("tiny", &g))
    return;
  int64_t nl = (int64_t) g.n_layers * g.L;
  float *rot = g_new (float, nl * 72), *trans = g_new (float, nl * 24);
  for (int64_t li = 0; li < nl; li++)
    {
      const float *t = g.traj + li * 7;
      double q[4] = { t[0], t[1], t[2], t[3] }, tr[3] = { t[4], t[5], t[6] };
      FlRigid backbone, frames[FL_N_RIGID_GROUPS];
      fl_rigid_from_quat (&backbone, q, tr, 1.0);
      fl_residue_torsions_to_frames (g.aatype[li % g.L], &backbone, g.angles + li * 14, frames);
      for (int k = 0; k < FL_N_RIGID_GROUPS; k++)
        {
          for (int m = 0; m < 9; m++)
            rot[(li * 8 + k) * 9 + m] = (float) frames[k].rot[m];
          for (int m = 0; m < 3; m++)
            trans[(li * 8 + k) * 3 + m] = (float) frames[k].trans[m];
        }
    }
  fl_test_assert_close_abs ("frame rotations", rot, g.rot, nl * 72, 1e-4);
  fl_test_assert_close_abs ("frame translations (A)", trans, g.trans, nl * 24, 1e-3);
  g_free (rot);
  g_free (trans);
  golden_clear (&g);
}

/* Chi (and psi) angles measured on the official atoms with our chi-atom
 * definitions equal the official predicted torsions. */
static void
test_golden_chi_angles (void)
{
  Golden g = { 0 };
  if (!golden_load ("tiny", &g))
    return;
  const float *last = g.angles + (int64_t) (g.n_layers - 1) * g.L * 14;
  int n_checked = 0;
  double worst = 0.0;
  for (int i = 0; i < g.L; i++)
    {
      int r = g.aatype[i];
      const float *x = g.atom37 + (int64_t) i * 111;
      double p[4][3];
      for (int k = 0; k < fl_residue_n_chis (r); k++)
        {
          int a[4];
          g_assert_true (fl_residue_chi_atoms (r, k, a));
          for (int m = 0; m < 4; m++)
            for (int c = 0; c < 3; c++)
              p[m][c] = x[3 * a[m] + c];
          double sc[2];
          fl_dihedral_sin_cos (p[0], p[1], p[2], p[3], sc);
          const float *want = last + (int64_t) i * 14 + 2 * (3 + k);
          worst = MAX (worst, MAX (fabs (sc[0] - want[0]), fabs (sc[1] - want[1])));
          n_checked++;
        }
      /* psi from N, CA, C, O is mirrored (shifted by pi). */
      int bb[4] = { FL_ATOM37_N, FL_ATOM37_CA, FL_ATOM37_C, FL_ATOM37_O };
      for (int m = 0; m < 4; m++)
        for (int c = 0; c < 3; c++)
          p[m][c] = x[3 * bb[m] + c];
      double sc[2];
      fl_dihedral_sin_cos (p[0], p[1], p[2], p[3], sc);
      const float *want = last + (int64_t) i * 14 + 2 * 2;
      worst = MAX (worst, MAX (fabs (-sc[0] - want[0]), fabs (-sc[1] - want[1])));
    }
  g_test_message ("%d chi angles + %d psi angles, max |sin/cos error| %.3g", n_checked, g.L,
                  worst);
  g_assert_cmpint (n_checked, >, 0);
  g_assert_cmpfloat (worst, <, 1e-3);
  golden_clear (&g);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model/residue-geometry/rigid-algebra", test_rigid_algebra);
  g_test_add_func ("/model/residue-geometry/atom14-layout", test_atom14_layout);
  g_test_add_func ("/model/residue-geometry/chi-definitions", test_chi_definitions);
  g_test_add_func ("/model/residue-geometry/chi-pi-periodic", test_chi_pi_periodic);
  g_test_add_func ("/model/residue-geometry/default-frames", test_default_frames);
  g_test_add_func ("/model/residue-geometry/golden-atom14", test_golden_rebuild_atom14);
  g_test_add_func ("/model/residue-geometry/golden-frames", test_golden_torsion_frames);
  g_test_add_func ("/model/residue-geometry/golden-chi-angles", test_golden_chi_angles);
  return g_test_run ();
}
