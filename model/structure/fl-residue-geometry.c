/* Rigid groups, literature atom positions and chi angles of the 20 amino
 * acids (see fl-residue-geometry.h). */
#include "fl-residue-geometry.h"
#include "fl-residue-constants.h"

#include <math.h>
#include <string.h>

/* ---- tabulated facts ------------------------------------------------------ */

/* Atom positions relative to their rigid group (AlphaFold's
 * rigid_group_atom_positions): residue, atom, group, position in Å. Within a
 * chi group the x axis runs along the rotation axis, which ends at the
 * group's origin, and the atom defining the dihedral lies in the xy plane
 * with positive y. */
typedef struct {
  const char *res, *atom;
  int group;
  double x, y, z;
} LitAtom;

static const LitAtom lit_atoms[] = {
  { "ALA", "N", 0, -0.525, 1.363, 0.000 },
  { "ALA", "CA", 0, 0.000, 0.000, 0.000 },
  { "ALA", "C", 0, 1.526, -0.000, -0.000 },
  { "ALA", "CB", 0, -0.529, -0.774, -1.205 },
  { "ALA", "O", 3, 0.627, 1.062, 0.000 },

  { "ARG", "N", 0, -0.524, 1.362, -0.000 },
  { "ARG", "CA", 0, 0.000, 0.000, 0.000 },
  { "ARG", "C", 0, 1.525, -0.000, -0.000 },
  { "ARG", "CB", 0, -0.524, -0.778, -1.209 },
  { "ARG", "O", 3, 0.626, 1.062, 0.000 },
  { "ARG", "CG", 4, 0.616, 1.390, -0.000 },
  { "ARG", "CD", 5, 0.564, 1.414, 0.000 },
  { "ARG", "NE", 6, 0.539, 1.357, -0.000 },
  { "ARG", "NH1", 7, 0.206, 2.301, 0.000 },
  { "ARG", "NH2", 7, 2.078, 0.978, -0.000 },
  { "ARG", "CZ", 7, 0.758, 1.093, -0.000 },

  { "ASN", "N", 0, -0.536, 1.357, 0.000 },
  { "ASN", "CA", 0, 0.000, 0.000, 0.000 },
  { "ASN", "C", 0, 1.526, -0.000, -0.000 },
  { "ASN", "CB", 0, -0.531, -0.787, -1.200 },
  { "ASN", "O", 3, 0.625, 1.062, 0.000 },
  { "ASN", "CG", 4, 0.584, 1.399, 0.000 },
  { "ASN", "ND2", 5, 0.593, -1.188, 0.001 },
  { "ASN", "OD1", 5, 0.633, 1.059, 0.000 },

  { "ASP", "N", 0, -0.525, 1.362, -0.000 },
  { "ASP", "CA", 0, 0.000, 0.000, 0.000 },
  { "ASP", "C", 0, 1.527, 0.000, -0.000 },
  { "ASP", "CB", 0, -0.526, -0.778, -1.208 },
  { "ASP", "O", 3, 0.626, 1.062, -0.000 },
  { "ASP", "CG", 4, 0.593, 1.398, -0.000 },
  { "ASP", "OD1", 5, 0.610, 1.091, 0.000 },
  { "ASP", "OD2", 5, 0.592, -1.101, -0.003 },

  { "CYS", "N", 0, -0.522, 1.362, -0.000 },
  { "CYS", "CA", 0, 0.000, 0.000, 0.000 },
  { "CYS", "C", 0, 1.524, 0.000, 0.000 },
  { "CYS", "CB", 0, -0.519, -0.773, -1.212 },
  { "CYS", "O", 3, 0.625, 1.062, -0.000 },
  { "CYS", "SG", 4, 0.728, 1.653, 0.000 },

  { "GLN", "N", 0, -0.526, 1.361, -0.000 },
  { "GLN", "CA", 0, 0.000, 0.000, 0.000 },
  { "GLN", "C", 0, 1.526, 0.000, 0.000 },
  { "GLN", "CB", 0, -0.525, -0.779, -1.207 },
  { "GLN", "O", 3, 0.626, 1.062, -0.000 },
  { "GLN", "CG", 4, 0.615, 1.393, 0.000 },
  { "GLN", "CD", 5, 0.587, 1.399, -0.000 },
  { "GLN", "NE2", 6, 0.593, -1.189, -0.001 },
  { "GLN", "OE1", 6, 0.634, 1.060, 0.000 },

  { "GLU", "N", 0, -0.528, 1.361, 0.000 },
  { "GLU", "CA", 0, 0.000, 0.000, 0.000 },
  { "GLU", "C", 0, 1.526, -0.000, -0.000 },
  { "GLU", "CB", 0, -0.526, -0.781, -1.207 },
  { "GLU", "O", 3, 0.626, 1.062, 0.000 },
  { "GLU", "CG", 4, 0.615, 1.392, 0.000 },
  { "GLU", "CD", 5, 0.600, 1.397, 0.000 },
  { "GLU", "OE1", 6, 0.607, 1.095, -0.000 },
  { "GLU", "OE2", 6, 0.589, -1.104, -0.001 },

  { "GLY", "N", 0, -0.572, 1.337, 0.000 },
  { "GLY", "CA", 0, 0.000, 0.000, 0.000 },
  { "GLY", "C", 0, 1.517, -0.000, -0.000 },
  { "GLY", "O", 3, 0.626, 1.062, -0.000 },

  { "HIS", "N", 0, -0.527, 1.360, 0.000 },
  { "HIS", "CA", 0, 0.000, 0.000, 0.000 },
  { "HIS", "C", 0, 1.525, 0.000, 0.000 },
  { "HIS", "CB", 0, -0.525, -0.778, -1.208 },
  { "HIS", "O", 3, 0.625, 1.063, 0.000 },
  { "HIS", "CG", 4, 0.600, 1.370, -0.000 },
  { "HIS", "CD2", 5, 0.889, -1.021, 0.003 },
  { "HIS", "ND1", 5, 0.744, 1.160, -0.000 },
  { "HIS", "CE1", 5, 2.030, 0.851, 0.002 },
  { "HIS", "NE2", 5, 2.145, -0.466, 0.004 },

  { "ILE", "N", 0, -0.493, 1.373, -0.000 },
  { "ILE", "CA", 0, 0.000, 0.000, 0.000 },
  { "ILE", "C", 0, 1.527, -0.000, -0.000 },
  { "ILE", "CB", 0, -0.536, -0.793, -1.213 },
  { "ILE", "O", 3, 0.627, 1.062, -0.000 },
  { "ILE", "CG1", 4, 0.534, 1.437, -0.000 },
  { "ILE", "CG2", 4, 0.540, -0.785, -1.199 },
  { "ILE", "CD1", 5, 0.619, 1.391, 0.000 },

  { "LEU", "N", 0, -0.520, 1.363, 0.000 },
  { "LEU", "CA", 0, 0.000, 0.000, 0.000 },
  { "LEU", "C", 0, 1.525, -0.000, -0.000 },
  { "LEU", "CB", 0, -0.522, -0.773, -1.214 },
  { "LEU", "O", 3, 0.625, 1.063, -0.000 },
  { "LEU", "CG", 4, 0.678, 1.371, 0.000 },
  { "LEU", "CD1", 5, 0.530, 1.430, -0.000 },
  { "LEU", "CD2", 5, 0.535, -0.774, 1.200 },

  { "LYS", "N", 0, -0.526, 1.362, -0.000 },
  { "LYS", "CA", 0, 0.000, 0.000, 0.000 },
  { "LYS", "C", 0, 1.526, 0.000, 0.000 },
  { "LYS", "CB", 0, -0.524, -0.778, -1.208 },
  { "LYS", "O", 3, 0.626, 1.062, -0.000 },
  { "LYS", "CG", 4, 0.619, 1.390, 0.000 },
  { "LYS", "CD", 5, 0.559, 1.417, 0.000 },
  { "LYS", "CE", 6, 0.560, 1.416, 0.000 },
  { "LYS", "NZ", 7, 0.554, 1.387, 0.000 },

  { "MET", "N", 0, -0.521, 1.364, -0.000 },
  { "MET", "CA", 0, 0.000, 0.000, 0.000 },
  { "MET", "C", 0, 1.525, 0.000, 0.000 },
  { "MET", "CB", 0, -0.523, -0.776, -1.210 },
  { "MET", "O", 3, 0.625, 1.062, -0.000 },
  { "MET", "CG", 4, 0.613, 1.391, -0.000 },
  { "MET", "SD", 5, 0.703, 1.695, 0.000 },
  { "MET", "CE", 6, 0.320, 1.786, -0.000 },

  { "PHE", "N", 0, -0.518, 1.363, 0.000 },
  { "PHE", "CA", 0, 0.000, 0.000, 0.000 },
  { "PHE", "C", 0, 1.524, 0.000, -0.000 },
  { "PHE", "CB", 0, -0.525, -0.776, -1.212 },
  { "PHE", "O", 3, 0.626, 1.062, -0.000 },
  { "PHE", "CG", 4, 0.607, 1.377, 0.000 },
  { "PHE", "CD1", 5, 0.709, 1.195, -0.000 },
  { "PHE", "CD2", 5, 0.706, -1.196, 0.000 },
  { "PHE", "CE1", 5, 2.102, 1.198, -0.000 },
  { "PHE", "CE2", 5, 2.098, -1.201, -0.000 },
  { "PHE", "CZ", 5, 2.794, -0.003, -0.001 },

  { "PRO", "N", 0, -0.566, 1.351, -0.000 },
  { "PRO", "CA", 0, 0.000, 0.000, 0.000 },
  { "PRO", "C", 0, 1.527, -0.000, 0.000 },
  { "PRO", "CB", 0, -0.546, -0.611, -1.293 },
  { "PRO", "O", 3, 0.621, 1.066, 0.000 },
  { "PRO", "CG", 4, 0.382, 1.445, 0.0 },
  /* CD as released: the ring-closing angle made 2 degrees larger. */
  { "PRO", "CD", 5, 0.477, 1.424, 0.0 },

  { "SER", "N", 0, -0.529, 1.360, -0.000 },
  { "SER", "CA", 0, 0.000, 0.000, 0.000 },
  { "SER", "C", 0, 1.525, -0.000, -0.000 },
  { "SER", "CB", 0, -0.518, -0.777, -1.211 },
  { "SER", "O", 3, 0.626, 1.062, -0.000 },
  { "SER", "OG", 4, 0.503, 1.325, 0.000 },

  { "THR", "N", 0, -0.517, 1.364, 0.000 },
  { "THR", "CA", 0, 0.000, 0.000, 0.000 },
  { "THR", "C", 0, 1.526, 0.000, -0.000 },
  { "THR", "CB", 0, -0.516, -0.793, -1.215 },
  { "THR", "O", 3, 0.626, 1.062, 0.000 },
  { "THR", "CG2", 4, 0.550, -0.718, -1.228 },
  { "THR", "OG1", 4, 0.472, 1.353, 0.000 },

  { "TRP", "N", 0, -0.521, 1.363, 0.000 },
  { "TRP", "CA", 0, 0.000, 0.000, 0.000 },
  { "TRP", "C", 0, 1.525, -0.000, 0.000 },
  { "TRP", "CB", 0, -0.523, -0.776, -1.212 },
  { "TRP", "O", 3, 0.627, 1.062, 0.000 },
  { "TRP", "CG", 4, 0.609, 1.370, -0.000 },
  { "TRP", "CD1", 5, 0.824, 1.091, 0.000 },
  { "TRP", "CD2", 5, 0.854, -1.148, -0.005 },
  { "TRP", "CE2", 5, 2.186, -0.678, -0.007 },
  { "TRP", "CE3", 5, 0.622, -2.530, -0.007 },
  { "TRP", "NE1", 5, 2.140, 0.690, -0.004 },
  { "TRP", "CH2", 5, 3.028, -2.890, -0.013 },
  { "TRP", "CZ2", 5, 3.283, -1.543, -0.011 },
  { "TRP", "CZ3", 5, 1.715, -3.389, -0.011 },

  { "TYR", "N", 0, -0.522, 1.362, 0.000 },
  { "TYR", "CA", 0, 0.000, 0.000, 0.000 },
  { "TYR", "C", 0, 1.524, -0.000, -0.000 },
  { "TYR", "CB", 0, -0.522, -0.776, -1.213 },
  { "TYR", "O", 3, 0.627, 1.062, -0.000 },
  { "TYR", "CG", 4, 0.607, 1.382, -0.000 },
  { "TYR", "CD1", 5, 0.716, 1.195, -0.000 },
  { "TYR", "CD2", 5, 0.713, -1.194, -0.001 },
  { "TYR", "CE1", 5, 2.107, 1.200, -0.002 },
  { "TYR", "CE2", 5, 2.104, -1.201, -0.003 },
  { "TYR", "OH", 5, 4.168, -0.002, -0.005 },
  { "TYR", "CZ", 5, 2.791, -0.001, -0.003 },

  { "VAL", "N", 0, -0.494, 1.373, -0.000 },
  { "VAL", "CA", 0, 0.000, 0.000, 0.000 },
  { "VAL", "C", 0, 1.527, -0.000, -0.000 },
  { "VAL", "CB", 0, -0.533, -0.795, -1.213 },
  { "VAL", "O", 3, 0.627, 1.062, -0.000 },
  { "VAL", "CG1", 4, 0.540, 1.429, -0.000 },
  { "VAL", "CG2", 4, 0.533, -0.776, 1.203 },
};

