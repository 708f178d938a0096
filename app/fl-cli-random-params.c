/* foldlight-cli random-params: a parameter file with the official names and
 * shapes of any preset and deterministic random values (the scheme of
 * shared/golden/README.md), for benchmarks and pipeline tests where the
 * official weights are not available. Predictions from it are meaningless. */
#include <stdio.h>
#include "fl-cli.h"
#include "fl-config.h"
#include "fl-npz.h"
#include "fl-params.h"

int fl_cli_random_params_main (int argc, char **argv);

int
fl_cli_random_params_main (int argc, char **argv)
{
  g_autofree char *preset = NULL, *out = NULL;
  int seed = 7;
  GOptionEntry entries[] = {
    { "preset", 0, 0, G_OPTION_ARG_STRING, &preset, "model_1..5 or model_1..5_ptm (default model_1_ptm)", "NAME" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "seed of the values (default 7, the benchmark's)", "N" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "the .npz to write", "FILE" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx =
    g_option_context_new ("- write random parameters with official names and shapes");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) error = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return fl_cli_usage_error (ctx, error->message);
  if (!out)
    return fl_cli_usage_error (ctx, "--out FILE is required");
  if (seed < 0)
    return fl_cli_usage_error (ctx, "--seed must be 0 or more");

  FlModelConfig cfg;
  if (!fl_model_config_from_preset (preset ? preset : "model_1_ptm", &cfg, &error))
    return fl_cli_fail (g_steal_pointer (&error));
  g_autoptr (FlArrays) arrays = fl_params_generate_random (&cfg, (guint64) seed);
  g_autoptr (FlParams) params = fl_params_new_from_arrays (arrays, &error);
  if (!params || !fl_npz_save (arrays, out, &error))
    return fl_cli_fail (g_steal_pointer (&error));
  printf ("%s: %s, seed %d, %.1f M parameters (random values: predictions are meaningless)\n",
          out, cfg.preset, seed, fl_params_n_floats (params) / 1e6);
  return 0;
}
