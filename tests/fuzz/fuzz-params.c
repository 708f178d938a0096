/* libFuzzer harness: parameter files (.npz of official AlphaFold names):
 * loading, inferring the configuration from shapes, validation. */
#include "fl-config.h"
#include "fl-fuzz-util.h"
#include "fl-params.h"

#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fl_fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *path = fl_fuzz_as_file (data, size);
  GError *error = NULL;
  FlParams *params = fl_params_load (path, &error);
  if (params == NULL)
    {
      if (error == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }
  FlModelConfig cfg;
  if (!fl_model_config_from_preset ("model_1_ptm", &cfg, &error))
    abort ();
  if (fl_model_config_infer (&cfg, params, &error))
    {
      if (!fl_params_validate (params, &cfg, &error))
        g_clear_error (&error);
    }
  else
    g_clear_error (&error);
  for (guint i = 0; i < fl_params_n_tensors (params); i++)
    {
      const FlParamInfo *t = fl_params_tensor (params, i);
      if (t->offset + (gsize) t->numel > fl_params_n_floats (params))
        abort ();
    }
  fl_params_unref (params);
  return 0;
}
