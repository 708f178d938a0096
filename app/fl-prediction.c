/* FlPrediction: an existing prediction read from files. */
#include "fl-prediction.h"
#include "fl-error.h"
#include "fl-scores-io.h"
#include "fl-structure-io.h"
#include <math.h>
#include <string.h>

#define DEMO_PREFIX "/org/foldlight/Foldlight/demo/"

void
fl_prediction_free (FlPrediction *p)
{
  if (!p)
    return;
  g_free (p->name);
  g_free (p->sequence);
  g_clear_pointer (&p->frame, fl_frame_unref);
  g_clear_pointer (&p->scores, fl_recycle_data_unref);
  g_clear_pointer (&p->msa, fl_msa_free);
  g_free (p->msa_text);
  g_free (p->msa_name);
  g_free (p);
}

FlFileKind
fl_file_kind_guess (const char *name, const char *text)
{
  g_autofree char *lower = g_ascii_strdown (name ? name : "", -1);
  static const char *const structure_ext[] = { ".pdb", ".cif", ".mmcif", ".ent", ".pdb1", NULL };
  static const char *const align_ext[] = { ".a3m", ".fasta", ".fa", ".faa", ".fas", ".sto",
                                           ".aln", ".seq", ".txt", NULL };
  for (int k = 0; structure_ext[k]; k++)
    if (g_str_has_suffix (lower, structure_ext[k]))
      return FL_FILE_KIND_STRUCTURE;
  if (g_str_has_suffix (lower, ".json"))
    return FL_FILE_KIND_SCORES;
  for (int k = 0; align_ext[k]; k++)
    if (g_str_has_suffix (lower, align_ext[k]))
      return FL_FILE_KIND_ALIGNMENT;
  if (text)
    {
      const char *t = text;
      while (*t && g_ascii_isspace (*t))
        t++;
      if (*t == '{' || *t == '[')
        return FL_FILE_KIND_SCORES;
      if (g_str_has_prefix (t, "data_") || g_str_has_prefix (t, "HEADER") || g_str_has_prefix (t, "ATOM")
          || g_str_has_prefix (t, "MODEL") || g_str_has_prefix (t, "REMARK"))
        return FL_FILE_KIND_STRUCTURE;
      if (*t == '>' || *t == '#' || g_ascii_isalpha (*t))
        return FL_FILE_KIND_ALIGNMENT;
    }
  return FL_FILE_KIND_UNKNOWN;
}

/* Copy a scores pass into an FlRecycleData of L residues. */
static void
fill_from_pass (FlRecycleData *d, const FlScoresPass *pass, int L)
{
  if (pass->plddt)
    memcpy (d->plddt, pass->plddt, (gsize) L * sizeof (float));
  if (!isnan (pass->mean_plddt))
    d->mean_plddt = pass->mean_plddt;
  if (!isnan (pass->ptm))
    d->ptm = pass->ptm;
  if (pass->pae)
    {
      g_free (d->pae);
      d->pae = g_memdup2 (pass->pae, (gsize) L * L * sizeof (float));
      d->max_pae = pass->max_pae;
      if (isnan (d->max_pae))
        {
          float m = 0;
          for (gsize k = 0; k < (gsize) L * L; k++)
            m = MAX (m, pass->pae[k]);
          d->max_pae = m;
        }
    }
}

FlPrediction *
fl_prediction_new_from_texts (const char *name,
                              const char *structure_text, gsize structure_len,
                              gboolean structure_is_cif,
                              const char *scores_text, gsize scores_len,
                              const char *pae_text, gsize pae_len,
                              const char *msa_text, gsize msa_len,
                              const char *msa_name,
                              GError **error)
{
  g_autoptr (FlStructure) st = fl_structure_parse (structure_text, structure_len,
                                                   structure_is_cif ? FL_STRUCTURE_FORMAT_MMCIF
                                                                    : FL_STRUCTURE_FORMAT_AUTO,
                                                   NULL, error);
  if (!st)
    return NULL;
  int L = st->L;
  g_autoptr (FlPrediction) p = g_new0 (FlPrediction, 1);
  p->name = g_strdup (name);
  p->sequence = g_strdup (st->sequence);
  FlFrame *f = fl_frame_new (0, 0, 1, L);
  memcpy (f->atom37, st->atom37, (gsize) L * 37 * 3 * sizeof (float));
  memcpy (f->atom37_mask, st->atom37_mask, (gsize) L * 37 * sizeof (float));
  /* pLDDT from the B-factors; some tools write it on a 0..1 scale. */
  float bmax = 0;
  for (int i = 0; i < L; i++)
    bmax = MAX (bmax, st->b_factors[i]);
  float scale = bmax <= 1.0f ? 100.f : 1.f;
  for (int i = 0; i < L; i++)
    f->plddt[i] = CLAMP (st->b_factors[i] * scale, 0.f, 100.f);
  p->frame = f;

  /* Always a confidence record: the pLDDT of the B-factors alone fills the
   * Confidence tab of a bare PDB / mmCIF. */
    {
      FlRecycleData *d = fl_recycle_data_new (0, L);
      memcpy (d->plddt, f->plddt, (gsize) L * sizeof (float));
      if (scores_text)
        {
          g_autoptr (FlScores) sc = fl_scores_parse_json (scores_text, scores_len, error);
          if (!sc)
            {
              fl_recycle_data_unref (d);
              g_prefix_error (error, "Scores file: ");
              return NULL;
            }
          if (sc->L != L)
            {
              fl_recycle_data_unref (d);
              g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                           "The scores file is for %d residues, the structure has %d", sc->L, L);
              return NULL;
            }
          fill_from_pass (d, &sc->final, L);
          if (sc->final.plddt)
            memcpy (f->plddt, sc->final.plddt, (gsize) L * sizeof (float));
        }
      if (pae_text && !d->pae)
        {
          g_autoptr (FlScores) pae = fl_scores_parse_pae_json (pae_text, pae_len, error);
          if (!pae)
            {
              fl_recycle_data_unref (d);
              g_prefix_error (error, "PAE file: ");
              return NULL;
            }
          if (pae->L != L)
            {
              fl_recycle_data_unref (d);
              g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                           "The PAE file is for %d residues, the structure has %d", pae->L, L);
              return NULL;
            }
          fill_from_pass (d, &pae->final, L);
        }
      double sum = 0;
      for (int i = 0; i < L; i++)
        sum += d->plddt[i];
      d->mean_plddt = (float) (sum / MAX (L, 1));
      p->scores = d;
    }
  double sum = 0;
  for (int i = 0; i < L; i++)
    sum += f->plddt[i];
  f->mean_plddt = (float) (sum / MAX (L, 1));
  if (p->scores)
    f->ptm = p->scores->ptm;

  if (msa_text)
    {
      FlMsa *msa = fl_msa_parse_auto (msa_text, (gssize) msa_len, error);
      if (!msa)
        {
          g_prefix_error (error, "Alignment: ");
          return NULL;
        }
      if (msa->L != L)
        {
          g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                       "The alignment's query has %d residues, the structure %d", msa->L, L);
          fl_msa_free (msa);
          return NULL;
        }
      p->msa = msa;
      p->msa_text = g_strndup (msa_text, msa_len);
      p->msa_name = g_strdup (msa_name);
    }
  return g_steal_pointer (&p);
}

