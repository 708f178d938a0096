/* Cartoon geometry (render/): spline, superposition, secondary structure
 * against DSSP, extrusion on real and degenerate input. */
#include "fl-backbone.h"
#include "fl-cartoon.h"
#include "fl-colors.h"
#include "fl-secondary.h"
#include "fl-spline.h"
#include "fl-sticks.h"
#include "fl-superpose.h"
#include "fl-structure-io.h"
#include "fl-residue-constants.h"
#include "fl-test-util.h"
#include "fl-build-config.h"
#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const structures[] = {
  "1AKI.cif", "1BPI.pdb", "1GCN.pdb", "1L2Y.cif", "1O1Z.cif", "1PSM.cif", "1UBQ.pdb",
  "1UBQ_mosaic_res1-70.cif", "1YRF.pdb", "3O5R.cif", "3U8V.cif", "4I6P.cif", "4ZEY.cif",
};

static FlStructure *
read_structure (const char *file, const char *chain)
{
  if (!fl_test_require_data_dir ())
    return NULL;
  g_autofree char *path = g_build_filename (fl_test_data_dir (), "structures", file, NULL);
  g_autoptr (GError) error = NULL;
  FlStructure *s = fl_structure_read (path, chain, &error);
  g_assert_no_error (error);
  return s;
}

static void
assert_unit (const float *v, double tol)
{
  double l = sqrt ((double) v[0] * v[0] + (double) v[1] * v[1] + (double) v[2] * v[2]);
  g_assert_cmpfloat (fabs (l - 1.0), <=, tol);
}

static double
dot3 (const float *a, const float *b)
{
  return (double) a[0] * b[0] + (double) a[1] * b[1] + (double) a[2] * b[2];
}

/* ---------------------------------------------------------------- spline */

static void
check_frames (const FlSpline *sp)
{
  for (int j = 0; j < sp->m; j++)
    {
      for (int c = 0; c < 3; c++)
        g_assert_true (isfinite (sp->pos[3 * j + c]));
      assert_unit (sp->tangent + 3 * j, 1e-4);
      assert_unit (sp->normal + 3 * j, 1e-4);
      assert_unit (sp->binormal + 3 * j, 1e-4);
      g_assert_cmpfloat (fabs (dot3 (sp->tangent + 3 * j, sp->normal + 3 * j)), <=, 1e-4);
      g_assert_cmpfloat (fabs (dot3 (sp->tangent + 3 * j, sp->binormal + 3 * j)), <=, 1e-4);
      g_assert_cmpfloat (fabs (dot3 (sp->normal + 3 * j, sp->binormal + 3 * j)), <=, 1e-4);
    }
}

static void
test_spline_through_points (void)
{
  const int n = 9, S = 7;
  float pts[9 * 3], sides[9 * 3];
  fl_test_fill_random (pts, n * 3, 42);
  for (int i = 0; i < n * 3; i++)
    pts[i] *= 5.0f;
  fl_test_fill_random (sides, n * 3, 43);
  for (int i = 0; i < n; i++)
    fl_vec3_normalize (sides + 3 * i);
  g_autoptr (FlSpline) sp = fl_spline_new (pts, sides, n, S, FL_SPLINE_CATMULL_ROM);
  g_assert_cmpint (sp->m, ==, (n - 1) * S + 1);
  double max_err = 0.0;
  for (int k = 0; k < n; k++)
    {
      g_assert_cmpfloat (fabs (sp->t[k * S] - k), <=, 1e-6);
      for (int c = 0; c < 3; c++)
        max_err = MAX (max_err, fabs (sp->pos[3 * k * S + c] - pts[3 * k + c]));
    }
  g_test_message ("Catmull-Rom: max distance to guide points %.2e Å", max_err);
  g_assert_cmpfloat (max_err, <=, 1e-5);
  check_frames (sp);

  /* B-spline: ends exact; evenly spaced collinear points stay on the line */
  g_autoptr (FlSpline) bs = fl_spline_new (pts, sides, n, S, FL_SPLINE_B_SPLINE);
  for (int c = 0; c < 3; c++)
    {
      g_assert_cmpfloat (fabs (bs->pos[c] - pts[c]), <=, 1e-5);
      g_assert_cmpfloat (fabs (bs->pos[3 * (bs->m - 1) + c] - pts[3 * (n - 1) + c]), <=, 1e-5);
    }
  check_frames (bs);
  float line[5 * 3];
  for (int i = 0; i < 5; i++)
    {
      line[3 * i] = 3.8f * i;
      line[3 * i + 1] = 1.0f;
      line[3 * i + 2] = -2.0f;
    }
  g_autoptr (FlSpline) bl = fl_spline_new (line, NULL, 5, 4, FL_SPLINE_B_SPLINE);
  for (int j = 0; j < bl->m; j++)
    {
      g_assert_cmpfloat (fabs (bl->pos[3 * j] - 3.8f * bl->t[j]), <=, 1e-4);
      g_assert_cmpfloat (fabs (bl->pos[3 * j + 1] - 1.0f), <=, 1e-5);
      g_assert_cmpfloat (fabs (bl->tangent[3 * j] - 1.0f), <=, 1e-5);
    }
  check_frames (bl);
}

