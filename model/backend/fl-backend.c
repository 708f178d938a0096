/* The op table's shared plumbing (fl-backend.h): freeing, error recording
 * and precision names. Below every implementation: the CPU table
 * (fl-backend-cpu.c) and the CUDA one (cuda/) use it, and the factory
 * (fl-backend-factory.c) sits above them all. */
#include "fl-backend.h"
#include "fl-error.h"
#include <stdarg.h>
#include <string.h>

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
