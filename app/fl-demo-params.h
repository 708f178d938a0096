/* The "demo" model: small untrained parameters for pressing Run without the
 * official files. Widths are narrow and blocks few so that a CPU finishes the
 * 59-residue demo in seconds; the structure module keeps its 8 layers so the
 * timeline looks like a real run. The parameters are made deterministically
 * at run time (fl_params_generate_random, fixed seed): nothing large is
 * stored, and nothing they produce is a prediction. */
#pragma once
#include "fl-config.h"
#include "fl-params.h"

G_BEGIN_DECLS

#define FL_DEMO_PARAMS_SEED 4242
/* Backbone-update weights are scaled by this (see fl-demo-params.c). */
#define FL_DEMO_AFFINE_SCALE 0.05f

/* Fill the demo configuration (preset name "demo"). */
void fl_demo_model_config (FlModelConfig *cfg);
/* Parameters of fl_demo_model_config, generated now. */
FlParams *fl_demo_params_new (FlModelConfig *cfg_out, GError **error);

G_END_DECLS
