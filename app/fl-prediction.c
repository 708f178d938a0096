/* FlPrediction: an existing prediction read from files. */
#include "fl-prediction.h"
#include "fl-error.h"
#include "fl-scores-io.h"
#include "fl-structure-io.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEMO_PREFIX "/org/foldlight/Foldlight/demo/"

void
fl_prediction_free (FlPrediction *p)
{
  if (!p)
    return;
  g_free (p->name);
  g_free (p->sequence);
  g_clear_pointer (&p->frames, g_ptr_array_unref);
  g_clear_pointer (&p->recycles, g_ptr_array_unref);
  g_free (p->found);
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

typedef struct {
  const char *text;
  gsize len;
  gboolean cif;
  int recycle;   /* ColabFold recycle file ".rN.pdb": N; else -1 */
} StructureText;

static float
mean_of (const float *v, int L)
{
  double sum = 0;
  for (int i = 0; i < L; i++)
    sum += v[i];
  return (float) (sum / MAX (L, 1));
}

static FlFrame *
frame_from_structure (const FlStructure *st, int recycle, int layer, int n_layers)
{
  int L = st->L;
  FlFrame *f = fl_frame_new (recycle, layer, n_layers, L);
  memcpy (f->atom37, st->atom37, (gsize) L * 37 * 3 * sizeof (float));
  memcpy (f->atom37_mask, st->atom37_mask, (gsize) L * 37 * sizeof (float));
  /* pLDDT from the B-factors; some tools write it on a 0..1 scale. */
  float bmax = 0;
  for (int i = 0; i < L; i++)
    bmax = MAX (bmax, st->b_factors[i]);
  float scale = bmax <= 1.0f ? 100.f : 1.f;
  for (int i = 0; i < L; i++)
    f->plddt[i] = CLAMP (st->b_factors[i] * scale, 0.f, 100.f);
  f->mean_plddt = mean_of (f->plddt, L);
  return f;
}

/* Every frame of the structure texts: one text's models (named by our
 * "recycle R layer L" titles, else numbered), or a ColabFold recycle set. */
static gboolean
read_frames (FlPrediction *p, const StructureText *texts, int n_texts, GError **error)
{
  p->frames = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_frame_unref);
  p->last_recycle = -1;
  for (int t = 0; t < n_texts; t++)
    {
      g_auto (GStrv) titles = NULL;
      g_autoptr (GPtrArray) models =
        fl_structure_parse_models (texts[t].text, (gssize) texts[t].len,
                                   texts[t].cif ? FL_STRUCTURE_FORMAT_MMCIF : FL_STRUCTURE_FORMAT_AUTO,
                                   NULL, &titles, error);
      if (!models)
        return FALSE;
      guint n = n_texts > 1 ? 1 : models->len;   /* a recycle set: the first model of each */
      gboolean named = n > 1;
      int n_layers = 0;
      for (guint m = 0; m < n && named; m++)
        {
          int r, l;
          named = fl_frame_title_parse (titles[m], &r, &l);
          n_layers = MAX (n_layers, l + 1);
        }
      for (guint m = 0; m < n; m++)
        {
          FlStructure *st = g_ptr_array_index (models, m);
          if (!p->sequence)
            p->sequence = g_strdup (st->sequence);
          else if (strcmp (st->sequence, p->sequence) != 0)
            {
              g_set_error (error, FL_STRUCTURE_IO_ERROR, FL_STRUCTURE_IO_ERROR_PARSE,
                           "%s %u holds another chain (%d residues) than the first (%zu): "
                           "frames of one timeline must be the same protein",
                           n_texts > 1 ? "File" : "Model", n_texts > 1 ? (guint) t + 1 : m + 1,
                           st->L, strlen (p->sequence));
              return FALSE;
            }
          FlFrame *f;
          int r = 0, l = 0;
          if (texts[t].recycle >= 0)
            /* a recycle's final structure: AlphaFold2's structure module has 8 layers */
            f = frame_from_structure (st, texts[t].recycle, 7, 8);
          else if (named && fl_frame_title_parse (titles[m], &r, &l))
            f = frame_from_structure (st, r, l, n_layers);
          else if (n > 1)
            f = frame_from_structure (st, (int) m, 0, 0);   /* model m of an ensemble */
          else
            f = frame_from_structure (st, 0, 0, 1);
          if (texts[t].recycle >= 0 || named)
            p->last_recycle = MAX (p->last_recycle, f->recycle);
          g_ptr_array_add (p->frames, f);
        }
    }
  p->frame = g_ptr_array_index (p->frames, p->frames->len - 1);
  return TRUE;
}

