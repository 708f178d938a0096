/* foldlight-cli batch: many inputs, one or several models, results named
 * and shaped as colabfold_batch writes them (fl-batch-output.h), resumable
 * and shareable between workers (fl-batch-claim.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "fl-batch-claim.h"
#include "fl-batch-inputs.h"
#include "fl-batch-output.h"
#include "fl-batch-pool.h"
#include "fl-batch-record.h"
#include "fl-batch-templates.h"
#include "fl-cli.h"
#include "fl-cli-model.h"
#include "fl-engine.h"
#include "fl-error.h"
#include "fl-features.h"
#include "fl-msa.h"
#include "fl-scores-io.h"
#include "fl-templates.h"

int fl_cli_batch_main (int argc, char **argv);

typedef struct {
  /* options */
  char **params;
  char *preset, *config_path, *models_spec, *model_type, *rank_by;
  char *backend_name, *precision_name, *devices, *shard, *summary_path;
  char *session;               /* the pool's id, shared by its workers (or NULL) */
  int max_clusters, max_extra, recycles, device, threads, workers, worker;
  gint64 seed;
  double tolerance;
  gboolean deterministic, mmcif, trajectory;
  FlBatchTemplateOptions templates;
  /* run */
  char *out_dir, *state_dir;
  GPtrArray *inputs;           /* FlBatchInput */
  GPtrArray *models;           /* FlCliModel */
  GPtrArray *engines;          /* FlEngine, one per model */
  FlRunOptions opts;
  int max_templates;           /* the most any model takes; 0: no model has a template stack */
  int n_done, n_failed, n_skipped, n_elsewhere;
  double cost_done, seconds_done;
} Batch;

static const char *
log_prefix (Batch *b)
{
  static char buf[32];
  if (b->worker > 0)
    g_snprintf (buf, sizeof buf, "foldlight-cli[worker %d]", b->worker);
  else
    g_snprintf (buf, sizeof buf, "foldlight-cli");
  return buf;
}

/* "1-5", "1,3,5", "2" -> model numbers 1..5 in order, no repeats. */
static gboolean
parse_models (const char *spec, GArray *out)
{
  g_auto (GStrv) parts = g_strsplit (spec, ",", -1);
  for (int i = 0; parts[i]; i++)
    {
      int a, b;
      char tail;
      if (sscanf (parts[i], "%d-%d%c", &a, &b, &tail) == 2)
        ;
      else if (sscanf (parts[i], "%d%c", &a, &tail) == 1)
        b = a;
      else
        return FALSE;
      if (a < 1 || b > 5 || a > b)
        return FALSE;
      for (int k = a; k <= b; k++)
        {
          for (guint j = 0; j < out->len; j++)
            if (g_array_index (out, int, j) == k)
              return FALSE;
          g_array_append_val (out, k);
        }
    }
  return out->len > 0;
}

/* Parameters: one file (or several merged) = one model; a folder = the
 * official files params_model_K[_ptm].npz of --models. */
static gboolean
load_models (Batch *b, GError **error)
{
  b->models = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_cli_model_free);
  gboolean folder = g_strv_length (b->params) == 1
                    && g_file_test (b->params[0], G_FILE_TEST_IS_DIR);
  if (!folder)
    {
      if (b->models_spec)
        {
          g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                       "--models needs --params FOLDER (with params_model_K_ptm.npz files)");
          return FALSE;
        }
      FlCliModel *m = fl_cli_model_load (b->params, b->preset, b->config_path,
                                         b->max_clusters, b->max_extra, error);
      if (!m)
        return FALSE;
      g_ptr_array_add (b->models, m);
      return TRUE;
    }
  if (b->preset)
    {
      g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                   "--preset names one model; with a parameter folder use --models and --model-type");
      return FALSE;
    }
  const char *suffix;
  if (!b->model_type || g_str_equal (b->model_type, "alphafold2_ptm"))
    suffix = "_ptm";
  else if (g_str_equal (b->model_type, "alphafold2"))
    suffix = "";
  else
    {
      g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                   "--model-type must be alphafold2_ptm or alphafold2, not '%s'", b->model_type);
      return FALSE;
    }
  g_autoptr (GArray) numbers = g_array_new (FALSE, FALSE, sizeof (int));
  if (!parse_models (b->models_spec ? b->models_spec : "1-5", numbers))
    {
      g_set_error (error, FL_CONFIG_ERROR, FL_CONFIG_ERROR_INVALID,
                   "--models must list models 1..5 once each, e.g. 1-5 or 1,3");
      return FALSE;
    }
  for (guint i = 0; i < numbers->len; i++)
    {
      int k = g_array_index (numbers, int, i);
      g_autofree char *name = g_strdup_printf ("params_model_%d%s.npz", k, suffix);
      g_autofree char *path = g_build_filename (b->params[0], name, NULL);
      char *paths[] = { path, NULL };
      FlCliModel *m = fl_cli_model_load (paths, NULL, b->config_path,
                                         b->max_clusters, b->max_extra, error);
      if (!m)
        return FALSE;
      g_ptr_array_add (b->models, m);
    }
  return TRUE;
}

