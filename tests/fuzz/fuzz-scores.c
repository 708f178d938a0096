/* libFuzzer harness: scores JSON and PAE JSON (ColabFold / AlphaFold DB
 * layouts) and writing back what was read. */
#include "fl-fuzz-util.h"
#include "fl-scores-io.h"

#include <stdlib.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fl_fuzz_init ();
  return 0;
}

static void
check (FlScores *s, GError *error)
{
  if ((s == NULL) == (error == NULL))
    abort ();
  g_clear_error (&error);
  if (s == NULL)
    return;
  g_free (fl_scores_to_json (s));
  char *pae = fl_scores_pae_to_json (s, &error);
  g_free (pae);
  g_clear_error (&error);
  fl_scores_free (s);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  GError *error = NULL;
  FlScores *s = fl_scores_parse_json (text, (gssize) size, &error);
  check (s, error);
  error = NULL;
  s = fl_scores_parse_pae_json (text, (gssize) size, &error);
  check (s, error);
  return 0;
}
