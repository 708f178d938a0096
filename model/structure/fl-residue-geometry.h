/* Residue geometry of AlphaFold2's all-atom model: the 8 rigid groups per
 * residue type (0 backbone, 1 pre-omega, 2 phi, 3 psi, 4-7 chi1-4), the
 * literature atom positions inside each group, the chi-angle atom
 * definitions, which chis exist and which are pi-periodic, and the default
 * frame of every group relative to its parent (restype_rigid_group_default_frame).
 * Facts from AlphaFold's released residue constants, tabulated in our own
 * source; derived tables are computed once, in double, and rounded to
 * float32 like the official ones.
 *
 * aatype 0..19 (ARNDCQEGHILKMFPSTWYV), 20 = UNK: UNK has no atoms, no chis
 * and all-zero default frames, as in AlphaFold. Values outside 0..20 behave
 * as UNK. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include "fl-rigid.h"

G_BEGIN_DECLS

#define FL_N_RIGID_GROUPS 8
#define FL_N_TORSIONS 7     /* pre-omega, phi, psi, chi1-4 */
#define FL_N_CHIS 4

/* Rigid group (0..7) that atom14 slot i belongs to (0 for empty slots). */
int fl_residue_atom14_group (int aatype, int i);
/* Literature position of atom14 slot i in its group's frame (Å); zeros for
 * empty slots. */
void fl_residue_atom14_position (int aatype, int i, double pos[3]);
/* 1 where atom14 slot i holds an atom of this residue type. */
gboolean fl_residue_atom14_has_position (int aatype, int i);

/* Literature position and group of an atom given by name (e.g. "CZ");
 * FALSE if the residue type has no such atom. group and pos may be NULL. */
gboolean fl_residue_literature_atom (int aatype, const char *atom_name, int *group,
                                     double pos[3]);

/* Default frame of rigid group g (0..7) relative to its parent: backbone for
 * groups 0-4, the previous chi group for 5-7. All zero for chis the residue
 * type lacks (and for UNK). */
void fl_residue_default_frame (int aatype, int group, FlRigid *frame);

/* Number of chi angles (0..4) and whether chi k (0..3) exists. */
int fl_residue_n_chis (int aatype);
gboolean fl_residue_chi_exists (int aatype, int chi);
/* Whether chi k is pi-periodic (ASP chi2, GLU chi3, PHE chi2, TYR chi2). */
gboolean fl_residue_chi_pi_periodic (int aatype, int chi);
/* Atom37 indices of the four atoms defining chi k; FALSE (and zeros) if the
 * residue type has no such chi. */
gboolean fl_residue_chi_atoms (int aatype, int chi, int atom37[4]);
/* Whether rigid group g exists for the residue type, as AlphaFold's
 * restype_rigidgroup_mask: groups 0 (backbone) and 3 (psi) always (UNK
 * included), 1 and 2 never, chi groups 4-7 where the chi exists. */
gboolean fl_residue_group_exists (int aatype, int group);

/* torsion_angles_to_frames for one residue: frames[g] maps group g to the
 * global frame. sin_cos (7, 2) as (sin, cos) of pre-omega, phi, psi,
 * chi1-4; backbone: the backbone frame in Å. */
void fl_residue_torsions_to_frames (int aatype, const FlRigid *backbone,
                                    const float *sin_cos /* (7, 2) */,
                                    FlRigid frames[FL_N_RIGID_GROUPS]);
/* frames_and_literature_positions_to_atom14_pos for one residue: pos
 * (14, 3), zero where the residue type has no atom. */
void fl_residue_frames_to_atom14 (int aatype, const FlRigid frames[FL_N_RIGID_GROUPS],
                                  float *pos /* (14, 3) */);

G_END_DECLS
