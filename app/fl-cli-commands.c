/* The sub-command table of foldlight-cli. */
#include "fl-cli.h"
#include "fl-params-fetch.h"

int fl_cli_bench_cartoon_main (int argc, char **argv);
int fl_cli_predict_main (int argc, char **argv);
int fl_cli_batch_main (int argc, char **argv);
int fl_cli_bench_main (int argc, char **argv);
int fl_cli_random_params_main (int argc, char **argv);

const FlCliCommand fl_cli_commands[] = {
  { "features", "Build model input features from an alignment (.npz)", fl_cli_features_main },
  { "predict", "Predict a structure (PDB, mmCIF, scores, PAE)", fl_cli_predict_main },
  { "batch", "Predict many inputs: ColabFold-named results, resumable, several workers", fl_cli_batch_main },
  { "bench", "Time the full-size model on random weights (GPU/CPU benchmark)", fl_cli_bench_main },
  { "random-params", "Write random parameters with official names and shapes (.npz)", fl_cli_random_params_main },
  { "compare", "Accuracy of a model against a reference structure (RMSD, TM, lDDT, GDT)", fl_cli_compare_main },
  { "fetch-params", "Download DeepMind's official parameters (" FL_PARAMS_TARBALL_NAME ")", fl_cli_fetch_params_main },
  { "bench-cartoon", "Time the 3D cartoon rebuild of one frame (benchmark)", fl_cli_bench_cartoon_main },
  { NULL, NULL, NULL },
};
