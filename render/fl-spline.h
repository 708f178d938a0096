/* Stage 2 of the cartoon: a smooth curve through (or near) the guide points.
 *
 * Samples a uniform cubic curve over n guide points with `per_residue`
 * samples per guide interval: m = (n - 1) * per_residue + 1 samples (n >= 2;
 * n == 1 gives one sample, n == 0 none). Sample j lies at curve parameter
 * t = j / per_residue (in guide-point units), so t = k is guide point k.
 * Catmull-Rom passes exactly through every guide point; the B-spline is
 * smoother and passes only through the two end points (end points are
 * mirrored so both curves start and end at the chain's ends).
 * Each sample carries an orthonormal frame: unit tangent, unit normal (the
 * guide `side` vectors blended with the same weights and made ⊥ tangent)
 * and binormal = tangent × normal. Degenerate input gives finite unit frames. */
#pragma once
#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  FL_SPLINE_CATMULL_ROM,
  FL_SPLINE_B_SPLINE,
} FlSplineKind;

typedef struct {
  int m;               /* samples */
  int per_residue;     /* samples per guide interval */
  float *t;            /* (m) curve parameter in guide-point units */
  float *pos;          /* (m, 3) Å */
  float *tangent;      /* (m, 3) unit */
  float *normal;       /* (m, 3) unit, ⊥ tangent */
  float *binormal;     /* (m, 3) unit, tangent × normal */
} FlSpline;

/* points (n, 3); sides (n, 3) unit vectors or NULL (then an arbitrary smooth
 * normal is made); per_residue >= 1 (clamped). Never fails. */
FlSpline *fl_spline_new (const float *points, const float *sides, int n, int per_residue,
                         FlSplineKind kind);
void fl_spline_free (FlSpline *spline);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (FlSpline, fl_spline_free)

G_END_DECLS
