/* FlParams: parameter tensors in one float32 buffer, looked up by name. */
#include "fl-params.h"
#include "fl-error.h"
#include "fl-npz.h"
#include "fl-param-table.h"

#include <math.h>
#include <string.h>

struct _FlParams {
  gatomicrefcount ref;
  char *path;            /* first source file, or NULL */
  float *data;           /* all tensors, back to back */
  gsize n_floats;
  GArray *tensors;       /* FlParamInfo, names owned */
  GHashTable *by_name;   /* full key -> index + 1 */
};

static void
info_clear (gpointer p)
{
  FlParamInfo *t = p;
  g_free ((char *) t->name);
}

static FlParams *
params_alloc (void)
{
  FlParams *p = g_new0 (FlParams, 1);
  g_atomic_ref_count_init (&p->ref);
  p->tensors = g_array_new (FALSE, TRUE, sizeof (FlParamInfo));
  g_array_set_clear_func (p->tensors, info_clear);
  p->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return p;
}

FlParams *
fl_params_ref (FlParams *params)
{
  g_return_val_if_fail (params != NULL, NULL);
  g_atomic_ref_count_inc (&params->ref);
  return params;
}

void
fl_params_unref (FlParams *params)
{
  if (params == NULL)
    return;
  if (g_atomic_ref_count_dec (&params->ref))
    {
      g_hash_table_unref (params->by_name);
      g_array_unref (params->tensors);
      g_free (params->data);
      g_free (params->path);
      g_free (params);
    }
}

static gboolean
is_float_dtype (FlDtype t)
{
  return t == FL_DTYPE_F32 || t == FL_DTYPE_F16 || t == FL_DTYPE_BF16
         || t == FL_DTYPE_F64;
}

/* Register a tensor (offsets assigned in order); FALSE on a duplicate. */
static gboolean
params_declare (FlParams *p, const char *name, int ndim, const int64_t *shape,
                const char *source, GError **error)
{
  if (g_hash_table_contains (p->by_name, name))
    {
      if (source)
        g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_EXTRA,
                     "parameter '%s' appears twice (again in %s)", name, source);
      else
        g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_EXTRA,
                     "parameter '%s' appears twice", name);
      return FALSE;
    }
  FlParamInfo t = { 0 };
  t.name = g_strdup (name);
  t.ndim = ndim;
  t.numel = 1;
  for (int d = 0; d < ndim; d++)
    {
      t.shape[d] = shape[d];
      t.numel *= shape[d];
    }
  t.offset = p->n_floats;
  p->n_floats += (gsize) t.numel;
  g_array_append_val (p->tensors, t);
  g_hash_table_insert (p->by_name, (char *) g_array_index (p->tensors, FlParamInfo,
                                                          p->tensors->len - 1).name,
                       GUINT_TO_POINTER (p->tensors->len));
  return TRUE;
}

/* Hash keys point at names owned by the array elements (the strings, not
 * the elements, so growth of the array does not invalidate them). */

static gboolean
params_allocate (FlParams *p, GError **error)
{
  p->data = g_try_new (float, p->n_floats > 0 ? p->n_floats : 1);
  if (p->data == NULL)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_DTYPE,
                   "out of memory: parameters need %.1f MiB",
                   p->n_floats * 4.0 / (1024.0 * 1024.0));
      return FALSE;
    }
  return TRUE;
}

