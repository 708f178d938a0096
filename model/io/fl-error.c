#include "fl-error.h"

G_DEFINE_QUARK (fl-npz-error-quark, fl_npz_error)
G_DEFINE_QUARK (fl-params-error-quark, fl_params_error)
G_DEFINE_QUARK (fl-features-error-quark, fl_features_error)
G_DEFINE_QUARK (fl-engine-error-quark, fl_engine_error)
G_DEFINE_QUARK (fl-backend-error-quark, fl_backend_error)
G_DEFINE_QUARK (fl-config-error-quark, fl_config_error)
