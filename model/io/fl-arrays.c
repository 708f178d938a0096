/* FlArrays: ordered, reference-counted set of named arrays. */
#include "fl-arrays.h"

#include <math.h>
#include <string.h>

struct _FlArrays {
  gatomicrefcount ref;
  GPtrArray *items;       /* FlArray *, insertion order, owned */
  GHashTable *by_name;    /* name (borrowed from the FlArray) -> FlArray * */
};

static void
array_free (gpointer p)
{
  FlArray *a = p;
  if (a == NULL)
    return;
  g_free (a->name);
  g_free (a->data);
  g_free (a);
}

FlArrays *
fl_arrays_new (void)
{
  FlArrays *arrays = g_new0 (FlArrays, 1);
  g_atomic_ref_count_init (&arrays->ref);
  arrays->items = g_ptr_array_new_with_free_func (array_free);
  arrays->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  return arrays;
}

FlArrays *
fl_arrays_ref (FlArrays *arrays)
{
  g_return_val_if_fail (arrays != NULL, NULL);
  g_atomic_ref_count_inc (&arrays->ref);
  return arrays;
}

void
fl_arrays_unref (FlArrays *arrays)
{
  if (arrays == NULL)
    return;
  if (g_atomic_ref_count_dec (&arrays->ref))
    {
      g_hash_table_unref (arrays->by_name);
      g_ptr_array_unref (arrays->items);
      g_free (arrays);
    }
}

int64_t
fl_array_numel (const FlArray *array)
{
  int64_t n = 1;
  for (int d = 0; d < array->ndim; d++)
    n *= array->shape[d];
  return n;
}

gsize
fl_dtype_size (FlDtype dtype)
{
  switch (dtype)
    {
    case FL_DTYPE_F32: return 4;
    case FL_DTYPE_F64: return 8;
    case FL_DTYPE_F16: return 2;
    case FL_DTYPE_BF16: return 2;
    case FL_DTYPE_I32: return 4;
    case FL_DTYPE_I64: return 8;
    case FL_DTYPE_U8: return 1;
    case FL_DTYPE_BOOL: return 1;
    case FL_DTYPE_UCS4: return 4;
    default: return 0;
    }
}

const char *
fl_dtype_name (FlDtype dtype)
{
  switch (dtype)
    {
    case FL_DTYPE_F32: return "float32";
    case FL_DTYPE_F64: return "float64";
    case FL_DTYPE_F16: return "float16";
    case FL_DTYPE_BF16: return "bfloat16";
    case FL_DTYPE_I32: return "int32";
    case FL_DTYPE_I64: return "int64";
    case FL_DTYPE_U8: return "uint8";
    case FL_DTYPE_BOOL: return "bool";
    case FL_DTYPE_UCS4: return "unicode";
    default: return "unknown";
    }
}

FlArray *
fl_arrays_take (FlArrays *arrays, const char *name, FlDtype dtype,
                int ndim, const int64_t *shape, void *data)
{
  g_return_val_if_fail (arrays != NULL && name != NULL, NULL);
  g_return_val_if_fail (ndim >= 0 && ndim <= FL_ARRAY_MAX_DIMS, NULL);

  FlArray *a = g_new0 (FlArray, 1);
  a->name = g_strdup (name);
  a->dtype = dtype;
  a->ndim = ndim;
  for (int d = 0; d < ndim; d++)
    a->shape[d] = shape[d];
  a->data = data;

  FlArray *old = g_hash_table_lookup (arrays->by_name, name);
  if (old != NULL)
    {
      /* Replace in place, keeping the insertion position. */
      guint idx;
      g_ptr_array_find (arrays->items, old, &idx);
      g_hash_table_remove (arrays->by_name, name);
      arrays->items->pdata[idx] = a;
      array_free (old);
    }
  else
    g_ptr_array_add (arrays->items, a);
  g_hash_table_insert (arrays->by_name, a->name, a);
  return a;
}

