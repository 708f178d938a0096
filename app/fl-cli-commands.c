/* The sub-command table of foldlight-cli. */
#include "fl-cli.h"

const FlCliCommand fl_cli_commands[] = {
  { NULL, NULL, NULL },
};
