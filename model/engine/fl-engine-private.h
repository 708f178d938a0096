/* Internal engine entry points for tests: one pass from a given previous
 * state, so that each recycle can be checked with the golden previous state
 * ("teacher forcing") instead of the engine's own, slightly different one. */
#pragma once
#include <glib.h>
#include "fl-engine.h"
#include "fl-memory-plan.h"

G_BEGIN_DECLS

/* Run pass `pass` (names the "r{pass}/" keys) starting from host arrays:
 * prev_atom37 (L, 37, 3), prev_msa_first_row (L, c_m), prev_pair
 * (L, L, c_z); all NULL = the zero state of pass 0 (all three must be given
 * or none). The result holds that pass's per-recycle keys and the final
 * (outputs.npz) keys computed from it. opts->num_recycle is ignored. */
FlResult *fl_engine_run_pass (FlEngine *engine, const FlFeatures *features,
                              const FlRunOptions *opts, int pass,
                              const float *prev_atom37,
                              const float *prev_msa_first_row,
                              const float *prev_pair,
                              GError **error);

/* fl_engine_own_bytes_needed (the engine's own buffers) is in fl-memory-plan.h. */

/* The engine's backend (borrowed): memory counters for benchmarks and tests. */
FlBackend *fl_engine_peek_backend (FlEngine *engine);

G_END_DECLS
