#include "fl-weights.h"
#include "fl-error.h"

struct _FlWeights {
  FlBackend *backend;
  FlParams *params;
  float *device;        /* one allocation holding fl_params_data () */
};

FlWeights *
fl_weights_new (FlBackend *backend, FlParams *params, GError **error)
{
  gsize n = fl_params_n_floats (params);
  float *dev = backend->ops->alloc (backend, n ? n : 1);
  if (!dev || !fl_backend_check (backend, error))
    return NULL;
  backend->ops->upload (backend, dev, fl_params_data (params), n);
  if (!fl_backend_check (backend, error))
    {
      backend->ops->free (backend, dev);
      return NULL;
    }
  FlWeights *w = g_new0 (FlWeights, 1);
  w->backend = backend;
  w->params = fl_params_ref (params);
  w->device = dev;
  return w;
}

void
fl_weights_free (FlWeights *w)
{
  if (!w)
    return;
  w->backend->ops->free (w->backend, w->device);
  fl_params_unref (w->params);
  g_free (w);
}

FlParams *
fl_weights_params (FlWeights *w)
{
  return w->params;
}

FlBackend *
fl_weights_backend (FlWeights *w)
{
  return w->backend;
}

static const FlParamInfo *
lookup (FlWeights *w, const char *relative_name, int block)
{
  g_autofree char *full = g_strconcat (FL_PARAMS_ROOT, relative_name, NULL);
  const FlParamInfo *info = fl_params_lookup (w->params, full);
  if (!info)
    {
      fl_backend_fail (w->backend, FL_BACKEND_ERROR_UNSUPPORTED,
                       "parameter tensor '%s' is missing", full);
      return NULL;
    }
  if (block >= 0 && (info->ndim < 1 || block >= info->shape[0]))
    {
      fl_backend_fail (w->backend, FL_BACKEND_ERROR_UNSUPPORTED,
                       "parameter tensor '%s' has no block %d", full, block);
      return NULL;
    }
  return info;
}

static gsize
block_offset (const FlParamInfo *info, int block)
{
  if (block < 0)
    return info->offset;
  return info->offset + (gsize) block * (gsize) (info->numel / info->shape[0]);
}

const float *
fl_weights_get (FlWeights *w, const char *relative_name)
{
  const FlParamInfo *info = lookup (w, relative_name, -1);
  return info ? w->device + info->offset : NULL;
}

const float *
fl_weights_block (FlWeights *w, const char *relative_name, int block)
{
  const FlParamInfo *info = lookup (w, relative_name, block);
  return info ? w->device + block_offset (info, block) : NULL;
}

const float *
fl_weights_host (FlWeights *w, const char *relative_name)
{
  const FlParamInfo *info = lookup (w, relative_name, -1);
  return info ? fl_params_data (w->params) + info->offset : NULL;
}

const float *
fl_weights_host_block (FlWeights *w, const char *relative_name, int block)
{
  const FlParamInfo *info = lookup (w, relative_name, block);
  return info ? fl_params_data (w->params) + block_offset (info, block) : NULL;
}
