/* What predict and batch share: a model's parameters and configuration
 * (preset from --preset, else from the file name, else from the tensors),
 * the backend option, and DIR/config.json saying how a result was made. */
#pragma once
#include <glib.h>
#include <json-glib/json-glib.h>
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-engine.h"
#include "fl-params.h"

G_BEGIN_DECLS

typedef struct {
  FlParams *params;
  FlModelConfig cfg;
  const char *preset_source;   /* "--preset", "file name" or "parameter shapes" */
  char *params_file;           /* basename(s), ", " between several files */
  char *params_sha256;         /* hex digest(s), ", " between several files */
  gboolean clusters_explicit;  /* --max-msa-clusters given: no trimming to the alignment */
  gboolean template_weights;   /* the file holds template weights (models 1 and 2) */
} FlCliModel;

/* Load parameter file(s) and build the configuration. The preset is
 * `preset` when given, else the one the (first) file name stands for, else
 * model_1 / model_1_ptm by the presence of a PAE head. A ConfigDict JSON
 * overlays it; max_clusters / max_extra >= 0 override the data settings
 * (-1: the preset's). */
FlCliModel *fl_cli_model_load (char **paths, const char *preset, const char *config_path,
                               int max_clusters, int max_extra, GError **error);
void fl_cli_model_free (FlCliModel *model);

/* Print a plain notice on stderr when the model was trained with templates
 * (models 1 and 2, or template weights in the file) and runs without them. */
void fl_cli_model_notice_templates (const FlCliModel *model);

/* A member `key` of the object being built: the string, or null. */
void fl_cli_json_add_string_or_null (JsonBuilder *b, const char *key, const char *value);

/* ColabFold's model_type of a configuration: "alphafold2_ptm" or "alphafold2". */
const char *fl_cli_model_type (const FlModelConfig *cfg);

/* "cpu", "cuda", "auto" (NULL = auto). FALSE for anything else. */
gboolean fl_cli_parse_backend (const char *name, FlBackendKind *kind);

/* The run-wide settings written to config.json. */
typedef struct {
  int num_recycles;            /* recycles after the first pass */
  double tolerance;            /* recycle early-stop tolerance, Å (0: never) */
  guint64 seed;
  gboolean deterministic;
  const char *rank_by;         /* "plddt" / "ptm", or NULL (single model) */
  int num_queries;             /* inputs (1 for predict) */
  const char *msa_mode;        /* "single_sequence", "custom" (alignments given), "features" */
  gboolean use_templates;      /* templates given to a model with a template stack */
  FlEngine *engine;            /* any engine of the run: backend name, description, precision */
} FlCliRunSettings;

/* DIR/config.json: ColabFold's keys where they exist (model_type, num_models,
 * model_order, num_recycles, recycle_early_stop_tolerance, max_seq,
 * max_extra_seq, rank_by, random_seed, num_seeds, use_templates, num_queries,
 * msa_mode, version) plus preset, params_file, params_sha256, backend,
 * backend_description, precision, foldlight_version and "models": one object
 * per model with its own preset, file, digest and data settings. With
 * several models whose values differ, the top-level preset / params_* /
 * max_seq / max_extra_seq are null. Written atomically. */
gboolean fl_cli_write_config_json (const char *path, FlCliModel *const *models, int n_models,
                                   const FlCliRunSettings *run, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlCliModel, fl_cli_model_free)

G_END_DECLS
