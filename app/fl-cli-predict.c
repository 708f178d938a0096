/* foldlight-cli predict: features -> engine -> model.pdb / model.cif /
 * scores.json / pae.json / config.json [/ trajectory.pdb / result.npz]. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "fl-cli.h"
#include "fl-cli-model.h"
#include "fl-snapshot.h"
#include "fl-config.h"
#include "fl-engine.h"
#include "fl-error.h"
#include "fl-features.h"
#include "fl-msa.h"
#include "fl-npz.h"
#include "fl-params.h"
#include "fl-scores-io.h"
#include "fl-structure-io.h"
#include "fl-templates.h"

typedef struct {
  gboolean tty;
  gboolean trajectory;
  int n_passes;
  int n_evo, n_extra;
  GPtrArray *frames;      /* FlTrajFrame, when --trajectory */
  const int32_t *aatype;
  int L;
} Progress;

typedef struct {
  char *title;
  float *atom37;          /* (L, 37, 3) */
  float *atom37_mask;     /* (L, 37) */
  float *plddt;           /* (L) */
} TrajFrame;

static void
traj_frame_free (gpointer p)
{
  TrajFrame *f = p;
  g_free (f->title);
  g_free (f->atom37);
  g_free (f->atom37_mask);
  g_free (f->plddt);
  g_free (f);
}

static void
on_run_started (const FlRunInfo *info, gpointer user_data)
{
  Progress *p = user_data;
  p->n_passes = info->n_passes;
  p->n_evo = info->n_evoformer_blocks;
  p->n_extra = info->n_extra_blocks;
  g_printerr ("foldlight-cli: %d residues, %d cluster + %d extra MSA rows, %d pass%s, %s "
              "(memory plan %.1f MiB)\n",
              info->L, info->n_clust, info->n_extra, info->n_passes,
              info->n_passes == 1 ? "" : "es", info->backend_description,
              info->planned_bytes / (1024.0 * 1024.0));
}

static FlObserveAction
on_block (const FlBlockEvent *e, gpointer user_data)
{
  Progress *p = user_data;
  if (e->stage == FL_STAGE_STRUCTURE)
    return FL_OBSERVE_CONTINUE;
  gboolean last = e->block + 1 == e->n_blocks;
  /* On a terminal every block rewrites one line; otherwise one line per stage. */
  if (p->tty || last)
    fprintf (stderr, "%srecycle %d of 0\342\200\223%d \302\267 %s block %d/%d%s",
                p->tty ? "\r\033[K" : "", e->recycle, MAX (p->n_passes - 1, e->recycle),
                fl_stage_name (e->stage), e->block + 1, e->n_blocks,
                p->tty ? "" : "\n");
  return FL_OBSERVE_CONTINUE;
}

static FlObserveAction
on_layer (const FlLayerEvent *e, gpointer user_data)
{
  Progress *p = user_data;
  if (!p->trajectory)
    return FL_OBSERVE_CONTINUE;
  TrajFrame *f = g_new0 (TrajFrame, 1);
  gsize L = e->L;
  f->title = fl_frame_title (e->recycle, e->layer);
  f->atom37 = g_memdup2 (e->atom37, L * 37 * 3 * sizeof (float));
  f->atom37_mask = g_memdup2 (e->atom37_mask, L * 37 * sizeof (float));
  f->plddt = e->plddt ? g_memdup2 (e->plddt, L * sizeof (float)) : g_new0 (float, L);
  g_ptr_array_add (p->frames, f);
  return FL_OBSERVE_CONTINUE;
}

static FlObserveAction
on_recycle (const FlRecycleEvent *e, gpointer user_data)
{
  Progress *p = user_data;
  g_autofree char *ptm = isfinite (e->ptm) ? g_strdup_printf (" pTM=%.3f", e->ptm) : g_strdup ("");
  g_autofree char *tol = isfinite (e->tolerance) ? g_strdup_printf (" tol=%.3g", e->tolerance)
                                                 : g_strdup ("");
  fprintf (stderr, "%srecycle=%d pLDDT=%.1f%s%s\n", p->tty ? "\r\033[K" : "", e->recycle,
           e->mean_plddt, ptm, tol);
  return FL_OBSERVE_CONTINUE;
}

