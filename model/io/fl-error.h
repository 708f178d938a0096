/* Error domains of the engine. Every function that can fail at run time
 * returns gboolean (or a pointer) and fills a GError ** from one of these. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

#define FL_NPZ_ERROR (fl_npz_error_quark ())
#define FL_PARAMS_ERROR (fl_params_error_quark ())
#define FL_FEATURES_ERROR (fl_features_error_quark ())
#define FL_ENGINE_ERROR (fl_engine_error_quark ())
#define FL_BACKEND_ERROR (fl_backend_error_quark ())
#define FL_CONFIG_ERROR (fl_config_error_quark ())

GQuark fl_npz_error_quark (void);
GQuark fl_params_error_quark (void);
GQuark fl_features_error_quark (void);
GQuark fl_engine_error_quark (void);
GQuark fl_backend_error_quark (void);
GQuark fl_config_error_quark (void);

typedef enum {
  FL_NPZ_ERROR_IO,         /* cannot open / read / write the file */
  FL_NPZ_ERROR_FORMAT,     /* not a zip, truncated, bad .npy header */
  FL_NPZ_ERROR_UNSUPPORTED,/* dtype or compression we do not read */
  FL_NPZ_ERROR_MISSING,    /* no array of that name */
} FlNpzError;

typedef enum {
  FL_PARAMS_ERROR_MISSING, /* a tensor the configuration needs is absent */
  FL_PARAMS_ERROR_SHAPE,   /* a tensor has the wrong shape (message names both) */
  FL_PARAMS_ERROR_EXTRA,   /* a tensor no module uses */
  FL_PARAMS_ERROR_DTYPE,
} FlParamsError;

typedef enum {
  FL_FEATURES_ERROR_PARSE,   /* malformed FASTA / A3M / Stockholm (message has the line) */
  FL_FEATURES_ERROR_EMPTY,   /* no sequence */
  FL_FEATURES_ERROR_INVALID, /* non-protein letters, ragged alignment, ... */
  FL_FEATURES_ERROR_MISSING, /* a feature key is missing from a features .npz */
} FlFeaturesError;

typedef enum {
  FL_ENGINE_ERROR_CANCELLED,
  FL_ENGINE_ERROR_TOO_LARGE, /* input does not fit in memory; message says the limit */
  FL_ENGINE_ERROR_INVALID,   /* features do not match the model */
  FL_ENGINE_ERROR_FAILED,
} FlEngineError;

typedef enum {
  FL_BACKEND_ERROR_NO_DEVICE,  /* no CUDA device / driver */
  FL_BACKEND_ERROR_OUT_OF_MEMORY,
  FL_BACKEND_ERROR_CUDA,       /* a CUDA / cuBLAS call failed (message has the call site) */
  FL_BACKEND_ERROR_UNSUPPORTED,
} FlBackendError;

typedef enum {
  FL_CONFIG_ERROR_UNKNOWN_PRESET,
  FL_CONFIG_ERROR_PARSE,
  FL_CONFIG_ERROR_INVALID,
} FlConfigError;

G_END_DECLS
