/* Superposed template CA traces as line segments (fl-template-mesh.h). */
#include "fl-template-mesh.h"
#include "fl-superpose.h"
#include <math.h>
#include <string.h>

#define MAX_CA_CA 4.5f   /* Å: longer steps are chain breaks */

FlViewMesh *
fl_template_mesh_new (const FlFrame *frame, const float *ca, const float *ca_mask, int T, int L)
{
  if (!frame || !ca || !ca_mask || T <= 0 || L != frame->L)
    return NULL;
  g_autoptr (GArray) verts = g_array_new (FALSE, FALSE, sizeof (FlViewVertex));
  g_autoptr (GArray) idx = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree float *mobile = g_new (float, (gsize) L * 3);
  g_autofree float *target = g_new (float, (gsize) L * 3);
  g_autofree float *moved = g_new (float, (gsize) L * 3);
  for (int t = 0; t < T; t++)
    {
      const float *tc = ca + (gsize) t * L * 3, *tm = ca_mask + (gsize) t * L;
      int n = 0;
      for (int i = 0; i < L; i++)
        if (tm[i] > 0 && frame->atom37_mask[(gsize) i * 37 + 1] > 0)
          {
            memcpy (mobile + 3 * n, tc + 3 * i, 3 * sizeof (float));
            memcpy (target + 3 * n, fl_frame_ca (frame, i), 3 * sizeof (float));
            n++;
          }
      if (n < 3)
        continue;
      float R[9], tr[3];
      fl_superpose_kabsch (mobile, target, NULL, n, R, tr);
      memcpy (moved, tc, (gsize) L * 3 * sizeof (float));
      fl_superpose_apply (R, tr, moved, L);
      for (int i = 0; i + 1 < L; i++)
        {
          if (tm[i] <= 0 || tm[i + 1] <= 0)
            continue;
          const float *a = moved + 3 * i, *b = moved + 3 * (i + 1);
          float d = sqrtf ((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1])
                           + (a[2] - b[2]) * (a[2] - b[2]));
          if (!(d < MAX_CA_CA))
            continue;
          for (int k = 0; k < 2; k++)
            {
              FlViewVertex v = { { 0 }, { 0.f, 0.f, 1.f }, (float) (i + k) };
              memcpy (v.position, k ? b : a, 3 * sizeof (float));
              guint32 at = verts->len;
              g_array_append_val (verts, v);
              g_array_append_val (idx, at);
            }
        }
    }
  if (idx->len == 0)
    return NULL;
  FlViewMesh *m = g_new0 (FlViewMesh, 1);
  m->n_vertices = verts->len;
  m->n_indices = idx->len;
  m->vertices = (FlViewVertex *) g_array_free (g_steal_pointer (&verts), FALSE);
  m->indices = (guint32 *) g_array_free (g_steal_pointer (&idx), FALSE);
  return m;
}
