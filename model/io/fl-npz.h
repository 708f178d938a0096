/* Reading and writing NumPy .npz archives (zip of .npy): stored or deflated
 * members, zip64, little-endian float32/float16/bfloat16/float64/int/bool.
 * Deflate goes through GIO's GZlibDecompressor (raw format). */
#pragma once
#include <glib.h>
#include "fl-arrays.h"

G_BEGIN_DECLS

typedef struct _FlNpz FlNpz;   /* an open archive, members read on demand */

FlNpz *fl_npz_open (const char *path, GError **error);
void fl_npz_close (FlNpz *npz);

guint fl_npz_n_members (FlNpz *npz);
/* Array name of member i (the member file name without ".npy"). */
const char *fl_npz_member_name (FlNpz *npz, guint i);
gboolean fl_npz_has (FlNpz *npz, const char *name);

/* Header of one array without reading its data. */
gboolean fl_npz_peek (FlNpz *npz, const char *name, FlDtype *dtype,
                      int *ndim, int64_t shape[FL_ARRAY_MAX_DIMS], GError **error);

/* Read one array as stored (dtype kept). */
FlArray *fl_npz_read (FlNpz *npz, const char *name, GError **error);
void fl_array_free (FlArray *array);

/* Read one array converted to float32 into dst, which holds numel floats. */
gboolean fl_npz_read_f32_into (FlNpz *npz, const char *name, float *dst,
                               int64_t numel, GError **error);

/* Whole archive into an FlArrays. */
FlArrays *fl_npz_load (const char *path, GError **error);

/* Write every array of `arrays` (uncompressed members; zip64 when needed). */
gboolean fl_npz_save (FlArrays *arrays, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlNpz, fl_npz_close)

G_END_DECLS
