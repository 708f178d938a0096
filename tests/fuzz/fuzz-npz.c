/* libFuzzer harness: the .npz reader (zip directory, zip64, deflate, .npy
 * headers) on arbitrary bytes, through every entry point. */
#include "fl-fuzz-util.h"
#include "fl-npz.h"

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
  FlNpz *npz = fl_npz_open (path, &error);
  if (npz == NULL)
    {
      if (error == NULL)
        abort ();
      g_error_free (error);
      return 0;
    }
  for (guint i = 0; i < fl_npz_n_members (npz); i++)
    {
      const char *name = fl_npz_member_name (npz, i);
      FlDtype dtype;
      int ndim;
      int64_t shape[FL_ARRAY_MAX_DIMS];
      if (!fl_npz_peek (npz, name, &dtype, &ndim, shape, &error))
        {
          g_clear_error (&error);
          continue;
        }
      FlArray *a = fl_npz_read (npz, name, &error);
      if (a == NULL)
        {
          g_clear_error (&error);
          continue;
        }
      int64_t numel = fl_array_numel (a);
      if (a->dtype != FL_DTYPE_UCS4)
        {
          /* Every numeric dtype converts to float32. */
          float *f = fl_array_to_f32 (a);
          float *dst = g_new (float, numel > 0 ? numel : 1);
          if (fl_npz_read_f32_into (npz, name, dst, numel, &error))
            {
              for (int64_t k = 0; k < numel; k++)
                if (!(f[k] == dst[k] || (f[k] != f[k] && dst[k] != dst[k])))
                  abort ();
            }
          g_clear_error (&error);
          g_free (dst);
          g_free (f);
        }
      fl_array_free (a);
    }
  fl_npz_close (npz);

  FlArrays *all = fl_npz_load (path, &error);
  if (all)
    fl_arrays_unref (all);
  g_clear_error (&error);
  return 0;
}
