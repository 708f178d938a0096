/* DSSP-style secondary structure (see fl-secondary.h). */
#include "fl-secondary.h"
#include "fl-residue-constants.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define N37 37
#define MAX_PEPTIDE_BOND 2.5f
#define MIN_CA_DISTANCE 9.0f
#define MIN_PHYSICAL_CA_DISTANCE 2.0f
#define MAX_HBOND_ENERGY -0.5f
#define MIN_HBOND_ENERGY -9.9f
#define COUPLING 27.888f

typedef float Vec3[3];
typedef int32_t Pair32[2];
typedef float PairF[2];
typedef guint8 Flags6[6];

typedef struct {
  int nk;                 /* residues with a complete backbone */
  int32_t *res;           /* (nk) residue index */
  float (*N)[3], (*CA)[3], (*C)[3], (*O)[3], (*H)[3];
  gboolean *has_h;        /* (nk) amide H exists (not Pro, no break before) */
  gboolean *brk;          /* (nk) chain break between k-1 and k */
  int *brk_count;         /* (nk) prefix count of breaks: brk_count[k] = #breaks in 1..k */
  int32_t (*acc)[2];      /* (nk, 2) best acceptors of donor k (-1 = none) */
  float (*acc_e)[2];      /* (nk, 2) their energies */
} Backbone;

static float
dist (const float *a, const float *b)
{
  float dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return sqrtf (dx * dx + dy * dy + dz * dz);
}

static gboolean
atom_ok (const float *atom37, const float *mask, int i, int a)
{
  if (mask && !(mask[(gsize) i * N37 + a] > 0.0f))
    return FALSE;
  const float *x = atom37 + ((gsize) i * N37 + a) * 3;
  return isfinite (x[0]) && isfinite (x[1]) && isfinite (x[2]);
}

/* no chain break between compact residues a < b (inclusive range) */
static gboolean
no_break (const Backbone *bb, int a, int b)
{
  if (a > b)
    {
      int t = a;
      a = b;
      b = t;
    }
  return bb->brk_count[b] - bb->brk_count[a] == 0;
}

static float
hbond_energy (const Backbone *bb, int d, int a)
{
  if (!bb->has_h[d])
    return 0.0f;
  float dHO = dist (bb->H[d], bb->O[a]);
  float dHC = dist (bb->H[d], bb->C[a]);
  float dNC = dist (bb->N[d], bb->C[a]);
  float dNO = dist (bb->N[d], bb->O[a]);
  float e;
  if (dHO < 0.5f || dHC < 0.5f || dNC < 0.5f || dNO < 0.5f)
    e = MIN_HBOND_ENERGY;
  else
    e = COUPLING * (1.0f / dNO + 1.0f / dHC - 1.0f / dHO - 1.0f / dNC);
  if (!isfinite (e) || e < MIN_HBOND_ENERGY)
    e = MIN_HBOND_ENERGY;
  return e;
}

static void
record_bond (Backbone *bb, int d, int a)
{
  float e = hbond_energy (bb, d, a);
  if (e < bb->acc_e[d][0])
    {
      bb->acc[d][1] = bb->acc[d][0];
      bb->acc_e[d][1] = bb->acc_e[d][0];
      bb->acc[d][0] = a;
      bb->acc_e[d][0] = e;
    }
  else if (e < bb->acc_e[d][1])
    {
      bb->acc[d][1] = a;
      bb->acc_e[d][1] = e;
    }
}

/* NH of donor d bonded to CO of acceptor a (among d's two best bonds) */
static gboolean
test_bond (const Backbone *bb, int d, int a)
{
  if (d < 0 || a < 0 || d >= bb->nk || a >= bb->nk)
    return FALSE;
  return (bb->acc[d][0] == a && bb->acc_e[d][0] < MAX_HBOND_ENERGY)
         || (bb->acc[d][1] == a && bb->acc_e[d][1] < MAX_HBOND_ENERGY);
}

static guint32
cell_hash (int64_t x, int64_t y, int64_t z, guint32 mask)
{
  guint64 h = (guint64) x * 73856093u ^ (guint64) y * 19349663u ^ (guint64) z * 83492791u;
  h ^= h >> 29;
  return (guint32) (h & mask);
}