/* One FlRecycleData per recycle of the frames (pLDDT of its last frame),
 * or one for an ensemble / single structure (the last frame's). */
static void
make_recycles (FlPrediction *p)
{
  int L = p->frame->L;
  p->recycles = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_recycle_data_unref);
  if (p->last_recycle < 0)
    {
      FlRecycleData *d = fl_recycle_data_new (p->frame->n_layers == 0 ? 0 : p->frame->recycle, L);
      memcpy (d->plddt, p->frame->plddt, (gsize) L * sizeof (float));
      d->mean_plddt = p->frame->mean_plddt;
      g_ptr_array_add (p->recycles, d);
      return;
    }
  for (int r = 0; r <= p->last_recycle; r++)
    {
      FlFrame *last = NULL;
      for (guint k = 0; k < p->frames->len; k++)
        {
          FlFrame *f = g_ptr_array_index (p->frames, k);
          if (f->recycle == r)
            last = f;
        }
      if (!last)
        continue;
      FlRecycleData *d = fl_recycle_data_new (r, L);
      memcpy (d->plddt, last->plddt, (gsize) L * sizeof (float));
      d->mean_plddt = last->mean_plddt;
      g_ptr_array_add (p->recycles, d);
    }
}

static FlRecycleData *
recycle_data_for (FlPrediction *p, int recycle)
{
  for (guint k = 0; k < p->recycles->len; k++)
    {
      FlRecycleData *d = g_ptr_array_index (p->recycles, k);
      if (d->recycle == recycle)
        return d;
    }
  return NULL;
}

static gboolean
read_scores (FlPrediction *p, const char *scores_text, gsize scores_len,
             const char *pae_text, gsize pae_len, GError **error)
{
  int L = p->frame->L;
  FlRecycleData *final = g_ptr_array_index (p->recycles, p->recycles->len - 1);
  if (scores_text)
    {
      g_autoptr (FlScores) sc = fl_scores_parse_json (scores_text, scores_len, error);
      if (!sc)
        {
          g_prefix_error (error, "Scores file: ");
          return FALSE;
        }
      if (sc->L != L)
        {
          g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                       "The scores file is for %d residues, the structure has %d", sc->L, L);
          return FALSE;
        }
      /* our scores.json has every recycle: they go with the trajectory's */
      for (int k = 0; p->last_recycle >= 0 && k < sc->n_passes; k++)
        {
          FlRecycleData *d = recycle_data_for (p, sc->passes[k].recycle);
          if (d)
            {
              fill_from_pass (d, &sc->passes[k], L);
              d->tolerance = sc->passes[k].tolerance;
            }
        }
      fill_from_pass (final, &sc->final, L);
      if (sc->final.plddt && p->frames->len == 1)
        memcpy (p->frame->plddt, sc->final.plddt, (gsize) L * sizeof (float));
    }
  if (pae_text && !final->pae)
    {
      g_autoptr (FlScores) pae = fl_scores_parse_pae_json (pae_text, pae_len, error);
      if (!pae)
        {
          g_prefix_error (error, "PAE file: ");
          return FALSE;
        }
      if (pae->L != L)
        {
          g_set_error (error, FL_SCORES_ERROR, FL_SCORES_ERROR_PARSE,
                       "The PAE file is for %d residues, the structure has %d", pae->L, L);
          return FALSE;
        }
      fill_from_pass (final, &pae->final, L);
    }
  for (guint k = 0; k < p->recycles->len; k++)
    {
      FlRecycleData *d = g_ptr_array_index (p->recycles, k);
      d->mean_plddt = mean_of (d->plddt, L);
    }
  p->frame->mean_plddt = mean_of (p->frame->plddt, L);
  p->frame->ptm = final->ptm;
  p->scores = final;
  return TRUE;
}

