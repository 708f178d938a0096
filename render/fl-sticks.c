/* Side-chain sticks (see fl-sticks.h). */
#include "fl-sticks.h"
#include "fl-backbone.h"
#include "fl-residue-constants.h"
#include <math.h>
#include <string.h>

/* Heavy-atom bonds per residue type, in fl_restype_1 order ARNDCQEGHILKMFPSTWYV:
 * pairs of atom names separated by '-', bonds by spaces. */
static const char *const side_chain_bonds[FL_N_RESTYPES] = {
  /* A */ "CA-CB",
  /* R */ "CA-CB CB-CG CG-CD CD-NE NE-CZ CZ-NH1 CZ-NH2",
  /* N */ "CA-CB CB-CG CG-OD1 CG-ND2",
  /* D */ "CA-CB CB-CG CG-OD1 CG-OD2",
  /* C */ "CA-CB CB-SG",
  /* Q */ "CA-CB CB-CG CG-CD CD-OE1 CD-NE2",
  /* E */ "CA-CB CB-CG CG-CD CD-OE1 CD-OE2",
  /* G */ "",
  /* H */ "CA-CB CB-CG CG-ND1 CG-CD2 ND1-CE1 CD2-NE2 CE1-NE2",
  /* I */ "CA-CB CB-CG1 CB-CG2 CG1-CD1",
  /* L */ "CA-CB CB-CG CG-CD1 CG-CD2",
  /* K */ "CA-CB CB-CG CG-CD CD-CE CE-NZ",
  /* M */ "CA-CB CB-CG CG-SD SD-CE",
  /* F */ "CA-CB CB-CG CG-CD1 CG-CD2 CD1-CE1 CD2-CE2 CE1-CZ CE2-CZ",
  /* P */ "CA-CB CB-CG CG-CD CD-N",
  /* S */ "CA-CB CB-OG",
  /* T */ "CA-CB CB-OG1 CB-CG2",
  /* W */ "CA-CB CB-CG CG-CD1 CG-CD2 CD1-NE1 NE1-CE2 CD2-CE2 CD2-CE3 CE2-CZ2 CE3-CZ3 CZ2-CH2 CZ3-CH2",
  /* Y */ "CA-CB CB-CG CG-CD1 CG-CD2 CD1-CE1 CD2-CE2 CE1-CZ CE2-CZ CZ-OH",
  /* V */ "CA-CB CB-CG1 CB-CG2",
};

#define MAX_BONDS 16
typedef struct {
  int n;
  int8_t a[MAX_BONDS], b[MAX_BONDS];
} BondList;

static BondList tables[FL_N_RESTYPES];
static gsize tables_once = 0;

static void
build_tables (void)
{
  if (!g_once_init_enter (&tables_once))
    return;
  for (int r = 0; r < FL_N_RESTYPES; r++)
    {
      g_auto (GStrv) bonds = g_strsplit (side_chain_bonds[r], " ", -1);
      tables[r].n = 0;
      for (int i = 0; bonds[i] && bonds[i][0] && tables[r].n < MAX_BONDS; i++)
        {
          g_auto (GStrv) ab = g_strsplit (bonds[i], "-", 2);
          int a = fl_atom37_index (ab[0]), b = ab[1] ? fl_atom37_index (ab[1]) : -1;
          if (a < 0 || b < 0)
            continue;
          tables[r].a[tables[r].n] = (int8_t) a;
          tables[r].b[tables[r].n] = (int8_t) b;
          tables[r].n++;
        }
    }
  g_once_init_leave (&tables_once, 1);
}

int
fl_sticks_n_side_chain_bonds (int aatype)
{
  build_tables ();
  return aatype >= 0 && aatype < FL_N_RESTYPES ? tables[aatype].n : 0;
}

static const float *
atom (const float *atom37, const float *mask, int i, int a)
{
  if (mask && !(mask[(gsize) i * 37 + a] > 0.0f))
    return NULL;
  const float *x = atom37 + ((gsize) i * 37 + a) * 3;
  return isfinite (x[0]) && isfinite (x[1]) && isfinite (x[2]) ? x : NULL;
}

static void
add_bond (GArray *pts, GArray *res, const float *x, const float *y, int32_t r)
{
  if (!x || !y)
    return;
  g_array_append_vals (pts, x, 3);
  g_array_append_vals (pts, y, 3);
  g_array_append_val (res, r);
}

