/* FlViewMesh: triangle meshes for the 3D view. */
#include "fl-view-mesh.h"
#include <math.h>
#include <string.h>
#include "fl-msa.h"
#include "fl-residue-constants.h"
#include "fl-cartoon.h"

typedef struct {
  GArray *v;   /* FlViewVertex */
  GArray *i;   /* guint32 */
} MeshBuilder;

static void
builder_init (MeshBuilder *b)
{
  b->v = g_array_new (FALSE, FALSE, sizeof (FlViewVertex));
  b->i = g_array_new (FALSE, FALSE, sizeof (guint32));
}

static FlViewMesh *
builder_finish (MeshBuilder *b)
{
  FlViewMesh *m = g_new0 (FlViewMesh, 1);
  m->n_vertices = b->v->len;
  m->n_indices = b->i->len;
  m->vertices = (FlViewVertex *) g_array_free (b->v, FALSE);
  m->indices = (guint32 *) g_array_free (b->i, FALSE);
  return m;
}

void
fl_view_mesh_free (FlViewMesh *mesh)
{
  if (!mesh)
    return;
  g_free (mesh->vertices);
  g_free (mesh->indices);
  g_free (mesh);
}

static inline void
v3_sub (const float *a, const float *b, float *o) { for (int k = 0; k < 3; k++) o[k] = a[k] - b[k]; }
static inline float
v3_dot (const float *a, const float *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }
static inline void
v3_cross (const float *a, const float *b, float *o)
{
  float r[3] = { a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0] };
  memcpy (o, r, sizeof r);
}
static inline float
v3_normalize (float *a)
{
  float n = sqrtf (v3_dot (a, a));
  if (n > 1e-8f)
    for (int k = 0; k < 3; k++)
      a[k] /= n;
  return n;
}

/* Any unit vector perpendicular to the unit vector t. */
static void
perpendicular (const float *t, float *o)
{
  float a[3] = { 1, 0, 0 };
  if (fabsf (t[0]) > 0.8f)
    a[0] = 0, a[1] = 1;
  v3_cross (t, a, o);
  v3_normalize (o);
}

/* A ring of `sides` vertices around centre c in the plane (u, w). */
static void
add_ring (MeshBuilder *b, const float *c, const float *u, const float *w, float radius,
          int sides, float residue)
{
  for (int s = 0; s < sides; s++)
    {
      float a = (float) (2 * G_PI * s / sides);
      FlViewVertex v;
      for (int k = 0; k < 3; k++)
        {
          v.normal[k] = cosf (a) * u[k] + sinf (a) * w[k];
          v.position[k] = c[k] + radius * v.normal[k];
        }
      v.residue = residue;
      g_array_append_val (b->v, v);
    }
}

/* Quads between ring r0 (starting at vertex base0) and ring r1. */
static void
connect_rings (MeshBuilder *b, guint32 base0, guint32 base1, int sides)
{
  for (int s = 0; s < sides; s++)
    {
      guint32 a = base0 + s, c = base0 + (s + 1) % sides;
      guint32 d = base1 + s, e = base1 + (s + 1) % sides;
      guint32 tri[6] = { a, c, d, c, e, d };   /* counter-clockwise seen from outside */
      g_array_append_vals (b->i, tri, 6);
    }
}

/* A closed cylinder-like stick from p to q (flat caps omitted: sticks meet at
 * atoms where small spheres would hide them; end rings are shrunk instead). */