/* ------------------------------------------------------------ one input */

static FlObserveAction
on_layer (const FlLayerEvent *e, gpointer user_data)
{
  GPtrArray *frames = user_data;
  gsize L = e->L;
  FlBatchFrame *f = g_new0 (FlBatchFrame, 1);
  f->title = g_strdup_printf ("recycle %d layer %d", e->recycle, e->layer + 1);
  f->atom37 = g_memdup2 (e->atom37, L * 37 * 3 * sizeof (float));
  f->atom37_mask = g_memdup2 (e->atom37_mask, L * 37 * sizeof (float));
  f->plddt = e->plddt ? g_memdup2 (e->plddt, L * sizeof (float)) : g_new0 (float, L);
  g_ptr_array_add (frames, f);
  return FL_OBSERVE_CONTINUE;
}

static FlMsa *
load_input (const FlBatchInput *in, GError **error)
{
  if (in->path)
    return fl_msa_load_file (in->path, error);
  if (strchr (in->sequence, ':'))
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "'%s' has several chains (':'); Foldlight predicts single chains (monomers)",
                   in->id);
      return NULL;
    }
  return fl_msa_new_from_sequence (in->sequence, in->id, error);
}

static FlBatchModelResult *
run_model (Batch *b, guint k, const FlMsa *msa, const FlBatchTemplates *templates,
           GError **error)
{
  FlCliModel *m = g_ptr_array_index (b->models, k);
  FlEngine *engine = g_ptr_array_index (b->engines, k);
  FlFeatureOptions fo;
  fl_feature_options_init (&fo);
  fo.max_msa_clusters = m->clusters_explicit
                        ? m->cfg.max_msa_clusters
                        : fl_feature_cluster_rows (msa, m->cfg.max_msa_clusters);
  fo.max_extra_msa = m->cfg.max_extra_msa;
  fo.deterministic = b->deterministic;
  fo.seed = (guint64) b->seed;
  if (!fl_engine_check_fits (engine, msa->L, fo.max_msa_clusters, fo.max_extra_msa, NULL, error))
    return NULL;
  g_autoptr (FlFeatures) features = fl_features_build (msa, &fo, error);
  if (!features)
    return NULL;
  /* Models without a template stack (3-5) run without, as in AlphaFold. */
  if (m->cfg.has_templates && templates && templates->hits->len > 0)
    {
      features->templates = fl_template_features_build (templates->hits, features->L,
                                                        MAX (m->cfg.max_templates, 1), error);
      if (!features->templates)
        return NULL;
    }
  g_autoptr (GPtrArray) frames = b->trajectory
                                 ? g_ptr_array_new_with_free_func (fl_batch_frame_free) : NULL;
  FlObserver observer = { .layer_finished = on_layer };
  g_autoptr (FlResult) result = fl_engine_run (engine, features, &b->opts,
                                               frames ? &observer : NULL, frames, NULL, error);
  if (!result)
    return NULL;
  g_autoptr (FlScores) scores = fl_scores_new_from_result (result, error);
  if (!scores)
    return NULL;
  const float *pos = fl_result_get (result, "structure_module/final_atom_positions");
  const float *mask = fl_result_get (result, "structure_module/final_atom_mask");
  if (!pos || !mask || !scores->final.plddt)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_FAILED,
                   "The run produced no atom positions or no pLDDT.");
      return NULL;
    }
  gsize L = result->L;
  FlBatchModelResult *r = g_new0 (FlBatchModelResult, 1);
  r->model_type = g_strdup (fl_cli_model_type (&m->cfg));
  r->preset = g_strdup (m->cfg.preset);
  r->model_number = g_str_has_prefix (m->cfg.preset, "model_") ? m->cfg.preset[6] - '0' : 0;
  r->L = (int) L;
  r->aatype = g_memdup2 (result->aatype, L * sizeof (int32_t));
  r->atom37 = g_memdup2 (pos, L * 37 * 3 * sizeof (float));
  r->atom37_mask = g_memdup2 (mask, L * 37 * sizeof (float));
  r->plddt = g_memdup2 (scores->final.plddt, L * sizeof (float));
  r->pae = scores->final.pae ? g_memdup2 (scores->final.pae, L * L * sizeof (float)) : NULL;
  r->mean_plddt = scores->final.mean_plddt;
  r->ptm = scores->final.ptm;
  r->max_pae = scores->final.max_pae;
  r->n_passes = result->n_passes;
  r->pass_plddt = g_new (float, MAX (r->n_passes, 1));
  r->pass_ptm = g_new (float, MAX (r->n_passes, 1));
  r->pass_tolerance = g_new (float, MAX (r->n_passes, 1));
  for (int p = 0; p < r->n_passes; p++)
    {
      gboolean have = p < scores->n_passes;
      r->pass_plddt[p] = have ? scores->passes[p].mean_plddt : NAN;
      r->pass_ptm[p] = have ? scores->passes[p].ptm : NAN;
      r->pass_tolerance[p] = have ? scores->passes[p].tolerance : NAN;
    }
  r->seconds = result->seconds;
  r->trajectory = g_steal_pointer (&frames);
  return r;
}