FlSticks *
fl_sticks_new (const float *atom37, const float *mask, const int32_t *aatype, int L,
               gboolean backbone, float radius, int sides)
{
  build_tables ();
  FlSticks *st = g_new0 (FlSticks, 1);
  if (!atom37 || L <= 0)
    return st;
  if (!(radius > 0.0f) || !isfinite (radius))
    radius = 0.2f;
  if (sides < 3 || sides > 32)
    sides = 6;
  GArray *pts = g_array_new (FALSE, FALSE, sizeof (float));
  GArray *res = g_array_new (FALSE, FALSE, sizeof (int32_t));
  for (int i = 0; i < L; i++)
    {
      int t = aatype ? aatype[i] : -1;
      if (t >= 0 && t < FL_N_RESTYPES)
        for (int k = 0; k < tables[t].n; k++)
          add_bond (pts, res, atom (atom37, mask, i, tables[t].a[k]),
                    atom (atom37, mask, i, tables[t].b[k]), i);
      if (backbone)
        {
          add_bond (pts, res, atom (atom37, mask, i, FL_ATOM37_N), atom (atom37, mask, i, FL_ATOM37_CA), i);
          add_bond (pts, res, atom (atom37, mask, i, FL_ATOM37_CA), atom (atom37, mask, i, FL_ATOM37_C), i);
          add_bond (pts, res, atom (atom37, mask, i, FL_ATOM37_C), atom (atom37, mask, i, FL_ATOM37_O), i);
          add_bond (pts, res, atom (atom37, mask, i, FL_ATOM37_C), atom (atom37, mask, i, FL_ATOM37_OXT), i);
          if (i + 1 < L)
            add_bond (pts, res, atom (atom37, mask, i, FL_ATOM37_C),
                      atom (atom37, mask, i + 1, FL_ATOM37_N), i);
        }
    }
  int nb = (int) res->len;
  st->n_bonds = nb;
  st->bond_residue = (int32_t *) g_array_free (res, FALSE);
  st->bonds = (float *) g_array_free (pts, FALSE);
  st->n_vertices = nb * 2 * sides;
  st->n_indices = nb * 6 * sides;
  st->vertices = g_new (float, (gsize) MAX (st->n_vertices, 1) * 7);
  st->indices = g_new (uint32_t, MAX (st->n_indices, 1));
  float *v = st->vertices;
  uint32_t *o = st->indices;
  for (int b = 0; b < nb; b++)
    {
      const float *p0 = st->bonds + 6 * b, *p1 = p0 + 3;
      float T[3] = { p1[0] - p0[0], p1[1] - p0[1], p1[2] - p0[2] }, N[3], B[3];
      if (fl_vec3_normalize (T) == 0.0f)
        T[0] = 1.0f, T[1] = T[2] = 0.0f;
      fl_vec3_any_perpendicular (T, N);
      B[0] = T[1] * N[2] - T[2] * N[1];
      B[1] = T[2] * N[0] - T[0] * N[2];
      B[2] = T[0] * N[1] - T[1] * N[0];
      uint32_t base = (uint32_t) (b * 2 * sides);
      for (int e = 0; e < 2; e++)
        for (int k = 0; k < sides; k++)
          {
            double th = 2.0 * G_PI * k / sides;
            float c = (float) cos (th), s = (float) sin (th);
            const float *p = e ? p1 : p0;
            for (int q = 0; q < 3; q++)
              {
                float n = c * N[q] + s * B[q];
                v[q] = p[q] + radius * n;
                v[3 + q] = n;
              }
            v[6] = (float) st->bond_residue[b];
            v += 7;
          }
      for (int k = 0; k < sides; k++)
        {
          uint32_t k1 = (uint32_t) ((k + 1) % sides), r0 = base, r1 = base + sides;
          o[0] = r0 + k;
          o[1] = r0 + k1;
          o[2] = r1 + k;
          o[3] = r0 + k1;
          o[4] = r1 + k1;
          o[5] = r1 + k;
          o += 6;
        }
    }
  return st;
}

void
fl_sticks_free (FlSticks *st)
{
  if (!st)
    return;
  g_free (st->bonds);
  g_free (st->bond_residue);
  g_free (st->vertices);
  g_free (st->indices);
  g_free (st);
}
