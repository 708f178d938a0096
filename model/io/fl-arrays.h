/* FlArrays: an ordered set of named n-dimensional arrays (float32, int32, ...).
 * The common currency between .npz files, feature sets and run results.
 * Names follow the golden/official key names, e.g. "confidence/plddt". */
#pragma once
#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define FL_ARRAY_MAX_DIMS 8

typedef enum {
  FL_DTYPE_F32,
  FL_DTYPE_F64,
  FL_DTYPE_F16,
  FL_DTYPE_BF16,
  FL_DTYPE_I32,
  FL_DTYPE_I64,
  FL_DTYPE_U8,
  FL_DTYPE_BOOL,
  FL_DTYPE_UCS4,  /* numpy '<Un' text: one uint32 code point per element; the
                     last dimension is n (a '<U24' scalar is shape (24)) */
} FlDtype;

typedef struct {
  char *name;
  FlDtype dtype;
  int ndim;                          /* 0 = scalar */
  int64_t shape[FL_ARRAY_MAX_DIMS];
  void *data;                        /* owned, g_malloc'd, C order */
} FlArray;

typedef struct _FlArrays FlArrays;

FlArrays *fl_arrays_new (void);
FlArrays *fl_arrays_ref (FlArrays *arrays);
void fl_arrays_unref (FlArrays *arrays);

/* Number of elements of an array (1 for a scalar). */
int64_t fl_array_numel (const FlArray *array);
gsize fl_dtype_size (FlDtype dtype);
const char *fl_dtype_name (FlDtype dtype);

/* Add (or replace) an array; the data is copied. Returns the stored array. */
FlArray *fl_arrays_add (FlArrays *arrays, const char *name, FlDtype dtype,
                        int ndim, const int64_t *shape, const void *data);
/* Add taking ownership of data (must be g_malloc'd). */
FlArray *fl_arrays_take (FlArrays *arrays, const char *name, FlDtype dtype,
                         int ndim, const int64_t *shape, void *data);
/* Convenience: float32 / int32 arrays. */
FlArray *fl_arrays_add_f32 (FlArrays *arrays, const char *name,
                            int ndim, const int64_t *shape, const float *data);
FlArray *fl_arrays_add_i32 (FlArrays *arrays, const char *name,
                            int ndim, const int64_t *shape, const int32_t *data);
/* A float32 copy of any numeric array (converting f16/bf16/f64/ints); g_free it. */
float *fl_array_to_f32 (const FlArray *array);

FlArray *fl_arrays_lookup (FlArrays *arrays, const char *name);   /* borrow, NULL if absent */
guint fl_arrays_size (FlArrays *arrays);
FlArray *fl_arrays_index (FlArrays *arrays, guint i);              /* insertion order */
void fl_arrays_remove (FlArrays *arrays, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlArrays, fl_arrays_unref)

G_END_DECLS