FlPrediction *
fl_prediction_new_from_files (const char *const *paths, GError **error)
{
  const char *structure = NULL, *alignment = NULL;
  g_autoptr (GPtrArray) jsons = g_ptr_array_new ();
  for (int k = 0; paths[k]; k++)
    {
      switch (fl_file_kind_guess (paths[k], NULL))
        {
        case FL_FILE_KIND_STRUCTURE: structure = paths[k]; break;
        case FL_FILE_KIND_SCORES: g_ptr_array_add (jsons, (gpointer) paths[k]); break;
        case FL_FILE_KIND_ALIGNMENT: alignment = paths[k]; break;
        default:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Not a structure, scores or alignment file: %s", paths[k]);
          return NULL;
        }
    }
  if (!structure)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "A prediction needs a structure file (PDB or mmCIF)");
      return NULL;
    }
  g_autofree char *st_text = NULL, *scores_text = NULL, *pae_text = NULL, *msa_text = NULL;
  gsize st_len = 0, scores_len = 0, pae_len = 0, msa_len = 0;
  if (!g_file_get_contents (structure, &st_text, &st_len, error))
    return NULL;
  for (guint k = 0; k < jsons->len; k++)
    {
      g_autofree char *text = NULL;
      gsize len = 0;
      if (!g_file_get_contents (jsons->pdata[k], &text, &len, error))
        return NULL;
      /* A PAE file is the AFDB list / object with "predicted_aligned_error"
       * and no "plddt"; anything else is a scores file. */
      gboolean is_pae = strstr (text, "predicted_aligned_error") && !strstr (text, "\"plddt\"");
      if (is_pae && !pae_text)
        pae_text = g_steal_pointer (&text), pae_len = len;
      else if (!is_pae && !scores_text)
        scores_text = g_steal_pointer (&text), scores_len = len;
    }
  if (alignment && !g_file_get_contents (alignment, &msa_text, &msa_len, error))
    return NULL;
  g_autofree char *name = g_path_get_basename (structure);
  g_autofree char *msa_name = alignment ? g_path_get_basename (alignment) : NULL;
  g_autofree char *lower = g_ascii_strdown (structure, -1);
  gboolean cif = g_str_has_suffix (lower, ".cif") || g_str_has_suffix (lower, ".mmcif");
  return fl_prediction_new_from_texts (name, st_text, st_len, cif, scores_text, scores_len,
                                       pae_text, pae_len, msa_text, msa_len, msa_name, error);
}

static GBytes *
demo_bytes (const char *file, GError **error)
{
  g_autofree char *path = g_strconcat (DEMO_PREFIX, file, NULL);
  return g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, error);
}

FlPrediction *
fl_prediction_new_demo (GError **error)
{
  g_autoptr (GBytes) st = demo_bytes ("4OT.pdb", error);
  g_autoptr (GBytes) scores = st ? demo_bytes ("4OT_scores.json", error) : NULL;
  g_autoptr (GBytes) pae = scores ? demo_bytes ("4OT_pae.json", error) : NULL;
  g_autoptr (GBytes) a3m = pae ? demo_bytes ("4OT.a3m", error) : NULL;
  if (!a3m)
    return NULL;
  gsize n_st, n_sc, n_pae, n_a3m;
  const char *t_st = g_bytes_get_data (st, &n_st);
  const char *t_sc = g_bytes_get_data (scores, &n_sc);
  const char *t_pae = g_bytes_get_data (pae, &n_pae);
  const char *t_a3m = g_bytes_get_data (a3m, &n_a3m);
  return fl_prediction_new_from_texts ("4-OT demo · ColabFold AlphaFold2 (model 3 ptm)",
                                       t_st, n_st, FALSE, t_sc, n_sc, t_pae, n_pae,
                                       t_a3m, n_a3m, "4OT.a3m (ColabFold MSA)", error);
}