FlArray *
fl_arrays_add (FlArrays *arrays, const char *name, FlDtype dtype,
               int ndim, const int64_t *shape, const void *data)
{
  g_return_val_if_fail (ndim >= 0 && ndim <= FL_ARRAY_MAX_DIMS, NULL);
  int64_t n = 1;
  for (int d = 0; d < ndim; d++)
    n *= shape[d];
  gsize bytes = (gsize) n * fl_dtype_size (dtype);
  void *copy = g_malloc (bytes > 0 ? bytes : 1);
  if (data != NULL && bytes > 0)
    memcpy (copy, data, bytes);
  else if (bytes > 0)
    memset (copy, 0, bytes);
  return fl_arrays_take (arrays, name, dtype, ndim, shape, copy);
}

FlArray *
fl_arrays_add_f32 (FlArrays *arrays, const char *name,
                   int ndim, const int64_t *shape, const float *data)
{
  return fl_arrays_add (arrays, name, FL_DTYPE_F32, ndim, shape, data);
}

FlArray *
fl_arrays_add_i32 (FlArrays *arrays, const char *name,
                   int ndim, const int64_t *shape, const int32_t *data)
{
  return fl_arrays_add (arrays, name, FL_DTYPE_I32, ndim, shape, data);
}

static float
half_to_float (uint16_t h)
{
  uint32_t sign = (uint32_t) (h >> 15) << 31;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ff;
  uint32_t bits;
  if (exp == 0)
    {
      if (mant == 0)
        bits = sign;
      else
        {
          /* Subnormal half: value = mant * 2^-24. */
          float v = (float) mant * 5.9604644775390625e-8f;
          return (h & 0x8000) ? -v : v;
        }
    }
  else if (exp == 31)
    bits = sign | 0x7f800000u | (mant << 13);
  else
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  float f;
  memcpy (&f, &bits, 4);
  return f;
}

float *
fl_array_to_f32 (const FlArray *array)
{
  g_return_val_if_fail (array != NULL, NULL);
  int64_t n = fl_array_numel (array);
  float *out = g_new (float, n > 0 ? n : 1);
  const guint8 *src = array->data;
  for (int64_t i = 0; i < n; i++)
    {
      float v;
      switch (array->dtype)
        {
        case FL_DTYPE_F32:
          memcpy (&v, src + 4 * i, 4);
          break;
        case FL_DTYPE_F64:
          {
            double d;
            memcpy (&d, src + 8 * i, 8);
            v = (float) d;
          }
          break;
        case FL_DTYPE_F16:
          {
            uint16_t h;
            memcpy (&h, src + 2 * i, 2);
            v = half_to_float (h);
          }
          break;
        case FL_DTYPE_BF16:
          {
            uint16_t h;
            memcpy (&h, src + 2 * i, 2);
            uint32_t bits = (uint32_t) h << 16;
            memcpy (&v, &bits, 4);
          }
          break;
        case FL_DTYPE_I32:
          {
            int32_t x;
            memcpy (&x, src + 4 * i, 4);
            v = (float) x;
          }
          break;
        case FL_DTYPE_I64:
          {
            int64_t x;
            memcpy (&x, src + 8 * i, 8);
            v = (float) x;
          }
          break;
        case FL_DTYPE_U8:
        case FL_DTYPE_BOOL:
          v = (float) src[i];
          break;
        case FL_DTYPE_UCS4:
          {
            uint32_t x;
            memcpy (&x, src + 4 * i, 4);
            v = (float) x;
          }
          break;
        default:
          v = NAN;
          break;
        }
      out[i] = v;
    }
  return out;
}

FlArray *
fl_arrays_lookup (FlArrays *arrays, const char *name)
{
  g_return_val_if_fail (arrays != NULL && name != NULL, NULL);
  return g_hash_table_lookup (arrays->by_name, name);
}

guint
fl_arrays_size (FlArrays *arrays)
{
  g_return_val_if_fail (arrays != NULL, 0);
  return arrays->items->len;
}

FlArray *
fl_arrays_index (FlArrays *arrays, guint i)
{
  g_return_val_if_fail (arrays != NULL, NULL);
  if (i >= arrays->items->len)
    return NULL;
  return g_ptr_array_index (arrays->items, i);
}

void
fl_arrays_remove (FlArrays *arrays, const char *name)
{
  g_return_if_fail (arrays != NULL && name != NULL);
  FlArray *a = g_hash_table_lookup (arrays->by_name, name);
  if (a == NULL)
    return;
  g_hash_table_remove (arrays->by_name, name);
  g_ptr_array_remove (arrays->items, a);   /* frees it */
}
