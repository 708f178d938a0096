/* Residue constants: restype names, atom37 types, atom14 layouts, maps. */
#include "fl-residue-constants.h"

#include <string.h>

const char fl_restype_1[22] = "ARNDCQEGHILKMFPSTWYVX";

static const char *const restype_3[FL_N_RESTYPES_WITH_X] = {
  "ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE",
  "LEU", "LYS", "MET", "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL",
  "UNK",
};

const char *const fl_atom37_names[FL_N_ATOM37] = {
  "N", "CA", "C", "CB", "O", "CG", "CG1", "CG2", "OG", "OG1",
  "SG", "CD", "CD1", "CD2", "ND1", "ND2", "OD1", "OD2", "SD", "CE",
  "CE1", "CE2", "CE3", "NE", "NE1", "NE2", "OE1", "OE2", "CH2", "NH1",
  "NH2", "OH", "CZ", "CZ2", "CZ3", "NZ", "OXT",
};

/* Atom14 layout per residue type: backbone N CA C O first, then side chain. */
static const char *const atom14_names[FL_N_RESTYPES_WITH_X][FL_N_ATOM14] = {
  /* ALA */ { "N", "CA", "C", "O", "CB" },
  /* ARG */ { "N", "CA", "C", "O", "CB", "CG", "CD", "NE", "CZ", "NH1", "NH2" },
  /* ASN */ { "N", "CA", "C", "O", "CB", "CG", "OD1", "ND2" },
  /* ASP */ { "N", "CA", "C", "O", "CB", "CG", "OD1", "OD2" },
  /* CYS */ { "N", "CA", "C", "O", "CB", "SG" },
  /* GLN */ { "N", "CA", "C", "O", "CB", "CG", "CD", "OE1", "NE2" },
  /* GLU */ { "N", "CA", "C", "O", "CB", "CG", "CD", "OE1", "OE2" },
  /* GLY */ { "N", "CA", "C", "O" },
  /* HIS */ { "N", "CA", "C", "O", "CB", "CG", "ND1", "CD2", "CE1", "NE2" },
  /* ILE */ { "N", "CA", "C", "O", "CB", "CG1", "CG2", "CD1" },
  /* LEU */ { "N", "CA", "C", "O", "CB", "CG", "CD1", "CD2" },
  /* LYS */ { "N", "CA", "C", "O", "CB", "CG", "CD", "CE", "NZ" },
  /* MET */ { "N", "CA", "C", "O", "CB", "CG", "SD", "CE" },
  /* PHE */ { "N", "CA", "C", "O", "CB", "CG", "CD1", "CD2", "CE1", "CE2", "CZ" },
  /* PRO */ { "N", "CA", "C", "O", "CB", "CG", "CD" },
  /* SER */ { "N", "CA", "C", "O", "CB", "OG" },
  /* THR */ { "N", "CA", "C", "O", "CB", "OG1", "CG2" },
  /* TRP */ { "N", "CA", "C", "O", "CB", "CG", "CD1", "CD2", "NE1", "CE2", "CE3",
              "CZ2", "CZ3", "CH2" },
  /* TYR */ { "N", "CA", "C", "O", "CB", "CG", "CD1", "CD2", "CE1", "CE2", "CZ", "OH" },
  /* VAL */ { "N", "CA", "C", "O", "CB", "CG1", "CG2" },
  /* UNK */ { NULL },
};

/* Lazily built index tables (pure functions of the tables above). */
static int8_t a14_to_a37[FL_N_RESTYPES_WITH_X][FL_N_ATOM14];
static int8_t a37_to_a14[FL_N_RESTYPES_WITH_X][FL_N_ATOM37];