static FlPrediction *
prediction_build (const char *name, const StructureText *texts, int n_texts,
                  const char *scores_text, gsize scores_len,
                  const char *pae_text, gsize pae_len,
                  const char *msa_text, gsize msa_len, const char *msa_name, GError **error)
{
  g_autoptr (FlPrediction) p = g_new0 (FlPrediction, 1);
  p->name = g_strdup (name);
  if (!read_frames (p, texts, n_texts, error))
    return NULL;
  make_recycles (p);
  if (!read_scores (p, scores_text, scores_len, pae_text, pae_len, error))
    return NULL;
  int L = p->frame->L;
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
fl_prediction_new_from_texts (const char *name,
                              const char *structure_text, gsize structure_len,
                              gboolean structure_is_cif,
                              const char *scores_text, gsize scores_len,
                              const char *pae_text, gsize pae_len,
                              const char *msa_text, gsize msa_len,
                              const char *msa_name,
                              GError **error)
{
  StructureText t = { structure_text, structure_len, structure_is_cif, -1 };
  return prediction_build (name, &t, 1, scores_text, scores_len, pae_text, pae_len,
                           msa_text, msa_len, msa_name, error);
}

/* ColabFold --save-recycles writes one file per recycle, named
 * "{job}_unrelaxed_rank_001_{model}_seed_000.r3.pdb" (its file_manager
 * appends ".r3.pdb"); "..._r3.pdb" is read the same way. Splits the name
 * into prefix (the final model's stem), recycle and extension; FALSE when
 * the name is not one of those. */
static gboolean
split_recycle_name (const char *base, char **prefix, int *recycle, char **ext)
{
  const char *dot = strrchr (base, '.');
  if (!dot || dot == base)
    return FALSE;
  const char *q = dot;
  while (q > base && g_ascii_isdigit (q[-1]))
    q--;
  if (q == dot || q - base < 3 || q[-1] != 'r' || (q[-2] != '_' && q[-2] != '.'))
    return FALSE;
  *recycle = atoi (q);
  *prefix = g_strndup (base, (gsize) (q - 2 - base));
  *ext = g_strdup (dot);
  return TRUE;
}

typedef struct {
  int recycle;
  char *path;
} RecycleFile;

static int
recycle_file_cmp (gconstpointer a, gconstpointer b)
{
  return ((const RecycleFile *) a)->recycle - ((const RecycleFile *) b)->recycle;
}

static void
recycle_file_clear (gpointer p)
{
  g_free (((RecycleFile *) p)->path);
}

/* The .r0 ... .rN siblings of a ColabFold recycle file, sorted (NULL when
 * `path` is not one). */
static GArray *
recycle_set (const char *path)
{
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *prefix = NULL, *ext = NULL;
  int r;
  if (!split_recycle_name (base, &prefix, &r, &ext))
    {
      /* the final model itself: its recycles are "{stem}.r0.pdb" ... beside it */
      const char *dot = strrchr (base, '.');
      if (!dot || dot == base)
        return NULL;
      prefix = g_strndup (base, (gsize) (dot - base));
      ext = g_strdup (dot);
    }
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (!d)
    return NULL;
  GArray *set = g_array_new (FALSE, FALSE, sizeof (RecycleFile));
  g_array_set_clear_func (set, recycle_file_clear);
  const char *name;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *p2 = NULL, *e2 = NULL;
      int r2;
      if (split_recycle_name (name, &p2, &r2, &e2) && strcmp (p2, prefix) == 0 && strcmp (e2, ext) == 0)
        {
          RecycleFile f = { r2, g_build_filename (dir, name, NULL) };
          g_array_append_val (set, f);
        }
    }
  g_array_sort (set, recycle_file_cmp);
  if (set->len == 0)
    g_clear_pointer (&set, g_array_unref);
  return set;
}

/* A file beside `path` named by replacing `what` in its name with `with`
 * and the extension with `ext`; NULL when absent. */