static void
test_spline_degenerate (void)
{
  float same[4 * 3];
  for (int i = 0; i < 12; i++)
    same[i] = 2.5f;
  for (int kind = 0; kind < 2; kind++)
    {
      g_autoptr (FlSpline) a = fl_spline_new (same, NULL, 4, 5, kind);
      g_assert_cmpint (a->m, ==, 16);
      check_frames (a);
      g_autoptr (FlSpline) one = fl_spline_new (same, NULL, 1, 5, kind);
      g_assert_cmpint (one->m, ==, 1);
      check_frames (one);
      g_autoptr (FlSpline) none = fl_spline_new (same, NULL, 0, 5, kind);
      g_assert_cmpint (none->m, ==, 0);
    }
}

/* ------------------------------------------------------------- superpose */

static void
random_rotation (guint64 seed, float R[9])
{
  float q[4];
  fl_test_fill_random (q, 4, seed);
  double l = sqrt (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
  double a = q[0] / l, b = q[1] / l, c = q[2] / l, d = q[3] / l;
  double Rd[9] = { a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c),
                   2 * (b * c + a * d), a * a - b * b + c * c - d * d, 2 * (c * d - a * b),
                   2 * (b * d - a * c), 2 * (c * d + a * b), a * a - b * b - c * c + d * d };
  for (int k = 0; k < 9; k++)
    R[k] = (float) Rd[k];
}

static double
det3 (const float *R)
{
  return R[0] * (R[4] * R[8] - R[5] * R[7]) - R[1] * (R[3] * R[8] - R[5] * R[6])
         + R[2] * (R[3] * R[7] - R[4] * R[6]);
}

static void
test_superpose_known (void)
{
  for (int trial = 0; trial < 20; trial++)
    {
      const int n = 60;
      float x[60 * 3], y[60 * 3], Rt[9], t_true[3] = { 12.0f, -7.5f, 3.25f * trial };
      fl_test_fill_random (x, n * 3, 100 + trial);
      for (int i = 0; i < n * 3; i++)
        x[i] *= 10.0f;
      random_rotation (200 + trial, Rt);
      memcpy (y, x, sizeof x);
      fl_superpose_apply (Rt, t_true, y, n);
      float R[9], t[3];
      float rmsd = fl_superpose_kabsch (x, y, NULL, n, R, t);
      double max_r = 0.0, max_t = 0.0;
      for (int k = 0; k < 9; k++)
        max_r = MAX (max_r, fabs (R[k] - Rt[k]));
      for (int k = 0; k < 3; k++)
        max_t = MAX (max_t, fabs (t[k] - t_true[k]));
      if (trial == 0)
        g_test_message ("Kabsch: RMSD %.2e, max |R - R_true| %.2e, max |t - t_true| %.2e", rmsd,
                        max_r, max_t);
      g_assert_cmpfloat (rmsd, <=, 1e-3);
      g_assert_cmpfloat (max_r, <=, 1e-4);
      g_assert_cmpfloat (max_t, <=, 1e-3);
      g_assert_cmpfloat (fabs (det3 (R) - 1.0), <=, 1e-4);
    }
  /* a mirror image cannot be matched by a rotation: RMSD > 0, det stays +1 */
  float x[20 * 3], y[20 * 3], R[9], t[3];
  fl_test_fill_random (x, 60, 7);
  for (int i = 0; i < 20; i++)
    {
      y[3 * i] = -x[3 * i];
      y[3 * i + 1] = x[3 * i + 1];
      y[3 * i + 2] = x[3 * i + 2];
    }
  float rmsd = fl_superpose_kabsch (x, y, NULL, 20, R, t);
  g_assert_cmpfloat (rmsd, >, 0.1);
  g_assert_cmpfloat (fabs (det3 (R) - 1.0), <=, 1e-4);
}