static void
add_stick (MeshBuilder *b, const float *p, const float *q, float radius, float residue)
{
  enum { SIDES = 8 };
  float t[3];
  v3_sub (q, p, t);
  if (v3_normalize (t) < 1e-4f)
    return;
  float u[3], w[3];
  perpendicular (t, u);
  v3_cross (t, u, w);
  float ends[4][3];
  const float f[4] = { -0.15f, 0.f, 1.f, 1.15f };
  float len = 0;
  for (int k = 0; k < 3; k++)
    len += (q[k] - p[k]) * (q[k] - p[k]);
  len = sqrtf (len);
  for (int r = 0; r < 4; r++)
    for (int k = 0; k < 3; k++)
      ends[r][k] = p[k] + t[k] * (f[r] * len + (r == 0 ? 0 : 0));
  /* rings: pointed cap, full, full, pointed cap */
  const float rad[4] = { 0.2f * radius, radius, radius, 0.2f * radius };
  guint32 base[4];
  for (int r = 0; r < 4; r++)
    {
      base[r] = b->v->len;
      float c[3];
      for (int k = 0; k < 3; k++)
        c[k] = r == 0 ? p[k] - t[k] * radius * 0.8f : r == 3 ? q[k] + t[k] * radius * 0.8f : ends[r][k];
      add_ring (b, c, u, w, rad[r], SIDES, residue);
    }
  for (int r = 0; r < 3; r++)
    connect_rings (b, base[r], base[r + 1], SIDES);
}

FlViewMesh *
fl_view_mesh_new_side_chains (const FlFrame *frame, const char *sequence)
{
  MeshBuilder b;
  builder_init (&b);
  const float radius = 0.22f;
  for (int r = 0; r < frame->L; r++)
    {
      const float *mask = frame->atom37_mask + (gsize) r * 37;
      const float *x = frame->atom37 + (gsize) r * 37 * 3;
      for (int a = 1; a < 37; a++)
        {
          if (mask[a] < 0.5f || a == 2 || a == 4)  /* CA and side-chain atoms only */
            continue;
          for (int c = a + 1; c < 37; c++)
            {
              if (mask[c] < 0.5f || c == 2 || c == 4 || c == 36)
                continue;
              if (a == 1 && c != 3)   /* from CA only the CA-CB bond */
                continue;
              float d[3];
              v3_sub (x + c * 3, x + a * 3, d);
              float len2 = v3_dot (d, d);
              if (len2 > 1.95f * 1.95f || len2 < 0.5f * 0.5f)
                continue;
              add_stick (&b, x + a * 3, x + c * 3, radius, (float) r);
            }
          /* proline ring closes on the backbone N */
          if (sequence && r < (int) strlen (sequence) && sequence[r] == 'P' && a == 11 /* CD */
              && mask[0] > 0.5f)
            add_stick (&b, x + a * 3, x, radius, (float) r);
        }
    }
  return builder_finish (&b);
}

FlViewMesh *
fl_view_mesh_new_cartoon (const FlFrame *frame, const char *sequence)
{
  int L = frame->L;
  g_autofree int32_t *aatype = g_new (int32_t, MAX (L, 1));
  gsize n_seq = sequence ? strlen (sequence) : 0;
  for (int i = 0; i < L; i++)
    aatype[i] = i < (int) n_seq ? fl_aatype_from_letter (sequence[i]) : FL_RESTYPE_UNK;
  /* Level of detail: large chains get fewer samples and profile points, so
   * orbiting stays smooth on software GL (about 4x fewer triangles). */
  FlCartoonParams params;
  fl_cartoon_params_init (&params);
  if (L > 800)
    {
      params.samples_per_residue = 4;
      params.profile_points = 8;
    }
  g_autoptr (FlCartoon) cartoon = fl_cartoon_new (frame->atom37, frame->atom37_mask, aatype, L,
                                                  NULL, &params);
  FlViewMesh *m = g_new0 (FlViewMesh, 1);
  G_STATIC_ASSERT (sizeof (FlViewVertex) == FL_CARTOON_VERTEX_FLOATS * sizeof (float));
  m->n_vertices = cartoon->n_vertices;
  m->n_indices = cartoon->n_indices;
  m->vertices = g_memdup2 (cartoon->vertices, (gsize) cartoon->n_vertices * sizeof (FlViewVertex));
  m->indices = g_memdup2 (cartoon->indices, (gsize) cartoon->n_indices * sizeof (guint32));
  return m;
}