static char *
sibling (const char *dir, const char *stem, const char *what, const char *with, const char *ext)
{
  const char *at = what ? strstr (stem, what) : stem;
  if (!at)
    return NULL;
  g_autofree char *name = what
    ? g_strdup_printf ("%.*s%s%s%s", (int) (at - stem), stem, with, at + strlen (what), ext)
    : g_strdup_printf ("%s%s", with, ext);
  char *p = g_build_filename (dir, name, NULL);
  if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
    return p;
  g_free (p);
  return NULL;
}

/* The scores / PAE JSON files that tools write beside a structure. */
static void
find_sibling_jsons (const char *structure, char **scores, char **pae)
{
  g_autofree char *dir = g_path_get_dirname (structure);
  g_autofree char *base = g_path_get_basename (structure);
  g_autofree char *prefix = NULL, *ext = NULL;
  int r;
  /* a recycle file's scores are those of the final model it belongs to */
  g_autofree char *stem = split_recycle_name (base, &prefix, &r, &ext) ? g_strdup (prefix)
                          : g_strndup (base, strrchr (base, '.') ? (gsize) (strrchr (base, '.') - base)
                                                                 : strlen (base));
  *scores = *pae = NULL;
  /* foldlight-cli predict: model.pdb / trajectory.pdb beside scores.json, pae.json */
  if (g_str_equal (stem, "model") || g_str_equal (stem, "trajectory"))
    {
      *scores = sibling (dir, stem, NULL, "scores", ".json");
      *pae = sibling (dir, stem, NULL, "pae", ".json");
      return;
    }
  /* ColabFold: {job}_unrelaxed_rank_001_{model}.pdb -> {job}_scores_rank_001_{model}.json,
   * {job}_predicted_aligned_error_v1.json */
  static const char *const relax[] = { "_unrelaxed_", "_relaxed_", NULL };
  for (int k = 0; relax[k] && !*scores; k++)
    {
      const char *at = strstr (stem, relax[k]);
      *scores = sibling (dir, stem, relax[k], "_scores_", ".json");
      if (at && !*pae)
        {
          g_autofree char *job = g_strndup (stem, (gsize) (at - stem));
          g_autofree char *pae_stem = g_strconcat (job, "_predicted_aligned_error_v1", NULL);
          *pae = sibling (dir, job, NULL, pae_stem, ".json");
        }
    }
  /* AlphaFold DB: AF-X-F1-model_v4 -> AF-X-F1-predicted_aligned_error_v4.json */
  if (!*pae)
    *pae = sibling (dir, stem, "-model_v", "-predicted_aligned_error_v", ".json");
  if (!*scores && !*pae)
    *scores = sibling (dir, stem, NULL, stem, ".json");
}

static gboolean
is_pae_text (const char *text)
{
  /* A PAE file is the AFDB list / object with "predicted_aligned_error"
   * and no "plddt"; anything else is a scores file. */
  return strstr (text, "predicted_aligned_error") && !strstr (text, "\"plddt\"");
}

