/* ColabFold-shaped result files (fl-batch-output.h). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <unistd.h>
#include "fl-batch-output.h"

void
fl_batch_frame_free (gpointer p)
{
  FlBatchFrame *f = p;
  g_free (f->title);
  g_free (f->atom37);
  g_free (f->atom37_mask);
  g_free (f->plddt);
  g_free (f);
}

void
fl_batch_model_result_free (gpointer p)
{
  FlBatchModelResult *r = p;
  if (!r)
    return;
  g_free (r->model_type);
  g_free (r->preset);
  g_free (r->aatype);
  g_free (r->atom37);
  g_free (r->atom37_mask);
  g_free (r->plddt);
  g_free (r->pae);
  g_free (r->pass_plddt);
  g_free (r->pass_ptm);
  g_free (r->pass_tolerance);
  if (r->trajectory)
    g_ptr_array_unref (r->trajectory);
  g_free (r);
}

static const char *rank_key;

static int
compare_results (gconstpointer a, gconstpointer b)
{
  const FlBatchModelResult *x = *(FlBatchModelResult *const *) a;
  const FlBatchModelResult *y = *(FlBatchModelResult *const *) b;
  gboolean by_ptm = g_str_equal (rank_key, "ptm");
  float vx = by_ptm ? x->ptm : x->mean_plddt, vy = by_ptm ? y->ptm : y->mean_plddt;
  if (isnan (vx))
    vx = -INFINITY;
  if (isnan (vy))
    vy = -INFINITY;
  return vx > vy ? -1 : vx < vy ? 1 : 0;
}

void
fl_batch_rank (GPtrArray *results, const char *rank_by)
{
  rank_key = rank_by;
  g_ptr_array_sort (results, compare_results);   /* stable (merge sort) */
}

char *
fl_batch_result_stem (const char *id, const char *kind, int rank,
                      const FlBatchModelResult *r, guint64 seed)
{
  return g_strdup_printf ("%s_%s_rank_%03d_%s_model_%d_seed_%03" G_GUINT64_FORMAT,
                          id, kind, rank, r->model_type, r->model_number, seed);
}

/* A number rounded to two decimals, written as Python writes a float:
 * shortest digits, at least one decimal (98.5, 98.0, 0.25). */
static void
append_round2 (GString *s, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  double r = round (v * 100.0) / 100.0;
  g_ascii_formatd (buf, sizeof buf, "%.2f", r);
  size_t n = strlen (buf);
  while (n > 0 && buf[n - 1] == '0' && n >= 2 && buf[n - 2] != '.')
    buf[--n] = '\0';
  g_string_append (s, buf);
}

/* An unrounded float32 value as a JSON float. */
static void
append_float (GString *s, float v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd (buf, sizeof buf, "%.9g", v);
  g_string_append (s, buf);
  if (!strpbrk (buf, ".eE"))
    g_string_append (s, ".0");
}

static void
append_matrix (GString *s, const float *m, int L)
{
  g_string_append_c (s, '[');
  for (int i = 0; i < L; i++)
    {
      g_string_append (s, i ? ", [" : "[");
      for (int j = 0; j < L; j++)
        {
          if (j)
            g_string_append (s, ", ");
          append_round2 (s, m[(gsize) i * L + j]);
        }
      g_string_append_c (s, ']');
    }
  g_string_append_c (s, ']');
}

char *
fl_batch_scores_json (const FlBatchModelResult *r)
{
  GString *s = g_string_new ("{\"plddt\": [");
  for (int i = 0; i < r->L; i++)
    {
      if (i)
        g_string_append (s, ", ");
      append_round2 (s, r->plddt[i]);
    }
  g_string_append_c (s, ']');
  if (r->pae)
    {
      g_string_append (s, ", \"max_pae\": ");
      append_float (s, r->max_pae);
      g_string_append (s, ", \"pae\": ");
      append_matrix (s, r->pae, r->L);
    }
  if (!isnan (r->ptm))
    {
      g_string_append (s, ", \"ptm\": ");
      append_round2 (s, r->ptm);
    }
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}

char *
fl_batch_pae_json (const FlBatchModelResult *r)
{
  g_return_val_if_fail (r->pae != NULL, NULL);
  GString *s = g_string_new ("{\"predicted_aligned_error\": ");
  append_matrix (s, r->pae, r->L);
  g_string_append (s, ", \"max_predicted_aligned_error\": ");
  append_float (s, r->max_pae);
  g_string_append (s, "}");
  return g_string_free (s, FALSE);
}

/* g_file_set_contents writes a temporary file beside `path` and renames it. */
static gboolean
write_file (const char *out_dir, const char *name, const char *text, GError **error)
{
  g_autofree char *path = g_build_filename (out_dir, name, NULL);
  return g_file_set_contents (path, text, -1, error);
}

static gboolean
write_structures (const char *out_dir, const char *stem, const FlBatchModelResult *r,
                  gboolean mmcif, GError **error)
{
  FlStructureModel m = {
    .title = stem, .aatype = r->aatype, .atom37 = r->atom37,
    .atom37_mask = r->atom37_mask, .plddt = r->plddt,
  };
  g_autofree char *pdb = fl_structure_format_pdb (stem, r->L, &m, 1, error);
  g_autofree char *pdb_name = g_strconcat (stem, ".pdb", NULL);
  if (!pdb || !write_file (out_dir, pdb_name, pdb, error))
    return FALSE;
  if (!mmcif)
    return TRUE;
  g_autofree char *cif = fl_structure_format_mmcif (stem, r->L, &m, 1, error);
  g_autofree char *cif_name = g_strconcat (stem, ".cif", NULL);
  return cif && write_file (out_dir, cif_name, cif, error);
}