static int64_t
cell_of (float v)
{
  double c = floor ((double) v / MIN_CA_DISTANCE);
  return (int64_t) CLAMP (c, -1e9, 1e9);
}

/* All pairs k < j with CA within 9 Å, in DSSP's order of energy evaluation. */
static void
compute_hbonds (Backbone *bb)
{
  int nk = bb->nk;
  guint32 size = 64;
  while (size < (guint32) nk * 2)
    size <<= 1;
  guint32 mask = size - 1;
  guint32 *start = g_new0 (guint32, size + 1);
  guint32 *bucket = g_new (guint32, MAX (nk, 1));
  guint32 *order = g_new (guint32, MAX (nk, 1));
  for (int k = 0; k < nk; k++)
    {
      bucket[k] = cell_hash (cell_of (bb->CA[k][0]), cell_of (bb->CA[k][1]),
                             cell_of (bb->CA[k][2]), mask);
      start[bucket[k] + 1]++;
    }
  for (guint32 b = 0; b < size; b++)
    start[b + 1] += start[b];
  guint32 *fill = g_memdup2 (start, sizeof (guint32) * (size + 1));
  for (int k = 0; k < nk; k++)
    order[fill[bucket[k]]++] = k;
  g_free (fill);

  /* per donor k, partners j > k, processed in increasing j for determinism */
  GArray *cand = g_array_new (FALSE, FALSE, sizeof (int));
  for (int k = 0; k < nk; k++)
    {
      g_array_set_size (cand, 0);
      int64_t cx = cell_of (bb->CA[k][0]), cy = cell_of (bb->CA[k][1]), cz = cell_of (bb->CA[k][2]);
      guint32 seen[27];
      int n_seen = 0;
      for (int dx = -1; dx <= 1; dx++)
        for (int dy = -1; dy <= 1; dy++)
          for (int dz = -1; dz <= 1; dz++)
            {
              guint32 b = cell_hash (cx + dx, cy + dy, cz + dz, mask);
              gboolean dup = FALSE;
              for (int s = 0; s < n_seen; s++)
                dup |= seen[s] == b;
              if (dup)
                continue;
              seen[n_seen++] = b;
              for (guint32 q = start[b]; q < start[b + 1]; q++)
                {
                  int j = (int) order[q];
                  /* CAs closer than 2 Å never occur in a real chain: such pairs
                   * (collapsed or untrained frames) would all score -9.9 */
                  float d = j > k ? dist (bb->CA[k], bb->CA[j]) : 0.0f;
                  if (j > k && d < MIN_CA_DISTANCE && d >= MIN_PHYSICAL_CA_DISTANCE)
                    g_array_append_val (cand, j);
                }
            }
      int *c = (int *) cand->data;
      /* insertion sort: candidate lists are short */
      for (guint a = 1; a < cand->len; a++)
        {
          int v = c[a];
          int b = (int) a - 1;
          while (b >= 0 && c[b] > v)
            {
              c[b + 1] = c[b];
              b--;
            }
          c[b + 1] = v;
        }
      for (guint a = 0; a < cand->len; a++)
        {
          int j = c[a];
          record_bond (bb, k, j);
          if (j != k + 1)
            record_bond (bb, j, k);
        }
    }
  g_array_unref (cand);
  g_free (start);
  g_free (bucket);
  g_free (order);
}