static void
test_superpose_degenerate (void)
{
  float R[9], t[3];
  float p[3 * 3] = { 1, 2, 3, 1, 2, 3, 1, 2, 3 };
  float q[3 * 3] = { 4, 4, 4, 4, 4, 4, 4, 4, 4 };
  /* coincident points, one point, no points, two points, NaN */
  float rmsd = fl_superpose_kabsch (p, q, NULL, 3, R, t);
  g_assert_cmpfloat (rmsd, <=, 1e-5);
  g_assert_cmpfloat (fabs (det3 (R) - 1.0), <=, 1e-4);
  rmsd = fl_superpose_kabsch (p, q, NULL, 1, R, t);
  g_assert_cmpfloat (rmsd, <=, 1e-5);
  rmsd = fl_superpose_kabsch (p, q, NULL, 0, R, t);
  g_assert_cmpfloat (rmsd, ==, 0.0f);
  float a2[6] = { 0, 0, 0, 3.8f, 0, 0 }, b2[6] = { 1, 1, 1, 1, 1, 4.8f };
  rmsd = fl_superpose_kabsch (a2, b2, NULL, 2, R, t);
  g_assert_cmpfloat (rmsd, <=, 1e-4);
  float an[6] = { NAN, 0, 0, 3.8f, 0, 0 };
  rmsd = fl_superpose_kabsch (an, b2, NULL, 2, R, t);
  g_assert_true (isfinite (rmsd));
  for (int k = 0; k < 9; k++)
    g_assert_true (isfinite (R[k]));

  /* a real structure, moved, superposes back on itself */
  g_autoptr (FlStructure) s = read_structure ("1UBQ.pdb", NULL);
  if (!s)
    return;
  float Rt[9], tt[3] = { 30, -20, 10 };
  random_rotation (5, Rt);
  float *moved = g_memdup2 (s->atom37, (gsize) s->L * 111 * sizeof (float));
  fl_superpose_apply (Rt, tt, moved, s->L * 37);
  rmsd = fl_superpose_atom37 (moved, s->atom37_mask, s->atom37, s->atom37_mask, s->L, moved, NULL,
                              NULL);
  g_assert_cmpfloat (rmsd, <=, 1e-3);
  double max_err = 0.0;
  for (int i = 0; i < s->L * 37; i++)
    if (s->atom37_mask[i] > 0)
      for (int c = 0; c < 3; c++)
        max_err = MAX (max_err, fabs (moved[3 * i + c] - s->atom37[3 * i + c]));
  g_assert_cmpfloat (max_err, <=, 2e-3);
  g_free (moved);
}

/* ------------------------------------------------------------- secondary */

typedef struct {
  char chain;
  int num;
  char icode;
  char aa, ss;
} DsspRow;

static GArray *
read_dssp (const char *name)
{
  g_autofree char *file = g_strconcat (name, ".txt", NULL);
  g_autofree char *path = g_build_filename (FL_SOURCE_DIR, "tests", "data", "dssp", file, NULL);
  g_autofree char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  GArray *rows = g_array_new (FALSE, FALSE, sizeof (DsspRow));
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (int i = 0; lines[i]; i++)
    {
      if (lines[i][0] == '#' || lines[i][0] == '\0')
        continue;
      DsspRow r;
      char ic, ss;
      if (sscanf (lines[i], "%c %d %c %c %c", &r.chain, &r.num, &ic, &r.aa, &ss) != 5)
        continue;
      r.icode = ic == '.' ? ' ' : ic;
      r.ss = ss == '-' ? ' ' : ss;
      g_array_append_val (rows, r);
    }
  return rows;
}