/* Chi angles: the four atoms of chi1..chi4 per residue type (AlphaFold's
 * chi_angles_atoms; ARG chi5 is ignored). NULL rows: no such chi. */
static const char *const chi_atoms[FL_N_RESTYPES][FL_N_CHIS][4] = {
  /* ALA */ { { NULL } },
  /* ARG */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD" },
              { "CB", "CG", "CD", "NE" }, { "CG", "CD", "NE", "CZ" } },
  /* ASN */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "OD1" } },
  /* ASP */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "OD1" } },
  /* CYS */ { { "N", "CA", "CB", "SG" } },
  /* GLN */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD" },
              { "CB", "CG", "CD", "OE1" } },
  /* GLU */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD" },
              { "CB", "CG", "CD", "OE1" } },
  /* GLY */ { { NULL } },
  /* HIS */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "ND1" } },
  /* ILE */ { { "N", "CA", "CB", "CG1" }, { "CA", "CB", "CG1", "CD1" } },
  /* LEU */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD1" } },
  /* LYS */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD" },
              { "CB", "CG", "CD", "CE" }, { "CG", "CD", "CE", "NZ" } },
  /* MET */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "SD" },
              { "CB", "CG", "SD", "CE" } },
  /* PHE */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD1" } },
  /* PRO */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD" } },
  /* SER */ { { "N", "CA", "CB", "OG" } },
  /* THR */ { { "N", "CA", "CB", "OG1" } },
  /* TRP */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD1" } },
  /* TYR */ { { "N", "CA", "CB", "CG" }, { "CA", "CB", "CG", "CD1" } },
  /* VAL */ { { "N", "CA", "CB", "CG1" } },
};

