/* Helpers every trunk module shares (fl-trunk-common.c), below the modules
 * and the trunk object, so that every include inside trunk/ points one way:
 * fl-evoformer.c -> modules -> fl-trunk-common.
 *
 * Every module is written in the op table of fl-backend.h: pointers below are
 * backend memory and are only offset, never dereferenced. Temporaries come
 * from one scratch arena per FlEvoformer (a bump allocator): a module takes
 * what it needs and gives it back on return, so the arena is as large as the
 * hungriest module, and fl_trunk_*_scratch() count exactly what the modules
 * take (fl-trunk-memory.c adds them up). */
#pragma once
#include <glib.h>
#include "fl-backend.h"
#include "fl-config.h"
#include "fl-params.h"
#include "fl-weights.h"

G_BEGIN_DECLS

/* ---- scratch arena ---- */
typedef struct {
  FlBackend *b;
  float *base;
  size_t used, cap;    /* floats */
} FlScratch;

/* n floats from the arena. Overflow is a programming error: it is recorded
 * as a backend error (so every later op is a no-op) and base is returned. */
float *fl_scratch_take (FlScratch *s, size_t n);
static inline size_t fl_scratch_mark (FlScratch *s) { return s->used; }
static inline void fl_scratch_release (FlScratch *s, size_t mark) { s->used = mark; }

/* ---- sizes of one stack (Evoformer or extra-MSA) ---- */
typedef struct {
  const char *prefix;     /* "evoformer/evoformer_iteration" | "evoformer/extra_msa_stack" */
  gboolean is_extra;      /* global column attention instead of column attention */
  int64_t S, L;           /* rows, residues */
  int c_m, c_z;           /* msa (or extra) channels, pair channels */
  int row_heads, row_dim; /* key/value width per head */
  int col_heads, col_dim;
  int msa_hidden;         /* msa transition hidden width */
  int opm_c;              /* outer product channels */
  int mul_out_c, mul_in_c;/* triangle multiplication intermediate widths */
  int start_heads, start_dim, end_heads, end_dim;
  int pair_hidden;
  size_t budget;          /* floats a chunked temporary may use */
} FlStackDims;

/* Sizes from the configuration (for fl_evoformer_bytes_needed) or read from
 * the parameter shapes (what fl_evoformer_new uses). */
void fl_stack_dims_from_config (FlStackDims *d, const FlModelConfig *cfg,
                                gboolean is_extra, int64_t S, int64_t L);
gboolean fl_stack_dims_from_params (FlStackDims *d, FlParams *params,
                                    const FlModelConfig *cfg, gboolean is_extra,
                                    int64_t S, int64_t L, GError **error);

/* ---- context of one block ---- */
typedef struct {
  FlBackend *b;
  FlWeights *w;
  const FlStackDims *d;
  int block;
  FlScratch *scratch;
} FlTrunkCtx;

/* Weight `name` ("msa_transition/transition1//weights") of this block. */
const float *fl_trunk_weight (FlTrunkCtx *t, const char *name);

/* Shape of parameter FL_PARAMS_ROOT prefix/name: FALSE + error when absent
 * or of another rank. */
gboolean fl_trunk_param_shape (FlParams *params, const char *prefix, const char *name,
                               int ndim, int64_t *shape, GError **error);

/* Bins of the recycled pseudo-beta distogram (15 unless configured). */
int fl_trunk_prev_pos_bins (const FlModelConfig *cfg);

/* Rows processed at once when `per_row` floats of temporaries are needed per
 * row of `n_rows` and the budget is d->budget. */
int64_t fl_trunk_chunk_rows (const FlStackDims *d, int64_t n_rows, size_t per_row);

G_END_DECLS