static gboolean
write_trajectory (const char *out_dir, const char *stem, const FlBatchModelResult *r,
                  GError **error)
{
  guint n = r->trajectory ? r->trajectory->len : 0;
  if (n == 0)
    return TRUE;
  g_autofree FlStructureModel *models = g_new0 (FlStructureModel, n);
  for (guint i = 0; i < n; i++)
    {
      FlBatchFrame *f = g_ptr_array_index (r->trajectory, i);
      models[i] = (FlStructureModel) {
        .title = f->title, .aatype = r->aatype, .atom37 = f->atom37,
        .atom37_mask = f->atom37_mask, .plddt = f->plddt,
      };
    }
  g_autofree char *text = fl_structure_format_pdb (stem, r->L, models, (int) n, error);
  g_autofree char *name = g_strconcat (stem, ".pdb", NULL);
  return text && write_file (out_dir, name, text, error);
}

gboolean
fl_batch_write_input (const char *out_dir, const char *id, GPtrArray *ranked,
                      guint64 seed, gboolean mmcif, gboolean trajectory,
                      const char *templates_json, GError **error)
{
  for (guint i = 0; i < ranked->len; i++)
    {
      const FlBatchModelResult *r = g_ptr_array_index (ranked, i);
      int rank = (int) i + 1;
      g_autofree char *unrelaxed = fl_batch_result_stem (id, "unrelaxed", rank, r, seed);
      g_autofree char *scores = fl_batch_result_stem (id, "scores", rank, r, seed);
      g_autofree char *scores_name = g_strconcat (scores, ".json", NULL);
      g_autofree char *scores_text = fl_batch_scores_json (r);
      if (!write_structures (out_dir, unrelaxed, r, mmcif, error)
          || !write_file (out_dir, scores_name, scores_text, error))
        return FALSE;
      if (trajectory)
        {
          g_autofree char *stem = fl_batch_result_stem (id, "trajectory", rank, r, seed);
          g_autofree char *traj = g_strconcat (stem, "_layers", NULL);
          if (!write_trajectory (out_dir, traj, r, error))
            return FALSE;
        }
      if (rank == 1 && r->pae)
        {
          g_autofree char *pae_name = g_strconcat (id, "_predicted_aligned_error_v1.json", NULL);
          g_autofree char *pae_text = fl_batch_pae_json (r);
          if (!write_file (out_dir, pae_name, pae_text, error))
            return FALSE;
        }
    }
  g_autofree char *templates_name = g_strconcat (id, "_templates.json", NULL);
  if (templates_json && !write_file (out_dir, templates_name, templates_json, error))
    return FALSE;
  g_autofree char *done = g_strconcat (id, ".done.txt", NULL);
  return write_file (out_dir, done, "", error);
}

/* "2026-12-02 16:20:00,123 " as Python's logging writes it. */
static void
append_stamp (GString *s)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *t = g_date_time_format (now, "%Y-%m-%d %H:%M:%S");
  g_string_append_printf (s, "%s,%03d ", t, g_date_time_get_microsecond (now) / 1000);
}

static void
append_scores (GString *s, float plddt, float ptm)
{
  g_string_append_printf (s, "pLDDT=%.3g", plddt);
  if (!isnan (ptm))
    g_string_append_printf (s, " pTM=%.3g", ptm);
}

char *
fl_batch_log_block (const char *id, guint index, guint n_inputs, int L,
                    GPtrArray *in_model_order, GPtrArray *ranked, const char *rank_by,
                    guint64 seed)
{
  GString *s = g_string_new (NULL);
  append_stamp (s);
  g_string_append_printf (s, "Query %u/%u: %s (length %d)\n", index + 1, n_inputs, id, L);
  for (guint i = 0; i < in_model_order->len; i++)
    {
      const FlBatchModelResult *r = g_ptr_array_index (in_model_order, i);
      g_autofree char *name = g_strdup_printf ("%s_model_%d_seed_%03" G_GUINT64_FORMAT,
                                               r->model_type, r->model_number, seed);
      for (int p = 0; p < r->n_passes; p++)
        {
          append_stamp (s);
          g_string_append_printf (s, "%s recycle=%d ", name, p);
          append_scores (s, r->pass_plddt[p], r->pass_ptm[p]);
          if (!isnan (r->pass_tolerance[p]))
            g_string_append_printf (s, " tol=%.3g", r->pass_tolerance[p]);
          g_string_append_c (s, '\n');
        }
      append_stamp (s);
      g_string_append_printf (s, "%s took %.1fs (%d recycles)\n", name, r->seconds,
                              r->n_passes - 1);
    }
  append_stamp (s);
  g_string_append_printf (s, "reranking models by '%s' metric\n", rank_by);
  for (guint i = 0; i < ranked->len; i++)
    {
      const FlBatchModelResult *r = g_ptr_array_index (ranked, i);
      append_stamp (s);
      g_string_append_printf (s, "rank_%03u_%s_model_%d_seed_%03" G_GUINT64_FORMAT " ", i + 1,
                              r->model_type, r->model_number, seed);
      append_scores (s, r->mean_plddt, r->ptm);
      g_string_append_c (s, '\n');
    }
  return g_string_free (s, FALSE);
}

gboolean
fl_batch_append_log (const char *out_dir, const char *text, GError **error)
{
  g_autofree char *path = g_build_filename (out_dir, "log.txt", NULL);
  int fd = open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot open %s: %s", path, g_strerror (errno));
      return FALSE;
    }
  size_t n = strlen (text);
  ssize_t w = write (fd, text, n);
  int err = errno;
  close (fd);
  if (w != (ssize_t) n)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (w < 0 ? err : EIO),
                   "Cannot write %s", path);
      return FALSE;
    }
  return TRUE;
}