static void
test_secondary_dssp (void)
{
  if (!fl_test_require_data_dir ())
    return;
  long total = 0, agree = 0, total_exact = 0;
  int n_files = 0;
  for (guint f = 0; f < G_N_ELEMENTS (structures); f++)
    {
      g_autofree char *name = g_strndup (structures[f], strrchr (structures[f], '.') - structures[f]);
      GArray *rows = read_dssp (name);
      if (!rows)
        {
          g_test_message ("%-24s no DSSP reference (mkdssp could not read it)", name);
          continue;
        }
      /* all chains DSSP saw, concatenated (inter-chain sheets count) */
      char chains[16] = "";
      for (guint r = 0; r < rows->len; r++)
        {
          char c = g_array_index (rows, DsspRow, r).chain;
          if (!strchr (chains, c) && strlen (chains) < 15)
            strncat (chains, &c, 1);
        }
      int L = 0;
      FlStructure *parts[16];
      int n_parts = (int) strlen (chains);
      for (int p = 0; p < n_parts; p++)
        {
          char id[2] = { chains[p], 0 };
          parts[p] = read_structure (structures[f], id);
          L += parts[p]->L;
        }
      float *x = g_new (float, (gsize) L * 111), *m = g_new (float, (gsize) L * 37);
      int32_t *aat = g_new (int32_t, L);
      char *dssp = g_new (char, L);
      int off = 0;
      for (int p = 0; p < n_parts; p++)
        {
          memcpy (x + (gsize) off * 111, parts[p]->atom37, (gsize) parts[p]->L * 111 * sizeof (float));
          memcpy (m + (gsize) off * 37, parts[p]->atom37_mask, (gsize) parts[p]->L * 37 * sizeof (float));
          memcpy (aat + off, parts[p]->aatype, (gsize) parts[p]->L * sizeof (int32_t));
          off += parts[p]->L;
        }
      fl_secondary_assign_dssp (x, m, aat, L, dssp);
      long n = 0, ok = 0, unmatched = 0, exact = 0;
      GString *mine = g_string_new (NULL), *ref = g_string_new (NULL);
      for (guint r = 0; r < rows->len; r++)
        {
          const DsspRow *row = &g_array_index (rows, DsspRow, r);
          int found = -1;
          off = 0;
          for (int p = 0; p < n_parts && found < 0; p++)
            {
              if (parts[p]->chain_id[0] == row->chain)
                for (int i = 0; i < parts[p]->L; i++)
                  if (parts[p]->residue_number[i] == row->num
                      && parts[p]->insertion_code[i] == row->icode)
                    {
                      found = off + i;
                      break;
                    }
              off += parts[p]->L;
            }
          if (found < 0)
            {
              unmatched++;
              continue;
            }
          n++;
          /* exact DSSP code, with bends S and polyproline P (not computed) as blank */
          char want = (row->ss == 'S' || row->ss == 'P') ? ' ' : row->ss;
          exact += dssp[found] == want;
          FlSecondary a = fl_secondary_from_dssp (dssp[found]), b = fl_secondary_from_dssp (row->ss);
          ok += a == b;
          g_string_append_c (mine, "-HE"[a]);
          g_string_append_c (ref, "-HE"[b]);
        }
      g_test_message ("%-24s %4ld residues, agreement %.1f%% (%ld unmatched; same DSSP code "
                      "H/G/I/E/B/T: %.1f%%)", name, n, n ? 100.0 * ok / n : 0.0, unmatched,
                      n ? 100.0 * exact / n : 0.0);
      total_exact += exact;
      g_test_message ("  dssp %s", ref->str);
      g_test_message ("  ours %s", mine->str);
      g_assert_cmpint (unmatched, <=, rows->len / 20);
      total += n;
      agree += ok;
      n_files++;
      g_string_free (mine, TRUE);
      g_string_free (ref, TRUE);
      for (int p = 0; p < n_parts; p++)
        fl_structure_free (parts[p]);
      g_free (x);
      g_free (m);
      g_free (aat);
      g_free (dssp);
      g_array_unref (rows);
    }
  double pct = total ? 100.0 * agree / total : 0.0;
  g_test_message ("overall: %ld residues in %d structures, agreement with DSSP %.2f%% "
                  "(helix/strand/coil; same DSSP code: %.2f%%)", total, n_files, pct,
                  total ? 100.0 * total_exact / total : 0.0);
  g_assert_cmpint (n_files, >=, 10);
  g_assert_cmpfloat (pct, >=, 90.0);
}

/* --------------------------------------------------------------- cartoon */

/* Checks every invariant of a cartoon and its vertex/index counts. */
static void
check_cartoon (const FlCartoon *ct, const float *atom37, const float *mask, int L,
               const FlCartoonParams *p)
{
  int K = p->profile_points, S = p->samples_per_residue;
  /* guide points: residues with a finite CA */
  int n = 0;
  int *guide = g_new (int, MAX (L, 1));
  for (int i = 0; i < L; i++)
    {
      const float *ca = atom37 + ((gsize) i * 37 + 1) * 3;
      if ((!mask || mask[i * 37 + 1] > 0) && isfinite (ca[0]) && isfinite (ca[1]) && isfinite (ca[2]))
        guide[n++] = i;
    }
  if (n == 0)
    {
      g_assert_cmpint (ct->n_vertices, ==, 0);
      g_assert_cmpint (ct->n_indices, ==, 0);
      g_free (guide);
      return;
    }
  int m = n == 1 ? S + 1 : (n - 1) * S + 1;
  int flanges = 0, arrows = 0;
  for (int g = 0; g < n; g++)
    if (ct->ss[guide[g]] == FL_SS_STRAND && (g + 1 == n || ct->ss[guide[g + 1]] != FL_SS_STRAND))
      {
        arrows++;
        flanges += g > 0;
      }
  if (n == 1)
    flanges = 0;
  g_assert_cmpint (ct->n_arrowheads, ==, arrows);
  g_assert_cmpint (ct->n_vertices, ==, K * (m + 3 * flanges) + 2 * (K + 1));
  g_assert_cmpint (ct->n_indices, ==, 6 * K * (m - 1) + 6 * K * flanges + 6 * K);
  for (int v = 0; v < ct->n_vertices; v++)
    {
      const float *x = ct->vertices + (gsize) v * FL_CARTOON_VERTEX_FLOATS;
      for (int c = 0; c < 7; c++)
        g_assert_true (isfinite (x[c]));
      assert_unit (x + 3, 1e-3);
      g_assert_cmpfloat (x[6], >=, 0.0f);
      g_assert_cmpfloat (x[6], <, (float) L);
      g_assert_cmpfloat (x[6], ==, floorf (x[6]));
    }
  for (int i = 0; i < ct->n_indices; i++)
    g_assert_cmpuint (ct->indices[i], <, (guint) ct->n_vertices);
  g_free (guide);
}

