/* The memory plan of a run (fl-memory-plan.c). */
#pragma once
#include <glib.h>
#include "fl-backend.h"
#include "fl-config.h"

G_BEGIN_DECLS

/* Bytes the engine itself needs besides the trunk and structure module
 * (device inputs, recycled state, heads). */
gsize fl_engine_own_bytes_needed (const FlModelConfig *cfg, int L, int n_clust, int n_extra);

/* Backend bytes a run of these sizes allocates: trunk (with the backend's
 * chunk budget), structure module, and the engine's own buffers. */
gsize fl_memory_plan_bytes (FlBackend *b, const FlModelConfig *cfg, int L, int n_clust,
                            int n_extra);

/* TRUE when that fits in the backend's available memory; else an
 * FL_ENGINE_ERROR_TOO_LARGE error naming the need, what is available and the
 * longest sequence that would fit with this MSA depth. */
gboolean fl_memory_plan_check (FlBackend *b, const FlModelConfig *cfg, int L, int n_clust,
                               int n_extra, gsize *bytes_needed_out, GError **error);

G_END_DECLS