static double
cost_of (const FlBatchInput *in)
{
  return (double) MAX (in->L, 1) * MAX (in->L, 1);
}

static void
format_duration (char *buf, gsize size, double s)
{
  if (s < 60)
    g_snprintf (buf, size, "%.0fs", s);
  else if (s < 3600)
    g_snprintf (buf, size, "%dm%02ds", (int) (s / 60), (int) fmod (s, 60));
  else
    g_snprintf (buf, size, "%dh%02dm", (int) (s / 3600), (int) fmod (s / 60, 60));
}

static void
print_progress (Batch *b, guint index, const FlBatchInput *in, const char *what,
                double remaining_cost)
{
  char eta[32] = "?";
  if (b->cost_done > 0)
    format_duration (eta, sizeof eta, b->seconds_done / b->cost_done * remaining_cost);
  g_printerr ("%s: [%u/%u] %s (L=%d) %s | %d done, %d failed, %d skipped, "
              "%d by other workers | ETA %s\n",
              log_prefix (b), index + 1, b->inputs->len, in->id, in->L, what,
              b->n_done, b->n_failed, b->n_skipped, b->n_elsewhere, eta);
}

/* One line per template of an input, or that its template models run without. */
static void
log_templates (Batch *b, const FlBatchInput *in, const FlBatchTemplates *t, const char *query)
{
  if (t->hits->len == 0)
    {
      g_printerr ("%s: %s: no templates (%s): models with a template stack run without\n",
                  log_prefix (b), in->id,
                  t->folder ? "its folder holds none" : "no folder of its own");
      return;
    }
  for (guint h = 0; h < t->hits->len; h++)
    {
      const FlTemplateHit *hit = g_ptr_array_index (t->hits, h);
      g_printerr ("%s: %s: template %u %s (%s): %d of %d query residues aligned%s\n",
                  log_prefix (b), in->id, h + 1, hit->chain->domain_name, hit->chain->path,
                  fl_template_hit_n_aligned (hit, query, NULL), hit->L,
                  (int) h >= b->max_templates ? " (beyond max_templates: not used)" : "");
    }
}

