/* foldlight-cli bench-cartoon: time the cartoon rebuild of one frame
 * (frames -> secondary structure -> spline -> extrusion) on one CPU core, as
 * the 3D view does for every new frame. A benchmark, not a test: prints
 * numbers. The chain is a real structure (default 1O1Z, a 226-residue TIM
 * barrel with helices and strands) repeated side by side up to --residues,
 * or with --synthetic an ideal helix/strand/loop chain built from internal
 * coordinates. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "fl-build-config.h"
#include "fl-cartoon.h"
#include "fl-cli.h"
#include "fl-colors.h"
#include "fl-residue-constants.h"
#include "fl-secondary.h"
#include "fl-structure-io.h"
#include "fl-superpose.h"

int fl_cli_bench_cartoon_main (int argc, char **argv);

/* CPU time of this thread, ms (robust to other processes on a shared machine). */
static double
thread_cpu_ms (void)
{
  struct timespec ts;
  if (clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
    return 0.0;
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Place atom d from a, b, c: |cd| = bond, angle bcd = theta, dihedral abcd = chi (radians). */
static void
place (const double *a, const double *b, const double *c, double bond, double theta, double chi,
       double *d)
{
  double bc[3], n[3], ab[3], m[3];
  for (int k = 0; k < 3; k++)
    {
      bc[k] = c[k] - b[k];
      ab[k] = b[k] - a[k];
    }
  double l = sqrt (bc[0] * bc[0] + bc[1] * bc[1] + bc[2] * bc[2]);
  for (int k = 0; k < 3; k++)
    bc[k] /= l;
  n[0] = ab[1] * bc[2] - ab[2] * bc[1];
  n[1] = ab[2] * bc[0] - ab[0] * bc[2];
  n[2] = ab[0] * bc[1] - ab[1] * bc[0];
  l = sqrt (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
  for (int k = 0; k < 3; k++)
    n[k] /= l;
  m[0] = n[1] * bc[2] - n[2] * bc[1];
  m[1] = n[2] * bc[0] - n[0] * bc[2];
  m[2] = n[0] * bc[1] - n[1] * bc[0];
  double x = -bond * cos (theta), y = bond * sin (theta) * cos (chi), z = bond * sin (theta) * sin (chi);
  for (int k = 0; k < 3; k++)
    d[k] = c[k] + x * bc[k] + y * m[k] + z * n[k];
}

/* Backbone (N, CA, C, O) of L alanines: 14-residue helices, 7-residue
 * extended stretches and 4-residue loops in turn. */
static void
synthetic_chain (int L, float *atom37, float *mask, int32_t *aatype)
{
  const double deg = G_PI / 180.0;
  double N[3] = { 0, 0, 0 }, CA[3] = { 1.458, 0, 0 }, C[3], O[3];
  double prevN[3] = { -1, 1, 0 };
  place (prevN, N, CA, 1.525, 111.0 * deg, -60 * deg, C);
  memset (mask, 0, (gsize) L * 37 * sizeof (float));
  for (int i = 0; i < L; i++)
    {
      int k = i % 25;
      double phi = k < 14 ? -57 : k < 21 ? -120 : -80;
      double psi = k < 14 ? -47 : k < 21 ? 130 : 80;
      if (i > 0)
        {
          double nN[3], nCA[3], nC[3];
          place (N, CA, C, 1.329, 116.2 * deg, psi * deg, nN);
          place (CA, C, nN, 1.458, 121.7 * deg, 180 * deg, nCA);
          place (C, nN, nCA, 1.525, 111.0 * deg, phi * deg, nC);
          memcpy (N, nN, sizeof N);
          memcpy (CA, nCA, sizeof CA);
          memcpy (C, nC, sizeof C);
        }
      /* O in the peptide plane, trans to the next N */
      double nextN[3];
      place (N, CA, C, 1.329, 116.2 * deg, psi * deg, nextN);
      place (nextN, CA, C, 1.231, 120.5 * deg, 180 * deg, O);
      const double *at[4] = { N, CA, C, O };
      const int idx[4] = { FL_ATOM37_N, FL_ATOM37_CA, FL_ATOM37_C, FL_ATOM37_O };
      for (int a = 0; a < 4; a++)
        {
          for (int c = 0; c < 3; c++)
            atom37[((gsize) i * 37 + idx[a]) * 3 + c] = (float) at[a][c];
          mask[(gsize) i * 37 + idx[a]] = 1.0f;
        }
      aatype[i] = 0;
    }
}

int
fl_cli_bench_cartoon_main (int argc, char **argv)
{
  g_autofree char *structure = NULL;
  int residues = 1000, repeats = 200, samples = 0, profile = 0;
  gboolean synthetic = FALSE;
  GOptionEntry entries[] = {
    { "structure", 0, 0, G_OPTION_ARG_FILENAME, &structure, "PDB/mmCIF to repeat (default: shared data 1O1Z)", "FILE" },
    { "synthetic", 0, 0, G_OPTION_ARG_NONE, &synthetic, "Use an ideal helix/strand/loop chain instead", NULL },
    { "residues", 0, 0, G_OPTION_ARG_INT, &residues, "Chain length (default 1000)", "N" },
    { "repeats", 0, 0, G_OPTION_ARG_INT, &repeats, "Rebuilds to time (default 200)", "R" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &samples, "Spline samples per residue (default: the cartoon's)", "S" },
    { "profile", 0, 0, G_OPTION_ARG_INT, &profile, "Vertices around the cross-section (default: the cartoon's)", "K" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- time the cartoon rebuild of one frame");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fl_cli_usage_error (ctx, error->message);
  if (argc > 1)
    return fl_cli_usage_error (ctx, "unexpected argument");
  if (residues < 1 || residues > 100000 || repeats < 1 || repeats > 100000)
    return fl_cli_usage_error (ctx, "--residues must be 1..100000 and --repeats 1..100000");

  const int L = residues;
  float *x = g_new0 (float, (gsize) L * 111), *mask = g_new0 (float, (gsize) L * 37);
  int32_t *aatype = g_new0 (int32_t, L);
  g_autofree char *what = NULL;
  if (!synthetic)
    {
      if (!structure)
        structure = g_build_filename (FL_SOURCE_DIR, "..", "shared", "data", "structures", "1O1Z.cif",
                                      NULL);
      g_autoptr (FlStructure) s = fl_structure_read (structure, NULL, &error);
      if (!s)
        {
          g_free (x);
          g_free (mask);
          g_free (aatype);
          return fl_cli_fail (g_steal_pointer (&error));
        }
      /* copies side by side, 60 Å apart along x */
      for (int i = 0; i < L; i++)
        {
          int copy = i / s->L, r = i % s->L;
          memcpy (x + (gsize) i * 111, s->atom37 + (gsize) r * 111, 111 * sizeof (float));
          for (int a = 0; a < 37; a++)
            x[((gsize) i * 37 + a) * 3] += 60.0f * copy;
          memcpy (mask + (gsize) i * 37, s->atom37_mask + (gsize) r * 37, 37 * sizeof (float));
          aatype[i] = s->aatype[r];
        }
      g_autofree char *base = g_path_get_basename (structure);
      what = g_strdup_printf ("%s (%d residues) repeated", base, s->L);
    }
  else
    {
      synthetic_chain (L, x, mask, aatype);
      what = g_strdup ("synthetic helix/strand/loop chain");
    }

  FlCartoonParams p;
  fl_cartoon_params_init (&p);
  if (samples > 0)
    p.samples_per_residue = samples;
  if (profile > 0)
    p.profile_points = profile;

  /* warm up, then time */
  for (int w = 0; w < 3; w++)
    fl_cartoon_free (fl_cartoon_new (x, mask, aatype, L, NULL, &p));
  double sum[5] = { 0 }, best = 1e30;
  double *wall = g_new (double, repeats);
  int nh = 0, ne = 0, nv = 0, ni = 0;
  /* as the view does: one cartoon object updated for every new frame */
  FlCartoon *ct = fl_cartoon_new (x, mask, aatype, L, NULL, &p);
  double cpu0 = thread_cpu_ms ();
  for (int r = 0; r < repeats; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      fl_cartoon_update (ct, x, mask, aatype, L, NULL, &p);
      double total = (g_get_monotonic_time () - t0) / 1000.0;
      wall[r] = total;
      sum[0] += total;
      sum[1] += ct->ms_backbone;
      sum[2] += ct->ms_secondary;
      sum[3] += ct->ms_spline;
      sum[4] += ct->ms_extrude;
      best = MIN (best, total);
      if (r == 0)
        {
          for (int i = 0; i < L; i++)
            {
              nh += ct->ss[i] == FL_SS_HELIX;
              ne += ct->ss[i] == FL_SS_STRAND;
            }
          nv = ct->n_vertices;
          ni = ct->n_indices;
        }
    }
  fl_cartoon_free (ct);
  double cpu_ms = (thread_cpu_ms () - cpu0) / repeats;
  qsort (wall, repeats, sizeof (double), cmp_double);
  double median = wall[repeats / 2];
  /* and a fresh object every time (allocation included) */
  for (int r = 0; r < repeats; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      fl_cartoon_free (fl_cartoon_new (x, mask, aatype, L, NULL, &p));
      wall[r] = (g_get_monotonic_time () - t0) / 1000.0;
    }
  qsort (wall, repeats, sizeof (double), cmp_double);
  double median_new = wall[repeats / 2];
  g_free (wall);
  /* the other per-frame work of the view: superposition and the colour table */
  float *moved = g_memdup2 (x, (gsize) L * 111 * sizeof (float));
  float *plddt = g_new (float, L), *rgba = g_new (float, (gsize) L * 4);
  for (int i = 0; i < L; i++)
    plddt[i] = (float) (i % 100);
  gint64 t0 = g_get_monotonic_time ();
  for (int r = 0; r < repeats; r++)
    {
      fl_superpose_atom37 (x, mask, x, mask, L, moved, NULL, NULL);
      fl_colors_fill (FL_COLOR_PLDDT_BANDS, plddt, NULL, L, rgba);
    }
  double ms_sup = (g_get_monotonic_time () - t0) / 1000.0 / repeats;

  printf ("bench-cartoon: %d residues, %s\n", L, what);
  printf ("  secondary structure: %d helix, %d strand, %d coil residues\n", nh, ne, L - nh - ne);
  printf ("  mesh: %d vertices (%.1f MB), %d triangles; %d samples/residue, %d-point profile\n", nv,
          nv * FL_CARTOON_VERTEX_FLOATS * 4.0 / 1e6, ni / 3, p.samples_per_residue, p.profile_points);
  printf ("  cartoon rebuild on one thread, %d runs: median %.2f ms, mean %.2f ms, best %.2f ms "
          "wall; %.2f ms CPU (target <= 10 ms)\n", repeats, median, sum[0] / repeats, best, cpu_ms);
  printf ("    stages (mean wall): frames+guide points %.2f ms | secondary structure %.2f ms | "
          "spline %.2f ms | extrusion %.2f ms\n", sum[1] / repeats, sum[2] / repeats, sum[3] / repeats,
          sum[4] / repeats);
  printf ("  fl_cartoon_new + free each time instead of fl_cartoon_update: median %.2f ms\n",
          median_new);
  printf ("  superposition (Kabsch on CA, move all atoms) + colour table: %.3f ms\n", ms_sup);
  g_free (moved);
  g_free (plddt);
  g_free (rgba);
  g_free (x);
  g_free (mask);
  g_free (aatype);
  return 0;
}