FlParams *
fl_params_load_many (const char *const *paths, GError **error)
{
  g_return_val_if_fail (paths != NULL && paths[0] != NULL, NULL);
  g_autoptr(FlParams) p = params_alloc ();
  p->path = g_strdup (paths[0]);

  guint n_files = g_strv_length ((char **) paths);
  g_autofree FlNpz **files = g_new0 (FlNpz *, n_files);
  g_autofree guint *first = g_new0 (guint, n_files + 1);
  gboolean ok = TRUE;

  /* Pass 1: headers only, to size the single buffer. */
  for (guint f = 0; ok && f < n_files; f++)
    {
      files[f] = fl_npz_open (paths[f], error);
      if (files[f] == NULL)
        {
          ok = FALSE;
          break;
        }
      first[f] = p->tensors->len;
      for (guint i = 0; ok && i < fl_npz_n_members (files[f]); i++)
        {
          const char *name = fl_npz_member_name (files[f], i);
          FlDtype dtype;
          int ndim;
          int64_t shape[FL_ARRAY_MAX_DIMS];
          if (!fl_npz_peek (files[f], name, &dtype, &ndim, shape, error))
            ok = FALSE;
          else if (!is_float_dtype (dtype))
            {
              g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_DTYPE,
                           "%s: parameter '%s' has dtype %s; parameters must be floating point",
                           paths[f], name, fl_dtype_name (dtype));
              ok = FALSE;
            }
          else
            ok = params_declare (p, name, ndim, shape, n_files > 1 ? paths[f] : NULL, error);
        }
    }
  first[n_files] = p->tensors->len;

  /* Pass 2: data. */
  if (ok)
    ok = params_allocate (p, error);
  for (guint f = 0; ok && f < n_files; f++)
    for (guint i = first[f]; ok && i < first[f + 1]; i++)
      {
        FlParamInfo *t = &g_array_index (p->tensors, FlParamInfo, i);
        ok = fl_npz_read_f32_into (files[f], t->name, p->data + t->offset, t->numel, error);
      }

  for (guint f = 0; f < n_files; f++)
    fl_npz_close (files[f]);
  if (!ok)
    return NULL;
  return g_steal_pointer (&p);
}

FlParams *
fl_params_load (const char *path, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);
  const char *paths[] = { path, NULL };
  return fl_params_load_many (paths, error);
}

FlParams *
fl_params_new_from_arrays (FlArrays *arrays, GError **error)
{
  g_return_val_if_fail (arrays != NULL, NULL);
  g_autoptr(FlParams) p = params_alloc ();
  guint n = fl_arrays_size (arrays);
  for (guint i = 0; i < n; i++)
    {
      FlArray *a = fl_arrays_index (arrays, i);
      if (!is_float_dtype (a->dtype))
        {
          g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_DTYPE,
                       "parameter '%s' has dtype %s; parameters must be floating point",
                       a->name, fl_dtype_name (a->dtype));
          return NULL;
        }
      if (!params_declare (p, a->name, a->ndim, a->shape, NULL, error))
        return NULL;
    }
  if (!params_allocate (p, error))
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      FlArray *a = fl_arrays_index (arrays, i);
      FlParamInfo *t = &g_array_index (p->tensors, FlParamInfo, i);
      if (a->dtype == FL_DTYPE_F32)
        memcpy (p->data + t->offset, a->data, (gsize) t->numel * sizeof (float));
      else
        {
          g_autofree float *conv = fl_array_to_f32 (a);
          memcpy (p->data + t->offset, conv, (gsize) t->numel * sizeof (float));
        }
    }
  return g_steal_pointer (&p);
}

const char *
fl_params_path (FlParams *params)
{
  g_return_val_if_fail (params != NULL, NULL);
  return params->path;
}

const float *
fl_params_data (FlParams *params)
{
  g_return_val_if_fail (params != NULL, NULL);
  return params->data;
}

gsize
fl_params_n_floats (FlParams *params)
{
  g_return_val_if_fail (params != NULL, 0);
  return params->n_floats;
}

guint
fl_params_n_tensors (FlParams *params)
{
  g_return_val_if_fail (params != NULL, 0);
  return params->tensors->len;
}

const FlParamInfo *
fl_params_tensor (FlParams *params, guint i)
{
  g_return_val_if_fail (params != NULL, NULL);
  if (i >= params->tensors->len)
    return NULL;
  return &g_array_index (params->tensors, FlParamInfo, i);
}

const FlParamInfo *
fl_params_lookup (FlParams *params, const char *name)
{
  g_return_val_if_fail (params != NULL && name != NULL, NULL);
  guint idx = GPOINTER_TO_UINT (g_hash_table_lookup (params->by_name, name));
  return idx ? &g_array_index (params->tensors, FlParamInfo, idx - 1) : NULL;
}

static const char *
source_of (FlParams *params)
{
  return params->path ? params->path : "the parameters";
}

