/* Profile extrusion of the cartoon (see fl-cartoon.h). */
#include "fl-cartoon.h"
#include "fl-backbone.h"
#include "fl-secondary.h"
#include <math.h>
#include <string.h>

#define MAX_K 64

void
fl_cartoon_params_init (FlCartoonParams *p)
{
  p->samples_per_residue = 8;
  p->profile_points = 12;
  p->coil_radius = 0.3f;
  p->helix_width = 2.0f;
  p->helix_thickness = 0.4f;
  p->strand_width = 1.8f;
  p->strand_thickness = 0.5f;
  p->arrow_width = 2.8f;
  p->spline = FL_SPLINE_CATMULL_ROM;
}

void
fl_cartoon_free (FlCartoon *c)
{
  if (!c)
    return;
  g_free (c->vertices);
  g_free (c->indices);
  g_free (c->ss);
  g_free (c);
}

/* Unit cross-sections: 0 = circle/ellipse, 1 = rounded box (superellipse, p = 4). */
typedef struct {
  int K;
  float ux[2][MAX_K], uy[2][MAX_K], nx[2][MAX_K], ny[2][MAX_K];
} Shapes;

static void
shapes_init (Shapes *s, int K)
{
  s->K = K;
  for (int k = 0; k < K; k++)
    {
      double th = 2.0 * G_PI * k / K;
      double c = cos (th), sn = sin (th);
      s->ux[0][k] = (float) c;
      s->uy[0][k] = (float) sn;
      s->nx[0][k] = (float) c;
      s->ny[0][k] = (float) sn;
      double x = copysign (sqrt (fabs (c)), c), y = copysign (sqrt (fabs (sn)), sn);
      double gx = copysign (pow (fabs (x), 3.0), x), gy = copysign (pow (fabs (y), 3.0), y);
      double gl = sqrt (gx * gx + gy * gy);
      s->ux[1][k] = (float) x;
      s->uy[1][k] = (float) y;
      s->nx[1][k] = (float) (gl > 0 ? gx / gl : c);
      s->ny[1][k] = (float) (gl > 0 ? gy / gl : sn);
    }
}

typedef struct {
  float a, b;      /* half sizes along normal and binormal */
  int shape;       /* 0 ellipse, 1 box */
} Profile;

typedef enum { NORMALS_OUT, NORMALS_BACK, NORMALS_FORWARD } NormalMode;

typedef struct {
  float *v;
  uint32_t *idx;
  int nv, ni;
  const Shapes *sh;
  /* unit 2D normals of the last profile used (consecutive rings mostly share it) */
  Profile cached;
  float qx[MAX_K], qy[MAX_K];
} Mesh;

/* Emits one ring; returns the index of its first vertex. */
static uint32_t
emit_ring (Mesh *m, const float *P, const float *T, const float *N, const float *B,
           const Profile *pr, NormalMode mode, float residue)
{
  uint32_t base = (uint32_t) m->nv;
  int K = m->sh->K, s = pr->shape;
  if (mode == NORMALS_OUT
      && (pr->a != m->cached.a || pr->b != m->cached.b || pr->shape != m->cached.shape))
    {
      /* normals of the profile scaled by (a, b): (nx b, ny a), normalised in 2D */
      for (int k = 0; k < K; k++)
        {
          float qx = m->sh->nx[s][k] * pr->b, qy = m->sh->ny[s][k] * pr->a;
          float l = sqrtf (qx * qx + qy * qy);
          m->qx[k] = l > 0.0f ? qx / l : 1.0f;
          m->qy[k] = l > 0.0f ? qy / l : 0.0f;
        }
      m->cached = *pr;
    }
  for (int k = 0; k < K; k++)
    {
      float px = pr->a * m->sh->ux[s][k], py = pr->b * m->sh->uy[s][k];
      float *o = m->v + (gsize) m->nv * FL_CARTOON_VERTEX_FLOATS;
      for (int c = 0; c < 3; c++)
        o[c] = P[c] + N[c] * px + B[c] * py;
      if (mode == NORMALS_OUT)
        {
          float nn[3];
          for (int c = 0; c < 3; c++)
            nn[c] = N[c] * m->qx[k] + B[c] * m->qy[k];
          memcpy (o + 3, nn, sizeof nn);
        }
      else
        {
          float sign = mode == NORMALS_BACK ? -1.0f : 1.0f;
          for (int c = 0; c < 3; c++)
            o[3 + c] = sign * T[c];
        }
      o[6] = residue;
      m->nv++;
    }
  return base;
}

