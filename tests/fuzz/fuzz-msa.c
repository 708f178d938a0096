/* libFuzzer harness: the alignment parsers (A3M, FASTA, Stockholm and the
 * format sniffer) on arbitrary text. */
#include "fl-fuzz-util.h"
#include "fl-msa.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fl_fuzz_init ();
  return 0;
}

static void
check (FlMsa *msa, GError *error)
{
  /* Exactly one of a result and an error. */
  if ((msa == NULL) == (error == NULL))
    abort ();
  if (msa)
    {
      /* What the feature pipeline relies on. */
      if (msa->n_rows < 1 || msa->L < 1 || (int) strlen (msa->query) != msa->L)
        abort ();
      for (gsize i = 0; i < (gsize) msa->n_rows * msa->L; i++)
        if (msa->tokens[i] < 0 || msa->tokens[i] > FL_TOKEN_GAP || !(msa->deletions[i] >= 0))
          abort ();
      fl_msa_free (msa);
    }
  g_clear_error (&error);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  GError *error = NULL;
  FlMsa *m = fl_msa_parse_auto (text, (gssize) size, &error);
  check (m, error);
  error = NULL;
  m = fl_msa_parse_a3m (text, (gssize) size, &error);
  check (m, error);
  error = NULL;
  m = fl_msa_parse_fasta (text, (gssize) size, &error);
  check (m, error);
  error = NULL;
  m = fl_msa_parse_stockholm (text, (gssize) size, &error);
  check (m, error);
  return 0;
}