/* Chis that can turn by pi without changing the structure (symmetric ends). */
static const uint8_t chi_pi_periodic[FL_N_RESTYPES][FL_N_CHIS] = {
  /* ASP */ [3] = { 0, 1, 0, 0 },
  /* GLU */ [6] = { 0, 0, 1, 0 },
  /* PHE */ [13] = { 0, 1, 0, 0 },
  /* TYR */ [18] = { 0, 1, 0, 0 },
};

/* ---- derived tables --------------------------------------------------------- */

typedef struct {
  int8_t atom14_group[FL_N_RESTYPES_WITH_X][FL_N_ATOM14];
  uint8_t atom14_has_pos[FL_N_RESTYPES_WITH_X][FL_N_ATOM14];
  float atom14_pos[FL_N_RESTYPES_WITH_X][FL_N_ATOM14][3];
  float default_frame[FL_N_RESTYPES_WITH_X][FL_N_RIGID_GROUPS][12]; /* rot 9 + trans 3 */
  int8_t n_chis[FL_N_RESTYPES_WITH_X];
  int8_t chi_atom37[FL_N_RESTYPES_WITH_X][FL_N_CHIS][4];
} Tables;

static Tables tables;

static int
clamp_restype (int aatype)
{
  return (aatype >= 0 && aatype < FL_N_RESTYPES) ? aatype : FL_RESTYPE_UNK;
}