static void
tri (Mesh *m, uint32_t a, uint32_t b, uint32_t c)
{
  m->idx[m->ni++] = a;
  m->idx[m->ni++] = b;
  m->idx[m->ni++] = c;
}

/* Tube between two rings (r1 further along the tangent). */
static void
connect_tube (Mesh *m, uint32_t r0, uint32_t r1)
{
  int K = m->sh->K;
  uint32_t *o = m->idx + m->ni;
  for (int k = 0; k < K; k++)
    {
      uint32_t k1 = k + 1 < K ? (uint32_t) k + 1 : 0;
      o[0] = r0 + k;
      o[1] = r0 + k1;
      o[2] = r1 + k;
      o[3] = r0 + k1;
      o[4] = r1 + k1;
      o[5] = r1 + k;
      o += 6;
    }
  m->ni += 6 * K;
}

/* Flat annulus facing backwards (-T) from inner ring to outer ring. */
static void
connect_back_annulus (Mesh *m, uint32_t inner, uint32_t outer)
{
  int K = m->sh->K;
  for (int k = 0; k < K; k++)
    {
      uint32_t k1 = (uint32_t) ((k + 1) % K);
      tri (m, inner + k, inner + k1, outer + k1);
      tri (m, inner + k, outer + k1, outer + k);
    }
}

/* Cap: a centre vertex and a fan over a ring that has cap normals. */
static void
cap (Mesh *m, const float *P, const float *T, uint32_t ring, gboolean back, float residue)
{
  int K = m->sh->K;
  uint32_t c = (uint32_t) m->nv;
  float *o = m->v + (gsize) m->nv * FL_CARTOON_VERTEX_FLOATS;
  float sign = back ? -1.0f : 1.0f;
  for (int q = 0; q < 3; q++)
    {
      o[q] = P[q];
      o[3 + q] = sign * T[q];
    }
  o[6] = residue;
  m->nv++;
  for (int k = 0; k < K; k++)
    {
      uint32_t k1 = (uint32_t) ((k + 1) % K);
      if (back)
        tri (m, c, ring + k1, ring + k);
      else
        tri (m, c, ring + k, ring + k1);
    }
}

static float
lerp (float a, float b, float f)
{
  return a + (b - a) * f;
}

/* 0 at a run's edge, 1 from half a residue inside it, smooth in between */
static float
taper (float d)
{
  float f = CLAMP (d / 0.5f, 0.0f, 1.0f);
  return f * f * (3.0f - 2.0f * f);
}

static double
ms_since (gint64 t0)
{
  return (double) (g_get_monotonic_time () - t0) / 1000.0;
}

FlCartoon *
fl_cartoon_new (const float *atom37, const float *mask, const int32_t *aatype, int L,
                const uint8_t *ss_in, const FlCartoonParams *params)
{
  FlCartoon *ct = g_new0 (FlCartoon, 1);
  fl_cartoon_update (ct, atom37, mask, aatype, L, ss_in, params);
  return ct;
}

