/* Backend creation (fl-backend.h): picks the CPU or the CUDA op table, or
 * the best available one, and says in the description why. Above the
 * implementations: nothing below includes this file's functions. */
#include "fl-backend.h"
#include "fl-error.h"
#include "fl-build-config.h"

FlBackend *
fl_backend_new (FlBackendKind kind, int device, FlPrecision precision,
                int n_threads, GError **error)
{
  switch (kind)
    {
    case FL_BACKEND_KIND_CPU:
      return fl_backend_cpu_new (n_threads, error);

    case FL_BACKEND_KIND_CUDA:
      return fl_backend_cuda_new (device, precision, error);

    case FL_BACKEND_KIND_AUTO:
    default:
      if (FL_HAVE_CUDA && fl_backend_cuda_available ())
        {
          g_autoptr (GError) cuda_error = NULL;
          FlBackend *b = fl_backend_cuda_new (device, precision, &cuda_error);
          if (b)
            return b;
          /* A device was seen but could not be used: fall back, and say why. */
          b = fl_backend_cpu_new (n_threads, error);
          if (b)
            {
              g_autofree char *d = g_strdup_printf ("%s (auto: CUDA unusable: %s)",
                                                    b->description, cuda_error->message);
              g_strlcpy (b->description, d, sizeof b->description);
            }
          return b;
        }
      else
        {
          FlBackend *b = fl_backend_cpu_new (n_threads, error);
          if (b)
            {
              g_autofree char *d =
                g_strdup_printf ("%s (auto: %s)", b->description,
                                 FL_HAVE_CUDA ? "no CUDA device" : "built without CUDA");
              g_strlcpy (b->description, d, sizeof b->description);
            }
          return b;
        }
    }
}

#if !FL_HAVE_CUDA
/* Built without the CUDA backend: it is never available. */
gboolean
fl_backend_cuda_available (void)
{
  return FALSE;
}

FlBackend *
fl_backend_cuda_new (int device, FlPrecision precision, GError **error)
{
  g_set_error (error, FL_BACKEND_ERROR, FL_BACKEND_ERROR_NO_DEVICE,
               "This build of Foldlight has no CUDA backend; use the CPU backend.");
  return NULL;
}
#endif