static void
tables_init (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      for (int r = 0; r < FL_N_RESTYPES_WITH_X; r++)
        {
          for (int a = 0; a < FL_N_ATOM37; a++)
            a37_to_a14[r][a] = -1;
          for (int i = 0; i < FL_N_ATOM14; i++)
            {
              const char *n = atom14_names[r][i];
              int a = (n != NULL && n[0] != '\0') ? fl_atom37_index (n) : -1;
              a14_to_a37[r][i] = (int8_t) a;
              if (a >= 0)
                a37_to_a14[r][a] = (int8_t) i;
            }
        }
      g_once_init_leave (&done, 1);
    }
}

static inline int
clamp_restype (int aatype)
{
  return (aatype >= 0 && aatype < FL_N_RESTYPES) ? aatype : FL_RESTYPE_UNK;
}

const char *
fl_restype_3 (int aatype)
{
  return restype_3[clamp_restype (aatype)];
}

int
fl_restype_from_3 (const char *name3)
{
  if (name3 == NULL)
    return FL_RESTYPE_UNK;
  for (int r = 0; r < FL_N_RESTYPES; r++)
    if (strcmp (restype_3[r], name3) == 0)
      return r;
  return FL_RESTYPE_UNK;
}

int
fl_atom37_index (const char *atom_name)
{
  if (atom_name == NULL)
    return -1;
  for (int a = 0; a < FL_N_ATOM37; a++)
    if (strcmp (fl_atom37_names[a], atom_name) == 0)
      return a;
  return -1;
}

const char *
fl_atom14_name (int aatype, int i)
{
  if (i < 0 || i >= FL_N_ATOM14)
    return "";
  const char *n = atom14_names[clamp_restype (aatype)][i];
  return n != NULL ? n : "";
}

int
fl_atom14_to_atom37 (int aatype, int i)
{
  if (i < 0 || i >= FL_N_ATOM14)
    return -1;
  tables_init ();
  return a14_to_a37[clamp_restype (aatype)][i];
}

int
fl_atom37_to_atom14 (int aatype, int a)
{
  if (a < 0 || a >= FL_N_ATOM37)
    return -1;
  tables_init ();
  return a37_to_a14[clamp_restype (aatype)][a];
}

const char *
fl_atom_element (const char *atom_name)
{
  if (atom_name == NULL)
    return "";
  switch (atom_name[0])
    {
    case 'C': return "C";
    case 'N': return "N";
    case 'O': return "O";
    case 'S': return "S";
    default: return "";
    }
}

gboolean
fl_atom14_exists (int aatype, int i)
{
  return fl_atom14_to_atom37 (aatype, i) >= 0;
}

gboolean
fl_atom37_exists (int aatype, int a)
{
  return fl_atom37_to_atom14 (aatype, a) >= 0;
}

int
fl_restype_n_atoms (int aatype)
{
  int n = 0;
  for (int i = 0; i < FL_N_ATOM14; i++)
    n += fl_atom14_exists (aatype, i);
  return n;
}

void
fl_residue_atom_maps (const int32_t *aatype, int L,
                      float *atom14_exists, int32_t *atom14_to_atom37,
                      int32_t *atom37_to_atom14, float *atom37_exists)
{
  tables_init ();
  for (int l = 0; l < L; l++)
    {
      int r = clamp_restype (aatype[l]);
      for (int i = 0; i < FL_N_ATOM14; i++)
        {
          int a = a14_to_a37[r][i];
          if (atom14_exists)
            atom14_exists[(gsize) l * FL_N_ATOM14 + i] = a >= 0 ? 1.0f : 0.0f;
          if (atom14_to_atom37)
            atom14_to_atom37[(gsize) l * FL_N_ATOM14 + i] = a >= 0 ? a : 0;
        }
      for (int a = 0; a < FL_N_ATOM37; a++)
        {
          int i = a37_to_a14[r][a];
          if (atom37_to_atom14)
            atom37_to_atom14[(gsize) l * FL_N_ATOM37 + a] = i >= 0 ? i : 0;
          if (atom37_exists)
            atom37_exists[(gsize) l * FL_N_ATOM37 + a] = i >= 0 ? 1.0f : 0.0f;
        }
    }
}