static gboolean
write_structure (const char *path, FlResult *result, const FlScores *scores, GError **error)
{
  FlStructureModel m = {
    .title = "Foldlight prediction",
    .aatype = result->aatype,
    .atom37 = fl_result_get (result, "structure_module/final_atom_positions"),
    .atom37_mask = fl_result_get (result, "structure_module/final_atom_mask"),
    .plddt = scores->final.plddt,
  };
  if (!m.atom37 || !m.atom37_mask)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_FAILED,
                   "The run produced no atom positions.");
      return FALSE;
    }
  return fl_structure_write (path, FL_STRUCTURE_FORMAT_AUTO, "foldlight", result->L,
                             &m, 1, error);
}

static gboolean
write_trajectory (const char *path, Progress *p, GError **error)
{
  guint n = p->frames->len;
  if (n == 0)
    {
      g_set_error (error, FL_ENGINE_ERROR, FL_ENGINE_ERROR_FAILED,
                   "No structure-module layers were recorded for the trajectory.");
      return FALSE;
    }
  g_autofree FlStructureModel *models = g_new0 (FlStructureModel, n);
  for (guint i = 0; i < n; i++)
    {
      TrajFrame *f = g_ptr_array_index (p->frames, i);
      models[i] = (FlStructureModel) {
        .title = f->title, .aatype = p->aatype, .atom37 = f->atom37,
        .atom37_mask = f->atom37_mask, .plddt = f->plddt,
      };
    }
  return fl_structure_write (path, FL_STRUCTURE_FORMAT_PDB, "foldlight-trajectory", p->L,
                             models, n, error);
}

/* Template options -> template features for `query` (max_templates slots);
 * the alignment of each template is printed. NULL with no error when no
 * template was given (or a template folder holds none). */
FlTemplateFeatures *
fl_cli_load_templates (const char *query, const char *const *templates,
                       const char *alignment_file, const char *template_dir,
                       int max_templates, GError **error)
{
  g_autoptr (GPtrArray) hits = NULL;
  FlTemplateFeatures *tf = fl_template_features_from_options (query, templates, alignment_file,
                                                              template_dir, max_templates,
                                                              &hits, error);
  if (!tf)
    return NULL;
  for (guint t = 0; t < hits->len; t++)
    {
      FlTemplateHit *h = g_ptr_array_index (hits, t);
      g_autofree char *qr = NULL, *tr = NULL;
      fl_template_hit_alignment_strings (h, query, &qr, &tr);
      int aligned = fl_template_hit_n_aligned (h, query, NULL);
      g_printerr ("foldlight-cli: template %u %s (%s): %d of %d query residues aligned%s\n"
                  "  query    %s\n  template %s\n", t + 1, h->chain->domain_name, h->chain->path,
                  aligned, h->L, (int) t >= tf->T ? " (beyond max_templates: not used)" : "",
                  qr, tr);
    }
  return tf;
}

/* Template options -> features->templates (replacing any the features
 * file had). */
gboolean
fl_cli_add_templates (FlFeatures *features, const FlModelConfig *cfg,
                      const char *const *templates, const char *alignment_file,
                      const char *template_dir, GError **error)
{
  if (!alignment_file && !(templates && templates[0]) && !template_dir)
    return TRUE;
  if (!cfg->has_templates)
    {
      g_set_error (error, FL_FEATURES_ERROR, FL_FEATURES_ERROR_INVALID,
                   "The parameters have no template stack: templates are used by models 1 "
                   "and 2 (and their _ptm variants).");
      return FALSE;
    }
  g_autoptr (GError) local = NULL;
  FlTemplateFeatures *tf = fl_cli_load_templates (features->sequence, templates, alignment_file,
                                                  template_dir, MAX (cfg->max_templates, 1),
                                                  &local);
  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (!tf)
    {
      g_printerr ("foldlight-cli: %s holds no templates\n", template_dir);
      return TRUE;
    }
  fl_template_features_free (features->templates);
  features->templates = tf;
  return TRUE;
}

int fl_cli_predict_main (int argc, char **argv);

