/* libFuzzer harness: AlphaFold ConfigDict JSON (config.json) over a preset. */
#include "fl-config.h"
#include "fl-fuzz-util.h"

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
  FlModelConfig cfg;
  if (!fl_model_config_from_preset ("model_1_ptm", &cfg, &error))
    abort ();
  if (!fl_model_config_load_json (path, &cfg, &error))
    {
      if (error == NULL)
        abort ();
      g_error_free (error);
    }
  return 0;
}