void
fl_cartoon_update (FlCartoon *ct, const float *atom37, const float *mask, const int32_t *aatype,
                   int L, const uint8_t *ss_in, const FlCartoonParams *params)
{
  g_return_if_fail (ct != NULL);
  FlCartoonParams p;
  if (params)
    p = *params;
  else
    fl_cartoon_params_init (&p);
  p.samples_per_residue = CLAMP (p.samples_per_residue, 1, 64);
  p.profile_points = CLAMP (p.profile_points, 3, MAX_K);
  float minsz = 0.01f;
  p.coil_radius = isfinite (p.coil_radius) ? MAX (p.coil_radius, minsz) : 0.3f;
  p.helix_width = isfinite (p.helix_width) ? MAX (p.helix_width, minsz) : 2.0f;
  p.helix_thickness = isfinite (p.helix_thickness) ? MAX (p.helix_thickness, minsz) : 0.4f;
  p.strand_width = isfinite (p.strand_width) ? MAX (p.strand_width, minsz) : 1.8f;
  p.strand_thickness = isfinite (p.strand_thickness) ? MAX (p.strand_thickness, minsz) : 0.5f;
  p.arrow_width = isfinite (p.arrow_width) ? MAX (p.arrow_width, minsz) : 2.8f;

  L = MAX (L, 0);
  ct->L = L;
  ct->n_vertices = ct->n_indices = ct->n_arrowheads = 0;
  ct->ms_backbone = ct->ms_secondary = ct->ms_spline = ct->ms_extrude = 0.0;
  if ((gsize) MAX (L, 1) > ct->ss_capacity)
    {
      ct->ss_capacity = MAX (L, 1);
      ct->ss = g_realloc (ct->ss, ct->ss_capacity);
    }
  memset (ct->ss, 0, MAX (L, 1));
  if (!atom37 || L == 0)
    return;

  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (FlBackbone) bb = fl_backbone_new (atom37, mask, L);
  ct->ms_backbone = ms_since (t0);

  t0 = g_get_monotonic_time ();
  if (ss_in)
    for (int i = 0; i < L; i++)
      ct->ss[i] = ss_in[i] <= FL_SS_STRAND ? ss_in[i] : FL_SS_COIL;
  else
    fl_secondary_assign (atom37, mask, aatype, L, ct->ss);
  ct->ms_secondary = ms_since (t0);
  if (bb->n == 0)
    return;

  /* guide points; a lone residue becomes a short segment along its tangent */
  t0 = g_get_monotonic_time ();
  int gn = bb->n;
  const float *gp = bb->point, *gs = bb->side;
  const int32_t *gres = bb->residue;
  float lone_p[6], lone_s[6];
  int32_t lone_r[2];
  if (gn == 1)
    {
      for (int c = 0; c < 3; c++)
        {
          lone_p[c] = bb->point[c] - 0.75f * bb->tangent[c];
          lone_p[3 + c] = bb->point[c] + 0.75f * bb->tangent[c];
          lone_s[c] = lone_s[3 + c] = bb->side[c];
        }
      lone_r[0] = lone_r[1] = bb->residue[0];
      gn = 2;
      gp = lone_p;
      gs = lone_s;
      gres = lone_r;
    }
  /* strands: smooth out the CA zig-zag (two passes of 1/4, 1/2, 1/4 over
   * residues inside a strand, so the arrow runs straight) */
  g_autofree float *smooth = NULL;
  if (bb->n >= 3)
    {
      smooth = g_memdup2 (gp, (gsize) gn * 3 * sizeof (float));
      float *tmp = g_new (float, (gsize) gn * 3);
      for (int pass = 0; pass < 2; pass++)
        {
          memcpy (tmp, smooth, (gsize) gn * 3 * sizeof (float));
          for (int g = 1; g + 1 < gn; g++)
            if (ct->ss[gres[g - 1]] == FL_SS_STRAND && ct->ss[gres[g]] == FL_SS_STRAND
                && ct->ss[gres[g + 1]] == FL_SS_STRAND)
              for (int c = 0; c < 3; c++)
                smooth[3 * g + c] = 0.25f * tmp[3 * (g - 1) + c] + 0.5f * tmp[3 * g + c]
                                    + 0.25f * tmp[3 * (g + 1) + c];
        }
      g_free (tmp);
      gp = smooth;
    }
  int S = p.samples_per_residue, K = p.profile_points;
  g_autoptr (FlSpline) sp = fl_spline_new (gp, gs, gn, S, p.spline);
  ct->ms_spline = ms_since (t0);

  t0 = g_get_monotonic_time ();
  int msamp = sp->m;
  /* per guide: type and strand end */
  uint8_t *gtype = g_new (uint8_t, gn);
  for (int g = 0; g < gn; g++)
    gtype[g] = ct->ss[gres[g]];
  /* first and last guide of the run of equal type that holds each guide */
  int *run_s = g_new (int, gn), *run_e = g_new (int, gn);
  for (int g = 0; g < gn; g++)
    run_s[g] = (g > 0 && gtype[g - 1] == gtype[g]) ? run_s[g - 1] : g;
  for (int g = gn - 1; g >= 0; g--)
    run_e[g] = (g + 1 < gn && gtype[g + 1] == gtype[g]) ? run_e[g + 1] : g;
  /* owners and arrow bases */
  int *owner = g_new (int, msamp);
  int n_flanges = 0, n_arrows = 0;
  for (int j = 0; j < msamp; j++)
    {
      int g = (int) floorf (sp->t[j] + 0.5f);
      owner[j] = CLAMP (g, 0, gn - 1);
    }
  for (int j = 0; j < msamp; j++)
    {
      int g = owner[j];
      gboolean end = gtype[g] == FL_SS_STRAND && (g + 1 == gn || gtype[g + 1] != FL_SS_STRAND);
      if (end && (j == 0 || owner[j - 1] != g))
        {
          n_arrows++;
          if (j > 0)
            n_flanges++;
        }
    }
  ct->n_arrowheads = n_arrows;
  gsize nv = (gsize) K * (msamp + 3 * n_flanges) + 2 * (K + 1);
  gsize ni = (gsize) 6 * K * (msamp - 1) + (gsize) 6 * K * n_flanges + (gsize) 6 * K;
  Shapes sh;
  shapes_init (&sh, K);
  if (nv > ct->vertices_capacity)
    {
      ct->vertices_capacity = nv;
      g_free (ct->vertices);
      ct->vertices = g_new (float, nv * FL_CARTOON_VERTEX_FLOATS);
    }
  if (ni > ct->indices_capacity)
    {
      ct->indices_capacity = ni;
      g_free (ct->indices);
      ct->indices = g_new (uint32_t, ni);
    }
  Mesh mesh = { ct->vertices, ct->indices, 0, 0, &sh,
                { -1.0f, -1.0f, -1 }, { 0 }, { 0 } };

  Profile prev_pr = { p.coil_radius, p.coil_radius, 0 };
  uint32_t prev_ring = 0;
  for (int j = 0; j < msamp; j++)
    {
      int g = owner[j];
      float res = (float) gres[g];
      const float *P = sp->pos + 3 * j, *T = sp->tangent + 3 * j;
      const float *N = sp->normal + 3 * j, *B = sp->binormal + 3 * j;
      Profile pr;
      gboolean arrow_base = FALSE;
      switch (gtype[g])
        {
        case FL_SS_HELIX:
          {
            /* widen from the coil over the first and last half residue */
            float d = MIN (sp->t[j] - ((float) run_s[g] - 0.5f), ((float) run_e[g] + 0.5f) - sp->t[j]);
            float f = taper (d);
            pr = (Profile) { lerp (p.coil_radius, 0.5f * p.helix_width, f),
                             lerp (p.coil_radius, 0.5f * p.helix_thickness, f), 0 };
          }
          break;
        case FL_SS_STRAND:
          if (g + 1 == gn || gtype[g + 1] != FL_SS_STRAND)
            {
              float u = CLAMP (sp->t[j] - ((float) g - 0.5f), 0.0f, 1.0f);
              float a = (1.0f - u) * 0.5f * p.arrow_width + u * p.coil_radius;
              pr = (Profile) { a, 0.5f * p.strand_thickness, 1 };
              arrow_base = j > 0 && owner[j - 1] != g;
            }
          else
            {
              float f = taper (sp->t[j] - ((float) run_s[g] - 0.5f));
              pr = (Profile) { lerp (p.coil_radius, 0.5f * p.strand_width, f),
                               lerp (p.coil_radius, 0.5f * p.strand_thickness, f), 1 };
            }
          break;
        default:
          pr = (Profile) { p.coil_radius, p.coil_radius, 0 };
          break;
        }
      if (j == 0)
        {
          uint32_t capring = emit_ring (&mesh, P, T, N, B, &pr, NORMALS_BACK, res);
          cap (&mesh, P, T, capring, TRUE, res);
          prev_ring = emit_ring (&mesh, P, T, N, B, &pr, NORMALS_OUT, res);
        }
      else if (arrow_base)
        {
          /* close the strand body here, a flat back face, then the head */
          uint32_t end_ring = emit_ring (&mesh, P, T, N, B, &prev_pr, NORMALS_OUT, res);
          connect_tube (&mesh, prev_ring, end_ring);
          uint32_t inner = emit_ring (&mesh, P, T, N, B, &prev_pr, NORMALS_BACK, res);
          uint32_t outer = emit_ring (&mesh, P, T, N, B, &pr, NORMALS_BACK, res);
          connect_back_annulus (&mesh, inner, outer);
          prev_ring = emit_ring (&mesh, P, T, N, B, &pr, NORMALS_OUT, res);
        }
      else
        {
          uint32_t ring = emit_ring (&mesh, P, T, N, B, &pr, NORMALS_OUT, res);
          connect_tube (&mesh, prev_ring, ring);
          prev_ring = ring;
        }
      if (j == msamp - 1)
        {
          uint32_t capring = emit_ring (&mesh, P, T, N, B, &pr, NORMALS_FORWARD, res);
          cap (&mesh, P, T, capring, FALSE, res);
        }
      prev_pr = pr;
    }
  g_warn_if_fail ((gsize) mesh.nv == nv && (gsize) mesh.ni == ni);
  ct->n_vertices = mesh.nv;
  ct->n_indices = mesh.ni;
  g_free (gtype);
  g_free (run_s);
  g_free (run_e);
  g_free (owner);
  ct->ms_extrude = ms_since (t0);
}