/* Fraction of non-degenerate triangles whose winding (counter-clockwise seen
 * from outside) agrees with their vertex normals. */
static double
winding_agreement (const FlCartoon *ct)
{
  long good = 0, n = 0;
  for (int t = 0; t + 2 < ct->n_indices; t += 3)
    {
      const float *a = ct->vertices + (gsize) ct->indices[t] * 7;
      const float *b = ct->vertices + (gsize) ct->indices[t + 1] * 7;
      const float *c = ct->vertices + (gsize) ct->indices[t + 2] * 7;
      double e1[3], e2[3], f[3], nsum = 0.0;
      for (int k = 0; k < 3; k++)
        {
          e1[k] = b[k] - a[k];
          e2[k] = c[k] - a[k];
        }
      f[0] = e1[1] * e2[2] - e1[2] * e2[1];
      f[1] = e1[2] * e2[0] - e1[0] * e2[2];
      f[2] = e1[0] * e2[1] - e1[1] * e2[0];
      double fl = sqrt (f[0] * f[0] + f[1] * f[1] + f[2] * f[2]);
      if (fl < 1e-6)
        continue;
      for (int k = 0; k < 3; k++)
        nsum += f[k] * (a[3 + k] + b[3 + k] + c[3 + k]);
      n++;
      good += nsum > 0.0;
    }
  return n ? (double) good / n : 1.0;
}

static void
test_cartoon_real (void)
{
  if (!fl_test_require_data_dir ())
    return;
  FlCartoonParams p;
  fl_cartoon_params_init (&p);
  for (guint f = 0; f < G_N_ELEMENTS (structures); f++)
    {
      g_autoptr (FlStructure) s = read_structure (structures[f], NULL);
      g_autoptr (FlCartoon) ct = fl_cartoon_new (s->atom37, s->atom37_mask, s->aatype, s->L, NULL, &p);
      check_cartoon (ct, s->atom37, s->atom37_mask, s->L, &p);
      int nh = 0, ne = 0;
      for (int i = 0; i < s->L; i++)
        {
          nh += ct->ss[i] == FL_SS_HELIX;
          ne += ct->ss[i] == FL_SS_STRAND;
        }
      double wind = winding_agreement (ct);
      g_test_message ("%-24s L %3d: %6d vertices, %7d indices, %d helix, %d strand, %d arrows; "
                      "winding agrees with normals for %.2f%% of triangles", structures[f], s->L,
                      ct->n_vertices, ct->n_indices, nh, ne, ct->n_arrowheads, 100.0 * wind);
      g_assert_cmpfloat (wind, >=, 0.99);
      /* another parameter set */
      FlCartoonParams q = p;
      q.samples_per_residue = 3;
      q.profile_points = 5;
      q.spline = FL_SPLINE_B_SPLINE;
      g_autoptr (FlCartoon) c2 = fl_cartoon_new (s->atom37, s->atom37_mask, s->aatype, s->L, NULL, &q);
      check_cartoon (c2, s->atom37, s->atom37_mask, s->L, &q);
    }
}

/* fl_cartoon_update on a reused object gives what fl_cartoon_new gives. */
static void
test_cartoon_update (void)
{
  g_autoptr (FlStructure) a = read_structure ("1O1Z.cif", NULL);
  g_autoptr (FlStructure) b = read_structure ("1UBQ.pdb", NULL);
  if (!a || !b)
    return;   /* read_structure said why */
  g_autoptr (FlCartoon) ct = fl_cartoon_new (a->atom37, a->atom37_mask, a->aatype, a->L, NULL, NULL);
  const FlStructure *seq[3] = { b, a, b };
  for (int k = 0; k < 3; k++)
    {
      const FlStructure *s = seq[k];
      fl_cartoon_update (ct, s->atom37, s->atom37_mask, s->aatype, s->L, NULL, NULL);
      g_autoptr (FlCartoon) fresh = fl_cartoon_new (s->atom37, s->atom37_mask, s->aatype, s->L, NULL,
                                                    NULL);
      g_assert_cmpint (ct->L, ==, s->L);
      g_assert_cmpint (ct->n_vertices, ==, fresh->n_vertices);
      g_assert_cmpint (ct->n_indices, ==, fresh->n_indices);
      g_assert_cmpmem (ct->vertices, ct->n_vertices * 7 * sizeof (float), fresh->vertices,
                       fresh->n_vertices * 7 * sizeof (float));
      g_assert_cmpmem (ct->indices, ct->n_indices * sizeof (uint32_t), fresh->indices,
                       fresh->n_indices * sizeof (uint32_t));
      g_assert_cmpmem (ct->ss, s->L, fresh->ss, s->L);
    }
  /* and down to nothing */
  fl_cartoon_update (ct, NULL, NULL, NULL, 0, NULL, NULL);
  g_assert_cmpint (ct->n_vertices, ==, 0);
  g_assert_cmpint (ct->n_indices, ==, 0);
}

