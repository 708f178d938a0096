/* Residue constants of AlphaFold2 (facts from the released residue
 * constants, tabulated in our own source): residue-type order, names, the 37
 * atom types, the per-type atom14 layout and the atom14 <-> atom37 maps.
 *
 * aatype: 0..19 in the order ARNDCQEGHILKMFPSTWYV, 20 = UNK (X).
 * Functions taking an aatype accept 0..20; anything else behaves as UNK. */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define FL_N_RESTYPES 20          /* standard amino acids */
#define FL_N_RESTYPES_WITH_X 21   /* + UNK */
#define FL_RESTYPE_UNK 20
#define FL_N_ATOM37 37
#define FL_N_ATOM14 14

/* Atom37 indices of the backbone atoms (atom_order). */
#define FL_ATOM37_N 0
#define FL_ATOM37_CA 1
#define FL_ATOM37_C 2
#define FL_ATOM37_CB 3
#define FL_ATOM37_O 4
#define FL_ATOM37_OXT 36

/* "ARNDCQEGHILKMFPSTWYVX" (21 letters + NUL). */
extern const char fl_restype_1[22];

/* Three-letter name ("ALA" ... "VAL", "UNK"). */
const char *fl_restype_3 (int aatype);
/* aatype of a three-letter name (case-sensitive, "UNK"/unknown -> 20). */
int fl_restype_from_3 (const char *name3);

/* The 37 atom types in AlphaFold's atom_types order: N CA C CB O CG ... OXT. */
extern const char *const fl_atom37_names[FL_N_ATOM37];
/* Index of an atom37 name, -1 if it is not one. */
int fl_atom37_index (const char *atom_name);

/* Atom14 name of slot i (0..13) of residue type aatype; "" if the slot is empty. */
const char *fl_atom14_name (int aatype, int i);
/* Atom37 index of atom14 slot i, -1 if the slot is empty. */
int fl_atom14_to_atom37 (int aatype, int i);
/* Atom14 slot of atom37 atom a, -1 if the residue type lacks that atom. */
int fl_atom37_to_atom14 (int aatype, int a);

/* Element of an atom name: "C", "N", "O" or "S" (first letter; "" if none). */
const char *fl_atom_element (const char *atom_name);

/* Existence masks: 1 where the residue type has that atom (UNK: none). */
gboolean fl_atom14_exists (int aatype, int i);
gboolean fl_atom37_exists (int aatype, int a);
/* Number of heavy atoms of a residue type (0 for UNK). */
int fl_restype_n_atoms (int aatype);

/* Per-residue maps as in AlphaFold's make_atom14_masks, for a chain of L
 * residues (aatype values outside 0..19 behave as UNK: all zero). Empty slots
 * map to index 0, as in AlphaFold.
 *   atom14_exists (L, 14), atom14_to_atom37 (L, 14),
 *   atom37_to_atom14 (L, 37), atom37_exists (L, 37). Any pointer may be NULL. */
void fl_residue_atom_maps (const int32_t *aatype /* (L) */, int L,
                           float *atom14_exists /* (L, 14) */,
                           int32_t *atom14_to_atom37 /* (L, 14) */,
                           int32_t *atom37_to_atom14 /* (L, 37) */,
                           float *atom37_exists /* (L, 37) */);

G_END_DECLS
