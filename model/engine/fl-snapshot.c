#include "fl-snapshot.h"
#include <stdio.h>
#include <math.h>
#include <string.h>

/* FlFrame and FlRecycleData are g_atomic_rc_box allocations: their arrays
 * are freed by the clear functions when the last reference goes. */

static float *
dup_floats (const float *src, gsize n)
{
  return src ? g_memdup2 (src, n * sizeof (float)) : NULL;
}

FlFrame *
fl_frame_new (int recycle, int layer, int n_layers, int L)
{
  FlFrame *f = g_atomic_rc_box_new0 (FlFrame);
  f->recycle = recycle;
  f->layer = layer;
  f->n_layers = n_layers;
  f->L = L;
  f->affines = g_new0 (float, (gsize) L * 7);
  f->atom37 = g_new0 (float, (gsize) L * 37 * 3);
  f->atom37_mask = g_new0 (float, (gsize) L * 37);
  f->plddt = g_new0 (float, (gsize) L);
  f->ptm = NAN;
  return f;
}

FlFrame *
fl_frame_new_from_layer_event (const FlLayerEvent *e)
{
  FlFrame *f = g_atomic_rc_box_new0 (FlFrame);
  gsize L = e->L;
  f->recycle = e->recycle;
  f->layer = e->layer;
  f->n_layers = e->n_layers;
  f->L = e->L;
  f->affines = e->affines ? dup_floats (e->affines, L * 7) : g_new0 (float, L * 7);
  f->atom37 = dup_floats (e->atom37, L * 37 * 3);
  f->atom37_mask = dup_floats (e->atom37_mask, L * 37);
  f->plddt = e->plddt ? dup_floats (e->plddt, L) : g_new0 (float, L);
  double sum = 0;
  for (gsize i = 0; i < L; i++)
    sum += f->plddt[i];
  f->mean_plddt = L ? (float) (sum / L) : 0.f;
  f->ptm = NAN;
  return f;
}

FlFrame *
fl_frame_ref (FlFrame *f)
{
  return g_atomic_rc_box_acquire (f);
}

static void
frame_clear (FlFrame *f)
{
  g_free (f->affines);
  g_free (f->atom37);
  g_free (f->atom37_mask);
  g_free (f->plddt);
}

void
fl_frame_unref (FlFrame *f)
{
  if (f)
    g_atomic_rc_box_release_full (f, (GDestroyNotify) frame_clear);
}

FlRecycleData *
fl_recycle_data_new (int recycle, int L)
{
  FlRecycleData *d = g_atomic_rc_box_new0 (FlRecycleData);
  d->recycle = recycle;
  d->L = L;
  d->plddt = g_new0 (float, (gsize) L);
  d->ptm = NAN;
  d->max_pae = NAN;
  d->tolerance = NAN;
  d->att_block = -1;
  d->att_residue = -1;
  return d;
}

FlRecycleData *
fl_recycle_data_new_from_event (const FlRecycleEvent *e)
{
  FlRecycleData *d = g_atomic_rc_box_new0 (FlRecycleData);
  gsize L = e->L, LL = L * L;
  d->recycle = e->recycle;
  d->L = e->L;
  d->plddt = e->plddt ? dup_floats (e->plddt, L) : g_new0 (float, L);
  d->mean_plddt = e->mean_plddt;
  d->ptm = e->ptm;
  d->pae = dup_floats (e->pae, LL);
  d->max_pae = e->max_pae;
  d->contact_probs = dup_floats (e->contact_probs, LL);
  d->expected_distance = dup_floats (e->expected_distance, LL);
  d->template_contribution = dup_floats (e->template_contribution, LL);
  d->tolerance = e->tolerance;
  d->att_block = e->att_block;
  d->att_heads = e->att_heads;
  d->tri_heads = e->tri_heads;
  d->att_residue = e->att_residue;
  d->msa_row_attention = dup_floats (e->msa_row_attention, (gsize) e->att_heads * LL);
  d->msa_row_pair_bias = dup_floats (e->msa_row_pair_bias, (gsize) e->att_heads * LL);
  d->tri_start_attention = dup_floats (e->tri_start_attention, (gsize) e->tri_heads * LL);
  d->tri_end_attention = dup_floats (e->tri_end_attention, (gsize) e->tri_heads * LL);
  d->col_heads = e->col_heads;
  d->n_clust = e->n_clust;
  d->msa_col_attention = dup_floats (e->msa_col_attention, (gsize) e->col_heads * e->n_clust);
  return d;
}

FlRecycleData *
fl_recycle_data_ref (FlRecycleData *d)
{
  return g_atomic_rc_box_acquire (d);
}

static void
recycle_data_clear (FlRecycleData *d)
{
  g_free (d->plddt);
  g_free (d->pae);
  g_free (d->contact_probs);
  g_free (d->expected_distance);
  g_free (d->template_contribution);
  g_free (d->msa_row_attention);
  g_free (d->msa_row_pair_bias);
  g_free (d->tri_start_attention);
  g_free (d->tri_end_attention);
  g_free (d->msa_col_attention);
  g_free (d->block_contacts);
  g_free (d->block_contact_range);
  g_free (d->block_distances);
  g_free (d->block_distance_range);
}

void
fl_recycle_data_unref (FlRecycleData *d)
{
  if (d)
    g_atomic_rc_box_release_full (d, (GDestroyNotify) recycle_data_clear);
}

char *
fl_frame_title (int recycle, int layer)
{
  return g_strdup_printf ("recycle %d layer %d", recycle, layer + 1);
}

gboolean
fl_frame_title_parse (const char *title, int *recycle, int *layer)
{
  int r = -1, l = -1, n = 0;
  if (!title || sscanf (title, "recycle %d layer %d%n", &r, &l, &n) != 2 || r < 0 || l < 1)
    return FALSE;
  *recycle = r;
  *layer = l - 1;
  return TRUE;
}