static void
test_cartoon_given_ss (void)
{
  /* strands at the very start, a one-residue strand, strand at the end */
  g_autoptr (FlStructure) s = read_structure ("1UBQ.pdb", NULL);
  if (!s)
    return;   /* read_structure said why */
  uint8_t *ss = g_new0 (uint8_t, s->L);
  for (int i = 0; i < s->L; i++)
    ss[i] = (i < 1 || (i > 10 && i < 12) || i > s->L - 4) ? FL_SS_STRAND
            : (i > 20 && i < 30) ? FL_SS_HELIX : FL_SS_COIL;
  FlCartoonParams p;
  fl_cartoon_params_init (&p);
  g_autoptr (FlCartoon) ct = fl_cartoon_new (s->atom37, s->atom37_mask, NULL, s->L, ss, &p);
  check_cartoon (ct, s->atom37, s->atom37_mask, s->L, &p);
  g_assert_cmpint (ct->n_arrowheads, ==, 3);
  g_assert_cmpmem (ct->ss, s->L, ss, s->L);
  g_free (ss);
}

static void
test_cartoon_degenerate (void)
{
  FlCartoonParams p;
  fl_cartoon_params_init (&p);
  const int L = 40;
  float *x = g_new (float, L * 111), *m = g_new (float, L * 37);
  for (int i = 0; i < L * 37; i++)
    m[i] = 1.0f;
  int32_t aat[40] = { 0 };

  /* L = 0, 1, 2 at one point; all atoms of 40 residues at one point */
  for (int i = 0; i < L * 111; i++)
    x[i] = 1.5f;
  for (int l = 0; l <= 2; l++)
    {
      g_autoptr (FlCartoon) ct = fl_cartoon_new (x, m, aat, l, NULL, &p);
      check_cartoon (ct, x, m, l, &p);
      g_assert_cmpint (ct->n_vertices > 0, ==, l > 0);
    }
  g_autoptr (FlCartoon) same = fl_cartoon_new (x, m, aat, L, NULL, &p);
  check_cartoon (same, x, m, L, &p);
  /* the structure module's first frames: every residue's backbone at the
   * origin with the same orientation; a collapsed frame is no helix */
  static const float bb4[4][3] = { { -0.525f, 1.363f, 0.0f }, { 0, 0, 0 }, { 1.526f, 0, 0 },
                                   { 0, 0, 0 } /* O, set below */ };
  for (int i = 0; i < L; i++)
    for (int a = 0; a < 37; a++)
      for (int c = 0; c < 3; c++)
        x[(i * 37 + a) * 3 + c] = a < 3 ? bb4[a][c] : a == 4 ? (c == 0 ? 2.153f : c == 1 ? -1.062f : 0.0f)
                                                              : 0.5f * c;
  g_autoptr (FlCartoon) collapsed = fl_cartoon_new (x, m, aat, L, NULL, &p);
  check_cartoon (collapsed, x, m, L, &p);
  for (int i = 0; i < L; i++)
    g_assert_cmpint (collapsed->ss[i], ==, FL_SS_COIL);

  /* L = 2 at a normal distance; L = 1 normal */
  for (int i = 0; i < 2 * 111; i++)
    x[i] = (float) (i % 7) * 0.5f + (i >= 111 ? 3.8f : 0.0f);
  for (int l = 1; l <= 2; l++)
    {
      g_autoptr (FlCartoon) ct = fl_cartoon_new (x, m, aat, l, NULL, &p);
      check_cartoon (ct, x, m, l, &p);
    }

  /* random "untrained" chains: CA-CA far from 3.8 Å, random atoms missing, NaN, huge */
  for (int trial = 0; trial < 6; trial++)
    {
      fl_test_fill_random (x, L * 111, 300 + trial);
      float scale = trial == 5 ? 1e6f : (trial < 2 ? 0.01f : 15.0f);
      for (int i = 0; i < L * 111; i++)
        x[i] *= scale;
      GRand *r = g_rand_new_with_seed (400 + trial);
      for (int i = 0; i < L * 37; i++)
        m[i] = g_rand_double (r) < (trial >= 3 ? 0.3 : 0.0) ? 0.0f : 1.0f;
      if (trial == 4)
        for (int i = 0; i < L * 111; i += 13)
          x[i] = NAN;
      g_rand_free (r);
      uint8_t ss[40];
      for (int i = 0; i < L; i++)
        ss[i] = (uint8_t) ((i / 5) % 3);
      for (int given = 0; given < 2; given++)
        {
          g_autoptr (FlCartoon) ct = fl_cartoon_new (x, m, aat, L, given ? ss : NULL, &p);
          check_cartoon (ct, x, m, L, &p);
        }
    }
  /* NULL mask, bad parameters are clamped */
  FlCartoonParams bad = p;
  bad.samples_per_residue = 0;
  bad.profile_points = 1000;
  bad.coil_radius = NAN;
  bad.arrow_width = -5.0f;
  g_autoptr (FlCartoon) c3 = fl_cartoon_new (x, NULL, NULL, L, NULL, &bad);
  g_assert_cmpint (c3->n_indices % 3, ==, 0);
  for (int v = 0; v < c3->n_vertices * 7; v++)
    g_assert_true (isfinite (c3->vertices[v]));
  g_free (x);
  g_free (m);
}