const float *
fl_params_get (FlParams *params, const char *relative_name,
               int ndim, const int64_t *shape, GError **error)
{
  g_return_val_if_fail (params != NULL && relative_name != NULL, NULL);
  g_autofree char *full = g_str_has_prefix (relative_name, FL_PARAMS_ROOT)
                          ? g_strdup (relative_name)
                          : g_strconcat (FL_PARAMS_ROOT, relative_name, NULL);
  const FlParamInfo *t = fl_params_lookup (params, full);
  if (t == NULL)
    {
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_MISSING,
                   "parameter '%s' is missing from %s", full, source_of (params));
      return NULL;
    }
  gboolean match = t->ndim == ndim;
  for (int d = 0; match && d < ndim; d++)
    if (shape[d] >= 0 && shape[d] != t->shape[d])
      match = FALSE;
  if (!match)
    {
      g_autofree char *got = fl_param_shape_string (t->ndim, t->shape);
      g_autofree char *want = fl_param_shape_string (ndim, shape);
      g_set_error (error, FL_PARAMS_ERROR, FL_PARAMS_ERROR_SHAPE,
                   "parameter '%s' has shape %s, expected %s (in %s)",
                   full, got, want, source_of (params));
      return NULL;
    }
  return params->data + t->offset;
}

/* ------------------------------------------------------------ validation */

#define MAX_LISTED 12

gboolean
fl_params_validate (FlParams *params, const FlModelConfig *cfg, GError **error)
{
  g_return_val_if_fail (params != NULL && cfg != NULL, FALSE);
  g_autoptr(GArray) table = fl_param_table_new (cfg);
  g_autoptr(GHashTable) expected = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                          g_free, NULL);
  g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) shaped = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < table->len; i++)
    {
      FlParamSpec *s = &g_array_index (table, FlParamSpec, i);
      char *full = g_strconcat (FL_PARAMS_ROOT, s->name, NULL);
      g_hash_table_add (expected, full);
      const FlParamInfo *t = fl_params_lookup (params, full);
      if (t == NULL)
        {
          g_autofree char *want = fl_param_shape_string (s->ndim, s->shape);
          g_ptr_array_add (missing, g_strdup_printf ("missing '%s' %s", full, want));
          continue;
        }
      gboolean same = t->ndim == s->ndim;
      for (int d = 0; same && d < s->ndim; d++)
        same = t->shape[d] == s->shape[d];
      if (!same)
        {
          g_autofree char *got = fl_param_shape_string (t->ndim, t->shape);
          g_autofree char *want = fl_param_shape_string (s->ndim, s->shape);
          g_ptr_array_add (shaped, g_strdup_printf ("'%s' has shape %s, expected %s",
                                                    full, got, want));
        }
    }
  for (guint i = 0; i < params->tensors->len; i++)
    {
      const FlParamInfo *t = &g_array_index (params->tensors, FlParamInfo, i);
      if (g_hash_table_contains (expected, t->name))
        continue;
      g_autofree char *got = fl_param_shape_string (t->ndim, t->shape);
      g_ptr_array_add (extra, g_strdup_printf ("unexpected '%s' %s", t->name, got));
    }

  guint n_bad = missing->len + shaped->len + extra->len;
  if (n_bad == 0)
    return TRUE;

  int code = missing->len ? FL_PARAMS_ERROR_MISSING
             : shaped->len ? FL_PARAMS_ERROR_SHAPE : FL_PARAMS_ERROR_EXTRA;
  GString *msg = g_string_new (NULL);
  g_string_append_printf (msg, "%s does not match model %s (%u missing, %u mis-shaped, %u unexpected): ",
                          source_of (params), cfg->preset[0] ? cfg->preset : "custom",
                          missing->len, shaped->len, extra->len);
  guint listed = 0;
  GPtrArray *lists[] = { missing, shaped, extra };
  for (int l = 0; l < 3; l++)
    for (guint i = 0; i < lists[l]->len && listed < MAX_LISTED; i++, listed++)
      g_string_append_printf (msg, "%s%s", listed ? "; " : "",
                              (const char *) g_ptr_array_index (lists[l], i));
  if (n_bad > listed)
    g_string_append_printf (msg, "; and %u more", n_bad - listed);
  g_set_error_literal (error, FL_PARAMS_ERROR, code, msg->str);
  g_string_free (msg, TRUE);
  return FALSE;
}