/* AlphaFold's _make_rigid_transformation_4x4: x along ex, y from ey
 * (Gram-Schmidt, no epsilon), origin at translation. Stored rounded to float. */
static void
make_frame (float out[12], const double ex[3], const double ey[3], const double translation[3])
{
  FlRigid r;
  fl_rigid_from_two_vecs (&r, ex, ey, translation, 0.0);
  for (int i = 0; i < 9; i++)
    out[i] = (float) r.rot[i];
  for (int i = 0; i < 3; i++)
    out[9 + i] = (float) r.trans[i];
}

static const LitAtom *
find_lit (const char *res, const char *atom)
{
  for (gsize k = 0; k < G_N_ELEMENTS (lit_atoms); k++)
    if (strcmp (lit_atoms[k].res, res) == 0 && strcmp (lit_atoms[k].atom, atom) == 0)
      return &lit_atoms[k];
  return NULL;
}

static void
lit_pos (const char *res, const char *atom, double p[3])
{
  const LitAtom *a = find_lit (res, atom);
  p[0] = a ? a->x : 0.0;
  p[1] = a ? a->y : 0.0;
  p[2] = a ? a->z : 0.0;
}

static void
tables_build (void)
{
  memset (&tables, 0, sizeof tables);

  /* Atom14 slots: group and literature position of every tabulated atom. */
  for (gsize k = 0; k < G_N_ELEMENTS (lit_atoms); k++)
    {
      const LitAtom *a = &lit_atoms[k];
      int r = fl_restype_from_3 (a->res);
      int a37 = fl_atom37_index (a->atom);
      int slot = (r < FL_N_RESTYPES && a37 >= 0) ? fl_atom37_to_atom14 (r, a37) : -1;
      if (slot < 0)
        continue;   /* not in the atom14 layout: test-residue-geometry reports it */
      tables.atom14_group[r][slot] = (int8_t) a->group;
      tables.atom14_has_pos[r][slot] = 1;
      tables.atom14_pos[r][slot][0] = (float) a->x;
      tables.atom14_pos[r][slot][1] = (float) a->y;
      tables.atom14_pos[r][slot][2] = (float) a->z;
    }

  /* Chi atoms as atom37 indices. */
  for (int r = 0; r < FL_N_RESTYPES; r++)
    for (int c = 0; c < FL_N_CHIS; c++)
      {
        if (chi_atoms[r][c][0] == NULL)
          break;
        tables.n_chis[r] = (int8_t) (c + 1);
        for (int k = 0; k < 4; k++)
          tables.chi_atom37[r][c][k] = (int8_t) fl_atom37_index (chi_atoms[r][c][k]);
      }

  /* Default frames (restype_rigid_group_default_frame); UNK stays zero. */
  for (int r = 0; r < FL_N_RESTYPES; r++)
    {
      const char *res = fl_restype_3 (r);
      double n[3], ca[3], c[3];
      lit_pos (res, "N", n);
      lit_pos (res, "CA", ca);
      lit_pos (res, "C", c);
      float *f;

      /* 0 backbone and 1 pre-omega: identity. */
      for (int g = 0; g < 2; g++)
        {
          f = tables.default_frame[r][g];
          f[0] = f[4] = f[8] = 1.0f;
        }

      /* 2 phi: x along CA->N, through N. */
      double ex[3], ey[3];
      for (int i = 0; i < 3; i++)
        ex[i] = n[i] - ca[i];
      const double x_axis[3] = { 1.0, 0.0, 0.0 };
      make_frame (tables.default_frame[r][2], ex, x_axis, n);

      /* 3 psi: x along CA->C, y from N->CA, through C. */
      for (int i = 0; i < 3; i++)
        {
          ex[i] = c[i] - ca[i];
          ey[i] = ca[i] - n[i];
        }
      make_frame (tables.default_frame[r][3], ex, ey, c);

      /* 4 chi1 relative to the backbone. */
      if (tables.n_chis[r] >= 1)
        {
          double p0[3], p1[3], p2[3];
          lit_pos (res, chi_atoms[r][0][0], p0);
          lit_pos (res, chi_atoms[r][0][1], p1);
          lit_pos (res, chi_atoms[r][0][2], p2);
          for (int i = 0; i < 3; i++)
            {
              ex[i] = p2[i] - p1[i];
              ey[i] = p0[i] - p1[i];
            }
          make_frame (tables.default_frame[r][4], ex, ey, p2);
        }

      /* 5-7 chi2-4 relative to the previous chi frame, whose origin is the
       * start of the next rotation axis. */
      for (int k = 1; k < FL_N_CHIS; k++)
        if (tables.n_chis[r] > k)
          {
            double end[3];
            lit_pos (res, chi_atoms[r][k][2], end);
            const double neg_x[3] = { -1.0, 0.0, 0.0 };
            make_frame (tables.default_frame[r][4 + k], end, neg_x, end);
          }
    }
}