FlPrediction *
fl_prediction_new_from_files (const char *const *paths, GError **error)
{
  const char *alignment = NULL;
  g_autoptr (GPtrArray) structures = g_ptr_array_new ();
  g_autoptr (GPtrArray) jsons = g_ptr_array_new_with_free_func (g_free);
  for (int k = 0; paths[k]; k++)
    {
      switch (fl_file_kind_guess (paths[k], NULL))
        {
        case FL_FILE_KIND_STRUCTURE: g_ptr_array_add (structures, (gpointer) paths[k]); break;
        case FL_FILE_KIND_SCORES: g_ptr_array_add (jsons, g_strdup (paths[k])); break;
        case FL_FILE_KIND_ALIGNMENT: alignment = paths[k]; break;
        default:
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Not a structure, scores or alignment file: %s", paths[k]);
          return NULL;
        }
    }
  if (structures->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "A prediction needs a structure file (PDB or mmCIF)");
      return NULL;
    }
  const char *structure = g_ptr_array_index (structures, 0);
  g_autoptr (GArray) set = recycle_set (structure);
  if (structures->len > 1)
    {
      /* several structures: only the files of one ColabFold recycle set */
      for (guint k = 0; k < structures->len; k++)
        {
          gboolean member = FALSE;
          for (guint j = 0; set && j < set->len; j++)
            member |= g_str_equal (g_array_index (set, RecycleFile, j).path, structures->pdata[k]);
          if (!member)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           "Open one structure at a time (or the .r0 … .rN files of one "
                           "ColabFold recycle set): %s and %s", structure,
                           (const char *) structures->pdata[k == 0 ? 1 : k]);
              return NULL;
            }
        }
    }
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  gboolean found_jsons = FALSE;
  if (jsons->len == 0)
    {
      char *sc = NULL, *pae = NULL;
      find_sibling_jsons (structure, &sc, &pae);
      if (sc)
        g_ptr_array_add (jsons, sc);
      if (pae)
        g_ptr_array_add (jsons, pae);
      found_jsons = jsons->len > 0;
    }
  int n_texts = set ? (int) set->len : 1;
  g_autoptr (GPtrArray) texts_owned = g_ptr_array_new_with_free_func (g_free);
  g_autofree StructureText *texts = g_new0 (StructureText, n_texts);
  for (int t = 0; t < n_texts; t++)
    {
      const char *path = set ? g_array_index (set, RecycleFile, t).path : structure;
      char *text = NULL;
      gsize len = 0;
      if (!g_file_get_contents (path, &text, &len, error))
        return NULL;
      g_ptr_array_add (texts_owned, text);
      g_autofree char *lower = g_ascii_strdown (path, -1);
      texts[t] = (StructureText) { text, len, g_str_has_suffix (lower, ".cif") || g_str_has_suffix (lower, ".mmcif"),
                                   set ? g_array_index (set, RecycleFile, t).recycle : -1 };
    }
  g_autofree char *scores_text = NULL, *pae_text = NULL, *msa_text = NULL;
  gsize scores_len = 0, pae_len = 0, msa_len = 0;
  for (guint k = 0; k < jsons->len; k++)
    {
      g_autofree char *text = NULL;
      gsize len = 0;
      if (!g_file_get_contents (jsons->pdata[k], &text, &len, error))
        return NULL;
      gboolean is_pae = is_pae_text (text);
      if (is_pae && !pae_text)
        pae_text = g_steal_pointer (&text), pae_len = len;
      else if (!is_pae && !scores_text)
        scores_text = g_steal_pointer (&text), scores_len = len;
      else
        continue;
      if (found_jsons)
        g_ptr_array_add (found, g_path_get_basename (jsons->pdata[k]));
    }
  if (alignment && !g_file_get_contents (alignment, &msa_text, &msa_len, error))
    return NULL;
  g_autofree char *name = NULL;
  if (set && set->len > 1)
    {
      g_autofree char *base = g_path_get_basename (g_array_index (set, RecycleFile, 0).path);
      g_autofree char *prefix = NULL, *ext = NULL;
      int r;
      split_recycle_name (base, &prefix, &r, &ext);
      name = g_strdup_printf ("%s.r%d … r%d%s", prefix, g_array_index (set, RecycleFile, 0).recycle,
                              g_array_index (set, RecycleFile, set->len - 1).recycle, ext);
    }
  else
    name = g_path_get_basename (structure);
  g_autofree char *msa_name = alignment ? g_path_get_basename (alignment) : NULL;
  GError *e = NULL;
  FlPrediction *p = prediction_build (name, texts, n_texts, scores_text, scores_len,
                                      pae_text, pae_len, msa_text, msa_len, msa_name, &e);
  if (!p && found_jsons && found->len > 0 && e->domain != FL_STRUCTURE_IO_ERROR)
    {
      /* a file found beside the structure that does not fit it is left out, and said */
      g_autofree char *why = g_strdup (e->message);
      g_clear_error (&e);
      p = prediction_build (name, texts, n_texts, NULL, 0, NULL, 0, msa_text, msa_len, msa_name, &e);
      if (p)
        p->found = g_strdup_printf ("left out %s beside it: %s",
                                    (const char *) found->pdata[0], why);
      g_ptr_array_set_size (found, 0);
    }
  if (!p)
    {
      g_propagate_error (error, e);
      return NULL;
    }
  if (found->len > 0)
    {
      g_ptr_array_add (found, NULL);
      g_autofree char *list = g_strjoinv (", ", (char **) found->pdata);
      p->found = g_strdup_printf ("with %s found beside it", list);
    }
  return p;
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
