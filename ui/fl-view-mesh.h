/* FlViewMesh: triangle meshes the 3D view uploads to GL, each vertex
 * carrying the index of its residue (the colour lookup key).
 *   cartoon:     render/'s cartoon of the backbone (helix ribbon, strand
 *                arrow, coil tube), with less detail above 800 residues.
 *   side chains: sticks for every bond within a residue beyond CA
 *                (bonds found by distance, < 1.95 Å), plus CA-CB. */
#pragma once
#include <glib.h>
#include "fl-snapshot.h"

G_BEGIN_DECLS

typedef struct {
  float position[3];
  float normal[3];
  float residue;      /* residue index (exact in float up to 2^24) */
} FlViewVertex;

typedef struct {
  FlViewVertex *vertices;
  gsize n_vertices;
  guint32 *indices;   /* triangles */
  gsize n_indices;
} FlViewMesh;

FlViewMesh *fl_view_mesh_new_cartoon (const FlFrame *frame, const char *sequence /* nullable */);
FlViewMesh *fl_view_mesh_new_side_chains (const FlFrame *frame, const char *sequence /* nullable */);
void fl_view_mesh_free (FlViewMesh *mesh);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlViewMesh, fl_view_mesh_free)

G_END_DECLS