static void
tables_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      tables_build ();
      g_once_init_leave (&done, 1);
    }
}

/* ---- queries ------------------------------------------------------------------ */

int
fl_residue_atom14_group (int aatype, int i)
{
  tables_init ();
  if (i < 0 || i >= FL_N_ATOM14)
    return 0;
  return tables.atom14_group[clamp_restype (aatype)][i];
}

void
fl_residue_atom14_position (int aatype, int i, double pos[3])
{
  tables_init ();
  for (int k = 0; k < 3; k++)
    pos[k] = (i >= 0 && i < FL_N_ATOM14) ? tables.atom14_pos[clamp_restype (aatype)][i][k] : 0.0;
}

gboolean
fl_residue_atom14_has_position (int aatype, int i)
{
  tables_init ();
  return i >= 0 && i < FL_N_ATOM14 && tables.atom14_has_pos[clamp_restype (aatype)][i];
}

gboolean
fl_residue_literature_atom (int aatype, const char *atom_name, int *group, double pos[3])
{
  int r = clamp_restype (aatype);
  const LitAtom *a = (r < FL_N_RESTYPES && atom_name) ? find_lit (fl_restype_3 (r), atom_name)
                                                      : NULL;
  if (group)
    *group = a ? a->group : 0;
  if (pos)
    {
      pos[0] = a ? a->x : 0.0;
      pos[1] = a ? a->y : 0.0;
      pos[2] = a ? a->z : 0.0;
    }
  return a != NULL;
}

