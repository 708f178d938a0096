/* Optional side-chain sticks from atom37 positions.
 *
 * Bonds come from a per-residue-type table of heavy-atom bonds (side chain
 * from CA outwards; with `backbone`, also N-CA, CA-C, C-O, C-OXT and the
 * peptide bond C(i)-N(i+1) between consecutive residues). A bond is drawn
 * only when both atoms are present and finite. Each bond becomes an open
 * cylinder of `sides` vertices per end ring, in the cartoon's vertex format
 * (position, unit normal, residue index: 7 floats), so the same shader and
 * per-residue colour table serve both. Colour is never baked in. */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
  int n_bonds;
  float *bonds;            /* (n_bonds, 2, 3) end points, Å */
  int32_t *bond_residue;   /* (n_bonds) residue index (for the peptide bond: residue i) */
  int n_vertices;
  float *vertices;         /* (n_vertices, 7) = (n_bonds * 2 * sides, 7) */
  int n_indices;
  uint32_t *indices;       /* (n_indices) = (n_bonds * 6 * sides) triangles */
} FlSticks;

/* atom37 (L, 37, 3) Å; mask (L, 37) or NULL; aatype (L) 0..20 (others: no
 * side chain); radius Å (<= 0: 0.2); sides 3..32 (else 6). Never NULL. */
FlSticks *fl_sticks_new (const float *atom37, const float *mask, const int32_t *aatype, int L,
                         gboolean backbone, float radius, int sides);
void fl_sticks_free (FlSticks *sticks);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlSticks, fl_sticks_free)

/* Number of side-chain bonds of a residue type in the table (0 for GLY/UNK). */
int fl_sticks_n_side_chain_bonds (int aatype);

G_END_DECLS
