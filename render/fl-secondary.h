/* Stage 3 of the cartoon: secondary structure from the backbone, DSSP style.
 *
 * Follows Kabsch & Sander (1983) as DSSP does: backbone amide H placed 1 Å
 * from N along the previous residue's O->C direction; electrostatic H-bond
 * energy E = 27.888 (1/r_ON + 1/r_CH - 1/r_OH - 1/r_CN) kcal/mol, a bond when
 * E < -0.5 and only each donor's two best bonds count; n-turns (n = 3, 4, 5)
 * make helices H (alpha), G (3-10), I (pi); bridges make ladders, joined over
 * bulges, giving E (ladder of 2 or more) and B (isolated bridge); T marks
 * turns. Residues lacking N, CA, C or O, or with non-finite coordinates, are
 * left out (' '); a C-N distance over 2.5 Å is a chain break. Pairs are
 * found with a spatial hash (CA within 9 Å), so the cost is O(L). One
 * departure from DSSP, for predicted frames: residue pairs whose CAs are
 * closer than 2 Å (impossible in a real chain; all residues start at the
 * origin in the structure module) are not scored, so a collapsed frame is
 * all coil instead of all helix.
 *
 * Three-state summaries: fl_secondary_from_dssp maps H/G/I -> HELIX,
 * E/B -> STRAND, else COIL (the usual comparison with DSSP);
 * fl_secondary_assign, for the cartoon, maps an isolated bridge B to COIL
 * (an arrow one residue long is noise). */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum {
  FL_SS_COIL = 0,
  FL_SS_HELIX = 1,
  FL_SS_STRAND = 2,
} FlSecondary;

/* DSSP codes ('H','G','I','E','B','T',' ') per residue.
 * atom37 (L, 37, 3) Å; mask (L, 37) or NULL; aatype (L) or NULL (then no
 * residue is treated as proline, which has no amide H); dssp (L) out. */
void fl_secondary_assign_dssp (const float *atom37, const float *mask, const int32_t *aatype,
                               int L, char *dssp);

FlSecondary fl_secondary_from_dssp (char code);

/* Three states for the cartoon: ss (L) out, values FlSecondary. */
void fl_secondary_assign (const float *atom37, const float *mask, const int32_t *aatype,
                          int L, uint8_t *ss);

G_END_DECLS
