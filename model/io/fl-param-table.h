/* The table of parameter tensors an AlphaFold2 monomer model of a given
 * configuration uses: official key (relative to FL_PARAMS_ROOT) and shape,
 * without the stack dimension folded out (stacked modules carry it). Used to
 * validate parameter files and to generate random parameters. */
#pragma once
#include <glib.h>
#include <stdint.h>
#include "fl-arrays.h"
#include "fl-config.h"

G_BEGIN_DECLS

typedef struct {
  char *name;                         /* relative key, "scope//name" */
  int ndim;
  int64_t shape[FL_ARRAY_MAX_DIMS];
  gboolean stacked;                   /* shape[0] is a block-stack dimension */
} FlParamSpec;

/* Every tensor the configured model uses, in a fixed order; free with
 * g_array_unref (elements are cleared). */
GArray *fl_param_table_new (const FlModelConfig *cfg);

/* "(a, b, c)" */
char *fl_param_shape_string (int ndim, const int64_t *shape);

G_END_DECLS
