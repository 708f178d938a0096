/* foldlight-cli sub-commands. Each returns the process exit status:
 * 0 success, 1 bad input / run failure (one clear sentence on stderr),
 * 2 usage error. */
#pragma once
#include <glib.h>
#include "fl-engine.h"
#include "fl-config.h"
#include "fl-features.h"

G_BEGIN_DECLS

typedef struct {
  const char *name;
  const char *summary;
  int (*main) (int argc, char **argv);   /* argv[0] is the sub-command name */
} FlCliCommand;

/* The table, terminated by a NULL name (fl-cli-commands.c). */
extern const FlCliCommand fl_cli_commands[];

/* Shared helpers for sub-commands. */
int fl_cli_fail (GError *error);                         /* prints, frees, returns 1 */
int fl_cli_usage_error (GOptionContext *ctx, const char *message); /* returns 2 */

/* The template options of predict (--template FILE[:CHAIN] repeated,
 * --template-alignment FILE, --template-dir DIR) applied to features:
 * features->templates is replaced by the templates they give (nothing
 * happens without any); an error for a model without a template stack
 * (app/fl-cli-predict.c). Each hit's alignment is printed on stderr. */
gboolean fl_cli_add_templates (FlFeatures *features, const FlModelConfig *cfg,
                               const char *const *templates, const char *alignment_file,
                               const char *template_dir, GError **error);
/* The same options -> template features of `query` with max_templates
 * slots (predict and features); NULL without error when none is given. */
FlTemplateFeatures *fl_cli_load_templates (const char *query, const char *const *templates,
                                           const char *alignment_file, const char *template_dir,
                                           int max_templates, GError **error);

/* foldlight-cli features: alignment -> features .npz (app/fl-cli-features.c). */
int fl_cli_features_main (int argc, char **argv);

/* foldlight-cli compare: model vs reference structure (app/fl-cli-compare.c). */
int fl_cli_compare_main (int argc, char **argv);

/* foldlight-cli fetch-params: the official parameters (app/fl-cli-fetch-params.c). */
int fl_cli_fetch_params_main (int argc, char **argv);

/* foldlight-cli predict --teacher-forced (app/fl-cli-teacher-forced.c):
 * passes 0..n_passes-1, pass r from the reference's r-1 state (the
 * r{r-1}/ keys final_atom_positions, msa_first_row, pair of a recycles.npz).
 * Returns every pass's outputs under "r{r}/" plus the last pass's final keys. */
FlArrays *fl_cli_run_teacher_forced (FlEngine *engine, const FlFeatures *features,
                                     const FlRunOptions *opts, const char *reference_path,
                                     int n_passes, GError **error);

G_END_DECLS