/* The backbone frames: unit tangents and sides, ⊥, sides continuous. */
static void
test_backbone_frames (void)
{
  g_autoptr (FlStructure) s = read_structure ("1O1Z.cif", NULL);
  if (!s)
    return;   /* read_structure said why */
  g_autoptr (FlBackbone) bb = fl_backbone_new (s->atom37, s->atom37_mask, s->L);
  g_assert_cmpint (bb->n, ==, s->L);
  for (int k = 0; k < bb->n; k++)
    {
      assert_unit (bb->tangent + 3 * k, 1e-4);
      assert_unit (bb->side + 3 * k, 1e-4);
      g_assert_cmpfloat (fabs (dot3 (bb->tangent + 3 * k, bb->side + 3 * k)), <=, 1e-4);
      if (k > 0)
        g_assert_cmpfloat (dot3 (bb->side + 3 * k, bb->side + 3 * (k - 1)), >=, 0.0);
      g_assert_cmpint (bb->residue[k], ==, k);
    }
}

/* ----------------------------------------------------------------- sticks */

static void
test_sticks (void)
{
  /* every heavy side-chain atom of every type is bonded; known counts */
  g_assert_cmpint (fl_sticks_n_side_chain_bonds (0), ==, 1);                         /* ALA */
  g_assert_cmpint (fl_sticks_n_side_chain_bonds (7), ==, 0);                         /* GLY */
  g_assert_cmpint (fl_sticks_n_side_chain_bonds (fl_restype_from_3 ("TRP")), ==, 12);
  g_assert_cmpint (fl_sticks_n_side_chain_bonds (fl_restype_from_3 ("PRO")), ==, 4); /* ring closes on N */
  for (int t = 0; t < 20; t++)
    {
      /* side-chain atoms (not N, CA, C, O) of the type: bonds = atoms for acyclic chains */
      int n_atoms = 0;
      for (int a = 0; a < 37; a++)
        n_atoms += fl_atom37_exists (t, a) && a != FL_ATOM37_N && a != FL_ATOM37_CA
                   && a != FL_ATOM37_C && a != FL_ATOM37_O;
      int rings = (t == fl_restype_from_3 ("PHE") || t == fl_restype_from_3 ("TYR")
                   || t == fl_restype_from_3 ("HIS") || t == fl_restype_from_3 ("PRO")) ? 1
                  : t == fl_restype_from_3 ("TRP") ? 2 : 0;
      g_assert_cmpint (fl_sticks_n_side_chain_bonds (t), ==, n_atoms + rings);
    }
  g_autoptr (FlStructure) s = read_structure ("1AKI.cif", NULL);
  if (!s)
    return;
  g_autoptr (FlSticks) st = fl_sticks_new (s->atom37, s->atom37_mask, s->aatype, s->L, TRUE, 0.2f, 6);
  g_assert_cmpint (st->n_vertices, ==, st->n_bonds * 12);
  g_assert_cmpint (st->n_indices, ==, st->n_bonds * 36);
  double lmin = 1e9, lmax = 0;
  for (int b = 0; b < st->n_bonds; b++)
    {
      const float *p = st->bonds + 6 * b;
      double l = sqrt ((p[3] - p[0]) * (p[3] - p[0]) + (p[4] - p[1]) * (p[4] - p[1])
                       + (p[5] - p[2]) * (p[5] - p[2]));
      lmin = MIN (lmin, l);
      lmax = MAX (lmax, l);
    }
  g_test_message ("1AKI sticks: %d bonds, lengths %.2f..%.2f Å", st->n_bonds, lmin, lmax);
  g_assert_cmpfloat (lmin, >=, 1.1);   /* every table entry is a real bond */
  g_assert_cmpfloat (lmax, <=, 1.9);
  for (int v = 0; v < st->n_vertices; v++)
    {
      for (int c = 0; c < 7; c++)
        g_assert_true (isfinite (st->vertices[v * 7 + c]));
      assert_unit (st->vertices + v * 7 + 3, 1e-4);
    }
  for (int i = 0; i < st->n_indices; i++)
    g_assert_cmpuint (st->indices[i], <, (guint) st->n_vertices);
  /* degenerate: all atoms at one point, NaN, no aatype */
  float *x = g_new (float, s->L * 111);
  for (int i = 0; i < s->L * 111; i++)
    x[i] = i % 5 == 0 ? NAN : 1.0f;
  g_autoptr (FlSticks) d = fl_sticks_new (x, NULL, s->aatype, s->L, TRUE, -1, 0);
  for (int v = 0; v < d->n_vertices * 7; v++)
    g_assert_true (isfinite (d->vertices[v]));
  g_autoptr (FlSticks) e = fl_sticks_new (x, NULL, NULL, s->L, FALSE, 0.2f, 6);
  g_assert_cmpint (e->n_bonds, ==, 0);
  g_free (x);
}

