/* Backend creation, error plumbing and precision names (fl-backend.h).
 * The CPU op table is in fl-backend-cpu.c; the CUDA one in model/cuda/. */
#include "fl-backend.h"
#include "fl-error.h"
#include "fl-build-config.h"
#include <stdarg.h>
#include <string.h>

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

void
fl_backend_free (FlBackend *b)
{
  if (!b)
    return;
  g_clear_error (&b->error);
  if (b->ops && b->ops->destroy)
    b->ops->destroy (b);   /* frees b itself */
  else
    g_free (b);
}

gboolean
fl_backend_check (FlBackend *b, GError **error)
{
  if (b->error == NULL)
    return TRUE;
  g_propagate_error (error, b->error);
  b->error = NULL;
  return FALSE;
}

void
fl_backend_fail (FlBackend *b, int code, const char *format, ...)
{
  if (b->error != NULL)
    return;
  va_list args;
  va_start (args, format);
  b->error = g_error_new_valist (FL_BACKEND_ERROR, code, format, args);
  va_end (args);
}

const char *
fl_precision_name (FlPrecision p)
{
  switch (p)
    {
    case FL_PRECISION_FP32: return "fp32";
    case FL_PRECISION_TF32: return "tf32";
    case FL_PRECISION_BF16: return "bf16";
    default: return "unknown";
    }
}

gboolean
fl_precision_from_name (const char *name, FlPrecision *p)
{
  static const struct { const char *name; FlPrecision p; } table[] = {
    { "fp32", FL_PRECISION_FP32 },
    { "tf32", FL_PRECISION_TF32 },
    { "bf16", FL_PRECISION_BF16 },
  };
  if (!name)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_ascii_strcasecmp (name, table[i].name) == 0)
      {
        *p = table[i].p;
        return TRUE;
      }
  return FALSE;
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
