/* Template CA traces for the 3D view: each template (in query numbering)
 * superposed onto a frame by the CA atoms both have, drawn as line
 * segments between consecutive template residues (a break where the
 * template lacks a residue or the CA-CA distance exceeds 4.5 Å). Vertices
 * carry the query residue index like the other meshes; indices are pairs. */
#pragma once
#include <glib.h>
#include "fl-snapshot.h"
#include "fl-view-mesh.h"

G_BEGIN_DECLS

/* ca (T, L, 3), ca_mask (T, L); templates with fewer than 3 CA atoms in
 * common with the frame are left out. NULL when nothing is drawn. */
FlViewMesh *fl_template_mesh_new (const FlFrame *frame, const float *ca, const float *ca_mask,
                                  int T, int L);

G_END_DECLS