static void
backbone_init (Backbone *bb, const float *atom37, const float *mask, const int32_t *aatype, int L)
{
  memset (bb, 0, sizeof *bb);
  int nk = 0;
  for (int i = 0; i < L; i++)
    nk += atom_ok (atom37, mask, i, 0) && atom_ok (atom37, mask, i, 1)
          && atom_ok (atom37, mask, i, 2) && atom_ok (atom37, mask, i, 4);
  bb->nk = nk;
  gsize n1 = MAX (nk, 1);
  bb->res = g_new (int32_t, n1);
  bb->N = g_new (Vec3, n1);
  bb->CA = g_new (Vec3, n1);
  bb->C = g_new (Vec3, n1);
  bb->O = g_new (Vec3, n1);
  bb->H = g_new (Vec3, n1);
  bb->has_h = g_new0 (gboolean, n1);
  bb->brk = g_new0 (gboolean, n1);
  bb->brk_count = g_new0 (int, n1);
  bb->acc = g_new (Pair32, n1);
  bb->acc_e = g_new0 (PairF, n1);
  int k = 0;
  for (int i = 0; i < L; i++)
    {
      if (!(atom_ok (atom37, mask, i, 0) && atom_ok (atom37, mask, i, 1)
            && atom_ok (atom37, mask, i, 2) && atom_ok (atom37, mask, i, 4)))
        continue;
      bb->res[k] = i;
      memcpy (bb->N[k], atom37 + ((gsize) i * N37 + 0) * 3, sizeof (float[3]));
      memcpy (bb->CA[k], atom37 + ((gsize) i * N37 + 1) * 3, sizeof (float[3]));
      memcpy (bb->C[k], atom37 + ((gsize) i * N37 + 2) * 3, sizeof (float[3]));
      memcpy (bb->O[k], atom37 + ((gsize) i * N37 + 4) * 3, sizeof (float[3]));
      bb->acc[k][0] = bb->acc[k][1] = -1;
      k++;
    }
  for (k = 0; k < nk; k++)
    {
      bb->brk[k] = k == 0 || !(dist (bb->C[k - 1], bb->N[k]) <= MAX_PEPTIDE_BOND);
      bb->brk_count[k] = (k > 0 ? bb->brk_count[k - 1] : 0) + (k > 0 && bb->brk[k]);
      gboolean pro = aatype && aatype[bb->res[k]] >= 0 && aatype[bb->res[k]] < FL_N_RESTYPES
                     && fl_restype_1[aatype[bb->res[k]]] == 'P';
      memcpy (bb->H[k], bb->N[k], sizeof (float[3]));
      if (!bb->brk[k] && !pro)
        {
          float d[3];
          for (int c = 0; c < 3; c++)
            d[c] = bb->C[k - 1][c] - bb->O[k - 1][c];
          float l = sqrtf (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
          if (l > 1e-6f)
            {
              for (int c = 0; c < 3; c++)
                bb->H[k][c] += d[c] / l;
              bb->has_h[k] = TRUE;
            }
        }
    }
}

static void
backbone_clear (Backbone *bb)
{
  g_free (bb->res);
  g_free (bb->N);
  g_free (bb->CA);
  g_free (bb->C);
  g_free (bb->O);
  g_free (bb->H);
  g_free (bb->has_h);
  g_free (bb->brk);
  g_free (bb->brk_count);
  g_free (bb->acc);
  g_free (bb->acc_e);
}

typedef enum { BRIDGE_NONE, BRIDGE_PARALLEL, BRIDGE_ANTIPARALLEL } BridgeType;

static BridgeType
test_bridge (const Backbone *bb, int i, int j)
{
  int a = i - 1, b = i, c = i + 1, d = j - 1, e = j, f = j + 1;
  if (a < 0 || c >= bb->nk || d < 0 || f >= bb->nk || !no_break (bb, a, c) || !no_break (bb, d, f))
    return BRIDGE_NONE;
  if ((test_bond (bb, c, e) && test_bond (bb, e, a)) || (test_bond (bb, f, b) && test_bond (bb, b, d)))
    return BRIDGE_PARALLEL;
  if ((test_bond (bb, c, d) && test_bond (bb, f, a)) || (test_bond (bb, e, b) && test_bond (bb, b, e)))
    return BRIDGE_ANTIPARALLEL;
  return BRIDGE_NONE;
}

typedef struct {
  BridgeType type;
  guint32 i_front, i_back, j_front, j_back;   /* residue ranges (compact indices) */
  int count;                                  /* bridges in the ladder */
} Ladder;

static int
cmp_int (const void *a, const void *b)
{
  return *(const int *) a - *(const int *) b;
}

static void
assign_sheets (const Backbone *bb, char *ss)
{
  int nk = bb->nk;
  /* partners: residues bonded to k either way (donor lists + reverse) */
  GArray *ladders = g_array_new (FALSE, FALSE, sizeof (Ladder));
  int *rev_start = g_new0 (int, nk + 1);
  for (int d = 0; d < nk; d++)
    for (int q = 0; q < 2; q++)
      if (bb->acc[d][q] >= 0 && bb->acc_e[d][q] < MAX_HBOND_ENERGY)
        rev_start[bb->acc[d][q] + 1]++;
  for (int k = 0; k < nk; k++)
    rev_start[k + 1] += rev_start[k];
  int *rev = g_new (int, MAX (rev_start[nk], 1));
  int *fill = g_memdup2 (rev_start, sizeof (int) * (nk + 1));
  for (int d = 0; d < nk; d++)
    for (int q = 0; q < 2; q++)
      if (bb->acc[d][q] >= 0 && bb->acc_e[d][q] < MAX_HBOND_ENERGY)
        rev[fill[bb->acc[d][q]]++] = d;
  g_free (fill);

  int cand[64];
  for (int i = 1; i + 4 < nk; i++)
    {
      int nc = 0;
      for (int x = i - 1; x <= i + 1; x++)
        {
          int partners[16], np = 0;
          for (int q = 0; q < 2; q++)
            if (bb->acc[x][q] >= 0 && bb->acc_e[x][q] < MAX_HBOND_ENERGY)
              partners[np++] = bb->acc[x][q];
          for (int r = rev_start[x]; r < rev_start[x + 1] && np < 16; r++)
            partners[np++] = rev[r];
          for (int p = 0; p < np; p++)
            for (int dj = -1; dj <= 1; dj++)
              {
                int j = partners[p] + dj;
                if (j >= i + 3 && j + 1 < nk && nc < 64)
                  cand[nc++] = j;
              }
        }
      qsort (cand, nc, sizeof (int), cmp_int);
      for (int q = 0; q < nc; q++)
        {
          if (q > 0 && cand[q] == cand[q - 1])
            continue;
          int j = cand[q];
          BridgeType type = test_bridge (bb, i, j);
          if (type == BRIDGE_NONE)
            continue;
          gboolean found = FALSE;
          for (guint l = 0; l < ladders->len && !found; l++)
            {
              Ladder *ld = &g_array_index (ladders, Ladder, l);
              if (ld->type != type || (guint32) i != ld->i_back + 1)
                continue;
              if (type == BRIDGE_PARALLEL && ld->j_back + 1 == (guint32) j)
                {
                  ld->i_back = i;
                  ld->j_back = j;
                  ld->count++;
                  found = TRUE;
                }
              else if (type == BRIDGE_ANTIPARALLEL && ld->j_front == (guint32) j + 1)
                {
                  ld->i_back = i;
                  ld->j_front = j;
                  ld->count++;
                  found = TRUE;
                }
            }
          if (!found)
            {
              Ladder ld = { type, i, i, j, j, 1 };
              g_array_append_val (ladders, ld);
            }
        }
    }
  g_free (rev_start);
  g_free (rev);

  /* join ladders over bulges (unsigned differences, as DSSP) */
  for (guint a = 0; a < ladders->len; a++)
    for (guint b = a + 1; b < ladders->len; b++)
      {
        Ladder *la = &g_array_index (ladders, Ladder, a);
        Ladder *lb = &g_array_index (ladders, Ladder, b);
        guint32 ibi = la->i_front, iei = la->i_back, jbi = la->j_front, jei = la->j_back;
        guint32 ibj = lb->i_front, iej = lb->i_back, jbj = lb->j_front, jej = lb->j_back;
        if (la->type != lb->type || !no_break (bb, MIN (ibi, ibj), MAX (iei, iej))
            || !no_break (bb, MIN (jbi, jbj), MAX (jei, jej)) || ibj - iei >= 6
            || (iei >= ibj && ibi <= iej))
          continue;
        gboolean bulge;
        if (la->type == BRIDGE_PARALLEL)
          bulge = (jbj - jei < 6 && ibj - iei < 3) || jbj - jei < 3;
        else
          bulge = (jbi - jej < 6 && ibj - iei < 3) || jbi - jej < 3;
        if (!bulge)
          continue;
        la->i_back = iej;
        if (la->type == BRIDGE_PARALLEL)
          la->j_back = jej;
        else
          la->j_front = jbj;
        la->count += lb->count;
        g_array_remove_index (ladders, b);
        b--;
      }

  for (guint l = 0; l < ladders->len; l++)
    {
      const Ladder *ld = &g_array_index (ladders, Ladder, l);
      char code = ld->count > 1 ? 'E' : 'B';
      for (guint32 k = ld->i_front; k <= ld->i_back && k < (guint32) nk; k++)
        if (ss[k] != 'E')
          ss[k] = code;
      for (guint32 k = ld->j_front; k <= ld->j_back && k < (guint32) nk; k++)
        if (ss[k] != 'E')
          ss[k] = code;
    }
  g_array_unref (ladders);
}

enum { TURN_NONE = 0, TURN_START = 1, TURN_END = 2, TURN_MIDDLE = 4 };

static void
assign_helices (const Backbone *bb, char *ss)
{
  int nk = bb->nk;
  guint8 (*flag)[6] = g_new0 (Flags6, MAX (nk, 1));
  for (int stride = 3; stride <= 5; stride++)
    for (int i = 0; i + stride < nk; i++)
      if (no_break (bb, i, i + stride) && test_bond (bb, i + stride, i))
        {
          flag[i + stride][stride] |= TURN_END;
          for (int j = i + 1; j < i + stride; j++)
            if (flag[j][stride] == TURN_NONE)
              flag[j][stride] = TURN_MIDDLE;
          flag[i][stride] |= TURN_START;
        }
#define IS_START(k, s) ((flag[(k)][(s)] & TURN_START) != 0)
  for (int i = 1; i + 4 < nk; i++)
    if (IS_START (i, 4) && IS_START (i - 1, 4))
      for (int j = i; j <= i + 3; j++)
        ss[j] = 'H';
  for (int i = 1; i + 3 < nk; i++)
    if (IS_START (i, 3) && IS_START (i - 1, 3))
      {
        gboolean empty = TRUE;
        for (int j = i; j <= i + 2; j++)
          empty &= ss[j] == ' ' || ss[j] == 'G';
        if (empty)
          for (int j = i; j <= i + 2; j++)
            ss[j] = 'G';
      }
  for (int i = 1; i + 5 < nk; i++)
    if (IS_START (i, 5) && IS_START (i - 1, 5))
      {
        gboolean empty = TRUE;
        for (int j = i; j <= i + 4; j++)
          empty &= ss[j] == ' ' || ss[j] == 'I' || ss[j] == 'H';
        if (empty)
          for (int j = i; j <= i + 4; j++)
            ss[j] = 'I';
      }
  for (int i = 1; i + 1 < nk; i++)
    if (ss[i] == ' ')
      {
        gboolean turn = FALSE;
        for (int stride = 3; stride <= 5 && !turn; stride++)
          for (int k = 1; k < stride && !turn; k++)
            turn = i >= k && IS_START (i - k, stride);
        if (turn)
          ss[i] = 'T';
      }
#undef IS_START
  g_free (flag);
}

void
fl_secondary_assign_dssp (const float *atom37, const float *mask, const int32_t *aatype, int L,
                          char *dssp)
{
  if (!dssp || L <= 0)
    return;
  memset (dssp, ' ', (gsize) L);
  if (!atom37)
    return;
  Backbone bb;
  backbone_init (&bb, atom37, mask, aatype, L);
  if (bb.nk > 0)
    {
      char *ss = g_malloc (bb.nk);
      memset (ss, ' ', bb.nk);
      compute_hbonds (&bb);
      assign_sheets (&bb, ss);
      assign_helices (&bb, ss);
      for (int k = 0; k < bb.nk; k++)
        dssp[bb.res[k]] = ss[k];
      g_free (ss);
    }
  backbone_clear (&bb);
}

FlSecondary
fl_secondary_from_dssp (char code)
{
  switch (code)
    {
    case 'H': case 'G': case 'I': return FL_SS_HELIX;
    case 'E': case 'B': return FL_SS_STRAND;
    default: return FL_SS_COIL;
    }
}

void
fl_secondary_assign (const float *atom37, const float *mask, const int32_t *aatype, int L,
                     uint8_t *ss)
{
  if (!ss || L <= 0)
    return;
  char *d = g_malloc (L);
  fl_secondary_assign_dssp (atom37, mask, aatype, L, d);
  for (int i = 0; i < L; i++)
    ss[i] = d[i] == 'B' ? FL_SS_COIL : (uint8_t) fl_secondary_from_dssp (d[i]);
  g_free (d);
}