/* ---------------------------------------------------------------- colours */

static void
test_colors (void)
{
  float rgb[3];
  fl_color_plddt_band (95.0f, rgb);
  g_assert_cmpfloat (fabs (rgb[0] - 0x00 / 255.0), <, 1e-6);
  g_assert_cmpfloat (fabs (rgb[1] - 0x53 / 255.0), <, 1e-6);
  g_assert_cmpfloat (fabs (rgb[2] - 0xD6 / 255.0), <, 1e-6);
  static const struct { float p; int band; } cases[] = {
    { 100, 0 }, { 90.01f, 0 }, { 90, 1 }, { 70.5f, 1 }, { 70, 2 }, { 50.01f, 2 }, { 50, 3 }, { 0, 3 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (fl_color_plddt_band_index (cases[i].p), ==, cases[i].band);
  g_assert_cmpint (fl_color_plddt_band_index (NAN), ==, -1);
  g_assert_cmpstr (fl_color_plddt_band_hex (2), ==, "#FFDB13");
  g_assert_cmpstr (fl_color_plddt_band_hex (3), ==, "#FF7D45");
  /* continuous: endpoints are band colours, red falls monotonically from 60 up */
  float lo[3], hi[3], band_lo[3], band_hi[3];
  fl_color_plddt_continuous (10, lo);
  fl_color_plddt_continuous (99, hi);
  fl_color_plddt_band (10, band_lo);
  fl_color_plddt_band (99, band_hi);
  g_assert_cmpmem (lo, sizeof lo, band_lo, sizeof band_lo);
  g_assert_cmpmem (hi, sizeof hi, band_hi, sizeof band_hi);
  float prev = 2;
  for (float q = 60; q <= 95; q += 0.5f)
    {
      fl_color_plddt_continuous (q, rgb);
      g_assert_cmpfloat (rgb[0], <=, prev + 1e-6);
      prev = rgb[0];
    }
  float plddt[4] = { 95, 80, 60, NAN }, rgba[16];
  fl_colors_fill (FL_COLOR_PLDDT_BANDS, plddt, NULL, 4, rgba);
  for (int i = 0; i < 16; i++)
    g_assert_true (isfinite (rgba[i]) && rgba[i] >= 0 && rgba[i] <= 1);
  g_assert_cmpfloat (rgba[3], ==, 1.0f);
  g_assert_cmpfloat (fabs (rgba[4] - 0x65 / 255.0), <, 1e-6);
  for (int scheme = 0; scheme <= FL_COLOR_RAINBOW; scheme++)
    {
      fl_colors_fill (scheme, NULL, NULL, 4, rgba);
      for (int i = 0; i < 16; i++)
        g_assert_true (isfinite (rgba[i]) && rgba[i] >= 0 && rgba[i] <= 1);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/spline/through-points", test_spline_through_points);
  g_test_add_func ("/render/spline/degenerate", test_spline_degenerate);
  g_test_add_func ("/render/superpose/known-transform", test_superpose_known);
  g_test_add_func ("/render/superpose/degenerate", test_superpose_degenerate);
  g_test_add_func ("/render/backbone/frames", test_backbone_frames);
  g_test_add_func ("/render/secondary/dssp-agreement", test_secondary_dssp);
  g_test_add_func ("/render/cartoon/real", test_cartoon_real);
  g_test_add_func ("/render/cartoon/given-ss", test_cartoon_given_ss);
  g_test_add_func ("/render/cartoon/update", test_cartoon_update);
  g_test_add_func ("/render/cartoon/degenerate", test_cartoon_degenerate);
  g_test_add_func ("/render/sticks", test_sticks);
  g_test_add_func ("/render/colors", test_colors);
  return g_test_run ();
}