/* Run one claimed input through every model; results and record written. */
static void
process_input (Batch *b, guint index, const FlBatchInput *in, double remaining_cost)
{
  gint64 t0 = g_get_monotonic_time ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func (fl_batch_model_result_free);
  g_autoptr (FlMsa) msa = load_input (in, &error);
  g_autoptr (FlBatchTemplates) templates = NULL;
  if (msa && b->max_templates > 0 && fl_batch_templates_given (&b->templates))
    {
      templates = fl_batch_templates_find (&b->templates, in->id, msa->query, b->max_templates,
                                           &error);
      if (templates)
        log_templates (b, in, templates, msa->query);
    }
  g_autoptr (JsonNode) used = msa ? fl_batch_templates_describe (templates, msa->query,
                                                                 b->models) : NULL;
  for (guint k = 0; msa && !error && k < b->models->len; k++)
    {
      FlBatchModelResult *r = run_model (b, k, msa, templates, &error);
      if (!r)
        break;
      g_autofree char *ptm = isnan (r->ptm) ? g_strdup ("") : g_strdup_printf (" pTM %.3f", r->ptm);
      g_printerr ("%s: %s %s: pLDDT %.1f%s, %d passes, %.1f s\n", log_prefix (b), in->id,
                  r->preset, r->mean_plddt, ptm, r->n_passes, r->seconds);
      g_ptr_array_add (results, r);
    }
  if (!error)
    {
      /* The results in model order (borrowed), for log.txt. */
      g_autoptr (GPtrArray) model_order = g_ptr_array_sized_new (results->len);
      for (guint k = 0; k < results->len; k++)
        g_ptr_array_add (model_order, g_ptr_array_index (results, k));
      fl_batch_rank (results, b->rank_by);
      g_autofree char *used_json = NULL;
      if (b->max_templates > 0 || fl_batch_templates_given (&b->templates))
        {
          g_autoptr (JsonGenerator) gen = json_generator_new ();
          json_generator_set_root (gen, used);
          json_generator_set_pretty (gen, TRUE);
          used_json = json_generator_to_data (gen, NULL);
        }
      if (fl_batch_write_input (b->out_dir, in->id, results, (guint64) b->seed, b->mmcif,
                                b->trajectory, used_json, &error))
        {
          /* log.txt after the done marker: a block there is a finished input. */
          g_autofree char *block = fl_batch_log_block (in->id, index, b->inputs->len, in->L,
                                                       model_order, results, b->rank_by,
                                                       (guint64) b->seed);
          g_autoptr (GError) log_error = NULL;
          if (!fl_batch_append_log (b->out_dir, block, &log_error))
            g_printerr ("%s: %s\n", log_prefix (b), log_error->message);
        }
    }
  double seconds = (g_get_monotonic_time () - t0) / 1e6;
  g_autoptr (GError) record_error = NULL;
  if (!fl_batch_record_write (b->state_dir, in, error ? NULL : results,
                              error ? NULL : used, seconds, b->session, error, &record_error))
    g_printerr ("%s: %s\n", log_prefix (b), record_error->message);
  b->cost_done += cost_of (in);
  b->seconds_done += seconds;
  char what[512];
  if (error)
    {
      b->n_failed++;
      g_snprintf (what, sizeof what, "FAILED: %s", error->message);
    }
  else
    {
      b->n_done++;
      const FlBatchModelResult *best = g_ptr_array_index (results, 0);
      g_snprintf (what, sizeof what, "done in %.1f s (rank 1: %s, pLDDT %.1f)",
                  seconds, best->preset, best->mean_plddt);
    }
  print_progress (b, index, in, what, remaining_cost);
}

/* Every input: a first pass claims what is free; a second waits for the
 * inputs other workers hold, and takes over those of a worker that died. */
static gboolean
run_inputs (Batch *b, GError **error)
{
  guint n = b->inputs->len;
  g_autofree gboolean *settled = g_new0 (gboolean, n);
  double remaining = 0;
  for (guint i = 0; i < n; i++)
    remaining += cost_of (g_ptr_array_index (b->inputs, i));
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        const FlBatchInput *in = g_ptr_array_index (b->inputs, i);
        if (settled[i])
          continue;
        if (fl_batch_is_done (b->out_dir, in->id))
          {
            settled[i] = TRUE;
            remaining -= cost_of (in);
            if (pass == 0)
              b->n_skipped++;
            else
              b->n_elsewhere++;
            continue;
          }
        g_autoptr (FlBatchClaim) claim = fl_batch_claim (b->state_dir, in->id, pass == 1, error);
        if (!claim)
          {
            if (error && *error)
              return FALSE;
            continue;   /* another worker runs it */
          }
        settled[i] = TRUE;
        remaining -= cost_of (in);
        if (fl_batch_is_done (b->out_dir, in->id))
          {
            b->n_elsewhere++;
            continue;
          }
        if (fl_batch_record_failed_in (b->state_dir, in->id, b->session))
          {
            b->n_elsewhere++;
            continue;
          }
        process_input (b, i, in, remaining);
      }
  return TRUE;
}