int
fl_cli_predict_main (int argc, char **argv)
{
  g_auto (GStrv) params_paths = NULL;
  g_autofree char *preset = NULL, *config_path = NULL, *features_path = NULL;
  g_autofree char *a3m_path = NULL, *fasta_path = NULL, *out_dir = NULL;
  g_autofree char *backend_name = NULL, *precision_name = NULL, *teacher_path = NULL;
  int max_clusters = -1, max_extra = -1, recycles = -1, device = 0, threads = 0;
  gint64 seed = 0;
  double tolerance = 0.0;
  gboolean deterministic = FALSE, save_npz = FALSE, trajectory = FALSE;
  g_auto (GStrv) template_files = NULL;
  g_autofree char *template_alignment = NULL, *template_dir = NULL;

  GOptionEntry entries[] = {
    { "params", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &params_paths, "Parameter file (.npz); repeat to merge several", "PARAMS.npz" },
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "Model preset (model_1 ... model_5, _ptm variants)", "NAME" },
    { "config", 0, 0, G_OPTION_ARG_FILENAME, &config_path, "AlphaFold ConfigDict JSON overriding the preset", "CONFIG.json" },
    { "features", 0, 0, G_OPTION_ARG_FILENAME, &features_path, "Processed features (.npz, golden format)", "FEATURES.npz" },
    { "a3m", 0, 0, G_OPTION_ARG_FILENAME, &a3m_path, "Alignment, query first", "A3M" },
    { "fasta", 0, 0, G_OPTION_ARG_FILENAME, &fasta_path, "Single sequence (no MSA)", "FASTA" },
    { "max-msa-clusters", 0, 0, G_OPTION_ARG_INT, &max_clusters, "Cluster rows (default: the preset's)", "N" },
    { "max-extra-msa", 0, 0, G_OPTION_ARG_INT, &max_extra, "Extra MSA rows (default: the preset's)", "M" },
    { "deterministic", 0, 0, G_OPTION_ARG_NONE, &deterministic, "Golden feature mode: file order, no masking", NULL },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed of MSA sampling and masking", "S" },
    { "recycles", 0, 0, G_OPTION_ARG_INT, &recycles, "Recycles after the first pass: recycles 0..N run (default: the config's)", "N" },
    { "tolerance", 0, 0, G_OPTION_ARG_DOUBLE, &tolerance, "Stop early when the CA-distance RMS change is below T Å", "T" },
    { "backend", 0, 0, G_OPTION_ARG_STRING, &backend_name, "cpu, cuda or auto (default)", "NAME" },
    { "device", 0, 0, G_OPTION_ARG_INT, &device, "CUDA device index", "N" },
    { "precision", 0, 0, G_OPTION_ARG_STRING, &precision_name, "tf32 (default), fp32 or bf16: the CUDA products' precision (the CPU is always fp32)", "P" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "CPU threads (default: all cores)", "N" },
    { "save-npz", 0, 0, G_OPTION_ARG_NONE, &save_npz, "Also write result.npz (golden key names)", NULL },
    { "trajectory", 0, 0, G_OPTION_ARG_NONE, &trajectory, "Also write trajectory.pdb (every recycle × structure-module layer; opens as a timeline in foldlight)", NULL },
    { "template", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &template_files, "Template structure (PDB or mmCIF), chain after ':' (default the first); aligned to the query globally; repeat for more (models 1 and 2)", "FILE[:CHAIN]" },
    { "template-alignment", 0, 0, G_OPTION_ARG_FILENAME, &template_alignment, "Query-template alignment (the format of golden tmpl's template_alignment.tsv)", "FILE" },
    { "template-dir", 0, 0, G_OPTION_ARG_FILENAME, &template_dir, "Folder of templates: alone, every template in it (its template_alignment.tsv, templates.txt or structure files; see docs/templates.md); with --template / --template-alignment, where their files are looked up", "DIR" },
    { "teacher-forced", 0, 0, G_OPTION_ARG_FILENAME, &teacher_path, "Run every pass from the previous-pass state of a reference run (r{r}/... keys of recycles.npz); writes result.npz only", "RECYCLES.npz" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out_dir, "Output folder", "DIR" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("- predict a structure");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_option_context_set_help_enabled (ctx, TRUE);
  g_autoptr (GError) opt_error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &opt_error))
    return fl_cli_usage_error (ctx, opt_error->message);
  if (argc > 1)
    return fl_cli_usage_error (ctx, "unexpected argument; every input is given by an option");
  if (!params_paths || !params_paths[0])
    return fl_cli_usage_error (ctx, "--params is required: an AlphaFold parameter file such as "
                               "params_model_1_ptm.npz from DeepMind's alphafold_params_2022-12-06.tar "
                               "(CC BY 4.0; see the README), or untrained ones for trying the engine: "
                               "foldlight-cli random-params --out random.npz");
  if (!out_dir)
    return fl_cli_usage_error (ctx, "--out is required");
  int n_inputs = (features_path != NULL) + (a3m_path != NULL) + (fasta_path != NULL);
  if (n_inputs != 1)
    return fl_cli_usage_error (ctx, "give exactly one of --features, --a3m or --fasta");
  FlBackendKind kind;
  if (!fl_cli_parse_backend (backend_name, &kind))
    return fl_cli_usage_error (ctx, "--backend must be cpu, cuda or auto");
  FlPrecision precision = FL_PRECISION_TF32;
  if (precision_name && !fl_precision_from_name (precision_name, &precision))
    return fl_cli_usage_error (ctx, "--precision must be fp32, tf32 or bf16");
  if (recycles < -1 || threads < 0 || device < 0 || tolerance < 0
      || (max_clusters != -1 && max_clusters < 1) || (max_extra != -1 && max_extra < 0))
    return fl_cli_usage_error (ctx, "a numeric option is out of range");

  GError *error = NULL;
  g_autoptr (FlCliModel) model = fl_cli_model_load (params_paths, preset, config_path,
                                                     max_clusters, max_extra, &error);
  if (!model)
    return fl_cli_fail (error);
  FlModelConfig cfg = model->cfg;

  /* Engine (weights uploaded once). */
  FlRunOptions opts;
  fl_run_options_init (&opts);
  opts.backend = kind;
  opts.device = device;
  opts.precision = precision;
  opts.n_threads = threads;
  opts.num_recycle = recycles;
  opts.recycle_tolerance = (float) tolerance;
  opts.capture_attention = FALSE;
  opts.capture_layers = trajectory;
  opts.keep_representations = save_npz;
  g_autoptr (FlEngine) engine = fl_engine_new (model->params, &cfg, &opts, &error);
  if (!engine)
    return fl_cli_fail (error);

  /* Features. For an alignment the memory plan is checked before the
   * features are built, so that a sequence too long is refused before
   * anything large is allocated. */
  g_autoptr (FlFeatures) features = NULL;
  if (features_path)
    features = fl_features_load_npz (features_path, &error);
  else
    {
      g_autoptr (FlMsa) msa = fl_msa_load_file (a3m_path ? a3m_path : fasta_path, &error);
      if (!msa)
        return fl_cli_fail (error);
      FlFeatureOptions fo;
      fl_feature_options_init (&fo);
      /* Without an explicit size, no padding of clusters beyond the
       * alignment's rows; extra rows: the engine drops padding itself. */
      fo.max_msa_clusters = model->clusters_explicit
                            ? cfg.max_msa_clusters
                            : fl_feature_cluster_rows (msa, cfg.max_msa_clusters);
      fo.max_extra_msa = cfg.max_extra_msa;
      fo.deterministic = deterministic;
      fo.seed = (guint64) seed;
      if (!fl_engine_check_fits (engine, msa->L, fo.max_msa_clusters, fo.max_extra_msa,
                                 NULL, &error))
        return fl_cli_fail (error);
      features = fl_features_build (msa, &fo, &error);
    }
  if (!features)
    return fl_cli_fail (error);
  if (!fl_cli_add_templates (features, &cfg, (const char *const *) template_files,
                             template_alignment, template_dir, &error))
    return fl_cli_fail (error);

  if (g_mkdir_with_parents (out_dir, 0755) != 0)
    {
      g_set_error (&error, G_FILE_ERROR, g_file_error_from_errno (errno),
                   "Cannot create the output folder %s: %s", out_dir, g_strerror (errno));
      return fl_cli_fail (error);
    }

  g_printerr ("foldlight-cli: %s (preset from the %s), %d + %d MSA rows at most\n",
              cfg.preset, model->preset_source, cfg.max_msa_clusters, cfg.max_extra_msa);
  if (!features->templates || features->templates->n_real == 0)
    fl_cli_model_notice_templates (model);

  if (teacher_path)
    {
      int n_passes = (recycles >= 0 ? recycles : cfg.num_recycle) + 1;
      opts.keep_representations = TRUE;
      g_autoptr (FlArrays) tf = fl_cli_run_teacher_forced (engine, features, &opts, teacher_path,
                                                           n_passes, &error);
      g_autofree char *npz = g_build_filename (out_dir, "result.npz", NULL);
      if (!tf || !fl_npz_save (tf, npz, &error))
        return fl_cli_fail (error);
      g_printerr ("foldlight-cli: %d teacher-forced pass%s\n", n_passes, n_passes == 1 ? "" : "es");
      g_print ("%s\n", out_dir);
      return 0;
    }

  Progress progress = {
    .tty = isatty (STDERR_FILENO), .trajectory = trajectory,
    .frames = g_ptr_array_new_with_free_func (traj_frame_free),
    .aatype = features->aatype, .L = features->L,
  };
  FlObserver observer = {
    .run_started = on_run_started, .block_finished = on_block,
    .layer_finished = on_layer, .recycle_finished = on_recycle,
  };
  g_autoptr (FlResult) result = fl_engine_run (engine, features, &opts, &observer, &progress,
                                               NULL, &error);
  if (!result)
    {
      g_ptr_array_unref (progress.frames);
      return fl_cli_fail (error);
    }
  g_printerr ("foldlight-cli: %d pass%s in %.1f s%s\n", result->n_passes,
              result->n_passes == 1 ? "" : "es", result->seconds,
              result->stopped_early ? " (stopped early: tolerance reached)" : "");

  /* Outputs. */
  g_autoptr (FlScores) scores = fl_scores_new_from_result (result, &error);
  gboolean ok = scores != NULL;
  g_autofree char *pdb = g_build_filename (out_dir, "model.pdb", NULL);
  g_autofree char *cif = g_build_filename (out_dir, "model.cif", NULL);
  g_autofree char *scores_path = g_build_filename (out_dir, "scores.json", NULL);
  g_autofree char *pae_path = g_build_filename (out_dir, "pae.json", NULL);
  g_autofree char *traj_path = g_build_filename (out_dir, "trajectory.pdb", NULL);
  g_autofree char *npz_path = g_build_filename (out_dir, "result.npz", NULL);
  g_autofree char *config_json = g_build_filename (out_dir, "config.json", NULL);
  FlCliModel *models[] = { model };
  FlCliRunSettings settings = {
    .num_recycles = recycles >= 0 ? recycles : cfg.num_recycle,
    .tolerance = tolerance, .seed = (guint64) seed, .deterministic = deterministic,
    .num_queries = 1,
    .msa_mode = features_path ? "features" : a3m_path ? "custom" : "single_sequence",
    .use_templates = cfg.has_templates && features->templates && features->templates->n_real > 0,
    .engine = engine,
  };
  ok = ok && fl_cli_write_config_json (config_json, models, 1, &settings, &error);
  ok = ok && write_structure (pdb, result, scores, &error);
  ok = ok && write_structure (cif, result, scores, &error);
  ok = ok && fl_scores_save_json (scores, scores_path, &error);
  if (ok && scores->final.pae)
    ok = fl_scores_save_pae_json (scores, pae_path, &error);
  if (ok && trajectory)
    ok = write_trajectory (traj_path, &progress, &error);
  if (ok && save_npz)
    ok = fl_npz_save (result->arrays, npz_path, &error);
  g_ptr_array_unref (progress.frames);
  if (!ok)
    return fl_cli_fail (error);
  g_print ("%s\n", out_dir);
  return 0;
}
