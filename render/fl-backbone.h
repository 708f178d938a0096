/* Stage 1 of the cartoon: per-residue frames and guide points.
 *
 * From atom37 positions, one guide point per residue that has a CA (residues
 * without a CA are left out; `residue` maps guide points back to residue
 * indices), with a unit tangent along the chain and a unit "side" vector
 * perpendicular to it that points from CA towards the carbonyl O (C if O is
 * missing). Sides are flipped where needed so that neighbours never point
 * more than 90° apart (the ribbon does not twist in strands). Degenerate
 * input (coincident atoms, non-physical chains from untrained weights, a
 * single residue) gives finite unit vectors: never NaN. */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct {
  int n;              /* guide points (residues with a CA) */
  int32_t *residue;   /* (n) residue index 0..L-1 of each guide point */
  float *point;       /* (n, 3) guide point = CA position, Å */
  float *tangent;     /* (n, 3) unit, along the chain */
  float *side;        /* (n, 3) unit, ⊥ tangent, towards C=O, sign-continuous */
} FlBackbone;

/* Guide points of a chain: atom37 (L, 37, 3) Å, mask (L, 37) (NULL: all present).
 * Never fails; n may be 0 when no residue has a CA. */
FlBackbone *fl_backbone_new (const float *atom37, const float *mask, int L);
void fl_backbone_free (FlBackbone *bb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlBackbone, fl_backbone_free)

/* Small vector helpers shared by the render stages (float, 3 components). */
float fl_vec3_normalize (float v[3]);   /* returns the old length; leaves 0-vectors at 0 */
/* Any unit vector perpendicular to unit vector t (stable choice). */
void fl_vec3_any_perpendicular (const float t[3], float out[3]);
/* Make v a unit vector ⊥ unit t; falls back to `fallback` (then to any
 * perpendicular) when v is (almost) parallel to t. */
void fl_vec3_orthonormalize (float v[3], const float t[3], const float *fallback);

G_END_DECLS
