/* Test hooks of the structure module (not part of the engine API). */
#pragma once
#include "fl-structure-module.h"

G_BEGIN_DECLS

/* Backend (L, c): the IPA output (before the residual) of the layer that was
 * just reported to the layer callback. Borrowed. */
const float *fl_structure_module_peek_ipa_out (FlStructureModule *sm);

G_END_DECLS