void
fl_residue_default_frame (int aatype, int group, FlRigid *frame)
{
  tables_init ();
  memset (frame, 0, sizeof *frame);
  if (group < 0 || group >= FL_N_RIGID_GROUPS)
    return;
  const float *f = tables.default_frame[clamp_restype (aatype)][group];
  for (int i = 0; i < 9; i++)
    frame->rot[i] = f[i];
  for (int i = 0; i < 3; i++)
    frame->trans[i] = f[9 + i];
}

int
fl_residue_n_chis (int aatype)
{
  tables_init ();
  return tables.n_chis[clamp_restype (aatype)];
}

gboolean
fl_residue_chi_exists (int aatype, int chi)
{
  return chi >= 0 && chi < fl_residue_n_chis (aatype);
}

gboolean
fl_residue_chi_pi_periodic (int aatype, int chi)
{
  int r = clamp_restype (aatype);
  return r < FL_N_RESTYPES && chi >= 0 && chi < FL_N_CHIS && chi_pi_periodic[r][chi];
}

gboolean
fl_residue_chi_atoms (int aatype, int chi, int atom37[4])
{
  gboolean ok = fl_residue_chi_exists (aatype, chi);
  for (int k = 0; k < 4; k++)
    atom37[k] = ok ? tables.chi_atom37[clamp_restype (aatype)][chi][k] : 0;
  return ok;
}

gboolean
fl_residue_group_exists (int aatype, int group)
{
  if (group == 0 || group == 3)
    return TRUE;
  if (group >= 4 && group < FL_N_RIGID_GROUPS)
    return fl_residue_chi_exists (aatype, group - 4);
  return FALSE;
}

/* ---- all-atom construction ------------------------------------------------------ */

void
fl_residue_torsions_to_frames (int aatype, const FlRigid *backbone,
                               const float *sin_cos, FlRigid frames[FL_N_RIGID_GROUPS])
{
  FlRigid to_backbone[FL_N_RIGID_GROUPS];
  for (int g = 0; g < FL_N_RIGID_GROUPS; g++)
    {
      FlRigid def;
      double rx[9];
      fl_residue_default_frame (aatype, g, &def);
      if (g == 0)
        fl_rot_x (0.0, 1.0, rx);
      else
        fl_rot_x (sin_cos[2 * (g - 1)], sin_cos[2 * (g - 1) + 1], rx);
      fl_rigid_mul_rot (&def, rx, &to_backbone[g]);
    }
  /* chi2..chi4 hang off the previous chi group. */
  for (int g = 5; g < FL_N_RIGID_GROUPS; g++)
    fl_rigid_compose (&to_backbone[g - 1], &to_backbone[g], &to_backbone[g]);
  for (int g = 0; g < FL_N_RIGID_GROUPS; g++)
    fl_rigid_compose (backbone, &to_backbone[g], &frames[g]);
}

void
fl_residue_frames_to_atom14 (int aatype, const FlRigid frames[FL_N_RIGID_GROUPS], float *pos)
{
  tables_init ();
  int r = clamp_restype (aatype);
  for (int i = 0; i < FL_N_ATOM14; i++)
    {
      if (!tables.atom14_has_pos[r][i] || !fl_atom14_exists (r, i))
        {
          pos[3 * i] = pos[3 * i + 1] = pos[3 * i + 2] = 0.0f;
          continue;
        }
      double lit[3] = { tables.atom14_pos[r][i][0], tables.atom14_pos[r][i][1],
                        tables.atom14_pos[r][i][2] };
      double out[3];
      fl_rigid_apply (&frames[tables.atom14_group[r][i]], lit, out);
      for (int k = 0; k < 3; k++)
        pos[3 * i + k] = (float) out[k];
    }
}
