/* What foldlight-cli batch remembers of each input, for the summary:
 * OUTDIR/.foldlight-batch/ID.json ({"id", "length", "status": "done" |
 * "failed", "seconds", "session", "error", "ranking": [{"model",
 * "mean_plddt", "ptm"}], "templates": what each model used, as
 * ID_templates.json, or null}), and the summary CSV built from them:
 * id,length,status,rank_1_model,mean_plddt,ptm,seconds,error,templates with
 * status done, failed or pending (templates: fl_batch_templates_summary). */
#pragma once
#include <glib.h>
#include "fl-batch-inputs.h"
#include <json-glib/json-glib.h>
#include "fl-batch-output.h"

G_BEGIN_DECLS

/* The outcome of one input: `ranked` results (FlBatchModelResult, best
 * first) and `templates` (fl_batch_templates_describe, or NULL) when it
 * succeeded, `failure` when not. `session`: the worker pool's id, or NULL. */
gboolean fl_batch_record_write (const char *state_dir, const FlBatchInput *in, GPtrArray *ranked,
                                JsonNode *templates, double seconds, const char *session,
                                const GError *failure, GError **error);

/* The input failed in a worker of this pool (same session): the other
 * workers do not retry it; a later run does. FALSE when session is NULL. */
gboolean fl_batch_record_failed_in (const char *state_dir, const char *id, const char *session);

/* The summary CSV at `path` (its folder created) for every input of the
 * list; counts the failed and pending ones. Written atomically. */
gboolean fl_batch_write_summary (const char *path, const char *out_dir, const char *state_dir,
                                 GPtrArray *inputs, int *n_failed, int *n_pending,
                                 GError **error);

G_END_DECLS
