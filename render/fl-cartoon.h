/* Stage 4 of the cartoon: profile extrusion into vertex and index arrays.
 *
 * fl_cartoon_new runs the whole pipeline on one chain: guide points and
 * frames (fl-backbone) -> spline (fl-spline) -> secondary structure
 * (fl-secondary, unless given) -> extrusion of a cross-section along the
 * spline: helix = flat elliptic ribbon, strand = flat box with an arrowhead
 * over its last residue (a flat back face where the head widens), coil = round
 * tube; helices and strands widen out of the coil over half a residue;
 * caps close both ends. Every spline sample gives one ring of
 * `profile_points` vertices; sample j belongs to the residue of the nearest
 * guide point (residue k owns t in [k - 0.5, k + 0.5)).
 *   vertices = K * (m + 3 * arrowheads_not_at_start) + 2 * (K + 1)
 *   indices  = 6K * (m - 1) + 6K * arrowheads_not_at_start + 6K
 * with K = profile_points and m the spline samples ((n - 1) * S + 1 for n >= 2
 * residues with a CA; a lone residue is drawn as a short tube 1.5 Å long,
 * m = S + 1; no CA at all gives an empty cartoon).
 * Colour is not baked in: each vertex carries its residue index, and the
 * caller colours through a per-residue table (fl-colors.h), so recolouring
 * never rebuilds geometry. Residues without a CA are skipped and the chain
 * is drawn through (predicted frames are never broken); degenerate input
 * (coincident atoms, NaN coordinates: those atoms count as missing) never
 * produces NaN. Triangles are counter-clockwise seen from outside. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include "fl-spline.h"

G_BEGIN_DECLS

typedef struct {
  int samples_per_residue;   /* S, spline samples per residue (default 8) */
  int profile_points;        /* K, vertices around the cross-section (default 12) */
  float coil_radius;         /* Å (default 0.3) */
  float helix_width;         /* Å (default 2.0) */
  float helix_thickness;     /* Å (default 0.4) */
  float strand_width;        /* Å (default 1.8) */
  float strand_thickness;    /* Å (default 0.5) */
  float arrow_width;         /* Å, base of the arrowhead (default 2.8) */
  FlSplineKind spline;       /* default Catmull-Rom (through CA; inside strands the
                                guide points are smoothed so arrows run straight) */
} FlCartoonParams;

void fl_cartoon_params_init (FlCartoonParams *params);   /* the defaults above */

#define FL_CARTOON_VERTEX_FLOATS 7   /* x y z, nx ny nz, residue index */

typedef struct {
  int L;                  /* residues of the input */
  int n_vertices;
  float *vertices;        /* (n_vertices, 7): position Å, unit normal, residue index 0..L-1 */
  int n_indices;
  uint32_t *indices;      /* (n_indices) triangle list into vertices */
  uint8_t *ss;            /* (L) FlSecondary used for each residue */
  int n_arrowheads;
  /* wall-clock time of each stage of the last build, ms (for benchmarks) */
  double ms_backbone, ms_secondary, ms_spline, ms_extrude;
  /* allocated sizes (elements: vertices, indices, residues), for fl_cartoon_update */
  gsize vertices_capacity, indices_capacity, ss_capacity;
} FlCartoon;

/* atom37 (L, 37, 3) Å; mask (L, 37) or NULL; aatype (L) or NULL (used only
 * for prolines in the H-bond search); ss (L) FlSecondary values or NULL to
 * compute them (DSSP style, isolated bridges as coil); params NULL: defaults.
 * Never returns NULL. */
FlCartoon *fl_cartoon_new (const float *atom37, const float *mask, const int32_t *aatype, int L,
                           const uint8_t *ss, const FlCartoonParams *params);
/* Rebuild an existing cartoon for a new frame, reusing its arrays when the
 * new mesh fits (what a view does for every frame: no allocation, no page
 * faults). Same arguments and result as fl_cartoon_new. */
void fl_cartoon_update (FlCartoon *cartoon, const float *atom37, const float *mask,
                        const int32_t *aatype, int L, const uint8_t *ss,
                        const FlCartoonParams *params);
void fl_cartoon_free (FlCartoon *cartoon);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlCartoon, fl_cartoon_free)

G_END_DECLS
