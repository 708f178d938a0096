/* FlWeights: a parameter file uploaded to a backend in one allocation.
 * Tensors are looked up by their key relative to FL_PARAMS_ROOT
 * ("evoformer/preprocess_msa//weights"); layer-stacked tensors
 * (evoformer_iteration, extra_msa_stack) by key and block index. */
#pragma once
#include <glib.h>
#include "fl-backend.h"
#include "fl-params.h"

G_BEGIN_DECLS

typedef struct _FlWeights FlWeights;

FlWeights *fl_weights_new (FlBackend *backend, FlParams *params, GError **error);
void fl_weights_free (FlWeights *weights);

FlParams *fl_weights_params (FlWeights *weights);     /* borrowed */
FlBackend *fl_weights_backend (FlWeights *weights);   /* borrowed */

/* Backend pointer to a whole tensor. A missing key records a backend error
 * (naming it) and returns NULL; parameters are validated before a run, so
 * this is a programming error, never a user-facing one. */
const float *fl_weights_get (FlWeights *weights, const char *relative_name);
/* Block `block` of a tensor stacked on its leading dimension. */
const float *fl_weights_block (FlWeights *weights, const char *relative_name, int block);
/* Host copy of a tensor (for tiny tensors used on the host). */
const float *fl_weights_host (FlWeights *weights, const char *relative_name);
const float *fl_weights_host_block (FlWeights *weights, const char *relative_name, int block);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlWeights, fl_weights_free)

G_END_DECLS