/* ------------------------------------------------------------ main */

static void
batch_clear (Batch *b)
{
  g_strfreev (b->params);
  g_free (b->preset);
  g_free (b->config_path);
  g_free (b->models_spec);
  g_free (b->model_type);
  g_free (b->rank_by);
  g_free (b->backend_name);
  g_free (b->precision_name);
  g_free (b->devices);
  g_free (b->shard);
  g_free (b->summary_path);
  g_free (b->session);
  g_strfreev (b->templates.templates);
  g_free (b->templates.alignment_file);
  g_free (b->templates.template_dir);
  g_free (b->out_dir);
  g_free (b->state_dir);
  if (b->engines)
    g_ptr_array_unref (b->engines);
  if (b->models)
    g_ptr_array_unref (b->models);
  if (b->inputs)
    g_ptr_array_unref (b->inputs);
}

int
fl_cli_batch_main (int argc, char **argv)
{
  g_auto (GStrv) orig_argv = g_strdupv (argv + 1);
  Batch b = { .max_clusters = -1, .max_extra = -1, .recycles = -1, .workers = 1 };
  GOptionEntry entries[] = {
    { "params", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &b.params, "Parameter file (.npz; repeat to merge), or a folder of params_model_K[_ptm].npz for --models", "PATH" },
    { "models", 0, 0, G_OPTION_ARG_STRING, &b.models_spec, "Models of the parameter folder, e.g. 1-5 (default) or 1,3", "LIST" },
    { "model-type", 0, 0, G_OPTION_ARG_STRING, &b.model_type, "alphafold2_ptm (default) or alphafold2: which files of the folder", "TYPE" },
    { "rank-by", 0, 0, G_OPTION_ARG_STRING, &b.rank_by, "plddt (default, as ColabFold for monomers) or ptm", "METRIC" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &b.preset, "Model preset of a single parameter file", "NAME" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &b.config_path, "AlphaFold ConfigDict JSON overriding the preset", "CONFIG.json" },
    { "max-msa-clusters", 0, 0, G_OPTION_ARG_INT, &b.max_clusters, "Cluster rows (default: each model's)", "N" },
    { "max-extra-msa", 0, 0, G_OPTION_ARG_INT, &b.max_extra, "Extra MSA rows (default: each model's)", "M" },
    { "deterministic", 0, 0, G_OPTION_ARG_NONE, &b.deterministic, "Golden feature mode: file order, no masking", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &b.seed, "Random seed of MSA sampling and masking (default 0)", "S" },
    { "recycles", 0, 0, G_OPTION_ARG_INT, &b.recycles, "Recycles after the first pass (default: the config's)", "N" },
    { "tolerance", 0, 0, G_OPTION_ARG_DOUBLE, &b.tolerance, "Stop early when the CA-distance RMS change is below T Å", "T" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &b.backend_name, "cpu, cuda or auto (default)", "NAME" },
    { "device", 0, 0, G_OPTION_ARG_INT, &b.device, "CUDA device index", "N" },
    { "devices", 0, 0, G_OPTION_ARG_STRING, &b.devices, "One worker per listed CUDA device, sharing OUTDIR (e.g. 0,1,2,3)", "LIST" },
    { "workers", 0, 0, G_OPTION_ARG_INT, &b.workers, "Workers per device (or CPU workers), sharing OUTDIR (default 1)", "N" },
    { "worker", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &b.worker, "Internal: worker number", "K" },
    { "session", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &b.session, "Internal: the pool's id", "ID" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &b.precision_name, "tf32 (default), fp32 or bf16 on CUDA", "P" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &b.threads, "CPU threads per worker (default: all cores)", "N" },
    { "shard", 0, 0, G_OPTION_ARG_STRING, &b.shard, "Run only shard K of N of the length-sorted inputs (for cluster jobs)", "K/N" },
    { "summary", 0, 0, G_OPTION_ARG_FILENAME, &b.summary_path, "Where to write the summary CSV (default OUTDIR/summary.csv)", "FILE" },
    { "mmcif", 0, 0, G_OPTION_ARG_NONE, &b.mmcif, "Also write each model as mmCIF", NULL },
    { "trajectory", 0, 0, G_OPTION_ARG_NONE, &b.trajectory, "Also write ID_trajectory_rank_… .pdb (every recycle x layer)", NULL },
    { "template", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &b.templates.templates, "Template structure for every input (PDB or mmCIF), chain after ':'; repeat for more (models 1 and 2)", "FILE[:CHAIN]" },
    { "template-alignment", 0, 0, G_OPTION_ARG_FILENAME, &b.templates.alignment_file, "Query-template alignment for every input (golden tmpl's format; its query must be the input's)", "FILE" },
    { "template-dir", 0, 0, G_OPTION_ARG_FILENAME, &b.templates.template_dir, "DIR/ID/ holds input ID's templates (structure files, templates.txt, template_alignment.tsv), read as predict --template-dir reads a folder", "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (
      "INPUT OUTDIR - predict many structures, ColabFold-compatible results");
  g_option_context_set_summary (ctx,
      "INPUT: a multi-FASTA, a CSV \"id,sequence\" or a folder of .a3m / .fasta files.\n"
      "Finished inputs (ID.done.txt) are skipped, so a batch can be restarted.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) opt_error = NULL;
  int status = 0;
  if (!g_option_context_parse (ctx, &argc, &argv, &opt_error))
    {
      batch_clear (&b);
      return fl_cli_usage_error (ctx, opt_error->message);
    }
  const char *usage = NULL;
  FlBackendKind kind = FL_BACKEND_KIND_AUTO;
  FlPrecision precision = FL_PRECISION_TF32;
  int shard_k = 1, shard_n = 1;
  g_autoptr (GArray) devices = g_array_new (FALSE, FALSE, sizeof (int));
  if (argc != 3)
    usage = "give INPUT and OUTDIR";
  else if (!b.params || !b.params[0])
    usage = "--params is required";
  else if (!fl_cli_parse_backend (b.backend_name, &kind))
    usage = "--backend must be cpu, cuda or auto";
  else if (b.precision_name && !fl_precision_from_name (b.precision_name, &precision))
    usage = "--precision must be fp32, tf32 or bf16";
  else if (b.rank_by && !g_str_equal (b.rank_by, "plddt") && !g_str_equal (b.rank_by, "ptm"))
    usage = "--rank-by must be plddt or ptm";
  else if (b.recycles < -1 || b.threads < 0 || b.device < 0 || b.tolerance < 0
           || b.workers < 1 || b.worker < 0
           || (b.max_clusters != -1 && b.max_clusters < 1) || (b.max_extra != -1 && b.max_extra < 0))
    usage = "a numeric option is out of range";
  else if (b.shard && (sscanf (b.shard, "%d/%d", &shard_k, &shard_n) != 2
                       || shard_n < 1 || shard_k < 1 || shard_k > shard_n))
    usage = "--shard must be K/N with 1 <= K <= N";
  else if (b.devices && !fl_batch_parse_devices (b.devices, devices))
    usage = "--devices must be a list of device indices, e.g. 0,1";
  if (usage)
    {
      batch_clear (&b);
      return fl_cli_usage_error (ctx, usage);
    }
  if (!b.rank_by)
    b.rank_by = g_strdup ("plddt");
  b.out_dir = g_strdup (argv[2]);
  if (!b.summary_path)
    b.summary_path = g_build_filename (b.out_dir, "summary.csv", NULL);

  GError *error = NULL;
  b.inputs = fl_batch_inputs_read (argv[1], &error);
  if (!b.inputs)
    goto fail;
  fl_batch_inputs_shard (b.inputs, shard_k, shard_n);
  if (g_mkdir_with_parents (b.out_dir, 0755) != 0)
    {
      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot create the output folder %s: %s", b.out_dir, g_strerror (errno));
      goto fail;
    }
  b.state_dir = fl_batch_state_dir (b.out_dir, &error);
  if (!b.state_dir)
    goto fail;

  if (devices->len == 0)
    g_array_append_val (devices, b.device);
  if (devices->len * (guint) b.workers > 1)
    {
      /* The pool: one process per worker, each a plain batch on its device. */
      g_autoptr (GArray) pool = g_array_new (FALSE, FALSE, sizeof (int));
      for (guint d = 0; d < devices->len; d++)
        for (int w = 0; w < b.workers; w++)
          g_array_append_val (pool, g_array_index (devices, int, d));
      b.session = g_strdup_printf ("%d-%" G_GINT64_FORMAT, (int) getpid (), g_get_real_time ());
      g_printerr ("%s: %u inputs, %u workers sharing %s\n", log_prefix (&b), b.inputs->len,
                  pool->len, b.out_dir);
      if (!fl_batch_run_pool (orig_argv, pool, b.session, &error))
        goto fail;
    }
  else
    {
      if (!load_models (&b, &error))
        goto fail;
      fl_run_options_init (&b.opts);
      b.opts.backend = kind;
      b.opts.device = b.device;
      b.opts.precision = precision;
      b.opts.n_threads = b.threads;
      b.opts.num_recycle = b.recycles;
      b.opts.recycle_tolerance = (float) b.tolerance;
      b.opts.capture_attention = FALSE;
      b.opts.capture_layers = b.trajectory;
      b.opts.keep_representations = FALSE;
      /* Parameters go to the device once per model and stay for every input. */
      b.engines = g_ptr_array_new_with_free_func ((GDestroyNotify) fl_engine_free);
      for (guint k = 0; k < b.models->len; k++)
        {
          FlCliModel *m = g_ptr_array_index (b.models, k);
          FlEngine *e = fl_engine_new (m->params, &m->cfg, &b.opts, &error);
          if (!e)
            goto fail;
          g_ptr_array_add (b.engines, e);
          g_printerr ("%s: %s (%s, preset from the %s): %d + %d MSA rows at most, on %s\n",
                      log_prefix (&b), m->cfg.preset, m->params_file, m->preset_source,
                      m->cfg.max_msa_clusters, m->cfg.max_extra_msa,
                      fl_engine_backend_description (e));
          if (!fl_batch_templates_given (&b.templates))
            fl_cli_model_notice_templates (m);
          if (m->cfg.has_templates)
            b.max_templates = MAX (b.max_templates, MAX (m->cfg.max_templates, 1));
        }
      if (b.max_templates == 0 && fl_batch_templates_given (&b.templates))
        g_printerr ("%s: notice: no model of this batch has a template stack (models 1 and 2 "
                    "have one): the templates are not used\n", log_prefix (&b));
      gboolean any_file = FALSE, any_seq = FALSE;
      for (guint i = 0; i < b.inputs->len; i++)
        {
          const FlBatchInput *in = g_ptr_array_index (b.inputs, i);
          any_file |= in->path != NULL;
          any_seq |= in->path == NULL;
        }
      const FlModelConfig *c0 = &((FlCliModel *) g_ptr_array_index (b.models, 0))->cfg;
      FlCliRunSettings settings = {
        .num_recycles = b.recycles >= 0 ? b.recycles : c0->num_recycle,
        .tolerance = b.tolerance, .seed = (guint64) b.seed, .deterministic = b.deterministic,
        .rank_by = b.rank_by, .num_queries = (int) b.inputs->len,
        .msa_mode = any_file ? (any_seq ? "custom, single_sequence" : "custom") : "single_sequence",
        .use_templates = b.max_templates > 0 && fl_batch_templates_given (&b.templates),
        .engine = g_ptr_array_index (b.engines, 0),
      };
      g_autofree char *config_json = g_build_filename (b.out_dir, "config.json", NULL);
      if (!fl_cli_write_config_json (config_json, (FlCliModel *const *) b.models->pdata,
                                     (int) b.models->len, &settings, &error))
        goto fail;
      g_printerr ("%s: %u inputs, %u model%s\n", log_prefix (&b), b.inputs->len, b.models->len,
                  b.models->len == 1 ? "" : "s");
      if (!run_inputs (&b, &error))
        goto fail;
    }

  if (b.worker == 0)
    {
      int n_failed, n_pending;
      if (!fl_batch_write_summary (b.summary_path, b.out_dir, b.state_dir, b.inputs,
                                   &n_failed, &n_pending, &error))
        goto fail;
      g_autofree char *this_run = b.engines
          ? g_strdup_printf (" (this run: %d done, %d failed, %d skipped as already done)",
                             b.n_done, b.n_failed, b.n_skipped)
          : g_strdup ("");
      g_printerr ("%s: %u inputs: %u done, %d failed, %d pending%s; %s\n", log_prefix (&b),
                  b.inputs->len, b.inputs->len - n_failed - n_pending, n_failed, n_pending,
                  this_run, b.summary_path);
      if (n_pending > 0)
        status = 1;
    }
  batch_clear (&b);
  return status;

fail:
  batch_clear (&b);
  return fl_cli_fail (error);
}