/* ------------------------------------------------------- random params */

static inline guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

typedef struct {
  guint64 state;
  gboolean have_spare;
  double spare;
} Normal;

/* Standard normal (Box-Muller on two uniforms in (0, 1]). */
static double
normal_next (Normal *n)
{
  if (n->have_spare)
    {
      n->have_spare = FALSE;
      return n->spare;
    }
  double u1 = ((splitmix64 (&n->state) >> 11) + 1.0) * 0x1.0p-53;
  double u2 = (splitmix64 (&n->state) >> 11) * 0x1.0p-53;
  double r = sqrt (-2.0 * log (u1));
  n->spare = r * sin (2.0 * G_PI * u2);
  n->have_spare = TRUE;
  return r * cos (2.0 * G_PI * u2);
}

static int
spec_cmp (gconstpointer a, gconstpointer b)
{
  const FlParamSpec *x = a, *y = b;
  const char *sx = strstr (x->name, "//"), *sy = strstr (y->name, "//");
  gsize lx = sx - x->name, ly = sy - y->name;
  /* (scope, name) order. */
  int c = strncmp (x->name, y->name, MIN (lx, ly));
  if (c != 0)
    return c;
  if (lx != ly)
    return lx < ly ? -1 : 1;
  return strcmp (sx + 2, sy + 2);
}

/* Scope's last component (between the last '/' before "//" and "//"). */
static gboolean
scope_ends_with (const char *name, const char *component)
{
  const char *sep = strstr (name, "//");
  gsize len = strlen (component);
  if (sep == NULL || (gsize) (sep - name) < len)
    return FALSE;
  const char *start = sep - len;
  return strncmp (start, component, len) == 0 && (start == name || start[-1] == '/');
}

FlArrays *
fl_params_generate_random (const FlModelConfig *cfg, guint64 seed)
{
  g_return_val_if_fail (cfg != NULL, NULL);
  g_autoptr(GArray) table = fl_param_table_new (cfg);
  g_array_sort (table, spec_cmp);
  Normal rng = { seed, FALSE, 0.0 };
  FlArrays *arrays = fl_arrays_new ();

  for (guint i = 0; i < table->len; i++)
    {
      FlParamSpec *s = &g_array_index (table, FlParamSpec, i);
      const char *pname = strstr (s->name, "//") + 2;
      int first = s->stacked ? 1 : 0;     /* fan-in never counts the stack */
      int64_t numel = 1;
      for (int d = 0; d < s->ndim; d++)
        numel *= s->shape[d];
      double mul, add = 0.0;
      if (strcmp (pname, "scale") == 0)
        mul = 0.1, add = 1.0;
      else if (strcmp (pname, "offset") == 0)
        mul = 0.05;
      else if (strcmp (pname, "bias") == 0 || g_str_has_suffix (pname, "_b"))
        {
          mul = 0.05;
          gboolean gating = strcmp (pname, "gating_b") == 0
                            || (strcmp (pname, "bias") == 0
                                && (scope_ends_with (s->name, "left_gate")
                                    || scope_ends_with (s->name, "right_gate")
                                    || scope_ends_with (s->name, "gating_linear")));
          add = gating ? 1.0 : 0.0;
        }
      else if (strcmp (pname, "trainable_point_weights") == 0)
        mul = 0.1, add = log (G_E - 1.0);
      else if (strcmp (pname, "output_w") == 0)
        {
          double fan = 1.0;
          for (int d = first; d < s->ndim - 1; d++)
            fan *= (double) s->shape[d];
          mul = 1.0 / sqrt (fan > 0 ? fan : 1.0);
        }
      else
        {
          double fan = s->ndim > first ? (double) s->shape[first] : 1.0;
          mul = 1.0 / sqrt (fan > 0 ? fan : 1.0);
        }
      float *v = g_new (float, numel > 0 ? numel : 1);
      for (int64_t k = 0; k < numel; k++)
        v[k] = (float) (add + mul * normal_next (&rng));
      g_autofree char *full = g_strconcat (FL_PARAMS_ROOT, s->name, NULL);
      fl_arrays_take (arrays, full, FL_DTYPE_F32, s->ndim, s->shape, v);
    }
  return arrays;
}
