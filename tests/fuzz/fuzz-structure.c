/* libFuzzer harness: the PDB or mmCIF reader (fl-structure-io) on arbitrary text,
 * built twice (fuzz-pdb, fuzz-mmcif) with FL_FUZZ_FORMAT naming the format;
 * first protein chain and a named chain. */
#include "fl-fuzz-util.h"
#include "fl-structure-io.h"

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
parse (const uint8_t *data, size_t size, FlStructureFormat format, const char *chain)
{
  GError *error = NULL;
  FlStructure *s = fl_structure_parse ((const char *) data, (gssize) size, format, chain, &error);
  if ((s == NULL) == (error == NULL))
    abort ();
  g_clear_error (&error);
  if (s == NULL)
    return;
  if (s->L < 1 || (int) strlen (s->sequence) != s->L)
    abort ();
  for (int i = 0; i < s->L; i++)
    if (s->aatype[i] < 0 || s->aatype[i] > 20)
      abort ();
  fl_structure_free (s);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  parse (data, size, FL_FUZZ_FORMAT, NULL);
  parse (data, size, FL_FUZZ_FORMAT, "B");
  parse (data, size, FL_STRUCTURE_FORMAT_AUTO, NULL);
  return 0;
}
